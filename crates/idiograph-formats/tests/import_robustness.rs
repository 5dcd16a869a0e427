//! Importer robustness: arbitrary bytes and damaged transcripts never panic, and whatever is
//! accepted has valid, ordered turn spans; every format, on random bytes and on mutated valid
//! files (bit flips, truncation, byte insertions, and damage inside the XML of .docx/.odt),
//! answers within the time bound.
//!
//! Time bound: the issue requires under 2 s per call for inputs under 1 MB. That is asserted
//! as such in release builds (`cargo test --release`); debug builds are 10–30x slower on
//! parsing code, so there the bound is 10 s, still catching any super-linear blow-up.

mod import_support;

use import_support::*;
use std::time::{Duration, Instant};

use idiograph_formats::{import_transcript, ImportError, ImportOptions, ImportedTranscript};
use proptest::prelude::*;

/// A transcript touching every label style, timestamp form and encoding-sensitive character.
const SAMPLE: &str = "# Interview 3\n\n[00:00:01] Olivia: Thanks for coming.\r\n\r\nSam: 00:00:05 Of course…\n\
                      **Zoë Ça-Va:** \\[01:46\\] Well.\n\n[id1] yes\n[Johnny Doe] 11:02:09\nHow you doing?\n\
                      Mireille B. Reece, Psy.D: “Right”.\n\u{feff}\tEnd:\n";

/// File names covering both importers, odd casing, no extension and an unsupported one.
const NAMES: [&str; 5] = ["a.txt", "b.MD", "c.Txt", "noext", "d.docx"];

fn check(name: &str, bytes: &[u8], options: &ImportOptions) {
    match import_transcript(name, bytes, options) {
        Ok(t) => assert_well_formed(&t, bytes),
        Err(err) => {
            let message = err.to_string();
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
            assert!(!message.ends_with('.'), "{message}");
        }
    }
}

fn assert_well_formed(t: &ImportedTranscript, bytes: &[u8]) {
    assert_eq!(idiograph_text::normalize(&t.text), t.text, "text is canonical");
    assert!(!t.text.trim().is_empty());
    assert_eq!(t.provenance.byte_len, bytes.len() as u64);
    assert_eq!(t.provenance.sha256.len(), 64);
    let mut previous_end = 0;
    for turn in &t.turns {
        let (start, end) = (turn.span.start().to_usize(), turn.span.end().to_usize());
        // Re-checking through Span::new proves bounds and char boundaries within `text`.
        assert_eq!(idiograph_text::Span::new(&t.text, start, end), Ok(turn.span));
        assert!(start >= previous_end, "turns are ordered and do not overlap");
        assert!(start < end, "turns are not empty");
        let label_span = turn.label_span.expect("plain text turns have labels");
        assert!(turn.span.contains_span(label_span));
        assert_eq!(Some(label_span.slice(&t.text)), turn.label.as_deref());
        previous_end = end;
    }
}

