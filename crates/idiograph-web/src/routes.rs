//! The single list of routes: pages, static assets and the API. The router is built from it,
//! and a test checks it against the OpenAPI document, so neither can drift from the other.

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, MethodRouter};
use axum::Router;

use crate::api::{annotations, events, misc, study, themes, transcripts};
use crate::{assets, pages, security, AppState};

/// One route: method and path (axum and OpenAPI share the `{param}` syntax).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path, e.g. `/api/v1/notes/{id}`.
    pub path: &'static str,
}

type Entry = (&'static str, &'static str, MethodRouter<AppState>);

fn table() -> Vec<Entry> {
    vec![
        // Pages.
        ("GET", "/", get(pages::dashboard)),
        ("GET", "/transcripts/{id}", get(pages::transcript)),
        ("GET", "/cases/{id}", get(pages::case_board)),
        ("GET", "/group", get(pages::group_board)),
        ("GET", "/themes/{id}", get(pages::theme)),
        ("GET", "/journal", get(pages::journal)),
        ("GET", "/history", get(pages::history)),
        ("GET", "/reports", get(pages::reports)),
        ("GET", "/search", get(pages::search)),
        ("GET", "/static/{*path}", get(assets::serve_asset)),
        // API.
        ("GET", "/api/v1/openapi.json", get(misc::openapi)),
        ("GET", "/api/v1/study", get(study::get_study)),
        ("PATCH", "/api/v1/study", patch(study::patch_study)),
        ("GET", "/api/v1/participants", get(study::list_participants)),
        ("POST", "/api/v1/participants", post(study::add_participant)),
        ("GET", "/api/v1/participants/{id}", get(study::get_participant)),
        ("PATCH", "/api/v1/participants/{id}", patch(study::patch_participant)),
        ("POST", "/api/v1/participants/{id}/finish", post(study::finish_participant)),
        ("POST", "/api/v1/participants/{id}/reopen", post(study::reopen_participant)),
        ("GET", "/api/v1/transcripts", get(transcripts::list)),
        (
            "POST",
            "/api/v1/transcripts",
            post(transcripts::upload).layer(DefaultBodyLimit::max(transcripts::MAX_UPLOAD_BYTES)),
        ),
        ("GET", "/api/v1/transcripts/{id}", get(transcripts::get_one)),
        ("GET", "/api/v1/transcripts/{id}/annotated/{format}", get(transcripts::annotated)),
        ("GET", "/api/v1/notes", get(annotations::list_notes)),
        ("POST", "/api/v1/notes", post(annotations::add_note)),
        ("PATCH", "/api/v1/notes/{id}", patch(annotations::patch_note)),
        ("DELETE", "/api/v1/notes/{id}", delete(annotations::delete_note)),
        ("GET", "/api/v1/statements", get(annotations::list_statements)),
        ("POST", "/api/v1/statements", post(annotations::add_statement)),
        ("PATCH", "/api/v1/statements/{id}", patch(annotations::patch_statement)),
        ("DELETE", "/api/v1/statements/{id}", delete(annotations::delete_statement)),
        ("GET", "/api/v1/themes", get(themes::tree)),
        ("POST", "/api/v1/themes", post(themes::add_theme)),
        ("GET", "/api/v1/themes/{id}", get(themes::get_theme)),
        ("PATCH", "/api/v1/themes/{id}", patch(themes::patch_theme)),
        ("DELETE", "/api/v1/themes/{id}", delete(themes::delete_theme)),
        ("POST", "/api/v1/themes/{id}/merge", post(themes::merge)),
        ("POST", "/api/v1/themes/{id}/split", post(themes::split)),
        ("POST", "/api/v1/assignments", post(themes::assign)),
        ("DELETE", "/api/v1/assignments", delete(themes::unassign)),
        ("GET", "/api/v1/extracts", get(annotations::list_extracts)),
        ("POST", "/api/v1/extracts", post(annotations::add_extract)),
        ("DELETE", "/api/v1/extracts/{id}", delete(annotations::delete_extract)),
        ("GET", "/api/v1/journal", get(misc::list_journal)),
        ("POST", "/api/v1/journal", post(misc::add_journal)),
        ("PATCH", "/api/v1/journal/{id}", patch(misc::patch_journal)),
        ("DELETE", "/api/v1/journal/{id}", delete(misc::delete_journal)),
        ("GET", "/api/v1/recurrence", get(misc::recurrence)),
        ("GET", "/api/v1/history", get(misc::history)),
        ("POST", "/api/v1/undo", post(misc::undo)),
        ("POST", "/api/v1/redo", post(misc::redo)),
        ("GET", "/api/v1/reports/{format}", get(misc::report)),
        ("GET", "/api/v1/search", get(pages::api_search)),
        ("GET", "/api/v1/events", get(events::events)),
    ]
}

/// Every route the router answers, in registration order.
pub fn route_list() -> Vec<Route> {
    table().into_iter().map(|(method, path, _)| Route { method, path }).collect()
}

pub(crate) fn build(state: AppState) -> Router {
    let mut merged: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for (_, path, handler) in table() {
        match merged.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => merged.push((path, handler)),
        }
    }
    let mut router = Router::new();
    for (path, handler) in merged {
        router = router.route(path, handler);
    }
    router
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        .with_state(state)
}
