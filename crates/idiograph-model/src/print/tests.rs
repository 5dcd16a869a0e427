//! Printed quotes: cue times and labels out, other voices and skipped text marked, fillers by
//! policy; and the properties that hold for any transcript.

use std::collections::BTreeMap;

use idiograph_text::Span;
use proptest::prelude::*;

use super::*;

/// A transcript written as `(time, label, words)` turns, one paragraph each, the way the caption
/// importers write them (`[time] Label: words`), with its turns.
fn transcript(turns: &[(Option<&str>, Option<&str>, &str)]) -> (String, Vec<Turn>) {
    let mut text = String::new();
    let mut out = Vec::new();
    for (time, label, words) in turns {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let start = text.len();
        if let Some(time) = time {
            text.push_str(&format!("[{time}] "));
        }
        let label_span = label.map(|l| {
            let at = text.len();
            text.push_str(l);
            text.push_str(": ");
            (at, at + l.len())
        });
        text.push_str(words);
        out.push((start, text.len(), *label, label_span, time.map(str::to_owned)));
    }
    let turns = out
        .into_iter()
        .map(|(s, e, label, label_span, timestamp)| Turn {
            span: Span::new(&text, s, e).unwrap(),
            label: label.map(str::to_owned),
            label_span: label_span.map(|(a, b)| Span::new(&text, a, b).unwrap()),
            timestamp,
        })
        .collect();
    (text, turns)
}

fn roles(pairs: &[(&str, SpeakerRole)]) -> BTreeMap<String, SpeakerRole> {
    pairs.iter().map(|(l, r)| (l.to_string(), *r)).collect()
}

/// The span of `from` up to and including `to`, each found in `text`.
fn between(text: &str, from: &str, to: &str) -> Span {
    let s = text.find(from).unwrap();
    let e = text.find(to).unwrap() + to.len();
    Span::new(text, s, e).unwrap()
}

fn plain(text: &str, fillers: FillerPolicy) -> String {
    print_quote(text, &[], &BTreeMap::new(), &[Span::full(text)], fillers)
}

#[test]
fn a_vtt_turn_prints_without_its_time_and_label() {
    let (text, turns) = transcript(&[(Some("00:00:03,500"), Some("Bob"), "It felt light.")]);
    let all = [Span::full(&text)];
    assert_eq!(print_quote(&text, &turns, &BTreeMap::new(), &all, FillerPolicy::Keep), "It felt light.");
}

#[test]
fn the_interviewers_turn_inside_a_quote_is_left_out_and_marked() {
    let (text, turns) = transcript(&[
        (Some("00:01:00.000"), Some("Olivia"), "I was alone."),
        (Some("00:01:04.000"), Some("Dan"), "Alone?"),
        (Some("00:01:05.000"), Some("Olivia"), "Completely alone."),
    ]);
    let who = roles(&[("Olivia", SpeakerRole::Participant), ("Dan", SpeakerRole::Interviewer)]);
    let span = [between(&text, "I was", "Completely alone.")];
    assert_eq!(print_quote(&text, &turns, &who, &span, FillerPolicy::Keep), "I was alone. […] Completely alone.");
    // Without confirmed roles the voice that says most is quoted, whoever speaks first.
    let span = [between(&text, "Alone?", "Completely alone.")];
    assert_eq!(print_quote(&text, &turns, &BTreeMap::new(), &span, FillerPolicy::Keep), "Completely alone.");
    // A quote ends with its last kept words: nothing after them is marked.
    let span = [between(&text, "I was", "Alone?")];
    assert_eq!(print_quote(&text, &turns, &who, &span, FillerPolicy::Keep), "I was alone.");
}

#[test]
fn consecutive_turns_of_one_voice_join_without_a_mark() {
    // Zoom writes a new `[Name] time` block for every pause of the same speaker.
    let (text, turns) = transcript(&[
        (Some("11:02:32"), Some("Johnny Doe"), "it's nice to actually meet you and not just be like,"),
        (Some("11:02:37"), Some("Johnny Doe"), "Oh, you're a human that exists."),
    ]);
    let span = [between(&text, "it's nice", "exists.")];
    assert_eq!(
        print_quote(&text, &turns, &BTreeMap::new(), &span, FillerPolicy::Keep),
        "it's nice to actually meet you and not just be like, Oh, you're a human that exists."
    );
}

