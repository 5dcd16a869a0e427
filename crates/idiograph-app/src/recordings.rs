//! Recordings of interviews attached to their transcripts, and the sync points of versions.
//!
//! A transcript has at most one recording; attaching another replaces it in the same command
//! (undo brings the first back). The bytes are stored in the project in pieces, outside the
//! audit row images (`idiograph_store::MEDIA_CHUNK_BYTES`), so an attach streams from its source
//! and a range read fetches only what it covers. Whether the bytes decode is for the caller to
//! check first: [`MediaFile`] carries what a probe found (kind, MIME type, duration).

use std::io::Read;
use std::ops::Range;

use idiograph_model::{
    cue_points, MediaKind, ObjectId, ObjectKind, Recording, SyncPoint, SyncPoints, Transcript, TranscriptVersion,
};
use idiograph_store::{Action, Store, Tx, MEDIA_CHUNK_BYTES};
use idiograph_text::TextSize;

use crate::error::invalid;
use crate::{new_id, now, transcripts, views, AppError, Reference, Workbench};

/// The file extensions taken as recordings, with the kind and MIME type each is served with.
const MEDIA_TYPES: &[(&str, MediaKind, &str)] = &[
    ("wav", MediaKind::Audio, "audio/wav"),
    ("mp3", MediaKind::Audio, "audio/mpeg"),
    ("m4a", MediaKind::Audio, "audio/mp4"),
    ("aac", MediaKind::Audio, "audio/aac"),
    ("flac", MediaKind::Audio, "audio/flac"),
    ("ogg", MediaKind::Audio, "audio/ogg"),
    ("oga", MediaKind::Audio, "audio/ogg"),
    ("opus", MediaKind::Audio, "audio/ogg"),
    ("mp4", MediaKind::Video, "video/mp4"),
    ("m4v", MediaKind::Video, "video/mp4"),
    ("mov", MediaKind::Video, "video/quicktime"),
    ("webm", MediaKind::Video, "video/webm"),
];

/// The kind and MIME type of a recording named `file_name`, by its extension; `None` for a
/// file that is not a known audio or video format.
pub fn media_type(file_name: &str) -> Option<(MediaKind, &'static str)> {
    let (_, extension) = file_name.rsplit_once('.')?;
    MEDIA_TYPES.iter().find(|(e, _, _)| e.eq_ignore_ascii_case(extension)).map(|(_, kind, mime)| (*kind, *mime))
}

/// A recording to attach: its name, what it is, and where its bytes are read from.
pub struct MediaFile<'a> {
    /// The file's name (no folders).
    pub name: String,
    /// Audio or video.
    pub media: MediaKind,
    /// The MIME type to serve it with.
    pub mime: String,
    /// How long it plays, when a probe of the bytes told.
    pub duration_ms: Option<u64>,
    /// The bytes, read to the end once, one piece at a time.
    pub bytes: &'a mut (dyn Read + Send),
}

impl<'a> MediaFile<'a> {
    /// A recording whose kind and MIME type are told by its file name's extension (before a
    /// decoder's probe is available to tell them from the bytes); an unknown extension is
    /// refused with the accepted ones.
    pub fn by_name(name: &str, bytes: &'a mut (dyn Read + Send)) -> Result<MediaFile<'a>, AppError> {
        let name = file_name_of(name);
        let Some((media, mime)) = media_type(&name) else {
            let known: Vec<&str> = MEDIA_TYPES.iter().map(|(e, _, _)| *e).collect();
            return Err(invalid!(
                "{name} is not a recording Idiograph can play: the file name must end in one of .{}",
                known.join(", .")
            ));
        };
        Ok(MediaFile { name, media, mime: mime.to_owned(), duration_ms: None, bytes })
    }
}

/// The last part of a path as given (a browser may send `C:\…\name.mp3`).
fn file_name_of(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim().to_owned()
}

/// The bytes of a recording in a range, read piece by piece as they are asked for, so a range
/// of any size is never held at once.
pub struct RecordingBytes {
    store: Store,
    recording: ObjectId,
    /// What is still to be read.
    left: Range<u64>,
}

impl RecordingBytes {
    /// The next bytes of the range, at most one stored piece; `None` once the range is read.
    pub async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.left.is_empty() {
            return Ok(None);
        }
        let piece = MEDIA_CHUNK_BYTES as u64;
        let number = self.left.start / piece;
        let Some(body) = self.store.media_chunk(&self.recording, number).await? else {
            return Err(AppError::NotFound("the recording's bytes are no longer in the project".into()));
        };
        let from = (self.left.start - number * piece) as usize;
        let to = ((self.left.end - number * piece).min(piece) as usize).min(body.len());
        if from >= to {
            return Err(AppError::Store(idiograph_store::StoreError::Corrupt(
                "a recording is shorter than its recorded length".into(),
            )));
        }
        self.left.start += (to - from) as u64;
        Ok(Some(body[from..to].to_vec()))
    }
}

