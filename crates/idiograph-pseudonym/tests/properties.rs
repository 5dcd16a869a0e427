//! Property tests: scanning, matching, planning and leak-checking arbitrary Unicode text never
//! panic, and every span they produce lies on char boundaries of that text.

use idiograph_pseudonym::*;
use idiograph_text::apply_edits;
use proptest::prelude::*;

/// Text mixing identifier-like fragments with arbitrary Unicode.
fn texty() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("Dr Anna Smith".to_owned()),
        Just("Anna’s".to_owned()),
        Just("Annas'".to_owned()),
        Just("07700 900123".to_owned()),
        Just("+44 (0)7700 900123".to_owned()),
        Just("943 476 5919".to_owned()),
        Just("LS1 4DY".to_owned()),
        Just("12/03/1985".to_owned()),
        Just("12 March 1985".to_owned()),
        Just("a.b@nhs.net".to_owned()),
        Just("https://x.co.uk/é".to_owned()),
        Just("Flat 3, 45 High Street".to_owned()),
        Just("St Mary's Hospital".to_owned()),
        Just("Interviewer:".to_owned()),
        Just("Zoë Kowalski:".to_owned()),
        Just("&amp;#x2019;".to_owned()),
        Just("\n".to_owned()),
        Just("  ".to_owned()),
        "\\PC{0,12}",
        "[a-zA-Z0-9 .,:'’\\-\n]{0,16}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    prop::collection::vec(fragment, 0..24).prop_map(|v| v.concat())
}

fn known() -> Vec<KnownIdentifier> {
    vec![
        KnownIdentifier::new("Dr Anna Smith", "Dr Rose Hill", IdentifierKind::Person(PersonRole::Trainer))
            .with_variants(["Annie"]),
        KnownIdentifier::new("Zoë Kowalski", "", IdentifierKind::Person(PersonRole::Patient)),
        KnownIdentifier::new("St Mary's Hospital", "", IdentifierKind::Organisation(OrganisationKind::Hospital)),
        KnownIdentifier::new("é", "x", IdentifierKind::Other),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_plan_from_scan_applies(text in texty()) {
        let candidates = scan(&text, &ScanOptions { min_confidence: 0.0, ..ScanOptions::default() });
        for c in &candidates {
            let (s, e) = (c.span.start().to_usize(), c.span.end().to_usize());
            prop_assert!(s < e && e <= text.len());
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            prop_assert_eq!(&text[s..e], c.text.as_str());
        }
        for w in candidates.windows(2) {
            prop_assert!(w[0].span.end() <= w[1].span.start(), "scan output overlaps");
        }
        let k = known();
        let matches = KnownMatcher::new(&k, &MatchOptions::default()).unwrap().find(&text);
        for m in &matches {
            prop_assert!(text.is_char_boundary(m.span.start().to_usize()) && text.is_char_boundary(m.span.end().to_usize()));
        }
        let mut b = PlanBuilder::new(&text);
        b.known(&matches, &k).candidates(&candidates);
        let plan = b.build().unwrap();
        let (new, map) = apply_edits(&text, &plan.to_edits()).unwrap();
        // Nothing of a known name survives its plan, except where a replacement glued to it
        // gave it a new word boundary ("Annas'https://…" → "Annas'[URL]"): the leak check on
        // the output finds those, so the caller can plan again.
        let new_spans: Vec<_> = plan.replacements().iter().map(|r| map.map_span(r.span)).collect();
        for m in KnownMatcher::new(&k, &MatchOptions::default()).unwrap().find(&new) {
            let (s, e) = (m.span.start().to_usize(), m.span.end().to_usize());
            let touches = new_spans.iter().any(|n| {
                let (ns, ne) = (n.start().to_usize(), n.end().to_usize());
                (ne <= s && s - ne <= 3) || (e <= ns && ns - e <= 3)
            });
            prop_assert!(touches, "known name left at {:?} in {:?}", m.span, new);
        }
    }

    #[test]
    fn leak_check_spans_are_on_boundaries(text in texty()) {
        for l in leak_check(&text, &known()).unwrap() {
            let (s, e) = (l.span.start().to_usize(), l.span.end().to_usize());
            prop_assert!(s < e && e <= text.len());
            prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            prop_assert_eq!(&text[s..e], l.found());
        }
    }
}
