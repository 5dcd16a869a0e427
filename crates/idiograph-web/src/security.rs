//! Request checks and response headers that protect a local server from other web sites.
//!
//! A server on 127.0.0.1 is reachable from any page the researcher opens in the same browser:
//! a hostile page can rebind its own host name to 127.0.0.1 (DNS rebinding) or post a form to
//! us (CSRF). So every request must name our host, every mutating request must come from our
//! own origin, and every response forbids inline script and framing.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The Content-Security-Policy of every response: only our own scripts, styles and requests.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The host names (with port) under which this server may be addressed.
fn allowed_hosts(state: &AppState) -> [String; 2] {
    [state.bound.to_string(), format!("localhost:{}", state.bound.port())]
}

fn host_of(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .map(|h| h.to_ascii_lowercase())
}

/// Whether a mutating request comes from one of our own pages.
fn same_origin(headers: &HeaderMap, hosts: &[String]) -> bool {
    // A form posted from a page with `Referrer-Policy: no-referrer` (ours) carries `Origin: null`;
    // then the browser's own `Sec-Fetch-Site`, which no page can set, decides.
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).filter(|o| *o != "null");
    if let Some(origin) = origin {
        return hosts.iter().any(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")));
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("same-origin"))
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Checks Host (against DNS rebinding) and, for mutating methods, Origin or `Sec-Fetch-Site`
/// (against CSRF); adds the security headers to whatever the handler answers.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let hosts = allowed_hosts(&state);
    let mut response = match host_of(&req) {
        Some(h) if hosts.contains(&h) => {
            let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            if safe || same_origin(req.headers(), &hosts) {
                next.run(req).await
            } else {
                refuse(StatusCode::FORBIDDEN, "cross-origin request refused: send it from the workbench's own origin")
            }
        }
        _ => refuse(StatusCode::MISDIRECTED_REQUEST, "this server only answers to its own address"),
    };
    let h = response.headers_mut();
    // A handler may set a stricter policy of its own (the downloadable HTML report does).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    response
}
