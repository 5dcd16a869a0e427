//! The write-up's quotes and figures (issue #21): an extract from a transcript of any caption or
//! meeting format prints without cue times or speaker labels, fillers and pauses follow the
//! study's setting (a command that undo takes back), and every figure of the demo study parses
//! and names its themes, its PNG saying 300 dpi; the demo's results scaffold follows the poster's
//! Results box in Word (read back by LibreOffice), Markdown and LaTeX.

mod support;

use std::collections::BTreeSet;

use idiograph_app::{ExportFormat, Figure, ResultsFormat, Target, ThemeChanges, VersionToken, Workbench};
use idiograph_formats::ImportOptions;
use idiograph_model::FillerPolicy;
use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use support::Study;

on_both_backends!(
    async fn printed_quotes_hold_no_time_or_label_on_vtt_srt_teams_and_zoom_transcripts,
    async fn fillers_follow_the_study_setting_which_undo_takes_back,
    async fn every_figure_of_the_demo_parses_names_its_themes_and_says_300_dpi,
    async fn the_demo_results_scaffold_follows_the_posters_results_box_in_every_format,
    async fn coreq_names_the_recorded_interviewer_and_srqr_is_filled_from_the_study,
);

/// SubRip captions with names in the cue text, as a transcription service writes them.
const SRT: &str = "1\r\n00:00:01,000 --> 00:00:04,000\r\nInterviewer: What was the group like?\r\n\r\n\
2\r\n00:00:04,500 --> 00:00:09,000\r\nOlivia: It was, um, a relief. I felt lighter after.\r\n\r\n\
3\r\n00:00:09,500 --> 00:00:12,000\r\nInterviewer: Lighter?\r\n\r\n\
4\r\n00:00:12,500 --> 00:00:16,000\r\nOlivia: Yes (pause) like a weight had been lifted.\r\n";

/// Microsoft Teams captions: cue ids, voice tags, one speaker's cues in a row.
const TEAMS_VTT: &str =
    "WEBVTT\n\n3f2a/12-0\n00:00:01.000 --> 00:00:03.000\n<v Anne Money>How did the sessions feel?</v>\n\n\
3f2a/13-0\n00:00:03.500 --> 00:00:06.000\n<v Rachel Brown>A lot of support and reassurance,</v>\n\n\
3f2a/13-1\n00:00:06.000 --> 00:00:09.000\n<v Rachel Brown>er, for what I did.</v>\n\n\
3f2a/14-0\n00:00:09.500 --> 00:00:10.000\n<v Anne Money>Mm.</v>\n\n\
3f2a/15-0\n00:00:10.500 --> 00:00:13.000\n<v Rachel Brown>That peer network, really.</v>\n";

/// Zoom's WebVTT: `Name: ` at the start of each cue.
const ZOOM_VTT: &str =
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nTom Reid: There's a sense of, uh, getting it off your chest.\n\n\
2\n00:00:03.000 --> 00:00:04.000\nAnne Money: Off your chest?\n\n\
3\n00:00:04.500 --> 00:00:07.000\nTom Reid: I always felt lighter after.\n";

/// A time (`0:03`, `00:12:34`, `00:00:01,000`) anywhere in `text`.
fn has_time(text: &str) -> bool {
    regex::Regex::new(r"\d{1,2}:\d{2}").unwrap().is_match(text)
}

/// Imports `file` for a new participant and chooses two extracts from it, for a theme of the
/// case: the whole transcript and the stretch from its second turn to its last. Returns the
/// transcript's speaker labels.
async fn import_and_quote(wb: &Workbench, who: &str, file: &str, bytes: Vec<u8>) -> Vec<String> {
    wb.add_participant(who, &[], Default::default()).await.unwrap();
    let outcome = wb.import_files(who, vec![(file.to_owned(), bytes)], &ImportOptions::default()).await.unwrap();
    assert!(outcome.refused.is_empty(), "{file}: {:?}", outcome.refused.first().map(|r| &r.reason));
    let t = &outcome.imported[0].transcript;
    let reference = t.short_id().to_string();
    let (_, v) = wb.transcript(&reference).await.unwrap();
    assert!(v.turns.len() >= 2, "{file}: the importer found the speakers");
    let theme = wb.add_theme(Some(who), None, &format!("What {who} said"), None).await.unwrap();
    let second = v.turns[1].span.start().to_usize();
    for (start, end) in [(0, v.text.len()), (second, v.text.len())] {
        let target = Target::from_bytes(&v, start, end).unwrap();
        wb.add_extract(&theme.short_id().to_string(), &target).await.unwrap();
    }
    v.turns.iter().filter_map(|t| t.label.clone()).collect()
}

