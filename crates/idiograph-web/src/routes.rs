//! The single list of routes: pages, static assets and the API, each with the access it needs
//! on a team server. The router is built from it, and tests check it against the OpenAPI
//! document and against the authorisation matrix, so none of them can drift from the others.

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;

use crate::api::events;
use idiograph_model::Role::{Analyst, Auditor, Owner};

use crate::api::{annotations, deid, guide, members, misc, recordings, study, themes, transcript_setup, transcripts};
use crate::{assets, auth, pages, security, AppState};

/// Who may use a route on a team server (`serve --team`); locally everything is open to the
/// one researcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the login page, logging in and out, static assets.
    Public,
    /// A member of this project with at least this role (owner > analyst > auditor).
    Member(idiograph_model::Role),
}

/// One route: method, path (axum and OpenAPI share the `{param}` syntax) and who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path, e.g. `/api/v1/notes/{id}`.
    pub path: &'static str,
    /// Who may use it on a team server.
    pub access: Access,
}

type Entry = (&'static str, &'static str, Access, MethodRouter<AppState>);

/// Reading needs any role; auditors may also write in the journal and undo their own commands;
/// analysis needs an analyst; members, study settings and deleting the project need the owner.
fn table() -> Vec<Entry> {
    const READ: Access = Access::Member(Auditor);
    const JOURNAL: Access = Access::Member(Auditor);
    const ANALYSE: Access = Access::Member(Analyst);
    const OWN: Access = Access::Member(Owner);
    use Access::Public;
    vec![
        // Pages.
        ("GET", "/login", Public, get(auth::login_form)),
        ("POST", "/login", Public, post(auth::login)),
        ("POST", "/logout", Public, post(auth::logout)),
        ("GET", "/", READ, get(pages::dashboard)),
        ("GET", "/transcripts/{id}", READ, get(pages::transcript)),
        ("GET", "/transcripts/{id}/parts", READ, get(pages::transcript_parts)),
        ("GET", "/cases/{id}", READ, get(pages::case_board)),
        ("GET", "/group", READ, get(pages::group_board)),
        ("GET", "/themes/{id}", READ, get(pages::theme)),
        ("GET", "/participants", READ, get(pages::participants)),
        ("GET", "/journal", READ, get(pages::journal)),
        ("GET", "/guide", READ, get(pages::guide)),
        ("GET", "/history", READ, get(pages::history)),
        ("GET", "/reports", READ, get(pages::reports)),
        ("GET", "/search", READ, get(pages::search)),
        ("GET", "/deid", READ, get(pages::deid)),
        ("GET", "/members", OWN, get(pages::members)),
        ("GET", "/static/{*path}", Public, get(assets::serve_asset)),
        // API.
        ("GET", "/api/v1/openapi.json", READ, get(misc::openapi)),
        ("GET", "/api/v1/study", READ, get(study::get_study)),
        ("PATCH", "/api/v1/study", OWN, patch(study::patch_study)),
        ("GET", "/api/v1/participants", READ, get(study::list_participants)),
        ("POST", "/api/v1/participants", ANALYSE, post(study::add_participant)),
        ("GET", "/api/v1/participants/{id}", READ, get(study::get_participant)),
        ("PATCH", "/api/v1/participants/{id}", ANALYSE, patch(study::patch_participant)),
        ("POST", "/api/v1/participants/{id}/finish", ANALYSE, post(study::finish_participant)),
        ("POST", "/api/v1/participants/{id}/reopen", ANALYSE, post(study::reopen_participant)),
        ("GET", "/api/v1/transcripts", READ, get(transcripts::list)),
        (
            "POST",
            "/api/v1/transcripts",
            ANALYSE,
            post(transcripts::upload).layer(DefaultBodyLimit::max(transcripts::MAX_UPLOAD_BYTES)),
        ),
        (
            "POST",
            "/api/v1/merge",
            ANALYSE,
            post(study::merge_project).layer(DefaultBodyLimit::max(transcripts::MAX_UPLOAD_BYTES)),
        ),
        ("GET", "/api/v1/transcripts/{id}", READ, get(transcripts::get_one)),
        ("GET", "/api/v1/transcripts/{id}/annotated/{format}", READ, get(transcripts::annotated)),
        // Exporting despite the leak check is recorded, so it is a POST under the origin check.
        ("POST", "/api/v1/transcripts/{id}/annotated/{format}", READ, post(transcripts::annotated_anyway)),
        ("PATCH", "/api/v1/transcripts/{id}", ANALYSE, patch(transcript_setup::rename)),
        ("POST", "/api/v1/corrections", ANALYSE, post(transcript_setup::correct)),
        ("DELETE", "/api/v1/transcripts/{id}", ANALYSE, delete(transcript_setup::delete)),
        ("GET", "/api/v1/transcripts/{id}/speakers", READ, get(transcript_setup::speakers)),
        ("PUT", "/api/v1/transcripts/{id}/speakers/{label}", ANALYSE, put(transcript_setup::set_role)),
        ("GET", "/api/v1/recordings", READ, get(recordings::list)),
        ("GET", "/api/v1/transcripts/{id}/recording", READ, get(recordings::serve)),
        (
            "POST",
            "/api/v1/transcripts/{id}/recording",
            ANALYSE,
            post(recordings::attach).layer(DefaultBodyLimit::max(recordings::MAX_RECORDING_BYTES)),
        ),
        ("DELETE", "/api/v1/transcripts/{id}/recording", ANALYSE, delete(recordings::remove)),
        ("GET", "/api/v1/transcripts/{id}/sync-points", READ, get(recordings::line_times)),
        ("GET", "/api/v1/notes", READ, get(annotations::list_notes)),
        ("POST", "/api/v1/notes", ANALYSE, post(annotations::add_note)),
        ("PATCH", "/api/v1/notes/{id}", ANALYSE, patch(annotations::patch_note)),
        ("DELETE", "/api/v1/notes/{id}", ANALYSE, delete(annotations::delete_note)),
        ("GET", "/api/v1/statements", READ, get(annotations::list_statements)),
        ("POST", "/api/v1/statements", ANALYSE, post(annotations::add_statement)),
        ("PATCH", "/api/v1/statements/{id}", ANALYSE, patch(annotations::patch_statement)),
        ("DELETE", "/api/v1/statements/{id}", ANALYSE, delete(annotations::delete_statement)),
        ("GET", "/api/v1/themes", READ, get(themes::tree)),
        ("POST", "/api/v1/themes", ANALYSE, post(themes::add_theme)),
        ("GET", "/api/v1/themes/{id}", READ, get(themes::get_theme)),
        ("PATCH", "/api/v1/themes/{id}", ANALYSE, patch(themes::patch_theme)),
        ("DELETE", "/api/v1/themes/{id}", ANALYSE, delete(themes::delete_theme)),
        ("POST", "/api/v1/themes/{id}/merge", ANALYSE, post(themes::merge)),
        ("POST", "/api/v1/themes/{id}/split", ANALYSE, post(themes::split)),
        ("POST", "/api/v1/codebook", ANALYSE, post(themes::import_codebook)),
        ("POST", "/api/v1/assignments", ANALYSE, post(themes::assign)),
        ("DELETE", "/api/v1/assignments", ANALYSE, delete(themes::unassign)),
        ("GET", "/api/v1/extracts", READ, get(annotations::list_extracts)),
        ("POST", "/api/v1/extracts", ANALYSE, post(annotations::add_extract)),
        ("DELETE", "/api/v1/extracts/{id}", ANALYSE, delete(annotations::delete_extract)),
        ("GET", "/api/v1/journal", READ, get(misc::list_journal)),
        ("POST", "/api/v1/journal", JOURNAL, post(misc::add_journal)),
        ("PATCH", "/api/v1/journal/{id}", JOURNAL, patch(misc::patch_journal)),
        ("DELETE", "/api/v1/journal/{id}", JOURNAL, delete(misc::delete_journal)),
        ("GET", "/api/v1/guide", READ, get(guide::get_guide)),
        ("POST", "/api/v1/guide/questions", ANALYSE, post(guide::add_question)),
        ("PATCH", "/api/v1/guide/questions/{id}", ANALYSE, patch(guide::patch_question)),
        ("DELETE", "/api/v1/guide/questions/{id}", ANALYSE, delete(guide::delete_question)),
        ("POST", "/api/v1/guide/import", ANALYSE, post(guide::import)),
        ("GET", "/api/v1/guide/match/{id}", READ, get(guide::get_match)),
        ("PUT", "/api/v1/guide/match/{id}", ANALYSE, put(guide::confirm)),
        ("GET", "/api/v1/guide/answers", READ, get(guide::answers)),
        ("GET", "/api/v1/guide/answers/{format}", READ, get(misc::guide_answers)),
        ("POST", "/api/v1/guide/answers/{format}", READ, post(misc::guide_answers_anyway)),
        ("GET", "/api/v1/recurrence", READ, get(misc::recurrence)),
        ("GET", "/api/v1/history", READ, get(misc::history)),
        ("POST", "/api/v1/undo", JOURNAL, post(misc::undo)),
        ("POST", "/api/v1/redo", JOURNAL, post(misc::redo)),
        ("GET", "/api/v1/reports/{format}", READ, get(misc::report)),
        ("POST", "/api/v1/reports/{format}", READ, post(misc::report_anyway)),
        ("GET", "/api/v1/figures/{file}", READ, get(misc::figure)),
        ("POST", "/api/v1/figures/{file}", READ, post(misc::figure_anyway)),
        ("GET", "/api/v1/results/{format}", READ, get(misc::results)),
        ("POST", "/api/v1/results/{format}", READ, post(misc::results_anyway)),
        ("GET", "/api/v1/search", READ, get(pages::api_search)),
        ("GET", "/api/v1/events", READ, get(events::events)),
        // Pseudonymisation: the key store and its known identifiers are the owner's; analysts
        // review the queue; anyone may read the log, which holds no real value.
        ("GET", "/api/v1/deid/status", READ, get(deid::status)),
        ("POST", "/api/v1/deid/unlock", OWN, post(deid::unlock)),
        ("POST", "/api/v1/deid/lock", OWN, post(deid::lock)),
        ("PUT", "/api/v1/deid/originals", OWN, put(deid::set_originals)),
        ("GET", "/api/v1/deid/known", OWN, get(deid::list_known)),
        ("POST", "/api/v1/deid/known", OWN, post(deid::add_known)),
        ("DELETE", "/api/v1/deid/known", OWN, delete(deid::remove_known)),
        ("GET", "/api/v1/deid/queue", ANALYSE, get(deid::queue)),
        ("POST", "/api/v1/deid/decisions", ANALYSE, post(deid::decide)),
        ("POST", "/api/v1/deid/bulk", ANALYSE, post(deid::bulk)),
        ("POST", "/api/v1/deid/words", ANALYSE, post(deid::words)),
        ("POST", "/api/v1/deid/always", OWN, post(deid::always)),
        ("POST", "/api/v1/deid/apply", OWN, post(deid::apply)),
        ("GET", "/api/v1/deid/log", READ, get(deid::log)),
        ("GET", "/api/v1/deid/log.csv", READ, get(deid::log_csv)),
        ("GET", "/api/v1/members", OWN, get(members::list)),
        ("PUT", "/api/v1/members/{name}", OWN, put(members::set_role)),
        ("DELETE", "/api/v1/members/{name}", OWN, delete(members::remove)),
        ("POST", "/api/v1/members/{name}/sign-out", OWN, post(members::sign_out)),
        ("DELETE", "/api/v1/project", OWN, delete(members::delete_project)),
    ]
}

/// Every route the router answers, in registration order.
pub fn route_list() -> Vec<Route> {
    table().into_iter().map(|(method, path, access, _)| Route { method, path, access }).collect()
}

/// Whether someone with `role` (`None`: the one researcher of a local server) may use the
/// route `method path`, as the table states; pages offer only the actions that will work.
pub(crate) fn allows(role: Option<idiograph_model::Role>, method: &str, path: &str) -> bool {
    let Some(role) = role else { return true };
    route_list().iter().any(|r| {
        r.method == method
            && r.path == path
            && match r.access {
                Access::Public => true,
                Access::Member(needed) => role >= needed,
            }
    })
}

pub(crate) fn build(state: AppState) -> Router {
    let mut merged: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for (_, path, access, handler) in table() {
        // On a team server each route checks its own access before its handler runs.
        let handler = match state.team {
            Some(_) => handler.layer(axum::middleware::from_fn_with_state((state.clone(), access), auth::gate)),
            None => handler,
        };
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
        .layer(DefaultBodyLimit::max(crate::api::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::guard))
        .with_state(state)
}
