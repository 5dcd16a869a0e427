//! End-to-end tests of the `idiograph` command line: each test drives the real binary in its own
//! temporary directory, as the researcher `tester`. Each test runs on a project file and on a
//! project of a PostgreSQL server (`--database URL -p ID`), except those about the file itself
//! (raw bytes, the WAL, a backup file) or about a file command (`demo`), which say why.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use serde_json::Value;
use support::*;

// ---------------------------------------------------------------------------------------------
// Small helpers local to these tests
// ---------------------------------------------------------------------------------------------

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("expected a JSON string, got {v}"))
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("expected a JSON array, got {v}"))
}

/// A short interview written for a test: `turns` pairs of interviewer question and answer by
/// `speaker`, with `sentence` in the first answer.
fn interview(speaker: &str, sentence: &str, turns: usize) -> String {
    let mut out = String::new();
    for i in 0..turns {
        out.push_str(&format!("Interviewer: Could you tell me about moment number {i} in the group?\n\n"));
        if i == 0 {
            out.push_str(&format!("{speaker}: {sentence} It stayed with me for a long time afterwards.\n\n"));
        } else {
            out.push_str(&format!(
                "{speaker}: Moment {i} was about listening to colleagues and noticing how I felt about patients.\n\n"
            ));
        }
    }
    out
}

/// Global line numbers of the first two consecutive non-blank lines on `page` of a transcript.
fn two_lines_on_page(p: &Project, transcript: &str, page: u64) -> (u64, u64, u64) {
    let show = p.json(&["transcript", "show", transcript]);
    let lines = arr(&show["lines"]);
    for w in lines.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if a["page"] == page
            && b["page"] == page
            && !s(&a["text"]).trim().is_empty()
            && !s(&b["text"]).trim().is_empty()
        {
            return (a["global"].as_u64().unwrap(), b["global"].as_u64().unwrap(), a["line"].as_u64().unwrap());
        }
    }
    panic!("no two consecutive non-blank lines on page {page} of {transcript}");
}

/// Parses a citation like `(Olivia, p. 2, ll. 11–14)` or `(Tom, p. 1, l. 3)` at the start of
/// `text`; returns the pseudonym and the whole citation.
fn parse_citation(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix('(')?;
    let comma = rest.find(", p. ")?;
    let name = &rest[..comma];
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
        return None;
    }
    let mut r = &rest[comma + ", p. ".len()..];
    let digits = |r: &str| r.chars().take_while(char::is_ascii_digit).count();
    let n = digits(r);
    if n == 0 {
        return None;
    }
    r = &r[n..];
    r = r.strip_prefix(", ll. ").or_else(|| r.strip_prefix(", l. "))?;
    let n = digits(r);
    if n == 0 {
        return None;
    }
    r = &r[n..];
    if let Some(after) = r.strip_prefix('–') {
        let n = digits(after);
        if n == 0 {
            return None;
        }
        r = &after[n..];
    }
    r.strip_prefix(')')?;
    let len = text.len() - r.len() + 1;
    Some((name.to_owned(), text[..len].to_owned()))
}

/// The citation that follows the quotation starting with `opening` in a report.
fn citation_after_quote(report: &str, opening: &str) -> (String, String) {
    let at = report.find(opening).unwrap_or_else(|| panic!("the report does not quote “{opening}…”"));
    let rest = &report[at..];
    let close = rest.find('”').unwrap_or_else(|| panic!("the quotation “{opening}…” is not closed with ”"));
    let after = rest[close + '”'.len_utf8()..].trim_start();
    parse_citation(after).unwrap_or_else(|| {
        panic!(
            "the quotation “{opening}…” is not followed by a citation like (Name, p. N, ll. A–B): {:?}",
            &after[..after.len().min(80)]
        )
    })
}

/// Collects every theme and sub-theme under `nodes` of a `theme list --json` tree.
fn flatten_themes<'a>(nodes: &'a [Value], out: &mut Vec<&'a Value>) {
    for n in nodes {
        out.push(n);
        flatten_themes(arr(&n["sub_themes"]), out);
    }
}

/// Every theme of a `theme list --json` tree: each case's PETs, then the GETs.
fn all_themes(tree: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for case in arr(&tree["cases"]) {
        flatten_themes(arr(&case["pets"]), &mut all);
    }
    flatten_themes(arr(&tree["gets"]), &mut all);
    all
}

fn theme_by_title<'a>(tree: &'a Value, title: &str) -> &'a Value {
    let all = all_themes(tree);
    all.into_iter().find(|t| t["title"] == title).unwrap_or_else(|| panic!("no theme “{title}” in {tree:#}"))
}

on_both_backends!(
    fn corpus_analysis_end_to_end,
    fn undo_redo_restore_exact_state,
    fn bad_input_is_refused_and_changes_nothing,
    fn withdrawal_erases_every_byte,
    fn json_contract,
    fn closed_stdout_is_not_a_crash,
    fn pseudonyms_that_look_like_short_ids_do_not_clash,
    fn renaming_a_speaker_carries_anchors_to_the_new_version,
    fn the_interview_guide_from_a_document_to_the_answers_side_by_side,
    fn a_recording_is_attached_listed_exported_and_removed,
    fn a_selection_by_lines_quotes_the_words_not_the_cue_time_and_label,
    fn a_markdown_transcript_reads_as_rendered,
    fn folder_import_with_a_participant_per_file,
    fn serve_opens_the_workbench_on_loopback,
);

// ---------------------------------------------------------------------------------------------
// 1. A whole analysis on real transcripts
// ---------------------------------------------------------------------------------------------

