//! The contract suite: every test runs on both backends through the `contract!` macro.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sotay_domain::{EnrollmentStatus, EntityKind, Hlc};
use sotay_office::OfficeStore;
use sotay_office::admin::OfficeWriter;
use sotay_sync::protocol::{OpOutcome, PullResponse};
use uuid::Uuid;

use crate::harness::*;

contract!(
    health_and_openapi_list_every_route,
    enrolment_code_is_single_use_and_checked,
    push_pull_round_trip_with_checksum,
    duplicate_op_has_no_double_effect,
    one_batch_isolates_each_op,
    out_of_scope_op_is_rejected_alone,
    id_reused_for_another_entity_is_rejected,
    invalid_record_and_skewed_clock_are_rejected_with_reasons,
    revoked_device_gets_device_revoked,
    bad_tokens_and_protocol_mismatch_are_refused,
    oversized_and_malformed_bodies_are_4xx_json,
    concurrent_edits_fill_the_conflict_log,
    office_decision_is_authoritative,
    enrolment_attempts_are_rate_limited,
    seeded_demo_commune_syncs_to_each_users_area,
    shutdown_lets_an_in_flight_batch_finish,
    concurrent_pushes_never_hide_a_change_from_a_pull,
    a_fault_mid_batch_rolls_back_the_whole_batch,
    policy_editions_reach_devices_on_the_last_page,
    users_are_listed_in_vietnamese_alphabetical_order,
);

async fn users_are_listed_in_vietnamese_alphabetical_order(office: Office) {
    let store = office.store();
    for name in [
        "Vũ Thị Hạnh",
        "Đỗ Văn Hải",
        "Dương Minh",
        "Ánh Hồng",
        "Anh Tuấn",
    ] {
        sotay_office::admin::create_user(store, name, sotay_domain::Role::Collector, None)
            .await
            .expect("user");
    }
    let names: Vec<String> = store
        .list_users()
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.full_name)
        .collect();
    // Đ right after D (the databases' own order put it after V); tones only break a tie of
    // the whole name, so "Ánh Hồng" comes before "Anh Tuấn" (h before t).
    assert_eq!(
        names,
        [
            "Ánh Hồng",
            "Anh Tuấn",
            "Dương Minh",
            "Đỗ Văn Hải",
            "Vũ Thị Hạnh"
        ]
    );
}

