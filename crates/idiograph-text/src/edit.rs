//! Known edits of a text (replacements at spans) and the exact old → new offset map they imply.
//!
//! A new transcript version made by renaming a speaker or pseudonymising a name is a list of
//! replacements; anchors on the old version are carried over by mapping their offsets, so no
//! fuzzy re-matching is needed.

use crate::{Span, SpanError, TextSize};

/// One replacement: the bytes of `span` become `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// What is replaced, in the old text.
    pub span: Span,
    /// The replacement.
    pub with: String,
}

/// Maps offsets of the old text to the new one after a set of non-overlapping edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditMap {
    /// Edits sorted by position: old span and the new span that replaced it.
    pieces: Vec<(Span, Span)>,
}

/// Why a set of edits cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// An edit's span is not valid on the text.
    Span(SpanError),
    /// Two edits overlap.
    Overlap {
        /// Where the second edit starts.
        at: usize,
    },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Span(e) => e.fmt(f),
            EditError::Overlap { at } => write!(f, "two edits overlap at byte {at}"),
        }
    }
}

impl std::error::Error for EditError {}

/// Applies `edits` to `text`, returning the new text and the offset map.
///
/// ```
/// use idiograph_text::{apply_edits, Edit, Span};
/// let text = "Anna: hi\nBob: Anna said";
/// let edits = vec![
///     Edit { span: Span::new(text, 0, 4).unwrap(), with: "Olivia".into() },
///     Edit { span: Span::new(text, 14, 18).unwrap(), with: "Olivia".into() },
/// ];
/// let (new, map) = apply_edits(text, &edits).unwrap();
/// assert_eq!(new, "Olivia: hi\nBob: Olivia said");
/// let said = Span::new(text, 19, 23).unwrap();
/// assert_eq!(map.map_span(said).slice(&new), "said");
/// ```
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<(String, EditMap), EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start(), e.span.end()));
    let mut out = String::with_capacity(text.len());
    let mut pieces = Vec::with_capacity(sorted.len());
    let mut cursor = 0usize;
    for e in sorted {
        let (s, t) = (e.span.start().to_usize(), e.span.end().to_usize());
        Span::new(text, s, t).map_err(EditError::Span)?;
        if s < cursor {
            return Err(EditError::Overlap { at: s });
        }
        out.push_str(&text[cursor..s]);
        let new_start = out.len();
        out.push_str(&e.with);
        pieces.push((e.span, Span::from_bounds(TextSize::new(new_start as u32), TextSize::new(out.len() as u32))));
        cursor = t;
    }
    out.push_str(&text[cursor..]);
    Ok((out, EditMap { pieces }))
}

impl EditMap {
    /// The new offset of old offset `offset`. An offset strictly inside a replaced span maps to
    /// the start of its replacement, or with `towards_end` to its end.
    pub fn map_offset(&self, offset: TextSize, towards_end: bool) -> TextSize {
        let mut delta: i64 = 0;
        for (old, new) in &self.pieces {
            if offset < old.start() {
                break;
            }
            // At an edit's start both a span starting there and one ending there stay outside
            // the replacement's far side.
            if offset == old.start() {
                return new.start();
            }
            if offset < old.end() {
                return if towards_end { new.end() } else { new.start() };
            }
            delta = new.end().to_u32() as i64 - old.end().to_u32() as i64;
        }
        TextSize::new((offset.to_u32() as i64 + delta) as u32)
    }

    /// The new span of an old span: it grows to cover any replacement it touches inside.
    pub fn map_span(&self, span: Span) -> Span {
        let start = self.map_offset(span.start(), false);
        let end = self.map_offset(span.end(), true);
        Span::from_bounds(start, end.max(start))
    }

    /// Whether nothing changed.
    pub fn is_identity(&self) -> bool {
        self.pieces.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, s: usize, e: usize, with: &str) -> Edit {
        Edit { span: Span::new(text, s, e).unwrap(), with: with.into() }
    }

    #[test]
    fn spans_before_inside_and_after_edits_map_exactly() {
        let text = "Dr Anna Smith met Anna.";
        let (new, map) = apply_edits(text, &[edit(text, 3, 13, "[Trainer]"), edit(text, 18, 22, "Olivia")]).unwrap();
        assert_eq!(new, "Dr [Trainer] met Olivia.");
        let cases = [
            ((0, 2), "Dr"),
            ((3, 13), "[Trainer]"),
            ((14, 17), "met"),
            ((18, 23), "Olivia."),
            ((8, 17), "[Trainer] met"),
        ];
        for ((s, e), want) in cases {
            assert_eq!(map.map_span(Span::new(text, s, e).unwrap()).slice(&new), want, "{s}..{e}");
        }
    }

    #[test]
    fn a_span_ending_where_an_edit_starts_stays_before_it() {
        let text = "said Anna.";
        let (new, map) = apply_edits(text, &[edit(text, 5, 9, "Olivia")]).unwrap();
        assert_eq!(map.map_span(Span::new(text, 0, 5).unwrap()).slice(&new), "said ");
        assert_eq!(map.map_span(Span::new(text, 9, 10).unwrap()).slice(&new), ".");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let text = "abcdef";
        assert_eq!(
            apply_edits(text, &[edit(text, 0, 3, "x"), edit(text, 2, 4, "y")]).unwrap_err(),
            EditError::Overlap { at: 2 }
        );
    }
}
