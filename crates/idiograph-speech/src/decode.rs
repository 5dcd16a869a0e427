//! What a recording is and its sound as Whisper hears it, decoded with symphonia (pure Rust):
//! WAV, MP3, M4A/AAC, FLAC, Ogg Vorbis, and the audio track of MP4/MOV video.
//!
//! Memory is bounded by [`MAX_DURATION_S`]: the decoded sound is kept whole at 16 kHz mono
//! (64 kB a second, 230 MB an hour), never at the file's own rate, since the resampler runs on
//! each decoded packet as it comes.

use std::io::{Read, Seek, SeekFrom};

use rubato::{FftFixedIn, Resampler};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::{Result, SpeechError};

/// The sample rate Whisper hears, in Hz; [`decode_16k_mono`] resamples to it.
pub const SAMPLE_RATE: u32 = 16_000;

/// The longest recording decoded at once, in seconds (3 hours: 173 M samples, 690 MB as f32).
/// Longer ones are refused with [`SpeechError::TooLong`] rather than exhausting memory.
pub const MAX_DURATION_S: f64 = 3.0 * 3600.0;

/// Whether a recording is sound alone or a video with a sound track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// Sound only.
    Audio,
    /// A video; only its audio track is decoded.
    Video,
}

/// What [`probe`] learns of a recording without decoding it.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaInfo {
    /// Audio, or video with audio.
    pub kind: MediaKind,
    /// The container's short name (`wav`, `isomp4`, `ogg`, …).
    pub container: String,
    /// The audio codec's short name (`pcm_s16le`, `aac`, `mp3`, …).
    pub codec: String,
    /// The audio track's length in seconds, when the container states it.
    pub duration_s: Option<f64>,
    /// The audio track's own sample rate in Hz.
    pub sample_rate: u32,
    /// The audio track's number of channels.
    pub channels: usize,
}

/// A recording opened for decoding: its container and the audio track chosen.
struct Opened {
    format: Box<dyn FormatReader>,
    track_id: u32,
    params: AudioCodecParameters,
    info: MediaInfo,
}

/// Says what `source` is: audio or video, container, codec, duration, rate and channels.
/// `file` is the name shown in refusals, and its extension a hint to the container.
pub fn probe<R>(source: R, file: &str) -> Result<MediaInfo>
where
    R: Read + Seek + Send + Sync + 'static,
{
    Ok(open(source, file)?.info)
}

/// Decodes all of `source`'s audio as mono f32 samples at [`SAMPLE_RATE`] (channels averaged).
/// Refuses what cannot be decoded, a file that ends before its declared length, and anything
/// longer than [`MAX_DURATION_S`], naming `file` and the reason.
pub fn decode_16k_mono<R>(source: R, file: &str) -> Result<Vec<f32>>
where
    R: Read + Seek + Send + Sync + 'static,
{
    let Opened { mut format, track_id, params, info } = open(source, file)?;
    let too_long = |seconds: f64| SpeechError::TooLong { file: file.to_owned(), seconds, limit: MAX_DURATION_S };
    if let Some(seconds) = info.duration_s.filter(|&s| s > MAX_DURATION_S) {
        return Err(too_long(seconds));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|error| unsupported(file, &info.codec, error))?;
    let mut resample = Mono16k::new(info.sample_rate, file)?;
    let max_samples = (MAX_DURATION_S * f64::from(SAMPLE_RATE)) as usize;
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let (mut decoded_packets, mut bad_packets) = (0usize, 0usize);
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) | Err(DecodeError::ResetRequired) => break,
            // Without a stated length the file's end is the recording's end; with one, it is cut short.
            Err(DecodeError::IoError(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                match info.duration_s {
                    None => break,
                    Some(declared) => return Err(damaged(file, ends_early(resample.seconds(), declared))),
                }
            }
            Err(error) => return Err(damaged(file, error.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buffer) => {
                buffer.copy_to_vecs_planar(&mut planes);
                decoded_packets += 1;
            }
            // A damaged packet in a long recording costs its few milliseconds, as in any player.
            Err(DecodeError::DecodeError(_)) | Err(DecodeError::IoError(_)) => {
                bad_packets += 1;
                continue;
            }
            Err(error) => return Err(damaged(file, error.to_string())),
        }
        resample.push(&planes)?;
        if resample.len() > max_samples {
            return Err(too_long(resample.seconds()));
        }
    }
    if decoded_packets == 0 && bad_packets > 0 {
        return Err(damaged(file, format!("none of its {bad_packets} audio packets could be decoded")));
    }
    if let Some(declared) = info.duration_s {
        // A container that states its length but holds much less is cut short.
        if resample.seconds() + 0.5 < declared * 0.98 {
            return Err(damaged(file, ends_early(resample.seconds(), declared)));
        }
    }
    resample.finish()
}

