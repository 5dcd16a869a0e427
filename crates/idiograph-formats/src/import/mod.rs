//! Importers: a received transcript file (its bytes and its name) to canonical text with speaker turns.
//!
//! The entry point is [`import_transcript`], which checks the size limit, picks the
//! [`Importer`] for the file's extension and returns an [`ImportedTranscript`] or an
//! [`ImportError`] whose message names the file and the reason.
//!
//! Layout: one module per format (`plain_text` for `.txt`, `markdown` for `.md`, `docx`, `odt`, `rtf`, `pdf`
//! (cargo feature `pdf`, on by default) and `vtt` for `.vtt`/`.srt`), plus shared steps:
//! `decode` (bytes to text with encoding detection and refusal of binary content), `speakers`
//! (cutting canonical text into speaker turns), `package` (zip containers with bomb limits and
//! the OLE checks for `.doc` and password-protected files) and `builder` (assembling canonical
//! text and explicit turns from structured documents). A new format is a new
//! [`TranscriptFormat`] with its extensions, a module implementing [`Importer`] and one entry in
//! `IMPORTERS`.
//!
//! Nothing here does I/O: callers pass bytes and a file name, never a path.

mod builder;
mod decode;
mod docx;
mod flow;
mod guide;
mod markdown;
mod odt;
mod package;
#[cfg(feature = "pdf")]
mod pdf;
mod plain_text;
mod rtf;
mod speakers;
mod vtt;

pub use crate::import::docx::DocxImporter;
pub use crate::import::guide::{import_guide, GuideEntry, ImportedGuide};
pub use crate::import::markdown::MarkdownImporter;
pub use crate::import::odt::OdtImporter;
#[cfg(feature = "pdf")]
pub use crate::import::pdf::PdfImporter;
pub use crate::import::plain_text::PlainTextImporter;
pub use crate::import::rtf::RtfImporter;
pub use crate::import::vtt::SubtitleImporter;

use idiograph_text::Span;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// A transcript read from a file: canonical text, the speaker turns found in it, where it came
/// from and what the importer noticed on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedTranscript {
    /// Canonical text (see `idiograph_text::normalize`); every span below points into it, so it
    /// must be stored unchanged.
    pub text: String,
    /// Speaker turns in text order, non-overlapping; may be empty when no labels were found.
    pub turns: Vec<ImportedTurn>,
    /// The file the text came from.
    pub provenance: Provenance,
    /// Non-fatal observations to show the user, e.g. a fallback encoding or unlabelled lines.
    pub diagnostics: Vec<ImportDiagnostic>,
}

/// One speaker turn: a labelled stretch of the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedTurn {
    /// The whole turn in the text, label and timestamp included, up to the next turn's line but
    /// without trailing blank lines or whitespace.
    pub span: Span,
    /// The speaker label as written, e.g. `Olivia` or `Mireille B. Reece, Psy.D`.
    pub label: Option<String>,
    /// Where the label sits in the text, without the `:`, `**` or `[]` around it.
    pub label_span: Option<Span>,
    /// The time the turn starts at when the transcript gives one, e.g. `00:12:34` or `01:46`.
    pub timestamp: Option<String>,
}

/// Where an imported transcript came from, kept so an analysis can be traced to its source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The file name as the caller gave it.
    pub file_name: String,
    /// Lowercase hex SHA-256 of the original bytes, before any decoding.
    pub sha256: String,
    /// The format the file was read as.
    pub format: TranscriptFormat,
    /// The character encoding the text was decoded from: `utf-8`, `utf-8 (bom)`, `utf-16le`,
    /// `utf-16be` or `windows-1252` for text files; for containers the encoding of the part the
    /// text came from (`utf-8` for `.docx`/`.odt` XML), the RTF code page (`windows-1252`), or
    /// `pdf text layer`.
    pub encoding: String,
    /// Size of the original file in bytes.
    pub byte_len: u64,
}

/// The file formats transcripts can be imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TranscriptFormat {
    /// Plain text (`.txt`).
    PlainText,
    /// Markdown (`.md`): the rendered text, markup and escapes removed, bold labels as speakers.
    Markdown,
    /// Word (`.docx`, Office Open XML).
    Docx,
    /// OpenDocument text (`.odt`).
    Odt,
    /// Rich Text Format (`.rtf`).
    Rtf,
    /// PDF (`.pdf`), its text layer.
    Pdf,
    /// WebVTT captions (`.vtt`), e.g. Microsoft Teams and Zoom transcripts.
    WebVtt,
    /// SubRip subtitles (`.srt`).
    Srt,
}

