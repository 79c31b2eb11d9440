//! Drafts (`drafts.rs`): a form's fields kept as they are typed survive the store being closed
//! and opened again, are replaced by the next keystrokes, forgotten when the form is saved, never
//! become ops to sync, and stay bounded in size and number.

use chrono::TimeDelta;
use sotay_store::drafts::{MAX_DRAFT_BYTES, MAX_DRAFTS};

use crate::common::*;

const FORM: &str = "household:new:0193a1b2-0000-7000-8000-000000000001";

#[test]
fn a_draft_survives_a_restart_and_is_replaced_then_forgotten() {
    let mut fx = Fixture::new();
    let before = fx.outbox_len();
    assert_eq!(fx.store.draft(FORM).expect("read"), None);
    fx.store
        .save_draft(FORM, r#"{"head_name":"Nguyễn Văn"}"#)
        .expect("save");
    fx.store
        .save_draft(FORM, r#"{"head_name":"Nguyễn Văn Đức"}"#)
        .expect("save again");
    // The app is killed and started again on the same file.
    fx.reopen();
    assert_eq!(
        fx.store.draft(FORM).expect("read").as_deref(),
        Some(r#"{"head_name":"Nguyễn Văn Đức"}"#),
        "the last keystrokes are kept"
    );
    assert_eq!(fx.outbox_len(), before, "a draft is not a change to sync");
    fx.store.discard_draft(FORM).expect("discard");
    assert_eq!(fx.store.draft(FORM).expect("read"), None);
    fx.store
        .discard_draft(FORM)
        .expect("discarding twice is harmless");
}

#[test]
fn a_draft_too_large_is_refused_and_the_last_one_kept() {
    let fx = Fixture::new();
    fx.store
        .save_draft(FORM, r#"{"notes":"ngắn"}"#)
        .expect("save");
    let huge = format!(r#"{{"notes":"{}"}}"#, "x".repeat(MAX_DRAFT_BYTES));
    let err = fx.store.save_draft(FORM, &huge).expect_err("too large");
    assert_eq!(err.code(), "too_long");
    assert_eq!(
        fx.store.draft(FORM).expect("read").as_deref(),
        Some(r#"{"notes":"ngắn"}"#)
    );
    let key = "x".repeat(201);
    assert_eq!(
        fx.store.save_draft(&key, "{}").expect_err("key").code(),
        "too_long"
    );
    assert_eq!(
        fx.store.draft("").expect_err("empty key").code(),
        "too_long"
    );
}

#[test]
fn a_phone_keeps_the_newest_drafts_only() {
    let fx = Fixture::new();
    let total = MAX_DRAFTS + 3;
    for n in 0..total {
        fx.clock.advance(TimeDelta::seconds(1));
        fx.store
            .save_draft(&format!("person:new:{n:03}"), "{}")
            .expect("save");
    }
    for n in 0..total {
        let kept = fx
            .store
            .draft(&format!("person:new:{n:03}"))
            .expect("read")
            .is_some();
        assert_eq!(kept, n >= 3, "draft {n}: the three oldest go");
    }
}
