//! The team server (`serve --team`) through its router, on a real SQLite file and on a real
//! PostgreSQL server: the authorisation matrix over every route in `route_list()`, CSRF with a
//! valid session, session fixation, expiry and revocation, ids of another project (IDOR), the
//! login rate limit, the cookie's attributes and the audit log's authors.
//!
//! The PostgreSQL leg runs when a server answers (`IDIOGRAPH_TEST_POSTGRES_URL`, else
//! 127.0.0.1:5432 database `test`); without one it says so and passes, except under `CI=true`.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use idiograph_app::{SessionPolicy, Workbench};
use idiograph_model::{Role, Terminology};
use idiograph_testkit::DropSchema;
use idiograph_web::{route_list, Access, Route, TeamSettings};
use serde_json::{json, Value};
use support::{send, Reply};

const ADDR: &str = "127.0.0.1:4321";
const ORIGIN: &str = "http://127.0.0.1:4321";
const PASSWORD: &str = "correct horse battery";
const TRANSCRIPT: &str = "Interviewer: How was it?\nOlivia: It was hard at first, and then it got easier.\n";

/// One request: method, path, optional body with its type, optional session, from our origin
/// unless `cross_site`.
struct Call<'a> {
    method: &'a str,
    path: String,
    body: Option<(String, &'a str)>,
    token: Option<String>,
    cross_site: bool,
}

