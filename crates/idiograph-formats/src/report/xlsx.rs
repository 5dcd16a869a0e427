//! The Excel workbook: one sheet per table of [`ReportTable`](super::ReportTable).

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use super::tables::{grid, Value};
use super::{ReportError, ReportTable, ReportTables, StudyReport};

/// Renders the study as an Excel workbook with the sheets GETs, PETs, Statements, Recurrence,
/// Extracts and Notes: a bold, frozen header row with filters on each, wrapped text, nested
/// themes indented, and counts stored as numbers.
///
/// # Errors
///
/// [`ReportError::Package`] if the workbook cannot be written (e.g. a cell longer than Excel's
/// 32 767 characters).
pub fn render_xlsx(report: &StudyReport, extra: &ReportTables) -> Result<Vec<u8>, ReportError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ReportError::Package { format: "Excel (.xlsx)", reason: e.to_string() };
    let mut book = Workbook::new();
    // A fixed creation date keeps the bytes reproducible; the caller's date is used when it
    // starts with an ISO date.
    let created = iso_date(&report.generated_at)
        .and_then(|(y, m, d)| ExcelDateTime::from_ymd(y, m, d).ok())
        .unwrap_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).unwrap_or_default());
    book.set_properties(
        &DocProperties::new()
            .set_title(&report.title)
            .set_author("Idiograph")
            .set_comment(format!("Generated with {}", crate::SOFTWARE))
            .set_creation_datetime(&created),
    );
    let (header, text) = (header_format(), text_format());
    let bold = text.clone().set_bold();
    let number = Format::new().set_align(FormatAlign::Top).set_align(FormatAlign::Center);
    for table in ReportTable::ALL {
        let g = grid(report, extra, table);
        let sheet = book.add_worksheet();
        sheet.set_name(table.name()).map_err(fail)?;
        for (c, (title, width)) in g.headers.iter().zip(&g.widths).enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, title, &header).map_err(fail)?;
            sheet.set_column_width(c, *width).map_err(fail)?;
        }
        for (r, (values, depth)) in g.rows.iter().zip(&g.depths).enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, value) in values.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match value {
                    Value::Number(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &number).map_err(fail)?;
                    }
                    Value::Text(t) => {
                        // Top-level themes in bold, nested ones indented, as in the write-up.
                        let format = if c == 0 && *depth == 0 && matches!(table, ReportTable::Recurrence) {
                            bold.clone()
                        } else if c == 0 && matches!(table, ReportTable::Recurrence) {
                            text.clone().set_indent(u8::try_from(*depth).unwrap_or(u8::MAX).min(15))
                        } else {
                            text.clone()
                        };
                        sheet.write_string_with_format(r, c, t, &format).map_err(fail)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        // Printed, each sheet is landscape, one page wide, with the header row on every page.
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(0, 0).map_err(fail)?;
        let last_col = u16::try_from(g.headers.len().saturating_sub(1)).unwrap_or(u16::MAX);
        let last_row = u32::try_from(g.rows.len()).unwrap_or(u32::MAX);
        sheet.autofilter(0, 0, last_row, last_col).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

/// The year, month and day at the start of a caller-formatted date ("2025-01-31 10:00").
fn iso_date(s: &str) -> Option<(u16, u8, u8)> {
    let d = s.get(..10)?;
    let mut parts = d.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some((y, m, day))
}

/// The header row of every sheet Idiograph writes: bold on a light band, a rule beneath.
pub(super) fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("E3EAF0")
        .set_border_bottom(FormatBorder::Medium)
        .set_text_wrap()
        .set_align(FormatAlign::Top)
}

/// A cell of text: wrapped, from the top.
pub(super) fn text_format() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}
