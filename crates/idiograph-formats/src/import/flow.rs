//! The shared reading of word-processor documents (`.docx`, `.odt`): paragraphs and tables as
//! the XML walkers report them, then speaker tables turned into turns.
//!
//! Transcription services often deliver a table with the speaker in one column and the words
//! in the next (sometimes with a time column). A table counts as a speaker table when at least
//! two rows have a speaker label and at least three quarters of its rows (after a header) have
//! 2 or 3 cells of which one looks like a speaker label (see [`looks_like_label`]) or is empty,
//! and the others hold the text and at most one time. Rows with an
//! empty speaker cell continue the previous turn; a header row (`Speaker | Text`) is kept as a
//! paragraph. Other tables become one paragraph per row with the cells separated by tabs.

use super::builder::TextBuilder;
use quick_xml::events::BytesRef;

/// A block of the document body.
enum Item {
    Paragraph(String),
    Table(Vec<Vec<String>>),
}

/// Collects paragraphs and tables from XML events; nested paragraphs (text boxes) and nested
/// tables are flattened into their container.
#[derive(Default)]
pub(super) struct Flow {
    items: Vec<Item>,
    /// Open paragraphs, innermost last.
    paragraphs: Vec<String>,
    /// Table nesting depth; only the outermost table keeps its structure.
    table_depth: usize,
    rows: Vec<Vec<String>>,
    cell: Option<String>,
    /// Text bytes collected so far, to stop pathological documents early.
    pub(super) bytes: usize,
}

impl Flow {
    pub(super) fn new() -> Flow {
        Flow::default()
    }

    pub(super) fn start_paragraph(&mut self) {
        self.paragraphs.push(String::new());
    }

    pub(super) fn end_paragraph(&mut self) {
        let Some(text) = self.paragraphs.pop() else { return };
        if let Some(outer) = self.paragraphs.last_mut() {
            // A text box inside a paragraph: keep its text apart from the sentence around it.
            if !text.trim().is_empty() {
                outer.push('\n');
                outer.push_str(&text);
                outer.push('\n');
            }
        } else if let Some(cell) = self.cell.as_mut() {
            if !cell.is_empty() {
                cell.push('\n');
            }
            cell.push_str(&text);
        } else {
            self.items.push(Item::Paragraph(text));
        }
    }

    /// Text inside the current paragraph (text outside any paragraph is dropped).
    pub(super) fn text(&mut self, text: &str) {
        if let Some(paragraph) = self.paragraphs.last_mut() {
            paragraph.push_str(text);
            self.bytes += text.len();
        }
    }

    /// An XML entity or character reference inside the current paragraph.
    pub(super) fn reference(&mut self, reference: &BytesRef<'_>) {
        if let Some(c) = resolve_reference(reference) {
            let mut buf = [0; 4];
            self.text(c.encode_utf8(&mut buf));
        }
    }

    pub(super) fn start_table(&mut self) {
        self.table_depth += 1;
        if self.table_depth == 1 {
            self.flush_open_paragraphs();
            self.rows.clear();
        }
    }

    pub(super) fn end_table(&mut self) {
        match self.table_depth {
            0 => {}
            1 => {
                self.table_depth = 0;
                self.cell = None;
                let rows = std::mem::take(&mut self.rows);
                self.items.push(Item::Table(rows));
            }
            _ => self.table_depth -= 1,
        }
    }

    pub(super) fn start_row(&mut self) {
        if self.table_depth == 1 {
            self.rows.push(Vec::new());
        }
    }

    pub(super) fn start_cell(&mut self) {
        if self.table_depth == 1 {
            self.cell = Some(String::new());
        }
    }

    pub(super) fn end_cell(&mut self) {
        if self.table_depth == 1 {
            if let Some(cell) = self.cell.take() {
                if let Some(row) = self.rows.last_mut() {
                    row.push(cell);
                }
            }
        }
    }

