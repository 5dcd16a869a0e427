//! A REFI-QDA codebook (`.qdc`) from another tool or an earlier study, imported into a study as
//! themes: group themes by default, or the PETs of one case; the code tree kept as sub-themes.
//!
//! One command: every theme is made in one transaction and one audit event, so one undo takes the
//! whole import back. Nothing the study has is changed: a code named like a theme the scope
//! already has (letter case and surrounding spaces aside) is not imported, its sub-codes go
//! under that theme, and the report says so.

use std::collections::BTreeMap;

use idiograph_model::{ObjectId, ObjectKind, ShortId, Theme, ThemeScope};
use idiograph_refi::{read_qdc, RefiCode, RefiDiagnostic};
use idiograph_store::{Action, Tx};
use schemars::JsonSchema;
use serde::Serialize;

use crate::annotate::{check_text, check_title};
use crate::error::invalid;
use crate::themes::{self, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS};
use crate::{new_id, now, AppError, Workbench};

/// What importing a codebook did, as the command line's `--json` and the API give it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CodebookImport {
    /// The themes made, in the codebook's order.
    pub themes: Vec<ImportedTheme>,
    /// Codes not imported because the scope already had a theme of that name.
    pub clashes: Vec<CodebookClash>,
    /// What the reader accepted leniently, skipped or did not import (sets, colours), one line each.
    pub diagnostics: Vec<String>,
}

/// A theme made from a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ImportedTheme {
    /// Its short id, e.g. `TH12`.
    #[schemars(with = "String")]
    pub id: ShortId,
    /// Its title, the code's name.
    pub title: String,
    /// 0 for a top-level code, 1 for its sub-codes, and so on.
    pub depth: usize,
}

/// A code named like a theme the study already had: not imported, its sub-codes put under that theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CodebookClash {
    /// The code's name.
    pub code: String,
    /// The short id of the theme of that name, e.g. `TH3`.
    #[schemars(with = "String")]
    pub theme: ShortId,
}

/// Lower-cased, trimmed: how two theme names are compared for a clash.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The themes a code tree became in one scope: those made and the codes that were already themes.
pub(crate) struct CodeThemes {
    /// The theme each code became or was found as, by the code's GUID.
    pub(crate) theme_of: BTreeMap<String, Theme>,
    /// The themes made, in the tree's order.
    pub(crate) themes: Vec<ImportedTheme>,
    /// Codes named like a theme the scope had before: not made, that theme used instead.
    pub(crate) clashes: Vec<CodebookClash>,
}

/// Makes `codes` (from `file_name`) themes of `scope` inside a running command, in the tree's
/// order with sub-codes as sub-themes, after the themes already there. A code named like a theme
/// the scope had before (letter case and surrounding spaces aside) is not made: that theme is
/// used, and its sub-codes go under it. A code that cannot be a theme (an empty or over-long
/// name, a control character in it, an over-long description) is refused naming the file and
/// the code.
pub(crate) async fn themes_from_codes(
    tx: &mut Tx,
    codes: &[RefiCode],
    scope: &ThemeScope,
    file_name: &str,
) -> Result<CodeThemes, AppError> {
    let refused = |reason: String| invalid!("{file_name}: {reason}");
    let mut made = CodeThemes { theme_of: BTreeMap::new(), themes: Vec::new(), clashes: Vec::new() };
    let mut all: Vec<Theme> = tx.all().await?;
    // A clash is with a theme the study had before: codes of one name in the file (an
    // "Other" under several parents) are all imported.
    let before = all.len();
    // Codes in the codebook's order, each with the theme its parent code became.
    let mut stack: Vec<(&RefiCode, Option<ObjectId>, usize)> = codes.iter().rev().map(|c| (c, None, 0)).collect();
    while let Some((code, parent, depth)) = stack.pop() {
        let what = |field: &str| format!("the {field} of code \"{}\"", code.name.trim());
        let title = check_title(&what("name"), &code.name, MAX_TITLE_CHARS).map_err(|e| refused(e.to_string()))?;
        let description = code
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| check_text(&what("description"), d, MAX_DESCRIPTION_CHARS))
            .transpose()
            .map_err(|e| refused(e.to_string()))?;
        let existing = all[..before].iter().find(|t| &t.scope == scope && name_key(&t.title) == name_key(&title));
        let theme = match existing {
            Some(t) => {
                made.clashes.push(CodebookClash { code: title, theme: t.short_id() });
                t.clone()
            }
            None => {
                let position = all.iter().filter(|t| t.parent == parent).map(|t| t.position + 1).max().unwrap_or(0);
                let theme = Theme {
                    id: new_id(),
                    short: tx.next_short(ObjectKind::Theme).await?,
                    scope: scope.clone(),
                    parent: parent.clone(),
                    title,
                    description,
                    position,
                    created_at: now(),
                    note: None,
                };
                tx.insert(&theme).await?;
                made.themes.push(ImportedTheme { id: theme.short_id(), title: theme.title.clone(), depth });
                all.push(theme.clone());
                theme
            }
        };
        stack.extend(code.children.iter().rev().map(|c| (c, Some(theme.id.clone()), depth + 1)));
        made.theme_of.insert(code.guid.clone(), theme);
    }
    Ok(made)
}

