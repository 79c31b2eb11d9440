-- Schema version 4: a village's households are listed in Vietnamese alphabetical order
-- (sotay_domain::collate: Đ after D, not after Z). Each household keeps the sort key of its
-- head's name beside it, and the village index pages by that key. Rows made before this
-- version get their keys on the next open (the store reads the flag below).

ALTER TABLE households ADD COLUMN name_key BLOB NOT NULL DEFAULT x'';
DROP INDEX households_village;
CREATE INDEX households_village ON households (village_id, name_key, id);
INSERT INTO meta (key, value) VALUES ('name_keys_rebuild', '1')
    ON CONFLICT (key) DO UPDATE SET value = '1';