fn ends_early(seconds: f64, declared: f64) -> String {
    format!("its audio ends after {seconds:.1} s of the {declared:.1} s it declares")
}

fn damaged(file: &str, reason: String) -> SpeechError {
    SpeechError::Damaged { file: file.to_owned(), reason }
}

fn unsupported(file: &str, codec: &str, error: DecodeError) -> SpeechError {
    SpeechError::UnsupportedCodec { file: file.to_owned(), reason: format!("{codec}: {error}") }
}

fn open<R>(source: R, file: &str) -> Result<Opened>
where
    R: Read + Seek + Send + Sync + 'static,
{
    let source = Source::new(source).map_err(|source| SpeechError::Read { file: file.to_owned(), source })?;
    if source.len == 0 {
        return Err(SpeechError::NotMedia { file: file.to_owned(), reason: "the file is empty".into() });
    }
    let stream = MediaSourceStream::new(Box::new(source), Default::default());
    let mut hint = Hint::new();
    if let Some((_, extension)) = file.rsplit_once('.') {
        hint.with_extension(&extension.to_ascii_lowercase());
    }
    let format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|error| match error {
            DecodeError::IoError(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
                damaged(file, "it ends inside its header".into())
            }
            DecodeError::IoError(source) => SpeechError::Read { file: file.to_owned(), source },
            DecodeError::Unsupported(_) => SpeechError::NotMedia {
                file: file.to_owned(),
                reason: "no supported container (wav, mp3, m4a/mp4/mov, flac, ogg) recognises it".into(),
            },
            error => SpeechError::NotMedia { file: file.to_owned(), reason: error.to_string() },
        })?;
    let is_video = format.tracks().iter().any(|track| matches!(track.codec_params, Some(CodecParameters::Video(_))));
    let container = format.format_info().short_name.to_owned();
    let Some(track) = format.default_track(TrackType::Audio) else {
        let audio = format.tracks().iter().find_map(|track| match &track.codec_params {
            Some(CodecParameters::Audio(params)) => Some(params),
            _ => None,
        });
        return Err(match audio {
            Some(params) => SpeechError::UnsupportedCodec {
                file: file.to_owned(),
                reason: format!("the container {container} names codec {}", params.codec),
            },
            None => SpeechError::NoAudio { file: file.to_owned() },
        });
    };
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(SpeechError::NoAudio { file: file.to_owned() });
    };
    let codec = symphonia::default::get_codecs()
        .get_audio_decoder(params.codec)
        .map(|decoder| decoder.codec.info.short_name.to_owned())
        .ok_or_else(|| SpeechError::UnsupportedCodec {
            file: file.to_owned(),
            reason: format!("the container {container} names codec {}", params.codec),
        })?;
    let Some(sample_rate) = params.sample_rate.filter(|&rate| rate > 0) else {
        return Err(damaged(file, "its audio track states no sample rate".into()));
    };
    let channels = params.channels.as_ref().map_or(1, |channels| channels.count().max(1));
    let info = MediaInfo {
        kind: if is_video { MediaKind::Video } else { MediaKind::Audio },
        container,
        codec,
        duration_s: duration(track, &params, sample_rate),
        sample_rate,
        channels,
    };
    Ok(Opened { track_id: track.id, format, params, info })
}

