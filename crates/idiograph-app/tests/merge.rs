//! Merging a REFI-QDA project into an existing study (issue #21): the real exports of NVivo,
//! ATLAS.ti and QualCoder into the demo study, an Idiograph export of one study into another,
//! a pseudonym already taken, a text the study already has, and corrupt or hostile files. Each
//! merge is one command: nothing already in the study changes, and one undo takes it all back.

mod support;

use std::collections::BTreeMap;
use std::io::Write as _;

use idiograph_app::{ProjectMerge, Workbench};
use idiograph_refi::{
    read_qde, read_qdpx, write_qdpx, RefiCase, RefiCode, RefiCoding, RefiNote, RefiProject, RefiSelection, RefiSource,
    RefiUser, RefiValue, RefiVariable, RefiVariableType, RefiVariableValue, Span,
};
use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use support::Study;

on_both_backends!(
    async fn the_shared_exports_merge_into_the_demo_as_the_file_holds_them_and_one_undo_takes_it_back,
    async fn an_idiograph_export_merges_into_another_study_and_a_taken_pseudonym_is_renamed,
    async fn a_text_the_study_has_is_not_added_again_and_its_codings_go_on_its_transcript,
    async fn a_corrupt_or_hostile_file_is_refused_by_name_and_changes_nothing,
    async fn a_former_text_of_a_transcript_does_not_come_back,
);

/// The study's rows, one per line, without the texts (content-addressed, outside undo: the
/// rows name those in use), and how many commands its history holds.
async fn state(wb: &Workbench) -> (Vec<String>, usize) {
    let dump = wb.dump().await.unwrap();
    let rows = dump.lines().filter(|l| !l.starts_with("content ")).map(str::to_owned).collect();
    (rows, wb.history(100_000).await.unwrap().len())
}

/// Asserts that every row the study had before is still there, unchanged.
fn nothing_changed(before: &[String], after: &[String], what: &str) {
    let missing: Vec<&String> = before.iter().filter(|r| !after.contains(r)).collect();
    assert!(missing.is_empty(), "{what}: rows changed or gone: {missing:#?}");
}

