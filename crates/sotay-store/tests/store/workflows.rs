//! What one tap in the app saves (`workflows.rs`): each action writes all its records with their
//! ops in one transaction, and prices come from the domain's quote for the policy in use.
//! Vectors: rules.md §1–2 — 22% × 1,500,000 = 330,000 a month; support at the 1,500,000 line is
//! 132,000 (near-poor, 40%) or 66,000 (others, 20%) nationally; Hà Nội adds 60% (near-poor) or
//! 10% (others) of the same base from 1/1/2026, so a near-poor Hà Nội resident at the floor pays
//! nothing and anyone else pays 330,000 − 66,000 − 33,000 = 231,000 a month.

use sotay_domain::*;
use sotay_store::{RemittanceState, StoreError};
use uuid::Uuid;

use crate::common::*;

#[test]
fn a_visit_answers_due_call_backs_sets_the_next_one_and_moves_the_persons_met() {
    let fx = Fixture::new();
    let (h, mut p) = saved_family(&fx, "Nguyễn Văn Đức", 1);
    p.stage = Stage::Prospect;
    fx.store.save_person(&p).expect("prospect");
    let overdue = follow_up(&h, fx.user(), date(2026, 11, 20));
    let later = follow_up(&h, fx.user(), date(2026, 12, 20));
    fx.store.save_follow_up(&overdue).expect("overdue");
    fx.store.save_follow_up(&later).expect("later");
    let before = fx.outbox_len();

    let mut v = visit(&h, fx.user(), now());
    v.persons_met = vec![p.id];
    v.outcome = VisitOutcome::Interested;
    v.next_follow_up = Some(date(2026, 11, 29));
    let logged = fx.store.log_visit(&v).expect("log the visit");

    assert_eq!(
        logged.follow_ups_closed, 1,
        "only the call-back due by today is answered"
    );
    assert_eq!(logged.persons_updated, 1);
    let next = logged.follow_up.expect("the next date makes a follow-up");
    assert_eq!(
        (next.due_date, next.person_id, next.assigned_to),
        (date(2026, 11, 29), Some(p.id), fx.user())
    );
    assert!(
        fx.store
            .get_follow_up(overdue.id)
            .expect("get")
            .expect("kept")
            .done
    );
    assert!(
        !fx.store
            .get_follow_up(later.id)
            .expect("get")
            .expect("kept")
            .done
    );
    assert_eq!(
        fx.store.get_person(p.id).expect("get").expect("kept").stage,
        Stage::Interested
    );
    assert_eq!(
        fx.outbox_len() - before,
        4,
        "visit, closed call-back, new follow-up and person: one op each"
    );
}

/// A referral from the village board (made by the office for the village's collector) is
/// done by the collector's visit, as a call-back is; a missing document is not.
#[test]
fn a_visit_answers_the_boards_referral_but_not_a_missing_document() {
    let fx = Fixture::new();
    let (h, _p) = saved_family(&fx, "Đỗ Văn Tư", 1);
    let referral = FollowUp {
        reason: FollowUpReason::Referral,
        ..follow_up(&h, fx.user(), date(2026, 11, 23))
    };
    let papers = FollowUp {
        reason: FollowUpReason::MissingDocument,
        ..follow_up(&h, fx.user(), date(2026, 11, 23))
    };
    fx.store.save_follow_up(&referral).expect("referral");
    fx.store.save_follow_up(&papers).expect("papers");
    let logged = fx
        .store
        .log_visit(&visit(&h, fx.user(), now()))
        .expect("log the visit");
    assert_eq!(logged.follow_ups_closed, 1);
    let done = |id| fx.store.get_follow_up(id).expect("get").expect("kept").done;
    assert!(done(referral.id), "the referral is answered by the visit");
    assert!(!done(papers.id), "the papers are still missing");
}

