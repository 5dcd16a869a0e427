//! Conversions between model objects and rows. Model types carry no storage code; this is it.

use std::collections::BTreeMap;

use idiograph_model::{
    Anchor, AskedQuestion, Assignment, ExperientialStatement, ExploratoryNote, Extract, FillerPolicy, GroupingStrategy,
    GuideQuestion, InterviewMeta, JournalEntry, LineMapping, Member, NoteKind, ObjectId, OriginalsPolicy, Participant,
    Recording, RecurrenceRule, ReplacementCount, ReviewDecision, SpeakerRole, StudySettings, SyncPoint, SyncPoints,
    Terminology, Theme, ThemeScope, Transcript, Verdict, WordDecision,
};
use idiograph_text::{LayoutParams, Quote, Span, TextSize};
use serde_json::{json, Value as Json};

use crate::row::{Row, Table, Value};
use crate::tables::*;
use crate::StoreError;

/// A model object stored as one row of one table.
pub trait Codec: Sized {
    /// The table it lives in.
    fn table() -> &'static Table;
    /// Its row image.
    fn to_row(&self) -> Row;
    /// Rebuilds it from a row image.
    fn from_row(row: &Row) -> Result<Self, StoreError>;
}

fn row(table: &'static Table, values: Vec<Value>) -> Row {
    debug_assert_eq!(values.len(), table.columns.len(), "{}", table.name);
    Row { table, values }
}

fn id(row: &Row, column: &str) -> ObjectId {
    ObjectId::new(row.text(column))
}

fn opt_id(row: &Row, column: &str) -> Option<ObjectId> {
    row.opt_text(column).map(ObjectId::new)
}

fn parse<T: std::str::FromStr>(row: &Row, column: &str) -> Result<T, StoreError> {
    row.text(column).parse().map_err(|_| corrupt(row, column))
}

fn corrupt(row: &Row, column: &str) -> StoreError {
    StoreError::Corrupt(format!("{}.{} of {} cannot be read", row.table.name, column, row.id()))
}

fn json_col(row: &Row, column: &str) -> Result<Json, StoreError> {
    serde_json::from_str(&row.text(column)).map_err(|_| corrupt(row, column))
}

/// The fixed id of the single study row.
pub const STUDY_ID: &str = "study";

