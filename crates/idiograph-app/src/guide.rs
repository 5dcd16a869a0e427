//! The interview guide: its questions and follow-up prompts, which interviewer turn asked which
//! question (suggested by the matcher, confirmed by the researcher), and the answers of every
//! participant side by side per question.
//!
//! Suggestions are derived on demand (`idiograph_search::guide`); only what the researcher
//! confirmed is stored, as one [`AskedQuestion`] per interviewer turn, anchored like a note so a
//! new version of the transcript carries it. Answers are derived from those.

use std::collections::BTreeMap;

use idiograph_formats::{import_guide, ImportOptions, ReportGuide, ReportGuideQuestion};
use idiograph_model::{
    cite, print_quote, Anchor, AskedQuestion, GuideQuestion, ObjectId, ObjectKind, Participant, ShortId, SpeakerRole,
    Transcript, TranscriptVersion, Turn,
};
use idiograph_store::{Action, Tx};
use idiograph_text::{Span, TextSize};
use schemars::JsonSchema;
use serde::Serialize;

use crate::annotate::check_text;
use crate::error::invalid;
use crate::views::{self, Guide};
use crate::{check_version, new_id, now, transcripts, AppError, Reference, Workbench};

/// The longest wording of a question or prompt, in characters.
pub const MAX_QUESTION_CHARS: usize = 1_000;

/// A question or prompt of the guide named by `Q3`.
pub(crate) async fn resolve(tx: &mut Tx, reference: impl Reference) -> Result<GuideQuestion, AppError> {
    let id = reference.short_id(ObjectKind::Question)?;
    tx.by_short(id.number())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no question {id} in the interview guide")))
}

/// What importing a guide did, as the command line's `--json` and the API give it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GuideImport {
    /// The guide as it is now, imported questions last.
    pub guide: Guide,
    /// How many questions and prompts the document added.
    pub added: usize,
    /// Lines of the document taken for neither a question nor a prompt (headings, instructions).
    pub skipped: Vec<String>,
}

/// One transcript's interviewer turns with the question each asks: suggested, and confirmed
/// where the researcher has confirmed them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GuideMatch {
    /// The transcript, e.g. `T2`.
    #[schemars(with = "String")]
    pub transcript: ShortId,
    /// Its title.
    pub title: String,
    /// The participant interviewed.
    #[schemars(with = "String")]
    pub participant: ShortId,
    /// Their pseudonym.
    pub pseudonym: String,
    /// Whether the researcher has confirmed the questions of this transcript.
    pub confirmed: bool,
    /// The interviewer's turns in order (empty when no speaker has the interviewer's role).
    pub turns: Vec<InterviewerTurn>,
}

/// An interviewer turn and the question it belongs to.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct InterviewerTurn {
    /// Where the turn starts (UTF-8 byte of the current version): what a confirmation names.
    pub start: u32,
    /// Its first line, counted through the transcript.
    pub line: u32,
    /// Page and line, e.g. "p. 1, l. 3".
    pub lines: String,
    /// The interviewer's words.
    pub text: String,
    /// The question the matcher suggests, if any.
    #[schemars(with = "Option<String>")]
    pub suggested: Option<ShortId>,
    /// The question the researcher confirmed, if any.
    #[schemars(with = "Option<String>")]
    pub confirmed: Option<ShortId>,
}

/// Every participant's answers to every question of the guide, from confirmed questions.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GuideAnswers {
    /// The participants with a confirmed transcript, in study order: the columns.
    pub participants: Vec<views::ParticipantRef>,
    /// The questions in guide order: the rows.
    pub questions: Vec<QuestionAnswers>,
    /// Transcripts whose questions are not confirmed yet, so their answers are not shown.
    #[schemars(with = "Vec<String>")]
    pub unconfirmed: Vec<ShortId>,
}

/// One question and what each participant answered.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QuestionAnswers {
    /// The question, e.g. `Q3`.
    #[schemars(with = "String")]
    pub question: ShortId,
    /// Its wording in the guide.
    pub text: String,
    /// One cell per participant of [`GuideAnswers::participants`], in the same order.
    pub cells: Vec<AnswerCell>,
}

/// What one participant answered to one question (nothing when it was not asked).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AnswerCell {
    /// The participant.
    #[schemars(with = "String")]
    pub participant: ShortId,
    /// Each stretch of the interview given to the question, in order.
    pub answers: Vec<Answer>,
}

