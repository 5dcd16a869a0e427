//! The frozen line and page layout behind citations such as "(Olivia, p. 6, ll. 14–16)".
//!
//! A transcript version is laid out once and the line starts are stored with it, so citations
//! keep pointing at the same lines even if the wrapping rules are refined later.

use std::fmt;

use unicode_segmentation::UnicodeSegmentation;

use crate::span::{Span, TextSize};

/// The allowed range of [`LayoutParams::chars_per_line`].
const CHARS_PER_LINE: std::ops::RangeInclusive<u32> = 20..=500;
/// The allowed range of [`LayoutParams::lines_per_page`].
const LINES_PER_PAGE: std::ops::RangeInclusive<u32> = 5..=500;

/// The page geometry a transcript is laid out with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayoutParams {
    chars_per_line: u32,
    lines_per_page: u32,
}

impl LayoutParams {
    /// Checks and makes the geometry: 20 to 500 characters per line, 5 to 500 lines per page.
    pub fn new(chars_per_line: u32, lines_per_page: u32) -> Result<LayoutParams, LayoutError> {
        if !CHARS_PER_LINE.contains(&chars_per_line) {
            return Err(LayoutError::CharsPerLine { value: chars_per_line });
        }
        if !LINES_PER_PAGE.contains(&lines_per_page) {
            return Err(LayoutError::LinesPerPage { value: lines_per_page });
        }
        Ok(LayoutParams { chars_per_line, lines_per_page })
    }

    /// The most grapheme clusters a line holds, not counting whitespace hanging at its end.
    pub fn chars_per_line(self) -> u32 {
        self.chars_per_line
    }

    /// How many lines make a page.
    pub fn lines_per_page(self) -> u32 {
        self.lines_per_page
    }
}

impl Default for LayoutParams {
    /// 80 characters per line and 40 lines per page, close to a printed A4 transcript.
    fn default() -> Self {
        LayoutParams { chars_per_line: 80, lines_per_page: 40 }
    }
}

/// Why layout parameters, a stored layout or a line reference were rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// Characters per line outside 20–500.
    CharsPerLine {
        /// The rejected value.
        value: u32,
    },
    /// Lines per page outside 5–500.
    LinesPerPage {
        /// The rejected value.
        value: u32,
    },
    /// A 1-based line number beyond the transcript.
    LineOutOfRange {
        /// The requested line.
        line: u32,
        /// How many lines the transcript has.
        count: u32,
    },
    /// A line range whose first line comes after its last.
    LinesReversed {
        /// The requested first line.
        first: u32,
        /// The requested last line.
        last: u32,
    },
    /// A stored layout with no line starts.
    NoLines,
    /// A stored layout whose first line does not start at offset 0.
    FirstStartNotZero {
        /// The stored first start.
        start: u32,
    },
    /// A stored line start not after the one before it.
    StartNotIncreasing {
        /// The offending start.
        start: u32,
        /// The start before it.
        previous: u32,
    },
    /// A stored line start at or past the end of the text (only an empty text has a line
    /// starting at its end).
    StartOutOfBounds {
        /// The offending start.
        start: u32,
        /// The length of the text in bytes.
        len: usize,
    },
    /// A stored line start inside a multi-byte character.
    StartNotCharBoundary {
        /// The offending start.
        start: u32,
    },
    /// Encoded line starts whose length is not a whole number of `u32`s.
    EncodingLength {
        /// The length of the encoding in bytes.
        len: usize,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::CharsPerLine { value } => write!(
                f,
                "characters per line must be {}–{}, not {value}",
                CHARS_PER_LINE.start(),
                CHARS_PER_LINE.end()
            ),
            LayoutError::LinesPerPage { value } => {
                write!(f, "lines per page must be {}–{}, not {value}", LINES_PER_PAGE.start(), LINES_PER_PAGE.end())
            }
            LayoutError::LineOutOfRange { line, count } => {
                write!(f, "line {line} is outside the transcript (1–{count})")
            }
            LayoutError::LinesReversed { first, last } => {
                write!(f, "first line {first} lies after last line {last}")
            }
            LayoutError::NoLines => write!(f, "the stored layout has no lines"),
            LayoutError::FirstStartNotZero { start } => {
                write!(f, "the first line starts at {start} instead of 0")
            }
            LayoutError::StartNotIncreasing { start, previous } => {
                write!(f, "line start {start} does not lie after the previous start {previous}")
            }
            LayoutError::StartOutOfBounds { start, len } => {
                write!(f, "line start {start} lies at or beyond the end of the text ({len})")
            }
            LayoutError::StartNotCharBoundary { start } => {
                write!(f, "line start {start} falls inside a character")
            }
            LayoutError::EncodingLength { len } => {
                write!(f, "encoded layout of {len} bytes is not a whole number of line starts")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// Where a line sits: on which page, which line of that page, and which line of the whole
/// transcript. All three are 1-based; the fields are public because any combination that
/// [`Layout::position`] returns is simply a value to print or compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinePos {
    /// The page, from 1.
    pub page: u32,
    /// The line on its page, from 1.
    pub line: u32,
    /// The line in the whole transcript, from 1.
    pub global: u32,
}

impl LinePos {
    /// The position of 1-based global line `global` on pages of `lines_per_page` lines.
    fn of_global(global: u32, lines_per_page: u32) -> LinePos {
        LinePos { page: (global - 1) / lines_per_page + 1, line: (global - 1) % lines_per_page + 1, global }
    }
}

impl fmt::Display for LinePos {
    /// Formats as a citation, e.g. "p. 6, l. 14".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p. {}, l. {}", self.page, self.line)
    }
}