impl TranscriptFormat {
    /// A stable lowercase identifier for storage and display, e.g. `plain-text`.
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptFormat::PlainText => "plain-text",
            TranscriptFormat::Markdown => "markdown",
            TranscriptFormat::Docx => "docx",
            TranscriptFormat::Odt => "odt",
            TranscriptFormat::Rtf => "rtf",
            TranscriptFormat::Pdf => "pdf",
            TranscriptFormat::WebVtt => "webvtt",
            TranscriptFormat::Srt => "srt",
        }
    }

    /// The file extensions of this format, lowercase and without the dot, e.g. `["txt"]`.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            TranscriptFormat::PlainText => &["txt"],
            TranscriptFormat::Markdown => &["md"],
            TranscriptFormat::Docx => &["docx"],
            TranscriptFormat::Odt => &["odt"],
            TranscriptFormat::Rtf => &["rtf"],
            TranscriptFormat::Pdf => &["pdf"],
            TranscriptFormat::WebVtt => &["vtt"],
            TranscriptFormat::Srt => &["srt"],
        }
    }
}

/// A non-fatal observation made while importing, worded for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDiagnostic {
    /// What was noticed, e.g. `decoded as windows-1252 (the file is not valid UTF-8)`.
    pub message: String,
}

impl ImportDiagnostic {
    fn new(message: impl Into<String>) -> ImportDiagnostic {
        ImportDiagnostic { message: message.into() }
    }
}

/// Settings for an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    /// Files larger than this many bytes are refused before they are read.
    pub max_bytes: u64,
}

impl ImportOptions {
    /// The default size limit, 50 MB: far above any interview, low enough to refuse stray media files.
    pub const DEFAULT_MAX_BYTES: u64 = 50_000_000;
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { max_bytes: ImportOptions::DEFAULT_MAX_BYTES }
    }
}

/// Why a file could not be imported; every message starts with the file name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file has no bytes at all.
    #[error("{file}: the file is empty")]
    Empty {
        /// The file name as given.
        file: String,
    },
    /// The file decodes to nothing but whitespace.
    #[error("{file}: the file contains only whitespace")]
    Blank {
        /// The file name as given.
        file: String,
    },
    /// The file holds binary data rather than text.
    #[error("{file}: binary content ({reason}), not a transcript")]
    Binary {
        /// The file name as given.
        file: String,
        /// What gave it away, e.g. `NUL bytes`.
        reason: String,
    },
    /// The bytes cannot be turned into text.
    #[error("{file}: cannot decode the text ({reason})")]
    Undecodable {
        /// The file name as given.
        file: String,
        /// What went wrong, e.g. `invalid UTF-16`.
        reason: String,
    },
    /// The file (or the text decoded from it) is over the size limit.
    #[error("{file}: {}", too_large_message(*.size, *.limit))]
    TooLarge {
        /// The file name as given.
        file: String,
        /// The size found, in bytes.
        size: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file is damaged or is not what its extension says.
    #[error("{file}: {reason}")]
    Malformed {
        /// The file name as given.
        file: String,
        /// What is wrong, a lowercase phrase, e.g. `corrupt zip archive (invalid Zip archive)`.
        reason: String,
    },
    /// The file is an older format that has to be converted first.
    #[error("{file}: {advice}")]
    LegacyFormat {
        /// The file name as given.
        file: String,
        /// What it is and what to do, e.g. `this is a Word 97–2003 .doc file; save it as .docx`.
        advice: String,
    },
    /// The file is encrypted or password-protected.
    #[error("{file}: the file is password-protected; remove the password and import it again")]
    Encrypted {
        /// The file name as given.
        file: String,
    },
    /// A container whose contents would unpack to far more than any transcript (a zip bomb).
    #[error("{file}: refused as a possible zip bomb ({reason})")]
    ZipBomb {
        /// The file name as given.
        file: String,
        /// Which limit was hit, e.g. `more than 10000 entries`.
        reason: String,
    },
    /// A PDF without a text layer, such as a scan.
    #[error("{file}: the PDF has no text layer (scanned pages?); run OCR first")]
    NoTextLayer {
        /// The file name as given.
        file: String,
    },
    /// No importer handles the file's extension.
    #[error("{file}: {}", unsupported_message(.extension))]
    Unsupported {
        /// The file name as given.
        file: String,
        /// The extension found, lowercased and without the dot; empty when there is none.
        extension: String,
    },
}

