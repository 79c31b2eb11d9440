//! How each entity of `sotay_domain::entities` sits in its table: the typed columns queries use,
//! the search text, and the rules that need other records (a visit's household must exist, a
//! receipt number is used once per collector, a remittance adds up). One trait, [`Record`],
//! implemented for every synced entity, lets the write path, the merge of pulled changes and the
//! repositories be written once.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sotay_domain::collate::sort_key;
use sotay_domain::fold::fold;
use sotay_domain::{
    Enrollment, Entity, EntityKind, FollowUp, Household, OutreachEvent, Payment, PaymentMethod,
    Person, Quota, QuotaPeriod, QuotaScope, Remittance, ValidationContext, Village, Visit,
    validate_enrollment_for,
};
use uuid::Uuid;

use crate::error::{Result, StoreError};

/// A synced entity the store keeps in its own table (named [`EntityKind::plural`]); its kind and
/// id come from [`Entity`].
pub trait Record: Entity {
    /// The full-text search table of the kind, if it is searched.
    const SEARCH_TABLE: Option<&'static str> = None;
    /// The record's place: its commune and, where it has one, its village (for a quota of one
    /// village, that village). A village itself answers its commune only.
    fn area(&self) -> (&str, Option<Uuid>);
    /// Whether the kind's table has a `village_id` column (filled from [`Record::area`]).
    const VILLAGE_COLUMN: bool = true;
    /// Typed copies of the fields queries use: (column, value), besides the place columns
    /// ([`Record::place_columns`]; [`Record::row_columns`] has both).
    fn columns(&self) -> Vec<(&'static str, Value)>;
    /// The place columns, from [`Record::area`]: `commune_code`, and `village_id` where the
    /// table has one.
    fn place_columns(&self) -> Vec<(&'static str, Value)> {
        let (commune, village) = self.area();
        let mut columns = vec![("commune_code", text(commune))];
        if Self::VILLAGE_COLUMN {
            columns.push(("village_id", opt_blob(village)));
        }
        columns
    }
    /// Every typed column of the record's row: the place columns, then [`Record::columns`].
    fn row_columns(&self) -> Vec<(&'static str, Value)> {
        let mut columns = self.place_columns();
        columns.extend(self.columns());
        columns
    }
    /// Folded text for full-text search, for the entities that are searched.
    fn search_text(&self) -> Option<String> {
        None
    }
    /// The payments a remittance settles.
    fn linked_payments(&self) -> Option<&[Uuid]> {
        None
    }
    /// Rules that need other records; checked before a local save, inside its transaction.
    fn check_rules(&self, _conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        Ok(())
    }
}

/// The table that holds a kind of record.
pub(crate) fn table(kind: EntityKind) -> &'static str {
    kind.plural()
}

/// Something done with one kind of record as the store keeps it: [`visit_record`] calls
/// [`RecordVisitor::visit`] with the record type of a kind known only at run time (a pulled
/// change, an outbox row).
pub(crate) trait RecordVisitor {
    /// What the visit returns.
    type Output;
    /// Does the work for the record type `E`.
    fn visit<E: Record>(self) -> Self::Output;
}

macro_rules! store_dispatch {
    ($(($ty:ident, $snake:ident, $plural:ident, $label:literal)),* $(,)?) => {
        /// Calls `visitor` with the record type of `kind` (generated from the domain's list).
        pub(crate) fn visit_record<V: RecordVisitor>(kind: EntityKind, visitor: V) -> V::Output {
            match kind { $(EntityKind::$ty => visitor.visit::<$ty>(),)* }
        }
    };
}
sotay_domain::for_each_entity!(store_dispatch);

/// The search index of a kind, if it has one.
pub(crate) fn search_table(kind: EntityKind) -> Option<&'static str> {
    struct SearchTable;
    impl RecordVisitor for SearchTable {
        type Output = Option<&'static str>;
        fn visit<E: Record>(self) -> Option<&'static str> {
            E::SEARCH_TABLE
        }
    }
    visit_record(kind, SearchTable)
}

