//! Word error rate: how far a transcription is from a reference, in word substitutions,
//! deletions and insertions per reference word, on normalised words.

/// Words as compared: lowercased, punctuation dropped (hyphens and slashes part words,
/// apostrophes inside a word stay), numbers kept as written, and annotations in parentheses
/// or brackets such as `(unintelligible)` left out, as Whisper's own normaliser does.
pub fn normalise_words(text: &str) -> Vec<String> {
    let mut spoken = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => spoken.push(c),
            _ => {}
        }
    }
    spoken
        .split(|c: char| c.is_whitespace() || c == '-' || c == '–' || c == '—' || c == '/')
        .map(|word| {
            let kept: String = word.chars().filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '’').collect();
            kept.trim_matches(|c| c == '\'' || c == '’').replace('’', "'").to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

/// The word error rate of `hypothesis` against `reference`: the fewest substitutions,
/// deletions and insertions that turn one into the other, over the reference's word count
/// (0 for two empty texts, 1 for anything against an empty reference).
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let reference = normalise_words(reference);
    let hypothesis = normalise_words(hypothesis);
    if reference.is_empty() {
        return if hypothesis.is_empty() { 0.0 } else { 1.0 };
    }
    edit_distance(&reference, &hypothesis) as f64 / reference.len() as f64
}

/// Levenshtein distance over any sequence.
pub(crate) fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(x != y);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_normalised_before_counting() {
        assert_eq!(
            normalise_words("Okay. So, we'll use ICE-plots, 2 of them!"),
            ["okay", "so", "we'll", "use", "ice", "plots", "2", "of", "them"]
        );
        assert_eq!(
            normalise_words("the first 40 or so (unintelligible) [laughs]."),
            ["the", "first", "40", "or", "so"]
        );
        assert_eq!(word_error_rate("Okay, so now.", "okay so now"), 0.0);
    }

    #[test]
    fn substitutions_deletions_and_insertions_each_count_one() {
        assert_eq!(word_error_rate("a b c d", "a x c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a c d"), 0.25);
        assert_eq!(word_error_rate("a b c d", "a b c d e f"), 0.5);
        assert_eq!(word_error_rate("", ""), 0.0);
        assert_eq!(word_error_rate("", "hello"), 1.0);
        assert_eq!(word_error_rate("two words", ""), 1.0);
    }
}
