//! The publication exports read back: Word and Excel packages (structure and content), CSV
//! quoting and formula guard, the PNG figure, the annotated transcript, audit trail and COREQ,
//! and — where LibreOffice is installed — conversion of the Office files to PDF.

use std::io::Read as _;
use std::path::Path;
use std::process::Command;

use calamine::{open_workbook_from_rs, Data, Reader as _, Xlsx};
use idiograph_formats::*;

const PEOPLE: [&str; 3] = ["Olivia", "Rachel", "Tom"];

fn labels() -> ReportLabels {
    ReportLabels {
        statement: "Experiential statement".into(),
        statements: "Experiential statements".into(),
        pet: "Personal experiential theme (PET)".into(),
        pets: "Personal experiential themes (PETs)".into(),
        get: "Group experiential theme (GET)".into(),
        gets: "Group experiential themes (GETs)".into(),
        sub_theme: "Sub-theme".into(),
        sub_themes: "Sub-themes".into(),
    }
}

/// A study shaped like the Balint poster: three participants, two GETs.
fn poster() -> StudyReport {
    let sub = |title: &str, who: &[&str], quote: &str, cite: &str| ReportGet {
        title: title.into(),
        description: None,
        sub_themes: Vec::new(),
        contributing: who
            .iter()
            .map(|w| ReportContribution { pseudonym: (*w).into(), pet_title: format!("{w}: {title}") })
            .collect(),
        extracts: vec![ReportExtract { quote: quote.into(), pseudonym: who[0].into(), citation: cite.into() }],
    };
    let gets = vec![
        ReportGet {
            title: "Psychological Benefits".into(),
            description: Some("How the group eased the weight of the work.".into()),
            sub_themes: vec![
                sub(
                    "Reducing Burnout",
                    &PEOPLE,
                    "Made me feel kind of bolstered and supported and more resilient to potential burnout.",
                    "(Olivia, p. 1, ll. 12–14)",
                ),
                sub("Catharsis", &["Rachel", "Tom"], "It was like a weight had been lifted", "(Rachel, p. 2, l. 3)"),
            ],
            contributing: Vec::new(),
            extracts: Vec::new(),
        },
        ReportGet {
            title: "Social Benefits".into(),
            description: None,
            sub_themes: vec![sub(
                "Peer Support",
                &PEOPLE,
                "A lot of support and reassurance for what I did",
                "(Rachel, p. 3, ll. 1–2)",
            )],
            contributing: Vec::new(),
            extracts: Vec::new(),
        },
    ];
    let row = |title: &str, depth: usize, who: &[&str]| ReportRecurrenceRow {
        title: title.into(),
        depth,
        cells: PEOPLE
            .iter()
            .map(|p| ReportCell { present: who.contains(p), statements: usize::from(who.contains(p)) * 2, extracts: 0 })
            .collect(),
        contributors: who.len(),
        meets_rule: who.len() >= 2,
    };
    StudyReport {
        title: "GP trainees' experiences of Balint groups".into(),
        research_question: Some("What are the experiences of GPs who were part of a Balint group?".into()),
        generated_at: "2025-01-31".into(),
        labels: labels(),
        participants: PEOPLE
            .iter()
            .map(|p| ReportParticipant {
                pseudonym: (*p).into(),
                attributes: vec![("Training stage".into(), "ST3".into())],
                interview: Some("2024-03-10, Teams, 45 min".into()),
                transcripts: vec![format!("T1 {p}")],
            })
            .collect(),
        cases: PEOPLE
            .iter()
            .map(|p| ReportCase {
                pseudonym: (*p).into(),
                pets: vec![ReportPet {
                    title: format!("Respite ({p})"),
                    description: None,
                    sub_themes: Vec::new(),
                    statements: vec![ReportStatement {
                        text: "Balint as a space to offload".into(),
                        citation: "p. 1, ll. 12–14".into(),
                    }],
                    extracts: Vec::new(),
                }],
            })
            .collect(),
        gets,
        recurrence: ReportRecurrence {
            participants: PEOPLE.iter().map(|p| (*p).into()).collect(),
            rows: vec![
                row("Psychological Benefits", 0, &PEOPLE),
                row("Reducing Burnout", 1, &PEOPLE),
                row("Catharsis", 1, &["Rachel", "Tom"]),
                row("Social Benefits", 0, &PEOPLE),
                row("Peer Support", 1, &PEOPLE),
            ],
            rule: "at least half of the participants (2 of 3)".into(),
        },
        journal: vec![ReportJournalEntry {
            at: "2024-05-02".into(),
            author: "AM".into(),
            text: "My own Balint experience was positive.\n\nI must watch for that.".into(),
            link: None,
        }],
        trail: PEOPLE
            .iter()
            .map(|p| ReportTrailCase {
                pseudonym: (*p).into(),
                themes: vec![ReportTrailTheme {
                    title: format!("TH1 Respite ({p})"),
                    depth: 0,
                    members: vec![ReportTrailMember {
                        id: "S1".into(),
                        text: "Balint as a space to offload".into(),
                        lines: "p. 1, ll. 12–14".into(),
                        strategy: "abstraction".into(),
                        rationale: format!("{p} returns to relief in every answer"),
                        author: "AM".into(),
                        at: "2024-04-02T10:15:00Z".into(),
                        notes: vec![ReportTrailNote {
                            id: "N2".into(),
                            kind: "conceptual".into(),
                            text: "offloading as survival".into(),
                            lines: "p. 1, l. 13".into(),
                        }],
                    }],
                }],
            })
            .collect(),
    }
}

