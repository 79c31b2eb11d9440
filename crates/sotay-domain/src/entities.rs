//! The records Sotay keeps, with the Vietnamese term for each once. Field names are the JSON
//! names that travel in sync ops, so renaming one is a protocol change.
//!
//! Every synced record carries its scope — the commune code and, where known, the village — so
//! the office can check a device writes only inside its area without looking up parents.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::Vnd;

/// Record ids are uuid v7, made on the device: time-ordered (good index locality) and unique
/// across offline devices without coordination.
pub type Id = Uuid;

/// A new record id (uuid v7).
pub fn new_id() -> Id {
    Uuid::now_v7()
}

/// A GPS position in WGS84 degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude, −90..=90.
    pub lat: f64,
    /// Longitude, −180..=180.
    pub lon: f64,
}

/// Kind of a village-level unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VillageKind {
    /// Thôn, bản, ấp (rural).
    Village,
    /// Tổ dân phố (urban residential group).
    ResidentialGroup,
}

/// Thôn / tổ dân phố: not in the national list; the office creates them under a commune.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Village {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The 5-digit commune code (string: leading zeros matter).
    pub commune_code: String,
    /// Name as people say it ("Thôn Đông").
    pub name: String,
    /// Village or residential group.
    pub kind: VillageKind,
}

/// What a user does, which decides what they see and may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Đại lý thu: collector of a collection organisation.
    Collector,
    /// Nhân viên bưu điện xã: a post-office collector.
    PostOfficeCollector,
    /// Thành viên Ban vận động: a member of a village mobilization board.
    BoardMember,
    /// Cán bộ BHXH: an office supervisor.
    OfficeSupervisor,
    /// Quản trị: an office administrator.
    OfficeAdmin,
}

impl Role {
    /// The Vietnamese name of the role, as people say it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Collector => "Đại lý thu",
            Role::PostOfficeCollector => "Nhân viên bưu điện xã",
            Role::BoardMember => "Thành viên Ban vận động",
            Role::OfficeSupervisor => "Cán bộ BHXH",
            Role::OfficeAdmin => "Quản trị",
        }
    }

    /// Whether this role may write records of `kind`. Sign-up declarations and money (payments,
    /// remittances) are the collectors' duties under their organisation's contract with the
    /// office (take declarations TK1-TS, collect, remit: Decision 1155/QĐ-BHXH 2022 as amended
    /// by 615/QĐ-BHXH 2023); a village mobilization board member does outreach (households,
    /// persons, visits, follow-ups, meetings) and hands no money. The app hides what a role may
    /// not do, and the office refuses it (`role_forbidden`).
    pub fn may_write(self, kind: crate::EntityKind) -> bool {
        use crate::EntityKind as K;
        match kind {
            K::Enrollment | K::Payment | K::Remittance => matches!(
                self,
                Role::Collector | Role::PostOfficeCollector | Role::OfficeAdmin
            ),
            _ => true,
        }
    }

    /// Roles that work in the field with the app (and so enrol devices).
    pub fn is_field_role(self) -> bool {
        matches!(
            self,
            Role::Collector | Role::PostOfficeCollector | Role::BoardMember
        )
    }
}

/// A person who uses Sotay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// Full name as on the ID card (NFC, single spaces).
    pub full_name: String,
    /// What the user does, which decides what they see and may change.
    pub role: Role,
    /// Mobile phone, normalised to 0XXXXXXXXX.
    pub phone: Option<String>,
    /// Collection organisation (post office, commune People's Committee…), if any.
    pub organisation: Option<String>,
}

/// Poverty status of a household (hộ nghèo / hộ cận nghèo), which sets the state support.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PovertyStatus {
    /// Hộ nghèo.
    Poor,
    /// Hộ cận nghèo.
    NearPoor,
    /// Neither.
    None,
}

/// Hộ gia đình.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Household {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// Current commune code (5 digits).
    pub commune_code: String,
    /// Village, when known.
    pub village_id: Option<Id>,
    /// Address as given (may name pre-2025 units).
    pub address: String,
    /// Name of the head of household, as people know the house.
    pub head_name: String,
    /// Poverty status on the commune's list, which sets the state support.
    pub poverty_status: PovertyStatus,
    /// The year of the poor/near-poor list the status comes from.
    pub poverty_year: Option<i32>,
    /// Free notes, as typed (NFC, trimmed; at most 2,000 characters).
    pub notes: String,
    /// Where the house is.
    pub location: Option<GeoPoint>,
}

/// Sex as on the ID card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

