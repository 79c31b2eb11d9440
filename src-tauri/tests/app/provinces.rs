//! The 34 provinces of the 2025 list, by code and official name, written from the domain's
//! embedded admin units to `ui/src/lib/generated/provinces.json`, so the quote screen names every
//! province without asking the app for them (the quote works before enrolment). Run with
//! `SOTAY_BLESS=1` to rewrite the file if the list changes.

const GENERATED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ui/src/lib/generated/provinces.json"
);

#[test]
fn the_ui_names_every_province_as_the_domain_does() {
    let provinces: Vec<serde_json::Value> = sotay_domain::admin_units::provinces()
        .iter()
        .map(|p| serde_json::json!({ "code": p.code, "name": p.name }))
        .collect();
    assert_eq!(provinces.len(), 34, "the 2025 list has 34 provinces");
    let json = serde_json::to_string_pretty(&provinces).expect("json") + "\n";
    crate::generated_for_the_ui(
        GENERATED,
        &json,
        "run `SOTAY_BLESS=1 cargo test -p sotay-app --test app provinces`",
    );
}
