//! Bytes to text for text-based formats: encoding detection and refusal of non-text content.
//!
//! Detection order: a byte order mark decides (UTF-8, UTF-16 LE/BE); without one, NUL bytes
//! mean binary, valid UTF-8 is UTF-8, and anything else is read as Windows-1252, the usual
//! encoding of older Windows exports (it maps every byte, so it never fails).
//!
//! The decoded text is then checked in one pass over its bytes (no per-character decoding,
//! so ASCII runs at memory speed) for NUL and other control characters (binary content) and
//! for C1 controls and U+FFFD (text that did not really decode).

use super::{count, ImportDiagnostic, ImportError};
use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::borrow::Cow;

/// Text decoded from a file, before normalisation.
pub(super) struct Decoded<'a> {
    /// The decoded text, borrowed from the input when it already was UTF-8 without a BOM.
    pub(super) text: Cow<'a, str>,
    /// The encoding name recorded in the provenance.
    pub(super) encoding: &'static str,
    /// Observations worth telling the user about.
    pub(super) diagnostics: Vec<ImportDiagnostic>,
}

/// Above this share of suspicious characters (1 in 20) a file is refused rather than imported
/// with a warning: real transcripts have none, damaged or binary files have far more.
const SUSPICIOUS_SHARE: usize = 20;

/// Decodes `bytes` into text, refusing empty, binary and undecodable files.
pub(super) fn decode_text<'a>(file_name: &str, bytes: &'a [u8]) -> Result<Decoded<'a>, ImportError> {
    let file = || file_name.to_owned();
    if bytes.is_empty() {
        return Err(ImportError::Empty { file: file() });
    }
    let mut diagnostics = Vec::new();
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        // The BOM declares UTF-8, so a stray invalid byte is damage to report, not a hint
        // that the file is Windows-1252; the share check below refuses heavy damage.
        (String::from_utf8_lossy(rest), "utf-8 (bom)")
    } else if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        (decode_utf16(file_name, rest, UTF_16LE)?, "utf-16le")
    } else if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        (decode_utf16(file_name, rest, UTF_16BE)?, "utf-16be")
    } else if bytes.contains(&0) {
        // Text in single-byte or UTF-8 encodings never contains NUL; UTF-16 without a BOM is
        // not guessed at, since a wrong guess would silently produce garbage.
        return Err(ImportError::Binary { file: file(), reason: "NUL bytes".to_owned() });
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (Cow::Borrowed(text), "utf-8")
    } else {
        diagnostics.push(ImportDiagnostic::new("decoded as windows-1252 (the file is not valid UTF-8)"));
        (WINDOWS_1252.decode_without_bom_handling(bytes).0, "windows-1252")
    };

    let census = Census::of(&text);
    if census.nul > 0 {
        return Err(ImportError::Binary { file: file(), reason: "NUL characters".to_owned() });
    }
    if census.controls * SUSPICIOUS_SHARE > census.chars {
        return Err(ImportError::Binary { file: file(), reason: "control characters".to_owned() });
    }
    if census.undecodable * SUSPICIOUS_SHARE > census.chars {
        return Err(ImportError::Undecodable { file: file(), reason: "too many undecodable characters".to_owned() });
    }
    if text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').is_empty() {
        return Err(ImportError::Blank { file: file() });
    }
    if census.controls > 0 {
        diagnostics.push(ImportDiagnostic::new(format!(
            "{} kept in the text (other than tab, line break and page break)",
            count(census.controls, "control character", "control characters")
        )));
    }
    if census.undecodable > 0 {
        diagnostics.push(ImportDiagnostic::new(format!(
            "{} could not be decoded (shown as U+FFFD or C1 control characters)",
            count(census.undecodable, "character", "characters")
        )));
    }
    Ok(Decoded { text, encoding, diagnostics })
}

/// Decodes the UTF-16 after a BOM strictly: an odd byte count or an unpaired surrogate means the
/// file is not what its BOM claims, and guessing on would put garbage into the corpus.
fn decode_utf16<'a>(
    file_name: &str,
    bytes: &'a [u8],
    encoding: &'static encoding_rs::Encoding,
) -> Result<Cow<'a, str>, ImportError> {
    let invalid = || ImportError::Undecodable { file: file_name.to_owned(), reason: "invalid UTF-16".to_owned() };
    if bytes.len() % 2 == 1 {
        return Err(invalid());
    }
    encoding.decode_without_bom_handling_and_without_replacement(bytes).ok_or_else(invalid)
}

/// Counts of the characters that tell text from non-text.
#[derive(Debug, Default, PartialEq, Eq)]
struct Census {
    /// All characters.
    chars: usize,
    /// U+0000.
    nul: usize,
    /// C0 controls and DEL, except tab, line feed, carriage return, form feed and vertical
    /// tab (Word writes the latter for manual line breaks).
    controls: usize,
    /// C1 controls (what undefined Windows-1252 bytes decode to) and U+FFFD.
    undecodable: usize,
}

