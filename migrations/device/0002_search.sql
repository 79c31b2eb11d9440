-- Schema version 2: full-text search over folded text (lower-case, no diacritics, đ -> d), with
-- prefix indexes so "ngu van" finds "Nguyễn Văn …" as the user types.
-- The rowid of each index row is the rowid of the record it describes. The text is folded by the
-- store in Rust, so the store fills the indexes: the row below asks it to rebuild them on open
-- (for a database upgraded from version 1 that already holds persons and households).

CREATE VIRTUAL TABLE person_search USING fts5 (text, tokenize = 'unicode61', prefix = '2 3 4');
CREATE VIRTUAL TABLE household_search USING fts5 (text, tokenize = 'unicode61', prefix = '2 3 4');

INSERT INTO meta (key, value) VALUES ('search_rebuild', '1')
    ON CONFLICT (key) DO UPDATE SET value = '1';
