//! The walk of a study report shared by the Markdown and HTML renderers.
//!
//! [`write_report`] decides what a report says: which sections, in which order, which rows
//! each table has, what an empty part says, which themes fall below the recurrence rule. The
//! renderers implement [`Dialect`] and supply only the markup, so the two documents cannot
//! drift apart in content.

use super::trail::{trail_cells, TRAIL_COLUMNS, TRAIL_HEADING, TRAIL_INTRO};
use super::{
    attribute_names, attribute_value, cell_summary, extract_citation, flatten, get_case_count, get_children,
    pet_children, quoted, ReportContribution, ReportExtract, StudyReport,
};

/// What a paragraph is for; each dialect decides how that looks.
#[derive(Clone, Copy, Debug)]
pub(super) enum Para {
    /// Running text.
    Body,
    /// A remark about the document itself, such as when it was made or what an abbreviation means.
    Note,
    /// Says that a section or list has nothing in it yet.
    Empty,
    /// What a journal entry is linked to.
    Link,
}

/// One table cell, its content already escaped.
///
/// Markdown writes only the content; HTML also marks what kind of cell it is.
#[derive(Debug)]
pub(super) enum Cell {
    /// An ordinary cell.
    Text(String),
    /// A count.
    Count(String),
    /// A count for a theme the participant does not evidence.
    Absent(String),
    /// The cell that names the row: a participant, or a top-level theme of the theme table.
    Head(String),
    /// A theme title that names the row, at its nesting depth, across `span` columns.
    Theme {
        /// The title as [`Dialect::theme_title`] wrote it, plus anything after it.
        text: String,
        /// Nesting depth: 0 for a top-level theme.
        depth: usize,
        /// How many columns the cell covers.
        span: usize,
    },
}

impl Cell {
    /// The cell's content, without any markup for its kind.
    pub(super) fn text(&self) -> &str {
        match self {
            Cell::Text(text) | Cell::Count(text) | Cell::Absent(text) | Cell::Head(text) | Cell::Theme { text, .. } => {
                text
            }
        }
    }

    /// How many columns the cell covers.
    pub(super) fn span(&self) -> usize {
        match self {
            Cell::Theme { span, .. } => *span,
            _ => 1,
        }
    }
}

/// The markup of one output format.
///
/// Methods that append to `out` take text that is already escaped (with [`Dialect::inline`] or
/// [`Dialect::heading_text`]) unless they say otherwise.
pub(super) trait Dialect {
    /// Follows the title of a theme that falls below the recurrence rule.
    const BELOW_RULE_MARK: &'static str;
    /// The recurrence table's answer for a theme below the rule.
    const FAILS_RULE: &'static str;
    /// Leads the sentence that lists the themes below the rule.
    const BELOW_RULE_LEAD: &'static str;

    /// Escapes user text for inline use: a table cell or part of a sentence.
    fn inline(&self, text: &str) -> String;
    /// Escapes user text for a heading.
    fn heading_text(&self, text: &str) -> String;
    /// A theme title (unescaped) for a table cell, showing its depth where markup cannot.
    fn theme_title(&self, title: &str, depth: usize) -> String;
    /// Several pieces of user text (unescaped) for one table cell.
    fn list(&self, items: &[String]) -> String;
    /// The personal themes feeding a group theme, for one table cell.
    fn contributions(&self, contributions: &[ReportContribution]) -> String;
    /// A theme's description set after its title in a table row.
    fn aside(&self, text: &str) -> String;
    /// An extract's quote in the appendix table, where extracts stand apart from statements.
    fn extract_cell(&self, quote: &str) -> String;

