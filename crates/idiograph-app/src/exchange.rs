//! REFI-QDA exchange: a study as a `.qdpx` project or `.qdc` codebook, and a `.qdpx` from another
//! tool as a new study; how a file's cases, sources, memos and users are read is shared with the
//! merge of a `.qdpx` into an existing study (`merge.rs`).
//!
//! Export maps the IPA structure onto REFI-QDA's code tree: group themes (GETs) and their
//! sub-themes are top-level codes; each participant's PETs sit under a container code for that
//! case, with the case's statements as codes beneath their PET; which PETs make up a GET is a
//! `Set` per GET (a code tree cannot hold a PET under several GETs). Statement passages and
//! extracts are coded selections, exploratory notes are `Note`s on their selections (their text
//! mirrored into the selection's description), participants are `Case`s with `Variable`s.
//! Ids are kept as GUIDs; objects REFI-QDA needs but Idiograph has no id for get name-based UUIDs,
//! so the same study always exports the same GUIDs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use idiograph_formats::ImportOptions;
use idiograph_model::{GroupingStrategy, Member, NoteKind, ObjectId, ShortId, SyncPoint, Term, Theme};
use idiograph_refi::{
    read_qde, read_qdpx, write_qdc, write_qdpx, RefiCase, RefiCode, RefiCoding, RefiDiagnostic, RefiMedia,
    RefiMediaKind, RefiNote, RefiProject, RefiSelection, RefiSet, RefiSource, RefiSyncPoint, RefiTranscript, RefiUser,
    RefiValue, RefiVariable, RefiVariableType, RefiVariableValue,
};

use crate::{now, AppError, Snapshot, Target, Workbench};

/// A stable GUID for something Idiograph names but has no id for.
pub(crate) fn derived(kind: &str, of: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("idiograph:{kind}:{of}").as_bytes()).to_string()
}

fn user(name: &str) -> String {
    derived("user", name)
}

/// Case variables every export carries, read back into interview metadata on import.
const INTERVIEW_VARIABLES: &[(&str, RefiVariableType)] = &[
    ("Interview date", RefiVariableType::Text),
    ("Interview mode", RefiVariableType::Text),
    ("Interview length (minutes)", RefiVariableType::Integer),
    ("Interviewer", RefiVariableType::Text),
    ("Case finished", RefiVariableType::Text),
];

/// The name of the project note that carries Idiograph's study settings.
const SETTINGS_NOTE: &str = "Idiograph study settings";

