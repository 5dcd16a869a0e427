//! The `Store` façade: opening projects, command transactions, audit, undo/redo, withdrawal.

use std::path::Path;
use std::sync::Arc;

use idiograph_model::{ObjectId, ObjectKind, StudySettings, TranscriptVersion};
use sqlx::{Executor, Row as _};

use crate::codec::Codec;
use crate::db::{self, Db, APPLICATION_ID, MIGRATIONS};
use crate::row::{Row, Table, Value};
use crate::seal::{SealedPayload, UNDO_SEALED};
use crate::tables::{self, ALL};
use crate::{version, Action, Backend, LoggedAction, StoreError, StoredKind};

/// An open project.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    name: String,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Position in the log (increasing).
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub author: String,
    /// The command, e.g. `add note`.
    pub action: LoggedAction,
    /// What it did, by short ids (no transcript content).
    pub summary: String,
    /// For an undo or redo: the event it reverted or re-applied.
    pub target_seq: Option<i64>,
    /// Whether the command is currently undone.
    pub undone: bool,
}

/// What an undo or redo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoOutcome {
    /// The command undone or redone.
    pub target: AuditEvent,
    /// The new event recording the undo or redo.
    pub event_seq: i64,
}

/// A transaction over the project: reads see one consistent state; a writing transaction
/// applies changes and records them for the audit log and undo when committed.
/// Dropping it without [`Tx::commit`] rolls everything back.
pub struct Tx {
    pub(crate) tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    author: String,
    at: String,
    changes: Vec<(&'static Table, String, Option<Row>, Option<Row>)>,
    /// PostgreSQL sorts text by locale; ids and times must sort by code point on both backends.
    binary_order: bool,
    versions: db::VersionCache,
    pub(crate) accounts: db::AccountScope,
    /// Told when this transaction commits a command.
    feed: std::sync::Arc<crate::feed::Feed>,
    /// PostgreSQL: the channel other processes listen on for this project's commits.
    notify_channel: Option<String>,
}

impl Store {
    /// Makes a new project file at `path` with `settings`; refuses to overwrite anything.
    pub async fn create_sqlite(path: &Path, settings: &StudySettings, now: &str) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::Exists(path.display().to_string()));
        }
        let db = Db::open_sqlite(path, true).await?;
        let made = async {
            let mut conn = db.pool.acquire().await?;
            conn.execute("PRAGMA journal_mode = WAL").await?;
            conn.execute(format!("PRAGMA application_id = {APPLICATION_ID}").as_str()).await?;
            drop(conn);
            db.migrate(now).await?;
            let store = Store { db: db.clone(), name: path.display().to_string() };
            let mut conn = store.db.pool.acquire().await?;
            db::insert(&mut conn, &settings.to_row()).await?;
            Ok::<_, StoreError>(store)
        }
        .await;
        if made.is_err() {
            db.pool.close().await;
            db::remove_project_file(path);
        }
        made
    }

    /// Opens an existing project file, migrating it (after a backup copy) if it is older.
    pub async fn open_sqlite(path: &Path, now: &str) -> Result<Store, StoreError> {
        db::check_sqlite_header(path)?;
        let shown = path.display().to_string();
        let db = Db::open_sqlite(path, false).await?;
        let store = Store { db, name: shown.clone() };
        let app_id: i64 = sqlx::query_scalar("PRAGMA application_id").fetch_one(&store.db.pool).await?;
        if app_id != APPLICATION_ID {
            return Err(StoreError::NotAProject {
                path: shown,
                reason: "it is an SQLite database of another program".into(),
            });
        }
        let applied = store.db.applied_migrations().await?;
        if let Some(unknown) = applied.iter().find(|a| !MIGRATIONS.iter().any(|(n, _, _)| n == a)) {
            return Err(StoreError::NewerVersion { path: shown, migration: unknown.clone() });
        }
        if applied.len() < MIGRATIONS.len() {
            // Migrations are up-only, so keep the file as it was before changing its schema.
            let backup = db::beside(path, &format!(".before-{}.bak", MIGRATIONS.last().map_or("", |m| m.0)));
            store.backup(&backup).await?;
            store.db.migrate(now).await?;
        }
        Ok(store)
    }

    /// Makes a new project on a PostgreSQL server; returns it and its id (the schema name).
    pub async fn create_postgres(
        url: &str,
        settings: &StudySettings,
        now: &str,
    ) -> Result<(Store, String), StoreError> {
        let id = format!("idg_{}", &uuid_hex(now)[..12]);
        let db = Db::open_postgres(url, &id, true).await?;
        db.migrate(now).await?;
        let store = Store { db, name: format!("project {id} on the server") };
        let mut conn = store.db.pool.acquire().await?;
        db::insert(&mut conn, &settings.to_row()).await?;
        Ok((store, id))
    }

    /// Opens a project on a PostgreSQL server by id, migrating it if it is older.
    pub async fn open_postgres(url: &str, id: &str, now: &str) -> Result<Store, StoreError> {
        let db = Db::open_postgres(url, id, false).await?;
        let store = Store { db, name: format!("project {id} on the server") };
        let applied = store.db.applied_migrations().await?;
        if let Some(unknown) = applied.iter().find(|a| !MIGRATIONS.iter().any(|(n, _, _)| n == a)) {
            return Err(StoreError::NewerVersion { path: store.name.clone(), migration: unknown.clone() });
        }
        if applied.is_empty() {
            return Err(StoreError::NotAProject {
                path: store.name.clone(),
                reason: "the schema holds no Idiograph project".into(),
            });
        }
        // As for a file, only when something is pending: every command opens the project, and
        // each round trip here is one more connection while the pool hands the last one back.
        if applied.len() < MIGRATIONS.len() {
            store.db.migrate(now).await?;
        }
        Ok(store)
    }

    /// Copies everything of this project — study, audit log, undo history, texts, counters —
    /// into `dest`, a project just created (its own empty study is replaced), in one transaction.
    pub async fn copy_into(&self, dest: &Store) -> Result<(), StoreError> {
        let mut from = self.read().await?;
        let mut to = dest.begin("", "").await?;
        sqlx::query("DELETE FROM study").execute(&mut *to.tx).await?;
        let content = &tables::BOOKKEEPING[0];
        let mut order: Vec<(&'static Table, String)> = vec![(content.0, content.1.to_owned())];
        order.extend(ALL.iter().map(|t| (*t, "id".to_owned())));
        order.extend(tables::BOOKKEEPING[1..].iter().map(|(t, o)| (*t, (*o).to_owned())));
        for (table, ordering) in order {
            let rows = db::select(&mut from.tx, table, "1 = 1", &[], &ordering).await?;
            let per_statement = (30_000 / table.columns.len()).min(500);
            for chunk in rows.chunks(per_statement) {
                db::insert_rows(&mut to.tx, table, chunk).await?;
            }
        }
        self.copy_media(&mut to).await?;
        if !dest.db.is_sqlite() {
            // Explicit sequence numbers were copied; the identity must continue after them.
            sqlx::query("SELECT setval(pg_get_serial_sequence('audit_event', 'seq'), COALESCE((SELECT MAX(seq) FROM audit_event), 0) + 1, false)")
                .execute(&mut *to.tx)
                .await?;
        }
        to.tx.commit().await?;
        Ok(())
    }

    /// A name for messages: the file path or the server schema.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which backend holds the project.
    pub fn backend(&self) -> &Backend {
        &self.db.backend
    }

    /// Closes the connections (waits for them to finish). A project file is checkpointed first,
    /// so that the file alone holds everything once no one else has it open: researchers copy
    /// and send `.idg` files, and SQLite's own checkpoint when the last connection closes can
    /// be skipped when the pool's connections close at nearly the same time.
    pub async fn close(&self) {
        if self.db.is_sqlite() {
            if let Ok(mut conn) = self.db.pool.acquire().await {
                // Busy when another process has the file open; it then checkpoints in its turn.
                let _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await;
            }
        }
        self.db.pool.close().await;
    }

    /// Starts a read-only transaction: a consistent view for queries.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        let tx = self.db.pool.begin().await?;
        Ok(self.tx(tx, None, "", ""))
    }

    fn tx(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        guard: Option<tokio::sync::OwnedMutexGuard<()>>,
        author: &str,
        at: &str,
    ) -> Tx {
        Tx {
            tx,
            _guard: guard,
            author: author.to_owned(),
            at: at.to_owned(),
            changes: vec![],
            binary_order: !self.db.is_sqlite(),
            versions: self.db.versions.clone(),
            accounts: self.db.account_scope(),
            feed: self.db.feed.clone(),
            notify_channel: match &self.db.backend {
                Backend::Postgres { schema } => Some(schema.clone()),
                Backend::Sqlite { .. } => None,
            },
        }
    }

    /// Every command committed from now on, by any process working on this project, in audit
    /// order. A receiver that falls far behind is told it lagged (and should re-read).
    pub async fn changes(&self) -> Result<tokio::sync::broadcast::Receiver<crate::Change>, StoreError> {
        self.db.feed.subscribe(&self.db).await
    }

    /// The number of the newest audit event (0 when there is none): where a page's live view
    /// starts, so that it can ask for what committed after it was rendered.
    pub async fn last_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_event").fetch_one(&self.db.pool).await?)
    }

    /// The changes committed after audit event `seq`, oldest first, at most
    /// [`Store::CHANGES_AT_ONCE`]: what a live view missed while it was not listening.
    pub async fn changes_after(&self, seq: i64) -> Result<Vec<crate::Change>, StoreError> {
        crate::feed::read_after(&self.db, seq).await
    }

    /// The most changes [`Store::changes_after`] returns; a view that missed more re-reads instead.
    pub const CHANGES_AT_ONCE: usize = crate::feed::READ_LIMIT;

    /// Starts a command transaction for `author` at time `at`; writers queue one after another.
    pub async fn begin(&self, author: &str, at: &str) -> Result<Tx, StoreError> {
        let guard = self.db.write_lock.clone().lock_owned().await;
        let mut tx = self.db.pool.begin().await?;
        match &self.db.backend {
            // Take SQLite's write lock now, so a read-then-write command cannot fail half-way
            // with SQLITE_BUSY when another process (a backup, a second CLI) writes meanwhile.
            Backend::Sqlite { .. } => {
                tx.execute("UPDATE counter SET next = next WHERE kind = ''").await?;
            }
            // Several server processes write one project: one writer at a time, as on SQLite, so
            // a command's reads stay true until it commits (no lost update between processes)
            // and audit events commit in `seq` order (readers of the log never skip one).
            Backend::Postgres { schema } => {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(lock_key(schema)).execute(&mut *tx).await?;
            }
        }
        Ok(self.tx(tx, Some(guard), author, at))
    }

    /// The audit log, newest first, at most `limit` events.
    pub async fn history(&self, limit: i64) -> Result<Vec<AuditEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.at, e.author, e.action, e.summary, e.target_seq, COALESCE(u.undone, 0)
             FROM audit_event e LEFT JOIN undo_entry u ON u.seq = e.seq ORDER BY e.seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Undoes `author`'s most recent command that is not undone yet.
    pub async fn undo(&self, author: &str, at: &str) -> Result<Option<UndoOutcome>, StoreError> {
        self.undo_restoring(author, at, None).await
    }

    /// Undoes `author`'s most recent command, first putting back what sealing it removed
    /// (`sealed` must be that command's payload, from the key store).
    pub async fn undo_restoring(
        &self,
        author: &str,
        at: &str,
        sealed: Option<&SealedPayload>,
    ) -> Result<Option<UndoOutcome>, StoreError> {
        let mut tx = self.begin(author, at).await?;
        let Some((seq, undoable)) = tx.next_undo(author).await? else { return Ok(None) };
        let target = tx.event(seq).await?;
        match (undoable, sealed) {
            (1, _) => {}
            (UNDO_SEALED, Some(payload)) if payload.seq == seq => tx.unseal(payload).await?,
            (UNDO_SEALED, _) => {
                return Err(StoreError::Conflict(format!(
                    "cannot undo '{}' (#{seq}) without the key store: the original text is kept there",
                    target.action
                )))
            }
            _ => {
                return Err(StoreError::Conflict(format!(
                    "cannot undo '{}' (#{seq}): its data was erased (a withdrawal, or originals discarded)",
                    target.action
                )))
            }
        }
        let changes = tx.recorded_changes(seq).await?;
        for (table, id, before, after) in changes.iter().rev() {
            db::transition(&mut tx.tx, table, id, after.as_ref(), before.as_ref())
                .await
                .map_err(|e| cannot("undo", &target, e))?;
        }
        let event_seq = tx.append_event(Action::Undo, &format!("undo #{seq}: {}", target.summary), Some(seq)).await?;
        sqlx::query("UPDATE undo_entry SET undone = 1, undone_by = $1 WHERE seq = $2")
            .bind(event_seq)
            .bind(seq)
            .execute(&mut *tx.tx)
            .await?;
        tx.finish().await?;
        Ok(Some(UndoOutcome { target, event_seq }))
    }

    /// The command `author` would undo next: its event and whether undoing it needs the key store.
    pub async fn next_undo(&self, author: &str) -> Result<Option<(AuditEvent, bool)>, StoreError> {
        let mut tx = self.read().await?;
        let Some((seq, undoable)) = tx.next_undo(author).await? else { return Ok(None) };
        Ok(Some((tx.event(seq).await?, undoable == UNDO_SEALED)))
    }

    /// The command `author` would redo next, if any.
    pub async fn next_redo(&self, author: &str) -> Result<Option<AuditEvent>, StoreError> {
        let mut tx = self.read().await?;
        let Some((seq, _)) = tx.next_redo(author).await? else { return Ok(None) };
        Ok(Some(tx.event(seq).await?))
    }

    /// Re-applies `author`'s most recently undone command, if nothing new was done since.
    pub async fn redo(&self, author: &str, at: &str) -> Result<Option<UndoOutcome>, StoreError> {
        let mut tx = self.begin(author, at).await?;
        let Some((seq, _)) = tx.next_redo(author).await? else { return Ok(None) };
        let target = tx.event(seq).await?;
        for (table, id, before, after) in tx.recorded_changes(seq).await? {
            db::transition(&mut tx.tx, table, &id, before.as_ref(), after.as_ref())
                .await
                .map_err(|e| cannot("redo", &target, e))?;
        }
        let event_seq = tx.append_event(Action::Redo, &format!("redo #{seq}: {}", target.summary), Some(seq)).await?;
        sqlx::query("UPDATE undo_entry SET undone = 0, undone_by = NULL WHERE seq = $1")
            .bind(seq)
            .execute(&mut *tx.tx)
            .await?;
        tx.finish().await?;
        Ok(Some(UndoOutcome { target, event_seq }))
    }

    /// Erases every trace of a participant's data: their rows, the texts of their transcripts,
    /// the row images in the audit log, and (SQLite) the freed pages of the file. The audit log
    /// keeps a content-free record that a withdrawal happened. This cannot be undone. The
    /// withdrawal is recorded first ([`Store::record_withdrawal`]) and stays recorded for the
    /// application to erase the copies outside the project (search indexes, key store).
    pub async fn withdraw_participant(
        &self,
        participant: &ObjectId,
        author: &str,
        at: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.record_withdrawal(participant, author, at).await?;
        let seq = self.erase_participant(participant, author, at).await?;
        self.rewrite_file().await?;
        Ok(seq)
    }

    /// The transaction of a recorded withdrawal: deletes the participant's rows, texts and audit
    /// images, appends the content-free "withdraw participant" event and moves the record to
    /// [`crate::ErasureStage::RowsErased`]. Returns the event's number, or `None` when this was done
    /// already (by a process that was then stopped, or by another one).
    pub async fn erase_participant(
        &self,
        participant: &ObjectId,
        author: &str,
        at: &str,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin(author, at).await?;
        let pid = participant.as_str().to_owned();
        let stage: Option<i64> = sqlx::query_scalar("SELECT stage FROM pending_erasure WHERE participant_id = $1")
            .bind(pid.clone())
            .fetch_optional(&mut *tx.tx)
            .await?;
        if stage != Some(0) {
            return Ok(None);
        }
        let touched = "SELECT DISTINCT seq FROM audit_change WHERE participant_id = $1";
        sqlx::query(&format!("UPDATE undo_entry SET undoable = 0 WHERE seq IN ({touched})"))
            .bind(pid.clone())
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(&format!(
            "UPDATE audit_event SET summary = action || ' (data of a withdrawn participant, erased)' WHERE seq IN ({touched})"
        ))
        .bind(pid.clone())
        .execute(&mut *tx.tx)
        .await?;
        sqlx::query("DELETE FROM audit_change WHERE participant_id = $1")
            .bind(pid.clone())
            .execute(&mut *tx.tx)
            .await?;
        // Children first, so that foreign keys hold at every step.
        for table in ALL.iter().rev() {
            if let Some(col) = table.participant_column {
                sqlx::query(&format!("DELETE FROM {} WHERE {col} = $1", table.name))
                    .bind(pid.clone())
                    .execute(&mut *tx.tx)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM content WHERE participant_id = $1").bind(pid.clone()).execute(&mut *tx.tx).await?;
        sqlx::query("DELETE FROM media_chunk WHERE participant_id = $1").bind(pid.clone()).execute(&mut *tx.tx).await?;
        sqlx::query("UPDATE pending_erasure SET stage = 1 WHERE participant_id = $1")
            .bind(pid)
            .execute(&mut *tx.tx)
            .await?;
        let seq = tx
            .append_event(Action::WithdrawParticipant, "a participant withdrew consent; their data was erased", None)
            .await?;
        tx.finish().await?;
        // Their texts must not outlive the withdrawal in this process's memory either.
        self.db.versions.clear();
        Ok(Some(seq))
    }

    /// Writes a consistent copy of the project to `dest` (which must not exist), even while
    /// other connections or processes use it.
    pub async fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        if dest.exists() {
            return Err(StoreError::Exists(dest.display().to_string()));
        }
        if !self.db.is_sqlite() {
            return Err(StoreError::Conflict(
                "backup copies a project file; on a server use `idiograph migrate --from`".into(),
            ));
        }
        // SQLite reads the name as given, but one starting `file:` as a URI: an absolute path
        // never does. A name that is not UTF-8 cannot be passed exactly, so it is refused.
        let io = |source| StoreError::Io { path: dest.display().to_string(), source };
        let absolute = std::path::absolute(dest).map_err(io)?;
        let name = absolute.to_str().ok_or_else(|| {
            io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "the file name is not valid Unicode"))
        })?;
        let mut conn = self.db.pool.acquire().await?;
        sqlx::query("VACUUM INTO $1").bind(name.to_owned()).execute(&mut *conn).await?;
        Ok(())
    }

    /// Every domain row, stored text and piece of media in a canonical order, one line each: two
    /// projects with equal dumps hold the same study. The audit log and id counters are not part of it.
    pub async fn dump(&self) -> Result<String, StoreError> {
        let mut tx = self.read().await?;
        let mut out = String::new();
        for table in ALL {
            let id = tx.ordered("id");
            for row in db::select(&mut tx.tx, table, "1 = 1", &[], &id).await? {
                out.push_str(table.name);
                out.push(' ');
                out.push_str(&row.to_json());
                out.push('\n');
            }
        }
        let hashes = sqlx::query(&format!("SELECT hash FROM content ORDER BY {}", tx.ordered("hash")))
            .fetch_all(&mut *tx.tx)
            .await?;
        for h in hashes {
            out.push_str("content ");
            out.push_str(&h.try_get::<String, _>(0)?);
            out.push('\n');
        }
        self.dump_media(&mut out).await?;
        Ok(out)
    }
}