async fn health_and_openapi_list_every_route(office: Office) {
    let res = office.get("/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert!(
        request_id.is_some_and(|id| uuid::Uuid::parse_str(&id).is_ok()),
        "every answer carries its request id, for the logs"
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    let spec: Value = office
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    for path in [
        "/health",
        "/api/openapi.json",
        "/api/v1/devices/enroll",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/quote",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "the OpenAPI document must describe {path}"
        );
    }
    let (status, code) = error_code(office.get("/nowhere").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

async fn enrolment_code_is_single_use_and_checked(office: Office) {
    let store = office.store();
    let user = sotay_office::admin::create_user(
        store,
        "Trần Văn Hùng",
        sotay_domain::Role::Collector,
        None,
    )
    .await
    .expect("user");
    let code = sotay_office::admin::issue_code(store, user.id, chrono::Duration::hours(1))
        .await
        .expect("code");
    // Typed in lower case with a space instead of the dash: still the same code.
    let typed = code.to_lowercase().replace('-', " ");
    let first = office.enroll(&typed).await;
    assert_eq!(first.user.id, user.id);
    // The office keeps only hashes: neither the device token nor the code is in its tables.
    let devices = office.database.dump("devices").await;
    let codes = office.database.dump("enrol_codes").await;
    assert!(devices.contains(&sotay_office::auth::hash_secret(&first.device_token)));
    assert!(!devices.contains(&first.device_token) && !codes.contains(&code));
    let (status, code2) = error_code(office.enroll_raw(&code).await).await;
    assert_eq!(
        (status, code2.as_str()),
        (StatusCode::FORBIDDEN, "invalid_code"),
        "a code works once"
    );
    let expired = sotay_office::admin::issue_code(store, user.id, chrono::Duration::seconds(-1))
        .await
        .expect("code");
    let (_, code3) = error_code(office.enroll_raw(&expired).await).await;
    assert_eq!(code3, "invalid_code", "an expired code is refused");
    // The token works for sync.
    let res = office.pull_raw(&first.device_token, "").await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn push_pull_round_trip_with_checksum(office: Office) {
    let field = office.field_user(false).await;
    let id = Uuid::now_v7();
    let op = field.op(
        EntityKind::Household,
        id,
        household(field.village, "Nguyễn Văn Đức"),
    );
    let pushed = office.push(&field, std::slice::from_ref(&op)).await;
    assert_eq!(pushed.results[0].outcome, OpOutcome::Applied);
    assert!(
        pushed.server_clock > op.hlc,
        "the office clock has seen the op"
    );

    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut last: Option<PullResponse>;
    loop {
        let res = office
            .pull_raw(&field.token, &format!("?after={cursor}&limit=1"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: PullResponse = res.json().await.expect("json");
        seen.extend(page.changes.iter().map(|c| (c.entity, c.entity_id)));
        cursor = page.next_cursor.clone();
        let more = page.has_more;
        last = Some(page);
        if !more {
            break;
        }
    }
    let last = last.expect("one page");
    assert!(
        seen.contains(&(EntityKind::Household, id)),
        "the pushed household comes back"
    );
    assert!(
        seen.contains(&(EntityKind::Village, field.village)),
        "reference data of the scope comes too"
    );
    assert!(
        !seen.contains(&(EntityKind::Village, field.other_village)),
        "a village outside the scope does not"
    );
    let checksum = last.checksum.expect("the last page carries the checksum");
    assert_eq!(
        checksum.records as usize,
        seen.len(),
        "the checksum counts what the device got"
    );
    let mut sum = 0u64;
    for (entity, eid) in &seen {
        let record = office
            .store()
            .record(*eid)
            .await
            .expect("read")
            .expect("stored");
        sum = sum.wrapping_add(sotay_domain::merge::record_digest(
            entity.as_str(),
            eid,
            record.state.version(),
        ));
    }
    assert_eq!(
        checksum.digest,
        format!("{sum:016x}"),
        "the device can recompute the checksum"
    );
    // Nothing new after the cursor.
    let page = office.pull(&field.token, &format!("?after={cursor}")).await;
    assert!(page.changes.is_empty());
}

async fn duplicate_op_has_no_double_effect(office: Office) {
    let field = office.field_user(false).await;
    let id = Uuid::now_v7();
    let op = field.op(
        EntityKind::Household,
        id,
        household(field.village, "Lê Văn Tám"),
    );
    office.push(&field, std::slice::from_ref(&op)).await;
    let before = office.record(id).await;
    let again = office.push(&field, &[op.clone(), op]).await;
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == OpOutcome::Duplicate),
        "repeats are duplicates"
    );
    assert_eq!(office.record(id).await, before, "a repeat changes nothing");
    let page = office.pull(&field.token, "").await;
    assert_eq!(page.changes.iter().filter(|c| c.entity_id == id).count(), 1);
}

/// A push is one transaction in which each op stands alone: a repeat inside the batch is a duplicate,
/// a rejected op leaves no trace (its repeat is judged again, not called a duplicate), and the
/// applied ops get change-feed numbers in request order.
async fn one_batch_isolates_each_op(office: Office) {
    let field = office.field_user(false).await;
    let first = field.new_household(field.village, "Đỗ Văn Một");
    let outside = field.new_household(field.other_village, "Đỗ Văn Hai");
    let last = field.new_household(field.village, "Đỗ Văn Ba");
    let res = office
        .push(
            &field,
            &[
                first.clone(),
                first.clone(),
                outside.clone(),
                outside.clone(),
                last.clone(),
            ],
        )
        .await;
    let ids: Vec<_> = res.results.iter().map(|r| r.op_id).collect();
    assert_eq!(
        ids,
        vec![
            first.op_id,
            first.op_id,
            outside.op_id,
            outside.op_id,
            last.op_id
        ],
        "results come in request order"
    );
    let outcomes: Vec<_> = res.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes[0], &OpOutcome::Applied);
    assert_eq!(outcomes[1], &OpOutcome::Duplicate, "{outcomes:?}");
    for rejected in &outcomes[2..4] {
        assert!(
            matches!(rejected, OpOutcome::Rejected { code, .. } if code == "out_of_scope"),
            "{outcomes:?}"
        );
    }
    assert_eq!(outcomes[4], &OpOutcome::Applied);
    assert!(office.record(outside.entity_id).await.is_none());
    let page = office.pull(&field.token, "").await;
    let seq_of = |id: Uuid| {
        page.changes
            .iter()
            .find(|c| c.entity_id == id)
            .map(|c| c.seq)
            .expect("applied op is in the feed")
    };
    assert!(seq_of(first.entity_id) < seq_of(last.entity_id));
    // The rejected op left nothing in applied_ops: sent again, it is judged again.
    let again = office.push(&field, &[outside, first]).await;
    assert!(
        matches!(&again.results[0].outcome, OpOutcome::Rejected { code, .. } if code == "out_of_scope")
    );
    assert_eq!(again.results[1].outcome, OpOutcome::Duplicate);
}

async fn out_of_scope_op_is_rejected_alone(office: Office) {
    let field = office.field_user(false).await;
    let inside = field.new_household(field.village, "Phạm Văn Một");
    let outside = field.new_household(field.other_village, "Phạm Văn Hai");
    let mut other_commune = household(field.village, "Phạm Văn Ba");
    other_commune["commune_code"] = json!(OTHER_COMMUNE);
    other_commune["village_id"] = Value::Null;
    let elsewhere = field.op(EntityKind::Household, Uuid::now_v7(), other_commune);
    let after = field.new_household(field.village, "Phạm Văn Bốn");
    let res = office
        .push(
            &field,
            &[
                inside.clone(),
                outside.clone(),
                elsewhere.clone(),
                after.clone(),
            ],
        )
        .await;
    let outcomes: Vec<_> = res.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes[0], &OpOutcome::Applied);
    assert!(
        matches!(outcomes[1], OpOutcome::Rejected { code, .. } if code == "out_of_scope"),
        "{outcomes:?}"
    );
    assert!(
        matches!(outcomes[2], OpOutcome::Rejected { code, .. } if code == "out_of_scope"),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes[3],
        &OpOutcome::Applied,
        "ops after a rejected one still apply"
    );
    assert!(
        office.record(outside.entity_id).await.is_none(),
        "rejected ops change nothing"
    );
    // Moving an in-scope record out of scope is refused too.
    let mut moved = household(field.other_village, "Phạm Văn Một");
    moved
        .as_object_mut()
        .expect("object")
        .retain(|k, _| k == "village_id");
    let move_op = field.op(EntityKind::Household, inside.entity_id, moved);
    let res = office.push(&field, &[move_op]).await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { code, .. } if code == "out_of_scope")
    );
}

