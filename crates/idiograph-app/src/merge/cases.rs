//! The IPA structure of a study exported by Idiograph, merged with the rest: each case's PETs
//! (the code tree under the case's container code), its experiential statements (the codes its
//! `S…` passages are coded with) and the clustering decisions (statements under PETs in the tree,
//! PETs under GETs in the sets), made for the participant the case became, and the convergence
//! and divergence notes of the GETs it brings.

use std::collections::{BTreeMap, BTreeSet};

use idiograph_model::{Anchor, Assignment, ExperientialStatement, Member, ObjectId, ShortId, Theme, ThemeScope};
use idiograph_refi::{RefiCase, RefiCode, RefiProject, RefiSelection};
use idiograph_store::Tx;

use crate::annotate::{check_text, new_statement};
use crate::codebook::{themes_from_codes, CodeThemes};
use crate::exchange::{derived, parse_decision, Coders, ExchangeReport};
use crate::themes::{insert_assignment, MAX_DESCRIPTION_CHARS};
use crate::AppError;

/// What an Idiograph export's code tree holds besides its GETs.
pub(super) struct Structure<'p> {
    /// Each case's container code (its PETs and statements beneath), with the case.
    pub(super) containers: Vec<(&'p RefiCode, &'p RefiCase)>,
    /// The codes that are statements: those its statement passages (`S12`) are coded with.
    pub(super) statements: BTreeSet<&'p str>,
}

impl<'p> Structure<'p> {
    /// The structure of `project` when Idiograph wrote it; `None` for any other tool's file,
    /// whose code tree is all group themes.
    pub(super) fn of(project: &'p RefiProject) -> Option<Structure<'p>> {
        if !project.origin.as_deref().is_some_and(|o| o.starts_with("Idiograph")) {
            return None;
        }
        let containers = project
            .codes
            .iter()
            .filter_map(|c| {
                project.cases.iter().find(|case| derived("case-themes", &case.guid) == c.guid).map(|case| (c, case))
            })
            .collect();
        let statements = project
            .sources
            .iter()
            .flat_map(|s| &s.selections)
            .filter(|sel| sel.name.as_deref().is_some_and(|n| n.starts_with('S')))
            .flat_map(|sel| sel.codings.iter().map(|c| c.code_guid.as_str()))
            .collect();
        Some(Structure { containers, statements })
    }

    /// Whether `code` is a case's container rather than a GET.
    pub(super) fn is_container(&self, code: &RefiCode) -> bool {
        self.containers.iter().any(|(c, _)| c.guid == code.guid)
    }

    /// The PET tree under a container: its codable codes without the statements.
    fn pets(&self, codes: &[RefiCode]) -> Vec<RefiCode> {
        codes
            .iter()
            .filter(|c| c.is_codable && !self.statements.contains(c.guid.as_str()))
            .map(|c| RefiCode { children: self.pets(&c.children), ..c.clone() })
            .collect()
    }

    /// Gives each GET made from the file (`group`) the convergence and divergence note the export
    /// carries for it; a GET the study had keeps its own, and that note becomes a journal entry.
    /// Returns the notes given.
    pub(super) async fn keep_theme_notes(
        &self,
        tx: &mut Tx,
        project: &'p RefiProject,
        group: &mut CodeThemes,
        report: &mut ExchangeReport,
    ) -> Result<BTreeSet<&'p str>, AppError> {
        let made: BTreeSet<ShortId> = group.themes.iter().map(|t| t.id).collect();
        let mut kept = BTreeSet::new();
        for code in project.codes.iter().filter(|c| !self.is_container(c)).flat_map(flatten) {
            let Some(note) = project.note(&derived("theme-note", &code.guid)) else { continue };
            let Some(theme) = group.theme_of.get_mut(&code.guid).filter(|t| made.contains(&t.short_id())) else {
                continue;
            };
            let text = match check_text("a convergence and divergence note", &note.text, MAX_DESCRIPTION_CHARS) {
                Ok(text) => text,
                Err(e) => {
                    report.diagnostics.push(format!("the note of theme \"{}\" not kept: {e}", code.name));
                    continue;
                }
            };
            let after = Theme { note: Some(text), ..theme.clone() };
            tx.update(theme, &after).await?;
            *theme = after;
            kept.insert(note.guid.as_str());
        }
        report.placed("memos on codes", kept.len());
        Ok(kept)
    }

    /// Makes each case's PETs for the participant it became (`participant_of`), as themes of that
    /// case; a case with no participant here is reported and left out.
    pub(super) async fn make_pets(
        &self,
        tx: &mut Tx,
        participant_of: &BTreeMap<&str, ObjectId>,
        file_name: &str,
        report: &mut ExchangeReport,
    ) -> Result<CodeThemes, AppError> {
        let mut all = CodeThemes { theme_of: BTreeMap::new(), themes: Vec::new(), clashes: Vec::new() };
        for (container, case) in &self.containers {
            let Some(p) = participant_of.get(case.guid.as_str()) else {
                report.diagnostics.push(format!("case '{}': its themes have no participant here", case.name));
                continue;
            };
            let made =
                themes_from_codes(tx, &self.pets(&container.children), &ThemeScope::Case(p.clone()), file_name).await?;
            all.theme_of.extend(made.theme_of);
            all.themes.extend(made.themes);
            all.clashes.extend(made.clashes);
        }
        Ok(all)
    }

