//! New transcript versions made from known edits (renaming a speaker, pseudonymisation),
//! with every anchor moved exactly through the edit.

use std::collections::BTreeMap;

use idiograph_model::{
    Anchor, AskedQuestion, ExperientialStatement, ExploratoryNote, Extract, SpeakerRole, SyncPoint, SyncPoints,
    Transcript, TranscriptVersion, Turn,
};
use idiograph_store::{Action, Tx};
use idiograph_text::{apply_edits, normalize, Edit, EditMap, Layout};

use crate::annotate::anchor;
use crate::error::invalid;
use crate::{new_id, now, transcripts, AppError, Target, Workbench};

/// The longest correction taken at once: a long turn, not a rewrite of the interview.
const MAX_CORRECTION_CHARS: usize = 20_000;

/// Moves an anchor on `from` to the new version through `map`; `None` if the passage vanished.
fn carry(anchor: &Anchor, to: &TranscriptVersion, map: &EditMap) -> Option<Anchor> {
    Anchor::from_span(to, map.map_span(anchor.span())).ok()
}

/// Gives the new text of a note or statement (named by its short id such as `N3`, with its
/// current text), or `None` to keep it.
pub(crate) type RewriteText<'a> = dyn FnMut(String, &str) -> Result<Option<String>, AppError> + Send + 'a;

/// What changes with a new version besides its text and speakers, each object written once.
pub(crate) struct Rewrite<'a> {
    /// A new title of the transcript.
    pub title: Option<String>,
    /// A new source file name of the version.
    pub file_name: Option<String>,
    /// A new text for a note or statement the version carries (given its short id such as `N3`
    /// and its text), or `None` to keep it.
    pub texts: &'a mut RewriteText<'a>,
}

impl Rewrite<'_> {
    /// Nothing besides the text and speakers.
    pub fn none<'k>(keep: &'k mut RewriteText<'k>) -> Rewrite<'k> {
        Rewrite { title: None, file_name: None, texts: keep }
    }
}

/// Makes version n+1 of `transcript` from `edits` on its current text, makes it current with
/// `speakers` and what `rewrite` says, and re-anchors notes, statements, extracts, the
/// interview guide's confirmed questions and the version's sync points (a row changes once per command, so an undo finds each
/// row as the command left it). Anchors whose passage was removed entirely stay on the old
/// version, where they remain valid. Returns the new version, how many anchors of notes,
/// statements and extracts were carried over, and for each line of the old version (from 1) the
/// line of the new version where its first word now is.
pub(crate) async fn new_version(
    tx: &mut Tx,
    transcript: &Transcript,
    edits: &[Edit],
    speakers: impl FnOnce(&[Turn], &[Turn]) -> BTreeMap<String, SpeakerRole>,
    rewrite: Rewrite<'_>,
) -> Result<(TranscriptVersion, usize, Vec<u32>), AppError> {
    let old = tx.version(&transcript.current_version).await?;
    let (text, map) = apply_edits(&old.text, edits).map_err(|e| invalid!("{}: {e}", transcript.short_id()))?;
    let params = tx.settings().await?.layout;
    let layout = Layout::compute(&text, params);
    let turns: Vec<Turn> = old
        .turns
        .iter()
        .map(|t| {
            let label_span = t.label_span.map(|s| map.map_span(s));
            Turn {
                span: map.map_span(t.span),
                label: label_span.map(|s| s.slice(&text).to_owned()).or_else(|| t.label.clone()),
                label_span,
                timestamp: t.timestamp.clone(),
            }
        })
        .collect();
    let speakers = speakers(&old.turns, &turns);
    let version = TranscriptVersion {
        id: new_id(),
        transcript_id: transcript.id.clone(),
        number: old.number + 1,
        text,
        layout,
        turns,
        provenance: match rewrite.file_name {
            Some(file_name) => idiograph_model::Provenance { file_name, ..old.provenance.clone() },
            None => old.provenance.clone(),
        },
        created_at: now(),
        units: Default::default(),
    };
    tx.insert_version(&version, &transcript.participant_id).await?;
    let mut after = transcript.clone();
    after.current_version = version.id.clone();
    after.speakers = speakers;
    if let Some(title) = rewrite.title {
        after.title = title;
    }
    tx.update(transcript, &after).await?;

    let mut moved = 0;
    let notes: Vec<ExploratoryNote> = tx.of_transcript(&transcript.id).await?;
    for n in notes.iter().filter(|n| n.anchor.version_id() == &old.id) {
        if let Some(anchor) = carry(&n.anchor, &version, &map) {
            let mut m = n.clone();
            m.anchor = anchor;
            if let Some(text) = (rewrite.texts)(n.short_id().to_string(), &n.text)? {
                m.text = text;
            }
            tx.update(n, &m).await?;
            moved += 1;
        }
    }
    let extracts: Vec<Extract> = tx.of_transcript(&transcript.id).await?;
    for x in extracts.iter().filter(|x| x.anchor.version_id() == &old.id) {
        if let Some(anchor) = carry(&x.anchor, &version, &map) {
            let mut m = x.clone();
            m.anchor = anchor;
            tx.update(x, &m).await?;
            moved += 1;
        }
    }
    let asked: Vec<AskedQuestion> = tx.of_transcript(&transcript.id).await?;
    for a in asked.iter().filter(|a| a.anchor.version_id() == &old.id) {
        if let Some(anchor) = carry(&a.anchor, &version, &map) {
            tx.update(a, &AskedQuestion { anchor, ..a.clone() }).await?;
        }
    }
    // The times of the text move with it, as anchors do; two places that become one keep the
    // earlier time.
    if let Some(synced) = crate::recordings::sync_points_of(tx, &old.id).await? {
        let mut points: Vec<SyncPoint> = Vec::with_capacity(synced.points.len());
        for p in &synced.points {
            let position = map.map_offset(p.position, false);
            if points.last().is_none_or(|q| q.position < position) {
                points.push(SyncPoint { position, time_ms: p.time_ms });
            }
        }
        tx.update(&synced, &SyncPoints { version_id: version.id.clone(), points, ..synced.clone() }).await?;
    }
    let statements: Vec<ExperientialStatement> = tx.of_participant(&transcript.participant_id).await?;
    for s in statements.iter().filter(|s| s.anchors.iter().any(|a| a.version_id() == &old.id)) {
        let mut m = s.clone();
        if let Some(text) = (rewrite.texts)(s.short_id().to_string(), &s.text)? {
            m.text = text;
        }
        for a in m.anchors.iter_mut().filter(|a| a.version_id() == &old.id) {
            if let Some(anchor) = carry(a, &version, &map) {
                *a = anchor;
                moved += 1;
            }
        }
        tx.update(s, &m).await?;
    }
    let lines = (1..=old.layout.line_count())
        .filter_map(|g| old.layout.line_span(g))
        .map(|span| version.layout.position(map.map_span(span).start()).global)
        .collect();
    Ok((version, moved, lines))
}

