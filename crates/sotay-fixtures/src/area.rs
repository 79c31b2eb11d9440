//! A whole collector's area, generated: villages in real communes, households with a share of
//! poor and near-poor ones, one to six members each with Vietnamese names (most with an ID
//! number and a phone), two years of visits, and, in the collector's own households,
//! follow-ups, sign-ups and their payments; other collectors' sign-ups elsewhere. Seeded, so a
//! benchmark run can be repeated exactly. The store, sync, app and dashboard benchmarks all
//! build their data with it.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sotay_domain::fold::fold;
use sotay_domain::*;
use std::collections::HashMap;
use uuid::Uuid;

use crate::names;

/// What to generate.
#[derive(Clone, Debug)]
pub struct AreaSpec {
    /// The communes (5-digit codes of the 2025 list).
    pub communes: Vec<String>,
    /// Villages made in each commune.
    pub villages_per_commune: usize,
    /// Households in the whole area.
    pub households: usize,
    /// Visits in the whole area, by any collector, over the last two years.
    pub visits: usize,
    /// How many of the households are the device user's own work (follow-ups, sign-ups).
    pub my_households: usize,
    /// Sign-ups taken by other collectors elsewhere in the area.
    pub other_enrollments: usize,
    /// Payments made on each sign-up (periods paid): `None` for one to four at random.
    pub payments_per_sign_up: Option<u32>,
    /// The device user (the collector whose phone this is).
    pub me: Uuid,
    /// "Now": visits and payments lie before it, follow-ups around it.
    pub now: DateTime<Utc>,
    /// The seed of the generator.
    pub seed: u64,
}

impl AreaSpec {
    /// A collector's area of `households` households in six communes of Bắc Giang (now Bắc
    /// Ninh), six visits per household, as of 10:00 on 23/11/2026 in Hà Nội.
    pub fn collector(households: usize, me: Uuid, seed: u64) -> Self {
        AreaSpec {
            communes: ["07246", "07264", "07282", "07288", "07294", "07306"]
                .map(String::from)
                .to_vec(),
            villages_per_commune: 55,
            households,
            visits: households * 6,
            my_households: (households / 25).max(1),
            other_enrollments: households / 8,
            payments_per_sign_up: None,
            me,
            now: Utc
                .with_ymd_and_hms(2026, 11, 23, 3, 0, 0)
                .single()
                .unwrap_or_default(),
            seed,
        }
    }
}

/// A generated area, every record valid, parents before children.
#[derive(Clone, Debug, Default)]
pub struct Area {
    /// The villages.
    pub villages: Vec<Village>,
    /// The households.
    pub households: Vec<Household>,
    /// Their members (each household's head first).
    pub persons: Vec<Person>,
    /// Visits, in id order.
    pub visits: Vec<Visit>,
    /// The device user's own households (a sample of `households`).
    pub my_households: Vec<Household>,
    /// The device user's follow-ups.
    pub follow_ups: Vec<FollowUp>,
    /// Sign-ups (the user's and other collectors').
    pub enrollments: Vec<Enrollment>,
    /// Their payments.
    pub payments: Vec<Payment>,
    /// The other collectors of the area.
    pub collectors: Vec<Uuid>,
}

impl Area {
    /// How many records in all.
    pub fn len(&self) -> usize {
        self.villages.len()
            + self.households.len()
            + self.persons.len()
            + self.visits.len()
            + self.follow_ups.len()
            + self.enrollments.len()
            + self.payments.len()
    }

