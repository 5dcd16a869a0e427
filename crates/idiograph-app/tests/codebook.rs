//! Importing a REFI-QDA codebook (`.qdc`) as themes (issue #21): group themes or one case's
//! PETs with the code tree kept, names the study already has reported and never overwritten,
//! one command that one undo takes back, bad files refused whole, and the code trees of the
//! shared samples from ATLAS.ti, NVivo and qc.

mod support;

use std::io::Read as _;

use idiograph_app::{CodebookImport, Workbench};
use idiograph_model::Theme;
use idiograph_refi::{read_qde, read_qdpx, write_qdc, RefiCode, RefiSet};
use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use support::Study;

on_both_backends!(
    async fn a_codebook_becomes_group_themes_with_its_tree_and_one_undo_takes_it_back,
    async fn a_codebook_becomes_the_pets_of_one_case,
    async fn a_bad_codebook_is_refused_whole_and_changes_nothing,
    async fn the_code_trees_of_the_shared_samples_import_as_themes,
);

/// A code with a GUID made from `n`.
fn code(n: u32, name: &str, children: Vec<RefiCode>) -> RefiCode {
    RefiCode { children, ..RefiCode::new(format!("6F0E3D3C-3C4A-4C0B-9D11-{n:012X}"), name) }
}

/// A codebook another tool might write: two categories with codes beneath, one named like the
/// study's existing GET, a colour and a set.
fn codebook() -> Vec<u8> {
    let mut psych = code(
        1,
        "Psychological Benefits",
        vec![code(2, "Catharsis", vec![]), code(3, "Reducing Burnout", vec![code(4, "Resilience", vec![])])],
    );
    psych.description = Some("What the group did for trainees' inner lives.".into());
    psych.color = Some("#336699".into());
    let social = code(5, "social benefits ", vec![code(6, "Peer Support", vec![])]);
    let set = RefiSet {
        guid: "6F0E3D3C-3C4A-4C0B-9D11-0000000000FF".into(),
        name: "Benefits".into(),
        member_codes: vec![psych.guid.clone()],
        ..RefiSet::default()
    };
    write_qdc(Some("MAXQDA 2024"), &[psych, social], &[set]).unwrap()
}