fn interview_values(p: &idiograph_model::Participant) -> Vec<RefiVariableValue> {
    let m = &p.interview;
    let text = |name: &str, v: &Option<String>| {
        v.as_ref()
            .map(|v| RefiVariableValue { variable_guid: derived("variable", name), value: RefiValue::Text(v.clone()) })
    };
    [
        text("Interview date", &m.date),
        text("Interview mode", &m.mode),
        m.duration_minutes.map(|d| RefiVariableValue {
            variable_guid: derived("variable", "Interview length (minutes)"),
            value: RefiValue::Integer(d as i64),
        }),
        text("Interviewer", &m.interviewer),
        text("Case finished", &p.finished_at),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A clustering decision in words: "Clustered by abstraction: …", read back by [`parse_decision`].
fn decision_text(strategy: Option<GroupingStrategy>, rationale: Option<&str>) -> Option<String> {
    match (strategy, rationale) {
        (None, None) => None,
        (Some(s), None) => Some(format!("Clustered by {s}")),
        (Some(s), Some(r)) => Some(format!("Clustered by {s}: {r}")),
        (None, Some(r)) => Some(format!("Clustered: {r}")),
    }
}

pub(crate) fn parse_decision(text: &str) -> (Option<GroupingStrategy>, Option<String>) {
    let Some(rest) = text.strip_prefix("Clustered") else { return (None, None) };
    let (strategy, rest) = match rest.strip_prefix(" by ") {
        Some(r) => {
            let word: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            (word.parse().ok(), &r[word.len()..])
        }
        None => (None, rest),
    };
    let rationale = rest.strip_prefix(": ").map(str::to_owned).filter(|r| !r.is_empty());
    (strategy, rationale)
}

/// What an import from another tool did.
#[derive(Debug, Clone, Default)]
pub struct ExchangeReport {
    /// Counts of what was imported, by kind (participants, transcripts, themes, extracts, notes, journal).
    pub imported: BTreeMap<&'static str, usize>,
    /// What was not imported, or was changed on the way, and why.
    pub diagnostics: Vec<String>,
    /// Counts of the file's elements that have no place in the study, by kind (e.g. "users who
    /// coded nothing imported", "source descriptions", "memos on codes"); each kind is also one
    /// line of `diagnostics`.
    pub not_imported: BTreeMap<&'static str, usize>,
}

impl ExchangeReport {
    /// Counts `n` elements of `kind` as not imported.
    pub(crate) fn drop(&mut self, kind: &'static str, n: usize) {
        if n > 0 {
            *self.not_imported.entry(kind).or_default() += n;
        }
    }

    /// Takes back `n` elements of `kind` counted as not imported: they found a place after all.
    pub(crate) fn placed(&mut self, kind: &'static str, n: usize) {
        if let Some(left) = self.not_imported.get_mut(kind) {
            *left = left.saturating_sub(n);
            if *left == 0 {
                self.not_imported.remove(kind);
            }
        }
    }

    /// Adds one diagnostic line per kind counted by [`ExchangeReport::drop`], saying why.
    pub(crate) fn explain_drops(&mut self) {
        for (kind, n) in &self.not_imported {
            let why = match *kind {
                "users who coded nothing imported" => "a user is recorded only as the author of what they coded",
                "memos on codes" | "memos on sources" => "the memo became a journal entry; its link was not kept",
                "source descriptions" | "case descriptions" | "passage descriptions" => {
                    "Idiograph has no description field there"
                }
                "code colours" => "themes have no colour",
                "source variable values" => "attributes belong to participants, not transcripts",
                "codes on cases" | "passages on cases" => {
                    "a participant is linked to transcripts, not to codes or passages"
                }
                "passages without a code or memo" | "codings of whole sources" => {
                    "an extract is a passage chosen for a theme"
                }
                "empty notes" => "a note needs text",
                "sets" => "Idiograph groups themes by hierarchy",
                "recordings" => "a merge adds no recordings; attach each to its transcript with `recording attach`",
                "further passages of a memo" => "a note is anchored to one passage: the first that carries the memo",
                "extracts already in the study" => "the study has an extract of that passage for that theme",
                "notes already in the study" => "the study has a note with that text on that passage",
                "journal entries already in the study" => "the study has a journal entry with that text",
                _ => "no place for it in the study",
            };
            self.diagnostics.push(format!("not imported: {n} {kind} ({why})"));
        }
    }
}

impl Workbench {
    /// The study as a REFI-QDA project (`.qdpx` bytes), after the leak check (as
    /// [`Workbench::export`]).
    pub async fn export_qdpx(&self, allow_leaks: bool) -> Result<Vec<u8>, AppError> {
        let project = self.refi_project().await?;
        let bytes = write_qdpx(&project).map_err(|e| AppError::Invalid(format!("cannot write the .qdpx: {e}")))?;
        self.leak_gate("qdpx", &bytes, allow_leaks).await?;
        Ok(bytes)
    }

    /// The theme structure as a REFI-QDA codebook (`.qdc` bytes), after the leak check.
    pub async fn export_qdc(&self, allow_leaks: bool) -> Result<Vec<u8>, AppError> {
        // The codebook needs no transcripts, passages or notes: read only what it is made of.
        let s = {
            let mut tx = self.store.read().await?;
            Snapshot {
                settings: tx.settings().await?,
                participants: tx.all().await?,
                statements: tx.all().await?,
                themes: tx.all().await?,
                assignments: tx.all().await?,
                transcripts: Vec::new(),
                versions: HashMap::new(),
                extracts: Vec::new(),
                journal: Vec::new(),
            }
        };
        let (codes, sets) = codebook(&s);
        let bytes = write_qdc(Some(&origin()), &codes, &sets)
            .map_err(|e| AppError::Invalid(format!("cannot write the .qdc: {e}")))?;
        self.leak_gate("qdc", &bytes, allow_leaks).await?;
        Ok(bytes)
    }

    async fn refi_project(&self) -> Result<RefiProject, AppError> {
        let s = self.snapshot().await?;
        let notes = self.notes(None).await?;
        let mut p = RefiProject::new(s.settings.title.clone());
        p.origin = Some(origin());
        p.description = s.settings.research_question.clone();
        p.creation_date = Some(now());
        let mut authors: BTreeSet<String> = BTreeSet::from([self.author.clone()]);
        authors.extend(notes.iter().map(|n| n.author.clone()));
        authors.extend(s.statements.iter().map(|st| st.author.clone()));
        authors.extend(s.journal.iter().map(|j| j.author.clone()));
        p.users = authors.iter().map(|a| RefiUser { guid: user(a), name: a.clone() }).collect();
        p.creating_user = Some(user(&self.author));

        let keys: BTreeSet<&String> = s.participants.iter().flat_map(|x| x.attributes.keys()).collect();
        p.variables = keys
            .iter()
            .map(|k| RefiVariable {
                guid: derived("variable", k),
                name: (*k).clone(),
                kind: RefiVariableType::Text,
                description: None,
            })
            .collect();
        for (name, kind) in INTERVIEW_VARIABLES {
            p.variables.push(RefiVariable {
                guid: derived("variable", name),
                name: (*name).to_owned(),
                kind: *kind,
                description: None,
            });
        }
        p.cases = s
            .participants
            .iter()
            .map(|x| RefiCase {
                guid: x.id.to_string(),
                name: x.pseudonym.clone(),
                description: x.interview.summary(),
                variables: x
                    .attributes
                    .iter()
                    .map(|(k, v)| RefiVariableValue {
                        variable_guid: derived("variable", k),
                        value: RefiValue::Text(v.clone()),
                    })
                    .chain(interview_values(x))
                    .collect(),
                source_refs: s
                    .transcripts
                    .iter()
                    .filter(|t| t.participant_id == x.id)
                    .map(|t| t.id.to_string())
                    .collect(),
                ..RefiCase::default()
            })
            .collect();

        (p.codes, p.sets) = codebook(&s);

        // Sources with their coded and annotated passages.
        for t in &s.transcripts {
            let Some(v) = s.versions.get(&t.current_version) else { continue };
            let mut src = RefiSource::new(t.id.to_string(), t.title.clone(), &v.text);
            src.creation_date = Some(t.created_at.clone());
            for n in notes.iter().filter(|n| n.anchor.version_id() == &v.id) {
                let mut sel = RefiSelection::new(n.id.to_string(), n.anchor.span());
                sel.name = Some(format!("{} {}", n.short_id(), n.kind));
                sel.note_refs.push(derived("note", n.id.as_str()));
                sel.creating_user = Some(user(&n.author));
                sel.creation_date = Some(n.created_at.clone());
                src.selections.push(sel);
            }
            for st in &s.statements {
                for (i, a) in st.anchors.iter().enumerate().filter(|(_, a)| a.version_id() == &v.id) {
                    // The statement's own GUID names its code; each passage gets one of its own.
                    let guid = derived("statement-passage", &format!("{}/{i}", st.id));
                    let mut sel = RefiSelection::new(guid.clone(), a.span());
                    sel.name = Some(st.short_id().to_string());
                    // The notes a statement was developed from hang on its passages.
                    sel.note_refs = st.from_notes.iter().map(|n| derived("note", n.as_str())).collect();
                    sel.description = Some(st.text.clone());
                    sel.codings.push(RefiCoding::new(derived("coding", &guid), st.id.to_string()));
                    sel.creating_user = Some(user(&st.author));
                    sel.creation_date = Some(st.created_at.clone());
                    src.selections.push(sel);
                }
            }
            for x in s.extracts.iter().filter(|x| x.anchor.version_id() == &v.id) {
                let mut sel = RefiSelection::new(x.id.to_string(), x.anchor.span());
                sel.name = Some(format!("{} extract", x.short_id()));
                sel.codings.push(RefiCoding::new(derived("coding", x.id.as_str()), x.theme_id.to_string()));
                sel.creation_date = Some(x.created_at.clone());
                src.selections.push(sel);
            }
            src.selections.sort_by_key(|sel| (sel.span.start(), sel.span.end()));
            p.sources.push(src);
        }
        p.media = self.refi_media(&s).await?;
        for n in &notes {
            let mut note = RefiNote::new(derived("note", n.id.as_str()), &n.text);
            note.name = Some(format!("{} {} note", n.short_id(), n.kind));
            note.creating_user = Some(user(&n.author));
            note.creation_date = Some(n.created_at.clone());
            p.notes.push(note);
        }
        for t in s.themes.iter().filter(|t| t.note.is_some()) {
            let mut note = RefiNote::new(derived("theme-note", t.id.as_str()), t.note.as_deref().unwrap_or_default());
            note.name = Some(format!("Convergence and divergence: {}", t.title));
            p.notes.push(note);
        }
        let settings = &s.settings;
        let mut note = RefiNote::new(
            derived("settings", "study"),
            format!(
                "terminology={}; recurrence={}; layout={}x{}; fillers={}",
                settings.terminology,
                settings.recurrence_rule.encode(),
                settings.layout.chars_per_line(),
                settings.layout.lines_per_page(),
                settings.fillers
            ),
        );
        note.name = Some(SETTINGS_NOTE.to_owned());
        p.notes.push(note);
        p.note_refs.push(derived("settings", "study"));
        for j in &s.journal {
            let mut note = RefiNote::new(j.id.to_string(), &j.text);
            note.name = Some(format!("Reflexive journal {}", j.short_id()));
            note.creating_user = Some(user(&j.author));
            note.creation_date = Some(j.created_at.clone());
            p.notes.push(note);
            p.note_refs.push(j.id.to_string());
        }
        Ok(p)
    }

    /// The recordings of the transcripts of `s` as REFI-QDA audio and video sources, each with
    /// its transcript (the transcript's text source) and the sync points of its current version.
    /// The bytes are read whole: the archive is made in memory (REFI-QDA caps a file in it at
    /// 2 GiB; a recording at 1 GiB).
    async fn refi_media(&self, s: &Snapshot) -> Result<Vec<RefiMedia>, AppError> {
        let recordings = self.recordings().await?;
        let mut media = Vec::with_capacity(recordings.len());
        for r in recordings {
            let Some(t) = s.transcripts.iter().find(|t| t.id == r.transcript_id) else { continue };
            let mut bytes = Vec::with_capacity(usize::try_from(r.byte_length).unwrap_or(0));
            let mut pieces = self.recording_bytes(&r, 0..r.byte_length);
            while let Some(piece) = pieces.next_piece().await? {
                bytes.extend_from_slice(&piece);
            }
            let points = {
                let mut tx = self.store.read().await?;
                crate::recordings::sync_points_of(&mut tx, &t.current_version).await?
            };
            let sync_points = points
                .iter()
                .flat_map(|p| p.points.iter().enumerate().map(move |(i, sp)| (p, i, sp)))
                .map(|(p, i, sp)| RefiSyncPoint {
                    guid: derived("sync-point", &format!("{}/{i}", p.id)),
                    time_ms: sp.time_ms,
                    position: sp.position,
                })
                .collect();
            let extension = r.file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            media.push(RefiMedia {
                guid: r.id.to_string(),
                name: r.file_name.clone(),
                kind: match r.media {
                    idiograph_model::MediaKind::Audio => RefiMediaKind::Audio,
                    idiograph_model::MediaKind::Video => RefiMediaKind::Video,
                },
                extension,
                bytes,
                transcript: RefiTranscript {
                    guid: derived("transcript-of-recording", r.id.as_str()),
                    name: t.title.clone(),
                    source_guid: t.id.to_string(),
                    sync_points,
                },
                creating_user: Some(user(&r.author)),
                creation_date: Some(r.created_at.clone()),
            });
        }
        Ok(media)
    }

    /// Makes a new study at `path` from a REFI-QDA project written by any tool. Cases become
    /// participants (sources without a case get a participant named after the source), sources
    /// with text become transcripts, the code tree becomes a tree of group themes that the
    /// researcher can then work into PETs and GETs, coded passages become extracts of their code's
    /// theme, notes on passages become exploratory notes, and project notes become journal entries.
    /// Everything that could not be imported is listed in the report.
    pub async fn import_qdpx(
        path: &Path,
        bytes: &[u8],
        file_name: &str,
        author: &str,
    ) -> Result<(Workbench, ExchangeReport), AppError> {
        let (project, mut report) = read_project(bytes, file_name)?;
        let wb = Workbench::create(path, &project.name, idiograph_model::Terminology::Smith2022, author).await?;
        // A study Idiograph wrote comes back with its IPA structure; anything else as a code tree.
        let ours = project.origin.as_deref().is_some_and(|o| o.starts_with("Idiograph"));
        let mut placed = BTreeMap::new();
        let built = if ours {
            rebuild(&wb, &project, &mut report, &mut placed).await
        } else {
            fill(&wb, &project, &mut report, &mut placed).await
        };
        let built = match built {
            Ok(()) => attach_media(&wb, &project, &placed, &mut report).await,
            Err(e) => Err(e),
        };
        if let Err(e) = built {
            // A half-built study is worse than none: remove the new file and report why.
            wb.close().await;
            idiograph_store::remove_project_file(path);
            return Err(e);
        }
        Ok((wb, report))
    }
}

/// Attaches each recording of `project` to the transcript made from its transcript's source
/// (`placed`: source GUID → transcript), with its sync points: a command each, after the import.
/// A recording that cannot be attached is reported, not imported.
async fn attach_media(
    wb: &Workbench,
    project: &RefiProject,
    placed: &BTreeMap<String, ShortId>,
    report: &mut ExchangeReport,
) -> Result<(), AppError> {
    for m in &project.media {
        let Some(transcript) = placed.get(&m.transcript.source_guid) else {
            report.diagnostics.push(format!("recording '{}' not imported: its transcript was not imported", m.name));
            continue;
        };
        let name = match crate::media_type(&m.name) {
            Some(_) => m.name.clone(),
            None => format!("{}.{}", m.name, m.extension),
        };
        let mut bytes: &[u8] = &m.bytes;
        let attached = match crate::MediaFile::by_name(&name, &mut bytes) {
            Ok(file) => wb.attach_recording(*transcript, file).await,
            Err(e) => Err(e),
        };
        if let Err(e) = attached {
            report.diagnostics.push(format!("recording '{}' not imported: {e}", m.name));
            continue;
        }
        *report.imported.entry("recordings").or_default() += 1;
        let points: Vec<SyncPoint> =
            m.transcript.sync_points.iter().map(|p| SyncPoint { position: p.position, time_ms: p.time_ms }).collect();
        if !points.is_empty() {
            if let Err(e) = wb.set_sync_points(*transcript, points).await {
                report.diagnostics.push(format!("the sync points of recording '{}' not imported: {e}", m.name));
            }
        }
    }
    Ok(())
}

/// Reads a REFI-QDA project: a `.qdpx` archive, or a bare `.qde` (ATLAS.ti writes these, without
/// the source texts); the report starts with what the reader accepted leniently or skipped.
pub(crate) fn read_project(bytes: &[u8], file_name: &str) -> Result<(RefiProject, ExchangeReport), AppError> {
    let read = if file_name.to_lowercase().ends_with(".qde") { read_qde(bytes) } else { read_qdpx(bytes, file_name) };
    // The reader's error names the file (a bare .qde is read without its name): name it once.
    let (project, diagnostics) = read.map_err(|mut e| {
        e.file.get_or_insert_with(|| file_name.to_owned());
        AppError::Invalid(e.to_string())
    })?;
    let report = ExchangeReport {
        diagnostics: diagnostics.iter().map(RefiDiagnostic::to_string).collect(),
        ..ExchangeReport::default()
    };
    Ok((project, report))
}

/// The users of a REFI-QDA file by GUID, and which of them are credited with something imported:
/// a coding or note made by one of them is recorded under that user's name, so the history, the
/// transcript view and COREQ's data coders say who coded what.
pub(crate) struct Coders<'a> {
    names: BTreeMap<&'a str, &'a str>,
    credited: BTreeSet<&'a str>,
}

impl<'a> Coders<'a> {
    /// The named users of `project`.
    pub(crate) fn new(project: &'a RefiProject) -> Coders<'a> {
        let names = project
            .users
            .iter()
            .filter(|u| !u.name.trim().is_empty())
            .map(|u| (u.guid.as_str(), u.name.trim()))
            .collect();
        Coders { names, credited: BTreeSet::new() }
    }

    /// The name of the user `guid`, who is credited from now on; `None` for no or an unknown user.
    pub(crate) fn credit(&mut self, guid: Option<&str>) -> Option<&'a str> {
        let (guid, name) = guid.and_then(|g| self.names.get_key_value(g))?;
        self.credited.insert(guid);
        Some(name)
    }

    /// Counts the users credited as `authors` and the others as not imported.
    pub(crate) fn report(&self, report: &mut ExchangeReport) {
        report.drop("users who coded nothing imported", self.names.len() - self.credited.len());
        if !self.credited.is_empty() {
            report.imported.insert("authors", self.credited.len());
        }
    }
}

/// Pseudonyms for the cases of a file: each the case's name, unless that is taken (letter case
/// aside) by a participant or an earlier case, when it gets the first free " (2)", " (3)", …
pub(crate) struct Pseudonyms {
    taken: BTreeSet<String>,
}

impl Pseudonyms {
    /// Names distinct from `taken`.
    pub(crate) fn new<'n>(taken: impl IntoIterator<Item = &'n str>) -> Pseudonyms {
        Pseudonyms { taken: taken.into_iter().map(|n| n.trim().to_lowercase()).collect() }
    }

    /// A free pseudonym made from `name` (trimmed, "Participant" when empty, within the 60
    /// characters a pseudonym may have), taken from now on, and whether it needed a number
    /// because the name was taken.
    pub(crate) fn unique(&mut self, name: &str) -> (String, bool) {
        let name = if name.trim().is_empty() { "Participant" } else { name.trim() };
        let within = |suffix: &str| -> String {
            let room = 60 - suffix.chars().count();
            name.chars().take(room).collect::<String>().trim_end().to_owned() + suffix
        };
        let mut candidate = within("");
        let mut n = 2;
        while !self.taken.insert(candidate.to_lowercase()) {
            candidate = within(&format!(" ({n})"));
            n += 1;
        }
        (candidate, n > 2)
    }
}

