//! Importing transcripts: files are read and checked first, then all good ones are stored in one
//! command, so a bad file never half-imports and never blocks the others.

use std::collections::BTreeMap;
use std::sync::Arc;

use idiograph_formats::{import_transcript, ImportError, ImportOptions, ImportedTranscript};
use idiograph_model::{
    ObjectId, ObjectKind, Participant, Provenance, SpeakerRole, Transcript, TranscriptVersion, Turn,
};
use idiograph_store::{Action, Tx};
use idiograph_text::{Layout, LayoutParams};

use crate::participants;
use crate::{new_id, now, AppError, Reference, Workbench};

/// A file that was imported.
#[derive(Debug, Clone)]
pub struct ImportedFile {
    /// The file name.
    pub file_name: String,
    /// The participant's pseudonym.
    pub participant: String,
    /// The new transcript.
    pub transcript: Transcript,
    /// How many speaker turns were found.
    pub turns: usize,
    /// How many numbered lines the frozen layout has.
    pub lines: u32,
    /// Observations worth telling the user (encoding guessed, text before the first speaker…).
    pub diagnostics: Vec<String>,
}

/// A file that was refused, with the one-line reason (which names the file).
#[derive(Debug, Clone)]
pub struct RefusedFile {
    /// The file name.
    pub file_name: String,
    /// Why.
    pub reason: String,
}

/// What a batch import did.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Imported files, in the order given.
    pub imported: Vec<ImportedFile>,
    /// Refused files, in the order given.
    pub refused: Vec<RefusedFile>,
}

/// Finds a transcript by short id such as `T3` (or `3`).
pub(crate) async fn resolve(tx: &mut Tx, reference: impl Reference) -> Result<Transcript, AppError> {
    let short = reference.short_id(ObjectKind::Transcript)?;
    tx.by_short(short.number())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no transcript {short} in this project")))
}

/// A file read: its name, and its transcript laid out or why it was refused.
pub(crate) type Parsed = (String, Result<(ImportedTranscript, Layout), ImportError>);

/// A file to import: its name and bytes.
pub type FileBytes = (String, Vec<u8>);

/// Files to import for one participant, named by pseudonym.
pub type ImportGroup = (String, Vec<FileBytes>);

