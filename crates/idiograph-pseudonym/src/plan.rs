//! Redaction plans: the replacements to make, checked, and turned into text edits.

use std::collections::BTreeMap;
use std::fmt;

use idiograph_text::{apply_edits, Edit, EditError, EditMap, Span, SpanError, TextSize};

use crate::detect::{Candidate, CandidateKind};
use crate::known::{IdentifierKind, KnownIdentifier, KnownMatch};
use crate::REDACTED;

/// Where a replacement came from, which gives its category for the de-identification log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReplacementKind {
    /// An occurrence of a known identifier.
    Known(IdentifierKind),
    /// An accepted automatic candidate.
    Detected(CandidateKind),
}

impl ReplacementKind {
    /// The category, as its bracketed label (`[Patient]`, `[Email]`).
    pub fn label(self) -> &'static str {
        match self {
            ReplacementKind::Known(k) => k.label(),
            ReplacementKind::Detected(k) => k.label(),
        }
    }
}

/// One replacement: the text at `span` becomes `replacement`.
#[derive(Clone, PartialEq, Eq)]
pub struct Replacement {
    /// What is replaced.
    pub span: Span,
    /// What replaces it.
    pub replacement: String,
    /// Its category.
    pub kind: ReplacementKind,
    original: String,
}

impl Replacement {
    /// A replacement of `span` in `text`, remembering the original words (for the key store).
    pub fn new(
        text: &str,
        span: Span,
        replacement: impl Into<String>,
        kind: ReplacementKind,
    ) -> Result<Replacement, PlanError> {
        let (s, e) = (span.start().to_usize(), span.end().to_usize());
        Span::new(text, s, e).map_err(PlanError::Span)?;
        Ok(Replacement { span, replacement: replacement.into(), kind, original: text[s..e].to_owned() })
    }

    /// The original words (identifying: keep them only in the key store).
    pub fn original(&self) -> &str {
        &self.original
    }
}

impl fmt::Debug for Replacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replacement")
            .field("span", &self.span)
            .field("replacement", &self.replacement)
            .field("kind", &self.kind)
            .field("original", &format_args!("{REDACTED}"))
            .finish()
    }
}

/// Why a plan is not valid on a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// A span is not valid on the text.
    Span(SpanError),
    /// Two replacements overlap.
    Overlap {
        /// Where the second one starts.
        at: usize,
    },
    /// A replacement was made on another text: its original words are not at its span.
    NotThisText {
        /// Where it starts.
        at: usize,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Span(e) => write!(f, "replacement span: {e}"),
            PlanError::Overlap { at } => write!(f, "two replacements overlap at byte {at}"),
            PlanError::NotThisText { at } => write!(f, "the replacement at byte {at} was planned on another text"),
        }
    }
}

impl std::error::Error for PlanError {}

impl From<EditError> for PlanError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::Span(s) => PlanError::Span(s),
            EditError::Overlap { at } => PlanError::Overlap { at },
        }
    }
}

/// A checked set of replacements for one text: sorted, non-overlapping, on char boundaries.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RedactionPlan {
    replacements: Vec<Replacement>,
}

impl RedactionPlan {
    /// Checks `replacements` against `text`: valid spans, no overlaps, and each one's original
    /// words still at its span.
    pub fn new(text: &str, mut replacements: Vec<Replacement>) -> Result<RedactionPlan, PlanError> {
        replacements.sort_by_key(|r| (r.span.start(), r.span.end()));
        let mut cursor = 0usize;
        for r in &replacements {
            let (s, e) = (r.span.start().to_usize(), r.span.end().to_usize());
            Span::new(text, s, e).map_err(PlanError::Span)?;
            if s < cursor {
                return Err(PlanError::Overlap { at: s });
            }
            if text[s..e] != r.original {
                return Err(PlanError::NotThisText { at: s });
            }
            cursor = e;
        }
        Ok(RedactionPlan { replacements })
    }

    /// The replacements, by position.
    pub fn replacements(&self) -> &[Replacement] {
        &self.replacements
    }

    /// How many replacements.
    pub fn len(&self) -> usize {
        self.replacements.len()
    }

    /// Whether nothing is replaced.
    pub fn is_empty(&self) -> bool {
        self.replacements.is_empty()
    }

