//! Study settings: title, research question, terminology, recurrence rule, layout and how quotes
//! are printed.

use idiograph_text::LayoutParams;

crate::word_enum!(
    /// Which edition of Smith, Flowers & Larkin the study's labels follow.
    Terminology, "terminology", {
        /// 2009 wording: emergent themes, super-ordinate themes, master themes.
        Smith2009 => "2009",
        /// 2022 wording: experiential statements, PETs, GETs.
        Smith2022 => "2022",
    }
);

/// The analytic objects whose name depends on the terminology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// A statement anchored in the transcript.
    Statement,
    /// Statements (plural).
    Statements,
    /// A theme of one case.
    Pet,
    /// Themes of one case (plural).
    Pets,
    /// A theme across cases.
    Get,
    /// Themes across cases (plural).
    Gets,
}

impl Terminology {
    /// The label a user sees for `term`.
    pub fn label(self, term: Term) -> &'static str {
        use Term::*;
        match (self, term) {
            (Terminology::Smith2009, Statement) => "Emergent theme",
            (Terminology::Smith2009, Statements) => "Emergent themes",
            (Terminology::Smith2009, Pet) => "Super-ordinate theme",
            (Terminology::Smith2009, Pets) => "Super-ordinate themes",
            (Terminology::Smith2009, Get) => "Master theme",
            (Terminology::Smith2009, Gets) => "Master themes",
            (Terminology::Smith2022, Statement) => "Experiential statement",
            (Terminology::Smith2022, Statements) => "Experiential statements",
            (Terminology::Smith2022, Pet) => "Personal experiential theme",
            (Terminology::Smith2022, Pets) => "Personal experiential themes",
            (Terminology::Smith2022, Get) => "Group experiential theme",
            (Terminology::Smith2022, Gets) => "Group experiential themes",
        }
    }

    /// The short form used in table headers ("PET", "GET"), or the full label in 2009 wording.
    pub fn short_label(self, term: Term) -> &'static str {
        match (self, term) {
            (Terminology::Smith2022, Term::Pet) => "PET",
            (Terminology::Smith2022, Term::Pets) => "PETs",
            (Terminology::Smith2022, Term::Get) => "GET",
            (Terminology::Smith2022, Term::Gets) => "GETs",
            _ => self.label(term),
        }
    }
}

/// When a group theme counts as recurrent across the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceRule {
    /// At least `numerator/denominator` of the participants contribute (default: one half).
    Fraction {
        /// Numerator of the share.
        numerator: u32,
        /// Denominator of the share (never 0).
        denominator: u32,
    },
    /// At least this many participants contribute.
    AtLeast(u32),
}

impl Default for RecurrenceRule {
    fn default() -> Self {
        RecurrenceRule::Fraction { numerator: 1, denominator: 2 }
    }
}

impl RecurrenceRule {
    /// How many contributing participants satisfy the rule in a sample of `participants`.
    pub fn required(self, participants: usize) -> usize {
        match self {
            RecurrenceRule::Fraction { numerator, denominator } => {
                let n = participants as u64 * numerator as u64;
                n.div_ceil(denominator.max(1) as u64) as usize
            }
            RecurrenceRule::AtLeast(k) => k as usize,
        }
    }

    /// Whether `contributors` out of `participants` satisfy the rule.
    pub fn holds(self, contributors: usize, participants: usize) -> bool {
        contributors >= self.required(participants).max(1)
    }

    /// The rule in words, e.g. "at least half of the participants (2 of 3)".
    pub fn describe(self, participants: usize) -> String {
        let need = self.required(participants).max(1);
        match self {
            RecurrenceRule::Fraction { numerator: 1, denominator: 2 } => {
                format!("at least half of the participants ({need} of {participants})")
            }
            RecurrenceRule::Fraction { numerator, denominator } => {
                format!("at least {numerator}/{denominator} of the participants ({need} of {participants})")
            }
            RecurrenceRule::AtLeast(k) => format!("at least {k} participants ({need} of {participants})"),
        }
    }

