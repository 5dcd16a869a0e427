//! Helpers for the end-to-end tests of the `idiograph` binary: a project (a file, or a project
//! on a PostgreSQL server) with its own temporary directory, command runners that check exit
//! codes and parse JSON, and the "read-out" used to compare project states.

#![allow(dead_code)]

pub mod http;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use idiograph_testkit::{Backend, DropSchema};
use serde_json::Value;

/// The author every test command is recorded as.
pub const AUTHOR: &str = "tester";

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_idiograph")
}

/// A `Command` for the binary with a clean environment (no project or author from the caller).
pub fn command() -> Command {
    let mut c = Command::new(bin());
    c.env_remove("IDIOGRAPH_PROJECT").env_remove("IDIOGRAPH_AUTHOR").env("RUST_BACKTRACE", "0").stdin(Stdio::null());
    c
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// Whether it exited with status 0.
    pub success: bool,
    /// The exit code, if it exited normally.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    fn from(args: Vec<String>, out: Output) -> Run {
        Run {
            args,
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with the whole run unless it succeeded.
    pub fn assert_ok(&self) -> &Run {
        assert!(
            self.success,
            "`idiograph {}` failed (code {:?})\nstdout:\n{}\nstderr:\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stdout parsed as JSON (panics with the text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`idiograph {}` did not print JSON ({e}):\n{}", self.args.join(" "), self.stdout)
        })
    }
}

/// Runs the binary with `args` in `dir`.
pub fn run_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
    let out = command().current_dir(dir).args(&args).output().expect("cannot start the idiograph binary");
    Run::from(args, out)
}

/// The commands whose `--json` output, together, show the whole study (see
/// [`Project::readout`]).
pub const READOUT_VIEWS: [&[&str]; 9] = [
    &["participant", "list"],
    &["transcript", "list"],
    &["note", "list"],
    &["statement", "list"],
    &["theme", "list"],
    &["extract", "list"],
    &["journal", "list"],
    &["recurrence"],
    &["study", "show"],
];

/// A project, as a file or on a PostgreSQL server, with a temporary directory of its own for
/// the files a test writes; every command runs on it with the same arguments.
pub struct Project {
    /// The temporary directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// What `-p` names: the project file, or the project's id on the server.
    pub path: PathBuf,
    /// The server holding the project, for a server project.
    database: Option<String>,
    _schema: Option<DropSchema>,
}

impl Project {
    /// A new project file made with `idiograph init` (2022 wording).
    pub fn new() -> Project {
        Project::on(&Backend::File)
    }

    /// A new project on `backend` made with `idiograph init` (2022 wording).
    pub fn on(backend: &Backend) -> Project {
        Project::init(backend, &[]).0
    }

    /// A new project on `backend` made with `idiograph init` and `extra` arguments, and what
    /// init printed (text, or JSON with `--json`). On a server, init makes a new project and
    /// prints its id, which every later command names with `--database URL -p ID`.
    pub fn init(backend: &Backend, extra: &[&str]) -> (Project, Run) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("study.idg");
        let mut args = vec!["--author", AUTHOR];
        match backend {
            Backend::File => args.extend(["init", file.to_str().unwrap()]),
            Backend::Server(url) => args.extend(["--database", url, "init"]),
        }
        args.extend_from_slice(extra);
        let init = run_in(dir.path(), &args);
        init.assert_ok();
        let project = match backend {
            Backend::File => Project::file_at(dir, file),
            Backend::Server(url) => {
                // "Created ID (…)", or {"project": ID, …} with --json.
                let id = match serde_json::from_str::<Value>(&init.stdout) {
                    Ok(v) => v["project"].as_str().expect("init --json names the project").to_owned(),
                    Err(_) => init.stdout.split_whitespace().nth(1).expect("init names the project").to_owned(),
                };
                let schema = DropSchema::new(url, &id);
                Project { dir, path: PathBuf::from(id), database: Some(url.clone()), _schema: Some(schema) }
            }
        };
        (project, init)
    }

    /// A temporary directory and a project path in it, without running `init`.
    pub fn uninitialised() -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("study.idg");
        Project::file_at(dir, path)
    }

    /// The project file at `path` (made by the test), with `dir` for the files it writes.
    pub fn file_at(dir: tempfile::TempDir, path: PathBuf) -> Project {
        Project { dir, path, database: None, _schema: None }
    }

    /// A copy of this project file on the server at `url`, made with `idiograph migrate FILE
    /// --to URL`, with a temporary directory of its own.
    pub fn copy_on_server(&self, url: &str) -> Project {
        let moved = self.json(&["migrate", self.path.to_str().unwrap(), "--to", url]);
        let id = moved["project"].as_str().expect("migrate names the new project").to_owned();
        let schema = DropSchema::new(url, &id);
        let dir = tempfile::tempdir().expect("tempdir");
        Project { dir, path: PathBuf::from(id), database: Some(url.to_owned()), _schema: Some(schema) }
    }

    /// The server holding the project, or `None` for a project file.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// A path inside the project's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the project's directory and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.file(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }

    /// The arguments that name this project: `-p FILE`, or `--database URL -p ID`.
    pub fn args(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(url) = &self.database {
            v.extend(["--database".to_owned(), url.clone()]);
        }
        v.extend(["-p".to_owned(), self.path.display().to_string()]);
        v
    }

    fn full_args(&self, args: &[&str]) -> Vec<String> {
        let mut v = self.args();
        v.extend(["--author".to_owned(), AUTHOR.to_owned()]);
        v.extend(args.iter().map(|s| (*s).to_owned()));
        v
    }

    /// Runs a command on this project (as `tester`), whatever the outcome.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), self.full_args(args))
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        r.assert_ok();
        r.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let r = self.run(&a);
        r.assert_ok();
        r.json()
    }

    /// Starts a command on this project as a child process (stdout and stderr captured).
    pub fn spawn(&self, args: &[&str]) -> Child {
        command()
            .current_dir(self.dir.path())
            .args(self.full_args(args))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start the idiograph binary")
    }

    /// A stable read-out of the whole study: every list command's JSON and the settings.
    pub fn readout(&self) -> String {
        // The commands only read, so they run at once: most of their time is spent waiting
        // for the process to start and the database to answer.
        let views: Vec<Value> = std::thread::scope(|scope| {
            let running: Vec<_> = READOUT_VIEWS.iter().map(|c| scope.spawn(move || self.json(c))).collect();
            running.into_iter().map(|r| r.join().expect("a read-out command panicked")).collect()
        });
        let mut out = String::new();
        for (c, v) in READOUT_VIEWS.iter().zip(views) {
            out.push_str(&format!("== {}\n{}\n", c.join(" "), serde_json::to_string_pretty(&v).unwrap()));
        }
        out
    }

    /// How many audit events the history holds.
    pub fn history_len(&self) -> usize {
        self.json(&["history", "--limit", "100000"]).as_array().expect("history is an array").len()
    }

    /// Everything the project stores, each part with a name for messages: the raw bytes of the
    /// project file and of its `-wal` / `-shm` / `-journal` companions, or the server's rows.
    pub fn stored_bytes(&self) -> Vec<(String, Vec<u8>)> {
        if let Some(url) = &self.database {
            let id = self.path.display().to_string();
            return vec![(format!("the rows of {id} on the server"), idiograph_testkit::schema_contents(url, &id))];
        }
        let mut out = Vec::new();
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let p = format!("{}{suffix}", self.path.display());
            if let Ok(b) = std::fs::read(&p) {
                out.push((p, b));
            }
        }
        out
    }
}

