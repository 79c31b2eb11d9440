//! Transport types at the boundary with the UI: what each screen receives, and what its forms
//! send. Records inside them are the domain's entities (their JSON is the sync wire format, one
//! definition), the enrolled user is the device's and a page's cursor the store's, passed
//! through as they are; everything shaped for a screen is declared here, so the library crates
//! never change shape for the UI. Form inputs carry what the user typed as text where a typo
//! must come back as a message next to the field (dates, amounts, counts) instead of failing to
//! decode.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sotay_device::{AppAction, EnrolledUser, Language};
use sotay_domain::{
    BenefitEstimate, Coverage, Enrollment, FollowUp, GeoPoint, Household, Occupation,
    OutreachEvent, OutreachKind, Payment, PaymentMethod, PaymentMode, Person, PovertyStatus, Quote,
    Sex, Stage, SupportGroup, Visit, VisitChannel, VisitOutcome, Vnd,
};
use sotay_store::HouseholdCursor;
use uuid::Uuid;

use crate::error::CommandError;

/// `app_status`: what the shell knows about itself.
#[derive(Clone, Debug, Serialize)]
pub struct AppStatus {
    /// Enrolled with an office (its store opens once the PIN unwraps the key).
    pub enrolled: bool,
    /// The user (id, full name, role), once enrolled.
    pub user: Option<EnrolledUser>,
    /// The office address, once enrolled.
    pub office_url: Option<String>,
    /// This device's id, once enrolled.
    pub device_id: Option<Uuid>,
    /// Communes of the user's area.
    pub communes: Vec<String>,
    /// What the user's role may do beyond outreach.
    pub actions: Vec<AppAction>,
    /// Whether the PIN lock is on now (enrolled without a PIN: until one is set).
    pub locked: bool,
    /// Whether a PIN protects the database key.
    pub pin_set: bool,
    /// The language.
    pub language: Language,
    /// Minutes idle before the PIN is asked.
    pub idle_lock_minutes: u32,
    /// The policy edition in use (built-in before enrolment).
    pub policy_version: String,
    /// The lowest monthly income allowed today by that edition (the forms' starting income).
    pub income_floor: Option<Vnd>,
    /// This app's version.
    pub app_version: &'static str,
    /// The sync protocol version.
    pub protocol_version: u32,
    /// `linux`, `android`, `ios`…: the UI offers the camera only on phones.
    pub platform: &'static str,
    /// Why the device's database could not be opened, when it could not.
    pub store_error: Option<CommandError>,
    /// What the first-run screen says: the office had this device wiped (`device_wipe`).
    pub notice: Option<CommandError>,
}

/// `enroll`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct EnrollInput {
    /// The office address as typed.
    pub office_url: String,
    /// The one-time code as typed or scanned.
    pub code: String,
}

/// A household as a list shows it.
#[derive(Clone, Debug, Serialize)]
pub struct HouseholdRef {
    /// The household's id, for opening it.
    pub id: Uuid,
    /// Head's name.
    pub head_name: String,
    /// Its address, as the list shows it.
    pub address: String,
    /// Poverty status.
    pub poverty_status: PovertyStatus,
}

impl From<&Household> for HouseholdRef {
    fn from(h: &Household) -> Self {
        HouseholdRef {
            id: h.id,
            head_name: h.head_name.clone(),
            address: h.address.clone(),
            poverty_status: h.poverty_status,
        }
    }
}

/// A follow-up on the Today screen.
#[derive(Clone, Debug, Serialize)]
pub struct FollowUpItem {
    /// The follow-up.
    pub follow_up: FollowUp,
    /// Its household.
    pub household: HouseholdRef,
    /// Due before today.
    pub overdue: bool,
}

