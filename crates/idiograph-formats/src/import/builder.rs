//! Canonical text from structured documents (`.docx`, `.odt`, `.rtf`, `.pdf`, `.vtt`, `.srt`).
//!
//! Importers that read a structure rather than a text file push paragraphs, and turns whose
//! speaker they already know (a table row, a WebVTT voice tag), into a [`TextBuilder`]. Each
//! piece is cleaned (control characters dropped, CR/LF unified, NFC) as it is appended, so the
//! offsets recorded for explicit turns stay valid in the final canonical text. When the
//! document gave no explicit turns, the text goes through the same `speakers` scan as a `.txt`
//! file, so `Name:` paragraphs in a Word file and Teams' `Name   0:04` lines are found too.
//!
//! Paragraphs are separated by a blank line, as in the plain-text exports researchers keep;
//! line breaks inside a paragraph stay single line breaks.

use super::speakers::find_turns;
use super::{provenance, ImportDiagnostic, ImportError, ImportedTranscript, ImportedTurn, TranscriptFormat};
use idiograph_text::Span;

/// Longest label kept for an explicit turn, in characters.
const MAX_EXPLICIT_LABEL: usize = 100;

/// An explicit turn: byte ranges into the builder's text.
struct Explicit {
    start: usize,
    end: usize,
    label: (usize, usize),
    timestamp: Option<String>,
}

/// Accumulates canonical text and explicit turns; see the module documentation.
#[derive(Default)]
pub(super) struct TextBuilder {
    text: String,
    turns: Vec<Explicit>,
    /// Non-fatal observations collected by the importer.
    pub(super) diagnostics: Vec<ImportDiagnostic>,
}

impl TextBuilder {
    pub(super) fn new() -> TextBuilder {
        TextBuilder::default()
    }

    /// Records a non-fatal observation.
    pub(super) fn note(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.diagnostics.iter().any(|d| d.message == message) {
            self.diagnostics.push(ImportDiagnostic::new(message));
        }
    }

    fn separate(&mut self) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
    }

    /// Appends a paragraph (skipped when blank). Inner line breaks are kept.
    pub(super) fn paragraph(&mut self, text: &str) {
        let clean = clean(text);
        let trimmed = clean.trim_matches(|c: char| c.is_whitespace());
        if trimmed.is_empty() {
            return;
        }
        self.separate();
        self.text.push_str(trimmed);
    }

    /// Appends a turn written as `[timestamp] label: body`; the body may be empty.
    pub(super) fn turn(&mut self, label: &str, timestamp: Option<&str>, body: &str) {
        let label: String = clean(label).split_whitespace().collect::<Vec<_>>().join(" ");
        let label: String = label.chars().take(MAX_EXPLICIT_LABEL).collect();
        if label.is_empty() {
            self.paragraph(body);
            return;
        }
        let body = clean(body);
        let body = body.trim_matches(|c: char| c.is_whitespace());
        let timestamp = timestamp.map(str::trim).filter(|t| !t.is_empty() && !t.contains(['\n', ']']));
        self.separate();
        let start = self.text.len();
        if let Some(time) = timestamp {
            self.text.push('[');
            self.text.push_str(time);
            self.text.push_str("] ");
        }
        let label_start = self.text.len();
        self.text.push_str(&label);
        let label_end = self.text.len();
        self.text.push(':');
        if !body.is_empty() {
            self.text.push(' ');
            self.text.push_str(body);
        }
        self.turns.push(Explicit {
            start,
            end: self.text.len(),
            label: (label_start, label_end),
            timestamp: timestamp.map(str::to_owned),
        });
    }

    /// Finishes the transcript: explicit turns when there are any, else the `speakers` scan.
    pub(super) fn finish(
        self,
        file_name: &str,
        bytes: &[u8],
        format: TranscriptFormat,
        encoding: &str,
    ) -> Result<ImportedTranscript, ImportError> {
        let TextBuilder { text, turns: explicit, mut diagnostics } = self;
        if text.trim().is_empty() {
            return Err(ImportError::Blank { file: file_name.to_owned() });
        }
        if u32::try_from(text.len()).is_err() {
            return Err(ImportError::TooLarge {
                file: file_name.to_owned(),
                size: text.len() as u64,
                limit: u32::MAX.into(),
            });
        }
        // Pieces were normalised one by one and joined at line breaks, which NFC never
        // composes across; the check guards the offsets anyway.
        let canonical = idiograph_text::normalize(&text);
        let (text, turns) = if canonical == text && !explicit.is_empty() {
            let turns = explicit
                .iter()
                .filter_map(|turn| {
                    let span = Span::new(&text, turn.start, turn.end).ok()?;
                    let label_span = Span::new(&text, turn.label.0, turn.label.1).ok()?;
                    Some(ImportedTurn {
                        span,
                        label: Some(label_span.slice(&text).to_owned()),
                        label_span: Some(label_span),
                        timestamp: turn.timestamp.clone(),
                    })
                })
                .collect();
            (text, turns)
        } else {
            let (turns, found) = find_turns(&canonical);
            diagnostics.extend(found);
            (canonical, turns)
        };
        Ok(ImportedTranscript { provenance: provenance(file_name, bytes, format, encoding), text, turns, diagnostics })
    }
}

/// Drops control characters other than tab and line feed, turns CR and CRLF (and the vertical
/// tab Word uses for manual breaks) into LF, and normalises to NFC.
pub(super) fn clean(text: &str) -> String {
    let needs_work = text.bytes().any(|b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f || b >= 0x80);
    if !needs_work {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{0b}' | '\u{0c}' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' | '\n' => out.push(c),
            '\u{feff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    idiograph_text::normalize(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_turns_and_paragraphs() {
        let mut b = TextBuilder::new();
        b.paragraph("  Title\r\n ");
        b.turn("Zoe\u{308}  Ødegård", Some("00:00:04.180"), "Hello\u{0}there");
        b.turn("Siobhán", None, "");
        let t = b.finish("x.vtt", b"raw", TranscriptFormat::WebVtt, "utf-8").unwrap();
        assert_eq!(t.text, "Title\n\n[00:00:04.180] Zoë Ødegård: Hellothere\n\nSiobhán:");
        assert_eq!(t.turns.len(), 2);
        assert_eq!(t.turns[0].label.as_deref(), Some("Zoë Ødegård"));
        assert_eq!(t.turns[0].span.slice(&t.text), "[00:00:04.180] Zoë Ødegård: Hellothere");
        assert_eq!(t.turns[0].timestamp.as_deref(), Some("00:00:04.180"));
        assert_eq!(t.turns[1].span.slice(&t.text), "Siobhán:");
    }

    #[test]
    fn without_explicit_turns_the_text_is_scanned() {
        let mut b = TextBuilder::new();
        b.paragraph("Dan: hi");
        b.paragraph("Sam: yo");
        let t = b.finish("x.docx", b"raw", TranscriptFormat::Docx, "utf-8").unwrap();
        assert_eq!(t.turns.len(), 2);
        let b = TextBuilder::new();
        assert!(matches!(b.finish("x.docx", b"", TranscriptFormat::Docx, "utf-8"), Err(ImportError::Blank { .. })));
    }
}
