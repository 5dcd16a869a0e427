//! The team server through the real binary: several `idiograph serve` processes on one
//! PostgreSQL project (a change made through one reaches the live clients and the search of
//! another; a stale edit made through another is refused), and a PostgreSQL restart in the
//! middle of a write load (requests fail cleanly while it is down, the same server process
//! recovers, nothing acknowledged is lost), `serve --public-url` for a server behind a proxy,
//! and `serve --team` of every project of a database.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use support::http::{Conn, Events};

/// How long a test waits for something that should take well under a second, before failing.
const PATIENCE: Duration = Duration::from_secs(30);

/// Runs the binary on the server project and returns its standard output.
fn idiograph(url: &str, args: &[&str]) -> String {
    let out = support::command().args(["--author", "lead", "--database", url]).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new project on the server with one participant and one transcript; returns its id.
fn team_project(url: &str, dir: &Path) -> String {
    let made: Value = serde_json::from_str(&idiograph(url, &["--json", "init", "--title", "Team study"])).unwrap();
    let id = made["project"].as_str().unwrap().to_owned();
    idiograph(url, &["-p", &id, "participant", "add", "Olivia"]);
    let file = dir.join("olivia.txt");
    std::fs::write(&file, "Interviewer: How was it?\nOlivia: It was hard at first, and then it got easier.\n").unwrap();
    idiograph(url, &["-p", &id, "import", file.to_str().unwrap(), "--participant", "Olivia"]);
    id
}

/// An `idiograph serve` process, killed when dropped.
struct Server {
    child: Child,
    host: String,
}

impl Server {
    fn start(url: &str, project: &str, author: &str) -> Server {
        Server::start_in(url, project, author, None)
    }

    /// A server process whose temporary folder (for its search index) is `tmp`, when given.
    fn start_in(url: &str, project: &str, author: &str, tmp: Option<&Path>) -> Server {
        let mut cmd = support::command();
        cmd.args(["--author", author, "--database", url, "serve", project, "--port", "0"]);
        if let Some(tmp) = tmp {
            cmd.env("TMPDIR", tmp);
        }
        Server::spawn(cmd)
    }

    /// Starts `cmd`, a `serve` command, and reads the address it prints.
    fn spawn(mut cmd: Command) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let host = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://127.0.0.1:"))
            .map(|port| format!("127.0.0.1:{}", port.trim_end_matches('/')))
            .unwrap_or_else(|| panic!("serve did not print its address: {line:?}"));
        Server { child, host }
    }

    /// Whether the process is still running (it did not panic or exit).
    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn add_note(conn: &mut Conn, version: &str, text: &str) -> std::io::Result<support::http::Reply> {
    let body =
        json!({"transcript": "T1", "version": version, "start": 33, "end": 51, "kind": "descriptive", "text": text});
    conn.send("POST", "/api/v1/notes", Some(&body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_share_changes_live_and_in_search() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let id = team_project(&url, dir.path());
    let _drop = idiograph_testkit::DropSchema::new(&url, &id);
    let (a, b) = (Server::start(&url, &id, "ana"), Server::start(&url, &id, "ben"));
    let (mut to_a, mut to_b) = (Conn::new(&a.host), Conn::new(&b.host));
    let mut live_on_b = Events::subscribe(&b.host).await.unwrap();

    // A note added through A reaches a live client of B, and B's search finds it.
    let version = to_a.get_json("/api/v1/transcripts/T1").await["version"].as_str().unwrap().to_owned();
    let r = add_note(&mut to_a, &version, "Bewilderment at the start").await.unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    let event = live_on_b.wait_for("add note", PATIENCE).await.expect("B's client heard of A's note");
    assert_eq!(event["author"], "ana");
    assert_eq!(event["objects"][0]["kind"], "note");
    assert!(event["summary"].as_str().unwrap().contains("N1"), "{event}");
    let hits = to_b.get_json("/api/v1/search?q=bewilderment").await;
    assert!(hits.to_string().contains("N1"), "B's search index caught up with A's note: {hits}");

    // Both read a theme; ana renames it through A; ben's rename through B, from the same
    // reading, is refused with ana's version and does not overwrite it.
    let theme = to_b.send("POST", "/api/v1/themes", Some(&json!({"title": "Hardship", "case": "P1"}))).await.unwrap();
    assert_eq!(theme.status, 201, "{}", theme.body);
    live_on_b.wait_for("add theme", PATIENCE).await.expect("B heard of its own command");
    let seen = theme.json()["revision"].as_str().unwrap().to_owned();
    let patch = |title: &str| json!({ "title": title });
    let ana = to_a.send_if_match("PATCH", "/api/v1/themes/TH1", &seen, &patch("Early hardship")).await.unwrap();
    assert_eq!(ana.status, 200, "{}", ana.body);
    let ben = to_b.send_if_match("PATCH", "/api/v1/themes/TH1", &seen, &patch("Struggle")).await.unwrap();
    assert_eq!(ben.status, 409, "{}", ben.body);
    assert_eq!(ben.json()["current"]["title"], "Early hardship");
    assert_eq!(to_b.get_json("/api/v1/themes/TH1").await["title"], "Early hardship");
    let history = to_a.get_json("/api/v1/history").await;
    let authors: Vec<&str> =
        history["events"].as_array().unwrap().iter().filter_map(|e| e["author"].as_str()).collect();
    assert!(authors.contains(&"ana") && authors.contains(&"ben"), "the audit log records who did what: {authors:?}");
    drop((a, b));
}

/// Each server process keeps a search index of its own (here each in a temporary folder of its
/// own); a withdrawal made through another process (the command line) reaches every running
/// one through the change feed, which deletes its index at once — before any search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_purges_the_search_index_of_every_server_process() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let id = team_project(&url, dir.path());
    let _drop = idiograph_testkit::DropSchema::new(&url, &id);
    let (tmp_a, tmp_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let servers = [
        Server::start_in(&url, &id, "ana", Some(tmp_a.path())),
        Server::start_in(&url, &id, "ben", Some(tmp_b.path())),
    ];
    let words = b"got easier";
    let held = |tmp: &Path| {
        let index = support::team_index_dir(tmp, &id);
        support::files_under(&index).iter().any(|(_, bytes)| support::contains_bytes(bytes, words))
    };
    for (server, tmp) in servers.iter().zip([tmp_a.path(), tmp_b.path()]) {
        let hits = Conn::new(&server.host).get_json("/api/v1/search?q=easier").await;
        assert!(hits.to_string().contains("T1"), "{hits}");
        assert!(held(tmp), "{}'s index holds Olivia's words", server.host);
    }

    idiograph(&url, &["-p", &id, "participant", "withdraw", "Olivia", "--confirm"]);
    let deadline = std::time::Instant::now() + PATIENCE;
    while held(tmp_a.path()) || held(tmp_b.path()) {
        assert!(std::time::Instant::now() < deadline, "a server process's index still holds the withdrawn words");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(servers);
}

/// A PostgreSQL cluster of the test's own (`initdb` in a temporary folder, its own port), so
/// the shared instance is never touched; stopped when dropped.
struct OwnPostgres {
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
    run_as: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    /// Makes and starts one, or `None` (with a note) when PostgreSQL's server binaries are not
    /// installed; under CI that fails.
    fn start() -> Option<OwnPostgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max();
        let Some(bin) = bin else {
            idiograph_testkit::skip("PostgreSQL's initdb is not installed (.ci/run installs it); the restart test");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        // initdb refuses to run as root: run the server as the postgres user, who owns the folder.
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let run_as = root.then_some("postgres");
        if let Some(user) = run_as {
            let chown = Command::new("chown").args(["-R", user, dir.path().to_str().unwrap()]).status().unwrap();
            assert!(chown.success(), "cannot hand the cluster's folder to {user}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let pg = OwnPostgres { bin, data: dir.path().join("data"), port, run_as, _dir: dir };
        let data = pg.data.to_str().unwrap().to_owned();
        pg.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        pg.pg_ctl("start");
        Some(pg)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd.args(args).stdin(Stdio::null()).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.data.to_str().unwrap();
        let socket_dir = self.data.parent().unwrap().to_str().unwrap();
        let options = format!("-p {} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off", self.port);
        let log = format!("{socket_dir}/server.log");
        match action {
            "start" => self.run("pg_ctl", &["-D", data, "-o", &options, "-l", &log, "-w", "start"]),
            _ => self.run("pg_ctl", &["-D", data, "-m", "fast", "-w", "stop"]),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data.to_str().unwrap().to_owned();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "stop"]).stdin(Stdio::null()).output();
    }
}

/// What the writers saw, shared between them and the test.
#[derive(Default)]
struct Tally {
    /// Texts of the notes the server acknowledged (201), with their ids.
    acknowledged: Vec<(String, String)>,
    /// Refusals while the database was away: (status, message).
    failed: Vec<(u16, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_rides_out_a_database_restart_without_losing_acknowledged_writes() {
    let Some(pg) = OwnPostgres::start() else { return };
    let url = pg.url();
    let dir = tempfile::tempdir().unwrap();
    let id = team_project(&url, dir.path());
    let mut server = Server::start(&url, &id, "ana");
    let mut live = Events::subscribe(&server.host).await.unwrap();
    let version =
        Conn::new(&server.host).get_json("/api/v1/transcripts/T1").await["version"].as_str().unwrap().to_owned();

    let tally = std::sync::Arc::new(std::sync::Mutex::new(Tally::default()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (host, version, tally, stop) = (server.host.clone(), version.clone(), tally.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut conn = Conn::new(&host);
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let text = format!("writer {w} note {n}");
                // A request must end, answered or refused, well within the bound: no hang.
                let reply = tokio::time::timeout(PATIENCE, add_note(&mut conn, &version, &text))
                    .await
                    .unwrap_or_else(|_| panic!("a request hung while the database was away"));
                match reply {
                    Ok(r) if r.status == 201 => {
                        tally.lock().unwrap().acknowledged.push((r.json()["id"].as_str().unwrap().to_owned(), text))
                    }
                    Ok(r) => tally.lock().unwrap().failed.push((r.status, r.json()["error"].to_string())),
                    Err(e) => panic!("the server dropped a connection instead of answering: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    let until = |what: &'static str, done: Box<dyn Fn(&Tally) -> bool + Send>| {
        let tally = tally.clone();
        async move {
            let wait = async {
                while !done(&tally.lock().unwrap()) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            };
            tokio::time::timeout(Duration::from_secs(60), wait).await.unwrap_or_else(|_| panic!("never {what}"));
        }
    };

    until("wrote before the stop", Box::new(|t| t.acknowledged.len() >= 20)).await;
    pg.pg_ctl("stop");
    let before = tally.lock().unwrap().acknowledged.len();
    until("refused while the database was down", Box::new(|t| t.failed.len() >= 8)).await;
    let during = tally.lock().unwrap().acknowledged.len();
    pg.pg_ctl("start");
    until("recovered after the restart", Box::new(move |t| t.acknowledged.len() >= during + 20)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(server.alive(), "the server process survived");
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    assert!(during <= before + 4, "at most the requests in flight at the stop were acknowledged after it");
    for (status, message) in &tally.failed {
        assert_eq!(*status, 503, "a refusal while the database was down: {message}");
        assert!(message.contains("the database is unavailable"), "{message}");
    }

    // Every acknowledged note is in the database, with its text, read through the same process.
    let notes = Conn::new(&server.host).get_json("/api/v1/notes?transcript=T1").await;
    let stored: std::collections::HashMap<&str, &str> = notes["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["text"].as_str().unwrap()))
        .collect();
    let lost: Vec<_> =
        tally.acknowledged.iter().filter(|(id, text)| stored.get(id.as_str()) != Some(&text.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged writes lost: {lost:?}", lost.len());
    // The live feed reconnected too: a note written after the restart reaches the subscriber.
    let (last_id, _) = tally.acknowledged.last().unwrap();
    assert!(live.wait_for(&format!("note {last_id} "), PATIENCE).await.is_some(), "no live event for {last_id}");
}

/// `serve --team --public-url` announces the public address it accepts, and a bad address or
/// one without `--team` is refused with the reason before anything is served.
#[test]
fn serve_behind_a_proxy_takes_a_checked_public_url() {
    use std::io::BufRead;
    let p = support::Project::new();
    let project = p.path.to_str().unwrap();
    let refused = p.run(&["serve", project, "--port", "0", "--team", "--public-url", "ftp://qda.example.org"]);
    assert!(
        !refused.success && refused.stderr.contains("--public-url") && refused.stderr.contains("https://"),
        "{}",
        refused.stderr
    );
    let alone = p.run(&["serve", project, "--port", "0", "--public-url", "https://qda.example.org"]);
    assert!(!alone.success && alone.stderr.contains("--team"), "{}", alone.stderr);

    let mut child = p.spawn(&["serve", project, "--port", "0", "--team", "--public-url", "https://qda.example.org"]);
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().ok();
    child.wait().ok();
    assert!(line.contains("http://127.0.0.1:") && line.contains("reached as https://qda.example.org/"), "{line}");
}

/// `serve --team --database URL` without `-p` serves every project of the server from one
/// process: one login, the member's projects listed, each under `/projects/ID/`. Without
/// `--team` it says what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_team_without_a_project_serves_every_project_to_its_members() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let id = team_project(&url, dir.path());
    let _drop = idiograph_testkit::DropSchema::new(&url, &id);
    // Accounts are server-wide and outlive test projects: the name is unique per run.
    let name = format!("fay-{id}");
    let password = "correct horse battery";
    let made = support::command()
        .args(["--database", &url, "-p", &id, "admin", "create-user", &name])
        .env("IDIOGRAPH_PASSWORD", password)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let alone = support::command().args(["--database", &url, "serve", "--port", "0"]).output().unwrap();
    let said = String::from_utf8_lossy(&alone.stderr);
    assert!(!alone.status.success() && said.contains("--team") && said.contains("-p ID"), "{said}");

    let mut cmd = support::command();
    cmd.args(["--database", &url, "serve", "--team", "--port", "0"]);
    let server = Server::spawn(cmd);
    let mut conn = Conn::new(&server.host);
    conn.cookie = Some(support::http::log_in(&server.host, &name, password).await.unwrap());
    let listed = conn.get_json("/api/v1/studies").await;
    assert_eq!(
        listed["studies"].as_array().unwrap().iter().map(|s| (s["id"].clone(), s["url"].clone())).collect::<Vec<_>>(),
        vec![(json!(id), json!(format!("/projects/{id}/")))]
    );
    let participants = conn.get_json(&format!("/projects/{id}/api/v1/participants")).await;
    assert!(participants.to_string().contains("Olivia"), "{participants}");
    drop(server);
}
