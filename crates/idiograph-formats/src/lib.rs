//! Bytes to transcripts and project data to documents.
//!
//! Importers turn a received file into canonical transcript text with speaker turns and
//! provenance; report writers turn a plain report model into Markdown or self-contained HTML.
//! Nothing here touches a database, a file path or the network: callers pass bytes and get bytes.

mod import;
mod report;

pub use crate::import::*;
pub use crate::report::*;

/// The product and its version as every export names it (REFI-QDA's origin, Word's application,
/// the reports' "Generated … with", COREQ item 27, the audit trail), e.g. `Idiograph 0.1.0`. The
/// version is the workspace's (`[workspace.package] version`), shared with this crate and the
/// binary, whose `--version` says the same; the other internal crates stay at 0.0.0.
pub const SOFTWARE: &str = concat!("Idiograph ", env!("CARGO_PKG_VERSION"));
