//! The Rich Text Format importer (`.rtf`): a small RTF-to-text reader written here.
//!
//! Why hand-rolled: the one maintained crate, `rtf-parser` (0.4), does not apply the document
//! code page (`\ansicpg`) to `\'hh` escapes, panics on some malformed input (unchecked
//! indexing and `unwrap` in its parser) and pulls wasm bindings in by default. Plain-text
//! extraction from RTF is a small, well-specified job (RTF 1.9.1, "Conventions of an RTF
//! Reader"), so this module does it in one pass over the bytes with no allocation per token.
//!
//! Understood: groups; `\par`, `\sect`, `\page` and `\row` (paragraph ends), `\line` (line
//! break), `\tab` and `\cell` (tab); `\'hh` bytes decoded with the `\ansicpg` code page (or
//! `\mac`; Windows-1252 otherwise) through `encoding_rs`, double-byte code pages included;
//! `\uN` characters (negative N wraps to 16 bits, surrogate pairs joined) followed by `\ucN`
//! skipped fallback characters; `\bin N` data; typographic symbols (`\emdash`, `\lquote`…);
//! `\~`, `\_`, `\-`, `\{`, `\}`, `\\`. Skipped: ignorable destinations `{\*…}` and the
//! destinations that are not body text (font, colour and style tables, `\info` metadata,
//! pictures, objects, headers, footers, footnotes, field instructions).

use super::builder::TextBuilder;
use super::{ImportError, ImportedTranscript, Importer, TranscriptFormat};
use encoding_rs::Encoding;

/// Imports `.rtf` files; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtfImporter;

impl Importer for RtfImporter {
    fn format(&self) -> TranscriptFormat {
        TranscriptFormat::Rtf
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::Empty { file: file_name.to_owned() });
        }
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
        let body = bytes[start..].strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes[start..]);
        if !body.starts_with(b"{\\rtf") {
            return Err(ImportError::Malformed {
                file: file_name.to_owned(),
                reason: "not an RTF file (it does not start with {\\rtf)".to_owned(),
            });
        }
        let parsed = parse(body);
        let mut builder = TextBuilder::new();
        for paragraph in parsed.paragraphs {
            builder.paragraph(&paragraph);
        }
        if parsed.had_info {
            builder.note("document metadata (author, company) was not imported");
        }
        if let Some(page) = parsed.unknown_code_page {
            builder.note(format!("code page {page} is not supported; \\'hh characters read as windows-1252"));
        }
        builder.finish(file_name, bytes, TranscriptFormat::Rtf, &parsed.encoding.name().to_ascii_lowercase())
    }
}

/// What the reader found.
struct Parsed {
    paragraphs: Vec<String>,
    encoding: &'static Encoding,
    had_info: bool,
    unknown_code_page: Option<i32>,
}

#[derive(Clone, Copy)]
struct Group {
    /// Inside a destination whose text is not body text.
    skip: bool,
    /// Fallback characters to skip after `\uN`.
    uc: u32,
}

/// Most groups tracked; deeper nesting (only seen in broken files) is read flat.
const MAX_DEPTH: usize = 1024;

/// Destinations whose content is not body text.
const SKIPPED: &[&[u8]] = &[
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"header",
    b"headerl",
    b"headerr",
    b"headerf",
    b"footer",
    b"footerl",
    b"footerr",
    b"footerf",
    b"footnote",
    b"annotation",
    b"fldinst",
    b"listtable",
    b"listoverridetable",
    b"revtbl",
    b"rsidtbl",
    b"filetbl",
    b"generator",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"xmlnstbl",
    b"pgdsctbl",
    b"objdata",
    b"atnid",
    b"atnauthor",
    b"bkmkstart",
    b"bkmkend",
    b"txe",
    b"xe",
    b"tc",
    b"private",
    b"userprops",
];

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    encoding: &'static Encoding,
    paragraphs: Vec<String>,
    current: String,
    /// Text bytes waiting to be decoded with the code page.
    pending: Vec<u8>,
    /// A high surrogate from `\uN` waiting for its pair.
    high_surrogate: Option<u16>,
    stack: Vec<Group>,
    group: Group,
    /// Fallback characters still to skip after a `\uN`.
    skip_chars: u32,
    had_info: bool,
    unknown_code_page: Option<i32>,
}

