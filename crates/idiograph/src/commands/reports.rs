//! `report`, `figure` and `results`: the study report and the other exports, written to a file or
//! standard output.

use std::path::Path;

use anyhow::{bail, Context, Result};
use idiograph_app::{ExportFormat, Figure, ReportTable, ResultsFormat, Workbench};
use serde_json::json;

use crate::cli::{FigureFormat, ReportFormat};
use crate::printer::{emit, Printer};

/// `report`: writes the export `format` (with --format csv, the table `table`, by default the
/// statements).
pub(crate) async fn report(
    wb: &Workbench,
    out: Printer,
    format: ReportFormat,
    table: Option<ReportTable>,
    output: Option<&Path>,
    allow_leaks: bool,
) -> Result<()> {
    let export = match format {
        ReportFormat::Qdpx => return deliver(out, &wb.export_qdpx(allow_leaks).await?, output, "qdpx"),
        ReportFormat::Qdc => return deliver(out, &wb.export_qdc(allow_leaks).await?, output, "qdc"),
        ReportFormat::Md => ExportFormat::Markdown,
        ReportFormat::Html => ExportFormat::Html,
        ReportFormat::Docx => ExportFormat::Docx,
        ReportFormat::Xlsx => ExportFormat::Xlsx,
        ReportFormat::Csv => ExportFormat::Csv(table.unwrap_or(ReportTable::Statements)),
        ReportFormat::Svg => ExportFormat::Svg(Figure::ThemeMap),
        ReportFormat::Png => ExportFormat::Png(Figure::ThemeMap),
        ReportFormat::Audit => ExportFormat::AuditHtml,
        ReportFormat::AuditCsv => ExportFormat::AuditCsv,
        ReportFormat::Coreq => ExportFormat::Coreq,
        ReportFormat::Srqr => ExportFormat::Srqr,
    };
    deliver(out, &wb.export(export, allow_leaks).await?, output, export.extension())
}

/// `figure`: draws `kind` as SVG or as PNG at 300 dpi.
pub(crate) async fn figure(
    wb: &Workbench,
    out: Printer,
    kind: Figure,
    format: FigureFormat,
    output: Option<&Path>,
    allow_leaks: bool,
) -> Result<()> {
    let export = match format {
        FigureFormat::Svg => ExportFormat::Svg(kind),
        FigureFormat::Png => ExportFormat::Png(kind),
    };
    deliver(out, &wb.export(export, allow_leaks).await?, output, export.extension())
}

/// `results`: writes the results section scaffold as Word, Markdown or LaTeX.
pub(crate) async fn results(
    wb: &Workbench,
    out: Printer,
    format: ResultsFormat,
    output: Option<&Path>,
    allow_leaks: bool,
) -> Result<()> {
    let export = ExportFormat::Results(format);
    deliver(out, &wb.export(export, allow_leaks).await?, output, export.extension())
}

/// Writes an export to `output`, or text to standard output; binary formats need a file.
pub(crate) fn deliver(out: Printer, body: &[u8], output: Option<&Path>, extension: &str) -> Result<()> {
    match output {
        Some(path) => {
            write_new(path, body)?;
            out.print(json!({"output": path, "bytes": body.len()}), || {
                format!("Wrote {} ({} bytes)", path.display(), body.len())
            });
        }
        None => match std::str::from_utf8(body) {
            Ok(text) if !out.is_json() => emit(text.trim_end()),
            _ => bail!("a .{extension} export is a file: give -o FILE"),
        },
    }
    Ok(())
}

/// Writes a file that must not exist yet, so a report never overwrites the researcher's edits.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
