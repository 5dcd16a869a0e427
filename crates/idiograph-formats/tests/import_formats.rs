//! Round trips through every importer on fixtures built here (see `import_support`), and the
//! refusals each must give: one line, naming the file.

mod import_support;

use idiograph_formats::{import_transcript, ImportError, ImportOptions, ImportedTranscript, TranscriptFormat};
use import_support::*;

fn import(name: &str, bytes: &[u8]) -> ImportedTranscript {
    let t = import_transcript(name, bytes, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut previous_end = 0;
    for turn in &t.turns {
        let span = turn.span;
        assert!(span.start().to_usize() >= previous_end);
        assert!(span.contains_span(turn.label_span.unwrap()));
        assert_eq!(turn.label_span.unwrap().slice(&t.text), turn.label.as_deref().unwrap());
        previous_end = span.end().to_usize();
    }
    assert_eq!(idiograph_text::normalize(&t.text), t.text);
    t
}

fn labels(t: &ImportedTranscript) -> Vec<&str> {
    t.turns.iter().map(|turn| turn.label.as_deref().unwrap()).collect()
}

fn stamps(t: &ImportedTranscript) -> Vec<&str> {
    t.turns.iter().map(|turn| turn.timestamp.as_deref().unwrap_or("-")).collect()
}

fn messages(t: &ImportedTranscript) -> Vec<&str> {
    t.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

fn refuse(name: &str, bytes: &[u8]) -> String {
    let message = import_transcript(name, bytes, &ImportOptions::default()).unwrap_err().to_string();
    assert!(message.starts_with(&format!("{name}: ")), "{message}");
    assert!(!message.contains('\n'), "{message}");
    message
}

#[test]
fn teams_vtt_merges_cues_and_keeps_overlaps_apart() {
    let t = import("meeting.vtt", teams_vtt().as_bytes());
    assert_eq!(t.provenance.format, TranscriptFormat::WebVtt);
    // Cues 12-0 and 12-1 are one turn; cue 14-0 holds two voices (overlapping speech).
    assert_eq!(labels(&t), ["Zoë Ødegård", "Siobhán Ní Bhriain", "Zoë Ødegård", "Siobhán Ní Bhriain", "Zoë Ødegård"]);
    assert_eq!(stamps(&t), ["00:00:04.180", "00:00:09.000", "00:00:10.500", "00:00:10.500", "00:00:13.000"]);
    assert_eq!(t.turns[0].span.slice(&t.text), "[00:00:04.180] Zoë Ødegård: So, tell me about the first week.");
    assert_eq!(t.turns[3].span.slice(&t.text), "[00:00:10.500] Siobhán Ní Bhriain: Really & truly.");
    assert!(
        !t.text.contains("align:") && !t.text.contains("NOTE") && !t.text.contains("<i>") && !t.text.contains("6f1c")
    );
    assert!(messages(&t).contains(&"1 cue merged into the turn before (same speaker)"));
    // The text reads back through the plain-text importer to the same turns.
    let again = import("meeting.txt", t.text.as_bytes());
    assert_eq!(labels(&again), labels(&t));
    assert_eq!(stamps(&again), stamps(&t));
}

#[test]
fn zoom_vtt_and_srt() {
    let t = import("zoom.vtt", zoom_vtt().as_bytes());
    assert_eq!(labels(&t), ["Johnny Doe", "Janet Dough"]);
    assert_eq!(
        t.text,
        "[00:00:01.000] Johnny Doe: How you doing?\n\n[00:00:03.500] Janet Dough: Fine, thanks. And you?"
    );
    let t = import("film.srt", srt().as_bytes());
    assert_eq!(t.provenance.format, TranscriptFormat::Srt);
    assert_eq!(labels(&t), ["Zoë", "Dan"]);
    assert_eq!(stamps(&t), ["00:00:01,000", "00:00:03,500"]);
    assert_eq!(t.turns[1].span.slice(&t.text), "[00:00:03,500] Dan: At the start. Go on.");
    // Plain WebVTT without speakers: one paragraph per cue, nothing lost.
    let t =
        import("plain.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nHello <b>world</b>\n\n00:02.500 --> 00:03.000\nBye\n");
    assert_eq!(t.text, "[00:01.000] Hello world\n\n[00:02.500] Bye");
    assert!(t.turns.is_empty());
}

#[test]
fn teams_style_docx() {
    let t = import("teams.docx", &teams_docx());
    assert_eq!(t.provenance.format, TranscriptFormat::Docx);
    assert_eq!(labels(&t), ["Zoë Ødegård", "Siobhán Ní Bhriain", "Zoë Ødegård", "Siobhán Ní Bhriain"]);
    assert_eq!(stamps(&t), ["0:04", "0:11", "1:02", "1:09"]);
    // Line breaks and tabs survive; the overlap marker and "(inaudible …)" stay in the text.
    assert_eq!(
        t.turns[1].span.slice(&t.text),
        "Siobhán Ní Bhriain   0:11\n\nHard [overlapping] — yes.\nI mean, really hard."
    );
    assert!(t.turns[0].span.slice(&t.text).ends_with("first week.\tIt was hard."));
    assert!(t.text.contains("(inaudible 00:01:05)") && t.text.contains("Everything & nothing <really>."));
    // Metadata is reported, never imported.
    assert!(!t.text.contains("Secret"));
    assert!(messages(&t).contains(&"document metadata (author, company) was not imported"));
    assert!(messages(&t).contains(&"text before the first speaker label is not part of any turn (1 line)"));
}

#[test]
fn two_column_table_docx() {
    let t = import("table.docx", &table_docx());
    assert_eq!(labels(&t), ["Interviewer", "Zoë", "Interviewer"]);
    assert_eq!(t.turns[1].span.slice(&t.text), "Zoë: Lost, at first.\n\nThen less so.");
    assert!(t.text.starts_with("Transcript 12\n\nSpeaker\tText\n\nInterviewer: How did you feel?"));
    assert!(t.text.ends_with("End of transcript"));
    assert!(messages(&t).contains(&"read 1 table as speaker | text columns"));
}

#[test]
fn odt_round_trip() {
    let t = import("i3.odt", &odt());
    assert_eq!(t.provenance.format, TranscriptFormat::Odt);
    assert_eq!(labels(&t), ["Dan", "Zoë", "Dan"]);
    assert_eq!(t.text, "Interview 3\n\nDan: Hello  there,\tZoë.\n\nZoë: Hi & welcome.\nSecond line.\n\nDan: Bye.");
    assert!(messages(&t).contains(&"document metadata (author, company) was not imported"));
}

#[test]
fn rtf_round_trip() {
    let t = import("r.rtf", rtf().as_bytes());
    assert_eq!(t.provenance.format, TranscriptFormat::Rtf);
    assert_eq!(t.provenance.encoding, "windows-1252");
    assert_eq!(labels(&t), ["Interviewer", "Renée", "Interviewer"]);
    assert_eq!(
        t.text,
        "Interviewer: Café or tea? It’s up to you.\n\nRenée:\tTea, please.\nWith milk.\n\nInterviewer: Noted."
    );
    assert!(!t.text.contains("Secret") && !t.text.contains("Times New Roman") && !t.text.contains("Msftedit"));
}

#[test]
fn text_pdf_drops_running_headers_and_page_numbers() {
    let lines = interview_lines(12, 1);
    let pages: Vec<Vec<String>> = lines.chunks(4).map(<[String]>::to_vec).collect();
    let t = import("p.pdf", &text_pdf(&pages));
    assert_eq!(t.provenance.format, TranscriptFormat::Pdf);
    assert_eq!(t.turns.len(), 12);
    assert!(!t.text.contains("confidential"), "running header dropped");
    assert!(!t.text.lines().any(|l| l.trim() == "2"), "page numbers dropped");
    for line in &lines {
        assert!(t.text.contains(line.as_str()), "{line}");
    }
}

#[test]
fn plain_text_timestamp_forms() {
    let text = "[00:12:34] Dan: So.\n\\[01:46\\] Sam: Well (inaudible 00:12:40) yes.\n(inaudible 00:12:50)\nDan: 00:13:00 Right.\n";
    let t = import("t.txt", text.as_bytes());
    assert_eq!(labels(&t), ["Dan", "Sam", "Dan"]);
    assert_eq!(stamps(&t), ["00:12:34", "01:46", "00:13:00"]);
    assert_eq!(t.turns[1].span.slice(&t.text), "\\[01:46\\] Sam: Well (inaudible 00:12:40) yes.\n(inaudible 00:12:50)");
    // Otter: `Name  0:03` on its own line, then the words.
    let otter = "Olivia Smith  0:03\nThanks for joining.\n\nSiobhán  0:09\nHappy to.\n";
    let t = import("otter.txt", otter.as_bytes());
    assert_eq!(labels(&t), ["Olivia Smith", "Siobhán"]);
    assert_eq!(stamps(&t), ["0:03", "0:09"]);
}

#[test]
fn refusals_name_the_file_and_the_reason() {
    assert!(refuse("a.docx", b"PK\x03\x04garbage").starts_with("a.docx: corrupt zip archive ("));
    let mut doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
    doc.resize(2048, 0);
    assert_eq!(refuse("old.docx", &doc), "old.docx: this is a Word 97–2003 .doc file; save it as .docx");
    let mut encrypted = doc.clone();
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(
        refuse("locked.docx", &encrypted),
        "locked.docx: the file is password-protected; remove the password and import it again"
    );
    let no_document = zip_of(&[("hello.txt", b"hi")]);
    assert_eq!(refuse("x.docx", &no_document), "x.docx: not a Word document (no word/document.xml)");
    assert_eq!(refuse("x.odt", &no_document), "x.odt: not an OpenDocument text (no content.xml)");
    assert_eq!(
        refuse("scan.pdf", &image_only_pdf()),
        "scan.pdf: the PDF has no text layer (scanned pages?); run OCR first"
    );
    assert_eq!(refuse("x.pdf", b"hello"), "x.pdf: not a PDF file (no %PDF header)");
    assert!(refuse("x.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF").starts_with("x.pdf: "));
    assert_eq!(refuse("x.rtf", b"hello"), "x.rtf: not an RTF file (it does not start with {\\rtf)");
    assert_eq!(
        refuse("x.vtt", b"1\n00:01 --> 00:02\nhi\n"),
        "x.vtt: not a WebVTT file (it does not start with WEBVTT)"
    );
    assert_eq!(refuse("x.srt", b"just words\n"), "x.srt: no SubRip cues found (no 'start --> end' lines)");
    for name in ["n.vtt", "n.srt", "n.txt"] {
        assert_eq!(refuse(name, b"WEBVTT\n\0\0\0"), format!("{name}: binary content (NUL bytes), not a transcript"));
    }
    let mut seed = 11u32;
    let garbage: Vec<u8> = (0..8192)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as u8
        })
        .collect();
    for name in ["g.docx", "g.odt", "g.pdf", "g.rtf", "g.vtt", "g.srt", "g.txt"] {
        refuse(name, &garbage);
    }
    for name in ["e.docx", "e.odt", "e.pdf", "e.rtf", "e.vtt", "e.srt"] {
        assert_eq!(refuse(name, b""), format!("{name}: the file is empty"));
    }
}

