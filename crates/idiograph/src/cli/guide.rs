//! `guide`: the interview guide, matching interviewer turns to its questions, and the answers.

use std::path::PathBuf;

use clap::Subcommand;
use idiograph_app::GuideFormat;

use super::words;

/// Interview guide commands.
#[derive(Subcommand, Debug)]
pub enum GuideCommand {
    /// List the guide's questions, each with its prompts.
    List,
    /// Add a question at the end of the guide, or with --under a follow-up prompt.
    Add {
        /// The question as the guide words it.
        text: String,
        /// The question this prompt follows up, e.g. Q2.
        #[arg(long)]
        under: Option<String>,
    },
    /// Add the questions and prompts of a guide document (.docx, .txt, .odt, .md, .rtf, .pdf).
    Import {
        /// The document.
        file: PathBuf,
    },
    /// Reword a question or prompt.
    Edit {
        /// Its id, e.g. Q3.
        id: String,
        /// The new wording.
        text: String,
    },
    /// Delete a question (with its prompts and where it was confirmed as asked) or a prompt.
    Delete {
        /// Its id, e.g. Q3.
        id: String,
    },
    /// Show a transcript's interviewer turns with the question suggested for each and the one
    /// confirmed.
    Match {
        /// The transcript, e.g. T2.
        transcript: String,
    },
    /// Confirm which question each interviewer turn asks: the suggestions, changed by --set.
    Confirm {
        /// The transcript, e.g. T2.
        transcript: String,
        /// LINE=Q3 (the turn starting on that line asks Q3) or LINE=none; repeatable.
        #[arg(long = "set", value_name = "LINE=QUESTION")]
        set: Vec<String>,
    },
    /// Every participant's answers to each question, from the confirmed questions; with
    /// --format, as a document.
    Answers {
        /// xlsx (a row per question, a column per participant) or md.
        #[arg(long, value_parser = words::<GuideFormat>())]
        format: Option<GuideFormat>,
        /// Output file (default: standard output, for md).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Export even if the leak check finds known real names, or cannot run because the key
        /// store is locked (the audit log records it).
        #[arg(long)]
        allow_leaks: bool,
    },
}
