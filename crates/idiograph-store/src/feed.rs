//! The change feed: every committed command, as live views need to hear of it.
//!
//! One task per process reads the audit log forward from the position it last published and
//! broadcasts each event to the subscribers of this process. It wakes when a command of this
//! process commits, when PostgreSQL delivers a `NOTIFY` sent by a command of another process
//! (the notification is sent inside the committing transaction, so it arrives only if the
//! command committed), and on a short timer — on SQLite the timer is the only way to hear of
//! another process writing the file, on PostgreSQL it covers notifications lost while the
//! listening connection was down. Reading the log rather than trusting the wake-ups means a
//! missed or doubled wake-up can neither lose nor repeat an event; the audit `seq` is the
//! order, and writers commit in that order (SQLite's write lock, an advisory lock on
//! PostgreSQL), so `seq > last` never skips a later-committing event.

use std::sync::Arc;
use std::time::Duration;

use idiograph_model::ObjectId;
use sqlx::Row as _;
use tokio::sync::{broadcast, Notify, OnceCell};

use crate::db::{Backend, Db};
use crate::StoreError;

/// How many events a slow subscriber may fall behind before it is told it lagged.
const BUFFER: usize = 1024;
/// At most this many objects are listed per event; a bigger command (an import, a batch of
/// notes) says `more_objects` instead, and views re-read what they show.
const MAX_OBJECTS: usize = 100;

/// The kinds of stored object a command changes, one per domain table; `as_str` is the name
/// clients of the change feed see (the table's name, e.g. `note`, `transcript_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoredKind {
    /// The study's settings.
    Study,
    /// A participant.
    Participant,
    /// A transcript.
    Transcript,
    /// A version of a transcript.
    Version,
    /// An exploratory note.
    Note,
    /// An experiential statement.
    Statement,
    /// A theme.
    Theme,
    /// A statement or theme assigned to a theme.
    Assignment,
    /// An extract.
    Extract,
    /// A reflexive journal entry.
    Journal,
    /// A reviewed candidate identifier.
    ReviewDecision,
    /// How often pseudonymisation replaced an identifier.
    ReplacementCount,
    /// Line numbers carried from one version to the next.
    LineMapping,
    /// A word decided for every occurrence in the review.
    ReviewWord,
    /// A question or prompt of the interview guide.
    GuideQuestion,
    /// An interviewer turn confirmed as asking a question of the guide.
    AskedQuestion,
    /// The recording of a transcript.
    Recording,
    /// The sync points of a transcript version.
    SyncPoints,
}

impl StoredKind {
    /// Every kind, in the order of the tables (parents first).
    pub const ALL: &'static [StoredKind] = &[
        StoredKind::Study,
        StoredKind::Participant,
        StoredKind::Transcript,
        StoredKind::Version,
        StoredKind::Note,
        StoredKind::Statement,
        StoredKind::Theme,
        StoredKind::Assignment,
        StoredKind::Extract,
        StoredKind::Journal,
        StoredKind::ReviewDecision,
        StoredKind::ReplacementCount,
        StoredKind::LineMapping,
        StoredKind::ReviewWord,
        StoredKind::GuideQuestion,
        StoredKind::AskedQuestion,
        StoredKind::Recording,
        StoredKind::SyncPoints,
    ];

    /// The name of the kind's table, as the audit log and the change feed's clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            StoredKind::Study => "study",
            StoredKind::Participant => "participant",
            StoredKind::Transcript => "transcript",
            StoredKind::Version => "transcript_version",
            StoredKind::Note => "note",
            StoredKind::Statement => "statement",
            StoredKind::Theme => "theme",
            StoredKind::Assignment => "assignment",
            StoredKind::Extract => "extract",
            StoredKind::Journal => "journal",
            StoredKind::ReviewDecision => "review_decision",
            StoredKind::ReplacementCount => "replacement_count",
            StoredKind::LineMapping => "line_mapping",
            StoredKind::ReviewWord => "review_word",
            StoredKind::GuideQuestion => "guide_question",
            StoredKind::AskedQuestion => "asked_question",
            StoredKind::Recording => "recording",
            StoredKind::SyncPoints => "sync_points",
        }
    }

    /// The kind whose table is named `table` in the audit log; an unknown name is a corrupt log
    /// (a newer binary's log is refused on open, before anything reads it).
    pub(crate) fn of_table(table: &str) -> Result<StoredKind, StoreError> {
        StoredKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == table)
            .ok_or_else(|| StoreError::Corrupt(format!("audit names unknown table {table}")))
    }

    /// Reads a `(table, row id)` pair of `audit_change`.
    pub(crate) fn read_object(r: &sqlx::any::AnyRow) -> Result<(StoredKind, ObjectId), StoreError> {
        let table: String = r.try_get(0)?;
        Ok((StoredKind::of_table(&table)?, ObjectId::new(r.try_get::<String, _>(1)?)))
    }
}