async fn id_reused_for_another_entity_is_rejected(office: Office) {
    let field = office.field_user(false).await;
    let id = Uuid::now_v7();
    office
        .push(
            &field,
            &[field.op(
                EntityKind::Household,
                id,
                household(field.village, "Đỗ Văn Năm"),
            )],
        )
        .await;
    let person = json!({"household_id": id, "commune_code": COMMUNE, "village_id": field.village,
        "full_name": "Đỗ Thị Sáu", "sex": "female", "date_of_birth": null, "personal_id": null,
        "legacy_insurance_code": null, "phone": null, "occupation": "farmer", "ethnic_minority": false,
        "coverage": "none", "stage": "prospect", "decline_reason": null, "notes": ""});
    let before = office.record(id).await;
    let res = office
        .push(&field, &[field.op(EntityKind::Person, id, person.clone())])
        .await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { code, message, .. }
            if code == "id_conflict" && message.contains("hộ gia đình")),
        "{:?}",
        res.results[0]
    );
    assert_eq!(
        office.record(id).await,
        before,
        "the household that owns the id is untouched"
    );
    // Devices may not write villages.
    let res = office
        .push(
            &field,
            &[field.op(
                EntityKind::Village,
                field.village,
                json!({"name": "Thôn Mới"}),
            )],
        )
        .await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { code, .. } if code == "read_only")
    );
    let res = office
        .push(
            &field,
            &[field.op(EntityKind::Person, Uuid::now_v7(), person)],
        )
        .await;
    assert_eq!(res.results[0].outcome, OpOutcome::Applied);
}

