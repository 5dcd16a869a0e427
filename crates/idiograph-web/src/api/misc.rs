//! The journal, recurrence, history with undo and redo, reports, and the OpenAPI document.

use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idiograph_app::{views, ExportFormat, GuideFormat, ResultsFormat, UndoOutcome, Workbench};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiJson, IfMatch};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::value;

pub(crate) async fn list_journal(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "journal": wb.journal_views().await? })))
}

#[derive(Deserialize)]
pub(crate) struct NewEntry {
    text: String,
    about: Option<String>,
}

pub(crate) async fn add_journal(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewEntry>,
) -> ApiResult<(StatusCode, Json<views::JournalEntry>)> {
    let about = b.about.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let j = wb.add_journal(&b.text, about).await?;
    Ok((StatusCode::CREATED, Json(wb.journal_view(j.short_id()).await?)))
}

#[derive(Deserialize)]
pub(crate) struct EntryPatch {
    text: String,
}

pub(crate) async fn patch_journal(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<EntryPatch>,
) -> ApiResult<Json<views::JournalEntry>> {
    let j = or_current(wb.edit_journal(&id, &b.text, expected.token()).await, || current_entry(&wb, &id)).await?;
    Ok(Json(wb.journal_view(j.short_id()).await?))
}

pub(crate) async fn delete_journal(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let j = or_current(wb.delete_journal(&id, expected.token()).await, || current_entry(&wb, &id)).await?;
    Ok(Json(json!({ "deleted": j.short_id() })))
}

async fn current_entry(wb: &Workbench, id: &str) -> ApiResult<Value> {
    Ok(value(wb.journal_view(id).await?))
}

pub(crate) async fn recurrence(Bench(wb): Bench) -> ApiResult<Json<views::Recurrence>> {
    Ok(Json(views::Recurrence::of(&wb.snapshot().await?)))
}

#[derive(Deserialize)]
pub(crate) struct HistoryQuery {
    limit: Option<i64>,
}

pub(crate) async fn history(Bench(wb): Bench, Query(q): Query<HistoryQuery>) -> ApiResult<Json<Value>> {
    let events = wb.history(q.limit.unwrap_or(100).clamp(1, 10_000)).await?;
    let list: Vec<views::AuditEvent> = events.iter().map(views::AuditEvent::of).collect();
    Ok(Json(json!({ "events": list })))
}

fn undo_json(o: Option<UndoOutcome>, what: &str) -> Json<Value> {
    Json(match o {
        Some(o) => {
            json!({ "done": true, "action": o.target.action.as_str(), "summary": o.target.summary, "event": o.event_seq })
        }
        None => json!({ "done": false, "message": format!("nothing to {what}") }),
    })
}

pub(crate) async fn undo(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(undo_json(wb.undo().await?, "undo"))
}

pub(crate) async fn redo(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(undo_json(wb.redo().await?, "redo"))
}

/// The content type of a Word document.
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The exports offered: path word, label, content type. `csv-…` words name one table.
pub(crate) const REPORTS: &[(&str, &str, &str)] = &[
    ("md", "Report, Markdown (.md)", "text/markdown; charset=utf-8"),
    ("html", "Report, self-contained HTML (.html)", "text/html; charset=utf-8"),
    ("docx", "Write-up pack, Word (.docx)", DOCX),
    ("xlsx", "All tables, Excel (.xlsx)", XLSX),
    ("csv-gets", "Group themes table (.csv)", "text/csv; charset=utf-8"),
    ("csv-pets", "Personal themes table (.csv)", "text/csv; charset=utf-8"),
    ("csv-statements", "Statements table (.csv)", "text/csv; charset=utf-8"),
    ("csv-recurrence", "Recurrence matrix (.csv)", "text/csv; charset=utf-8"),
    ("csv-extracts", "Extracts table (.csv)", "text/csv; charset=utf-8"),
    ("csv-notes", "Exploratory notes table (.csv)", "text/csv; charset=utf-8"),
    ("svg", "Theme map (.svg)", "image/svg+xml"),
    ("png", "Theme map, 300 dpi (.png)", "image/png"),
    ("audit", "Audit trail (.html)", "text/html; charset=utf-8"),
    ("audit-csv", "Audit trail (.csv)", "text/csv; charset=utf-8"),
    ("coreq", "COREQ checklist, pre-filled (.md)", "text/markdown; charset=utf-8"),
    ("srqr", "SRQR checklist, pre-filled (.md)", "text/markdown; charset=utf-8"),
    ("qdpx", "REFI-QDA project for NVivo, ATLAS.ti, MAXQDA (.qdpx)", "application/zip"),
    ("qdc", "REFI-QDA codebook (.qdc)", "application/xml"),
];

/// Options of an export download.
#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    /// Refused on a GET: an export despite the leak check is a POST (see [`refuse_override`]).
    #[serde(default)]
    allow_leaks: Option<String>,
}

/// Refuses `allow_leaks` on a GET: the override writes an audit event, and a GET can be sent
/// from any web page (an `<img>` would do), so only a same-origin POST may override.
pub(crate) fn refuse_override(allow_leaks: &Option<String>, path: &str) -> ApiResult<()> {
    match allow_leaks {
        None => Ok(()),
        Some(_) => Err(ApiError::bad_request(format!(
            "an export despite the leak check is recorded in the audit log, so it is a POST \
             from the workbench's own pages: POST {path}"
        ))),
    }
}

/// Downloads a report or export; the leak check applies.
pub(crate) async fn report(
    bench: Bench,
    Path(format): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    refuse_override(&q.allow_leaks, &format!("/api/v1/reports/{format}"))?;
    download_report(bench, &format, false).await
}

