//! Themes (PETs of a case, GETs of the group), their hierarchy, and clustering assignments.

use axum::extract::{Path, Query, Request};
use axum::http::StatusCode;
use axum::Json;
use idiograph_app::{views, MemberRef, Revisions, ThemeChanges, Workbench};
use idiograph_model::{GroupingStrategy, ObjectKind, ShortId};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{double_option, word, ApiJson, IfMatch};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::value;

pub(crate) async fn tree(Bench(wb): Bench) -> ApiResult<Json<views::ThemeTree>> {
    let (s, trail) = wb.snapshot_with_trail().await?;
    Ok(Json(views::ThemeTree::of(&s, &trail)))
}

pub(crate) async fn get_theme(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(current_theme(&wb, &id).await?))
}

async fn current_theme(wb: &Workbench, id: &str) -> ApiResult<Value> {
    let (s, trail) = wb.snapshot_with_trail().await?;
    let n = ShortId::parse(ObjectKind::Theme, id).map_err(|e| ApiError::invalid(e.to_string()))?;
    let t = s
        .themes
        .iter()
        .find(|t| t.short == n.number())
        .ok_or_else(|| ApiError::not_found(format!("no theme {n} in this project")))?;
    Ok(value(views::Theme::of(&s, &trail, t)))
}