/// One edit to a byte string.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Flip(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Fragments that sit at the edges of the label and timestamp grammar and of the encodings.
    let fragment = prop_oneof![
        Just(b"**".to_vec()),
        Just(b":".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"\\[".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"12:34".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just("é\u{301}".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        (any::<usize>(), fragment).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..8).prop_map(|(at, len)| Mutation::Remove(at, len)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match mutation {
        Mutation::Insert(at, fragment) => {
            let at = at % (len + 1);
            bytes.splice(at..at, fragment.iter().copied());
        }
        Mutation::Remove(at, n) if len > 0 => {
            let at = at % len;
            bytes.drain(at..(at + n).min(len));
        }
        Mutation::Flip(at, byte) if len > 0 => bytes[at % len] = *byte,
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(
        prefix in prop_oneof![Just(&b""[..]), Just(&b"\xef\xbb\xbf"[..]), Just(&b"\xff\xfe"[..]), Just(&b"\xfe\xff"[..])],
        body in prop::collection::vec(any::<u8>(), 0..600),
        name in prop::sample::select(&NAMES[..]),
        max_bytes in prop_oneof![Just(ImportOptions::DEFAULT_MAX_BYTES), 0u64..700],
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&body);
        check(name, &bytes, &ImportOptions { max_bytes });
    }

    #[test]
    fn damaged_transcripts_never_panic(
        mutations in prop::collection::vec(mutation(), 0..12),
        utf16 in any::<bool>(),
        name in prop::sample::select(&NAMES[..3]),
    ) {
        let mut bytes = if utf16 {
            [0xff, 0xfe].into_iter().chain(SAMPLE.encode_utf16().flat_map(u16::to_le_bytes)).collect()
        } else {
            SAMPLE.as_bytes().to_vec()
        };
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(name, &bytes, &ImportOptions::default());
    }
}

#[test]
fn the_sample_imports_with_all_its_turns() {
    let t = import_transcript("a.txt", SAMPLE.as_bytes(), &ImportOptions::default()).unwrap();
    assert_well_formed(&t, SAMPLE.as_bytes());
    // Mixed styles: the four 'Name:' lines win; the bold and bracket lines are reported.
    let labels: Vec<_> = t.turns.iter().map(|turn| turn.label.as_deref().unwrap()).collect();
    assert_eq!(labels, ["Olivia", "Sam", "Mireille B. Reece, Psy.D", "End"]);
    assert_eq!(t.diagnostics.len(), 3, "{:?}", t.diagnostics);
}

#[test]
fn every_refusal_through_the_public_entry_point() {
    let options = ImportOptions::default();
    let refuse =
        |name: &str, bytes: &[u8], options: &ImportOptions| import_transcript(name, bytes, options).unwrap_err();
    assert!(matches!(refuse("e.txt", b"", &options), ImportError::Empty { .. }));
    assert!(matches!(refuse("w.md", b" \n\r\n\t", &options), ImportError::Blank { .. }));
    assert_eq!(
        refuse("x.bin.txt", b"PK\x03\x04\0\0", &options).to_string(),
        "x.bin.txt: binary content (NUL bytes), not a transcript"
    );
    // Deterministic noise without NUL bytes (an LCG), as in a renamed image or archive.
    let mut seed = 7u32;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ((seed >> 16) as u8).max(1)
        })
        .collect();
    assert!(matches!(refuse("n.txt", &noise, &options), ImportError::Binary { .. }));
    assert_eq!(
        refuse("u.txt", b"\xff\xfeD\0a\0n\0\x00\xd8", &options).to_string(),
        "u.txt: cannot decode the text (invalid UTF-16)"
    );
    assert_eq!(
        refuse("big.txt", &vec![b'a'; 61_200_000], &options).to_string(),
        "big.txt: 61.2 MB is over the 50 MB limit"
    );
    assert!(matches!(
        refuse("s.txt", b"Dan: hello", &ImportOptions { max_bytes: 5 }),
        ImportError::TooLarge { size: 10, limit: 5, .. }
    ));
    assert!(refuse("x.xyz", b"Dan: hi", &options)
        .to_string()
        .starts_with("x.xyz: unsupported format '.xyz' (supported: .txt, .md, .docx, .odt, .rtf, "));
}

/// The bound per call: 2 s in release builds, 10 s in debug builds (see the module docs).
fn time_bound() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(10)
    } else {
        Duration::from_secs(2)
    }
}

