//! The hermeneutic trail (issue #15): for each member of a theme, the move that put it there —
//! grouping strategy, rationale, who and when — and, for a statement, the exploratory notes it
//! was developed from. The theme page, `/api/v1/themes`, the Word write-up and the audit report
//! all show this one view of it.

use std::collections::HashMap;

use idiograph_model::{Assignment, ExploratoryNote, GroupingStrategy, Member, NoteKind, ObjectId};
use idiograph_store::AuditEvent;

use crate::{AppError, Snapshot, Workbench};

/// Every theme's members with the moves that put them there, read with
/// [`Workbench::snapshot_with_trail`].
#[derive(Debug, Clone, Default)]
pub struct Trail {
    members: HashMap<ObjectId, Vec<TrailMember>>,
}

/// A member of a theme — a statement in a PET, or a PET in a GET — and its move.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailMember {
    /// The statement or PET.
    pub member: Member,
    /// Its short id: `S3` or `TH2`.
    pub id: String,
    /// The statement's words, or the PET's title.
    pub text: String,
    /// The pseudonym of the case it belongs to.
    pub pseudonym: String,
    /// Where a statement is grounded, e.g. "p. 1, ll. 2–3"; empty for a PET.
    pub lines: String,
    /// The clustering strategy given for the move.
    pub strategy: Option<GroupingStrategy>,
    /// Why, in the researcher's words.
    pub rationale: Option<String>,
    /// Who made the move, as the audit log records it; `None` when the log no longer holds the
    /// command (its row images were erased by a withdrawal).
    pub author: Option<String>,
    /// When the move was made (RFC 3339).
    pub at: String,
    /// For a statement: the exploratory notes it was developed from, in the order recorded.
    pub notes: Vec<TrailNote>,
}

/// An exploratory note a statement was developed from.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailNote {
    /// Its short id, `N4`.
    pub id: String,
    /// Descriptive, linguistic, conceptual or free.
    pub kind: NoteKind,
    /// The note.
    pub text: String,
    /// Its transcript's short id, `T2`.
    pub transcript: String,
    /// Its first line in the transcript's frozen layout (counting across pages).
    pub line: u32,
    /// Page and lines, e.g. "p. 1, l. 4".
    pub lines: String,
}

impl Trail {
    /// Builds the trail of every theme in `s`; `notes` are the study's exploratory notes and
    /// `writes` every standing write of an assignment (oldest first), from the same transaction.
    fn new(s: &Snapshot, notes: &[ExploratoryNote], writes: &[(AuditEvent, Assignment)]) -> Trail {
        // A move (assign or move command) stamps the assignment with a new time; a merge, split
        // or pseudonymisation carries it over unchanged. So the first standing command that
        // wrote the assignment with its present time is the one that made the move.
        let stamps: HashMap<&ObjectId, &str> = s.assignments.iter().map(|a| (&a.id, a.created_at.as_str())).collect();
        let mut authors: HashMap<&ObjectId, &str> = HashMap::new();
        for (event, written) in writes {
            if stamps.get(&written.id) == Some(&written.created_at.as_str()) {
                authors.entry(&written.id).or_insert(&event.author);
            }
        }
        let pseudonym = |p: &ObjectId| s.participant(p).map(|p| p.pseudonym.clone()).unwrap_or_default();
        let note = |id: &ObjectId| {
            let n = notes.iter().find(|n| &n.id == id)?;
            let transcript = s.transcripts.iter().find(|t| t.id == n.transcript_id)?;
            let line =
                s.versions.get(n.anchor.version_id()).map_or(0, |v| v.layout.position(n.anchor.span().start()).global);
            Some(TrailNote {
                id: n.short_id().to_string(),
                kind: n.kind,
                text: n.text.clone(),
                transcript: transcript.short_id().to_string(),
                line,
                lines: s.lines(&n.anchor),
            })
        };
        let mut members: HashMap<ObjectId, Vec<TrailMember>> = HashMap::new();
        for t in &s.themes {
            let moved = |member: Member, id: String, text: String, participant: &ObjectId| {
                let a = s.assignments.iter().find(|a| a.theme_id == t.id && a.member == member)?;
                Some(TrailMember {
                    member,
                    id,
                    text,
                    pseudonym: pseudonym(participant),
                    lines: String::new(),
                    strategy: a.strategy,
                    rationale: a.rationale.clone(),
                    author: authors.get(&a.id).map(|w| (*w).to_owned()),
                    at: a.created_at.clone(),
                    notes: Vec::new(),
                })
            };
            let statements = s.statements_of(&t.id).into_iter().filter_map(|st| {
                let m = moved(
                    Member::Statement(st.id.clone()),
                    st.short_id().to_string(),
                    st.text.clone(),
                    &st.participant_id,
                )?;
                Some(TrailMember {
                    lines: st.anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>().join("; "),
                    notes: st.from_notes.iter().filter_map(note).collect(),
                    ..m
                })
            });
            let pets = s.pets_of(&t.id).into_iter().filter_map(|p| {
                moved(Member::Theme(p.id.clone()), p.short_id().to_string(), p.title.clone(), p.participant_id()?)
            });
            members.insert(t.id.clone(), statements.chain(pets).collect());
        }
        Trail { members }
    }

    /// The members of `theme` with their moves: statements, then PETs, each in creation order.
    pub fn of(&self, theme: &ObjectId) -> &[TrailMember] {
        self.members.get(theme).map_or(&[], Vec::as_slice)
    }
}

impl Workbench {
    /// The whole study as [`Workbench::snapshot`] reads it, and the trail of its themes, read
    /// together in one transaction so the two agree.
    pub async fn snapshot_with_trail(&self) -> Result<(Snapshot, Trail), AppError> {
        let mut tx = self.store.read().await?;
        let s = crate::queries::read_snapshot(&mut tx).await?;
        let notes: Vec<ExploratoryNote> = tx.all().await?;
        let writes: Vec<(AuditEvent, Assignment)> = tx.writes().await?;
        let trail = Trail::new(&s, &notes, &writes);
        Ok((s, trail))
    }
}
