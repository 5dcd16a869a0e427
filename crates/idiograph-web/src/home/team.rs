//! A team server of many projects (`idiograph serve --team --database URL` without `-p`): after
//! login each member's home page lists the projects where they have a role, and each project's
//! workbench — the team router of `serve --team -p ID`, unchanged — is served under
//! `/projects/{id}/`. An owner of a project on the server may make new ones there.
//!
//! Accounts and sessions are the server's (one login for all its projects), but logging in and
//! out are commands of a project, recorded in its audit log: they go through the first project
//! where the account has a role (any project for a name that has none, which refuses it the
//! same way and in the same time as a wrong password). Anything of a project answers a
//! signed-in non-member exactly as an address that does not exist, and someone not signed in
//! is sent to the login page whether the project exists or not.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::{Form, Json, Router};
use idiograph_app::Workbench;
use serde_json::{json, Value};
use tower::ServiceExt;

use super::{mount, HomePage, Listed, NewStudy, Opened, Place};
use crate::api::ApiJson;
use crate::auth::{self, TeamSettings};
use crate::error::{ApiError, ApiResult};
use crate::routes::{Access, Route};
use crate::{assets, security};

/// The server of a PostgreSQL database's projects.
pub(crate) struct Projects {
    url: String,
    /// Who the server's own work is recorded as (members' commands are recorded as theirs).
    author: String,
    bound: SocketAddr,
    settings: TeamSettings,
    /// The projects opened so far, by id.
    open: tokio::sync::Mutex<BTreeMap<String, Opened>>,
}

/// The address of the project `id`.
fn project_url(id: &str) -> String {
    format!("/projects/{id}/")
}

impl Projects {
    /// The project `id`, opened if it is not yet; `None` if the database holds no such project.
    async fn project(&self, id: &str) -> Option<Opened> {
        let mut open = self.open.lock().await;
        if let Some(o) = open.get(id) {
            return Some(o.clone());
        }
        let wb = Workbench::open_on_server(&self.url, id, &self.author).await.ok()?;
        Some(self.keep(&mut open, id, wb))
    }

    fn keep(&self, open: &mut BTreeMap<String, Opened>, id: &str, wb: Workbench) -> Opened {
        // As `serve` does for its one project: a withdrawal made through any process purges
        // this process's search index of the project at once.
        let purging = wb.clone();
        tokio::spawn(async move { purging.purge_search_index_on_withdrawals().await });
        let router = crate::router_with(wb.clone(), self.bound, Some(self.settings.clone()));
        let o = Opened { wb, router };
        open.insert(id.to_owned(), o.clone());
        o
    }

    /// A project to log in and out through: the first where `name` has a role, else any that
    /// is still there; `None` when the server has no project at all.
    async fn door(&self, name: Option<&str>) -> ApiResult<Option<Opened>> {
        if let Some(name) = name {
            for (p, _) in Workbench::projects_of_account(&self.url, name).await? {
                if let Some(o) = self.project(&p.id).await {
                    return Ok(Some(o));
                }
            }
        }
        // A project deleted while the server runs stays open here, but commits nothing more.
        let opened: Vec<(String, Opened)> = self.open.lock().await.clone().into_iter().collect();
        for (id, o) in opened {
            if o.wb.history(1).await.is_ok() {
                return Ok(Some(o));
            }
            self.open.lock().await.remove(&id);
        }
        self.first().await
    }

    /// The first project on the server that opens, if there is one.
    async fn first(&self) -> ApiResult<Option<Opened>> {
        for p in Workbench::projects_on_server(&self.url).await?.projects {
            if let Some(o) = self.project(&p.id).await {
                return Ok(Some(o));
            }
        }
        Ok(None)
    }

    /// The account whose session the request carries, if it is open. Sessions are the
    /// server's, so any project can tell, even one deleted since it was opened.
    async fn signed_in(&self, headers: &HeaderMap) -> ApiResult<Option<String>> {
        let Some(token) = auth::session_token(headers) else { return Ok(None) };
        let opened = self.open.lock().await.values().next().cloned();
        let door = match opened {
            Some(o) => o,
            None => match self.first().await? {
                Some(o) => o,
                None => return Ok(None),
            },
        };
        Ok(door.wb.session(&token, self.settings.sessions).await?.map(|m| m.name))
    }

