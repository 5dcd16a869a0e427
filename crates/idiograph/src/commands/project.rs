//! Commands on project files and servers as wholes: `init`, `migrate`, `from-qdpx`, `merge`,
//! `backup` and `demo`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use idiograph_app::{build_demo, ProjectMerge, Workbench, DEMO_TITLE};
use idiograph_model::Terminology;
use serde_json::json;

use super::{analysis, author, file_name, serve, shell_word};
use crate::cli::{Cli, MigrateArgs, ServerArgs};
use crate::printer::Printer;

/// The default file `idiograph demo` writes.
const DEMO_FILE: &str = "idiograph-demo.idg";

/// `init`: a new project file, or with --database a new project on the server.
pub(crate) async fn init(cli: &Cli, out: Printer, path: Option<&Path>, title: &str, t: Terminology) -> Result<()> {
    let (wb, project) = match (&cli.database, path) {
        (Some(url), _) => Workbench::create_on_server(url, title, t, &author(cli)).await?,
        (None, Some(path)) => (Workbench::create(path, title, t, &author(cli)).await?, path.display().to_string()),
        (None, None) => bail!("give the project file to create"),
    };
    wb.close().await;
    out.print(json!({"project": project, "title": title, "terminology": t.as_str()}), || {
        format!(
            "Created {project} ({t} wording). Next: idiograph -p {} participant add PSEUDONYM",
            shell_word(&project)
        )
    });
    Ok(())
}

/// `migrate`: copies a project file to a server, or a project on a server to a file.
pub(crate) async fn migrate(cli: &Cli, out: Printer, m: &MigrateArgs) -> Result<()> {
    match (&m.file, &m.to, &m.from, &m.server_project, &m.output) {
        (Some(file), Some(url), None, _, _) => {
            let wb = Workbench::open(file, &author(cli)).await?;
            let id = wb.copy_to_server(url).await;
            wb.close().await;
            let id = id?;
            out.print(json!({"project": id}), || format!("Copied {} to the server as project {id}", file.display()));
        }
        (None, None, Some(url), Some(id), Some(output)) => {
            let wb = Workbench::open_on_server(url, id, &author(cli)).await?;
            let copied = wb.copy_to_file(output).await;
            wb.close().await;
            copied?;
            out.print(json!({"project": output}), || {
                format!("Copied project {id} from the server to {}", output.display())
            });
        }
        _ => bail!(
            "use: idiograph migrate FILE.idg --to URL, or idiograph migrate --from URL --project-id ID -o FILE.idg"
        ),
    }
    Ok(())
}

/// Refuses --database for a command that makes a project file (`demo`, `from-qdpx`): silently
/// ignored, it would leave the researcher looking for the study on the server.
pub(crate) fn file_only(cli: &Cli, command: &str) -> Result<()> {
    if cli.database.is_some() {
        bail!(
            "`{command}` makes a project file, not a project on the server: leave out --database, then copy the \
             file there with `idiograph migrate FILE.idg --to URL`"
        );
    }
    Ok(())
}

/// `from-qdpx`: a new project file from a REFI-QDA project.
pub(crate) async fn from_qdpx(cli: &Cli, out: Printer, file: &Path, output: &Path) -> Result<()> {
    file_only(cli, "from-qdpx")?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (wb, report) = Workbench::import_qdpx(output, &bytes, &file_name(file), &author(cli)).await?;
    wb.close().await;
    out.print(
        json!({"project": output, "imported": report.imported, "not_imported": report.diagnostics,
               "not_imported_counts": report.not_imported}),
        || {
            let counts: Vec<String> = report.imported.iter().map(|(k, n)| format!("{n} {k}")).collect();
            let mut text = format!("Created {} from {}: {}", output.display(), file.display(), counts.join(", "));
            for d in &report.diagnostics {
                text.push_str(&format!("\n  note: {d}"));
            }
            text
        },
    );
    Ok(())
}

/// `merge`: a REFI-QDA project merged into the study as one command.
pub(crate) async fn merge(wb: &Workbench, out: Printer, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = wb.merge_qdpx(&bytes, &file_name(file)).await?;
    out.print(&report, || merge_text(&report));
    Ok(())
}

/// What a merge did: the counts, the participants and transcripts made, the sources and codes the
/// study already had, and what was left out.
fn merge_text(report: &ProjectMerge) -> String {
    let counts: Vec<String> = report.added.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let mut text = format!("Merged {} into the study: {} (undo takes it all back)", report.file, counts.join(", "));
    for p in &report.participants {
        text.push_str(&format!("\n  {} {} (case “{}”)", p.id, p.pseudonym, p.case));
    }
    for t in &report.transcripts {
        text.push_str(&format!("\n  {} {} ({})", t.id, t.title, t.participant));
    }
    for d in report.duplicates.iter().filter(|d| d.passages_placed) {
        text.push_str(&format!("\n  already here: source “{}” is {}; its codings went there", d.source, d.transcript));
    }
    for c in &report.clashes {
        text.push_str(&format!("\n  already here: code “{}” is {}; its codings went there", c.code, c.theme));
    }
    for d in &report.diagnostics {
        text.push_str(&format!("\n  note: {d}"));
    }
    text
}

/// `backup`: a consistent copy of the project.
pub(crate) async fn backup(cli: &Cli, out: Printer, dest: &Path) -> Result<()> {
    let wb = super::open(cli).await?;
    wb.backup(dest).await?;
    out.print(json!({"backup": dest}), || format!("Wrote a consistent copy to {}", dest.display()));
    Ok(())
}

/// `demo`: creates (or reopens) the sample study, prints an overview and serves it unless
/// `no_serve`.
pub(crate) async fn demo(
    cli: &Cli,
    out: Printer,
    file: Option<PathBuf>,
    no_serve: bool,
    server: &ServerArgs,
) -> Result<ExitCode> {
    file_only(cli, "demo")?;
    let path = file.unwrap_or_else(|| PathBuf::from(DEMO_FILE));
    let (wb, created) = if path.exists() {
        (Workbench::open(&path, &author(cli)).await?, false)
    } else {
        (
            build_demo(&path, &author(cli))
                .await
                .with_context(|| format!("building the demo study at {}", path.display()))?,
            true,
        )
    };
    let snapshot = wb.snapshot().await?;
    out.print(json!({"project": path, "created": created, "title": snapshot.settings.title}), || {
        let mut s = format!(
            "{} the demo study “{DEMO_TITLE}” at {}.\nIllustrative transcripts written for the demo; the quotations are from the poster by Money, Tan & Alexander.\n\n",
            if created { "Created" } else { "Opened" },
            path.display()
        );
        s.push_str(&analysis::recurrence_text(&snapshot));
        s.push_str(&format!(
            "\nTry:\n  idiograph -p {0} transcript show T1\n  idiograph -p {0} theme list\n  idiograph -p {0} report --format html -o report.html\n",
            shell_word(&path.to_string_lossy())
        ));
        s
    });
    if no_serve {
        wb.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    serve::serve(wb, server, None).await
}
