//! Search and retrieval across the whole study: full-text search with keyword-in-context hits,
//! theme retrieval, the theme × participant matrix and word frequencies.
//!
//! The full-text index ([`idiograph_search::SearchIndex`]) is derived data kept beside the
//! project file (`PROJECT.idg.search/`), never inside it. Its commit payload records which state
//! of the project it reflects: the audit log's origin and last sequence number. Before every
//! search the index is brought up to that state: the rows changed since (from `audit_change`,
//! undo and redo included) are re-indexed; a withdrawal since, a different project, another
//! index format, a missing or unreadable index, or a very long list of changes rebuild it
//! whole. Hits are then checked against the current text (the transcript's current version,
//! the note's current wording) before they are returned; a mismatch rebuilds the index and
//! searches again, so a passage that no longer exists is never shown.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use idiograph_model::{
    ExperientialStatement, ExploratoryNote, Extract, JournalEntry, Member, NoteKind, ObjectId, ObjectKind, Participant,
    ShortId, SpeakerRole, Theme, Transcript, TranscriptVersion,
};
use idiograph_search::{DocKind, Filter, Found, Options, Passage, SearchError, SearchIndex};
use idiograph_store::{Backend, StoredKind, Tx};
use idiograph_text::{Span, TextSize};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value as Json};

use crate::{participants, themes, AppError, Workbench};

/// Above this many changed rows, rebuilding is simpler than updating.
const REBUILD_ABOVE: usize = 2000;
/// Characters of context either side of a hit in a keyword-in-context line.
const KWIC_CHARS: usize = 60;

/// What to search for and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The query (see [`idiograph_search::parse`]), or a regular expression with `regex`.
    pub query: String,
    /// Only this participant (pseudonym or `P2`).
    pub participant: Option<String>,
    /// Only participants with this attribute value (`key`, `value`; the value ignores case).
    pub attribute: Option<(String, String)>,
    /// Only what speakers of this role said (transcript passages only).
    pub role: Option<SpeakerRole>,
    /// Only inside passages coded to this theme (`TH3`): statement anchors of its PETs and its
    /// extracts, on the transcripts' current versions.
    pub theme: Option<String>,
    /// Only one kind of text, or only notes of one kind.
    pub kind: Option<SearchKind>,
    /// Treat the query as a regular expression (case-insensitive) over the raw text.
    pub regex: bool,
    /// Match English word stems (on by default).
    pub stem: bool,
    /// Return at most this many hits (counts cover all).
    pub limit: usize,
    /// Skip this many hits first.
    pub offset: usize,
}

impl SearchRequest {
    /// A plain query with the defaults: stemming on, the first 100 hits.
    pub fn new(query: &str) -> SearchRequest {
        SearchRequest {
            query: query.to_owned(),
            participant: None,
            attribute: None,
            role: None,
            theme: None,
            kind: None,
            regex: false,
            stem: true,
            limit: 100,
            offset: 0,
        }
    }
}

/// Which texts a search keeps: one kind of text (`transcript`, `note`, `statement`, `theme`,
/// `journal`) or the exploratory notes of one kind (`descriptive`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Only texts of this kind.
    Text(DocKind),
    /// Only exploratory notes of this kind.
    Notes(NoteKind),
}

impl SearchKind {
    /// Every kind a search can keep, in the order help texts list them.
    pub const ALL: &'static [SearchKind] = &[
        SearchKind::Text(DocKind::Transcript),
        SearchKind::Text(DocKind::Note),
        SearchKind::Text(DocKind::Statement),
        SearchKind::Text(DocKind::Theme),
        SearchKind::Text(DocKind::Journal),
        SearchKind::Notes(NoteKind::Descriptive),
        SearchKind::Notes(NoteKind::Linguistic),
        SearchKind::Notes(NoteKind::Conceptual),
        SearchKind::Notes(NoteKind::Free),
    ];

    /// The word naming it.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Text(k) => k.as_str(),
            SearchKind::Notes(k) => k.as_str(),
        }
    }
}

/// A kind of text (singular or plural) or a note kind, ignoring letter case; a word that is
/// neither is refused as a note kind.
impl std::str::FromStr for SearchKind {
    type Err = idiograph_model::UnknownWord;

    fn from_str(word: &str) -> Result<SearchKind, Self::Err> {
        match DocKind::parse(word) {
            Some(kind) => Ok(SearchKind::Text(kind)),
            None => word.parse().map(SearchKind::Notes),
        }
    }
}

/// A piece of the middle of a keyword-in-context line: a word or phrase of the query, or the
/// text between two of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct KwicPiece {
    /// The text, white space collapsed; a long stretch between two words is shortened with `…`.
    pub text: String,
    /// Whether it is a word or phrase of the query (shown highlighted).
    pub hit: bool,
}

/// One hit: one occurrence of the query, as a keyword-in-context line with every word of the
/// query in it highlighted (see [`idiograph_search::Hit`]). This is the search hit's view: the
/// command line's `--json` and `/api/v1/search` serialise it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SearchHit {
    /// `transcript`, `note`, `statement`, `theme` or `journal`.
    pub source: &'static str,
    /// The object hit, e.g. `T2`, `N14`, `TH3`.
    pub object: String,
    /// The participant's pseudonym, if the object belongs to one.
    pub participant: Option<String>,
    /// The participant's short id, e.g. `P1`.
    pub participant_id: Option<String>,
    /// The transcript (`T2`) for transcript hits and notes.
    pub transcript: Option<String>,
    /// The speaker role of a transcript hit.
    pub role: Option<String>,
    /// UTF-8 byte offsets of the hit, from its first highlighted word to its last: into the
    /// transcript's current version for transcript hits, into the object's own text otherwise.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// The highlighted words and phrases in the same offsets, sorted.
    pub ranges: Vec<HitRange>,
    /// The number of the passage the hit is in, from 0 in result order over the whole result
    /// (not only the page of hits returned); hits of one passage share it.
    pub passage: usize,
    /// Page of the hit (transcripts) or of the annotated passage (notes, statements).
    pub page: Option<u32>,
    /// Line on that page.
    pub line: Option<u32>,
    /// Line number counted across pages: where the workbench shows it.
    pub global_line: Option<u32>,
    /// The citation, e.g. "(Rachel, p. 2, l. 7)"; empty for themes and journal entries.
    pub citation: String,
    /// Context before the hit (one line, white space collapsed).
    pub before: String,
    /// The hit as written, from its first highlighted word to its last (white space collapsed).
    #[serde(rename = "match")]
    pub matched: String,
    /// The hit in pieces, its words highlighted: what the page and the terminal show.
    pub pieces: Vec<KwicPiece>,
    /// Context after the hit.
    pub after: String,
    /// The keyword-in-context line: before, hit and after.
    pub kwic: String,
}

/// A highlighted word or phrase of a hit: `[start, end)` in UTF-8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HitRange {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
}

