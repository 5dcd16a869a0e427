//! Queries: one consistent snapshot of a study, and what is derived from it (recurrence, tables);
//! and one transcript with what is anchored in it, for views that need no more.

use std::collections::HashMap;
use std::sync::Arc;

use idiograph_model::{
    cite, print_quote, Anchor, Assignment, ExperientialStatement, ExploratoryNote, Extract, JournalEntry, Member,
    ObjectId, Participant, Recording, Recurrence, StudySettings, Theme, Transcript, TranscriptVersion,
};

use idiograph_store::Tx;

use crate::{transcripts, AppError, Reference, Workbench};

/// Everything of a study but the exploratory notes, read in one transaction.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Study settings.
    pub settings: StudySettings,
    /// Participants in creation order.
    pub participants: Vec<Participant>,
    /// Transcripts in creation order.
    pub transcripts: Vec<Transcript>,
    /// Every version that is current or anchored in, by id.
    pub versions: HashMap<ObjectId, Arc<TranscriptVersion>>,
    /// Statements in creation order.
    pub statements: Vec<ExperientialStatement>,
    /// Themes in creation order.
    pub themes: Vec<Theme>,
    /// Clustering decisions.
    pub assignments: Vec<Assignment>,
    /// Extracts in creation order.
    pub extracts: Vec<Extract>,
    /// Journal entries in creation order.
    pub journal: Vec<JournalEntry>,
}

impl Snapshot {
    /// The participant with this id.
    pub fn participant(&self, id: &ObjectId) -> Option<&Participant> {
        self.participants.iter().find(|p| &p.id == id)
    }

    /// The participant a user names by pseudonym or short id (`P2`), by the one rule every
    /// edge uses.
    pub fn find_participant(&self, reference: impl Reference) -> Result<&Participant, AppError> {
        crate::participants::find(&self.participants, reference)
    }

    /// The theme with this id.
    pub fn theme(&self, id: &ObjectId) -> Option<&Theme> {
        self.themes.iter().find(|t| &t.id == id)
    }

    /// The citation of an anchor, e.g. "(Olivia, p. 6, ll. 14–16)".
    pub fn cite(&self, participant: &ObjectId, anchor: &Anchor) -> String {
        let name = self.participant(participant).map_or("?", |p| p.pseudonym.as_str());
        match self.versions.get(anchor.version_id()) {
            Some(v) => cite(name, &v.layout, anchor.span()),
            None => format!("({name})"),
        }
    }

    /// The passage of an anchor as a write-up prints it: without cue times and speaker labels,
    /// another speaker's turns left out and marked `[…]`, fillers and pauses by the study's
    /// policy (`print_quote`). The stored text is not touched.
    pub fn print(&self, anchor: &Anchor) -> String {
        let fillers = self.settings.fillers;
        let Some(v) = self.versions.get(anchor.version_id()) else {
            let exact = anchor.quote().exact();
            return print_quote(exact, &[], &Default::default(), &[idiograph_text::Span::full(exact)], fillers);
        };
        let no_roles = Default::default();
        let speakers = self.transcripts.iter().find(|t| t.id == v.transcript_id).map_or(&no_roles, |t| &t.speakers);
        print_quote(&v.text, &v.turns, speakers, &[anchor.span()], fillers)
    }

    /// Page and lines of an anchor without the pseudonym, e.g. "p. 6, ll. 14–16".
    pub fn lines(&self, anchor: &Anchor) -> String {
        self.versions
            .get(anchor.version_id())
            .map(|v| v.layout.span_lines(anchor.span()).to_string())
            .unwrap_or_default()
    }

    /// The theme × participant recurrence matrix under the study's rule.
    pub fn recurrence(&self) -> Recurrence {
        let ids: Vec<ObjectId> = self.participants.iter().map(|p| p.id.clone()).collect();
        Recurrence::compute(
            &ids,
            &self.themes,
            &self.assignments,
            &self.statements,
            &self.extracts,
            self.settings.recurrence_rule,
        )
    }

    /// Direct sub-themes of `parent` (None: top level), in board order.
    pub fn children(&self, parent: Option<&ObjectId>) -> Vec<&Theme> {
        let mut kids: Vec<&Theme> = self.themes.iter().filter(|t| t.parent.as_ref() == parent).collect();
        kids.sort_by_key(|t| (t.position, t.short));
        kids
    }