fn cannot(what: &str, target: &AuditEvent, e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict(reason) => {
            StoreError::Conflict(format!("cannot {what} '{}' (#{}): {reason}", target.action, target.seq))
        }
        other => other,
    }
}

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        author: r.try_get(2)?,
        action: LoggedAction::from_stored(r.try_get(3)?),
        summary: r.try_get(4)?,
        target_seq: r.try_get(5)?,
        undone: r.try_get::<i64, _>(6)? != 0,
    })
}

impl Tx {
    /// The object with stable id `id`.
    pub async fn get<T: Codec>(&mut self, id: &ObjectId) -> Result<T, StoreError> {
        match db::current(&mut self.tx, T::table(), id.as_str()).await? {
            Some(row) => T::from_row(&row),
            None => Err(StoreError::NotFound(format!("{} {id}", T::table().name.replace('_', " ")))),
        }
    }

    /// The object with short number `short` (e.g. 12 for `N12`), if any.
    pub async fn by_short<T: Codec>(&mut self, short: u32) -> Result<Option<T>, StoreError> {
        let rows = db::select(&mut self.tx, T::table(), "short = $1", &[Value::Int(short as i64)], "id").await?;
        rows.first().map(T::from_row).transpose()
    }

    /// All objects of a kind, in creation order.
    pub async fn all<T: Codec>(&mut self) -> Result<Vec<T>, StoreError> {
        let order = self.ordered(order_of(T::table()));
        let rows = db::select(&mut self.tx, T::table(), "1 = 1", &[], &order).await?;
        rows.iter().map(T::from_row).collect()
    }

