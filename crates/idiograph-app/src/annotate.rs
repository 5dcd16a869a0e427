//! Exploratory notes, experiential statements, extracts and the reflexive journal.

use std::sync::Arc;

use idiograph_model::{
    Anchor, Assignment, ExperientialStatement, ExploratoryNote, Extract, JournalEntry, Member, NoteKind, ObjectId,
    ObjectKind, Participant, Theme, Transcript, TranscriptVersion,
};
use idiograph_store::{Action, Tx};
use idiograph_text::{Span, SpanError};

use crate::error::invalid;
use crate::{check_version, new_id, now, participants, themes, transcripts, AppError, Reference, Workbench};

/// A passage to anchor: a span of UTF-8 bytes of one transcript version, checked on that
/// version's text where it is made. Callers convert lines, characters or UTF-16 offsets into
/// this at their edge; a command refuses it unless the version is its transcript's current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    version: ObjectId,
    span: Span,
    heard_ms: Option<u64>,
}

impl Target {
    /// `span` of `version`, checked against its text (order, bounds, char boundaries).
    pub fn new(version: &TranscriptVersion, span: Span) -> Result<Target, SpanError> {
        Target::from_bytes(version, span.start().to_usize(), span.end().to_usize())
    }

    /// Bytes `[start, end)` of `version`, checked against its text.
    pub fn from_bytes(version: &TranscriptVersion, start: usize, end: usize) -> Result<Target, SpanError> {
        Ok(Target { version: version.id.clone(), span: Span::new(&version.text, start, end)?, heard_ms: None })
    }

    /// The passage as selected while listening to the recording, which was at `ms` from its
    /// start: a note or statement made on it keeps the time, to hear the passage again.
    pub fn heard_at(self, ms: u64) -> Target {
        Target { heard_ms: Some(ms), ..self }
    }

    /// The version the passage was selected on.
    pub fn version(&self) -> &ObjectId {
        &self.version
    }

    /// The selected bytes.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// Limits that keep a single field readable and the project small.
const MAX_NOTE_CHARS: usize = 20_000;
const MAX_STATEMENT_CHARS: usize = 500;

pub(crate) fn check_text(what: &str, text: &str, max: usize) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid!("{what} cannot be empty"));
    }
    if t.chars().count() > max {
        return Err(invalid!("{what} is longer than {max} characters"));
    }
    Ok(t.to_owned())
}

/// [`check_text`] for a title or a name (of the study, a theme, a transcript): one line shown in
/// every list, report and terminal, where a control character (ESC, a line break, a tab) is
/// never meant and would break the display, so it is refused where it is typed, as pseudonyms
/// are. Free text (notes, statements, journal entries) keeps them; outputs escape them.
pub(crate) fn check_title(what: &str, text: &str, max: usize) -> Result<String, AppError> {
    let t = check_text(what, text, max)?;
    if let Some((n, c)) = t.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(invalid!(
            "{what} cannot hold control characters such as U+{:04X} (character {}); type it on one line",
            u32::from(c),
            n + 1
        ));
    }
    Ok(t)
}

/// Resolves a target into its transcript, version and a checked anchor.
pub(crate) async fn anchor(
    tx: &mut Tx,
    target: &Target,
) -> Result<(Transcript, Arc<TranscriptVersion>, Anchor), AppError> {
    let t = transcript_of(tx, target).await?;
    let v = tx.version(&t.current_version).await?;
    let anchor = anchor_in(&t, &v, target)?;
    Ok((t, v, anchor))
}

/// The transcript a target was selected in, which must still show the target's version.
async fn transcript_of(tx: &mut Tx, target: &Target) -> Result<Transcript, AppError> {
    let Some(id) = tx.transcript_of_version(&target.version).await? else {
        return Err(AppError::NotFound(format!("no transcript version {} in this project", target.version)));
    };
    let t: Transcript = tx.get(&id).await?;
    if t.current_version != target.version {
        return Err(invalid!(
            "the selection was made on another version of {} than the current one; select the passage again",
            t.short_id()
        ));
    }
    Ok(t)
}

