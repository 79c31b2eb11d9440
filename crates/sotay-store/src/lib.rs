//! `sotay-store` is the device database: one SQLite file per user, opened with WAL, every write
//! committed together with its outbox op so sync never misses a saved change.
//!
//! - [`Store`] opens the file (migrations from `migrations/device`, refusing a file from a newer
//!   app), and every repository call (`save_*`, `get_*`, `delete_*`) validates with
//!   `sotay_domain`, diffs against the stored record and appends the op in the same transaction.
//! - [`outbox`] is what the sync client uses: pending ops, acknowledgement, quarantine, merging
//!   pulled changes, the clock, the scope checksum.
//! - [`queries`] and [`search`] draw the app's screens; [`workflows`] saves what one tap in the
//!   app means (a visit with its follow-ups, a sign-up with its quote, a priced payment, a
//!   remittance of the cash on hand), each in one transaction.
//!
//! - [`drafts`] keeps forms being filled in, so what was typed survives the app being killed.
//! - [`encryption`] keeps the file encrypted (SQLCipher, a random key the app wraps with the
//!   PIN), and encrypts a plain file from an older app in place.
//!
//! Architecture invariant: every write and its outbox op commit in one transaction.
//! Architecture invariant: no networking; user data is never hard-deleted (tombstones).

pub mod clock;
pub mod drafts;
pub mod encryption;
pub mod error;
pub mod outbox;
pub mod policy;
pub mod privacy;
pub mod queries;
pub mod receipt;
pub mod records;
pub mod search;
pub mod store;
pub mod workflows;

pub use clock::{SettableClock, SystemClock, WallClock};
pub use encryption::StoreKey;
pub use error::{Result, StoreError};
pub use outbox::{ApplyReport, Rejection, RemoteChange, UnreadableRecord};
pub use queries::{
    CashOnHand, DueFollowUp, HouseholdCursor, HouseholdFilter, HouseholdSummary, QuotaProgress,
    Referral, ReferralStatus, RemittanceState, RenewalDue, TimelineEntry, TodayList, TodayOptions,
    VillageHouseholdsPage,
};
pub use receipt::ReceiptCheck;
pub use records::Record;
pub use search::SearchHit;
pub use store::{DeviceIdentity, Store, migrations, schema_version};
pub use workflows::{EnrollmentHistory, PaymentDraft, VillageSummary, VisitLogged};
