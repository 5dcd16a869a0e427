//! Sealing: taking original text out of a project after pseudonymisation. The texts of the
//! superseded versions and the command's before-images (which quote them) leave the project for
//! the key store; every other audit image has the replaced identifiers scrubbed; the file is
//! then rewritten so no freed page keeps them. The command stays undoable with the key store's
//! [`SealedPayload`], or, when originals are discarded, not at all.

use sqlx::{Executor, Row as _};

use crate::store::{Store, Tx};
use crate::StoreError;

/// `undo_entry.undoable` of a command whose undo needs its payload back from the key store.
pub(crate) const UNDO_SEALED: i64 = 2;

/// The original text of one transcript version, by content hash.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedText {
    /// SHA-256 of the text, as the version names it.
    pub hash: String,
    /// The text.
    pub body: String,
}

impl std::fmt::Debug for SealedText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedText({}, [redacted])", self.hash)
    }
}

/// What sealing one command took out of the project, to be kept in the key store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedPayload {
    /// The sealed command's audit sequence number.
    pub seq: i64,
    /// The original texts.
    pub texts: Vec<SealedText>,
    /// The command's before-images (ordinal, row image), which quote the original text.
    pub images: Vec<(i64, String)>,
    /// The sealed versions' speaker turns and source file names (id, turns, source name), which
    /// can name people too; the project keeps them scrubbed.
    pub versions: Vec<(String, String, String)>,
}

impl Store {
    /// What [`Store::seal`] would remove for command `seq` and the versions `version_ids`.
    pub async fn sealed_payload(&self, seq: i64, version_ids: &[String]) -> Result<SealedPayload, StoreError> {
        let mut tx = self.read().await?;
        let mut texts = Vec::new();
        let mut versions = Vec::new();
        for id in version_ids {
            let row = sqlx::query("SELECT turns, source_name FROM transcript_version WHERE id = $1")
                .bind(id.clone())
                .fetch_optional(&mut *tx.tx)
                .await?;
            if let Some(r) = row {
                versions.push((id.clone(), r.try_get(0)?, r.try_get(1)?));
            }
            let row = sqlx::query(
                "SELECT c.hash, c.body FROM content c JOIN transcript_version v ON v.text_hash = c.hash
                 WHERE v.id = $1 AND c.sealed = 0",
            )
            .bind(id.clone())
            .fetch_optional(&mut *tx.tx)
            .await?;
            if let Some(r) = row {
                let text = SealedText { hash: r.try_get(0)?, body: r.try_get(1)? };
                if !texts.contains(&text) {
                    texts.push(text);
                }
            }
        }
        let rows = sqlx::query(
            "SELECT ordinal, before_row FROM audit_change WHERE seq = $1 AND before_row IS NOT NULL ORDER BY ordinal",
        )
        .bind(seq)
        .fetch_all(&mut *tx.tx)
        .await?;
        let images = rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_, StoreError>>()?;
        Ok(SealedPayload { seq, texts, images, versions })
    }

