//! What the web test crates share: one request sent through a router in process, and its reply.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

/// A reply read whole: status, headers and the body as text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON; the test fails, showing the body, if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The session token the reply's cookie sets.
    pub fn token(&self) -> String {
        let cookie = self.headers[header::SET_COOKIE].to_str().unwrap();
        cookie.strip_prefix("idiograph_session=").unwrap().split(';').next().unwrap().to_owned()
    }
}

/// Sends `req` through `router` and reads the reply.
pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    // A live event stream never ends: its status and headers are the answer.
    if headers.get(header::CONTENT_TYPE).is_some_and(|v| v == "text/event-stream") {
        return Reply { status, headers, body: String::new() };
    }
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}
