//! One view type per object of the study: what the command line's `--json`, `/api/v1` and the
//! pages' data show of it. Each is made once, here, from the model, and serialised as it is; the
//! OpenAPI document's schemas are generated from these types ([`schemas`]), so the three edges
//! cannot drift apart. Ids are short ids (`P1`, `TH3`); positions are UTF-8 byte offsets with
//! their UTF-16 equivalents for the browser. Views hold no web addresses: the web crate makes
//! links from the locations they carry.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use idiograph_model::{self as model, Member, ObjectId, ShortId, Term, Terminology};
use idiograph_store::{AuditEvent as StoredEvent, Tx};
use schemars::JsonSchema;
use serde::Serialize;

use crate::{AppError, Snapshot, Trail, TrailMember, VersionToken};

/// The study's settings and the names its terminology gives the analytic objects.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Study {
    /// The revision a change must name (`If-Match`).
    pub revision: String,
    /// The study's title.
    pub title: String,
    /// The research question.
    pub research_question: Option<String>,
    /// `2009` or `2022` wording.
    pub terminology: String,
    /// The recurrence rule as written, e.g. `half`.
    pub recurrence_rule: String,
    /// The rule in words for this study's number of participants.
    pub recurrence_rule_text: String,
    /// Characters per line of the frozen layout of new transcripts.
    pub chars_per_line: u32,
    /// Lines per page of that layout.
    pub lines_per_page: u32,
    /// What printed quotes do with fillers and pauses: `keep` or `mark`.
    pub fillers: String,
    /// What the terminology calls statements, PETs and GETs.
    pub labels: Labels,
}

/// The words a researcher sees for the analytic objects, in the study's terminology.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Labels {
    /// One experiential statement (or emergent theme).
    pub statement: &'static str,
    /// Several.
    pub statements: &'static str,
    /// One personal experiential theme (or super-ordinate theme).
    pub pet: &'static str,
    /// Several.
    pub pets: &'static str,
    /// One group experiential theme (or master theme).
    pub get: &'static str,
    /// Several.
    pub gets: &'static str,
    /// The short form of PETs for narrow table headings.
    pub pets_short: &'static str,
}

impl Labels {
    /// The labels of a terminology.
    pub fn of(t: Terminology) -> Labels {
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

impl Study {
    /// The study of a snapshot.
    pub fn of(s: &Snapshot) -> Study {
        let st = &s.settings;
        Study {
            revision: st.version_token(),
            title: st.title.clone(),
            research_question: st.research_question.clone(),
            terminology: st.terminology.as_str().to_owned(),
            recurrence_rule: st.recurrence_rule.encode(),
            recurrence_rule_text: st.recurrence_rule.describe(s.participants.len()),
            chars_per_line: st.layout.chars_per_line(),
            lines_per_page: st.layout.lines_per_page(),
            fillers: st.fillers.as_str().to_owned(),
            labels: Labels::of(st.terminology),
        }
    }
}

/// A participant (case) with attributes, interview details and how far the analysis has come.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Participant {
    /// `P1`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The pseudonym every citation uses.
    pub pseudonym: String,
    /// Attributes (age band, site…), by name.
    pub attributes: BTreeMap<String, String>,
    /// Interview details (COREQ).
    pub interview: Interview,
    /// When the case was marked finished (RFC 3339), if it is.
    pub finished_at: Option<String>,
    /// The case's transcripts.
    #[schemars(with = "Vec<String>")]
    pub transcripts: Vec<ShortId>,
    /// How far the case has come through the steps of IPA.
    pub progress: Progress,
}

/// When, how, how long and by whom an interview was held.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Interview {
    /// The date as given.
    pub date: Option<String>,
    /// In person, video, telephone…
    pub mode: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<u32>,
    /// Who interviewed.
    pub interviewer: Option<String>,
}

/// How far a case has come: counts of its material at each step.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Progress {
    /// Transcripts.
    pub transcripts: usize,
    /// Exploratory notes.
    pub notes: usize,
    /// Experiential statements.
    pub statements: usize,
    /// Statements clustered into a PET.
    pub clustered: usize,
    /// PETs.
    pub pets: usize,
}

/// The progress of every case of `s`, by participant id; `notes` are the study's notes.
pub fn progress(s: &Snapshot, notes: &[model::ExploratoryNote]) -> HashMap<ObjectId, Progress> {
    let mut out: HashMap<ObjectId, Progress> =
        s.participants.iter().map(|p| (p.id.clone(), Progress::default())).collect();
    for t in &s.transcripts {
        out.entry(t.participant_id.clone()).or_default().transcripts += 1;
    }
    for n in notes {
        out.entry(n.participant_id.clone()).or_default().notes += 1;
    }
    let clustered: HashSet<&ObjectId> = s
        .assignments
        .iter()
        .filter_map(|a| match &a.member {
            Member::Statement(id) => Some(id),
            Member::Theme(_) => None,
        })
        .collect();
    for st in &s.statements {
        let e = out.entry(st.participant_id.clone()).or_default();
        e.statements += 1;
        e.clustered += usize::from(clustered.contains(&st.id));
    }
    for t in &s.themes {
        if let Some(p) = t.participant_id() {
            out.entry(p.clone()).or_default().pets += 1;
        }
    }
    out
}