    /// Stable text form: `half`, `fraction:2/3` or `at-least:2`.
    pub fn encode(self) -> String {
        match self {
            RecurrenceRule::Fraction { numerator: 1, denominator: 2 } => "half".to_owned(),
            RecurrenceRule::Fraction { numerator, denominator } => format!("fraction:{numerator}/{denominator}"),
            RecurrenceRule::AtLeast(k) => format!("at-least:{k}"),
        }
    }

    /// Reads the forms written by [`RecurrenceRule::encode`]; `2/3` and a plain count are accepted too.
    pub fn parse(text: &str) -> Result<RecurrenceRule, String> {
        let t = text.trim().to_ascii_lowercase();
        let bad = || format!("recurrence rule '{text}' is not one of: half, N/D (a share), N (a count)");
        if t == "half" {
            return Ok(RecurrenceRule::default());
        }
        let t = t.strip_prefix("fraction:").unwrap_or(&t);
        if let Some((n, d)) = t.split_once('/') {
            let n: u32 = n.trim().parse().map_err(|_| bad())?;
            let d: u32 = d.trim().parse().map_err(|_| bad())?;
            if d == 0 || n == 0 || n > d {
                return Err(bad());
            }
            return Ok(RecurrenceRule::Fraction { numerator: n, denominator: d });
        }
        let k = t.strip_prefix("at-least:").unwrap_or(t);
        match k.trim().parse::<u32>() {
            Ok(k) if k > 0 => Ok(RecurrenceRule::AtLeast(k)),
            _ => Err(bad()),
        }
    }
}

/// The settings of one study (one project).
#[derive(Debug, Clone, PartialEq)]
pub struct StudySettings {
    /// The study's title.
    pub title: String,
    /// The research question, if stated.
    pub research_question: Option<String>,
    /// Which wording labels follow.
    pub terminology: Terminology,
    /// When a group theme counts as recurrent.
    pub recurrence_rule: RecurrenceRule,
    /// Layout for transcript versions made from now on (existing versions keep theirs).
    pub layout: LayoutParams,
    /// What pseudonymisation does with the original text.
    pub originals: crate::OriginalsPolicy,
    /// The id of the key store that holds this study's known identifiers and originals, once
    /// one was made (the key store names the same id, so a wrong key file is recognised).
    pub key_id: Option<String>,
    /// What printed quotes do with fillers and pauses.
    pub fillers: crate::FillerPolicy,
}

impl StudySettings {
    /// Settings for a new study with the defaults (2022 wording, half the sample, 80×40 layout,
    /// quotes printed with their fillers).
    pub fn new(title: impl Into<String>) -> StudySettings {
        StudySettings {
            title: title.into(),
            research_question: None,
            terminology: Terminology::Smith2022,
            recurrence_rule: RecurrenceRule::default(),
            layout: LayoutParams::default(),
            originals: crate::OriginalsPolicy::KeyStore,
            key_id: None,
            fillers: crate::FillerPolicy::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_of_three_needs_two() {
        let r = RecurrenceRule::default();
        assert_eq!(r.required(3), 2);
        assert!(!r.holds(1, 3));
        assert!(r.holds(2, 3));
        assert_eq!(r.describe(3), "at least half of the participants (2 of 3)");
    }

    #[test]
    fn rules_round_trip_through_text() {
        for rule in [
            RecurrenceRule::default(),
            RecurrenceRule::Fraction { numerator: 2, denominator: 3 },
            RecurrenceRule::AtLeast(2),
        ] {
            assert_eq!(RecurrenceRule::parse(&rule.encode()).unwrap(), rule);
        }
        assert!(RecurrenceRule::parse("0/3").is_err());
        assert!(RecurrenceRule::parse("most").is_err());
    }
}
