//! Canonical transcript text and the offset vocabulary of Idiograph.
//!
//! Every position in the system is a UTF-8 byte offset into the canonical text of one
//! immutable transcript version. This crate says what canonical text is ([`normalize`]).

mod span;

pub use crate::span::{Span, SpanError, TextSize};

use unicode_normalization::UnicodeNormalization;

/// Turns decoded text into canonical transcript text: no BOM, LF line endings, Unicode NFC.
///
/// ```
/// assert_eq!(idiograph_text::normalize("\u{feff}Cafe\u{301}\r\nok\r"), "Café\nok\n");
/// ```
pub fn normalize(input: &str) -> String {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let lf = if input.contains('\r') {
        input.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        input.to_owned()
    };
    if unicode_normalization::is_nfc_quick(lf.chars()) == unicode_normalization::IsNormalized::Yes {
        lf
    } else {
        lf.nfc().collect()
    }
}
