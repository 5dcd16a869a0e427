//! Setting a transcript up after import: its title, deleting it, and the role of each speaker
//! label (one click marks the interviewer), and corrections of its words while listening to the
//! recording. Each is one application command, undoable.

use axum::extract::Path;
use axum::Json;
use idiograph_app::{likely_interviewer, speaker_tallies, views, Reference, Workbench};
use idiograph_model::SpeakerRole;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{word, ApiJson, Selection};
use crate::auth::Bench;
use crate::error::ApiResult;

/// A transcript's title and its speakers with their roles, turns and questions, and the likely
/// interviewer when no speaker is marked as one.
async fn setup_json(wb: &Workbench, id: impl Reference) -> ApiResult<Value> {
    let (t, v) = wb.transcript(id).await?;
    let tallies = speaker_tallies(&v.text, &v.turns);
    let marked = t.speakers.values().any(|r| *r == SpeakerRole::Interviewer);
    let suggested = if marked { None } else { likely_interviewer(&tallies).map(|s| s.label.clone()) };
    let speakers: Vec<Value> = tallies
        .iter()
        .map(|s| {
            json!({
                "label": s.label, "role": t.speakers.get(&s.label).map(|r| r.as_str()),
                "turns": s.turns, "questions": s.questions,
            })
        })
        .collect();
    Ok(json!({
        "id": t.short_id(), "title": t.title, "speakers": speakers, "suggested_interviewer": suggested,
    }))
}

/// What may change in a transcript's set-up.
#[derive(Deserialize)]
pub(crate) struct TranscriptPatch {
    title: String,
}

pub(crate) async fn rename(
    Bench(wb): Bench,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<TranscriptPatch>,
) -> ApiResult<Json<Value>> {
    let t = wb.rename_transcript(&id, &b.title).await?;
    Ok(Json(setup_json(&wb, t.short_id()).await?))
}

pub(crate) async fn delete(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let t = wb.delete_transcript(&id).await?;
    Ok(Json(json!({ "deleted": t.short_id(), "title": t.title })))
}

pub(crate) async fn speakers(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(setup_json(&wb, &id).await?))
}

/// The role a speaker label gets.
#[derive(Deserialize)]
pub(crate) struct RoleChange {
    role: String,
}

pub(crate) async fn set_role(
    Bench(wb): Bench,
    Path((id, label)): Path<(String, String)>,
    ApiJson(b): ApiJson<RoleChange>,
) -> ApiResult<Json<Value>> {
    let role: SpeakerRole = word(&b.role)?;
    let t = wb.set_speaker_role(&id, &label, role).await?;
    Ok(Json(setup_json(&wb, t.short_id()).await?))
}

/// A correction of a passage's words: the passage, and the words as they should read.
#[derive(Deserialize)]
pub(crate) struct Correction {
    #[serde(flatten)]
    selection: Selection,
    text: String,
}

/// Corrects the words of a passage within one turn, making a new version of the transcript.
pub(crate) async fn correct(Bench(wb): Bench, ApiJson(b): ApiJson<Correction>) -> ApiResult<Json<views::Transcript>> {
    let target = b.selection.target(&wb).await?;
    wb.correct_words(&target, &b.text).await?;
    Ok(Json(wb.transcript_summary(b.selection.transcript.as_str()).await?))
}
