//! Persistence of Idiograph projects: the only crate that speaks SQL.
//!
//! A project is one SQLite file (the embedded default) or one schema of a PostgreSQL database.
//! Callers see a concrete [`Store`]; the backend stays private. Every change is made through a
//! [`Tx`]: it applies row changes with optimistic checks, and on commit writes one audit event
//! with the before/after row images that make the command undoable ([`Store::undo`],
//! [`Store::redo`]). [`Store::withdraw_participant`] erases a participant's data everywhere,
//! audit payloads included, and leaves a content-free record. Accounts, memberships and login
//! sessions for a team server ([`Account`]) sit beside the study, outside undo and dumps.

mod accounts;
mod action;
mod codec;
mod db;
mod erasure;
mod error;
mod feed;
mod find;
mod media;
mod row;
mod seal;
mod server;
mod store;
mod tables;
mod version;

pub use crate::accounts::{Account, LoginCount, StoredSession};
pub use crate::action::{Action, LoggedAction};
pub use crate::codec::STUDY_ID;
pub use crate::db::{beside, remove_project_file, Backend, MIGRATIONS};
pub use crate::erasure::{ErasureStage, KeyStoreResidue, PendingErasure};
pub use crate::error::StoreError;
pub use crate::feed::{Change, StoredKind};
pub use crate::find::{OfParticipant, OfTheme, OfTranscript, OfVersion};
pub use crate::media::{StoredMedia, MEDIA_CHUNK_BYTES};
pub use crate::seal::{SealedPayload, SealedText};
pub use crate::server::{account_projects, server_projects, DeletedProject, ServerProject, ServerProjects};
pub use crate::store::{AuditEvent, Store, Tx, UndoOutcome, VersionToken};
pub use crate::version::content_hash;
