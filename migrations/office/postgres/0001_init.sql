-- Office schema, PostgreSQL. Append-only: never edit a released migration, add a new file.
CREATE TABLE users (
    id UUID PRIMARY KEY,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    phone TEXT,
    organisation TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
-- A user's area: a whole commune (village_id = '') or one village of it.
CREATE TABLE areas (
    user_id UUID NOT NULL REFERENCES users(id),
    commune_code TEXT NOT NULL,
    village_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, commune_code, village_id)
);
CREATE TABLE devices (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    enrolled_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ
);
CREATE TABLE enrol_codes (
    code_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    device_id UUID
);
CREATE TABLE admin_units (
    commune_code TEXT PRIMARY KEY,
    commune_name TEXT NOT NULL,
    commune_type TEXT NOT NULL,
    province_code TEXT NOT NULL,
    province_name TEXT NOT NULL
);
-- The change feed's numbers. Taken under a transaction-level advisory lock, so numbers become
-- visible in order and a pull never skips a record committed late with a smaller number.
CREATE SEQUENCE record_seq;
CREATE TABLE records (
    entity_id UUID PRIMARY KEY,
    entity TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    village_id UUID,
    state JSONB NOT NULL,
    version TEXT NOT NULL,
    deleted BOOLEAN NOT NULL,
    seq BIGINT NOT NULL UNIQUE
);
CREATE INDEX records_commune_seq ON records (commune_code, seq);
CREATE INDEX records_village_seq ON records (village_id, seq);
CREATE TABLE applied_ops (
    op_id UUID PRIMARY KEY,
    device_id UUID NOT NULL,
    entity_id UUID NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE conflicts (
    id BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    field TEXT NOT NULL,
    losing_value JSONB NOT NULL,
    losing_hlc TEXT NOT NULL,
    winning_hlc TEXT NOT NULL,
    logged_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX conflicts_entity ON conflicts (entity_id);