/// What a follow-up asks for, done, closes it: a sign-up answers the person's call-back and
/// the board's referral however early, a collection answers the renewal; someone else's
/// follow-up, another person's and the missing papers stay open.
#[test]
fn a_sign_up_or_a_collection_closes_the_follow_ups_it_answers() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Phạm Văn Khang", 11);
    let spouse = person(&h, "Nguyễn Thị Liên", 12);
    fx.store.save_person(&spouse).expect("spouse");
    let open = |reason, person: Option<Uuid>, assigned_to| {
        let f = FollowUp {
            reason,
            person_id: person,
            ..follow_up(&h, assigned_to, date(2026, 12, 20))
        };
        fx.store.save_follow_up(&f).expect("follow-up");
        f.id
    };
    let call_back = open(FollowUpReason::CallBack, Some(p.id), fx.user());
    let referral = open(FollowUpReason::Referral, None, fx.user());
    let papers = open(FollowUpReason::MissingDocument, Some(p.id), fx.user());
    let renewal = open(FollowUpReason::Renewal, Some(p.id), fx.user());
    let spouses = open(FollowUpReason::CallBack, Some(spouse.id), fx.user());
    let colleagues = open(FollowUpReason::CallBack, Some(p.id), Uuid::now_v7());
    let done = |id| fx.store.get_follow_up(id).expect("get").expect("kept").done;

    let mut e = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    e.first_month = date(2026, 11, 1);
    e.support_groups = vec![SupportGroup::Other];
    let (e, _) = fx.store.sign_up(&e).expect("sign up");
    assert!(
        done(call_back) && done(referral),
        "answered by the sign-up, before their day"
    );
    assert!(!done(papers) && !done(renewal), "not what a sign-up does");
    assert!(
        !done(spouses) && !done(colleagues),
        "not her call-back, not his"
    );

    fx.store
        .collect_payment(e.id, "BL-0004001", PaymentMethod::Cash)
        .expect("collect");
    assert!(done(renewal), "answered by the collection");
    assert!(!done(papers) && !done(spouses) && !done(colleagues));
}

/// "Xong" on Hôm nay: a follow-up closed by hand is saved with its op; closing it again changes
/// nothing, "Hoàn tác" opens it again, and one that does not exist is `not_found`.
#[test]
fn a_follow_up_is_closed_by_hand_once_and_opened_again() {
    let fx = Fixture::new();
    let (h, _) = saved_family(&fx, "Đinh Văn Lực", 13);
    let f = follow_up(&h, fx.user(), date(2026, 11, 20));
    fx.store.save_follow_up(&f).expect("save");
    let before = fx.outbox_len();
    assert!(fx.store.set_follow_up_done(f.id, true).expect("close").done);
    assert_eq!(fx.outbox_len(), before + 1, "one op to sync");
    assert!(fx.store.set_follow_up_done(f.id, true).expect("again").done);
    assert_eq!(fx.outbox_len(), before + 1, "nothing more");
    assert!(!fx.store.set_follow_up_done(f.id, false).expect("undo").done);
    assert_eq!(fx.outbox_len(), before + 2);
    let err = fx
        .store
        .set_follow_up_done(Uuid::now_v7(), true)
        .expect_err("none");
    assert_eq!(err.code(), "not_found");
}

#[test]
fn a_refused_visit_saves_nothing_of_what_it_would_have_changed() {
    let fx = Fixture::new();
    let (h, p) = saved_family(&fx, "Trần Thị Hoa", 2);
    let due = follow_up(&h, fx.user(), date(2026, 11, 20));
    fx.store.save_follow_up(&due).expect("due");
    let before = fx.outbox_len();
    let mut v = visit(&h, fx.user(), now());
    v.persons_met = vec![p.id];
    v.notes = "x".repeat(10_000);
    let err = fx.store.log_visit(&v).expect_err("notes far too long");
    assert_eq!(err.code(), "too_long");
    assert_eq!(fx.outbox_len(), before, "nothing was written");
    assert!(
        !fx.store
            .get_follow_up(due.id)
            .expect("get")
            .expect("kept")
            .done
    );
}

