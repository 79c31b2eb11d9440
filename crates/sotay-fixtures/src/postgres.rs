//! Where the tests' PostgreSQL is: the office's contract suite, its command-line tests and the
//! system tests run their PostgreSQL variants against the server `SOTAY_PG_URL` names
//! (scripts/test.sh starts one and sets it).

use uuid::Uuid;

/// The server's URL; `None` (the PostgreSQL variant is not run, and stderr says so) when
/// `SOTAY_PG_URL` is not set, which CI refuses.
pub fn server_url() -> Option<String> {
    let Ok(url) = std::env::var("SOTAY_PG_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the PostgreSQL variants: set SOTAY_PG_URL (scripts/test.sh does)"
        );
        eprintln!("SOTAY_PG_URL is not set: PostgreSQL variant not run here");
        return None;
    };
    Some(url)
}

/// The server's URL (see [`server_url`]) and a new schema name for one test's own database.
pub fn test_database() -> Option<(String, String)> {
    let url = server_url()?;
    Some((url, format!("t_{}", Uuid::now_v7().simple())))
}
