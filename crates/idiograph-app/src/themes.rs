//! Themes: PETs per case and GETs across cases, their hierarchy, and clustering assignments.

use idiograph_model::{
    check_assignment, check_parent, Assignment, ExperientialStatement, Extract, GroupingStrategy, Member, ObjectKind,
    Participant, ShortId, Theme, ThemeScope,
};
use idiograph_store::{Action, Tx, VersionToken};

use crate::annotate::{check_text, check_title, member_participant, resolve_statement};
use crate::error::invalid;
use crate::{check_token, check_version, new_id, now, participants, AppError, Reference, Workbench};

/// What is being assigned to a theme: a statement (`S3`) or a PET (`TH2`).
#[derive(Debug, Clone)]
pub enum MemberRef {
    /// An experiential statement, by short id.
    Statement(String),
    /// A personal theme, by short id.
    Theme(String),
}

impl MemberRef {
    /// The member's short id, or why the reference is not one.
    pub fn short_id(&self) -> Result<ShortId, AppError> {
        let (kind, text) = match self {
            MemberRef::Statement(s) => (ObjectKind::Statement, s),
            MemberRef::Theme(t) => (ObjectKind::Theme, t),
        };
        ShortId::parse(kind, text).map_err(|e| AppError::Invalid(e.to_string()))
    }
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

/// The revisions a caller read before a command that involves two objects; `None` leaves that
/// check out, so that the command applies to what is stored (the command line, scripts).
#[derive(Debug, Default, Clone, Copy)]
pub struct Revisions<'a> {
    /// What the command takes from: the theme merged away ([`Workbench::merge_themes`]), or the
    /// assignment moved ([`Workbench::move_member`]; its revision, as [`Workbench::unassign`]
    /// takes it).
    pub from: Option<&'a str>,
    /// The theme the command puts into, as [`crate::Snapshot::theme_revision`] gave it.
    pub into: Option<&'a str>,
}

/// The longest theme title accepted.
pub(crate) const MAX_TITLE_CHARS: usize = 200;
/// The longest theme description or note accepted.
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 5_000;

/// Finds a theme by short id such as `TH3` (or `3`).
pub(crate) async fn resolve(tx: &mut Tx, reference: impl Reference) -> Result<Theme, AppError> {
    let id = reference.short_id(ObjectKind::Theme)?;
    tx.by_short(id.number()).await?.ok_or_else(|| AppError::NotFound(format!("no theme {id} in this project")))
}

/// A theme's revision: it changes when the theme itself changes and when a member (statement or
/// PET) joins or leaves it. A board shows a theme as its title and its members, so a rename,
/// merge, split or move decided on an older view of either is stale (issue #8).
pub(crate) fn revision<'a>(theme: &Theme, members: impl IntoIterator<Item = &'a Assignment>) -> String {
    let mut tokens: Vec<String> = members.into_iter().map(VersionToken::version_token).collect();
    tokens.sort();
    let image = std::iter::once(theme.version_token()).chain(tokens).collect::<Vec<_>>().join("\n");
    idiograph_store::content_hash(&image)[..16].to_owned()
}

/// Refuses a command on `theme` when the caller's revision `expected` is not the theme's
/// [`revision`] now.
async fn check_theme(tx: &mut Tx, expected: Option<&str>, theme: &Theme) -> Result<(), AppError> {
    let Some(expected) = expected else { return Ok(()) };
    let members: Vec<Assignment> = tx.of_theme(&theme.id).await?;
    check_token(expected, &revision(theme, &members), &format!("theme {}", theme.short_id()))
}

/// The assignment of `member` (shown as `label`) among `existing`, the assignments of `theme`.
/// When the caller expected it there (`expected` is its revision) and it is gone, someone moved
/// it meanwhile: that is a stale view, not a wrong reference.
fn placement(
    existing: Vec<Assignment>,
    member: &Member,
    label: &str,
    theme: &Theme,
    expected: Option<&str>,
) -> Result<Assignment, AppError> {
    let what = format!("the assignment of {label} to {}", theme.short_id());
    let Some(a) = existing.into_iter().find(|a| &a.member == member) else {
        let gone = format!("{label} is not assigned to {}", theme.short_id());
        return Err(match expected {
            Some(_) => AppError::Stale(format!(
                "{gone}: someone else moved it since you opened it; your change was not applied — \
                 the current version is shown"
            )),
            None => AppError::NotFound(gone),
        });
    };
    check_version(expected, &a, &what)?;
    Ok(a)
}

