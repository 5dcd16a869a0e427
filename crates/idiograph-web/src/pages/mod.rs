//! Server-rendered pages: one askama template struct per page, all extending `base.html`.
//! Handlers read one snapshot (the transcript page: only its transcript's view), build plain view
//! structs and render; every change a page makes goes through the JSON API from its JavaScript.

mod boards;
mod deid;
mod guide;
mod members;
mod participants;
mod search;
mod transcript;

use askama::Template;

use axum::response::{Html, IntoResponse, Response};
use idiograph_app::views::{self, progress, Labels};
use idiograph_app::{VersionToken, Workbench};
use idiograph_model::{FillerPolicy, StudySettings, Terminology};

use crate::auth::Bench;
use crate::error::{ApiError, PageResult};

pub(crate) use boards::{case_board, group_board, theme};
pub(crate) use deid::deid;
pub(crate) use guide::guide;
pub(crate) use members::members;
pub(crate) use participants::participants;
pub(crate) use search::{api_search, search};
pub(crate) use transcript::{parts as transcript_parts, transcript};

/// What the layout shows on every page.
pub(crate) struct Chrome {
    pub(crate) study: String,
    /// The signed-in member on a team server (shown with a logout button); `None` locally.
    pub(crate) member: Option<String>,
    /// Whether the navigation links to the members page: on a team server, for owners only.
    pub(crate) members_link: bool,
    pub(crate) nav: &'static str,
    pub(crate) labels: Labels,
    pub(crate) page_title: String,
}

impl Chrome {
    pub(crate) fn new(
        wb: &Workbench,
        settings: &StudySettings,
        nav: &'static str,
        page_title: impl Into<String>,
    ) -> Chrome {
        Chrome {
            study: settings.title.clone(),
            member: wb.role().map(|role| format!("{} ({role})", wb.author())),
            members_link: wb.role().is_some() && crate::routes::allows(wb.role(), "GET", "/members"),
            nav,
            labels: Labels::of(settings.terminology),
            page_title: page_title.into(),
        }
    }
}

pub(crate) fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?))
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) message: String,
}

pub(crate) async fn not_found() -> Response {
    crate::error::PageError(ApiError::not_found("there is no page at this address")).into_response()
}

pub(crate) struct ParticipantRow {
    short: String,
    pseudonym: String,
    attributes: Vec<(String, String)>,
    interview: String,
    notes: usize,
    statements: usize,
    clustered: usize,
    pets: usize,
    finished: bool,
    transcript_links: Vec<(String, String)>,
}

pub(crate) struct EventRow {
    seq: i64,
    at: String,
    author: String,
    action: String,
    summary: String,
    undone: bool,
}

fn events(list: Vec<idiograph_app::AuditEvent>) -> Vec<EventRow> {
    list.into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: e.at.replace('T', " ").chars().take(19).collect(),
            author: e.author,
            action: e.action.to_string(),
            summary: e.summary,
            undone: e.undone,
        })
        .collect()
}

/// The study dashboard.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub(crate) struct DashboardPage {
    chrome: Chrome,
    title: String,
    question: String,
    terminology: &'static str,
    terminologies: Vec<(&'static str, &'static str)>,
    rule: String,
    rule_code: String,
    /// What printed quotes do with fillers and pauses, and the choices.
    fillers: &'static str,
    filler_choices: Vec<(&'static str, &'static str)>,
    /// The settings' version token, sent back with an edit.
    revision: String,
    participants: Vec<ParticipantRow>,
    history: Vec<EventRow>,
}