impl Census {
    /// Works on UTF-8 bytes: C0 controls are single bytes that never occur inside a multi-byte
    /// sequence, C1 controls are `C2 80..=9F` and U+FFFD is `EF BF BD`.
    fn of(text: &str) -> Census {
        let bytes = text.as_bytes();
        let mut census = Census::default();
        for (i, &byte) in bytes.iter().enumerate() {
            if byte & 0xc0 != 0x80 {
                census.chars += 1;
            }
            match byte {
                0 => census.nul += 1,
                b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {}
                0x01..=0x1f | 0x7f => census.controls += 1,
                0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => census.undecodable += 1,
                0xef if bytes.get(i + 1..i + 3) == Some(&[0xbf, 0xbd]) => census.undecodable += 1,
                _ => {}
            }
        }
        census
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<Decoded<'_>, ImportError> {
        decode_text("t.txt", bytes)
    }

    fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
        let mut bytes = if little_endian { vec![0xff, 0xfe] } else { vec![0xfe, 0xff] };
        for unit in text.encode_utf16() {
            let pair = if little_endian { unit.to_le_bytes() } else { unit.to_be_bytes() };
            bytes.extend_from_slice(&pair);
        }
        bytes
    }

    #[test]
    fn plain_utf8_is_borrowed() {
        let d = decode("Zoë: ça va\n".as_bytes()).unwrap();
        assert!(matches!(d.text, Cow::Borrowed("Zoë: ça va\n")));
        assert_eq!(d.encoding, "utf-8");
        assert!(d.diagnostics.is_empty());
    }

    #[test]
    fn utf8_bom() {
        let d = decode("\u{feff}Zoë: hi".as_bytes()).unwrap();
        assert_eq!(d.text, "Zoë: hi");
        assert_eq!(d.encoding, "utf-8 (bom)");
    }

    #[test]
    fn utf8_bom_with_a_damaged_byte_is_kept_with_a_warning() {
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend_from_slice(b"Dan: a long enough line of text with one bad byte \xff here\n");
        let d = decode(&bytes).unwrap();
        assert!(d.text.contains('\u{fffd}'));
        assert_eq!(
            d.diagnostics[0].message,
            "1 character could not be decoded (shown as U+FFFD or C1 control characters)"
        );
    }

    #[test]
    fn utf16_both_byte_orders() {
        for little_endian in [true, false] {
            let bytes = utf16("Zoë: “hi” 🙂\r\n", little_endian);
            let d = decode(&bytes).unwrap();
            assert_eq!(d.text, "Zoë: “hi” 🙂\r\n");
            assert_eq!(d.encoding, if little_endian { "utf-16le" } else { "utf-16be" });
        }
    }

    #[test]
    fn invalid_utf16_is_refused() {
        let mut odd = utf16("Dan: hi", true);
        odd.push(b'x');
        let unpaired = [0xff, 0xfe, b'a', 0, 0x00, 0xd8, b'b', 0];
        for bytes in [&odd[..], &unpaired[..]] {
            let err = decode_text("x.txt", bytes).err().unwrap();
            assert_eq!(err.to_string(), "x.txt: cannot decode the text (invalid UTF-16)");
        }
    }

    #[test]
    fn windows_1252_fallback() {
        let d = decode(b"Dan: \x93caf\xe9\x94 \x96 ok\n").unwrap();
        assert_eq!(d.text, "Dan: “café” – ok\n");
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.diagnostics[0].message, "decoded as windows-1252 (the file is not valid UTF-8)");
    }

    #[test]
    fn refusals_name_the_file_and_reason() {
        let message = |bytes: &[u8]| decode_text("x.bin", bytes).err().unwrap().to_string();
        assert_eq!(message(b""), "x.bin: the file is empty");
        assert_eq!(message(b" \r\n\t\n"), "x.bin: the file contains only whitespace");
        assert_eq!(message(b"\xef\xbb\xbf \n"), "x.bin: the file contains only whitespace");
        assert_eq!(message(b"Dan: hi\0there"), "x.bin: binary content (NUL bytes), not a transcript");
        assert_eq!(message(&utf16("Dan:\0", true)), "x.bin: binary content (NUL characters), not a transcript");
        assert_eq!(message(b"\x01\x02\x03abc\x04"), "x.bin: binary content (control characters), not a transcript");
        // 0x81 and 0x8d are undefined in Windows-1252 and decode to C1 controls.
        assert_eq!(message(b"ab\x81\x8dcd"), "x.bin: cannot decode the text (too many undecodable characters)");
    }

    #[test]
    fn a_few_control_characters_are_only_reported() {
        let d = decode(b"Dan: this line is long enough to carry one stray \x1a character\n").unwrap();
        assert_eq!(
            d.diagnostics[0].message,
            "1 control character kept in the text (other than tab, line break and page break)"
        );
        let d = decode(b"Dan: soft\x0bbreak and page\x0cbreak\n").unwrap();
        assert!(d.diagnostics.is_empty());
    }

    #[test]
    fn census_counts_characters_not_bytes() {
        let census = Census::of("é\u{85}\u{fffd}\u{1}\0a");
        assert_eq!(census, Census { chars: 6, nul: 1, controls: 1, undecodable: 2 });
    }
}
