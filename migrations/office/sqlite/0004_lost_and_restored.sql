-- Issue 13: a lost phone, a restored office, several office instances.
-- A device an admin marked lost: its pushes are still taken, its next pull orders the wipe.
ALTER TABLE devices ADD COLUMN wipe_requested_at TEXT;
-- When the office answered the wipe order (the device erases itself on receiving it).
ALTER TABLE devices ADD COLUMN wipe_sent_at TEXT;
-- Ops a device marked lost sent that the office refused: kept whole, since the phone is about to
-- erase its copy.
CREATE TABLE salvaged_ops (
    op_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    received_at TEXT NOT NULL,
    code TEXT NOT NULL,
    op TEXT NOT NULL
);
-- Failed attempts (wrong enrolment codes, wrong passwords, receipt checks) per client address,
-- in the database so that every office instance counts the same attempts.
CREATE TABLE rate_failures (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX rate_failures_by_key ON rate_failures (kind, key, at);
CREATE INDEX rate_failures_by_time ON rate_failures (at);
