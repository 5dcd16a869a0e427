//! Connections, migrations and the generic row operations on either backend.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Connection, Executor, Row as _};
use tokio::sync::Mutex;

use crate::feed::Feed;
use crate::row::{ColType, Row, Table, Value};
use crate::StoreError;

/// `PRAGMA application_id` of an Idiograph project file: "IDGP" in ASCII.
pub const APPLICATION_ID: i64 = 1_229_211_472;

/// Embedded migrations, oldest first: (name, SQLite script, PostgreSQL script).
/// Up-only; a file of the same name exists under both `migrations/` folders (tested).
pub const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        "0002_case_finished_and_get_note",
        include_str!("../migrations/sqlite/0002_case_finished_and_get_note.sql"),
        include_str!("../migrations/postgres/0002_case_finished_and_get_note.sql"),
    ),
    (
        "0003_deid",
        include_str!("../migrations/sqlite/0003_deid.sql"),
        include_str!("../migrations/postgres/0003_deid.sql"),
    ),
    (
        "0004_accounts",
        include_str!("../migrations/sqlite/0004_accounts.sql"),
        include_str!("../migrations/postgres/0004_accounts.sql"),
    ),
    (
        "0005_server_records",
        include_str!("../migrations/sqlite/0005_server_records.sql"),
        include_str!("../migrations/postgres/0005_server_records.sql"),
    ),
    (
        "0006_lookup_indexes",
        include_str!("../migrations/sqlite/0006_lookup_indexes.sql"),
        include_str!("../migrations/postgres/0006_lookup_indexes.sql"),
    ),
    (
        "0007_pending_erasure",
        include_str!("../migrations/sqlite/0007_pending_erasure.sql"),
        include_str!("../migrations/postgres/0007_pending_erasure.sql"),
    ),
    (
        "0008_review_word",
        include_str!("../migrations/sqlite/0008_review_word.sql"),
        include_str!("../migrations/postgres/0008_review_word.sql"),
    ),
    (
        "0009_login_attempts",
        include_str!("../migrations/sqlite/0009_login_attempts.sql"),
        include_str!("../migrations/postgres/0009_login_attempts.sql"),
    ),
    (
        "0010_quote_fillers",
        include_str!("../migrations/sqlite/0010_quote_fillers.sql"),
        include_str!("../migrations/postgres/0010_quote_fillers.sql"),
    ),
    (
        "0011_interview_guide",
        include_str!("../migrations/sqlite/0011_interview_guide.sql"),
        include_str!("../migrations/postgres/0011_interview_guide.sql"),
    ),
    (
        "0012_recordings",
        include_str!("../migrations/sqlite/0012_recordings.sql"),
        include_str!("../migrations/postgres/0012_recordings.sql"),
    ),
    (
        "0013_heard_times",
        include_str!("../migrations/sqlite/0013_heard_times.sql"),
        include_str!("../migrations/postgres/0013_heard_times.sql"),
    ),
];

/// Which database engine holds the project.
#[derive(Debug, Clone)]
pub enum Backend {
    /// One project per file.
    Sqlite {
        /// The project file.
        path: PathBuf,
    },
    /// One project per schema of a server database.
    Postgres {
        /// The schema holding the project.
        schema: String,
    },
}

/// The connection pool and the lock that serialises writers within this process.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    pub write_lock: Arc<Mutex<()>>,
    /// Decoded transcript versions by id. Versions never change once written, so every reader
    /// in this process can share them instead of reloading and re-decoding the text.
    pub versions: VersionCache,
    /// Publishes committed commands to this process's live views.
    pub feed: Arc<Feed>,
    /// The server's address, for the connection that listens for other processes' commits.
    pub server_url: Option<String>,
}

/// Where the accounts of a project are kept (see [`Db::account_scope`]).
#[derive(Clone)]
pub struct AccountScope {
    pub prefix: &'static str,
    pub project: String,
}

/// Decoded transcript versions shared by the transactions of one process, the most recently
/// read kept up to [`VersionCache::BUDGET`] bytes of text. Versions never change once written,
/// so a reader gets the same shared copy instead of reloading, re-decoding or cloning the text;
/// the budget keeps a server that has shown many transcripts from holding all of them.
#[derive(Clone)]
pub struct VersionCache(Arc<std::sync::Mutex<CachedVersions>>);

struct CachedVersions {
    recent: lru::LruCache<String, Arc<idiograph_model::TranscriptVersion>>,
    bytes: usize,
}

impl VersionCache {
    /// How many bytes of text the cache holds at most: a few long interviews. A version longer
    /// than this is read for each request and not kept.
    pub const BUDGET: usize = 64 << 20;

