//! REFI-QDA exchange (`.qdpx` projects, `.qde` project files and `.qdc` codebooks).
//!
//! This crate is pure: bytes in, bytes out, no file paths, no database, no clock. It knows a
//! plain exchange model ([`RefiProject`]) whose text positions are UTF-8 byte [`Span`]s over
//! canonical text (see [`idiograph_text::normalize`]); conversion to and from the units a file
//! counts in (Unicode code points by the standard, UTF-16 code units by NVivo, CRLF counted as
//! one by ATLAS.ti) happens only here.
//!
//! * Writing is strict: exactly `project.qde` plus lower-case `sources/<GUID>.txt`, children in
//!   schema order, namespace `urn:QDA-XML:project:1.0`, positions in code points with an
//!   exclusive end ([`write_qdpx`], [`write_qdc`]).
//! * Reading is lenient and never silent: every deviation that was accepted, every item that
//!   was skipped and every kind of element that was not imported is reported as a
//!   [`RefiDiagnostic`] ([`read_qdpx`], [`read_qde`], [`read_qdc`]).
//!
//! ```
//! use idiograph_refi::*;
//! use idiograph_text::Span;
//!
//! let text = "Olivia: it felt like home 🙂.\n".to_owned();
//! let start = text.find("home").unwrap();
//! let mut project = RefiProject::new("Study");
//! project.codes.push(RefiCode::new("6F0E3D3C-3C4A-4C0B-9D11-2D7B0C0B5C01", "belonging"));
//! let mut source = RefiSource::new("6F0E3D3C-3C4A-4C0B-9D11-2D7B0C0B5C02", "Olivia", text.clone());
//! let mut selection = RefiSelection::new(
//!     "6F0E3D3C-3C4A-4C0B-9D11-2D7B0C0B5C03",
//!     Span::new(&text, start, start + "home 🙂".len()).unwrap(),
//! );
//! selection.codings.push(RefiCoding::new(
//!     "6F0E3D3C-3C4A-4C0B-9D11-2D7B0C0B5C04",
//!     "6F0E3D3C-3C4A-4C0B-9D11-2D7B0C0B5C01",
//! ));
//! source.selections.push(selection);
//! project.sources.push(source);
//!
//! let bytes = write_qdpx(&project)?;
//! let (back, diagnostics) = read_qdpx(&bytes, "study.qdpx")?;
//! assert_eq!(back, project);
//! assert!(diagnostics.iter().all(|d| d.kind == DiagnosticKind::Positions));
//! # Ok::<(), RefiError>(())
//! ```

mod error;
mod model;
mod read;
mod units;
mod write;
mod xml;
mod zipio;

pub use crate::error::{DiagnosticKind, RefiDiagnostic, RefiError, RefiErrorKind};
pub use crate::model::{
    RefiCase, RefiCode, RefiCoding, RefiCounts, RefiMedia, RefiMediaKind, RefiNote, RefiProject, RefiSelection,
    RefiSet, RefiSource, RefiSyncPoint, RefiTranscript, RefiUser, RefiValue, RefiVariable, RefiVariableType,
    RefiVariableValue,
};
pub use crate::read::{read_qdc, read_qde, read_qde_with, read_qdpx, read_qdpx_with, QdcRead, ReadLimits, ReadOptions};
pub use crate::units::PositionUnit;
pub use crate::write::{write_project_qde, write_qdc, write_qdpx};

/// The namespace of project files this crate writes.
pub const PROJECT_NAMESPACE: &str = "urn:QDA-XML:project:1.0";
/// The namespace of codebook files this crate writes.
pub const CODEBOOK_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

#[doc(no_inline)]
pub use idiograph_text::Span;
