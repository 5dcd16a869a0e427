//! Exploratory notes, experiential statements and extracts: anchored annotations, created from
//! a selection whose offsets are converted at this edge.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use idiograph_model::{Anchor, NoteKind};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{word, ApiJson, Selection};
use crate::auth::Bench;
use crate::error::ApiResult;
use crate::view::{extract_json, short, statement_json};

fn anchor_brief(a: &Anchor) -> Value {
    json!({
        "version": a.version_id().as_str(),
        "start": a.span().start().to_u32(),
        "end": a.span().end().to_u32(),
        "quote": a.quote().exact(),
    })
}

#[derive(Deserialize)]
pub(crate) struct NewNote {
    #[serde(flatten)]
    selection: Selection,
    kind: String,
    text: String,
}

pub(crate) async fn add_note(Bench(wb): Bench, ApiJson(b): ApiJson<NewNote>) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind: NoteKind = word(&b.kind)?;
    let target = b.selection.target(&wb).await?;
    let n = wb.add_note(&target, kind, &b.text).await?;
    let mut body =
        json!({ "id": short("N", n.short), "kind": n.kind.as_str(), "text": n.text, "transcript": target.transcript });
    body["anchor"] = anchor_brief(&n.anchor);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
pub(crate) struct NotePatch {
    kind: Option<String>,
    text: Option<String>,
}

pub(crate) async fn patch_note(
    Bench(wb): Bench,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NotePatch>,
) -> ApiResult<Json<Value>> {
    let kind = b.kind.as_deref().map(word::<NoteKind>).transpose()?;
    let n = wb.edit_note(&id, kind, b.text.as_deref()).await?;
    Ok(Json(
        json!({ "id": short("N", n.short), "kind": n.kind.as_str(), "text": n.text, "anchor": anchor_brief(&n.anchor) }),
    ))
}

pub(crate) async fn delete_note(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let n = wb.delete_note(&id).await?;
    Ok(Json(json!({ "deleted": short("N", n.short) })))
}

#[derive(Deserialize)]
pub(crate) struct NewStatement {
    #[serde(flatten)]
    selection: Selection,
    text: String,
    #[serde(default)]
    from_notes: Vec<String>,
}

pub(crate) async fn add_statement(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewStatement>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let target = b.selection.target(&wb).await?;
    let s = wb.add_statement(&target, &b.text, &b.from_notes).await?;
    let body = json!({
        "id": short("S", s.short),
        "text": s.text,
        "transcript": target.transcript,
        "anchors": s.anchors.iter().map(anchor_brief).collect::<Vec<_>>(),
    });
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
pub(crate) struct StatementPatch {
    text: String,
}

pub(crate) async fn patch_statement(
    Bench(wb): Bench,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatementPatch>,
) -> ApiResult<Json<Value>> {
    let s = wb.edit_statement(&id, &b.text).await?;
    Ok(Json(json!({ "id": short("S", s.short), "text": s.text })))
}

pub(crate) async fn delete_statement(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let s = wb.delete_statement(&id).await?;
    Ok(Json(json!({ "deleted": short("S", s.short) })))
}

pub(crate) async fn list_statements(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let list: Vec<Value> = s.statements.iter().map(|x| statement_json(&s, x, &notes)).collect();
    Ok(Json(json!({ "statements": list })))
}

pub(crate) async fn list_extracts(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let list: Vec<Value> = s.extracts.iter().map(|x| extract_json(&s, x)).collect();
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
) -> ApiResult<(StatusCode, Json<Value>)> {
    let target = b.selection.target(&wb).await?;
    let x = wb.add_extract(&b.theme, &target).await?;
    // The reply needs this extract's citation and offsets only, not a snapshot of the whole study.
    let (participant, citation, lines) = wb.cite(&x.participant_id, &x.anchor).await?;
    let (_, v) = wb.transcript(&target.transcript).await?;
    let span = x.anchor.span();
    let (utf16_start, utf16_end) = idiograph_text::UnitIndex::new(&v.text).span_to_utf16(span);
    let theme =
        idiograph_model::ShortId::parse(idiograph_model::ObjectKind::Theme, &b.theme).map(|t| t.to_string()).ok();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": short("X", x.short),
            "theme": theme,
            "participant": short("P", participant),
            "citation": citation,
            "anchor": {
                "transcript": target.transcript,
                "version": x.anchor.version_id().as_str(),
                "start": span.start().to_u32(),
                "end": span.end().to_u32(),
                "utf16_start": utf16_start,
                "utf16_end": utf16_end,
                "lines": lines,
                "quote": x.anchor.quote().exact(),
            },
        })),
    ))
}

pub(crate) async fn delete_extract(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let x = wb.delete_extract(&id).await?;
    Ok(Json(json!({ "deleted": short("X", x.short) })))
}
