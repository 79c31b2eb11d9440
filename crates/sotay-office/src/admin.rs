//! The admin commands' work, as library functions over any [`OfficeStore`] so the binary, the
//! tests and `scripts/run.sh` share one implementation: users, areas, villages, enrolment codes,
//! device revocation, the official unit list, office decisions, and the demo commune.
//!
//! Office-made records (villages, quotas, seeded households, sign-up decisions) are written as
//! ops from the office's clock node through the same [`OfficeStore::apply_op`] as device ops, so
//! they are validated, merged and fed to devices by the same rules.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Map, Value};
use sotay_domain::policy::add_months;
use sotay_domain::*;
use sotay_sync::protocol::OpOutcome;
use std::sync::Arc;
use uuid::Uuid;

use crate::apply::{ApplyContext, OFFICE_NODE, Writer};
use crate::auth::{hash_secret, new_enrolment_code, normalize_code};
use crate::clock::{now_ms, today_in_vietnam};
use crate::error::{OfficeError, Result};
use crate::storage::{AdminUnit, DeviceInfo, OfficeStore};

/// The official list of communes after the 1 July 2025 reorganisation, as the domain ships it
/// (`sotay_domain::admin_units`, compiled in once for the app and the office).
pub fn official_units() -> Vec<AdminUnit> {
    use sotay_domain::admin_units::{CommuneKind, communes};
    communes()
        .iter()
        .map(|commune| AdminUnit {
            province_code: commune.province_code.to_owned(),
            province_name: commune.province().name.to_owned(),
            commune_code: commune.code.to_owned(),
            commune_name: commune.name.to_owned(),
            commune_type: match commune.kind {
                CommuneKind::Commune => "xã",
                CommuneKind::Ward => "phường",
                CommuneKind::SpecialZone => "đặc khu",
            }
            .to_owned(),
        })
        .collect()
}

/// Brings a database's schema up to date and gives a fresh one the official communes: what
/// every command, and every test office, does first.
pub async fn prepare(store: &impl OfficeStore) -> Result<()> {
    store.migrate().await?;
    ensure_official_units(store).await?;
    Ok(())
}

/// A field user ready to enrol a phone: created, given `commune` (or one `village` of it), and
/// a one-time code valid for `ttl`. Returns the user and the code.
pub async fn user_with_code(
    store: &impl OfficeStore,
    full_name: &str,
    role: Role,
    commune: &str,
    village: Option<Uuid>,
    ttl: Duration,
) -> Result<(User, String)> {
    let user = create_user(store, full_name, role, None).await?;
    assign_area(store, user.id, commune, village).await?;
    let code = issue_code(store, user.id, ttl).await?;
    Ok((user, code))
}

/// Loads the official unit list into a database that has none (a fresh one), so every command
/// knows the communes without a separate `import-units`. Returns how many were loaded.
pub async fn ensure_official_units(store: &impl OfficeStore) -> Result<usize> {
    let units = official_units();
    // One look at the first and the last commune: a database that has both has the list.
    let (Some(first), Some(last)) = (units.first(), units.last()) else {
        return Ok(0);
    };
    if store.commune_exists(&first.commune_code).await?
        && store.commune_exists(&last.commune_code).await?
    {
        return Ok(0);
    }
    store.import_units(&units).await
}

/// Sets the collection organisation (tổ chức dịch vụ thu: a post office, a commune's People's
/// Committee…) `user_id` collects for, which the evaluation groups collectors by; an empty text
/// clears it. Returns the organisation as stored (one clean line, at most 200 characters).
pub async fn set_organisation(
    store: &impl OfficeStore,
    user_id: Uuid,
    organisation: &str,
) -> Result<Option<String>> {
    let clean = sotay_domain::text::normalize_free_text(organisation)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if clean.chars().count() > 200 {
        return Err(OfficeError::Invalid(
            "Tên tổ chức dài quá 200 ký tự.".into(),
        ));
    }
    if clean.chars().any(char::is_control) {
        return Err(OfficeError::Invalid(
            "Tên tổ chức có ký tự điều khiển không hợp lệ.".into(),
        ));
    }
    if !store.set_user_organisation(user_id, &clean).await? {
        return Err(OfficeError::Invalid(format!(
            "Không có người dùng {user_id}."
        )));
    }
    Ok((!clean.is_empty()).then_some(clean))
}

