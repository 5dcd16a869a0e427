//! Round trips, positions in other tools' units, and hostile input.

mod common;

use idiograph_refi::*;

fn g(n: u32) -> String {
    format!("6F0E3D3C-3C4A-4C0B-9D11-{n:012X}")
}

fn sel(text: &str, guid: String, quote: &str) -> RefiSelection {
    let start = text.find(quote).unwrap_or_else(|| panic!("{quote:?} not in text"));
    RefiSelection::new(guid, Span::new(text, start, start + quote.len()).unwrap())
}

/// A project touching every part of the model, with emoji, combining characters and text
/// that had CRLF before canonicalisation.
fn rich_project() -> RefiProject {
    let mut p = RefiProject::new("IPA study: belonging «home»");
    p.origin = Some("Idiograph 0.1".into());
    p.creating_user = Some(g(1));
    p.creation_date = Some("2024-05-01T10:00:00Z".into());
    p.description = Some("Six participants & one analyst <main>".into());
    p.users.push(RefiUser { guid: g(1), name: "Ana Researcher".into() });
    let mut get = RefiCode::new(g(10), "GET: Finding home");
    get.is_codable = false;
    get.color = Some("#3366CC".into());
    get.description = Some("Group theme".into());
    let mut pet = RefiCode::new(g(11), "PET (Olivia): Being held");
    pet.children.push(RefiCode::new(g(12), "Feeling held by the ward 🙂"));
    get.children.push(pet);
    p.codes.push(get);
    p.codes.push(RefiCode::new(g(13), "Café culture"));
    p.variables.push(RefiVariable {
        guid: g(20),
        name: "age".into(),
        kind: RefiVariableType::Integer,
        description: None,
    });
    p.variables.push(RefiVariable {
        guid: g(21),
        name: "mode".into(),
        kind: RefiVariableType::Text,
        description: Some("interview mode".into()),
    });
    p.variables.push(RefiVariable {
        guid: g(22),
        name: "hours".into(),
        kind: RefiVariableType::Float,
        description: None,
    });

    // Raw text as a Windows tool would have saved it: CRLF, decomposed é, emoji, ZWJ sequence.
    let raw = "Interviewer: How was it?\r\nOlivia: Hard at first 😢, then the cafe\u{301} felt like home 👩\u{200d}⚕️.\r\nThey held me.\r\n";
    let mut s = RefiSource::new(g(30), "Olivia interview 1", raw);
    let text = s.text.clone().unwrap();
    assert!(!text.contains('\r') && text.contains("café"));
    let mut a = sel(&text, g(31), "Hard at first 😢");
    a.codings.push(RefiCoding {
        guid: g(32),
        code_guid: g(12),
        creating_user: Some(g(1)),
        creation_date: Some("2024-05-02T09:30:00Z".into()),
        note_refs: vec![],
    });
    a.note_refs.push(g(40));
    a.creating_user = Some(g(1));
    a.creation_date = Some("2024-05-02T09:30:00Z".into());
    let mut b = sel(&text, g(33), "café felt like home 👩\u{200d}⚕️");
    b.name = Some("home\nline 2 \"quoted\"".into());
    b.description = Some("An explicit comment".into());
    b.codings.push(RefiCoding::new(g(34), g(13)));
    b.codings.push(RefiCoding::new(g(35), g(12)));
    let c = sel(&text, g(36), "They held me.\n");
    s.selections = vec![a, b, c];
    s.codings.push(RefiCoding::new(g(37), g(11)));
    s.note_refs.push(g(41));
    s.variables.push(RefiVariableValue { variable_guid: g(21), value: RefiValue::Text("video call".into()) });
    s.creating_user = Some(g(1));
    p.sources.push(s);
    p.sources.push(RefiSource::new(g(38), "Empty transcript", ""));

    let mut n = RefiNote::new(g(40), "Descriptive: loss of footing 😢\nsecond line");
    n.name = Some("N1 descriptive".into());
    n.creating_user = Some(g(1));
    n.creation_date = Some("2024-05-02T09:31:00Z".into());
    p.notes.push(n);
    p.notes.push(RefiNote::new(g(41), "Journal: I noticed my own assumptions."));
    p.note_refs.push(g(41));
    p.cases.push(RefiCase {
        guid: g(50),
        name: "Olivia".into(),
        description: Some("P1".into()),
        code_refs: vec![g(11)],
        variables: vec![
            RefiVariableValue { variable_guid: g(20), value: RefiValue::Integer(34) },
            RefiVariableValue { variable_guid: g(21), value: RefiValue::Text("in person".into()) },
            RefiVariableValue { variable_guid: g(22), value: RefiValue::Float(1.25) },
        ],
        source_refs: vec![g(30)],
        selection_refs: vec![g(31)],
    });
    p.sets.push(RefiSet {
        guid: g(60),
        name: "GET members".into(),
        description: None,
        member_codes: vec![g(11)],
        member_sources: vec![g(30)],
        member_notes: vec![g(40)],
    });
    p
}