/// Occupation group, used to find and count prospects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Occupation {
    /// Nông dân.
    Farmer,
    /// Lao động tự do.
    InformalWorker,
    /// Làng nghề.
    CraftVillage,
    /// Hộ kinh doanh.
    HouseholdBusiness,
    /// Học sinh, sinh viên.
    Student,
    /// Người lao động nghỉ việc.
    LaidOffWorker,
    /// Khác.
    Other,
}

/// Social insurance the person already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// None.
    None,
    /// BHXH bắt buộc.
    Compulsory,
    /// BHXH tự nguyện.
    Voluntary,
    /// Only BHYT (health insurance).
    HealthInsuranceOnly,
}

/// Where a person is on the way to joining.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Tiềm năng: not yet contacted.
    Prospect,
    /// Đã tiếp cận.
    Contacted,
    /// Quan tâm.
    Interested,
    /// Đã tham gia.
    Enrolled,
    /// Dừng đóng: missed a deadline.
    Lapsed,
    /// Từ chối (with a reason).
    Declined,
}

/// A member of a household: a prospect or a participant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The household.
    pub household_id: Id,
    /// Scope: the household's commune.
    pub commune_code: String,
    /// Scope: the household's village.
    pub village_id: Option<Id>,
    /// Full name (NFC, trimmed).
    pub full_name: String,
    /// Sex, as on the ID card (it decides the retirement age and the ID number's century digit).
    pub sex: Sex,
    /// Date of birth (may be unknown for a prospect).
    pub date_of_birth: Option<NaiveDate>,
    /// Số định danh cá nhân (12 digits); optional for a prospect. Since 1/8/2025 also the social
    /// insurance number.
    pub personal_id: Option<String>,
    /// Old 10-digit social insurance code, for older records.
    pub legacy_insurance_code: Option<String>,
    /// Mobile phone, normalised to 0XXXXXXXXX.
    pub phone: Option<String>,
    /// Occupation group, used to find and count prospects.
    pub occupation: Occupation,
    /// Người dân tộc thiểu số.
    pub ethnic_minority: bool,
    /// The social insurance the person already has.
    pub coverage: Coverage,
    /// Where the person is on the way to joining.
    pub stage: Stage,
    /// Why they declined, when `stage` is `Declined`.
    pub decline_reason: Option<String>,
    /// Free notes, as typed (NFC, trimmed; at most 2,000 characters).
    pub notes: String,
}

impl Person {
    /// A new prospect (a fresh id) of `household`, in its commune and village, known so far by
    /// name and sex only: a farmer, not of an ethnic minority, with no social insurance and no
    /// birth date, ID number, phone or notes yet. Fill in what is known with struct update.
    pub fn prospect(household: &Household, full_name: String, sex: Sex) -> Person {
        Person {
            id: new_id(),
            household_id: household.id,
            commune_code: household.commune_code.clone(),
            village_id: household.village_id,
            full_name,
            sex,
            date_of_birth: None,
            personal_id: None,
            legacy_insurance_code: None,
            phone: None,
            occupation: Occupation::Farmer,
            ethnic_minority: false,
            coverage: Coverage::None,
            stage: Stage::Prospect,
            decline_reason: None,
            notes: String::new(),
        }
    }
}

/// How a visit happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitChannel {
    /// Đến nhà.
    DoorToDoor,
    /// Gọi điện.
    Phone,
    /// Tại buổi họp.
    Meeting,
}

/// What came of a visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// Không có nhà.
    NotAtHome,
    /// Đã tư vấn.
    Informed,
    /// Quan tâm.
    Interested,
    /// Từ chối.
    Declined,
    /// Đã đăng ký.
    SignedUp,
    /// Đã đóng tiền.
    Paid,
}

impl VisitOutcome {
    /// Every outcome, in the order the app offers them.
    pub const ALL: [VisitOutcome; 6] = [
        VisitOutcome::NotAtHome,
        VisitOutcome::Informed,
        VisitOutcome::Interested,
        VisitOutcome::Declined,
        VisitOutcome::SignedUp,
        VisitOutcome::Paid,
    ];
}

/// Lượt tiếp cận: one contact with a household.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The household.
    pub household_id: Id,
    /// Scope: commune.
    pub commune_code: String,
    /// Scope: village.
    pub village_id: Option<Id>,
    /// When (stored in UTC, shown in Asia/Ho_Chi_Minh).
    pub visited_at: DateTime<Utc>,
    /// The user who made the contact.
    pub visited_by: Id,
    /// The household members met (at most 50).
    pub persons_met: Vec<Id>,
    /// How the contact happened.
    pub channel: VisitChannel,
    /// What came of it (the common outcomes are one tap in the app).
    pub outcome: VisitOutcome,
    /// Notes ("gọi lại Chủ nhật").
    pub notes: String,
    /// Where it happened, when the phone gave a position.
    pub location: Option<GeoPoint>,
    /// When to come back, if at all.
    pub next_follow_up: Option<NaiveDate>,
}