/// Gives every household the sort key of its head's name (after the migration that added the
/// column, or when the collation data changed), clears the flag that asked for it and notes the
/// `collation` (`sotay_domain::collate::fingerprint`) the keys were made with.
pub(crate) fn rebuild_name_keys(conn: &Connection, collation: &str) -> Result<()> {
    {
        let mut read = conn.prepare("SELECT rowid, head_name FROM households")?;
        let mut write = conn.prepare("UPDATE households SET name_key = ?2 WHERE rowid = ?1")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let name: String = row.get(1)?;
            write.execute(params![row.get::<_, i64>(0)?, sort_key(&name)])?;
        }
    }
    conn.execute("DELETE FROM meta WHERE key = 'name_keys_rebuild'", [])?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('name_keys_collation', ?1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [collation],
    )?;
    Ok(())
}

pub(crate) fn blob(id: Uuid) -> Value {
    Value::Blob(id.as_bytes().to_vec())
}

fn opt_blob(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, blob)
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn opt_text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, text)
}

/// A date as `YYYY-MM-DD`: sorts and compares like the date.
fn date(value: chrono::NaiveDate) -> Value {
    Value::Text(value.format("%Y-%m-%d").to_string())
}

fn millis(value: chrono::DateTime<chrono::Utc>) -> Value {
    Value::Integer(value.timestamp_millis())
}

/// An enum as its serde text (`door_to_door`), or its JSON for a tagged enum.
fn serde_text<T: Serialize>(value: &T) -> Value {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Value::Text(s),
        Ok(other) => Value::Text(other.to_string()),
        Err(_) => Value::Null,
    }
}

/// Reads a 16-byte id column.
pub(crate) fn uuid_from(bytes: &[u8]) -> rusqlite::Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            bytes.len(),
            rusqlite::types::Type::Blob,
            e.into(),
        )
    })
}

/// Whether a live (not deleted) record of `kind` with `id` exists.
pub(crate) fn exists(conn: &Connection, kind: EntityKind, id: Uuid) -> Result<bool> {
    let sql = format!(
        "SELECT 1 FROM {} WHERE id = ?1 AND deleted = 0",
        table(kind)
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_bytes()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Refuses a record whose village is not one of its commune's: the village must be on this
/// device (villages come from the office with the area) and belong to the record's commune. The
/// office refuses the same pair; refusing it here tells the user at once instead of a sync
/// later.
pub(crate) fn check_village_in_commune(
    conn: &Connection,
    commune_code: &str,
    village: Option<Uuid>,
) -> Result<()> {
    let Some(village) = village else {
        return Ok(());
    };
    let commune: Option<String> = conn
        .prepare_cached("SELECT commune_code FROM villages WHERE id = ?1")?
        .query_row([village.as_bytes()], |r| r.get(0))
        .optional()?;
    match commune {
        Some(commune) if commune == commune_code => Ok(()),
        Some(commune) => Err(StoreError::rule(
            "village_mismatch",
            "village_id",
            format!(
                "Thôn/tổ dân phố được chọn thuộc xã/phường {commune}, không thuộc xã/phường \
                 {commune_code} của bản ghi. Hãy chọn lại thôn trong đúng xã."
            ),
        )),
        None => Err(StoreError::rule(
            "village_mismatch",
            "village_id",
            "Thôn/tổ dân phố được chọn chưa có trên máy. Hãy đồng bộ để tải danh sách thôn của \
             địa bàn, rồi chọn lại thôn.",
        )),
    }
}

/// Refuses a record whose parent is missing or deleted.
fn require_parent(conn: &Connection, kind: EntityKind, id: Uuid, field: &str) -> Result<()> {
    if exists(conn, kind, id)? {
        Ok(())
    } else {
        Err(StoreError::rule(
            "parent_missing",
            field,
            format!(
                "Không tìm thấy {} được chọn trên máy (có thể đã bị xoá). Hãy chọn lại rồi lưu.",
                kind.label_vi()
            ),
        ))
    }
}

/// Refuses a record whose parent belongs elsewhere (a sign-up whose person lives in another
/// household, a payment for another person's sign-up): `column` of the parent must hold
/// `expected`.
fn require_same(
    conn: &Connection,
    parent: EntityKind,
    parent_id: Uuid,
    column: &str,
    expected: Uuid,
    field: &str,
) -> Result<()> {
    let sql = format!("SELECT {column} FROM {} WHERE id = ?1", table(parent));
    let actual: Option<Vec<u8>> = conn
        .prepare_cached(&sql)?
        .query_row([parent_id.as_bytes()], |r| r.get(0))
        .optional()?;
    if actual.as_deref() == Some(expected.as_bytes().as_slice()) {
        Ok(())
    } else {
        Err(StoreError::rule(
            "record_mismatch",
            field,
            format!(
                "{} được chọn không thuộc cùng hộ/người với bản ghi này. Hãy mở lại từ trang của \
                 người tham gia rồi lưu.",
                capitalised(parent.label_vi())
            ),
        ))
    }
}

/// Refuses a record whose household is missing or deleted.
fn require_household(conn: &Connection, household_id: Uuid) -> Result<()> {
    require_parent(conn, EntityKind::Household, household_id, "household_id")
}

/// Refuses a record whose parent (its kind, id and the field that names it) is missing, deleted
/// or belongs elsewhere: each `(column, expected)` of `same` must hold in the parent.
fn require_parent_holding(
    conn: &Connection,
    (parent, parent_id, field): (EntityKind, Uuid, &str),
    same: &[(&str, Uuid)],
) -> Result<()> {
    require_parent(conn, parent, parent_id, field)?;
    for &(column, expected) in same {
        require_same(conn, parent, parent_id, column, expected, field)?;
    }
    Ok(())
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl Record for Village {
    const VILLAGE_COLUMN: bool = false;
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, None)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![("name", text(&self.name))]
    }
}

impl Record for Household {
    const SEARCH_TABLE: Option<&'static str> = Some("household_search");
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("head_name", text(&self.head_name)),
            ("name_key", Value::Blob(sort_key(&self.head_name))),
            ("address", text(&self.address)),
        ]
    }
    fn search_text(&self) -> Option<String> {
        Some(fold(&format!("{} {}", self.head_name, self.address)))
    }
}

