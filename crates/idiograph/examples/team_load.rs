//! Load bench of the team server: N simulated analysts writing to one shared project through a
//! real `idiograph serve` process over HTTP on the loopback interface, for a bounded time and a
//! bounded number of requests. Each analyst repeats: an exploratory note, an experiential
//! statement developed from it, and the statement's assignment to a PET of its case. Every
//! acknowledged write (201) is recorded; afterwards the bench reads the project back through
//! the command line — straight from the database, not through the server — and counts every
//! acknowledged note, statement and assignment that is missing (lost writes), along with 5xx
//! answers, and prints p50/p99/max latency per operation as a Markdown table.
//!
//! ```sh
//! cargo build --release -p idiograph --examples
//! ./target/release/examples/team_load --database postgres://postgres@127.0.0.1:5432/test --analysts 50 --seconds 60
//! ./target/release/examples/team_load --sqlite --analysts 50 --seconds 60   # the same on a project file
//! ```
//! Options: `--max-requests N` (default 200,000), `--think-ms MS` (pause between an analyst's
//! requests, varied 0.5–1.5×, default 0: every analyst writes as fast as the server answers), `--cases N`
//! (default 5), `--binary PATH` (default: the `idiograph` beside this example), `--team` (serve
//! with accounts: one analyst account per simulated analyst, each logged in through the login
//! form, every request sent with its own session; the audit log names each).

#[path = "../tests/support/http.rs"]
mod http;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use http::Conn;

/// What the bench was asked to do.
struct Options {
    database: Option<String>,
    analysts: usize,
    seconds: u64,
    max_requests: usize,
    think: Duration,
    cases: usize,
    binary: PathBuf,
    team: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        database: None,
        analysts: 50,
        seconds: 60,
        max_requests: 200_000,
        think: Duration::ZERO,
        cases: 5,
        binary: std::env::current_exe()
            .ok()
            .and_then(|e| e.parent()?.parent().map(|d| d.join("idiograph")))
            .unwrap_or_else(|| PathBuf::from("idiograph")),
        team: false,
    };
    let mut sqlite = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{a}: '{v}' is not a whole number"));
        match a.as_str() {
            "--database" => o.database = Some(value()?),
            "--sqlite" => sqlite = true,
            "--analysts" => o.analysts = number(value()?)? as usize,
            "--seconds" => o.seconds = number(value()?)?,
            "--max-requests" => o.max_requests = number(value()?)? as usize,
            "--think-ms" => o.think = Duration::from_millis(number(value()?)?),
            "--cases" => o.cases = number(value()?)?.max(1) as usize,
            "--binary" => o.binary = PathBuf::from(value()?),
            "--team" => o.team = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    match (&o.database, sqlite) {
        (None, false) | (Some(_), true) => return Err("give either --database postgres://… or --sqlite".into()),
        (Some(url), _)
            if !["@127.0.0.1", "@localhost", "//127.0.0.1", "//localhost"].iter().any(|h| url.contains(h)) =>
        {
            return Err("the bench runs on the loopback interface only: use a database on 127.0.0.1".into())
        }
        _ => {}
    }
    if o.analysts == 0 || o.seconds == 0 || o.seconds > 600 {
        return Err("--analysts must be at least 1 and --seconds between 1 and 600".into());
    }
    Ok(o)
}

/// The project under test: how the command line names it, and its `serve` process.
struct Project {
    args: Vec<String>,
    serve: Child,
    host: String,
    _dir: tempfile::TempDir,
}

impl Drop for Project {
    fn drop(&mut self) {
        self.serve.kill().ok();
        self.serve.wait().ok();
    }
}

