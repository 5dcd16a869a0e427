//! Themes: PETs per case and GETs across cases, their hierarchy, and clustering assignments.

use idiograph_model::{
    check_assignment, check_parent, Assignment, ExperientialStatement, Extract, GroupingStrategy, Member, ObjectKind,
    Participant, ShortId, Theme, ThemeScope,
};
use idiograph_store::Tx;

use crate::annotate::{check_text, member_participant, resolve_statement};
use crate::error::invalid;
use crate::{check_version, new_id, now, participants, AppError, Workbench};

/// What is being assigned to a theme: a statement (`S3`) or a PET (`TH2`).
#[derive(Debug, Clone)]
pub enum MemberRef {
    /// An experiential statement, by short id.
    Statement(String),
    /// A personal theme, by short id.
    Theme(String),
}

/// Changes to a theme; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct ThemeChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new description (empty text removes it).
    pub description: Option<String>,
    /// A new parent: `Some(None)` makes it top-level.
    pub parent: Option<Option<String>>,
    /// A new convergence/divergence note for a group theme (empty text removes it).
    pub note: Option<String>,
}

const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 5_000;

/// Finds a theme by short id such as `TH3` (or `3`).
pub(crate) async fn resolve(tx: &mut Tx, reference: &str) -> Result<Theme, AppError> {
    let id = ShortId::parse(ObjectKind::Theme, reference).map_err(|e| AppError::Invalid(e.to_string()))?;
    tx.by_short(id.number()).await?.ok_or_else(|| AppError::NotFound(format!("no theme {id} in this project")))
}

fn label(t: &Theme) -> &'static str {
    if t.is_group() {
        "group theme"
    } else {
        "personal theme"
    }
}

async fn resolve_member(
    tx: &mut Tx,
    member: &MemberRef,
) -> Result<(Member, Option<ExperientialStatement>, Option<Theme>), AppError> {
    Ok(match member {
        MemberRef::Statement(r) => {
            let s = resolve_statement(tx, r).await?;
            (Member::Statement(s.id.clone()), Some(s), None)
        }
        MemberRef::Theme(r) => {
            let t = resolve(tx, r).await?;
            (Member::Theme(t.id.clone()), None, Some(t))
        }
    })
}

fn member_label(statement: &Option<ExperientialStatement>, theme: &Option<Theme>) -> String {
    match (statement, theme) {
        (Some(s), _) => format!("S{}", s.short),
        (_, Some(t)) => format!("TH{}", t.short),
        _ => String::new(),
    }
}

impl Workbench {
    /// Adds a theme: a PET of `case` (pseudonym) or, with `case = None`, a GET; optionally as a
    /// sub-theme of `parent`.
    pub async fn add_theme(
        &self,
        case: Option<&str>,
        parent: Option<&str>,
        title: &str,
        description: Option<&str>,
    ) -> Result<Theme, AppError> {
        let title = check_text("a theme title", title, MAX_TITLE_CHARS)?;
        let description = description.map(|d| check_text("a description", d, MAX_DESCRIPTION_CHARS)).transpose()?;
        let mut tx = self.begin().await?;
        let scope = match case {
            Some(c) => {
                let p: Participant = participants::resolve(&mut tx, c).await?;
                ThemeScope::Case(p.id)
            }
            None => ThemeScope::Group,
        };
        let all: Vec<Theme> = tx.all().await?;
        let parent = match parent {
            Some(r) => Some(resolve(&mut tx, r).await?),
            None => None,
        };
        let position = all
            .iter()
            .filter(|t| t.parent == parent.as_ref().map(|p| p.id.clone()))
            .map(|t| t.position + 1)
            .max()
            .unwrap_or(0);
        let theme = Theme {
            id: new_id(),
            short: tx.next_short(ObjectKind::Theme).await?,
            scope,
            parent: parent.as_ref().map(|p| p.id.clone()),
            title,
            description,
            position,
            created_at: now(),
            note: None,
        };
        if let Some(p) = &parent {
            check_parent(&theme, p, &all).map_err(|e| invalid!("TH{} under TH{}: {e}", theme.short, p.short))?;
        }
        tx.insert(&theme).await?;
        let under = parent.map(|p| format!(" under TH{}", p.short)).unwrap_or_default();
        tx.commit("add theme", &format!("add {} TH{}{under}", label(&theme), theme.short)).await?;
        Ok(theme)
    }