async fn printed_quotes_hold_no_time_or_label_on_vtt_srt_teams_and_zoom_transcripts(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Quotes fit to print", "ana").await;
    let wb = &study.wb;
    let mut files: Vec<(&str, String, Vec<u8>)> = vec![
        ("Olivia", "olivia.srt".into(), SRT.into()),
        ("Rachel", "rachel-teams.vtt".into(), TEAMS_VTT.into()),
        ("Tom", "tom-zoom.vtt".into(), ZOOM_VTT.into()),
    ];
    // Real exports: a Teams-style WebVTT of a recorded interview and Zoom's saved transcript.
    if let Some(shared) = shared_dir() {
        let corpus = shared.join("corpus");
        for (who, path) in [
            ("Dana", "synthetic-interview-audio/interview.vtt"),
            ("Janet", "zoom-transcript-sample/zoom-saved-transcript_input_example.txt"),
        ] {
            let name = path.rsplit('/').next().unwrap().to_owned();
            files.push((who, name, std::fs::read(corpus.join(path)).unwrap()));
        }
    }
    let mut labels = BTreeSet::new();
    for (who, name, bytes) in files {
        labels.extend(import_and_quote(wb, who, &name, bytes).await);
    }

    let s = wb.snapshot().await.unwrap();
    let markdown = String::from_utf8(wb.export(ExportFormat::Markdown, false).await.unwrap()).unwrap();
    for x in &s.extracts {
        let printed = s.print(&x.anchor);
        let raw = x.anchor.quote().exact();
        assert!(has_time(raw), "the stored passage keeps its cue times: {raw:?}");
        assert!(!printed.is_empty(), "{} prints words", x.short_id());
        assert!(!has_time(&printed), "{} prints a time: {printed:?}", x.short_id());
        for label in &labels {
            for form in [format!("{label}:"), format!("[{label}]"), format!("<v {label}>")] {
                assert!(!printed.contains(&form), "{} prints the label {form:?}: {printed:?}", x.short_id());
            }
        }
        // The write-up quotes the printed form, cited by pseudonym, page and lines.
        assert!(markdown.contains(&printed), "the report quotes {}: {printed:?}", x.short_id());
        assert!(markdown.contains(&s.cite(&x.participant_id, &x.anchor)), "{} is cited", x.short_id());
    }
    // The interviewer's question inside a quote is left out and marked; the participant's words stay.
    let olivia = s.extracts.iter().find(|x| s.participant(&x.participant_id).unwrap().pseudonym == "Olivia").unwrap();
    assert_eq!(
        s.print(&olivia.anchor),
        "It was, um, a relief. I felt lighter after. […] Yes (pause) like a weight had been lifted."
    );
    // Cues of one speaker in a row join without a mark; the interviewer's "Mm." is left out.
    // Teams names neither speaker as the participant, so the quote is the voice that says most.
    for x in s.extracts.iter().filter(|x| s.participant(&x.participant_id).unwrap().pseudonym == "Rachel") {
        assert_eq!(
            s.print(&x.anchor),
            "A lot of support and reassurance, er, for what I did. […] That peer network, really."
        );
    }
    study.wb.close().await;
}

async fn fillers_follow_the_study_setting_which_undo_takes_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Fillers", "ana").await;
    let wb = &study.wb;
    import_and_quote(wb, "Olivia", "olivia.srt", SRT.into()).await;
    let before = wb.snapshot().await.unwrap();
    assert_eq!(before.settings.fillers, FillerPolicy::Keep, "a new study prints quotes as transcribed");
    let x = &before.extracts[0];
    assert!(before.print(&x.anchor).contains("It was, um, a relief."));

    wb.update_study(None, None, None, None, Some(FillerPolicy::Mark), Some(&before.settings.version_token()))
        .await
        .unwrap();
    let after = wb.snapshot().await.unwrap();
    assert_eq!(after.settings.fillers, FillerPolicy::Mark);
    assert_eq!(
        after.print(&x.anchor),
        "It was … a relief. I felt lighter after. […] Yes … like a weight had been lifted."
    );
    // The stored text is not touched.
    assert_eq!(after.versions[x.anchor.version_id()].text, before.versions[x.anchor.version_id()].text);
    assert_eq!(wb.history(1).await.unwrap()[0].action.as_str(), "edit study");
    let markdown = String::from_utf8(wb.export(ExportFormat::Markdown, false).await.unwrap()).unwrap();
    assert!(markdown.contains("It was … a relief.") && !markdown.contains("um, a relief"));

    wb.undo().await.unwrap().expect("the setting to undo");
    let undone = wb.snapshot().await.unwrap();
    assert_eq!(undone.settings.fillers, FillerPolicy::Keep);
    assert!(undone.print(&x.anchor).contains("It was, um, a relief."));
    study.wb.close().await;
}

