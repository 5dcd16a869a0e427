//! Participants (cases) and their interview metadata.

use std::collections::BTreeMap;

use crate::ObjectId;

/// One participant of the study: the case that IPA analyses on its own terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `P1`.
    pub short: u32,
    /// The pseudonym used everywhere (never the real name).
    pub pseudonym: String,
    /// Free attributes, e.g. `training_stage = ST3`.
    pub attributes: BTreeMap<String, String>,
    /// When and how the interview took place.
    pub interview: InterviewMeta,
    /// When the researcher marked the case's analysis finished (RFC 3339), if so.
    pub finished_at: Option<String>,
}

/// Metadata of a participant's interview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterviewMeta {
    /// Date of the interview, as the researcher writes it (ISO dates recommended).
    pub date: Option<String>,
    /// Mode, e.g. "in person", "video call", "telephone".
    pub mode: Option<String>,
    /// Length in minutes.
    pub duration_minutes: Option<u32>,
    /// Who interviewed (initials are usual).
    pub interviewer: Option<String>,
}

impl InterviewMeta {
    /// A one-line summary such as "2024-11-05, video call, 48 min, by AM", or `None` if empty.
    pub fn summary(&self) -> Option<String> {
        let mut parts = Vec::new();
        parts.extend(self.date.clone());
        parts.extend(self.mode.clone());
        parts.extend(self.duration_minutes.map(|m| format!("{m} min")));
        parts.extend(self.interviewer.as_ref().map(|i| format!("by {i}")));
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Why a pseudonym is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PseudonymError {
    /// Empty or only white space.
    Empty,
    /// Longer than 60 characters.
    TooLong,
    /// Contains a control character or a line break.
    ControlCharacter,
}

impl std::fmt::Display for PseudonymError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PseudonymError::Empty => "a pseudonym cannot be empty",
            PseudonymError::TooLong => "a pseudonym is at most 60 characters",
            PseudonymError::ControlCharacter => "a pseudonym cannot contain control characters or line breaks",
        })
    }
}

impl std::error::Error for PseudonymError {}

impl Participant {
    /// Checks and trims a pseudonym.
    pub fn check_pseudonym(pseudonym: &str) -> Result<String, PseudonymError> {
        let trimmed = pseudonym.trim();
        if trimmed.is_empty() {
            return Err(PseudonymError::Empty);
        }
        if trimmed.chars().count() > 60 {
            return Err(PseudonymError::TooLong);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(PseudonymError::ControlCharacter);
        }
        Ok(trimmed.to_owned())
    }
}
