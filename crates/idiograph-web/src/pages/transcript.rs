//! The transcript view: statements | numbered transcript | exploratory notes.
//!
//! Each line is split into segments at every anchor boundary (and at speaker labels), and each
//! segment names the annotations covering it, so overlapping anchors render without nesting.
//! Each line carries its UTF-16 start offset, from which the browser computes selections.

use askama::Template;
use axum::extract::Path;
use idiograph_app::VersionToken;
use idiograph_model::NoteKind;
use idiograph_text::{TextSize, UnitIndex};

use super::{render, Chrome};
use crate::auth::Bench;
use crate::error::PageResult;
use crate::view::short;

pub(crate) struct Seg {
    text: String,
    ids: String,
    class: String,
}

pub(crate) struct LineView {
    global: u32,
    page: u32,
    line: u32,
    u16: usize,
    page_break: bool,
    segments: Vec<Seg>,
}

pub(crate) struct NoteCard {
    id: String,
    /// The version token the page sends back when it edits or deletes the note.
    revision: String,
    author: String,
    kind: &'static str,
    kind_label: &'static str,
    text: String,
    lines: String,
    first_line: u32,
}

pub(crate) struct StatementCard {
    id: String,
    revision: String,
    text: String,
    lines: String,
    first_line: u32,
    pets: Vec<(String, String)>,
}

/// The three-column transcript page.
#[derive(Template)]
#[template(path = "transcript.html")]
pub(crate) struct TranscriptPage {
    chrome: Chrome,
    /// The newest command when the page was read: its live view replays what came after.
    live_from: i64,
    id: String,
    title: String,
    version: String,
    case: String,
    pseudonym: String,
    pages: u32,
    lines: Vec<LineView>,
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

pub(crate) fn kind_label(k: NoteKind) -> &'static str {
    match k {
        NoteKind::Descriptive => "Descriptive",
        NoteKind::Linguistic => "Linguistic",
        NoteKind::Conceptual => "Conceptual",
        NoteKind::Free => "Free",
    }
}

/// An annotation as the segmenter sees it: byte range, id, and CSS class.
struct Mark {
    start: usize,
    end: usize,
    id: String,
    class: &'static str,
}