    /// An empty cache.
    pub fn new() -> VersionCache {
        VersionCache(Arc::new(std::sync::Mutex::new(CachedVersions { recent: lru::LruCache::unbounded(), bytes: 0 })))
    }

    /// The version `id` if it is held, now the most recently used.
    pub fn get(&self, id: &str) -> Option<Arc<idiograph_model::TranscriptVersion>> {
        self.0.lock().ok()?.recent.get(id).cloned()
    }

    /// Keeps `version`, dropping the least recently used ones over the budget.
    pub fn insert(&self, version: Arc<idiograph_model::TranscriptVersion>) {
        let size = version.text.len();
        let Ok(mut c) = self.0.lock() else { return };
        if size > Self::BUDGET {
            return;
        }
        if let Some(old) = c.recent.put(version.id.as_str().to_owned(), version) {
            c.bytes -= old.text.len();
        }
        c.bytes += size;
        while c.bytes > Self::BUDGET {
            match c.recent.pop_lru() {
                Some((_, gone)) => c.bytes -= gone.text.len(),
                None => break,
            }
        }
    }

    /// Forgets every version: after an erasure or a seal no original text may stay in memory.
    pub fn clear(&self) {
        if let Ok(mut c) = self.0.lock() {
            c.recent.clear();
            c.bytes = 0;
        }
    }
}

pub(crate) fn install_drivers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

/// The connection options for a PostgreSQL server's address, refused with the reason when it is
/// not one (the Any driver would also take other databases' addresses).
pub(crate) fn server_options(url: &str) -> Result<AnyConnectOptions, StoreError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::BadAddress("it must start with postgres:// or postgresql://".into()));
    }
    url.parse().map_err(|e: sqlx::Error| StoreError::BadAddress(e.to_string()))
}

/// The driver's address of the project file at `path`. The pool takes only a URL, and sqlx reads
/// the file name out of it (percent-decoded, `..` folded, a first segment read as a host), so the
/// file goes in as its absolute path — the folder resolved by the operating system, `..` and links
/// as the system reads them — with every byte a URL would read otherwise percent-encoded: spaces,
/// `%`, `#`, `?` and accents reach SQLite exactly as written.
fn sqlite_url(path: &Path, create: bool) -> Result<String, StoreError> {
    let io = |source| StoreError::Io { path: path.display().to_string(), source };
    let absolute = if create {
        let name = path
            .file_name()
            .ok_or_else(|| io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name")))?;
        let folder = path.parent().filter(|f| !f.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::canonicalize(folder).map_err(io)?.join(name)
    } else {
        std::fs::canonicalize(path).map_err(io)?
    };
    let url = url::Url::from_file_path(&absolute)
        .map_err(|()| io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a path to a file")))?;
    Ok(format!("sqlite://{}?mode={}", url.path(), if create { "rwc" } else { "rw" }))
}

/// The path of a file beside the project file `path`: its name with `suffix` appended, such as
/// `-wal` or `.search` (never a string made from the path's display, which may not be the file).
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a project file and its SQLite companions (`-wal`, `-shm`), for a project that could not
/// be made whole; what does not exist is skipped.
pub fn remove_project_file(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(beside(path, suffix));
    }
}

/// Checks that `path` is an SQLite file before handing it to the driver, for a clear message.
pub fn check_sqlite_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::NotFound(format!("project file {shown}")),
        _ => StoreError::Io { path: shown.clone(), source: e },
    })?;
    let mut header = [0u8; 16];
    let n = f.read(&mut header).map_err(|e| StoreError::Io { path: shown.clone(), source: e })?;
    if n < 16 || &header != b"SQLite format 3\0" {
        return Err(StoreError::NotAProject { path: shown, reason: "it is not an SQLite database".into() });
    }
    Ok(())
}

