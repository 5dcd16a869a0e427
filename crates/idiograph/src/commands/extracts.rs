//! `extract`: passages chosen to illustrate themes, with their citations.

use anyhow::Result;
use idiograph_app::Workbench;
use serde_json::json;

use crate::cli::ExtractCommand;
use crate::printer::Printer;
use crate::selection::target;
use crate::views::extract_json;

/// Runs one `extract` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &ExtractCommand) -> Result<()> {
    match command {
        ExtractCommand::Add { theme, transcript, at } => {
            let tg = target(wb, transcript, at).await?;
            let x = wb.add_extract(theme, &tg).await?;
            // The citation alone, without reading the whole study.
            let (_, citation, _) = wb.cite(&x.participant_id, &x.anchor).await?;
            out.print(json!({"id": format!("X{}", x.short), "citation": citation}), || {
                format!("Added extract X{} {citation}", x.short)
            });
        }
        ExtractCommand::List => {
            let s = wb.snapshot().await?;
            out.list(
                &s.extracts,
                |x| extract_json(&s, x),
                |x| {
                    let th = s.theme(&x.theme_id).map_or(String::new(), |t| format!("TH{} {}", t.short, t.title));
                    format!(
                        "X{:<3} [{th}] “{}” {}",
                        x.short,
                        x.anchor.quote().exact(),
                        s.cite(&x.participant_id, &x.anchor)
                    )
                },
            );
        }
        ExtractCommand::Delete { id } => {
            let x = wb.delete_extract(id, None).await?;
            out.print(json!({"deleted": format!("X{}", x.short)}), || format!("Deleted extract X{}", x.short));
        }
    }
    Ok(())
}
