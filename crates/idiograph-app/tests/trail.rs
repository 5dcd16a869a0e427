//! The hermeneutic trail (issue #15): each member of a theme with the strategy and rationale of
//! its move, who made it and when — taken from the audit log, so undo, redo, merges and other
//! analysts are reflected — and the exploratory notes a statement was developed from; and the
//! audit report's appendix that prints it. Each test runs on a project file and on a
//! PostgreSQL project, with a second analyst on a handle of their own.

mod support;

use idiograph_app::{ExportFormat, MemberRef, Revisions, Target, Trail, TrailMember, Workbench};
use idiograph_model::{GroupingStrategy, NoteKind, Theme};
use idiograph_testkit::{on_both_backends, Backend};
use support::Study;

const TRANSCRIPT: &str = "Interviewer: How was it?\n\
    Olivia: It was hard at first, and then it got easier.\n\
    Interviewer: And now?\n\
    Olivia: Now I feel at home here, with friends around me.\n";

on_both_backends!(
    async fn a_theme_lists_each_member_with_its_move_author_time_and_source_notes,
    async fn the_audit_report_carries_the_trail_of_each_case,
);

/// The passage `words` of T1 as a target.
async fn target(wb: &Workbench, words: &str) -> Target {
    let (_, v) = wb.transcript("T1").await.unwrap();
    let start = TRANSCRIPT.find(words).unwrap();
    Target::from_bytes(&v, start, start + words.len()).unwrap()
}

/// Olivia's transcript with notes N1 (line 2) and N2 (line 4), S1 developed from both, S2
/// from none, and PETs TH1 and TH2; made by `ana`.
async fn olivia(wb: &Workbench) {
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let files = vec![("olivia.txt".to_owned(), TRANSCRIPT.as_bytes().to_vec())];
    wb.import_files("Olivia", files, &Default::default()).await.unwrap();
    wb.add_note(&target(wb, "hard at first").await, NoteKind::Descriptive, "struggle early on").await.unwrap();
    wb.add_note(&target(wb, "at home here").await, NoteKind::Conceptual, "belonging as arrival").await.unwrap();
    let from = ["N1".to_owned(), "N2".to_owned()];
    wb.add_statement(&target(wb, "it got easier").await, "Adjustment over time", &from).await.unwrap();
    wb.add_statement(&target(wb, "with friends").await, "Friends as home", &[]).await.unwrap();
    for title in ["Hardship", "Settling in"] {
        wb.add_theme(Some("Olivia"), None, title, None).await.unwrap();
    }
}

/// The trail of theme `th` (e.g. `TH1`) as it is now.
async fn members(wb: &Workbench, th: &str) -> Vec<TrailMember> {
    let (s, trail): (_, Trail) = wb.snapshot_with_trail().await.unwrap();
    let t: &Theme = s.themes.iter().find(|t| t.short_id().to_string() == th).unwrap();
    trail.of(&t.id).to_vec()
}

/// `(member, strategy, rationale, author)` of each member of `th`.
async fn moves(wb: &Workbench, th: &str) -> Vec<(String, Option<GroupingStrategy>, Option<String>, Option<String>)> {
    members(wb, th).await.into_iter().map(|m| (m.id, m.strategy, m.rationale, m.author)).collect()
}

fn statement(s: &str) -> MemberRef {
    MemberRef::Statement(s.to_owned())
}

