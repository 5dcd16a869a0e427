//! Transcripts: the list, upload (multipart from the page, raw body from scripts), and one
//! transcript with its frozen lines, turns and annotations in bytes and UTF-16 units.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idiograph_app::ImportOutcome;
use idiograph_text::{TextSize, UnitIndex};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Bench;
use crate::error::{ApiError, ApiResult};
use crate::view::{anchor_in, note_json, short};

/// The largest upload accepted; the importer refuses files above its own (lower) limit by name.
pub(crate) const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

pub(crate) async fn list(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let list: Vec<Value> = s
        .transcripts
        .iter()
        .map(|t| {
            let v = s.versions.get(&t.current_version);
            json!({
                "id": short("T", t.short),
                "title": t.title,
                "participant": s.participant(&t.participant_id).map(|p| short("P", p.short)),
                "version": t.current_version.as_str(),
                "lines": v.map(|v| v.layout.line_count()),
                "pages": v.map(|v| v.layout.page_count()),
                "created_at": t.created_at,
            })
        })
        .collect();
    Ok(Json(json!({ "transcripts": list })))
}

/// An upload that could not be read: 413 over [`MAX_UPLOAD_BYTES`], else 400.
fn unreadable(status: StatusCode, detail: String) -> ApiError {
    ApiError::unreadable(status, detail, MAX_UPLOAD_BYTES)
}

#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    participant: Option<String>,
    name: Option<String>,
}

fn outcome_json(o: &ImportOutcome) -> Value {
    json!({
        "imported": o.imported.iter().map(|f| json!({
            "id": short("T", f.transcript.short),
            "title": f.transcript.title,
            "file_name": f.file_name,
            "turns": f.turns,
            "lines": f.lines,
            "diagnostics": f.diagnostics,
        })).collect::<Vec<_>>(),
        "refused": o.refused.iter().map(|r| json!({ "file_name": r.file_name, "reason": r.reason })).collect::<Vec<_>>(),
    })
}

/// Imports one or more files for a participant: `multipart/form-data` with a `participant`
/// field and one or more file fields, or a raw body with `?participant=…&name=…`.
pub(crate) async fn upload(
    Bench(wb): Bench,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut participant = q.participant;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    if multipart {
        let mut form = Multipart::from_request(req, &()).await.map_err(|e| unreadable(e.status(), e.body_text()))?;
        while let Some(field) = form.next_field().await.map_err(|e| unreadable(e.status(), e.body_text()))? {
            let file_name = field.file_name().map(str::to_owned);
            let name = field.name().unwrap_or_default().to_owned();
            let data = field.bytes().await.map_err(|e| unreadable(e.status(), e.body_text()))?;
            match file_name {
                Some(f) if !f.is_empty() => files.push((f, data.to_vec())),
                Some(_) => {}
                None if name == "participant" => participant = Some(String::from_utf8_lossy(&data).into_owned()),
                None => {}
            }
        }
    } else {
        let body: Bytes = Bytes::from_request(req, &()).await.map_err(|e| unreadable(e.status(), e.body_text()))?;
        let name = q.name.unwrap_or_else(|| "transcript.txt".to_owned());
        files.push((name, body.to_vec()));
    }
    let participant = participant
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("name the participant the transcripts belong to"))?;
    if files.is_empty() {
        return Err(ApiError::invalid("choose at least one file to import"));
    }
    let outcome = wb.import_files(&participant, files, &Default::default()).await?;
    if outcome.imported.is_empty() {
        let mut body = outcome_json(&outcome);
        let reason = outcome.refused.first().map(|r| r.reason.clone()).unwrap_or_default();
        body["error"] = Value::String(reason);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)));
    }
    Ok((StatusCode::CREATED, Json(outcome_json(&outcome))))
}

/// One frozen line in `GET /api/v1/transcripts/{id}`. Lines and turns are typed and borrow the
/// text, and the reply is written straight to bytes: as `serde_json::Value`s the lines of a
/// 5 MB transcript (92,000) took ten times the text in memory.
#[derive(Serialize)]
struct LineOut<'a> {
    global: u32,
    page: u32,
    line: u32,
    text: &'a str,
    start: u32,
    end: u32,
    utf16_start: usize,
    utf16_end: usize,
}

/// One speaker turn in `GET /api/v1/transcripts/{id}`.
#[derive(Serialize)]
struct TurnOut<'a> {
    label: Option<&'a str>,
    role: Option<&'static str>,
    timestamp: Option<&'a str>,
    start: u32,
    end: u32,
    utf16_start: usize,
    utf16_end: usize,
}

/// The whole reply of `GET /api/v1/transcripts/{id}`.
#[derive(Serialize)]
struct TranscriptOut<'a> {
    id: String,
    title: &'a str,
    participant: String,
    version: &'a str,
    text: &'a str,
    utf16_length: usize,
    pages: u32,
    lines: Vec<LineOut<'a>>,
    turns: Vec<TurnOut<'a>>,
    notes: Vec<Value>,
    statements: Vec<Value>,
    extracts: Vec<Value>,
}

