//! Application commands: the one path by which anything in a project changes.
//!
//! A [`Workbench`] is an open project plus the researcher working in it. Each command method
//! (`add_note`, `assign`, `import_files`, …) validates its input, applies its changes in one
//! transaction and writes one audit event with enough data to undo it. The command line, the
//! web workbench and importers all call these methods; none of them touches the store directly.
//! Queries (`snapshot`, `recurrence`, `report`) read one consistent state.
//!
//! Positions are UTF-8 byte offsets into one transcript version ([`Target`]); callers convert
//! characters, lines or UTF-16 offsets at their own edge.

mod accounts;
mod annotate;
mod codebook;
mod deid;
mod demo;
mod erasure;
mod error;
mod exchange;
mod exports;
mod guide;
mod keystore;
mod merge;
mod participants;
mod queries;
mod recordings;
mod reference;
mod report;
mod search;
mod speakers;
mod themes;
mod trail;
mod transcription;
mod transcripts;
mod versions;
pub mod views;

use std::path::Path;

use idiograph_model::{ObjectId, Role, StudySettings, Terminology};
use idiograph_store::Store;

pub use crate::accounts::{Login, LoginAttempt, SessionPolicy, SignedIn, LOGIN_WINDOW_SECS};
pub use crate::annotate::Target;
pub use crate::codebook::{CodebookClash, CodebookImport, ImportedTheme};
pub use crate::deid::{
    candidate_kind, deid_log_csv, identifier_kind, key_store_folder, ApplyScope, FieldItem, ItemStatus, KeyStatus,
    KnownView, LogLine, Pseudonymisation, PseudonymisedTranscript, Renumbering, ReviewItem,
};
pub use crate::demo::{build_demo, DEMO_TITLE};
pub use crate::erasure::ErasureHook;
pub use crate::error::AppError;
pub use crate::exchange::ExchangeReport;
pub use crate::exports::ExportFormat;
pub use crate::guide::{
    Answer, AnswerCell, GuideAnswers, GuideImport, GuideMatch, InterviewerTurn, QuestionAnswers, MAX_QUESTION_CHARS,
};
pub use crate::merge::{DuplicateSource, MergedParticipant, MergedTranscript, ProjectMerge};
pub use crate::participants::{ParticipantChanges, Withdrawal};
pub use crate::queries::{Snapshot, TranscriptView};
pub use crate::recordings::{media_type, MediaFile, RecordingBytes};
pub use crate::reference::Reference;
pub use crate::search::{
    passage_json, HitRange, KwicPiece, Matrix, MatrixRow, ParticipantCount, SearchHit, SearchKind, SearchRequest,
    SearchResults, ThemePassage, WordCounts,
};
pub use crate::speakers::{likely_interviewer, speaker_tallies, SpeakerTally};
pub use crate::themes::{MemberRef, Revisions, ThemeChanges};
pub use crate::trail::{Trail, TrailMember, TrailNote};
pub use crate::transcription::{probe_recording, Aligned, Job, SpeechModel};
pub use crate::transcripts::{FileBytes, ImportGroup, ImportOutcome, ImportProgress, ImportedFile, RefusedFile};
pub use idiograph_formats::{Figure, GuideFormat, ReportTable, ResultsFormat};
pub use idiograph_pseudonym::{CandidateKind, IdentifierKind, CANDIDATE_KINDS};
pub use idiograph_store::{
    Action, AuditEvent, Change, DeletedProject, LoggedAction, ServerProject, ServerProjects, UndoOutcome, VersionToken,
    MEDIA_CHUNK_BYTES,
};

/// An open project and the researcher using it.
#[derive(Clone)]
pub struct Workbench {
    store: Store,
    author: String,
    /// The key store, once unlocked; shared by every author's view of the project.
    key: deid::KeySlot,
    /// The signed-in member's role on a team server; `None` in local single-user mode.
    role: Option<Role>,
    /// Told of each step of a withdrawal (crash tests stop the process there).
    erasure_hook: Option<erasure::ErasureHook>,
}

/// The current time in RFC 3339, for audit events and created-at stamps.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// SHA-256 of `bytes`, hex, as provenance records it.
fn sha256_hex(bytes: &[u8]) -> String {
    idiograph_store::content_hash(&String::from_utf8_lossy(bytes))
}

/// Refuses a command on `what` (e.g. `note N3`) when the caller's version token `expected` is
/// not the token of the object as stored now: someone else changed it since the caller read it.
fn check_version(expected: Option<&str>, current: &impl VersionToken, what: &str) -> Result<(), AppError> {
    match expected {
        Some(token) => check_token(token, &current.version_token(), what),
        None => Ok(()),
    }
}

