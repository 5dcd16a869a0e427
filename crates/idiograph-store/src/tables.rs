//! The domain tables, described once for the generic row code.

use crate::row::{ColType::*, Fill, Table};

pub static STUDY: Table = Table {
    name: "study",
    columns: &[
        ("id", Text),
        ("title", Text),
        ("research_question", Text),
        ("terminology", Text),
        ("recurrence_rule", Text),
        ("chars_per_line", Int),
        ("lines_per_page", Int),
        ("originals", Text),
        ("key_id", Text),
        ("fillers", Text),
    ],
    participant_column: None,
};

pub static PARTICIPANT: Table = Table {
    name: "participant",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("pseudonym", Text),
        ("attributes", Text),
        ("interview", Text),
        ("finished_at", Text),
    ],
    participant_column: Some("id"),
};

pub static TRANSCRIPT: Table = Table {
    name: "transcript",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("participant_id", Text),
        ("title", Text),
        ("current_version", Text),
        ("speakers", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static VERSION: Table = Table {
    name: "transcript_version",
    columns: &[
        ("id", Text),
        ("transcript_id", Text),
        ("participant_id", Text),
        ("number", Int),
        ("text_hash", Text),
        ("chars_per_line", Int),
        ("lines_per_page", Int),
        ("layout", Text),
        ("turns", Text),
        ("source_name", Text),
        ("source_sha256", Text),
        ("source_format", Text),
        ("source_encoding", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static NOTE: Table = Table {
    name: "note",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("start_byte", Int),
        ("end_byte", Int),
        ("quote_prefix", Text),
        ("quote_exact", Text),
        ("quote_suffix", Text),
        ("kind", Text),
        ("body", Text),
        ("author", Text),
        ("created_at", Text),
        ("heard_ms", Int),
    ],
    participant_column: Some("participant_id"),
};

pub static STATEMENT: Table = Table {
    name: "statement",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("participant_id", Text),
        ("body", Text),
        ("anchors", Text),
        ("from_notes", Text),
        ("author", Text),
        ("created_at", Text),
        ("heard_ms", Int),
    ],
    participant_column: Some("participant_id"),
};

pub static THEME: Table = Table {
    name: "theme",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("participant_id", Text),
        ("parent_id", Text),
        ("title", Text),
        ("description", Text),
        ("position", Int),
        ("created_at", Text),
        ("note", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static ASSIGNMENT: Table = Table {
    name: "assignment",
    columns: &[
        ("id", Text),
        ("theme_id", Text),
        ("statement_id", Text),
        ("member_theme_id", Text),
        ("participant_id", Text),
        ("strategy", Text),
        ("rationale", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static EXTRACT: Table = Table {
    name: "extract",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("theme_id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("start_byte", Int),
        ("end_byte", Int),
        ("quote_prefix", Text),
        ("quote_exact", Text),
        ("quote_suffix", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static JOURNAL: Table = Table {
    name: "journal",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("author", Text),
        ("created_at", Text),
        ("body", Text),
        ("about_id", Text),
        ("participant_id", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static REVIEW_DECISION: Table = Table {
    name: "review_decision",
    columns: &[
        ("id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("start_byte", Int),
        ("end_byte", Int),
        ("kind", Text),
        ("verdict", Text),
        ("replacement", Text),
        ("author", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static REPLACEMENT_COUNT: Table = Table {
    name: "replacement_count",
    columns: &[
        ("id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("category", Text),
        ("count", Int),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static LINE_MAPPING: Table = Table {
    name: "line_mapping",
    columns: &[
        ("id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("from_version", Text),
        ("lines", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static REVIEW_WORD: Table = Table {
    name: "review_word",
    columns: &[
        ("id", Text),
        ("word", Text),
        ("kind", Text),
        ("verdict", Text),
        ("replacement", Text),
        ("author", Text),
        ("created_at", Text),
    ],
    participant_column: None,
};

pub static GUIDE_QUESTION: Table = Table {
    name: "guide_question",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("parent_id", Text),
        ("position", Int),
        ("body", Text),
        ("created_at", Text),
    ],
    participant_column: None,
};

pub static ASKED_QUESTION: Table = Table {
    name: "asked_question",
    columns: &[
        ("id", Text),
        ("question_id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("start_byte", Int),
        ("end_byte", Int),
        ("quote_prefix", Text),
        ("quote_exact", Text),
        ("quote_suffix", Text),
        ("author", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static RECORDING: Table = Table {
    name: "recording",
    columns: &[
        ("id", Text),
        ("short", Int),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("file_name", Text),
        ("media_kind", Text),
        ("mime", Text),
        ("byte_length", Int),
        ("duration_ms", Int),
        ("sha256", Text),
        ("author", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

pub static SYNC_POINTS: Table = Table {
    name: "sync_points",
    columns: &[
        ("id", Text),
        ("participant_id", Text),
        ("transcript_id", Text),
        ("version_id", Text),
        ("points", Text),
        ("author", Text),
        ("created_at", Text),
    ],
    participant_column: Some("participant_id"),
};

/// Every domain table, parents before children (the order a dump and a withdrawal rely on).
pub static ALL: &[&Table] = &[
    &STUDY,
    &PARTICIPANT,
    &TRANSCRIPT,
    &VERSION,
    &NOTE,
    &STATEMENT,
    &THEME,
    &ASSIGNMENT,
    &EXTRACT,
    &JOURNAL,
    &REVIEW_DECISION,
    &REPLACEMENT_COUNT,
    &LINE_MAPPING,
    &REVIEW_WORD,
    &GUIDE_QUESTION,
    &ASKED_QUESTION,
    &RECORDING,
    &SYNC_POINTS,
];

/// Columns that migrations after the first added to existing tables, in the order the
/// migrations run: (table, column, what the rows already there were given). Row images in the
/// audit log recorded before such a migration lack these trailing columns; `Row::from_json` reads
/// them with these values. A migration that adds a column adds its line here (a test compares
/// this list with the migration scripts).
pub static ADDED_COLUMNS: &[(&str, &str, Fill)] = &[
    ("participant", "finished_at", Fill::Null),
    ("theme", "note", Fill::Null),
    ("study", "originals", Fill::Text("key-store")),
    ("study", "key_id", Fill::Null),
    ("content", "sealed", Fill::Int(0)),
    ("study", "fillers", Fill::Text("keep")),
    ("note", "heard_ms", Fill::Null),
    ("statement", "heard_ms", Fill::Null),
];

pub fn by_name(name: &str) -> Option<&'static Table> {
    ALL.iter().copied().find(|t| t.name == name)
}

// Tables outside the domain that a project copy carries too (audit, undo, counters, texts).
pub static CONTENT: Table = Table {
    name: "content",
    columns: &[("hash", Text), ("participant_id", Text), ("body", Text), ("sealed", Int)],
    participant_column: None,
};
pub static COUNTER: Table =
    Table { name: "counter", columns: &[("kind", Text), ("next", Int)], participant_column: None };
pub static AUDIT_EVENT: Table = Table {
    name: "audit_event",
    columns: &[("seq", Int), ("at", Text), ("author", Text), ("action", Text), ("summary", Text), ("target_seq", Int)],
    participant_column: None,
};
pub static AUDIT_CHANGE: Table = Table {
    name: "audit_change",
    columns: &[
        ("seq", Int),
        ("ordinal", Int),
        ("participant_id", Text),
        ("tbl", Text),
        ("row_id", Text),
        ("before_row", Text),
        ("after_row", Text),
    ],
    participant_column: None,
};
pub static UNDO_ENTRY: Table = Table {
    name: "undo_entry",
    columns: &[("seq", Int), ("author", Text), ("undone", Int), ("undone_by", Int), ("undoable", Int)],
    participant_column: None,
};
/// Withdrawals recorded and not finished (see `erasure.rs`); copied with the project, so a key
/// store's part still to do is not forgotten by `migrate`.
pub static PENDING_ERASURE: Table = Table {
    name: "pending_erasure",
    columns: &[("participant_id", Text), ("author", Text), ("stage", Int), ("key_store", Text), ("recorded_at", Text)],
    participant_column: None,
};

/// The non-domain tables in copy order, each with the column it is ordered by.
pub static BOOKKEEPING: &[(&Table, &str)] = &[
    (&CONTENT, "hash"),
    (&COUNTER, "kind"),
    (&AUDIT_EVENT, "seq"),
    (&AUDIT_CHANGE, "seq, ordinal"),
    (&UNDO_ENTRY, "seq"),
    (&PENDING_ERASURE, "participant_id"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::MIGRATIONS;

    /// Every `ALTER TABLE t ADD COLUMN c … [DEFAULT v]` of the SQLite migrations, in order.
    fn columns_added_by_migrations() -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        for (_, script, _) in MIGRATIONS.iter().skip(1) {
            for statement in script.split(';') {
                let words: Vec<&str> = statement
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .flat_map(str::split_whitespace)
                    .collect();
                if let ["ALTER", "TABLE", table, "ADD", "COLUMN", column, rest @ ..] = words.as_slice() {
                    let default =
                        rest.iter().position(|w| w.eq_ignore_ascii_case("DEFAULT")).map(|i| rest[i + 1].to_owned());
                    out.push((table.to_string(), column.to_string(), default));
                }
            }
        }
        out
    }

    #[test]
    fn added_columns_are_the_ones_the_migrations_add_with_their_defaults() {
        let declared: Vec<(String, String, Option<String>)> = ADDED_COLUMNS
            .iter()
            .map(|(t, c, fill)| {
                let default = match fill {
                    Fill::Null => None,
                    Fill::Int(i) => Some(i.to_string()),
                    Fill::Text(s) => Some(format!("'{s}'")),
                };
                (t.to_string(), c.to_string(), default)
            })
            .collect();
        assert_eq!(declared, columns_added_by_migrations());
    }

    #[test]
    fn added_columns_are_the_trailing_columns_of_their_tables_in_order() {
        for table in ALL.iter().copied().chain(BOOKKEEPING.iter().map(|(t, _)| *t)) {
            let added: Vec<&str> =
                ADDED_COLUMNS.iter().filter(|(t, _, _)| *t == table.name).map(|(_, c, _)| *c).collect();
            let tail: Vec<&str> = table.columns[table.columns.len() - added.len()..].iter().map(|(c, _)| *c).collect();
            assert_eq!(tail, added, "columns added to {} by migrations must close its column list", table.name);
        }
    }

    #[test]
    fn every_domain_table_is_one_kind_of_stored_object_in_order() {
        let tables: Vec<&str> = ALL.iter().map(|t| t.name).collect();
        let kinds: Vec<&str> = crate::StoredKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, tables);
    }
}
