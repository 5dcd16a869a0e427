//! Property tests of the layout, unit conversions and quotes over random Unicode transcripts.

use std::collections::BTreeSet;

use idiograph_text::{normalize, Layout, LayoutParams, Quote, Span, TextSize, UnitIndex};
use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// One piece of a transcript: the kinds of text that stress wrapping and unit conversion.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z]{1,10}",
        3 => Just(" ".to_owned()),
        1 => Just("  ".to_owned()),
        1 => Just("\t".to_owned()),
        2 => Just("\n".to_owned()),
        1 => Just("\n\n".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => "[a-z]{25,90}",
        1 => "[\u{4e00}-\u{4e20}]{1,6}",
        1 => Just("👩\u{200d}⚕\u{fe0f}".to_owned()),
        1 => Just("👨\u{200d}👩\u{200d}👧".to_owned()),
        1 => Just("🇫🇷🙂".to_owned()),
        1 => Just("e\u{301}".to_owned()),
        1 => Just("a\u{308}\u{301}\u{323}".to_owned()),
        1 => Just("\u{301}".to_owned()),
        1 => Just("\u{a0}".to_owned()),
        1 => Just("«é»".to_owned()),
    ]
}

/// Canonical transcript text built from random pieces (including none, for the empty text).
fn transcript() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..80).prop_map(|pieces| normalize(&pieces.concat()))
}

/// Mostly narrow geometry, so that wrapping and paging happen often.
fn params() -> impl Strategy<Value = LayoutParams> {
    (prop_oneof![4 => 20u32..40, 1 => 20u32..=500], 5u32..=12)
        .prop_map(|(cpl, lpp)| LayoutParams::new(cpl, lpp).unwrap())
}

fn char_boundaries(text: &str) -> Vec<usize> {
    text.char_indices().map(|(i, _)| i).chain([text.len()]).collect()
}

fn is_wrap_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// A line's bytes without its '\n', then without hanging whitespace.
fn visible(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line).trim_end_matches(is_wrap_space)
}

fn ts(offset: usize) -> TextSize {
    TextSize::new(offset as u32)
}

