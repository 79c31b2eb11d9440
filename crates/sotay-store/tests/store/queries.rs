//! The app's lists: village households, search, timeline, today's list, cash, quota progress.

use crate::common::*;
use chrono::TimeDelta;
use sotay_domain::*;
use sotay_store::{HouseholdFilter, ReferralStatus, TimelineEntry, TodayOptions};
use uuid::Uuid;

/// A round is planned by the poverty lists, the households never visited and the interested
/// people: each filter keeps those, in the list's order, and pages like the whole list.
#[test]
fn a_village_list_keeps_the_households_a_filter_asks_for() {
    let fx = Fixture::new();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let poor = Household {
        poverty_status: PovertyStatus::NearPoor,
        poverty_year: Some(2026),
        ..household(Some(v.id), "Bế Văn An", "Thôn Đông")
    };
    let off_the_lists = |head: &str| Household {
        poverty_status: PovertyStatus::None,
        poverty_year: None,
        ..household(Some(v.id), head, "Thôn Đông")
    };
    let visited = off_the_lists("Chu Thị Bình");
    let keen = off_the_lists("Đinh Văn Cường");
    let plain = off_the_lists("Giang Văn Dũng");
    for h in [&poor, &visited, &keen, &plain] {
        fx.store.save_household(h).unwrap();
    }
    fx.store
        .log_visit(&visit(&visited, fx.user(), now()))
        .expect("visit");
    let interested = Person {
        stage: Stage::Interested,
        ..person(&keen, "Đinh Văn Cường", 31)
    };
    fx.store.save_person(&interested).unwrap();
    let heads = |filter: HouseholdFilter| -> Vec<String> {
        fx.store
            .village_households_filtered(v.id, filter, None, 10)
            .unwrap()
            .rows
            .into_iter()
            .map(|s| s.household.head_name)
            .collect()
    };
    assert_eq!(heads(HouseholdFilter::All).len(), 4);
    assert_eq!(heads(HouseholdFilter::PoorOrNearPoor), ["Bế Văn An"]);
    assert_eq!(
        heads(HouseholdFilter::NotVisited),
        ["Bế Văn An", "Đinh Văn Cường", "Giang Văn Dũng"]
    );
    assert_eq!(heads(HouseholdFilter::Interested), ["Đinh Văn Cường"]);
    let first = fx
        .store
        .village_households_filtered(v.id, HouseholdFilter::NotVisited, None, 2)
        .unwrap();
    let rest = fx
        .store
        .village_households_filtered(v.id, HouseholdFilter::NotVisited, first.next.as_ref(), 2)
        .unwrap();
    assert_eq!(
        rest.rows
            .iter()
            .map(|s| s.household.head_name.as_str())
            .collect::<Vec<_>>(),
        ["Giang Văn Dũng"],
        "a filtered list pages on"
    );
}

/// Bác Tư finds people interested and wants to know what came of it: each household he
/// logged as interested, latest first, waits for the collector, was visited by someone else
/// since, or has a sign-up from that month on (one from years before does not count).
#[test]
fn a_board_member_sees_what_came_of_the_households_he_found_interested() {
    let fx = Fixture::new();
    let tu = fx.user();
    let lan = Uuid::now_v7();
    let interested = |h: &Household, by: Uuid, at: chrono::DateTime<chrono::Utc>| {
        let v = Visit {
            outcome: VisitOutcome::Interested,
            next_follow_up: None,
            ..visit(h, by, at)
        };
        fx.store.save_visit(&v).expect("visit");
    };
    let (waiting, grandfather) = saved_family(&fx, "Hà Văn Chờ", 41);
    let (seen, _) = saved_family(&fx, "Hà Văn Thăm", 42);
    let (joined, joiner) = saved_family(&fx, "Hà Văn Đóng", 43);
    let (old, _) = saved_family(&fx, "Hà Văn Cũ", 44);
    interested(&old, tu, now() - TimeDelta::days(120));
    interested(&joined, tu, now() - TimeDelta::days(3));
    interested(&seen, tu, now() - TimeDelta::days(2));
    interested(&waiting, tu, now() - TimeDelta::days(1));
    // Lan came to one the day after; someone in another signed up.
    fx.store
        .save_visit(&visit(&seen, lan, now() - TimeDelta::days(1)))
        .expect("Lan's visit");
    let joined_now = Enrollment {
        first_month: date(2026, 11, 1),
        status: EnrollmentStatus::Submitted,
        ..enrollment(&joiner, lan, PaymentMode::Quarterly)
    };
    fx.store.save_enrollment(&joined_now).expect("joined");
    // The grandfather of the waiting household joined two years ago: not what came of it.
    let long_ago = Enrollment {
        first_month: date(2024, 11, 1),
        ..enrollment(&grandfather, lan, PaymentMode::Quarterly)
    };
    fx.store
        .save_enrollment(&long_ago)
        .expect("joined long ago");
    let listed: Vec<(String, ReferralStatus)> = fx
        .store
        .referrals_of(tu, now() - TimeDelta::days(90), 20)
        .expect("referrals")
        .into_iter()
        .map(|r| (r.household.head_name, r.status))
        .collect();
    assert_eq!(
        listed,
        vec![
            ("Hà Văn Chờ".to_owned(), ReferralStatus::Waiting),
            ("Hà Văn Thăm".to_owned(), ReferralStatus::Visited),
            ("Hà Văn Đóng".to_owned(), ReferralStatus::SignedUp),
        ],
        "latest first; four months ago is past the window"
    );
    assert!(
        fx.store
            .referrals_of(lan, now() - TimeDelta::days(90), 20)
            .expect("none")
            .is_empty(),
        "Lan found nobody interested"
    );
}

