//! `extract`: passages chosen to illustrate themes, with their citations.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use serde_json::json;

use crate::cli::ExtractCommand;
use crate::printer::Printer;
use crate::selection::target;

/// Runs one `extract` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &ExtractCommand) -> Result<()> {
    match command {
        ExtractCommand::Add { theme, transcript, at } => {
            let tg = target(wb, transcript, at).await?;
            let x = wb.add_extract(theme, &tg).await?;
            // The extract's case alone, without reading the whole study.
            let view = wb.extract_view(x.short_id()).await?;
            let text = format!("Added extract {} {}", x.short_id(), view.citation);
            out.print(view, || text);
        }
        ExtractCommand::List => {
            let s = wb.snapshot().await?;
            let shown: Vec<views::Extract> = s.extracts.iter().map(|x| views::Extract::of(&s, x)).collect();
            out.print(shown, || {
                s.extracts
                    .iter()
                    .map(|x| {
                        let th =
                            s.theme(&x.theme_id).map_or(String::new(), |t| format!("{} {}", t.short_id(), t.title));
                        format!(
                            "{:<4} [{th}] “{}” {}",
                            x.short_id(),
                            x.anchor.quote().exact(),
                            s.cite(&x.participant_id, &x.anchor)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ExtractCommand::Delete { id } => {
            let x = wb.delete_extract(id, None).await?;
            out.print(json!({"deleted": x.short_id()}), || format!("Deleted extract {}", x.short_id()));
        }
    }
    Ok(())
}
