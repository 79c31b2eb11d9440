//! Typed facts of a synced record, for the dashboard. Records are stored as merged JSON (the
//! source of truth); aggregating JSON over two million visits is too slow for a page, so each
//! backend keeps one small typed row per record (`record_facts`) in the same transaction that
//! applies its op, computed here once for both backends.
//!
//! The columns are generic on purpose (one table, a handful of indexes, one upsert per op):
//! which field of which kind lands in which column is decided only here: a table per kind for
//! the fields read as they are, and [`RecordFacts::of`] for the few that need more.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};
use sotay_domain::EntityKind;
use uuid::Uuid;

/// One record's facts (see the module doc for the meaning of each column per kind).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordFacts {
    /// Who did it: the collector of a sign-up, payment or remittance, the visitor of a visit,
    /// the assignee of a follow-up, the collector of a collector quota.
    pub actor_id: Option<Uuid>,
    /// What it belongs to: a payment's sign-up, a sign-up's person, a person's household, a
    /// village quota's village.
    pub ref_id: Option<Uuid>,
    /// Its state: a sign-up's status, a person's stage, a visit's outcome, a payment's method,
    /// a quota's period key (`2026` or `2026-H1`).
    pub status: Option<String>,
    /// Its day: a visit's day, a payment's collection day, a remittance's day, a sign-up's first
    /// month, an event's day, a person's birth date (days are Asia/Ho_Chi_Minh).
    pub day: Option<NaiveDate>,
    /// A payment's last covered month; for a sign-up, the last month its payments cover (kept
    /// by the backends when a payment or the sign-up is applied).
    pub day2: Option<NaiveDate>,
    /// Money or a count: a payment's amount, a remittance's total, an event's attendance, a
    /// sign-up's monthly income, a quota's sign-up target.
    pub amount: Option<i64>,
    /// A quota's renewal target; for a payment, 1 when it renews its sign-up (see
    /// [`RecordFacts::set_renewal`]).
    pub amount2: Option<i64>,
    /// An identifier people type: a person's ID number, a payment's receipt number, a quota's
    /// scope kind.
    pub ident: Option<String>,
    /// A name to show: a person's or household head's name, a village's name.
    pub label: Option<String>,
    /// The name folded for matching (no case, no diacritics).
    pub name_key: Option<String>,
    /// The payments a remittance settles.
    pub links: Vec<Uuid>,
    /// A payment's first covered month (not stored: it decides the renewal flag).
    pub months_from: Option<NaiveDate>,
}

/// Where one record counts in `fact_rollup`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RollupKey {
    /// Kind (`EntityKind::as_str`).
    pub entity: &'static str,
    /// The commune's code.
    pub commune_code: String,
    /// Village, or the nil uuid.
    pub village_id: Uuid,
    /// Who, or the nil uuid.
    pub actor_id: Uuid,
    /// Status, or empty.
    pub status: String,
    /// First day of the record's month, or 1970-01-01 for kinds counted without a day.
    pub month: NaiveDate,
    /// 1 for a payment that continues its sign-up.
    pub flag: i64,
}

/// The month of kinds that are counted per period; the others count once whatever their day.
fn counted_by_month(entity: EntityKind) -> bool {
    matches!(
        entity,
        EntityKind::Visit
            | EntityKind::OutreachEvent
            | EntityKind::Enrollment
            | EntityKind::Payment
            | EntityKind::Remittance
            | EntityKind::FollowUp
    )
}

/// The day that stands for "no month" in `fact_rollup`.
pub fn no_month() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// A field's text, when it is a string.
fn string<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    string(fields, name)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
}

fn uuid(fields: &Map<String, Value>, name: &str) -> Option<Uuid> {
    string(fields, name).and_then(|s| Uuid::parse_str(s).ok())
}

fn date(fields: &Map<String, Value>, name: &str) -> Option<NaiveDate> {
    string(fields, name).and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// The Vietnamese calendar day of a stored instant.
fn vn_day(fields: &Map<String, Value>, name: &str) -> Option<NaiveDate> {
    string(fields, name)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| {
            t.with_timezone(&Utc)
                .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                .date_naive()
        })
}

fn int(fields: &Map<String, Value>, name: &str) -> Option<i64> {
    fields.get(name).and_then(Value::as_i64)
}