/// Whether `name` is a schema name Idiograph makes: `idg_` and lowercase letters or digits.
pub fn is_schema_name(name: &str) -> bool {
    name.len() <= 63
        && name
            .strip_prefix("idg_")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

impl Db {
    /// Opens (or with `create`, makes) an SQLite project file.
    pub async fn open_sqlite(path: &Path, create: bool) -> Result<Db, StoreError> {
        install_drivers();
        let options: AnyConnectOptions = sqlite_url(path, create)?.parse().map_err(StoreError::from)?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // FULL makes every acknowledged commit durable in WAL mode (NORMAL may lose the
                    // last commits on power loss); foreign keys are off by default in SQLite.
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL")
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::from)?;
        Ok(Db {
            pool,
            backend: Backend::Sqlite { path: path.to_owned() },
            write_lock: Arc::new(Mutex::new(())),
            versions: VersionCache::new(),
            feed: Arc::new(Feed::new()),
            server_url: None,
        })
    }

    /// Opens (or with `create`, makes) the schema of one project on a PostgreSQL server.
    pub async fn open_postgres(url: &str, schema: &str, create: bool) -> Result<Db, StoreError> {
        install_drivers();
        if !is_schema_name(schema) {
            return Err(StoreError::NotFound(format!("project {schema} on the server (not a project id)")));
        }
        let options = server_options(url)?;
        let mut admin = sqlx::AnyConnection::connect_with(&options).await.map_err(StoreError::from)?;
        let exists: Option<AnyRow> = sqlx::query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1")
            .bind(schema.to_owned())
            .fetch_optional(&mut admin)
            .await?;
        match (exists.is_some(), create) {
            (true, true) => return Err(StoreError::Exists(format!("project {schema} on the server"))),
            (false, false) => return Err(StoreError::NotFound(format!("project {schema} on the server"))),
            (false, true) => {
                // The name was checked above: lowercase letters, digits and underscores only.
                admin.execute(format!("CREATE SCHEMA {schema}").as_str()).await?;
            }
            (true, false) => {}
        }
        admin.close().await?;
        let search_path = format!("SET search_path TO {schema}");
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            // While the server is down a request should fail within seconds, not hang for the
            // default 30 s; under load a connection is free again in milliseconds.
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |conn, _| {
                let sql = search_path.clone();
                Box::pin(async move {
                    conn.execute(sql.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::from)?;
        Ok(Db {
            pool,
            backend: Backend::Postgres { schema: schema.to_owned() },
            write_lock: Arc::new(Mutex::new(())),
            versions: VersionCache::new(),
            feed: Arc::new(Feed::new()),
            server_url: Some(url.to_owned()),
        })
    }

    /// Whether this is the SQLite backend.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.backend, Backend::Sqlite { .. })
    }

    /// Where this project's accounts live: the table-name prefix and the project's key in
    /// `membership` (a file holds its own accounts; a server shares them across projects).
    pub fn account_scope(&self) -> AccountScope {
        match &self.backend {
            Backend::Sqlite { .. } => AccountScope { prefix: "", project: String::new() },
            Backend::Postgres { schema } => AccountScope { prefix: "idiograph_accounts.", project: schema.clone() },
        }
    }

    /// Names of migrations already applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let exists: Option<AnyRow> = match self.backend {
            Backend::Sqlite { .. } => {
                conn.fetch_optional("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'")
                    .await?
            }
            Backend::Postgres { .. } => {
                conn.fetch_optional(
                    "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migration'",
                )
                .await?
            }
        };
        if exists.is_none() {
            return Ok(vec![]);
        }
        let rows = conn.fetch_all("SELECT name FROM schema_migration ORDER BY name").await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Applies the pending migrations, each in its own transaction with its bookkeeping row.
    pub async fn migrate(&self, now: &str) -> Result<usize, StoreError> {
        let applied = self.applied_migrations().await?;
        let mut conn = self.pool.acquire().await?;
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            .await?;
        let mut count = 0;
        for (name, sqlite, postgres) in MIGRATIONS {
            if applied.iter().any(|a| a == name) {
                continue;
            }
            let script = if self.is_sqlite() { sqlite } else { postgres };
            let mut tx = conn.begin().await?;
            tx.execute(*script).await?;
            sqlx::query("INSERT INTO schema_migration (name, applied_at) VALUES ($1, $2)")
                .bind(*name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            count += 1;
        }
        Ok(count)
    }
}

fn column_list(table: &Table) -> String {
    table.columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
}

fn bind_value<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    value: &Value,
    ty: ColType,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match (value, ty) {
        (Value::Null, ColType::Int) => q.bind(None::<i64>),
        (Value::Null, ColType::Text) => q.bind(None::<String>),
        (Value::Int(i), _) => q.bind(*i),
        (Value::Text(s), _) => q.bind(s.clone()),
    }
}

fn decode(table: &'static Table, row: &AnyRow) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, (_, ty)) in table.columns.iter().enumerate() {
        let v = match ty {
            ColType::Int => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::Int),
            ColType::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::Text),
        };
        values.push(v);
    }
    Ok(Row { table, values })
}

/// Rows of `table` matching `filter` (an SQL condition over `$1…`), ordered by `order`.
pub async fn select(
    conn: &mut AnyConnection,
    table: &'static Table,
    filter: &str,
    binds: &[Value],
    order: &str,
) -> Result<Vec<Row>, StoreError> {
    let sql = format!("SELECT {} FROM {} WHERE {filter} ORDER BY {order}", column_list(table), table.name);
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = bind_value(q, b, if matches!(b, Value::Int(_)) { ColType::Int } else { ColType::Text });
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(|r| decode(table, r)).collect()
}