/// The file name a source's text is read as: its name, with `.txt` unless it has it.
pub(crate) fn source_file(src: &RefiSource) -> String {
    if src.name.to_lowercase().ends_with(".txt") {
        src.name.clone()
    } else {
        format!("{}.txt", src.name)
    }
}

/// A source's name without its extension: the pseudonym of the participant made for a source
/// that belongs to no case.
pub(crate) fn source_stem(src: &RefiSource) -> &str {
    src.name.rsplit_once('.').map_or(src.name.as_str(), |(s, _)| s)
}

/// The memos on a passage and on its codings, each once, in the file's order.
fn passage_memos(sel: &RefiSelection) -> Vec<&str> {
    let mut memos: Vec<&str> = Vec::new();
    for r in sel.note_refs.iter().chain(sel.codings.iter().flat_map(|c| c.note_refs.iter())) {
        if !memos.contains(&r.as_str()) {
            memos.push(r);
        }
    }
    memos
}

/// The passage each memo on passages becomes an exploratory note on, by the memo's GUID: a note
/// is anchored to one passage, so a memo on several is placed once, on the first in the file that
/// carries memos only (an Idiograph export's note passage, rather than the passages of the
/// statements developed from it), else on the first that carries it.
pub(crate) fn memo_passages(project: &RefiProject) -> BTreeMap<&str, &str> {
    let selections: Vec<&RefiSelection> =
        project.sources.iter().filter(|s| s.text.is_some()).flat_map(|s| &s.selections).collect();
    let mut at = BTreeMap::new();
    for uncoded in [true, false] {
        for sel in selections.iter().filter(|sel| sel.codings.is_empty() == uncoded) {
            for memo in passage_memos(sel) {
                at.entry(memo).or_insert(sel.guid.as_str());
            }
        }
    }
    at
}