impl Participant {
    /// A participant of `s` with its progress.
    pub fn of(s: &Snapshot, p: &model::Participant, progress: &Progress) -> Participant {
        Participant {
            id: p.short_id(),
            pseudonym: p.pseudonym.clone(),
            attributes: p.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            interview: Interview {
                date: p.interview.date.clone(),
                mode: p.interview.mode.clone(),
                duration_minutes: p.interview.duration_minutes,
                interviewer: p.interview.interviewer.clone(),
            },
            finished_at: p.finished_at.clone(),
            transcripts: s.transcripts.iter().filter(|t| t.participant_id == p.id).map(|t| t.short_id()).collect(),
            progress: progress.clone(),
        }
    }

    /// Every participant of `s`, in creation order.
    pub fn all(s: &Snapshot, notes: &[model::ExploratoryNote]) -> Vec<Participant> {
        let progress = progress(s, notes);
        s.participants
            .iter()
            .map(|p| Participant::of(s, p, progress.get(&p.id).unwrap_or(&Progress::default())))
            .collect()
    }
}

/// A transcript and the version it is read in.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Transcript {
    /// `T1`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// Its title.
    pub title: String,
    /// The case it belongs to.
    #[schemars(with = "String")]
    pub participant: ShortId,
    /// When it was imported (RFC 3339).
    pub created_at: String,
    /// Its current version (the version's fields inline: `version` is its id).
    #[serde(flatten)]
    pub version: Version,
}

/// One immutable version of a transcript's text, with its frozen layout.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Version {
    /// The version's stable id; offsets are meant in it.
    #[serde(rename = "version")]
    pub id: String,
    /// 1 for the imported text, then one more per new version (e.g. after pseudonymisation).
    #[serde(rename = "version_number")]
    pub number: u32,
    /// Lines of the frozen layout.
    pub line_count: u32,
    /// Pages of that layout.
    pub page_count: u32,
    /// Speaker turns.
    pub turn_count: usize,
    /// SHA-256 of the file it was imported from.
    pub sha256: String,
}

impl Version {
    /// The view of a version.
    pub fn of(v: &model::TranscriptVersion) -> Version {
        Version {
            id: v.id.as_str().to_owned(),
            number: v.number,
            line_count: v.layout.line_count(),
            page_count: v.layout.page_count(),
            turn_count: v.turns.len(),
            sha256: v.provenance.sha256.clone(),
        }
    }
}

impl Transcript {
    /// A transcript in its version `v`, of the case `p`.
    pub fn of(t: &model::Transcript, p: &model::Participant, v: &model::TranscriptVersion) -> Transcript {
        Transcript {
            id: t.short_id(),
            title: t.title.clone(),
            participant: p.short_id(),
            created_at: t.created_at.clone(),
            version: Version::of(v),
        }
    }

    /// Every transcript of `s` in its current version, in creation order.
    pub fn all(s: &Snapshot) -> Vec<Transcript> {
        s.transcripts
            .iter()
            .filter_map(|t| {
                Some(Transcript::of(t, s.participant(&t.participant_id)?, s.versions.get(&t.current_version)?))
            })
            .collect()
    }
}

/// A transcript to read: its current version's text, frozen lines, speaker turns and what is
/// anchored there. Lines and turns borrow the text: a 5 MB transcript has 92,000 lines.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TranscriptText<'a> {
    /// The transcript and its version.
    #[serde(flatten)]
    pub transcript: Transcript,
    /// The version's text (NFC, LF line ends).
    pub text: &'a str,
    /// Its length in UTF-16 units.
    pub utf16_length: usize,
    /// The frozen lines.
    #[schemars(with = "Vec<Line<'static>>")]
    pub lines: Lines<'a>,
    /// The speaker turns.
    pub turns: Vec<Turn<'a>>,
    /// Exploratory notes on this version.
    pub notes: Vec<Note>,
    /// Statements with a passage here; only their passages on this version are listed.
    pub statements: Vec<Statement>,
    /// Extracts from this version.
    pub extracts: Vec<Extract>,
    /// The recording of the interview, if one is attached.
    pub recording: Option<Recording>,
}

/// The frozen lines of a version, made one by one as they are serialised: a transcript at the
/// size limit has 640,000 lines, too many to hold as a list beside the text.
#[derive(Debug)]
pub struct Lines<'a> {
    version: &'a model::TranscriptVersion,
}

impl Lines<'_> {
    fn line(&self, g: u32) -> Option<Line<'_>> {
        let v = self.version;
        let span = v.layout.line_span(g)?;
        let text = v.layout.line_text(&v.text, g).unwrap_or_default();
        let pos = v.layout.position(span.start());
        let (start, end) = (span.start().to_u32(), span.start().to_u32() + text.len() as u32);
        let u16 = |b: u32| v.units().byte_to_utf16(idiograph_text::TextSize::new(b));
        Some(Line {
            global: g,
            page: pos.page,
            line: pos.line,
            text,
            start,
            end,
            utf16_start: u16(start),
            utf16_end: u16(end),
        })
    }
}

impl Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((1..=self.version.layout.line_count()).filter_map(|g| self.line(g)))
    }
}

/// One frozen line of a transcript version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Line<'a> {
    /// Its number counted across pages.
    pub global: u32,
    /// Its page.
    pub page: u32,
    /// Its number on that page.
    pub line: u32,
    /// Its words.
    pub text: &'a str,
    /// Start byte.
    pub start: u32,
    /// End byte (exclusive, before the line break).
    pub end: u32,
    /// Start in UTF-16 units.
    pub utf16_start: usize,
    /// End in UTF-16 units.
    pub utf16_end: usize,
}

