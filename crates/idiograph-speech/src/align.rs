//! A time for every word of a typed transcript, from what Whisper heard in the recording: the
//! transcript's words and Whisper's are aligned on normalised spellings (Needleman–Wunsch in
//! a band around the diagonal), each of our words paired with a heard word takes its time, and
//! the rest are interpolated between their neighbours by character position. A word that
//! begins a stretch of sound after a pause then starts where the sound does, within a second
//! (cross-attention times are that loose at pauses).
//! The transcript's text is only read, never changed.

use std::ops::Range;

use crate::activity::stretches;
use crate::decode::SAMPLE_RATE;
use crate::wer::edit_distance;
use crate::whisper::Segment;

/// One word of the transcript with the time it is said.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedWord {
    /// The word's UTF-8 byte range in the transcript text.
    pub range: Range<usize>,
    /// When it starts in the recording, in seconds.
    pub start_s: f64,
    /// When it ends, in seconds.
    pub end_s: f64,
    /// Whether the time is a heard word's (true) or interpolated between neighbours (false).
    pub heard: bool,
}

/// A transcript's words with their times, as [`align_words`] gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// Every word of the text in order (a word: a run of characters between spaces).
    pub words: Vec<TimedWord>,
}

impl Alignment {
    /// The time each line of `text` (the same text that was aligned) starts: its first word's
    /// start, or `None` for a line without words.
    pub fn line_starts(&self, text: &str) -> Vec<Option<f64>> {
        let mut starts = Vec::new();
        let mut next = self.words.iter().peekable();
        let mut line_start = 0;
        for line in text.split_inclusive('\n') {
            let line_end = line_start + line.len();
            let mut first = None;
            while let Some(word) = next.next_if(|w| w.range.start < line_end) {
                first.get_or_insert(word.start_s);
            }
            starts.push(first);
            line_start = line_end;
        }
        starts
    }

    /// The share of words whose time was heard rather than interpolated.
    pub fn heard_share(&self) -> f64 {
        if self.words.is_empty() {
            return 0.0;
        }
        self.words.iter().filter(|w| w.heard).count() as f64 / self.words.len() as f64
    }
}

/// How far from the diagonal the alignment may wander, in words, beyond the difference in
/// length: room for a passage Whisper missed or invented, while memory stays linear in the
/// text's length (an hour's 9,000 words take some 20 MB).
const BAND: usize = 400;
/// The cost of leaving a word unpaired; a pairing of two different words costs their
/// normalised spelling distance (0 to 1), so somewhat similar words pair rather than both
/// going unpaired.
const GAP: f32 = 0.7;

/// How far a word's start moves to the onset of the sound it begins, at most, in seconds.
const SNAP_S: f64 = 1.0;

/// Gives every word of `text` a time from Whisper's `heard` segments of the recording
/// `samples` (16 kHz mono, as transcribed). Words are the runs of characters between
/// whitespace; their spellings are compared lowercased without punctuation.
pub fn align_words(text: &str, heard: &[Segment], samples: &[f32]) -> Alignment {
    let ours: Vec<(Range<usize>, String)> = words_of(text);
    let theirs: Vec<(&str, f64, f64)> = heard
        .iter()
        .flat_map(|segment| {
            let words: Vec<(&str, f64, f64)> =
                segment.words.iter().map(|w| (w.text.as_str(), w.start_s, w.end_s)).collect();
            if words.is_empty() {
                vec![(segment.text.as_str(), segment.start_s, segment.end_s)]
            } else {
                words
            }
        })
        .collect();
    let their_keys: Vec<String> = theirs.iter().map(|(w, _, _)| key(w)).collect();
    let our_keys: Vec<&str> = ours.iter().map(|(_, k)| k.as_str()).collect();
    let pairs = needleman_wunsch(&our_keys, &their_keys);
    let mut times: Vec<Option<(f64, f64)>> = vec![None; ours.len()];
    for (i, j) in pairs {
        times[i] = Some((theirs[j].1, theirs[j].2));
    }
    let mut words = interpolate(&ours, &times);
    snap_to_onsets(&mut words, samples);
    Alignment { words }
}

