//! Conversions between byte offsets and the units other systems count in.
//!
//! Inside Idiograph every offset is a UTF-8 byte offset. At the edges other units appear: the
//! CLI counts characters (Unicode scalar values, which REFI-QDA calls code points) and the
//! browser counts UTF-16 code units. [`UnitIndex`] converts between them.

use crate::span::{Span, SpanError, TextSize};

/// One non-ASCII character: where it starts in each unit and how wide it is in bytes and in
/// UTF-16 code units (it is always one character wide).
///
/// Only non-ASCII characters are recorded because between two of them every unit advances in
/// lockstep, so a binary search over this table answers any conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide {
    byte: u32,
    char: u32,
    utf16: u32,
    bytes: u8,
    utf16_units: u8,
}

/// The unit an offset is counted in.
#[derive(Clone, Copy)]
enum Unit {
    Byte,
    Char,
    Utf16,
}

impl Wide {
    fn start(self, unit: Unit) -> u32 {
        match unit {
            Unit::Byte => self.byte,
            Unit::Char => self.char,
            Unit::Utf16 => self.utf16,
        }
    }

    fn width(self, unit: Unit) -> u32 {
        match unit {
            Unit::Byte => u32::from(self.bytes),
            Unit::Char => 1,
            Unit::Utf16 => u32::from(self.utf16_units),
        }
    }
}

/// Converts offsets over one text between UTF-8 bytes, characters (Unicode scalar values) and
/// UTF-16 code units.
///
/// Build it once per text; each conversion is then a binary search over the text's non-ASCII
/// characters, and constant time for ASCII text, where all three units coincide.
///
/// ```
/// use idiograph_text::{TextSize, UnitIndex};
/// let index = UnitIndex::new("né 🙂!");
/// assert_eq!(index.char_to_byte(4), Some(TextSize::new(8)));
/// assert_eq!(index.byte_to_utf16(TextSize::new(8)), 5);
/// assert_eq!(index.utf16_to_byte(4), None); // inside the surrogate pair of 🙂
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitIndex {
    wide: Vec<Wide>,
    byte_len: u32,
    char_len: u32,
    utf16_len: u32,
}

impl UnitIndex {
    /// Indexes `text` for conversions.
    pub fn new(text: &str) -> UnitIndex {
        let byte_len = text.len() as u32;
        if text.is_ascii() {
            return UnitIndex { wide: Vec::new(), byte_len, char_len: byte_len, utf16_len: byte_len };
        }
        let mut wide = Vec::new();
        let (mut char, mut utf16) = (0u32, 0u32);
        for (byte, c) in text.char_indices() {
            let utf16_units = c.len_utf16() as u32;
            if !c.is_ascii() {
                wide.push(Wide {
                    byte: byte as u32,
                    char,
                    utf16,
                    bytes: c.len_utf8() as u8,
                    utf16_units: utf16_units as u8,
                });
            }
            char += 1;
            utf16 += utf16_units;
        }
        UnitIndex { wide, byte_len, char_len: char, utf16_len: utf16 }
    }

    /// Whether the text is pure ASCII, so that bytes, characters and UTF-16 units coincide.
    pub fn is_ascii(&self) -> bool {
        self.wide.is_empty()
    }

    /// The length of the text in characters.
    pub fn char_len(&self) -> usize {
        self.char_len as usize
    }

    /// The length of the text in UTF-16 code units.
    pub fn utf16_len(&self) -> usize {
        self.utf16_len as usize
    }

    /// The byte offset of character offset `chars`, or `None` past the end of the text.
    pub fn char_to_byte(&self, chars: usize) -> Option<TextSize> {
        let chars = u32::try_from(chars).ok().filter(|&c| c <= self.char_len)?;
        Some(TextSize::new(self.convert(chars, Unit::Char, Unit::Byte).0))
    }

    /// The character offset of a byte offset.
    ///
    /// An offset inside a multi-byte character counts as that character's start, and one past
    /// the end of the text as the end.
    pub fn byte_to_char(&self, offset: TextSize) -> usize {
        self.convert(offset.to_u32().min(self.byte_len), Unit::Byte, Unit::Char).0 as usize
    }

    /// The byte offset of UTF-16 offset `units`, or `None` when it falls inside a surrogate
    /// pair or past the end of the text.
    pub fn utf16_to_byte(&self, units: usize) -> Option<TextSize> {
        let units = u32::try_from(units).ok().filter(|&u| u <= self.utf16_len)?;
        let (byte, on_boundary) = self.convert(units, Unit::Utf16, Unit::Byte);
        on_boundary.then_some(TextSize::new(byte))
    }

    /// The UTF-16 offset of a byte offset.
    ///
    /// An offset inside a multi-byte character counts as that character's start, and one past
    /// the end of the text as the end.
    pub fn byte_to_utf16(&self, offset: TextSize) -> usize {
        self.convert(offset.to_u32().min(self.byte_len), Unit::Byte, Unit::Utf16).0 as usize
    }

    /// Makes a span from character offsets, as the CLI and REFI-QDA give them.
    ///
    /// Errors report offsets and lengths in characters.
    pub fn span_from_chars(&self, start: usize, end: usize) -> Result<Span, SpanError> {
        self.span_from(start, end, self.char_len(), |offset| self.char_to_byte(offset))
    }

