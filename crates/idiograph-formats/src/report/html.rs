//! Self-contained HTML rendering of a study report, for reading in a browser and printing.

use std::fmt::Write as _;

use super::dialect::{write_report, Cell, Dialect, Para};
use super::escape::{markup, paragraphs};
use super::{svg, ReportContribution, StudyReport};

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
    write_report(&Html, &mut out, report);
    out.push_str("</body>\n</html>\n");
    out
}

/// The HTML dialect: sections, real tables and block quotes, styled by [`STYLE`].
struct Html;

impl Dialect for Html {
    const BELOW_RULE_MARK: &'static str = " <span class=\"flag\" title=\"below the recurrence rule\">⚠</span>";
    const FAILS_RULE: &'static str = "<span class=\"flag\">no</span>";
    const BELOW_RULE_LEAD: &'static str = "<span class=\"flag\">⚠ Below the rule:</span>";

    fn inline(&self, text: &str) -> String {
        markup(text)
    }

    fn heading_text(&self, text: &str) -> String {
        markup(text)
    }

    /// The depth is shown by the cell's class, so the title is only escaped.
    fn theme_title(&self, title: &str, _depth: usize) -> String {
        markup(title)
    }

    fn list(&self, items: &[String]) -> String {
        items.iter().map(|t| markup(t)).collect::<Vec<_>>().join("<br>")
    }

    fn contributions(&self, contributions: &[ReportContribution]) -> String {
        contributions
            .iter()
            .map(|c| format!("<strong>{}</strong>: {}", markup(&c.pseudonym), markup(&c.pet_title)))
            .collect::<Vec<_>>()
            .join("<br>")
    }

    fn aside(&self, text: &str) -> String {
        format!("<span class=\"meta\">{text}</span>")
    }

    /// Plain, as the stylesheet sets the whole extract row in italics.
    fn extract_cell(&self, quote: &str) -> String {
        quote.to_owned()
    }

    fn title_block(&self, out: &mut String, title: &str, question: Option<&str>, generated: &str) {
        out.push_str("<header>\n");
        self.heading(out, 1, &markup(title));
        if let Some(question) = question {
            let _ = writeln!(out, "<p class=\"rq\"><strong>Research question:</strong> {}</p>", markup(question));
        }
        self.paragraph(out, Para::Note, &format!("Generated {} with {}.", markup(generated), crate::SOFTWARE));
        out.push_str("</header>\n");
    }

    fn open_section(&self, out: &mut String, id: &str, appendix: bool, title: &str) {
        let class = if appendix { " class=\"appendix\"" } else { "" };
        let _ = writeln!(out, "<section id=\"{id}\"{class}>\n<h2>{title}</h2>");
    }

    fn close_section(&self, out: &mut String) {
        out.push_str("</section>\n");
    }

    fn heading(&self, out: &mut String, level: usize, text: &str) {
        let _ = writeln!(out, "<h{level}>{text}</h{level}>");
    }

    fn open_entry(&self, out: &mut String, heading: &str) {
        out.push_str("<article class=\"journal-entry\">\n");
        self.heading(out, 3, heading);
    }

    fn close_entry(&self, out: &mut String) {
        out.push_str("</article>\n");
    }

    fn paragraph(&self, out: &mut String, kind: Para, text: &str) {
        let class = match kind {
            Para::Body => "",
            Para::Note | Para::Link => " class=\"meta\"",
            Para::Empty => " class=\"empty\"",
        };
        let _ = writeln!(out, "<p{class}>{text}</p>");
    }

    /// One `<p>` per paragraph, keeping single line breaks as `<br>`.
    fn prose(&self, out: &mut String, text: &str) {
        for p in paragraphs(text) {
            let lines: Vec<String> = p.lines().map(|l| markup(l.trim())).collect();
            self.paragraph(out, Para::Body, &lines.join("<br>\n"));
        }
    }

    /// The attribution goes in the quote's footer.
    fn quote(&self, out: &mut String, quote: &str, citation: &str) {
        let _ = writeln!(out, "<blockquote><p>{quote}</p><footer>{citation}</footer></blockquote>");
    }

    fn table_head(&self, out: &mut String, headers: &[String]) {
        out.push_str("<table>\n<thead><tr>");
        for h in headers {
            let _ = write!(out, "<th scope=\"col\">{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
    }

    fn row(&self, out: &mut String, class: &str, cells: &[Cell]) {
        if class.is_empty() {
            out.push_str("<tr>");
        } else {
            let _ = write!(out, "<tr class=\"{class}\">");
        }
        for cell in cells {
            let _ = match cell {
                Cell::Text(text) => write!(out, "<td>{text}</td>"),
                Cell::Count(text) => write!(out, "<td class=\"num\">{text}</td>"),
                Cell::Absent(text) => write!(out, "<td class=\"num absent\">{text}</td>"),
                Cell::Head(text) => write!(out, "<th scope=\"row\">{text}</th>"),
                Cell::Theme { text, depth, span } => {
                    let colspan = if *span > 1 { format!(" colspan=\"{span}\"") } else { String::new() };
                    // Capped at the deepest indentation the stylesheet has.
                    write!(out, "<th scope=\"row\"{colspan} class=\"depth-{}\">{text}</th>", depth.min(&3))
                }
            };
        }
        out.push_str("</tr>\n");
    }

    fn table_end(&self, out: &mut String) {
        out.push_str("</tbody>\n</table>\n");
    }

    fn figure(&self, out: &mut String, report: &StudyReport) {
        let labels = &report.labels;
        out.push_str("<figure>\n");
        out.push_str(&svg::figure(report, false, false));
        let _ = writeln!(
            out,
            "<figcaption>Figure 1. {} and their {}.</figcaption>\n</figure>",
            markup(&labels.gets),
            markup(&labels.sub_themes)
        );
    }
}
