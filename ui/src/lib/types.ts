// The shapes the Rust commands send and receive (src-tauri/src/dto.rs and the domain entities
// inside them, whose JSON is the sync wire format). Kept beside api.ts, the one place that calls
// the commands.

export type Uuid = string;
/** `YYYY-MM-DD` (a calendar day, Asia/Ho_Chi_Minh). */
export type IsoDate = string;
/** RFC 3339 instant. */
export type Instant = string;
/** Whole đồng. */
export type Vnd = number;

export type Role =
  | 'collector'
  | 'post_office_collector'
  | 'board_member'
  | 'office_supervisor'
  | 'office_admin';
export type AppAction = 'sign_up' | 'handle_money';
export type Language = 'vi' | 'en';
export type PovertyStatus = 'poor' | 'near_poor' | 'none';
export type Sex = 'male' | 'female';
export type Occupation =
  | 'farmer'
  | 'informal_worker'
  | 'craft_village'
  | 'household_business'
  | 'student'
  | 'laid_off_worker'
  | 'other';
export type Coverage = 'none' | 'compulsory' | 'voluntary' | 'health_insurance_only';
export type Stage = 'prospect' | 'contacted' | 'interested' | 'enrolled' | 'lapsed' | 'declined';
export type VisitChannel = 'door_to_door' | 'phone' | 'meeting';
export type VisitOutcome = 'not_at_home' | 'informed' | 'interested' | 'declined' | 'signed_up' | 'paid';
export type FollowUpReason = 'call_back' | 'renewal' | 'missing_document' | 'payment' | 'referral';
export type OutreachKind = 'conference' | 'dialogue' | 'loudspeaker_broadcast' | 'village_meeting';
export type SupportGroup = 'poor' | 'near_poor' | 'ethnic_minority' | 'island' | 'other';
export type EnrollmentStatus =
  | 'draft'
  | 'submitted'
  | 'received'
  | 'approved'
  | 'rejected'
  | 'needs_correction';
export type PaymentMethod = 'cash' | 'transfer';
export type PaymentMode =
  | { kind: 'monthly' }
  | { kind: 'quarterly' }
  | { kind: 'semi_annual' }
  | { kind: 'annual' }
  | { kind: 'years_ahead'; value: number }
  | { kind: 'missing_period'; value: number };

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/** Every error from a command: the UI decides by `code`. */
export interface CommandError {
  code: string;
  message: string;
  field?: string;
  fields?: FieldError[];
  params?: Record<string, string>;
}

export interface EnrolledUser {
  id: Uuid;
  full_name: string;
  role: Role;
}

export interface AppStatus {
  enrolled: boolean;
  user: EnrolledUser | null;
  office_url: string | null;
  device_id: Uuid | null;
  communes: string[];
  actions: AppAction[];
  locked: boolean;
  pin_set: boolean;
  language: Language;
  idle_lock_minutes: number;
  policy_version: string;
  /** The lowest monthly income allowed today (forms start from it). */
  income_floor: Vnd | null;
  app_version: string;
  protocol_version: number;
  platform: string;
  store_error: CommandError | null;
  /** What the first-run screen says (the office had this device wiped). */
  notice: CommandError | null;
}

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface Household {
  id: Uuid;
  commune_code: string;
  village_id: Uuid | null;
  address: string;
  head_name: string;
  poverty_status: PovertyStatus;
  poverty_year: number | null;
  notes: string;
  location: GeoPoint | null;
}

export interface Person {
  id: Uuid;
  household_id: Uuid;
  commune_code: string;
  village_id: Uuid | null;
  full_name: string;
  sex: Sex;
  date_of_birth: IsoDate | null;
  personal_id: string | null;
  legacy_insurance_code: string | null;
  phone: string | null;
  occupation: Occupation;
  ethnic_minority: boolean;
  coverage: Coverage;
  stage: Stage;
  decline_reason: string | null;
  notes: string;
}

export interface Visit {
  id: Uuid;
  household_id: Uuid;
  visited_at: Instant;
  visited_by: Uuid;
  persons_met: Uuid[];
  channel: VisitChannel;
  outcome: VisitOutcome;
  notes: string;
  location: GeoPoint | null;
  next_follow_up: IsoDate | null;
}

export interface FollowUp {
  id: Uuid;
  household_id: Uuid;
  person_id: Uuid | null;
  due_date: IsoDate;
  reason: FollowUpReason;
  note: string;
  done: boolean;
}

export interface Enrollment {
  id: Uuid;
  person_id: Uuid;
  household_id: Uuid;
  collector_id: Uuid;
  monthly_income: Vnd;
  payment_mode: PaymentMode;
  first_month: IsoDate;
  support_groups: SupportGroup[];
  status: EnrollmentStatus;
  status_reason: string | null;
}

