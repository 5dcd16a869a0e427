//! Tests for the report writers over a fixture shaped like the Balint poster's results.

use super::escape::{md_inline, md_paragraph, paragraphs, wrap};
use super::*;

const HOSTILE: &str = r#"<script>alert(1)</script> & "x""#;

const GETS: [(&str, &[&str]); 3] = [
    ("Psychological Benefits", &["Reducing Burnout", "Catharsis", "Deep Reflection", "Enjoyment"]),
    ("Social Benefits", &["Peer Support", "Differing Perspectives", "Shared Experiences"]),
    (
        "Considerations",
        &["Unique Attributes", "Limited Prior Awareness", "Competing Interests", "A Sense of Discomfort"],
    ),
];

const PEOPLE: [&str; 3] = ["Olivia", "Rachel", "Tom"];

fn labels_2022() -> ReportLabels {
    ReportLabels {
        statement: "Experiential statement".into(),
        statements: "Experiential statements".into(),
        pet: "Personal experiential theme (PET)".into(),
        pets: "Personal experiential themes (PETs)".into(),
        get: "Group experiential theme (GET)".into(),
        gets: "Group experiential themes (GETs)".into(),
        sub_theme: "Theme".into(),
        sub_themes: "Themes".into(),
    }
}

fn extract(quote: &str, who: &str, page: u32, lines: &str) -> ReportExtract {
    ReportExtract { quote: quote.into(), pseudonym: who.into(), citation: format!("({who}, p. {page}, ll. {lines})") }
}

/// Who evidences each sub-theme: only "A Sense of Discomfort" (Tom alone) fails the
/// at-least-half rule, so the matrix has exactly one flagged row.
fn evidenced_by(sub: &str) -> &'static [&'static str] {
    match sub {
        "A Sense of Discomfort" => &["Tom"],
        "Competing Interests" | "Enjoyment" => &["Olivia", "Tom"],
        _ => &PEOPLE,
    }
}

/// A study report resembling the poster: three participants, three GETs with eleven themes.
fn poster() -> StudyReport {
    let participants = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, p)| ReportParticipant {
            pseudonym: (*p).into(),
            attributes: vec![("Training stage".into(), format!("ST{}", i + 1)), ("Mode".into(), "Teams".into())],
            interview: Some(format!("2024-0{}-10, Teams, 4{i} min", i + 3)),
            transcripts: vec![format!("{p} (anonymised v2)")],
        })
        .collect();

    let mut gets = Vec::new();
    let mut rows = Vec::new();
    for (get, subs) in GETS {
        let mut sub_themes = Vec::new();
        let mut sub_rows = Vec::new();
        let mut get_people: Vec<&str> = Vec::new();
        for sub in subs {
            let who = evidenced_by(sub);
            for w in who {
                if !get_people.contains(w) {
                    get_people.push(w);
                }
            }
            sub_themes.push(ReportGet {
                title: (*sub).into(),
                description: None,
                sub_themes: Vec::new(),
                contributing: who
                    .iter()
                    .map(|w| ReportContribution {
                        pseudonym: (*w).into(),
                        pet_title: format!("{w} on {}", sub.to_lowercase()),
                    })
                    .collect(),
                extracts: vec![extract(&format!("Quote about {}", sub.to_lowercase()), who[0], 6, "14–16")],
            });
            sub_rows.push(ReportRecurrenceRow {
                title: (*sub).into(),
                depth: 1,
                cells: PEOPLE
                    .iter()
                    .map(|p| {
                        let present = who.contains(p);
                        ReportCell {
                            present,
                            statements: if present { 3 } else { 0 },
                            extracts: usize::from(present && who[0] == *p),
                        }
                    })
                    .collect(),
                contributors: who.len(),
                meets_rule: who.len() >= 2,
            });
        }
        rows.push(ReportRecurrenceRow {
            title: get.into(),
            depth: 0,
            cells: PEOPLE
                .iter()
                .map(|p| ReportCell { present: get_people.contains(p), statements: 0, extracts: 0 })
                .collect(),
            contributors: get_people.len(),
            meets_rule: get_people.len() >= 2,
        });
        rows.extend(sub_rows);
        gets.push(ReportGet {
            title: get.into(),
            description: Some(format!("How participants experienced {get}.")),
            sub_themes,
            contributing: Vec::new(),
            extracts: Vec::new(),
        });
    }
    // The poster's burnout quote, attributed as a paper would.
    gets[0].sub_themes[0].extracts = vec![extract(
        "Made me feel kind of bolstered and supported and more resilient to potential burnout.",
        "Olivia",
        6,
        "14–16",
    )];

    let cases = PEOPLE
        .iter()
        .map(|p| ReportCase {
            pseudonym: (*p).into(),
            pets: vec![ReportPet {
                title: format!("Balint as respite ({p})"),
                description: Some("Offloading difficult cases.".into()),
                sub_themes: vec![ReportPet {
                    title: "Feeling lighter".into(),
                    description: None,
                    sub_themes: Vec::new(),
                    statements: vec![ReportStatement {
                        text: "Balint as a space to offload".into(),
                        citation: "p. 1, ll. 12–14".into(),
                    }],
                    extracts: vec![extract("like a weight had been lifted", p, 2, "3–4")],
                }],
                statements: vec![ReportStatement {
                    text: "Relief after sessions".into(),
                    citation: "p. 3, ll. 20–22".into(),
                }],
                extracts: Vec::new(),
            }],
        })
        .collect();

    StudyReport {
        title: "GP trainees' experiences of Balint groups".into(),
        research_question: Some(
            "What are the experiences of GPs who were part of a Balint group during their GP \
             training?"
                .into(),
        ),
        generated_at: "2025-01-31 10:00".into(),
        labels: labels_2022(),
        participants,
        cases,
        gets,
        recurrence: ReportRecurrence {
            participants: PEOPLE.iter().map(|p| (*p).into()).collect(),
            rows,
            rule: "at least half of the participants (2 of 3)".into(),
        },
        journal: vec![
            ReportJournalEntry {
                at: "2024-05-02".into(),
                author: "AM".into(),
                text: "My own Balint experience was positive.\n\nI must watch for that.".into(),
                link: Some("Olivia, p. 6, ll. 14–16".into()),
            },
            ReportJournalEntry {
                at: "2024-06-11".into(),
                author: "JT".into(),
                text: "# not a heading".into(),
                link: None,
            },
        ],
        trail: Vec::new(),
    }
}

