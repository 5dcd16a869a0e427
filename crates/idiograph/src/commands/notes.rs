//! `note`: exploratory notes on passages.

use anyhow::Result;
use idiograph_app::Workbench;
use serde_json::json;

use crate::cli::NoteCommand;
use crate::printer::Printer;
use crate::selection::target;

/// Runs one `note` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &NoteCommand) -> Result<()> {
    match command {
        NoteCommand::Add { transcript, at, kind, text } => {
            let tg = target(wb, transcript, at).await?;
            let n = wb.add_note(&tg, *kind, text).await?;
            out.print(wb.note_view(n.short_id()).await?, || {
                format!("Added {kind} note {} on {transcript}", n.short_id())
            });
        }
        NoteCommand::List { transcript } => {
            let list = wb.note_views(transcript.as_deref(), &[]).await?;
            out.views(&list.notes, |n| format!("{:<5} {:<12} {}", n.id, n.kind, n.text));
        }
        NoteCommand::Edit { id, kind, text } => {
            let n = wb.edit_note(id, *kind, text.as_deref(), None).await?;
            out.print(wb.note_view(n.short_id()).await?, || format!("Updated note {}", n.short_id()));
        }
        NoteCommand::Delete { id } => {
            let n = wb.delete_note(id, None).await?;
            out.print(json!({"deleted": n.short_id()}), || format!("Deleted note {}", n.short_id()));
        }
    }
    Ok(())
}
