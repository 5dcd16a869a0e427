//! The one error type of the binary report writers.

/// Why a binary report (`.docx`, `.xlsx`, `.png`) could not be produced.
///
/// The text renderers (Markdown, HTML, SVG, CSV, COREQ) cannot fail; the binary ones fail only
/// when their encoder refuses, which for valid models means a bug or an absurdly large model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The Office package (a zip of XML parts) could not be written.
    #[error("could not write the {format} file: {reason}")]
    Package {
        /// The format being written, e.g. "Word (.docx)".
        format: &'static str,
        /// What the encoder said.
        reason: String,
    },
    /// The theme figure could not be rasterised.
    #[error("could not render the theme figure as PNG: {0}")]
    Figure(String),
}
