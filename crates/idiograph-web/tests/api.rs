//! The web workbench through its router, without a socket: security checks, escaping, error
//! statuses, the UTF-16 edge, the OpenAPI document, and a whole analysis through `/api/v1`.

mod support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use idiograph_app::Workbench;
use idiograph_model::Terminology;
use serde_json::{json, Value};
use support::Reply;
use tower::ServiceExt;

const ADDR: &str = "127.0.0.1:4321";
const ORIGIN: &str = "http://127.0.0.1:4321";

struct App {
    router: Router,
    _dir: tempfile::TempDir,
}

async fn app_with(transcript: &str) -> App {
    let dir = tempfile::tempdir().unwrap();
    let wb =
        Workbench::create(&dir.path().join("t.idg"), "Test study", Terminology::Smith2022, "tester").await.unwrap();
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    wb.add_participant("Tom", &[], Default::default()).await.unwrap();
    let out = wb
        .import_files("P1", vec![("olivia.txt".into(), transcript.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    assert_eq!(out.imported.len(), 1, "{:?}", out.refused);
    let addr: SocketAddr = ADDR.parse().unwrap();
    App { router: idiograph_web::router(wb, addr), _dir: dir }
}

async fn send(app: &App, req: Request<Body>) -> Reply {
    support::send(&app.router, req).await
}

async fn get(app: &App, path: &str) -> Reply {
    send(app, Request::get(path).header(header::HOST, ADDR).body(Body::empty()).unwrap()).await
}

/// A mutating API call from our own origin.
async fn call(app: &App, method: &str, path: &str, body: Value) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

const SIMPLE: &str = "Interviewer: How was it?\nOlivia: It was hard at first, and then it got easier.\n";

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = app_with(SIMPLE).await;
    for path in ["/", "/transcripts/T1", "/api/v1/study", "/static/app.css", "/nowhere"] {
        let r = get(&app, path).await;
        assert_eq!(
            r.headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers[header::REFERRER_POLICY], "no-referrer");
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_against_dns_rebinding() {
    let app = app_with(SIMPLE).await;
    for host in ["evil.example:4321", "127.0.0.1:9999", "localhost:1", "192.168.1.10:4321"] {
        let r = send(&app, Request::get("/").header(header::HOST, host).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
    }
    let r = send(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "no Host at all");
    let r = send(&app, Request::get("/").header(header::HOST, "localhost:4321").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn mutations_need_our_origin_against_csrf() {
    let app = app_with(SIMPLE).await;
    let counter = std::sync::atomic::AtomicU32::new(0);
    let post = |origin: Option<&str>, site: Option<&str>| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut b = Request::post("/api/v1/participants")
            .header(header::HOST, ADDR)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            b = b.header("sec-fetch-site", s);
        }
        b.body(Body::from(json!({"pseudonym": format!("Case {n}")}).to_string())).unwrap()
    };
    for (origin, site) in [
        (None, None),
        (Some("http://evil.example"), None),
        (Some("null"), None),
        (Some("http://127.0.0.1:4322"), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
        (Some("http://evil.example"), Some("same-origin")),
    ] {
        let r = send(&app, post(origin, site)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(r.json()["error"].is_string());
    }
    for method in ["PATCH", "DELETE"] {
        let req =
            Request::builder().method(method).uri("/api/v1/notes/N1").header(header::HOST, ADDR).body(Body::empty());
        assert_eq!(send(&app, req.unwrap()).await.status, StatusCode::FORBIDDEN, "{method}");
    }
    assert_eq!(send(&app, post(Some(ORIGIN), None)).await.status, StatusCode::CREATED);
    assert_eq!(send(&app, post(Some("http://localhost:4321"), None)).await.status, StatusCode::CREATED);
    assert_eq!(send(&app, post(None, Some("same-origin"))).await.status, StatusCode::CREATED);
    // Nothing was written by the refused requests.
    let list = get(&app, "/api/v1/participants").await.json();
    assert_eq!(list["participants"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn user_text_is_escaped_everywhere() {
    let hostile =
        "Interviewer: <script>alert(1)</script>\nOlivia: \"><img src=x onerror=alert(1)> and 'quotes' & <b>bold</b>\n";
    let app = app_with(hostile).await;
    let evil = "<script>alert(2)</script>\"><img src=x onerror=alert(2)>";
    assert_eq!(
        call(&app, "PATCH", "/api/v1/participants/P2", json!({"pseudonym": evil, "attributes": {"role": evil}}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, "PATCH", "/api/v1/study", json!({"title": evil, "research_question": evil})).await.status,
        StatusCode::OK
    );
    let t = get(&app, "/api/v1/transcripts/T1").await.json();
    let version = t["version"].as_str().unwrap().to_owned();
    let text = t["text"].as_str().unwrap();
    let start = text.find("<img").unwrap();
    let sel = json!({"transcript": "T1", "version": version, "start": start, "end": start + 28});
    let mut note = sel.clone();
    note["kind"] = json!("conceptual");
    note["text"] = json!(evil);
    assert_eq!(call(&app, "POST", "/api/v1/notes", note).await.status, StatusCode::CREATED);
    let mut st = sel.clone();
    st["text"] = json!(evil);
    assert_eq!(call(&app, "POST", "/api/v1/statements", st).await.status, StatusCode::CREATED);
    let pet = call(&app, "POST", "/api/v1/themes", json!({"title": evil, "case": "P1", "description": evil})).await;
    assert_eq!(pet.status, StatusCode::CREATED, "{}", pet.body);
    assert_eq!(
        call(&app, "POST", "/api/v1/assignments", json!({"theme": "TH1", "statement": "S1", "rationale": evil}))
            .await
            .status,
        StatusCode::CREATED
    );
    let get_theme = call(&app, "POST", "/api/v1/themes", json!({"title": evil})).await;
    assert_eq!(get_theme.status, StatusCode::CREATED);
    assert_eq!(call(&app, "PATCH", "/api/v1/themes/TH2", json!({"note": evil})).await.status, StatusCode::OK);
    assert_eq!(
        call(&app, "POST", "/api/v1/assignments", json!({"theme": "TH2", "theme_member": "TH1"})).await.status,
        StatusCode::CREATED
    );
    let mut x = sel.clone();
    x["theme"] = json!("TH2");
    assert_eq!(call(&app, "POST", "/api/v1/extracts", x).await.status, StatusCode::CREATED);
    assert_eq!(
        call(&app, "POST", "/api/v1/journal", json!({"text": evil, "about": "TH1"})).await.status,
        StatusCode::CREATED
    );

    for page in [
        "/",
        "/transcripts/T1",
        "/cases/P1",
        "/cases/P1?others=1",
        "/group",
        "/themes/TH1",
        "/themes/TH2",
        "/journal",
        "/history",
        "/reports",
    ] {
        let r = get(&app, page).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        for raw in ["<script>alert", "<img src=x", "<b>bold", "\"><img"] {
            assert!(!r.body.contains(raw), "{page} contains raw {raw:?}");
        }
        assert!(!r.body.contains("<script>") || !r.body.contains("alert("), "{page}");
        let scripts = r.body.matches("<script").count();
        let ours = r.body.matches("<script type=\"module\" src=\"/static/js/").count();
        assert_eq!(scripts, ours, "{page}: only our own script tags");
        assert!(!r.body.contains(" style="), "{page}: no inline style attribute");
        assert!(!r.body.contains("<style"), "{page}: no style element");
    }
    let t = get(&app, "/transcripts/T1").await.body;
    // Askama writes numeric character references; read them as the browser will.
    let shown = t
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&");
    assert!(shown.contains(">: <script>alert(1)</script></span>"), "the transcript's script tag is shown as text");
    assert!(t.contains("&#34;&#62;&#60;"), "the attribute breakout is escaped");
    assert!(shown.contains("onerror=alert(1)>"), "and shown as text");
}

#[tokio::test]
async fn errors_map_to_statuses_with_a_json_message() {
    let app = app_with(SIMPLE).await;
    let t = get(&app, "/api/v1/transcripts/T1").await.json();
    let version = t["version"].as_str().unwrap();
    let cases = [
        (get(&app, "/api/v1/transcripts/T99").await, StatusCode::NOT_FOUND),
        (get(&app, "/api/v1/themes/TH7").await, StatusCode::NOT_FOUND),
        (get(&app, "/api/v1/reports/pdf-nope").await, StatusCode::NOT_FOUND),
        (call(&app, "DELETE", "/api/v1/notes/N5", json!({})).await, StatusCode::NOT_FOUND),
        (call(&app, "POST", "/api/v1/participants", json!({"pseudonym": "olivia"})).await, StatusCode::CONFLICT),
        (
            call(&app, "POST", "/api/v1/participants", json!({"pseudonym": "  "})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (call(&app, "POST", "/api/v1/participants", json!({"name": "x"})).await, StatusCode::BAD_REQUEST),
        (
            call(
                &app,
                "POST",
                "/api/v1/notes",
                json!({"transcript": "T1", "version": version, "start": 0, "end": 5, "kind": "poetic", "text": "x"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            call(
                &app,
                "POST",
                "/api/v1/notes",
                json!({"transcript": "T1", "version": "old", "start": 0, "end": 5, "kind": "free", "text": "x"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            call(
                &app,
                "POST",
                "/api/v1/notes",
                json!({"transcript": "T1", "version": version, "start": 0, "end": 9999, "kind": "free", "text": "x"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (call(&app, "POST", "/api/v1/assignments", json!({"theme": "TH1"})).await, StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (i, (r, want)) in cases.iter().enumerate() {
        assert_eq!(r.status, *want, "case {i}: {}", r.body);
        assert!(r.json()["error"].as_str().is_some_and(|m| !m.is_empty()), "case {i}: {}", r.body);
    }
    let malformed = send(
        &app,
        Request::post("/api/v1/journal")
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.json()["error"].is_string());
    // A statement cannot go straight into a GET: a rule of the method, refused with 422.
    call(
        &app,
        "POST",
        "/api/v1/statements",
        json!({"transcript": "T1", "version": version, "start": 25, "end": 45, "text": "Hard"}),
    )
    .await;
    call(&app, "POST", "/api/v1/themes", json!({"title": "Group theme"})).await;
    let r = call(&app, "POST", "/api/v1/assignments", json!({"theme": "TH1", "statement": "S1"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Pages answer errors as HTML.
    let r = get(&app, "/transcripts/T42").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("<h1>404"));
    assert_eq!(get(&app, "/no/such/page").await.status, StatusCode::NOT_FOUND);
}

/// The UTF-16 offsets of `needle` in `text`, as a browser would count them.
fn utf16_range(text: &str, needle: &str) -> (usize, usize) {
    let start = text.find(needle).unwrap();
    let s = text[..start].encode_utf16().count();
    (s, s + needle.encode_utf16().count())
}

#[tokio::test]
async fn browser_offsets_are_converted_at_the_edge() {
    // A ZWJ emoji sequence (5 code points, 7 UTF-16 units), a precomposable "e\u{301}" (which
    // import normalises to "é") and a "q\u{301}" that has no precomposed form and stays two.
    let text =
        "Interviewer: And then?\nOlivia: The 👩\u{200d}⚕️ said cafe\u{301} and q\u{301}uiet words, \u{1F600} really.\n";
    let app = app_with(text).await;
    let t = get(&app, "/api/v1/transcripts/T1").await.json();
    let canonical = t["text"].as_str().unwrap().to_owned();
    assert!(canonical.contains("café"), "import applied NFC");
    assert!(canonical.contains("q\u{301}uiet"));
    assert_eq!(t["utf16_length"].as_u64().unwrap() as usize, canonical.encode_utf16().count());
    let version = t["version"].as_str().unwrap().to_owned();
    for (i, needle) in
        ["👩\u{200d}⚕️ said café", "q\u{301}uiet", "\u{1F600} really", "café and q\u{301}"].iter().enumerate()
    {
        let (s, e) = utf16_range(&canonical, needle);
        let r = call(
            &app,
            "POST",
            "/api/v1/notes",
            json!({"transcript": "T1", "version": version, "start": s, "end": e, "unit": "utf16", "kind": "linguistic", "text": format!("note {i}")}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{needle}: {}", r.body);
        let note = r.json();
        assert_eq!(note["quote"], json!(needle), "the note covers exactly the selection");
        let b = canonical.find(needle).unwrap();
        assert_eq!(note["start"], json!(b));
        assert_eq!(note["end"], json!(b + needle.len()));
    }
    // Reading back gives the same UTF-16 offsets the browser sent.
    let back = get(&app, "/api/v1/transcripts/T1").await.json();
    let n = &back["notes"][1];
    let (s, e) = utf16_range(&canonical, "q\u{301}uiet");
    assert_eq!((n["utf16_start"].as_u64().unwrap() as usize, n["utf16_end"].as_u64().unwrap() as usize), (s, e));
    // Lines carry UTF-16 starts consistent with the text.
    let line2 = &back["lines"][1];
    let start2 = line2["start"].as_u64().unwrap() as usize;
    assert_eq!(line2["utf16_start"].as_u64().unwrap() as usize, canonical[..start2].encode_utf16().count());
    // Characters work too.
    let needle = "q\u{301}uiet";
    let cs = canonical[..canonical.find(needle).unwrap()].chars().count();
    let r = call(
        &app,
        "POST",
        "/api/v1/statements",
        json!({"transcript": "T1", "version": version, "start": cs, "end": cs + needle.chars().count(), "unit": "chars", "text": "Quiet"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["anchors"][0]["quote"], json!(needle));
    // An offset inside a surrogate pair is refused, not rounded.
    let (s, _) = utf16_range(&canonical, "\u{1F600}");
    let r = call(
        &app,
        "POST",
        "/api/v1/notes",
        json!({"transcript": "T1", "version": version, "start": s + 1, "end": s + 6, "unit": "utf16", "kind": "free", "text": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // The page gives each line its UTF-16 start for the browser.
    let page = get(&app, "/transcripts/T1").await.body;
    let u16_of_line2 = canonical[..start2].encode_utf16().count();
    assert!(page.contains(&format!("id=\"L2\" data-g=\"2\" data-u16=\"{u16_of_line2}\"")), "{page}");
}

#[tokio::test]
async fn openapi_lists_exactly_the_routes_of_the_router() {
    let app = app_with(SIMPLE).await;
    let r = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // Every reference resolves: the objects' schemas are generated from their view types.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| match (k.as_str(), x.as_str()) {
                ("$ref", Some(r)) => out.push(r),
                _ => refs(x, out),
            }),
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&doc, &mut found);
    for r in &found {
        assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "{r} does not resolve");
    }
    for name in [
        "Participant",
        "Transcript",
        "Note",
        "Statement",
        "Theme",
        "Assignment",
        "Extract",
        "JournalEntry",
        "Recurrence",
        "AuditEvent",
        "SearchResults",
    ] {
        assert!(
            found.contains(&format!("#/components/schemas/{name}").as_str()),
            "no route or schema refers to {name}"
        );
    }
    assert!(doc["components"]["schemas"]["Note"]["properties"]["quote"].is_object(), "a note's anchor is inline");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    // A study's routes, and those of the home page of a folder of studies.
    let mut routed: Vec<(String, String)> = idiograph_web::route_list()
        .into_iter()
        .chain(idiograph_web::home_route_list())
        .map(|r| (r.method.to_owned(), r.path.replace("{*", "{")))
        .collect();
    documented.sort();
    routed.sort();
    let missing: Vec<_> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let extra: Vec<_> = documented.iter().filter(|d| !routed.contains(d)).collect();
    assert!(missing.is_empty(), "routes missing from openapi.json: {missing:?}");
    assert!(extra.is_empty(), "openapi.json documents routes the router lacks: {extra:?}");
    // And every listed route answers something other than 405/404-by-routing.
    for route in idiograph_web::route_list() {
        let path = route.path.replace("{*path}", "app.css").replace("{format}", "md").replace("{id}", "X1");
        let req = Request::builder()
            .method(route.method)
            .uri(&path)
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        if path == "/api/v1/events" {
            // An endless stream: its status is all there is to check here.
            assert_eq!(app.router.clone().oneshot(req).await.unwrap().status(), StatusCode::OK);
            continue;
        }
        let r = send(&app, req).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{} {path}", route.method);
    }
}

#[tokio::test]
async fn static_assets_have_etags_and_revalidate() {
    let app = app_with(SIMPLE).await;
    let r = get(&app, "/static/js/transcript.js").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    let tag = r.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = send(
        &app,
        Request::get("/static/js/transcript.js")
            .header(header::HOST, ADDR)
            .header(header::IF_NONE_MATCH, &tag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(get(&app, "/static/nope.js").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/static/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_whole_analysis_through_the_api() {
    let app = app_with(SIMPLE).await;
    // Upload: multipart with two files (one refused), and a raw body.
    let boundary = "XyZ";
    let mut form = String::new();
    form += &format!("--{boundary}\r\nContent-Disposition: form-data; name=\"participant\"\r\n\r\nTom\r\n");
    form += &format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"tom.txt\"\r\nContent-Type: text/plain\r\n\r\nInterviewer: Hello?\nTom: It was a relief, really.\n\r\n");
    form += &format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n\u{89}PNG\r\n\u{1a}\n\0\0\0\r\n");
    form += &format!("--{boundary}--\r\n");
    let r = send(
        &app,
        Request::post("/api/v1/transcripts")
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let out = r.json();
    assert_eq!(out["imported"][0]["id"], "T2");
    assert_eq!(out["refused"].as_array().unwrap().len(), 1, "{out}");
    let r = send(
        &app,
        Request::post("/api/v1/transcripts?participant=P2&name=second.txt")
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("Tom: Another interview.\n"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(get(&app, "/api/v1/transcripts").await.json()["transcripts"].as_array().unwrap().len(), 3);

    // Participants: attributes, finish, reopen.
    let r = call(&app, "PATCH", "/api/v1/participants/P1", json!({"attributes": {"stage": "ST2"}})).await;
    assert_eq!(r.json()["attributes"]["stage"], "ST2");
    assert!(call(&app, "POST", "/api/v1/participants/P1/finish", json!({})).await.json()["finished_at"].is_string());
    assert!(call(&app, "POST", "/api/v1/participants/P1/reopen", json!({})).await.json()["finished_at"].is_null());

    // Notes and statements on both cases.
    let v1 = get(&app, "/api/v1/transcripts/T1").await.json()["version"].as_str().unwrap().to_owned();
    let v2 = get(&app, "/api/v1/transcripts/T2").await.json()["version"].as_str().unwrap().to_owned();
    let sel = |t: &str, v: &str, s: usize, e: usize| json!({"transcript": t, "version": v, "start": s, "end": e});
    let mut n = sel("T1", &v1, 33, 51);
    n["kind"] = json!("descriptive");
    n["text"] = json!("Hard at first");
    assert_eq!(call(&app, "POST", "/api/v1/notes", n).await.status, StatusCode::CREATED);
    assert_eq!(
        call(&app, "PATCH", "/api/v1/notes/N1", json!({"kind": "conceptual", "text": "Difficulty"})).await.json()
            ["kind"],
        "conceptual"
    );
    let mut s1 = sel("T1", &v1, 33, 51);
    s1["text"] = json!("Beginning as hardship");
    s1["from_notes"] = json!(["N1"]);
    assert_eq!(call(&app, "POST", "/api/v1/statements", s1).await.status, StatusCode::CREATED);
    let mut s2 = sel("T2", &v2, 25, 42);
    s2["text"] = json!("Relief");
    assert_eq!(call(&app, "POST", "/api/v1/statements", s2).await.status, StatusCode::CREATED);
    assert_eq!(
        call(&app, "PATCH", "/api/v1/statements/S2", json!({"text": "Relief after"})).await.json()["text"],
        "Relief after"
    );

    // Themes: PETs per case, a GET, assignments, recurrence.
    for (title, case) in [("Hardship", "P1"), ("Relief", "Tom")] {
        assert_eq!(
            call(&app, "POST", "/api/v1/themes", json!({"title": title, "case": case})).await.status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        call(&app, "POST", "/api/v1/themes", json!({"title": "Change over time"})).await.status,
        StatusCode::CREATED
    );
    for (theme, member) in [
        ("TH1", json!({"statement": "S1"})),
        ("TH2", json!({"statement": "S2", "strategy": "abstraction", "rationale": "why"})),
    ] {
        let mut b = member.clone();
        b["theme"] = json!(theme);
        assert_eq!(call(&app, "POST", "/api/v1/assignments", b).await.status, StatusCode::CREATED);
    }
    let rec = get(&app, "/api/v1/recurrence").await.json();
    assert_eq!(rec["rows"][0]["contributors"], 0);
    for pet in ["TH1", "TH2"] {
        assert_eq!(
            call(&app, "POST", "/api/v1/assignments", json!({"theme": "TH3", "theme_member": pet})).await.status,
            StatusCode::CREATED
        );
    }
    let rec = get(&app, "/api/v1/recurrence").await.json();
    assert_eq!(rec["rows"][0]["contributors"], 2);
    assert_eq!(rec["rows"][0]["meets_rule"], true);
    assert_eq!(
        call(&app, "PATCH", "/api/v1/themes/TH3", json!({"note": "Both cases move from strain to ease."})).await.json()
            ["note"],
        "Both cases move from strain to ease."
    );

    // Extract, with the citation the report prints.
    let mut x = sel("T2", &v2, 25, 42);
    x["theme"] = json!("TH3");
    let r = call(&app, "POST", "/api/v1/extracts", x).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["citation"], "(Tom, p. 1, l. 2)");
    let listed = get(&app, "/api/v1/extracts").await.json();
    assert_eq!(listed["extracts"][0]["citation"], "(Tom, p. 1, l. 2)");
    assert_eq!(r.json(), listed["extracts"][0], "the reply to a new extract is the extract as listed");

    // Split and merge within a case.
    call(&app, "POST", "/api/v1/themes", json!({"title": "Sub", "case": "P1", "parent": "TH1"})).await;
    let r = call(&app, "POST", "/api/v1/themes/TH1/split", json!({"title": "Split off", "members": ["S1"]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["statements"], json!(["S1"]));
    let r = call(&app, "POST", "/api/v1/themes/TH5/merge", json!({"into": "TH1"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["statements"], json!(["S1"]));
    let r = call(&app, "PATCH", "/api/v1/themes/TH4", json!({"parent": null, "title": "Top now"})).await;
    assert_eq!(r.json()["title"], "Top now");
    let tree = get(&app, "/api/v1/themes").await.json();
    assert_eq!(tree["gets"][0]["pets"], json!(["TH1", "TH2"]));

    // Journal.
    assert_eq!(
        call(&app, "POST", "/api/v1/journal", json!({"text": "My own training shapes this.", "about": "th3"}))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(call(&app, "PATCH", "/api/v1/journal/J1", json!({"text": "Edited."})).await.json()["text"], "Edited.");
    assert_eq!(get(&app, "/api/v1/journal").await.json()["journal"][0]["about"], "TH3");

    // Undo and redo through the API.
    assert_eq!(call(&app, "DELETE", "/api/v1/journal/J1", json!({})).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/v1/journal").await.json()["journal"].as_array().unwrap().len(), 0);
    assert_eq!(call(&app, "POST", "/api/v1/undo", json!({})).await.json()["done"], true);
    assert_eq!(get(&app, "/api/v1/journal").await.json()["journal"].as_array().unwrap().len(), 1);
    assert_eq!(call(&app, "POST", "/api/v1/redo", json!({})).await.json()["done"], true);
    assert_eq!(get(&app, "/api/v1/journal").await.json()["journal"].as_array().unwrap().len(), 0);
    let h = get(&app, "/api/v1/history?limit=3").await.json();
    assert_eq!(h["events"].as_array().unwrap().len(), 3);

    // Unassign and deletes.
    let r = send(
        &app,
        Request::delete("/api/v1/assignments?theme=TH3&theme_member=TH2")
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        get(&app, "/api/v1/recurrence").await.json()["rows"][0]["contributors"],
        2,
        "Tom still has an extract for TH3"
    );
    assert_eq!(call(&app, "DELETE", "/api/v1/extracts/X1", json!({})).await.status, StatusCode::OK);
    assert_eq!(get(&app, "/api/v1/recurrence").await.json()["rows"][0]["contributors"], 1);
    assert_eq!(call(&app, "DELETE", "/api/v1/notes/N1", json!({})).await.status, StatusCode::OK);
    assert_eq!(call(&app, "DELETE", "/api/v1/statements/S2", json!({})).await.status, StatusCode::OK);
    assert_eq!(call(&app, "DELETE", "/api/v1/themes/TH4", json!({})).await.status, StatusCode::OK);

    // Reports download as files.
    let r = get(&app, "/api/v1/reports/md").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    assert!(r.body.contains("Change over time"), "{}", r.body);
    let r = get(&app, "/api/v1/reports/html").await;
    assert!(r.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(r.body.contains("Change over time"));
    // So do the figures, linked from the group board; a name or format that is not one is not found.
    let group = get(&app, "/group").await.body;
    for file in ["theme-map.svg", "heatmap.svg", "flow.svg", "theme-map.png", "heatmap.png", "flow.png"] {
        let path = format!("/api/v1/figures/{file}");
        assert!(group.contains(&format!("href=\"{path}\"")), "the group board links {file}");
        let r = get(&app, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{file}: {}", r.body);
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, format!("attachment; filename=\"idiograph-{file}\""));
        if file.ends_with(".svg") {
            assert_eq!(r.headers[header::CONTENT_TYPE], "image/svg+xml");
            assert!(r.body.starts_with("<svg") && r.body.contains("Change over time"), "{file}");
        } else {
            assert_eq!(r.headers[header::CONTENT_TYPE], "image/png");
        }
    }
    for wrong in ["pie.svg", "heatmap.pdf", "heatmap"] {
        assert_eq!(get(&app, &format!("/api/v1/figures/{wrong}")).await.status, StatusCode::NOT_FOUND, "{wrong}");
    }
    // And the results section scaffold, in Word, Markdown and LaTeX, linked from the group board.
    for (format, content_type) in [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("md", "text/markdown; charset=utf-8"),
        ("tex", "application/x-tex; charset=utf-8"),
    ] {
        let path = format!("/api/v1/results/{format}");
        assert!(group.contains(&format!("href=\"{path}\"")), "the group board links {path}");
        let r = get(&app, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{format}: {}", r.body);
        assert_eq!(r.headers[header::CONTENT_TYPE], content_type);
        let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, format!("attachment; filename=\"idiograph-results.{format}\""));
        if format != "docx" {
            assert!(r.body.contains("Results") && r.body.contains("Change over time"), "{format}: {}", r.body);
        }
    }
    assert_eq!(get(&app, "/api/v1/results/pdf").await.status, StatusCode::NOT_FOUND);

    // Every page renders.
    for page in [
        "/",
        "/transcripts/T1",
        "/transcripts/T2",
        "/cases/P1",
        "/cases/Tom",
        "/group",
        "/themes/TH3",
        "/themes/TH1",
        "/journal",
        "/history",
        "/reports",
    ] {
        assert_eq!(get(&app, page).await.status, StatusCode::OK, "{page}");
    }
}

/// The part of `html` from the element with id `id` to the end of `until`, failing with the page.
fn element<'a>(html: &'a str, id: &str, until: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {html}"));
    let end = html[start..].find(until).map_or(html.len(), |e| start + e + until.len());
    &html[start..end]
}

#[tokio::test]
async fn the_theme_page_the_api_and_the_boards_show_how_each_member_came_there() {
    let app = app_with(SIMPLE).await;
    let v1 = get(&app, "/api/v1/transcripts/T1").await.json()["version"].as_str().unwrap().to_owned();
    let sel = json!({"transcript": "T1", "version": v1, "start": 33, "end": 51});
    let mut n = sel.clone();
    n["kind"] = json!("descriptive");
    n["text"] = json!("Struggle early on");
    assert_eq!(call(&app, "POST", "/api/v1/notes", n).await.status, StatusCode::CREATED);
    let mut st = sel.clone();
    st["text"] = json!("Beginning as hardship");
    st["from_notes"] = json!(["N1"]);
    assert_eq!(call(&app, "POST", "/api/v1/statements", st).await.status, StatusCode::CREATED);
    let pet = call(&app, "POST", "/api/v1/themes", json!({"title": "Hardship", "case": "P1"})).await;
    assert_eq!(pet.status, StatusCode::CREATED);
    assert_eq!(call(&app, "POST", "/api/v1/themes", json!({"title": "Change"})).await.status, StatusCode::CREATED);
    for b in [
        json!({"theme": "TH1", "statement": "S1", "strategy": "polarisation", "rationale": "Set against the ease that follows"}),
        json!({"theme": "TH2", "theme_member": "TH1", "strategy": "function", "rationale": "What hardship does for her"}),
    ] {
        assert_eq!(call(&app, "POST", "/api/v1/assignments", b).await.status, StatusCode::CREATED);
    }

    // The API: the existing shape, with each member's move added.
    let th1 = get(&app, "/api/v1/themes/TH1").await.json();
    assert_eq!(th1["statements"], json!(["S1"]));
    let m = &th1["members"][0];
    assert_eq!(
        (&m["id"], &m["kind"], &m["text"], &m["strategy"], &m["rationale"], &m["author"]),
        (
            &json!("S1"),
            &json!("statement"),
            &json!("Beginning as hardship"),
            &json!("polarisation"),
            &json!("Set against the ease that follows"),
            &json!("tester")
        )
    );
    let at = m["at"].as_str().expect("when the move was made").to_owned();
    assert_eq!(
        m["from_notes"],
        json!([{"id": "N1", "kind": "descriptive", "text": "Struggle early on", "transcript": "T1", "lines": "p. 1, l. 2"}])
    );
    let th2 = get(&app, "/api/v1/themes/TH2").await.json();
    assert_eq!((&th2["members"][0]["id"], &th2["members"][0]["kind"]), (&json!("TH1"), &json!("theme")));
    assert_eq!(th2["members"][0]["strategy"], "function");
    let tree = get(&app, "/api/v1/themes").await.json();
    assert_eq!(tree["cases"][0]["pets"][0]["members"], th1["members"], "the tree gives the same trail");

    // The theme page: the member, how and why, who and when, and the notes behind it.
    let page = get(&app, "/themes/TH1").await;
    assert_eq!(page.status, StatusCode::OK);
    let member = element(&page.body, "m-S1", "</ul>");
    assert!(member.contains("Beginning as hardship"), "{member}");
    assert!(member.contains("<dd class=\"strategy\">polarisation</dd>"), "{member}");
    assert!(member.contains("<dd class=\"rationale\">Set against the ease that follows</dd>"), "{member}");
    assert!(member.contains(&format!("<dd class=\"author\">tester, <time datetime=\"{at}\">")), "{member}");
    assert!(member.contains("<a href=\"/transcripts/T1#L2\" class=\"id\">N1</a>"), "{member}");
    assert!(member.contains("Struggle early on") && member.contains("p. 1, l. 2"), "{member}");
    let page = get(&app, "/themes/TH2").await.body;
    let member = element(&page, "m-TH1", "</dl>");
    assert!(member.contains("<a href=\"/themes/TH1\">Hardship</a>"), "{member}");
    assert!(member.contains("<dd class=\"strategy\">function</dd>") && member.contains("tester"), "{member}");

    // The boards: the strategy under the theme, the rationale behind a keyboard-reachable
    // summary (and its title, on hover).
    let board = get(&app, "/cases/P1").await.body;
    let why = element(&board, "why-TH1-S1", "</details>");
    assert!(
        why.contains(
            "<summary title=\"Set against the ease that follows\"><span class=\"strategy\">polarisation</span>"
        ),
        "{why}"
    );
    assert!(why.contains("<p class=\"rationale\">Set against the ease that follows</p>"), "{why}");
    let board = get(&app, "/group").await.body;
    let why = element(&board, "why-TH2-TH1", "</details>");
    assert!(
        why.contains("<span class=\"strategy\">function</span>") && why.contains("What hardship does for her"),
        "{why}"
    );
}

#[tokio::test]
async fn the_case_board_brackets_other_cases() {
    let dir = tempfile::tempdir().unwrap();
    let wb = idiograph_app::build_demo(&dir.path().join("demo.idg"), "tester").await.unwrap();
    let app = App { router: idiograph_web::router(wb, ADDR.parse().unwrap()), _dir: dir };
    let olivia = get(&app, "/cases/P1").await.body;
    assert!(olivia.contains("Dreading a patient"), "Olivia's own statement");
    assert!(!olivia.contains("Held up by peers"), "Rachel's PET is hidden while Olivia's case is open");
    assert!(!olivia.contains("Support and reassurance"), "Rachel's statement is hidden");
    let open = get(&app, "/cases/P1?others=1").await.body;
    assert!(open.contains("Held up by peers"), "shown on request");
    // The terminology follows the study's setting.
    assert!(olivia.contains("Personal experiential theme") || olivia.contains("personal experiential theme"));
    let r = call(&app, "PATCH", "/api/v1/study", json!({"terminology": "2009"})).await;
    assert_eq!(r.status, StatusCode::OK);
    // What printed quotes do with fillers is a setting of the study too.
    assert_eq!(r.json()["fillers"], "keep");
    let r = call(&app, "PATCH", "/api/v1/study", json!({"fillers": "mark"})).await;
    assert_eq!((r.status, r.json()["fillers"].clone()), (StatusCode::OK, json!("mark")));
    let r = call(&app, "PATCH", "/api/v1/study", json!({"fillers": "drop"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("filler policy 'drop'"), "{}", r.body);
    assert!(get(&app, "/").await.body.contains("Fillers in printed quotes: mark"));
    let olivia = get(&app, "/cases/P1").await.body;
    assert!(olivia.contains("super-ordinate theme"), "2009 wording");
    assert!(olivia.contains("emergent themes"));
    let group = get(&app, "/group").await.body;
    assert!(group.contains("Master themes"));
    // The transcript page has the three columns, speaker labels and page breaks.
    let t = get(&app, "/transcripts/T1").await.body;
    for needle in ["col-statements", "col-text", "col-notes", "class=\"spk\"", "Page 2", "data-ids=\""] {
        assert!(t.contains(needle), "{needle}");
    }
}

/// Line numbers, as a keyboard user types them into the form (strings), select whole lines.
#[tokio::test]
async fn line_numbers_select_whole_lines() {
    let text = "Interviewer: How was it?\nOlivia: Lighter, really.\nInterviewer: Why?\nOlivia: Someone listened.\n";
    let app = app_with(text).await;
    let version = get(&app, "/api/v1/transcripts/T1").await.json()["version"].as_str().unwrap().to_owned();
    let r = call(
        &app,
        "POST",
        "/api/v1/notes",
        json!({"transcript": "T1", "version": version, "start": "2", "end": "4", "unit": "lines", "kind": "descriptive", "text": "by lines"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // By lines, a selection starts at the words: the first line's speaker label is not quoted
    // (the same rule as the command line's --lines; later labels belong to the exchange quoted).
    assert_eq!(r.json()["quote"], json!("Lighter, really.\nInterviewer: Why?\nOlivia: Someone listened."));
    let out_of_range = call(
        &app,
        "POST",
        "/api/v1/statements",
        json!({"transcript": "T1", "version": version, "start": 3, "end": 9, "unit": "lines", "text": "x"}),
    )
    .await;
    assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", out_of_range.body);
    assert!(out_of_range.body.contains("line 9 is outside the transcript"), "{}", out_of_range.body);
    let not_a_number = call(
        &app,
        "POST",
        "/api/v1/notes",
        json!({"transcript": "T1", "version": version, "start": "two", "end": 3, "unit": "lines", "kind": "free", "text": "x"}),
    )
    .await;
    assert!(not_a_number.status.is_client_error(), "{}", not_a_number.body);
}

/// The annotated transcript downloads as Word and as print-ready HTML, blank or annotated.
#[tokio::test]
async fn the_annotated_transcript_downloads() {
    let app = app_with("Interviewer: How was it?\nOlivia: Lighter, really.\n").await;
    let version = get(&app, "/api/v1/transcripts/T1").await.json()["version"].as_str().unwrap().to_owned();
    let r = call(
        &app,
        "POST",
        "/api/v1/notes",
        json!({"transcript": "T1", "version": version, "start": 2, "end": 2, "unit": "lines", "kind": "linguistic", "text": "lightness as relief"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let html = get(&app, "/api/v1/transcripts/T1/annotated/html").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("lightness as relief") && html.body.contains("Lighter, really."));
    let blank = get(&app, "/api/v1/transcripts/T1/annotated/html?blank=true").await;
    assert!(!blank.body.contains("lightness as relief") && blank.body.contains("Lighter, really."));
    let docx = get(&app, "/api/v1/transcripts/T1/annotated/docx").await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx.body.starts_with("PK"), "a Word document is a zip");
    assert_eq!(get(&app, "/api/v1/transcripts/T1/annotated/pdf").await.status, StatusCode::NOT_FOUND);
}

/// Search answers through the API and the page with the same hits: KWIC with citation and link,
/// counts per participant, the speaker-role filter, and escaped text with the hit marked.
#[tokio::test]
async fn search_answers_on_the_api_and_the_page() {
    let text = "Interviewer: Did the group feel lighter?\nOlivia: I felt lighter after, <b>really</b> lighter.\n";
    let app = app_with(text).await;
    let r = get(&app, "/api/v1/search?q=lighter").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["total"], json!(3), "{v}");
    let hit = &v["hits"][0];
    assert_eq!(hit["participant"], json!("Olivia"));
    assert!(hit["citation"].as_str().unwrap().starts_with("(Olivia, p. 1, l. "), "{hit}");
    assert_eq!(hit["transcript"], json!("T1"), "{hit}");
    assert!(hit["global_line"].as_u64().is_some_and(|l| l > 0), "{hit}");
    let role = get(&app, "/api/v1/search?q=lighter&role=participant").await.json();
    assert_eq!(role["total"], json!(2), "only what the participant said: {role}");
    let page = get(&app, "/search?q=lighter").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<mark>lighter</mark>"), "the hit is marked");
    let kwic: Vec<&str> = page.body.lines().filter(|l| l.contains("really")).collect();
    assert!(!page.body.contains("<b>really</b>"), "transcript text is escaped: {kwic:?}");
    assert!(page.body.contains("&#60;b&#62;really") || page.body.contains("&lt;b&gt;really"), "{kwic:?}");
}

/// The words of one query found together in a passage are one hit with each word marked, on
/// the API (with each word's offsets) and on the page; counts say hits and passages.
#[tokio::test]
async fn words_of_one_query_in_one_passage_are_one_hit() {
    let text = "Interviewer: Did the group feel lighter?\nOlivia: I felt lighter after the group, really lighter.\n";
    let app = app_with(text).await;
    let v = get(&app, "/api/v1/search?q=group+lighter").await.json();
    // The question is one hit; the answer is two, since "lighter" comes again after "group".
    assert_eq!((v["total"].clone(), v["passages"].clone()), (json!(3), json!(2)), "{v}");
    let olivia = &v["per_participant"][0];
    assert_eq!((olivia["hits"].clone(), olivia["passages"].clone()), (json!(3), json!(2)), "{v}");
    let hits = v["hits"].as_array().unwrap();
    // The text is canonical already, so its offsets are the version's.
    let words = |h: &Value| -> Vec<String> {
        h["ranges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| text[r["start"].as_u64().unwrap() as usize..r["end"].as_u64().unwrap() as usize].to_owned())
            .collect()
    };
    assert_eq!(
        hits.iter().map(words).collect::<Vec<_>>(),
        vec![vec!["group", "lighter"], vec!["lighter", "group"], vec!["lighter"]]
    );
    assert_eq!(hits.iter().map(|h| h["passage"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 1, 1]);
    assert_eq!(hits[0]["match"], json!("group feel lighter"));
    assert_eq!(hits[0]["kwic"], json!("Interviewer: Did the group feel lighter?"));
    let page = get(&app, "/search?q=group+lighter").await;
    assert!(page.body.contains("3 hits in 2 passages"), "{}", page.body);
    assert!(page.body.contains("<mark>group</mark> feel <mark>lighter</mark>"), "both words marked in one hit");
    assert_eq!(page.body.matches("<li><p class=\"context\">").count(), 3);
    let one = get(&app, "/search?q=really").await;
    assert!(one.body.contains("1 hit in 1 passage<"), "singular: {}", one.body);
}

const IDENTIFYING: &str = "Interviewer: How was it?\n\
Olivia: I trained with Dr Pengelly at Tregothnan Surgery. \u{1F600} Write to olivia.roe@example.org or ring 07700 900123, she said.\n";

/// The queue item of kind `kind` whose text is `text`.
fn queue_item(queue: &Value, kind: &str, text: &str) -> Value {
    let items = queue["items"].as_array().unwrap();
    items
        .iter()
        .find(|i| i["kind"] == kind && i["text"] == text)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind} '{text}' in the queue: {}", serde_json::to_string_pretty(items).unwrap()))
}

async fn history_actions(app: &App) -> Vec<String> {
    let h = get(app, "/api/v1/history?limit=1000").await.json();
    h["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn pseudonymisation_through_the_api() {
    let app = app_with(IDENTIFYING).await;
    // The server chooses where the key store lives: beside the project file (t.idg → t.key).
    let key = app._dir.path().join("t.key");
    let key_path = key.display().to_string();
    let status = get(&app, "/api/v1/deid/status").await.json();
    assert_eq!((status["key_store"].as_bool(), status["unlocked"].is_null()), (Some(false), true));
    assert_eq!(status["location"].as_str(), Some(key_path.as_str()));

    // Refused input changes nothing: no key store is made. Issue #19: a path from the request
    // revealed whether files exist and made a file wherever the caller said.
    let elsewhere = app._dir.path().join("elsewhere.key");
    for path in [elsewhere.display().to_string(), "/etc/passwd".to_owned(), key_path.clone()] {
        let r = call(&app, "POST", "/api/v1/deid/unlock", json!({"path": path, "passphrase": "long enough"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["error"].as_str().unwrap().contains("chosen by the server"), "{}", r.body);
    }
    assert!(!elsewhere.exists());
    let r = call(&app, "POST", "/api/v1/deid/unlock", json!({"passphrase": "short"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("8 characters"), "{}", r.body);
    assert_eq!(call(&app, "POST", "/api/v1/deid/unlock", json!({})).await.status, StatusCode::BAD_REQUEST);
    assert!(!key.exists());
    assert_eq!(get(&app, "/api/v1/deid/status").await.json()["key_store"], false);
    assert_eq!(get(&app, "/api/v1/deid/known").await.status, StatusCode::CONFLICT, "locked");

    // Create it.
    let r = call(&app, "POST", "/api/v1/deid/unlock", json!({"passphrase": PASSPHRASE})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["key_store"].as_bool(), r.json()["unlocked"].as_str()), (Some(true), Some(key_path.as_str())));
    assert!(key.exists());

    // Known identifiers.
    let r = call(
        &app,
        "POST",
        "/api/v1/deid/known",
        json!({"real": "Pengelly", "replacement": "Dr Kemp", "kind": "trainer", "variants": ["Pengelley"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (body, status) in [
        (json!({"real": "Pengelly", "kind": "trainer"}), StatusCode::CONFLICT),
        (json!({"real": "Somebody", "kind": "wizard"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"real": "x"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"kind": "person"}), StatusCode::BAD_REQUEST),
    ] {
        let r = call(&app, "POST", "/api/v1/deid/known", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let known = get(&app, "/api/v1/deid/known").await.json();
    assert_eq!(
        known["known"],
        json!([{"real": "Pengelly", "replacement": "Dr Kemp", "kind": "trainer", "variants": ["Pengelley"]}])
    );

    // The queue, with offsets in bytes and in UTF-16 units (an emoji sits before the email).
    let t = get(&app, "/api/v1/transcripts/T1").await.json();
    let (text, version) = (t["text"].as_str().unwrap().to_owned(), t["version"].as_str().unwrap().to_owned());
    let queue = get(&app, "/api/v1/deid/queue").await.json();
    let trainer = queue_item(&queue, "trainer", "Pengelly");
    assert_eq!((trainer["status"].as_str(), trainer["replacement"].as_str()), (Some("known"), Some("Dr Kemp")));
    assert!(trainer["citation"].as_str().unwrap().starts_with("(Olivia, p. 1"), "{trainer}");
    let email = queue_item(&queue, "email", "olivia.roe@example.org");
    let (u16_start, u16_end) = utf16_range(&text, "olivia.roe@example.org");
    assert_eq!(
        (email["utf16_start"].as_u64(), email["utf16_end"].as_u64()),
        (Some(u16_start as u64), Some(u16_end as u64))
    );
    assert_eq!(email["start"].as_u64(), Some(text.find("olivia.roe").unwrap() as u64));
    assert_ne!(email["start"], email["utf16_start"], "the emoji makes bytes and UTF-16 units differ");
    assert_eq!(email["status"], "pending");
    assert!(email["before"].as_str().unwrap().ends_with("Write to "), "{email}");

    // Decide, in UTF-16 units as the page sends them.
    let decision = |verdict: &str, kind: &str, start: usize, end: usize, version: &str| {
        json!({"transcript": "T1", "version": version, "start": start, "end": end, "unit": "utf16",
               "kind": kind, "verdict": verdict, "replacement": "[Email address]"})
    };
    let before = history_actions(&app).await.len();
    for (body, status) in [
        (decision("maybe", "email", u16_start, u16_end, &version), StatusCode::UNPROCESSABLE_ENTITY),
        (decision("accept", "nonsense", u16_start, u16_end, &version), StatusCode::UNPROCESSABLE_ENTITY),
        (decision("accept", "email", u16_start, 9999, &version), StatusCode::UNPROCESSABLE_ENTITY),
        (decision("accept", "email", u16_start, u16_end, "old-version"), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"transcript": "T1", "verdict": "accept"}), StatusCode::BAD_REQUEST),
    ] {
        let r = call(&app, "POST", "/api/v1/deid/decisions", body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(history_actions(&app).await.len(), before, "refused decisions change nothing");
    let r =
        call(&app, "POST", "/api/v1/deid/decisions", decision("accept", "email", u16_start, u16_end, &version)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let email = queue_item(&get(&app, "/api/v1/deid/queue").await.json(), "email", "olivia.roe@example.org");
    assert_eq!((email["status"].as_str(), email["replacement"].as_str()), (Some("accepted"), Some("[Email address]")));

    // Bulk by kind, and "always replace".
    let r = call(&app, "POST", "/api/v1/deid/bulk", json!({"kind": "phone", "verdict": "accept"})).await;
    assert_eq!((r.status, r.json()["decided"].as_u64()), (StatusCode::OK, Some(1)), "{}", r.body);
    let r = call(&app, "POST", "/api/v1/deid/bulk", json!({"kind": "phone", "verdict": "perhaps"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        queue_item(&get(&app, "/api/v1/deid/queue").await.json(), "phone", "07700 900123")["status"],
        "accepted"
    );
    let (s, e) = utf16_range(&text, "Tregothnan Surgery");
    let r = call(
        &app,
        "POST",
        "/api/v1/deid/always",
        json!({"transcript": "T1", "version": version, "start": s, "end": e, "unit": "utf16", "kind": "practice", "replacement": "[Practice]"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let known = get(&app, "/api/v1/deid/known").await.json();
    assert!(known["known"].as_array().unwrap().iter().any(|k| k["real"] == "Tregothnan Surgery"), "{known}");

    // Apply: bad scopes are refused; then the known and accepted ones are replaced.
    for body in [json!({"scope": "everything"}), json!({"scope": "kinds"}), json!({"scope": "all", "kinds": ["email"]})]
    {
        let r = call(&app, "POST", "/api/v1/deid/apply", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    let r = call(&app, "POST", "/api/v1/deid/apply", json!({"scope": "accepted"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done = &r.json()["pseudonymised"][0];
    assert_eq!((done["transcript"].as_str(), done["version"].as_u64()), (Some("T1"), Some(2)), "{done}");
    let after = get(&app, "/api/v1/transcripts/T1").await.json()["text"].as_str().unwrap().to_owned();
    for gone in ["Pengelly", "Tregothnan", "olivia.roe@example.org", "07700 900123"] {
        assert!(!after.contains(gone), "{gone} is still in {after}");
    }
    assert!(after.contains("Dr Kemp") && after.contains("[Email address]") && after.contains("[Practice]"), "{after}");

    // The log, as JSON and CSV, names categories and counts only.
    let log = get(&app, "/api/v1/deid/log").await.json();
    let lines = log["log"].as_array().unwrap();
    assert!(lines.iter().all(|l| l["transcript"] == "T1" && l["version"] == 2), "{log}");
    assert_eq!(lines.iter().map(|l| l["count"].as_u64().unwrap()).sum::<u64>(), 4, "{log}");
    let csv = get(&app, "/api/v1/deid/log.csv").await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.body.starts_with("transcript,participant,version,category,count,at\nT1,Olivia,2,"), "{}", csv.body);
    assert!(!csv.body.contains("Pengelly"));

    // The page shows the log and the key store.
    let page = get(&app, "/deid").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("De-identification log") && page.body.contains(&key_path), "{}", page.body);

    // An export naming a known identifier is refused with the places, then allowed explicitly.
    let r = call(&app, "POST", "/api/v1/journal", json!({"text": "Pengelly reminds me of my own trainer."})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let refused = get(&app, "/api/v1/reports/md").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let message = refused.json()["error"].as_str().unwrap().to_owned();
    assert!(message.contains("'Pengelly' (line "), "{message}");
    assert!(!history_actions(&app).await.contains(&"export despite leaks".to_owned()));
    // The override is recorded, so it is a POST from our own pages, never a GET.
    let allowed = call(&app, "POST", "/api/v1/reports/md", json!({})).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.body.contains("Pengelly reminds me"));
    assert_eq!(history_actions(&app).await[0], "export despite leaks");

    // Locked again: known identifiers are out of reach, and the page offers to unlock.
    let r = call(&app, "POST", "/api/v1/deid/lock", json!({})).await;
    assert_eq!((r.status, r.json()["unlocked"].is_null()), (StatusCode::OK, true));
    assert_eq!(get(&app, "/api/v1/deid/known").await.status, StatusCode::CONFLICT);
    assert!(get(&app, "/deid").await.body.contains("Unlock the key store"));
    let r = call(&app, "DELETE", "/api/v1/deid/known", json!({"real": "Pengelly"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = call(&app, "POST", "/api/v1/deid/unlock", json!({"passphrase": "wrong passphrase"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"].as_str().unwrap().contains("wrong passphrase"));
    call(&app, "POST", "/api/v1/deid/unlock", json!({"passphrase": PASSPHRASE})).await;
    let r = call(&app, "DELETE", "/api/v1/deid/known", json!({"real": "Pengelly"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        call(&app, "DELETE", "/api/v1/deid/known", json!({"real": "Pengelly"})).await.status,
        StatusCode::NOT_FOUND
    );
    let r = call(&app, "PUT", "/api/v1/deid/originals", json!({"policy": "shred"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(&app, "PUT", "/api/v1/deid/originals", json!({"policy": "discard"})).await;
    assert_eq!(r.json()["originals"], "discard");
}

const PASSPHRASE: &str = "correct horse battery staple";
/// A PATCH or DELETE that names the revision the client last read.
async fn call_if_match(app: &App, method: &str, path: &str, revision: &str, body: Value) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::IF_MATCH, format!("\"{revision}\""))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_the_current_state_and_overwrites_nothing() {
    let app = app_with(SIMPLE).await;
    let th = call(&app, "POST", "/api/v1/themes", json!({"title": "Hardship", "case": "P1"})).await.json();
    // Two analysts open the same theme and both hold its revision.
    let seen = th["revision"].as_str().unwrap().to_owned();
    let first =
        call_if_match(&app, "PATCH", "/api/v1/themes/TH1", &seen, json!({"title": "Early hardship", "note": ""})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_ne!(first.json()["revision"], seen, "a change gives a new revision");
    let second = call_if_match(&app, "PATCH", "/api/v1/themes/TH1", &seen, json!({"title": "Struggle"})).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    let body = second.json();
    assert!(body["error"].as_str().unwrap().contains("theme TH1 was changed by someone else"), "{body}");
    assert_eq!(body["current"]["title"], "Early hardship", "the fresh state comes with the refusal");
    assert_eq!(body["current"]["revision"], first.json()["revision"]);
    assert_eq!(get(&app, "/api/v1/themes/TH1").await.json()["title"], "Early hardship", "nothing overwritten");
    // A stale delete is refused the same way; with the fresh revision both go through.
    let r = call_if_match(&app, "DELETE", "/api/v1/themes/TH1", &seen, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let fresh = body["current"]["revision"].as_str().unwrap();
    let r = call_if_match(&app, "PATCH", "/api/v1/themes/TH1", fresh, json!({"title": "Struggle"})).await;
    assert_eq!(r.json()["title"], "Struggle");
    let history = get(&app, "/api/v1/history").await.json();
    let edits = history["events"].as_array().unwrap().iter().filter(|e| e["action"] == "edit theme").count();
    assert_eq!(edits, 2, "the refused edit left no trace in the audit log");

    // Notes, statements and journal entries carry revisions too.
    let v = get(&app, "/api/v1/transcripts/T1").await.json()["version"].as_str().unwrap().to_owned();
    let note = call(
        &app,
        "POST",
        "/api/v1/notes",
        json!({"transcript": "T1", "version": v, "start": 33, "end": 51, "kind": "descriptive", "text": "Hard"}),
    )
    .await
    .json();
    let old = note["revision"].as_str().unwrap();
    assert_eq!(
        call_if_match(&app, "PATCH", "/api/v1/notes/N1", old, json!({"text": "A"})).await.status,
        StatusCode::OK
    );
    let r = call_if_match(&app, "PATCH", "/api/v1/notes/N1", old, json!({"text": "B"})).await;
    assert_eq!((r.status, r.json()["current"]["text"].clone()), (StatusCode::CONFLICT, json!("A")));
    let r = call_if_match(&app, "DELETE", "/api/v1/notes/N1", old, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let j = call(&app, "POST", "/api/v1/journal", json!({"text": "Expected hardship"})).await.json();
    let old = j["revision"].as_str().unwrap();
    assert_eq!(
        call_if_match(&app, "PATCH", "/api/v1/journal/J1", old, json!({"text": "X"})).await.status,
        StatusCode::OK
    );
    let r = call_if_match(&app, "PATCH", "/api/v1/journal/J1", old, json!({"text": "Y"})).await;
    assert_eq!((r.status, r.json()["current"]["text"].clone()), (StatusCode::CONFLICT, json!("X")));
    let study = get(&app, "/api/v1/study").await.json();
    let old = study["revision"].as_str().unwrap();
    assert_eq!(call_if_match(&app, "PATCH", "/api/v1/study", old, json!({"title": "T2"})).await.status, StatusCode::OK);
    let r = call_if_match(&app, "PATCH", "/api/v1/study", old, json!({"title": "T3"})).await;
    assert_eq!((r.status, r.json()["current"]["title"].clone()), (StatusCode::CONFLICT, json!("T2")));
}

/// Reads server-sent events from `body` until one whose text contains `needle`; gives up (and
/// fails) after a generous bound instead of hanging.
async fn event_containing(stream: &mut axum::body::BodyDataStream, needle: &str) -> String {
    use futures_util::StreamExt;
    let mut seen = String::new();
    let wait = async {
        while let Some(chunk) = stream.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if let Some(event) = seen.split("\n\n").find(|e| e.contains(needle)) {
                return Some(event.to_owned());
            }
        }
        None
    };
    match tokio::time::timeout(std::time::Duration::from_secs(30), wait).await {
        Ok(Some(event)) => event,
        _ => panic!("no event containing {needle:?}"),
    }
}

#[tokio::test]
async fn each_committed_command_is_sent_to_live_pages() {
    let app = app_with(SIMPLE).await;
    let res = app
        .router
        .clone()
        .oneshot(Request::get("/api/v1/events").header(header::HOST, ADDR).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut events = res.into_body().into_data_stream();
    call(&app, "POST", "/api/v1/themes", json!({"title": "Hardship", "case": "P1"})).await;
    let event = event_containing(&mut events, "add theme").await;
    assert!(event.starts_with("event: change"), "{event}");
    let data: Value = serde_json::from_str(event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap()).unwrap();
    assert_eq!((data["author"].as_str(), data["objects"][0]["kind"].as_str()), (Some("tester"), Some("theme")));
    assert!(data["summary"].as_str().unwrap().contains("TH1"), "{data}");
    // Undo is a command too, and names the objects it restored.
    call(&app, "POST", "/api/v1/undo", json!({})).await;
    let event = event_containing(&mut events, "\"action\":\"undo\"").await;
    assert!(event.contains("\"kind\":\"theme\""), "{event}");
}

/// The seq of the newest change a page shows (`data-live-from`), read from its HTML.
fn live_from(html: &str) -> i64 {
    let at = html.find("data-live-from=\"").expect("a live page names where it resumes") + "data-live-from=\"".len();
    html[at..].split('"').next().unwrap().parse().unwrap()
}

/// A change made after a page was read but before it listened, or while its stream was down,
/// still reaches it: the stream replays from `?after=` (the page) or `Last-Event-ID` (a
/// reconnecting browser), and nothing twice.
#[tokio::test]
async fn a_live_page_hears_what_changed_before_it_listened() {
    let app = app_with(SIMPLE).await;
    let page = get(&app, "/transcripts/T1").await;
    let from = live_from(&page.body);
    call(&app, "POST", "/api/v1/themes", json!({"title": "Before listening", "case": "P1"})).await;
    let open = |query: String, last_event: Option<i64>| {
        let mut req = Request::get(format!("/api/v1/events{query}")).header(header::HOST, ADDR);
        if let Some(id) = last_event {
            req = req.header("last-event-id", id.to_string());
        }
        app.router.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    let mut events = open(format!("?after={from}"), None).await.unwrap().into_body().into_data_stream();
    let first = event_containing(&mut events, "event: change").await;
    assert!(first.contains("\"action\":\"add theme\""), "{first}");
    let replayed: i64 = first.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().parse().unwrap();
    assert_eq!(replayed, from + 1, "the first change after the page, first");
    call(&app, "POST", "/api/v1/themes", json!({"title": "While listening", "case": "P1"})).await;
    let next = event_containing(&mut events, "event: change").await;
    assert!(next.contains(&format!("id: {}", from + 2)), "then the live one, once: {next}");

    // A browser reconnecting after event `from + 1` (its page said `from`) hears only the later one.
    let mut again = open(format!("?after={from}"), Some(from + 1)).await.unwrap().into_body().into_data_stream();
    let resumed = event_containing(&mut again, "event: change").await;
    assert!(resumed.contains(&format!("id: {}", from + 2)), "{resumed}");
    let get_page = get(&app, "/group").await;
    assert_eq!(live_from(&get_page.body), from + 2, "the group board names the newest change too");
}

#[tokio::test]
async fn the_notes_of_each_analyst_can_be_shown_or_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let wb = Workbench::create(&dir.path().join("t.idg"), "Test study", Terminology::Smith2022, "ann").await.unwrap();
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    wb.import_files("P1", vec![("olivia.txt".into(), SIMPLE.as_bytes().to_vec())], &Default::default()).await.unwrap();
    let (_, v) = wb.transcript("T1").await.unwrap();
    let target = idiograph_app::Target::from_bytes(&v, 33, 51).unwrap();
    let kind = idiograph_model::NoteKind::Descriptive;
    wb.add_note(&target, kind, "Ann's reading").await.unwrap();
    wb.with_author("ben").add_note(&target, kind, "Ben's reading").await.unwrap();
    wb.with_author("cas").add_note(&target, kind, "Cas's reading").await.unwrap();
    let app = App { router: idiograph_web::router(wb, ADDR.parse().unwrap()), _dir: dir };
    let texts = |v: Value| -> Vec<String> {
        v["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap().to_owned()).collect()
    };
    let all = get(&app, "/api/v1/notes?transcript=T1").await.json();
    assert_eq!(all["authors"], json!(["ann", "ben", "cas"]));
    assert_eq!(texts(all).len(), 3);
    let two = get(&app, "/api/v1/notes?transcript=T1&author=ann&author=cas").await.json();
    assert_eq!(texts(two), ["Ann's reading", "Cas's reading"]);
    assert_eq!(texts(get(&app, "/api/v1/notes?transcript=T1&author=ben").await.json()), ["Ben's reading"]);
    assert_eq!(texts(get(&app, "/api/v1/notes?author=nobody").await.json()).len(), 0);
    assert_eq!(get(&app, "/api/v1/notes?transcript=T9").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/api/v1/notes?writer=ann").await.status, StatusCode::BAD_REQUEST);
    // The transcript view offers a checkbox per analyst.
    let page = get(&app, "/transcripts/T1").await.body;
    for who in ["ann", "ben", "cas"] {
        assert!(page.contains(&format!("data-author-filter=\"{who}\"")), "no filter for {who}");
    }
}

/// The parts of the transcript page a change touched, and a statement developed from notes
/// alone, at the edge: what a good request gets, and a clear refusal that changes nothing for
/// a bad one (issue #15).
#[tokio::test]
async fn the_transcript_page_parts_and_statements_from_notes() {
    let app = app_with(SIMPLE).await;
    let t = get(&app, "/api/v1/transcripts/T1").await.json();
    let version = t["version"].as_str().unwrap();
    let at = |words: &str| SIMPLE.find(words).unwrap();
    for (words, text) in [("hard at first", "Hardship named"), ("it got easier", "Relief")] {
        let body = json!({"transcript": "T1", "version": version, "start": at(words), "end": at(words) + words.len(),
                          "kind": "descriptive", "text": text});
        assert_eq!(call(&app, "POST", "/api/v1/notes", body).await.status, StatusCode::CREATED);
    }

    // Lines and cards, rendered as the page renders them.
    let parts = get(&app, "/transcripts/T1/parts?lines=2-2&cards=N1,N7").await;
    assert_eq!(parts.status, StatusCode::OK, "{}", parts.body);
    let parts = parts.json();
    assert_eq!(parts["version"], version);
    assert_eq!(parts["lines"].as_array().unwrap().len(), 1);
    assert!(parts["lines"][0]["html"].as_str().unwrap().contains(r#"id="L2""#));
    assert_eq!(parts["cards"][0]["id"], "N1");
    assert!(parts["cards"][0]["html"].as_str().unwrap().contains("Hardship named"));
    assert_eq!(parts["gone"], json!(["N7"]), "a card asked for that does not exist is said to be gone");
    let chunk = get(&app, "/transcripts/T1/parts?from=1&to=2").await.json();
    assert!(chunk["html"].as_str().unwrap().contains(r#"id="L1""#));
    assert_eq!(chunk["cards"].as_array().unwrap().len(), 2, "both notes start on line 2");

    // Bad requests are refused with what is wrong.
    for (path, status, says) in [
        ("/transcripts/T1/parts?lines=5-2", StatusCode::BAD_REQUEST, "ends before it starts"),
        ("/transcripts/T1/parts?lines=two", StatusCode::BAD_REQUEST, "is not a line"),
        ("/transcripts/T1/parts?from=0&to=3", StatusCode::BAD_REQUEST, "not a chunk"),
        ("/transcripts/T1/parts?from=90&to=99", StatusCode::BAD_REQUEST, "not a chunk"),
        ("/transcripts/T9/parts?lines=1", StatusCode::NOT_FOUND, "T9"),
    ] {
        let r = get(&app, path).await;
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.body.contains(says), "{path}: {}", r.body);
    }

    // A statement from the two notes alone: grounded in their passages.
    let made = call(&app, "POST", "/api/v1/statements", json!({"text": "Easing", "from_notes": ["N1", "N2"]})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = made.json();
    let quotes: Vec<&str> = made["anchors"].as_array().unwrap().iter().map(|a| a["quote"].as_str().unwrap()).collect();
    assert_eq!(quotes, ["hard at first", "it got easier"]);
    let card = get(&app, "/transcripts/T1/parts?cards=S1").await.json();
    assert!(card["cards"][0]["html"].as_str().unwrap().contains(r#"data-goto="N2""#), "the card names its notes");

    // Neither a passage nor notes, or a note that does not exist: refused, nothing stored.
    let before = get(&app, "/api/v1/statements").await.json();
    let none = call(&app, "POST", "/api/v1/statements", json!({"text": "Nothing to stand on"})).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", none.body);
    assert!(none.json()["error"].as_str().unwrap().contains("from_notes"), "{}", none.body);
    let missing = call(&app, "POST", "/api/v1/statements", json!({"text": "Ghost", "from_notes": ["N99"]})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    assert!(missing.body.contains("N99"), "{}", missing.body);
    assert_eq!(get(&app, "/api/v1/statements").await.json(), before, "nothing stored");
}

/// A REFI-QDA codebook posted as the body.
fn codebook_request(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/xml")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// A form posted as a page posts it: `multipart/form-data` with the boundary `B`.
fn multipart_request(path: &str, form: String) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, ADDR)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=B")
        .body(Body::from(form))
        .unwrap()
}

#[tokio::test]
async fn a_codebook_posted_to_the_api_becomes_themes_and_a_bad_one_is_refused() {
    let app = app_with(SIMPLE).await;
    let qdc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\
        <Code guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000001\" name=\"Belonging\" isCodable=\"true\">\
        <Description>Feeling part of the group.</Description>\
        <Code guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000002\" name=\"Being heard\" isCodable=\"true\"/></Code>\
        </Codes></CodeBook>";
    let r = send(&app, codebook_request("/api/v1/codebook?name=mine.qdc&case=Olivia", qdc)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["themes"],
        json!([{"id": "TH1", "title": "Belonging", "depth": 0}, {"id": "TH2", "title": "Being heard", "depth": 1}])
    );
    let th1 = get(&app, "/api/v1/themes/TH1").await.json();
    assert_eq!((&th1["scope"], &th1["participant"]), (&json!("case"), &json!("P1")), "{th1}");
    assert_eq!(th1["description"], "Feeling part of the group.");
    // As group themes: no clash with Olivia's PETs; again, every code clashes and nothing is made.
    let r = send(&app, codebook_request("/api/v1/codebook", qdc)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send(&app, codebook_request("/api/v1/codebook", qdc)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("codebook.qdc") && r.body.contains("already a theme"), "{}", r.body);
    let r = send(&app, codebook_request("/api/v1/codebook?name=notes.txt", "Belonging\n  Being heard\n")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("notes.txt"), "{}", r.body);
    // The group board's form sends the file and the case as multipart/form-data.
    assert!(get(&app, "/group").await.body.contains("data-codebook=\"/api/v1/codebook\""), "the board's form");
    let form = format!(
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"board.qdc\"\r\n\
         Content-Type: application/xml\r\n\r\n{qdc}\r\n--B\r\nContent-Disposition: form-data; name=\"case\"\r\n\r\nP2\r\n--B--\r\n"
    );
    let r = send(&app, multipart_request("/api/v1/codebook", form)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tom = get(&app, "/api/v1/themes").await.json();
    assert_eq!(tom["cases"][1]["pets"][0]["title"], "Belonging", "{tom}");
    assert_eq!(tom["gets"].as_array().unwrap().len(), 1);
}

/// A REFI-QDA project of one case, "Olivia", with an interview of its own.
fn project_qde(text: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Theirs\" \
         origin=\"OtherTool 1.0\"><CodeBook><Codes><Code guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000001\" \
         name=\"Relief\" isCodable=\"true\"/></Codes></CodeBook><Cases><Case guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000002\" \
         name=\"Olivia\"><SourceRef targetGUID=\"6F0E3D3C-3C4A-4C0B-9D11-000000000003\"/></Case></Cases><Sources>\
         <TextSource guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000003\" name=\"second.txt\"><PlainTextContent>{text}</PlainTextContent>\
         <PlainTextSelection guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000004\" startPosition=\"0\" endPosition=\"11\">\
         <Coding guid=\"6F0E3D3C-3C4A-4C0B-9D11-000000000005\"><CodeRef targetGUID=\"6F0E3D3C-3C4A-4C0B-9D11-000000000001\"/>\
         </Coding></PlainTextSelection></TextSource></Sources></Project>"
    )
}

#[tokio::test]
async fn a_project_merged_through_the_api_is_reported_and_a_bad_one_is_refused() {
    let app = app_with(SIMPLE).await;
    let text = "Interviewer: And now?\nOlivia: Much lighter.\n";
    let r = send(&app, codebook_request("/api/v1/merge?name=theirs.qde", &project_qde(text))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let report = r.json();
    assert_eq!(report["file"], "theirs.qde");
    assert_eq!(report["added"], json!({"participants": 1, "transcripts": 1, "themes": 1, "extracts": 1}), "{report}");
    assert_eq!(
        report["participants"],
        json!([{"id": "P3", "pseudonym": "Olivia (2)", "case": "Olivia", "name_taken_by": "P1"}])
    );
    assert_eq!(report["transcripts"], json!([{"id": "T2", "title": "second.txt", "participant": "P3"}]));
    assert_eq!(get(&app, "/api/v1/extracts").await.json()["extracts"].as_array().map(Vec::len), Some(1));
    // The same file again: its text is T2's now, its code a theme, its coding an extract.
    let r = send(&app, codebook_request("/api/v1/merge?name=theirs.qde", &project_qde(text))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("theirs.qde: nothing to merge"), "{}", r.body);
    let before = get(&app, "/api/v1/participants").await.json();
    let r = send(&app, codebook_request("/api/v1/merge?name=junk.qdpx", "not a zip")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("junk.qdpx"), "{}", r.body);
    assert_eq!(get(&app, "/api/v1/participants").await.json(), before, "a refused file changes nothing");
    // The study page's form sends the file as multipart/form-data.
    assert!(get(&app, "/").await.body.contains("data-merge=\"/api/v1/merge\""), "the study page's form");
    let form = format!(
        "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"third.qde\"\r\n\
         Content-Type: application/xml\r\n\r\n{}\r\n--B--\r\n",
        project_qde("Interviewer: Later?\nOlivia: Settled.\n")
    );
    let r = send(&app, multipart_request("/api/v1/merge", form)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let report = r.json();
    assert_eq!((&report["file"], &report["participants"][0]["pseudonym"]), (&json!("third.qde"), &json!("Olivia (3)")));
    assert_eq!(report["clashes"], json!([{"code": "Relief", "theme": "TH1"}]), "{report}");
}