fn parse(bytes: &[u8]) -> Parsed {
    let mut r = Reader {
        bytes,
        pos: 0,
        encoding: encoding_rs::WINDOWS_1252,
        paragraphs: Vec::new(),
        current: String::new(),
        pending: Vec::new(),
        high_surrogate: None,
        stack: Vec::new(),
        group: Group { skip: false, uc: 1 },
        skip_chars: 0,
        had_info: false,
        unknown_code_page: None,
    };
    r.run();
    r.flush();
    let last = std::mem::take(&mut r.current);
    r.paragraphs.push(last);
    Parsed {
        paragraphs: r.paragraphs,
        encoding: r.encoding,
        had_info: r.had_info,
        unknown_code_page: r.unknown_code_page,
    }
}

impl Reader<'_> {
    fn run(&mut self) {
        while let Some(&byte) = self.bytes.get(self.pos) {
            self.pos += 1;
            match byte {
                b'{' => {
                    self.skip_chars = 0;
                    if self.stack.len() < MAX_DEPTH {
                        self.stack.push(self.group);
                    }
                    // `{\*\dest …}`: an ignorable destination.
                    if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\*") {
                        self.group.skip = true;
                    }
                }
                b'}' => {
                    self.skip_chars = 0;
                    if let Some(group) = self.stack.pop() {
                        self.group = group;
                    }
                }
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                _ => self.text_byte(byte),
            }
        }
    }

    /// A plain text byte (counts as one fallback character after `\uN`).
    fn text_byte(&mut self, byte: u8) {
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        if !self.group.skip {
            self.pending.push(byte);
        }
    }

    /// Decodes pending code page bytes into the current paragraph.
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let (text, _, _) = self.encoding.decode(&self.pending);
            self.current.push_str(&text);
            self.pending.clear();
        }
        if self.high_surrogate.take().is_some() {
            self.current.push('\u{fffd}');
        }
    }

    fn push_str(&mut self, text: &str) {
        if self.skip_chars > 0 {
            self.skip_chars -= 1;
            return;
        }
        if !self.group.skip {
            self.flush();
            self.current.push_str(text);
        }
    }

    fn end_paragraph(&mut self) {
        if self.group.skip {
            return;
        }
        self.flush();
        let paragraph = std::mem::take(&mut self.current);
        self.paragraphs.push(paragraph);
    }

    fn control(&mut self) {
        let Some(&first) = self.bytes.get(self.pos) else { return };
        if !first.is_ascii_alphabetic() {
            self.pos += 1;
            match first {
                b'\'' => {
                    let hex = self.bytes.get(self.pos..self.pos + 2).and_then(|h| std::str::from_utf8(h).ok());
                    if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        self.pos += 2;
                        self.text_byte(value);
                    }
                }
                b'\\' | b'{' | b'}' => self.text_byte(first),
                b'~' => self.push_str("\u{a0}"),
                b'_' => self.push_str("\u{2011}"),
                b'-' => {}
                // `\` before a line end is an old spelling of `\par`.
                b'\n' | b'\r' => self.end_paragraph(),
                _ => {}
            }
            return;
        }
        let word_start = self.pos;
        while self.pos < self.bytes.len() && self.pos - word_start < 32 && self.bytes[self.pos].is_ascii_alphabetic() {
            self.pos += 1;
        }
        let word_end = self.pos;
        let mut negative = false;
        if self.bytes.get(self.pos) == Some(&b'-') {
            negative = true;
            self.pos += 1;
        }
        let digits_start = self.pos;
        let mut value: i64 = 0;
        while self.pos < self.bytes.len() && self.pos - digits_start < 10 && self.bytes[self.pos].is_ascii_digit() {
            value = value * 10 + i64::from(self.bytes[self.pos] - b'0');
            self.pos += 1;
        }
        let has_value = self.pos > digits_start;
        if negative && !has_value {
            self.pos -= 1; // A lone hyphen is text, not a sign.
        }
        if self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
        let value = if negative { -value } else { value };
        let param = has_value.then_some(value);
        // `word` borrows `self.bytes`, which outlives `self`'s mutable uses below.
        let bytes = self.bytes;
        self.word(&bytes[word_start..word_end], param);
    }

    fn word(&mut self, word: &[u8], param: Option<i64>) {
        if SKIPPED.contains(&word) {
            if word == b"info" {
                self.had_info = true;
            }
            self.group.skip = true;
            return;
        }
        match word {
            b"par" | b"sect" | b"page" | b"row" => self.end_paragraph(),
            b"line" => self.push_str("\n"),
            b"tab" | b"cell" => self.push_str("\t"),
            b"emdash" => self.push_str("\u{2014}"),
            b"endash" => self.push_str("\u{2013}"),
            b"emspace" | b"enspace" | b"qmspace" => self.push_str(" "),
            b"lquote" => self.push_str("\u{2018}"),
            b"rquote" => self.push_str("\u{2019}"),
            b"ldblquote" => self.push_str("\u{201c}"),
            b"rdblquote" => self.push_str("\u{201d}"),
            b"bullet" => self.push_str("\u{2022}"),
            b"uc" => self.group.uc = param.unwrap_or(1).clamp(0, 16) as u32,
            b"u" => {
                let Some(value) = param else { return };
                self.skip_chars = 0;
                let unit = (value.rem_euclid(65536)) as u16;
                if !self.group.skip {
                    self.unicode(unit);
                }
                self.skip_chars = self.group.uc;
            }
            b"ansicpg" => {
                if let Some(page) = param {
                    match code_page(page) {
                        Some(encoding) => self.encoding = encoding,
                        None => self.unknown_code_page = Some(page as i32),
                    }
                }
            }
            b"mac" => self.encoding = encoding_rs::MACINTOSH,
            b"bin" => {
                let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
                self.pos = self.pos.saturating_add(n).min(self.bytes.len());
            }
            _ => {
                // Any other control word counts as one fallback character after `\uN`.
                if self.skip_chars > 0 {
                    self.skip_chars -= 1;
                }
            }
        }
    }

    fn unicode(&mut self, unit: u16) {
        if !self.pending.is_empty() {
            let (text, _, _) = self.encoding.decode(&self.pending);
            self.current.push_str(&text);
            self.pending.clear();
        }
        match (self.high_surrogate.take(), unit) {
            (None, 0xd800..=0xdbff) => self.high_surrogate = Some(unit),
            (Some(high), 0xdc00..=0xdfff) => {
                let c = char::decode_utf16([high, unit]).next().and_then(Result::ok).unwrap_or('\u{fffd}');
                self.current.push(c);
            }
            (high, unit) => {
                if high.is_some() {
                    self.current.push('\u{fffd}');
                }
                match char::from_u32(u32::from(unit)) {
                    Some(c) => self.current.push(c),
                    None => self.high_surrogate = None,
                }
            }
        }
    }
}

