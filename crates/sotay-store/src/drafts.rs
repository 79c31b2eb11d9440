//! Drafts: a form being filled in, kept as the person types, so what was typed survives the app
//! being killed (phones end apps left in the background, a call takes the screen, the battery
//! dies) and is there when the form is opened again.
//!
//! A draft is not a record: it is the form's fields as the screen holds them (JSON the store
//! does not read), under a key the screen chooses for the form and the record it is about
//! (`household:new:<village>`, `person:<id>`…). It has no outbox op and never leaves the phone;
//! it lives in the same encrypted file as the records, so it is wiped with them. Saving the
//! form deletes it. A phone keeps at most [`MAX_DRAFTS`]; the oldest go first.

use rusqlite::{OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::store::Store;

/// The largest draft kept, in bytes of JSON (a form is a few hundred bytes; a long note 8 KB).
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;
/// The longest form key, in bytes.
pub const MAX_FORM_KEY_BYTES: usize = 200;
/// The drafts a phone keeps; saving one more drops the oldest.
pub const MAX_DRAFTS: i64 = 50;

impl Store {
    /// Keeps `data` (the form's fields as JSON) as the draft of `form`, replacing its last one.
    pub fn save_draft(&self, form: &str, data: &str) -> Result<()> {
        check_key(form)?;
        if data.len() > MAX_DRAFT_BYTES {
            return Err(StoreError::Rule {
                code: "too_long",
                field: "draft".into(),
                message: format!(
                    "Bản nháp dài quá {} KB nên không giữ được; hãy lưu biểu mẫu.",
                    MAX_DRAFT_BYTES / 1024
                ),
            });
        }
        let saved_at = self.clock.now().to_rfc3339();
        let tx = self.write_tx()?;
        tx.prepare_cached(
            "INSERT INTO drafts (form, data, saved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (form) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
        )?
        .execute(params![form, data, saved_at])?;
        tx.prepare_cached(
            "DELETE FROM drafts WHERE form NOT IN
               (SELECT form FROM drafts ORDER BY saved_at DESC, form LIMIT ?1)",
        )?
        .execute([MAX_DRAFTS])?;
        tx.commit()?;
        Ok(())
    }

    /// The draft of `form`, when one is kept.
    pub fn draft(&self, form: &str) -> Result<Option<String>> {
        check_key(form)?;
        Ok(self
            .conn
            .prepare_cached("SELECT data FROM drafts WHERE form = ?1")?
            .query_row([form], |row| row.get(0))
            .optional()?)
    }

    /// Forgets the draft of `form` (saved, or put aside by the person).
    pub fn discard_draft(&self, form: &str) -> Result<()> {
        check_key(form)?;
        self.conn
            .prepare_cached("DELETE FROM drafts WHERE form = ?1")?
            .execute([form])?;
        Ok(())
    }
}

fn check_key(form: &str) -> Result<()> {
    if form.is_empty() || form.len() > MAX_FORM_KEY_BYTES {
        return Err(StoreError::Rule {
            code: "too_long",
            field: "form".into(),
            message: format!("Tên biểu mẫu phải có từ 1 đến {MAX_FORM_KEY_BYTES} ký tự."),
        });
    }
    Ok(())
}
