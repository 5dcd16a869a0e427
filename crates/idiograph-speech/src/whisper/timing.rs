//! Word times from the decoder's cross-attention, as openai-whisper's `timing.py` finds them:
//! the alignment heads' attention over the audio frames, standardised and median-filtered,
//! then dynamic time warping of the tokens against the frames; a word starts where the warping
//! path reaches its first token.

use candle_core::{Tensor, D};

/// Seconds per frame of the encoder's output (two mel frames).
const SECONDS_PER_FRAME: f64 = 0.02;
/// The median filter's width, in encoder frames.
const MEDIAN_WIDTH: usize = 7;

/// Punctuation joined to the following word, and to the preceding one (openai-whisper's defaults).
const PREPENDED: &str = "\"'“¿([{-";
const APPENDED: &str = "\"'.。,，!！?？:：”)]}、";
const SENTENCE_END: &str = ".。!！?？";

/// One word of a window's text with the tokens that spell it and its times in the window.
#[derive(Clone, Debug)]
pub(crate) struct TimedTokens {
    /// The word as decoded, with its leading space.
    pub text: String,
    /// Index of its first token among the window's text tokens.
    pub first_token: usize,
    pub start_s: f64,
    pub end_s: f64,
}

/// Times the words spelt by `pieces` (each token's bytes) against `scores`, the alignment
/// heads' cross-attention scores (`heads × rows × frames`) whose rows `first_row..` are the
/// no-timestamps token and the text tokens; `frames` is how many encoder frames hold sound.
pub(crate) fn time_words(
    scores: &Tensor,
    first_row: usize,
    pieces: &[Vec<u8>],
    frames: usize,
) -> candle_core::Result<Vec<TimedTokens>> {
    let frames = frames.min(scores.dim(D::Minus1)?);
    if pieces.is_empty() || frames < 2 {
        return Ok(Vec::new());
    }
    let weights = candle_nn::ops::softmax_last_dim(&scores.narrow(2, 0, frames)?.contiguous()?)?;
    // Standardise each head's weights over the tokens, frame by frame.
    let mean = weights.mean_keepdim(1)?;
    let centred = weights.broadcast_sub(&mean)?;
    let std = centred.sqr()?.mean_keepdim(1)?.sqrt()?;
    let standard = centred.broadcast_div(&(std + 1e-10)?)?;
    let heads = standard.to_vec3::<f32>()?;
    let rows = pieces.len() + 1; // the no-timestamps token, then the text tokens
    let mut matrix = vec![0.0f32; rows * frames];
    for head in &heads {
        for (r, row) in head[first_row..first_row + rows].iter().enumerate() {
            for (f, value) in median_filter(row).into_iter().enumerate() {
                matrix[r * frames + f] -= value / heads.len() as f32;
            }
        }
    }
    let (text_indices, time_indices) = dtw(&matrix, rows, frames);
    let mut jump_times = Vec::with_capacity(rows);
    for (i, (&row, &time)) in text_indices.iter().zip(&time_indices).enumerate() {
        if i == 0 || row != text_indices[i - 1] {
            jump_times.push(time as f64 * SECONDS_PER_FRAME);
        }
    }
    let mut words = split_words(pieces);
    let mut boundary = 0;
    for word in &mut words {
        word.start_s = jump_times[boundary.min(jump_times.len() - 1)];
        boundary = word.end_token;
        word.end_s = jump_times[boundary.min(jump_times.len() - 1)];
    }
    let mut words: Vec<TimedTokens> = merge_punctuation(words)
        .into_iter()
        .map(|w| TimedTokens { text: w.text, first_token: w.first_token, start_s: w.start_s, end_s: w.end_s })
        .collect();
    truncate_long_words(&mut words);
    Ok(words)
}

/// The median over each value's neighbourhood of [`MEDIAN_WIDTH`], edges reflected.
fn median_filter(row: &[f32]) -> Vec<f32> {
    let pad = MEDIAN_WIDTH / 2;
    if row.len() <= pad {
        return row.to_vec();
    }
    let at = |i: isize| -> f32 {
        let n = row.len() as isize;
        let i = if i < 0 {
            -i
        } else if i >= n {
            2 * (n - 1) - i
        } else {
            i
        };
        row[i as usize]
    };
    let mut window = [0.0f32; MEDIAN_WIDTH];
    (0..row.len() as isize)
        .map(|i| {
            for (k, slot) in window.iter_mut().enumerate() {
                *slot = at(i + k as isize - pad as isize);
            }
            window.sort_by(f32::total_cmp);
            window[pad]
        })
        .collect()
}

/// Dynamic time warping over a `rows × cols` cost matrix (openai-whisper's `dtw_cpu`): the
/// cheapest monotone path from the first cell to the last, as row and column indices.
fn dtw(cost: &[f32], rows: usize, cols: usize) -> (Vec<usize>, Vec<usize>) {
    let width = cols + 1;
    let mut total = vec![f32::INFINITY; (rows + 1) * width];
    let mut trace = vec![0u8; (rows + 1) * width];
    total[0] = 0.0;
    for j in 1..=cols {
        for i in 1..=rows {
            let diagonal = total[(i - 1) * width + j - 1];
            let up = total[(i - 1) * width + j];
            let left = total[i * width + j - 1];
            let (best, step) = if diagonal < up && diagonal < left {
                (diagonal, 0)
            } else if up < diagonal && up < left {
                (up, 1)
            } else {
                (left, 2)
            };
            total[i * width + j] = cost[(i - 1) * cols + j - 1] + best;
            trace[i * width + j] = step;
        }
    }
    let (mut i, mut j) = (rows, cols);
    let mut path = Vec::with_capacity(rows + cols);
    while i > 0 || j > 0 {
        // Every path ends through the first cell, so both indices stay in range.
        path.push((i.saturating_sub(1), j.saturating_sub(1)));
        let step = if i == 0 {
            2
        } else if j == 0 {
            1
        } else {
            trace[i * width + j]
        };
        match step {
            0 => {
                i -= 1;
                j -= 1;
            }
            1 => i -= 1,
            _ => j -= 1,
        }
    }
    path.reverse();
    path.into_iter().unzip()
}