/// One speaker turn of a transcript version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Turn<'a> {
    /// The speaker's label as transcribed.
    pub label: Option<&'a str>,
    /// The speaker's role (interviewer, participant…), if set.
    pub role: Option<&'static str>,
    /// The cue time, if the transcript has one.
    pub timestamp: Option<&'a str>,
    /// Start byte.
    pub start: u32,
    /// End byte (exclusive).
    pub end: u32,
    /// Start in UTF-16 units.
    pub utf16_start: usize,
    /// End in UTF-16 units.
    pub utf16_end: usize,
}

impl<'a> TranscriptText<'a> {
    /// The transcript of a one-transcript snapshot ([`crate::TranscriptView::into_snapshot`]).
    pub fn of(
        s: &'a Snapshot,
        notes: &[model::ExploratoryNote],
        recording: Option<&model::Recording>,
    ) -> Option<TranscriptText<'a>> {
        let t = s.transcripts.first()?;
        let v = s.versions.get(&t.current_version)?;
        let p = s.participant(&t.participant_id)?;
        let index = v.units();
        let u16 = |b: u32| index.byte_to_utf16(idiograph_text::TextSize::new(b));
        let turns = v
            .turns
            .iter()
            .map(|turn| Turn {
                label: turn.label.as_deref(),
                role: turn.label.as_ref().and_then(|l| t.speakers.get(l)).map(|r| r.as_str()),
                timestamp: turn.timestamp.as_deref(),
                start: turn.span.start().to_u32(),
                end: turn.span.end().to_u32(),
                utf16_start: u16(turn.span.start().to_u32()),
                utf16_end: u16(turn.span.end().to_u32()),
            })
            .collect();
        let here = |a: &model::Anchor| a.version_id() == &v.id;
        let statements = s
            .statements
            .iter()
            .map(|st| {
                let mut view = Statement::of(s, st, notes);
                view.anchors =
                    st.anchors.iter().filter(|a| here(a)).map(|a| Anchor::within(Some(t), Some(v), a)).collect();
                view
            })
            .collect();
        Some(TranscriptText {
            transcript: Transcript::of(t, p, v),
            text: &v.text,
            utf16_length: index.utf16_len(),
            turns,
            notes: notes.iter().map(|n| Note::within(n, Some(t), Some(v))).collect(),
            statements,
            extracts: s.extracts.iter().filter(|x| here(&x.anchor)).map(|x| Extract::of(s, x)).collect(),
            lines: Lines { version: v },
            recording: recording.map(|r| Recording::of(r, t.short_id())),
        })
    }
}

/// The recording of an interview, attached to its transcript. Its bytes are served apart
/// (`GET /api/v1/transcripts/{id}/recording`, with range requests).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Recording {
    /// `R1`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The transcript it is the recording of.
    #[schemars(with = "String")]
    pub transcript: ShortId,
    /// The file's name as attached.
    pub file_name: String,
    /// `audio` or `video`.
    pub media: &'static str,
    /// The MIME type it is served with.
    pub mime: String,
    /// Its length in bytes.
    pub byte_length: u64,
    /// How long it plays in milliseconds, when known.
    pub duration_ms: Option<u64>,
    /// SHA-256 of its bytes (the `ETag` it is served with).
    pub sha256: String,
    /// Who attached it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl Recording {
    /// The view of recording `r` of transcript `transcript`.
    pub fn of(r: &model::Recording, transcript: ShortId) -> Recording {
        Recording {
            id: r.short_id(),
            transcript,
            file_name: r.file_name.clone(),
            media: r.media.as_str(),
            mime: r.mime.clone(),
            byte_length: r.byte_length,
            duration_ms: r.duration_ms,
            sha256: r.sha256.clone(),
            author: r.author.clone(),
            created_at: r.created_at.clone(),
        }
    }
}

/// When the lines of a transcript's current version are spoken in its recording: what a
/// player follows while the researcher listens and reads.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LineTimes {
    /// The transcript.
    #[schemars(with = "String")]
    pub transcript: ShortId,
    /// The version the line numbers are meant in.
    pub version: String,
    /// Where the times come from: `sync points` (set or aligned), `turn timestamps` (the cue
    /// times of imported captions) or `none`.
    pub from: &'static str,
    /// Each line with a time, in order.
    pub lines: Vec<LineTime>,
}

/// A line of a transcript version and when it starts in the recording.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct LineTime {
    /// The line's number counted across pages.
    pub line: u32,
    /// Milliseconds from the start of the recording.
    pub time_ms: u64,
}

/// Where a passage lies: its version, bytes and UTF-16 units, frozen lines and words.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Anchor {
    /// The transcript.
    #[schemars(with = "Option<String>")]
    pub transcript: Option<ShortId>,
    /// The version the offsets are meant in.
    pub version: String,
    /// Start byte (UTF-8).
    pub start: u32,
    /// End byte (exclusive).
    pub end: u32,
    /// Start in UTF-16 units, as the browser counts.
    pub utf16_start: usize,
    /// End in UTF-16 units (exclusive).
    pub utf16_end: usize,
    /// Page and lines, e.g. "p. 2, ll. 7–9".
    pub lines: String,
    /// The passage's words.
    pub quote: String,
}

impl Anchor {
    /// An anchor of `s`.
    pub fn of(s: &Snapshot, a: &model::Anchor) -> Anchor {
        let v = s.versions.get(a.version_id()).map(|v| &**v);
        let t = v.and_then(|v| s.transcripts.iter().find(|t| t.id == v.transcript_id));
        Anchor::within(t, v, a)
    }

