//! Exploratory notes, experiential statements and extracts: anchored annotations, created from
//! a selection whose offsets are converted at this edge.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use idiograph_model::NoteKind;
use serde::Deserialize;
use serde_json::{json, Value};

use idiograph_app::{views, Workbench};

use super::{word, ApiJson, IfMatch, Selection};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::value;

#[derive(Deserialize)]
pub(crate) struct NewNote {
    #[serde(flatten)]
    selection: Selection,
    kind: String,
    text: String,
}

pub(crate) async fn add_note(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewNote>,
) -> ApiResult<(StatusCode, Json<views::Note>)> {
    let kind: NoteKind = word(&b.kind)?;
    let target = b.selection.target(&wb).await?;
    let n = wb.add_note(&target, kind, &b.text).await?;
    Ok((StatusCode::CREATED, Json(wb.note_view(n.short_id()).await?)))
}

#[derive(Deserialize)]
pub(crate) struct NotePatch {
    kind: Option<String>,
    text: Option<String>,
}

pub(crate) async fn patch_note(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<NotePatch>,
) -> ApiResult<Json<views::Note>> {
    let kind = b.kind.as_deref().map(word::<NoteKind>).transpose()?;
    let n = or_current(wb.edit_note(&id, kind, b.text.as_deref(), expected.token()).await, || current_note(&wb, &id))
        .await?;
    Ok(Json(wb.note_view(n.short_id()).await?))
}

pub(crate) async fn delete_note(Bench(wb): Bench, Path(id): Path<String>, expected: IfMatch) -> ApiResult<Json<Value>> {
    let n = or_current(wb.delete_note(&id, expected.token()).await, || current_note(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": n.short_id() })))
}

async fn current_note(wb: &Workbench, id: &str) -> ApiResult<Value> {
    Ok(value(wb.note_view(id).await?))
}

/// The exploratory notes of one transcript (`?transcript=T1`) or of the study, optionally of
/// some analysts only (`&author=A&author=B`, or `author=A,B`) — e.g. to compare two analysts'
/// readings of one case. `authors` lists everyone who wrote notes there, for the filter.
pub(crate) async fn list_notes(
    Bench(wb): Bench,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<views::NoteList>> {
    let mut transcript = None;
    let mut wanted: Vec<String> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "transcript" => transcript = Some(v),
            "author" => wanted.extend(v.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty())),
            other => {
                return Err(ApiError::bad_request(format!("unknown query parameter '{other}' (transcript, author)")))
            }
        }
    }
    Ok(Json(wb.note_views(transcript.as_deref(), &wanted).await?))
}

/// A new statement: on a selection (optionally developed from notes), or from notes alone,
/// grounded in the passages those notes are on.
#[derive(Deserialize)]
pub(crate) struct NewStatement {
    #[serde(flatten)]
    selection: Option<Selection>,
    text: String,
    #[serde(default)]
    from_notes: Vec<String>,
}

pub(crate) async fn add_statement(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewStatement>,
) -> ApiResult<(StatusCode, Json<views::Statement>)> {
    let s = match &b.selection {
        Some(selection) => wb.add_statement(&selection.target(&wb).await?, &b.text, &b.from_notes).await?,
        None if !b.from_notes.is_empty() => wb.add_statement_from_notes(&b.text, &b.from_notes).await?,
        None => {
            return Err(ApiError::invalid(
                "a statement needs a passage (transcript, version, start, end) or the notes it is developed from (from_notes)",
            ))
        }
    };
    Ok((StatusCode::CREATED, Json(wb.statement_view(s.short_id()).await?)))
}

#[derive(Deserialize)]
pub(crate) struct StatementPatch {
    text: String,
}

pub(crate) async fn patch_statement(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<StatementPatch>,
) -> ApiResult<Json<views::Statement>> {
    let s = or_current(wb.edit_statement(&id, &b.text, expected.token()).await, || current_statement(&wb, &id)).await?;
    Ok(Json(wb.statement_view(s.short_id()).await?))
}

pub(crate) async fn delete_statement(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let s = or_current(wb.delete_statement(&id, expected.token()).await, || current_statement(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": s.short_id() })))
}

async fn current_statement(wb: &Workbench, id: &str) -> ApiResult<Value> {
    Ok(value(wb.statement_view(id).await?))
}

pub(crate) async fn list_statements(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let list: Vec<views::Statement> = s.statements.iter().map(|x| views::Statement::of(&s, x, &notes)).collect();
    Ok(Json(json!({ "statements": list })))
}

pub(crate) async fn list_extracts(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let list: Vec<views::Extract> = s.extracts.iter().map(|x| views::Extract::of(&s, x)).collect();
    Ok(Json(json!({ "extracts": list })))
}

#[derive(Deserialize)]
pub(crate) struct NewExtract {
    #[serde(flatten)]
    selection: Selection,
    theme: String,
}

pub(crate) async fn add_extract(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewExtract>,
) -> ApiResult<(StatusCode, Json<views::Extract>)> {
    let target = b.selection.target(&wb).await?;
    let x = wb.add_extract(&b.theme, &target).await?;
    Ok((StatusCode::CREATED, Json(wb.extract_view(x.short_id()).await?)))
}

pub(crate) async fn delete_extract(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let current = || async { Ok(value(wb.extract_view(&id).await?)) };
    let x = or_current(wb.delete_extract(&id, expected.token()).await, current).await?;
    Ok(Json(json!({ "deleted": x.short_id() })))
}