impl Codec for StudySettings {
    fn table() -> &'static Table {
        &STUDY
    }
    fn to_row(&self) -> Row {
        row(
            &STUDY,
            vec![
                Value::text(STUDY_ID),
                Value::text(&self.title),
                Value::opt_text(self.research_question.clone()),
                Value::text(self.terminology.as_str()),
                Value::text(self.recurrence_rule.encode()),
                Value::Int(self.layout.chars_per_line() as i64),
                Value::Int(self.layout.lines_per_page() as i64),
                Value::text(self.originals.as_str()),
                Value::opt_text(self.key_id.clone()),
                Value::text(self.fillers.as_str()),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(StudySettings {
            title: r.text("title"),
            research_question: r.opt_text("research_question"),
            terminology: parse::<Terminology>(r, "terminology")?,
            recurrence_rule: RecurrenceRule::parse(&r.text("recurrence_rule"))
                .map_err(|_| corrupt(r, "recurrence_rule"))?,
            layout: LayoutParams::new(r.int("chars_per_line") as u32, r.int("lines_per_page") as u32)
                .map_err(|_| corrupt(r, "chars_per_line"))?,
            originals: parse::<OriginalsPolicy>(r, "originals")?,
            key_id: r.opt_text("key_id"),
            fillers: parse::<FillerPolicy>(r, "fillers")?,
        })
    }
}

impl Codec for Participant {
    fn table() -> &'static Table {
        &PARTICIPANT
    }
    fn to_row(&self) -> Row {
        let m = &self.interview;
        let interview = json!({"date": m.date, "mode": m.mode, "duration_minutes": m.duration_minutes, "interviewer": m.interviewer});
        row(
            &PARTICIPANT,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::text(&self.pseudonym),
                Value::text(serde_json::to_string(&self.attributes).unwrap_or_default()),
                Value::text(interview.to_string()),
                Value::opt_text(self.finished_at.clone()),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let attributes: BTreeMap<String, String> =
            serde_json::from_str(&r.text("attributes")).map_err(|_| corrupt(r, "attributes"))?;
        let i = json_col(r, "interview")?;
        let s = |k: &str| i.get(k).and_then(Json::as_str).map(str::to_owned);
        Ok(Participant {
            id: id(r, "id"),
            short: r.int("short") as u32,
            pseudonym: r.text("pseudonym"),
            attributes,
            interview: InterviewMeta {
                date: s("date"),
                mode: s("mode"),
                duration_minutes: i.get("duration_minutes").and_then(Json::as_u64).map(|m| m as u32),
                interviewer: s("interviewer"),
            },
            finished_at: r.opt_text("finished_at"),
        })
    }
}

impl Codec for Transcript {
    fn table() -> &'static Table {
        &TRANSCRIPT
    }
    fn to_row(&self) -> Row {
        let speakers: BTreeMap<&str, &str> = self.speakers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        row(
            &TRANSCRIPT,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::text(self.participant_id.as_str()),
                Value::text(&self.title),
                Value::text(self.current_version.as_str()),
                Value::text(serde_json::to_string(&speakers).unwrap_or_default()),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let raw: BTreeMap<String, String> =
            serde_json::from_str(&r.text("speakers")).map_err(|_| corrupt(r, "speakers"))?;
        let mut speakers = BTreeMap::new();
        for (label, role) in raw {
            speakers.insert(label, role.parse::<SpeakerRole>().map_err(|_| corrupt(r, "speakers"))?);
        }
        Ok(Transcript {
            id: id(r, "id"),
            short: r.int("short") as u32,
            participant_id: id(r, "participant_id"),
            title: r.text("title"),
            current_version: id(r, "current_version"),
            speakers,
            created_at: r.text("created_at"),
        })
    }
}

fn anchor_values(a: &Anchor) -> [Value; 6] {
    [
        Value::text(a.version_id().as_str()),
        Value::Int(a.span().start().to_u32() as i64),
        Value::Int(a.span().end().to_u32() as i64),
        Value::text(a.quote().prefix()),
        Value::text(a.quote().exact()),
        Value::text(a.quote().suffix()),
    ]
}

fn anchor_from(r: &Row) -> Result<Anchor, StoreError> {
    let (s, e) = (r.int("start_byte"), r.int("end_byte"));
    if s < 0 || e < s || e > u32::MAX as i64 {
        return Err(corrupt(r, "start_byte"));
    }
    Ok(Anchor::from_parts(
        id(r, "version_id"),
        span_unchecked(s as u32, e as u32),
        Quote::from_parts(r.text("quote_prefix"), r.text("quote_exact"), r.text("quote_suffix")),
    ))
}

/// Spans read back from storage were checked when they were made; the app re-checks them
/// against the version text before using them to slice.
fn span_unchecked(start: u32, end: u32) -> Span {
    Span::from_bounds(TextSize::new(start), TextSize::new(end))
}

fn anchor_json(a: &Anchor) -> Json {
    json!({
        "version": a.version_id().as_str(), "start": a.span().start().to_u32(), "end": a.span().end().to_u32(),
        "prefix": a.quote().prefix(), "exact": a.quote().exact(), "suffix": a.quote().suffix(),
    })
}

fn anchor_from_json(j: &Json) -> Option<Anchor> {
    let s = |k: &str| j.get(k).and_then(Json::as_str).map(str::to_owned);
    let n = |k: &str| j.get(k).and_then(Json::as_u64).map(|v| v as u32);
    let (start, end) = (n("start")?, n("end")?);
    if end < start {
        return None;
    }
    Some(Anchor::from_parts(
        ObjectId::new(s("version")?),
        span_unchecked(start, end),
        Quote::from_parts(s("prefix")?, s("exact")?, s("suffix")?),
    ))
}

impl Codec for ExploratoryNote {
    fn table() -> &'static Table {
        &NOTE
    }
    fn to_row(&self) -> Row {
        let mut v = vec![
            Value::text(self.id.as_str()),
            Value::Int(self.short as i64),
            Value::text(self.participant_id.as_str()),
            Value::text(self.transcript_id.as_str()),
        ];
        v.extend(anchor_values(&self.anchor));
        v.extend([
            Value::text(self.kind.as_str()),
            Value::text(&self.text),
            Value::text(&self.author),
            Value::text(&self.created_at),
            Value::opt_int(self.heard_ms),
        ]);
        row(&NOTE, v)
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(ExploratoryNote {
            id: id(r, "id"),
            short: r.int("short") as u32,
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            anchor: anchor_from(r)?,
            kind: parse::<NoteKind>(r, "kind")?,
            text: r.text("body"),
            author: r.text("author"),
            created_at: r.text("created_at"),
            heard_ms: heard(r)?,
        })
    }
}

