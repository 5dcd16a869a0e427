//! Findings of the security review in issue #19, each from its reproduction: oversized bodies
//! answered 413, a refused POST on a keep-alive connection, a cross-site GET that recorded a leak
//! override, and offsets past 2^32 that wrapped into a stored decision.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use idiograph_app::Workbench;
use idiograph_model::{Role, Terminology};
use idiograph_web::TeamSettings;
use serde_json::json;
use support::send;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADDR: &str = "127.0.0.1:4321";
const ORIGIN: &str = "http://127.0.0.1:4321";
const TRANSCRIPT: &str = "Interviewer: How was it?\nOlivia: It was hard at first, and then it got easier.\n";

/// A request from our own pages (`same_site`) or from another site's.
fn request(method: &str, path: &str, body: Body, same_site: bool) -> Request<Body> {
    let b = Request::builder().method(method).uri(path).header(header::HOST, ADDR);
    let b = if same_site { b.header(header::ORIGIN, ORIGIN) } else { b.header("sec-fetch-site", "cross-site") };
    b.header(header::CONTENT_TYPE, "application/json").body(body).unwrap()
}

/// A study with Olivia's transcript (T1) in a folder of the test's.
async fn study(dir: &tempfile::TempDir) -> Workbench {
    let wb =
        Workbench::create(&dir.path().join("t.idg"), "Test study", Terminology::Smith2022, "tester").await.unwrap();
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let out = wb
        .import_files("P1", vec![("olivia.txt".into(), TRANSCRIPT.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    assert_eq!(out.imported.len(), 1, "{:?}", out.refused);
    wb
}

#[tokio::test]
async fn oversized_bodies_are_answered_413_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let router = idiograph_web::router(study(&dir).await, ADDR.parse().unwrap());
    // A JSON body over 2 MiB (the review found 400 here).
    let note = json!({ "transcript": "T1", "text": "x".repeat(3 << 20) }).to_string();
    let r = send(&router, request("POST", "/api/v1/notes", Body::from(note), true)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("over the 2 MiB limit"), "{}", r.body);
    // An upload over 64 MiB, raw and as a form.
    let big = vec![b'a'; (64 << 20) + 1];
    let r =
        send(&router, request("POST", "/api/v1/transcripts?participant=P1&name=a.txt", Body::from(big), true)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("over the 64 MiB limit"), "{}", r.body);
    let mut form = b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\n".to_vec();
    form.resize(form.len() + (64 << 20) + 1, b'a');
    form.extend_from_slice(b"\r\n--b--\r\n");
    let mut req = request("POST", "/api/v1/transcripts?participant=P1", Body::from(form), true);
    req.headers_mut().insert(header::CONTENT_TYPE, "multipart/form-data; boundary=b".parse().unwrap());
    let r = send(&router, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    // A malformed body that is not too large stays 400.
    let r = send(&router, request("POST", "/api/v1/notes", Body::from("{"), true)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

/// Reads one HTTP/1.1 response (headers and a Content-Length body) from `stream`; the head in
/// lowercase.
async fn read_response(stream: &mut TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the connection closed before a response: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap());
    while buf.len() < head_end + length {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the connection closed inside a response");
        buf.extend_from_slice(&chunk[..n]);
    }
    (head, String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned())
}

/// Whether the server closes `stream` (reads end) within a few seconds.
async fn closes(stream: &mut TcpStream) -> bool {
    let mut rest = [0u8; 64];
    matches!(tokio::time::timeout(Duration::from_secs(5), stream.read(&mut rest)).await, Ok(Ok(0)) | Ok(Err(_)))
}

/// Issue #19: after refusing a POST with 401 or 403 the server dropped the keep-alive
/// connection without saying so. A refusal that leaves the body unread now says
/// `Connection: close` and closes; a refused GET (no body) keeps the connection.
#[tokio::test]
async fn a_refused_post_on_a_keep_alive_connection_says_connection_close() {
    let dir = tempfile::tempdir().unwrap();
    let wb = study(&dir).await;
    wb.create_user("ana", "correct horse battery", Some(Role::Owner)).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let server = tokio::spawn(idiograph_web::serve_with(
        wb,
        "127.0.0.1:0".parse().unwrap(),
        Some(TeamSettings::default()),
        move |bound| {
            let _ = tx.send(bound);
        },
    ));
    let addr = rx.await.unwrap();
    let body = r#"{"transcript":"T1","text":"a note"}"#;
    for (why, origin, status) in
        [("no session", format!("http://{addr}"), "401"), ("another site", "http://evil.example".to_owned(), "403")]
    {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let post = format!(
            "POST /api/v1/notes HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: keep-alive\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(post.as_bytes()).await.unwrap();
        let (head, _) = read_response(&mut stream).await;
        assert!(head.starts_with(&format!("http/1.1 {status}")), "{why}: {head}");
        assert!(head.contains("connection: close"), "{why}: the refusal says the connection ends: {head}");
        assert!(closes(&mut stream).await, "{why}: and it ends");
    }
    // A refused GET has no body left on the wire: the same connection serves the next request.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let get = format!("GET /api/v1/study HTTP/1.1\r\nHost: {addr}\r\nConnection: keep-alive\r\n\r\n");
    stream.write_all(get.as_bytes()).await.unwrap();
    let (head, _) = read_response(&mut stream).await;
    assert!(head.starts_with("http/1.1 401") && !head.contains("connection: close"), "{head}");
    stream.write_all(get.as_bytes()).await.unwrap();
    let (head, _) = read_response(&mut stream).await;
    assert!(head.starts_with("http/1.1 401"), "the connection is kept: {head}");
    server.abort();
}

async fn audit_actions(wb: &Workbench) -> Vec<String> {
    wb.history(1000).await.unwrap().into_iter().map(|e| e.action.to_string()).collect()
}

/// Issue #19: a cross-site `GET /api/v1/reports/md?allow_leaks=true` (an `<img>` on any page)
/// recorded a false "explicit override". The override is now a same-origin POST only.
#[tokio::test]
async fn a_leak_override_is_a_same_origin_post_only() {
    let dir = tempfile::tempdir().unwrap();
    let wb = study(&dir).await;
    wb.unlock_key_store(&dir.path().join("t.key"), "a long passphrase").await.unwrap();
    wb.add_known("Olivia", "[Patient]", "patient", &[]).await.unwrap();
    let router = idiograph_web::router(wb.clone(), ADDR.parse().unwrap());
    let before = audit_actions(&wb).await;
    let get = |path: &str, same_site| {
        let mut req = request("GET", path, Body::empty(), same_site);
        req.headers_mut().remove(header::ORIGIN);
        req
    };
    for path in ["/api/v1/reports/md?allow_leaks=true", "/api/v1/transcripts/T1/annotated/html?allow_leaks=true"] {
        let r = send(&router, get(path, false)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("is a POST"), "{}", r.body);
    }
    let r = send(&router, get("/api/v1/reports/md", true)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the leak check refuses: {}", r.body);
    for path in ["/api/v1/reports/md", "/api/v1/transcripts/T1/annotated/html"] {
        let r = send(&router, request("POST", path, Body::empty(), false)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "another site cannot override: {}", r.body);
    }
    assert_eq!(audit_actions(&wb).await, before, "nothing recorded");
    for path in ["/api/v1/reports/md", "/api/v1/transcripts/T1/annotated/html"] {
        let r = send(&router, request("POST", path, Body::empty(), true)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains("Olivia"), "the override exports as it is");
    }
    let after = audit_actions(&wb).await;
    assert_eq!(after.len(), before.len() + 2, "{after:?}");
}

/// Issue #19: `/api/v1/deid/decisions` wrapped offsets at 2^32 and stored them.
#[tokio::test]
async fn offsets_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wb = study(&dir).await;
    let router = idiograph_web::router(wb.clone(), ADDR.parse().unwrap());
    let version = wb.transcript("T1").await.unwrap().1.id.as_str().to_owned();
    let olivia = TRANSCRIPT.find("Olivia").unwrap() as u64;
    let before = wb.dump().await.unwrap();
    for (start, end) in [((1u64 << 32) + olivia, (1u64 << 32) + olivia + 6), (olivia, 1u64 << 40), (8, 4)] {
        let body = json!({
            "transcript": "T1", "version": version, "start": start, "end": end,
            "kind": "proper-name", "verdict": "reject",
        });
        let r = send(&router, request("POST", "/api/v1/deid/decisions", Body::from(body.to_string()), true)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{start}–{end}: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("outside T1"), "{}", r.body);
    }
    assert_eq!(wb.dump().await.unwrap(), before, "nothing stored");
}
