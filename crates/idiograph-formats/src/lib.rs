//! Bytes to transcripts and project data to documents.
//!
//! Importers turn a received file into canonical transcript text with speaker turns and
//! provenance; report writers turn a plain report model into Markdown or self-contained HTML.
//! Nothing here touches a database, a file path or the network: callers pass bytes and get bytes.

mod import;
mod report;

pub use crate::import::*;
pub use crate::report::*;
