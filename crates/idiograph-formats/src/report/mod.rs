//! Report writers: a plain study-report model and its Markdown, HTML, Word, Excel and CSV
//! renderings, its figures (theme map, recurrence heatmap, PET → GET flow) as SVG and 300 dpi PNG,
//! plus the annotated transcript, the audit trail, the COREQ and SRQR checklists and the results section
//! scaffold (APA 7 Word, Markdown, LaTeX).
//!
//! The application layer fills a [`StudyReport`] from the project (cases, themes, recurrence,
//! journal) and picks the terminology in [`ReportLabels`]; this module only lays the model out.
//! Rendering never reads a clock, so the same model always gives the same bytes; the text formats
//! never fail, and the binary ones (`.docx`, `.xlsx`, `.png`) fail only if their encoder does.
//! Every piece of user text is escaped for the target format before it is written.

mod annotated;
mod audit;
mod coreq;
mod dialect;
mod docx;
mod error;
mod escape;
mod flow;
mod guide;
mod heatmap;
mod html;
mod markdown;
mod ooxml;
mod png;
mod results;
mod srqr;
mod svg;
mod tables;
#[cfg(test)]
mod tests;
mod trail;
mod xlsx;

pub use self::annotated::{
    render_annotated_docx, render_annotated_html, ReportAnnotatedTranscript, ReportMarginItem, ReportTranscriptLine,
};
pub use self::audit::{render_audit_csv, render_audit_html, ReportAuditEvent};
pub use self::coreq::{render_coreq, ReportCoreq};
pub use self::docx::render_docx;
pub use self::error::ReportError;
pub use self::guide::{render_guide_markdown, render_guide_xlsx, GuideFormat, ReportGuide, ReportGuideQuestion};
pub use self::html::render_html;
pub use self::markdown::render_markdown;
pub use self::png::{render_figure_png, FIGURE_DPI};
pub use self::results::{render_results, ReportResults, ResultsFormat, ResultsTheme};
pub use self::srqr::render_srqr;
pub use self::svg::{render_figure_svg, Figure};
pub use self::tables::{render_csv, ReportNoteRow, ReportStatementRow, ReportTable, ReportTables};
pub use self::trail::{ReportTrailCase, ReportTrailMember, ReportTrailNote, ReportTrailTheme};
pub use self::xlsx::render_xlsx;

/// The reader-visible names of the IPA units, so one report can follow the 2022 wording
/// ("Experiential statement", "Personal experiential theme (PET)", "Group experiential theme
/// (GET)") or the 2009 wording ("Emergent theme", "Super-ordinate theme", "Master theme").
///
/// Renderers use these for every heading and column that names a unit; they never lowercase or
/// pluralise them, which is why singular and plural forms are both supplied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportLabels {
    /// One experiential statement (2009: emergent theme).
    pub statement: String,
    /// Several experiential statements.
    pub statements: String,
    /// One personal experiential theme (2009: super-ordinate theme of a case).
    pub pet: String,
    /// Several personal experiential themes.
    pub pets: String,
    /// One group experiential theme (2009: master theme).
    pub get: String,
    /// Several group experiential themes.
    pub gets: String,
    /// One theme nested under a PET or GET (the poster's "theme" under a "super-ordinate theme").
    pub sub_theme: String,
    /// Several nested themes.
    pub sub_themes: String,
}

/// Everything a write-up of one IPA study shows, already computed and ordered by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StudyReport {
    /// Study title, shown as the document title.
    pub title: String,
    /// The research question, if the study has recorded one.
    pub research_question: Option<String>,
    /// When the report was generated, already formatted by the caller (renderers read no clock).
    pub generated_at: String,
    /// Names of the IPA units used in headings and columns.
    pub labels: ReportLabels,
    /// The participant table, in display order.
    pub participants: Vec<ReportParticipant>,
    /// Per-case analysis (the appendix PET tables), in display order.
    pub cases: Vec<ReportCase>,
    /// Top-level group experiential themes with their nested themes.
    pub gets: Vec<ReportGet>,
    /// The theme × participant recurrence matrix.
    pub recurrence: ReportRecurrence,
    /// Reflexive journal entries, in the order they should be printed.
    pub journal: Vec<ReportJournalEntry>,
    /// The analytic trail of each case (how each member came into its PET), in display order.
    pub trail: Vec<ReportTrailCase>,
}

