//! Automatic candidates: small detectors, each a function from text to [`Candidate`]s, and
//! [`scan`], which runs the chosen ones and keeps the best of overlapping finds.

use std::collections::BTreeMap;
use std::fmt;

use idiograph_text::{Span, TextSize};

pub use crate::known::OrganisationKind;
use crate::REDACTED;

mod contact;
mod dates;
mod names;
mod numbers;
mod places;

pub use contact::{emails, phones, urls};
pub use dates::dates;
pub use names::{capitalised_words, speaker_labels, titled_names};
pub use numbers::{nhs_check_digit_ok, nhs_numbers, postcodes};
pub use places::{addresses, organisations};

/// What a candidate looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CandidateKind {
    /// An email address.
    Email,
    /// A URL or web address.
    Url,
    /// An NHS (or CHI) number passing the modulus-11 check.
    NhsNumber,
    /// A telephone number, UK or international.
    Phone,
    /// A UK postcode.
    Postcode,
    /// A date.
    Date,
    /// A street address.
    Address,
    /// A named organisation ("Riverside Medical Practice").
    Organisation(OrganisationKind),
    /// A speaker label that is not a role ("Olivia Realname:").
    SpeakerLabel,
    /// A person's name: after a title ("Dr Okafor", the title outside the span), or a name the
    /// context says is a person's ("my trainer Priya", "Okafor said", "Siobhan's").
    Person,
    /// A place's name: after "in", "at", "from"… ("in Harrogate"), or a multi-word place
    /// ("New York", "North Shields").
    Place,
    /// A capitalised word not in the English word list whose context says nothing more.
    Other,
}

/// Every candidate kind, one of each organisation kind standing for all of them.
pub const CANDIDATE_KINDS: [CandidateKind; 12] = [
    CandidateKind::Email,
    CandidateKind::Url,
    CandidateKind::NhsNumber,
    CandidateKind::Phone,
    CandidateKind::Postcode,
    CandidateKind::Date,
    CandidateKind::Address,
    CandidateKind::Organisation(OrganisationKind::Unspecified),
    CandidateKind::SpeakerLabel,
    CandidateKind::Person,
    CandidateKind::Place,
    CandidateKind::Other,
];

impl CandidateKind {
    /// The bracketed category that replaces it by default.
    pub fn label(self) -> &'static str {
        match self {
            CandidateKind::Email => "[Email]",
            CandidateKind::Url => "[URL]",
            CandidateKind::NhsNumber => "[NHS number]",
            CandidateKind::Phone => "[Phone]",
            CandidateKind::Postcode => "[Postcode]",
            CandidateKind::Date => "[Date]",
            CandidateKind::Address => "[Address]",
            CandidateKind::Organisation(kind) => kind.label(),
            CandidateKind::SpeakerLabel => "[Speaker]",
            CandidateKind::Person => "[Person]",
            CandidateKind::Place => "[Place]",
            CandidateKind::Other => "[Name]",
        }
    }

    /// A stable lower-case name for command lines and JSON (`email`, `nhs-number`, …).
    pub fn name(self) -> &'static str {
        match self {
            CandidateKind::Email => "email",
            CandidateKind::Url => "url",
            CandidateKind::NhsNumber => "nhs-number",
            CandidateKind::Phone => "phone",
            CandidateKind::Postcode => "postcode",
            CandidateKind::Date => "date",
            CandidateKind::Address => "address",
            CandidateKind::Organisation(_) => "organisation",
            CandidateKind::SpeakerLabel => "speaker-label",
            CandidateKind::Person => "person",
            CandidateKind::Place => "place",
            CandidateKind::Other => "other",
        }
    }

    /// The kind `name` names, as [`CandidateKind::name`] writes it; the words of earlier
    /// versions are understood too (`titled-name` is now `person`, `proper-name` is `other`).
    pub fn from_name(name: &str) -> Option<CandidateKind> {
        match name {
            "titled-name" => Some(CandidateKind::Person),
            "proper-name" => Some(CandidateKind::Other),
            _ => CANDIDATE_KINDS.iter().find(|k| k.name() == name).copied(),
        }
    }

    /// Whether the kind is a name (person, place, other, speaker label): one that an
    /// overlapping known identifier replaces in its own words rather than whole.
    pub fn is_name(self) -> bool {
        matches!(
            self,
            CandidateKind::Person | CandidateKind::Place | CandidateKind::Other | CandidateKind::SpeakerLabel
        )
    }

    /// How specific the kind is: when two candidates of equal length overlap, the lower wins.
    fn rank(self) -> u8 {
        match self {
            CandidateKind::Email => 0,
            CandidateKind::Url => 1,
            CandidateKind::NhsNumber => 2,
            CandidateKind::Phone => 3,
            CandidateKind::Postcode => 4,
            CandidateKind::Date => 5,
            CandidateKind::Address => 6,
            CandidateKind::Organisation(_) => 7,
            CandidateKind::SpeakerLabel => 8,
            CandidateKind::Person => 9,
            CandidateKind::Place => 10,
            CandidateKind::Other => 11,
        }
    }
}