#[test]
fn a_sign_up_keeps_its_quote_and_enrols_its_person() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Lê Văn Nam", 3);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    e.status = EnrollmentStatus::Draft;
    e.support_groups = vec![SupportGroup::Other];
    e.first_month = date(2026, 11, 1);
    let (saved, quote) = fx.store.sign_up(&e).expect("sign up");
    assert_eq!(saved.status, EnrollmentStatus::Submitted);
    assert_eq!(quote.gross_monthly, Vnd(330_000));
    assert_eq!(quote.state_support_monthly, Vnd(66_000));
    assert_eq!(quote.local_support_monthly, Vnd(33_000), "Hà Nội +10%");
    assert_eq!(quote.net_monthly, Vnd(231_000));
    assert_eq!(quote.amount_due, Vnd(693_000), "3 months");
    let stored = fx.store.get_enrollment(e.id).expect("get").expect("saved");
    assert_eq!(
        stored.quote,
        Some(serde_json::to_value(&quote).expect("json")),
        "the snapshot is the quote as computed"
    );
    assert_eq!(
        fx.store.get_person(p.id).expect("get").expect("kept").stage,
        Stage::Enrolled
    );
    assert!(fx.store.has_enrollment(p.id).expect("check"));
}

#[test]
fn income_below_the_floor_is_refused_on_the_income_field_and_saves_nothing() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Phạm Văn Long", 4);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Monthly);
    e.monthly_income = Vnd(1_000_000);
    let before = fx.outbox_len();
    let err = fx.store.sign_up(&e).expect_err("below the floor");
    assert_eq!(err.code(), "income_below_floor");
    assert_eq!(err.field(), Some("monthly_income"));
    assert!(err.to_string().contains("1.500.000 ₫"), "{err}");
    assert!(matches!(err, StoreError::Quote(_)));
    assert_eq!(fx.outbox_len(), before);
    assert!(fx.store.get_enrollment(e.id).expect("get").is_none());
}

#[test]
fn payments_cover_the_next_period_at_todays_price_and_count_in_cash_on_hand() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Hoàng Văn Sơn", 5);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    e.first_month = date(2026, 11, 1);
    let (e, _) = fx.store.sign_up(&e).expect("sign up");
    let draft = fx.store.payment_draft(e.id).expect("draft");
    assert_eq!(
        (draft.months_from, draft.months_to, draft.amount),
        (date(2026, 11, 1), date(2027, 1, 1), Vnd(0)),
        "near-poor in Hà Nội at the floor pays nothing"
    );
    let mut other = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    other.first_month = date(2026, 11, 1);
    other.support_groups = vec![SupportGroup::Other];
    let (other, _) = fx.store.sign_up(&other).expect("sign up");
    let first = fx
        .store
        .collect_payment(other.id, "bl-0001234", PaymentMethod::Cash)
        .expect("collect");
    assert_eq!(first.amount, Vnd(693_000));
    assert_eq!(
        first.receipt_number, "BL-0001234",
        "normalised like every receipt"
    );
    assert_eq!(
        (first.months_from, first.months_to),
        (date(2026, 11, 1), date(2027, 1, 1))
    );
    let second = fx.store.payment_draft(other.id).expect("next draft");
    assert_eq!(
        (second.months_from, second.months_to),
        (date(2027, 2, 1), date(2027, 4, 1)),
        "the next period follows the last one paid"
    );
    let again = fx
        .store
        .collect_payment(other.id, "BL-0001234", PaymentMethod::Cash)
        .expect_err("a receipt number is used once");
    assert_eq!(again.code(), "receipt_duplicate");
    let cash = fx.store.cash_on_hand(fx.user()).expect("cash");
    assert_eq!(cash.total, Vnd(693_000));

    let remittance = fx.store.remit_cash("Nộp bưu điện", now()).expect("remit");
    assert_eq!(remittance.total, Vnd(693_000));
    assert_eq!(remittance.payment_ids, vec![first.id]);
    assert_eq!(
        fx.store.cash_on_hand(fx.user()).expect("cash").total,
        Vnd(0)
    );
    assert_eq!(
        fx.store
            .remit_cash("", now())
            .expect_err("nothing left")
            .code(),
        "nothing_to_remit"
    );
    let history = fx.store.enrollments_of_person(p.id).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].enrollment.id, other.id, "newest first");
    assert_eq!(history[0].payments, vec![first]);

    // The handover is listed, waiting to be sent; once the office took its op, as sent; a
    // refused one, as refused.
    let handovers = |fx: &Fixture| fx.store.remittances_of(fx.user(), 20).expect("handovers");
    assert_eq!(
        handovers(&fx),
        vec![(remittance.clone(), RemittanceState::Waiting)]
    );
    let op = fx
        .store
        .outbox_pending(1_000)
        .expect("pending")
        .into_iter()
        .find(|op| op.entity_id == remittance.id)
        .expect("the handover's op");
    fx.store.outbox_ack(&[op.op_id]).expect("ack");
    assert_eq!(handovers(&fx)[0].1, RemittanceState::Sent);
    let refused = fx
        .store
        .collect_payment(other.id, "BL-0001235", PaymentMethod::Cash)
        .expect("collect again");
    let later = fx.store.remit_cash("", now()).expect("remit again");
    let op = fx
        .store
        .outbox_pending(1_000)
        .expect("pending")
        .into_iter()
        .find(|op| op.entity_id == later.id)
        .expect("its op");
    fx.store
        .outbox_reject(op.op_id, "remittance_payment_invalid", "Sai", None)
        .expect("reject");
    let listed = handovers(&fx);
    assert_eq!(listed.len(), 2);
    assert!(
        listed.contains(&(later.clone(), RemittanceState::Refused)),
        "{listed:?}"
    );
    assert_eq!(later.payment_ids, vec![refused.id]);
}

