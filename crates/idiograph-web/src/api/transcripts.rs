//! Transcripts: the list, upload (multipart from the page, raw body from scripts), and one
//! transcript with its frozen lines, turns and annotations in bytes and UTF-16 units.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idiograph_app::{views, ImportOutcome};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Bench;
use crate::error::{ApiError, ApiResult};

/// The largest upload accepted; the importer refuses files above its own (lower) limit by name.
pub(crate) const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

pub(crate) async fn list(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "transcripts": views::Transcript::all(&wb.snapshot().await?) })))
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
            "id": f.transcript.short_id(),
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
                // Taken, not copied: a file near the size limit must not be held twice.
                Some(f) if !f.is_empty() => files.push((f, Vec::from(data))),
                Some(_) => {}
                None if name == "participant" => participant = Some(String::from_utf8_lossy(&data).into_owned()),
                None => {}
            }
        }
    } else {
        let body: Bytes = Bytes::from_request(req, &()).await.map_err(|e| unreadable(e.status(), e.body_text()))?;
        let name = q.name.unwrap_or_else(|| "transcript.txt".to_owned());
        files.push((name, Vec::from(body)));
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

/// One transcript: text, lines (global, page, line, text, offsets), turns, and its notes,
/// statements and extracts on the current version. The reply is streamed: serialised on a
/// blocking thread in 64 KiB pieces as the client reads them, with the lines made one by one,
/// so a transcript at the size limit (a 190 MB reply) never sits in memory whole.
pub(crate) async fn get_one(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Response> {
    let read = wb.transcript_view(&id).await?;
    let recording = read.recording.clone();
    let (s, notes) = read.into_snapshot();
    let whole = s
        .transcripts
        .first()
        .is_some_and(|t| s.versions.contains_key(&t.current_version) && s.participant(&t.participant_id).is_some());
    if !whole {
        return Err(ApiError::internal(format!("transcript {id} has no current version")));
    }
    let (pieces, received) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, Pieces(pieces));
        if let Some(reply) = views::TranscriptText::of(&s, &notes, recording.as_ref()) {
            // A client that went away ends the writing with an error; nothing else can fail.
            let _ = serde_json::to_writer(&mut out, &reply)
                .map_err(std::io::Error::from)
                .and_then(|()| std::io::Write::flush(&mut out));
        }
    });
    let body = axum::body::Body::from_stream(futures_util::stream::unfold(received, |mut r| async move {
        r.recv().await.map(|piece| (piece, r))
    }));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Hands what is written to the response body, piece by piece, waiting while the client is
/// behind; fails once the client has gone.
struct Pieces(tokio::sync::mpsc::Sender<std::io::Result<Bytes>>);

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