/// A GUID made from a small number, for crafted files.
fn guid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The counts of a report with `String` keys.
fn counts(map: &BTreeMap<&'static str, usize>) -> BTreeMap<String, usize> {
    map.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

async fn the_shared_exports_merge_into_the_demo_as_the_file_holds_them_and_one_undo_takes_it_back(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let samples = shared.join("refi-qda/samples");
    for file in ["nvivo-15.0-mac_qc-project.qdpx", "qc-1.3.2_demo.qdpx", "atlasti-8.4-mac_refi-standard-project.qde"] {
        let bytes = std::fs::read(samples.join(file)).unwrap();
        let project = if file.ends_with(".qde") { read_qde(&bytes) } else { read_qdpx(&bytes, file) }.unwrap().0;
        let dir = tempfile::tempdir().unwrap();
        // What the same file makes as a study of its own: the merge adds the same.
        let (alone, made) = Workbench::import_qdpx(&dir.path().join("alone.idg"), &bytes, file, "ana").await.unwrap();
        alone.close().await;

        let (wb, _schema) = support::demo(&backend, dir.path(), "ana").await;
        let (before, history) = state(&wb).await;
        let s0 = wb.snapshot().await.unwrap();
        let merged = wb.merge_qdpx(&bytes, file).await.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(merged.file, file);
        assert_eq!(merged.added, counts(&made.imported), "{file}: the merge adds what the file holds");
        assert_eq!(merged.not_imported, counts(&made.not_imported), "{file}: and leaves out the same");
        assert!(merged.duplicates.is_empty() && merged.clashes.is_empty(), "{file}: {merged:#?}");
        let with_text: Vec<&RefiSource> =
            project.sources.iter().filter(|s| s.text.as_deref().is_some_and(|t| !t.trim().is_empty())).collect();
        assert_eq!(merged.transcripts.len(), with_text.len(), "{file}: a transcript per source with text");
        let of_cases = merged.participants.iter().filter(|p| project.cases.iter().any(|c| c.name.trim() == p.case));
        assert_eq!(of_cases.count(), project.cases.len(), "{file}: a participant per case");
        let codings: usize =
            with_text.iter().map(|s| s.selections.iter().map(|x| x.codings.len()).sum::<usize>()).sum();
        assert_eq!(merged.added.get("extracts").copied().unwrap_or(0), codings, "{file}: an extract per coding");
        assert_eq!(merged.themes.len(), project.counts().codes, "{file}: a theme per code");

        let s = wb.snapshot().await.unwrap();
        assert_eq!(s.participants.len(), s0.participants.len() + merged.participants.len());
        assert_eq!(s.transcripts.len(), s0.transcripts.len() + merged.transcripts.len());
        assert_eq!(s.extracts.len(), s0.extracts.len() + codings);
        for p in &merged.participants {
            let got = s.participants.iter().find(|x| x.short_id() == p.id).unwrap();
            assert_eq!(got.pseudonym, p.pseudonym);
        }
        let (after, history_after) = state(&wb).await;
        nothing_changed(&before, &after, file);
        let events = wb.history(2).await.unwrap();
        assert_eq!((history_after, events[0].action.as_str()), (history + 1, "merge project"), "{file}: one command");

        wb.undo().await.unwrap().expect("the merge to undo");
        assert_eq!(state(&wb).await.0, before, "{file}: one undo restores the study exactly");
        wb.close().await;
    }
}

async fn an_idiograph_export_merges_into_another_study_and_a_taken_pseudonym_is_renamed(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (a, _schema) = support::demo(&Backend::File, dir.path(), "ana").await;
    let social = a.snapshot().await.unwrap().themes.iter().find(|t| t.title == "Social Benefits").unwrap().short_id();
    let note = idiograph_app::ThemeChanges { note: Some("Peers matter to all three.".into()), ..Default::default() };
    a.update_theme(&social.to_string(), note, None).await.unwrap();
    let qdpx = a.export_qdpx(true).await.unwrap();
    let sa = a.snapshot().await.unwrap();
    let notes_a = a.notes(None).await.unwrap();

    let b = Study::create(&backend, dir.path(), "Study B", "ben").await;
    let olivia = b.wb.add_participant("olivia", &[], Default::default()).await.unwrap();
    let (before, _) = state(&b.wb).await;
    let merged = b.wb.merge_qdpx(&qdpx, "study-a.qdpx").await.unwrap();

    let names: Vec<(&str, &str, Option<String>)> = merged
        .participants
        .iter()
        .map(|p| (p.case.as_str(), p.pseudonym.as_str(), p.name_taken_by.map(|s| s.to_string())))
        .collect();
    assert_eq!(
        names,
        [
            ("Olivia", "Olivia (2)", Some(olivia.short_id().to_string())),
            ("Rachel", "Rachel", None),
            ("Tom", "Tom", None)
        ]
    );
    assert!(
        merged.diagnostics.iter().any(|d| d.contains("case 'Olivia' became participant P2 'Olivia (2)'")
            && d.contains(&format!("taken by {}", olivia.short_id()))),
        "{:#?}",
        merged.diagnostics
    );
    let sb = b.wb.snapshot().await.unwrap();
    // Each transcript's text, under the participant of its case.
    for t in &sa.transcripts {
        let text = &sa.versions[&t.current_version].text;
        let owner = &sa.participant(&t.participant_id).unwrap().pseudonym;
        let copy = sb.transcripts.iter().find(|x| &sb.versions[&x.current_version].text == text).expect("the text");
        let pseudonym = &sb.participant(&copy.participant_id).unwrap().pseudonym;
        assert!(pseudonym.starts_with(owner.as_str()), "{pseudonym} for {owner}");
    }
    assert_eq!(merged.transcripts.len(), 3);
    // Every exploratory note, on the same words, by its author.
    let notes_b = b.wb.notes(None).await.unwrap();
    assert_eq!(merged.added["notes"], notes_a.len());
    for n in &notes_a {
        assert!(
            notes_b.iter().any(|m| m.text == n.text
                && m.kind == n.kind
                && m.author == n.author
                && m.anchor.quote().exact() == n.anchor.quote().exact()),
            "note {} came across",
            n.short_id()
        );
    }
    // Every journal entry, by its author; the GET's note is the GET's, not an entry.
    for j in &sa.journal {
        assert!(sb.journal.iter().any(|k| k.text == j.text && k.author == j.author), "journal {}", j.short_id());
    }
    assert_eq!(merged.added["journal"], sa.journal.len());
    assert!(!merged.not_imported.contains_key("memos on codes"), "{:?}", merged.not_imported);
    // The IPA structure: each case's PETs and statements, the clustering decisions and extracts.
    assert_eq!(merged.added["statements"], sa.statements.len());
    assert_eq!(merged.added["extracts"], sa.extracts.len());
    assert_eq!(merged.added["clustering decisions"], sa.assignments.len());
    let in_a = ipa_structure(&sa, &notes_a);
    assert_eq!(ipa_structure(&sb, &notes_b), in_a, "study A's analysis, in study B");
    let (after, _) = state(&b.wb).await;
    nothing_changed(&before, &after, "study B");
    b.wb.undo().await.unwrap().expect("the merge to undo");
    assert_eq!(state(&b.wb).await.0, before, "one undo restores study B exactly");
    a.close().await;
    b.close().await;
}

/// A study's analysis in words, one line per object, sorted: each GET and PET (whose case, its
/// parent, note), statement (its case, passages, source notes, and the PET it is in, with how and why),
/// the PETs in each GET (with how and why), and each extract (theme, case, passage). Cases are
/// named by pseudonym without a " (2)" a merge may have added.
fn ipa_structure(s: &idiograph_app::Snapshot, notes: &[idiograph_model::ExploratoryNote]) -> Vec<String> {
    use idiograph_model::Member;
    let case = |id: &idiograph_model::ObjectId| {
        let name = &s.participant(id).unwrap().pseudonym;
        name.strip_suffix(" (2)").unwrap_or(name).to_owned()
    };
    let title = |id: &idiograph_model::ObjectId| s.theme(id).unwrap().title.clone();
    let mut out = Vec::new();
    for t in &s.themes {
        let whose = t.participant_id().map(case).unwrap_or_else(|| "group".into());
        out.push(format!("theme {whose} | {} | under {:?} | {:?}", t.title, t.parent.as_ref().map(title), t.note));
    }
    for st in &s.statements {
        let quotes: Vec<&str> = st.anchors.iter().map(|a| a.quote().exact()).collect();
        let from: Vec<&str> =
            st.from_notes.iter().map(|n| notes.iter().find(|x| &x.id == n).unwrap().text.as_str()).collect();
        out.push(format!(
            "statement {} | {} | {quotes:?} | from {from:?} | by {}",
            case(&st.participant_id),
            st.text,
            st.author
        ));
    }
    for a in &s.assignments {
        let member = match &a.member {
            Member::Statement(id) => s.statements.iter().find(|x| &x.id == id).unwrap().text.clone(),
            Member::Theme(id) => title(id),
        };
        out.push(format!(
            "{} in {} ({}) | {:?} {:?}",
            member,
            title(&a.theme_id),
            case(&a.participant_id),
            a.strategy,
            a.rationale
        ));
    }
    for x in &s.extracts {
        out.push(format!(
            "extract {} | {} | {}",
            title(&x.theme_id),
            case(&x.participant_id),
            x.anchor.quote().exact()
        ));
    }
    out.sort();
    out
}

/// A crafted project from another tool: "Olivia" with the demo's first text and a new one,
/// "Nadia" with the demo's second text only, a code named like the demo's GET and a new one,
/// memos by a named user, and a project note.
fn crafted(first: &str, second: &str) -> RefiProject {
    let mut p = RefiProject::new("Crafted");
    p.origin = Some("OtherTool 2.0".into());
    p.users = vec![RefiUser { guid: guid(1), name: "Ben Coder".into() }];
    p.codes = vec![RefiCode::new(guid(10), "social benefits"), RefiCode::new(guid(11), "Fresh code")];
    let quote = "everybody had the same experiences";
    let at = first.find(quote).expect("a passage of the first text");
    let mut on_first = RefiSource::new(guid(20), "olivia.txt", first);
    let mut sel = RefiSelection::new(guid(30), Span::new(first, at, at + quote.len()).unwrap());
    sel.codings = vec![RefiCoding::new(guid(40), guid(10)), RefiCoding::new(guid(41), guid(11))];
    sel.note_refs = vec![guid(50)];
    sel.creating_user = Some(guid(1));
    on_first.selections.push(sel);
    let new_text = "Interviewer: How was the second year?\n\nOlivia: Quieter. I missed the group.\n";
    let mut on_new = RefiSource::new(guid(21), "olivia-2.txt", new_text);
    let at = new_text.find("I missed the group.").unwrap();
    let mut sel = RefiSelection::new(guid(31), Span::new(new_text, at, at + "I missed the group.".len()).unwrap());
    sel.codings = vec![RefiCoding::new(guid(42), guid(11))];
    on_new.selections.push(sel);
    p.sources = vec![on_first, on_new, RefiSource::new(guid(22), "rachel.txt", second)];
    p.variables = vec![RefiVariable {
        guid: guid(60),
        name: "training_stage".into(),
        kind: RefiVariableType::Text,
        description: None,
    }];
    p.cases = vec![
        RefiCase {
            guid: guid(70),
            name: "Olivia".into(),
            source_refs: vec![guid(20), guid(21)],
            variables: vec![RefiVariableValue { variable_guid: guid(60), value: RefiValue::Text("ST3".into()) }],
            ..RefiCase::default()
        },
        RefiCase { guid: guid(71), name: "Nadia".into(), source_refs: vec![guid(22)], ..RefiCase::default() },
    ];
    let mut memo = RefiNote::new(guid(50), "Everybody: she generalises from the group.");
    memo.name = Some("Conceptual memo".into());
    memo.creating_user = Some(guid(1));
    let mut journal = RefiNote::new(guid(51), "Coded in OtherTool by Ben.");
    journal.creating_user = Some(guid(1));
    p.notes = vec![memo, journal];
    p
}

async fn a_text_the_study_has_is_not_added_again_and_its_codings_go_on_its_transcript(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, _schema) = support::demo(&backend, dir.path(), "ana").await;
    let (t1, v1) = wb.transcript("T1").await.unwrap();
    let (t2, v2) = wb.transcript("T2").await.unwrap();
    let s0 = wb.snapshot().await.unwrap();
    let social = s0.themes.iter().find(|t| t.title == "Social Benefits").unwrap().clone();
    let bytes = write_qdpx(&crafted(&v1.text, &v2.text)).unwrap();
    let (before, _) = state(&wb).await;

    let merged: ProjectMerge = wb.merge_qdpx(&bytes, "crafted.qdpx").await.unwrap();
    let dup: Vec<(&str, String, bool)> =
        merged.duplicates.iter().map(|d| (d.source.as_str(), d.transcript.to_string(), d.passages_placed)).collect();
    assert_eq!(dup, [("olivia.txt", t1.short_id().to_string(), true), ("rachel.txt", t2.short_id().to_string(), true)]);
    // Olivia brings a new text, so she is a new participant; Nadia brings none.
    assert_eq!(merged.participants.len(), 1, "{:#?}", merged.participants);
    assert_eq!(merged.participants[0].pseudonym, "Olivia (2)");
    assert!(merged.diagnostics.iter().any(|d| d.contains("case 'Nadia' was not made")), "{:#?}", merged.diagnostics);
    assert_eq!(merged.transcripts.len(), 1);
    assert_eq!(merged.transcripts[0].title, "olivia-2.txt");
    // The code named like the demo's GET is that GET; the other is a new group theme.
    assert_eq!(merged.clashes.len(), 1);
    assert_eq!((merged.clashes[0].code.as_str(), merged.clashes[0].theme), ("social benefits", social.short_id()));
    assert_eq!(merged.themes.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["Fresh code"]);
    assert_eq!(merged.added["extracts"], 3);
    assert_eq!(merged.added["notes"], 1);
    assert_eq!(merged.added["journal"], 1);
    assert_eq!(merged.added["authors"], 1);

    let s = wb.snapshot().await.unwrap();
    let new_participant = s.participants.iter().find(|p| p.pseudonym == "Olivia (2)").unwrap();
    assert_eq!(new_participant.attributes.get("training_stage").map(String::as_str), Some("ST3"));
    let on_t1: Vec<_> = s.extracts.iter().filter(|x| x.transcript_id == t1.id && !s0.extracts.contains(x)).collect();
    assert_eq!(on_t1.len(), 2, "both codings of the passage are on the demo's T1");
    assert!(on_t1.iter().all(|x| x.anchor.quote().exact() == "everybody had the same experiences"));
    assert!(on_t1.iter().any(|x| x.theme_id == social.id), "the clashing code's coding is on the demo's GET");
    let notes = wb.notes(None).await.unwrap();
    let memo = notes.iter().find(|n| n.text.starts_with("Everybody: she")).unwrap();
    assert_eq!((memo.transcript_id.clone(), memo.author.as_str()), (t1.id.clone(), "Ben Coder"));
    assert_eq!(memo.kind.as_str(), "conceptual");
    let (after, _) = state(&wb).await;
    nothing_changed(&before, &after, "the demo");

    // The same file again: everything in it is here now, so it is refused and nothing changes.
    let again = wb.merge_qdpx(&bytes, "crafted.qdpx").await.unwrap_err().to_string();
    assert!(again.starts_with("crafted.qdpx: nothing to merge"), "{again}");
    assert_eq!(state(&wb).await.0, after);
    wb.undo().await.unwrap().expect("the merge to undo");
    assert_eq!(state(&wb).await.0, before, "one undo restores the demo exactly");
    wb.close().await;
}

