//! `journal`: the reflexive journal.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use serde_json::json;

use crate::cli::JournalCommand;
use crate::printer::Printer;

/// Runs one `journal` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &JournalCommand) -> Result<()> {
    match command {
        JournalCommand::Add { text, about } => {
            let j = wb.add_journal(text, about.as_deref()).await?;
            out.print(wb.journal_view(&format!("J{}", j.short)).await?, || format!("Added journal entry J{}", j.short));
        }
        JournalCommand::List => {
            let s = wb.snapshot().await?;
            let notes = wb.notes(None).await?;
            let shown: Vec<views::JournalEntry> =
                s.journal.iter().map(|j| views::JournalEntry::of(&s, j, &notes)).collect();
            out.views(&shown, |j| format!("{} {} {}\n  {}", j.id, j.created_at, j.author, j.text));
        }
        JournalCommand::Edit { id, text } => {
            let j = wb.edit_journal(id, text, None).await?;
            out.print(wb.journal_view(&format!("J{}", j.short)).await?, || {
                format!("Updated journal entry J{}", j.short)
            });
        }
        JournalCommand::Delete { id } => {
            let j = wb.delete_journal(id, None).await?;
            out.print(json!({"deleted": format!("J{}", j.short)}), || format!("Deleted journal entry J{}", j.short));
        }
    }
    Ok(())
}
