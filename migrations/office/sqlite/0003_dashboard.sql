-- The office dashboard (issue 12). Append-only: never edit a released migration.
-- Sign-in for office admins and supervisors: one login per user, Argon2id hashes, lock-out.
CREATE TABLE office_logins (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    failed_count INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
-- Dashboard sessions live in the database so several office instances share them.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
-- Who did what from the dashboard or the command line.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user_id TEXT,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    commune_code TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
-- Typed facts of each synced record, kept in the transaction that applies its op, so the
-- dashboard's aggregates read small indexed rows instead of JSON.
CREATE TABLE record_facts (
    entity_id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    village_id TEXT,
    deleted INTEGER NOT NULL,
    actor_id TEXT,
    ref_id TEXT,
    status TEXT,
    day TEXT,
    day2 TEXT,
    amount INTEGER,
    amount2 INTEGER,
    ident TEXT,
    label TEXT,
    name_key TEXT,
    origin_device TEXT
);
CREATE INDEX record_facts_kind_commune_day ON record_facts (entity, commune_code, day);
CREATE INDEX record_facts_ref ON record_facts (ref_id, entity);
CREATE INDEX record_facts_ident ON record_facts (entity, ident);
CREATE INDEX record_facts_name ON record_facts (entity, name_key);
CREATE INDEX record_facts_kind_id ON record_facts (entity, entity_id);
CREATE INDEX record_facts_kind_day ON record_facts (entity, day);
CREATE INDEX record_facts_kind_last ON record_facts (entity, day2);
-- Counts and sums of the facts by kind, place, person, status and month (1970-01-01 for kinds
-- without a day), kept with them in the same transaction: the overview and the evaluation add
-- up these few rows instead of counting millions of visits. `flag` is 1 for a payment that
-- continues its sign-up (a renewal). Absent village or person: the nil uuid.
CREATE TABLE fact_rollup (
    entity TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    village_id TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    status TEXT NOT NULL,
    month TEXT NOT NULL,
    flag BIGINT NOT NULL,
    n BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (entity, commune_code, village_id, actor_id, status, month, flag)
);
CREATE INDEX fact_rollup_actor ON fact_rollup (entity, actor_id, month);
-- Which remittance settled which payment.
CREATE TABLE remitted_payments (
    payment_id TEXT PRIMARY KEY,
    remittance_id TEXT NOT NULL,
    remitted_on TEXT NOT NULL
);
CREATE INDEX remitted_payments_remittance ON remitted_payments (remittance_id);
-- Coverage denominators: the working-age labour force of a commune and its target (‰).
CREATE TABLE commune_targets (
    commune_code TEXT PRIMARY KEY,
    labour_force INTEGER NOT NULL,
    target_permille INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
-- Office settings (the remittance deadline in days).
CREATE TABLE office_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Each device's receipt key (issued at enrolment), to verify receipt check codes.
ALTER TABLE devices ADD COLUMN receipt_key TEXT;
