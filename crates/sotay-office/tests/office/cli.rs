//! The admin command line, run as a real process over a temp SQLite file: the commands an office
//! admin types, in the order they would type them.

use std::process::Command;

fn office(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sotay-office"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run sotay-office");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `args` on `db`, which must succeed; what it printed.
#[track_caller]
fn run_ok(db: &std::path::Path, args: &[&str]) -> String {
    let (ok, out, err) = office(db, args);
    assert!(ok, "{}: {err}", args[0]);
    out
}

/// Runs `args` on `db`, which must fail and say `says` (with `why` when it does not); what it
/// wrote to standard error.
#[track_caller]
fn assert_refused(db: &std::path::Path, args: &[&str], says: &str, why: &str) -> String {
    let (ok, _, err) = office(db, args);
    assert!(!ok && err.contains(says), "{why}: {err}");
    err
}

/// A temporary folder, and the path in it of an office database not made yet.
fn fresh_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("office.sqlite3");
    (dir, db)
}

/// The command that adds Thôn Đông to commune 00376 (a commune every fresh database knows).
const CREATE_THON_DONG: &[&str] = &[
    "create-village",
    "--commune",
    "00376",
    "--name",
    "Thôn Đông",
];

/// The value printed after `label` on a line of `out` (an id, a code).
fn printed(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|line| line.strip_prefix(label))
        .unwrap_or_else(|| panic!("no line starting {label:?} in: {out}"))
        .trim()
        .to_owned()
}

