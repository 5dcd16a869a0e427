//! Two analysts on one project (issue #8): a theme's revision covers its members, and an
//! assignment, move, merge or split decided on a stale view of a theme is refused whole —
//! the project stays exactly as it was — while the same command without expected revisions
//! applies to what is stored. Each test runs on a project file and on a PostgreSQL project,
//! with a second handle opened on the same project as the other analyst.

mod support;

use std::path::Path;

use idiograph_app::{AppError, MemberRef, Revisions, Target, ThemeChanges, VersionToken, Workbench};
use idiograph_model::Member;
use idiograph_testkit::{on_both_backends, Backend};
use support::Study;

const TRANSCRIPT: &str = "Interviewer: How was it?\n\
    Olivia: It was hard at first, and then it got easier.\n\
    Interviewer: And now?\n\
    Olivia: Now I feel at home here, with friends around me.\n";

/// Two analysts on one project: Olivia's transcript T1, statements S1–S3, PETs TH1–TH3 with
/// S1 and S2 in TH1 and S3 in TH2. `ana` and `ben` are separate handles (separate pools), as
/// two server processes would be.
struct Pair {
    ana: Workbench,
    ben: Workbench,
    study: Study,
}

async fn pair(dir: &Path, backend: &Backend) -> Pair {
    let study = Study::create(backend, dir, "Moving on", "ana").await;
    let ana = study.wb.clone();
    let ben = study.open_again("ben").await;
    ana.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let files = vec![("olivia.txt".to_owned(), TRANSCRIPT.as_bytes().to_vec())];
    ana.import_files("Olivia", files, &Default::default()).await.unwrap();
    let (_, v) = ana.transcript("T1").await.unwrap();
    for words in ["hard at first", "it got easier", "at home here"] {
        let start = TRANSCRIPT.find(words).unwrap();
        let target = Target::from_bytes(&v, start, start + words.len()).unwrap();
        ana.add_statement(&target, words, &[]).await.unwrap();
    }
    for title in ["Hardship", "Belonging", "Change"] {
        ana.add_theme(Some("Olivia"), None, title, None).await.unwrap();
    }
    for (theme, statement) in [("TH1", "S1"), ("TH1", "S2"), ("TH2", "S3")] {
        ana.assign(theme, &statement_ref(statement), None, None, None).await.unwrap();
    }
    Pair { ana, ben, study }
}

fn statement_ref(s: &str) -> MemberRef {
    MemberRef::Statement(s.to_owned())
}

/// The revision of theme `th` (e.g. `TH1`) as a board shows it now.
async fn theme_revision(wb: &Workbench, th: &str) -> String {
    let s = wb.snapshot().await.unwrap();
    let t = s.themes.iter().find(|t| t.short_id().to_string() == th).unwrap();
    s.theme_revision(t)
}

/// The revision of statement `st`'s assignment to theme `th`.
async fn assignment_revision(wb: &Workbench, th: &str, st: &str) -> String {
    let s = wb.snapshot().await.unwrap();
    let t = s.themes.iter().find(|t| t.short_id().to_string() == th).unwrap();
    let x = s.statements.iter().find(|x| x.short_id().to_string() == st).unwrap();
    s.assignments
        .iter()
        .find(|a| a.theme_id == t.id && a.member == Member::Statement(x.id.clone()))
        .unwrap()
        .version_token()
}

/// The statements of theme `th`, by short id.
async fn members(wb: &Workbench, th: &str) -> Vec<String> {
    let s = wb.snapshot().await.unwrap();
    let t = s.themes.iter().find(|t| t.short_id().to_string() == th).unwrap();
    s.statements_of(&t.id).iter().map(|x| x.short_id().to_string()).collect()
}

fn assert_stale<T: std::fmt::Debug>(result: Result<T, AppError>, names: &str) {
    match result {
        Err(AppError::Stale(message)) => assert!(message.contains(names), "{message}"),
        other => panic!("expected a stale refusal naming {names}, got {other:?}"),
    }
}

on_both_backends!(
    async fn a_theme_revision_covers_the_theme_and_its_members,
    async fn a_stale_merge_is_refused_and_changes_nothing,
    async fn a_stale_split_is_refused_and_changes_nothing,
    async fn a_stale_move_is_refused_whole_and_a_move_is_one_undo_step,
    async fn a_stale_assignment_is_refused_and_without_revisions_the_last_writer_wins,
);

/// Runs `check` on a fresh pair of analysts on `backend`, then closes and removes the project.
async fn with_pair(backend: Backend, check: impl AsyncFnOnce(&Pair)) {
    let dir = tempfile::tempdir().unwrap();
    let p = pair(dir.path(), &backend).await;
    check(&p).await;
    p.ben.close().await;
    p.study.close().await;
}

