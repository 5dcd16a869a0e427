//! The transcript view: statements | numbered transcript | exploratory notes.
//!
//! Each line is split into segments at every anchor boundary (and at speaker labels), and each
//! segment names the annotations covering it, so overlapping anchors render without nesting.
//! Each line carries its UTF-16 start offset, from which the browser computes selections.
//!
//! The page is rendered whole once; after a change the browser asks [`parts`] for the lines and
//! cards that changed, rendered by the same macros (`transcript_parts.html`), and puts them in
//! place without a reload, so focus, scroll position and whatever the reader was doing survive.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Path, Query};
use axum::Json;
use idiograph_app::{TranscriptView, VersionToken};
use idiograph_model::{Anchor, Member, NoteKind};
use idiograph_text::TextSize;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{render, Chrome};
use crate::auth::Bench;
use crate::error::{ApiError, ApiResult, PageResult};

pub(crate) struct Seg {
    text: String,
    ids: String,
    class: String,
}

/// One frozen line as the page shows it.
pub(crate) struct LineView {
    global: u32,
    page: u32,
    line: u32,
    u16: usize,
    /// Where a selection of this whole line starts, as a UTF-16 offset: past the cue time and
    /// speaker label of a line that opens a turn (`TranscriptVersion::lines_to_span`).
    words: usize,
    /// When the line starts in the recording, in milliseconds, where anything says so.
    time_ms: Option<u64>,
    page_break: bool,
    segments: Vec<Seg>,
}

/// A note this statement was developed from, as its card names it.
pub(crate) struct SourceNote {
    id: String,
    kind_label: &'static str,
    lines: String,
    text: String,
}

pub(crate) struct NoteCard {
    id: String,
    /// The note's stable id: live events name objects by it.
    key: String,
    /// The version token the page sends back when it edits or deletes the note.
    revision: String,
    author: String,
    kind: &'static str,
    kind_label: &'static str,
    text: String,
    lines: String,
    first_line: u32,
    /// The frozen lines the note covers, as `first-last`: what the page re-reads when it changes.
    spans: String,
    heard: Option<Heard>,
}

/// Where the recording was when a note or statement was written: the page plays from there.
pub(crate) struct Heard {
    ms: u64,
    /// As a clock shows it, `12:34` or `1:02:03`.
    at: String,
}

impl Heard {
    fn of(ms: Option<u64>) -> Option<Heard> {
        let ms = ms?;
        let s = ms / 1000;
        let at = match s / 3600 {
            0 => format!("{}:{:02}", s / 60, s % 60),
            h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
        };
        Some(Heard { ms, at })
    }
}

pub(crate) struct StatementCard {
    id: String,
    key: String,
    revision: String,
    text: String,
    lines: String,
    first_line: u32,
    /// Each passage's frozen lines, as `first-last`, space-separated.
    spans: String,
    pets: Vec<(String, String)>,
    from_notes: Vec<SourceNote>,
    heard: Option<Heard>,
}

/// The three-column transcript page.
#[derive(Template)]
#[template(path = "transcript.html")]
pub(crate) struct TranscriptPage {
    chrome: Chrome,
    /// The newest command when the page was read: its live view replays what came after.
    live_from: i64,
    /// Who reads: the reading position is kept per reader.
    reader: String,
    /// The stable ids of the extracts from this version, space-separated: a live event naming
    /// one that is gone concerns this page.
    extract_keys: String,
    id: String,
    title: String,
    version: String,
    case: String,
    pseudonym: String,
    pages: u32,
    /// The lines sent with the page: all of them, or the first [`FIRST_LINES`] of a long
    /// transcript, whose rest the page then fetches in chunks ([`parts`] with `from`, `to`).
    lines: Vec<LineView>,
    /// How many lines the transcript has.
    line_total: u32,
    /// The first line not sent with the page, if any.
    rest_from: Option<u32>,
    notes: Vec<NoteCard>,
    statements: Vec<StatementCard>,
    kinds: Vec<(&'static str, &'static str, usize)>,
    /// Everyone who wrote notes on this version, with how many: a checkbox each, to compare
    /// analysts' readings of the case.
    authors: Vec<(String, usize)>,
    /// Themes an extract from this transcript can illustrate: this case's PETs and all GETs.
    themes: Vec<(String, String)>,
    /// Each pseudonymisation that renumbered the lines: its date, the old and new version, and
    /// the old → new line of every line that moved.
    renumberings: Vec<RenumberingView>,
    /// The recording to listen to while reading, if the transcript has one.
    recording: Option<RecordingBar>,
    /// How many lines have a time to play from.
    timed_lines: usize,
}