#[test]
fn round_trip_is_identical_and_valid() {
    let p = rich_project();
    let bytes = write_qdpx(&p).unwrap();
    // Exactly project.qde + lower-case sources/<GUID>.txt.
    let mut names = common::entry_names(&bytes);
    names.sort();
    assert_eq!(
        names,
        vec!["project.qde".to_owned(), format!("sources/{}.txt", g(30)), format!("sources/{}.txt", g(38))]
    );
    let qde = common::unzip_entry(&bytes, "project.qde");
    common::assert_valid(&qde, "Project.xsd");
    let xml = String::from_utf8(qde.clone()).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(xml.contains("xmlns=\"urn:QDA-XML:project:1.0\""));
    assert!(xml.contains(&format!("plainTextPath=\"internal://{}.txt\"", g(30))));
    // Note text mirrored into the selection's Description.
    assert!(xml.contains("<Description>Descriptive: loss of footing 😢\nsecond line</Description>"));
    let text = String::from_utf8(common::unzip_entry(&bytes, &format!("sources/{}.txt", g(30)))).unwrap();
    assert_eq!(Some(&text), p.sources[0].text.as_ref());

    // Code points, end exclusive: "Hard at first 😢" starts after "Interviewer: How was it?\nOlivia: "
    // (25 + 8 = 33 code points) and is 15 code points long although 😢 is 4 bytes and 2 UTF-16 units.
    let prefix = "Interviewer: How was it?\nOlivia: ";
    assert_eq!(prefix.chars().count(), 33);
    assert!(xml.contains("startPosition=\"33\" endPosition=\"48\""), "{xml}");
    // "café felt like home 👩‍⚕️": starts at code point 33+15+11 = 59 ("Hard at first 😢, then the " is 26)
    let b_start = text[..text.find("café").unwrap()].chars().count();
    let b_len = "café felt like home 👩\u{200d}⚕️".chars().count();
    assert_eq!((b_start, b_len), (59, 24));
    assert!(xml.contains("startPosition=\"59\" endPosition=\"83\""), "{xml}");

    let (back, diags) = read_qdpx(&bytes, "study.qdpx").unwrap();
    assert_eq!(back, p);
    assert!(diags.iter().all(|d| d.kind == DiagnosticKind::Positions), "{diags:#?}");
    assert!(diags[0].message.contains("6 of 6"), "{}", diags[0]);
    // Deterministic bytes.
    assert_eq!(write_qdpx(&p).unwrap(), bytes);

    let qdc = write_qdc(Some("Idiograph"), &p.codes, &p.sets).unwrap();
    common::assert_valid(&qdc, "Codebook.xsd");
    let (codes, sets, _) = read_qdc(&qdc).unwrap();
    assert_eq!(codes, p.codes);
    assert_eq!(sets[0].member_codes, vec![g(11)]);
}

