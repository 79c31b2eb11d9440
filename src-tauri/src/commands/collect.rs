//! Thu tiền (Collect): the next payment of a sign-up (months and amount from the domain's
//! quote), the receipt to show the participant, cash on hand, and a remittance to the office.
//! Collectors only: a board member handles no money.

use chrono::Utc;
use sotay_device::AppAction;
use sotay_domain::{Enrollment, Household, Payment, Person};
use tauri::State;
use uuid::Uuid;

use crate::commands::require;
use sotay_store::{PaymentDraft, Store};

use crate::dto::{
    CashDto, CashItem, CollectInput, HandoverItem, PaymentDraftDto, ReceiptCheckDto, ReceiptDto,
    SignUpTerms, SignUpTermsInput,
};
use crate::error::CmdResult;
use crate::forms;
use crate::state::AppState;

/// The next period of a sign-up and what to collect for it.
#[tauri::command(async)]
pub fn payment_draft(
    state: State<'_, AppState>,
    enrollment_id: Uuid,
) -> CmdResult<PaymentDraftDto> {
    state.with_store_for(AppAction::HandleMoney, |store, _| {
        draft_dto(store, store.payment_draft(enrollment_id)?)
    })
}

/// The income and payment mode a sign-up goes on with, and today's income floor: what the
/// collector changes when the next period does not price (a new floor) or the participant
/// wants another mode.
#[tauri::command(async)]
pub fn sign_up_terms(state: State<'_, AppState>, enrollment_id: Uuid) -> CmdResult<SignUpTerms> {
    state.with_store_for(AppAction::HandleMoney, |store, _| {
        let enrollment = require::<Enrollment>(store, enrollment_id)?;
        let person = require::<Person>(store, enrollment.person_id)?;
        let income_floor = store
            .policy()?
            .income_floor_on(store.today())
            .ok()
            .map(|floor| floor.amount);
        Ok(SignUpTerms {
            person_name: person.full_name,
            monthly_income: enrollment.monthly_income,
            payment_mode: enrollment.payment_mode,
            income_floor,
        })
    })
}

/// Changes a sign-up's income and payment mode (saved only when its next period prices on
/// them) and returns that period (collectors only).
#[tauri::command(async)]
pub fn change_sign_up_terms(
    state: State<'_, AppState>,
    input: SignUpTermsInput,
) -> CmdResult<PaymentDraftDto> {
    let income = forms::money("monthly_income", &input.income)?;
    state.save(Some(AppAction::HandleMoney), |store, _| {
        let draft = store.change_sign_up_terms(input.enrollment_id, income, input.mode)?;
        draft_dto(store, draft)
    })
}

/// What the collect screen shows of a priced next period.
fn draft_dto(store: &Store, draft: PaymentDraft) -> CmdResult<PaymentDraftDto> {
    let person = require::<Person>(store, draft.enrollment.person_id)?;
    Ok(PaymentDraftDto {
        person_name: person.full_name,
        months: draft.quote.period_months,
        months_from: draft.months_from,
        months_to: draft.months_to,
        amount: draft.amount,
        enrollment: draft.enrollment,
        quote: draft.quote,
    })
}

/// Collects the next period with its receipt number; returns the payment's id (for the
/// receipt screen).
#[tauri::command(async)]
pub fn collect_payment(state: State<'_, AppState>, input: CollectInput) -> CmdResult<Uuid> {
    state.save(Some(AppAction::HandleMoney), |store, _| {
        Ok(store
            .collect_payment(input.enrollment_id, &input.receipt_number, input.method)?
            .id)
    })
}

/// The receipt of a payment, to show the participant: with its check code and a QR code of the
/// office's receipt page for it, where the participant can see that the money reached the office.
#[tauri::command(async)]
pub fn receipt(state: State<'_, AppState>, payment_id: Uuid) -> CmdResult<ReceiptDto> {
    state.with_store_for(AppAction::HandleMoney, |store, enrolment| {
        let payment = require::<Payment>(store, payment_id)?;
        let person = require::<Person>(store, payment.person_id)?;
        let household = require::<Household>(store, payment.household_id)?;
        let enrollment = require::<Enrollment>(store, payment.enrollment_id)?;
        // No code where this device cannot make one the office accepts: no receipt key (an
        // activation before keys existed, or a bad one), or another device recorded it.
        let (check, check_unavailable) = match store.receipt_check_code(payment_id) {
            Ok(check) => (
                Some(ReceiptCheckDto::new(&enrolment.office_url, check)),
                None,
            ),
            Err(e) if e.code().starts_with("receipt_") => (None, Some(e.code())),
            Err(e) => return Err(e.into()),
        };
        Ok(ReceiptDto {
            person_name: person.full_name,
            personal_id: person.personal_id,
            address: household.address,
            collector_name: enrolment.user.full_name.clone(),
            payment_mode: enrollment.payment_mode,
            payment,
            check,
            check_unavailable,
        })
    })
}

/// How many past handovers the cash screen lists.
const HANDOVERS_SHOWN: usize = 20;

/// Cash collected and not handed to the office yet, and the last handovers.
#[tauri::command(async)]
pub fn cash_on_hand(state: State<'_, AppState>) -> CmdResult<CashDto> {
    state.with_store_for(AppAction::HandleMoney, |store, enrolment| {
        let cash = store.cash_on_hand(enrolment.user.id)?;
        let mut payments = Vec::with_capacity(cash.payments.len());
        for payment in cash.payments {
            let person_name = store
                .get_person(payment.person_id)?
                .map(|p| p.full_name)
                .unwrap_or_default();
            payments.push(CashItem {
                payment,
                person_name,
            });
        }
        let handovers = store
            .remittances_of(enrolment.user.id, HANDOVERS_SHOWN)?
            .into_iter()
            .map(|(r, state)| HandoverItem {
                remitted_at: r.remitted_at,
                total: r.total,
                payments: r.payment_ids.len(),
                note: r.note,
                state,
            })
            .collect();
        Ok(CashDto {
            total: cash.total,
            payments,
            handovers,
        })
    })
}

/// Hands all cash on hand to the office (or the post-office cashier) in one remittance.
#[tauri::command(async)]
pub fn remit_cash(state: State<'_, AppState>, note: String) -> CmdResult<CashDto> {
    state.save(Some(AppAction::HandleMoney), |store, _| {
        store.remit_cash(&note, Utc::now())?;
        Ok(())
    })?;
    cash_on_hand(state)
}