proptest! {
    #[test]
    fn lines_partition_the_text(text in transcript(), params in params()) {
        let layout = Layout::compute(&text, params);
        let starts = layout.line_starts();
        prop_assert_eq!(starts[0], 0);
        prop_assert!(starts.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(layout.line_count() as usize, starts.len());
        let graphemes: BTreeSet<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
        let mut rebuilt = String::new();
        for line in 1..=layout.line_count() {
            let span = layout.line_span(line).unwrap();
            let start = span.start().to_usize();
            prop_assert!(text.is_char_boundary(start));
            prop_assert!(start == 0 || graphemes.contains(&start), "start {} splits a grapheme", start);
            prop_assert!(start < text.len() || text.is_empty());
            let bytes = span.slice(&text);
            // Only a line's last byte may be '\n': every '\n' ends a line.
            prop_assert!(!bytes.trim_end_matches('\n').contains('\n') && bytes.matches('\n').count() <= 1);
            rebuilt.push_str(bytes);
        }
        prop_assert_eq!(rebuilt, text.as_str());
        prop_assert_eq!(layout.line_span(layout.line_count() + 1), None);
    }

    #[test]
    fn lines_fit_and_wrap_greedily(text in transcript(), params in params()) {
        let layout = Layout::compute(&text, params);
        let width = params.chars_per_line() as usize;
        let count = layout.line_count();
        for line in 1..=count {
            let bytes = layout.line_span(line).unwrap().slice(&text);
            let shown = layout.line_text(&text, line).unwrap();
            prop_assert_eq!(shown, visible(bytes));
            prop_assert!(shown.graphemes(true).count() <= width, "line {} is too wide: {:?}", line, shown);
            if line == count || bytes.ends_with('\n') {
                continue;
            }
            // A wrapped line ends either at hanging whitespace, because the start of the next
            // line would not have fitted, or mid-word, because the word fills the whole line.
            let next = visible(layout.line_span(line + 1).unwrap().slice(&text));
            let next_word = next.graphemes(true).take_while(|g| !g.chars().all(is_wrap_space)).count();
            if bytes.ends_with(is_wrap_space) {
                prop_assert!(bytes.graphemes(true).count() + next_word > width, "line {} could take more", line);
            } else {
                prop_assert_eq!(bytes.graphemes(true).count(), width);
            }
        }
    }

    #[test]
    fn positions_agree_with_lines(text in transcript(), params in params()) {
        let layout = Layout::compute(&text, params);
        let lpp = params.lines_per_page();
        for offset in char_boundaries(&text) {
            let pos = layout.position(ts(offset));
            let span = layout.line_span(pos.global).unwrap();
            let inside = span.start().to_usize() <= offset && offset < span.end().to_usize();
            let at_end = offset == text.len() && pos.global == layout.line_count();
            prop_assert!(inside || at_end, "offset {} placed on line {}", offset, pos.global);
            prop_assert_eq!(pos.page, (pos.global - 1) / lpp + 1);
            prop_assert_eq!(pos.line, (pos.global - 1) % lpp + 1);
            prop_assert!(pos.page <= layout.page_count());
            prop_assert_eq!(layout.global_line(pos.page, pos.line), Some(pos.global));
        }
    }

    #[test]
    fn cited_lines_round_trip(text in transcript(), params in params(), a in any::<u32>(), b in any::<u32>()) {
        let layout = Layout::compute(&text, params);
        let count = layout.line_count();
        let mut pairs: Vec<(u32, u32)> = (1..=count).map(|line| (line, line)).collect();
        let (x, y) = (a % count + 1, b % count + 1);
        pairs.push((x.min(y), x.max(y)));
        for (first, last) in pairs {
            let span = layout.lines_to_span(first, last).unwrap();
            let shown = layout.line_text(&text, last).unwrap();
            prop_assert!(span.slice(&text).ends_with(shown));
            if !shown.is_empty() {
                let range = layout.span_lines(span);
                prop_assert_eq!((range.start.global, range.end.global), (first, last));
            }
        }
        prop_assert!(layout.lines_to_span(count + 1, count + 1).is_err());
        if count > 1 {
            prop_assert!(layout.lines_to_span(2, 1).is_err());
        }
    }

    #[test]
    fn frozen_layouts_reload(text in transcript(), params in params()) {
        let layout = Layout::compute(&text, params);
        prop_assert_eq!(Layout::decode(params, &layout.encode(), &text), Ok(layout.clone()));
        prop_assert_eq!(Layout::from_line_starts(params, layout.line_starts().to_vec(), &text), Ok(layout));
    }

    #[test]
    fn units_round_trip(text in transcript()) {
        let index = UnitIndex::new(&text);
        prop_assert_eq!(index.char_len(), text.chars().count());
        prop_assert_eq!(index.utf16_len(), text.encode_utf16().count());
        prop_assert_eq!(index.is_ascii(), text.is_ascii());
        for offset in char_boundaries(&text) {
            let chars = index.byte_to_char(ts(offset));
            let utf16 = index.byte_to_utf16(ts(offset));
            prop_assert_eq!(chars, text[..offset].chars().count());
            prop_assert_eq!(utf16, text[..offset].encode_utf16().count());
            prop_assert_eq!(index.char_to_byte(chars), Some(ts(offset)));
            prop_assert_eq!(index.utf16_to_byte(utf16), Some(ts(offset)));
        }
        let utf16_boundaries: BTreeSet<usize> =
            char_boundaries(&text).into_iter().map(|offset| index.byte_to_utf16(ts(offset))).collect();
        for units in 0..=index.utf16_len() + 1 {
            prop_assert_eq!(index.utf16_to_byte(units).is_some(), utf16_boundaries.contains(&units));
        }
        prop_assert_eq!(index.char_to_byte(index.char_len() + 1), None);
    }

    #[test]
    fn unit_spans_round_trip(text in transcript(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let index = UnitIndex::new(&text);
        let boundaries = char_boundaries(&text);
        let (x, y) = (a.get(&boundaries), b.get(&boundaries));
        let span = Span::new(&text, *x.min(y), *x.max(y)).unwrap();
        let (start, end) = index.span_to_chars(span);
        prop_assert_eq!(index.span_from_chars(start, end), Ok(span));
        let (start, end) = index.span_to_utf16(span);
        prop_assert_eq!(index.span_from_utf16(start, end), Ok(span));
    }

    #[test]
    fn quotes_are_found_again(
        text in transcript(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        context in 0usize..20,
    ) {
        let boundaries = char_boundaries(&text);
        let (x, y) = (a.get(&boundaries), b.get(&boundaries));
        let span = Span::new(&text, *x.min(y), *x.max(y)).unwrap();
        let quote = Quote::capture(&text, span, context);
        prop_assert!(quote.matches(&text, span));
        prop_assert!(quote.prefix().chars().count() <= context && quote.suffix().chars().count() <= context);
        prop_assert!(text[..span.start().to_usize()].ends_with(quote.prefix()));
        prop_assert!(text[span.end().to_usize()..].starts_with(quote.suffix()));
        let found = quote.locate(&text).unwrap();
        prop_assert_eq!(found.slice(&text), quote.exact());
        let occurrences = boundaries.iter().filter(|&&i| text[i..].starts_with(quote.exact())).count();
        if occurrences == 1 {
            prop_assert_eq!(found, span);
        }
    }
}

proptest! {
    /// Text outside every edit keeps its content under the offset map, whatever the edits.
    #[test]
    fn spans_untouched_by_edits_keep_their_text(words in prop::collection::vec("[a-zé👩]{1,8}", 1..40), picks in prop::collection::vec((any::<prop::sample::Index>(), "[A-Z\\[\\]]{0,9}"), 0..6)) {
        let text = words.join(" ");
        let bounds: Vec<(usize, usize)> = {
            let mut at = 0;
            words.iter().map(|w| { let b = (at, at + w.len()); at += w.len() + 1; b }).collect()
        };
        let mut chosen: Vec<usize> = picks.iter().map(|(i, _)| i.index(bounds.len())).collect();
        chosen.sort();
        chosen.dedup();
        let edits: Vec<idiograph_text::Edit> = chosen.iter().zip(picks.iter()).map(|(&w, (_, with))| idiograph_text::Edit {
            span: idiograph_text::Span::new(&text, bounds[w].0, bounds[w].1).unwrap(),
            with: with.clone(),
        }).collect();
        let (new, map) = idiograph_text::apply_edits(&text, &edits).unwrap();
        for (w, &(s, e)) in bounds.iter().enumerate() {
            let mapped = map.map_span(idiograph_text::Span::new(&text, s, e).unwrap()).slice(&new).to_owned();
            match chosen.iter().position(|&c| c == w) {
                Some(k) => prop_assert_eq!(mapped, edits[k].with.clone()),
                None => prop_assert_eq!(mapped, words[w].clone()),
            }
        }
    }
}

proptest! {
    /// Canonical text made in place is the text the plain definition gives (strip one BOM,
    /// CR LF and lone CR to LF, then NFC), and canonical text stays as it is.
    #[test]
    fn normalising_in_place_matches_the_definition(pieces in prop::collection::vec(prop_oneof!["\r\n", "\r", "\n", "\u{feff}", "e\u{301}", "é", "[a-z👩 ]{0,6}"], 0..40)) {
        let raw = pieces.concat();
        let stripped = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
        let expected: String = {
            use unicode_normalization::UnicodeNormalization;
            stripped.replace("\r\n", "\n").replace('\r', "\n").nfc().collect()
        };
        let canonical = idiograph_text::normalize_owned(raw.clone());
        prop_assert_eq!(&canonical, &expected);
        prop_assert_eq!(idiograph_text::normalize(&raw), expected);
        // (A second U+FEFF at the start is a character of the text, and the next pass takes it
        // as a BOM, as `normalize` always has.)
        if !canonical.starts_with('\u{feff}') {
            prop_assert_eq!(idiograph_text::normalize_owned(canonical.clone()), canonical);
        }
    }
}
