//! Exploratory notes, experiential statements and extracts: anchored annotations, created from
//! a selection whose offsets are converted at this edge.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use idiograph_model::{Anchor, NoteKind};
use serde::Deserialize;
use serde_json::{json, Value};

use idiograph_app::{VersionToken, Workbench};

use super::{word, ApiJson, IfMatch, Selection};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::{extract_json, note_json, short, statement_json};

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
    let mut body = json!({
        "id": short("N", n.short), "revision": n.version_token(), "kind": n.kind.as_str(), "text": n.text,
        "author": n.author, "transcript": target.transcript,
    });
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
    expected: IfMatch,
    ApiJson(b): ApiJson<NotePatch>,
) -> ApiResult<Json<Value>> {
    let kind = b.kind.as_deref().map(word::<NoteKind>).transpose()?;
    let n = or_current(wb.edit_note(&id, kind, b.text.as_deref(), expected.token()).await, || current_note(&wb, &id))
        .await?;
    Ok(Json(json!({
        "id": short("N", n.short), "revision": n.version_token(), "kind": n.kind.as_str(), "text": n.text,
        "author": n.author, "anchor": anchor_brief(&n.anchor),
    })))
}

pub(crate) async fn delete_note(Bench(wb): Bench, Path(id): Path<String>, expected: IfMatch) -> ApiResult<Json<Value>> {
    let n = or_current(wb.delete_note(&id, expected.token()).await, || current_note(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": short("N", n.short) })))
}

async fn current_note(wb: &Workbench, id: &str) -> ApiResult<Value> {
    Ok(note_json(&wb.note(id).await?, None, None))
}

/// The exploratory notes of one transcript (`?transcript=T1`) or of the study, optionally of
/// some analysts only (`&author=A&author=B`, or `author=A,B`) — e.g. to compare two analysts'
/// readings of one case. `authors` lists everyone who wrote notes there, for the filter.
pub(crate) async fn list_notes(Bench(wb): Bench, Query(pairs): Query<Vec<(String, String)>>) -> ApiResult<Json<Value>> {
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
    let notes = wb.notes(transcript.as_deref()).await?;
    let (t, v) = match &transcript {
        Some(r) => {
            let (t, v) = wb.transcript(r).await?;
            (Some(t), Some(v))
        }
        None => (None, None),
    };
    let index = v.as_ref().map(|v| idiograph_text::UnitIndex::new(&v.text));
    let list: Vec<Value> = notes
        .iter()
        .filter(|n| wanted.is_empty() || wanted.iter().any(|a| a == &n.author))
        .map(|n| {
            let here = v.as_ref().filter(|v| n.anchor.version_id() == &v.id);
            note_json(n, here, here.and(index.as_ref()))
        })
        .collect();
    let mut authors: Vec<&str> = notes.iter().map(|n| n.author.as_str()).collect();
    authors.sort_unstable();
    authors.dedup();
    Ok(Json(json!({
        "transcript": t.map(|t| short("T", t.short)),
        "authors": authors,
        "notes": list,
    })))
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
) -> ApiResult<(StatusCode, Json<Value>)> {
    let s = match &b.selection {
        Some(selection) => wb.add_statement(&selection.target(&wb).await?, &b.text, &b.from_notes).await?,
        None if !b.from_notes.is_empty() => wb.add_statement_from_notes(&b.text, &b.from_notes).await?,
        None => {
            return Err(ApiError::invalid(
                "a statement needs a passage (transcript, version, start, end) or the notes it is developed from (from_notes)",
            ))
        }
    };
    // From notes alone the passages may lie in several transcripts of the case: no one to name.
    let transcript = b.selection.as_ref().map(|sel| sel.transcript.clone());
    let body = json!({
        "id": short("S", s.short),
        "revision": s.version_token(),
        "text": s.text,
        "transcript": transcript,
        "from_notes": b.from_notes,
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
    expected: IfMatch,
    ApiJson(b): ApiJson<StatementPatch>,
) -> ApiResult<Json<Value>> {
    let s = or_current(wb.edit_statement(&id, &b.text, expected.token()).await, || current_statement(&wb, &id)).await?;
    Ok(Json(json!({ "id": short("S", s.short), "revision": s.version_token(), "text": s.text })))
}

pub(crate) async fn delete_statement(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let s = or_current(wb.delete_statement(&id, expected.token()).await, || current_statement(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": short("S", s.short) })))
}

async fn current_statement(wb: &Workbench, id: &str) -> ApiResult<Value> {
    let now = wb.statement(id).await?;
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    Ok(statement_json(&s, &now, &notes))
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
    let (target, v) = b.selection.target_and_version(&wb).await?;
    let x = wb.add_extract(&b.theme, &target).await?;
    // The reply needs this extract's citation and offsets only, not a snapshot of the whole study.
    let (participant, citation, lines) = wb.cite(&x.participant_id, &x.anchor).await?;
    let span = x.anchor.span();
    let (utf16_start, utf16_end) = idiograph_text::UnitIndex::new(&v.text).span_to_utf16(span);
    let theme =
        idiograph_model::ShortId::parse(idiograph_model::ObjectKind::Theme, &b.theme).map(|t| t.to_string()).ok();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": short("X", x.short),
            "revision": x.version_token(),
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

pub(crate) async fn delete_extract(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let current = || async {
        let s = wb.snapshot().await?;
        let n = idiograph_model::ShortId::parse(idiograph_model::ObjectKind::Extract, &id)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        let x = s
            .extracts
            .iter()
            .find(|x| x.short == n.number())
            .ok_or_else(|| ApiError::not_found(format!("no extract {n} in this project")))?;
        Ok(extract_json(&s, x))
    };
    let x = or_current(wb.delete_extract(&id, expected.token()).await, current).await?;
    Ok(Json(json!({ "deleted": short("X", x.short) })))
}