#[test]
fn a_village_lists_its_households_with_member_counts() {
    let fx = Fixture::new();
    let v = village("Thôn Đông");
    fx.store.save_village(&v).unwrap();
    let big = household(Some(v.id), "Bế Văn An", "Thôn Đông");
    let small = household(Some(v.id), "Chu Thị Bình", "Thôn Đông");
    let gone = household(Some(v.id), "Đinh Văn Cường", "Thôn Đông");
    let elsewhere = household(None, "Giang Văn Dũng", "Thôn Tây");
    for h in [&big, &small, &gone, &elsewhere] {
        fx.store.save_household(h).unwrap();
    }
    for i in 0..3 {
        fx.store
            .save_person(&person(&big, "Bế Văn An", 100 + i))
            .unwrap();
    }
    let left = person(&small, "Chu Thị Bình", 200);
    fx.store.save_person(&left).unwrap();
    fx.store
        .save_person(&person(&small, "Chu Văn Em", 201))
        .unwrap();
    fx.store.delete_person(left.id).unwrap();
    fx.store.delete_household(gone.id).unwrap();
    let list = fx.store.households_in_village(v.id).unwrap();
    let summary: Vec<(&str, u32)> = list
        .iter()
        .map(|s| (s.household.head_name.as_str(), s.member_count))
        .collect();
    assert_eq!(
        summary,
        vec![("Bế Văn An", 3), ("Chu Thị Bình", 1)],
        "deleted ones are not counted"
    );
}

/// The heads' names of a village's first page of `limit` households.
fn first_heads(fx: &Fixture, village: Uuid, limit: usize) -> Vec<String> {
    fx.store
        .village_households_page(village, None, limit)
        .unwrap()
        .rows
        .into_iter()
        .map(|s| s.household.head_name)
        .collect()
}

