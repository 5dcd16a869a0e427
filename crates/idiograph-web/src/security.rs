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

use std::net::SocketAddr;

use crate::AppState;

/// The Content-Security-Policy of every response: only our own scripts, styles, requests and
/// media (a transcript's recording).
pub(crate) const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The address browsers use to reach a team server through a reverse proxy or load balancer
/// (`serve --team --public-url https://qda.example.org`): requests may then name its host, and
/// writes may come from its origin, besides the loopback address the server is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    https: bool,
    /// Host and port if any, lowercase, as browsers send it in `Host` and `Origin`.
    authority: String,
}

impl PublicOrigin {
    /// Parses `https://host[:port]` or `http://host[:port]` (a trailing `/` at most); the
    /// error says what is wrong with `url`.
    pub fn parse(url: &str) -> Result<PublicOrigin, String> {
        let bad = |why: &str| format!("public URL '{url}': {why} (expected e.g. https://qda.example.org)");
        let uri: axum::http::Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(bad("it must start with https:// or http://")),
        };
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("it must not hold a user name or password"));
        }
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(bad("the workbench is served at the root; give no path"));
        }
        Ok(PublicOrigin { https, authority: authority.as_str().to_ascii_lowercase() })
    }

    /// Whether browsers reach the server over HTTPS (its session cookie is then `Secure`).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The origin as browsers send it, e.g. `https://qda.example.org`.
    pub fn origin(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.authority)
    }
}

impl std::fmt::Display for PublicOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/", self.origin())
    }
}

/// The host names (with port) under which this server may be addressed.
fn allowed_hosts(bound: SocketAddr, public: Option<&PublicOrigin>) -> Vec<String> {
    let mut hosts = vec![bound.to_string(), format!("localhost:{}", bound.port())];
    hosts.extend(public.map(|p| p.authority.clone()));
    hosts
}

/// The origins our own pages send: the loopback addresses, and the public origin if any.
fn allowed_origins(public: Option<&PublicOrigin>, hosts: &[String]) -> Vec<String> {
    let mut origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}")).collect();
    if let Some(p) = public {
        // The public host is reached by its own scheme only, not by plain http.
        origins.retain(|o| *o != format!("http://{}", p.authority));
        origins.push(p.origin());
    }
    origins
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
fn same_origin(headers: &HeaderMap, origins: &[String]) -> bool {
    // A form posted from a page with `Referrer-Policy: no-referrer` (ours) carries `Origin: null`;
    // then the browser's own `Sec-Fetch-Site`, which no page can set, decides.
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).filter(|o| *o != "null");
    if let Some(origin) = origin {
        return origins.iter().any(|o| origin.eq_ignore_ascii_case(o));
    }
    headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("same-origin"))
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Checks Host (against DNS rebinding) and, for mutating methods, Origin or `Sec-Fetch-Site`
/// (against CSRF); adds the security headers to whatever the handler answers.
///
/// A request with a body that is refused before its body is read (401, 403, 413, 421) is
/// answered with `Connection: close`: the unread body is still on the wire, so the connection
/// cannot serve another request, and saying so lets the client open a new one instead of finding
/// it dropped. Draining the body instead would make the server read up to 64 MiB for anyone who
/// is refused.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    checked(state.bound, state.public_origin(), req, next).await
}

/// [`guard`] for the server of several studies (a folder of them, or a team database's
/// projects), by the address it is bound to and the public address, if any.
pub(crate) async fn guard_address(
    State((bound, public)): State<(SocketAddr, Option<PublicOrigin>)>,
    req: Request,
    next: Next,
) -> Response {
    checked(bound, public.as_ref(), req, next).await
}

async fn checked(bound: SocketAddr, public: Option<&PublicOrigin>, req: Request, next: Next) -> Response {
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0");
    let hosts = allowed_hosts(bound, public);
    let mut response = match host_of(&req) {
        Some(h) if hosts.contains(&h) => {
            let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            if safe || same_origin(req.headers(), &allowed_origins(public, &hosts)) {
                next.run(req).await
            } else {
                refuse(StatusCode::FORBIDDEN, "cross-origin request refused: send it from the workbench's own origin")
            }
        }
        _ => refuse(StatusCode::MISDIRECTED_REQUEST, "this server only answers to its own address"),
    };
    let refused_unread = matches!(
        response.status(),
        StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::MISDIRECTED_REQUEST
    );
    let h = response.headers_mut();
    if has_body && refused_unread {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    // A handler may set a stricter policy of its own (the downloadable HTML report does).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    response
}