    /// The objects whose `column` equals `value` (e.g. notes of one transcript), in creation
    /// order; callers outside the store use the typed finders of `find.rs`.
    pub(crate) async fn where_eq<T: Codec>(&mut self, column: &str, value: &ObjectId) -> Result<Vec<T>, StoreError> {
        let table = T::table();
        let Some((col, _)) = table.columns.iter().find(|(c, _)| *c == column) else {
            return Err(StoreError::NotFound(format!("column {column} of {}", table.name)));
        };
        let order = self.ordered(order_of(table));
        let rows =
            db::select(&mut self.tx, table, &format!("{col} = $1"), &[Value::text(value.as_str())], &order).await?;
        rows.iter().map(T::from_row).collect()
    }

    /// An ORDER BY list whose text columns sort by code point on every backend.
    fn ordered(&self, columns: &str) -> String {
        if !self.binary_order {
            return columns.to_owned();
        }
        columns
            .split(',')
            .map(|c| match c.trim() {
                "short" | "seq" | "ordinal" | "number" => c.trim().to_owned(),
                text => format!("{text} COLLATE \"C\""),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The study settings.
    pub async fn settings(&mut self) -> Result<StudySettings, StoreError> {
        self.get(&ObjectId::new(crate::STUDY_ID)).await
    }

    /// A transcript version with its text, shared: a version is immutable once written.
    pub async fn version(&mut self, id: &ObjectId) -> Result<Arc<TranscriptVersion>, StoreError> {
        // Callers ask for versions named by rows of this same transaction, so a cached version
        // (immutable once written) is the one they mean.
        if let Some(v) = self.versions.get(id.as_str()) {
            return Ok(v);
        }
        let v = Arc::new(self.load_version(id).await?);
        self.versions.insert(v.clone());
        Ok(v)
    }

    async fn load_version(&mut self, id: &ObjectId) -> Result<TranscriptVersion, StoreError> {
        let row = db::current(&mut self.tx, &tables::VERSION, id.as_str())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("transcript version {id}")))?;
        let content = sqlx::query("SELECT body, sealed FROM content WHERE hash = $1")
            .bind(row.text("text_hash"))
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(content) = content else {
            return Err(StoreError::Corrupt(format!("the text of transcript version {id} is missing")));
        };
        if content.try_get::<i64, _>(1)? != 0 {
            return Err(StoreError::Conflict(format!(
                "transcript version {id} was pseudonymised: its original text is only in the key store"
            )));
        }
        let text: String = content.try_get(0)?;
        version::from_row(&row, text)
    }

    /// The transcript a version belongs to, read without its text; `None` if there is no such version.
    pub async fn transcript_of_version(&mut self, id: &ObjectId) -> Result<Option<ObjectId>, StoreError> {
        Ok(db::current(&mut self.tx, &tables::VERSION, id.as_str())
            .await?
            .map(|r| ObjectId::new(r.text("transcript_id"))))
    }

    /// A version's number, read without its text (which may be sealed); `None` if there is none.
    pub async fn version_number(&mut self, id: &ObjectId) -> Result<Option<u32>, StoreError> {
        Ok(db::current(&mut self.tx, &tables::VERSION, id.as_str()).await?.map(|r| r.int("number") as u32))
    }

    /// The content hash of a version's text ([`crate::content_hash`]), read without the text,
    /// which may be sealed; `None` if there is no such version.
    pub async fn version_hash(&mut self, id: &ObjectId) -> Result<Option<String>, StoreError> {
        Ok(db::current(&mut self.tx, &tables::VERSION, id.as_str()).await?.map(|r| r.text("text_hash")))
    }

    /// The next unused short number of `kind`; numbers are never handed out twice, even after undo.
    pub async fn next_short(&mut self, kind: ObjectKind) -> Result<u32, StoreError> {
        Ok(self.reserve_shorts(kind, 1).await?.start)
    }

    /// Reserves `count` consecutive short numbers of `kind` with one statement, for batches.
    pub async fn reserve_shorts(&mut self, kind: ObjectKind, count: u32) -> Result<std::ops::Range<u32>, StoreError> {
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO counter (kind, next) VALUES ($1, 1 + $2) ON CONFLICT (kind) DO UPDATE SET next = counter.next + $2 RETURNING next",
        )
        .bind(kind.as_str())
        .bind(count as i64)
        .fetch_one(&mut *self.tx)
        .await?;
        let end = next as u32;
        Ok(end - count..end)
    }

