//! Hộ gia đình (Households): villages, a village's households, search, the household page with
//! members and timeline, adding and editing households and persons, and filling a person from
//! the ID card's QR text.

use sotay_domain::{EntityKind, Household, Person, Stage, new_id};
use sotay_store::{HouseholdCursor, HouseholdFilter, TimelineEntry};
use tauri::State;
use uuid::Uuid;

use crate::commands::sync::rejections_where;
use crate::commands::{not_found, require};
use crate::dto::{
    EnrollmentDto, HouseholdInput, HouseholdPage, HouseholdRef, HouseholdRow, IdCardFill,
    PersonInput, PersonPage, PersonRef, SearchHitDto, TimelineItem, VillageDto,
    VillageHouseholdsDto,
};
use crate::error::CmdResult;
use crate::forms;
use crate::state::AppState;

/// Most search results shown.
const SEARCH_LIMIT: usize = 50;

/// Most households in one page of a village's list.
const VILLAGE_PAGE_LIMIT: usize = 200;

/// The villages of the user's area with their household counts.
#[tauri::command(async)]
pub fn villages(state: State<'_, AppState>) -> CmdResult<Vec<VillageDto>> {
    state.with_store(|store, _| {
        Ok(store
            .villages()?
            .into_iter()
            .map(VillageDto::from)
            .collect())
    })
}

/// One page of a village's households with member counts, by head's name: the first `limit`
/// (at most 200), or those after `after`; the first page brings the village and its count.
#[tauri::command(async)]
pub fn village_households(
    state: State<'_, AppState>,
    village_id: Uuid,
    after: Option<HouseholdCursor>,
    limit: Option<usize>,
    filter: Option<HouseholdFilter>,
) -> CmdResult<VillageHouseholdsDto> {
    let limit = limit
        .unwrap_or(VILLAGE_PAGE_LIMIT)
        .clamp(1, VILLAGE_PAGE_LIMIT);
    state.with_store(|store, _| {
        let village = match after {
            None => Some(
                store
                    .village_summary(village_id)?
                    .ok_or_else(|| not_found(EntityKind::Village, village_id))?
                    .into(),
            ),
            Some(_) => None,
        };
        let page = store.village_households_filtered(
            village_id,
            filter.unwrap_or_default(),
            after.as_ref(),
            limit,
        )?;
        Ok(VillageHouseholdsDto {
            village,
            rows: page
                .rows
                .iter()
                .map(|s| HouseholdRow {
                    household: HouseholdRef::from(&s.household),
                    members: s.member_count,
                })
                .collect(),
            next: page.next,
        })
    })
}

/// Persons and households matching what was typed, diacritics ignored.
#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, query: String) -> CmdResult<Vec<SearchHitDto>> {
    state.with_store(|store, _| {
        Ok(store
            .search(&query, SEARCH_LIMIT)?
            .iter()
            .map(|hit| SearchHitDto {
                household: HouseholdRef::from(&hit.household),
                person: hit.person.as_ref().map(PersonRef::from),
            })
            .collect())
    })
}

/// A household with its members, timeline and refused changes.
#[tauri::command(async)]
pub fn household_page(state: State<'_, AppState>, household_id: Uuid) -> CmdResult<HouseholdPage> {
    state.with_store(|store, _| {
        let household = require::<Household>(store, household_id)?;
        let village_name = match household.village_id {
            Some(id) => store.get_village(id)?.map(|v| v.name),
            None => None,
        };
        let timeline = store
            .household_timeline(household_id)?
            .into_iter()
            .map(|entry| match entry {
                TimelineEntry::Visit(visit) => TimelineItem::Visit { visit },
                TimelineEntry::Enrollment {
                    enrollment,
                    created_at,
                } => TimelineItem::Enrollment {
                    enrollment,
                    at: created_at,
                },
                TimelineEntry::Payment(payment) => TimelineItem::Payment { payment },
            })
            .collect();
        Ok(HouseholdPage {
            next_follow_up: store.next_follow_up(household_id)?,
            members: store.persons_in_household(household_id)?,
            rejections: rejections_where(store, |r| r.household_id == Some(household_id))?,
            household,
            village_name,
            timeline,
        })
    })
}

