//! Accounts on a project file and on a PostgreSQL server project: creating users, logging in
//! and out, session expiry and revocation, the one-owner rule, journal entries belonging to
//! their author, that none of it touches the study or its undo history, and who the COREQ
//! checklist counts as a data coder.

mod support;

use idiograph_app::{AppError, ExportFormat, LoginAttempt, SessionPolicy};
use idiograph_model::Role;
use idiograph_testkit::{on_both_backends, Backend};
use support::Study;

const PASSWORD: &str = "correct horse battery";

on_both_backends!(
    async fn users_log_in_with_their_password_and_sessions_end,
    async fn on_a_team_server_journal_entries_belong_to_their_author,
    async fn coreq_counts_only_the_members_who_coded_the_data,
    async fn failed_logins_are_limited_by_name_and_address_and_kept_as_hashes,
    async fn parallel_guesses_are_counted_before_the_password_is_checked,
);

async fn users_log_in_with_their_password_and_sessions_end(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Team study", "admin").await;
    let wb = &study.wb;
    // A server's accounts are shared by all its projects: these names are this study's own.
    let [ana, ben, cy] = ["ana", "ben", "cy"].map(|n| study.unique(n));
    let dump = wb.dump().await.unwrap();
    assert_eq!(wb.create_user(&ana, PASSWORD, None).await.unwrap(), Role::Owner, "the first member owns");
    assert_eq!(wb.create_user(&ben, PASSWORD, None).await.unwrap(), Role::Analyst);
    assert!(matches!(wb.create_user(&ana, PASSWORD, None).await, Err(AppError::Conflict(_))));
    let short = wb.create_user(&cy, "short", None).await.unwrap_err();
    assert!(short.to_string().contains("at least 10 characters"), "{short}");
    let bad = wb.create_user("has space", PASSWORD, None).await.unwrap_err();
    assert!(bad.to_string().contains("user name 'has space'"), "{bad}");

    assert!(wb.log_in(&ana, "wrong password!").await.unwrap().is_none());
    assert!(wb.log_in(&study.unique("nobody"), PASSWORD).await.unwrap().is_none());
    let first = wb.log_in(&ana, PASSWORD).await.unwrap().unwrap();
    let second = wb.log_in(&ana, PASSWORD).await.unwrap().unwrap();
    assert_ne!(first.token, second.token, "every login gets a new session");
    assert!(!format!("{first:?}").contains(&first.token), "tokens stay out of Debug");

    let policy = SessionPolicy::default();
    let me = wb.session(&first.token, policy).await.unwrap().unwrap();
    assert_eq!((me.name.as_str(), me.role), (ana.as_str(), Some(Role::Owner)));
    assert!(wb.session("not-a-token", policy).await.unwrap().is_none());
    let idle = SessionPolicy { idle_secs: 0, max_secs: 3600 };
    assert!(wb.session(&first.token, idle).await.unwrap().is_none(), "an idle session expires");

    wb.log_out(&first.token).await.unwrap();
    assert!(wb.session(&first.token, policy).await.unwrap().is_none(), "logout ends the session");
    assert!(wb.session(&second.token, policy).await.unwrap().is_some(), "but not the others");
    assert_eq!(wb.revoke_sessions(&ana).await.unwrap(), 1);
    assert!(wb.session(&second.token, policy).await.unwrap().is_none());

    // The last owner stays; a removed member can no longer log in.
    let refused = wb.remove_member(&ana).await.unwrap_err();
    assert!(refused.to_string().contains("only owner"), "{refused}");
    assert!(matches!(wb.set_role(&ana, Role::Auditor).await, Err(AppError::Conflict(_))));
    wb.set_role(&ben, Role::Owner).await.unwrap();
    wb.set_role(&ana, Role::Auditor).await.unwrap();
    assert_eq!(wb.remove_member(&ana).await.unwrap(), Role::Auditor);
    assert!(wb.log_in(&ana, PASSWORD).await.unwrap().is_none(), "non-members cannot log in");
    // A server lists the accounts of all its projects, with their role in this one.
    let users: Vec<_> = wb.users().await.unwrap().into_iter().filter(|(n, _)| *n == ana || *n == ben).collect();
    assert_eq!(users, vec![(ana.clone(), None), (ben.clone(), Some(Role::Owner))]);

    assert_eq!(wb.dump().await.unwrap(), dump, "accounts are not study data");
    assert!(wb.undo().await.unwrap().is_none(), "account commands cannot be undone");
    let actions: Vec<String> = wb.history(100).await.unwrap().into_iter().map(|e| e.action.to_string()).collect();
    for action in ["create user", "log in", "log out", "revoke sessions", "set role", "remove member"] {
        assert!(actions.iter().any(|a| a == action), "{action} is in the audit log: {actions:?}");
    }
    study.close().await;
}