#[test]
fn writer_refuses_what_would_be_invalid() {
    let mut p = rich_project();
    p.codes[1].guid = "c001".into();
    assert!(matches!(write_qdpx(&p).unwrap_err().kind, RefiErrorKind::InvalidGuid { .. }));
    let mut p = rich_project();
    p.codes[1].guid = g(12);
    assert!(matches!(write_qdpx(&p).unwrap_err().kind, RefiErrorKind::DuplicateGuid(_)));
    let mut p = rich_project();
    p.sources[0].selections[0].codings[0].code_guid = g(999);
    assert!(matches!(write_qdpx(&p).unwrap_err().kind, RefiErrorKind::UnknownReference { .. }));
    let mut p = rich_project();
    p.codes[1].color = Some("rgb(1,2,3)".into());
    assert!(matches!(write_qdpx(&p).unwrap_err().kind, RefiErrorKind::InvalidColor { .. }));
    let mut p = rich_project();
    p.sources[1].selections.push(RefiSelection::new(g(70), Span::from_bounds(0.into(), 5.into())));
    assert!(matches!(write_qdpx(&p).unwrap_err().kind, RefiErrorKind::InvalidSpan { .. }));
}

/// A project file as NVivo for Windows writes it: origin "NVivo …", `Sources/`, the text in
/// UTF-8 with a BOM and CRLF, positions in UTF-16 code units counting CRLF as 2.
fn nvivo_style(origin: &str, unit_utf16: bool) -> (Vec<u8>, String, Vec<&'static str>) {
    let lines = [
        "Interviewer: Tell me about the first week.",
        "Sam: Honestly 😅 it was chaos — naïve me thought I'd cope.",
        "Sam: The nurses 👩\u{200d}⚕️ were kind; café au lait at 3am 🙂 helped.",
        "Interviewer: And now?",
        "Sam: Now it's home. 🏠 Strange to say.",
    ];
    let raw = lines.join("\r\n") + "\r\n";
    let quotes = vec![
        "Honestly 😅 it was chaos",
        "naïve me thought I'd cope",
        "café au lait at 3am 🙂 helped",
        "Now it's home. 🏠 Strange",
        "kind",
    ];
    let mut sels = String::new();
    for (i, q) in quotes.iter().enumerate() {
        let b = raw.find(q).unwrap();
        let (s, e) = if unit_utf16 {
            let s = raw[..b].encode_utf16().count();
            (s, s + q.encode_utf16().count())
        } else {
            let s = raw[..b].chars().count();
            (s, s + q.chars().count())
        };
        sels.push_str(&format!(
            "<PlainTextSelection guid=\"{}\" name=\"\" startPosition=\"{s}\" endPosition=\"{e}\"><Coding guid=\"{}\"><CodeRef targetGUID=\"{}\"/></Coding></PlainTextSelection>",
            g(100 + i as u32), g(200 + i as u32), g(10)
        ));
    }
    let qde = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Project xmlns=\"urn:QDA-XML:project:1:0\" name=\"NV\" origin=\"{origin}\">\
         <CodeBook><Codes><Code guid=\"{}\" name=\"coping\" isCodable=\"true\"/></Codes></CodeBook>\
         <Sources><TextSource guid=\"{}\" name=\"Sam\" plainTextPath=\"internal://{}.txt\">{sels}</TextSource></Sources></Project>",
        g(10), g(30), g(30)
    );
    let mut txt = b"\xEF\xBB\xBF".to_vec();
    txt.extend_from_slice(raw.as_bytes());
    let zip = common::zip_of(&[("project.qde", qde.as_bytes()), (&format!("Sources/{}.txt", g(30)), &txt)]);
    (zip, raw, quotes)
}

