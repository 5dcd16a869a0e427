//! Markdown rendering of a study report, for pasting into a manuscript or converting with Pandoc.

use std::fmt::Write as _;

use super::dialect::{write_report, Cell, Dialect, Para};
use super::escape::{md_heading, md_inline, md_paragraph, paragraphs};
use super::{ReportContribution, StudyReport};

/// Renders the report as one Markdown document (CommonMark with GitHub-style pipe tables).
///
/// Sections: title block, participants, the group-theme table, the recurrence matrix, themes
/// with their extracts, per-case tables as an appendix, and the reflexive journal. All user text
/// is escaped so it cannot break a table or turn into HTML.
#[must_use]
pub fn render_markdown(report: &StudyReport) -> String {
    let mut out = String::new();
    write_report(&Markdown, &mut out, report);
    // Every block ends with a blank line except the note of an empty journal, which ends the
    // file; earlier exports were written that way and the bytes are kept stable.
    if report.journal.is_empty() {
        out.pop();
    }
    out
}

/// Deepest indentation step used in tables; IPA hierarchies rarely go past two levels and
/// unbounded indentation would push the text out of a narrow column.
const MAX_INDENT: usize = 4;

/// The Markdown dialect: pipe tables, `#` headings, `>` quotes and emphasis for what HTML styles.
struct Markdown;

/// Appends one table row of already escaped cells.
fn row_of<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    out.push('\n');
}

impl Dialect for Markdown {
    const BELOW_RULE_MARK: &'static str = " ⚠";
    const FAILS_RULE: &'static str = "**no**";
    const BELOW_RULE_LEAD: &'static str = "⚠ Below the rule:";

    fn inline(&self, text: &str) -> String {
        md_inline(text)
    }

    fn heading_text(&self, text: &str) -> String {
        md_heading(text)
    }

    /// Bold at the top level, indented below it: non-breaking spaces survive Markdown's
    /// whitespace collapsing, and the arrow keeps the nesting readable in the plain-text file too.
    fn theme_title(&self, title: &str, depth: usize) -> String {
        if depth == 0 {
            format!("**{}**", md_inline(title))
        } else {
            format!("{}↳ {}", "\u{a0}\u{a0}\u{a0}\u{a0}".repeat((depth - 1).min(MAX_INDENT)), md_inline(title))
        }
    }

    fn list(&self, items: &[String]) -> String {
        md_inline(&items.join("; "))
    }

    fn contributions(&self, contributions: &[ReportContribution]) -> String {
        contributions
            .iter()
            .map(|c| format!("{}: {}", md_inline(&c.pseudonym), md_inline(&c.pet_title)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn aside(&self, text: &str) -> String {
        text.to_owned()
    }

    /// In italics, as a pipe table cannot style a row.
    fn extract_cell(&self, quote: &str) -> String {
        format!("_{quote}_")
    }

    fn title_block(&self, out: &mut String, title: &str, question: Option<&str>, generated: &str) {
        self.heading(out, 1, &md_heading(title));
        if let Some(question) = question {
            let _ = writeln!(out, "**Research question:** {}\n", md_inline(question));
        }
        let _ = writeln!(out, "Generated {} with {}.\n", md_inline(generated), crate::SOFTWARE);
    }

    fn open_section(&self, out: &mut String, _id: &str, _appendix: bool, title: &str) {
        self.heading(out, 2, title);
    }

    fn close_section(&self, _out: &mut String) {}

    fn heading(&self, out: &mut String, level: usize, text: &str) {
        let _ = writeln!(out, "{} {text}\n", "#".repeat(level));
    }

    fn open_entry(&self, out: &mut String, heading: &str) {
        let _ = writeln!(out, "**{heading}**\n");
    }

    fn close_entry(&self, _out: &mut String) {}

    fn paragraph(&self, out: &mut String, kind: Para, text: &str) {
        match kind {
            Para::Body | Para::Note => {
                let _ = writeln!(out, "{text}\n");
            }
            Para::Empty | Para::Link => {
                let _ = writeln!(out, "_{text}_\n");
            }
        }
    }

    fn prose(&self, out: &mut String, text: &str) {
        for p in paragraphs(text) {
            let _ = writeln!(out, "{}\n", md_paragraph(p));
        }
    }

    /// One paragraph per extract, ending with the attribution.
    fn quote(&self, out: &mut String, quote: &str, citation: &str) {
        let _ = writeln!(out, "> {quote} {citation}\n");
    }

    fn table_head(&self, out: &mut String, headers: &[String]) {
        row_of(out, headers.iter().map(String::as_str));
        row_of(out, headers.iter().map(|_| "---"));
    }

    fn row(&self, out: &mut String, _class: &str, cells: &[Cell]) {
        let mut texts = Vec::new();
        for cell in cells {
            texts.push(cell.text());
            // Pipe tables have no column spans, so a spanning cell is followed by empty ones.
            texts.extend(std::iter::repeat_n("", cell.span().saturating_sub(1)));
        }
        row_of(out, texts);
    }

    fn table_end(&self, out: &mut String) {
        out.push('\n');
    }
}
