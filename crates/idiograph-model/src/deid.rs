//! Pseudonymisation decisions: what a researcher decided about each identifier candidate, and
//! what the study keeps of original text once transcripts are pseudonymised.

use idiograph_text::Span;

use crate::ObjectId;

crate::word_enum!(
    /// A researcher's decision on one identifier candidate in the review queue.
    Verdict, "review decision", {
        /// Replace it when pseudonymisation is applied.
        Accept => "accept",
        /// Leave it as it is (not identifying).
        Reject => "reject",
    }
);

crate::word_enum!(
    /// What becomes of the original text of a transcript once it is pseudonymised.
    OriginalsPolicy, "originals policy", {
        /// Kept in the encrypted key store only (never in the project file): undo can restore it
        /// with the passphrase.
        KeyStore => "key-store",
        /// Discarded: nobody can recover it, and pseudonymisation cannot be undone.
        Discard => "discard",
    }
);

/// One decision of the review queue, tied to a span of one transcript version. The span's text
/// is not stored here: it is the transcript's, and a decision must not copy identifying text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecision {
    /// Stable id.
    pub id: ObjectId,
    /// The case whose transcript holds the candidate.
    pub participant_id: ObjectId,
    /// The transcript.
    pub transcript_id: ObjectId,
    /// The version the span refers to (decisions lapse with a new version).
    pub version_id: ObjectId,
    /// Where the candidate is.
    pub span: Span,
    /// The detector's kind, e.g. `email`, `person` (as `idiograph_pseudonym::CandidateKind::name`).
    pub kind: String,
    /// Accept or reject.
    pub verdict: Verdict,
    /// For an accepted candidate, the replacement chosen (the detector's default when `None`).
    pub replacement: Option<String>,
    /// Who decided.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A decision on every occurrence of a word, wherever it stands ("reject every 'Kafka'"). A
/// rejected word is kept as written (the reviewer judged it not identifying); an accepted one
/// lives only until the next pseudonymisation replaces it and deletes the decision.
#[derive(Clone, PartialEq, Eq)]
pub struct WordDecision {
    /// Stable id.
    pub id: ObjectId,
    /// The word or words, as the reviewer chose them (matched in any letter case).
    pub word: String,
    /// The candidate kind it was decided as, e.g. `other`, `place`.
    pub kind: String,
    /// Accept or reject.
    pub verdict: Verdict,
    /// For an accepted word, the replacement chosen (the kind's default when `None`).
    pub replacement: Option<String>,
    /// Who decided.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl std::fmt::Debug for WordDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WordDecision({} [redacted] {} {})", self.id.as_str(), self.kind, self.verdict)
    }
}

/// How many replacements of one category a pseudonymisation made in one transcript: a line of
/// the de-identification log, which never holds a real value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacementCount {
    /// Stable id.
    pub id: ObjectId,
    /// The case.
    pub participant_id: ObjectId,
    /// The transcript.
    pub transcript_id: ObjectId,
    /// The pseudonymised version the replacements produced.
    pub version_id: ObjectId,
    /// The category, as its bracketed label (`[Patient]`, `[Email]`).
    pub category: String,
    /// How many replacements.
    pub count: u32,
    /// When (RFC 3339).
    pub created_at: String,
}

/// Where the lines of a transcript version went in the version pseudonymisation made of it, so
/// that a citation made before ("p. 2, l. 14") can be found after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMapping {
    /// The new version's id (one mapping per version made).
    pub id: ObjectId,
    /// The case.
    pub participant_id: ObjectId,
    /// The transcript.
    pub transcript_id: ObjectId,
    /// The version the lines are numbered in.
    pub from_version: ObjectId,
    /// For each line of the old version, from 1, the line of the new version holding its start.
    pub lines: Vec<u32>,
    /// When (RFC 3339).
    pub created_at: String,
}
