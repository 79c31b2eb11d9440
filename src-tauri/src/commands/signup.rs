//! Đăng ký (Sign-up): the declaration with the quote it is made with; the office's decision
//! comes back on the sign-up by sync and shows on the person.

use chrono::Datelike;
use sotay_device::AppAction;
use sotay_domain::{Enrollment, EnrollmentStatus, EntityKind, new_id};
use tauri::State;
use uuid::Uuid;

use crate::dto::{SignUpInput, SignUpSaved};
use crate::error::{CmdResult, CommandError};
use crate::forms;
use crate::state::AppState;

/// Signs a person up (collectors only).
#[tauri::command(async)]
pub fn sign_up(state: State<'_, AppState>, input: SignUpInput) -> CmdResult<SignUpSaved> {
    let income = forms::money("monthly_income", &input.income)?;
    state.save(Some(AppAction::SignUp), |store, enrolment| {
        let person = store.get_person(input.person_id)?.ok_or_else(|| {
            CommandError::from(sotay_store::StoreError::NotFound {
                entity: EntityKind::Person,
                id: input.person_id,
            })
        })?;
        let today = store.today();
        let enrollment = Enrollment {
            id: new_id(),
            person_id: person.id,
            household_id: person.household_id,
            commune_code: person.commune_code,
            village_id: person.village_id,
            collector_id: enrolment.user.id,
            monthly_income: income,
            payment_mode: input.mode,
            first_month: today.with_day(1).unwrap_or(today),
            support_groups: input.support_groups,
            quote: None,
            status: EnrollmentStatus::Draft,
            status_reason: None,
        };
        let (enrollment, quote) = store.sign_up(&enrollment)?;
        Ok(SignUpSaved { enrollment, quote })
    })
}

/// Sends a sign-up the office returned for correction back for review, once the collector has
/// put its details right (collectors only).
#[tauri::command(async)]
pub fn resubmit_sign_up(state: State<'_, AppState>, enrollment_id: Uuid) -> CmdResult<Enrollment> {
    state.save(Some(AppAction::SignUp), |store, _| {
        Ok(store.resubmit_enrollment(enrollment_id)?)
    })
}