/// The theme that a command on two themes found stale, as it is now: `first` when the
/// revision the client sent for it is no longer its revision, else `second`.
async fn stale_theme(wb: &Workbench, first: &str, sent: Option<&str>, second: &str) -> ApiResult<Value> {
    let now = current_theme(wb, first).await?;
    match sent {
        Some(r) if now["revision"] != r.trim().trim_matches('"') => Ok(now),
        _ => current_theme(wb, second).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct NewTheme {
    title: String,
    /// The case (participant) of a PET; absent for a GET.
    case: Option<String>,
    parent: Option<String>,
    description: Option<String>,
}

pub(crate) async fn add_theme(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewTheme>,
) -> ApiResult<(StatusCode, Json<views::Theme>)> {
    let nonempty = |o: Option<String>| o.filter(|s| !s.trim().is_empty());
    let (case, parent, description) = (nonempty(b.case), nonempty(b.parent), nonempty(b.description));
    let t = wb.add_theme(case.as_deref(), parent.as_deref(), &b.title, description.as_deref()).await?;
    let (s, trail) = wb.snapshot_with_trail().await?;
    let t = s.theme(&t.id).ok_or_else(|| ApiError::internal("new theme not found"))?;
    Ok((StatusCode::CREATED, Json(views::Theme::of(&s, &trail, t))))
}

#[derive(Deserialize)]
pub(crate) struct ThemePatch {
    title: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    parent: Option<Option<String>>,
    note: Option<String>,
}

pub(crate) async fn patch_theme(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<ThemePatch>,
) -> ApiResult<Json<views::Theme>> {
    let parent = b.parent.map(|p| p.filter(|p| !p.trim().is_empty()));
    let changes = ThemeChanges { title: b.title, description: b.description, parent, note: b.note };
    let t = or_current(wb.update_theme(&id, changes, expected.token()).await, || current_theme(&wb, &id)).await?;
    let (s, trail) = wb.snapshot_with_trail().await?;
    let t = s.theme(&t.id).ok_or_else(|| ApiError::internal("theme not found after update"))?;
    Ok(Json(views::Theme::of(&s, &trail, t)))
}

pub(crate) async fn delete_theme(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let t = or_current(wb.delete_theme(&id, expected.token()).await, || current_theme(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": t.short_id() })))
}

#[derive(Deserialize)]
pub(crate) struct Merge {
    into: String,
    /// The revision of `into` as the client read it (the path's theme's goes in `If-Match`).
    into_revision: Option<String>,
}

pub(crate) async fn merge(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<Merge>,
) -> ApiResult<Json<views::Theme>> {
    let revisions = Revisions { from: expected.token(), into: b.into_revision.as_deref() };
    let t =
        or_current(wb.merge_themes(&id, &b.into, revisions).await, || stale_theme(&wb, &id, expected.token(), &b.into))
            .await?;
    let (s, trail) = wb.snapshot_with_trail().await?;
    let t = s.theme(&t.id).ok_or_else(|| ApiError::internal("theme not found after merge"))?;
    Ok(Json(views::Theme::of(&s, &trail, t)))
}

#[derive(Deserialize)]
pub(crate) struct Split {
    title: String,
    members: Vec<String>,
}

/// `S3` is a statement, `TH4` a theme.
fn member(reference: &str) -> MemberRef {
    if reference.trim().to_ascii_uppercase().starts_with("TH") {
        MemberRef::Theme(reference.to_owned())
    } else {
        MemberRef::Statement(reference.to_owned())
    }
}

pub(crate) async fn split(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<Split>,
) -> ApiResult<(StatusCode, Json<views::Theme>)> {
    let members: Vec<MemberRef> = b.members.iter().map(|m| member(m)).collect();
    let t =
        or_current(wb.split_theme(&id, &b.title, &members, expected.token()).await, || current_theme(&wb, &id)).await?;
    let (s, trail) = wb.snapshot_with_trail().await?;
    let t = s.theme(&t.id).ok_or_else(|| ApiError::internal("new theme not found after split"))?;
    Ok((StatusCode::CREATED, Json(views::Theme::of(&s, &trail, t))))
}

#[derive(Deserialize)]
pub(crate) struct AssignmentRef {
    theme: String,
    statement: Option<String>,
    theme_member: Option<String>,
}

impl AssignmentRef {
    fn member(&self) -> ApiResult<MemberRef> {
        match (&self.statement, &self.theme_member) {
            (Some(s), None) => Ok(MemberRef::Statement(s.clone())),
            (None, Some(t)) => Ok(MemberRef::Theme(t.clone())),
            _ => Err(ApiError::invalid("give either a statement or a theme_member")),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct NewAssignment {
    #[serde(flatten)]
    which: AssignmentRef,
    strategy: Option<String>,
    rationale: Option<String>,
    /// The theme the member leaves: a move, one command.
    from: Option<String>,
    /// The revision of the assignment to `from` as the client read it.
    from_revision: Option<String>,
}

/// Assigns, or with `from` moves; `If-Match` is the revision of the receiving theme.
pub(crate) async fn assign(
    Bench(wb): Bench,
    expected: IfMatch,
    ApiJson(b): ApiJson<NewAssignment>,
) -> ApiResult<(StatusCode, Json<views::Assignment>)> {
    let member = b.which.member()?;
    let theme_id = ShortId::parse(ObjectKind::Theme, &b.which.theme).map_err(|e| ApiError::invalid(e.to_string()))?;
    let strategy = b.strategy.as_deref().filter(|s| !s.trim().is_empty()).map(word::<GroupingStrategy>).transpose()?;
    let rationale = b.rationale.as_deref().filter(|r| !r.trim().is_empty());
    let theme = &b.which.theme;
    let from = b.from.as_deref().filter(|f| !f.trim().is_empty());
    let result = match from {
        Some(from) => {
            let revisions = Revisions { from: b.from_revision.as_deref(), into: expected.token() };
            wb.move_member(&member, from, theme, strategy, rationale, revisions).await
        }
        None => wb.assign(theme, &member, strategy, rationale, expected.token()).await,
    };
    let a = or_current(result, || stale_theme(&wb, theme, expected.token(), from.unwrap_or(theme))).await?;
    Ok((StatusCode::CREATED, Json(views::Assignment::new(theme_id, member.short_id()?, &a))))
}

pub(crate) async fn unassign(
    Bench(wb): Bench,
    expected: IfMatch,
    Query(q): Query<AssignmentRef>,
) -> ApiResult<Json<Value>> {
    or_current(wb.unassign(&q.theme, &q.member()?, expected.token()).await, || current_theme(&wb, &q.theme)).await?;
    Ok(Json(json!({ "unassigned": true })))
}

#[derive(Deserialize)]
pub(crate) struct CodebookQuery {
    /// Import as personal themes of this participant (pseudonym or `P` id); group themes without.
    case: Option<String>,
    /// The file's name, for messages.
    name: Option<String>,
}

/// Imports a REFI-QDA codebook (`.qdc`) as themes: the request body with `?case=…&name=…`, or
/// `multipart/form-data` with a file field and a `case` field (the group board's form). 201 with
/// what was made, the codes that were already themes and the reader's remarks; a file that cannot
/// be imported is refused whole (422) and nothing changes.
pub(crate) async fn import_codebook(
    Bench(wb): Bench,
    Query(q): Query<CodebookQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<idiograph_app::CodebookImport>)> {
    let upload = super::Upload::read(req, super::MAX_BODY_BYTES).await?;
    let name = upload.name.or(q.name);
    let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("codebook.qdc").to_owned();
    let case = upload.fields.get("case").cloned().or(q.case);
    let case = case.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let bytes = upload.bytes;
    Ok((StatusCode::CREATED, Json(wb.import_codebook(&bytes, &name, case).await?)))
}