    /// The edits for [`idiograph_text::apply_edits`].
    pub fn to_edits(&self) -> Vec<Edit> {
        self.replacements.iter().map(|r| Edit { span: r.span, with: r.replacement.clone() }).collect()
    }

    /// Applies the plan: the new text and the exact offset map for carrying anchors over.
    pub fn apply(&self, text: &str) -> Result<(String, EditMap), PlanError> {
        Ok(apply_edits(text, &self.to_edits())?)
    }

    /// Counts by category label, for the de-identification log (no real values).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.replacements {
            *counts.entry(r.kind.label()).or_insert(0) += 1;
        }
        counts
    }
}

/// Collects replacements from known matches and accepted candidates, resolving overlaps.
///
/// Overlapping replacements (say an accepted address that contains a known town, or two
/// candidates that share a word) are merged into one over the union of their spans, so no
/// part of either survives; the longest contributes its replacement and kind, a known
/// identifier winning a tie, then the earlier one.
#[derive(Debug)]
pub struct PlanBuilder<'t> {
    text: &'t str,
    items: Vec<(Span, String, ReplacementKind, u8)>,
    invalid: Option<PlanError>,
}

impl<'t> PlanBuilder<'t> {
    /// An empty plan for `text`.
    pub fn new(text: &'t str) -> PlanBuilder<'t> {
        PlanBuilder { text, items: Vec::new(), invalid: None }
    }

    fn push(&mut self, span: Span, replacement: String, kind: ReplacementKind, priority: u8) {
        let (s, e) = (span.start().to_usize(), span.end().to_usize());
        if let Err(err) = Span::new(self.text, s, e) {
            self.invalid.get_or_insert(PlanError::Span(err));
            return;
        }
        if span.is_empty() {
            return;
        }
        self.items.push((span, replacement, kind, priority));
    }

    /// Adds every known match (`known` is the list the matcher was built from).
    pub fn known(&mut self, matches: &[KnownMatch], known: &[KnownIdentifier]) -> &mut Self {
        for m in matches {
            let kind = known.get(m.identifier).map_or(IdentifierKind::Other, |k| k.kind);
            self.push(m.span, m.replacement.clone(), ReplacementKind::Known(kind), 0);
        }
        self
    }

    /// Adds an accepted candidate with the reviewer's replacement, or its default one.
    pub fn candidate(&mut self, candidate: &Candidate, replacement: Option<&str>) -> &mut Self {
        let with = replacement.unwrap_or(candidate.default_replacement()).to_owned();
        self.push(candidate.span, with, ReplacementKind::Detected(candidate.kind), 1);
        self
    }

    /// Adds accepted candidates with their default replacements.
    pub fn candidates(&mut self, candidates: &[Candidate]) -> &mut Self {
        for c in candidates {
            self.candidate(c, None);
        }
        self
    }

    /// Adds any replacement.
    pub fn replacement(&mut self, span: Span, replacement: impl Into<String>, kind: ReplacementKind) -> &mut Self {
        self.push(span, replacement.into(), kind, 2);
        self
    }

    /// The plan.
    pub fn build(&self) -> Result<RedactionPlan, PlanError> {
        if let Some(e) = &self.invalid {
            return Err(e.clone());
        }
        let mut items = self.items.clone();
        items.sort_by_key(|(span, _, _, _)| (span.start(), span.end()));
        let mut groups: Vec<Vec<(Span, String, ReplacementKind, u8)>> = Vec::new();
        let mut group_end = TextSize::new(0);
        for item in items {
            match groups.last_mut() {
                Some(g) if item.0.start() < group_end => {
                    group_end = group_end.max(item.0.end());
                    g.push(item);
                }
                _ => {
                    group_end = item.0.end();
                    groups.push(vec![item]);
                }
            }
        }
        let mut replacements = Vec::with_capacity(groups.len());
        for group in groups {
            if let Some(known) = known_only(&group) {
                // Known identifiers win over names detected around them ("Mrs Agnes Whyte" with
                // "Agnes Whyte" known is "Mrs [Patient]"): the rest of the name stays as written.
                for item in known {
                    replacements.push(Replacement::new(self.text, item.0, item.1.clone(), item.2)?);
                }
                continue;
            }
            let start = group.iter().map(|i| i.0.start()).min().expect("non-empty group");
            let end = group.iter().map(|i| i.0.end()).max().expect("non-empty group");
            let winner = group
                .iter()
                .min_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.3.cmp(&b.3)).then(a.0.start().cmp(&b.0.start())))
                .expect("non-empty group");
            let span = Span::from_bounds(start, end);
            replacements.push(Replacement::new(self.text, span, winner.1.clone(), winner.2)?);
        }
        RedactionPlan::new(self.text, replacements)
    }
}

