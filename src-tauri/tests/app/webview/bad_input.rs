//! Bad input in the UI: an invalid ID number, a wrong phone, a birth date in the future, an
//! income below the floor — each field shows its Vietnamese message, nothing is saved, nothing
//! typed is lost. A saved record survives `kill -9` of the app. A board member sees no money.

use super::harness::{AppSession, Stage};
use super::{add_household, app_db_count, enrol, hash_id, unlock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_on_its_field_and_a_saved_record_survives_kill_9() {
    let stage = Stage::new().await;
    let (data, office, home) = (&stage.data, &stage.office, &stage.home);
    let app = stage.app(&[]).await;
    enrol(&app, &office.url, &data.lan_code, None).await;
    app.click("go-today").await;
    let household = add_household(&app, "Phạm Văn Long").await;
    let persons = || {
        app_db_count(
            &app,
            "SELECT count(*) FROM persons WHERE full_name = 'Phạm Văn Long'",
        )
    };

    app.click("add-person").await;
    app.fill("full_name", "Phạm Văn Long").await;
    app.fill("date_of_birth", "12/04/1985").await;
    app.fill("personal_id", "12345").await;
    app.fill("phone", "0912345678").await;
    app.fill("notes", "Gặp ở chợ").await;
    app.click("save").await;
    let message = app.text_of("error-personal_id").await;
    assert!(message.contains("12 chữ số"), "{message}");
    assert_eq!(persons(), 0, "nothing saved");
    assert_eq!(
        app.value("full_name").await,
        "Phạm Văn Long",
        "nothing typed is lost"
    );
    assert_eq!(app.value("notes").await, "Gặp ở chợ");
    app.screenshot("21-loi-nhap-lieu").await;

    app.fill("personal_id", "001085004321").await;
    app.fill("phone", "0123").await;
    app.click("save").await;
    let message = app.text_of("error-phone").await;
    assert!(
        message.contains("Số điện thoại") || message.contains("Đầu số"),
        "{message}"
    );
    assert_eq!(persons(), 0);

    app.fill("phone", "0912345678").await;
    app.fill("date_of_birth", "01/01/2099").await;
    app.click("save").await;
    let message = app.text_of("error-date_of_birth").await;
    assert!(message.contains("tương lai"), "{message}");
    assert_eq!(persons(), 0);

    app.fill("date_of_birth", "12/04/1985").await;
    app.click("save").await;
    app.testid("person-summary").await;
    let person = hash_id(&app, "person").await;
    assert_eq!(persons(), 1);

    // A prospect known by name only: the sign-up says what the declaration lacks, before any
    // save, with a way to fill it in.
    let prospect = data.query(
        "SELECT entity_id FROM records WHERE entity = 'person'
           AND json_extract(state, '$.fields.personal_id') IS NULL
           AND json_extract(state, '$.fields.phone') IS NULL LIMIT 1",
    );
    let prospect = prospect.first().expect("the demo has prospects");
    app.go(&format!("signup/{prospect}")).await;
    for missing in ["missing-personal_id", "missing-phone"] {
        app.testid(missing).await;
    }
    app.screenshot("35-dang-ky-con-thieu").await;
    app.click("fill-in").await;
    app.testid("person-form").await;
    // Phạm Văn Long has all three: nothing is said.
    app.go(&format!("signup/{person}")).await;
    app.testid("signup-for").await;
    assert!(!app.shows("signup-missing").await);

    // Income below the floor on the sign-up.
    app.go(&format!("signup/{person}")).await;
    app.fill("monthly_income", "1000000").await;
    app.click("save").await;
    let message = app.text_of("error-monthly_income").await;
    assert!(message.contains("1.500.000"), "{message}");
    assert_eq!(
        app_db_count(
            &app,
            &format!(
                "SELECT count(*) FROM enrollments WHERE json_extract(data, '$.person_id') = '{person}'"
            )
        ),
        0,
        "no sign-up was saved"
    );

    // A person half-typed when the app is killed: the form is kept as a draft as it is typed.
    app.go(&format!("person/new?household={household}")).await;
    app.testid("person-form").await;
    app.fill("full_name", "Phạm Thị Nháp").await;
    app.fill("phone", "0987654321").await;
    let drafted = || {
        app_db_count(
            &app,
            "SELECT count(*) FROM drafts WHERE data LIKE '%Phạm Thị Nháp%0987654321%'",
        )
    };
    for _ in 0..50 {
        if drafted() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(drafted(), 1, "the typed form is kept within a moment");
    assert_eq!(persons(), 1, "a draft is not a saved person");

    // kill -9, then the app starts again on the same data: the person is there and found
    // without diacritics, and the half-typed form opens as it was left.
    app.kill_app().await;
    let conn = crate::raw_store(&home.path().join("vn.sotay.field"));
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    drop(conn);
    let app = stage.app(&[]).await;
    unlock(&app, crate::PIN).await;
    app.go("households").await;
    app.fill("search", "pham van long").await;
    app.testid("search-results").await;
    app.wait_text("Phạm Văn Long").await;
    app.go(&format!("household/{household}")).await;
    app.wait_text("Phạm Văn Long").await;
    app.go(&format!("person/new?household={household}")).await;
    app.testid("draft-restored").await;
    assert_eq!(app.value("full_name").await, "Phạm Thị Nháp");
    assert_eq!(app.value("phone").await, "0987654321");
    app.screenshot("33-ban-nhap").await;
    // "Start over" empties it; typed again and saved, no draft is left.
    app.click("draft-discard").await;
    assert_eq!(app.value("full_name").await, "");
    app.fill("full_name", "Phạm Thị Nháp").await;
    app.click("save").await;
    app.testid("person-summary").await;
    assert_eq!(app_db_count(&app, "SELECT count(*) FROM drafts"), 0);
    app.go(&format!("person/new?household={household}")).await;
    app.testid("person-form").await;
    assert!(
        !app.shows("draft-restored").await,
        "a saved form leaves no draft"
    );
    app.stop().await;

    // A board member: outreach yes, money no.
    let board_home = tempfile::tempdir().expect("data home");
    let board = AppSession::start(&stage.display, board_home.path(), &[]).await;
    // Her phone has no camera here: she pastes the text of the office's QR code, which carries
    // the office's address too, and leaves the address empty.
    let qr_text = format!(
        "sotay://kich-hoat?ma={}&may-chu={}",
        data.board_code,
        office.url.replace(':', "%3A").replace('/', "%2F")
    );
    // A code typed wrong first: the office's refusal, in Vietnamese, on the code field.
    board.fill("office_url", &office.url).await;
    board.fill("code", "K7QX2-M9PRA").await;
    board.click("enroll").await;
    board.wait_text("Mã kích hoạt không đúng").await;
    let on_the_code: String = board
        .eval(
            "return document.querySelector('#code')?.closest('.field')?.textContent ?? ''",
            "the code field's message",
        )
        .await;
    assert!(
        on_the_code.contains("Mã kích hoạt không đúng"),
        "the refusal is next to the code: {on_the_code}"
    );
    // The address field still holds a wrong one: only the QR code's address can succeed.
    enrol(&board, "http://127.0.0.1:9", &qr_text, None).await;
    board.click("go-today").await;
    // Her home screen opens on what she does: a visit, the village meeting.
    board.testid("board-actions").await;
    board.wait_text("Đã đồng bộ lúc").await;
    board.screenshot("36-ban-van-dong-hom-nay").await;
    board.click("board-meeting").await;
    board.testid("add-meeting").await;
    board.go("more").await;
    board.testid("more-meetings").await;
    let page = board.page_text().await;
    assert!(
        !page.contains("Tiền mặt"),
        "no cash for a board member: {page}"
    );
    board.go("cash").await;
    board.wait_text("dành cho đại lý thu").await;
    // Her meeting form opens on what she records: a village meeting in her village, today.
    board.go("meetings").await;
    board.click("add-meeting").await;
    assert_eq!(board.value("kind").await, "village_meeting");
    let village: String = board
        .eval(
            "return document.getElementById('village').selectedOptions[0].textContent",
            "the village chosen",
        )
        .await;
    assert_eq!(village, "Thôn Đông", "her one village");
    let today = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%d/%m/%Y")
        .to_string();
    assert_eq!(board.value("date").await, today);
    // Who ran it is filled in; how many came is asked; the loudspeaker announcement is one tick;
    // a saved meeting opens again to be corrected, not added twice.
    assert_eq!(board.value("organiser").await, "Ban vận động Thôn Đông");
    let events = || app_db_count(&board, "SELECT count(*) FROM outreach_events");
    let before = events();
    board.click("save").await;
    board.testid("error-attendees").await;
    board.fill("attendees", "43").await;
    board.click("broadcast-too").await;
    board.click("save").await;
    board.testid("meeting-saved").await;
    assert_eq!(events(), before + 2, "the meeting and its broadcast");
    board.click_text("43 người dự").await;
    board.testid("meeting-form").await;
    assert_eq!(board.value("attendees").await, "43");
    board.fill("attendees", "45").await;
    board.click("save").await;
    board.wait_text("45 người dự").await;
    assert_eq!(events(), before + 2, "corrected, not added");
    board.screenshot("15b-hop-thon").await;
    // Someone she finds interested goes to the village's collector: the office makes Lan's
    // follow-up when the visit arrives.
    let household = super::add_household(&board, "Trịnh Văn Quý").await;
    board.click("log-visit").await;
    board.testid("outcomes").await;
    board.click("outcome-interested").await;
    board.testid("visit-saved").await;
    board.wait_text("Người thu của thôn sẽ nhận hộ này").await;
    board.click("sync-now").await;
    board.go("sync").await;
    board.wait_testid_text("sync-pending", "0").await;
    let assigned = data.query(&format!(
        "SELECT u.full_name FROM records r JOIN users u
           ON u.id = json_extract(r.state, '$.fields.assigned_to')
         WHERE r.entity = 'follow_up'
           AND json_extract(r.state, '$.fields.reason') = 'referral'
           AND json_extract(r.state, '$.fields.household_id') = '{household}'"
    ));
    assert!(
        assigned.contains(&"Nguyễn Thị Lan".to_owned()),
        "the commune's collector has it: {assigned:?}"
    );

    // Her Hôm nay follows what came of the people she found interested.
    board.go("today").await;
    board.testid("referrals").await;
    board.wait_text("Trịnh Văn Quý").await;
    assert_eq!(board.text_of("referral-status").await, "Chờ người thu");
    board.screenshot("36b-ban-van-dong-gioi-thieu").await;

    // Her phone holds the village's people and sign-ups, but no ID number, income or amount
    // (the office withholds them: `sotay_domain::privacy`).
    let participants = data.query(
        "SELECT json_extract(e.state, '$.fields.person_id') || '|' ||
                json_extract(p.state, '$.fields.personal_id')
         FROM records e
         JOIN records v ON v.entity_id = e.village_id AND v.entity = 'village'
         JOIN records p ON p.entity_id = json_extract(e.state, '$.fields.person_id')
         WHERE e.entity = 'enrollment' AND json_extract(v.state, '$.fields.name') = 'Thôn Đông'
           AND json_extract(e.state, '$.fields.monthly_income') > 0
           AND json_extract(p.state, '$.fields.personal_id') IS NOT NULL",
    );
    let first = participants
        .first()
        .expect("the demo has a participant in Thôn Đông");
    let [person, cccd] = first.split('|').collect::<Vec<_>>()[..] else {
        panic!("{first}")
    };
    assert_eq!(
        app_db_count(&board, "SELECT count(*) FROM enrollments"),
        participants.len() as i64,
        "her village's sign-ups are on her phone"
    );
    for (what, sql) in [
        (
            "ID numbers",
            "SELECT count(*) FROM persons WHERE json_extract(data, '$.personal_id') IS NOT NULL",
        ),
        (
            "incomes",
            "SELECT count(*) FROM enrollments WHERE json_extract(data, '$.monthly_income') != 0",
        ),
        (
            "amounts",
            "SELECT count(*) FROM payments WHERE json_extract(data, '$.amount') != 0",
        ),
    ] {
        assert_eq!(
            app_db_count(&board, sql),
            0,
            "no {what} on a board member's phone"
        );
    }
    board.go(&format!("person/{person}")).await;
    board.testid("enrollment-mode").await;
    let page = board.page_text().await;
    assert!(
        !page.contains("Thu nhập") && !page.contains("1.500.000") && !page.contains(cccd),
        "no amount or ID number on her screen: {page}"
    );
    board.screenshot("34-ban-van-dong-nguoi-tham-gia").await;
    board.stop().await;
}
