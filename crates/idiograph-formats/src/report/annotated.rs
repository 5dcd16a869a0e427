//! The annotated transcript: the classic IPA three-column table of experiential statements |
//! line-numbered transcript | exploratory notes, as print-ready HTML and as Word.
//!
//! Lines, pages and line numbers are those of the transcript version's frozen layout, so the
//! printed appendix matches every citation in the write-up. Margin items are anchored to global
//! line numbers and drawn beside exactly the lines they cover; items whose lines overlap share
//! one margin block spanning all of them, each item labelled with its own line range.

use std::fmt::Write as _;

use super::docx::{cell, columns, fill, para, row, run, table, text_para, Page, WordDoc, HEADER_FILL};
use super::escape::markup;
use super::{ReportError, ReportLabels};

/// A transcript laid out in numbered lines and pages, with the researcher's margin annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportAnnotatedTranscript {
    /// Transcript title, e.g. "T1 Interview 1".
    pub title: String,
    /// Pseudonym of the participant.
    pub pseudonym: String,
    /// Names of the IPA units; `statements` heads the left column.
    pub labels: ReportLabels,
    /// One line of provenance or context under the title (version, date), if any.
    pub subtitle: Option<String>,
    /// Every line of the frozen layout, in order.
    pub lines: Vec<ReportTranscriptLine>,
    /// Experiential statements, shown in the left margin.
    pub statements: Vec<ReportMarginItem>,
    /// Exploratory notes, shown in the right margin with their kind.
    pub notes: Vec<ReportMarginItem>,
}

/// One line of the frozen layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTranscriptLine {
    /// Page number (1-based).
    pub page: u32,
    /// Line number as printed and cited (per page or running, as the study's layout numbers).
    pub line: u32,
    /// Position of the line in the whole transcript (1-based); margin items refer to this.
    pub global: u32,
    /// The line's text.
    pub text: String,
    /// The speaker, when a turn starts on this line.
    pub speaker: Option<String>,
}

/// A statement or note in a margin, anchored to a range of lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportMarginItem {
    /// First global line the item covers.
    pub first_line: u32,
    /// Last global line the item covers (inclusive).
    pub last_line: u32,
    /// The statement or note text.
    pub text: String,
    /// Short id shown with the item, e.g. "S12" or "N3".
    pub id: String,
    /// Kind of an exploratory note ("Descriptive", "Linguistic", "Conceptual"); `None` for a
    /// statement.
    pub kind: Option<String>,
}

/// Shading of a statement block in Word.
const STATEMENT_FILL: &str = "EEF4F8";
/// Shading of a note block in Word.
const NOTE_FILL: &str = "FBF6EC";

/// A run of consecutive rows of one page that one margin cell spans, with the items in it.
struct Block<'a> {
    /// Index of the first row (within the page) the block covers.
    start: usize,
    /// Number of rows covered.
    len: usize,
    /// The items, with whether each started on an earlier page.
    items: Vec<(&'a ReportMarginItem, bool)>,
}

/// Groups the items that touch `rows` into margin blocks: overlapping items share a block.
fn blocks<'a>(items: &'a [ReportMarginItem], rows: &[&ReportTranscriptLine]) -> Vec<Block<'a>> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return Vec::new() };
    let mut spans: Vec<(usize, usize, &ReportMarginItem, bool)> = Vec::new();
    for item in items {
        let (lo, hi) = (item.first_line.min(item.last_line), item.first_line.max(item.last_line));
        if hi < first.global || lo > last.global {
            continue;
        }
        let Some(start) = rows.iter().position(|r| r.global >= lo) else { continue };
        let Some(end) = rows.iter().rposition(|r| r.global <= hi) else { continue };
        if end < start {
            continue;
        }
        spans.push((start, end, item, lo < first.global));
    }
    spans.sort_by_key(|(s, e, _, _)| (*s, *e));
    let mut out: Vec<Block<'a>> = Vec::new();
    for (start, end, item, continued) in spans {
        match out.last_mut() {
            Some(b) if start < b.start + b.len => {
                b.len = b.len.max(end + 1 - b.start);
                b.items.push((item, continued));
            }
            _ => out.push(Block { start, len: end + 1 - start, items: vec![(item, continued)] }),
        }
    }
    out
}

