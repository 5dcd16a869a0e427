//! The study's settings and its participants (cases).

use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use idiograph_app::{ParticipantChanges, VersionToken, Workbench};
use idiograph_model::{InterviewMeta, RecurrenceRule, Terminology};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{word, ApiJson, IfMatch};
use crate::auth::Bench;
use crate::error::{or_current, ApiError, ApiResult};
use crate::view::{participant_json, progress, Labels};

pub(crate) async fn get_study(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    Ok(Json(current_study(&wb).await?))
}

async fn current_study(wb: &Workbench) -> ApiResult<Value> {
    let s = wb.snapshot().await?;
    let l = Labels::of(s.settings.terminology);
    Ok(json!({
        "revision": s.settings.version_token(),
        "title": s.settings.title,
        "research_question": s.settings.research_question,
        "terminology": s.settings.terminology.as_str(),
        "recurrence_rule": s.settings.recurrence_rule.encode(),
        "recurrence_rule_text": s.settings.recurrence_rule.describe(s.participants.len()),
        "labels": {
            "statement": l.statement, "statements": l.statements,
            "pet": l.pet, "pets": l.pets, "get": l.get, "gets": l.gets,
        },
    }))
}

#[derive(Deserialize)]
pub(crate) struct StudyPatch {
    title: Option<String>,
    research_question: Option<String>,
    terminology: Option<String>,
    recurrence_rule: Option<String>,
}

pub(crate) async fn patch_study(
    Bench(wb): Bench,
    expected: IfMatch,
    ApiJson(b): ApiJson<StudyPatch>,
) -> ApiResult<Json<Value>> {
    let terminology = b.terminology.as_deref().map(word::<Terminology>).transpose()?;
    let rule = b.recurrence_rule.as_deref().map(RecurrenceRule::parse).transpose().map_err(ApiError::invalid)?;
    let updated =
        wb.update_study(b.title.as_deref(), b.research_question.as_deref(), terminology, rule, expected.token()).await;
    or_current(updated, || current_study(&wb)).await?;
    get_study(Bench(wb)).await
}

pub(crate) async fn list_participants(Bench(wb): Bench) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let progress = progress(&s, &notes);
    let list: Vec<Value> = s
        .participants
        .iter()
        .map(|p| participant_json(p, progress.get(&p.id).unwrap_or(&Default::default())))
        .collect();
    Ok(Json(json!({ "participants": list })))
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

async fn one(wb: &Workbench, reference: &str) -> ApiResult<Json<Value>> {
    let s = wb.snapshot().await?;
    let notes = wb.notes(None).await?;
    let progress = progress(&s, &notes);
    let wanted = reference.trim().to_lowercase();
    let p = s
        .participants
        .iter()
        .find(|p| format!("p{}", p.short) == wanted || p.pseudonym.to_lowercase() == wanted)
        .ok_or_else(|| ApiError::not_found(format!("no participant '{reference}' in this study")))?;
    Ok(Json(participant_json(p, progress.get(&p.id).unwrap_or(&Default::default()))))
}

pub(crate) async fn add_participant(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewParticipant>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let attrs: Vec<(String, String)> = b.attributes.into_iter().collect();
    let p = wb.add_participant(&b.pseudonym, &attrs, b.interview.unwrap_or_default().into()).await?;
    Ok((StatusCode::CREATED, one(&wb, &format!("P{}", p.short)).await?))
}

pub(crate) async fn get_participant(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
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
) -> ApiResult<Json<Value>> {
    let changes = ParticipantChanges {
        pseudonym: b.pseudonym,
        attributes: b.attributes.into_iter().collect(),
        interview: b.interview.map(Into::into),
    };
    let p = wb.update_participant(&id, changes).await?;
    one(&wb, &format!("P{}", p.short)).await
}

pub(crate) async fn finish_participant(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let p = wb.set_case_finished(&id, true).await?;
    one(&wb, &format!("P{}", p.short)).await
}

pub(crate) async fn reopen_participant(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let p = wb.set_case_finished(&id, false).await?;
    one(&wb, &format!("P{}", p.short)).await
}
