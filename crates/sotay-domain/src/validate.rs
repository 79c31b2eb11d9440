//! Record validation: the one place that decides whether a record may be saved (on the device)
//! or applied (at the office, which never trusts the device). Every check returns a
//! [`ValidationError`] with a stable code, the field, and a Vietnamese message.

use chrono::NaiveDate;

use crate::entities::*;
use crate::error::{ValidationCode, ValidationError, ValidationErrors};

/// What validation needs from outside: today's date in Asia/Ho_Chi_Minh (the domain reads no
/// clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidationContext {
    /// Today, Asia/Ho_Chi_Minh.
    pub today: NaiveDate,
}

/// A record that can check itself.
pub trait Validate {
    /// All problems with the record, or `Ok(())`.
    fn validate(&self, ctx: &ValidationContext) -> Result<(), ValidationErrors>;
}

/// A required text: trimmed, not empty.
pub fn required_text(field: &str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::new(
            ValidationCode::Required,
            field,
            "Không được để trống.",
        ))
    } else {
        Ok(())
    }
}

macro_rules! basic_validate {
    ($ty:ty, $($field:ident),*) => {
        impl Validate for $ty {
            fn validate(&self, _ctx: &ValidationContext) -> Result<(), ValidationErrors> {
                let mut errors = ValidationErrors::new();
                $( errors.check(required_text(stringify!($field), &self.$field)); )*
                errors.into_result()
            }
        }
    };
}

basic_validate!(Village, commune_code, name);
basic_validate!(Household, commune_code);
basic_validate!(Person, commune_code, full_name);
basic_validate!(Visit, commune_code);
basic_validate!(FollowUp, commune_code);
basic_validate!(OutreachEvent, commune_code);
basic_validate!(Enrollment, commune_code);
basic_validate!(Payment, commune_code, receipt_number);
basic_validate!(Remittance, commune_code);
basic_validate!(Quota, commune_code);