/// A participant to renew, or who lapsed.
#[derive(Clone, Debug, Serialize)]
pub struct RenewalItem {
    /// The participant.
    pub person_id: Uuid,
    /// Their name.
    pub person_name: String,
    /// Their household.
    pub household: HouseholdRef,
    /// The sign-up.
    pub enrollment_id: Uuid,
    /// Payment mode.
    pub payment_mode: PaymentMode,
    /// Last day paid for.
    pub paid_through: NaiveDate,
    /// Last day to pay the next period.
    pub deadline: NaiveDate,
}

/// A sign-up the office returned for correction.
#[derive(Clone, Debug, Serialize)]
pub struct ReturnedItem {
    /// The participant (their page is where it is put right and sent again).
    pub person_id: Uuid,
    /// Their name.
    pub person_name: String,
    /// The sign-up.
    pub enrollment_id: Uuid,
    /// What the office asked for.
    pub reason: Option<String>,
}

/// Progress against a quota.
#[derive(Clone, Debug, Serialize)]
pub struct QuotaItem {
    /// `collector`, `village` or `commune`.
    pub scope_kind: &'static str,
    /// The village's name or the commune's, for the label.
    pub scope_name: Option<String>,
    /// The period.
    pub period: sotay_domain::QuotaPeriod,
    /// New sign-ups to reach.
    pub target_signups: u32,
    /// Renewals to reach.
    pub target_renewals: u32,
    /// New sign-ups so far.
    pub signups: u32,
    /// Renewals so far.
    pub renewals: u32,
}

/// `today`.
#[derive(Clone, Debug, Serialize)]
pub struct TodayDto {
    /// Today in Asia/Ho_Chi_Minh.
    pub date: NaiveDate,
    /// Follow-ups due today or overdue, oldest first.
    pub follow_ups: Vec<FollowUpItem>,
    /// Participants whose paid period ends soon.
    pub renewals_due: Vec<RenewalItem>,
    /// Participants past their deadline.
    pub lapsed: Vec<RenewalItem>,
    /// Sign-ups the office returned for correction (collectors only).
    pub returned: Vec<ReturnedItem>,
    /// The quotas of the period, with progress.
    pub quotas: Vec<QuotaItem>,
    /// Changes waiting to be sent.
    pub pending: u64,
    /// Changes the office refused, waiting for a fix.
    pub rejected: u64,
    /// Cash collected and not remitted (None for roles without money).
    pub cash_on_hand: Option<Vnd>,
    /// For a village board member: the households he found interested lately, and what came
    /// of each (empty for collectors, whose interested people are their own follow-ups).
    pub referrals: Vec<ReferralItem>,
}

/// A household a board member found interested, and what came of it.
#[derive(Clone, Debug, Serialize)]
pub struct ReferralItem {
    /// The household.
    pub household: HouseholdRef,
    /// When he found it interested.
    pub referred_at: DateTime<Utc>,
    /// Waiting for the collector, visited since, or signed up.
    pub status: sotay_store::ReferralStatus,
}

/// A village with its household count.
#[derive(Clone, Debug, Serialize)]
pub struct VillageDto {
    /// The village's id, for opening its households.
    pub id: Uuid,
    /// Its name (thôn/tổ dân phố).
    pub name: String,
    /// Commune code.
    pub commune_code: String,
    /// How many households the phone knows in it.
    pub households: u32,
}

impl From<sotay_store::VillageSummary> for VillageDto {
    fn from(v: sotay_store::VillageSummary) -> Self {
        VillageDto {
            id: v.village.id,
            name: v.village.name,
            commune_code: v.village.commune_code,
            households: v.households,
        }
    }
}

/// A household in a village list.
#[derive(Clone, Debug, Serialize)]
pub struct HouseholdRow {
    /// The household.
    #[serde(flatten)]
    pub household: HouseholdRef,
    /// How many people live in it.
    pub members: u32,
}

/// `village_households`: one page of a village's households.
#[derive(Clone, Debug, Serialize)]
pub struct VillageHouseholdsDto {
    /// The village with its household count (on the first page only).
    pub village: Option<VillageDto>,
    /// The households of this page, by head's name.
    pub rows: Vec<HouseholdRow>,
    /// Where the next page starts; `null` on the last page.
    pub next: Option<HouseholdCursor>,
}