/// The lines of the transcript grouped by page, in order.
fn pages(t: &ReportAnnotatedTranscript) -> Vec<(u32, Vec<&ReportTranscriptLine>)> {
    let mut out: Vec<(u32, Vec<&ReportTranscriptLine>)> = Vec::new();
    for line in &t.lines {
        match out.last_mut() {
            Some((page, rows)) if *page == line.page => rows.push(line),
            _ => out.push((line.page, vec![line])),
        }
    }
    out
}

/// The printed line range of an item, e.g. "ll. 12–14" or "l. 3", from the rows it covers.
fn range_label(item: &ReportMarginItem, lines: &[ReportTranscriptLine]) -> String {
    let lo = item.first_line.min(item.last_line);
    let hi = item.first_line.max(item.last_line);
    let first = lines.iter().find(|l| l.global >= lo && l.global <= hi);
    let last = lines.iter().rev().find(|l| l.global >= lo && l.global <= hi);
    match (first, last) {
        (Some(a), Some(b)) if a.global == b.global => format!("p. {}, l. {}", a.page, a.line),
        (Some(a), Some(b)) if a.page == b.page => format!("p. {}, ll. {}–{}", a.page, a.line, b.line),
        (Some(a), Some(b)) => format!("pp. {}–{}, ll. {}–{}", a.page, b.page, a.line, b.line),
        _ => String::new(),
    }
}

/// The label printed above an item: id, kind (notes), line range, and a continuation mark.
fn item_label(item: &ReportMarginItem, continued: bool, lines: &[ReportTranscriptLine]) -> String {
    let mut parts = Vec::new();
    if !item.id.trim().is_empty() {
        parts.push(item.id.trim().to_owned());
    }
    if let Some(kind) = item.kind.as_deref().filter(|k| !k.trim().is_empty()) {
        parts.push(kind.trim().to_owned());
    }
    let range = range_label(item, lines);
    if !range.is_empty() {
        parts.push(range);
    }
    let label = parts.join(" · ");
    if continued {
        format!("{label} (continued)")
    } else {
        label
    }
}

/// Splits a line into the speaker label to set in bold and the rest.
fn speaker_split(line: &ReportTranscriptLine) -> (String, &str) {
    let Some(speaker) = line.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return (String::new(), &line.text);
    };
    match line.text.strip_prefix(speaker) {
        Some(rest) if rest.starts_with(':') => (format!("{speaker}:"), &rest[1..]),
        _ => (format!("{speaker}: "), &line.text),
    }
}