/// Reads one file format into an [`ImportedTranscript`].
///
/// Implementations supply [`Importer::parse`]; [`Importer::import`] refuses a file over
/// `options.max_bytes` before parsing it, so no format can forget the limit. `parse` must refuse
/// bad input with an [`ImportError`] rather than panic, and do no I/O. `Send + Sync` so the
/// registry can be a `static` and imports can run on worker threads.
pub trait Importer: Send + Sync {
    /// The format this importer reads.
    fn format(&self) -> TranscriptFormat;
    /// The file extensions it handles, lowercase and without the dot, e.g. `["txt"]`.
    fn extensions(&self) -> &'static [&'static str] {
        self.format().extensions()
    }
    /// Reads `bytes`, which came from a file called `file_name` (used in messages and
    /// provenance), refusing a file over the size limit before reading it.
    fn import(
        &self,
        file_name: &str,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportedTranscript, ImportError> {
        check_size(file_name, bytes, options)?;
        self.parse(file_name, bytes)
    }
    /// Reads `bytes` already known to be within the size limit; callers use [`Importer::import`],
    /// which checks it first.
    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError>;
}

/// Every importer, in the order their extensions are listed to the user.
static IMPORTERS: &[&dyn Importer] = &[
    &PlainTextImporter::TEXT,
    &MarkdownImporter,
    &DocxImporter,
    &OdtImporter,
    &RtfImporter,
    #[cfg(feature = "pdf")]
    &PdfImporter,
    &SubtitleImporter::VTT,
    &SubtitleImporter::SRT,
];

/// Imports a transcript file, choosing the importer by the file name's extension (ignoring case).
///
/// The size limit is checked first, so an oversized file is refused without being read.
///
/// ```
/// use idiograph_formats::{import_transcript, ImportOptions};
/// let t = import_transcript("interview.txt", b"Olivia: Hello.\r\nSam: Hi.\r\n", &ImportOptions::default()).unwrap();
/// assert_eq!(t.text, "Olivia: Hello.\nSam: Hi.\n");
/// assert_eq!(t.turns.len(), 2);
/// assert_eq!(t.turns[1].label.as_deref(), Some("Sam"));
/// assert_eq!(
///     import_transcript("x.xyz", b"hi", &ImportOptions::default()).unwrap_err().to_string(),
///     "x.xyz: unsupported format '.xyz' (supported: .txt, .md, .docx, .odt, .rtf, .pdf, .vtt, .srt)",
/// );
/// ```
pub fn import_transcript(
    file_name: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<ImportedTranscript, ImportError> {
    // Before the extension, so an oversized file is refused as such whatever its name.
    check_size(file_name, bytes, options)?;
    let extension = extension_of(file_name);
    let importer = IMPORTERS
        .iter()
        .find(|importer| importer.extensions().contains(&extension.as_str()))
        .ok_or_else(|| ImportError::Unsupported { file: file_name.to_owned(), extension })?;
    importer.parse(file_name, bytes)
}

/// The extensions [`import_transcript`] accepts, lowercase and without the dot (for file pickers).
pub fn supported_extensions() -> Vec<&'static str> {
    IMPORTERS.iter().flat_map(|importer| importer.extensions().iter().copied()).collect()
}

/// Refuses files over the limit, for [`import_transcript`] and [`Importer::import`].
fn check_size(file_name: &str, bytes: &[u8], options: &ImportOptions) -> Result<(), ImportError> {
    let size = bytes.len() as u64;
    if size > options.max_bytes {
        return Err(ImportError::TooLarge { file: file_name.to_owned(), size, limit: options.max_bytes });
    }
    Ok(())
}

/// Builds the provenance record shared by all importers.
fn provenance(file_name: &str, bytes: &[u8], format: TranscriptFormat, encoding: &str) -> Provenance {
    let digest = Sha256::digest(bytes);
    let mut sha256 = String::with_capacity(64);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(sha256, "{byte:02x}");
    }
    Provenance {
        file_name: file_name.to_owned(),
        sha256,
        format,
        encoding: encoding.to_owned(),
        byte_len: bytes.len() as u64,
    }
}

