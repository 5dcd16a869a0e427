//! The commands, one module per group. Each calls one application command (or query) and
//! prints its outcome once, through the [`Printer`](crate::printer::Printer); what they share —
//! who the author is, opening the project, quoting a word for a suggested command — is here.

pub(crate) mod admin;
pub(crate) mod analysis;
pub(crate) mod deid;
pub(crate) mod extracts;
pub(crate) mod guide;
pub(crate) mod history;
pub(crate) mod import;
pub(crate) mod journal;
pub(crate) mod notes;
pub(crate) mod participants;
pub(crate) mod project;
pub(crate) mod recordings;
pub(crate) mod reports;
pub(crate) mod serve;
pub(crate) mod statements;
pub(crate) mod study;
pub(crate) mod themes;
pub(crate) mod transcripts;

use std::path::Path;

use anyhow::{anyhow, Result};
use idiograph_app::Workbench;

use crate::cli::Cli;

/// Who the audit log records as the author: --author, $IDIOGRAPH_AUTHOR, $USER, else "researcher".
pub(crate) fn author(cli: &Cli) -> String {
    cli.author
        .clone()
        .or_else(|| std::env::var("IDIOGRAPH_AUTHOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "researcher".to_owned())
}

/// Opens the project given with -p (a file, or with --database a project on the server) and
/// unlocks its key store when --key-file is given.
pub(crate) async fn open(cli: &Cli) -> Result<Workbench> {
    let path = cli
        .project
        .as_ref()
        .ok_or_else(|| anyhow!("no project given: use -p PROJECT.idg (or set IDIOGRAPH_PROJECT)"))?;
    let wb = match &cli.database {
        Some(url) => Workbench::open_on_server(url, &path.to_string_lossy(), &author(cli)).await?,
        None => Workbench::open(path, &author(cli)).await?,
    };
    let wb = with_test_kill(wb);
    if let Some(key_file) = &cli.key_file {
        let passphrase = deid::passphrase(key_file)?;
        if let Err(e) = wb.unlock_key_store(key_file, &passphrase).await {
            wb.close().await;
            return Err(e.into());
        }
    }
    Ok(wb)
}

/// Crash tests: with `IDIOGRAPH_TEST_KILL_AT=STEP` the process kills itself (SIGKILL, as
/// `kill -9` would) when a withdrawal reaches that step (see `idiograph_app::ErasureHook`).
fn with_test_kill(wb: Workbench) -> Workbench {
    match std::env::var("IDIOGRAPH_TEST_KILL_AT") {
        Ok(at) if !at.is_empty() => wb.with_erasure_hook(std::sync::Arc::new(move |step: &str| {
            if step == at {
                let me = std::process::id().to_string();
                let _ = std::process::Command::new("kill").args(["-KILL", &me]).status();
                std::process::abort();
            }
        })),
        _ => wb,
    }
}

/// `word` as the shell reads it back in a suggested command: as it is when it holds only
/// characters no shell treats specially, else in single quotes.
pub(crate) fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || "._-/+=:@,".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The file name of `path` as the audit log and messages show it.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}