/// Themes in board order with their depth: (title, depth, scope is group).
fn tree(s: &idiograph_app::Snapshot) -> Vec<(String, usize)> {
    fn walk(s: &idiograph_app::Snapshot, t: &Theme, depth: usize, out: &mut Vec<(String, usize)>) {
        out.push((t.title.clone(), depth));
        for c in s.children(Some(&t.id)) {
            walk(s, c, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    for t in s.children(None) {
        walk(s, t, 0, &mut out);
    }
    out
}

fn titles(report: &CodebookImport) -> Vec<(&str, usize)> {
    report.themes.iter().map(|t| (t.title.as_str(), t.depth)).collect()
}

async fn a_codebook_becomes_group_themes_with_its_tree_and_one_undo_takes_it_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Codebook", "ana").await;
    let wb = &study.wb;
    let social = wb.add_theme(None, None, "Social Benefits", Some("Mine.")).await.unwrap();
    let before = wb.snapshot().await.unwrap();
    let history = wb.history(1000).await.unwrap().len();

    let report = wb.import_codebook(&codebook(), "benefits.qdc", None).await.unwrap();
    assert_eq!(
        titles(&report),
        [
            ("Psychological Benefits", 0),
            ("Catharsis", 1),
            ("Reducing Burnout", 1),
            ("Resilience", 2),
            ("Peer Support", 1)
        ]
    );
    // The code named like the study's GET is reported and not made; the GET is unchanged and its
    // new sub-theme is the code's sub-code.
    assert_eq!(report.clashes.len(), 1);
    assert_eq!(report.clashes[0].code, "social benefits");
    assert_eq!(report.clashes[0].theme, social.short_id());
    assert!(report.diagnostics.iter().any(|d| d.contains("1 code colours")), "{:?}", report.diagnostics);
    assert!(report.diagnostics.iter().any(|d| d.contains("1 sets")), "{:?}", report.diagnostics);

    let s = wb.snapshot().await.unwrap();
    assert_eq!(
        tree(&s),
        [
            ("Social Benefits".to_owned(), 0),
            ("Peer Support".to_owned(), 1),
            ("Psychological Benefits".to_owned(), 0),
            ("Catharsis".to_owned(), 1),
            ("Reducing Burnout".to_owned(), 1),
            ("Resilience".to_owned(), 2),
        ]
    );
    assert!(s.themes.iter().all(Theme::is_group), "group themes by default");
    let kept = s.theme(&social.id).unwrap();
    assert_eq!((kept.title.as_str(), kept.description.as_deref()), ("Social Benefits", Some("Mine.")));
    let psych = s.themes.iter().find(|t| t.title == "Psychological Benefits").unwrap();
    assert_eq!(psych.description.as_deref(), Some("What the group did for trainees' inner lives."));

    // One command in the audit log, and one undo takes the whole import back.
    let events = wb.history(1000).await.unwrap();
    assert_eq!(events.len(), history + 1);
    assert_eq!(events[0].action.as_str(), "import codebook");
    assert_eq!(events[0].summary, "import codebook: 5 group themes, 1 codes already themes");
    wb.undo().await.unwrap().expect("the import to undo");
    assert_eq!(tree(&wb.snapshot().await.unwrap()), tree(&before));
    wb.redo().await.unwrap().expect("the import to redo");
    assert_eq!(tree(&wb.snapshot().await.unwrap()), tree(&s));

    // Importing the same codebook again makes nothing new: every code is a theme by now.
    let again = wb.import_codebook(&codebook(), "benefits.qdc", None).await.unwrap_err().to_string();
    assert!(again.contains("benefits.qdc") && again.contains("already a theme"), "{again}");
    study.wb.close().await;
}

async fn a_codebook_becomes_the_pets_of_one_case(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Codebook", "ana").await;
    let wb = &study.wb;
    let olivia = wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    wb.add_participant("Tom", &[], Default::default()).await.unwrap();
    // The GET of that name is in another scope: no clash with a case's PETs.
    wb.add_theme(None, None, "Social Benefits", None).await.unwrap();

    let report = wb.import_codebook(&codebook(), "benefits.qdc", Some("olivia")).await.unwrap();
    assert!(report.clashes.is_empty(), "{:?}", report.clashes);
    assert_eq!(report.themes.len(), 6);
    let s = wb.snapshot().await.unwrap();
    let pets: Vec<&Theme> = s.themes.iter().filter(|t| !t.is_group()).collect();
    assert_eq!(pets.len(), 6);
    assert!(pets.iter().all(|t| t.participant_id() == Some(&olivia.id)), "Olivia's PETs");
    let social = pets.iter().find(|t| t.title == "social benefits").unwrap();
    assert_eq!(s.children(Some(&social.id)).iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["Peer Support"]);
    assert!(wb
        .import_codebook(&codebook(), "benefits.qdc", Some("Nobody"))
        .await
        .unwrap_err()
        .to_string()
        .contains("Nobody"));
    study.wb.close().await;
}

async fn a_bad_codebook_is_refused_whole_and_changes_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Codebook", "ana").await;
    let wb = &study.wb;
    wb.add_theme(None, None, "Social Benefits", None).await.unwrap();
    let long = "x".repeat(201);
    let bad_name = |name: &str| {
        // The bad code is the last, deep in the tree: everything before it would have been made.
        write_qdc(None, &[code(1, "Fine", vec![code(2, "Also fine", vec![code(3, name, vec![])])])], &[]).unwrap()
    };
    let project = b"<?xml version=\"1.0\"?><Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"P\"/>".to_vec();
    let empty = b"<?xml version=\"1.0\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes/></CodeBook>".to_vec();
    let mut described = code(1, "Described", vec![]);
    described.description = Some("d".repeat(5_001));
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("not XML", b"PK\x03\x04 not a codebook".to_vec(), &["bad.qdc"]),
        ("a project, not a codebook", project, &["bad.qdc", "CodeBook"]),
        ("no codes", empty, &["bad.qdc", "no codes"]),
        ("a name too long", bad_name(&long), &["bad.qdc", "200"]),
        ("a control character", bad_name("Tab\there"), &["bad.qdc", "Tab\there", "control"]),
        ("a description too long", write_qdc(None, &[described], &[]).unwrap(), &["bad.qdc", "Described", "5000"]),
    ];
    let before = (tree(&wb.snapshot().await.unwrap()), wb.history(1000).await.unwrap().len());
    for (what, bytes, words) in cases {
        let e = wb.import_codebook(&bytes, "bad.qdc", None).await.expect_err(what).to_string();
        for w in words {
            assert!(e.contains(w), "{what}: {e:?} names {w:?}");
        }
        let after = (tree(&wb.snapshot().await.unwrap()), wb.history(1000).await.unwrap().len());
        assert_eq!(after, before, "{what}: the study is unchanged");
    }
    study.wb.close().await;
}

