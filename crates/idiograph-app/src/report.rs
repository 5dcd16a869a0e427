//! The write-up report: fills the plain report model from a snapshot and renders it.

use idiograph_formats::{
    ReportCase, ReportCell, ReportContribution, ReportExtract, ReportGet, ReportJournalEntry, ReportLabels,
    ReportParticipant, ReportPet, ReportRecurrence, ReportRecurrenceRow, ReportResults, ReportStatement,
    ReportTrailCase, ReportTrailMember, ReportTrailNote, ReportTrailTheme, ResultsTheme, StudyReport,
};
use idiograph_model::{ObjectId, Recurrence, Term, Terminology, Theme};

use crate::{Snapshot, Trail, TrailMember};

/// The report labels in the study's terminology.
pub(crate) fn labels(t: Terminology) -> ReportLabels {
    ReportLabels {
        statement: t.label(Term::Statement).into(),
        statements: t.label(Term::Statements).into(),
        pet: t.label(Term::Pet).into(),
        pets: t.label(Term::Pets).into(),
        get: t.label(Term::Get).into(),
        gets: t.label(Term::Gets).into(),
        sub_theme: "Sub-theme".into(),
        sub_themes: "Sub-themes".into(),
    }
}

fn extracts(s: &Snapshot, theme: &ObjectId) -> Vec<ReportExtract> {
    s.extracts_of(theme)
        .into_iter()
        .map(|x| ReportExtract {
            quote: s.print(&x.anchor),
            pseudonym: s.participant(&x.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default(),
            citation: s.cite(&x.participant_id, &x.anchor),
        })
        .collect()
}

fn pet(s: &Snapshot, t: &Theme) -> ReportPet {
    ReportPet {
        title: t.title.clone(),
        description: t.description.clone(),
        sub_themes: s.children(Some(&t.id)).into_iter().map(|c| pet(s, c)).collect(),
        statements: s
            .statements_of(&t.id)
            .into_iter()
            .map(|st| ReportStatement {
                text: st.text.clone(),
                citation: st.anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>().join("; "),
            })
            .collect(),
        extracts: extracts(s, &t.id),
    }
}

fn get(s: &Snapshot, t: &Theme) -> ReportGet {
    ReportGet {
        title: t.title.clone(),
        description: t.description.clone(),
        sub_themes: s.children(Some(&t.id)).into_iter().map(|c| get(s, c)).collect(),
        contributing: s
            .pets_of(&t.id)
            .into_iter()
            .map(|p| ReportContribution {
                pseudonym: p
                    .participant_id()
                    .and_then(|id| s.participant(id))
                    .map(|p| p.pseudonym.clone())
                    .unwrap_or_default(),
                pet_title: p.title.clone(),
            })
            .collect(),
        extracts: extracts(s, &t.id),
    }
}

/// A group theme as the results section sets it out: the researcher's words, who it is
/// present for under the recurrence rule, its extracts and its sub-themes.
fn results_theme(s: &Snapshot, recurrence: &Recurrence, t: &Theme) -> ResultsTheme {
    let row = recurrence.rows.iter().find(|r| r.theme_id == t.id);
    let present = row
        .map(|r| {
            r.cells
                .iter()
                .zip(&recurrence.participants)
                .filter(|(c, _)| c.present())
                .filter_map(|(_, p)| s.participant(p).map(|p| p.pseudonym.clone()))
                .collect()
        })
        .unwrap_or_default();
    ResultsTheme {
        title: t.title.clone(),
        description: t.description.clone(),
        note: t.note.clone(),
        present,
        meets_rule: row.is_some_and(|r| r.meets_rule),
        extracts: extracts(s, &t.id),
        sub_themes: s.children(Some(&t.id)).into_iter().map(|c| results_theme(s, recurrence, c)).collect(),
    }
}

/// The results section scaffold of a study: every GET in board order with its sub-themes.
pub fn results_scaffold(s: &Snapshot) -> ReportResults {
    let recurrence = s.recurrence();
    ReportResults {
        title: s.settings.title.clone(),
        labels: labels(s.settings.terminology),
        participants: s.participants.iter().map(|p| p.pseudonym.clone()).collect(),
        rule: s.settings.recurrence_rule.describe(s.participants.len()),
        themes: s
            .children(None)
            .into_iter()
            .filter(|t| t.is_group())
            .map(|t| results_theme(s, &recurrence, t))
            .collect(),
    }
}

fn about(s: &Snapshot, id: &ObjectId) -> String {
    if let Some(p) = s.participant(id) {
        return format!("participant {}", p.pseudonym);
    }
    if let Some(t) = s.theme(id) {
        return format!("theme {} “{}”", t.short_id(), t.title);
    }
    if let Some(st) = s.statements.iter().find(|x| &x.id == id) {
        return format!("statement {} “{}”", st.short_id(), st.text);
    }
    if let Some(t) = s.transcripts.iter().find(|x| &x.id == id) {
        return format!("transcript {} ({})", t.short_id(), t.title);
    }
    if let Some(x) = s.extracts.iter().find(|x| &x.id == id) {
        return format!("extract {}", x.short_id());
    }
    "an exploratory note".to_owned()
}

/// An RFC 3339 time in UTC as a report prints it: `2026-12-07 20:28 UTC`.
fn printed_time(at: &str) -> String {
    match at.get(..16) {
        Some(minute) if at.ends_with('Z') => format!("{} UTC", minute.replacen('T', " ", 1)),
        _ => at.to_owned(),
    }
}

/// A trail member as the report appendices print it.
fn trail_member(m: &TrailMember) -> ReportTrailMember {
    ReportTrailMember {
        id: m.id.clone(),
        text: m.text.clone(),
        lines: m.lines.clone(),
        strategy: m.strategy.map(|g| g.to_string()).unwrap_or_default(),
        rationale: m.rationale.clone().unwrap_or_default(),
        author: m.author.clone().unwrap_or_default(),
        // To the minute, as a reader cites it; the audit log keeps the exact time.
        at: printed_time(&m.at),
        notes: m
            .notes
            .iter()
            .map(|n| ReportTrailNote {
                id: n.id.clone(),
                kind: n.kind.to_string(),
                text: n.text.clone(),
                lines: n.lines.clone(),
            })
            .collect(),
    }
}

/// The analytic trail of every case for the report appendices (write-up and audit report):
/// each PET, sub-themes after their parent, with its members' moves.
fn trail_cases(s: &Snapshot, trail: &Trail) -> Vec<ReportTrailCase> {
    s.participants
        .iter()
        .map(|p| {
            let mut themes = Vec::new();
            let mut stack: Vec<(usize, &Theme)> = s
                .children(None)
                .into_iter()
                .rev()
                .filter(|t| t.participant_id() == Some(&p.id))
                .map(|t| (0, t))
                .collect();
            while let Some((depth, t)) = stack.pop() {
                themes.push(ReportTrailTheme {
                    title: format!("{} {}", t.short_id(), t.title),
                    depth,
                    members: trail.of(&t.id).iter().map(trail_member).collect(),
                });
                stack.extend(s.children(Some(&t.id)).into_iter().rev().map(|c| (depth + 1, c)));
            }
            ReportTrailCase { pseudonym: p.pseudonym.clone(), themes }
        })
        .collect()
}

/// Builds the report model of a study, with the analytic trail of its themes.
pub fn study_report(s: &Snapshot, trail: &Trail, generated_at: &str) -> StudyReport {
    let recurrence = s.recurrence();
    let participants = &s.participants;
    StudyReport {
        title: s.settings.title.clone(),
        research_question: s.settings.research_question.clone(),
        generated_at: generated_at.to_owned(),
        labels: labels(s.settings.terminology),
        participants: participants
            .iter()
            .map(|p| ReportParticipant {
                pseudonym: p.pseudonym.clone(),
                attributes: p.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                interview: p.interview.summary(),
                transcripts: s
                    .transcripts
                    .iter()
                    .filter(|t| t.participant_id == p.id)
                    .map(|t| format!("{} {}", t.short_id(), t.title))
                    .collect(),
            })
            .collect(),
        cases: participants
            .iter()
            .map(|p| ReportCase {
                pseudonym: p.pseudonym.clone(),
                pets: s
                    .children(None)
                    .into_iter()
                    .filter(|t| t.participant_id() == Some(&p.id))
                    .map(|t| pet(s, t))
                    .collect(),
            })
            .collect(),
        gets: s.children(None).into_iter().filter(|t| t.is_group()).map(|t| get(s, t)).collect(),
        recurrence: ReportRecurrence {
            participants: participants.iter().map(|p| p.pseudonym.clone()).collect(),
            rows: recurrence
                .rows
                .iter()
                .map(|r| ReportRecurrenceRow {
                    title: s.theme(&r.theme_id).map(|t| t.title.clone()).unwrap_or_default(),
                    depth: r.depth,
                    cells: r
                        .cells
                        .iter()
                        .map(|c| ReportCell { present: c.present(), statements: c.statements, extracts: c.extracts })
                        .collect(),
                    contributors: r.contributors,
                    meets_rule: r.meets_rule,
                })
                .collect(),
            rule: s.settings.recurrence_rule.describe(participants.len()),
        },
        journal: s
            .journal
            .iter()
            .map(|j| ReportJournalEntry {
                at: j.created_at.clone(),
                author: j.author.clone(),
                text: j.text.clone(),
                link: j.about.as_ref().map(|id| about(s, id)),
            })
            .collect(),
        trail: trail_cases(s, trail),
    }
}