/// Why a follow-up is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpReason {
    /// Hẹn gọi lại.
    CallBack,
    /// Đến hạn đóng tiếp.
    Renewal,
    /// Thiếu giấy tờ.
    MissingDocument,
    /// Thu tiền.
    Payment,
    /// Ban vận động giới thiệu: someone a village board member found interested, handed to the
    /// collectors of the village by the office.
    Referral,
}

/// Việc cần làm: something to do for a household by a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The household.
    pub household_id: Id,
    /// The person, when it is about one person.
    pub person_id: Option<Id>,
    /// Scope: commune.
    pub commune_code: String,
    /// Scope: village.
    pub village_id: Option<Id>,
    /// Who should do it.
    pub assigned_to: Id,
    /// Due date (Asia/Ho_Chi_Minh calendar day).
    pub due_date: NaiveDate,
    /// Why it is due.
    pub reason: FollowUpReason,
    /// A note for whoever does it or reads it (at most 2,000 characters).
    pub note: String,
    /// Whether it has been done.
    pub done: bool,
}

/// Kind of outreach event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutreachKind {
    /// Hội nghị tuyên truyền.
    Conference,
    /// Đối thoại.
    Dialogue,
    /// Loa truyền thanh.
    LoudspeakerBroadcast,
    /// Họp thôn.
    VillageMeeting,
}

/// Hoạt động tuyên truyền: a conference, a dialogue, a loudspeaker broadcast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutreachEvent {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// What kind of unit (thôn or tổ dân phố) or event it is.
    pub kind: OutreachKind,
    /// The 5-digit commune code of the 2025 list (a string: leading zeros matter).
    pub commune_code: String,
    /// Village, when held in one.
    pub village_id: Option<Id>,
    /// The day it was held (recorded afterwards, so never in the future).
    pub date: NaiveDate,
    /// Number of attendees (0 for a broadcast).
    pub attendees: u32,
    /// Who organised it.
    pub organiser: String,
    /// Free notes, as typed (NFC, trimmed; at most 2,000 characters).
    pub notes: String,
}

/// State support group of a participant. A person in several groups gets the single highest rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupportGroup {
    /// Hộ nghèo.
    Poor,
    /// Hộ cận nghèo.
    NearPoor,
    /// Người dân tộc thiểu số.
    EthnicMinority,
    /// Resident of an island commune / special zone (đặc khu).
    Island,
    /// Everyone else.
    Other,
}

impl SupportGroup {
    /// The Vietnamese name of the group, as a collector says it: "hộ cận nghèo".
    pub fn label_vi(self) -> &'static str {
        match self {
            SupportGroup::Poor => "hộ nghèo",
            SupportGroup::NearPoor => "hộ cận nghèo",
            SupportGroup::EthnicMinority => "người dân tộc thiểu số",
            SupportGroup::Island => "cư dân xã đảo, đặc khu",
            SupportGroup::Other => "đối tượng khác",
        }
    }
}

/// How often the participant pays (phương thức đóng).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PaymentMode {
    /// Hằng tháng.
    Monthly,
    /// 3 tháng một lần.
    Quarterly,
    /// 6 tháng một lần.
    SemiAnnual,
    /// 12 tháng một lần.
    Annual,
    /// Một lần cho nhiều năm về sau (n ≤ 5 years).
    YearsAhead(u8),
    /// Một lần cho những năm còn thiếu (months, ≤ 60).
    MissingPeriod(u16),
}

impl PaymentMode {
    /// The Vietnamese name of the mode, as a collector says it: "3 tháng một lần".
    pub fn label_vi(self) -> String {
        match self {
            PaymentMode::Monthly => "hằng tháng".to_owned(),
            PaymentMode::Quarterly => "3 tháng một lần".to_owned(),
            PaymentMode::SemiAnnual => "6 tháng một lần".to_owned(),
            PaymentMode::Annual => "12 tháng một lần".to_owned(),
            PaymentMode::YearsAhead(n) => format!("một lần cho {n} năm về sau"),
            PaymentMode::MissingPeriod(t) => format!("một lần cho {t} tháng còn thiếu"),
        }
    }
}

/// Where a sign-up is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentStatus {
    /// Bản nháp: not yet sent.
    Draft,
    /// Đã gửi.
    Submitted,
    /// Cơ quan đã nhận.
    Received,
    /// Đã duyệt.
    Approved,
    /// Bị từ chối (with a reason).
    Rejected,
    /// Cần bổ sung (with a reason).
    NeedsCorrection,
}

