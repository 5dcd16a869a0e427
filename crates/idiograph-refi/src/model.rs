//! The plain exchange model: what a REFI-QDA project holds that Idiograph can use.

use idiograph_text::{Span, TextSize};

/// A REFI-QDA project as this crate reads and writes it.
///
/// GUIDs are kept exactly as given (write) or as found in the file (read); references
/// (`code_guid`, `note_refs`, …) are spelled like the GUID of the object they point to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefiProject {
    /// `Project@name` (required by the schema).
    pub name: String,
    /// `Project@origin`: the producing tool and its version, e.g. "NVivo 12.6 (Windows)".
    pub origin: Option<String>,
    /// `Project@creatingUserGUID`.
    pub creating_user: Option<String>,
    /// `Project@creationDateTime` (`xsd:dateTime`, e.g. "2024-05-01T10:00:00Z").
    pub creation_date: Option<String>,
    /// `Project/Description`.
    pub description: Option<String>,
    /// Notes about the project as a whole (`Project/NoteRef`), e.g. a reflexive journal.
    pub note_refs: Vec<String>,
    /// `Users/User`.
    pub users: Vec<RefiUser>,
    /// `CodeBook/Codes/Code`, a tree.
    pub codes: Vec<RefiCode>,
    /// `Variables/Variable`: the attributes cases and sources may carry.
    pub variables: Vec<RefiVariable>,
    /// `Cases/Case`: participants.
    pub cases: Vec<RefiCase>,
    /// `Sources/TextSource`: transcripts. Other kinds of source are not imported (reported).
    pub sources: Vec<RefiSource>,
    /// `Notes/Note`: memos, exploratory comments, journal entries.
    pub notes: Vec<RefiNote>,
    /// `Sets/Set`: groups of codes, sources and notes.
    pub sets: Vec<RefiSet>,
    /// `Sources/AudioSource` and `Sources/VideoSource` whose transcript is one of `sources`:
    /// the recordings of interviews.
    pub media: Vec<RefiMedia>,
}

impl RefiProject {
    /// An empty project with a name.
    pub fn new(name: impl Into<String>) -> RefiProject {
        RefiProject { name: name.into(), ..RefiProject::default() }
    }

    /// How many objects of each kind the project holds (codes counted through the tree).
    pub fn counts(&self) -> RefiCounts {
        fn count_codes(codes: &[RefiCode]) -> usize {
            codes.iter().map(|c| 1 + count_codes(&c.children)).sum()
        }
        let selections = self.sources.iter().map(|s| s.selections.len()).sum();
        let codings = self
            .sources
            .iter()
            .map(|s| s.codings.len() + s.selections.iter().map(|sel| sel.codings.len()).sum::<usize>())
            .sum();
        RefiCounts {
            users: self.users.len(),
            codes: count_codes(&self.codes),
            variables: self.variables.len(),
            cases: self.cases.len(),
            sources: self.sources.len(),
            sources_without_text: self.sources.iter().filter(|s| s.text.is_none()).count(),
            selections,
            codings,
            notes: self.notes.len(),
            sets: self.sets.len(),
        }
    }

    /// Finds a code anywhere in the tree by GUID.
    pub fn code(&self, guid: &str) -> Option<&RefiCode> {
        fn find<'a>(codes: &'a [RefiCode], guid: &str) -> Option<&'a RefiCode> {
            codes.iter().find_map(|c| if c.guid == guid { Some(c) } else { find(&c.children, guid) })
        }
        find(&self.codes, guid)
    }

    /// Finds a note by GUID.
    pub fn note(&self, guid: &str) -> Option<&RefiNote> {
        self.notes.iter().find(|n| n.guid == guid)
    }

    /// Finds a source by GUID.
    pub fn source(&self, guid: &str) -> Option<&RefiSource> {
        self.sources.iter().find(|s| s.guid == guid)
    }
}

/// Numbers of objects per kind, for "what was imported" summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefiCounts {
    /// Users.
    pub users: usize,
    /// Codes, at every level of the tree.
    pub codes: usize,
    /// Variables.
    pub variables: usize,
    /// Cases.
    pub cases: usize,
    /// Text sources.
    pub sources: usize,
    /// Text sources whose text was not in the file (their selections keep file positions).
    pub sources_without_text: usize,
    /// Text selections.
    pub selections: usize,
    /// Codings, on selections and on whole sources.
    pub codings: usize,
    /// Notes.
    pub notes: usize,
    /// Sets.
    pub sets: usize,
}

/// `User`: someone who created or changed objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefiUser {
    /// GUID.
    pub guid: String,
    /// Display name; empty when the file had none.
    pub name: String,
}

