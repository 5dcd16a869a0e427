//! The study as plain tables, shared by the Excel workbook and the CSV files.

use super::{cell_summary, extract_citation, flatten, get_case_count, get_children, pet_children, StudyReport};

/// Rows the study report does not carry in full, filled by the caller for the Statements and
/// Notes tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTables {
    /// Every experiential statement with its anchor.
    pub statements: Vec<ReportStatementRow>,
    /// Every exploratory note with its anchor.
    pub notes: Vec<ReportNoteRow>,
}

/// One experiential statement, for the Statements table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportStatementRow {
    /// Short id, e.g. "S12".
    pub id: String,
    /// Pseudonym of the participant.
    pub participant: String,
    /// Transcript title or short id.
    pub transcript: String,
    /// Title of the PET the statement is clustered into; empty when not yet clustered.
    pub pet: String,
    /// The statement.
    pub text: String,
    /// Page and line reference, e.g. "p. 1, ll. 12–14".
    pub citation: String,
    /// The transcript words the statement is anchored to.
    pub anchor: String,
}

/// One exploratory note, for the Notes table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportNoteRow {
    /// Short id, e.g. "N3".
    pub id: String,
    /// Pseudonym of the participant.
    pub participant: String,
    /// Transcript title or short id.
    pub transcript: String,
    /// Kind of note ("Descriptive", "Linguistic", "Conceptual", …).
    pub kind: String,
    /// The note.
    pub text: String,
    /// Page and line reference, e.g. "p. 1, ll. 12–14".
    pub citation: String,
    /// The transcript words the note is anchored to.
    pub anchor: String,
}

/// One of the tables of a study, as a sheet of the workbook or one CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportTable {
    /// Group themes with their nested themes, contributing PETs and recurrence.
    Gets,
    /// Each participant's PETs with their statements and extracts.
    Pets,
    /// Every experiential statement with its anchor and citation.
    Statements,
    /// The theme × participant recurrence matrix.
    Recurrence,
    /// Every extract chosen for a group theme.
    Extracts,
    /// Every exploratory note with its kind, anchor and citation.
    Notes,
}

impl ReportTable {
    /// Every table, in workbook order.
    pub const ALL: [ReportTable; 6] = [
        ReportTable::Gets,
        ReportTable::Pets,
        ReportTable::Statements,
        ReportTable::Recurrence,
        ReportTable::Extracts,
        ReportTable::Notes,
    ];

    /// The sheet name (and a suitable file stem for the CSV).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ReportTable::Gets => "GETs",
            ReportTable::Pets => "PETs",
            ReportTable::Statements => "Statements",
            ReportTable::Recurrence => "Recurrence",
            ReportTable::Extracts => "Extracts",
            ReportTable::Notes => "Notes",
        }
    }
}

/// A cell value: numbers stay numbers in the workbook.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    /// Text.
    Text(String),
    /// A count.
    Number(usize),
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Number(n)
    }
}

/// A table: column titles, relative column widths (in characters) and rows.
pub(super) struct Grid {
    /// Column titles.
    pub(super) headers: Vec<String>,
    /// Suggested column widths in characters.
    pub(super) widths: Vec<f64>,
    /// Rows of values, each as long as `headers`.
    pub(super) rows: Vec<Vec<Value>>,
    /// Nesting depth of each row (0 for a top-level theme), for indenting in the workbook.
    pub(super) depths: Vec<usize>,
}