/// The current image of row `id` of `table`, if it exists.
pub async fn current(conn: &mut AnyConnection, table: &'static Table, id: &str) -> Result<Option<Row>, StoreError> {
    Ok(select(conn, table, "id = $1", &[Value::text(id)], "id").await?.pop())
}

pub async fn insert(conn: &mut AnyConnection, row: &Row) -> Result<(), StoreError> {
    insert_rows(conn, row.table, std::slice::from_ref(row)).await
}

/// Inserts rows of one table with one statement (keep `rows.len() × columns` under the
/// backends' parameter limits; SQLite allows 32,766).
pub async fn insert_rows(conn: &mut AnyConnection, table: &Table, rows: &[Row]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = table.columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", (1..=n).map(|c| format!("${}", r * n + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    let sql = format!("INSERT INTO {} ({}) VALUES {}", table.name, column_list(table), tuples.join(", "));
    let mut q = sqlx::query(&sql);
    for row in rows {
        for (v, (_, ty)) in row.values.iter().zip(table.columns) {
            q = bind_value(q, v, *ty);
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

pub async fn update(conn: &mut AnyConnection, row: &Row) -> Result<(), StoreError> {
    let table = row.table;
    let sets = table.columns.iter().enumerate().skip(1).map(|(i, (c, _))| format!("{c} = ${}", i + 1));
    let sql = format!("UPDATE {} SET {} WHERE id = $1", table.name, sets.collect::<Vec<_>>().join(", "));
    let mut q = sqlx::query(&sql);
    for (v, (_, ty)) in row.values.iter().zip(table.columns) {
        q = bind_value(q, v, *ty);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, table: &Table, id: &str) -> Result<(), StoreError> {
    sqlx::query(&format!("DELETE FROM {} WHERE id = $1", table.name)).bind(id.to_owned()).execute(&mut *conn).await?;
    Ok(())
}

/// Moves row `id` from the image `expected` (None: absent) to `target` (None: deleted),
/// refusing if someone else changed it in between. This is the whole of optimistic concurrency.
pub async fn transition(
    conn: &mut AnyConnection,
    table: &'static Table,
    id: &str,
    expected: Option<&Row>,
    target: Option<&Row>,
) -> Result<(), StoreError> {
    let now = current(conn, table, id).await?;
    if now.as_ref() != expected {
        return Err(StoreError::Conflict(format!(
            "{} {} was changed by someone else in the meantime; reload and try again",
            table.name.replace('_', " "),
            id
        )));
    }
    match (expected, target) {
        (None, Some(t)) => insert(conn, t).await,
        (Some(_), Some(t)) => update(conn, t).await,
        (Some(_), None) => delete(conn, table, id).await,
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::VersionCache;
    use idiograph_model::{ObjectId, Provenance, TranscriptVersion};
    use idiograph_text::{Layout, LayoutParams};
    use std::sync::Arc;

    fn version(id: &str, bytes: usize) -> Arc<TranscriptVersion> {
        let text = "a".repeat(bytes);
        Arc::new(TranscriptVersion {
            id: ObjectId::new(id),
            transcript_id: ObjectId::new("t"),
            number: 1,
            // The cache weighs only the text; the layout is not looked at.
            layout: Layout::compute("", LayoutParams::default()),
            text,
            turns: vec![],
            provenance: Provenance {
                file_name: "x.txt".into(),
                sha256: String::new(),
                format: "text".into(),
                encoding: "utf-8".into(),
            },
            created_at: String::new(),
            units: Default::default(),
        })
    }

    #[test]
    fn the_version_cache_keeps_the_most_recently_read_within_its_budget() {
        let cache = VersionCache::new();
        let third = VersionCache::BUDGET / 3;
        for id in ["a", "b", "c"] {
            cache.insert(version(id, third));
        }
        // The same version comes back shared, not copied.
        let a = cache.get("a").expect("a is kept");
        assert!(Arc::ptr_eq(&a, &cache.get("a").unwrap()));
        // A fourth pushes out the least recently read: "b" (a was just read).
        cache.insert(version("d", third));
        assert!(cache.get("b").is_none(), "the least recently read goes first");
        assert!(cache.get("a").is_some() && cache.get("c").is_some() && cache.get("d").is_some());
        // A version over the whole budget is not kept, and pushes nothing out.
        cache.insert(version("huge", VersionCache::BUDGET + 1));
        assert!(cache.get("huge").is_none());
        assert!(cache.get("a").is_some() && cache.get("d").is_some());
        cache.clear();
        assert!(["a", "c", "d"].iter().all(|id| cache.get(id).is_none()), "clear forgets every text");
    }
}