/// One row of the participant table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportParticipant {
    /// The pseudonym used throughout the report (never a real name).
    pub pseudonym: String,
    /// Descriptive attributes as (name, value) pairs, e.g. ("Training stage", "ST3"); each
    /// distinct name becomes a column of the participant table.
    pub attributes: Vec<(String, String)>,
    /// One-line summary of the interview (date, mode, length), if known.
    pub interview: Option<String>,
    /// Titles or ids of the transcripts analysed for this participant.
    pub transcripts: Vec<String>,
}

/// The idiographic analysis of one participant: their personal experiential themes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportCase {
    /// Pseudonym of the participant this case belongs to.
    pub pseudonym: String,
    /// Top-level personal experiential themes of the case.
    pub pets: Vec<ReportPet>,
}

/// A personal experiential theme (or a theme nested under one) with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportPet {
    /// Theme title.
    pub title: String,
    /// The analyst's description of the theme, if written.
    pub description: Option<String>,
    /// Themes nested under this one.
    pub sub_themes: Vec<ReportPet>,
    /// Experiential statements clustered into this theme.
    pub statements: Vec<ReportStatement>,
    /// Verbatim extracts chosen to illustrate this theme.
    pub extracts: Vec<ReportExtract>,
}

/// An experiential statement with the transcript location it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportStatement {
    /// The statement as the analyst wrote it.
    pub text: String,
    /// Page and line reference, e.g. "p. 1, ll. 12–14".
    pub citation: String,
}

/// A verbatim extract from an (anonymised) transcript, as it is quoted in the write-up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportExtract {
    /// The quoted words, with the project's editing marks (`[…]`, `[clarification]`) already in.
    pub quote: String,
    /// Pseudonym of the speaker; used as the citation when `citation` is empty.
    pub pseudonym: String,
    /// The full attribution printed after the quote, e.g. "(Olivia, p. 6, ll. 14–16)".
    pub citation: String,
}

/// A group experiential theme (or a theme nested under one) with what feeds into it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportGet {
    /// Theme title.
    pub title: String,
    /// The analyst's description of the theme, if written.
    pub description: Option<String>,
    /// Themes nested under this one (the poster's themes under a super-ordinate theme).
    pub sub_themes: Vec<ReportGet>,
    /// Personal experiential themes linked directly to this theme.
    pub contributing: Vec<ReportContribution>,
    /// Extracts chosen to illustrate this theme in the write-up.
    pub extracts: Vec<ReportExtract>,
}

/// A participant's personal experiential theme that feeds a group theme.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportContribution {
    /// Pseudonym of the participant whose PET it is.
    pub pseudonym: String,
    /// Title of the contributing PET.
    pub pet_title: String,
}

/// The theme × participant recurrence matrix and the rule it is judged against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportRecurrence {
    /// Pseudonyms of the analysed participants, in column order; their number is also the
    /// denominator of every "n/N" count in the report.
    pub participants: Vec<String>,
    /// One row per GET followed by its nested themes, in display order.
    pub rows: Vec<ReportRecurrenceRow>,
    /// The recurrence rule in words, e.g. "at least half of the participants (2 of 3)".
    pub rule: String,
}

/// One theme's row of the recurrence matrix.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportRecurrenceRow {
    /// Theme title.
    pub title: String,
    /// Nesting depth: 0 for a GET, 1 for its themes, and so on.
    pub depth: usize,
    /// One cell per entry of [`ReportRecurrence::participants`], in the same order; missing
    /// cells are shown as absent.
    pub cells: Vec<ReportCell>,
    /// How many participants the theme is present for.
    pub contributors: usize,
    /// Whether the theme satisfies [`ReportRecurrence::rule`].
    pub meets_rule: bool,
}

