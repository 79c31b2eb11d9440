//! `sotay-sync` holds the versioned wire types that the device and the office both use (one
//! definition of the protocol) and the device's sync client.

#[cfg(feature = "client")]
pub mod client;
pub mod protocol;

#[cfg(feature = "client")]
pub use client::{SyncClient, SyncConfig, SyncError, SyncProgress, SyncReport, enroll};