async fn every_figure_of_the_demo_parses_names_its_themes_and_says_300_dpi(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let s = wb.snapshot().await.unwrap();
    let gets: Vec<&str> = s.themes.iter().filter(|t| t.is_group()).map(|t| t.title.as_str()).collect();
    let pets: Vec<&str> = s.themes.iter().filter(|t| !t.is_group()).map(|t| t.title.as_str()).collect();
    assert_eq!(gets.len(), 14, "the demo has the poster's 3 GETs and 11 sub-themes");
    for figure in Figure::ALL {
        let svg = String::from_utf8(wb.export(ExportFormat::Svg(figure), false).await.unwrap()).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{figure:?} is not XML: {e}"));
        // Each drawn text, its wrapped lines joined again.
        let drawn: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.descendants().filter(|t| t.is_text()).filter_map(|t| t.text()).collect::<Vec<_>>().join(" "))
            .collect();
        let shows = |title: &str| drawn.iter().any(|d| d.contains(title));
        for title in &gets {
            assert!(shows(title), "{figure:?} shows the group theme {title:?}");
        }
        if figure != Figure::Heatmap {
            for title in &pets {
                assert!(shows(title), "{figure:?} shows the PET {title:?}");
            }
        }
        let png = wb.export(ExportFormat::Png(figure), false).await.unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!((dims.xppu, dims.yppu, dims.unit), (11_811, 11_811, png::Unit::Meter), "{figure:?} at 300 dpi");
    }
    wb.close().await;
    drop(schema);
}

/// The poster's Results box: its super-ordinate themes (GETs) and themes, in order.
const POSTER_THEMES: [&str; 14] = [
    "Psychological Benefits",
    "Reducing Burnout",
    "Catharsis",
    "Deep Reflection",
    "Enjoyment",
    "Social Benefits",
    "Peer Support",
    "Differing Perspectives",
    "Shared Experiences",
    "Considerations",
    "Unique Attributes",
    "Limited Prior Awareness",
    "Competing Interests",
    "A Sense of Discomfort",
];

/// The poster's three quotes (their openings) and who said them, in the order of their themes
/// in the Results box: Catharsis, Peer Support, Shared Experiences.
const POSTER_QUOTES: [(&str, &str); 3] = [
    ("There’s a sense of feeling like you’ve got something off your chest", "Tom"),
    ("A lot of support and reassurance for what I did", "Rachel"),
    ("It can be really easy to fall into a pattern", "Olivia"),
];

/// Panics unless each of `needles` occurs in `text` after the one before it.
fn in_order(what: &str, text: &str, needles: &[String]) {
    let mut from = 0;
    for n in needles {
        let at = text[from..].find(n.as_str()).unwrap_or_else(|| panic!("{what}: {n:?} missing after byte {from}"));
        from += at + n.len();
    }
}