    /// Renames, re-describes or moves a theme in the hierarchy.
    pub async fn update_theme(
        &self,
        reference: &str,
        changes: ThemeChanges,
        expected: Option<&str>,
    ) -> Result<Theme, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve(&mut tx, reference).await?;
        check_version(expected, &before, &format!("theme TH{}", before.short))?;
        let mut after = before.clone();
        if let Some(t) = &changes.title {
            after.title = check_text("a theme title", t, MAX_TITLE_CHARS)?;
        }
        if let Some(d) = &changes.description {
            after.description =
                if d.trim().is_empty() { None } else { Some(check_text("a description", d, MAX_DESCRIPTION_CHARS)?) };
        }
        if let Some(n) = &changes.note {
            if !before.is_group() && !n.trim().is_empty() {
                return Err(invalid!(
                    "TH{} is a personal theme; convergence and divergence notes belong to group themes",
                    before.short
                ));
            }
            after.note = if n.trim().is_empty() { None } else { Some(check_text("a note", n, MAX_DESCRIPTION_CHARS)?) };
        }
        if let Some(parent) = &changes.parent {
            let all: Vec<Theme> = tx.all().await?;
            after.parent = match parent {
                Some(r) => {
                    let p = resolve(&mut tx, r).await?;
                    check_parent(&before, &p, &all)
                        .map_err(|e| invalid!("TH{} under TH{}: {e}", before.short, p.short))?;
                    Some(p.id)
                }
                None => None,
            };
        }
        tx.update(&before, &after).await?;
        tx.commit("edit theme", &format!("edit theme TH{}", before.short)).await?;
        Ok(after)
    }

    /// Clusters a statement into a PET, or a PET into a GET, recording strategy and rationale.
    pub async fn assign(
        &self,
        theme: &str,
        member: &MemberRef,
        strategy: Option<GroupingStrategy>,
        rationale: Option<&str>,
    ) -> Result<Assignment, AppError> {
        let rationale = rationale.map(|r| check_text("a rationale", r, MAX_DESCRIPTION_CHARS)).transpose()?;
        let mut tx = self.begin().await?;
        let target = resolve(&mut tx, theme).await?;
        let (member, statement, member_theme) = resolve_member(&mut tx, &member.clone()).await?;
        check_assignment(&target, statement.as_ref().map(|s| &s.participant_id), member_theme.as_ref())
            .map_err(|e| invalid!("{} into TH{}: {e}", member_label(&statement, &member_theme), target.short))?;
        let existing: Vec<Assignment> = tx.where_eq("theme_id", target.id.as_str()).await?;
        if existing.iter().any(|a| a.member == member) {
            return Err(AppError::Conflict(format!(
                "{} is already assigned to TH{}",
                member_label(&statement, &member_theme),
                target.short
            )));
        }
        let participant_id = member_participant(&member, statement.as_ref(), member_theme.as_ref())
            .ok_or_else(|| invalid!("a group theme cannot be assigned"))?;
        let a = Assignment {
            id: new_id(),
            theme_id: target.id.clone(),
            member,
            participant_id,
            strategy,
            rationale,
            created_at: now(),
        };
        tx.insert(&a).await?;
        let how = strategy.map(|s| format!(" by {s}")).unwrap_or_default();
        tx.commit("assign", &format!("assign {} to TH{}{how}", member_label(&statement, &member_theme), target.short))
            .await?;
        Ok(a)
    }

    /// Takes a statement out of a PET, or a PET out of a GET.
    pub async fn unassign(&self, theme: &str, member: &MemberRef, expected: Option<&str>) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let target = resolve(&mut tx, theme).await?;
        let (member, statement, member_theme) = resolve_member(&mut tx, member).await?;
        let existing: Vec<Assignment> = tx.where_eq("theme_id", target.id.as_str()).await?;
        let Some(a) = existing.into_iter().find(|a| a.member == member) else {
            return Err(AppError::NotFound(format!(
                "{} is not assigned to TH{}",
                member_label(&statement, &member_theme),
                target.short
            )));
        };
        let what = format!("the assignment of {} to TH{}", member_label(&statement, &member_theme), target.short);
        check_version(expected, &a, &what)?;
        tx.delete(&a).await?;
        tx.commit("unassign", &format!("unassign {} from TH{}", member_label(&statement, &member_theme), target.short))
            .await?;
        Ok(())
    }

    /// Deletes a theme: its assignments and extracts go with it; its sub-themes move up to its parent.
    pub async fn delete_theme(&self, reference: &str, expected: Option<&str>) -> Result<Theme, AppError> {
        let mut tx = self.begin().await?;
        let theme = resolve(&mut tx, reference).await?;
        check_version(expected, &theme, &format!("theme TH{}", theme.short))?;
        self.detach(&mut tx, &theme, None).await?;
        tx.delete(&theme).await?;
        tx.commit("delete theme", &format!("delete theme TH{}", theme.short)).await?;
        Ok(theme)
    }

    /// Merges theme `from` into `into`: members, sub-themes and extracts move over, `from` goes.
    pub async fn merge_themes(&self, from: &str, into: &str) -> Result<Theme, AppError> {
        let mut tx = self.begin().await?;
        let source = resolve(&mut tx, from).await?;
        let target = resolve(&mut tx, into).await?;
        if source.id == target.id {
            return Err(invalid!("cannot merge TH{} into itself", source.short));
        }
        if source.scope != target.scope {
            return Err(invalid!(
                "TH{} and TH{} belong to different cases (or one is a group theme)",
                source.short,
                target.short
            ));
        }
        let all: Vec<Theme> = tx.all().await?;
        // Merging a theme into one of its own sub-themes would make the hierarchy loop.
        check_parent(&source, &target, &all)
            .map_err(|e| invalid!("cannot merge TH{} into TH{}: {e}", source.short, target.short))?;
        self.detach(&mut tx, &source, Some(&target)).await?;
        tx.delete(&source).await?;
        tx.commit("merge themes", &format!("merge theme TH{} into TH{}", source.short, target.short)).await?;
        Ok(target)
    }

    /// Splits a theme: the listed members move to a new sibling theme called `title`.
    pub async fn split_theme(&self, reference: &str, title: &str, members: &[MemberRef]) -> Result<Theme, AppError> {
        let title = check_text("a theme title", title, MAX_TITLE_CHARS)?;
        if members.is_empty() {
            return Err(invalid!("name at least one member to move into the new theme"));
        }
        let mut tx = self.begin().await?;
        let source = resolve(&mut tx, reference).await?;
        let all: Vec<Theme> = tx.all().await?;
        let new = Theme {
            id: new_id(),
            short: tx.next_short(ObjectKind::Theme).await?,
            scope: source.scope.clone(),
            parent: source.parent.clone(),
            title,
            description: None,
            position: all.iter().filter(|t| t.parent == source.parent).map(|t| t.position + 1).max().unwrap_or(0),
            created_at: now(),
            note: None,
        };
        tx.insert(&new).await?;
        let existing: Vec<Assignment> = tx.where_eq("theme_id", source.id.as_str()).await?;
        for m in members {
            let (member, statement, member_theme) = resolve_member(&mut tx, m).await?;
            let Some(a) = existing.iter().find(|a| a.member == member) else {
                return Err(AppError::NotFound(format!(
                    "{} is not in TH{}",
                    member_label(&statement, &member_theme),
                    source.short
                )));
            };
            let mut moved = a.clone();
            moved.theme_id = new.id.clone();
            tx.update(a, &moved).await?;
        }
        tx.commit(
            "split theme",
            &format!("split {} members of TH{} into TH{}", members.len(), source.short, new.short),
        )
        .await?;
        Ok(new)
    }

    /// Moves everything attached to `theme` onto `heir` (merge), or drops it (delete, `heir = None`);
    /// sub-themes go to `heir` or to `theme`'s parent.
    async fn detach(&self, tx: &mut Tx, theme: &Theme, heir: Option<&Theme>) -> Result<(), AppError> {
        let heir_members: Vec<Assignment> = match heir {
            Some(h) => tx.where_eq("theme_id", h.id.as_str()).await?,
            None => vec![],
        };
        let members: Vec<Assignment> = tx.where_eq("theme_id", theme.id.as_str()).await?;
        for a in &members {
            match heir {
                Some(h) if !heir_members.iter().any(|b| b.member == a.member) => {
                    let mut moved = a.clone();
                    moved.theme_id = h.id.clone();
                    tx.update(a, &moved).await?;
                }
                _ => tx.delete(a).await?,
            }
        }
        let memberships: Vec<Assignment> = tx.where_eq("member_theme_id", theme.id.as_str()).await?;
        for a in &memberships {
            tx.delete(a).await?;
        }
        let children: Vec<Theme> = tx.where_eq("parent_id", theme.id.as_str()).await?;
        for c in &children {
            let mut moved = c.clone();
            moved.parent = heir.map(|h| h.id.clone()).or_else(|| theme.parent.clone());
            tx.update(c, &moved).await?;
        }
        let extracts: Vec<Extract> = tx.where_eq("theme_id", theme.id.as_str()).await?;
        for x in &extracts {
            match heir {
                Some(h) => {
                    let mut moved = x.clone();
                    moved.theme_id = h.id.clone();
                    tx.update(x, &moved).await?;
                }
                None => tx.delete(x).await?,
            }
        }
        Ok(())
    }
}