impl<'a> Call<'a> {
    fn new(method: &'a str, path: impl Into<String>) -> Call<'a> {
        Call { method, path: path.into(), body: None, token: None, cross_site: false }
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Some((body.to_string(), "application/json"));
        self
    }

    fn body(mut self, body: String, content_type: &'a str) -> Self {
        self.body = Some((body, content_type));
        self
    }

    fn as_(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }

    fn request(self) -> Request<Body> {
        let mut b = Request::builder().method(self.method).uri(&self.path).header(header::HOST, ADDR);
        if !self.cross_site {
            b = b.header(header::ORIGIN, ORIGIN);
        }
        if let Some(t) = &self.token {
            b = b.header(header::COOKIE, format!("theme=dark; idiograph_session={t}"));
        }
        match self.body {
            Some((body, content_type)) => b.header(header::CONTENT_TYPE, content_type).body(Body::from(body)),
            None => b.body(Body::empty()),
        }
        .unwrap()
    }
}

fn login_request(name: &str, password: &str) -> Request<Body> {
    let form = format!("name={name}&password={}", password.replace(' ', "+"));
    let mut c = Call::new("POST", "/login");
    c.body = Some((form, "application/x-www-form-urlencoded"));
    c.request()
}

async fn log_in(router: &Router, name: &str) -> String {
    let r = send(router, login_request(name, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{name} logs in: {}", r.body);
    r.token()
}

/// Who makes a request in the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Member(Role),
    /// Signed in, but not a member of this project.
    Outsider,
    Anonymous,
}

/// A team server over a project with one case and transcript, a PET, and a user per role.
struct Team {
    router: Router,
    /// The project as its owner uses it, to prepare objects outside the requests under test.
    wb: Workbench,
    names: Vec<(Role, String)>,
    tokens: Vec<(Role, String)>,
    outsider: String,
    version: String,
    fresh: AtomicU32,
    /// Holds the project file (on SQLite) and the key store.
    dir: tempfile::TempDir,
}

impl Team {
    fn name(&self, role: Role) -> &str {
        &self.names.iter().find(|(r, _)| *r == role).unwrap().1
    }

    fn token(&self, who: Who) -> Option<String> {
        match who {
            Who::Member(role) => Some(self.tokens.iter().find(|(r, _)| *r == role).unwrap().1.clone()),
            Who::Outsider => Some(self.outsider.clone()),
            Who::Anonymous => None,
        }
    }

    fn next(&self) -> u32 {
        self.fresh.fetch_add(1, Ordering::Relaxed)
    }

    /// A request by the owner that must succeed; returns its JSON.
    async fn owner(&self, call: Call<'_>) -> Value {
        let what = format!("{} {}", call.method, call.path);
        let r = send(&self.router, call.as_(self.token(Who::Member(Role::Owner)).as_deref()).request()).await;
        assert!(r.status.is_success(), "preparing with {what}: {} {}", r.status, r.body);
        r.json()
    }

    fn selection(&self, extra: Value) -> Value {
        let mut s = json!({"transcript": "T1", "version": self.version, "start": 33, "end": 51});
        s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s
    }

    async fn new_note(&self) -> String {
        let body = self.selection(json!({"kind": "descriptive", "text": "Hard at first"}));
        self.owner(Call::new("POST", "/api/v1/notes").json(body)).await["id"].as_str().unwrap().to_owned()
    }

    async fn new_statement(&self) -> String {
        let body = self.selection(json!({"text": "Beginning as hardship"}));
        self.owner(Call::new("POST", "/api/v1/statements").json(body)).await["id"].as_str().unwrap().to_owned()
    }

    async fn new_pet(&self) -> String {
        let body = json!({"title": format!("Theme {}", self.next()), "case": "P1"});
        self.owner(Call::new("POST", "/api/v1/themes").json(body)).await["id"].as_str().unwrap().to_owned()
    }

    /// Unlocks (the first time: creates) the key store, unless a request of the matrix left it
    /// unlocked; the routes of known identifiers, "always replace" and apply need it.
    async fn unlocked(&self) {
        if self.wb.key_status().await.unwrap().unlocked.is_none() {
            self.wb.unlock_key_store_here(PASSWORD).await.unwrap();
        }
    }

    /// The request that exercises `route` for real when `who` may use it: real ids of fresh
    /// objects and real bodies, so that "allowed" is seen to succeed.
    async fn request_for(&self, route: &Route, who: Who) -> Call<'static> {
        let path = |p: &str| p.to_owned();
        let (method, template) = (route.method, route.path);
        let call = match (method, template) {
            ("GET", "/transcripts/{id}") => Call::new(method, path("/transcripts/T1")),
            ("GET", "/transcripts/{id}/parts") => Call::new(method, path("/transcripts/T1/parts?lines=1-3")),
            ("GET", "/cases/{id}") => Call::new(method, path("/cases/P1")),
            ("GET", "/themes/{id}") => Call::new(method, path("/themes/TH1")),
            ("GET", "/static/{*path}") => Call::new(method, path("/static/app.css")),
            ("GET", "/search") | ("GET", "/api/v1/search") => Call::new(method, format!("{template}?q=hard")),
            ("POST", "/login") => {
                let mut c = Call::new(method, path(template));
                c.body = Some((
                    format!("name={}&password={}", self.name(Role::Auditor), PASSWORD.replace(' ', "+")),
                    "application/x-www-form-urlencoded",
                ));
                return c;
            }
            // Logging out ends the session it is sent with: use a second one of the same person.
            ("POST", "/logout") => {
                let token = match who {
                    Who::Member(role) => Some(log_in(&self.router, self.name(role)).await),
                    // Not the outsider's only session: the rest of the matrix needs it.
                    Who::Outsider | Who::Anonymous => None,
                };
                return Call::new(method, path(template)).as_(token.as_deref());
            }
            ("PATCH", "/api/v1/study") => Call::new(method, path(template)).json(json!({"research_question": "How?"})),
            ("POST", "/api/v1/participants") => {
                Call::new(method, path(template)).json(json!({"pseudonym": format!("Case {}", self.next())}))
            }
            ("GET", "/api/v1/participants/{id}") => Call::new(method, path("/api/v1/participants/P1")),
            ("PATCH", "/api/v1/participants/{id}") => {
                Call::new(method, path("/api/v1/participants/P1")).json(json!({"attributes": {"stage": "ST2"}}))
            }
            ("POST", "/api/v1/participants/{id}/finish") => {
                Call::new(method, path("/api/v1/participants/P1/finish")).json(json!({}))
            }
            ("POST", "/api/v1/participants/{id}/reopen") => {
                Call::new(method, path("/api/v1/participants/P1/reopen")).json(json!({}))
            }
            ("POST", "/api/v1/transcripts") => {
                let mut c = Call::new(method, format!("/api/v1/transcripts?participant=P2&name=t{}.txt", self.next()));
                c.body = Some(("Tom: Another interview.\n".to_owned(), "text/plain"));
                c
            }
            ("GET", "/api/v1/transcripts/{id}") => Call::new(method, path("/api/v1/transcripts/T1")),
            ("GET", "/api/v1/transcripts/{id}/annotated/{format}") => {
                Call::new(method, path("/api/v1/transcripts/T1/annotated/html"))
            }
            ("PATCH", "/api/v1/transcripts/{id}") => Call::new(method, path("/api/v1/transcripts/T1"))
                .json(json!({"title": format!("Olivia {}", self.next())})),
            ("DELETE", "/api/v1/transcripts/{id}") => {
                let mut c = Call::new("POST", format!("/api/v1/transcripts?participant=P2&name=d{}.txt", self.next()));
                c.body = Some(("Tom: To be deleted.\n".to_owned(), "text/plain"));
                let made = self.owner(c).await;
                Call::new(method, format!("/api/v1/transcripts/{}", made["imported"][0]["id"].as_str().unwrap()))
            }
            // Each correction is made on a transcript of its own, so T1 keeps the version the
            // other requests name.
            ("POST", "/api/v1/corrections") => {
                let mut c = Call::new("POST", format!("/api/v1/transcripts?participant=P2&name=c{}.txt", self.next()));
                c.body = Some(("Tom: Misheard words.\n".to_owned(), "text/plain"));
                let made = &self.owner(c).await["imported"][0];
                let id = made["id"].as_str().unwrap();
                let version =
                    self.owner(Call::new("GET", format!("/api/v1/transcripts/{id}"))).await["version"].clone();
                Call::new(method, path(template))
                    .json(json!({"transcript": id, "version": version, "start": 5, "end": 14, "text": "Heard"}))
            }
            ("GET", "/api/v1/transcripts/{id}/speakers") => Call::new(method, path("/api/v1/transcripts/T1/speakers")),
            ("PUT", "/api/v1/transcripts/{id}/speakers/{label}") => {
                Call::new(method, path("/api/v1/transcripts/T1/speakers/Interviewer"))
                    .json(json!({"role": "interviewer"}))
            }
            // Each request that needs a recording attaches one first (a removal may have taken it).
            ("GET" | "DELETE", "/api/v1/transcripts/{id}/recording") => {
                let wav = idiograph_testkit::wav(b"a recording of the interview");
                let mut bytes: &[u8] = &wav;
                let file = idiograph_app::MediaFile::by_name("interview.wav", &mut bytes).unwrap();
                self.wb.attach_recording("T1", file).await.unwrap();
                Call::new(method, path("/api/v1/transcripts/T1/recording"))
            }
            ("POST", "/api/v1/transcripts/{id}/recording") => {
                // Bytes below 0x80 only: the request's body is text.
                let wav = String::from_utf8(idiograph_testkit::wav(b"another recording")).unwrap();
                Call::new(method, path("/api/v1/transcripts/T1/recording?name=a.wav"))
                    .body(wav, "application/octet-stream")
            }
            ("GET", "/api/v1/transcripts/{id}/sync-points") => {
                Call::new(method, path("/api/v1/transcripts/T1/sync-points"))
            }
            ("POST", "/api/v1/notes") => {
                Call::new(method, path(template)).json(self.selection(json!({"kind": "linguistic", "text": "repeats"})))
            }
            ("PATCH", "/api/v1/notes/{id}") => {
                Call::new(method, format!("/api/v1/notes/{}", self.new_note().await)).json(json!({"text": "Edited"}))
            }
            ("DELETE", "/api/v1/notes/{id}") => Call::new(method, format!("/api/v1/notes/{}", self.new_note().await)),
            ("POST", "/api/v1/statements") => {
                Call::new(method, path(template)).json(self.selection(json!({"text": "Hardship"})))
            }
            ("PATCH", "/api/v1/statements/{id}") => {
                Call::new(method, format!("/api/v1/statements/{}", self.new_statement().await))
                    .json(json!({"text": "Edited"}))
            }
            ("DELETE", "/api/v1/statements/{id}") => {
                Call::new(method, format!("/api/v1/statements/{}", self.new_statement().await))
            }
            ("POST", "/api/v1/themes") => {
                Call::new(method, path(template)).json(json!({"title": format!("New {}", self.next()), "case": "P1"}))
            }
            ("GET", "/api/v1/themes/{id}") => Call::new(method, path("/api/v1/themes/TH1")),
            ("PATCH", "/api/v1/themes/{id}") => Call::new(method, format!("/api/v1/themes/{}", self.new_pet().await))
                .json(json!({"title": format!("Renamed {}", self.next())})),
            ("DELETE", "/api/v1/themes/{id}") => Call::new(method, format!("/api/v1/themes/{}", self.new_pet().await)),
            ("POST", "/api/v1/themes/{id}/merge") => {
                let (from, into) = (self.new_pet().await, self.new_pet().await);
                Call::new(method, format!("/api/v1/themes/{from}/merge")).json(json!({"into": into}))
            }
            ("POST", "/api/v1/themes/{id}/split") => {
                let (theme, statement) = (self.new_pet().await, self.new_statement().await);
                self.owner(
                    Call::new("POST", "/api/v1/assignments").json(json!({"theme": theme, "statement": statement})),
                )
                .await;
                Call::new(method, format!("/api/v1/themes/{theme}/split"))
                    .json(json!({"title": format!("Split {}", self.next()), "members": [statement]}))
            }
            ("POST", "/api/v1/assignments") => {
                let (theme, statement) = (self.new_pet().await, self.new_statement().await);
                Call::new(method, path(template)).json(json!({"theme": theme, "statement": statement}))
            }
            ("DELETE", "/api/v1/assignments") => {
                let (theme, statement) = (self.new_pet().await, self.new_statement().await);
                self.owner(
                    Call::new("POST", "/api/v1/assignments").json(json!({"theme": theme, "statement": statement})),
                )
                .await;
                Call::new(method, format!("/api/v1/assignments?theme={theme}&statement={statement}"))
            }
            ("POST", "/api/v1/extracts") => {
                Call::new(method, path(template)).json(self.selection(json!({"theme": "TH1"})))
            }
            ("DELETE", "/api/v1/extracts/{id}") => {
                let x = self
                    .owner(Call::new("POST", "/api/v1/extracts").json(self.selection(json!({"theme": "TH1"}))))
                    .await;
                Call::new(method, format!("/api/v1/extracts/{}", x["id"].as_str().unwrap()))
            }
            ("POST", "/api/v1/journal") => Call::new(method, path(template)).json(json!({"text": "A thought."})),
            // A journal entry is its author's: each member changes one of their own.
            ("PATCH", "/api/v1/journal/{id}") | ("DELETE", "/api/v1/journal/{id}") => {
                let author = match who {
                    Who::Member(role) => self.wb.as_member(self.name(role), role),
                    _ => self.wb.as_member(self.name(Role::Owner), Role::Owner),
                };
                let j = author.add_journal("Mine.", None).await.unwrap();
                let c = Call::new(method, format!("/api/v1/journal/{}", j.short_id()));
                if method == "PATCH" {
                    c.json(json!({"text": "Still mine."}))
                } else {
                    c
                }
            }
            ("POST", "/api/v1/undo") | ("POST", "/api/v1/redo") => Call::new(method, path(template)).json(json!({})),
            ("GET" | "POST", "/api/v1/reports/{format}") => Call::new(method, path("/api/v1/reports/md")),
            ("GET" | "POST", "/api/v1/figures/{file}") => Call::new(method, path("/api/v1/figures/heatmap.svg")),
            ("GET" | "POST", "/api/v1/results/{format}") => Call::new(method, path("/api/v1/results/md")),
            // A codebook of one code, named anew each time so that no import clashes with the last.
            ("POST", "/api/v1/codebook") => {
                let n = self.next();
                Call::new(method, path(template)).body(
                    format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">\
                         <Codes><Code guid=\"6F0E3D3C-3C4A-4C0B-9D11-{n:012X}\" name=\"Imported {n}\" \
                         isCodable=\"true\"/></Codes></CodeBook>"
                    ),
                    "application/xml",
                )
            }
            // A project of one note, new each time so that every merge has something to add.
            ("POST", "/api/v1/merge") => {
                let n = self.next();
                Call::new(method, path("/api/v1/merge?name=memo.qde")).body(
                    format!(
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" \
                         name=\"Memo\" origin=\"OtherTool\"><Notes><Note guid=\"6F0E3D3C-3C4A-4C0B-9D11-{n:012X}\" \
                         name=\"memo\"><PlainTextContent>Merged memo {n}</PlainTextContent></Note></Notes></Project>"
                    ),
                    "application/xml",
                )
            }
            ("POST", "/api/v1/guide/questions") => {
                Call::new(method, path(template)).json(json!({"text": format!("Question {}?", self.next())}))
            }
            ("PATCH", "/api/v1/guide/questions/{id}") | ("DELETE", "/api/v1/guide/questions/{id}") => {
                let q = self.wb.add_guide_question(&format!("Asked {}?", self.next()), None).await.unwrap();
                let c = Call::new(method, format!("/api/v1/guide/questions/{}", q.short_id()));
                if method == "PATCH" {
                    c.json(json!({"text": "Reworded?"}))
                } else {
                    c
                }
            }
            ("POST", "/api/v1/guide/import") => {
                Call::new(method, path(template)).body(format!("1. Imported {}?\n", self.next()), "text/plain")
            }
            ("GET", "/api/v1/guide/match/{id}") => Call::new(method, path("/api/v1/guide/match/T1")),
            ("PUT", "/api/v1/guide/match/{id}") => {
                self.wb.add_guide_question("How did you join the group?", None).await.unwrap();
                Call::new(method, path("/api/v1/guide/match/T1")).json(json!({"turns": []}))
            }
            ("GET" | "POST", "/api/v1/guide/answers/{format}") => Call::new(method, path("/api/v1/guide/answers/md")),
            ("POST", "/api/v1/transcripts/{id}/annotated/{format}") => {
                Call::new(method, path("/api/v1/transcripts/T1/annotated/html"))
            }
            ("POST", "/api/v1/deid/unlock") => Call::new(method, path(template)).json(json!({"passphrase": PASSWORD})),
            ("PUT", "/api/v1/deid/originals") => Call::new(method, path(template)).json(json!({"policy": "key-store"})),
            ("GET", "/api/v1/deid/known") => {
                self.unlocked().await;
                Call::new(method, path(template))
            }
            ("POST", "/api/v1/deid/known") => {
                self.unlocked().await;
                let real = format!("Marchbanks{}", self.next());
                Call::new(method, path(template))
                    .json(json!({"real": real, "replacement": "Pseudonym", "kind": "trainer"}))
            }
            ("DELETE", "/api/v1/deid/known") => {
                self.unlocked().await;
                let real = format!("Treloar{}", self.next());
                self.wb.add_known(&real, "", "colleague", &[]).await.unwrap();
                Call::new(method, path(template)).json(json!({"real": real}))
            }
            ("POST", "/api/v1/deid/decisions") => Call::new(method, path(template))
                .json(self.selection(json!({"kind": "proper-name", "verdict": "reject"}))),
            ("POST", "/api/v1/deid/bulk") => {
                Call::new(method, path(template)).json(json!({"kind": "proper-name", "verdict": "reject"}))
            }
            ("POST", "/api/v1/deid/words") => Call::new(method, path(template))
                .json(json!({"word": "Winnicott", "kind": "other", "verdict": "reject"})),
            // Only the owner's request runs, once: "Olivia" (bytes 25–31) becomes a known identifier.
            ("POST", "/api/v1/deid/always") => {
                self.unlocked().await;
                Call::new(method, path(template)).json(json!({
                    "transcript": "T1", "version": self.version, "start": 25, "end": 31, "kind": "participant",
                }))
            }
            ("POST", "/api/v1/deid/apply") => {
                self.unlocked().await;
                Call::new(method, path(template)).json(json!({"scope": "accepted"}))
            }
            ("PUT", "/api/v1/members/{name}") => {
                let spare = format!("spare-{}-{}", self.next(), self.name(Role::Owner));
                self.wb.create_user(&spare, PASSWORD, Some(Role::Auditor)).await.unwrap();
                Call::new(method, format!("/api/v1/members/{spare}")).json(json!({"role": "analyst"}))
            }
            ("DELETE", "/api/v1/members/{name}") => {
                let spare = format!("gone-{}-{}", self.next(), self.name(Role::Owner));
                self.wb.create_user(&spare, PASSWORD, Some(Role::Auditor)).await.unwrap();
                Call::new(method, format!("/api/v1/members/{spare}"))
            }
            ("POST", "/api/v1/members/{name}/sign-out") => {
                let spare = format!("out-{}-{}", self.next(), self.name(Role::Owner));
                self.wb.create_user(&spare, PASSWORD, Some(Role::Auditor)).await.unwrap();
                Call::new(method, format!("/api/v1/members/{spare}/sign-out"))
            }
            // Deleting for real would end the matrix: a wrong title shows who gets past the
            // gate (422 from the command itself); the deletion has tests of its own below.
            ("DELETE", "/api/v1/project") => Call::new(method, path(template)).json(json!({"title": "Not this one"})),
            (_, p) if !p.contains('{') => Call::new(method, path(p)),
            _ => panic!("the matrix has no request for {method} {template}: add one"),
        };
        call.as_(self.token(who).as_deref())
    }
}