async fn a_theme_revision_covers_the_theme_and_its_members(backend: Backend) {
    with_pair(backend, revisions).await;
}

async fn a_stale_merge_is_refused_and_changes_nothing(backend: Backend) {
    with_pair(backend, stale_merge).await;
}

async fn a_stale_split_is_refused_and_changes_nothing(backend: Backend) {
    with_pair(backend, stale_split).await;
}

async fn a_stale_move_is_refused_whole_and_a_move_is_one_undo_step(backend: Backend) {
    with_pair(backend, stale_move).await;
}

async fn a_stale_assignment_is_refused_and_without_revisions_the_last_writer_wins(backend: Backend) {
    with_pair(backend, stale_assignment).await;
}

async fn revisions(p: &Pair) {
    let before = theme_revision(&p.ana, "TH2").await;
    let s = p.ana.snapshot().await.unwrap();
    let th2 = s.themes.iter().find(|t| t.short == 2).unwrap();
    assert_ne!(before, th2.version_token(), "the revision is not the row's alone");
    // Another theme's change leaves it as it was.
    p.ben
        .update_theme("TH1", ThemeChanges { title: Some("Struggle".into()), ..Default::default() }, None)
        .await
        .unwrap();
    assert_eq!(theme_revision(&p.ana, "TH2").await, before);
    // A member joining or leaving changes it, and so does a rename; undo restores it.
    p.ben.assign("TH2", &statement_ref("S1"), None, None, None).await.unwrap();
    let joined = theme_revision(&p.ana, "TH2").await;
    assert_ne!(joined, before);
    p.ben.undo().await.unwrap();
    assert_eq!(theme_revision(&p.ana, "TH2").await, before, "undo restores the revision");
    p.ben.update_theme("TH2", ThemeChanges { title: Some("Home".into()), ..Default::default() }, None).await.unwrap();
    assert_ne!(theme_revision(&p.ana, "TH2").await, before);
}

async fn stale_merge(p: &Pair) {
    let (th1, th2) = (theme_revision(&p.ana, "TH1").await, theme_revision(&p.ana, "TH2").await);
    // Ben puts S3 into TH1 too: Ana's view of TH1 is now stale.
    p.ben.assign("TH1", &statement_ref("S3"), None, None, None).await.unwrap();
    let dump = p.ana.dump().await.unwrap();
    let seen = Revisions { from: Some(&th1), into: Some(&th2) };
    assert_stale(p.ana.merge_themes("TH1", "TH2", seen).await, "theme TH1 was changed by someone else");
    assert_eq!(p.ana.dump().await.unwrap(), dump, "a refused merge changes nothing");
    // A stale view of the theme merged into is refused the same way.
    let th1 = theme_revision(&p.ana, "TH1").await;
    p.ben.update_theme("TH2", ThemeChanges { title: Some("Home".into()), ..Default::default() }, None).await.unwrap();
    let dump = p.ana.dump().await.unwrap();
    let seen = Revisions { from: Some(&th1), into: Some(&th2) };
    assert_stale(p.ana.merge_themes("TH1", "TH2", seen).await, "theme TH2 was changed by someone else");
    assert_eq!(p.ana.dump().await.unwrap(), dump);
    // On the current state it goes through, and so does a merge that names no revisions.
    let th2 = theme_revision(&p.ana, "TH2").await;
    p.ana.merge_themes("TH1", "TH2", Revisions { from: Some(&th1), into: Some(&th2) }).await.unwrap();
    assert_eq!(members(&p.ana, "TH2").await, ["S1", "S2", "S3"]);
    p.ben.merge_themes("TH3", "TH2", Revisions::default()).await.unwrap();
}

async fn stale_split(p: &Pair) {
    let th1 = theme_revision(&p.ana, "TH1").await;
    // Ben takes S2 out of TH1 while Ana chooses what to split off.
    p.ben.unassign("TH1", &statement_ref("S2"), None).await.unwrap();
    let dump = p.ana.dump().await.unwrap();
    assert_stale(
        p.ana.split_theme("TH1", "Early days", &[statement_ref("S1")], Some(&th1)).await,
        "theme TH1 was changed by someone else",
    );
    assert_eq!(p.ana.dump().await.unwrap(), dump, "a refused split changes nothing, not even a short id");
    let th1 = theme_revision(&p.ana, "TH1").await;
    let new = p.ana.split_theme("TH1", "Early days", &[statement_ref("S1")], Some(&th1)).await.unwrap();
    assert_eq!(new.short, 4, "the refused split used no theme number");
    assert_eq!(members(&p.ana, "TH4").await, ["S1"]);
}

