//! Read-side helpers shared by pages and the API: terminology labels, short ids, JSON views of
//! model objects (with byte and UTF-16 offsets), and per-case progress, all computed from one
//! `Snapshot` (or, for one transcript, its `TranscriptView`) plus the notes.

use std::collections::HashMap;

use idiograph_app::{Snapshot, Trail, TrailMember, VersionToken};
use idiograph_model::{
    Anchor, ExperientialStatement, ExploratoryNote, Extract, Member, ObjectId, Participant, Term, Terminology, Theme,
    Transcript, TranscriptVersion,
};
use idiograph_text::UnitIndex;
use serde_json::{json, Value};

/// The names a researcher sees for the analytic objects, in the study's terminology.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    pub(crate) statement: &'static str,
    pub(crate) statements: &'static str,
    pub(crate) pet: &'static str,
    pub(crate) pets: &'static str,
    pub(crate) get: &'static str,
    pub(crate) gets: &'static str,
    pub(crate) pets_short: &'static str,
}

impl Labels {
    pub(crate) fn of(t: Terminology) -> Labels {
        Labels {
            statement: t.label(Term::Statement),
            statements: t.label(Term::Statements),
            pet: t.label(Term::Pet),
            pets: t.label(Term::Pets),
            get: t.label(Term::Get),
            gets: t.label(Term::Gets),
            pets_short: t.short_label(Term::Pets),
        }
    }
}

/// `P3`, `T2`, `TH5`… from a prefix and a number.
pub(crate) fn short(prefix: &str, n: u32) -> String {
    format!("{prefix}{n}")
}

/// Where an anchor lies, in bytes and UTF-16 units, with its quote and lines.
pub(crate) fn anchor_json(s: &Snapshot, a: &Anchor, index: Option<&UnitIndex>) -> Value {
    let v = s.versions.get(a.version_id());
    let t = v.and_then(|v| s.transcripts.iter().find(|t| t.id == v.transcript_id));
    anchor_in(t, v, a, index)
}

/// [`anchor_json`] for an anchor in version `v` of transcript `t`, for callers that hold them.
pub(crate) fn anchor_in(
    t: Option<&Transcript>,
    v: Option<&TranscriptVersion>,
    a: &Anchor,
    index: Option<&UnitIndex>,
) -> Value {
    let span = a.span();
    let (u16_start, u16_end) = match (index, v) {
        (Some(i), _) => i.span_to_utf16(span),
        (None, Some(v)) => UnitIndex::new(&v.text).span_to_utf16(span),
        (None, None) => (0, 0),
    };
    json!({
        "transcript": t.map(|t| short("T", t.short)),
        "version": a.version_id().as_str(),
        "start": span.start().to_u32(),
        "end": span.end().to_u32(),
        "utf16_start": u16_start,
        "utf16_end": u16_end,
        "lines": v.map(|v| v.layout.span_lines(span).to_string()).unwrap_or_default(),
        "quote": a.quote().exact(),
    })
}

/// A note with its anchor in `v` (the version it is anchored in).
pub(crate) fn note_json(n: &ExploratoryNote, v: Option<&TranscriptVersion>, index: Option<&UnitIndex>) -> Value {
    let span = n.anchor.span();
    let (u16_start, u16_end) = index.map(|i| i.span_to_utf16(span)).unwrap_or_default();
    json!({
        "id": short("N", n.short),
        "revision": n.version_token(),
        "kind": n.kind.as_str(),
        "text": n.text,
        "author": n.author,
        "created_at": n.created_at,
        "version": n.anchor.version_id().as_str(),
        "start": span.start().to_u32(),
        "end": span.end().to_u32(),
        "utf16_start": u16_start,
        "utf16_end": u16_end,
        "lines": v.map(|v| v.layout.span_lines(span).to_string()),
        "quote": n.anchor.quote().exact(),
    })
}

/// A statement with all its anchors.
pub(crate) fn statement_json(s: &Snapshot, st: &ExperientialStatement, notes: &[ExploratoryNote]) -> Value {
    let note_ids: Vec<String> =
        st.from_notes.iter().filter_map(|id| notes.iter().find(|n| &n.id == id).map(|n| short("N", n.short))).collect();
    json!({
        "id": short("S", st.short),
        "revision": st.version_token(),
        "participant": s.participant(&st.participant_id).map(|p| short("P", p.short)),
        "text": st.text,
        "author": st.author,
        "created_at": st.created_at,
        "from_notes": note_ids,
        "anchors": st.anchors.iter().map(|a| anchor_json(s, a, None)).collect::<Vec<_>>(),
        "pets": s.assignments.iter()
            .filter(|a| matches!(&a.member, idiograph_model::Member::Statement(id) if id == &st.id))
            .filter_map(|a| s.theme(&a.theme_id).map(|t| short("TH", t.short)))
            .collect::<Vec<_>>(),
    })
}

