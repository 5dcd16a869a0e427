//! Search and retrieval on the shared corpus and the shared workload: query forms, filters,
//! exact planted-term counts, and the index staying consistent through edits, undo, speaker
//! renames and a deleted index folder. Each test runs on a project file and on a PostgreSQL
//! server project.

mod support;

use idiograph_app::{AppError, SearchKind, SearchRequest, SearchResults, Target, Workbench};
use idiograph_formats::ImportOptions;
use idiograph_model::{InterviewMeta, NoteKind, SpeakerRole};
use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use support::Study;

on_both_backends!(
    async fn corpus_queries_and_filters,
    async fn planted_terms_counted_exactly_and_index_stays_consistent,
    async fn another_writer_of_the_index_is_waited_for_without_holding_the_async_thread,
    async fn an_index_that_cannot_be_kept_is_an_index_error_and_made_anew_later,
);

async fn search(wb: &Workbench, q: &str, f: impl FnOnce(&mut SearchRequest)) -> SearchResults {
    let mut r = SearchRequest::new(q);
    r.limit = 100_000;
    f(&mut r);
    wb.search(&r).await.unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn count(rx: &str, texts: &[String]) -> usize {
    let rx = regex::Regex::new(rx).unwrap();
    texts.iter().map(|t| rx.find_iter(t).count()).sum()
}

async fn texts(wb: &Workbench) -> Vec<String> {
    let s = wb.snapshot().await.unwrap();
    s.transcripts.iter().map(|t| s.versions[&t.current_version].text.clone()).collect()
}

/// Every hit's offsets must cut exactly the matched text out of the current version, and the
/// page and line must be the layout's.
async fn check_offsets(wb: &Workbench, r: &SearchResults) {
    for h in r.hits.iter().filter(|h| h.source == "transcript") {
        let (_, v) = wb.transcript(h.transcript.as_deref().unwrap()).await.unwrap();
        assert_eq!(&v.text[h.start..h.end], h.matched, "{h:?}");
        let pos = v.layout.position(idiograph_text::TextSize::new(h.start as u32));
        assert_eq!((h.page, h.line), (Some(pos.page), Some(pos.line)));
        assert!(h.citation.starts_with(&format!("({}, p. {}, l", h.participant.as_deref().unwrap(), pos.page)));
        assert_eq!(h.global_line, Some(pos.global));
    }
}

async fn corpus_queries_and_filters(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Search", "tester").await;
    let wb = &study.wb;
    let attrs = |g: &str| vec![("group".to_owned(), g.to_owned())];
    wb.add_participant("Janet Dough", &attrs("A"), InterviewMeta::default()).await.unwrap();
    wb.add_participant("Rachel", &attrs("B"), InterviewMeta::default()).await.unwrap();
    let read = |p: &str| {
        let path = shared.join("corpus").join(p);
        (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap())
    };
    let opts = ImportOptions::default();
    wb.import_files("Janet Dough", vec![read("zoom-transcript-sample/zoom-saved-transcript_input_example.txt")], &opts)
        .await
        .unwrap();
    wb.import_files("Rachel", vec![read("qualcoder-examples/transcript.txt")], &opts).await.unwrap();
    wb.set_speaker_role("T1", "Johnny Doe", SpeakerRole::Interviewer).await.unwrap();
    let all = texts(wb).await;

    // Words (case-insensitive), phrases, prefixes, regex: exact counts.
    let r = search(wb, "\"nice to meet you\"", |_| {}).await;
    assert_eq!(r.total, count(r"(?i)\bnice to meet you\b", &all));
    assert!(r.total >= 1);
    check_offsets(wb, &r).await;
    let r = search(wb, "struggl*", |_| {}).await;
    assert_eq!(r.total, count(r"(?i)\bstruggl\w*", &all));
    assert!(r.hits.iter().all(|h| h.matched.to_lowercase().starts_with("struggl")));
    check_offsets(wb, &r).await;
    let r = search(wb, "SLIDES", |o| o.stem = false).await;
    assert_eq!(r.total, count(r"(?i)\bslides\b", &all));
    // Stemming: "slide" finds "slides"; without stemming it does not.
    assert_eq!(search(wb, "slide", |_| {}).await.total, count(r"(?i)\bslides?\b", &all));
    assert_eq!(search(wb, "slide", |o| o.stem = false).await.total, count(r"(?i)\bslide\b", &all));
    let r = search(wb, r"\d+:\d+:\d+", |o| o.regex = true).await;
    assert_eq!(r.total, count(r"\d+:\d+:\d+", &all));
    assert!(r.total > 10);
    check_offsets(wb, &r).await;

    // Booleans (within one speaker turn).
    let or = search(wb, "lecture OR museum", |_| {}).await;
    assert_eq!(or.total, count(r"(?i)\b(lecture|museum)\b", &all));
    let not = search(wb, "slides NOT assignments", |_| {}).await;
    let and = search(wb, "slides AND assignments", |_| {}).await;
    let slides = search(wb, "slides", |_| {}).await.total;
    assert!(not.total > 0 && and.total > 0);
    // An AND hit highlights both words; its "slides" plus those of the NOT hits are all of them.
    let mut slides_in_and = 0;
    for h in &and.hits {
        let (_, v) = wb.transcript(h.transcript.as_deref().unwrap()).await.unwrap();
        slides_in_and += h.ranges.iter().filter(|r| v.text[r.start..r.end].eq_ignore_ascii_case("slides")).count();
    }
    assert_eq!(not.total + slides_in_and, slides);
    for h in &not.hits {
        let (_, v) = wb.transcript(h.transcript.as_deref().unwrap()).await.unwrap();
        let turn = v.turn_at(h.start).unwrap();
        assert!(!turn.span.slice(&v.text).to_lowercase().contains("assignments"));
    }

    // Filters: participant, attribute, speaker role, kind.
    let meet = search(wb, "meet", |_| {}).await;
    assert!(meet.total >= 2);
    let rachel = search(wb, "I", |o| o.participant = Some("Rachel".into())).await;
    assert!(rachel.total > 0 && rachel.hits.iter().all(|h| h.participant.as_deref() == Some("Rachel")));
    let a = search(wb, "I", |o| o.attribute = Some(("group".into(), "a".into()))).await;
    assert!(a.total > 0 && a.hits.iter().all(|h| h.participant.as_deref() == Some("Janet Dough")));
    assert_eq!(a.per_participant.iter().find(|c| c.participant == "Rachel").unwrap().hits, 0);
    let said = search(wb, "meet", |o| o.role = Some(SpeakerRole::Participant)).await;
    let asked = search(wb, "meet", |o| o.role = Some(SpeakerRole::Interviewer)).await;
    let other = search(wb, "meet", |o| o.role = Some(SpeakerRole::Other)).await;
    assert!(said.total + asked.total + other.total <= meet.total);
    assert!(said.total + asked.total < meet.total || other.total == 0);
    assert!(said.total > 0 && asked.total > 0);
    for (r, label) in [(&said, "Janet Dough"), (&asked, "Johnny Doe")] {
        for h in &r.hits {
            let (_, v) = wb.transcript("T1").await.unwrap();
            assert_eq!(v.turn_at(h.start).unwrap().label.as_deref(), Some(label));
        }
    }

    // Notes and their kind; statements, themes, theme filter and retrieval, matrix.
    let (_, v) = wb.transcript("T1").await.unwrap();
    let at = v.text.find("nice to meet you").unwrap();
    let target = Target::from_bytes(&v, at, at + 16).unwrap();
    wb.add_note(&target, NoteKind::Conceptual, "As if a weight had been lifted").await.unwrap();
    assert_eq!(search(wb, "\"weight had been lifted\"", |_| {}).await.total, 1);
    let note = search(wb, "lifted", |o| o.kind = Some("conceptual".parse::<SearchKind>().unwrap())).await;
    assert_eq!((note.total, note.hits[0].source, note.hits[0].object.as_str()), (1, "note", "N1"));
    assert_eq!(search(wb, "lifted", |o| o.kind = Some("descriptive".parse::<SearchKind>().unwrap())).await.total, 0);
    assert_eq!(search(wb, "lifted", |o| o.kind = Some("transcript".parse::<SearchKind>().unwrap())).await.total, 0);
    let s = wb.add_statement(&target, "Meeting as recognition", &[]).await.unwrap();
    let pet =
        wb.add_theme(Some("Janet Dough"), None, "Being seen", Some("Feeling recognised by others")).await.unwrap();
    wb.assign(
        &pet.short_id().to_string(),
        &idiograph_app::MemberRef::Statement(s.short_id().to_string()),
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let th = pet.short_id().to_string();
    assert_eq!(search(wb, "recognised", |o| o.kind = Some("theme".parse::<SearchKind>().unwrap())).await.total, 1);
    let within = search(wb, "meet", |o| o.theme = Some(th.clone())).await;
    assert_eq!(within.total, 1);
    assert_eq!(within.hits[0].start, at + 8);
    let passages = wb.theme_passages(&th, 1, None).await.unwrap();
    assert_eq!(passages.len(), 1);
    assert_eq!(passages[0].text, "nice to meet you");
    assert_eq!(passages[0].before.len(), 1);
    assert!(passages[0].citation.starts_with("(Janet Dough, p. 1"));
    let m = wb.matrix(std::slice::from_ref(&th), None).await.unwrap();
    assert_eq!(m.columns, vec!["P1", "P2"]);
    assert_eq!(m.rows[0].cells.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 0]);
    let m = wb.matrix(std::slice::from_ref(&th), Some("group")).await.unwrap();
    assert_eq!((m.columns.clone(), m.rows[0].cells[0].len()), (vec!["A".to_owned(), "B".to_owned()], 1));

    // Word frequencies: stop words out, speaker labels not counted.
    let f = wb.word_frequencies(Some("Rachel"), None, 10).await.unwrap();
    assert!(f[0].words.iter().all(|(w, _)| w != "the" && w != "i"));
    assert!(f[0].words.iter().any(|(w, _)| w == "slides" || w == "learning"));
    study.close().await;
}

async fn planted_terms_counted_exactly_and_index_stays_consistent(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wl");
    let status = std::process::Command::new("python3")
        .arg(shared.join("bench/qda_workload.py"))
        .args(["--docs", "20", "--doc-kb", "20", "--out"])
        .arg(&out)
        .status()
        .expect("python3 runs the shared workload generator");
    assert!(status.success());
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    let study = Study::create(&backend, dir.path(), "Workload", "tester").await;
    let wb = &study.wb;
    let mut groups = Vec::new();
    for (i, d) in plan["docs"].as_array().unwrap().iter().enumerate() {
        let name = d["filename"].as_str().unwrap();
        groups.push((format!("P{:03}", i + 1), vec![(name.to_owned(), std::fs::read(out.join(name)).unwrap())]));
    }
    wb.import_batches(groups, true, &ImportOptions::default(), None).await.unwrap();

    for (term, expected) in plan["search_terms"].as_object().unwrap() {
        let r = search(wb, term, |_| {}).await;
        assert_eq!(r.total as u64, expected["occurrences"].as_u64().unwrap(), "{term}");
        let docs = r.per_participant.iter().filter(|c| c.hits > 0).count() as u64;
        assert_eq!(docs, expected["documents"].as_u64().unwrap(), "{term}");
        // Only participants say the planted terms.
        let said = search(wb, term, |o| o.role = Some(SpeakerRole::Participant)).await;
        assert_eq!(said.total, r.total, "{term}");
        check_offsets(wb, &r).await;
    }
    assert!(wb.search_index_dir().join("meta.json").exists());
    if let Some(file) = study.file() {
        assert_eq!(wb.search_index_dir(), file.with_extension("idg.search"), "the index lives beside the project");
    }

    // Edit, undo, redo.
    let (_, v) = wb.transcript("T1").await.unwrap();
    let target = Target::from_bytes(&v, 0, 11).unwrap();
    wb.add_note(&target, NoteKind::Free, "zebracorn moment").await.unwrap();
    assert_eq!(search(wb, "zebracorn", |_| {}).await.total, 1);
    wb.undo().await.unwrap().unwrap();
    assert_eq!(search(wb, "zebracorn", |_| {}).await.total, 0);
    wb.redo().await.unwrap().unwrap();
    assert_eq!(search(wb, "zebracorn", |_| {}).await.total, 1);

    // A speaker rename makes a new version: the new label is found, the old one is not.
    let p001_before = search(wb, "P001", |_| {}).await.total;
    assert!(p001_before > 10);
    wb.rename_speaker("T1", "P001", "Rachel").await.unwrap();
    let rachel = search(wb, "Rachel", |_| {}).await;
    assert_eq!(rachel.total, p001_before);
    check_offsets(wb, &rachel).await;
    assert_eq!(search(wb, "P001", |_| {}).await.total, 0);
    // Hits after the rename are at the new version's offsets.
    let broadband = search(wb, "broadband", |o| o.participant = Some("P001".into())).await;
    check_offsets(wb, &broadband).await;
    wb.undo().await.unwrap().unwrap();
    assert_eq!(search(wb, "Rachel", |_| {}).await.total, 0);
    assert_eq!(search(wb, "P001", |_| {}).await.total, p001_before);

    // Delete the index: the next search rebuilds it and answers the same.
    let index = wb.search_index_dir();
    std::fs::remove_dir_all(&index).unwrap();
    assert_eq!(search(wb, "P001", |_| {}).await.total, p001_before);
    assert!(index.join("meta.json").exists());
    // A corrupt index is rebuilt too.
    std::fs::write(index.join("meta.json"), b"{not json").unwrap();
    let reopened = study.open_again("other").await;
    let term = plan["search_terms"]["pension"]["occurrences"].as_u64().unwrap();
    assert_eq!(search(&reopened, "pension", |_| {}).await.total as u64, term);
    reopened.close().await;
    study.close().await;
}

const SHORT: &str = "Interviewer: How was it?\nOlivia: A zebracorn moment, then it got easier.\n";

/// A study with Olivia's short transcript T1, indexed by one search.
async fn short_study(backend: &Backend, dir: &std::path::Path) -> Study {
    let study = Study::create(backend, dir, "Index", "ann").await;
    let wb = &study.wb;
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let files = vec![("olivia.txt".to_owned(), SHORT.as_bytes().to_vec())];
    wb.import_files("Olivia", files, &ImportOptions::default()).await.unwrap();
    assert_eq!(search(wb, "zebracorn", |_| {}).await.total, 1);
    study
}

/// While another process holds the index's writer, a search that must update the index waits
/// for it on the async timer: the test's runtime has one thread, which keeps serving another
/// task meanwhile, and the search answers once the writer is free.
async fn another_writer_of_the_index_is_waited_for_without_holding_the_async_thread(backend: Backend) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let study = short_study(&backend, dir.path()).await;
    let wb = &study.wb;
    let (_, v) = wb.transcript("T1").await.unwrap();
    let at = v.text.find("easier").unwrap();
    wb.add_note(&Target::from_bytes(&v, at, at + 6).unwrap(), NoteKind::Free, "unicorn").await.unwrap();

    let folder = wb.search_index_dir();
    let (taken, is_taken) = std::sync::mpsc::channel();
    let other = std::thread::spawn(move || {
        let (ix, _) = idiograph_search::SearchIndex::open(&folder).unwrap();
        let writer = ix.update(1).unwrap();
        taken.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(600));
        drop(writer);
    });
    is_taken.recv().unwrap();
    let ticks = std::sync::Arc::new(AtomicUsize::new(0));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(search(wb, "unicorn", |_| {}).await.total, 1);
    ticker.abort();
    other.join().unwrap();
    let ticks = ticks.load(Ordering::Relaxed);
    assert!(ticks >= 10, "the async thread served other tasks while the search waited ({ticks} ticks)");
    study.close().await;
}

/// An index that cannot be kept (here a file stands where its folder belongs) fails a search
/// with an index error — the server's failure, not a conflict of the caller's — and once the
/// obstacle is gone the next search makes the index anew.
async fn an_index_that_cannot_be_kept_is_an_index_error_and_made_anew_later(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = short_study(&backend, dir.path()).await;
    let wb = &study.wb;
    let folder = wb.search_index_dir();
    wb.forget_search_index();
    std::fs::write(&folder, b"not a folder").unwrap();
    let r = wb.search(&SearchRequest::new("zebracorn")).await;
    assert!(matches!(r, Err(AppError::Index(_))), "{r:?}");
    std::fs::remove_file(&folder).unwrap();
    assert_eq!(search(wb, "zebracorn", |_| {}).await.total, 1);
    study.close().await;
}
