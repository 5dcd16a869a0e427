//! A study's own workbench, served under `/studies/{name}/` by the server of a folder of studies
//! (or of a team database's projects).
//!
//! The study's router is the single-study router, unchanged: it answers root-relative addresses
//! (`/transcripts/T1`, `/api/v1/notes`). Here the prefix is taken off the request and put back
//! on what comes out: `Location` headers, and the `href`, `src` and `action` attributes of its
//! HTML pages. The pages' JavaScript reads the prefix from `<html data-base>` for its API calls.
//! Downloads (anything with `Content-Disposition`) pass untouched, streams too.

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use regex::{Captures, Regex};
use tower::ServiceExt;

use crate::error::ApiError;

/// A root-relative address in an attribute of a page (not a protocol-relative `//host`).
static ROOT_RELATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(\s(?:href|src|action)=")/([^/])"#).expect("a valid pattern"));

/// The opening `<html>` tag, where the prefix is recorded for the pages' scripts.
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<html([^>]*)>").expect("a valid pattern"));

/// The two first segments of `uri`'s path, `/studies/NAME` (still percent-encoded), and the rest
/// of the address as the study's own router knows it (`/` at least, the query kept).
pub(crate) fn split(uri: &Uri) -> Option<(String, String)> {
    let path = uri.path();
    let after = path.strip_prefix('/')?;
    let first = after.find('/')?;
    let rest_start = after[first + 1..].find('/').map(|i| first + 1 + i + 1);
    let (prefix, rest) = match rest_start {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, "/"),
    };
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Some((prefix.to_owned(), format!("{rest}{query}")))
}

/// Answers `req` with the study's `router`, as if it had been addressed without `prefix`; the
/// pages it returns link within the prefix and, when `home` is given, back to that home page.
pub(crate) async fn forward(router: Router, prefix: &str, home: Option<&str>, req: Request) -> Response {
    let Some((_, rest)) = split(req.uri()) else { return crate::pages::not_found().await };
    let Ok(uri) = rest.parse::<Uri>() else {
        return ApiError::bad_request("this address cannot be read").into_response();
    };
    // A new request, not the old one re-addressed: the outer route's path parameters ride in
    // the extensions and would be taken for the study's own. The peer address is kept (it keys
    // the login rate limit).
    let (parts, body) = req.into_parts();
    let mut inner = Request::new(body);
    *inner.method_mut() = parts.method;
    *inner.uri_mut() = uri;
    *inner.version_mut() = parts.version;
    *inner.headers_mut() = parts.headers;
    if let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        inner.extensions_mut().insert(*peer);
    }
    let response = match router.oneshot(inner).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    relocate(response, prefix, home).await
}

/// Puts `prefix` on the addresses in `response`.
async fn relocate(mut response: Response, prefix: &str, home: Option<&str>) -> Response {
    if let Some(location) = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) {
        if location.starts_with('/') && !location.starts_with("//") {
            if let Ok(v) = HeaderValue::from_str(&format!("{prefix}{location}")) {
                response.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_page || response.headers().contains_key(header::CONTENT_DISPOSITION) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let html = String::from_utf8_lossy(&bytes);
    let html = rewrite(&html, prefix, home);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

/// The page `html` with its root-relative addresses under `prefix`, the prefix recorded on
/// `<html data-base>`, and a link to `home` at the start of the top bar.
pub(crate) fn rewrite(html: &str, prefix: &str, home: Option<&str>) -> String {
    let html = ROOT_RELATIVE.replace_all(html, |c: &Captures| format!("{}{prefix}/{}", &c[1], &c[2]));
    let html = HTML_TAG.replace(&html, |c: &Captures| format!("<html{} data-base=\"{prefix}\">", &c[1]));
    match home {
        Some(home) => html.replacen(
            "<header class=\"topbar\">",
            &format!("<header class=\"topbar\"><a class=\"home-link\" href=\"{home}\">All studies</a>"),
            1,
        ),
        None => html.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_first_two_segments() {
        let uri: Uri = "/studies/Pilot%20study/transcripts/T1?x=1".parse().unwrap();
        assert_eq!(split(&uri), Some(("/studies/Pilot%20study".into(), "/transcripts/T1?x=1".into())));
        let uri: Uri = "/studies/Pilot/".parse().unwrap();
        assert_eq!(split(&uri), Some(("/studies/Pilot".into(), "/".into())));
        let uri: Uri = "/studies/Pilot".parse().unwrap();
        assert_eq!(split(&uri), Some(("/studies/Pilot".into(), "/".into())));
    }

    #[test]
    fn pages_link_within_the_study_and_home() {
        let page = r#"<html lang="en"><header class="topbar"><a href="/">S</a><link href="/static/app.css"><a href="//x/">x</a><form action="/logout"></form><a href="https://e.org/">e</a>"#;
        let out = rewrite(page, "/studies/P", Some("/"));
        assert_eq!(
            out,
            r#"<html lang="en" data-base="/studies/P"><header class="topbar"><a class="home-link" href="/">All studies</a><a href="/studies/P/">S</a><link href="/studies/P/static/app.css"><a href="//x/">x</a><form action="/studies/P/logout"></form><a href="https://e.org/">e</a>"#
        );
    }
}
