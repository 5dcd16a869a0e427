//! The IPA domain: what a study, a case and a theme are, and the rules that hold between them.
//!
//! Interpretative Phenomenological Analysis works case by case: a researcher reads one
//! participant's [`Transcript`], writes [`ExploratoryNote`]s, turns them into
//! [`ExperientialStatement`]s, clusters those into personal experiential themes (a [`Theme`] whose
//! scope is the case) and finally builds group experiential themes across cases, checking their
//! [`Recurrence`]. Verbatim [`Extract`]s illustrate themes and are cited by pseudonym, page and line.
//!
//! This crate does no I/O and reads no clock: callers pass ids and times in. Labels follow the
//! study's [`Terminology`] (Smith, Flowers & Larkin 2009 or 2022 wording).
//!
//! ```
//! use idiograph_model::{Terminology, Term};
//! assert_eq!(Terminology::Smith2009.label(Term::Statement), "Emergent theme");
//! assert_eq!(Terminology::Smith2022.label(Term::Pet), "Personal experiential theme");
//! ```

mod annotation;
mod deid;
mod guide;
mod ids;
mod participant;
mod print;
mod recording;
mod recurrence;
mod study;
mod team;
mod theme;
mod timing;
mod transcript;

pub use crate::annotation::{
    Anchor, AnchorError, ExperientialStatement, ExploratoryNote, Extract, JournalEntry, NoteKind,
};
pub use crate::deid::{LineMapping, OriginalsPolicy, ReplacementCount, ReviewDecision, Verdict, WordDecision};
pub use crate::guide::{AskedQuestion, GuideQuestion};
pub use crate::ids::{ObjectId, ObjectKind, ShortId, ShortIdError};
pub use crate::participant::{InterviewMeta, Participant, PseudonymError};
pub use crate::print::{print_quote, FillerPolicy, OMISSION, PAUSE};
pub use crate::recording::{MediaKind, Recording, SyncPoint, SyncPointError, SyncPoints};
pub use crate::recurrence::{Recurrence, RecurrenceCell, RecurrenceRow};
pub use crate::study::{RecurrenceRule, StudySettings, Term, Terminology};
pub use crate::team::Role;
pub use crate::theme::{
    check_assignment, check_parent, Assignment, GroupingStrategy, Member, Theme, ThemeRuleError, ThemeScope,
};
pub use crate::timing::{cue_points, format_cue_time, line_times, parse_cue_time};
pub use crate::transcript::{cite, Derived, Provenance, SpeakerRole, Transcript, TranscriptVersion, Turn};

/// Why a value given as text is not one of the accepted words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// What was being parsed, e.g. "note kind".
    pub what: &'static str,
    /// The rejected input.
    pub given: String,
    /// The accepted words.
    pub expected: &'static [&'static str],
}

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} '{}' (expected one of: {})", self.what, self.given, self.expected.join(", "))
    }
}

impl std::error::Error for UnknownWord {}

/// Declares a C-like enum with a stable lowercase word for each variant (used in storage, the CLI
/// and exports) and `FromStr`/`as_str` between them.
macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable word for this variant.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase();
                match lower.as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err($crate::UnknownWord { what: $what, given: s.to_owned(), expected: &[$($word),+] }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word_enum;
