//! Every real export in shared/refi-qda/samples imports, with the expected numbers and texts.

mod common;

use idiograph_refi::*;

fn read(name: &str) -> Option<(RefiProject, Vec<RefiDiagnostic>)> {
    let dir = idiograph_testkit::shared_dir()?.join("refi-qda/samples");
    let bytes = std::fs::read(dir.join(name)).expect("sample");
    Some(if name.ends_with(".qde") {
        read_qde(&bytes).expect("sample imports")
    } else {
        read_qdpx(&bytes, name).expect("sample imports")
    })
}

fn all_selections(p: &RefiProject) -> impl Iterator<Item = (&RefiSource, &RefiSelection)> {
    p.sources.iter().flat_map(|s| s.selections.iter().map(move |sel| (s, sel)))
}

#[test]
fn atlas_ti_standard_project() {
    let Some((p, diags)) = read("atlasti-8.4-mac_refi-standard-project.qde") else { return };
    for d in &diags {
        eprintln!("{d}");
    }
    // Counted independently with Python's ElementTree on the file: 3 User, 14 Code,
    // 6 TextSource with 6 PlainTextSelection and 7 Coding on them, 2 Note, 16 Set.
    let c = p.counts();
    assert_eq!((c.users, c.codes, c.sources, c.selections, c.codings, c.notes, c.sets), (3, 14, 6, 6, 7, 2, 16));
    // The bare .qde carries no source files: every text source is kept without text.
    assert_eq!(c.sources_without_text, 6);
    assert_eq!(p.origin.as_deref(), Some("ATLAS.ti 8.4.0 573 , macOS Version 10.14.3 (Build 18D109)"));

    // The spec's Annex A.3 selection: positions 139–195 as written, exclusive end, and the
    // quoted text ATLAS.ti puts in the name is exactly 195 − 139 characters long.
    let quote = "Oh, that was great. See you tomorrow? Eleven thirty. Mm.";
    let (src, sel) = all_selections(&p).find(|(_, s)| s.guid == "4191294A-E287-4510-95B0-69BCE4638E56").unwrap();
    assert_eq!(src.name, "1994 Diet Coke-Diet Coke Break.docx");
    assert_eq!((sel.span.start().to_u32(), sel.span.end().to_u32()), (139, 195));
    assert_eq!(sel.name.as_deref(), Some(quote));
    assert_eq!(quote.chars().count(), 195 - 139);
    assert_eq!(sel.codings.len(), 1);
    assert_eq!(p.code(&sel.codings[0].code_guid).unwrap().name, "Coke::diet Coke");
    // Every selection whose name is not truncated has end − start == its length.
    for (_, sel) in all_selections(&p) {
        let name = sel.name.as_deref().unwrap_or("");
        if !name.ends_with('…') && name.chars().count() == sel.span.len() {
            continue;
        }
        assert!(name.chars().count() <= sel.span.len(), "{name}");
    }
    // Memo on a selection kept as its Description.
    assert!(all_selections(&p)
        .any(|(_, s)| s.description.as_deref()
            == Some("Mabel is not the only person I know who has Coke for breakfast!")));
    // Notes keep their inline text.
    assert_eq!(
        p.note("CE15250D-46AD-42C2-B90F-A509B8D64EC8").unwrap().text,
        "This is a great project by a dynamic team of researcher-developers. "
    );
    // What was not imported is said: 1 picture, 2 PDF, 1 audio, 2 video sources, the link and the graph.
    let not = |needle: &str| diags.iter().any(|d| d.kind == DiagnosticKind::NotImported && d.message.contains(needle));
    assert!(not("picture source \"cornflakes-n-milk.jpg\""));
    assert!(not("PDF source \"Kellogg's Passion for Nutrition.pdf\""));
    assert!(not("audio source"));
    assert!(not("video source \"1994 Diet Coke-Diet Coke Break.mp4\""));
    assert!(not("6 non-text sources were not imported (2 PDF, 1 audio, 1 picture, 2 video)"));
    assert!(not("link \"Memo-Quotation Relation\""));
    assert!(not("1 graphs"));
    assert!(not("text of source \"Simon.docx\""));
    // Sets lose their members that are not imported objects, and say so.
    let images = p.sets.iter().find(|s| s.name == "Images").unwrap();
    assert!(images.member_sources.is_empty());
    assert!(not("set \"Images\""));
    let breakfast = p.sets.iter().find(|s| s.name == "Breakfast food").unwrap();
    assert_eq!(breakfast.member_codes.len(), 6);
}