async fn project(dir: &tempfile::TempDir) -> Workbench {
    let wb = Workbench::create(&dir.path().join("a.idg"), "Team study", Terminology::Smith2022, "admin").await.unwrap();
    prepare(&wb).await;
    wb
}

/// The study every matrix starts from: Olivia with a transcript (T1) and a PET (TH1), and Tom.
async fn prepare(wb: &Workbench) {
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    wb.add_participant("Tom", &[], Default::default()).await.unwrap();
    let out = wb
        .import_files("P1", vec![("olivia.txt".into(), TRANSCRIPT.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    assert_eq!(out.imported.len(), 1);
}

/// Makes the users, logs each in, and builds the server. `outsider` is the session of someone
/// signed in who is not a member here.
async fn team(wb: Workbench, suffix: &str, settings: TeamSettings, dir: tempfile::TempDir) -> Team {
    let mut names = vec![];
    for role in [Role::Owner, Role::Analyst, Role::Auditor] {
        let name = format!("{role}-{suffix}");
        wb.create_user(&name, PASSWORD, Some(role)).await.unwrap();
        names.push((role, name));
    }
    let router = idiograph_web::router_with(wb.clone(), ADDR.parse().unwrap(), Some(settings));
    let mut tokens = vec![];
    for (role, name) in &names {
        tokens.push((*role, log_in(&router, name).await));
    }
    let owner = wb.as_member(&names[0].1, Role::Owner);
    let mut t = Team {
        router,
        wb: owner,
        names,
        tokens,
        outsider: String::new(),
        version: String::new(),
        fresh: AtomicU32::new(0),
        dir,
    };
    t.version = t.owner(Call::new("GET", "/api/v1/transcripts/T1")).await["version"].as_str().unwrap().to_owned();
    t.new_pet().await;
    t
}

async fn sqlite_team(settings: TeamSettings) -> Team {
    let dir = tempfile::tempdir().unwrap();
    let wb = project(&dir).await;
    let mut t = team(wb, "here", settings, dir).await;
    // Someone who was a member, is still logged in, and was removed from the project.
    t.wb.create_user("former", PASSWORD, Some(Role::Analyst)).await.unwrap();
    t.outsider = log_in(&t.router, "former").await;
    t.wb.remove_member("former").await.unwrap();
    t
}

/// Who may do what, stated here apart from the route table, so that a change to either shows:
/// everyone logs in and out; auditors read, write their journal and undo their own commands;
/// analysts analyse and review pseudonymisation candidates; owners change the study settings and
/// the members, delete the project, and hold the key store (known identifiers, applying); anyone
/// reads the de-identification log, which names nobody.
fn intended(route: &Route) -> Access {
    match (route.method, route.path) {
        (_, "/login" | "/logout" | "/static/{*path}") => Access::Public,
        ("PATCH", "/api/v1/study") | ("DELETE", "/api/v1/project") => Access::Member(Role::Owner),
        (_, "/members") => Access::Member(Role::Owner),
        (_, p) if p.starts_with("/api/v1/members") => Access::Member(Role::Owner),
        (_, p) if p.starts_with("/api/v1/journal") => Access::Member(Role::Auditor),
        ("GET", "/api/v1/deid/status" | "/api/v1/deid/log" | "/api/v1/deid/log.csv") => Access::Member(Role::Auditor),
        (_, "/api/v1/deid/queue" | "/api/v1/deid/decisions" | "/api/v1/deid/bulk" | "/api/v1/deid/words") => {
            Access::Member(Role::Analyst)
        }
        (_, p) if p.starts_with("/api/v1/deid/") => Access::Member(Role::Owner),
        // Downloading despite the leak check is reading too (a POST because it is recorded).
        (
            "POST",
            "/api/v1/reports/{format}"
            | "/api/v1/figures/{file}"
            | "/api/v1/results/{format}"
            | "/api/v1/guide/answers/{format}"
            | "/api/v1/transcripts/{id}/annotated/{format}",
        ) => Access::Member(Role::Auditor),
        ("POST", "/api/v1/undo" | "/api/v1/redo") | ("GET", _) => Access::Member(Role::Auditor),
        _ => Access::Member(Role::Analyst),
    }
}

/// Checks every route for every kind of caller, and returns how many requests were made.
async fn check_matrix(t: &Team) -> usize {
    let mut failures = vec![];
    let mut count = 0;
    for route in route_list() {
        assert_eq!(route.access, intended(&route), "{} {} in the route table", route.method, route.path);
        for who in [
            Who::Member(Role::Owner),
            Who::Member(Role::Analyst),
            Who::Member(Role::Auditor),
            Who::Outsider,
            Who::Anonymous,
        ] {
            let call = t.request_for(&route, who).await;
            let shown = format!("{who:?} {} {}", call.method, call.path);
            let r = send(&t.router, call.request()).await;
            count += 1;
            let api = route.path.starts_with("/api/");
            let expected = match (intended(&route), who) {
                (Access::Public, _) => None,
                (_, Who::Anonymous) if api => Some(StatusCode::UNAUTHORIZED),
                (_, Who::Anonymous) => Some(StatusCode::SEE_OTHER),
                (_, Who::Outsider) => Some(StatusCode::NOT_FOUND),
                (Access::Member(needed), Who::Member(role)) if role < needed => Some(StatusCode::FORBIDDEN),
                _ if route.path == "/api/v1/project" => Some(StatusCode::UNPROCESSABLE_ENTITY),
                (Access::Member(_), Who::Member(_)) => None,
            };
            // Allowed means really done: every request above is valid, so anything but a 2xx or a
            // redirect (never a 4xx, not even from validation) is a failure.
            let ok = match expected {
                Some(status) => r.status == status,
                None => r.status.is_success() || r.status.is_redirection(),
            };
            if !ok {
                failures.push(format!("{shown}: expected {expected:?} (None = allowed), got {} {}", r.status, r.body));
            }
            if expected == Some(StatusCode::SEE_OTHER) {
                assert_eq!(r.headers[header::LOCATION], "/login", "{shown}");
            }
        }
    }
    assert!(failures.is_empty(), "{} of {count} requests broke the matrix:\n{}", failures.len(), failures.join("\n"));
    count
}

#[tokio::test]
async fn authorisation_matrix_on_a_project_file() {
    let t = sqlite_team(TeamSettings::default()).await;
    let n = check_matrix(&t).await;
    assert_eq!(n, route_list().len() * 5);
    // A non-member's 404 is the 404 of an address that does not exist: nothing tells them apart.
    let outsider = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&t.outsider)).request()).await;
    let nowhere = send(&t.router, Call::new("GET", "/api/v1/no-such-thing").request()).await;
    assert_eq!((outsider.status, outsider.body), (nowhere.status, nowhere.body));
}

