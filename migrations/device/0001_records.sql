-- Device database, schema version 1. Append-only: never edit this file once released; add a new
-- numbered file instead.
--
-- Every synced entity has its own table with the same first five columns:
--   id            the record's uuid v7, 16 bytes
--   data          the merged record as JSON (serde names of sotay_domain::entities): the source of
--                 truth, so a round trip through the database is lossless even for fields this
--                 version does not know
--   field_clocks  JSON object: field name -> HLC text of the write that set it
--   version       the greatest HLC of any field (for the scope checksum)
--   deleted       tombstone flag (user data is never hard-deleted)
-- followed by typed copies of the fields that queries filter, join or sort on.

CREATE TABLE device (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    device_id    BLOB NOT NULL,
    user_id      BLOB NOT NULL,
    hlc          TEXT NOT NULL,
    sync_cursor  TEXT,
    last_sync_at INTEGER
) STRICT;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE villages (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    commune_code TEXT NOT NULL,
    name         TEXT NOT NULL
) STRICT;
CREATE INDEX villages_commune ON villages (commune_code);

CREATE TABLE households (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    head_name    TEXT NOT NULL,
    address      TEXT NOT NULL
) STRICT;
CREATE INDEX households_village ON households (village_id, head_name);

CREATE TABLE persons (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    household_id BLOB NOT NULL,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    full_name    TEXT NOT NULL,
    phone        TEXT,
    personal_id  TEXT,
    stage        TEXT NOT NULL
) STRICT;
CREATE INDEX persons_household ON persons (household_id);

CREATE TABLE visits (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    household_id BLOB NOT NULL,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    visited_at   INTEGER NOT NULL,
    visited_by   BLOB NOT NULL,
    outcome      TEXT NOT NULL
) STRICT;
CREATE INDEX visits_household ON visits (household_id, visited_at);
CREATE INDEX visits_visited_by ON visits (visited_by, visited_at);

CREATE TABLE follow_ups (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    household_id BLOB NOT NULL,
    person_id    BLOB,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    assigned_to  BLOB NOT NULL,
    due_date     TEXT NOT NULL,
    done         INTEGER NOT NULL
) STRICT;
CREATE INDEX follow_ups_due ON follow_ups (assigned_to, done, due_date);
CREATE INDEX follow_ups_household ON follow_ups (household_id);

CREATE TABLE outreach_events (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    kind         TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    date         TEXT NOT NULL
) STRICT;
CREATE INDEX outreach_events_commune ON outreach_events (commune_code, date);

CREATE TABLE enrollments (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    person_id    BLOB NOT NULL,
    household_id BLOB NOT NULL,
    commune_code TEXT NOT NULL,
    village_id   BLOB,
    collector_id BLOB NOT NULL,
    status       TEXT NOT NULL,
    payment_mode TEXT NOT NULL,
    first_month  TEXT NOT NULL
) STRICT;
CREATE INDEX enrollments_collector ON enrollments (collector_id, status);
CREATE INDEX enrollments_household ON enrollments (household_id);
CREATE INDEX enrollments_person ON enrollments (person_id);

CREATE TABLE payments (
    id             BLOB PRIMARY KEY NOT NULL,
    data           TEXT NOT NULL,
    field_clocks   TEXT NOT NULL,
    version        TEXT,
    deleted        INTEGER NOT NULL DEFAULT 0,
    enrollment_id  BLOB NOT NULL,
    person_id      BLOB NOT NULL,
    household_id   BLOB NOT NULL,
    commune_code   TEXT NOT NULL,
    village_id     BLOB,
    collector_id   BLOB NOT NULL,
    months_from    TEXT NOT NULL,
    months_to      TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    collected_at   INTEGER NOT NULL,
    receipt_number TEXT NOT NULL,
    method         TEXT NOT NULL
) STRICT;
-- A receipt number is unique per collector (a voided receipt stays used).
CREATE UNIQUE INDEX payments_receipt ON payments (collector_id, receipt_number);
CREATE INDEX payments_enrollment_to ON payments (enrollment_id, months_to);
CREATE INDEX payments_enrollment_at ON payments (enrollment_id, collected_at);
CREATE INDEX payments_household ON payments (household_id);
CREATE INDEX payments_collected ON payments (collected_at);

CREATE TABLE remittances (
    id           BLOB PRIMARY KEY NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    version      TEXT,
    deleted      INTEGER NOT NULL DEFAULT 0,
    collector_id BLOB NOT NULL,
    commune_code TEXT NOT NULL,
    remitted_at  INTEGER NOT NULL,
    total        INTEGER NOT NULL
) STRICT;
CREATE INDEX remittances_collector ON remittances (collector_id, remitted_at);

-- Which payments a (not deleted) remittance settles; derived from remittances.data.
CREATE TABLE remittance_payments (
    remittance_id BLOB NOT NULL REFERENCES remittances (id),
    payment_id    BLOB NOT NULL,
    PRIMARY KEY (remittance_id, payment_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX remittance_payments_payment ON remittance_payments (payment_id);

CREATE TABLE quotas (
    id              BLOB PRIMARY KEY NOT NULL,
    data            TEXT NOT NULL,
    field_clocks    TEXT NOT NULL,
    version         TEXT,
    deleted         INTEGER NOT NULL DEFAULT 0,
    commune_code    TEXT NOT NULL,
    scope_kind      TEXT NOT NULL,
    scope_key       TEXT NOT NULL,
    period_kind     TEXT NOT NULL,
    year            INTEGER NOT NULL,
    half            INTEGER
) STRICT;
CREATE INDEX quotas_scope ON quotas (scope_kind, scope_key, year);

-- Changes waiting to be pushed, in the order they were made.
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id     BLOB NOT NULL UNIQUE,
    entity    TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    fields    TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    user_id   BLOB NOT NULL,
    device_id BLOB NOT NULL
) STRICT;
CREATE INDEX outbox_record ON outbox (entity, entity_id);

-- Ops the office refused (quarantine): kept aside with the reason, shown on the record.
CREATE TABLE rejections (
    op_id       BLOB PRIMARY KEY NOT NULL,
    seq         INTEGER NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    op          TEXT NOT NULL,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    field       TEXT,
    rejected_at INTEGER NOT NULL
) STRICT;
CREATE INDEX rejections_record ON rejections (entity, entity_id);

-- Pulled records this version could not read (e.g. from a newer office): kept, never dropped.
CREATE TABLE unreadable_records (
    entity       TEXT NOT NULL,
    entity_id    BLOB NOT NULL,
    data         TEXT NOT NULL,
    field_clocks TEXT NOT NULL,
    error        TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (entity, entity_id)
) STRICT;
