//! When each line was said: the times that let a reader listen while reading (issue #16).
//!
//! A time is known at some points of a version's text: where a caption's cue or a bracketed
//! time opens a turn (VTT, SRT, Teams and Zoom exports keep them), or where alignment to the
//! recording put one. A line holding such a point starts playing there; a line between two
//! points gets a time in proportion to where it lies between them, which is close enough to
//! start listening a little before its words.

use idiograph_text::{Layout, TextSize};

use crate::TranscriptVersion;

/// A cue time as transcripts write it, in milliseconds: `H:MM:SS`, `MM:SS` or `SS`, the
/// seconds with an optional fraction after `.` or `,` (`00:00:04.180`, `1:02:03,5`, `12:34`).
/// `None` for anything else (a minute or second field of 60 or more included).
pub fn parse_cue_time(time: &str) -> Option<u64> {
    let fields: Vec<&str> = time.trim().split(':').collect();
    if fields.is_empty() || fields.len() > 3 {
        return None;
    }
    let (seconds, whole) = fields.split_last()?;
    let (secs, fraction) = match seconds.split_once(['.', ',']) {
        Some((s, f)) => (s, f),
        None => (*seconds, ""),
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let secs = number(secs)?;
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Milliseconds from the first three digits of the fraction, padded: ".5" is 500 ms.
    let millis = format!("{fraction:0<3}")[..3].parse::<u64>().ok()?;
    let mut total = secs;
    let mut scale = 60;
    for (i, field) in whole.iter().rev().enumerate() {
        let value = number(field)?;
        // Only the leading field may pass 59 (75:10 is an hour and a quarter).
        if i + 1 < whole.len() && value >= 60 {
            return None;
        }
        total += value * scale;
        scale *= 60;
    }
    if !whole.is_empty() && secs >= 60 {
        return None;
    }
    Some(total * 1000 + millis)
}

/// A time in milliseconds as transcripts write cue times, `00:01:02.345`: what
/// [`parse_cue_time`] reads back.
pub fn format_cue_time(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// The times a version's own text gives: each turn opened by a cue time, timed where its words
/// begin, in text order. Times that go backwards (a cue out of order) are left out, so the
/// points always run forward.
pub fn cue_points(version: &TranscriptVersion) -> Vec<(TextSize, u64)> {
    let mut points: Vec<(TextSize, u64)> = Vec::new();
    for turn in &version.turns {
        let Some(ms) = turn.timestamp.as_deref().and_then(parse_cue_time) else { continue };
        if points.last().is_some_and(|&(_, last)| ms < last) {
            continue;
        }
        points.push((TextSize::new(turn.words_start(&version.text) as u32), ms));
    }
    points
}

/// The time each line starts, by global line number (index 0 is line 1), from `points` (text
/// positions with times, in text order and running forward).
///
/// A line holding a point takes its first point's time; a line between two points takes the
/// time in proportion to its start's place between them; a line before the first point or after
/// the last has none, as nothing says when it was said.
pub fn line_times(layout: &Layout, points: &[(TextSize, u64)]) -> Vec<Option<u64>> {
    let starts = layout.line_starts();
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(u32::MAX);
        // The first point at or after this line's start.
        let next = points.partition_point(|&(at, _)| at.to_u32() < start);
        let time = match (next.checked_sub(1).map(|p| points[p]), points.get(next)) {
            (_, Some(&(at, ms))) if at.to_u32() < end => Some(ms),
            (Some((a, a_ms)), Some(&(b, b_ms))) => {
                let share = f64::from(start - a.to_u32()) / f64::from(b.to_u32() - a.to_u32());
                Some(a_ms + ((b_ms - a_ms) as f64 * share).round() as u64)
            }
            _ => None,
        };
        out.push(time);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{format_cue_time, line_times, parse_cue_time};
    use idiograph_text::{Layout, LayoutParams, TextSize};
    use proptest::prelude::*;

    #[test]
    fn cue_times_of_every_style() {
        assert_eq!(parse_cue_time("00:00:04.180"), Some(4_180));
        assert_eq!(parse_cue_time("00:01:02,5"), Some(62_500));
        assert_eq!(parse_cue_time("1:02:03"), Some(3_723_000));
        assert_eq!(parse_cue_time("12:34"), Some(754_000));
        assert_eq!(parse_cue_time("75:10"), Some(4_510_000), "a leading field may pass 59");
        assert_eq!(parse_cue_time("7"), Some(7_000));
        assert_eq!(parse_cue_time("00:05.1234"), Some(5_123));
        for bad in ["", "a:b", "1:60", "1:61:00", "1:2:3:4", "12:", ":12", "1.2.3", "-1:00", "00:00:01.x"] {
            assert_eq!(parse_cue_time(bad), None, "{bad:?}");
        }
    }

    fn layout(text: &str) -> Layout {
        Layout::compute(text, LayoutParams::new(20, 50).unwrap())
    }

    #[test]
    fn a_line_takes_its_points_time_and_lines_between_points_are_in_proportion() {
        let text = "aaaa\nbbbb\ncccc\ndddd\neeee\n";
        let l = layout(text);
        let points = [(TextSize::new(2), 1_000), (TextSize::new(15), 4_000)];
        let times = line_times(&l, &points);
        assert_eq!(times[0], Some(1_000), "line 1 holds the first point");
        // Line 2 starts at 5: (5 - 2) / (15 - 2) of the way from 1 s to 4 s.
        assert_eq!(times[1], Some(1_000 + (3_000.0_f64 * 3.0 / 13.0).round() as u64));
        assert_eq!(times[3], Some(4_000), "line 4 starts at the second point");
        assert_eq!(times[4], None, "after the last point nothing says when");
        assert_eq!(line_times(&l, &[]), vec![None; l.line_count() as usize]);
    }

    proptest! {
        /// A cue time written is read back to the millisecond.
        #[test]
        fn cue_times_round_trip(ms in 0u64..360_000_000) {
            prop_assert_eq!(parse_cue_time(&format_cue_time(ms)), Some(ms));
        }

        /// Times never run backwards down the lines, and every line between the first and the
        /// last point has one.
        #[test]
        fn line_times_run_forward(words in proptest::collection::vec("[a-z]{1,12}", 5..80), picks in proptest::collection::vec((0usize..1000, 0u64..5_000), 1..10)) {
            let text = words.join(" ");
            let l = layout(&text);
            let mut points: Vec<(TextSize, u64)> = picks.iter().map(|&(at, _)| (TextSize::new((at % text.len()) as u32), 0)).collect();
            points.sort();
            points.dedup_by_key(|p| p.0);
            let mut clock = 0;
            for (p, &(_, step)) in points.iter_mut().zip(&picks) {
                clock += step;
                p.1 = clock;
            }
            let times = line_times(&l, &points);
            let known: Vec<u64> = times.iter().flatten().copied().collect();
            prop_assert!(known.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
            let first = l.position(points[0].0).global as usize - 1;
            let last = l.position(points.last().unwrap().0).global as usize - 1;
            prop_assert!(times[first..=last].iter().all(Option::is_some));
        }
    }
}