/// A search result.
#[derive(Clone, Debug, Serialize)]
pub struct SearchHitDto {
    /// The household.
    pub household: HouseholdRef,
    /// The person found, when a person matched.
    pub person: Option<PersonRef>,
}

/// A person as a list shows them.
#[derive(Clone, Debug, Serialize)]
pub struct PersonRef {
    /// The person's id, for opening them.
    pub id: Uuid,
    /// Full name.
    pub full_name: String,
    /// Their phone number, when known (normalized, leading zero kept).
    pub phone: Option<String>,
    /// Personal ID number.
    pub personal_id: Option<String>,
    /// How far they are in joining (prospect, contacted, interested, enrolled…).
    pub stage: Stage,
}

impl From<&Person> for PersonRef {
    fn from(p: &Person) -> Self {
        PersonRef {
            id: p.id,
            full_name: p.full_name.clone(),
            phone: p.phone.clone(),
            personal_id: p.personal_id.clone(),
            stage: p.stage,
        }
    }
}

/// One entry of a household's timeline.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineItem {
    /// A visit.
    Visit {
        /// The visit.
        visit: Visit,
    },
    /// A sign-up.
    Enrollment {
        /// The sign-up.
        enrollment: Enrollment,
        /// When it was made.
        at: DateTime<Utc>,
    },
    /// A payment.
    Payment {
        /// The payment.
        payment: Payment,
    },
}

/// A change the office refused, on the record it belongs to.
#[derive(Clone, Debug, Serialize)]
pub struct RejectionDto {
    /// Kind of record (`person`, `enrollment`…).
    pub entity: String,
    /// The record.
    pub entity_id: Uuid,
    /// The office's code.
    pub code: String,
    /// The office's message, in Vietnamese.
    pub message: String,
    /// The field at fault.
    pub field: Option<String>,
    /// Where to fix it: the household…
    pub household_id: Option<Uuid>,
    /// …and the person, for a person or a sign-up.
    pub person_id: Option<Uuid>,
    /// Whose record it is: the person's name, else the household head's.
    pub name: Option<String>,
}

/// `household_page`.
#[derive(Clone, Debug, Serialize)]
pub struct HouseholdPage {
    /// The household.
    pub household: Household,
    /// Its village's name.
    pub village_name: Option<String>,
    /// The people of the household.
    pub members: Vec<Person>,
    /// Visits, sign-ups and payments, newest first.
    pub timeline: Vec<TimelineItem>,
    /// Refused changes on this household or its records.
    pub rejections: Vec<RejectionDto>,
    /// Its next step: the open follow-up due first.
    pub next_follow_up: Option<FollowUp>,
}

/// A sign-up with its payments.
#[derive(Clone, Debug, Serialize)]
pub struct EnrollmentDto {
    /// The sign-up (status and reason as the office decided).
    pub enrollment: Enrollment,
    /// Its payments, oldest first.
    pub payments: Vec<Payment>,
}

/// `person_page`.
#[derive(Clone, Debug, Serialize)]
pub struct PersonPage {
    /// The person.
    pub person: Person,
    /// Their household.
    pub household: HouseholdRef,
    /// Their sign-ups, newest first.
    pub enrollments: Vec<EnrollmentDto>,
    /// Refused changes on the person or their sign-ups.
    pub rejections: Vec<RejectionDto>,
}

/// `save_household`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct HouseholdInput {
    /// Id when editing; a new household otherwise.
    pub id: Option<Uuid>,
    /// The village (from the village list; its commune is the household's).
    pub village_id: Uuid,
    /// Head's name.
    pub head_name: String,
    /// The address (house number, lane), free text.
    pub address: String,
    /// Poverty status.
    pub poverty_status: PovertyStatus,
    /// Year of the poverty list, as typed.
    #[serde(default)]
    pub poverty_year: String,
    /// Free notes of the collector; empty when none.
    #[serde(default)]
    pub notes: String,
}