#[test]
fn households_and_villages_come_in_vietnamese_alphabetical_order() {
    let fx = Fixture::new();
    let villages = ["Thôn Hạ", "Thôn Đông", "Thôn Ấp", "Thôn Đoài", "Thôn Dương"]
        .map(village)
        .to_vec();
    fx.store.save_batch(&villages).unwrap();
    let names: Vec<String> = fx
        .store
        .villages()
        .unwrap()
        .into_iter()
        .map(|v| v.village.name)
        .collect();
    // Ấ after A, Đ after D (not after every other letter), o before ô.
    assert_eq!(
        names,
        ["Thôn Ấp", "Thôn Dương", "Thôn Đoài", "Thôn Đông", "Thôn Hạ"]
    );

    let v = villages[0].id;
    let heads = [
        "Vũ Văn Nam",
        "Đỗ Văn Hải",
        "Hoàng Minh",
        "Dương Thị Hoa",
        "Ánh Tuyết",
        "Anh Tú",
        "Bùi Công",
        "Ơn Đình",
        "Ông Văn Tám",
    ];
    let saved: Vec<Household> = heads
        .iter()
        .map(|head| household(Some(v), head, "Thôn Hạ"))
        .collect();
    fx.store.save_batch(&saved).unwrap();
    let expected = [
        "Anh Tú",
        "Ánh Tuyết",
        "Bùi Công",
        "Dương Thị Hoa",
        "Đỗ Văn Hải",
        "Hoàng Minh",
        "Ông Văn Tám",
        "Ơn Đình",
        "Vũ Văn Nam",
    ];
    assert_eq!(first_heads(&fx, v, 100), expected);
    // Page by page (the cursor carries the last name), the same order.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = fx
            .store
            .village_households_page(v, after.as_ref(), 2)
            .unwrap();
        paged.extend(page.rows.into_iter().map(|s| s.household.head_name));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(paged, expected);
    // A renamed head moves to its new place.
    let renamed = Household {
        head_name: "Đàm Văn Anh".into(),
        ..saved[0].clone()
    };
    fx.store.save_household(&renamed).unwrap();
    assert_eq!(
        first_heads(&fx, v, 5),
        [
            "Anh Tú",
            "Ánh Tuyết",
            "Bùi Công",
            "Dương Thị Hoa",
            "Đàm Văn Anh"
        ]
    );
}