impl Workbench {
    /// Renames a speaker label everywhere in a transcript (e.g. a display name → a pseudonym).
    /// The text changes, so this makes a new version; every anchor moves with it.
    pub async fn rename_speaker(
        &self,
        transcript: &str,
        label: &str,
        new_label: &str,
    ) -> Result<TranscriptVersion, AppError> {
        let new_label = new_label.trim();
        if new_label.is_empty()
            || new_label.contains(':')
            || new_label.contains(char::is_control)
            || new_label.chars().count() > 60
        {
            return Err(invalid!(
                "a speaker label must be 1–60 characters without ':', line breaks or control characters"
            ));
        }
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let Some(role) = t.speakers.get(label).copied() else {
            let known: Vec<&str> = t.speakers.keys().map(String::as_str).collect();
            return Err(AppError::NotFound(format!(
                "no speaker '{label}' in {} (speakers: {})",
                t.short_id(),
                known.join(", ")
            )));
        };
        if label != new_label && t.speakers.contains_key(new_label) {
            return Err(AppError::Conflict(format!("{} already has a speaker '{new_label}'", t.short_id())));
        }
        let current = tx.version(&t.current_version).await?;
        let edits: Vec<Edit> = current
            .turns
            .iter()
            .filter(|turn| turn.label.as_deref() == Some(label))
            .filter_map(|turn| turn.label_span)
            .map(|span| Edit { span, with: new_label.to_owned() })
            .collect();
        let mut speakers = t.speakers.clone();
        speakers.remove(label);
        speakers.insert(new_label.to_owned(), role);
        let (version, moved, _) =
            new_version(&mut tx, &t, &edits, |_, _| speakers, Rewrite::none(&mut |_, _| Ok(None))).await?;
        let summary = format!(
            "rename a speaker of {} in {} turns (version {}; {moved} anchors carried over)",
            t.short_id(),
            edits.len(),
            version.number
        );
        tx.commit(Action::RenameSpeaker, &summary).await?;
        Ok(version)
    }

    /// Corrects the words of one passage of a transcript (what a researcher does while listening
    /// to the recording: a misheard word, a missed phrase), making a new version that carries
    /// every note, statement, extract, confirmed question and recording time exactly, as
    /// pseudonymisation does. One correction is one command, so one undo takes it back.
    ///
    /// The passage must lie within the words of one speaker turn (a label or a cue time is
    /// changed by renaming the speaker, not here), and `text` must not open a new turn (a blank
    /// line) or differ from nothing.
    pub async fn correct_words(&self, target: &Target, text: &str) -> Result<TranscriptVersion, AppError> {
        let with = normalize(text);
        if with.contains("\n\n") {
            return Err(invalid!("a correction cannot hold a blank line: it would look like a new speaker turn"));
        }
        if with.chars().count() > MAX_CORRECTION_CHARS {
            return Err(invalid!(
                "a correction is longer than {MAX_CORRECTION_CHARS} characters; correct one turn at a time"
            ));
        }
        let mut tx = self.begin().await?;
        let (t, v, _) = anchor(&mut tx, target).await?;
        let span = target.span();
        let (start, end) = (span.start().to_usize(), span.end().to_usize());
        let turn = v.turn_at(start.min(v.text.len().saturating_sub(1)));
        let words = turn.map_or(0, |turn| turn.words_start(&v.text));
        let within = turn.is_some_and(|turn| start >= words && end <= turn.span.end().to_usize());
        if !within {
            return Err(invalid!(
                "{}, {}: a correction must lie within the words of one speaker turn (not its label or time)",
                t.short_id(),
                v.layout.span_lines(span)
            ));
        }
        if span.slice(&v.text) == with {
            return Err(invalid!("{}, {}: the correction changes nothing", t.short_id(), v.layout.span_lines(span)));
        }
        let where_ = v.layout.span_lines(span).to_string();
        let edits = [Edit { span, with }];
        let (version, moved, _) =
            new_version(&mut tx, &t, &edits, |_, _| t.speakers.clone(), Rewrite::none(&mut |_, _| Ok(None))).await?;
        let summary = format!(
            "correct the words of {}, {where_} (version {}; {moved} anchors carried over)",
            t.short_id(),
            version.number
        );
        tx.commit(Action::CorrectTranscript, &summary).await?;
        Ok(version)
    }
}
