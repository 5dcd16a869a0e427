//! The `deid` commands: thin over the pseudonymisation commands of the workbench. Offsets are
//! shown and taken in characters, as everywhere on the command line.

use std::path::Path;

use anyhow::{bail, Context, Result};
use idiograph_app::{deid_log_csv, ApplyScope, ItemStatus, Workbench};
use idiograph_model::Verdict;
use idiograph_text::Span;
use serde_json::{json, Value as Json};

use super::reports::deliver;
use crate::cli::{DeidCommand, KnownCommand, Selection};
use crate::printer::Printer;
use crate::selection::target;

/// The key store's passphrase: `$IDIOGRAPH_KEY_PASSPHRASE`, or asked for on the terminal.
pub(crate) fn passphrase(key_file: &Path) -> Result<String> {
    if let Ok(p) = std::env::var("IDIOGRAPH_KEY_PASSPHRASE") {
        return Ok(p);
    }
    rpassword::prompt_password(format!("Passphrase for the key store {}: ", key_file.display()))
        .with_context(|| "no passphrase: set IDIOGRAPH_KEY_PASSPHRASE or run in a terminal")
}

async fn span_of(wb: &Workbench, transcript: &str, at: &Selection) -> Result<Span> {
    Ok(target(wb, transcript, at).await?.span())
}

