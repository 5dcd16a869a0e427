//! `import`: transcript files and folders, for one participant or one participant per file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use idiograph_app::{ImportGroup, ImportProgress, ImportedFile, Workbench};
use serde_json::json;

use super::file_name;
use crate::printer::{warn, Printer};

/// Imports files and folders for one participant, or one participant per file, with a progress
/// bar on a terminal; fails when any file was refused.
pub(crate) async fn run(
    wb: &Workbench,
    out: Printer,
    paths: &[PathBuf],
    participant: Option<&str>,
    per_file: bool,
) -> Result<ExitCode> {
    use std::io::IsTerminal;
    let (files, mut refused) = expand(paths);
    let bar = if !out.is_json() && std::io::stderr().is_terminal() && files.len() > 1 {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    // Group the files by participant: all for one, or one participant per file.
    let mut groups: Vec<ImportGroup> = Vec::new();
    for f in &files {
        let bytes = match std::fs::read(f) {
            Ok(b) => b,
            Err(e) => {
                refused.push(format!("{}: {e}", f.display()));
                continue;
            }
        };
        let who = match participant {
            Some(p) => p.to_owned(),
            None => f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        match groups.iter_mut().find(|(p, _)| *p == who) {
            Some((_, list)) => list.push((file_name(f), bytes)),
            None => groups.push((who, vec![(file_name(f), bytes)])),
        }
    }
    let progress: Option<ImportProgress> = bar.clone().map(|b| {
        let f: ImportProgress = std::sync::Arc::new(move |name: &str| {
            b.set_message(name.to_owned());
            b.inc(1);
        });
        f
    });
    let outcome = wb.import_batches(groups, per_file, &Default::default(), progress).await?;
    refused.extend(outcome.refused.iter().map(|r| r.reason.clone()));
    let imported: Vec<(String, ImportedFile)> =
        outcome.imported.into_iter().map(|f| (f.participant.clone(), f)).collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rows: Vec<_> = imported
        .iter()
        .map(|(who, f)| json!({"file": f.file_name, "participant": who, "transcript": f.transcript.short_id(), "turns": f.turns, "lines": f.lines, "diagnostics": f.diagnostics}))
        .collect();
    out.print(json!({"imported": rows, "refused": refused}), || {
        imported
            .iter()
            .map(|(who, f)| {
                format!("{}  {}  {who}  ({} turns, {} lines)", f.transcript.short_id(), f.file_name, f.turns, f.lines)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    for r in &refused {
        warn(&format!("error: {r}"));
    }
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Expands folders into the supported files they hold (sorted), keeping files as given; and
/// says why a folder gave none.
fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let supported = idiograph_formats::supported_extensions();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.is_file())
                        .filter(|f| {
                            f.extension()
                                .and_then(|x| x.to_str())
                                .is_some_and(|x| supported.contains(&x.to_lowercase().as_str()))
                        })
                        .collect();
                    found.sort();
                    if found.is_empty() {
                        problems.push(format!(
                            "{}: no transcript files ({}) in this folder",
                            p.display(),
                            supported.join(", ")
                        ));
                    }
                    files.extend(found);
                }
                Err(e) => problems.push(format!("{}: {e}", p.display())),
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, problems)
}
