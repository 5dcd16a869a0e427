//! Self-contained HTML rendering of a study report, for reading in a browser and printing.

use std::fmt::Write as _;

use super::escape::{markup, paragraphs};
use super::{
    attribute_names, attribute_value, cell_summary, extract_citation, flatten, get_case_count, get_children,
    pet_children, quoted, svg, ReportExtract, StudyReport,
};

/// Inline stylesheet; the report must open offline and be archivable as one file, so nothing is
/// fetched from elsewhere.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  line-height: 1.5; color: #1b2631; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: 0.25rem; }
h2 { border-bottom: 1px solid #c8d3dc; padding-bottom: 0.2rem; margin-top: 2.5rem; }
.meta { color: #5b6b7a; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.95rem; }
th, td { border: 1px solid #c8d3dc; padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #eef2f5; }
td.num, th.num { text-align: center; white-space: nowrap; }
.depth-1 { padding-left: 1.5rem; }
.depth-2 { padding-left: 2.5rem; }
.depth-3 { padding-left: 3.5rem; }
tr.get-row > * { background: #f6f8fa; font-weight: 600; }
tr.fail > th, tr.fail > td { background: #fff4e5; }
.flag { color: #a04000; font-weight: 600; }
.absent { color: #8a97a3; }
blockquote { margin: 0.75rem 0 0.75rem 1rem; padding: 0.25rem 0 0.25rem 1rem;
  border-left: 3px solid #8aa3b5; }
blockquote p { margin: 0; }
blockquote footer { color: #5b6b7a; font-size: 0.9rem; }
tr.extract td:nth-child(2) { font-style: italic; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #5b6b7a; font-size: 0.9rem; }
.journal-entry { border-left: 3px solid #c8d3dc; padding-left: 1rem; margin: 1rem 0; }
.empty { color: #5b6b7a; font-style: italic; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; color: #000; }
  h2, h3, h4 { break-after: avoid; }
  table { font-size: 9pt; }
  tr, blockquote, figure, .journal-entry { break-inside: avoid; }
  thead { display: table-header-group; }
  thead th, tr.get-row > *, tr.fail > th, tr.fail > td { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  .appendix { break-before: page; }
}
"#;

/// Renders the report as one self-contained HTML5 document: inline stylesheet (with print
/// rules), the theme figure as inline SVG, no scripts and no external resources.
///
/// It has the same sections as [`render_markdown`](super::render_markdown), with real tables
/// and block quotes. All user text is escaped.
#[must_use]
pub fn render_html(report: &StudyReport) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", markup(&report.title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    title_block(&mut out, report);
    participants(&mut out, report);
    get_table(&mut out, report);
    recurrence(&mut out, report);
    extracts(&mut out, report);
    cases(&mut out, report);
    journal(&mut out, report);
    out.push_str("</body>\n</html>\n");
    out
}

/// Appends text as `<p>` paragraphs, keeping single line breaks as `<br>`.
fn text_paragraphs(out: &mut String, text: &str) {
    for p in paragraphs(text) {
        let lines: Vec<String> = p.lines().map(|l| markup(l.trim())).collect();
        let _ = writeln!(out, "<p>{}</p>", lines.join("<br>\n"));
    }
}

/// Opens a table and appends its head; headers must already be escaped.
fn thead(out: &mut String, headers: &[String]) {
    out.push_str("<table>\n<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

/// CSS class for a nested theme cell, capped at the deepest indentation the stylesheet has.
fn depth_class(depth: usize) -> String {
    format!("depth-{}", depth.min(3))
}

fn title_block(out: &mut String, report: &StudyReport) {
    out.push_str("<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", markup(&report.title));
    if let Some(question) = &report.research_question {
        let _ = writeln!(out, "<p class=\"rq\"><strong>Research question:</strong> {}</p>", markup(question));
    }
    let _ = writeln!(out, "<p class=\"meta\">Generated {}.</p>", markup(&report.generated_at));
    out.push_str("</header>\n");
}

fn participants(out: &mut String, report: &StudyReport) {
    out.push_str("<section id=\"participants\">\n<h2>Participants</h2>\n");
    if report.participants.is_empty() {
        out.push_str("<p class=\"empty\">No participants.</p>\n</section>\n");
        return;
    }
    let names = attribute_names(&report.participants);
    let mut headers = vec!["Pseudonym".to_owned()];
    headers.extend(names.iter().map(|n| markup(n)));
    headers.extend(["Interview".to_owned(), "Transcripts".to_owned()]);
    thead(out, &headers);
    for p in &report.participants {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", markup(&p.pseudonym));
        for n in &names {
            let _ = write!(out, "<td>{}</td>", attribute_value(p, n).map_or_else(|| "—".to_owned(), markup));
        }
        let _ = write!(out, "<td>{}</td>", p.interview.as_deref().map_or_else(|| "—".to_owned(), markup));
        let transcripts: Vec<String> = p.transcripts.iter().map(|t| markup(t)).collect();
        let _ = writeln!(
            out,
            "<td>{}</td></tr>",
            if transcripts.is_empty() { "—".to_owned() } else { transcripts.join("<br>") }
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn get_table(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let _ = writeln!(out, "<section id=\"themes\">\n<h2>{}</h2>", markup(&labels.gets));
    if report.gets.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">No {} yet.</p>", markup(&labels.gets));
    } else {
        let total = report.recurrence.participants.len();
        thead(out, &[markup(&labels.get), markup(&labels.sub_theme), markup(&labels.pets), "Participants".to_owned()]);
        for (depth, get) in flatten(&report.gets, 0, get_children) {
            let title = markup(&get.title);
            if depth == 0 {
                let _ = write!(out, "<tr class=\"get-row\"><th scope=\"row\">{title}</th><td></td>");
            } else {
                let _ = write!(out, "<tr><td></td><th scope=\"row\" class=\"{}\">{title}</th>", depth_class(depth));
            }
            let contributing: Vec<String> = get
                .contributing
                .iter()
                .map(|c| format!("<strong>{}</strong>: {}", markup(&c.pseudonym), markup(&c.pet_title)))
                .collect();
            let _ = writeln!(
                out,
                "<td>{}</td><td class=\"num\">{}/{total}</td></tr>",
                contributing.join("<br>"),
                get_case_count(get)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<figure>\n");
    out.push_str(&svg::figure(report, false));
    let _ = writeln!(
        out,
        "<figcaption>Figure 1. {} and their {}.</figcaption>\n</figure>\n</section>",
        markup(&labels.gets),
        markup(&labels.sub_themes)
    );
}

fn recurrence(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let matrix = &report.recurrence;
    out.push_str("<section id=\"recurrence\">\n<h2>Recurrence across participants</h2>\n");
    if matrix.rows.is_empty() {
        out.push_str("<p class=\"empty\">No themes to count yet.</p>\n</section>\n");
        return;
    }
    let total = matrix.participants.len();
    let mut headers = vec![format!("{} / {}", markup(&labels.get), markup(&labels.sub_theme))];
    headers.extend(matrix.participants.iter().map(|p| markup(p)));
    headers.extend(["Total".to_owned(), "Meets rule".to_owned()]);
    thead(out, &headers);
    let mut failing = Vec::new();
    for r in &matrix.rows {
        let mut classes = Vec::new();
        if r.depth == 0 {
            classes.push("get-row");
        }
        if !r.meets_rule {
            classes.push("fail");
            failing.push(markup(&r.title));
        }
        let flag =
            if r.meets_rule { "" } else { " <span class=\"flag\" title=\"below the recurrence rule\">⚠</span>" };
        let class_attr = if classes.is_empty() { String::new() } else { format!(" class=\"{}\"", classes.join(" ")) };
        let _ = write!(
            out,
            "<tr{class_attr}><th scope=\"row\" class=\"{}\">{}{flag}</th>",
            depth_class(r.depth),
            markup(&r.title)
        );
        for cell in (0..total).map(|i| r.cells.get(i)) {
            let present = cell.is_some_and(|c| c.present);
            let _ =
                write!(out, "<td class=\"num{}\">{}</td>", if present { "" } else { " absent" }, cell_summary(cell));
        }
        let _ = writeln!(
            out,
            "<td class=\"num\">{}/{total}</td><td class=\"num\">{}</td></tr>",
            r.contributors,
            if r.meets_rule { "yes" } else { "<span class=\"flag\">no</span>" }
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(out, "<p class=\"meta\">st. = {}; ex. = extracts.</p>", markup(&labels.statements));
    let _ = writeln!(out, "<p>Rule: a theme is recurrent when present for {}.</p>", markup(&matrix.rule));
    if failing.is_empty() {
        out.push_str("<p>All themes meet the rule.</p>\n");
    } else {
        let _ = writeln!(out, "<p><span class=\"flag\">⚠ Below the rule:</span> {}.</p>", failing.join("; "));
    }
    out.push_str("</section>\n");
}

/// Appends extracts as block quotes with the attribution in a footer.
fn quotes(out: &mut String, extracts: &[ReportExtract]) {
    if extracts.is_empty() {
        out.push_str("<p class=\"empty\">No extracts selected.</p>\n");
        return;
    }
    for e in extracts {
        let _ = writeln!(
            out,
            "<blockquote><p>{}</p><footer>{}</footer></blockquote>",
            markup(&quoted(&e.quote)),
            markup(&extract_citation(e))
        );
    }
}

fn extracts(out: &mut String, report: &StudyReport) {
    out.push_str("<section id=\"extracts\">\n<h2>Themes with extracts</h2>\n");
    if report.gets.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">No {} yet.</p>", markup(&report.labels.gets));
    }
    for (depth, get) in flatten(&report.gets, 0, get_children) {
        let level = (3 + depth).min(6);
        let _ = writeln!(out, "<h{level}>{}</h{level}>", markup(&get.title));
        if let Some(description) = &get.description {
            text_paragraphs(out, description);
        }
        // A theme with nested themes usually carries its extracts there, so only a leaf
        // theme without extracts is worth a "none selected" remark.
        if !get.extracts.is_empty() || get.sub_themes.is_empty() {
            quotes(out, &get.extracts);
        }
    }
    out.push_str("</section>\n");
}

fn cases(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let _ = writeln!(
        out,
        "<section id=\"cases\" class=\"appendix\">\n<h2>Appendix: {} by participant</h2>",
        markup(&labels.pets)
    );
    if report.cases.is_empty() {
        out.push_str("<p class=\"empty\">No cases analysed yet.</p>\n");
    }
    for case in &report.cases {
        let _ = writeln!(out, "<h3>{}</h3>", markup(&case.pseudonym));
        if case.pets.is_empty() {
            let _ = writeln!(out, "<p class=\"empty\">No {} yet.</p>", markup(&labels.pets));
            continue;
        }
        thead(out, &[markup(&labels.pet), markup(&labels.statements), "Page:line".to_owned()]);
        for (depth, pet) in flatten(&case.pets, 0, pet_children) {
            let description = pet
                .description
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| format!(" — <span class=\"meta\">{}</span>", markup(d)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr{}><th scope=\"row\" colspan=\"3\" class=\"{}\">{}{description}</th></tr>",
                if depth == 0 { " class=\"get-row\"" } else { "" },
                depth_class(depth),
                markup(&pet.title)
            );
            for s in &pet.statements {
                let _ = writeln!(out, "<tr><td></td><td>{}</td><td>{}</td></tr>", markup(&s.text), markup(&s.citation));
            }
            // Extracts share the statement column, set in italics, so an auditor can trace a
            // theme to the participant's own words in the same table.
            for e in &pet.extracts {
                let _ = writeln!(
                    out,
                    "<tr class=\"extract\"><td></td><td>{}</td><td>{}</td></tr>",
                    markup(&quoted(&e.quote)),
                    markup(&extract_citation(e))
                );
            }
        }
        out.push_str("</tbody>\n</table>\n<p class=\"meta\">Rows in italics are extracts.</p>\n");
    }
    out.push_str("</section>\n");
}

fn journal(out: &mut String, report: &StudyReport) {
    out.push_str("<section id=\"journal\">\n<h2>Reflexive journal</h2>\n");
    if report.journal.is_empty() {
        out.push_str("<p class=\"empty\">No journal entries.</p>\n");
    }
    for entry in &report.journal {
        let _ = writeln!(
            out,
            "<article class=\"journal-entry\">\n<h3>{} — {}</h3>",
            markup(&entry.at),
            markup(&entry.author)
        );
        text_paragraphs(out, &entry.text);
        if let Some(link) = entry.link.as_deref().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "<p class=\"meta\">Linked to: {}</p>", markup(link));
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}
