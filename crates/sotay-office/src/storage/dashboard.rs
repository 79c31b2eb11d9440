//! The dashboard's storage: sign-in, sessions, the audit log, settings, and the queries behind
//! its pages (overview, evaluation, review queue, quotas, receipts, exports, import duplicates).
//! Written once over [`SqlRunner`] (see `sql.rs`), so both backends answer them with the same
//! SQL, tested by the contract suite on both.
//!
//! Every query that reads campaign data takes a [`Visible`]: the communes the signed-in person
//! may see. The web layer never filters rows itself.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use uuid::Uuid;

use super::sql::{Dialect, SqlRow, SqlRunner, SqlValue, Statement, cell, first_row};
use super::{ScopeProblem, parse_entity};
use crate::error::{OfficeError, Result};

/// The communes a dashboard user may see: an office admin sees all, a supervisor the communes
/// assigned to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visible {
    /// Every commune.
    All,
    /// Only these communes.
    Communes(Vec<String>),
}

impl Visible {
    /// Whether `commune` is visible.
    pub fn allows(&self, commune: &str) -> bool {
        match self {
            Visible::All => true,
            Visible::Communes(list) => list.iter().any(|c| c == commune),
        }
    }

    /// Narrowed to one commune (which must be visible: else nothing).
    pub fn only(&self, commune: &str) -> Visible {
        if self.allows(commune) {
            Visible::Communes(vec![commune.to_owned()])
        } else {
            Visible::Communes(Vec::new())
        }
    }

    fn params(&self) -> [SqlValue; 2] {
        match self {
            Visible::All => [SqlValue::Bool(true), SqlValue::TextList(Vec::new())],
            Visible::Communes(list) => [SqlValue::Bool(false), SqlValue::TextList(list.clone())],
        }
    }

    /// The parameters of a query whose `$1`, `$2` say what is visible, followed by `more`.
    fn params_and(&self, more: Vec<SqlValue>) -> Vec<SqlValue> {
        let mut params = Vec::from(self.params());
        params.extend(more);
        params
    }
}

/// A half-open range of days `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// The day after the last.
    pub to: NaiveDate,
}

impl Period {
    /// The quota key of the period: `2026` for a whole year, `2026-H1` for a half, else the
    /// year it starts in.
    pub fn quota_key(&self) -> String {
        use chrono::Datelike;
        let year = self.from.year();
        let jan = NaiveDate::from_ymd_opt(year, 1, 1);
        let jul = NaiveDate::from_ymd_opt(year, 7, 1);
        let next = NaiveDate::from_ymd_opt(year + 1, 1, 1);
        if Some(self.from) == jan && Some(self.to) == jul {
            format!("{year}-H1")
        } else if Some(self.from) == jul && Some(self.to) == next {
            format!("{year}-H2")
        } else {
            year.to_string()
        }
    }

    /// The month whose participants the period's coverage counts: its last month, or this
    /// month (of `today`) while the period runs. A participant is an approved sign-up that
    /// started by then and whose paid months reach it; one whose months ran out earlier has
    /// lapsed (the same rule as the lapses of a period) and is not covered any more.
    pub fn census_month(&self, today: NaiveDate) -> NaiveDate {
        let first = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        first(self.to.pred_opt().unwrap_or(self.to)).min(first(today))
    }

    /// The last paid months (`day2`) of the sign-ups that lapse in the period, as a half-open
    /// range: a sign-up lapses when the month after its last paid month starts in the period
    /// and not after this month (the month of `today`).
    fn lapse_window(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        use chrono::Datelike;
        let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
        (
            self.from - Months::new(1),
            (self.to - Months::new(1)).min(this_month),
        )
    }
}

/// The approved sign-ups that started by the census month `$3` (see [`Period::census_month`])
/// and whose paid months had run out before it: taken from all approved sign-ups up to that
/// month, what is left are the participants.
const LAPSED_BY_CENSUS: &str = "f.entity = 'enrollment' AND f.status = 'approved'
                     AND f.day2 < $3 AND f.day <= $3";

/// The approved sign-ups whose last paid month (`day2`) is in `[$3, $4)`: with
/// [`Period::lapse_window`], those that lapse in a period.
const LAPSING_SIGNUPS: &str = "f.entity = 'enrollment' AND f.status = 'approved'
                     AND f.day2 >= $3 AND f.day2 < $4";

/// A dashboard sign-in.
#[derive(Clone, Debug, PartialEq)]
pub struct LoginRecord {
    /// The user.
    pub user_id: Uuid,
    /// The name typed to sign in.
    pub login: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Failed attempts since the last success.
    pub failed_count: i64,
    /// Refused until then after too many failures.
    pub locked_until: Option<DateTime<Utc>>,
}

/// A dashboard session (the cookie holds the token; the database its SHA-256).
#[derive(Clone, Debug, PartialEq)]
pub struct WebSession {
    /// SHA-256 of the cookie's token.
    pub token_hash: String,
    /// The signed-in user.
    pub user_id: Uuid,
    /// The token every form must carry.
    pub csrf_token: String,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it ends whatever happens.
    pub expires_at: DateTime<Utc>,
    /// Its last request.
    pub last_seen_at: DateTime<Utc>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who (None for someone not signed in, such as a failed sign-in).
    pub user_id: Option<Uuid>,
    /// Their name, or the login typed.
    pub user_name: String,
    /// What (a stable word: `sign_in`, `decision`, `export`…).
    pub action: String,
    /// The commune concerned, if one is.
    pub commune_code: Option<String>,
    /// The details, in Vietnamese.
    pub detail: String,
}

/// One line of the overview: a commune (or a village of one) over a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverviewRow {
    /// The commune's code.
    pub commune_code: String,
    /// Village, when the overview is per village.
    pub village_id: Option<Uuid>,
    /// Commune or village name.
    pub name: String,
    /// Households known.
    pub households: i64,
    /// Prospects (people at the prospect, contacted or interested stage).
    pub prospects: i64,
    /// Visits in the period.
    pub visits: i64,
    /// Outreach events in the period.
    pub events: i64,
    /// Their attendance.
    pub attendance: i64,
    /// Sign-ups whose first month is in the period (drafts and rejections not counted).
    pub signups: i64,
    /// Payments in the period that continue an earlier paid period.
    pub renewals: i64,
    /// Approved sign-ups whose paid months ran out in the period with nothing paid since.
    pub lapses: i64,
    /// Money collected in the period (đồng).
    pub collected: i64,
    /// Participants: approved sign-ups whose paid months reach the period's census month
    /// ([`Period::census_month`]); those that lapsed are not covered any more.
    pub participants: i64,
    /// Working-age labour force (the coverage denominator), when entered.
    pub labour_force: Option<i64>,
    /// Coverage target in per mille, when entered.
    pub target_permille: Option<i64>,
    /// Sign-up quota for the period.
    pub quota_signups: i64,
}

impl OverviewRow {
    /// Coverage in basis points (participants over labour force, 1 = 0,01%), when a
    /// denominator is known.
    pub fn coverage_bp(&self) -> Option<i64> {
        self.labour_force
            .filter(|l| *l > 0)
            .map(|l| self.participants * 10_000 / l)
    }

    /// How many more participants reach the coverage target (0 once reached), when both the
    /// labour force and the target are entered: the target's share of the labour force, rounded
    /// up, less the participants.
    pub fn short_of_target(&self) -> Option<i64> {
        let (labour, target) = (self.labour_force?, self.target_permille?);
        let needed = (labour * target + 999) / 1000;
        Some((needed - self.participants).max(0))
    }
}

/// One collector's results over a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvaluationRow {
    /// The collector.
    pub collector_id: Uuid,
    /// Visits made.
    pub visits: i64,
    /// New sign-ups.
    pub signups: i64,
    /// Renewals collected.
    pub renewals: i64,
    /// Approved sign-ups they hold that are still paid up at the period's census month
    /// ([`Period::census_month`]).
    pub participants: i64,
    /// Approved sign-ups of theirs that lapsed in the period.
    pub lapses: i64,
    /// Their sign-up quota for the period.
    pub quota_signups: i64,
    /// Cash collected in the period.
    pub cash_collected: i64,
    /// Of that cash, remitted.
    pub cash_remitted: i64,
    /// Cash payments remitted (or still held) past the deadline.
    pub late_payments: i64,
    /// The most days past the deadline.
    pub max_days_late: i64,
}

impl EvaluationRow {
    /// Lapse rate in per mille: of the participants in the period (those still paid up and
    /// those who lapsed in it), the share who lapsed.
    pub fn lapse_permille(&self) -> i64 {
        let base = self.participants + self.lapses;
        if base <= 0 {
            0
        } else {
            self.lapses * 1000 / base
        }
    }