/// A report where every piece of user text is hostile markup.
fn hostile() -> StudyReport {
    let mut r = poster();
    r.title = HOSTILE.into();
    r.research_question = Some(HOSTILE.into());
    r.labels.gets = HOSTILE.into();
    r.participants[0].pseudonym = HOSTILE.into();
    r.participants[0].attributes.push((HOSTILE.into(), HOSTILE.into()));
    r.gets[0].title = HOSTILE.into();
    r.gets[0].sub_themes[0].title = HOSTILE.into();
    r.gets[0].sub_themes[0].extracts[0].quote = HOSTILE.into();
    r.gets[0].sub_themes[0].extracts[0].citation = HOSTILE.into();
    r.recurrence.rows[0].title = HOSTILE.into();
    r.recurrence.rule = HOSTILE.into();
    r.cases[0].pets[0].title = HOSTILE.into();
    r.journal[0].text = HOSTILE.into();
    r.journal[0].link = Some(HOSTILE.into());
    r
}

/// Byte position of `needle` in `haystack` at or after `from`, failing the test with context.
fn find_from(haystack: &str, needle: &str, from: usize) -> usize {
    haystack[from..].find(needle).map(|i| i + from).unwrap_or_else(|| panic!("{needle:?} not found after byte {from}"))
}

/// Asserts each GET title appears, and that its themes follow it before the next GET, in the
/// region of `doc` starting at `from`.
fn assert_nesting(doc: &str, from: usize, escape: fn(&str) -> String) {
    let mut pos = from;
    for (i, (get, subs)) in GETS.iter().enumerate() {
        let get_at = find_from(doc, &escape(get), pos);
        let next = GETS.get(i + 1).map_or(doc.len(), |(n, _)| find_from(doc, &escape(n), get_at));
        pos = get_at;
        for sub in *subs {
            let at = find_from(doc, &escape(sub), pos);
            assert!(at < next, "{sub} is not under {get}");
            pos = at;
        }
    }
}

