//! The command-line grammar (clap). Names here are a contract that scripts rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
        #[arg(long, default_value = "2022")]
        terminology: String,
    },
    /// Make a new project from a REFI-QDA project (.qdpx) written by NVivo, ATLAS.ti, MAXQDA, QualCoder….
    FromQdpx {
        /// The .qdpx file.
        file: PathBuf,
        /// The project file to create (must not exist).
        #[arg(short = 'o', long)]
        output: PathBuf,
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
    Serve {
        /// The project file (or give -p).
        project_file: Option<PathBuf>,
        /// The folder of studies the home page lists and makes new ones in (default: Idiograph
        /// in your Documents folder, or in your home folder; made if missing).
        #[arg(long, conflicts_with = "project_file")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        server: ServerArgs,
        /// A team server: everyone logs in, and each member's role decides what they may do
        /// (create users with `admin create-user`). With --database and no -p it serves every
        /// project there, each under /projects/ID/, and each member's home page lists theirs.
        #[arg(long)]
        team: bool,
        /// Mark the session cookie Secure, for a team server that browsers reach over HTTPS
        /// through a reverse proxy.
        #[arg(long, requires = "team")]
        secure_cookies: bool,
        /// The address browsers use when a reverse proxy or load balancer on this machine
        /// forwards to the server, e.g. https://qda.example.org (its host and origin are then
        /// accepted; https makes the cookie Secure; the proxy must append X-Forwarded-For).
        #[arg(long, requires = "team", value_name = "URL")]
        public_url: Option<String>,
        /// Hours without a request after which a login session ends.
        #[arg(long, requires = "team", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=720))]
        session_idle_hours: u32,
    },
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
        #[arg(long)]
        role: Option<String>,
        /// How many words per participant.
        #[arg(long, default_value_t = 30)]
        top: usize,
    },
    /// Write the study report or another export.
    Report {
        /// md, html, docx, xlsx, csv, svg, png, audit, audit-csv, coreq, qdpx (REFI-QDA project) or qdc (codebook).
        #[arg(long, default_value = "md")]
        format: String,
        /// With --format csv: GETs, PETs, Statements, Recurrence, Extracts or Notes.
        #[arg(long)]
        table: Option<String>,
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
        kind: String,
        /// svg, or png at 300 dpi.
        #[arg(long, default_value = "svg")]
        format: String,
        /// Output file (default: standard output, for SVG).
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
    Migrate {
        /// The project file to copy to the server.
        #[arg(conflicts_with = "from")]
        file: Option<PathBuf>,
        /// The server to copy the file to (prints the new project's id).
        #[arg(long, requires = "file")]
        to: Option<String>,
        /// The server to copy a project from.
        #[arg(long, requires_all = ["server_project", "output"])]
        from: Option<String>,
        /// The project's id on the server.
        #[arg(long = "project-id")]
        server_project: Option<String>,
        /// The project file to write (must not exist).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Write a consistent copy of the project, safe while it is open elsewhere.
    Backup {
        /// The copy to write (must not exist).
        dest: PathBuf,
    },
}

/// Accounts and project roles. The password comes from $IDIOGRAPH_PASSWORD or a prompt.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an account and make it a member of this project (the first member owns it).
    CreateUser {
        /// The login name, also shown as the author of their work.
        name: String,
        /// owner (members, settings), analyst (all analysis) or auditor (reads; writes their own journal entries).
        #[arg(long)]
        role: Option<String>,
    },
    /// List the accounts and their roles in this project.
    ListUsers,
    /// Give an existing account a role in this project (adds it as a member).
    SetRole {
        /// The user.
        name: String,
        /// owner, analyst or auditor.
        role: String,
    },
    /// End an account's membership of this project (the account stays).
    RemoveMember {
        /// The user.
        name: String,
    },
    /// Log an account out everywhere (end all its sessions).
    RevokeSessions {
        /// The user.
        name: String,
    },
    /// Delete this project from the PostgreSQL server for good: the study with everything in
    /// it, its audit log and memberships; its members are signed out. Cannot be undone.
    DeleteProject {
        /// The study's exact title, to confirm.
        #[arg(long)]
        confirm: String,
    },
    /// List the projects on the PostgreSQL server (--database) with their ids and members, and
    /// the record of projects deleted from it (who deleted which, when). Needs no -p.
    Projects,
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
        #[arg(long)]
        terminology: Option<String>,
        /// Recurrence rule: half, a share like 2/3, or a count like 2.
        #[arg(long)]
        recurrence: Option<String>,
        /// Fillers and pauses in printed quotes: keep (as transcribed) or mark (left out, marked …).
        #[arg(long)]
        fillers: Option<String>,
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
    /// Export the annotated transcript: statements | line-numbered transcript | notes.
    Export {
        /// Transcript id.
        id: String,
        /// docx or html.
        #[arg(long, default_value = "html")]
        format: String,
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
        role: String,
    },
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
        #[arg(long, default_value = "free")]
        kind: String,
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
        #[arg(long)]
        kind: Option<String>,
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
        #[arg(long)]
        strategy: Option<String>,
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
    #[arg(long)]
    pub role: Option<String>,
    /// Only inside passages coded to this theme (TH3); with --retrieve, list those passages.
    #[arg(long)]
    pub theme: Option<String>,
    /// Only notes of this kind (descriptive, linguistic, conceptual, free) or only one kind of
    /// text (transcript, note, statement, theme, journal).
    #[arg(long)]
    pub kind: Option<String>,
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
        #[arg(long)]
        status: Option<String>,
        /// Only candidates of this kind (email, phone, nhs-number, postcode, date, url, address,
        /// organisation, speaker-label, person, place, other, or a known kind).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Accept a candidate (replace it on apply), optionally with your own replacement.
    Accept {
        /// Transcript id.
        transcript: String,
        #[command(flatten)]
        at: Selection,
        /// The candidate's kind, as `deid scan` shows it.
        #[arg(long)]
        kind: String,
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
        #[arg(long)]
        kind: String,
    },
    /// Accept or reject every pending candidate of one kind.
    Bulk {
        /// accept or reject.
        verdict: String,
        /// The kind, e.g. email.
        #[arg(long)]
        kind: String,
    },
    /// Accept or reject every occurrence of a word, in every transcript and field
    /// ("reject every 'Kafka'"): a rejected word is never a candidate again; an accepted one is
    /// replaced by the next `deid apply`.
    Every {
        /// accept or reject.
        verdict: String,
        /// The word (or words), in any letter case.
        word: String,
        /// The kind it is: person, place, organisation, other, or any candidate kind.
        #[arg(long, default_value = "other")]
        kind: String,
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
        #[arg(long, default_value = "person")]
        kind: String,
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
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
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
        policy: String,
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
        #[arg(long, default_value = "person")]
        kind: String,
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
