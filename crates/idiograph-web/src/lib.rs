//! The browser workbench of Idiograph: server-rendered pages, a JSON API under `/api/v1`, and
//! the security that a local web server needs even on the loopback interface.
//!
//! [`router`] builds the whole application for one open [`Workbench`]; [`serve`] binds it to an
//! address (127.0.0.1 by default in the binary) and runs it. Every state change goes through a
//! `Workbench` command: handlers only extract the request, call one method and map the result.
//! This crate is the only place that sees UTF-16 offsets (from the browser) and converts them
//! to the UTF-8 byte offsets of the rest of the system, with `idiograph_text::UnitIndex`.
//!
//! Pages are askama templates (one struct per page, `templates/base.html` as the layout); the
//! JavaScript modules and the stylesheet are embedded in the binary and served under `/static/`.
//! No CDN, no network access, no npm at run time.
//!
//! ```no_run
//! # async fn run(wb: idiograph_app::Workbench) -> std::io::Result<()> {
//! let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
//! idiograph_web::serve(wb, addr, |bound| println!("http://{bound}/")).await
//! # }
//! ```

mod api;
mod assets;
mod auth;
mod error;
mod home;
mod pages;
mod routes;
mod security;
mod view;

use std::net::SocketAddr;
use std::sync::Arc;

use idiograph_app::Workbench;

pub use crate::auth::TeamSettings;
pub use crate::home::home_route_list;
pub use crate::routes::{route_list, Access, Route};
pub use crate::security::PublicOrigin;

/// What every handler can reach: the open project and the address the server is bound to.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) wb: Workbench,
    pub(crate) bound: SocketAddr,
    /// Accounts and roles, on a team server (`serve --team`); `None` in local single-user mode.
    pub(crate) team: Option<auth::Team>,
}

impl Inner {
    /// The address browsers use through a reverse proxy, on a team server that has one.
    pub(crate) fn public_origin(&self) -> Option<&PublicOrigin> {
        self.team.as_ref().and_then(auth::Team::public_origin)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The whole web application for `workbench`, answering only requests addressed to `bound`
/// (its IP and port, or `localhost` with its port).
pub fn router(workbench: Workbench, bound: SocketAddr) -> axum::Router {
    router_with(workbench, bound, None)
}

/// The web application as [`router`] builds it, on a team server when `team` is given: every
/// route then needs a logged-in member with the role the route table states.
pub fn router_with(workbench: Workbench, bound: SocketAddr, team: Option<TeamSettings>) -> axum::Router {
    let state = AppState(Arc::new(Inner { wb: workbench, bound, team: team.map(auth::Team::new) }));
    routes::build(state)
}

/// Binds `addr`, calls `ready` with the address actually bound (the port may have been 0), and
/// serves the workbench until the process ends.
pub async fn serve(workbench: Workbench, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    serve_with(workbench, addr, None, ready).await
}

/// [`serve`], on a team server when `team` is given (see [`router_with`]).
pub async fn serve_with(
    workbench: Workbench,
    addr: SocketAddr,
    team: Option<TeamSettings>,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    // A withdrawal made through any process purges this process's search index at once.
    let purging = workbench.clone();
    tokio::spawn(async move { purging.purge_search_index_on_withdrawals().await });
    let app = router_with(workbench, bound, team);
    ready(bound);
    // The peer address keys the login rate limit.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}

/// The home page of the studies in the folder `dir` and, under `/studies/{name}/`, each study's
/// workbench, answering only requests addressed to `bound`; studies are opened as `author`.
pub fn folder_router(dir: std::path::PathBuf, author: &str, bound: SocketAddr) -> axum::Router {
    home::folder_router(dir, author, bound)
}

/// A team server of every project in the PostgreSQL database at `url`: after login each
/// member's home page lists the projects where they have a role, and each project's workbench
/// is under `/projects/{id}/`; answering only requests addressed to `bound` (or the public
/// address in `settings`). The server's own work is recorded as `author`.
pub fn team_router(url: String, author: &str, bound: SocketAddr, settings: TeamSettings) -> axum::Router {
    home::team_router(url, author, bound, settings)
}

/// Binds `addr`, calls `ready` with the address bound, and serves every project of the
/// database at `url` to its members (see [`team_router`]) until the process ends.
pub async fn serve_team(
    url: String,
    author: &str,
    addr: SocketAddr,
    settings: TeamSettings,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = team_router(url, author, bound, settings);
    ready(bound);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}

/// Binds `addr`, calls `ready` with the address bound, and serves the home page of the studies
/// in `dir` (see [`folder_router`]) until the process ends.
pub async fn serve_folder(
    dir: std::path::PathBuf,
    author: &str,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = folder_router(dir, author, bound);
    ready(bound);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}
