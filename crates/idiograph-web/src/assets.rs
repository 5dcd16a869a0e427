//! Static assets embedded in the binary and served under `/static/` with ETags, so the
//! workbench needs no files beside the binary and no network.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Every asset: name under `/static/`, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../static/app.css")),
    ("js/common.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/common.js")),
    ("js/transcript.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/transcript.js")),
    ("js/board.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/board.js")),
    ("js/deid.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/deid.js")),
    ("js/exports.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/exports.js")),
    ("js/guide.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/guide.js")),
    ("js/listen.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/listen.js")),
    ("js/live.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/live.js")),
    ("js/members.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/members.js")),
    ("js/participants.js", "text/javascript; charset=utf-8", include_bytes!("../static/js/participants.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../static/favicon.svg")),
];

/// The OpenAPI document of `/api/v1`, written by hand.
pub(crate) const OPENAPI: &str = include_str!("../openapi.json");

/// A strong validator for `bytes`: FNV-1a, stable across runs and builds of the same bytes.
fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016x}-{}\"", bytes.len())
}

/// Serves one embedded asset; answers 304 when the browser already has this version.
pub(crate) async fn serve_asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    // Debug builds read the file from the source tree when it is there, so editing CSS or
    // JavaScript needs no rebuild; release builds serve only the embedded bytes.
    #[cfg(debug_assertions)]
    let disk = std::fs::read(format!("{}/static/{name}", env!("CARGO_MANIFEST_DIR"))).ok();
    #[cfg(debug_assertions)]
    let bytes: &[u8] = disk.as_deref().unwrap_or(bytes);
    let tag = etag(bytes);
    let cache = [
        (header::ETAG, HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""))),
        // Revalidate every time: the URLs are not versioned, and a 304 costs next to nothing locally.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == tag);
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], bytes.to_vec()).into_response()
}
