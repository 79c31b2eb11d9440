//! What one tap in the field app saves, each in one transaction so a killed app never keeps half
//! of it, and the lists the app's screens need beyond [`crate::queries`]:
//!
//! - [`Store::log_visit`]: the visit, the due call-backs of that household it answers, the next
//!   follow-up it sets, and the stage of the persons met (a prospect who listened is contacted,
//!   one who is interested is interested).
//! - [`Store::sign_up`]: the sign-up with the quote it was made with (`sotay_domain::quote`, the
//!   policy edition in use), and its person marked as enrolled.
//! - [`Store::payment_draft`] / [`Store::collect_payment`]: the next period of a sign-up, priced
//!   by the domain's quote for today, and the payment with its receipt number.
//! - [`Store::remit_cash`]: a remittance of every cash payment not handed over yet.
//!
//! The rules themselves (prices, validation) stay in `sotay-domain`; this module only decides
//! which records one action writes.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};
use sotay_domain::collate::compare;
use sotay_domain::policy::{add_months, month_start};
use sotay_domain::{
    Enrollment, EnrollmentStatus, EntityKind, FollowUp, FollowUpReason, OutreachEvent, Payment,
    PaymentMethod, PaymentMode, Person, Quota, Quote, QuoteRequest, Remittance, Stage, Village,
    Visit, VisitOutcome, Vnd, new_id,
};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::queries::period_bounds;
use crate::records::Record;
use crate::store::{
    Store, counted_row, decode_counted, decode_row, load_state, record_row, select_records,
    write_record,
};

/// A village with the number of its households.
#[derive(Clone, Debug, PartialEq)]
pub struct VillageSummary {
    /// The village.
    pub village: Village,
    /// Households in it (not deleted).
    pub households: u32,
}

/// What [`Store::log_visit`] wrote besides the visit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisitLogged {
    /// Due call-backs of the household that the visit answered (now done).
    pub follow_ups_closed: u32,
    /// The follow-up made from the visit's next date, if it has one.
    pub follow_up: Option<FollowUp>,
    /// Persons whose stage moved on.
    pub persons_updated: u32,
}

/// A sign-up with its payments, oldest payment first.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrollmentHistory {
    /// The sign-up.
    pub enrollment: Enrollment,
    /// Its payments.
    pub payments: Vec<Payment>,
}

/// The next period of a sign-up, priced for today.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentDraft {
    /// The sign-up.
    pub enrollment: Enrollment,
    /// First month covered (first day).
    pub months_from: NaiveDate,
    /// Last month covered (first day).
    pub months_to: NaiveDate,
    /// What to collect.
    pub amount: Vnd,
    /// The quote it comes from (the policy edition in use, today's date).
    pub quote: Quote,
}

/// The new stage of a person met on a visit with `outcome`; stages only move forward, and a
/// sign-up or payment is recorded by its own action.
fn stage_after_visit(current: Stage, outcome: VisitOutcome) -> Option<Stage> {
    let next = match (outcome, current) {
        (VisitOutcome::Informed, Stage::Prospect) => Stage::Contacted,
        (VisitOutcome::Interested, Stage::Prospect | Stage::Contacted) => Stage::Interested,
        (VisitOutcome::Declined, Stage::Prospect | Stage::Contacted | Stage::Interested) => {
            Stage::Declined
        }
        _ => return None,
    };
    Some(next)
}

/// Months from `from` to `to` inclusive (both first days of months).
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
    u32::try_from(months).unwrap_or(0)
}

impl Store {
    /// Normalises, validates and writes one record inside `tx` (the write path of
    /// [`Store::save`]).
    fn stage<E: Record>(&self, tx: &rusqlite::Connection, record: E) -> Result<E> {
        let policy = self.policy()?;
        let ctx = sotay_domain::ValidationContext::new(self.today()).with_policy(&policy);
        let record = record.normalized();
        record.validate(&ctx).map_err(StoreError::Invalid)?;
        write_record(tx, &self.identity, self.clock.as_ref(), &ctx, &record)?;
        Ok(record)
    }

    /// The villages on the device, by name in Vietnamese alphabetical order, with their household
    /// counts.
    pub fn villages(&self) -> Result<Vec<VillageSummary>> {
        // One pass over the households table counts every village at once. (Counting each
        // village through the `(village_id, name_key, id)` index reads each household's row
        // anyway, for its `deleted` flag, in index order: one random page read per household,
        // 5× slower over a 50,000-household area.)
        self.village_summaries(
            "SELECT v.id, v.data, coalesce(c.n, 0) FROM villages v \
             LEFT JOIN (SELECT village_id, count(*) AS n FROM households NOT INDEXED \
               WHERE deleted = 0 GROUP BY village_id) c ON c.village_id = v.id \
             WHERE v.deleted = 0",
            None,
        )
    }

