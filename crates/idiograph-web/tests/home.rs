//! The home page of a folder of studies, through its router without a socket: listing, making a
//! study (page form and JSON), the file names it picks, a REFI-QDA file made into a study, each
//! study's pages and API under `/studies/{name}/`, and the Host and Origin checks.

mod support;

use std::net::SocketAddr;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use support::{send, Reply};

const ADDR: &str = "127.0.0.1:4322";
const ORIGIN: &str = "http://127.0.0.1:4322";

fn home(dir: &Path) -> Router {
    let addr: SocketAddr = ADDR.parse().unwrap();
    idiograph_web::folder_router(dir.to_path_buf(), "researcher", addr)
}

async fn get(router: &Router, path: &str) -> Reply {
    send(router, Request::get(path).header(header::HOST, ADDR).body(Body::empty()).unwrap()).await
}

async fn post(router: &Router, path: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    let req = Request::post(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap();
    send(router, req).await
}

async fn post_json(router: &Router, path: &str, body: Value) -> Reply {
    post(router, path, "application/json", body.to_string()).await
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.retain(|n| !n.ends_with("-wal") && !n.ends_with("-shm"));
    names.sort();
    names
}

#[tokio::test]
async fn a_new_study_gets_a_file_named_after_its_title_and_never_overwrites_one() {
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    let empty = get(&router, "/api/v1/studies").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json()["studies"], json!([]));
    let page = get(&router, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No studies here yet"), "{}", page.body);

    let new = json!({"title": "Médecins: étude", "research_question": "How do trainees live it?", "terminology": "2009",
                     "recurrence_rule": "2/3"});
    let made = post_json(&router, "/api/v1/studies", new.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = made.json();
    assert_eq!(made["file"], "Médecins étude.idg");
    assert_eq!(made["title"], "Médecins: étude");
    assert_eq!(made["url"], "/studies/M%C3%A9decins%20%C3%A9tude/");
    let again = post_json(&router, "/api/v1/studies", new).await.json();
    assert_eq!(again["file"], "Médecins étude (2).idg");
    assert_eq!(files(dir.path()), ["Médecins étude (2).idg", "Médecins étude.idg"]);

    // The study's own API, under its address, holds what the form said.
    let study = get(&router, &format!("{}api/v1/study", made["url"].as_str().unwrap())).await;
    assert_eq!(study.status, StatusCode::OK, "{}", study.body);
    let study = study.json();
    assert_eq!(study["research_question"], "How do trainees live it?");
    assert_eq!(study["terminology"], "2009");
    assert_eq!(study["recurrence_rule"], "fraction:2/3");

    let listed = get(&router, "/api/v1/studies").await.json();
    let titles: Vec<&str> = listed["studies"].as_array().unwrap().iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Médecins étude.idg", "Médecins étude (2).idg"]);
    assert!(listed["studies"][0]["last_change"].as_str().unwrap().starts_with("20"));
}

#[tokio::test]
async fn bad_input_makes_no_file_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    for (body, why) in [
        (json!({"title": "  "}), "title"),
        (json!({"title": "Pilot", "terminology": "1999"}), "1999"),
        (json!({"title": "Pilot", "recurrence_rule": "most"}), "most"),
    ] {
        let r = post_json(&router, "/api/v1/studies", body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains(why), "{}", r.body);
    }
    // The form says it on the home page, with what was typed kept.
    let r = post(&router, "/new-study", "application/x-www-form-urlencoded", "title=Pilot&recurrence_rule=most").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\"") && r.body.contains("value=\"Pilot\""), "{}", r.body);
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[tokio::test]
async fn the_form_opens_the_new_study_whose_pages_link_within_it_and_home() {
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    let r =
        post(&router, "/new-study", "application/x-www-form-urlencoded", "title=Pilot+study&terminology=2022").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers[header::LOCATION], "/studies/Pilot%20study/");
    let page = get(&router, "/studies/Pilot%20study/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"data-base="/studies/Pilot%20study""#));
    assert!(page.body.contains(r#"href="/studies/Pilot%20study/static/app.css""#));
    assert!(page.body.contains(r#"<a class="home-link" href="/">All studies</a>"#));
    assert!(!page.body.contains(r#"href="/group""#), "a link left the study");
    // Without the slash, the address still leads there; a write through the prefix works.
    assert_eq!(get(&router, "/studies/Pilot%20study").await.headers[header::LOCATION], "/studies/Pilot%20study/");
    let added = post_json(&router, "/studies/Pilot%20study/api/v1/participants", json!({"pseudonym": "Olivia"})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(get(&router, "/api/v1/studies").await.json()["studies"][0]["participants"], 1);
    // Routes with parameters of their own reach them.
    let olivia = get(&router, "/studies/Pilot%20study/api/v1/participants/P1").await;
    assert_eq!(olivia.json()["pseudonym"], "Olivia", "{}", olivia.body);
    let css = get(&router, "/studies/Pilot%20study/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    // The home page lists it.
    let home_page = get(&router, "/").await.body;
    assert!(home_page.contains(r#"<a href="/studies/Pilot%20study/">Pilot study</a>"#), "{home_page}");
}

#[tokio::test]
async fn only_studies_of_the_folder_can_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    idiograph_app::Workbench::create(
        &outside.path().join("secret.idg"),
        "Secret",
        idiograph_model::Terminology::Smith2022,
        "x",
    )
    .await
    .unwrap()
    .close()
    .await;
    let router = home(dir.path());
    let escape = format!("/studies/..%2F{}%2Fsecret/", outside.path().file_name().unwrap().to_string_lossy());
    for path in ["/studies/nothing/", "/studies/.hidden/api/v1/study", escape.as_str()] {
        let r = get(&router, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn the_home_server_checks_host_and_origin_like_a_study() {
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    let r =
        send(&router, Request::get("/").header(header::HOST, "evil.example:4322").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST);
    let forged = Request::post("/api/v1/studies")
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"title": "Forged"}).to_string()))
        .unwrap();
    assert_eq!(send(&router, forged).await.status, StatusCode::FORBIDDEN);
    assert!(files(dir.path()).is_empty());
}

#[tokio::test]
async fn a_refi_qda_file_becomes_a_new_study_with_its_loss_report() {
    let Some(shared) = idiograph_testkit::shared_dir() else { return };
    let sample = shared.join("refi-qda/samples/nvivo-15.0-mac_qc-project.qdpx");
    let bytes = std::fs::read(&sample).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    let boundary = "----idiograph";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"NVivo sample.qdpx\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = post(&router, "/import-study", &format!("multipart/form-data; boundary={boundary}"), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("NVivo sample.idg") && r.body.contains(r#"href="/studies/NVivo%20sample/""#), "{}", r.body);
    assert_eq!(files(dir.path()), ["NVivo sample.idg"]);
    // The page says what came in, and the study holds it: NVivo's codes became themes.
    let themes = get(&router, "/studies/NVivo%20sample/api/v1/themes").await.json();
    let count = themes["gets"].as_array().unwrap().len();
    assert!(count > 0, "{themes}");
    assert!(r.body.contains(" themes</li>"), "{}", r.body);
    // And what did not come in, with the reason.
    assert!(r.body.contains("the file contains only whitespace"), "{}", r.body);

    // Anything else is refused, and nothing is made.
    let mut other =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\r\nhello")
            .into_bytes();
    other.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = post(&router, "/import-study", &format!("multipart/form-data; boundary={boundary}"), other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("notes.txt: not a REFI-QDA project"), "{}", r.body);
    assert_eq!(files(dir.path()), ["NVivo sample.idg"]);
}

#[tokio::test]
async fn the_demo_is_made_once_and_opened_after() {
    let dir = tempfile::tempdir().unwrap();
    let router = home(dir.path());
    let first = post(&router, "/demo", "application/x-www-form-urlencoded", "").await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let made = files(dir.path());
    assert_eq!(made.len(), 1);
    let second = post(&router, "/demo", "application/x-www-form-urlencoded", "").await;
    assert_eq!(second.headers[header::LOCATION], first.headers[header::LOCATION]);
    assert_eq!(files(dir.path()), made);
    let listed = get(&router, "/api/v1/studies").await.json();
    let url = listed["studies"][0]["url"].as_str().unwrap().to_owned();
    assert_eq!(url, first.headers[header::LOCATION].to_str().unwrap());
    let participants = get(&router, &format!("{url}api/v1/participants")).await.json();
    assert_eq!(listed["studies"][0]["participants"], participants["participants"].as_array().unwrap().len());
    assert!(listed["studies"][0]["participants"].as_u64().unwrap() > 0);
}