/// `save_person`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct PersonInput {
    /// Id when editing; a new person otherwise.
    pub id: Option<Uuid>,
    /// The household.
    pub household_id: Uuid,
    /// Full name.
    pub full_name: String,
    /// Sex, as on the ID card.
    pub sex: Sex,
    /// Date of birth as typed (dd/mm/yyyy), empty when unknown.
    #[serde(default)]
    pub date_of_birth: String,
    /// Personal ID number as typed.
    #[serde(default)]
    pub personal_id: String,
    /// Phone as typed.
    #[serde(default)]
    pub phone: String,
    /// Occupation, which decides the support groups offered.
    pub occupation: Occupation,
    /// Ethnic minority.
    #[serde(default)]
    pub ethnic_minority: bool,
    /// Current coverage.
    pub coverage: Coverage,
    /// Stage (kept as it is when editing, prospect when new and absent).
    pub stage: Option<Stage>,
    /// Free notes of the collector; empty when none.
    #[serde(default)]
    pub notes: String,
}

/// What an ID-card QR code fills in.
#[derive(Clone, Debug, Serialize)]
pub struct IdCardFill {
    /// Personal ID number.
    pub personal_id: String,
    /// Full name.
    pub full_name: String,
    /// Date of birth as the form shows it (dd/mm/yyyy).
    pub date_of_birth: String,
    /// Sex, as the card says.
    pub sex: Sex,
    /// Address as printed.
    pub address: String,
}

/// `log_visit`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct VisitInput {
    /// The household.
    pub household_id: Uuid,
    /// What came of the visit.
    pub outcome: VisitOutcome,
    /// How the contact was made (in person, phone…).
    pub channel: VisitChannel,
    /// Persons met.
    #[serde(default)]
    pub persons_met: Vec<Uuid>,
    /// Free notes of the collector; empty when none.
    #[serde(default)]
    pub notes: String,
    /// Next follow-up as typed (dd/mm/yyyy), or empty.
    #[serde(default)]
    pub next_follow_up: String,
    /// GPS, when the platform gave it.
    pub location: Option<GeoPoint>,
}

/// What `log_visit` did.
#[derive(Clone, Debug, Serialize)]
pub struct VisitSaved {
    /// The visit.
    pub visit_id: Uuid,
    /// Due call-backs it answered.
    pub follow_ups_closed: u32,
    /// The follow-up it set, if any.
    pub follow_up_due: Option<NaiveDate>,
}

/// `quote`'s form (the calculator, before or after enrolment).
#[derive(Clone, Debug, Deserialize)]
pub struct QuoteInput {
    /// Chosen monthly income as typed (`1.500.000`).
    pub income: String,
    /// Payment mode.
    pub mode: PaymentMode,
    /// Support groups.
    #[serde(default)]
    pub support_groups: Vec<SupportGroup>,
    /// Province code for the provincial top-up, if any.
    pub province_code: Option<String>,
    /// For the pension estimate: sex…
    pub sex: Option<Sex>,
    /// …date of birth as typed (dd/mm/yyyy)…
    #[serde(default)]
    pub date_of_birth: String,
    /// …and months already contributed, as typed.
    #[serde(default)]
    pub months_contributed: String,
}

/// `quote`'s answer.
#[derive(Clone, Debug, Serialize)]
pub struct QuoteDto {
    /// The quote from `sotay_domain::quote`.
    pub quote: Quote,
    /// The pension estimate, when sex and date of birth were given.
    pub benefit: Option<BenefitEstimate>,
    /// Why the estimate could not be made (the quote still stands).
    pub benefit_error: Option<CommandError>,
}

