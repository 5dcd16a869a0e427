//! Live updates: `GET /api/v1/events`, a server-sent event per committed command — by this
//! process or, on a team server, by any other process working on the same project.
//!
//! Each `change` event carries the audit `seq` (as the event id), time, author, action, the
//! content-free summary and the kinds and ids of the objects touched; pages re-read what they
//! show. A `lagged` event tells a client that fell too far behind to re-read everything.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use idiograph_app::Change;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Bench;
use crate::error::ApiResult;

fn change_json(c: &Change) -> Value {
    json!({
        "seq": c.seq,
        "at": c.at,
        "author": c.author,
        "action": c.action,
        "summary": c.summary,
        "objects": c.objects.iter().map(|(kind, id)| json!({ "kind": kind, "id": id })).collect::<Vec<_>>(),
        "more_objects": c.more_objects,
    })
}

pub(crate) async fn events(Bench(wb): Bench) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let changes = wb.changes().await?;
    let stream = futures_util::stream::unfold(changes, |mut changes| async move {
        let event = match changes.recv().await {
            Ok(c) => Event::default().event("change").id(c.seq.to_string()).data(change_json(&c).to_string()),
            Err(RecvError::Lagged(missed)) => Event::default().event("lagged").data(missed.to_string()),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), changes))
    });
    // Comments every 15 s keep proxies from closing an idle stream and reveal dead clients.
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
