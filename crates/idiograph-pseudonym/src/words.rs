//! The packaged word lists (SCOWL via Debian `wbritish`, see `data/README.md`) and the small
//! hand-made lists of capitalised words that identify nobody.

use std::collections::HashSet;
use std::sync::OnceLock;

static ENGLISH: &str = include_str!("../data/english-words.txt");
static PROPER: &str = include_str!("../data/proper-nouns.txt");

fn english() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| ENGLISH.lines().collect())
}

fn proper() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| PROPER.lines().collect())
}

/// Lower-cases a word and writes apostrophes the way the lists do.
fn fold(word: &str) -> String {
    word.chars().map(|c| if is_apostrophe(c) { '\'' } else { c }).flat_map(char::to_lowercase).collect()
}

/// Whether `c` is one of the apostrophes transcripts use.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}')
}

/// Whether the lower-case form of `word` is an ordinary English word (from the packaged SCOWL
/// list), so a capitalised occurrence may be an ordinary word at a sentence start.
///
/// A hyphenated word counts when every part does ("Half-day"). Case and apostrophe style do not
/// matter.
///
/// ```
/// use idiograph_pseudonym::is_english_word;
/// assert!(is_english_word("Reading"));
/// assert!(is_english_word("don’t"));
/// assert!(!is_english_word("Okafor"));
/// ```
pub fn is_english_word(word: &str) -> bool {
    let folded = fold(word);
    if folded.is_empty() {
        return false;
    }
    if english().contains(folded.as_str()) || FILLERS.contains(&folded.as_str()) {
        return true;
    }
    folded.contains('-') && folded.split('-').all(|p| !p.is_empty() && (english().contains(p) || FILLERS.contains(&p)))
}

/// Whether `word`, as written, is a capitalised entry of the packaged SCOWL list: a common US
/// given name or surname, a country, city, nationality or brand.
///
/// ```
/// use idiograph_pseudonym::is_listed_proper_noun;
/// assert!(is_listed_proper_noun("Smith"));
/// assert!(is_listed_proper_noun("Leeds"));
/// assert!(!is_listed_proper_noun("Okafor"));
/// ```
pub fn is_listed_proper_noun(word: &str) -> bool {
    let w: String = word.chars().map(|c| if is_apostrophe(c) { '\'' } else { c }).collect();
    proper().contains(w.as_str())
}

/// Whether a capitalised word identifies nobody: days, months, nationalities, languages, faiths,
/// festivals, the words of NHS training and of talk (`Mm`, `Yeah`), and apps.
pub fn is_non_identifying_capital(word: &str) -> bool {
    let folded = fold(word);
    let folded = folded.trim_end_matches("'s");
    let listed = |w: &str| NON_IDENTIFYING.contains(&w) || FILLERS.contains(&w) || MONTHS.contains(&w);
    // Plurals of days and the like: "Mondays", "GPs".
    listed(folded) || folded.strip_suffix('s').is_some_and(|w| w.len() > 2 && listed(w))
}

/// Month names (lower case), with the abbreviations dates use.
pub(crate) const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// Month names that are also given names.
pub(crate) const NAME_MONTHS: &[&str] = &["april", "may", "june", "august"];

/// Talk that transcripts write but dictionaries lack.
const FILLERS: &[&str] = &[
    "um", "umm", "erm", "er", "err", "uh", "uhm", "mm", "mmm", "mhm", "mm-hmm", "mm-hm", "hmm", "hm", "uh-huh", "yeah",
    "yep", "yup", "nah", "ok", "okay", "oh", "ah", "aha", "eh", "ooh", "wow", "gonna", "wanna", "gotta", "kinda",
    "sorta", "dunno", "cos", "coz", "'cause", "y'know", "innit", "ya", "i'm", "i'd", "i'll", "i've",
];