/// The kind of exploratory note a memo becomes: the kind its name mentions, else a free note.
pub(crate) fn memo_kind(note: &RefiNote) -> NoteKind {
    NoteKind::ALL
        .iter()
        .copied()
        .find(|k| note.name.as_deref().is_some_and(|n| n.to_lowercase().contains(k.as_str())))
        .unwrap_or(NoteKind::Free)
}

/// The project's notes that become journal entries: those on no passage or coding, except the
/// study settings an Idiograph export carries.
pub(crate) fn journal_notes(project: &RefiProject) -> Vec<&RefiNote> {
    let attached: BTreeSet<&str> = project
        .sources
        .iter()
        .flat_map(|s| s.selections.iter())
        .flat_map(|sel| sel.note_refs.iter().chain(sel.codings.iter().flat_map(|c| c.note_refs.iter())))
        .map(String::as_str)
        .collect();
    project
        .notes
        .iter()
        .filter(|n| !attached.contains(n.guid.as_str()) && n.name.as_deref() != Some(SETTINGS_NOTE))
        .collect()
}

fn described(d: &Option<String>) -> bool {
    d.as_deref().is_some_and(|d| !d.trim().is_empty())
}

impl ExchangeReport {
    /// Counts what of `project` has no place in a study: descriptions of cases and sources,
    /// codes and passages on cases, variable values and codings of whole sources, code colours,
    /// and memos on codes and sources (they become journal entries without their link).
    pub(crate) fn count_unplaced(&mut self, project: &RefiProject) {
        self.drop("case descriptions", project.cases.iter().filter(|c| described(&c.description)).count());
        self.drop("codes on cases", project.cases.iter().map(|c| c.code_refs.len()).sum());
        self.drop("passages on cases", project.cases.iter().map(|c| c.selection_refs.len()).sum());
        self.drop("source descriptions", project.sources.iter().filter(|s| described(&s.description)).count());
        self.drop("source variable values", project.sources.iter().map(|s| s.variables.len()).sum());
        self.drop("codings of whole sources", project.sources.iter().map(|s| s.codings.len()).sum());
        let mut codes: Vec<&RefiCode> = project.codes.iter().collect();
        let mut code_colours = 0;
        let mut code_memos = 0;
        while let Some(code) = codes.pop() {
            code_colours += usize::from(code.color.is_some());
            code_memos += code.note_refs.len();
            codes.extend(code.children.iter());
        }
        self.drop("code colours", code_colours);
        self.drop("memos on codes", code_memos);
        self.drop("memos on sources", project.sources.iter().map(|s| s.note_refs.len()).sum());
    }

