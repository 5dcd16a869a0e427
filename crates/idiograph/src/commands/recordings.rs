//! `recording`: attach, list, remove and export the recordings of interviews.

use std::io::Write;

use anyhow::{bail, Context, Result};
use idiograph_app::{views, MediaFile, Workbench};
use serde_json::json;

use crate::cli::RecordingCommand;
use crate::commands::file_name;
use crate::printer::Printer;

/// Runs one `recording` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &RecordingCommand) -> Result<()> {
    match command {
        RecordingCommand::Attach { transcript, file } => {
            // Read as it is stored, a piece at a time: a recording may be larger than memory.
            let mut source = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
            let attached =
                wb.attach_recording(transcript.as_str(), MediaFile::by_name(&file_name(file), &mut source)?).await?;
            let view = views::Recording::of(&attached, wb.transcript(transcript.as_str()).await?.0.short_id());
            out.print(&view, || format!("Attached {} to {} as {}", view.file_name, view.transcript, view.id));
        }
        RecordingCommand::List => {
            let recordings = wb.recording_views().await?;
            if recordings.is_empty() && !out.is_json() {
                out.print(json!([]), || "No recordings: attach one with `recording attach T1 FILE`".to_owned());
                return Ok(());
            }
            out.views(&recordings, line);
        }
        RecordingCommand::Remove { transcript } => {
            let removed = wb.remove_recording(transcript.as_str()).await?;
            out.print(json!({"deleted": removed.short_id()}), || {
                format!("Removed {} ({}) from {transcript}", removed.short_id(), removed.file_name)
            });
        }
        RecordingCommand::Export { transcript, output } => {
            let Some(recording) = wb.recording(transcript.as_str()).await? else {
                bail!("{transcript} has no recording");
            };
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(output)
                .with_context(|| format!("cannot create {}", output.display()))?;
            let mut bytes = wb.recording_bytes(&recording, 0..recording.byte_length);
            let written = async {
                while let Some(piece) = bytes.next_piece().await? {
                    file.write_all(&piece)?;
                }
                file.sync_all()?;
                anyhow::Ok(())
            }
            .await;
            if let Err(e) = written {
                drop(file);
                let _ = std::fs::remove_file(output);
                return Err(e.context(format!("cannot write {}", output.display())));
            }
            out.print(json!({"written": output.display().to_string(), "bytes": recording.byte_length}), || {
                format!("Wrote {} ({} bytes) to {}", recording.file_name, recording.byte_length, output.display())
            });
        }
        RecordingCommand::Times { transcript } => {
            let times = wb.line_times(transcript.as_str()).await?;
            out.print(&times, || {
                if times.lines.is_empty() {
                    return format!(
                        "{} has no times: no sync points, and its turns carry no timestamps",
                        times.transcript
                    );
                }
                let mut text = format!("{} (times from its {})\n", times.transcript, times.from);
                for l in &times.lines {
                    text.push_str(&format!("line {:<6} {}\n", l.line, clock(l.time_ms)));
                }
                text.trim_end().to_owned()
            });
        }
    }
    Ok(())
}

/// One recording in a listing.
fn line(r: &views::Recording) -> String {
    let length = r.duration_ms.map(|ms| format!(", {}", clock(ms))).unwrap_or_default();
    format!(
        "{:<4} {:<4} {} ({}, {}, {} bytes{length})",
        r.id, r.transcript, r.file_name, r.media, r.mime, r.byte_length
    )
}

/// Milliseconds as `h:mm:ss.mmm`.
fn clock(ms: u64) -> String {
    format!("{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}