/// Capitalised words that name no person, place or organisation a reader could trace.
const NON_IDENTIFYING: &[&str] = &[
    // days and times
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "christmas",
    "easter",
    "ramadan",
    "boxing",
    "whitsun",
    "lent",
    "advent",
    "passover",
    "eid",
    "diwali",
    "hanukkah",
    "halloween",
    "hallowe'en",
    "xmas",
    "new",
    // people-words written with a capital
    "i",
    "mum",
    "mummy",
    "dad",
    "daddy",
    "nan",
    "nana",
    "gran",
    "granny",
    "grandma",
    "grandad",
    "grandpa",
    "god",
    "lord",
    "jesus",
    "allah",
    "sir",
    "madam",
    // nationalities, languages, faiths, regions of the world
    "english",
    "british",
    "scottish",
    "welsh",
    "irish",
    "northern",
    "european",
    "american",
    "african",
    "asian",
    "indian",
    "pakistani",
    "bangladeshi",
    "chinese",
    "polish",
    "romanian",
    "nigerian",
    "ghanaian",
    "somali",
    "caribbean",
    "jamaican",
    "french",
    "german",
    "spanish",
    "italian",
    "portuguese",
    "greek",
    "turkish",
    "arabic",
    "arab",
    "urdu",
    "punjabi",
    "hindi",
    "bengali",
    "gujarati",
    "tamil",
    "sikh",
    "hindu",
    "muslim",
    "islamic",
    "christian",
    "catholic",
    "protestant",
    "jewish",
    "buddhist",
    "anglican",
    "western",
    "eastern",
    "southern",
    "uk",
    "britain",
    "england",
    "scotland",
    "wales",
    "ireland",
    "europe",
    "africa",
    "asia",
    "america",
    "india",
    "pakistan",
    "london",
    "filipino",
    "russian",
    "ukrainian",
    "australian",
    "canadian",
    // medicine and GP training
    "nhs",
    "gp",
    "gps",
    "balint",
    "ccg",
    "icb",
    "ics",
    "pcn",
    "rcgp",
    "mrcgp",
    "akt",
    "csa",
    "sca",
    "rca",
    "wpba",
    "ese",
    "cbd",
    "cot",
    "arcp",
    "eportfolio",
    "fourteenfish",
    "gmc",
    "bma",
    "hee",
    "hei",
    "vts",
    "st1",
    "st2",
    "st3",
    "fy1",
    "fy2",
    "f1",
    "f2",
    "ooh",
    "a&e",
    "ed",
    "icu",
    "itu",
    "ent",
    "obs",
    "gynae",
    "paeds",
    "psych",
    "cpd",
    "mdt",
    "sbar",
    "qof",
    "covid",
    "covid-19",
    "coronavirus",
    "corona",
    "lockdown",
    "ppe",
    "dr",
    "doctor",
    "trainee",
    "trainer",
    "registrar",
    "consultant",
    "foundation",
    "programme",
    "deanery",
    "hospital",
    "practice",
    "surgery",
    "interviewer",
    "interviewee",
    "participant",
    "respondent",
    "speaker",
    "moderator",
    "facilitator",
    "researcher",
    "leader",
    "group",
    "groups",
    "case",
    "cases",
    "inaudible",
    "crosstalk",
    "laughs",
    "laughter",
    "pause",
    "unclear",
    "sighs",
    // specialties and rotations ("an F2 in Psychiatry")
    "medicine",
    "psychiatry",
    "paediatrics",
    "pediatrics",
    "obstetrics",
    "gynaecology",
    "dermatology",
    "cardiology",
    "oncology",
    "geriatrics",
    "orthopaedics",
    "radiology",
    "anaesthetics",
    "neurology",
    "urology",
    "rheumatology",
    "haematology",
    "gastroenterology",
    "respiratory",
    "endocrinology",
    "nephrology",
    "ophthalmology",
    "emergency",
    "palliative",
    "elderly",
    "acute",
    "general",
    "surgical",
    "medical",
    "mental",
    "health",
    "care",
    "primary",
    "secondary",
    "community",
    "public",
    "sexual",
    "renal",
    "stroke",
    "neonates",
    "neonatal",
    "microbiology",
    "pathology",
    "histopathology",
    "psychology",
    "psychotherapy",
    "counselling",
    "black",
    "white",
    // software
    "zoom",
    "teams",
    "microsoft",
    "google",
    "whatsapp",
    "facebook",
    "twitter",
    "instagram",
    "youtube",
    "internet",
    "email",
    "skype",
    "word",
    "excel",
    "powerpoint",
    "iphone",
    "android",
    "netflix",
    "amazon",
    "tiktok",
    "linkedin",
    "emis",
    "systmone",
    "vision",
];

/// Roles used as speaker labels that identify nobody ("Interviewer", "P2", "Speaker 1").
pub(crate) fn is_generic_speaker_label(label: &str) -> bool {
    let l = label.trim().trim_end_matches(':').trim().to_lowercase();
    let base = l.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '-' || c == '_');
    matches!(
        base,
        "" | "i"
            | "int"
            | "interviewer"
            | "interviewee"
            | "p"
            | "participant"
            | "r"
            | "respondent"
            | "speaker"
            | "moderator"
            | "facilitator"
            | "researcher"
            | "res"
            | "q"
            | "a"
            | "unknown speaker"
            | "unknown"
            | "note"
            | "transcriber"
            | "transcriber's note"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_load_and_fold_case_and_apostrophes() {
        assert!(is_english_word("the"));
        assert!(is_english_word("THE"));
        assert!(is_english_word("Mm-hmm"));
        assert!(is_english_word("half-day"));
        assert!(!is_english_word("Siobhan"));
        assert!(!is_english_word(""));
        assert!(is_listed_proper_noun("O’Brien"));
        assert!(is_non_identifying_capital("Monday"));
        assert!(is_non_identifying_capital("NHS"));
        assert!(!is_non_identifying_capital("Priya"));
    }

    #[test]
    fn generic_labels_are_recognised() {
        for l in ["Interviewer", "P1", "Speaker 2", "INT", "R:"] {
            assert!(is_generic_speaker_label(l), "{l}");
        }
        for l in ["Olivia", "Anna Smith", "Dr Jones"] {
            assert!(!is_generic_speaker_label(l), "{l}");
        }
    }
}