async fn invalid_record_and_skewed_clock_are_rejected_with_reasons(office: Office) {
    let field = office.field_user(false).await;
    let mut missing = household(field.village, "x");
    missing.as_object_mut().expect("object").remove("head_name");
    let mut unknown = household(field.village, "Ngô Văn Bảy");
    unknown["favourite_colour"] = json!("xanh");
    let mut wrong_type = household(field.village, "Ngô Văn Tám");
    wrong_type["poverty_status"] = json!(42);
    let mut empty_commune = household(field.village, "Ngô Văn Chín");
    empty_commune["commune_code"] = json!(" ");
    let ops = [missing, unknown, wrong_type, empty_commune]
        .into_iter()
        .map(|f| field.op(EntityKind::Household, Uuid::now_v7(), f))
        .collect::<Vec<_>>();
    let res = office.push(&field, &ops).await;
    let fields: Vec<_> = res
        .results
        .iter()
        .map(|r| match &r.outcome {
            OpOutcome::Rejected { code, field, .. } => {
                assert_eq!(code, "validation");
                field.clone()
            }
            other => panic!("expected a validation rejection, got {other:?}"),
        })
        .collect();
    assert_eq!(
        fields[0].as_deref(),
        Some("head_name"),
        "a missing field is named"
    );
    assert_eq!(
        fields[1].as_deref(),
        Some("favourite_colour"),
        "an unknown field is named"
    );
    assert_eq!(
        fields[2].as_deref(),
        Some("poverty_status"),
        "a field of the wrong type is named"
    );
    assert_eq!(
        fields[3].as_deref(),
        Some("commune_code"),
        "a blank commune fails the domain's validation"
    );
    for result in &res.results {
        let OpOutcome::Rejected { message, .. } = &result.outcome else {
            unreachable!("checked above")
        };
        assert!(
            message.contains("Hãy") && !message.contains("invalid type"),
            "a Vietnamese message that says what to do: {message}"
        );
    }
    // NUL characters (which PostgreSQL cannot store) and a non-boolean tombstone are refused.
    let mut nul = household(field.village, "Nul\u{0}Name");
    nul["notes"] = json!(["a\u{0}"]);
    let mut bad_delete = household(field.village, "Ngô Văn Xóa");
    bad_delete["deleted"] = json!("yes");
    let ops = [nul, bad_delete]
        .into_iter()
        .map(|f| field.op(EntityKind::Household, Uuid::now_v7(), f))
        .collect::<Vec<_>>();
    let res = office.push(&field, &ops).await;
    for result in &res.results {
        assert!(
            matches!(&result.outcome, OpOutcome::Rejected { code, .. } if code == "validation"),
            "{result:?}"
        );
    }
    let res = office
        .post_json(
            "/api/v1/devices/enroll",
            &json!({"code": "AAAAA-BBBBB", "device_name": "máy\u{0}", "protocol": 1}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "a NUL in the device name is a 400, not a 500"
    );
    let future = Hlc {
        wall_ms: u64::try_from(chrono::Utc::now().timestamp_millis()).expect("t") + 30 * 86_400_000,
        counter: 0,
        node: field.device_id,
    };
    let skewed = field.op_at(
        EntityKind::Household,
        Uuid::now_v7(),
        household(field.village, "Ngô Văn Mười"),
        future,
    );
    let res = office.push(&field, &[skewed]).await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { code, .. } if code == "clock_skew")
    );
    // An op claiming another device is refused.
    let mut forged = field.new_household(field.village, "Giả Mạo");
    forged.device_id = Uuid::now_v7();
    let res = office.push(&field, &[forged]).await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { code, .. } if code == "device_mismatch")
    );
}

async fn revoked_device_gets_device_revoked(office: Office) {
    let field = office.field_user(false).await;
    sotay_office::admin::revoke_device(office.store(), field.device_id)
        .await
        .expect("revoke");
    assert_device_revoked(&office, &field.token).await;
}

