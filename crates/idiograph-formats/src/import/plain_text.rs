//! The plain text importer: `.txt` transcripts (`.md` has its own, `markdown`, which hands text
//! without bold labels to the same speaker scan).
//!
//! Pipeline: size check, SHA-256 of the original bytes, decoding (see `decode`), `normalize`,
//! speaker turns (see `speakers`).
//!
//! Cost: a few linear passes over the bytes (hash, UTF-8 check, census, normalisation, line
//! scan) and at most two copies of the text, with no per-line allocation.

use super::decode::decode_text;
use super::speakers::find_turns;
use super::{provenance, ImportError, ImportedTranscript, Importer, TranscriptFormat};

/// Imports plain text transcripts; use [`PlainTextImporter::TEXT`], or let
/// [`crate::import_transcript`] choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainTextImporter {
    format: TranscriptFormat,
}

impl PlainTextImporter {
    /// The importer for `.txt` files.
    pub const TEXT: PlainTextImporter = PlainTextImporter { format: TranscriptFormat::PlainText };
}

impl Importer for PlainTextImporter {
    fn format(&self) -> TranscriptFormat {
        self.format
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        let decoded = decode_text(file_name, bytes)?;
        let text = idiograph_text::normalize_owned(decoded.text.into_owned());
        // Spans are 32-bit; decoding can grow the text (up to 3x for Windows-1252), so the
        // byte limit alone does not guarantee this.
        if u32::try_from(text.len()).is_err() {
            return Err(ImportError::TooLarge {
                file: file_name.to_owned(),
                size: text.len() as u64,
                limit: u32::MAX.into(),
            });
        }
        let (turns, turn_diagnostics) = find_turns(&text);
        let mut diagnostics = decoded.diagnostics;
        diagnostics.extend(turn_diagnostics);
        Ok(ImportedTranscript {
            provenance: provenance(file_name, bytes, self.format, decoded.encoding),
            text,
            turns,
            diagnostics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportOptions;

    fn import(bytes: &[u8]) -> ImportedTranscript {
        PlainTextImporter::TEXT.import("t.txt", bytes, &ImportOptions::default()).unwrap()
    }

    #[test]
    fn crlf_input_becomes_lf_and_spans_follow() {
        let t = import(b"Dan: one\r\n\r\nSam: two\r\nmore\r\n");
        assert_eq!(t.text, "Dan: one\n\nSam: two\nmore\n");
        let spans: Vec<_> = t.turns.iter().map(|turn| turn.span.slice(&t.text)).collect();
        assert_eq!(spans, ["Dan: one", "Sam: two\nmore"]);
        assert_eq!(t.provenance.encoding, "utf-8");
        assert_eq!(t.provenance.format, TranscriptFormat::PlainText);
        assert!(t.diagnostics.is_empty());
    }

    #[test]
    fn text_is_nfc() {
        let t = import("Zoe\u{308}: cafe\u{301}\n".as_bytes());
        assert_eq!(t.text, "Zoë: café\n");
        assert_eq!(t.turns[0].label.as_deref(), Some("Zoë"));
    }

    #[test]
    fn encodings_end_up_in_provenance_and_diagnostics() {
        let t = import(b"Dan: \x93quoted\x94\r\n");
        assert_eq!(t.text, "Dan: \u{201c}quoted\u{201d}\n");
        assert_eq!(t.provenance.encoding, "windows-1252");
        assert_eq!(t.diagnostics[0].message, "decoded as windows-1252 (the file is not valid UTF-8)");

        let mut utf16be = vec![0xfe, 0xff];
        utf16be.extend("Zoë: hi\r\n".encode_utf16().flat_map(u16::to_be_bytes));
        let t = import(&utf16be);
        assert_eq!((t.text.as_str(), t.provenance.encoding.as_str()), ("Zoë: hi\n", "utf-16be"));
        assert_eq!(t.provenance.byte_len, utf16be.len() as u64);
    }
}
