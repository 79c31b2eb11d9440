//! The lists the app shows: a village's households with member counts, search, a household's
//! timeline, today's work (follow-ups, renewals due, lapses), cash on hand and quota progress.
//! Each is one or two indexed queries; the app never scans a table to draw a screen.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use rusqlite::{OptionalExtension, params};
use sotay_domain::collate::sort_key;
use sotay_domain::policy::month_end;
use sotay_domain::{
    Enrollment, FollowUp, Household, Payment, PaymentMode, Person, Quota, QuotaPeriod, QuotaScope,
    Remittance, Visit, Vnd,
};
use uuid::Uuid;

use crate::clock::local_midnight_ms;
use crate::error::Result;
use crate::records::{quota_period_key, quota_scope_key, uuid_from};
use crate::search::{self, SearchHit};
use crate::store::{
    Store, counted_row, decode, decode_counted, decode_row, record_row, select_records,
};

/// A household in a village list.
#[derive(Clone, Debug, PartialEq)]
pub struct HouseholdSummary {
    /// The household.
    pub household: Household,
    /// Its members (not deleted).
    pub member_count: u32,
}

/// Which of a village's households a list shows: all, or those a collector plans a round by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdFilter {
    /// Every household.
    #[default]
    All,
    /// On the poor or near-poor list (the most state support to explain).
    PoorOrNearPoor,
    /// Never visited.
    NotVisited,
    /// Someone in it said they are interested.
    Interested,
}

impl HouseholdFilter {
    /// The filter's condition on a household `h`, to follow a `WHERE`.
    fn clause(self) -> &'static str {
        match self {
            HouseholdFilter::All => "",
            HouseholdFilter::PoorOrNearPoor => {
                " AND json_extract(h.data, '$.poverty_status') IN ('poor', 'near_poor')"
            }
            HouseholdFilter::NotVisited => {
                " AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.deleted = 0)"
            }
            HouseholdFilter::Interested => {
                " AND EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id \
                   AND p.deleted = 0 AND p.stage = 'interested')"
            }
        }
    }
}

/// Where a page of a village's households ended: the last row's head's name and id. The next
/// page starts after it (keyset paging), so a household added or deleted meanwhile never
/// shifts a page or shows a row twice. A screen holds it as JSON and hands it back as it came.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HouseholdCursor {
    /// The last row's head's name.
    pub head_name: String,
    /// The last row's household id.
    pub id: Uuid,
}

/// A page of a village's households.
#[derive(Clone, Debug, PartialEq)]
pub struct VillageHouseholdsPage {
    /// The households, by head's name then id.
    pub rows: Vec<HouseholdSummary>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<HouseholdCursor>,
}

/// One entry of a household's timeline.
#[derive(Clone, Debug, PartialEq)]
pub enum TimelineEntry {
    /// A visit (lượt tiếp cận).
    Visit(Visit),
    /// A sign-up (tờ khai), dated by when it was first saved (the wall part of the clock of
    /// its first write, so a phone with a wrong clock dates it as it dated everything else).
    Enrollment {
        /// The sign-up.
        enrollment: Enrollment,
        /// When it was made.
        created_at: DateTime<Utc>,
    },
    /// A payment (khoản thu).
    Payment(Payment),
}

impl TimelineEntry {
    /// When it happened.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TimelineEntry::Visit(v) => v.visited_at,
            TimelineEntry::Payment(p) => p.collected_at,
            TimelineEntry::Enrollment { created_at, .. } => *created_at,
        }
    }
}

/// The creation time inside a uuid v7 (epoch for other versions).
fn uuid_time(id: Uuid) -> DateTime<Utc> {
    id.get_timestamp()
        .and_then(|t| {
            let (secs, nanos) = t.to_unix();
            DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
        })
        .unwrap_or_default()
}

/// A follow-up on today's list.
#[derive(Clone, Debug, PartialEq)]
pub struct DueFollowUp {
    /// The follow-up.
    pub follow_up: FollowUp,
    /// Its household (for the name and address on the list).
    pub household: Household,
    /// Due before today.
    pub overdue: bool,
}

/// A participant whose paid period ends soon, or who missed the deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct RenewalDue {
    /// The participant.
    pub person: Person,
    /// Their household.
    pub household: Household,
    /// The sign-up being renewed.
    pub enrollment: Enrollment,
    /// The last day already paid for.
    pub paid_through: NaiveDate,
    /// The last day to pay the next period before participation is suspended.
    pub deadline: NaiveDate,
}

