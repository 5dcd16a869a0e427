//! Themes of a case (PETs) and of the group (GETs), and the assignments that cluster them.

use crate::ObjectId;

/// Whether a theme belongs to one case or to the group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThemeScope {
    /// A personal experiential theme of this participant.
    Case(ObjectId),
    /// A group experiential theme across cases.
    Group,
}

/// A theme: a PET (case scope) or a GET (group scope), possibly a sub-theme of another.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `TH1`.
    pub short: u32,
    /// Case or group.
    pub scope: ThemeScope,
    /// The theme this one is a sub-theme of.
    pub parent: Option<ObjectId>,
    /// The title.
    pub title: String,
    /// An optional description.
    pub description: Option<String>,
    /// Order among its siblings (ascending).
    pub position: i64,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// For a group theme: how the cases converge and diverge on it, in the researcher's words.
    pub note: Option<String>,
}

impl Theme {
    /// The participant of a PET, `None` for a GET.
    pub fn participant_id(&self) -> Option<&ObjectId> {
        match &self.scope {
            ThemeScope::Case(p) => Some(p),
            ThemeScope::Group => None,
        }
    }

    /// Whether this is a group theme.
    pub fn is_group(&self) -> bool {
        self.scope == ThemeScope::Group
    }
}

crate::word_enum!(
    /// The clustering strategies of Smith, Flowers & Larkin for grouping statements and themes.
    GroupingStrategy, "grouping strategy", {
        /// Putting like with like and naming the cluster.
        Abstraction => "abstraction",
        /// A statement itself becomes the super-ordinate theme.
        Subsumption => "subsumption",
        /// Grouping by opposition or difference.
        Polarisation => "polarisation",
        /// Grouping by narrative, temporal or cultural context.
        Contextualisation => "contextualisation",
        /// Taking frequency into account.
        Numeration => "numeration",
        /// Grouping by the function a statement serves for the participant.
        Function => "function",
        /// Any other reasoning, given in the rationale.
        Other => "other",
    }
);

/// What is assigned to a theme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Member {
    /// An experiential statement clustered into a PET.
    Statement(ObjectId),
    /// A PET clustered into a GET.
    Theme(ObjectId),
}

/// The decision to cluster a member under a theme, with how and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Stable id.
    pub id: ObjectId,
    /// The receiving theme.
    pub theme_id: ObjectId,
    /// The statement or PET assigned.
    pub member: Member,
    /// The participant the member belongs to (kept for withdrawal and recurrence).
    pub participant_id: ObjectId,
    /// The clustering strategy used.
    pub strategy: Option<GroupingStrategy>,
    /// Why, in the researcher's words.
    pub rationale: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A rule of the theme structure that a change would break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeRuleError {
    /// A statement can only go into a PET of its own case.
    StatementIntoOtherCase,
    /// A statement cannot be assigned to a GET directly; it reaches a GET through its PET.
    StatementIntoGroupTheme,
    /// Only a PET can be assigned to a theme, and only to a GET.
    ThemeIntoCaseTheme,
    /// A GET cannot be assigned to another theme (use a parent instead).
    GroupThemeAsMember,
    /// A sub-theme must have the same scope (same case, or group) as its parent.
    ParentScopeMismatch,
    /// The parent chain would loop back to the theme itself.
    ParentCycle,
}

impl std::fmt::Display for ThemeRuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ThemeRuleError::StatementIntoOtherCase => "a statement can only be clustered into a theme of its own case",
            ThemeRuleError::StatementIntoGroupTheme => {
                "a statement goes into a personal theme; personal themes go into group themes"
            }
            ThemeRuleError::ThemeIntoCaseTheme => {
                "a personal theme can only be assigned to a group theme (use --parent for a sub-theme)"
            }
            ThemeRuleError::GroupThemeAsMember => {
                "a group theme cannot be assigned to another theme (use --parent for a sub-theme)"
            }
            ThemeRuleError::ParentScopeMismatch => {
                "a sub-theme must belong to the same case as its parent (or both be group themes)"
            }
            ThemeRuleError::ParentCycle => "a theme cannot be its own ancestor",
        })
    }
}

