//! Quotes fit to print: the form a passage takes when a write-up quotes it (issue #21).
//!
//! A transcript keeps what its file gave: cue times, speaker labels, the interviewer's turns,
//! fillers and pauses. A published extract shows the participant's words only, with `[…]` where
//! words of the transcript were left out (APA 7, 8.31), and fillers and pauses handled one way
//! across the study ([`FillerPolicy`]). [`print_quote`] makes that form from a version's text and
//! turns; the stored text never changes, and the citation, made from the span, keeps its page
//! and lines.

use std::collections::BTreeMap;

use idiograph_text::Span;

use crate::{SpeakerRole, Turn};

crate::word_enum!(
    /// What printed quotes do with fillers (`um`, `er`) and pauses (`(pause)`, `...`): one
    /// setting for the whole study, so every quote of a write-up follows the same convention.
    FillerPolicy, "filler policy", {
        /// Print them as transcribed (IPA keeps hesitations where they matter to the reading).
        Keep => "keep",
        /// Leave them out, each run of them marked by an ellipsis (`…`) where words stand on both
        /// sides and no punctuation follows.
        Mark => "mark",
    }
);

/// The mark for words of the transcript left out of a quote.
pub const OMISSION: &str = "[…]";

/// The mark left where fillers and pauses were taken out under [`FillerPolicy::Mark`].
pub const PAUSE: &str = "…";

/// Words that only fill a hesitation. `er`, not `err` (a verb); neither `ah` nor `hmm`, which
/// can carry meaning; `uh-huh` is not matched, as a hyphen binds it into one word.
const FILLERS: &[&str] = &["um", "umm", "uhm", "uh", "uhh", "er", "erm", "ehm"];

/// Pause marks of common transcription conventions (matched without regard to letter case).
const PAUSES: &[&str] = &["(pause)", "[pause]", "(long pause)", "[long pause]", "(.)", "(..)", "(...)"];

/// The printed form of the passages `spans` of a version's `text`, whose speaker turns are
/// `turns` (in text order) and whose speakers' roles are `speakers` (by label).
///
/// - Cue times and speaker labels are not printed: each turn is quoted from where its words
///   begin ([`Turn::words_start`]), and a time in brackets (`[00:12:34]`, `(12:34)`), a bare
///   `H:MM:SS` time and a caption timing (`00:00:01,000 --> 00:00:02,000`) are taken out
///   wherever they stand. A bare `10:30` is a clock time in someone's words and is kept.
/// - The quote is one voice: the participant's turns when the passage holds any (by the roles
///   the researcher confirmed), else the turns of the speaker who says most in it (the first
///   of equals). Another speaker's turn inside the
///   passage (the interviewer's question) is left out and marked `[…]`, as is the text skipped
///   between two spans. Consecutive turns of the same voice join with a space: their labels and
///   times were dropped, but no word was.
/// - Fillers and pauses follow `fillers`.
/// - Line breaks and runs of blanks become one space.
///
/// Printing is idempotent: the result, printed again as a text without turns, is unchanged.
///
/// ```
/// use std::collections::BTreeMap;
/// use idiograph_model::{print_quote, FillerPolicy, SpeakerRole, Turn};
/// use idiograph_text::Span;
/// let text = "[00:00:03.500] Bob: It felt, um, light.";
/// let turn = Turn {
///     span: Span::new(text, 0, text.len()).unwrap(),
///     label: Some("Bob".into()),
///     label_span: Some(Span::new(text, 15, 18).unwrap()),
///     timestamp: Some("00:00:03.500".into()),
/// };
/// let roles = BTreeMap::from([("Bob".to_owned(), SpeakerRole::Participant)]);
/// let all = [Span::full(text)];
/// assert_eq!(print_quote(text, &[turn.clone()], &roles, &all, FillerPolicy::Keep), "It felt, um, light.");
/// assert_eq!(print_quote(text, &[turn], &roles, &all, FillerPolicy::Mark), "It felt … light.");
/// ```
pub fn print_quote(
    text: &str,
    turns: &[Turn],
    speakers: &BTreeMap<String, SpeakerRole>,
    spans: &[Span],
    fillers: FillerPolicy,
) -> String {
    let pieces = pieces(text, turns, spans);
    let spoken = |p: &&Piece<'_>| !p.text.trim().is_empty();
    let is_participant = |label: &str| speakers.get(label) == Some(&SpeakerRole::Participant);
    let participant_speaks = pieces.iter().filter(spoken).any(|p| p.label.is_some_and(is_participant));
    // Without confirmed roles, the voice that says most in the passage: in an interview that is
    // the participant.
    let mut said: Vec<(&str, usize)> = Vec::new();
    for p in pieces.iter().filter(spoken) {
        if let Some(label) = p.label {
            match said.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += p.text.len(),
                None => said.push((label, p.text.len())),
            }
        }
    }
    let main_voice = said.iter().rev().max_by_key(|(_, n)| *n).map(|(l, _)| *l);
    let quoted = |label: Option<&str>| match label {
        None => true,
        Some(l) if participant_speaks => is_participant(l),
        Some(l) => Some(l) == main_voice,
    };

    let mut out = String::new();
    let mut omitted = false;
    for piece in &pieces {
        omitted |= piece.skipped_before;
        let words = strip_times(piece.text, piece.cut_start, piece.cut_end);
        if words.trim().is_empty() {
            continue;
        }
        if !quoted(piece.label) {
            omitted = true;
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
            if omitted {
                out.push_str(OMISSION);
                out.push(' ');
            }
        }
        out.push_str(&words);
        omitted = false;
    }
    let out = squeeze(&out);
    match fillers {
        FillerPolicy::Keep => out,
        FillerPolicy::Mark => squeeze(&mark_fillers(&out)),
    }
}

