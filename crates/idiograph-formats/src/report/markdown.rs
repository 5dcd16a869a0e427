//! Markdown rendering of a study report, for pasting into a manuscript or converting with Pandoc.

use std::fmt::Write as _;

use super::escape::{md_heading, md_inline, md_paragraph, paragraphs};
use super::{
    attribute_names, attribute_value, cell_summary, extract_citation, flatten, get_case_count, get_children,
    pet_children, quoted, ReportExtract, StudyReport,
};

/// Renders the report as one Markdown document (CommonMark with GitHub-style pipe tables).
///
/// Sections: title block, participants, the group-theme table, the recurrence matrix, themes
/// with their extracts, per-case tables as an appendix, and the reflexive journal. All user text
/// is escaped so it cannot break a table or turn into HTML.
#[must_use]
pub fn render_markdown(report: &StudyReport) -> String {
    let mut out = String::new();
    title_block(&mut out, report);
    participants(&mut out, report);
    get_table(&mut out, report);
    recurrence(&mut out, report);
    extracts(&mut out, report);
    cases(&mut out, report);
    journal(&mut out, report);
    out
}

/// Appends one table row; cells must already be escaped.
fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(cell);
        out.push_str(" |");
    }
    out.push('\n');
}

/// Appends a table header and its delimiter row; headers must already be escaped.
fn header(out: &mut String, headers: &[String]) {
    row(out, headers);
    row(out, &vec!["---".to_owned(); headers.len()]);
}

/// Deepest indentation step used in tables; IPA hierarchies rarely go past two levels and
/// unbounded indentation would push the text out of a narrow column.
const MAX_INDENT: usize = 4;

/// Indents a nested theme title inside a table cell.
///
/// Non-breaking spaces survive Markdown's whitespace collapsing, and the arrow keeps the
/// nesting readable in the plain-text file too.
fn nested(title: &str, depth: usize) -> String {
    if depth == 0 {
        format!("**{}**", md_inline(title))
    } else {
        format!("{}↳ {}", "\u{a0}\u{a0}\u{a0}\u{a0}".repeat((depth - 1).min(MAX_INDENT)), md_inline(title))
    }
}

fn title_block(out: &mut String, report: &StudyReport) {
    let _ = writeln!(out, "# {}\n", md_heading(&report.title));
    if let Some(question) = &report.research_question {
        let _ = writeln!(out, "**Research question:** {}\n", md_inline(question));
    }
    let _ = writeln!(out, "Generated {}.\n", md_inline(&report.generated_at));
}

fn participants(out: &mut String, report: &StudyReport) {
    out.push_str("## Participants\n\n");
    if report.participants.is_empty() {
        out.push_str("_No participants._\n\n");
        return;
    }
    let names = attribute_names(&report.participants);
    let mut headers = vec!["Pseudonym".to_owned()];
    headers.extend(names.iter().map(|n| md_inline(n)));
    headers.extend(["Interview".to_owned(), "Transcripts".to_owned()]);
    header(out, &headers);
    for p in &report.participants {
        let mut cells = vec![md_inline(&p.pseudonym)];
        cells.extend(names.iter().map(|n| attribute_value(p, n).map_or_else(|| "—".to_owned(), md_inline)));
        cells.push(p.interview.as_deref().map_or_else(|| "—".to_owned(), md_inline));
        cells.push(if p.transcripts.is_empty() { "—".to_owned() } else { md_inline(&p.transcripts.join("; ")) });
        row(out, &cells);
    }
    out.push('\n');
}

fn get_table(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let _ = writeln!(out, "## {}\n", md_heading(&labels.gets));
    if report.gets.is_empty() {
        let _ = writeln!(out, "_No {} yet._\n", md_inline(&labels.gets));
        return;
    }
    let total = report.recurrence.participants.len();
    header(
        out,
        &[md_inline(&labels.get), md_inline(&labels.sub_theme), md_inline(&labels.pets), "Participants".to_owned()],
    );
    for (depth, get) in flatten(&report.gets, 0, get_children) {
        let contributing = get
            .contributing
            .iter()
            .map(|c| format!("{}: {}", md_inline(&c.pseudonym), md_inline(&c.pet_title)))
            .collect::<Vec<_>>()
            .join("; ");
        let (get_cell, sub_cell) = if depth == 0 {
            (format!("**{}**", md_inline(&get.title)), String::new())
        } else {
            (String::new(), nested(&get.title, depth))
        };
        row(out, &[get_cell, sub_cell, contributing, format!("{}/{total}", get_case_count(get))]);
    }
    out.push('\n');
}

