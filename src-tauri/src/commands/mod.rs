//! The commands the UI calls, one module per screen. Each is a few lines: read the form, call a
//! library crate (`sotay-store`, `sotay-sync`, `sotay-domain`, `sotay-device`), map the error.
//! Commands that touch SQLite or hash a PIN are `#[tauri::command(async)]` so they never run on
//! the main thread.

pub mod app;
pub mod collect;
pub mod households;
pub mod meetings;
pub mod quote;
pub mod settings;
pub mod signup;
pub mod sync;
pub mod targets;
pub mod today;
pub mod visits;
