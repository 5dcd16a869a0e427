//! Where there is sound: the stretches of a recording louder than its quiet, apart where a
//! quarter second of quiet separates them. Speaker turns are told apart per stretch, and an
//! aligned word that begins a stretch starts where the sound does.

use std::ops::Range;

/// Frames of 20 ms for the energy analysis.
const FRAME: usize = 320;
/// Silence that separates two stretches of sound, in frames (a quarter second).
const SPLIT_FRAMES: usize = 12;

/// The stretches of sound: runs of 20-ms frames louder than the floor, apart where a quarter
/// second of quiet separates them; as sample ranges.
pub(crate) fn stretches(samples: &[f32]) -> Vec<Range<usize>> {
    let energy: Vec<f32> = samples
        .chunks(FRAME)
        .map(|frame| 10.0 * (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32 + 1e-10).log10())
        .collect();
    let mut sorted = energy.clone();
    sorted.sort_by(f32::total_cmp);
    let Some(&loud) = sorted.get(sorted.len() * 95 / 100) else { return Vec::new() };
    // Sound is within 35 dB of the loud frames and well above the quietest tenth.
    let floor = (loud - 35.0).max(sorted[sorted.len() / 10] + 10.0);
    let mut stretches = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for (i, &e) in energy.iter().enumerate() {
        if e < floor {
            continue;
        }
        current = match current {
            Some((start, end)) if i - end <= SPLIT_FRAMES => Some((start, i)),
            Some((start, end)) => {
                stretches.push(start * FRAME..(end + 1) * FRAME);
                Some((i, i))
            }
            None => Some((i, i)),
        };
    }
    if let Some((start, end)) = current {
        stretches.push(start * FRAME..((end + 1) * FRAME).min(samples.len()));
    }
    stretches.retain(|r| r.len() >= 5 * FRAME);
    stretches
}