#[test]
fn admin_commands_set_up_a_user_with_an_area_and_a_code() {
    let (dir, db) = fresh_database();
    let villages = dir.path().join("villages.csv");
    std::fs::write(
        &villages,
        "commune_code,name,kind\n00376,Thôn Đông,village\n00376,Tổ 5,residential_group\n",
    )
    .expect("write");
    assert!(office(&db, &["migrate"]).0);
    let out = run_ok(
        &db,
        &[
            "import-units",
            "--villages",
            villages.to_str().expect("path"),
        ],
    );
    assert!(
        out.contains("3321"),
        "every commune of the official list is imported: {out}"
    );
    let out = run_ok(
        &db,
        &[
            "create-user",
            "--name",
            "Nguyễn Thị Lan",
            "--role",
            "collector",
            "--phone",
            "0912345678",
            "--organisation",
            "  Bưu điện văn hoá   xã Sóc Sơn ",
        ],
    );
    let stored: String = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row(
            "SELECT organisation FROM users WHERE full_name = 'Nguyễn Thị Lan'",
            [],
            |r| r.get(0),
        )
        .expect("the organisation");
    assert_eq!(stored, "Bưu điện văn hoá xã Sóc Sơn", "one clean line");
    assert!(
        out.contains("Nguyễn Thị Lan") && out.contains("assign-area") && out.contains("issue-code"),
        "create-user says what it made and what comes next: {out}"
    );
    let user = printed(&out, "Mã người dùng: ");
    assert_refused(
        &db,
        &[
            "create-user",
            "--name",
            "Lê \u{202E}Văn B",
            "--role",
            "collector",
        ],
        "full_name",
        "a name with an override is refused",
    );
    assert_refused(
        &db,
        &[
            "create-user",
            "--name",
            "Lê Văn B",
            "--role",
            "collector",
            "--phone",
            "0123",
        ],
        "phone",
        "a wrong phone is refused",
    );
    assert_refused(
        &db,
        &["create-user", "--name", "X", "--role", "king"],
        "vai trò",
        "an unknown role is refused in Vietnamese",
    );
    assert_refused(
        &db,
        &["assign-area", "--user", &user, "--commune", "99999"],
        "99999",
        "an unknown commune is refused",
    );
    run_ok(&db, &["assign-area", "--user", &user, "--commune", "00376"]);
    let out = run_ok(&db, &["issue-code", "--user", &user, "--ttl-hours", "2"]);
    let code = printed(&out, "Mã kích hoạt: ");
    assert_eq!(code.len(), 11, "a code like K7QX2-M9PRA: {code}");
    assert!(
        out.contains("2 giờ") && out.contains("http://"),
        "issue-code says how long the code lasts and where the phone enrols: {out}"
    );
    assert_refused(
        &db,
        &[
            "revoke-device",
            "--device",
            &uuid::Uuid::now_v7().to_string(),
        ],
        "Không có thiết bị",
        "revoking an unknown device says so",
    );
    // A device enrolled with the code (as the enrol endpoint does), then revoked by the admin.
    let device_id = uuid::Uuid::now_v7();
    let token = sotay_office::auth::new_device_token();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = sotay_office::storage::sqlite::SqliteStore::open(&db).expect("open");
        let device = sotay_office::storage::NewDevice {
            id: device_id,
            name: "Điện thoại chị Lan".into(),
            token_hash: sotay_office::auth::hash_secret(&token),
            receipt_key: None,
        };
        let code_hash = sotay_office::auth::hash_secret(&sotay_office::auth::normalize_code(&code));
        let enrolled =
            sotay_office::OfficeStore::enroll(&store, &code_hash, &device, chrono::Utc::now())
                .await
                .expect("enrol");
        assert_eq!(enrolled.map(|u| u.to_string()), Some(user.clone()));
    });
    let (ok, out, err) = office(&db, &["revoke-device", "--device", &device_id.to_string()]);
    assert!(
        ok && out.contains("Đã thu hồi"),
        "revoke-device: {out} {err}"
    );
    runtime.block_on(async {
        let store = sotay_office::storage::sqlite::SqliteStore::open(&db).expect("open");
        let found = sotay_office::OfficeStore::device_by_token(
            &store,
            &sotay_office::auth::hash_secret(&token),
            chrono::Utc::now(),
        )
        .await
        .expect("lookup")
        .expect("the device is still known");
        assert!(found.revoked, "the device is revoked");
    });
    // The villages of the CSV are records of the office, in their commune.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mut names: Vec<String> = conn
        .prepare("SELECT json_extract(state, '$.fields.name') FROM records WHERE entity = 'village' AND commune_code = '00376'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    names.sort();
    assert_eq!(names, vec!["Thôn Đông".to_owned(), "Tổ 5".to_owned()]);
    // A new policy edition: a broken file is refused in Vietnamese, a good one published once.
    let policy = dir.path().join("policy.toml");
    let built_in = sotay_domain::Policy::embedded();
    std::fs::write(
        &policy,
        sotay_domain::Policy::embedded_toml().replacen(
            &format!("version = \"{}\"", built_in.version),
            "version = \"2099-01-01.1\"",
            1,
        ),
    )
    .expect("write");
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "format_version = 1\nversion = \"x\"\n").expect("write");
    assert_refused(
        &db,
        &["publish-policy", "--file", broken.to_str().expect("path")],
        "không hợp lệ",
        "a broken edition is refused",
    );
    let (ok, out, err) = office(
        &db,
        &["publish-policy", "--file", policy.to_str().expect("path")],
    );
    assert!(
        ok && out.contains("2099-01-01.1"),
        "publish-policy: {out} {err}"
    );
    assert_refused(
        &db,
        &["publish-policy", "--file", policy.to_str().expect("path")],
        "không mới hơn",
        "a label is published once",
    );
    let (ok, out, err) = office(&db, &["seed-demo"]);
    assert!(
        ok && out.contains("bỏ qua"),
        "seed-demo leaves a database with users alone: {out} {err}"
    );
}

/// `--db postgres://…` picks the PostgreSQL backend (CI sets `SOTAY_PG_URL`; the suite's own
/// database, whose public schema no other test uses).
#[test]
fn a_postgres_url_selects_the_postgresql_backend() {
    let Some(url) = sotay_fixtures::postgres::server_url() else {
        return;
    };
    let db = std::path::Path::new(&url);
    let (ok, _, err) = office(db, &["migrate"]);
    assert!(ok, "migrate on PostgreSQL: {err}");
    let (ok, out, err) = office(
        db,
        &[
            "create-user",
            "--name",
            "Lê Thị Hoa",
            "--role",
            "office_supervisor",
        ],
    );
    assert!(ok, "create-user on PostgreSQL: {err}");
    let user = printed(&out, "Mã người dùng: ");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let found = runtime.block_on(async {
        let store = sotay_office::storage::postgres::PgStore::open(&url, None)
            .await
            .expect("open PostgreSQL");
        sotay_office::OfficeStore::user(&store, user.parse().expect("user id"))
            .await
            .expect("read user")
    });
    assert_eq!(
        found.map(|u| u.full_name),
        Some("Lê Thị Hoa".to_owned()),
        "the user is in PostgreSQL, not in a file named like the URL"
    );
    assert!(!db.exists(), "no SQLite file was made");
}