/// `entries` zipped, as a `.qdpx` is.
fn zipped(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn a_corrupt_or_hostile_file_is_refused_by_name_and_changes_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, _schema) = support::demo(&backend, dir.path(), "ana").await;
    let (v1, v2) = (wb.transcript("T1").await.unwrap().1, wb.transcript("T2").await.unwrap().1);
    let good = write_qdpx(&crafted(&v1.text, &v2.text)).unwrap();
    let hostile = |change: &dyn Fn(&mut RefiProject)| {
        let mut p = crafted(&v1.text, &format!("{}\n\nA new ending.", v2.text));
        change(&mut p);
        write_qdpx(&p).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("not a zip", b"not a zip at all".to_vec(), &["bad.qdpx"]),
        ("a zip without a project", zipped(&[("readme.txt", b"hello")]), &["bad.qdpx"]),
        ("a cut-off archive", good[..good.len() / 2].to_vec(), &["bad.qdpx"]),
        (
            "a code name with a control character",
            hostile(&|p| p.codes[1].name = "Fresh\tcode".into()),
            &["bad.qdpx", "control", "Fresh"],
        ),
        ("a code name too long", hostile(&|p| p.codes[1].name = "x".repeat(201)), &["bad.qdpx", "200"]),
        (
            "a case name with a control character",
            hostile(&|p| p.cases[1].name = "Na\tdia".into()),
            &["bad.qdpx", "case", "control"],
        ),
        ("an attribute name with '='", hostile(&|p| p.variables[0].name = "stage=3".into()), &["bad.qdpx", "stage=3"]),
        ("nothing in it", write_qdpx(&RefiProject::new("Empty")).unwrap(), &["bad.qdpx", "nothing to merge"]),
    ];
    let before = state(&wb).await;
    for (what, bytes, words) in cases {
        let e = wb.merge_qdpx(&bytes, "bad.qdpx").await.expect_err(what).to_string();
        for w in words {
            assert!(e.contains(w), "{what}: {e:?} names {w:?}");
        }
        assert_eq!(state(&wb).await, before, "{what}: the study is unchanged");
    }
    // A bare .qde is read as one, and refused by its name too.
    let e = wb.merge_qdpx(b"<Project", "bad.qde").await.unwrap_err().to_string();
    assert!(e.contains("bad.qde"), "{e}");
    assert_eq!(state(&wb).await, before);
    wb.close().await;
}

