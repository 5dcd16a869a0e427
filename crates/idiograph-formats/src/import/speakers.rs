//! Speaker turns in canonical text: finds the lines that start with a speaker label and cuts
//! the text into turns at them.
//!
//! Recognised label lines (leading spaces, tabs or stray byte order marks allowed):
//!
//! | style      | examples                                                              |
//! |------------|-----------------------------------------------------------------------|
//! | `Name:`    | `Dan: Okay.`, `[00:12:34] Dan: …`, `00:12:34 Dan: …`, `Dan: [01:46] …` |
//! | `**Name:**`| `**Tim Smith:** \[01:46\] …`, `**Dan**: …`, `\[01:46\] **Dan:** …`     |
//! | `[Name]`   | `[id1] hello`, `[Johnny Doe] 11:02:09` (Zoom), `[Dan] [00:12] …`       |
//! | `Name 0:04`| `Olivia Smith  0:03` (Otter), `Zoë Ødegård   0:04` (Teams' Word layout)   |
//!
//! A label is 1 to 60 characters and at most 6 words, starts with a letter and holds letters
//! (any script), digits, spaces and `. , ' ’ - ( )`. A colon label must be followed by a blank
//! or the line end, so `http://…` and `10:30` are not labels; a bracket label likewise, so
//! Markdown links are not. A `Name 0:04` label is a whole line: the name, blanks and a bare
//! time, the turn's words following on the next lines. Timestamps are `M:SS`, `MM:SS` or `H:MM:SS` with an optional
//! fraction, bare or in `[…]` or escaped `\[…\]`, before the label or right after it. A line
//! that only starts with a timestamp (`\[12:15\] We sort of…`) continues the current turn.
//!
//! Only the most frequent style counts as labels (ties: `**Name:**`, then `Name:`, then
//! `[Name]`). This keeps `[laughs]` lines in a `Name:` transcript, or a prose line like
//! `So the rule is: …` in a bold-label transcript, from splitting turns; such lines are
//! reported instead. A turn runs from its label line to the next label line, over paragraphs,
//! minus trailing whitespace. Text before the first label belongs to no turn (reported).
//!
//! Speed: one pass over the text finding line ends with a byte search; per line at most the
//! first ~60 characters are looked at, by hand-written byte tests (no regex, no allocation).
//! Strings are allocated per turn, not per line (about 300 MB/s on ASCII in release builds).

use super::{count, ImportDiagnostic, ImportedTurn};
use idiograph_text::Span;
use std::cmp::Reverse;

/// Longest label accepted, in characters; longer runs are prose.
const MAX_LABEL_CHARS: usize = 60;
/// Most words a label may have; more is a sentence ending in a colon.
const MAX_LABEL_WORDS: usize = 6;
/// U+FEFF in UTF-8.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// How a line writes its speaker label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `**Name:**` or `**Name**:` (Markdown bold).
    Bold,
    /// `Name:`.
    Colon,
    /// `[Name]`.
    Bracket,
    /// `Name   0:04` alone on its line (Otter, Teams' Word transcripts).
    Stamped,
}

impl Style {
    /// All styles, most trusted first: the order breaks ties between equally frequent styles.
    const ALL: [Style; 4] = [Style::Bold, Style::Colon, Style::Bracket, Style::Stamped];

    fn index(self) -> usize {
        match self {
            Style::Bold => 0,
            Style::Colon => 1,
            Style::Bracket => 2,
            Style::Stamped => 3,
        }
    }

    fn example(self) -> &'static str {
        match self {
            Style::Bold => "**Name:**",
            Style::Colon => "Name:",
            Style::Bracket => "[Name]",
            Style::Stamped => "Name 0:00",
        }
    }
}

/// A line that starts with a speaker label; offsets are absolute byte offsets in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LabelLine {
    style: Style,
    /// Where the line starts (the previous turn ends before it).
    line_start: usize,
    /// Where the turn starts: the first character after indentation.
    start: usize,
    label: (usize, usize),
    timestamp: Option<(usize, usize)>,
}