/// A stretch of a passage within one turn (or outside every turn).
struct Piece<'a> {
    /// The speaker of the turn, if it has a label.
    label: Option<&'a str>,
    /// The words, from the turn's words on.
    text: &'a str,
    /// Text of the transcript lies between the previous span and this piece's.
    skipped_before: bool,
    /// The piece begins inside a word that may be a time.
    cut_start: bool,
    /// The piece ends inside a word that may be a time.
    cut_end: bool,
}

/// Cuts the spans (in text order, overlaps merged) at turn boundaries, leaving out each turn's
/// time and label.
fn pieces<'a>(text: &'a str, turns: &'a [Turn], spans: &[Span]) -> Vec<Piece<'a>> {
    let mut spans = spans.to_vec();
    spans.sort_by_key(|s| (s.start(), s.end()));
    let mut out = Vec::new();
    let mut done: Option<usize> = None;
    for span in spans {
        let end = span.end().to_usize().min(text.len());
        let mut at = span.start().to_usize().max(done.unwrap_or(0));
        if at >= end {
            continue;
        }
        let mut skipped_before = done.is_some_and(|d| text.get(d..at).is_some_and(|gap| !gap.trim().is_empty()));
        while at < end {
            let (label, from, to) = match crate::transcript::turn_at(turns, at) {
                Some(turn) => (turn.label.as_deref(), at.max(turn.words_start(text)), turn.span.end().to_usize()),
                None => {
                    let next = turns.iter().map(|t| t.span.start().to_usize()).find(|&s| s > at);
                    (None, at, next.unwrap_or(end))
                }
            };
            let to = to.min(end);
            let from = from.min(to);
            if let Some(words) = text.get(from..to) {
                let cut_start = cuts_time(text, from) == (true, true);
                let cut_end = cuts_time(text, to) == (true, true);
                out.push(Piece { label, text: words, skipped_before, cut_start, cut_end });
                skipped_before = false;
            }
            // A turn's end always lies on a character boundary after `at`; should a malformed
            // turn say otherwise, the next boundary keeps the walk moving.
            at = (to..=end).find(|&i| text.is_char_boundary(i)).unwrap_or(end);
        }
        done = Some(end);
    }
    out
}

/// Blanks and line breaks squeezed to single spaces, ends trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A time such as `0:03`, `12:34`, `00:12:34` or `00:00:03,500` starting at byte `at` of
/// `text`: its end and whether it has hours.
fn time_at(text: &str, at: usize) -> Option<(usize, bool)> {
    let b = text.as_bytes();
    if at > 0 && (b[at - 1].is_ascii_digit() || b[at - 1] == b':') {
        return None;
    }
    let digits = |from: usize| b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let lead = digits(at);
    if !(1..=2).contains(&lead) {
        return None;
    }
    let mut end = at + lead;
    let mut groups = 1;
    while groups < 3 && b.get(end) == Some(&b':') && digits(end + 1) == 2 {
        end += 3;
        groups += 1;
    }
    if groups < 2 {
        return None;
    }
    if matches!(b.get(end), Some(b'.' | b',')) && (1..=3).contains(&digits(end + 1)) {
        end += 1 + digits(end + 1);
    }
    if b.get(end).is_some_and(|c| c.is_ascii_digit() || *c == b':') {
        return None;
    }
    Some((end, groups == 3))
}