    /// The memos that become exploratory notes on passage `sel`: those with text whose passage
    /// it is (`at`, from [`memo_passages`]); the others are counted as not imported.
    pub(crate) fn memos_on<'p>(
        &mut self,
        project: &'p RefiProject,
        at: &BTreeMap<&str, &str>,
        sel: &RefiSelection,
    ) -> Vec<&'p RefiNote> {
        let mut memos = Vec::new();
        for guid in passage_memos(sel) {
            if at.get(guid) != Some(&sel.guid.as_str()) {
                self.drop("further passages of a memo", 1);
            } else if let Some(memo) = project.note(guid) {
                if memo.text.trim().is_empty() {
                    self.drop("empty notes", 1);
                } else {
                    memos.push(memo);
                }
            }
        }
        memos
    }

    /// Counts a passage's description, and a passage with neither code nor memo, as not imported.
    pub(crate) fn count_passage(&mut self, sel: &RefiSelection) {
        if described(&sel.description) {
            self.drop("passage descriptions", 1);
        }
        if sel.codings.is_empty() && sel.note_refs.is_empty() {
            self.drop("passages without a code or memo", 1);
        }
    }
}

async fn fill(
    wb: &Workbench,
    project: &RefiProject,
    report: &mut ExchangeReport,
    placed: &mut BTreeMap<String, ShortId>,
) -> Result<(), AppError> {
    if let Some(q) = &project.description {
        wb.update_study(None, Some(q), None, None, None, None).await?;
    }
    // Each coding and note is its own command here, recorded under its coder's name (see
    // `Coders`); a merge into an existing study is one command instead (`merge.rs`).
    let mut coders = Coders::new(project);
    let mut by = |user: Option<&str>| -> Workbench { wb.with_author(coders.credit(user).unwrap_or(wb.author())) };
    report.count_unplaced(project);
    report.drop("sets", project.sets.len());
    let variable_names: BTreeMap<&str, &str> =
        project.variables.iter().map(|v| (v.guid.as_str(), v.name.as_str())).collect();
    let mut owner_of: BTreeMap<&str, String> = BTreeMap::new();
    let mut names = Pseudonyms::new([]);
    let memo_at = memo_passages(project);
    for case in &project.cases {
        let (pseudonym, _) = names.unique(&case.name);
        let (attributes, interview, _) = case_details(case, &variable_names);
        let attributes: Vec<(String, String)> = attributes.into_iter().collect();
        wb.add_participant(&pseudonym, &attributes, interview).await?;
        *report.imported.entry("participants").or_default() += 1;
        for s in &case.source_refs {
            owner_of.entry(s.as_str()).or_insert_with(|| pseudonym.clone());
        }
    }
    // Themes mirror the code tree, as group themes to be reworked.
    let mut theme_of: BTreeMap<String, String> = BTreeMap::new();
    let mut stack: Vec<(&RefiCode, Option<String>)> = project.codes.iter().rev().map(|c| (c, None)).collect();
    while let Some((code, parent)) = stack.pop() {
        let t = wb.add_theme(None, parent.as_deref(), &code.name, code.description.as_deref()).await?;
        let id = t.short_id().to_string();
        theme_of.insert(code.guid.clone(), id.clone());
        *report.imported.entry("themes").or_default() += 1;
        stack.extend(code.children.iter().rev().map(|c| (c, Some(id.clone()))));
    }
    for src in &project.sources {
        let Some(text) = &src.text else {
            report.diagnostics.push(format!(
                "source '{}' has no text in this file ({} coded passages not imported)",
                src.name,
                src.selections.len()
            ));
            continue;
        };
        let files = vec![(source_file(src), text.clone().into_bytes())];
        // A source outside every case gets a participant of its own, made only if its text imports.
        let outcome = match owner_of.get(src.guid.as_str()) {
            Some(p) => wb.import_files(p, files, &ImportOptions::default()).await?,
            None => {
                let (p, _) = names.unique(source_stem(src));
                let outcome =
                    wb.import_batches(vec![(p.clone(), files)], true, &ImportOptions::default(), None).await?;
                if !outcome.imported.is_empty() {
                    *report.imported.entry("participants").or_default() += 1;
                    report
                        .diagnostics
                        .push(format!("source '{}' belongs to no case: made participant '{p}' for it", src.name));
                }
                outcome
            }
        };
        let Some(file) = outcome.imported.first() else {
            report
                .diagnostics
                .extend(outcome.refused.iter().map(|r| format!("source '{}' not imported: {}", src.name, r.reason)));
            continue;
        };
        *report.imported.entry("transcripts").or_default() += 1;
        placed.insert(src.guid.clone(), file.transcript.short_id());
        let t = file.transcript.short_id().to_string();
        let (_, v) = wb.transcript(&t).await?;
        if v.text != *text {
            report
                .diagnostics
                .push(format!("source '{}': its text changed on import, so its passages were not placed", src.name));
            continue;
        }
        for sel in &src.selections {
            report.count_passage(sel);
            let target = match Target::new(&v, sel.span) {
                Ok(target) => target,
                Err(e) => {
                    report.diagnostics.push(format!("selection {} in '{}' not imported: {e}", sel.guid, src.name));
                    continue;
                }
            };
            for coding in &sel.codings {
                let author = by(coding.creating_user.as_deref().or(sel.creating_user.as_deref()));
                match theme_of.get(&coding.code_guid) {
                    Some(th) => match author.add_extract(th, &target).await {
                        Ok(_) => *report.imported.entry("extracts").or_default() += 1,
                        Err(e) => report
                            .diagnostics
                            .push(format!("selection {} in '{}' not imported: {e}", sel.guid, src.name)),
                    },
                    None => report
                        .diagnostics
                        .push(format!("selection {} codes an unknown code {}", sel.guid, coding.code_guid)),
                }
            }
            // Memos on the passage and on its codings become exploratory notes on it, each once.
            for note in report.memos_on(project, &memo_at, sel) {
                match by(note.creating_user.as_deref()).add_note(&target, memo_kind(note), &note.text).await {
                    Ok(_) => *report.imported.entry("notes").or_default() += 1,
                    Err(e) => {
                        report.diagnostics.push(format!("note {} in '{}' not imported: {e}", note.guid, src.name))
                    }
                }
            }
        }
    }
    for note in journal_notes(project) {
        if note.text.trim().is_empty() {
            report.drop("empty notes", 1);
            continue;
        }
        by(note.creating_user.as_deref()).add_journal(&note.text, None).await?;
        *report.imported.entry("journal").or_default() += 1;
    }
    coders.report(report);
    report.explain_drops();
    Ok(())
}

/// The short number in a name such as "N12 descriptive" or "Reflexive journal J3".
fn short_in(name: Option<&str>, prefix: char) -> Option<u32> {
    name?.split_whitespace().find_map(|w| w.strip_prefix(prefix).and_then(|d| d.parse().ok()))
}