    /// Makes the statements from their passages (`passages`, by code, each with its passage and
    /// participant), developed from the notes the first passage names (`note_of`, by memo), then
    /// the clustering decisions: statements under the PETs the tree puts them in, PETs under the
    /// GETs of the sets (`theme_of`: the theme each code became).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn make_statements(
        &self,
        tx: &mut Tx,
        project: &'p RefiProject,
        passages: &BTreeMap<&str, Vec<(Anchor, ObjectId, &'p RefiSelection)>>,
        note_of: &BTreeMap<&str, ObjectId>,
        theme_of: &BTreeMap<String, Theme>,
        coders: &mut Coders<'p>,
        author: &str,
        report: &mut ExchangeReport,
    ) -> Result<(), AppError> {
        let existing: Vec<ExperientialStatement> = tx.all().await?;
        let mut statement_of: BTreeMap<&str, ExperientialStatement> = BTreeMap::new();
        let mut decisions: Vec<(&Theme, ExperientialStatement, Option<&str>)> = Vec::new();
        for code in self.containers.iter().flat_map(|(c, _)| flatten(c)) {
            let Some(found) = passages.get(code.guid.as_str()) else { continue };
            let Some((_, case, first)) = found.first() else { continue };
            if found.iter().any(|(_, p, _)| p != case) {
                report.diagnostics.push(format!(
                    "statement \"{}\" has passages of several participants; a statement stays within its case: \
                     not imported",
                    code.name
                ));
                continue;
            }
            let anchors: Vec<Anchor> = found.iter().map(|(a, _, _)| a.clone()).collect();
            let same = |s: &&ExperientialStatement| {
                s.participant_id == *case
                    && s.text == code.name.trim()
                    && s.anchors
                        .iter()
                        .map(|a| (a.version_id(), a.span()))
                        .eq(anchors.iter().map(|a| (a.version_id(), a.span())))
            };
            let statement = match existing.iter().find(same) {
                Some(s) => {
                    report.drop("statements already in the study", 1);
                    s.clone()
                }
                None => {
                    let from: Vec<ObjectId> =
                        first.note_refs.iter().filter_map(|r| note_of.get(r.as_str()).cloned()).collect();
                    let by = coders.credit(first.creating_user.as_deref()).unwrap_or(author);
                    match new_statement(tx, case, &code.name, anchors, &from, by, None).await {
                        Ok(s) => {
                            *report.imported.entry("statements").or_default() += 1;
                            s
                        }
                        Err(AppError::Invalid(e)) => {
                            report.diagnostics.push(format!("statement \"{}\" not imported: {e}", code.name));
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
            };
            statement_of.insert(code.guid.as_str(), statement);
        }
        // Statements under the PETs the tree puts them in, with the decision in the code's words.
        for pet in self.containers.iter().flat_map(|(c, _)| c.children.iter().flat_map(flatten)) {
            let Some(theme) = theme_of.get(&pet.guid).filter(|_| pet.is_codable) else { continue };
            for child in &pet.children {
                if let Some(s) = statement_of.get(child.guid.as_str()) {
                    decisions.push((theme, s.clone(), child.description.as_deref()));
                }
            }
        }
        for (theme, statement, text) in decisions {
            let member = Member::Statement(statement.id.clone());
            assign(tx, theme, member, &Some(statement), &None, text, report).await?;
        }
        // PETs under the GETs of the sets, with the decisions the set describes.
        let names: BTreeMap<&str, String> =
            self.containers.iter().flat_map(|(c, case)| pet_names(&c.children, &case.name)).collect();
        for set in &project.sets {
            let Some(get) = project.codes.iter().flat_map(flatten).find(|c| derived("get-set", &c.guid) == set.guid)
            else {
                continue;
            };
            let Some(get) = theme_of.get(&get.guid) else { continue };
            let entries: Vec<&str> = set.description.as_deref().unwrap_or_default().split("\n\n").collect();
            for member in &set.member_codes {
                let (Some(pet), Some(prefix)) = (theme_of.get(member), names.get(member.as_str())) else { continue };
                let text = entries.iter().find_map(|e| e.strip_prefix(prefix));
                assign(tx, get, Member::Theme(pet.id.clone()), &None, &Some(pet.clone()), text, report).await?;
            }
        }
        Ok(())
    }
}

/// Each PET code under a container by GUID, with the words a set's decisions begin with:
/// "Olivia, Reducing burnout: ".
fn pet_names<'c>(codes: &'c [RefiCode], case: &str) -> Vec<(&'c str, String)> {
    codes
        .iter()
        .flat_map(|c| {
            let mut out = vec![(c.guid.as_str(), format!("{case}, {}: ", c.name))];
            out.extend(pet_names(&c.children, case));
            out
        })
        .collect()
}

/// A code and every code beneath it.
fn flatten(code: &RefiCode) -> Vec<&RefiCode> {
    std::iter::once(code).chain(code.children.iter().flat_map(flatten)).collect()
}

/// Assigns `member` to `theme` with the decision written as `text` ("Clustered by abstraction:
/// …"); one the study has already is counted, one the rules refuse is reported.
async fn assign(
    tx: &mut Tx,
    theme: &Theme,
    member: Member,
    statement: &Option<ExperientialStatement>,
    pet: &Option<Theme>,
    text: Option<&str>,
    report: &mut ExchangeReport,
) -> Result<Option<Assignment>, AppError> {
    let (strategy, rationale) = text.map(parse_decision).unwrap_or((None, None));
    match insert_assignment(tx, theme, member, statement, pet, strategy, rationale.as_deref()).await {
        Ok(a) => {
            *report.imported.entry("clustering decisions").or_default() += 1;
            Ok(Some(a))
        }
        Err(AppError::Conflict(_)) => {
            report.drop("clustering decisions already in the study", 1);
            Ok(None)
        }
        Err(AppError::Invalid(e)) => {
            report.diagnostics.push(format!("a clustering decision not imported: {e}"));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