async fn bad_tokens_and_protocol_mismatch_are_refused(office: Office) {
    let field = office.field_user(false).await;
    let (status, code) = error_code(office.pull_raw("not-a-token", "").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let res = office.get("/api/v1/sync/pull").await;
    assert_eq!(
        error_code(res).await.1,
        "unauthorized",
        "a missing token is refused"
    );
    let res = office
        .http
        .post(office.url("/api/v1/sync/push"))
        .bearer_auth(&field.token)
        .json(&json!({"protocol": 2, "ops": []}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        error_code(res).await,
        (
            StatusCode::UPGRADE_REQUIRED,
            "protocol_unsupported".to_owned()
        )
    );
    let res = office
        .http
        .get(office.url("/api/v1/sync/pull"))
        .bearer_auth(&field.token)
        .header("x-sotay-protocol", "7")
        .send()
        .await
        .expect("send");
    assert_eq!(
        error_code(res).await.1,
        "protocol_unsupported",
        "the header is checked too"
    );
    let res = office
        .post_json(
            "/api/v1/devices/enroll",
            &json!({"code": "X", "device_name": "a", "protocol": 0}),
        )
        .await;
    assert_eq!(error_code(res).await.1, "protocol_unsupported");
}

async fn oversized_and_malformed_bodies_are_4xx_json(office: Office) {
    let field = office.field_user(false).await;
    // 9 MiB of JSON gzipped to a few kB: the limit counts the body after decompression.
    let big = format!(
        "{{\"protocol\":1,\"ops\":[],\"pad\":\"{}\"}}",
        "x".repeat(9 * 1024 * 1024)
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, big.as_bytes()).expect("gzip");
    let res = office
        .push_body(&field.token, Some("gzip"), gz.finish().expect("gzip"))
        .await;
    assert_eq!(
        error_code(res).await,
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large".to_owned())
    );
    // A small gzipped push is accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, br#"{"protocol":1,"ops":[]}"#).expect("gzip");
    let res = office
        .push_body(&field.token, Some("gzip"), gz.finish().expect("gzip"))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "gzip request bodies are decompressed"
    );
    for body in [
        "{",
        "[]",
        "{\"protocol\":\"one\",\"ops\":[]}",
        "{\"protocol\":1,\"ops\":[],\"extra\":1}",
        "{\"protocol\":1,\"ops\":[{\"op_id\":1}]}",
    ] {
        let res = office.push_body(&field.token, None, body).await;
        let (status, code) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "body {body}"
        );
    }
    let res = office
        .http
        .post(office.url("/api/v1/sync/push"))
        .bearer_auth(&field.token)
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(error_code(res).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for query in [
        "?after=abc",
        "?limit=0",
        "?limit=99999",
        "?after=-1",
        "?bogus=1",
    ] {
        let (status, code) = error_code(office.pull_raw(&field.token, query).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "query {query}"
        );
    }
}

async fn concurrent_edits_fill_the_conflict_log(office: Office) {
    let lan = office.field_user(true).await;
    let store = office.store();
    let user = sotay_office::admin::create_user(
        store,
        "Lê Thị Mai",
        sotay_domain::Role::BoardMember,
        None,
    )
    .await
    .expect("user");
    sotay_office::admin::assign_area(store, user.id, COMMUNE, None)
        .await
        .expect("area");
    let code = sotay_office::admin::issue_code(store, user.id, chrono::Duration::hours(1))
        .await
        .expect("code");
    let enrolled = office.enroll(&code).await;
    let mai = Field {
        user_id: user.id,
        device_id: enrolled.device_id,
        token: enrolled.device_token,
        village: lan.village,
        other_village: lan.other_village,
        clock: std::sync::Mutex::new(sotay_domain::HlcClock::new(enrolled.device_id)),
    };
    let id = Uuid::now_v7();
    office
        .push(
            &lan,
            &[lan.op(
                EntityKind::Household,
                id,
                household(lan.village, "Bùi Văn Hải"),
            )],
        )
        .await;
    // Both edit the notes offline; Mai's edit is later. Lan also edits another field.
    let lan_edit = lan.op(
        EntityKind::Household,
        id,
        json!({"notes": "gọi lại Chủ nhật", "address": "Số 9"}),
    );
    let mai_edit = mai.op_at(
        EntityKind::Household,
        id,
        json!({"notes": "đã hẹn thứ Hai"}),
        Hlc {
            wall_ms: lan_edit.hlc.wall_ms + 1000,
            counter: 0,
            node: mai.device_id,
        },
    );
    office.push(&mai, &[mai_edit]).await;
    office.push(&lan, &[lan_edit]).await;
    let record = store.record(id).await.expect("read").expect("stored");
    assert_eq!(
        record.state.fields["notes"], "đã hẹn thứ Hai",
        "the later clock wins the field"
    );
    assert_eq!(
        record.state.fields["address"], "Số 9",
        "an edit to another field also wins"
    );
    let log = store.conflicts(id).await.expect("log");
    assert!(
        log.iter()
            .any(|c| c.field == "notes" && c.losing_value == json!("gọi lại Chủ nhật")),
        "the losing value is kept in the conflict log: {log:?}"
    );
    assert!(
        !log.iter().any(|c| c.field == "address"),
        "an edit nobody contested is no conflict"
    );
}

async fn office_decision_is_authoritative(office: Office) {
    let field = office.field_user(false).await;
    let id = Uuid::now_v7();
    let created = office
        .push(
            &field,
            &[field.op(
                EntityKind::Enrollment,
                id,
                enrollment(field.village, field.user_id),
            )],
        )
        .await;
    assert_eq!(created.results[0].outcome, OpOutcome::Applied);
    let mut writer = OfficeWriter::default();
    writer
        .decide_enrollment(office.store(), id, EnrollmentStatus::Approved, None)
        .await
        .expect("decide");
    // The device, offline, later edits the status back to submitted and changes the income.
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).expect("t");
    let late = field.op_at(
        EntityKind::Enrollment,
        id,
        json!({"status": "submitted", "monthly_income": 2_000_000}),
        Hlc {
            wall_ms: now + 60_000,
            counter: 0,
            node: field.device_id,
        },
    );
    let res = office.push(&field, &[late]).await;
    assert_eq!(
        res.results[0].outcome,
        OpOutcome::Applied,
        "the rest of the op applies"
    );
    let record = office.record(id).await.expect("stored");
    assert_eq!(
        record.state.fields["status"], "approved",
        "the office decision stands"
    );
    assert_eq!(record.state.fields["monthly_income"], 2_000_000);
    assert!(
        office
            .store()
            .conflicts(id)
            .await
            .expect("log")
            .iter()
            .any(|c| c.field == "status"),
        "the overruled status is in the conflict log"
    );
    // A device may not approve.
    let res = office
        .push(
            &field,
            &[field.op(EntityKind::Enrollment, Uuid::now_v7(), {
                let mut e = enrollment(field.village, field.user_id);
                e["status"] = json!("approved");
                e
            })],
        )
        .await;
    assert!(
        matches!(&res.results[0].outcome, OpOutcome::Rejected { field: Some(f), .. } if f == "status")
    );
    // Needs correction → the device may resubmit.
    writer
        .decide_enrollment(
            office.store(),
            id,
            EnrollmentStatus::NeedsCorrection,
            Some("Thiếu CCCD"),
        )
        .await
        .expect("decide");
    let res = office
        .push(
            &field,
            &[field.op(EntityKind::Enrollment, id, json!({"status": "submitted"}))],
        )
        .await;
    assert_eq!(res.results[0].outcome, OpOutcome::Applied);
    let record = office.record(id).await.expect("stored");
    assert_eq!(
        record.state.fields["status"], "submitted",
        "resubmitting after a correction request is allowed"
    );
}

