//! Errors of application commands: each names the object and the reason.

use idiograph_formats::ImportError;
use idiograph_store::StoreError;

/// Why a command was refused or failed. A refused command changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule (bad argument, bad selection, rule of the IPA structure).
    #[error("{0}")]
    Invalid(String),
    /// A referenced object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The signed-in member may not do this (e.g. change another's journal entry).
    #[error("{0}")]
    Forbidden(String),
    /// Someone else changed the same object first, or a name is taken.
    #[error("{0}")]
    Conflict(String),
    /// An export would carry known real names (or could not be checked for them).
    #[error("{0}")]
    Leak(String),
    /// The object changed since the caller read it (its version token no longer matches);
    /// nothing was changed, and the caller should show the current object.
    #[error("{0}")]
    Stale(String),
    /// The search index (derived data kept beside the project) could not be read or written;
    /// the project is unchanged. Not the caller's fault: a server error. A search that meets it
    /// rebuilds the index once before giving up.
    #[error("the search index failed: {0}")]
    Index(String),
    /// The database cannot be reached now; nothing was changed and a retry may succeed.
    #[error("{0}")]
    Unavailable(String),
    /// A file could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The project could not be read or written.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            StoreError::Conflict(why) => AppError::Conflict(why),
            e @ StoreError::Unavailable(_) => AppError::Unavailable(e.to_string()),
            other => AppError::Store(other),
        }
    }
}

/// Shorthand for an [`AppError::Invalid`] with a formatted message.
macro_rules! invalid {
    ($($arg:tt)*) => { $crate::AppError::Invalid(format!($($arg)*)) };
}
pub(crate) use invalid;