pub(crate) async fn transcript(Bench(wb): Bench, Path(id): Path<String>) -> PageResult {
    let live_from = wb.last_change().await?;
    let view = wb.transcript_view(&id).await?;
    let (t, v) = (&view.transcript, &view.version);
    let index = UnitIndex::new(&v.text);
    let here = |a: &idiograph_model::Anchor| a.version_id() == &v.id;
    let line_of = |a: &idiograph_model::Anchor| v.layout.position(a.span().start()).global;

    let mut marks: Vec<Mark> = Vec::new();
    let mut note_cards = Vec::new();
    for n in &view.notes {
        let sp = n.anchor.span();
        let id = short("N", n.short);
        let class = match n.kind {
            NoteKind::Descriptive => "k-descriptive",
            NoteKind::Linguistic => "k-linguistic",
            NoteKind::Conceptual => "k-conceptual",
            NoteKind::Free => "k-free",
        };
        marks.push(Mark { start: sp.start().to_usize(), end: sp.end().to_usize(), id: id.clone(), class });
        note_cards.push(NoteCard {
            id,
            revision: n.version_token(),
            author: n.author.clone(),
            kind: n.kind.as_str(),
            kind_label: kind_label(n.kind),
            text: n.text.clone(),
            lines: v.layout.span_lines(sp).to_string(),
            first_line: line_of(&n.anchor),
        });
    }
    let mut statement_cards = Vec::new();
    for stmt in &view.statements {
        let id = short("S", stmt.short);
        let mut first = u32::MAX;
        let mut lines = Vec::new();
        for a in stmt.anchors.iter().filter(|a| here(a)) {
            marks.push(Mark {
                start: a.span().start().to_usize(),
                end: a.span().end().to_usize(),
                id: id.clone(),
                class: "stmt",
            });
            first = first.min(line_of(a));
            lines.push(v.layout.span_lines(a.span()).to_string());
        }
        let pets = view
            .assignments
            .iter()
            .filter(|a| matches!(&a.member, idiograph_model::Member::Statement(x) if x == &stmt.id))
            .filter_map(|a| view.theme(&a.theme_id))
            .map(|th| (short("TH", th.short), th.title.clone()))
            .collect();
        statement_cards.push(StatementCard {
            id,
            revision: stmt.version_token(),
            text: stmt.text.clone(),
            lines: lines.join("; "),
            first_line: first,
            pets,
        });
    }
    for x in &view.extracts {
        let sp = x.anchor.span();
        marks.push(Mark {
            start: sp.start().to_usize(),
            end: sp.end().to_usize(),
            id: short("X", x.short),
            class: "extract",
        });
    }
    note_cards.sort_by_key(|c| c.first_line);
    statement_cards.sort_by_key(|c| c.first_line);

    // Which marks touch which line, found by walking each mark's lines once.
    let count = v.layout.line_count() as usize;
    let mut per_line: Vec<Vec<usize>> = vec![Vec::new(); count + 1];
    for (i, m) in marks.iter().enumerate() {
        let first = v.layout.position(TextSize::new(m.start as u32)).global as usize;
        let last = v.layout.position(TextSize::new(m.end.saturating_sub(1) as u32)).global as usize;
        for slot in per_line.iter_mut().take(last.min(count) + 1).skip(first) {
            slot.push(i);
        }
    }
    let labels: Vec<(usize, usize)> = v
        .turns
        .iter()
        .filter_map(|turn| turn.label_span)
        .map(|sp| (sp.start().to_usize(), sp.end().to_usize()))
        .collect();

    let mut lines = Vec::with_capacity(count);
    for g in 1..=count as u32 {
        let Some(span) = v.layout.line_span(g) else { continue };
        let text = v.layout.line_text(&v.text, g).unwrap_or_default();
        let (ls, le) = (span.start().to_usize(), span.start().to_usize() + text.len());
        let pos = v.layout.position(span.start());
        let here_marks: Vec<&Mark> = per_line[g as usize].iter().map(|&i| &marks[i]).collect();
        // Labels are in text order and never overlap: find this line's by bisection, not by
        // a scan of every label per line (quadratic: 153 s for a 5 MB transcript).
        let first_label = labels.partition_point(|(_, b)| *b <= ls);
        let here_labels: Vec<&(usize, usize)> = labels[first_label..].iter().take_while(|(a, _)| *a < le).collect();
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
            let depth_class = match depth {
                0 => "",
                1 => "d1",
                2 => "d2",
                _ => "d3",
            };
            if !depth_class.is_empty() {
                class.push(depth_class);
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
        lines.push(LineView {
            global: g,
            page: pos.page,
            line: pos.line,
            u16: index.byte_to_utf16(span.start()),
            page_break: pos.line == 1,
            segments,
        });
    }

    let kinds = [NoteKind::Descriptive, NoteKind::Linguistic, NoteKind::Conceptual, NoteKind::Free]
        .into_iter()
        .map(|k| (k.as_str(), kind_label(k), note_cards.iter().filter(|c| c.kind == k.as_str()).count()))
        .collect();
    let mut authors: Vec<(String, usize)> = Vec::new();
    for c in &note_cards {
        match authors.iter_mut().find(|(a, _)| *a == c.author) {
            Some((_, n)) => *n += 1,
            None => authors.push((c.author.clone(), 1)),
        }
    }
    authors.sort();
    let p = &view.participant;
    let page = TranscriptPage {
        live_from,
        chrome: Chrome::new(&wb, &view.settings, "", format!("T{} {}", t.short, t.title)),
        id: short("T", t.short),
        title: t.title.clone(),
        version: v.id.as_str().to_owned(),
        case: short("P", p.short),
        pseudonym: p.pseudonym.clone(),
        pages: v.layout.page_count(),
        lines,
        notes: note_cards,
        statements: statement_cards,
        kinds,
        authors,
        themes: view.themes.iter().map(|th| (short("TH", th.short), th.title.clone())).collect(),
        renumberings: wb
            .line_mappings(&short("T", t.short))
            .await?
            .into_iter()
            .map(|r| RenumberingView {
                on: r.at.chars().take(10).collect(),
                from: r.from,
                to: r.to,
                moved: (1..).zip(r.lines).filter(|(old, new)| old != new).collect(),
            })
            .collect(),
    };
    render(&page)
}