/// The detectors [`scan`] can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Detector {
    /// [`emails`]
    Email,
    /// [`urls`]
    Url,
    /// [`phones`]
    Phone,
    /// [`nhs_numbers`]
    NhsNumber,
    /// [`postcodes`]
    Postcode,
    /// [`dates`]
    Date,
    /// [`addresses`]
    Address,
    /// [`organisations`]
    Organisation,
    /// [`speaker_labels`]
    SpeakerLabel,
    /// [`titled_names`]
    TitledName,
    /// [`capitalised_words`]
    CapitalisedWord,
}

impl Detector {
    /// Every detector.
    pub const ALL: [Detector; 11] = [
        Detector::Email,
        Detector::Url,
        Detector::Phone,
        Detector::NhsNumber,
        Detector::Postcode,
        Detector::Date,
        Detector::Address,
        Detector::Organisation,
        Detector::SpeakerLabel,
        Detector::TitledName,
        Detector::CapitalisedWord,
    ];
}

/// A possible identifier found by a detector, for review.
#[derive(Clone, PartialEq)]
pub struct Candidate {
    /// Where it is.
    pub span: Span,
    /// The text found (identifying: redacted in `Debug`).
    pub text: String,
    /// What it looks like.
    pub kind: CandidateKind,
    /// How sure the detector is, from 0 to 1.
    pub confidence: f32,
    /// A replacement to offer (a category such as `[Place]` when the context says more than
    /// the kind's label), or `None` to offer the kind's label.
    pub suggestion: Option<String>,
}

impl Candidate {
    /// The replacement to offer: the suggestion, else the kind's label.
    pub fn default_replacement(&self) -> &str {
        self.suggestion.as_deref().unwrap_or(self.kind.label())
    }
}

impl fmt::Debug for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Candidate")
            .field("span", &self.span)
            .field("text", &format_args!("{REDACTED}"))
            .field("kind", &self.kind)
            .field("confidence", &self.confidence)
            .field("suggestion", &self.suggestion)
            .finish()
    }
}

/// What [`scan`] runs and keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanOptions {
    /// The detectors to run (all by default).
    pub detectors: Vec<Detector>,
    /// Spans of speaker labels known to the caller (from the transcript's turns); each one that
    /// is not a role such as `Interviewer` or `P2` becomes a candidate.
    pub speaker_labels: Vec<Span>,
    /// Also treat `Name Surname:` at the start of a line, and Teams' `Name Surname   0:04`
    /// lines, as speaker labels.
    pub label_lines: bool,
    /// Flag capitalised words that are not English words even at a sentence start, with a lower
    /// confidence ("Priya said…"). Ordinary words at a sentence start are never flagged.
    pub sentence_initial_names: bool,
    /// Candidates below this confidence are dropped before overlaps are resolved.
    pub min_confidence: f32,
    /// Texts a reviewer has rejected for good ("Freud", "Yorkshire"): candidates whose text is
    /// one of these, ignoring case and spacing, are dropped.
    pub ignore: Vec<String>,
    /// Replacements already in the text (pseudonyms such as "Olivia", categories such as
    /// "[Patient]"): a candidate made only of their words is what pseudonymisation put there,
    /// not an identifier, and is dropped.
    pub inserted: Vec<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            detectors: Detector::ALL.to_vec(),
            speaker_labels: Vec::new(),
            label_lines: true,
            sentence_initial_names: true,
            min_confidence: 0.3,
            ignore: Vec::new(),
            inserted: Vec::new(),
        }
    }
}

