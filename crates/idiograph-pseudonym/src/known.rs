//! The researcher's list of known identifiers and the matcher that finds them.

use std::collections::BTreeMap;
use std::fmt;

use idiograph_text::{Span, TextSize};
use regex::{Regex, RegexBuilder};

use crate::words::{is_apostrophe, is_english_word};
use crate::REDACTED;

/// What a known identifier names, which also gives its bracketed category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdentifierKind {
    /// A person, in a role.
    Person(PersonRole),
    /// A place.
    Place(PlaceKind),
    /// An organisation.
    Organisation(OrganisationKind),
    /// Anything else the researcher lists (a nickname of a scheme, a ward, an event).
    Other,
}

/// The role of a named person in the study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonRole {
    /// Any person.
    Unspecified,
    /// A participant of the study.
    Participant,
    /// A patient discussed (for example in a Balint case).
    Patient,
    /// A GP trainer or educational supervisor.
    Trainer,
    /// A Balint group leader.
    GroupLeader,
    /// A colleague.
    Colleague,
    /// A family member.
    Relative,
}

/// The kind of a named place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlaceKind {
    /// Any place.
    Unspecified,
    /// A town or city.
    Town,
    /// A region or county.
    Region,
    /// A street.
    Street,
}

/// The kind of a named organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrganisationKind {
    /// Any organisation.
    Unspecified,
    /// A GP practice or surgery.
    Practice,
    /// A hospital or infirmary.
    Hospital,
    /// A health centre.
    HealthCentre,
    /// A GP training scheme (VTS).
    TrainingScheme,
    /// A deanery or training region.
    Deanery,
    /// A university or medical school.
    University,
}

impl IdentifierKind {
    /// The bracketed category that replaces an identifier of this kind when no pseudonym is
    /// given, e.g. `[Patient]`, `[Practice]`, `[Town]`.
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::Person(role) => match role {
                PersonRole::Unspecified => "[Person]",
                PersonRole::Participant => "[Participant]",
                PersonRole::Patient => "[Patient]",
                PersonRole::Trainer => "[Trainer]",
                PersonRole::GroupLeader => "[Group leader]",
                PersonRole::Colleague => "[Colleague]",
                PersonRole::Relative => "[Relative]",
            },
            IdentifierKind::Place(kind) => match kind {
                PlaceKind::Unspecified => "[Place]",
                PlaceKind::Town => "[Town]",
                PlaceKind::Region => "[Region]",
                PlaceKind::Street => "[Street]",
            },
            IdentifierKind::Organisation(kind) => kind.label(),
            IdentifierKind::Other => "[Identifier]",
        }
    }

    /// Whether this names a person (first-name-only and surname forms apply).
    pub fn is_person(self) -> bool {
        matches!(self, IdentifierKind::Person(_))
    }
}

/// The stable words for identifier kinds, as the command line and the key store write them.
const KIND_WORDS: &[(&str, IdentifierKind)] = &[
    ("person", IdentifierKind::Person(PersonRole::Unspecified)),
    ("participant", IdentifierKind::Person(PersonRole::Participant)),
    ("patient", IdentifierKind::Person(PersonRole::Patient)),
    ("trainer", IdentifierKind::Person(PersonRole::Trainer)),
    ("group-leader", IdentifierKind::Person(PersonRole::GroupLeader)),
    ("colleague", IdentifierKind::Person(PersonRole::Colleague)),
    ("relative", IdentifierKind::Person(PersonRole::Relative)),
    ("place", IdentifierKind::Place(PlaceKind::Unspecified)),
    ("town", IdentifierKind::Place(PlaceKind::Town)),
    ("region", IdentifierKind::Place(PlaceKind::Region)),
    ("street", IdentifierKind::Place(PlaceKind::Street)),
    ("organisation", IdentifierKind::Organisation(OrganisationKind::Unspecified)),
    ("practice", IdentifierKind::Organisation(OrganisationKind::Practice)),
    ("hospital", IdentifierKind::Organisation(OrganisationKind::Hospital)),
    ("health-centre", IdentifierKind::Organisation(OrganisationKind::HealthCentre)),
    ("training-scheme", IdentifierKind::Organisation(OrganisationKind::TrainingScheme)),
    ("deanery", IdentifierKind::Organisation(OrganisationKind::Deanery)),
    ("university", IdentifierKind::Organisation(OrganisationKind::University)),
    ("other", IdentifierKind::Other),
];

