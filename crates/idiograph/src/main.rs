//! The `idiograph` binary: parses the command line, opens the project and calls one
//! application command per invocation. The only crate that knows about exit codes.

mod cli;
mod deid;
mod printer;
mod run;
mod selection;

use std::process::ExitCode;

use clap::Parser;

/// The error as one line that names the thing and the reason: the cause chain joined by ": ",
/// each cause once. A message that already ends with its cause's text (an error written as
/// `"{file}: {source}"`, which also hands out `source` as its cause) is not followed by it again.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn main() -> ExitCode {
    // With no arguments at all (a double-click, `cargo run`), the home page of the studies.
    let cli = if std::env::args_os().len() == 1 {
        cli::Cli::parse_from(["idiograph", "serve", "--open"])
    } else {
        cli::Cli::parse()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            printer::warn(&format!("error: cannot start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            printer::warn(&format!("error: {}", one_line(&e)));
            ExitCode::FAILURE
        }
    }
}