/// What the quote and sign-up forms start from for a person.
#[derive(Clone, Debug, Serialize)]
pub struct QuoteDefaults {
    /// The person.
    pub person: PersonRef,
    /// Their household's poverty status.
    pub poverty_status: PovertyStatus,
    /// Support groups from the household's poverty status and the person's flags.
    pub support_groups: Vec<SupportGroup>,
    /// The province of the household's commune.
    pub province_code: Option<String>,
    /// Sex, as recorded for the person.
    pub sex: Sex,
    /// Date of birth as the form shows it.
    pub date_of_birth: String,
    /// Whether the person already has a sign-up.
    pub has_enrollment: bool,
}

/// `sign_up`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct SignUpInput {
    /// The participant.
    pub person_id: Uuid,
    /// Chosen monthly income as typed.
    pub income: String,
    /// Payment mode.
    pub mode: PaymentMode,
    /// Support groups claimed.
    #[serde(default)]
    pub support_groups: Vec<SupportGroup>,
}

/// `sign_up`'s answer.
#[derive(Clone, Debug, Serialize)]
pub struct SignUpSaved {
    /// The sign-up.
    pub enrollment: Enrollment,
    /// The quote kept with it.
    pub quote: Quote,
}

/// The next payment of a sign-up.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentDraftDto {
    /// The sign-up.
    pub enrollment: Enrollment,
    /// The participant's name.
    pub person_name: String,
    /// First month covered.
    pub months_from: NaiveDate,
    /// Last month covered.
    pub months_to: NaiveDate,
    /// Months covered.
    pub months: u32,
    /// Amount to collect.
    pub amount: Vnd,
    /// The quote it comes from.
    pub quote: Quote,
}

/// `sign_up_terms`: what a sign-up goes on with, and the income floor today.
#[derive(Clone, Debug, Serialize)]
pub struct SignUpTerms {
    /// The participant's name.
    pub person_name: String,
    /// Monthly income the contributions are worked out on.
    pub monthly_income: Vnd,
    /// How the periods are paid.
    pub payment_mode: PaymentMode,
    /// The lowest income allowed today, when the policy has one.
    pub income_floor: Option<Vnd>,
}

/// `change_sign_up_terms`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct SignUpTermsInput {
    /// The sign-up.
    pub enrollment_id: Uuid,
    /// The new monthly income as typed.
    pub income: String,
    /// The new payment mode.
    pub mode: PaymentMode,
}

/// `collect_payment`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct CollectInput {
    /// The sign-up.
    pub enrollment_id: Uuid,
    /// Receipt number as written on the receipt book.
    pub receipt_number: String,
    /// Cash or transfer.
    pub method: PaymentMethod,
}

/// The receipt screen.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptDto {
    /// The payment.
    pub payment: Payment,
    /// The participant.
    pub person_name: String,
    /// Their ID number.
    pub personal_id: Option<String>,
    /// Their address.
    pub address: String,
    /// Who collected.
    pub collector_name: String,
    /// Payment mode of the sign-up.
    pub payment_mode: PaymentMode,
    /// Its check code for the office's receipt page, when this device can make it.
    pub check: Option<ReceiptCheckDto>,
    /// Why there is none: `receipt_key_missing`, `receipt_key_invalid` or
    /// `receipt_other_device`.
    pub check_unavailable: Option<String>,
}

/// What lets a participant check a receipt at the office: the code printed beside the receipt
/// number, and the office's receipt page for it as a link and a QR code.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptCheckDto {
    /// The check code, `XXXX-XXXX`.
    pub code: String,
    /// The office's receipt page with this receipt's number and code filled in.
    pub url: String,
    /// A QR code of `url`, as SVG markup drawn from the code's modules only.
    pub qr_svg: String,
}

impl ReceiptCheckDto {
    /// The check of a receipt on the office at `office_url`.
    pub fn new(office_url: &str, check: sotay_store::ReceiptCheck) -> ReceiptCheckDto {
        let url = format!("{office_url}/tra-cuu?{}", check.query);
        let qr_svg = qrcode::QrCode::new(url.as_bytes())
            .map(|qr| {
                qr.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(180, 180)
                    .quiet_zone(true)
                    .build()
            })
            // Inline in the page: without the XML declaration.
            .map(|svg| match svg.split_once("?>") {
                Some((_, rest)) => rest.trim_start().to_owned(),
                None => svg,
            })
            .unwrap_or_default();
        ReceiptCheckDto {
            code: check.code,
            url,
            qr_svg,
        }
    }
}

