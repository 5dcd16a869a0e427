//! The SRQR checklist (Standards for Reporting Qualitative Research; O'Brien, Harris, Beckman,
//! Reed & Cook 2014), pre-filled from what the project knows, beside COREQ.
//!
//! Item titles and questions are written in our own words after the standard's 21 topics.
//! Items the project cannot know are marked, as in the COREQ checklist.

use std::fmt::Write as _;

use super::coreq::{count, interviewers, item_table, tally, Item, ReportCoreq, UNKNOWN};
use super::escape::md_inline;

/// Sections and their items.
const ITEMS: &[(&str, &[Item])] = &[
    (
        "Title and abstract",
        &[
            (1, "Title", "Does the title say what is studied and that the study is qualitative (or its approach)?"),
            (
                2,
                "Abstract",
                "Does the abstract summarise the study's background, approach, methods, findings and conclusions?",
            ),
        ],
    ),
    (
        "Introduction",
        &[
            (3, "Problem", "What is the phenomenon or problem, why does it matter, and what is already known?"),
            (4, "Purpose or research question", "What does the study set out to answer?"),
        ],
    ),
    (
        "Methods",
        &[
            (5, "Approach and paradigm", "Which qualitative approach and research paradigm, and why?"),
            (6, "Researchers and reflexivity", "Who are the researchers, and how might they have shaped the study?"),
            (7, "Context", "Where was the study done, and what about that setting matters?"),
            (8, "Sampling", "How and why were participants or sources chosen, and when did sampling stop?"),
            (9, "Ethics", "Which ethics approval and consent were obtained, and how were participants protected?"),
            (10, "Data collection", "How were data collected, over what period, and did the methods change?"),
            (11, "Instruments and technologies", "Which guides, recording devices or platforms were used?"),
            (12, "Units of study", "How many participants, documents or events, and what characterises them?"),
            (13, "Data processing", "How were data transcribed, managed, secured, checked and de-identified?"),
            (14, "Data analysis", "How were themes or findings arrived at, and by whom?"),
            (
                15,
                "Trustworthiness",
                "What was done to make the analysis credible (audit trail, reflexivity, checking)?",
            ),
        ],
    ),
    (
        "Results and findings",
        &[
            (16, "Synthesis and interpretation", "What are the main findings, and how do they connect?"),
            (17, "Links to the data", "Are findings supported by evidence such as quotations?"),
        ],
    ),
    (
        "Discussion",
        &[
            (
                18,
                "Integration, implications and contribution",
                "How do the findings relate to earlier work, and what do they add?",
            ),
            (19, "Limitations", "What limits the trustworthiness or transferability of the findings?"),
        ],
    ),
    (
        "Other",
        &[
            (20, "Conflicts of interest", "What might have influenced the study, and how was it handled?"),
            (21, "Funding", "Who funded the study, and what was the funder's role?"),
        ],
    ),
];

/// How many SRQR items there are.
const COUNT: usize = 21;

/// The pre-filled answer of one SRQR item, if the project knows it.
fn answer(c: &ReportCoreq, item: u8) -> Option<String> {
    match item {
        1 => Some(c.title.trim().to_owned()).filter(|t| !t.is_empty()).map(|t| format!("Study title: {t}")),
        4 => c.research_question.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned),
        5 => Some("Interpretative Phenomenological Analysis (IPA)".to_owned()),
        6 => {
            let parts: Vec<String> = [
                interviewers(c),
                c.journal_entries
                    .filter(|n| *n > 0)
                    .map(|n| format!("reflexive journal kept ({})", count(n, "entry", "entries"))),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        10 => c.transcripts.filter(|n| *n > 0).map(|t| {
            let mut out = format!(
                "Interviews: {} for {}",
                count(t, "transcript", "transcripts"),
                count(c.participants.unwrap_or_default(), "participant", "participants")
            );
            if !c.interview_minutes.is_empty() {
                let min = c.interview_minutes.iter().min().copied().unwrap_or_default();
                let max = c.interview_minutes.iter().max().copied().unwrap_or_default();
                let _ = write!(out, ", {min}–{max} min");
            }
            out
        }),
        11 => (!c.interview_modes.is_empty()).then(|| format!("Interview modes: {}", tally(&c.interview_modes))),
        12 => c.participants.map(|n| {
            let mut out = count(n, "participant", "participants");
            if !c.sample_attributes.is_empty() {
                let _ = write!(out, "; recorded per participant: {}", c.sample_attributes.join(", "));
            }
            out
        }),
        13 => {
            let mut out = format!(
                "Transcripts managed in {} with fixed page and line numbers for citation",
                if c.software.trim().is_empty() { "Idiograph" } else { c.software.trim() }
            );
            if c.pseudonymised {
                out.push_str("; pseudonymised, with the originals in an encrypted key store kept apart");
            }
            Some(out)
        }
        14 => c.statements.filter(|n| *n > 0).map(|n| {
            let mut out = format!("{} clustered into", count(n, "experiential statement", "experiential statements"));
            let _ = write!(
                out,
                " {} per case",
                count(c.pets.unwrap_or_default(), "personal experiential theme", "personal experiential themes")
            );
            if let Some((g, s)) = c.theme_tree {
                let _ = write!(
                    out,
                    ", then {} with {}",
                    count(g, "group experiential theme", "group experiential themes"),
                    count(s, "sub-theme", "sub-themes")
                );
            }
            if let Some(a) = c.analysts {
                let _ = write!(out, "; {}", count(a, "analyst", "analysts"));
            }
            out
        }),
        15 => c.audit_events.filter(|n| *n > 0).map(|n| {
            let mut out =
                format!("Audit trail of every analytic decision ({})", count(n, "recorded event", "recorded events"));
            if let Some(j) = c.journal_entries.filter(|j| *j > 0) {
                let _ = write!(out, "; reflexive journal ({j})");
            }
            if !c.rule.trim().is_empty() {
                let _ = write!(out, "; recurrence rule: present for {}", c.rule.trim());
            }
            out
        }),
        16 => c.theme_tree.map(|(g, s)| {
            let mut out = format!(
                "{} with {}",
                count(g, "group experiential theme", "group experiential themes"),
                count(s, "sub-theme", "sub-themes")
            );
            if let Some(n) = c.themes_below_rule {
                let _ = write!(out, "; {} below the recurrence rule", count(n, "theme", "themes"));
            }
            out
        }),
        17 => c.extracts.filter(|n| *n > 0).map(|n| {
            format!("{}, each cited by participant pseudonym, page and lines", count(n, "extract", "extracts"))
        }),
        _ => None,
    }
}

/// Renders the SRQR 21-item checklist as Markdown: one table per section with the item, its
/// question, what Idiograph records, and an empty "Page" column for the manuscript page.
#[must_use]
pub fn render_srqr(c: &ReportCoreq) -> String {
    let mut out = String::from("# SRQR checklist\n\n");
    if !c.title.trim().is_empty() {
        let _ = writeln!(out, "**Study:** {}\n", md_inline(&c.title));
    }
    out.push_str(
        "Standards for Reporting Qualitative Research (O'Brien, Harris, Beckman, Reed & Cook, 2014), \
         21 items, paraphrased. Answers are pre-filled from the Idiograph project; fill in the rest \
         and the manuscript page on which each item is reported.\n\n",
    );
    let mut known = 0;
    for (section, items) in ITEMS {
        let _ = writeln!(out, "## {section}\n");
        known += item_table(&mut out, items, |n| answer(c, n));
    }
    let _ = writeln!(out, "{known} of {COUNT} items pre-filled; the others are marked {UNKNOWN}.");
    out
}
