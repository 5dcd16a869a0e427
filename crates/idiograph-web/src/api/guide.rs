//! The interview guide: its questions and prompts, the questions confirmed as asked in each
//! transcript, and every participant's answers.

use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::Json;
use idiograph_app::{views, GuideAnswers, GuideImport, GuideMatch, Workbench};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiJson, IfMatch, Upload};
use crate::auth::Bench;
use crate::error::{or_current, ApiResult};
use crate::view::value;

pub(crate) async fn get_guide(Bench(wb): Bench) -> ApiResult<Json<views::Guide>> {
    Ok(Json(wb.guide().await?))
}

#[derive(Deserialize)]
pub(crate) struct NewQuestion {
    text: String,
    /// The question a prompt follows up (`Q2`); none for a question of the guide.
    under: Option<String>,
}

/// Adds a question, or a prompt under one; 201 with the guide as it is now.
pub(crate) async fn add_question(
    Bench(wb): Bench,
    ApiJson(b): ApiJson<NewQuestion>,
) -> ApiResult<(StatusCode, Json<views::Guide>)> {
    let under = b.under.as_deref().map(str::trim).filter(|u| !u.is_empty());
    wb.add_guide_question(&b.text, under).await?;
    Ok((StatusCode::CREATED, Json(wb.guide().await?)))
}

#[derive(Deserialize)]
pub(crate) struct QuestionPatch {
    text: String,
}

pub(crate) async fn patch_question(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
    ApiJson(b): ApiJson<QuestionPatch>,
) -> ApiResult<Json<views::Guide>> {
    or_current(wb.edit_guide_question(id.as_str(), &b.text, expected.token()).await, || current(&wb)).await?;
    Ok(Json(wb.guide().await?))
}

pub(crate) async fn delete_question(
    Bench(wb): Bench,
    Path(id): Path<String>,
    expected: IfMatch,
) -> ApiResult<Json<Value>> {
    let q = or_current(wb.delete_guide_question(id.as_str(), expected.token()).await, || current(&wb)).await?;
    Ok(Json(json!({ "deleted": q.short_id() })))
}

/// The guide as it is now, sent with a 409 when a change named a stale revision.
async fn current(wb: &Workbench) -> ApiResult<Value> {
    Ok(value(wb.guide().await?))
}

/// Imports a guide document: the request body (`?name=` is not needed: the format is read from
/// the multipart form's file name, else taken as text) or a multipart form's file. 201 with the
/// guide and the lines that were not questions; a document without a question is refused (422).
pub(crate) async fn import(Bench(wb): Bench, req: Request) -> ApiResult<(StatusCode, Json<GuideImport>)> {
    let upload = Upload::read(req, super::MAX_BODY_BYTES).await?;
    let name = upload.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or("guide.txt").to_owned();
    Ok((StatusCode::CREATED, Json(wb.import_guide(&upload.bytes, &name).await?)))
}

pub(crate) async fn get_match(Bench(wb): Bench, Path(id): Path<String>) -> ApiResult<Json<GuideMatch>> {
    Ok(Json(wb.guide_match(id.as_str()).await?))
}

#[derive(Deserialize)]
pub(crate) struct Confirmation {
    /// The turns whose question differs from the suggestion (the rest keep it).
    #[serde(default)]
    turns: Vec<TurnChoice>,
}

#[derive(Deserialize)]
pub(crate) struct TurnChoice {
    /// Where the turn starts, as `GuideMatch` gives it.
    start: u32,
    /// A question or prompt (`Q3`), or null for no question.
    question: Option<String>,
}

/// Confirms the questions asked in a transcript, replacing what was confirmed before.
pub(crate) async fn confirm(
    Bench(wb): Bench,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Confirmation>,
) -> ApiResult<Json<GuideMatch>> {
    let choices: Vec<(u32, Option<String>)> = b
        .turns
        .into_iter()
        .map(|t| (t.start, t.question.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty())))
        .collect();
    Ok(Json(wb.confirm_questions(id.as_str(), &choices).await?))
}

pub(crate) async fn answers(Bench(wb): Bench) -> ApiResult<Json<GuideAnswers>> {
    Ok(Json(wb.guide_answers().await?))
}
