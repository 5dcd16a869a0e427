//! `recording`: attach, list, remove and export the recordings of interviews; `transcribe` and
//! `align`: Whisper on this machine.

use std::io::Write;

use anyhow::{bail, Context, Result};
use idiograph_app::{probe_recording, views, Job, MediaFile, SpeechModel, Workbench};
use idiograph_model::format_cue_time;
use serde_json::json;

use crate::cli::RecordingCommand;
use crate::commands::file_name;
use crate::printer::Printer;

/// Runs one `recording` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &RecordingCommand) -> Result<()> {
    match command {
        RecordingCommand::Attach { transcript, file } => {
            let view = attach(wb, transcript, file).await?;
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
                    text.push_str(&format!("line {:<6} {}\n", l.line, format_cue_time(l.time_ms)));
                }
                text.trim_end().to_owned()
            });
        }
    }
    Ok(())
}

/// One recording in a listing.
fn line(r: &views::Recording) -> String {
    let length = r.duration_ms.map(|ms| format!(", {}", format_cue_time(ms))).unwrap_or_default();
    format!(
        "{:<4} {:<4} {} ({}, {}, {} bytes{length})",
        r.id, r.transcript, r.file_name, r.media, r.mime, r.byte_length
    )
}

/// Attaches `file` to `transcript` once a probe has found it decodable (and how long it is),
/// reading it as it is stored, a piece at a time: a recording may be larger than memory.
async fn attach(wb: &Workbench, transcript: &str, file: &std::path::Path) -> Result<views::Recording> {
    let open = || std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()));
    let name = file_name(file);
    let mut source = open()?;
    let mut media = MediaFile::by_name(&name, &mut source)?;
    media.duration_ms = probe_recording(&name, open()?)?;
    let attached = wb.attach_recording(transcript, media).await?;
    Ok(views::Recording::of(&attached, wb.transcript(transcript).await?.0.short_id()))
}

/// A job whose progress shows as a bar on a terminal (and nowhere when printing JSON).
fn job(out: &Printer, what: &str) -> (Job, Option<indicatif::ProgressBar>) {
    use std::io::IsTerminal;
    let bar = (!out.is_json() && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(1000);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {percent} % ({elapsed}, about {eta} left)")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(what.to_owned());
        bar
    });
    let shown = bar.clone();
    let progress = Box::new(move |done: f64| {
        if let Some(bar) = &shown {
            bar.set_position((done * 1000.0) as u64);
        }
    });
    (Job { progress, cancel: Default::default() }, bar)
}

/// `transcribe RECORDING --participant X`: a new transcript from a recording.
pub(crate) async fn transcribe(
    wb: &Workbench,
    out: Printer,
    recording: &std::path::Path,
    participant: &str,
    model: &std::path::Path,
) -> Result<()> {
    let bytes = std::fs::read(recording).with_context(|| format!("cannot read {}", recording.display()))?;
    let model = SpeechModel::load(model)?;
    let (job, bar) = job(&out, "Transcribing");
    let made = wb.transcribe_recording(participant, &file_name(recording), bytes, &model, job).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let t = made?;
    out.print(wb.transcript_summary(t.short_id()).await?, || {
        format!(
            "Transcribed {} as {} for {participant}, every line timed and the recording attached; check it with the player (C corrects a line) and rename the speakers",
            recording.display(),
            t.short_id()
        )
    });
    Ok(())
}

/// `align T1 [RECORDING]`: every line of a transcript timed in its recording.
pub(crate) async fn align(
    wb: &Workbench,
    out: Printer,
    transcript: &str,
    recording: Option<&std::path::Path>,
    model: &std::path::Path,
) -> Result<()> {
    let name = recording.map(file_name);
    let bytes = match recording {
        Some(file) => Some(std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?),
        None => None,
    };
    let model = SpeechModel::load(model)?;
    let (job, bar) = job(&out, "Aligning");
    let aligned = wb.align_transcript(transcript, name.as_deref().zip(bytes), &model, job).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let aligned = aligned?;
    out.print(wb.line_times(transcript).await?, || {
        format!(
            "Aligned {transcript}: {} lines timed; Whisper heard {:.0} % of the transcript's words (the rest are timed between them)",
            aligned.lines,
            aligned.heard_share * 100.0
        )
    });
    Ok(())
}
