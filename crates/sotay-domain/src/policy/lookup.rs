//! Finding the policy row in force on a date, and the answers computed from the tables alone
//! (the first day with data, a renewal deadline, the day the retirement age is reached).
//! A date before the data, or a table without a row for the date, is an error, never a guess.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use super::Policy;
use super::error::PolicyError;
use super::tables::{
    ContributionRate, HealthInsuranceHousehold, IncomeFloor, LocalSupport, LumpSumRate,
    MaternityGrant, NationalSupport, PaymentModeRules, PensionFormula, PolicyPeriod,
    ReferenceLevel, SupportCap, TransitionalRetirement,
};
use crate::admin_units;
use crate::calendar::{add_months, month_end, month_start};
use crate::entities::{PaymentMode, Sex};

/// The 2-digit province codes of the 2025 list (from [`crate::admin_units`]).
pub fn province_codes() -> &'static BTreeSet<String> {
    static CODES: OnceLock<BTreeSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        admin_units::provinces()
            .iter()
            .map(|p| p.code.to_owned())
            .collect()
    })
}

/// The name of a province of the 2025 list (`Thành phố Hà Nội`), if the code is known. The code
/// must match exactly (no surrounding spaces), like [`province_codes`].
pub fn province_name(code: &str) -> Option<&'static str> {
    admin_units::province(code)
        .filter(|p| p.code == code)
        .map(|p| p.name)
}

fn find<T: PolicyPeriod>(rows: &[T], date: NaiveDate) -> Option<&T> {
    rows.iter().find(|row| row.covers(date))
}

/// The lookups of the tables every date of the policy needs: a row in force on the date, or
/// [`PolicyError::MissingForDate`] naming the table (the field's name).
macro_rules! required_on {
    ($($(#[doc = $doc:expr])* $name:ident: $table:ident -> $row:ty;)*) => {$(
        $(#[doc = $doc])*
        pub fn $name(&self, date: NaiveDate) -> Result<&$row, PolicyError> {
            self.need(stringify!($table), &self.$table, date)
        }
    )*};
}

impl Policy {
    /// The first day the contribution tables cover: quotes before it are refused.
    pub fn first_day(&self) -> NaiveDate {
        [
            self.contribution_rate
                .first()
                .map(PolicyPeriod::effective_from),
            self.income_floor.first().map(PolicyPeriod::effective_from),
            self.reference_level
                .first()
                .map(PolicyPeriod::effective_from),
            self.national_support
                .first()
                .map(PolicyPeriod::effective_from),
            self.support_cap.first().map(PolicyPeriod::effective_from),
            self.payment_mode.first().map(PolicyPeriod::effective_from),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(NaiveDate::MIN)
    }

    fn need<'a, T: PolicyPeriod>(
        &self,
        table: &'static str,
        rows: &'a [T],
        date: NaiveDate,
    ) -> Result<&'a T, PolicyError> {
        if date < self.first_day() {
            return Err(PolicyError::DateBeforePolicy {
                date,
                first_day: self.first_day(),
            });
        }
        find(rows, date).ok_or(PolicyError::MissingForDate { table, date })
    }

    required_on! {
        /// The contribution rate on `date`.
        contribution_rate_on: contribution_rate -> ContributionRate;
        /// The income floor on `date`.
        income_floor_on: income_floor -> IncomeFloor;
        /// The reference level on `date`.
        reference_level_on: reference_level -> ReferenceLevel;
        /// The national support rates on `date`.
        national_support_on: national_support -> NationalSupport;
        /// The support months cap on `date`.
        support_cap_on: support_cap -> SupportCap;
        /// The payment-mode rules on `date`.
        payment_mode_on: payment_mode -> PaymentModeRules;
    }

    /// The last day to pay the period that follows a participant's last paid month
    /// (`paid_to_month`, any day of it) in `mode`: the end of the period's deadline month
    /// ([`PaymentModeRules::deadline_month`]), by the rules in force when that period starts.
    /// Paying later suspends participation. Periods that start before the policy data (2022)
    /// take its earliest rules: the deadlines have not changed since Decree 134/2015.
    pub fn renewal_deadline(&self, mode: PaymentMode, paid_to_month: NaiveDate) -> NaiveDate {
        let next_period = month_start(add_months(month_start(paid_to_month), 1));
        match self
            .payment_mode_on(next_period)
            .ok()
            .or_else(|| self.payment_mode.first())
        {
            Some(rules) => rules.deadline(mode, next_period),
            // No payment-mode rules at all cannot pass `check`; month by month otherwise.
            None => month_end(next_period),
        }
    }

    /// r on `date` (only lump sums need it).
    pub fn lump_sum_rate_on(&self, date: NaiveDate) -> Result<&LumpSumRate, PolicyError> {
        find(&self.lump_sum_rate, date).ok_or(PolicyError::LumpSumRateMissing { date })
    }

    /// The top-up of `province_code` on `date`, if it has one. The code must be known.
    pub fn local_support_on(
        &self,
        province_code: &str,
        date: NaiveDate,
    ) -> Result<Option<&LocalSupport>, PolicyError> {
        if !province_codes().contains(province_code) {
            return Err(PolicyError::UnknownProvince {
                code: province_code.to_owned(),
            });
        }
        Ok(self
            .local_support
            .iter()
            .find(|row| row.province_code == province_code && row.covers(date)))
    }

    /// The pension formula on `date`.
    pub fn pension_formula_on(&self, date: NaiveDate) -> Result<&PensionFormula, PolicyError> {
        find(&self.pension_formula, date).ok_or(PolicyError::MissingForDate {
            table: "pension_formula",
            date,
        })
    }

    /// The transitional retirement condition on `date`, if one is in force.
    pub fn transitional_retirement_on(&self, date: NaiveDate) -> Option<&TransitionalRetirement> {
        find(&self.transitional_retirement, date)
    }

    /// The maternity grant on `date`, if the law had one then.
    pub fn maternity_grant_on(&self, date: NaiveDate) -> Option<&MaternityGrant> {
        find(&self.maternity_grant, date)
    }

    /// Household health-insurance prices on `date`.
    pub fn health_insurance_on(
        &self,
        date: NaiveDate,
    ) -> Result<&HealthInsuranceHousehold, PolicyError> {
        self.need(
            "health_insurance_household",
            &self.health_insurance_household,
            date,
        )
    }

    /// The date on which someone born on `date_of_birth` reaches the retirement age of the
    /// roadmap. The required age depends on the year in which it is reached, so this finds the
    /// year `Y` where birth + age(Y) falls in `Y`. Such a year always exists and is unique because
    /// the age grows by less than a year per year (checked by the loader).
    pub fn retirement_date(&self, sex: Sex, date_of_birth: NaiveDate) -> (u32, NaiveDate) {
        let ages = &self.retirement_age;
        let start = date_of_birth.year() + 40;
        let mut last = (0, date_of_birth);
        for year in start..start + 40 {
            let age = ages.age_months_in_year(sex, year);
            let reached = add_months(date_of_birth, age);
            last = (age, reached);
            if reached.year() == year {
                return last;
            }
        }
        last
    }
}