/// Nghị định 351/2025/NĐ-CP: the income floor (the rural poverty line) stays 1.500.000 ₫ to the
/// end of 2026 and is 2.200.000 ₫ from 2027. A participant signed up at 1.500.000 ₫ cannot
/// renew in 2027 on it; the collector raises the income (and may change the mode), and the
/// next period is priced on the new terms: 22% × 2.200.000 = 484.000 ₫ a month, less the
/// national 20% (96.800 ₫) and Hà Nội's 10% (48.400 ₫) of the same base = 338.800 ₫, three
/// months 1.016.400 ₫.
#[test]
fn a_new_income_floor_is_met_by_changing_the_sign_ups_terms() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Lý Văn Tài", 9);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    e.first_month = date(2026, 11, 1);
    e.support_groups = vec![SupportGroup::Other];
    let (e, _) = fx.store.sign_up(&e).expect("sign up");
    let first = fx
        .store
        .collect_payment(e.id, "BL-0002001", PaymentMethod::Cash)
        .expect("collect November to January");
    assert_eq!(first.amount, Vnd(693_000));

    fx.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2027, 1, 20, 3, 0, 0).unwrap());
    let err = fx
        .store
        .payment_draft(e.id)
        .expect_err("below the 2027 floor");
    assert_eq!(err.code(), "income_below_floor");
    assert!(err.to_string().contains("2.200.000 ₫"), "{err}");

    let before = fx.outbox_len();
    let refused = fx
        .store
        .change_sign_up_terms(e.id, Vnd(1_500_000), PaymentMode::SemiAnnual)
        .expect_err("still below the floor");
    assert_eq!(refused.field(), Some("monthly_income"));
    assert_eq!(fx.outbox_len(), before, "nothing saved");
    let kept = fx.store.get_enrollment(e.id).expect("get").expect("kept");
    assert_eq!(
        (kept.monthly_income, kept.payment_mode),
        (Vnd(1_500_000), PaymentMode::Quarterly)
    );

    let draft = fx
        .store
        .change_sign_up_terms(e.id, Vnd(2_200_000), PaymentMode::Quarterly)
        .expect("the new floor");
    assert_eq!(
        (draft.months_from, draft.months_to, draft.amount),
        (date(2027, 2, 1), date(2027, 4, 1), Vnd(1_016_400))
    );
    assert_eq!(
        fx.outbox_len(),
        before + 1,
        "one edit of the sign-up to sync"
    );
    let changed = fx.store.get_enrollment(e.id).expect("get").expect("kept");
    assert_eq!(changed.monthly_income, Vnd(2_200_000));
    let second = fx
        .store
        .collect_payment(e.id, "BL-0002002", PaymentMethod::Cash)
        .expect("collect February to April");
    assert_eq!(second.amount, Vnd(1_016_400));
}