/// The `project.qde` of a REFI-QDA archive.
fn project_qde(qdpx: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(qdpx)).unwrap();
    let name = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .find(|n| n.to_lowercase().ends_with(".qde"))
        .unwrap();
    let mut out = Vec::new();
    zip.by_name(&name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// The tool's own `<CodeBook>` element cut out of its project file, made a codebook document:
/// the codes exactly as the tool wrote them.
fn codebook_of(qde: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(qde);
    let start = text.find("<CodeBook").expect("a code book");
    let end = text.find("</CodeBook>").expect("its end") + "</CodeBook>".len();
    let element = text[start..end].replacen("<CodeBook", "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"", 1);
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{element}").into_bytes()
}

/// Every code of a tree, depth first, with its depth.
fn flatten(codes: &[RefiCode], depth: usize, out: &mut Vec<(String, usize)>) {
    for c in codes {
        out.push((c.name.trim().to_owned(), depth));
        flatten(&c.children, depth + 1, out);
    }
}

async fn the_code_trees_of_the_shared_samples_import_as_themes(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let samples = shared.join("refi-qda/samples");
    for (file, bare) in [
        ("atlasti-8.4-mac_refi-standard-project.qde", true),
        ("nvivo-15.0-mac_qc-project.qdpx", false),
        ("qc-1.3.2_demo.qdpx", false),
    ] {
        let bytes = std::fs::read(samples.join(file)).unwrap();
        let (qde, project) = if bare {
            (bytes.clone(), read_qde(&bytes).unwrap().0)
        } else {
            (project_qde(&bytes), read_qdpx(&bytes, file).unwrap().0)
        };
        let mut codes = Vec::new();
        flatten(&project.codes, 0, &mut codes);
        assert!(!codes.is_empty(), "{file} has codes");
        let dir = tempfile::tempdir().unwrap();
        let study = Study::create(&backend, dir.path(), file, "ana").await;
        let wb: &Workbench = &study.wb;
        // The tool's codebook as written, and the same tree as this project's strict writer
        // writes a .qdc: both give the tool's code tree as themes.
        let strict = write_qdc(project.origin.as_deref(), &project.codes, &[]).unwrap();
        for (how, who, qdc) in
            [("as the tool wrote it", "Tool", codebook_of(&qde)), ("as a strict .qdc", "Strict", strict)]
        {
            wb.add_participant(who, &[], Default::default()).await.unwrap();
            let report =
                wb.import_codebook(&qdc, file, Some(who)).await.unwrap_or_else(|e| panic!("{file} {how}: {e}"));
            assert!(report.clashes.is_empty(), "{file} {how}: {:?}", report.clashes);
            let got: Vec<(String, usize)> = report.themes.iter().map(|t| (t.title.clone(), t.depth)).collect();
            assert_eq!(got, codes, "{file} {how}: the code tree, in order");
        }
        study.wb.close().await;
    }
}