impl Record for Person {
    const SEARCH_TABLE: Option<&'static str> = Some("person_search");
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("household_id", blob(self.household_id)),
            ("full_name", text(&self.full_name)),
            ("phone", opt_text(self.phone.as_deref())),
            ("personal_id", opt_text(self.personal_id.as_deref())),
            ("stage", serde_text(&self.stage)),
        ]
    }
    fn search_text(&self) -> Option<String> {
        Some(person_search_text(
            &self.full_name,
            self.phone.as_deref(),
            self.personal_id.as_deref(),
            self.legacy_insurance_code.as_deref(),
        ))
    }
    fn check_rules(&self, conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        require_household(conn, self.household_id)
    }
}

/// The folded search text of a person: name, phone, personal ID, old insurance code.
pub(crate) fn person_search_text(
    full_name: &str,
    phone: Option<&str>,
    personal_id: Option<&str>,
    legacy_code: Option<&str>,
) -> String {
    let mut out = fold(full_name);
    for extra in [phone, personal_id, legacy_code].into_iter().flatten() {
        out.push(' ');
        out.push_str(&fold(extra));
    }
    out
}

impl Record for Visit {
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("household_id", blob(self.household_id)),
            ("visited_at", millis(self.visited_at)),
            ("visited_by", blob(self.visited_by)),
            ("outcome", serde_text(&self.outcome)),
        ]
    }
    fn check_rules(&self, conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        require_household(conn, self.household_id)
    }
}

impl Record for FollowUp {
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("household_id", blob(self.household_id)),
            ("person_id", opt_blob(self.person_id)),
            ("assigned_to", blob(self.assigned_to)),
            ("due_date", date(self.due_date)),
            ("done", Value::Integer(i64::from(self.done))),
        ]
    }
    fn check_rules(&self, conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        require_household(conn, self.household_id)?;
        if let Some(person) = self.person_id {
            require_parent_holding(
                conn,
                (EntityKind::Person, person, "person_id"),
                &[("household_id", self.household_id)],
            )?;
        }
        Ok(())
    }
}

