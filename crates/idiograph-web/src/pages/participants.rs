//! The participants and transcripts page: participants as an editable table (every attribute a
//! column; several changed at once; a new column for all), and each transcript's set-up — its
//! title, deleting it, and who each speaker label is, with the likely interviewer suggested.

use askama::Template;
use idiograph_app::{likely_interviewer, speaker_tallies};
use idiograph_model::SpeakerRole;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::auth::Bench;
use crate::error::PageResult;
use crate::pages::{render, Chrome};

/// One participant as a row of the table: a value (maybe empty) for every column.
pub(crate) struct PersonRow {
    short: String,
    pseudonym: String,
    values: Vec<String>,
}

/// One speaker label of a transcript.
pub(crate) struct SpeakerRow {
    label: String,
    /// The label as it goes in an address.
    label_url: String,
    role: &'static str,
    turns: usize,
    questions: usize,
}

/// One transcript's set-up.
pub(crate) struct TranscriptRow {
    id: String,
    title: String,
    pseudonym: String,
    version: String,
    speakers: Vec<SpeakerRow>,
    /// The speaker who asks most of the questions, when no one is marked as the interviewer.
    suggested: Option<(String, String, usize)>,
}

/// The page.
#[derive(Template)]
#[template(path = "participants.html")]
pub(crate) struct ParticipantsPage {
    chrome: Chrome,
    columns: Vec<String>,
    people: Vec<PersonRow>,
    transcripts: Vec<TranscriptRow>,
    roles: [&'static str; 3],
}

pub(crate) async fn participants(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let mut columns: Vec<String> = Vec::new();
    for p in &s.participants {
        for k in p.attributes.keys() {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let people = s
        .participants
        .iter()
        .map(|p| PersonRow {
            short: p.short_id().to_string(),
            pseudonym: p.pseudonym.clone(),
            values: columns.iter().map(|c| p.attributes.get(c).cloned().unwrap_or_default()).collect(),
        })
        .collect();
    let encode = |label: &str| utf8_percent_encode(label, NON_ALPHANUMERIC).to_string();
    let mut transcripts = Vec::new();
    for t in &s.transcripts {
        let Some(v) = s.versions.get(&t.current_version) else { continue };
        let tallies = speaker_tallies(&v.text, &v.turns);
        let marked = t.speakers.values().any(|r| *r == SpeakerRole::Interviewer);
        let suggested =
            likely_interviewer(&tallies).filter(|_| !marked).map(|l| (l.label.clone(), encode(&l.label), l.questions));
        transcripts.push(TranscriptRow {
            id: t.short_id().to_string(),
            title: t.title.clone(),
            pseudonym: s.participant(&t.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default(),
            version: t.current_version.as_str().to_owned(),
            speakers: tallies
                .iter()
                .map(|l| SpeakerRow {
                    label: l.label.clone(),
                    label_url: encode(&l.label),
                    role: t.speakers.get(&l.label).map_or("", |r| r.as_str()),
                    turns: l.turns,
                    questions: l.questions,
                })
                .collect(),
            suggested,
        });
    }
    let roles = [SpeakerRole::Interviewer.as_str(), SpeakerRole::Participant.as_str(), SpeakerRole::Other.as_str()];
    render(&ParticipantsPage {
        chrome: Chrome::new(&wb, &s.settings, "participants", "Participants and transcripts"),
        columns,
        people,
        transcripts,
        roles,
    })
}