async fn enrolment_attempts_are_rate_limited(office: Office) {
    // A training session: fifteen people enrol from the commune hall's one address.
    for n in 0..15 {
        let code = office
            .user_code(
                &format!("Thành viên Ban vận động {n}"),
                sotay_domain::Role::BoardMember,
            )
            .await;
        office.enroll(&code).await;
    }
    // Guessing is slowed down: ten wrong codes a minute, then 429.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(office.enroll_raw("WRONG-CODE1").await.status());
    }
    assert_eq!(statuses[0], StatusCode::FORBIDDEN);
    assert_eq!(statuses[9], StatusCode::FORBIDDEN);
    assert_eq!(
        statuses[10],
        StatusCode::TOO_MANY_REQUESTS,
        "guessing codes is slowed down: {statuses:?}"
    );
    let (_, code) = error_code(office.enroll_raw("OTHER").await).await;
    assert_eq!(
        code, "rate_limited",
        "the limit is per address, whatever the code"
    );
}

async fn seeded_demo_commune_syncs_to_each_users_area(office: Office) {
    let report = sotay_office::admin::seed_demo(office.store(), 12, |_, _| {})
        .await
        .expect("seed");
    assert_eq!(report.codes.len(), 3, "one code per field user");
    assert_eq!(report.households, 12);
    let mut counts = Vec::new();
    for (_, _, code) in &report.codes {
        let device = office.enroll(code).await;
        let mut households = 0;
        let mut quotas = 0;
        let mut villages = std::collections::HashSet::new();
        let mut cursor = String::new();
        loop {
            let page = office
                .pull(&device.device_token, &format!("?after={cursor}&limit=100"))
                .await;
            for change in &page.changes {
                if change.entity == EntityKind::Household {
                    households += 1;
                }
                if change.entity == EntityKind::Quota {
                    quotas += 1;
                }
                if let Some(Value::String(v)) = change.state.fields.get("village_id") {
                    villages.insert(v.clone());
                }
            }
            cursor = page.next_cursor;
            if !page.has_more {
                break;
            }
        }
        counts.push((households, villages.len(), quotas));
    }
    // The collector has the whole commune; the post-office collector three villages; the board
    // member one.
    assert_eq!(
        counts[0].0, 12,
        "the collector sees every household of the commune"
    );
    assert_eq!(
        counts[1].1, 3,
        "the post-office collector sees three villages: {:?}",
        counts[1]
    );
    assert_eq!(counts[2].1, 1, "the board member sees one village");
    assert_eq!(
        counts[2].0, 2,
        "two of the twelve households are in the first village"
    );
}