/// The anchor of a target on `v`, the current version of transcript `t`.
pub(crate) fn anchor_in(t: &Transcript, v: &TranscriptVersion, target: &Target) -> Result<Anchor, AppError> {
    Anchor::from_span(v, target.span).map_err(|e| invalid!("selection in {}: {e}", t.short_id()))
}

/// Adds an exploratory note by `author` on `anchor` in transcript `t` inside a running command,
/// checking its text.
pub(crate) async fn insert_note(
    tx: &mut Tx,
    t: &Transcript,
    anchor: Anchor,
    kind: NoteKind,
    text: &str,
    author: &str,
    heard_ms: Option<u64>,
) -> Result<ExploratoryNote, AppError> {
    let note = ExploratoryNote {
        text: check_text("a note", text, MAX_NOTE_CHARS)?,
        id: new_id(),
        short: tx.next_short(ObjectKind::Note).await?,
        participant_id: t.participant_id.clone(),
        transcript_id: t.id.clone(),
        kind,
        author: author.to_owned(),
        created_at: now(),
        anchor,
        heard_ms,
    };
    tx.insert(&note).await?;
    Ok(note)
}

/// Adds an experiential statement by `author` of `case`, grounded in `anchors` and developed
/// from the notes `from_notes`, inside a running command, checking its text.
pub(crate) async fn new_statement(
    tx: &mut Tx,
    case: &ObjectId,
    text: &str,
    anchors: Vec<Anchor>,
    from_notes: &[ObjectId],
    author: &str,
    heard_ms: Option<u64>,
) -> Result<ExperientialStatement, AppError> {
    let s = ExperientialStatement {
        text: check_text("a statement", text, MAX_STATEMENT_CHARS)?,
        id: new_id(),
        short: tx.next_short(ObjectKind::Statement).await?,
        participant_id: case.clone(),
        anchors,
        from_notes: from_notes.to_vec(),
        author: author.to_owned(),
        created_at: now(),
        heard_ms,
    };
    tx.insert(&s).await?;
    Ok(s)
}

/// Chooses `anchor` in transcript `t` as an extract of theme `th` inside a running command; a
/// personal theme takes extracts of its own case only.
pub(crate) async fn insert_extract(
    tx: &mut Tx,
    th: &Theme,
    t: &Transcript,
    anchor: Anchor,
) -> Result<Extract, AppError> {
    if let Some(p) = th.participant_id() {
        if *p != t.participant_id {
            return Err(invalid!(
                "{} is a personal theme of another participant than {}'s",
                th.short_id(),
                t.short_id()
            ));
        }
    }
    let x = Extract {
        id: new_id(),
        short: tx.next_short(ObjectKind::Extract).await?,
        theme_id: th.id.clone(),
        participant_id: t.participant_id.clone(),
        transcript_id: t.id.clone(),
        anchor,
        created_at: now(),
    };
    tx.insert(&x).await?;
    Ok(x)
}

/// Writes a journal entry by `author` inside a running command, checking its text; `about` is
/// the object it is about and that object's participant, as [`resolve_any`] gives them.
pub(crate) async fn insert_journal(
    tx: &mut Tx,
    text: &str,
    about: Option<(ObjectId, Option<ObjectId>)>,
    author: &str,
) -> Result<JournalEntry, AppError> {
    let (about, participant_id) = match about {
        Some((id, p)) => (Some(id), p),
        None => (None, None),
    };
    let j = JournalEntry {
        text: check_text("a journal entry", text, MAX_NOTE_CHARS)?,
        id: new_id(),
        short: tx.next_short(ObjectKind::Journal).await?,
        author: author.to_owned(),
        created_at: now(),
        about,
        participant_id,
    };
    tx.insert(&j).await?;
    Ok(j)
}

fn where_(v: &TranscriptVersion, a: &Anchor) -> String {
    v.layout.span_lines(a.span()).to_string()
}

