//! The COREQ checklist (Consolidated criteria for REporting Qualitative research; Tong,
//! Sainsbury & Craig 2007), pre-filled from what the project knows.
//!
//! Item wording is a short paraphrase of the published guide questions. Items the project cannot
//! know are left blank and marked, so the author sees at once what is still to be reported.

use std::fmt::Write as _;

use super::escape::md_inline;

/// What the project knows that answers COREQ and SRQR items; `None` or empty means not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportCoreq {
    /// Study title, printed above the checklist (SRQR item 1).
    pub title: String,
    /// The research question, if recorded (SRQR item 4).
    pub research_question: Option<String>,
    /// Who conducted each interview, as recorded per participant (COREQ item 1); one entry per
    /// participant whose interviewer is recorded.
    pub interviewers: Vec<String>,
    /// Number of participants (item 12).
    pub participants: Option<usize>,
    /// Number of transcripts, to report repeat interviews (item 18).
    pub transcripts: Option<usize>,
    /// Interview modes recorded per participant, e.g. "Teams", "in person" (item 14).
    pub interview_modes: Vec<String>,
    /// Interview durations in minutes, where recorded (item 21).
    pub interview_minutes: Vec<u32>,
    /// Participant attributes recorded, e.g. "Training stage" (item 16).
    pub sample_attributes: Vec<String>,
    /// Number of analysts who annotated or coded the data (item 24).
    pub analysts: Option<usize>,
    /// Number of top-level group themes and of themes nested under them (items 25, 31).
    pub theme_tree: Option<(usize, usize)>,
    /// Number of experiential statements behind the themes (item 26).
    pub statements: Option<usize>,
    /// Whether every quotation in the report is identified by participant (item 29).
    pub quotes_identified: Option<bool>,
    /// Number of themes below the recurrence rule, discussed as minor themes (item 32).
    pub themes_below_rule: Option<usize>,
    /// Number of reflexive journal entries (item 20).
    pub journal_entries: Option<usize>,
    /// Software name and version (item 27), e.g. "Idiograph 0.4".
    pub software: String,
    /// Number of personal experiential themes across the cases (SRQR item 14).
    pub pets: Option<usize>,
    /// Number of extracts chosen to illustrate the themes (SRQR item 17).
    pub extracts: Option<usize>,
    /// Number of events in the audit trail (SRQR item 15).
    pub audit_events: Option<usize>,
    /// The recurrence rule in words (SRQR items 15 and 16).
    pub rule: String,
    /// Whether the transcripts were pseudonymised with a key store kept apart (SRQR item 13).
    pub pseudonymised: bool,
    /// The interview guide recorded in the study: how many questions and follow-up prompts
    /// (item 17); `(0, 0)` when none is recorded.
    pub guide: (usize, usize),
}

/// One checklist item: number, topic, guide question.
pub(super) type Item = (u8, &'static str, &'static str);
/// A domain's sub-domains with their items.
type Groups = &'static [(&'static str, &'static [Item])];