    /// Quota achievement in per cent, when there is a quota.
    pub fn quota_percent(&self) -> Option<i64> {
        (self.quota_signups > 0).then(|| self.signups * 100 / self.quota_signups)
    }

    /// Quota achievement in per mille, when there is a quota.
    pub fn quota_permille(&self) -> Option<i64> {
        (self.quota_signups > 0).then(|| self.signups * 1000 / self.quota_signups)
    }

    /// The rows added up (an organisation's, or everyone's): counts and money summed, the
    /// most days late the largest of them.
    pub fn total<'a>(rows: impl IntoIterator<Item = &'a EvaluationRow>) -> EvaluationRow {
        rows.into_iter()
            .fold(EvaluationRow::default(), |sum, r| EvaluationRow {
                collector_id: Uuid::nil(),
                visits: sum.visits + r.visits,
                signups: sum.signups + r.signups,
                renewals: sum.renewals + r.renewals,
                participants: sum.participants + r.participants,
                lapses: sum.lapses + r.lapses,
                quota_signups: sum.quota_signups + r.quota_signups,
                cash_collected: sum.cash_collected + r.cash_collected,
                cash_remitted: sum.cash_remitted + r.cash_remitted,
                late_payments: sum.late_payments + r.late_payments,
                max_days_late: sum.max_days_late.max(r.max_days_late),
            })
    }
}

/// A sign-up waiting for the office.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewItem {
    /// The sign-up.
    pub enrollment_id: Uuid,
    /// The commune of the sign-up.
    pub commune_code: String,
    /// Village name.
    pub village_name: Option<String>,
    /// Participant's name.
    pub person_name: Option<String>,
    /// Participant's ID number.
    pub personal_id: Option<String>,
    /// Participant's birth date.
    pub date_of_birth: Option<NaiveDate>,
    /// The collector.
    pub collector_id: Option<Uuid>,
    /// First month.
    pub first_month: Option<NaiveDate>,
    /// Monthly income chosen.
    pub monthly_income: i64,
    /// Review status.
    pub status: String,
}

/// A quota with what was achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct QuotaRow {
    /// The quota record.
    pub id: Uuid,
    /// The commune the quota is for.
    pub commune_code: String,
    /// `collector`, `village` or `commune`.
    pub scope_kind: String,
    /// The collector or village.
    pub scope_id: Option<Uuid>,
    /// Period key.
    pub period_key: String,
    /// Sign-up target.
    pub target_signups: i64,
    /// Renewal target.
    pub target_renewals: i64,
    /// Sign-ups achieved in the period.
    pub achieved_signups: i64,
    /// Renewals achieved in the period: payments that continue their sign-up.
    pub achieved_renewals: i64,
}

/// A record a collector holds (see [`DashboardStore::held_by`]).
#[derive(Clone, Debug, PartialEq)]
pub struct HeldRecord {
    /// A sign-up or a follow-up.
    pub entity: sotay_domain::EntityKind,
    /// Its id.
    pub id: Uuid,
    /// Its commune.
    pub commune_code: String,
    /// Its village.
    pub village_id: Option<Uuid>,
}

/// A village as the dashboard lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct VillageRow {
    /// The village's record id.
    pub id: Uuid,
    /// Its commune's code.
    pub commune_code: String,
    /// Its name.
    pub name: String,
}

/// A logged conflict with its commune.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictRow {
    /// Kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: Uuid,
    /// The field whose value lost.
    pub field: String,
    /// The value that lost (JSON).
    pub losing_value: String,
    /// When logged.
    pub logged_at: DateTime<Utc>,
    /// Commune of the record.
    pub commune_code: String,
}

/// A payment a receipt number names, with what the office knows of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptMatch {
    /// The payment.
    pub payment_id: Uuid,
    /// Receipt number.
    pub receipt_number: String,
    /// Amount collected, in đồng.
    pub amount: i64,
    /// Collection day.
    pub collected_on: Option<NaiveDate>,
    /// The receipt key of the device that recorded it.
    pub device_key: Option<String>,
    /// When it was remitted, if it was.
    pub remitted_on: Option<NaiveDate>,
}

/// A person already known, for the import's duplicate check.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonMatch {
    /// The person's record id.
    pub id: Uuid,
    /// ID number.
    pub personal_id: Option<String>,
    /// Folded name.
    pub name_key: Option<String>,
    /// Birth date.
    pub date_of_birth: Option<NaiveDate>,
    /// Their village, when known.
    pub village_id: Option<Uuid>,
}

/// One sign-up of an export, with the person's record fields.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportRow {
    /// The record (sign-up, visit or payment).
    pub id: Uuid,
    /// Its commune.
    pub commune_code: String,
    /// Its merged fields.
    pub fields: Map<String, Value>,
    /// The person (of a sign-up or payment) or household (of a visit) fields.
    pub subject: Map<String, Value>,
    /// Village name.
    pub village_name: Option<String>,
    /// When it was remitted (payments).
    pub remitted_on: Option<NaiveDate>,
}

/// Cash a collector holds: collected, not remitted yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CashHeld {
    /// The amount, in đồng.
    pub total: i64,
    /// The day the oldest of those payments was collected.
    pub oldest: Option<NaiveDate>,
}

/// What the export covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// Sign-ups with their participants.
    Enrollments,
    /// Visits (lượt tiếp cận) with their household.
    Visits,
    /// Payments with their remittance.
    Payments,
}

/// Which records of a kind an export holds, besides the communes visible: as the page it was
/// downloaded from showed them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExportFilter {
    /// Only these statuses (a sign-up's; empty: all).
    pub statuses: Vec<String>,
    /// Only this user's (the sign-up's or payment's collector, the visit's visitor).
    pub actor: Option<Uuid>,
    /// Only this period, by the day that counts the record on the dashboard (a sign-up's first
    /// month, a visit's or payment's day).
    pub period: Option<Period>,
}

/// Remittance deadline setting key (days after collection).
pub const REMIT_DEADLINE_KEY: &str = "remit_deadline_days";
/// Default remittance deadline when the office set none (days).
pub const DEFAULT_REMIT_DEADLINE_DAYS: i64 = 5;

fn visible_clause(d: Dialect, column: &str, first: usize) -> String {
    format!("(${first} OR {})", d.in_list(column, first + 1))
}

/// Grouped counts `(group, value)` into a map.
/// Two numbers per group key, as [`grouped`] reads them.
type Grouped = HashMap<String, (i64, i64)>;

fn grouped(rows: Vec<SqlRow>) -> Result<Grouped> {
    let mut out = HashMap::new();
    for row in rows {
        let key = cell(&row, 0)?.text()?;
        let a = cell(&row, 1)?.int()?;
        let b = match row.get(2) {
            Some(c) => c.int()?,
            None => 0,
        };
        out.insert(key, (a, b));
    }
    Ok(out)
}