/// The notes a statement is developed from, each once, in the order given; every one must be of
/// the statement's case.
async fn source_notes(tx: &mut Tx, case: &ObjectId, references: &[String]) -> Result<Vec<ExploratoryNote>, AppError> {
    let mut notes: Vec<ExploratoryNote> = Vec::new();
    for r in references {
        let n = resolve_note(tx, r).await?;
        if &n.participant_id != case {
            return Err(invalid!(
                "note {} belongs to another participant; a statement stays within its case",
                n.short_id()
            ));
        }
        if !notes.iter().any(|x| x.id == n.id) {
            notes.push(n);
        }
    }
    Ok(notes)
}

pub(crate) async fn resolve_note(tx: &mut Tx, reference: impl Reference) -> Result<ExploratoryNote, AppError> {
    let id = reference.short_id(ObjectKind::Note)?;
    tx.by_short(id.number())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exploratory note {id} in this project")))
}

pub(crate) async fn resolve_statement(
    tx: &mut Tx,
    reference: impl Reference,
) -> Result<ExperientialStatement, AppError> {
    let id = reference.short_id(ObjectKind::Statement)?;
    tx.by_short(id.number()).await?.ok_or_else(|| AppError::NotFound(format!("no statement {id} in this project")))
}

pub(crate) async fn resolve_extract(tx: &mut Tx, reference: impl Reference) -> Result<Extract, AppError> {
    let id = reference.short_id(ObjectKind::Extract)?;
    tx.by_short(id.number()).await?.ok_or_else(|| AppError::NotFound(format!("no extract {id} in this project")))
}

impl Workbench {
    /// Adds an exploratory note of `kind` on a passage.
    pub async fn add_note(&self, target: &Target, kind: NoteKind, text: &str) -> Result<ExploratoryNote, AppError> {
        let mut tx = self.begin().await?;
        let (t, v, anchor) = anchor(&mut tx, target).await?;
        let note = insert_note(&mut tx, &t, anchor, kind, text, &self.author, target.heard_ms).await?;
        let summary = format!("add {kind} note {} on {}, {}", note.short_id(), t.short_id(), where_(&v, &note.anchor));
        tx.commit(Action::AddNote, &summary).await?;
        Ok(note)
    }

    /// Adds many notes in one command (one transaction, one undo step), e.g. from a batch file.
    pub async fn add_notes(&self, notes: &[(Target, NoteKind, String)]) -> Result<usize, AppError> {
        let mut tx = self.begin().await?;
        let mut versions: std::collections::HashMap<ObjectId, (Transcript, Arc<TranscriptVersion>)> =
            Default::default();
        let at = now();
        let mut shorts = tx.reserve_shorts(ObjectKind::Note, notes.len() as u32).await?;
        let mut made = Vec::with_capacity(notes.len());
        for (target, kind, text) in notes {
            let text = check_text("a note", text, MAX_NOTE_CHARS)?;
            if !versions.contains_key(&target.version) {
                let t = transcript_of(&mut tx, target).await?;
                let v = tx.version(&t.current_version).await?;
                versions.insert(target.version.clone(), (t, v));
            }
            let (t, v) = &versions[&target.version];
            let anchor = anchor_in(t, v, target)?;
            made.push(ExploratoryNote {
                id: new_id(),
                short: shorts.next().unwrap_or_default(),
                participant_id: t.participant_id.clone(),
                transcript_id: t.id.clone(),
                anchor,
                kind: *kind,
                text,
                author: self.author.clone(),
                created_at: at.clone(),
                heard_ms: target.heard_ms,
            });
        }
        tx.insert_many(&made).await?;
        tx.commit(Action::AddNotes, &format!("add {} notes", notes.len())).await?;
        Ok(notes.len())
    }