async fn shutdown_lets_an_in_flight_batch_finish(mut office: Office) {
    let field = office.field_user(false).await;
    let ops: Vec<_> = (0..300)
        .map(|i| field.new_household(field.village, &format!("Hộ số {i}")))
        .collect();
    let ids: Vec<Uuid> = ops.iter().map(|o| o.entity_id).collect();
    // The push is surely in flight when the shutdown starts: half its body is sent before, the
    // rest after.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = serde_json::to_vec(&json!({"protocol": 1, "ops": ops})).expect("json");
    let addr = office.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n",
        field.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first).await.expect("first half");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    office.shutdown();
    let mut refused = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        refused,
        "once shutting down, the office takes no new connection"
    );
    stream
        .write_all(rest)
        .await
        .expect("second half, after the shutdown began");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "the in-flight push gets its answer: {text}"
    );
    let json_at = text.find("\r\n\r\n").expect("body") + 4;
    let body: sotay_sync::protocol::PushResponse =
        serde_json::from_str(&text[json_at..]).expect("push answer");
    assert!(body.results.iter().all(|r| r.outcome == OpOutcome::Applied));
    for id in ids {
        assert!(
            office.record(id).await.is_some(),
            "every op of the batch was applied"
        );
    }
}

async fn concurrent_pushes_never_hide_a_change_from_a_pull(office: Office) {
    let field = office.field_user(true).await;
    let office = std::sync::Arc::new(office);
    let field = std::sync::Arc::new(field);
    // Two "devices" (the same token, separate connections) create the same new record at once,
    // and four writers push batches while a reader pulls page by page.
    let shared = Uuid::now_v7();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (office, field) = (office.clone(), field.clone());
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for b in 0..6 {
                let mut ops = Vec::new();
                for i in 0..5 {
                    let id = Uuid::now_v7();
                    ids.push(id);
                    ops.push(field.op(
                        EntityKind::Household,
                        id,
                        household(field.village, &format!("Hộ {w}-{b}-{i}")),
                    ));
                }
                let mut shared_fields = household(field.village, "Hộ chung");
                shared_fields["notes"] = json!(format!("ghi chú {w}-{b}"));
                ops.push(field.op(EntityKind::Household, shared, shared_fields));
                let res = office.push(&field, &ops).await;
                assert!(
                    res.results.iter().all(|r| r.outcome == OpOutcome::Applied),
                    "{:?}",
                    res.results
                );
            }
            ids
        }));
    }
    let reader = {
        let (office, field) = (office.clone(), field.clone());
        tokio::spawn(async move {
            let mut cursor = String::new();
            let mut seen = std::collections::HashSet::new();
            for _ in 0..40 {
                let page = office
                    .pull(&field.token, &format!("?after={cursor}&limit=7"))
                    .await;
                seen.extend(page.changes.iter().map(|c| c.entity_id));
                cursor = page.next_cursor;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            (seen, cursor)
        })
    };
    let mut all = Vec::new();
    for w in writers {
        all.extend(w.await.expect("writer"));
    }
    let (mut seen, mut cursor) = reader.await.expect("reader");
    // Catch up after the writers are done, from the reader's own cursor.
    loop {
        let page = office
            .pull(&field.token, &format!("?after={cursor}&limit=50"))
            .await;
        seen.extend(page.changes.iter().map(|c| c.entity_id));
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    for id in &all {
        assert!(
            seen.contains(id),
            "a change committed while pulling was skipped: {id}"
        );
    }
    assert!(
        seen.contains(&shared),
        "the record written by all writers arrives"
    );
}

/// The database fails in the middle of a batch (a trigger raises, as a full disk or a lost
/// connection would): the office answers 5xx with a JSON error, nothing of the batch stays (not
/// the ops before the fault, not their op ids), and once the fault is gone the same batch,
/// resent, applies whole, each op once.
async fn a_fault_mid_batch_rolls_back_the_whole_batch(office: Office) {
    let field = office.field_user(false).await;
    let ops: Vec<_> = ["Một", "Hai", "Ba"]
        .iter()
        .map(|name| field.new_household(field.village, &format!("Phan Văn {name}")))
        .collect();
    let doomed = ops[1].entity_id;
    office
        .database
        .execute(
            &format!(
                "CREATE TRIGGER inject_fault BEFORE INSERT ON records
                 WHEN NEW.entity_id = '{doomed}'
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"
            ),
            &format!(
                "CREATE FUNCTION inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF NEW.entity_id = '{doomed}' THEN RAISE EXCEPTION 'injected fault'; END IF;
                   RETURN NEW;
                 END $$;
                 CREATE TRIGGER inject_fault BEFORE INSERT ON records
                 FOR EACH ROW EXECUTE FUNCTION inject_fault();"
            ),
        )
        .await;

    let res = office.push_raw(&field.token, &ops).await;
    let (status, code) = error_code(res).await;
    assert!(
        status.is_server_error(),
        "a database fault is the server's: {status}"
    );
    assert_eq!(code, "internal");
    for op in &ops {
        assert!(
            office.record(op.entity_id).await.is_none(),
            "nothing of the failed batch stays"
        );
    }
    let page = office.pull(&field.token, "").await;
    assert!(
        page.changes.iter().all(|c| c.entity == EntityKind::Village),
        "the feed holds none of the failed batch: {:?}",
        page.changes
    );

    office
        .database
        .execute(
            "DROP TRIGGER inject_fault;",
            "DROP TRIGGER inject_fault ON records; DROP FUNCTION inject_fault();",
        )
        .await;
    let again = office.push(&field, &ops).await;
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == OpOutcome::Applied),
        "resent, every op applies (none was half-recorded as seen): {:?}",
        again.results
    );
    let page = office.pull(&field.token, "").await;
    for op in &ops {
        assert_eq!(
            page.changes
                .iter()
                .filter(|c| c.entity_id == op.entity_id)
                .count(),
            1,
            "each op applied once"
        );
    }
}

