//! Which question of an interview guide each interviewer turn belongs to.
//!
//! A semi-structured interview follows its guide loosely: questions are reworded, asked out of
//! order or skipped, and between them the interviewer follows up ("Can you say more about
//! that?") in words the guide does not have. So a turn is not matched on its own. Each turn is
//! scored against each question by the cosine of tf-idf vectors over the search index's stemmed
//! words, leaving out stop words and the words every interviewer follows up with ("feel",
//! "example", "tell"); a prompt's wording counts for its question, for less than the question's
//! own. Then the most likely sequence of sections is found over the whole interview (Viterbi):
//! each turn counts for the section it is put in by how much it resembles that question (nothing
//! below a chance likeness), moving on to a later question costs a little (the same whether
//! questions were skipped, so a skipped question is not passed through), and going back costs
//! more. So a follow-up stays in the section it was asked in, which is what a researcher means by
//! "the answers to question 3", and small talk before the first question belongs to none.
//!
//! Measured on the demo study and on a generated study of forty interviews (see the tests of
//! `idiograph-app`'s `guide.rs`, which print the share suggested right).

use std::collections::HashMap;

use crate::{words, STOP_WORDS};

/// What moving on to a later question of the guide costs, in units of cosine similarity.
const FORWARD: f64 = 0.05;
/// What going back to an earlier question costs.
const BACK: f64 = 0.35;
/// A resemblance below this is taken for chance and counts nothing.
const CHANCE: f64 = 0.1;
/// How much a prompt's wording counts against the question's own: prompts are short and
/// general ("What surprised you?"), and asked inside the question's section anyway.
const PROMPT: f64 = 0.6;

/// Words every interviewer uses to follow up under any question ("How did that feel?", "Can you
/// give me an example?", "You mentioned that earlier"): they say nothing about which question is
/// being asked, so they are left out with the stop words. Sorted, for the binary search.
const FOLLOW_UP_WORDS: &[&str] = &[
    "actually",
    "bit",
    "earlier",
    "example",
    "feel",
    "feeling",
    "feelings",
    "felt",
    "give",
    "go",
    "happen",
    "happened",
    "happening",
    "kind",
    "know",
    "like",
    "little",
    "mean",
    "mention",
    "mentioned",
    "more",
    "really",
    "right",
    "said",
    "say",
    "sort",
    "talk",
    "talked",
    "tell",
    "thank",
    "thanks",
    "thing",
    "things",
    "think",
    "thought",
];

/// The content words of `text`, stemmed as the search index stems them.
fn terms(text: &str) -> Vec<String> {
    words(text, false)
        .into_iter()
        .zip(words(text, true))
        .filter(|(plain, _)| {
            let w = plain.term.as_str();
            STOP_WORDS.binary_search(&w).is_err()
                && FOLLOW_UP_WORDS.binary_search(&w).is_err()
                && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(|(_, stemmed)| stemmed.term)
        .collect()
}

/// A unit-length tf-idf vector.
type Vector = HashMap<String, f64>;

fn vector(terms: &[String], idf: &HashMap<String, f64>) -> Vector {
    let mut tf: HashMap<String, f64> = HashMap::new();
    for t in terms {
        *tf.entry(t.clone()).or_default() += 1.0;
    }
    let mut v: Vector = tf.into_iter().map(|(t, n)| (t.clone(), (1.0 + f64::ln(n)) * idf[&t])).collect();
    let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.values_mut().for_each(|x| *x /= norm);
    }
    v
}

/// How much a turn resembles a wording: the cosine of their vectors.
fn resemblance(a: &Vector, b: &Vector) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().filter_map(|(t, x)| large.get(t).map(|y| x * y)).sum()
}