/// A participant's answer: their words after the question was asked, up to the next question.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Answer {
    /// The transcript.
    #[schemars(with = "String")]
    pub transcript: ShortId,
    /// How the interviewer asked it.
    pub asked: String,
    /// The answer as a write-up prints it (no labels or cue times, the interviewer's follow-ups
    /// marked […]).
    pub text: String,
    /// E.g. "(Rachel, p. 1, ll. 5–9)".
    pub citation: String,
    /// The first line of the answer, counted through the transcript (for a link to it).
    pub line: u32,
}

/// The turns of `v` whose speaker has the interviewer's role, with the span of their words.
fn interviewer_turns<'v>(t: &Transcript, v: &'v TranscriptVersion) -> Vec<(&'v Turn, Span)> {
    v.turns
        .iter()
        .filter(|turn| turn.label.as_ref().and_then(|l| t.speakers.get(l)) == Some(&SpeakerRole::Interviewer))
        .map(|turn| (turn, spoken(&v.text, turn)))
        .collect()
}

/// The words of a turn: past its cue time and speaker label, as a selection by lines takes them.
fn spoken(text: &str, turn: &Turn) -> Span {
    let start = u32::try_from(turn.words_start(text)).unwrap_or(u32::MAX);
    Span::from_bounds(TextSize::new(start), turn.span.end())
}

/// The questions (never prompts) in guide order, each with the wordings the matcher compares:
/// its own, then its prompts'.
fn questions_with_prompts(guide: &[GuideQuestion]) -> Vec<(&GuideQuestion, Vec<&str>)> {
    let mut questions: Vec<&GuideQuestion> = guide.iter().filter(|q| !q.is_prompt()).collect();
    questions.sort_by_key(|q| (q.position, q.short));
    questions
        .into_iter()
        .map(|q| {
            let mut prompts: Vec<&GuideQuestion> = guide.iter().filter(|p| p.parent.as_ref() == Some(&q.id)).collect();
            prompts.sort_by_key(|p| (p.position, p.short));
            let texts = std::iter::once(q.text.as_str()).chain(prompts.iter().map(|p| p.text.as_str())).collect();
            (q, texts)
        })
        .collect()
}

impl Workbench {
    /// The interview guide: its questions in order, each with its prompts.
    pub async fn guide(&self) -> Result<Guide, AppError> {
        let mut tx = self.store.read().await?;
        let guide: Vec<GuideQuestion> = tx.all().await?;
        let asked: Vec<AskedQuestion> = tx.all().await?;
        Ok(Guide::of(&guide, &asked))
    }

    /// Adds a question to the end of the guide, or with `under` (a question's `Q` id) a
    /// follow-up prompt to the end of that question's prompts.
    pub async fn add_guide_question(&self, text: &str, under: Option<&str>) -> Result<GuideQuestion, AppError> {
        let text = check_text("a question", text, MAX_QUESTION_CHARS)?;
        let mut tx = self.begin().await?;
        let parent = match under {
            Some(r) => Some(question_only(resolve(&mut tx, r).await?)?.id),
            None => None,
        };
        let guide: Vec<GuideQuestion> = tx.all().await?;
        let q = GuideQuestion {
            id: new_id(),
            short: tx.next_short(ObjectKind::Question).await?,
            position: guide.iter().filter(|g| g.parent == parent).count() as i64,
            parent,
            text,
            created_at: now(),
        };
        tx.insert(&q).await?;
        let what = if q.is_prompt() { "prompt" } else { "question" };
        tx.commit(Action::AddGuideQuestion, &format!("add guide {what} {}", q.short_id())).await?;
        Ok(q)
    }