impl std::error::Error for ThemeRuleError {}

/// Checks that `member_theme` (for a theme member) or a statement of `statement_participant`
/// may be assigned to `target`.
pub fn check_assignment(
    target: &Theme,
    statement_participant: Option<&ObjectId>,
    member_theme: Option<&Theme>,
) -> Result<(), ThemeRuleError> {
    match (statement_participant, member_theme) {
        (Some(p), _) => match &target.scope {
            ThemeScope::Group => Err(ThemeRuleError::StatementIntoGroupTheme),
            ThemeScope::Case(q) if q != p => Err(ThemeRuleError::StatementIntoOtherCase),
            ThemeScope::Case(_) => Ok(()),
        },
        (None, Some(member)) => {
            if member.is_group() {
                Err(ThemeRuleError::GroupThemeAsMember)
            } else if !target.is_group() {
                Err(ThemeRuleError::ThemeIntoCaseTheme)
            } else {
                Ok(())
            }
        }
        (None, None) => Ok(()),
    }
}

/// Checks that `theme` may become a sub-theme of `parent`, given all themes of the study.
pub fn check_parent(theme: &Theme, parent: &Theme, all: &[Theme]) -> Result<(), ThemeRuleError> {
    if theme.scope != parent.scope {
        return Err(ThemeRuleError::ParentScopeMismatch);
    }
    let mut cursor = Some(&parent.id);
    let mut steps = 0;
    while let Some(id) = cursor {
        if *id == theme.id || steps > all.len() {
            return Err(ThemeRuleError::ParentCycle);
        }
        cursor = all.iter().find(|t| &t.id == id).and_then(|t| t.parent.as_ref());
        steps += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(id: &str, scope: ThemeScope, parent: Option<&str>) -> Theme {
        Theme {
            id: ObjectId::new(id),
            short: 1,
            scope,
            parent: parent.map(ObjectId::new),
            title: id.into(),
            description: None,
            position: 0,
            created_at: String::new(),
            note: None,
        }
    }

    #[test]
    fn statements_stay_in_their_case() {
        let olivia = ObjectId::new("olivia");
        let tom = ObjectId::new("tom");
        let pet = theme("pet", ThemeScope::Case(olivia.clone()), None);
        let get = theme("get", ThemeScope::Group, None);
        assert_eq!(check_assignment(&pet, Some(&olivia), None), Ok(()));
        assert_eq!(check_assignment(&pet, Some(&tom), None), Err(ThemeRuleError::StatementIntoOtherCase));
        assert_eq!(check_assignment(&get, Some(&olivia), None), Err(ThemeRuleError::StatementIntoGroupTheme));
        assert_eq!(check_assignment(&get, None, Some(&pet)), Ok(()));
        assert_eq!(check_assignment(&pet, None, Some(&pet)), Err(ThemeRuleError::ThemeIntoCaseTheme));
        assert_eq!(check_assignment(&get, None, Some(&get)), Err(ThemeRuleError::GroupThemeAsMember));
    }

    #[test]
    fn parents_share_scope_and_never_loop() {
        let a = theme("a", ThemeScope::Group, None);
        let b = theme("b", ThemeScope::Group, Some("a"));
        let c = theme("c", ThemeScope::Group, Some("b"));
        let pet = theme("pet", ThemeScope::Case(ObjectId::new("p")), None);
        let all = vec![a.clone(), b.clone(), c.clone(), pet.clone()];
        assert_eq!(check_parent(&c, &a, &all), Ok(()));
        assert_eq!(check_parent(&a, &c, &all), Err(ThemeRuleError::ParentCycle));
        assert_eq!(check_parent(&a, &a, &all), Err(ThemeRuleError::ParentCycle));
        assert_eq!(check_parent(&pet, &a, &all), Err(ThemeRuleError::ParentScopeMismatch));
    }
}
