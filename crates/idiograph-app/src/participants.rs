//! Participants: adding, editing, resolving by pseudonym or short id, and withdrawal.

use std::collections::BTreeMap;

use idiograph_model::{InterviewMeta, ObjectKind, Participant, ShortId};
use idiograph_store::{Action, Tx};

use crate::error::invalid;
use crate::{new_id, AppError, Reference, Workbench};

/// Changes to a participant; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct ParticipantChanges {
    /// A new pseudonym.
    pub pseudonym: Option<String>,
    /// Attributes to set (an empty value removes the attribute).
    pub attributes: Vec<(String, String)>,
    /// New interview metadata, replacing the old.
    pub interview: Option<InterviewMeta>,
}

/// What a withdrawal did.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    /// The participant withdrawn (as they were).
    pub participant: Participant,
    /// The places where the researcher's own text (journal entries, theme titles and
    /// descriptions, clustering rationales) still mentions the pseudonym, for review.
    pub mentions: Vec<String>,
    /// The study's key store still holds the participant's originals: it is locked here, and
    /// they are erased when it is next unlocked.
    pub key_store_pending: bool,
}

/// The participant called `pseudonym` (ignoring case), if any; short ids are not considered,
/// so a pseudonym such as "P101" never clashes with participant P101.
async fn by_pseudonym(tx: &mut Tx, pseudonym: &str) -> Result<Option<Participant>, AppError> {
    let all: Vec<Participant> = tx.all().await?;
    Ok(all.into_iter().find(|p| p.pseudonym.to_lowercase() == pseudonym.trim().to_lowercase()))
}

/// Finds a participant by pseudonym (ignoring case) or by short id such as `P2`.
pub(crate) async fn resolve(tx: &mut Tx, reference: impl Reference) -> Result<Participant, AppError> {
    let all: Vec<Participant> = tx.all().await?;
    find(&all, reference).cloned()
}

/// The one rule for naming a participant: a pseudonym (ignoring case) wins over a short id
/// such as `P2`, so a participant called "P2" is still reachable by its name. A short id held by
/// the caller names its participant alone.
pub(crate) fn find(all: &[Participant], reference: impl Reference) -> Result<&Participant, AppError> {
    let Some(text) = reference.text() else {
        let id = reference.short_id(ObjectKind::Participant)?;
        return all
            .iter()
            .find(|p| p.short == id.number())
            .ok_or_else(|| AppError::NotFound(format!("no participant '{id}' in this study")));
    };
    let wanted = text.trim();
    if let Some(p) = all.iter().find(|p| p.pseudonym.to_lowercase() == wanted.to_lowercase()) {
        return Ok(p);
    }
    if let Ok(short) = ShortId::parse(ObjectKind::Participant, wanted) {
        if wanted.to_ascii_uppercase().starts_with('P') {
            if let Some(p) = all.iter().find(|p| p.short == short.number()) {
                return Ok(p);
            }
        }
    }
    Err(AppError::NotFound(format!("no participant '{wanted}' in this study")))
}

fn check_attribute_key(key: &str) -> Result<String, AppError> {
    let key = key.trim();
    if key.is_empty() || key.chars().any(|c| c.is_control() || c == '=') {
        return Err(invalid!("attribute name '{key}' must be non-empty, without '=' or control characters"));
    }
    Ok(key.to_owned())
}

/// Adds a participant inside a running command (e.g. one per imported file, or one per case of
/// a merged project), checking the pseudonym, that no one has it yet, and the attribute names.
pub(crate) async fn new_participant(
    tx: &mut Tx,
    pseudonym: &str,
    attributes: &[(String, String)],
    interview: InterviewMeta,
) -> Result<Participant, AppError> {
    let pseudonym = Participant::check_pseudonym(pseudonym).map_err(|e| invalid!("{e}"))?;
    if by_pseudonym(tx, &pseudonym).await?.is_some() {
        return Err(AppError::Conflict(format!("a participant called '{pseudonym}' already exists")));
    }
    let mut attrs = BTreeMap::new();
    for (k, v) in attributes {
        attrs.insert(check_attribute_key(k)?, v.trim().to_owned());
    }
    let p = Participant {
        id: new_id(),
        short: tx.next_short(ObjectKind::Participant).await?,
        pseudonym,
        attributes: attrs,
        interview,
        finished_at: None,
    };
    tx.insert(&p).await?;
    Ok(p)
}

impl Workbench {
    /// Adds a participant (a case) under a pseudonym, with optional attributes.
    pub async fn add_participant(
        &self,
        pseudonym: &str,
        attributes: &[(String, String)],
        interview: InterviewMeta,
    ) -> Result<Participant, AppError> {
        let mut tx = self.begin().await?;
        let p = new_participant(&mut tx, pseudonym, attributes, interview).await?;
        tx.commit(Action::AddParticipant, &format!("add participant {} ({})", p.short_id(), p.pseudonym)).await?;
        Ok(p)
    }

