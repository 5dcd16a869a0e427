//! The grammar of `study`, `participant` and `transcript`: the study and its cases.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use idiograph_model::{FillerPolicy, RecurrenceRule, SpeakerRole, Terminology};

use super::words::{words, AnnotatedFormat};
use super::Selection;

/// Study settings.
#[derive(Subcommand, Debug)]
pub enum StudyCommand {
    /// Show the settings.
    Show,
    /// Change settings.
    Set {
        /// A new title.
        #[arg(long)]
        title: Option<String>,
        /// The research question.
        #[arg(long)]
        question: Option<String>,
        /// 2009 or 2022.
        #[arg(long, value_parser = words::<Terminology>())]
        terminology: Option<Terminology>,
        /// Recurrence rule: half, a share like 2/3, or a count like 2.
        #[arg(long, value_parser = RecurrenceRule::parse)]
        recurrence: Option<RecurrenceRule>,
        /// Fillers and pauses in printed quotes: keep (as transcribed) or mark (left out, marked …).
        #[arg(long, value_parser = words::<FillerPolicy>())]
        fillers: Option<FillerPolicy>,
    },
}

/// Participant commands.
#[derive(Subcommand, Debug)]
pub enum ParticipantCommand {
    /// Add a participant under a pseudonym.
    Add {
        /// The pseudonym.
        pseudonym: String,
        #[command(flatten)]
        details: ParticipantDetails,
    },
    /// List participants.
    List,
    /// Rename a participant or change attributes and interview details.
    Edit {
        /// Pseudonym or P-id.
        participant: String,
        /// A new pseudonym.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        details: ParticipantDetails,
    },
    /// Mark a case's analysis finished (IPA completes one case before the next).
    Finish {
        /// Pseudonym or P-id.
        participant: String,
        /// Open the case again instead.
        #[arg(long)]
        reopen: bool,
    },
    /// Delete a participant who has no transcripts or themes (added by mistake).
    Delete {
        /// Pseudonym or P-id.
        participant: String,
    },
    /// Erase a participant who withdrew consent, and everything derived from their data. Irreversible.
    Withdraw {
        /// Pseudonym or P-id.
        participant: String,
        /// Confirm that this cannot be undone.
        #[arg(long)]
        confirm: bool,
    },
}

/// Attributes and interview metadata of a participant.
#[derive(Args, Debug, Default)]
pub struct ParticipantDetails {
    /// An attribute KEY=VALUE (repeatable), e.g. training_stage=ST3.
    #[arg(long = "attr")]
    pub attrs: Vec<String>,
    /// Interview date.
    #[arg(long)]
    pub date: Option<String>,
    /// Interview mode (in person, video call, telephone).
    #[arg(long)]
    pub mode: Option<String>,
    /// Interview length in minutes.
    #[arg(long)]
    pub duration: Option<u32>,
    /// Who interviewed.
    #[arg(long)]
    pub interviewer: Option<String>,
}

/// Transcript commands.
#[derive(Subcommand, Debug)]
pub enum TranscriptCommand {
    /// List transcripts.
    List,
    /// Print a transcript with its frozen line numbers and page breaks.
    Show {
        /// Transcript id, e.g. T1.
        id: String,
    },
    /// Retitle a transcript.
    Rename {
        /// Transcript id.
        id: String,
        /// The new title.
        title: String,
    },
    /// Delete a transcript with the notes, extracts and statements anchored only in it.
    Delete {
        /// Transcript id.
        id: String,
    },
    /// List the speaker labels of a transcript with their roles and turn counts.
    Speakers {
        /// Transcript id.
        id: String,
    },
    /// Rename a speaker label in every turn (e.g. a real display name to a pseudonym); makes a new
    /// version of the transcript and carries every note, statement and extract over to it.
    RenameSpeaker {
        /// Transcript id.
        id: String,
        /// The label as it appears now.
        label: String,
        /// The new label.
        new_label: String,
    },
    /// Correct the words of a passage within one speaker turn (a misheard word while listening
    /// to the recording); makes a new version and carries every note, statement, extract and
    /// recording time over to it. Lines select from where their words start.
    Correct {
        /// Transcript id.
        id: String,
        #[command(flatten)]
        at: Selection,
        /// The words as they should read.
        text: String,
    },
    /// Export the annotated transcript: statements | line-numbered transcript | notes.
    Export {
        /// Transcript id.
        id: String,
        /// docx or html.
        #[arg(long, default_value = "html", ignore_case = true)]
        format: AnnotatedFormat,
        /// Leave the margins empty, for annotating on paper.
        #[arg(long)]
        blank: bool,
        /// Export even if the leak check finds known real names (recorded in the audit log).
        #[arg(long)]
        allow_leaks: bool,
        /// Output file (required for docx).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Set the role of a speaker label.
    Role {
        /// Transcript id.
        id: String,
        /// The speaker label as it appears.
        label: String,
        /// interviewer, participant or other.
        #[arg(value_parser = words::<SpeakerRole>())]
        role: SpeakerRole,
    },
}
