//! Names: after titles, capitalised words the word list does not know, and speaker labels.

use idiograph_text::Span;

use super::{candidate, is_sentence_initial, lazy_regex, previous_word, Candidate, CandidateKind};
use crate::words::{
    is_apostrophe, is_english_word, is_generic_speaker_label, is_listed_proper_noun, is_non_identifying_capital,
    NAME_MONTHS,
};

lazy_regex!(word_re, r"\p{L}[\p{L}\p{M}'\u{2019}\-]*");
lazy_regex!(
    titled_re,
    r"\b(Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Sister|Nurse|Sir|Dame|Rev|Reverend|Father|Matron)\b\.?(?:[ \t\u{a0}]+\n?|\n)[ \t\u{a0}]*(\p{Lu}[\p{L}\p{M}'\u{2019}\-]*)"
);
lazy_regex!(next_cap_re, r"^(?:[ \t\u{a0}]+\n?|\n)[ \t\u{a0}]*(\p{Lu}[\p{L}\p{M}'\u{2019}\-]*)");

/// Words before a name that make it a place.
const LOCATIVE: &[&str] = &["in", "at", "from", "near", "to", "around", "outside", "towards", "into", "via", "through"];
/// Words before a name that make it a person.
const PERSONAL: &[&str] = &[
    "called",
    "named",
    "patient",
    "trainer",
    "supervisor",
    "colleague",
    "friend",
    "husband",
    "wife",
    "partner",
    "son",
    "daughter",
    "mum",
    "dad",
    "mother",
    "father",
    "brother",
    "sister",
    "leader",
    "consultant",
    "registrar",
    "nurse",
    "boss",
    "manager",
    "lady",
    "man",
    "guy",
    "girl",
    "boy",
    "chap",
    "said",
    "told",
    "asked",
    "with",
    "and",
];
/// Words that never follow a title as a name ("Dr Who", "Mr And").
const FUNCTION_WORDS: &[&str] = &[
    "who", "what", "when", "where", "why", "how", "the", "and", "but", "or", "so", "if", "then", "said", "says", "is",
    "was", "were", "are", "to", "of", "in", "on", "at", "it", "he", "she", "they", "we", "you", "a", "an", "yes", "no",
    "not", "for", "with", "as", "by", "from", "that", "this", "there", "here", "would", "could", "should", "will",
    "can",
];
/// Words before a month that make it the month, not a name.
const MONTH_CONTEXT: &[&str] = &[
    "in",
    "of",
    "since",
    "until",
    "till",
    "by",
    "early",
    "late",
    "mid",
    "last",
    "next",
    "this",
    "every",
    "during",
    "before",
    "after",
    "through",
    "from",
    "to",
    "end",
    "start",
    "beginning",
    "middle",
    "that",
    "each",
    "on",
];

/// A word token: its span and the span without a possessive ending.
struct Token {
    start: usize,
    end: usize,
    base_end: usize,
}

fn tokens(text: &str) -> impl Iterator<Item = Token> + '_ {
    word_re().find_iter(text).map(move |m| {
        let s = m.as_str();
        let trimmed = s.trim_end_matches(|c: char| c == '-' || is_apostrophe(c));
        let mut base = trimmed;
        for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
            if let Some(b) = trimmed.strip_suffix(suffix) {
                base = b;
            }
        }
        if base.is_empty() {
            base = s;
        }
        Token { start: m.start(), end: m.start() + trimmed.len(), base_end: m.start() + base.len() }
    })
}

