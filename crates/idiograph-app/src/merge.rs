//! A REFI-QDA project (`.qdpx`, or a bare `.qde`) from any tool merged into an existing study
//! (issue #21).
//!
//! One command: everything is added in one transaction and one audit event, so one undo takes
//! the whole merge back, and a file refused part-way leaves the study exactly as it was. Nothing
//! the study has is changed. Each case becomes a new participant (a pseudonym already taken gets
//! " (2)", " (3)", …); each source with text a new transcript of its participant, unless the study
//! already has a transcript whose current text is byte-identical: then nothing is added for it,
//! and its codings and memos are placed on that transcript (a case all of whose sources are
//! already there is not made). The code tree becomes group themes as a codebook does: a code
//! named like a group theme the study had is not made again, its codings go to that theme. Coded
//! passages become extracts, memos on passages exploratory notes, the other project notes
//! journal entries; an extract, note or journal entry the study already has is not made twice.
//! A study exported by Idiograph keeps its IPA structure (`cases.rs`): each case's PETs,
//! statements and clustering decisions are made again for the participant it became.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use idiograph_formats::ImportOptions;
use idiograph_model::{
    Anchor, ExploratoryNote, Extract, JournalEntry, ObjectId, ObjectKind, Participant, ShortId, ThemeScope, Transcript,
    TranscriptVersion,
};
use idiograph_refi::{RefiCode, RefiSelection, RefiSource};
use idiograph_store::{content_hash, Action};
use schemars::JsonSchema;
use serde::Serialize;

use crate::annotate::{anchor_in, insert_extract, insert_journal, insert_note};
use crate::codebook::{themes_from_codes, CodebookClash, ImportedTheme};
use crate::error::invalid;
use crate::exchange::{
    case_details, journal_notes, memo_kind, memo_passages, read_project, source_file, source_stem, Coders,
    ExchangeReport, Pseudonyms,
};
use crate::{now, participants, transcripts, AppError, Target, Workbench};

mod cases;

use cases::Structure;

/// What merging a REFI-QDA project into a study did, as the command line's `--json` and the API
/// give it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ProjectMerge {
    /// The file merged, as it was named.
    pub file: String,
    /// How many of each kind were added: `participants`, `transcripts`, `themes`, `extracts`,
    /// `notes`, `journal` (entries), `authors` (the file's users whose codings or memos were
    /// merged; notes, statements and journal entries carry their names), and from an Idiograph
    /// export `statements` and `clustering decisions`.
    pub added: BTreeMap<String, usize>,
    /// The participants made: one per case, and one per source with new text outside every case.
    pub participants: Vec<MergedParticipant>,
    /// The transcripts made, one per source whose text the study did not have.
    pub transcripts: Vec<MergedTranscript>,
    /// Sources whose text the study already had: not added again.
    pub duplicates: Vec<DuplicateSource>,
    /// The themes made from the file's codes, in the code tree's order: group themes, and from
    /// an Idiograph export each case's PETs after them.
    pub themes: Vec<ImportedTheme>,
    /// Codes named like a theme the study had in that scope (the group, or the case's PETs): not
    /// made again, their codings put on that theme.
    pub clashes: Vec<CodebookClash>,
    /// How many of the file's elements of each kind were not imported; each kind is also one
    /// line of `diagnostics`, saying why.
    pub not_imported: BTreeMap<String, usize>,
    /// What was not imported, or was changed on the way, and why, one line each.
    pub diagnostics: Vec<String>,
}

/// A participant made from a case of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MergedParticipant {
    /// Its short id, e.g. `P4`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// Its pseudonym: the case's name, or with " (2)" when that name was taken.
    pub pseudonym: String,
    /// The case's name in the file (for a source outside every case, the source's name).
    pub case: String,
    /// The participant of the study who already had the case's name, when it was taken.
    #[schemars(with = "Option<String>")]
    pub name_taken_by: Option<ShortId>,
}

/// A transcript made from a source of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MergedTranscript {
    /// Its short id, e.g. `T7`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// Its title, the source's file name.
    pub title: String,
    /// Its participant's short id.
    #[schemars(with = "String")]
    pub participant: ShortId,
}

/// A source whose text is byte-identical to a text of a transcript the study has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DuplicateSource {
    /// The source's name in the file.
    pub source: String,
    /// The transcript with that text, e.g. `T2`.
    #[schemars(with = "String")]
    pub transcript: ShortId,
    /// Whether the source's codings and memos were placed on that transcript: they are when the
    /// text is its current one, not when it is a former one (edited or pseudonymised since).
    pub passages_placed: bool,
}

