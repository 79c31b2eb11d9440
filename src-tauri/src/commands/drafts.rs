//! Drafts: the form being filled in, kept as it is typed so that it survives the app being killed
//! (see `sotay_store::drafts`). The screens choose the key; the store keeps the JSON as it is.

use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Keeps the fields of `form` as typed (JSON), replacing its last draft.
#[tauri::command(async)]
pub fn save_draft(state: State<'_, AppState>, form: String, data: String) -> CmdResult<()> {
    state.with_store(|store, _| Ok(store.save_draft(&form, &data)?))
}

/// The draft of `form`, when one is kept.
#[tauri::command(async)]
pub fn load_draft(state: State<'_, AppState>, form: String) -> CmdResult<Option<String>> {
    state.with_store(|store, _| Ok(store.draft(&form)?))
}

/// Forgets the draft of `form` (saved, or put aside).
#[tauri::command(async)]
pub fn discard_draft(state: State<'_, AppState>, form: String) -> CmdResult<()> {
    state.with_store(|store, _| Ok(store.discard_draft(&form)?))
}
