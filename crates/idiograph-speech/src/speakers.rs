//! Who speaks when: the transcription's words made turns, split where the voice changes or
//! after a long pause, and labelled `Speaker 1`, `Speaker 2`, … in order of first speaking.
//!
//! Voices are told apart acoustically, simply: the recording's stretches of sound (between
//! silences of a quarter second) each get a median pitch (autocorrelation) and a median
//! spectral centroid; two-means on those splits them into two voices when the two groups'
//! pitches differ by more than [`TurnOptions::same_voice_semitones`], else there is one voice.
//! Enough for an interviewer and a participant of different pitch; two similar voices, or
//! more than two speakers, are not told apart.

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

use crate::activity::stretches;
use crate::decode::SAMPLE_RATE;
use crate::whisper::{Segment, Word};

/// One speaker's turn: consecutive words in one voice without a long pause.
#[derive(Clone, Debug, PartialEq)]
pub struct SpokenTurn {
    /// `Speaker 1`, `Speaker 2`, … in order of first speaking.
    pub speaker: String,
    /// When the turn starts, in seconds.
    pub start_s: f64,
    /// When it ends, in seconds.
    pub end_s: f64,
    /// Its words, joined by spaces.
    pub text: String,
}

/// How [`speaker_turns`] splits and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnOptions {
    /// A pause at least this long (seconds) starts a new turn even in the same voice.
    pub pause_s: f64,
    /// Two voices whose median pitches differ by less than this (semitones) count as one.
    pub same_voice_semitones: f64,
}

impl Default for TurnOptions {
    fn default() -> Self {
        TurnOptions { pause_s: 1.0, same_voice_semitones: 2.0 }
    }
}

/// Frames of 20 ms for the pitch analysis.
const FRAME: usize = 320;

/// Turns from a transcription's `segments` of the recording `samples` (16 kHz mono).
pub fn speaker_turns(samples: &[f32], segments: &[Segment], options: &TurnOptions) -> Vec<SpokenTurn> {
    let words: Vec<Word> = segments
        .iter()
        .flat_map(|s| {
            if s.words.is_empty() {
                vec![Word { text: s.text.clone(), start_s: s.start_s, end_s: s.end_s }]
            } else {
                s.words.clone()
            }
        })
        .collect();
    let stretches = stretches(samples);
    let features: Vec<Option<(f64, f64)>> = stretches.iter().map(|r| voice(samples, r.clone())).collect();
    let voices = two_voices(&features, options.same_voice_semitones);
    let second = |t: f64| (t * f64::from(SAMPLE_RATE)) as usize;
    let mut turns: Vec<(usize, SpokenTurn)> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut previous_voice = 0;
    for word in words {
        // The stretch of sound the word overlaps most says whose voice it is.
        let (from, to) = (second(word.start_s), second(word.end_s).max(second(word.start_s) + 1));
        let voice = stretches
            .iter()
            .zip(&voices)
            .filter_map(|(r, v)| {
                let overlap = to.min(r.end).saturating_sub(from.max(r.start));
                v.map(|v| (overlap, v))
            })
            .filter(|(overlap, _)| *overlap > 0)
            .max_by_key(|(overlap, _)| *overlap)
            .map_or(previous_voice, |(_, v)| v);
        previous_voice = voice;
        let label = match labels.iter().position(|&l| l == voice) {
            Some(index) => index,
            None => {
                labels.push(voice);
                labels.len() - 1
            }
        };
        match turns.last_mut() {
            Some((last, turn)) if *last == label && word.start_s - turn.end_s < options.pause_s => {
                turn.end_s = word.end_s.max(turn.end_s);
                turn.text.push(' ');
                turn.text.push_str(&word.text);
            }
            _ => turns.push((
                label,
                SpokenTurn {
                    speaker: format!("Speaker {}", label + 1),
                    start_s: word.start_s,
                    end_s: word.end_s,
                    text: word.text,
                },
            )),
        }
    }
    turns.into_iter().map(|(_, turn)| turn).collect()
}