/// Adds a user.
pub async fn create_user(
    store: &impl OfficeStore,
    full_name: &str,
    role: Role,
    phone: Option<&str>,
) -> Result<User> {
    // The same clean form and checks as every record: NFC name, 0XXXXXXXXX phone, no control
    // or bidirectional-override characters.
    let user = User {
        id: Uuid::now_v7(),
        full_name: full_name.to_owned(),
        role,
        phone: phone.map(str::to_owned),
        organisation: None,
    }
    .normalized();
    user.validate(&ValidationContext::at(Utc::now()))
        .map_err(|errors| {
            OfficeError::Invalid(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })?;
    store.insert_user(&user).await?;
    Ok(user)
}

/// Gives a user a whole commune, or one village of it.
pub async fn assign_area(
    store: &impl OfficeStore,
    user_id: Uuid,
    commune_code: &str,
    village: Option<Uuid>,
) -> Result<()> {
    if store.user(user_id).await?.is_none() {
        return Err(OfficeError::Invalid(format!(
            "Không có người dùng {user_id}."
        )));
    }
    if !store.commune_exists(commune_code).await? {
        return Err(OfficeError::Invalid(format!(
            "Mã xã/phường {commune_code} không có trong danh mục đơn vị hành chính từ 1/7/2025."
        )));
    }
    if let Some(village) = village {
        // An area is a pair: the village must be one of the commune's.
        match store.record(village).await? {
            Some(record)
                if record.entity == EntityKind::Village && record.commune_code == commune_code => {}
            Some(record) if record.entity == EntityKind::Village => {
                return Err(OfficeError::Invalid(format!(
                    "Thôn {village} thuộc xã/phường {}, không thuộc {commune_code}. Hãy chọn đúng \
                     xã của thôn.",
                    record.commune_code
                )));
            }
            _ => {
                return Err(OfficeError::Invalid(format!(
                    "Không có thôn/tổ dân phố {village}. Xem danh sách thôn bằng list-users hoặc \
                     tạo thôn bằng create-village."
                )));
            }
        }
    }
    store.assign_area(user_id, commune_code, village).await
}

/// A user with their area and devices, as `list-users` shows them.
#[derive(Clone, Debug)]
pub struct UserListing {
    /// The user.
    pub user: User,
    /// Their area.
    pub scope: sotay_sync::protocol::Scope,
    /// Their devices, oldest first.
    pub devices: Vec<DeviceInfo>,
}

/// Every user with their area and devices.
pub async fn list_users(store: &impl OfficeStore) -> Result<Vec<UserListing>> {
    let devices = store.list_devices().await?;
    let mut listing = Vec::new();
    for user in store.list_users().await? {
        let scope = store.scope(user.id).await?;
        let devices = devices
            .iter()
            .filter(|d| d.user_id == user.id)
            .cloned()
            .collect();
        listing.push(UserListing {
            user,
            scope,
            devices,
        });
    }
    Ok(listing)
}

/// The edition published last, when it is newer than `than` (the version in use), read and
/// checked; `None` when there is none newer. An edition that no longer loads is an error.
pub async fn newer_policy(store: &impl OfficeStore, than: &str) -> Result<Option<Policy>> {
    let Some(edition) = store.latest_policy(Some(than)).await? else {
        return Ok(None);
    };
    if !sotay_domain::policy::edition_is_newer(&edition.version, than) {
        return Ok(None);
    }
    Policy::from_toml_str(&edition.toml)
        .map(Some)
        .map_err(|err| {
            OfficeError::Invalid(format!(
                "Chính sách đã phát hành {} không đọc được: {err}",
                edition.version
            ))
        })
}

/// The edition the office uses: the newest of the built-in one and the last published.
pub async fn policy_in_use(store: &impl OfficeStore) -> Result<Arc<Policy>> {
    let built_in = Policy::embedded();
    Ok(Arc::new(
        newer_policy(store, &built_in.version)
            .await?
            .unwrap_or_else(|| built_in.clone()),
    ))
}

/// A whole typed record as an op's fields, with its id. The id stays among the fields, as in a
/// device's op: every copy of the record holds it.
fn record_fields<T: Serialize>(record: &T) -> Result<(Uuid, Map<String, Value>)> {
    let Value::Object(fields) = serde_json::to_value(record)? else {
        return Err(OfficeError::Invalid("record is not an object".into()));
    };
    let id = fields
        .get("id")
        .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .ok_or_else(|| OfficeError::Invalid("record has no id".into()))?;
    Ok((id, fields))
}

/// An office writer: writes ops with the office's clock node.
#[derive(Default)]
pub struct OfficeWriter {
    clock: Option<HlcClock>,
    /// Read from the database at the first write.
    policy: Option<Arc<Policy>>,
}

impl OfficeWriter {
    /// Writes `fields` of a record as the office; refuses with the rejection as an error.
    pub async fn write(
        &mut self,
        store: &impl OfficeStore,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
    ) -> Result<()> {
        let now = now_ms();
        let ctx = self.context(store, now).await?;
        let op = self.office_op(entity, entity_id, fields, now);
        match store.apply_op(&op, &ctx).await? {
            OpOutcome::Rejected {
                code,
                message,
                field,
            } => Err(OfficeError::Invalid(format!(
                "{code} {}: {message}",
                field.unwrap_or_default()
            ))),
            _ => Ok(()),
        }
    }

    /// Makes (without applying) an op writing a whole typed record as the office, for a batch
    /// applied in one transaction with [`OfficeWriter::apply_batch`].
    pub fn record_op<T: Serialize>(&mut self, entity: EntityKind, record: &T) -> Result<Op> {
        let (entity_id, fields) = record_fields(record)?;
        Ok(self.office_op(entity, entity_id, fields, now_ms()))
    }

    /// An op of the office writing `fields` of a record, stamped with the office's clock at
    /// `now` (milliseconds).
    fn office_op(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
        now: u64,
    ) -> Op {
        let hlc = self
            .clock
            .get_or_insert_with(|| HlcClock::new(OFFICE_NODE))
            .tick(now);
        Op::new(entity, entity_id, fields, hlc, OFFICE_NODE, OFFICE_NODE)
    }

    /// How the office's writes are applied at `now` (milliseconds): the policy in use is read
    /// from the database once, at the first write, and kept.
    async fn context(&mut self, store: &impl OfficeStore, now: u64) -> Result<ApplyContext> {
        let policy = match &self.policy {
            Some(policy) => Arc::clone(policy),
            None => {
                let policy = policy_in_use(store).await?;
                self.policy = Some(Arc::clone(&policy));
                policy
            }
        };
        Ok(ApplyContext {
            writer: Writer::Office,
            today: today_in_vietnam(),
            now_ms: now,
            policy,
        })
    }

    /// Applies office ops in one transaction ([`OfficeStore::apply_ops`]); the outcome of each.
    pub async fn apply_batch(
        &mut self,
        store: &impl OfficeStore,
        ops: Vec<Op>,
    ) -> Result<Vec<OpOutcome>> {
        let ctx = self.context(store, now_ms()).await?;
        store.apply_ops(Arc::from(ops), &ctx).await
    }

    /// Makes (without applying) an op writing `fields` of a record as the office, for
    /// [`OfficeWriter::apply_batch`].
    pub fn field_op(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
    ) -> Op {
        self.office_op(entity, entity_id, fields, now_ms())
    }

    /// Writes a whole typed record (its `id` becomes the record id).
    pub async fn write_record<T: Serialize>(
        &mut self,
        store: &impl OfficeStore,
        entity: EntityKind,
        record: &T,
    ) -> Result<Uuid> {
        let (id, fields) = record_fields(record)?;
        self.write(store, entity, id, fields).await?;
        Ok(id)
    }

    /// The office's decision on a sign-up (authoritative over devices' status edits).
    pub async fn decide_enrollment(
        &mut self,
        store: &impl OfficeStore,
        enrollment_id: Uuid,
        status: EnrollmentStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut fields = Map::new();
        fields.insert("status".into(), serde_json::to_value(status)?);
        fields.insert("status_reason".into(), serde_json::to_value(reason)?);
        self.write(store, EntityKind::Enrollment, enrollment_id, fields)
            .await
    }
}

/// An office decision on a sign-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Đã duyệt.
    Approve,
    /// Bị từ chối (with a reason).
    Reject,
    /// Cần bổ sung (with a reason).
    NeedsCorrection,
}