fn corpus_analysis_end_to_end(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let corpus = shared.join("corpus");
    let p1 = corpus.join("pdpilot-user-study-interviews/txt/P1.txt");
    let p2 = corpus.join("pdpilot-user-study-interviews/txt/P2.txt");
    let bs = corpus.join("changelog-podcast-interviews/brain-science-1.md");
    for f in [&p1, &p2, &bs] {
        assert!(f.is_file(), "missing shared transcript {}", f.display());
    }

    // init in 2009 wording, checking what init says.
    let (p, init) = Project::init(&backend, &["--terminology", "2009", "--title", "Reading partial dependence plots"]);
    assert!(init.stdout.contains("2009"), "init should name the 2009 wording: {}", init.stdout);
    if backend == Backend::File {
        assert!(p.path.is_file());
    }
    let study = p.json(&["study", "show"]);
    assert_eq!(study["terminology"], "2009");
    assert_eq!(study["title"], "Reading partial dependence plots");

    // Participants.
    let anna = p.json(&[
        "participant",
        "add",
        "Anna",
        "--attr",
        "role=data scientist",
        "--date",
        "2023-03-01",
        "--mode",
        "video call",
        "--duration",
        "40",
        "--interviewer",
        "Dan",
    ]);
    assert_eq!(anna["id"], "P1");
    assert_eq!(anna["pseudonym"], "Anna");
    assert_eq!(p.json(&["participant", "add", "Ben"])["id"], "P2");
    assert_eq!(p.json(&["participant", "add", "Cara"])["id"], "P3");
    let people = p.json(&["participant", "list"]);
    assert_eq!(arr(&people).len(), 3);
    assert_eq!(people[0]["attributes"]["role"], "data scientist");

    // Imports.
    let mut transcripts = BTreeMap::new();
    for (file, who) in [(&p1, "Anna"), (&p2, "Ben"), (&bs, "P3")] {
        let out = p.json(&["import", file.to_str().unwrap(), "--participant", who]);
        assert!(arr(&out["refused"]).is_empty(), "{file:?} refused: {out}");
        let imported = arr(&out["imported"]);
        assert_eq!(imported.len(), 1, "{out}");
        assert!(imported[0]["lines"].as_u64().unwrap() > 100, "{out}");
        assert!(imported[0]["turns"].as_u64().unwrap() > 10, "{out}");
        transcripts.insert(who, s(&imported[0]["transcript"]).to_owned());
    }
    assert_eq!(transcripts["Anna"], "T1");
    assert_eq!(transcripts["Ben"], "T2");
    assert_eq!(transcripts["P3"], "T3");
    let list = p.json(&["transcript", "list"]);
    let owners: Vec<&str> = arr(&list).iter().map(|t| s(&t["participant"])).collect();
    assert_eq!(owners, ["P1", "P2", "P3"]);
    for t in arr(&list) {
        assert!(t["page_count"].as_u64().unwrap() >= 2, "a real interview spans pages: {t}");
        assert_eq!(s(&t["sha256"]).len(), 64, "{t}");
    }
    assert_eq!(list[2]["title"], "brain-science-1.md");

    // transcript show: page markers and frozen line numbers.
    let show = p.ok(&["transcript", "show", "T1"]);
    assert!(show.contains("──── page 1 ────"), "no page 1 marker:\n{}", &show[..show.len().min(500)]);
    assert!(show.contains("──── page 2 ────"), "no page 2 marker");
    let numbered: Vec<&str> = show.lines().filter(|l| l.contains('│')).collect();
    assert!(numbered.len() > 100, "numbered lines expected");
    assert!(numbered[0].trim_start().starts_with("1 ") && numbered[0].contains("1:1"), "{}", numbered[0]);
    assert!(numbered[40].trim_start().starts_with("41 ") && numbered[40].contains("2:1"), "{}", numbered[40]);
    assert!(numbered[0].contains("Dan:"), "line 1 shows the text: {}", numbered[0]);

    // Notes of every kind, by lines (also page:line) and by characters.
    let n1 = p.json(&[
        "note",
        "add",
        "--transcript",
        "T1",
        "--lines",
        "9-10",
        "--kind",
        "descriptive",
        "uses ICE plots early on",
    ]);
    assert_eq!(n1["id"], "N1");
    assert_eq!(n1["kind"], "descriptive");
    let n2 = p.json(&[
        "note",
        "add",
        "--transcript",
        "T1",
        "--chars",
        "228-300",
        "--kind",
        "linguistic",
        "hedging: not all the time",
    ]);
    assert_eq!(n2["kind"], "linguistic");
    let (b1, _, _) = two_lines_on_page(&p, "T2", 2);
    let ben_lines = format!("{b1}-{}", b1 + 1);
    let n3 = p.json(&[
        "note",
        "add",
        "--transcript",
        "T2",
        "--lines",
        &ben_lines,
        "--kind",
        "conceptual",
        "trust follows understanding",
    ]);
    assert_eq!(n3["id"], "N3");
    let n4 = p.json(&[
        "note",
        "add",
        "--transcript",
        "T3",
        "--lines",
        "1:15-1:16",
        "--kind",
        "free",
        "feelings about feelings",
    ]);
    assert_eq!(n4["id"], "N4");
    let n5 = p.json(&["note", "add", "--transcript", "T3", "--chars", "0-40", "emphasis on being human"]);
    assert_eq!(n5["kind"], "free", "free is the default kind");
    let notes = p.json(&["note", "list"]);
    let kinds: Vec<&str> = arr(&notes).iter().map(|n| s(&n["kind"])).collect();
    assert_eq!(kinds, ["descriptive", "linguistic", "conceptual", "free", "free"]);
    let by_chars = &arr(&notes)[1];
    assert_eq!(s(&by_chars["quote"]).chars().count(), 72, "--chars 228-300 selects 72 characters: {by_chars}");
    assert!(s(&notes[0]["quote"]).contains("ICE plots"), "{}", notes[0]);
    assert!(s(&notes[3]["quote"]).contains("crying"), "1:15-1:16 of T3 quotes that passage: {}", notes[3]);
    assert_eq!(arr(&p.json(&["note", "list", "--transcript", "T3"])).len(), 2);

    // Statements (2009: emergent themes), developed from notes.
    let st = p.ok(&[
        "statement",
        "add",
        "--transcript",
        "T1",
        "--lines",
        "9-10",
        "--from-note",
        "N1",
        "--from-note",
        "N2",
        "Exploration as a routine habit",
    ]);
    assert!(st.contains("emergent theme S1"), "2009 wording for statements: {st}");
    assert_eq!(
        p.json(&["statement", "add", "--transcript", "T1", "--lines", "22-26", "Looking for trends"])["id"],
        "S2"
    );
    assert_eq!(
        p.json(&[
            "statement",
            "add",
            "--transcript",
            "T2",
            "--lines",
            &ben_lines,
            "--from-note",
            "N3",
            "Trust comes with understanding"
        ])["id"],
        "S3"
    );
    assert_eq!(
        p.json(&[
            "statement",
            "add",
            "--transcript",
            "T3",
            "--lines",
            "15-16",
            "--from-note",
            "N4",
            "Feelings about feelings"
        ])["id"],
        "S4"
    );
    let sts = p.json(&["statement", "list", "--participant", "Anna"]);
    assert_eq!(arr(&sts).len(), 2);
    assert_eq!(sts[0]["anchors"][0]["lines"], "p. 1, ll. 9–10");

    // PETs per case (2009: super-ordinate themes), with statements assigned.
    let pet = p.ok(&["theme", "add", "--case", "Anna", "Exploring by habit"]);
    assert!(pet.contains("Super-ordinate theme TH1"), "2009 wording for PETs: {pet}");
    assert_eq!(p.json(&["theme", "add", "--case", "Ben", "Earning trust"])["id"], "TH2");
    assert_eq!(p.json(&["theme", "add", "--case", "Cara", "Living with feelings"])["id"], "TH3");
    let a = p.json(&[
        "theme",
        "assign",
        "TH1",
        "--statement",
        "S1",
        "--strategy",
        "abstraction",
        "--rationale",
        "both are about habitual exploration",
    ]);
    assert_eq!(a["strategy"], "abstraction");
    p.ok(&[
        "theme",
        "assign",
        "TH1",
        "--statement",
        "S2",
        "--strategy",
        "subsumption",
        "--rationale",
        "trends are part of exploring",
    ]);
    p.ok(&["theme", "assign", "TH2", "--statement", "S3", "--strategy", "polarisation", "--rationale", "trust"]);
    p.ok(&[
        "theme",
        "assign",
        "TH3",
        "--statement",
        "S4",
        "--strategy",
        "contextualisation",
        "--rationale",
        "feelings",
    ]);

    // A GET (2009: master theme) with a sub-theme holding PETs of two participants.
    let get = p.ok(&[
        "theme",
        "add",
        "--group",
        "--description",
        "How analysts come to rely on plots",
        "Making sense of models",
    ]);
    assert!(get.contains("Master theme TH4"), "2009 wording for GETs: {get}");
    let sub = p.json(&["theme", "add", "--group", "--parent", "TH4", "Trusting the plots"]);
    assert_eq!(sub["id"], "TH5");
    assert_eq!(sub["scope"], "group");
    p.ok(&[
        "theme",
        "assign",
        "TH5",
        "--theme",
        "TH1",
        "--strategy",
        "abstraction",
        "--rationale",
        "exploration builds trust",
    ]);
    p.ok(&["theme", "assign", "TH5", "--theme", "TH2", "--strategy", "abstraction", "--rationale", "trust directly"]);
    let tree = p.json(&["theme", "list"]);
    let th4 = theme_by_title(&tree, "Making sense of models");
    assert_eq!(th4["scope"], "group");
    assert_eq!(arr(&th4["sub_themes"]).len(), 1);
    assert_eq!(th4["sub_themes"][0]["title"], "Trusting the plots");
    assert_eq!(th4["sub_themes"][0]["pets"], serde_json::json!(["TH1", "TH2"]));
    assert_eq!(theme_by_title(&tree, "Exploring by habit")["statements"], serde_json::json!(["S1", "S2"]));
    assert_eq!(theme_by_title(&tree, "Exploring by habit")["scope"], "case");
    assert_eq!(theme_by_title(&tree, "Exploring by habit")["participant"], "P1");

    // Extracts, with their citations.
    let x1 = p.json(&["extract", "add", "--theme", "TH5", "--transcript", "T1", "--lines", "9-10"]);
    assert_eq!(x1["id"], "X1");
    assert_eq!(x1["citation"], "(Anna, p. 1, ll. 9–10)");
    let (_, _, on_page) = two_lines_on_page(&p, "T2", 2);
    let x2 = p.json(&["extract", "add", "--theme", "TH5", "--transcript", "T2", "--lines", &ben_lines]);
    let ben_citation = format!("(Ben, p. 2, ll. {on_page}–{})", on_page + 1);
    assert_eq!(x2["citation"], ben_citation.as_str());
    let x3 = p.json(&["extract", "add", "--theme", "TH3", "--transcript", "T3", "--lines", "2:1-2:2"]);
    assert!(s(&x3["citation"]).starts_with("(Cara, p. 2, l"), "{x3}");
    let extracts = p.json(&["extract", "list"]);
    assert_eq!(arr(&extracts).len(), 3);
    assert_eq!(extracts[0]["theme"], "TH5");
    assert!(s(&extracts[0]["anchor"]["quote"]).contains("ICE plots"), "{}", extracts[0]);
    let citations: Vec<String> = arr(&extracts).iter().map(|x| s(&x["citation"]).to_owned()).collect();

    // Journal.
    assert_eq!(p.json(&["journal", "add", "--about", "T1", "I expected more scepticism about plots"])["id"], "J1");
    assert_eq!(p.json(&["journal", "add", "Bracketing my own enthusiasm for ICE plots"])["id"], "J2");
    let journal = p.json(&["journal", "list"]);
    assert_eq!(arr(&journal).len(), 2);
    assert_eq!(journal[0]["author"], AUTHOR);

    // Recurrence: 2 of 3 participants under the default rule (half).
    let rec = p.json(&["recurrence"]);
    let columns: Vec<&str> = arr(&rec["participants"]).iter().map(|p| s(&p["pseudonym"])).collect();
    assert_eq!(columns, ["Anna", "Ben", "Cara"]);
    assert_eq!(rec["required"], 2);
    let rows = arr(&rec["rows"]);
    assert_eq!(rows.len(), 2, "one GET and one sub-theme: {rec}");
    for row in rows {
        assert_eq!(row["contributors"], 2, "{row}");
        assert_eq!(row["meets_rule"], true, "{row}");
        let present: Vec<bool> = arr(&row["cells"]).iter().map(|c| c["present"].as_bool().unwrap()).collect();
        assert_eq!(present, [true, true, false], "{row}");
    }
    assert_eq!(rows[1]["title"], "Trusting the plots");
    assert_eq!(rows[1]["depth"], 1);
    assert_eq!(rows[1]["cells"][0]["extracts"], 1);
    assert_eq!(rows[1]["cells"][0]["statements"], 2);
    // A stricter rule: everyone.
    p.json(&["study", "set", "--recurrence", "3"]);
    let strict = p.json(&["recurrence"]);
    assert_eq!(strict["required"], 3);
    assert_eq!(strict["rows"][0]["meets_rule"], false);
    p.json(&["study", "set", "--recurrence", "half"]);
    // Fillers in printed quotes: a setting like the others.
    assert_eq!(p.json(&["study", "show"])["fillers"], "keep");
    assert_eq!(p.json(&["study", "set", "--fillers", "mark"])["fillers"], "mark");
    assert_eq!(p.json(&["study", "show"])["fillers"], "mark");
    p.json(&["study", "set", "--fillers", "keep"]);

    // Reports.
    let md_path = p.file("report.md");
    let wrote = p.ok(&["report", "--format", "md", "-o", md_path.to_str().unwrap()]);
    assert!(wrote.contains("report.md"), "{wrote}");
    let md = std::fs::read_to_string(&md_path).unwrap();
    let html_path = p.file("report.html");
    p.ok(&["report", "--format", "html", "-o", html_path.to_str().unwrap()]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    for (name, body) in [("md", &md), ("html", &html)] {
        for title in [
            "Reading partial dependence plots",
            "Making sense of models",
            "Trusting the plots",
            "Exploring by habit",
            "Earning trust",
            "Living with feelings",
        ] {
            assert!(body.contains(title), "{name} report lacks “{title}”");
        }
        for c in &citations {
            assert!(body.contains(c.as_str()), "{name} report lacks the citation {c}");
        }
        assert!(body.contains("(Anna, p. 1, ll. 9–10)"), "{name} report lacks Anna's citation");
        assert!(body.contains("Master theme"), "{name} report uses 2009 wording");
        assert!(!body.contains("Group experiential theme"), "{name} report mixes 2022 wording into 2009");
        for who in ["Anna", "Ben", "Cara"] {
            assert!(body.contains(who), "{name} report lacks {who}");
        }
    }
    // The citation follows its quotation in the markdown; taken by lines, the quotation holds
    // the participant's words without the speaker label.
    assert!(!md.contains("“Participant: Ah, yeah."), "the label is not quoted");
    let (who, cite) = citation_after_quote(&md, "“Ah, yeah. Not all the time");
    assert_eq!((who.as_str(), cite.as_str()), ("Anna", "(Anna, p. 1, ll. 9–10)"));
    assert!(html.trim_start().to_ascii_lowercase().starts_with("<!doctype html"), "html report is a document");
    // A report never overwrites a file.
    let again = p.run(&["report", "--format", "md", "-o", md_path.to_str().unwrap()]);
    assert!(!again.success, "report -o over an existing file must be refused");
    assert_eq!(std::fs::read_to_string(&md_path).unwrap(), md, "the existing report must be left as it was");

    // History: newest first, all by tester.
    let history = p.json(&["history"]);
    let events = arr(&history);
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["author"] == AUTHOR), "{history}");
    assert!(events.windows(2).all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()), "newest first");
    assert!(events.iter().any(|e| e["action"] == "import"), "{history}");
    assert!(events.iter().any(|e| e["action"] == "assign"), "{history}");
}

// ---------------------------------------------------------------------------------------------
// 2. Undo and redo restore exact states
// ---------------------------------------------------------------------------------------------

/// A small study: Ada (T1) and Bea (T2), notes, statements, three PETs, a GET with a sub-theme.
fn small_study(backend: &Backend) -> Project {
    let p = Project::on(backend);
    p.ok(&["participant", "add", "Ada", "--attr", "stage=ST1"]);
    p.ok(&["participant", "add", "Bea"]);
    let a = p.write("ada.txt", interview("Ada", "The group felt like a lantern in a long winter.", 12));
    let b = p.write("bea.txt", interview("Bea", "I was nervous before every single session.", 12));
    p.ok(&["import", a.to_str().unwrap(), "--participant", "Ada"]);
    p.ok(&["import", b.to_str().unwrap(), "--participant", "Bea"]);
    p.ok(&["note", "add", "--transcript", "T1", "--lines", "3", "--kind", "descriptive", "lantern image"]); // N1
    p.ok(&["note", "add", "--transcript", "T2", "--lines", "3", "--kind", "descriptive", "nervous"]); // N2
    p.ok(&["statement", "add", "--transcript", "T1", "--lines", "3", "--from-note", "N1", "Group as light"]); // S1
    p.ok(&["statement", "add", "--transcript", "T1", "--lines", "8-9", "Listening to colleagues"]); // S2
    p.ok(&["statement", "add", "--transcript", "T2", "--lines", "3-4", "--from-note", "N2", "Anticipatory nerves"]); // S3
    p.ok(&["theme", "add", "--case", "Ada", "Warmth"]); // TH1
    p.ok(&["theme", "add", "--case", "Ada", "Listening"]); // TH2
    p.ok(&["theme", "add", "--case", "Bea", "Nerves"]); // TH3
    p.ok(&["theme", "assign", "TH1", "--statement", "S1"]);
    p.ok(&["theme", "assign", "TH2", "--statement", "S2"]);
    p.ok(&["theme", "assign", "TH3", "--statement", "S3"]);
    p.ok(&["theme", "add", "--group", "Feelings in the group"]); // TH4
    p.ok(&["theme", "add", "--group", "--parent", "TH4", "Safety"]); // TH5
    p.ok(&["theme", "assign", "TH5", "--theme", "TH1"]);
    p.ok(&["theme", "assign", "TH5", "--theme", "TH3"]);
    p.ok(&["extract", "add", "--theme", "TH5", "--transcript", "T1", "--lines", "3"]); // X1
    p
}

