-- Schema version 5: forms being filled in are kept as drafts, so what was typed survives the
-- app being killed (phones end apps left in the background) or the phone turning off. A draft is
-- the form's fields as the UI holds them (JSON), under the form's key (`household:new:<village>`,
-- `person:<id>`…). Drafts stay on the phone, inside the encrypted file: they are not records,
-- have no outbox op and never sync; saving the form deletes its draft.
CREATE TABLE drafts (
    form TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