    /// Adds a new object.
    pub async fn insert<T: Codec>(&mut self, value: &T) -> Result<(), StoreError> {
        let row = value.to_row();
        db::insert(&mut self.tx, &row).await.map_err(|e| write_error(e, row.table, row.id()))?;
        self.changes.push((row.table, row.id().to_owned(), None, Some(row)));
        Ok(())
    }

    /// Adds many new objects of one kind with few statements (a batch command).
    pub async fn insert_many<T: Codec>(&mut self, values: &[T]) -> Result<(), StoreError> {
        let table = T::table();
        let per_statement = (30_000 / table.columns.len()).min(500);
        for chunk in values.chunks(per_statement) {
            let rows: Vec<Row> = chunk.iter().map(Codec::to_row).collect();
            db::insert_rows(&mut self.tx, table, &rows).await.map_err(|e| write_error(e, table, "(batch)"))?;
            for row in rows {
                self.changes.push((table, row.id().to_owned(), None, Some(row)));
            }
        }
        Ok(())
    }

    /// Replaces `before` by `after` (same id); refuses if the stored object is no longer `before`.
    pub async fn update<T: Codec>(&mut self, before: &T, after: &T) -> Result<(), StoreError> {
        let (b, a) = (before.to_row(), after.to_row());
        if b == a {
            return Ok(());
        }
        db::transition(&mut self.tx, b.table, b.id(), Some(&b), Some(&a))
            .await
            .map_err(|e| write_error(e, b.table, b.id()))?;
        self.changes.push((b.table, b.id().to_owned(), Some(b), Some(a)));
        Ok(())
    }