impl IdentifierKind {
    /// The stable word for this kind, e.g. `patient`, `practice`.
    pub fn name(self) -> &'static str {
        KIND_WORDS.iter().find(|(_, k)| *k == self).map_or("other", |(w, _)| w)
    }

    /// Every kind's word, for help texts.
    pub fn names() -> impl Iterator<Item = &'static str> {
        KIND_WORDS.iter().map(|(w, _)| *w)
    }

    /// The kind named by `word` (as [`IdentifierKind::name`] writes it), if any.
    pub fn from_name(word: &str) -> Option<IdentifierKind> {
        let word = word.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        KIND_WORDS.iter().find(|(w, _)| *w == word).map(|(_, k)| *k)
    }
}

impl OrganisationKind {
    /// The bracketed category, e.g. `[Practice]`, `[Hospital]`.
    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::Unspecified => "[Organisation]",
            OrganisationKind::Practice => "[Practice]",
            OrganisationKind::Hospital => "[Hospital]",
            OrganisationKind::HealthCentre => "[Health centre]",
            OrganisationKind::TrainingScheme => "[Training scheme]",
            OrganisationKind::Deanery => "[Deanery]",
            OrganisationKind::University => "[University]",
        }
    }
}

/// A real name (of a person, place, organisation…) the researcher wants replaced everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct KnownIdentifier {
    /// The real name as usually written, e.g. `Dr Anna Smith`.
    pub real: String,
    /// Its pseudonym (`Olivia`) or bracketed category (`[Trainer]`); empty means the kind's
    /// category label.
    pub replacement: String,
    /// What it names.
    pub kind: IdentifierKind,
    /// Other spellings and nicknames (`Anne Smith`, `Annie`), each replaced like the real name.
    pub variants: Vec<String>,
}

impl KnownIdentifier {
    /// A known identifier without variants.
    pub fn new(real: impl Into<String>, replacement: impl Into<String>, kind: IdentifierKind) -> KnownIdentifier {
        KnownIdentifier { real: real.into(), replacement: replacement.into(), kind, variants: Vec::new() }
    }

    /// Adds spelling variants.
    pub fn with_variants<I, S>(mut self, variants: I) -> KnownIdentifier
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.variants.extend(variants.into_iter().map(Into::into));
        self
    }

    /// The replacement text for the whole name: the pseudonym, or the kind's label.
    pub fn effective_replacement(&self) -> &str {
        if self.replacement.trim().is_empty() {
            self.kind.label()
        } else {
            &self.replacement
        }
    }
}

impl fmt::Debug for KnownIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownIdentifier")
            .field("real", &format_args!("{REDACTED}"))
            .field("replacement", &self.replacement)
            .field("kind", &self.kind)
            .field("variants", &format_args!("{REDACTED} ({})", self.variants.len()))
            .finish()
    }
}

/// Which forms of known identifiers are searched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchOptions {
    /// Persons: the first given name alone (`Anna` for `Dr Anna Smith`).
    pub given_name: bool,
    /// Persons: the surname alone (`Smith`).
    pub surname: bool,
    /// Persons: a title with the surname (`Dr Smith`, `Mrs Smith`, `Prof. Smith`).
    pub titled_surname: bool,
    /// Ignore case, except for one-word forms that are also ordinary English words (`Will`,
    /// `Grace`, `Reading`), which match only capitalised or in capitals.
    pub case_insensitive: bool,
    /// Shortest first-name or surname form searched alone, in characters.
    pub min_partial_chars: usize,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            given_name: true,
            surname: true,
            titled_surname: true,
            case_insensitive: true,
            min_partial_chars: 2,
        }
    }
}

