//! `statement`: experiential statements (2009: emergent themes) grounded in passages.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use idiograph_model::Term;
use serde_json::json;

use super::study;
use crate::cli::StatementCommand;
use crate::printer::Printer;
use crate::selection::target;

/// Runs one `statement` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &StatementCommand) -> Result<()> {
    match command {
        StatementCommand::Add { transcript, at, from_notes, text } => {
            let tg = target(wb, transcript, at).await?;
            let s = wb.add_statement(&tg, text, from_notes).await?;
            let label = study::terminology(wb).await?.label(Term::Statement).to_lowercase();
            out.print(wb.statement_view(s.short_id()).await?, || format!("Added {label} {}", s.short_id()));
        }
        StatementCommand::Anchor { id, transcript, at } => {
            let tg = target(wb, transcript, at).await?;
            let s = wb.add_statement_anchor(id, &tg).await?;
            out.print(wb.statement_view(s.short_id()).await?, || {
                format!("{} is now grounded in {} passages", s.short_id(), s.anchors.len())
            });
        }
        StatementCommand::List { participant } => {
            let s = wb.snapshot().await?;
            let notes = wb.notes(None).await?;
            let only = match participant {
                Some(p) => Some(&s.find_participant(p)?.id),
                None => None,
            };
            let list: Vec<_> =
                s.statements.iter().filter(|st| only.as_ref().is_none_or(|p| *p == &st.participant_id)).collect();
            let shown: Vec<views::Statement> = list.iter().map(|st| views::Statement::of(&s, st, &notes)).collect();
            out.print(shown, || {
                list.iter()
                    .map(|st| {
                        let who = s.participant(&st.participant_id).map_or("?", |p| p.pseudonym.as_str());
                        let at: Vec<String> = st.anchors.iter().map(|a| s.lines(a)).collect();
                        format!("{:<5} {:<10} {}  ({})", st.short_id(), who, st.text, at.join("; "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        StatementCommand::Edit { id, text } => {
            let s = wb.edit_statement(id, text, None).await?;
            out.print(wb.statement_view(s.short_id()).await?, || format!("Updated {}", s.short_id()));
        }
        StatementCommand::Delete { id } => {
            let s = wb.delete_statement(id, None).await?;
            out.print(json!({"deleted": s.short_id()}), || format!("Deleted {}", s.short_id()));
        }
    }
    Ok(())
}
