//! The audit trail as HTML and CSV: every command with its sequence, time, author and summary;
//! the HTML adds the analytic trail of each case as an appendix.

use std::fmt::Write as _;

use super::escape::markup;
use super::tables::{csv_field, Value};
use super::trail::{trail_cells, ReportTrailCase, TRAIL_COLUMNS, TRAIL_HEADING, TRAIL_INTRO};

/// One command of the project's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportAuditEvent {
    /// Sequence number in the log.
    pub seq: u64,
    /// When the command ran, already formatted by the caller.
    pub at: String,
    /// Who ran it.
    pub author: String,
    /// The command, e.g. "add statement".
    pub action: String,
    /// Content-free summary in short ids and page/line references.
    pub summary: String,
    /// Whether the command has since been undone.
    pub undone: bool,
}

/// Renders the audit trail as one self-contained HTML document with a table of every command,
/// and an appendix with the analytic trail of each case (`trail`): a table per case of each
/// PET's members with the strategy, rationale, author and time of their move and the notes
/// behind each statement.
#[must_use]
pub fn render_audit_html(events: &[ReportAuditEvent], trail: &[ReportTrailCase]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Audit trail</title>\n<style>\n\
body { font-family: system-ui, -apple-system, \"Segoe UI\", Helvetica, Arial, sans-serif; color: #1b2631; margin: 2rem; }\n\
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }\n\
th, td { border: 1px solid #c8d3dc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }\n\
thead th { background: #eef2f5; }\n\
td.num { text-align: right; font-variant-numeric: tabular-nums; }\n\
tr.undone td { color: #8a97a3; text-decoration: line-through; }\n\
tr.undone td.flag { text-decoration: none; }\n\
tr.theme th { background: #f3f6f8; }\n\
td.notes { white-space: pre-line; }\n\
@media print { thead { display: table-header-group; } tr { break-inside: avoid; } }\n\
</style>\n</head>\n<body>\n<h1>Audit trail</h1>\n",
    );
    let undone = events.iter().filter(|e| e.undone).count();
    let _ =
        writeln!(out, "<p>{} commands, {undone} of them undone. Exported with {}.</p>", events.len(), crate::SOFTWARE);
    out.push_str("<table>\n<thead><tr><th scope=\"col\">Seq</th><th scope=\"col\">Time</th><th scope=\"col\">Author</th><th scope=\"col\">Action</th><th scope=\"col\">Summary</th><th scope=\"col\">Undone</th></tr></thead>\n<tbody>\n");
    for e in events {
        let _ = writeln!(
            out,
            "<tr{}><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"flag\">{}</td></tr>",
            if e.undone { " class=\"undone\"" } else { "" },
            e.seq,
            markup(&e.at),
            markup(&e.author),
            markup(&e.action),
            markup(&e.summary),
            if e.undone { "yes" } else { "" }
        );
    }
    out.push_str("</tbody>\n</table>\n");
    trail_appendix(&mut out, trail);
    out.push_str("</body>\n</html>\n");
    out
}

/// The analytic trail appendix of the audit report: one table per case.
fn trail_appendix(out: &mut String, trail: &[ReportTrailCase]) {
    let _ = writeln!(out, "<h2>{}</h2>\n<p>{}</p>", markup(TRAIL_HEADING), markup(TRAIL_INTRO));
    if trail.is_empty() {
        out.push_str("<p>No cases analysed yet.</p>\n");
    }
    let head: String = TRAIL_COLUMNS.iter().map(|c| format!("<th scope=\"col\">{}</th>", markup(c))).collect();
    for case in trail {
        let _ = writeln!(out, "<h3>{}</h3>", markup(&case.pseudonym));
        if case.themes.iter().all(|t| t.members.is_empty()) {
            out.push_str("<p>Nothing clustered yet.</p>\n");
            continue;
        }
        let _ = writeln!(out, "<table class=\"trail\">\n<thead><tr>{head}</tr></thead>\n<tbody>");
        for theme in &case.themes {
            let _ = writeln!(
                out,
                "<tr class=\"theme\"><th scope=\"rowgroup\" colspan=\"{}\">{}{}</th></tr>",
                TRAIL_COLUMNS.len(),
                "\u{2003}".repeat(theme.depth),
                markup(&theme.title)
            );
            for m in &theme.members {
                let [member, strategy, rationale, who, when, notes] = trail_cells(m);
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"notes\">{}</td></tr>",
                    markup(&member),
                    markup(&strategy),
                    markup(&rationale),
                    markup(&who),
                    markup(&when),
                    markup(&notes)
                );
            }
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

/// Renders the audit trail as CSV (RFC 4180, guarded against formula injection like
/// [`render_csv`](super::render_csv)): seq, time, author, action, summary, undone (yes/no).
#[must_use]
pub fn render_audit_csv(events: &[ReportAuditEvent]) -> String {
    let mut out = String::from("Seq,Time,Author,Action,Summary,Undone\r\n");
    for e in events {
        let fields = [
            e.seq.to_string(),
            csv_field(&Value::Text(e.at.clone())),
            csv_field(&Value::Text(e.author.clone())),
            csv_field(&Value::Text(e.action.clone())),
            csv_field(&Value::Text(e.summary.clone())),
            if e.undone { "yes" } else { "no" }.to_owned(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}