    /// Renames a participant or changes attributes and interview metadata.
    pub async fn update_participant(
        &self,
        reference: &str,
        changes: ParticipantChanges,
    ) -> Result<Participant, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve(&mut tx, reference).await?;
        let mut after = before.clone();
        if let Some(name) = &changes.pseudonym {
            let name = Participant::check_pseudonym(name).map_err(|e| invalid!("{e}"))?;
            if let Some(other) = by_pseudonym(&mut tx, &name).await? {
                if other.id != before.id {
                    return Err(AppError::Conflict(format!("a participant called '{name}' already exists")));
                }
            }
            after.pseudonym = name;
        }
        for (k, v) in &changes.attributes {
            let k = check_attribute_key(k)?;
            if v.trim().is_empty() {
                after.attributes.remove(&k);
            } else {
                after.attributes.insert(k, v.trim().to_owned());
            }
        }
        if let Some(i) = changes.interview {
            after.interview = i;
        }
        tx.update(&before, &after).await?;
        tx.commit(Action::EditParticipant, &format!("edit participant {}", before.short_id())).await?;
        Ok(after)
    }

    /// Marks a case's analysis finished (or open again), the point at which IPA moves to the next case.
    pub async fn set_case_finished(&self, reference: &str, finished: bool) -> Result<Participant, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve(&mut tx, reference).await?;
        let mut after = before.clone();
        after.finished_at = if finished { Some(before.finished_at.clone().unwrap_or_else(crate::now)) } else { None };
        tx.update(&before, &after).await?;
        let what = if finished { Action::MarkCaseFinished } else { Action::ReopenCase };
        tx.commit(what, &format!("{what}: {}", before.short_id())).await?;
        Ok(after)
    }

    /// Deletes a participant who has no transcripts yet (e.g. added by mistake); a participant
    /// with data is removed by withdrawal instead, which also erases the history.
    pub async fn delete_participant(&self, reference: &str) -> Result<Participant, AppError> {
        let mut tx = self.begin().await?;
        let p = resolve(&mut tx, reference).await?;
        let transcripts: Vec<idiograph_model::Transcript> = tx.of_participant(&p.id).await?;
        let themes: Vec<idiograph_model::Theme> = tx.of_participant(&p.id).await?;
        if !transcripts.is_empty() || !themes.is_empty() {
            return Err(AppError::Conflict(format!(
                "{} ({}) has transcripts or themes; delete those first, or use `participant withdraw` to erase everything",
                p.short_id(), p.pseudonym
            )));
        }
        let journal: Vec<idiograph_model::JournalEntry> = tx.of_participant(&p.id).await?;
        for j in &journal {
            let mut after = j.clone();
            after.about = None;
            after.participant_id = None;
            tx.update(j, &after).await?;
        }
        tx.delete(&p).await?;
        tx.commit(Action::DeleteParticipant, &format!("delete participant {}", p.short_id())).await?;
        Ok(p)
    }

    /// Erases a participant who withdrew consent, with everything derived from their transcripts,
    /// from the project, its undo history and the file's free pages, from the search index and
    /// from the key store (when the study has one and it is unlocked; otherwise that part is
    /// done when it is next unlocked). Cannot be undone. Recorded before anything is erased, so
    /// that a withdrawal stopped half-way is finished by the next open of the project.
    pub async fn withdraw_participant(&self, reference: &str) -> Result<Withdrawal, AppError> {
        let mut tx = self.store.read().await?;
        let p = resolve(&mut tx, reference).await?;
        drop(tx);
        let pending = self.store.record_withdrawal(&p.id, &self.author, &crate::now()).await?;
        self.erasure_step("withdrawal recorded");
        let key_store_pending = self.finish_erasure(&pending).await?;
        let s = self.snapshot().await?;
        let name = p.pseudonym.to_lowercase();
        let mentions = |text: &str| text.to_lowercase().contains(&name);
        let mut places = Vec::new();
        places
            .extend(s.journal.iter().filter(|j| mentions(&j.text)).map(|j| format!("journal entry {}", j.short_id())));
        for t in &s.themes {
            if mentions(&t.title) || t.description.as_deref().is_some_and(mentions) {
                places.push(format!("theme {}", t.short_id()));
            }
        }
        for a in s.assignments.iter().filter(|a| a.rationale.as_deref().is_some_and(mentions)) {
            if let Some(t) = s.theme(&a.theme_id) {
                places.push(format!("a clustering rationale in {}", t.short_id()));
            }
        }
        places.dedup();
        Ok(Withdrawal { participant: p, mentions: places, key_store_pending })
    }
}

#[cfg(test)]
mod tests {
    use idiograph_model::{ObjectId, ObjectKind, Participant, ShortId};

    use super::find;

    fn participant(short: u32, pseudonym: &str) -> Participant {
        Participant {
            id: ObjectId::new(format!("id-{short}")),
            short,
            pseudonym: pseudonym.to_owned(),
            attributes: Default::default(),
            interview: Default::default(),
            finished_at: None,
        }
    }

    #[test]
    fn text_names_a_pseudonym_first_and_a_held_short_id_its_participant_alone() {
        // P1 is called "P2": typed text finds it by name, the short id P2 finds the second.
        let all = [participant(1, "P2"), participant(2, "Olivia")];
        assert_eq!(find(&all, "p2").unwrap().short, 1);
        assert_eq!(find(&all, ShortId::new(ObjectKind::Participant, 2)).unwrap().pseudonym, "Olivia");
        assert!(find(&all, ShortId::new(ObjectKind::Participant, 3)).is_err());
        assert!(find(&all, ShortId::new(ObjectKind::Theme, 2)).is_err(), "a theme's id names no participant");
    }
}