    /// Paragraphs left open by a table start (malformed input) are closed first.
    fn flush_open_paragraphs(&mut self) {
        while !self.paragraphs.is_empty() {
            self.end_paragraph();
        }
    }

    /// Writes everything into `builder`: paragraphs, speaker tables as turns, other tables
    /// as tab-separated rows.
    pub(super) fn finish(mut self, builder: &mut TextBuilder) {
        self.flush_open_paragraphs();
        if self.table_depth > 0 {
            self.table_depth = 1;
            self.end_table();
        }
        let mut speaker_tables = 0;
        for item in self.items {
            match item {
                Item::Paragraph(text) => builder.paragraph(&text),
                Item::Table(rows) => {
                    if write_speaker_table(&rows, builder) {
                        speaker_tables += 1;
                    } else {
                        for row in rows {
                            let cells: Vec<&str> = row.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
                            builder.paragraph(&cells.join("\t"));
                        }
                    }
                }
            }
        }
        if speaker_tables > 0 {
            builder.note(format!(
                "read {} as speaker | text columns",
                if speaker_tables == 1 { "1 table".to_owned() } else { format!("{speaker_tables} tables") }
            ));
        }
    }
}

/// The predefined XML entities and character references; unknown entities are dropped.
pub(super) fn resolve_reference(reference: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Some(c);
    }
    match reference.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// A speaker row: label, timestamp and text.
struct Row<'a> {
    label: &'a str,
    time: Option<&'a str>,
    text: String,
}

/// Reads a row as (label, time, text) when it has that shape; `Some` with an empty label for a
/// continuation row.
fn speaker_row(row: &[String]) -> Option<Row<'_>> {
    let cells: Vec<&str> = row.iter().map(|c| c.trim()).collect();
    if !(2..=3).contains(&cells.len()) {
        return None;
    }
    let time_index = cells.iter().position(|c| is_time(c));
    let mut rest = cells.iter().enumerate().filter(|(i, _)| Some(*i) != time_index).map(|(_, c)| *c);
    let label = rest.next()?;
    let text: Vec<&str> = rest.collect();
    if text.len() != 1 || (cells.len() == 3 && time_index.is_none()) {
        return None;
    }
    let label = label.strip_suffix(':').unwrap_or(label).trim_end();
    if !label.is_empty() && !looks_like_label(label) {
        return None;
    }
    Some(Row { label, time: time_index.map(|i| cells[i]), text: text[0].to_owned() })
}

/// Writes a speaker table as turns; `false` (writing nothing) when the table is not one.
fn write_speaker_table(rows: &[Vec<String>], builder: &mut TextBuilder) -> bool {
    let non_empty: Vec<&Vec<String>> = rows.iter().filter(|row| row.iter().any(|c| !c.trim().is_empty())).collect();
    let (mut header, mut body) = (None, &non_empty[..]);
    if let Some(first) = non_empty.first() {
        if is_header(first) {
            header = Some(*first);
            body = &non_empty[1..];
        }
    }
    let parsed: Vec<Option<Row<'_>>> = body.iter().map(|row| speaker_row(row)).collect();
    let labelled = parsed.iter().flatten().filter(|row| !row.label.is_empty()).count();
    let speaker_shaped = parsed.iter().flatten().count();
    if labelled < 2 || speaker_shaped * 4 < body.len() * 3 {
        return false;
    }
    if let Some(header) = header {
        let cells: Vec<&str> = header.iter().map(|c| c.trim()).collect();
        builder.paragraph(&cells.join("\t"));
    }
    let mut pending: Option<Row<'_>> = None;
    for (row, raw) in parsed.into_iter().zip(body) {
        match row {
            Some(row) if row.label.is_empty() => match pending.as_mut() {
                Some(turn) => {
                    turn.text.push_str("\n\n");
                    turn.text.push_str(&row.text);
                }
                None => builder.paragraph(&row.text),
            },
            Some(row) => {
                if let Some(turn) = pending.take() {
                    builder.turn(turn.label, turn.time, &turn.text);
                }
                pending = Some(row);
            }
            None => {
                let text: Vec<&str> = raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
                match pending.as_mut() {
                    Some(turn) => {
                        turn.text.push_str("\n\n");
                        turn.text.push_str(&text.join("\t"));
                    }
                    None => builder.paragraph(&text.join("\t")),
                }
            }
        }
    }
    if let Some(turn) = pending {
        builder.turn(turn.label, turn.time, &turn.text);
    }
    true
}

