//! Text positions as files count them, mapped to byte offsets in canonical text.
//!
//! A source text arrives raw (maybe with a BOM, CRLF, decomposed characters). Canonical text is
//! `idiograph_text::normalize(raw)`. A file's positions count some unit over either the raw
//! text (BOM never counted) or the raw text with CRLF read as one line break; [`TextMap`]
//! converts any of them to a byte offset in the canonical text.

use idiograph_text::{normalize, Span, TextSize, UnitIndex};
use unicode_normalization::char::{canonical_combining_class, compose};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The unit in which a file counts text positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositionUnit {
    /// Unicode code points on the text as stored (CRLF counts 2): the standard's unit (§10.2).
    CodePoints,
    /// Code points with every line break counted as one (ATLAS.ti's reported convention).
    CodePointsLf,
    /// UTF-16 code units on the text as stored, CRLF counting 2 (NVivo for Windows).
    Utf16,
    /// UTF-16 code units with every line break counted as one.
    Utf16Lf,
    /// UTF-8 bytes on the text as stored.
    Utf8Bytes,
}

impl PositionUnit {
    /// Every unit, in the order ties are broken after the expected one.
    pub const ALL: [PositionUnit; 5] = [
        PositionUnit::CodePoints,
        PositionUnit::CodePointsLf,
        PositionUnit::Utf16,
        PositionUnit::Utf16Lf,
        PositionUnit::Utf8Bytes,
    ];

    /// A phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            PositionUnit::CodePoints => "Unicode code points (CRLF counted as 2)",
            PositionUnit::CodePointsLf => "Unicode code points with CRLF counted as 1",
            PositionUnit::Utf16 => "UTF-16 code units (CRLF counted as 2)",
            PositionUnit::Utf16Lf => "UTF-16 code units with CRLF counted as 1",
            PositionUnit::Utf8Bytes => "UTF-8 bytes",
        }
    }

    /// The unit a producing tool is known (or reported) to use, from `Project@origin`.
    pub fn expected_for_origin(origin: Option<&str>) -> PositionUnit {
        let origin = origin.unwrap_or("").to_ascii_lowercase();
        if origin.contains("nvivo") {
            PositionUnit::Utf16
        } else if origin.contains("atlas") {
            PositionUnit::CodePointsLf
        } else {
            PositionUnit::CodePoints
        }
    }

    fn counts_crlf_as_one(self) -> bool {
        matches!(self, PositionUnit::CodePointsLf | PositionUnit::Utf16Lf)
    }
}

/// One place where offsets stop advancing in lockstep between two versions of a text.
#[derive(Clone, Copy, Debug)]
struct Edit {
    from: u32,
    from_len: u32,
    to: u32,
    to_len: u32,
}

/// Maps an offset across edits; offsets inside an edited stretch round down (starts) or up
/// (ends) to the stretch's bounds.
fn map_offset(edits: &[Edit], x: u32, round_up: bool) -> u32 {
    let after = edits.partition_point(|e| e.from <= x);
    let Some(e) = after.checked_sub(1).map(|i| edits[i]) else { return x };
    if x == e.from {
        e.to
    } else if x < e.from + e.from_len {
        if round_up {
            e.to + e.to_len
        } else {
            e.to
        }
    } else {
        e.to + e.to_len + (x - e.from - e.from_len)
    }
}

/// A source text in its raw form, its line-break-normalised form and its canonical form, with
/// the offset maps between them.
pub(crate) struct TextMap {
    raw: String,
    lf: Option<String>,
    canonical: String,
    raw_to_lf: Vec<Edit>,
    lf_to_canonical: Vec<Edit>,
    raw_index: Option<UnitIndex>,
    lf_index: Option<UnitIndex>,
}