fn undo_redo_restore_exact_state(backend: Backend) {
    let p = small_study(&backend);
    let commands: Vec<Vec<&str>> = vec![
        vec!["note", "add", "--transcript", "T1", "--lines", "5-7", "--kind", "linguistic", "repetition of moment"],
        vec!["note", "edit", "N3", "--kind", "conceptual", "--text", "moments as markers of time"],
        vec!["note", "delete", "N1"],
        vec!["statement", "add", "--transcript", "T1", "--lines", "11", "--from-note", "N3", "Time marked by moments"],
        vec!["theme", "assign", "TH1", "--statement", "S4", "--strategy", "numeration", "--rationale", "recurs often"],
        vec!["theme", "merge", "TH2", "TH1"],
        vec!["theme", "split", "TH1", "--title", "Keeping time", "--statement", "S4"],
        vec!["theme", "delete", "TH4"],
        vec!["participant", "edit", "Ada", "--attr", "stage=ST2", "--attr", "format=online"],
        vec!["study", "set", "--recurrence", "2/3"],
        vec!["extract", "add", "--theme", "TH6", "--transcript", "T1", "--chars", "0-30"],
        vec!["journal", "add", "--about", "TH6", "I may be over-reading time"],
    ];
    let mut states = vec![p.readout()];
    for c in &commands {
        p.ok(c);
        let now = p.readout();
        assert_ne!(&now, states.last().unwrap(), "`{}` should change the study", c.join(" "));
        states.push(now);
    }
    // Sanity: the structural commands did what they say.
    let tree = p.json(&["theme", "list"]);
    assert!(all_themes(&tree).iter().all(|t| t["title"] != "Feelings in the group"), "TH4 deleted");
    assert_eq!(theme_by_title(&tree, "Safety")["pets"], serde_json::json!(["TH1", "TH3"]), "sub-theme moved up");
    assert_eq!(theme_by_title(&tree, "Keeping time")["statements"], serde_json::json!(["S4"]));
    assert_eq!(theme_by_title(&tree, "Warmth")["statements"], serde_json::json!(["S1", "S2"]), "merge moved S2");

    // Undo back to the initial state, one state at a time.
    for i in (0..commands.len()).rev() {
        let out = p.ok(&["undo"]);
        assert!(out.starts_with("Undid"), "undo of `{}` said: {out}", commands[i].join(" "));
        assert_eq!(
            p.readout(),
            states[i],
            "after undoing `{}` the study differs from before it",
            commands[i].join(" ")
        );
    }
    // Redo everything, one state at a time.
    for (i, c) in commands.iter().enumerate() {
        let out = p.ok(&["redo"]);
        assert!(out.starts_with("Redid"), "redo of `{}` said: {out}", c.join(" "));
        assert_eq!(p.readout(), states[i + 1], "after redoing `{}` the study differs", c.join(" "));
    }
    let more = p.ok(&["redo"]);
    assert!(more.contains("Nothing to redo"), "{more}");
    assert_eq!(p.readout(), *states.last().unwrap());

    // After an undo, a new command drops the redo chain.
    p.ok(&["undo"]);
    p.ok(&["note", "add", "--transcript", "T2", "--lines", "8-9", "a new branch"]);
    let branched = p.readout();
    let redo = p.ok(&["redo"]);
    assert!(redo.contains("Nothing to redo"), "redo after a new command must have nothing to redo: {redo}");
    assert_eq!(p.readout(), branched, "a refused redo changes nothing");
    let history = p.json(&["history", "--limit", "1000"]);
    assert!(arr(&history).iter().any(|e| e["undone"] == true), "undone events are marked in history");
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input is refused with one line and changes nothing
// ---------------------------------------------------------------------------------------------

/// Records in `failures` unless `r` was refused with one line on stderr, starting with
/// `error:` and naming each of `keys`.
fn check_refusal(what: &str, r: &Run, keys: &[&str], failures: &mut Vec<String>) {
    if r.success {
        failures.push(format!("{what}: `{}` succeeded (stdout: {})", r.args.join(" "), r.stdout.trim()));
        return;
    }
    let lines: Vec<&str> = r.stderr.lines().collect();
    if lines.len() != 1 || !lines[0].starts_with("error:") {
        failures.push(format!("{what}: stderr must be one line starting with \"error:\", got {:?}", r.stderr));
    }
    let low = r.stderr.to_lowercase();
    for k in keys {
        if !low.contains(&k.to_lowercase()) {
            failures.push(format!("{what}: the message does not name “{k}”: {:?}", r.stderr.trim()));
        }
    }
}

fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let p = small_study(&backend);
    let empty = p.write("empty.txt", b"");
    let mut noise = Vec::new();
    let mut x: u32 = 12345;
    for i in 0..4096 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        noise.push(if i % 7 == 0 { 0 } else { (x >> 16) as u8 });
    }
    let binary = p.write("binary.txt", &noise);
    // UTF-16LE BOM, "Hi", then an unpaired high surrogate and an odd trailing byte.
    let utf16 = p.write("utf16.txt", [0xFF, 0xFE, b'H', 0, b'i', 0, 0x00, 0xD8, b'x', 0, 0x41]);
    let ok = p.write("fine.txt", interview("Ada", "Fine.", 2));
    let codebook = p.write("codes.qdc", "<CodeBook><Codes></Codes></CodeBook>");
    let codebook = codebook.to_str().unwrap();

    let e = empty.to_str().unwrap();
    let b = binary.to_str().unwrap();
    let u = utf16.to_str().unwrap();
    let f = ok.to_str().unwrap();
    let cases: Vec<(&str, Vec<&str>, Vec<&str>)> = vec![
        ("unknown transcript", vec!["note", "add", "--transcript", "T99", "--lines", "1-2", "x"], vec!["T99"]),
        ("unknown theme", vec!["theme", "assign", "TH99", "--statement", "S1"], vec!["TH99"]),
        ("unknown note", vec!["note", "delete", "N77"], vec!["N77"]),
        ("unknown statement", vec!["theme", "assign", "TH1", "--statement", "S99"], vec!["S99"]),
        ("unknown participant", vec!["import", f, "--participant", "Nobody"], vec!["Nobody"]),
        ("lines outside", vec!["note", "add", "--transcript", "T1", "--lines", "5000-5001", "x"], vec!["5000"]),
        ("chars past end", vec!["note", "add", "--transcript", "T1", "--chars", "10-999999", "x"], vec!["999999"]),
        ("chars reversed", vec!["note", "add", "--transcript", "T1", "--chars", "40-20", "x"], vec!["40", "20"]),
        ("empty import", vec!["import", e, "--participant", "Ada"], vec!["empty.txt", "empty"]),
        ("binary import", vec!["import", b, "--participant", "Ada"], vec!["binary.txt", "binary"]),
        ("undecodable import", vec!["import", u, "--participant", "Ada"], vec!["utf16.txt", "decode"]),
        ("duplicate pseudonym", vec!["participant", "add", "ada"], vec!["ada", "already"]),
        ("statement into another's PET", vec!["theme", "assign", "TH3", "--statement", "S1"], vec!["S1", "TH3"]),
        ("PET into a PET", vec!["theme", "assign", "TH1", "--theme", "TH3"], vec!["TH1", "TH3"]),
        (
            "unknown kind",
            vec!["note", "add", "--transcript", "T1", "--lines", "3", "--kind", "poetic", "x"],
            vec!["poetic"],
        ),
        ("bad recurrence", vec!["study", "set", "--recurrence", "most"], vec!["most"]),
        ("unknown report format", vec!["report", "--format", "pdf"], vec!["pdf", "--format", "md, html"]),
        ("unknown table", vec!["report", "--format", "csv", "--table", "codes"], vec!["codes", "GETs"]),
        ("bad filler policy", vec!["study", "set", "--fillers", "drop"], vec!["filler policy", "drop"]),
        ("unknown figure", vec!["figure", "pie"], vec!["pie", "theme-map"]),
        ("figure format", vec!["figure", "heatmap", "--format", "pdf"], vec!["pdf", "svg, png"]),
        ("results format", vec!["results", "--format", "pdf"], vec!["pdf", "docx, md, tex"]),
        ("codebook without codes", vec!["theme", "import-codebook", codebook], vec!["codes.qdc", "no codes"]),
    ];

    let mut failures = Vec::new();
    // The state after one refusal is the state before the next.
    let mut before = (p.readout(), p.history_len());
    for (what, args, keys) in &cases {
        let r = p.run(args);
        check_refusal(what, &r, keys, &mut failures);
        let after = (p.readout(), p.history_len());
        if after.0 != before.0 {
            failures.push(format!("{what}: the study changed"));
        }
        if after.1 != before.1 {
            failures.push(format!("{what}: the history grew from {} to {}", before.1, after.1));
        }
        before = after;
    }

    // withdraw without --confirm.
    let r = p.run(&["participant", "withdraw", "Ada"]);
    check_refusal("withdraw without --confirm", &r, &["--confirm"], &mut failures);
    if (p.readout(), p.history_len()) != before {
        failures.push("withdraw without --confirm changed the study".into());
    }

    assert!(failures.is_empty(), "{} problem(s):\n  {}", failures.len(), failures.join("\n  "));
}