#[test]
fn text_skipped_between_spans_is_marked() {
    let text = "It can be easy to fall into a pattern. We met on Tuesdays. Balint was a nice way of hearing it.";
    let spans = [between(text, "Balint", "it."), between(text, "It can", "pattern.")];
    assert_eq!(
        print_quote(text, &[], &BTreeMap::new(), &spans, FillerPolicy::Keep),
        "It can be easy to fall into a pattern. […] Balint was a nice way of hearing it."
    );
    // Adjacent or overlapping spans skip nothing.
    let spans = [between(text, "It can", "We met"), between(text, "We met", "Tuesdays.")];
    assert_eq!(
        print_quote(text, &[], &BTreeMap::new(), &spans, FillerPolicy::Keep),
        "It can be easy to fall into a pattern. We met on Tuesdays."
    );
}

#[test]
fn a_span_starting_on_a_label_starts_at_the_words() {
    let (text, turns) = transcript(&[(Some("00:00:01.000"), Some("Rachel"), "A lot of support.")]);
    let span = [Span::new(&text, 3, text.len()).unwrap()];
    assert_eq!(print_quote(&text, &turns, &BTreeMap::new(), &span, FillerPolicy::Keep), "A lot of support.");
}

#[test]
fn times_inside_the_words_are_taken_out_and_clock_times_kept() {
    assert_eq!(plain("We sort of [00:12:34] drifted.", FillerPolicy::Keep), "We sort of drifted.");
    assert_eq!(plain("\\[12:15\\] We sort of drifted.", FillerPolicy::Keep), "We sort of drifted.");
    assert_eq!(plain("It was [inaudible 00:12:34] there.", FillerPolicy::Keep), "It was [inaudible] there.");
    assert_eq!(plain("Then 00:00:01,000 --> 00:00:02,000 yes.", FillerPolicy::Keep), "Then yes.");
    assert_eq!(plain("Then (01:02) yes, at 01:02:03.", FillerPolicy::Keep), "Then yes, at.");
    assert_eq!(plain("We met at 10:30 and left at 12:00.", FillerPolicy::Keep), "We met at 10:30 and left at 12:00.");
    // A passage cut through a time leaves none of it.
    let text = "[00:00:03.500] It felt light. [00:00:05.000] Then.";
    let cut = [Span::new(text, 9, 22).unwrap(), Span::new(text, 22, 35).unwrap()];
    assert_eq!(print_quote(text, &[], &BTreeMap::new(), &cut, FillerPolicy::Keep), "It felt light.");
    // A word that only looks like a cut time is kept when the passage did not cut it.
    assert_eq!(plain("2) the second point 1.", FillerPolicy::Keep), "2) the second point 1.");
    assert_eq!(plain("Ratio 3:2:1 and 123:45:67.", FillerPolicy::Keep), "Ratio 3:2:1 and 123:45:67.");
}

#[test]
fn fillers_and_pauses_are_kept_or_marked_by_the_policy() {
    let said = "Yeah, so, uh, nice to meet you... I think (pause) we've met, um, before, er.";
    assert_eq!(plain(said, FillerPolicy::Keep), said);
    assert_eq!(plain(said, FillerPolicy::Mark), "Yeah, so … nice to meet you … I think … we've met … before.");
    assert_eq!(plain("Um, I think (0.5) it helped.", FillerPolicy::Mark), "I think … it helped.");
    assert_eq!(plain("It helped [long pause] me, erm…", FillerPolicy::Mark), "It helped … me");
    // Words that only look like fillers stay.
    let kept = "The ER drum, an umbrella, uh-huh, Erm's err [...] […] 1.5 hours.";
    assert_eq!(plain(kept, FillerPolicy::Mark), kept);
}

