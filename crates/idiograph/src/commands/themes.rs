//! `theme`: personal experiential themes per case (PETs) and group themes across cases (GETs),
//! and clustering statements and PETs into them.

use anyhow::{Context, Result};
use idiograph_app::{views, CodebookImport, MemberRef, Snapshot, ThemeChanges, Workbench};
use idiograph_model::{Member, ObjectKind, ShortId, Term, Theme};
use serde_json::json;

use crate::cli::{MemberArgs, ThemeCommand};
use crate::printer::Printer;

/// Runs one `theme` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &ThemeCommand) -> Result<()> {
    match command {
        ThemeCommand::Add { case, group: _, parent, description, title } => {
            let t = wb.add_theme(case.as_deref(), parent.as_deref(), title, description.as_deref()).await?;
            let (view, terms) = theme_view(wb, &t).await?;
            let kind = if t.is_group() { terms.short_label(Term::Get) } else { terms.short_label(Term::Pet) };
            out.print(view, || format!("Added {kind} {} “{}”", t.short_id(), t.title));
        }
        ThemeCommand::List => {
            let (s, trail) = wb.snapshot_with_trail().await?;
            out.print(views::ThemeTree::of(&s, &trail), || themes_text(&s));
        }
        ThemeCommand::Assign { theme, member: m, strategy, rationale } => {
            let which = member(m);
            let a = wb.assign(theme, &which, *strategy, rationale.as_deref(), None).await?;
            let what = match &a.member {
                Member::Statement(_) => m.statement.clone().unwrap_or_default(),
                Member::Theme(_) => m.member_theme.clone().unwrap_or_default(),
            };
            let view = views::Assignment::new(ShortId::parse(ObjectKind::Theme, theme)?, which.short_id()?, &a);
            out.print(view, || format!("Assigned {what} to {theme}"));
        }
        ThemeCommand::Unassign { theme, member: m } => {
            wb.unassign(theme, &member(m), None).await?;
            out.print(json!({"theme": theme}), || format!("Removed from {theme}"));
        }
        ThemeCommand::Edit { id, title, description, parent, top, note } => {
            let parent = if *top { Some(None) } else { parent.clone().map(Some) };
            let changes =
                ThemeChanges { title: title.clone(), description: description.clone(), parent, note: note.clone() };
            let t = wb.update_theme(id, changes, None).await?;
            out.print(theme_view(wb, &t).await?.0, || format!("Updated {} “{}”", t.short_id(), t.title));
        }
        ThemeCommand::Merge { from, into } => {
            let t = wb.merge_themes(from, into, Default::default()).await?;
            out.print(theme_view(wb, &t).await?.0, || format!("Merged {from} into {}", t.short_id()));
        }
        ThemeCommand::Split { id, title, statements, themes } => {
            let members: Vec<MemberRef> = statements
                .iter()
                .map(|s| MemberRef::Statement(s.clone()))
                .chain(themes.iter().map(|t| MemberRef::Theme(t.clone())))
                .collect();
            let t = wb.split_theme(id, title, &members, None).await?;
            out.print(theme_view(wb, &t).await?.0, || format!("Split {id}: new theme {} “{}”", t.short_id(), t.title));
        }
        ThemeCommand::Delete { id } => {
            let t = wb.delete_theme(id, None).await?;
            out.print(json!({"deleted": t.short_id()}), || format!("Deleted {}", t.short_id()));
        }
        ThemeCommand::ImportCodebook { file, case } => {
            let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let name =
                file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
            let report = wb.import_codebook(&bytes, &name, case.as_deref()).await?;
            out.print(&report, || codebook_text(&name, &report));
        }
    }
    Ok(())
}

/// The view of `theme` as it is now, with the study's terminology for its label.
async fn theme_view(wb: &Workbench, theme: &Theme) -> Result<(views::Theme, idiograph_model::Terminology)> {
    let (s, trail) = wb.snapshot_with_trail().await?;
    let t = s
        .themes
        .iter()
        .find(|t| t.id == theme.id)
        .ok_or_else(|| anyhow::anyhow!("theme {} is gone", theme.short_id()))?;
    Ok((views::Theme::of(&s, &trail, t), s.settings.terminology))
}

/// What a codebook import did: the themes made as a tree, the clashes and the reader's remarks.
fn codebook_text(file: &str, report: &CodebookImport) -> String {
    let mut out = format!("Imported {} themes from {file}", report.themes.len());
    for t in &report.themes {
        out.push_str(&format!("\n{}{} {}", "  ".repeat(t.depth + 1), t.id, t.title));
    }
    for c in &report.clashes {
        out.push_str(&format!("\n  not imported: “{}” is already {} (its sub-codes went under it)", c.code, c.theme));
    }
    for d in &report.diagnostics {
        out.push_str(&format!("\n  note: {d}"));
    }
    out
}

/// The statement or PET given with --statement or --theme.
fn member(m: &MemberArgs) -> MemberRef {
    match (&m.statement, &m.member_theme) {
        (Some(s), _) => MemberRef::Statement(s.clone()),
        (_, Some(t)) => MemberRef::Theme(t.clone()),
        _ => MemberRef::Statement(String::new()),
    }
}

/// One theme and, indented below it, its statements, the PETs clustered into it and its
/// sub-themes.
fn theme_line(s: &Snapshot, t: &Theme, depth: usize, out: &mut String) {
    let terms = s.settings.terminology;
    let kind = if t.is_group() { terms.short_label(Term::Get) } else { terms.short_label(Term::Pet) };
    out.push_str(&format!("{}{} {} [{kind}]\n", "  ".repeat(depth + 1), t.short_id(), t.title));
    for st in s.statements_of(&t.id) {
        let at: Vec<String> = st.anchors.iter().map(|a| s.lines(a)).collect();
        out.push_str(&format!("{}{} {} ({})\n", "  ".repeat(depth + 2), st.short_id(), st.text, at.join("; ")));
    }
    for pet in s.pets_of(&t.id) {
        let who = pet.participant_id().and_then(|p| s.participant(p)).map_or("?", |p| p.pseudonym.as_str());
        out.push_str(&format!("{}← {} {} ({who})\n", "  ".repeat(depth + 2), pet.short_id(), pet.title));
    }
    for c in s.children(Some(&t.id)) {
        theme_line(s, c, depth + 1, out);
    }
}

/// The themes as a tree: each case's PETs, then the GETs.
fn themes_text(s: &Snapshot) -> String {
    let terms = s.settings.terminology;
    let mut out = String::new();
    for p in &s.participants {
        out.push_str(&format!("{} — {}\n", p.pseudonym, terms.label(Term::Pets)));
        for t in s.children(None).into_iter().filter(|t| t.participant_id() == Some(&p.id)) {
            theme_line(s, t, 0, &mut out);
        }
    }
    out.push_str(&format!("{}\n", terms.label(Term::Gets)));
    for t in s.children(None).into_iter().filter(|t| t.is_group()) {
        theme_line(s, t, 0, &mut out);
    }
    out
}
