//! Setting transcripts up through the API the participants page uses: retitling, who each
//! speaker is (with the likely interviewer suggested), deleting and undoing that, and the page.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use idiograph_app::Workbench;
use idiograph_model::Terminology;
use serde_json::{json, Value};
use tower::ServiceExt;

const ADDR: &str = "127.0.0.1:4323";
const ORIGIN: &str = "http://127.0.0.1:4323";

/// An interview whose labels are names: nothing marks the interviewer by its label.
const KIM_AND_DANA: &str = "Kim: How did it start?\nDana: Slowly.\nKim: And then? What changed?\n\
Dana: I stopped asking myself why? I just went.\nKim: Why do you think that was?\nDana: Habit.\n";

async fn study(dir: &tempfile::TempDir) -> Router {
    let wb = Workbench::create(&dir.path().join("s.idg"), "Setup", Terminology::Smith2022, "tester").await.unwrap();
    wb.add_participant("Dana", &[], Default::default()).await.unwrap();
    let out =
        wb.import_files("P1", vec![("dana.txt".into(), KIM_AND_DANA.as_bytes().to_vec())], &Default::default()).await;
    assert_eq!(out.unwrap().imported.len(), 1);
    idiograph_web::router(wb, ADDR.parse::<SocketAddr>().unwrap())
}

async fn call(router: &Router, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn the_speaker_who_asks_most_is_suggested_until_someone_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let router = study(&dir).await;
    let (status, t) = call(&router, "GET", "/api/v1/transcripts/T1/speakers", None).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["suggested_interviewer"], "Kim");
    assert_eq!(t["speakers"][0], json!({"label": "Kim", "role": "other", "turns": 3, "questions": 3}));
    assert_eq!(t["speakers"][1]["questions"], 1);
    // The participants page asks the question.
    let (_, page) = call(&router, "GET", "/participants", None).await;
    assert!(page.as_str().unwrap().contains("<strong>Kim</strong> asks most of the questions (3)"), "{page}");

    let (status, t) =
        call(&router, "PUT", "/api/v1/transcripts/T1/speakers/Kim", Some(json!({"role": "interviewer"}))).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["speakers"][0]["role"], "interviewer");
    assert_eq!(t["suggested_interviewer"], Value::Null, "asked no more once someone is the interviewer");
    let (_, page) = call(&router, "GET", "/participants", None).await;
    assert!(!page.as_str().unwrap().contains("asks most of the questions"));

    // Bad input changes nothing and says why.
    let (status, e) = call(&router, "PUT", "/api/v1/transcripts/T1/speakers/Kim", Some(json!({"role": "boss"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (status, e) =
        call(&router, "PUT", "/api/v1/transcripts/T1/speakers/Nobody", Some(json!({"role": "other"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(e["error"].as_str().unwrap().contains("speakers: Dana, Kim"), "{e}");
    let (_, t) = call(&router, "GET", "/api/v1/transcripts/T1/speakers", None).await;
    assert_eq!(t["speakers"][0]["role"], "interviewer");
}

#[tokio::test]
async fn a_transcript_is_retitled_and_deleted_and_the_deletion_undone() {
    let dir = tempfile::tempdir().unwrap();
    let router = study(&dir).await;
    let (status, t) = call(&router, "PATCH", "/api/v1/transcripts/T1", Some(json!({"title": "First interview"}))).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["title"], "First interview");
    let (status, _) = call(&router, "PATCH", "/api/v1/transcripts/T1", Some(json!({"title": "  "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, gone) = call(&router, "DELETE", "/api/v1/transcripts/T1", None).await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(gone["deleted"], "T1");
    let (_, list) = call(&router, "GET", "/api/v1/transcripts", None).await;
    assert_eq!(list["transcripts"], json!([]));
    let (status, _) = call(&router, "POST", "/api/v1/undo", Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = call(&router, "GET", "/api/v1/transcripts", None).await;
    assert_eq!(list["transcripts"][0]["title"], "First interview", "{list}");
}