/// Interview metadata and the finished flag from a case's variables; the rest are attributes.
pub(crate) fn case_details(
    case: &RefiCase,
    names: &BTreeMap<&str, &str>,
) -> (BTreeMap<String, String>, idiograph_model::InterviewMeta, Option<String>) {
    let mut attributes = BTreeMap::new();
    let mut meta = idiograph_model::InterviewMeta::default();
    let mut finished = None;
    for v in &case.variables {
        let Some(name) = names.get(v.variable_guid.as_str()) else { continue };
        let value = match &v.value {
            RefiValue::Text(t) | RefiValue::Date(t) | RefiValue::DateTime(t) => t.clone(),
            RefiValue::Boolean(b) => b.to_string(),
            RefiValue::Integer(i) => i.to_string(),
            RefiValue::Float(f) => f.to_string(),
        };
        match *name {
            "Interview date" => meta.date = Some(value),
            "Interview mode" => meta.mode = Some(value),
            "Interview length (minutes)" => meta.duration_minutes = value.parse().ok(),
            "Interviewer" => meta.interviewer = Some(value),
            "Case finished" => finished = Some(value),
            other => {
                attributes.insert(other.to_owned(), value);
            }
        }
    }
    (attributes, meta, finished)
}

/// Rebuilds a study exported by Idiograph with its IPA structure and ids, as one command.
async fn rebuild(
    wb: &Workbench,
    project: &RefiProject,
    report: &mut ExchangeReport,
    placed: &mut BTreeMap<String, ShortId>,
) -> Result<(), AppError> {
    use idiograph_model::{
        Anchor, Assignment, ExperientialStatement, ExploratoryNote, Extract, JournalEntry, ObjectKind, Participant,
        RecurrenceRule, ThemeScope, Transcript, TranscriptVersion, Turn,
    };
    use idiograph_text::{Layout, LayoutParams};

    let users: BTreeMap<&str, &str> = project.users.iter().map(|u| (u.guid.as_str(), u.name.as_str())).collect();
    let author_of = |guid: &Option<String>| {
        guid.as_deref().and_then(|g| users.get(g)).map_or(wb.author.clone(), |n| (*n).to_owned())
    };
    let settings_note = project.notes.iter().find(|n| n.name.as_deref() == Some(SETTINGS_NOTE));
    let mut tx = wb.begin().await?;
    let before = tx.settings().await?;
    let mut settings = before.clone();
    settings.research_question = project.description.clone();
    if let Some(n) = settings_note {
        for part in n.text.split(';').map(str::trim) {
            match part.split_once('=') {
                Some(("terminology", t)) => settings.terminology = t.parse().unwrap_or(settings.terminology),
                Some(("recurrence", r)) => settings.recurrence_rule = RecurrenceRule::parse(r).unwrap_or_default(),
                Some(("fillers", f)) => settings.fillers = f.parse().unwrap_or(settings.fillers),
                Some(("layout", l)) => {
                    if let Some((c, p)) = l.split_once('x') {
                        if let (Ok(c), Ok(p)) = (c.parse(), p.parse()) {
                            settings.layout = LayoutParams::new(c, p).unwrap_or_default();
                        }
                    }
                }
                _ => {}
            }
        }
    }
    tx.update(&before, &settings).await?;

    let variable_names: BTreeMap<&str, &str> =
        project.variables.iter().map(|v| (v.guid.as_str(), v.name.as_str())).collect();
    let mut participant_of_source: BTreeMap<&str, ObjectId> = BTreeMap::new();
    let _ = tx.reserve_shorts(ObjectKind::Participant, project.cases.len() as u32).await?;
    for (i, case) in project.cases.iter().enumerate() {
        let (attributes, interview, finished_at) = case_details(case, &variable_names);
        let p = Participant {
            id: ObjectId::new(case.guid.clone()),
            short: i as u32 + 1,
            pseudonym: case.name.clone(),
            attributes,
            interview,
            finished_at,
        };
        tx.insert(&p).await?;
        for s in &case.source_refs {
            participant_of_source.insert(s.as_str(), p.id.clone());
        }
    }
    report.imported.insert("participants", project.cases.len());

    // Transcripts: the canonical text as exported, laid out with the study's settings.
    let mut versions: BTreeMap<&str, (Transcript, TranscriptVersion)> = BTreeMap::new();
    let _ = tx.reserve_shorts(ObjectKind::Transcript, project.sources.len() as u32).await?;
    for (i, src) in project.sources.iter().enumerate() {
        let (Some(text), Some(owner)) = (&src.text, participant_of_source.get(src.guid.as_str())) else {
            report.diagnostics.push(format!("source '{}' has no text or no case; not imported", src.name));
            continue;
        };
        let turns = idiograph_formats::import_transcript("source.txt", text.as_bytes(), &ImportOptions::default())
            .ok()
            .filter(|t| t.text == *text)
            .map(|t| {
                t.turns
                    .into_iter()
                    .map(|t| Turn { span: t.span, label: t.label, label_span: t.label_span, timestamp: t.timestamp })
                    .collect()
            })
            .unwrap_or_default();
        let id = ObjectId::new(src.guid.clone());
        let version = TranscriptVersion {
            id: ObjectId::new(derived("version", &src.guid)),
            transcript_id: id.clone(),
            number: 1,
            layout: Layout::compute(text, settings.layout),
            text: text.clone(),
            turns,
            provenance: idiograph_model::Provenance {
                file_name: src.name.clone(),
                sha256: crate::sha256_hex(text.as_bytes()),
                format: "refi-qda".into(),
                encoding: "utf-8".into(),
            },
            created_at: src.creation_date.clone().unwrap_or_else(now),
            units: Default::default(),
        };
        let pseudonym = project.cases.iter().find(|c| c.guid == owner.as_str()).map_or("", |c| c.name.as_str());
        let mut speakers = BTreeMap::new();
        for label in version.turns.iter().filter_map(|t: &Turn| t.label.as_ref()) {
            speakers.entry(label.clone()).or_insert_with(|| idiograph_model::SpeakerRole::guess(label, pseudonym));
        }
        let t = Transcript {
            id,
            short: i as u32 + 1,
            participant_id: owner.clone(),
            title: src.name.clone(),
            current_version: version.id.clone(),
            speakers,
            created_at: version.created_at.clone(),
        };
        tx.insert(&t).await?;
        tx.insert_version(&version, owner).await?;
        placed.insert(src.guid.clone(), t.short_id());
        versions.insert(src.guid.as_str(), (t, version));
    }
    report.imported.insert("transcripts", versions.len());

    // Which selection is what, by the names and codings the export gave them.
    let mut notes = Vec::new();
    let mut note_id_of: BTreeMap<&str, ObjectId> = BTreeMap::new();
    let mut passages: BTreeMap<&str, Vec<(Anchor, &RefiSelection)>> = BTreeMap::new();
    let mut extracts = Vec::new();
    for src in &project.sources {
        let Some((t, v)) = versions.get(src.guid.as_str()) else { continue };
        for sel in &src.selections {
            let Ok(anchor) = Anchor::from_span(v, sel.span) else {
                report.diagnostics.push(format!("selection {} lies outside its text; not imported", sel.guid));
                continue;
            };
            let name = sel.name.as_deref().unwrap_or_default();
            if name.starts_with('N') && !sel.note_refs.is_empty() {
                let Some(note) = project.note(&sel.note_refs[0]) else { continue };
                let kind = NoteKind::ALL.iter().copied().find(|k| name.ends_with(k.as_str())).unwrap_or(NoteKind::Free);
                note_id_of.insert(note.guid.as_str(), ObjectId::new(sel.guid.clone()));
                notes.push(ExploratoryNote {
                    id: ObjectId::new(sel.guid.clone()),
                    short: short_in(Some(name), 'N').unwrap_or(0),
                    participant_id: t.participant_id.clone(),
                    transcript_id: t.id.clone(),
                    anchor,
                    kind,
                    text: note.text.clone(),
                    author: author_of(&sel.creating_user),
                    created_at: sel.creation_date.clone().unwrap_or_else(now),
                    // REFI-QDA has no place for it.
                    heard_ms: None,
                });
            } else if name.starts_with('S') {
                for c in &sel.codings {
                    passages.entry(c.code_guid.as_str()).or_default().push((anchor.clone(), sel));
                }
            } else if name.starts_with('X') {
                if let Some(c) = sel.codings.first() {
                    extracts.push(Extract {
                        id: ObjectId::new(sel.guid.clone()),
                        short: short_in(Some(name), 'X').unwrap_or(0),
                        theme_id: ObjectId::new(c.code_guid.clone()),
                        participant_id: t.participant_id.clone(),
                        transcript_id: t.id.clone(),
                        anchor,
                        created_at: sel.creation_date.clone().unwrap_or_else(now),
                    });
                }
            }
        }
    }
    let max = |shorts: &mut dyn Iterator<Item = u32>| shorts.max().unwrap_or(0);
    let _ = tx.reserve_shorts(ObjectKind::Note, max(&mut notes.iter().map(|n| n.short))).await?;
    notes.sort_by_key(|n| n.short);
    tx.insert_many(&notes).await?;
    report.imported.insert("notes", notes.len());

    // Themes and statements from the code tree: GETs at the top, PETs inside each case's container.
    let case_of_container: BTreeMap<String, ObjectId> =
        project.cases.iter().map(|c| (derived("case-themes", &c.guid), ObjectId::new(c.guid.clone()))).collect();
    let mut themes: Vec<Theme> = Vec::new();
    let mut statements: Vec<ExperientialStatement> = Vec::new();
    let mut decisions: Vec<(ObjectId, Member, ObjectId, Option<String>)> = Vec::new();
    let mut order: Vec<(&RefiCode, Option<ObjectId>, ThemeScope)> = Vec::new();
    for code in &project.codes {
        match case_of_container.get(&code.guid) {
            Some(p) => {
                for child in &code.children {
                    if !child.is_codable {
                        // The "not yet clustered" container: statements without a PET.
                        order.extend(child.children.iter().map(|c| (c, None, ThemeScope::Case(p.clone()))));
                    } else {
                        order.push((child, None, ThemeScope::Case(p.clone())));
                    }
                }
            }
            None => order.push((code, None, ThemeScope::Group)),
        }
    }
    let notes_by_code: BTreeMap<&str, &RefiNote> = project.notes.iter().map(|n| (n.guid.as_str(), n)).collect();
    let mut pets_first = order.clone();
    // Theme numbers follow creation order in Idiograph: each case's PETs, then the group themes.
    pets_first.sort_by_key(|(_, _, scope)| matches!(scope, ThemeScope::Group));
    let mut queue: std::collections::VecDeque<(&RefiCode, Option<ObjectId>, ThemeScope)> =
        pets_first.into_iter().collect();
    let mut short = 0;
    while let Some((code, parent, scope)) = queue.pop_front() {
        if let Some(found) = passages.get(code.guid.as_str()) {
            // A statement: its passages, its notes, and the PET it sits in.
            let ThemeScope::Case(p) = &scope else { continue };
            let from_notes = found
                .first()
                .map(|(_, sel)| sel.note_refs.iter().filter_map(|r| note_id_of.get(r.as_str()).cloned()).collect())
                .unwrap_or_default();
            let first = found.first().map(|(_, sel)| *sel);
            let st = ExperientialStatement {
                id: ObjectId::new(code.guid.clone()),
                short: first.and_then(|sel| short_in(sel.name.as_deref(), 'S')).unwrap_or(0),
                participant_id: p.clone(),
                text: code.name.clone(),
                anchors: found.iter().map(|(a, _)| a.clone()).collect(),
                from_notes,
                author: first.map_or(wb.author.clone(), |sel| author_of(&sel.creating_user)),
                created_at: first.and_then(|sel| sel.creation_date.clone()).unwrap_or_else(now),
                heard_ms: None,
            };
            if let Some(pet) = parent {
                decisions.push((pet, Member::Statement(st.id.clone()), p.clone(), code.description.clone()));
            }
            statements.push(st);
            continue;
        }
        short += 1;
        let siblings = themes.iter().filter(|t| t.parent == parent).count();
        let theme = Theme {
            id: ObjectId::new(code.guid.clone()),
            short,
            scope: scope.clone(),
            parent: parent.clone(),
            title: code.name.clone(),
            description: code.description.clone(),
            position: siblings as i64,
            created_at: now(),
            note: code.note_refs.iter().find_map(|r| notes_by_code.get(r.as_str())).map(|n| n.text.clone()),
        };
        for (i, child) in code.children.iter().enumerate() {
            queue.insert(i, (child, Some(theme.id.clone()), scope.clone()));
        }
        themes.push(theme);
    }
    let _ = tx.reserve_shorts(ObjectKind::Theme, short).await?;
    for t in &themes {
        tx.insert(t).await?;
    }
    report.imported.insert("themes", themes.len());
    let _ = tx.reserve_shorts(ObjectKind::Statement, max(&mut statements.iter().map(|s| s.short))).await?;
    statements.sort_by_key(|s| s.short);
    tx.insert_many(&statements).await?;
    report.imported.insert("statements", statements.len());

    // PET → GET decisions from the sets, in the words the export wrote them.
    for set in &project.sets {
        let Some(get) = themes.iter().find(|t| derived("get-set", t.id.as_str()) == set.guid) else { continue };
        let entries: Vec<&str> = set.description.as_deref().unwrap_or_default().split("\n\n").collect();
        for member in &set.member_codes {
            let Some(pet) = themes.iter().find(|t| t.id.as_str() == member) else { continue };
            let Some(p) = pet.participant_id() else { continue };
            let who = project.cases.iter().find(|c| c.guid == p.as_str()).map_or("", |c| c.name.as_str());
            let prefix = format!("{who}, {}: ", pet.title);
            let text = entries.iter().find_map(|e| e.strip_prefix(&prefix)).map(str::to_owned);
            decisions.push((get.id.clone(), Member::Theme(pet.id.clone()), p.clone(), text));
        }
    }
    let assignments: Vec<Assignment> = decisions
        .into_iter()
        .map(|(theme_id, member, participant_id, text)| {
            let (strategy, rationale) = text.as_deref().map(parse_decision).unwrap_or((None, None));
            Assignment { id: crate::new_id(), theme_id, member, participant_id, strategy, rationale, created_at: now() }
        })
        .collect();
    tx.insert_many(&assignments).await?;
    let _ = tx.reserve_shorts(ObjectKind::Extract, max(&mut extracts.iter().map(|x| x.short))).await?;
    extracts.sort_by_key(|x| x.short);
    tx.insert_many(&extracts).await?;
    report.imported.insert("extracts", extracts.len());

    let journal: Vec<JournalEntry> = project
        .notes
        .iter()
        .filter_map(|n| {
            let short = short_in(n.name.as_deref(), 'J')
                .filter(|_| n.name.as_deref().is_some_and(|x| x.starts_with("Reflexive journal")))?;
            Some(JournalEntry {
                id: ObjectId::new(n.guid.clone()),
                short,
                author: author_of(&n.creating_user),
                created_at: n.creation_date.clone().unwrap_or_else(now),
                text: n.text.clone(),
                about: None,
                participant_id: None,
            })
        })
        .collect();
    let _ = tx.reserve_shorts(ObjectKind::Journal, max(&mut journal.iter().map(|j| j.short))).await?;
    tx.insert_many(&journal).await?;
    report.imported.insert("journal", journal.len());
    tx.commit(
        idiograph_store::Action::ImportProject,
        &format!("import an Idiograph study from REFI-QDA ({} transcripts)", versions.len()),
    )
    .await?;
    Ok(())
}