/// How far ahead and back today's list looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TodayOptions {
    /// Renewals whose paid period ends within this many days are listed.
    pub renewal_window_days: u32,
    /// Lapses whose deadline passed within this many days are listed.
    pub lapsed_lookback_days: u32,
}

impl Default for TodayOptions {
    fn default() -> Self {
        TodayOptions {
            renewal_window_days: 30,
            lapsed_lookback_days: 62,
        }
    }
}

/// The "Hôm nay" screen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TodayList {
    /// Follow-ups due today or overdue, oldest first.
    pub follow_ups: Vec<DueFollowUp>,
    /// Participants to renew: paid period ends within the window, deadline not passed.
    pub renewals_due: Vec<RenewalDue>,
    /// Participants past the deadline without a newer payment.
    pub lapsed: Vec<RenewalDue>,
}

/// What came of a household a board member found interested, as his Hôm nay shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Nobody has been since.
    Waiting,
    /// Someone else (the collector) has visited since.
    Visited,
    /// Someone in it has signed up.
    SignedUp,
}

/// A household a user logged as interested, when, and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    /// The household.
    pub household: Household,
    /// The last visit in which the user found it interested.
    pub referred_at: DateTime<Utc>,
    /// What came of it.
    pub status: ReferralStatus,
}

/// Where a remittance stands, as the cash screen lists past handovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemittanceState {
    /// The office has it.
    Sent,
    /// Saved on the phone, waiting for the next sync.
    Waiting,
    /// The office refused it (its reason is on the sync screen).
    Refused,
}

/// Cash a collector holds: collected, not yet remitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CashOnHand {
    /// The sum.
    pub total: Vnd,
    /// The payments, oldest first.
    pub payments: Vec<Payment>,
}

/// Progress against a quota.
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaProgress {
    /// The quota set by the office, if the device has one for this scope and period.
    pub quota: Option<Quota>,
    /// New sign-ups (submitted, received or approved) whose first payment falls in the period.
    pub signups: u32,
    /// Renewal payments (every payment after a sign-up's first) in the period.
    pub renewals: u32,
}

/// The first and last-plus-one day of a quota period.
pub fn period_bounds(period: QuotaPeriod) -> (NaiveDate, NaiveDate) {
    let ymd = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
    match period {
        QuotaPeriod::HalfYear { year, half: 1 } => (ymd(year, 1), ymd(year, 7)),
        QuotaPeriod::HalfYear { year, .. } => (ymd(year, 7), ymd(year + 1, 1)),
        QuotaPeriod::Year { year } => (ymd(year, 1), ymd(year + 1, 1)),
    }
}

/// A record's creation clock in SQL: the clock of its `id` field, or the shared clock of a
/// record kept in compact form (`*`). Its node is the device that created the record.
pub(crate) const CREATION_CLOCK_SQL: &str =
    "coalesce(json_extract(field_clocks, '$.id'), json_extract(field_clocks, '$.\"*\"'))";

/// Today's list as SQL, shared with the benchmark's raw baseline.
pub const FOLLOW_UPS_DUE_SQL: &str = "SELECT f.data, h.data FROM follow_ups f \
     JOIN households h ON h.id = f.household_id \
     WHERE f.assigned_to = ?1 AND f.done = 0 AND f.deleted = 0 AND f.due_date <= ?2 \
     ORDER BY f.due_date, f.id";

/// The payments in a collector's hands: cash, not deleted, in no remittance.
const CASH_ON_HAND_WHERE: &str = "p.collector_id = ?1 AND p.deleted = 0 AND p.method = 'cash' \
     AND NOT EXISTS (SELECT 1 FROM remittance_payments rp WHERE rp.payment_id = p.id)";

/// The renewal candidates of a collector: each counted sign-up with the last month paid.
pub const RENEWAL_CANDIDATES_SQL: &str = "SELECT e.id, e.payment_mode, \
       (SELECT max(p.months_to) FROM payments p WHERE p.enrollment_id = e.id AND p.deleted = 0) \
     FROM enrollments e \
     WHERE e.collector_id = ?1 AND e.deleted = 0 AND e.status IN ('submitted', 'received', 'approved')";

/// A sign-up on the renewal list with its person and household (all live).
pub const RENEWAL_RECORDS_SQL: &str = "SELECT e.data, p.data, h.data FROM enrollments e \
     JOIN persons p ON p.id = e.person_id AND p.deleted = 0 \
     JOIN households h ON h.id = e.household_id AND h.deleted = 0 \
     WHERE e.id = ?1 AND e.deleted = 0";

