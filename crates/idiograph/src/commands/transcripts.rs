//! `transcript`: list, read, retitle, delete and export transcripts, and their speakers.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use serde_json::json;

use super::reports::deliver;
use crate::cli::{AnnotatedFormat, TranscriptCommand};
use crate::printer::Printer;
use crate::selection::target;

/// Runs one `transcript` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &TranscriptCommand) -> Result<()> {
    match command {
        TranscriptCommand::List => {
            let s = wb.snapshot().await?;
            out.print(views::Transcript::all(&s), || {
                s.transcripts
                    .iter()
                    .map(|t| {
                        let v = &s.versions[&t.current_version];
                        format!(
                            "{:<4} {:<28} {:<14} v{}  {} lines, {} pages, {} turns",
                            t.short_id(),
                            t.title,
                            s.participant(&t.participant_id).map_or("?", |p| p.pseudonym.as_str()),
                            v.number,
                            v.layout.line_count(),
                            v.layout.page_count(),
                            v.turns.len()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        TranscriptCommand::Show { id } => show(wb, out, id).await?,
        TranscriptCommand::Rename { id, title } => {
            let t = wb.rename_transcript(id, title).await?;
            out.print(json!({"id": t.short_id(), "title": t.title}), || {
                format!("{} is now “{}”", t.short_id(), t.title)
            });
        }
        TranscriptCommand::Delete { id } => {
            let t = wb.delete_transcript(id).await?;
            out.print(json!({"deleted": t.short_id()}), || {
                format!("Deleted transcript {} and what was anchored only in it", t.short_id())
            });
        }
        TranscriptCommand::Speakers { id } => {
            let (t, v) = wb.transcript(id).await?;
            let count = |label: &str| v.turns.iter().filter(|turn| turn.label.as_deref() == Some(label)).count();
            let speakers: Vec<_> = t.speakers.iter().collect();
            out.list(
                &speakers,
                |(l, r)| json!({"label": l, "role": r.as_str(), "turns": count(l)}),
                |(l, r)| format!("{l:<30} {r:<12} {} turns", count(l)),
            );
        }
        TranscriptCommand::RenameSpeaker { id, label, new_label } => {
            let v = wb.rename_speaker(id, label, new_label).await?;
            out.print(json!({"transcript": id, "version": v.number}), || {
                format!("Renamed '{label}' to '{new_label}' in {id} (now version {}); notes, statements and extracts moved with the text", v.number)
            });
        }
        TranscriptCommand::Correct { id, at, text } => {
            let v = wb.correct_words(&target(wb, id, at).await?, text).await?;
            out.print(wb.transcript_summary(id.as_str()).await?, || {
                format!("Corrected {id} (now version {}); notes, statements and extracts moved with the text", v.number)
            });
        }
        TranscriptCommand::Role { id, label, role } => {
            let t = wb.set_speaker_role(id, label, *role).await?;
            out.print(
                json!({"id": t.short_id(), "speakers": t.speakers.iter().map(|(k, v)| (k.clone(), v.as_str())).collect::<std::collections::BTreeMap<_, _>>()}),
                || format!("{}: '{label}' is now {role}", t.short_id()),
            );
        }
        TranscriptCommand::Export { id, format, blank, output, allow_leaks } => {
            let docx = *format == AnnotatedFormat::Docx;
            let body = wb.annotated_transcript(id, docx, *blank, *allow_leaks).await?;
            deliver(out, &body, output.as_deref(), if docx { "docx" } else { "html" })?;
        }
    }
    Ok(())
}

/// `transcript show`: the text with its frozen line numbers and page breaks.
async fn show(wb: &Workbench, out: Printer, id: &str) -> Result<()> {
    let read = wb.transcript_view(id).await?;
    let recording = read.recording.clone();
    let (s, notes) = read.into_snapshot();
    let (Some(t), Some(view)) = (s.transcripts.first(), views::TranscriptText::of(&s, &notes, recording.as_ref()))
    else {
        anyhow::bail!("transcript {id} has no current version");
    };
    let v = &s.versions[&t.current_version];
    let layout = &v.layout;
    let mut lines = Vec::new();
    for g in 1..=layout.line_count() {
        let span = layout.line_span(g).unwrap_or_else(|| idiograph_text::Span::full(""));
        let pos = layout.position(span.start());
        lines.push((g, pos.page, pos.line, layout.line_text(&v.text, g).unwrap_or_default()));
    }
    out.print(view, || {
        let mut text = format!(
            "{} {} — version {}, {} lines, {} pages\n",
            t.short_id(),
            t.title,
            v.number,
            layout.line_count(),
            layout.page_count()
        );
        for (g, p, l, line) in &lines {
            if *l == 1 {
                text.push_str(&format!("──── page {p} ────\n"));
            }
            text.push_str(&format!("{g:>5} {p:>3}:{l:<3}│ {line}\n"));
        }
        text
    });
    Ok(())
}
