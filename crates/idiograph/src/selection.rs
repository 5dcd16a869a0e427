//! The edge where the command line's units (line numbers, characters) become byte spans.

use anyhow::{anyhow, bail, Context, Result};
use idiograph_app::{Target, Workbench};
use idiograph_text::Layout;

use crate::cli::Selection;

fn parse_range(text: &str) -> Option<(&str, &str)> {
    let t = text.trim();
    match t.split_once('-') {
        Some((a, b)) => Some((a.trim(), b.trim())),
        None => Some((t, t)),
    }
}

/// A line given as a global number (`41`) or as page:line (`2:1`).
fn line_number(layout: &Layout, text: &str) -> Result<u32> {
    match text.split_once(':') {
        Some((p, l)) => {
            let (page, line): (u32, u32) = (p.parse()?, l.parse()?);
            layout.global_line(page, line).ok_or_else(|| {
                anyhow!(
                    "p. {page}, l. {line} is outside the transcript ({} pages of {} lines)",
                    layout.page_count(),
                    layout.params().lines_per_page()
                )
            })
        }
        None => Ok(text.parse()?),
    }
}

/// Converts a selection in lines or characters into a byte-offset target on the current version.
pub async fn target(wb: &Workbench, transcript: &str, at: &Selection) -> Result<Target> {
    let (t, v) = wb.transcript(transcript).await?;
    let span = if let Some(lines) = &at.lines {
        let (a, b) = parse_range(lines).ok_or_else(|| anyhow!("--lines expects A-B"))?;
        let first =
            line_number(&v.layout, a).with_context(|| format!("--lines {lines}: '{a}' is not a line number"))?;
        let last = line_number(&v.layout, b).with_context(|| format!("--lines {lines}: '{b}' is not a line number"))?;
        v.lines_to_span(first, last).map_err(|e| anyhow!("--lines {lines} in {}: {e}", t.short_id()))?
    } else if let Some(chars) = &at.chars {
        let (a, b) = parse_range(chars).ok_or_else(|| anyhow!("--chars expects S-E"))?;
        let (s, e): (usize, usize) = (
            a.parse().with_context(|| format!("--chars {chars}: '{a}' is not a number"))?,
            b.parse().with_context(|| format!("--chars {chars}: '{b}' is not a number"))?,
        );
        v.units().span_from_chars(s, e).map_err(|e| anyhow!("--chars {chars} in {} (characters): {e}", t.short_id()))?
    } else {
        bail!("give --lines or --chars");
    };
    Target::new(&v, span).map_err(|e| anyhow!("selection in {}: {e}", t.short_id()))
}