/// `Code`: a node of the code tree (in Idiograph: GET, PET, statement, or an imported code).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefiCode {
    /// GUID.
    pub guid: String,
    /// Label.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `#RRGGBB` (or `#RGB`).
    pub color: Option<String>,
    /// `isCodable`: false for folders/categories that cannot be applied to text.
    pub is_codable: bool,
    /// Notes about the code (`NoteRef`; not part of a `.qdc` codebook).
    pub note_refs: Vec<String>,
    /// Sub-codes.
    pub children: Vec<RefiCode>,
}

impl RefiCode {
    /// A codable code with no description, colour or children.
    pub fn new(guid: impl Into<String>, name: impl Into<String>) -> RefiCode {
        RefiCode { guid: guid.into(), name: name.into(), is_codable: true, ..RefiCode::default() }
    }
}

/// The type of a variable (`typeOfVariable`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefiVariableType {
    /// Free text.
    Text,
    /// true/false.
    Boolean,
    /// Whole number.
    Integer,
    /// Decimal number.
    Float,
    /// `xsd:date`.
    Date,
    /// `xsd:dateTime`.
    DateTime,
}

impl RefiVariableType {
    /// The word the schema uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RefiVariableType::Text => "Text",
            RefiVariableType::Boolean => "Boolean",
            RefiVariableType::Integer => "Integer",
            RefiVariableType::Float => "Float",
            RefiVariableType::Date => "Date",
            RefiVariableType::DateTime => "DateTime",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RefiVariableType> {
        Some(match s.trim() {
            "Text" => RefiVariableType::Text,
            "Boolean" => RefiVariableType::Boolean,
            "Integer" => RefiVariableType::Integer,
            "Float" => RefiVariableType::Float,
            "Date" => RefiVariableType::Date,
            "DateTime" => RefiVariableType::DateTime,
            _ => return None,
        })
    }
}

/// `Variable`: an attribute such as age or interview mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefiVariable {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Type of its values.
    pub kind: RefiVariableType,
    /// `Description`.
    pub description: Option<String>,
}

/// A value of a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum RefiValue {
    /// `TextValue`.
    Text(String),
    /// `BooleanValue`.
    Boolean(bool),
    /// `IntegerValue`.
    Integer(i64),
    /// `FloatValue` (`xsd:decimal`; must be finite to be written).
    Float(f64),
    /// `DateValue`, as written (`YYYY-MM-DD`).
    Date(String),
    /// `DateTimeValue`, as written.
    DateTime(String),
}

/// `VariableValue`: a variable's value on a case or a source.
#[derive(Clone, Debug, PartialEq)]
pub struct RefiVariableValue {
    /// The GUID of the [`RefiVariable`].
    pub variable_guid: String,
    /// The value.
    pub value: RefiValue,
}

/// `Case`: a participant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefiCase {
    /// GUID.
    pub guid: String,
    /// Name (pseudonym).
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// Codes that characterise the case (`CodeRef`).
    pub code_refs: Vec<String>,
    /// Attribute values (`VariableValue`).
    pub variables: Vec<RefiVariableValue>,
    /// The case's sources (`SourceRef`).
    pub source_refs: Vec<String>,
    /// Selections that belong to the case (`SelectionRef`).
    pub selection_refs: Vec<String>,
}

/// `TextSource`: a transcript.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefiSource {
    /// GUID; also names the file `sources/<GUID>.txt` on export.
    pub guid: String,
    /// Name shown to the user (a file name in most tools).
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// Canonical text (no BOM, LF line ends, NFC), which every selection's span indexes.
    ///
    /// `None` when the file did not carry the text (a bare `.qde` whose source files were not
    /// supplied): the selections' spans then hold the positions exactly as written in the file,
    /// unconverted and unchecked, and such a source is written back without a text file.
    pub text: Option<String>,
    /// `PlainTextSelection`s.
    pub selections: Vec<RefiSelection>,
    /// Codings of the whole source (`TextSource/Coding`).
    pub codings: Vec<RefiCoding>,
    /// Notes about the source (`NoteRef`).
    pub note_refs: Vec<String>,
    /// Attribute values on the source itself (MAXQDA's document variables).
    pub variables: Vec<RefiVariableValue>,
    /// `creatingUser`.
    pub creating_user: Option<String>,
    /// `creationDateTime`.
    pub creation_date: Option<String>,
}

impl RefiSource {
    /// A source with a text (canonicalised here with [`idiograph_text::normalize`]).
    pub fn new(guid: impl Into<String>, name: impl Into<String>, text: impl AsRef<str>) -> RefiSource {
        RefiSource {
            guid: guid.into(),
            name: name.into(),
            text: Some(idiograph_text::normalize(text.as_ref())),
            ..RefiSource::default()
        }
    }
}

