//! Recordings of interviews and the times of a transcript's text.
//!
//! A transcript may have one [`Recording`]: the audio or video of the interview it transcribes.
//! Its bytes are stored apart from its description (see `idiograph-store`). A version's
//! [`SyncPoints`] say when in the recording a place of the text was spoken: the start times of
//! its lines, from imported captions or from alignment.

use std::fmt;

use idiograph_text::TextSize;

use crate::ObjectId;

crate::word_enum!(
    /// Whether a recording has pictures.
    MediaKind, "media kind", {
        /// Sound only (wav, mp3, m4a, flac, ogg).
        Audio => "audio",
        /// Pictures and sound (mp4, mov).
        Video => "video",
    }
);

/// The recording of the interview a transcript transcribes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Stable id; also the key of its stored bytes.
    pub id: ObjectId,
    /// Short number shown as `R1`.
    pub short: u32,
    /// The participant interviewed (the transcript's).
    pub participant_id: ObjectId,
    /// The transcript it belongs to; a transcript has at most one recording.
    pub transcript_id: ObjectId,
    /// The file's name as attached (no folders).
    pub file_name: String,
    /// Audio or video.
    pub media: MediaKind,
    /// The MIME type it is served with, e.g. `audio/mpeg`.
    pub mime: String,
    /// Its length in bytes.
    pub byte_length: u64,
    /// How long it plays, in milliseconds, when known.
    pub duration_ms: Option<u64>,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Who attached it.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A place in a version's text and the time in the recording when it is spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPoint {
    /// A byte offset on a char boundary of the version's text.
    pub position: TextSize,
    /// Milliseconds from the start of the recording.
    pub time_ms: u64,
}

/// Why a list of sync points cannot be a version's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncPointError {
    /// A position beyond the end of the text.
    OutOfText {
        /// The position, in bytes.
        position: u32,
        /// The text's length in bytes.
        len: usize,
    },
    /// A position inside a character.
    NotOnBoundary {
        /// The position, in bytes.
        position: u32,
    },
    /// Positions not strictly increasing.
    Unordered {
        /// The position that does not come after the one before it.
        position: u32,
    },
    /// A time earlier than the time of a place before it.
    TimeGoesBack {
        /// Where, in bytes.
        position: u32,
        /// The time that goes back.
        time_ms: u64,
    },
    /// A time after the end of the recording.
    AfterEnd {
        /// The time.
        time_ms: u64,
        /// The recording's length.
        duration_ms: u64,
    },
}

impl fmt::Display for SyncPointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncPointError::OutOfText { position, len } => {
                write!(f, "position {position} is beyond the end of the text ({len} bytes)")
            }
            SyncPointError::NotOnBoundary { position } => write!(f, "position {position} cuts through a character"),
            SyncPointError::Unordered { position } => {
                write!(f, "position {position} does not come after the position before it")
            }
            SyncPointError::TimeGoesBack { position, time_ms } => {
                write!(f, "the time {time_ms} ms at position {position} is earlier than the time before it")
            }
            SyncPointError::AfterEnd { time_ms, duration_ms } => {
                write!(f, "the time {time_ms} ms is after the end of the recording ({duration_ms} ms)")
            }
        }
    }
}

impl std::error::Error for SyncPointError {}

/// The sync points of one transcript version, stored as one object.
///
/// Invariant (checked by [`SyncPoints::check`]): positions on char boundaries of the version's
/// text, strictly increasing; times non-decreasing in text order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPoints {
    /// Stable id.
    pub id: ObjectId,
    /// The participant interviewed.
    pub participant_id: ObjectId,
    /// The transcript.
    pub transcript_id: ObjectId,
    /// The version whose text the positions are in.
    pub version_id: ObjectId,
    /// The points, in text order.
    pub points: Vec<SyncPoint>,
    /// Who set them.
    pub author: String,
    /// When (RFC 3339).
    pub created_at: String,
}

impl SyncPoints {
    /// Checks `points` against the version's `text` and, when known, the recording's duration.
    ///
    /// ```
    /// use idiograph_model::{SyncPoint, SyncPoints};
    /// let p = |position: u32, time_ms| SyncPoint { position: position.into(), time_ms };
    /// assert!(SyncPoints::check("ab\ncd\n", &[p(0, 0), p(3, 1500)], Some(2000)).is_ok());
    /// assert!(SyncPoints::check("ab\ncd\n", &[p(3, 1500), p(0, 0)], None).is_err());
    /// assert!(SyncPoints::check("ab\ncd\n", &[p(0, 0), p(3, 2500)], Some(2000)).is_err());
    /// ```
    pub fn check(text: &str, points: &[SyncPoint], duration_ms: Option<u64>) -> Result<(), SyncPointError> {
        let mut before: Option<SyncPoint> = None;
        for p in points {
            let position = p.position.to_u32();
            if p.position.to_usize() > text.len() {
                return Err(SyncPointError::OutOfText { position, len: text.len() });
            }
            if !text.is_char_boundary(p.position.to_usize()) {
                return Err(SyncPointError::NotOnBoundary { position });
            }
            if let Some(b) = before {
                if p.position <= b.position {
                    return Err(SyncPointError::Unordered { position });
                }
                if p.time_ms < b.time_ms {
                    return Err(SyncPointError::TimeGoesBack { position, time_ms: p.time_ms });
                }
            }
            if let Some(duration_ms) = duration_ms.filter(|d| p.time_ms > *d) {
                return Err(SyncPointError::AfterEnd { time_ms: p.time_ms, duration_ms });
            }
            before = Some(*p);
        }
        Ok(())
    }
}
