//! The home page of a folder of studies (`idiograph` with no arguments, `idiograph serve --dir
//! DIR`): the studies there with their title, participants and last change; a new study, one
//! made from a REFI-QDA file, and the demo. Each study's own workbench is served under
//! `/studies/{name}/` (its file name without `.idg`), by the single-study router (see [`mount`]).
//!
//! Studies are opened on first use and stay open while the server runs. Everything the page
//! does is also JSON: `GET` and `POST /api/v1/studies`. A team server of many projects has the
//! same home page for each member, without the folder's parts (see [`team`]).

mod mount;
mod names;
mod team;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::{Form, Json, Router};
use idiograph_app::Workbench;
use idiograph_model::{RecurrenceRule, Terminology};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{word, ApiJson};
use crate::error::{ApiError, ApiResult, PageResult};
use crate::routes::{Access, Route};
use crate::{assets, security};

/// What stays as it is in a study's address: letters, digits and `-._~`; everything else
/// (spaces, accents) is percent-encoded.
const IN_ADDRESS: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The largest REFI-QDA file the home page takes (a project with its sources).
const MAX_EXCHANGE_BYTES: usize = 256 * 1024 * 1024;

/// The server of a folder of studies.
pub(crate) struct Folder {
    dir: PathBuf,
    author: String,
    bound: SocketAddr,
    /// The studies opened so far, by file stem.
    open: tokio::sync::Mutex<BTreeMap<String, Opened>>,
}

/// One open study: its workbench and the router of its pages.
#[derive(Clone)]
struct Opened {
    wb: Workbench,
    router: Router,
}

/// One study as the home page lists it.
struct Listed {
    /// Where it is kept: its file in the folder, or its project id on a team server.
    place: Place,
    url: String,
    title: String,
    participants: usize,
    last_change: String,
    /// Why the study cannot be opened, if it cannot.
    problem: Option<String>,
}

/// Where a listed study is kept.
enum Place {
    /// Its file name in the folder.
    File(String),
    /// Its project id on the team server, and the member's role in it.
    Project { id: String, role: idiograph_model::Role },
}

impl Listed {
    /// A study kept at `place` and served at `url`, called `title` until [`Listed::describe`] reads its own.
    fn new(place: Place, url: String, title: String) -> Listed {
        Listed { place, url, title, participants: 0, last_change: String::new(), problem: None }
    }

    /// Fills in the title, participants and last change from the open study, or the problem.
    async fn describe(&mut self, study: ApiResult<Workbench>) {
        let described = async {
            let wb = study?;
            let s = wb.snapshot().await?;
            let last = wb.history(1).await?.into_iter().next();
            Ok::<_, ApiError>((s, last))
        };
        match described.await {
            Ok((s, last)) => {
                self.title = s.settings.title;
                self.participants = s.participants.len();
                self.last_change = last.map(|e| e.at.replace('T', " ").chars().take(16).collect()).unwrap_or_default();
            }
            Err(e) => self.problem = Some(e.message),
        }
    }

    /// The file name, on the home page of a folder.
    fn file(&self) -> Option<&str> {
        match &self.place {
            Place::File(f) => Some(f),
            Place::Project { .. } => None,
        }
    }

    /// The member's role, on a team server.
    fn role(&self) -> Option<&'static str> {
        match &self.place {
            Place::File(_) => None,
            Place::Project { role, .. } => Some(role.as_str()),
        }
    }

    fn json(&self) -> Value {
        let mut item = json!({
            "url": self.url, "title": self.title, "participants": self.participants,
            "last_change": self.last_change, "problem": self.problem,
        });
        match &self.place {
            Place::File(file) => item["file"] = json!(file),
            Place::Project { id, role } => {
                item["id"] = json!(id);
                item["role"] = json!(role.as_str());
            }
        }
        item
    }
}

/// The address of the study whose file stem is `stem`.
fn study_url(stem: &str) -> String {
    format!("/studies/{}/", utf8_percent_encode(stem, IN_ADDRESS))
}

impl Folder {
    fn path_of(&self, stem: &str) -> PathBuf {
        self.dir.join(format!("{stem}.{}", names::EXTENSION))
    }