/// `PlainTextSelection`: a passage of a source, with its codings and notes.
#[derive(Clone, Debug, PartialEq)]
pub struct RefiSelection {
    /// GUID.
    pub guid: String,
    /// `name` (ATLAS.ti puts the quoted text here, NVivo an empty string).
    pub name: Option<String>,
    /// Half-open UTF-8 byte span over the source's canonical text.
    pub span: Span,
    /// `Description`: a comment on the passage. On export, when this is `None` and the
    /// selection has notes, their text is mirrored here for tools that read only this; on
    /// import such a mirror is recognised and dropped again.
    pub description: Option<String>,
    /// Codes applied to the passage.
    pub codings: Vec<RefiCoding>,
    /// Notes on the passage (`NoteRef`).
    pub note_refs: Vec<String>,
    /// `creatingUser`.
    pub creating_user: Option<String>,
    /// `creationDateTime`.
    pub creation_date: Option<String>,
}

impl RefiSelection {
    /// A selection with no codings or notes.
    pub fn new(guid: impl Into<String>, span: Span) -> RefiSelection {
        RefiSelection {
            guid: guid.into(),
            name: None,
            span,
            description: None,
            codings: Vec::new(),
            note_refs: Vec::new(),
            creating_user: None,
            creation_date: None,
        }
    }
}

/// `Coding`: one code applied to a selection or a source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefiCoding {
    /// GUID of the coding itself.
    pub guid: String,
    /// GUID of the code applied (`CodeRef`).
    pub code_guid: String,
    /// Notes on the coding (`NoteRef`).
    pub note_refs: Vec<String>,
    /// `creatingUser`.
    pub creating_user: Option<String>,
    /// `creationDateTime`.
    pub creation_date: Option<String>,
}

impl RefiCoding {
    /// A coding without author, date or notes.
    pub fn new(guid: impl Into<String>, code_guid: impl Into<String>) -> RefiCoding {
        RefiCoding { guid: guid.into(), code_guid: code_guid.into(), ..RefiCoding::default() }
    }
}

/// `Note`: a memo. Its text is written inline (`PlainTextContent`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefiNote {
    /// GUID.
    pub guid: String,
    /// Title.
    pub name: Option<String>,
    /// Canonical text (LF, NFC).
    pub text: String,
    /// `Description`.
    pub description: Option<String>,
    /// `creatingUser`.
    pub creating_user: Option<String>,
    /// `creationDateTime`.
    pub creation_date: Option<String>,
}

impl RefiNote {
    /// A note with a text (canonicalised here).
    pub fn new(guid: impl Into<String>, text: impl AsRef<str>) -> RefiNote {
        RefiNote { guid: guid.into(), text: idiograph_text::normalize(text.as_ref()), ..RefiNote::default() }
    }
}

/// `Set`: a named group of codes, sources and notes (ATLAS.ti's code and document groups).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefiSet {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `MemberCode`.
    pub member_codes: Vec<String>,
    /// `MemberSource`.
    pub member_sources: Vec<String>,
    /// `MemberNote`.
    pub member_notes: Vec<String>,
}

/// Whether a recording is an `AudioSource` or a `VideoSource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefiMediaKind {
    /// `AudioSource`.
    Audio,
    /// `VideoSource`.
    Video,
}

/// `AudioSource` / `VideoSource`: the recording of an interview, stored in the archive as
/// `sources/<GUID>.<extension>`, with the transcript of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefiMedia {
    /// GUID; also names the file in the archive.
    pub guid: String,
    /// Name shown to the user (the recording's file name).
    pub name: String,
    /// Audio or video.
    pub kind: RefiMediaKind,
    /// The file's extension without the dot, e.g. `mp3`.
    pub extension: String,
    /// The recording's bytes.
    pub bytes: Vec<u8>,
    /// Its transcript: a text source of the project, with the times of places in its text.
    pub transcript: RefiTranscript,
    /// `creatingUser`.
    pub creating_user: Option<String>,
    /// `creationDateTime`.
    pub creation_date: Option<String>,
}

/// `Transcript`: the text of a recording, which is the text of a [`RefiSource`] (written with the
/// same `plainTextPath`), and its sync points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefiTranscript {
    /// GUID of the `Transcript` element.
    pub guid: String,
    /// Name (the transcript's title).
    pub name: String,
    /// The GUID of the text source whose text it is.
    pub source_guid: String,
    /// `SyncPoint`s in text order.
    pub sync_points: Vec<RefiSyncPoint>,
}

/// `SyncPoint`: a place in a transcript's text and when it is spoken in the recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefiSyncPoint {
    /// GUID.
    pub guid: String,
    /// `timeStamp`: milliseconds from the start of the recording.
    pub time_ms: u64,
    /// `position`: a UTF-8 byte offset on a char boundary of the source's canonical text
    /// (written in code points).
    pub position: TextSize,
}
