//! Pseudonymisation: the key store, known identifiers, the review queue with its decisions,
//! applying the replacements, and the de-identification log. Queue offsets go to the browser in
//! UTF-16 units beside the stored UTF-8 bytes, and come back in either (a [`Selection`]).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use idiograph_app::{deid_log_csv, ApplyScope, KeyStatus, ReviewItem, Snapshot};
use idiograph_model::{OriginalsPolicy, Verdict};
use idiograph_text::Span;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{word, ApiJson, Selection};
use crate::auth::Bench;
use crate::error::{ApiError, ApiResult};

fn status_json(s: &KeyStatus) -> Value {
    json!({
        "key_store": s.exists, "unlocked": s.unlocked, "location": s.location,
        "originals": s.originals.as_str(), "known": s.known,
    })
}

pub(crate) async fn status(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(status_json(&wb.key_status().await?)))
}

#[derive(Deserialize)]
pub(crate) struct Unlock {
    passphrase: String,
    /// Refused when given: see [`unlock`].
    path: Option<String>,
}

/// Unlocks the study's key store, or makes it when the study has none, where the server keeps
/// it (beside the project file, or in the server's private folder for a server project). A
/// path from the request is refused: it would let a caller probe for files and make one
/// wherever they like on the server's machine.
pub(crate) async fn unlock(Bench(wb): Bench, ApiJson(b): ApiJson<Unlock>) -> ApiResult<Json<Value>> {
    if b.path.is_some() {
        return Err(ApiError::invalid(format!(
            "the key store's place is chosen by the server ({}); send only the passphrase",
            wb.key_store_location().display()
        )));
    }
    Ok(Json(status_json(&wb.unlock_key_store_here(&b.passphrase).await?)))
}

pub(crate) async fn lock(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    wb.lock_key_store().await;
    Ok(Json(status_json(&wb.key_status().await?)))
}

#[derive(Deserialize)]
pub(crate) struct Originals {
    policy: String,
}

pub(crate) async fn set_originals(Bench(wb): Bench, ApiJson(b): ApiJson<Originals>) -> ApiResult<Json<Value>> {
    let policy: OriginalsPolicy = word(&b.policy)?;
    wb.set_originals_policy(policy).await?;
    Ok(Json(json!({ "originals": policy.as_str() })))
}

pub(crate) async fn list_known(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let known: Vec<Value> = wb
        .known_identifiers()
        .await?
        .iter()
        .map(|k| json!({ "real": k.real, "replacement": k.replacement, "kind": k.kind, "variants": k.variants }))
        .collect();
    Ok(Json(json!({ "known": known })))
}

#[derive(Deserialize)]
pub(crate) struct NewKnown {
    real: String,
    #[serde(default)]
    replacement: String,
    #[serde(default = "person")]
    kind: String,
    #[serde(default)]
    variants: Vec<String>,
}

fn person() -> String {
    "person".to_owned()
}

pub(crate) async fn add_known(Bench(wb): Bench, ApiJson(b): ApiJson<NewKnown>) -> ApiResult<Json<Value>> {
    wb.add_known(&b.real, &b.replacement, &b.kind, &b.variants).await?;
    Ok(Json(json!({ "added": true, "kind": b.kind })))
}

#[derive(Deserialize)]
pub(crate) struct KnownName {
    real: String,
}

/// Removes a known identifier named in the body, so a real name never stands in a URL.
pub(crate) async fn remove_known(Bench(wb): Bench, ApiJson(b): ApiJson<KnownName>) -> ApiResult<Json<Value>> {
    wb.remove_known(&b.real).await?;
    Ok(Json(json!({ "removed": true })))
}

/// The UTF-16 range of each item, from the text of the version it is on.
pub(crate) fn utf16_spans(s: &Snapshot, items: &[ReviewItem]) -> Vec<(usize, usize)> {
    items.iter().map(|i| s.versions.get(&i.version_id).map_or((0, 0), |v| v.units().span_to_utf16(i.span))).collect()
}

pub(crate) async fn queue(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let items = wb.review_queue().await?;
    let s = wb.snapshot().await?;
    let list: Vec<Value> = items
        .iter()
        .zip(utf16_spans(&s, &items))
        .map(|(i, (u16_start, u16_end))| {
            json!({
                "transcript": i.transcript, "participant": i.participant,
                "version": i.version_id.as_str(),
                "start": i.span.start().to_usize(), "end": i.span.end().to_usize(),
                "utf16_start": u16_start, "utf16_end": u16_end,
                "text": i.text, "before": i.before, "after": i.after, "kind": i.kind,
                "confidence": i.confidence, "replacement": i.replacement,
                "status": i.status.as_str(), "citation": i.citation,
            })
        })
        .collect();
    let fields: Vec<Value> = wb
        .review_fields()
        .await?
        .iter()
        .map(|f| {
            json!({
                "place": f.place, "text": f.text, "before": f.before, "after": f.after, "kind": f.kind,
                "replacement": f.replacement, "status": f.status.as_str(),
            })
        })
        .collect();
    Ok(Json(json!({ "items": list, "fields": fields })))
}

