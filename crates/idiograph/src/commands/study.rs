//! `study`: show or change the study settings.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use idiograph_model::{Term, Terminology};

use crate::cli::StudyCommand;
use crate::printer::Printer;

/// Runs one `study` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &StudyCommand) -> Result<()> {
    match command {
        StudyCommand::Show => {
            let study = wb.snapshot().await?;
            let s = &study.settings;
            out.print(views::Study::of(&study), || {
                format!(
                    "{}\nResearch question: {}\nTerminology: {} ({}, {}, {})\nRecurrence rule: {}\nLayout: {} characters per line, {} lines per page\nFillers in printed quotes: {}",
                    s.title,
                    s.research_question.as_deref().unwrap_or("—"),
                    s.terminology,
                    s.terminology.label(Term::Statements),
                    s.terminology.label(Term::Pets),
                    s.terminology.label(Term::Gets),
                    s.recurrence_rule.encode(),
                    s.layout.chars_per_line(),
                    s.layout.lines_per_page(),
                    s.fillers
                )
            });
        }
        StudyCommand::Set { title, question, terminology, recurrence, fillers } => {
            wb.update_study(title.as_deref(), question.as_deref(), *terminology, *recurrence, *fillers, None).await?;
            out.print(views::Study::of(&wb.snapshot().await?), || "Study settings updated.".to_owned());
        }
    }
    Ok(())
}

/// The study's terminology, for the label of what a command made.
pub(crate) async fn terminology(wb: &Workbench) -> Result<Terminology> {
    Ok(wb.settings().await?.terminology)
}