/// The dashboard's storage: implemented once for every [`SqlRunner`].
pub trait DashboardStore: Send + Sync + 'static {
    /// Every stored record and area whose village is not one of its commune's (the office does
    /// not have it, or has it in another commune): records first, in the order they came.
    fn scope_problems(&self) -> impl Future<Output = Result<Vec<ScopeProblem>>> + Send;
    /// Sets (or replaces) a user's dashboard sign-in; errors when the login is taken by another.
    fn set_login(
        &self,
        user_id: Uuid,
        login: &str,
        password_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// How many dashboard sign-ins exist (none: the first-run set-up is open).
    fn count_logins(&self) -> impl Future<Output = Result<i64>> + Send;
    /// The sign-in for a login name (case-insensitive).
    fn login(&self, login: &str) -> impl Future<Output = Result<Option<LoginRecord>>> + Send;
    /// Notes a failed sign-in; locks the login until `now + lock_for` once `max` failures are
    /// reached. Returns whether it is now locked.
    fn login_failed(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        max: i64,
        lock_for: chrono::Duration,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Clears the failures after a successful sign-in.
    fn login_succeeded(&self, user_id: Uuid) -> impl Future<Output = Result<()>> + Send;
    /// Stores a new session.
    fn insert_session(&self, session: &WebSession) -> impl Future<Output = Result<()>> + Send;
    /// The live session with this token hash, noting the request (`idle`: longest pause).
    fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> impl Future<Output = Result<Option<WebSession>>> + Send;
    /// Ends a session.
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;
    /// Appends to the audit log.
    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<()>> + Send;
    /// The audit log, newest first: entries about visible communes (and, for all, every entry).
    fn audit_log(
        &self,
        visible: &Visible,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// The conflict log of visible records, newest first.
    fn conflict_log(
        &self,
        visible: &Visible,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ConflictRow>>> + Send;
    /// Conflicts each device's writes lost since `since` to another device's (not to the
    /// office's own decisions and clean forms, which win by design), by device id.
    fn conflicts_by_device(
        &self,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<HashMap<Uuid, i64>>> + Send;
    /// A setting.
    fn setting(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Sets a setting.
    fn set_setting(&self, key: &str, value: &str) -> impl Future<Output = Result<()>> + Send;
    /// Sets (or, with an empty text, clears) the collection organisation a user works for;
    /// whether the user exists.
    fn set_user_organisation(
        &self,
        user_id: Uuid,
        organisation: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Sets a commune's labour force and coverage target.
    fn set_commune_target(
        &self,
        commune_code: &str,
        labour_force: i64,
        target_permille: i64,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Communes the office works in (assigned, with villages, or with a target), visible ones,
    /// with their names, by code.
    fn known_communes(
        &self,
        visible: &Visible,
    ) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    /// The name of a commune of the official list.
    fn commune_name(&self, code: &str) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Villages of visible communes, by commune and name.
    fn villages(&self, visible: &Visible) -> impl Future<Output = Result<Vec<VillageRow>>> + Send;
    /// What a collector holds in the visible communes: their sign-ups (but refused ones) and
    /// their open follow-ups, each as (kind, id, commune, village).
    fn held_by(
        &self,
        visible: &Visible,
        collector: Uuid,
    ) -> impl Future<Output = Result<Vec<HeldRecord>>> + Send;
    /// The collectors (who may sign people up and collect) whose area covers a village of
    /// `commune` (`village`, or the commune as a whole when none): those given the whole
    /// commune and those given that village.
    fn collectors_of_village(
        &self,
        commune: &str,
        village: Option<Uuid>,
    ) -> impl Future<Output = Result<Vec<Uuid>>> + Send;
    /// The overview per commune, or per village of one commune (`by_village`).
    fn overview(
        &self,
        visible: &Visible,
        period: Period,
        today: NaiveDate,
        by_village: bool,
    ) -> impl Future<Output = Result<Vec<OverviewRow>>> + Send;
    /// Sign-ups per first month in `[from, to)`.
    fn signups_per_month(
        &self,
        visible: &Visible,
        period: Period,
    ) -> impl Future<Output = Result<Vec<(NaiveDate, i64)>>> + Send;
    /// Each collector's results over a period, cash lateness against `deadline_days`.
    fn evaluation(
        &self,
        visible: &Visible,
        period: Period,
        today: NaiveDate,
        deadline_days: i64,
    ) -> impl Future<Output = Result<Vec<EvaluationRow>>> + Send;
    /// Sign-ups with one of `statuses` (and of one collector, when given), oldest first month
    /// first, and how many in all.
    fn review_queue(
        &self,
        visible: &Visible,
        statuses: &[&str],
        collector: Option<Uuid>,
        offset: i64,
        limit: i64,
    ) -> impl Future<Output = Result<(Vec<ReviewItem>, i64)>> + Send;
    /// Quotas of a period with their achievement.
    fn quotas(
        &self,
        visible: &Visible,
        period: Period,
    ) -> impl Future<Output = Result<Vec<QuotaRow>>> + Send;
    /// Payments with this receipt number.
    fn receipt_matches(
        &self,
        receipt_number: &str,
    ) -> impl Future<Output = Result<Vec<ReceiptMatch>>> + Send;
    /// Stores a device's receipt key.
    fn set_receipt_key(
        &self,
        device_id: Uuid,
        key: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Persons with one of these ID numbers or folded names.
    fn persons_matching(
        &self,
        personal_ids: Vec<String>,
        name_keys: Vec<String>,
    ) -> impl Future<Output = Result<Vec<PersonMatch>>> + Send;
    /// One page of an export, in id order after `after`.
    fn export_page(
        &self,
        kind: ExportKind,
        visible: &Visible,
        filter: &ExportFilter,
        after: Option<Uuid>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ExportRow>>> + Send;
    /// The cash each collector collected since `since` and has not remitted yet, as of now
    /// (whatever period a page shows), with the day of the oldest such payment.
    fn cash_held(
        &self,
        visible: &Visible,
        since: NaiveDate,
    ) -> impl Future<Output = Result<HashMap<Uuid, CashHeld>>> + Send;
    /// The commune of a stored record, if any (to check a supervisor's right to an id).
    fn record_commune(
        &self,
        entity_id: Uuid,
    ) -> impl Future<Output = Result<Option<String>>> + Send;
}

impl<T: SqlRunner> DashboardStore for T {
    async fn scope_problems(&self) -> Result<Vec<ScopeProblem>> {
        let mut problems = Vec::new();
        let records = self
            .query(
                "SELECT r.entity, r.entity_id, r.commune_code, r.village_id, v.commune_code
                 FROM records r
                 LEFT JOIN records v ON v.entity_id = r.village_id AND v.entity = 'village'
                 WHERE r.entity <> 'village' AND r.village_id IS NOT NULL
                   AND (v.entity_id IS NULL OR v.commune_code <> r.commune_code)
                 ORDER BY r.seq"
                    .into(),
                Vec::new(),
            )
            .await?;
        for row in &records {
            problems.push(ScopeProblem::Record {
                entity: parse_entity(&cell(row, 0)?.text()?)?,
                entity_id: cell(row, 1)?.uuid()?,
                commune_code: cell(row, 2)?.text()?,
                village_id: cell(row, 3)?.uuid()?,
                village_commune: cell(row, 4)?.opt_text()?,
            });
        }
        let areas = self
            .query(
                format!(
                    "SELECT a.user_id, a.commune_code, a.village_id, v.commune_code
                     FROM areas a
                     LEFT JOIN records v ON {} = a.village_id AND v.entity = 'village'
                     WHERE a.village_id <> ''
                       AND (v.entity_id IS NULL OR v.commune_code <> a.commune_code)
                     ORDER BY a.user_id, a.commune_code, a.village_id",
                    self.dialect().uuid_text("v.entity_id"),
                ),
                Vec::new(),
            )
            .await?;
        for row in &areas {
            problems.push(ScopeProblem::Area {
                user_id: cell(row, 0)?.uuid()?,
                commune_code: cell(row, 1)?.text()?,
                village_id: cell(row, 2)?.uuid()?,
                village_commune: cell(row, 3)?.opt_text()?,
            });
        }
        Ok(problems)
    }

    async fn set_login(&self, user_id: Uuid, login: &str, password_hash: &str) -> Result<()> {
        let taken = self
            .query(
                "SELECT user_id FROM office_logins WHERE login = $1".into(),
                vec![login.to_lowercase().into()],
            )
            .await?;
        if let Some(row) = first_row(taken)
            && cell(&row, 0)?.uuid()? != user_id
        {
            return Err(OfficeError::Invalid(format!(
                "Tên đăng nhập {login} đã có người dùng."
            )));
        }
        self.transaction(vec![(
            "INSERT INTO office_logins (user_id, login, password_hash, failed_count, locked_until)
             VALUES ($1, $2, $3, 0, NULL)
             ON CONFLICT (user_id) DO UPDATE SET login = excluded.login,
               password_hash = excluded.password_hash, failed_count = 0, locked_until = NULL"
                .into(),
            vec![
                user_id.into(),
                login.to_lowercase().into(),
                password_hash.into(),
            ],
        )])
        .await?;
        Ok(())
    }

    async fn count_logins(&self) -> Result<i64> {
        let rows = self
            .query("SELECT COUNT(*) FROM office_logins".into(), vec![])
            .await?;
        first_row(rows)
            .map(|r| cell(&r, 0).and_then(|c| c.int()))
            .transpose()
            .map(|n| n.unwrap_or(0))
    }

    async fn login(&self, login: &str) -> Result<Option<LoginRecord>> {
        let rows = self
            .query(
                "SELECT user_id, login, password_hash, failed_count, locked_until
                 FROM office_logins WHERE login = $1"
                    .into(),
                vec![login.trim().to_lowercase().into()],
            )
            .await?;
        first_row(rows)
            .map(|r| {
                Ok(LoginRecord {
                    user_id: cell(&r, 0)?.uuid()?,
                    login: cell(&r, 1)?.text()?,
                    password_hash: cell(&r, 2)?.text()?,
                    failed_count: cell(&r, 3)?.int()?,
                    locked_until: cell(&r, 4)?.opt_ts()?,
                })
            })
            .transpose()
    }

    async fn login_failed(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
        max: i64,
        lock_for: chrono::Duration,
    ) -> Result<bool> {
        // One statement: concurrent failures on several instances count exactly.
        let rows = self
            .transaction(vec![(
                "UPDATE office_logins SET failed_count = failed_count + 1,
                   locked_until = CASE WHEN failed_count + 1 >= $2 THEN $3 ELSE locked_until END
                 WHERE user_id = $1 RETURNING failed_count"
                    .into(),
                vec![user_id.into(), max.into(), (now + lock_for).into()],
            )])
            .await?;
        let count = rows
            .into_iter()
            .next()
            .and_then(first_row)
            .map(|r| cell(&r, 0).and_then(|c| c.int()))
            .transpose()?
            .unwrap_or(0);
        Ok(count >= max)
    }

    async fn login_succeeded(&self, user_id: Uuid) -> Result<()> {
        self.transaction(vec![(
            "UPDATE office_logins SET failed_count = 0, locked_until = NULL WHERE user_id = $1"
                .into(),
            vec![user_id.into()],
        )])
        .await?;
        Ok(())
    }

    async fn insert_session(&self, s: &WebSession) -> Result<()> {
        self.transaction(vec![(
            "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6)"
                .into(),
            vec![
                s.token_hash.clone().into(),
                s.user_id.into(),
                s.csrf_token.clone().into(),
                s.created_at.into(),
                s.expires_at.into(),
                s.last_seen_at.into(),
            ],
        )])
        .await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<WebSession>> {
        let rows = self
            .transaction(vec![(
                "UPDATE web_sessions SET last_seen_at = $2
                 WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3
                 RETURNING token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at"
                    .into(),
                vec![token_hash.into(), now.into(), (now - idle).into()],
            )])
            .await?;
        rows.into_iter()
            .next()
            .and_then(first_row)
            .map(|r| {
                Ok(WebSession {
                    token_hash: cell(&r, 0)?.text()?,
                    user_id: cell(&r, 1)?.uuid()?,
                    csrf_token: cell(&r, 2)?.text()?,
                    created_at: cell(&r, 3)?.ts()?,
                    expires_at: cell(&r, 4)?.ts()?,
                    last_seen_at: cell(&r, 5)?.ts()?,
                })
            })
            .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.transaction(vec![(
            "DELETE FROM web_sessions WHERE token_hash = $1".into(),
            vec![token_hash.into()],
        )])
        .await?;
        Ok(())
    }

    async fn audit(&self, e: &AuditEntry) -> Result<()> {
        self.transaction(vec![(
            "INSERT INTO audit_log (at, user_id, user_name, action, commune_code, detail)
             VALUES ($1, $2, $3, $4, $5, $6)"
                .into(),
            vec![
                e.at.into(),
                e.user_id.into(),
                e.user_name.clone().into(),
                e.action.clone().into(),
                e.commune_code.clone().into(),
                e.detail.clone().into(),
            ],
        )])
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        visible: &Visible,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let d = self.dialect();
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT at, user_id, user_name, action, commune_code, detail FROM audit_log
                     WHERE {} ORDER BY id DESC LIMIT $3 OFFSET $4",
                    visible_clause(d, "commune_code", 1)
                ),
                vec![all, list, limit.into(), offset.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: cell(r, 0)?.ts()?,
                    user_id: cell(r, 1)?.opt_uuid()?,
                    user_name: cell(r, 2)?.text()?,
                    action: cell(r, 3)?.text()?,
                    commune_code: cell(r, 4)?.opt_text()?,
                    detail: cell(r, 5)?.text()?,
                })
            })
            .collect()
    }

    async fn conflict_log(
        &self,
        visible: &Visible,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ConflictRow>> {
        let d = self.dialect();
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT c.entity, c.entity_id, c.field, CAST(c.losing_value AS TEXT), c.logged_at,
                            r.commune_code
                     FROM conflicts c JOIN records r ON r.entity_id = c.entity_id
                     WHERE {} ORDER BY c.id DESC LIMIT $3 OFFSET $4",
                    visible_clause(d, "r.commune_code", 1)
                ),
                vec![all, list, limit.into(), offset.into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ConflictRow {
                    entity: cell(r, 0)?.text()?,
                    entity_id: cell(r, 1)?.uuid()?,
                    field: cell(r, 2)?.text()?,
                    losing_value: cell(r, 3)?.text()?,
                    logged_at: cell(r, 4)?.ts()?,
                    commune_code: cell(r, 5)?.text()?,
                })
            })
            .collect()
    }

    async fn conflicts_by_device(&self, since: DateTime<Utc>) -> Result<HashMap<Uuid, i64>> {
        // The losing clock's node is the device that wrote the value that lost; the winning
        // clock's is who won (the office's node for its decisions and normalised values).
        let rows = self
            .query(
                "SELECT d.id, COUNT(*) FROM conflicts c
                 JOIN devices d ON c.losing_hlc LIKE '%' || CAST(d.id AS TEXT)
                 WHERE c.logged_at >= $1 AND c.winning_hlc NOT LIKE $2
                 GROUP BY d.id"
                    .into(),
                vec![
                    since.into(),
                    format!("%{}", crate::apply::OFFICE_NODE).into(),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((cell(r, 0)?.uuid()?, cell(r, 1)?.int()?)))
            .collect()
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let rows = self
            .query(
                "SELECT value FROM office_settings WHERE key = $1".into(),
                vec![key.into()],
            )
            .await?;
        first_row(rows).map(|r| cell(&r, 0)?.text()).transpose()
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.transaction(vec![(
            "INSERT INTO office_settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                .into(),
            vec![key.into(), value.into()],
        )])
        .await?;
        Ok(())
    }

    async fn set_user_organisation(&self, user_id: Uuid, organisation: &str) -> Result<bool> {
        let rows = self
            .query(
                "UPDATE users SET organisation = NULLIF($2, '') WHERE id = $1 RETURNING id".into(),
                vec![user_id.into(), organisation.into()],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn set_commune_target(
        &self,
        commune_code: &str,
        labour_force: i64,
        target_permille: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.transaction(vec![(
            "INSERT INTO commune_targets (commune_code, labour_force, target_permille, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (commune_code) DO UPDATE SET labour_force = excluded.labour_force,
               target_permille = excluded.target_permille, updated_at = excluded.updated_at"
                .into(),
            vec![
                commune_code.into(),
                labour_force.into(),
                target_permille.into(),
                now.into(),
            ],
        )])
        .await?;
        Ok(())
    }

    async fn known_communes(&self, visible: &Visible) -> Result<Vec<(String, String)>> {
        let d = self.dialect();
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT u.commune_code, u.commune_name FROM admin_units u
                     WHERE u.commune_code IN (
                         SELECT commune_code FROM areas
                         UNION SELECT commune_code FROM record_facts WHERE entity = 'village'
                         UNION SELECT commune_code FROM commune_targets)
                       AND {}
                     ORDER BY u.commune_code",
                    visible_clause(d, "u.commune_code", 1)
                ),
                vec![all, list],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((cell(r, 0)?.text()?, cell(r, 1)?.text()?)))
            .collect()
    }

    async fn commune_name(&self, code: &str) -> Result<Option<String>> {
        let rows = self
            .query(
                "SELECT commune_name FROM admin_units WHERE commune_code = $1".into(),
                vec![code.into()],
            )
            .await?;
        first_row(rows).map(|r| cell(&r, 0)?.text()).transpose()
    }

    async fn villages(&self, visible: &Visible) -> Result<Vec<VillageRow>> {
        let d = self.dialect();
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT entity_id, commune_code, label FROM record_facts
                     WHERE entity = 'village' AND NOT deleted AND {}
                     ORDER BY commune_code, name_key",
                    visible_clause(d, "commune_code", 1)
                ),
                vec![all, list],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(VillageRow {
                    id: cell(r, 0)?.uuid()?,
                    commune_code: cell(r, 1)?.text()?,
                    name: cell(r, 2)?.text()?,
                })
            })
            .collect()
    }

    async fn held_by(&self, visible: &Visible, collector: Uuid) -> Result<Vec<HeldRecord>> {
        let d = self.dialect();
        let rows = self
            .query(
                format!(
                    "SELECT f.entity, f.entity_id, f.commune_code, f.village_id FROM record_facts f
                     WHERE {} AND NOT f.deleted AND f.actor_id = $3
                       AND ((f.entity = 'enrollment' AND f.status <> 'rejected')
                         OR (f.entity = 'follow_up' AND f.status = 'open'))
                     ORDER BY f.entity, f.entity_id",
                    visible_clause(d, "f.commune_code", 1)
                ),
                visible.params_and(vec![collector.into()]),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HeldRecord {
                    entity: parse_entity(&cell(r, 0)?.text()?)?,
                    id: cell(r, 1)?.uuid()?,
                    commune_code: cell(r, 2)?.text()?,
                    village_id: cell(r, 3)?.opt_uuid()?,
                })
            })
            .collect()
    }

    async fn collectors_of_village(
        &self,
        commune: &str,
        village: Option<Uuid>,
    ) -> Result<Vec<Uuid>> {
        let rows = self
            .query(
                "SELECT DISTINCT CAST(a.user_id AS TEXT) FROM areas a
                 JOIN users u ON u.id = a.user_id
                 WHERE a.commune_code = $1 AND (a.village_id = '' OR a.village_id = $2)
                   AND u.role IN ('collector', 'post_office_collector')
                 ORDER BY 1"
                    .into(),
                vec![
                    commune.into(),
                    village.map(|v| v.to_string()).unwrap_or_default().into(),
                ],
            )
            .await?;
        rows.iter().map(|r| cell(r, 0)?.uuid()).collect()
    }

    async fn overview(
        &self,
        visible: &Visible,
        period: Period,
        today: NaiveDate,
        by_village: bool,
    ) -> Result<Vec<OverviewRow>> {
        let d = self.dialect();
        let group = if by_village {
            "COALESCE(CAST(f.village_id AS TEXT), '')"
        } else {
            "f.commune_code"
        };
        let vis = visible_clause(d, "f.commune_code", 1);
        // Counts come from the rollup (a few rows per village, person, status and month);
        // lapses and quotas from the facts of sign-ups and quotas, which are few.
        let rgroup = if by_village {
            "CAST(r.village_id AS TEXT)"
        } else {
            "r.commune_code"
        };
        let rvis = visible_clause(d, "r.commune_code", 1);
        let rollup = |extra: &str| {
            format!(
                "SELECT {rgroup}, CAST(SUM(r.n) AS BIGINT), CAST(SUM(r.amount) AS BIGINT)
                 FROM fact_rollup r WHERE {rvis} AND {extra} GROUP BY {rgroup}"
            )
        };
        let base = |extra: &str| {
            format!(
                "SELECT {group}, COUNT(*), 0 FROM record_facts f
                 WHERE {vis} AND NOT f.deleted AND {extra} GROUP BY {group}"
            )
        };
        let in_period = "r.month >= $3 AND r.month < $4";
        let p = |more: Vec<SqlValue>| visible.params_and(more);
        let dates = || vec![period.from.into(), period.to.into()];
        let (lapse_from, lapse_to) = period.lapse_window(today);
        let census = period.census_month(today);
        let queries: Vec<(String, Vec<SqlValue>)> = vec![
            (rollup("r.entity = 'household'"), p(vec![])),
            (
                rollup("r.entity = 'person' AND r.status IN ('prospect', 'contacted', 'interested')"),
                p(vec![]),
            ),
            (rollup(&format!("r.entity = 'visit' AND {in_period}")), p(dates())),
            (
                rollup(&format!("r.entity = 'outreach_event' AND {in_period}")),
                p(dates()),
            ),
            (
                rollup(&format!(
                    "r.entity = 'enrollment' AND r.status NOT IN ('draft', 'rejected') AND {in_period}"
                )),
                p(dates()),
            ),
            (
                rollup(&format!("r.entity = 'payment' AND r.flag = 1 AND {in_period}")),
                p(dates()),
            ),
            (
                rollup(&format!("r.entity = 'payment' AND {in_period}")),
                p(dates()),
            ),
            (
                rollup("r.entity = 'enrollment' AND r.status = 'approved' AND r.month <= $3"),
                p(vec![census.into()]),
            ),
            (
                base(LAPSING_SIGNUPS),
                p(vec![lapse_from.into(), lapse_to.into()]),
            ),
            (
                // Quotas of the period: a commune's own quota, else the sum of its villages'.
                format!(
                    "SELECT {}, CAST(COALESCE(SUM(CASE WHEN f.ident = 'commune' THEN f.amount ELSE 0 END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN f.ident = 'village' THEN f.amount ELSE 0 END), 0) AS BIGINT)
                     FROM record_facts f
                     WHERE {vis} AND NOT f.deleted AND f.entity = 'quota' AND f.status = $3
                     GROUP BY {}",
                    if by_village { "COALESCE(CAST(f.ref_id AS TEXT), '')" } else { "f.commune_code" },
                    if by_village { "COALESCE(CAST(f.ref_id AS TEXT), '')" } else { "f.commune_code" },
                ),
                p(vec![period.quota_key().into()]),
            ),
            (base(LAPSED_BY_CENSUS), p(vec![census.into()])),
        ];
        let mut results = Vec::with_capacity(queries.len());
        for (sql, params) in queries {
            results.push(grouped(self.query(sql, params).await?)?);
        }
        // The rows: visible communes (or the villages of the visible communes).
        let mut rows: Vec<OverviewRow> = if by_village {
            self.villages(visible)
                .await?
                .into_iter()
                .map(|v| OverviewRow {
                    commune_code: v.commune_code,
                    village_id: Some(v.id),
                    name: v.name,
                    ..OverviewRow::default()
                })
                .collect()
        } else {
            self.known_communes(visible)
                .await?
                .into_iter()
                .map(|(code, name)| OverviewRow {
                    commune_code: code,
                    name,
                    ..OverviewRow::default()
                })
                .collect()
        };
        let targets = if by_village {
            HashMap::new()
        } else {
            let d = self.dialect();
            let [all, list] = visible.params();
            let mut map = HashMap::new();
            for r in self
                .query(
                    format!(
                        "SELECT commune_code, labour_force, target_permille FROM commune_targets
                         WHERE {}",
                        visible_clause(d, "commune_code", 1)
                    ),
                    vec![all, list],
                )
                .await?
            {
                map.insert(
                    cell(&r, 0)?.text()?,
                    (cell(&r, 1)?.int()?, cell(&r, 2)?.int()?),
                );
            }
            map
        };
        for row in &mut rows {
            let key = match row.village_id {
                Some(v) => v.to_string(),
                None => row.commune_code.clone(),
            };
            let get = |i: usize| results[i].get(&key).copied().unwrap_or((0, 0));
            row.households = get(0).0;
            row.prospects = get(1).0;
            row.visits = get(2).0;
            (row.events, row.attendance) = get(3);
            row.signups = get(4).0;
            row.renewals = get(5).0;
            row.collected = get(6).1;
            row.participants = get(7).0 - get(10).0;
            row.lapses = get(8).0;
            let (commune_quota, village_quotas) = get(9);
            row.quota_signups = if by_village {
                village_quotas
            } else if commune_quota > 0 {
                commune_quota
            } else {
                village_quotas
            };
            if let Some((labour, target)) = targets.get(&row.commune_code) {
                row.labour_force = Some(*labour);
                row.target_permille = Some(*target);
            }
        }
        Ok(rows)
    }

    async fn signups_per_month(
        &self,
        visible: &Visible,
        period: Period,
    ) -> Result<Vec<(NaiveDate, i64)>> {
        let d = self.dialect();
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT r.month, CAST(SUM(r.n) AS BIGINT) FROM fact_rollup r
                     WHERE {} AND r.entity = 'enrollment'
                       AND r.status NOT IN ('draft', 'rejected') AND r.month >= $3 AND r.month < $4
                     GROUP BY r.month ORDER BY r.month",
                    visible_clause(d, "r.commune_code", 1)
                ),
                vec![all, list, period.from.into(), period.to.into()],
            )
            .await?;
        let mut out: Vec<(NaiveDate, i64)> = Vec::new();
        for r in rows {
            let Some(day) = cell(&r, 0)?.opt_date()? else {
                continue;
            };
            let month = day.with_day0(0).unwrap_or(day);
            let count = cell(&r, 1)?.int()?;
            match out.last_mut() {
                Some((m, c)) if *m == month => *c += count,
                _ => out.push((month, count)),
            }
        }
        Ok(out)
    }

    async fn evaluation(
        &self,
        visible: &Visible,
        period: Period,
        today: NaiveDate,
        deadline_days: i64,
    ) -> Result<Vec<EvaluationRow>> {
        let d = self.dialect();
        let vis = visible_clause(d, "f.commune_code", 1);
        let p = |more: Vec<SqlValue>| visible.params_and(more);
        let by_actor = |extra: &str| {
            format!(
                "SELECT CAST(f.actor_id AS TEXT), COUNT(*), 0 FROM record_facts f
                 WHERE {vis} AND NOT f.deleted AND f.actor_id IS NOT NULL AND {extra}
                 GROUP BY f.actor_id"
            )
        };
        let in_period = "f.day >= $3 AND f.day < $4";
        let dates = || vec![period.from.into(), period.to.into()];
        let (lapse_from, lapse_to) = period.lapse_window(today);
        let census = period.census_month(today);
        let late = d.days_between("f.day", "COALESCE(r.remitted_on, $5)");
        let rvis = visible_clause(d, "r.commune_code", 1);
        let rollup = |extra: &str| {
            format!(
                "SELECT CAST(r.actor_id AS TEXT), CAST(SUM(r.n) AS BIGINT), 0 FROM fact_rollup r
                 WHERE {rvis} AND {extra} GROUP BY r.actor_id"
            )
        };
        let r_period = "r.month >= $3 AND r.month < $4";
        let queries: Vec<(String, Vec<SqlValue>)> = vec![
            (rollup(&format!("r.entity = 'visit' AND {r_period}")), p(dates())),
            (
                rollup(&format!(
                    "r.entity = 'enrollment' AND r.status NOT IN ('draft', 'rejected') AND {r_period}"
                )),
                p(dates()),
            ),
            (
                rollup(&format!("r.entity = 'payment' AND r.flag = 1 AND {r_period}")),
                p(dates()),
            ),
            (
                rollup("r.entity = 'enrollment' AND r.status = 'approved' AND r.month <= $3"),
                p(vec![census.into()]),
            ),
            (
                by_actor(LAPSING_SIGNUPS),
                p(vec![lapse_from.into(), lapse_to.into()]),
            ),
            (
                format!(
                    "SELECT CAST(f.actor_id AS TEXT), CAST(COALESCE(SUM(f.amount), 0) AS BIGINT), 0 FROM record_facts f
                     WHERE {vis} AND NOT f.deleted AND f.entity = 'quota' AND f.ident = 'collector'
                       AND f.status = $3 GROUP BY f.actor_id"
                ),
                p(vec![period.quota_key().into()]),
            ),
            (
                format!(
                    "SELECT CAST(f.actor_id AS TEXT), CAST(COALESCE(SUM(f.amount), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN r.payment_id IS NULL THEN 0 ELSE f.amount END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(CASE WHEN {late} > $6 THEN 1 ELSE 0 END), 0) AS BIGINT),
                            COALESCE(MAX({late}), 0)
                     FROM record_facts f LEFT JOIN remitted_payments r ON r.payment_id = f.entity_id
                     WHERE {vis} AND NOT f.deleted AND f.entity = 'payment' AND f.status = 'cash'
                       AND {in_period} AND f.actor_id IS NOT NULL
                     GROUP BY f.actor_id"
                ),
                p(vec![
                    period.from.into(),
                    period.to.into(),
                    today.into(),
                    deadline_days.into(),
                ]),
            ),
            (by_actor(LAPSED_BY_CENSUS), p(vec![census.into()])),
        ];
        let mut rows: HashMap<Uuid, EvaluationRow> = HashMap::new();
        for (i, (sql, params)) in queries.into_iter().enumerate() {
            for r in self.query(sql, params).await? {
                let Some(id) = cell(&r, 0)?.opt_uuid()?.filter(|id| !id.is_nil()) else {
                    continue;
                };
                let row = rows.entry(id).or_insert_with(|| EvaluationRow {
                    collector_id: id,
                    ..EvaluationRow::default()
                });
                let a = cell(&r, 1)?.int()?;
                match i {
                    0 => row.visits = a,
                    1 => row.signups = a,
                    2 => row.renewals = a,
                    3 => row.participants = a,
                    4 => row.lapses = a,
                    5 => row.quota_signups = a,
                    6 => {
                        row.cash_collected = a;
                        row.cash_remitted = cell(&r, 2)?.int()?;
                        row.late_payments = cell(&r, 3)?.int()?;
                        row.max_days_late = (cell(&r, 4)?.int()? - deadline_days).max(0);
                    }
                    _ => row.participants -= a,
                }
            }
        }
        let mut out: Vec<EvaluationRow> = rows.into_values().collect();
        out.sort_by_key(|r| r.collector_id);
        Ok(out)
    }

    async fn review_queue(
        &self,
        visible: &Visible,
        statuses: &[&str],
        collector: Option<Uuid>,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<ReviewItem>, i64)> {
        let d = self.dialect();
        let vis = visible_clause(d, "e.commune_code", 1);
        let status_in = match collector {
            // `$4` (after the statuses) is the collector; the page's numbers follow.
            Some(_) => format!("{} AND e.actor_id = $4", d.in_list("e.status", 3)),
            None => d.in_list("e.status", 3),
        };
        let (limit_at, offset_at) = if collector.is_some() { (5, 6) } else { (4, 5) };
        let [all, list] = visible.params();
        let statuses: Vec<String> = statuses.iter().map(|s| (*s).to_owned()).collect();
        let mut filters = vec![all, list, SqlValue::TextList(statuses)];
        filters.extend(collector.map(SqlValue::from));
        let rows = self
            .query(
                format!(
                    "SELECT e.entity_id, e.commune_code, v.label, p.label, p.ident, p.day,
                            e.actor_id, e.day, e.amount, e.status
                     FROM record_facts e
                     LEFT JOIN record_facts p ON p.entity_id = e.ref_id
                     LEFT JOIN record_facts v ON v.entity_id = e.village_id
                     WHERE e.entity = 'enrollment' AND NOT e.deleted AND {vis} AND {status_in}
                     ORDER BY e.day, e.entity_id LIMIT ${limit_at} OFFSET ${offset_at}"
                ),
                filters
                    .iter()
                    .cloned()
                    .chain([limit.into(), offset.into()])
                    .collect(),
            )
            .await?;
        let total = self
            .query(
                format!(
                    "SELECT COUNT(*) FROM record_facts e
                     WHERE e.entity = 'enrollment' AND NOT e.deleted AND {vis} AND {status_in}"
                ),
                filters,
            )
            .await?;
        let total = first_row(total)
            .map(|r| cell(&r, 0).and_then(|c| c.int()))
            .transpose()?
            .unwrap_or(0);
        let items = rows
            .iter()
            .map(|r| {
                Ok(ReviewItem {
                    enrollment_id: cell(r, 0)?.uuid()?,
                    commune_code: cell(r, 1)?.text()?,
                    village_name: cell(r, 2)?.opt_text()?,
                    person_name: cell(r, 3)?.opt_text()?,
                    personal_id: cell(r, 4)?.opt_text()?,
                    date_of_birth: cell(r, 5)?.opt_date()?,
                    collector_id: cell(r, 6)?.opt_uuid()?,
                    first_month: cell(r, 7)?.opt_date()?,
                    monthly_income: cell(r, 8)?.int()?,
                    status: cell(r, 9)?.text()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    async fn quotas(&self, visible: &Visible, period: Period) -> Result<Vec<QuotaRow>> {
        let d = self.dialect();
        let vis = visible_clause(d, "f.commune_code", 1);
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT f.entity_id, f.commune_code, f.ident, f.actor_id, f.ref_id, f.status,
                            f.amount, f.amount2
                     FROM record_facts f
                     WHERE {vis} AND NOT f.deleted AND f.entity = 'quota' AND f.status = $3
                     ORDER BY f.commune_code, f.ident, f.entity_id"
                ),
                vec![all.clone(), list.clone(), period.quota_key().into()],
            )
            .await?;
        let signups = |group: &str| {
            format!(
                "SELECT CAST({group} AS TEXT), COUNT(*) FROM record_facts f
                 WHERE {vis} AND NOT f.deleted AND f.entity = 'enrollment'
                   AND f.status NOT IN ('draft', 'rejected') AND f.day >= $3 AND f.day < $4
                   AND {group} IS NOT NULL
                 GROUP BY {group}"
            )
        };
        // Renewals from the rollup, where the nil uuid stands for "no village".
        let rvis = visible_clause(d, "r.commune_code", 1);
        let renewals = |group: &str| {
            format!(
                "SELECT CAST({group} AS TEXT), CAST(SUM(r.n) AS BIGINT) FROM fact_rollup r
                 WHERE {rvis} AND r.entity = 'payment' AND r.flag = 1
                   AND r.month >= $3 AND r.month < $4
                 GROUP BY {group}"
            )
        };
        // Per commune, village and collector: (sign-ups, renewals).
        let mut achieved: Vec<(Grouped, Grouped)> = Vec::new();
        for (group, rgroup) in [
            ("f.commune_code", "r.commune_code"),
            ("f.village_id", "r.village_id"),
            ("f.actor_id", "r.actor_id"),
        ] {
            let params = || {
                vec![
                    all.clone(),
                    list.clone(),
                    period.from.into(),
                    period.to.into(),
                ]
            };
            achieved.push((
                grouped(self.query(signups(group), params()).await?)?,
                grouped(self.query(renewals(rgroup), params()).await?)?,
            ));
        }
        rows.iter()
            .map(|r| {
                let commune_code = cell(r, 1)?.text()?;
                let scope_kind = cell(r, 2)?.text()?;
                let scope_id = match scope_kind.as_str() {
                    "collector" => cell(r, 3)?.opt_uuid()?,
                    "village" => cell(r, 4)?.opt_uuid()?,
                    _ => None,
                };
                let (maps, key) = match (scope_kind.as_str(), scope_id) {
                    ("village", Some(id)) => (&achieved[1], id.to_string()),
                    ("collector", Some(id)) => (&achieved[2], id.to_string()),
                    _ => (&achieved[0], commune_code.clone()),
                };
                let count =
                    |map: &HashMap<String, (i64, i64)>| map.get(&key).map_or(0, |(n, _)| *n);
                let (achieved_signups, achieved_renewals) = (count(&maps.0), count(&maps.1));
                Ok(QuotaRow {
                    id: cell(r, 0)?.uuid()?,
                    commune_code,
                    scope_kind,
                    scope_id,
                    period_key: cell(r, 5)?.text()?,
                    target_signups: cell(r, 6)?.int()?,
                    target_renewals: cell(r, 7)?.int()?,
                    achieved_signups,
                    achieved_renewals,
                })
            })
            .collect()
    }

    async fn receipt_matches(&self, receipt_number: &str) -> Result<Vec<ReceiptMatch>> {
        let rows = self
            .query(
                "SELECT f.entity_id, f.ident, f.amount, f.day, d.receipt_key, r.remitted_on
                 FROM record_facts f
                 LEFT JOIN devices d ON d.id = f.origin_device
                 LEFT JOIN remitted_payments r ON r.payment_id = f.entity_id
                 WHERE f.entity = 'payment' AND f.ident = $1 AND NOT f.deleted
                 LIMIT 20"
                    .into(),
                vec![receipt_number.trim().into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ReceiptMatch {
                    payment_id: cell(r, 0)?.uuid()?,
                    receipt_number: cell(r, 1)?.text()?,
                    amount: cell(r, 2)?.int()?,
                    collected_on: cell(r, 3)?.opt_date()?,
                    device_key: cell(r, 4)?.opt_text()?,
                    remitted_on: cell(r, 5)?.opt_date()?,
                })
            })
            .collect()
    }

    async fn set_receipt_key(&self, device_id: Uuid, key: &str) -> Result<()> {
        self.transaction(vec![(
            "UPDATE devices SET receipt_key = $2 WHERE id = $1".into(),
            vec![device_id.into(), key.into()],
        )])
        .await?;
        Ok(())
    }

    async fn persons_matching(
        &self,
        personal_ids: Vec<String>,
        name_keys: Vec<String>,
    ) -> Result<Vec<PersonMatch>> {
        let d = self.dialect();
        let rows = self
            .query(
                format!(
                    "SELECT entity_id, ident, name_key, day, village_id FROM record_facts
                     WHERE entity = 'person' AND NOT deleted AND ({} OR {})",
                    d.in_list("ident", 1),
                    d.in_list("name_key", 2)
                ),
                vec![
                    SqlValue::TextList(personal_ids),
                    SqlValue::TextList(name_keys),
                ],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PersonMatch {
                    id: cell(r, 0)?.uuid()?,
                    personal_id: cell(r, 1)?.opt_text()?,
                    name_key: cell(r, 2)?.opt_text()?,
                    date_of_birth: cell(r, 3)?.opt_date()?,
                    village_id: cell(r, 4)?.opt_uuid()?,
                })
            })
            .collect()
    }

    async fn export_page(
        &self,
        kind: ExportKind,
        visible: &Visible,
        filter: &ExportFilter,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<ExportRow>> {
        let d = self.dialect();
        let vis = visible_clause(d, "f.commune_code", 1);
        let [all, list] = visible.params();
        let (entity, subject) = match kind {
            ExportKind::Enrollments => ("enrollment", "f.ref_id"),
            ExportKind::Visits => ("visit", "f.ref_id"),
            // A payment's subject is its sign-up's person.
            ExportKind::Payments => ("payment", "e.ref_id"),
        };
        let after_clause = if after.is_some() {
            "AND f.entity_id > $4"
        } else {
            "AND $4 IS NULL"
        };
        // The filters' parameters follow the five every page has.
        let mut filters = String::new();
        let mut extra: Vec<SqlValue> = Vec::new();
        if !filter.statuses.is_empty() {
            filters.push_str(&format!(" AND {}", d.in_list("f.status", 6 + extra.len())));
            extra.push(SqlValue::TextList(filter.statuses.clone()));
        }
        if let Some(actor) = filter.actor {
            filters.push_str(&format!(" AND f.actor_id = ${}", 6 + extra.len()));
            extra.push(actor.into());
        }
        if let Some(period) = filter.period {
            filters.push_str(&format!(
                " AND f.day >= ${} AND f.day < ${}",
                6 + extra.len(),
                7 + extra.len()
            ));
            extra.push(period.from.into());
            extra.push(period.to.into());
        }
        // The page's ids first, walking the (entity, entity_id) index in order and stopping at
        // the limit; then the joins for those rows only (joined first, the planner sorted every
        // remaining row on each page).
        let sql = format!(
            "SELECT f.entity_id, f.commune_code, {}, {},
                    v.label, rp.remitted_on
             FROM (SELECT f.entity_id, f.entity, f.commune_code, f.village_id, f.ref_id
                   FROM record_facts f
                   WHERE f.entity = $3 AND NOT f.deleted AND {vis} {after_clause}{filters}
                   ORDER BY f.entity_id LIMIT $5) f
             JOIN records rec ON rec.entity_id = f.entity_id
             LEFT JOIN record_facts e ON e.entity_id = f.ref_id AND f.entity = 'payment'
             LEFT JOIN records sub ON sub.entity_id = {subject}
             LEFT JOIN record_facts v ON v.entity_id = f.village_id
             LEFT JOIN remitted_payments rp ON rp.payment_id = f.entity_id
             ORDER BY f.entity_id",
            d.state_fields("rec.state"),
            d.state_fields("sub.state"),
        );
        let after_value = match (d, after) {
            (_, Some(id)) => SqlValue::Uuid(id),
            // PostgreSQL must know the type of a NULL parameter it only tests.
            (Dialect::Postgres, None) => SqlValue::Uuid(Uuid::nil()),
            (Dialect::Sqlite, None) => SqlValue::Null,
        };
        let sql = if matches!((d, after), (Dialect::Postgres, None)) {
            sql.replace("AND $4 IS NULL", "AND f.entity_id > $4")
        } else {
            sql
        };
        let mut params = vec![all, list, entity.into(), after_value, limit.into()];
        params.extend(extra);
        let rows = self.query(sql, params).await?;
        let fields_of = |text: Option<String>| -> Result<Map<String, Value>> {
            match text {
                None => Ok(Map::new()),
                Some(t) => Ok(serde_json::from_str(&t)?),
            }
        };
        rows.into_iter()
            .map(|r| {
                Ok(ExportRow {
                    id: cell(&r, 0)?.uuid()?,
                    commune_code: cell(&r, 1)?.text()?,
                    fields: fields_of(cell(&r, 2)?.opt_text()?)?,
                    subject: fields_of(cell(&r, 3)?.opt_text()?)?,
                    village_name: cell(&r, 4)?.opt_text()?,
                    remitted_on: cell(&r, 5)?.opt_date()?,
                })
            })
            .collect()
    }

    async fn cash_held(
        &self,
        visible: &Visible,
        since: NaiveDate,
    ) -> Result<HashMap<Uuid, CashHeld>> {
        let d = self.dialect();
        let vis = visible_clause(d, "f.commune_code", 1);
        let [all, list] = visible.params();
        let rows = self
            .query(
                format!(
                    "SELECT CAST(f.actor_id AS TEXT), CAST(COALESCE(SUM(f.amount), 0) AS BIGINT),
                            MIN(f.day)
                     FROM record_facts f LEFT JOIN remitted_payments r ON r.payment_id = f.entity_id
                     WHERE {vis} AND NOT f.deleted AND f.entity = 'payment' AND f.status = 'cash'
                       AND f.day >= $3 AND r.payment_id IS NULL AND f.actor_id IS NOT NULL
                     GROUP BY f.actor_id"
                ),
                vec![all, list, since.into()],
            )
            .await?;
        let mut out = HashMap::new();
        for r in rows {
            if let Some(id) = cell(&r, 0)?.opt_uuid()? {
                out.insert(
                    id,
                    CashHeld {
                        total: cell(&r, 1)?.int()?,
                        oldest: cell(&r, 2)?.opt_date()?,
                    },
                );
            }
        }
        Ok(out)
    }

    async fn record_commune(&self, entity_id: Uuid) -> Result<Option<String>> {
        let rows = self
            .query(
                "SELECT commune_code FROM records WHERE entity_id = $1".into(),
                vec![entity_id.into()],
            )
            .await?;
        first_row(rows).map(|r| cell(&r, 0)?.text()).transpose()
    }
}

