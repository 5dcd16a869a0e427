//! Dispatch: each command to its group's module in [`crate::commands`]. Commands that make,
//! move or serve projects open them themselves; every other command works on the project given
//! with -p, which is opened here, before it, and closed after it.

use std::process::ExitCode;

use anyhow::{bail, Result};
use idiograph_app::Workbench;

use crate::cli::{AdminCommand, Cli, Command};
use crate::commands::{
    admin, analysis, deid, extracts, guide, history, import, journal, notes, open, participants, project, recordings,
    reports, serve, statements, study, themes, transcripts,
};
use crate::printer::Printer;

/// Runs one command; the exit code says whether everything asked for was done.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let out = Printer::new(cli.json);
    match &cli.command {
        Command::Init { path, title, terminology } => {
            project::init(&cli, out, path.as_deref(), title, *terminology).await?
        }
        Command::Migrate(args) => project::migrate(&cli, out, args).await?,
        Command::Admin(AdminCommand::Projects) => admin::projects(&cli, out).await?,
        Command::Demo { out: file, no_serve, server } => {
            return project::demo(&cli, out, file.clone(), *no_serve, server).await
        }
        Command::Serve(args) => return serve::run(&cli, args).await,
        Command::FromQdpx { file, output } => project::from_qdpx(&cli, out, file, output).await?,
        Command::Backup { dest } => project::backup(&cli, out, dest).await?,
        command => {
            let wb = open(&cli).await?;
            let code = on_project(&wb, out, command).await;
            wb.close().await;
            return code;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a command on the open project `wb`.
async fn on_project(wb: &Workbench, out: Printer, command: &Command) -> Result<ExitCode> {
    match command {
        Command::Study(c) => study::run(wb, out, c).await?,
        Command::Participant(c) => participants::run(wb, out, c).await?,
        Command::Import { files, participant, participant_per_file } => {
            return import::run(wb, out, files, participant.as_deref(), *participant_per_file).await
        }
        Command::Merge { file } => project::merge(wb, out, file).await?,
        Command::Transcript(c) => transcripts::run(wb, out, c).await?,
        Command::Note(c) => notes::run(wb, out, c).await?,
        Command::Statement(c) => statements::run(wb, out, c).await?,
        Command::Theme(c) => themes::run(wb, out, c).await?,
        Command::Extract(c) => extracts::run(wb, out, c).await?,
        Command::Journal(c) => journal::run(wb, out, c).await?,
        Command::Guide(c) => guide::run(wb, out, c).await?,
        Command::Recording(c) => recordings::run(wb, out, c).await?,
        Command::Transcribe { recording, participant, model } => {
            recordings::transcribe(wb, out, recording, participant, &model.model).await?
        }
        Command::Align { transcript, recording, model } => {
            recordings::align(wb, out, transcript, recording.as_deref(), &model.model).await?
        }
        Command::Recurrence => analysis::recurrence(wb, out).await?,
        Command::Search(args) => analysis::search(wb, out, args).await?,
        Command::Matrix { themes, by_attr } => analysis::matrix(wb, out, themes, by_attr.as_deref()).await?,
        Command::Frequencies { participant, role, top } => {
            analysis::frequencies(wb, out, participant.as_deref(), *role, *top).await?
        }
        Command::Report { format, table, output, allow_leaks } => {
            reports::report(wb, out, *format, *table, output.as_deref(), *allow_leaks).await?
        }
        Command::Figure { kind, format, output, allow_leaks } => {
            reports::figure(wb, out, *kind, *format, output.as_deref(), *allow_leaks).await?
        }
        Command::Results { format, output, allow_leaks } => {
            reports::results(wb, out, *format, output.as_deref(), *allow_leaks).await?
        }
        Command::Deid(c) => deid::run(wb, out, c).await?,
        Command::History { limit } => history::history(wb, out, *limit).await?,
        Command::Undo => history::undo(wb, out, true).await?,
        Command::Redo => history::undo(wb, out, false).await?,
        Command::Admin(c) => admin::run(wb, out, c).await?,
        // `run` handles these before any project is opened.
        Command::Init { .. }
        | Command::Demo { .. }
        | Command::Serve(_)
        | Command::Backup { .. }
        | Command::Migrate(_)
        | Command::FromQdpx { .. } => bail!("this command opens no project given with -p"),
    }
    Ok(ExitCode::SUCCESS)
}
