//! A transcript's recording: attached by upload, removed, listed, its line times for the
//! player, and its bytes served with HTTP range requests (RFC 9110 §14), so that a player seeks
//! in a long video at once. The bytes are streamed one stored piece at a time, never whole.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Json;
use idiograph_app::{probe_recording, views, MediaFile, RecordingBytes};
use serde::Deserialize;
use serde_json::{json, Value};

use super::Upload;
use crate::auth::Bench;
use crate::error::{ApiError, ApiResult};

/// The largest recording an upload may carry: an hour of 16-bit stereo WAV (635 MB) or of
/// compressed video fits. The server holds an upload in memory while it stores it (the
/// command line streams a file from disk instead), so this also bounds that memory.
pub(crate) const MAX_RECORDING_BYTES: usize = 1024 * 1024 * 1024;

#[derive(Deserialize)]
pub(crate) struct AttachQuery {
    /// The file's name, for a raw body (a form's file field carries its own).
    name: Option<String>,
}

/// Every recording of the study.
pub(crate) async fn list(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "recordings": wb.recording_views().await? })))
}

/// Attaches a recording to a transcript: a multipart form's file, or the raw body with
/// `?name=FILE`. Replaces a recording the transcript had. 201 with the recording.
pub(crate) async fn attach(
    Bench(wb): Bench,
    Path(id): Path<String>,
    Query(q): Query<AttachQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<views::Recording>)> {
    let upload = Upload::read(req, MAX_RECORDING_BYTES).await?;
    let name = upload.name.or(q.name).filter(|n| !n.trim().is_empty()).ok_or_else(|| {
        ApiError::invalid("name the recording's file (a form's file field, or ?name=interview.mp3 with a raw body)")
    })?;
    // Shared, not copied: the probe reads the headers of the same bytes the attach stores.
    let bytes = axum::body::Bytes::from(upload.bytes);
    let mut source: &[u8] = &bytes;
    let mut media = MediaFile::by_name(&name, &mut source)?;
    media.duration_ms = probe_recording(&name, std::io::Cursor::new(bytes.clone()))?;
    let recording = wb.attach_recording(id.as_str(), media).await?;
    Ok((StatusCode::CREATED, Json(views::Recording::of(&recording, transcript_id(&wb, &id).await?))))
}

/// The short id of transcript `id` as the user named it.
async fn transcript_id(wb: &idiograph_app::Workbench, id: &str) -> ApiResult<idiograph_model::ShortId> {
    Ok(wb.transcript(id).await?.0.short_id())
}

/// Removes a transcript's recording (undoable).
pub(crate) async fn remove(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let recording = wb.remove_recording(id.as_str()).await?;
    Ok(Json(json!({ "deleted": recording.short_id() })))
}

/// When the lines of the transcript's current version are spoken.
pub(crate) async fn line_times(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<views::LineTimes>> {
    Ok(Json(wb.line_times(id.as_str()).await?))
}

/// The recording's bytes: all of them (200), or the one range asked for (206 with
/// `Content-Range`). A request for several ranges is answered with the first satisfiable one
/// alone, which RFC 9110 allows and every media player is content with; a range wholly past the
/// end is 416 with the length. `If-Range` naming another version (or a date: recordings carry
/// no modification time) gets the whole recording; `If-None-Match` naming this one gets 304.
pub(crate) async fn serve(Bench(wb): Bench, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    let Some(recording) = wb.recording(id.as_str()).await? else {
        return Err(ApiError::not_found(format!("{} has no recording", transcript_id(&wb, &id).await?)));
    };
    let etag = format!("\"{}\"", recording.sha256);
    let length = recording.byte_length;
    let names_this = |name: header::HeaderName| {
        headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    };
    let mut response = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag.as_str())
        .header(header::CONTENT_TYPE, header_value(&recording.mime, "application/octet-stream"))
        .header(header::CACHE_CONTROL, "private, no-cache");
    if names_this(header::IF_NONE_MATCH) {
        return response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).map_err(ApiError::internal);
    }
    let asked = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| !headers.contains_key(header::IF_RANGE) || names_this(header::IF_RANGE))
        .and_then(|v| first_range(v, length));
    let (status, range) = match asked {
        None => (StatusCode::OK, 0..length),
        Some(Err(Unsatisfiable)) => {
            let refused = response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{length}"))
                .body(Body::empty());
            return refused.map_err(ApiError::internal);
        }
        Some(Ok(range)) => {
            response =
                response.header(header::CONTENT_RANGE, format!("bytes {}-{}/{length}", range.start, range.end - 1));
            (StatusCode::PARTIAL_CONTENT, range)
        }
    };
    let body = Body::from_stream(pieces(wb.recording_bytes(&recording, range.clone())));
    response
        .status(status)
        .header(header::CONTENT_LENGTH, range.end - range.start)
        .body(body)
        .map_err(ApiError::internal)
}