export interface Payment {
  id: Uuid;
  enrollment_id: Uuid;
  person_id: Uuid;
  household_id: Uuid;
  collector_id: Uuid;
  months_from: IsoDate;
  months_to: IsoDate;
  amount: Vnd;
  collected_at: Instant;
  receipt_number: string;
  method: PaymentMethod;
}

export interface OutreachEvent {
  id: Uuid;
  kind: OutreachKind;
  commune_code: string;
  village_id: Uuid | null;
  date: IsoDate;
  attendees: number;
  organiser: string;
  notes: string;
}

export type QuotaPeriod = { kind: 'half_year'; year: number; half: number } | { kind: 'year'; year: number };

export interface HouseholdRef {
  id: Uuid;
  head_name: string;
  address: string;
  poverty_status: PovertyStatus;
}

export interface FollowUpItem {
  follow_up: FollowUp;
  household: HouseholdRef;
  overdue: boolean;
}

export interface RenewalItem {
  person_id: Uuid;
  person_name: string;
  household: HouseholdRef;
  enrollment_id: Uuid;
  payment_mode: PaymentMode;
  paid_through: IsoDate;
  deadline: IsoDate;
}

export interface ReturnedItem {
  person_id: Uuid;
  person_name: string;
  enrollment_id: Uuid;
  reason: string | null;
}

export interface QuotaItem {
  scope_kind: 'collector' | 'village' | 'commune';
  scope_name: string | null;
  period: QuotaPeriod;
  target_signups: number;
  target_renewals: number;
  signups: number;
  renewals: number;
}

export interface TodayDto {
  date: IsoDate;
  follow_ups: FollowUpItem[];
  renewals_due: RenewalItem[];
  lapsed: RenewalItem[];
  returned: ReturnedItem[];
  quotas: QuotaItem[];
  pending: number;
  rejected: number;
  cash_on_hand: Vnd | null;
  /** A board member's interested households lately, and what came of each. */
  referrals: ReferralItem[];
}

export interface ReferralItem {
  household: HouseholdRef;
  referred_at: Instant;
  status: 'waiting' | 'visited' | 'signed_up';
}

export interface VillageDto {
  id: Uuid;
  name: string;
  commune_code: string;
  households: number;
}

export interface HouseholdRow extends HouseholdRef {
  members: number;
}

/** Where the next page of a village's households starts (handed back as it came). */
export interface HouseholdCursor {
  head_name: string;
  id: Uuid;
}

/** One page of a village's households; the first brings the village and its count. */
export interface VillageHouseholds {
  village: VillageDto | null;
  rows: HouseholdRow[];
  next: HouseholdCursor | null;
}

export interface PersonRef {
  id: Uuid;
  full_name: string;
  phone: string | null;
  personal_id: string | null;
  stage: Stage;
}

export interface SearchHit {
  household: HouseholdRef;
  person: PersonRef | null;
}

export type TimelineItem =
  | { kind: 'visit'; visit: Visit }
  | { kind: 'enrollment'; enrollment: Enrollment; at: Instant }
  | { kind: 'payment'; payment: Payment };

/** Which of a village's households the list shows. */
export type HouseholdFilter = 'all' | 'poor_or_near_poor' | 'not_visited' | 'interested';

export interface RejectionDto {
  entity: string;
  entity_id: Uuid;
  code: string;
  message: string;
  field: string | null;
  household_id: Uuid | null;
  person_id: Uuid | null;
  /** Whose record it is: the person's name, else the household head's. */
  name: string | null;
}

export interface HouseholdPage {
  household: Household;
  village_name: string | null;
  members: Person[];
  timeline: TimelineItem[];
  rejections: RejectionDto[];
  /** The household's next step: its open follow-up due first. */
  next_follow_up: FollowUp | null;
}

export interface PersonPage {
  person: Person;
  household: HouseholdRef;
  enrollments: { enrollment: Enrollment; payments: Payment[] }[];
  rejections: RejectionDto[];
}

export interface HouseholdInput {
  id: Uuid | null;
  village_id: Uuid;
  head_name: string;
  address: string;
  poverty_status: PovertyStatus;
  poverty_year: string;
  notes: string;
}

export interface PersonInput {
  id: Uuid | null;
  household_id: Uuid;
  full_name: string;
  sex: Sex;
  date_of_birth: string;
  personal_id: string;
  phone: string;
  occupation: Occupation;
  ethnic_minority: boolean;
  coverage: Coverage;
  stage: Stage | null;
  notes: string;
}

export interface IdCardFill {
  personal_id: string;
  full_name: string;
  date_of_birth: string;
  sex: Sex;
  address: string;
}