async fn on_a_team_server_journal_entries_belong_to_their_author(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Team study", "admin").await;
    let wb = &study.wb;
    let ana = wb.as_member("ana", Role::Analyst);
    let audrey = wb.as_member("audrey", Role::Auditor);
    let j = ana.add_journal("I expected burnout to dominate.", None).await.unwrap();
    assert_eq!(j.author, "ana");
    let mine = audrey.add_journal("Check the prompts in interview 2.", None).await.unwrap();
    let refused = audrey.edit_journal(&j.short_id().to_string(), "rewritten", None).await.unwrap_err();
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused}");
    assert!(refused.to_string().contains("ana's"), "{refused}");
    assert!(matches!(ana.delete_journal(&mine.short_id().to_string(), None).await, Err(AppError::Forbidden(_))));
    audrey.edit_journal(&mine.short_id().to_string(), "Check the prompts in interview 3.", None).await.unwrap();
    // Locally there is one researcher, and nothing changes.
    wb.edit_journal(&j.short_id().to_string(), "edited locally", None).await.unwrap();
    study.close().await;
}

/// COREQ item 24 counts the people who coded the data: not whoever appears in the audit log
/// (logins, account commands, journal entries, undoing one's own journal entry), nor auditors.
async fn coreq_counts_only_the_members_who_coded_the_data(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Team study", "admin").await;
    let wb = &study.wb;
    let [ana, ben, jo, cy, audrey] = ["ana", "ben", "jo", "cy", "audrey"].map(|n| study.unique(n));
    for (name, role) in [
        (&ana, Role::Owner),
        (&ben, Role::Analyst),
        (&jo, Role::Analyst),
        (&cy, Role::Analyst),
        (&audrey, Role::Auditor),
    ] {
        wb.create_user(name, PASSWORD, Some(role)).await.unwrap();
        wb.log_in(name, PASSWORD).await.unwrap().unwrap();
    }
    wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let member = |name: &str, role: Role| wb.as_member(name, role);
    member(&ana, Role::Owner).add_theme(None, None, "Belonging", None).await.unwrap();
    member(&ben, Role::Analyst).add_theme(None, None, "Being judged", None).await.unwrap();
    let jo = member(&jo, Role::Analyst);
    jo.add_journal("I expected burnout to dominate.", None).await.unwrap();
    jo.undo().await.unwrap().unwrap();
    member(&audrey, Role::Auditor).add_journal("Check the prompts.", None).await.unwrap();
    // Coded while an analyst, now an auditor: no longer counted.
    member(&cy, Role::Analyst).add_theme(None, None, "Loss", None).await.unwrap();
    wb.set_role(&cy, Role::Auditor).await.unwrap();

    let coreq = String::from_utf8(wb.export(ExportFormat::Coreq, false).await.unwrap()).unwrap();
    let item = coreq.lines().find(|l| l.starts_with("| 24 |")).expect(&coreq);
    assert!(item.contains("2 analysts"), "ana and ben coded: {item}");
    study.close().await;
}