/// The player of a transcript's recording, at the foot of its page.
pub(crate) struct RecordingBar {
    /// Where the browser fetches the media (with Range requests).
    src: String,
    /// A video shows its picture; audio only its controls.
    video: bool,
    /// The file the researcher attached.
    file_name: String,
}

/// A pseudonymisation of the transcript as the page states it.
pub(crate) struct RenumberingView {
    /// The day, as `YYYY-MM-DD`.
    on: String,
    from: u32,
    to: u32,
    /// Old line → new line, for the lines whose number changed.
    moved: Vec<(u32, u32)>,
}

/// One line, rendered alone for [`parts`].
#[derive(Template)]
#[template(
    source = r#"{% import "transcript_parts.html" as parts %}{% call parts::line(l) %}{% endcall %}"#,
    ext = "html"
)]
struct LineHtml<'a> {
    l: &'a LineView,
}

/// One note card, rendered alone for [`parts`].
#[derive(Template)]
#[template(
    source = r#"{% import "transcript_parts.html" as parts %}{% call parts::note(n, by) %}{% endcall %}"#,
    ext = "html"
)]
struct NoteHtml<'a> {
    n: &'a NoteCard,
    by: bool,
}

/// One statement card, rendered alone for [`parts`].
#[derive(Template)]
#[template(
    source = r#"{% import "transcript_parts.html" as parts %}{% call parts::statement(s, label) %}{% endcall %}"#,
    ext = "html"
)]
struct StatementHtml<'a> {
    s: &'a StatementCard,
    label: &'a str,
}

fn kind_label(k: NoteKind) -> &'static str {
    match k {
        NoteKind::Descriptive => "Descriptive",
        NoteKind::Linguistic => "Linguistic",
        NoteKind::Conceptual => "Conceptual",
        NoteKind::Free => "Free",
    }
}

/// The start of a note's text, for the statement card that names it (the note's own card, one
/// click away, has it whole).
fn glimpse(text: &str) -> String {
    const CHARS: usize = 90;
    match text.char_indices().nth(CHARS) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_owned(),
    }
}

/// An annotation as the segmenter sees it: byte range, id, and CSS class.
struct Mark {
    start: usize,
    end: usize,
    id: String,
    class: &'static str,
}

/// What the page shows of one transcript view, worked out once per request: the cards, and
/// the marks each line carries, so that one line can be rendered without the others.
struct Reading<'v> {
    view: &'v TranscriptView,
    marks: Vec<Mark>,
    /// For each global line that has any, the marks touching it (most lines of a long
    /// transcript have none, and a slot per line would cost more than the layout).
    per_line: HashMap<u32, Vec<usize>>,
    /// Speaker labels as byte ranges, in text order.
    labels: Vec<(usize, usize)>,
    notes: Vec<NoteCard>,
    statements: Vec<StatementCard>,
    /// Each extract's lines, as `first-last`, by its stable id.
    extract_lines: HashMap<String, String>,
}