/// The lowercase extension of the last path component; callers may pass names with folders.
fn extension_of(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        // A leading dot marks a hidden file (".txt"), not an extension, as in `Path::extension`.
        Some((stem, extension)) if !stem.is_empty() => extension.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// "1 line" or "3 lines".
fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// The text of [`ImportError::Unsupported`], listing what is supported instead.
fn unsupported_message(extension: &str) -> String {
    let supported = supported_extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ");
    if extension.is_empty() {
        format!("unsupported format, the name has no extension (supported: {supported})")
    } else {
        format!("unsupported format '.{extension}' (supported: {supported})")
    }
}

/// The text of [`ImportError::TooLarge`].
fn too_large_message(size: u64, limit: u64) -> String {
    let (size_text, limit_text) = (human_size(size), human_size(limit));
    // Rounding can make both look equal ("50 MB is over the 50 MB limit"); exact bytes then.
    if size_text == limit_text {
        format!("{size} bytes is over the {limit} byte limit")
    } else {
        format!("{size_text} is over the {limit_text} limit")
    }
}

/// Decimal units with one decimal place, dropping a trailing ".0" so limits read "50 MB".
fn human_size(bytes: u64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    let value = bytes as f64;
    for (scale, unit) in UNITS {
        if value >= scale {
            let text = format!("{:.1}", value / scale);
            return format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text));
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_ignores_case_and_folders() {
        let options = ImportOptions::default();
        let t = import_transcript("C:\\data\\P1.TXT", b"Dan: hi\n", &options).unwrap();
        assert_eq!(t.provenance.format, TranscriptFormat::PlainText);
        let t = import_transcript("notes/ep.Md", b"**Dan:** hi\n", &options).unwrap();
        assert_eq!(t.provenance.format, TranscriptFormat::Markdown);
        let all = ["txt", "md", "docx", "odt", "rtf", "pdf", "vtt", "srt"];
        let expected: Vec<&str> = all.into_iter().filter(|e| cfg!(feature = "pdf") || *e != "pdf").collect();
        assert_eq!(supported_extensions(), expected);
    }

    #[test]
    fn unsupported_extensions_are_named() {
        let options = ImportOptions::default();
        let supported = supported_extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ");
        let err = import_transcript("x.xyz", b"Dan: hi", &options).unwrap_err();
        assert_eq!(err.to_string(), format!("x.xyz: unsupported format '.xyz' (supported: {supported})"));
        let err = import_transcript("README", b"Dan: hi", &options).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("README: unsupported format, the name has no extension (supported: {supported})")
        );
        assert!(matches!(import_transcript(".txt", b"Dan: hi", &options), Err(ImportError::Unsupported { .. })));
    }

    #[test]
    fn size_limit_is_checked_before_the_extension() {
        let options = ImportOptions { max_bytes: 4 };
        let err = import_transcript("big.xyz", b"Dan: hi", &options).unwrap_err();
        assert_eq!(err.to_string(), "big.xyz: 7 bytes is over the 4 bytes limit");
        let err = PlainTextImporter::TEXT.import("big.txt", b"Dan: hi", &options).unwrap_err();
        assert!(matches!(err, ImportError::TooLarge { size: 7, limit: 4, .. }));
        assert!(import_transcript("ok.txt", b"Dan:", &options).is_ok());
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(too_large_message(61_200_000, 50_000_000), "61.2 MB is over the 50 MB limit");
        assert_eq!(too_large_message(50_000_001, 50_000_000), "50000001 bytes is over the 50000000 byte limit");
        assert_eq!(too_large_message(2_500, 1_000), "2.5 kB is over the 1 kB limit");
        assert_eq!(human_size(4_300_000_000), "4.3 GB");
    }

    #[test]
    fn provenance_hashes_the_original_bytes() {
        let t = import_transcript("a.txt", b"\xef\xbb\xbfDan: hi\r\n", &ImportOptions::default()).unwrap();
        // sha256 of the 12 original bytes, computed with `printf '\xef\xbb\xbfDan: hi\r\n' | sha256sum`.
        assert_eq!(t.provenance.sha256, "12dd2878ffe47842594a86b70df12de4c6a8de9b3ce15223bab9998e185ec2ad");
        assert_eq!(t.provenance.byte_len, 12);
        assert_eq!(t.provenance.encoding, "utf-8 (bom)");
        assert_eq!(t.provenance.file_name, "a.txt");
    }
}