/// Builds one table from the report and the caller's extra rows.
pub(super) fn grid(report: &StudyReport, extra: &ReportTables, table: ReportTable) -> Grid {
    let labels = &report.labels;
    let total = report.recurrence.participants.len();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut depths = Vec::new();
    let (headers, widths): (Vec<String>, Vec<f64>) = match table {
        ReportTable::Gets => {
            let mut top = String::new();
            for (depth, get) in flatten(&report.gets, 0, get_children) {
                if depth == 0 {
                    top.clone_from(&get.title);
                }
                let pets: Vec<String> =
                    get.contributing.iter().map(|c| format!("{}: {}", c.pseudonym, c.pet_title)).collect();
                rows.push(vec![
                    top.as_str().into(),
                    if depth == 0 { String::new() } else { get.title.clone() }.into(),
                    depth.into(),
                    get_case_count(get).into(),
                    total.into(),
                    pets.join("; ").into(),
                    get.extracts.len().into(),
                    get.description.clone().unwrap_or_default().into(),
                ]);
                depths.push(depth);
            }
            (
                vec![
                    labels.get.clone(),
                    labels.sub_theme.clone(),
                    "Depth".into(),
                    "Participants".into(),
                    "Of".into(),
                    labels.pets.clone(),
                    "Extracts".into(),
                    "Description".into(),
                ],
                vec![28.0, 28.0, 7.0, 12.0, 6.0, 50.0, 9.0, 40.0],
            )
        }
        ReportTable::Pets => {
            for case in &report.cases {
                let mut top = String::new();
                for (depth, pet) in flatten(&case.pets, 0, pet_children) {
                    if depth == 0 {
                        top.clone_from(&pet.title);
                    }
                    let theme = pet.title.as_str();
                    rows.push(vec![
                        case.pseudonym.as_str().into(),
                        top.as_str().into(),
                        theme.into(),
                        depth.into(),
                        "theme".into(),
                        pet.description.clone().unwrap_or_default().into(),
                        "".into(),
                    ]);
                    depths.push(depth);
                    for s in &pet.statements {
                        rows.push(vec![
                            case.pseudonym.as_str().into(),
                            top.as_str().into(),
                            theme.into(),
                            depth.into(),
                            "statement".into(),
                            s.text.as_str().into(),
                            s.citation.as_str().into(),
                        ]);
                        depths.push(depth + 1);
                    }
                    for e in &pet.extracts {
                        rows.push(vec![
                            case.pseudonym.as_str().into(),
                            top.as_str().into(),
                            theme.into(),
                            depth.into(),
                            "extract".into(),
                            e.quote.as_str().into(),
                            extract_citation(e).into(),
                        ]);
                        depths.push(depth + 1);
                    }
                }
            }
            (
                vec![
                    "Participant".into(),
                    labels.pet.clone(),
                    "Theme".into(),
                    "Depth".into(),
                    "Row".into(),
                    "Text".into(),
                    "Citation".into(),
                ],
                vec![14.0, 30.0, 30.0, 7.0, 10.0, 60.0, 22.0],
            )
        }
        ReportTable::Statements => {
            for s in &extra.statements {
                rows.push(vec![
                    s.id.as_str().into(),
                    s.participant.as_str().into(),
                    s.transcript.as_str().into(),
                    s.pet.as_str().into(),
                    s.text.as_str().into(),
                    s.citation.as_str().into(),
                    s.anchor.as_str().into(),
                ]);
                depths.push(0);
            }
            (
                vec![
                    "ID".into(),
                    "Participant".into(),
                    "Transcript".into(),
                    labels.pet.clone(),
                    labels.statement.clone(),
                    "Citation".into(),
                    "Anchored text".into(),
                ],
                vec![8.0, 14.0, 20.0, 30.0, 50.0, 20.0, 50.0],
            )
        }
        ReportTable::Recurrence => {
            let matrix = &report.recurrence;
            for r in &matrix.rows {
                let mut row: Vec<Value> = vec![r.title.as_str().into(), r.depth.into()];
                row.extend((0..total).map(|i| Value::Text(cell_summary(r.cells.get(i)))));
                row.extend([r.contributors.into(), total.into(), if r.meets_rule { "yes" } else { "no" }.into()]);
                rows.push(row);
                depths.push(r.depth);
            }
            let mut headers = vec![format!("{} / {}", labels.get, labels.sub_theme), "Depth".into()];
            headers.extend(matrix.participants.iter().cloned());
            headers.extend(["Participants".into(), "Of".into(), "Meets rule".into()]);
            let mut widths = vec![36.0, 7.0];
            widths.extend(matrix.participants.iter().map(|_| 14.0));
            widths.extend([12.0, 6.0, 11.0]);
            (headers, widths)
        }
        ReportTable::Extracts => {
            let mut top = String::new();
            for (depth, get) in flatten(&report.gets, 0, get_children) {
                if depth == 0 {
                    top.clone_from(&get.title);
                }
                for e in &get.extracts {
                    rows.push(vec![
                        top.as_str().into(),
                        get.title.as_str().into(),
                        e.pseudonym.as_str().into(),
                        e.quote.as_str().into(),
                        extract_citation(e).into(),
                    ]);
                    depths.push(0);
                }
            }
            (
                vec![labels.get.clone(), "Theme".into(), "Participant".into(), "Quote".into(), "Citation".into()],
                vec![28.0, 28.0, 14.0, 70.0, 26.0],
            )
        }
        ReportTable::Notes => {
            for n in &extra.notes {
                rows.push(vec![
                    n.id.as_str().into(),
                    n.participant.as_str().into(),
                    n.transcript.as_str().into(),
                    n.kind.as_str().into(),
                    n.text.as_str().into(),
                    n.citation.as_str().into(),
                    n.anchor.as_str().into(),
                ]);
                depths.push(0);
            }
            (
                vec![
                    "ID".into(),
                    "Participant".into(),
                    "Transcript".into(),
                    "Kind".into(),
                    "Note".into(),
                    "Citation".into(),
                    "Anchored text".into(),
                ],
                vec![8.0, 14.0, 20.0, 13.0, 60.0, 20.0, 50.0],
            )
        }
    };
    Grid { headers, widths, rows, depths }
}

/// Renders one table as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma,
/// quote or line break in double quotes with quotes doubled), header row first.
///
/// Text cells beginning with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading
/// apostrophe, so a spreadsheet opening the file never runs a participant's words as a formula
/// (CSV injection). Counts are written as plain numbers.
#[must_use]
pub fn render_csv(report: &StudyReport, extra: &ReportTables, table: ReportTable) -> String {
    let g = grid(report, extra, table);
    let mut out = String::new();
    let header: Vec<Value> = g.headers.into_iter().map(Value::Text).collect();
    for row in std::iter::once(&header).chain(&g.rows) {
        let fields: Vec<String> = row.iter().map(csv_field).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field, guarded and quoted as needed.
pub(super) fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Number(n) => return n.to_string(),
        Value::Text(t) => t,
    };
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.clone() };
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}