impl Record for OutreachEvent {
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![("kind", serde_text(&self.kind)), ("date", date(self.date))]
    }
}

impl Record for Enrollment {
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("person_id", blob(self.person_id)),
            ("household_id", blob(self.household_id)),
            ("collector_id", blob(self.collector_id)),
            ("status", serde_text(&self.status)),
            ("payment_mode", serde_text(&self.payment_mode)),
            ("first_month", date(self.first_month)),
        ]
    }
    fn check_rules(&self, conn: &Connection, ctx: &ValidationContext) -> Result<()> {
        require_household(conn, self.household_id)?;
        require_parent_holding(
            conn,
            (EntityKind::Person, self.person_id, "person_id"),
            &[("household_id", self.household_id)],
        )?;
        let person = stored_person(conn, self.person_id)?;
        validate_enrollment_for(&person, self, ctx).map_err(StoreError::Invalid)
    }
}

/// The live person a sign-up is for, as stored; `parent_missing` when there is none.
fn stored_person(conn: &Connection, id: Uuid) -> Result<Person> {
    let data: Option<String> = conn
        .prepare_cached("SELECT data FROM persons WHERE id = ?1 AND deleted = 0")?
        .query_row([id.as_bytes()], |r| r.get(0))
        .optional()?;
    match data {
        Some(data) => Ok(serde_json::from_str(&data)?),
        None => Err(StoreError::rule(
            "parent_missing",
            "person_id",
            format!(
                "Không tìm thấy {} được chọn trên máy (có thể đã bị xoá). Hãy chọn lại rồi lưu.",
                EntityKind::Person.label_vi()
            ),
        )),
    }
}

impl Record for Payment {
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, self.village_id)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("enrollment_id", blob(self.enrollment_id)),
            ("person_id", blob(self.person_id)),
            ("household_id", blob(self.household_id)),
            ("collector_id", blob(self.collector_id)),
            ("months_from", date(self.months_from)),
            ("months_to", date(self.months_to)),
            ("amount", Value::Integer(self.amount.get())),
            ("collected_at", millis(self.collected_at)),
            ("receipt_number", text(self.receipt_number.trim())),
            ("method", serde_text(&self.method)),
        ]
    }
    fn check_rules(&self, conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        require_parent_holding(
            conn,
            (EntityKind::Enrollment, self.enrollment_id, "enrollment_id"),
            &[
                ("person_id", self.person_id),
                ("household_id", self.household_id),
            ],
        )?;
        let other: Option<Vec<u8>> = conn
            .prepare_cached(
                "SELECT id FROM payments WHERE collector_id = ?1 AND receipt_number = ?2 AND id <> ?3",
            )?
            .query_row(
                params![
                    self.collector_id.as_bytes(),
                    self.receipt_number.trim(),
                    self.id.as_bytes()
                ],
                |row| row.get(0),
            )
            .optional()?;
        if other.is_some() {
            return Err(StoreError::rule(
                "receipt_duplicate",
                "receipt_number",
                format!(
                    "Số biên lai {} đã được dùng cho một khoản thu khác. Hãy kiểm tra lại số trên \
                     biên lai.",
                    self.receipt_number.trim()
                ),
            ));
        }
        Ok(())
    }
}

impl Record for Remittance {
    const VILLAGE_COLUMN: bool = false;
    fn area(&self) -> (&str, Option<Uuid>) {
        (&self.commune_code, None)
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("collector_id", blob(self.collector_id)),
            ("remitted_at", millis(self.remitted_at)),
            ("total", Value::Integer(self.total.get())),
        ]
    }
    fn linked_payments(&self) -> Option<&[Uuid]> {
        Some(&self.payment_ids)
    }
    fn check_rules(&self, conn: &Connection, _ctx: &ValidationContext) -> Result<()> {
        check_remittance(self, conn)
    }
}

