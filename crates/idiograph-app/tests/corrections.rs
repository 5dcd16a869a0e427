//! Correcting a transcript's words while listening (issue #16's correction mode): one passage
//! within one turn becomes what the researcher typed, in a new version that carries every note
//! exactly; one undo takes it back; a correction that is not one is refused and changes nothing.

mod support;

use idiograph_app::{AppError, Target};
use idiograph_testkit::{on_both_backends, Backend};

on_both_backends!(async fn a_correction_makes_a_new_version_carrying_every_note_and_undo_takes_it_back);
on_both_backends!(async fn a_correction_that_is_not_one_is_refused_and_changes_nothing);

/// The demo's first transcript and, in it, the first turn with words before a note: the
/// passage of its first word, and the note.
async fn first_word_before_a_note(wb: &idiograph_app::Workbench) -> (String, Target, idiograph_model::ExploratoryNote) {
    let (t, v) = wb.transcript("T1").await.unwrap();
    let notes = wb.notes(Some("T1")).await.unwrap();
    for turn in &v.turns {
        let words = turn.words_start(&v.text);
        let word_end = words + v.text[words..].find(|c: char| !c.is_alphanumeric()).unwrap();
        if let Some(n) = notes.iter().find(|n| n.anchor.span().start().to_usize() >= word_end) {
            let target = Target::from_bytes(&v, words, word_end).unwrap();
            return (t.short_id().to_string(), target, n.clone());
        }
    }
    panic!("the demo's T1 has a note after a turn's first word");
}

async fn a_correction_makes_a_new_version_carrying_every_note_and_undo_takes_it_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let (t, target, note) = first_word_before_a_note(&wb).await;
    let (_, before) = wb.transcript(t.as_str()).await.unwrap();
    let quoted = note.anchor.span().slice(&before.text).to_owned();
    let misheard = target.span().slice(&before.text).to_owned();

    let after = wb.correct_words(&target, "Wéll, honestly").await.unwrap();
    assert_eq!(after.number, before.number + 1);
    let start = target.span().start().to_usize();
    assert_eq!(&after.text[start..start + "Wéll, honestly".len()], "Wéll, honestly");
    assert_eq!(after.text.len(), before.text.len() - misheard.len() + "Wéll, honestly".len());
    let moved = wb.notes(Some(t.as_str())).await.unwrap().into_iter().find(|n| n.id == note.id).unwrap();
    assert_eq!(moved.anchor.version_id(), &after.id, "the note moved to the new version");
    assert_eq!(moved.anchor.span().slice(&after.text), quoted, "and still holds exactly its words");
    let history = wb.history(1).await.unwrap();
    assert!(history[0].summary.starts_with(&format!("correct the words of {t}")), "{:?}", history[0].summary);

    wb.undo().await.unwrap();
    let (_, undone) = wb.transcript(t.as_str()).await.unwrap();
    assert_eq!(undone.id, before.id, "undo makes the old version current again");
    let back = wb.notes(Some(t.as_str())).await.unwrap().into_iter().find(|n| n.id == note.id).unwrap();
    assert_eq!(back.anchor, note.anchor);
    wb.close().await;
    drop(schema);
}

async fn a_correction_that_is_not_one_is_refused_and_changes_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let (_, v) = wb.transcript("T1").await.unwrap();
    let last = wb.history(1).await.unwrap()[0].seq;
    let (first, second) = (&v.turns[0], &v.turns[1]);
    let label = first.label_span.expect("the demo's turns are labelled");
    let across = Target::from_bytes(&v, first.words_start(&v.text), second.words_start(&v.text) + 1).unwrap();
    let word = Target::from_bytes(&v, first.words_start(&v.text), first.words_start(&v.text) + 1).unwrap();
    let same = word.span().slice(&v.text).to_owned();
    for (target, text, why) in [
        (Target::new(&v, label).unwrap(), "Someone", "within the words of one speaker turn"),
        (across, "x", "within the words of one speaker turn"),
        (word.clone(), same.as_str(), "changes nothing"),
        (word.clone(), "one\n\ntwo", "blank line"),
    ] {
        match wb.correct_words(&target, text).await {
            Err(AppError::Invalid(m)) => assert!(m.contains(why), "{text:?}: {m}"),
            other => panic!("{text:?} was taken: {other:?}"),
        }
    }
    assert_eq!(wb.history(1).await.unwrap()[0].seq, last, "nothing was recorded");
    assert_eq!(wb.transcript("T1").await.unwrap().1.id, v.id, "nor a version made");
    // A correction made on a version that is no longer current is refused too.
    wb.correct_words(&word, "Z").await.unwrap();
    let stale = wb.correct_words(&word, "Y").await.unwrap_err();
    assert!(stale.to_string().contains("another version"), "{stale}");
    wb.close().await;
    drop(schema);
}

on_both_backends!(async fn a_note_made_while_listening_keeps_the_time_through_a_correction);

async fn a_note_made_while_listening_keeps_the_time_through_a_correction(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let (_, v) = wb.transcript("T1").await.unwrap();
    let last = v.turns.last().unwrap();
    let words = last.words_start(&v.text);
    let passage = Target::from_bytes(&v, words, words + 4).unwrap();
    let heard = wb
        .add_note(&passage.clone().heard_at(83_250), idiograph_model::NoteKind::Linguistic, "a long pause")
        .await
        .unwrap();
    let unheard = wb.add_note(&passage, idiograph_model::NoteKind::Free, "read only").await.unwrap();
    let statement = wb.add_statement(&passage.heard_at(84_000), "Hesitating", &[]).await.unwrap();
    assert_eq!(wb.note_view(heard.short_id()).await.unwrap().heard_ms, Some(83_250));
    assert_eq!(wb.note_view(unheard.short_id()).await.unwrap().heard_ms, None);
    assert_eq!(wb.statement_view(statement.short_id()).await.unwrap().heard_ms, Some(84_000));
    // A correction before the note's passage makes a new version; the note keeps its time.
    let first = &v.turns[0];
    let start = first.words_start(&v.text);
    wb.correct_words(&Target::from_bytes(&v, start, start + 1).unwrap(), "Q").await.unwrap();
    let moved = wb.notes(Some("T1")).await.unwrap().into_iter().find(|n| n.id == heard.id).unwrap();
    assert_ne!(moved.anchor.version_id(), &v.id);
    assert_eq!(moved.heard_ms, Some(83_250));
    wb.close().await;
    drop(schema);
}
