//! Dashboard passwords: Argon2id hashes (the `argon2` crate's defaults: 19 MiB, 2 passes), made
//! and checked on the blocking pool, and the rules for login names and passwords. Shared by the
//! dashboard's sign-in, its first-run set-up and the `create-user`/`set-password` commands.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sotay_domain::{Role, User};

use crate::storage::OfficeStore;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password with Argon2id (on the blocking pool: it is meant to be slow).
pub async fn hash_password(password: String) -> crate::error::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| crate::OfficeError::Invalid(format!("không băm được mật khẩu: {e}")))
    })
    .await
    .map_err(|e| crate::OfficeError::Task(e.to_string()))?
}

/// Whether `password` matches the stored Argon2 `hash` (false for a malformed hash).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A password the office accepts: long enough, not only spaces.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.trim().is_empty() {
        return Err(format!("Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự."));
    }
    if password.chars().count() > 200 {
        return Err("Mật khẩu dài quá 200 ký tự.".into());
    }
    Ok(())
}

/// A login name the office accepts: 3–40 letters, digits, `.`, `_`, `-`.
pub fn check_login(login: &str) -> Result<String, String> {
    let login = login.trim().to_lowercase();
    if (3..=40).contains(&login.chars().count())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(login)
    } else {
        Err(
            "Tên đăng nhập gồm 3–40 chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch \
             ngang."
                .into(),
        )
    }
}

/// Gives `user` a dashboard sign-in (admins and supervisors only).
pub async fn set_login(
    store: &impl OfficeStore,
    user: &User,
    login: &str,
    password: &str,
) -> crate::error::Result<()> {
    if !matches!(user.role, Role::OfficeAdmin | Role::OfficeSupervisor) {
        return Err(crate::OfficeError::Invalid(
            "Chỉ quản trị viên và cán bộ BHXH đăng nhập bảng điều khiển.".into(),
        ));
    }
    let login = check_login(login).map_err(crate::OfficeError::Invalid)?;
    check_password(password).map_err(crate::OfficeError::Invalid)?;
    let hash = hash_password(password.to_owned()).await?;
    store.set_login(user.id, &login, &hash).await
}
