//! Fixture files built in memory for the importer tests and the benchmark: nothing binary is
//! committed; zips are written with the `zip` crate, XML and PDF syntax as strings.
#![allow(dead_code)]

use std::io::Write as _;
use zip::write::SimpleFileOptions;

/// A zip archive of `(name, bytes)` entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Escapes text for XML.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A `w:p` with one run, `\n` written as `w:br` and `\t` as `w:tab`.
pub fn w_p(text: &str) -> String {
    let mut runs = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            runs.push_str("<w:br/>");
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                runs.push_str("<w:tab/>");
            }
            runs.push_str(&format!("<w:t xml:space=\"preserve\">{}</w:t>", xml_escape(part)));
        }
    }
    format!("<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>{runs}</w:r></w:p>")
}

/// A `.docx` whose body is `body` (WordprocessingML), with author and company metadata.
pub fn docx_with_body(body: &str) -> Vec<u8> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document \
         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
    );
    zip_of(&[
        ("[Content_Types].xml", b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"),
        ("_rels/.rels", b"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"),
        ("word/document.xml", document.as_bytes()),
        ("docProps/core.xml", "<?xml version=\"1.0\"?><cp:coreProperties xmlns:cp=\"x\" xmlns:dc=\"y\"><dc:creator>Secret Author</dc:creator><cp:lastModifiedBy>Secret Editor</cp:lastModifiedBy></cp:coreProperties>".as_bytes()),
        ("docProps/app.xml", b"<?xml version=\"1.0\"?><Properties><Company>Secret Company Ltd</Company></Properties>"),
    ])
}

/// Microsoft Teams' Word transcript layout: `Name   0:04` then the turn, non-ASCII names.
pub fn teams_docx() -> Vec<u8> {
    let mut body = w_p("Interview with P7");
    for (name, time, text) in TEAMS_TURNS {
        body.push_str(&w_p(&format!("{name}   {time}")));
        body.push_str(&w_p(text));
    }
    docx_with_body(&body)
}

/// (speaker, start, words) of the Teams fixtures.
pub const TEAMS_TURNS: [(&str, &str, &str); 4] = [
    ("Zoë Ødegård", "0:04", "So, tell me about the first week.\tIt was hard."),
    ("Siobhán Ní Bhriain", "0:11", "Hard [overlapping] — yes.\nI mean, really hard."),
    ("Zoë Ødegård", "1:02", "What made it hard? (inaudible 00:01:05)"),
    ("Siobhán Ní Bhriain", "1:09", "Everything & nothing <really>."),
];

/// A two-column table: speaker | text, with a header row and a continuation row.
pub fn table_docx() -> Vec<u8> {
    let cell = |text: &str| format!("<w:tc><w:tcPr/>{}</w:tc>", w_p(text));
    let row = |a: &str, b: &str| format!("<w:tr>{}{}</w:tr>", cell(a), cell(b));
    let body = format!(
        "{}<w:tbl><w:tblPr/>{}{}{}{}{}</w:tbl>{}",
        w_p("Transcript 12"),
        row("Speaker", "Text"),
        row("Interviewer", "How did you feel?"),
        row("Zoë", "Lost, at first."),
        row("", "Then less so."),
        row("Interviewer", "Thank you."),
        w_p("End of transcript")
    );
    docx_with_body(&body)
}

/// An `.odt` with headings, spaces, tabs, line breaks, a note and a speaker table.
pub fn odt() -> Vec<u8> {
    let content = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
        xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"><office:body><office:text>\
        <text:h text:outline-level=\"1\">Interview 3</text:h>\
        <text:p>Dan: Hello<text:s text:c=\"2\"/>there,<text:tab/>Zoë.<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note></text:p>\
        <text:p>Zoë: Hi &amp; welcome.<text:line-break/>Second line.</text:p>\
        <text:p>Dan: Bye.</text:p>\
        </office:text></office:body></office:document-content>";
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
        ("meta.xml", b"<office:document-meta><office:meta><meta:initial-creator>Secret Author</meta:initial-creator></office:meta></office:document-meta>"),
        ("META-INF/manifest.xml", b"<manifest:manifest/>"),
    ])
}