/// The first and last line a span touches, for citing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LineRange {
    /// The line the span starts on.
    pub start: LinePos,
    /// The line holding the span's last character.
    pub end: LinePos,
}

impl fmt::Display for LineRange {
    /// Formats as a citation: "p. 6, l. 14", "p. 6, ll. 14–16" or "pp. 6–7, ll. 39–2".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (start, end) = (self.start, self.end);
        if start.global == end.global {
            write!(f, "{start}")
        } else if start.page == end.page {
            write!(f, "p. {}, ll. {}–{}", start.page, start.line, end.line)
        } else {
            write!(f, "pp. {}–{}, ll. {}–{}", start.page, end.page, start.line, end.line)
        }
    }
}

/// The line and page layout of one transcript version.
///
/// Lines partition the text: line *k* covers the bytes from its start to the next line's start
/// (the last line to the end of the text), including the `'\n'` that ends it or the whitespace
/// hanging at a wrap. A trailing `'\n'` ends the last line rather than opening an empty one;
/// blank lines between paragraphs are lines of their own. An empty text has one empty line.
///
/// The layout does not keep the text; methods that show text take it again and return `None`
/// if it is not the text the layout was made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    params: LayoutParams,
    starts: Vec<u32>,
    /// Where each line's visible text ends: before its `'\n'` and hanging whitespace.
    visible_ends: Vec<u32>,
    /// The length of the laid-out text in bytes, which is where the last line ends.
    text_len: u32,
}

impl Layout {
    /// Lays out canonical text by deterministic greedy word wrap.
    ///
    /// Every `'\n'` ends a line. Within a paragraph a line holds at most
    /// [`LayoutParams::chars_per_line`] extended grapheme clusters, so an emoji sequence or a
    /// letter with combining marks is one column and never split. Lines break after
    /// whitespace, which stays hanging at the end of the earlier line and does not count
    /// against the width; a word longer than a line is broken between grapheme clusters.
    /// No-break spaces (U+00A0, U+2007, U+202F) are not break opportunities.
    pub fn compute(text: &str, params: LayoutParams) -> Layout {
        let mut wrap = Wrapper {
            width: params.chars_per_line as usize,
            starts: vec![0u32],
            col: 0,
            after_space: false,
            wrap_at: None,
        };
        let mut base = 0usize;
        // A line feed always ends a grapheme cluster, so paragraphs can be wrapped one by one;
        // most transcripts are ASCII, where every byte is one cluster and needs no segmentation.
        for paragraph in text.split_inclusive('\n') {
            let body = paragraph.strip_suffix('\n');
            let content = body.unwrap_or(paragraph);
            if content.is_ascii() && !content.contains('\r') {
                for (i, b) in content.bytes().enumerate() {
                    wrap.cluster(base + i, matches!(b, b' ' | b'\t' | 0x0b | 0x0c));
                }
            } else {
                for (i, g) in content.grapheme_indices(true) {
                    wrap.cluster(base + i, g.chars().all(is_wrap_space));
                }
            }
            base += paragraph.len();
            if body.is_some() {
                if base < text.len() {
                    wrap.starts.push(base as u32);
                }
                (wrap.col, wrap.after_space, wrap.wrap_at) = (0, false, None);
            }
        }
        Layout::from_checked_starts(params, wrap.starts, text)
    }