async fn a_theme_lists_each_member_with_its_move_author_time_and_source_notes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Moving on", "ana").await;
    let ana = study.wb.clone();
    let ben = study.open_again("ben").await;
    olivia(&ana).await;
    let assigned = ana
        .assign("TH1", &statement("S1"), Some(GroupingStrategy::Abstraction), Some("both speak of change"), None)
        .await
        .unwrap();
    ben.assign("TH1", &statement("S2"), None, None, None).await.unwrap();

    let th1 = members(&ana, "TH1").await;
    assert_eq!(th1.len(), 2, "{th1:?}");
    let s1 = &th1[0];
    assert_eq!((s1.id.as_str(), s1.text.as_str(), s1.pseudonym.as_str()), ("S1", "Adjustment over time", "Olivia"));
    assert_eq!(s1.strategy, Some(GroupingStrategy::Abstraction));
    assert_eq!(s1.rationale.as_deref(), Some("both speak of change"));
    assert_eq!(s1.author.as_deref(), Some("ana"));
    assert_eq!(s1.at, assigned.created_at, "when the move was made");
    assert_eq!(s1.lines, "p. 1, l. 2");
    let notes: Vec<(&str, NoteKind, &str, &str, &str, u32)> = s1
        .notes
        .iter()
        .map(|n| (n.id.as_str(), n.kind, n.text.as_str(), n.lines.as_str(), n.transcript.as_str(), n.line))
        .collect();
    assert_eq!(
        notes,
        [
            ("N1", NoteKind::Descriptive, "struggle early on", "p. 1, l. 2", "T1", 2),
            ("N2", NoteKind::Conceptual, "belonging as arrival", "p. 1, l. 4", "T1", 4),
        ]
    );
    assert_eq!((th1[1].id.as_str(), th1[1].author.as_deref(), th1[1].strategy), ("S2", Some("ben"), None));
    assert!(th1[1].notes.is_empty());

    // Ben moves S1 on, with his own reasons: the trail follows the move.
    ben.move_member(
        &statement("S1"),
        "TH1",
        "TH2",
        Some(GroupingStrategy::Polarisation),
        Some("settling against struggle"),
        Revisions::default(),
    )
    .await
    .unwrap();
    let expected_move = (
        "S1".to_owned(),
        Some(GroupingStrategy::Polarisation),
        Some("settling against struggle".to_owned()),
        Some("ben".to_owned()),
    );
    assert_eq!(moves(&ana, "TH2").await, std::slice::from_ref(&expected_move));
    assert_eq!(moves(&ana, "TH1").await.len(), 1, "only S2 is left in TH1");

    // Undone, the move is Ana's again; redone, Ben's.
    ben.undo().await.unwrap().unwrap();
    let expected_assign = (
        "S1".to_owned(),
        Some(GroupingStrategy::Abstraction),
        Some("both speak of change".to_owned()),
        Some("ana".to_owned()),
    );
    assert_eq!(moves(&ana, "TH1").await[0], expected_assign);
    assert!(moves(&ana, "TH2").await.is_empty());
    ben.redo().await.unwrap().unwrap();
    assert_eq!(moves(&ana, "TH2").await, std::slice::from_ref(&expected_move));

    // A merge by Ana carries the members over with the moves that put them there: Ben's
    // reasons stay his.
    ana.merge_themes("TH2", "TH1", Revisions::default()).await.unwrap();
    let merged = moves(&ana, "TH1").await;
    assert_eq!(merged.len(), 2);
    assert!(merged.contains(&expected_move), "{merged:?}");

    // A PET clustered into a GET is a member of it with its own move.
    let get = ana.add_theme(None, None, "Finding a place", None).await.unwrap();
    ben.assign(
        &get.short_id().to_string(),
        &MemberRef::Theme("TH1".into()),
        Some(GroupingStrategy::Function),
        Some("what settling does"),
        None,
    )
    .await
    .unwrap();
    let pets = members(&ana, &get.short_id().to_string()).await;
    assert_eq!(pets.len(), 1);
    assert_eq!((pets[0].id.as_str(), pets[0].text.as_str(), pets[0].pseudonym.as_str()), ("TH1", "Hardship", "Olivia"));
    assert_eq!((pets[0].strategy, pets[0].author.as_deref()), (Some(GroupingStrategy::Function), Some("ben")));
    assert!(pets[0].lines.is_empty() && pets[0].notes.is_empty());

    ben.close().await;
    study.close().await;
}

async fn the_audit_report_carries_the_trail_of_each_case(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Moving on", "ana").await;
    let ana = study.wb.clone();
    olivia(&ana).await;
    ana.add_participant("Rachel", &[], Default::default()).await.unwrap();
    ana.add_theme(Some("Olivia"), Some("TH1"), "Early days", None).await.unwrap();
    ana.assign("TH3", &statement("S1"), Some(GroupingStrategy::Contextualisation), Some("the first weeks"), None)
        .await
        .unwrap();
    let html = String::from_utf8(ana.export(ExportFormat::AuditHtml, false).await.unwrap()).unwrap();
    let appendix = &html[html.find("Appendix: analytic trail by participant").expect("the trail appendix")..];
    let olivia = &appendix[appendix.find("<h3>Olivia</h3>").unwrap()..appendix.find("<h3>Rachel</h3>").unwrap()];
    // The PET, its sub-theme under it, and the member's row with how, why, who, when and notes.
    let pet = olivia.find(">TH1 Hardship</th>").expect("the PET");
    let sub = olivia.find(">\u{2003}TH3 Early days</th>").expect("its sub-theme, indented");
    let row = olivia.find("<td>S1 Adjustment over time (p. 1, l. 2)</td><td>contextualisation</td><td>the first weeks</td><td>ana</td>")
        .expect("S1's move");
    assert!(pet < sub && sub < row, "{olivia}");
    // When, to the minute and in UTC, as a reader cites it (the audit log keeps the exact time).
    let when = olivia[row..].split("<td>ana</td><td>").nth(1).and_then(|r| r.split("</td>").next()).unwrap();
    let (day, rest) = when.split_once(' ').expect("a day and a time");
    assert!(day.len() == 10 && rest.len() == 9 && rest.ends_with(" UTC") && rest.as_bytes()[2] == b':', "{when}");
    assert!(olivia[row..].contains(
        "<td class=\"notes\">N1 (descriptive, p. 1, l. 2): struggle early on\nN2 (conceptual, p. 1, l. 4): belonging as arrival</td>"
    ));
    assert!(appendix.contains("<h3>Rachel</h3>\n<p>Nothing clustered yet.</p>"));
    study.close().await;
}