#[test]
fn nvivo_style_export_lands_every_selection() {
    let (zip, _, quotes) = nvivo_style("NVivo 12.6.0.959 (Windows)", true);
    let (p, diags) = read_qdpx(&zip, "nvivo.qdpx").unwrap();
    for d in &diags {
        eprintln!("{d}");
    }
    let s = &p.sources[0];
    let text = s.text.as_deref().unwrap();
    assert!(!text.starts_with('\u{feff}') && !text.contains('\r'));
    let got: Vec<&str> = s.selections.iter().map(|sel| sel.span.slice(text)).collect();
    assert_eq!(got, quotes);
    assert!(diags
        .iter()
        .any(|d| d.kind == DiagnosticKind::Positions && d.message.contains("UTF-16 code units (CRLF counted as 2)")));
    assert!(diags.iter().any(|d| d.message.contains("Sources/")));
    assert!(diags.iter().any(|d| d.message.contains("byte-order mark")));
    assert!(diags.iter().any(|d| d.message.contains("1:0")));
}

#[test]
fn a_wrong_unit_for_the_origin_is_detected_and_reported() {
    // Claims to be MAXQDA (code points expected) but counts UTF-16 units, CRLF as 2.
    let (zip, _, quotes) = nvivo_style("MAXQDA 2022", true);
    let (p, diags) = read_qdpx(&zip, "x.qdpx").unwrap();
    let text = p.sources[0].text.as_deref().unwrap();
    let got: Vec<&str> = p.sources[0].selections.iter().map(|sel| sel.span.slice(text)).collect();
    assert_eq!(got, quotes);
    assert!(diags.iter().any(|d| d.kind == DiagnosticKind::Positions && d.message.contains("although")), "{diags:#?}");
    // Claims NVivo but counts code points: also detected.
    let (zip, _, quotes) = nvivo_style("NVivo 14", false);
    let (p, _) = read_qdpx(&zip, "x.qdpx").unwrap();
    let text = p.sources[0].text.as_deref().unwrap();
    let got: Vec<&str> = p.sources[0].selections.iter().map(|sel| sel.span.slice(text)).collect();
    assert_eq!(got, quotes);
    // And a forced unit is obeyed.
    let opts = ReadOptions { unit: Some(PositionUnit::Utf16), ..ReadOptions::default() };
    let (zip, _, quotes) = nvivo_style("whatever", true);
    let (p, _) = read_qdpx_with(&zip, "x.qdpx", opts).unwrap();
    let text = p.sources[0].text.as_deref().unwrap();
    assert_eq!(p.sources[0].selections[0].span.slice(text), quotes[0]);
}

#[test]
fn atlas_style_crlf_counted_once() {
    let raw = "Q: Breakfast?\r\nA: Coke, always.\r\nQ: Why?\r\nA: It wakes me up.\r\n";
    let lf = raw.replace("\r\n", "\n");
    let mut sels = String::new();
    for (i, q) in ["Coke, always.", "It wakes me up.", "Why?"].iter().enumerate() {
        let s = lf.find(q).unwrap();
        sels.push_str(&format!(
            "<PlainTextSelection guid=\"{}\" name=\"{q}\" startPosition=\"{s}\" endPosition=\"{}\"/>",
            g(100 + i as u32),
            s + q.len()
        ));
    }
    let qde = format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"A\" origin=\"ATLAS.ti 9\"><Sources><TextSource guid=\"{}\" name=\"a\" plainTextPath=\"internal://{}.txt\">{sels}</TextSource></Sources></Project>",
        g(30), g(31)
    );
    let zip =
        common::zip_of(&[("My project.qde", qde.as_bytes()), (&format!("sources/{}.txt", g(31)), raw.as_bytes())]);
    let (p, diags) = read_qdpx(&zip, "a.qdpx").unwrap();
    let text = p.sources[0].text.as_deref().unwrap();
    for sel in &p.sources[0].selections {
        assert_eq!(sel.span.slice(text), sel.name.as_deref().unwrap());
    }
    assert!(diags.iter().any(|d| d.message.contains("\"My project.qde\"")));
}