    /// Whether nothing was generated.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Generates the area of `spec`.
pub fn generate(spec: &AreaSpec) -> Area {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let collectors: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    let villages: Vec<Village> = spec
        .communes
        .iter()
        .flat_map(|commune| {
            (0..spec.villages_per_commune).map(move |i| Village {
                id: new_id(),
                commune_code: commune.clone(),
                name: format!(
                    "Thôn {} {}",
                    names::VILLAGE_NAMES[i % names::VILLAGE_NAMES.len()],
                    i / names::VILLAGE_NAMES.len() + 1
                ),
                kind: VillageKind::Village,
            })
        })
        .collect();
    let mut area = Area {
        collectors,
        ..Area::default()
    };
    let mut family_of = Vec::with_capacity(spec.households);
    for n in 0..spec.households {
        let Some(v) = villages.choose(&mut rng) else {
            break;
        };
        let family = names::family(&mut rng);
        let head = names::full_name(&mut rng, family, Sex::Male);
        let status = match rng.random_range(0..100) {
            0..6 => PovertyStatus::Poor,
            6..14 => PovertyStatus::NearPoor,
            _ => PovertyStatus::None,
        };
        area.households.push(Household {
            id: new_id(),
            commune_code: v.commune_code.clone(),
            village_id: Some(v.id),
            address: format!("Số {}, {}", n % 400 + 1, v.name),
            head_name: head,
            poverty_status: status,
            poverty_year: (status != PovertyStatus::None).then_some(2025),
            notes: String::new(),
            location: None,
        });
        family_of.push(family);
    }
    area.villages = villages;
    // Every household has its head; the other 2 × N persons are spread at random (1–6 a house).
    let mut members = vec![1u32; area.households.len()];
    let mut extra = area.households.len() * 2;
    while extra > 0 {
        let i = rng.random_range(0..members.len());
        if members[i] < 6 {
            members[i] += 1;
            extra -= 1;
        }
    }
    for ((h, family), count) in area.households.iter().zip(&family_of).zip(&members) {
        for k in 0..*count {
            area.persons.push(member(
                &mut rng,
                h,
                family,
                k,
                (k == 0).then_some(&h.head_name),
            ));
        }
    }
    area.visits = (0..spec.visits)
        .filter_map(|_| {
            let h = area.households.choose(&mut rng)?;
            let by = *area.collectors.choose(&mut rng)?;
            Some(random_visit(&mut rng, h, by, spec.now))
        })
        .collect();
    area.visits.sort_by_key(|v| v.id);
    area.my_households = area
        .households
        .choose_multiple(&mut rng, spec.my_households)
        .cloned()
        .collect();
    sign_ups(&mut rng, spec, &mut area);
    area
}

/// Member `k` of household `h` (the head when `head` is given), born 1956–2007; 70% have their
/// ID number known, 60% a phone.
fn member(rng: &mut StdRng, h: &Household, family: &str, k: u32, head: Option<&String>) -> Person {
    let sex = match k {
        0 => Sex::Male,
        1 => Sex::Female,
        _ if rng.random_bool(0.5) => Sex::Male,
        _ => Sex::Female,
    };
    let year = rng.random_range(1956..2008);
    let dob = NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), rng.random_range(1..=28));
    let century_sex = match (year >= 2000, sex) {
        (false, Sex::Male) => 0,
        (false, Sex::Female) => 1,
        (true, Sex::Male) => 2,
        (true, Sex::Female) => 3,
    };
    let known = rng.random_bool(0.7);
    let full_name = match head {
        Some(name) => name.clone(),
        None => names::full_name(rng, family, sex),
    };
    Person {
        id: new_id(),
        household_id: h.id,
        commune_code: h.commune_code.clone(),
        village_id: h.village_id,
        full_name,
        sex,
        date_of_birth: dob,
        personal_id: known.then(|| {
            format!(
                "024{century_sex}{:02}{:06}",
                year % 100,
                rng.random_range(0..1_000_000)
            )
        }),
        legacy_insurance_code: None,
        phone: rng.random_bool(0.6).then(|| names::phone(rng)),
        occupation: Occupation::Farmer,
        ethnic_minority: rng.random_bool(0.05),
        coverage: Coverage::None,
        stage: Stage::Prospect,
        decline_reason: None,
        notes: String::new(),
    }
}