/// Records the office's decision on a sign-up, as an office op (authoritative over the devices'
/// status edits), and returns the Vietnamese name of the new status. A rejection or a request
/// for correction needs a reason, which the collector reads on the person's page.
pub async fn review_enrollment(
    store: &impl OfficeStore,
    enrollment_id: Uuid,
    decision: Decision,
    reason: Option<&str>,
) -> Result<&'static str> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let (status, label) = match decision {
        Decision::Approve => (EnrollmentStatus::Approved, "đã duyệt"),
        Decision::Reject => (EnrollmentStatus::Rejected, "bị từ chối"),
        Decision::NeedsCorrection => (EnrollmentStatus::NeedsCorrection, "cần bổ sung"),
    };
    if decision != Decision::Approve && reason.is_none() {
        return Err(OfficeError::Invalid(
            "Hãy ghi lý do (--reason \"...\") để người thu biết cần làm gì.".into(),
        ));
    }
    match store.record(enrollment_id).await? {
        Some(record) if record.entity == EntityKind::Enrollment => {}
        _ => {
            return Err(OfficeError::Invalid(format!(
                "Không có tờ khai {enrollment_id}."
            )));
        }
    }
    let reason = if decision == Decision::Approve {
        None
    } else {
        reason
    };
    OfficeWriter::default()
        .decide_enrollment(store, enrollment_id, status, reason)
        .await?;
    Ok(label)
}