/// An acronym or a shouted word: all capitals, or two capitals first (`NHS`, `GPs`, `IMGs`).
/// `McDonald` and `O'Brien` are not.
fn is_all_caps(word: &str) -> bool {
    let mut letters = word.chars();
    let two_caps =
        matches!((letters.next(), letters.next()), (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase());
    two_caps || (word.chars().filter(|c| c.is_alphabetic()).count() > 1 && !word.chars().any(char::is_lowercase))
}

/// How much a capitalised word looks like a name, 0 for not at all.
fn name_confidence(text: &str, start: usize, word: &str, sentence_initial_names: bool) -> f32 {
    let Some(first) = word.chars().next() else { return 0.0 };
    if !first.is_uppercase() || word.chars().count() < 2 || is_all_caps(word) {
        return 0.0;
    }
    let initial = is_sentence_initial(text, start);
    let folded = word.to_lowercase();
    if NAME_MONTHS.contains(&folded.as_str()) {
        // "in May" is the month; "saw May yesterday" is a name.
        let prev = previous_word(text, start);
        let after = text[start + word.len()..].trim_start_matches([' ', ',', '\u{a0}']);
        let before_digit = text[..start].trim_end().ends_with(|c: char| c.is_ascii_digit());
        let month_like = MONTH_CONTEXT.contains(&prev.as_str())
            || before_digit
            || after.starts_with(|c: char| c.is_ascii_digit())
            || text[..start].trim_end().to_lowercase().ends_with(" of");
        return if initial || month_like { 0.0 } else { 0.45 };
    }
    if is_non_identifying_capital(word) {
        return 0.0;
    }
    let common = is_english_word(word);
    let listed = is_listed_proper_noun(word);
    match (common, initial) {
        (false, false) => {
            if listed {
                0.8
            } else {
                0.7
            }
        }
        (false, true) if sentence_initial_names => {
            if listed {
                0.55
            } else {
                0.45
            }
        }
        (false, true) => 0.0,
        (true, true) => 0.0,
        (true, false) => {
            let prev = previous_word(text, start);
            if place_lead_before(text, start).is_some() {
                // "North Shields", "Great Ayton": the lead word makes it a place's name.
                0.4
            } else if previous_is_capitalised_ordinary_word(text, start) {
                // Title case of ordinary words: "Boxing Day", "Bank Holiday", "Foundation Year".
                0.0
            } else if listed {
                0.35
            } else if LOCATIVE.contains(&prev.as_str()) || matches!(prev.as_str(), "called" | "named") {
                0.4
            } else {
                0.2
            }
        }
    }
}

/// Whether the word before `start` (same line, a space between) is a capitalised ordinary word
/// that is not also a listed name.
fn previous_is_capitalised_ordinary_word(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let gap = before.len() - before.trim_end_matches([' ', '\u{a0}', '\n']).len();
    if gap == 0 || before[before.len() - gap..].matches('\n').count() > 1 {
        return false;
    }
    let trimmed = &before[..before.len() - gap];
    let word: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic() || *c == '-')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    word.starts_with(char::is_uppercase)
        && !is_all_caps(&word)
        && is_english_word(&word)
        && !is_listed_proper_noun(&word)
        && !is_sentence_initial(text, trimmed.len() - word.len())
}