export interface VisitInput {
  household_id: Uuid;
  outcome: VisitOutcome;
  channel: VisitChannel;
  persons_met: Uuid[];
  notes: string;
  next_follow_up: string;
  location: GeoPoint | null;
}

export interface VisitSaved {
  visit_id: Uuid;
  follow_ups_closed: number;
  follow_up_due: IsoDate | null;
}

export interface PolicySource {
  table: string;
  legal_ref: string;
  note: string | null;
}

export interface Quote {
  date: IsoDate;
  policy_version: string;
  province_code: string | null;
  province_name: string | null;
  monthly_income: Vnd;
  income_floor: Vnd;
  income_ceiling: Vnd;
  contribution_rate_bp: number;
  state_support_rate_bp: number;
  local_support_rate_bp: number;
  gross_monthly: Vnd;
  state_support_monthly: Vnd;
  local_support_monthly: Vnd;
  net_monthly: Vnd;
  mode: PaymentMode;
  period_months: number;
  period_start: IsoDate | null;
  period_end: IsoDate | null;
  amount_due: Vnd;
  deadline: IsoDate;
  supported_months_left: number;
  sources: PolicySource[];
}

/** The domain's benefit estimate (sotay_domain::BenefitEstimate), the fields the UI shows. */
export interface BenefitEstimate {
  date: IsoDate;
  policy_version: string;
  retirement_age_years: number;
  retirement_age_months: number;
  retirement_date: IsoDate;
  pension_starts_on: IsoDate;
  /** Percent of the average income, e.g. 45.5. */
  pension_rate_percent: number | null;
  monthly_pension: Vnd | null;
  months_missing: number;
  /** "An estimate in today's money", in Vietnamese. */
  caveat: string;
}

export interface QuoteInput {
  income: string;
  mode: PaymentMode;
  support_groups: SupportGroup[];
  province_code: string | null;
  sex: Sex | null;
  date_of_birth: string;
  months_contributed: string;
}

export interface QuoteDto {
  quote: Quote;
  benefit: BenefitEstimate | null;
  benefit_error: CommandError | null;
}

export interface QuoteDefaults {
  person: PersonRef;
  poverty_status: PovertyStatus;
  support_groups: SupportGroup[];
  province_code: string | null;
  sex: Sex;
  date_of_birth: string;
  has_enrollment: boolean;
}

export interface SignUpInput {
  person_id: Uuid;
  income: string;
  mode: PaymentMode;
  support_groups: SupportGroup[];
}

export interface PaymentDraft {
  enrollment: Enrollment;
  person_name: string;
  months_from: IsoDate;
  months_to: IsoDate;
  months: number;
  amount: Vnd;
  quote: Quote;
}

export interface SignUpTerms {
  person_name: string;
  monthly_income: Vnd;
  payment_mode: PaymentMode;
  income_floor: Vnd | null;
}

export interface ReceiptDto {
  payment: Payment;
  person_name: string;
  personal_id: string | null;
  address: string;
  collector_name: string;
  payment_mode: PaymentMode;
  /** Null where this device cannot make the code; `check_unavailable` says why. */
  check: ReceiptCheck | null;
  check_unavailable: 'receipt_key_missing' | 'receipt_key_invalid' | 'receipt_other_device' | null;
}

/** A receipt's check code and the office's receipt page for it (a link and its QR code). */
export interface ReceiptCheck {
  code: string;
  url: string;
  qr_svg: string;
}

export interface CashDto {
  total: Vnd;
  payments: { payment: Payment; person_name: string }[];
  /** The last handovers, newest first. */
  handovers: HandoverItem[];
}

export interface HandoverItem {
  remitted_at: Instant;
  total: Vnd;
  payments: number;
  note: string;
  state: 'sent' | 'waiting' | 'refused';
}

export interface MeetingInput {
  id: Uuid | null;
  broadcast_too: boolean;
  kind: OutreachKind;
  village_id: Uuid | null;
  date: string;
  attendees: string;
  organiser: string;
  notes: string;
}

export interface MeetingDto {
  event: OutreachEvent;
  village_name: string | null;
}

export type SyncProgress =
  | { phase: 'pushing'; sent: number; total: number }
  | { phase: 'pulling'; pages: number; changes: number; remaining: number | null }
  | { phase: 'verifying' };

export type SyncState = 'not_enrolled' | 'idle' | 'syncing' | 'synced' | 'offline' | 'failed' | 'revoked';

export interface SyncStatus {
  state: SyncState;
  progress: SyncProgress | null;
  pending: number;
  rejected: number;
  last_success: Instant | null;
  error: CommandError | null;
  revision: number;
  last_pulled: number;
  /** The phone's clock ahead of the office's (negative: behind), seconds, at the last sync. */
  clock_offset_s: number | null;
}

export interface SyncScreen {
  status: SyncStatus;
  rejections: RejectionDto[];
}