/// Runs the chosen detectors over `text` and returns their candidates sorted by position, with
/// overlaps resolved: the longest candidate wins, then the more specific kind (email before
/// URL, NHS number before phone, …), then the higher confidence, then the earlier one.
///
/// ```
/// use idiograph_pseudonym::{scan, CandidateKind, ScanOptions};
/// let text = "I'm at anna.smith@nhs.net or 07700 900123, NHS number 943 476 5919.";
/// let kinds: Vec<CandidateKind> = scan(text, &ScanOptions::default()).iter().map(|c| c.kind).collect();
/// assert_eq!(kinds, [CandidateKind::Email, CandidateKind::Phone, CandidateKind::NhsNumber]);
/// ```
pub fn scan(text: &str, options: &ScanOptions) -> Vec<Candidate> {
    let mut all = Vec::new();
    let mut detectors = options.detectors.clone();
    detectors.sort();
    detectors.dedup();
    for d in detectors {
        let found = match d {
            Detector::Email => emails(text),
            Detector::Url => urls(text),
            Detector::Phone => phones(text),
            Detector::NhsNumber => nhs_numbers(text),
            Detector::Postcode => postcodes(text),
            Detector::Date => dates(text),
            Detector::Address => addresses(text),
            Detector::Organisation => organisations(text),
            Detector::SpeakerLabel => speaker_labels(text, &options.speaker_labels, options.label_lines),
            Detector::TitledName => titled_names(text),
            Detector::CapitalisedWord => capitalised_words(text, options.sentence_initial_names),
        };
        all.extend(found.into_iter().filter(|c| c.confidence >= options.min_confidence));
    }
    if !options.ignore.is_empty() {
        let ignore: std::collections::HashSet<String> = options.ignore.iter().map(|s| squash(s)).collect();
        all.retain(|c| !ignore.contains(&squash(&c.text)));
    }
    if !options.inserted.is_empty() {
        let inserted: std::collections::HashSet<String> = options.inserted.iter().flat_map(|s| name_words(s)).collect();
        all.retain(|c| !name_words(&c.text).iter().all(|w| inserted.contains(w)));
    }
    resolve_overlaps(all)
}

/// The words of a text, lower-cased (letters and digits; anything else separates).
fn name_words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Lower case with runs of white space as one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Keeps the best of overlapping candidates (see [`scan`]) and sorts by position.
pub fn resolve_overlaps(mut all: Vec<Candidate>) -> Vec<Candidate> {
    all.sort_by(|a, b| {
        b.span
            .len()
            .cmp(&a.span.len())
            .then(a.kind.rank().cmp(&b.kind.rank()))
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.span.start().cmp(&b.span.start()))
            .then(a.kind.cmp(&b.kind))
    });
    let mut taken: BTreeMap<TextSize, TextSize> = BTreeMap::new();
    let mut out = Vec::new();
    for c in all {
        if c.span.is_empty() {
            continue;
        }
        let (s, e) = (c.span.start(), c.span.end());
        if taken.range(..e).next_back().is_some_and(|(_, &end)| end > s) {
            continue;
        }
        taken.insert(s, e);
        out.push(c);
    }
    out.sort_by_key(|c| (c.span.start(), c.span.end()));
    out
}

/// Makes a candidate over `text[start..end]`; `None` if the range is not a valid span.
pub(crate) fn candidate(
    text: &str,
    start: usize,
    end: usize,
    kind: CandidateKind,
    confidence: f32,
    suggestion: Option<&str>,
) -> Option<Candidate> {
    let span = Span::new(text, start, end).ok()?;
    if span.is_empty() {
        return None;
    }
    Some(Candidate {
        span,
        text: span.slice(text).to_owned(),
        kind,
        confidence: confidence.clamp(0.0, 1.0),
        suggestion: suggestion.map(str::to_owned),
    })
}