/// Follow-ups and sign-ups with payments in the user's households, and other collectors'
/// sign-ups elsewhere. Only people whose ID number is known sign up (as the store requires).
fn sign_ups(rng: &mut StdRng, spec: &AreaSpec, area: &mut Area) {
    let can_sign_up: Vec<Person> = area
        .persons
        .iter()
        .filter(|p| p.personal_id.is_some())
        .cloned()
        .collect();
    let mut by_household: HashMap<Uuid, Vec<&Person>> = HashMap::new();
    for p in &can_sign_up {
        by_household.entry(p.household_id).or_default().push(p);
    }
    let today = sotay_domain::validate::vietnam_date(spec.now);
    let mut follow_ups = Vec::new();
    let mut enrollments = Vec::new();
    let mut payments = Vec::new();
    for h in &area.my_households {
        for _ in 0..rng.random_range(0..3) {
            let due = today + Duration::days(rng.random_range(-21..45));
            follow_ups.push(FollowUp {
                id: new_id(),
                household_id: h.id,
                person_id: None,
                commune_code: h.commune_code.clone(),
                village_id: h.village_id,
                assigned_to: spec.me,
                due_date: due,
                reason: FollowUpReason::CallBack,
                note: "Hẹn quay lại".into(),
                // Most past follow-ups were done; some were forgotten.
                done: due < today && rng.random_bool(0.85),
            });
        }
        if rng.random_bool(0.6)
            && let Some(p) = by_household
                .get(&h.id)
                .and_then(|members| members.choose(rng))
        {
            sign_up(rng, spec, p, spec.me, &mut enrollments, &mut payments);
        }
    }
    for _ in 0..spec.other_enrollments {
        let (Some(p), Some(collector)) = (can_sign_up.choose(rng), area.collectors.choose(rng))
        else {
            break;
        };
        let collector = *collector;
        sign_up(rng, spec, p, collector, &mut enrollments, &mut payments);
    }
    area.follow_ups = follow_ups;
    area.enrollments = enrollments;
    area.payments = payments;
}

/// A visit to `h` by `by` some time in the two years before `now`, with a common outcome.
pub fn random_visit(rng: &mut impl Rng, h: &Household, by: Uuid, now: DateTime<Utc>) -> Visit {
    let outcomes = [
        VisitOutcome::NotAtHome,
        VisitOutcome::Informed,
        VisitOutcome::Interested,
        VisitOutcome::Declined,
        VisitOutcome::SignedUp,
    ];
    let notes = [
        "Không có nhà",
        "Đã tư vấn, hẹn Chủ nhật",
        "Quan tâm, cần hỏi ý kiến gia đình",
        "",
    ];
    Visit {
        id: new_id(),
        household_id: h.id,
        commune_code: h.commune_code.clone(),
        village_id: h.village_id,
        visited_at: now - Duration::minutes(rng.random_range(60..730 * 24 * 60)),
        visited_by: by,
        persons_met: vec![],
        channel: VisitChannel::DoorToDoor,
        outcome: outcomes
            .choose(rng)
            .copied()
            .unwrap_or(VisitOutcome::Informed),
        notes: notes.choose(rng).copied().unwrap_or_default().to_string(),
        location: None,
        next_follow_up: None,
    }
}