fn recurrence(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let matrix = &report.recurrence;
    out.push_str("## Recurrence across participants\n\n");
    if matrix.rows.is_empty() {
        out.push_str("_No themes to count yet._\n\n");
        return;
    }
    let total = matrix.participants.len();
    let mut headers = vec![format!("{} / {}", md_inline(&labels.get), md_inline(&labels.sub_theme))];
    headers.extend(matrix.participants.iter().map(|p| md_inline(p)));
    headers.extend(["Total".to_owned(), "Meets rule".to_owned()]);
    header(out, &headers);
    let mut failing = Vec::new();
    for r in &matrix.rows {
        let mut title = nested(&r.title, r.depth);
        if !r.meets_rule {
            title.push_str(" ⚠");
            failing.push(md_inline(&r.title));
        }
        let mut cells = vec![title];
        cells.extend((0..total).map(|i| cell_summary(r.cells.get(i))));
        cells.push(format!("{}/{total}", r.contributors));
        cells.push(if r.meets_rule { "yes" } else { "**no**" }.to_owned());
        row(out, &cells);
    }
    let _ = writeln!(out, "\nst. = {}; ex. = extracts.\n", md_inline(&labels.statements));
    let _ = writeln!(out, "Rule: a theme is recurrent when present for {}.\n", md_inline(&matrix.rule));
    if failing.is_empty() {
        out.push_str("All themes meet the rule.\n\n");
    } else {
        let _ = writeln!(out, "⚠ Below the rule: {}.\n", failing.join("; "));
    }
}

/// Appends extracts as block quotes, one paragraph each, ending with the attribution.
fn quotes(out: &mut String, extracts: &[ReportExtract]) {
    if extracts.is_empty() {
        out.push_str("_No extracts selected._\n\n");
        return;
    }
    for e in extracts {
        let _ = writeln!(out, "> {} {}\n", md_inline(&quoted(&e.quote)), md_inline(&extract_citation(e)));
    }
}

fn extracts(out: &mut String, report: &StudyReport) {
    out.push_str("## Themes with extracts\n\n");
    if report.gets.is_empty() {
        let _ = writeln!(out, "_No {} yet._\n", md_inline(&report.labels.gets));
        return;
    }
    for (depth, get) in flatten(&report.gets, 0, get_children) {
        let level = "#".repeat((3 + depth).min(6));
        let _ = writeln!(out, "{level} {}\n", md_heading(&get.title));
        for p in get.description.as_deref().map(paragraphs).unwrap_or_default() {
            let _ = writeln!(out, "{}\n", md_paragraph(p));
        }
        // A theme with nested themes usually carries its extracts there, so only a leaf
        // theme without extracts is worth a "none selected" remark.
        if !get.extracts.is_empty() || get.sub_themes.is_empty() {
            quotes(out, &get.extracts);
        }
    }
}

fn cases(out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let _ = writeln!(out, "## Appendix: {} by participant\n", md_heading(&labels.pets));
    if report.cases.is_empty() {
        out.push_str("_No cases analysed yet._\n\n");
        return;
    }
    for case in &report.cases {
        let _ = writeln!(out, "### {}\n", md_heading(&case.pseudonym));
        if case.pets.is_empty() {
            let _ = writeln!(out, "_No {} yet._\n", md_inline(&labels.pets));
            continue;
        }
        header(out, &[md_inline(&labels.pet), md_inline(&labels.statements), "Page:line".to_owned()]);
        for (depth, pet) in flatten(&case.pets, 0, pet_children) {
            let mut title = nested(&pet.title, depth);
            if let Some(d) = pet.description.as_deref().filter(|d| !d.trim().is_empty()) {
                let _ = write!(title, " — {}", md_inline(d));
            }
            row(out, &[title, String::new(), String::new()]);
            for s in &pet.statements {
                row(out, &[String::new(), md_inline(&s.text), md_inline(&s.citation)]);
            }
            // Extracts share the statement column, in italics and quotation marks, because
            // the appendix table is what auditors read to trace a theme back to the words.
            for e in &pet.extracts {
                row(
                    out,
                    &[String::new(), format!("_{}_", md_inline(&quoted(&e.quote))), md_inline(&extract_citation(e))],
                );
            }
        }
        out.push_str("\nRows in italics are extracts.\n\n");
    }
}

fn journal(out: &mut String, report: &StudyReport) {
    out.push_str("## Reflexive journal\n\n");
    if report.journal.is_empty() {
        out.push_str("_No journal entries._\n");
        return;
    }
    for entry in &report.journal {
        let _ = writeln!(out, "**{} — {}**\n", md_inline(&entry.at), md_inline(&entry.author));
        for p in paragraphs(&entry.text) {
            let _ = writeln!(out, "{}\n", md_paragraph(p));
        }
        if let Some(link) = entry.link.as_deref().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "_Linked to: {}_\n", md_inline(link));
        }
    }
}