/// A collector's sign-ups the office returned for correction, with their persons.
const RETURNED_SQL: &str = "SELECT e.data, p.data FROM enrollments e \
     JOIN persons p ON p.id = e.person_id AND p.deleted = 0 \
     WHERE e.collector_id = ?1 AND e.status = 'needs_correction' AND e.deleted = 0 \
     ORDER BY p.full_name, e.id";

impl Store {
    /// The sign-ups of `collector_id` the office returned for correction (`Cần bổ sung`), each
    /// with its person, by name: the collector's to put right and send again
    /// ([`Store::resubmit_enrollment`]).
    pub fn returned_enrollments(&self, collector_id: Uuid) -> Result<Vec<(Enrollment, Person)>> {
        let mut stmt = self.conn.prepare_cached(RETURNED_SQL)?;
        let mut rows = stmt.query([collector_id.as_bytes()])?;
        let mut returned = Vec::new();
        while let Some(row) = rows.next()? {
            returned.push((
                serde_json::from_str(&row.get::<_, String>(0)?)?,
                serde_json::from_str(&row.get::<_, String>(1)?)?,
            ));
        }
        Ok(returned)
    }

    /// The households of a village with their member counts, by head's name in Vietnamese
    /// alphabetical order (`sotay_domain::collate`).
    pub fn households_in_village(&self, village_id: Uuid) -> Result<Vec<HouseholdSummary>> {
        self.village_households_after(village_id, HouseholdFilter::All, None, None)
    }

    /// One page of a village's households with their member counts, by head's name in
    /// Vietnamese alphabetical order (then id): the first `limit` after `after` (from the start
    /// without it), and where the next page starts when there is one. A page is read through
    /// the `(village_id, name_key, id)` index, so the hundredth page costs what the first does.
    pub fn village_households_page(
        &self,
        village_id: Uuid,
        after: Option<&HouseholdCursor>,
        limit: usize,
    ) -> Result<VillageHouseholdsPage> {
        self.village_households_filtered(village_id, HouseholdFilter::All, after, limit)
    }