/// Cuts `text` into speaker turns and reports lines that were left out or looked like labels.
pub(super) fn find_turns(text: &str) -> (Vec<ImportedTurn>, Vec<ImportDiagnostic>) {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut per_style = [0usize; 4];
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = bytes[line_start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| line_start + n);
        if let Some(line) = parse_line(&text[line_start..line_end], line_start) {
            per_style[line.style.index()] += 1;
            found.push(line);
        }
        line_start = line_end + 1;
    }

    let mut diagnostics = Vec::new();
    let Some(style) = dominant(per_style) else {
        diagnostics.push(ImportDiagnostic::new(format!(
            "no speaker labels found: {} without a label such as 'Name:', '**Name:**' or '[Name]'",
            count(non_blank_lines(text), "line", "lines")
        )));
        return (Vec::new(), diagnostics);
    };

    let chosen: Vec<LabelLine> = found.into_iter().filter(|line| line.style == style).collect();
    let turns = chosen
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let next = chosen.get(i + 1).map_or(text.len(), |next| next.line_start);
            let end = line.start + text[line.start..next].trim_end().len();
            // The offsets come from the scan above and always sit on character boundaries;
            // should that ever break, dropping the turn beats failing the import.
            let span = Span::new(text, line.start, end).ok()?;
            let label_span = Span::new(text, line.label.0, line.label.1).ok()?;
            Some(ImportedTurn {
                span,
                label: Some(label_span.slice(text).to_owned()),
                label_span: Some(label_span),
                timestamp: line.timestamp.map(|(start, end)| text[start..end].to_owned()),
            })
        })
        .collect();

    let before_first = chosen.first().map_or(0, |line| non_blank_lines(&text[..line.line_start]));
    if before_first > 0 {
        diagnostics.push(ImportDiagnostic::new(format!(
            "text before the first speaker label is not part of any turn ({})",
            count(before_first, "line", "lines")
        )));
    }
    for other in Style::ALL.into_iter().filter(|&other| other != style && per_style[other.index()] > 0) {
        diagnostics.push(ImportDiagnostic::new(format!(
            "{} with a '{}' label kept as turn text because this transcript uses '{}' labels",
            count(per_style[other.index()], "line", "lines"),
            other.example(),
            style.example()
        )));
    }
    (turns, diagnostics)
}

/// The most frequent style, earlier in [`Style::ALL`] on ties; `None` when no label was found.
fn dominant(per_style: [usize; 4]) -> Option<Style> {
    // `min_by_key` keeps the first of equal keys, which gives the tie order of `ALL`.
    Style::ALL
        .into_iter()
        .filter(|style| per_style[style.index()] > 0)
        .min_by_key(|style| Reverse(per_style[style.index()]))
}

fn non_blank_lines(text: &str) -> usize {
    text.lines().filter(|line| !line.trim().is_empty()).count()
}

/// Recognises a label line; `base` is the line's offset in the text.
fn parse_line(line: &str, base: usize) -> Option<LabelLine> {
    let b = line.as_bytes();
    let start = skip_blanks(b, 0);
    let mut timestamp = None;
    let mut pos = start;
    if let Some((time, after)) = timestamp_at(b, pos) {
        timestamp = Some(time);
        pos = skip_blanks(b, after);
    }
    let (style, label, after) = bold_label(line, pos)
        .map(|(label, after)| (Style::Bold, label, after))
        .or_else(|| bracket_label(line, pos).map(|(label, after)| (Style::Bracket, label, after)))
        .or_else(|| colon_label(line, pos).map(|(label, after)| (Style::Colon, label, after)))
        .or_else(|| {
            if timestamp.is_some() {
                return None;
            }
            let (label, time) = stamped_label(line, pos)?;
            timestamp = Some(time);
            Some((Style::Stamped, label, line.len()))
        })?;
    if timestamp.is_none() {
        timestamp = timestamp_at(b, skip_blanks(b, after)).map(|(time, _)| time);
    }
    let shift = |(s, e): (usize, usize)| (base + s, base + e);
    Some(LabelLine {
        style,
        line_start: base,
        start: base + start,
        label: shift(label),
        timestamp: timestamp.map(shift),
    })
}

fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// Skips spaces and tabs, and byte order marks, which concatenated files leave mid-text.
fn skip_blanks(b: &[u8], mut pos: usize) -> usize {
    loop {
        if b.get(pos).is_some_and(|&byte| is_blank(byte)) {
            pos += 1;
        } else if b.get(pos..).is_some_and(|rest| rest.starts_with(BOM)) {
            pos += BOM.len();
        } else {
            return pos;
        }
    }
}