/// The recording of a transcript, if it has one.
pub(crate) async fn of_transcript(tx: &mut Tx, transcript: &Transcript) -> Result<Option<Recording>, AppError> {
    Ok(tx.of_transcript::<Recording>(&transcript.id).await?.pop())
}

/// The sync points of a version, if it has any.
pub(crate) async fn sync_points_of(tx: &mut Tx, version: &ObjectId) -> Result<Option<SyncPoints>, AppError> {
    Ok(tx.of_version::<SyncPoints>(version).await?.pop())
}

/// When each line of a version starts (index 0 is line 1), as [`idiograph_model::line_times`]
/// gives it: from the version's sync points when it has them (set or aligned), else from its
/// turns' cue times (captions keep them). A blank line between turns is not heard, so it has
/// no time, and a player following the recording skips it.
pub(crate) fn line_times(v: &TranscriptVersion, points: Option<&SyncPoints>) -> Vec<Option<u64>> {
    let placed: Vec<(TextSize, u64)> = match points {
        Some(p) => p.points.iter().map(|p| (p.position, p.time_ms)).collect(),
        None => cue_points(v),
    };
    let mut times = idiograph_model::line_times(&v.layout, &placed);
    for (g, time) in (1..).zip(times.iter_mut()) {
        if v.layout.line_text(&v.text, g).is_none_or(|l| l.trim().is_empty()) {
            *time = None;
        }
    }
    times
}

impl Workbench {
    /// Attaches a recording to a transcript (`T1`), streaming its bytes into the project. A
    /// transcript has one recording: one it had already is replaced, in this same command, and
    /// undo brings it back. An empty file is refused.
    pub async fn attach_recording(
        &self,
        transcript: impl Reference,
        file: MediaFile<'_>,
    ) -> Result<Recording, AppError> {
        if file.name.is_empty() || file.name.chars().count() > 255 || file.name.contains(char::is_control) {
            return Err(invalid!("a recording's file name must be 1–255 characters without control characters"));
        }
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let replaced = of_transcript(&mut tx, &t).await?;
        if let Some(old) = &replaced {
            tx.delete(old).await?;
        }
        let id = new_id();
        let stored = tx.write_media(&id, &t.participant_id, &file.name, file.bytes).await?;
        if stored.byte_length == 0 {
            return Err(invalid!("{} is empty: there is no recording to attach to {}", file.name, t.short_id()));
        }
        let recording = Recording {
            id,
            short: tx.next_short(ObjectKind::Recording).await?,
            participant_id: t.participant_id.clone(),
            transcript_id: t.id.clone(),
            file_name: file.name,
            media: file.media,
            mime: file.mime,
            byte_length: stored.byte_length,
            duration_ms: file.duration_ms,
            sha256: stored.sha256,
            author: self.author.clone(),
            created_at: now(),
        };
        tx.insert(&recording).await?;
        let summary = match &replaced {
            Some(old) => {
                format!("attach recording {} to {} (replacing {})", recording.short_id(), t.short_id(), old.short_id())
            }
            None => format!("attach recording {} to {}", recording.short_id(), t.short_id()),
        };
        tx.commit(Action::AttachRecording, &summary).await?;
        Ok(recording)
    }