/// A cash payment on hand.
#[derive(Clone, Debug, Serialize)]
pub struct CashItem {
    /// The payment.
    pub payment: Payment,
    /// The participant's name.
    pub person_name: String,
}

/// `cash_on_hand`.
#[derive(Clone, Debug, Serialize)]
pub struct CashDto {
    /// Cash collected and not yet remitted, in đồng.
    pub total: Vnd,
    /// Payments, oldest first.
    pub payments: Vec<CashItem>,
    /// The last handovers, newest first: what the collector shows the cashier or the office
    /// when an amount is disputed.
    pub handovers: Vec<HandoverItem>,
}

/// A past handover of cash.
#[derive(Clone, Debug, Serialize)]
pub struct HandoverItem {
    /// When.
    pub remitted_at: DateTime<Utc>,
    /// How much, in đồng.
    pub total: Vnd,
    /// How many payments it settled.
    pub payments: usize,
    /// Its note, as typed.
    pub note: String,
    /// Sent, waiting for the next sync, or refused by the office.
    pub state: sotay_store::RemittanceState,
}

/// `save_meeting`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct MeetingInput {
    /// The event being corrected; none for a new one.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// A new village meeting also announced on the village loudspeaker: a broadcast of the same
    /// day and village is recorded with it.
    #[serde(default)]
    pub broadcast_too: bool,
    /// What kind of meeting it was.
    pub kind: OutreachKind,
    /// Village, when held in one.
    pub village_id: Option<Uuid>,
    /// Date as typed (dd/mm/yyyy).
    pub date: String,
    /// Attendees as typed.
    pub attendees: String,
    /// Who ran it (a name).
    #[serde(default)]
    pub organiser: String,
    /// Free notes; empty when none.
    #[serde(default)]
    pub notes: String,
}

/// An outreach event with its village's name.
#[derive(Clone, Debug, Serialize)]
pub struct MeetingDto {
    /// The event.
    pub event: OutreachEvent,
    /// Its village's name.
    pub village_name: Option<String>,
}

/// `sync_status` and the `sync://status` event.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SyncStatusDto {
    /// `not_enrolled`, `idle`, `syncing`, `synced`, `offline`, `failed`, `revoked`.
    pub state: &'static str,
    /// Progress while syncing.
    pub progress: Option<sotay_sync::SyncProgress>,
    /// Changes waiting to be sent.
    pub pending: u64,
    /// Changes the office refused.
    pub rejected: u64,
    /// Last time the office acknowledged everything.
    pub last_success: Option<DateTime<Utc>>,
    /// The last failure, while it holds.
    pub error: Option<CommandError>,
    /// Bumped whenever a sync brought records, so screens reload.
    pub revision: u64,
    /// Records received by the last sync.
    pub last_pulled: u64,
    /// How far the phone's clock is ahead of the office's (negative: behind), in seconds, at
    /// the last sync; Hôm nay asks to fix it past a few minutes.
    pub clock_offset_s: Option<i64>,
}

/// The sync screen.
#[derive(Clone, Debug, Serialize)]
pub struct SyncScreen {
    /// The sync status, as the status line shows it.
    pub status: SyncStatusDto,
    /// Every refused change, with where to fix it.
    pub rejections: Vec<RejectionDto>,
}

/// The settings screen.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsDto {
    /// Status (user, versions, policy edition, device id, language, lock).
    pub status: AppStatus,
}

/// `set_pin`'s form.
#[derive(Clone, Debug, Deserialize)]
pub struct PinInput {
    /// The current PIN, when one is set.
    #[serde(default)]
    pub current: String,
    /// The new PIN.
    pub pin: String,
    /// The new PIN again.
    pub confirm: String,
}
