//! The JSON API under `/api/v1`: every action the pages take, through the same `Workbench`
//! commands. Handlers extract the request, call one method and map the result.

pub(crate) mod annotations;
pub(crate) mod deid;
pub(crate) mod events;
pub(crate) mod guide;
pub(crate) mod members;
pub(crate) mod misc;
pub(crate) mod recordings;
pub(crate) mod study;
pub(crate) mod themes;
pub(crate) mod transcript_setup;
pub(crate) mod transcripts;

use axum::extract::{FromRequest, Request};
use idiograph_app::{Target, Workbench};
use idiograph_model::TranscriptVersion;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, ApiResult};

/// A file sent to an import route: the file field of a `multipart/form-data` form (the pages'
/// forms) with the form's other fields by name, or the whole request body (scripts).
pub(crate) struct Upload {
    /// The file's name, when the form gave one.
    pub name: Option<String>,
    /// The file.
    pub bytes: Vec<u8>,
    /// The form's other fields.
    pub fields: std::collections::BTreeMap<String, String>,
}

impl Upload {
    /// Reads the upload; a body that cannot be read is answered with its status (413 over the
    /// route's `limit`, else 400).
    pub(crate) async fn read(req: Request, limit: usize) -> ApiResult<Upload> {
        use axum::body::Bytes;
        use axum::extract::Multipart;
        use axum::http::header;
        let unreadable = |status, detail| ApiError::unreadable(status, detail, limit);
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let mut upload = Upload { name: None, bytes: Vec::new(), fields: Default::default() };
        if !multipart {
            // Taken, not copied: a recording may be near a gigabyte.
            upload.bytes =
                Vec::from(Bytes::from_request(req, &()).await.map_err(|e| unreadable(e.status(), e.body_text()))?);
            return Ok(upload);
        }
        let mut form = Multipart::from_request(req, &()).await.map_err(|e| unreadable(e.status(), e.body_text()))?;
        while let Some(field) = form.next_field().await.map_err(|e| unreadable(e.status(), e.body_text()))? {
            let (file_name, name) = (field.file_name().map(str::to_owned), field.name().map(str::to_owned));
            let data = field.bytes().await.map_err(|e| unreadable(e.status(), e.body_text()))?;
            match (file_name, name) {
                (Some(f), _) => (upload.name, upload.bytes) = (Some(f), Vec::from(data)),
                (None, Some(n)) => {
                    upload.fields.insert(n, String::from_utf8_lossy(&data).into_owned());
                }
                (None, None) => {}
            }
        }
        Ok(upload)
    }
}

/// The largest body of a request other than an upload.
pub(crate) const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A JSON body whose rejections are answered as `{"error": …}`: 413 over [`MAX_BODY_BYTES`],
/// else 400.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::unreadable(e.status(), e.body_text(), MAX_BODY_BYTES)),
        }
    }
}

/// The `If-Match` header of an update or delete: the version token of the object as the client
/// last read it (the `revision` field of every editable object the API shows; `version` names
/// transcript versions). Without it the change
/// applies to whatever is stored, as the command line does.
pub(crate) struct IfMatch(pub(crate) Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(axum::http::header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => v
                .to_str()
                .map(|t| IfMatch(Some(t.trim().trim_matches('"').to_owned())))
                .map_err(|_| ApiError::bad_request("the If-Match header must be a version token")),
        }
    }
}

impl IfMatch {
    /// The token, for a command's `expected` argument.
    pub(crate) fn token(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// The unit a selection's offsets are counted in.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Unit {
    /// UTF-8 bytes, the stored unit.
    #[default]
    Utf8,
    /// UTF-16 code units, as JavaScript strings count.
    Utf16,
    /// Characters (Unicode scalar values).
    Chars,
    /// Global line numbers as the transcript view shows them, first and last inclusive — for
    /// annotating without a pointer.
    Lines,
}

/// A passage as a client names it: transcript, version, and offsets in some unit.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Selection {
    pub(crate) transcript: String,
    pub(crate) version: String,
    #[serde(deserialize_with = "number")]
    pub(crate) start: usize,
    #[serde(deserialize_with = "number")]
    pub(crate) end: usize,
    #[serde(default)]
    pub(crate) unit: Unit,
    /// Where the recording was (milliseconds) when the passage was selected, if it was playing.
    #[serde(default)]
    pub(crate) heard_ms: Option<u64>,
}

impl Selection {
    /// Converts the offsets into UTF-8 bytes of the transcript's current version. This is the
    /// edge where browser units end: nothing past it sees UTF-16.
    pub(crate) async fn target(&self, wb: &Workbench) -> ApiResult<Target> {
        Ok(self.target_and_version(wb).await?.0)
    }

    /// [`Selection::target`] with the version it is on, for a reply that needs the text too
    /// (versions are immutable, so it stays the one the new anchor is on).
    pub(crate) async fn target_and_version(
        &self,
        wb: &Workbench,
    ) -> ApiResult<(Target, std::sync::Arc<TranscriptVersion>)> {
        let (t, v) = wb.transcript(&self.transcript).await?;
        if v.id.as_str() != self.version {
            return Err(ApiError::invalid(format!(
                "the selection was made on another version of {} than the current one; reload and select again",
                t.short_id()
            )));
        }
        let (start, end) = match self.unit {
            Unit::Utf8 => {
                // Checked here, in full width: a stored span is 32-bit, and 2^32 + 5 must not
                // become 5.
                let text = &v.text;
                if self.start > self.end || self.end > text.len() {
                    return Err(ApiError::invalid(format!(
                        "bytes {}–{} are outside {} (0–{} bytes)",
                        self.start,
                        self.end,
                        t.short_id(),
                        text.len()
                    )));
                }
                if !text.is_char_boundary(self.start) || !text.is_char_boundary(self.end) {
                    return Err(ApiError::invalid(format!(
                        "bytes {}–{} of {} cut through a character",
                        self.start,
                        self.end,
                        t.short_id()
                    )));
                }
                (self.start, self.end)
            }
            Unit::Lines => {
                let span = v
                    .lines_to_span(self.start.min(u32::MAX as usize) as u32, self.end.min(u32::MAX as usize) as u32)
                    .map_err(|e| {
                        ApiError::invalid(format!("lines {}–{} of {}: {e}", self.start, self.end, t.short_id()))
                    })?;
                (span.start().to_usize(), span.end().to_usize())
            }
            Unit::Utf16 | Unit::Chars => {
                let index = v.units();
                let span = match self.unit {
                    Unit::Utf16 => index.span_from_utf16(self.start, self.end),
                    _ => index.span_from_chars(self.start, self.end),
                }
                .map_err(|e| ApiError::invalid(format!("selection in {}: {e}", t.short_id())))?;
                (span.start().to_usize(), span.end().to_usize())
            }
        };
        let target = Target::from_bytes(&v, start, end)
            .map_err(|e| ApiError::invalid(format!("selection in {}: {e}", t.short_id())))?;
        let target = match self.heard_ms {
            Some(ms) => target.heard_at(ms),
            None => target,
        };
        Ok((target, v))
    }
}

/// A whole number given as a JSON number or, from a plain HTML form, as a numeric string.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(usize),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Number(n) => Ok(n),
        Either::Text(t) => {
            t.trim().parse().map_err(|_| serde::de::Error::custom(format!("'{t}' is not a whole number")))
        }
    }
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub(crate) fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Parses a word enum (note kind, strategy…) or answers 422 naming the accepted words.
pub(crate) fn word<T: std::str::FromStr>(text: &str) -> ApiResult<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e: T::Err| ApiError::invalid(e.to_string()))
}