/// The duration the container states, unless it is a placeholder: writers that stream
/// (`espeak-ng --stdout`, `ffmpeg` to a pipe) cannot know the length and write 2 or 4 GiB.
fn duration(track: &Track, params: &AudioCodecParameters, sample_rate: u32) -> Option<f64> {
    if let Some(frames) = track.num_frames {
        let channels = params.channels.as_ref().map_or(1, |c| c.count().max(1)) as u64;
        let bits = params.bits_per_coded_sample.or(params.bits_per_sample).map_or(0, u64::from);
        if frames * channels * bits / 8 >= 0x7fff_0000 {
            return None;
        }
        return Some(frames as f64 / f64::from(sample_rate));
    }
    let time = track.time_base?.calc_duration(track.duration?)?;
    Some(time.as_secs_f64())
}

/// Any `Read + Seek` as symphonia's media source, its length measured once.
struct Source<R> {
    inner: R,
    len: u64,
}

impl<R: Read + Seek> Source<R> {
    fn new(mut inner: R) -> std::io::Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        Ok(Source { inner, len })
    }
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Source<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read + Seek + Send + Sync> MediaSource for Source<R> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// Mixes decoded packets to mono and resamples them to 16 kHz as they come, so the file's own
/// rate is never held whole.
struct Mono16k {
    resampler: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    output: Vec<f32>,
    input_rate: u32,
    /// Frames taken in at the input rate, which fixes the output's length.
    frames_in: u64,
}

/// Input frames per resampler call: 0.1 s at 44.1 kHz; any size works.
const CHUNK: usize = 4096;

impl Mono16k {
    fn new(input_rate: u32, file: &str) -> Result<Self> {
        let resampler = if input_rate == SAMPLE_RATE {
            None
        } else {
            let resampler =
                FftFixedIn::new(input_rate as usize, SAMPLE_RATE as usize, CHUNK, 2, 1).map_err(|error| {
                    damaged(file, format!("its sample rate {input_rate} Hz cannot be resampled: {error}"))
                })?;
            Some(resampler)
        };
        Ok(Mono16k { resampler, pending: Vec::new(), output: Vec::new(), input_rate, frames_in: 0 })
    }

    /// Seconds of sound taken in so far.
    fn seconds(&self) -> f64 {
        match self.resampler {
            None => self.output.len() as f64 / f64::from(SAMPLE_RATE),
            Some(_) => {
                self.output.len() as f64 / f64::from(SAMPLE_RATE)
                    + self.pending.len() as f64 / f64::from(self.input_rate)
            }
        }
    }

    /// Samples produced so far (at 16 kHz).
    fn len(&self) -> usize {
        self.output.len()
    }

    fn push(&mut self, planes: &[Vec<f32>]) -> Result<()> {
        let Some(first) = planes.first() else { return Ok(()) };
        let scale = 1.0 / planes.len() as f32;
        self.frames_in += first.len() as u64;
        let target = if self.resampler.is_some() { &mut self.pending } else { &mut self.output };
        target.extend((0..first.len()).map(|i| planes.iter().map(|plane| plane[i]).sum::<f32>() * scale));
        if let Some(resampler) = self.resampler.as_mut() {
            let mut start = 0;
            while self.pending.len() - start >= resampler.input_frames_next() {
                let take = resampler.input_frames_next();
                let out = resampler
                    .process(&[&self.pending[start..start + take]], None)
                    .map_err(|error| SpeechError::Compute(error.to_string()))?;
                self.output.extend_from_slice(&out[0]);
                start += take;
            }
            self.pending.drain(..start);
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<f32>> {
        let Some(mut resampler) = self.resampler.take() else { return Ok(self.output) };
        let wanted = (self.frames_in as f64 * f64::from(SAMPLE_RATE) / f64::from(self.input_rate)).round() as usize;
        let delay = resampler.output_delay();
        // Flush the tail, then silence until the resampler's delay has come out too.
        let mut tail = std::mem::take(&mut self.pending);
        while self.output.len() < wanted + delay {
            let take = resampler.input_frames_next();
            tail.resize(take.max(tail.len()), 0.0);
            let out =
                resampler.process(&[&tail[..take]], None).map_err(|error| SpeechError::Compute(error.to_string()))?;
            self.output.extend_from_slice(&out[0]);
            tail.drain(..take);
        }
        self.output.truncate(wanted + delay);
        Ok(self.output.split_off(delay))
    }
}