fn tables() -> ReportTables {
    ReportTables {
        statements: vec![ReportStatementRow {
            id: "S1".into(),
            participant: "Olivia".into(),
            transcript: "T1".into(),
            pet: "Respite (Olivia)".into(),
            text: "Balint as a space to offload".into(),
            citation: "p. 1, ll. 12–14".into(),
            anchor: "bolstered and supported".into(),
        }],
        notes: vec![
            ReportNoteRow {
                id: "N1".into(),
                participant: "Olivia".into(),
                transcript: "T1".into(),
                kind: "Linguistic".into(),
                text: "=HYPERLINK(\"http://x\")".into(),
                citation: "p. 1, l. 12".into(),
                anchor: "kind of, \"bolstered\"\nsupported".into(),
            },
            ReportNoteRow {
                id: "N2".into(),
                participant: "Tom".into(),
                transcript: "T1".into(),
                kind: "Conceptual".into(),
                text: "-resilience as armour".into(),
                citation: "p. 2, l. 1".into(),
                anchor: "@burnout".into(),
            },
        ],
    }
}

/// The text of one part of a zip package.
fn part(zip_bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).ok()?;
    let mut file = archive.by_name(name).ok()?;
    let mut out = Vec::new();
    file.read_to_end(&mut out).ok()?;
    Some(out)
}

fn part_text(zip_bytes: &[u8], name: &str) -> String {
    String::from_utf8(part(zip_bytes, name).unwrap_or_else(|| panic!("no part {name}"))).expect("utf-8 part")
}

#[test]
fn docx_has_styled_headings_tables_quotes_and_the_figure() {
    let report = poster();
    let bytes = render_docx(&report).expect("docx");
    assert_eq!(render_docx(&report).expect("docx"), bytes, "same model, same bytes");
    let doc = part_text(&bytes, "word/document.xml");
    let styles = part_text(&bytes, "word/styles.xml");
    for id in ["Heading1", "Heading2", "Heading3", "Quote", "Title", "TableGrid", "Caption"] {
        assert!(styles.contains(&format!("w:styleId=\"{id}\"")), "style {id} defined");
    }
    assert!(styles.contains("<w:name w:val=\"heading 1\"/>"), "built-in heading name");
    assert!(doc.contains("<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Participants</w:t>"));
    assert!(doc.contains(
        "<w:pStyle w:val=\"Heading2\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Psychological Benefits</w:t>"
    ));
    assert!(
        doc.contains("<w:pStyle w:val=\"Heading3\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Reducing Burnout</w:t>")
    );
    // Quotes in the Quote style, with their citation.
    let quote = doc.find("Made me feel kind of bolstered").expect("quote present");
    let before = &doc[..quote];
    assert!(before.rfind("<w:pStyle w:val=\"Quote\"/>") > before.rfind("<w:p>"), "quote paragraph uses Quote");
    assert!(doc[quote..].contains("(Olivia, p. 1, ll. 12–14)"));
    // Real tables with repeating header rows; the GET table gives recurrence as n/N.
    assert!(doc.matches("<w:tbl>").count() >= 5, "participants, GETs, recurrence and three PET tables");
    assert!(doc.matches("<w:tblHeader/>").count() >= 5);
    assert!(doc.contains(">3/3<") && doc.contains(">2/3<"));
    // Appendix PET tables give page:line references.
    assert!(doc.contains(">1:12–14<"));
    // The figure is embedded.
    assert!(doc.contains("r:embed=\"rIdImage1\""));
    let rels = part_text(&bytes, "word/_rels/document.xml.rels");
    assert!(rels.contains("Target=\"media/image1.png\""));
    let png = part(&bytes, "word/media/image1.png").expect("image part");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(part_text(&bytes, "[Content_Types].xml").contains("Extension=\"png\""));
    // The journal.
    assert!(doc.contains("I must watch for that."));
}

#[test]
fn docx_has_the_analytic_trail_appendix_per_case() {
    let mut report = poster();
    report.trail[2].themes[0].members.clear();
    let doc = part_text(&render_docx(&report).expect("docx"), "word/document.xml");
    let appendix = doc.find(">Appendix: analytic trail by participant<").expect("trail appendix heading");
    let trail = &doc[appendix..];
    // One table per case with clustered members: Olivia's and Rachel's; Tom has nothing yet.
    let olivia = trail.find(">Olivia<").expect("Olivia's heading");
    let rachel = trail.find(">Rachel<").expect("Rachel's heading");
    let tom = trail.find(">Tom<").expect("Tom's heading");
    assert_eq!(trail[olivia..rachel].matches("<w:tbl>").count(), 1, "one table for Olivia");
    assert!(trail[tom..].contains("No Experiential statements clustered yet."));
    let table = &trail[olivia..rachel];
    for column in ["Member", "Strategy", "Rationale", "Who", "When", "Source notes"] {
        assert!(table.contains(&format!(">{column}<")), "column {column}");
    }
    assert!(table.contains("<w:tblHeader/>"), "the header row repeats on each page");
    assert!(table.contains(">TH1 Respite (Olivia)<"), "the PET's group row");
    // The member's row: the statement with its lines, how and why, who and when, its notes.
    let cells = [
        "S1 Balint as a space to offload (p. 1, ll. 12–14)",
        "abstraction",
        "Olivia returns to relief in every answer",
        "AM",
        "2024-04-02T10:15:00Z",
        "N2 (conceptual, p. 1, l. 13): offloading as survival",
    ];
    let mut at = 0;
    for c in cells {
        let found = table[at..].find(&format!(">{c}<")).unwrap_or_else(|| panic!("cell {c:?} in order"));
        at += found;
    }
}