    /// An anchor in version `v` of transcript `t`, for callers that hold them.
    pub fn within(t: Option<&model::Transcript>, v: Option<&model::TranscriptVersion>, a: &model::Anchor) -> Anchor {
        let span = a.span();
        let (utf16_start, utf16_end) = v.map_or((0, 0), |v| v.units().span_to_utf16(span));
        Anchor {
            transcript: t.map(|t| t.short_id()),
            version: a.version_id().as_str().to_owned(),
            start: span.start().to_u32(),
            end: span.end().to_u32(),
            utf16_start,
            utf16_end,
            lines: v.map(|v| v.layout.span_lines(span).to_string()).unwrap_or_default(),
            quote: a.quote().exact().to_owned(),
        }
    }
}

/// An exploratory note and the passage it is anchored to (the anchor's fields inline).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Note {
    /// `N4`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// Descriptive, linguistic, conceptual or free.
    pub kind: String,
    /// The note.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Where the recording was when it was written (milliseconds), if the researcher was
    /// listening.
    pub heard_ms: Option<u64>,
    /// Where it is anchored.
    #[serde(flatten)]
    pub anchor: Anchor,
}

impl Note {
    /// A note anchored in version `v` of transcript `t`.
    pub fn within(
        n: &model::ExploratoryNote,
        t: Option<&model::Transcript>,
        v: Option<&model::TranscriptVersion>,
    ) -> Note {
        Note {
            id: n.short_id(),
            revision: n.version_token(),
            kind: n.kind.as_str().to_owned(),
            text: n.text.clone(),
            author: n.author.clone(),
            created_at: n.created_at.clone(),
            heard_ms: n.heard_ms,
            anchor: Anchor::within(t, v, &n.anchor),
        }
    }

    /// A note of `s`.
    pub fn of(s: &Snapshot, n: &model::ExploratoryNote) -> Note {
        let v = s.versions.get(n.anchor.version_id()).map(|v| &**v);
        let t = v.and_then(|v| s.transcripts.iter().find(|t| t.id == v.transcript_id));
        Note::within(n, t, v)
    }
}

/// The notes of one transcript or of the study, with everyone who wrote notes there (for a
/// filter by analyst).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteList {
    /// The transcript asked for, if one was.
    #[schemars(with = "Option<String>")]
    pub transcript: Option<ShortId>,
    /// Every author of a note there, sorted.
    pub authors: Vec<String>,
    /// The notes (of the analysts asked for), in creation order.
    pub notes: Vec<Note>,
}

/// An experiential statement with its passages, the notes it was developed from and its PETs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Statement {
    /// `S3`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// The case.
    #[schemars(with = "Option<String>")]
    pub participant: Option<ShortId>,
    /// The statement.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Where the recording was when it was written (milliseconds), if the researcher was
    /// listening.
    pub heard_ms: Option<u64>,
    /// The exploratory notes it was developed from.
    #[schemars(with = "Vec<String>")]
    pub from_notes: Vec<ShortId>,
    /// The passages it is grounded in.
    pub anchors: Vec<Anchor>,
    /// The PETs it is clustered into.
    #[schemars(with = "Vec<String>")]
    pub pets: Vec<ShortId>,
}

impl Statement {
    /// A statement of `s`; `notes` are the notes it may name.
    pub fn of(s: &Snapshot, st: &model::ExperientialStatement, notes: &[model::ExploratoryNote]) -> Statement {
        let by_id: HashMap<&ObjectId, ShortId> = notes.iter().map(|n| (&n.id, n.short_id())).collect();
        Statement {
            id: st.short_id(),
            revision: st.version_token(),
            participant: s.participant(&st.participant_id).map(|p| p.short_id()),
            text: st.text.clone(),
            author: st.author.clone(),
            created_at: st.created_at.clone(),
            heard_ms: st.heard_ms,
            from_notes: st.from_notes.iter().filter_map(|id| by_id.get(id).copied()).collect(),
            anchors: st.anchors.iter().map(|a| Anchor::of(s, a)).collect(),
            pets: s
                .assignments
                .iter()
                .filter(|a| matches!(&a.member, Member::Statement(id) if id == &st.id))
                .filter_map(|a| s.theme(&a.theme_id))
                .map(|t| t.short_id())
                .collect(),
        }
    }
}

/// Whether a theme is one case's (a PET) or the group's (a GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// A personal experiential theme of one participant.
    Case,
    /// A group experiential theme across cases.
    Group,
}

/// A theme with its members (and the trail of how each came there), extracts and sub-themes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Theme {
    /// `TH2`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// A case's PET or the group's GET.
    pub scope: Scope,
    /// For a PET, its case.
    #[schemars(with = "Option<String>")]
    pub participant: Option<ShortId>,
    /// The theme's title.
    pub title: String,
    /// Its description.
    pub description: Option<String>,
    /// The analyst's note on it.
    pub note: Option<String>,
    /// Statements clustered into it (a PET).
    #[schemars(with = "Vec<String>")]
    pub statements: Vec<ShortId>,
    /// PETs clustered into it (a GET).
    #[schemars(with = "Vec<String>")]
    pub pets: Vec<ShortId>,
    /// Its members with the move that put each there.
    pub members: Vec<ThemeMember>,
    /// Extracts chosen for it.
    #[schemars(with = "Vec<String>")]
    pub extracts: Vec<ShortId>,
    /// Its sub-themes, in board order.
    pub sub_themes: Vec<Theme>,
}