/// Statements that keep `record_facts` and `remitted_payments` for one applied record, for a
/// backend whose apply path runs generic statements (kept here beside the queries that read
/// them). SQLite's apply path uses it; PostgreSQL writes the same rows in bulk.
pub(crate) fn facts_statements(
    entity: sotay_domain::EntityKind,
    entity_id: Uuid,
    commune_code: &str,
    village_id: Option<Uuid>,
    deleted: bool,
    origin_device: Uuid,
    facts: &crate::facts::RecordFacts,
) -> Vec<Statement> {
    let mut out: Vec<Statement> = vec![(
        "INSERT INTO record_facts (entity_id, entity, commune_code, village_id, deleted, actor_id,
           ref_id, status, day, day2, amount, amount2, ident, label, name_key, origin_device)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (entity_id) DO UPDATE SET commune_code = excluded.commune_code,
           village_id = excluded.village_id, deleted = excluded.deleted,
           actor_id = excluded.actor_id, ref_id = excluded.ref_id, status = excluded.status,
           day = excluded.day, day2 = excluded.day2, amount = excluded.amount,
           amount2 = excluded.amount2, ident = excluded.ident, label = excluded.label,
           name_key = excluded.name_key"
            .into(),
        vec![
            entity_id.into(),
            entity.as_str().into(),
            commune_code.into(),
            village_id.into(),
            deleted.into(),
            facts.actor_id.into(),
            facts.ref_id.into(),
            facts.status.clone().into(),
            facts.day.into(),
            facts.day2.into(),
            facts.amount.into(),
            facts.amount2.into(),
            facts.ident.clone().into(),
            facts.label.clone().into(),
            facts.name_key.clone().into(),
            origin_device.into(),
        ],
    )];
    if entity == sotay_domain::EntityKind::Remittance {
        out.push((
            "DELETE FROM remitted_payments WHERE remittance_id = $1".into(),
            vec![entity_id.into()],
        ));
        if !deleted && let Some(day) = facts.day {
            for payment in &facts.links {
                out.push((
                    "INSERT INTO remitted_payments (payment_id, remittance_id, remitted_on)
                     VALUES ($1, $2, $3)
                     ON CONFLICT (payment_id) DO UPDATE SET remittance_id = excluded.remittance_id,
                       remitted_on = excluded.remitted_on"
                        .into(),
                    vec![(*payment).into(), entity_id.into(), day.into()],
                ));
            }
        }
    }
    out
}