/// File-only: files that are not our projects, or one that already exists, are refused by
/// name and left as they were. A server's projects are schemas only the store makes; a
/// missing one is refused in `a_project_moves_to_the_server_and_back`.
#[test]
fn project_files_that_are_not_ours_are_refused_and_left_alone() {
    let p = Project::new();
    let mut failures = Vec::new();
    // Project files that are not ours.
    let text = p.write("notes.idg", "These are my notes, not a project.\n");
    p.ok(&["study", "show"]); // closes cleanly, so the main file holds everything
    let wal = std::fs::metadata(format!("{}-wal", p.path.display())).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "a closed project leaves nothing in its WAL: the .idg file alone can be copied");
    let original = std::fs::read(&p.path).unwrap();
    assert_eq!(&original[68..72], b"IDGP", "our application id");
    let mut foreign = original.clone();
    foreign[68..72].copy_from_slice(&[0, 0, 0, 0]);
    let foreign_path = p.write("foreign.sqlite", &foreign);
    // A file from a newer version: a migration this binary does not know (same length, so the
    // SQLite records stay valid).
    let newer: Vec<u8> = {
        let needle = b"0001_init";
        let mut v = original.clone();
        let mut n = 0;
        let mut i = 0;
        while i + needle.len() <= v.len() {
            if &v[i..i + needle.len()] == needle {
                v[i..i + needle.len()].copy_from_slice(b"9999_next");
                n += 1;
            }
            i += 1;
        }
        assert!(n >= 1, "the migration name is stored in the file");
        v
    };
    let newer_path = p.write("newer.idg", &newer);
    let missing = p.file("missing.idg");
    let files: Vec<(&str, &Path, Vec<&str>)> = vec![
        ("a text file as project", &text, vec!["notes.idg", "not an idiograph project"]),
        ("another program's SQLite file", &foreign_path, vec!["foreign.sqlite", "another program"]),
        ("a project from a newer version", &newer_path, vec!["newer.idg", "newer version"]),
        ("a missing project", &missing, vec!["missing.idg", "not found"]),
    ];
    for (what, path, keys) in &files {
        let bytes = std::fs::read(path).ok();
        for cmd in [&["transcript", "list"][..], &["note", "add", "--transcript", "T1", "--lines", "1", "x"][..]] {
            let mut args = vec!["-p", path.to_str().unwrap(), "--author", AUTHOR];
            args.extend_from_slice(cmd);
            let r = run_in(p.dir.path(), &args);
            check_refusal(what, &r, keys, &mut failures);
        }
        if std::fs::read(path).ok() != bytes {
            failures.push(format!("{what}: the file was changed"));
        }
    }
    assert!(!missing.exists(), "opening a missing project must not create it");

    // init refuses an existing file.
    let r = run_in(p.dir.path(), ["--author", AUTHOR, "init", p.path.to_str().unwrap()]);
    check_refusal("init over an existing project", &r, &["study.idg"], &mut failures);
    assert!(failures.is_empty(), "{} problem(s):\n  {}", failures.len(), failures.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// 4. A killed import leaves all or nothing
// ---------------------------------------------------------------------------------------------

/// Writes `small-1.txt`, `small-2.txt`, `big.txt` (about `big` bytes) and `small-3.txt`.
fn import_batch(p: &Project, big: usize, tag: &str) -> Vec<String> {
    let mut files = Vec::new();
    for (i, name) in ["small-1", "small-2", "big", "small-3"].iter().enumerate() {
        let size = if *name == "big" { big } else { 60_000 };
        let path = p.write(&format!("{tag}-{name}.txt"), synthetic_transcript(size, i as u64 + 7));
        files.push(path.to_str().unwrap().to_owned());
    }
    files
}

/// Starts an import of `files`, kills it when `trigger` says so (or lets it finish), and
/// returns whether it was killed by the signal.
fn import_and_kill(p: &Project, files: &[String], trigger: &dyn Fn(Duration, &Path) -> bool) -> bool {
    let mut args: Vec<&str> = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--participant", "Ada"]);
    let mut child = p.spawn(&args);
    let start = Instant::now();
    let wal = std::path::PathBuf::from(format!("{}-wal", p.path.display()));
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if trigger(start.elapsed(), &wal) {
            let _ = child.kill();
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("import did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let status = child.wait().expect("wait");
    let killed = killed_by_signal(&status);
    // An import that ended by itself must have succeeded; say why when it did not.
    assert!(killed || status.success(), "the import failed by itself ({status}): {}", child_stderr(&mut child));
    killed
}

/// The project opens and holds either every transcript of the batch or none; the history
/// agrees. Returns how many transcripts there are.
fn assert_all_or_nothing(p: &Project, batch: usize, imports_before: usize, what: &str) -> usize {
    let ids = transcript_ids(p);
    p.json(&["study", "show"]);
    let history = p.json(&["history", "--limit", "100000"]);
    let imports: Vec<&Value> = arr(&history).iter().filter(|e| e["action"] == "import").collect();
    match ids.len() {
        0 => assert_eq!(imports.len(), imports_before, "{what}: nothing imported, yet history shows an import"),
        n if n == batch => {
            assert_eq!(imports.len(), imports_before + 1, "{what}: the batch is one import event");
            let summary = s(&imports[0]["summary"]);
            for id in &ids {
                assert!(summary.contains(id.as_str()), "{what}: the import event names {id}: {summary}");
            }
        }
        n => panic!("{what}: a partial import: {n} of {batch} transcripts ({ids:?})"),
    }
    ids.len()
}

/// File-only: it kills the import while SQLite's WAL grows; the server's counterpart follows.
#[test]
fn import_killed_midway_leaves_no_partial_transcript() {
    let mut big = 8_000_000;
    let mut killed_any = false;
    let mut killed_while_writing = false;
    for attempt in 0..3 {
        // Blind delays: killed while reading, parsing or writing, wherever that is.
        for delay in [50u64, 200, 600] {
            let p = Project::new();
            p.ok(&["participant", "add", "Ada"]);
            let files = import_batch(&p, big, "d");
            let killed = import_and_kill(&p, &files, &|t, _| t >= Duration::from_millis(delay));
            killed_any |= killed;
            let what = format!("kill after {delay} ms (killed: {killed})");
            let n = assert_all_or_nothing(&p, files.len(), 0, &what);
            eprintln!("{what}: {n} of {} transcripts", files.len());
            if !killed {
                assert_eq!(n, files.len(), "{what}: a finished import has everything");
            }
        }
        // Killed while the transaction is being written: the WAL is growing.
        let p = Project::new();
        p.ok(&["participant", "add", "Ada"]);
        let files = import_batch(&p, big, "w");
        let killed = import_and_kill(&p, &files, &|_, wal| file_size(wal) > 1_000_000);
        killed_any |= killed;
        killed_while_writing |= killed;
        let what = format!("kill while writing (killed: {killed})");
        let n = assert_all_or_nothing(&p, files.len(), 0, &what);
        eprintln!("{what}: {n} of {} transcripts", files.len());
        // The project is still writable after the crash: the same batch imports whole.
        let again: Vec<&str> =
            ["import"].into_iter().chain(files.iter().map(String::as_str)).chain(["--participant", "Ada"]).collect();
        let before = transcript_ids(&p).len();
        p.ok(&again);
        let after = transcript_ids(&p).len();
        assert_eq!(after, before + files.len(), "a new import after the crash stores the whole batch");
        if killed_while_writing {
            break;
        }
        eprintln!("attempt {attempt}: the import finished before it could be killed; trying bigger files");
        big *= 2;
    }
    assert!(killed_any, "no run killed the import before it finished: use bigger files");
    assert!(killed_while_writing, "no run killed the import while it was writing");
}

/// On a server, a killed import's connection ends and the server rolls its transaction back:
/// the project holds the whole batch or none of it, and takes the batch whole afterwards. The
/// kills fall at a quarter, a half, three quarters and seven eighths of the time a whole import
/// of the same batch takes: parsing takes about the first half, the one write transaction the
/// second.
#[test]
fn import_killed_midway_leaves_no_partial_transcript_on_the_server() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let server = Backend::Server(url);
    let new_project = || {
        let p = Project::on(&server);
        p.ok(&["participant", "add", "Ada"]);
        p
    };
    let first = new_project();
    let files = import_batch(&first, 4_000_000, "batch");
    let start = Instant::now();
    assert!(!import_and_kill(&first, &files, &|_, _| false));
    let whole = start.elapsed();
    assert_eq!(transcript_ids(&first).len(), files.len());
    let mut killed_any = false;
    let mut last = None;
    for eighths in [2, 4, 6, 7] {
        let p = new_project();
        let killed = import_and_kill(&p, &files, &|t, _| t >= whole * eighths / 8);
        killed_any |= killed;
        let what = format!("kill after {eighths}/8 of {whole:?} (killed: {killed})");
        let n = assert_all_or_nothing(&p, files.len(), 0, &what);
        eprintln!("{what}: {n} of {} transcripts", files.len());
        last = Some(p);
    }
    assert!(killed_any, "no run killed the import before it finished");
    let p = last.unwrap();
    let before = transcript_ids(&p).len();
    let again: Vec<&str> =
        ["import"].into_iter().chain(files.iter().map(String::as_str)).chain(["--participant", "Ada"]).collect();
    p.ok(&again);
    assert_eq!(transcript_ids(&p).len(), before + files.len(), "a new import after the kill stores the whole batch");
}

// ---------------------------------------------------------------------------------------------
// 5. Withdrawal erases every byte
// ---------------------------------------------------------------------------------------------

fn withdrawal_erases_every_byte(backend: Backend) {
    const SENTENCE: &str = "The purple lighthouse keeper whistled at dawn.";
    const NOTE_WORD: &str = "quixotically";
    const PSEUDONYM: &str = "Zephyrine";
    let p = Project::on(&backend);
    p.ok(&["participant", "add", PSEUDONYM, "--attr", "hometown=Lerwick"]);
    p.ok(&["participant", "add", "Bruno"]);
    let a = p.write("a.txt", interview("P", SENTENCE, 6));
    let b = p.write("b.txt", interview("P", "It was a grey morning by the harbour.", 6));
    p.ok(&["import", a.to_str().unwrap(), "--participant", PSEUDONYM]); // T1
    p.ok(&["import", b.to_str().unwrap(), "--participant", "Bruno"]); // T2
    std::fs::remove_file(&a).unwrap(); // only the project may hold the sentence
    assert!(p.ok(&["transcript", "show", "T1"]).contains("purple lighthouse"));
    p.ok(&[
        "note",
        "add",
        "--transcript",
        "T1",
        "--lines",
        "3",
        "--kind",
        "conceptual",
        &format!("{NOTE_WORD} serene imagery"),
    ]);
    p.ok(&["note", "add", "--transcript", "T1", "--chars", "0-20", "--kind", "linguistic", "opening question"]);
    p.ok(&[
        "statement",
        "add",
        "--transcript",
        "T1",
        "--lines",
        "3",
        "--from-note",
        "N1",
        &format!("Finding calm {NOTE_WORD}"),
    ]);
    p.ok(&["theme", "add", "--case", PSEUDONYM, "Serenity at the shore"]); // TH1
    p.ok(&["theme", "assign", "TH1", "--statement", "S1", "--rationale", &format!("{NOTE_WORD} calm")]);
    p.ok(&["note", "add", "--transcript", "T2", "--lines", "3", "grey harbour"]); // N3
    p.ok(&["statement", "add", "--transcript", "T2", "--lines", "3", "--from-note", "N3", "Greyness"]); // S2
    p.ok(&["theme", "add", "--case", "Bruno", "Fatigue"]); // TH2
    p.ok(&["theme", "assign", "TH2", "--statement", "S2"]);
    p.ok(&["theme", "add", "--group", "Mood of the place"]); // TH3
    p.ok(&["theme", "assign", "TH3", "--theme", "TH1"]);
    p.ok(&["theme", "assign", "TH3", "--theme", "TH2"]);
    p.ok(&["extract", "add", "--theme", "TH3", "--transcript", "T1", "--lines", "3"]); // X1
    p.ok(&["extract", "add", "--theme", "TH3", "--transcript", "T2", "--lines", "3"]); // X2
    p.ok(&["journal", "add", "--about", PSEUDONYM, &format!("{PSEUDONYM}'s interview {NOTE_WORD} moved me")]);
    p.ok(&["journal", "add", "Bruno was tired; so was I"]);
    let all = p.stored_bytes().into_iter().flat_map(|(_, b)| b).collect::<Vec<u8>>();
    assert!(contains_bytes(&all, SENTENCE.as_bytes()), "before withdrawal the project holds the sentence");

    // Without --confirm: refused, nothing changes.
    let before = (p.readout(), p.history_len());
    let r = p.run(&["participant", "withdraw", PSEUDONYM]);
    assert!(!r.success, "withdraw without --confirm must fail");
    assert!(r.stderr.starts_with("error:") && r.stderr.contains("--confirm"), "{}", r.stderr);
    assert_eq!((p.readout(), p.history_len()), before, "a refused withdrawal changes nothing");

    // Bruno's data as seen before.
    let bruno_extract = arr(&p.json(&["extract", "list"])).iter().find(|x| x["id"] == "X2").cloned().unwrap();
    let bruno_statements = p.json(&["statement", "list", "--participant", "Bruno"]);
    let bruno_notes = p.json(&["note", "list", "--transcript", "T2"]);

    let out = p.ok(&["participant", "withdraw", PSEUDONYM, "--confirm"]);
    assert!(out.contains("withdrawn"), "{out}");

    let check_gone = |when: &str| {
        for (part, bytes) in p.stored_bytes() {
            for needle in [SENTENCE, "purple lighthouse", NOTE_WORD, PSEUDONYM, "Lerwick", "Serenity at the shore"] {
                assert!(!contains_bytes(&bytes, needle.as_bytes()), "{when}: “{needle}” is still in {part}");
            }
        }
        let readout = p.readout();
        for needle in ["purple", NOTE_WORD, PSEUDONYM] {
            assert!(!readout.contains(needle), "{when}: “{needle}” is visible in the study");
        }
        let history = p.ok(&["--json", "history", "--limit", "100000"]);
        for needle in [PSEUDONYM, NOTE_WORD, "purple"] {
            assert!(!history.contains(needle), "{when}: “{needle}” is in the history:\n{history}");
        }
    };
    check_gone("after withdrawal");

    let history = p.json(&["history", "--limit", "100000"]);
    let withdraw: Vec<&Value> = arr(&history).iter().filter(|e| e["action"] == "withdraw participant").collect();
    assert_eq!(withdraw.len(), 1, "one withdrawal event: {history}");
    assert!(!s(&withdraw[0]["summary"]).contains(PSEUDONYM));
    assert_eq!(withdraw[0]["author"], AUTHOR);

    // Bruno is intact.
    let people = p.json(&["participant", "list"]);
    assert_eq!(arr(&people).len(), 1);
    assert_eq!(people[0]["pseudonym"], "Bruno");
    assert_eq!(transcript_ids(&p), ["T2"]);
    assert!(p.ok(&["transcript", "show", "T2"]).contains("grey morning by the harbour"));
    assert_eq!(p.json(&["statement", "list", "--participant", "Bruno"]), bruno_statements);
    assert_eq!(p.json(&["note", "list", "--transcript", "T2"]), bruno_notes);
    let extracts = p.json(&["extract", "list"]);
    assert_eq!(arr(&extracts).len(), 1);
    assert_eq!(extracts[0], bruno_extract);
    let tree = p.json(&["theme", "list"]);
    assert_eq!(theme_by_title(&tree, "Mood of the place")["pets"], serde_json::json!(["TH2"]));
    assert_eq!(theme_by_title(&tree, "Fatigue")["statements"], serde_json::json!(["S2"]));
    let journal = p.json(&["journal", "list"]);
    assert_eq!(arr(&journal).len(), 1, "the entry about the withdrawn participant is erased: {journal}");
    assert_eq!(journal[0]["text"], "Bruno was tired; so was I");
    let rec = p.json(&["recurrence"]);
    assert_eq!(rec["participants"], serde_json::json!([{"id": "P2", "pseudonym": "Bruno"}]));

    // Undo cannot bring anything back.
    for i in 0..6 {
        let _ = p.run(&["undo"]);
        check_gone(&format!("after undo #{}", i + 1));
    }
    for i in 0..3 {
        let _ = p.run(&["redo"]);
        check_gone(&format!("after redo #{}", i + 1));
    }
}

// ---------------------------------------------------------------------------------------------
// 6. The demo study reproduces the poster's results
// ---------------------------------------------------------------------------------------------

/// File-only: `demo` writes a project file (`--out`); the demo's move to a server and the same
/// views there are checked in `a_project_moves_to_the_server_and_back`.
#[test]
fn demo_report_has_the_poster_results() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo.idg");
    let first = run_in(dir.path(), ["--author", AUTHOR, "demo", "--no-serve", "--out", demo.to_str().unwrap()]);
    first.assert_ok();
    assert!(first.stdout.contains("Created"), "{}", first.stdout);
    let p = Project::file_at(dir, demo.clone());
    let readout = p.readout();

    let gets: [(&str, &[&str]); 3] = [
        ("Psychological Benefits", &["Reducing Burnout", "Catharsis", "Deep Reflection", "Enjoyment"]),
        ("Social Benefits", &["Peer Support", "Differing Perspectives", "Shared Experiences"]),
        (
            "Considerations",
            &["Unique Attributes", "Limited Prior Awareness", "Competing Interests", "A Sense of Discomfort"],
        ),
    ];

    // The theme tree.
    let tree = p.json(&["theme", "list"]);
    let groups: Vec<&Value> = arr(&tree["gets"]).iter().collect();
    let titles: Vec<&str> = groups.iter().map(|t| s(&t["title"])).collect();
    assert_eq!(titles, gets.iter().map(|g| g.0).collect::<Vec<_>>(), "the three GETs, in order");
    for (get, subs) in gets {
        let node = groups.iter().find(|t| t["title"] == get).unwrap();
        let children: Vec<&str> = arr(&node["sub_themes"]).iter().map(|c| s(&c["title"])).collect();
        assert_eq!(children, subs, "sub-themes of {get}");
        for c in arr(&node["sub_themes"]) {
            assert!(!arr(&c["pets"]).is_empty(), "{} has contributing PETs", c["title"]);
        }
    }

    // The markdown report.
    let md_path = p.file("R.md");
    p.ok(&["report", "--format", "md", "-o", md_path.to_str().unwrap()]);
    let md = std::fs::read_to_string(&md_path).unwrap();
    for (get, subs) in gets {
        assert!(md.contains(get), "report lacks {get}");
        for sub in subs {
            assert!(md.contains(sub), "report lacks {sub}");
        }
    }
    // In the section of themes with extracts, each sub-theme heading sits under its GET heading.
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut headings = Vec::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = None;
            headings.push(h.to_owned());
        } else if let Some(h) = line.strip_prefix("### ") {
            current = Some(h.trim().to_owned());
        } else if let Some(h) = line.strip_prefix("#### ") {
            if let Some(c) = &current {
                parent_of.insert(h.trim().to_owned(), c.clone());
            }
        }
    }
    for (get, subs) in gets {
        for sub in subs {
            assert_eq!(
                parent_of.get(*sub).map(String::as_str),
                Some(get),
                "“{sub}” should be under “{get}” in the report"
            );
        }
    }
    // The poster's quotations, each cited to the right participant.
    for (opening, who) in [
        ("It can be really easy to fall into a pattern", "Olivia"),
        ("A lot of support and reassurance", "Rachel"),
        ("There’s a sense of feeling like you’ve got something off your chest", "Tom"),
    ] {
        let (name, citation) = citation_after_quote(&md, opening);
        assert_eq!(name, who, "“{opening}…” is cited as {citation}");
    }
    // The recurrence matrix.
    let rec_heading = headings.iter().find(|h| h.to_lowercase().contains("recurrence"));
    assert!(rec_heading.is_some(), "a recurrence section: headings are {headings:?}");
    let rec_section = &md[md.find(&format!("## {}", rec_heading.unwrap())).unwrap()..];
    let rec_section = &rec_section[..rec_section[3..].find("\n## ").map_or(rec_section.len(), |i| i + 3)];
    for who in ["Olivia", "Rachel", "Tom"] {
        assert!(rec_section.contains(who), "the matrix has a column for {who}");
    }
    for (get, subs) in gets {
        assert!(rec_section.contains(get), "the matrix has a row for {get}");
        for sub in subs {
            assert!(rec_section.contains(sub), "the matrix has a row for {sub}");
        }
    }
    let rec = p.json(&["recurrence"]);
    assert_eq!(arr(&rec["rows"]).len(), 14);
    for row in arr(&rec["rows"]) {
        if row["depth"] == 0 {
            assert_eq!(row["contributors"], 3, "{row}");
        }
    }

    // The HTML report: one self-contained document with an inline SVG figure.
    let html_path = p.file("R.html");
    p.ok(&["report", "--format", "html", "-o", html_path.to_str().unwrap()]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let lower = html.to_ascii_lowercase();
    assert!(lower.trim_start().starts_with("<!doctype html"), "an HTML document");
    assert!(lower.trim_end().ends_with("</html>"), "a complete HTML document");
    assert!(lower.contains("<svg"), "an inline SVG figure");
    for external in ["<script src", "<link ", "src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!lower.contains(external), "a self-contained report has no external resource ({external})");
    }
    for (get, subs) in gets {
        assert!(html.contains(get), "html lacks {get}");
        for sub in subs {
            assert!(html.contains(sub), "html lacks {sub}");
        }
    }
    for who in ["Olivia", "Rachel", "Tom"] {
        assert!(html.contains(&format!("({who}, p. ")), "html cites {who}");
    }

    // Figures for the write-up: SVG on standard output, PNG to a file at 300 dpi.
    for kind in ["theme-map", "heatmap", "flow"] {
        let svg = p.ok(&["figure", kind]);
        assert!(svg.starts_with("<svg") && svg.contains("Catharsis"), "{kind}");
        let path = p.file(&format!("{kind}.png"));
        p.ok(&["figure", kind, "--format", "png", "-o", path.to_str().unwrap()]);
        let png = std::fs::read(&path).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{kind}");
        // The pHYs chunk: 11,811 pixels per metre both ways (300 dpi), unit the metre.
        let at = png.windows(4).position(|w| w == b"pHYs").expect("a pHYs chunk") + 4;
        assert_eq!(&png[at..at + 9], &[0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1], "{kind}");
    }

    // The results section scaffold: Markdown on standard output, the poster's GETs and themes
    // as headings in order, each extract cited by pseudonym; LaTeX and Word to files.
    let results = p.ok(&["results"]);
    let headings: Vec<&str> =
        results.lines().filter_map(|l| l.strip_prefix("## ").or_else(|| l.strip_prefix("### "))).collect();
    let expected: Vec<&str> =
        gets.iter().flat_map(|(g, subs)| std::iter::once(*g).chain(subs.iter().copied())).collect();
    assert_eq!(headings, expected, "{results}");
    for who in ["Olivia", "Rachel", "Tom"] {
        assert!(results.contains(&format!("({who}, p. ")), "the scaffold cites {who}");
    }
    let tex_path = p.file("results.tex");
    p.ok(&["results", "--format", "tex", "-o", tex_path.to_str().unwrap()]);
    let tex = std::fs::read_to_string(&tex_path).unwrap();
    assert!(tex.contains("\\subsection*{Psychological Benefits}") && tex.contains("\\begin{quote}"), "{tex}");
    assert!(tex.trim_end().ends_with("\\end{document}"), "a whole LaTeX document");
    let docx_path = p.file("results.docx");
    p.ok(&["results", "--format", "docx", "-o", docx_path.to_str().unwrap()]);
    assert!(std::fs::read(&docx_path).unwrap().starts_with(b"PK"), "a Word package");
    assert!(p.run(&["results", "--format", "docx"]).stderr.contains("-o FILE"), "Word is a file, not a stream");

    // A second demo run reuses the file and changes nothing.
    let second = run_in(p.dir.path(), ["--author", AUTHOR, "demo", "--no-serve", "--out", demo.to_str().unwrap()]);
    second.assert_ok();
    assert!(second.stdout.contains("Opened"), "{}", second.stdout);
    assert!(!second.stdout.contains("Created"), "{}", second.stdout);
    assert_eq!(p.readout(), readout, "reopening the demo changes nothing");
}