    /// Changes a note's kind or text.
    pub async fn edit_note(
        &self,
        reference: &str,
        kind: Option<NoteKind>,
        text: Option<&str>,
        expected: Option<&str>,
    ) -> Result<ExploratoryNote, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve_note(&mut tx, reference).await?;
        check_version(expected, &before, &format!("note {}", before.short_id()))?;
        let mut after = before.clone();
        if let Some(k) = kind {
            after.kind = k;
        }
        if let Some(t) = text {
            after.text = check_text("a note", t, MAX_NOTE_CHARS)?;
        }
        tx.update(&before, &after).await?;
        tx.commit(Action::EditNote, &format!("edit note {}", before.short_id())).await?;
        Ok(after)
    }

    /// Deletes a note; statements developed from it keep their text and lose the link.
    pub async fn delete_note(&self, reference: &str, expected: Option<&str>) -> Result<ExploratoryNote, AppError> {
        let mut tx = self.begin().await?;
        let note = resolve_note(&mut tx, reference).await?;
        check_version(expected, &note, &format!("note {}", note.short_id()))?;
        let statements: Vec<ExperientialStatement> = tx.of_participant(&note.participant_id).await?;
        for s in statements.into_iter().filter(|s| s.from_notes.contains(&note.id)) {
            let mut after = s.clone();
            after.from_notes.retain(|n| n != &note.id);
            tx.update(&s, &after).await?;
        }
        tx.delete(&note).await?;
        tx.commit(Action::DeleteNote, &format!("delete note {}", note.short_id())).await?;
        Ok(note)
    }

    /// Adds an experiential statement on a passage, developed from the given notes.
    pub async fn add_statement(
        &self,
        target: &Target,
        text: &str,
        from_notes: &[String],
    ) -> Result<ExperientialStatement, AppError> {
        let text = check_text("a statement", text, MAX_STATEMENT_CHARS)?;
        let mut tx = self.begin().await?;
        let (t, v, anchor) = anchor(&mut tx, target).await?;
        let notes: Vec<ObjectId> =
            source_notes(&mut tx, &t.participant_id, from_notes).await?.into_iter().map(|n| n.id).collect();
        let on = format!("on {}, {}", t.short_id(), where_(&v, &anchor));
        let s = new_statement(&mut tx, &t.participant_id, &text, vec![anchor], &notes, &self.author, target.heard_ms)
            .await?;
        Self::commit_statement(tx, s, on).await
    }

    /// Adds an experiential statement developed from exploratory notes, grounded in the
    /// passages those notes are on: the step from notes to statements the researcher takes
    /// with the notes in front of them, without selecting the text again. Overlapping or
    /// touching passages of one version become one.
    pub async fn add_statement_from_notes(
        &self,
        text: &str,
        from_notes: &[String],
    ) -> Result<ExperientialStatement, AppError> {
        let text = check_text("a statement", text, MAX_STATEMENT_CHARS)?;
        let mut tx = self.begin().await?;
        let Some(first) = from_notes.first() else {
            return Err(invalid!("a statement from notes needs at least one note"));
        };
        let case = resolve_note(&mut tx, first).await?.participant_id;
        let notes = source_notes(&mut tx, &case, from_notes).await?;
        let mut spans: Vec<(ObjectId, usize, usize)> = notes
            .iter()
            .map(|n| {
                (n.anchor.version_id().clone(), n.anchor.span().start().to_usize(), n.anchor.span().end().to_usize())
            })
            .collect();
        spans.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
        let mut merged: Vec<(ObjectId, usize, usize)> = Vec::new();
        for (version, start, end) in spans {
            match merged.last_mut() {
                Some(last) if last.0 == version && start <= last.2 => last.2 = last.2.max(end),
                _ => merged.push((version, start, end)),
            }
        }
        let mut anchors = Vec::with_capacity(merged.len());
        let mut places = Vec::new();
        for (version, start, end) in merged {
            let v = tx.version(&version).await?;
            let a = Anchor::new(&v, start, end).map_err(|e| invalid!("a passage of the notes: {e}"))?;
            places.push(where_(&v, &a));
            anchors.push(a);
        }
        let shorts: Vec<String> = notes.iter().map(|n| n.short_id().to_string()).collect();
        let on = format!("from {}, {}", shorts.join(", "), places.join("; "));
        let ids: Vec<ObjectId> = notes.into_iter().map(|n| n.id).collect();
        let s = new_statement(&mut tx, &case, &text, anchors, &ids, &self.author, None).await?;
        Self::commit_statement(tx, s, on).await
    }

    /// Commits the command that added statement `s`, grounded `on` (as its summary says).
    async fn commit_statement(tx: Tx, s: ExperientialStatement, on: String) -> Result<ExperientialStatement, AppError> {
        tx.commit(Action::AddStatement, &format!("add statement {} {on}", s.short_id())).await?;
        Ok(s)
    }

    /// Grounds a statement in one more passage of the same case.
    pub async fn add_statement_anchor(
        &self,
        reference: &str,
        target: &Target,
    ) -> Result<ExperientialStatement, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve_statement(&mut tx, reference).await?;
        let (t, _, anchor) = anchor(&mut tx, target).await?;
        if t.participant_id != before.participant_id {
            return Err(invalid!("{} belongs to another participant than {}", t.short_id(), before.short_id()));
        }
        if before.anchors.iter().any(|a| a.version_id() == anchor.version_id() && a.span() == anchor.span()) {
            return Err(AppError::Conflict(format!("{} is already anchored there", before.short_id())));
        }
        let mut after = before.clone();
        after.anchors.push(anchor);
        tx.update(&before, &after).await?;
        tx.commit(Action::AnchorStatement, &format!("add a passage of {} to {}", t.short_id(), before.short_id()))
            .await?;
        Ok(after)
    }

    /// Rewords a statement.
    pub async fn edit_statement(
        &self,
        reference: &str,
        text: &str,
        expected: Option<&str>,
    ) -> Result<ExperientialStatement, AppError> {
        let text = check_text("a statement", text, MAX_STATEMENT_CHARS)?;
        let mut tx = self.begin().await?;
        let before = resolve_statement(&mut tx, reference).await?;
        check_version(expected, &before, &format!("statement {}", before.short_id()))?;
        let mut after = before.clone();
        after.text = text;
        tx.update(&before, &after).await?;
        tx.commit(Action::EditStatement, &format!("edit statement {}", before.short_id())).await?;
        Ok(after)
    }

    /// Deletes a statement and its assignments to themes.
    pub async fn delete_statement(
        &self,
        reference: &str,
        expected: Option<&str>,
    ) -> Result<ExperientialStatement, AppError> {
        let mut tx = self.begin().await?;
        let s = resolve_statement(&mut tx, reference).await?;
        check_version(expected, &s, &format!("statement {}", s.short_id()))?;
        let assignments: Vec<Assignment> = tx.assignments_of_statement(&s.id).await?;
        for a in &assignments {
            tx.delete(a).await?;
        }
        tx.delete(&s).await?;
        tx.commit(Action::DeleteStatement, &format!("delete statement {}", s.short_id())).await?;
        Ok(s)
    }

    /// Chooses a passage as an extract illustrating a theme.
    pub async fn add_extract(&self, theme: &str, target: &Target) -> Result<Extract, AppError> {
        let mut tx = self.begin().await?;
        let th: Theme = themes::resolve(&mut tx, theme).await?;
        let (t, v, anchor) = anchor(&mut tx, target).await?;
        let x = insert_extract(&mut tx, &th, &t, anchor).await?;
        let summary = format!(
            "add extract {} for {} from {}, {}",
            x.short_id(),
            th.short_id(),
            t.short_id(),
            where_(&v, &x.anchor)
        );
        tx.commit(Action::AddExtract, &summary).await?;
        Ok(x)
    }

    /// Removes an extract.
    pub async fn delete_extract(&self, reference: &str, expected: Option<&str>) -> Result<Extract, AppError> {
        let mut tx = self.begin().await?;
        let x = resolve_extract(&mut tx, reference).await?;
        check_version(expected, &x, &format!("extract {}", x.short_id()))?;
        tx.delete(&x).await?;
        tx.commit(Action::DeleteExtract, &format!("delete extract {}", x.short_id())).await?;
        Ok(x)
    }

    /// Writes a reflexive journal entry, optionally about an object (`P1`/pseudonym, `T2`, `N3`,
    /// `S4`, `TH5`, `X6`).
    pub async fn add_journal(&self, text: &str, about: Option<&str>) -> Result<JournalEntry, AppError> {
        let mut tx = self.begin().await?;
        let about = match about {
            Some(r) => Some(resolve_any(&mut tx, r).await?),
            None => None,
        };
        let j = insert_journal(&mut tx, text, about, &self.author).await?;
        tx.commit(Action::AddJournalEntry, &format!("add journal entry {}", j.short_id())).await?;
        Ok(j)
    }
}