/// Reads what a record counted for in the rollup before this change (nothing when it is new
/// or was a tombstone): one statement, parsed by [`old_rollup`].
pub(crate) fn old_rollup_statement(entity_id: Uuid) -> Statement {
    (
        "SELECT entity, commune_code, village_id, actor_id, status, day, amount, amount2, deleted
         FROM record_facts WHERE entity_id = $1"
            .into(),
        vec![entity_id.into()],
    )
}

/// The rollup key and amount of a stored facts row (`entity, commune_code, village_id,
/// actor_id, status, day, amount, amount2, deleted`), None for a tombstone.
pub(crate) fn old_rollup(row: &SqlRow) -> Result<Option<(crate::facts::RollupKey, i64)>> {
    if cell(row, 8)?.bool()? {
        return Ok(None);
    }
    let Some(entity) = sotay_domain::EntityKind::parse(&cell(row, 0)?.text()?) else {
        return Ok(None);
    };
    let facts = crate::facts::RecordFacts {
        actor_id: cell(row, 3)?.opt_uuid()?,
        status: cell(row, 4)?.opt_text()?,
        day: cell(row, 5)?.opt_date()?,
        amount: cell(row, 6)?.opt_int()?,
        amount2: cell(row, 7)?.opt_int()?,
        ..crate::facts::RecordFacts::default()
    };
    Ok(Some(facts.rollup(
        entity,
        &cell(row, 1)?.text()?,
        cell(row, 2)?.opt_uuid()?,
    )))
}