/// Drops test projects from the shared server (after their workbenches are closed).
fn drop_projects(url: &str, ids: &[&str]) {
    for id in ids {
        drop(DropSchema::new(url, id));
    }
}

/// Two projects on one PostgreSQL server: A, with the matrix's study and team, and B, whose
/// owner is signed in on B's server and is A's outsider — one account, one session, no role in A.
struct ServerPair {
    t: Team,
    a: Workbench,
    b: Workbench,
    b_router: Router,
    ids: [String; 2],
}

async fn server_pair(url: &str) -> ServerPair {
    let (a, id_a) = Workbench::create_on_server(url, "Team study", Terminology::Smith2022, "admin").await.unwrap();
    let (b, id_b) = Workbench::create_on_server(url, "Another study", Terminology::Smith2022, "admin").await.unwrap();
    prepare(&a).await;
    // Accounts are server-wide and outlive test projects: names are unique per run.
    let mut t = team(a.clone(), &id_a, TeamSettings::default(), tempfile::tempdir().unwrap()).await;
    let other = format!("other-{id_a}");
    b.create_user(&other, PASSWORD, Some(Role::Owner)).await.unwrap();
    let b_router = idiograph_web::router_with(b.clone(), ADDR.parse().unwrap(), Some(TeamSettings::default()));
    t.outsider = log_in(&b_router, &other).await;
    ServerPair { t, a, b, b_router, ids: [id_a, id_b] }
}

impl ServerPair {
    /// Closes both projects and drops them from the shared server.
    async fn close(self, url: &str) {
        // The key store of a server project lives in the server's folder, not the test's.
        let _ = std::fs::remove_file(self.t.wb.key_store_location());
        self.a.close().await;
        self.b.close().await;
        drop_projects(url, &[&self.ids[0], &self.ids[1]]);
    }
}

#[tokio::test]
async fn authorisation_matrix_on_postgres_with_a_member_of_another_project() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let p = server_pair(&url).await;
    let seen_on_b = send(&p.b_router, Call::new("GET", "/api/v1/study").as_(Some(&p.t.outsider)).request()).await;
    assert_eq!(seen_on_b.status, StatusCode::OK, "{}", seen_on_b.body);
    assert_eq!(check_matrix(&p.t).await, route_list().len() * 5);
    p.close(&url).await;
}

#[tokio::test]
async fn mutations_with_a_valid_session_still_need_our_origin() {
    let t = sqlite_team(TeamSettings::default()).await;
    let mut c = Call::new("POST", "/api/v1/journal")
        .json(json!({"text": "forged"}))
        .as_(t.token(Who::Member(Role::Owner)).as_deref());
    c.cross_site = true;
    assert_eq!(send(&t.router, c.request()).await.status, StatusCode::FORBIDDEN);
    let mut c = Call::new("POST", "/logout").as_(t.token(Who::Member(Role::Owner)).as_deref());
    c.cross_site = true;
    assert_eq!(send(&t.router, c.request()).await.status, StatusCode::FORBIDDEN, "a forged logout is refused");
    let mut login = login_request(t.name(Role::Owner), PASSWORD);
    login.headers_mut().remove(header::ORIGIN);
    assert_eq!(send(&t.router, login).await.status, StatusCode::FORBIDDEN, "login too (login CSRF)");
    assert!(t.wb.snapshot().await.unwrap().journal.is_empty());
    // Our pages send no referrer, so a browser posts their forms with `Origin: null`; its
    // `Sec-Fetch-Site` then tells our own form from another site's.
    for (site, status) in [("same-origin", StatusCode::SEE_OTHER), ("cross-site", StatusCode::FORBIDDEN)] {
        let mut login = login_request(t.name(Role::Owner), PASSWORD);
        login.headers_mut().insert(header::ORIGIN, "null".parse().unwrap());
        login.headers_mut().insert("sec-fetch-site", site.parse().unwrap());
        assert_eq!(send(&t.router, login).await.status, status, "{site}");
    }
}

#[tokio::test]
async fn a_session_planted_before_login_is_never_the_session_after_it() {
    let t = sqlite_team(TeamSettings::default()).await;
    let planted = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut req = login_request(t.name(Role::Analyst), PASSWORD);
    req.headers_mut().insert(header::COOKIE, format!("idiograph_session={planted}").parse().unwrap());
    let r = send(&t.router, req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let given = r.token();
    assert_ne!(given, planted);
    assert_eq!(given.len(), 64, "256 random bits");
    let with_planted = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(planted)).request()).await;
    assert_eq!(with_planted.status, StatusCode::UNAUTHORIZED);
    let with_given = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&given)).request()).await;
    assert_eq!(with_given.status, StatusCode::OK);
    assert_ne!(log_in(&t.router, t.name(Role::Analyst)).await, given, "every login makes a new session");
}