/// One committed command: who, what and which objects — content-free, like the audit summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its position in the audit log.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub author: String,
    /// The command, e.g. `add note`.
    pub action: crate::LoggedAction,
    /// What it did, by short ids (no transcript content).
    pub summary: String,
    /// The objects it changed, by kind and stable id; for an undo or redo, those of the command
    /// it reverted or re-applied.
    pub objects: Vec<(StoredKind, ObjectId)>,
    /// Whether more objects changed than `objects` lists.
    pub more_objects: bool,
}

/// The per-process publisher of [`Change`]s.
pub(crate) struct Feed {
    sender: broadcast::Sender<Change>,
    wake: Arc<Notify>,
    started: OnceCell<()>,
}

impl Feed {
    pub(crate) fn new() -> Feed {
        Feed { sender: broadcast::channel(BUFFER).0, wake: Arc::new(Notify::new()), started: OnceCell::new() }
    }

    /// Tells the feed that a command of this process committed.
    pub(crate) fn committed(&self) {
        self.wake.notify_one();
    }

    /// A receiver of every change committed after this call; starts the feed on first use.
    pub(crate) async fn subscribe(&self, db: &Db) -> Result<broadcast::Receiver<Change>, StoreError> {
        let receiver = self.sender.subscribe();
        self.started
            .get_or_try_init(|| async {
                // Start after what is already committed, so subscribers hear only of new changes.
                let last: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_event").fetch_one(&db.pool).await?;
                let listener = match (&db.backend, &db.server_url) {
                    // The channel is the schema name: letters, digits and `_`, checked on open.
                    (Backend::Postgres { schema }, Some(url)) => {
                        Some(tokio::spawn(listen(url.clone(), schema.clone(), self.wake.clone(), db.pool.clone())))
                    }
                    _ => None,
                };
                let (db, sender, wake) = (db.clone(), self.sender.clone(), self.wake.clone());
                tokio::spawn(async move {
                    publish(db, sender, wake, last).await;
                    // Nothing is left to wake once the project is closed or deleted.
                    if let Some(listener) = listener {
                        listener.abort();
                    }
                });
                Ok::<_, StoreError>(())
            })
            .await?;
        Ok(receiver)
    }
}

/// Reads the log forward and broadcasts, until the project is closed or deleted.
async fn publish(db: Db, sender: broadcast::Sender<Change>, wake: Arc<Notify>, mut last: i64) {
    let poll = if db.is_sqlite() { Duration::from_millis(250) } else { Duration::from_secs(2) };
    let mut backoff = Duration::from_millis(100);
    while !db.pool.is_closed() {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        match read_after(&db, last).await {
            Ok(changes) => {
                backoff = Duration::from_millis(100);
                let full = changes.len() == READ_LIMIT;
                for c in changes {
                    last = c.seq;
                    // No subscriber right now is fine: the next one starts from a later event.
                    let _ = sender.send(c);
                }
                if full {
                    wake.notify_one();
                }
            }
            // The project was deleted (`Tx::delete_project`): there will be no more changes.
            Err(StoreError::NotFound(_)) => return,
            Err(_) => {
                // The database is down or restarting: try again later, and then catch up.
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                wake.notify_one();
            }
        }
    }
}

/// At most this many changes are read at once (the feed reads on at once when it got this many).
pub(crate) const READ_LIMIT: usize = 200;

/// The events after `last`, oldest first, with the objects they touched.
pub(crate) async fn read_after(db: &Db, last: i64) -> Result<Vec<Change>, StoreError> {
    let mut conn = db.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT seq, at, author, action, summary, COALESCE(target_seq, seq) FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(last)
    .bind(READ_LIMIT as i64)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let source: i64 = r.try_get(5)?;
        let objects = sqlx::query("SELECT tbl, row_id FROM audit_change WHERE seq = $1 ORDER BY ordinal LIMIT $2")
            .bind(source)
            .bind(MAX_OBJECTS as i64 + 1)
            .fetch_all(&mut *conn)
            .await?;
        let mut objects = objects.iter().map(StoredKind::read_object).collect::<Result<Vec<_>, StoreError>>()?;
        let more_objects = objects.len() > MAX_OBJECTS;
        objects.truncate(MAX_OBJECTS);
        out.push(Change {
            seq: r.try_get(0)?,
            at: r.try_get(1)?,
            author: r.try_get(2)?,
            action: crate::LoggedAction::from_stored(r.try_get(3)?),
            summary: r.try_get(4)?,
            objects,
            more_objects,
        });
    }
    Ok(out)
}

/// Wakes the feed on every `NOTIFY` of the project's channel, reconnecting with backoff when
/// the server goes away, until the project is closed.
async fn listen(url: String, channel: String, wake: Arc<Notify>, pool: sqlx::AnyPool) {
    let mut backoff = Duration::from_millis(100);
    while !pool.is_closed() {
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect(&url).await?;
            l.listen(&channel).await?;
            Ok::<_, sqlx::Error>(l)
        };
        let mut listener = match listener.await {
            Ok(l) => l,
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(100);
        // Whatever was committed while no one listened is read from the log now.
        wake.notify_one();
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                // The connection dropped and was re-established; catch up on what was missed.
                Ok(None) => wake.notify_one(),
                Err(_) => break,
            }
            if pool.is_closed() {
                return;
            }
        }
    }
}
