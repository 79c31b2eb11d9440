//! Tính mức đóng (Quote): the calculator. Works before enrolment (the built-in policy edition)
//! and after (the edition the office published, kept by the store). Every number comes from
//! `sotay_domain::quote` and `sotay_domain::estimate_benefit`; the support groups are pre-filled
//! from the household's poverty status and the person's flags.

use std::sync::Arc;

use sotay_domain::{BenefitRequest, Policy, PovertyStatus, QuoteRequest, SupportGroup};
use tauri::State;
use uuid::Uuid;

use crate::dto::{PersonRef, QuoteDefaults, QuoteDto, QuoteInput};
use crate::error::{CmdResult, CommandError};
use crate::forms;
use crate::state::{AppState, lock_store};

/// The policy in use: the store's once enrolled, else the built-in edition.
fn policy(state: &AppState) -> CmdResult<(Arc<Policy>, chrono::NaiveDate)> {
    match state.session() {
        Some(session) => {
            let store = lock_store(&session.store);
            Ok((store.policy()?, store.today()))
        }
        None => Ok((
            Arc::new(Policy::embedded().clone()),
            sotay_store::clock::local_date(chrono::Utc::now()),
        )),
    }
}

/// Prices the form with the domain's quote, and estimates the pension when sex and date of
/// birth are given.
#[tauri::command(async)]
pub fn quote(state: State<'_, AppState>, input: QuoteInput) -> CmdResult<QuoteDto> {
    state.require_unlocked()?;
    let income = forms::money("monthly_income", &input.income)?;
    let date_of_birth = forms::date("date_of_birth", &input.date_of_birth)?;
    let months_contributed = forms::count("months_contributed", &input.months_contributed)?;
    let (policy, today) = policy(&state)?;
    let quote = sotay_domain::quote(
        &policy,
        &QuoteRequest {
            date: today,
            province_code: input.province_code.filter(|c| !c.trim().is_empty()),
            support_groups: input.support_groups,
            monthly_income: income,
            mode: input.mode,
            supported_months_used: 0,
        },
    )?;
    let (benefit, benefit_error) = match (input.sex, date_of_birth) {
        (Some(sex), Some(date_of_birth)) => {
            match sotay_domain::estimate_benefit(
                &policy,
                &BenefitRequest {
                    date: today,
                    sex,
                    date_of_birth,
                    months_contributed: months_contributed.unwrap_or(0),
                    planned_monthly_income: income,
                    mode: input.mode,
                    months_paid_last_12: 0,
                    first_month: None,
                    keep_paying: true,
                },
            ) {
                Ok(estimate) => (Some(estimate), None),
                Err(err) => (None, Some(CommandError::from(err))),
            }
        }
        _ => (None, None),
    };
    Ok(QuoteDto {
        quote,
        benefit,
        benefit_error,
    })
}

/// What the quote and sign-up forms start from for a person: the support groups their
/// household's poverty status and their own flags give, their province, sex and birth date.
#[tauri::command(async)]
pub fn quote_defaults(state: State<'_, AppState>, person_id: Uuid) -> CmdResult<QuoteDefaults> {
    state.with_store(|store, _| {
        let person = store.get_person(person_id)?.ok_or_else(|| {
            CommandError::from(sotay_store::StoreError::NotFound {
                entity: sotay_domain::EntityKind::Person,
                id: person_id,
            })
        })?;
        let household = store.get_household(person.household_id)?;
        let poverty_status = household
            .as_ref()
            .map_or(PovertyStatus::None, |h| h.poverty_status);
        let mut support_groups = match poverty_status {
            PovertyStatus::Poor => vec![SupportGroup::Poor],
            PovertyStatus::NearPoor => vec![SupportGroup::NearPoor],
            PovertyStatus::None => vec![],
        };
        if person.ethnic_minority {
            support_groups.push(SupportGroup::EthnicMinority);
        }
        if support_groups.is_empty() {
            support_groups.push(SupportGroup::Other);
        }
        Ok(QuoteDefaults {
            province_code: sotay_domain::admin_units::commune(&person.commune_code)
                .map(|c| c.province_code.to_owned()),
            has_enrollment: store.has_enrollment(person.id)?,
            date_of_birth: person
                .date_of_birth
                .map(forms::show_date)
                .unwrap_or_default(),
            sex: person.sex,
            person: PersonRef::from(&person),
            poverty_status,
            support_groups,
        })
    })
}