#[test]
fn qc_demo_line_codings_land_on_whole_lines() {
    let Some((p, diags)) = read("qc-1.3.2_demo.qdpx") else { return };
    for d in &diags {
        eprintln!("{d}");
    }
    // ElementTree count: 262 Code, 2 TextSource, 158 PlainTextSelection, 205 Coding, 1 User, 0 Note.
    let c = p.counts();
    assert_eq!((c.users, c.codes, c.sources, c.selections, c.codings, c.notes), (1, 262, 2, 158, 205, 0));
    assert_eq!(c.sources_without_text, 0);
    // Sources without a name are named after their text file.
    let board = p.sources.iter().find(|s| s.name == "board_2017.txt").unwrap();
    let text = board.text.as_deref().unwrap();
    assert_eq!(text.len(), 52_543);
    // qc codes whole lines and names the selection "line:N" (0-based line index): every
    // selection starts at the start of line N and ends just after a line break.
    let lines: Vec<&str> = text.split('\n').collect();
    for sel in &board.selections {
        let n: usize = sel.name.as_deref().unwrap().strip_prefix("line:").unwrap().parse().unwrap();
        let covered = sel.span.slice(text);
        assert!(covered.starts_with(lines[n]), "line {n}: {covered:?}");
        assert!(covered.ends_with('\n'));
        let s = sel.span.start().to_usize();
        assert!(s == 0 || text.as_bytes()[s - 1] == b'\n');
    }
    let first = &board.selections[0];
    assert_eq!(
        first.span.slice(text),
        "This district goal is engage every student in joyful, purposeful learning that \n"
    );
    assert!(diags.iter().any(|d| d.kind == DiagnosticKind::Lenient && d.message.contains("no XML declaration")));
    assert!(diags.iter().any(|d| d.kind == DiagnosticKind::Lenient && d.message.contains("no name")));
}

#[test]
fn nvivo_mac_project_with_stray_entry() {
    let Some((p, diags)) = read("nvivo-15.0-mac_qc-project.qdpx") else { return };
    for d in &diags {
        eprintln!("{d}");
    }
    // ElementTree count: 262 Code, 2 TextSource (text "\n" each), no selections, 2 User.
    let c = p.counts();
    assert_eq!((c.users, c.codes, c.sources, c.selections, c.codings, c.notes), (2, 262, 2, 0, 0, 0));
    assert!(p.sources.iter().all(|s| s.text.as_deref() == Some("\n")));
    // The code GUIDs are those of the qc project NVivo imported.
    assert!(p.code("34653336-3766-3235-6466-363134396437").is_some());
    assert!(diags.iter().any(|d| d.message.contains("sources/.root")), "stray entry reported");
    assert!(diags.iter().any(|d| d.kind == DiagnosticKind::NotImported && d.message.contains("rich-text")));
}

#[test]
fn samples_export_valid_and_reimport_identically() {
    for name in ["qc-1.3.2_demo.qdpx", "nvivo-15.0-mac_qc-project.qdpx", "atlasti-8.4-mac_refi-standard-project.qde"] {
        let Some((p, _)) = read(name) else { return };
        // qc's ids are GUID-shaped, so the import can be written again as it is.
        let qde = write_project_qde(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        common::assert_valid(&qde, "Project.xsd");
        let bytes = write_qdpx(&p).unwrap();
        let (back, _) = read_qdpx(&bytes, name).unwrap();
        assert_eq!(back, p, "{name} round trip");
        let qdc = write_qdc(p.origin.as_deref(), &p.codes, &[]).unwrap();
        common::assert_valid(&qdc, "Codebook.xsd");
        let (codes, _, _) = read_qdc(&qdc).unwrap();
        assert_eq!(codes, p.codes.iter().map(strip_notes).collect::<Vec<_>>());
    }
}

fn strip_notes(c: &RefiCode) -> RefiCode {
    RefiCode { note_refs: Vec::new(), children: c.children.iter().map(strip_notes).collect(), ..c.clone() }
}