#[test]
fn bad_selections_references_and_duplicates_are_reported() {
    let text = "Hello world, this is a text.";
    let qde = format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"B\">\
         <CodeBook><Codes><Code guid=\"{c}\" name=\"x\" isCodable=\"true\"/><Code guid=\"{c}\" name=\"dup\" isCodable=\"true\"/></Codes></CodeBook>\
         <Sources><TextSource guid=\"{s}\" name=\"t\"><PlainTextContent>{text}</PlainTextContent>\
           <PlainTextSelection guid=\"{a}\" startPosition=\"0\" endPosition=\"5\"><Coding guid=\"{k1}\"><CodeRef targetGUID=\"{c}\"/></Coding><Coding guid=\"{k2}\"><CodeRef targetGUID=\"{unknown}\"/></Coding><NoteRef targetGUID=\"{unknown}\"/></PlainTextSelection>\
           <PlainTextSelection guid=\"{b}\" startPosition=\"20\" endPosition=\"500\"/>\
           <PlainTextSelection guid=\"{d}\" startPosition=\"9\" endPosition=\"3\"/>\
           <PlainTextSelection guid=\"{a}\" startPosition=\"0\" endPosition=\"5\"/>\
           <PlainTextSelection guid=\"{e}\" startPosition=\"-1\" endPosition=\"5\"/>\
         </TextSource></Sources></Project>",
        c = g(1), s = g(2), a = g(3), b = g(4), d = g(5), e = g(6), k1 = g(7), k2 = g(8), unknown = g(999)
    );
    let (p, diags) = read_qde(qde.as_bytes()).unwrap();
    for d in &diags {
        eprintln!("{d}");
    }
    assert_eq!(p.counts().codes, 1);
    let s = &p.sources[0];
    assert_eq!(s.selections.len(), 1);
    assert_eq!(s.selections[0].span.slice(s.text.as_deref().unwrap()), "Hello");
    assert_eq!(s.selections[0].codings.len(), 1);
    assert!(s.selections[0].note_refs.is_empty());
    let has = |kind: DiagnosticKind, needle: &str| diags.iter().any(|d| d.kind == kind && d.message.contains(needle));
    assert!(has(DiagnosticKind::Skipped, "reaches past the end of the text (28 code points)"));
    assert!(has(DiagnosticKind::Skipped, "ends before it starts (9–3)"));
    assert!(has(DiagnosticKind::Skipped, &format!("duplicate GUID {}", g(1))));
    assert!(has(DiagnosticKind::Skipped, &format!("duplicate GUID {}", g(3))));
    assert!(has(DiagnosticKind::Skipped, &format!("refers to unknown code \"{}\"", g(999))));
    assert!(has(DiagnosticKind::Skipped, &format!("refers to unknown note {}", g(999))));
    assert!(has(DiagnosticKind::Skipped, "negative position"));
}