    /// Deletes an object; refuses if it changed since it was read or is still referred to.
    pub async fn delete<T: Codec>(&mut self, value: &T) -> Result<(), StoreError> {
        let row = value.to_row();
        db::transition(&mut self.tx, row.table, row.id(), Some(&row), None)
            .await
            .map_err(|e| write_error(e, row.table, row.id()))?;
        self.changes.push((row.table, row.id().to_owned(), Some(row), None));
        Ok(())
    }

    /// Stores a new transcript version (its text once, by content hash).
    pub async fn insert_version(&mut self, v: &TranscriptVersion, participant: &ObjectId) -> Result<(), StoreError> {
        let hash = version::content_hash(&v.text);
        sqlx::query(
            "INSERT INTO content (hash, participant_id, body, sealed) VALUES ($1, $2, $3, 0)
             ON CONFLICT (hash) DO UPDATE SET body = excluded.body, sealed = 0",
        )
        .bind(hash)
        .bind(participant.as_str().to_owned())
        // Borrowed, not cloned: a transcript may be 50 MB.
        .bind(v.text.as_str())
        .execute(&mut *self.tx)
        .await?;
        let row = version::to_row(v, participant);
        db::insert(&mut self.tx, &row).await.map_err(|e| write_error(e, row.table, row.id()))?;
        self.changes.push((row.table, row.id().to_owned(), None, Some(row)));
        Ok(())
    }