/// Whether and how strongly a theme is evidenced for one participant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportCell {
    /// The theme is present for this participant (by statements, extracts or a linked PET).
    pub present: bool,
    /// Number of this participant's experiential statements behind the theme.
    pub statements: usize,
    /// Number of this participant's extracts illustrating the theme.
    pub extracts: usize,
}

/// One entry of the reflexive journal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportJournalEntry {
    /// When the entry was written, already formatted by the caller.
    pub at: String,
    /// Who wrote it.
    pub author: String,
    /// The entry; blank lines separate paragraphs.
    pub text: String,
    /// What the entry is about (a theme, a transcript location), if linked; printed as text.
    pub link: Option<String>,
}

/// Flattens a theme tree into display order (each theme followed by its nested themes) with
/// depths starting at `depth`.
///
/// An explicit stack rather than recursion keeps a pathologically deep tree from overflowing
/// the call stack, because renderers promise not to panic on any model.
fn flatten<'a, T>(roots: &'a [T], depth: usize, children: fn(&T) -> &[T]) -> Vec<(usize, &'a T)> {
    let mut out = Vec::new();
    let mut stack: Vec<(usize, &'a T)> = roots.iter().rev().map(|t| (depth, t)).collect();
    while let Some((d, node)) = stack.pop() {
        out.push((d, node));
        stack.extend(children(node).iter().rev().map(|c| (d + 1, c)));
    }
    out
}

/// Child accessor for [`flatten`] over group themes.
fn get_children(get: &ReportGet) -> &[ReportGet] {
    &get.sub_themes
}

/// Child accessor for [`flatten`] over personal themes.
fn pet_children(pet: &ReportPet) -> &[ReportPet] {
    &pet.sub_themes
}

/// Number of distinct participants behind a group theme and everything nested under it.
///
/// A GET usually has its PETs linked to its nested themes rather than to itself, so counting
/// only its own `contributing` list would under-report it; extracts count too because an
/// extract is evidence from that participant even without a linked PET.
fn get_case_count(get: &ReportGet) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    for (_, node) in flatten(std::slice::from_ref(get), 0, get_children) {
        let names = node
            .contributing
            .iter()
            .map(|c| c.pseudonym.as_str())
            .chain(node.extracts.iter().map(|e| e.pseudonym.as_str()));
        for name in names {
            if !name.is_empty() && !seen.contains(&name) {
                seen.push(name);
            }
        }
    }
    seen.len()
}

/// Attribute names across all participants, in order of first appearance, so the participant
/// table gets one stable column per attribute even when participants list them differently.
fn attribute_names(participants: &[ReportParticipant]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in participants.iter().flat_map(|p| &p.attributes) {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
}

/// The value of a named attribute of one participant, if recorded.
fn attribute_value<'a>(participant: &'a ReportParticipant, name: &str) -> Option<&'a str> {
    participant.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Short evidence summary of a recurrence cell, e.g. "✓ 3 st., 1 ex.", or "—" when absent.
///
/// Zero counts are left out so a theme present only through a linked PET reads as a bare tick.
fn cell_summary(cell: Option<&ReportCell>) -> String {
    let Some(cell) = cell.filter(|c| c.present) else {
        return "—".to_owned();
    };
    let mut parts = Vec::new();
    if cell.statements > 0 {
        parts.push(format!("{} st.", cell.statements));
    }
    if cell.extracts > 0 {
        parts.push(format!("{} ex.", cell.extracts));
    }
    if parts.is_empty() {
        "✓".to_owned()
    } else {
        format!("✓ {}", parts.join(", "))
    }
}

/// The attribution printed after an extract; falls back to the pseudonym so a quote is never
/// shown without saying whose words it is.
fn extract_citation(extract: &ReportExtract) -> String {
    if extract.citation.trim().is_empty() {
        format!("({})", extract.pseudonym.trim())
    } else {
        extract.citation.trim().to_owned()
    }
}

/// The quote wrapped in typographic quotation marks, unless the analyst already quoted it.
fn quoted(quote: &str) -> String {
    let quote = quote.trim();
    if quote.starts_with(['“', '"', '‘']) {
        quote.to_owned()
    } else {
        format!("“{quote}”")
    }
}
