//! The interview guide page: the questions and prompts, matching each transcript's interviewer
//! turns to them, and every participant's answers side by side.

use askama::Template;
use axum::extract::Query;
use idiograph_app::{views, GuideAnswers, GuideMatch};
use serde::Deserialize;

use super::{render, Chrome};
use crate::auth::Bench;
use crate::error::PageResult;

/// A transcript in the matching list.
pub(crate) struct MatchRow {
    id: String,
    title: String,
    pseudonym: String,
    /// "questions confirmed" or "not confirmed yet".
    status: String,
    confirmed: bool,
}

#[derive(Template)]
#[template(path = "guide.html")]
pub(crate) struct GuidePage {
    chrome: Chrome,
    guide: views::Guide,
    /// Whether the signed-in member may change the guide and confirm questions.
    can_edit: bool,
    transcripts: Vec<MatchRow>,
    /// The transcript being matched, when one is chosen.
    matching: Option<GuideMatch>,
    answers: GuideAnswers,
}

impl GuidePage {
    /// The question a turn is set to in the form: the confirmed one, else the suggestion.
    fn chosen(&self, turn: &idiograph_app::InterviewerTurn) -> String {
        let confirmed = self.matching.as_ref().is_some_and(|m| m.confirmed);
        let q = if confirmed { turn.confirmed } else { turn.suggested };
        q.map(|q| q.to_string()).unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub(crate) struct GuideQuery {
    /// The transcript to match, e.g. `T2`.
    transcript: Option<String>,
}

pub(crate) async fn guide(Bench(wb): Bench, Query(q): Query<GuideQuery>) -> PageResult {
    let guide = wb.guide().await?;
    let answers = wb.guide_answers().await?;
    let snapshot = wb.snapshot().await?;
    let transcripts = snapshot
        .transcripts
        .iter()
        .map(|t| {
            let confirmed = !answers.unconfirmed.contains(&t.short_id());
            MatchRow {
                id: t.short_id().to_string(),
                title: t.title.clone(),
                pseudonym: snapshot.participant(&t.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default(),
                status: if confirmed { "questions confirmed" } else { "not confirmed yet" }.to_owned(),
                confirmed,
            }
        })
        .collect();
    let matching = match q.transcript.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(wb.guide_match(t).await?),
        None => None,
    };
    render(&GuidePage {
        chrome: Chrome::new(&wb, &snapshot.settings, "guide", "Interview guide"),
        can_edit: crate::routes::allows(wb.role(), "POST", "/api/v1/guide/questions"),
        guide,
        transcripts,
        matching,
        answers,
    })
}