/// Refuses a command on `what` when the caller's token `expected` is not `current`, the
/// revision of the object as stored now.
fn check_token(expected: &str, current: &str, what: &str) -> Result<(), AppError> {
    if expected.trim().trim_matches('"') == current {
        return Ok(());
    }
    Err(AppError::Stale(format!(
        "{what} was changed by someone else since you opened it; your change was not applied — \
         the current version is shown, apply your change to it again"
    )))
}

/// A new globally unique id.
fn new_id() -> ObjectId {
    ObjectId::new(uuid::Uuid::new_v4().to_string())
}

impl Workbench {
    fn new(store: Store, author: &str) -> Workbench {
        Workbench { store, author: author.to_owned(), key: deid::KeySlot::default(), role: None, erasure_hook: None }
    }

    /// This workbench, after finishing what an interrupted withdrawal left (see
    /// [`Workbench::finish_interrupted_withdrawals`]) and purging a search index older than the
    /// last withdrawal.
    async fn resumed(self) -> Result<Workbench, AppError> {
        self.finish_interrupted_withdrawals().await?;
        self.purge_stale_search_index().await?;
        Ok(self)
    }

    /// Makes a new project file with a title and terminology.
    pub async fn create(
        path: &Path,
        title: &str,
        terminology: Terminology,
        author: &str,
    ) -> Result<Workbench, AppError> {
        let title = annotate::check_title("a study title", title, 500)?;
        let mut settings = StudySettings::new(title);
        settings.terminology = terminology;
        let store = Store::create_sqlite(path, &settings, &now()).await?;
        Ok(Workbench::new(store, author))
    }

    /// Opens an existing project file.
    pub async fn open(path: &Path, author: &str) -> Result<Workbench, AppError> {
        let store = Store::open_sqlite(path, &now()).await?;
        Workbench::new(store, author).resumed().await
    }

    /// Makes a new project on a PostgreSQL server; returns it with its id.
    pub async fn create_on_server(
        url: &str,
        title: &str,
        terminology: Terminology,
        author: &str,
    ) -> Result<(Workbench, String), AppError> {
        let title = annotate::check_title("a study title", title, 500)?;
        let mut settings = StudySettings::new(title);
        settings.terminology = terminology;
        let (store, id) = Store::create_postgres(url, &settings, &now()).await?;
        Ok((Workbench::new(store, author), id))
    }

    /// Opens a project on a PostgreSQL server by id.
    pub async fn open_on_server(url: &str, id: &str, author: &str) -> Result<Workbench, AppError> {
        let store = Store::open_postgres(url, id, &now()).await?;
        Workbench::new(store, author).resumed().await
    }

    /// The projects on a PostgreSQL server, and the record of those deleted from it.
    pub async fn projects_on_server(url: &str) -> Result<ServerProjects, AppError> {
        Ok(idiograph_store::server_projects(url).await?)
    }

    /// Moves a copy of this project — everything, audit log and undo history included — onto a
    /// PostgreSQL server; returns the new project's id there.
    pub async fn copy_to_server(&self, url: &str) -> Result<String, AppError> {
        let (server, id) = Store::create_postgres(url, &StudySettings::new("copy"), &now()).await?;
        let copied = self.store.copy_into(&server).await;
        server.close().await;
        copied?;
        Ok(id)
    }

    /// Writes a copy of this project — everything, audit log and undo history included — to a
    /// new project file.
    pub async fn copy_to_file(&self, dest: &Path) -> Result<(), AppError> {
        let file = Store::create_sqlite(dest, &StudySettings::new("copy"), &now()).await?;
        let copied = self.store.copy_into(&file).await;
        file.close().await;
        if copied.is_err() {
            idiograph_store::remove_project_file(dest);
        }
        Ok(copied?)
    }

    /// The project file, when a file holds the project; `None` for a project on a server.
    pub fn project_file(&self) -> Option<&Path> {
        match self.store.backend() {
            idiograph_store::Backend::Sqlite { path } => Some(path),
            idiograph_store::Backend::Postgres { .. } => None,
        }
    }