// ---------------------------------------------------------------------------------------------
// 7. Durability after success, and backups while the project is in use
// ---------------------------------------------------------------------------------------------

/// File-only: the WAL, a kill while it grows, and `backup` (`VACUUM INTO` a file) are the
/// file's; on a server `backup` is refused with a pointer to `migrate` (see `json_contract`).
#[test]
fn durable_after_success_and_backup_while_open() {
    let p = Project::new();
    p.ok(&["participant", "add", "Ada"]);
    let small = p.write("small.txt", interview("Ada", "The room was warm.", 8));
    p.ok(&["import", small.to_str().unwrap(), "--participant", "Ada"]);
    let added = p.ok(&["note", "add", "--transcript", "T1", "--lines", "3", "--kind", "descriptive", "durable note"]);
    assert!(added.contains("N1"), "{added}");

    // A later process is killed while writing; the acknowledged note stays.
    let big = p.write("big.txt", synthetic_transcript(6_000_000, 3));
    let files = vec![big.to_str().unwrap().to_owned()];
    let killed = import_and_kill(&p, &files, &|t, wal| file_size(wal) > 500_000 || t > Duration::from_secs(30));
    let notes = p.json(&["note", "list"]);
    assert_eq!(arr(&notes).len(), 1, "the acknowledged note survives (import killed: {killed})");
    assert_eq!(notes[0]["text"], "durable note");
    assert!(transcript_ids(&p).len() == 1 || transcript_ids(&p).len() == 2);

    // backup while another process is importing (holding the project open, writing).
    let mut child = p.spawn(&["import", big.to_str().unwrap(), "--participant", "Ada"]);
    let wal = std::path::PathBuf::from(format!("{}-wal", p.path.display()));
    let start = Instant::now();
    while file_size(&wal) < 200_000 && start.elapsed() < Duration::from_secs(30) && child.try_wait().unwrap().is_none()
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    let concurrent = child.try_wait().unwrap().is_none();
    let dest = p.file("copy.idg");
    let backup = p.run(&["backup", dest.to_str().unwrap()]);
    let status = wait_or_kill(&mut child, Duration::from_secs(60));
    backup.assert_ok();
    assert!(status.success(), "the import ran alongside the backup ({status}): {}", child_stderr(&mut child));
    assert!(concurrent, "the backup should have run while the import was still going (it finished too early)");
    assert!(dest.is_file());
    let copy = Project::file_at(tempfile::tempdir().unwrap(), dest.clone());
    let copied = transcript_ids(&copy);
    assert!(copied.contains(&"T1".to_owned()), "the backup holds the committed transcript: {copied:?}");
    let study = copy.json(&["study", "show"]);
    assert_eq!(study["title"], "Untitled IPA study");
    assert_eq!(arr(&copy.json(&["note", "list"])).len(), 1, "the backup holds the note");

    // backup refuses an existing destination and leaves it alone.
    let size = file_size(&dest);
    let again = p.run(&["backup", dest.to_str().unwrap()]);
    assert!(!again.success, "backup over an existing file must be refused");
    assert!(again.stderr.starts_with("error:") && again.stderr.contains("copy.idg"), "{}", again.stderr);
    assert_eq!(file_size(&dest), size);
    let other = p.write("existing.txt", "keep me");
    assert!(!p.run(&["backup", other.to_str().unwrap()]).success);
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "keep me");
}