#[test]
fn docx_escapes_hostile_text() {
    let mut report = poster();
    report.title = "<w:p>& \"x\" \u{1}".into();
    report.gets[0].sub_themes[0].extracts[0].quote = "</w:t><w:t>injected".into();
    report.trail[0].themes[0].members[0].rationale = "</w:t><w:t>rationale".into();
    report.trail[0].themes[0].members[0].notes[0].text = "</w:t><w:t>note".into();
    let bytes = render_docx(&report).expect("docx");
    let doc = part_text(&bytes, "word/document.xml");
    assert!(doc.contains("&lt;/w:t&gt;&lt;w:t&gt;rationale") && doc.contains("&lt;/w:t&gt;&lt;w:t&gt;note"));
    assert!(doc.contains("&lt;w:p&gt;&amp; &quot;x&quot; "));
    assert!(doc.contains("&lt;/w:t&gt;&lt;w:t&gt;injected"));
    assert!(!doc.contains('\u{1}'));
}

#[test]
fn xlsx_has_every_sheet_and_reads_back() {
    let bytes = render_xlsx(&poster(), &tables()).expect("xlsx");
    assert_eq!(render_xlsx(&poster(), &tables()).expect("xlsx"), bytes, "same model, same bytes");
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens it");
    assert_eq!(book.sheet_names(), ["GETs", "PETs", "Statements", "Recurrence", "Extracts", "Notes"]);
    let gets = book.worksheet_range("GETs").expect("GETs");
    assert_eq!(gets.get_value((0, 0)), Some(&Data::String("Group experiential theme (GET)".into())));
    assert_eq!(gets.get_value((2, 1)), Some(&Data::String("Reducing Burnout".into())));
    assert_eq!(gets.get_value((2, 3)), Some(&Data::Float(3.0)), "participants as a number");
    let rec = book.worksheet_range("Recurrence").expect("Recurrence");
    assert_eq!(rec.get_value((0, 2)), Some(&Data::String("Olivia".into())));
    assert_eq!(rec.get_value((3, 0)), Some(&Data::String("Catharsis".into())));
    assert_eq!(rec.get_value((3, 2)), Some(&Data::String("—".into())), "Olivia lacks Catharsis");
    assert_eq!(rec.get_value((3, 7)), Some(&Data::String("yes".into())));
    let st = book.worksheet_range("Statements").expect("Statements");
    assert_eq!(st.get_value((1, 5)), Some(&Data::String("p. 1, ll. 12–14".into())));
    let notes = book.worksheet_range("Notes").expect("Notes");
    // In the workbook a formula-looking note is a plain string, never a formula.
    assert_eq!(notes.get_value((1, 4)), Some(&Data::String("=HYPERLINK(\"http://x\")".into())));
    let ex = book.worksheet_range("Extracts").expect("Extracts");
    assert_eq!(ex.get_value((1, 4)), Some(&Data::String("(Olivia, p. 1, ll. 12–14)".into())));
}

#[test]
fn csv_quotes_per_rfc_4180_and_guards_formulas() {
    let notes = render_csv(&poster(), &tables(), ReportTable::Notes);
    let mut lines = notes.split("\r\n");
    assert_eq!(lines.next(), Some("ID,Participant,Transcript,Kind,Note,Citation,Anchored text"));
    assert!(notes.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","), "{notes}");
    assert!(notes.contains(",\"kind of, \"\"bolstered\"\"\nsupported\"\r\n"), "{notes}");
    assert!(notes.contains(",'-resilience as armour,"));
    assert!(notes.ends_with(",'@burnout\r\n"));
    let gets = render_csv(&poster(), &tables(), ReportTable::Gets);
    assert!(gets.contains("\r\nPsychological Benefits,Reducing Burnout,1,3,3,"), "{gets}");
    for table in ReportTable::ALL {
        let csv = render_csv(&poster(), &tables(), table);
        assert!(csv.ends_with("\r\n") && csv.lines().count() >= 2, "{} has a header and rows", table.name());
    }
}

/// A PNG's size in pixels and its `pHYs` resolution in pixels per metre, read with the `png`
/// decoder (which also checks every chunk's CRC and the image data).
fn decode_png(bytes: &[u8]) -> (u32, u32, Option<(u32, u32)>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    reader.next_frame(&mut pixels).expect("the image decodes");
    let info = reader.info();
    let dims = info.pixel_dims.filter(|d| d.unit == png::Unit::Meter).map(|d| (d.xppu, d.yppu));
    (info.width, info.height, dims)
}

