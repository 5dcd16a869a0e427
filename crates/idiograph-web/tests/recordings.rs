//! A transcript's recording through `/api/v1` (issue #16): uploaded, listed in the transcript's
//! view, served with HTTP range requests exactly (first bytes, middle, suffix, open-ended, 416
//! past the end, `If-Range`, 304), its line times for the player, and removed; on a project file
//! and on a server.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use idiograph_app::Workbench;
use idiograph_model::{SyncPoint, Terminology};
use idiograph_testkit::{on_both_backends, Backend, DropSchema};
use idiograph_text::TextSize;
use tower::ServiceExt;

const ADDR: &str = "127.0.0.1:4321";
const ORIGIN: &str = "http://127.0.0.1:4321";
const INTERVIEW: &str =
    "Interviewer: How was it?\n\nOlivia: It was hard at first.\n\n[00:01:05] Interviewer: And later?\n";

on_both_backends!(async fn a_recording_is_served_with_range_requests_exactly);

/// A reply with its body as bytes.
struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn send(router: &Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
    Reply { status, headers, body }
}

async fn get(router: &Router, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::get(path).header(header::HOST, ADDR);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    send(router, req.body(Body::empty()).unwrap()).await
}

fn text(reply: &Reply) -> serde_json::Value {
    serde_json::from_slice(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&reply.body)))
}

