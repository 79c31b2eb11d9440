//! Every error code the Rust side can send to the UI, collected from the libraries, written to
//! `ui/src/lib/generated/error-codes.json`; vitest checks the UI has a Vietnamese and an English
//! message for each. Run with `SOTAY_BLESS=1` to rewrite the file after adding a code.

use std::collections::BTreeSet;

use sotay_domain::ValidationCode;
use sotay_store::StoreError;
use sotay_sync::SyncError;

const GENERATED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ui/src/lib/generated/error-codes.json"
);

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The string literals that follow `marker` in `source` (the first after each occurrence).
fn literals_after(source: &str, marker: &str) -> Vec<String> {
    source
        .split(marker)
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.trim_start();
            let rest = rest.strip_prefix('"')?;
            let end = rest.find('"')?;
            let code = &rest[..end];
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
                .then(|| code.to_owned())
        })
        .collect()
}

fn all_codes() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    // Validation codes: every variant of the domain's enum, each checked to be a real variant.
    let source = include_str!("../../../crates/sotay-domain/src/error.rs");
    let body = source
        .split("pub enum ValidationCode {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("ValidationCode in sotay-domain/src/error.rs");
    for line in body.lines() {
        let name = line.trim().trim_end_matches(',');
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
            let code = snake(name);
            serde_json::from_value::<ValidationCode>(serde_json::json!(code))
                .unwrap_or_else(|e| panic!("{code} is not a ValidationCode: {e}"));
            codes.insert(code);
        }
    }
    // Quote codes: the arms of `QuoteError::code`.
    codes.extend(code_fn_arms(
        include_str!("../../../crates/sotay-domain/src/quote.rs"),
        "QuoteError::code",
    ));
    // Policy codes: the arms of `PolicyError::code` (a quote reports them as its own).
    codes.extend(code_fn_arms(
        include_str!("../../../crates/sotay-domain/src/policy/error.rs"),
        "PolicyError::code",
    ));
    // Store codes: its error enum's arms and the rules it checks against other records.
    codes.extend(literals_after(
        include_str!("../../../crates/sotay-store/src/error.rs"),
        "=>",
    ));
    for source in [
        include_str!("../../../crates/sotay-store/src/records.rs"),
        include_str!("../../../crates/sotay-store/src/store.rs"),
        include_str!("../../../crates/sotay-store/src/workflows.rs"),
    ] {
        codes.extend(literals_after(source, "rule("));
    }
    for err in [
        StoreError::DiskFull,
        StoreError::IdentityMismatch,
        StoreError::SchemaTooNew {
            found: 9,
            supported: 3,
        },
    ] {
        codes.insert(err.code());
    }
    // Sync: every way a sync stops, and the office's request-level codes.
    for err in [
        SyncError::Network(String::new()),
        SyncError::Unauthorized,
        SyncError::DeviceRevoked,
        SyncError::WipeOrdered,
        SyncError::ProtocolUnsupported,
        SyncError::Refused {
            code: String::new(),
            message: String::new(),
        },
        SyncError::Internal(String::new()),
        SyncError::ChecksumMismatch,
        SyncError::Cancelled,
        SyncError::NotAnOffice { status: 404 },
        SyncError::OfficeFailing { status: 503 },
        SyncError::Store(StoreError::DiskFull),
    ] {
        codes.insert(err.code().to_owned());
    }
    use sotay_sync::protocol::codes as wire;
    codes.extend(
        [
            wire::UNAUTHORIZED,
            wire::DEVICE_REVOKED,
            wire::PROTOCOL_UNSUPPORTED,
        ]
        .map(str::to_owned),
    );
    // The office's refusals the app passes on as they are (any other is `refused`).
    codes.extend(
        sotay_app::error::OFFICE_CODES_AS_IS
            .iter()
            .map(|c| (*c).to_owned()),
    );
    codes.extend(
        sotay_device::DeviceError::CODES
            .iter()
            .map(|c| (*c).to_owned()),
    );
    codes.extend(sotay_app::error::APP_CODES.iter().map(|c| (*c).to_owned()));
    codes
}

#[test]
fn the_ui_knows_every_error_code_the_app_can_send() {
    let codes = all_codes();
    assert!(
        codes.len() > 60,
        "the collection found too few codes ({}): the sources' shape changed",
        codes.len()
    );
    for expected in [
        "cccd_length",
        "income_below_floor",
        "receipt_duplicate",
        "device_revoked",
        "pin_wrong",
        "locked",
    ] {
        assert!(codes.contains(expected), "{expected} is collected");
    }
    let json = serde_json::to_string_pretty(&codes).expect("json") + "\n";
    crate::generated_for_the_ui(
        GENERATED,
        &json,
        "run `SOTAY_BLESS=1 cargo test -p sotay-app --test app codes`, then give every new code \
         a message in ui/src/lib/i18n",
    );
}

/// The codes an error type's `pub fn code(&self) -> &'static str` returns: the string literals
/// of its arms in `source` (the file that defines it, `what` naming it if it is not there).
fn code_fn_arms(source: &str, what: &str) -> Vec<String> {
    let body = source
        .split("pub fn code(&self) -> &'static str {")
        .nth(1)
        .and_then(|rest| rest.split("\n    }").next())
        .unwrap_or_else(|| panic!("{what} not found"));
    literals_after(body, "=>")
}
