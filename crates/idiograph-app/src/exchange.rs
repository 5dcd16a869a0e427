//! REFI-QDA exchange: a study as a `.qdpx` project or `.qdc` codebook, and a `.qdpx` from another
//! tool as a new study.
//!
//! Export maps the IPA structure onto REFI-QDA's code tree: group themes (GETs) and their
//! sub-themes are top-level codes; each participant's PETs sit under a container code for that
//! case, with the case's statements as codes beneath their PET; which PETs make up a GET is a
//! `Set` per GET (a code tree cannot hold a PET under several GETs). Statement passages and
//! extracts are coded selections, exploratory notes are `Note`s on their selections (their text
//! mirrored into the selection's description), participants are `Case`s with `Variable`s.
//! Ids are kept as GUIDs; objects REFI-QDA needs but Idiograph has no id for get name-based UUIDs,
//! so the same study always exports the same GUIDs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use idiograph_formats::ImportOptions;
use idiograph_model::{Member, NoteKind, ObjectId, Term, Theme};
use idiograph_refi::{
    read_qde, read_qdpx, write_qdc, write_qdpx, RefiCase, RefiCode, RefiCoding, RefiDiagnostic, RefiNote, RefiProject,
    RefiSelection, RefiSet, RefiSource, RefiUser, RefiValue, RefiVariable, RefiVariableType, RefiVariableValue,
};

use crate::{now, AppError, Snapshot, Target, Workbench};

/// A stable GUID for something Idiograph names but has no id for.
fn derived(kind: &str, of: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("idiograph:{kind}:{of}").as_bytes()).to_string()
}

fn user(name: &str) -> String {
    derived("user", name)
}

/// What an import from another tool did.
#[derive(Debug, Clone, Default)]
pub struct ExchangeReport {
    /// Counts of what was imported, by kind (participants, transcripts, themes, extracts, notes, journal).
    pub imported: BTreeMap<&'static str, usize>,
    /// What was not imported, or was changed on the way, and why.
    pub diagnostics: Vec<String>,
}

impl Workbench {
    /// The study as a REFI-QDA project (`.qdpx` bytes).
    pub async fn export_qdpx(&self) -> Result<Vec<u8>, AppError> {
        let project = self.refi_project().await?;
        write_qdpx(&project).map_err(|e| AppError::Invalid(format!("cannot write the .qdpx: {e}")))
    }

    /// The theme structure as a REFI-QDA codebook (`.qdc` bytes).
    pub async fn export_qdc(&self) -> Result<Vec<u8>, AppError> {
        let project = self.refi_project().await?;
        write_qdc(project.origin.as_deref(), &project.codes, &project.sets)
            .map_err(|e| AppError::Invalid(format!("cannot write the .qdc: {e}")))
    }

    async fn refi_project(&self) -> Result<RefiProject, AppError> {
        let s = self.snapshot().await?;
        let notes = self.notes(None).await?;
        let terms = s.settings.terminology;
        let mut p = RefiProject::new(s.settings.title.clone());
        p.origin = Some(format!("Idiograph {}", env!("CARGO_PKG_VERSION")));
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

        // Codes: GETs at the top, then per case its PETs with their statements beneath.
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
            c.children.extend(
                s.statements
                    .iter()
                    .filter(|st| first_pet.get(&st.id) == Some(&&t.id))
                    .map(|st| RefiCode::new(st.id.to_string(), st.text.clone())),
            );
            c
        }
        p.codes = s.children(None).into_iter().filter(|t| t.is_group()).map(|t| get_code(&s, t)).collect();
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
                .map(|t| pet_code(&s, t, &first_pet))
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
            p.codes.push(container);
        }
        // Which PETs make up each GET, with the clustering decisions in words.
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
                    let how = a.strategy.map(|x| format!(" by {x}")).unwrap_or_default();
                    let why = a.rationale.as_ref().map(|r| format!(": {r}")).unwrap_or_default();
                    Some(format!("{who}, {}{how}{why}", pet.title))
                })
                .collect();
            p.sets.push(RefiSet {
                guid: derived("get-set", get.id.as_str()),
                name: format!("{} — {}", get.title, terms.short_label(Term::Pets)),
                description: Some(decisions.join("\n")),
                member_codes: pets.iter().map(|t| t.id.to_string()).collect(),
                ..RefiSet::default()
            });
        }

        // Sources with their coded and annotated passages.
        for t in &s.transcripts {
            let Some(v) = s.versions.get(&t.current_version) else { continue };
            let mut src = RefiSource::new(t.id.to_string(), t.title.clone(), &v.text);
            src.creation_date = Some(t.created_at.clone());
            for n in notes.iter().filter(|n| n.anchor.version_id() == &v.id) {
                let mut sel = RefiSelection::new(n.id.to_string(), n.anchor.span());
                sel.name = Some(format!("N{} {}", n.short, n.kind));
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
                    sel.name = Some(format!("S{}", st.short));
                    sel.codings.push(RefiCoding::new(derived("coding", &guid), st.id.to_string()));
                    sel.creating_user = Some(user(&st.author));
                    sel.creation_date = Some(st.created_at.clone());
                    src.selections.push(sel);
                }
            }
            for x in s.extracts.iter().filter(|x| x.anchor.version_id() == &v.id) {
                let mut sel = RefiSelection::new(x.id.to_string(), x.anchor.span());
                sel.name = Some(format!("X{} extract", x.short));
                sel.codings.push(RefiCoding::new(derived("coding", x.id.as_str()), x.theme_id.to_string()));
                sel.creation_date = Some(x.created_at.clone());
                src.selections.push(sel);
            }
            src.selections.sort_by_key(|sel| (sel.span.start(), sel.span.end()));
            p.sources.push(src);
        }
        for n in &notes {
            let mut note = RefiNote::new(derived("note", n.id.as_str()), &n.text);
            note.name = Some(format!("N{} {} note", n.short, n.kind));
            note.creating_user = Some(user(&n.author));
            note.creation_date = Some(n.created_at.clone());
            p.notes.push(note);
        }
        for t in s.themes.iter().filter(|t| t.note.is_some()) {
            let mut note = RefiNote::new(derived("theme-note", t.id.as_str()), t.note.as_deref().unwrap_or_default());
            note.name = Some(format!("Convergence and divergence: {}", t.title));
            p.notes.push(note);
        }
        for j in &s.journal {
            let mut note = RefiNote::new(j.id.to_string(), &j.text);
            note.name = Some(format!("Reflexive journal J{}", j.short));
            note.creating_user = Some(user(&j.author));
            note.creation_date = Some(j.created_at.clone());
            p.notes.push(note);
            p.note_refs.push(j.id.to_string());
        }
        Ok(p)
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
        // A bare .qde holds the project without its source texts (ATLAS.ti writes these).
        let read =
            if file_name.to_lowercase().ends_with(".qde") { read_qde(bytes) } else { read_qdpx(bytes, file_name) };
        let (project, diagnostics) = read.map_err(|e| AppError::Invalid(format!("{file_name}: {e}")))?;
        let mut report = ExchangeReport {
            diagnostics: diagnostics.iter().map(RefiDiagnostic::to_string).collect(),
            ..ExchangeReport::default()
        };
        let wb = Workbench::create(path, &project.name, idiograph_model::Terminology::Smith2022, author).await?;
        let built = fill(&wb, &project, &mut report).await;
        if let Err(e) = built {
            // A half-built study is worse than none: remove the new file and report why.
            wb.close().await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            return Err(e);
        }
        Ok((wb, report))
    }
}

