//! Chỉ tiêu (Targets): the quotas the office set for the period, against results.

use sotay_domain::QuotaScope;
use sotay_store::Store;
use tauri::State;
use uuid::Uuid;

use crate::dto::QuotaItem;
use crate::error::CmdResult;
use crate::state::AppState;

/// The quotas in force today on the device that concern the user (theirs, their communes',
/// their villages' by name), each with its progress. A village's name is read by its id (not
/// from the list of villages, whose household counts read every household of the area: the
/// Today screen calls this at start).
pub fn quota_items(store: &Store, user_id: Uuid) -> CmdResult<Vec<QuotaItem>> {
    let mut items = Vec::new();
    for quota in store.quotas_on(store.today())? {
        let (scope_kind, scope_name) = match &quota.scope {
            QuotaScope::Collector(id) if *id == user_id => ("collector", None),
            QuotaScope::Collector(_) => continue,
            QuotaScope::Village(id) => ("village", store.get_village(*id)?.map(|v| v.name)),
            QuotaScope::Commune(code) => (
                "commune",
                sotay_domain::admin_units::commune(code).map(|c| c.name.to_owned()),
            ),
        };
        let progress = store.quota_progress(&quota.scope, quota.period)?;
        items.push(QuotaItem {
            scope_kind,
            scope_name,
            period: quota.period,
            target_signups: quota.target_signups,
            target_renewals: quota.target_renewals,
            signups: progress.signups,
            renewals: progress.renewals,
        });
    }
    // The user's own quota first, then the commune's, then the villages' by name in Vietnamese
    // alphabetical order.
    let rank = |kind: &str| match kind {
        "collector" => 0,
        "commune" => 1,
        _ => 2,
    };
    items.sort_by(|a, b| {
        rank(a.scope_kind).cmp(&rank(b.scope_kind)).then_with(|| {
            sotay_domain::collate::compare(
                a.scope_name.as_deref().unwrap_or_default(),
                b.scope_name.as_deref().unwrap_or_default(),
            )
        })
    });
    Ok(items)
}

/// The Targets screen.
#[tauri::command(async)]
pub fn targets(state: State<'_, AppState>) -> CmdResult<Vec<QuotaItem>> {
    state.with_store(|store, enrolment| quota_items(store, enrolment.user.id))
}
