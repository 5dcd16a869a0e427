//! `history`, `undo` and `redo`: the audit log and stepping back and forth through it.

use anyhow::Result;
use idiograph_app::{views, Workbench};
use serde_json::{json, Value as Json};

use crate::printer::Printer;

/// `history`: the newest `limit` events of the audit log.
pub(crate) async fn history(wb: &Workbench, out: Printer, limit: i64) -> Result<()> {
    let events: Vec<views::AuditEvent> = wb.history(limit).await?.iter().map(views::AuditEvent::of).collect();
    out.views(&events, |e| {
        format!("#{:<5} {} {:<12} {}{}", e.seq, e.at, e.author, e.summary, if e.undone { "  (undone)" } else { "" })
    });
    Ok(())
}

/// `undo` (when `undo`) or `redo`: the researcher's last command, or the last one they undid.
pub(crate) async fn undo(wb: &Workbench, out: Printer, undo: bool) -> Result<()> {
    let outcome = if undo { wb.undo().await? } else { wb.redo().await? };
    let verb = if undo { "undo" } else { "redo" };
    match outcome {
        Some(o) => out.print(json!({verb: o.target.seq, "summary": o.target.summary}), || {
            format!("{}: {}", if undo { "Undid" } else { "Redid" }, o.target.summary)
        }),
        None => out.print(json!({verb: Json::Null}), || format!("Nothing to {verb}.")),
    }
    Ok(())
}