#[test]
fn figure_pngs_decode_at_300_dpi() {
    for figure in Figure::ALL {
        let png = render_figure_png(&poster(), figure).expect("png");
        let (width, height, dims) = decode_png(&png);
        // 300 dpi is 11,811 pixels per metre, in both directions.
        assert_eq!(dims, Some((11_811, 11_811)), "{figure:?}");
        // The figure's natural size (CSS px at 96 dpi) times 300/96.
        let svg = render_figure_svg(&poster(), figure);
        let natural = |attr: &str| -> f64 {
            let at = svg.find(&format!(" {attr}=\"")).expect(attr) + attr.len() + 3;
            svg[at..].split('"').next().and_then(|v| v.parse().ok()).expect("a number")
        };
        assert_eq!(width, (natural("width") * 300.0 / 96.0).ceil() as u32, "{figure:?}");
        assert_eq!(height, (natural("height") * 300.0 / 96.0).ceil() as u32, "{figure:?}");
        assert!(png.len() > 20_000, "{figure:?}: text and boxes drawn, not a blank image");
        assert_eq!(render_figure_png(&poster(), figure).expect("png"), png, "the same figure gives the same bytes");
    }
}

#[test]
fn figure_svgs_parse_and_name_every_theme_and_participant() {
    let report = poster();
    for figure in Figure::ALL {
        let svg = render_figure_svg(&report, figure);
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{figure:?}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(doc.root_element().attribute("role"), Some("img"));
        // The drawn words, line by line (a wrapped title spans several tspans).
        let drawn: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect::<Vec<_>>().join(" "))
            .map(|t| Box::leak(t.into_boxed_str()) as &str)
            .collect();
        let all = drawn.join(" ");
        for get in &report.gets {
            assert!(all.contains(get.title.as_str()), "{figure:?} shows {}", get.title);
            for sub in &get.sub_themes {
                assert!(all.contains(sub.title.as_str()), "{figure:?} shows {}", sub.title);
                if figure != Figure::Heatmap {
                    for c in &sub.contributing {
                        assert!(all.contains(c.pet_title.as_str()), "{figure:?} shows {}", c.pet_title);
                    }
                }
            }
        }
        if figure != Figure::ThemeMap {
            for who in &report.recurrence.participants {
                assert!(all.contains(who.as_str()), "{figure:?} names {who}");
            }
        }
    }
}

fn transcript() -> ReportAnnotatedTranscript {
    let mut lines = Vec::new();
    for g in 1..=8u32 {
        let page = if g <= 5 { 1 } else { 2 };
        let line = if g <= 5 { g } else { g - 5 };
        lines.push(ReportTranscriptLine {
            page,
            line,
            global: g,
            text: format!("Olivia: words of line {g}"),
            speaker: (g == 1).then(|| "Olivia".to_owned()),
        });
    }
    let item = |first, last, text: &str, id: &str, kind: Option<&str>| ReportMarginItem {
        first_line: first,
        last_line: last,
        text: text.into(),
        id: id.into(),
        kind: kind.map(str::to_owned),
    };
    ReportAnnotatedTranscript {
        title: "T1 Interview".into(),
        pseudonym: "Olivia".into(),
        labels: labels(),
        subtitle: Some("Version 1".into()),
        lines,
        statements: vec![item(2, 4, "Balint as relief", "S1", None), item(7, 7, "Belonging <b>", "S2", None)],
        notes: vec![
            item(3, 3, "\"bolstered\" — strength", "N1", Some("Linguistic")),
            item(5, 6, "Across the page break", "N2", Some("Conceptual")),
        ],
    }
}

/// The `<tr>` of one global line.
fn html_row(html: &str, global: u32) -> &str {
    let start = html.find(&format!("<tr id=\"l{global}\"")).expect("row present");
    let end = start + html[start..].find("</tr>").expect("row ends");
    &html[start..end]
}

#[test]
fn annotated_html_aligns_margins_with_their_lines() {
    let html = render_annotated_html(&transcript(), false);
    assert!(html.contains("@page"));
    assert_eq!(html.matches("<section class=\"page\"").count(), 2, "one section per page");
    assert!(html.contains("break-after: page"));
    // S1 starts on line 2 and spans three rows; line 3's row has no statement cell of its own.
    let row2 = html_row(&html, 2);
    assert!(row2.contains(
        "<td class=\"st filled\" rowspan=\"3\"><div class=\"item\" data-id=\"S1\" data-first=\"2\" data-last=\"4\">"
    ));
    assert!(row2.contains("<td class=\"ln\">2</td>"));
    assert_eq!(html_row(&html, 3).matches("<td").count(), 3, "statement spanned from above");
    // N1 sits on line 3, with its kind.
    let row3 = html_row(&html, 3);
    assert!(row3.contains("data-id=\"N1\"") && row3.contains("Linguistic · p. 1, l. 3"));
    // N2 spans the page break: shown on page 1 and continued on page 2.
    assert!(html_row(&html, 5).contains("rowspan=\"1\"><div class=\"item\" data-id=\"N2\""));
    assert!(html_row(&html, 6).contains("(continued)"));
    assert!(html_row(&html, 7).contains("Belonging &lt;b&gt;"));
    assert!(html_row(&html, 1).contains("<span class=\"sp\">Olivia:</span> words of line 1"));
    // Four cells in a row without spans: statement, number, text, note.
    assert_eq!(html_row(&html, 8).matches("<td").count(), 4);
}