/// Whether the word at `start` opens a sentence, a turn or a paragraph: nothing but spaces,
/// opening quotes and brackets lie between it and the start of the text, a blank line, or a
/// `.`, `!`, `?`, `…`, `:` or closing bracket (after `[laughs]`). A line break alone does not
/// count (a hard-wrapped line goes on with its sentence), nor does the dot of `Dr.` or `Mr.`.
pub(crate) fn is_sentence_initial(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let mut newlines = 0;
    for (i, c) in before.char_indices().rev() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            }
            c if c.is_whitespace() => {}
            '"' | '\u{201c}' | '\u{2018}' | '\'' | '(' | '[' | '{' | '-' | '\u{2013}' | '\u{2014}' | '*' | '_' => {}
            '.' => {
                let word: String = before[..i]
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphabetic())
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return !crate::known::TITLES.iter().any(|t| t.eq_ignore_ascii_case(&word))
                    && !matches!(word.as_str(), "St" | "Mt" | "vs" | "approx" | "etc" | "no" | "No");
            }
            '!' | '?' | '\u{2026}' | ':' | ']' | ')' | '}' | '>' => return true,
            _ => return false,
        }
    }
    true
}

/// The context in the `width` bytes before `start`, lower-cased.
pub(crate) fn context_before(text: &str, start: usize, width: usize) -> String {
    let mut from = start.saturating_sub(width);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    text[from..start].to_lowercase()
}

/// The previous word before `start` (letters only), lower-cased.
pub(crate) fn previous_word(text: &str, start: usize) -> String {
    let before = text[..start].trim_end_matches(|c: char| c.is_whitespace() || c == ',');
    let word: Vec<char> = before.chars().rev().take_while(|c| c.is_alphabetic()).collect();
    word.into_iter().rev().collect::<String>().to_lowercase()
}

/// Declares a lazily compiled regex.
macro_rules! lazy_regex {
    ($name:ident, $pattern:expr) => {
        fn $name() -> &'static regex::Regex {
            static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            RE.get_or_init(|| regex::Regex::new($pattern).expect("valid built-in pattern"))
        }
    };
}
pub(crate) use lazy_regex;

/// Spaces between the words of a multi-word name, possibly wrapped onto the next line.
pub(crate) const SP: &str = r"(?:[ \t\u{a0}]+\n?|\n)[ \t\u{a0}]*";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_starts() {
        let t = "Hello. Anna went\nSmith then: Bob [laughs] Cat Dr. Dee\n\nEve \"Fay";
        let at = |w: &str| is_sentence_initial(t, t.find(w).unwrap());
        assert!(at("Hello"));
        assert!(at("Anna"));
        assert!(!at("went"));
        assert!(!at("Smith"));
        assert!(at("Bob"));
        assert!(at("Cat"));
        assert!(!at("Dee"));
        assert!(at("Eve"));
        assert!(!at("Fay"));
    }

    #[test]
    fn overlaps_keep_the_longest_then_the_most_specific() {
        let text = "a@b.co 0123456789";
        let c = |s, e, k, conf| candidate(text, s, e, k, conf, None).unwrap();
        let got = resolve_overlaps(vec![
            c(2, 6, CandidateKind::Url, 0.9),
            c(0, 6, CandidateKind::Email, 0.9),
            c(7, 17, CandidateKind::Phone, 0.9),
            c(7, 17, CandidateKind::NhsNumber, 0.5),
        ]);
        assert_eq!(got.iter().map(|c| c.kind).collect::<Vec<_>>(), [CandidateKind::Email, CandidateKind::NhsNumber]);
    }

    #[test]
    fn rejected_texts_are_ignored() {
        let text = "I read Winnicott and met Okafor in\nBrighouse.";
        let all = scan(text, &ScanOptions::default());
        assert_eq!(all.len(), 3);
        let options = ScanOptions { ignore: vec!["WINNICOTT".into(), "brighouse".into()], ..ScanOptions::default() };
        let left: Vec<String> = scan(text, &options).into_iter().map(|c| c.text).collect();
        assert_eq!(left, ["Okafor"]);
    }

    #[test]
    fn debug_is_redacted() {
        let c = candidate("Anna", 0, 4, CandidateKind::Other, 0.5, None).unwrap();
        assert!(!format!("{c:?}").contains("Anna"));
    }
}
