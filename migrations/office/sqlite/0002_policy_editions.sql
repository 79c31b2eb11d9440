-- Editions of the policy data the office publishes (`sotay-office publish-policy`); devices get
-- the latest one on the last page of a pull.
CREATE TABLE policy_editions (
    version TEXT PRIMARY KEY,
    toml TEXT NOT NULL,
    published_at TEXT NOT NULL
);
CREATE INDEX policy_editions_published ON policy_editions (published_at);