/// The `<body>` element of a rendered document; the head holds void `meta` elements and CSS,
/// which the XML check below does not understand.
fn body(html: &str) -> &str {
    let start = html.find("<body>").unwrap_or(0);
    let end = html.find("</body>").map_or(html.len(), |e| e + "</body>".len());
    &html[start..end]
}

/// Minimal well-formedness check for the XML (and HTML body) we emit: tags balance, text holds no raw `<`,
/// and every `&` starts one of the entities the escaper writes.
fn assert_well_formed_xml(xml: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        assert_entities(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
        let tag = &rest[lt + 1..gt];
        assert!(!tag.contains('<'), "raw '<' inside tag: {tag}");
        let name = tag.split_whitespace().next().unwrap_or_default();
        if let Some(name) = name.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
        } else if !tag.ends_with('/') && name != "br" {
            // `br` is the one HTML void element the report writes.
            stack.push(name);
        }
        let attrs = tag.split_once(' ').map_or("", |(_, a)| a);
        assert_entities(attrs);
        assert_eq!(attrs.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        rest = &rest[gt + 1..];
    }
    assert_entities(rest);
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}

fn assert_entities(text: &str) {
    for (i, _) in text.match_indices('&') {
        let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| text[i..].starts_with(e));
        assert!(ok, "bare '&' in {text:?}");
    }
}

#[test]
fn markdown_has_every_section_in_order() {
    let md = render_markdown(&poster());
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## Participants",
            "## Group experiential themes (GETs)",
            "## Recurrence across participants",
            "## Themes with extracts",
            "## Appendix: Personal experiential themes (PETs) by participant",
            "## Appendix: analytic trail by participant",
            "## Reflexive journal",
        ]
    );
    assert!(md.starts_with("# GP trainees' experiences of Balint groups\n"));
    assert!(md.contains("**Research question:** What are the experiences of GPs"));
    assert!(md.contains(&format!("Generated 2025-01-31 10:00 with {}.", crate::SOFTWARE)));
}

#[test]
fn markdown_participant_table_has_attribute_columns() {
    let md = render_markdown(&poster());
    assert!(md.contains("| Pseudonym | Training stage | Mode | Interview | Transcripts |"));
    assert!(md.contains("| Rachel | ST2 | Teams | 2024-04-10, Teams, 41 min | Rachel (anonymised v2) |"));
}

#[test]
fn markdown_get_table_nests_themes_with_counts() {
    let md = render_markdown(&poster());
    let table = md.find("## Group experiential themes (GETs)").unwrap_or(0);
    assert!(
        md.contains("| Group experiential theme (GET) | Theme | Personal experiential themes (PETs) | Participants |")
    );
    assert!(md.contains("| **Psychological Benefits** |  |  | 3/3 |"));
    assert!(md.contains(
        "|  | ↳ Peer Support | Olivia: Olivia on peer support; Rachel: Rachel on peer support; \
         Tom: Tom on peer support | 3/3 |"
    ));
    assert!(md.contains("|  | ↳ A Sense of Discomfort | Tom: Tom on a sense of discomfort | 1/3 |"));
    assert_nesting(&md, table, md_inline);
}

#[test]
fn markdown_matrix_flags_the_failing_row() {
    let md = render_markdown(&poster());
    let matrix = md.find("## Recurrence across participants").unwrap_or(0);
    assert!(md.contains("| Group experiential theme (GET) / Theme | Olivia | Rachel | Tom | Total | Meets rule |"));
    assert!(md.contains("| ↳ Reducing Burnout | ✓ 3 st., 1 ex. | ✓ 3 st. | ✓ 3 st. | 3/3 | yes |"));
    assert!(md.contains("| ↳ A Sense of Discomfort ⚠ | — | — | ✓ 3 st., 1 ex. | 1/3 | **no** |"));
    assert!(md.contains("| **Considerations** | ✓ | ✓ | ✓ | 3/3 | yes |"));
    assert!(md.contains("Rule: a theme is recurrent when present for at least half of the participants (2 of 3)."));
    assert!(md.contains("⚠ Below the rule: A Sense of Discomfort."));
    assert!(md.contains("st. = Experiential statements; ex. = extracts."));
    assert_nesting(&md, matrix, md_inline);
}