/// A member of a theme and the move that put it there.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ThemeMember {
    /// `S3` or `TH2`.
    pub id: String,
    /// `statement` or `theme`.
    pub kind: String,
    /// The statement's words or the PET's title.
    pub text: String,
    /// The clustering strategy recorded for the move.
    pub strategy: Option<String>,
    /// Why, in the researcher's words.
    pub rationale: Option<String>,
    /// Who made the move (absent when a withdrawal erased the record).
    pub author: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// For a statement: the notes it was developed from.
    pub from_notes: Vec<NoteRef>,
}

/// A note as the trail cites it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NoteRef {
    /// `N4`.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// The note.
    pub text: String,
    /// Its transcript, `T2`.
    pub transcript: String,
    /// Page and lines.
    pub lines: String,
}

impl ThemeMember {
    fn of(m: &TrailMember) -> ThemeMember {
        ThemeMember {
            id: m.id.clone(),
            kind: match m.member {
                Member::Statement(_) => "statement",
                Member::Theme(_) => "theme",
            }
            .to_owned(),
            text: m.text.clone(),
            strategy: m.strategy.map(|g| g.as_str().to_owned()),
            rationale: m.rationale.clone(),
            author: m.author.clone(),
            at: m.at.clone(),
            from_notes: m
                .notes
                .iter()
                .map(|n| NoteRef {
                    id: n.id.clone(),
                    kind: n.kind.as_str().to_owned(),
                    text: n.text.clone(),
                    transcript: n.transcript.clone(),
                    lines: n.lines.clone(),
                })
                .collect(),
        }
    }
}

impl Theme {
    /// A theme of `s` and its sub-themes; `trail` is the study's trail.
    pub fn of(s: &Snapshot, trail: &Trail, t: &model::Theme) -> Theme {
        Theme {
            id: t.short_id(),
            revision: s.theme_revision(t),
            scope: if t.is_group() { Scope::Group } else { Scope::Case },
            participant: t.participant_id().and_then(|p| s.participant(p)).map(|p| p.short_id()),
            title: t.title.clone(),
            description: t.description.clone(),
            note: t.note.clone(),
            statements: s.statements_of(&t.id).iter().map(|st| st.short_id()).collect(),
            pets: s.pets_of(&t.id).iter().map(|p| p.short_id()).collect(),
            members: trail.of(&t.id).iter().map(ThemeMember::of).collect(),
            extracts: s.extracts_of(&t.id).iter().map(|x| x.short_id()).collect(),
            sub_themes: s.children(Some(&t.id)).into_iter().map(|c| Theme::of(s, trail, c)).collect(),
        }
    }
}

/// Every theme of a study: each case's PETs and the group's GETs, as trees.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ThemeTree {
    /// One entry per participant, in creation order.
    pub cases: Vec<CaseThemes>,
    /// The group's top-level themes.
    pub gets: Vec<Theme>,
}

/// One case's top-level PETs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CaseThemes {
    /// `P1`.
    #[schemars(with = "String")]
    pub participant: ShortId,
    /// The pseudonym.
    pub pseudonym: String,
    /// Its PETs, with their sub-themes.
    pub pets: Vec<Theme>,
}

impl ThemeTree {
    /// The themes of `s`.
    pub fn of(s: &Snapshot, trail: &Trail) -> ThemeTree {
        let top = s.children(None);
        ThemeTree {
            cases: s
                .participants
                .iter()
                .map(|p| CaseThemes {
                    participant: p.short_id(),
                    pseudonym: p.pseudonym.clone(),
                    pets: top
                        .iter()
                        .filter(|t| t.participant_id() == Some(&p.id))
                        .map(|t| Theme::of(s, trail, t))
                        .collect(),
                })
                .collect(),
            gets: top.iter().filter(|t| t.is_group()).map(|t| Theme::of(s, trail, t)).collect(),
        }
    }
}

/// A clustering decision: a statement into a PET, or a PET into a GET.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Assignment {
    /// The theme, `TH2`.
    #[schemars(with = "String")]
    pub theme: ShortId,
    /// The member: a statement (`S3`) or a PET (`TH1`).
    #[schemars(with = "String")]
    pub member: ShortId,
    /// The strategy recorded (abstraction, subsumption…).
    pub strategy: Option<String>,
    /// Why, in the researcher's words.
    pub rationale: Option<String>,
    /// When the member was put there (RFC 3339).
    pub created_at: String,
    /// The assignment's revision: what a move of the member out of the theme must name.
    pub revision: String,
}

impl Assignment {
    /// The assignment `a` of `member` to `theme`.
    pub fn new(theme: ShortId, member: ShortId, a: &model::Assignment) -> Assignment {
        Assignment {
            theme,
            member,
            strategy: a.strategy.map(|g| g.as_str().to_owned()),
            rationale: a.rationale.clone(),
            created_at: a.created_at.clone(),
            revision: a.version_token(),
        }
    }
}

/// A passage chosen to illustrate a theme, with its citation as reports print it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Extract {
    /// `X2`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// The theme it illustrates.
    #[schemars(with = "Option<String>")]
    pub theme: Option<ShortId>,
    /// The case it comes from.
    #[schemars(with = "Option<String>")]
    pub participant: Option<ShortId>,
    /// E.g. "(Olivia, p. 6, ll. 14–16)".
    pub citation: String,
    /// The passage.
    pub anchor: Anchor,
}

