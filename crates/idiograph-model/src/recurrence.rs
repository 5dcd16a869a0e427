//! Recurrence of group themes across participants: who contributes, how much, and the rule check.

use std::collections::{HashMap, HashSet};

use crate::{Assignment, ExperientialStatement, Extract, Member, ObjectId, RecurrenceRule, Theme};

/// One participant's contribution to one group theme.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecurrenceCell {
    /// The participant's PETs assigned to the theme or its sub-themes.
    pub pets: Vec<ObjectId>,
    /// Statements of those PETs (and of their sub-themes).
    pub statements: usize,
    /// Extracts of this participant chosen for the theme or its sub-themes.
    pub extracts: usize,
}

impl RecurrenceCell {
    /// Whether the participant contributes at all.
    pub fn present(&self) -> bool {
        !self.pets.is_empty() || self.extracts > 0
    }
}

/// A row of the matrix: one group theme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrenceRow {
    /// The group theme.
    pub theme_id: ObjectId,
    /// 0 for a top-level GET, 1 for its sub-themes, and so on.
    pub depth: usize,
    /// One cell per participant, in the order of [`Recurrence::participants`].
    pub cells: Vec<RecurrenceCell>,
    /// How many participants contribute.
    pub contributors: usize,
    /// Whether the study's recurrence rule holds.
    pub meets_rule: bool,
}

/// The theme × participant recurrence matrix of a study.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// Column order.
    pub participants: Vec<ObjectId>,
    /// Group themes, each top-level GET followed by its sub-themes (depth first, by position).
    pub rows: Vec<RecurrenceRow>,
    /// How many contributors the rule requires.
    pub required: usize,
}

impl Recurrence {
    /// Builds the matrix from the study's objects.
    pub fn compute(
        participants: &[ObjectId],
        themes: &[Theme],
        assignments: &[Assignment],
        statements: &[ExperientialStatement],
        extracts: &[Extract],
        rule: RecurrenceRule,
    ) -> Recurrence {
        let by_id: HashMap<&ObjectId, &Theme> = themes.iter().map(|t| (&t.id, t)).collect();
        let mut children: HashMap<Option<&ObjectId>, Vec<&Theme>> = HashMap::new();
        for t in themes {
            children.entry(t.parent.as_ref()).or_default().push(t);
        }
        for list in children.values_mut() {
            list.sort_by_key(|t| (t.position, t.short));
        }
        let statement_participant: HashMap<&ObjectId, &ObjectId> =
            statements.iter().map(|s| (&s.id, &s.participant_id)).collect();
        // Statements counted per PET include those of the PET's sub-themes.
        let mut pet_statements: HashMap<&ObjectId, usize> = HashMap::new();
        let mut get_pets: HashMap<&ObjectId, Vec<&ObjectId>> = HashMap::new();
        for a in assignments {
            match &a.member {
                Member::Statement(s) if statement_participant.contains_key(s) => {
                    *pet_statements.entry(&a.theme_id).or_default() += 1;
                }
                Member::Theme(pet) if by_id.contains_key(pet) => get_pets.entry(&a.theme_id).or_default().push(pet),
                _ => {}
            }
        }
        let column: HashMap<&ObjectId, usize> = participants.iter().enumerate().map(|(i, p)| (p, i)).collect();
        let required = rule.required(participants.len()).max(1);

        let mut rows = Vec::new();
        let mut order: Vec<(&Theme, usize)> = Vec::new();
        let mut stack: Vec<(&Theme, usize)> = children
            .get(&None)
            .map(|v| v.iter().rev().filter(|t| t.is_group()).map(|t| (*t, 0)).collect())
            .unwrap_or_default();
        while let Some((t, depth)) = stack.pop() {
            order.push((t, depth));
            if let Some(kids) = children.get(&Some(&t.id)) {
                stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
            }
        }
        for (theme, depth) in order {
            let mut cells = vec![RecurrenceCell::default(); participants.len()];
            let subtree = descendants(&children, &theme.id);
            for get in &subtree {
                for pet in get_pets.get(get).into_iter().flatten() {
                    let Some(pet_theme) = by_id.get(pet) else { continue };
                    let Some(col) = pet_theme.participant_id().and_then(|p| column.get(p)) else { continue };
                    let cell = &mut cells[*col];
                    if !cell.pets.contains(pet) {
                        cell.pets.push((*pet).clone());
                        cell.statements += descendants(&children, pet)
                            .iter()
                            .map(|p| pet_statements.get(p).copied().unwrap_or(0))
                            .sum::<usize>();
                    }
                }
            }
            let subtree: HashSet<&ObjectId> = subtree.into_iter().collect();
            for x in extracts.iter().filter(|x| subtree.contains(&x.theme_id)) {
                if let Some(col) = column.get(&x.participant_id) {
                    cells[*col].extracts += 1;
                }
            }
            let contributors = cells.iter().filter(|c| c.present()).count();
            rows.push(RecurrenceRow {
                theme_id: theme.id.clone(),
                depth,
                contributors,
                meets_rule: contributors >= required,
                cells,
            });
        }
        Recurrence { participants: participants.to_vec(), rows, required }
    }
}

/// The theme `root` and all its sub-themes, depth first.
fn descendants<'a>(children: &HashMap<Option<&'a ObjectId>, Vec<&'a Theme>>, root: &'a ObjectId) -> Vec<&'a ObjectId> {
    let mut out = vec![];
    let mut stack = vec![root];
    let mut seen = HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        out.push(id);
        if let Some(kids) = children.get(&Some(id)) {
            stack.extend(kids.iter().map(|t| &t.id));
        }
    }
    out
}
