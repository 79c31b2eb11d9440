//! What each role may do in the app. A village mobilization board member (Ban vận động) does
//! outreach: visits, prospects, meetings. Money — payments, receipts, cash on hand, remittances —
//! and sign-up declarations are the collectors' work under their contract with the office. The
//! app hides what a role may not do and its commands refuse it.

use serde::{Deserialize, Serialize};
use sotay_domain::Role;

/// An action the app offers only to some roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppAction {
    /// Take a sign-up declaration (tờ khai TK1-TS).
    SignUp,
    /// Collect a payment, show receipts and cash on hand, record a remittance.
    HandleMoney,
}

impl AppAction {
    /// Whether `role` may do this.
    pub fn allowed_for(self, role: Role) -> bool {
        // The same rule the office enforces on every op (`role_forbidden`).
        match self {
            AppAction::SignUp => role.may_write(sotay_domain::EntityKind::Enrollment),
            AppAction::HandleMoney => role.may_write(sotay_domain::EntityKind::Payment),
        }
    }

    /// Every action allowed for `role` (what the UI shows).
    pub fn allowed(role: Role) -> Vec<AppAction> {
        [AppAction::SignUp, AppAction::HandleMoney]
            .into_iter()
            .filter(|a| a.allowed_for(role))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_board_member_does_outreach_but_no_money_and_no_sign_ups() {
        assert_eq!(AppAction::allowed(Role::BoardMember), vec![]);
        assert_eq!(AppAction::allowed(Role::OfficeSupervisor), vec![]);
        for collector in [Role::Collector, Role::PostOfficeCollector] {
            assert_eq!(
                AppAction::allowed(collector),
                vec![AppAction::SignUp, AppAction::HandleMoney],
                "{collector:?}"
            );
        }
    }
}
