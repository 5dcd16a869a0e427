//! The case board (one participant's statements and PETs), the group board (PETs of all cases,
//! GETs and the recurrence matrix) and a theme's passages and extracts.

use askama::Template;
use axum::extract::{Path, Query};
use idiograph_app::{Figure, Snapshot, TrailMember, VersionToken};
use idiograph_model::{
    Assignment, ExperientialStatement, GroupingStrategy, Member, ObjectId, ObjectKind, ShortId, Theme,
};
use serde::Deserialize;

use super::{missing, render, Chrome};
use crate::auth::Bench;
use crate::error::PageResult;

pub(crate) struct Card {
    id: String,
    text: String,
    cite: String,
    link: String,
    from: String,
    /// The revision of the card's assignment to `from` (empty in the pool), sent back when the
    /// card leaves that theme.
    revision: String,
    /// How and why it was grouped into `from`.
    why: Why,
}

/// The grouping strategy and rationale of a member's move, as a board shows them under its
/// theme; empty where none was given (or the member is unclustered).
pub(crate) struct Why {
    strategy: String,
    rationale: String,
}

impl Why {
    fn of(placed: Option<&Assignment>) -> Why {
        Why {
            strategy: placed.and_then(|a| a.strategy).map(|g| g.as_str().to_owned()).unwrap_or_default(),
            rationale: placed.and_then(|a| a.rationale.clone()).unwrap_or_default(),
        }
    }
}

/// A theme a card can be moved to or a theme merged into, with its revision.
pub(crate) struct Target {
    id: String,
    title: String,
    revision: String,
}

impl Target {
    fn new(s: &Snapshot, t: &Theme, depth: usize) -> Target {
        Target {
            id: t.short_id().to_string(),
            title: format!("{}{}", "\u{2003}".repeat(depth), t.title),
            revision: s.theme_revision(t),
        }
    }
}

/// The assignment of `member` to `theme`.
fn assignment<'a>(s: &'a Snapshot, theme: &Theme, member: Member) -> Option<&'a Assignment> {
    s.assignments.iter().find(|a| a.theme_id == theme.id && a.member == member)
}

pub(crate) struct Zone {
    id: String,
    /// The theme's revision (it covers its members too), sent back with every change the board
    /// makes to the theme or its members.
    revision: String,
    title: String,
    description: String,
    depth: usize,
    cards: Vec<Card>,
}

pub(crate) struct Column {
    top: Zone,
    subs: Vec<Zone>,
}

pub(crate) struct OtherCase {
    pseudonym: String,
    pets: Vec<(String, Vec<String>)>,
}

/// The case board of one participant.
#[derive(Template)]
#[template(path = "case.html")]
pub(crate) struct CasePage {
    chrome: Chrome,
    /// The newest command when the page was read: its live view replays what came after.
    live_from: i64,
    case: String,
    pseudonym: String,
    finished: bool,
    pool: Vec<Card>,
    columns: Vec<Column>,
    targets: Vec<Target>,
    strategies: Vec<&'static str>,
    show_others: bool,
    others: Vec<OtherCase>,
}

/// Where a statement's first passage is in its transcript; empty when it has none.
fn statement_link(s: &Snapshot, st: &ExperientialStatement) -> String {
    st.anchors
        .first()
        .and_then(|a| s.versions.get(a.version_id()).map(|v| (a, v)))
        .and_then(|(a, v)| {
            let t = s.transcripts.iter().find(|t| t.id == v.transcript_id)?;
            Some(format!("/transcripts/{}#L{}", t.short_id(), v.layout.position(a.span().start()).global))
        })
        .unwrap_or_default()
}

/// A statement's card, in the pool (`from = None`) or in a theme.
fn statement_card(s: &Snapshot, st: &ExperientialStatement, from: Option<&Theme>) -> Card {
    let placed = from.and_then(|t| assignment(s, t, Member::Statement(st.id.clone())));
    Card {
        id: st.short_id().to_string(),
        text: st.text.clone(),
        cite: st.anchors.iter().map(|a| s.lines(a)).collect::<Vec<_>>().join("; "),
        link: statement_link(s, st),
        from: from.map(|t| t.short_id().to_string()).unwrap_or_default(),
        revision: placed.map(|a| a.version_token()).unwrap_or_default(),
        why: Why::of(placed),
    }
}