/// Moves the first word of each stretch of sound to the stretch's start when it is near; a
/// stretch that no word falls in first takes the next word if that starts within a second
/// after it (cross-attention sometimes puts a word after a pause one stretch late).
fn snap_to_onsets(words: &mut [TimedWord], samples: &[f32]) {
    let rate = f64::from(SAMPLE_RATE);
    let sounds: Vec<(f64, f64)> =
        stretches(samples).into_iter().map(|r| (r.start as f64 / rate, r.end as f64 / rate)).collect();
    let distance = |t: f64, (start, end): (f64, f64)| (start - t).max(t - end).max(0.0);
    // The stretch a word is in: by its middle, else its end or start, else the nearest one.
    let stretch_of = |word: &TimedWord| -> Option<usize> {
        let within = |t: f64| sounds.iter().position(|&sound| distance(t, sound) == 0.0);
        within((word.start_s + word.end_s) / 2.0)
            .or_else(|| within(word.end_s))
            .or_else(|| within(word.start_s))
            .or_else(|| {
                let nearest = (0..sounds.len())
                    .min_by(|&a, &b| distance(word.start_s, sounds[a]).total_cmp(&distance(word.start_s, sounds[b])))?;
                (distance(word.start_s, sounds[nearest]) <= SNAP_S).then_some(nearest)
            })
    };
    let mut owners: Vec<Option<usize>> = words.iter().map(stretch_of).collect();
    for (k, &(start, end)) in sounds.iter().enumerate() {
        if end - start < 0.3 || owners.contains(&Some(k)) {
            continue;
        }
        let Some(i) = words.iter().position(|w| w.start_s >= start) else { break };
        let after_previous = i == 0 || words[i - 1].end_s <= start + 0.1;
        if words[i].start_s - end <= SNAP_S && after_previous && owners[i].is_none_or(|owner| owner > k) {
            words[i].start_s = start;
            words[i].end_s = end.max(start);
            owners[i] = Some(k);
        }
    }
    let mut previous = None;
    for i in 0..words.len() {
        let Some(sound) = owners[i] else { continue };
        if previous == Some(sound) {
            continue;
        }
        previous = Some(sound);
        let onset = sounds[sound].0;
        let after_previous = i == 0 || words[i - 1].start_s <= onset;
        if (onset - words[i].start_s).abs() <= SNAP_S && after_previous {
            words[i].start_s = onset;
            words[i].end_s = words[i].end_s.max(onset);
        }
    }
}