/// Print stylesheet of the annotated transcript.
const STYLE: &str = r#"
@page { size: A4 landscape; margin: 12mm 12mm 14mm 12mm; }
:root { color-scheme: light; }
body { font-family: "Noto Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #111; margin: 1.5rem; font-size: 10pt; }
header h1 { font-size: 15pt; margin: 0 0 0.2rem 0; }
header p { margin: 0 0 0.6rem 0; color: #44525e; }
section.page { break-after: page; page-break-after: always; margin-bottom: 1.5rem; }
section.page:last-of-type { break-after: auto; page-break-after: auto; }
h2.page-no { font-size: 9pt; color: #44525e; font-weight: 600; margin: 0 0 0.3rem 0; }
table.transcript { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.transcript th { font-size: 8.5pt; text-align: left; border-bottom: 1.5px solid #44525e; padding: 2px 6px; background: #e3eaf0;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
table.transcript td { vertical-align: top; padding: 1px 6px; line-height: 1.45; }
col.st { width: 22%; } col.ln { width: 3.2em; } col.tx { width: auto; } col.nt { width: 27%; }
table.blank col.st, table.blank col.nt { width: 26%; }
td.ln { text-align: right; color: #7f8c8d; font-size: 8pt; font-variant-numeric: tabular-nums; border-right: 1px solid #c8d3dc; }
td.tx { font-family: "Noto Serif", Georgia, "Times New Roman", serif; font-size: 9.5pt; white-space: pre-wrap; }
td.tx .sp { font-weight: 700; font-family: "Noto Sans", Helvetica, Arial, sans-serif; font-size: 8.5pt; }
td.st, td.nt { font-size: 8.5pt; }
td.st { border-right: 1px solid #c8d3dc; }
td.nt { border-left: 1px solid #c8d3dc; }
td.st.filled { background: #f1f6fa; border-left: 3px solid #5b7a93; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
td.nt.filled { background: #fbf7ef; border-right: 3px solid #b08d57; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.item { margin: 0 0 4px 0; }
.item .label { display: block; font-size: 7.5pt; color: #5b6b7a; font-weight: 700; }
table.blank td.tx { line-height: 2.1; }
table.blank td.st, table.blank td.nt { border-bottom: 1px dotted #c8d3dc; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
@media screen { section.page { border-bottom: 1px dashed #8a97a3; padding-bottom: 1rem; } }
"#;

/// Renders the annotated transcript as one self-contained, print-ready HTML document: A4
/// `@page` rules, one table per page of the frozen layout with a page break after each, a row
/// per line with its number, statements in the left column and notes (kind shown) in the right,
/// each spanning exactly the lines it anchors.
///
/// With `blank`, the margins are left empty and wider, for annotating on paper.
#[must_use]
pub fn render_annotated_html(t: &ReportAnnotatedTranscript, blank: bool) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>{}</title>", markup(&heading(t)));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<header>\n<h1>{}</h1>", markup(&heading(t)));
    let _ = writeln!(out, "<p>{}</p>\n</header>", markup(&subtitle(t, blank)));
    let st_label = markup(&t.labels.statements);
    for (page, rows) in pages(t) {
        let _ = writeln!(out, "<section class=\"page\" data-page=\"{page}\">");
        let _ = writeln!(out, "<h2 class=\"page-no\">Page {page}</h2>");
        let _ = writeln!(
            out,
            "<table class=\"transcript{}\">\n<colgroup><col class=\"st\"><col class=\"ln\"><col class=\"tx\"><col class=\"nt\"></colgroup>",
            if blank { " blank" } else { "" }
        );
        let _ = writeln!(
            out,
            "<thead><tr><th scope=\"col\">{st_label}</th><th scope=\"col\">No.</th><th scope=\"col\">Transcript</th><th scope=\"col\">Exploratory notes</th></tr></thead>\n<tbody>"
        );
        let left = if blank { Vec::new() } else { blocks(&t.statements, &rows) };
        let right = if blank { Vec::new() } else { blocks(&t.notes, &rows) };
        for (i, line) in rows.iter().enumerate() {
            let _ = write!(out, "<tr id=\"l{}\" data-global=\"{}\">", line.global, line.global);
            margin_cell(&mut out, "st", &left, i, &t.lines);
            let (speaker, text) = speaker_split(line);
            let speaker = if speaker.is_empty() {
                String::new()
            } else {
                format!("<span class=\"sp\">{}</span>", markup(&speaker))
            };
            let _ = write!(out, "<td class=\"ln\">{}</td><td class=\"tx\">{speaker}{}</td>", line.line, markup(text));
            margin_cell(&mut out, "nt", &right, i, &t.lines);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    if t.lines.is_empty() {
        out.push_str("<p>This transcript has no lines.</p>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Appends the margin cell of row `i`: the start of a block (with rowspan), nothing for a row
/// inside a block, or an empty cell.
fn margin_cell(out: &mut String, class: &str, blocks: &[Block<'_>], i: usize, lines: &[ReportTranscriptLine]) {
    if let Some(b) = blocks.iter().find(|b| b.start == i) {
        let _ = write!(out, "<td class=\"{class} filled\" rowspan=\"{}\">", b.len);
        for (item, continued) in &b.items {
            let lo = item.first_line.min(item.last_line);
            let hi = item.first_line.max(item.last_line);
            let _ = write!(
                out,
                "<div class=\"item\" data-id=\"{}\" data-first=\"{lo}\" data-last=\"{hi}\"><span class=\"label\">{}</span>{}</div>",
                markup(&item.id),
                markup(&item_label(item, *continued, lines)),
                if *continued { String::new() } else { markup(item.text.trim()) }
            );
        }
        out.push_str("</td>");
    } else if !blocks.iter().any(|b| i > b.start && i < b.start + b.len) {
        let _ = write!(out, "<td class=\"{class}\"></td>");
    }
}

/// Document heading: pseudonym and transcript title.
fn heading(t: &ReportAnnotatedTranscript) -> String {
    match (t.pseudonym.trim(), t.title.trim()) {
        ("", title) => title.to_owned(),
        (who, "") => who.to_owned(),
        (who, title) => format!("{who} — {title}"),
    }
}

/// Line under the heading: the caller's subtitle and what the columns hold.
fn subtitle(t: &ReportAnnotatedTranscript, blank: bool) -> String {
    let what = if blank {
        "Blank margins for annotation by hand.".to_owned()
    } else {
        format!(
            "{} {} (left) and {} exploratory notes (right), beside the lines they refer to.",
            t.statements.len(),
            t.labels.statements,
            t.notes.len()
        )
    };
    match t.subtitle.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{s}. {what}"),
        None => what,
    }
}

/// Renders the annotated transcript as a Word document: one four-column table per page of the
/// frozen layout (statements | line number | transcript | notes), a row per line, margin items
/// merged vertically over the lines they anchor, a page break between pages and a header row
/// repeated if Word has to break a page's table.
///
/// With `blank`, the margins are left empty and wider, for annotating on paper.
///
/// # Errors
///
/// [`ReportError::Package`] if the package cannot be written.
pub fn render_annotated_docx(t: &ReportAnnotatedTranscript, blank: bool) -> Result<Vec<u8>, ReportError> {
    // Landscape, so the transcript column holds a layout line (80 characters by default) without
    // rewrapping it, and the margins keep room for notes.
    let page = Page { margin: 720, ..Page::A4 }.landscape();
    let mut doc = WordDoc::new(page);
    doc.push(&text_para("Title", &heading(t)));
    doc.push(&text_para("Meta", &subtitle(t, blank)));
    let weights: &[u32] = if blank { &[26, 3, 45, 26] } else { &[22, 3, 48, 27] };
    let widths = columns(page.text_width(), weights);
    let titles =
        [t.labels.statements.clone(), "No.".to_owned(), "Transcript".to_owned(), "Exploratory notes".to_owned()];
    for (n, (page_no, rows)) in pages(t).into_iter().enumerate() {
        let ppr = if n == 0 { "" } else { "<w:pageBreakBefore/>" };
        doc.push(&para("Heading3", &run(&format!("Page {page_no}"), None, false, false), ppr));
        let left = if blank { Vec::new() } else { blocks(&t.statements, &rows) };
        let right = if blank { Vec::new() } else { blocks(&t.notes, &rows) };
        let header: String = widths
            .iter()
            .zip(&titles)
            .map(|(w, title)| cell(*w, &text_para("TableHeading", title), &fill(HEADER_FILL)))
            .collect();
        let mut xml = row(&header, true, true);
        for (i, line) in rows.iter().enumerate() {
            let mut cells = docx_margin(widths[0], &left, i, &t.lines, STATEMENT_FILL);
            cells.push_str(&cell(
                widths[1],
                &para(
                    "TranscriptText",
                    &run(&line.line.to_string(), Some("LineNumber"), false, false),
                    r#"<w:jc w:val="right"/>"#,
                ),
                "",
            ));
            let (speaker, text) = speaker_split(line);
            let mut runs = String::new();
            if !speaker.is_empty() {
                runs.push_str(&run(&speaker, Some("Speaker"), false, false));
            }
            runs.push_str(&run(text, None, false, false));
            let spacing = if blank { r#"<w:spacing w:line="420" w:lineRule="auto"/>"# } else { "" };
            cells.push_str(&cell(widths[2], &para("TranscriptText", &runs, spacing), ""));
            cells.push_str(&docx_margin(widths[3], &right, i, &t.lines, NOTE_FILL));
            xml.push_str(&row(&cells, false, true));
        }
        doc.push(&table(&widths, &xml));
    }
    if t.lines.is_empty() {
        doc.push(&text_para("Meta", "This transcript has no lines."));
    }
    doc.finish(&heading(t), &heading(t))
}

/// The margin cell of row `i` in Word: a block's first row restarts a vertical merge and holds
/// the items, the rows below continue it, other rows get an empty cell.
fn docx_margin(width: u32, blocks: &[Block<'_>], i: usize, lines: &[ReportTranscriptLine], shade: &str) -> String {
    if let Some(b) = blocks.iter().find(|b| b.start == i) {
        let mut inner = String::new();
        for (item, continued) in &b.items {
            let mut runs = run(&item_label(item, *continued, lines), Some("MarginLabel"), false, false);
            if !continued {
                runs.push_str(&run(&format!("\n{}", item.text.trim()), None, false, false));
            }
            inner.push_str(&para("MarginText", &runs, ""));
        }
        let merge = if b.len > 1 { r#"<w:vMerge w:val="restart"/>"# } else { "" };
        return cell(width, &inner, &format!("{merge}{}", fill(shade)));
    }
    if blocks.iter().any(|b| i > b.start && i < b.start + b.len) {
        return cell(width, "", &format!("<w:vMerge/>{}", fill(shade)));
    }
    cell(width, "", "")
}
