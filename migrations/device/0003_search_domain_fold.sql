-- Schema version 3: the search indexes are now folded with the domain's rule
-- (sotay_domain::fold::fold, which also trims and collapses whitespace and folds ð like đ)
-- instead of the store's own copy. Rows folded by the old rule are rebuilt on the next open;
-- the tables themselves do not change.

INSERT INTO meta (key, value) VALUES ('search_rebuild', '1')
    ON CONFLICT (key) DO UPDATE SET value = '1';
