//! The grammar of the analysis: `note`, `statement`, `theme`, `extract`, `journal` and `search`.

use clap::{Args, Subcommand};
use idiograph_app::SearchKind;
use idiograph_model::{GroupingStrategy, NoteKind, SpeakerRole};

use super::words::words;
use super::Selection;

/// Note commands.
#[derive(Subcommand, Debug)]
pub enum NoteCommand {
    /// Add an exploratory note on a passage.
    Add {
        /// Transcript id.
        #[arg(long)]
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// descriptive, linguistic, conceptual or free.
        #[arg(long, default_value = "free", value_parser = words::<NoteKind>())]
        kind: NoteKind,
        /// The note.
        text: String,
    },
    /// List notes.
    List {
        /// Only this transcript.
        #[arg(long)]
        transcript: Option<String>,
    },
    /// Change a note's kind or text.
    Edit {
        /// Note id, e.g. N3.
        id: String,
        /// A new kind.
        #[arg(long, value_parser = words::<NoteKind>())]
        kind: Option<NoteKind>,
        /// A new text.
        #[arg(long)]
        text: Option<String>,
    },
    /// Delete a note.
    Delete {
        /// Note id.
        id: String,
    },
}

/// Statement commands.
#[derive(Subcommand, Debug)]
pub enum StatementCommand {
    /// Add an experiential statement on a passage.
    Add {
        /// Transcript id.
        #[arg(long)]
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// A note it was developed from (repeatable).
        #[arg(long = "from-note")]
        from_notes: Vec<String>,
        /// The statement.
        text: String,
    },
    /// Ground a statement in one more passage.
    Anchor {
        /// Statement id.
        id: String,
        /// Transcript id.
        #[arg(long)]
        transcript: String,
        #[command(flatten)]
        at: Selection,
    },
    /// List statements.
    List {
        /// Only this participant.
        #[arg(long)]
        participant: Option<String>,
    },
    /// Reword a statement.
    Edit {
        /// Statement id.
        id: String,
        /// The new wording.
        text: String,
    },
    /// Delete a statement (and its theme assignments).
    Delete {
        /// Statement id.
        id: String,
    },
}

/// Theme commands.
#[derive(Subcommand, Debug)]
pub enum ThemeCommand {
    /// Add a theme of one case (PET) or of the group (GET).
    Add {
        /// The participant whose PET this is.
        #[arg(long, conflicts_with = "group", required_unless_present = "group")]
        case: Option<String>,
        /// A group theme (GET).
        #[arg(long)]
        group: bool,
        /// Make it a sub-theme of this theme.
        #[arg(long)]
        parent: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// The title.
        title: String,
    },
    /// Show the themes as a tree.
    List,
    /// Cluster a statement into a PET, or a PET into a GET.
    Assign {
        /// The receiving theme.
        theme: String,
        #[command(flatten)]
        member: MemberArgs,
        /// abstraction, subsumption, polarisation, contextualisation, numeration, function, other.
        #[arg(long, value_parser = words::<GroupingStrategy>())]
        strategy: Option<GroupingStrategy>,
        /// Why.
        #[arg(long)]
        rationale: Option<String>,
    },
    /// Take a statement or PET out of a theme.
    Unassign {
        /// The theme.
        theme: String,
        #[command(flatten)]
        member: MemberArgs,
    },
    /// Rename, describe or move a theme.
    Edit {
        /// Theme id.
        id: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// New description ("" removes it).
        #[arg(long)]
        description: Option<String>,
        /// New parent theme.
        #[arg(long, conflicts_with = "top")]
        parent: Option<String>,
        /// Make it a top-level theme.
        #[arg(long)]
        top: bool,
        /// For a group theme: how the cases converge and diverge on it ("" removes it).
        #[arg(long)]
        note: Option<String>,
    },
    /// Merge one theme into another.
    Merge {
        /// The theme that disappears.
        from: String,
        /// The theme that receives its members.
        into: String,
    },
    /// Move some members of a theme into a new sibling theme.
    Split {
        /// The theme to split.
        id: String,
        /// Title of the new theme.
        #[arg(long)]
        title: String,
        /// Statements to move (repeatable).
        #[arg(long = "statement")]
        statements: Vec<String>,
        /// PETs to move (repeatable).
        #[arg(long = "theme")]
        themes: Vec<String>,
    },
    /// Delete a theme (its sub-themes move up).
    Delete {
        /// Theme id.
        id: String,
    },
    /// Import the codes of a REFI-QDA codebook (.qdc) as themes, sub-codes as sub-themes: group
    /// themes, or with --case that participant's PETs. A code named like an existing theme is
    /// not imported (its sub-codes go under that theme); one undo takes the import back.
    ImportCodebook {
        /// The .qdc file.
        file: std::path::PathBuf,
        /// Make the codes personal themes of this participant (pseudonym or P id).
        #[arg(long)]
        case: Option<String>,
    },
}