    /// Deletes this project from its PostgreSQL server for good: the study with everything in it
    /// (transcripts, annotations, themes, journal, audit log), every membership of it, and the
    /// sessions of its members, who are signed out of the server; then this process's search
    /// index of it. `title` must be the study's exact title, as a confirmation. Cannot be undone.
    /// Returns how many members the project had. A project file is refused: it is deleted as a
    /// file, by whoever can delete files on that computer.
    pub async fn delete_project(&self, title: &str) -> Result<u64, AppError> {
        if self.role.is_some_and(|r| r != Role::Owner) {
            return Err(AppError::Forbidden("only an owner of the project can delete it".into()));
        }
        if let Some(path) = self.project_file() {
            return Err(AppError::Invalid(format!(
                "this project is the file {}: to delete it, delete the project file itself (with its -wal and -shm \
                 files and the .search folder beside it); nothing was deleted",
                path.display()
            )));
        }
        let mut tx = self.begin().await?;
        let study = tx.settings().await?.title;
        if title.trim() != study {
            return Err(AppError::Invalid(format!(
                "to delete the project, type the study's title exactly as it is: “{study}”; nothing was deleted"
            )));
        }
        let members = tx.delete_project().await?;
        self.forget_search_index();
        Ok(members)
    }

    /// Who the commands are recorded as.
    pub fn author(&self) -> &str {
        &self.author
    }

    /// The same project, used by another researcher (e.g. one web session per analyst).
    pub fn with_author(&self, author: &str) -> Workbench {
        Workbench { author: author.to_owned(), ..self.clone() }
    }

    /// Closes the project's connections.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Undoes this researcher's last command; `None` if there is nothing to undo.
    pub async fn undo(&self) -> Result<Option<UndoOutcome>, AppError> {
        self.undo_restoring().await
    }

    /// Redoes this researcher's last undone command; `None` if there is nothing to redo.
    pub async fn redo(&self) -> Result<Option<UndoOutcome>, AppError> {
        self.redo_resealing().await
    }

    /// Every command committed from now on on this project — by this process or, on a server,
    /// by any other — in audit order, for live views. Content-free, like the audit log.
    pub async fn changes(&self) -> Result<tokio::sync::broadcast::Receiver<Change>, AppError> {
        Ok(self.store.changes().await?)
    }

    /// The number of the newest command (0 for none), for a live view to resume from.
    pub async fn last_change(&self) -> Result<i64, AppError> {
        Ok(self.store.last_seq().await?)
    }

    /// The commands after number `seq`, oldest first, at most [`Workbench::CHANGES_AT_ONCE`]:
    /// what a live view missed between being rendered (or disconnected) and listening.
    pub async fn changes_after(&self, seq: i64) -> Result<Vec<Change>, AppError> {
        Ok(self.store.changes_after(seq).await?)
    }

    /// The most changes [`Workbench::changes_after`] returns at once.
    pub const CHANGES_AT_ONCE: usize = idiograph_store::Store::CHANGES_AT_ONCE;

    /// The audit log, newest first.
    pub async fn history(&self, limit: i64) -> Result<Vec<AuditEvent>, AppError> {
        Ok(self.store.history(limit).await?)
    }

    /// A consistent copy of the project file at `dest`, safe while others have it open.
    pub async fn backup(&self, dest: &Path) -> Result<(), AppError> {
        Ok(self.store.backup(dest).await?)
    }

    /// Every stored object in canonical order; equal dumps mean equal projects.
    pub async fn dump(&self) -> Result<String, AppError> {
        Ok(self.store.dump().await?)
    }

    /// Changes the study's title, research question, terminology, recurrence rule or what
    /// printed quotes do with fillers and pauses.
    pub async fn update_study(
        &self,
        title: Option<&str>,
        research_question: Option<&str>,
        terminology: Option<Terminology>,
        rule: Option<idiograph_model::RecurrenceRule>,
        fillers: Option<idiograph_model::FillerPolicy>,
        expected: Option<&str>,
    ) -> Result<StudySettings, AppError> {
        let mut tx = self.begin().await?;
        let before = tx.settings().await?;
        check_version(expected, &before, "the study")?;
        let mut after = before.clone();
        if let Some(t) = title {
            after.title = annotate::check_title("a study title", t, 500)?;
        }
        if let Some(q) = research_question {
            after.research_question = (!q.trim().is_empty()).then(|| q.trim().to_owned());
        }
        if let Some(t) = terminology {
            after.terminology = t;
        }
        if let Some(r) = rule {
            after.recurrence_rule = r;
        }
        if let Some(f) = fillers {
            after.fillers = f;
        }
        tx.update(&before, &after).await?;
        tx.commit(Action::EditStudy, "edit study settings").await?;
        Ok(after)
    }

    async fn begin(&self) -> Result<idiograph_store::Tx, AppError> {
        Ok(self.store.begin(&self.author, &now()).await?)
    }
}