/// Capitalised words that the English word list does not know, outside sentence starts
/// (`Harrogate`, `Priya Okafor`), merged into runs; adjacent words of a run may wrap a line.
///
/// Confidence: 0.7 (0.8 if a listed name or place); at a sentence start 0.45 (0.55), only with
/// `sentence_initial_names`. Ordinary words capitalised mid-sentence get 0.35 if the list also
/// has them as names (`Grace`, `Baker`), 0.4 after `in`/`at`/`from`… (`in Reading`), else 0.2,
/// and nothing right after another capitalised ordinary word (`Boxing Day`).
/// April, May, June and August count as names only outside date contexts (0.45). Days,
/// nationalities, training and NHS terms, fillers and all-capital words are never flagged.
/// Each run is a [`CandidateKind::Place`], [`CandidateKind::Person`] or [`CandidateKind::Other`]
/// by its context (see `name_kind`); a place-leading word before it ("New", "North") joins it.
pub fn capitalised_words(text: &str, sentence_initial_names: bool) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut run: Option<(usize, usize, f32)> = None; // start, end, confidence
    let flush = |run: &mut Option<(usize, usize, f32)>, out: &mut Vec<Candidate>| {
        if let Some((s, e, conf)) = run.take() {
            out.extend(candidate(text, s, e, name_kind(text, s, e), conf, None));
        }
    };
    for t in tokens(text) {
        let word = &text[t.start..t.base_end];
        let glued = text[..t.start].chars().next_back().is_some_and(|c| c.is_ascii_digit())
            || text[t.end..].chars().next().is_some_and(|c| c.is_ascii_digit());
        let conf = if glued { 0.0 } else { name_confidence(text, t.start, word, sentence_initial_names) };
        if conf <= 0.0 {
            flush(&mut run, &mut out);
            continue;
        }
        match &mut run {
            Some((_, e, c)) if joinable(&text[*e..t.start]) && !text[..t.start].ends_with(is_apostrophe) => {
                *e = t.base_end;
                *c = c.max(conf);
            }
            _ => {
                flush(&mut run, &mut out);
                run = Some((place_lead_before(text, t.start).unwrap_or(t.start), t.base_end, conf));
            }
        }
        if t.base_end != t.end {
            // A possessive ends the run.
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Capitalised ordinary words that begin the names of places ("New York", "North Shields",
/// "St Ives", "Santa Cruz"): kept with the name that follows them.
const PLACE_LEADS: &[&str] = &[
    "New", "North", "South", "East", "West", "Upper", "Lower", "Great", "Little", "Saint", "St", "Port", "Fort",
    "Mount", "San", "Santa", "Los", "Las", "Royal", "Old", "Castle", "Market", "King's", "Kings",
];
/// Endings of British place names ("Harrogate" has none, "Scunthorpe" has one).
const PLACE_ENDINGS: &[&str] = &[
    "shire", "ton", "ham", "ford", "borough", "brough", "burgh", "chester", "caster", "cester", "mouth", "pool",
    "bridge", "wich", "thorpe", "by", "minster", "field", "combe", "stead", "sea",
];
/// Words after a name that make it a person ("Okafor said").
const PERSON_AFTER: &[&str] = &["said", "says", "told", "asked", "thought", "felt", "who", "herself", "himself"];

/// Where a place-leading word ("New", "North") starts if one stands right before `start` on the
/// same line, capitalised.
fn place_lead_before(text: &str, start: usize) -> Option<usize> {
    let before = &text[..start];
    let trimmed = before.trim_end_matches([' ', '\u{a0}']);
    if trimmed.len() == before.len() {
        return None;
    }
    // After the last character that is not part of a word (which may be several bytes long).
    let word_start = trimmed
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphabetic() || c == '\'' || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = trimmed[word_start..].trim_end_matches('.');
    PLACE_LEADS.contains(&word).then_some(word_start)
}

/// Whether a run of capitalised words names a person, a place or something else, from its
/// context: "in", "at", "from"… before it, a place-leading word or a place-name ending make a
/// place; "my trainer", "called", a possessive or "said" after it make a person.
fn name_kind(text: &str, start: usize, end: usize) -> CandidateKind {
    let prev = previous_word(text, start);
    let name = &text[start..end];
    let first = name.split_whitespace().next().unwrap_or("");
    let last = name.split_whitespace().last().unwrap_or("").to_lowercase();
    let after = &text[end..];
    let next: String = after
        .trim_start_matches([' ', ',', '\u{a0}'])
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    if LOCATIVE.contains(&prev.as_str()) || (PLACE_LEADS.contains(&first) && name.split_whitespace().count() > 1) {
        CandidateKind::Place
    } else if PERSONAL.contains(&prev.as_str())
        || after.starts_with(is_apostrophe)
        || PERSON_AFTER.contains(&next.as_str())
    {
        CandidateKind::Person
    } else if PLACE_ENDINGS.iter().any(|e| last.len() > e.len() + 2 && last.ends_with(e)) {
        CandidateKind::Place
    } else {
        CandidateKind::Other
    }
}

/// Whether the gap between two words keeps them in one name: spaces, at most one line break.
fn joinable(gap: &str) -> bool {
    !gap.is_empty()
        && gap.chars().all(|c| c == ' ' || c == '\t' || c == '\u{a0}' || c == '\n')
        && gap.matches('\n').count() <= 1
}

/// Names after a title (`Dr Okafor`, `Mrs Grace Baker`, `Dr B.`, `Sister Kowalski`); the title
/// stays outside the span so it can be kept (`Dr [Person]`). After Dr, Mr, Mrs, Ms, Miss, Mx
/// and Prof any capitalised word counts (0.9); after Sister, Nurse, Father… only one that is
/// not an ordinary word or is a listed name (0.75). Up to three name words, wrapping allowed.
pub fn titled_names(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for c in titled_re().captures_iter(text) {
        let title = &c[1];
        let first = c.get(2).expect("group");
        let strong = matches!(title, "Dr" | "Mr" | "Mrs" | "Ms" | "Miss" | "Mx" | "Prof" | "Professor");
        let word = strip_possessive(first.as_str());
        let initial = word.chars().count() == 1;
        let name_like = |w: &str| {
            !is_non_identifying_capital(w)
                && !is_all_caps(w)
                && (!is_english_word(w) || is_listed_proper_noun(w) || w.chars().count() == 1)
        };
        let ok = initial
            || (!is_non_identifying_capital(word)
                && (name_like(word) || (strong && !FUNCTION_WORDS.contains(&word.to_lowercase().as_str()))));
        if !ok || (is_all_caps(word) && !initial) {
            continue;
        }
        let start = first.start();
        let mut end = first.start() + word.len();
        let mut words = 1;
        let mut stop = word.len() != first.as_str().len();
        while words < 3 && !stop {
            let Some(n) = next_cap_re().captures(&text[end..]) else { break };
            let g = n.get(1).expect("group");
            let w = strip_possessive(g.as_str());
            if !name_like(w) || w.chars().count() == 1 {
                break;
            }
            stop = w.len() != g.as_str().len();
            end += g.start() + w.len();
            words += 1;
        }
        let confidence = if initial {
            0.8
        } else if strong {
            0.9
        } else {
            0.75
        };
        out.extend(candidate(text, start, end, CandidateKind::Person, confidence, None));
    }
    out
}

fn strip_possessive(word: &str) -> &str {
    let trimmed = word.trim_end_matches(|c: char| c == '-' || is_apostrophe(c));
    for suffix in ["'s", "\u{2019}s"] {
        if let Some(b) = trimmed.strip_suffix(suffix) {
            if !b.is_empty() {
                return b;
            }
        }
    }
    trimmed
}

lazy_regex!(
    label_line_re,
    r"(?m)^[ \t]*(\p{Lu}[\p{L}\p{M}'\u{2019}.\-]*(?:[ \t]+\p{Lu}[\p{L}\p{M}'\u{2019}.\-]*){0,3})(?:[ \t]*:|[ \t]{2,}\d{1,2}:\d{2}(?::\d{2})?[ \t]*$)"
);

/// Speaker labels that name someone: each span the caller gives (the transcript's turn labels)
/// unless it is a role such as `Interviewer`, `P1` or `Speaker 2` (0.95); and with `label_lines`
/// a `Name Surname:` at the start of a line or a Teams `Name Surname   0:04` line whose words are
/// not all ordinary words (0.85). The span covers the name without the colon.
pub fn speaker_labels(text: &str, labels: &[Span], label_lines: bool) -> Vec<Candidate> {
    let mut out = Vec::new();
    for span in labels {
        let (s, e) = (span.start().to_usize(), span.end().to_usize());
        if Span::new(text, s, e).is_err() {
            continue;
        }
        let raw = &text[s..e];
        let trimmed_start = raw.len() - raw.trim_start().len();
        let inner = raw.trim().trim_end_matches(':').trim_end();
        if inner.is_empty() || is_generic_speaker_label(inner) {
            continue;
        }
        out.extend(candidate(
            text,
            s + trimmed_start,
            s + trimmed_start + inner.len(),
            CandidateKind::SpeakerLabel,
            0.95,
            None,
        ));
    }
    if label_lines {
        for c in label_line_re().captures_iter(text) {
            let g = c.get(1).expect("group");
            let label = g.as_str().trim_end_matches('.');
            if is_generic_speaker_label(label) {
                continue;
            }
            let namey = label.split_whitespace().any(|w| {
                let w = w.trim_end_matches('.');
                w.chars().count() > 1
                    && !is_non_identifying_capital(w)
                    && !is_all_caps(w)
                    && (!is_english_word(w) || is_listed_proper_noun(w))
            });
            if !namey {
                continue;
            }
            out.extend(candidate(text, g.start(), g.start() + label.len(), CandidateKind::SpeakerLabel, 0.85, None));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Vec<Candidate>) -> Vec<String> {
        found.into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn unknown_capitalised_words_mid_sentence() {
        let text = "I trained with Priya Okafor in Harrogate and she was lovely.";
        assert_eq!(texts(capitalised_words(text, true)), ["Priya Okafor", "Harrogate"]);
        let found = capitalised_words(text, true);
        assert_eq!(found[0].kind, CandidateKind::Person, "after 'with'");
        assert_eq!(found[1].kind, CandidateKind::Place, "after 'in'");
        assert_eq!(found[1].default_replacement(), "[Place]");
    }

    #[test]
    fn kinds_from_context_and_multi_word_places() {
        let text = "New York was loud. We drove from North Shields to St Ives. Okafor said so; Kafka too.";
        let found = capitalised_words(text, true);
        let got: Vec<(String, CandidateKind)> = found.into_iter().map(|c| (c.text, c.kind)).collect();
        assert_eq!(
            got,
            [
                ("New York".to_owned(), CandidateKind::Place),
                ("North Shields".to_owned(), CandidateKind::Place),
                ("St Ives".to_owned(), CandidateKind::Place),
                ("Okafor".to_owned(), CandidateKind::Person),
                ("Kafka".to_owned(), CandidateKind::Other),
            ]
        );
    }

    #[test]
    fn sentence_starts_and_ordinary_words() {
        // "Reading" the verb at a sentence start is an ordinary word; the town mid-sentence after
        // "in" is a weak candidate.
        let verb = "Reading the notes helped. So did Balint on Monday, in English, with the NHS.";
        assert!(capitalised_words(verb, true).is_empty(), "{:?}", texts(capitalised_words(verb, true)));
        let town = "We moved to Reading last year.";
        let found = capitalised_words(town, true);
        assert_eq!(texts(found.clone()), ["Reading"]);
        assert!(found[0].confidence < 0.5);
        // Unknown words at a sentence start only with the option, and weaker.
        let start = "Okafor was there. Um, yeah. Mm-hmm.";
        assert_eq!(texts(capitalised_words(start, true)), ["Okafor"]);
        assert!(capitalised_words(start, false).is_empty());
    }

    #[test]
    fn may_the_month_and_may_the_name() {
        assert!(capitalised_words("We started in May and by June it was fine. May I ask?", true).is_empty());
        assert_eq!(texts(capitalised_words("I saw May yesterday, and June was there.", true)), ["May", "June"]);
        assert!(capitalised_words("on 3 May 2020", true).is_empty());
    }

    #[test]
    fn possessives_lines_and_labels() {
        let text = "then Siobhan’s mum and Kowalski\nNowak came; ST1 and GP and NHS";
        assert_eq!(texts(capitalised_words(text, true)), ["Siobhan", "Kowalski\nNowak"]);
    }

    #[test]
    fn titles() {
        let text =
            "Dr Okafor and Mrs Grace Baker's son, Dr B. said; the Nurse Practitioner; Sister Kowalski; Mr\nSmith";
        assert_eq!(texts(titled_names(text)), ["Okafor", "Grace Baker", "B", "Kowalski", "Smith"]);
    }

    #[test]
    fn titles_not_followed_by_names() {
        let text = "Dr Who? The Doctor Said so. Mr Monday. Prof NHS.";
        assert!(titled_names(text).is_empty(), "{:?}", texts(titled_names(text)));
    }

    #[test]
    fn speaker_labels_from_spans_and_lines() {
        let text = "Interviewer: Hi.\nOlivia Realname: Hello.\nP2: ok\nSo: no\nJane Smith   0:04\nText";
        let given = [Span::new(text, 0, 11).unwrap(), Span::new(text, 17, 32).unwrap()];
        let found = speaker_labels(text, &given, false);
        assert_eq!(texts(found), ["Olivia Realname"]);
        let lines = speaker_labels(text, &[], true);
        assert_eq!(texts(lines), ["Olivia Realname", "Jane Smith"]);
    }
}
