//! Blanks on the phone what its user's role is not sent (`sotay_domain::privacy`). The office
//! withholds a board member's ID numbers, incomes and amounts from his pulls; a phone that
//! synced before it did still holds them, and a merge never replaces a value with a blank at
//! the same clock. [`Store::withhold`] runs each time the store opens and blanks them in place,
//! field clocks kept (so versions and the scope checksum do not move), the search index with
//! them. Values this phone wrote itself stay: its user typed them, and the office keeps a
//! blank sent over them as a decision to clear them.

use rusqlite::Connection;
use sotay_domain::privacy;
use sotay_domain::{EntityKind, Role};
use uuid::Uuid;

use crate::error::Result;
use crate::records::{Record, RecordVisitor, table, uuid_from, visit_record};
use crate::store::{Store, decode_fields, materialise, state_from_text};

impl Store {
    /// Blanks what `role` is not sent in every record another device wrote it into; returns how
    /// many records changed (none for a role that is sent everything, at no cost).
    pub fn withhold(&self, role: Role) -> Result<usize> {
        let kinds: Vec<EntityKind> = EntityKind::ALL
            .iter()
            .copied()
            .filter(|&kind| !privacy::withheld(role, kind).is_empty())
            .collect();
        if kinds.is_empty() {
            return Ok(0);
        }
        let tx = self.write_tx()?;
        let mut changed = 0;
        for kind in kinds {
            changed += visit_record(
                kind,
                Blank {
                    conn: &tx,
                    role,
                    node: self.identity.device_id,
                },
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }
}

/// [`blank_kind`] for the record type of a kind.
struct Blank<'a> {
    conn: &'a Connection,
    role: Role,
    node: Uuid,
}

impl RecordVisitor for Blank<'_> {
    type Output = Result<usize>;
    fn visit<E: Record>(self) -> Result<usize> {
        blank_kind::<E>(self.conn, self.role, self.node)
    }
}

/// Whether a record's JSON (`data`) still holds a value in `field` other than its blank: the
/// rows worth reading. Run at every open, the scan reads only those (after the first open, the
/// values the phone's own user typed), not the whole village.
fn holds_value(field: &str, blank: privacy::Blank) -> String {
    let path = format!("'$.{field}'");
    match blank {
        privacy::Blank::Null => format!("json_extract(data, {path}) IS NOT NULL"),
        privacy::Blank::Zero => format!("coalesce(json_extract(data, {path}), 0) != 0"),
        privacy::Blank::EmptyList => format!("coalesce(json_array_length(data, {path}), 0) > 0"),
        privacy::Blank::EmptyText => format!("coalesce(json_extract(data, {path}), '') != ''"),
    }
}

fn blank_kind<E: Record>(conn: &Connection, role: Role, node: Uuid) -> Result<usize> {
    let withheld = privacy::withheld(role, E::KIND);
    let holding: Vec<String> = withheld
        .iter()
        .map(|(field, blank)| holds_value(field, *blank))
        .collect();
    let rows: Vec<(Vec<u8>, String, String)> = conn
        .prepare(&format!(
            "SELECT id, data, field_clocks FROM {} WHERE {}",
            table(E::KIND),
            holding.join(" OR ")
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut changed = 0;
    for (id, data, clocks) in rows {
        let id = uuid_from(&id)?;
        let mut state = state_from_text(E::KIND, id, &data, &clocks)?;
        let mut blanked = false;
        for (name, blank) in withheld {
            let blank = blank.value();
            let foreign = state.clocks.get(*name).is_some_and(|c| c.node != node);
            if let Some(value) = state.fields.get_mut(*name)
                && foreign
                && *value != blank
            {
                *value = blank;
                blanked = true;
            }
        }
        if blanked {
            let record = decode_fields::<E>(&state.fields, id)?;
            materialise(conn, &record, &state)?;
            changed += 1;
        }
    }
    Ok(changed)
}