/// Checks that `member` may join `target` under the rules of the method and is not in it yet.
async fn check_joins(
    tx: &mut Tx,
    target: &Theme,
    member: &Member,
    statement: &Option<ExperientialStatement>,
    member_theme: &Option<Theme>,
) -> Result<(), AppError> {
    let label = member_label(statement, member_theme);
    check_assignment(target, statement.as_ref().map(|s| &s.participant_id), member_theme.as_ref())
        .map_err(|e| invalid!("{label} into {}: {e}", target.short_id()))?;
    let existing: Vec<Assignment> = tx.of_theme(&target.id).await?;
    if existing.iter().any(|a| &a.member == member) {
        return Err(AppError::Conflict(format!("{label} is already assigned to {}", target.short_id())));
    }
    Ok(())
}

/// Assigns `member` (the statement `statement`, or the PET `member_theme`) to `target` inside a
/// running command, checking the rationale, the rules of the method, and that it is not there yet.
pub(crate) async fn insert_assignment(
    tx: &mut Tx,
    target: &Theme,
    member: Member,
    statement: &Option<ExperientialStatement>,
    member_theme: &Option<Theme>,
    strategy: Option<GroupingStrategy>,
    rationale: Option<&str>,
) -> Result<Assignment, AppError> {
    let rationale = rationale.map(|r| check_text("a rationale", r, MAX_DESCRIPTION_CHARS)).transpose()?;
    check_joins(tx, target, &member, statement, member_theme).await?;
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
    Ok(a)
}

