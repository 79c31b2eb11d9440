//! Integration tests of the device store, on real SQLite files in temporary directories, opened
//! through the same constructor the app uses. One test binary, one module per concern.

mod common;
mod crash;
mod drafts;
mod encryption;
mod migrations;
mod outbox;
mod privacy;
mod properties;
mod queries;
mod receipt;
mod repositories;
mod workflows;