/// Creates a village (thôn / tổ dân phố) under a commune.
pub async fn create_village(
    store: &impl OfficeStore,
    writer: &mut OfficeWriter,
    commune_code: &str,
    name: &str,
    kind: VillageKind,
) -> Result<Village> {
    let village = Village {
        id: Uuid::now_v7(),
        commune_code: commune_code.to_owned(),
        name: name.trim().to_owned(),
        kind,
    };
    writer
        .write_record(store, EntityKind::Village, &village)
        .await?;
    Ok(village)
}

/// Issues a one-time enrolment code for a user, valid for `ttl`; returns the code (shown once).
pub async fn issue_code(store: &impl OfficeStore, user_id: Uuid, ttl: Duration) -> Result<String> {
    if store.user(user_id).await?.is_none() {
        return Err(OfficeError::Invalid(format!(
            "Không có người dùng {user_id}."
        )));
    }
    let code = new_enrolment_code();
    store
        .insert_code(
            &hash_secret(&normalize_code(&code)),
            user_id,
            Utc::now() + ttl,
        )
        .await?;
    Ok(code)
}

/// Revokes a device: its next sync call gets 401 `device_revoked`.
pub async fn revoke_device(store: &impl OfficeStore, device_id: Uuid) -> Result<()> {
    if store.revoke_device(device_id, Utc::now()).await? {
        Ok(())
    } else {
        Err(OfficeError::Invalid(format!(
            "Không có thiết bị {device_id}."
        )))
    }
}

/// Marks a device lost: the office still takes what it pushes (what it refuses is kept whole),
/// then its next pull orders it to erase itself (410 `device_wipe`). Written to the audit log
/// by `actor`.
pub async fn wipe_device(store: &impl OfficeStore, device_id: Uuid, actor: &Actor) -> Result<()> {
    let device = store
        .device(device_id)
        .await?
        .ok_or_else(|| OfficeError::Invalid(format!("Không có thiết bị {device_id}.")))?;
    store.request_wipe(device_id, Utc::now()).await?;
    let owner = store.user(device.user_id).await?;
    audit_device(
        store,
        actor,
        "device_wipe_requested",
        device.user_id,
        format!(
            "Báo mất thiết bị \"{}\" của {}: xoá dữ liệu ở lần kết nối tới",
            device.name,
            owner.map(|u| u.full_name).unwrap_or_default()
        ),
    )
    .await
}

/// Who did an admin action, for the audit log.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The signed-in user, or None for the command line.
    pub user_id: Option<Uuid>,
    /// Their name (or "Dòng lệnh").
    pub name: String,
}

impl Actor {
    /// An admin at the server's command line.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            name: "Dòng lệnh (quản trị máy chủ)".into(),
        }
    }
}

/// Writes a device change to the audit log, under the commune of the device's user.
pub async fn audit_device(
    store: &impl OfficeStore,
    actor: &Actor,
    action: &str,
    owner: Uuid,
    detail: String,
) -> Result<()> {
    let commune = store.scope(owner).await?.communes.into_iter().next();
    store
        .audit(&crate::storage::dashboard::AuditEntry {
            at: Utc::now(),
            user_id: actor.user_id,
            user_name: actor.name.clone(),
            action: action.into(),
            commune_code: commune,
            detail,
        })
        .await
}

/// Publishes a policy edition for the devices, after `Policy::from_toml_str` checked it (every
/// table, date and rate; an unknown key is refused). Returns its version. Only an edition newer
/// than the one in use (the last published, else the built-in one) is taken: a corrected edition
/// needs a new label.
pub async fn publish_policy(store: &impl OfficeStore, toml: &str) -> Result<String> {
    let policy = Policy::from_toml_str(toml)
        .map_err(|err| OfficeError::Invalid(format!("Tệp chính sách không hợp lệ: {err}")))?;
    // Editions only move forward, so the one published last is the newest for every device.
    let latest = store.latest_policy(None).await?.map(|e| e.version);
    let current = latest.unwrap_or_else(|| Policy::embedded().version.clone());
    if !sotay_domain::policy::edition_is_newer(&policy.version, &current) {
        return Err(OfficeError::Invalid(format!(
            "Phiên bản chính sách {} không mới hơn phiên bản đang dùng {current}. Hãy đặt nhãn \
             phiên bản mới hơn (NĂM-THÁNG-NGÀY.SỐ).",
            policy.version
        )));
    }
    let edition = sotay_sync::protocol::PolicyEdition {
        version: policy.version.clone(),
        toml: toml.to_owned(),
    };
    if store.publish_policy(&edition, Utc::now()).await? {
        Ok(policy.version)
    } else {
        Err(OfficeError::Invalid(format!(
            "Phiên bản chính sách {} đã được phát hành. Hãy đặt nhãn phiên bản mới (version) cho \
             bản sửa.",
            policy.version
        )))
    }
}