/// The first month of a sign-up the office has (its facts' day), for a payment's renewal flag.
pub(crate) fn first_month_statement(enrollment_id: Uuid) -> Statement {
    (
        "SELECT day FROM record_facts WHERE entity_id = $1 AND entity = 'enrollment'".into(),
        vec![enrollment_id.into()],
    )
}

/// Recomputes a sign-up's last paid month (`day2`) from its payments.
pub(crate) fn last_paid_month_statement(enrollment_id: Uuid) -> Statement {
    (
        "UPDATE record_facts SET day2 = (SELECT MAX(p.day2) FROM record_facts p
           WHERE p.ref_id = record_facts.entity_id AND p.entity = 'payment' AND NOT p.deleted)
         WHERE entity_id = $1 AND entity = 'enrollment'"
            .into(),
        vec![enrollment_id.into()],
    )
}

/// Upserts that move a record's count from `old` to `new` in the rollup.
pub(crate) fn rollup_statements(
    old: Option<(crate::facts::RollupKey, i64)>,
    new: Option<(crate::facts::RollupKey, i64)>,
) -> Vec<Statement> {
    if old == new {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (delta, change) in [(-1i64, old), (1, new)] {
        let Some((key, amount)) = change else {
            continue;
        };
        out.push((
            "INSERT INTO fact_rollup (entity, commune_code, village_id, actor_id, status, month,
               flag, n, amount)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (entity, commune_code, village_id, actor_id, status, month, flag)
             DO UPDATE SET n = fact_rollup.n + excluded.n,
               amount = fact_rollup.amount + excluded.amount"
                .into(),
            vec![
                key.entity.into(),
                key.commune_code.into(),
                key.village_id.into(),
                key.actor_id.into(),
                key.status.into(),
                key.month.into(),
                key.flag.into(),
                delta.into(),
                (delta * amount).into(),
            ],
        ));
    }
    out
}