/// Called once per file read during an import, from worker threads (for progress bars).
pub type ImportProgress = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// Imports and lays out every file, on as many threads as there are cores.
fn parse_all(
    files: Vec<(String, Vec<u8>)>,
    options: ImportOptions,
    params: LayoutParams,
    progress: Option<ImportProgress>,
) -> Vec<Parsed> {
    let parse = |(name, bytes): (String, Vec<u8>)| -> Parsed {
        let report = |name: &str| {
            if let Some(p) = &progress {
                p(name)
            }
        };
        // Importers are fuzzed never to panic; should one still do so, that file is refused
        // and the batch goes on.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            import_transcript(&name, &bytes, &options).map(|t| {
                let layout = Layout::compute(&t.text, params);
                (t, layout)
            })
        }))
        .unwrap_or_else(|_| {
            Err(ImportError::Undecodable { file: name.clone(), reason: "the importer failed on this file".into() })
        });
        report(&name);
        (name, result)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    if threads <= 1 {
        return files.into_iter().map(parse).collect();
    }
    let chunk = files.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(String, Vec<u8>)>> = Vec::new();
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        chunks.push(files.by_ref().take(chunk).collect());
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            chunks.into_iter().map(|c| scope.spawn(move || c.into_iter().map(parse).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

fn build_version(
    imported: ImportedTranscript,
    layout: Layout,
    transcript_id: &ObjectId,
    created_at: &str,
) -> TranscriptVersion {
    TranscriptVersion {
        id: new_id(),
        transcript_id: transcript_id.clone(),
        number: 1,
        layout,
        turns: imported
            .turns
            .into_iter()
            .map(|t| Turn { span: t.span, label: t.label, label_span: t.label_span, timestamp: t.timestamp })
            .collect(),
        provenance: Provenance {
            file_name: imported.provenance.file_name,
            sha256: imported.provenance.sha256,
            format: imported.provenance.format.as_str().to_owned(),
            encoding: imported.provenance.encoding,
        },
        text: imported.text,
        created_at: created_at.to_owned(),
        units: Default::default(),
    }
}

/// Reads and lays out every file off the async threads (decoding, normalisation and layout are
/// CPU work), keeping the files in the order given; a file that cannot be read is refused by name.
pub(crate) async fn read_all(
    files: Vec<FileBytes>,
    options: &ImportOptions,
    layout: LayoutParams,
    progress: Option<ImportProgress>,
) -> Result<Vec<Parsed>, AppError> {
    let options = *options;
    tokio::task::spawn_blocking(move || parse_all(files, options, layout, progress))
        .await
        .map_err(|e| AppError::Invalid(format!("import failed: {e}")))
}

/// Stores a transcript read from the file `name` as a new transcript of `owner`, numbered
/// `short`, inside a running command; speaker roles are guessed from the owner's pseudonym.
pub(crate) async fn insert_transcript(
    tx: &mut Tx,
    owner: &Participant,
    name: &str,
    imported: ImportedTranscript,
    layout: Layout,
    short: u32,
    created_at: &str,
) -> Result<(Transcript, TranscriptVersion), AppError> {
    let transcript_id = new_id();
    let version = build_version(imported, layout, &transcript_id, created_at);
    let mut speakers = BTreeMap::new();
    for label in version.turns.iter().filter_map(|t| t.label.as_ref()) {
        speakers.entry(label.clone()).or_insert_with(|| SpeakerRole::guess(label, &owner.pseudonym));
    }
    let transcript = Transcript {
        id: transcript_id,
        short,
        participant_id: owner.id.clone(),
        title: name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned(),
        current_version: version.id.clone(),
        speakers,
        created_at: created_at.to_owned(),
    };
    tx.insert(&transcript).await?;
    tx.insert_version(&version, &owner.id).await?;
    Ok((transcript, version))
}

impl Workbench {
    /// Imports files (name and bytes) as transcripts of one participant. Good files are stored
    /// together as one command; refused files are reported and change nothing.
    pub async fn import_files(
        &self,
        participant: &str,
        files: Vec<(String, Vec<u8>)>,
        options: &ImportOptions,
    ) -> Result<ImportOutcome, AppError> {
        self.import_files_with_progress(participant, files, options, None).await
    }

    /// [`Workbench::import_files`], calling `progress` as each file has been read.
    pub async fn import_files_with_progress(
        &self,
        participant: &str,
        files: Vec<(String, Vec<u8>)>,
        options: &ImportOptions,
        progress: Option<ImportProgress>,
    ) -> Result<ImportOutcome, AppError> {
        self.import_batches(vec![(participant.to_owned(), files)], false, options, progress).await
    }

    /// Imports files for several participants as ONE command. With `create_missing`, a participant
    /// named in `groups` who does not exist yet is added — but only if at least one of their files
    /// is good. Every file is read before anything is written; refused files change nothing.
    pub async fn import_batches(
        &self,
        groups: Vec<ImportGroup>,
        create_missing: bool,
        options: &ImportOptions,
        progress: Option<ImportProgress>,
    ) -> Result<ImportOutcome, AppError> {
        let mut outcome = ImportOutcome::default();
        let layout = {
            let mut tx = self.store.read().await?;
            tx.settings().await?.layout
        };
        let owners: Vec<String> = groups.iter().map(|(p, _)| p.clone()).collect();
        let flat: Vec<(usize, (String, Vec<u8>))> =
            groups.into_iter().enumerate().flat_map(|(g, (_, files))| files.into_iter().map(move |f| (g, f))).collect();
        let group_of: Vec<usize> = flat.iter().map(|(g, _)| *g).collect();
        let files: Vec<(String, Vec<u8>)> = flat.into_iter().map(|(_, f)| f).collect();
        // Decoding, normalisation and layout are CPU work: spread them over the cores before
        // taking the write lock, keeping the files in the order given.
        let files = read_all(files, options, layout, progress).await?;
        let mut parsed: Vec<(usize, String, (ImportedTranscript, Layout))> = Vec::new();
        for ((name, result), group) in files.into_iter().zip(group_of) {
            match result {
                Ok(t) => parsed.push((group, name, t)),
                Err(e) => outcome.refused.push(RefusedFile { file_name: name, reason: e.to_string() }),
            }
        }
        if parsed.is_empty() {
            return Ok(outcome);
        }
        let mut tx = self.begin().await?;
        let mut resolved: Vec<Option<idiograph_model::Participant>> = vec![None; owners.len()];
        let mut added = Vec::new();
        for (g, name) in owners.iter().enumerate() {
            if !parsed.iter().any(|(pg, _, _)| *pg == g) {
                continue;
            }
            resolved[g] = Some(match participants::resolve(&mut tx, name).await {
                Ok(p) => p,
                Err(AppError::NotFound(_)) if create_missing => {
                    let p = participants::new_participant(&mut tx, name, &[], Default::default()).await?;
                    added.push(p.short_id().to_string());
                    p
                }
                Err(e) => return Err(e),
            });
        }
        let created_at = now();
        let mut shorts = tx.reserve_shorts(ObjectKind::Transcript, parsed.len() as u32).await?;
        for (group, name, (imported, layout)) in parsed {
            let Some(owner) = resolved[group].clone() else { continue };
            let diagnostics = imported.diagnostics.iter().map(|d| d.message.clone()).collect();
            let short = shorts.next().unwrap_or_default();
            let (transcript, version) =
                insert_transcript(&mut tx, &owner, &name, imported, layout, short, &created_at).await?;
            outcome.imported.push(ImportedFile {
                file_name: name,
                participant: owner.pseudonym.clone(),
                turns: version.turns.len(),
                lines: version.layout.line_count(),
                transcript,
                diagnostics,
            });
        }
        let ids: Vec<String> = outcome.imported.iter().map(|f| f.transcript.short_id().to_string()).collect();
        let new = if added.is_empty() { String::new() } else { format!(" (new participants {})", added.join(", ")) };
        tx.commit(Action::Import, &format!("import {}{new}", ids.join(", "))).await?;
        Ok(outcome)
    }

    /// Sets the role of a speaker label in a transcript (interviewer, participant, other).
    pub async fn set_speaker_role(
        &self,
        transcript: &str,
        label: &str,
        role: SpeakerRole,
    ) -> Result<Transcript, AppError> {
        let mut tx = self.begin().await?;
        let before = resolve(&mut tx, transcript).await?;
        if !before.speakers.contains_key(label) {
            let known: Vec<&str> = before.speakers.keys().map(String::as_str).collect();
            return Err(AppError::NotFound(format!(
                "no speaker '{label}' in {} (speakers: {})",
                before.short_id(),
                known.join(", ")
            )));
        }
        let mut after = before.clone();
        after.speakers.insert(label.to_owned(), role);
        tx.update(&before, &after).await?;
        tx.commit(Action::SetSpeakerRole, &format!("set speaker role in {} to {role}", before.short_id())).await?;
        Ok(after)
    }

    /// A transcript and its current version (text, frozen layout, turns).
    pub async fn transcript(
        &self,
        reference: impl Reference,
    ) -> Result<(Transcript, Arc<TranscriptVersion>), AppError> {
        let mut tx = self.store.read().await?;
        let t = resolve(&mut tx, reference).await?;
        let v = tx.version(&t.current_version).await?;
        Ok((t, v))
    }
}

impl Workbench {
    /// Retitles a transcript.
    pub async fn rename_transcript(&self, reference: &str, title: &str) -> Result<Transcript, AppError> {
        let title = crate::annotate::check_title("a transcript title", title, 200)?;
        let mut tx = self.begin().await?;
        let before = resolve(&mut tx, reference).await?;
        let mut after = before.clone();
        after.title = title;
        tx.update(&before, &after).await?;
        tx.commit(Action::RenameTranscript, &format!("rename transcript {}", before.short_id())).await?;
        Ok(after)
    }

    /// Deletes a transcript with its versions and everything anchored only in it: notes, extracts,
    /// and statements (with their theme assignments) that have no passage in another transcript.
    pub async fn delete_transcript(&self, reference: &str) -> Result<Transcript, AppError> {
        use idiograph_model::{Assignment, ExperientialStatement, ExploratoryNote, Extract};
        let mut tx = self.begin().await?;
        let t = resolve(&mut tx, reference).await?;
        let notes: Vec<ExploratoryNote> = tx.of_transcript(&t.id).await?;
        let extracts: Vec<Extract> = tx.of_transcript(&t.id).await?;
        let versions = tx.version_ids(&t.id).await?;
        let statements: Vec<ExperientialStatement> = tx.of_participant(&t.participant_id).await?;
        for s in statements {
            let (here, elsewhere): (Vec<_>, Vec<_>) =
                s.anchors.iter().cloned().partition(|a| versions.contains(a.version_id()));
            if here.is_empty() {
                continue;
            }
            let mut after = s.clone();
            after.from_notes.retain(|n| !notes.iter().any(|note| &note.id == n));
            if elsewhere.is_empty() {
                let assignments: Vec<Assignment> = tx.assignments_of_statement(&s.id).await?;
                for a in &assignments {
                    tx.delete(a).await?;
                }
                tx.delete(&s).await?;
            } else {
                after.anchors = elsewhere;
                tx.update(&s, &after).await?;
            }
        }
        for n in &notes {
            // Statements of this case that keep passages elsewhere may still cite these notes.
            let citing: Vec<ExperientialStatement> = tx.of_participant(&t.participant_id).await?;
            for s in citing.into_iter().filter(|s| s.from_notes.contains(&n.id)) {
                let mut after = s.clone();
                after.from_notes.retain(|x| x != &n.id);
                tx.update(&s, &after).await?;
            }
            tx.delete(n).await?;
        }
        for x in &extracts {
            tx.delete(x).await?;
        }
        // The review queue, the de-identification log and the line mappings of this transcript go with it.
        for d in tx.of_transcript::<idiograph_model::ReviewDecision>(&t.id).await? {
            tx.delete(&d).await?;
        }
        for c in tx.of_transcript::<idiograph_model::ReplacementCount>(&t.id).await? {
            tx.delete(&c).await?;
        }
        for m in tx.of_transcript::<idiograph_model::LineMapping>(&t.id).await? {
            tx.delete(&m).await?;
        }
        // So do the confirmations of the interview guide's questions asked in it.
        for a in tx.of_transcript::<idiograph_model::AskedQuestion>(&t.id).await? {
            tx.delete(&a).await?;
        }
        // The recording's bytes stay outside the row images, as the versions' texts do, so that
        // undoing the deletion brings the recording back.
        for r in tx.of_transcript::<idiograph_model::Recording>(&t.id).await? {
            tx.delete(&r).await?;
        }
        for p in tx.of_transcript::<idiograph_model::SyncPoints>(&t.id).await? {
            tx.delete(&p).await?;
        }
        tx.delete_versions(&versions).await?;
        tx.delete(&t).await?;
        tx.commit(Action::DeleteTranscript, &format!("delete transcript {}", t.short_id())).await?;
        Ok(t)
    }
}