/// The codebook of a study: GETs at the top, then per case its PETs with their statements
/// beneath, and a set per GET naming its PETs with the clustering decisions. Reads only the
/// settings, participants, statements, themes and assignments of `s`.
fn codebook(s: &Snapshot) -> (Vec<RefiCode>, Vec<RefiSet>) {
    let terms = s.settings.terminology;
    fn get_code(s: &Snapshot, t: &Theme) -> RefiCode {
        let mut c = RefiCode::new(t.id.to_string(), t.title.clone());
        c.description = t.description.clone();
        if t.note.is_some() {
            c.note_refs.push(derived("theme-note", t.id.as_str()));
        }
        c.children = s.children(Some(&t.id)).into_iter().map(|k| get_code(s, k)).collect();
        c
    }
    let first_pet: BTreeMap<&ObjectId, &ObjectId> = s
        .assignments
        .iter()
        .rev()
        .filter_map(|a| match &a.member {
            Member::Statement(st) => Some((st, &a.theme_id)),
            Member::Theme(_) => None,
        })
        .collect();
    fn pet_code(s: &Snapshot, t: &Theme, first_pet: &BTreeMap<&ObjectId, &ObjectId>) -> RefiCode {
        let mut c = RefiCode::new(t.id.to_string(), t.title.clone());
        c.description = t.description.clone();
        c.children = s.children(Some(&t.id)).into_iter().map(|k| pet_code(s, k, first_pet)).collect();
        c.children.extend(s.statements.iter().filter(|st| first_pet.get(&st.id) == Some(&&t.id)).map(|st| {
            let mut code = RefiCode::new(st.id.to_string(), st.text.clone());
            let decision =
                s.assignments.iter().find(|a| a.theme_id == t.id && a.member == Member::Statement(st.id.clone()));
            code.description = decision.and_then(|a| decision_text(a.strategy, a.rationale.as_deref()));
            code
        }));
        c
    }
    let mut codes: Vec<RefiCode> =
        s.children(None).into_iter().filter(|t| t.is_group()).map(|t| get_code(s, t)).collect();
    for x in &s.participants {
        let mut container = RefiCode::new(
            derived("case-themes", x.id.as_str()),
            format!("{} — {}", x.pseudonym, terms.label(Term::Pets)),
        );
        container.is_codable = false;
        container.children = s
            .children(None)
            .into_iter()
            .filter(|t| t.participant_id() == Some(&x.id))
            .map(|t| pet_code(s, t, &first_pet))
            .collect();
        let loose: Vec<RefiCode> = s
            .statements
            .iter()
            .filter(|st| st.participant_id == x.id && !first_pet.contains_key(&st.id))
            .map(|st| RefiCode::new(st.id.to_string(), st.text.clone()))
            .collect();
        if !loose.is_empty() {
            let mut c = RefiCode::new(
                derived("case-loose", x.id.as_str()),
                format!("{} — {} not yet clustered", x.pseudonym, terms.label(Term::Statements)),
            );
            c.is_codable = false;
            c.children = loose;
            container.children.push(c);
        }
        codes.push(container);
    }
    // Which PETs make up each GET, with the clustering decisions in words.
    let mut sets = Vec::new();
    for get in s.themes.iter().filter(|t| t.is_group()) {
        let pets = s.pets_of(&get.id);
        if pets.is_empty() {
            continue;
        }
        let decisions: Vec<String> = s
            .assignments
            .iter()
            .filter(|a| a.theme_id == get.id)
            .filter_map(|a| {
                let Member::Theme(pet) = &a.member else { return None };
                let pet = s.theme(pet)?;
                let who = pet.participant_id().and_then(|p| s.participant(p)).map_or("", |p| p.pseudonym.as_str());
                let decision = decision_text(a.strategy, a.rationale.as_deref()).unwrap_or_else(|| "Clustered".into());
                Some(format!("{who}, {}: {}", pet.title, decision.replace("\n\n", "\n")))
            })
            .collect();
        sets.push(RefiSet {
            guid: derived("get-set", get.id.as_str()),
            name: format!("{} — {}", get.title, terms.short_label(Term::Pets)),
            description: Some(decisions.join("\n\n")),
            member_codes: pets.iter().map(|t| t.id.to_string()).collect(),
            ..RefiSet::default()
        });
    }

    (codes, sets)
}

/// The producing application, as REFI-QDA files name it.
fn origin() -> String {
    idiograph_formats::SOFTWARE.to_owned()
}

#[cfg(test)]
mod tests {
    use super::Pseudonyms;

    #[test]
    fn a_taken_pseudonym_gets_the_first_free_number_within_sixty_characters() {
        let mut names = Pseudonyms::new(["Olivia", "olivia (2)"]);
        assert_eq!(names.unique(" OLIVIA "), ("OLIVIA (3)".to_owned(), true), "letter case aside");
        assert_eq!(names.unique("Tom"), ("Tom".to_owned(), false));
        assert_eq!(names.unique("tom"), ("tom (2)".to_owned(), true), "an earlier case's name is taken too");
        assert_eq!(names.unique("  "), ("Participant".to_owned(), false));
        let long = "x".repeat(70);
        let (first, numbered) = names.unique(&long);
        assert_eq!((first.chars().count(), numbered), (60, false));
        let (second, numbered) = names.unique(&long);
        assert_eq!((second.chars().count(), numbered), (60, true));
        assert!(second.ends_with("x (2)"), "{second}");
    }
}