/// `text` without cue times: bracketed times, bare `H:MM:SS` times and caption timings, and
/// what is left of a bracketed time the passage cut through at either end (see
/// [`without_cut_times`]).
fn strip_times(text: &str, cut_start: bool, cut_end: bool) -> String {
    let text = without_cut_times(text, cut_start, cut_end);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if let Some(end) = bracketed_time(text, i) {
            out.push(' ');
            i = end;
            continue;
        }
        if let Some((mut end, true)) = time_at(text, i) {
            // A caption timing: `start --> end`.
            let rest = &text[end..];
            if let Some(after) = rest.trim_start().strip_prefix("-->") {
                let next = end + rest.len() - after.len() + (after.len() - after.trim_start().len());
                if let Some((to, _)) = time_at(text, next) {
                    end = to;
                }
            }
            // A time that closed a bracketed remark (`[inaudible 00:12:34]`) or a sentence leaves
            // no blank before the bracket or the stop.
            if text[end..].starts_with([']', ')', '.', ',', ';', '?', '!']) {
                out.truncate(out.trim_end().len());
            } else {
                out.push(' ');
            }
            i = end;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// `text` without the remains of a time the passage cut through: a first word such as
/// `03.500]` when `cut_start` (the passage began inside a word), a last word such as `[00:0`
/// when `cut_end`.
fn without_cut_times(text: &str, cut_start: bool, cut_end: bool) -> &str {
    let time_char = |c: char| c.is_ascii_digit() || matches!(c, ':' | '.' | ',');
    let mut text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    let closed = first.strip_suffix("\\]").or_else(|| first.strip_suffix([']', ')'])).unwrap_or(first);
    if cut_start && closed.chars().all(time_char) {
        text = text[first.len()..].trim_start();
    }
    let last = text.split_whitespace().next_back().unwrap_or("");
    let opened = last.strip_prefix("\\[").or_else(|| last.strip_prefix(['[', '('])).unwrap_or(last);
    if cut_end && opened.chars().all(time_char) {
        text = text[..text.len() - last.len()].trim_end();
    }
    text
}

/// Whether a passage's edge at `at` cuts through a word that may be a bracketed time.
fn cuts_time(text: &str, at: usize) -> (bool, bool) {
    let time_char = |c: char| c.is_ascii_digit() || matches!(c, ':' | '.' | ',' | '[' | ']' | '(' | ')' | '\\');
    let before = text[..at].chars().next_back().is_some_and(time_char);
    let after = text[at..].chars().next().is_some_and(time_char);
    (before, after)
}

/// The end of a time in brackets starting at `at`: `[12:34]`, `(00:12:34)`, `\[12:34\]`.
fn bracketed_time(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let (open, close) = if rest.starts_with("\\[") {
        (2, "\\]")
    } else if rest.starts_with('[') {
        (1, "]")
    } else if rest.starts_with('(') {
        (1, ")")
    } else {
        return None;
    };
    let (end, _) = time_at(text, at + open)?;
    text[end..].starts_with(close).then_some(end + close.len())
}

/// The byte range of a filler word or pause mark starting at `at`, if one does.
fn filler_at(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    // `[…]` and `[...]` mark omitted words, not a pause.
    let omission = text[..at].ends_with('[');
    if rest.starts_with('…') && !omission {
        return Some(at + '…'.len_utf8());
    }
    if rest.starts_with("...") && !omission {
        return Some(at + rest.bytes().take_while(|&b| b == b'.').count());
    }
    let head: String = rest.chars().take(16).collect::<String>().to_lowercase();
    if let Some(mark) = PAUSES.iter().find(|p| head.starts_with(**p)) {
        return Some(at + mark.len());
    }
    // A timed pause, `(0.5)` or `(2.0)`.
    if let Some((inner, _)) = head.strip_prefix('(').and_then(|h| h.split_once(')')) {
        if inner.split_once('.').is_some_and(|(a, b)| is_number(a) && is_number(b)) {
            return Some(at + inner.len() + 2);
        }
    }
    let word_char = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
    if text[..at].chars().next_back().is_some_and(word_char) {
        return None;
    }
    let word: &str = &rest[..rest.find(|c: char| !word_char(c)).unwrap_or(rest.len())];
    let lower = word.to_lowercase();
    // `Um` opens a sentence; `ER` is an emergency room.
    let as_filler = word == lower || word == capitalised(&lower);
    (as_filler && FILLERS.contains(&lower.as_str())).then_some(at + word.len())
}

/// Whether `s` is a non-empty run of ASCII digits.
fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `word` with its first letter in capitals.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Takes out fillers and pauses, leaving [`PAUSE`] for each run of them that stands between
/// words; the commas and blanks around a run go with it.
fn mark_fillers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let Some(mut end) = filler_at(text, i) else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        };
        // The run: fillers and pauses separated only by blanks and commas.
        loop {
            let gap = text[end..].len() - text[end..].trim_start_matches([' ', ',']).len();
            match filler_at(text, end + gap) {
                Some(next) => end = next,
                None => break,
            }
        }
        let tail = text[end..].trim_start_matches([' ', ',']);
        let before = out.trim_end_matches([' ', ',']).len();
        let stop = tail.starts_with(['.', '?', '!', ';', ':', ')', ']']);
        out.truncate(before);
        if before > 0 && !tail.is_empty() && !stop {
            out.push(' ');
            out.push_str(PAUSE);
            out.push(' ');
        } else if !stop {
            out.push(' ');
        }
        i = text.len() - tail.len();
    }
    out
}

#[cfg(test)]
mod tests;