/// Which form of a known identifier matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormKind {
    /// The real name as listed.
    Full,
    /// A listed spelling variant.
    Variant,
    /// A person's name without its title (`Anna Smith` for `Dr Anna Smith`).
    Untitled,
    /// A person's first given name alone.
    GivenName,
    /// A person's surname alone.
    Surname,
    /// A title and the surname.
    TitledSurname,
}

/// One occurrence of a known identifier.
#[derive(Clone, PartialEq, Eq)]
pub struct KnownMatch {
    /// Where it is (possessive endings such as `’s` stay outside).
    pub span: Span,
    /// Index of the identifier in the list given to the matcher.
    pub identifier: usize,
    /// Which form matched.
    pub form: FormKind,
    /// What replaces it: the pseudonym's matching part (first name for a first name, `Dr` and
    /// the pseudonym's surname for `Dr Smith`), or the category label.
    pub replacement: String,
    /// The form is an ordinary English word (`Will`, `Reading`) and stands at a sentence start,
    /// so it may not be the name: worth a look in review.
    pub ambiguous: bool,
}

impl fmt::Debug for KnownMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownMatch")
            .field("span", &self.span)
            .field("identifier", &self.identifier)
            .field("form", &self.form)
            .field("replacement", &self.replacement)
            .field("ambiguous", &self.ambiguous)
            .finish()
    }
}

/// Why a matcher could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnownError {
    /// A form of an identifier is too large to search for.
    TooLong {
        /// Index of the identifier.
        identifier: usize,
    },
}

impl fmt::Display for KnownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KnownError::TooLong { identifier } => {
                write!(f, "known identifier #{} is too long to search for", identifier + 1)
            }
        }
    }
}

impl std::error::Error for KnownError {}

/// Titles that may precede a person's name.
pub(crate) const TITLES: &[&str] = &[
    "Dr",
    "Doctor",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Prof",
    "Professor",
    "Sister",
    "Nurse",
    "Sir",
    "Dame",
    "Rev",
    "Reverend",
    "Father",
    "Matron",
];

fn is_title(token: &str) -> bool {
    let t = token.trim_end_matches('.');
    TITLES.iter().any(|x| x.eq_ignore_ascii_case(t))
}

/// Surname particles kept with the last name (`van der Berg`, `Al Hassan`).
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "le", "la", "bin", "ibn", "al", "el", "ap",
    "st",
];

/// A person's name split into title, given names and surname.
struct NameParts<'a> {
    title: Option<&'a str>,
    untitled: Vec<&'a str>,
    given: Option<&'a str>,
    surname: Option<String>,
}

fn name_parts(name: &str) -> NameParts<'_> {
    let mut tokens: Vec<&str> = name.split_whitespace().collect();
    let mut title = None;
    while tokens.len() > 1 && is_title(tokens[0]) {
        title.get_or_insert(tokens[0]);
        tokens.remove(0);
    }
    let (given, surname) = if tokens.len() >= 2 {
        let mut first_of_surname = tokens.len() - 1;
        while first_of_surname > 1 && PARTICLES.contains(&tokens[first_of_surname - 1].to_lowercase().as_str()) {
            first_of_surname -= 1;
        }
        (Some(tokens[0]), Some(tokens[first_of_surname..].join(" ")))
    } else {
        (None, None)
    };
    NameParts { title, untitled: tokens, given, surname }
}

/// One searchable form of one identifier.
struct Form {
    identifier: usize,
    kind: FormKind,
    regex: Regex,
    /// The replacement, or for titled forms the replacement of the surname (the title is kept).
    replacement: String,
    /// A one-word form that is also an ordinary word.
    common_word: bool,
}