/// Rebuilds `fact_rollup` from `record_facts` (after a bulk load, or to repair): one
/// transaction. `month_of` is the dialect's first-of-month expression of a date column.
pub async fn rebuild_rollup(store: &impl SqlRunner) -> Result<()> {
    let month = match store.dialect() {
        Dialect::Sqlite => "substr(day, 1, 7) || '-01'",
        Dialect::Postgres => "CAST(date_trunc('month', day) AS DATE)",
    };
    let epoch = match store.dialect() {
        Dialect::Sqlite => "'1970-01-01'",
        Dialect::Postgres => "DATE '1970-01-01'",
    };
    let nil = match store.dialect() {
        Dialect::Sqlite => "'00000000-0000-0000-0000-000000000000'",
        Dialect::Postgres => "'00000000-0000-0000-0000-000000000000'::uuid",
    };
    let sql = format!(
        "INSERT INTO fact_rollup (entity, commune_code, village_id, actor_id, status, month, flag,
           n, amount)
         SELECT entity, commune_code, COALESCE(village_id, {nil}), COALESCE(actor_id, {nil}),
                COALESCE(status, ''),
                CASE WHEN day IS NOT NULL AND entity IN ('visit', 'outreach_event', 'enrollment',
                       'payment', 'remittance', 'follow_up') THEN {month} ELSE {epoch} END,
                CASE WHEN entity = 'payment' THEN COALESCE(amount2, 0) ELSE 0 END,
                COUNT(*),
                CAST(COALESCE(SUM(CASE WHEN entity IN ('payment', 'outreach_event', 'remittance')
                       THEN COALESCE(amount, 0) ELSE 0 END), 0) AS BIGINT)
         FROM record_facts WHERE NOT deleted
         GROUP BY 1, 2, 3, 4, 5, 6, 7"
    );
    store
        .transaction(vec![
            ("DELETE FROM fact_rollup".into(), vec![]),
            (sql, vec![]),
        ])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hà Nội's plan: 3% of the working-age labour force covered by 2025 (seed 003). A commune
    /// of 9,500 workers needs 285 participants; with 5 it is 280 short; past it, 0.
    #[test]
    fn how_many_more_participants_reach_the_coverage_target() {
        let row = |participants, labour_force, target_permille| OverviewRow {
            participants,
            labour_force,
            target_permille,
            ..OverviewRow::default()
        };
        assert_eq!(row(5, Some(9_500), Some(30)).short_of_target(), Some(280));
        assert_eq!(row(300, Some(9_500), Some(30)).short_of_target(), Some(0));
        // 3% of 9,501 is 285.03: the 286th participant is needed.
        assert_eq!(row(0, Some(9_501), Some(30)).short_of_target(), Some(286));
        assert_eq!(row(5, None, Some(30)).short_of_target(), None);
        assert_eq!(row(5, Some(9_500), None).short_of_target(), None);
    }
}
