//! Street addresses and organisation names.

use super::{candidate, lazy_regex, Candidate, CandidateKind, OrganisationKind, SP};
use crate::words::{is_english_word, is_listed_proper_noun};

const STREET: &str = r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|Court|Ct|Gardens|Gdns|Terrace|Grove|Square|Sq|Hill|Park|Row|Walk|Mews|Green|Parade|Rise|View|Vale|Wharf|Yard|Croft|Meadows?|Fold|Boulevard)";
const NAME_WORD: &str = r"\p{Lu}[\p{L}\p{M}'\u{2019}\-]*";

lazy_regex!(
    numbered_address_re,
    &format!(
        r"\b(?:(?:Flat|Apartment|Apt|Unit|Suite)\.?[ \t]+\d+[A-Za-z]?,?[ \t]+)?\d{{1,4}}[A-Za-z]?,?[ \t]+(?:{NAME_WORD}{SP}){{1,3}}{STREET}\b\.?"
    )
);
lazy_regex!(
    named_street_re,
    &format!(
        r"\b(?:{NAME_WORD}{SP}){{1,2}}(?:Street|Road|Avenue|Lane|Close|Drive|Crescent|Terrace|Grove|Gardens|Mews)\b"
    )
);

/// Street addresses: a house number and one to three capitalised words before a street type,
/// with an optional flat or unit (`12 Acacia Avenue`, `Flat 3, 45 High Street`) at 0.9; and a
/// street named without a number (`Acacia Avenue`) at 0.6, or 0.35 when every word is an
/// ordinary word (`High Street`, `Church Road`). `St` and `Dr` followed by a capitalised word
/// are a saint or a doctor, not a street.
pub fn addresses(text: &str) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for m in numbered_address_re().find_iter(text) {
        let mut end = m.end();
        let s = m.as_str().trim_end_matches('.');
        if s.ends_with(" St") || s.ends_with(" Dr") {
            if next_is_capitalised(&text[m.start() + s.len()..]) {
                continue;
            }
            end = m.start() + s.len();
        } else if m.as_str().ends_with('.') {
            end -= 1;
        }
        out.extend(candidate(text, m.start(), end, CandidateKind::Address, 0.9, None));
    }
    for m in named_street_re().find_iter(text) {
        if out.iter().any(|c| c.span.start().to_usize() <= m.start() && m.end() <= c.span.end().to_usize()) {
            continue;
        }
        let words: Vec<&str> = m.as_str().split_whitespace().collect();
        let name_words = &words[..words.len() - 1];
        if name_words.iter().any(|w| matches!(*w, "The" | "A" | "An" | "My" | "Our" | "This" | "That")) {
            continue;
        }
        let ordinary = name_words.iter().all(|w| is_english_word(w) && !is_listed_proper_noun(w));
        let confidence = if ordinary { 0.35 } else { 0.6 };
        out.extend(candidate(text, m.start(), m.end(), CandidateKind::Address, confidence, Some("[Street]")));
    }
    out
}

fn next_is_capitalised(rest: &str) -> bool {
    let t = rest.trim_start_matches([' ', '\t', '.']);
    t.starts_with(char::is_uppercase)
}

const ORG_SUFFIX: &str = r"(?:Medical[ \t]+Practice|Health[ \t]+Centre|Medical[ \t]+Centre|GP[ \t]+Practice|Family[ \t]+Practice|Group[ \t]+Practice|Surgery|Practice|Hospitals?|Infirmary|Clinic|Hospice|Deanery|VTS|GP[ \t]+Training[ \t]+Scheme|Training[ \t]+Scheme|Training[ \t]+Programme|NHS[ \t]+Foundation[ \t]+Trust|NHS[ \t]+Trust|Foundation[ \t]+Trust|Primary[ \t]+Care[ \t]+Network|PCN|Partnership|Medical[ \t]+School|University)";

lazy_regex!(
    org_re,
    &format!(
        r"\b((?:St\.?|Saint)[ \t]+)?{NAME_WORD}(?:{SP}(?:(?:of|and|&|the|upon|on|in|le|St\.?){SP})?{NAME_WORD}){{0,4}}{SP}{ORG_SUFFIX}\b"
    )
);

/// Leading words that are not part of an organisation's name.
const LEADING: &[&str] = &[
    "The", "A", "An", "My", "Our", "Your", "Their", "His", "Her", "At", "In", "From", "To", "And", "This", "That",
    "Both", "Each", "Every", "Whole", "Main", "Local", "Same", "Other", "Own", "Big", "Small", "So", "But", "Then",
    "When", "We", "I", "They", "She", "He", "It", "Yeah", "Well", "Like", "Um", "Erm",
];

/// Words that describe rather than name ("the General Hospital", "a GP Practice").
const GENERIC: &[&str] = &[
    "general",
    "district",
    "community",
    "teaching",
    "local",
    "royal",
    "university",
    "city",
    "county",
    "children's",
    "women's",
    "mental",
    "psychiatric",
    "private",
    "main",
    "medical",
    "health",
    "gp",
    "training",
    "nhs",
    "specialist",
    "rural",
    "urban",
    "inner",
    "new",
    "old",
    "big",
    "small",
    "large",
    "family",
    "group",
    "primary",
    "care",
    "dental",
    "single-handed",
    "partnership",
    "acute",
    "cottage",
    "hospital",
    "practice",
    "surgery",
    "balint",
    "foundation",
    "trust",
    "and",
    "&",
    "of",
    "the",
    "st",
    "saint",
];

