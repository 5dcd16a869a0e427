//! Whisper's input: the log-mel spectrogram of 30 s of 16 kHz sound, computed as openai-whisper's
//! `log_mel_spectrogram` does (a 400-sample periodic Hann window every 160 samples, centred with
//! reflected edges, power spectrum, Slaney mel filters, log10 floored 8 below the maximum, scaled).
//!
//! The filters are computed here with librosa's formula (`librosa.filters.mel` with its defaults:
//! Slaney's mel scale and area normalisation) rather than shipped as an opaque table.

use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// Samples per analysis window.
pub(crate) const N_FFT: usize = 400;
/// Samples between frames (10 ms).
pub(crate) const HOP: usize = 160;
/// Frames in one 30-s window.
pub(crate) const N_FRAMES: usize = 3000;
/// Samples in one 30-s window.
pub(crate) const N_SAMPLES: usize = N_FRAMES * HOP;

/// Computes log-mel spectrograms of 30-s windows with a fixed number of mel bins.
pub(crate) struct MelSpectrogram {
    n_mels: usize,
    /// `n_mels` rows of `N_FFT / 2 + 1` weights.
    filters: Vec<f32>,
    window: Vec<f32>,
    fft: Arc<dyn Fft<f32>>,
}

impl MelSpectrogram {
    pub(crate) fn new(n_mels: usize) -> Self {
        let window = (0..N_FFT)
            .map(|n| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos()) as f32)
            .collect();
        let fft = FftPlanner::new().plan_fft_forward(N_FFT);
        MelSpectrogram { n_mels, filters: mel_filters(16_000.0, N_FFT, n_mels), window, fft }
    }

    /// The spectrogram of `samples` (at most [`N_SAMPLES`]; zero-padded to 30 s), as `n_mels`
    /// rows of [`N_FRAMES`] values, row after row.
    pub(crate) fn compute(&self, samples: &[f32]) -> Vec<f32> {
        let mut padded = vec![0.0f32; N_SAMPLES];
        let n = samples.len().min(N_SAMPLES);
        padded[..n].copy_from_slice(&samples[..n]);
        let half = N_FFT / 2;
        // Centre each frame: reflect the edges, as torch.stft(center=True, pad_mode="reflect").
        let mut signal = Vec::with_capacity(N_SAMPLES + N_FFT);
        signal.extend((1..=half).rev().map(|i| padded[i]));
        signal.extend_from_slice(&padded);
        signal.extend((1..=half).map(|i| padded[N_SAMPLES - 1 - i]));
        let bins = N_FFT / 2 + 1;
        let mut mel = vec![0.0f32; self.n_mels * N_FRAMES];
        let mut buffer = vec![Complex::new(0.0f32, 0.0); N_FFT];
        let mut power = vec![0.0f32; bins];
        for frame in 0..N_FRAMES {
            let start = frame * HOP;
            for (k, slot) in buffer.iter_mut().enumerate() {
                *slot = Complex::new(signal[start + k] * self.window[k], 0.0);
            }
            self.fft.process(&mut buffer);
            for (p, c) in power.iter_mut().zip(&buffer) {
                *p = c.norm_sqr();
            }
            for m in 0..self.n_mels {
                let row = &self.filters[m * bins..(m + 1) * bins];
                mel[m * N_FRAMES + frame] = row.iter().zip(&power).map(|(w, p)| w * p).sum();
            }
        }
        let mut max = f32::NEG_INFINITY;
        for value in &mut mel {
            *value = value.max(1e-10).log10();
            max = max.max(*value);
        }
        for value in &mut mel {
            *value = (value.max(max - 8.0) + 4.0) / 4.0;
        }
        mel
    }
}

/// Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    let min_log_mel = 1000.0 / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= 1000.0 {
        min_log_mel + (hz / 1000.0).ln() / logstep
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    let min_log_mel = 1000.0 / F_SP;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        1000.0 * (logstep * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// librosa.filters.mel(sr, n_fft, n_mels) with fmin 0, fmax sr/2, Slaney scale and norm:
/// `n_mels` triangular filters over `n_fft / 2 + 1` frequency bins, row after row.
fn mel_filters(sample_rate: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let bins = n_fft / 2 + 1;
    let top = hz_to_mel(sample_rate / 2.0);
    let mel_f: Vec<f64> = (0..n_mels + 2).map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64)).collect();
    let fft_freqs: Vec<f64> = (0..bins).map(|k| k as f64 * sample_rate / n_fft as f64).collect();
    let mut weights = vec![0.0f32; n_mels * bins];
    for m in 0..n_mels {
        let (low, centre, high) = (mel_f[m], mel_f[m + 1], mel_f[m + 2]);
        let norm = 2.0 / (high - low);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let rising = (f - low) / (centre - low);
            let falling = (high - f) / (high - centre);
            weights[m * bins + k] = (rising.min(falling).max(0.0) * norm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mel_scale_is_slaneys() {
        // librosa's documented values: hz_to_mel(60) = 0.9, mel_to_hz(3) = 200; 1 kHz is 15 mels.
        assert!((hz_to_mel(60.0) - 0.9).abs() < 1e-9);
        assert!((mel_to_hz(3.0) - 200.0).abs() < 1e-9);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-9);
        assert!((hz_to_mel(6400.0) - 42.0).abs() < 1e-9);
        for hz in [0.0, 440.0, 999.0, 1000.0, 3000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6);
        }
    }

    #[test]
    fn the_filters_are_librosas_for_whisper() {
        let bins = N_FFT / 2 + 1;
        let filters = mel_filters(16_000.0, N_FFT, 80);
        // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80)[0, :3] is [0, 0.02486, 0]: the first
        // filter rises from 0 Hz to a 37.24-Hz peak and falls to 74.48 Hz, so bin 1 (40 Hz) sits
        // just past the peak, scaled by 2 / 74.48.
        assert!((filters[1] - 0.024_862).abs() < 1e-5, "{}", filters[1]);
        assert_eq!(filters[0], 0.0);
        assert_eq!(filters[2], 0.0);
        // Area normalisation: each triangle's weights, times the 40-Hz bin width, sum to about 1
        // where the filters span a dozen bins (above 5 kHz).
        for m in [70, 75, 78] {
            let area: f32 = filters[m * bins..(m + 1) * bins].iter().sum::<f32>() * 40.0;
            assert!((area - 1.0).abs() < 0.05, "filter {m}: {area}");
        }
        // The last filter reaches the Nyquist frequency's neighbourhood and nothing is negative.
        assert!(filters[79 * bins + bins - 2] > 0.0);
        assert!(filters.iter().all(|&w| w >= 0.0));
    }

    #[test]
    fn silence_and_a_tone_give_whispers_scaled_log_mel() {
        let mel = MelSpectrogram::new(80);
        // Silence: every value is log10(1e-10) = -10, scaled to (-10 + 4) / 4.
        let silent = mel.compute(&[]);
        assert_eq!(silent.len(), 80 * N_FRAMES);
        assert!(silent.iter().all(|&v| (v + 1.5).abs() < 1e-6));
        // A 1-kHz tone: loudest in the bin whose filter centres nearest 1 kHz (mel 15, filter 35).
        let tone: Vec<f32> =
            (0..16_000).map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin()).collect();
        let spectrum = mel.compute(&tone);
        let frame = 50;
        let loudest =
            (0..80).max_by(|&a, &b| spectrum[a * N_FRAMES + frame].total_cmp(&spectrum[b * N_FRAMES + frame])).unwrap();
        let centre = (0..80).min_by(|&a, &b| {
            let d = |m: usize| (mel_to_hz(hz_to_mel(8000.0) * (m + 1) as f64 / 81.0) - 1000.0).abs();
            d(a).total_cmp(&d(b))
        });
        assert_eq!(Some(loudest), centre);
        // After the tone ends the floor is 8 below the maximum, as Whisper clamps.
        let max = spectrum.iter().cloned().fold(f32::MIN, f32::max);
        let min = spectrum.iter().cloned().fold(f32::MAX, f32::min);
        assert!((max - min - 2.0).abs() < 1e-4, "{max} {min}");
    }
}