/// The `encoding_rs` encoding for a Windows code page number.
fn code_page(page: i64) -> Option<&'static Encoding> {
    Some(match page {
        1250 => encoding_rs::WINDOWS_1250,
        1251 => encoding_rs::WINDOWS_1251,
        1252 => encoding_rs::WINDOWS_1252,
        1253 => encoding_rs::WINDOWS_1253,
        1254 => encoding_rs::WINDOWS_1254,
        1255 => encoding_rs::WINDOWS_1255,
        1256 => encoding_rs::WINDOWS_1256,
        1257 => encoding_rs::WINDOWS_1257,
        1258 => encoding_rs::WINDOWS_1258,
        874 => encoding_rs::WINDOWS_874,
        932 => encoding_rs::SHIFT_JIS,
        936 => encoding_rs::GBK,
        949 => encoding_rs::EUC_KR,
        950 => encoding_rs::BIG5,
        10000 => encoding_rs::MACINTOSH,
        20866 => encoding_rs::KOI8_R,
        28591 | 28592 => encoding_rs::WINDOWS_1252,
        65001 => encoding_rs::UTF_8,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rtf: &str) -> Vec<String> {
        parse(rtf.as_bytes()).paragraphs.into_iter().filter(|p| !p.is_empty()).collect()
    }

    #[test]
    fn escapes_unicode_and_destinations() {
        let rtf = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}{\info{\author Jo}}{\*\generator Word;}
\pard Zo\'eb: caf\'e9 \u8217?s\par
Dan:\tab it\u8217?s {\b bold}\line next\par}";
        assert_eq!(text(rtf), ["Zoë: café ’s", "Dan:\tit’s bold\nnext"]);
        assert!(parse(rtf.as_bytes()).had_info);
    }

    #[test]
    fn code_pages_and_uc() {
        assert_eq!(text(r"{\rtf1\ansi\ansicpg1251 \'c4\'e0\par}"), ["Да"]);
        assert_eq!(text(r"{\rtf1\uc2\u26085\'93\'fa x\uc0\u8364 y}"), ["日 x€y"]);
        assert_eq!(text(r"{\rtf1 a\u-10179?\u-8704?b}"), ["a\u{1f600}b"]);
        assert_eq!(text(r"{\rtf1 a{\*\unknown hidden}b\bin3 xyzc}"), ["abc"]);
    }
}
