//! The interview guide: the questions a semi-structured interview follows, their follow-up
//! prompts, and where in each transcript the interviewer asked them.
//!
//! A question's answers are derived, never stored: the participant's turns that follow an
//! interviewer turn confirmed as asking it, up to the next interviewer turn.

use crate::{Anchor, ObjectId};

/// A question of the interview guide (`parent` is `None`) or a follow-up prompt under one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideQuestion {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `Q1`; prompts are numbered with the questions.
    pub short: u32,
    /// The question a prompt follows up; `None` for a question of the guide.
    pub parent: Option<ObjectId>,
    /// Its place among its siblings, from 0.
    pub position: i64,
    /// The wording in the guide.
    pub text: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl GuideQuestion {
    /// Whether this is a follow-up prompt rather than a question of the guide.
    pub fn is_prompt(&self) -> bool {
        self.parent.is_some()
    }
}

/// An interviewer turn confirmed by the researcher as asking a question of the guide (or one of
/// its prompts, which counts for the question it follows up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedQuestion {
    /// Stable id.
    pub id: ObjectId,
    /// The question of the guide (never a prompt).
    pub question_id: ObjectId,
    /// The participant interviewed.
    pub participant_id: ObjectId,
    /// The transcript the turn is in.
    pub transcript_id: ObjectId,
    /// The interviewer's turn.
    pub anchor: Anchor,
    /// Who confirmed it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}