    /// Appends the title block; takes the user text unescaped.
    fn title_block(&self, out: &mut String, title: &str, question: Option<&str>, generated: &str);
    /// Opens a top-level section; `appendix` marks the sections printed after the main text.
    fn open_section(&self, out: &mut String, id: &str, appendix: bool, title: &str);
    /// Closes a section opened with [`Dialect::open_section`].
    fn close_section(&self, out: &mut String);
    /// Appends a heading at `level` (1 to 6) inside a section.
    fn heading(&self, out: &mut String, level: usize, text: &str);
    /// Opens one journal entry under its heading.
    fn open_entry(&self, out: &mut String, heading: &str);
    /// Closes a journal entry opened with [`Dialect::open_entry`].
    fn close_entry(&self, out: &mut String);
    /// Appends one paragraph.
    fn paragraph(&self, out: &mut String, kind: Para, text: &str);
    /// Appends the analyst's own text (unescaped), keeping its paragraphs.
    fn prose(&self, out: &mut String, text: &str);
    /// Appends an extract as a block quote followed by its attribution.
    fn quote(&self, out: &mut String, quote: &str, citation: &str);
    /// Opens a table with its column headers.
    fn table_head(&self, out: &mut String, headers: &[String]);
    /// Appends a table row; `class` names its kind for formats that style rows (`get-row` for a
    /// top-level theme, `fail` for a theme below the rule, `extract`), empty for none.
    fn row(&self, out: &mut String, class: &str, cells: &[Cell]);
    /// Closes a table opened with [`Dialect::table_head`].
    fn table_end(&self, out: &mut String);
    /// Appends the theme figure; formats that cannot embed it leave it to the separate SVG export.
    fn figure(&self, _out: &mut String, _report: &StudyReport) {}
}

/// Appends the whole report: title block, participants, the group-theme table, the recurrence
/// matrix, themes with their extracts, per-case tables and the analytic trail as appendices, and
/// the reflexive journal — the Word write-up's order.
pub(super) fn write_report<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    d.title_block(out, &report.title, report.research_question.as_deref(), &report.generated_at);
    participants(d, out, report);
    get_table(d, out, report);
    recurrence(d, out, report);
    extracts(d, out, report);
    cases(d, out, report);
    trail(d, out, report);
    journal(d, out, report);
}

fn participants<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    d.open_section(out, "participants", false, "Participants");
    if report.participants.is_empty() {
        d.paragraph(out, Para::Empty, "No participants.");
        d.close_section(out);
        return;
    }
    let names = attribute_names(&report.participants);
    let mut headers = vec!["Pseudonym".to_owned()];
    headers.extend(names.iter().map(|n| d.inline(n)));
    headers.extend(["Interview".to_owned(), "Transcripts".to_owned()]);
    d.table_head(out, &headers);
    let missing = || Cell::Text("—".to_owned());
    for p in &report.participants {
        let mut cells = vec![Cell::Head(d.inline(&p.pseudonym))];
        cells.extend(names.iter().map(|n| attribute_value(p, n).map_or_else(missing, |v| Cell::Text(d.inline(v)))));
        cells.push(p.interview.as_deref().map_or_else(missing, |i| Cell::Text(d.inline(i))));
        cells.push(if p.transcripts.is_empty() { missing() } else { Cell::Text(d.list(&p.transcripts)) });
        d.row(out, "", &cells);
    }
    d.table_end(out);
    d.close_section(out);
}

fn get_table<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    d.open_section(out, "themes", false, &d.heading_text(&labels.gets));
    if report.gets.is_empty() {
        d.paragraph(out, Para::Empty, &format!("No {} yet.", d.inline(&labels.gets)));
    } else {
        let total = report.recurrence.participants.len();
        d.table_head(
            out,
            &[d.inline(&labels.get), d.inline(&labels.sub_theme), d.inline(&labels.pets), "Participants".to_owned()],
        );
        for (depth, get) in flatten(&report.gets, 0, get_children) {
            let title = d.theme_title(&get.title, depth);
            // A top-level theme fills the first column, a nested one the second.
            let (class, mut cells) = if depth == 0 {
                ("get-row", vec![Cell::Head(title), Cell::Text(String::new())])
            } else {
                ("", vec![Cell::Text(String::new()), Cell::Theme { text: title, depth, span: 1 }])
            };
            cells.push(Cell::Text(d.contributions(&get.contributing)));
            cells.push(Cell::Count(format!("{}/{total}", get_case_count(get))));
            d.row(out, class, &cells);
        }
        d.table_end(out);
    }
    d.figure(out, report);
    d.close_section(out);
}

