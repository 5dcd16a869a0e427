//! The one error type of the API and the one of the pages, each mapping application errors
//! to a status code: invalid input 422, missing object 404, not allowed 403, conflict 409, anything else 500
//! with a generic message (the cause goes to the server's standard error, never to the client).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use idiograph_app::AppError;

/// An API error: a status and a message, answered as `{"error": "…"}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

/// The result of an API handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, message: message.into() }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, message: message.into() }
    }

    pub(crate) fn internal(cause: impl std::fmt::Display) -> ApiError {
        eprintln!("idiograph-web: internal error: {cause}");
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: "internal error; see the server's log".into() }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::Invalid(m) => ApiError::invalid(m),
            AppError::NotFound(m) => ApiError::not_found(m),
            AppError::Conflict(m) => ApiError { status: StatusCode::CONFLICT, message: m },
            // The export would name real people: the request is understood but refused.
            AppError::Leak(m) => ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, message: m },
            AppError::Forbidden(m) => ApiError { status: StatusCode::FORBIDDEN, message: m },
            // A refused file is the user's input, named in the message, not a server fault.
            AppError::Import(e) => ApiError::invalid(e.to_string()),
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
        (self.status, axum::Json(serde_json::json!({ "error": self.message }))).into_response()
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
