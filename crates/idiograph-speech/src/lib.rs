//! Recordings: decoding audio and video files, offline transcription with OpenAI Whisper, and
//! aligning a typed transcript to its recording.
//!
//! - [`decode`]: what a recording is ([`probe`]) and its sound as Whisper hears it
//!   ([`decode_16k_mono`]: mono, 16 kHz), with a clear refusal for what cannot be decoded.
//! - [`whisper`]: a Whisper model read from a folder the caller gives ([`Transcriber::load`]),
//!   transcribing into timed [`Segment`]s and [`Word`]s, with progress and cancellation.
//! - [`speakers`]: the segments made [`SpokenTurn`]s, split at long pauses and labelled
//!   `Speaker 1`, `Speaker 2`, … where the voices can be told apart.
//! - [`align`]: a time for each word of a typed transcript, which is never changed.
//! - [`wer`]: the word error rate of a transcription against a reference.
//!
//! Pure over what the caller supplies: no network, no files beyond the model folder the caller
//! names; everything CPU-heavy, so callers run it on a blocking thread.

mod activity;
pub mod align;
pub mod decode;
pub mod speakers;
pub mod wer;
pub mod whisper;

pub use align::{align_words, Alignment, TimedWord};
pub use decode::{decode_16k_mono, probe, MediaInfo, MediaKind, MAX_DURATION_S, SAMPLE_RATE};
pub use speakers::{speaker_turns, SpokenTurn, TurnOptions};
pub use wer::{normalise_words, word_error_rate};
pub use whisper::{Segment, Transcriber, Word};

/// Why a recording could not be decoded, a model not loaded, or a transcription not finished.
/// Every refusal names the file or folder and the reason.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// The bytes are not a recording any supported container holds.
    #[error("{file} is not an audio or video file that can be read ({reason})")]
    NotMedia {
        /// The file's name as the caller gave it.
        file: String,
        /// What the decoder said.
        reason: String,
    },
    /// The container is readable but its audio is in a codec this build cannot decode.
    #[error("{file} uses an audio codec that cannot be decoded ({reason})")]
    UnsupportedCodec {
        /// The file's name as the caller gave it.
        file: String,
        /// The codec, as far as the container says.
        reason: String,
    },
    /// The container holds no audio track (a silent video, say).
    #[error("{file} has no audio track")]
    NoAudio {
        /// The file's name as the caller gave it.
        file: String,
    },
    /// The file ends early or is damaged where its audio should be.
    #[error("{file} is truncated or damaged ({reason})")]
    Damaged {
        /// The file's name as the caller gave it.
        file: String,
        /// What the decoder said.
        reason: String,
    },
    /// The recording is longer than [`MAX_DURATION_S`], which bounds the memory a transcription takes.
    #[error("{file} lasts {seconds:.0} s, longer than the {limit:.0} s that can be transcribed at once; split the recording")]
    TooLong {
        /// The file's name as the caller gave it.
        file: String,
        /// Its duration, or as much as was decoded before giving up.
        seconds: f64,
        /// The limit ([`MAX_DURATION_S`]).
        limit: f64,
    },
    /// The file could not be read.
    #[error("{file} could not be read: {source}")]
    Read {
        /// The file's name as the caller gave it.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The model folder lacks a file, or a file is not what a Whisper model holds.
    #[error("the Whisper model in {folder} cannot be used: {reason}")]
    Model {
        /// The model folder.
        folder: String,
        /// What is missing or wrong.
        reason: String,
    },
    /// The caller cancelled the transcription.
    #[error("the transcription was cancelled")]
    Cancelled,
    /// The model's computation failed (a bug or a resource limit, not bad input).
    #[error("the Whisper model failed: {0}")]
    Compute(String),
}

impl From<candle_core::Error> for SpeechError {
    fn from(error: candle_core::Error) -> Self {
        SpeechError::Compute(error.to_string())
    }
}

/// This crate's result type.
pub type Result<T, E = SpeechError> = std::result::Result<T, E>;