pub(crate) async fn dashboard(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let prog = progress(&s, &notes);
    let participants = s
        .participants
        .iter()
        .map(|p| {
            let pr = prog.get(&p.id).cloned().unwrap_or_default();
            ParticipantRow {
                short: p.short_id().to_string(),
                pseudonym: p.pseudonym.clone(),
                attributes: p.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                interview: p.interview.summary().unwrap_or_default(),
                notes: pr.notes,
                statements: pr.statements,
                clustered: pr.clustered,
                pets: pr.pets,
                finished: p.finished_at.is_some(),
                transcript_links: s
                    .transcripts
                    .iter()
                    .filter(|t| t.participant_id == p.id)
                    .map(|t| (t.short_id().to_string(), t.title.clone()))
                    .collect(),
            }
        })
        .collect();
    let page = DashboardPage {
        chrome: Chrome::new(&wb, &s.settings, "study", "Study"),
        title: s.settings.title.clone(),
        question: s.settings.research_question.clone().unwrap_or_default(),
        terminology: s.settings.terminology.as_str(),
        terminologies: vec![
            (Terminology::Smith2022.as_str(), "2022 (experiential statements, PETs, GETs)"),
            (Terminology::Smith2009.as_str(), "2009 (emergent, super-ordinate and master themes)"),
        ],
        rule: s.settings.recurrence_rule.describe(s.participants.len()),
        rule_code: s.settings.recurrence_rule.encode(),
        fillers: s.settings.fillers.as_str(),
        filler_choices: vec![
            (FillerPolicy::Keep.as_str(), "kept as transcribed"),
            (FillerPolicy::Mark.as_str(), "left out, marked …"),
        ],
        revision: s.settings.version_token(),
        participants,
        history: events(wb.history(8).await?),
    };
    render(&page)
}

pub(crate) struct JournalRow {
    id: String,
    revision: String,
    at: String,
    author: String,
    text: String,
    about: String,
    about_link: String,
}

/// The reflexive journal.
#[derive(Template)]
#[template(path = "journal.html")]
pub(crate) struct JournalPage {
    chrome: Chrome,
    entries: Vec<JournalRow>,
}

/// Where an object's page is, for journal links.
fn link_of(reference: &str) -> String {
    let upper = reference.to_ascii_uppercase();
    if upper.starts_with("TH") {
        format!("/themes/{upper}")
    } else if upper.starts_with('T') {
        format!("/transcripts/{upper}")
    } else if upper.starts_with('P') {
        format!("/cases/{upper}")
    } else {
        String::new()
    }
}

pub(crate) async fn journal(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let entries = s
        .journal
        .iter()
        .rev()
        .map(|j| {
            let about =
                j.about.as_ref().and_then(|id| views::about(&s, id, &notes)).map(|x| x.to_string()).unwrap_or_default();
            JournalRow {
                id: j.short_id().to_string(),
                revision: j.version_token(),
                at: j.created_at.replace('T', " ").chars().take(16).collect(),
                author: j.author.clone(),
                text: j.text.clone(),
                about_link: link_of(&about),
                about,
            }
        })
        .collect();
    render(&JournalPage { chrome: Chrome::new(&wb, &s.settings, "journal", "Journal"), entries })
}

/// The audit log with undo and redo.
#[derive(Template)]
#[template(path = "history.html")]
pub(crate) struct HistoryPage {
    chrome: Chrome,
    events: Vec<EventRow>,
}

pub(crate) async fn history(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let events = events(wb.history(500).await?);
    render(&HistoryPage { chrome: Chrome::new(&wb, &s.settings, "history", "History"), events })
}

/// Report preview and downloads.
#[derive(Template)]
#[template(path = "reports.html")]
pub(crate) struct ReportsPage {
    chrome: Chrome,
    formats: Vec<(&'static str, &'static str)>,
    preview: String,
}

pub(crate) async fn reports(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let preview = wb.report_markdown().await?;
    let formats = crate::api::misc::REPORTS.iter().map(|(w, label, _)| (*w, *label)).collect();
    render(&ReportsPage { chrome: Chrome::new(&wb, &s.settings, "reports", "Reports"), formats, preview })
}

/// A 404 page for an unknown object.
pub(crate) fn missing(what: &str) -> crate::error::PageError {
    crate::error::PageError(ApiError::not_found(what))
}