async fn stale_move(p: &Pair) {
    let (s1_in_th1, th2) = (assignment_revision(&p.ana, "TH1", "S1").await, theme_revision(&p.ana, "TH2").await);
    // Ben moves S1 to TH3 first: Ana's move of S1 out of TH1 is built on a stale view.
    let th3 = theme_revision(&p.ben, "TH3").await;
    p.ben
        .move_member(&statement_ref("S1"), "TH1", "TH3", None, None, Revisions { from: None, into: Some(&th3) })
        .await
        .unwrap();
    let dump = p.ana.dump().await.unwrap();
    let seen = Revisions { from: Some(&s1_in_th1), into: Some(&th2) };
    assert_stale(
        p.ana.move_member(&statement_ref("S1"), "TH1", "TH2", None, None, seen).await,
        "S1 is not assigned to TH1",
    );
    assert_eq!(p.ana.dump().await.unwrap(), dump, "nothing half-applied: S1 is not taken out of anywhere");
    // Without a revision the same reference is simply wrong.
    let unseen = Revisions::default();
    assert!(matches!(
        p.ana.move_member(&statement_ref("S1"), "TH1", "TH2", None, None, unseen).await,
        Err(AppError::NotFound(_))
    ));
    // A stale view of the receiving theme: S2 stays in TH1, and TH2 is not touched.
    let s2_in_th1 = assignment_revision(&p.ana, "TH1", "S2").await;
    p.ben.update_theme("TH2", ThemeChanges { title: Some("Home".into()), ..Default::default() }, None).await.unwrap();
    let dump = p.ana.dump().await.unwrap();
    let seen = Revisions { from: Some(&s2_in_th1), into: Some(&th2) };
    assert_stale(p.ana.move_member(&statement_ref("S2"), "TH1", "TH2", None, None, seen).await, "theme TH2");
    assert_eq!(p.ana.dump().await.unwrap(), dump);
    // On the current state the move is one command: one audit event, one undo step.
    let th2 = theme_revision(&p.ana, "TH2").await;
    let strategy = Some(idiograph_model::GroupingStrategy::Contextualisation);
    let seen = Revisions { from: Some(&s2_in_th1), into: Some(&th2) };
    let moved = p
        .ana
        .move_member(&statement_ref("S2"), "TH1", "TH2", strategy, Some("It is about settling"), seen)
        .await
        .unwrap();
    assert_eq!((moved.strategy, moved.rationale.as_deref()), (strategy, Some("It is about settling")));
    assert_eq!((members(&p.ana, "TH1").await, members(&p.ana, "TH2").await), (vec![], vec!["S2".into(), "S3".into()]));
    let last = p.ana.history(1).await.unwrap().remove(0);
    assert_eq!((last.action.as_str(), last.summary.as_str()), ("move", "move S2 from TH1 to TH2 by contextualisation"));
    p.ana.undo().await.unwrap();
    assert_eq!((members(&p.ana, "TH1").await, members(&p.ana, "TH2").await), (vec!["S2".into()], vec!["S3".into()]));
    // Moving into a theme the member is already in is refused.
    let seen = Revisions::default();
    p.ana.assign("TH2", &statement_ref("S2"), None, None, None).await.unwrap();
    let r = p.ana.move_member(&statement_ref("S2"), "TH1", "TH2", None, None, seen).await;
    assert!(matches!(r, Err(AppError::Conflict(_))), "{r:?}");
}

async fn stale_assignment(p: &Pair) {
    let th2 = theme_revision(&p.ana, "TH2").await;
    p.ben.assign("TH2", &statement_ref("S2"), None, None, None).await.unwrap();
    let dump = p.ana.dump().await.unwrap();
    assert_stale(p.ana.assign("TH2", &statement_ref("S1"), None, None, Some(&th2)).await, "theme TH2");
    assert_eq!(p.ana.dump().await.unwrap(), dump);
    // Scripts name no revision: the assignment applies to what is stored, as before.
    p.ana.assign("TH2", &statement_ref("S1"), None, None, None).await.unwrap();
    assert_eq!(members(&p.ana, "TH2").await, ["S1", "S2", "S3"]);
    // Taking out an assignment someone else already took out is stale with a revision, and a
    // wrong reference without one.
    let s1_in_th2 = assignment_revision(&p.ana, "TH2", "S1").await;
    p.ben.unassign("TH2", &statement_ref("S1"), None).await.unwrap();
    assert_stale(p.ana.unassign("TH2", &statement_ref("S1"), Some(&s1_in_th2)).await, "S1 is not assigned to TH2");
    assert!(matches!(p.ana.unassign("TH2", &statement_ref("S1"), None).await, Err(AppError::NotFound(_))));
}