#[test]
fn markdown_extracts_are_quoted_with_citations_under_their_theme() {
    let md = render_markdown(&poster());
    let section = md.find("## Themes with extracts").unwrap_or(0);
    assert_nesting(&md, section, md_inline);
    let burnout = find_from(&md, "#### Reducing Burnout", section);
    let quote = find_from(
        &md,
        "> “Made me feel kind of bolstered and supported and more resilient to potential \
         burnout.” (Olivia, p. 6, ll. 14–16)",
        burnout,
    );
    assert!(quote < find_from(&md, "#### Catharsis", burnout));
    assert!(md.contains("### Social Benefits\n\nHow participants experienced Social Benefits.\n"));
}

#[test]
fn markdown_case_tables_list_statements_with_page_line() {
    let md = render_markdown(&poster());
    let appendix = md.find("## Appendix").unwrap_or(0);
    let tom = find_from(&md, "### Tom", appendix);
    find_from(&md, "| Personal experiential theme (PET) | Experiential statements | Page:line |", tom);
    find_from(&md, "| **Balint as respite (Tom)** — Offloading difficult cases. |  |  |", tom);
    find_from(&md, "|  | Relief after sessions | p. 3, ll. 20–22 |", tom);
    find_from(&md, "| ↳ Feeling lighter |  |  |", tom);
    find_from(&md, "|  | Balint as a space to offload | p. 1, ll. 12–14 |", tom);
    find_from(&md, "|  | _“like a weight had been lifted”_ | (Tom, p. 2, ll. 3–4) |", tom);
}

#[test]
fn markdown_journal_keeps_paragraphs_and_escapes_block_markers() {
    let md = render_markdown(&poster());
    assert!(md.contains(
        "**2024-05-02 — AM**\n\nMy own Balint experience was positive.\n\nI must watch for that.\n\n\
         _Linked to: Olivia, p. 6, ll. 14–16_\n"
    ));
    assert!(md.contains("\\# not a heading"));
}

#[test]
fn markdown_escapes_hostile_text() {
    let md = render_markdown(&hostile());
    assert!(!md.contains("<script>"));
    assert!(!md.contains("</script>"));
    assert!(md.contains("# &lt;script&gt;alert(1)&lt;/script&gt; & \"x\"\n"));
    assert!(md.contains("| **&lt;script&gt;alert(1)&lt;/script&gt; & \"x\"** |"));
    let mut pipes = poster();
    pipes.gets[0].title = "A | B\nC".into();
    let md = render_markdown(&pipes);
    assert!(md.contains("| **A \\| B C** |  |  | 3/3 |"));
}

#[test]
fn html_is_one_self_contained_document() {
    let html = render_html(&poster());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</body>\n</html>\n"));
    assert!(html.contains("<style>"));
    assert!(html.contains("@media print"));
    assert!(!html.contains("http"), "external reference in self-contained HTML");
    assert!(!html.contains("<script"));
    assert!(!html.contains("<link"));
    assert!(!html.contains("src="));
    assert_eq!(html.matches("<svg").count(), 1);
    assert_well_formed_xml(body(&html));
}