/// Resolves a reference to any object: its id and the participant it belongs to.
async fn resolve_any(tx: &mut Tx, reference: &str) -> Result<(ObjectId, Option<ObjectId>), AppError> {
    let r = reference.trim();
    let upper = r.to_ascii_uppercase();
    let digits =
        |p: &str| upper.strip_prefix(p).is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if digits("TH") {
        let t = themes::resolve(tx, r).await?;
        let p = t.participant_id().cloned();
        return Ok((t.id, p));
    }
    if digits("T") {
        let t = transcripts::resolve(tx, r).await?;
        return Ok((t.id, Some(t.participant_id)));
    }
    if digits("N") {
        let n = resolve_note(tx, r).await?;
        return Ok((n.id, Some(n.participant_id)));
    }
    if digits("S") {
        let s = resolve_statement(tx, r).await?;
        return Ok((s.id, Some(s.participant_id)));
    }
    if digits("X") {
        let x = resolve_extract(tx, r).await?;
        return Ok((x.id, Some(x.participant_id)));
    }
    let p: Participant = participants::resolve(tx, r).await?;
    Ok((p.id.clone(), Some(p.id)))
}

/// The statement or PET an assignment puts under a theme, and whose case it is.
pub(crate) fn member_participant(
    member: &Member,
    statement: Option<&ExperientialStatement>,
    theme: Option<&Theme>,
) -> Option<ObjectId> {
    match member {
        Member::Statement(_) => statement.map(|s| s.participant_id.clone()),
        Member::Theme(_) => theme.and_then(|t| t.participant_id().cloned()),
    }
}

