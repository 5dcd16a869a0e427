//! Quoted text kept with an anchor so it can be placed again in a new transcript version.

use crate::span::{Span, TextSize};

/// The text an anchor covers, with a little context either side.
///
/// When a transcript is revised, byte offsets go stale but the quoted words usually survive;
/// [`Quote::locate`] finds them again and uses the context to choose between repeats.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Quote {
    prefix: String,
    exact: String,
    suffix: String,
}

impl Quote {
    /// Captures the text `span` covers and up to `context_chars` characters either side.
    ///
    /// Panics if the span was not made over `text` (a programming error, not bad input).
    ///
    /// ```
    /// use idiograph_text::{Quote, Span};
    /// let text = "I felt alone. Then I felt alive.";
    /// let quote = Quote::capture(text, Span::new(text, 21, 25).unwrap(), 7);
    /// assert_eq!((quote.prefix(), quote.exact(), quote.suffix()), ("Then I ", "felt", " alive."));
    /// ```
    pub fn capture(text: &str, span: Span, context_chars: usize) -> Quote {
        let before = &text[..span.start().to_usize()];
        let after = &text[span.end().to_usize()..];
        let prefix_start = before.char_indices().rev().take(context_chars).last().map_or(before.len(), |(i, _)| i);
        let suffix_end = after.char_indices().nth(context_chars).map_or(after.len(), |(i, _)| i);
        Quote {
            prefix: before[prefix_start..].to_owned(),
            exact: span.slice(text).to_owned(),
            suffix: after[..suffix_end].to_owned(),
        }
    }

    /// Makes a quote from stored parts.
    pub fn from_parts(prefix: impl Into<String>, exact: impl Into<String>, suffix: impl Into<String>) -> Quote {
        Quote { prefix: prefix.into(), exact: exact.into(), suffix: suffix.into() }
    }

    /// The context just before the quoted text.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The quoted text itself.
    pub fn exact(&self) -> &str {
        &self.exact
    }

    /// The context just after the quoted text.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// Whether `span` covers exactly the quoted text in `text`.
    pub fn matches(&self, text: &str, span: Span) -> bool {
        text.get(span.start().to_usize()..span.end().to_usize()) == Some(self.exact.as_str())
    }

    /// Finds the quoted text in `text`, or `None` if it does not occur.
    ///
    /// Of several occurrences (overlapping ones included) it picks the one whose surroundings
    /// agree best with the context: the characters shared between the text before it and the
    /// end of the prefix, plus those shared between the text after it and the start of the
    /// suffix. Ties go to the earliest occurrence.
    ///
    /// ```
    /// use idiograph_text::Quote;
    /// let quote = Quote::from_parts("Then I ", "felt", " alive.");
    /// let revised = "I felt so alone. And then I felt alive.";
    /// let span = quote.locate(revised).unwrap();
    /// assert_eq!(span.start().to_usize(), revised.rfind("felt").unwrap());
    /// ```
    pub fn locate(&self, text: &str) -> Option<Span> {
        let exact = self.exact.as_str();
        let best_possible = self.prefix.chars().count() + self.suffix.chars().count();
        let mut best: Option<(usize, usize)> = None;
        let mut from = 0;
        while let Some(found) = text[from..].find(exact) {
            let start = from + found;
            let end = start + exact.len();
            let score =
                common_suffix_chars(&text[..start], &self.prefix) + common_prefix_chars(&text[end..], &self.suffix);
            if !matches!(best, Some((_, best_score)) if best_score >= score) {
                best = Some((start, score));
                if score == best_possible {
                    break;
                }
            }
            // Step one character on, not past the match, so overlapping repeats are seen.
            match text[start..].chars().next() {
                Some(c) => from = start + c.len_utf8(),
                None => break,
            }
        }
        best.map(|(start, _)| {
            Span::from_bounds(TextSize::new(start as u32), TextSize::new((start + exact.len()) as u32))
        })
    }
}

/// How many characters `a` and `b` share at their ends.
fn common_suffix_chars(a: &str, b: &str) -> usize {
    a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).count()
}

/// How many characters `a` and `b` share at their starts.
fn common_prefix_chars(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_cuts_context_on_char_boundaries() {
        let text = "café – «oui» – ok";
        let start = text.find('«').unwrap();
        let span = Span::new(text, start, start + "«oui»".len()).unwrap();
        let quote = Quote::capture(text, span, 3);
        assert_eq!(quote, Quote::from_parts(" – ", "«oui»", " – "));
        assert!(quote.matches(text, span));
        assert_eq!(quote.locate(text), Some(span));
        // Context longer than the text available is simply shorter.
        let whole = Quote::capture(text, Span::full(text), 10);
        assert_eq!((whole.prefix(), whole.suffix()), ("", ""));
    }

    #[test]
    fn locate_prefers_matching_context() {
        let text = "yes. I said yes. She said yes.";
        let at = |n: usize| text.match_indices("yes").nth(n).unwrap().0;
        let span_of = |start: usize| Span::new(text, start, start + 3).unwrap();
        // Five characters would not do: "said yes." ends two of the sentences.
        for n in 0..3 {
            let quote = Quote::capture(text, span_of(at(n)), 8);
            assert_eq!(quote.locate(text), Some(span_of(at(n))), "occurrence {n}");
        }
        // Only the suffix tells these apart.
        let quote = Quote::from_parts("", "yes", ". She");
        assert_eq!(quote.locate(text), Some(span_of(at(1))));
    }

    #[test]
    fn locate_sees_overlapping_repeats_and_misses() {
        let quote = Quote::from_parts("a", "aa", "b");
        assert_eq!(quote.locate("aaab").map(|s| s.start().to_u32()), Some(1));
        assert_eq!(quote.locate("xyz"), None);
        assert!(!quote.matches("aaab", Span::new("aaab", 0, 1).unwrap()));
    }

    #[test]
    fn empty_quote_is_placed_by_its_context() {
        let text = "one two three";
        let quote = Quote::capture(text, Span::new(text, 4, 4).unwrap(), 3);
        assert_eq!(quote.locate("zero one two three").map(|s| s.start().to_u32()), Some(9));
    }
}