    /// The study `stem`, opened if it is not yet; 404 if the folder holds no such study.
    async fn study(&self, stem: &str) -> ApiResult<Opened> {
        let mut open = self.open.lock().await;
        if let Some(o) = open.get(stem) {
            return Ok(o.clone());
        }
        let path = self.path_of(stem);
        if !names::is_plain_stem(stem) || !path.is_file() {
            return Err(ApiError::not_found(format!("there is no study “{stem}” in {}", self.dir.display())));
        }
        let wb = Workbench::open(&path, &self.author).await?;
        Ok(self.keep(&mut open, stem, wb))
    }

    fn keep(&self, open: &mut BTreeMap<String, Opened>, stem: &str, wb: Workbench) -> Opened {
        let o = Opened { router: crate::router(wb.clone(), self.bound), wb };
        open.insert(stem.to_owned(), o.clone());
        o
    }

    /// Records a study just made at `path` as open.
    async fn made(&self, path: &FilePath, wb: Workbench) -> String {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        self.keep(&mut *self.open.lock().await, &stem, wb);
        stem
    }

    /// Every study in the folder, by title.
    async fn list(&self) -> Vec<Listed> {
        let mut stems: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == names::EXTENSION))
                    .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .filter(|s| names::is_plain_stem(s))
                    .collect()
            })
            .unwrap_or_default();
        stems.sort();
        let mut listed = Vec::with_capacity(stems.len());
        for stem in stems {
            let file = format!("{stem}.{}", names::EXTENSION);
            let mut entry = Listed::new(Place::File(file), study_url(&stem), stem.clone());
            entry.describe(self.study(&stem).await.map(|o| o.wb)).await;
            listed.push(entry);
        }
        listed.sort_by_key(|l| l.title.to_lowercase());
        listed
    }

    /// Makes a new study from the fields of the form or the API; returns its file stem.
    async fn create(&self, new: &NewStudy) -> ApiResult<String> {
        let checked = new.checked()?;
        std::fs::create_dir_all(&self.dir).map_err(|e| ApiError::internal(format!("{}: {e}", self.dir.display())))?;
        let path = names::free_path(&self.dir, &checked.title);
        let wb = Workbench::create(&path, &checked.title, checked.terminology, &self.author).await?;
        checked.settle(&wb).await?;
        Ok(self.made(&path, wb).await)
    }
}

/// A new study: the fields of the home page's form, and the body of `POST /api/v1/studies`.
#[derive(Deserialize)]
pub(crate) struct NewStudy {
    title: String,
    research_question: Option<String>,
    /// `2009` or `2022` (default).
    terminology: Option<String>,
    /// `half` (default), a share such as `2/3`, or a count.
    recurrence_rule: Option<String>,
}

/// A new study's fields, checked.
struct CheckedStudy {
    title: String,
    terminology: Terminology,
    question: Option<String>,
    rule: Option<RecurrenceRule>,
}

impl NewStudy {
    /// The fields checked before anything is made: a title, a known wording and a readable rule.
    fn checked(&self) -> ApiResult<CheckedStudy> {
        let terminology = match self.terminology.as_deref().map(str::trim) {
            None | Some("") => Terminology::Smith2022,
            Some(t) => word::<Terminology>(t)?,
        };
        let rule = match self.recurrence_rule.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(RecurrenceRule::parse(r).map_err(ApiError::invalid)?),
        };
        let title = self.title.trim();
        if title.is_empty() {
            return Err(ApiError::invalid("give the study a title"));
        }
        let question = self.research_question.as_deref().map(str::trim).filter(|q| !q.is_empty());
        Ok(CheckedStudy { title: title.to_owned(), terminology, question: question.map(str::to_owned), rule })
    }
}

impl CheckedStudy {
    /// Gives the study `wb`, just made with the title and wording, its question and rule.
    async fn settle(self, wb: &Workbench) -> ApiResult<()> {
        if self.question.is_some() || self.rule.is_some() {
            wb.update_study(None, self.question.as_deref(), None, self.rule, None, None).await?;
        }
        Ok(())
    }
}

/// The shared state of the home server's handlers.
type Home = Arc<Folder>;