    /// The projects where `name` has a role, described for the home page.
    async fn list(&self, name: &str) -> ApiResult<Vec<Listed>> {
        let mut listed = Vec::new();
        for (p, role) in Workbench::projects_of_account(&self.url, name).await? {
            let mut entry = Listed::new(Place::Project { id: p.id.clone(), role }, project_url(&p.id), p.title);
            let study = self.project(&p.id).await.map(|o| o.wb);
            entry.describe(study.ok_or_else(|| ApiError::not_found(format!("project {} is gone", p.id)))).await;
            listed.push(entry);
        }
        Ok(listed)
    }

    /// Makes a project owned by `name` from the fields of the form or the API; returns its id.
    async fn create(&self, name: &str, new: &NewStudy) -> ApiResult<String> {
        let checked = new.checked()?;
        let (wb, id) =
            Workbench::create_on_server_as_owner(&self.url, &checked.title, checked.terminology, name).await?;
        checked.settle(&wb).await?;
        self.keep(&mut *self.open.lock().await, &id, wb);
        Ok(id)
    }
}

/// Whether the member whose studies are `listed` may make projects here: an owner of one.
fn may_create(listed: &[Listed]) -> bool {
    listed.iter().any(|l| matches!(l.place, Place::Project { role: idiograph_model::Role::Owner, .. }))
}

/// The shared state of the team server's handlers.
type Team = Arc<Projects>;

type Entry = (&'static str, &'static str, Access, MethodRouter<Team>);

/// The team server's own routes; each project's routes repeat under `/projects/{id}/`. Each
/// handler checks the session itself: what a project's route needs is its table's business.
fn table() -> Vec<Entry> {
    const ANYONE: Access = Access::Public;
    const SIGNED_IN: Access = Access::Member(idiograph_model::Role::Auditor);
    const OWNER: Access = Access::Member(idiograph_model::Role::Owner);
    vec![
        ("GET", "/login", ANYONE, get(auth::login_form)),
        ("POST", "/login", ANYONE, post(login)),
        ("POST", "/logout", ANYONE, post(logout)),
        ("GET", "/", SIGNED_IN, get(home_page)),
        ("POST", "/new-study", OWNER, post(new_study_form)),
        ("GET", "/static/{*path}", ANYONE, get(assets::serve_asset)),
        ("GET", "/api/v1/studies", SIGNED_IN, get(list_studies)),
        ("POST", "/api/v1/studies", OWNER, post(create_study)),
    ]
}

/// The routes of a team server of many projects, apart from each project's own.
pub(crate) fn route_list() -> Vec<Route> {
    table().into_iter().map(|(method, path, access, _)| Route { method, path, access }).collect()
}

/// The server of every project in the PostgreSQL database at `url`, answering only requests
/// addressed to `bound` (or to the public address in `settings`).
pub(crate) fn router(url: String, author: &str, bound: SocketAddr, settings: TeamSettings) -> Router {
    let public = settings.public_origin.clone();
    let projects = Arc::new(Projects {
        url,
        author: author.to_owned(),
        bound,
        settings,
        open: tokio::sync::Mutex::new(BTreeMap::new()),
    });
    let mut router = Router::new();
    for (_, path, _, handler) in table() {
        router = router.route(path, handler);
    }
    router
        .route("/projects/{id}", any(in_project))
        .route("/projects/{id}/", any(in_project))
        .route("/projects/{id}/{*rest}", any(in_project))
        .fallback(crate::pages::not_found)
        .layer(axum::middleware::from_fn_with_state((bound, public), security::guard_address))
        .with_state(projects)
}

/// Answers `req` with `router` as it is (no prefix: logging in and out happen at the root).
async fn ask(router: Router, req: Request) -> Response {
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// The name in the login form.
#[derive(serde::Deserialize)]
struct LoginName {
    name: String,
}

/// Logs in through the door of the name in the form (the form is read here, then handed on).
async fn login(State(team): State<Team>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::api::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => return ApiError::bad_request(e.to_string()).into_response(),
    };
    // Only the name is read here; the login handler reads the whole form again.
    let mut probe = Request::new(axum::body::Body::from(bytes.clone()));
    *probe.method_mut() = parts.method.clone();
    probe.headers_mut().extend(parts.headers.get(header::CONTENT_TYPE).map(|v| (header::CONTENT_TYPE, v.clone())));
    let name = Form::<LoginName>::from_request(probe, &()).await.ok().map(|Form(f)| f.name);
    match team.door(name.as_deref()).await {
        Ok(Some(door)) => ask(door.router, Request::from_parts(parts, bytes.into())).await,
        Ok(None) => auth::login_page(
            StatusCode::UNAUTHORIZED,
            "This server has no studies yet: its administrator makes the first with `idiograph --database URL init`.",
        ),
        Err(e) => e.into_response(),
    }
}

