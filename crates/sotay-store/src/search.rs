//! Search over names, phone numbers and ID numbers as people type them: without diacritics
//! ("nguyen van duc" finds "Nguyễn Văn Đức"), by prefix ("ng va du"), through SQLite FTS5 with
//! prefix indexes. The store folds the text in Rust before it reaches the index and folds the
//! query the same way.
//!
//! The fold rule (lower-case, strip diacritics, đ → d) is a domain rule; it lives here until
//! `sotay_domain` exports its own folding, and should then be switched to that one.

use rusqlite::{Connection, params};
use sotay_domain::{Household, Person};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::Result;
use crate::records::person_search_text;

/// Folds text for search: lower-case, no diacritics, đ → d.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The FTS5 query for what the user typed: every word must match as a prefix. Returns `None`
/// when nothing searchable was typed. Words are cut at anything not a letter or digit, so user
/// input can never form FTS5 syntax.
pub(crate) fn match_expression(input: &str) -> Option<String> {
    let folded = fold(input);
    let terms: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|word| {
            // A phone typed as +84 912… is stored as 0912…: look for both.
            match word.strip_prefix("84") {
                Some(rest) if rest.len() >= 2 && word.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("(\"{word}\"* OR \"0{rest}\"*)")
                }
                _ => format!("\"{word}\"*"),
            }
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// One search result: a person with their household, or a household found by its head's name
/// or address.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// The person found (None when the household itself matched).
    pub person: Option<Person>,
    /// The household.
    pub household: Household,
}

/// Replaces the index row of one record.
pub(crate) fn index_record(
    conn: &Connection,
    search_table: &str,
    rowid: i64,
    text: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(&format!("DELETE FROM {search_table} WHERE rowid = ?1"))?
        .execute([rowid])?;
    if let Some(text) = text {
        conn.prepare_cached(&format!(
            "INSERT INTO {search_table} (rowid, text) VALUES (?1, ?2)"
        ))?
        .execute(params![rowid, text])?;
    }
    Ok(())
}

/// Rebuilds both indexes from the records (after the migration that created them).
pub(crate) fn rebuild(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM person_search; DELETE FROM household_search;")?;
    {
        let mut read = conn.prepare(
            "SELECT rowid, full_name, phone, personal_id, \
               json_extract(data, '$.legacy_insurance_code') FROM persons WHERE deleted = 0",
        )?;
        let mut insert = conn.prepare("INSERT INTO person_search (rowid, text) VALUES (?1, ?2)")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let name: String = row.get(1)?;
            let phone: Option<String> = row.get(2)?;
            let pid: Option<String> = row.get(3)?;
            let legacy: Option<String> = row.get(4)?;
            let text =
                person_search_text(&name, phone.as_deref(), pid.as_deref(), legacy.as_deref());
            insert.execute(params![row.get::<_, i64>(0)?, text])?;
        }
    }
    {
        let mut read =
            conn.prepare("SELECT rowid, head_name, address FROM households WHERE deleted = 0")?;
        let mut insert =
            conn.prepare("INSERT INTO household_search (rowid, text) VALUES (?1, ?2)")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let head: String = row.get(1)?;
            let address: String = row.get(2)?;
            insert.execute(params![
                row.get::<_, i64>(0)?,
                fold(&format!("{head} {address}"))
            ])?;
        }
    }
    conn.execute("DELETE FROM meta WHERE key = 'search_rebuild'", [])?;
    Ok(())
}

/// The SQL of a person search: persons whose folded text matches, with their household.
pub const PERSON_SEARCH_SQL: &str = "SELECT p.data, h.data FROM person_search s \
     JOIN persons p ON p.rowid = s.rowid JOIN households h ON h.id = p.household_id \
     WHERE person_search MATCH ?1 AND p.deleted = 0 AND h.deleted = 0 LIMIT ?2";

/// The SQL of a household search by head name or address.
pub const HOUSEHOLD_SEARCH_SQL: &str = "SELECT h.data FROM household_search s \
     JOIN households h ON h.rowid = s.rowid \
     WHERE household_search MATCH ?1 AND h.deleted = 0 LIMIT ?2";

pub(crate) fn search(conn: &Connection, input: &str, limit: usize) -> Result<Vec<SearchHit>> {
    let Some(expr) = match_expression(input) else {
        return Ok(Vec::new());
    };
    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut hits = Vec::new();
    let mut persons = conn.prepare_cached(PERSON_SEARCH_SQL)?;
    let mut rows = persons.query(params![expr, limit_sql])?;
    while let Some(row) = rows.next()? {
        let person: Person = serde_json::from_str(&row.get::<_, String>(0)?)?;
        let household: Household = serde_json::from_str(&row.get::<_, String>(1)?)?;
        hits.push(SearchHit {
            person: Some(person),
            household,
        });
    }
    if hits.len() < limit {
        let rest = i64::try_from(limit - hits.len()).unwrap_or(i64::MAX);
        let mut households = conn.prepare_cached(HOUSEHOLD_SEARCH_SQL)?;
        let mut rows = households.query(params![expr, rest])?;
        while let Some(row) = rows.next()? {
            let household: Household = serde_json::from_str(&row.get::<_, String>(0)?)?;
            hits.push(SearchHit {
                person: None,
                household,
            });
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_the_way_people_type_without_accents() {
        for (input, folded) in [
            ("Nguyễn Văn Đức", "nguyen van duc"),
            ("ĐẶNG THỊ HƯƠNG", "dang thi huong"),
            ("Thôn Đông, xã Yên Thế", "thon dong, xa yen the"),
            ("0912345678", "0912345678"),
        ] {
            assert_eq!(fold(input), folded, "folding {input}");
        }
    }

    #[test]
    fn queries_are_prefix_words_and_never_fts_syntax() {
        assert_eq!(
            match_expression("Ng Văn").as_deref(),
            Some("\"ng\"* \"van\"*")
        );
        assert_eq!(
            match_expression("\"a\" OR b*").as_deref(),
            Some("\"a\"* \"or\"* \"b\"*"),
            "quotes and operators typed by the user are cut out"
        );
        assert_eq!(
            match_expression("+84 912").as_deref(),
            Some("\"84\"* \"912\"*"),
            "a lone 84 is too short to be a phone prefix"
        );
        assert_eq!(
            match_expression("+84912345").as_deref(),
            Some("(\"84912345\"* OR \"0912345\"*)")
        );
        assert_eq!(match_expression("  ,, "), None);
    }
}
