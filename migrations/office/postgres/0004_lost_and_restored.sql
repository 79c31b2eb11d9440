-- Issue 13: a lost phone, a restored office, several office instances.
-- A device an admin marked lost: its pushes are still taken, its next pull orders the wipe.
ALTER TABLE devices ADD COLUMN wipe_requested_at TIMESTAMPTZ;
-- When the office answered the wipe order (the device erases itself on receiving it).
ALTER TABLE devices ADD COLUMN wipe_sent_at TIMESTAMPTZ;
-- Ops a device marked lost sent that the office refused: kept whole, since the phone is about to
-- erase its copy.
CREATE TABLE salvaged_ops (
    op_id UUID PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices(id),
    received_at TIMESTAMPTZ NOT NULL,
    code TEXT NOT NULL,
    op JSONB NOT NULL
);
-- Failed attempts (wrong enrolment codes, wrong passwords, receipt checks) per client address,
-- in the database so that every office instance counts the same attempts.
CREATE TABLE rate_failures (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_failures_by_key ON rate_failures (kind, key, at);
CREATE INDEX rate_failures_by_time ON rate_failures (at);