fn cli(o: &Options, project: &[String], args: &[&str]) -> Result<String, String> {
    let out = Command::new(&o.binary)
        .args(["--author", "bench"])
        .args(project)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", o.binary.display()))?;
    if !out.status.success() {
        return Err(format!("idiograph {args:?}: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The password of every bench account.
const PASSWORD: &str = "bench password, loopback only";

/// The account of simulated analyst `a`.
fn analyst_name(a: usize) -> String {
    format!("analyst{a:02}")
}

/// The session cookie of simulated analyst `a` in team mode (none in local mode).
async fn session(o: &Options, host: &str, a: usize) -> Result<Option<String>, String> {
    if !o.team {
        return Ok(None);
    }
    http::log_in(host, &analyst_name(a), PASSWORD).await.map(Some).map_err(|e| e.to_string())
}

/// A transcript of some length for case `n`, so notes land on varied lines.
fn transcript(n: usize) -> String {
    let mut t = String::new();
    for turn in 0..40 {
        t += &format!("Interviewer: What happened then, part {turn}?\n");
        t += &format!(
            "P{n}: It was hard at first for me, case {n}, and then over the weeks it slowly got easier to bear.\n"
        );
    }
    t
}

fn set_up(o: &Options) -> Result<Project, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut args: Vec<String> = Vec::new();
    match &o.database {
        Some(url) => {
            let made: Value = serde_json::from_str(&cli(
                o,
                &["--database".into(), url.clone()],
                &["--json", "init", "--title", "Load bench"],
            )?)
            .map_err(|e| e.to_string())?;
            args.extend(["--database".into(), url.clone(), "-p".into(), made["project"].as_str().unwrap_or("").into()]);
        }
        None => {
            let path = dir.path().join("bench.idg");
            cli(o, &[], &["init", path.to_str().unwrap_or(""), "--title", "Load bench"])?;
            args.extend(["-p".into(), path.display().to_string()]);
        }
    }
    for n in 1..=o.cases {
        cli(o, &args, &["participant", "add", &format!("Case {n}")])?;
        let file = dir.path().join(format!("case{n}.txt"));
        std::fs::write(&file, transcript(n)).map_err(|e| e.to_string())?;
        cli(o, &args, &["import", file.to_str().unwrap_or(""), "--participant", &format!("Case {n}")])?;
        cli(o, &args, &["theme", "add", "--case", &format!("Case {n}"), &format!("Living with it ({n})")])?;
    }
    if o.team {
        for a in 0..o.analysts {
            let out = Command::new(&o.binary)
                .env("IDIOGRAPH_PASSWORD", PASSWORD)
                .args(&args)
                .args(["admin", "create-user", &analyst_name(a), "--role", "analyst"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| e.to_string())?;
            let err = String::from_utf8_lossy(&out.stderr);
            // Accounts belong to the whole server: an earlier run's (same password) join this project.
            if !out.status.success() && err.contains("already exists") {
                cli(o, &args, &["admin", "set-role", &analyst_name(a), "analyst"])?;
            } else if !out.status.success() {
                return Err(format!("admin create-user: {err}"));
            }
        }
    }
    let project = args.last().cloned().unwrap_or_default();
    let mut serve = Command::new(&o.binary)
        .args(["--author", "bench"])
        .args(&args[..args.len() - 2])
        .args(["serve", &project, "--port", "0"])
        .args(if o.team { &["--team"][..] } else { &[] })
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(serve.stdout.take().ok_or("no stdout")?), &mut line)
        .map_err(|e| e.to_string())?;
    let host = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(|h| h.trim_end_matches('/').to_owned())
        .ok_or_else(|| format!("serve did not print its address: {line:?}"))?;
    Ok(Project { args, serve, host, _dir: dir })
}

/// What one analyst saw.
#[derive(Default)]
struct Seen {
    /// Latencies in microseconds, per operation.
    latency: [Vec<u64>; 3],
    notes: Vec<String>,
    statements: Vec<String>,
    /// (PET, statement) pairs acknowledged.
    assignments: Vec<(String, String)>,
    server_errors: usize,
    /// Other refusals, by status, with a message.
    refused: Vec<(u16, String)>,
    io_errors: usize,
}

const OPS: [&str; 3] = ["note", "statement", "assignment"];

struct Shared {
    deadline: Instant,
    budget: std::sync::atomic::AtomicUsize,
}

impl Shared {
    fn may_send(&self) -> bool {
        Instant::now() < self.deadline
            && self
                .budget
                .fetch_update(std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed, |b| {
                    b.checked_sub(1)
                })
                .is_ok()
    }
}

/// One simulated analyst, working on case `case` (a transcript, its version, its PET).
async fn analyst(
    mut conn: Conn,
    shared: Arc<Shared>,
    think: Duration,
    case: (String, String, String),
    seed: usize,
) -> Seen {
    let (transcript, version, pet) = case;
    let mut seen = Seen::default();
    let mut round = 0usize;
    // Pauses vary (0.5–1.5 × think, xorshift seeded per analyst) and start at a random offset,
    // so analysts do not march in step and queue behind each other in bursts.
    let mut state = (seed as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut jitter = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1000) as f64 / 1000.0
    };
    if !think.is_zero() {
        tokio::time::sleep(think.mul_f64(jitter())).await;
    }
    'work: loop {
        round += 1;
        // A passage: one of the transcript's participant turns (every other line), varied per round.
        let line = 2 * ((seed * 7 + round * 3) % 40) + 2;
        let selection =
            json!({"transcript": transcript, "version": version, "start": line, "end": line, "unit": "lines"});
        let mut statement = None;
        for (op, _) in OPS.iter().enumerate() {
            if !shared.may_send() {
                break 'work;
            }
            let (path, body) = match op {
                0 => {
                    let mut b = selection.clone();
                    b["kind"] = json!("descriptive");
                    b["text"] = json!(format!("analyst {seed} round {round}: hardship eases"));
                    ("/api/v1/notes", b)
                }
                1 => {
                    let mut b = selection.clone();
                    b["text"] = json!(format!("Easing of hardship {seed}.{round}"));
                    if let Some(n) = seen.notes.last() {
                        b["from_notes"] = json!([n]);
                    }
                    ("/api/v1/statements", b)
                }
                _ => match &statement {
                    Some(s) => {
                        ("/api/v1/assignments", json!({"theme": pet, "statement": s, "strategy": "abstraction"}))
                    }
                    None => continue,
                },
            };
            let start = Instant::now();
            let reply = conn.send("POST", path, Some(&body)).await;
            seen.latency[op].push(start.elapsed().as_micros() as u64);
            match reply {
                Ok(r) if r.status == 201 => {
                    let v = r.json();
                    let id = v["id"].as_str().unwrap_or_default().to_owned();
                    match op {
                        0 => seen.notes.push(id),
                        1 => {
                            statement = Some(id.clone());
                            seen.statements.push(id);
                        }
                        _ => {
                            seen.assignments.push((pet.clone(), v["statement"].as_str().unwrap_or_default().to_owned()))
                        }
                    }
                }
                Ok(r) if r.status >= 500 => seen.server_errors += 1,
                Ok(r) => seen.refused.push((r.status, r.body.chars().take(200).collect())),
                Err(_) => seen.io_errors += 1,
            }
            if !think.is_zero() {
                tokio::time::sleep(think.mul_f64(0.5 + jitter())).await;
            }
        }
    }
    seen
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Reads the project back through the command line (from the database, not the server) and
/// returns the acknowledged writes that are missing.
fn lost_writes(o: &Options, project: &Project, seen: &Seen) -> Result<(usize, usize, usize), String> {
    let parse = |args: &[&str]| -> Result<Value, String> {
        serde_json::from_str(&cli(o, &project.args, args)?).map_err(|e| e.to_string())
    };
    let ids = |v: &Value| -> std::collections::HashSet<String> {
        v.as_array().into_iter().flatten().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect()
    };
    let notes = ids(&parse(&["--json", "note", "list"])?);
    let statements = ids(&parse(&["--json", "statement", "list"])?);
    let themes = parse(&["--json", "theme", "list"])?;
    let mut assigned = std::collections::HashSet::new();
    for t in themes.as_array().into_iter().flatten() {
        for s in t["statements"].as_array().into_iter().flatten() {
            assigned
                .insert((t["id"].as_str().unwrap_or_default().to_owned(), s.as_str().unwrap_or_default().to_owned()));
        }
    }
    Ok((
        seen.notes.iter().filter(|n| !notes.contains(*n)).count(),
        seen.statements.iter().filter(|s| !statements.contains(*s)).count(),
        seen.assignments.iter().filter(|a| !assigned.contains(*a)).count(),
    ))
}

fn main() -> std::process::ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(clean) if clean => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(o: &Options) -> Result<bool, String> {
    let project = set_up(o)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let backend = if o.database.is_some() { "PostgreSQL" } else { "SQLite (project file)" };
    let seen = runtime.block_on(async {
        let mut conn = Conn::new(&project.host);
        conn.cookie = session(o, &project.host, 0).await?;
        let listed = conn.get_json("/api/v1/transcripts").await;
        let themes = conn.get_json("/api/v1/themes").await;
        let cases: Vec<(String, String, String)> = listed["transcripts"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(themes["cases"].as_array().into_iter().flatten())
            .map(|(t, c)| {
                let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                (s(&t["id"]), s(&t["version"]), s(&c["pets"][0]["id"]))
            })
            .collect();
        // One live page listening throughout, as an analyst's open transcript view would.
        let heard = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut live =
            http::Events::subscribe_as(&project.host, conn.cookie.as_deref()).await.map_err(|e| e.to_string())?;
        let counter = heard.clone();
        let listener = tokio::spawn(async move {
            while live.wait_for("\"seq\"", Duration::from_secs(3600)).await.is_some() {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        // Everyone logs in before the clock starts (logins are audited, so the listener hears them).
        let mut conns = Vec::new();
        for a in 0..o.analysts {
            let mut conn = Conn::new(&project.host);
            conn.cookie = session(o, &project.host, a).await?;
            conns.push(conn);
        }
        let logins = conns.iter().filter(|c| c.cookie.is_some()).count();
        let shared = Arc::new(Shared {
            deadline: Instant::now() + Duration::from_secs(o.seconds),
            budget: o.max_requests.into(),
        });
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (a, conn) in conns.into_iter().enumerate() {
            let case = cases[a % cases.len()].clone();
            tasks.push(tokio::spawn(analyst(conn, shared.clone(), o.think, case, a)));
        }
        let mut all = Seen::default();
        for t in tasks {
            let s = t.await.unwrap_or_default();
            for i in 0..3 {
                all.latency[i].extend(&s.latency[i]);
            }
            all.notes.extend(s.notes);
            all.statements.extend(s.statements);
            all.assignments.extend(s.assignments);
            all.server_errors += s.server_errors;
            all.refused.extend(s.refused);
            all.io_errors += s.io_errors;
        }
        let elapsed = started.elapsed();
        // Give the feed a moment to deliver the last commits, then stop listening.
        tokio::time::sleep(Duration::from_secs(2)).await;
        listener.abort();
        Ok::<_, String>((all, elapsed, heard.load(std::sync::atomic::Ordering::Relaxed), logins))
    });
    let (mut seen, elapsed, heard, logins) = seen?;
    let (lost_notes, lost_statements, lost_assignments) = lost_writes(o, &project, &seen)?;
    let requests: usize = seen.latency.iter().map(Vec::len).sum();
    let mode = if o.team { "team mode (each analyst logged in)" } else { "local mode" };
    println!("## Team load: {} analysts, {backend}, {mode}, {:.1} s\n", o.analysts, elapsed.as_secs_f64());
    println!("| operation | requests | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    for (i, op) in OPS.iter().enumerate() {
        let l = &mut seen.latency[i];
        l.sort_unstable();
        println!(
            "| {op} | {} | {:.1} | {:.1} | {:.1} |",
            l.len(),
            percentile(l, 0.5),
            percentile(l, 0.99),
            l.last().copied().unwrap_or(0) as f64 / 1000.0
        );
    }
    let mut every: Vec<u64> = seen.latency.iter().flatten().copied().collect();
    every.sort_unstable();
    println!(
        "| **all** | {requests} | {:.1} | {:.1} | {:.1} |\n",
        percentile(&every, 0.5),
        percentile(&every, 0.99),
        every.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    println!("- throughput: {:.0} requests/s", requests as f64 / elapsed.as_secs_f64());
    println!(
        "- acknowledged: {} notes, {} statements, {} assignments",
        seen.notes.len(),
        seen.statements.len(),
        seen.assignments.len()
    );
    println!("- lost writes (acknowledged but not in the database): {lost_notes} notes, {lost_statements} statements, {lost_assignments} assignments");
    let acknowledged = seen.notes.len() + seen.statements.len() + seen.assignments.len();
    println!("- live events heard by one subscriber: {heard} (acknowledged writes: {acknowledged}, logins: {logins})");
    println!(
        "- 5xx answers: {}; other refusals: {}; connection errors: {}",
        seen.server_errors,
        seen.refused.len(),
        seen.io_errors
    );
    for (status, body) in seen.refused.iter().take(5) {
        println!("  - {status}: {body}");
    }
    if let Some(url) = &o.database {
        // Leave the shared server as it was.
        if let Some(id) = project.args.last() {
            let _ = Command::new("psql")
                .args([url.as_str(), "-q", "-c", &format!("DROP SCHEMA IF EXISTS {id} CASCADE")])
                .output();
        }
    }
    Ok(lost_notes + lost_statements + lost_assignments == 0 && seen.server_errors == 0 && seen.io_errors == 0)
}