/// Downloads a report or export despite the leak check: the explicit override, recorded in the
/// audit log.
pub(crate) async fn report_anyway(bench: Bench, Path(format): Path<String>) -> ApiResult<Response> {
    download_report(bench, &format, true).await
}

async fn download_report(Bench(wb): Bench, format: &str, allow_leaks: bool) -> ApiResult<Response> {
    let (word, _, content_type) = REPORTS
        .iter()
        .find(|(w, ..)| *w == format)
        .ok_or_else(|| ApiError::not_found(format!("no report format '{format}'")))?;
    let (body, ext) = match *word {
        "qdpx" => (wb.export_qdpx(allow_leaks).await?, "qdpx"),
        "qdc" => (wb.export_qdc(allow_leaks).await?, "qdc"),
        w => {
            let f = match w.strip_prefix("csv-") {
                Some(table) => ExportFormat::parse("csv", Some(table))?,
                None => ExportFormat::parse(w, None)?,
            };
            (wb.export(f, allow_leaks).await?, f.extension())
        }
    };
    attachment(body, &format!("idiograph-{word}.{ext}"), content_type)
}

/// An export as a download named `file_name`.
fn attachment(body: Vec<u8>, file_name: &str, content_type: &'static str) -> ApiResult<Response> {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(ApiError::internal)?),
            // An exported document is a document of its own; it must not run with our origin's rights.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"),
            ),
        ],
        body,
    )
        .into_response())
}

/// Downloads a figure, `theme-map.svg` to `flow.png`; the leak check applies.
pub(crate) async fn figure(
    bench: Bench,
    Path(file): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    refuse_override(&q.allow_leaks, &format!("/api/v1/figures/{file}"))?;
    download_figure(bench, &file, false).await
}

/// Downloads a figure despite the leak check: the explicit override, recorded in the audit log.
pub(crate) async fn figure_anyway(bench: Bench, Path(file): Path<String>) -> ApiResult<Response> {
    download_figure(bench, &file, true).await
}

async fn download_figure(Bench(wb): Bench, file: &str, allow_leaks: bool) -> ApiResult<Response> {
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found(format!("no figure '{file}' (try theme-map.svg or heatmap.png)")))?;
    let format = ExportFormat::figure(name, ext).map_err(|e| ApiError::not_found(e.to_string()))?;
    let content_type = if format.extension() == "png" { "image/png" } else { "image/svg+xml" };
    attachment(wb.export(format, allow_leaks).await?, &format!("idiograph-{file}"), content_type)
}

/// Downloads the results section scaffold as `docx`, `md` or `tex`; the leak check applies.
pub(crate) async fn results(
    bench: Bench,
    Path(format): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    refuse_override(&q.allow_leaks, &format!("/api/v1/results/{format}"))?;
    download_results(bench, &format, false).await
}

/// Downloads the results scaffold despite the leak check: the explicit override, recorded in
/// the audit log.
pub(crate) async fn results_anyway(bench: Bench, Path(format): Path<String>) -> ApiResult<Response> {
    download_results(bench, &format, true).await
}

async fn download_results(Bench(wb): Bench, format: &str, allow_leaks: bool) -> ApiResult<Response> {
    let export = ExportFormat::results(format).map_err(|e| ApiError::not_found(e.to_string()))?;
    let content_type = match export {
        ExportFormat::Results(ResultsFormat::Docx) => DOCX,
        ExportFormat::Results(ResultsFormat::Latex) => "application/x-tex; charset=utf-8",
        _ => "text/markdown; charset=utf-8",
    };
    let name = format!("idiograph-results.{}", export.extension());
    attachment(wb.export(export, allow_leaks).await?, &name, content_type)
}

/// Downloads the answers to the interview guide as `xlsx` or `md`; the leak check applies.
pub(crate) async fn guide_answers(
    bench: Bench,
    Path(format): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    refuse_override(&q.allow_leaks, &format!("/api/v1/guide/answers/{format}"))?;
    download_guide_answers(bench, &format, false).await
}

/// Downloads the answers despite the leak check: the explicit override, recorded in the audit log.
pub(crate) async fn guide_answers_anyway(bench: Bench, Path(format): Path<String>) -> ApiResult<Response> {
    download_guide_answers(bench, &format, true).await
}

async fn download_guide_answers(Bench(wb): Bench, format: &str, allow_leaks: bool) -> ApiResult<Response> {
    let f = GuideFormat::parse(format).ok_or_else(|| {
        let names: Vec<&str> = GuideFormat::ALL.iter().map(|f| f.extension()).collect();
        ApiError::not_found(format!("answers format '{format}' is not one of: {}", names.join(", ")))
    })?;
    let content_type = match f {
        GuideFormat::Xlsx => XLSX,
        GuideFormat::Markdown => "text/markdown; charset=utf-8",
    };
    let name = format!("idiograph-guide-answers.{}", f.extension());
    attachment(wb.export_guide_answers(f, allow_leaks).await?, &name, content_type)
}

/// The OpenAPI document: the routes as written in `openapi.json`, with the schemas of the
/// study's objects generated from their view types, so the document cannot drift from what
/// the API (and the command line's `--json`) sends. Made once per process.
pub(crate) async fn openapi() -> Response {
    static DOCUMENT: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = DOCUMENT.get_or_init(|| {
        let mut doc: Value = serde_json::from_str(crate::assets::OPENAPI).unwrap_or_else(|_| json!({}));
        if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
            schemas.extend(views::schemas());
        }
        serde_json::to_vec_pretty(&doc).unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}