    /// Ids of every version of a transcript, oldest first.
    pub async fn version_ids(&mut self, transcript: &ObjectId) -> Result<Vec<ObjectId>, StoreError> {
        let rows = db::select(
            &mut self.tx,
            &tables::VERSION,
            "transcript_id = $1",
            &[Value::text(transcript.as_str())],
            "number",
        )
        .await?;
        Ok(rows.iter().map(|r| ObjectId::new(r.id())).collect())
    }

    /// Deletes transcript versions (their texts stay in the content store, so undo can restore them).
    pub async fn delete_versions(&mut self, ids: &[ObjectId]) -> Result<(), StoreError> {
        for id in ids {
            let row = db::current(&mut self.tx, &tables::VERSION, id.as_str())
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("transcript version {id}")))?;
            db::transition(&mut self.tx, &tables::VERSION, id.as_str(), Some(&row), None)
                .await
                .map_err(|e| write_error(e, &tables::VERSION, id.as_str()))?;
            self.changes.push((&tables::VERSION, id.as_str().to_owned(), Some(row), None));
        }
        Ok(())
    }

    /// Deletes this project from its PostgreSQL server for good, in this one transaction: the
    /// project's schema with every table in it (study, texts, audit log), the memberships of
    /// the project, and every session of the people who were its members — sessions are
    /// server-wide, so they are signed out of the server and log in again elsewhere. Returns
    /// how many members the project had. Nothing is kept to undo it; the project's audit log goes
    /// with it, and the server's record of deleted projects ([`crate::server_projects`]) keeps
    /// its id, title, who deleted it and when. Refuses a project file, which is deleted as a
    /// file. Needs a command transaction ([`Store::begin`]), whose lock makes the commands of
    /// other server processes finish first.
    pub async fn delete_project(mut self) -> Result<u64, StoreError> {
        if self._guard.is_none() {
            return Err(StoreError::Conflict("a read transaction cannot delete the project".into()));
        }
        let schema = self.accounts.project.clone();
        // The schema name goes into the statement as text: only names Idiograph makes get there.
        if self.accounts.prefix.is_empty() || !db::is_schema_name(&schema) {
            return Err(StoreError::Conflict("a project file is deleted by deleting the file itself".into()));
        }
        let prefix = self.accounts.prefix;
        sqlx::query(&format!(
            "UPDATE {prefix}account_session SET revoked = 1 WHERE revoked = 0
             AND account_id IN (SELECT account_id FROM {prefix}membership WHERE project = $1)"
        ))
        .bind(schema.clone())
        .execute(&mut *self.tx)
        .await?;
        let members = sqlx::query(&format!("DELETE FROM {prefix}membership WHERE project = $1"))
            .bind(schema.clone())
            .execute(&mut *self.tx)
            .await?
            .rows_affected();
        let title = self.settings().await?.title;
        sqlx::query(&format!(
            "INSERT INTO {prefix}deleted_project (project, title, deleted_by, deleted_at, members) \
             VALUES ($1, $2, $3, $4, $5)"
        ))
        .bind(schema.clone())
        .bind(title)
        .bind(self.author.clone())
        .bind(self.at.clone())
        .bind(i64::try_from(members).unwrap_or(i64::MAX))
        .execute(&mut *self.tx)
        .await?;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut *self.tx).await?;
        self.tx.commit().await?;
        // No transcript text of the project stays in this process's memory either.
        self.versions.clear();
        Ok(members)
    }

    /// Commits the changes as one command with an audit event; returns the event's number.
    pub async fn commit(mut self, action: Action, summary: &str) -> Result<i64, StoreError> {
        if self._guard.is_none() {
            return Err(StoreError::Conflict("a read transaction cannot commit changes".into()));
        }
        let seq = self.append_event(action, summary, None).await?;
        // Many rows per statement: each statement is a round trip to the database thread.
        const ROWS_PER_STATEMENT: usize = 100;
        for (chunk_index, chunk) in self.changes.chunks(ROWS_PER_STATEMENT).enumerate() {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 7;
                    format!("(${}, ${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7)
                })
                .collect();
            let sql = format!(
                "INSERT INTO audit_change (seq, ordinal, participant_id, tbl, row_id, before_row, after_row) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (i, (table, id, before, after)) in chunk.iter().enumerate() {
                let participant = before.as_ref().or(after.as_ref()).and_then(Row::participant);
                q = q
                    .bind(seq)
                    .bind((chunk_index * ROWS_PER_STATEMENT + i) as i64)
                    .bind(participant)
                    .bind(table.name)
                    .bind(id.clone())
                    .bind(before.as_ref().map(Row::to_json))
                    .bind(after.as_ref().map(Row::to_json));
            }
            q.execute(&mut *self.tx).await?;
        }
        if !self.changes.is_empty() {
            sqlx::query(
                "INSERT INTO undo_entry (seq, author, undone, undone_by, undoable) VALUES ($1, $2, 0, NULL, 1)",
            )
            .bind(seq)
            .bind(self.author.clone())
            .execute(&mut *self.tx)
            .await?;
        }
        self.finish().await?;
        Ok(seq)
    }

    /// Commits the transaction and tells this process's change feed.
    async fn finish(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        self.feed.committed();
        Ok(())
    }

    async fn append_event(&mut self, action: Action, summary: &str, target: Option<i64>) -> Result<i64, StoreError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO audit_event (at, author, action, summary, target_seq) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
        )
        .bind(self.at.clone())
        .bind(self.author.clone())
        .bind(action.as_str())
        .bind(summary.to_owned())
        .bind(target)
        .fetch_one(&mut *self.tx)
        .await?;
        if let Some(channel) = &self.notify_channel {
            // Delivered to the other processes' listeners only when this transaction commits.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel.clone())
                .bind(seq.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(seq)
    }

    /// The newest command of `author` not undone yet, with its undoable flag.
    async fn next_undo(&mut self, author: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let entry = sqlx::query(
            "SELECT seq, undoable FROM undo_entry WHERE author = $1 AND undone = 0 ORDER BY seq DESC LIMIT 1",
        )
        .bind(author.to_owned())
        .fetch_optional(&mut *self.tx)
        .await?;
        entry.map(|e| Ok((e.try_get(0)?, e.try_get(1)?))).transpose()
    }

    /// The command of `author` a redo would re-apply (its seq and the undo's seq), unless a newer
    /// command ended the redo chain, as in every editor.
    async fn next_redo(&mut self, author: &str) -> Result<Option<(i64, i64)>, StoreError> {
        let entry = sqlx::query(
            "SELECT seq, undone_by FROM undo_entry WHERE author = $1 AND undone = 1 AND undoable = 1 ORDER BY undone_by DESC LIMIT 1",
        )
        .bind(author.to_owned())
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(entry) = entry else { return Ok(None) };
        let (seq, undone_by): (i64, i64) = (entry.try_get(0)?, entry.try_get(1)?);
        let newer: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM undo_entry WHERE author = $1 AND seq > $2 LIMIT 1")
                .bind(author.to_owned())
                .bind(undone_by)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(newer.is_none().then_some((seq, undone_by)))
    }

    pub(crate) async fn event(&mut self, seq: i64) -> Result<AuditEvent, StoreError> {
        let row = sqlx::query(
            "SELECT e.seq, e.at, e.author, e.action, e.summary, e.target_seq, COALESCE(u.undone, 0)
             FROM audit_event e LEFT JOIN undo_entry u ON u.seq = e.seq WHERE e.seq = $1",
        )
        .bind(seq)
        .fetch_one(&mut *self.tx)
        .await?;
        event_from_row(&row)
    }

    async fn recorded_changes(
        &mut self,
        seq: i64,
    ) -> Result<Vec<(&'static Table, String, Option<Row>, Option<Row>)>, StoreError> {
        let rows =
            sqlx::query("SELECT tbl, row_id, before_row, after_row FROM audit_change WHERE seq = $1 ORDER BY ordinal")
                .bind(seq)
                .fetch_all(&mut *self.tx)
                .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let name: String = r.try_get(0)?;
            let table = tables::by_name(&name)
                .ok_or_else(|| StoreError::Corrupt(format!("audit names unknown table {name}")))?;
            let image = |text: Option<String>| -> Result<Option<Row>, StoreError> {
                text.map(|t| {
                    Row::from_json(table, &t).ok_or_else(|| StoreError::Corrupt(format!("audit row image of {name}")))
                })
                .transpose()
            };
            out.push((table, r.try_get(1)?, image(r.try_get(2)?)?, image(r.try_get(3)?)?));
        }
        Ok(out)
    }
}