#[test]
fn labels_and_times_of_every_importer_style_go() {
    // Zoom's saved transcript and Teams' Word layout put the time after the label, on its own line.
    let text = "[Janet Dough] 11:02:24\nYou need the resource, um…";
    let turn = Turn {
        span: Span::full(text),
        label: Some("Janet Dough".into()),
        label_span: Some(Span::new(text, 1, 12).unwrap()),
        timestamp: Some("11:02:24".into()),
    };
    let all = [Span::full(text)];
    assert_eq!(print_quote(text, &[turn], &BTreeMap::new(), &all, FillerPolicy::Mark), "You need the resource");
    let text = "Olivia Smith  0:03\nWell, yes.";
    let turn = Turn {
        span: Span::full(text),
        label: Some("Olivia Smith".into()),
        label_span: Some(Span::new(text, 0, 12).unwrap()),
        timestamp: Some("0:03".into()),
    };
    let all = [Span::full(text)];
    assert_eq!(print_quote(text, &[turn], &BTreeMap::new(), &all, FillerPolicy::Keep), "Well, yes.");
}

/// Words of a generated transcript: plain words, fillers, pauses and punctuation, no digits or
/// colons, so any digit or `Label:` in a printed quote would be a time or a label let through.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,9}".prop_map(|s| s),
        1 => prop::sample::select(vec!["um", "Er", "erm,", "(pause)", "...", "…", "[pause]", "uh,"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["well,", "yes.", "Ωμέγα", "漢字", "[laughs]", "alone?"]).prop_map(str::to_owned),
    ]
}

fn generated() -> impl Strategy<Value = Vec<(Option<String>, Option<&'static str>, String)>> {
    let turn = (
        prop::option::of((0u32..60, 0u32..60, 0u32..1000).prop_map(|(m, s, f)| format!("00:{m:02}:{s:02}.{f:03}"))),
        prop::option::of(prop::sample::select(vec!["Olivia", "Dan", "Speaker 2"])),
        prop::collection::vec(word(), 1..12).prop_map(|w| w.join(" ")),
    );
    prop::collection::vec(turn, 1..6)
}

proptest! {
    #[test]
    fn printed_quotes_hold_no_time_or_label_and_print_again_unchanged(
        turns in generated(),
        cuts in prop::collection::vec((0usize..2000, 0usize..2000), 1..3),
        participant in any::<bool>(),
        mark in any::<bool>(),
    ) {
        let borrowed: Vec<(Option<&str>, Option<&str>, &str)> =
            turns.iter().map(|(t, l, w)| (t.as_deref(), *l, w.as_str())).collect();
        let (text, turns) = transcript(&borrowed);
        let spans: Vec<Span> = cuts
            .iter()
            .filter_map(|(a, b)| {
                let boundary = |n: usize| (0..=n % (text.len() + 1)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                let (s, e) = (boundary(*a.min(b)), boundary(*a.max(b)));
                Span::new(&text, s.min(e), s.max(e)).ok()
            })
            .collect();
        let who = if participant { roles(&[("Olivia", SpeakerRole::Participant)]) } else { BTreeMap::new() };
        let policy = if mark { FillerPolicy::Mark } else { FillerPolicy::Keep };
        let printed = print_quote(&text, &turns, &who, &spans, policy);
        prop_assert!(!printed.contains(|c: char| c.is_ascii_digit()), "a time in {printed:?}");
        for label in ["Olivia", "Dan", "Speaker 2"] {
            prop_assert!(!printed.contains(&format!("{label}:")), "a label in {printed:?}");
        }
        prop_assert!(!printed.contains(['\n', '\t']) && !printed.contains("  "));
        prop_assert_eq!(plain(&printed, policy), printed.clone(), "printing again changes nothing");
    }

    #[test]
    fn words_without_times_labels_or_fillers_print_as_they_are(
        words in prop::collection::vec(prop_oneof!["[a-zA-Z]{1,9}", Just("漢字".to_owned()), Just("well,".to_owned()), Just("10:30".to_owned())], 1..30),
        breaks in prop::collection::vec(prop::sample::select(vec![" ", "\n", "  ", "\n\n"]), 30),
        mark in any::<bool>(),
    ) {
        // Letters-only words may spell a filler (`um`); those are the policy's, so keep them out.
        prop_assume!(!words.iter().any(|w| FILLERS.contains(&w.to_lowercase().as_str())));
        let text: String = words.iter().zip(&breaks).map(|(w, b)| format!("{w}{b}")).collect();
        let policy = if mark { FillerPolicy::Mark } else { FillerPolicy::Keep };
        prop_assert_eq!(plain(&text, policy), words.join(" "));
    }
}