/// Logs out through the door of whoever is signed in.
async fn logout(State(team): State<Team>, req: Request) -> Response {
    let name = match team.signed_in(req.headers()).await {
        Ok(name) => name,
        Err(e) => return e.into_response(),
    };
    match team.door(name.as_deref()).await {
        Ok(Some(door)) => ask(door.router, req).await,
        Ok(None) => Redirect::to("/login").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The signed-in account, or the answer to someone who is not (a redirect to the login page,
/// or 401 from the API at `path`).
async fn member(team: &Projects, headers: &HeaderMap, path: &str) -> Result<String, Response> {
    match team.signed_in(headers).await {
        Ok(Some(name)) => Ok(name),
        Ok(None) => Err(auth::unauthorized(path)),
        Err(e) => Err(e.into_response()),
    }
}

async fn home_page(State(team): State<Team>, headers: HeaderMap) -> Response {
    match member(&team, &headers, "/").await {
        Ok(name) => render_home(&team, name, String::new(), None).await,
        Err(r) => r,
    }
}

/// The member's home page, with `message` (and the refused form's fields) at the top.
async fn render_home(team: &Projects, name: String, message: String, refused: Option<&NewStudy>) -> Response {
    let studies = match team.list(&name).await {
        Ok(s) => s,
        Err(e) => return crate::error::PageError(e).into_response(),
    };
    let can_create = may_create(&studies);
    let page = HomePage::new(String::new(), Some(name), can_create, studies, message, refused);
    match crate::pages::render(&page) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn new_study_form(State(team): State<Team>, headers: HeaderMap, Form(new): Form<NewStudy>) -> Response {
    let name = match member(&team, &headers, "/new-study").await {
        Ok(name) => name,
        Err(r) => return r,
    };
    match team.create(&name, &new).await {
        Ok(id) => Redirect::to(&project_url(&id)).into_response(),
        Err(e) => {
            let status = e.status;
            let mut page = render_home(&team, name, e.message, Some(&new)).await;
            if page.status().is_success() {
                *page.status_mut() = status;
            }
            page
        }
    }
}

async fn list_studies(State(team): State<Team>, headers: HeaderMap) -> Response {
    let name = match member(&team, &headers, "/api/v1/studies").await {
        Ok(name) => name,
        Err(r) => return r,
    };
    match team.list(&name).await {
        Ok(listed) => {
            Json(json!({ "studies": listed.iter().map(Listed::json).collect::<Vec<Value>>() })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn create_study(State(team): State<Team>, headers: HeaderMap, ApiJson(new): ApiJson<NewStudy>) -> Response {
    let name = match member(&team, &headers, "/api/v1/studies").await {
        Ok(name) => name,
        Err(r) => return r,
    };
    let made = async {
        let id = team.create(&name, &new).await?;
        let listed = team.list(&name).await?;
        Ok::<_, ApiError>(listed.iter().find(|l| l.url == project_url(&id)).map(Listed::json).unwrap_or(Value::Null))
    };
    match made.await {
        Ok(item) => (StatusCode::CREATED, Json(item)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Anything under `/projects/ID/`: answered by that project's workbench for a member; as an
/// unknown address for anyone else signed in; with the login page for someone who is not.
async fn in_project(State(team): State<Team>, req: Request) -> Response {
    let Some((prefix, rest)) = mount::split(req.uri()) else { return crate::pages::not_found().await };
    let id = prefix.trim_start_matches("/projects/").to_owned();
    let Some(token) = auth::session_token(req.headers()) else { return auth::unauthorized(&rest) };
    let project = team.project(&id).await;
    // The session is checked on the project itself, which also gives the role there; for an
    // id that is no project, on any other, so the answer does not depend on whether it is one.
    let checked = match &project {
        Some(o) => o.wb.session(&token, team.settings.sessions).await.map(|m| m.map(|m| m.role.is_some())),
        None => match team.signed_in(req.headers()).await {
            Ok(name) => Ok(name.map(|_| false)),
            Err(e) => return e.into_response(),
        },
    };
    match (checked, project) {
        // `/projects/ID` without the slash: the dashboard is at `/projects/ID/`.
        (Ok(Some(true)), Some(_)) if req.uri().path() == prefix => {
            Redirect::permanent(&project_url(&id)).into_response()
        }
        (Ok(Some(true)), Some(o)) => mount::forward(o.router, &prefix, Some("/"), req).await,
        (Ok(Some(_)), _) => crate::pages::not_found().await,
        (Ok(None), _) => auth::unauthorized(&rest),
        (Err(e), _) => ApiError::from(e).into_response(),
    }
}