#[test]
fn blank_annotated_transcript_has_no_annotations() {
    let html = render_annotated_html(&transcript(), true);
    assert!(!html.contains("Balint as relief") && !html.contains("bolstered") && !html.contains("class=\"item\""));
    assert!(html.contains("words of line 8") && html.contains("table class=\"transcript blank\""));
    assert!(!html.contains("rowspan"), "no margin blocks");
    let doc = part_text(&render_annotated_docx(&transcript(), true).expect("docx"), "word/document.xml");
    assert!(!doc.contains("Balint as relief") && doc.contains("words of line 8"));
}

#[test]
fn annotated_docx_has_a_row_per_line_and_merged_margins() {
    let bytes = render_annotated_docx(&transcript(), false).expect("docx");
    let doc = part_text(&bytes, "word/document.xml");
    assert_eq!(doc.matches("<w:tbl>").count(), 2, "one table per page");
    assert_eq!(doc.matches("<w:tr>").count(), 8 + 2, "a row per line plus a header row per page");
    assert!(doc.contains("<w:pageBreakBefore/>"));
    assert!(doc.contains("<w:vMerge w:val=\"restart\"/>") && doc.contains("<w:vMerge/>"));
    assert!(doc.contains("Linguistic · p. 1, l. 3"));
}

#[test]
fn audit_and_coreq() {
    let events = vec![
        ReportAuditEvent {
            seq: 1,
            at: "2025-01-01T10:00:00Z".into(),
            author: "AM".into(),
            action: "add statement".into(),
            summary: "S1 on T1 p. 1, ll. 12–14".into(),
            undone: false,
        },
        ReportAuditEvent {
            seq: 2,
            at: "2025-01-01T10:01:00Z".into(),
            author: "=cmd".into(),
            action: "delete theme".into(),
            summary: "TH3, \"x\"".into(),
            undone: true,
        },
    ];
    let csv = render_audit_csv(&events);
    assert_eq!(
        csv,
        "Seq,Time,Author,Action,Summary,Undone\r\n1,2025-01-01T10:00:00Z,AM,add statement,\
         \"S1 on T1 p. 1, ll. 12–14\",no\r\n2,2025-01-01T10:01:00Z,'=cmd,delete theme,\"TH3, \"\"x\"\"\",yes\r\n"
    );
    let mut trail = poster().trail;
    trail[0].themes[0].members[0].rationale = "<b>why</b>".into();
    let html = render_audit_html(&events, &trail);
    assert!(html.contains("<tr class=\"undone\"><td class=\"num\">2</td>") && html.contains("TH3, &quot;x&quot;"));
    // The analytic trail appendix after the log: a table per case, its PET as a group row,
    // each member with strategy, rationale, who, when and its source notes, all escaped.
    let appendix = html.find("<h2>Appendix: analytic trail by participant</h2>").expect("trail appendix");
    assert!(appendix > html.find("</table>").unwrap(), "after the log");
    let olivia = &html[html.find("<h3>Olivia</h3>").unwrap()..html.find("<h3>Rachel</h3>").unwrap()];
    assert!(
        olivia.contains("<th scope=\"col\">Strategy</th><th scope=\"col\">Rationale</th><th scope=\"col\">Who</th>")
    );
    assert!(olivia.contains("<tr class=\"theme\"><th scope=\"rowgroup\" colspan=\"6\">TH1 Respite (Olivia)</th></tr>"));
    assert!(olivia.contains(
        "<tr><td>S1 Balint as a space to offload (p. 1, ll. 12–14)</td><td>abstraction</td>\
         <td>&lt;b&gt;why&lt;/b&gt;</td><td>AM</td><td>2024-04-02T10:15:00Z</td>\
         <td class=\"notes\">N2 (conceptual, p. 1, l. 13): offloading as survival</td></tr>"
    ));
    assert_eq!(html.matches("<table class=\"trail\">").count(), 3, "one table per case");

    let coreq = render_coreq(&ReportCoreq {
        title: "Balint".into(),
        participants: Some(3),
        transcripts: Some(3),
        interview_modes: vec!["Teams".into(), "Teams".into(), "in person".into()],
        interview_minutes: vec![40, 45, 50],
        analysts: Some(2),
        theme_tree: Some((3, 11)),
        quotes_identified: Some(true),
        ..ReportCoreq::default()
    });
    let items = coreq.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| No.")).count();
    assert_eq!(items, 32, "all 32 items");
    assert!(coreq.contains("| 12 | Sample size |") && coreq.contains("| 3 participants |"));
    assert!(coreq.contains("40–50 min (mean 45 min; 3 interviews)"));
    assert!(coreq.contains("Teams (2), in person (1)"));
    assert!(coreq.contains("| 24 | Number of data coders |") && coreq.contains("2 analysts"));
    assert!(coreq.contains("| 4 | Gender |") && coreq.contains("not recorded in Idiograph"));
}

/// The line of item `n` in a checklist table.
fn item(checklist: &str, n: u8) -> &str {
    checklist.lines().find(|l| l.starts_with(&format!("| {n} | "))).unwrap_or_else(|| panic!("item {n}: {checklist}"))
}

