//! The commands the UI calls, one module per screen. Each is a few lines: read the form, call a
//! library crate (`sotay-store`, `sotay-sync`, `sotay-domain`, `sotay-device`), map the error.
//! Commands that touch SQLite or hash a PIN are `#[tauri::command(async)]` so they never run on
//! the main thread.

use sotay_domain::EntityKind;
use sotay_store::{Record, Store, StoreError};
use uuid::Uuid;

use crate::error::{CmdResult, CommandError};

pub mod app;
pub mod collect;
pub mod drafts;
pub mod households;
pub mod meetings;
pub mod quote;
pub mod settings;
pub mod signup;
pub mod sync;
pub mod targets;
pub mod today;
pub mod visits;

/// The store's `not_found` for record `id` of `entity` (deleted, or never synced here).
pub(crate) fn not_found(entity: EntityKind, id: Uuid) -> CommandError {
    CommandError::from(StoreError::NotFound { entity, id })
}

/// The live record `id` of type `E`, or [`not_found`]: what a screen opened on a record reads
/// first.
pub(crate) fn require<E: Record>(store: &Store, id: Uuid) -> CmdResult<E> {
    store.get::<E>(id)?.ok_or_else(|| not_found(E::KIND, id))
}