// ---------------------------------------------------------------------------------------------
// 8. Every command's --json output is JSON
// ---------------------------------------------------------------------------------------------

fn json_contract(backend: Backend) {
    let (p, init) = Project::init(&backend, &["--json"]);
    let v = init.json();
    assert_eq!(v["terminology"], "2022");
    assert_eq!(v["project"], p.path.to_str().unwrap());
    let t = p.write("t.txt", interview("Ada", "Something worth quoting.", 4));

    let check = |args: &[&str], keys: &[&str]| -> Value {
        let v = p.json(args);
        for k in keys {
            assert!(v.get(*k).is_some(), "`{}` --json lacks \"{k}\": {v}", args.join(" "));
        }
        v
    };
    assert_eq!(check(&["participant", "add", "Ada"], &["id", "pseudonym"])["id"], "P1");
    assert!(check(&["participant", "list"], &[]).is_array());
    let imp = check(&["import", t.to_str().unwrap(), "--participant", "Ada"], &["imported", "refused"]);
    assert_eq!(imp["imported"][0]["transcript"], "T1");
    assert!(check(&["transcript", "list"], &[]).is_array());
    let show = check(&["transcript", "show", "T1"], &["id", "title", "version", "lines", "turns", "text"]);
    assert!(arr(&show["lines"]).iter().all(|l| l["global"].is_u64() && l["page"].is_u64() && l["text"].is_string()));
    assert_eq!(
        check(&["note", "add", "--transcript", "T1", "--lines", "3", "n"], &["id", "kind", "start", "end"])["id"],
        "N1"
    );
    assert!(check(&["note", "list"], &[]).is_array());
    assert_eq!(check(&["statement", "add", "--transcript", "T1", "--lines", "3", "st"], &["id"])["id"], "S1");
    assert!(check(&["statement", "list"], &[]).is_array());
    assert_eq!(check(&["theme", "add", "--case", "Ada", "pet"], &["id", "scope"])["scope"], "case");
    assert_eq!(check(&["theme", "add", "--group", "get"], &["id", "scope"])["scope"], "group");
    check(&["theme", "assign", "TH1", "--statement", "S1", "--strategy", "function"], &["theme", "member", "strategy"]);
    check(&["theme", "assign", "TH2", "--theme", "TH1"], &["theme", "member"]);
    let tree = check(&["theme", "list"], &["cases", "gets"]);
    assert!(tree["cases"].is_array() && tree["gets"].is_array());
    assert!(s(&check(
        &["extract", "add", "--theme", "TH2", "--transcript", "T1", "--lines", "3"],
        &["id", "citation"]
    )["citation"])
    .starts_with("(Ada, p. 1, l"));
    assert!(check(&["extract", "list"], &[]).is_array());
    assert_eq!(check(&["journal", "add", "entry"], &["id"])["id"], "J1");
    assert!(check(&["journal", "list"], &[]).is_array());
    check(&["recurrence"], &["participants", "rule", "required", "rows"]);
    let history = check(&["history"], &[]);
    assert!(arr(&history).iter().all(|e| e["seq"].is_i64() && e["author"] == AUTHOR && e["summary"].is_string()));
    assert!(check(&["undo"], &["undo", "summary"])["undo"].is_i64());
    assert!(check(&["redo"], &["redo", "summary"])["redo"].is_i64());
    assert!(check(&["redo"], &["redo"])["redo"].is_null(), "nothing to redo is JSON null");
    check(&["study", "show"], &["title", "terminology", "recurrence_rule", "chars_per_line", "lines_per_page"]);
    check(&["study", "set", "--title", "New"], &["title"]);
    check(&["participant", "edit", "Ada", "--attr", "k=v"], &["id"]);
    let report = p.file("r.md");
    check(&["report", "-o", report.to_str().unwrap()], &["output", "bytes"]);
    let backup = p.file("b.idg");
    if backend == Backend::File {
        check(&["backup", backup.to_str().unwrap()], &["backup"]);
    }

    // Errors under --json still go to stderr, one line, with nothing on stdout.
    let mut refusals = vec![vec!["--json", "note", "delete", "N99"]];
    if backend != Backend::File {
        // A server project is copied with `migrate --from`, which backup's refusal names.
        refusals.push(vec!["--json", "backup", backup.to_str().unwrap()]);
    }
    for args in refusals {
        let r = p.run(&args);
        assert!(!r.success, "{args:?}");
        assert!(r.stdout.trim().is_empty(), "no stdout on error: {}", r.stdout);
        assert!(r.stderr.starts_with("error:") && r.stderr.lines().count() == 1, "{}", r.stderr);
    }
    if backend != Backend::File {
        assert!(!backup.exists());
        return;
    }

    // A fresh demo as JSON (a file, whatever the backend: once is enough).
    let demo = p.file("demo.idg");
    let d = run_in(p.dir.path(), ["--author", AUTHOR, "--json", "demo", "--no-serve", "--out", demo.to_str().unwrap()]);
    d.assert_ok();
    assert_eq!(d.json()["created"], true);
}

// ---------------------------------------------------------------------------------------------
// 9. A reader that stops early (`| head`) does not make the binary panic
// ---------------------------------------------------------------------------------------------

fn closed_stdout_is_not_a_crash(backend: Backend) {
    use std::io::{BufRead, BufReader};
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Ada"]);
    let t = p.write("long.txt", synthetic_transcript(400_000, 11));
    p.ok(&["import", t.to_str().unwrap(), "--participant", "Ada"]);
    // Like `idiograph transcript show T1 | head -1`: read one line, then close the pipe.
    let mut child = p.spawn(&["transcript", "show", "T1"]);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("T1 "), "{first}");
    drop(out);
    let status = wait_or_kill(&mut child, Duration::from_secs(30));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "a closed stdout made the binary panic:\n{stderr}");
    assert!(!killed_by_signal(&status), "the binary did not end on its own after its reader left: {status:?}");
}