#[test]
fn html_has_tables_quotes_and_flags() {
    let html = render_html(&poster());
    for id in ["participants", "themes", "recurrence", "extracts", "cases", "journal"] {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    assert!(html.contains(
        "<blockquote><p>“Made me feel kind of bolstered and supported and more resilient to \
         potential burnout.”</p><footer>(Olivia, p. 6, ll. 14–16)</footer></blockquote>"
    ));
    assert!(html.contains(
        "<tr class=\"fail\"><th scope=\"row\" class=\"depth-1\">A Sense of Discomfort \
         <span class=\"flag\" title=\"below the recurrence rule\">⚠</span></th>"
    ));
    assert_eq!(html.matches("<tr class=\"fail\">").count(), 1);
    assert!(html.contains("<td class=\"num\">✓ 3 st., 1 ex.</td>"));
    assert!(html.contains("<td class=\"num absent\">—</td>"));
    assert!(html.contains("<th scope=\"col\">Group experiential theme (GET)</th>"));
    assert!(html.contains("<td>Balint as a space to offload</td><td>p. 1, ll. 12–14</td>"));
    for section in ["<section id=\"themes\">", "<section id=\"recurrence\">", "<section id=\"extracts\">"] {
        let at = html.find(section).unwrap_or(0);
        assert_nesting(&html, at, escape::markup);
    }
}

#[test]
fn html_escapes_hostile_text() {
    let html = render_html(&hostile());
    assert!(!html.contains("<script"));
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>"));
    assert!(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</h1>"));
    assert_well_formed_xml(body(&html));
}

#[test]
fn svg_lays_out_every_theme_under_its_get() {
    let svg = svg::figure(&poster(), true, false);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains(
        "aria-label=\"Group experiential themes (GETs) and Themes: 3 Group experiential themes \
         (GETs), 11 Themes\""
    ));
    assert!(svg.contains("<title>Group experiential themes (GETs) and Themes</title>"));
    assert!(svg.contains(
        "<desc>Psychological Benefits: Reducing Burnout, Catharsis, Deep Reflection, Enjoyment. \
         Social Benefits:"
    ));
    assert_well_formed_xml(&svg);
    // 3 headers + 11 themes + the background; one connector per theme.
    assert_eq!(svg.matches("<rect").count(), 15);
    assert_eq!(svg.matches("<path").count(), 11);
    // Titles may wrap across tspans, so rejoin the drawn lines in drawing order.
    let drawn: Vec<&str> = svg.split("<tspan").skip(1).filter_map(|t| t.split('>').nth(1)?.split('<').next()).collect();
    assert_nesting(&drawn.join(" "), 0, |s: &str| s.to_owned());
}

#[test]
fn svg_boxes_do_not_overlap_and_text_fits() {
    let mut report = poster();
    // Many GETs with long titles and nesting exercise wrapping, bands and deeper indents.
    for i in 0..6 {
        let mut get = report.gets[i % 3].clone();
        get.title = format!("Extra theme {i} with a rather long title that must wrap");
        get.sub_themes[0].sub_themes = vec![ReportGet {
            title: "Supercalifragilisticexpialidocious-and-beyond nested".into(),
            ..ReportGet::default()
        }];
        report.gets.push(get);
    }
    let svg = svg::figure(&report, true, false);
    assert_well_formed_xml(&svg);
    let rects: Vec<[f64; 4]> = svg
        .lines()
        .filter(|l| l.starts_with("<rect") && l.contains("rx="))
        .map(|l| {
            let attr = |name: &str| -> f64 {
                let start = l.find(&format!(" {name}=\"")).unwrap_or(0) + name.len() + 3;
                l[start..].split('"').next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
            };
            [attr("x"), attr("y"), attr("width"), attr("height")]
        })
        .collect();
    // 14 poster boxes, then 6 headers, 22 themes and 6 nested themes.
    assert_eq!(rects.len(), 14 + 6 + 22 + 6);
    for (i, a) in rects.iter().enumerate() {
        assert!(a.iter().all(|v| v.is_finite()), "{a:?}");
        for b in &rects[i + 1..] {
            let apart = a[0] + a[2] <= b[0] || b[0] + b[2] <= a[0] || a[1] + a[3] <= b[1] || b[1] + b[3] <= a[1];
            assert!(apart, "boxes overlap: {a:?} {b:?}");
        }
    }
    // Every box is followed by its text; each line fits at the estimated glyph width.
    let texts: Vec<&str> = svg.lines().filter(|l| l.starts_with("<text")).collect();
    assert_eq!(texts.len(), rects.len());
    for (rect, text) in rects.iter().zip(texts) {
        let em = if text.contains("font-weight=\"700\"") { 14.0 * 0.66 } else { 13.0 * 0.6 };
        for tspan in text.split("<tspan").skip(1) {
            let line = tspan.split('>').nth(1).and_then(|t| t.split('<').next());
            let width = line.map_or(0, |t| t.chars().count()) as f64 * em;
            assert!(width <= rect[2] - 16.0, "{line:?} overflows {rect:?}");
        }
    }
}

#[test]
fn svg_without_gets_is_a_small_placeholder() {
    let mut report = poster();
    report.gets.clear();
    let svg = svg::figure(&report, true, false);
    assert_well_formed_xml(&svg);
    assert!(svg.contains(">Group experiential themes (GETs): none yet</tspan>"));
    assert!(svg.contains("stroke-dasharray"));
    assert!(svg.contains("aria-label=\"Group experiential themes (GETs) and Themes: 0"));
    let md = render_markdown(&report);
    assert!(md.contains("_No Group experiential themes (GETs) yet._"));
    let html = render_html(&report);
    assert!(html.contains("none yet"));
}

#[test]
fn svg_escapes_hostile_text() {
    let svg = svg::figure(&hostile(), true, false);
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;script&gt;"));
    assert_well_formed_xml(&svg);
}

#[test]
fn empty_report_renders_without_panicking() {
    let report = StudyReport::default();
    let md = render_markdown(&report);
    assert!(md.contains("_No participants._"));
    assert!(md.contains("_No journal entries._"));
    let html = render_html(&report);
    assert_well_formed_xml(body(&html));
    assert_well_formed_xml(&svg::figure(&report, true, false));
}

#[test]
fn mismatched_matrix_cells_show_as_absent() {
    let mut report = poster();
    report.recurrence.rows[1].cells.truncate(1);
    let md = render_markdown(&report);
    assert!(md.contains("| ↳ Reducing Burnout | ✓ 3 st., 1 ex. | — | — | 3/3 | yes |"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(render_html(&poster()), render_html(&poster()));
    assert_eq!(render_markdown(&poster()), render_markdown(&poster()));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut get = ReportGet::default();
    for i in 0..2_000 {
        get = ReportGet { title: format!("level {i}"), sub_themes: vec![get], ..ReportGet::default() };
    }
    let report = StudyReport { gets: vec![get], ..StudyReport::default() };
    assert!(render_markdown(&report).contains("#### level 1998"));
}

#[test]
fn escaping_and_wrapping_helpers() {
    assert_eq!(wrap("", 10), [""]);
    assert_eq!(wrap("Limited Prior Awareness", 10), ["Limited", "Prior", "Awareness"]);
    assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
    assert_eq!(paragraphs("a\nb\n\n \n c \n"), ["a\nb", "c"]);
    assert_eq!(md_paragraph("1. not a list"), "1\\. not a list");
    assert_eq!(md_paragraph("- dash"), "\\- dash");
    assert_eq!(md_inline("R&D & co &#60;"), "R&amp;D & co &amp;#60;");
}

/// Issue #19: `[x](javascript:…)` and remote images passed through the Markdown report and the
/// COREQ checklist. No user text may become a link, an image or a link reference definition.
#[test]
fn markdown_outputs_neutralise_link_targets_and_images() {
    const LINK: &str = "[click me](javascript:alert(1))";
    const IMAGE: &str = "![pixel](https://tracker.example/p.png)";
    const DEFINITION: &str = "[Patient]: javascript:alert(2)";
    const REFERENCE: &str = "[see][Patient]";
    let mut r = poster();
    r.title = LINK.into();
    r.gets[0].title = IMAGE.into();
    r.gets[0].sub_themes[0].extracts[0].quote = REFERENCE.into();
    r.journal[0].text = format!("{DEFINITION}\n\n{IMAGE} and {LINK}");
    r.participants[0].attributes.push(("site".into(), LINK.into()));
    let md = render_markdown(&r);
    let coreq = render_coreq(&ReportCoreq {
        title: LINK.into(),
        interview_modes: vec![IMAGE.into()],
        sample_attributes: vec![DEFINITION.into()],
        software: REFERENCE.into(),
        ..Default::default()
    });
    for (name, doc) in [("markdown", &md), ("coreq", &coreq)] {
        for live in ["](", "][", "]:"] {
            assert!(!doc.contains(live), "{name} has a live `{live}`:\n{doc}");
        }
        assert!(doc.contains("[click me]\\(javascript:alert(1))"), "{name} keeps the words:\n{doc}");
    }
    assert!(md.contains("![pixel]\\(https://tracker.example/p.png)"), "{md}");
    assert!(md.contains("[Patient]\\: javascript:alert(2)"), "{md}");
    assert!(md.contains("[see]\\[Patient]"), "{md}");
}

/// The words of each `<text>` of an SVG, its wrapped lines joined again.
fn drawn(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the figure parses");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Relative luminance (WCAG 2) of a `#rrggbb` colour: what is left of it in greyscale.
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

#[test]
fn heatmap_shades_differ_in_lightness_and_their_text_stays_legible() {
    let levels: Vec<f64> = heatmap::LEVELS.iter().map(|l| luminance(l.fill)).collect();
    for (i, pair) in levels.windows(2).enumerate() {
        // Printed in greyscale, neighbouring shades still differ clearly (at least 1.3:1).
        assert!((pair[0] + 0.05) / (pair[1] + 0.05) >= 1.3, "levels {i} and {} look alike: {levels:?}", i + 1);
    }
    for level in &heatmap::LEVELS {
        let (a, b) = (luminance(level.fill), luminance(level.ink));
        let contrast = (a.max(b) + 0.05) / (a.min(b) + 0.05);
        assert!(contrast >= 4.5, "{} on {} is {contrast:.1}:1", level.ink, level.fill);
    }
    // The shade follows the evidence; an absent theme is hatched, not merely white.
    let cell = |present, statements, extracts| ReportCell { present, statements, extracts };
    let shades: Vec<usize> =
        [cell(false, 2, 0), cell(true, 0, 0), cell(true, 1, 1), cell(true, 3, 1), cell(true, 9, 0)]
            .iter()
            .map(|c| heatmap::level(Some(c)))
            .collect();
    assert_eq!(shades, [0, 1, 2, 3, 4]);
    assert_eq!(heatmap::level(None), 0);
    let svg = render_figure_svg(&poster(), Figure::Heatmap);
    assert_well_formed_xml(&svg);
    assert!(svg.contains(r#"fill="url(#absent)""#) && svg.contains("<pattern id=\"absent\""));
    // Every cell says its value in words: Tom alone evidences "A Sense of Discomfort".
    assert!(svg.contains("* below the recurrence rule"));
    for fill in svg.split("fill=\"").skip(1).filter_map(|f| f.split('"').next()) {
        let known = heatmap::LEVELS.iter().any(|l| l.fill == fill || l.ink == fill);
        assert!(known || ["url(#absent)", "#ffffff", "#1b2631", "#5b6b7a"].contains(&fill), "stray colour {fill}");
    }
}

#[test]
fn theme_map_adds_each_themes_pets_and_the_reports_tree_does_not() {
    let report = poster();
    let map = render_figure_svg(&report, Figure::ThemeMap);
    assert_well_formed_xml(&map);
    let contributions: usize = report.gets.iter().flat_map(|g| &g.sub_themes).map(|s| s.contributing.len()).sum();
    assert_eq!(map.matches(r##"fill="#ffffff" stroke="#5b6b7a""##).count(), contributions);
    assert!(drawn(&map).contains(&"Olivia: Olivia on reducing burnout".to_owned()), "a PET box names its participant");
    assert!(map.contains("<desc>Psychological Benefits: Reducing Burnout, Olivia on reducing burnout (Olivia),"));
    let tree = svg::figure(&report, true, false);
    assert!(!tree.contains("Olivia on reducing burnout"));
}

#[test]
fn flow_links_every_pet_to_its_group_themes_and_dashes_lone_pets() {
    let mut report = poster();
    // A PET that feeds no group theme: divergence, drawn dashed.
    report.cases[0].pets.push(ReportPet { title: "Dread of the list".into(), ..ReportPet::default() });
    let svg = render_figure_svg(&report, Figure::Flow);
    assert_well_formed_xml(&svg);
    let links: usize = flatten(&report.gets, 0, get_children).iter().map(|(_, g)| g.contributing.len()).sum();
    assert_eq!(svg.matches("<path d=\"M").count() - PEOPLE.len(), links, "one link per PET and group theme");
    assert!(drawn(&svg).contains(&"Dread of the list".to_owned()));
    assert!(svg.contains(r##"rx="6" fill="#ffffff" stroke="#5b6b7a" stroke-dasharray="4 3""##));
    // Each participant's links have their own dash pattern, named in the legend.
    for (i, who) in PEOPLE.iter().enumerate() {
        assert!(svg.contains(&format!(">Personal experiential themes (PETs) of {who}</tspan>")), "{who}");
        let dash = ["", "8 4", "2 3"][i];
        assert!(dash.is_empty() || svg.contains(&format!("stroke-dasharray=\"{dash}\"")), "{who}'s dashes");
    }
}
