//! Anchored annotations: exploratory notes, experiential statements, extracts, and the journal.

use idiograph_text::{Quote, Span, SpanError};

use crate::{ObjectId, TranscriptVersion};

/// How much text either side of an anchor is kept to re-place it in a later version.
const QUOTE_CONTEXT_CHARS: usize = 32;

/// A place in one transcript version, with the quoted text so it can be re-placed later.
///
/// Invariant: `span` is non-empty, on char boundaries of the version's text, and
/// `quote.exact()` equals the text it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    version_id: ObjectId,
    span: Span,
    quote: Quote,
}

/// Why an anchor cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorError {
    /// The span is not valid on the version's text.
    Span(SpanError),
    /// The span covers no text or only white space.
    Empty,
}

impl std::fmt::Display for AnchorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorError::Span(e) => e.fmt(f),
            AnchorError::Empty => f.write_str("the selected passage is empty"),
        }
    }
}

impl std::error::Error for AnchorError {}

impl Anchor {
    /// Anchors `[start, end)` in `version`, checking the span and capturing the quote.
    pub fn new(version: &TranscriptVersion, start: usize, end: usize) -> Result<Anchor, AnchorError> {
        let span = Span::new(&version.text, start, end).map_err(AnchorError::Span)?;
        Anchor::from_span(version, span)
    }

    /// Anchors an already checked span of `version`.
    pub fn from_span(version: &TranscriptVersion, span: Span) -> Result<Anchor, AnchorError> {
        Span::new(&version.text, span.start().to_usize(), span.end().to_usize()).map_err(AnchorError::Span)?;
        if span.slice(&version.text).trim().is_empty() {
            return Err(AnchorError::Empty);
        }
        Ok(Anchor {
            version_id: version.id.clone(),
            span,
            quote: Quote::capture(&version.text, span, QUOTE_CONTEXT_CHARS),
        })
    }

    /// Rebuilds a stored anchor. The store checks it against the version on load.
    pub fn from_parts(version_id: ObjectId, span: Span, quote: Quote) -> Anchor {
        Anchor { version_id, span, quote }
    }

    /// The version anchored in.
    pub fn version_id(&self) -> &ObjectId {
        &self.version_id
    }

    /// The anchored bytes.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The quoted text with its context.
    pub fn quote(&self) -> &Quote {
        &self.quote
    }
}

crate::word_enum!(
    /// The three canonical kinds of exploratory comment, and free notes.
    NoteKind, "note kind", {
        /// What is said: objects, events, experiences at face value.
        Descriptive => "descriptive",
        /// How it is said: pronouns, pauses, metaphor, repetition.
        Linguistic => "linguistic",
        /// Interrogative, interpretative comments.
        Conceptual => "conceptual",
        /// Anything else.
        Free => "free",
    }
);

/// An exploratory note on a passage of a transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct ExploratoryNote {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `N1`.
    pub short: u32,
    /// The case it belongs to.
    pub participant_id: ObjectId,
    /// The transcript annotated.
    pub transcript_id: ObjectId,
    /// The annotated passage.
    pub anchor: Anchor,
    /// Descriptive, linguistic, conceptual or free.
    pub kind: NoteKind,
    /// The researcher's comment.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Where the recording was (milliseconds from its start) when the note was written, if the
    /// researcher was listening: the tone or pause it records can be heard again.
    pub heard_ms: Option<u64>,
}

/// An experiential statement (2009: emergent theme) grounded in one or more passages of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperientialStatement {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `S1`.
    pub short: u32,
    /// The case it belongs to.
    pub participant_id: ObjectId,
    /// The short phrase.
    pub text: String,
    /// The passages it is grounded in (at least one).
    pub anchors: Vec<Anchor>,
    /// The exploratory notes it was developed from.
    pub from_notes: Vec<ObjectId>,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Where the recording was (milliseconds from its start) when the statement was written, if
    /// the researcher was listening.
    pub heard_ms: Option<u64>,
}

/// A verbatim passage chosen to illustrate a theme in the write-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `X1`.
    pub short: u32,
    /// The theme it illustrates.
    pub theme_id: ObjectId,
    /// The participant who said it.
    pub participant_id: ObjectId,
    /// The transcript it comes from.
    pub transcript_id: ObjectId,
    /// The passage.
    pub anchor: Anchor,
    /// When it was chosen (RFC 3339).
    pub created_at: String,
}

/// A reflexive journal entry, optionally about one object of the study.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `J1`.
    pub short: u32,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The entry.
    pub text: String,
    /// The object it reflects on, if any, by id.
    pub about: Option<ObjectId>,
    /// The case the linked object belongs to, so a withdrawal can remove the entry.
    pub participant_id: Option<ObjectId>,
}