/// Law 41/2024 Art. 36.3: a quarter is paid within its three months; later, participation is
/// suspended and the months paid are kept. Paid November to January, the February–April
/// quarter was due by 30/04/2027: collecting in May resumes from May, not from February.
#[test]
fn a_participant_who_missed_the_deadline_resumes_from_this_month() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Vương Thị Nga", 10);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Quarterly);
    e.first_month = date(2026, 11, 1);
    e.support_groups = vec![SupportGroup::Other];
    e.monthly_income = Vnd(2_200_000);
    let (e, _) = fx.store.sign_up(&e).expect("sign up");
    fx.store
        .collect_payment(e.id, "BL-0003001", PaymentMethod::Cash)
        .expect("November to January");
    let at = |y, m, d| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, m, d, 3, 0, 0).unwrap();
    fx.clock.set(at(2027, 4, 30));
    let on_time = fx
        .store
        .payment_draft(e.id)
        .expect("the last day of the quarter");
    assert_eq!(
        (on_time.months_from, on_time.months_to),
        (date(2027, 2, 1), date(2027, 4, 1)),
        "within the quarter: it continues"
    );
    fx.clock.set(at(2027, 5, 10));
    let late = fx.store.payment_draft(e.id).expect("after the deadline");
    assert_eq!(
        (late.months_from, late.months_to),
        (date(2027, 5, 1), date(2027, 7, 1)),
        "suspended since February: it resumes in May"
    );
}

#[test]
fn a_rejected_sign_up_cannot_be_paid() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Đỗ Thị Mai", 6);
    let mut e = enrollment(&p, fx.user(), PaymentMode::Monthly);
    e.status = EnrollmentStatus::Rejected;
    e.status_reason = Some("Số định danh không khớp ngày sinh".into());
    fx.store
        .save_enrollment(&e)
        .expect("as decided by the office");
    assert_eq!(
        fx.store.payment_draft(e.id).expect_err("rejected").code(),
        "enrollment_rejected"
    );
}

#[test]
fn a_sign_up_returned_for_correction_is_sent_again_without_the_offices_reason() {
    let fx = Fixture::new();
    let (_, p) = saved_family(&fx, "Vũ Thị Hằng", 7);
    let (e, _) = fx
        .store
        .sign_up(&enrollment(&p, fx.user(), PaymentMode::Monthly))
        .expect("sign up");
    assert_eq!(
        fx.store
            .resubmit_enrollment(e.id)
            .expect_err("not returned")
            .code(),
        "enrollment_not_returned",
        "a sign-up the office has not sent back stays as it is"
    );
    let returned = Enrollment {
        status: EnrollmentStatus::NeedsCorrection,
        status_reason: Some("Thiếu số điện thoại".into()),
        ..e.clone()
    };
    fx.store
        .save_enrollment(&returned)
        .expect("as decided by the office");
    let listed = fx.store.returned_enrollments(fx.user()).expect("returned");
    let enrolled = fx.store.get_person(p.id).expect("get").expect("saved");
    assert_eq!(
        listed,
        vec![(returned.clone(), enrolled)],
        "on the collector's list"
    );
    assert!(
        fx.store
            .returned_enrollments(uuid::Uuid::now_v7())
            .expect("returned")
            .is_empty(),
        "not on another collector's"
    );
    let before = fx.outbox_len();
    let sent = fx.store.resubmit_enrollment(e.id).expect("resubmit");
    assert_eq!(sent.status, EnrollmentStatus::Submitted);
    assert_eq!(sent.status_reason, None);
    assert_eq!(
        fx.store.get_enrollment(e.id).expect("get"),
        Some(sent),
        "stored as sent"
    );
    let ops = fx.store.outbox_pending(100).expect("outbox");
    assert_eq!(
        fx.outbox_len(),
        before + 1,
        "one op carries it to the office"
    );
    let op = ops.last().expect("the op");
    assert_eq!(op.entity_id, e.id);
    assert_eq!(op.fields["status"], "submitted");
    assert!(op.fields["status_reason"].is_null(), "{:?}", op.fields);
    assert!(
        fx.store
            .returned_enrollments(fx.user())
            .expect("returned")
            .is_empty(),
        "sent again, it leaves the list"
    );
}