/// An extract with the citation exactly as the report prints it.
pub(crate) fn extract_json(s: &Snapshot, x: &Extract) -> Value {
    json!({
        "id": short("X", x.short),
        "revision": x.version_token(),
        "theme": s.theme(&x.theme_id).map(|t| short("TH", t.short)),
        "participant": s.participant(&x.participant_id).map(|p| short("P", p.short)),
        "citation": s.cite(&x.participant_id, &x.anchor),
        "anchor": anchor_json(s, &x.anchor, None),
    })
}

/// A participant with attributes and progress.
pub(crate) fn participant_json(p: &Participant, progress: &Progress) -> Value {
    json!({
        "id": short("P", p.short),
        "pseudonym": p.pseudonym,
        "attributes": p.attributes,
        "interview": {
            "date": p.interview.date,
            "mode": p.interview.mode,
            "duration_minutes": p.interview.duration_minutes,
            "interviewer": p.interview.interviewer,
        },
        "finished_at": p.finished_at,
        "progress": {
            "transcripts": progress.transcripts,
            "notes": progress.notes,
            "statements": progress.statements,
            "clustered": progress.clustered,
            "pets": progress.pets,
        },
    })
}

/// A member of a theme with the move that put it there (strategy, rationale, who and when) and,
/// for a statement, the exploratory notes it was developed from.
fn member_json(m: &TrailMember) -> Value {
    json!({
        "id": m.id,
        "kind": match m.member { Member::Statement(_) => "statement", Member::Theme(_) => "theme" },
        "text": m.text,
        "strategy": m.strategy.map(|g| g.as_str()),
        "rationale": m.rationale,
        "author": m.author,
        "at": m.at,
        "from_notes": m.notes.iter().map(|n| json!({
            "id": n.id,
            "kind": n.kind.as_str(),
            "text": n.text,
            "transcript": n.transcript,
            "lines": n.lines,
        })).collect::<Vec<_>>(),
    })
}

/// A theme and its sub-themes, members (with the trail of their moves) and extracts.
pub(crate) fn theme_json(s: &Snapshot, trail: &Trail, t: &Theme) -> Value {
    json!({
        "id": short("TH", t.short),
        "revision": s.theme_revision(t),
        "scope": if t.is_group() { "group" } else { "case" },
        "participant": t.participant_id().and_then(|p| s.participant(p)).map(|p| short("P", p.short)),
        "title": t.title,
        "description": t.description,
        "note": t.note,
        "statements": s.statements_of(&t.id).iter().map(|st| short("S", st.short)).collect::<Vec<_>>(),
        "pets": s.pets_of(&t.id).iter().map(|p| short("TH", p.short)).collect::<Vec<_>>(),
        "members": trail.of(&t.id).iter().map(member_json).collect::<Vec<_>>(),
        "extracts": s.extracts_of(&t.id).iter().map(|x| short("X", x.short)).collect::<Vec<_>>(),
        "sub_themes": s.children(Some(&t.id)).into_iter().map(|c| theme_json(s, trail, c)).collect::<Vec<_>>(),
    })
}

/// How far a case has come through the steps of IPA.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    pub(crate) transcripts: usize,
    pub(crate) notes: usize,
    pub(crate) statements: usize,
    pub(crate) clustered: usize,
    pub(crate) pets: usize,
}

/// Progress of every case, by participant id.
pub(crate) fn progress(s: &Snapshot, notes: &[ExploratoryNote]) -> HashMap<ObjectId, Progress> {
    let mut out: HashMap<ObjectId, Progress> = HashMap::new();
    for p in &s.participants {
        out.insert(p.id.clone(), Progress::default());
    }
    for t in &s.transcripts {
        out.entry(t.participant_id.clone()).or_default().transcripts += 1;
    }
    for n in notes {
        out.entry(n.participant_id.clone()).or_default().notes += 1;
    }
    let clustered: std::collections::HashSet<&ObjectId> = s
        .assignments
        .iter()
        .filter_map(|a| match &a.member {
            idiograph_model::Member::Statement(id) => Some(id),
            idiograph_model::Member::Theme(_) => None,
        })
        .collect();
    for st in &s.statements {
        let e = out.entry(st.participant_id.clone()).or_default();
        e.statements += 1;
        if clustered.contains(&st.id) {
            e.clustered += 1;
        }
    }
    for t in &s.themes {
        if let Some(p) = t.participant_id() {
            out.entry(p.clone()).or_default().pets += 1;
        }
    }
    out
}