/// The scope of new themes: the PETs of `case` (a pseudonym or `P` id), or with `None` the group.
pub(crate) async fn scope(tx: &mut Tx, case: Option<&str>) -> Result<ThemeScope, AppError> {
    Ok(match case {
        Some(c) => {
            let p: Participant = participants::resolve(tx, c).await?;
            ThemeScope::Case(p.id)
        }
        None => ThemeScope::Group,
    })
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
        (Some(s), _) => s.short_id().to_string(),
        (_, Some(t)) => t.short_id().to_string(),
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
        let title = check_title("a theme title", title, MAX_TITLE_CHARS)?;
        let description = description.map(|d| check_text("a description", d, MAX_DESCRIPTION_CHARS)).transpose()?;
        let mut tx = self.begin().await?;
        let scope = scope(&mut tx, case).await?;
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
            check_parent(&theme, p, &all).map_err(|e| invalid!("{} under {}: {e}", theme.short_id(), p.short_id()))?;
        }
        tx.insert(&theme).await?;
        let under = parent.map(|p| format!(" under {}", p.short_id())).unwrap_or_default();
        tx.commit(Action::AddTheme, &format!("add {} {}{under}", label(&theme), theme.short_id())).await?;
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
        check_theme(&mut tx, expected, &before).await?;
        let mut after = before.clone();
        if let Some(t) = &changes.title {
            after.title = check_title("a theme title", t, MAX_TITLE_CHARS)?;
        }
        if let Some(d) = &changes.description {
            after.description =
                if d.trim().is_empty() { None } else { Some(check_text("a description", d, MAX_DESCRIPTION_CHARS)?) };
        }
        if let Some(n) = &changes.note {
            if !before.is_group() && !n.trim().is_empty() {
                return Err(invalid!(
                    "{} is a personal theme; convergence and divergence notes belong to group themes",
                    before.short_id()
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
                        .map_err(|e| invalid!("{} under {}: {e}", before.short_id(), p.short_id()))?;
                    Some(p.id)
                }
                None => None,
            };
        }
        tx.update(&before, &after).await?;
        tx.commit(Action::EditTheme, &format!("edit theme {}", before.short_id())).await?;
        Ok(after)
    }

    /// Clusters a statement into a PET, or a PET into a GET, recording strategy and rationale.
    /// With `expected`, the theme's revision as the caller read it, a theme changed meanwhile
    /// (renamed, or a member joined or left) refuses the assignment as stale.
    pub async fn assign(
        &self,
        theme: &str,
        member: &MemberRef,
        strategy: Option<GroupingStrategy>,
        rationale: Option<&str>,
        expected: Option<&str>,
    ) -> Result<Assignment, AppError> {
        let mut tx = self.begin().await?;
        let target = resolve(&mut tx, theme).await?;
        check_theme(&mut tx, expected, &target).await?;
        let (member, statement, member_theme) = resolve_member(&mut tx, member).await?;
        let a = insert_assignment(&mut tx, &target, member, &statement, &member_theme, strategy, rationale).await?;
        let how = strategy.map(|s| format!(" by {s}")).unwrap_or_default();
        tx.commit(
            Action::Assign,
            &format!("assign {} to {}{how}", member_label(&statement, &member_theme), target.short_id()),
        )
        .await?;
        Ok(a)
    }

    /// Takes a statement out of a PET, or a PET out of a GET. With `expected`, the assignment's
    /// revision as the caller read it, an assignment changed or moved meanwhile is refused as stale.
    pub async fn unassign(&self, theme: &str, member: &MemberRef, expected: Option<&str>) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let target = resolve(&mut tx, theme).await?;
        let (member, statement, member_theme) = resolve_member(&mut tx, member).await?;
        let label = member_label(&statement, &member_theme);
        let existing: Vec<Assignment> = tx.of_theme(&target.id).await?;
        let a = placement(existing, &member, &label, &target, expected)?;
        tx.delete(&a).await?;
        tx.commit(Action::Unassign, &format!("unassign {label} from {}", target.short_id())).await?;
        Ok(())
    }

    /// Moves a statement from one PET to another, or a PET from one GET to another, as one
    /// command and so one undo step: the assignment leaves `from` and joins `to` with the
    /// strategy and rationale given for its new place. A move made on a stale view changes
    /// nothing: `expected.from` is the assignment's revision, `expected.into` the revision of `to`.
    pub async fn move_member(
        &self,
        member: &MemberRef,
        from: &str,
        to: &str,
        strategy: Option<GroupingStrategy>,
        rationale: Option<&str>,
        expected: Revisions<'_>,
    ) -> Result<Assignment, AppError> {
        let rationale = rationale.map(|r| check_text("a rationale", r, MAX_DESCRIPTION_CHARS)).transpose()?;
        let mut tx = self.begin().await?;
        let source = resolve(&mut tx, from).await?;
        let target = resolve(&mut tx, to).await?;
        check_theme(&mut tx, expected.into, &target).await?;
        let (member, statement, member_theme) = resolve_member(&mut tx, member).await?;
        let label = member_label(&statement, &member_theme);
        let existing: Vec<Assignment> = tx.of_theme(&source.id).await?;
        let before = placement(existing, &member, &label, &source, expected.from)?;
        if source.id == target.id {
            return Err(invalid!("{label} is in {} already", target.short_id()));
        }
        check_joins(&mut tx, &target, &member, &statement, &member_theme).await?;
        let after =
            Assignment { theme_id: target.id.clone(), strategy, rationale, created_at: now(), ..before.clone() };
        tx.update(&before, &after).await?;
        let how = strategy.map(|s| format!(" by {s}")).unwrap_or_default();
        tx.commit(Action::Move, &format!("move {label} from {} to {}{how}", source.short_id(), target.short_id()))
            .await?;
        Ok(after)
    }

    /// Deletes a theme: its assignments and extracts go with it; its sub-themes move up to its parent.
    pub async fn delete_theme(&self, reference: &str, expected: Option<&str>) -> Result<Theme, AppError> {
        let mut tx = self.begin().await?;
        let theme = resolve(&mut tx, reference).await?;
        check_theme(&mut tx, expected, &theme).await?;
        self.detach(&mut tx, &theme, None).await?;
        tx.delete(&theme).await?;
        tx.commit(Action::DeleteTheme, &format!("delete theme {}", theme.short_id())).await?;
        Ok(theme)
    }

    /// Merges theme `from` into `into`: members, sub-themes and extracts move over, `from` goes.
    /// A merge decided on a stale view of either theme (`expected`: their revisions as the
    /// caller read them) changes nothing.
    pub async fn merge_themes(&self, from: &str, into: &str, expected: Revisions<'_>) -> Result<Theme, AppError> {
        let mut tx = self.begin().await?;
        let source = resolve(&mut tx, from).await?;
        let target = resolve(&mut tx, into).await?;
        check_theme(&mut tx, expected.from, &source).await?;
        check_theme(&mut tx, expected.into, &target).await?;
        if source.id == target.id {
            return Err(invalid!("cannot merge {} into itself", source.short_id()));
        }
        if source.scope != target.scope {
            return Err(invalid!(
                "{} and {} belong to different cases (or one is a group theme)",
                source.short_id(),
                target.short_id()
            ));
        }
        let all: Vec<Theme> = tx.all().await?;
        // Merging a theme into one of its own sub-themes would make the hierarchy loop.
        check_parent(&source, &target, &all)
            .map_err(|e| invalid!("cannot merge {} into {}: {e}", source.short_id(), target.short_id()))?;
        self.detach(&mut tx, &source, Some(&target)).await?;
        tx.delete(&source).await?;
        tx.commit(Action::MergeThemes, &format!("merge theme {} into {}", source.short_id(), target.short_id()))
            .await?;
        Ok(target)
    }

    /// Splits a theme: the listed members move to a new sibling theme called `title`. With
    /// `expected`, the theme's revision as the caller read it, a split decided on a stale view of
    /// the theme (renamed, or a member joined or left since) changes nothing.
    pub async fn split_theme(
        &self,
        reference: &str,
        title: &str,
        members: &[MemberRef],
        expected: Option<&str>,
    ) -> Result<Theme, AppError> {
        let title = check_title("a theme title", title, MAX_TITLE_CHARS)?;
        if members.is_empty() {
            return Err(invalid!("name at least one member to move into the new theme"));
        }
        let mut tx = self.begin().await?;
        let source = resolve(&mut tx, reference).await?;
        check_theme(&mut tx, expected, &source).await?;
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
        let existing: Vec<Assignment> = tx.of_theme(&source.id).await?;
        for m in members {
            let (member, statement, member_theme) = resolve_member(&mut tx, m).await?;
            let Some(a) = existing.iter().find(|a| a.member == member) else {
                return Err(AppError::NotFound(format!(
                    "{} is not in {}",
                    member_label(&statement, &member_theme),
                    source.short_id()
                )));
            };
            let mut moved = a.clone();
            moved.theme_id = new.id.clone();
            tx.update(a, &moved).await?;
        }
        tx.commit(
            Action::SplitTheme,
            &format!("split {} members of {} into {}", members.len(), source.short_id(), new.short_id()),
        )
        .await?;
        Ok(new)
    }

    /// Moves everything attached to `theme` onto `heir` (merge), or drops it (delete, `heir = None`);
    /// sub-themes go to `heir` or to `theme`'s parent.
    async fn detach(&self, tx: &mut Tx, theme: &Theme, heir: Option<&Theme>) -> Result<(), AppError> {
        let heir_members: Vec<Assignment> = match heir {
            Some(h) => tx.of_theme(&h.id).await?,
            None => vec![],
        };
        let members: Vec<Assignment> = tx.of_theme(&theme.id).await?;
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
        let memberships: Vec<Assignment> = tx.memberships_of_theme(&theme.id).await?;
        for a in &memberships {
            tx.delete(a).await?;
        }
        let children: Vec<Theme> = tx.sub_themes(&theme.id).await?;
        for c in &children {
            let mut moved = c.clone();
            moved.parent = heir.map(|h| h.id.clone()).or_else(|| theme.parent.clone());
            tx.update(c, &moved).await?;
        }
        let extracts: Vec<Extract> = tx.of_theme(&theme.id).await?;
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
