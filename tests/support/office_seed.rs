//! Filling an office with a whole generated area, as if phones had pushed it over months:
//! every record is an op from the office's clock node through the office's own `apply_ops`, in
//! batches, so it is validated, scoped and fed to devices exactly as synced records are.

use serde::Serialize;
use serde_json::Value;
use sotay_domain::{EntityKind, HlcClock, Op, Village, VillageKind};
use sotay_fixtures::area::Area;
use sotay_office::apply::{ApplyContext, OFFICE_NODE, Writer};
use sotay_office::{AnyStore, OfficeStore};
use std::sync::Arc;
use uuid::Uuid;

/// Prepares a fresh office database (its migrations and communes) and writes its first village,
/// Thôn Đông of `commune`, where the tests' and benchmarks' phones work.
pub async fn prepare_with_village(store: &AnyStore, commune: &str) -> Village {
    sotay_office::admin::prepare(store)
        .await
        .expect("the office database is prepared");
    sotay_office::admin::create_village(
        store,
        &mut sotay_office::admin::OfficeWriter::default(),
        commune,
        "Thôn Đông",
        VillageKind::Village,
    )
    .await
    .expect("the first village is written")
}

/// Writes every record of `area` to the office; returns how many were applied.
pub async fn write_area(store: &AnyStore, area: &Area) -> usize {
    let mut clock = HlcClock::new(OFFICE_NODE);
    let mut ops = Vec::with_capacity(area.len());
    push_ops(&mut ops, &mut clock, EntityKind::Village, &area.villages);
    push_ops(
        &mut ops,
        &mut clock,
        EntityKind::Household,
        &area.households,
    );
    push_ops(&mut ops, &mut clock, EntityKind::Person, &area.persons);
    push_ops(&mut ops, &mut clock, EntityKind::Visit, &area.visits);
    push_ops(&mut ops, &mut clock, EntityKind::FollowUp, &area.follow_ups);
    push_ops(
        &mut ops,
        &mut clock,
        EntityKind::Enrollment,
        &area.enrollments,
    );
    push_ops(&mut ops, &mut clock, EntityKind::Payment, &area.payments);
    let policy = sotay_office::admin::policy_in_use(store)
        .await
        .expect("the office's policy");
    let ctx = ApplyContext {
        writer: Writer::Office,
        today: sotay_office::clock::today_in_vietnam(),
        now_ms: sotay_office::clock::now_ms(),
        policy,
    };
    let mut applied = 0;
    for batch in ops.chunks(500) {
        let outcomes = store
            .apply_ops(Arc::from(batch.to_vec()), &ctx)
            .await
            .expect("the batch applies");
        for outcome in &outcomes {
            assert!(
                outcome.is_acknowledged(),
                "a generated record is refused: {outcome:?}"
            );
        }
        applied += outcomes.len();
    }
    applied
}

fn push_ops<T: Serialize>(
    ops: &mut Vec<Op>,
    clock: &mut HlcClock,
    entity: EntityKind,
    records: &[T],
) {
    for record in records {
        let Ok(Value::Object(fields)) = serde_json::to_value(record) else {
            continue;
        };
        let Some(id) = fields
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            continue;
        };
        ops.push(Op {
            op_id: Uuid::now_v7(),
            entity,
            entity_id: id,
            fields,
            hlc: clock.tick(sotay_office::clock::now_ms()),
            user_id: OFFICE_NODE,
            device_id: OFFICE_NODE,
        });
    }
}