/// The advisory lock that makes the writers of one server project (in any process) take turns.
fn lock_key(schema: &str) -> i64 {
    // FNV-1a: stable across processes and builds, unlike the standard library's hasher.
    schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)) as i64
}

/// The version of a stored object as a short token that changes whenever its stored image
/// changes: what a client read is still current exactly when its token equals the token of the
/// stored object. Clients send it back with an update so that a change made meanwhile by
/// someone else is refused, never silently overwritten. Derived from the row, so it needs no
/// column of its own and undo/redo restore it too.
pub trait VersionToken {
    /// The token, 16 hex digits.
    fn version_token(&self) -> String;
}

impl<T: Codec> VersionToken for T {
    fn version_token(&self) -> String {
        crate::version::content_hash(&self.to_row().to_json())[..16].to_owned()
    }
}

/// A random-looking id for a new server project, made from the time and the process (the store
/// has no randomness of its own to spare; uniqueness is checked when the schema is created).
fn uuid_hex(now: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(now.as_bytes());
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

fn order_of(table: &Table) -> &'static str {
    if table.columns.iter().any(|(c, _)| *c == "short") {
        "short"
    } else if table.columns.iter().any(|(c, _)| *c == "created_at") {
        "created_at, id"
    } else {
        "id"
    }
}