#[test]
fn a_village_is_read_a_page_at_a_time_in_name_order_without_gaps_or_repeats() {
    let fx = Fixture::new();
    let v = village("Thôn Đồng Lớn");
    let other = village("Thôn Tây");
    fx.store.save_batch(&[v.clone(), other.clone()]).unwrap();
    // 25 households, three heads sharing one name (the id breaks the tie), one elsewhere.
    let mut saved: Vec<Household> = (0..22)
        .map(|n| {
            household(
                Some(v.id),
                &format!("Nguyễn Văn Hộ {n:02}"),
                "Thôn Đồng Lớn",
            )
        })
        .collect();
    for _ in 0..3 {
        saved.push(household(Some(v.id), "Lê Thị Hoa", "Thôn Đồng Lớn"));
    }
    fx.store.save_batch(&saved).unwrap();
    fx.store
        .save_household(&household(Some(other.id), "Bế Văn An", "Thôn Tây"))
        .unwrap();
    let whole: Vec<Uuid> = fx
        .store
        .households_in_village(v.id)
        .unwrap()
        .iter()
        .map(|s| s.household.id)
        .collect();
    assert_eq!(whole.len(), 25);

    let mut paged = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = fx
            .store
            .village_households_page(v.id, after.as_ref(), 7)
            .unwrap();
        pages += 1;
        assert!(page.rows.len() <= 7, "a page holds at most its limit");
        paged.extend(page.rows.iter().map(|s| s.household.id));
        match page.next {
            Some(next) => {
                let last = page.rows.last().expect("a page with a next has rows");
                assert_eq!(
                    (next.head_name.as_str(), next.id),
                    (last.household.head_name.as_str(), last.household.id),
                    "the next page starts after the last row"
                );
                after = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 4, "25 rows in pages of 7");
    assert_eq!(
        paged, whole,
        "the pages together are the whole list, in order"
    );
    assert_eq!(
        first_heads(&fx, v.id, 3),
        ["Lê Thị Hoa"; 3],
        "equal names are all on the page, by id"
    );

    // A household deleted before the cursor neither shifts nor repeats the next page.
    let first = fx.store.village_households_page(v.id, None, 10).unwrap();
    fx.store
        .delete_household(first.rows[2].household.id)
        .unwrap();
    let second = fx
        .store
        .village_households_page(v.id, first.next.as_ref(), 10)
        .unwrap();
    assert_eq!(
        second.rows.first().map(|s| s.household.id),
        Some(whole[10]),
        "the second page starts where the first ended"
    );
    let exact = fx.store.village_households_page(v.id, None, 24).unwrap();
    assert_eq!(exact.rows.len(), 24);
    assert_eq!(exact.next, None, "no next page when the rows end exactly");

    let summary = fx
        .store
        .village_summary(v.id)
        .unwrap()
        .expect("the village");
    assert_eq!(
        (summary.village.name.as_str(), summary.households),
        ("Thôn Đồng Lớn", 24)
    );
    assert_eq!(fx.store.village_summary(Uuid::now_v7()).unwrap(), None);
}

#[test]
fn search_ignores_diacritics_matches_prefixes_phones_and_id_numbers() {
    let fx = Fixture::new();
    let (h1, duc) = saved_family(&fx, "Nguyễn Văn Đức", 345_678);
    let (_, huong) = saved_family(&fx, "Đặng Thị Hương", 111_222);
    let found = |q: &str| -> Vec<Option<Uuid>> {
        found_persons(&fx.store, q, 20)
            .iter()
            .map(|p| p.as_ref().map(|p| p.id))
            .collect()
    };
    for (typed, why) in [
        ("nguyen van duc", "no accents typed"),
        ("Nguyễn Đức", "with accents, words in any order"),
        ("ng va d", "prefixes"),
        ("0912345", "phone prefix"),
        ("+84912345678", "phone typed with +84"),
        ("001085345", "ID number prefix"),
    ] {
        assert!(found(typed).contains(&Some(duc.id)), "{why}: {typed:?}");
    }
    assert!(
        found("dang huong").contains(&Some(huong.id)),
        "đ folds to d"
    );
    assert!(!found("dang huong").contains(&Some(duc.id)));
    assert!(found("xyz").is_empty());
    assert!(found("\"").is_empty(), "punctuation alone searches nothing");
    let by_address = fx.store.search("yen the", 20).unwrap();
    assert!(
        by_address
            .iter()
            .any(|hit| hit.person.is_none() && hit.household == h1),
        "households by address"
    );
    let hit = fx
        .store
        .search("duc", 20)
        .unwrap()
        .into_iter()
        .find(|h| h.person.is_some())
        .unwrap();
    assert_eq!(hit.household, h1, "a person comes with their household");
    assert!(
        fx.store.search("a", 1).unwrap().len() <= 1,
        "limit respected"
    );
}

#[test]
fn a_household_timeline_has_visits_sign_ups_and_payments_newest_first() {
    let fx = Fixture::new();
    let user = fx.user();
    let (h, p) = saved_family(&fx, "Kiều Văn Giang", 21);
    let old_visit = visit(&h, user, now() - TimeDelta::days(10));
    fx.store.save_visit(&old_visit).unwrap();
    let e = enrollment(&p, user, PaymentMode::Quarterly);
    fx.store.save_enrollment(&e).unwrap();
    let pay = payment(
        &e,
        user,
        (date(2026, 12, 1), date(2027, 2, 1)),
        594_000,
        "0009",
        PaymentMethod::Cash,
        now() + TimeDelta::minutes(1),
    );
    fx.clock.advance(TimeDelta::minutes(2));
    fx.store.save_payment(&pay).unwrap();
    let timeline = fx.store.household_timeline(h.id).unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|e| match e {
            TimelineEntry::Visit(_) => "visit",
            TimelineEntry::Enrollment { .. } => "enrollment",
            TimelineEntry::Payment(_) => "payment",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["payment", "enrollment", "visit"],
        "newest first"
    );
}

#[test]
fn a_households_next_step_is_its_open_follow_up_due_first() {
    let fx = Fixture::new();
    let me = fx.user();
    let (h, _) = saved_family(&fx, "Lục Văn Hùng", 31);
    let (elsewhere, _) = saved_family(&fx, "Mạc Thị Lan", 32);
    assert!(fx.store.next_follow_up(h.id).unwrap().is_none(), "none yet");
    let later = follow_up(&h, me, date(2026, 12, 20));
    let sooner = follow_up(&h, Uuid::now_v7(), date(2026, 12, 5));
    let done = FollowUp {
        done: true,
        ..follow_up(&h, me, date(2026, 12, 1))
    };
    let other_household = follow_up(&elsewhere, me, date(2026, 11, 1));
    for f in [&later, &sooner, &done, &other_household] {
        fx.store.save_follow_up(f).unwrap();
    }
    let next = fx.store.next_follow_up(h.id).unwrap().expect("one is open");
    assert_eq!(next.id, sooner.id, "the earliest open one, whoever has it");
    fx.store
        .save_follow_up(&FollowUp {
            done: true,
            ..sooner.clone()
        })
        .unwrap();
    let next = fx.store.next_follow_up(h.id).unwrap().expect("one is open");
    assert_eq!(next.id, later.id, "a done one is no next step");
}

#[test]
fn today_lists_due_follow_ups_renewals_and_lapses_for_the_user() {
    let fx = Fixture::new();
    let me = fx.user();
    let other = Uuid::now_v7();
    let today = date(2026, 11, 23);
    let (h, p) = saved_family(&fx, "Lục Văn Hùng", 31);
    let overdue = follow_up(&h, me, date(2026, 11, 20));
    let due = follow_up(&h, me, today);
    let future = follow_up(&h, me, date(2026, 11, 30));
    let done = FollowUp {
        done: true,
        ..follow_up(&h, me, date(2026, 11, 1))
    };
    let not_mine = follow_up(&h, other, today);
    for f in [&overdue, &due, &future, &done, &not_mine] {
        fx.store.save_follow_up(f).unwrap();
    }
    // Renewals: paid through 30/11 quarterly (due), through 31/8 monthly (lapsed 30/9),
    // through 31/3/2027 (not yet), and through 31/8 quarterly (deadline 30/11: still due).
    let mut expect_due = Vec::new();
    let mut expect_lapsed = Vec::new();
    for (i, (mode, paid_to, bucket)) in [
        (PaymentMode::Quarterly, date(2026, 11, 1), 1),
        (PaymentMode::Monthly, date(2026, 8, 1), 2),
        (PaymentMode::Quarterly, date(2027, 3, 1), 0),
        (PaymentMode::Quarterly, date(2026, 8, 1), 1),
    ]
    .into_iter()
    .enumerate()
    {
        let member = person(&h, "Thành viên", 40 + i as u32);
        fx.store.save_person(&member).unwrap();
        let e = enrollment(&member, me, mode);
        fx.store.save_enrollment(&e).unwrap();
        let earlier = payment(
            &e,
            me,
            (date(2026, 1, 1), date(2026, 1, 1)),
            198_000,
            &format!("R{i}a"),
            PaymentMethod::Cash,
            now() - TimeDelta::days(300),
        );
        let latest = payment(
            &e,
            me,
            (paid_to, paid_to),
            198_000,
            &format!("R{i}b"),
            PaymentMethod::Cash,
            now() - TimeDelta::days(30),
        );
        fx.store.save_payment(&earlier).unwrap();
        fx.store.save_payment(&latest).unwrap();
        match bucket {
            1 => expect_due.push(member.id),
            2 => expect_lapsed.push(member.id),
            _ => {}
        }
    }
    let _ = p;
    let list = fx
        .store
        .today_list_on(me, today, TodayOptions::default())
        .unwrap();
    let follow: Vec<(Uuid, bool)> = list
        .follow_ups
        .iter()
        .map(|d| (d.follow_up.id, d.overdue))
        .collect();
    assert_eq!(
        follow,
        vec![(overdue.id, true), (due.id, false)],
        "due or overdue, not done, mine"
    );
    let mut due_ids: Vec<Uuid> = list.renewals_due.iter().map(|r| r.person.id).collect();
    due_ids.sort();
    expect_due.sort();
    assert_eq!(due_ids, expect_due);
    assert_eq!(
        list.lapsed.iter().map(|r| r.person.id).collect::<Vec<_>>(),
        expect_lapsed
    );
    assert_eq!(list.lapsed[0].deadline, date(2026, 9, 30));
    assert_eq!(list.lapsed[0].paid_through, date(2026, 8, 31));
    assert_eq!(
        fx.store.today_list(me, TodayOptions::default()).unwrap(),
        list,
        "today comes from the store's clock in Asia/Ho_Chi_Minh"
    );
    // With the page cache handed back (the app does it after each Today), the same answer is
    // read again from the file.
    fx.store.release_memory().unwrap();
    assert_eq!(
        fx.store
            .today_list_on(me, today, TodayOptions::default())
            .unwrap(),
        list,
        "the same list after the cache is released"
    );
    // And with a cache of a few pages only (the app keeps 8 MiB): pages come and go from the
    // file in the middle of the query, the answer stays the same.
    assert_eq!(
        fx.store.page_cache_kib().unwrap(),
        32 * 1024,
        "the store's default"
    );
    fx.store.set_page_cache_kib(16).unwrap();
    assert_eq!(fx.store.page_cache_kib().unwrap(), 16);
    assert_eq!(
        fx.store
            .today_list_on(me, today, TodayOptions::default())
            .unwrap(),
        list,
        "the same list through a 16 KiB cache"
    );
    assert!(
        fx.store
            .today_list_on(other, today, TodayOptions::default())
            .unwrap()
            .renewals_due
            .is_empty()
    );
}

#[test]
/// Sign-ups count by their first month (drafts and refused ones never) and renewals by the day
/// they were paid, as the office's overview counts them, so a quota reads the same on the phone
/// and on the dashboard.
fn quota_progress_counts_sign_ups_and_renewals_in_the_period() {
    let fx = Fixture::new();
    let me = fx.user();
    let period = half_year(2026, 2);
    let q = quota(QuotaScope::Collector(me), period, 60, 100);
    fx.store.save_quota(&q).unwrap();
    let (h, _) = saved_family(&fx, "Mạc Văn Khoa", 50);
    // Joined in March, renewed in August: one renewal in H2, no sign-up in H2.
    let old = person(&h, "Mạc Thị Lụa", 51);
    fx.store.save_person(&old).unwrap();
    let e_old = Enrollment {
        first_month: date(2026, 3, 1),
        ..enrollment(&old, me, PaymentMode::Quarterly)
    };
    fx.store.save_enrollment(&e_old).unwrap();
    let march = now() - TimeDelta::days(250);
    let august = now() - TimeDelta::days(100);
    fx.store
        .save_payment(&payment(
            &e_old,
            me,
            (date(2026, 3, 1), date(2026, 5, 1)),
            594_000,
            "Q1",
            PaymentMethod::Cash,
            march,
        ))
        .unwrap();
    fx.store
        .save_payment(&payment(
            &e_old,
            me,
            (date(2026, 6, 1), date(2026, 8, 1)),
            594_000,
            "Q2",
            PaymentMethod::Cash,
            august,
        ))
        .unwrap();
    // Joined this month: one sign-up.
    let new = person(&h, "Mạc Văn Minh", 52);
    fx.store.save_person(&new).unwrap();
    let e_new = Enrollment {
        first_month: date(2026, 11, 1),
        ..enrollment(&new, me, PaymentMode::Monthly)
    };
    fx.store.save_enrollment(&e_new).unwrap();
    fx.store
        .save_payment(&payment(
            &e_new,
            me,
            (date(2026, 11, 1), date(2026, 11, 1)),
            198_000,
            "Q3",
            PaymentMethod::Cash,
            now(),
        ))
        .unwrap();
    // A sign-up of this month not paid yet counts already, as at the office.
    let unpaid_person = person(&h, "Mạc Thị Oanh", 54);
    fx.store.save_person(&unpaid_person).unwrap();
    let unpaid = Enrollment {
        status: EnrollmentStatus::Submitted,
        first_month: date(2026, 11, 1),
        ..enrollment(&unpaid_person, me, PaymentMode::Monthly)
    };
    fx.store.save_enrollment(&unpaid).unwrap();
    // A draft does not count (nor a refused sign-up), as at the office.
    let draft_person = person(&h, "Mạc Văn Nghĩa", 53);
    fx.store.save_person(&draft_person).unwrap();
    let draft = Enrollment {
        status: EnrollmentStatus::Draft,
        first_month: date(2026, 11, 1),
        ..enrollment(&draft_person, me, PaymentMode::Monthly)
    };
    fx.store.save_enrollment(&draft).unwrap();
    fx.store
        .save_payment(&payment(
            &draft,
            me,
            (date(2026, 11, 1), date(2026, 11, 1)),
            198_000,
            "Q4",
            PaymentMethod::Cash,
            now(),
        ))
        .unwrap();

    let progress = fx
        .store
        .quota_progress(&QuotaScope::Collector(me), period)
        .unwrap();
    assert_eq!(progress.quota, Some(q));
    assert_eq!(
        (progress.signups, progress.renewals),
        (2, 1),
        "November's paid and unpaid sign-ups; August's renewal"
    );
    let h1 = fx
        .store
        .quota_progress(&QuotaScope::Collector(me), half_year(2026, 1))
        .unwrap();
    assert_eq!(
        (h1.signups, h1.renewals, h1.quota),
        (1, 0, None),
        "the March sign-up counts in H1"
    );
    let commune = fx
        .store
        .quota_progress(
            &QuotaScope::Commune(COMMUNE.into()),
            QuotaPeriod::Year { year: 2026 },
        )
        .unwrap();
    assert_eq!((commune.signups, commune.renewals), (3, 1));
}