impl<'v> Reading<'v> {
    fn new(view: &'v TranscriptView) -> Reading<'v> {
        let v = &view.version;
        let here = |a: &Anchor| a.version_id() == &v.id;
        let line_of = |a: &Anchor| v.layout.position(a.span().start()).global;
        let span_of = |a: &Anchor| {
            let first = line_of(a);
            let last = v.layout.position(TextSize::new(a.span().end().to_u32().saturating_sub(1))).global;
            format!("{first}-{}", last.max(first))
        };

        let mut marks: Vec<Mark> = Vec::new();
        let mut notes = Vec::new();
        let mut by_id = HashMap::new();
        for n in &view.notes {
            let sp = n.anchor.span();
            let id = n.short_id().to_string();
            let class = match n.kind {
                NoteKind::Descriptive => "k-descriptive",
                NoteKind::Linguistic => "k-linguistic",
                NoteKind::Conceptual => "k-conceptual",
                NoteKind::Free => "k-free",
            };
            marks.push(Mark { start: sp.start().to_usize(), end: sp.end().to_usize(), id: id.clone(), class });
            by_id.insert(n.id.clone(), notes.len());
            notes.push(NoteCard {
                id,
                key: n.id.as_str().to_owned(),
                revision: n.version_token(),
                author: n.author.clone(),
                kind: n.kind.as_str(),
                kind_label: kind_label(n.kind),
                text: n.text.clone(),
                lines: v.layout.span_lines(sp).to_string(),
                first_line: line_of(&n.anchor),
                spans: span_of(&n.anchor),
                heard: Heard::of(n.heard_ms),
            });
        }
        let mut statements = Vec::new();
        for stmt in &view.statements {
            let id = stmt.short_id().to_string();
            let mut first = u32::MAX;
            let mut lines = Vec::new();
            let mut spans = Vec::new();
            for a in stmt.anchors.iter().filter(|a| here(a)) {
                marks.push(Mark {
                    start: a.span().start().to_usize(),
                    end: a.span().end().to_usize(),
                    id: id.clone(),
                    class: "stmt",
                });
                first = first.min(line_of(a));
                lines.push(v.layout.span_lines(a.span()).to_string());
                spans.push(span_of(a));
            }
            let pets = view
                .assignments
                .iter()
                .filter(|a| matches!(&a.member, Member::Statement(x) if x == &stmt.id))
                .filter_map(|a| view.theme(&a.theme_id))
                .map(|th| (th.short_id().to_string(), th.title.clone()))
                .collect();
            // A source note on an older version of the transcript is not on this page; its id
            // is still named, so the trail is not silently shortened.
            let from_notes = stmt
                .from_notes
                .iter()
                .map(|n| match by_id.get(n).map(|&i| &notes[i]) {
                    Some(c) => SourceNote {
                        id: c.id.clone(),
                        kind_label: c.kind_label,
                        lines: c.lines.clone(),
                        text: glimpse(&c.text),
                    },
                    None => SourceNote {
                        id: String::new(),
                        kind_label: "",
                        lines: String::new(),
                        text: "a note on another version of this transcript".to_owned(),
                    },
                })
                .collect();
            statements.push(StatementCard {
                id,
                key: stmt.id.as_str().to_owned(),
                revision: stmt.version_token(),
                text: stmt.text.clone(),
                lines: lines.join("; "),
                first_line: first,
                spans: spans.join(" "),
                pets,
                from_notes,
                heard: Heard::of(stmt.heard_ms),
            });
        }
        let mut extract_lines = HashMap::new();
        for x in &view.extracts {
            let sp = x.anchor.span();
            extract_lines.insert(x.id.as_str().to_owned(), span_of(&x.anchor));
            marks.push(Mark {
                start: sp.start().to_usize(),
                end: sp.end().to_usize(),
                id: x.short_id().to_string(),
                class: "extract",
            });
        }
        notes.sort_by_key(|c| c.first_line);
        statements.sort_by_key(|c| c.first_line);

        // Which marks touch which line, found by walking each mark's lines once.
        let mut per_line: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, m) in marks.iter().enumerate() {
            let first = v.layout.position(TextSize::new(m.start as u32)).global;
            let last = v.layout.position(TextSize::new(m.end.saturating_sub(1) as u32)).global;
            for g in first..=last {
                per_line.entry(g).or_default().push(i);
            }
        }
        let labels = v
            .turns
            .iter()
            .filter_map(|turn| turn.label_span)
            .map(|sp| (sp.start().to_usize(), sp.end().to_usize()))
            .collect();
        Reading { view, marks, per_line, labels, notes, statements, extract_lines }
    }

    fn line_count(&self) -> u32 {
        self.view.version.layout.line_count()
    }