    /// Adds the questions and prompts of a guide document (`.docx`, `.txt` or any transcript
    /// format) after those the guide has, as one command. A document without a question is
    /// refused whole, naming the file.
    pub async fn import_guide(&self, bytes: &[u8], file_name: &str) -> Result<GuideImport, AppError> {
        let read = import_guide(file_name, bytes, &ImportOptions::default()).map_err(AppError::from)?;
        for (n, q) in read.questions.iter().enumerate() {
            for text in std::iter::once(&q.text).chain(&q.prompts) {
                check_text(&format!("{file_name}: question {}", n + 1), text, MAX_QUESTION_CHARS)?;
            }
        }
        let mut tx = self.begin().await?;
        let existing: Vec<GuideQuestion> = tx.all().await?;
        let first = existing.iter().filter(|g| !g.is_prompt()).count() as i64;
        // Numbered in document order: each question, then its prompts.
        let mut numbered = Vec::new();
        for (position, entry) in (first..).zip(&read.questions) {
            let question = GuideQuestion {
                id: new_id(),
                short: tx.next_short(ObjectKind::Question).await?,
                parent: None,
                position,
                text: entry.text.clone(),
                created_at: now(),
            };
            let parent = question.id.clone();
            numbered.push(question);
            for (i, p) in entry.prompts.iter().enumerate() {
                numbered.push(GuideQuestion {
                    id: new_id(),
                    short: tx.next_short(ObjectKind::Question).await?,
                    parent: Some(parent.clone()),
                    position: i as i64,
                    text: p.clone(),
                    created_at: now(),
                });
            }
        }
        tx.insert_many(&numbered).await?;
        let count = numbered.len();
        tx.commit(Action::ImportGuide, &format!("import guide: {count} questions and prompts")).await?;
        Ok(GuideImport { guide: self.guide().await?, added: count, skipped: read.skipped })
    }

    /// Rewords a question or prompt; `expected` is the revision the caller read.
    pub async fn edit_guide_question(
        &self,
        reference: impl Reference,
        text: &str,
        expected: Option<&str>,
    ) -> Result<GuideQuestion, AppError> {
        let text = check_text("a question", text, MAX_QUESTION_CHARS)?;
        let mut tx = self.begin().await?;
        let q = resolve(&mut tx, reference).await?;
        check_version(expected, &q, &format!("question {}", q.short_id()))?;
        let after = GuideQuestion { text, ..q.clone() };
        tx.update(&q, &after).await?;
        tx.commit(Action::EditGuideQuestion, &format!("edit guide question {}", q.short_id())).await?;
        Ok(after)
    }

    /// Deletes a question with its prompts and the confirmations that it was asked, or a prompt;
    /// `expected` is the revision the caller read.
    pub async fn delete_guide_question(
        &self,
        reference: impl Reference,
        expected: Option<&str>,
    ) -> Result<GuideQuestion, AppError> {
        let mut tx = self.begin().await?;
        let q = resolve(&mut tx, reference).await?;
        check_version(expected, &q, &format!("question {}", q.short_id()))?;
        let asked: Vec<AskedQuestion> = tx.all().await?;
        for a in asked.iter().filter(|a| a.question_id == q.id) {
            tx.delete(a).await?;
        }
        let guide: Vec<GuideQuestion> = tx.all().await?;
        for p in guide.iter().filter(|p| p.parent.as_ref() == Some(&q.id)) {
            tx.delete(p).await?;
        }
        tx.delete(&q).await?;
        tx.commit(Action::DeleteGuideQuestion, &format!("delete guide question {}", q.short_id())).await?;
        Ok(q)
    }

    /// The interviewer turns of a transcript's current version with the question the matcher
    /// suggests for each and the one confirmed, if any.
    pub async fn guide_match(&self, transcript: impl Reference) -> Result<GuideMatch, AppError> {
        let mut tx = self.store.read().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        let p: Participant = tx.get(&t.participant_id).await?;
        let guide: Vec<GuideQuestion> = tx.all().await?;
        let asked: Vec<AskedQuestion> = tx.of_transcript(&t.id).await?;
        drop(tx);
        let turns = interviewer_turns(&t, &v);
        let suggested = suggest(&guide, &v, &turns);
        let short_of: BTreeMap<&ObjectId, ShortId> = guide.iter().map(|q| (&q.id, q.short_id())).collect();
        let turns = turns
            .iter()
            .zip(suggested)
            .map(|((turn, words), suggestion)| InterviewerTurn {
                start: turn.span.start().to_u32(),
                line: v.layout.position(turn.span.start()).global,
                lines: v.layout.span_lines(*words).to_string(),
                text: words.slice(&v.text).to_owned(),
                suggested: suggestion.map(GuideQuestion::short_id),
                confirmed: asked
                    .iter()
                    .find(|a| a.anchor.version_id() == &v.id && a.anchor.span().overlaps(turn.span))
                    .and_then(|a| short_of.get(&a.question_id).copied()),
            })
            .collect();
        Ok(GuideMatch {
            transcript: t.short_id(),
            title: t.title.clone(),
            participant: p.short_id(),
            pseudonym: p.pseudonym.clone(),
            confirmed: !asked.is_empty(),
            turns,
        })
    }