/// The scaffold's text read back: Markdown and LaTeX as written, Word through LibreOffice's
/// plain-text conversion (`None` when LibreOffice is not installed, which `skip` reports).
fn read_back(format: ResultsFormat, bytes: &[u8], dir: &std::path::Path) -> Option<String> {
    if format != ResultsFormat::Docx {
        return Some(String::from_utf8(bytes.to_vec()).unwrap());
    }
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| std::process::Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()));
    let Some(soffice) = soffice else {
        idiograph_testkit::skip("LibreOffice (soffice) is not installed (apt-get install -y libreoffice-writer-nogui)");
        return None;
    };
    let file = dir.join("results.docx");
    std::fs::write(&file, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}", dir.join("profile").display());
    let out = std::process::Command::new(soffice)
        .args([profile.as_str(), "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(dir)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "soffice: {}", String::from_utf8_lossy(&out.stderr));
    Some(std::fs::read_to_string(dir.join("results.txt")).expect("LibreOffice wrote the text"))
}

async fn the_demo_results_scaffold_follows_the_posters_results_box_in_every_format(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    // The researcher's convergence/divergence note on a GET goes into the scaffold as written.
    let note = "Olivia and Rachel found relief at once; Tom only after several sessions.";
    let before = wb.snapshot().await.unwrap();
    let first = before.themes.iter().find(|t| t.title == "Psychological Benefits").unwrap();
    let changes = ThemeChanges { note: Some(note.into()), ..Default::default() };
    wb.update_theme(&format!("TH{}", first.short), changes, None).await.unwrap();
    let s = wb.snapshot().await.unwrap();
    let group: Vec<_> = s.children(None).into_iter().filter(|t| t.is_group()).collect();
    assert_eq!(group.len(), 3, "the poster's three GETs");
    // Every GET, then each sub-theme with its extracts, in board order: the printed quote
    // followed by its citation.
    let mut expected: Vec<String> = Vec::new();
    let mut sections = Vec::new();
    for g in &group {
        sections.push(*g);
        sections.extend(s.children(Some(&g.id)));
    }
    let titles: Vec<&str> = sections.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, POSTER_THEMES, "the poster's 3 GETs and 11 themes, in order");
    for t in &sections {
        expected.push(t.title.clone());
        if t.title == "Psychological Benefits" {
            expected.push(note.to_owned());
        }
        for x in s.extracts_of(&t.id) {
            expected.push(s.print(&x.anchor));
            expected.push(s.cite(&x.participant_id, &x.anchor));
        }
    }
    assert!(expected.len() > 14 + 2 * 10, "the demo's extracts are in the scaffold's order");
    let quotes: Vec<String> =
        POSTER_QUOTES.iter().flat_map(|(quote, who)| [(*quote).to_owned(), format!("({who}, p. ")]).collect();

    for format in ResultsFormat::ALL {
        let bytes = wb.export(ExportFormat::Results(format), false).await.unwrap();
        let Some(text) = read_back(format, &bytes, dir.path()) else { continue };
        // The sections start after the overview table, which names every theme too.
        let body = &text[text.find("below the rule").unwrap_or_else(|| panic!("{format:?}: the table note"))..];
        let what = format!("{format:?}");
        if format == ResultsFormat::Latex {
            // LaTeX escapes what it must; the demo's words need none of it.
            assert!(!body.contains("\\&") && !body.contains("{[}"), "{body}");
        }
        in_order(&what, body, &expected);
        in_order(&what, body, &quotes);
        for (quote, _) in POSTER_QUOTES {
            assert_eq!(body.matches(quote).count(), 1, "{what}: the poster's quote {quote:?} once");
        }
    }
    wb.close().await;
    drop(schema);
}

async fn coreq_names_the_recorded_interviewer_and_srqr_is_filled_from_the_study(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let s = wb.snapshot().await.unwrap();
    let item = |text: &str, n: u8| -> String {
        text.lines().find(|l| l.starts_with(&format!("| {n} | "))).unwrap_or_else(|| panic!("item {n}")).to_owned()
    };
    // The demo records the interviewer of each of its three interviews.
    let coreq = String::from_utf8(wb.export(ExportFormat::Coreq, false).await.unwrap()).unwrap();
    assert!(item(&coreq, 1).contains("Recorded interviewer: AM (3 interviews)"), "{}", item(&coreq, 1));
    // Each interview counts in its mode.
    assert!(item(&coreq, 14).contains("video call (3)"), "{}", item(&coreq, 14));

    let srqr = String::from_utf8(wb.export(ExportFormat::Srqr, false).await.unwrap()).unwrap();
    assert_eq!(srqr.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| No.")).count(), 21);
    let question = s.settings.research_question.clone().unwrap();
    assert!(item(&srqr, 4).contains(&question), "{}", item(&srqr, 4));
    assert!(item(&srqr, 6).contains("AM (3 interviews)"));
    assert!(item(&srqr, 10).contains("3 transcripts for 3 participants"), "{}", item(&srqr, 10));
    assert!(item(&srqr, 11).contains("video call (3)"), "{}", item(&srqr, 11));
    assert!(item(&srqr, 16).contains("3 group experiential themes with 11 sub-themes"), "{}", item(&srqr, 16));
    let extracts = format!("{} extracts, each cited", s.extracts.len());
    assert!(item(&srqr, 17).contains(&extracts), "{}", item(&srqr, 17));
    assert!(item(&srqr, 21).contains("not recorded in Idiograph"));
    wb.close().await;
    drop(schema);
}