    /// Removes a transcript's recording. Its bytes stay in the project so that the removal can
    /// be undone; a withdrawal of the participant erases them.
    pub async fn remove_recording(&self, transcript: impl Reference) -> Result<Recording, AppError> {
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let Some(recording) = of_transcript(&mut tx, &t).await? else {
            return Err(AppError::NotFound(format!("{} has no recording", t.short_id())));
        };
        tx.delete(&recording).await?;
        tx.commit(Action::RemoveRecording, &format!("remove recording {} of {}", recording.short_id(), t.short_id()))
            .await?;
        Ok(recording)
    }

    /// The recording of a transcript (`T1`), if it has one.
    pub async fn recording(&self, transcript: impl Reference) -> Result<Option<Recording>, AppError> {
        let mut tx = self.store.read().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        of_transcript(&mut tx, &t).await
    }

    /// Every recording of the study, in the order they were attached.
    pub async fn recordings(&self) -> Result<Vec<Recording>, AppError> {
        Ok(self.store.read().await?.all().await?)
    }

    /// The bytes `range` of a recording (within its length), to be read piece by piece.
    pub fn recording_bytes(&self, recording: &Recording, range: Range<u64>) -> RecordingBytes {
        let end = range.end.min(recording.byte_length);
        RecordingBytes { store: self.store.clone(), recording: recording.id.clone(), left: range.start.min(end)..end }
    }

    /// Sets the sync points of a transcript's current version: each a byte position on a
    /// character boundary of its text and the time in ms it is spoken in the recording, in text
    /// order with times that never go back, none after the recording's end. An empty list
    /// removes them. Later versions (a speaker renamed, pseudonymisation) carry them over.
    pub async fn set_sync_points(
        &self,
        transcript: impl Reference,
        points: Vec<SyncPoint>,
    ) -> Result<Option<SyncPoints>, AppError> {
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        let duration = of_transcript(&mut tx, &t).await?.and_then(|r| r.duration_ms);
        SyncPoints::check(&v.text, &points, duration).map_err(|e| invalid!("sync points of {}: {e}", t.short_id()))?;
        let before = sync_points_of(&mut tx, &v.id).await?;
        let after = (!points.is_empty()).then(|| SyncPoints {
            id: before.as_ref().map_or_else(new_id, |b| b.id.clone()),
            participant_id: t.participant_id.clone(),
            transcript_id: t.id.clone(),
            version_id: v.id.clone(),
            points,
            author: self.author.clone(),
            created_at: now(),
        });
        match (&before, &after) {
            (Some(b), Some(a)) => tx.update(b, a).await?,
            (Some(b), None) => tx.delete(b).await?,
            (None, Some(a)) => tx.insert(a).await?,
            (None, None) => {}
        }
        let count = after.as_ref().map_or(0, |a| a.points.len());
        tx.commit(
            Action::SetSyncPoints,
            &format!("set {count} sync points of {} (version {})", t.short_id(), v.number),
        )
        .await?;
        Ok(after)
    }
}

impl Workbench {
    /// The views of every recording of the study, in the order they were attached.
    pub async fn recording_views(&self) -> Result<Vec<views::Recording>, AppError> {
        let mut tx = self.store.read().await?;
        let transcripts: Vec<Transcript> = tx.all().await?;
        let recordings: Vec<Recording> = tx.all().await?;
        Ok(recordings
            .iter()
            .filter_map(|r| {
                let t = transcripts.iter().find(|t| t.id == r.transcript_id)?;
                Some(views::Recording::of(r, t.short_id()))
            })
            .collect())
    }

    /// When the lines of a transcript's (`T1`) current version are spoken: from its sync points,
    /// else from its turns' timestamps.
    pub async fn line_times(&self, transcript: impl Reference) -> Result<views::LineTimes, AppError> {
        let mut tx = self.store.read().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        let points = sync_points_of(&mut tx, &v.id).await?;
        let lines: Vec<views::LineTime> = (1..)
            .zip(line_times(&v, points.as_ref()))
            .filter_map(|(line, time)| Some(views::LineTime { line, time_ms: time? }))
            .collect();
        let from = match (&points, lines.is_empty()) {
            (Some(_), _) => "sync points",
            (None, false) => "turn timestamps",
            (None, true) => "none",
        };
        Ok(views::LineTimes { transcript: t.short_id(), version: v.id.as_str().to_owned(), from, lines })
    }
}