fn is_header(row: &[String]) -> bool {
    const WORDS: [&str; 12] = [
        "speaker",
        "name",
        "person",
        "text",
        "transcript",
        "utterance",
        "time",
        "timestamp",
        "start",
        "content",
        "dialogue",
        "who",
    ];
    row.iter().all(|cell| {
        let cell = cell.trim().trim_end_matches(':').to_lowercase();
        cell.is_empty() || WORDS.contains(&cell.as_str())
    })
}

/// `M:SS`, `MM:SS` or `H:MM:SS` with an optional fraction, possibly in brackets.
pub(super) fn is_time(text: &str) -> bool {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    let main = t.split(['.', ',']).next().unwrap_or("");
    let fraction_ok = t.len() == main.len() || t[main.len() + 1..].bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = main.split(':').collect();
    fraction_ok
        && (2..=3).contains(&parts.len())
        && parts.iter().enumerate().all(|(i, p)| {
            let ok_len = if i == 0 { (1..=2).contains(&p.len()) } else { p.len() == 2 };
            ok_len && p.bytes().all(|b| b.is_ascii_digit())
        })
}

/// A speaker label: 1–60 characters, at most 6 words, starting with a letter, one line,
/// and no sentence punctuation at the end.
pub(super) fn looks_like_label(text: &str) -> bool {
    let chars = text.chars().count();
    let words = text.split_whitespace().count();
    (1..=60).contains(&chars)
        && words <= 6
        && text.chars().next().is_some_and(char::is_alphabetic)
        && !text.contains('\n')
        && !text.ends_with(['.', '?', '!', ','])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::TranscriptFormat;

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|row| row.iter().map(|c| (*c).to_owned()).collect()).collect()
    }

    #[test]
    fn speaker_tables() {
        let mut b = TextBuilder::new();
        let rows = table(&[&["Speaker", "Text"], &["Dan", "Hello there."], &["", "Still Dan."], &["Siobhán:", "Hi!"]]);
        assert!(write_speaker_table(&rows, &mut b));
        let t = b.finish("t.docx", b"", TranscriptFormat::Docx, "utf-8").unwrap();
        assert_eq!(t.text, "Speaker\tText\n\nDan: Hello there.\n\nStill Dan.\n\nSiobhán: Hi!");
        let labels: Vec<_> = t.turns.iter().map(|t| t.label.clone().unwrap()).collect();
        assert_eq!(labels, ["Dan", "Siobhán"]);

        let mut b = TextBuilder::new();
        let rows = table(&[&["00:01", "Dan", "a"], &["00:05", "Sam", "b"]]);
        assert!(write_speaker_table(&rows, &mut b));
        let t = b.finish("t.docx", b"", TranscriptFormat::Docx, "utf-8").unwrap();
        assert_eq!(t.turns[1].timestamp.as_deref(), Some("00:05"));

        let mut b = TextBuilder::new();
        let rows = table(&[&["Item", "Cost", "Notes"], &["Tea", "2", "x"]]);
        assert!(!write_speaker_table(&rows, &mut b));
    }

    #[test]
    fn times() {
        assert!(is_time("0:04") && is_time("00:12:34") && is_time("[01:46]") && is_time("1:02:03.250"));
        assert!(!is_time("Dan") && !is_time("12") && !is_time("1:2") && !is_time("a:bc"));
    }
}