async fn failed_logins_are_limited_by_name_and_address_and_kept_as_hashes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Team study", "admin").await;
    let wb = &study.wb;
    let [ana, ben] = ["ana", "ben"].map(|n| study.unique(n));
    wb.create_user(&ana, PASSWORD, Some(Role::Owner)).await.unwrap();
    wb.create_user(&ben, PASSWORD, Some(Role::Analyst)).await.unwrap();
    // Failures are server-wide and outlive a test project: addresses of this study only.
    let [here, there, elsewhere] = ["198.51.100.7", "198.51.100.8", "198.51.100.9"].map(|a| study.unique(a));
    let history = wb.history(100).await.unwrap().len();

    for attempt in 0..5 {
        let r = wb.log_in_from(&ana, "wrong password!", &here).await.unwrap();
        assert!(matches!(r, LoginAttempt::Refused), "attempt {attempt}: {r:?}");
    }
    let r = wb.log_in_from(&ana, PASSWORD, &there).await.unwrap();
    assert!(matches!(r, LoginAttempt::TooMany), "five failures for a name stop even the right password: {r:?}");
    let r = wb.log_in_from(&ben, PASSWORD, &there).await.unwrap();
    assert!(matches!(r, LoginAttempt::Welcome(_)), "others log in: {r:?}");
    for i in 0..15 {
        let r = wb.log_in_from(&study.unique(&format!("guess{i}")), "wrong password!", &here).await.unwrap();
        assert!(matches!(r, LoginAttempt::Refused), "guess {i}: {r:?}");
    }
    let r = wb.log_in_from(&ben, PASSWORD, &here).await.unwrap();
    assert!(matches!(r, LoginAttempt::TooMany), "twenty failures from one address stop it: {r:?}");
    let r = wb.log_in_from(&ben, PASSWORD, &elsewhere).await.unwrap();
    assert!(matches!(r, LoginAttempt::Welcome(_)), "{r:?}");

    let after = wb.history(100).await.unwrap();
    assert_eq!(after.len(), history + 2, "failures leave no audit event; the two logins do");
    let stored = String::from_utf8_lossy(&study.stored_bytes()).into_owned();
    assert!(!stored.contains(&here), "client addresses are kept as hashes only");
    study.close().await;
}

/// Issue #19: 40 simultaneous logins got 39 × 401 and one success for the right password,
/// because failures were counted after each password check. Here 40 guesses (the right password
/// among them) arrive at once through two handles, as through two server processes; at most
/// five may be checked against the password (refused or welcomed), the rest are turned away.
async fn parallel_guesses_are_counted_before_the_password_is_checked(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Team study", "admin").await;
    let ana = study.unique("ana");
    study.wb.create_user(&ana, PASSWORD, Some(Role::Owner)).await.unwrap();
    let other = study.open_again("admin").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..40 {
        let wb = if i % 2 == 0 { study.wb.clone() } else { other.clone() };
        // Every guess from its own address, so only the per-name limit can stop them.
        let (name, address) = (ana.clone(), study.unique(&format!("203.0.113.{i}")));
        let password = if i == 23 { PASSWORD } else { "wrong password!" };
        guesses.spawn(async move { wb.log_in_from(&name, password, &address).await.unwrap() });
    }
    let mut checked = 0;
    while let Some(r) = guesses.join_next().await {
        if !matches!(r.unwrap(), LoginAttempt::TooMany) {
            checked += 1;
        }
    }
    assert!((1..=5).contains(&checked), "{checked} of 40 parallel guesses were checked against the password");
    let r = study.wb.log_in_from(&ana, PASSWORD, &study.unique("203.0.113.99")).await.unwrap();
    assert!(matches!(r, LoginAttempt::TooMany | LoginAttempt::Welcome(_)), "{r:?}");
    other.close().await;
    study.close().await;
}
