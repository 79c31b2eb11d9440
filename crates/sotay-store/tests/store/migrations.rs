//! Schema migrations: valid definitions, a fresh file, an upgrade from version 1 with data, and
//! refusing a file written by a newer app.

use crate::common::*;
use rusqlite::params;
use sotay_domain::Hlc;
use sotay_store::{DeviceIdentity, Store, StoreError, migrations, schema_version};
use uuid::Uuid;

#[test]
fn migration_definitions_are_valid() {
    migrations()
        .validate()
        .expect("every device migration applies cleanly to an empty database");
}

#[test]
fn a_fresh_file_is_at_the_latest_schema_in_wal_mode() {
    let fx = Fixture::new();
    let raw = fx.raw();
    let version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema_version(), "a new file gets every migration");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal", "WAL is persistent in the file");
    fx.store.checkpoint().expect("an idle checkpoint");
    assert_eq!(fx.store.integrity_check().unwrap(), "ok");
}

#[test]
fn an_in_memory_store_goes_through_the_same_set_up() {
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    let store = Store::open_in_memory(identity).unwrap();
    let h = household(None, "Lò Văn Páo", "Bản Phiêng");
    store.save_household(&h).unwrap();
    assert_eq!(store.get_household(h.id).unwrap(), Some(h));
    assert_eq!(store.outbox_pending_count().unwrap(), 1);
}

#[test]
fn upgrading_a_version_1_database_keeps_records_and_indexes_them_for_search() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    let h = household(None, "Nguyễn Văn Đức", "Thôn Đông");
    let p = person(&h, "Nguyễn Văn Đức", 123);
    {
        // What an app with schema version 1 left behind.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO device (id, device_id, user_id, hlc) VALUES (1, ?1, ?2, ?3)",
            params![
                identity.device_id.as_bytes(),
                identity.user_id.as_bytes(),
                Hlc::zero(identity.device_id).to_string()
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO households (id, data, field_clocks, version, deleted, commune_code, \
             village_id, head_name, address) VALUES (?1, ?2, '{}', NULL, 0, ?3, NULL, ?4, ?5)",
            params![
                h.id.as_bytes(),
                serde_json::to_string(&h).unwrap(),
                h.commune_code,
                h.head_name,
                h.address
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO persons (id, data, field_clocks, version, deleted, household_id, \
             commune_code, village_id, full_name, phone, personal_id, stage) \
             VALUES (?1, ?2, '{}', NULL, 0, ?3, ?4, NULL, ?5, ?6, ?7, 'interested')",
            params![
                p.id.as_bytes(),
                serde_json::to_string(&p).unwrap(),
                h.id.as_bytes(),
                p.commune_code,
                p.full_name,
                p.phone,
                p.personal_id
            ],
        )
        .unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1, "the old file is at version 1");
    }
    let store =
        Store::open(&path, identity, &test_key()).expect("an old database upgrades on open");
    let raw = sotay_store::encryption::connect(&path, &test_key()).unwrap();
    let v: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, schema_version());
    assert_eq!(
        store.get_person(p.id).unwrap().as_ref(),
        Some(&p),
        "data kept"
    );
    let hits = store.search("nguyen duc", 10).unwrap();
    assert_eq!(
        hits.first().and_then(|h| h.person.as_ref()).map(|p| p.id),
        Some(p.id),
        "records from version 1 are searchable after the upgrade"
    );
    let (key, flags): (Vec<u8>, i64) = raw
        .query_row(
            "SELECT name_key, (SELECT count(*) FROM meta WHERE key = 'name_keys_rebuild') \
             FROM households WHERE id = ?1",
            [h.id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        key,
        sotay_domain::collate::sort_key(&h.head_name),
        "a household from version 1 gets the sort key of its head's name, once"
    );
    assert_eq!(flags, 0);
    // The rebuild runs once: a later save keeps the index right without a rebuild.
    let edited = sotay_domain::Person {
        full_name: "Nguyễn Văn Đạt".into(),
        ..p.clone()
    };
    store.save_person(&edited).unwrap();
    assert!(found_persons(&store, "dat", 10).contains(&Some(edited)));
    assert!(found_persons(&store, "duc", 10).iter().all(Option::is_none));
}

