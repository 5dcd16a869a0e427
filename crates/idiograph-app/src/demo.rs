//! The built-in demo study: three illustrative transcripts (not real data) carrying the quotes of
//! the Balint-group IPA poster, analysed through the ordinary commands so that the demo project
//! has a full audit trail like any other.

use std::path::Path;

use idiograph_formats::ImportOptions;
use idiograph_model::{GroupingStrategy, InterviewMeta, NoteKind, Terminology};
use serde_json::Value as Json;

use crate::error::invalid;
use crate::{AppError, MemberRef, Target, Workbench};

/// The title of the demo study.
pub const DEMO_TITLE: &str = "Experiences of Balint groups during GP training (demo)";

const STUDY: &str = include_str!("../demo/study.json");
const TRANSCRIPTS: &[(&str, &str)] = &[
    ("olivia.txt", include_str!("../demo/olivia.txt")),
    ("rachel.txt", include_str!("../demo/rachel.txt")),
    ("tom.txt", include_str!("../demo/tom.txt")),
];

fn text<'a>(j: &'a Json, key: &str) -> Result<&'a str, AppError> {
    j.get(key).and_then(Json::as_str).ok_or_else(|| invalid!("demo study: missing '{key}'"))
}

fn list<'a>(j: &'a Json, key: &str) -> &'a [Json] {
    j.get(key).and_then(Json::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn indices(j: &Json, key: &str) -> Vec<usize> {
    list(j, key).iter().filter_map(Json::as_u64).map(|i| i as usize).collect()
}

/// Where `quote` stands in transcript `t` (it must occur exactly once).
async fn locate(wb: &Workbench, t: &str, quote: &str) -> Result<Target, AppError> {
    let (_, v) = wb.transcript(t).await?;
    let mut found = v.text.match_indices(quote);
    let (start, _) = found.next().ok_or_else(|| invalid!("demo study: quote not found in {t}: {quote}"))?;
    if found.next().is_some() {
        return Err(invalid!("demo study: quote occurs twice in {t}: {quote}"));
    }
    Target::from_bytes(&v, start, start + quote.len()).map_err(|e| invalid!("demo study: quote in {t}: {e}"))
}

fn strategy(j: &Json) -> Option<GroupingStrategy> {
    j.get("strategy").and_then(Json::as_str).and_then(|s| s.parse().ok())
}

/// Creates the demo study at `path` and returns it open.
pub async fn build_demo(path: &Path, author: &str) -> Result<Workbench, AppError> {
    let study: Json = serde_json::from_str(STUDY).map_err(|e| invalid!("demo study: {e}"))?;
    let terminology =
        study.get("terminology").and_then(Json::as_str).unwrap_or("2022").parse().unwrap_or(Terminology::Smith2022);
    let wb = Workbench::create(path, text(&study, "title")?, terminology, author).await?;
    wb.update_study(None, Some(text(&study, "research_question")?), None, None, None, None).await?;
    // The interview guide comes first, as it did in the study; its questions' short ids in order.
    let mut questions = Vec::new();
    for q in list(&study, "guide") {
        let id = wb.add_guide_question(text(q, "question")?, None).await?.short_id().to_string();
        for prompt in q.get("prompts").and_then(Json::as_array).into_iter().flatten() {
            wb.add_guide_question(prompt.as_str().unwrap_or_default(), Some(&id)).await?;
        }
        questions.push(id);
    }
    // PET short ids per participant, in the order of the spec, for the GET assignments.
    let mut pets: Vec<(String, Vec<String>)> = Vec::new();
    let mut transcript_of: Vec<(String, String)> = Vec::new();
    for p in list(&study, "participants") {
        let pseudonym = text(p, "pseudonym")?;
        let attributes: Vec<(String, String)> = p
            .get("attributes")
            .and_then(Json::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default();
        let i = p.get("interview").cloned().unwrap_or(Json::Null);
        let s = |k: &str| i.get(k).and_then(Json::as_str).map(str::to_owned);
        let interview = InterviewMeta {
            date: s("date"),
            mode: s("mode"),
            duration_minutes: i.get("duration_minutes").and_then(Json::as_u64).map(|m| m as u32),
            interviewer: s("interviewer"),
        };
        wb.add_participant(pseudonym, &attributes, interview).await?;
        let file = text(p, "transcript")?;
        let body =
            TRANSCRIPTS.iter().find(|(n, _)| *n == file).ok_or_else(|| invalid!("demo study: no transcript {file}"))?.1;
        let outcome = wb
            .import_files(pseudonym, vec![(file.to_owned(), body.as_bytes().to_vec())], &ImportOptions::default())
            .await?;
        let t = outcome
            .imported
            .first()
            .ok_or_else(|| invalid!("demo study: {file} was refused"))?
            .transcript
            .short_id()
            .to_string();
        transcript_of.push((pseudonym.to_owned(), t.clone()));
        // Which question each interviewer turn asks, as the researcher confirmed it.
        let turns = wb.guide_match(t.as_str()).await?.turns;
        let asked = indices(p, "asked");
        if asked.len() != turns.len() {
            return Err(invalid!("demo study: {file} has {} interviewer turns, not {}", turns.len(), asked.len()));
        }
        let choices: Vec<(u32, Option<String>)> =
            turns.iter().zip(asked).map(|(turn, q)| (turn.start, questions.get(q.wrapping_sub(1)).cloned())).collect();
        wb.confirm_questions(t.as_str(), &choices).await?;

        let mut notes = Vec::new();
        for n in list(p, "notes") {
            let kind: NoteKind = text(n, "kind")?.parse().map_err(|e| invalid!("demo study: {e}"))?;
            let target = locate(&wb, &t, text(n, "quote")?).await?;
            notes.push(wb.add_note(&target, kind, text(n, "text")?).await?.short_id().to_string());
        }
        let mut statements = Vec::new();
        for s in list(p, "statements") {
            let from: Vec<String> =
                indices(s, "from_notes").into_iter().filter_map(|i| notes.get(i).cloned()).collect();
            let target = locate(&wb, &t, text(s, "quote")?).await?;
            statements.push(wb.add_statement(&target, text(s, "text")?, &from).await?.short_id().to_string());
        }
        let mut case_pets = Vec::new();
        for pet in list(p, "pets") {
            let th = wb
                .add_theme(Some(pseudonym), None, text(pet, "title")?, pet.get("description").and_then(Json::as_str))
                .await?;
            let th = th.short_id().to_string();
            for i in indices(pet, "statements") {
                let st = statements.get(i).ok_or_else(|| invalid!("demo study: no statement {i} of {pseudonym}"))?;
                let rationale = pet.get("rationale").and_then(Json::as_str);
                wb.assign(&th, &MemberRef::Statement(st.clone()), strategy(pet), rationale, None).await?;
            }
            case_pets.push(th);
        }
        pets.push((pseudonym.to_owned(), case_pets));
    }
    let mut theme_of: Vec<(String, String)> = Vec::new();
    for g in list(&study, "gets") {
        let get = wb.add_theme(None, None, text(g, "title")?, g.get("description").and_then(Json::as_str)).await?;
        let get = get.short_id().to_string();
        theme_of.push((text(g, "title")?.to_owned(), get.clone()));
        for sub in list(g, "sub_themes") {
            let th = wb
                .add_theme(None, Some(&get), text(sub, "title")?, sub.get("description").and_then(Json::as_str))
                .await?;
            let th = th.short_id().to_string();
            theme_of.push((text(sub, "title")?.to_owned(), th.clone()));
            for pair in list(sub, "pets") {
                let who = pair.get(0).and_then(Json::as_str).unwrap_or_default();
                let i = pair.get(1).and_then(Json::as_u64).unwrap_or(u64::MAX) as usize;
                let pet = pets
                    .iter()
                    .find(|(p, _)| p == who)
                    .and_then(|(_, list)| list.get(i))
                    .ok_or_else(|| invalid!("demo study: no PET {i} of {who}"))?;
                let rationale = sub.get("rationale").and_then(Json::as_str);
                wb.assign(&th, &MemberRef::Theme(pet.clone()), strategy(sub), rationale, None).await?;
            }
        }
    }
    for x in list(&study, "extracts") {
        let theme = text(x, "theme")?;
        let th = &theme_of.iter().find(|(t, _)| t == theme).ok_or_else(|| invalid!("demo study: no theme {theme}"))?.1;
        let who = text(x, "participant")?;
        let t = &transcript_of
            .iter()
            .find(|(p, _)| p == who)
            .ok_or_else(|| invalid!("demo study: no participant {who}"))?
            .1;
        let target = locate(&wb, t, text(x, "quote")?).await?;
        wb.add_extract(th, &target).await?;
    }
    for j in list(&study, "journal") {
        wb.add_journal(text(j, "text")?, j.get("about").and_then(Json::as_str)).await?;
    }
    Ok(wb)
}