/// A pseudonym that looks like a short id ("P1") is a name, not a reference to participant P1.
fn pseudonyms_that_look_like_short_ids_do_not_clash(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Ann", "--mode", "video call"]);
    p.ok(&["participant", "add", "P1"]);
    let list = p.json(&["participant", "list"]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|x| x["pseudonym"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ann", "P1"]);
    let dup = p.run(&["participant", "add", "p1"]);
    assert!(!dup.success, "a pseudonym differing only in case is the same participant");
    // A pseudonym is found before a P-id: editing "P1" changes the participant called P1 (P2),
    // over its own interview details, not over Ann's (P1).
    p.ok(&["participant", "edit", "P1", "--date", "2024-05-01"]);
    let list = p.json(&["participant", "list"]);
    let interview = |i: usize| &list[i]["interview"];
    assert!(interview(0)["mode"] == "video call" && interview(0)["date"].is_null(), "{list:#}");
    assert!(interview(1)["date"] == "2024-05-01" && interview(1)["mode"].is_null(), "{list:#}");
}

/// Renaming a speaker makes a new version; every anchor still covers the same words, and undo
/// brings the old version and anchors back.
fn renaming_a_speaker_carries_anchors_to_the_new_version(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Olivia"]);
    let file = p.write("t.txt", "Dr Jane Roe: How was the group?\n\nOlivia: It felt like a weight had been lifted.\n\nDr Jane Roe: Thank you.\n");
    p.ok(&["import", file.to_str().unwrap(), "--participant", "Olivia"]);
    let text = "Olivia: It felt like a weight had been lifted.";
    let start = "Dr Jane Roe: How was the group?\n\n".chars().count() + "Olivia: It felt like ".chars().count();
    let range = format!("{}-{}", start, start + "a weight had been lifted".chars().count());
    let note =
        p.json(&["note", "add", "--transcript", "T1", "--chars", &range, "--kind", "linguistic", "metaphor of weight"]);
    assert_eq!(note["id"], "N1");
    assert!(text.contains("weight"));
    let before = p.readout();
    p.ok(&["transcript", "rename-speaker", "T1", "Dr Jane Roe", "Interviewer"]);
    let shown = p.ok(&["transcript", "show", "T1"]);
    assert!(shown.contains("Interviewer: How was the group?") && !shown.contains("Jane"), "{shown}");
    let notes = p.json(&["note", "list", "--transcript", "T1"]);
    assert_eq!(notes[0]["quote"], "a weight had been lifted");
    let speakers = p.json(&["transcript", "speakers", "T1"]);
    let labels: Vec<&str> = speakers.as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Interviewer", "Olivia"]);
    p.ok(&["undo"]);
    assert_eq!(p.readout(), before);
}

/// The interview guide on the command line: a guide document imported, suggestions shown and
/// confirmed with one turn set by line, the answers printed and written as a workbook; bad
/// `--set` values refused naming the line, and nothing changed by them.
/// The `recording` commands (issue #16): attach, list, export byte for byte, remove with undo,
/// the line times of the turns; bad input refused with the reason, a non-zero exit and nothing
/// changed.
fn a_recording_is_attached_listed_exported_and_removed(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Olivia"]);
    let t = p.write("olivia.txt", "[00:00:03] Interviewer: How was it?\n\n[00:00:07.5] Olivia: Hard at first.\n");
    p.ok(&["import", t.to_str().unwrap(), "--participant", "Olivia"]);
    assert!(p.ok(&["recording", "list"]).contains("No recordings"));
    let audio = idiograph_testkit::wav(&(0..69_956u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>());
    let file = p.write("olivia.wav", audio.clone());
    let noise = p.write("noise.wav", (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>());

    let before = p.json(&["history"]);
    let docx = p.write("notes.docx", "x");
    let (docx, missing, file_arg) = (docx.to_str().unwrap(), p.file("missing.mp3"), file.to_str().unwrap());
    let elsewhere = p.file("x.wav");
    let refused: [(&[&str], &str); 6] = [
        (&["recording", "attach", "T1", docx], "notes.docx is not a recording"),
        (&["recording", "attach", "T1", noise.to_str().unwrap()], "noise.wav is not an audio or video file"),
        (&["recording", "attach", "T1", missing.to_str().unwrap()], "cannot read"),
        (&["recording", "attach", "T7", file_arg], "no transcript T7"),
        (&["recording", "remove", "T1"], "T1 has no recording"),
        (&["recording", "export", "T1", "-o", elsewhere.to_str().unwrap()], "T1 has no recording"),
    ];
    for (args, why) in refused {
        let run = p.run(args);
        assert!(!run.success && run.stderr.contains(why), "{args:?}: {}", run.stderr);
    }
    assert_eq!(p.json(&["history"]), before, "refused commands change nothing");

    let attached = p.json(&["recording", "attach", "T1", file.to_str().unwrap()]);
    assert_eq!((attached["id"].as_str(), attached["media"].as_str()), (Some("R1"), Some("audio")));
    assert_eq!(attached["mime"], "audio/wav");
    // 69,956 samples at 8 kHz, as the probe read.
    assert!(p
        .ok(&["recording", "list"])
        .contains("R1   T1   olivia.wav (audio, audio/wav, 70000 bytes, 00:00:08.745)"));
    let times = p.json(&["recording", "times", "T1"]);
    assert_eq!(times["from"], "turn timestamps");
    assert_eq!(times["lines"], serde_json::json!([{"line": 1, "time_ms": 3000}, {"line": 3, "time_ms": 7500}]));
    assert!(p.ok(&["recording", "times", "T1"]).contains("line 3      00:00:07.500"));

    let out = p.file("copy.wav");
    p.ok(&["recording", "export", "T1", "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap() == audio, "exported byte for byte");
    let again = p.run(&["recording", "export", "T1", "-o", out.to_str().unwrap()]);
    assert!(
        !again.success && again.stderr.contains("cannot create"),
        "an existing file is not overwritten: {}",
        again.stderr
    );

    assert!(p.ok(&["recording", "remove", "T1"]).contains("Removed R1 (olivia.wav) from T1"));
    assert_eq!(p.json(&["recording", "list"]), serde_json::json!([]));
    p.ok(&["undo"]);
    assert_eq!(p.json(&["recording", "list"])[0]["id"], "R1", "undo brings the recording back");
}

fn the_interview_guide_from_a_document_to_the_answers_side_by_side(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Olivia"]);
    let interview = "Interviewer: How did you come to join the Balint group?\n\nOlivia: A friend told me.\n\n\
        Interviewer: Go on.\n\nOlivia: She said it helped.\n\n\
        Interviewer: What was the group like?\n\nOlivia: Small and kind.\n";
    let file = p.write("olivia.txt", interview);
    p.ok(&["import", file.to_str().unwrap(), "--participant", "Olivia"]);
    let guide = p.write(
        "guide.txt",
        "Guide v1\n1. How did you join the Balint group?\n   - Who told you?\n2. What was the group like?\n",
    );
    let imported = p.json(&["guide", "import", guide.to_str().unwrap()]);
    assert_eq!(imported["added"], 3);
    assert_eq!(imported["skipped"][0], "Guide v1");
    let listed = p.ok(&["guide", "list"]);
    assert!(
        listed.contains("Q1   How did you join the Balint group?") && listed.contains("Q2   Who told you?"),
        "{listed}"
    );

    let m = p.json(&["guide", "match", "T1"]);
    let suggested: Vec<&str> =
        m["turns"].as_array().unwrap().iter().map(|t| t["suggested"].as_str().unwrap()).collect();
    assert_eq!(suggested, ["Q1", "Q1", "Q3"]);
    assert_eq!(m["confirmed"], false);
    let lines: Vec<u64> = m["turns"].as_array().unwrap().iter().map(|t| t["line"].as_u64().unwrap()).collect();

    let bad = p.run(&["guide", "confirm", "T1", "--set", "2=Q1"]);
    assert!(!bad.success && bad.stderr.contains("no interviewer turn of T1 starts on line 2"), "{}", bad.stderr);
    let bad = p.run(&["guide", "confirm", "T1", "--set", "one=Q1"]);
    assert!(!bad.success && bad.stderr.contains("'one' is not a line number"), "{}", bad.stderr);
    assert_eq!(p.json(&["guide", "match", "T1"])["confirmed"], false, "a refusal confirms nothing");

    let set = format!("{}=none", lines[1]);
    let confirmed = p.json(&["guide", "confirm", "T1", "--set", &set]);
    let got: Vec<Value> = confirmed["turns"].as_array().unwrap().iter().map(|t| t["confirmed"].clone()).collect();
    assert_eq!(got, [Value::from("Q1"), Value::Null, Value::from("Q3")]);

    let answers = p.json(&["guide", "answers"]);
    assert_eq!(answers["questions"][0]["cells"][0]["answers"][0]["text"], "A friend told me.");
    assert_eq!(answers["questions"][1]["cells"][0]["answers"][0]["text"], "Small and kind.");
    let out = p.file("answers.xlsx");
    p.ok(&["guide", "answers", "--format", "xlsx", "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));
    let md = p.ok(&["guide", "answers", "--format", "md"]);
    assert!(md.contains("> Small and kind.") && md.contains("(Olivia, p. 1, l. "), "{md}");
    let wrong = p.run(&["guide", "answers", "--format", "pdf"]);
    assert!(!wrong.success && wrong.stderr.contains("no answers format 'pdf' (formats: xlsx, md)"), "{}", wrong.stderr);
}

/// A line of a VTT or SRT transcript opens with the cue's time and the speaker's name
/// (`[00:00:03.500] Bob: …`); a note, statement or extract taken by that line quotes the words.
fn a_selection_by_lines_quotes_the_words_not_the_cue_time_and_label(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Bob"]);
    let vtt = p.write(
        "bob.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>How did the first session feel?</v>\n\n\
         00:00:03.500 --> 00:00:06.000\n<v Bob>It felt like a weight had been lifted.</v>\n\n\
         00:00:06.500 --> 00:00:09.000\n<v Interviewer>Thank you.</v>\n",
    );
    let srt = p.write(
        "bob.srt",
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: And later on?\n\n\
         2\n00:00:03,500 --> 00:00:06,000\nBob: I stopped dreading Tuesdays.\n",
    );
    p.ok(&["import", vtt.to_str().unwrap(), "--participant", "Bob"]);
    p.ok(&["import", srt.to_str().unwrap(), "--participant", "Bob"]);
    p.ok(&["theme", "add", "--group", "Relief"]);
    for (transcript, words, stamp) in [
        ("T1", "It felt like a weight had been lifted.", "[00:00:03.500] Bob:"),
        ("T2", "I stopped dreading Tuesdays.", "[00:00:03,500] Bob:"),
    ] {
        let show = p.json(&["transcript", "show", transcript]);
        let line = arr(&show["lines"])
            .iter()
            .find(|l| s(&l["text"]).contains(words))
            .unwrap_or_else(|| panic!("{words} not shown in {transcript}: {show}"));
        assert!(s(&line["text"]).starts_with(stamp), "the line opens with the cue time and label: {line}");
        let n = line["line"].as_u64().unwrap().to_string();
        let note =
            p.json(&["note", "add", "--transcript", transcript, "--lines", &n, "--kind", "descriptive", "relief"]);
        let statement = p.json(&["statement", "add", "--transcript", transcript, "--lines", &n, "Relief in the group"]);
        let extract = p.json(&["extract", "add", "--theme", "TH1", "--transcript", transcript, "--lines", &n]);
        let notes = p.json(&["note", "list", "--transcript", transcript]);
        let note = arr(&notes).iter().find(|x| x["id"] == note["id"]).unwrap();
        assert_eq!(note["quote"], words, "a note by line quotes the words");
        let statements = p.json(&["statement", "list"]);
        let statement = arr(&statements).iter().find(|x| x["id"] == statement["id"]).unwrap();
        assert_eq!(statement["anchors"][0]["quote"], words, "a statement by line quotes the words");
        let extracts = p.json(&["extract", "list"]);
        let extract = arr(&extracts).iter().find(|x| x["id"] == extract["id"]).unwrap();
        assert_eq!(extract["anchor"]["quote"], words, "an extract by line quotes the words");
    }
    // Two lines from the interviewer's question on: the quote starts with the question's words
    // and keeps the second speaker's label, which is part of the exchange quoted.
    let two = p.json(&["note", "add", "--transcript", "T2", "--lines", "1-3", "--kind", "linguistic", "exchange"]);
    let notes = p.json(&["note", "list", "--transcript", "T2"]);
    let quote = s(&arr(&notes).iter().find(|x| x["id"] == two["id"]).unwrap()["quote"]).to_owned();
    assert_eq!(quote, "And later on?\n\n[00:00:03,500] Bob: I stopped dreading Tuesdays.");
}

/// A Markdown transcript is imported as it reads rendered: no emphasis marks or backslash
/// escapes in the text or in any quote, bold labels as speakers, "Break" and headings not.
fn a_markdown_transcript_reads_as_rendered(backend: Backend) {
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Alex"]);
    let md = p.write(
        "alex.md",
        "# Interview with Alex\n\n**Jo Interviewer:** How was the *first* session?\n\n\
         **Alex Gallego:** \\[00:01:02\\] It was **hard** \\[unintelligible 00:01:21\\] at first.\n\n\
         Then it got easier.\n\n**Break:** \\[09:54\\]\n\n**Alex Gallego:** Much easier, honestly.\n",
    );
    p.ok(&["import", md.to_str().unwrap(), "--participant", "Alex"]);
    let show = p.json(&["transcript", "show", "T1"]);
    let text: Vec<&str> = arr(&show["lines"]).iter().map(|l| s(&l["text"])).collect();
    let text = text.join("\n");
    assert!(!text.contains("**") && !text.contains('\\') && !text.contains("*first*"), "{text}");
    assert!(text.contains("[00:01:02] Alex Gallego: It was hard [unintelligible 00:01:21] at first."), "{text}");
    let speakers = p.json(&["transcript", "speakers", "T1"]);
    let labels: Vec<&str> = arr(&speakers).iter().map(|x| s(&x["label"])).collect();
    assert_eq!(labels, ["Alex Gallego", "Jo Interviewer"], "no Break, no heading, no time as a speaker");
    let line = arr(&show["lines"]).iter().find(|l| s(&l["text"]).contains("It was hard")).unwrap();
    let n = line["line"].as_u64().unwrap().to_string();
    let note = p.json(&["note", "add", "--transcript", "T1", "--lines", &n, "--kind", "linguistic", "hard"]);
    let notes = p.json(&["note", "list"]);
    let quote = s(&arr(&notes).iter().find(|x| x["id"] == note["id"]).unwrap()["quote"]).to_owned();
    assert_eq!(quote, "It was hard [unintelligible 00:01:21] at first.");
}

/// A folder imports every supported file in it; with one participant per file, participants are
/// made from the file names; a bad file is refused by name and the others still import.
fn folder_import_with_a_participant_per_file(backend: Backend) {
    let p = Project::on(&backend);
    std::fs::create_dir(p.file("batch")).unwrap();
    p.write("batch/Olivia.txt", "Interviewer: Hello?\n\nOlivia: Hello.\n");
    p.write("batch/Rachel.md", "**Interviewer:** Hi.\n\n**Rachel:** Hi there.\n");
    p.write("batch/Broken.txt", b"\x00\x01\x02binary\x00".as_slice());
    p.write("batch/ignored.jpg", b"\xff\xd8\xff".as_slice());
    let run = p.run(&["--json", "import", p.file("batch").to_str().unwrap(), "--participant-per-file"]);
    assert!(!run.success, "one refused file makes the exit status non-zero");
    assert!(run.stderr.contains("error: Broken.txt: binary content"), "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let who: Vec<&str> =
        out["imported"].as_array().unwrap().iter().map(|f| f["participant"].as_str().unwrap()).collect();
    assert_eq!(who, ["Olivia", "Rachel"]);
    let names: Vec<String> = p
        .json(&["participant", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["pseudonym"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Olivia", "Rachel"], "no participant is made for a refused file");
}

/// `serve` answers on 127.0.0.1 with the workbench and refuses a foreign Host header.
fn serve_opens_the_workbench_on_loopback(backend: Backend) {
    let p = Project::on(&backend);
    let mut child = p.spawn(&["serve", "--port", "0"]);
    let host = served_host(&mut child);
    let get = |host_header: &str| {
        raw_request(&host, &format!("GET / HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n"))
    };
    let page = get(&host);
    child.kill().ok();
    child.wait().ok();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("content-security-policy"), "{page}");
    let mut child = p.spawn(&["serve", "--port", "0"]);
    let host = served_host(&mut child);
    let out = raw_request(&host, "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    child.kill().ok();
    child.wait().ok();
    assert!(out.starts_with("HTTP/1.1 421"), "DNS rebinding guard: {out}");
}

/// A project moves to a PostgreSQL server and back losslessly, and every command works on the
/// server with `--database URL -p ID`. Runs when a server answers on 127.0.0.1:5432 (required
/// under CI).
#[test]
fn a_project_moves_to_the_server_and_back() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let p = Project::uninitialised();
    p.ok(&["demo", "--no-serve", "--out", p.path.to_str().unwrap()]);
    p.ok(&["note", "delete", "N3"]);
    // A recording (3 pieces and a bit) travels byte for byte.
    let audio = idiograph_testkit::wav(
        &(0..3 * (1 << 20) + 999).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 7) as u8).collect::<Vec<u8>>(),
    );
    let file = p.write("t1.wav", audio.clone());
    p.ok(&["recording", "attach", "T1", file.to_str().unwrap()]);
    let server = p.copy_on_server(&url);
    let views: [&[&str]; 8] = [
        &["--json", "participant", "list"],
        &["--json", "note", "list"],
        &["--json", "theme", "list"],
        &["--json", "recurrence"],
        &["--json", "history", "--limit", "500"],
        &["report", "--format", "md"],
        &["--json", "recording", "list"],
        &["--json", "recording", "times", "T1"],
    ];
    for view in views {
        assert_eq!(server.ok(view), p.ok(view), "{view:?} on the server");
    }
    // The undo history came along: undoing on the server brings the deleted note back.
    server.ok(&["undo"]);
    assert!(server.ok(&["note", "list"]).contains("N3"));
    server.ok(&["redo"]);
    let back = p.file("back.idg");
    p.ok(&["migrate", "--from", &url, "--project-id", server.path.to_str().unwrap(), "-o", back.to_str().unwrap()]);
    let back = Project::file_at(tempfile::tempdir().unwrap(), back);
    for view in views {
        assert_eq!(back.ok(view), server.ok(view), "{view:?} after coming back");
    }
    let exported = p.file("t1-back.wav");
    back.ok(&["recording", "export", "T1", "-o", exported.to_str().unwrap()]);
    assert!(std::fs::read(&exported).unwrap() == audio, "the recording came back byte for byte");
    let missing =
        support::run_in(p.dir.path(), ["--database", url.as_str(), "-p", "idg_nosuchproject", "note", "list"]);
    assert!(
        !missing.success && missing.stderr.contains("project idg_nosuchproject on the server not found"),
        "{}",
        missing.stderr
    );
    // Deleting the project from the server needs its exact title, and then it is gone for good.
    let id = server.path.to_str().unwrap();
    let title = p.json(&["study", "show"])["title"].as_str().unwrap().to_owned();
    let mut delete =
        vec!["--database", url.as_str(), "-p", id, "--author", "lead", "admin", "delete-project", "--confirm"];
    let wrong = support::run_in(p.dir.path(), delete.iter().chain(&["Another study"]));
    assert!(!wrong.success && wrong.stderr.contains("type the study's title exactly"), "{}", wrong.stderr);
    assert!(server.ok(&["note", "list"]).contains("N1"), "a wrong title deletes nothing");
    // The server lists its projects, and afterwards keeps the record of the deletion.
    let listing = || {
        let out = support::run_in(p.dir.path(), ["--database", url.as_str(), "--json", "admin", "projects"]);
        assert!(out.success, "{}", out.stderr);
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()
    };
    let this = |list: &serde_json::Value, key: &str| {
        list[key].as_array().unwrap().iter().filter(|p| p["id"] == id).cloned().collect::<Vec<_>>()
    };
    let before = listing();
    assert_eq!(this(&before, "projects"), vec![serde_json::json!({"id": id, "title": title, "members": 0})]);
    assert!(this(&before, "deleted").is_empty());
    delete.push(title.as_str());
    let deleted = support::run_in(p.dir.path(), &delete);
    assert!(deleted.success && deleted.stdout.contains("Deleted the project"), "{}", deleted.stderr);
    let gone = support::run_in(p.dir.path(), ["--database", url.as_str(), "-p", id, "note", "list"]);
    assert!(!gone.success && gone.stderr.contains(&format!("project {id} on the server not found")), "{}", gone.stderr);
    let after = listing();
    assert!(this(&after, "projects").is_empty());
    let record = this(&after, "deleted");
    assert_eq!(record.len(), 1, "{after}");
    assert_eq!(
        (&record[0]["title"], &record[0]["deleted_by"]),
        (&serde_json::json!(title), &serde_json::json!("lead"))
    );
    assert!(record[0]["deleted_at"].as_str().unwrap().starts_with("20"), "{record:?}");
    let text = support::run_in(p.dir.path(), ["--database", url.as_str(), "admin", "projects"]);
    assert!(text.stdout.contains(&format!("{id}\t{title}\tdeleted by lead at ")), "{}", text.stdout);
    let no_server = support::run_in(p.dir.path(), ["admin", "projects"]);
    assert!(!no_server.success && no_server.stderr.contains("give --database URL"), "{}", no_server.stderr);
    // An address that is not a PostgreSQL server's is refused with the reason, and a password
    // in it is never repeated.
    for bad in ["mysql://ana:s3cret@db/x", "postgres://ana:s3cret@[broken/x"] {
        for args in [&["admin", "projects"][..], &["-p", id, "note", "list"][..]] {
            let r = support::run_in(p.dir.path(), ["--database", bad].iter().chain(args));
            assert!(!r.success && r.stderr.contains("not a PostgreSQL address"), "{bad} {args:?}: {}", r.stderr);
            assert!(!r.stderr.contains("s3cret"), "{}", r.stderr);
        }
    }
}

/// `admin` commands manage accounts scriptably (password from `IDIOGRAPH_PASSWORD`), leave the
/// study as it was, refuse bad input with a reason, and `serve --team` then asks for a login.
/// File-only: a server's accounts are shared by all its projects and outlive a test's project,
/// so the exact user list here holds only for a file; accounts and team mode on a server are
/// tested in `tests/team.rs`, idiograph-app's `accounts.rs` and idiograph-web's `team.rs`.
#[test]
fn admin_creates_users_and_serve_team_needs_a_login() {
    const PASSWORD: &str = "correct horse battery";
    let p = Project::new();
    let study = p.readout();
    let admin = |args: &[&str], password: &str| {
        let mut full = vec!["-p", p.path.to_str().unwrap(), "--author", AUTHOR];
        full.extend_from_slice(args);
        let out = support::command()
            .current_dir(p.dir.path())
            .env("IDIOGRAPH_PASSWORD", password)
            .args(&full)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, _) = admin(&["admin", "create-user", "ana"], PASSWORD);
    assert!(ok && out.contains("Created user ana (owner)"), "{out}");
    let (ok, _, _) = admin(&["admin", "create-user", "ben", "--role", "auditor"], PASSWORD);
    assert!(ok);
    let (ok, _, err) = admin(&["admin", "create-user", "cy"], "short");
    assert!(!ok && err.contains("at least 10 characters"), "{err}");
    let (ok, _, err) = admin(&["admin", "create-user", "cy", "--role", "admin"], PASSWORD);
    assert!(!ok && err.contains("unknown role 'admin'"), "{err}");
    let (ok, _, err) = admin(&["admin", "remove-member", "ana"], PASSWORD);
    assert!(!ok && err.contains("only owner"), "{err}");
    let (ok, _, _) = admin(&["admin", "set-role", "ben", "analyst"], PASSWORD);
    assert!(ok);
    let users = p.json(&["admin", "list-users"]);
    assert_eq!(
        users,
        serde_json::json!({"users": [{"name": "ana", "role": "owner"}, {"name": "ben", "role": "analyst"}]})
    );
    assert_eq!(p.json(&["admin", "revoke-sessions", "ben"])["revoked"], 0);
    assert_eq!(p.readout(), study, "accounts are not study data");
    // A project file is deleted as a file, not by a command.
    let title = p.json(&["study", "show"])["title"].as_str().unwrap().to_owned();
    let (ok, _, err) = admin(&["admin", "delete-project", "--confirm", &title], PASSWORD);
    assert!(!ok && err.contains("delete the project file itself"), "{err}");
    assert_eq!(p.readout(), study, "nothing was deleted");

    let mut child = support::command()
        .args(["--author", AUTHOR, "serve", p.path.to_str().unwrap(), "--port", "0", "--team"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let host = served_host(&mut child);
    let request = |text: String| raw_request(&host, &text);
    let anonymous = request(format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
    let form = format!("name=ana&password={}", PASSWORD.replace(' ', "+"));
    let login = request(format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    ));
    let cookie = login.lines().find_map(|l| {
        l.to_ascii_lowercase().starts_with("set-cookie:").then(|| l[11..].trim().split(';').next().unwrap().to_owned())
    });
    let dashboard = cookie
        .as_ref()
        .map(|c| request(format!("GET / HTTP/1.1\r\nHost: {host}\r\nCookie: {c}\r\nConnection: close\r\n\r\n")));
    child.kill().ok();
    child.wait().ok();
    assert!(anonymous.starts_with("HTTP/1.1 303") && anonymous.contains("location: /login"), "{anonymous}");
    assert!(login.starts_with("HTTP/1.1 303"), "{login}");
    let dashboard = dashboard.expect("a session cookie");
    assert!(dashboard.starts_with("HTTP/1.1 200") && dashboard.contains("ana (owner)"), "{dashboard}");
}

/// Commands that make a project file refuse `--database` with the way to a server project,
/// instead of writing a file the researcher would then look for on the server.
#[test]
fn commands_that_make_a_file_refuse_a_database() {
    let p = Project::uninitialised();
    let out = p.file("demo.idg");
    for args in [
        vec!["--database", "postgres://127.0.0.1:5432/test", "demo", "--no-serve", "--out", out.to_str().unwrap()],
        vec!["--database", "postgres://127.0.0.1:5432/test", "from-qdpx", "x.qdpx", "-o", out.to_str().unwrap()],
    ] {
        let run = support::run_in(p.dir.path(), &args);
        assert!(
            !run.success && run.stderr.contains("makes a project file") && run.stderr.contains("migrate"),
            "{}",
            run.stderr
        );
        assert!(!out.exists(), "{args:?} wrote nothing");
    }
}