fn recurrence<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    let matrix = &report.recurrence;
    d.open_section(out, "recurrence", false, "Recurrence across participants");
    if matrix.rows.is_empty() {
        d.paragraph(out, Para::Empty, "No themes to count yet.");
        d.close_section(out);
        return;
    }
    let total = matrix.participants.len();
    let mut headers = vec![format!("{} / {}", d.inline(&labels.get), d.inline(&labels.sub_theme))];
    headers.extend(matrix.participants.iter().map(|p| d.inline(p)));
    headers.extend(["Total".to_owned(), "Meets rule".to_owned()]);
    d.table_head(out, &headers);
    let mut failing = Vec::new();
    for r in &matrix.rows {
        let mut title = d.theme_title(&r.title, r.depth);
        if !r.meets_rule {
            title.push_str(D::BELOW_RULE_MARK);
            failing.push(d.inline(&r.title));
        }
        let class = match (r.depth == 0, r.meets_rule) {
            (true, true) => "get-row",
            (true, false) => "get-row fail",
            (false, true) => "",
            (false, false) => "fail",
        };
        let mut cells = vec![Cell::Theme { text: title, depth: r.depth, span: 1 }];
        cells.extend((0..total).map(|i| {
            let cell = r.cells.get(i);
            let summary = cell_summary(cell);
            if cell.is_some_and(|c| c.present) {
                Cell::Count(summary)
            } else {
                Cell::Absent(summary)
            }
        }));
        cells.push(Cell::Count(format!("{}/{total}", r.contributors)));
        cells.push(Cell::Count(if r.meets_rule { "yes" } else { D::FAILS_RULE }.to_owned()));
        d.row(out, class, &cells);
    }
    d.table_end(out);
    d.paragraph(out, Para::Note, &format!("st. = {}; ex. = extracts.", d.inline(&labels.statements)));
    d.paragraph(out, Para::Body, &format!("Rule: a theme is recurrent when present for {}.", d.inline(&matrix.rule)));
    if failing.is_empty() {
        d.paragraph(out, Para::Body, "All themes meet the rule.");
    } else {
        d.paragraph(out, Para::Body, &format!("{} {}.", D::BELOW_RULE_LEAD, failing.join("; ")));
    }
    d.close_section(out);
}

/// Appends extracts as block quotes, or says that none were selected.
fn quotes<D: Dialect>(d: &D, out: &mut String, extracts: &[ReportExtract]) {
    if extracts.is_empty() {
        d.paragraph(out, Para::Empty, "No extracts selected.");
    }
    for e in extracts {
        d.quote(out, &d.inline(&quoted(&e.quote)), &d.inline(&extract_citation(e)));
    }
}

fn extracts<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    d.open_section(out, "extracts", false, "Themes with extracts");
    if report.gets.is_empty() {
        d.paragraph(out, Para::Empty, &format!("No {} yet.", d.inline(&report.labels.gets)));
    }
    for (depth, get) in flatten(&report.gets, 0, get_children) {
        d.heading(out, (3 + depth).min(6), &d.heading_text(&get.title));
        if let Some(description) = &get.description {
            d.prose(out, description);
        }
        // A theme with nested themes usually carries its extracts there, so only a leaf
        // theme without extracts is worth a "none selected" remark.
        if !get.extracts.is_empty() || get.sub_themes.is_empty() {
            quotes(d, out, &get.extracts);
        }
    }
    d.close_section(out);
}

