//! Errors of the store, each naming the thing and the reason.

/// What went wrong while reading or writing a project.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not an Idiograph project.
    #[error("{path} is not an Idiograph project: {reason}")]
    NotAProject {
        /// The file.
        path: String,
        /// Why not.
        reason: String,
    },
    /// The project was written by a newer Idiograph.
    #[error("{path} was written by a newer version of Idiograph (it has migration {migration}); upgrade Idiograph to open it")]
    NewerVersion {
        /// The file or database.
        path: String,
        /// The migration this build does not know.
        migration: String,
    },
    /// A new project would overwrite an existing file.
    #[error("{0} already exists; choose another name")]
    Exists(String),
    /// Something named does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the same object first, or the change breaks a uniqueness rule.
    #[error("{0}")]
    Conflict(String),
    /// Stored data cannot be read back.
    #[error("the project is damaged: {0}")]
    Corrupt(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database cannot be reached now (server down or restarting, connection lost, no free
    /// connection in time); nothing was changed and the same request may succeed later.
    #[error("the database is unavailable ({0}); nothing was changed, try again in a moment")]
    Unavailable(String),
    /// The address given for a PostgreSQL server cannot be used (it is not shown: it may hold
    /// a password).
    #[error("the database address is not a PostgreSQL address (postgres://USER@HOST[:PORT]/DATABASE): {0}")]
    BadAddress(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if is_unavailable(&e) {
            StoreError::Unavailable(e.to_string())
        } else if is_project_gone(&e) {
            StoreError::NotFound("this project".into())
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether `e` says the server is out of reach rather than that the request was wrong: lost or
/// refused connections, pool timeouts, and PostgreSQL's connection (08…) and shutdown (57P…) codes.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// Whether `e` says that the project's own tables are gone: PostgreSQL's undefined-table code
/// (42P01), which is what a server project answers once `Tx::delete_project` dropped its schema
/// while a connection (of this or another server process) still names it in its search path.
fn is_project_gone(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("42P01"))
}

impl StoreError {
    /// Turns uniqueness and foreign-key violations into a conflict with a readable message.
    pub(crate) fn from_write(e: sqlx::Error, what: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => {
                    return StoreError::Conflict(format!("{what}: an object with the same key already exists"))
                }
                sqlx::error::ErrorKind::ForeignKeyViolation => {
                    return StoreError::Conflict(format!(
                        "{what}: it refers to an object that does not exist or is still referred to"
                    ))
                }
                _ => {}
            }
        }
        StoreError::from(e)
    }
}
