//! Finding identifiers in interview transcripts, for pseudonymisation.
//!
//! Pure and synchronous: text in, plans out. Three parts:
//!
//! - **Known identifiers** ([`KnownIdentifier`], [`KnownMatcher`]): the researcher's list of real
//!   names, places and organisations with their replacements. Every occurrence is found, with
//!   spelling variants, possessives (`Anna's`, `Annas'`, `Anna’s`), first-name-only, surname-only
//!   and titled forms of persons (`Dr Smith`), any case where that is safe, whole words only and
//!   across line wraps and double spaces.
//! - **Automatic candidates** ([`scan`]): emails, phone numbers, NHS numbers, postcodes, dates,
//!   URLs, street addresses, organisation names, speaker labels and the names of persons and
//!   places (titled names, unlisted capitalised words, multi-word places), each with a kind and a
//!   confidence, for a human to review.
//! - **Plans and checks**: a [`RedactionPlan`] of non-overlapping [`Replacement`]s, applied by the
//!   caller through [`idiograph_text::apply_edits`] so anchors move exactly; and [`leak_check`],
//!   which finds any known real name in an export's text, HTML/XML escaping or not.
//!
//! Types that hold identifying text print `[redacted]` in `Debug`.
//!
//! ```
//! use idiograph_pseudonym::*;
//!
//! let text = "Interviewer: How was Dr Anna Smith as a trainer?\nP1: Anna’s great. Email me on p1@example.org";
//! let known = vec![KnownIdentifier::new("Dr Anna Smith", "Dr Rose Hill", IdentifierKind::Person(PersonRole::Trainer))];
//! let matches = KnownMatcher::new(&known, &MatchOptions::default())?.find(text);
//! let candidates = scan(text, &ScanOptions::default());
//! let emails: Vec<Candidate> = candidates.into_iter().filter(|c| c.kind == CandidateKind::Email).collect();
//!
//! let mut plan = PlanBuilder::new(text);
//! plan.known(&matches, &known);
//! plan.candidates(&emails);
//! let plan = plan.build()?;
//! let (new_text, _map) = plan.apply(text)?;
//! assert_eq!(new_text, "Interviewer: How was Dr Rose Hill as a trainer?\nP1: Rose’s great. Email me on [Email]");
//! assert!(leak_check(&new_text, &known)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod detect;
mod known;
mod leak;
mod plan;
mod words;

pub use crate::detect::{scan, Candidate, CandidateKind, Detector, ScanOptions, CANDIDATE_KINDS};
pub use crate::known::{
    FormKind, IdentifierKind, KnownError, KnownIdentifier, KnownMatch, KnownMatcher, MatchOptions, OrganisationKind,
    PersonRole, PlaceKind,
};
pub use crate::leak::{decode_escapes, leak_check, leak_check_with, Leak};
pub use crate::plan::{PlanBuilder, PlanError, RedactionPlan, Replacement, ReplacementKind};
pub use crate::words::{is_english_word, is_listed_proper_noun, is_non_identifying_capital};

/// What `Debug` prints in place of identifying text.
pub(crate) const REDACTED: &str = "[redacted]";
