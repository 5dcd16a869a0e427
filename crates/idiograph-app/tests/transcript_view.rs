//! One transcript's view is read without the rest of the study, yet holds exactly what the
//! whole study holds for the transcript's current version, so its page shows the same. Runs on
//! the demo study in a project file and copied to a PostgreSQL project.

mod support;

use idiograph_model::{Anchor, Member};
use idiograph_testkit::{on_both_backends, Backend};

on_both_backends!(async fn a_transcript_view_holds_what_the_snapshot_holds_for_its_version);

async fn a_transcript_view_holds_what_the_snapshot_holds_for_its_version(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (wb, schema) = support::demo(&backend, dir.path(), "ana").await;
    let s = wb.snapshot().await.unwrap();
    let mut annotations = 0;
    for t in &s.transcripts {
        let reference = t.short_id().to_string();
        let view = wb.transcript_view(&reference).await.unwrap();
        let here = |a: &Anchor| a.version_id() == &t.current_version;
        assert_eq!(&view.transcript, t);
        assert_eq!(view.version, s.versions[&t.current_version]);
        assert_eq!(Some(&view.participant), s.participant(&t.participant_id));
        assert_eq!(view.settings, s.settings);
        let notes: Vec<_> = wb.notes(Some(&reference)).await.unwrap().into_iter().filter(|n| here(&n.anchor)).collect();
        assert_eq!(view.notes, notes);
        let statements: Vec<_> = s.statements.iter().filter(|x| x.anchors.iter().any(here)).cloned().collect();
        assert_eq!(view.statements, statements);
        let assignments: Vec<_> = s
            .assignments
            .iter()
            .filter(|a| matches!(&a.member, Member::Statement(m) if statements.iter().any(|x| &x.id == m)))
            .cloned()
            .collect();
        assert_eq!(view.assignments, assignments);
        let extracts: Vec<_> = s.extracts.iter().filter(|x| here(&x.anchor)).cloned().collect();
        assert_eq!(view.extracts, extracts);
        let themes: Vec<_> = s
            .themes
            .iter()
            .filter(|th| th.is_group() || th.participant_id() == Some(&t.participant_id))
            .cloned()
            .collect();
        assert_eq!(view.themes, themes);
        // Every theme the view's statements and extracts go to is among the view's themes.
        assert!(view.assignments.iter().all(|a| view.theme(&a.theme_id).is_some()));
        assert!(view.extracts.iter().all(|x| view.theme(&x.theme_id).is_some()));
        // An extract's citation names the transcript's case.
        assert!(view.extracts.iter().all(|x| x.participant_id == t.participant_id));
        annotations += notes.len() + statements.len() + assignments.len() + extracts.len();
    }
    assert!(annotations > 0, "the demo study annotates its transcripts");
    wb.close().await;
    drop(schema);
}