/// A village line of a villages CSV: `commune_code,name[,kind]` (kind `village` or
/// `residential_group`).
pub fn parse_villages(csv_text: &str) -> Result<Vec<(String, String, VillageKind)>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| OfficeError::Invalid(format!("dòng {}: {e}", i + 2)))?;
        let commune = row.get(0).unwrap_or("").trim().to_owned();
        let name = row.get(1).unwrap_or("").trim().to_owned();
        if commune.is_empty() || name.is_empty() {
            return Err(OfficeError::Invalid(format!(
                "dòng {}: cần mã xã và tên thôn",
                i + 2
            )));
        }
        let kind = match row.get(2).map(str::trim) {
            Some("residential_group") => VillageKind::ResidentialGroup,
            _ => VillageKind::Village,
        };
        out.push((commune, name, kind));
    }
    Ok(out)
}

/// What `seed-demo` made.
#[derive(Debug)]
pub struct DemoReport {
    /// The commune.
    pub commune_code: String,
    /// Villages made.
    pub villages: usize,
    /// Households made.
    pub households: usize,
    /// Persons made.
    pub persons: usize,
    /// Sign-ups made.
    pub enrollments: usize,
    /// Users with their one-time enrolment codes.
    pub codes: Vec<(String, Role, String)>,
    /// Dashboard sign-ins made: (name, role, login, password), the password shown only here.
    pub sign_ins: Vec<(String, Role, String, String)>,
}

/// A demo password: 12 characters of the enrolment-code alphabet (easy to read and type).
fn demo_password() -> String {
    crate::auth::new_enrolment_code().replace('-', "") + &crate::auth::new_enrolment_code()[..2]
}

/// The demo commune: Xã Sóc Sơn, Hà Nội.
pub const DEMO_COMMUNE: &str = "00376";
/// Its province, Hà Nội (for the provincial top-up in the demo's quotes).
const DEMO_COMMUNE_PROVINCE: &str = "01";

const SURNAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương",
];
const MIDDLE_MALE: &[&str] = &["Văn", "Đức", "Minh", "Quang", "Hữu", "Công"];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Thu", "Ngọc", "Thanh", "Kim", "Bích"];
const GIVEN_MALE: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Nam", "Long", "Sơn", "Thắng", "Bình", "Cường", "Hải", "Khoa", "Phúc",
];
const GIVEN_FEMALE: &[&str] = &[
    "Lan", "Hoa", "Hương", "Mai", "Hạnh", "Nga", "Thảo", "Yến", "Linh", "Trang", "Huyền", "Dung",
];
const VILLAGES: &[&str] = &[
    "Thôn Đông",
    "Thôn Đoài",
    "Thôn Thượng",
    "Thôn Hạ",
    "Thôn Xuân Dục",
    "Thôn Phù Mã",
];

