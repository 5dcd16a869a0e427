//! Accounts on a team server (`idiograph serve --team`): the login page, `POST /login` and
//! `POST /logout`, the session cookie, the per-route role check and the login rate limit.
//!
//! Each route declares the [`Access`] it needs in the route table; in team mode [`gate`] checks
//! it before the handler runs. Anonymous callers get 401 (API) or a redirect to the login page;
//! a signed-in person who is not a member of this project gets exactly the 404 of an unknown
//! address, so nothing tells them the project exists; a member whose role is too low gets 403.
//! Handlers take the project as a [`Bench`]: the workbench of the signed-in member, so every
//! command is recorded as theirs. Without `--team` nothing here runs and `Bench` is the one
//! local workbench.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use axum::Form;
use idiograph_app::{LoginAttempt, SessionPolicy, Workbench, LOGIN_WINDOW_SECS};
use serde::Deserialize;

use crate::error::ApiError;
use crate::routes::Access;
use crate::security::PublicOrigin;
use crate::AppState;

/// The session cookie's name.
const COOKIE: &str = "idiograph_session";

/// How a team server runs.
#[derive(Debug, Clone, Default)]
pub struct TeamSettings {
    /// Mark the session cookie `Secure` (the workbench is served to browsers over HTTPS by a
    /// reverse proxy).
    pub secure_cookies: bool,
    /// When sessions expire.
    pub sessions: SessionPolicy,
    /// The address browsers use when a reverse proxy or load balancer stands in front (its
    /// host and origin are then accepted, the client address for the login rate limit is the
    /// last `X-Forwarded-For` entry, and an `https` address makes the cookie `Secure`).
    pub public_origin: Option<PublicOrigin>,
}

/// The team-mode part of the server's state.
pub(crate) struct Team {
    settings: TeamSettings,
}

impl Team {
    pub(crate) fn new(settings: TeamSettings) -> Team {
        Team { settings }
    }

    /// The public address, when a proxy stands in front.
    pub(crate) fn public_origin(&self) -> Option<&PublicOrigin> {
        self.settings.public_origin.as_ref()
    }

    /// The client's address for the login rate limit: behind our proxy (a public address is
    /// set) the entry it appended to `X-Forwarded-For`, since every request then comes from it.
    fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
        let forwarded = self.public_origin().and_then(|_| {
            let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
            last.rsplit(',').next()?.trim().parse::<std::net::IpAddr>().ok()
        });
        match (forwarded, peer) {
            (Some(ip), _) => ip.to_string(),
            (None, Some(p)) => p.ip().to_string(),
            (None, None) => "unknown".to_owned(),
        }
    }

    fn cookie(&self, token: &str, max_age: i64) -> HeaderValue {
        let https = self.settings.public_origin.as_ref().is_some_and(PublicOrigin::is_https);
        let secure = if self.settings.secure_cookies || https { "; Secure" } else { "" };
        let value = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}");
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("idiograph_session=; Max-Age=0"))
    }
}

/// The project as the current request may use it: in team mode the signed-in member's
/// workbench (commands recorded as theirs), locally the one workbench.
#[derive(Clone)]
pub(crate) struct Bench(pub(crate) Workbench);

impl FromRequestParts<AppState> for Bench {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Bench, Response> {
        if let Some(bench) = parts.extensions.get::<Bench>() {
            return Ok(bench.clone());
        }
        match st.team {
            None => Ok(Bench(st.wb.clone())),
            // Only `gate` puts a member's bench in place; a route without it is not for anyone.
            Some(_) => Err(unauthorized(parts.uri.path())),
        }
    }
}

/// The session token the browser sent, if any.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

pub(crate) fn unauthorized(path: &str) -> Response {
    if path.starts_with("/api/") {
        ApiError::new(StatusCode::UNAUTHORIZED, "log in first (POST /login)").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

/// Checks that the caller may use a route that needs `access`, and hands the handler the
/// member's workbench. Runs only on a team server.
pub(crate) async fn gate(State((st, access)): State<(AppState, Access)>, mut req: Request, next: Next) -> Response {
    let Access::Member(needed) = access else { return next.run(req).await };
    let Some(team) = &st.team else { return next.run(req).await };
    let path = req.uri().path().to_owned();
    let Some(token) = session_token(req.headers()) else { return unauthorized(&path) };
    let member = match st.wb.session(&token, team.settings.sessions).await {
        Ok(Some(m)) => m,
        Ok(None) => return unauthorized(&path),
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let Some(role) = member.role else { return crate::pages::not_found().await };
    if role < needed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!("{} is {role} in this project; this needs {needed}", member.name),
        )
        .into_response();
    }
    req.extensions_mut().insert(Bench(st.wb.as_member(&member.name, role)));
    next.run(req).await
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    message: String,
}

pub(crate) fn login_page(status: StatusCode, message: &str) -> Response {
    match (LoginPage { message: message.to_owned() }).render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

pub(crate) async fn login_form() -> Response {
    login_page(StatusCode::OK, "")
}

/// The login form's fields.
#[derive(Deserialize)]
pub(crate) struct Credentials {
    name: String,
    password: String,
}

/// Checks the credentials; on success starts a new session (a new token, whatever cookie came
/// in, against session fixation), sets the cookie and goes to the dashboard.
pub(crate) async fn login(
    State(st): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(c): Form<Credentials>,
) -> Response {
    let Some(team) = &st.team else { return crate::pages::not_found().await };
    let address = team.client_address(&headers, peer.map(|Extension(ConnectInfo(a))| a));
    match st.wb.log_in_from(&c.name, &c.password, &address).await {
        Ok(LoginAttempt::Welcome(login)) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().insert(header::SET_COOKIE, team.cookie(&login.token, team.settings.sessions.max_secs));
            r
        }
        Ok(LoginAttempt::Refused) => login_page(StatusCode::UNAUTHORIZED, "Wrong user name or password."),
        Ok(LoginAttempt::TooMany) => {
            let mut r =
                login_page(StatusCode::TOO_MANY_REQUESTS, "Too many failed logins; wait a minute and try again.");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(LOGIN_WINDOW_SECS));
            r
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Ends the session the cookie names (if any), clears the cookie and goes to the login page.
pub(crate) async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(team) = &st.team else { return crate::pages::not_found().await };
    if let Some(token) = session_token(&headers) {
        if let Err(e) = st.wb.log_out(&token).await {
            // E.g. 404 when the project was deleted while someone who is not its member was
            // still signed in to the server.
            return ApiError::from(e).into_response();
        }
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, team.cookie("", 0));
    r
}