async fn span_of(wb: &idiograph_app::Workbench, at: &Selection) -> ApiResult<Span> {
    Ok(at.target(wb).await?.span())
}

#[derive(Deserialize)]
pub(crate) struct Decision {
    #[serde(flatten)]
    at: Selection,
    kind: String,
    verdict: String,
    replacement: Option<String>,
}

pub(crate) async fn decide(Bench(wb): Bench, ApiJson(b): ApiJson<Decision>) -> ApiResult<Json<Value>> {
    let verdict: Verdict = word(&b.verdict)?;
    let span = span_of(&wb, &b.at).await?;
    wb.decide(&b.at.transcript, span, &b.kind, verdict, b.replacement.as_deref()).await?;
    Ok(Json(json!({ "decided": verdict.as_str() })))
}

#[derive(Deserialize)]
pub(crate) struct Bulk {
    kind: String,
    verdict: String,
}

pub(crate) async fn bulk(Bench(wb): Bench, ApiJson(b): ApiJson<Bulk>) -> ApiResult<Json<Value>> {
    let verdict: Verdict = word(&b.verdict)?;
    let n = wb.decide_kind(&b.kind, verdict).await?;
    Ok(Json(json!({ "decided": n, "verdict": verdict.as_str(), "kind": b.kind })))
}

#[derive(Deserialize)]
pub(crate) struct EveryOccurrence {
    word: String,
    kind: String,
    verdict: String,
    replacement: Option<String>,
}

/// "Accept/reject every occurrence of this word", in every transcript and field. The word is in
/// the body, never the URL.
pub(crate) async fn words(Bench(wb): Bench, ApiJson(b): ApiJson<EveryOccurrence>) -> ApiResult<Json<Value>> {
    let verdict: Verdict = word(&b.verdict)?;
    let n = wb.decide_word(&b.word, &b.kind, verdict, b.replacement.as_deref()).await?;
    Ok(Json(json!({ "decided": verdict.as_str(), "places": n })))
}

#[derive(Deserialize)]
pub(crate) struct Always {
    #[serde(flatten)]
    at: Selection,
    #[serde(default = "person")]
    kind: String,
    #[serde(default)]
    replacement: String,
}

pub(crate) async fn always(Bench(wb): Bench, ApiJson(b): ApiJson<Always>) -> ApiResult<Json<Value>> {
    let span = span_of(&wb, &b.at).await?;
    wb.always_replace(&b.at.transcript, span, &b.kind, &b.replacement).await?;
    Ok(Json(json!({ "added": true, "kind": b.kind })))
}

#[derive(Deserialize)]
pub(crate) struct Apply {
    /// `accepted` (known and accepted only), `all` (every pending candidate too) or `kinds`.
    scope: String,
    #[serde(default)]
    kinds: Vec<String>,
}

pub(crate) async fn apply(Bench(wb): Bench, ApiJson(b): ApiJson<Apply>) -> ApiResult<Json<Value>> {
    let scope = match (b.scope.as_str(), b.kinds.is_empty()) {
        ("accepted", true) => ApplyScope::Accepted,
        ("all", true) => ApplyScope::All,
        ("kinds", false) => ApplyScope::Kinds(b.kinds),
        ("kinds", true) => return Err(ApiError::invalid("choose at least one kind to replace")),
        ("accepted" | "all", false) => {
            return Err(ApiError::invalid(format!("kinds are chosen only with the scope 'kinds', not '{}'", b.scope)))
        }
        (other, _) => return Err(ApiError::invalid(format!("unknown scope '{other}' (scopes: accepted, all, kinds)"))),
    };
    let done = wb.pseudonymise(&scope).await?;
    let transcripts: Vec<Value> = done
        .transcripts
        .iter()
        .map(|d| {
            json!({
                "transcript": d.transcript, "version": d.version,
                "replacements": d.counts, "anchors_moved": d.anchors_moved,
            })
        })
        .collect();
    let fields: Vec<Value> =
        done.fields.iter().map(|(place, n)| json!({ "place": place, "replacements": n })).collect();
    Ok(Json(json!({ "pseudonymised": transcripts, "fields": fields })))
}

pub(crate) async fn log(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let lines: Vec<Value> = wb
        .deid_log()
        .await?
        .iter()
        .map(|l| {
            json!({
                "transcript": l.transcript, "participant": l.participant, "version": l.version,
                "category": l.category, "count": l.count, "at": l.at,
            })
        })
        .collect();
    Ok(Json(json!({ "log": lines })))
}

pub(crate) async fn log_csv(Bench(wb): Bench) -> ApiResult<Response> {
    let csv = deid_log_csv(&wb.deid_log().await?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"idiograph-deid-log.csv\""),
        ],
        csv,
    )
        .into_response())
}