impl Extract {
    /// An extract of `s`.
    pub fn of(s: &Snapshot, x: &model::Extract) -> Extract {
        Extract {
            id: x.short_id(),
            revision: x.version_token(),
            theme: s.theme(&x.theme_id).map(|t| t.short_id()),
            participant: s.participant(&x.participant_id).map(|p| p.short_id()),
            citation: s.cite(&x.participant_id, &x.anchor),
            anchor: Anchor::of(s, &x.anchor),
        }
    }
}

/// A reflexive journal entry.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct JournalEntry {
    /// `J1`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// Who wrote it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// The entry.
    pub text: String,
    /// The object it is about, by short id (`P1`, `TH3`, `N4`…).
    pub about: Option<String>,
}

impl JournalEntry {
    /// An entry of `s`; `notes` are the notes it may be about.
    pub fn of(s: &Snapshot, j: &model::JournalEntry, notes: &[model::ExploratoryNote]) -> JournalEntry {
        JournalEntry {
            id: j.short_id(),
            revision: j.version_token(),
            author: j.author.clone(),
            created_at: j.created_at.clone(),
            text: j.text.clone(),
            about: j.about.as_ref().and_then(|id| about(s, id, notes)).map(|id| id.to_string()),
        }
    }
}

/// The short id of the object with stable id `id`, whatever its kind.
pub fn about(s: &Snapshot, id: &ObjectId, notes: &[model::ExploratoryNote]) -> Option<ShortId> {
    let found = [
        s.participants.iter().find(|p| &p.id == id).map(|p| p.short_id()),
        s.transcripts.iter().find(|t| &t.id == id).map(|t| t.short_id()),
        s.statements.iter().find(|x| &x.id == id).map(|x| x.short_id()),
        s.theme(id).map(|t| t.short_id()),
        s.extracts.iter().find(|x| &x.id == id).map(|x| x.short_id()),
        notes.iter().find(|n| &n.id == id).map(|n| n.short_id()),
    ];
    found.into_iter().flatten().next()
}

/// The interview guide: its questions in order, each with its follow-up prompts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Guide {
    /// The questions in the order of the guide.
    pub questions: Vec<GuideQuestion>,
}

/// A question of the interview guide.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GuideQuestion {
    /// `Q3`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// The wording in the guide.
    pub text: String,
    /// Its follow-up prompts, in order.
    pub prompts: Vec<GuidePrompt>,
    /// In how many transcripts it was confirmed as asked.
    pub asked_in: usize,
}

/// A follow-up prompt of a question of the guide.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GuidePrompt {
    /// `Q4`: prompts are numbered with the questions.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The revision a change must name.
    pub revision: String,
    /// The wording in the guide.
    pub text: String,
}

impl Guide {
    /// The guide of `questions` (questions and prompts), with the confirmations in `asked`.
    pub fn of(questions: &[model::GuideQuestion], asked: &[model::AskedQuestion]) -> Guide {
        let in_order = |parent: Option<&ObjectId>| {
            let mut found: Vec<&model::GuideQuestion> =
                questions.iter().filter(|q| q.parent.as_ref() == parent).collect();
            found.sort_by_key(|q| (q.position, q.short));
            found
        };
        Guide {
            questions: in_order(None)
                .into_iter()
                .map(|q| {
                    let mut transcripts: Vec<&ObjectId> =
                        asked.iter().filter(|a| a.question_id == q.id).map(|a| &a.transcript_id).collect();
                    transcripts.sort_unstable();
                    transcripts.dedup();
                    GuideQuestion {
                        id: q.short_id(),
                        revision: q.version_token(),
                        text: q.text.clone(),
                        prompts: in_order(Some(&q.id))
                            .into_iter()
                            .map(|p| GuidePrompt {
                                id: p.short_id(),
                                revision: p.version_token(),
                                text: p.text.clone(),
                            })
                            .collect(),
                        asked_in: transcripts.len(),
                    }
                })
                .collect(),
        }
    }
}

/// The theme × participant recurrence matrix under the study's rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Recurrence {
    /// The columns, in study order.
    pub participants: Vec<ParticipantRef>,
    /// How many contributors the rule requires.
    pub required: usize,
    /// The rule in words.
    pub rule: String,
    /// One row per group theme, each GET followed by its sub-themes.
    pub rows: Vec<RecurrenceRow>,
}

/// A participant named in a table: short id and pseudonym.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ParticipantRef {
    /// `P1`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// The pseudonym.
    pub pseudonym: String,
}

/// One group theme's row of the recurrence matrix.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecurrenceRow {
    /// `TH5`.
    #[schemars(with = "String")]
    pub theme: ShortId,
    /// Its title.
    pub title: String,
    /// 0 for a GET, 1 for its sub-themes…
    pub depth: usize,
    /// How many participants contribute.
    pub contributors: usize,
    /// Whether the rule holds.
    pub meets_rule: bool,
    /// One cell per participant, in column order.
    pub cells: Vec<RecurrenceCell>,
}

/// What one participant contributes to a group theme.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RecurrenceCell {
    /// `P1`.
    #[schemars(with = "String")]
    pub participant: ShortId,
    /// Whether they contribute at all.
    pub present: bool,
    /// Their PETs in the theme (or its sub-themes).
    #[schemars(with = "Vec<String>")]
    pub pets: Vec<ShortId>,
    /// Statements of those PETs.
    pub statements: usize,
    /// Their extracts chosen for it.
    pub extracts: usize,
}

