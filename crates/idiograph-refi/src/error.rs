//! Errors (the input was refused) and diagnostics (the input was read, with remarks).

use std::fmt;

/// Why a file was refused or a project could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", file.as_deref().map(|f| format!("{f}: ")).unwrap_or_default())]
pub struct RefiError {
    /// The file being read, when known.
    pub file: Option<String>,
    /// What went wrong.
    pub kind: RefiErrorKind,
}

impl RefiError {
    pub(crate) fn new(kind: RefiErrorKind) -> RefiError {
        RefiError { file: None, kind }
    }

    pub(crate) fn in_file(mut self, file: &str) -> RefiError {
        if self.file.is_none() {
            self.file = Some(file.to_owned());
        }
        self
    }
}

impl From<RefiErrorKind> for RefiError {
    fn from(kind: RefiErrorKind) -> Self {
        RefiError::new(kind)
    }
}

/// The kinds of refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefiErrorKind {
    /// The bytes are not a ZIP archive.
    #[error("not a REFI-QDA project archive (.qdpx is a ZIP file): {0}")]
    NotZip(String),
    /// An entry name that would escape the archive's folder (zip slip) or is absolute.
    #[error("unsafe entry name {0:?} in the archive (absolute path or '..'); refused")]
    UnsafeEntryName(String),
    /// More entries than the limit.
    #[error("the archive has {count} entries, more than the limit of {limit}")]
    TooManyEntries {
        /// Entries in the archive.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An entry or the whole archive unpacks to more bytes than allowed (zip bomb).
    #[error("{what} unpacks to more than {limit} bytes; refused as a possible zip bomb")]
    TooLarge {
        /// The entry name, or "the archive".
        what: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// No `.qde` file at the root of the archive.
    #[error("the archive holds no project.qde (nor any other .qde at its root)")]
    MissingProjectQde,
    /// Reading an entry failed (corrupt archive).
    #[error("cannot read {entry:?} from the archive: {message}")]
    CorruptEntry {
        /// The entry name.
        entry: String,
        /// The cause.
        message: String,
    },
    /// The XML declares a DTD; refused because of XXE and entity-expansion attacks.
    #[error("the XML has a DOCTYPE declaration; DTDs and entities are refused (XXE, billion laughs)")]
    Dtd,
    /// An entity reference other than the five predefined ones and character references.
    #[error(
        "undefined entity &{0}; in the XML (only &lt; &gt; &amp; &apos; &quot; and character references are allowed)"
    )]
    UndefinedEntity(String),
    /// The XML is not well-formed.
    #[error("malformed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset of the problem.
        position: u64,
        /// The parser's description.
        message: String,
    },
    /// Elements nested deeper than the limit.
    #[error("XML nested deeper than {0} levels")]
    TooDeep(usize),
    /// More XML elements than the limit: each costs memory as a tree node, so a file of many
    /// tiny elements would need far more memory than its size.
    #[error("the XML has more than {0} elements; refused")]
    TooManyElements(usize),
    /// The XML is not in UTF-8 (or UTF-16 with a BOM).
    #[error("the XML is not valid UTF-8: {0}")]
    Encoding(String),
    /// The root element is not what was expected.
    #[error("the root element is <{found}>, expected <{expected}>")]
    WrongRoot {
        /// The root found.
        found: String,
        /// The root expected.
        expected: &'static str,
    },
    /// Writing: an identifier is not a GUID, as the schema requires.
    #[error("{what} has id {guid:?}, which is not a GUID (8-4-4-4-12 hexadecimal digits)")]
    InvalidGuid {
        /// What carries it.
        what: String,
        /// The id.
        guid: String,
    },
    /// Writing: two objects share a GUID.
    #[error("GUID {0} is used by more than one object")]
    DuplicateGuid(String),
    /// Writing: a reference points to no object of the project.
    #[error("{what} refers to {guid}, which is not in the project")]
    UnknownReference {
        /// The referring object.
        what: String,
        /// The missing GUID.
        guid: String,
    },
    /// Writing: a colour is not `#RRGGBB`/`#RGB`.
    #[error("code {code:?} has colour {color:?}; expected #RRGGBB")]
    InvalidColor {
        /// The code's name.
        code: String,
        /// The colour given.
        color: String,
    },
    /// Writing: a selection's span does not fit its source text.
    #[error("selection {selection} of source {source_name:?}: span {span} does not fit the text ({len} bytes) on character boundaries")]
    InvalidSpan {
        /// The selection GUID.
        selection: String,
        /// The source name.
        source_name: String,
        /// The span.
        span: String,
        /// The text length in bytes.
        len: usize,
    },
    /// Writing: a value the schema cannot express (e.g. a non-finite float).
    #[error("{0}")]
    InvalidValue(String),
    /// Writing the ZIP archive failed.
    #[error("cannot write the archive: {0}")]
    Zip(String),
}

/// What a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// Something in the file that the model cannot hold was left out (pictures, PDFs, audio,
    /// video, graphs, links, …): data loss the user must be told about (spec §7).
    NotImported,
    /// An invalid item was skipped (selection past the end, unknown reference, duplicate GUID).
    Skipped,
    /// A deviation from the standard was accepted or repaired (file names, namespace, BOM, …).
    Lenient,
    /// How text positions were read (unit chosen, verification result).
    Positions,
}

impl DiagnosticKind {
    /// A short word for listings.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::NotImported => "not imported",
            DiagnosticKind::Skipped => "skipped",
            DiagnosticKind::Lenient => "accepted",
            DiagnosticKind::Positions => "positions",
        }
    }
}

/// A remark about a file that was read: what was not imported, skipped, repaired or decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefiDiagnostic {
    /// The kind of remark.
    pub kind: DiagnosticKind,
    /// A sentence naming the objects concerned (by name and GUID) and the reason.
    pub message: String,
}

impl RefiDiagnostic {
    pub(crate) fn new(kind: DiagnosticKind, message: impl Into<String>) -> RefiDiagnostic {
        RefiDiagnostic { kind, message: message.into() }
    }
}

impl fmt::Display for RefiDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}