    /// Statements assigned to a PET, in creation order.
    pub fn statements_of(&self, theme: &ObjectId) -> Vec<&ExperientialStatement> {
        let ids: Vec<&ObjectId> = self
            .assignments
            .iter()
            .filter(|a| &a.theme_id == theme)
            .filter_map(|a| match &a.member {
                Member::Statement(s) => Some(s),
                Member::Theme(_) => None,
            })
            .collect();
        self.statements.iter().filter(|s| ids.contains(&&s.id)).collect()
    }

    /// PETs assigned to a GET.
    pub fn pets_of(&self, theme: &ObjectId) -> Vec<&Theme> {
        let ids: Vec<&ObjectId> = self
            .assignments
            .iter()
            .filter(|a| &a.theme_id == theme)
            .filter_map(|a| match &a.member {
                Member::Theme(t) => Some(t),
                Member::Statement(_) => None,
            })
            .collect();
        self.themes.iter().filter(|t| ids.contains(&&t.id)).collect()
    }

    /// A theme's revision, as the commands that change it or its members check it: it changes
    /// with the theme and whenever a member joins or leaves it.
    pub fn theme_revision(&self, theme: &Theme) -> String {
        crate::themes::revision(theme, self.assignments.iter().filter(|a| a.theme_id == theme.id))
    }

    /// Extracts chosen for a theme.
    pub fn extracts_of(&self, theme: &ObjectId) -> Vec<&Extract> {
        self.extracts.iter().filter(|x| &x.theme_id == theme).collect()
    }
}

/// One transcript's current version with what is anchored in it, read in one transaction
/// without the rest of the study: what the transcript view shows.
#[derive(Debug, Clone)]
pub struct TranscriptView {
    /// Study settings.
    pub settings: StudySettings,
    /// The transcript.
    pub transcript: Transcript,
    /// Its current version (text, frozen layout, turns), shared with the store's cache.
    pub version: Arc<TranscriptVersion>,
    /// The case the transcript belongs to.
    pub participant: Participant,
    /// Exploratory notes anchored in the current version, in creation order.
    pub notes: Vec<ExploratoryNote>,
    /// Statements with at least one passage in the current version, in creation order.
    pub statements: Vec<ExperientialStatement>,
    /// The clustering decisions that put those statements into themes.
    pub assignments: Vec<Assignment>,
    /// This case's personal themes and all group themes, in creation order: every theme a
    /// statement or extract of this transcript can belong to.
    pub themes: Vec<Theme>,
    /// Extracts from the current version, in creation order.
    pub extracts: Vec<Extract>,
    /// The recording of the interview, if one is attached.
    pub recording: Option<Recording>,
    /// When each line starts in the recording (index 0 is line 1), from the version's sync
    /// points or its cue times, where anything says so.
    pub line_times: Vec<Option<u64>>,
}

impl TranscriptView {
    /// A snapshot holding just this transcript, its version and what is anchored there, with
    /// its notes: what its views are made from.
    pub fn into_snapshot(self) -> (Snapshot, Vec<ExploratoryNote>) {
        let snapshot = Snapshot {
            settings: self.settings,
            participants: vec![self.participant],
            transcripts: vec![self.transcript],
            versions: HashMap::from([(self.version.id.clone(), self.version)]),
            statements: self.statements,
            themes: self.themes,
            assignments: self.assignments,
            extracts: self.extracts,
            journal: Vec::new(),
        };
        (snapshot, self.notes)
    }

    /// The theme with this id, if it is one of this case's or a group theme.
    pub fn theme(&self, id: &ObjectId) -> Option<&Theme> {
        self.themes.iter().find(|t| &t.id == id)
    }

    /// The citation of a passage of the current version, e.g. "(Olivia, p. 6, ll. 14–16)".
    pub fn cite(&self, anchor: &Anchor) -> String {
        cite(&self.participant.pseudonym, &self.version.layout, anchor.span())
    }
}

impl Workbench {
    /// The study's settings alone (title, terminology, layout…), without the study.
    pub async fn settings(&self) -> Result<StudySettings, AppError> {
        Ok(self.store.read().await?.settings().await?)
    }

    /// One participant (`P2` or pseudonym) alone, without the study.
    pub async fn participant(&self, reference: impl Reference) -> Result<Participant, AppError> {
        crate::participants::resolve(&mut self.store.read().await?, reference).await
    }