impl Project {
    /// The search index folders the binary keeps for this project on this machine: beside a
    /// project file (`study.idg.search`), or for a server project this user's folder in the
    /// temporary folder (see `Workbench::search_index_dir`).
    pub fn search_index_dir(&self) -> PathBuf {
        match &self.database {
            None => PathBuf::from(format!("{}.search", self.path.display())),
            Some(_) => team_index_dir(&std::env::temp_dir(), &self.path.display().to_string()),
        }
    }
}

/// Where a server process whose temporary folder is `tmp` keeps its search index of the
/// server project `id`: `idiograph-UID/search/…` (private to the user).
pub fn team_index_dir(tmp: &Path, id: &str) -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    // A folder this process makes is owned by the user the binary runs as too.
    let mine = tempfile::tempdir().expect("tempdir");
    let uid = std::fs::metadata(mine.path()).expect("tempdir metadata").uid();
    tmp.join(format!("idiograph-{uid}")).join("search").join(format!("project_{id}_on_the_server"))
}

impl Drop for Project {
    /// A server project's commands keep a search index in the temporary folder; it goes with
    /// the project.
    fn drop(&mut self) {
        if self.database.is_some() {
            let _ = std::fs::remove_dir_all(self.search_index_dir());
        }
    }
}

/// Every file under `dir` (recursively), with its bytes; none when `dir` does not exist.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
    out
}

/// Whether `needle` occurs in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Byte size of a file, 0 when it does not exist.
pub fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// A deterministic interview transcript of about `bytes` bytes, made of
/// `Interviewer: …` / `P: …` turns.
pub fn synthetic_transcript(bytes: usize, seed: u64) -> String {
    const WORDS: &[&str] = &[
        "the",
        "group",
        "felt",
        "really",
        "quite",
        "about",
        "never",
        "when",
        "we",
        "they",
        "training",
        "support",
        "reflection",
        "patients",
        "because",
        "I",
        "think",
        "it",
        "was",
        "hard",
        "sometimes",
        "helped",
        "talking",
        "colleagues",
        "evening",
        "practice",
        "worried",
        "calm",
        "listening",
        "story",
    ];
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut out = String::with_capacity(bytes + 512);
    while out.len() < bytes {
        out.push_str("Interviewer: ");
        for i in 0..12 {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[next() % WORDS.len()]);
        }
        out.push_str("?\n\nP: ");
        for i in 0..40 {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORDS[next() % WORDS.len()]);
        }
        out.push_str(".\n\n");
    }
    out
}

/// Waits for `child` up to `limit`; kills it (SIGKILL) if it is still running then.
pub fn wait_or_kill(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            return child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether the process was ended by a signal (i.e. we killed it before it finished).
pub fn killed_by_signal(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal().is_some()
}

/// What a finished child process wrote to its standard error, for a failure message.
pub fn child_stderr(child: &mut Child) -> String {
    use std::io::Read;
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut text);
    }
    text
}

/// Ids (`"T1"`, …) of the transcripts in a project.
pub fn transcript_ids(p: &Project) -> Vec<String> {
    p.json(&["transcript", "list"])
        .as_array()
        .expect("transcript list is an array")
        .iter()
        .map(|t| t["id"].as_str().expect("transcript id").to_owned())
        .collect()
}

/// The `127.0.0.1:PORT` a started `serve` prints on its first line of standard output (which
/// must be piped).
pub fn served_host(child: &mut Child) -> String {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("serve's output is piped")).read_line(&mut line).unwrap();
    line.split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("serve did not start: {line}"))
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Sends one raw HTTP request to `host` on a fresh connection and returns the whole answer.
pub fn raw_request(host: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