/// A stretch's median pitch (Hz, voiced frames only) and median spectral centroid (Hz).
fn voice(samples: &[f32], range: std::ops::Range<usize>) -> Option<(f64, f64)> {
    let window = 2 * FRAME;
    let (min_lag, max_lag) = (SAMPLE_RATE as usize / 400, SAMPLE_RATE as usize / 60);
    let fft = FftPlanner::<f32>::new().plan_fft_forward(window);
    let mut pitches = Vec::new();
    let mut centroids = Vec::new();
    let mut buffer = vec![Complex::new(0.0f32, 0.0); window];
    let mut start = range.start;
    while start + window <= range.end.min(samples.len()) {
        let frame = &samples[start..start + window];
        start += FRAME;
        let zero: f32 = frame.iter().map(|s| s * s).sum();
        if zero < 1e-4 {
            continue;
        }
        let (lag, r) = (min_lag..max_lag)
            .map(|lag| (lag, frame[..window - lag].iter().zip(&frame[lag..]).map(|(a, b)| a * b).sum::<f32>() / zero))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        if r > 0.4 {
            pitches.push(f64::from(SAMPLE_RATE) / lag as f64);
        }
        for (slot, s) in buffer.iter_mut().zip(frame) {
            *slot = Complex::new(*s, 0.0);
        }
        fft.process(&mut buffer);
        let half = &buffer[..window / 2];
        let total: f32 = half.iter().map(|c| c.norm()).sum();
        if total > 0.0 {
            let weighted: f32 = half.iter().enumerate().map(|(k, c)| k as f32 * c.norm()).sum();
            centroids.push(f64::from(weighted / total) * f64::from(SAMPLE_RATE) / window as f64);
        }
    }
    if pitches.len() < 3 {
        return None;
    }
    Some((median(&mut pitches), median(&mut centroids)))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Two-means over (log pitch, log centroid), standardised; each stretch's voice, 0 or 1 (or
/// `None` without a pitch). All 0 when the two groups' pitches are closer than `semitones`.
fn two_voices(features: &[Option<(f64, f64)>], semitones: f64) -> Vec<Option<usize>> {
    let points: Vec<(f64, f64)> = features.iter().flatten().map(|&(p, c)| (p.ln(), c.max(1.0).ln())).collect();
    if points.len() < 2 {
        return features.iter().map(|f| f.map(|_| 0)).collect();
    }
    let spread = |values: Vec<f64>| {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt().max(1e-9);
        (mean, sd)
    };
    let (pm, ps) = spread(points.iter().map(|p| p.0).collect());
    let (cm, cs) = spread(points.iter().map(|p| p.1).collect());
    let scaled: Vec<(f64, f64)> = points.iter().map(|p| ((p.0 - pm) / ps, (p.1 - cm) / cs)).collect();
    // Start from the lowest and highest pitch; a few rounds settle two groups.
    let lowest = scaled.iter().cloned().min_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_default();
    let highest = scaled.iter().cloned().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_default();
    let mut centres = [lowest, highest];
    let mut groups = vec![0usize; scaled.len()];
    for _ in 0..20 {
        let distance = |p: &(f64, f64), c: &(f64, f64)| (p.0 - c.0).powi(2) + (p.1 - c.1).powi(2);
        for (g, p) in groups.iter_mut().zip(&scaled) {
            *g = usize::from(distance(p, &centres[1]) < distance(p, &centres[0]));
        }
        for (k, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&(f64, f64)> =
                scaled.iter().zip(&groups).filter(|(_, &g)| g == k).map(|(p, _)| p).collect();
            if !members.is_empty() {
                let n = members.len() as f64;
                *centre = (members.iter().map(|p| p.0).sum::<f64>() / n, members.iter().map(|p| p.1).sum::<f64>() / n);
            }
        }
    }
    let pitch_of = |k: usize| {
        let mut pitches: Vec<f64> = points.iter().zip(&groups).filter(|(_, &g)| g == k).map(|(p, _)| p.0).collect();
        median(&mut pitches)
    };
    let apart = (pitch_of(1) - pitch_of(0)).abs() * 12.0 / std::f64::consts::LN_2;
    let two = groups.contains(&0) && groups.contains(&1) && apart >= semitones;
    let mut next = groups.into_iter();
    features.iter().map(|f| f.map(|_| if two { next.next().unwrap_or(0) } else { 0 })).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buzzy voice-like tone: harmonics of `hz`.
    fn voiced(hz: f64, seconds: f64) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                ((1..6).map(|k| (2.0 * std::f64::consts::PI * hz * k as f64 * t).sin() / k as f64).sum::<f64>() * 0.2)
                    as f32
            })
            .collect()
    }

    fn word(text: &str, start_s: f64, end_s: f64) -> Word {
        Word { text: text.into(), start_s, end_s }
    }

    #[test]
    fn two_pitches_are_two_speakers_and_a_long_pause_splits_a_turn() {
        let mut samples = voiced(110.0, 2.0);
        samples.extend(vec![0.0; 8000]);
        samples.extend(voiced(220.0, 2.0));
        samples.extend(vec![0.0; 24_000]);
        samples.extend(voiced(220.0, 1.0));
        let segments = vec![Segment {
            start_s: 0.0,
            end_s: 7.0,
            text: String::new(),
            words: vec![
                word("Hello", 0.1, 1.0),
                word("there.", 1.1, 1.9),
                word("Hi.", 2.6, 4.3),
                word("Again.", 6.0, 6.9),
            ],
        }];
        let turns = speaker_turns(&samples, &segments, &TurnOptions::default());
        let summary: Vec<(&str, &str)> = turns.iter().map(|t| (t.speaker.as_str(), t.text.as_str())).collect();
        assert_eq!(summary, [("Speaker 1", "Hello there."), ("Speaker 2", "Hi."), ("Speaker 2", "Again.")]);
        assert_eq!((turns[0].start_s, turns[0].end_s), (0.1, 1.9));
    }

    #[test]
    fn one_voice_stays_one_speaker() {
        let mut samples = voiced(150.0, 1.5);
        samples.extend(vec![0.0; 8000]);
        samples.extend(voiced(155.0, 1.5));
        let segments = vec![Segment {
            start_s: 0.0,
            end_s: 3.5,
            text: String::new(),
            words: vec![word("One", 0.1, 1.4), word("two", 2.1, 3.4)],
        }];
        let turns = speaker_turns(&samples, &segments, &TurnOptions::default());
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].speaker, "Speaker 1");
        assert_eq!(turns[0].text, "One two");
    }
}
