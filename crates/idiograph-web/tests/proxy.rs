//! A team server behind a reverse proxy (`serve --team --public-url URL`): the public host and
//! origin are accepted beside the loopback ones and no others, an `https` address makes the
//! session cookie `Secure`, and the login rate limit counts the client address the proxy
//! appended to `X-Forwarded-For`, not the proxy's own.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use idiograph_app::Workbench;
use idiograph_model::{Role, Terminology};
use idiograph_web::{PublicOrigin, TeamSettings};
use tower::ServiceExt;

const BOUND: &str = "127.0.0.1:4321";
const PUBLIC: &str = "https://qda.example.org";
const PASSWORD: &str = "correct horse battery";

async fn server(dir: &tempfile::TempDir) -> Router {
    let wb =
        Workbench::create(&dir.path().join("p.idg"), "Proxied study", Terminology::Smith2022, "admin").await.unwrap();
    wb.create_user("ana", PASSWORD, Some(Role::Owner)).await.unwrap();
    let settings =
        TeamSettings { public_origin: Some(PublicOrigin::parse(PUBLIC).unwrap()), ..TeamSettings::default() };
    idiograph_web::router_with(wb, BOUND.parse().unwrap(), Some(settings))
}

/// A login form post as the proxy forwards it: `host` and `origin` as the browser sent them,
/// from the proxy's loopback address, with the client in `X-Forwarded-For`.
fn login(host: &str, origin: &str, client: &str, name: &str, password: &str) -> Request<Body> {
    let form = format!("name={name}&password={}", password.replace(' ', "+"));
    let mut req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::HOST, host)
        .header(header::ORIGIN, origin)
        .header("x-forwarded-for", format!("10.9.9.9, {client}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let proxy: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(proxy));
    req
}

async fn status_and_cookie(router: &Router, req: Request<Body>) -> (StatusCode, Option<String>) {
    let res = router.clone().oneshot(req).await.unwrap();
    let cookie = res.headers().get(header::SET_COOKIE).map(|c| c.to_str().unwrap().to_owned());
    (res.status(), cookie)
}

#[tokio::test]
async fn the_public_host_and_origin_are_accepted_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    let router = server(&dir).await;
    let host = "qda.example.org";

    let (status, cookie) = status_and_cookie(&router, login(host, PUBLIC, "203.0.113.1", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a login through the proxy's public address");
    let cookie = cookie.expect("a session cookie");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // A proxy that passes its upstream address as Host works too; the loopback origin stays ours.
    let (status, _) = status_and_cookie(&router, login(BOUND, PUBLIC, "203.0.113.1", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) =
        status_and_cookie(&router, login(BOUND, &format!("http://{BOUND}"), "203.0.113.1", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    for (host, origin, expected, why) in [
        ("evil.example", PUBLIC, StatusCode::MISDIRECTED_REQUEST, "another host name (DNS rebinding)"),
        (host, "https://evil.example", StatusCode::FORBIDDEN, "a form posted from another site"),
        (host, "http://qda.example.org", StatusCode::FORBIDDEN, "the public host over plain http"),
        (host, "https://qda.example.org:8443", StatusCode::FORBIDDEN, "the public host on another port"),
    ] {
        let (status, cookie) = status_and_cookie(&router, login(host, origin, "203.0.113.1", "ana", PASSWORD)).await;
        assert_eq!(status, expected, "{why}");
        assert!(cookie.is_none(), "{why}: no session");
    }
}

#[tokio::test]
async fn failed_logins_are_counted_per_forwarded_client() {
    let dir = tempfile::tempdir().unwrap();
    let router = server(&dir).await;
    let attempt = |client: &'static str, n: usize| {
        // A different name each time, so only the per-address limit can apply.
        login("qda.example.org", PUBLIC, client, &format!("guess{n}"), "wrong password")
    };
    for n in 0..20 {
        let (status, _) = status_and_cookie(&router, attempt("203.0.113.7", n)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failed login {n}");
    }
    let (status, _) = status_and_cookie(&router, attempt("203.0.113.7", 20)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the 21st failure from one client within a minute");
    // Everyone else reaches the server through the same proxy address, and is not held up.
    let (status, _) = status_and_cookie(&router, attempt("198.51.100.4", 21)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another client behind the same proxy");
    let (status, _) =
        status_and_cookie(&router, login("qda.example.org", PUBLIC, "198.51.100.4", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[test]
fn public_urls_are_checked_with_a_reason() {
    let origin = PublicOrigin::parse("https://QDA.example.org:8443/").unwrap();
    assert_eq!(origin.origin(), "https://qda.example.org:8443");
    assert!(origin.is_https());
    assert!(!PublicOrigin::parse("http://10.0.0.5").unwrap().is_https());
    for (url, reason) in [
        ("qda.example.org", "https:// or http://"),
        ("ftp://qda.example.org", "https:// or http://"),
        ("https://qda.example.org/idiograph", "give no path"),
        ("https://user:pw@qda.example.org", "user name or password"),
        ("https://", "not a URL"),
    ] {
        let err = PublicOrigin::parse(url).unwrap_err();
        assert!(err.contains(url) && err.contains(reason), "{url}: {err}");
    }
}
