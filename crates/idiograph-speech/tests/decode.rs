//! Decoding recordings: the shared two-voice interview, WAV files of other shapes made here,
//! espeak-ng's own output, and refusals (garbage, truncated, empty, too long) that name the
//! file and the reason instead of panicking.

use std::io::Cursor;
use std::process::Command;

use idiograph_speech::{decode_16k_mono, probe, MediaKind, SpeechError, MAX_DURATION_S};

/// A WAV file: `format` 1 (integer PCM) or 3 (float), interleaved `data` as little-endian bytes.
fn wav(format: u16, rate: u32, channels: u16, bits: u16, data: &[u8]) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&format.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn sine(rate: u32, seconds: f64, hz: f64) -> impl Iterator<Item = f64> {
    (0..(f64::from(rate) * seconds) as usize)
        .map(move |i| (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin() * 0.5)
}

/// Upward zero crossings per second: the frequency of a clean tone.
fn frequency(samples: &[f32]) -> f64 {
    let crossings = samples.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    crossings as f64 * 16_000.0 / samples.len() as f64
}

#[test]
fn the_shared_interview_decodes_to_its_150_seconds() {
    let Some(shared) = idiograph_testkit::shared_dir() else { return };
    let path = shared.join("corpus/synthetic-interview-audio/interview.wav");
    let info = probe(std::fs::File::open(&path).unwrap(), "interview.wav").unwrap();
    assert_eq!(info.kind, MediaKind::Audio);
    assert_eq!(info.container, "wave");
    assert_eq!((info.sample_rate, info.channels), (22_050, 1));
    let declared = info.duration_s.unwrap();
    assert!((declared - 150.0).abs() < 1.0, "{declared}");
    let samples = decode_16k_mono(std::fs::File::open(&path).unwrap(), "interview.wav").unwrap();
    let seconds = samples.len() as f64 / 16_000.0;
    assert!((seconds - declared).abs() < 0.01, "{seconds} s decoded of {declared}");
    assert!(samples.iter().any(|s| s.abs() > 0.1), "speech, not silence");
}

#[test]
fn a_stereo_44k_tone_is_mixed_and_resampled_keeping_its_pitch() {
    let data: Vec<u8> = sine(44_100, 2.0, 440.0)
        .flat_map(|s| {
            let v = ((s * 32767.0) as i16).to_le_bytes();
            [v, v].concat()
        })
        .collect();
    let bytes = wav(1, 44_100, 2, 16, &data);
    let info = probe(Cursor::new(bytes.clone()), "tone.wav").unwrap();
    assert_eq!((info.sample_rate, info.channels), (44_100, 2));
    let samples = decode_16k_mono(Cursor::new(bytes), "tone.wav").unwrap();
    assert_eq!(samples.len(), 32_000);
    let hz = frequency(&samples[1000..31_000]);
    assert!((hz - 440.0).abs() < 3.0, "{hz} Hz");
    let peak = samples[1000..31_000].iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!((peak - 0.5).abs() < 0.02, "the level is kept: {peak}");
}

#[test]
fn eight_bit_and_float_wav_decode_at_their_lengths() {
    let eight: Vec<u8> = sine(16_000, 1.0, 300.0).map(|s| (s * 127.0 + 128.0) as u8).collect();
    let samples = decode_16k_mono(Cursor::new(wav(1, 16_000, 1, 8, &eight)), "eight.wav").unwrap();
    assert_eq!(samples.len(), 16_000, "16 kHz passes through");
    assert!((frequency(&samples) - 300.0).abs() < 3.0);
    let float: Vec<u8> = sine(48_000, 1.5, 1000.0).flat_map(|s| (s as f32).to_le_bytes()).collect();
    let samples = decode_16k_mono(Cursor::new(wav(3, 48_000, 1, 32, &float)), "float.wav").unwrap();
    assert_eq!(samples.len(), 24_000);
    assert!((frequency(&samples[500..23_500]) - 1000.0).abs() < 5.0);
}

#[test]
fn espeak_ngs_own_wav_decodes() {
    let Ok(out) = Command::new("espeak-ng").args(["--stdout", "Tell me about the first time."]).output() else {
        idiograph_testkit::skip("espeak-ng is not installed (apt-get install espeak-ng)");
        return;
    };
    assert!(out.status.success());
    let info = probe(Cursor::new(out.stdout.clone()), "speech.wav").unwrap();
    assert_eq!(info.sample_rate, 22_050);
    assert_eq!(info.duration_s, None, "a streamed WAV's placeholder length is no duration");
    let samples = decode_16k_mono(Cursor::new(out.stdout), "speech.wav").unwrap();
    let seconds = samples.len() as f64 / 16_000.0;
    assert!((0.8..5.0).contains(&seconds), "{seconds}");
}

#[test]
fn garbage_empty_and_truncated_files_are_refused_with_the_reason() {
    let garbage: Vec<u8> = (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for name in ["notes.mp3", "notes.wav", "notes.m4a", "notes.bin"] {
        let error = decode_16k_mono(Cursor::new(garbage.clone()), name).unwrap_err();
        assert!(matches!(error, SpeechError::NotMedia { .. } | SpeechError::Damaged { .. }), "{name}: {error:?}");
        assert!(error.to_string().contains(name), "{error}");
    }
    let error = probe(Cursor::new(Vec::new()), "empty.wav").unwrap_err();
    assert_eq!(error.to_string(), "empty.wav is not an audio or video file that can be read (the file is empty)");

    let data: Vec<u8> = sine(22_050, 3.0, 200.0).flat_map(|s| ((s * 32767.0) as i16).to_le_bytes()).collect();
    let whole = wav(1, 22_050, 1, 16, &data);
    let cut = &whole[..whole.len() / 3];
    let error = decode_16k_mono(Cursor::new(cut.to_vec()), "cut.wav").unwrap_err();
    assert!(matches!(error, SpeechError::Damaged { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("cut.wav is truncated or damaged (its audio ends after 1.0 s of the 3.0 s"),
        "{error}"
    );
    for keep in [4, 12, 30, 44] {
        let error = decode_16k_mono(Cursor::new(whole[..keep].to_vec()), "stub.wav").unwrap_err();
        assert!(error.to_string().contains("stub.wav"), "{keep} bytes: {error}");
    }
}

#[test]
fn an_unknown_codec_is_named_and_an_over_long_recording_refused_before_decoding() {
    let mut odd = wav(1, 8000, 1, 16, &[0; 1600]);
    odd[20..22].copy_from_slice(&0x7777u16.to_le_bytes());
    let error = decode_16k_mono(Cursor::new(odd), "odd.wav").unwrap_err();
    assert!(matches!(error, SpeechError::UnsupportedCodec { .. } | SpeechError::NotMedia { .. }), "{error:?}");
    assert!(error.to_string().contains("odd.wav"), "{error}");

    // A header that declares 4 hours of 8-kHz 8-bit sound: refused from the header alone.
    let mut long = wav(1, 8000, 1, 8, &[128; 8000]);
    let declared = 4 * 3600 * 8000u32;
    long[4..8].copy_from_slice(&(36 + declared).to_le_bytes());
    long[40..44].copy_from_slice(&declared.to_le_bytes());
    let error = decode_16k_mono(Cursor::new(long), "marathon.wav").unwrap_err();
    match error {
        SpeechError::TooLong { seconds, limit, .. } => {
            assert_eq!(limit, MAX_DURATION_S);
            assert!((seconds - 14_400.0).abs() < 1.0, "{seconds}");
        }
        other => panic!("{other:?}"),
    }
}
