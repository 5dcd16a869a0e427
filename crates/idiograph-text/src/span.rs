//! Byte offsets and half-open spans over canonical text.

use std::fmt;

/// A UTF-8 byte offset into the canonical text of one transcript version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextSize(u32);

impl TextSize {
    /// Wraps a byte offset; texts are limited to 4 GiB, far above any transcript.
    pub const fn new(offset: u32) -> TextSize {
        TextSize(offset)
    }

    /// The offset as an index into a `str`.
    pub const fn to_usize(self) -> usize {
        self.0 as usize
    }

    /// The offset as a plain number, for storage and wire formats.
    pub const fn to_u32(self) -> u32 {
        self.0
    }
}

impl From<u32> for TextSize {
    fn from(value: u32) -> Self {
        TextSize(value)
    }
}

impl fmt::Display for TextSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a span could not be made over a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanError {
    /// `start` lies after `end`.
    Reversed {
        /// The requested start.
        start: usize,
        /// The requested end.
        end: usize,
    },
    /// The span reaches past the end of the text.
    OutOfBounds {
        /// The requested end.
        end: usize,
        /// The length of the text in the unit of the request.
        len: usize,
    },
    /// An offset falls inside a character: a multi-byte UTF-8 character, or a surrogate pair
    /// when the request counts UTF-16 code units.
    NotCharBoundary {
        /// The offending offset, in the unit of the request.
        offset: usize,
    },
}

impl fmt::Display for SpanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpanError::Reversed { start, end } => {
                write!(f, "span start {start} lies after its end {end}")
            }
            SpanError::OutOfBounds { end, len } => {
                write!(f, "span end {end} lies beyond the end of the text ({len})")
            }
            SpanError::NotCharBoundary { offset } => {
                write!(f, "offset {offset} falls inside a character")
            }
        }
    }
}

impl std::error::Error for SpanError {}

/// A half-open `[start, end)` range of UTF-8 byte offsets.
///
/// Invariant: `start <= end`, and when made with [`Span::new`] both lie on char boundaries
/// of the text it was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    start: TextSize,
    end: TextSize,
}

impl Span {
    /// Makes a span over `text`, checking order, bounds and char boundaries.
    ///
    /// ```
    /// use idiograph_text::Span;
    /// let s = Span::new("naïve", 0, 4).unwrap();
    /// assert_eq!(s.slice("naïve"), "naï");
    /// assert!(Span::new("naïve", 0, 3).is_err()); // inside "ï"
    /// assert!(Span::new("naïve", 3, 2).is_err());
    /// ```
    pub fn new(text: &str, start: usize, end: usize) -> Result<Span, SpanError> {
        if start > end {
            return Err(SpanError::Reversed { start, end });
        }
        if end > text.len() {
            return Err(SpanError::OutOfBounds { end, len: text.len() });
        }
        for offset in [start, end] {
            if !text.is_char_boundary(offset) {
                return Err(SpanError::NotCharBoundary { offset });
            }
        }
        Ok(Span { start: TextSize(start as u32), end: TextSize(end as u32) })
    }

    /// Makes a span from offsets already known to be ordered char boundaries of one text, as
    /// the unit index and the layout produce them, or as storage reads back a span that was
    /// checked when it was made. Reversed bounds are swapped rather than trusted.
    pub fn from_bounds(start: TextSize, end: TextSize) -> Span {
        Span { start: start.min(end), end: start.max(end) }
    }

    /// The whole of `text`.
    pub fn full(text: &str) -> Span {
        Span { start: TextSize(0), end: TextSize(text.len() as u32) }
    }

    /// Where the span starts.
    pub fn start(self) -> TextSize {
        self.start
    }

    /// Where the span ends (exclusive).
    pub fn end(self) -> TextSize {
        self.end
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end.0 - self.start.0) as usize
    }

    /// Whether the span covers no text.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// Whether `other` lies wholly inside this span.
    pub fn contains_span(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Whether the two spans share at least one byte.
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The text the span covers.
    ///
    /// Panics if the span was not made over `text` (a programming error, not bad input).
    pub fn slice(self, text: &str) -> &str {
        &text[self.start.to_usize()..self.end.to_usize()]
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