/// Tờ khai TK1-TS: a sign-up for voluntary social insurance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The participant.
    pub person_id: Id,
    /// Their household.
    pub household_id: Id,
    /// Scope: commune.
    pub commune_code: String,
    /// Scope: village.
    pub village_id: Option<Id>,
    /// The collector who took it.
    pub collector_id: Id,
    /// Chosen monthly income (mức thu nhập làm căn cứ đóng).
    pub monthly_income: Vnd,
    /// How often the participant pays (phương thức đóng).
    pub payment_mode: PaymentMode,
    /// First month covered (the first day of that month).
    pub first_month: NaiveDate,
    /// Support groups claimed.
    pub support_groups: Vec<SupportGroup>,
    /// The quote it was made with, kept as computed then (a paid period is never re-priced).
    pub quote: Option<serde_json::Value>,
    /// Review status. Decided by the office, which is authoritative for it.
    pub status: EnrollmentStatus,
    /// Why it was rejected or needs correction.
    pub status_reason: Option<String>,
}

/// Tiền mặt or chuyển khoản.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Tiền mặt.
    Cash,
    /// Chuyển khoản.
    Transfer,
}

/// Money collected from a participant, with its receipt (biên lai).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The sign-up it pays for.
    pub enrollment_id: Id,
    /// The participant.
    pub person_id: Id,
    /// Their household.
    pub household_id: Id,
    /// Scope: commune.
    pub commune_code: String,
    /// Scope: village.
    pub village_id: Option<Id>,
    /// Who collected it.
    pub collector_id: Id,
    /// First month covered (first day of the month).
    pub months_from: NaiveDate,
    /// Last month covered (first day of the month).
    pub months_to: NaiveDate,
    /// Amount collected, in whole đồng (bounded by what its months can cost).
    pub amount: Vnd,
    /// When it was collected.
    pub collected_at: DateTime<Utc>,
    /// Receipt number, unique per collector.
    pub receipt_number: String,
    /// Cash or transfer.
    pub method: PaymentMethod,
}

/// Nộp tiền: money a collector hands to the office (or the post-office cashier).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Remittance {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The collector.
    pub collector_id: Id,
    /// Scope: the collector's commune.
    pub commune_code: String,
    /// When the cash was handed over.
    pub remitted_at: DateTime<Utc>,
    /// The payments it settles.
    pub payment_ids: Vec<Id>,
    /// Total handed over; equals the sum of the payments.
    pub total: Vnd,
    /// A note for whoever does it or reads it (at most 2,000 characters).
    pub note: String,
}

/// A quota period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum QuotaPeriod {
    /// A half-year: `half` 1 (Jan–Jun) or 2 (Jul–Dec).
    HalfYear {
        /// The calendar year.
        year: i32,
        /// 1 or 2.
        half: u8,
    },
    /// A calendar year.
    Year {
        /// The calendar year.
        year: i32,
    },
}

/// Who a quota is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum QuotaScope {
    /// One collector.
    Collector(Id),
    /// One village.
    Village(Id),
    /// One commune (5-digit code).
    Commune(String),
}

/// Chỉ tiêu: targets for a period and a scope, set by the office.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// The record's id (uuid v7, made where the record was first saved).
    pub id: Id,
    /// The period the targets are for.
    pub period: QuotaPeriod,
    /// Who the targets are for: a collector, a village or a commune.
    pub scope: QuotaScope,
    /// Commune the quota belongs to (for sync scoping).
    pub commune_code: String,
    /// New sign-ups to reach.
    pub target_signups: u32,
    /// Renewals to reach.
    pub target_renewals: u32,
}

#[cfg(test)]
mod role_tests {
    use super::Role;
    use crate::EntityKind;

    /// Decision 1155/QĐ-BHXH (amended by 615/QĐ-BHXH): declarations, collection and remittance
    /// are the collector's duties; the village board does outreach.
    #[test]
    fn sign_ups_and_money_are_the_collectors_work() {
        for kind in [
            EntityKind::Enrollment,
            EntityKind::Payment,
            EntityKind::Remittance,
        ] {
            assert!(Role::Collector.may_write(kind), "{kind:?}");
            assert!(Role::PostOfficeCollector.may_write(kind), "{kind:?}");
            assert!(!Role::BoardMember.may_write(kind), "{kind:?}");
            assert!(!Role::OfficeSupervisor.may_write(kind), "{kind:?}");
        }
        for kind in [
            EntityKind::Household,
            EntityKind::Person,
            EntityKind::Visit,
            EntityKind::FollowUp,
            EntityKind::OutreachEvent,
        ] {
            assert!(Role::BoardMember.may_write(kind), "{kind:?}");
        }
    }
}