/// A header value of stored text, or `fallback` when the text cannot be one.
fn header_value(text: &str, fallback: &'static str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(fallback))
}

/// The bytes as a response body, one stored piece at a time; an error ends the body (the
/// client sees a short response, as for a dropped connection).
fn pieces(reader: RecordingBytes) -> impl futures_util::stream::Stream<Item = std::io::Result<Bytes>> {
    futures_util::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_piece().await {
            Ok(Some(piece)) => Some((Ok(Bytes::from(piece)), Some(reader))),
            Ok(None) => None,
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    })
}

/// A `Range` header none of whose ranges lies within the recording.
#[derive(Debug, PartialEq, Eq)]
struct Unsatisfiable;

/// The first satisfiable range of a `Range: bytes=…` header over `length` bytes, as a half-open
/// byte range; `Err` when none is satisfiable, `None` when the header is not a byte range set
/// (which is then ignored, as RFC 9110 says). Ranges: `first-last`, `first-` and `-suffix`.
fn first_range(header: &str, length: u64) -> Option<Result<std::ops::Range<u64>, Unsatisfiable>> {
    let (unit, set) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let number = |t: &str| -> Option<u64> {
        let t = t.trim();
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok()).flatten()
    };
    let mut ranges = Vec::new();
    for spec in set.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (first, last) = spec.split_once('-')?;
        let range = match (first.trim().is_empty(), number(first), number(last)) {
            (true, _, Some(suffix)) => length.saturating_sub(suffix)..length,
            (false, Some(first), None) if last.trim().is_empty() => first..length,
            (false, Some(first), Some(last)) if first <= last => first..last.saturating_add(1).min(length),
            _ => return None,
        };
        ranges.push(range);
    }
    if ranges.is_empty() {
        return None;
    }
    Some(ranges.into_iter().find(|r| r.start < r.end).ok_or(Unsatisfiable))
}

#[cfg(test)]
mod tests {
    use super::{first_range, Unsatisfiable};

    #[test]
    fn byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(first_range("bytes=0-499", 1000), Some(Ok(0..500)));
        assert_eq!(first_range("bytes=500-", 1000), Some(Ok(500..1000)));
        assert_eq!(first_range("bytes=-300", 1000), Some(Ok(700..1000)));
        assert_eq!(first_range("bytes=-3000", 1000), Some(Ok(0..1000)), "a suffix longer than the file is all of it");
        assert_eq!(first_range("bytes=900-5000", 1000), Some(Ok(900..1000)), "a last byte past the end is the end");
        assert_eq!(first_range("bytes=2000-3000, 10-19", 1000), Some(Ok(10..20)), "the first satisfiable range");
        assert_eq!(first_range("bytes=1000-", 1000), Some(Err(Unsatisfiable)));
        assert_eq!(first_range("bytes=-0", 1000), Some(Err(Unsatisfiable)));
        // Not a byte range set: ignored, and the whole recording is sent.
        assert_eq!(first_range("items=0-5", 1000), None);
        assert_eq!(first_range("bytes=5-2", 1000), None);
        assert_eq!(first_range("bytes=a-b", 1000), None);
        assert_eq!(first_range("bytes=", 1000), None);
    }
}