/// Domains, sub-domains and items.
const ITEMS: &[(&str, Groups)] = &[
    (
        "Domain 1: Research team and reflexivity",
        &[
            (
                "Personal characteristics",
                &[
                    (1, "Interviewer/facilitator", "Which author(s) conducted the interviews or focus groups?"),
                    (2, "Credentials", "What were the researcher's credentials (e.g. PhD, MD)?"),
                    (3, "Occupation", "What was their occupation at the time of the study?"),
                    (4, "Gender", "What was the researcher's gender?"),
                    (5, "Experience and training", "What experience or training did the researcher have?"),
                ],
            ),
            (
                "Relationship with participants",
                &[
                    (6, "Relationship established", "Was a relationship established before the study began?"),
                    (
                        7,
                        "Participant knowledge of the interviewer",
                        "What did participants know about the researcher (goals, reasons for the research)?",
                    ),
                    (
                        8,
                        "Interviewer characteristics",
                        "What was reported about the interviewer (biases, assumptions, interest in the topic)?",
                    ),
                ],
            ),
        ],
    ),
    (
        "Domain 2: Study design",
        &[
            (
                "Theoretical framework",
                &[(9, "Methodological orientation and theory", "What methodological orientation underpins the study?")],
            ),
            (
                "Participant selection",
                &[
                    (10, "Sampling", "How were participants selected (purposive, convenience, snowball…)?"),
                    (11, "Method of approach", "How were participants approached (face to face, telephone, email…)?"),
                    (12, "Sample size", "How many participants were in the study?"),
                    (13, "Non-participation", "How many people refused or dropped out, and why?"),
                ],
            ),
            (
                "Setting",
                &[
                    (
                        14,
                        "Setting of data collection",
                        "Where were the data collected (home, clinic, workplace, online…)?",
                    ),
                    (
                        15,
                        "Presence of non-participants",
                        "Was anyone else present besides participants and researchers?",
                    ),
                    (16, "Description of sample", "What are the important characteristics of the sample?"),
                ],
            ),
            (
                "Data collection",
                &[
                    (
                        17,
                        "Interview guide",
                        "Were questions or prompts provided by the authors? Was the guide pilot tested?",
                    ),
                    (18, "Repeat interviews", "Were repeat interviews carried out? How many?"),
                    (19, "Audio/visual recording", "Was audio or visual recording used to collect the data?"),
                    (20, "Field notes", "Were field notes made during and/or after the interviews?"),
                    (21, "Duration", "What was the duration of the interviews?"),
                    (22, "Data saturation", "Was data saturation discussed?"),
                    (
                        23,
                        "Transcripts returned",
                        "Were transcripts returned to participants for comment or correction?",
                    ),
                ],
            ),
        ],
    ),
    (
        "Domain 3: Analysis and findings",
        &[
            (
                "Data analysis",
                &[
                    (24, "Number of data coders", "How many people coded the data?"),
                    (25, "Description of the coding tree", "Did the authors describe the coding tree?"),
                    (26, "Derivation of themes", "Were themes identified in advance or derived from the data?"),
                    (27, "Software", "What software, if any, was used to manage the data?"),
                    (28, "Participant checking", "Did participants give feedback on the findings?"),
                ],
            ),
            (
                "Reporting",
                &[
                    (
                        29,
                        "Quotations presented",
                        "Were participant quotations presented, each identified (e.g. by participant)?",
                    ),
                    (30, "Data and findings consistent", "Were the data presented consistent with the findings?"),
                    (31, "Clarity of major themes", "Were major themes clearly presented in the findings?"),
                    (32, "Clarity of minor themes", "Were diverse cases or minor themes described?"),
                ],
            ),
        ],
    ),
];

/// Marker for an item the project cannot answer.
pub(super) const UNKNOWN: &str = "_not recorded in Idiograph_";

/// Distinct non-blank values with how often each occurs, in order of first appearance.
fn counts(values: &[String]) -> Vec<(&str, usize)> {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match seen.iter_mut().find(|(s, _)| *s == v) {
            Some((_, n)) => *n += 1,
            None => seen.push((v, 1)),
        }
    }
    seen
}

/// A number with its noun, e.g. "1 interview", "3 interviews".
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Counts of distinct values in order of first appearance, e.g. "Teams (2), in person (1)".
pub(super) fn tally(values: &[String]) -> String {
    counts(values).iter().map(|(v, n)| format!("{v} ({n})")).collect::<Vec<_>>().join(", ")
}

