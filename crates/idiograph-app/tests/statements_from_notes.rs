//! A statement developed from exploratory notes alone (issue #15): it is grounded in the notes'
//! passages (overlapping ones joined), records the notes, is one undoable command, and is
//! refused whole — nothing stored — when a note is of another case or does not exist. Each test
//! runs on a project file and on a PostgreSQL project.

mod support;

use idiograph_app::{AppError, Target};
use idiograph_model::NoteKind;
use idiograph_testkit::{on_both_backends, Backend};
use support::Study;

const OLIVIA: &str = "Interviewer: How was it?\n\
    Olivia: It was hard at first, and then it got easier.\n\
    Interviewer: And now?\n\
    Olivia: Now I feel at home here, with friends around me.\n";
const TOM: &str = "Interviewer: How was it?\nTom: Lonely, mostly.\n";

on_both_backends!(
    async fn a_statement_from_notes_takes_their_passages_and_names_them,
    async fn a_statement_from_notes_of_another_case_is_refused_and_nothing_is_stored,
);

/// Olivia's T1 with notes N1 ("hard at first"), N2 ("at first, and then", overlapping N1) and
/// N3 ("at home here"); Tom's T2 with N4.
async fn study(dir: &std::path::Path, backend: &Backend) -> Study {
    let study = Study::create(backend, dir, "Moving on", "ana").await;
    let wb = &study.wb;
    for (name, text) in [("Olivia", OLIVIA), ("Tom", TOM)] {
        wb.add_participant(name, &[], Default::default()).await.unwrap();
        let files = vec![(format!("{name}.txt"), text.as_bytes().to_vec())];
        wb.import_files(name, files, &Default::default()).await.unwrap();
    }
    for (t, text, words) in [
        ("T1", OLIVIA, "hard at first"),
        ("T1", OLIVIA, "at first, and then"),
        ("T1", OLIVIA, "at home here"),
        ("T2", TOM, "Lonely"),
    ] {
        let (_, v) = wb.transcript(t).await.unwrap();
        let start = text.find(words).unwrap();
        let target = Target::from_bytes(&v, start, start + words.len()).unwrap();
        wb.add_note(&target, NoteKind::Descriptive, words).await.unwrap();
    }
    study
}

async fn a_statement_from_notes_takes_their_passages_and_names_them(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study(dir.path(), &backend).await;
    let wb = &study.wb;
    let notes = ["N3".to_owned(), "N1".to_owned(), "N2".to_owned(), "N1".to_owned()];
    let s = wb.add_statement_from_notes("Struggle, then belonging", &notes).await.unwrap();

    let quotes: Vec<&str> = s.anchors.iter().map(|a| a.quote().exact()).collect();
    assert_eq!(quotes, ["hard at first, and then", "at home here"], "overlapping passages joined, in text order");
    let n = |short: u32| async move { wb.note(&format!("N{short}")).await.unwrap().id };
    assert_eq!(s.from_notes, vec![n(3).await, n(1).await, n(2).await], "each note once, in the order given");
    assert_eq!(wb.statement("S1").await.unwrap(), s, "stored as returned");
    let last = wb.history(1).await.unwrap().remove(0);
    assert_eq!(last.action.as_str(), "add statement");
    assert!(last.summary.contains("from N3, N1, N2"), "{}", last.summary);

    // One command: undo takes it away whole.
    wb.undo().await.unwrap();
    assert!(matches!(wb.statement("S1").await, Err(AppError::NotFound(_))));
}

async fn a_statement_from_notes_of_another_case_is_refused_and_nothing_is_stored(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study(dir.path(), &backend).await;
    let wb = &study.wb;
    let before = wb.history(1).await.unwrap();
    let mixed = wb.add_statement_from_notes("Across cases", &["N1".to_owned(), "N4".to_owned()]).await;
    match mixed {
        Err(AppError::Invalid(m)) => assert!(m.contains("N4") && m.contains("another participant"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(wb.add_statement_from_notes("Nothing", &["N99".to_owned()]).await, Err(AppError::NotFound(_))));
    assert!(matches!(wb.add_statement_from_notes("No notes", &[]).await, Err(AppError::Invalid(_))));
    assert!(matches!(wb.add_statement_from_notes("  ", &["N1".to_owned()]).await, Err(AppError::Invalid(_))));
    assert_eq!(wb.history(1).await.unwrap(), before, "nothing was recorded");
    assert!(wb.snapshot().await.unwrap().statements.is_empty(), "nothing was stored");
}