impl Workbench {
    /// Imports the codes of a `.qdc` codebook (`bytes`, read from `file_name`) as themes: group
    /// themes, or with `case` (a pseudonym or `P` id) personal themes of that case; sub-codes
    /// become sub-themes, code descriptions theme descriptions. A file that cannot be read, holds
    /// no code, or has a code that cannot be a theme (an empty or over-long name, a control
    /// character in it, an over-long description) is refused whole, naming the file and the code.
    pub async fn import_codebook(
        &self,
        bytes: &[u8],
        file_name: &str,
        case: Option<&str>,
    ) -> Result<CodebookImport, AppError> {
        let refused = |reason: String| invalid!("{file_name}: {reason}");
        // The reader's error names the file when it knows it: name it once.
        let (codes, sets, diagnostics) = read_qdc(bytes).map_err(|mut e| {
            e.file.get_or_insert_with(|| file_name.to_owned());
            AppError::Invalid(e.to_string())
        })?;
        if codes.is_empty() {
            return Err(refused("the codebook holds no codes".into()));
        }
        let mut report = CodebookImport {
            diagnostics: diagnostics.iter().map(RefiDiagnostic::to_string).collect(),
            ..CodebookImport::default()
        };
        let mut colours = 0;
        let mut stack: Vec<&RefiCode> = codes.iter().collect();
        while let Some(c) = stack.pop() {
            colours += usize::from(c.color.is_some());
            stack.extend(&c.children);
        }
        if colours > 0 {
            report.diagnostics.push(format!("not imported: {colours} code colours (themes have no colour)"));
        }
        if !sets.is_empty() {
            report
                .diagnostics
                .push(format!("not imported: {} sets of codes (Idiograph groups themes by hierarchy)", sets.len()));
        }

        let mut tx = self.begin().await?;
        let scope = themes::scope(&mut tx, case).await?;
        let made = themes_from_codes(&mut tx, &codes, &scope, file_name).await?;
        (report.themes, report.clashes) = (made.themes, made.clashes);
        if report.themes.is_empty() {
            return Err(refused(format!(
                "every code is already a theme here ({}); nothing to import",
                report.clashes.iter().map(|c| c.theme.to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        let kind = if case.is_some() { "personal" } else { "group" };
        let mut summary = format!("import codebook: {} {kind} themes", report.themes.len());
        if !report.clashes.is_empty() {
            summary.push_str(&format!(", {} codes already themes", report.clashes.len()));
        }
        tx.commit(Action::ImportCodebook, &summary).await?;
        Ok(report)
    }
}
