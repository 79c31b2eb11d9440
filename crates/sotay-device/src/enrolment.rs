//! The enrolment: what the office gave this device when it exchanged a one-time code (device id,
//! device token, the user and their area), and the office address. Kept in `device.json` in the
//! app's data folder, readable by this user only. Without it there is no store to open and no
//! sync to run: the app shows the first-run screen.
//!
//! The token is a secret, kept owner-only. It is not wrapped by the PIN: the background sync needs
//! it while the app is locked, and a stolen phone's token is what the office revokes or orders
//! wiped (`sotay-office wipe-device`). On phones it belongs in the platform keystore with the
//! database key, once that hook ([`crate::keystore`]) has an implementation.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sotay_domain::Role;
use uuid::Uuid;

use crate::error::DeviceError;
use crate::files;

/// The file name of the enrolment in the data folder.
pub const FILE_NAME: &str = "device.json";

/// The enrolled user, as the app needs to know them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolledUser {
    /// The user's id (every op carries it).
    pub id: Uuid,
    /// Full name, shown in the app.
    pub full_name: String,
    /// Role: decides what the app offers (see [`crate::roles`]).
    pub role: Role,
}

/// What the office gave this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The office's base address (`http://…` or `https://…`, no trailing slash).
    pub office_url: String,
    /// The device's id: the node of its clock and the identity of its database.
    pub device_id: Uuid,
    /// The secret sent with every sync call.
    pub device_token: String,
    /// Who the device belongs to.
    pub user: EnrolledUser,
    /// Whole communes of the user's area (5-digit codes).
    pub communes: Vec<String>,
    /// Single villages of the user's area.
    pub villages: Vec<Uuid>,
    /// When the device was enrolled.
    pub enrolled_at: DateTime<Utc>,
}

impl Enrolment {
    /// The path of the enrolment file in `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Reads the enrolment; `Ok(None)` before enrolment.
    pub fn load(data_dir: &Path) -> Result<Option<Enrolment>, DeviceError> {
        files::read_json(&Enrolment::path(data_dir))
    }

    /// Writes the enrolment atomically.
    pub fn save(&self, data_dir: &Path) -> Result<(), DeviceError> {
        files::write_json(&Enrolment::path(data_dir), self)?;
        restrict_to_owner(&Enrolment::path(data_dir))
    }
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<(), DeviceError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        DeviceError::File {
            what: format!("{}: {e}", path.display()),
        }
    })
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) -> Result<(), DeviceError> {
    Ok(())
}

/// The office address as typed, made canonical: trimmed, `http://` added when no scheme is
/// given (offices on a local network rarely have certificates), no trailing slash. Refuses
/// anything that is not an http(s) address with a host.
pub fn normalize_office_url(text: &str) -> Result<String, DeviceError> {
    let typed = text.trim();
    let invalid = || DeviceError::OfficeUrl(typed.to_owned());
    let lower = typed.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("http://") {
        (&typed[..4], &typed[7..])
    } else if lower.starts_with("https://") {
        (&typed[..5], &typed[8..])
    } else if lower.contains("://") || lower.starts_with("http:") || lower.starts_with("https:") {
        return Err(invalid());
    } else {
        ("http", typed)
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty()
        || rest
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '?' | '#' | '@'))
    {
        return Err(invalid());
    }
    let host = rest.split('/').next().unwrap_or_default();
    let name = match host.rsplit_once(':') {
        Some((name, port))
            if !name.ends_with(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name
        }
        Some(_) if !host.starts_with('[') => return Err(invalid()),
        _ => host,
    };
    let valid_name = !name.is_empty()
        && (name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            || (name.starts_with('[') && name.ends_with(']')));
    if !valid_name {
        return Err(invalid());
    }
    Ok(format!("{scheme}://{rest}"))
}

/// The code as the office reads it: letters and digits only, upper case. Refuses a code with
/// fewer than 6 or more than 20 of them, or with other characters than letters, digits, spaces
/// and dashes.
pub fn normalize_enrolment_code(text: &str) -> Result<String, DeviceError> {
    if text
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == ' '))
    {
        return Err(DeviceError::EnrolmentCode);
    }
    let code: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !(6..=20).contains(&code.len()) {
        return Err(DeviceError::EnrolmentCode);
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_addresses_are_made_canonical() {
        for (typed, canonical) in [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("  http://127.0.0.1:8080/ ", "http://127.0.0.1:8080"),
            ("192.168.1.10:8080", "http://192.168.1.10:8080"),
            ("https://bhxh.example.vn", "https://bhxh.example.vn"),
            (
                "HTTPS://BHXH.example.vn/sotay",
                "HTTPS://BHXH.example.vn/sotay",
            ),
            ("localhost", "http://localhost"),
        ] {
            assert_eq!(
                normalize_office_url(typed).expect(typed),
                canonical,
                "{typed:?}"
            );
        }
    }

    #[test]
    fn anything_but_an_http_address_is_refused_with_the_example() {
        for typed in [
            "",
            "   ",
            "ftp://x",
            "http://",
            "http:// space.vn",
            "máy chủ",
            "http://a.vn?x=1",
            "javascript://alert",
        ] {
            let err = normalize_office_url(typed).expect_err(typed);
            assert_eq!(err.code(), "office_url_invalid", "{typed:?}");
            assert!(err.to_string().contains("http://"), "{err}");
        }
    }

    #[test]
    fn enrolment_codes_are_read_as_the_office_reads_them() {
        assert_eq!(
            normalize_enrolment_code(" k7qx2-m9pra ").expect("code"),
            "K7QX2M9PRA"
        );
        for bad in ["", "K7Q", "K7QX2_M9PRA", "K7QX2-M9PRÁ", "'; DROP TABLE"] {
            assert_eq!(
                normalize_enrolment_code(bad).expect_err(bad).code(),
                "enrolment_code_invalid",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_enrolment_round_trips_and_only_its_owner_reads_it() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(Enrolment::load(dir.path()).expect("load"), None);
        let enrolment = Enrolment {
            office_url: "http://127.0.0.1:8080".into(),
            device_id: Uuid::now_v7(),
            device_token: "secret".into(),
            user: EnrolledUser {
                id: Uuid::now_v7(),
                full_name: "Nguyễn Thị Lan".into(),
                role: Role::Collector,
            },
            communes: vec!["00376".into()],
            villages: vec![],
            enrolled_at: Utc::now(),
        };
        enrolment.save(dir.path()).expect("save");
        assert_eq!(
            Enrolment::load(dir.path()).expect("load"),
            Some(enrolment.clone())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Enrolment::path(dir.path()))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "the token is readable by its owner only"
            );
        }
    }
}