    /// Global line `g` cut into segments, or `None` past the end.
    fn line(&self, g: u32) -> Option<LineView> {
        let v = &self.view.version;
        let span = v.layout.line_span(g)?;
        let text = v.layout.line_text(&v.text, g).unwrap_or_default();
        let (ls, le) = (span.start().to_usize(), span.start().to_usize() + text.len());
        let pos = v.layout.position(span.start());
        let here_marks: Vec<&Mark> = self.per_line.get(&g).into_iter().flatten().map(|&i| &self.marks[i]).collect();
        // Labels are in text order and never overlap: find this line's by bisection, not by
        // a scan of every label per line (quadratic: 153 s for a 5 MB transcript).
        let first_label = self.labels.partition_point(|(_, b)| *b <= ls);
        let here_labels: Vec<&(usize, usize)> =
            self.labels[first_label..].iter().take_while(|(a, _)| *a < le).collect();
        let mut cuts = vec![ls, le];
        for m in &here_marks {
            cuts.extend([m.start.clamp(ls, le), m.end.clamp(ls, le)]);
        }
        for (a, b) in &here_labels {
            cuts.extend([(*a).clamp(ls, le), (*b).clamp(ls, le)]);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut segments = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a >= b {
                continue;
            }
            let covering: Vec<&&Mark> = here_marks.iter().filter(|m| m.start < b && m.end > a).collect();
            let mut class: Vec<&str> = covering.iter().map(|m| m.class).collect();
            class.sort_unstable();
            class.dedup();
            let depth = covering.iter().filter(|m| m.class.starts_with("k-")).count();
            match depth {
                0 => {}
                1 => class.push("d1"),
                2 => class.push("d2"),
                _ => class.push("d3"),
            }
            if !covering.is_empty() {
                class.push("mark");
            }
            if here_labels.iter().any(|(x, y)| *x <= a && *y >= b) {
                class.push("spk");
            }
            segments.push(Seg {
                text: v.text[a..b].to_owned(),
                ids: covering.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(" "),
                class: class.join(" "),
            });
        }
        let words = v.lines_to_span(g, g).map_or(span.start(), |s| s.start());
        Some(LineView {
            global: g,
            page: pos.page,
            line: pos.line,
            u16: v.units().byte_to_utf16(span.start()),
            words: v.units().byte_to_utf16(words),
            time_ms: self.view.line_times.get(g as usize - 1).copied().flatten(),
            page_break: pos.line == 1,
            segments,
        })
    }

    /// How many notes of each kind, for the filter chips.
    fn kinds(&self) -> Vec<(&'static str, &'static str, usize)> {
        [NoteKind::Descriptive, NoteKind::Linguistic, NoteKind::Conceptual, NoteKind::Free]
            .into_iter()
            .map(|k| (k.as_str(), kind_label(k), self.notes.iter().filter(|c| c.kind == k.as_str()).count()))
            .collect()
    }

    /// The note and statement cards `keep` chooses (by id and first line), rendered as the page
    /// renders them, each with the list it goes in.
    fn cards(&self, keep: impl Fn(&str, u32) -> bool) -> ApiResult<Vec<Value>> {
        let label = idiograph_app::views::Labels::of(self.view.settings.terminology).statement;
        let by = self.authors().len() > 1;
        let mut cards = Vec::new();
        for n in self.notes.iter().filter(|n| keep(&n.id, n.first_line)) {
            cards.push(json!({ "id": n.id, "list": "notes", "html": NoteHtml { n, by }.render()? }));
        }
        for s in self.statements.iter().filter(|s| keep(&s.id, s.first_line)) {
            cards.push(json!({ "id": s.id, "list": "statements", "html": StatementHtml { s, label }.render()? }));
        }
        Ok(cards)
    }

    fn authors(&self) -> Vec<(String, usize)> {
        let mut authors: Vec<(String, usize)> = Vec::new();
        for c in &self.notes {
            match authors.iter_mut().find(|(a, _)| *a == c.author) {
                Some((_, n)) => *n += 1,
                None => authors.push((c.author.clone(), 1)),
            }
        }
        authors.sort();
        authors
    }
}

/// How many lines a long transcript's page is sent with: a few screens at any zoom, so that the
/// first lines are shown and the keys work at once; the rest follows in chunks (a 20,000-word
/// transcript with 2,000 notes is 2 MB of HTML, half a second of parsing and layout).
const FIRST_LINES: u32 = 120;

/// A transcript up to this many lines is sent whole: a chunk for the last few is not worth it.
const WHOLE_UP_TO: u32 = FIRST_LINES * 3 / 2;