#[test]
fn hostile_archives_are_refused() {
    let qde = "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"H\"/>".to_owned();
    // Zip slip and absolute paths.
    for evil in ["../evil.txt", "sources/../../evil.txt", "/etc/passwd", "C:/x.txt", "..\\win.txt"] {
        let zip = common::zip_of(&[("project.qde", qde.as_bytes()), (evil, b"x")]);
        let err = read_qdpx(&zip, "evil.qdpx").unwrap_err();
        assert!(matches!(err.kind, RefiErrorKind::UnsafeEntryName(_)), "{evil}: {err}");
        assert!(err.to_string().starts_with("evil.qdpx: "));
    }
    // Not a zip; no project file.
    assert!(matches!(read_qdpx(b"hello", "x.qdpx").unwrap_err().kind, RefiErrorKind::NotZip(_)));
    let zip = common::zip_of(&[("sources/a.txt", b"x")]);
    assert_eq!(read_qdpx(&zip, "x.qdpx").unwrap_err().kind, RefiErrorKind::MissingProjectQde);
    // Zip bomb: a small archive that unpacks past the limits.
    let zeros = vec![0u8; 8 << 20];
    let zip = common::zip_of(&[("project.qde", &zeros)]);
    assert!(zip.len() < 100_000);
    let tight = ReadOptions {
        limits: ReadLimits {
            max_entries: 10,
            max_entry_bytes: 1 << 20,
            max_total_bytes: 4 << 20,
            ..ReadLimits::default()
        },
        unit: None,
    };
    assert!(matches!(read_qdpx_with(&zip, "bomb.qdpx", tight).unwrap_err().kind, RefiErrorKind::TooLarge { .. }));
    let qde_src = format!(
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"H\"><Sources><TextSource guid=\"{}\" plainTextPath=\"internal://a.txt\"/><TextSource guid=\"{}\" plainTextPath=\"internal://b.txt\"/></Sources></Project>",
        g(1), g(2)
    );
    let three_mb = vec![b'a'; 3 << 20];
    let zip = common::zip_of(&[
        ("project.qde", qde_src.as_bytes()),
        ("sources/a.txt", &three_mb),
        ("sources/b.txt", &three_mb),
    ]);
    let tight = ReadOptions {
        limits: ReadLimits {
            max_entries: 10,
            max_entry_bytes: 4 << 20,
            max_total_bytes: 5 << 20,
            ..ReadLimits::default()
        },
        unit: None,
    };
    let err = read_qdpx_with(&zip, "bomb.qdpx", tight).unwrap_err();
    assert!(matches!(&err.kind, RefiErrorKind::TooLarge { what, .. } if what == "the archive"), "{err}");
    let many: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("sources/{i}.txt"), vec![])).collect();
    let mut entries: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    entries.push(("project.qde", qde.as_bytes()));
    let zip = common::zip_of(&entries);
    assert!(matches!(read_qdpx_with(&zip, "many.qdpx", tight).unwrap_err().kind, RefiErrorKind::TooManyEntries { .. }));
}

#[test]
fn hostile_xml_is_refused() {
    let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE Project [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"&x;\"/>";
    assert_eq!(read_qde(xxe).unwrap_err().kind, RefiErrorKind::Dtd);
    let laughs = b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><Project name=\"&lol3;\"/>";
    assert_eq!(read_qde(laughs).unwrap_err().kind, RefiErrorKind::Dtd);
    let zip = common::zip_of(&[("project.qde", xxe)]);
    assert_eq!(read_qdpx(&zip, "x.qdpx").unwrap_err().kind, RefiErrorKind::Dtd);
    // An entity without a DTD is refused too.
    let e = read_qde(b"<Project name=\"a\"><Description>&x;</Description></Project>").unwrap_err();
    assert!(matches!(e.kind, RefiErrorKind::UndefinedEntity(_)));
    // Malformed, deep, wrong root: errors, never panics.
    assert!(matches!(read_qde(b"<Project name=\"a\"><Users>").unwrap_err().kind, RefiErrorKind::Xml { .. }));
    let deep = "<a>".repeat(10_000);
    assert!(matches!(read_qde(deep.as_bytes()).unwrap_err().kind, RefiErrorKind::TooDeep(_)));
    assert!(matches!(read_qde(b"<CodeBook/>").unwrap_err().kind, RefiErrorKind::WrongRoot { .. }));
    assert!(matches!(
        read_qde(b"\xff\xfe\x00").unwrap_err().kind,
        RefiErrorKind::Encoding(_) | RefiErrorKind::Xml { .. }
    ));
}

#[test]
fn mutated_archives_never_panic() {
    let bytes = write_qdpx(&rich_project()).unwrap();
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] = (state >> 32) as u8;
        }
        let _ = read_qdpx(&b, "m.qdpx");
    }
    let qde = write_project_qde(&rich_project()).unwrap();
    for cut in (0..qde.len()).step_by(97) {
        let _ = read_qde(&qde[..cut]);
    }
}