fn cases<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    let labels = &report.labels;
    d.open_section(out, "cases", true, &format!("Appendix: {} by participant", d.heading_text(&labels.pets)));
    if report.cases.is_empty() {
        d.paragraph(out, Para::Empty, "No cases analysed yet.");
    }
    for case in &report.cases {
        d.heading(out, 3, &d.heading_text(&case.pseudonym));
        if case.pets.is_empty() {
            d.paragraph(out, Para::Empty, &format!("No {} yet.", d.inline(&labels.pets)));
            continue;
        }
        d.table_head(out, &[d.inline(&labels.pet), d.inline(&labels.statements), "Page:line".to_owned()]);
        for (depth, pet) in flatten(&case.pets, 0, pet_children) {
            let mut title = d.theme_title(&pet.title, depth);
            if let Some(description) = pet.description.as_deref().filter(|t| !t.trim().is_empty()) {
                title.push_str(" — ");
                title.push_str(&d.aside(&d.inline(description)));
            }
            let class = if depth == 0 { "get-row" } else { "" };
            d.row(out, class, &[Cell::Theme { text: title, depth, span: 3 }]);
            for s in &pet.statements {
                d.row(
                    out,
                    "",
                    &[Cell::Text(String::new()), Cell::Text(d.inline(&s.text)), Cell::Text(d.inline(&s.citation))],
                );
            }
            // Extracts share the statement column, set apart, because the appendix table is
            // what auditors read to trace a theme back to the participant's own words.
            for e in &pet.extracts {
                let quote = d.extract_cell(&d.inline(&quoted(&e.quote)));
                let citation = d.inline(&extract_citation(e));
                d.row(out, "extract", &[Cell::Text(String::new()), Cell::Text(quote), Cell::Text(citation)]);
            }
        }
        d.table_end(out);
        d.paragraph(out, Para::Note, "Rows in italics are extracts.");
    }
    d.close_section(out);
}

/// The analytic trail appendix, as the Word write-up and the audit report lay it out: per case,
/// a group row per theme followed by its members' moves and source notes.
fn trail<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    d.open_section(out, "trail", true, TRAIL_HEADING);
    d.paragraph(out, Para::Body, TRAIL_INTRO);
    if report.trail.is_empty() {
        d.paragraph(out, Para::Empty, "No cases analysed yet.");
    }
    for case in &report.trail {
        d.heading(out, 3, &d.heading_text(&case.pseudonym));
        if case.themes.iter().all(|t| t.members.is_empty()) {
            d.paragraph(out, Para::Empty, &format!("No {} clustered yet.", d.inline(&report.labels.statements)));
            continue;
        }
        d.table_head(out, &TRAIL_COLUMNS.map(str::to_owned));
        for theme in &case.themes {
            let text = d.theme_title(&theme.title, theme.depth);
            let class = if theme.depth == 0 { "get-row" } else { "" };
            d.row(out, class, &[Cell::Theme { text, depth: theme.depth, span: TRAIL_COLUMNS.len() }]);
            for m in &theme.members {
                let [member, strategy, rationale, who, when, notes] = trail_cells(m);
                let notes: Vec<String> = notes.lines().map(str::to_owned).collect();
                let mut cells: Vec<Cell> =
                    [member, strategy, rationale, who, when].iter().map(|c| Cell::Text(d.inline(c))).collect();
                cells.push(Cell::Text(d.list(&notes)));
                d.row(out, "", &cells);
            }
        }
        d.table_end(out);
    }
    d.close_section(out);
}

fn journal<D: Dialect>(d: &D, out: &mut String, report: &StudyReport) {
    d.open_section(out, "journal", false, "Reflexive journal");
    if report.journal.is_empty() {
        d.paragraph(out, Para::Empty, "No journal entries.");
    }
    for entry in &report.journal {
        d.open_entry(out, &format!("{} — {}", d.inline(&entry.at), d.inline(&entry.author)));
        d.prose(out, &entry.text);
        if let Some(link) = entry.link.as_deref().filter(|l| !l.trim().is_empty()) {
            d.paragraph(out, Para::Link, &format!("Linked to: {}", d.inline(link)));
        }
        d.close_entry(out);
    }
    d.close_section(out);
}