/// The theme and its sub-themes, depth first, with their depth below `t`.
fn subtree<'a>(s: &'a Snapshot, t: &'a Theme, depth: usize, out: &mut Vec<(&'a Theme, usize)>) {
    out.push((t, depth));
    for c in s.children(Some(&t.id)) {
        subtree(s, c, depth + 1, out);
    }
}

#[derive(Deserialize)]
pub(crate) struct CaseQuery {
    others: Option<String>,
}

pub(crate) async fn case_board(Bench(wb): Bench, Path(id): Path<String>, Query(q): Query<CaseQuery>) -> PageResult {
    let live_from = wb.last_change().await?;
    let s = wb.snapshot().await?;
    let p = s.find_participant(&id).map_err(|e| missing(&e.to_string()))?;
    let pets: Vec<&Theme> = s.children(None).into_iter().filter(|t| t.participant_id() == Some(&p.id)).collect();
    let assigned: Vec<&ObjectId> = s
        .assignments
        .iter()
        .filter_map(|a| match &a.member {
            Member::Statement(x) => Some(x),
            Member::Theme(_) => None,
        })
        .collect();
    let pool = s
        .statements
        .iter()
        .filter(|x| x.participant_id == p.id && !assigned.contains(&&x.id))
        .map(|x| statement_card(&s, x, None))
        .collect();
    let mut targets = Vec::new();
    let zone = |t: &Theme, depth: usize| Zone {
        id: t.short_id().to_string(),
        revision: s.theme_revision(t),
        title: t.title.clone(),
        description: t.description.clone().unwrap_or_default(),
        depth,
        cards: s.statements_of(&t.id).into_iter().map(|x| statement_card(&s, x, Some(t))).collect(),
    };
    let mut columns = Vec::new();
    for t in pets {
        let mut all = Vec::new();
        subtree(&s, t, 0, &mut all);
        targets.extend(all.iter().map(|(th, depth)| Target::new(&s, th, *depth)));
        let mut zones = all.into_iter().map(|(th, d)| zone(th, d));
        if let Some(top) = zones.next() {
            columns.push(Column { top, subs: zones.collect() });
        }
    }
    let show_others = q.others.is_some_and(|o| o == "1");
    let others = if show_others {
        s.participants
            .iter()
            .filter(|o| o.id != p.id)
            .map(|o| OtherCase {
                pseudonym: o.pseudonym.clone(),
                pets: s
                    .themes
                    .iter()
                    .filter(|t| t.participant_id() == Some(&o.id))
                    .map(|t| (t.title.clone(), s.statements_of(&t.id).iter().map(|x| x.text.clone()).collect()))
                    .collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = CasePage {
        live_from,
        chrome: Chrome::new(&wb, &s.settings, "", format!("Case {}", p.pseudonym)),
        case: p.short_id().to_string(),
        pseudonym: p.pseudonym.clone(),
        finished: p.finished_at.is_some(),
        pool,
        columns,
        targets,
        strategies: GroupingStrategy::ALL.iter().map(|g| g.as_str()).collect(),
        show_others,
        others,
    };
    render(&page)
}

pub(crate) struct PetCard {
    id: String,
    title: String,
    pseudonym: String,
    color: usize,
    statements: usize,
    in_gets: Vec<String>,
}

pub(crate) struct GetMember {
    id: String,
    title: String,
    pseudonym: String,
    color: usize,
    /// The revision of the PET's assignment to the GET, sent back when it is taken out.
    revision: String,
    /// How and why it was grouped into the GET.
    why: Why,
}

pub(crate) struct GetZone {
    id: String,
    revision: String,
    title: String,
    depth: usize,
    note: String,
    members: Vec<GetMember>,
}

pub(crate) struct GetColumn {
    top: GetZone,
    subs: Vec<GetZone>,
}

pub(crate) struct CellView {
    present: bool,
    statements: usize,
    extracts: usize,
    extract: String,
    citation: String,
}

pub(crate) struct MatrixRow {
    id: String,
    title: String,
    depth: usize,
    cells: Vec<CellView>,
    contributors: usize,
    meets_rule: bool,
}

/// The group board.
#[derive(Template)]
#[template(path = "group.html")]
pub(crate) struct GroupPage {
    chrome: Chrome,
    /// The newest command when the page was read: its live view replays what came after.
    live_from: i64,
    participants: Vec<(String, String, usize)>,
    pets: Vec<PetCard>,
    columns: Vec<GetColumn>,
    targets: Vec<Target>,
    rows: Vec<MatrixRow>,
    rule: String,
    total: usize,
    /// The figures offered for download: address name (`theme-map`) and what it shows.
    figures: Vec<(&'static str, String)>,
}

fn color_of(s: &Snapshot, p: Option<&ObjectId>) -> usize {
    p.and_then(|p| s.participants.iter().position(|x| &x.id == p)).map_or(0, |i| i % 8)
}

pub(crate) async fn group_board(Bench(wb): Bench) -> PageResult {
    let live_from = wb.last_change().await?;
    let s = wb.snapshot().await?;
    let pseudonym =
        |p: Option<&ObjectId>| p.and_then(|p| s.participant(p)).map(|p| p.pseudonym.clone()).unwrap_or_default();
    let mut pets = Vec::new();
    for p in &s.participants {
        for t in s.themes.iter().filter(|t| t.participant_id() == Some(&p.id)) {
            let in_gets = s
                .assignments
                .iter()
                .filter(|a| a.member == Member::Theme(t.id.clone()))
                .filter_map(|a| s.theme(&a.theme_id))
                .map(|g| g.title.clone())
                .collect();
            pets.push(PetCard {
                id: t.short_id().to_string(),
                title: t.title.clone(),
                pseudonym: p.pseudonym.clone(),
                color: color_of(&s, Some(&p.id)),
                statements: s.statements_of(&t.id).len(),
                in_gets,
            });
        }
    }
    let mut columns = Vec::new();
    let mut targets = Vec::new();
    for g in s.children(None).into_iter().filter(|t| t.is_group()) {
        let mut all = Vec::new();
        subtree(&s, g, 0, &mut all);
        let mut zones = all.into_iter().map(|(t, depth)| {
            targets.push(Target::new(&s, t, depth));
            GetZone {
                id: t.short_id().to_string(),
                revision: s.theme_revision(t),
                title: t.title.clone(),
                depth,
                note: t.note.clone().unwrap_or_default(),
                members: s
                    .pets_of(&t.id)
                    .into_iter()
                    .map(|pt| {
                        let placed = assignment(&s, t, Member::Theme(pt.id.clone()));
                        GetMember {
                            id: pt.short_id().to_string(),
                            title: pt.title.clone(),
                            pseudonym: pseudonym(pt.participant_id()),
                            color: color_of(&s, pt.participant_id()),
                            revision: placed.map(|a| a.version_token()).unwrap_or_default(),
                            why: Why::of(placed),
                        }
                    })
                    .collect(),
            }
        });
        if let Some(top) = zones.next() {
            let subs = zones.collect();
            columns.push(GetColumn { top, subs });
        }
    }
    let r = s.recurrence();
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let theme = s.theme(&row.theme_id);
            let cells = row
                .cells
                .iter()
                .zip(&r.participants)
                .map(|(c, p)| {
                    // The extract chosen for this cell: the participant's first extract for the
                    // theme or, failing that, for one of its sub-themes.
                    let mut subtree_ids = Vec::new();
                    if let Some(t) = theme {
                        let mut all = Vec::new();
                        subtree(&s, t, 0, &mut all);
                        subtree_ids = all.into_iter().map(|(t, _)| t.id.clone()).collect();
                    }
                    let x = s.extracts.iter().find(|x| &x.participant_id == p && subtree_ids.contains(&x.theme_id));
                    CellView {
                        present: c.present(),
                        statements: c.statements,
                        extracts: c.extracts,
                        extract: x.map(|x| s.print(&x.anchor)).unwrap_or_default(),
                        citation: x.map(|x| s.cite(&x.participant_id, &x.anchor)).unwrap_or_default(),
                    }
                })
                .collect();
            MatrixRow {
                id: theme.map(|t| t.short_id().to_string()).unwrap_or_default(),
                title: theme.map(|t| t.title.clone()).unwrap_or_default(),
                depth: row.depth,
                cells,
                contributors: row.contributors,
                meets_rule: row.meets_rule,
            }
        })
        .collect();
    let page = GroupPage {
        live_from,
        chrome: Chrome::new(&wb, &s.settings, "group", "Group board"),
        participants: s
            .participants
            .iter()
            .enumerate()
            .map(|(i, p)| (p.short_id().to_string(), p.pseudonym.clone(), i % 8))
            .collect(),
        pets,
        columns,
        targets,
        rows,
        rule: s.settings.recurrence_rule.describe(s.participants.len()),
        total: s.participants.len(),
        figures: figures(&s.settings),
    };
    render(&page)
}

/// The figures of the study in the researcher's words, for their download links.
fn figures(settings: &idiograph_model::StudySettings) -> Vec<(&'static str, String)> {
    let l = idiograph_app::views::Labels::of(settings.terminology);
    Figure::ALL
        .into_iter()
        .map(|f| {
            let what = match f {
                Figure::ThemeMap => format!("Theme map: {} → sub-themes → {}", l.gets, l.pets),
                Figure::Heatmap => format!("Recurrence heatmap: {} × participants", l.gets),
                Figure::Flow => format!("Flow: each participant's {} → {}", l.pets, l.gets),
            };
            (f.name(), what)
        })
        .collect()
}

pub(crate) struct Passage {
    statement: String,
    statement_text: String,
    pet: String,
    pseudonym: String,
    color: usize,
    before: String,
    exact: String,
    after: String,
    citation: String,
    link: String,
    transcript: String,
    version: String,
    start: u32,
    end: u32,
    current: bool,
    extract: String,
}

pub(crate) struct ExtractView {
    id: String,
    color: usize,
    quote: String,
    citation: String,
    link: String,
}

/// A member of the theme and the move that put it there: the hermeneutic trail (issue #15).
pub(crate) struct MemberView {
    id: String,
    text: String,
    link: String,
    pseudonym: String,
    color: usize,
    lines: String,
    strategy: String,
    rationale: String,
    author: String,
    /// When, in RFC 3339, and as shown ("2026-12-07 13:40").
    at: String,
    when: String,
    notes: Vec<SourceNote>,
}

/// An exploratory note a statement member was developed from.
pub(crate) struct SourceNote {
    id: String,
    kind: String,
    text: String,
    lines: String,
    link: String,
}

impl MemberView {
    fn new(s: &Snapshot, m: &TrailMember) -> MemberView {
        let (link, participant) = match &m.member {
            Member::Statement(id) => {
                let st = s.statements.iter().find(|x| &x.id == id);
                (st.map(|x| statement_link(s, x)).unwrap_or_default(), st.map(|x| &x.participant_id))
            }
            Member::Theme(id) => (format!("/themes/{}", m.id), s.theme(id).and_then(Theme::participant_id)),
        };
        MemberView {
            id: m.id.clone(),
            text: m.text.clone(),
            link,
            pseudonym: m.pseudonym.clone(),
            color: color_of(s, participant),
            lines: m.lines.clone(),
            strategy: m.strategy.map(|g| g.as_str().to_owned()).unwrap_or_default(),
            rationale: m.rationale.clone().unwrap_or_default(),
            author: m.author.clone().unwrap_or_default(),
            at: m.at.clone(),
            when: m.at.get(..16).unwrap_or(&m.at).replacen('T', " ", 1),
            notes: m
                .notes
                .iter()
                .map(|n| SourceNote {
                    id: n.id.clone(),
                    kind: n.kind.as_str().to_owned(),
                    text: n.text.clone(),
                    lines: n.lines.clone(),
                    link: format!("/transcripts/{}#L{}", n.transcript, n.line),
                })
                .collect(),
        }
    }
}

/// A theme's members with the moves that put them there, its anchored passages in context,
/// and its extracts.
#[derive(Template)]
#[template(path = "theme.html")]
pub(crate) struct ThemePage {
    chrome: Chrome,
    id: String,
    title: String,
    description: String,
    scope: String,
    is_group: bool,
    members: Vec<MemberView>,
    passages: Vec<Passage>,
    extracts: Vec<ExtractView>,
}

/// Context around an anchor: up to `n` characters either side, cut at line breaks.
fn context(text: &str, start: usize, end: usize, n: usize) -> (String, String) {
    let before: String = text[..start].chars().rev().take(n).collect::<Vec<_>>().into_iter().rev().collect();
    let after: String = text[end..].chars().take(n).collect();
    (format!("…{}", before.trim_start()), format!("{}…", after.trim_end()))
}

pub(crate) async fn theme(Bench(wb): Bench, Path(id): Path<String>) -> PageResult {
    let (s, trail) = wb.snapshot_with_trail().await?;
    let n = ShortId::parse(ObjectKind::Theme, &id).map_err(|e| crate::error::ApiError::invalid(e.to_string()))?;
    let t = s
        .themes
        .iter()
        .find(|t| t.short == n.number())
        .ok_or_else(|| missing(&format!("no theme {n} in this project")))?;
    let l = idiograph_app::views::Labels::of(s.settings.terminology);
    // The PETs whose statements ground this theme: itself (a PET) or its members (a GET), with
    // sub-themes included.
    let mut tree = Vec::new();
    subtree(&s, t, 0, &mut tree);
    let mut pets: Vec<&Theme> = Vec::new();
    for (th, _) in &tree {
        if th.is_group() {
            for p in s.pets_of(&th.id) {
                let mut sub = Vec::new();
                subtree(&s, p, 0, &mut sub);
                pets.extend(sub.into_iter().map(|(x, _)| x));
            }
        } else {
            pets.push(th);
        }
    }
    let mut seen = Vec::new();
    let mut passages = Vec::new();
    for pet in pets {
        for stmt in s.statements_of(&pet.id) {
            for a in &stmt.anchors {
                let key = (a.version_id().clone(), a.span());
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let Some(v) = s.versions.get(a.version_id()) else { continue };
                let Some(tr) = s.transcripts.iter().find(|x| x.id == v.transcript_id) else { continue };
                let sp = a.span();
                let (before, after) = context(&v.text, sp.start().to_usize(), sp.end().to_usize(), 140);
                let extract = s
                    .extracts
                    .iter()
                    .find(|x| x.theme_id == t.id && x.anchor.version_id() == a.version_id() && x.anchor.span() == sp)
                    .map(|x| x.short_id().to_string())
                    .unwrap_or_default();
                passages.push(Passage {
                    statement: stmt.short_id().to_string(),
                    statement_text: stmt.text.clone(),
                    pet: pet.title.clone(),
                    pseudonym: s.participant(&stmt.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default(),
                    color: color_of(&s, Some(&stmt.participant_id)),
                    before,
                    exact: sp.slice(&v.text).to_owned(),
                    after,
                    citation: s.cite(&stmt.participant_id, a),
                    link: format!("/transcripts/{}#L{}", tr.short_id(), v.layout.position(sp.start()).global),
                    transcript: tr.short_id().to_string(),
                    version: v.id.as_str().to_owned(),
                    start: sp.start().to_u32(),
                    end: sp.end().to_u32(),
                    current: tr.current_version == v.id,
                    extract,
                });
            }
        }
    }
    let extracts = s
        .extracts_of(&t.id)
        .into_iter()
        .map(|x| {
            let link = s
                .versions
                .get(x.anchor.version_id())
                .and_then(|v| {
                    let tr = s.transcripts.iter().find(|tr| tr.id == v.transcript_id)?;
                    Some(format!(
                        "/transcripts/{}#L{}",
                        tr.short_id(),
                        v.layout.position(x.anchor.span().start()).global
                    ))
                })
                .unwrap_or_default();
            ExtractView {
                id: x.short_id().to_string(),
                color: color_of(&s, Some(&x.participant_id)),
                quote: s.print(&x.anchor),
                citation: s.cite(&x.participant_id, &x.anchor),
                link,
            }
        })
        .collect();
    let scope = match t.participant_id().and_then(|p| s.participant(p)) {
        Some(p) => format!("{} of {}", l.pet, p.pseudonym),
        None => l.get.to_owned(),
    };
    let page = ThemePage {
        chrome: Chrome::new(&wb, &s.settings, "", format!("{} {}", t.short_id(), t.title)),
        id: t.short_id().to_string(),
        title: t.title.clone(),
        description: t.description.clone().unwrap_or_default(),
        scope,
        is_group: t.is_group(),
        members: trail.of(&t.id).iter().map(|m| MemberView::new(&s, m)).collect(),
        passages,
        extracts,
    };
    render(&page)
}