/// Hits of one participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ParticipantCount {
    /// `P1`.
    pub participant_id: String,
    /// The pseudonym.
    pub participant: String,
    /// Hits.
    pub hits: usize,
    /// Passages with hits.
    pub passages: usize,
}

/// What a search found: the view the command line's `--json` and `/api/v1/search` give.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SearchResults {
    /// Hits in all.
    pub total: usize,
    /// Passages with hits, in all.
    pub passages: usize,
    /// The requested page of hits, in study order (participant, transcript, position).
    pub hits: Vec<SearchHit>,
    /// Hits per participant, every participant listed (zero included), in study order.
    pub per_participant: Vec<ParticipantCount>,
}

/// A passage coded to a theme, with context lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemePassage {
    /// The theme it is coded to through (`TH3`: a PET, or the GET itself for an extract).
    pub theme: String,
    /// What codes it: a statement (`S4`) or an extract (`X2`).
    pub via: String,
    /// The statement's wording (empty for an extract).
    pub statement: String,
    /// `P1`.
    pub participant_id: String,
    /// The pseudonym.
    pub participant: String,
    /// `T2`.
    pub transcript: String,
    /// Byte offsets in the anchored version.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// "(Rachel, p. 2, ll. 7–9)".
    pub citation: String,
    /// Whole lines before the passage (as many as asked for).
    pub before: Vec<String>,
    /// The passage itself.
    pub text: String,
    /// Whole lines after it.
    pub after: Vec<String>,
    /// Its first line, counted across pages: where the workbench shows it.
    pub global_line: u32,
    /// Whether the anchor is on the transcript's current version.
    pub current: bool,
}

/// One row of a matrix query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    /// `TH3`.
    pub theme: String,
    /// Its title.
    pub title: String,
    /// The passages per column (their counts are the cells).
    pub cells: Vec<Vec<ThemePassage>>,
}

/// Themes × participants (or attribute values), each cell the passages coded there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Column keys: `P1`… or attribute values (`(none)` for participants without it).
    pub columns: Vec<String>,
    /// Column labels: pseudonyms or attribute values.
    pub labels: Vec<String>,
    /// One row per theme asked for.
    pub rows: Vec<MatrixRow>,
}