#[test]
fn lists_for_the_screens() {
    let fx = Fixture::new();
    let dong = village("Thôn Đông");
    let doai = village("Thôn Đoài");
    fx.store.save_village(&dong).expect("village");
    fx.store.save_village(&doai).expect("village");
    for n in 0..3 {
        let h = household(Some(dong.id), &format!("Chủ hộ {n}"), "Thôn Đông");
        fx.store.save_household(&h).expect("household");
    }
    let gone = household(Some(dong.id), "Chủ hộ đã chuyển đi", "Thôn Đông");
    fx.store.save_household(&gone).expect("household");
    fx.store.delete_household(gone.id).expect("deleted");
    let villages = fx.store.villages().expect("villages");
    let counts: Vec<(String, u32)> = villages
        .iter()
        .map(|v| (v.village.name.clone(), v.households))
        .collect();
    assert_eq!(
        counts,
        vec![("Thôn Đoài".to_owned(), 0), ("Thôn Đông".to_owned(), 3)],
        "a deleted household is not counted, a village without households is listed"
    );
    let one = fx.store.village_summary(dong.id).expect("summary");
    assert_eq!(one.map(|v| v.households), Some(3));

    for (day, attendees) in [(1, 43), (15, 120)] {
        let event = OutreachEvent {
            id: new_id(),
            kind: OutreachKind::VillageMeeting,
            commune_code: COMMUNE.into(),
            village_id: Some(dong.id),
            date: date(2026, 11, day),
            attendees,
            organiser: "Ban vận động thôn Đông".into(),
            notes: String::new(),
        };
        fx.store.save_outreach_event(&event).expect("event");
    }
    let events = fx.store.outreach_events(10).expect("events");
    assert_eq!(
        events.iter().map(|e| e.attendees).collect::<Vec<_>>(),
        vec![120, 43],
        "newest first"
    );

    let this_year = quota(QuotaScope::Village(dong.id), half_year(2026, 2), 60, 30);
    let first_half = quota(QuotaScope::Village(dong.id), half_year(2026, 1), 50, 20);
    fx.store.save_quota(&this_year).expect("quota");
    fx.store.save_quota(&first_half).expect("quota");
    let quotas = fx.store.quotas_on(date(2026, 11, 23)).expect("quotas");
    assert_eq!(
        quotas,
        vec![this_year],
        "only the period containing the date"
    );

    let (h, p) = saved_family(&fx, "Bùi Văn Hải", 7);
    assert_eq!(
        fx.store.household_of(EntityKind::Person, p.id).expect("of"),
        Some(h.id)
    );
    assert_eq!(
        fx.store
            .household_of(EntityKind::Household, h.id)
            .expect("of"),
        Some(h.id)
    );
    assert_eq!(
        fx.store
            .household_of(EntityKind::Village, dong.id)
            .expect("of"),
        None
    );
}