/// Finds every occurrence of a list of known identifiers in a text.
///
/// Build it once per list and reuse it for every transcript.
pub struct KnownMatcher {
    forms: Vec<Form>,
}

impl fmt::Debug for KnownMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownMatcher").field("forms", &self.forms.len()).finish()
    }
}

/// The separator between the words of a form: any run of spaces, tabs, no-break spaces and
/// line breaks (a name wrapped over two lines, or typed with a double space), or the joins of
/// file names, user names and addresses: one `_`, `.` or `-`, or nothing
/// (`Siobhan_Hargreaves_interview.txt`, `siobhan.hargreaves@…`, `siobhanhargreaves`).
const WORD_GAP: &str = r"(?:[\s\u{a0}\u{2007}\u{202f}]+|[_.\-]|)";
/// In exports the words may also be split by markup (`Anna</b> <b>Smith`).
const WORD_GAP_MARKUP: &str = r"(?:(?:[\s\u{a0}\u{2007}\u{202f}]|<[^<>]{0,200}>)+|[_.\-]|)";

/// Writes the regex for one word of a form: apostrophes and hyphens match their look-alikes.
fn word_pattern(word: &str) -> String {
    let mut out = String::new();
    for c in word.chars() {
        if is_apostrophe(c) {
            out.push_str("['\u{2019}\u{2018}\u{02bc}]");
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}') {
            out.push_str("[-\u{2010}\u{2011}]");
        } else {
            out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut cs = word.chars();
    match cs.next() {
        Some(first) => first.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

impl KnownMatcher {
    /// Compiles the forms of `known` for matching transcript text.
    pub fn new(known: &[KnownIdentifier], options: &MatchOptions) -> Result<KnownMatcher, KnownError> {
        KnownMatcher::build(known, options, WORD_GAP)
    }

    /// Compiles the forms for checking exported text, where markup may sit between words.
    pub(crate) fn for_exports(known: &[KnownIdentifier], options: &MatchOptions) -> Result<KnownMatcher, KnownError> {
        KnownMatcher::build(known, options, WORD_GAP_MARKUP)
    }

    fn build(known: &[KnownIdentifier], options: &MatchOptions, gap: &str) -> Result<KnownMatcher, KnownError> {
        let mut forms = Vec::new();
        for (index, ident) in known.iter().enumerate() {
            for (text, kind, replacement) in forms_of(ident, options) {
                let words: Vec<&str> = text.split_whitespace().collect();
                if words.is_empty() {
                    continue;
                }
                let common_word = words.len() == 1 && is_english_word(words[0]);
                let body = if kind == FormKind::TitledSurname {
                    let titles: Vec<String> = TITLES.iter().map(|t| regex::escape(t)).collect();
                    let surname: Vec<String> = words.iter().map(|w| word_pattern(w)).collect();
                    // The title's case is free; the surname follows the usual rule below.
                    format!("(?i:{})\\.?{gap}(?i:{})", titles.join("|"), surname.join(gap))
                } else if common_word || !options.case_insensitive {
                    let exact = word_pattern(&words.iter().map(|w| capitalised(w)).collect::<Vec<_>>().join(" "))
                        .replace(' ', gap);
                    let literal = word_pattern(&words.join(" ")).replace(' ', gap);
                    let upper = word_pattern(&words.join(" ").to_uppercase()).replace(' ', gap);
                    format!("(?:{exact}|{literal}|{upper})")
                } else {
                    let pattern: Vec<String> = words.iter().map(|w| word_pattern(w)).collect();
                    format!("(?i:{})", pattern.join(gap))
                };
                let regex = RegexBuilder::new(&body)
                    .size_limit(64 << 20)
                    .build()
                    .map_err(|_| KnownError::TooLong { identifier: index })?;
                forms.push(Form { identifier: index, kind, regex, replacement, common_word });
            }
        }
        Ok(KnownMatcher { forms })
    }

    /// Every occurrence, non-overlapping and sorted by position. Where forms overlap the longest
    /// wins; among equally long ones the earlier identifier in the list, then the fuller form.
    pub fn find(&self, text: &str) -> Vec<KnownMatch> {
        let mut raw: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, form index)
        for (fi, form) in self.forms.iter().enumerate() {
            let mut pos = 0;
            while pos <= text.len() {
                let Some(m) = form.regex.find_at(text, pos) else { break };
                if m.start() == m.end() {
                    break;
                }
                if whole_word(text, m.start(), m.end()) {
                    raw.push((m.start(), m.end(), fi));
                    pos = m.end();
                } else {
                    pos = next_boundary(text, m.start());
                }
            }
        }
        raw.sort_by(|a, b| {
            let (la, lb) = (a.1 - a.0, b.1 - b.0);
            let (fa, fb) = (&self.forms[a.2], &self.forms[b.2]);
            lb.cmp(&la)
                .then(fa.identifier.cmp(&fb.identifier))
                .then(fa.kind.cmp(&fb.kind))
                .then(a.0.cmp(&b.0))
                .then(a.2.cmp(&b.2))
        });
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new(); // start → end
        let mut out = Vec::new();
        for (start, end, fi) in raw {
            let before = taken.range(..end).next_back();
            if before.is_some_and(|(_, &e)| e > start) {
                continue;
            }
            taken.insert(start, end);
            let form = &self.forms[fi];
            let replacement = if form.kind == FormKind::TitledSurname {
                let title_end =
                    text[start..end].find(|c: char| c.is_whitespace() || c == '<').map_or(end, |i| start + i);
                let title = text[start..title_end].trim_end_matches('.');
                let dot = if text[start..title_end].ends_with('.') { "." } else { "" };
                format!("{title}{dot} {}", form.replacement)
            } else {
                form.replacement.clone()
            };
            let ambiguous = form.common_word && crate::detect::is_sentence_initial(text, start);
            out.push(KnownMatch {
                span: Span::from_bounds(TextSize::new(start as u32), TextSize::new(end as u32)),
                identifier: form.identifier,
                form: form.kind,
                replacement,
                ambiguous,
            });
        }
        out.sort_by_key(|m| (m.span.start(), m.span.end()));
        out
    }
}

/// The forms of one identifier with their replacements.
fn forms_of(ident: &KnownIdentifier, options: &MatchOptions) -> Vec<(String, FormKind, String)> {
    let full_replacement = ident.effective_replacement().to_owned();
    let bracketed = full_replacement.starts_with('[');
    let pseudonym = name_parts(&full_replacement);
    let pseudo_given = if bracketed {
        full_replacement.clone()
    } else {
        pseudonym.untitled.first().map_or(full_replacement.clone(), |s| s.to_string())
    };
    let pseudo_surname = if bracketed {
        full_replacement.clone()
    } else {
        pseudonym.surname.clone().unwrap_or_else(|| pseudo_given.clone())
    };

    let mut forms: Vec<(String, FormKind, String)> = Vec::new();
    let mut push = |text: String, kind: FormKind, replacement: String| {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() && !forms.iter().any(|(t, _, _)| t.eq_ignore_ascii_case(&text)) {
            forms.push((text, kind, replacement));
        }
    };
    let names =
        std::iter::once((&ident.real, FormKind::Full)).chain(ident.variants.iter().map(|v| (v, FormKind::Variant)));
    let names: Vec<(&String, FormKind)> = names.collect();
    for (name, kind) in &names {
        push(name.to_string(), *kind, full_replacement.clone());
    }
    if ident.kind.is_person() {
        for (name, _) in &names {
            let parts = name_parts(name);
            if parts.title.is_some() {
                let untitled = if bracketed { full_replacement.clone() } else { pseudonym.untitled.join(" ") };
                let untitled = if untitled.is_empty() { full_replacement.clone() } else { untitled };
                push(parts.untitled.join(" "), FormKind::Untitled, untitled);
            }
            let long_enough =
                |s: &str| s.chars().filter(|c| c.is_alphanumeric()).count() >= options.min_partial_chars.max(1);
            if options.given_name {
                if let Some(given) = parts.given.filter(|g| long_enough(g)) {
                    push(given.to_owned(), FormKind::GivenName, pseudo_given.clone());
                }
            }
            if let Some(surname) = parts.surname.as_deref().filter(|s| long_enough(s)) {
                if options.titled_surname {
                    push(format!("\u{0}{surname}"), FormKind::TitledSurname, pseudo_surname.clone());
                }
                if options.surname {
                    push(surname.to_owned(), FormKind::Surname, pseudo_surname.clone());
                }
            }
            if options.titled_surname && parts.surname.is_none() && parts.title.is_some() {
                // "Dr Anna" listed: "Dr Anna" is already the full form.
            }
        }
    }
    // Titled forms were marked with a NUL so they never collide with a plain form; strip it.
    forms.into_iter().map(|(t, k, r)| (t.trim_start_matches('\u{0}').to_owned(), k, r)).collect()
}

/// Whether `[start, end)` stands as whole words: no letter or digit right before it, and after
/// it, past an optional possessive ending (`'s`, `s'`, `'`), none either.
pub(crate) fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let before_ok = text[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
    let rest = &text[end..];
    let after = possessive_len(rest);
    // After `s'` or a lone apostrophe the apostrophe itself ends the word.
    let closed = after > 0 && rest[..after].ends_with(is_apostrophe);
    before_ok && (closed || rest[after..].chars().next().is_none_or(|c| !is_word_char(c)))
}

/// The length of a possessive ending at the start of `rest`: `'s`, `s'`, or a lone apostrophe.
pub(crate) fn possessive_len(rest: &str) -> usize {
    let mut cs = rest.char_indices();
    match (cs.next(), cs.next()) {
        (Some((_, a)), Some((i, 's' | 'S'))) if is_apostrophe(a) => {
            let after = i + 1;
            if rest[after..].chars().next().is_none_or(|c| !is_word_char(c)) {
                after
            } else {
                0
            }
        }
        (Some((_, 's' | 'S')), Some((i, b))) if is_apostrophe(b) => i + b.len_utf8(),
        (Some((_, a)), _) if is_apostrophe(a) => a.len_utf8(),
        _ => 0,
    }
}

/// A character that continues a word. `_` does not: it joins words in file and user names
/// (`siobhan_hargreaves`), each of which is a name.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c)
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

pub(crate) fn next_boundary(text: &str, from: usize) -> usize {
    let mut i = from + 1;
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trainer() -> KnownIdentifier {
        KnownIdentifier::new("Dr Anna Smith", "Dr Rose Hill", IdentifierKind::Person(PersonRole::Trainer))
    }

    fn find(text: &str, known: &[KnownIdentifier]) -> Vec<(String, String, FormKind)> {
        KnownMatcher::new(known, &MatchOptions::default())
            .unwrap()
            .find(text)
            .into_iter()
            .map(|m| (m.span.slice(text).to_owned(), m.replacement, m.form))
            .collect()
    }

    #[test]
    fn full_partial_and_titled_forms_with_longest_match() {
        let text = "Dr Anna Smith said Anna and Smith and Dr. Smith and Mrs Smith, anna smith too.";
        let got = find(text, &[trainer()]);
        let spans: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(spans, ["Dr Anna Smith", "Anna", "Smith", "Dr. Smith", "Mrs Smith", "anna smith"]);
        let reps: Vec<&str> = got.iter().map(|g| g.1.as_str()).collect();
        assert_eq!(reps, ["Dr Rose Hill", "Rose", "Hill", "Dr. Hill", "Mrs Hill", "Rose Hill"]);
    }

    #[test]
    fn possessives_wraps_and_double_spaces() {
        let text = "Anna's, Annas' and Anna’s; Anna\nSmith; Anna  Smith’s; Annabel; MacAnna";
        let got = find(text, &[trainer()]);
        let spans: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(spans, ["Anna", "Anna", "Anna", "Anna\nSmith", "Anna  Smith"]);
    }

    #[test]
    fn variants_and_bracketed_replacements() {
        let known = vec![
            KnownIdentifier::new(
                "Riverside Medical Practice",
                "",
                IdentifierKind::Organisation(OrganisationKind::Practice),
            )
            .with_variants(["Riverside Surgery", "the Riverside"]),
            KnownIdentifier::new("Siobhan O'Brien", "[Patient]", IdentifierKind::Person(PersonRole::Patient)),
        ];
        let text = "At riverside surgery, Siobhan O’Brien's mum; Mrs O'Brien; Siobhan.";
        let got = find(text, &known);
        assert_eq!(
            got.iter().map(|g| (g.0.as_str(), g.1.as_str())).collect::<Vec<_>>(),
            [
                ("riverside surgery", "[Practice]"),
                ("Siobhan O’Brien", "[Patient]"),
                ("Mrs O'Brien", "Mrs [Patient]"),
                ("Siobhan", "[Patient]")
            ]
        );
    }

    #[test]
    fn common_word_forms_match_only_capitalised() {
        let known = vec![
            KnownIdentifier::new("Reading", "[Town]", IdentifierKind::Place(PlaceKind::Town)),
            KnownIdentifier::new("Will Baker", "Tom Reed", IdentifierKind::Person(PersonRole::Patient)),
        ];
        let text = "Reading is hard. I will be reading in Reading. WILL said Baker would bake.";
        let m = KnownMatcher::new(&known, &MatchOptions::default()).unwrap().find(text);
        let got: Vec<(&str, bool)> = m.iter().map(|m| (m.span.slice(text), m.ambiguous)).collect();
        assert_eq!(got, [("Reading", true), ("Reading", false), ("WILL", true), ("Baker", false)]);
    }

    #[test]
    fn options_turn_partial_forms_off() {
        let opts = MatchOptions { given_name: false, surname: false, titled_surname: false, ..MatchOptions::default() };
        let m = KnownMatcher::new(&[trainer()], &opts).unwrap();
        let text = "Anna Smith, Anna, Smith, Dr Smith";
        let got: Vec<&str> = m.find(text).iter().map(|m| m.span.slice(text)).collect();
        assert_eq!(got, ["Anna Smith"]);
    }

    #[test]
    fn same_name_for_two_identifiers_goes_to_the_first() {
        let known = vec![
            KnownIdentifier::new("Anna Smith", "Olivia", IdentifierKind::Person(PersonRole::Participant)),
            KnownIdentifier::new("Anna Jones", "[Patient]", IdentifierKind::Person(PersonRole::Patient)),
        ];
        let text = "Anna met Anna Jones.";
        let m = KnownMatcher::new(&known, &MatchOptions::default()).unwrap().find(text);
        assert_eq!(
            m.iter().map(|m| (m.identifier, m.span.slice(text))).collect::<Vec<_>>(),
            [(0, "Anna"), (1, "Anna Jones")]
        );
    }

    #[test]
    fn debug_is_redacted() {
        let k = trainer().with_variants(["Annie"]);
        let s = format!("{k:?}");
        assert!(!s.contains("Anna") && !s.contains("Annie"), "{s}");
    }

    #[test]
    fn labels_by_kind() {
        assert_eq!(IdentifierKind::Person(PersonRole::GroupLeader).label(), "[Group leader]");
        assert_eq!(IdentifierKind::Place(PlaceKind::Town).label(), "[Town]");
        assert_eq!(IdentifierKind::Organisation(OrganisationKind::Hospital).label(), "[Hospital]");
    }
}