/// An approved sign-up of `p` in 2025 at 1.500.000 ₫ (everyone-else support: 264.000 ₫ a month
/// to pay) and its periods paid (`spec.payments_per_sign_up`, or one to four), none after `now`.
fn sign_up(
    rng: &mut StdRng,
    spec: &AreaSpec,
    p: &Person,
    collector: Uuid,
    enrollments: &mut Vec<Enrollment>,
    payments: &mut Vec<Payment>,
) {
    let now = spec.now;
    let modes = [
        PaymentMode::Monthly,
        PaymentMode::Quarterly,
        PaymentMode::SemiAnnual,
        PaymentMode::Annual,
    ];
    let mode = modes.choose(rng).copied().unwrap_or(PaymentMode::Monthly);
    let step = match mode {
        PaymentMode::Quarterly => 3,
        PaymentMode::SemiAnnual => 6,
        PaymentMode::Annual => 12,
        _ => 1,
    };
    let Some(first) = NaiveDate::from_ymd_opt(2025, rng.random_range(1..=12), 1) else {
        return;
    };
    let e = Enrollment {
        id: new_id(),
        person_id: p.id,
        household_id: p.household_id,
        commune_code: p.commune_code.clone(),
        village_id: p.village_id,
        collector_id: collector,
        monthly_income: Vnd(1_500_000),
        payment_mode: mode,
        first_month: first,
        support_groups: vec![SupportGroup::Other],
        quote: None,
        status: EnrollmentStatus::Approved,
        status_reason: None,
    };
    let mut from = first;
    let periods = spec
        .payments_per_sign_up
        .unwrap_or_else(|| rng.random_range(1..=4));
    for _ in 0..periods {
        let Some(to) = from.checked_add_months(chrono::Months::new(step - 1)) else {
            break;
        };
        let collected = Utc.from_utc_datetime(&from.and_hms_opt(3, 0, 0).unwrap_or_default());
        if collected > now {
            break;
        }
        payments.push(Payment {
            id: new_id(),
            enrollment_id: e.id,
            person_id: p.id,
            household_id: p.household_id,
            commune_code: p.commune_code.clone(),
            village_id: p.village_id,
            collector_id: collector,
            months_from: from,
            months_to: to,
            amount: Vnd(264_000 * i64::from(step)),
            collected_at: collected,
            receipt_number: format!("{:07}", payments.len() + 1),
            method: if rng.random_bool(0.8) {
                PaymentMethod::Cash
            } else {
                PaymentMethod::Transfer
            },
        });
        let Some(next) = to.checked_add_months(chrono::Months::new(1)) else {
            break;
        };
        from = next;
    }
    enrollments.push(e);
}

/// What a collector types to find someone in the area: a family name and a given-name prefix
/// without accents ("nguyen tu"), a full name with accents, a given name, a phone or ID-number
/// prefix.
pub fn search_query(rng: &mut impl Rng, persons: &[Person]) -> String {
    let Some(p) = persons.choose(rng) else {
        return String::new();
    };
    let words: Vec<&str> = p.full_name.split(' ').collect();
    let first = words.first().copied().unwrap_or_default();
    let second = words.get(1).copied().unwrap_or_default();
    let last = words.last().copied().unwrap_or_default();
    let prefix = |w: &str, n: usize| w.chars().take(n).collect::<String>();
    match rng.random_range(0..6) {
        0 => fold(&format!("{first} {}", prefix(last, 2))),
        1 => p.full_name.clone(),
        2 => fold(&format!("{} {last}", prefix(second, 2))),
        3 => match &p.phone {
            Some(phone) => phone[..rng.random_range(6..=8)].to_owned(),
            None => fold(last),
        },
        4 => match &p.personal_id {
            Some(id) => id[..rng.random_range(8..=10)].to_owned(),
            None => p.full_name.clone(),
        },
        _ => fold(last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_area_is_valid_and_repeatable() {
        let me = Uuid::now_v7();
        let spec = AreaSpec::collector(200, me, 7);
        let area = generate(&spec);
        assert_eq!(area.households.len(), 200);
        assert_eq!(
            area.persons.len(),
            600,
            "each house its head and two more on average"
        );
        assert_eq!(area.visits.len(), 1_200);
        let ctx = ValidationContext::at(spec.now);
        for p in &area.persons {
            assert_eq!(p.clone().normalized().validate(&ctx), Ok(()), "{p:?}");
        }
        for pay in &area.payments {
            assert_eq!(pay.validate(&ctx), Ok(()), "{pay:?}");
        }
        let names: Vec<_> = area.persons.iter().map(|p| p.full_name.clone()).collect();
        let again: Vec<_> = generate(&spec)
            .persons
            .into_iter()
            .map(|p| p.full_name)
            .collect();
        assert_eq!(names, again, "the same seed gives the same people");
        assert!(!search_query(&mut StdRng::seed_from_u64(1), &area.persons).is_empty());
    }
}