/// A statement or a theme to assign.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct MemberArgs {
    /// A statement, e.g. S4.
    #[arg(long)]
    pub statement: Option<String>,
    /// A PET, e.g. TH2.
    #[arg(long = "theme")]
    pub member_theme: Option<String>,
}

/// Extract commands.
#[derive(Subcommand, Debug)]
pub enum ExtractCommand {
    /// Choose a passage as an extract for a theme.
    Add {
        /// The theme it illustrates.
        #[arg(long)]
        theme: String,
        /// Transcript id.
        #[arg(long)]
        transcript: String,
        #[command(flatten)]
        at: Selection,
    },
    /// List extracts with their citations.
    List,
    /// Remove an extract.
    Delete {
        /// Extract id.
        id: String,
    },
}

/// Journal commands.
#[derive(Subcommand, Debug)]
pub enum JournalCommand {
    /// Write a reflexive journal entry.
    Add {
        /// The entry.
        text: String,
        /// An object it is about (P1/pseudonym, T2, N3, S4, TH5, X6).
        #[arg(long)]
        about: Option<String>,
    },
    /// List entries.
    List,
    /// Rewrite an entry.
    Edit {
        /// Entry id, e.g. J2.
        id: String,
        /// The new text.
        text: String,
    },
    /// Delete an entry.
    Delete {
        /// Entry id.
        id: String,
    },
}

/// What to search for and where.
#[derive(Args, Debug)]
pub struct SearchArgs {
    /// The query: words, "phrases", prefix*, AND/OR/NOT, -word, (groups); with --regex a regular expression.
    #[arg(required_unless_present = "retrieve")]
    pub query: Option<String>,
    /// Only this participant (pseudonym or P-id).
    #[arg(long)]
    pub participant: Option<String>,
    /// Only participants with this attribute value, KEY=VALUE.
    #[arg(long)]
    pub attr: Option<String>,
    /// Only what speakers of this role said: participant, interviewer or other.
    #[arg(long, value_parser = words::<SpeakerRole>())]
    pub role: Option<SpeakerRole>,
    /// Only inside passages coded to this theme (TH3); with --retrieve, list those passages.
    #[arg(long)]
    pub theme: Option<String>,
    /// Only one kind of text (transcript, note, statement, theme, journal) or only notes of one
    /// kind (descriptive, linguistic, conceptual, free).
    #[arg(long, value_parser = words::<SearchKind>())]
    pub kind: Option<SearchKind>,
    /// Treat the query as a regular expression (case-insensitive).
    #[arg(long)]
    pub regex: bool,
    /// Match words exactly, without English stemming.
    #[arg(long)]
    pub no_stem: bool,
    /// List every passage coded to --theme, in context.
    #[arg(long, requires = "theme")]
    pub retrieve: bool,
    /// With --retrieve: whole lines of context either side.
    #[arg(long, default_value_t = 2)]
    pub context: u32,
    /// Show at most this many hits (the counts cover all).
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Skip this many hits first.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}