type Entry = (&'static str, &'static str, Access, MethodRouter<Home>);

/// The home server's own routes; each study's routes repeat under `/studies/{name}/`.
fn table() -> Vec<Entry> {
    const ANYONE: Access = Access::Public;
    vec![
        ("GET", "/", ANYONE, get(home_page)),
        ("POST", "/new-study", ANYONE, post(new_study_form)),
        ("POST", "/demo", ANYONE, post(demo)),
        ("POST", "/import-study", ANYONE, post(import_study).layer(DefaultBodyLimit::max(MAX_EXCHANGE_BYTES))),
        ("GET", "/static/{*path}", ANYONE, get(assets::serve_asset)),
        ("GET", "/api/v1/studies", ANYONE, get(list_studies)),
        ("POST", "/api/v1/studies", ANYONE, post(create_study)),
    ]
}

/// The routes of the home page's servers — of a folder of studies, then of a team server of
/// many projects — apart from each study's own under `/studies/{name}/` or `/projects/{id}/`.
pub fn home_route_list() -> Vec<Route> {
    table()
        .into_iter()
        .map(|(method, path, access, _)| Route { method, path, access })
        .chain(team::route_list())
        .collect()
}

pub(crate) use team::router as team_router;

/// The server of the studies in `dir`, answering only requests addressed to `bound`; studies
/// are opened as `author`.
pub(crate) fn folder_router(dir: PathBuf, author: &str, bound: SocketAddr) -> Router {
    let folder =
        Arc::new(Folder { dir, author: author.to_owned(), bound, open: tokio::sync::Mutex::new(BTreeMap::new()) });
    let mut router = Router::new();
    for (_, path, _, handler) in table() {
        router = router.route(path, handler);
    }
    router
        .route("/studies/{name}", get(to_study))
        .route("/studies/{name}/", any(in_study))
        .route("/studies/{name}/{*rest}", any(in_study))
        .fallback(crate::pages::not_found)
        .layer(axum::middleware::from_fn_with_state((bound, None), security::guard_address))
        .with_state(folder)
}

/// `/studies/NAME` without the slash: the study's dashboard is at `/studies/NAME/`.
async fn to_study(Path(name): Path<String>) -> Redirect {
    Redirect::permanent(&study_url(&name))
}

/// Anything under `/studies/NAME/`: answered by that study's workbench.
async fn in_study(State(folder): State<Home>, req: Request) -> Response {
    let Some((prefix, _)) = mount::split(req.uri()) else { return crate::pages::not_found().await };
    let stem = match prefix.strip_prefix("/studies/").map(|s| percent_encoding::percent_decode_str(s).decode_utf8()) {
        Some(Ok(s)) => s.into_owned(),
        _ => return crate::pages::not_found().await,
    };
    match folder.study(&stem).await {
        Ok(o) => mount::forward(o.router, &prefix, Some("/"), req).await,
        Err(e) => crate::error::PageError(e).into_response(),
    }
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    /// The folder of studies; empty on a team server.
    folder: String,
    /// On a team server, the member signed in.
    member: Option<String>,
    /// Whether the new study form is offered (on a team server, to owners only).
    can_create: bool,
    studies: Vec<Listed>,
    /// What went wrong with the last form, if anything.
    message: String,
    /// The fields of a refused new study, shown again.
    title: String,
    question: String,
    rule: String,
}

async fn home_page(State(folder): State<Home>) -> PageResult {
    render_home(&folder, String::new(), None).await
}

async fn render_home(folder: &Folder, message: String, refused: Option<&NewStudy>) -> PageResult {
    let page = HomePage::new(folder.dir.display().to_string(), None, true, folder.list().await, message, refused);
    crate::pages::render(&page)
}

impl HomePage {
    fn new(
        folder: String,
        member: Option<String>,
        can_create: bool,
        studies: Vec<Listed>,
        message: String,
        refused: Option<&NewStudy>,
    ) -> HomePage {
        HomePage {
            folder,
            member,
            can_create,
            studies,
            message,
            title: refused.map(|n| n.title.clone()).unwrap_or_default(),
            question: refused.and_then(|n| n.research_question.clone()).unwrap_or_default(),
            rule: refused.and_then(|n| n.recurrence_rule.clone()).unwrap_or_else(|| "half".to_owned()),
        }
    }
}