    /// One village (not deleted) with its household count.
    pub fn village_summary(&self, village_id: Uuid) -> Result<Option<VillageSummary>> {
        Ok(self
            .village_summaries(
                "SELECT v.id, v.data, (SELECT count(*) FROM households h \
                   WHERE h.village_id = v.id AND h.deleted = 0) \
                 FROM villages v WHERE v.id = ?1 AND v.deleted = 0",
                Some(village_id),
            )?
            .pop())
    }

    fn village_summaries(&self, sql: &str, id: Option<Uuid>) -> Result<Vec<VillageSummary>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = match id {
            Some(id) => stmt.query_map([id.as_bytes()], counted_row)?,
            None => stmt.query_map([], counted_row)?,
        };
        let mut villages = rows
            .map(|row| {
                let (village, households) = decode_counted(row?)?;
                Ok(VillageSummary {
                    village,
                    households,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // A few hundred villages at most: sorted here, in Vietnamese alphabetical order.
        villages.sort_by(|a, b| compare(&a.village.name, &b.village.name));
        Ok(villages)
    }

    /// Outreach events, newest first, at most `limit`.
    pub fn outreach_events(&self, limit: usize) -> Result<Vec<OutreachEvent>> {
        select_records(
            &self.conn,
            "SELECT id, data FROM outreach_events WHERE deleted = 0 \
             ORDER BY date DESC, id DESC LIMIT ?1",
            [i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    /// A person's sign-ups, newest first, each with its payments.
    pub fn enrollments_of_person(&self, person_id: Uuid) -> Result<Vec<EnrollmentHistory>> {
        let enrollments: Vec<Enrollment> = select_records(
            &self.conn,
            "SELECT id, data FROM enrollments WHERE person_id = ?1 AND deleted = 0 \
             ORDER BY id DESC",
            [person_id.as_bytes()],
        )?;
        enrollments
            .into_iter()
            .map(|enrollment| {
                let payments = select_records(
                    &self.conn,
                    "SELECT id, data FROM payments WHERE enrollment_id = ?1 AND deleted = 0 \
                     ORDER BY months_from",
                    [enrollment.id.as_bytes()],
                )?;
                Ok(EnrollmentHistory {
                    enrollment,
                    payments,
                })
            })
            .collect()
    }

    /// The quotas on the device whose period contains `date`.
    pub fn quotas_on(&self, date: NaiveDate) -> Result<Vec<Quota>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, data FROM quotas WHERE deleted = 0 AND year = ?1 ORDER BY scope_kind, id",
        )?;
        let rows = stmt.query_map([date.year()], record_row)?;
        let mut quotas = Vec::new();
        for row in rows {
            let quota: Quota = decode_row(row?)?;
            let (start, end) = period_bounds(quota.period);
            if start <= date && date < end {
                quotas.push(quota);
            }
        }
        Ok(quotas)
    }

    /// The household a record belongs to (itself for a household), so the app can open a
    /// refused record where the user fixes it. None for records outside households.
    pub fn household_of(&self, entity: EntityKind, id: Uuid) -> Result<Option<Uuid>> {
        if entity == EntityKind::Household {
            return Ok(Some(id));
        }
        let Some(state) = load_state(&self.conn, entity, id)? else {
            return Ok(None);
        };
        Ok(state
            .fields
            .get("household_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok()))
    }

    /// Saves a visit, closes the household's call-backs due by today that were assigned to the
    /// visitor (the visit answers them), adds a call-back on the visit's next date, and moves the
    /// persons met along (see `stage_after_visit`) — in one transaction.
    pub fn log_visit(&self, visit: &Visit) -> Result<VisitLogged> {
        let today = self.today();
        let tx = self.write_tx()?;
        let visit = self.stage(&tx, visit.clone())?;
        let mut logged = VisitLogged::default();
        let due: Vec<FollowUp> = select_records(
            &tx,
            "SELECT id, data FROM follow_ups WHERE household_id = ?1 AND assigned_to = ?2 \
               AND done = 0 AND deleted = 0 AND due_date <= ?3",
            params![
                visit.household_id.as_bytes(),
                visit.visited_by.as_bytes(),
                today.format("%Y-%m-%d").to_string()
            ],
        )?;
        for mut follow_up in due {
            // A call-back or a board's referral is done by the visit; renewals, missing
            // papers and payments are done by what they ask for.
            if matches!(
                follow_up.reason,
                FollowUpReason::CallBack | FollowUpReason::Referral
            ) {
                follow_up.done = true;
                self.stage(&tx, follow_up)?;
                logged.follow_ups_closed += 1;
            }
        }
        if let Some(due_date) = visit.next_follow_up {
            let follow_up = FollowUp {
                id: new_id(),
                household_id: visit.household_id,
                person_id: match visit.persons_met.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                },
                commune_code: visit.commune_code.clone(),
                village_id: visit.village_id,
                assigned_to: visit.visited_by,
                due_date,
                reason: FollowUpReason::CallBack,
                note: visit.notes.chars().take(200).collect(),
                done: false,
            };
            logged.follow_up = Some(self.stage(&tx, follow_up)?);
        }
        for person_id in &visit.persons_met {
            let Some(state) = load_state(&tx, EntityKind::Person, *person_id)? else {
                continue;
            };
            let mut person: Person = crate::store::decode_fields(&state.fields, *person_id)?;
            if let Some(stage) = stage_after_visit(person.stage, visit.outcome) {
                person.stage = stage;
                self.stage(&tx, person)?;
                logged.persons_updated += 1;
            }
        }
        tx.commit()?;
        Ok(logged)
    }

    /// The quote request for a sign-up on `date`: its income, mode and groups, the province of
    /// its commune (for the provincial top-up), and the support months it already used.
    fn quote_request(
        enrollment: &Enrollment,
        date: NaiveDate,
        supported_months_used: u32,
    ) -> QuoteRequest {
        QuoteRequest {
            date,
            province_code: sotay_domain::admin_units::commune(&enrollment.commune_code)
                .map(|c| c.province_code.to_owned()),
            support_groups: enrollment.support_groups.clone(),
            monthly_income: enrollment.monthly_income,
            mode: enrollment.payment_mode,
            supported_months_used,
        }
    }

    /// Saves a sign-up with the quote it is made with (today, the policy edition in use) and
    /// marks its person enrolled, in one transaction. A draft is saved as submitted: the
    /// collector signs up when the participant agrees. Errors: the quote's own (income outside
    /// the bounds…, field `monthly_income`) and the sign-up's validation.
    pub fn sign_up(&self, enrollment: &Enrollment) -> Result<(Enrollment, Quote)> {
        let policy = self.policy()?;
        let quote =
            sotay_domain::quote(&policy, &Store::quote_request(enrollment, self.today(), 0))?;
        let mut enrollment = enrollment.clone();
        enrollment.quote = Some(serde_json::to_value(&quote)?);
        if enrollment.status == EnrollmentStatus::Draft {
            enrollment.status = EnrollmentStatus::Submitted;
        }
        let tx = self.write_tx()?;
        let enrollment = self.stage(&tx, enrollment)?;
        // Signing up answers a call-back or a board's referral for this person, however early.
        self.close_follow_ups(
            &tx,
            enrollment.household_id,
            enrollment.person_id,
            &[FollowUpReason::CallBack, FollowUpReason::Referral],
        )?;
        if let Some(state) = load_state(&tx, EntityKind::Person, enrollment.person_id)? {
            let mut person: Person =
                crate::store::decode_fields(&state.fields, enrollment.person_id)?;
            if person.stage != Stage::Enrolled {
                person.stage = Stage::Enrolled;
                self.stage(&tx, person)?;
            }
        }
        tx.commit()?;
        Ok((enrollment, quote))
    }

    /// Sends a sign-up the office asked to correct (`Cần bổ sung`) back for review, once the
    /// collector has put right what its reason says (the person's or household's details): its
    /// status returns to submitted and the office's reason is cleared. Any other sign-up is
    /// refused with `enrollment_not_returned`.
    pub fn resubmit_enrollment(&self, enrollment_id: Uuid) -> Result<Enrollment> {
        let mut enrollment: Enrollment = self.get(enrollment_id)?.ok_or(StoreError::NotFound {
            entity: EntityKind::Enrollment,
            id: enrollment_id,
        })?;
        if enrollment.status != EnrollmentStatus::NeedsCorrection {
            return Err(StoreError::rule(
                "enrollment_not_returned",
                "enrollment_id",
                "Chỉ gửi lại được tờ khai mà cơ quan BHXH yêu cầu bổ sung.",
            ));
        }
        enrollment.status = EnrollmentStatus::Submitted;
        enrollment.status_reason = None;
        self.save(&enrollment)?;
        Ok(enrollment)
    }

    /// Changes the income and the payment mode a sign-up goes on with — a new income floor
    /// (1.500.000 ₫ to the end of 2026, 2.200.000 ₫ from 2027), a participant who would rather
    /// pay six months than three — and returns its next period priced with them. The new terms
    /// are saved as an edit of the sign-up only when that period prices (the quote's refusal,
    /// on its field, otherwise, and nothing is saved).
    pub fn change_sign_up_terms(
        &self,
        enrollment_id: Uuid,
        monthly_income: Vnd,
        payment_mode: PaymentMode,
    ) -> Result<PaymentDraft> {
        let mut enrollment: Enrollment = self.get(enrollment_id)?.ok_or(StoreError::NotFound {
            entity: EntityKind::Enrollment,
            id: enrollment_id,
        })?;
        enrollment.monthly_income = monthly_income;
        enrollment.payment_mode = payment_mode;
        // Priced for today first: a refusal is the quote's, which names today's floor and
        // ceiling (the sign-up's own check names those of its first month).
        let policy = self.policy()?;
        sotay_domain::quote(&policy, &Store::quote_request(&enrollment, self.today(), 0))?;
        let tx = self.write_tx()?;
        self.stage(&tx, enrollment)?;
        // Priced inside the transaction, on the terms just written: a refusal rolls them back.
        let draft = self.payment_draft(enrollment_id)?;
        tx.commit()?;
        Ok(draft)
    }

    /// The next period of a sign-up — the month after the last one paid, or its first month, or
    /// this month when the participant missed the deadline and paying resumes participation —
    /// priced by the domain's quote for today with the support months its payments already used.
    /// A rejected sign-up cannot be paid (`enrollment_rejected`).
    pub fn payment_draft(&self, enrollment_id: Uuid) -> Result<PaymentDraft> {
        let enrollment: Enrollment = self.get(enrollment_id)?.ok_or(StoreError::NotFound {
            entity: EntityKind::Enrollment,
            id: enrollment_id,
        })?;
        if enrollment.status == EnrollmentStatus::Rejected {
            return Err(StoreError::rule(
                "enrollment_rejected",
                "enrollment_id",
                "Tờ khai này đã bị cơ quan BHXH từ chối nên không thu tiền được. Hãy lập tờ khai \
                 mới cho người tham gia.",
            ));
        }
        let paid: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT months_from, months_to FROM payments WHERE enrollment_id = ?1 AND deleted = 0",
            )?;
            let rows =
                stmt.query_map([enrollment_id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let parse = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        let mut last_paid: Option<NaiveDate> = None;
        let mut months_paid = 0u32;
        for (from, to) in &paid {
            if let (Some(from), Some(to)) = (parse(from), parse(to)) {
                months_paid += months_between(from, to);
                last_paid = last_paid.max(Some(to));
            }
        }
        let policy = self.policy()?;
        let today = self.today();
        let cap = policy
            .support_cap_on(today)
            .map(|c| u32::from(c.months))
            .unwrap_or(0);
        let request = Store::quote_request(&enrollment, today, months_paid.min(cap));
        let quote = sotay_domain::quote(&policy, &request)?;
        let months_from = match last_paid {
            None => month_start(enrollment.first_month),
            // Missing the deadline of the next period suspends participation; the months paid
            // are kept, and paying again resumes it from this month — the missed months are
            // not billed (Law 41/2024 Art. 36.3; only the "missing period" lump sum at
            // retirement age pays for months behind).
            Some(to) if policy.renewal_deadline(enrollment.payment_mode, to) < today => {
                add_months(to, 1).max(month_start(today))
            }
            Some(to) => add_months(to, 1),
        };
        let months_to = add_months(months_from, quote.period_months.saturating_sub(1));
        Ok(PaymentDraft {
            amount: quote.amount_due,
            enrollment,
            months_from,
            months_to,
            quote,
        })
    }

    /// Collects the next period of a sign-up ([`Store::payment_draft`]) with its receipt number.
    pub fn collect_payment(
        &self,
        enrollment_id: Uuid,
        receipt_number: &str,
        method: PaymentMethod,
    ) -> Result<Payment> {
        let draft = self.payment_draft(enrollment_id)?;
        let payment = Payment {
            id: new_id(),
            enrollment_id,
            person_id: draft.enrollment.person_id,
            household_id: draft.enrollment.household_id,
            commune_code: draft.enrollment.commune_code.clone(),
            village_id: draft.enrollment.village_id,
            collector_id: self.identity.user_id,
            months_from: draft.months_from,
            months_to: draft.months_to,
            amount: draft.amount,
            collected_at: self.clock.now(),
            receipt_number: receipt_number.to_owned(),
            method,
        };
        let tx = self.write_tx()?;
        let payment = self.stage(&tx, payment)?;
        // Collecting is what a renewal or payment follow-up asks for, and answers a call-back.
        self.close_follow_ups(
            &tx,
            payment.household_id,
            payment.person_id,
            &[
                FollowUpReason::Renewal,
                FollowUpReason::Payment,
                FollowUpReason::CallBack,
                FollowUpReason::Referral,
            ],
        )?;
        tx.commit()?;
        Ok(payment)
    }

    /// Closes, in `tx`, this user's open follow-ups of `household` for `person` (or for the
    /// household as a whole) whose reason is one of `reasons`; how many.
    fn close_follow_ups(
        &self,
        tx: &rusqlite::Transaction<'_>,
        household: Uuid,
        person: Uuid,
        reasons: &[FollowUpReason],
    ) -> Result<usize> {
        let open: Vec<FollowUp> = select_records(
            tx,
            "SELECT id, data FROM follow_ups WHERE household_id = ?1 AND assigned_to = ?2 \
               AND done = 0 AND deleted = 0",
            params![household.as_bytes(), self.identity.user_id.as_bytes()],
        )?;
        let mut closed = 0;
        for mut follow_up in open {
            if reasons.contains(&follow_up.reason)
                && follow_up.person_id.is_none_or(|p| p == person)
            {
                follow_up.done = true;
                self.stage(tx, follow_up)?;
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// Marks a follow-up done by hand ("Xong" on Hôm nay: the call was made, the paper came), or
    /// open again ("Hoàn tác"). `not_found` for one that does not exist or was deleted.
    pub fn set_follow_up_done(&self, id: Uuid, done: bool) -> Result<FollowUp> {
        let mut follow_up: FollowUp = self.get(id)?.ok_or(StoreError::NotFound {
            entity: EntityKind::FollowUp,
            id,
        })?;
        if follow_up.done == done {
            return Ok(follow_up);
        }
        follow_up.done = done;
        let tx = self.write_tx()?;
        let follow_up = self.stage(&tx, follow_up)?;
        tx.commit()?;
        Ok(follow_up)
    }

    /// Hands every cash payment not remitted yet to the office in one remittance (its total is
    /// their sum, to the đồng). `nothing_to_remit` when there is no cash on hand.
    pub fn remit_cash(&self, note: &str, at: DateTime<Utc>) -> Result<Remittance> {
        let cash = self.cash_on_hand(self.identity.user_id)?;
        let Some(first) = cash.payments.first() else {
            return Err(StoreError::rule(
                "nothing_to_remit",
                "payment_ids",
                "Không có tiền mặt nào đang giữ để nộp.",
            ));
        };
        let remittance = Remittance {
            id: new_id(),
            collector_id: self.identity.user_id,
            commune_code: first.commune_code.clone(),
            remitted_at: at,
            payment_ids: cash.payments.iter().map(|p| p.id).collect(),
            total: cash.total,
            note: note.to_owned(),
        };
        let tx = self.write_tx()?;
        let remittance = self.stage(&tx, remittance)?;
        tx.commit()?;
        Ok(remittance)
    }

    /// Whether a person already has a sign-up (not deleted).
    pub fn has_enrollment(&self, person_id: Uuid) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM enrollments WHERE person_id = ?1 AND deleted = 0 LIMIT 1",
            )?
            .query_row([person_id.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_only_move_forward() {
        use Stage::*;
        use VisitOutcome as O;
        assert_eq!(stage_after_visit(Prospect, O::Informed), Some(Contacted));
        assert_eq!(stage_after_visit(Contacted, O::Informed), None);
        assert_eq!(stage_after_visit(Prospect, O::Interested), Some(Interested));
        assert_eq!(stage_after_visit(Interested, O::Declined), Some(Declined));
        assert_eq!(
            stage_after_visit(Enrolled, O::Declined),
            None,
            "a participant stays one"
        );
        assert_eq!(stage_after_visit(Prospect, O::NotAtHome), None);
    }

    #[test]
    fn months_are_counted_inclusively() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("date");
        assert_eq!(months_between(d(2026, 11), d(2026, 11)), 1);
        assert_eq!(months_between(d(2026, 11), d(2027, 1)), 3);
        assert_eq!(
            months_between(d(2027, 1), d(2026, 11)),
            0,
            "reversed is nothing"
        );
    }
}