/// A stored `heard_ms`: absent, or a time that cannot be negative.
fn heard(r: &Row) -> Result<Option<u64>, StoreError> {
    r.opt_int("heard_ms").map(|ms| u64::try_from(ms).map_err(|_| corrupt(r, "heard_ms"))).transpose()
}

impl Codec for ExperientialStatement {
    fn table() -> &'static Table {
        &STATEMENT
    }
    fn to_row(&self) -> Row {
        let anchors = Json::Array(self.anchors.iter().map(anchor_json).collect());
        let notes = Json::Array(self.from_notes.iter().map(|n| Json::from(n.as_str())).collect());
        row(
            &STATEMENT,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::text(self.participant_id.as_str()),
                Value::text(&self.text),
                Value::text(anchors.to_string()),
                Value::text(notes.to_string()),
                Value::text(&self.author),
                Value::text(&self.created_at),
                Value::opt_int(self.heard_ms),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let anchors = match json_col(r, "anchors")? {
            Json::Array(items) => items.iter().map(anchor_from_json).collect::<Option<Vec<_>>>(),
            _ => None,
        }
        .ok_or_else(|| corrupt(r, "anchors"))?;
        let from_notes = match json_col(r, "from_notes")? {
            Json::Array(items) => items.iter().map(|i| i.as_str().map(ObjectId::new)).collect::<Option<Vec<_>>>(),
            _ => None,
        }
        .ok_or_else(|| corrupt(r, "from_notes"))?;
        Ok(ExperientialStatement {
            id: id(r, "id"),
            short: r.int("short") as u32,
            participant_id: id(r, "participant_id"),
            text: r.text("body"),
            anchors,
            from_notes,
            author: r.text("author"),
            created_at: r.text("created_at"),
            heard_ms: heard(r)?,
        })
    }
}

impl Codec for Theme {
    fn table() -> &'static Table {
        &THEME
    }
    fn to_row(&self) -> Row {
        row(
            &THEME,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::opt_text(self.participant_id().map(|p| p.as_str().to_owned())),
                Value::opt_text(self.parent.as_ref().map(|p| p.as_str().to_owned())),
                Value::text(&self.title),
                Value::opt_text(self.description.clone()),
                Value::Int(self.position),
                Value::text(&self.created_at),
                Value::opt_text(self.note.clone()),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Theme {
            id: id(r, "id"),
            short: r.int("short") as u32,
            scope: opt_id(r, "participant_id").map_or(ThemeScope::Group, ThemeScope::Case),
            parent: opt_id(r, "parent_id"),
            title: r.text("title"),
            description: r.opt_text("description"),
            position: r.int("position"),
            created_at: r.text("created_at"),
            note: r.opt_text("note"),
        })
    }
}