/// The pre-filled answer of one item, if the project knows it.
fn answer(c: &ReportCoreq, item: u8) -> Option<String> {
    match item {
        1 => interviewers(c),
        9 => Some("Interpretative Phenomenological Analysis (IPA)".to_owned()),
        17 => match c.guide {
            (0, _) => None,
            (q, p) => Some(format!(
                "Yes: a semi-structured interview guide of {q} question{} and {p} prompt{}, recorded in the study with each participant's answers; pilot testing not recorded",
                if q == 1 { "" } else { "s" },
                if p == 1 { "" } else { "s" }
            )),
        },
        12 => c.participants.map(|n| format!("{n} participants")),
        14 if !c.interview_modes.is_empty() => Some(format!("Interview modes: {}", tally(&c.interview_modes))),
        16 if !c.sample_attributes.is_empty() => {
            Some(format!("Recorded per participant: {}", c.sample_attributes.join(", ")))
        }
        18 => match (c.transcripts, c.participants) {
            (Some(t), Some(p)) if t > p => Some(format!("{t} transcripts for {p} participants")),
            (Some(t), Some(p)) => Some(format!("No: {t} transcripts for {p} participants")),
            _ => None,
        },
        20 => c.journal_entries.filter(|n| *n > 0).map(|n| format!("Reflexive journal kept ({n} entries)")),
        21 if !c.interview_minutes.is_empty() => {
            let min = c.interview_minutes.iter().min().copied().unwrap_or_default();
            let max = c.interview_minutes.iter().max().copied().unwrap_or_default();
            let n = c.interview_minutes.len();
            let mean = c.interview_minutes.iter().map(|m| u64::from(*m)).sum::<u64>() as f64 / n as f64;
            Some(format!("{min}–{max} min (mean {mean:.0} min; {n} interviews)"))
        }
        24 => c.analysts.map(|n| format!("{n} analyst{}", if n == 1 { "" } else { "s" })),
        25 => c.theme_tree.map(|(g, s)| format!("Yes: theme hierarchy figure, {g} group themes with {s} themes")),
        26 => c.statements.filter(|n| *n > 0).map(|n| {
            format!("Derived from the data: {n} experiential statements clustered into personal, then group themes")
        }),
        27 => Some(if c.software.trim().is_empty() { "Idiograph".to_owned() } else { c.software.trim().to_owned() }),
        29 => c.quotes_identified.map(|q| {
            if q {
                "Yes, each identified by participant pseudonym with page and line".to_owned()
            } else {
                "Some quotations are not identified by participant".to_owned()
            }
        }),
        31 => c.theme_tree.map(|(g, _)| format!("{g} group themes, each with extracts")),
        32 => c.themes_below_rule.map(|n| format!("{n} themes below the recurrence rule are flagged")),
        _ => None,
    }
}

/// Who conducted the interviews, from the interviewer recorded per participant, e.g. "AM (3
/// interviews)", saying for how many participants none is recorded.
pub(super) fn interviewers(c: &ReportCoreq) -> Option<String> {
    let named = counts(&c.interviewers);
    if named.is_empty() {
        return None;
    }
    let list: Vec<String> =
        named.iter().map(|(who, n)| format!("{who} ({})", count(*n, "interview", "interviews"))).collect();
    let mut out = format!("Recorded interviewer: {}", list.join(", "));
    let recorded: usize = named.iter().map(|(_, n)| n).sum();
    let missing = c.participants.unwrap_or_default().saturating_sub(recorded);
    if missing > 0 {
        let _ = write!(out, "; not recorded for {}", count(missing, "participant", "participants"));
    }
    Some(out)
}

/// Appends one checklist table: each item with its guide question, the project's answer (or
/// [`UNKNOWN`]) and an empty "Page" column for the manuscript page. Returns how many items
/// the project answered.
pub(super) fn item_table(out: &mut String, items: &[Item], answer: impl Fn(u8) -> Option<String>) -> usize {
    let mut known = 0;
    out.push_str("| No. | Item | Guide question | From the project | Page |\n|---|---|---|---|---|\n");
    for (n, topic, question) in items {
        let a = answer(*n);
        if a.is_some() {
            known += 1;
        }
        let a = a.map_or_else(|| UNKNOWN.to_owned(), |a| md_inline(&a));
        let _ = writeln!(out, "| {n} | {topic} | {question} | {a} |  |");
    }
    out.push('\n');
    known
}

/// Renders the COREQ 32-item checklist as Markdown: one table per domain with the item, its
/// guide question, what Idiograph records, and an empty "Page" column for the manuscript page.
/// Unknown items are left blank and marked "not recorded in Idiograph".
#[must_use]
pub fn render_coreq(c: &ReportCoreq) -> String {
    let mut out = String::from("# COREQ checklist\n\n");
    if !c.title.trim().is_empty() {
        let _ = writeln!(out, "**Study:** {}\n", md_inline(&c.title));
    }
    out.push_str(
        "Consolidated criteria for reporting qualitative research (Tong, Sainsbury & Craig, 2007), \
         32 items. Answers are pre-filled from the Idiograph project; fill in the rest and the \
         manuscript page on which each item is reported.\n\n",
    );
    let mut known = 0;
    for (domain, groups) in ITEMS {
        let _ = writeln!(out, "## {domain}\n");
        for (group, items) in *groups {
            let _ = writeln!(out, "### {group}\n");
            known += item_table(&mut out, items, |n| answer(c, n));
        }
    }
    let _ = writeln!(out, "{known} of 32 items pre-filled; the others are marked {UNKNOWN}.");
    out
}