#[test]
fn a_database_from_a_newer_app_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future_thing (x INTEGER); PRAGMA user_version = 99;")
            .unwrap();
    }
    let identity = DeviceIdentity {
        device_id: Uuid::now_v7(),
        user_id: Uuid::now_v7(),
    };
    let err =
        Store::open(&path, identity, &test_key()).expect_err("a newer schema must not be opened");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, supported } if supported == schema_version()),
        "got {err:?}"
    );
    assert_eq!(err.code(), "schema_too_new");
    assert!(
        err.to_string().contains("cập nhật ứng dụng"),
        "the message tells the user to update: {err}"
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99, "the newer file is not downgraded or migrated");
}

#[test]
fn a_database_of_another_device_is_refused() {
    let mut fx = Fixture::new();
    fx.identity.device_id = Uuid::now_v7();
    let err = Store::open(&fx.path, fx.identity, &test_key()).expect_err("another device's file");
    assert_eq!(err.code(), "identity_mismatch");
}

#[test]
fn upgrading_a_version_2_database_refolds_the_search_index_with_the_domain_rule() {
    let mut fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Hoàng Thị Ðào", 77);
    {
        // What version 2 left behind: index rows folded by the store's old rule, which kept
        // `Ð` (eth, typed for `Đ` on old keyboards) as `ð`.
        let raw = fx.raw();
        raw.execute(
            "UPDATE person_search SET text = 'hoang thi ðao 0912000077' \
             WHERE rowid = (SELECT rowid FROM persons WHERE id = ?1)",
            [p.id.as_bytes()],
        )
        .unwrap();
        // And version 2's households, before the sort keys of version 4 (and no drafts, of
        // version 5).
        raw.execute_batch(
            "DROP TABLE drafts;
             DROP INDEX households_village;
             ALTER TABLE households DROP COLUMN name_key;
             CREATE INDEX households_village ON households (village_id, head_name);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let person_hits = |store: &Store| {
        store
            .search("hoang dao", 10)
            .unwrap()
            .into_iter()
            .filter_map(|h| h.person.map(|p| p.id))
            .collect::<Vec<_>>()
    };
    assert!(
        person_hits(&fx.store).is_empty(),
        "the old index misses the accent-free spelling"
    );
    fx.reopen();
    let text: String = fx
        .raw()
        .query_row(
            "SELECT s.text FROM person_search s JOIN persons p ON p.rowid = s.rowid \
             WHERE p.id = ?1",
            [p.id.as_bytes()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "hoang thi dao 0912000077 001085000077");
    assert_eq!(person_hits(&fx.store), vec![p.id]);
}

#[test]
fn sort_keys_made_with_other_collation_data_are_made_again_at_open() {
    let mut fx = Fixture::new();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let h = household(Some(v.id), "Đỗ Văn Hải", "Thôn Đông");
    fx.store.save_household(&h).unwrap();
    let key_and_collation = |fx: &Fixture| -> (Vec<u8>, String) {
        fx.raw()
            .query_row(
                "SELECT name_key, (SELECT value FROM meta WHERE key = 'name_keys_collation') \
                 FROM households WHERE id = ?1",
                [h.id.as_bytes()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let made = (
        sotay_domain::collate::sort_key(&h.head_name),
        sotay_domain::collate::fingerprint(),
    );
    assert_eq!(key_and_collation(&fx), made);
    // As if the keys had been made by an older build whose collation data sorted otherwise.
    fx.raw()
        .execute_batch(
            "UPDATE households SET name_key = x'00';
             UPDATE meta SET value = 'older data' WHERE key = 'name_keys_collation';",
        )
        .unwrap();
    fx.reopen();
    assert_eq!(
        key_and_collation(&fx),
        made,
        "made again with this build's data"
    );
}

/// Every kind of the domain's one list has its table, with the columns every record row needs:
/// a kind added to the list without its migration fails here (the store's dispatch and
/// repositories are generated from the same list, so the compiler catches the rest).
#[test]
fn every_kind_of_the_registry_has_its_table() {
    let fx = Fixture::new();
    let conn = fx.raw();
    for &kind in sotay_domain::EntityKind::ALL {
        let columns: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{}')",
                kind.plural()
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            !columns.is_empty(),
            "{kind:?} has no table {}",
            kind.plural()
        );
        for needed in [
            "id",
            "data",
            "field_clocks",
            "version",
            "deleted",
            "commune_code",
        ] {
            assert!(
                columns.iter().any(|c| c == needed),
                "{} lacks {needed}: {columns:?}",
                kind.plural()
            );
        }
    }
}