pub(crate) async fn resolve_journal(tx: &mut Tx, reference: impl Reference) -> Result<JournalEntry, AppError> {
    let id = reference.short_id(ObjectKind::Journal)?;
    tx.by_short(id.number()).await?.ok_or_else(|| AppError::NotFound(format!("no journal entry {id} in this project")))
}

impl Workbench {
    /// On a team server a reflexive journal entry is its author's own: others may read it and
    /// answer with entries of their own, not rewrite or delete it.
    fn check_own(&self, j: &JournalEntry) -> Result<(), AppError> {
        if self.role.is_some() && j.author != self.author {
            return Err(AppError::Forbidden(format!(
                "journal entry {} is {}'s; only its author can change it",
                j.short_id(),
                j.author
            )));
        }
        Ok(())
    }

    /// Rewrites a journal entry.
    pub async fn edit_journal(
        &self,
        reference: &str,
        text: &str,
        expected: Option<&str>,
    ) -> Result<JournalEntry, AppError> {
        let text = check_text("a journal entry", text, MAX_NOTE_CHARS)?;
        let mut tx = self.begin().await?;
        let before = resolve_journal(&mut tx, reference).await?;
        self.check_own(&before)?;
        check_version(expected, &before, &format!("journal entry {}", before.short_id()))?;
        let mut after = before.clone();
        after.text = text;
        tx.update(&before, &after).await?;
        tx.commit(Action::EditJournalEntry, &format!("edit journal entry {}", before.short_id())).await?;
        Ok(after)
    }

    /// Deletes a journal entry.
    pub async fn delete_journal(&self, reference: &str, expected: Option<&str>) -> Result<JournalEntry, AppError> {
        let mut tx = self.begin().await?;
        let j = resolve_journal(&mut tx, reference).await?;
        self.check_own(&j)?;
        check_version(expected, &j, &format!("journal entry {}", j.short_id()))?;
        tx.delete(&j).await?;
        tx.commit(Action::DeleteJournalEntry, &format!("delete journal entry {}", j.short_id())).await?;
        Ok(j)
    }
}
