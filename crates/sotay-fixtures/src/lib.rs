//! Records for Sotay's tests and benchmarks, made once: valid records built the way the app
//! builds them ([`records`]: real commune codes, ID numbers that agree with the birth date and
//! sex, mobile numbers with real prefixes), and whole generated areas with Vietnamese names and
//! realistic shares of poor households, members, visits, sign-ups and payments ([`area`]), for
//! the store, sync, app and dashboard benchmarks; and where the tests' PostgreSQL is
//! ([`postgres`]). A dev-dependency only; nothing ships it.

pub mod area;
pub mod names;
pub mod postgres;
pub mod records;