/// A source with a recording of it: the recording's bytes stored as they are under
/// `sources/<GUID>.<ext>`, its transcript the source's text file, sync points in code points.
fn recorded_project(kind: RefiMediaKind) -> RefiProject {
    let mut p = RefiProject::new("Recorded");
    p.origin = Some("Idiograph 0.1".into());
    let source = RefiSource::new(g(30), "Olivia", "Interviewer: Ça va? 😢\nOlivia: Oui, très bien.\n");
    let text = source.text.clone().unwrap();
    p.sources.push(source);
    let olivia = text.find("Olivia").unwrap();
    p.media.push(RefiMedia {
        guid: g(70),
        name: "olivia.mp3".into(),
        kind,
        extension: "mp3".into(),
        bytes: (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect(),
        transcript: RefiTranscript {
            guid: g(71),
            name: "Olivia".into(),
            source_guid: g(30),
            sync_points: vec![
                RefiSyncPoint { guid: g(72), time_ms: 0, position: 0.into() },
                RefiSyncPoint { guid: g(73), time_ms: 4_250, position: (olivia as u32).into() },
            ],
        },
        creating_user: None,
        creation_date: Some("2024-05-01T10:00:00Z".into()),
    });
    p
}

#[test]
fn a_recording_and_its_sync_points_round_trip_and_validate() {
    for kind in [RefiMediaKind::Audio, RefiMediaKind::Video] {
        let p = recorded_project(kind);
        let bytes = write_qdpx(&p).unwrap();
        let mut names = common::entry_names(&bytes);
        names.sort();
        assert_eq!(
            names,
            ["project.qde".to_owned(), format!("sources/{}.txt", g(30)), format!("sources/{}.mp3", g(70))]
        );
        assert_eq!(common::unzip_entry(&bytes, &format!("sources/{}.mp3", g(70))), p.media[0].bytes);
        let qde = common::unzip_entry(&bytes, "project.qde");
        common::assert_valid(&qde, "Project.xsd");
        let xml = String::from_utf8(qde).unwrap();
        let element = if kind == RefiMediaKind::Audio { "AudioSource" } else { "VideoSource" };
        assert!(
            xml.contains(&format!(
                "<{element} guid=\"{}\" name=\"olivia.mp3\" path=\"internal://{}.mp3\"",
                g(70),
                g(70)
            )),
            "{xml}"
        );
        assert!(
            xml.contains(&format!(
                "<Transcript guid=\"{}\" name=\"Olivia\" plainTextPath=\"internal://{}.txt\"",
                g(71),
                g(30)
            )),
            "{xml}"
        );
        // "Interviewer: Ça va? 😢\n" is 22 code points (26 bytes): positions are code points.
        assert!(xml.contains(&format!("<SyncPoint guid=\"{}\" timeStamp=\"4250\" position=\"22\"/>", g(73))), "{xml}");
        let (back, diagnostics) = read_qdpx(&bytes, "recorded.qdpx").unwrap();
        assert_eq!(back, p, "{diagnostics:?}");
        assert!(diagnostics.iter().all(|d| d.kind == DiagnosticKind::Positions), "{diagnostics:?}");
    }
}

#[test]
fn a_recording_whose_transcript_is_not_a_source_is_reported() {
    let mut p = recorded_project(RefiMediaKind::Audio);
    let bytes = write_qdpx(&p).unwrap();
    // The same archive without the text source: the recording has no transcript to go with.
    let xml = String::from_utf8(common::unzip_entry(&bytes, "project.qde")).unwrap();
    let start = xml.find("<TextSource").unwrap();
    let end = xml.find("<AudioSource").unwrap();
    let (project, diagnostics) = read_qde(format!("{}{}", &xml[..start], &xml[end..]).as_bytes()).unwrap();
    assert!(project.media.is_empty());
    let said: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(said.iter().any(|d| d.contains("audio source \"olivia.mp3\" not imported: its transcript")), "{said:?}");
    // A writer refuses a sync point inside a character.
    p.media[0].transcript.sync_points[1].position = 24.into();
    assert!(write_qdpx(&p).unwrap_err().to_string().contains("not on a character"));
}