fn write_error(e: StoreError, table: &Table, id: &str) -> StoreError {
    match e {
        StoreError::Database(e) => StoreError::from_write(e, &format!("{} {id}", table.name.replace('_', " "))),
        other => other,
    }
}

/// Reading the audit log as a change feed, for derived data kept beside a project (the search
/// index): where the log stands, and which rows changed since a position.
impl Tx {
    /// The log's origin (the time of its first event, which tells one project from another) and
    /// its last sequence number, as this transaction sees them; `("", 0)` for an empty log.
    pub async fn audit_position(&mut self) -> Result<(String, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE((SELECT at FROM audit_event ORDER BY seq LIMIT 1), ''), COALESCE(MAX(seq), 0) FROM audit_event",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Every write of an object of type `T` by a command that stands (is not undone), oldest
    /// first: the command's event and the object as that command left it. What the audit log
    /// can tell about who made an object as it is now; images a withdrawal erased are gone.
    pub async fn writes<T: Codec>(&mut self) -> Result<Vec<(AuditEvent, T)>, StoreError> {
        let table = T::table();
        let rows = sqlx::query(
            "SELECT e.seq, e.at, e.author, e.action, e.summary, e.target_seq, COALESCE(u.undone, 0), c.after_row
             FROM audit_change c JOIN audit_event e ON e.seq = c.seq LEFT JOIN undo_entry u ON u.seq = c.seq
             WHERE c.tbl = $1 AND c.after_row IS NOT NULL AND COALESCE(u.undone, 0) = 0
             ORDER BY c.seq, c.ordinal",
        )
        .bind(table.name)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|r| {
                let image: String = r.try_get(7)?;
                let row = Row::from_json(table, &image)
                    .ok_or_else(|| StoreError::Corrupt(format!("audit row image of {}", table.name)))?;
                Ok((event_from_row(r)?, T::from_row(&row)?))
            })
            .collect()
    }

    /// The objects changed by the events after `seq`, undo and redo included (they re-apply the
    /// rows of the event they target); `None` when that cannot be told from the log, because a
    /// withdrawal erased row images since.
    pub async fn changes_since(&mut self, seq: i64) -> Result<Option<Vec<(StoredKind, ObjectId)>>, StoreError> {
        let withdrawn: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM audit_event WHERE seq > $1 AND action = $2 LIMIT 1")
                .bind(seq)
                .bind(Action::WithdrawParticipant.as_str())
                .fetch_optional(&mut *self.tx)
                .await?;
        if withdrawn.is_some() {
            return Ok(None);
        }
        let rows = sqlx::query(
            "SELECT DISTINCT tbl, row_id FROM audit_change WHERE seq IN (
                 SELECT seq FROM audit_event WHERE seq > $1
                 UNION SELECT target_seq FROM audit_event WHERE seq > $2 AND target_seq IS NOT NULL)
             ORDER BY tbl, row_id",
        )
        .bind(seq)
        .bind(seq)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(StoredKind::read_object).collect::<Result<Vec<_>, StoreError>>().map(Some)
    }
}
