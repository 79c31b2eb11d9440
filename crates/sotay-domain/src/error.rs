//! Validation errors with stable codes. The code is what the UI and the office decide on (never
//! the message text); the message says in Vietnamese what is wrong and what to do, and names the
//! field so the UI can show it next to that field.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable, machine-readable reason a value was refused. Serialized in snake_case
/// (`cccd_length`), which is what crosses to the UI and over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValidationCode {
    /// A required text is empty after trimming.
    Required,
    /// A text is longer than allowed.
    TooLong,
    /// A number is outside its allowed range.
    OutOfRange,
    /// The personal ID number is not 12 digits.
    CccdLength,
    /// The personal ID number starts with an unknown province code.
    CccdProvince,
    /// The century/sex digit does not agree with the sex or the birth century.
    CccdSexCentury,
    /// The birth-year digits do not agree with the date of birth.
    CccdBirthYear,
    /// The ID-card QR text could not be read.
    QrFormat,
    /// The phone number is not a Vietnamese mobile number.
    PhoneFormat,
    /// The phone number has an unknown network prefix.
    PhonePrefix,
    /// A date is in the future where it may not be.
    DateInFuture,
    /// A date could not be read.
    DateFormat,
    /// The person is younger than 15, the minimum age for voluntary insurance.
    TooYoung,
    /// An amount of money is not a whole number of đồng greater than zero.
    MoneyNotPositive,
    /// A code (province, commune) is not in the official list.
    UnknownAdminUnit,
    /// A period ends before it starts.
    PeriodOrder,
    /// A value is not one of the allowed choices.
    InvalidChoice,
    /// A GPS position is outside the valid range.
    InvalidLocation,
    /// A text holds characters it may not (a receipt number with a space).
    InvalidCharacters,
    /// A month is given by a date that is not the first day of the month.
    NotFirstOfMonth,
    /// The old social insurance code is not 10 digits.
    InsuranceCodeFormat,
    /// Two records that must belong together do not (a sign-up for another person).
    RecordMismatch,
    /// The chosen income is below the floor (the rural poverty line) in force.
    IncomeBelowFloor,
    /// The chosen income is above the ceiling (20 × the reference level) in force.
    IncomeAboveCeiling,
}

impl ValidationCode {
    /// The snake_case code, as sent over the wire.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One refused field: which field, why (stable code), and a Vietnamese message for the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The stable reason.
    pub code: ValidationCode,
    /// The field name as in the entity's JSON form (`personal_id`, `phone`).
    pub field: String,
    /// What is wrong and what to do, in Vietnamese.
    pub message: String,
}

impl ValidationError {
    /// A new error for `field`.
    pub fn new(code: ValidationCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            code,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem found in one record, so the UI can mark all the wrong fields at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of a failed check, if any.
    pub fn check<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.0.push(err);
                None
            }
        }
    }

    /// Adds one error.
    pub fn push(&mut self, err: ValidationError) {
        self.0.push(err);
    }

    /// `Ok(())` when nothing was found, else all the errors.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The first error, for callers that report one at a time.
    pub fn first(&self) -> Option<&ValidationError> {
        self.0.first()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for ValidationErrors {}

impl From<ValidationError> for ValidationErrors {
    fn from(err: ValidationError) -> Self {
        ValidationErrors(vec![err])
    }
}
