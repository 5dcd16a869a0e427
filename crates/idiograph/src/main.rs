//! The `idiograph` binary: parses the command line, opens the project and calls one
//! application command per invocation. The only crate that knows about exit codes.

mod cli;
mod deid;
mod run;
mod selection;

use std::process::ExitCode;

use clap::Parser;

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
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One line: the cause chain joined, so the message names the thing and the reason.
            let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