    /// Takes `payload` out of the project: empties the texts (marked sealed), removes the
    /// command's before-images, replaces every `(original, replacement)` of `scrub` in all other
    /// audit images, and rewrites the file. With `keep_undo` the command can be undone with the
    /// payload ([`Store::undo_restoring`]); without, never.
    pub async fn seal(
        &self,
        payload: &SealedPayload,
        scrub: &[(String, String)],
        keep_undo: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin("", "").await?;
        for text in &payload.texts {
            sqlx::query("UPDATE content SET body = '', sealed = 1 WHERE hash = $1")
                .bind(text.hash.clone())
                .execute(&mut *tx.tx)
                .await?;
        }
        sqlx::query("UPDATE audit_change SET before_row = NULL WHERE seq = $1 AND before_row IS NOT NULL")
            .bind(payload.seq)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query("UPDATE undo_entry SET undoable = $1 WHERE seq = $2")
            .bind(if keep_undo { UNDO_SEALED } else { 0 })
            .bind(payload.seq)
            .execute(&mut *tx.tx)
            .await?;
        if let Some(scrubber) = Scrubber::new(scrub) {
            scrub_images(&mut tx, &scrubber).await?;
            for (id, turns, source) in &payload.versions {
                sqlx::query("UPDATE transcript_version SET turns = $1, source_name = $2 WHERE id = $3")
                    .bind(scrubber.apply(turns))
                    .bind(scrubber.apply(source))
                    .bind(id.clone())
                    .execute(&mut *tx.tx)
                    .await?;
            }
        }
        tx.tx.commit().await?;
        // Decoded versions held in memory quote the originals too.
        self.db.versions.clear();
        if self.db.is_sqlite() {
            let mut conn = self.db.pool.acquire().await?;
            conn.execute("VACUUM").await?;
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
        Ok(())
    }
}

impl Tx {
    /// Puts a sealed command's texts and before-images back, so it can be undone exactly.
    pub(crate) async fn unseal(&mut self, payload: &SealedPayload) -> Result<(), StoreError> {
        for text in &payload.texts {
            if crate::version::content_hash(&text.body) != text.hash {
                return Err(StoreError::Corrupt(format!("the key store's text {} does not match its hash", text.hash)));
            }
            sqlx::query("UPDATE content SET body = $1, sealed = 0 WHERE hash = $2")
                .bind(text.body.clone())
                .bind(text.hash.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        for (ordinal, image) in &payload.images {
            sqlx::query("UPDATE audit_change SET before_row = $1 WHERE seq = $2 AND ordinal = $3")
                .bind(image.clone())
                .bind(payload.seq)
                .bind(*ordinal)
                .execute(&mut *self.tx)
                .await?;
        }
        for (id, turns, source) in &payload.versions {
            sqlx::query("UPDATE transcript_version SET turns = $1, source_name = $2 WHERE id = $3")
                .bind(turns.clone())
                .bind(source.clone())
                .bind(id.clone())
                .execute(&mut *self.tx)
                .await?;
        }
        sqlx::query("UPDATE undo_entry SET undoable = 1 WHERE seq = $1")
            .bind(payload.seq)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// Replaces each original by its replacement, as whole words, in every audit summary and row
/// image (inside JSON strings, so in their escaped form).
async fn scrub_images(tx: &mut Tx, scrubber: &Scrubber) -> Result<(), StoreError> {
    // Summaries name participants by pseudonym ("add participant P1 (Fiona)"), which may be real.
    let events = sqlx::query("SELECT seq, summary FROM audit_event").fetch_all(&mut *tx.tx).await?;
    for r in events {
        let (seq, summary): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
        let scrubbed = scrubber.apply(&summary);
        if scrubbed != summary {
            sqlx::query("UPDATE audit_event SET summary = $1 WHERE seq = $2")
                .bind(scrubbed)
                .bind(seq)
                .execute(&mut *tx.tx)
                .await?;
        }
    }
    let rows =
        sqlx::query("SELECT seq, ordinal, before_row, after_row FROM audit_change").fetch_all(&mut *tx.tx).await?;
    for r in rows {
        let (seq, ordinal): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        let before: Option<String> = r.try_get(2)?;
        let after: Option<String> = r.try_get(3)?;
        let new_before = before.as_deref().map(|t| scrubber.apply(t));
        let new_after = after.as_deref().map(|t| scrubber.apply(t));
        if new_before != before || new_after != after {
            sqlx::query("UPDATE audit_change SET before_row = $1, after_row = $2 WHERE seq = $3 AND ordinal = $4")
                .bind(new_before)
                .bind(new_after)
                .bind(seq)
                .bind(ordinal)
                .execute(&mut *tx.tx)
                .await?;
        }
    }
    Ok(())
}

/// Whole-word replacement of many originals at once, longest first, each in the letter case given
/// (the caller adds the lower- and upper-case forms it wants: a name that is also a word, "Will",
/// must not replace "will").
///
/// A word ends where a letter or digit is not followed by another one; `_` and the escapes of a
/// JSON string (`\n`, `\t`, `\u2019`) separate words too, so a name joined into a file name
/// (`Siobhan_Hargreaves_interview`) or starting a line (`\nAnna Smith:`) is found.
struct Scrubber {
    pattern: regex::Regex,
    replacements: std::collections::HashMap<String, String>,
}

impl Scrubber {
    fn new(scrub: &[(String, String)]) -> Option<Scrubber> {
        let mut pairs: Vec<(String, String)> =
            scrub.iter().filter(|(o, _)| !o.trim().is_empty()).map(|(o, r)| (json_inner(o), json_inner(r))).collect();
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        pairs.dedup_by(|a, b| a.0 == b.0);
        if pairs.is_empty() {
            return None;
        }
        let alternatives: Vec<String> = pairs.iter().map(|(o, _)| regex::escape(o)).collect();
        let pattern =
            regex::RegexBuilder::new(&format!("(?:{})", alternatives.join("|"))).size_limit(64 << 20).build().ok()?;
        Some(Scrubber { pattern, replacements: pairs.into_iter().collect() })
    }

    fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut at = 0;
        while let Some(m) = self.pattern.find_at(text, at) {
            let found = m.as_str();
            let starts_word = found.chars().next().is_some_and(char::is_alphanumeric);
            let ends_word = found.chars().next_back().is_some_and(char::is_alphanumeric);
            let before_ok = !starts_word || word_ends_before(text, m.start());
            let after_ok = !ends_word || !text[m.end()..].chars().next().is_some_and(char::is_alphanumeric);
            match self.replacements.get(found) {
                Some(with) if before_ok && after_ok => {
                    out.push_str(&text[last..m.start()]);
                    out.push_str(with);
                    last = m.end();
                    at = m.end();
                }
                _ => at = m.start() + found.chars().next().map_or(1, char::len_utf8),
            }
        }
        out.push_str(&text[last..]);
        out
    }
}

/// Whether no word runs on into `text[at..]`: the character before is not a letter or digit,
/// or it ends a JSON escape (`\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX`) — escaped once or more,
/// as a row image holding JSON text (an anchor) escapes it twice (`\\n`).
fn word_ends_before(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let Some(c) = before.chars().next_back() else { return true };
    if !c.is_alphanumeric() {
        return true;
    }
    let b = before.as_bytes();
    if matches!(c, 'n' | 't' | 'r' | 'b' | 'f') && before[..before.len() - 1].ends_with('\\') {
        return true;
    }
    b.len() >= 6 && b[b.len() - 6..b.len() - 4] == *b"\\u" && b[b.len() - 4..].iter().all(u8::is_ascii_hexdigit)
}

/// `text` as it appears inside a JSON string.
fn json_inner(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_are_replaced_longest_first_inside_json_strings() {
        let pairs = [("Anna".to_owned(), "Rose".to_owned()), ("Anna \"Smith\"".to_owned(), "[Trainer]".to_owned())];
        let scrubber = Scrubber::new(&pairs).unwrap();
        let image = serde_json::json!({"q": "Dr Anna \"Smith\" and Anna, not Annabel"}).to_string();
        assert_eq!(scrubber.apply(&image), r#"{"q":"Dr [Trainer] and Rose, not Annabel"}"#);
    }

    /// Reproductions: a name joined by `_` (a file name) and a name starting a line (a speaker
    /// label after `\n` in a JSON string) survived in audit images.
    #[test]
    fn joined_names_and_names_after_json_escapes_are_replaced() {
        let pairs = [("Siobhan", "Olivia"), ("siobhan", "Olivia"), ("Hargreaves", "Olivia"), ("hargreaves", "Olivia")]
            .map(|(o, r)| (o.to_owned(), r.to_owned()));
        let scrubber = Scrubber::new(&pairs).unwrap();
        let image = serde_json::json!({
            "source": "Siobhan_Hargreaves_interview.txt",
            "user": "siobhan_hargreaves@teams",
            "quote": "fine.\nSiobhan: I\tHargreaves\u{2019}s and \u{201c}Siobhan\u{201d}",
        })
        .to_string()
        .replace('\u{2019}', "\\u2019");
        let got = scrubber.apply(&image);
        assert!(!got.to_lowercase().contains("siobhan") && !got.contains("Hargreaves"), "{got}");
        assert!(got.contains("Olivia_Olivia_interview.txt") && got.contains("\\nOlivia:"), "{got}");
        // JSON text inside a row image is escaped twice.
        let nested = serde_json::json!({ "anchor": image }).to_string();
        assert!(nested.contains("\\\\nSiobhan"), "{nested}");
        assert!(!scrubber.apply(&nested).to_lowercase().contains("siobhan"));
        // Not inside other words.
        let kept = r#"{"a":"Siobhanna and xHargreaves"}"#;
        assert_eq!(scrubber.apply(kept), kept);
    }
}