/// For each of an interview's interviewer `turns` (in the order asked), the index into
/// `questions` of the question whose section it belongs to, or `None` before the guide starts
/// (or outside it). Each question is given as its wording followed by its prompts' wordings.
///
/// ```
/// use idiograph_search::guide::match_turns;
/// let guide = vec![
///     vec!["How did you come to join the group?"],
///     vec!["What was the first session like?", "Who led it?"],
/// ];
/// let turns = ["So how did you come to join?", "Right. Say more?", "And the first session, what was that like?"];
/// assert_eq!(match_turns(&guide, &turns), vec![Some(0), Some(0), Some(1)]);
/// ```
pub fn match_turns(questions: &[Vec<&str>], turns: &[&str]) -> Vec<Option<usize>> {
    if questions.is_empty() || turns.is_empty() {
        return vec![None; turns.len()];
    }
    let question_terms: Vec<Vec<Vec<String>>> =
        questions.iter().map(|texts| texts.iter().map(|t| terms(t)).collect()).collect();
    let turn_terms: Vec<Vec<String>> = turns.iter().map(|t| terms(t)).collect();
    // Document frequency over every text the matcher sees, each text one document.
    let documents: Vec<&Vec<String>> = question_terms.iter().flatten().chain(turn_terms.iter()).collect();
    let mut df: HashMap<String, f64> = HashMap::new();
    for d in &documents {
        let mut seen: Vec<&String> = d.iter().collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            *df.entry(t.clone()).or_default() += 1.0;
        }
    }
    let n = documents.len() as f64;
    let idf: HashMap<String, f64> = df.into_iter().map(|(t, d)| (t, f64::ln(1.0 + n / d))).collect();
    let question_vectors: Vec<Vec<Vector>> =
        question_terms.iter().map(|texts| texts.iter().map(|t| vector(t, &idf)).collect()).collect();

    // States: 0 is outside the guide (before it starts; never gone back to), k is question k-1.
    // Scores are maximised: each turn scores for the section it is put in by how much it
    // resembles that question, when that is more than a chance likeness.
    let states = questions.len() + 1;
    let evidence = |turn: &Vector, question: usize| -> f64 {
        let wordings = &question_vectors[question - 1];
        let own = wordings.first().map_or(0.0, |q| resemblance(turn, q));
        let prompts = wordings.iter().skip(1).map(|p| PROMPT * resemblance(turn, p)).fold(0.0, f64::max);
        let r = own.max(prompts);
        if r >= CHANCE {
            r
        } else {
            0.0
        }
    };
    let cost = |from: usize, to: usize| -> f64 {
        if to > from {
            FORWARD
        } else {
            BACK
        }
    };
    // Before the first turn the interview is outside the guide.
    let mut score: Vec<f64> = (0..states).map(|s| if s == 0 { 0.0 } else { f64::NEG_INFINITY }).collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(turns.len());
    for t in &turn_terms {
        let v = vector(t, &idf);
        // Staying is the first candidate; on a tie a move wins, so that (read backwards) the path
        // moves as late as it can: at the turn that asks the question, not a follow-up before it.
        let mut next = score.clone();
        let mut from: Vec<usize> = (0..states).collect();
        for to in 1..states {
            for (f, s) in score.iter().enumerate().filter(|(f, _)| *f != to) {
                let candidate = s - cost(f, to);
                if candidate >= next[to] {
                    next[to] = candidate;
                    from[to] = f;
                }
            }
            next[to] += evidence(&v, to);
        }
        score = next;
        back.push(from);
    }
    let mut state = (0..states).fold(0, |best, s| if score[s] > score[best] { s } else { best });
    let mut path = vec![0; turns.len()];
    for i in (0..turns.len()).rev() {
        path[i] = state;
        state = back[i][state];
    }
    path.into_iter().map(|s| s.checked_sub(1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_stay_with_the_question_they_follow() {
        let guide = vec![
            vec!["Could you tell me how you came to join a Balint group?"],
            vec!["What was it like hearing other people's cases?"],
            vec!["Thinking about burnout, is that something you connect with the group?"],
        ];
        let turns = [
            "Thanks for coming. How did you come to join the Balint group?",
            "Mm. Can you say more about that?",
            "What was it like when other people presented their cases?",
            "And how did that feel?",
            "Did you connect it with burnout at all?",
        ];
        assert_eq!(match_turns(&guide, &turns), vec![Some(0), Some(0), Some(1), Some(1), Some(2)]);
    }

    #[test]
    fn a_question_asked_out_of_order_is_found_and_the_interview_goes_back() {
        let guide = vec![
            vec!["How did you join the group?"],
            vec!["What was the group like as people?"],
            vec!["How did it compare with other small-group teaching?"],
        ];
        let turns = [
            "How did you join?",
            "How did it compare with the small-group teaching you had?",
            "And what was the group like, as people?",
        ];
        assert_eq!(match_turns(&guide, &turns), vec![Some(0), Some(2), Some(1)]);
    }

    #[test]
    fn small_talk_before_the_guide_belongs_to_no_question() {
        let guide = vec![vec!["How did you come to join the group?"]];
        let turns = ["Is the recorder on? Good.", "So, how did you come to join the group?"];
        assert_eq!(match_turns(&guide, &turns), vec![None, Some(0)]);
    }

    #[test]
    fn the_follow_up_words_are_sorted_for_the_binary_search() {
        assert!(FOLLOW_UP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn no_guide_or_no_turns_match_nothing() {
        assert_eq!(match_turns(&[], &["Hello?"]), vec![None]);
        assert!(match_turns(&[vec!["Why?"]], &[]).is_empty());
    }
}
