//! Identifiers: a stable global id per object and a short per-kind number shown to users.

use std::fmt;

/// The globally unique, never reused id of an object (a UUID in text form, kept through exports
/// so that REFI-QDA GUIDs stay stable).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(String);

impl ObjectId {
    /// Wraps an id made by the caller (the model makes no randomness of its own).
    pub fn new(id: impl Into<String>) -> ObjectId {
        ObjectId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({})", self.0)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::word_enum!(
    /// The kinds of object that users refer to by short id.
    ObjectKind, "object kind", {
        /// A participant (case); also addressed by pseudonym.
        Participant => "participant",
        /// A transcript.
        Transcript => "transcript",
        /// An exploratory note.
        Note => "note",
        /// An experiential statement.
        Statement => "statement",
        /// A theme (PET or GET).
        Theme => "theme",
        /// An extract chosen for a theme.
        Extract => "extract",
        /// A reflexive journal entry.
        Journal => "journal",
        /// A question or prompt of the interview guide.
        Question => "question",
        /// The recording of an interview.
        Recording => "recording",
    }
);

impl ObjectKind {
    /// The letters that prefix this kind's short ids, e.g. `N` in `N12`.
    pub fn prefix(self) -> &'static str {
        match self {
            ObjectKind::Participant => "P",
            ObjectKind::Transcript => "T",
            ObjectKind::Note => "N",
            ObjectKind::Statement => "S",
            ObjectKind::Theme => "TH",
            ObjectKind::Extract => "X",
            ObjectKind::Journal => "J",
            ObjectKind::Question => "Q",
            ObjectKind::Recording => "R",
        }
    }
}

/// A short, stable, human-friendly id such as `N12` or `TH3`; numbers are never reused in a project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortId {
    kind: ObjectKind,
    number: u32,
}

/// Why a short id given by a user cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortIdError {
    /// The rejected input.
    pub given: String,
    /// The kind that was expected.
    pub kind: ObjectKind,
}

impl fmt::Display for ShortIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a {} id (expected e.g. {}1)", self.given, self.kind, self.kind.prefix())
    }
}

impl std::error::Error for ShortIdError {}

impl ShortId {
    /// A short id of `kind` with `number` (numbers start at 1).
    ///
    /// ```
    /// use idiograph_model::{ObjectKind, ShortId};
    /// assert_eq!(ShortId::new(ObjectKind::Theme, 3).to_string(), "TH3");
    /// assert_eq!(format!("{:<5}|", ShortId::new(ObjectKind::Statement, 3)), "S3   |");
    /// ```
    pub fn new(kind: ObjectKind, number: u32) -> ShortId {
        ShortId { kind, number }
    }

    /// The kind of object.
    pub fn kind(self) -> ObjectKind {
        self.kind
    }

    /// The per-kind number.
    pub fn number(self) -> u32 {
        self.number
    }

    /// Reads `N12`, `n12` or plain `12` as a short id of `kind`.
    ///
    /// ```
    /// use idiograph_model::{ObjectKind, ShortId};
    /// assert_eq!(ShortId::parse(ObjectKind::Theme, "th3").unwrap().to_string(), "TH3");
    /// assert_eq!(ShortId::parse(ObjectKind::Note, "7").unwrap().number(), 7);
    /// assert!(ShortId::parse(ObjectKind::Note, "S7").is_err());
    /// ```
    pub fn parse(kind: ObjectKind, text: &str) -> Result<ShortId, ShortIdError> {
        let err = || ShortIdError { given: text.to_owned(), kind };
        let trimmed = text.trim();
        let prefix = kind.prefix();
        let digits = if trimmed.len() > prefix.len()
            && trimmed.is_char_boundary(prefix.len())
            && trimmed[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            &trimmed[prefix.len()..]
        } else {
            trimmed
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        match digits.parse::<u32>() {
            Ok(n) if n > 0 => Ok(ShortId { kind, number: n }),
            _ => Err(err()),
        }
    }
}

/// Padded as a whole when a width is given (`{:<5}` lines up `S3` and `S12` in a listing).
impl fmt::Display for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{}{}", self.kind.prefix(), self.number))
    }
}

/// Gives each object users refer to by short id the method that shows it, so no caller puts a
/// prefix and a number together by hand.
macro_rules! short_ids {
    ($($object:ty => $kind:ident),* $(,)?) => {$(
        impl $object {
            /// The short id shown for this object, e.g. `N12` or `TH3`.
            pub fn short_id(&self) -> ShortId {
                ShortId::new(ObjectKind::$kind, self.short)
            }
        }
    )*};
}

short_ids!(
    crate::Participant => Participant,
    crate::Transcript => Transcript,
    crate::ExploratoryNote => Note,
    crate::ExperientialStatement => Statement,
    crate::Theme => Theme,
    crate::Extract => Extract,
    crate::JournalEntry => Journal,
    crate::GuideQuestion => Question,
    crate::Recording => Recording,
);

/// Shown as text (`TH3`) wherever a view is serialised.
impl serde::Serialize for ShortId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