#[tokio::test]
async fn sessions_end_when_idle_at_logout_and_when_revoked() {
    let t = sqlite_team(TeamSettings::default()).await;
    // A server of its own with a one-second idle limit, logged in to only now: setting up the
    // team (several slow password hashes) may take longer than a second on a busy machine.
    let idle = TeamSettings { sessions: SessionPolicy { idle_secs: 1, max_secs: 3600 }, ..Default::default() };
    let router = idiograph_web::router_with(t.wb.clone(), ADDR.parse().unwrap(), Some(idle));
    let token = log_in(&router, t.name(Role::Auditor)).await;
    let study = || Call::new("GET", "/api/v1/study").as_(Some(&token)).request();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(send(&router, study()).await.status, StatusCode::UNAUTHORIZED, "expired after being idle");
    let page = send(&router, Call::new("GET", "/").as_(Some(&token)).request()).await;
    assert_eq!((page.status, &page.headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/login".parse().unwrap()));

    let owner = t.token(Who::Member(Role::Owner)).unwrap();
    let r = send(&t.router, Call::new("POST", "/logout").as_(Some(&owner)).request()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"), "the cookie is cleared");
    let after = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&owner)).request()).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "logout ends the session on the server, not just the cookie");

    let analyst = t.token(Who::Member(Role::Analyst)).unwrap();
    assert_eq!(t.wb.revoke_sessions(t.name(Role::Analyst)).await.unwrap(), 1);
    let after = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&analyst)).request()).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn ids_of_another_project_are_not_found() {
    let t = sqlite_team(TeamSettings::default()).await;
    // Project B has more of everything, and a session of its own owner.
    let dir_b = tempfile::tempdir().unwrap();
    let b = Workbench::create(&dir_b.path().join("b.idg"), "Other", Terminology::Smith2022, "admin").await.unwrap();
    prepare(&b).await;
    b.add_participant("Rachel", &[], Default::default()).await.unwrap();
    b.create_user("boss", PASSWORD, Some(Role::Owner)).await.unwrap();
    let b_router = idiograph_web::router_with(b.clone(), ADDR.parse().unwrap(), Some(TeamSettings::default()));
    let b_token = log_in(&b_router, "boss").await;
    b.import_files("P2", vec![("tom.txt".into(), b"Tom: Another interview.\n".to_vec())], &Default::default())
        .await
        .unwrap();
    let boss = b.as_member("boss", Role::Owner);
    for i in 0..3 {
        let r = send(
            &b_router,
            Call::new("POST", "/api/v1/themes").json(json!({"title": format!("B {i}")})).as_(Some(&b_token)).request(),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        boss.add_journal("B's", None).await.unwrap();
    }
    let owner = t.token(Who::Member(Role::Owner));
    let before = t.wb.dump().await.unwrap();
    for call in [
        Call::new("GET", "/api/v1/themes/TH4"),
        Call::new("PATCH", "/api/v1/themes/TH4").json(json!({"title": "taken over"})),
        Call::new("DELETE", "/api/v1/journal/J3"),
        Call::new("PATCH", "/api/v1/journal/J3").json(json!({"text": "taken over"})),
        Call::new("GET", "/api/v1/participants/Rachel"),
        Call::new("GET", "/api/v1/participants/P3"),
        Call::new("GET", "/transcripts/T2"),
        Call::new("GET", "/cases/Rachel"),
        Call::new("GET", "/themes/TH4"),
        Call::new("GET", "/api/v1/transcripts/T2/annotated/html"),
        Call::new("POST", "/api/v1/notes").json(
            json!({"transcript": "T2", "version": "x", "start": 0, "end": 3, "kind": "descriptive", "text": "x"}),
        ),
    ] {
        let shown = format!("{} {}", call.method, call.path);
        let r = send(&t.router, call.as_(owner.as_deref()).request()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{shown}: {}", r.body);
    }
    assert_eq!(t.wb.dump().await.unwrap(), before, "nothing changed");
    // A session of project B's file means nothing here: each file keeps its own accounts.
    let r = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&b_token)).request()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A login form sent from `ip`.
fn login_from(ip: [u8; 4], name: &str, password: &str) -> Request<Body> {
    let mut req = login_request(name, password);
    req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 50000))));
    req
}