/// Whether the label or timestamp ending at `pos` is followed by a blank or the line end.
fn ends_word(b: &[u8], pos: usize) -> bool {
    match b.get(pos) {
        Some(&byte) => is_blank(byte),
        None => true,
    }
}

/// A timestamp at `pos`: the range of the time itself and the offset after its brackets.
fn timestamp_at(b: &[u8], pos: usize) -> Option<((usize, usize), usize)> {
    let rest = b.get(pos..)?;
    let (open, close): (&[u8], &[u8]) = if rest.starts_with(b"\\[") {
        (b"\\[", b"\\]") // Markdown exports escape brackets: \[01:46\]
    } else if rest.starts_with(b"[") {
        (b"[", b"]")
    } else {
        (b"", b"")
    };
    let time_start = pos + open.len();
    let time_end = time_at(b, time_start)?;
    if close.is_empty() {
        // A bare time must stand alone so that "3:15pm" or "10:30," stays prose.
        return ends_word(b, time_end).then_some(((time_start, time_end), time_end));
    }
    b.get(time_end..)?.starts_with(close).then_some(((time_start, time_end), time_end + close.len()))
}

/// `M:SS`, `MM:SS`, `H:MM:SS` or `HH:MM:SS`, optionally with `.f`/`,f` fractions (1–3 digits);
/// returns where it ends.
fn time_at(b: &[u8], pos: usize) -> Option<usize> {
    let mut end = digits(b, pos, 1, 2)?;
    end = colon_pair(b, end)?;
    if let Some(seconds) = colon_pair(b, end) {
        end = seconds;
    }
    if matches!(b.get(end), Some(b'.' | b',')) {
        if let Some(fraction) = digits(b, end + 1, 1, 3) {
            end = fraction;
        }
    }
    // A further digit means a longer number such as "12:345", not a time.
    (!b.get(end).is_some_and(u8::is_ascii_digit)).then_some(end)
}

fn colon_pair(b: &[u8], pos: usize) -> Option<usize> {
    if b.get(pos) != Some(&b':') {
        return None;
    }
    let end = digits(b, pos + 1, 2, 2)?;
    Some(end)
}

fn digits(b: &[u8], pos: usize, min: usize, max: usize) -> Option<usize> {
    let n = b.get(pos..)?.iter().take(max).take_while(|byte| byte.is_ascii_digit()).count();
    (n >= min).then_some(pos + n)
}

/// `**Name:**` or `**Name**:` at `pos`: the label range and the offset after the markup.
fn bold_label(line: &str, pos: usize) -> Option<((usize, usize), usize)> {
    let b = line.as_bytes();
    if !b.get(pos..)?.starts_with(b"**") {
        return None;
    }
    let end = name_run(line, pos + 2)?;
    let rest = &b[end..];
    if !(rest.starts_with(b":**") || rest.starts_with(b"**:")) {
        return None;
    }
    Some((label_range(line, pos + 2, end)?, end + 3))
}

/// `[Name]` at `pos`, followed by a blank or the line end.
fn bracket_label(line: &str, pos: usize) -> Option<((usize, usize), usize)> {
    let b = line.as_bytes();
    if b.get(pos) != Some(&b'[') {
        return None;
    }
    let end = name_run(line, pos + 1)?;
    if b.get(end) != Some(&b']') || !ends_word(b, end + 1) {
        return None;
    }
    Some((label_range(line, pos + 1, end)?, end + 1))
}

/// `Name:` at `pos`, followed by a blank or the line end.
fn colon_label(line: &str, pos: usize) -> Option<((usize, usize), usize)> {
    let b = line.as_bytes();
    let end = name_run(line, pos)?;
    if b.get(end) != Some(&b':') || !ends_word(b, end + 1) {
        return None;
    }
    Some((label_range(line, pos, end)?, end + 1))
}

/// `Name   0:04` filling the rest of the line from `pos`: the label and the time ranges.
fn stamped_label(line: &str, pos: usize) -> Option<((usize, usize), (usize, usize))> {
    let b = line.as_bytes();
    let end = line.trim_end_matches([' ', '\t']).len();
    if end <= pos {
        return None;
    }
    let time_start = line[pos..end].rfind([' ', '\t']).map(|n| pos + n + 1)?;
    if time_at(b, time_start)? != end {
        return None;
    }
    let name_end = line[..time_start].trim_end_matches([' ', '\t']).len();
    if name_end <= pos || name_run(line, pos)? < name_end {
        return None;
    }
    Some((label_range(line, pos, name_end)?, (time_start, end)))
}

