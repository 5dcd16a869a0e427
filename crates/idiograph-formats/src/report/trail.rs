//! The analytic trail as a report appendix: per case, each PET's members with the move that
//! put them there (strategy, rationale, who, when) and the exploratory notes behind each
//! statement. The Word write-up and the audit report lay out the same rows.

/// The analytic trail of one case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTrailCase {
    /// Pseudonym of the participant.
    pub pseudonym: String,
    /// The case's PETs and the themes nested under them, in display order.
    pub themes: Vec<ReportTrailTheme>,
}

/// One PET (or a theme nested under one) with the moves of its members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTrailTheme {
    /// Theme title.
    pub title: String,
    /// Nesting depth: 0 for a top-level PET.
    pub depth: usize,
    /// Its members, in display order.
    pub members: Vec<ReportTrailMember>,
}

/// A member of a theme and the move that put it there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTrailMember {
    /// Short id, e.g. "S3".
    pub id: String,
    /// The statement (or the member theme's title).
    pub text: String,
    /// Page and lines of a statement, e.g. "p. 1, ll. 2–3"; empty when there are none.
    pub lines: String,
    /// The grouping strategy, e.g. "abstraction"; empty when none was given.
    pub strategy: String,
    /// Why, in the researcher's words; empty when none was given.
    pub rationale: String,
    /// Who made the move; empty when the audit log no longer tells.
    pub author: String,
    /// When the move was made, already formatted by the caller.
    pub at: String,
    /// The exploratory notes a statement was developed from.
    pub notes: Vec<ReportTrailNote>,
}

/// An exploratory note a statement was developed from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportTrailNote {
    /// Short id, e.g. "N4".
    pub id: String,
    /// Descriptive, linguistic, conceptual or free.
    pub kind: String,
    /// The note.
    pub text: String,
    /// Page and lines, e.g. "p. 1, l. 4".
    pub lines: String,
}

/// Column titles of a trail table, in the order of [`trail_cells`].
pub(super) const TRAIL_COLUMNS: [&str; 6] = ["Member", "Strategy", "Rationale", "Who", "When", "Source notes"];

/// The cells of one member's row, in the order of [`TRAIL_COLUMNS`]; "—" marks what was not
/// recorded, so an empty cell is never mistaken for a lost value.
pub(super) fn trail_cells(m: &ReportTrailMember) -> [String; 6] {
    let or_dash = |s: &str| if s.trim().is_empty() { "—".to_owned() } else { s.trim().to_owned() };
    let lines = if m.lines.trim().is_empty() { String::new() } else { format!(" ({})", m.lines.trim()) };
    let notes: Vec<String> = m
        .notes
        .iter()
        .map(|n| {
            let lines = if n.lines.trim().is_empty() { String::new() } else { format!(", {}", n.lines.trim()) };
            format!("{} ({}{lines}): {}", n.id, n.kind, n.text.trim())
        })
        .collect();
    [
        format!("{} {}{lines}", m.id, m.text.trim()),
        or_dash(&m.strategy),
        or_dash(&m.rationale),
        or_dash(&m.author),
        or_dash(&m.at),
        if notes.is_empty() { "—".to_owned() } else { notes.join("\n") },
    ]
}

/// The heading of the trail appendix.
pub(super) const TRAIL_HEADING: &str = "Appendix: analytic trail by participant";

/// What the trail appendix says before its tables.
pub(super) const TRAIL_INTRO: &str = "How each member came into its theme: the grouping strategy and rationale \
    recorded with the move, who made it and when, and the exploratory notes each statement was developed from.";