#[test]
fn zip_bombs_are_refused() {
    // 30 MB of zeros deflate to about 30 kB: a 1000:1 entry, over the 200:1 limit for entries
    // above 10 MB. (Building a 40 MB one would make the test slow; the total limit is the
    // same code path with a different bound, covered by the entry-count case below.)
    let zeros = vec![0u8; 30_000_000];
    let bomb = zip_of(&[("word/document.xml", &zeros)]);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let message = refuse("bomb.docx", &bomb);
    assert!(
        message.starts_with("bomb.docx: refused as a possible zip bomb ('word/document.xml' is compressed"),
        "{message}"
    );
    let odt_bomb = zip_of(&[("content.xml", &zeros)]);
    assert!(refuse("bomb.odt", &odt_bomb).contains("zip bomb"));
    // More than 10,000 entries.
    let names: Vec<String> = (0..10_001).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let many = zip_of(&entries);
    assert_eq!(
        refuse("many.docx", &many),
        "many.docx: refused as a possible zip bomb (10001 entries, the limit is 10000)"
    );
}

#[test]
fn size_limit_applies_to_every_format() {
    for name in ["a.docx", "a.odt", "a.pdf", "a.rtf", "a.vtt", "a.srt"] {
        let err = import_transcript(name, &[b'x'; 100], &ImportOptions { max_bytes: 10 }).unwrap_err();
        assert!(matches!(err, ImportError::TooLarge { size: 100, limit: 10, .. }), "{name}");
    }
}

