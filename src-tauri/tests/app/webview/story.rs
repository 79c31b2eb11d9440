//! The whole story in the real app: enrol with a code, add a household, add a person from an
//! ID-card QR string, log a visit in two taps, get a quote, sign up, collect a payment and see
//! cash on hand, sync, approve the sign-up on the office, sync again and see "Đã duyệt" on the
//! person; record a meeting; lock and unlock with the PIN. A screenshot of every screen.

use super::harness::Stage;
use super::{QR, app_db_count, enrol, hash_id};
use chrono::Datelike;

fn digits(text: &str) -> i64 {
    text.chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0)
}

/// The text of an office page, as a participant's phone would fetch it.
async fn page_at(url: &str) -> String {
    let answer = reqwest::get(url).await.expect("the office answers");
    answer.text().await.expect("the page's text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_in_the_real_app() {
    let stage = Stage::new().await;
    let (data, office) = (&stage.data, &stage.office);
    // Small pull pages, so the first sync takes several and its progress shows.
    let app = stage.app(&[("SOTAY_SYNC_PULL_PAGE", "10")]).await;
    super::record_first_sync_progress(&app).await;

    enrol(&app, &office.url, &data.lan_code, Some("01-bat-dau")).await;
    super::check_first_sync_progress(&app).await;
    app.screenshot("02-dong-bo-lan-dau").await;
    app.click("go-today").await;
    app.testid("today-date").await;
    app.wait_text("Đã đồng bộ lúc").await;
    app.screenshot("03-hom-nay").await;
    assert!(
        !app.shows("board-actions").await,
        "a collector's home screen is her list"
    );
    // Her morning's list: a call made from home is one tap ("Xong"), and one tap undoes it.
    let count = async || -> i64 {
        app.eval(
            "return document.querySelectorAll(\"[data-testid='follow-up-done']\").length",
            "the follow-ups listed",
        )
        .await
    };
    let listed = count().await;
    assert!(listed >= 2, "the demo's follow-ups are due: {listed}");
    app.click("follow-up-done").await;
    app.testid("follow-up-closed").await;
    assert_eq!(count().await, listed - 1);
    assert_eq!(
        app_db_count(&app, "SELECT count(*) FROM follow_ups WHERE done = 1"),
        1
    );
    app.click("follow-up-undo").await;
    for _ in 0..100 {
        if !app.shows("follow-up-closed").await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        !app.shows("follow-up-closed").await,
        "the notice goes with the undo"
    );
    assert_eq!(count().await, listed);
    assert_eq!(
        app_db_count(&app, "SELECT count(*) FROM follow_ups WHERE done = 1"),
        0
    );
    let cash_before = digits(&app.text_of("today-cash").await);
    // Today shows her first two quotas; the others are one tap away.
    app.click("quotas-all").await;
    app.testid("target").await;

    // A household, and a person from the ID card's QR text.
    app.go("households").await;
    app.testid("villages").await;
    app.screenshot("04-ho-gia-dinh").await;
    // The household starts from the head's ID card: its QR names the head and the address,
    // and after the save the same card fills the head's own form.
    app.click_text("Thôn Đông").await;
    app.click("add-household").await;
    app.fill("qr", QR).await;
    app.click("qr-fill").await;
    app.testid("qr-filled").await;
    assert_eq!(app.value("head_name").await, "Nguyễn Văn Đức");
    assert_eq!(app.value("address").await, "Thôn Đông, xã Sóc Sơn, Hà Nội");
    app.select("poverty_status", "near_poor").await;
    app.fill("poverty_year", "2025").await;
    app.screenshot("04b-ho-tu-the-can-cuoc").await;
    app.click("save").await;
    app.testid("from-head-card").await;
    assert_eq!(app.value("full_name").await, "Nguyễn Văn Đức");
    assert_eq!(app.value("date_of_birth").await, "12/04/1985");
    assert_eq!(app.value("personal_id").await, "001085001234");
    app.fill("phone", "0912345678").await;
    app.screenshot("06-them-nguoi-tu-ma-qr").await;
    app.click("save").await;
    app.testid("person-summary").await;
    let person = hash_id(&app, "person").await;
    assert_eq!(app.text_of("person-id").await, "001085001234");
    // Back from the head is the new household.
    let back = app.back().await;
    let household = back
        .strip_prefix("#/household/")
        .unwrap_or_else(|| panic!("back to the household: {back}"))
        .to_owned();
    app.testid("members").await;

    // A visit: "Ghi thăm hộ", then the outcome — two taps from the household.
    app.go(&format!("household/{household}")).await;
    app.testid("members").await;
    app.screenshot("05-trang-ho").await;
    app.click("log-visit").await;
    app.testid("outcomes").await;
    // "Call back on Sunday" is one tap: the coming Sunday in Vietnam fills the date.
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let to_sunday = match today.weekday().num_days_from_sunday() {
        0 => 7,
        weekday => 7 - weekday,
    };
    let sunday = (today + chrono::Duration::days(i64::from(to_sunday)))
        .format("%d/%m/%Y")
        .to_string();
    app.click_text("Chủ nhật").await;
    assert_eq!(app.value("next_follow_up").await, sunday);
    app.screenshot("07-tham-ho").await;
    app.click("outcome-interested").await;
    app.testid("visit-saved").await;
    app.wait_text(&format!("Đã hẹn ngày {sunday}")).await;
    app.testid("timeline").await;
    app.wait_text("Thăm: Quan tâm").await;

    // The quote for the person: near-poor in Hà Nội at 3.000.000 ₫: 660.000 − 132.000 (40% ×
    // 22% × 1.500.000) − 198.000 (Hà Nội +60%) = 330.000 ₫ a month (rules.md §2).
    app.go(&format!("person/{person}")).await;
    app.testid("sign-up").await;
    app.click("quote-person").await;
    app.testid("quote-for").await;
    app.fill("monthly_income", "3000000").await;
    app.click("calculate").await;
    app.testid("quote-result").await;
    assert_eq!(app.text_of("quote-net").await, "330.000 ₫");
    assert_eq!(app.text_of("quote-due").await, "990.000 ₫");
    app.testid("pension").await;
    app.wait_text("Theo số liệu chính sách bản ngày").await;
    app.screenshot("08-tinh-muc-dong").await;

    // Sign-up, then collect the first quarter.
    app.click_text("Đăng ký với mức này").await;
    app.testid("signup-form").await;
    // What the participant will pay shows before the declaration is saved.
    app.wait_testid_text("signup-preview-due", "990.000 ₫")
        .await;
    app.screenshot("09-dang-ky").await;
    app.click("save").await;
    app.testid("signup-saved").await;
    assert_eq!(app.text_of("signup-due").await, "990.000 ₫");
    app.click("collect-now").await;
    app.testid("collect-form").await;
    assert_eq!(app.text_of("collect-amount").await, "990.000 ₫");
    // The terms can change at the collection (a new income floor, another mode): below the
    // floor is refused beside the income; six months instead of three is priced again.
    app.click("change-terms").await;
    app.testid("terms-form").await;
    app.wait_text("Mức thu nhập thấp nhất hiện nay: 1.500.000 ₫")
        .await;
    app.fill("monthly_income", "1.000.000").await;
    app.click("terms-save").await;
    let refused = app.text_of("error-monthly_income").await;
    assert!(refused.contains("1.500.000"), "{refused}");
    assert_eq!(app.value("monthly_income").await, "1.000.000");
    app.fill("monthly_income", "3.000.000").await;
    app.select("payment_mode", "semi_annual").await;
    app.click("terms-save").await;
    app.testid("terms-changed").await;
    app.wait_testid_text("collect-amount", "1.980.000 ₫").await;
    app.click("change-terms").await;
    app.select("payment_mode", "quarterly").await;
    app.click("terms-save").await;
    app.wait_testid_text("collect-amount", "990.000 ₫").await;
    app.fill("receipt_number", "0001234").await;
    app.screenshot("10-thu-tien").await;
    app.click("collect-submit").await;
    app.testid("receipt").await;
    assert_eq!(app.text_of("receipt-number").await, "0001234");
    // The check code the participant can take to the office's receipt page, and its QR code.
    let check_code = app.text_of("receipt-check-code").await;
    let check_url: String = app
        .eval(
            "return document.querySelector('[data-testid=receipt-qr]').dataset.url",
            "the receipt's QR address",
        )
        .await;
    assert_eq!(
        check_url,
        format!("{}/tra-cuu?so=0001234&ma={check_code}", office.url)
    );
    // The dark modules are one path; a QR code of this address draws hundreds of them.
    let qr_drawing: usize = app
        .eval(
            "return document.querySelector('[data-testid=receipt-qr] svg path')?.getAttribute('d')?.length ?? 0",
            "the QR code's drawing",
        )
        .await;
    assert!(
        qr_drawing > 500,
        "the receipt shows a QR code ({qr_drawing})"
    );
    app.screenshot("11-bien-lai").await;
    let _: bool = app
        .eval(
            "document.querySelector('[data-testid=receipt-check-how]').scrollIntoView({block: 'center'}); return true",
            "the receipt's check, in view",
        )
        .await;
    app.two_frames().await;
    app.screenshot("30-bien-lai-ma-kiem-tra").await;
    app.click("to-cash").await;
    let cash = digits(&app.text_of("cash-total").await);
    assert_eq!(
        cash,
        cash_before + 990_000,
        "cash on hand grew by the payment"
    );
    app.screenshot("12-tien-mat").await;

    // Sync: everything reaches the office.
    app.go("sync").await;
    app.click("sync-now-big").await;
    app.wait_testid_text("sync-pending", "0").await;
    app.wait_testid_text("sync-rejected", "0").await;
    app.wait_text("Đã đồng bộ lúc").await;
    app.screenshot("13-dong-bo").await;
    let enrollment = data.query(&format!(
        "SELECT entity_id FROM records WHERE entity = 'enrollment' \
         AND json_extract(state, '$.fields.person_id') = '{person}'"
    ));
    assert_eq!(enrollment.len(), 1, "the sign-up is at the office once");
    // The participant checks the receipt on the office's public page, by the QR code's address.
    let page = page_at(&check_url).await;
    assert!(
        page.contains(r#"data-ket-qua="chua-nop""#),
        "the office knows the receipt (not yet remitted): {page}"
    );
    assert!(
        page.contains(r#"data-han-nop="chua-den-han""#),
        "collected today, the cash is not due yet: {page}"
    );
    let forged = format!("{}/tra-cuu?so=0001234&ma=AAAA-AAAA", office.url);
    let page = page_at(&forged).await;
    assert!(
        page.contains(r#"data-ket-qua="chua-thay""#),
        "another code finds nothing: {page}"
    );

    // The office asks for a correction; the collector sees why, puts it right and sends the
    // sign-up again from the person's page.
    let (ok, out, err) = super::harness::office_cli(
        &data.db,
        &[
            "review",
            "--enrollment",
            &enrollment[0],
            "needs-correction",
            "--reason",
            "Thiếu số điện thoại liên hệ",
        ],
    );
    assert!(ok, "review: {out} {err}");
    app.click("sync-now").await;
    // Today says so, with the office's reason; a tap opens the person.
    app.go("today").await;
    app.testid("returned").await;
    app.wait_text("Thiếu số điện thoại liên hệ").await;
    app.click_text("Nguyễn Văn Đức").await;
    app.testid("person-summary").await;
    app.wait_text("Cần bổ sung").await;
    assert_eq!(
        app.text_of("enrollment-reason").await,
        "Lý do: Thiếu số điện thoại liên hệ"
    );
    assert!(
        !app.shows("sign-up").await,
        "the returned sign-up is sent again, not replaced by a second one"
    );
    app.screenshot("32-can-bo-sung").await;
    app.click("resubmit").await;
    app.wait_testid_text("enrollment-status", "Đã gửi").await;
    app.click("sync-now").await;
    app.go("sync").await;
    app.wait_testid_text("sync-pending", "0").await;
    app.wait_testid_text("sync-rejected", "0").await;
    let status = data.query(&format!(
        "SELECT json_extract(state, '$.fields.status') FROM records WHERE entity_id = '{}'",
        enrollment[0]
    ));
    assert_eq!(status, ["submitted"], "the office has it back for review");

    // The office approves; the next sync shows it on the person.
    let (ok, out, err) = super::harness::office_cli(
        &data.db,
        &["review", "--enrollment", &enrollment[0], "approve"],
    );
    assert!(ok, "review: {out} {err}");
    app.click("sync-now").await;
    app.go(&format!("person/{person}")).await;
    app.wait_text("Đã duyệt").await;
    assert_eq!(app.text_of("enrollment-status").await, "Đã duyệt");
    // Signed up: the next step is to collect on it, not to fill in a second sign-up.
    assert!(!app.shows("sign-up").await, "no second sign-up is offered");
    app.testid("collect").await;
    app.screenshot("14-nguoi-da-duyet").await;

    // Hand the cash to the office.
    app.go("cash").await;
    app.click("remit").await;
    // The total is read back before anything is recorded.
    app.testid("remit-confirmation").await;
    let (asked, on_hand) = (
        app.text_of("remit-confirmation").await,
        app.text_of("cash-total").await,
    );
    assert!(
        asked.contains(&on_hand) && on_hand != "0 ₫",
        "the total is read back, nothing recorded yet: {asked} / {on_hand}"
    );
    app.click("remit-confirm").await;
    app.testid("remitted").await;
    assert_eq!(app.text_of("cash-total").await, "0 ₫");
    // The handover stays listed (newest first), with whether the office has it.
    app.testid("handovers").await;
    app.click("sync-now").await;
    app.go("sync").await;
    app.wait_testid_text("sync-pending", "0").await;
    app.go("cash").await;
    app.wait_testid_text("handover-state", "Cơ quan đã nhận")
        .await;
    app.screenshot("12b-cac-lan-nop-tien").await;

    // A village meeting, targets, more.
    app.go("meetings").await;
    app.click("add-meeting").await;
    app.fill("date", "15/11/2026").await;
    app.fill("attendees", "43").await;
    app.fill("organiser", "Ban vận động thôn Đông").await;
    app.click("save").await;
    app.testid("meeting-saved").await;
    app.wait_text("43 người dự").await;
    app.screenshot("15-hoi-nghi").await;
    app.go("targets").await;
    app.testid("target").await;
    app.screenshot("16-chi-tieu").await;
    app.go("more").await;
    app.testid("more-settings").await;
    app.screenshot("17-them").await;

    // A quote for two years ahead as a poor household: "Đăng ký với mức này" carries the years
    // and the support groups, so the sign-up asks for the amount the participant was told.
    app.go(&format!("quote?person={person}")).await;
    app.testid("quote-for").await;
    app.fill("monthly_income", "3000000").await;
    app.select("payment_mode", "years_ahead").await;
    app.fill("count", "2").await;
    app.click_text("Hộ nghèo").await;
    app.click("calculate").await;
    app.testid("quote-result").await;
    let quoted = app.text_of("quote-due").await;
    app.click_text("Đăng ký với mức này").await;
    app.testid("signup-form").await;
    assert_eq!(app.value("count").await, "2");
    app.wait_testid_text("signup-preview-due", &quoted).await;

    // The PIN lock: a new PIN (the current one asked) re-wraps the key; the old one stops.
    app.go("settings").await;
    app.fill("current_pin", "1111").await;
    app.fill("new_pin", "1357").await;
    app.fill("confirm_pin", "1357").await;
    app.click("set-pin").await;
    app.wait_text("Mã PIN chưa đúng").await;
    app.fill("current_pin", crate::PIN).await;
    app.fill("new_pin", "1357").await;
    app.fill("confirm_pin", "1357").await;
    app.click("set-pin").await;
    app.testid("settings-saved").await;
    app.testid("about").await;
    app.screenshot("18-cai-dat").await;
    app.click("lock-now").await;
    app.testid("unlock").await;
    app.screenshot("19-khoa").await;
    // "Quên mã PIN?" says what starting over costs before anything happens; cancelled here.
    app.click("forgot-pin").await;
    app.testid("forgot-confirmation").await;
    app.wait_text("không xoá").await;
    app.screenshot("31-quen-ma-pin").await;
    app.click_text("Huỷ").await;
    app.testid("forgot-pin").await;
    app.fill("pin", crate::PIN).await;
    app.click("unlock").await;
    app.wait_text("Mã PIN chưa đúng").await;
    app.fill("pin", "1357").await;
    app.click("unlock").await;
    app.testid("about").await;

    app.stop().await;
}