    /// [`Store::village_households_page`] of the households `filter` keeps.
    pub fn village_households_filtered(
        &self,
        village_id: Uuid,
        filter: HouseholdFilter,
        after: Option<&HouseholdCursor>,
        limit: usize,
    ) -> Result<VillageHouseholdsPage> {
        let mut rows = self.village_households_after(village_id, filter, after, Some(limit + 1))?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|s| HouseholdCursor {
                head_name: s.household.head_name.clone(),
                id: s.household.id,
            })
        } else {
            None
        };
        Ok(VillageHouseholdsPage { rows, next })
    }

    fn village_households_after(
        &self,
        village_id: Uuid,
        filter: HouseholdFilter,
        after: Option<&HouseholdCursor>,
        limit: Option<usize>,
    ) -> Result<Vec<HouseholdSummary>> {
        // (x'', x'') sorts before every row: the first page is the same statement. The cursor
        // carries the last row's name; its sort key is made again here (the same as stored).
        let (name_key, id): (Vec<u8>, &[u8]) = match after {
            Some(cursor) => (sort_key(&cursor.head_name), cursor.id.as_bytes()),
            None => (Vec::new(), &[]),
        };
        // A negative LIMIT is no limit in SQLite.
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT h.id, h.data, (SELECT count(*) FROM persons p \
               WHERE p.household_id = h.id AND p.deleted = 0) \
             FROM households h \
             WHERE h.village_id = ?1 AND h.deleted = 0 AND (h.name_key, h.id) > (?2, ?3){} \
             ORDER BY h.name_key, h.id LIMIT ?4",
            filter.clause()
        ))?;
        let rows = stmt.query_map(
            params![village_id.as_bytes(), name_key, id, limit],
            counted_row,
        )?;
        rows.map(|row| {
            let (household, member_count) = decode_counted(row?)?;
            Ok(HouseholdSummary {
                household,
                member_count,
            })
        })
        .collect()
    }

    /// The members of a household (not deleted).
    pub fn persons_in_household(&self, household_id: Uuid) -> Result<Vec<Person>> {
        select_records(
            &self.conn,
            "SELECT id, data FROM persons WHERE household_id = ?1 AND deleted = 0 ORDER BY id",
            [household_id.as_bytes()],
        )
    }

    /// Persons (with their household) and households matching what the user typed: every word
    /// a prefix of a word of the name, phone, personal ID (or the head's name and address),
    /// without diacritics. At most `limit` hits, persons first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        search::search(&self.conn, query, limit)
    }

    /// A household's visits, sign-ups and payments, newest first.
    pub fn household_timeline(&self, household_id: Uuid) -> Result<Vec<TimelineEntry>> {
        let mut entries = Vec::new();
        for (table, wrap) in [("visits", 0u8), ("enrollments", 1), ("payments", 2)] {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT id, data, {CREATION_CLOCK_SQL} FROM {table} \
                 WHERE household_id = ?1 AND deleted = 0"
            ))?;
            let mut rows = stmt.query([household_id.as_bytes()])?;
            while let Some(row) = rows.next()? {
                let id = uuid_from(&row.get::<_, Vec<u8>>(0)?)?;
                let data: String = row.get(1)?;
                entries.push(match wrap {
                    0 => TimelineEntry::Visit(decode(&data, id)?),
                    1 => TimelineEntry::Enrollment {
                        enrollment: decode(&data, id)?,
                        created_at: row
                            .get::<_, Option<String>>(2)?
                            .and_then(|hlc| hlc.parse::<sotay_domain::Hlc>().ok())
                            .and_then(|hlc| i64::try_from(hlc.wall_ms).ok())
                            .and_then(DateTime::from_timestamp_millis)
                            .unwrap_or_else(|| uuid_time(id)),
                    },
                    _ => TimelineEntry::Payment(decode(&data, id)?),
                });
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.at()));
        Ok(entries)
    }

    /// The household's next step: its open follow-up due first (anyone's), if any.
    pub fn next_follow_up(&self, household_id: Uuid) -> Result<Option<FollowUp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, data FROM follow_ups \
             WHERE household_id = ?1 AND done = 0 AND deleted = 0 \
             ORDER BY due_date, id LIMIT 1",
        )?;
        let row = stmt
            .query_row([household_id.as_bytes()], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?;
        row.map(|(id, data)| decode(&data, uuid_from(&id)?))
            .transpose()
    }

    /// Today's list for `user_id`, by the store's clock in Asia/Ho_Chi_Minh.
    pub fn today_list(&self, user_id: Uuid, options: TodayOptions) -> Result<TodayList> {
        self.today_list_on(user_id, self.today(), options)
    }

    /// Today's list for `user_id` as of `today`.
    pub fn today_list_on(
        &self,
        user_id: Uuid,
        today: NaiveDate,
        options: TodayOptions,
    ) -> Result<TodayList> {
        let mut list = TodayList::default();
        let today_text = today.format("%Y-%m-%d").to_string();
        {
            let mut stmt = self.conn.prepare_cached(FOLLOW_UPS_DUE_SQL)?;
            let mut rows = stmt.query(params![user_id.as_bytes(), today_text])?;
            while let Some(row) = rows.next()? {
                let follow_up: FollowUp = serde_json::from_str(&row.get::<_, String>(0)?)?;
                let household: Household = serde_json::from_str(&row.get::<_, String>(1)?)?;
                list.follow_ups.push(DueFollowUp {
                    overdue: follow_up.due_date < today,
                    follow_up,
                    household,
                });
            }
        }
        let window_end = today + TimeDelta::days(i64::from(options.renewal_window_days));
        let lapse_floor = today - TimeDelta::days(i64::from(options.lapsed_lookback_days));
        let policy = self.policy()?;
        let mut picked: Vec<(Uuid, NaiveDate, NaiveDate, bool)> = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(RENEWAL_CANDIDATES_SQL)?;
            let mut rows = stmt.query([user_id.as_bytes()])?;
            while let Some(row) = rows.next()? {
                let Some(paid_to) = row.get::<_, Option<String>>(2)? else {
                    continue;
                };
                let Ok(paid_to) = NaiveDate::parse_from_str(&paid_to, "%Y-%m-%d") else {
                    continue;
                };
                let paid_through = month_end(paid_to);
                if paid_through > window_end {
                    continue;
                }
                let mode_text: String = row.get(1)?;
                let mode = serde_json::from_str::<PaymentMode>(&mode_text)
                    .or_else(|_| serde_json::from_value(serde_json::json!({ "kind": mode_text })))
                    .unwrap_or(PaymentMode::Monthly);
                let deadline = policy.renewal_deadline(mode, paid_to);
                let lapsed = deadline < today;
                if lapsed && deadline < lapse_floor {
                    continue;
                }
                picked.push((
                    uuid_from(&row.get::<_, Vec<u8>>(0)?)?,
                    paid_through,
                    deadline,
                    lapsed,
                ));
            }
        }
        picked.sort_by_key(|(_, through, _, _)| *through);
        let mut fetch = self.conn.prepare_cached(RENEWAL_RECORDS_SQL)?;
        for (enrollment_id, paid_through, deadline, lapsed) in picked {
            let row: Option<(String, String, String)> = fetch
                .query_row([enrollment_id.as_bytes()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            // A sign-up whose person or household was deleted is not on the list.
            let Some((enrollment, person, household)) = row else {
                continue;
            };
            let enrollment: Enrollment = decode(&enrollment, enrollment_id)?;
            let person: Person = decode(&person, enrollment.person_id)?;
            let household: Household = decode(&household, enrollment.household_id)?;
            let due = RenewalDue {
                person,
                household,
                enrollment,
                paid_through,
                deadline,
            };
            if lapsed {
                list.lapsed.push(due);
            } else {
                list.renewals_due.push(due);
            }
        }
        Ok(list)
    }

    /// Cash `collector_id` collected and has not remitted yet.
    pub fn cash_on_hand(&self, collector_id: Uuid) -> Result<CashOnHand> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT p.id, p.data FROM payments p WHERE {CASH_ON_HAND_WHERE} ORDER BY p.collected_at"
        ))?;
        let rows = stmt.query_map([collector_id.as_bytes()], record_row)?;
        let mut cash = CashOnHand::default();
        for row in rows {
            let payment: Payment = decode_row(row?)?;
            cash.total = cash.total + payment.amount;
            cash.payments.push(payment);
        }
        Ok(cash)
    }

    /// The households `user` found interested since `since`, the latest first (at most
    /// `limit`), each with what came of it: someone in it signed up, someone else visited since,
    /// or nobody yet. A village board member hands interested people to the collector and
    /// wants to know (the stories' bác Tư).
    pub fn referrals_of(
        &self,
        user: Uuid,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Referral>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT h.id, h.data, max(v.visited_at) FROM visits v \
             JOIN households h ON h.id = v.household_id AND h.deleted = 0 \
             WHERE v.visited_by = ?1 AND v.deleted = 0 AND v.outcome = 'interested' \
               AND v.visited_at >= ?2 \
             GROUP BY h.id ORDER BY max(v.visited_at) DESC LIMIT ?3",
        )?;
        let rows: Vec<(crate::store::RecordRow, i64)> = stmt
            .query_map(
                params![
                    user.as_bytes(),
                    since.timestamp_millis(),
                    i64::try_from(limit).unwrap_or(i64::MAX)
                ],
                |r| Ok((record_row(r)?, r.get(2)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        // A sign-up from the referral's month on (a grandfather who joined years ago is not
        // what came of it); a refused one is not one.
        let mut signed_up = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM enrollments e WHERE e.household_id = ?1 \
               AND e.deleted = 0 AND e.status != 'rejected' AND e.first_month >= ?2)",
        )?;
        let mut visited = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM visits w WHERE w.household_id = ?1 AND w.deleted = 0 \
               AND w.visited_by != ?2 AND w.visited_at > ?3)",
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (row, at) in rows {
            let household: Household = decode_row(row)?;
            let id = household.id;
            let month =
                crate::clock::local_date(DateTime::from_timestamp_millis(at).unwrap_or_default())
                    .with_day(1)
                    .unwrap_or_default();
            let status = if signed_up.query_row(
                params![id.as_bytes(), month.format("%Y-%m-%d").to_string()],
                |r| r.get::<_, bool>(0),
            )? {
                ReferralStatus::SignedUp
            } else if visited.query_row(params![id.as_bytes(), user.as_bytes(), at], |r| {
                r.get::<_, bool>(0)
            })? {
                ReferralStatus::Visited
            } else {
                ReferralStatus::Waiting
            };
            out.push(Referral {
                household,
                referred_at: DateTime::from_timestamp_millis(at).unwrap_or_default(),
                status,
            });
        }
        Ok(out)
    }

    /// `collector_id`'s last `limit` remittances, newest first, each with where it stands: sent
    /// and taken by the office, waiting to be sent, or refused (the rejection's code).
    pub fn remittances_of(
        &self,
        collector_id: Uuid,
        limit: usize,
    ) -> Result<Vec<(Remittance, RemittanceState)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, r.data, \
               EXISTS (SELECT 1 FROM rejections j WHERE j.entity = 'remittance' AND j.entity_id = r.id), \
               EXISTS (SELECT 1 FROM outbox o WHERE o.entity = 'remittance' AND o.entity_id = r.id) \
             FROM remittances r WHERE r.collector_id = ?1 AND r.deleted = 0 \
             ORDER BY r.remitted_at DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![
                collector_id.as_bytes(),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            |r| Ok((record_row(r)?, r.get::<_, bool>(2)?, r.get::<_, bool>(3)?)),
        )?;
        rows.map(|row| {
            let (row, refused, pending) = row?;
            let state = if refused {
                RemittanceState::Refused
            } else if pending {
                RemittanceState::Waiting
            } else {
                RemittanceState::Sent
            };
            Ok((decode_row(row)?, state))
        })
        .collect()
    }

    /// The sum of [`Store::cash_on_hand`] without reading each payment (the Today screen shows
    /// only the sum).
    pub fn cash_on_hand_total(&self, collector_id: Uuid) -> Result<Vnd> {
        let total: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE {CASH_ON_HAND_WHERE}"
            ))?
            .query_row([collector_id.as_bytes()], |r| r.get(0))?;
        Ok(Vnd(total))
    }

    /// Sign-ups and renewals of `scope` in `period` (Asia/Ho_Chi_Minh calendar), with the quota
    /// the office set for them if the device holds it.
    pub fn quota_progress(&self, scope: &QuotaScope, period: QuotaPeriod) -> Result<QuotaProgress> {
        let (start, end) = period_bounds(period);
        let (start_ms, end_ms) = (local_midnight_ms(start), local_midnight_ms(end));
        let (column, key): (&str, rusqlite::types::Value) = match scope {
            QuotaScope::Collector(id) => (
                "collector_id",
                rusqlite::types::Value::Blob(id.as_bytes().to_vec()),
            ),
            QuotaScope::Village(id) => (
                "village_id",
                rusqlite::types::Value::Blob(id.as_bytes().to_vec()),
            ),
            QuotaScope::Commune(code) => {
                ("commune_code", rusqlite::types::Value::Text(code.clone()))
            }
        };
        // New sign-ups count by their first month, as the office's dashboard counts them (drafts
        // and refused ones never), so a quota reads the same on the phone and at the office.
        let signups: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM enrollments e WHERE e.{column} = ?1 AND e.deleted = 0 \
               AND e.status NOT IN ('draft', 'rejected') \
               AND e.first_month >= ?2 AND e.first_month < ?3"
            ))?
            .query_row(
                params![
                    key.clone(),
                    start.format("%Y-%m-%d").to_string(),
                    end.format("%Y-%m-%d").to_string()
                ],
                |r| r.get(0),
            )?;
        let renewals: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM payments p WHERE p.{column} = ?1 AND p.deleted = 0 \
               AND p.collected_at >= ?2 AND p.collected_at < ?3 \
               AND EXISTS (SELECT 1 FROM payments q WHERE q.enrollment_id = p.enrollment_id \
                           AND q.deleted = 0 AND q.collected_at < p.collected_at)"
            ))?
            .query_row(params![key, start_ms, end_ms], |r| r.get(0))?;
        let (scope_kind, scope_key) = quota_scope_key(scope);
        let (period_kind, year, half) = quota_period_key(period);
        let quota: Option<(Vec<u8>, String)> = self
            .conn
            .prepare_cached(
                "SELECT id, data FROM quotas WHERE scope_kind = ?1 AND scope_key = ?2 \
                 AND period_kind = ?3 AND year = ?4 AND half IS ?5 AND deleted = 0 \
                 ORDER BY version DESC LIMIT 1",
            )?
            .query_row(
                params![scope_kind, scope_key, period_kind, year, half],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(QuotaProgress {
            quota: quota
                .map(|(id, data)| decode::<Quota>(&data, uuid_from(&id)?))
                .transpose()?,
            signups: u32::try_from(signups).unwrap_or(u32::MAX),
            renewals: u32::try_from(renewals).unwrap_or(u32::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn quota_periods_cover_half_years_and_years() {
        assert_eq!(
            period_bounds(QuotaPeriod::HalfYear {
                year: 2026,
                half: 2
            }),
            (d(2026, 7, 1), d(2027, 1, 1))
        );
        assert_eq!(
            period_bounds(QuotaPeriod::Year { year: 2026 }),
            (d(2026, 1, 1), d(2027, 1, 1))
        );
    }
}