/// What a newcomer meets: a fresh database already knows the communes, every command says what
/// it made and what comes next, a second look is `list-users`, and mistakes get a message, not a
/// backtrace (RUST_BACKTRACE=1 is set for every run here).
#[test]
fn a_newcomer_gets_messages_next_steps_and_a_list() {
    let (_dir, db) = fresh_database();
    let (ok, out, err) = office(&db, CREATE_THON_DONG);
    assert!(
        ok,
        "a fresh database knows the communes without import-units: {err}"
    );
    let village = printed(&out, "Mã thôn: ");
    assert!(
        out.contains("assign-area"),
        "create-village names the next step: {out}"
    );
    let out = run_ok(
        &db,
        &[
            "create-user",
            "--name",
            "Lò Văn Páo",
            "--role",
            "board_member",
        ],
    );
    let board = printed(&out, "Mã người dùng: ");

    // An area is a pair: a village of another commune is refused.
    let err = assert_refused(
        &db,
        &[
            "assign-area",
            "--user",
            &board,
            "--commune",
            "00004",
            "--village",
            &village,
        ],
        "00376",
        "the village's own commune is named",
    );
    assert!(
        !err.contains("stack backtrace") && !err.contains("Backtrace"),
        "{err}"
    );
    assert!(err.starts_with("Lỗi: "), "a plain message: {err}");
    let (ok, out, err) = office(
        &db,
        &[
            "assign-area",
            "--user",
            &board,
            "--commune",
            "00376",
            "--village",
            &village,
        ],
    );
    assert!(ok && out.contains("Đã giao"), "assign-area: {out} {err}");

    let out = run_ok(&db, &["list-users"]);
    assert!(
        out.contains("Lò Văn Páo") && out.contains(&village) && out.contains("chưa có"),
        "list-users shows the user, their village and that no device is enrolled yet: {out}"
    );
    let (ok, out, _) = office(&db, &["list-users", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(
        ok && rows[0]["villages"][0] == serde_json::json!(village),
        "{out}"
    );

    let (ok, _, err) = office(
        &db,
        &["issue-code", "--user", &uuid::Uuid::now_v7().to_string()],
    );
    assert!(!ok && err.contains("Không có người dùng"), "{err}");
    assert!(!err.contains("backtrace"), "{err}");

    let (ok, out, _) = office(&db, &["--help"]);
    assert!(ok, "--help works");
    for present in ["dashboard", "import", "set-password"] {
        assert!(
            out.to_lowercase().contains(present),
            "--help names what exists ({present}): {out}"
        );
    }
}

/// `check-scopes` passes on a sound database and lists, with a failing exit code, a record whose
/// village is not one of its commune's (as data written before the pair check may be).
#[test]
fn check_scopes_finds_a_record_whose_village_is_in_another_commune() {
    let (_dir, db) = fresh_database();
    let (ok, out, err) = office(&db, &["seed-demo", "--households", "5"]);
    assert!(ok, "seed-demo: {out} {err}");
    let (ok, out, err) = office(&db, &["check-scopes"]);
    assert!(ok, "the demo commune is consistent: {out} {err}");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let moved: String = conn
        .query_row(
            "UPDATE records SET commune_code = '00004'
             WHERE entity_id = (SELECT entity_id FROM records WHERE entity = 'household' LIMIT 1)
             RETURNING entity_id",
            [],
            |r| r.get(0),
        )
        .expect("label one household with another commune");
    drop(conn);
    let (ok, out, err) = office(&db, &["check-scopes"]);
    assert!(!ok, "an inconsistent record fails the check: {out}");
    assert!(
        out.contains(&moved) && out.contains("00004") && out.contains("00376"),
        "the record, its label and its village's real commune are named: {out}"
    );
    assert!(err.contains("1 chỗ"), "{err}");
}

/// A port already taken says which flag or variable picks another.
#[test]
fn a_port_in_use_names_the_way_out() {
    let (_dir, db) = fresh_database();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (ok, _, err) = office(&db, &["serve", "--listen", &addr]);
    assert!(!ok, "serve fails on a taken port");
    assert!(
        err.contains("--listen") && err.contains("SOTAY_LISTEN") && err.contains(&addr),
        "{err}"
    );
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn review_records_the_office_decision_on_a_sign_up() {
    let (_dir, db) = fresh_database();
    run_ok(&db, &["seed-demo", "--households", "40"]);
    let state_of = |id: &str| -> serde_json::Value {
        let conn = rusqlite::Connection::open(&db).expect("open");
        let state: String = conn
            .query_row(
                "SELECT state FROM records WHERE entity_id = ?1",
                [id],
                |r| r.get(0),
            )
            .expect("the record");
        serde_json::from_str(&state).expect("json")
    };
    let submitted: String = {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.query_row(
            "SELECT entity_id FROM records WHERE entity = 'enrollment' \
             AND json_extract(state, '$.fields.status') = 'submitted' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the demo has a submitted sign-up")
    };
    assert_refused(
        &db,
        &["review", "--enrollment", &submitted, "reject"],
        "lý do",
        "a rejection needs a reason",
    );
    let (ok, out, err) = office(
        &db,
        &[
            "review",
            "--enrollment",
            &submitted,
            "needs-correction",
            "--reason",
            "Thiếu số điện thoại",
        ],
    );
    assert!(ok && out.contains("cần bổ sung"), "{out} {err}");
    let state = state_of(&submitted);
    assert_eq!(state["fields"]["status"], "needs_correction");
    assert_eq!(state["fields"]["status_reason"], "Thiếu số điện thoại");
    let (ok, out, err) = office(&db, &["review", "--enrollment", &submitted, "approve"]);
    assert!(ok && out.contains("đã duyệt"), "{out} {err}");
    let state = state_of(&submitted);
    assert_eq!(state["fields"]["status"], "approved");
    assert_eq!(state["fields"]["status_reason"], serde_json::Value::Null);
    let clock: sotay_domain::Hlc = state["clocks"]["status"]
        .as_str()
        .and_then(|c| c.parse().ok())
        .expect("the status field has a clock");
    assert_eq!(
        clock.node,
        sotay_office::apply::OFFICE_NODE,
        "the decision is written by the office's clock node: {state}"
    );
    let unknown = uuid::Uuid::now_v7().to_string();
    let (ok, _, err) = office(&db, &["review", "--enrollment", &unknown, "approve"]);
    assert!(!ok && err.contains("Không có tờ khai"), "{err}");
    assert_refused(
        &db,
        &["review", "--enrollment", &submitted, "maybe"],
        "approve",
        "clap names the choices",
    );
}

/// `sotay-office import`: a dry run with --json lists each bad row's row, column and code and
/// exits non-zero; --only-good imports the good rows; a password comes only from stdin.
#[test]
fn import_reports_bad_rows_as_json_and_imports_the_good_ones() {
    let (dir, db) = fresh_database();
    let (ok, out, err) = office(&db, CREATE_THON_DONG);
    assert!(ok, "{out}{err}");
    let list = dir.path().join("ds.csv");
    std::fs::write(
        &list,
        "\u{feff}Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Thôn/Tổ,Địa chỉ,Diện hộ,Năm\n\
         Nguyễn Văn An,01/02/1980,Nam,,,Thôn Đông,Số 1,nghèo,2025\n\
         Trần Thị Bích,01/13/1985,Nữ,,,Thôn Đông,Số 2,cận nghèo,2025\n",
    )
    .expect("write");
    let file = list.to_string_lossy().into_owned();
    let (ok, out, _) = office(
        &db,
        &["import", &file, "--commune", "00376", "--dry-run", "--json"],
    );
    assert!(!ok, "a bad row makes the exit code non-zero");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["rows"], 2);
    assert_eq!(report["imported"], 0);
    assert_eq!(report["errors"][0]["row"], 3);
    assert_eq!(report["errors"][0]["column"], "Ngày sinh");
    assert_eq!(report["errors"][0]["code"], "date_invalid");
    let (ok, out, _) = office(&db, &["import", &file, "--commune", "00376", "--only-good"]);
    assert!(!ok, "still non-zero: a row was bad");
    assert!(out.contains("Đã nhập 1 người"), "{out}");
    let (ok, out, _) = office(
        &db,
        &["import", &file, "--commune", "00376", "--dry-run", "--json"],
    );
    assert!(!ok);
    assert!(
        out.contains("duplicate_person"),
        "the imported person is now a duplicate: {out}"
    );
    let missing = dir.path().join("missing.csv");
    let (ok, _, err) = office(&db, &["import", &missing.to_string_lossy()]);
    assert!(!ok && err.contains("không đọc được tệp"), "{err}");
    // A dashboard sign-in needs a password from stdin, and only office roles get one.
    let (ok, _, err) = office(
        &db,
        &[
            "create-user",
            "--name",
            "Lê Văn Ba",
            "--role",
            "collector",
            "--login",
            "leba",
            "--password-stdin",
        ],
    );
    assert!(!ok && err.contains("chỉ quản trị viên"), "{err}");
}

/// `backup` copies the embedded database (never over an existing file); `restore` refuses a file
/// that is not a backup and touches nothing, and otherwise puts the backup in place with a new
/// epoch, keeping the database it replaced; `wipe-device` names an unknown device plainly; on
/// PostgreSQL, backup points to pg_dump.
#[test]
fn backup_and_restore_keep_the_data_and_start_a_new_epoch() {
    let (dir, db) = fresh_database();
    run_ok(&db, &["seed-demo", "--households", "20"]);
    let read = |path: &std::path::Path, sql: &str| -> String {
        let conn = rusqlite::Connection::open(path).expect("open");
        conn.query_row(sql, [], |r| r.get::<_, String>(0))
            .unwrap_or_default()
    };
    let records = |path: &std::path::Path| read(path, "SELECT CAST(COUNT(*) AS TEXT) FROM records");
    let epoch = |path: &std::path::Path| {
        read(
            path,
            "SELECT value FROM office_settings WHERE key = 'epoch'",
        )
    };
    // The epoch exists once the office has served (here: made by new-epoch on the live one).
    let (ok, _, err) = office(&db, &["new-epoch"]);
    assert!(ok, "{err}");
    let first_epoch = epoch(&db);
    assert!(!first_epoch.is_empty());

    let backup = dir.path().join("sao-luu.sqlite3");
    let backup_arg = backup.to_string_lossy().into_owned();
    let (ok, out, err) = office(&db, &["backup", "--to", &backup_arg]);
    assert!(ok && out.contains("Đã sao lưu"), "{out}{err}");
    assert_eq!(records(&backup), records(&db));
    let (ok, _, err) = office(&db, &["backup", "--to", &backup_arg]);
    assert!(!ok && err.contains("đã có"), "never over a file: {err}");

    // Work after the backup: a new village.
    let (ok, _, err) = office(
        &db,
        &[
            "create-village",
            "--commune",
            "00376",
            "--name",
            "Thôn Mới Sau Sao Lưu",
        ],
    );
    assert!(ok, "{err}");
    let after_backup = records(&db);
    assert_ne!(after_backup, records(&backup));

    // Not a backup: refused, and the database is as it was.
    let garbage = dir.path().join("khong-phai.sqlite3");
    std::fs::write(&garbage, "đây không phải cơ sở dữ liệu").expect("write");
    let (ok, _, err) = office(&db, &["restore", "--from", &garbage.to_string_lossy()]);
    assert!(!ok && err.contains("không phải bản sao lưu"), "{err}");
    let empty = dir.path().join("trong.sqlite3");
    rusqlite::Connection::open(&empty)
        .expect("an empty SQLite file")
        .execute_batch("CREATE TABLE x (y)")
        .expect("table");
    let (ok, _, err) = office(&db, &["restore", "--from", &empty.to_string_lossy()]);
    assert!(!ok && err.contains("thiếu bảng"), "{err}");
    assert_eq!(records(&db), after_backup, "nothing touched");

    let (ok, out, err) = office(&db, &["restore", "--from", &backup_arg]);
    assert!(ok && out.contains("Đã khôi phục"), "{out}{err}");
    assert_eq!(
        records(&db),
        records(&backup),
        "the office is back at the backup"
    );
    let restored_epoch = epoch(&db);
    assert!(!restored_epoch.is_empty() && restored_epoch != first_epoch);
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".before-restore-"))
        .collect();
    assert!(!kept.is_empty(), "the replaced database is kept");

    let (ok, _, err) = office(
        &db,
        &["wipe-device", "--device", &uuid::Uuid::now_v7().to_string()],
    );
    assert!(!ok && err.contains("Không có thiết bị"), "{err}");
    let (ok, _, err) = office(
        std::path::Path::new("postgres://sotay@127.0.0.1:1/x"),
        &[
            "backup",
            "--to",
            &dir.path().join("pg.dump").to_string_lossy(),
        ],
    );
    assert!(!ok && err.contains("pg_dump"), "{err}");
}