#[tokio::test]
async fn failed_logins_are_limited_per_name_and_per_address() {
    let t = sqlite_team(TeamSettings::default()).await;
    let analyst = t.name(Role::Analyst).to_owned();
    for _ in 0..5 {
        let r = send(&t.router, login_from([10, 0, 0, 1], &analyst, "wrong password")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("Wrong user name or password."), "{}", r.body);
    }
    let r = send(&t.router, login_from([10, 0, 0, 2], &analyst, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits, from anywhere");
    assert_eq!(r.headers[header::RETRY_AFTER], "60");
    assert!(r.body.contains("Too many failed logins"), "{}", r.body);
    assert_eq!(
        send(&t.router, login_from([10, 0, 0, 2], t.name(Role::Owner), PASSWORD)).await.status,
        StatusCode::SEE_OTHER
    );

    // One address trying many names.
    for i in 0..20 {
        let r = send(&t.router, login_from([10, 0, 0, 3], &format!("guess{i}"), "wrong password")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = send(&t.router, login_from([10, 0, 0, 3], t.name(Role::Auditor), PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        send(&t.router, login_from([10, 0, 0, 4], t.name(Role::Auditor), PASSWORD)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn every_server_process_counts_the_same_failed_logins() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let (one, id) = Workbench::create_on_server(&url, "Team study", Terminology::Smith2022, "admin").await.unwrap();
    let other = Workbench::open_on_server(&url, &id, "admin").await.unwrap();
    // Accounts and failures are server-wide and outlive test projects: a name and an address
    // of this run only.
    let name = format!("ana-{id}");
    one.create_user(&name, PASSWORD, Some(Role::Analyst)).await.unwrap();
    let seed = id.bytes().fold(0u8, |h, b| h.wrapping_mul(31).wrapping_add(b));
    let ip = [10, 1, seed, 1];
    let settings = || Some(TeamSettings::default());
    let first = idiograph_web::router_with(one.clone(), ADDR.parse().unwrap(), settings());
    let second = idiograph_web::router_with(other.clone(), ADDR.parse().unwrap(), settings());
    for _ in 0..5 {
        assert_eq!(send(&first, login_from(ip, &name, "wrong password")).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = send(&second, login_from([10, 2, seed, 1], &name, PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the other process knows of the failures: {}", r.body);
    one.close().await;
    other.close().await;
    drop_projects(&url, &[&id]);
}

#[tokio::test]
async fn the_cookie_is_http_only_same_site_strict_and_secure_behind_tls() {
    let t = sqlite_team(TeamSettings::default()).await;
    let r = send(&t.router, login_request(t.name(Role::Owner), PASSWORD)).await;
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let t = sqlite_team(TeamSettings { secure_cookies: true, ..Default::default() }).await;
    let r = send(&t.router, login_request(t.name(Role::Owner), PASSWORD)).await;
    assert!(r.headers[header::SET_COOKIE].to_str().unwrap().ends_with("; Secure"));
}

#[tokio::test]
async fn the_audit_log_names_who_did_what() {
    let t = sqlite_team(TeamSettings::default()).await;
    let analyst = t.token(Who::Member(Role::Analyst));
    let r = send(
        &t.router,
        Call::new("POST", "/api/v1/notes")
            .json(t.selection(json!({"kind": "conceptual", "text": "x"})))
            .as_(analyst.as_deref())
            .request(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let auditor = t.token(Who::Member(Role::Auditor));
    let r = send(
        &t.router,
        Call::new("POST", "/api/v1/journal").json(json!({"text": "Audit note."})).as_(auditor.as_deref()).request(),
    )
    .await;
    assert_eq!(r.json()["author"], t.name(Role::Auditor));
    // Another's journal entry is theirs alone, even for the owner.
    let owner = t.token(Who::Member(Role::Owner));
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let r = send(
        &t.router,
        Call::new("PATCH", format!("/api/v1/journal/{id}")).json(json!({"text": "no"})).as_(owner.as_deref()).request(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let history = t.wb.history(50).await.unwrap();
    let by = |action: &str| history.iter().find(|e| e.action.as_str() == action).map(|e| e.author.clone());
    assert_eq!(by("add note").as_deref(), Some(t.name(Role::Analyst)));
    assert_eq!(by("add journal entry").as_deref(), Some(t.name(Role::Auditor)));
    assert!(history
        .iter()
        .any(|e| e.action.as_str() == "log in" && e.summary == format!("{} logged in", t.name(Role::Owner))));
    assert_eq!(by("remove member").as_deref(), Some(t.name(Role::Owner)));
    // The dashboard shows who is signed in, with a way out.
    let page = send(&t.router, Call::new("GET", "/").as_(analyst.as_deref()).request()).await;
    assert!(page.body.contains(&format!("{} (analyst)", t.name(Role::Analyst))), "{}", page.body);
    assert!(page.body.contains("action=\"/logout\""));
}

#[tokio::test]
async fn the_members_page_is_the_owners_and_offers_what_the_api_does() {
    let t = sqlite_team(TeamSettings::default()).await;
    let owner = t.token(Who::Member(Role::Owner));
    let page = send(&t.router, Call::new("GET", "/members").as_(owner.as_deref()).request()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for role in [Role::Owner, Role::Analyst, Role::Auditor] {
        assert!(page.body.contains(&format!("data-member-role=\"{}\"", t.name(role))), "{}", page.body);
    }
    assert!(!page.body.contains("former"), "someone removed is not listed");
    for offered in ["Sign out everywhere", "Add member", "admin create-user", "src=\"/static/js/members.js\""] {
        assert!(page.body.contains(offered), "{offered}: {}", page.body);
    }
    // A project file is not deleted from the web: the page says how instead of offering it.
    assert!(page.body.contains("delete that file") && !page.body.contains("id=\"delete-project\""));
    // Only an owner's navigation leads there.
    for (role, linked) in [(Role::Owner, true), (Role::Analyst, false), (Role::Auditor, false)] {
        let dashboard =
            send(&t.router, Call::new("GET", "/").as_(t.token(Who::Member(role)).as_deref()).request()).await;
        assert_eq!(dashboard.body.contains("href=\"/members\""), linked, "{role}");
    }
}

#[tokio::test]
async fn members_are_managed_through_the_api_with_clear_refusals() {
    let t = sqlite_team(TeamSettings::default()).await;
    let owner = t.token(Who::Member(Role::Owner));
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let c = Call::new(method, path).as_(owner.as_deref());
        let c = match body {
            Some(b) => c.json(b),
            None => c,
        };
        send(&t.router, c.request())
    };
    let r = call("PUT", "/api/v1/members/nobody".into(), Some(json!({"role": "analyst"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("`idiograph admin create-user nobody`"), "{}", r.body);
    let me = t.name(Role::Owner);
    for (method, body) in [("PUT", Some(json!({"role": "analyst"}))), ("DELETE", None)] {
        let r = call(method, format!("/api/v1/members/{me}"), body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{method}");
        assert!(r.json()["error"].as_str().unwrap().contains("only owner"), "{}", r.body);
    }

    // "former" has an account but no role here: adding them makes them a member again.
    let r = call("PUT", "/api/v1/members/former".into(), Some(json!({"role": "auditor"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = call("GET", "/api/v1/members".into(), None).await.json();
    assert!(listed["members"].as_array().unwrap().contains(&json!({"name": "former", "role": "auditor"})));
    let theirs = log_in(&t.router, "former").await;
    let study = || Call::new("GET", "/api/v1/study").as_(Some(&theirs)).request();
    assert_eq!(send(&t.router, study()).await.status, StatusCode::OK);

    // Signed out everywhere: the session ends, the membership stays.
    let r = call("POST", "/api/v1/members/former/sign-out".into(), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(send(&t.router, study()).await.status, StatusCode::UNAUTHORIZED);
    let history = t.wb.history(5).await.unwrap();
    assert_eq!(
        (history[0].action.as_str(), history[0].summary.as_str()),
        ("sign out member", "sign former out everywhere")
    );
    let r = call("DELETE", "/api/v1/members/former".into(), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = call("POST", "/api/v1/members/former/sign-out".into(), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "only members are signed out from here: {}", r.body);

    // The project file stays: it is deleted as a file.
    let before = t.wb.dump().await.unwrap();
    let r = call("DELETE", "/api/v1/project".into(), Some(json!({"title": "Team study"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("delete the project file itself"), "{}", r.body);
    assert!(t.dir.path().join("a.idg").exists());
    assert_eq!(t.wb.dump().await.unwrap(), before);
}

/// How many memberships of `project` the server keeps.
async fn memberships(url: &str, project: &str) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM idiograph_accounts.membership WHERE project = $1")
        .bind(project.to_owned())
        .fetch_one(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_a_server_project_ends_it_for_everyone_and_no_one_else() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let p = server_pair(&url).await;
    let (t, [id_a, id_b]) = (&p.t, &p.ids);
    let delete = |who: Who, title: &str| {
        Call::new("DELETE", "/api/v1/project").json(json!({"title": title})).as_(t.token(who).as_deref()).request()
    };
    for (who, status) in [
        (Who::Member(Role::Analyst), StatusCode::FORBIDDEN),
        (Who::Member(Role::Auditor), StatusCode::FORBIDDEN),
        (Who::Outsider, StatusCode::NOT_FOUND),
        (Who::Anonymous, StatusCode::UNAUTHORIZED),
        (Who::Member(Role::Owner), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let title = if who == Who::Member(Role::Owner) { "team study" } else { "Team study" };
        let r = send(&t.router, delete(who, title)).await;
        assert_eq!(r.status, status, "{who:?}: {}", r.body);
    }
    assert_eq!(t.wb.snapshot().await.unwrap().participants.len(), 2, "nothing was deleted");
    // The page offers it on a server, asking for the title.
    let owner = t.token(Who::Member(Role::Owner));
    let page = send(&t.router, Call::new("GET", "/members").as_(owner.as_deref()).request()).await;
    assert!(page.body.contains("id=\"delete-project\"") && page.body.contains("cannot be undone"), "{}", page.body);

    let r = send(&t.router, delete(Who::Member(Role::Owner), "Team study")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"deleted": "Team study", "members": 3}));

    // Gone for everyone who was in it: sessions ended, logins refused, no data answered.
    for role in [Role::Owner, Role::Analyst, Role::Auditor] {
        let token = t.token(Who::Member(role));
        let api = send(&t.router, Call::new("GET", "/api/v1/study").as_(token.as_deref()).request()).await;
        assert_eq!(api.status, StatusCode::UNAUTHORIZED, "{role}: {}", api.body);
        let page = send(&t.router, Call::new("GET", "/").as_(token.as_deref()).request()).await;
        assert_eq!((page.status, &page.headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/login".parse().unwrap()));
        let login = send(&t.router, login_request(t.name(role), PASSWORD)).await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED, "{role} cannot log in to it");
    }
    let outsider = send(&t.router, Call::new("GET", "/api/v1/study").as_(Some(&t.outsider)).request()).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    assert!(matches!(p.a.snapshot().await, Err(idiograph_app::AppError::NotFound(_))), "its tables are gone");
    let reopened = Workbench::open_on_server(&url, id_a, "admin").await.err().expect("the project is gone");
    assert!(reopened.to_string().contains("not found"), "{reopened}");
    assert_eq!(memberships(&url, id_a).await, 0);
    // What remains is the server's record of who deleted which study when.
    let listed = Workbench::projects_on_server(&url).await.unwrap();
    assert!(!listed.projects.iter().any(|p| p.id == *id_a));
    let record = listed.deleted.iter().find(|d| d.id == *id_a).expect("the deletion is recorded");
    assert_eq!(
        (record.title.as_str(), record.deleted_by.as_str(), record.members),
        ("Team study", t.name(Role::Owner), 3)
    );
    assert!(listed.projects.iter().any(|p| p.id == *id_b && p.title == "Another study" && p.members == 1));

    // The other project and its member's session are untouched.
    let on_b = send(&p.b_router, Call::new("GET", "/api/v1/study").as_(Some(&t.outsider)).request()).await;
    assert_eq!((on_b.status, on_b.json()["title"].clone()), (StatusCode::OK, json!("Another study")));
    assert_eq!(memberships(&url, id_b).await, 1);
    p.close(&url).await;
}

/// A request by the member with `role`, naming the revision they read (`If-Match`).
async fn send_as(t: &Team, role: Role, call: Call<'_>, revision: Option<&str>) -> Reply {
    let mut req = call.as_(t.token(Who::Member(role)).as_deref()).request();
    if let Some(r) = revision {
        req.headers_mut().insert(header::IF_MATCH, format!("\"{r}\"").parse().unwrap());
    }
    send(&t.router, req).await
}

/// Two analysts on one board (issue #8): the owner ("Ana") acts on what she read while the
/// analyst ("Ben") changes the same themes; every stale change of hers is answered 409 with the
/// theme as it is now and changes nothing; without `If-Match` the same requests apply to what is
/// stored, as scripts expect.
async fn stale_board_changes(t: &Team) {
    let (a, b, c) = (t.new_pet().await, t.new_pet().await, t.new_pet().await);
    let (s1, s2) = (t.new_statement().await, t.new_statement().await);
    let theme = |id: &str| t.owner(Call::new("GET", format!("/api/v1/themes/{id}")));
    let revision = |v: Value| v["revision"].as_str().unwrap().to_owned();
    let assign =
        |th: &str, st: &str| Call::new("POST", "/api/v1/assignments").json(json!({"theme": th, "statement": st}));
    // Without If-Match, as before.
    let r = send_as(t, Role::Owner, assign(&a, &s1), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s1_in_a = revision(r.json());
    let (seen_a, seen_b) = (revision(theme(&a).await), revision(theme(&b).await));

    // Ben adds S2 to A: Ana's view of A is stale, though A's title is unchanged.
    let r = send_as(t, Role::Analyst, assign(&a, &s2), Some(&seen_a)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let events = t.wb.history(1000).await.unwrap().len();
    let dump = t.wb.dump().await.unwrap();
    let merge = |into_revision: &str| {
        Call::new("POST", format!("/api/v1/themes/{a}/merge")).json(json!({"into": b, "into_revision": into_revision}))
    };
    let r = send_as(t, Role::Owner, merge(&seen_b), Some(&seen_a)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let body = r.json();
    assert!(body["error"].as_str().unwrap().contains(&format!("theme {a} was changed by someone else")), "{body}");
    assert_eq!((body["current"]["id"].as_str(), body["current"]["statements"].clone()), (Some(&*a), json!([s1, s2])));
    let split = Call::new("POST", format!("/api/v1/themes/{a}/split")).json(json!({"title": "Part", "members": [s1]}));
    let r = send_as(t, Role::Owner, split, Some(&seen_a)).await;
    assert_eq!((r.status, r.json()["current"]["id"].as_str()), (StatusCode::CONFLICT, Some(&*a)), "{}", r.body);
    let r = send_as(t, Role::Owner, assign(&a, &s2), Some(&seen_a)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // Ben renames B: a merge into it decided on the old B is refused, naming B.
    let seen_a = revision(theme(&a).await);
    let rename = Call::new("PATCH", format!("/api/v1/themes/{b}")).json(json!({"title": "Renamed by Ben"}));
    assert_eq!(send_as(t, Role::Analyst, rename, None).await.status, StatusCode::OK);
    let r = send_as(t, Role::Owner, merge(&seen_b), Some(&seen_a)).await;
    let body = r.json();
    assert_eq!((r.status, body["current"]["id"].as_str()), (StatusCode::CONFLICT, Some(&*b)), "{body}");
    assert_eq!(body["current"]["title"], "Renamed by Ben", "the fresh state comes with the refusal");

    // Ben moves S1 from A to C; Ana's move of S1 from A to B is refused whole, naming A.
    let seen_b = revision(theme(&b).await);
    let to_c = Call::new("POST", "/api/v1/assignments").json(json!({"theme": c, "statement": s1, "from": a}));
    assert_eq!(send_as(t, Role::Analyst, to_c, None).await.status, StatusCode::CREATED);
    let events = events + 2;
    let dump_after_ben = t.wb.dump().await.unwrap();
    assert_ne!(dump_after_ben, dump);
    let to_b = Call::new("POST", "/api/v1/assignments")
        .json(json!({"theme": b, "statement": s1, "from": a, "from_revision": s1_in_a}));
    let r = send_as(t, Role::Owner, to_b, Some(&seen_b)).await;
    let body = r.json();
    assert_eq!((r.status, body["current"]["id"].as_str()), (StatusCode::CONFLICT, Some(&*a)), "{body}");
    assert!(body["error"].as_str().unwrap().contains(&format!("{s1} is not assigned to {a}")), "{body}");
    let gone = Call::new("DELETE", format!("/api/v1/assignments?theme={a}&statement={s1}"));
    assert_eq!(send_as(t, Role::Owner, gone, Some(&s1_in_a)).await.status, StatusCode::CONFLICT);
    assert_eq!(t.wb.dump().await.unwrap(), dump_after_ben, "no refused request changed anything");
    assert_eq!(t.wb.history(1000).await.unwrap().len(), events, "nor left an audit event");

    // On the current state the move goes through, as one command that one undo takes back.
    let s1_in_c = t.wb.snapshot().await.unwrap();
    let s1_in_c = s1_in_c
        .assignments
        .iter()
        .find(|x| s1_in_c.theme(&x.theme_id).is_some_and(|th| th.short_id().to_string() == c))
        .map(idiograph_app::VersionToken::version_token)
        .unwrap();
    let to_b = Call::new("POST", "/api/v1/assignments")
        .json(json!({"theme": b, "statement": s1, "from": c, "from_revision": s1_in_c, "strategy": "abstraction"}));
    let r = send_as(t, Role::Owner, to_b, Some(&seen_b)).await;
    assert_eq!((r.status, r.json()["theme"].as_str()), (StatusCode::CREATED, Some(&*b)), "{}", r.body);
    assert_eq!(theme(&b).await["statements"], json!([s1]));
    let last = t.wb.history(1).await.unwrap().remove(0);
    assert_eq!((last.action.as_str(), last.author.as_str()), ("move", t.name(Role::Owner)));
    // Without revisions a merge applies to what is stored.
    let r =
        send_as(t, Role::Owner, Call::new("POST", format!("/api/v1/themes/{a}/merge")).json(json!({"into": b})), None)
            .await;
    assert_eq!((r.status, r.json()["statements"].clone()), (StatusCode::OK, json!([s1, s2])), "{}", r.body);
}

#[tokio::test]
async fn stale_board_changes_are_refused_on_a_project_file() {
    stale_board_changes(&sqlite_team(TeamSettings::default()).await).await;
}

#[tokio::test]
async fn stale_board_changes_are_refused_on_postgres() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let (wb, id) = Workbench::create_on_server(&url, "Team study", Terminology::Smith2022, "admin").await.unwrap();
    prepare(&wb).await;
    // Accounts are server-wide and outlive test projects: names are unique per run.
    let t = team(wb.clone(), &id, TeamSettings::default(), tempfile::tempdir().unwrap()).await;
    stale_board_changes(&t).await;
    wb.close().await;
    drop_projects(&url, &[&id]);
}

/// The ids of the projects `GET /api/v1/studies` lists on a team server for the holder of
/// `token`, sorted.
async fn listed_ids(router: &Router, token: &str) -> Vec<String> {
    let r = send(router, Call::new("GET", "/api/v1/studies").as_(Some(token)).request()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut ids: Vec<String> =
        r.json()["studies"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

/// The new-study form of a home page, sent by the holder of `token`.
fn new_study_form(title: &str, token: &str) -> Request<Body> {
    let mut c = Call::new("POST", "/new-study").as_(Some(token));
    c.body = Some((
        format!("title={}&research_question=Why+now%3F", title.replace(' ', "+")),
        "application/x-www-form-urlencoded",
    ));
    c.request()
}

#[tokio::test]
async fn a_team_server_of_many_projects_shows_each_member_theirs_and_no_one_elses() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let (a, id_a) = Workbench::create_on_server(&url, "Home study A", Terminology::Smith2022, "admin").await.unwrap();
    let (b, id_b) = Workbench::create_on_server(&url, "Home study B", Terminology::Smith2022, "admin").await.unwrap();
    prepare(&b).await;
    // Three accounts (server-wide, so unique per run): Ann owns A and analyses B, Ben owns B,
    // Cat analyses A.
    let [ann, ben, cat] = ["ann", "ben", "cat"].map(|n| format!("{n}-{id_a}"));
    a.create_user(&ann, PASSWORD, Some(Role::Owner)).await.unwrap();
    b.create_user(&ben, PASSWORD, Some(Role::Owner)).await.unwrap();
    a.create_user(&cat, PASSWORD, Some(Role::Analyst)).await.unwrap();
    b.set_role(&ann, Role::Analyst).await.unwrap();
    let router = idiograph_web::team_router(url.clone(), "admin", ADDR.parse().unwrap(), TeamSettings::default());
    let mut made = vec![];

    // One login at the server's root for all of a member's projects; each home lists exactly theirs.
    let [t_ann, t_ben, t_cat] = [log_in(&router, &ann).await, log_in(&router, &ben).await, log_in(&router, &cat).await];
    let mut both = vec![id_a.clone(), id_b.clone()];
    both.sort();
    assert_eq!(listed_ids(&router, &t_ann).await, both);
    assert_eq!(listed_ids(&router, &t_ben).await, vec![id_b.clone()]);
    assert_eq!(listed_ids(&router, &t_cat).await, vec![id_a.clone()]);
    let listed = send(&router, Call::new("GET", "/api/v1/studies").as_(Some(&t_ben)).request()).await.json();
    assert_eq!(
        listed["studies"][0],
        json!({"id": id_b, "url": format!("/projects/{id_b}/"), "title": "Home study B", "role": "owner",
               "participants": 2, "last_change": listed["studies"][0]["last_change"], "problem": null})
    );
    let home = send(&router, Call::new("GET", "/").as_(Some(&t_cat)).request()).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains(&format!("href=\"/projects/{id_a}/\"")) && home.body.contains("Home study A"));
    assert!(!home.body.contains("Home study B") && !home.body.contains(".idg"), "{}", home.body);
    assert!(!home.body.contains("id=\"new-study\"") && !home.body.contains("import-study"), "Cat owns nothing");

    // A member's project is under /projects/ID/, its pages linking within it.
    let page =
        send(&router, Call::new("GET", format!("/projects/{id_b}/transcripts/T1")).as_(Some(&t_ben)).request()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("data-base=\"/projects/{id_b}\"")));
    let study =
        send(&router, Call::new("GET", format!("/projects/{id_b}/api/v1/study")).as_(Some(&t_ann)).request()).await;
    assert_eq!(study.json()["title"], "Home study B");

    // Everything of B answers Cat exactly as an address that does not exist.
    let nowhere = "idg_000000000000";
    let calls: Vec<(&str, &str, Option<Value>)> = vec![
        ("GET", "", None),
        ("GET", "/", None),
        ("GET", "/transcripts/T1", None),
        ("GET", "/members", None),
        ("GET", "/api/v1/study", None),
        ("GET", "/api/v1/participants", None),
        ("POST", "/api/v1/journal", Some(json!({"text": "in B"}))),
        ("DELETE", "/api/v1/project", Some(json!({"title": "Home study B"}))),
    ];
    for (method, rest, body) in &calls {
        let call = |path: String| {
            let c = Call::new(method, path).as_(Some(&t_cat));
            match body {
                Some(b) => c.json(b.clone()),
                None => c,
            }
            .request()
        };
        let theirs = send(&router, call(format!("/projects/{id_b}{rest}"))).await;
        let unknown = send(&router, call(format!("/projects/{nowhere}{rest}"))).await;
        let elsewhere = send(&router, call(format!("/no/such/address{rest}"))).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{method} {rest}: {}", theirs.body);
        assert_eq!((&theirs.status, &theirs.headers, &theirs.body), (&unknown.status, &unknown.headers, &unknown.body));
        assert_eq!(
            (&theirs.status, &theirs.headers, &theirs.body),
            (&elsewhere.status, &elsewhere.headers, &elsewhere.body)
        );
    }
    assert_eq!(b.snapshot().await.unwrap().settings.title, "Home study B", "nothing of B changed");
    // Someone not signed in is sent to log in, whether the project exists or not.
    for rest in ["/", "/api/v1/study"] {
        let theirs = send(&router, Call::new("GET", format!("/projects/{id_b}{rest}")).request()).await;
        let unknown = send(&router, Call::new("GET", format!("/projects/{nowhere}{rest}")).request()).await;
        assert!(matches!(theirs.status, StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED), "{rest}: {}", theirs.status);
        assert_eq!((&theirs.status, &theirs.headers, &theirs.body), (&unknown.status, &unknown.headers, &unknown.body));
    }
    let anonymous = send(&router, Call::new("GET", "/api/v1/studies").request()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // An owner makes a project from the home page, and it is theirs alone.
    let home = send(&router, Call::new("GET", "/").as_(Some(&t_ann)).request()).await;
    assert!(home.body.contains("id=\"new-study\"") && !home.body.contains("import-study"), "{}", home.body);
    let r = send(&router, new_study_form("Made at home", &t_ann)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    let id_c = location.trim_start_matches("/projects/").trim_end_matches('/').to_owned();
    made.push(id_c.clone());
    let page = send(&router, Call::new("GET", &location).as_(Some(&t_ann)).request()).await;
    assert!(page.status == StatusCode::OK && page.body.contains("Made at home"), "{}", page.body);
    let study = send(&router, Call::new("GET", format!("{location}api/v1/study")).as_(Some(&t_ann)).request()).await;
    assert_eq!(study.json()["research_question"], "Why now?");
    assert!(listed_ids(&router, &t_ann).await.contains(&id_c));
    assert!(!listed_ids(&router, &t_ben).await.contains(&id_c));
    let not_bens = send(&router, Call::new("GET", &location).as_(Some(&t_ben)).request()).await;
    let unknown = send(&router, Call::new("GET", format!("/projects/{nowhere}/")).as_(Some(&t_ben)).request()).await;
    assert_eq!((not_bens.status, not_bens.body), (unknown.status, unknown.body));
    // And through the API, in the shape of the local home page's list (an id for the file).
    let r = send(
        &router,
        Call::new("POST", "/api/v1/studies")
            .json(json!({"title": "Made by API", "terminology": "2009"}))
            .as_(Some(&t_ben))
            .request(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let item = r.json();
    let id_d = item["id"].as_str().unwrap().to_owned();
    made.push(id_d.clone());
    assert_eq!((item["title"].clone(), item["role"].clone()), (json!("Made by API"), json!("owner")));
    assert_eq!(item["url"], format!("/projects/{id_d}/"));
    assert!(item.get("file").is_none());
    // Cat owns nothing here, so makes nothing; a title is needed.
    let r =
        send(&router, Call::new("POST", "/api/v1/studies").json(json!({"title": "Mine"})).as_(Some(&t_cat)).request())
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("only owners make new projects"), "{}", r.body);
    let r = send(&router, new_study_form("Mine", &t_cat)).await;
    assert!(r.status == StatusCode::FORBIDDEN && r.body.contains("only owners make new projects"), "{}", r.body);
    let r = send(&router, Call::new("POST", "/api/v1/studies").json(json!({"title": " "})).as_(Some(&t_ann)).request())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(listed_ids(&router, &t_cat).await, vec![id_a.clone()]);

    // A wrong password, or a name without an account, is refused at the root as on a project;
    // logging out there ends the session for every project.
    for (name, password) in [(cat.as_str(), "not the password"), ("nobody-at-all", PASSWORD)] {
        let r = send(&router, login_request(name, password)).await;
        assert!(r.status == StatusCode::UNAUTHORIZED && r.body.contains("Wrong user name or password"), "{name}");
    }
    let r = send(&router, Call::new("POST", "/logout").as_(Some(&t_cat)).request()).await;
    assert_eq!((r.status, &r.headers[header::LOCATION]), (StatusCode::SEE_OTHER, &"/login".parse().unwrap()));
    let after =
        send(&router, Call::new("GET", format!("/projects/{id_a}/api/v1/study")).as_(Some(&t_cat)).request()).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);

    drop(router);
    a.close().await;
    b.close().await;
    let ids: Vec<&str> = [&id_a, &id_b].into_iter().chain(&made).map(String::as_str).collect();
    drop_projects(&url, &ids);
}
