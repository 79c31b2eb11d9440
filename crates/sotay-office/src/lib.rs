//! `sotay-office` is the server the social insurance office runs: devices enrol with a one-time
//! code, push their outbox and pull their area over `/api/v1/...`; admins manage users, areas,
//! devices and reference data from the command line.
//!
//! Architecture invariant: the office never trusts a device. Every op is checked again here
//! (identity, clock, scope, entity kind, field types, `sotay_domain` validation) before it is
//! merged, and input from a client can never cause a 5xx.
//!
//! Architecture invariant: handlers know no SQL. Storage sits behind [`storage::OfficeStore`],
//! with one implementation per backend (embedded SQLite, PostgreSQL); the decisions that are the
//! same for both (what an op may do) live once in [`apply`].

pub mod admin;
pub mod api;
pub mod apply;
pub mod auth;
pub mod backup;
pub mod clock;
pub mod error;
pub mod facts;
pub mod import;
pub mod limit;
pub mod passwords;
pub mod referral;
pub mod server;
pub mod state;
pub mod storage;
pub mod web;

pub use error::OfficeError;
pub use server::{bind, launch, router};
pub use state::AppState;
pub use storage::{AnyStore, OfficeStore};