/// One transcript: text, lines (global, page, line, text, offsets), turns, and its notes,
/// statements and extracts on the current version.
pub(crate) async fn get_one(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Response> {
    let view = wb.transcript_view(&id).await?;
    let (t, v) = (&view.transcript, &view.version);
    let index = UnitIndex::new(&v.text);
    let u16 = |b: u32| index.byte_to_utf16(TextSize::new(b));
    let lines: Vec<LineOut> = (1..=v.layout.line_count())
        .filter_map(|g| {
            let span = v.layout.line_span(g)?;
            let text = v.layout.line_text(&v.text, g).unwrap_or_default();
            let pos = v.layout.position(span.start());
            let (start, end) = (span.start().to_u32(), span.start().to_u32() + text.len() as u32);
            Some(LineOut {
                global: g,
                page: pos.page,
                line: pos.line,
                text,
                start,
                end,
                utf16_start: u16(start),
                utf16_end: u16(end),
            })
        })
        .collect();
    let turns: Vec<TurnOut> = v
        .turns
        .iter()
        .map(|turn| TurnOut {
            label: turn.label.as_deref(),
            role: turn.label.as_ref().and_then(|l| t.speakers.get(l)).map(|r| r.as_str()),
            timestamp: turn.timestamp.as_deref(),
            start: turn.span.start().to_u32(),
            end: turn.span.end().to_u32(),
            utf16_start: u16(turn.span.start().to_u32()),
            utf16_end: u16(turn.span.end().to_u32()),
        })
        .collect();
    let here = |a: &idiograph_model::Anchor| a.version_id() == &v.id;
    let anchor = |a: &idiograph_model::Anchor| anchor_in(Some(t), Some(v), a, Some(&index));
    let notes_json: Vec<Value> = view.notes.iter().map(|n| note_json(n, Some(v), Some(&index))).collect();
    let statements: Vec<Value> = view
        .statements
        .iter()
        .map(|st| {
            json!({
                "id": short("S", st.short),
                "text": st.text,
                "anchors": st.anchors.iter().filter(|a| here(a)).map(anchor).collect::<Vec<_>>(),
            })
        })
        .collect();
    let extracts: Vec<Value> = view
        .extracts
        .iter()
        .map(|x| {
            json!({
                "id": short("X", x.short),
                "theme": view.theme(&x.theme_id).map(|th| short("TH", th.short)),
                "citation": view.cite(&x.anchor),
                "anchor": anchor(&x.anchor),
            })
        })
        .collect();
    let reply = TranscriptOut {
        id: short("T", t.short),
        title: &t.title,
        participant: short("P", view.participant.short),
        version: v.id.as_str(),
        text: &v.text,
        utf16_length: index.utf16_len(),
        pages: v.layout.page_count(),
        lines,
        turns,
        notes: notes_json,
        statements,
        extracts,
    };
    let body = serde_json::to_vec(&reply).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize)]
pub(crate) struct AnnotatedQuery {
    #[serde(default)]
    blank: bool,
    /// Refused on a GET: an export despite the leak check is a POST.
    #[serde(default)]
    allow_leaks: Option<String>,
}

/// The annotated three-column transcript (statements | lines | notes) as Word or print-ready
/// HTML; `?blank=true` leaves the margins empty for annotating on paper.
pub(crate) async fn annotated(
    bench: Bench,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<AnnotatedQuery>,
) -> ApiResult<axum::response::Response> {
    let path = format!("/api/v1/transcripts/{id}/annotated/{format}");
    crate::api::misc::refuse_override(&q.allow_leaks, &path)?;
    annotated_download(bench, &id, &format, q.blank, false).await
}

/// The annotated transcript despite the leak check: the explicit override, recorded in the
/// audit log.
pub(crate) async fn annotated_anyway(
    bench: Bench,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<AnnotatedQuery>,
) -> ApiResult<axum::response::Response> {
    annotated_download(bench, &id, &format, q.blank, true).await
}

async fn annotated_download(
    Bench(wb): Bench,
    id: &str,
    format: &str,
    blank: bool,
    allow_leaks: bool,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (docx, content_type) = match format {
        "docx" => (true, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "html" => (false, "text/html; charset=utf-8"),
        other => return Err(ApiError::not_found(format!("no annotated transcript format '{other}' (docx, html)"))),
    };
    let body = wb.annotated_transcript(id, docx, blank, allow_leaks).await?;
    let name = format!("attachment; filename=\"{id}{}.{format}\"", if blank { "-blank" } else { "-annotated" });
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, name),
            // A document of its own: it must not run with our origin's rights.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox".to_owned(),
            ),
        ],
        body,
    )
        .into_response())
}