#[derive(Clone, Debug)]
struct Piece {
    text: String,
    first_token: usize,
    end_token: usize,
    start_s: f64,
    end_s: f64,
}

/// Splits tokens into words at spaces and punctuation (openai-whisper's
/// `split_tokens_on_spaces`), never inside a character spread over tokens.
fn split_words(pieces: &[Vec<u8>]) -> Vec<Piece> {
    let mut words: Vec<Piece> = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut first = 0;
    for (i, bytes) in pieces.iter().enumerate() {
        pending.extend_from_slice(bytes);
        let Ok(text) = std::str::from_utf8(&pending) else {
            if i + 1 < pieces.len() {
                continue;
            }
            pending.clear();
            continue;
        };
        let text = text.to_owned();
        pending.clear();
        let trimmed = text.trim();
        let punctuation = trimmed.len() == 1 && trimmed.chars().all(|c| c.is_ascii_punctuation());
        match words.last_mut() {
            Some(last) if !text.starts_with(' ') && !punctuation => {
                last.text.push_str(&text);
                last.end_token = i + 1;
            }
            _ => words.push(Piece { text, first_token: first, end_token: i + 1, start_s: 0.0, end_s: 0.0 }),
        }
        first = i + 1;
    }
    words
}

/// Joins opening punctuation to the word after it and closing punctuation to the word before.
fn merge_punctuation(mut words: Vec<Piece>) -> Vec<Piece> {
    let mut j = words.len().saturating_sub(1);
    for i in (0..j).rev() {
        let opening = words[i].text.trim();
        if words[i].text.starts_with(' ') && !opening.is_empty() && PREPENDED.contains(opening) {
            let text = std::mem::take(&mut words[i].text);
            words[j].text = text + &words[j].text;
            words[j].first_token = words[i].first_token;
        } else {
            j = i;
        }
    }
    let mut i = 0;
    for j in 1..words.len() {
        if !words[i].text.ends_with(' ') && !words[j].text.is_empty() && APPENDED.contains(words[j].text.as_str()) {
            let text = std::mem::take(&mut words[j].text);
            words[i].text.push_str(&text);
        } else {
            i = j;
        }
    }
    words.retain(|w| !w.text.is_empty());
    words
}

/// The median word length, at most 0.7 s (openai-whisper's bound for its heuristics).
pub(crate) fn median_duration(words: &[TimedTokens]) -> f64 {
    let mut durations: Vec<f64> = words.iter().map(|w| w.end_s - w.start_s).filter(|&d| d > 0.0).collect();
    if durations.is_empty() {
        return 0.0;
    }
    durations.sort_by(f64::total_cmp);
    durations[durations.len() / 2].min(0.7)
}

/// Cuts words that run on at sentence ends: DTW tends to stretch the word beside a pause.
fn truncate_long_words(words: &mut [TimedTokens]) {
    let max = median_duration(words) * 2.0;
    if max == 0.0 {
        return;
    }
    for i in 1..words.len() {
        if words[i].end_s - words[i].start_s > max {
            if SENTENCE_END.contains(words[i].text.trim()) && !words[i].text.trim().is_empty() {
                words[i].end_s = words[i].start_s + max;
            } else if SENTENCE_END.chars().any(|c| words[i - 1].text.ends_with(c)) {
                words[i].start_s = words[i].end_s - max;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtw_follows_the_cheap_diagonal() {
        // Three rows, six columns: row r is cheap in columns 2r and 2r + 1.
        let mut cost = vec![1.0f32; 18];
        for r in 0..3 {
            cost[r * 6 + 2 * r] = 0.0;
            cost[r * 6 + 2 * r + 1] = 0.0;
        }
        let (rows, cols) = dtw(&cost, 3, 6);
        assert_eq!(rows.first(), Some(&0));
        assert_eq!(cols.first(), Some(&0));
        let first_col = |r: usize| cols[rows.iter().position(|&x| x == r).unwrap()];
        assert_eq!((first_col(1), first_col(2)), (2, 4));
    }

    #[test]
    fn words_split_at_spaces_and_keep_their_punctuation() {
        let pieces: Vec<Vec<u8>> =
            [" Hel", "lo", ",", " wor", "ld", ".", " (", "yes", ")"].iter().map(|s| s.as_bytes().to_vec()).collect();
        let words = merge_punctuation(split_words(&pieces));
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, [" Hello,", " world.", " (yes)"]);
        assert_eq!(words.iter().map(|w| w.first_token).collect::<Vec<_>>(), [0, 3, 6]);
    }

    #[test]
    fn the_median_filter_reflects_its_edges() {
        let row = [5.0, 1.0, 1.0, 9.0, 1.0, 1.0, 1.0, 1.0];
        let filtered = median_filter(&row);
        assert_eq!(filtered.len(), row.len());
        assert!(filtered.iter().all(|&v| v == 1.0), "{filtered:?}");
    }
}
