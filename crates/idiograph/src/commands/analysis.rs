//! Reading across the study: `search`, `matrix`, `frequencies` and `recurrence`.

use anyhow::Result;
use idiograph_app::{Matrix, SearchRequest, Snapshot, Workbench};
use idiograph_model::{SpeakerRole, Term};
use serde_json::{json, Value as Json};

use super::participants::attribute;
use crate::cli::SearchArgs;
use crate::printer::Printer;

/// `recurrence`: the group theme × participant matrix and the rule check.
pub(crate) async fn recurrence(wb: &Workbench, out: Printer) -> Result<()> {
    let s = wb.snapshot().await?;
    out.print(idiograph_app::views::Recurrence::of(&s), || recurrence_text(&s));
    Ok(())
}

/// The recurrence matrix as a text table, with the rule below it.
pub(crate) fn recurrence_text(s: &Snapshot) -> String {
    let r = s.recurrence();
    let terms = s.settings.terminology;
    let width = r
        .rows
        .iter()
        .filter_map(|row| s.theme(&row.theme_id))
        .map(|t| t.title.chars().count() + 2)
        .max()
        .unwrap_or(10)
        .max(10);
    let mut out = format!("{:<width$}", terms.label(Term::Gets));
    for p in &s.participants {
        out.push_str(&format!(" {:^10}", p.pseudonym.chars().take(10).collect::<String>()));
    }
    out.push_str("  total  rule\n");
    for row in &r.rows {
        let title = s.theme(&row.theme_id).map_or(String::new(), |t| format!("{}{}", "  ".repeat(row.depth), t.title));
        out.push_str(&format!("{title:<width$}"));
        for c in &row.cells {
            let cell = if c.present() { format!("✓ {}s {}x", c.statements, c.extracts) } else { "—".to_owned() };
            out.push_str(&format!(" {cell:^10}"));
        }
        out.push_str(&format!(
            "  {:>2}/{:<2}  {}\n",
            row.contributors,
            s.participants.len(),
            if row.meets_rule { "✓" } else { "✗ below rule" }
        ));
    }
    out.push_str(&format!(
        "Rule: a group theme recurs when {}. s = statements, x = extracts.\n",
        s.settings.recurrence_rule.describe(s.participants.len())
    ));
    out
}

/// `search`: hits as keyword-in-context lines, or (`--retrieve`) a theme's passages.
pub(crate) async fn search(wb: &Workbench, out: Printer, a: &SearchArgs) -> Result<()> {
    if a.retrieve {
        return retrieve(wb, out, a).await;
    }
    let mut req = SearchRequest::new(a.query.as_deref().unwrap_or_default());
    req.participant = a.participant.clone();
    req.attribute = a.attr.as_deref().map(attribute).transpose()?;
    req.role = a.role;
    req.theme = a.theme.clone();
    req.kind = a.kind;
    req.regex = a.regex;
    req.stem = !a.no_stem;
    req.limit = a.limit;
    req.offset = a.offset;
    let r = wb.search(&req).await?;
    out.print(serde_json::to_value(&r)?, || {
        let mut text = String::new();
        for h in &r.hits {
            let place = if h.citation.is_empty() { h.object.clone() } else { format!("{} {}", h.citation, h.object) };
            // Every word of the query in the hit is bracketed.
            let marked: String =
                h.pieces.iter().map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() }).collect();
            text.push_str(&format!("{:>60}{marked}{:<60}  {place}\n", h.before, h.after));
        }
        if r.hits.len() < r.total {
            text.push_str(&format!("… showing {} of {} hits (--limit, --offset)\n", r.hits.len(), r.total));
        }
        let counts: Vec<String> =
            r.per_participant.iter().filter(|c| c.hits > 0).map(|c| format!("{} {}", c.participant, c.hits)).collect();
        text.push_str(&format!("{} in {}", plural(r.total, "hit"), plural(r.passages, "passage")));
        if !counts.is_empty() {
            text.push_str(&format!(": {}", counts.join(", ")));
        }
        text
    });
    Ok(())
}

/// `search --retrieve --theme TH`: every passage coded to the theme, in context.
async fn retrieve(wb: &Workbench, out: Printer, a: &SearchArgs) -> Result<()> {
    let theme = a.theme.as_deref().unwrap_or_default();
    let list = wb.theme_passages(theme, a.context, a.participant.as_deref()).await?;
    let value = json!({"theme": theme, "total": list.len(),
        "passages": list.iter().map(idiograph_app::passage_json).collect::<Vec<_>>()});
    out.print(value, || {
        let mut text = format!("{} passages coded to {theme}\n", list.len());
        for p in &list {
            text.push_str(&format!(
                "\n{} {} via {}{}\n",
                p.citation,
                p.theme,
                p.via,
                if p.statement.is_empty() { String::new() } else { format!(": {}", p.statement) }
            ));
            for l in &p.before {
                text.push_str(&format!("    {l}\n"));
            }
            for l in p.text.lines() {
                text.push_str(&format!("  > {l}\n"));
            }
            for l in &p.after {
                text.push_str(&format!("    {l}\n"));
            }
        }
        text
    });
    Ok(())
}

/// "1 hit", "12 hits".
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `matrix`: themes × participants (or × values of an attribute), passages per cell.
pub(crate) async fn matrix(wb: &Workbench, out: Printer, themes: &[String], by_attr: Option<&str>) -> Result<()> {
    let m = wb.matrix(themes, by_attr).await?;
    out.print(m.to_json(), || matrix_text(&m));
    Ok(())
}

/// The matrix as a text table.
fn matrix_text(m: &Matrix) -> String {
    let mut out = format!("{:<40}", "");
    for l in &m.labels {
        out.push_str(&format!(" {:>10}", l.chars().take(10).collect::<String>()));
    }
    out.push('\n');
    for r in &m.rows {
        let title: String = format!("{} {}", r.theme, r.title).chars().take(40).collect();
        out.push_str(&format!("{title:<40}"));
        for c in &r.cells {
            out.push_str(&format!(" {:>10}", c.len()));
        }
        out.push('\n');
    }
    out
}

/// `frequencies`: the most frequent words of each participant (or of one).
pub(crate) async fn frequencies(
    wb: &Workbench,
    out: Printer,
    participant: Option<&str>,
    role: Option<SpeakerRole>,
    top: usize,
) -> Result<()> {
    let f = wb.word_frequencies(participant, role, top).await?;
    out.list(
        &f,
        |w| {
            json!({"participant_id": w.participant_id, "participant": w.participant,
                   "words": w.words.iter().map(|(word, n)| json!({"word": word, "count": n})).collect::<Vec<Json>>()})
        },
        |w| {
            let words: Vec<String> = w.words.iter().map(|(word, n)| format!("{word} {n}")).collect();
            format!("{} {}: {}", w.participant_id, w.participant, words.join(", "))
        },
    );
    Ok(())
}