pub(crate) async fn transcript(Bench(wb): Bench, Path(id): Path<String>) -> PageResult {
    let live_from = wb.last_change().await?;
    let view = wb.transcript_view(&id).await?;
    let mut reading = Reading::new(&view);
    let (t, v) = (&view.transcript, &view.version);
    let line_total = reading.line_count();
    let sent = if line_total <= WHOLE_UP_TO { line_total } else { FIRST_LINES };
    let lines = (1..=sent).filter_map(|g| reading.line(g)).collect();
    let kinds = reading.kinds();
    let authors = reading.authors();
    let extract_keys = reading.extract_lines.keys().map(String::as_str).collect::<Vec<_>>().join(" ");
    let p = &view.participant;
    let renumberings = wb
        .line_mappings(t.short_id())
        .await?
        .into_iter()
        .map(|r| RenumberingView {
            on: r.at.chars().take(10).collect(),
            from: r.from,
            to: r.to,
            moved: (1..).zip(r.lines).filter(|(old, new)| old != new).collect(),
        })
        .collect();
    let page = TranscriptPage {
        live_from,
        reader: wb.author().to_owned(),
        extract_keys,
        chrome: Chrome::new(&wb, &view.settings, "", format!("{} {}", t.short_id(), t.title)),
        id: t.short_id().to_string(),
        title: t.title.clone(),
        version: v.id.as_str().to_owned(),
        case: p.short_id().to_string(),
        pseudonym: p.pseudonym.clone(),
        pages: v.layout.page_count(),
        lines,
        line_total,
        rest_from: (sent < line_total).then_some(sent + 1),
        notes: {
            reading.notes.retain(|n| n.first_line <= sent);
            reading.notes
        },
        statements: {
            reading.statements.retain(|s| s.first_line <= sent);
            reading.statements
        },
        kinds,
        authors,
        themes: view.themes.iter().map(|th| (th.short_id().to_string(), th.title.clone())).collect(),
        renumberings,
        recording: view.recording.as_ref().map(|r| RecordingBar {
            src: format!("/api/v1/transcripts/{}/recording", t.short_id()),
            video: r.media == idiograph_model::MediaKind::Video,
            file_name: r.file_name.clone(),
        }),
        timed_lines: view.line_times.iter().flatten().count(),
    };
    render(&page)
}

/// Which parts of the transcript page to send: line ranges (`lines=12-14,40`), cards by id
/// (`cards=N3,S2`), the notes, statements and extracts a live event names by stable id
/// (`objects=ID,ID`: their cards and lines), or everything (`all=true`, after an undo).
#[derive(Deserialize)]
pub(crate) struct PartsQuery {
    #[serde(default)]
    lines: String,
    #[serde(default)]
    cards: String,
    #[serde(default)]
    objects: String,
    #[serde(default)]
    all: bool,
    /// A chunk of a long transcript the page was not sent with: lines `from..=to` with their
    /// page breaks, as one piece of HTML, and the cards that start on them.
    from: Option<u32>,
    to: Option<u32>,
}

/// Parses `12-14,40` into the line numbers it names, within `1..=count`.
fn line_set(spec: &str, count: u32) -> Result<Vec<u32>, ApiError> {
    let mut set = Vec::new();
    for part in spec.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let parse = |x: &str| {
            x.trim()
                .parse::<u32>()
                .map_err(|_| ApiError::bad_request(format!("'{part}' is not a line or a range of lines")))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if a > b {
            return Err(ApiError::bad_request(format!("line range '{part}' ends before it starts")));
        }
        set.extend(a.max(1)..=b.min(count));
    }
    set.sort_unstable();
    set.dedup();
    Ok(set)
}

