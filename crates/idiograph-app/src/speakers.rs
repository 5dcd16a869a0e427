//! Who speaks in a transcript, turn by turn: how often each speaker label takes a turn and asks a
//! question, and from that the likely interviewer, suggested to the researcher when no label is
//! marked as the interviewer yet (labels are names as often as "Interviewer").

use idiograph_model::Turn;

/// One speaker label of a version: its turns, and how many of them ask a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerTally {
    /// The label as written.
    pub label: String,
    /// Turns under this label.
    pub turns: usize,
    /// Turns under this label with a question mark in them.
    pub questions: usize,
}

/// Every speaker label of a version (its `text` and `turns`), in order of first appearance, with
/// its turns and questions.
pub fn speaker_tallies(text: &str, turns: &[Turn]) -> Vec<SpeakerTally> {
    let mut tallies: Vec<SpeakerTally> = Vec::new();
    for turn in turns {
        let Some(label) = &turn.label else { continue };
        let asks = turn.span.slice(text).contains(['?', '¿', '？']);
        match tallies.iter_mut().find(|t| &t.label == label) {
            Some(t) => {
                t.turns += 1;
                t.questions += usize::from(asks);
            }
            None => tallies.push(SpeakerTally { label: label.clone(), turns: 1, questions: usize::from(asks) }),
        }
    }
    tallies
}

/// The speaker who asks most of the questions — more than anyone else, and at least two — as the
/// likely interviewer; `None` when no one stands out.
pub fn likely_interviewer(tallies: &[SpeakerTally]) -> Option<&SpeakerTally> {
    let most = tallies.iter().max_by_key(|t| t.questions)?;
    let tied = tallies.iter().filter(|t| t.questions == most.questions).count() > 1;
    (most.questions >= 2 && !tied).then_some(most)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One turn per line, labelled by what comes before its colon.
    fn tallies(text: &str) -> Vec<SpeakerTally> {
        let mut turns = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let span = idiograph_text::Span::new(text, start, start + line.len()).unwrap();
            let label = line.split_once(':').map(|(l, _)| l.to_owned());
            turns.push(Turn { span, label, label_span: None, timestamp: None });
            start += line.len();
        }
        speaker_tallies(text, &turns)
    }

    #[test]
    fn the_speaker_who_asks_most_is_the_likely_interviewer() {
        let t = tallies("Kim: How was it?\nDana: Hard.\nKim: Why?\nDana: I was alone? No, lonely.\nKim: And then?\n");
        assert_eq!(t[0], SpeakerTally { label: "Kim".into(), turns: 3, questions: 3 });
        assert_eq!(t[1], SpeakerTally { label: "Dana".into(), turns: 2, questions: 1 });
        assert_eq!(likely_interviewer(&t).map(|t| t.label.as_str()), Some("Kim"));
    }

    #[test]
    fn no_one_is_suggested_when_no_one_stands_out() {
        assert_eq!(likely_interviewer(&tallies("Kim: How?\nDana: Why?\nKim: Well.\n")), None);
        assert_eq!(likely_interviewer(&tallies("Kim: How?\nDana: Fine.\n")), None);
    }
}
