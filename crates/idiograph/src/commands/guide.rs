//! `guide`: the interview guide, matching interviewer turns to its questions, and the answers.

use anyhow::{bail, Context, Result};
use idiograph_app::{GuideAnswers, GuideMatch, Workbench};
use serde_json::json;

use crate::cli::GuideCommand;
use crate::commands::file_name;
use crate::commands::reports::deliver;
use crate::printer::Printer;

/// Runs one `guide` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &GuideCommand) -> Result<()> {
    match command {
        GuideCommand::List => list(wb, out).await?,
        GuideCommand::Add { text, under } => {
            let q = wb.add_guide_question(text, under.as_deref()).await?;
            let what = if q.is_prompt() { "prompt" } else { "question" };
            out.print(wb.guide().await?, || format!("Added {what} {}", q.short_id()));
        }
        GuideCommand::Import { file } => {
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let imported = wb.import_guide(&bytes, &file_name(file)).await?;
            out.print(&imported, || {
                let mut text = format!("Added {} questions and prompts from {}", imported.added, file_name(file));
                for line in &imported.skipped {
                    text.push_str(&format!("\n  not a question: {line}"));
                }
                text
            });
        }
        GuideCommand::Edit { id, text } => {
            let q = wb.edit_guide_question(id.as_str(), text, None).await?;
            out.print(wb.guide().await?, || format!("Reworded {}", q.short_id()));
        }
        GuideCommand::Delete { id } => {
            let q = wb.delete_guide_question(id.as_str(), None).await?;
            out.print(json!({"deleted": q.short_id()}), || format!("Deleted {}", q.short_id()));
        }
        GuideCommand::Match { transcript } => {
            let m = wb.guide_match(transcript.as_str()).await?;
            out.print(&m, || turns(&m));
        }
        GuideCommand::Confirm { transcript, set } => {
            let m = wb.guide_match(transcript.as_str()).await?;
            let mut choices = Vec::new();
            for s in set {
                let (line, question) =
                    s.split_once('=').with_context(|| format!("--set {s}: expected LINE=Q3 or LINE=none"))?;
                let line: u32 =
                    line.trim().parse().with_context(|| format!("--set {s}: '{line}' is not a line number"))?;
                let Some(turn) = m.turns.iter().find(|t| t.line == line) else {
                    let starts: Vec<String> = m.turns.iter().map(|t| t.line.to_string()).collect();
                    bail!(
                        "--set {s}: no interviewer turn of {} starts on line {line} (they start on lines {})",
                        m.transcript,
                        starts.join(", ")
                    );
                };
                let question = question.trim();
                let question = (!question.eq_ignore_ascii_case("none")).then(|| question.to_owned());
                choices.push((turn.start, question));
            }
            let m = wb.confirm_questions(transcript.as_str(), &choices).await?;
            out.print(&m, || format!("Confirmed the questions asked in {}\n{}", m.transcript, turns(&m)));
        }
        GuideCommand::Answers { format: None, .. } => {
            let answers = wb.guide_answers().await?;
            out.print(&answers, || answers_text(&answers));
        }
        GuideCommand::Answers { format: Some(format), output, allow_leaks } => {
            let bytes = wb.export_guide_answers(*format, *allow_leaks).await?;
            deliver(out, &bytes, output.as_deref(), format.extension())?;
        }
    }
    Ok(())
}

async fn list(wb: &Workbench, out: Printer) -> Result<()> {
    let guide = wb.guide().await?;
    out.print(&guide, || {
        if guide.questions.is_empty() {
            return "The interview guide is empty: add questions with `guide add` or `guide import FILE`".to_owned();
        }
        let mut text = String::new();
        for q in &guide.questions {
            text.push_str(&format!("{:<4} {}  (asked in {} transcripts)\n", q.id, q.text, q.asked_in));
            for p in &q.prompts {
                text.push_str(&format!("     {:<4} {}\n", p.id, p.text));
            }
        }
        text.trim_end().to_owned()
    });
    Ok(())
}

/// A transcript's interviewer turns, one per line: line, confirmed (or suggested?) question, words.
fn turns(m: &GuideMatch) -> String {
    if m.turns.is_empty() {
        return format!("{} has no interviewer turns: set a speaker's role to interviewer first", m.transcript);
    }
    let mut text = format!(
        "{} {} ({}){}\n",
        m.transcript,
        m.title,
        m.pseudonym,
        if m.confirmed { "" } else { ": suggestions, not confirmed" }
    );
    for t in &m.turns {
        let question = match (t.confirmed, t.suggested) {
            (Some(q), _) if m.confirmed => q.to_string(),
            (None, _) if m.confirmed => "-".to_owned(),
            (_, Some(q)) => format!("{q}?"),
            (_, None) => "-?".to_owned(),
        };
        let words: String = t.text.chars().take(90).collect();
        text.push_str(&format!("line {:<5} {:<5} {}\n", t.line, question, words));
    }
    text.trim_end().to_owned()
}

fn answers_text(a: &GuideAnswers) -> String {
    let mut text = String::new();
    for q in &a.questions {
        text.push_str(&format!("{} {}\n", q.question, q.text));
        for (p, cell) in a.participants.iter().zip(&q.cells) {
            if cell.answers.is_empty() {
                text.push_str(&format!("  {}: (not asked)\n", p.pseudonym));
            }
            for answer in &cell.answers {
                let words: String = answer.text.chars().take(200).collect();
                text.push_str(&format!("  {} {}\n", words, answer.citation));
            }
        }
    }
    if !a.unconfirmed.is_empty() {
        let names: Vec<String> = a.unconfirmed.iter().map(|t| t.to_string()).collect();
        text.push_str(&format!("Not confirmed yet (answers not shown): {}\n", names.join(", ")));
    }
    text.trim_end().to_owned()
}
