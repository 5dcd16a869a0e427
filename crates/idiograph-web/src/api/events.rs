//! Live updates: `GET /api/v1/events`, a server-sent event per committed command — by this
//! process or, on a team server, by any other process working on the same project.
//!
//! Each `change` event carries the audit `seq` (as the event id), time, author, action, the
//! content-free summary and the kinds and ids of the objects touched; pages re-read what they
//! show. A `lagged` event tells a client that fell too far behind to re-read everything.
//!
//! A page names the last command it had seen when rendered (`?after=SEQ`), and a reconnecting
//! browser the last event it received (`Last-Event-ID`): the stream first replays what committed
//! since, so a change made between rendering and listening, or while disconnected, is not missed.

use std::convert::Infallible;

use axum::extract::Query;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{Stream, StreamExt};
use idiograph_app::{Change, Workbench};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Bench;
use crate::error::ApiResult;

fn change_json(c: &Change) -> Value {
    json!({
        "seq": c.seq,
        "at": c.at,
        "author": c.author,
        "action": c.action.as_str(),
        "summary": c.summary,
        "objects": c.objects.iter().map(|(kind, id)| json!({ "kind": kind.as_str(), "id": id.as_str() })).collect::<Vec<_>>(),
        "more_objects": c.more_objects,
    })
}

/// Where a client resumes: `?after=SEQ` from the page.
#[derive(Deserialize)]
pub(crate) struct Resume {
    after: Option<i64>,
}

pub(crate) async fn events(
    Bench(wb): Bench,
    Query(q): Query<Resume>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Listen first, then read the backlog: whatever commits in between arrives twice and is
    // dropped by its seq, rather than not at all.
    let changes = wb.changes().await?;
    let reconnected = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
    let mut backlog: Vec<Event> = Vec::new();
    let mut seen = 0;
    if let Some(resume) = q.after.into_iter().chain(reconnected).max() {
        let missed = wb.changes_after(resume).await?;
        seen = missed.last().map_or(resume, |c| c.seq);
        if missed.len() == Workbench::CHANGES_AT_ONCE {
            backlog.push(Event::default().event("lagged").data(missed.len().to_string()));
        } else {
            backlog.extend(missed.iter().map(change_event));
        }
    }
    let live = futures_util::stream::unfold((changes, seen), |(mut changes, seen)| async move {
        loop {
            let event = match changes.recv().await {
                Ok(c) if c.seq <= seen => continue,
                Ok(c) => change_event(&c),
                Err(RecvError::Lagged(missed)) => Event::default().event("lagged").data(missed.to_string()),
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok(event), (changes, seen)));
        }
    });
    let stream = futures_util::stream::iter(backlog.into_iter().map(Ok)).chain(live);
    // Comments every 15 s keep proxies from closing an idle stream and reveal dead clients.
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn change_event(c: &Change) -> Event {
    Event::default().event("change").id(c.seq.to_string()).data(change_json(c).to_string())
}
