//! `journal`: the reflexive journal.

use anyhow::Result;
use idiograph_app::Workbench;
use serde_json::json;

use crate::cli::JournalCommand;
use crate::printer::Printer;

/// Runs one `journal` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &JournalCommand) -> Result<()> {
    match command {
        JournalCommand::Add { text, about } => {
            let j = wb.add_journal(text, about.as_deref()).await?;
            out.print(wb.journal_view(j.short_id()).await?, || format!("Added journal entry {}", j.short_id()));
        }
        JournalCommand::List => {
            let shown = wb.journal_views().await?;
            out.views(&shown, |j| format!("{} {} {}\n  {}", j.id, j.created_at, j.author, j.text));
        }
        JournalCommand::Edit { id, text } => {
            let j = wb.edit_journal(id, text, None).await?;
            out.print(wb.journal_view(j.short_id()).await?, || format!("Updated journal entry {}", j.short_id()));
        }
        JournalCommand::Delete { id } => {
            let j = wb.delete_journal(id, None).await?;
            out.print(json!({"deleted": j.short_id()}), || format!("Deleted journal entry {}", j.short_id()));
        }
    }
    Ok(())
}