    /// Reads the whole study (but the notes) in one consistent transaction.
    pub async fn snapshot(&self) -> Result<Snapshot, AppError> {
        read_snapshot(&mut self.store.read().await?).await
    }

    /// One transcript (`T2`) as its view shows it, read in one transaction: only its case's rows
    /// and the themes, not every transcript version, statement and extract of the study.
    pub async fn transcript_view(&self, reference: &str) -> Result<TranscriptView, AppError> {
        let mut tx = self.store.read().await?;
        let transcript = transcripts::resolve(&mut tx, reference).await?;
        let version = tx.version(&transcript.current_version).await?;
        let case = &transcript.participant_id;
        let here = |a: &Anchor| a.version_id() == &version.id;
        let mut notes: Vec<ExploratoryNote> = tx.of_transcript(&transcript.id).await?;
        notes.retain(|n| here(&n.anchor));
        // A statement stays within its case, and an assignment carries its member's case.
        let mut statements: Vec<ExperientialStatement> = tx.of_participant(case).await?;
        statements.retain(|s| s.anchors.iter().any(here));
        let mut assignments: Vec<Assignment> = tx.of_participant(case).await?;
        assignments.retain(|a| matches!(&a.member, Member::Statement(s) if statements.iter().any(|x| &x.id == s)));
        // Group themes have no column to select them by; themes are few.
        let mut themes: Vec<Theme> = tx.all().await?;
        themes.retain(|t| t.is_group() || t.participant_id() == Some(&transcript.participant_id));
        let extracts = tx.of_version(&version.id).await?;
        let recording = crate::recordings::of_transcript(&mut tx, &transcript).await?;
        let points = crate::recordings::sync_points_of(&mut tx, &version.id).await?;
        let line_times = crate::recordings::line_times(&version, points.as_ref());
        Ok(TranscriptView {
            recording,
            line_times,
            settings: tx.settings().await?,
            participant: tx.get(&transcript.participant_id).await?,
            transcript,
            version,
            notes,
            statements,
            assignments,
            themes,
            extracts,
        })
    }

    /// The exploratory notes of one transcript (`T2`), or of the whole study.
    pub async fn notes(&self, transcript: Option<&str>) -> Result<Vec<ExploratoryNote>, AppError> {
        let mut tx = self.store.read().await?;
        match transcript {
            Some(r) => {
                let t = transcripts::resolve(&mut tx, r).await?;
                Ok(tx.of_transcript(&t.id).await?)
            }
            None => Ok(tx.all().await?),
        }
    }

    /// One exploratory note as it is now (`N3`).
    pub async fn note(&self, reference: &str) -> Result<ExploratoryNote, AppError> {
        crate::annotate::resolve_note(&mut self.store.read().await?, reference).await
    }

    /// One experiential statement as it is now (`S4`).
    pub async fn statement(&self, reference: &str) -> Result<idiograph_model::ExperientialStatement, AppError> {
        crate::annotate::resolve_statement(&mut self.store.read().await?, reference).await
    }

    /// One journal entry as it is now (`J2`).
    pub async fn journal_entry(&self, reference: &str) -> Result<idiograph_model::JournalEntry, AppError> {
        crate::annotate::resolve_journal(&mut self.store.read().await?, reference).await
    }
}

/// Reads the whole study (but the notes) in `tx`.
pub(crate) async fn read_snapshot(tx: &mut Tx) -> Result<Snapshot, AppError> {
    let settings = tx.settings().await?;
    let participants = tx.all().await?;
    let transcripts: Vec<Transcript> = tx.all().await?;
    let statements: Vec<ExperientialStatement> = tx.all().await?;
    let extracts: Vec<Extract> = tx.all().await?;
    let mut wanted: Vec<ObjectId> = transcripts.iter().map(|t| t.current_version.clone()).collect();
    wanted.extend(statements.iter().flat_map(|s| s.anchors.iter().map(|a| a.version_id().clone())));
    wanted.extend(extracts.iter().map(|x| x.anchor.version_id().clone()));
    wanted.sort();
    wanted.dedup();
    let mut versions = HashMap::new();
    for id in wanted {
        let v = tx.version(&id).await?;
        versions.insert(id, v);
    }
    Ok(Snapshot {
        settings,
        participants,
        transcripts,
        versions,
        statements,
        themes: tx.all().await?,
        assignments: tx.all().await?,
        extracts,
        journal: tx.all().await?,
    })
}