/// Organisation names: capitalised words before a suffix such as `Medical Practice`,
/// `Health Centre`, `Hospital`, `Surgery`, `Medical Centre`, `GP Practice`, `Deanery`, `VTS`,
/// `Training Scheme`, `NHS Trust` (`Riverside Medical Practice`, `St Mary's Hospital`, `Leeds
/// General Infirmary`, `the Northern Deanery`). Leading articles and sentence words are dropped;
/// names made only of describing words (`General Practice`, `the District General Hospital`)
/// are skipped. Confidence 0.9 with a word the word list does not know, else 0.8.
pub fn organisations(text: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(m) = org_re().find_at(text, pos) {
        // "St Mary's Hospital and Leeds General Infirmary" are two names.
        let mut end = m.end();
        for (i, _) in m.as_str().match_indices([' ', '\t', '\n']) {
            let rest = m.as_str()[i..].trim_start();
            if (rest.starts_with("and ") || rest.starts_with("& ")) && classify(&m.as_str()[..i]).is_some() {
                end = m.start() + i;
                break;
            }
        }
        pos = end;
        let m = &text[m.start()..end];
        let m_start = end - m.len();
        let mut start = m_start;
        // Drop leading articles and the like.
        loop {
            let rest = &text[start..end];
            let word_len = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            let word = &rest[..word_len];
            if word_len < rest.len() && LEADING.contains(&word) {
                start += word_len;
                start += text[start..].len() - text[start..].trim_start().len();
            } else {
                break;
            }
        }
        let s = &text[start..end];
        let suffix_kind = classify(s);
        let Some(kind) = suffix_kind else { continue };
        let words: Vec<String> = s.split_whitespace().map(|w| w.to_lowercase().replace('\u{2019}', "'")).collect();
        if words.iter().all(|w| GENERIC.contains(&w.as_str())) {
            continue;
        }
        let unknown =
            s.split_whitespace().any(|w| !is_english_word(w) && !GENERIC.contains(&w.to_lowercase().as_str()));
        let confidence = if unknown { 0.9 } else { 0.8 };
        out.extend(candidate(text, start, end, CandidateKind::Organisation(kind), confidence, None));
    }
    out
}

fn classify(name: &str) -> Option<OrganisationKind> {
    let n: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let ends = |s: &str| n.ends_with(s);
    Some(if ends("Hospital") || ends("Hospitals") || ends("Infirmary") {
        OrganisationKind::Hospital
    } else if ends("Health Centre") {
        OrganisationKind::HealthCentre
    } else if ends("Practice") || ends("Surgery") || ends("Medical Centre") || ends("Partnership") {
        OrganisationKind::Practice
    } else if ends("Deanery") {
        OrganisationKind::Deanery
    } else if ends("VTS") || ends("Training Scheme") || ends("Training Programme") {
        OrganisationKind::TrainingScheme
    } else if ends("University") || ends("Medical School") {
        OrganisationKind::University
    } else if ends("Trust") || ends("Clinic") || ends("Hospice") || ends("PCN") || ends("Primary Care Network") {
        OrganisationKind::Unspecified
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(found: Vec<Candidate>) -> Vec<String> {
        super::super::resolve_overlaps(found).into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn street_addresses() {
        let text = "She lives at 12 Acacia Avenue, and I had Flat 3, 45 High Street. Also 7b Mill Lane.";
        assert_eq!(texts(addresses(text)), ["12 Acacia Avenue", "Flat 3, 45 High Street", "7b Mill Lane"]);
        let named = addresses("round the corner on Okafor Road");
        assert_eq!(texts(named.clone()), ["Okafor Road"]);
    }

    #[test]
    fn not_addresses() {
        let text = "I saw 3 Dr Smith patients; 2 St Mary's nurses; 10 Minutes Walk; the High Street";
        let found: Vec<Candidate> = addresses(text).into_iter().filter(|c| c.confidence >= 0.5).collect();
        assert_eq!(texts(found), ["10 Minutes Walk"], "a known weakness: any capitalised words before a street type");
    }

    #[test]
    fn organisations_by_suffix() {
        let text = "I was at Riverside Medical Practice, then St Mary's Hospital and Leeds General Infirmary. \
                    The Northern Deanery ran the Harrogate VTS. Okafor Health Centre. The Surgery was fine.";
        let found = organisations(text);
        let kinds: Vec<CandidateKind> = found.iter().map(|c| c.kind).collect();
        assert_eq!(
            texts(found),
            [
                "Riverside Medical Practice",
                "St Mary's Hospital",
                "Leeds General Infirmary",
                "Northern Deanery",
                "Harrogate VTS",
                "Okafor Health Centre"
            ]
        );
        assert_eq!(kinds[0], CandidateKind::Organisation(OrganisationKind::Practice));
        assert_eq!(kinds[1], CandidateKind::Organisation(OrganisationKind::Hospital));
        assert_eq!(kinds[5], CandidateKind::Organisation(OrganisationKind::HealthCentre));
    }

    #[test]
    fn generic_organisation_words_are_not_names() {
        let text = "General Practice is hard. The District General Hospital. My GP Practice. A Balint Group Practice.";
        assert!(organisations(text).is_empty(), "{:?}", texts(organisations(text)));
    }
}