/// Adds or edits a household in one of the user's villages.
#[tauri::command(async)]
pub fn save_household(state: State<'_, AppState>, input: HouseholdInput) -> CmdResult<Uuid> {
    let poverty_year = forms::count("poverty_year", &input.poverty_year)?
        .map(|y| i32::try_from(y).unwrap_or(i32::MAX));
    state.save(None, |store, _| {
        let village = store.get_village(input.village_id)?.ok_or_else(|| {
            not_found(EntityKind::Village, input.village_id).on_field("village_id")
        })?;
        let existing = match input.id {
            Some(id) => Some(require::<Household>(store, id)?),
            None => None,
        };
        let household = Household {
            id: input.id.unwrap_or_else(new_id),
            commune_code: village.commune_code,
            village_id: Some(village.id),
            address: input.address,
            head_name: input.head_name,
            poverty_status: input.poverty_status,
            poverty_year,
            notes: input.notes,
            location: existing.and_then(|h| h.location),
        };
        store.save_household(&household)?;
        Ok(household.id)
    })
}

/// A person with their household, sign-ups (with the office's decisions) and refused changes.
#[tauri::command(async)]
pub fn person_page(state: State<'_, AppState>, person_id: Uuid) -> CmdResult<PersonPage> {
    state.with_store(|store, _| {
        let person = require::<Person>(store, person_id)?;
        let household = require::<Household>(store, person.household_id)?;
        let enrollments = store
            .enrollments_of_person(person_id)?
            .into_iter()
            .map(|h| EnrollmentDto {
                enrollment: h.enrollment,
                payments: h.payments,
            })
            .collect();
        Ok(PersonPage {
            rejections: rejections_where(store, |r| r.person_id == Some(person_id))?,
            household: HouseholdRef::from(&household),
            person,
            enrollments,
        })
    })
}

/// Adds or edits a person of a household. The scope (commune, village) is the household's.
#[tauri::command(async)]
pub fn save_person(state: State<'_, AppState>, input: PersonInput) -> CmdResult<Uuid> {
    let date_of_birth = forms::date("date_of_birth", &input.date_of_birth)?;
    state.save(None, |store, _| {
        let household = require::<Household>(store, input.household_id)?;
        let existing = match input.id {
            Some(id) => store.get_person(id)?,
            None => None,
        };
        let person = Person {
            id: input.id.unwrap_or_else(new_id),
            household_id: household.id,
            commune_code: household.commune_code,
            village_id: household.village_id,
            full_name: input.full_name,
            sex: input.sex,
            date_of_birth,
            personal_id: forms::optional(&input.personal_id),
            legacy_insurance_code: existing
                .as_ref()
                .and_then(|p| p.legacy_insurance_code.clone()),
            phone: forms::optional(&input.phone),
            occupation: input.occupation,
            ethnic_minority: input.ethnic_minority,
            coverage: input.coverage,
            stage: input
                .stage
                .or(existing.as_ref().map(|p| p.stage))
                .unwrap_or(Stage::Prospect),
            decline_reason: existing.as_ref().and_then(|p| p.decline_reason.clone()),
            notes: input.notes,
        };
        store.save_person(&person)?;
        Ok(person.id)
    })
}

/// Reads the QR text of a chip ID card (scanned or pasted) into the person form's fields.
#[tauri::command(async)]
pub fn read_id_card_qr(text: String) -> CmdResult<IdCardFill> {
    let card = sotay_domain::qr::parse_id_card_qr(&text)?;
    Ok(IdCardFill {
        personal_id: card.personal_id,
        full_name: card.full_name,
        date_of_birth: forms::show_date(card.date_of_birth),
        sex: card.sex,
        address: card.address,
    })
}