#[test]
fn coreq_item_1_names_the_recorded_interviewer_and_srqr_has_its_21_items() {
    let known = ReportCoreq {
        title: "Balint".into(),
        research_question: Some("What are the experiences of GPs in a Balint group?".into()),
        interviewers: vec!["AM".into(), "AM".into(), "JT".into()],
        participants: Some(4),
        transcripts: Some(4),
        interview_modes: vec!["video call".into(); 3],
        interview_minutes: vec![45, 52],
        sample_attributes: vec!["Training stage".into()],
        analysts: Some(2),
        theme_tree: Some((3, 11)),
        statements: Some(40),
        pets: Some(12),
        extracts: Some(12),
        audit_events: Some(310),
        journal_entries: Some(1),
        themes_below_rule: Some(0),
        rule: "at least half of the participants (2 of 4)".into(),
        pseudonymised: true,
        software: "Idiograph 0.1.0".into(),
        ..ReportCoreq::default()
    };
    let coreq = render_coreq(&known);
    assert!(
        item(&coreq, 1)
            .contains("Recorded interviewer: AM (2 interviews), JT (1 interview); not recorded for 1 participant"),
        "{coreq}"
    );
    let unknown = render_coreq(&ReportCoreq { participants: Some(3), ..ReportCoreq::default() });
    assert!(item(&unknown, 1).contains("not recorded in Idiograph"), "no interviewer recorded: {unknown}");

    let srqr = render_srqr(&known);
    assert!(srqr.starts_with("# SRQR checklist"));
    let rows: Vec<&str> = srqr.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| No.")).collect();
    assert_eq!(rows.len(), 21, "all 21 items");
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("| {} | ", i + 1)), "items in order: {row}");
    }
    assert!(item(&srqr, 1).contains("Study title: Balint"));
    assert!(item(&srqr, 4).contains("What are the experiences of GPs in a Balint group?"));
    assert!(item(&srqr, 5).contains("Interpretative Phenomenological Analysis (IPA)"));
    assert!(
        item(&srqr, 6).contains("AM (2 interviews)") && item(&srqr, 6).contains("reflexive journal kept (1 entry)")
    );
    assert!(item(&srqr, 10).contains("4 transcripts for 4 participants, 45–52 min"));
    assert!(item(&srqr, 11).contains("video call (3)"));
    assert!(item(&srqr, 12).contains("4 participants; recorded per participant: Training stage"));
    assert!(item(&srqr, 13).contains("pseudonymised"));
    assert!(item(&srqr, 14).contains("40 experiential statements clustered into 12 personal experiential themes per case, then 3 group experiential themes with 11 sub-themes; 2 analysts"));
    assert!(item(&srqr, 15).contains("310 recorded events") && item(&srqr, 15).contains("(2 of 4)"));
    assert!(item(&srqr, 16).contains("0 themes below the recurrence rule"));
    assert!(item(&srqr, 17).contains("12 extracts, each cited"));
    for n in [2, 3, 7, 8, 9, 18, 19, 20, 21] {
        assert!(item(&srqr, n).contains("not recorded in Idiograph"), "item {n}: {}", item(&srqr, n));
    }
    assert!(srqr.contains("12 of 21 items pre-filled"), "{srqr}");
    // A study that knows nothing yet still lists every item, marked.
    let empty = render_srqr(&ReportCoreq::default());
    assert!(item(&empty, 1).contains("not recorded in Idiograph") && item(&empty, 13).contains("Idiograph"));
}

/// A results section shaped like the poster's first GET, with a convergence note of two
/// paragraphs and a sub-theme below the rule.
fn results() -> ReportResults {
    let quote = |q: &str, who: &str, cite: &str| ReportExtract {
        quote: q.into(),
        pseudonym: who.into(),
        citation: cite.into(),
    };
    ReportResults {
        title: "Balint groups".into(),
        labels: labels(),
        participants: PEOPLE.iter().map(|p| (*p).into()).collect(),
        rule: "at least half of the participants (2 of 3)".into(),
        themes: vec![ResultsTheme {
            title: "Psychological Benefits".into(),
            description: Some("What the group did for the trainees.".into()),
            note: Some("All three converge on relief.\n\nTom diverges: relief came late.".into()),
            present: PEOPLE.iter().map(|p| (*p).into()).collect(),
            meets_rule: true,
            extracts: Vec::new(),
            sub_themes: vec![
                ResultsTheme {
                    title: "Reducing Burnout".into(),
                    present: vec!["Olivia".into(), "Rachel".into()],
                    meets_rule: true,
                    extracts: vec![
                        quote("Made me feel kind of bolstered.", "Rachel", "(Rachel, p. 1, ll. 12–14)"),
                        quote("It helped me enjoy work.", "Olivia", "(Olivia, p. 2, l. 3)"),
                    ],
                    ..ResultsTheme::default()
                },
                ResultsTheme {
                    title: "Catharsis".into(),
                    present: vec!["Tom".into()],
                    meets_rule: false,
                    extracts: vec![quote("Like a weight had been lifted.", "Tom", "(Tom, p. 4, l. 9)")],
                    ..ResultsTheme::default()
                },
            ],
        }],
    }
}

