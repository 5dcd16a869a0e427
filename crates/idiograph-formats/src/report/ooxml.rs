//! Deterministic zip packaging shared by the Office writers.

use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::ReportError;

/// Writes `parts` (name, bytes) into a zip in the given order with a fixed timestamp, so the
/// same parts always give the same bytes. PNG parts are stored, everything else deflated.
pub(super) fn package(format: &'static str, parts: &[(&str, &[u8])]) -> Result<Vec<u8>, ReportError> {
    let fail = |e: &dyn std::fmt::Display| ReportError::Package { format, reason: e.to_string() };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default().last_modified_time(DateTime::default()).unix_permissions(0o644);
    for (name, bytes) in parts {
        let method = if name.ends_with(".png") { CompressionMethod::Stored } else { CompressionMethod::Deflated };
        zip.start_file(*name, base.compression_method(method)).map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}