/// Runs one `deid` command.
pub(crate) async fn run(wb: &Workbench, out: Printer, command: &DeidCommand) -> Result<()> {
    match command {
        DeidCommand::Status => {
            let s = wb.key_status().await?;
            out.print(
                json!({"key_store": s.exists, "unlocked": s.unlocked, "originals": s.originals.as_str(), "known": s.known}),
                || match (&s.unlocked, s.exists) {
                    (Some(path), _) => {
                        format!("Key store {path} unlocked: {} known identifiers. Originals: {}.", s.known, s.originals)
                    }
                    (None, true) => {
                        format!("The study has a key store (locked; give --key-file). Originals: {}.", s.originals)
                    }
                    (None, false) => format!(
                        "No key store yet: `deid known add … --key-file FILE` makes one. Originals: {}.",
                        s.originals
                    ),
                },
            );
        }
        DeidCommand::Known(KnownCommand::Add { real, replacement, kind, variants }) => {
            wb.add_known(real, replacement, kind.name(), variants).await?;
            let kind = kind.name();
            out.print(json!({"added": true, "kind": kind}), || format!("Added a known identifier ({kind})."));
        }
        DeidCommand::Known(KnownCommand::List) => {
            let known = wb.known_identifiers().await?;
            out.list(
                &known,
                |k| json!({"real": k.real, "replacement": k.replacement, "kind": k.kind, "variants": k.variants}),
                |k| {
                    let variants = if k.variants.is_empty() {
                        String::new()
                    } else {
                        format!(" (also {})", k.variants.join(", "))
                    };
                    format!("{} → {}  [{}]{variants}", k.real, k.replacement, k.kind)
                },
            );
        }
        DeidCommand::Known(KnownCommand::Remove { real }) => {
            wb.remove_known(real).await?;
            out.print(json!({"removed": true}), || "Removed the known identifier.".to_owned());
        }
        DeidCommand::Scan { status, kind } => {
            let items = wb.review_queue().await?;
            let mut rows = Vec::new();
            let mut lines = Vec::new();
            let mut index_of = std::collections::HashMap::new();
            for i in items.iter().filter(|i| status.is_none_or(|s| s.admits(i.status))) {
                if kind.is_some_and(|k| !k.admits(&i.kind)) {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = index_of.entry(i.transcript) {
                    let (_, v) = wb.transcript(i.transcript).await?;
                    slot.insert(v);
                }
                let units = index_of[&i.transcript].units();
                let (start, end) = (units.byte_to_char(i.span.start()), units.byte_to_char(i.span.end()));
                rows.push(json!({
                    "transcript": i.transcript, "participant": i.participant, "kind": i.kind,
                    "text": i.text, "start": start, "end": end, "start_byte": i.span.start().to_usize(),
                    "end_byte": i.span.end().to_usize(), "citation": i.citation, "status": i.status.as_str(),
                    "replacement": i.replacement, "confidence": i.confidence, "context": format!("{}[{}]{}", i.before, i.text, i.after),
                }));
                lines.push(format!(
                    "{} --chars {start}-{end}  {:<13} {:<9} {:<28} → {:<16} …{}[{}]{}…",
                    i.transcript,
                    i.kind,
                    i.status.as_str(),
                    i.citation,
                    i.replacement,
                    i.before,
                    i.text,
                    i.after
                ));
            }
            let mut field_rows = Vec::new();
            for f in wb.review_fields().await? {
                if status.is_some_and(|s| !s.admits(f.status)) || kind.is_some_and(|k| !k.admits(&f.kind)) {
                    continue;
                }
                lines.push(format!(
                    "{:<22} {:<13} {:<9} → {:<16} …{}[{}]{}…",
                    f.place,
                    f.kind,
                    f.status.as_str(),
                    f.replacement,
                    f.before,
                    f.text,
                    f.after
                ));
                field_rows.push(json!({
                    "place": f.place, "kind": f.kind, "text": f.text, "status": f.status.as_str(),
                    "replacement": f.replacement, "context": format!("{}[{}]{}", f.before, f.text, f.after),
                }));
            }
            let total = rows.len() + field_rows.len();
            let pending = items.iter().filter(|i| i.status == ItemStatus::Pending).count();
            out.print(json!({"total": total, "items": rows, "fields": field_rows}), || {
                format!("{}\n{total} items ({pending} pending in the transcripts' queue)", lines.join("\n"))
            });
        }
        DeidCommand::Accept { transcript, at, kind, replacement } => {
            let span = span_of(wb, transcript, at).await?;
            let kind = kind.name();
            wb.decide(transcript, span, kind, Verdict::Accept, replacement.as_deref()).await?;
            out.print(json!({"accepted": true}), || format!("Accepted the {kind} candidate in {transcript}."));
        }
        DeidCommand::Reject { transcript, at, kind } => {
            let span = span_of(wb, transcript, at).await?;
            let kind = kind.name();
            wb.decide(transcript, span, kind, Verdict::Reject, None).await?;
            out.print(json!({"rejected": true}), || format!("Rejected the {kind} candidate in {transcript}."));
        }
        DeidCommand::Bulk { verdict, kind } => {
            let kind = kind.name();
            let n = wb.decide_kind(kind, *verdict).await?;
            out.print(json!({"decided": n, "verdict": verdict.as_str()}), || {
                format!("{verdict}ed {n} pending {kind} candidates.")
                    .replace("accepted", "Accepted")
                    .replace("rejected", "Rejected")
            });
        }
        DeidCommand::Every { verdict, word, kind, replacement } => {
            let kind = kind.name();
            let n = wb.decide_word(word, kind, *verdict, replacement.as_deref()).await?;
            out.print(json!({"decided": verdict.as_str(), "places": n}), || {
                let done = if *verdict == Verdict::Accept { "Accepted" } else { "Rejected" };
                format!("{done} every occurrence of the word ({kind}): {n} places now.")
            });
        }
        DeidCommand::Always { transcript, at, kind, replacement } => {
            let span = span_of(wb, transcript, at).await?;
            wb.always_replace(transcript, span, kind.name(), replacement).await?;
            out.print(json!({"added": true}), || "Added to the known identifiers: always replaced.".to_owned());
        }
        DeidCommand::Apply { all, kinds } => {
            let scope = match (all, kinds.is_empty()) {
                (true, _) => ApplyScope::All,
                (false, false) => ApplyScope::Kinds(kinds.iter().map(|k| k.name().to_owned()).collect()),
                (false, true) => ApplyScope::Accepted,
            };
            let done = wb.pseudonymise(&scope).await?;
            let fields: Vec<Json> =
                done.fields.iter().map(|(place, n)| json!({"place": place, "replacements": n})).collect();
            let field_lines: Vec<String> =
                done.fields.iter().map(|(place, n)| format!("{place}: {n} replacements")).collect();
            let done = done.transcripts;
            let rows: Vec<Json> = done
                .iter()
                .map(|d| json!({"transcript": d.transcript, "version": d.version, "replacements": d.counts, "anchors_moved": d.anchors_moved}))
                .collect();
            out.print(json!({"pseudonymised": rows, "fields": fields}), || {
                if done.is_empty() && field_lines.is_empty() {
                    return "Nothing to replace.".to_owned();
                }
                done.iter()
                    .map(|d| {
                        let counts: Vec<String> = d.counts.iter().map(|(c, n)| format!("{n} {c}")).collect();
                        format!(
                            "{}: version {} ({}); {} anchors carried over",
                            d.transcript,
                            d.version,
                            counts.join(", "),
                            d.anchors_moved
                        )
                    })
                    .chain(field_lines.iter().cloned())
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DeidCommand::Log { output } => {
            let log = wb.deid_log().await?;
            if let Some(path) = output {
                let csv = deid_log_csv(&log);
                deliver(out, csv.as_bytes(), Some(path), "csv")?;
                return Ok(());
            }
            let rows: Vec<Json> = log
                .iter()
                .map(|l| json!({"transcript": l.transcript, "participant": l.participant, "version": l.version, "category": l.category, "count": l.count, "at": l.at}))
                .collect();
            out.print(Json::Array(rows), || {
                if log.is_empty() {
                    return "No pseudonymisation yet.".to_owned();
                }
                log.iter()
                    .map(|l| {
                        format!(
                            "{} ({}) version {}: {} × {}",
                            l.transcript, l.participant, l.version, l.count, l.category
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DeidCommand::Lines { transcript, line } => {
            let mappings = wb.line_mappings(transcript).await?;
            if let Some(l) = line {
                if let Some(r) = mappings.iter().find(|r| (*l as usize) > r.lines.len() || *l == 0) {
                    bail!("--line {l}: the old version has lines 1–{}", r.lines.len());
                }
            }
            let rows: Vec<Json> = mappings
                .iter()
                .map(|r| match line {
                    Some(l) => {
                        json!({"from_version": r.from, "to_version": r.to, "at": r.at, "line": l, "new_line": r.lines[*l as usize - 1]})
                    }
                    None => json!({"from_version": r.from, "to_version": r.to, "at": r.at, "lines": r.lines}),
                })
                .collect();
            out.print(json!({"transcript": transcript, "mappings": rows}), || {
                if mappings.is_empty() {
                    return format!("{transcript} was not pseudonymised.");
                }
                mappings
                    .iter()
                    .map(|r| {
                        let moved: Vec<String> = r
                            .lines
                            .iter()
                            .enumerate()
                            .map(|(i, new)| (i as u32 + 1, *new))
                            .filter(|(old, new)| line.is_none_or(|l| l == *old) && (line.is_some() || old != new))
                            .map(|(old, new)| format!("  l. {old} → l. {new}"))
                            .collect();
                        let body =
                            if moved.is_empty() { "  every line kept its number".to_owned() } else { moved.join("\n") };
                        format!("{transcript} version {} → {} ({}):\n{body}", r.from, r.to, r.at)
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        DeidCommand::Originals { policy } => {
            wb.set_originals_policy(*policy).await?;
            out.print(json!({"originals": policy.as_str()}), || format!("Originals after pseudonymisation: {policy}."));
        }
    }
    Ok(())
}
