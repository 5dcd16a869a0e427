//! Property tests: an anchor always covers exactly its quoted text, and its citation is exact.

use idiograph_model::{cite, Anchor, ObjectId, Provenance, TranscriptVersion};
use idiograph_text::{normalize, Layout, LayoutParams, Span};
use proptest::prelude::*;

fn version(text: &str, params: LayoutParams) -> TranscriptVersion {
    TranscriptVersion {
        id: ObjectId::new("v1"),
        transcript_id: ObjectId::new("t1"),
        number: 1,
        text: text.to_owned(),
        layout: Layout::compute(text, params),
        turns: vec![],
        provenance: Provenance {
            file_name: "x.txt".into(),
            sha256: String::new(),
            format: "plain-text".into(),
            encoding: "utf-8".into(),
        },
        created_at: String::new(),
        units: Default::default(),
    }
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z]{1,12}".prop_map(|s| s),
        Just(" ".to_owned()),
        Just("\r\n".to_owned()),
        Just("\n\n".to_owned()),
        Just("👩‍⚕️".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("Ωμέγα".to_owned()),
        Just("漢字".to_owned()),
        "[a-z]{40,120}".prop_map(|s| s),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 1..80).prop_map(|v| normalize(&v.concat()))
}

proptest! {
    #[test]
    fn anchors_cover_their_quote(text in text(), a in 0usize..4000, b in 0usize..4000, cpl in 20u32..100, lpp in 5u32..60) {
        let v = version(&text, LayoutParams::new(cpl, lpp).unwrap());
        let (s, e) = (a.min(b) % (text.len() + 1), a.max(b) % (text.len() + 1));
        let (s, e) = (s.min(e), s.max(e));
        match Anchor::new(&v, s, e) {
            Ok(anchor) => {
                let span = anchor.span();
                prop_assert_eq!(anchor.quote().exact(), span.slice(&text));
                prop_assert!(anchor.quote().matches(&text, span));
                prop_assert_eq!(anchor.quote().locate(&text).map(|l| l.slice(&text).to_owned()), Some(span.slice(&text).to_owned()));
                // The citation names the lines that hold the first and last byte of the passage.
                let range = v.layout.span_lines(span);
                let first = v.layout.line_span(range.start.global).unwrap();
                prop_assert!(first.start() <= span.start() && (span.start() < first.end() || first.end().to_usize() == text.len()));
                let last = v.layout.line_span(range.end.global).unwrap();
                prop_assert!(last.start() < span.end() && span.end() <= last.end());
                prop_assert!(cite("Olivia", &v.layout, span).starts_with("(Olivia, p"));
            }
            Err(_) => {
                // Refused only for a reason: not char boundaries, or nothing but white space.
                let boundaries = text.is_char_boundary(s) && text.is_char_boundary(e);
                prop_assert!(!boundaries || Span::new(&text, s, e).unwrap().slice(&text).trim().is_empty());
            }
        }
    }
}