/// A Word list paragraph at `level` (Word writes its automatic numbers outside the text).
fn w_list(level: u8, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"ListParagraph\"/><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>",
        xml_escape(text)
    )
}

#[test]
fn an_interview_guide_in_word_takes_its_questions_and_prompts_from_the_list_levels() {
    let body = [
        w_p("Interview guide: Balint groups"),
        w_p("Thank the participant and check consent."),
        w_list(0, "How did you come to join the group?"),
        w_list(1, "What did you know about Balint before?"),
        w_list(0, "What was the group like"),
        w_list(1, "The leaders"),
        w_list(2, "The first session"),
        w_p("Q3. Is there anything else you’d like to add?"),
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:delText>Deleted question?</w:delText></w:r></w:p>".to_owned(),
    ]
    .concat();
    let guide =
        idiograph_formats::import_guide("guide.docx", &docx_with_body(&body), &ImportOptions::default()).unwrap();
    let read: Vec<(&str, Vec<&str>)> =
        guide.questions.iter().map(|q| (q.text.as_str(), q.prompts.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        read,
        [
            ("How did you come to join the group?", vec!["What did you know about Balint before?"]),
            // A numbered item is a question though it lacks its question mark; deeper levels are prompts.
            ("What was the group like", vec!["The leaders", "The first session"]),
            ("Is there anything else you’d like to add?", vec![]),
        ]
    );
    assert_eq!(guide.skipped, ["Interview guide: Balint groups", "Thank the participant and check consent."]);
}

#[test]
fn a_damaged_word_guide_is_refused_naming_the_file() {
    let e =
        idiograph_formats::import_guide("guide.docx", b"PK\x03\x04 not really", &ImportOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("guide.docx: "), "{e}");
}