/// A Teams WebVTT: GUID cue ids, merged cues, two voices in one cue (overlap), NOTE/STYLE.
pub fn teams_vtt() -> String {
    "WEBVTT\n\nNOTE Teams transcript\n\nSTYLE\n::cue { color: white }\n\n\
     6f1c/12-0\n00:00:04.180 --> 00:00:06.000 align:start position:10%\n<v Zoë Ødegård>So, tell me about</v>\n\n\
     6f1c/12-1\n00:00:06.000 --> 00:00:08.900\n<v Zoë Ødegård>the first week.</v>\n\n\
     6f1c/13-0\n00:00:09.000 --> 00:00:11.000\n<v Siobhán Ní Bhriain>It was <i>hard</i>.</v>\n\n\
     6f1c/14-0\n00:00:10.500 --> 00:00:12.000\n<v Zoë Ødegård>Mm.</v> <v Siobhán Ní Bhriain>Really &amp; truly.</v>\n\n\
     6f1c/15-0\n00:00:13.000 --> 00:00:15.000\n<v.loud Zoë Ødegård>Why?</v>\n"
        .to_owned()
}

/// A Zoom WebVTT (`Name: text` inside cues, numeric ids).
pub fn zoom_vtt() -> String {
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJohnny Doe: How you doing?\n\n2\n00:00:03.500 --> 00:00:05.000\nJanet Dough: Fine, thanks.\n\n\
     3\n00:00:05.000 --> 00:00:06.000\nJanet Dough: And you?\n"
        .to_owned()
}

/// A SubRip file with speaker names, CRLF line ends and a formatting tag.
pub fn srt() -> String {
    "1\r\n00:00:01,000 --> 00:00:03,000\r\nZoë: Where were we?\r\n\r\n2\r\n00:00:03,500 --> 00:00:05,000\r\n<i>Dan:</i> At the start.\r\n\r\n\
     3\r\n00:00:05,000 --> 00:00:06,000\r\nDan: Go on.\r\n"
        .to_owned()
}

/// An RTF transcript with `\'e9`, `\u8217?`, a font table and `\info`.
pub fn rtf() -> String {
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}}{\colortbl;\red0\green0\blue0;}{\info{\author Secret Author}{\company Secret Company}}{\*\generator Msftedit 5.41;}
\pard\f0\fs24 Interviewer: Caf\'e9 or tea? It\u8217?s up to you.\par
Ren\'e9e:\tab Tea, please.\line With milk.\par
Interviewer: {\b Noted}.\par
}"
    .to_owned()
}

/// A PDF with one page per entry of `pages`, each a list of lines set in Helvetica 11 pt,
/// plus a running header and a page number; hand-written syntax with a correct xref table.
pub fn text_pdf(pages: &[Vec<String>]) -> Vec<u8> {
    let escape = |s: &str| s.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
    let mut objects: Vec<String> = Vec::new();
    let n = pages.len();
    // 1 catalog, 2 pages, 3 font, then per page: page object and content stream.
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".to_owned());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned());
    for (i, lines) in pages.iter().enumerate() {
        let mut content = String::from("BT /F1 9 Tf 72 800 Td (Study X - confidential) Tj ET\n");
        content.push_str("BT /F1 11 Tf 72 760 Td 14 TL\n");
        for line in lines {
            content.push_str(&format!("({}) Tj T*\n", escape(line)));
        }
        content.push_str(&format!("ET\nBT /F1 9 Tf 300 40 Td ({}) Tj ET\n", i + 1));
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content));
    }
    assemble_pdf(&objects)
}

/// A PDF whose only page paints an image: no text operators at all.
pub fn image_only_pdf() -> Vec<u8> {
    let content = "q 200 0 0 200 100 400 cm /Im1 Do Q\n";
    let objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\u{0}\u{7f}\u{7f}\u{0}endstream".to_owned(),
    ];
    assemble_pdf(&objects)
}

fn assemble_pdf(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{}\nendobj\n", i + 1, object).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// Interview-shaped lines: alternating speakers, varied sentence lengths.
pub fn interview_lines(turns: usize, seed: u64) -> Vec<String> {
    const WORDS: [&str; 24] = [
        "I", "think", "the", "first", "week", "was", "really", "hard", "because", "nobody", "told", "me", "what", "to",
        "expect", "and", "so", "it", "felt", "like", "being", "lost", "at", "sea",
    ];
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..turns)
        .map(|i| {
            let speaker = if i % 2 == 0 { "Interviewer" } else { "Participant" };
            let words = 8 + next() % 60;
            let text: Vec<&str> = (0..words).map(|_| WORDS[next() % WORDS.len()]).collect();
            format!("{speaker}: {}.", text.join(" "))
        })
        .collect()
}