async fn fill(wb: &Workbench, project: &RefiProject, report: &mut ExchangeReport) -> Result<(), AppError> {
    if let Some(q) = &project.description {
        wb.update_study(None, Some(q), None, None).await?;
    }
    let variable_names: BTreeMap<&str, &str> =
        project.variables.iter().map(|v| (v.guid.as_str(), v.name.as_str())).collect();
    let mut owner_of: BTreeMap<&str, String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut unique = |name: &str| {
        let base =
            if name.trim().is_empty() { "Participant".to_owned() } else { name.trim().chars().take(60).collect() };
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.to_lowercase()) {
            candidate = format!("{base} ({n})");
            n += 1;
        }
        candidate
    };
    for case in &project.cases {
        let pseudonym = unique(&case.name);
        let attributes: Vec<(String, String)> = case
            .variables
            .iter()
            .filter_map(|v| {
                let name = variable_names.get(v.variable_guid.as_str())?;
                let value = match &v.value {
                    RefiValue::Text(t) | RefiValue::Date(t) | RefiValue::DateTime(t) => t.clone(),
                    RefiValue::Boolean(b) => b.to_string(),
                    RefiValue::Integer(i) => i.to_string(),
                    RefiValue::Float(f) => f.to_string(),
                };
                Some(((*name).to_owned(), value))
            })
            .collect();
        wb.add_participant(&pseudonym, &attributes, Default::default()).await?;
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
        let id = format!("TH{}", t.short);
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
        let name =
            if src.name.to_lowercase().ends_with(".txt") { src.name.clone() } else { format!("{}.txt", src.name) };
        let files = vec![(name, text.clone().into_bytes())];
        // A source outside every case gets a participant of its own, made only if its text imports.
        let outcome = match owner_of.get(src.guid.as_str()) {
            Some(p) => wb.import_files(p, files, &ImportOptions::default()).await?,
            None => {
                let stem = src.name.rsplit_once('.').map_or(src.name.as_str(), |(s, _)| s);
                let p = unique(stem);
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
        let t = format!("T{}", file.transcript.short);
        let (_, v) = wb.transcript(&t).await?;
        if v.text != *text {
            report
                .diagnostics
                .push(format!("source '{}': its text changed on import, so its passages were not placed", src.name));
            continue;
        }
        for sel in &src.selections {
            let target = Target {
                transcript: t.clone(),
                version: v.id.clone(),
                start: sel.span.start().to_usize(),
                end: sel.span.end().to_usize(),
            };
            for coding in &sel.codings {
                match theme_of.get(&coding.code_guid) {
                    Some(th) => match wb.add_extract(th, &target).await {
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
            for note_ref in &sel.note_refs {
                let Some(note) = project.note(note_ref) else { continue };
                let kind = NoteKind::ALL
                    .iter()
                    .copied()
                    .find(|k| note.name.as_deref().is_some_and(|n| n.to_lowercase().contains(k.as_str())))
                    .unwrap_or(NoteKind::Free);
                match wb.add_note(&target, kind, &note.text).await {
                    Ok(_) => *report.imported.entry("notes").or_default() += 1,
                    Err(e) => {
                        report.diagnostics.push(format!("note {} in '{}' not imported: {e}", note.guid, src.name))
                    }
                }
            }
        }
    }
    let attached: BTreeSet<&str> = project
        .sources
        .iter()
        .flat_map(|s| s.selections.iter().flat_map(|sel| sel.note_refs.iter().map(String::as_str)))
        .collect();
    for note in project.notes.iter().filter(|n| !attached.contains(n.guid.as_str()) && !n.text.trim().is_empty()) {
        wb.add_journal(&note.text, None).await?;
        *report.imported.entry("journal").or_default() += 1;
    }
    if !project.sets.is_empty() {
        report
            .diagnostics
            .push(format!("{} sets were not imported (Idiograph groups themes by hierarchy)", project.sets.len()));
    }
    Ok(())
}