impl Recurrence {
    /// The matrix of `s`.
    pub fn of(s: &Snapshot) -> Recurrence {
        let r = s.recurrence();
        let columns: Vec<&model::Participant> = r.participants.iter().filter_map(|p| s.participant(p)).collect();
        Recurrence {
            participants: columns
                .iter()
                .map(|p| ParticipantRef { id: p.short_id(), pseudonym: p.pseudonym.clone() })
                .collect(),
            required: r.required,
            rule: s.settings.recurrence_rule.describe(s.participants.len()),
            rows: r
                .rows
                .iter()
                .filter_map(|row| {
                    let t = s.theme(&row.theme_id)?;
                    Some(RecurrenceRow {
                        theme: t.short_id(),
                        title: t.title.clone(),
                        depth: row.depth,
                        contributors: row.contributors,
                        meets_rule: row.meets_rule,
                        cells: row
                            .cells
                            .iter()
                            .zip(&columns)
                            .map(|(c, p)| RecurrenceCell {
                                participant: p.short_id(),
                                present: c.present(),
                                pets: c.pets.iter().filter_map(|id| s.theme(id)).map(|t| t.short_id()).collect(),
                                statements: c.statements,
                                extracts: c.extracts,
                            })
                            .collect(),
                    })
                })
                .collect(),
        }
    }
}

/// A command in the audit log.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuditEvent {
    /// Its position in the log.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub author: String,
    /// The command, e.g. `add note`.
    pub action: String,
    /// What it did, by short ids.
    pub summary: String,
    /// For an undo or redo: the event it reverted or re-applied.
    pub target_seq: Option<i64>,
    /// Whether the command is undone now.
    pub undone: bool,
}

impl AuditEvent {
    /// The view of a stored event.
    pub fn of(e: &StoredEvent) -> AuditEvent {
        AuditEvent {
            seq: e.seq,
            at: e.at.clone(),
            author: e.author.clone(),
            action: e.action.to_string(),
            summary: e.summary.clone(),
            target_seq: e.target_seq,
            undone: e.undone,
        }
    }
}

/// The schemas of every view, keyed by type name, as OpenAPI 3.0 `components.schemas` holds
/// them (references point there).
pub fn schemas() -> serde_json::Map<String, serde_json::Value> {
    let mut g = schemars::generate::SchemaSettings::openapi3().into_generator();
    g.subschema_for::<Study>();
    g.subschema_for::<Participant>();
    g.subschema_for::<Transcript>();
    g.subschema_for::<TranscriptText<'_>>();
    g.subschema_for::<NoteList>();
    g.subschema_for::<Statement>();
    g.subschema_for::<ThemeTree>();
    g.subschema_for::<Assignment>();
    g.subschema_for::<Extract>();
    g.subschema_for::<JournalEntry>();
    g.subschema_for::<Recurrence>();
    g.subschema_for::<AuditEvent>();
    g.subschema_for::<crate::SearchResults>();
    g.subschema_for::<crate::CodebookImport>();
    g.subschema_for::<Guide>();
    g.subschema_for::<crate::GuideImport>();
    g.subschema_for::<crate::GuideMatch>();
    g.subschema_for::<crate::GuideAnswers>();
    g.subschema_for::<crate::ProjectMerge>();
    g.subschema_for::<Recording>();
    g.subschema_for::<LineTimes>();
    g.take_definitions(true)
}

impl crate::Workbench {
    /// One transcript (`T1`) in its current version, as lists show it.
    pub async fn transcript_summary(&self, reference: impl crate::Reference) -> Result<Transcript, AppError> {
        let mut tx = self.store.read().await?;
        let t = crate::transcripts::resolve(&mut tx, reference).await?;
        let v = tx.version(&t.current_version).await?;
        let p: model::Participant = tx.get(&t.participant_id).await?;
        Ok(Transcript::of(&t, &p, &v))
    }

    /// One exploratory note (`N3`) as its view shows it, read in one transaction.
    pub async fn note_view(&self, reference: impl crate::Reference) -> Result<Note, AppError> {
        let mut tx = self.store.read().await?;
        let n = crate::annotate::resolve_note(&mut tx, reference).await?;
        let t: model::Transcript = tx.get(&n.transcript_id).await?;
        let v = tx.version(n.anchor.version_id()).await?;
        Ok(Note::within(&n, Some(&t), Some(&v)))
    }

    /// The notes of one transcript (`T2`: its notes on any version) or of the whole study,
    /// by some analysts only when `authors` names any.
    pub async fn note_views(&self, transcript: Option<&str>, authors: &[String]) -> Result<NoteList, AppError> {
        let mut tx = self.store.read().await?;
        let (notes, which): (Vec<model::ExploratoryNote>, _) = match transcript {
            Some(r) => {
                let t = crate::transcripts::resolve(&mut tx, r).await?;
                (tx.of_transcript(&t.id).await?, Some(t.short_id()))
            }
            None => (tx.all().await?, None),
        };
        let transcripts: HashMap<ObjectId, model::Transcript> =
            tx.all::<model::Transcript>().await?.into_iter().map(|t| (t.id.clone(), t)).collect();
        let mut versions: HashMap<ObjectId, Arc<model::TranscriptVersion>> = HashMap::new();
        let mut out = Vec::new();
        for n in notes.iter().filter(|n| authors.is_empty() || authors.contains(&n.author)) {
            let vid = n.anchor.version_id();
            if !versions.contains_key(vid) {
                versions.insert(vid.clone(), tx.version(vid).await?);
            }
            out.push(Note::within(n, transcripts.get(&n.transcript_id), Some(&versions[vid])));
        }
        let mut who: Vec<String> = notes.into_iter().map(|n| n.author).collect();
        who.sort_unstable();
        who.dedup();
        Ok(NoteList { transcript: which, authors: who, notes: out })
    }

