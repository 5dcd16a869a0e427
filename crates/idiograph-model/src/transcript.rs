//! Transcripts, their immutable versions, speaker turns and citations.

use std::collections::BTreeMap;

use idiograph_text::{Layout, Span};

use crate::ObjectId;

crate::word_enum!(
    /// Who a speaker is in the interview.
    SpeakerRole, "speaker role", {
        /// The researcher asking questions.
        Interviewer => "interviewer",
        /// The participant whose experience is analysed.
        Participant => "participant",
        /// Anyone else (a second interviewer, an interpreter).
        Other => "other",
    }
);

impl SpeakerRole {
    /// A first guess of the role from a speaker label, for the researcher to confirm.
    ///
    /// `pseudonym` is the participant the transcript belongs to.
    pub fn guess(label: &str, pseudonym: &str) -> SpeakerRole {
        let l = label.trim().trim_end_matches('.').to_lowercase();
        if l == pseudonym.trim().to_lowercase() {
            return SpeakerRole::Participant;
        }
        match l.as_str() {
            "i" | "int" | "interviewer" | "q" | "researcher" | "r1" => SpeakerRole::Interviewer,
            "p" | "participant" | "respondent" | "a" | "interviewee" => SpeakerRole::Participant,
            _ if l.starts_with("interviewer") => SpeakerRole::Interviewer,
            _ if l.starts_with("participant") || l.starts_with("respondent") => SpeakerRole::Participant,
            _ => SpeakerRole::Other,
        }
    }
}

/// A transcript of one interview with one participant; its text lives in immutable versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `T1`.
    pub short: u32,
    /// The participant interviewed.
    pub participant_id: ObjectId,
    /// A title, by default the imported file's name.
    pub title: String,
    /// The version analysed now; annotations on older versions stay valid on those versions.
    pub current_version: ObjectId,
    /// The role of each speaker label found in the text.
    pub speakers: BTreeMap<String, SpeakerRole>,
    /// When it was imported (RFC 3339).
    pub created_at: String,
}

/// A speaker turn within a version's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The whole turn, label included.
    pub span: Span,
    /// The speaker label as written.
    pub label: Option<String>,
    /// Where the label sits in the text.
    pub label_span: Option<Span>,
    /// A timestamp at the start of the turn, e.g. `00:12:34`.
    pub timestamp: Option<String>,
}

/// Where a version's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The original file name (no folders).
    pub file_name: String,
    /// SHA-256 of the original bytes, hex.
    pub sha256: String,
    /// The format it was read as, e.g. `text`.
    pub format: String,
    /// The encoding it was decoded from.
    pub encoding: String,
}

/// One immutable version of a transcript: canonical text, frozen layout and turns.
///
/// Invariant: `text` is canonical (NFC, LF, no BOM), `layout` was computed from `text` when the
/// version was made, and every turn span lies within `text`.
#[derive(Clone, PartialEq)]
pub struct TranscriptVersion {
    /// Stable id.
    pub id: ObjectId,
    /// The transcript it belongs to.
    pub transcript_id: ObjectId,
    /// 1 for the imported text, then 2, 3, … for each edit.
    pub number: u32,
    /// The canonical text.
    pub text: String,
    /// The layout frozen with this version: line and page numbers for citations.
    pub layout: Layout,
    /// Speaker turns in text order.
    pub turns: Vec<Turn>,
    /// Where the text came from.
    pub provenance: Provenance,
    /// When the version was made (RFC 3339).
    pub created_at: String,
}

// Transcript text is personal data: keep it out of logs and panics.
impl std::fmt::Debug for TranscriptVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TranscriptVersion")
            .field("id", &self.id)
            .field("number", &self.number)
            .field("text", &format_args!("[{} bytes redacted]", self.text.len()))
            .finish_non_exhaustive()
    }
}

impl TranscriptVersion {
    /// The turn that contains `offset`, if any.
    pub fn turn_at(&self, offset: usize) -> Option<&Turn> {
        let i = self.turns.partition_point(|t| t.span.end().to_usize() <= offset);
        self.turns.get(i).filter(|t| t.span.start().to_usize() <= offset)
    }
}

/// The citation of a span in a version, e.g. "(Olivia, p. 6, ll. 14–16)".
pub fn cite(pseudonym: &str, layout: &Layout, span: Span) -> String {
    format!("({pseudonym}, {})", layout.span_lines(span))
}
