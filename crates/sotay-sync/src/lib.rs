//! `sotay-sync` holds the versioned wire types that the device and the office both use (one
//! definition of the protocol) and the device's sync client.

pub mod client;
pub mod protocol;

pub use client::{SyncClient, SyncConfig, SyncError, SyncProgress, SyncReport, enroll};