/// The built-in policy file under a newer edition label.
fn newer_policy(label: &str) -> String {
    let built_in = sotay_domain::Policy::embedded();
    sotay_domain::Policy::embedded_toml().replacen(
        &format!("version = \"{}\"", built_in.version),
        &format!("version = \"{label}\""),
        1,
    )
}

/// The office publishes a policy edition; a pull's last page carries it to a device that names
/// another edition, and not to one that already has it. A broken file or a reused label is
/// refused at publication.
async fn policy_editions_reach_devices_on_the_last_page(office: Office) {
    let field = office.field_user(false).await;
    let page = office.pull(&field.token, "?policy=2026-11-23.1").await;
    assert_eq!(page.policy, None, "nothing published yet");
    let text = newer_policy("2099-01-01.1");
    let version = sotay_office::admin::publish_policy(office.store(), &text)
        .await
        .expect("publish");
    assert_eq!(version, "2099-01-01.1");
    let page = office.pull(&field.token, "?policy=2026-11-23.1").await;
    let edition = page.policy.expect("the last page carries the new edition");
    assert_eq!(edition.version, "2099-01-01.1");
    assert_eq!(edition.toml, text);
    let page = office.pull(&field.token, "?policy=2099-01-01.1").await;
    assert_eq!(page.policy, None, "a device that has it gets nothing");
    // Only the last page carries it.
    for n in 0..3 {
        office
            .push(
                &field,
                &[field.new_household(field.village, &format!("Hộ {n}"))],
            )
            .await;
    }
    let page = office.pull(&field.token, "?limit=1&policy=x").await;
    assert!(page.has_more && page.policy.is_none());

    let refused = sotay_office::admin::publish_policy(office.store(), &text).await;
    assert!(
        refused.is_err_and(|e| e.to_string().contains("không mới hơn")),
        "a label is published once"
    );
    let older =
        sotay_office::admin::publish_policy(office.store(), &newer_policy("2098-01-01.1")).await;
    assert!(
        older.is_err(),
        "an older edition is not published after a newer one"
    );
    let broken = text.replace(
        "monthly_deadline_month = 1",
        "monthly_deadline_month = \"một\"",
    );
    assert!(
        sotay_office::admin::publish_policy(office.store(), &broken)
            .await
            .is_err(),
        "a file that does not load is refused"
    );
    let latest = office.store().latest_policy(None).await.expect("read");
    assert_eq!(latest.map(|e| e.version), Some("2099-01-01.1".to_owned()));
}
