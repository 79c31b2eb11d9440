//! Integration tests of the office server: a real server on 127.0.0.1 over a real database,
//! driven with reqwest. One test binary (fast to link); the contract suite runs on SQLite always
//! and on PostgreSQL when `SOTAY_PG_URL` is set (scripts/test.sh starts one and sets it).

#[macro_use]
mod harness;
mod browser;
mod cli;
mod contract;
mod dashboard;
mod estimate;
mod garbage;
mod kill;
mod lifecycle;
mod listen;
mod openapi;
mod privacy;
mod quote;
mod quote_cli;
mod referral;
mod scope;
mod tls;