/// The lines and cards of the transcript page that a change touched, rendered as the page
/// renders them, with what the browser needs to put them in place: the version (a new one
/// means the text itself changed: reload), the newest command included (live events up to it
/// are already shown), the kind counts, and the requested cards that no longer exist.
pub(crate) async fn parts(
    Bench(wb): Bench,
    Path(id): Path<String>,
    Query(q): Query<PartsQuery>,
) -> ApiResult<Json<Value>> {
    let seq = wb.last_change().await?;
    let view = wb.transcript_view(&id).await?;
    let reading = Reading::new(&view);
    let count = reading.line_count();
    if let (Some(from), Some(to)) = (q.from, q.to) {
        return chunk(&reading, seq, from, to.min(count));
    }
    let list =
        |s: &'_ str| s.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let mut wanted_cards: HashSet<String> = list(&q.cards).into_iter().collect();
    let mut spans = q.lines.clone();
    // Objects named by a live event: their cards, and the lines those cards and extracts are on
    // now (the browser adds the lines they were on).
    let objects: HashSet<String> = list(&q.objects).into_iter().collect();
    let mut gone_objects: Vec<&str> = Vec::new();
    for key in &objects {
        let card = reading.notes.iter().map(|n| (&n.key, &n.id, &n.spans));
        let card = card.chain(reading.statements.iter().map(|s| (&s.key, &s.id, &s.spans))).find(|(k, _, _)| *k == key);
        match (card, reading.extract_lines.get(key)) {
            (Some((_, id, lines)), _) => {
                wanted_cards.insert(id.clone());
                spans.push_str(&format!(",{}", lines.replace(' ', ",")));
            }
            (None, Some(lines)) => spans.push_str(&format!(",{lines}")),
            (None, None) => gone_objects.push(key),
        }
    }
    let wanted_lines = if q.all { (1..=count).collect() } else { line_set(&spans, count)? };
    let mut lines = Vec::with_capacity(wanted_lines.len());
    for g in wanted_lines {
        if let Some(l) = reading.line(g) {
            lines.push(json!({ "g": g, "html": LineHtml { l: &l }.render()? }));
        }
    }
    let cards = reading.cards(|id, _| q.all || wanted_cards.contains(id))?;
    let found: HashSet<&str> = cards.iter().filter_map(|c| c["id"].as_str()).collect();
    let gone: Vec<&str> = wanted_cards.iter().map(String::as_str).filter(|c| !found.contains(c)).collect();
    let counts: serde_json::Map<String, Value> =
        reading.kinds().into_iter().map(|(k, _, n)| (k.to_owned(), n.into())).collect();
    Ok(Json(json!({
        "version": view.version.id.as_str(),
        "seq": seq,
        "all": q.all,
        "lines": lines,
        "cards": cards,
        "gone": gone,
        "gone_objects": gone_objects,
        "extracts": reading.extract_lines.keys().collect::<Vec<_>>(),
        "counts": counts,
    })))
}

/// Lines with their page breaks, rendered alone for a chunk of a long transcript.
#[derive(Template)]
#[template(
    source = r#"{% import "transcript_parts.html" as parts %}{% call parts::lines(ls) %}{% endcall %}"#,
    ext = "html"
)]
struct LinesHtml<'a> {
    ls: &'a [LineView],
}

/// Lines `from..=to` of a long transcript and the cards that start on them, in order.
fn chunk(reading: &Reading, seq: i64, from: u32, to: u32) -> ApiResult<Json<Value>> {
    if from == 0 || from > to {
        return Err(ApiError::bad_request(format!("lines {from} to {to} are not a chunk of this transcript")));
    }
    let lines: Vec<LineView> = (from..=to).filter_map(|g| reading.line(g)).collect();
    let cards = reading.cards(|_, first| (from..=to).contains(&first))?;
    Ok(Json(json!({
        "version": reading.view.version.id.as_str(),
        "seq": seq,
        "from": from,
        "to": to,
        "html": LinesHtml { ls: &lines }.render()?,
        "cards": cards,
    })))
}

#[cfg(test)]
mod tests {
    use super::line_set;

    #[test]
    fn a_glimpse_keeps_short_texts_and_cuts_long_ones_on_a_char_boundary() {
        assert_eq!(super::glimpse("Short note"), "Short note");
        let long = "é".repeat(100);
        assert_eq!(super::glimpse(&long), format!("{}…", "é".repeat(90)));
    }

    #[test]
    fn line_sets_are_clamped_sorted_and_deduplicated() {
        assert_eq!(line_set("12-14,13, 3", 100).unwrap(), vec![3, 12, 13, 14]);
        assert_eq!(line_set("98-120", 100).unwrap(), vec![98, 99, 100]);
        assert_eq!(line_set("", 100).unwrap(), Vec::<u32>::new());
        assert!(line_set("5-2", 100).is_err());
        assert!(line_set("x", 100).is_err());
    }
}
