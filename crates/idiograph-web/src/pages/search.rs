//! The search page and `/api/v1/search`: full-text search across the study with
//! keyword-in-context hits, filters and hit counts per participant. Both call
//! `Workbench::search`; the API answers with the same JSON as `idiograph search --json`.

use askama::Template;
use axum::extract::Query;
use axum::Json;
use idiograph_app::{ParticipantCount, SearchHit, SearchKind, SearchRequest, SearchResults};
use idiograph_model::SpeakerRole;
use serde::Deserialize;

use super::{render, Chrome};
use crate::auth::Bench;
use crate::error::{ApiError, ApiResult, PageResult};

/// The query string of the page and the API.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchParams {
    q: Option<String>,
    participant: Option<String>,
    attr: Option<String>,
    role: Option<String>,
    theme: Option<String>,
    kind: Option<String>,
    regex: Option<String>,
    no_stem: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn flag(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| matches!(v, "1" | "true" | "on" | "yes"))
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl SearchParams {
    fn request(&self) -> Result<Option<SearchRequest>, ApiError> {
        let Some(q) = given(&self.q) else { return Ok(None) };
        let mut r = SearchRequest::new(&q);
        r.participant = given(&self.participant);
        r.attribute = match given(&self.attr) {
            Some(kv) => Some(
                kv.split_once('=')
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                    .ok_or_else(|| ApiError::bad_request(format!("attr '{kv}' must be KEY=VALUE")))?,
            ),
            None => None,
        };
        r.role = given(&self.role)
            .map(|v| v.parse::<SpeakerRole>().map_err(|e| ApiError::bad_request(e.to_string())))
            .transpose()?;
        r.theme = given(&self.theme);
        r.kind = given(&self.kind)
            .map(|k| k.parse::<SearchKind>().map_err(|e| ApiError::invalid(format!("--kind: {e}"))))
            .transpose()?;
        r.regex = flag(&self.regex);
        r.stem = !flag(&self.no_stem);
        r.limit = self.limit.unwrap_or(100).min(10_000);
        r.offset = self.offset.unwrap_or(0);
        Ok(Some(r))
    }
}

/// `GET /api/v1/search?q=…`: `{"total", "passages", "per_participant", "hits"}`.
pub(crate) async fn api_search(Bench(wb): Bench, Query(p): Query<SearchParams>) -> ApiResult<Json<SearchResults>> {
    let req = p.request()?.ok_or_else(|| ApiError::bad_request("give a query: ?q=words"))?;
    Ok(Json(wb.search(&req).await?))
}

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    chrome: Chrome,
    q: String,
    participant: String,
    attr: String,
    role: String,
    theme: String,
    kind: String,
    regex: bool,
    no_stem: bool,
    participants: Vec<(String, String)>,
    themes: Vec<(String, String)>,
    searched: bool,
    error: String,
    total: usize,
    passages: usize,
    hits: Vec<SearchHit>,
    counts: Vec<ParticipantCount>,
}

impl SearchPage {
    /// Where the workbench shows a hit: its line, its note or statement card, its theme.
    fn link(&self, h: &SearchHit) -> String {
        let transcript = h.transcript.as_deref().unwrap_or_default();
        match (h.source, h.global_line) {
            ("transcript", Some(line)) => format!("/transcripts/{transcript}#L{line}"),
            ("note" | "statement", _) if !transcript.is_empty() => {
                format!("/transcripts/{transcript}#ann-{}", h.object)
            }
            ("statement", _) => format!("/cases/{}", h.participant_id.as_deref().unwrap_or_default()),
            ("theme", _) => format!("/themes/{}", h.object),
            _ => "/journal".to_owned(),
        }
    }
}

pub(crate) async fn search(Bench(wb): Bench, Query(p): Query<SearchParams>) -> PageResult {
    let s = wb.snapshot().await?;
    let mut results = SearchResults::default();
    let mut error = String::new();
    let mut searched = false;
    match p.request() {
        Ok(Some(req)) => {
            searched = true;
            match wb.search(&req).await {
                Ok(r) => results = r,
                Err(e) => error = e.to_string(),
            }
        }
        Ok(None) => {}
        Err(e) => {
            searched = true;
            error = e.message;
        }
    }
    let page = SearchPage {
        chrome: Chrome::new(&wb, &s.settings, "search", "Search"),
        q: p.q.clone().unwrap_or_default(),
        participant: p.participant.clone().unwrap_or_default(),
        attr: p.attr.clone().unwrap_or_default(),
        role: p.role.clone().unwrap_or_default(),
        theme: p.theme.clone().unwrap_or_default(),
        kind: p.kind.clone().unwrap_or_default(),
        regex: flag(&p.regex),
        no_stem: flag(&p.no_stem),
        participants: s.participants.iter().map(|x| (x.short_id().to_string(), x.pseudonym.clone())).collect(),
        themes: s.themes.iter().map(|t| (t.short_id().to_string(), t.title.clone())).collect(),
        searched,
        error,
        total: results.total,
        passages: results.passages,
        hits: results.hits,
        counts: results.per_participant.into_iter().filter(|c| c.hits > 0).collect(),
    };
    render(&page)
}