    /// Every participant with its progress, read in one transaction.
    pub async fn participant_views(&self) -> Result<Vec<Participant>, AppError> {
        let mut tx = self.store.read().await?;
        let s = crate::queries::read_snapshot(&mut tx).await?;
        let notes: Vec<model::ExploratoryNote> = tx.all().await?;
        Ok(Participant::all(&s, &notes))
    }

    /// One participant (`P2` or pseudonym) with its progress.
    pub async fn participant_view(&self, reference: impl crate::Reference) -> Result<Participant, AppError> {
        let mut tx = self.store.read().await?;
        let s = crate::queries::read_snapshot(&mut tx).await?;
        let p = s.find_participant(reference)?;
        let notes: Vec<model::ExploratoryNote> = tx.of_participant(&p.id).await?;
        let progress = progress(&s, &notes);
        Ok(Participant::of(&s, p, progress.get(&p.id).unwrap_or(&Progress::default())))
    }

    /// One experiential statement (`S4`) as its view shows it, read from its case's rows only.
    pub async fn statement_view(&self, reference: impl crate::Reference) -> Result<Statement, AppError> {
        let mut tx = self.store.read().await?;
        let st = crate::annotate::resolve_statement(&mut tx, reference).await?;
        let s = case_snapshot(&mut tx, &st.participant_id, st.anchors.iter().map(|a| a.version_id())).await?;
        let mut notes = Vec::with_capacity(st.from_notes.len());
        for id in &st.from_notes {
            notes.push(tx.get::<model::ExploratoryNote>(id).await?);
        }
        Ok(Statement::of(&s, &st, &notes))
    }

    /// One journal entry (`J2`) as its view shows it.
    pub async fn journal_view(&self, reference: impl crate::Reference) -> Result<JournalEntry, AppError> {
        let mut tx = self.store.read().await?;
        let j = crate::annotate::resolve_journal(&mut tx, reference).await?;
        let (s, notes) = journal_context(&mut tx, std::slice::from_ref(&j)).await?;
        Ok(JournalEntry::of(&s, &j, &notes))
    }

    /// The reflexive journal, every entry as its view shows it, read in one transaction.
    pub async fn journal_views(&self) -> Result<Vec<JournalEntry>, AppError> {
        let mut tx = self.store.read().await?;
        let journal: Vec<model::JournalEntry> = tx.all().await?;
        let (s, notes) = journal_context(&mut tx, &journal).await?;
        Ok(journal.iter().map(|j| JournalEntry::of(&s, j, &notes)).collect())
    }

    /// One extract (`X2`) as its view shows it, read from its case's rows only.
    pub async fn extract_view(&self, reference: impl crate::Reference) -> Result<Extract, AppError> {
        let mut tx = self.store.read().await?;
        let x = crate::annotate::resolve_extract(&mut tx, reference).await?;
        let s = case_snapshot(&mut tx, &x.participant_id, [x.anchor.version_id()].into_iter()).await?;
        Ok(Extract::of(&s, &x))
    }
}

/// What the views of `entries` need to name what they are about: the rows of the study's objects
/// (a snapshot without transcript text, assignments or journal) and the notes they name.
async fn journal_context(
    tx: &mut Tx,
    entries: &[model::JournalEntry],
) -> Result<(Snapshot, Vec<model::ExploratoryNote>), AppError> {
    let s = Snapshot {
        settings: tx.settings().await?,
        participants: tx.all().await?,
        transcripts: tx.all().await?,
        versions: HashMap::new(),
        statements: tx.all().await?,
        themes: tx.all().await?,
        assignments: Vec::new(),
        extracts: tx.all().await?,
        journal: Vec::new(),
    };
    let mut notes: Vec<model::ExploratoryNote> = Vec::new();
    for id in entries.iter().filter_map(|j| j.about.as_ref()) {
        // An entry about anything but a note names no note: the look-up finds none.
        if let Ok(n) = tx.get::<model::ExploratoryNote>(id).await {
            notes.push(n);
        }
    }
    Ok((s, notes))
}

/// A snapshot of one case: its participant, transcripts, statements, assignments and extracts,
/// every theme (themes are few), and only the `versions` named. What the view of one of the
/// case's objects needs, without reading the whole study.
async fn case_snapshot<'a>(
    tx: &mut Tx,
    participant: &ObjectId,
    versions: impl Iterator<Item = &'a ObjectId>,
) -> Result<Snapshot, AppError> {
    let mut read = HashMap::new();
    for id in versions {
        if !read.contains_key(id) {
            read.insert(id.clone(), tx.version(id).await?);
        }
    }
    Ok(Snapshot {
        settings: tx.settings().await?,
        participants: vec![tx.get(participant).await?],
        transcripts: tx.of_participant(participant).await?,
        versions: read,
        statements: tx.of_participant(participant).await?,
        themes: tx.all().await?,
        assignments: tx.of_participant(participant).await?,
        extracts: tx.of_participant(participant).await?,
        journal: Vec::new(),
    })
}