    /// Makes a span from UTF-16 offsets, as the browser gives them.
    ///
    /// Errors report offsets and lengths in UTF-16 code units; an offset inside a surrogate
    /// pair is [`SpanError::NotCharBoundary`].
    pub fn span_from_utf16(&self, start: usize, end: usize) -> Result<Span, SpanError> {
        self.span_from(start, end, self.utf16_len(), |offset| self.utf16_to_byte(offset))
    }

    /// The span's start and end in characters.
    pub fn span_to_chars(&self, span: Span) -> (usize, usize) {
        (self.byte_to_char(span.start()), self.byte_to_char(span.end()))
    }

    /// The span's start and end in UTF-16 code units.
    pub fn span_to_utf16(&self, span: Span) -> (usize, usize) {
        (self.byte_to_utf16(span.start()), self.byte_to_utf16(span.end()))
    }

    fn span_from(
        &self,
        start: usize,
        end: usize,
        len: usize,
        to_byte: impl Fn(usize) -> Option<TextSize>,
    ) -> Result<Span, SpanError> {
        if start > end {
            return Err(SpanError::Reversed { start, end });
        }
        if end > len {
            return Err(SpanError::OutOfBounds { end, len });
        }
        let start_byte = to_byte(start).ok_or(SpanError::NotCharBoundary { offset: start })?;
        let end_byte = to_byte(end).ok_or(SpanError::NotCharBoundary { offset: end })?;
        Ok(Span::from_bounds(start_byte, end_byte))
    }

    /// Converts an in-range offset between units; the flag says whether it lay on a character
    /// boundary (if not, the result is the start of the character it falls in).
    fn convert(&self, value: u32, from: Unit, to: Unit) -> (u32, bool) {
        let after = self.wide.partition_point(|w| w.start(from) <= value);
        let Some(&w) = after.checked_sub(1).map(|i| &self.wide[i]) else {
            // Everything before the first non-ASCII character is one unit per character.
            return (value, true);
        };
        let w_end = w.start(from) + w.width(from);
        if value == w.start(from) {
            (w.start(to), true)
        } else if value < w_end {
            (w.start(to), false)
        } else {
            (w.start(to) + w.width(to) + (value - w_end), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_has_identical_units() {
        let index = UnitIndex::new("hello");
        assert!(index.is_ascii());
        assert_eq!(index.char_to_byte(5), Some(TextSize::new(5)));
        assert_eq!(index.char_to_byte(6), None);
        assert_eq!(index.byte_to_utf16(TextSize::new(3)), 3);
        assert_eq!(index.span_to_chars(Span::full("hello")), (0, 5));
    }

    #[test]
    fn mixed_text_converts_each_unit() {
        // bytes:  a=0 é=1..3 🙂=3..7 b=7 中=8..11 end=11
        // chars:  a=0 é=1 🙂=2 b=3 中=4 end=5
        // utf16:  a=0 é=1 🙂=2..4 b=4 中=5 end=6
        let text = "aé🙂b中";
        let index = UnitIndex::new(text);
        assert!(!index.is_ascii());
        assert_eq!((index.char_len(), index.utf16_len()), (5, 6));
        let bytes: Vec<_> = (0..=5).map(|c| index.char_to_byte(c).unwrap().to_u32()).collect();
        assert_eq!(bytes, [0, 1, 3, 7, 8, 11]);
        assert_eq!(index.utf16_to_byte(3), None);
        assert_eq!(index.utf16_to_byte(4), Some(TextSize::new(7)));
        assert_eq!(index.utf16_to_byte(7), None);
        assert_eq!(index.byte_to_char(TextSize::new(8)), 4);
        assert_eq!(index.byte_to_utf16(TextSize::new(11)), 6);
        // Inside 🙂 rounds down to its start; past the end clamps.
        assert_eq!(index.byte_to_utf16(TextSize::new(5)), 2);
        assert_eq!(index.byte_to_char(TextSize::new(99)), 5);
    }

    #[test]
    fn spans_convert_both_ways() {
        let text = "Olivia: 👩‍⚕️ said «non».";
        let index = UnitIndex::new(text);
        let start = text.find('«').unwrap();
        let end = text.find('»').unwrap() + '»'.len_utf8();
        let span = Span::new(text, start, end).unwrap();
        let (s16, e16) = index.span_to_utf16(span);
        assert_eq!(index.span_from_utf16(s16, e16), Ok(span));
        let (sc, ec) = index.span_to_chars(span);
        assert_eq!(index.span_from_chars(sc, ec), Ok(span));
        assert_eq!(span.slice(text), "«non»");
    }

    #[test]
    fn span_errors_use_the_request_unit() {
        let index = UnitIndex::new("🙂🙂");
        assert_eq!(index.span_from_chars(2, 1), Err(SpanError::Reversed { start: 2, end: 1 }));
        assert_eq!(index.span_from_chars(0, 3), Err(SpanError::OutOfBounds { end: 3, len: 2 }));
        assert_eq!(index.span_from_utf16(0, 5), Err(SpanError::OutOfBounds { end: 5, len: 4 }));
        assert_eq!(index.span_from_utf16(1, 2), Err(SpanError::NotCharBoundary { offset: 1 }));
        assert_eq!(index.span_from_utf16(2, 4).map(Span::len), Ok(4));
    }

    #[test]
    fn empty_text() {
        let index = UnitIndex::new("");
        assert_eq!(index.char_to_byte(0), Some(TextSize::new(0)));
        assert_eq!(index.utf16_to_byte(1), None);
        assert_eq!(index.span_from_chars(0, 0), Ok(Span::full("")));
    }
}