impl TextMap {
    /// `raw` is the decoded text; a leading BOM is removed (never counted).
    pub fn new(raw: &str) -> TextMap {
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw).to_owned();
        let (lf, raw_to_lf) = if raw.contains('\r') {
            let mut lf = String::with_capacity(raw.len());
            let mut edits = Vec::new();
            let bytes = raw.as_bytes();
            let mut last = 0;
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\r' {
                    lf.push_str(&raw[last..i]);
                    if bytes.get(i + 1) == Some(&b'\n') {
                        edits.push(Edit { from: i as u32, from_len: 1, to: lf.len() as u32, to_len: 0 });
                    } else {
                        lf.push('\n');
                    }
                    last = i + 1;
                }
            }
            lf.push_str(&raw[last..]);
            (Some(lf), edits)
        } else {
            (None, Vec::new())
        };
        let base = lf.as_deref().unwrap_or(&raw);
        let (canonical, lf_to_canonical) = nfc_with_map(base);
        debug_assert_eq!(canonical, normalize(&raw));
        TextMap { raw, lf, canonical, raw_to_lf, lf_to_canonical, raw_index: None, lf_index: None }
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn into_canonical(self) -> String {
        self.canonical
    }

    fn ensure_index(&mut self, lf_variant: bool) {
        if lf_variant && self.lf.is_some() {
            if self.lf_index.is_none() {
                self.lf_index = Some(UnitIndex::new(self.lf.as_deref().unwrap_or("")));
            }
        } else if self.raw_index.is_none() {
            self.raw_index = Some(UnitIndex::new(&self.raw));
        }
    }

    /// The canonical byte offset of a position counted in `unit`, or `None` when it lies past
    /// the end or inside a character.
    fn offset(&mut self, unit: PositionUnit, position: u64, round_up: bool) -> Option<u32> {
        let lf_variant = unit.counts_crlf_as_one() && self.lf.is_some();
        self.ensure_index(lf_variant);
        let (text, index) = if lf_variant {
            (self.lf.as_deref().unwrap_or(""), self.lf_index.as_ref()?)
        } else {
            (self.raw.as_str(), self.raw_index.as_ref()?)
        };
        let position = usize::try_from(position).ok()?;
        let byte = match unit {
            PositionUnit::CodePoints | PositionUnit::CodePointsLf => index.char_to_byte(position)?.to_u32(),
            PositionUnit::Utf16 | PositionUnit::Utf16Lf => index.utf16_to_byte(position)?.to_u32(),
            PositionUnit::Utf8Bytes => {
                if position > text.len() || !text.is_char_boundary(position) {
                    return None;
                }
                position as u32
            }
        };
        let lf_byte = if lf_variant { byte } else { map_offset(&self.raw_to_lf, byte, round_up) };
        Some(map_offset(&self.lf_to_canonical, lf_byte, round_up))
    }

    /// The canonical span of `[start, end)` counted in `unit`.
    pub fn span(&mut self, unit: PositionUnit, start: u64, end: u64) -> Result<Span, PositionProblem> {
        if start > end {
            return Err(PositionProblem::Reversed);
        }
        let s = self.offset(unit, start, false).ok_or(PositionProblem::OutOfText)?;
        let e = self.offset(unit, end, true).ok_or(PositionProblem::OutOfText)?;
        Span::new(&self.canonical, s as usize, e as usize).map_err(|_| PositionProblem::OutOfText)
    }

    /// Length of the raw text in `unit`, for messages.
    pub fn len_in(&mut self, unit: PositionUnit) -> usize {
        let lf_variant = unit.counts_crlf_as_one() && self.lf.is_some();
        self.ensure_index(lf_variant);
        let index = if lf_variant { self.lf_index.as_ref() } else { self.raw_index.as_ref() };
        match (unit, index) {
            (PositionUnit::Utf8Bytes, _) => self.raw.len(),
            (PositionUnit::Utf16 | PositionUnit::Utf16Lf, Some(i)) => i.utf16_len(),
            (_, Some(i)) => i.char_len(),
            (_, None) => 0,
        }
    }
}

/// Why a selection's positions do not make a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PositionProblem {
    Reversed,
    OutOfText,
}

/// Whether a canonical byte offset lies inside a word (letters or digits on both sides).
pub(crate) fn mid_word(text: &str, offset: TextSize) -> bool {
    let i = offset.to_usize();
    let before = text[..i].chars().next_back();
    let after = text[i..].chars().next();
    matches!((before, after), (Some(b), Some(a)) if b.is_alphanumeric() && a.is_alphanumeric())
}

/// NFC of `text` with a map from its offsets to the result's offsets.
fn nfc_with_map(text: &str) -> (String, Vec<Edit>) {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return (text.to_owned(), Vec::new());
    }
    let expected: String = text.nfc().collect();
    for fine in [true, false] {
        let (out, edits) = nfc_chunks(text, fine);
        if out == expected {
            return (out, edits);
        }
    }
    let edits = vec![Edit { from: 0, from_len: text.len() as u32, to: 0, to_len: expected.len() as u32 }];
    (expected, edits)
}