impl Matrix {
    /// The matrix as JSON: counts and, per cell, the citations of its passages.
    pub fn to_json(&self) -> Json {
        json!({
            "columns": self.columns.iter().zip(&self.labels).map(|(c, l)| json!({"key": c, "label": l})).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|r| json!({
                "theme": r.theme, "title": r.title,
                "counts": r.cells.iter().map(Vec::len).collect::<Vec<_>>(),
                "cells": r.cells.iter().map(|c| c.iter().map(passage_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A theme passage as JSON.
pub fn passage_json(p: &ThemePassage) -> Json {
    json!({
        "theme": p.theme, "via": p.via, "statement": p.statement, "participant_id": p.participant_id,
        "participant": p.participant, "transcript": p.transcript, "start": p.start, "end": p.end,
        "citation": p.citation, "before": p.before, "text": p.text, "after": p.after, "global_line": p.global_line,
        "current": p.current,
    })
}

/// Word counts of one participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordCounts {
    /// `P1`.
    pub participant_id: String,
    /// The pseudonym.
    pub participant: String,
    /// Words and counts, most frequent first.
    pub words: Vec<(String, u64)>,
}

// ---------------------------------------------------------------------------------------------
// The index beside the project, kept current by audit sequence.

struct Handle {
    ix: SearchIndex,
    dir: PathBuf,
    sync: tokio::sync::Mutex<()>,
}

/// Open indexes of this process, by folder: one tantivy index (and writer at a time) per folder.
fn registry() -> &'static Mutex<HashMap<PathBuf, Arc<Handle>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Arc<Handle>>>> = OnceLock::new();
    OPEN.get_or_init(|| Mutex::new(HashMap::new()))
}

fn index_error(e: SearchError) -> AppError {
    match e {
        SearchError::Query(m) => AppError::Invalid(m),
        SearchError::Index(m) => AppError::Index(m),
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    origin: String,
    seq: i64,
}

impl Stamp {
    fn encode(&self) -> String {
        json!({"format": idiograph_search::FORMAT, "origin": self.origin, "seq": self.seq}).to_string()
    }

    fn decode(s: &str) -> Option<Stamp> {
        let v: Json = serde_json::from_str(s).ok()?;
        if v.get("format")?.as_u64()? != u64::from(idiograph_search::FORMAT) {
            return None;
        }
        Some(Stamp { origin: v.get("origin")?.as_str()?.to_owned(), seq: v.get("seq")?.as_i64()? })
    }
}

/// Everything but texts, read in one transaction: enough to resolve filters and label hits.
struct Light {
    participants: Vec<Participant>,
    transcripts: Vec<Transcript>,
    themes: Vec<Theme>,
    statements: Vec<ExperientialStatement>,
    extracts: Vec<Extract>,
    assignments: Vec<idiograph_model::Assignment>,
}

impl Light {
    async fn read(tx: &mut Tx) -> Result<Light, AppError> {
        Ok(Light {
            participants: tx.all().await?,
            transcripts: tx.all().await?,
            themes: tx.all().await?,
            statements: tx.all().await?,
            extracts: tx.all().await?,
            assignments: tx.all().await?,
        })
    }

    fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id.as_str() == id)
    }

    fn transcript(&self, id: &str) -> Option<&Transcript> {
        self.transcripts.iter().find(|t| t.id.as_str() == id)
    }

    /// The theme and everything beneath it: sub-themes and, for a GET, its PETs (and theirs).
    fn theme_family(&self, root: &ObjectId) -> Vec<ObjectId> {
        let mut out = vec![root.clone()];
        let mut i = 0;
        while i < out.len() {
            let id = out[i].clone();
            for t in &self.themes {
                if t.parent.as_ref() == Some(&id) && !out.contains(&t.id) {
                    out.push(t.id.clone());
                }
            }
            for a in &self.assignments {
                if let Member::Theme(m) = &a.member {
                    if a.theme_id == id && !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
            i += 1;
        }
        out
    }
}

fn order_key(kind: DocKind, participant_short: u32, object_short: u32) -> u64 {
    let rank = DocKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u64;
    (rank << 60) | ((u64::from(participant_short) & 0x0fff_ffff) << 32) | u64::from(object_short)
}

/// The passages of a transcript's version: one per speaker turn, and one per paragraph of the
/// text outside turns.
fn transcript_passages(t: &Transcript, v: &TranscriptVersion, participant_short: u32) -> Vec<Passage> {
    let order = order_key(DocKind::Transcript, participant_short, t.short);
    let make = |start: usize, end: usize, role: Option<String>| Passage {
        kind: DocKind::Transcript,
        object: t.id.as_str().to_owned(),
        participant: Some(t.participant_id.as_str().to_owned()),
        role,
        note_kind: None,
        version: Some(v.id.as_str().to_owned()),
        base: TextSize::new(start as u32),
        order,
        text: v.text[start..end].to_owned(),
    };
    let mut out = Vec::new();
    let gap = |from: usize, to: usize, out: &mut Vec<Passage>| {
        let mut s = from;
        while s < to {
            let e = v.text[s..to].find("\n\n").map_or(to, |i| s + i + 2);
            if !v.text[s..e].trim().is_empty() {
                out.push(make(s, e, None));
            }
            s = e;
        }
    };
    let mut at = 0;
    for turn in &v.turns {
        let (s, e) = (turn.span.start().to_usize(), turn.span.end().to_usize());
        if s < at || e > v.text.len() {
            continue;
        }
        gap(at, s, &mut out);
        let role = turn.label.as_ref().and_then(|l| t.speakers.get(l)).map(|r| r.as_str().to_owned());
        out.push(make(s, e, role));
        at = e;
    }
    gap(at, v.text.len(), &mut out);
    out
}

fn note_passage(n: &ExploratoryNote, pshort: u32) -> Passage {
    Passage {
        kind: DocKind::Note,
        object: n.id.as_str().to_owned(),
        participant: Some(n.participant_id.as_str().to_owned()),
        role: None,
        note_kind: Some(n.kind.as_str().to_owned()),
        version: None,
        base: TextSize::new(0),
        order: order_key(DocKind::Note, pshort, n.short),
        text: n.text.clone(),
    }
}

fn statement_passage(s: &ExperientialStatement, pshort: u32) -> Passage {
    Passage {
        kind: DocKind::Statement,
        object: s.id.as_str().to_owned(),
        participant: Some(s.participant_id.as_str().to_owned()),
        role: None,
        note_kind: None,
        version: None,
        base: TextSize::new(0),
        order: order_key(DocKind::Statement, pshort, s.short),
        text: s.text.clone(),
    }
}

/// A theme's searchable text: title, description and note, one per line.
fn theme_text(t: &Theme) -> String {
    let mut s = t.title.clone();
    for extra in [&t.description, &t.note].into_iter().flatten() {
        s.push('\n');
        s.push_str(extra);
    }
    s
}

fn theme_passage(t: &Theme, pshort: u32) -> Passage {
    Passage {
        kind: DocKind::Theme,
        object: t.id.as_str().to_owned(),
        participant: t.participant_id().map(|p| p.as_str().to_owned()),
        role: None,
        note_kind: None,
        version: None,
        base: TextSize::new(0),
        order: order_key(DocKind::Theme, pshort, t.short),
        text: theme_text(t),
    }
}

fn journal_passage(j: &JournalEntry, pshort: u32) -> Passage {
    Passage {
        kind: DocKind::Journal,
        object: j.id.as_str().to_owned(),
        participant: j.participant_id.as_ref().map(|p| p.as_str().to_owned()),
        role: None,
        note_kind: None,
        version: None,
        base: TextSize::new(0),
        order: order_key(DocKind::Journal, pshort, j.short),
        text: j.text.clone(),
    }
}

/// How a change to the index starts, before passages are added.
#[derive(Clone)]
enum Start {
    /// Remove every passage: a rebuild.
    Clear,
    /// Remove the passages of these objects (their passages as they are now are added again).
    Remove(Vec<String>),
}

/// The index's writer, held by a blocking thread that adds the passages it is sent, so that
/// indexing never runs on the async threads. Nothing is visible until [`Writer::commit`];
/// dropped before, the change is abandoned and the index stays as it was.
struct Writer {
    passages: tokio::sync::mpsc::Sender<Passage>,
    commit: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Result<(), SearchError>>,
}

/// How many passages may wait for the writer's thread: enough to keep it busy, few enough
/// that a rebuild never holds every passage of the study in memory.
const PASSAGES_IN_FLIGHT: usize = 256;

impl Writer {
    /// Takes the writer of `h`'s index with `threads` indexing threads and starts a change that
    /// will be committed with `stamp`, waiting (up to 20 s, on the async timer, never with a
    /// sleeping thread) while another process changes the index.
    async fn take(h: &Arc<Handle>, threads: usize, start: Start, stamp: &str) -> Result<Writer, AppError> {
        let mut waited = 0;
        loop {
            let (ready, is_ready) = tokio::sync::oneshot::channel();
            let (passages, mut receive) = tokio::sync::mpsc::channel::<Passage>(PASSAGES_IN_FLIGHT);
            let (commit, committed) = tokio::sync::oneshot::channel::<()>();
            let (h2, start, stamp) = (h.clone(), start.clone(), stamp.to_owned());
            let done = tokio::task::spawn_blocking(move || {
                let mut update = match h2.ix.update(threads) {
                    Ok(u) => u,
                    Err(e) => {
                        let _ = ready.send(Some(e));
                        return Ok(());
                    }
                };
                if ready.send(None).is_err() {
                    return Ok(());
                }
                match start {
                    Start::Clear => update.clear()?,
                    Start::Remove(ids) => ids.iter().for_each(|id| update.remove_object(id)),
                }
                while let Some(p) = receive.blocking_recv() {
                    update.add(&p)?;
                }
                match committed.blocking_recv() {
                    Ok(()) => update.commit(&stamp),
                    // The caller gave up (an error on its side): the change is abandoned.
                    Err(_) => Ok(()),
                }
            });
            match is_ready.await {
                Ok(None) => return Ok(Writer { passages, commit, done }),
                Ok(Some(_)) if waited < 200 => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    waited += 1;
                }
                Ok(Some(e)) => return Err(index_error(e)),
                Err(_) => return Err(finished(done).await.err().unwrap_or_else(thread_stopped)),
            }
        }
    }

    /// Sends one passage to the index; fails with the writer's error if its thread stopped.
    async fn add(&mut self, p: Passage) -> Result<(), AppError> {
        if self.passages.send(p).await.is_err() {
            return Err(match (&mut self.done).await {
                Ok(Err(e)) => index_error(e),
                _ => thread_stopped(),
            });
        }
        Ok(())
    }

    /// Makes the change visible with its stamp; reports any error of the writer's thread.
    async fn commit(self) -> Result<(), AppError> {
        drop(self.passages);
        let _ = self.commit.send(());
        finished(self.done).await
    }
}

/// The outcome of the writer's thread.
async fn finished(done: tokio::task::JoinHandle<Result<(), SearchError>>) -> Result<(), AppError> {
    match done.await {
        Ok(result) => result.map_err(index_error),
        Err(_) => Err(thread_stopped()),
    }
}

fn thread_stopped() -> AppError {
    AppError::Index("a thread working on the search index stopped unexpectedly".into())
}

/// The open index in `dir` (of a server project when `server`): the one this process has
/// open, or opened now, made anew if missing or unreadable.
fn open_handle(dir: PathBuf, server: bool) -> Result<Arc<Handle>, AppError> {
    let mut open = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(h) = open.get(&dir) {
        // Someone may have deleted the folder: then it is made again.
        if h.dir.join("meta.json").exists() {
            return Ok(h.clone());
        }
    }
    if server {
        private::folder(&private::cache_root())?;
    }
    private::folder(&dir)?;
    let (ix, _) = SearchIndex::open(&dir).map_err(index_error)?;
    // Opening may have made the folder anew.
    private::folder(&dir)?;
    let h = Arc::new(Handle { ix, dir: dir.clone(), sync: tokio::sync::Mutex::new(()) });
    open.insert(dir, h.clone());
    Ok(h)
}

async fn get_opt<T: idiograph_store_codec::Readable>(tx: &mut Tx, id: &str) -> Result<Option<T>, AppError> {
    match T::read(tx, id).await {
        Ok(v) => Ok(Some(v)),
        Err(idiograph_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A small local trait so `get_opt` can name the store's (private) codec bound.
mod idiograph_store_codec {
    use idiograph_model::{ExperientialStatement, ExploratoryNote, JournalEntry, ObjectId, Theme, Transcript};
    use idiograph_store::{StoreError, Tx};

    pub(super) trait Readable: Sized {
        async fn read(tx: &mut Tx, id: &str) -> Result<Self, StoreError>;
    }

    macro_rules! readable {
        ($($t:ty),*) => {$(
            impl Readable for $t {
                async fn read(tx: &mut Tx, id: &str) -> Result<Self, StoreError> {
                    tx.get::<$t>(&ObjectId::new(id)).await
                }
            }
        )*};
    }
    readable!(Transcript, ExploratoryNote, ExperientialStatement, Theme, JournalEntry);
}

impl Workbench {
    /// Where the search index of this project lives: beside a project file
    /// (`PROJECT.idg.search/`); for a server project, in this user's private folder in the
    /// temporary folder (`idiograph-UID/search/`), one per project. Either folder is made
    /// readable by its owner only (0700, files 0600).
    pub fn search_index_dir(&self) -> PathBuf {
        match self.store.backend() {
            Backend::Sqlite { path } => idiograph_store::beside(path, ".search"),
            // A server project: a per-process index in the temporary folder, kept current from
            // the same change feed (audit sequence) as a file's.
            #[allow(unreachable_patterns)]
            _ => private::cache_root().join("search").join(self.index_name()),
        }
    }

    /// The folder name of a server project's index: the store's name, as a file name.
    fn index_name(&self) -> String {
        self.store.name().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
    }

    /// The open index of this project, opened (or made) on a blocking thread if needed.
    async fn search_handle(&self) -> Result<Arc<Handle>, AppError> {
        let dir = self.search_index_dir();
        let server = matches!(self.store.backend(), Backend::Postgres { .. });
        tokio::task::spawn_blocking(move || open_handle(dir, server)).await.map_err(|_| thread_stopped())?
    }

    /// Brings the index up to the project's current state (see the module documentation);
    /// `rebuild` forces a full rebuild.
    async fn sync_index(&self, h: &Arc<Handle>, rebuild: bool) -> Result<(), AppError> {
        let _guard = h.sync.lock().await;
        let mut tx = self.store.read().await?;
        let (origin, seq) = tx.audit_position().await?;
        let now = Stamp { origin: origin.clone(), seq };
        let had = h.ix.stamp().as_deref().and_then(Stamp::decode);
        let changes = match &had {
            _ if rebuild => None,
            Some(s) if s.origin == origin && s.seq == seq => return Ok(()),
            Some(s) if s.origin == origin && s.seq < seq => tx.changes_since(s.seq).await?,
            _ => None,
        };
        let shorts: HashMap<String, u32> =
            tx.all::<Participant>().await?.into_iter().map(|p| (p.id.as_str().to_owned(), p.short)).collect();
        let pshort = |id: Option<&ObjectId>| id.and_then(|i| shorts.get(i.as_str()).copied()).unwrap_or(0);
        let mut passages: Vec<Passage> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        let full = match changes {
            Some(c) if c.len() <= REBUILD_ABOVE => {
                for (kind, id) in c {
                    match kind {
                        StoredKind::Transcript => {
                            removed.push(id.as_str().to_owned());
                            if let Some(t) = get_opt::<Transcript>(&mut tx, id.as_str()).await? {
                                let v = tx.version(&t.current_version).await?;
                                passages.extend(transcript_passages(&t, &v, pshort(Some(&t.participant_id))));
                            }
                        }
                        StoredKind::Note => {
                            removed.push(id.as_str().to_owned());
                            if let Some(n) = get_opt::<ExploratoryNote>(&mut tx, id.as_str()).await? {
                                passages.push(note_passage(&n, pshort(Some(&n.participant_id))));
                            }
                        }
                        StoredKind::Statement => {
                            removed.push(id.as_str().to_owned());
                            if let Some(s) = get_opt::<ExperientialStatement>(&mut tx, id.as_str()).await? {
                                passages.push(statement_passage(&s, pshort(Some(&s.participant_id))));
                            }
                        }
                        StoredKind::Theme => {
                            removed.push(id.as_str().to_owned());
                            if let Some(t) = get_opt::<Theme>(&mut tx, id.as_str()).await? {
                                passages.push(theme_passage(&t, pshort(t.participant_id())));
                            }
                        }
                        StoredKind::Journal => {
                            removed.push(id.as_str().to_owned());
                            if let Some(j) = get_opt::<JournalEntry>(&mut tx, id.as_str()).await? {
                                passages.push(journal_passage(&j, pshort(j.participant_id.as_ref())));
                            }
                        }
                        _ => {}
                    }
                }
                false
            }
            _ => true,
        };
        let stamp = now.encode();
        if !full {
            let mut writer = Writer::take(h, 1, Start::Remove(removed), &stamp).await?;
            for p in passages {
                writer.add(p).await?;
            }
            return writer.commit().await;
        }
        // A full rebuild, one transcript at a time so that memory stays small.
        let transcripts: Vec<Transcript> = tx.all().await?;
        let notes: Vec<ExploratoryNote> = tx.all().await?;
        let statements: Vec<ExperientialStatement> = tx.all().await?;
        let themes: Vec<Theme> = tx.all().await?;
        let journal: Vec<JournalEntry> = tx.all().await?;
        let mut writer = Writer::take(h, 2, Start::Clear, &stamp).await?;
        for t in &transcripts {
            let v = tx.version(&t.current_version).await?;
            for p in transcript_passages(t, &v, pshort(Some(&t.participant_id))) {
                writer.add(p).await?;
            }
        }
        let rest = notes
            .iter()
            .map(|n| note_passage(n, pshort(Some(&n.participant_id))))
            .chain(statements.iter().map(|s| statement_passage(s, pshort(Some(&s.participant_id)))))
            .chain(themes.iter().map(|t| theme_passage(t, pshort(t.participant_id()))))
            .chain(journal.iter().map(|j| journal_passage(j, pshort(j.participant_id.as_ref()))));
        for p in rest {
            writer.add(p).await?;
        }
        writer.commit().await
    }

    /// Deletes this process's search index of the project (it is rebuilt by the next search):
    /// after pseudonymisation, a withdrawal or the project's deletion, so that no segment file
    /// keeps a passage that is gone.
    pub fn forget_search_index(&self) {
        let dir = self.search_index_dir();
        registry().lock().unwrap_or_else(|e| e.into_inner()).remove(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Deletes the search index when it reflects the project as it was before its last
    /// withdrawal (made by another process, or by one stopped before it purged the index), so
    /// no index outlives a withdrawal until the next search; and a server project's index left
    /// in the shared temporary folder by an earlier version.
    pub(crate) async fn purge_stale_search_index(&self) -> Result<(), AppError> {
        if let Backend::Postgres { .. } = self.store.backend() {
            // Earlier versions kept server indexes in a folder every local account could read.
            let _ = std::fs::remove_dir_all(std::env::temp_dir().join("idiograph-search").join(self.index_name()));
        }
        let dir = self.search_index_dir();
        if !dir.exists() {
            return Ok(());
        }
        let last = self.store.last_withdrawal().await?;
        if last == 0 {
            return Ok(());
        }
        // The stamp is the payload of the index's last commit, in its meta.json.
        let stamp = std::fs::read(dir.join("meta.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Json>(&b).ok())
            .and_then(|m| m.get("payload").and_then(Json::as_str).and_then(Stamp::decode));
        if stamp.is_none_or(|s| s.seq < last) {
            self.forget_search_index();
        }
        Ok(())
    }

    /// Keeps this process's search index free of withdrawn participants while it serves: on
    /// every withdrawal the change feed announces (from this process or, on a server, any
    /// other), the index is deleted, to be rebuilt by the next search. Runs until the feed ends.
    pub async fn purge_search_index_on_withdrawals(&self) {
        let Ok(mut changes) = self.changes().await else { return };
        loop {
            match changes.recv().await {
                Ok(change) if change.action == idiograph_store::Action::WithdrawParticipant => {
                    self.forget_search_index()
                }
                Ok(_) => {}
                // Announcements were missed: the index's stamp tells whether one was a withdrawal.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ = self.purge_stale_search_index().await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    }

    /// Makes sure the search index reflects the project now (building it if needed), and says
    /// where it is. Searches do this themselves; this is for tools and benchmarks.
    pub async fn refresh_search_index(&self, rebuild: bool) -> Result<PathBuf, AppError> {
        self.purge_stale_search_index().await?;
        let h = self.search_handle().await?;
        match self.sync_index(&h, rebuild).await {
            Ok(()) => {
                private::files(&h.dir)?;
                Ok(h.dir.clone())
            }
            Err(AppError::Index(_)) => {
                // The index folder is unreadable (corrupt, half-deleted): forget it, make it
                // anew and rebuild it.
                registry().lock().unwrap_or_else(|e| e.into_inner()).remove(&h.dir);
                let _ = std::fs::remove_file(h.dir.join("meta.json"));
                drop(h);
                let h = self.search_handle().await?;
                self.sync_index(&h, true).await?;
                private::files(&h.dir)?;
                Ok(h.dir.clone())
            }
            Err(e) => Err(e),
        }
    }

    /// Full-text search across the study (see [`SearchRequest`]).
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResults, AppError> {
        self.refresh_search_index(false).await?;
        match self.search_once(req).await? {
            Some(r) => Ok(r),
            None => {
                // A hit did not match the current text: rebuild and search once more, then
                // leave out whatever still does not match.
                self.refresh_search_index(true).await?;
                Ok(self.search_once(req).await?.unwrap_or_default())
            }
        }
    }

    /// One search; `None` if a hit is stale.
    async fn search_once(&self, req: &SearchRequest) -> Result<Option<SearchResults>, AppError> {
        let h = self.search_handle().await?;
        let mut tx = self.store.read().await?;
        let light = Light::read(&mut tx).await?;
        let mut filter = Filter::default();
        if let Some(p) = &req.participant {
            let p = participants::resolve(&mut tx, p).await?;
            filter.participants = Some(vec![p.id.as_str().to_owned()]);
        }
        if let Some((k, v)) = &req.attribute {
            let ids: Vec<String> = light
                .participants
                .iter()
                .filter(|p| p.attributes.get(k.trim()).is_some_and(|x| x.trim().eq_ignore_ascii_case(v.trim())))
                .map(|p| p.id.as_str().to_owned())
                .filter(|id| filter.participants.as_ref().is_none_or(|l| l.contains(id)))
                .collect();
            filter.participants = Some(ids);
        }
        if let Some(r) = req.role {
            filter.role = Some(r.as_str().to_owned());
            filter.kinds = Some(vec![DocKind::Transcript]);
        }
        match req.kind {
            Some(SearchKind::Text(kind)) => filter.kinds = Some(vec![kind]),
            Some(SearchKind::Notes(kind)) => {
                filter.kinds = Some(vec![DocKind::Note]);
                filter.note_kinds = Some(vec![kind.as_str().to_owned()]);
            }
            None => {}
        }
        // Theme: the anchor spans (on current versions) of its statements and extracts.
        let mut within: Option<HashMap<String, Vec<Span>>> = None;
        if let Some(th) = &req.theme {
            let theme = themes::resolve(&mut tx, th).await?;
            let family = light.theme_family(&theme.id);
            let mut spans: HashMap<String, Vec<Span>> = HashMap::new();
            for (_, _, anchor) in coded_anchors(&light, &family) {
                for t in &light.transcripts {
                    if &t.current_version == anchor.version_id() {
                        spans.entry(t.id.as_str().to_owned()).or_default().push(anchor.span());
                    }
                }
            }
            filter.kinds = Some(vec![DocKind::Transcript]);
            filter.objects = Some(spans.keys().cloned().collect());
            within = Some(spans);
        }
        let window = req.offset..req.offset.saturating_add(req.limit);
        let options = Options { stem: req.stem, regex: req.regex };
        let found = {
            let w = if within.is_some() { None } else { Some(window.clone()) };
            let query = req.query.clone();
            // Matching and ranking are CPU work: off the async threads.
            tokio::task::spawn_blocking(move || h.ix.search(&query, options, &filter, w))
                .await
                .map_err(|_| thread_stopped())?
                .map_err(index_error)?
        };
        let found = match &within {
            Some(spans) => restrict(found, spans),
            None => found,
        };

        // Label the hits of the window, checking each against the current text.
        let mut versions: HashMap<ObjectId, Arc<TranscriptVersion>> = HashMap::new();
        let mut hits = Vec::new();
        for m in &found.matches {
            let participant = m.participant.as_deref().and_then(|p| light.participant(p));
            let pseudonym = participant.map(|p| p.pseudonym.clone());
            let pid = participant.map(|p| p.short_id().to_string());
            let in_window: Vec<(usize, &idiograph_search::Hit)> = m
                .hits
                .iter()
                .enumerate()
                .map(|(i, h)| (m.first_hit + i, h))
                .filter(|(i, _)| window.contains(i))
                .collect();
            if in_window.is_empty() {
                continue;
            }
            match m.kind {
                DocKind::Transcript => {
                    let Some(t) = light.transcript(&m.object) else { return Ok(None) };
                    if m.version.as_deref() != Some(t.current_version.as_str()) {
                        return Ok(None);
                    }
                    if !versions.contains_key(&t.current_version) {
                        let v = tx.version(&t.current_version).await?;
                        versions.insert(t.current_version.clone(), v);
                    }
                    let v = &versions[&t.current_version];
                    let base = m.base.to_usize();
                    if v.text.get(base..base + m.text.len()) != Some(m.text.as_str()) {
                        return Ok(None);
                    }
                    for (_, hit) in in_window {
                        let s = hit.extent();
                        let (start, end) = (base + s.start().to_usize(), base + s.end().to_usize());
                        let pos = v.layout.position(TextSize::new(start as u32));
                        let span = Span::from_bounds(TextSize::new(start as u32), TextSize::new(end as u32));
                        let Kwic { before, matched, pieces, after, line } = kwic(&m.text, hit);
                        hits.push(SearchHit {
                            source: "transcript",
                            object: t.short_id().to_string(),
                            participant: pseudonym.clone(),
                            participant_id: pid.clone(),
                            transcript: Some(t.short_id().to_string()),
                            role: m.role.clone(),
                            start,
                            end,
                            ranges: hit
                                .ranges
                                .iter()
                                .map(|r| HitRange {
                                    start: base + r.start().to_usize(),
                                    end: base + r.end().to_usize(),
                                })
                                .collect(),
                            passage: m.passage,
                            page: Some(pos.page),
                            line: Some(pos.line),
                            global_line: Some(pos.global),
                            citation: idiograph_model::cite(pseudonym.as_deref().unwrap_or("?"), &v.layout, span),
                            before,
                            matched,
                            pieces,
                            after,
                            kwic: line,
                        });
                    }
                }
                kind => {
                    let (object, text, anchor, transcript) = match kind {
                        DocKind::Note => match get_opt::<ExploratoryNote>(&mut tx, &m.object).await? {
                            Some(n) => {
                                let t = light
                                    .transcript(n.transcript_id.as_str())
                                    .map_or(ShortId::new(ObjectKind::Transcript, 0), |t| t.short_id());
                                (n.short_id().to_string(), n.text.clone(), Some(n.anchor.clone()), Some(t.to_string()))
                            }
                            None => return Ok(None),
                        },
                        DocKind::Statement => match light.statements.iter().find(|s| s.id.as_str() == m.object) {
                            Some(s) => {
                                let a = s.anchors.first().cloned();
                                let mut t = None;
                                if let Some(a) = &a {
                                    t = match light.transcripts.iter().find(|t| &t.current_version == a.version_id()) {
                                        Some(t) => Some(t.short_id()),
                                        None => match tx.version(a.version_id()).await {
                                            Ok(v) => light.transcript(v.transcript_id.as_str()).map(|t| t.short_id()),
                                            Err(_) => None,
                                        },
                                    };
                                }
                                (s.short_id().to_string(), s.text.clone(), a, t.map(|n| n.to_string()))
                            }
                            None => return Ok(None),
                        },
                        DocKind::Theme => match light.themes.iter().find(|t| t.id.as_str() == m.object) {
                            Some(t) => (t.short_id().to_string(), theme_text(t), None, None),
                            None => return Ok(None),
                        },
                        _ => match get_opt::<JournalEntry>(&mut tx, &m.object).await? {
                            Some(j) => (j.short_id().to_string(), j.text.clone(), None, None),
                            None => return Ok(None),
                        },
                    };
                    if text != m.text {
                        return Ok(None);
                    }
                    let mut place = None;
                    if let Some(a) = &anchor {
                        if !versions.contains_key(a.version_id()) {
                            if let Ok(v) = tx.version(a.version_id()).await {
                                versions.insert(a.version_id().clone(), v);
                            }
                        }
                        if let Some(v) = versions.get(a.version_id()) {
                            place = Some((
                                v.layout.position(a.span().start()),
                                idiograph_model::cite(pseudonym.as_deref().unwrap_or("?"), &v.layout, a.span()),
                            ));
                        }
                    }
                    for (_, hit) in in_window {
                        let s = hit.extent();
                        let Kwic { before, matched, pieces, after, line } = kwic(&m.text, hit);
                        hits.push(SearchHit {
                            source: kind.as_str(),
                            object: object.clone(),
                            participant: pseudonym.clone(),
                            participant_id: pid.clone(),
                            transcript: transcript.clone(),
                            role: None,
                            start: s.start().to_usize(),
                            end: s.end().to_usize(),
                            ranges: hit
                                .ranges
                                .iter()
                                .map(|r| HitRange { start: r.start().to_usize(), end: r.end().to_usize() })
                                .collect(),
                            passage: m.passage,
                            page: place.as_ref().map(|p| p.0.page),
                            line: place.as_ref().map(|p| p.0.line),
                            global_line: place.as_ref().map(|p| p.0.global),
                            citation: place.as_ref().map(|p| p.1.clone()).unwrap_or_default(),
                            before,
                            matched,
                            pieces,
                            after,
                            kwic: line,
                        });
                    }
                }
            }
        }
        let per_participant = light
            .participants
            .iter()
            .map(|p| {
                let counts = found.per_participant.get(p.id.as_str()).copied().unwrap_or_default();
                ParticipantCount {
                    participant_id: p.short_id().to_string(),
                    participant: p.pseudonym.clone(),
                    hits: counts.hits,
                    passages: counts.passages,
                }
            })
            .collect();
        Ok(Some(SearchResults { total: found.total.hits, passages: found.total.passages, hits, per_participant }))
    }

    /// Every passage coded to a theme (its sub-themes and, for a GET, its PETs included), with
    /// `context` whole lines either side, across participants; optionally one participant's only.
    pub async fn theme_passages(
        &self,
        theme: &str,
        context: u32,
        participant: Option<&str>,
    ) -> Result<Vec<ThemePassage>, AppError> {
        let mut tx = self.store.read().await?;
        let light = Light::read(&mut tx).await?;
        let theme = themes::resolve(&mut tx, theme).await?;
        let only = match participant {
            Some(p) => Some(participants::resolve(&mut tx, p).await?.id),
            None => None,
        };
        let family = light.theme_family(&theme.id);
        let mut versions: HashMap<ObjectId, Arc<TranscriptVersion>> = HashMap::new();
        passages(&mut tx, &light, &family, context, only.as_ref(), &mut versions).await
    }

    /// Themes × participants (or × values of a participant attribute): the passages coded to
    /// each theme in each column.
    pub async fn matrix(&self, themes_asked: &[String], by_attr: Option<&str>) -> Result<Matrix, AppError> {
        let mut tx = self.store.read().await?;
        let light = Light::read(&mut tx).await?;
        let mut chosen = Vec::new();
        for t in themes_asked {
            chosen.push(themes::resolve(&mut tx, t).await?);
        }
        if chosen.is_empty() {
            // No themes named: every top-level GET, or (none yet) every top-level PET.
            let gets: Vec<&Theme> = light.themes.iter().filter(|t| t.is_group() && t.parent.is_none()).collect();
            let tops: Vec<&Theme> =
                if gets.is_empty() { light.themes.iter().filter(|t| t.parent.is_none()).collect() } else { gets };
            chosen = tops.into_iter().cloned().collect();
        }
        let (columns, labels): (Vec<String>, Vec<String>) = match by_attr {
            None => light.participants.iter().map(|p| (p.short_id().to_string(), p.pseudonym.clone())).unzip(),
            Some(key) => {
                let mut values: Vec<String> = light
                    .participants
                    .iter()
                    .map(|p| p.attributes.get(key).cloned().unwrap_or_else(|| "(none)".to_owned()))
                    .collect();
                values.sort();
                values.dedup();
                (values.clone(), values)
            }
        };
        let column_of = |pid: &str| -> Option<usize> {
            let p = light.participants.iter().find(|p| p.short_id().to_string() == pid)?;
            match by_attr {
                None => columns.iter().position(|c| c == pid),
                Some(key) => {
                    let v = p.attributes.get(key).cloned().unwrap_or_else(|| "(none)".to_owned());
                    columns.iter().position(|c| *c == v)
                }
            }
        };
        let mut versions = HashMap::new();
        let mut rows = Vec::new();
        for t in chosen {
            let family = light.theme_family(&t.id);
            let all = passages(&mut tx, &light, &family, 0, None, &mut versions).await?;
            let mut cells = vec![Vec::new(); columns.len()];
            for p in all {
                if let Some(c) = column_of(&p.participant_id) {
                    cells[c].push(p);
                }
            }
            rows.push(MatrixRow { theme: t.short_id().to_string(), title: t.title.clone(), cells });
        }
        Ok(Matrix { columns, labels, rows })
    }

    /// Word frequencies per participant over their transcripts' current versions (only what
    /// speakers of `role` said, if given), stop words left out, the `top` most frequent.
    pub async fn word_frequencies(
        &self,
        participant: Option<&str>,
        role: Option<SpeakerRole>,
        top: usize,
    ) -> Result<Vec<WordCounts>, AppError> {
        let mut tx = self.store.read().await?;
        let people: Vec<Participant> = match participant {
            Some(p) => vec![participants::resolve(&mut tx, p).await?],
            None => tx.all().await?,
        };
        let transcripts: Vec<Transcript> = tx.all().await?;
        let mut out = Vec::new();
        for p in people {
            let mut texts: Vec<String> = Vec::new();
            for t in transcripts.iter().filter(|t| t.participant_id == p.id) {
                let v = tx.version(&t.current_version).await?;
                for passage in transcript_passages(t, &v, 0) {
                    if role.is_none_or(|r| passage.role.as_deref() == Some(r.as_str())) {
                        texts.push(strip_label(&passage.text, &v, passage.base.to_usize()));
                    }
                }
            }
            let mut words = idiograph_search::word_frequencies(texts.iter().map(String::as_str));
            words.truncate(top);
            out.push(WordCounts { participant_id: p.short_id().to_string(), participant: p.pseudonym.clone(), words });
        }
        Ok(out)
    }
}

/// The passage without its speaker label (labels are not words the speaker said).
fn strip_label(text: &str, v: &TranscriptVersion, base: usize) -> String {
    match v.turn_at(base).and_then(|t| t.label_span) {
        Some(l) if l.start().to_usize() == base || l.start().to_usize() >= base => {
            let cut = (l.end().to_usize().saturating_sub(base)).min(text.len());
            let rest = &text[cut..];
            rest.strip_prefix(':').unwrap_or(rest).to_owned()
        }
        _ => text.to_owned(),
    }
}

/// The anchors coded to any theme of `family`: (theme, via, anchor) for statements of its PETs
/// and extracts of any of them.
fn coded_anchors<'a>(light: &'a Light, family: &[ObjectId]) -> Vec<(&'a Theme, String, &'a idiograph_model::Anchor)> {
    let mut out = Vec::new();
    let mut seen: HashSet<(String, usize, usize, String)> = HashSet::new();
    for th in light.themes.iter().filter(|t| family.contains(&t.id)) {
        let members: Vec<&ObjectId> = light
            .assignments
            .iter()
            .filter(|a| a.theme_id == th.id)
            .filter_map(|a| match &a.member {
                Member::Statement(s) => Some(s),
                Member::Theme(_) => None,
            })
            .collect();
        for s in light.statements.iter().filter(|s| members.contains(&&s.id)) {
            for a in &s.anchors {
                let key = (
                    a.version_id().as_str().to_owned(),
                    a.span().start().to_usize(),
                    a.span().end().to_usize(),
                    s.short_id().to_string(),
                );
                if seen.insert(key) {
                    out.push((th, s.short_id().to_string(), a));
                }
            }
        }
        for x in light.extracts.iter().filter(|x| x.theme_id == th.id) {
            out.push((th, x.short_id().to_string(), &x.anchor));
        }
    }
    out
}

async fn passages(
    tx: &mut Tx,
    light: &Light,
    family: &[ObjectId],
    context: u32,
    only: Option<&ObjectId>,
    versions: &mut HashMap<ObjectId, Arc<TranscriptVersion>>,
) -> Result<Vec<ThemePassage>, AppError> {
    let mut out = Vec::new();
    for (th, via, anchor) in coded_anchors(light, family) {
        if !versions.contains_key(anchor.version_id()) {
            let v = tx.version(anchor.version_id()).await?;
            versions.insert(anchor.version_id().clone(), v);
        }
        let v = &versions[anchor.version_id()];
        let Some(t) = light.transcript(v.transcript_id.as_str()) else { continue };
        if only.is_some_and(|o| *o != t.participant_id) {
            continue;
        }
        let p = light.participant(t.participant_id.as_str());
        let pseudonym = p.map(|p| p.pseudonym.clone()).unwrap_or_default();
        let span = anchor.span();
        let first = v.layout.position(span.start()).global;
        let last =
            v.layout.position(TextSize::new(span.end().to_u32().saturating_sub(1).max(span.start().to_u32()))).global;
        let line = |g: u32| v.layout.line_text(&v.text, g).unwrap_or_default().trim_end_matches('\n').to_owned();
        let before = (first.saturating_sub(context).max(1)..first).map(line).collect();
        let after = (last + 1..=(last + context).min(v.layout.line_count())).map(line).collect();
        let statement = light
            .statements
            .iter()
            .find(|s| s.short_id().to_string() == via)
            .map(|s| s.text.clone())
            .unwrap_or_default();
        out.push(ThemePassage {
            theme: th.short_id().to_string(),
            via,
            statement,
            participant_id: p.map(|p| p.short_id().to_string()).unwrap_or_default(),
            participant: pseudonym.clone(),
            transcript: t.short_id().to_string(),
            start: span.start().to_usize(),
            end: span.end().to_usize(),
            citation: idiograph_model::cite(&pseudonym, &v.layout, span),
            before,
            text: span.slice(&v.text).to_owned(),
            after,
            global_line: first,
            current: t.current_version == v.id,
        });
    }
    // Study order: participant, transcript, position.
    let rank: HashMap<String, u32> = light.participants.iter().map(|p| (p.short_id().to_string(), p.short)).collect();
    out.sort_by_key(|p| {
        (
            rank.get(&p.participant_id).copied().unwrap_or(u32::MAX),
            p.transcript[1..].parse::<u32>().unwrap_or(0),
            p.start,
            p.theme.clone(),
        )
    });
    Ok(out)
}

/// Keeps the hits inside the given spans of each object, renumbering them.
fn restrict(found: Found, within: &HashMap<String, Vec<Span>>) -> Found {
    let mut out = Found::default();
    for mut m in found.matches {
        let Some(spans) = within.get(&m.object) else { continue };
        // A hit's spans are of the passage; the coded spans are of the version it starts in at `base`.
        let in_version = |at: TextSize| TextSize::new(m.base.to_u32() + at.to_u32());
        for h in &mut m.hits {
            h.ranges.retain(|r| {
                let r = Span::from_bounds(in_version(r.start()), in_version(r.end()));
                spans.iter().any(|s| s.contains_span(r))
            });
        }
        m.hits.retain(|h| !h.ranges.is_empty());
        if !m.hits.is_empty() {
            out.push(m);
        }
    }
    out
}

/// A hit's keyword-in-context line, in parts.
struct Kwic {
    before: String,
    matched: String,
    pieces: Vec<KwicPiece>,
    after: String,
    /// Before, the pieces and after, as one line.
    line: String,
}

/// Before, hit and after, on one line (white space collapsed), at most [`KWIC_CHARS`] either
/// side; between two words of the hit, a stretch longer than [`KWIC_CHARS`] keeps only its ends.
fn kwic(text: &str, hit: &idiograph_search::Hit) -> Kwic {
    let extent = hit.extent();
    let before_raw = &text[..extent.start().to_usize()];
    let cut = before_raw.char_indices().rev().nth(KWIC_CHARS).map(|(i, _)| i);
    let mut before =
        collapse(&before_raw[cut.map_or(0, |i| i + before_raw[i..].chars().next().map_or(0, char::len_utf8))..])
            .trim_start()
            .to_owned();
    if cut.is_some() {
        before = format!("…{before}");
    }
    let after_raw = &text[extent.end().to_usize()..];
    let cut = after_raw.char_indices().nth(KWIC_CHARS).map(|(i, _)| i);
    let mut after = collapse(&after_raw[..cut.unwrap_or(after_raw.len())]).trim_end().to_owned();
    if cut.is_some() {
        after.push('…');
    }
    let mut pieces = Vec::new();
    let mut at = extent.start().to_usize();
    for r in &hit.ranges {
        if r.start().to_usize() > at {
            pieces.push(KwicPiece { text: shorten(&collapse(&text[at..r.start().to_usize()])), hit: false });
        }
        pieces.push(KwicPiece { text: collapse(r.slice(text)), hit: true });
        at = r.end().to_usize();
    }
    let middle: String = pieces.iter().map(|p| p.text.as_str()).collect();
    let line = format!("{before}{middle}{after}");
    Kwic { before, matched: collapse(extent.slice(text)), pieces, after, line }
}

/// Every run of white space as one space (kept at either end, where it separates the hit from
/// its context).
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split(char::is_whitespace).enumerate() {
        if i > 0 && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// The first and last [`KWIC_CHARS`]` / 2` characters of a long stretch between two words of a
/// hit, joined by `…`, so a hit spread over a long turn stays one line.
fn shorten(s: &str) -> String {
    let n = s.chars().count();
    if n <= KWIC_CHARS {
        return s.to_owned();
    }
    let head: String = s.chars().take(KWIC_CHARS / 2).collect();
    let tail: String = s.chars().skip(n - KWIC_CHARS / 2).collect();
    format!("{head}…{tail}")
}

/// Folders only their owner can read, for caches that quote the study.
mod private {
    use std::path::{Path, PathBuf};

    use crate::AppError;

    fn refused(dir: &Path, why: &str) -> AppError {
        AppError::Index(format!("cannot keep the search index in {}: {why}", dir.display()))
    }

    /// This user's folder for the caches of server projects: `idiograph-UID` in the temporary
    /// folder (per user, since the temporary folder is shared by every account).
    pub(super) fn cache_root() -> PathBuf {
        #[cfg(unix)]
        let user = rustix::process::geteuid().as_raw().to_string();
        #[cfg(not(unix))]
        let user = "user".to_owned();
        std::env::temp_dir().join(format!("idiograph-{user}"))
    }

    /// Makes `dir` (and missing parents) readable by its owner only, and checks that it is a
    /// folder of this user's, not a link someone else planted in a shared place.
    pub(super) fn folder(dir: &Path) -> Result<(), AppError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
            let io = |e: std::io::Error| refused(dir, &e.to_string());
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io)?;
            let meta = std::fs::symlink_metadata(dir).map_err(io)?;
            if !meta.is_dir() || meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(refused(dir, "it is not a folder of this user's (move it away)"));
            }
            if meta.mode() & 0o777 != 0o700 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
            }
        }
        #[cfg(not(unix))]
        std::fs::create_dir_all(dir).map_err(|e| refused(dir, &e.to_string()))?;
        Ok(())
    }

    /// Makes the files in `dir` readable by their owner only (the index library writes them
    /// with the usual permissions; the folder already keeps others out).
    pub(super) fn files(dir: &Path) -> Result<(), AppError> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let io = |e: std::io::Error| refused(dir, &e.to_string());
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                let meta = entry.metadata().map_err(io)?;
                if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600)).map_err(io)?;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = dir;
        Ok(())
    }
}