    /// Confirms which question each interviewer turn of a transcript asks, replacing what was
    /// confirmed before, as one command. `choices` names turns by their start (a byte of the
    /// current version, as [`InterviewerTurn::start`] gives it) with a question or prompt (a
    /// prompt counts for its question) or `None` for no question; turns not named keep the
    /// matcher's suggestion. A start that is not an interviewer turn is refused.
    pub async fn confirm_questions(
        &self,
        transcript: impl Reference,
        choices: &[(u32, Option<String>)],
    ) -> Result<GuideMatch, AppError> {
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        let guide: Vec<GuideQuestion> = tx.all().await?;
        let turns = interviewer_turns(&t, &v);
        if turns.is_empty() {
            return Err(invalid!(
                "{} has no interviewer turns: give a speaker the interviewer's role on the transcript page first",
                t.short_id()
            ));
        }
        let suggested = suggest(&guide, &v, &turns);
        let mut chosen: BTreeMap<u32, Option<ObjectId>> = BTreeMap::new();
        for (start, question) in choices {
            if !turns.iter().any(|(turn, _)| turn.span.start().to_u32() == *start) {
                return Err(invalid!("byte {start} of {} is not the start of an interviewer turn", t.short_id()));
            }
            let q = match question {
                Some(r) => Some(asked_for(&guide, resolve(&mut tx, r.as_str()).await?)),
                None => None,
            };
            chosen.insert(*start, q);
        }
        let before: Vec<AskedQuestion> = tx.of_transcript(&t.id).await?;
        for a in &before {
            tx.delete(a).await?;
        }
        let mut rows = Vec::new();
        for ((turn, _), suggestion) in turns.iter().zip(suggested) {
            let question = match chosen.get(&turn.span.start().to_u32()) {
                Some(choice) => choice.clone(),
                None => suggestion.map(|q| q.id.clone()),
            };
            let Some(question_id) = question else { continue };
            rows.push(AskedQuestion {
                id: new_id(),
                question_id,
                participant_id: t.participant_id.clone(),
                transcript_id: t.id.clone(),
                anchor: Anchor::from_span(&v, turn.span).map_err(|e| invalid!("{}: {e}", t.short_id()))?,
                author: self.author.clone(),
                created_at: now(),
            });
        }
        tx.insert_many(&rows).await?;
        tx.commit(Action::ConfirmQuestions, &format!("confirm {} questions asked in {}", rows.len(), t.short_id()))
            .await?;
        self.guide_match(t.short_id()).await
    }