/// Where the run of name characters from `pos` ends; `None` when it is too long to be a name,
/// which also bounds the work per line.
fn name_run(line: &str, pos: usize) -> Option<usize> {
    let mut chars = 0;
    for (offset, c) in line.get(pos..)?.char_indices() {
        if !is_name_char(c) {
            return Some(pos + offset);
        }
        chars += 1;
        if chars > MAX_LABEL_CHARS {
            return None;
        }
    }
    Some(line.len())
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, ' ' | '.' | ',' | '\'' | '\u{2019}' | '-' | '(' | ')')
        // Combining marks are not alphanumeric but belong to names: diacritics NFC cannot
        // precompose, and the vowel signs of Indic and Thai scripts.
        || matches!(c, '\u{0300}'..='\u{036f}' | '\u{0900}'..='\u{0dff}' | '\u{0e00}'..='\u{0eff}')
}

/// Validates the name between `start` and `end` and trims trailing spaces off it.
fn label_range(line: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let label = line.get(start..end)?.trim_end();
    let starts_with_letter = label.chars().next().is_some_and(char::is_alphabetic);
    let words = label.split(' ').filter(|word| !word.is_empty()).count();
    (starts_with_letter && words <= MAX_LABEL_WORDS).then_some((start, start + label.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (label, timestamp, turn text) for each turn.
    fn turns(text: &str) -> Vec<(String, Option<String>, String)> {
        find_turns(text).0.into_iter().map(|t| (t.label.unwrap(), t.timestamp, t.span.slice(text).to_owned())).collect()
    }

    fn labels(text: &str) -> Vec<String> {
        turns(text).into_iter().map(|(label, _, _)| label).collect()
    }

    fn messages(text: &str) -> Vec<String> {
        find_turns(text).1.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn colon_labels_and_continuation_paragraphs() {
        let text = "Dan: Okay.\n\nParticipant: Well,\nsecond line.\n\nMore of it.\n\n\nDan: Right.\n";
        assert_eq!(
            turns(text),
            [
                ("Dan".into(), None, "Dan: Okay.".into()),
                ("Participant".into(), None, "Participant: Well,\nsecond line.\n\nMore of it.".into()),
                ("Dan".into(), None, "Dan: Right.".into()),
            ]
        );
        assert!(messages(text).is_empty());
    }

    #[test]
    fn label_span_excludes_markup() {
        let text = "\u{feff}  **Mireille B. Reece, Psy.D:** Hi\n[id1] yes\n";
        let (turns, _) = find_turns(text);
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].label_span.unwrap().slice(text), "Mireille B. Reece, Psy.D");
        assert_eq!(turns[0].span.slice(text), "**Mireille B. Reece, Psy.D:** Hi\n[id1] yes");
    }

    #[test]
    fn label_forms() {
        assert_eq!(
            labels("Olivia: a\nMireille B. Reece, Psy.D: b\nZoë Ça-Va: c\nO’Neil (host): d\nP1: e\n"),
            ["Olivia", "Mireille B. Reece, Psy.D", "Zoë Ça-Va", "O’Neil (host)", "P1"]
        );
        assert_eq!(labels("**Tim Smith:** a\n**Dan**: b\n**Dan :** c\n"), ["Tim Smith", "Dan", "Dan"]);
        assert_eq!(labels("[id1] a\n[id2]\ntext\n[Johnny Doe] 11:02:09\nb\n"), ["id1", "id2", "Johnny Doe"]);
        assert_eq!(labels("Дмитрий: а\n李明: 好\nप्रिया: हाँ\n"), ["Дмитрий", "李明", "प्रिया"]);
        assert_eq!(labels("Dan:\nlabel alone on its line\n"), ["Dan"]);
        assert_eq!(labels("Zoë Ødegård   0:04\nHello.\n\nSiobhán 1:02:03\nHi.\n"), ["Zoë Ødegård", "Siobhán"]);
    }

    #[test]
    fn not_labels() {
        for text in [
            "http://example.com: x\n",
            "10:30: meeting\n",
            "1. Item: x\n",
            "- Note: x\n",
            "And then she said to me quietly: no\n",
            "Dan:x\n",
            "[link](http://x) text\n",
            "[Dan]: x\n",
            "**Dan** says: x\n",
            "\"Quote\": x\n",
            "A name that is far too long to be a speaker label, really: x\n",
            "\\[12:15\\] We sort of joke and say \"Put your lid on\"\n",
            "3:15pm Dan: x\n",
        ] {
            assert!(labels(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn timestamps_before_and_after_labels() {
        let stamps =
            |text: &str| -> Vec<Option<String>> { find_turns(text).0.into_iter().map(|t| t.timestamp).collect() };
        let some = |list: &[&str]| -> Vec<Option<String>> { list.iter().map(|s| Some(s.to_string())).collect() };
        let colon = "[00:12:34] Dan: a\n00:12:40 Sam: b\nDan: [01:46] c\nSam: 1:02:03.250 d\nDan: 00:01,5 e\n";
        assert_eq!(stamps(colon), some(&["00:12:34", "00:12:40", "01:46", "1:02:03.250", "00:01,5"]));
        let bold = "**Tim Smith:** \\[01:46\\] e\n\\[02:00\\] **Tim Smith:** f\n[03:00] **Dan**: g\n";
        assert_eq!(stamps(bold), some(&["01:46", "02:00", "03:00"]));
        let bracket = "[Jo] [00:01] g\n[Johnny Doe] 11:02:09\nHow you doing?\n";
        assert_eq!(stamps(bracket), some(&["00:01", "11:02:09"]));
        assert_eq!(turns(bracket)[1].2, "[Johnny Doe] 11:02:09\nHow you doing?");
        assert_eq!(stamps("Dan: 10:30, right\nSam: 1:2 no\nDan: [1:00 no\n"), [None, None, None]);
    }

    #[test]
    fn otter_and_teams_word_layout() {
        let text =
            "Olivia Smith  0:03\nSo tell me.\n\nSam  0:10\nWell (inaudible 00:12:34) yes.\nWe met at the station\n";
        assert_eq!(
            turns(text),
            [
                ("Olivia Smith".into(), Some("0:03".into()), "Olivia Smith  0:03\nSo tell me.".into()),
                (
                    "Sam".into(),
                    Some("0:10".into()),
                    "Sam  0:10\nWell (inaudible 00:12:34) yes.\nWe met at the station".into()
                ),
            ]
        );
        assert!(labels("(inaudible 00:12:34)\n").is_empty());
        assert!(labels("Dan 10:30pm\n").is_empty());
    }

    #[test]
    fn a_timestamp_line_without_a_label_continues_the_turn() {
        let text = "**Dan:** a\n\n\\[12:15\\] We sort of joke.\n\n**Sam:** b\n";
        assert_eq!(turns(text)[0].2, "**Dan:** a\n\n\\[12:15\\] We sort of joke.");
    }

    #[test]
    fn the_most_frequent_style_wins() {
        let text = "Dan: a\n[laughs] yes\nSam: b\nDan: c\n";
        assert_eq!(labels(text), ["Dan", "Sam", "Dan"]);
        assert_eq!(
            messages(text),
            ["1 line with a '[Name]' label kept as turn text because this transcript uses 'Name:' labels"]
        );
        let text = "**Dan:** a\nSo the rule is: this\n**Sam:** b\n";
        assert_eq!(turns(text)[0].2, "**Dan:** a\nSo the rule is: this");
    }

    #[test]
    fn ties_prefer_bold_then_colon() {
        assert_eq!(labels("**A:** x\nB: y\n"), ["A"]);
        assert_eq!(labels("[A] x\nB: y\n"), ["B"]);
    }

    #[test]
    fn unlabelled_text_is_reported() {
        let text = "# Episode 1\n\nIntro text.\n\nDan: hi\n";
        assert_eq!(labels(text), ["Dan"]);
        assert_eq!(messages(text), ["text before the first speaker label is not part of any turn (2 lines)"]);
        let (turns, diagnostics) = find_turns("just prose\n\nmore prose\n");
        assert!(turns.is_empty());
        assert_eq!(
            diagnostics[0].message,
            "no speaker labels found: 2 lines without a label such as 'Name:', '**Name:**' or '[Name]'"
        );
    }

    #[test]
    fn label_at_the_very_end_without_newline() {
        assert_eq!(turns("Dan: a\nSam:"), [("Dan".into(), None, "Dan: a".into()), ("Sam".into(), None, "Sam:".into())]);
    }
}