/// A WAV of 3.5 pieces whose samples are bytes no text holds (noise the probe can read).
fn media() -> Vec<u8> {
    idiograph_testkit::wav(
        &(0..3 * idiograph_app::MEDIA_CHUNK_BYTES + 500_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect::<Vec<u8>>(),
    )
}

async fn a_recording_is_served_with_range_requests_exactly(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, _schema) = match &backend {
        Backend::File => {
            let path = dir.path().join("t.idg");
            (Workbench::create(&path, "Study", Terminology::Smith2022, "ana").await.unwrap(), None)
        }
        Backend::Server(url) => {
            let (wb, id) = Workbench::create_on_server(url, "Study", Terminology::Smith2022, "ana").await.unwrap();
            (wb, Some(DropSchema::new(url, &id)))
        }
    };
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    wb.import_files("P1", vec![("olivia.txt".into(), INTERVIEW.as_bytes().to_vec())], &Default::default())
        .await
        .unwrap();
    let router = idiograph_web::router(wb.clone(), ADDR.parse::<SocketAddr>().unwrap());
    let path = "/api/v1/transcripts/T1/recording";

    // Nothing attached yet: 404 naming the transcript; the view says so too.
    let none = get(&router, path, &[]).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert_eq!(text(&none)["error"], "T1 has no recording");
    assert!(text(&get(&router, "/api/v1/transcripts/T1", &[]).await)["recording"].is_null());
    // Turn timestamps give the line times before any sync points exist.
    let times = text(&get(&router, "/api/v1/transcripts/T1/sync-points", &[]).await);
    assert_eq!(times["from"], "turn timestamps");
    assert_eq!(times["lines"], serde_json::json!([{"line": 5, "time_ms": 65_000}]));

    // Upload (raw body, as a script sends it).
    let bytes = media();
    let upload = |name: &str, body: Vec<u8>| {
        Request::post(format!("{path}?name={name}"))
            .header(header::HOST, ADDR)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap()
    };
    let refused = send(&router, upload("slides.pptx", b"PK".to_vec())).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused)["error"].as_str().unwrap().contains("slides.pptx is not a recording"));
    let noise = send(&router, upload("noise.mp3", bytes[44..].to_vec())).await;
    assert_eq!(noise.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&noise)["error"].as_str().unwrap().contains("noise.mp3 is not an audio or video file"));
    let made = send(&router, upload("olivia.wav", bytes.clone())).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&made.body));
    let view = text(&made);
    assert_eq!((view["id"].as_str(), view["transcript"].as_str()), (Some("R1"), Some("T1")));
    assert_eq!(view["byte_length"], bytes.len());
    let etag = format!("\"{}\"", view["sha256"].as_str().unwrap());
    assert_eq!(text(&get(&router, "/api/v1/transcripts/T1", &[]).await)["recording"]["id"], "R1");
    assert_eq!(text(&get(&router, "/api/v1/recordings", &[]).await)["recordings"][0]["file_name"], "olivia.wav");

    // The whole recording without Range.
    let len = bytes.len();
    let whole = get(&router, path, &[]).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.headers[header::CONTENT_TYPE], "audio/wav");
    assert_eq!(whole.headers[header::ACCEPT_RANGES], "bytes");
    assert_eq!(whole.headers[header::ETAG].to_str().unwrap(), etag);
    assert_eq!(whole.headers[header::CONTENT_LENGTH], len.to_string().as_str());
    assert!(whole.body == bytes, "200 carries every byte");

    // Ranges: first bytes, the middle across pieces, a suffix, open-ended.
    let piece = idiograph_app::MEDIA_CHUNK_BYTES;
    let cases = [
        ("bytes=0-499".to_owned(), 0..500),
        (format!("bytes={}-{}", piece - 100, 2 * piece + 99), piece - 100..2 * piece + 100),
        ("bytes=-500".to_owned(), len - 500..len),
        (format!("bytes={}-", len - 1234), len - 1234..len),
        ("bytes=5000-5000".to_owned(), 5000..5001),
        (format!("bytes=0-{}", len + 1000), 0..len),
        // Several ranges: the first satisfiable one alone.
        (format!("bytes={}-, 100-199", len + 5), 100..200),
    ];
    for (range, expected) in cases {
        let r = get(&router, path, &[("range", &range)]).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{range}");
        let content_range = format!("bytes {}-{}/{len}", expected.start, expected.end - 1);
        assert_eq!(r.headers[header::CONTENT_RANGE].to_str().unwrap(), content_range, "{range}");
        assert_eq!(r.headers[header::CONTENT_LENGTH], expected.len().to_string().as_str(), "{range}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "audio/wav");
        assert!(r.body == bytes[expected.clone()], "{range}: exactly bytes {expected:?}");
    }

    // Past the end: 416 with the length.
    for range in [format!("bytes={len}-"), format!("bytes={}-{}", len + 10, len + 20), "bytes=-0".to_owned()] {
        let r = get(&router, path, &[("range", &range)]).await;
        assert_eq!(r.status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(r.headers[header::CONTENT_RANGE].to_str().unwrap(), format!("bytes */{len}"));
    }
    // A Range that is not a byte range set is ignored.
    assert_eq!(get(&router, path, &[("range", "lines=1-2")]).await.status, StatusCode::OK);
    // If-Range: the current ETag honours the range, another gets the whole recording.
    let same = get(&router, path, &[("range", "bytes=10-19"), ("if-range", &etag)]).await;
    assert_eq!((same.status, same.body.len()), (StatusCode::PARTIAL_CONTENT, 10));
    let other = get(&router, path, &[("range", "bytes=10-19"), ("if-range", "\"an-older-recording\"")]).await;
    assert_eq!((other.status, other.body.len()), (StatusCode::OK, len));
    let cached = get(&router, path, &[("if-none-match", &etag)]).await;
    assert_eq!((cached.status, cached.body.len()), (StatusCode::NOT_MODIFIED, 0));

    // Sync points set by the application are the player's line times.
    wb.set_sync_points("T1", vec![SyncPoint { position: TextSize::new(0), time_ms: 0 }]).await.unwrap();
    let times = text(&get(&router, "/api/v1/transcripts/T1/sync-points", &[]).await);
    assert_eq!(times["from"], "sync points");
    assert_eq!(times["lines"], serde_json::json!([{"line": 1, "time_ms": 0}]));

    // Removed: 404 again.
    let removed = send(
        &router,
        Request::delete(path).header(header::HOST, ADDR).header(header::ORIGIN, ORIGIN).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(text(&removed)["deleted"], "R1");
    assert_eq!(get(&router, path, &[]).await.status, StatusCode::NOT_FOUND);
    wb.close().await;
}
