//! The one error type of the API and the one of the pages, each mapping application errors
//! to a status code: invalid input 422, missing object 404, not allowed 403, conflict 409 (for a
//! stale version token with the object as it is now), database out of reach 503, a failed search
//! index 500 saying so, anything else 500 with a generic message (the cause goes to the server's
//! standard error, never to the client).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use idiograph_app::AppError;

/// An API error: a status and a message, answered as `{"error": "…"}`, plus `"current"`: the
/// object as it is now, when the client's version of it was stale.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    current: Option<serde_json::Value>,
}

/// The result of an API handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), current: None }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// A request whose body could not be read (`status` and `detail` from axum's rejection): one
    /// over the size limit `limit` (bytes) is 413 Payload Too Large with the limit named,
    /// anything else 400 with axum's reason.
    pub(crate) fn unreadable(status: StatusCode, detail: String, limit: usize) -> ApiError {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            let mb = limit as f64 / (1024.0 * 1024.0);
            return ApiError::new(status, format!("the request body is over the {mb} MiB limit of this address"));
        }
        ApiError::bad_request(detail)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn internal(cause: impl std::fmt::Display) -> ApiError {
        eprintln!("idiograph-web: internal error: {cause}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server's log")
    }
}

/// Maps the result of a command that named a version: a stale version becomes 409 with the
/// message and `current()`, the object as it is now (`null` if it is gone or cannot be read).
pub(crate) async fn or_current<T, F>(result: Result<T, AppError>, current: impl FnOnce() -> F) -> ApiResult<T>
where
    F: std::future::Future<Output = ApiResult<serde_json::Value>>,
{
    match result {
        Err(AppError::Stale(message)) => Err(ApiError {
            status: StatusCode::CONFLICT,
            message,
            current: Some(current().await.unwrap_or(serde_json::Value::Null)),
        }),
        other => Ok(other?),
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Invalid(m) => ApiError::invalid(m),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::Conflict(m) | AppError::Stale(m) => ApiError::new(StatusCode::CONFLICT, m),
            AppError::Unavailable(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m),
            // The export would name real people: the request is understood but refused.
            AppError::Leak(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            // A refused file is the user's input, named in the message, not a server fault.
            AppError::Import(e) => ApiError::invalid(e.to_string()),
            // Derived data beside the project failed (after the search rebuilt it once): the
            // server's fault, said plainly, with the cause in the log.
            e @ AppError::Index(_) => {
                eprintln!("idiograph-web: search index error: {e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the search index could not be read or written; the cause is in the server's log",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<askama::Error> for ApiError {
    fn from(e: askama::Error) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let Some(current) = self.current {
            body["current"] = current;
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("2"));
        }
        response
    }
}

/// A page error: the same mapping, answered as a small HTML page.
#[derive(Debug)]
pub(crate) struct PageError(pub(crate) ApiError);

/// The result of a page handler.
pub(crate) type PageResult = Result<Html<String>, PageError>;

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = crate::pages::ErrorPage {
            status: self.0.status.as_u16(),
            reason: self.0.status.canonical_reason().unwrap_or("Error").to_owned(),
            message: self.0.message,
        };
        let body = askama::Template::render(&page).unwrap_or_else(|_| "error".to_owned());
        (self.0.status, Html(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_search_index_is_a_server_error_that_says_so_and_keeps_the_cause() {
        let e = ApiError::from(AppError::Index("meta.json: unreadable".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.message.contains("search index"), "{}", e.message);
        assert!(!e.message.contains("meta.json"), "the cause stays in the server's log: {}", e.message);
    }
}