    /// Reloads a frozen layout from its stored line starts, checking that they partition
    /// `text`: the first is 0, each lies after the one before, on a char boundary and before
    /// the end of the text (an empty text has the single start 0).
    ///
    /// The starts are not required to match what [`Layout::compute`] would produce today:
    /// a frozen layout keeps its lines even if the wrapping rules change.
    pub fn from_line_starts(params: LayoutParams, starts: Vec<u32>, text: &str) -> Result<Layout, LayoutError> {
        match starts.first() {
            None => return Err(LayoutError::NoLines),
            Some(&start) if start != 0 => return Err(LayoutError::FirstStartNotZero { start }),
            Some(_) => {}
        }
        for pair in starts.windows(2) {
            let (previous, start) = (pair[0], pair[1]);
            if start <= previous {
                return Err(LayoutError::StartNotIncreasing { start, previous });
            }
            if start as usize >= text.len() {
                return Err(LayoutError::StartOutOfBounds { start, len: text.len() });
            }
            if !text.is_char_boundary(start as usize) {
                return Err(LayoutError::StartNotCharBoundary { start });
            }
        }
        Ok(Layout::from_checked_starts(params, starts, text))
    }

    /// Serialises the line starts for storage, as little-endian `u32`s.
    pub fn encode(&self) -> Vec<u8> {
        self.starts.iter().flat_map(|start| start.to_le_bytes()).collect()
    }

    /// Reloads a layout stored by [`Layout::encode`], checking it as
    /// [`Layout::from_line_starts`] does.
    pub fn decode(params: LayoutParams, bytes: &[u8], text: &str) -> Result<Layout, LayoutError> {
        let chunks = bytes.chunks_exact(4);
        if !chunks.remainder().is_empty() {
            return Err(LayoutError::EncodingLength { len: bytes.len() });
        }
        let starts = chunks.map(|chunk| u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])).collect();
        Layout::from_line_starts(params, starts, text)
    }

    /// The geometry the layout was made with.
    pub fn params(&self) -> LayoutParams {
        self.params
    }

    /// The byte offset where each line starts, in order; the first is always 0.
    pub fn line_starts(&self) -> &[u32] {
        &self.starts
    }

    /// How many lines the transcript has (at least one).
    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }

    /// How many pages the transcript has (at least one).
    pub fn page_count(&self) -> u32 {
        self.line_count().div_ceil(self.params.lines_per_page)
    }

    /// The bytes of 1-based line `global`, including its `'\n'` or hanging whitespace, or
    /// `None` if there is no such line.
    pub fn line_span(&self, global: u32) -> Option<Span> {
        let index = self.index_of(global)?;
        let end = self.starts.get(index + 1).copied().unwrap_or(self.text_len);
        Some(Span::from_bounds(TextSize::new(self.starts[index]), TextSize::new(end)))
    }

    /// The visible text of 1-based line `global` for display: without its `'\n'` and hanging
    /// whitespace. `None` if there is no such line or `text` is not the laid-out text.
    pub fn line_text<'a>(&self, text: &'a str, global: u32) -> Option<&'a str> {
        if text.len() != self.text_len as usize {
            return None;
        }
        let index = self.index_of(global)?;
        text.get(self.starts[index] as usize..self.visible_ends[index] as usize)
    }

    /// The line holding byte `offset`; the end of the text belongs to the last line, and
    /// offsets past it are treated as the end.
    pub fn position(&self, offset: TextSize) -> LinePos {
        let offset = offset.to_u32().min(self.text_len);
        // The first start is 0, so at least one start is `<= offset`.
        let line = self.starts.partition_point(|&start| start <= offset) as u32;
        LinePos::of_global(line, self.params.lines_per_page)
    }

    /// The global line number of line `line` (from 1) on page `page` (from 1), or `None` if
    /// the page has no such line.
    pub fn global_line(&self, page: u32, line: u32) -> Option<u32> {
        if page == 0 || line == 0 || line > self.params.lines_per_page {
            return None;
        }
        let global = (page - 1).checked_mul(self.params.lines_per_page)?.checked_add(line)?;
        (global <= self.line_count()).then_some(global)
    }

    /// The visible text of lines `first` to `last` (1-based, inclusive): from the start of the
    /// first line to the end of the last line's text, leaving out its `'\n'` and hanging
    /// whitespace.
    pub fn lines_to_span(&self, first: u32, last: u32) -> Result<Span, LayoutError> {
        let count = self.line_count();
        let first_index = self.index_of(first).ok_or(LayoutError::LineOutOfRange { line: first, count })?;
        let last_index = self.index_of(last).ok_or(LayoutError::LineOutOfRange { line: last, count })?;
        if first > last {
            return Err(LayoutError::LinesReversed { first, last });
        }
        let start = TextSize::new(self.starts[first_index]);
        Ok(Span::from_bounds(start, TextSize::new(self.visible_ends[last_index])))
    }

    /// The lines a span touches: the line of its start and the line of its last byte (an empty
    /// span touches only the line of its start).
    ///
    /// For a span from [`Layout::lines_to_span`] whose last line has visible text this gives
    /// back the same lines.
    pub fn span_lines(&self, span: Span) -> LineRange {
        let start = self.position(span.start());
        let end = if span.is_empty() {
            start
        } else {
            // Line starts are char boundaries, so the last byte lies on the same line as the
            // start of the character it belongs to.
            self.position(TextSize::new(span.end().to_u32() - 1))
        };
        LineRange { start, end }
    }

    fn from_checked_starts(params: LayoutParams, starts: Vec<u32>, text: &str) -> Layout {
        let visible_ends = starts
            .iter()
            .enumerate()
            .map(|(index, &start)| {
                let end = starts.get(index + 1).map_or(text.len(), |&next| next as usize);
                let line = &text[start as usize..end];
                let line = line.strip_suffix('\n').unwrap_or(line);
                start + line.trim_end_matches(is_wrap_space).len() as u32
            })
            .collect();
        Layout { params, starts, visible_ends, text_len: text.len() as u32 }
    }

    /// The 0-based index of 1-based line `global`, if it exists.
    fn index_of(&self, global: u32) -> Option<usize> {
        let index = (global as usize).checked_sub(1)?;
        (index < self.starts.len()).then_some(index)
    }
}