/// Normalises `text` chunk by chunk. A chunk starts before every ASCII character and, when
/// `fine`, before every starter that does not compose with the character before it.
fn nfc_chunks(text: &str, fine: bool) -> (String, Vec<Edit>) {
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::new();
    let mut chunk_start = 0;
    let mut prev: Option<char> = None;
    let flush = |start: usize, end: usize, out: &mut String, edits: &mut Vec<Edit>| {
        let chunk = &text[start..end];
        if chunk.is_empty() {
            return;
        }
        if chunk.is_ascii() || is_nfc_quick(chunk.chars()) == IsNormalized::Yes {
            out.push_str(chunk);
            return;
        }
        let n: String = chunk.nfc().collect();
        if n != chunk {
            edits.push(Edit {
                from: start as u32,
                from_len: chunk.len() as u32,
                to: out.len() as u32,
                to_len: n.len() as u32,
            });
        }
        out.push_str(&n);
    };
    for (i, c) in text.char_indices() {
        let boundary = i > 0
            && (c.is_ascii()
                || (fine
                    && canonical_combining_class(c) == 0
                    && prev.is_some_and(|p| compose(p, c).is_none())
                    && !('\u{1160}'..='\u{11FF}').contains(&c)));
        if boundary {
            flush(chunk_start, i, &mut out, &mut edits);
            chunk_start = i;
        }
        prev = Some(c);
    }
    flush(chunk_start, text.len(), &mut out, &mut edits);
    (out, edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_unit_on_crlf_bom_and_emoji() {
        // raw: "a🙂\r\nbé" with BOM; canonical "a🙂\nbé"
        let mut map = TextMap::new("\u{feff}a🙂\r\nbé");
        assert_eq!(map.canonical(), "a🙂\nbé");
        let b_canon = "a🙂\n".len();
        // position of "b": code points raw 4, LF 3; UTF-16 raw 5, LF 4; bytes raw 7
        for (unit, pos) in [
            (PositionUnit::CodePoints, 4),
            (PositionUnit::CodePointsLf, 3),
            (PositionUnit::Utf16, 5),
            (PositionUnit::Utf16Lf, 4),
            (PositionUnit::Utf8Bytes, 7),
        ] {
            let len = if unit == PositionUnit::Utf8Bytes { 3 } else { 2 };
            let span = map.span(unit, pos, pos + len).unwrap();
            assert_eq!(span.start().to_usize(), b_canon, "{unit:?}");
            assert_eq!(span.slice(map.canonical()), "bé", "{unit:?}");
        }
        assert_eq!(map.span(PositionUnit::Utf16, 2, 3), Err(PositionProblem::OutOfText)); // inside 🙂
        assert_eq!(map.span(PositionUnit::CodePoints, 3, 99), Err(PositionProblem::OutOfText));
        assert_eq!(map.span(PositionUnit::CodePoints, 3, 2), Err(PositionProblem::Reversed));
    }

    #[test]
    fn maps_through_nfc() {
        // "Cafe\u{301} ok": the decomposed é composes; " ok" shifts by one byte less
        let mut map = TextMap::new("Cafe\u{301} ok");
        assert_eq!(map.canonical(), "Café ok");
        let span = map.span(PositionUnit::CodePoints, 0, 5).unwrap();
        assert_eq!(span.slice(map.canonical()), "Café");
        let span = map.span(PositionUnit::CodePoints, 6, 8).unwrap();
        assert_eq!(span.slice(map.canonical()), "ok");
        // inside the decomposed pair: start rounds down, end rounds up
        let span = map.span(PositionUnit::CodePoints, 4, 4).unwrap();
        assert_eq!(span.start(), span.end().min(span.start()));
    }

    #[test]
    fn hangul_and_long_runs_fall_back_correctly() {
        let raw: String = "한국어 테스트".nfd().collect();
        let mut map = TextMap::new(&raw);
        assert_eq!(map.canonical(), "한국어 테스트");
        let chars: Vec<char> = raw.chars().collect();
        let space = chars.iter().position(|&c| c == ' ').unwrap() as u64;
        let span = map.span(PositionUnit::CodePoints, space + 1, chars.len() as u64).unwrap();
        assert_eq!(span.slice(map.canonical()), "테스트");
    }
}