/// The known items of a group when every other item is a detected name and the known ones do
/// not overlap each other; `None` when the group is to be merged whole (an email or address made
/// of a known name is replaced whole, so nothing of it is left).
fn known_only(group: &[(Span, String, ReplacementKind, u8)]) -> Option<Vec<&(Span, String, ReplacementKind, u8)>> {
    let known: Vec<_> = group.iter().filter(|i| matches!(i.2, ReplacementKind::Known(_))).collect();
    let names_only = group.iter().all(|i| match i.2 {
        ReplacementKind::Known(_) => true,
        ReplacementKind::Detected(k) => k.is_name(),
    });
    let apart = known.windows(2).all(|w| w[0].0.end() <= w[1].0.start());
    (!known.is_empty() && names_only && apart && known.len() < group.len()).then_some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::known::{KnownMatcher, MatchOptions, PersonRole, PlaceKind};

    #[test]
    fn overlapping_items_merge_into_their_union() {
        let text = "at 12 Acacia Avenue, Reading RG1 1AA";
        let known = vec![KnownIdentifier::new("Acacia", "[Street]", IdentifierKind::Place(PlaceKind::Street))];
        let matches = KnownMatcher::new(&known, &MatchOptions::default()).unwrap().find(text);
        let address = crate::detect::addresses(text);
        let mut b = PlanBuilder::new(text);
        b.known(&matches, &known).candidates(&address);
        let plan = b.build().unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan.apply(text).unwrap().0, "at [Address], Reading RG1 1AA");
        assert_eq!(plan.counts().get("[Address]"), Some(&1));
    }

    #[test]
    fn new_refuses_overlaps_and_foreign_replacements() {
        let text = "Anna Smith";
        let a =
            Replacement::new(text, Span::new(text, 0, 4).unwrap(), "X", ReplacementKind::Known(IdentifierKind::Other))
                .unwrap();
        let b =
            Replacement::new(text, Span::new(text, 2, 10).unwrap(), "Y", ReplacementKind::Known(IdentifierKind::Other))
                .unwrap();
        assert_eq!(RedactionPlan::new(text, vec![a.clone(), b]), Err(PlanError::Overlap { at: 2 }));
        assert_eq!(RedactionPlan::new("Bob Smith", vec![a]), Err(PlanError::NotThisText { at: 0 }));
        assert!(Replacement::new(
            "é",
            Span::from_bounds(0.into(), 1.into()),
            "",
            ReplacementKind::Known(IdentifierKind::Other)
        )
        .is_err());
    }

    #[test]
    fn anchors_move_with_their_words() {
        let text = "Anna said: Anna’s trainer was kind.";
        let known =
            vec![KnownIdentifier::new("Anna Smith", "Olivia Jones", IdentifierKind::Person(PersonRole::Participant))];
        let matches = KnownMatcher::new(&known, &MatchOptions::default()).unwrap().find(text);
        let mut b = PlanBuilder::new(text);
        b.known(&matches, &known);
        let plan = b.build().unwrap();
        let (new, map) = plan.apply(text).unwrap();
        assert_eq!(new, "Olivia said: Olivia’s trainer was kind.");
        let s = text.find("trainer").unwrap();
        let anchor = Span::new(text, s, s + "trainer was kind".len()).unwrap();
        assert_eq!(map.map_span(anchor).slice(&new), "trainer was kind");
    }

    #[test]
    fn debug_is_redacted() {
        let r = Replacement::new(
            "Anna",
            Span::new("Anna", 0, 4).unwrap(),
            "X",
            ReplacementKind::Known(IdentifierKind::Other),
        )
        .unwrap();
        assert!(!format!("{r:?}").contains("Anna"));
    }
}
