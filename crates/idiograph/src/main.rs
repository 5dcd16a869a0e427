//! The `idiograph` binary: parses the command line, opens the project and calls one
//! application command per invocation. The only crate that knows about exit codes.

mod cli;
mod commands;
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

/// Refuses a command line clap cannot read. A wrong value (a word that is not one of an
/// option's words, a malformed rule) is bad input like any other and is refused on one line
/// that names the option, the value and why; clap shows the rest (help, a missing argument) its
/// own way.
fn refuse(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if !matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) {
        e.exit()
    }
    // clap's message (the value, the option, why, the words it takes, a similar word) on one
    // line, without its pointer to --help.
    let text = e.render().to_string();
    let line: Vec<&str> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("For more information")).collect();
    printer::warn(&line.join(" "));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // With no arguments at all (a double-click, `cargo run`), the home page of the studies.
    let parsed = if std::env::args_os().len() == 1 {
        cli::Cli::try_parse_from(["idiograph", "serve", "--open"])
    } else {
        cli::Cli::try_parse()
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return refuse(e),
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