/// The home page again with `error` at the top, and the status of the error.
async fn refused(folder: &Folder, error: ApiError, fields: Option<&NewStudy>) -> Response {
    let status = error.status;
    match render_home(folder, error.message, fields).await {
        Ok(page) => (status, page).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn new_study_form(State(folder): State<Home>, Form(new): Form<NewStudy>) -> Response {
    match folder.create(&new).await {
        Ok(stem) => Redirect::to(&study_url(&stem)).into_response(),
        Err(e) => refused(&folder, e, Some(&new)).await,
    }
}

/// Opens the demo study, making it first if the folder does not hold it yet.
async fn demo(State(folder): State<Home>) -> Response {
    let stem = names::stem_from_title(idiograph_app::DEMO_TITLE);
    let path = folder.path_of(&stem);
    if !path.exists() {
        if let Err(e) = std::fs::create_dir_all(&folder.dir) {
            return refused(&folder, ApiError::internal(format!("{}: {e}", folder.dir.display())), None).await;
        }
        match idiograph_app::build_demo(&path, &folder.author).await {
            Ok(wb) => {
                folder.made(&path, wb).await;
            }
            Err(e) => return refused(&folder, e.into(), None).await,
        }
    }
    Redirect::to(&study_url(&stem)).into_response()
}

/// The page after a REFI-QDA import: what came in and what did not.
#[derive(Template)]
#[template(path = "imported.html")]
struct ImportedPage {
    source: String,
    file: String,
    url: String,
    imported: Vec<(String, usize)>,
    diagnostics: Vec<String>,
}

/// Makes a study from an uploaded `.qdpx` or `.qde` and shows the loss report.
async fn import_study(State(folder): State<Home>, mut form: Multipart) -> Response {
    let mut upload: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(bytes) if !name.is_empty() => upload = Some((name, bytes.to_vec())),
                    Ok(_) => {}
                    Err(e) => return refused(&folder, ApiError::bad_request(e.body_text()), None).await,
                }
            }
            Ok(None) => break,
            Err(e) => return refused(&folder, ApiError::bad_request(e.body_text()), None).await,
        }
    }
    let Some((source, bytes)) = upload else {
        return refused(&folder, ApiError::invalid("choose a .qdpx or .qde file to import"), None).await;
    };
    let lower = source.to_lowercase();
    if !lower.ends_with(".qdpx") && !lower.ends_with(".qde") {
        let why = format!("{source}: not a REFI-QDA project; choose a .qdpx (or .qde) file");
        return refused(&folder, ApiError::invalid(why), None).await;
    }
    let stem = FilePath::new(&source).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if let Err(e) = std::fs::create_dir_all(&folder.dir) {
        return refused(&folder, ApiError::internal(format!("{}: {e}", folder.dir.display())), None).await;
    }
    let path = names::free_path(&folder.dir, &stem);
    match Workbench::import_qdpx(&path, &bytes, &source, &folder.author).await {
        Ok((wb, report)) => {
            let stem = folder.made(&path, wb).await;
            let page = ImportedPage {
                source,
                file: format!("{stem}.{}", names::EXTENSION),
                url: study_url(&stem),
                imported: report.imported.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect(),
                diagnostics: report.diagnostics,
            };
            match crate::pages::render(&page) {
                Ok(html) => (StatusCode::CREATED, html).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => refused(&folder, e.into(), None).await,
    }
}

async fn list_studies(State(folder): State<Home>) -> Json<Value> {
    let studies: Vec<Value> = folder.list().await.iter().map(Listed::json).collect();
    Json(json!({ "folder": folder.dir.display().to_string(), "studies": studies }))
}

async fn create_study(
    State(folder): State<Home>,
    ApiJson(new): ApiJson<NewStudy>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let stem = folder.create(&new).await?;
    let listed = folder.list().await;
    let made = listed.iter().find(|l| l.url == study_url(&stem)).map(Listed::json).unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(made)))
}
