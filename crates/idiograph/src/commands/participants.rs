//! `participant`: the cases of the study.

use anyhow::{anyhow, bail, Result};
use idiograph_app::{views, ParticipantChanges, Workbench};
use idiograph_model::InterviewMeta;
use serde_json::json;

use crate::cli::{ParticipantCommand, ParticipantDetails};
use crate::printer::Printer;

/// Runs one `participant` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &ParticipantCommand) -> Result<()> {
    match command {
        ParticipantCommand::Add { pseudonym, details } => {
            let p = wb
                .add_participant(pseudonym, &attributes(details)?, interview(details, InterviewMeta::default()))
                .await?;
            out.print(wb.participant_view(p.short_id()).await?, || {
                format!("Added participant {} {}", p.short_id(), p.pseudonym)
            });
        }
        ParticipantCommand::List => {
            let s = wb.snapshot().await?;
            let notes = wb.notes(None).await?;
            out.print(views::Participant::all(&s, &notes), || {
                s.participants
                    .iter()
                    .map(|p| {
                        let attrs: Vec<String> = p.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        format!(
                            "{:<4} {:<16} {}  {}{}",
                            p.short_id(),
                            p.pseudonym,
                            attrs.join(", "),
                            p.interview.summary().unwrap_or_default(),
                            if p.finished_at.is_some() { "  [finished]" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        ParticipantCommand::Edit { participant, rename, details } => {
            let current = wb.participant(participant.as_str()).await?.interview;
            let changes = ParticipantChanges {
                pseudonym: rename.clone(),
                attributes: attributes(details)?,
                interview: Some(interview(details, current)),
            };
            let p = wb.update_participant(participant, changes).await?;
            out.print(wb.participant_view(p.short_id()).await?, || {
                format!("Updated participant {} {}", p.short_id(), p.pseudonym)
            });
        }
        ParticipantCommand::Finish { participant, reopen } => {
            let p = wb.set_case_finished(participant, !reopen).await?;
            out.print(wb.participant_view(p.short_id()).await?, || match &p.finished_at {
                Some(at) => format!("Case {} {} marked finished ({at})", p.short_id(), p.pseudonym),
                None => format!("Case {} {} is open again", p.short_id(), p.pseudonym),
            });
        }
        ParticipantCommand::Delete { participant } => {
            let p = wb.delete_participant(participant).await?;
            out.print(json!({"deleted": p.short_id()}), || {
                format!("Deleted participant {} {}", p.short_id(), p.pseudonym)
            });
        }
        ParticipantCommand::Withdraw { participant, confirm } => {
            if !confirm {
                bail!("withdrawing {participant} erases their transcripts and everything derived from them, and cannot be undone; add --confirm");
            }
            let done = wb.withdraw_participant(participant).await?;
            let (p, mentions) = (&done.participant, &done.mentions);
            out.print(
                json!({"withdrawn": p.short_id(), "mentions": mentions, "key_store_pending": done.key_store_pending}),
                || {
                    let mut text = format!(
                        "Participant {} withdrawn: their transcripts, notes, statements, themes and extracts are erased, also from the undo history and the search index.",
                        p.short_id()
                    );
                    if done.key_store_pending {
                        text.push_str(
                            "\nThe study's key store still holds their original transcripts: they are erased the next time it is unlocked (give --key-file, or unlock it on the Pseudonymisation page).",
                        );
                    }
                    if !mentions.is_empty() {
                        text.push_str(&format!(
                            "\nYour own text still mentions the pseudonym in: {}. Review these.",
                            mentions.join(", ")
                        ));
                    }
                    text
                },
            );
        }
    }
    Ok(())
}

/// The attributes given as KEY=VALUE.
fn attributes(details: &ParticipantDetails) -> Result<Vec<(String, String)>> {
    details.attrs.iter().map(|a| attribute(a)).collect()
}

/// An attribute given as `--attr KEY=VALUE`.
pub(crate) fn attribute(given: &str) -> Result<(String, String)> {
    given
        .split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| anyhow!("--attr '{given}' must be KEY=VALUE"))
}

/// The interview details given, each over the one in `base`.
fn interview(details: &ParticipantDetails, base: InterviewMeta) -> InterviewMeta {
    InterviewMeta {
        date: details.date.clone().or(base.date),
        mode: details.mode.clone().or(base.mode),
        duration_minutes: details.duration.or(base.duration_minutes),
        interviewer: details.interviewer.clone().or(base.interviewer),
    }
}