/// Where each of `needles` stands in `text`, each searched after the one before; panics
/// naming the first one missing.
fn in_order(text: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        let at = text[from..].find(n).unwrap_or_else(|| panic!("{n:?} missing after byte {from} in:\n{text}"));
        from += at + n.len();
    }
}

#[test]
fn results_scaffold_sets_out_themes_prevalence_notes_and_block_quotes_in_each_format() {
    let r = results();
    let md = String::from_utf8(render_results(&r, ResultsFormat::Markdown).expect("md")).unwrap();
    in_order(
        &md,
        &[
            "# Results",
            "**Table 1**",
            "| **Psychological Benefits** | 3/3 | Olivia, Rachel, Tom |",
            "Catharsis †",
            "*Note.*",
            "## Psychological Benefits",
            "What the group did for the trainees.",
            "*Prevalence:* 3 of 3 participants (Olivia, Rachel, Tom).",
            "*Convergence and divergence:* All three converge on relief.",
            "Tom diverges: relief came late.",
            "### Reducing Burnout",
            "*Prevalence:* 2 of 3 participants (Olivia, Rachel).",
            "> Made me feel kind of bolstered. (Rachel, p. 1, ll. 12–14)",
            "> It helped me enjoy work. (Olivia, p. 2, l. 3)",
            "### Catharsis",
            "1 of 3 participants (Tom); below the recurrence rule.",
            "> Like a weight had been lifted. (Tom, p. 4, l. 9)",
        ],
    );
    // APA block quotes carry no quotation marks; the citation follows the quote.
    assert!(!md.contains("“Made me"), "{md}");

    let tex = String::from_utf8(render_results(&r, ResultsFormat::Latex).expect("tex")).unwrap();
    assert!(tex.starts_with("% Results scaffold") && tex.contains("\\documentclass[12pt]{article}"));
    in_order(
        &tex,
        &[
            "\\begin{document}",
            "\\section*{Results}",
            "\\textbf{Table 1}",
            "\\textbf{Psychological Benefits} & 3/3 & Olivia, Rachel, Tom \\\\",
            "\\subsection*{Psychological Benefits}",
            "\\textit{Convergence and divergence:} All three converge on relief.",
            "\\subsubsection*{Reducing Burnout}",
            "\\begin{quote}\nMade me feel kind of bolstered. (Rachel, p. 1, ll. 12–14)\n\\end{quote}",
            "\\subsubsection*{Catharsis}",
            "\\end{document}",
        ],
    );

    let docx = render_results(&r, ResultsFormat::Docx).expect("docx");
    assert_eq!(render_results(&r, ResultsFormat::Docx).expect("docx"), docx, "same model, same bytes");
    let doc = part_text(&docx, "word/document.xml");
    let styles = part_text(&docx, "word/styles.xml");
    // APA 7: Times New Roman 12 pt, double spaced; level 1 centred bold, level 2 bold, level 3
    // bold italic; block quotes indented 0.5 in.
    assert!(styles.contains("w:ascii=\"Times New Roman\"") && styles.contains("<w:sz w:val=\"24\"/>"));
    assert!(styles.contains("w:line=\"480\""));
    assert!(styles.contains("w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/>"));
    assert!(styles.contains("<w:jc w:val=\"center\"/><w:outlineLvl w:val=\"0\"/></w:pPr><w:rPr><w:b/></w:rPr>"));
    assert!(styles.contains("<w:outlineLvl w:val=\"2\"/></w:pPr><w:rPr><w:b/><w:i/></w:rPr>"));
    assert!(styles.contains("w:styleId=\"Quote\"><w:name w:val=\"Quote\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:ind w:left=\"720\" w:firstLine=\"0\"/>"));
    let heading = |level: u8, text: &str| {
        format!("<w:pStyle w:val=\"Heading{level}\"/></w:pPr><w:r><w:t xml:space=\"preserve\">{text}</w:t>")
    };
    in_order(
        &doc,
        &[
            &heading(1, "Results"),
            ">Table 1<",
            &heading(2, "Psychological Benefits"),
            ">Convergence and divergence: <",
            &heading(3, "Reducing Burnout"),
            "<w:pStyle w:val=\"Quote\"/></w:pPr><w:r><w:t xml:space=\"preserve\">Made me feel kind of bolstered. </w:t></w:r><w:r><w:rPr><w:rStyle w:val=\"Citation\"/></w:rPr><w:t xml:space=\"preserve\">(Rachel, p. 1, ll. 12–14)</w:t>",
            &heading(3, "Catharsis"),
        ],
    );
}