impl Codec for Assignment {
    fn table() -> &'static Table {
        &ASSIGNMENT
    }
    fn to_row(&self) -> Row {
        let (statement, theme) = match &self.member {
            Member::Statement(s) => (Some(s.as_str().to_owned()), None),
            Member::Theme(t) => (None, Some(t.as_str().to_owned())),
        };
        row(
            &ASSIGNMENT,
            vec![
                Value::text(self.id.as_str()),
                Value::text(self.theme_id.as_str()),
                Value::opt_text(statement),
                Value::opt_text(theme),
                Value::text(self.participant_id.as_str()),
                Value::opt_text(self.strategy.map(|s| s.as_str())),
                Value::opt_text(self.rationale.clone()),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let member = match (opt_id(r, "statement_id"), opt_id(r, "member_theme_id")) {
            (Some(s), None) => Member::Statement(s),
            (None, Some(t)) => Member::Theme(t),
            _ => return Err(corrupt(r, "statement_id")),
        };
        Ok(Assignment {
            id: id(r, "id"),
            theme_id: id(r, "theme_id"),
            member,
            participant_id: id(r, "participant_id"),
            strategy: r
                .opt_text("strategy")
                .map(|s| s.parse::<GroupingStrategy>())
                .transpose()
                .map_err(|_| corrupt(r, "strategy"))?,
            rationale: r.opt_text("rationale"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for Extract {
    fn table() -> &'static Table {
        &EXTRACT
    }
    fn to_row(&self) -> Row {
        let mut v = vec![
            Value::text(self.id.as_str()),
            Value::Int(self.short as i64),
            Value::text(self.theme_id.as_str()),
            Value::text(self.participant_id.as_str()),
            Value::text(self.transcript_id.as_str()),
        ];
        v.extend(anchor_values(&self.anchor));
        v.push(Value::text(&self.created_at));
        row(&EXTRACT, v)
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(Extract {
            id: id(r, "id"),
            short: r.int("short") as u32,
            theme_id: id(r, "theme_id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            anchor: anchor_from(r)?,
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for GuideQuestion {
    fn table() -> &'static Table {
        &GUIDE_QUESTION
    }
    fn to_row(&self) -> Row {
        row(
            &GUIDE_QUESTION,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::opt_text(self.parent.as_ref().map(|p| p.as_str().to_owned())),
                Value::Int(self.position),
                Value::text(&self.text),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(GuideQuestion {
            id: id(r, "id"),
            short: r.int("short") as u32,
            parent: opt_id(r, "parent_id"),
            position: r.int("position"),
            text: r.text("body"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for AskedQuestion {
    fn table() -> &'static Table {
        &ASKED_QUESTION
    }
    fn to_row(&self) -> Row {
        let mut v = vec![
            Value::text(self.id.as_str()),
            Value::text(self.question_id.as_str()),
            Value::text(self.participant_id.as_str()),
            Value::text(self.transcript_id.as_str()),
        ];
        v.extend(anchor_values(&self.anchor));
        v.push(Value::text(&self.author));
        v.push(Value::text(&self.created_at));
        row(&ASKED_QUESTION, v)
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(AskedQuestion {
            id: id(r, "id"),
            question_id: id(r, "question_id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            anchor: anchor_from(r)?,
            author: r.text("author"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for Recording {
    fn table() -> &'static Table {
        &RECORDING
    }
    fn to_row(&self) -> Row {
        row(
            &RECORDING,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::text(self.participant_id.as_str()),
                Value::text(self.transcript_id.as_str()),
                Value::text(&self.file_name),
                Value::text(self.media.as_str()),
                Value::text(&self.mime),
                Value::Int(self.byte_length as i64),
                self.duration_ms.map_or(Value::Null, |d| Value::Int(d as i64)),
                Value::text(&self.sha256),
                Value::text(&self.author),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let count = |c: &str| u64::try_from(r.int(c)).map_err(|_| corrupt(r, c));
        Ok(Recording {
            id: id(r, "id"),
            short: r.int("short") as u32,
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            file_name: r.text("file_name"),
            media: parse(r, "media_kind")?,
            mime: r.text("mime"),
            byte_length: count("byte_length")?,
            duration_ms: match r.get("duration_ms") {
                Value::Null => None,
                _ => Some(count("duration_ms")?),
            },
            sha256: r.text("sha256"),
            author: r.text("author"),
            created_at: r.text("created_at"),
        })
    }
}

/// Sync points as `position:time` pairs in decimal, space-separated: compact, readable, and
/// the same on both backends.
fn encode_points(points: &[SyncPoint]) -> String {
    points.iter().map(|p| format!("{}:{}", p.position, p.time_ms)).collect::<Vec<_>>().join(" ")
}

fn decode_points(r: &Row) -> Result<Vec<SyncPoint>, StoreError> {
    r.text("points")
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (position, time) = pair.split_once(':')?;
            Some(SyncPoint { position: TextSize::new(position.parse().ok()?), time_ms: time.parse().ok()? })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| corrupt(r, "points"))
}

impl Codec for SyncPoints {
    fn table() -> &'static Table {
        &SYNC_POINTS
    }
    fn to_row(&self) -> Row {
        row(
            &SYNC_POINTS,
            vec![
                Value::text(self.id.as_str()),
                Value::text(self.participant_id.as_str()),
                Value::text(self.transcript_id.as_str()),
                Value::text(self.version_id.as_str()),
                Value::text(encode_points(&self.points)),
                Value::text(&self.author),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(SyncPoints {
            id: id(r, "id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            version_id: id(r, "version_id"),
            points: decode_points(r)?,
            author: r.text("author"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for JournalEntry {
    fn table() -> &'static Table {
        &JOURNAL
    }
    fn to_row(&self) -> Row {
        row(
            &JOURNAL,
            vec![
                Value::text(self.id.as_str()),
                Value::Int(self.short as i64),
                Value::text(&self.author),
                Value::text(&self.created_at),
                Value::text(&self.text),
                Value::opt_text(self.about.as_ref().map(|a| a.as_str().to_owned())),
                Value::opt_text(self.participant_id.as_ref().map(|a| a.as_str().to_owned())),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(JournalEntry {
            id: id(r, "id"),
            short: r.int("short") as u32,
            author: r.text("author"),
            created_at: r.text("created_at"),
            text: r.text("body"),
            about: opt_id(r, "about_id"),
            participant_id: opt_id(r, "participant_id"),
        })
    }
}

impl Codec for ReviewDecision {
    fn table() -> &'static Table {
        &REVIEW_DECISION
    }
    fn to_row(&self) -> Row {
        row(
            &REVIEW_DECISION,
            vec![
                Value::text(self.id.as_str()),
                Value::text(self.participant_id.as_str()),
                Value::text(self.transcript_id.as_str()),
                Value::text(self.version_id.as_str()),
                Value::Int(self.span.start().to_u32() as i64),
                Value::Int(self.span.end().to_u32() as i64),
                Value::text(&self.kind),
                Value::text(self.verdict.as_str()),
                Value::opt_text(self.replacement.clone()),
                Value::text(&self.author),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(ReviewDecision {
            id: id(r, "id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            version_id: id(r, "version_id"),
            span: Span::from_bounds(TextSize::new(r.int("start_byte") as u32), TextSize::new(r.int("end_byte") as u32)),
            kind: r.text("kind"),
            verdict: parse::<Verdict>(r, "verdict")?,
            replacement: r.opt_text("replacement"),
            author: r.text("author"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for WordDecision {
    fn table() -> &'static Table {
        &REVIEW_WORD
    }
    fn to_row(&self) -> Row {
        row(
            &REVIEW_WORD,
            vec![
                Value::text(self.id.as_str()),
                Value::text(&self.word),
                Value::text(&self.kind),
                Value::text(self.verdict.as_str()),
                Value::opt_text(self.replacement.clone()),
                Value::text(&self.author),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(WordDecision {
            id: id(r, "id"),
            word: r.text("word"),
            kind: r.text("kind"),
            verdict: parse::<Verdict>(r, "verdict")?,
            replacement: r.opt_text("replacement"),
            author: r.text("author"),
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for ReplacementCount {
    fn table() -> &'static Table {
        &REPLACEMENT_COUNT
    }
    fn to_row(&self) -> Row {
        row(
            &REPLACEMENT_COUNT,
            vec![
                Value::text(self.id.as_str()),
                Value::text(self.participant_id.as_str()),
                Value::text(self.transcript_id.as_str()),
                Value::text(self.version_id.as_str()),
                Value::text(&self.category),
                Value::Int(self.count as i64),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        Ok(ReplacementCount {
            id: id(r, "id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            version_id: id(r, "version_id"),
            category: r.text("category"),
            count: r.int("count") as u32,
            created_at: r.text("created_at"),
        })
    }
}

impl Codec for LineMapping {
    fn table() -> &'static Table {
        &LINE_MAPPING
    }
    fn to_row(&self) -> Row {
        row(
            &LINE_MAPPING,
            vec![
                Value::text(self.id.as_str()),
                Value::text(self.participant_id.as_str()),
                Value::text(self.transcript_id.as_str()),
                Value::text(self.from_version.as_str()),
                Value::text(json!(self.lines).to_string()),
                Value::text(&self.created_at),
            ],
        )
    }
    fn from_row(r: &Row) -> Result<Self, StoreError> {
        let lines: Vec<u32> = serde_json::from_str(&r.text("lines")).map_err(|_| corrupt(r, "lines"))?;
        Ok(LineMapping {
            id: id(r, "id"),
            participant_id: id(r, "participant_id"),
            transcript_id: id(r, "transcript_id"),
            from_version: id(r, "from_version"),
            lines,
            created_at: r.text("created_at"),
        })
    }
}
