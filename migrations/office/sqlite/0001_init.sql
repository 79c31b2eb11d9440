-- Office schema, SQLite. Append-only: never edit a released migration, add a new file.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    phone TEXT,
    organisation TEXT,
    created_at TEXT NOT NULL
);
-- A user's area: a whole commune (village_id = '') or one village of it.
CREATE TABLE areas (
    user_id TEXT NOT NULL REFERENCES users(id),
    commune_code TEXT NOT NULL,
    village_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, commune_code, village_id)
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    last_seen_at TEXT
);
CREATE TABLE enrol_codes (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at TEXT NOT NULL,
    used_at TEXT,
    device_id TEXT
);
CREATE TABLE admin_units (
    commune_code TEXT PRIMARY KEY,
    commune_name TEXT NOT NULL,
    commune_type TEXT NOT NULL,
    province_code TEXT NOT NULL,
    province_name TEXT NOT NULL
);
-- Every synced record, one row per record with its merged state. seq is the change feed: every
-- applied op gives the record the next number, so a pull is "seq > cursor in my scope".
CREATE TABLE records (
    entity_id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    village_id TEXT,
    state TEXT NOT NULL,
    version TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    seq INTEGER NOT NULL UNIQUE
);
CREATE INDEX records_commune_seq ON records (commune_code, seq);
CREATE INDEX records_village_seq ON records (village_id, seq);
-- Op ids already applied: a repeat is answered "duplicate" and changes nothing.
CREATE TABLE applied_ops (
    op_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
-- Values that lost a same-field conflict, for the office to see.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    losing_value TEXT NOT NULL,
    losing_hlc TEXT NOT NULL,
    winning_hlc TEXT NOT NULL,
    logged_at TEXT NOT NULL
);
CREATE INDEX conflicts_entity ON conflicts (entity_id);