    /// Every participant's answers to every question, from the confirmed questions.
    pub async fn guide_answers(&self) -> Result<GuideAnswers, AppError> {
        let mut tx = self.store.read().await?;
        let guide: Vec<GuideQuestion> = tx.all().await?;
        let asked: Vec<AskedQuestion> = tx.all().await?;
        let participants: Vec<Participant> = tx.all().await?;
        let all_transcripts: Vec<Transcript> = tx.all().await?;
        let fillers = tx.settings().await?.fillers;
        let questions = questions_with_prompts(&guide);
        let mut cells: BTreeMap<(ObjectId, ObjectId), Vec<Answer>> = BTreeMap::new();
        let mut unconfirmed = Vec::new();
        let mut answered: Vec<&ObjectId> = Vec::new();
        for t in &all_transcripts {
            let mine: Vec<&AskedQuestion> = asked.iter().filter(|a| a.transcript_id == t.id).collect();
            if mine.is_empty() {
                unconfirmed.push(t.short_id());
                continue;
            }
            answered.push(&t.participant_id);
            let v = tx.version(&t.current_version).await?;
            let p = participants.iter().find(|p| p.id == t.participant_id);
            let name = p.map_or("?", |p| p.pseudonym.as_str());
            for (question, asked_words, span) in answer_spans(t, &v, &mine) {
                let line = v.layout.position(span.start()).global;
                cells.entry((question, t.participant_id.clone())).or_default().push(Answer {
                    transcript: t.short_id(),
                    asked: asked_words,
                    text: print_quote(&v.text, &v.turns, &t.speakers, &[span], fillers),
                    citation: cite(name, &v.layout, span),
                    line,
                });
            }
        }
        let columns: Vec<&Participant> = participants.iter().filter(|p| answered.contains(&&p.id)).collect();
        Ok(GuideAnswers {
            participants: columns
                .iter()
                .map(|p| views::ParticipantRef { id: p.short_id(), pseudonym: p.pseudonym.clone() })
                .collect(),
            questions: questions
                .iter()
                .map(|(q, _)| QuestionAnswers {
                    question: q.short_id(),
                    text: q.text.clone(),
                    cells: columns
                        .iter()
                        .map(|p| AnswerCell {
                            participant: p.short_id(),
                            answers: cells.remove(&(q.id.clone(), p.id.clone())).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
            unconfirmed,
        })
    }

    /// The answers side by side as the answers document shows them.
    pub(crate) async fn guide_report(&self) -> Result<ReportGuide, AppError> {
        let answers = self.guide_answers().await?;
        Ok(ReportGuide {
            title: self.settings().await?.title,
            participants: answers.participants.iter().map(|p| p.pseudonym.clone()).collect(),
            questions: answers
                .questions
                .iter()
                .map(|q| ReportGuideQuestion {
                    label: q.question.to_string(),
                    text: q.text.clone(),
                    answers: q
                        .cells
                        .iter()
                        .map(|c| c.answers.iter().map(|a| (a.text.clone(), a.citation.clone())).collect())
                        .collect(),
                })
                .collect(),
        })
    }
}

/// For each interviewer turn of `v`, the question of `guide` the matcher suggests.
fn suggest<'g>(
    guide: &'g [GuideQuestion],
    v: &TranscriptVersion,
    turns: &[(&Turn, Span)],
) -> Vec<Option<&'g GuideQuestion>> {
    let questions = questions_with_prompts(guide);
    let wordings: Vec<Vec<&str>> = questions.iter().map(|(_, texts)| texts.clone()).collect();
    let words: Vec<&str> = turns.iter().map(|(_, s)| s.slice(&v.text)).collect();
    idiograph_search::guide::match_turns(&wordings, &words).into_iter().map(|i| i.map(|i| questions[i].0)).collect()
}

/// A question itself, or the question a prompt follows up.
fn asked_for(guide: &[GuideQuestion], q: GuideQuestion) -> ObjectId {
    match &q.parent {
        Some(parent) => guide.iter().find(|g| &g.id == parent).map_or(q.id.clone(), |g| g.id.clone()),
        None => q.id,
    }
}

/// A prompt cannot have prompts of its own.
fn question_only(q: GuideQuestion) -> Result<GuideQuestion, AppError> {
    if q.is_prompt() {
        return Err(invalid!(
            "{} is a prompt; prompts follow up a question of the guide, not another prompt",
            q.short_id()
        ));
    }
    Ok(q)
}

/// The stretches of `v` that answer a confirmed question: from the first turn after an
/// interviewer turn confirmed for it, through the turns up to the next interviewer turn that is
/// not confirmed for the same question. Each comes with its question, the interviewer's words
/// that asked it, and its span (the participant's turns, with any follow-ups inside).
fn answer_spans(t: &Transcript, v: &TranscriptVersion, asked: &[&AskedQuestion]) -> Vec<(ObjectId, String, Span)> {
    let mut out: Vec<(ObjectId, String, Span)> = Vec::new();
    let mut current: Option<(ObjectId, String, Option<Span>)> = None;
    let close = |current: &mut Option<(ObjectId, String, Option<Span>)>, out: &mut Vec<(ObjectId, String, Span)>| {
        if let Some((q, words, Some(span))) = current.take() {
            out.push((q, words, span));
        }
    };
    for turn in &v.turns {
        let role = turn.label.as_ref().and_then(|l| t.speakers.get(l));
        if role == Some(&SpeakerRole::Interviewer) {
            let here = asked
                .iter()
                .find(|a| a.anchor.version_id() == &v.id && a.anchor.span().overlaps(turn.span))
                .map(|a| a.question_id.clone());
            match (&mut current, here) {
                (Some((q, _, _)), Some(h)) if *q == h => {}
                (_, Some(h)) => {
                    close(&mut current, &mut out);
                    current = Some((h, spoken(&v.text, turn).slice(&v.text).to_owned(), None));
                }
                (_, None) => close(&mut current, &mut out),
            }
        } else if let Some((_, _, span)) = &mut current {
            *span = Some(match span {
                Some(s) => Span::from_bounds(s.start(), turn.span.end()),
                None => turn.span,
            });
        }
    }
    close(&mut current, &mut out);
    out
}