fn words_of(text: &str) -> Vec<(Range<usize>, String)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                words.push((from..at, key(&text[from..at])));
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// A word's spelling as compared.
fn key(word: &str) -> String {
    word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn substitution(a: &str, b: &str) -> f32 {
    if a == b {
        return 0.0;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len()).max(1);
    edit_distance(&a, &b) as f32 / longest as f32
}

/// The pairs (our index, their index) of a global alignment in a band around the diagonal.
fn needleman_wunsch(ours: &[&str], theirs: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (ours.len(), theirs.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let half = BAND + n.abs_diff(m);
    let width = 2 * half + 1;
    // Row i holds columns centre(i) - half ..= centre(i) + half.
    let centre = |i: usize| (i * m).checked_div(n).unwrap_or(0) as isize;
    let low = |i: usize| centre(i) - half as isize;
    let slot = |i: usize, j: usize| -> Option<usize> {
        let offset = j as isize - low(i);
        (0..width as isize).contains(&offset).then(|| i * width + offset as usize)
    };
    let mut cost = vec![f32::INFINITY; (n + 1) * width];
    let mut step = vec![0u8; (n + 1) * width];
    let get = |cost: &[f32], i: usize, j: usize| slot(i, j).map_or(f32::INFINITY, |s| cost[s]);
    for i in 0..=n {
        let from = low(i).max(0) as usize;
        let to = ((low(i) + width as isize - 1).min(m as isize)).max(-1);
        if to < from as isize {
            continue;
        }
        for j in from..=to as usize {
            let here = slot(i, j).expect("in band");
            if i == 0 && j == 0 {
                cost[here] = 0.0;
                continue;
            }
            let mut best = (f32::INFINITY, 0u8);
            if i > 0 && j > 0 {
                best = (get(&cost, i - 1, j - 1) + substitution(ours[i - 1], &theirs[j - 1]), 0);
            }
            if i > 0 {
                let up = get(&cost, i - 1, j) + GAP;
                if up < best.0 {
                    best = (up, 1);
                }
            }
            if j > 0 {
                let left = get(&cost, i, j - 1) + GAP;
                if left < best.0 {
                    best = (left, 2);
                }
            }
            cost[here] = best.0;
            step[here] = best.1;
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::new();
    while i > 0 || j > 0 {
        let Some(at) = slot(i, j) else { break };
        match (step[at], i > 0 && j > 0) {
            (0, true) => {
                // A pairing of unlike words carries no time: count it only when they are alike.
                if substitution(ours[i - 1], &theirs[j - 1]) <= 0.5 {
                    pairs.push((i - 1, j - 1));
                }
                i -= 1;
                j -= 1;
            }
            (1, _) if i > 0 => i -= 1,
            _ if j > 0 => j -= 1,
            _ => i -= 1,
        }
    }
    pairs.reverse();
    pairs
}

/// Our words with times: heard ones as heard, the others spread between the heard words
/// around them in proportion to their byte position.
fn interpolate(ours: &[(Range<usize>, String)], times: &[Option<(f64, f64)>]) -> Vec<TimedWord> {
    let heard: Vec<usize> = (0..ours.len()).filter(|&i| times[i].is_some()).collect();
    ours.iter()
        .enumerate()
        .map(|(i, (range, _))| {
            if let Some((start_s, end_s)) = times[i] {
                return TimedWord { range: range.clone(), start_s, end_s, heard: true };
            }
            let before = heard.iter().rev().find(|&&h| h < i).copied();
            let after = heard.iter().find(|&&h| h > i).copied();
            let (start_s, end_s) = match (before, after) {
                (Some(b), Some(a)) => {
                    let (from_t, to_t) = (times[b].map_or(0.0, |t| t.1), times[a].map_or(0.0, |t| t.0));
                    let (from_x, to_x) = (ours[b].0.end as f64, ours[a].0.start as f64);
                    let at =
                        |x: f64| from_t + (to_t - from_t) * ((x - from_x) / (to_x - from_x).max(1.0)).clamp(0.0, 1.0);
                    (at(range.start as f64), at(range.end as f64))
                }
                (Some(b), None) => {
                    let t = times[b].map_or(0.0, |t| t.1);
                    (t, t)
                }
                (None, Some(a)) => {
                    let t = times[a].map_or(0.0, |t| t.0);
                    (t, t)
                }
                (None, None) => (0.0, 0.0),
            };
            TimedWord { range: range.clone(), start_s, end_s, heard: false }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whisper::Word;

    fn heard(words: &[(&str, f64)]) -> Vec<Segment> {
        let words: Vec<Word> =
            words.iter().map(|&(text, start_s)| Word { text: text.into(), start_s, end_s: start_s + 0.3 }).collect();
        vec![Segment { start_s: 0.0, end_s: 10.0, text: String::new(), words }]
    }

    #[test]
    fn matched_words_take_heard_times_and_the_rest_are_interpolated() {
        let text = "Okay. So my first\nquestion is about ICE plots.\n\nThanks";
        let segments = heard(&[
            ("okay", 1.0),
            ("so", 2.0),
            ("my", 2.5),
            ("question", 4.0),
            ("is", 4.5),
            ("I", 5.0),
            ("see", 5.2),
            ("plots", 6.0),
            ("thanks", 8.0),
        ]);
        let alignment = align_words(text, &segments, &[]);
        let words: Vec<&str> = alignment.words.iter().map(|w| &text[w.range.clone()]).collect();
        assert_eq!(words, ["Okay.", "So", "my", "first", "question", "is", "about", "ICE", "plots.", "Thanks"]);
        let by = |w: &str| alignment.words.iter().find(|x| &text[x.range.clone()] == w).unwrap();
        assert_eq!((by("Okay.").start_s, by("Okay.").heard), (1.0, true));
        assert_eq!(by("question").start_s, 4.0);
        let first = by("first");
        assert!(!first.heard && first.start_s > 2.8 && first.start_s < 4.0, "{first:?}");
        assert!(by("plots.").heard && by("Thanks").heard);
        assert_eq!(alignment.line_starts(text), vec![Some(1.0), Some(4.0), None, Some(8.0)]);
    }

    #[test]
    fn nothing_heard_or_nothing_typed_still_gives_an_answer() {
        let empty = align_words("", &heard(&[("hello", 1.0)]), &[]);
        assert!(empty.words.is_empty());
        let unheard = align_words("one two", &[], &[]);
        assert_eq!(unheard.words.len(), 2);
        assert_eq!(unheard.heard_share(), 0.0);
    }

    #[test]
    fn a_long_text_aligns_within_the_band() {
        // 3,000 words, Whisper missed 200 in the middle and misheard every tenth.
        let ours: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
        let text = ours.join(" ");
        let heard_words: Vec<(String, f64)> = (0..3000)
            .filter(|i| !(1400..1600).contains(i))
            .map(|i| (if i % 10 == 0 { format!("x{i}") } else { format!("w{i}") }, i as f64 * 0.4))
            .collect();
        let words: Vec<(&str, f64)> = heard_words.iter().map(|(w, t)| (w.as_str(), *t)).collect();
        let alignment = align_words(&text, &heard(&words), &[]);
        for (i, word) in alignment.words.iter().enumerate() {
            assert!((word.start_s - i as f64 * 0.4).abs() < 0.5, "word {i}: {word:?}");
        }
    }
}
