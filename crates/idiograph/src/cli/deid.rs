//! The grammar of `deid`: pseudonymisation.

use std::path::PathBuf;

use clap::Subcommand;
use idiograph_app::{CandidateKind, IdentifierKind};
use idiograph_model::{OriginalsPolicy, Verdict};

use super::words::{words, ScanKind, ScanStatus};
use super::Selection;

/// Pseudonymisation commands. Those that read or change known identifiers, and `apply`, need
/// the key store (`--key-file`).
#[derive(Subcommand, Debug)]
pub enum DeidCommand {
    /// Whether the study has a key store, whether it is unlocked, the originals policy.
    Status,
    /// Known identifiers: real names, places and organisations with their replacements.
    #[command(subcommand)]
    Known(KnownCommand),
    /// The review queue: known identifiers found and detected candidates, with context, in the
    /// transcripts and then in every other field (titles, file names, notes, themes, journal…).
    Scan {
        /// Only items with this status: known, pending, accepted, rejected.
        #[arg(long, ignore_case = true)]
        status: Option<ScanStatus>,
        /// Only items of this kind: a candidate kind (email, phone, nhs-number, postcode, date,
        /// url, address, organisation, speaker-label, person, place, other) or a known kind.
        #[arg(long, value_parser = words::<ScanKind>())]
        kind: Option<ScanKind>,
    },
    /// Accept a candidate (replace it on apply), optionally with your own replacement.
    Accept {
        /// Transcript id.
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// The candidate's kind, as `deid scan` shows it.
        #[arg(long, value_parser = words::<CandidateKind>())]
        kind: CandidateKind,
        /// The replacement (default: the detector's, e.g. [Email]).
        #[arg(long = "as")]
        replacement: Option<String>,
    },
    /// Reject a candidate (leave it as it is).
    Reject {
        /// Transcript id.
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// The candidate's kind, as `deid scan` shows it.
        #[arg(long, value_parser = words::<CandidateKind>())]
        kind: CandidateKind,
    },
    /// Accept or reject every pending candidate of one kind.
    Bulk {
        /// accept or reject.
        #[arg(value_parser = words::<Verdict>())]
        verdict: Verdict,
        /// The kind, e.g. email.
        #[arg(long, value_parser = words::<CandidateKind>())]
        kind: CandidateKind,
    },
    /// Accept or reject every occurrence of a word, in every transcript and field
    /// ("reject every 'Kafka'"): a rejected word is never a candidate again; an accepted one is
    /// replaced by the next `deid apply`.
    Every {
        /// accept or reject.
        #[arg(value_parser = words::<Verdict>())]
        verdict: Verdict,
        /// The word (or words), in any letter case.
        word: String,
        /// The kind it is: person, place, organisation, other, or any candidate kind.
        #[arg(long, default_value = "other", value_parser = words::<CandidateKind>())]
        kind: CandidateKind,
        /// For accept: the replacement (default: the kind's category, e.g. [Place]).
        #[arg(long = "as")]
        replacement: Option<String>,
    },
    /// "Always replace": add a candidate's text to the known identifiers.
    Always {
        /// Transcript id.
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// The known identifier's kind: person, participant, patient, trainer, group-leader,
        /// colleague, relative, place, town, region, street, organisation, practice, hospital,
        /// health-centre, training-scheme, deanery, university, other.
        #[arg(long, default_value = "person", value_parser = words::<IdentifierKind>())]
        kind: IdentifierKind,
        /// The replacement (default: the kind's category, e.g. [Patient]).
        #[arg(long = "as", default_value = "")]
        replacement: String,
    },
    /// Replace known identifiers and accepted candidates (and, with --all or --kinds, pending
    /// ones) in new transcript versions and in every other field; the originals go to the key
    /// store.
    Apply {
        /// Also every pending candidate.
        #[arg(long, conflicts_with = "kinds")]
        all: bool,
        /// Also pending candidates of these kinds, e.g. email,phone,nhs-number.
        #[arg(long, value_delimiter = ',', value_parser = words::<CandidateKind>())]
        kinds: Vec<CandidateKind>,
    },
    /// The de-identification log: replacements by category per transcript (no real values).
    Log {
        /// Write it as CSV to this file.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Where each line of a transcript went when it was pseudonymised (old line → new line), to
    /// find a passage cited before.
    Lines {
        /// Transcript id.
        transcript: String,
        /// Only this line of the old version (a global line number).
        #[arg(long)]
        line: Option<u32>,
    },
    /// What pseudonymisation does with original text: key-store (kept there, undoable) or discard.
    Originals {
        /// key-store or discard.
        #[arg(value_parser = words::<OriginalsPolicy>())]
        policy: OriginalsPolicy,
    },
}

/// Known identifier commands.
#[derive(Subcommand, Debug)]
pub enum KnownCommand {
    /// Add a known identifier.
    Add {
        /// The real name, place or organisation.
        real: String,
        /// What replaces it: a pseudonym or a bracketed category (default: the kind's category).
        #[arg(long = "as", default_value = "")]
        replacement: String,
        /// person, participant, patient, trainer, group-leader, colleague, relative, place, town,
        /// region, street, organisation, practice, hospital, health-centre, training-scheme,
        /// deanery, university or other.
        #[arg(long, default_value = "person", value_parser = words::<IdentifierKind>())]
        kind: IdentifierKind,
        /// Another spelling (repeatable).
        #[arg(long = "variant")]
        variants: Vec<String>,
    },
    /// List the known identifiers.
    List,
    /// Remove a known identifier.
    Remove {
        /// The real name as it was added.
        real: String,
    },
}
