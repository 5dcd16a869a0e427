//! The JSON form (`--json`) of each object the commands print, one builder per object, so that
//! each object has one shape on the command line wherever it appears.

use idiograph_app::{AuditEvent, ServerProjects, Snapshot};
use idiograph_model::{
    ExperientialStatement, ExploratoryNote, Extract, JournalEntry, Participant, StudySettings, Theme, Transcript,
};
use serde_json::{json, Value as Json};

/// The study's settings.
pub(crate) fn study_json(s: &StudySettings) -> Json {
    json!({"title": s.title, "research_question": s.research_question, "terminology": s.terminology.as_str(),
           "recurrence_rule": s.recurrence_rule.encode(), "chars_per_line": s.layout.chars_per_line(),
           "lines_per_page": s.layout.lines_per_page()})
}

/// A participant with attributes, interview summary and transcripts.
pub(crate) fn participant_json(s: &Snapshot, p: &Participant) -> Json {
    json!({"id": format!("P{}", p.short), "pseudonym": p.pseudonym, "attributes": p.attributes,
           "interview": p.interview.summary(), "finished_at": p.finished_at,
           "transcripts": s.transcripts.iter().filter(|t| t.participant_id == p.id).map(|t| format!("T{}", t.short)).collect::<Vec<_>>()})
}

/// A transcript with the size of its current version.
pub(crate) fn transcript_json(s: &Snapshot, t: &Transcript) -> Json {
    let v = &s.versions[&t.current_version];
    json!({"id": format!("T{}", t.short), "title": t.title, "participant": s.participant(&t.participant_id).map(|p| p.pseudonym.clone()),
           "version": v.number, "lines": v.layout.line_count(), "pages": v.layout.page_count(), "turns": v.turns.len(), "sha256": v.provenance.sha256})
}

/// An exploratory note with its passage.
pub(crate) fn note_json(n: &ExploratoryNote) -> Json {
    json!({"id": format!("N{}", n.short), "kind": n.kind.as_str(), "text": n.text, "quote": n.anchor.quote().exact(),
           "start": n.anchor.span().start().to_u32(), "end": n.anchor.span().end().to_u32()})
}

/// An experiential statement with its passages.
pub(crate) fn statement_json(s: &Snapshot, st: &ExperientialStatement) -> Json {
    json!({"id": format!("S{}", st.short), "participant": s.participant(&st.participant_id).map(|p| p.pseudonym.clone()), "text": st.text,
           "lines": st.anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>(),
           "quotes": st.anchors.iter().map(|a| a.quote().exact()).collect::<Vec<_>>()})
}

/// The themes as a tree: each with its statements, the PETs clustered into it and its
/// sub-themes.
pub(crate) fn themes_json(s: &Snapshot) -> Json {
    fn node(s: &Snapshot, t: &Theme) -> Json {
        json!({
            "id": format!("TH{}", t.short),
            "title": t.title,
            "note": t.note,
            "scope": if t.is_group() { "group".to_owned() } else { t.participant_id().and_then(|p| s.participant(p)).map(|p| p.pseudonym.clone()).unwrap_or_default() },
            "statements": s.statements_of(&t.id).iter().map(|st| format!("S{}", st.short)).collect::<Vec<_>>(),
            "pets": s.pets_of(&t.id).iter().map(|p| format!("TH{}", p.short)).collect::<Vec<_>>(),
            "children": s.children(Some(&t.id)).into_iter().map(|c| node(s, c)).collect::<Vec<_>>(),
        })
    }
    Json::Array(s.children(None).into_iter().map(|t| node(s, t)).collect())
}

/// An extract with its theme and citation.
pub(crate) fn extract_json(s: &Snapshot, x: &Extract) -> Json {
    json!({"id": format!("X{}", x.short), "theme": s.theme(&x.theme_id).map(|t| format!("TH{}", t.short)),
           "quote": x.anchor.quote().exact(), "citation": s.cite(&x.participant_id, &x.anchor)})
}

/// A reflexive journal entry.
pub(crate) fn journal_json(j: &JournalEntry) -> Json {
    json!({"id": format!("J{}", j.short), "at": j.created_at, "author": j.author, "text": j.text})
}

/// The group theme × participant recurrence matrix and the rule check.
pub(crate) fn recurrence_json(s: &Snapshot) -> Json {
    let r = s.recurrence();
    json!({
        "participants": s.participants.iter().map(|p| p.pseudonym.clone()).collect::<Vec<_>>(),
        "rule": s.settings.recurrence_rule.describe(s.participants.len()),
        "required": r.required,
        "rows": r.rows.iter().map(|row| json!({
            "theme": s.theme(&row.theme_id).map(|t| format!("TH{}", t.short)),
            "title": s.theme(&row.theme_id).map(|t| t.title.clone()),
            "depth": row.depth,
            "cells": row.cells.iter().map(|c| json!({"present": c.present(), "pets": c.pets.len(), "statements": c.statements, "extracts": c.extracts})).collect::<Vec<_>>(),
            "contributors": row.contributors,
            "meets_rule": row.meets_rule,
        })).collect::<Vec<_>>(),
    })
}

/// An event of the audit log.
pub(crate) fn event_json(e: &AuditEvent) -> Json {
    json!({"seq": e.seq, "at": e.at, "author": e.author, "action": e.action.as_str(), "summary": e.summary, "undone": e.undone})
}

/// The projects of a server and the record of those deleted from it.
pub(crate) fn projects_json(listed: &ServerProjects) -> Json {
    json!({
        "projects": listed.projects.iter().map(|p| json!({"id": p.id, "title": p.title, "members": p.members})).collect::<Vec<_>>(),
        "deleted": listed.deleted.iter().map(|d| json!({
            "id": d.id, "title": d.title, "deleted_by": d.deleted_by, "deleted_at": d.deleted_at, "members": d.members,
        })).collect::<Vec<_>>(),
    })
}