/// The greedy word-wrap state of [`Layout::compute`] within one paragraph.
struct Wrapper {
    width: usize,
    starts: Vec<u32>,
    /// Graphemes on the current line so far, hanging whitespace included.
    col: usize,
    after_space: bool,
    /// The latest break opportunity on the current line: its offset, and `col` there.
    wrap_at: Option<(usize, usize)>,
}

impl Wrapper {
    /// Places the grapheme cluster starting at byte `i`.
    fn cluster(&mut self, i: usize, is_space: bool) {
        if is_space {
            self.col += 1;
            self.after_space = true;
            return;
        }
        if self.after_space {
            self.wrap_at = Some((i, self.col));
            self.after_space = false;
        }
        // `col` can exceed the width only through hanging whitespace, in which case a break
        // opportunity was recorded just above.
        if self.col >= self.width {
            let start = match self.wrap_at.take() {
                Some((at, col_at)) => {
                    self.col -= col_at;
                    at
                }
                None => {
                    self.col = 0;
                    i
                }
            };
            self.starts.push(start as u32);
        }
        self.col += 1;
    }
}

/// Whether `c` is whitespace a line may break after; no-break spaces are not.
fn is_wrap_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    const INTERVIEW: &str = "Interviewer: How did you feel when you first heard?\n\nOlivia: \
                             Honestly, I was scared. Really scared.\nInterviewer: Mm.";

    fn narrow() -> LayoutParams {
        LayoutParams::new(20, 5).unwrap()
    }

    fn lines<'a>(layout: &Layout, text: &'a str) -> Vec<&'a str> {
        (1..=layout.line_count()).map(|line| layout.line_text(text, line).unwrap()).collect()
    }

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        Span::new(text, start, start + needle.len()).unwrap()
    }

    #[test]
    fn three_paragraphs_at_width_twenty() {
        let layout = Layout::compute(INTERVIEW, narrow());
        assert_eq!(
            lines(&layout, INTERVIEW),
            [
                "Interviewer: How did",
                "you feel when you",
                "first heard?",
                "",
                "Olivia: Honestly, I",
                "was scared. Really",
                "scared.",
                "Interviewer: Mm.",
            ]
        );
        assert_eq!((layout.line_count(), layout.page_count()), (8, 2));
        // The wrap space hangs on the earlier line; the '\n' belongs to the line it ends.
        assert_eq!(layout.line_span(1).unwrap().slice(INTERVIEW), "Interviewer: How did ");
        assert_eq!(layout.line_span(3).unwrap().slice(INTERVIEW), "first heard?\n");
        assert_eq!(layout.line_span(4).unwrap().slice(INTERVIEW), "\n");
        assert_eq!(layout.line_span(9), None);
        assert_eq!(layout.line_text(INTERVIEW, 0), None);
        assert_eq!(layout.line_text("another text", 1), None);
    }

    #[test]
    fn citations() {
        let layout = Layout::compute(INTERVIEW, narrow());
        let cite = |needle: &str| layout.span_lines(span_of(INTERVIEW, needle)).to_string();
        assert_eq!(cite("Mm"), "p. 2, l. 3");
        assert_eq!(cite("scared. Really scared."), "p. 2, ll. 1–2");
        assert_eq!(cite("Honestly, I was scared"), "pp. 1–2, ll. 5–1");
        assert_eq!(cite("How did you"), "p. 1, ll. 1–2");
        // A span ending just after a '\n' or a hanging space does not reach the next line.
        assert_eq!(cite("first heard?\n"), "p. 1, l. 3");
        assert_eq!(cite("How did "), "p. 1, l. 1");
        let empty = Span::new(INTERVIEW, 8, 8).unwrap();
        assert_eq!(layout.span_lines(empty).to_string(), "p. 1, l. 1");
    }

    #[test]
    fn lines_to_span_covers_visible_text() {
        let layout = Layout::compute(INTERVIEW, narrow());
        let span = layout.lines_to_span(5, 7).unwrap();
        assert_eq!(span.slice(INTERVIEW), "Olivia: Honestly, I was scared. Really scared.");
        assert_eq!(layout.span_lines(span).to_string(), "pp. 1–2, ll. 5–2");
        assert_eq!(layout.lines_to_span(1, 1).unwrap().slice(INTERVIEW), "Interviewer: How did");
        assert!(layout.lines_to_span(4, 4).unwrap().is_empty());
        let out = layout.lines_to_span(2, 120).unwrap_err();
        assert_eq!(out.to_string(), "line 120 is outside the transcript (1–8)");
        assert_eq!(layout.lines_to_span(0, 1), Err(LayoutError::LineOutOfRange { line: 0, count: 8 }));
        let reversed = layout.lines_to_span(3, 2).unwrap_err();
        assert_eq!(reversed.to_string(), "first line 3 lies after last line 2");
    }

    #[test]
    fn positions_and_pages() {
        let layout = Layout::compute(INTERVIEW, narrow());
        let at = |needle: &str| layout.position(TextSize::new(INTERVIEW.find(needle).unwrap() as u32));
        assert_eq!(at("Olivia"), LinePos { page: 1, line: 5, global: 5 });
        assert_eq!(at("was scared"), LinePos { page: 2, line: 1, global: 6 });
        let end = layout.position(TextSize::new(INTERVIEW.len() as u32));
        assert_eq!(end, LinePos { page: 2, line: 3, global: 8 });
        assert_eq!(end.to_string(), "p. 2, l. 3");
        assert_eq!(layout.global_line(2, 3), Some(8));
        assert_eq!(layout.global_line(2, 4), None);
        assert_eq!(layout.global_line(1, 6), None);
        assert_eq!(layout.global_line(0, 1), None);
        assert_eq!(layout.global_line(1, 0), None);
    }

    #[test]
    fn graphemes_count_as_one_column() {
        for cluster in ["👩\u{200d}⚕\u{fe0f}", "e\u{301}", "🇫🇷", "中"] {
            let text = cluster.repeat(25);
            let layout = Layout::compute(&text, narrow());
            assert_eq!(lines(&layout, &text), [cluster.repeat(20), cluster.repeat(5)], "{cluster}");
        }
    }

    #[test]
    fn paragraph_ends() {
        let count = |text: &str| Layout::compute(text, narrow()).line_count();
        assert_eq!(count(""), 1);
        assert_eq!(count("a"), 1);
        assert_eq!(count("a\n"), 1);
        assert_eq!(count("\n"), 1);
        assert_eq!(count("a\n\nb"), 3);
        assert_eq!(count("a\n\n"), 2);
        let empty = Layout::compute("", narrow());
        assert_eq!(empty.line_span(1), Some(Span::full("")));
        assert_eq!(empty.line_text("", 1), Some(""));
        assert_eq!(empty.span_lines(Span::full("")).to_string(), "p. 1, l. 1");
    }

    #[test]
    fn crlf_is_normalised_first() {
        let text = normalize("Olivia: yes\r\n\r\nno\r\n");
        let layout = Layout::compute(&text, narrow());
        assert_eq!(lines(&layout, &text), ["Olivia: yes", "", "no"]);
    }

    #[test]
    fn long_words_and_hanging_spaces() {
        let text = format!("{}\n{}", "a".repeat(45), format_args!("ab {}", "c".repeat(30)));
        let layout = Layout::compute(&text, narrow());
        let expected = ["a".repeat(20), "a".repeat(20), "a".repeat(5), "ab".into(), "c".repeat(20), "c".repeat(10)];
        assert_eq!(lines(&layout, &text), expected);

        let text = format!("{}   y", "x".repeat(20));
        let layout = Layout::compute(&text, narrow());
        assert_eq!(layout.line_span(1).unwrap().len(), 23);
        assert_eq!(lines(&layout, &text), ["x".repeat(20).as_str(), "y"]);
    }

    #[test]
    fn no_break_space_keeps_words_together() {
        let text = format!("{} a\u{a0}b", "x".repeat(18));
        let layout = Layout::compute(&text, narrow());
        assert_eq!(lines(&layout, &text), ["x".repeat(18).as_str(), "a\u{a0}b"]);
    }

    #[test]
    fn params_are_checked() {
        assert_eq!(LayoutParams::default(), LayoutParams::new(80, 40).unwrap());
        assert_eq!(LayoutParams::new(19, 40), Err(LayoutError::CharsPerLine { value: 19 }));
        assert_eq!(LayoutParams::new(501, 40), Err(LayoutError::CharsPerLine { value: 501 }));
        assert_eq!(LayoutParams::new(80, 4), Err(LayoutError::LinesPerPage { value: 4 }));
        let params = LayoutParams::new(500, 500).unwrap();
        assert_eq!((params.chars_per_line(), params.lines_per_page()), (500, 500));
        assert_eq!(LayoutParams::new(10, 40).unwrap_err().to_string(), "characters per line must be 20–500, not 10");
    }

    #[test]
    fn stored_layouts_are_checked() {
        let text = "héllo\nworld";
        let load = |starts: Vec<u32>| Layout::from_line_starts(narrow(), starts, text);
        assert_eq!(load(vec![]), Err(LayoutError::NoLines));
        assert_eq!(load(vec![1]), Err(LayoutError::FirstStartNotZero { start: 1 }));
        assert_eq!(load(vec![0, 7, 7]), Err(LayoutError::StartNotIncreasing { start: 7, previous: 7 }));
        assert_eq!(load(vec![0, 12]), Err(LayoutError::StartOutOfBounds { start: 12, len: 12 }));
        assert_eq!(load(vec![0, 2]), Err(LayoutError::StartNotCharBoundary { start: 2 }));
        assert_eq!(
            Layout::from_line_starts(narrow(), vec![0, 1], ""),
            Err(LayoutError::StartOutOfBounds { start: 1, len: 0 })
        );
        // A frozen layout need not match today's wrapping.
        let frozen = load(vec![0, 3, 7]).unwrap();
        assert_eq!(lines(&frozen, text), ["hé", "llo", "world"]);

        let layout = Layout::compute(text, narrow());
        assert_eq!(layout.encode(), [0, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(Layout::decode(narrow(), &layout.encode(), text), Ok(layout));
        assert_eq!(Layout::decode(narrow(), &[0, 0, 0], text), Err(LayoutError::EncodingLength { len: 3 }));
    }
}