/// A remittance settles only cash this collector took and has not handed over yet, and its
/// total is exactly the sum of those payments (cash reconciliation is to the đồng).
fn check_remittance(remittance: &Remittance, conn: &Connection) -> Result<()> {
    let refuse =
        |message: String| StoreError::rule("remittance_payment_invalid", "payment_ids", message);
    if remittance.payment_ids.is_empty() {
        return Err(refuse(
            "Chưa chọn khoản thu nào để nộp. Hãy chọn các khoản tiền mặt cần nộp.".into(),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut sum: i64 = 0;
    let mut lookup = conn.prepare_cached(
        "SELECT collector_id, method, amount, receipt_number, \
           (SELECT count(*) FROM remittance_payments rp WHERE rp.payment_id = p.id AND rp.remittance_id <> ?2) \
         FROM payments p WHERE p.id = ?1 AND p.deleted = 0",
    )?;
    for payment_id in &remittance.payment_ids {
        if !seen.insert(*payment_id) {
            return Err(refuse(
                "Một khoản thu được chọn hai lần. Hãy bỏ bớt một lần.".into(),
            ));
        }
        let row: Option<(Vec<u8>, String, i64, String, i64)> = lookup
            .query_row(
                params![payment_id.as_bytes(), remittance.id.as_bytes()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((collector, method, amount, receipt, remitted_elsewhere)) = row else {
            return Err(refuse(
                "Có khoản thu không còn trên máy (có thể đã bị xoá). Hãy chọn lại các khoản cần nộp."
                    .into(),
            ));
        };
        if collector.as_slice() != remittance.collector_id.as_bytes() {
            return Err(refuse(format!(
                "Biên lai {receipt} do người khác thu, không nộp chung được. Hãy bỏ khoản này ra."
            )));
        }
        if serde_text(&PaymentMethod::Cash) != Value::Text(method) {
            return Err(refuse(format!(
                "Biên lai {receipt} là chuyển khoản, không phải tiền mặt cần nộp. Hãy bỏ khoản này ra."
            )));
        }
        if remitted_elsewhere > 0 {
            return Err(refuse(format!(
                "Biên lai {receipt} đã được nộp trong một lần nộp khác. Hãy bỏ khoản này ra."
            )));
        }
        sum += amount;
    }
    if sum != remittance.total.get() {
        return Err(StoreError::rule(
            "remittance_total_mismatch",
            "total",
            format!(
                "Tổng tiền nộp {} khác tổng các khoản đã chọn {}. Hãy kiểm tra lại số tiền.",
                remittance.total,
                sotay_domain::Vnd(sum)
            ),
        ));
    }
    Ok(())
}

impl Record for Quota {
    const VILLAGE_COLUMN: bool = false;
    fn area(&self) -> (&str, Option<Uuid>) {
        (
            &self.commune_code,
            match &self.scope {
                QuotaScope::Village(id) => Some(*id),
                _ => None,
            },
        )
    }
    fn columns(&self) -> Vec<(&'static str, Value)> {
        let (scope_kind, scope_key) = quota_scope_key(&self.scope);
        let (period_kind, year, half) = quota_period_key(self.period);
        vec![
            ("scope_kind", text(scope_kind)),
            ("scope_key", Value::Text(scope_key)),
            ("period_kind", text(period_kind)),
            ("year", Value::Integer(i64::from(year))),
            (
                "half",
                half.map_or(Value::Null, |h| Value::Integer(i64::from(h))),
            ),
        ]
    }
}

/// How a quota scope is keyed in the `quotas` table.
pub(crate) fn quota_scope_key(scope: &QuotaScope) -> (&'static str, String) {
    match scope {
        QuotaScope::Collector(id) => ("collector", id.to_string()),
        QuotaScope::Village(id) => ("village", id.to_string()),
        QuotaScope::Commune(code) => ("commune", code.clone()),
    }
}

/// How a quota period is keyed in the `quotas` table.
pub(crate) fn quota_period_key(period: QuotaPeriod) -> (&'static str, i32, Option<u8>) {
    match period {
        QuotaPeriod::HalfYear { year, half } => ("half_year", year, Some(half)),
        QuotaPeriod::Year { year } => ("year", year, None),
    }
}
