//! `serve`: the browser workbench for one project, for every project of a team server, or the
//! home page of a folder of studies; always on 127.0.0.1 and until the process is stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use idiograph_app::{SessionPolicy, Workbench};
use idiograph_web::{PublicOrigin, TeamSettings};

use super::{author, shell_word};
use crate::cli::{Cli, ServeArgs, ServerArgs};
use crate::printer::{emit, warn};

/// `serve`: decides what is served from -p, --dir, --team and --database.
pub(crate) async fn run(cli: &Cli, a: &ServeArgs) -> Result<ExitCode> {
    let public_origin =
        a.public_url.as_deref().map(PublicOrigin::parse).transpose().map_err(|e| anyhow!("--public-url: {e}"))?;
    let team = a.team.then(|| TeamSettings {
        secure_cookies: a.secure_cookies,
        sessions: SessionPolicy { idle_secs: i64::from(a.session_idle_hours) * 3600, ..Default::default() },
        public_origin,
    });
    let Some(path) = a.project_file.as_ref().or(cli.project.as_ref()).filter(|_| a.dir.is_none()) else {
        return match (team, &cli.database) {
            (Some(_), Some(_)) if a.dir.is_some() => {
                bail!("--dir serves a folder of studies on this computer, not a team server's projects")
            }
            (Some(team), Some(url)) => serve_team(cli, url, &a.server, team).await,
            (None, Some(_)) => bail!(
                "a project on the server is served to one researcher with -p ID (list them with \
                 `admin projects`); every project at once needs --team"
            ),
            (Some(_), None) => {
                bail!("a team server serves one project (-p FILE) or every project of a database (--database URL)")
            }
            (None, None) => serve_folder(cli, a.dir.clone(), &a.server).await,
        };
    };
    let wb = match &cli.database {
        Some(url) => Workbench::open_on_server(url, &path.to_string_lossy(), &author(cli)).await?,
        None => Workbench::open(path, &author(cli)).await?,
    };
    if team.is_some() && !wb.users().await?.iter().any(|(_, role)| role.is_some()) {
        warn(&format!(
            "note: this project has no members yet; add one with `idiograph -p {} admin create-user NAME`",
            shell_word(&path.to_string_lossy())
        ));
    }
    serve(wb, &a.server, team).await
}

/// What is done once the server listens on `bound`: the banner `banner` makes from the
/// workbench's URL is printed, and the browser opened when asked.
fn on_ready(server: &ServerArgs, banner: impl FnOnce(&str) -> String) -> impl FnOnce(SocketAddr) {
    let open = server.open;
    move |bound| {
        let url = format!("http://{bound}/");
        emit(&banner(&url));
        if open {
            open_browser(&url);
        }
    }
}

/// The outcome of serving on `addr` until stopped; a refusal to listen suggests another port.
fn served(outcome: std::io::Result<()>, addr: SocketAddr) -> Result<ExitCode> {
    outcome.with_context(|| format!("cannot serve on {addr} (is the port in use? try --port 0)"))?;
    Ok(ExitCode::SUCCESS)
}

/// The loopback address on the port asked for.
fn address(server: &ServerArgs) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], server.port))
}

/// Serves the workbench on 127.0.0.1 until the process is stopped (with accounts when `team`).
pub(crate) async fn serve(wb: Workbench, server: &ServerArgs, team: Option<TeamSettings>) -> Result<ExitCode> {
    let addr = address(server);
    let public = team.as_ref().and_then(|t| t.public_origin.clone());
    let ready = on_ready(server, move |url| match public {
        Some(p) => format!("Idiograph workbench at {url}, reached as {p} through the proxy (Ctrl+C stops it)"),
        None => format!("Idiograph workbench at {url}  (only this computer can reach it; Ctrl+C stops it)"),
    });
    served(idiograph_web::serve_with(wb, addr, team, ready).await, addr)
}

/// Serves every project of the database at `url` to its members until the process is stopped.
async fn serve_team(cli: &Cli, url: &str, server: &ServerArgs, team: TeamSettings) -> Result<ExitCode> {
    let projects = Workbench::projects_on_server(url).await?.projects;
    if projects.is_empty() {
        warn(&format!(
            "note: this server has no projects yet; make one with `idiograph --database {} init --title TITLE` \
             and its owner with `admin create-user NAME`",
            shell_word(url)
        ));
    }
    let addr = address(server);
    let public = team.public_origin.clone();
    let ready = on_ready(server, move |url| match public {
        Some(p) => format!(
            "Idiograph team server at {url}, reached as {p} through the proxy: {} projects (Ctrl+C stops it)",
            projects.len()
        ),
        None => format!(
            "Idiograph team server at {url}  (only this computer can reach it): {} projects (Ctrl+C stops it)",
            projects.len()
        ),
    });
    served(idiograph_web::serve_team(url.to_owned(), &author(cli), addr, team, ready).await, addr)
}

/// Serves the home page of a folder of studies (`dir`, or the default folder) until stopped.
async fn serve_folder(cli: &Cli, dir: Option<PathBuf>, server: &ServerArgs) -> Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => default_folder().ok_or_else(|| anyhow!("no home folder is known: give --dir FOLDER"))?,
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot make the folder of studies {}", dir.display()))?;
    let addr = address(server);
    let shown = dir.display().to_string();
    let ready = on_ready(server, move |url| {
        format!("Your studies, in {shown}: {url}  (only this computer can reach it; Ctrl+C stops it)")
    });
    served(idiograph_web::serve_folder(dir, &author(cli), addr, ready).await, addr)
}

/// `Idiograph` in the user's Documents folder if there is one, else in their home folder.
fn default_folder() -> Option<PathBuf> {
    let home = std::env::home_dir()?;
    let documents = home.join("Documents");
    Some(if documents.is_dir() { documents } else { home }.join("Idiograph"))
}

/// Asks the desktop to open `url`; a failure only means the user opens it by hand.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if opener.is_err() {
        warn(&format!("note: could not open a browser; open {url} yourself"));
    }
}