/// The key of a quota period: `2026` for a year, `2026-H1`/`2026-H2` for a half.
pub fn period_key(period: &Value) -> Option<String> {
    let year = period.get("year")?.as_i64()?;
    match period.get("kind")?.as_str()? {
        "year" => Some(year.to_string()),
        "half_year" => Some(format!("{year}-H{}", period.get("half")?.as_i64()?)),
        _ => None,
    }
}

impl RecordFacts {
    /// Where this record counts in the rollup, and what it adds to the amount column (money of
    /// a payment, attendance of an event).
    pub fn rollup(
        &self,
        entity: EntityKind,
        commune_code: &str,
        village_id: Option<Uuid>,
    ) -> (RollupKey, i64) {
        use chrono::Datelike;
        let month = match self.day {
            Some(day) if counted_by_month(entity) => {
                NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day)
            }
            _ => no_month(),
        };
        let amount = match entity {
            EntityKind::Payment | EntityKind::OutreachEvent | EntityKind::Remittance => {
                self.amount.unwrap_or(0)
            }
            _ => 0,
        };
        (
            RollupKey {
                entity: entity.as_str(),
                commune_code: commune_code.to_owned(),
                village_id: village_id.unwrap_or(Uuid::nil()),
                actor_id: self.actor_id.unwrap_or(Uuid::nil()),
                status: self.status.clone().unwrap_or_default(),
                month,
                flag: if entity == EntityKind::Payment {
                    self.amount2.unwrap_or(0)
                } else {
                    0
                },
            },
            amount,
        )
    }

    /// Marks a payment as a renewal (kept in `amount2`) when its first month is after its
    /// sign-up's first month (`first_month`, when the office has the sign-up).
    pub fn set_renewal(&mut self, first_month: Option<NaiveDate>) {
        self.amount2 = Some(i64::from(matches!(
            (self.months_from, first_month),
            (Some(from), Some(first)) if from > first
        )));
    }

    /// The facts of a record of kind `entity` with merged fields `fields`: first the columns a
    /// field fills as it is (the kind's table), then the few that need more (a follow-up's
    /// done flag, a remittance's payments, a quota's period and scope).
    pub fn of(entity: EntityKind, fields: &Map<String, Value>) -> RecordFacts {
        let mut f = RecordFacts::default();
        for &(column, name) in plain_columns(entity) {
            f.set(column, fields, name);
        }
        match entity {
            EntityKind::FollowUp => {
                f.status = fields
                    .get("done")
                    .and_then(Value::as_bool)
                    .map(|d| if d { "done" } else { "open" }.to_owned());
            }
            EntityKind::Remittance => {
                f.links = fields
                    .get("payment_ids")
                    .and_then(Value::as_array)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(Value::as_str)
                            .filter_map(|s| Uuid::parse_str(s).ok())
                            .collect()
                    })
                    .unwrap_or_default();
            }
            EntityKind::Quota => {
                f.status = fields.get("period").and_then(period_key);
                if let Some(scope) = fields.get("scope").and_then(Value::as_object) {
                    f.ident = string(scope, "kind").map(str::to_owned);
                    match f.ident.as_deref() {
                        Some("collector") => f.actor_id = uuid(scope, "id"),
                        Some("village") => f.ref_id = uuid(scope, "id"),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        f.name_key = f.label.as_deref().map(sotay_domain::fold::fold);
        f
    }

    /// Reads field `name` into `column`.
    fn set(&mut self, column: Column, fields: &Map<String, Value>, name: &str) {
        match column {
            Column::Actor => self.actor_id = uuid(fields, name),
            Column::Ref => self.ref_id = uuid(fields, name),
            Column::Status => self.status = text(fields, name),
            Column::Day => self.day = date(fields, name),
            Column::DayOfInstant => self.day = vn_day(fields, name),
            Column::Day2 => self.day2 = date(fields, name),
            Column::MonthsFrom => self.months_from = date(fields, name),
            Column::Amount => self.amount = int(fields, name),
            Column::Amount2 => self.amount2 = int(fields, name),
            Column::Ident => self.ident = text(fields, name),
            Column::Label => self.label = text(fields, name),
        }
    }
}

/// A column of [`RecordFacts`] that one field fills as it is (uuid, text, date or number).
#[derive(Clone, Copy, Debug)]
enum Column {
    Actor,
    Ref,
    Status,
    /// A `YYYY-MM-DD` day.
    Day,
    /// The Vietnamese day of an RFC 3339 instant.
    DayOfInstant,
    Day2,
    MonthsFrom,
    Amount,
    Amount2,
    Ident,
    Label,
}

/// Which field of each kind fills which column (the kinds' other columns are in
/// [`RecordFacts::of`]).
fn plain_columns(entity: EntityKind) -> &'static [(Column, &'static str)] {
    use Column::*;
    match entity {
        EntityKind::Village => &[(Label, "name"), (Status, "kind")],
        EntityKind::Household => &[(Label, "head_name"), (Status, "poverty_status")],
        EntityKind::Person => &[
            (Ref, "household_id"),
            (Status, "stage"),
            (Day, "date_of_birth"),
            (Ident, "personal_id"),
            (Label, "full_name"),
        ],
        EntityKind::Visit => &[
            (Actor, "visited_by"),
            (Ref, "household_id"),
            (Status, "outcome"),
            (DayOfInstant, "visited_at"),
        ],
        EntityKind::FollowUp => &[
            (Actor, "assigned_to"),
            (Ref, "household_id"),
            (Day, "due_date"),
        ],
        EntityKind::OutreachEvent => &[
            (Status, "kind"),
            (Day, "date"),
            (Amount, "attendees"),
            (Label, "organiser"),
        ],
        EntityKind::Enrollment => &[
            (Actor, "collector_id"),
            (Ref, "person_id"),
            (Status, "status"),
            (Day, "first_month"),
            (Amount, "monthly_income"),
        ],
        EntityKind::Payment => &[
            (Actor, "collector_id"),
            (Ref, "enrollment_id"),
            (Status, "method"),
            (DayOfInstant, "collected_at"),
            (Day2, "months_to"),
            (MonthsFrom, "months_from"),
            (Amount, "amount"),
            (Ident, "receipt_number"),
        ],
        EntityKind::Remittance => &[
            (Actor, "collector_id"),
            (DayOfInstant, "remitted_at"),
            (Amount, "total"),
        ],
        EntityKind::Quota => &[(Amount, "target_signups"), (Amount2, "target_renewals")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn a_payment_collected_late_in_the_evening_counts_on_the_vietnamese_day() {
        let facts = RecordFacts::of(
            EntityKind::Payment,
            &map(json!({
                "collector_id": "0190a0f0-0000-7000-8000-000000000001",
                "enrollment_id": "0190a0f0-0000-7000-8000-000000000002",
                "collected_at": "2026-11-23T18:30:00Z",
                "months_to": "2027-01-01",
                "amount": 742500,
                "receipt_number": "BL-00012",
                "method": "cash"
            })),
        );
        assert_eq!(
            facts.day,
            NaiveDate::from_ymd_opt(2026, 11, 24),
            "18:30 UTC is 01:30 on the 24th in Hà Nội"
        );
        assert_eq!(facts.amount, Some(742_500));
        assert_eq!(facts.ident.as_deref(), Some("BL-00012"));
        assert_eq!(facts.status.as_deref(), Some("cash"));
    }

    #[test]
    fn quota_scope_and_period_land_in_their_columns() {
        let facts = RecordFacts::of(
            EntityKind::Quota,
            &map(json!({
                "period": {"kind": "half_year", "year": 2026, "half": 2},
                "scope": {"kind": "collector", "id": "0190a0f0-0000-7000-8000-000000000001"},
                "target_signups": 20, "target_renewals": 10
            })),
        );
        assert_eq!(facts.status.as_deref(), Some("2026-H2"));
        assert_eq!(facts.ident.as_deref(), Some("collector"));
        assert!(facts.actor_id.is_some());
        assert_eq!((facts.amount, facts.amount2), (Some(20), Some(10)));
    }

    #[test]
    fn person_names_fold_for_duplicate_matching() {
        let facts = RecordFacts::of(
            EntityKind::Person,
            &map(json!({"full_name": "Đặng Thị Ánh", "date_of_birth": "1980-02-29"})),
        );
        assert_eq!(facts.name_key.as_deref(), Some("dang thi anh"));
        assert_eq!(facts.day, NaiveDate::from_ymd_opt(1980, 2, 29));
    }
}
