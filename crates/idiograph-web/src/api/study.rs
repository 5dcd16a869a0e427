//! The study's settings and its participants (cases).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, Request};
use axum::http::StatusCode;
use axum::Json;
use idiograph_app::{views, ParticipantChanges, Reference, Workbench};
use idiograph_model::{FillerPolicy, InterviewMeta, RecurrenceRule, Terminology};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{word, ApiJson, IfMatch, Upload};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::value;

pub(crate) async fn get_study(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(current_study(&wb).await?))
}

async fn current_study(wb: &Workbench) -> ApiResult<Value> {
    Ok(value(views::Study::of(&wb.snapshot().await?)))
}

#[derive(Deserialize)]
pub(crate) struct StudyPatch {
    title: Option<String>,
    research_question: Option<String>,
    terminology: Option<String>,
    recurrence_rule: Option<String>,
    fillers: Option<String>,
}

pub(crate) async fn patch_study(
    Bench(wb): Bench,
    expected: IfMatch,
    ApiJson(b): ApiJson<StudyPatch>,
) -> ApiResult<Json<Value>> {
    let terminology = b.terminology.as_deref().map(word::<Terminology>).transpose()?;
    let rule = b.recurrence_rule.as_deref().map(RecurrenceRule::parse).transpose().map_err(ApiError::invalid)?;
    let fillers = b.fillers.as_deref().map(word::<FillerPolicy>).transpose()?;
    let updated = wb
        .update_study(b.title.as_deref(), b.research_question.as_deref(), terminology, rule, fillers, expected.token())
        .await;
    or_current(updated, || current_study(&wb)).await?;
    get_study(Bench(wb)).await
}

pub(crate) async fn list_participants(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "participants": wb.participant_views().await? })))
}

#[derive(Deserialize, Default)]
pub(crate) struct Interview {
    date: Option<String>,
    mode: Option<String>,
    duration_minutes: Option<u32>,
    interviewer: Option<String>,
}

impl From<Interview> for InterviewMeta {
    fn from(i: Interview) -> InterviewMeta {
        let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        InterviewMeta {
            date: clean(i.date),
            mode: clean(i.mode),
            duration_minutes: i.duration_minutes,
            interviewer: clean(i.interviewer),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct NewParticipant {
    pseudonym: String,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    interview: Option<Interview>,
}

async fn one(wb: &Workbench, reference: impl Reference) -> ApiResult<Json<views::Participant>> {
    Ok(Json(wb.participant_view(reference).await?))
}

pub(crate) async fn add_participant(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewParticipant>,
) -> ApiResult<(StatusCode, Json<views::Participant>)> {
    let attrs: Vec<(String, String)> = b.attributes.into_iter().collect();
    let p = wb.add_participant(&b.pseudonym, &attrs, b.interview.unwrap_or_default().into()).await?;
    Ok((StatusCode::CREATED, one(&wb, p.short_id()).await?))
}

pub(crate) async fn get_participant(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<views::Participant>> {
    one(&wb, &id).await
}

#[derive(Deserialize)]
pub(crate) struct ParticipantPatch {
    pseudonym: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    interview: Option<Interview>,
}

pub(crate) async fn patch_participant(
    Bench(wb): Bench,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ParticipantPatch>,
) -> ApiResult<Json<views::Participant>> {
    let changes = ParticipantChanges {
        pseudonym: b.pseudonym,
        attributes: b.attributes.into_iter().collect(),
        interview: b.interview.map(Into::into),
    };
    let p = wb.update_participant(&id, changes).await?;
    one(&wb, p.short_id()).await
}

pub(crate) async fn finish_participant(
    Bench(wb): Bench,
    Path(id): Path<String>,
) -> ApiResult<Json<views::Participant>> {
    let p = wb.set_case_finished(&id, true).await?;
    one(&wb, p.short_id()).await
}

pub(crate) async fn reopen_participant(
    Bench(wb): Bench,
    Path(id): Path<String>,
) -> ApiResult<Json<views::Participant>> {
    let p = wb.set_case_finished(&id, false).await?;
    one(&wb, p.short_id()).await
}

/// Merges a REFI-QDA project (`.qdpx`, or a bare `.qde`) from any tool into the study as one
/// command: the request body with `?name=FILE.qdpx`, or `multipart/form-data` with a file field
/// (the study page's form). 201 with what was merged; a file that cannot be merged is refused
/// whole (422) and nothing changes.
pub(crate) async fn merge_project(
    Bench(wb): Bench,
    Query(q): Query<MergeQuery>,
    req: Request,
) -> ApiResult<(StatusCode, Json<idiograph_app::ProjectMerge>)> {
    let upload = Upload::read(req, super::transcripts::MAX_UPLOAD_BYTES).await?;
    let name = upload.name.or(q.name);
    let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("project.qdpx");
    Ok((StatusCode::CREATED, Json(wb.merge_qdpx(&upload.bytes, name).await?)))
}

#[derive(Deserialize)]
pub(crate) struct MergeQuery {
    /// The file's name, when the body is the file: `.qde` reads it as a bare project.
    name: Option<String>,
}
