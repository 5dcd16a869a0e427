//! Canonical transcript text and the offset vocabulary of Idiograph.
//!
//! Every position in the system is a UTF-8 byte offset into the canonical text of one
//! immutable transcript version. This crate says what canonical text is ([`normalize`]), how
//! offsets make checked [`Span`]s, how they convert to the characters and UTF-16 units other
//! tools count in ([`UnitIndex`]), how a transcript is laid out in numbered lines and pages
//! for citations ([`Layout`]), and how a quote is found again in a revised transcript
//! ([`Quote`]).
//!
//! ```
//! use idiograph_text::{normalize, Layout, LayoutParams, Span};
//!
//! let text = normalize("Interviewer: How was it?\r\nOlivia: Hard at first, then it felt like home.\r\n");
//! let layout = Layout::compute(&text, LayoutParams::new(20, 5)?);
//! assert_eq!(layout.line_text(&text, 4), Some("first, then it felt"));
//!
//! let start = text.find("Hard").unwrap();
//! let end = text.find(" home").unwrap();
//! let span = Span::new(&text, start, end)?;
//! assert_eq!(layout.span_lines(span).to_string(), "p. 1, ll. 3–5");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod edit;
mod layout;
mod quote;
mod span;
mod units;

pub use crate::edit::{apply_edits, Edit, EditError, EditMap};
pub use crate::layout::{Layout, LayoutError, LayoutParams, LinePos, LineRange};
pub use crate::quote::Quote;
pub use crate::span::{Span, SpanError, TextSize};
pub use crate::units::UnitIndex;

use unicode_normalization::UnicodeNormalization;

/// Turns decoded text into canonical transcript text: no BOM, LF line endings, Unicode NFC.
///
/// ```
/// assert_eq!(idiograph_text::normalize("\u{feff}Cafe\u{301}\r\nok\r"), "Café\nok\n");
/// ```
pub fn normalize(input: &str) -> String {
    normalize_owned(input.to_owned())
}

/// [`normalize`] for text the caller owns: BOM and line endings are fixed in place, and text
/// that is already NFC is returned without a copy, so importing a 45 MB transcript does not
/// hold it three times over.
///
/// ```
/// assert_eq!(idiograph_text::normalize_owned("a\r\nb\rc".to_owned()), "a\nb\nc");
/// ```
pub fn normalize_owned(input: String) -> String {
    let mut bytes = input.into_bytes();
    if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.drain(..3);
    }
    if bytes.contains(&b'\r') {
        // CR LF → LF and a lone CR → LF, compacting in place; both are ASCII, so every other
        // byte, and so every character, is kept whole.
        let mut write = 0;
        for read in 0..bytes.len() {
            let b = bytes[read];
            if b == b'\r' && bytes.get(read + 1) == Some(&b'\n') {
                continue;
            }
            bytes[write] = if b == b'\r' { b'\n' } else { b };
            write += 1;
        }
        bytes.truncate(write);
    }
    // Valid UTF-8 came in and only ASCII bytes were removed or changed.
    let lf = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    if unicode_normalization::is_nfc_quick(lf.chars()) == unicode_normalization::IsNormalized::Yes {
        lf
    } else {
        lf.nfc().collect()
    }
}