/// Imports with a stopwatch: never panics (the test would fail), well-formed when accepted,
/// refusals name the file, and the call stays within [`time_bound`].
fn timed_check(name: &str, bytes: &[u8]) {
    let started = Instant::now();
    let result = import_transcript(name, bytes, &ImportOptions::default());
    let elapsed = started.elapsed();
    assert!(elapsed < time_bound(), "{name}: {} bytes took {elapsed:?}", bytes.len());
    match result {
        Ok(t) => {
            assert_eq!(idiograph_text::normalize(&t.text), t.text, "text is canonical");
            let mut previous_end = 0;
            for turn in &t.turns {
                let (start, end) = (turn.span.start().to_usize(), turn.span.end().to_usize());
                assert_eq!(idiograph_text::Span::new(&t.text, start, end), Ok(turn.span));
                assert!(start >= previous_end);
                if let Some(label_span) = turn.label_span {
                    assert!(turn.span.contains_span(label_span));
                }
                previous_end = end;
            }
        }
        Err(err) => {
            let message = err.to_string();
            assert!(message.starts_with(&format!("{name}: ")), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
}

/// Magic numbers and headers that get random bytes past each importer's first check.
const PREFIXES: [&[u8]; 7] = [
    b"",
    b"PK\x03\x04",
    b"%PDF-1.4\n",
    b"{\\rtf1 ",
    b"WEBVTT\n\n",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"1\n00:00:01,000 --> 00:00:02,000\n",
];

/// One valid file per importer.
fn valid_files() -> Vec<(&'static str, Vec<u8>)> {
    let pages: Vec<Vec<String>> = interview_lines(9, 3).chunks(3).map(<[String]>::to_vec).collect();
    vec![
        ("teams.vtt", teams_vtt().into_bytes()),
        ("zoom.vtt", zoom_vtt().into_bytes()),
        ("film.srt", srt().into_bytes()),
        ("teams.docx", teams_docx()),
        ("table.docx", table_docx()),
        ("i.odt", odt()),
        ("r.rtf", rtf().into_bytes()),
        ("p.pdf", text_pdf(&pages)),
        ("s.txt", SAMPLE.as_bytes().to_vec()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_format_survives_random_bytes(
        prefix in prop::sample::select(&PREFIXES[..]),
        body in prop::collection::vec(any::<u8>(), 0..3000),
        name in prop::sample::select(&["a.docx", "a.odt", "a.pdf", "a.rtf", "a.vtt", "a.srt", "a.txt"][..]),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&body);
        timed_check(name, &bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        index in 0usize..9,
        mutations in prop::collection::vec(mutation(), 1..10),
        truncate in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let (name, mut bytes) = valid_files().swap_remove(index);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Some(at) = truncate {
            bytes.truncate(at.index(bytes.len() + 1));
        }
        timed_check(name, &bytes);
    }

    #[test]
    fn damaged_xml_inside_a_valid_zip_never_panics(
        mutations in prop::collection::vec(mutation(), 1..12),
        odt_or_docx in any::<bool>(),
    ) {
        let mut body = w_p("Zoë Ødegård   0:04");
        body.push_str(&w_p("Hello\tthere\nfriend"));
        body.push_str("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Dan</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Hi</w:t></w:r></w:p></w:tc></w:tr></w:tbl>");
        let mut xml = format!("<w:document xmlns:w=\"x\"><w:body>{body}</w:body></w:document>").into_bytes();
        for m in &mutations {
            apply(&mut xml, m);
        }
        let (name, bytes) = if odt_or_docx {
            ("m.odt", zip_of(&[("content.xml", &xml)]))
        } else {
            ("m.docx", zip_of(&[("word/document.xml", &xml)]))
        };
        timed_check(name, &bytes);
    }
}

/// Inputs just under 1 MB per format, the worst shapes we know: one huge paragraph, deep RTF
/// groups, a cue per line, a PDF of many short text operators.
#[test]
fn one_megabyte_inputs_stay_within_the_time_bound() {
    let line = "Participant: I think the first week was really hard because nobody told me what to expect.\n";
    let txt = line.repeat(1_000_000 / line.len());
    timed_check("big.txt", txt.as_bytes());
    timed_check("one-line.txt", "word ".repeat(199_000).as_bytes());
    let mut vtt = String::from("WEBVTT\n\n");
    let mut i = 0;
    while vtt.len() < 990_000 {
        vtt.push_str(&format!(
            "{i}\n00:00:{:02}.000 --> 00:00:{:02}.500\n<v Speaker {}>some words here</v>\n\n",
            i % 60,
            i % 60,
            i % 3
        ));
        i += 1;
    }
    timed_check("big.vtt", vtt.as_bytes());
    timed_check("big.srt", vtt.replace("WEBVTT\n\n", "").as_bytes());
    let rtf = format!("{{\\rtf1 {}{}}}", "{\\b ".repeat(100_000), "x}".repeat(100_000));
    timed_check("deep.rtf", rtf.as_bytes());
    let rtf = format!("{{\\rtf1 {}}}", "Dan: caf\\'e9 \\u8217?s\\par\n".repeat(40_000));
    timed_check("big.rtf", &rtf.as_bytes()[..rtf.len().min(999_000)]);
    let paragraphs: String = interview_lines(2_000, 5).iter().map(|l| w_p(l)).collect();
    let docx = docx_with_body(&paragraphs);
    assert!(docx.len() < 1_000_000);
    timed_check("big.docx", &docx);
    let pages: Vec<Vec<String>> = interview_lines(2_400, 9).chunks(40).map(<[String]>::to_vec).collect();
    let pdf = text_pdf(&pages);
    assert!(pdf.len() < 1_000_000, "{}", pdf.len());
    timed_check("big.pdf", &pdf);
    let nested = format!("<w:p>{}</w:p>", "<w:r><w:t>a</w:t></w:r>".repeat(40_000));
    timed_check("runs.docx", &docx_with_body(&nested));
}