#[test]
fn results_scaffold_escapes_latex_special_characters_and_markdown_links() {
    let mut r = results();
    let hostile = r"Costs & 50% of $5 #1 under_score {braces} ~tilde ^caret \back [x](javascript:alert(1))";
    r.themes[0].sub_themes[0].extracts[0].quote = hostile.into();
    r.themes[0].title = "R&D_{1}".into();
    let tex = String::from_utf8(render_results(&r, ResultsFormat::Latex).expect("tex")).unwrap();
    let escaped = r"Costs \& 50\% of \$5 \#1 under\_score \{braces\} \textasciitilde{}tilde \textasciicircum{}caret \textbackslash{}back {[}x{]}(javascript:alert(1))";
    assert!(tex.contains(escaped), "{tex}");
    assert!(tex.contains(r"\subsection*{R\&D\_\{1\}}"), "{tex}");
    // Outside the commands the file writes, no special character is left bare.
    let body: String =
        tex.split('\n').filter(|l| (l.contains("Costs") || l.contains("R\\&D")) && !l.contains(" & ")).collect();
    for (i, c) in body.char_indices() {
        if "&%$#_".contains(c) {
            assert_eq!(&body[i - 1..i], "\\", "{c} escaped in {body}");
        }
    }
    let md = String::from_utf8(render_results(&r, ResultsFormat::Markdown).expect("md")).unwrap();
    assert!(!md.contains("](javascript"), "no link is made: {md}");
    let docx = render_results(&r, ResultsFormat::Docx).expect("docx");
    assert!(part_text(&docx, "word/document.xml").contains("Costs &amp; 50%"));
}

/// Converts Office files to PDF with LibreOffice, when it is installed.
#[test]
fn libreoffice_opens_the_office_files() {
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
    else {
        idiograph_testkit::skip(
            "LibreOffice (soffice) is not installed (apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui)",
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let keep = std::env::var_os("IDIOGRAPH_REPORT_KEEP");
    let out: &Path = keep.as_deref().map_or(dir.path(), Path::new);
    std::fs::create_dir_all(out).expect("output dir");
    let files = [
        ("report.docx", render_docx(&poster()).expect("docx")),
        ("tables.xlsx", render_xlsx(&poster(), &tables()).expect("xlsx")),
        ("transcript.docx", render_annotated_docx(&transcript(), false).expect("docx")),
        ("results.docx", render_results(&results(), ResultsFormat::Docx).expect("docx")),
    ];
    for (name, bytes) in &files {
        std::fs::write(out.join(name), bytes).expect("write");
    }
    std::fs::write(out.join("figure.png"), render_figure_png(&poster(), Figure::ThemeMap).expect("png"))
        .expect("write");
    std::fs::write(out.join("transcript.html"), render_annotated_html(&transcript(), false)).expect("write");
    let profile = format!("-env:UserInstallation=file://{}", dir.path().join("profile").display());
    let status = Command::new(soffice)
        .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(out)
        .args(files.iter().map(|(name, _)| out.join(name)))
        .output()
        .expect("run soffice");
    assert!(status.status.success(), "soffice failed: {}", String::from_utf8_lossy(&status.stderr));
    for stem in ["report", "tables", "transcript", "results"] {
        let pdf = std::fs::read(out.join(format!("{stem}.pdf"))).expect("pdf written");
        assert!(pdf.starts_with(b"%PDF") && pdf.len() > 2_000, "{stem}.pdf");
    }
}

#[test]
fn markdown_and_html_carry_the_analytic_trail_appendix_like_the_word_write_up() {
    let mut report = poster();
    report.trail[2].themes[0].members.clear();
    report.trail[0].themes[0].members[0].rationale = "<b>why</b> | [link](javascript:x)".into();
    let cells = [
        "S1 Balint as a space to offload (p. 1, ll. 12–14)",
        "abstraction",
        "AM",
        "2024-04-02T10:15:00Z",
        "N2 (conceptual, p. 1, l. 13): offloading as survival",
    ];
    let md = render_markdown(&report);
    let html = render_html(&report);
    for (what, doc, heading) in [
        ("Markdown", &md, "## Appendix: analytic trail by participant"),
        ("HTML", &html, ">Appendix: analytic trail by participant<"),
    ] {
        let at = doc.find(heading).unwrap_or_else(|| panic!("{what}: the trail appendix"));
        let cases = doc.find("Appendix: ").unwrap_or_else(|| panic!("{what}: the cases appendix"));
        let journal = doc.find("Reflexive journal").unwrap_or_else(|| panic!("{what}: the journal"));
        assert!(cases < at && at < journal, "{what}: after the cases' tables, before the journal, as in Word");
        let trail = &doc[at..journal];
        let (olivia, rachel, tom) =
            (trail.find("Olivia").unwrap(), trail.find("Rachel").unwrap(), trail.find("Tom").unwrap());
        assert!(olivia < rachel && rachel < tom, "{what}: a part per case, in order");
        for column in ["Member", "Strategy", "Rationale", "Who", "When", "Source notes"] {
            assert!(trail[olivia..rachel].contains(column), "{what}: column {column}");
        }
        assert!(trail[olivia..rachel].contains("TH1 Respite (Olivia)"), "{what}: the PET's group row");
        let mut from = olivia;
        for c in cells {
            from += trail[from..rachel].find(c).unwrap_or_else(|| panic!("{what}: cell {c:?} in order"));
        }
        assert!(trail[tom..].contains("No Experiential statements clustered yet."), "{what}: Tom has none");
    }
    // The researcher's words are escaped: no markup, no table cell broken, no link made.
    assert!(html.contains("&lt;b&gt;why&lt;/b&gt;") && !html.contains("<b>why</b>"));
    assert!(!html.contains("href=\"javascript"));
    let md_row = md.lines().find(|l| l.contains("why")).expect("the rationale's row");
    assert!(md_row.contains("\\|") && !md_row.contains("](javascript"), "{md_row}");
}
