//! Hôm nay (Today): follow-ups due and overdue, renewals due and lapsed participants, the
//! quotas of the period with progress, what waits to sync, and cash on hand.

use sotay_device::AppAction;
use sotay_store::{RenewalDue, Store, TodayOptions};
use tauri::State;

use crate::commands::targets::quota_items;
use crate::dto::{FollowUpItem, HouseholdRef, ReferralItem, RenewalItem, ReturnedItem, TodayDto};
use crate::error::CmdResult;
use crate::state::AppState;

fn renewal(due: RenewalDue) -> RenewalItem {
    RenewalItem {
        person_id: due.person.id,
        person_name: due.person.full_name,
        household: HouseholdRef::from(&due.household),
        enrollment_id: due.enrollment.id,
        payment_mode: due.enrollment.payment_mode,
        paid_through: due.paid_through,
        deadline: due.deadline,
    }
}

/// How far back a board member's Hôm nay follows the people he found interested, and how many.
const REFERRAL_DAYS: i64 = 60;
const REFERRALS_SHOWN: usize = 20;

/// Today's list for the enrolled user (`money`: a role that handles money, and so signs up).
pub fn today_for(store: &Store, user_id: uuid::Uuid, money: bool) -> CmdResult<TodayDto> {
    let list = store.today_list(user_id, TodayOptions::default())?;
    Ok(TodayDto {
        date: store.today(),
        follow_ups: list
            .follow_ups
            .into_iter()
            .map(|f| FollowUpItem {
                household: HouseholdRef::from(&f.household),
                follow_up: f.follow_up,
                overdue: f.overdue,
            })
            .collect(),
        renewals_due: list.renewals_due.into_iter().map(renewal).collect(),
        lapsed: list.lapsed.into_iter().map(renewal).collect(),
        returned: store
            .returned_enrollments(user_id)?
            .into_iter()
            .map(|(enrollment, person)| ReturnedItem {
                person_id: person.id,
                person_name: person.full_name,
                enrollment_id: enrollment.id,
                reason: enrollment.status_reason,
            })
            .collect(),
        quotas: quota_items(store, user_id)?,
        pending: store.outbox_pending_count()?,
        rejected: store.rejected_count()?,
        cash_on_hand: if money {
            Some(store.cash_on_hand_total(user_id)?)
        } else {
            None
        },
        referrals: if money {
            Vec::new()
        } else {
            store
                .referrals_of(
                    user_id,
                    store.now() - chrono::Duration::days(REFERRAL_DAYS),
                    REFERRALS_SHOWN,
                )?
                .into_iter()
                .map(|r| ReferralItem {
                    household: HouseholdRef::from(&r.household),
                    referred_at: r.referred_at,
                    status: r.status,
                })
                .collect()
        },
    })
}

/// "Xong" on a follow-up of Today marks it done (the call was made, the papers came), and
/// "Hoàn tác" opens it again; Today reloads.
#[tauri::command(async)]
pub fn set_follow_up_done(
    state: State<'_, AppState>,
    follow_up_id: uuid::Uuid,
    done: bool,
) -> CmdResult<()> {
    state.with_store(|store, _| {
        store.set_follow_up_done(follow_up_id, done)?;
        Ok(())
    })
}

/// The Today screen. Its list reads every sign-up and payment of the area; those pages leave
/// the store's cache a second after the last command, like every screen's
/// (`memory::IdleTrim`).
#[tauri::command(async)]
pub fn today(state: State<'_, AppState>) -> CmdResult<TodayDto> {
    state.with_store(|store, enrolment| {
        let money = AppAction::HandleMoney.allowed_for(enrolment.user.role);
        today_for(store, enrolment.user.id, money)
    })
}