/// What became of one source with text.
enum Fate {
    /// Its text is new: a transcript is made for it.
    New(idiograph_formats::ImportedTranscript, idiograph_text::Layout),
    /// Its text is the current text of a transcript the study has (its index among them).
    Known(usize),
    /// Its text is an earlier source's of this file (that source's index).
    Earlier(usize),
    /// Its text is a former version of a transcript the study has (its index among them): the
    /// transcript was edited or pseudonymised since, so the text is not added again, and its
    /// passages cannot be placed.
    Former(usize),
    /// It could not be read as a transcript.
    Refused(String),
}

/// Counts `what` in the report's `added`.
fn count(report: &mut ExchangeReport, what: &'static str) {
    *report.imported.entry(what).or_default() += 1;
}

impl Workbench {
    /// Merges a REFI-QDA project written by any tool (`bytes`, read from `file_name`: a `.qdpx`,
    /// or a bare `.qde` without its source texts) into this study as one command; see the module
    /// documentation for what becomes what. A file that cannot be read, has a case or code that
    /// cannot be a participant or theme (a control character in its name, an over-long name or
    /// description, an attribute name with `=`), or holds nothing the study does not have is
    /// refused whole, naming the file, and the study is unchanged.
    pub async fn merge_qdpx(&self, bytes: &[u8], file_name: &str) -> Result<ProjectMerge, AppError> {
        let (project, mut report) = read_project(bytes, file_name)?;
        let refused = |e: AppError, what: String| match e {
            AppError::Invalid(m) | AppError::Conflict(m) => invalid!("{file_name}: {what}: {m}"),
            other => other,
        };
        report.count_unplaced(&project);
        // A merge is one command over rows; a recording is attached by a command of its own.
        report.drop("recordings", project.media.len());
        let mut coders = Coders::new(&project);
        let structure = Structure::of(&project);
        if structure.is_none() {
            report.drop("sets", project.sets.len());
        }

        // Each source's text is read as a transcript file, as an import reads it, before the
        // write lock is taken.
        let layout = {
            let mut tx = self.store.read().await?;
            tx.settings().await?.layout
        };
        let with_text: Vec<(&RefiSource, &String)> =
            project.sources.iter().filter_map(|s| s.text.as_ref().map(|t| (s, t))).collect();
        let files = with_text.iter().map(|(s, text)| (source_file(s), text.as_bytes().to_vec())).collect();
        let read = transcripts::read_all(files, &ImportOptions::default(), layout, None).await?;
        for src in project.sources.iter().filter(|s| s.text.is_none()) {
            report.diagnostics.push(format!(
                "source '{}' has no text in this file ({} coded passages not imported)",
                src.name,
                src.selections.len()
            ));
        }

        let mut tx = self.begin().await?;
        let people: Vec<Participant> = tx.all().await?;
        let mut names = Pseudonyms::new(people.iter().map(|p| p.pseudonym.as_str()));
        let known_transcripts: Vec<Transcript> = tx.all().await?;
        let mut known: Vec<(Transcript, Arc<TranscriptVersion>)> = Vec::new();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        // A text the study had before an edit or pseudonymisation must not come back in.
        let mut former: HashMap<String, usize> = HashMap::new();
        for t in known_transcripts {
            // By hash: a pseudonymised transcript's former texts are sealed, out of the project.
            for id in tx.version_ids(&t.id).await?.into_iter().filter(|id| *id != t.current_version) {
                if let Some(hash) = tx.version_hash(&id).await? {
                    former.entry(hash).or_insert(known.len());
                }
            }
            let v = tx.version(&t.current_version).await?;
            by_text.entry(content_hash(&v.text)).or_insert(known.len());
            known.push((t, v));
        }
        // Which sources bring new text, in the file's order.
        let mut fates: Vec<Fate> = Vec::new();
        let mut new_text: HashMap<String, usize> = HashMap::new();
        for (i, (_, result)) in read.into_iter().enumerate() {
            fates.push(match result {
                Err(e) => Fate::Refused(e.to_string()),
                Ok((imported, layout)) => {
                    let hash = content_hash(&imported.text);
                    match (by_text.get(&hash), former.get(&hash), new_text.get(&hash)) {
                        (Some(k), _, _) => Fate::Known(*k),
                        (None, Some(k), _) => Fate::Former(*k),
                        (None, None, Some(earlier)) => Fate::Earlier(*earlier),
                        (None, None, None) => {
                            new_text.insert(hash, i);
                            Fate::New(imported, layout)
                        }
                    }
                }
            });
        }
        let index_of: BTreeMap<&str, usize> =
            with_text.iter().enumerate().map(|(i, (s, _))| (s.guid.as_str(), i)).collect();

        // Cases: a new participant each, unless every source it has text for is already here.
        let variable_names: BTreeMap<&str, &str> =
            project.variables.iter().map(|v| (v.guid.as_str(), v.name.as_str())).collect();
        let mut owner: BTreeMap<usize, Participant> = BTreeMap::new();
        let mut made_for: BTreeMap<&str, ObjectId> = BTreeMap::new();
        // The participant of the study who has `name` already, letter case aside.
        let taken_by = |name: &str| people.iter().find(|q| q.pseudonym.to_lowercase() == name.trim().to_lowercase());
        let mut merged = ProjectMerge { file: file_name.to_owned(), ..ProjectMerge::default() };
        for case in &project.cases {
            let sources: Vec<usize> =
                case.source_refs.iter().filter_map(|r| index_of.get(r.as_str()).copied()).collect();
            let new = sources.iter().any(|i| matches!(fates[*i], Fate::New(..)));
            let present =
                sources.iter().any(|i| matches!(fates[*i], Fate::Known(_) | Fate::Earlier(_) | Fate::Former(_)));
            if present && !new {
                report.diagnostics.push(format!(
                    "case '{}' was not made a participant: every text it brings is already in the study (see the \
                     duplicates)",
                    case.name.trim()
                ));
                continue;
            }
            let (pseudonym, numbered) = names.unique(&case.name);
            let (attributes, interview, _) = case_details(case, &variable_names);
            let attributes: Vec<(String, String)> = attributes.into_iter().collect();
            let p = participants::new_participant(&mut tx, &pseudonym, &attributes, interview)
                .await
                .map_err(|e| refused(e, format!("case \"{}\"", case.name.trim())))?;
            let name_taken_by = taken_by(&case.name);
            if p.pseudonym != case.name.trim() {
                let why = match (numbered, name_taken_by) {
                    (true, Some(q)) => format!("the name was taken by {}", q.short_id()),
                    (true, None) => "the name was taken by an earlier case of the file".to_owned(),
                    (false, _) => "a pseudonym has 1 to 60 characters".to_owned(),
                };
                report.diagnostics.push(format!(
                    "case '{}' became participant {} '{}': {why}",
                    case.name.trim(),
                    p.short_id(),
                    p.pseudonym
                ));
            }
            merged.participants.push(MergedParticipant {
                id: p.short_id(),
                pseudonym: p.pseudonym.clone(),
                case: case.name.trim().to_owned(),
                name_taken_by: name_taken_by.map(Participant::short_id),
            });
            count(&mut report, "participants");
            made_for.insert(case.guid.as_str(), p.id.clone());
            for i in sources {
                owner.entry(i).or_insert_with(|| p.clone());
            }
        }

        // Transcripts for new text; a source outside every case gets a participant of its own.
        let created_at = now();
        let mut placed: Vec<Option<(Transcript, Arc<TranscriptVersion>)>> = Vec::new();
        for (i, fate) in fates.into_iter().enumerate() {
            let (src, _) = with_text[i];
            let duplicate = matches!(fate, Fate::Known(_) | Fate::Earlier(_));
            let transcript = match fate {
                Fate::Refused(reason) => {
                    report.diagnostics.push(format!("source '{}' not imported: {reason}", src.name));
                    None
                }
                Fate::Known(k) => Some(known[k].clone()),
                Fate::Earlier(e) => placed[e].clone(),
                Fate::Former(k) => {
                    let t = &known[k].0;
                    report.diagnostics.push(format!(
                        "source '{}' is a former text of {} (edited or pseudonymised since): not added again, and \
                         its {} passages not placed",
                        src.name,
                        t.short_id(),
                        src.selections.len()
                    ));
                    merged.duplicates.push(DuplicateSource {
                        source: src.name.clone(),
                        transcript: t.short_id(),
                        passages_placed: false,
                    });
                    None
                }
                Fate::New(imported, layout) => {
                    let p = match owner.get(&i) {
                        Some(p) => p.clone(),
                        None => {
                            let (pseudonym, _) = names.unique(source_stem(src));
                            let p = participants::new_participant(&mut tx, &pseudonym, &[], Default::default())
                                .await
                                .map_err(|e| refused(e, format!("source \"{}\"", src.name)))?;
                            report.diagnostics.push(format!(
                                "source '{}' belongs to no case: made participant {} '{}' for it",
                                src.name,
                                p.short_id(),
                                p.pseudonym
                            ));
                            merged.participants.push(MergedParticipant {
                                id: p.short_id(),
                                pseudonym: p.pseudonym.clone(),
                                case: src.name.clone(),
                                name_taken_by: taken_by(source_stem(src)).map(Participant::short_id),
                            });
                            count(&mut report, "participants");
                            p
                        }
                    };
                    report
                        .diagnostics
                        .extend(imported.diagnostics.iter().map(|d| format!("source '{}': {}", src.name, d.message)));
                    let short = tx.next_short(ObjectKind::Transcript).await?;
                    let (t, v) = transcripts::insert_transcript(
                        &mut tx,
                        &p,
                        &source_file(src),
                        imported,
                        layout,
                        short,
                        &created_at,
                    )
                    .await?;
                    merged.transcripts.push(MergedTranscript {
                        id: t.short_id(),
                        title: t.title.clone(),
                        participant: p.short_id(),
                    });
                    count(&mut report, "transcripts");
                    Some((t, Arc::new(v)))
                }
            };
            if let (true, Some((t, _))) = (duplicate, &transcript) {
                merged.duplicates.push(DuplicateSource {
                    source: src.name.clone(),
                    transcript: t.short_id(),
                    passages_placed: true,
                });
            }
            placed.push(transcript);
        }

        // The code tree as group themes; a code named like a GET the study has is that GET. In
        // an Idiograph export each case's PETs are themes of the participant it became (or, for a
        // case whose texts were all here, of their participant).
        let group: Vec<RefiCode> = match &structure {
            Some(st) => project.codes.iter().filter(|c| !st.is_container(c)).cloned().collect(),
            None => project.codes.clone(),
        };
        let mut themes = themes_from_codes(&mut tx, &group, &ThemeScope::Group, file_name).await?;
        let mut theme_notes = BTreeSet::new();
        if let Some(st) = &structure {
            theme_notes = st.keep_theme_notes(&mut tx, &project, &mut themes, &mut report).await?;
            let mut participant_of = made_for.clone();
            for case in &project.cases {
                let here =
                    case.source_refs.iter().filter_map(|r| index_of.get(r.as_str())).find_map(|i| placed[*i].as_ref());
                if let (false, Some((t, _))) = (participant_of.contains_key(case.guid.as_str()), here) {
                    participant_of.insert(case.guid.as_str(), t.participant_id.clone());
                }
            }
            let pets = st.make_pets(&mut tx, &participant_of, file_name, &mut report).await?;
            themes.theme_of.extend(pets.theme_of);
            themes.themes.extend(pets.themes);
            themes.clashes.extend(pets.clashes);
        }
        if !themes.themes.is_empty() {
            report.imported.insert("themes", themes.themes.len());
        }

        // Codings and memos on each source's passages, on its transcript new or found.
        let mut extracts: Vec<Extract> = tx.all().await?;
        let mut notes: Vec<ExploratoryNote> = tx.all().await?;
        let mut coded_by_users = 0;
        let memo_at = memo_passages(&project);
        let mut passages: BTreeMap<&str, Vec<(Anchor, ObjectId, &RefiSelection)>> = BTreeMap::new();
        let mut note_of: BTreeMap<&str, ObjectId> = BTreeMap::new();
        let statements = structure.as_ref().map(|st| &st.statements);
        let is_statement = |code: &str| statements.is_some_and(|s| s.contains(code));
        for (i, (src, text)) in with_text.iter().enumerate() {
            let Some((t, v)) = &placed[i] else { continue };
            if v.text != **text {
                report.diagnostics.push(format!(
                    "source '{}': its text changed on import, so its passages were not placed",
                    src.name
                ));
                continue;
            }
            for sel in &src.selections {
                report.count_passage(sel);
                let anchor: Anchor = match Target::new(v, sel.span) {
                    Ok(target) => anchor_in(t, v, &target)?,
                    Err(e) => {
                        report.diagnostics.push(format!("selection {} in '{}' not imported: {e}", sel.guid, src.name));
                        continue;
                    }
                };
                for coding in &sel.codings {
                    if is_statement(&coding.code_guid) {
                        // A statement's passage: the statement is made from all of them below.
                        passages.entry(coding.code_guid.as_str()).or_default().push((
                            anchor.clone(),
                            t.participant_id.clone(),
                            sel,
                        ));
                        continue;
                    }
                    let Some(theme) = themes.theme_of.get(&coding.code_guid) else {
                        report
                            .diagnostics
                            .push(format!("selection {} codes an unknown code {}", sel.guid, coding.code_guid));
                        continue;
                    };
                    let there = |x: &Extract| {
                        x.theme_id == theme.id && x.transcript_id == t.id && x.anchor.span() == anchor.span()
                    };
                    if extracts.iter().any(there) {
                        report.drop("extracts already in the study", 1);
                        continue;
                    }
                    if coders.credit(coding.creating_user.as_deref().or(sel.creating_user.as_deref())).is_some() {
                        coded_by_users += 1;
                    }
                    extracts.push(insert_extract(&mut tx, theme, t, anchor.clone()).await?);
                    count(&mut report, "extracts");
                }
                // Memos on the passage and on its codings become exploratory notes on it, each once.
                // The notes on a statement's passages are the notes it was developed from.
                if sel.codings.iter().any(|c| is_statement(&c.code_guid)) {
                    continue;
                }
                for memo in report.memos_on(&project, &memo_at, sel) {
                    let there = |n: &&ExploratoryNote| {
                        n.transcript_id == t.id && n.anchor.span() == anchor.span() && n.text == memo.text.trim()
                    };
                    if let Some(n) = notes.iter().find(there) {
                        note_of.insert(memo.guid.as_str(), n.id.clone());
                        report.drop("notes already in the study", 1);
                        continue;
                    }
                    let author = coders.credit(memo.creating_user.as_deref()).unwrap_or(self.author.as_str());
                    match insert_note(&mut tx, t, anchor.clone(), memo_kind(memo), &memo.text, author, None).await {
                        Ok(n) => {
                            note_of.insert(memo.guid.as_str(), n.id.clone());
                            notes.push(n);
                            count(&mut report, "notes");
                        }
                        Err(AppError::Invalid(e)) => {
                            report.diagnostics.push(format!("note {} in '{}' not imported: {e}", memo.guid, src.name))
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        if coded_by_users > 0 {
            report.diagnostics.push(format!(
                "{coded_by_users} extracts coded by the file's users are recorded as merged by {}: an extract has no \
                 author of its own",
                self.author
            ));
        }

        if let Some(st) = &structure {
            st.make_statements(
                &mut tx,
                &project,
                &passages,
                &note_of,
                &themes.theme_of,
                &mut coders,
                &self.author,
                &mut report,
            )
            .await?;
        }

        // The other project notes, as journal entries.
        let journal: Vec<JournalEntry> = tx.all().await?;
        for memo in journal_notes(&project).into_iter().filter(|n| !theme_notes.contains(n.guid.as_str())) {
            if memo.text.trim().is_empty() {
                report.drop("empty notes", 1);
                continue;
            }
            if journal.iter().any(|j| j.text == memo.text.trim()) {
                report.drop("journal entries already in the study", 1);
                continue;
            }
            let author = coders.credit(memo.creating_user.as_deref()).unwrap_or(self.author.as_str());
            match insert_journal(&mut tx, &memo.text, None, author).await {
                Ok(_) => count(&mut report, "journal"),
                Err(AppError::Invalid(e)) => report.diagnostics.push(format!("note {} not imported: {e}", memo.guid)),
                Err(e) => return Err(e),
            }
        }
        coders.report(&mut report);
        report.explain_drops();

        let made: Vec<String> = [
            "participants",
            "transcripts",
            "themes",
            "statements",
            "clustering decisions",
            "extracts",
            "notes",
            "journal",
        ]
        .iter()
        .filter_map(|k| report.imported.get(k).map(|n| format!("{n} {k}")))
        .collect();
        if made.is_empty() {
            return Err(invalid!(
                "{file_name}: nothing to merge: the study already has everything in it that it can take"
            ));
        }
        let mut summary = format!("merge a REFI-QDA project: {}", made.join(", "));
        if !merged.duplicates.is_empty() {
            summary.push_str(&format!(", {} sources already here", merged.duplicates.len()));
        }
        tx.commit(Action::MergeProject, &summary).await?;
        merged.themes = themes.themes;
        merged.clashes = themes.clashes;
        merged.added = report.imported.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        merged.not_imported = report.not_imported.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
        merged.diagnostics = report.diagnostics;
        Ok(merged)
    }
}