async fn a_former_text_of_a_transcript_does_not_come_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, _schema) = support::demo(&backend, dir.path(), "ana").await;
    let (t3, before_rename) = wb.transcript("T3").await.unwrap();
    // The text changes after the file was written (as pseudonymisation changes it).
    wb.rename_speaker("T3", "Tom", "Thomas").await.unwrap();
    let mut p = RefiProject::new("Old copy");
    p.codes = vec![RefiCode::new(guid(10), "From the old copy")];
    let mut src = RefiSource::new(guid(20), "tom.txt", &before_rename.text);
    let mut sel = RefiSelection::new(guid(30), Span::new(&before_rename.text, 0, 11).unwrap());
    sel.codings = vec![RefiCoding::new(guid(40), guid(10))];
    src.selections.push(sel);
    p.sources = vec![src];
    p.cases = vec![RefiCase { guid: guid(70), name: "Tom".into(), source_refs: vec![guid(20)], ..RefiCase::default() }];
    let s0 = wb.snapshot().await.unwrap();

    let merged = wb.merge_qdpx(&write_qdpx(&p).unwrap(), "old.qdpx").await.unwrap();
    let dup: Vec<(&str, String, bool)> =
        merged.duplicates.iter().map(|d| (d.source.as_str(), d.transcript.to_string(), d.passages_placed)).collect();
    assert_eq!(dup, [("tom.txt", t3.short_id().to_string(), false)]);
    assert!(
        merged.diagnostics.iter().any(|d| d.contains(&format!("is a former text of {}", t3.short_id()))),
        "{:#?}",
        merged.diagnostics
    );
    assert!(merged.participants.is_empty() && merged.transcripts.is_empty(), "{merged:#?}");
    assert_eq!(merged.added.get("extracts"), None, "its passages are not placed on the new text");
    let s = wb.snapshot().await.unwrap();
    assert_eq!((s.participants.len(), s.transcripts.len(), s.extracts.len()), (3, 3, s0.extracts.len()));

    // Pseudonymised with the originals discarded: the original text is out of the project, and a
    // copy of it written before does not bring it back.
    let (t1, original) = wb.transcript("T1").await.unwrap();
    wb.set_originals_policy(idiograph_model::OriginalsPolicy::Discard).await.unwrap();
    let queue = wb.review_queue().await.unwrap();
    let found = queue.iter().find(|i| i.transcript == t1.short_id()).expect("a candidate identifier in T1");
    wb.decide("T1", found.span, &found.kind, idiograph_model::Verdict::Accept, Some("[Redacted]")).await.unwrap();
    wb.pseudonymise(&idiograph_app::ApplyScope::Accepted).await.unwrap();
    assert!(wb.transcript("T1").await.unwrap().1.text != original.text, "T1 was pseudonymised");
    let passage = found.span;
    p.sources = vec![RefiSource::new(guid(20), "olivia.txt", &original.text)];
    p.sources[0].selections.push(RefiSelection::new(guid(30), passage));
    p.cases[0].name = "Olivia".into();
    // A code of its own, so that the file has something to add.
    p.codes = vec![RefiCode::new(guid(11), "From before pseudonymisation")];
    let merged = wb.merge_qdpx(&write_qdpx(&p).unwrap(), "before-pseudonymisation.qdpx").await.unwrap();
    let dup: Vec<(String, bool)> =
        merged.duplicates.iter().map(|d| (d.transcript.to_string(), d.passages_placed)).collect();
    assert_eq!(dup, [(t1.short_id().to_string(), false)], "{merged:#?}");
    let s = wb.snapshot().await.unwrap();
    assert_eq!((s.participants.len(), s.transcripts.len()), (3, 3), "the original text did not come back");
    wb.close().await;
}