/// A well-formed 12-digit ID number for the demo's `n`th participant, born in Hà Nội (province
/// code 001) in `birth_year`: the 4th digit gives the sex and century (0/1 for a man/woman born
/// 1900–1999, 2/3 from 2000; Circular 59/2021/TT-BCA, see `sotay_domain::cccd`), the next two
/// the year.
fn demo_personal_id(sex: Sex, birth_year: i32, n: usize) -> String {
    let century = (birth_year / 100 - 19) * 2 + i32::from(sex == Sex::Female);
    format!(
        "001{century}{:02}{:06}",
        birth_year % 100,
        104_729 * (n + 1) % 1_000_000
    )
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Seeds a realistic demo commune: the unit list, 6 villages, 2 collectors, a board member and a
/// supervisor with their areas, ~300 households with their members, some sign-ups (one
/// approved, with a payment), quotas, and an enrolment code for each field user. `progress` is
/// called after each household with (done, total).
pub async fn seed_demo(
    store: &impl OfficeStore,
    households: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<DemoReport> {
    let mut rng = StdRng::seed_from_u64(2025);
    ensure_official_units(store).await?;
    let mut writer = OfficeWriter::default();
    let mut villages = Vec::new();
    for name in VILLAGES {
        villages.push(
            create_village(store, &mut writer, DEMO_COMMUNE, name, VillageKind::Village).await?,
        );
    }
    let lan = create_user(store, "Nguyễn Thị Lan", Role::Collector, Some("0912345678")).await?;
    let hung = create_user(
        store,
        "Trần Văn Hùng",
        Role::PostOfficeCollector,
        Some("0987654321"),
    )
    .await?;
    let board = create_user(store, "Lê Thị Mai", Role::BoardMember, Some("0934567890")).await?;
    let supervisor = create_user(store, "Phạm Minh Đức", Role::OfficeSupervisor, None).await?;
    let office_admin = create_user(store, "Vũ Thu Hà", Role::OfficeAdmin, None).await?;
    let mut sign_ins = Vec::new();
    for (user, login) in [(&office_admin, "quantri"), (&supervisor, "giamsat")] {
        let password = demo_password();
        crate::passwords::set_login(store, user, login, &password).await?;
        sign_ins.push((
            user.full_name.clone(),
            user.role,
            login.to_owned(),
            password,
        ));
    }
    // Both collect for the commune's post office, under its contract with the office.
    for collector in [lan.id, hung.id] {
        set_organisation(store, collector, "Bưu điện văn hoá xã Sóc Sơn").await?;
    }
    assign_area(store, lan.id, DEMO_COMMUNE, None).await?;
    assign_area(store, supervisor.id, DEMO_COMMUNE, None).await?;
    for v in &villages[..3] {
        assign_area(store, hung.id, DEMO_COMMUNE, Some(v.id)).await?;
    }
    assign_area(store, board.id, DEMO_COMMUNE, Some(villages[0].id)).await?;

    let today = today_in_vietnam();
    let first_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let policy = policy_in_use(store).await?;
    let mut persons = 0;
    let mut enrollments = 0;
    let mut follow_ups = 0;
    for i in 0..households {
        let village = &villages[i % villages.len()];
        let surname = pick(&mut rng, SURNAMES);
        let head_name = format!(
            "{surname} {} {}",
            pick(&mut rng, MIDDLE_MALE),
            pick(&mut rng, GIVEN_MALE)
        );
        let poverty_status = match rng.random_range(0..20) {
            0 => PovertyStatus::Poor,
            1 | 2 => PovertyStatus::NearPoor,
            _ => PovertyStatus::None,
        };
        let household = Household {
            id: Uuid::now_v7(),
            commune_code: DEMO_COMMUNE.into(),
            village_id: Some(village.id),
            address: format!("Số {} {}, Xã Sóc Sơn, Hà Nội", i + 1, village.name),
            head_name: head_name.clone(),
            poverty_status,
            poverty_year: (poverty_status != PovertyStatus::None).then_some(today.year()),
            notes: String::new(),
            location: Some(GeoPoint {
                lat: 21.25 + rng.random_range(0.0..0.05),
                lon: 105.82 + rng.random_range(0.0..0.05),
            }),
        };
        writer
            .write_record(store, EntityKind::Household, &household)
            .await?;
        if i % 3 == 0 {
            // A visit some days ago (at most about five months back), so the overview and the
            // evaluation have something to count.
            let visit = Visit {
                id: Uuid::now_v7(),
                household_id: household.id,
                commune_code: DEMO_COMMUNE.into(),
                village_id: Some(village.id),
                visited_at: Utc::now() - Duration::days(rng.random_range(1..150)),
                visited_by: if i % 2 == 0 { lan.id } else { hung.id },
                persons_met: Vec::new(),
                channel: VisitChannel::DoorToDoor,
                outcome: if i % 5 == 0 {
                    VisitOutcome::Interested
                } else {
                    VisitOutcome::Informed
                },
                notes: String::new(),
                location: None,
                next_follow_up: None,
            };
            writer
                .write_record(store, EntityKind::Visit, &visit)
                .await?;
        }
        if i % 4 == 1 && follow_ups < 6 {
            // Lan's morning: six households to go back to, half of them overdue; the first was
            // handed to her by the village board.
            let follow_up = FollowUp {
                id: Uuid::now_v7(),
                household_id: household.id,
                person_id: None,
                commune_code: DEMO_COMMUNE.into(),
                village_id: Some(village.id),
                assigned_to: lan.id,
                due_date: today - Duration::days(follow_ups as i64 % 3),
                reason: if follow_ups == 0 {
                    FollowUpReason::Referral
                } else {
                    FollowUpReason::CallBack
                },
                note: if follow_ups == 0 {
                    "Ban vận động giới thiệu: cả hai vợ chồng muốn tham gia".into()
                } else {
                    "Hẹn quay lại trao đổi về mức đóng".into()
                },
                done: false,
            };
            writer
                .write_record(store, EntityKind::FollowUp, &follow_up)
                .await?;
            follow_ups += 1;
        }
        let members = rng.random_range(1..=4);
        for m in 0..members {
            let sex = if m == 0 || rng.random_bool(0.5) && m != 1 {
                Sex::Male
            } else {
                Sex::Female
            };
            let full_name = if m == 0 {
                head_name.clone()
            } else if sex == Sex::Male {
                format!(
                    "{surname} {} {}",
                    pick(&mut rng, MIDDLE_MALE),
                    pick(&mut rng, GIVEN_MALE)
                )
            } else {
                format!(
                    "{} {} {}",
                    pick(&mut rng, SURNAMES),
                    pick(&mut rng, MIDDLE_FEMALE),
                    pick(&mut rng, GIVEN_FEMALE)
                )
            };
            let birth_year = today.year() - rng.random_range(20..60);
            let stage = match rng.random_range(0..10) {
                0 => Stage::Interested,
                1 | 2 => Stage::Contacted,
                _ => Stage::Prospect,
            };
            let date_of_birth = NaiveDate::from_ymd_opt(
                birth_year,
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            );
            // Someone interested signs up: a participant has an ID number and a phone, as the
            // sign-up form asks. The first dozen signed up this month (a third paid their first
            // quarter); the next four two months ago and paid a quarter that ends this month
            // (due for renewal); the two after five months ago and did not renew the quarter
            // that ended three months ago (lapsed) — Hôm nay's lists on the first morning.
            let signs_up = stage == Stage::Interested && enrollments < 18;
            let (start, paid) = match enrollments {
                0..12 => (first_month, enrollments % 3 == 0),
                12..16 => (first_month - chrono::Months::new(2), true),
                _ => (first_month - chrono::Months::new(5), true),
            };
            let person = Person {
                id: Uuid::now_v7(),
                household_id: household.id,
                commune_code: DEMO_COMMUNE.into(),
                village_id: Some(village.id),
                full_name,
                sex,
                date_of_birth,
                personal_id: signs_up.then(|| demo_personal_id(sex, birth_year, enrollments)),
                legacy_insurance_code: None,
                phone: signs_up.then(|| format!("091{:07}", 2_345_000 + enrollments)),
                occupation: if rng.random_bool(0.6) {
                    Occupation::Farmer
                } else {
                    Occupation::InformalWorker
                },
                ethnic_minority: false,
                coverage: Coverage::None,
                stage: if signs_up { Stage::Enrolled } else { stage },
                decline_reason: None,
                notes: String::new(),
            };
            writer
                .write_record(store, EntityKind::Person, &person)
                .await?;
            persons += 1;
            if signs_up {
                // Priced as the app prices it: 1.500.000 ₫ a month, paid 3 months at a time.
                let priced = quote(
                    &policy,
                    &QuoteRequest {
                        date: start,
                        province_code: Some(DEMO_COMMUNE_PROVINCE.into()),
                        support_groups: vec![SupportGroup::Other],
                        monthly_income: Vnd(1_500_000),
                        mode: PaymentMode::Quarterly,
                        supported_months_used: 0,
                    },
                )
                .map_err(|err| OfficeError::Invalid(format!("demo quote: {err}")))?;
                let enrollment = Enrollment {
                    id: Uuid::now_v7(),
                    person_id: person.id,
                    household_id: household.id,
                    commune_code: DEMO_COMMUNE.into(),
                    village_id: Some(village.id),
                    collector_id: lan.id,
                    monthly_income: Vnd(1_500_000),
                    payment_mode: PaymentMode::Quarterly,
                    first_month: start,
                    support_groups: vec![SupportGroup::Other],
                    quote: Some(serde_json::to_value(&priced)?),
                    status: EnrollmentStatus::Submitted,
                    status_reason: None,
                };
                writer
                    .write_record(store, EntityKind::Enrollment, &enrollment)
                    .await?;
                if paid {
                    // Collected today, or a few days into an earlier first month.
                    let paid_on = if start == first_month {
                        today
                    } else {
                        start + Duration::days(4)
                    };
                    writer
                        .decide_enrollment(store, enrollment.id, EnrollmentStatus::Approved, None)
                        .await?;
                    let payment = Payment {
                        id: Uuid::now_v7(),
                        enrollment_id: enrollment.id,
                        person_id: person.id,
                        household_id: household.id,
                        commune_code: DEMO_COMMUNE.into(),
                        village_id: Some(village.id),
                        collector_id: lan.id,
                        months_from: start,
                        months_to: add_months(start, priced.period_months.max(1) - 1),
                        amount: priced.amount_due,
                        collected_at: Utc
                            .from_utc_datetime(&paid_on.and_hms_opt(2, 0, 0).unwrap_or_default()),
                        receipt_number: format!("BL-{:05}", enrollments + 1),
                        method: PaymentMethod::Cash,
                    };
                    writer
                        .write_record(store, EntityKind::Payment, &payment)
                        .await?;
                    if start != first_month {
                        // Months ago: handed in to the post office's cashier the next day.
                        let remittance = Remittance {
                            id: Uuid::now_v7(),
                            collector_id: lan.id,
                            commune_code: DEMO_COMMUNE.into(),
                            remitted_at: payment.collected_at + Duration::days(1),
                            payment_ids: vec![payment.id],
                            total: payment.amount,
                            note: String::new(),
                        };
                        writer
                            .write_record(store, EntityKind::Remittance, &remittance)
                            .await?;
                    }
                }
                enrollments += 1;
            }
        }
        progress(i + 1, households);
    }
    for village in &villages {
        let quota = Quota {
            id: Uuid::now_v7(),
            period: QuotaPeriod::Year { year: today.year() },
            scope: QuotaScope::Village(village.id),
            commune_code: DEMO_COMMUNE.into(),
            target_signups: 20,
            target_renewals: 10,
        };
        writer
            .write_record(store, EntityKind::Quota, &quota)
            .await?;
    }
    for (k, village) in villages.iter().enumerate().take(3) {
        let event = OutreachEvent {
            id: Uuid::now_v7(),
            kind: OutreachKind::VillageMeeting,
            commune_code: DEMO_COMMUNE.into(),
            village_id: Some(village.id),
            date: today - Duration::days(10 + 20 * k as i64),
            attendees: 25 + 7 * k as u32,
            organiser: "Ban vận động thôn".into(),
            notes: String::new(),
        };
        writer
            .write_record(store, EntityKind::OutreachEvent, &event)
            .await?;
    }
    // The coverage denominator: the commune's working-age labour force and the 2025 target
    // (3%, seed 003).
    store
        .set_commune_target(DEMO_COMMUNE, 9_500, 30, Utc::now())
        .await?;
    let mut codes = Vec::new();
    for user in [&lan, &hung, &board] {
        let code = issue_code(store, user.id, Duration::hours(72)).await?;
        codes.push((user.full_name.clone(), user.role, code));
    }
    Ok(DemoReport {
        commune_code: DEMO_COMMUNE.into(),
        villages: villages.len(),
        households,
        persons,
        enrollments,
        codes,
        sign_ins,
    })
}

/// What [`transfer_participants`] moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Sign-ups now the new collector's (their renewals come to their phone).
    pub signups: usize,
    /// Open follow-ups now assigned to the new collector.
    pub follow_ups: usize,
    /// Records left with the old collector: outside the new collector's area.
    pub outside_area: usize,
}

/// Moves what a collector holds — sign-ups and open follow-ups, in the communes `visible` — to
/// another collector, when a contract ends or areas are redrawn: office ops, so both phones see
/// it at their next sync. Only records in the new collector's area move (they could not see
/// the others). The new holder must be a collector, else nothing moves.
pub async fn transfer_participants(
    store: &impl OfficeStore,
    visible: &crate::storage::dashboard::Visible,
    from: Uuid,
    to: Uuid,
) -> Result<Transfer> {
    if from == to {
        return Err(OfficeError::Invalid(
            "Hãy chọn hai người thu khác nhau.".into(),
        ));
    }
    let target = store
        .user(to)
        .await?
        .ok_or_else(|| OfficeError::Invalid("Không có người thu nhận hồ sơ.".into()))?;
    if !target.role.may_write(EntityKind::Enrollment) || !target.role.is_field_role() {
        return Err(OfficeError::Invalid(format!(
            "{} là {}, không thu tiền được: hãy chọn một đại lý thu hoặc nhân viên bưu điện.",
            target.full_name,
            target.role.label_vi()
        )));
    }
    let area = store.scope(to).await?;
    let mut writer = OfficeWriter::default();
    let mut moved = Transfer::default();
    let mut ops = Vec::new();
    for held in store.held_by(visible, from).await? {
        let in_area = area.communes.contains(&held.commune_code)
            || held.village_id.is_some_and(|v| area.villages.contains(&v));
        if !in_area {
            moved.outside_area += 1;
            continue;
        }
        let field = if held.entity == EntityKind::Enrollment {
            moved.signups += 1;
            "collector_id"
        } else {
            moved.follow_ups += 1;
            "assigned_to"
        };
        let mut fields = Map::new();
        fields.insert(field.into(), Value::String(to.to_string()));
        ops.push(writer.field_op(held.entity, held.id, fields));
    }
    for batch in ops.chunks(500) {
        for outcome in writer.apply_batch(store, batch.to_vec()).await? {
            if let OpOutcome::Rejected { code, message, .. } = outcome {
                return Err(OfficeError::Invalid(format!("{code}: {message}")));
            }
        }
    }
    Ok(moved)
}
