//! The storage contract: migrations, commands, conflicts, undo, withdrawal, accounts and the
//! change feed, each on a project file and on a project of a PostgreSQL server (the server leg
//! runs when one answers; see `idiograph-testkit`). A few tests are about files only, and two
//! about what only a server has (copies between a file and a server, accounts shared by a
//! server's projects); each says why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use idiograph_model::{InterviewMeta, ObjectId, ObjectKind, Participant, StudySettings};
use idiograph_store::{Action, LoggedAction, Store, StoreError, MIGRATIONS};
use idiograph_testkit::{on_both_backends, postgres_url, Backend, DropSchema};

const NOW: &str = "2026-01-01T00:00:00Z";

fn participant(id: &str, short: u32, name: &str) -> Participant {
    Participant {
        id: ObjectId::new(id),
        short,
        pseudonym: name.into(),
        attributes: BTreeMap::from([("stage".to_owned(), "ST3".to_owned())]),
        interview: InterviewMeta::default(),
        finished_at: None,
    }
}

/// A new empty project file `p.idg` in `dir`.
async fn new_file(dir: &Path) -> Store {
    Store::create_sqlite(&dir.join("p.idg"), &StudySettings::new("Test"), NOW).await.unwrap()
}

/// A new empty project on one backend, with a temporary folder beside it; the server's
/// project is dropped with it.
struct Fresh {
    store: Store,
    /// The server and the project's id, for a server project.
    server: Option<(String, String)>,
    dir: tempfile::TempDir,
    _schema: Option<DropSchema>,
}

impl Fresh {
    async fn new(backend: Backend) -> Fresh {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::File => Fresh { store: new_file(dir.path()).await, server: None, dir, _schema: None },
            Backend::Server(url) => {
                let (store, id) = Store::create_postgres(&url, &StudySettings::new("Test"), NOW).await.unwrap();
                let schema = DropSchema::new(&url, &id);
                Fresh { store, server: Some((url, id)), dir, _schema: Some(schema) }
            }
        }
    }

    /// A second handle on the same project, as another process opens it.
    async fn open_again(&self) -> Store {
        match &self.server {
            None => Store::open_sqlite(&self.dir.path().join("p.idg"), NOW).await.unwrap(),
            Some((url, id)) => Store::open_postgres(url, id, NOW).await.unwrap(),
        }
    }

    /// `name` made unique to this project: a server's accounts and sessions are shared by all
    /// its projects and outlive them.
    fn unique(&self, name: &str) -> String {
        match &self.server {
            None => name.to_owned(),
            Some((_, id)) => format!("{name}-{id}"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A connection of its own to the project's tables, to write what an older or newer
    /// binary would have written.
    async fn connect(&self) -> sqlx::AnyConnection {
        use sqlx::{Connection, Executor};
        match &self.server {
            None => {
                sqlx::any::install_default_drivers();
                sqlx::AnyConnection::connect(&format!("sqlite://{}", self.path("p.idg").display())).await.unwrap()
            }
            Some((url, id)) => {
                let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
                conn.execute(format!("SET search_path TO {id}").as_str()).await.unwrap();
                conn
            }
        }
    }

    async fn close(self) {
        self.store.close().await;
    }
}

on_both_backends!(
    async fn stale_updates_are_refused_and_change_nothing,
    async fn undo_and_redo_restore_exact_states_per_author,
    async fn undo_refuses_when_someone_else_changed_the_object,
    async fn withdrawal_erases_the_participant_and_their_commands,
    async fn accounts_and_sessions_stay_outside_the_study_undo_and_copies,
    async fn the_change_feed_reports_commits_of_other_handles_in_audit_order,
    async fn undo_and_redo_reach_commands_recorded_before_migration_0002,
    async fn undo_and_redo_reach_commands_recorded_before_migration_0003,
    async fn undo_and_redo_reach_commands_recorded_before_migration_0010,
    async fn the_writes_of_an_object_are_those_of_commands_that_stand,
    async fn an_event_of_a_command_this_build_does_not_know_still_reads,
);

/// Adds participant P1 "Olivia" (id `a`) as ana, then `renamer` renames her "Liv". Returns both
/// row images.
async fn add_and_rename(store: &Store, renamer: &str) -> (Participant, Participant) {
    let olivia = participant("a", 1, "Olivia");
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.insert(&olivia).await.unwrap();
    tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    let mut renamed = olivia.clone();
    renamed.pseudonym = "Liv".into();
    let mut tx = store.begin(renamer, NOW).await.unwrap();
    tx.update(&olivia, &renamed).await.unwrap();
    tx.commit(Action::EditParticipant, "edit P1").await.unwrap();
    (olivia, renamed)
}

fn names(folder: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".sql").to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn migrations_exist_for_both_backends_under_the_same_names() {
    let sqlite = names("sqlite");
    assert_eq!(sqlite, names("postgres"), "every migration needs a file of the same name for both backends");
    let embedded: Vec<String> = MIGRATIONS.iter().map(|(n, _, _)| n.to_string()).collect();
    assert_eq!(sqlite, embedded, "every migration file must be embedded in MIGRATIONS, in order");
}

async fn stale_updates_are_refused_and_change_nothing(backend: Backend) {
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let (olivia, _) = add_and_rename(store, "ana").await;

    // A second analyst still holding the old image must not overwrite the rename.
    let before = store.dump().await.unwrap();
    let mut other = olivia.clone();
    other.pseudonym = "Olive".into();
    let mut tx = store.begin("ben", NOW).await.unwrap();
    let err = tx.update(&olivia, &other).await.unwrap_err();
    drop(tx);
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("changed by someone else"), "{err}");
    assert_eq!(store.dump().await.unwrap(), before);

    // A duplicate key is a conflict with a readable message, not a database error.
    let mut tx = store.begin("ben", NOW).await.unwrap();
    let err = tx.insert(&participant("b", 2, "Liv")).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    drop(tx);
    f.close().await;
}

async fn undo_and_redo_restore_exact_states_per_author(backend: Backend) {
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let empty = store.dump().await.unwrap();
    let mut tx = store.begin("ana", NOW).await.unwrap();
    let short = tx.next_short(ObjectKind::Participant).await.unwrap();
    tx.insert(&participant("a", short, "Olivia")).await.unwrap();
    tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    let one = store.dump().await.unwrap();

    // Ben has nothing to undo; Ana's command is hers.
    assert!(store.undo("ben", NOW).await.unwrap().is_none());
    let undone = store.undo("ana", NOW).await.unwrap().unwrap();
    assert_eq!(undone.target.summary, "add P1");
    assert_eq!(store.dump().await.unwrap(), empty);
    store.redo("ana", NOW).await.unwrap().unwrap();
    assert_eq!(store.dump().await.unwrap(), one);
    assert!(store.redo("ana", NOW).await.unwrap().is_none());

    // Short numbers are never handed out twice, even after an undo.
    store.undo("ana", NOW).await.unwrap().unwrap();
    let mut tx = store.begin("ana", NOW).await.unwrap();
    assert_eq!(tx.next_short(ObjectKind::Participant).await.unwrap(), short + 1);
    drop(tx);

    let history = store.history(10).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["undo", "redo", "undo", "add participant"]);
    assert!(history[3].undone);
    f.close().await;
}

/// The standing writes of participants: who, by which command, and the pseudonym written.
async fn writes(store: &Store) -> Vec<(String, String, String)> {
    let mut tx = store.read().await.unwrap();
    let written: Vec<(idiograph_store::AuditEvent, Participant)> = tx.writes().await.unwrap();
    written.into_iter().map(|(e, p)| (e.author, e.action.to_string(), p.pseudonym)).collect()
}

async fn the_writes_of_an_object_are_those_of_commands_that_stand(backend: Backend) {
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let (olivia, renamed) = add_and_rename(store, "ben").await;
    // Oldest first, each with the object as that command left it.
    let both = [
        ("ana".to_owned(), "add participant".to_owned(), olivia.pseudonym.clone()),
        ("ben".to_owned(), "edit participant".to_owned(), renamed.pseudonym.clone()),
    ];
    assert_eq!(writes(store).await, both);
    // An undone command no longer counts; redone, it does again. Undo and redo write no images.
    store.undo("ben", NOW).await.unwrap().unwrap();
    assert_eq!(writes(store).await, both[..1]);
    store.redo("ben", NOW).await.unwrap().unwrap();
    assert_eq!(writes(store).await, both);
    // A deletion leaves no image to read; the writes before it remain.
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.delete(&renamed).await.unwrap();
    tx.commit(Action::DeleteParticipant, "delete P1").await.unwrap();
    assert_eq!(writes(store).await, both);
    f.close().await;
}

async fn undo_refuses_when_someone_else_changed_the_object(backend: Backend) {
    let f = Fresh::new(backend).await;
    let store = &f.store;
    add_and_rename(store, "ben").await;
    let before = store.dump().await.unwrap();
    let err = store.undo("ana", NOW).await.unwrap_err();
    assert!(err.to_string().starts_with("cannot undo 'add participant'"), "{err}");
    assert_eq!(store.dump().await.unwrap(), before);
    f.close().await;
}

/// A log written by another version may name a command this build does not have: it reads
/// back under its stored name, in the history, the change feed and an undo.
async fn an_event_of_a_command_this_build_does_not_know_still_reads(backend: Backend) {
    use sqlx::Connection;
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let empty = store.dump().await.unwrap();
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.insert(&participant("a", 1, "Olivia")).await.unwrap();
    let seq = tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    let mut conn = f.connect().await;
    sqlx::query("UPDATE audit_event SET action = $1 WHERE seq = $2")
        .bind("recolour participant")
        .bind(seq)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let unknown = LoggedAction::Other("recolour participant".into());
    let event = store.history(1).await.unwrap().remove(0);
    assert_eq!((&event.action, event.action.as_str(), event.action.known()), (&unknown, "recolour participant", None));
    assert_eq!(store.changes_after(0).await.unwrap()[0].action, unknown);
    let undone = store.undo("ana", NOW).await.unwrap().unwrap();
    assert_eq!(undone.target.action, unknown);
    assert_eq!(store.dump().await.unwrap(), empty, "its row images undo as any other");
    assert_eq!(store.history(1).await.unwrap()[0].action, Action::Undo);
    f.close().await;
}

async fn withdrawal_erases_the_participant_and_their_commands(backend: Backend) {
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let empty = store.dump().await.unwrap();
    add_and_rename(store, "ana").await;

    store.withdraw_participant(&ObjectId::new("a"), "ana", NOW).await.unwrap();
    assert_eq!(store.dump().await.unwrap(), empty);
    assert_eq!(store.history(1).await.unwrap()[0].action, Action::WithdrawParticipant);
    // The row images of the participant's commands are gone too: undo cannot bring them back.
    let _ = store.undo("ana", NOW).await;
    assert_eq!(store.dump().await.unwrap(), empty);
    let reopened = f.open_again().await;
    assert_eq!(reopened.dump().await.unwrap(), empty, "another handle sees the same");
    reopened.close().await;
    f.close().await;
}

/// File-only: what is refused here is a file that someone else made; a server project is a
/// schema that only the store makes (a missing one is refused by the binary's tests).
#[tokio::test]
async fn files_that_are_not_projects_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.idg");
    std::fs::write(&text, "just some text, not a database at all").unwrap();
    let err = Store::open_sqlite(&text, NOW).await.err().unwrap();
    assert!(err.to_string().contains("notes.idg is not an Idiograph project"), "{err}");
    let missing = Store::open_sqlite(&dir.path().join("none.idg"), NOW).await.err().unwrap();
    assert!(missing.to_string().contains("none.idg not found"), "{missing}");
    let made = dir.path().join("made.idg");
    new_file(dir.path()).await;
    std::fs::copy(dir.path().join("p.idg"), &made).unwrap();
    assert!(matches!(Store::create_sqlite(&made, &StudySettings::new("x"), NOW).await, Err(StoreError::Exists(_))));
}

/// A project file written before migration 0002 is copied aside, then migrated in place.
/// File-only: a file migrates itself when opened, after a backup; a team server's schemas are
/// migrated by its administrator with `idiograph migrate`.
#[tokio::test]
async fn an_older_project_is_backed_up_before_it_is_migrated() {
    use sqlx::{Connection, Executor};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.idg");
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    conn.execute("PRAGMA journal_mode = WAL").await.unwrap();
    conn.execute("PRAGMA application_id = 1229211472").await.unwrap();
    conn.execute(MIGRATIONS[0].1).await.unwrap();
    conn.execute("CREATE TABLE schema_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)").await.unwrap();
    conn.execute("INSERT INTO schema_migration VALUES ('0001_init', '2025-01-01T00:00:00Z')").await.unwrap();
    conn.execute("INSERT INTO study VALUES ('study', 'Old study', NULL, '2009', 'half', 80, 40)").await.unwrap();
    conn.close().await.unwrap();

    let store = Store::open_sqlite(&path, NOW).await.unwrap();
    let backup = dir.path().join(format!("old.idg.before-{}.bak", MIGRATIONS.last().unwrap().0));
    assert!(backup.exists(), "the file is copied aside before its schema changes");
    let mut old = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", backup.display())).await.unwrap();
    let applied: Vec<String> =
        sqlx::query_scalar("SELECT name FROM schema_migration").fetch_all(&mut old).await.unwrap();
    assert_eq!(applied, ["0001_init"]);

    // The migrated project keeps its data and takes the new fields.
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.settings().await.unwrap().title, "Old study");
    drop(tx);
    let mut p = participant("a", 1, "Olivia");
    p.finished_at = Some(NOW.into());
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.insert(&p).await.unwrap();
    tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.get::<Participant>(&ObjectId::new("a")).await.unwrap().finished_at.as_deref(), Some(NOW));
}

fn account(id: &str, name: &str) -> idiograph_store::Account {
    idiograph_store::Account {
        id: id.into(),
        name: name.into(),
        password_hash: "$argon2id$stand-in".into(),
        created_at: NOW.into(),
    }
}

async fn accounts_and_sessions_stay_outside_the_study_undo_and_copies(backend: Backend) {
    use idiograph_model::Role;
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let (u1, ana, hash) = (f.unique("u1"), f.unique("ana"), f.unique("hash-1"));
    let before = store.dump().await.unwrap();
    let mut tx = store.begin("admin", NOW).await.unwrap();
    tx.insert_account(&account(&u1, &ana)).await.unwrap();
    tx.set_role(&u1, Some(Role::Owner)).await.unwrap();
    tx.insert_session(&hash, &u1, 100).await.unwrap();
    tx.commit(Action::CreateUser, "create user ana (owner)").await.unwrap();

    let mut tx = store.begin("admin", NOW).await.unwrap();
    let dup = tx.insert_account(&account(&f.unique("u2"), &ana)).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");
    drop(tx);

    assert_eq!(store.dump().await.unwrap(), before, "accounts are not study data");
    assert_eq!(store.undo("admin", NOW).await.unwrap(), None, "account commands are not undoable");
    assert_eq!(store.history(1).await.unwrap()[0].action, Action::CreateUser, "but they are in the audit log");

    let mut tx = store.read().await.unwrap();
    // A server lists the accounts of all its projects.
    let accounts: Vec<_> = tx.accounts().await.unwrap().into_iter().filter(|(name, _)| *name == ana).collect();
    assert_eq!(accounts, vec![(ana.clone(), Some(Role::Owner))]);
    let s = tx.session(&hash).await.unwrap().unwrap();
    assert_eq!((s.name.as_str(), s.last_seen, s.revoked), (ana.as_str(), 100, false));
    assert_eq!(tx.session(&f.unique("hash-2")).await.unwrap(), None);
    drop(tx);
    store.touch_session(&hash, 160).await.unwrap();
    let mut tx = store.begin("ana", NOW).await.unwrap();
    assert_eq!(tx.session(&hash).await.unwrap().unwrap().last_seen, 160);
    assert!(tx.revoke_session(&hash).await.unwrap());
    assert!(!tx.revoke_session(&hash).await.unwrap(), "a session ends once");
    tx.set_role(&u1, None).await.unwrap();
    assert_eq!(tx.role_of(&u1).await.unwrap(), None);
    tx.commit(Action::RemoveMember, "remove member ana").await.unwrap();

    let copy = Store::create_sqlite(&f.path("copy.idg"), &StudySettings::new("c"), NOW).await.unwrap();
    store.copy_into(&copy).await.unwrap();
    assert!(copy.read().await.unwrap().accounts().await.unwrap().is_empty(), "accounts do not travel with a copy");
    assert!(format!("{:?}", account("u1", "ana")).find("argon2").is_none(), "hashes stay out of Debug");
    copy.close().await;
    f.close().await;
}

/// A second handle on the same project stands for another process: it has its own change
/// feed, which hears of the first handle's commands by reading the log, in order, undo included.
async fn the_change_feed_reports_commits_of_other_handles_in_audit_order(backend: Backend) {
    use idiograph_store::VersionToken;
    let f = Fresh::new(backend).await;
    let writer = &f.store;
    let watcher = f.open_again().await;
    let mut changes = watcher.changes().await.unwrap();
    let olivia = participant("a", 1, "Olivia");
    let mut tx = writer.begin("ana", NOW).await.unwrap();
    tx.insert(&olivia).await.unwrap();
    let first = tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    writer.undo("ana", NOW).await.unwrap().unwrap();
    let limit = std::time::Duration::from_secs(30);
    let added = tokio::time::timeout(limit, changes.recv()).await.unwrap().unwrap();
    assert_eq!((added.seq, added.author.as_str(), added.action.as_str()), (first, "ana", "add participant"));
    assert_eq!(added.objects, [(idiograph_store::StoredKind::Participant, ObjectId::new("a"))]);
    let undone = tokio::time::timeout(limit, changes.recv()).await.unwrap().unwrap();
    assert_eq!((undone.seq, undone.action.as_str()), (first + 1, "undo"));
    assert_eq!(undone.objects, added.objects, "an undo names the rows it restored");
    // A revision token changes with the row and comes back with it.
    let mut renamed = olivia.clone();
    renamed.pseudonym = "Liv".into();
    assert_ne!(olivia.version_token(), renamed.version_token());
    assert_eq!(olivia.version_token(), participant("a", 1, "Olivia").version_token());
    watcher.close().await;
    f.close().await;
}

/// Server-only, as is the next test: what they are about exists only with a server.
#[tokio::test]
async fn a_project_copies_between_a_file_and_the_server_losslessly() {
    let Some(url) = postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = Store::create_sqlite(&dir.path().join("a.idg"), &StudySettings::new("Copied"), NOW).await.unwrap();
    for (i, name) in ["Olivia", "Rachel", "Tom"].iter().enumerate() {
        let mut tx = file.begin("ana", NOW).await.unwrap();
        let short = tx.next_short(ObjectKind::Participant).await.unwrap();
        tx.insert(&participant(&format!("p{i}"), short, name)).await.unwrap();
        tx.commit(Action::AddParticipant, &format!("add P{short}")).await.unwrap();
    }
    file.undo("ana", NOW).await.unwrap().unwrap();
    let (server, id) = Store::create_postgres(&url, &StudySettings::new("x"), NOW).await.unwrap();
    let _drop = DropSchema::new(&url, &id);
    let result = async {
        file.copy_into(&server).await.unwrap();
        assert_eq!(server.dump().await.unwrap(), file.dump().await.unwrap());
        assert_eq!(server.history(100).await.unwrap(), file.history(100).await.unwrap(), "the audit log travels too");
        // Undo history too: redo works on the server, and short numbers continue, never reused.
        server.redo("ana", NOW).await.unwrap().unwrap();
        let mut tx = server.begin("ana", NOW).await.unwrap();
        assert_eq!(tx.next_short(ObjectKind::Participant).await.unwrap(), 4);
        drop(tx);
        let back = Store::create_sqlite(&dir.path().join("b.idg"), &StudySettings::new("y"), NOW).await.unwrap();
        server.copy_into(&back).await.unwrap();
        assert_eq!(back.dump().await.unwrap(), server.dump().await.unwrap());
        assert_eq!(back.history(100).await.unwrap(), server.history(100).await.unwrap());
    }
    .await;
    server.close().await;
    result
}

#[tokio::test]
async fn accounts_are_shared_by_the_projects_of_a_server_with_a_role_in_each() {
    use idiograph_model::Role;
    let Some(url) = postgres_url() else { return };
    let (a, id_a) = Store::create_postgres(&url, &StudySettings::new("A"), NOW).await.unwrap();
    let _drop_a = DropSchema::new(&url, &id_a);
    let (b, id_b) = Store::create_postgres(&url, &StudySettings::new("B"), NOW).await.unwrap();
    let _drop_b = DropSchema::new(&url, &id_b);
    // The accounts schema outlives test projects, so names are made unique per run.
    let name = format!("ana-{id_a}");
    let result = async {
        let before = a.dump().await.unwrap();
        let mut tx = a.begin("admin", NOW).await.unwrap();
        let account = idiograph_store::Account {
            id: format!("u-{id_a}"),
            name: name.clone(),
            password_hash: "$argon2id$stand-in".into(),
            created_at: NOW.into(),
        };
        tx.insert_account(&account).await.unwrap();
        tx.set_role(&account.id, Some(Role::Analyst)).await.unwrap();
        tx.insert_session(&format!("h-{id_a}"), &account.id, 5).await.unwrap();
        tx.commit(Action::CreateUser, "create user").await.unwrap();
        assert_eq!(a.dump().await.unwrap(), before);

        let mut tx = b.read().await.unwrap();
        let seen = tx.account(&name).await.unwrap().expect("one account across the server's projects");
        assert_eq!(seen.id, account.id);
        assert_eq!(tx.role_of(&account.id).await.unwrap(), None, "but no role in a project it was not given");
        assert_eq!(tx.session(&format!("h-{id_a}")).await.unwrap().unwrap().name, name, "and one login");
        drop(tx);
        let mut tx = a.read().await.unwrap();
        assert_eq!(tx.role_of(&account.id).await.unwrap(), Some(Role::Analyst));
    }
    .await;
    a.close().await;
    b.close().await;
    result
}

/// Undo and redo of commands whose row images were recorded before migration 0002 added
/// `participant.finished_at` and `theme.note` (and 0003 the study's `originals` and `key_id`,
/// 0010 its `fillers`).
async fn undo_and_redo_reach_commands_recorded_before_migration_0002(backend: Backend) {
    undo_and_redo_across_a_migration(backend, &[("participant", 1), ("theme", 1), ("study", 3)]).await;
}

/// Undo and redo of commands whose row images were recorded before migration 0003 added the
/// study's `originals` and `key_id` (and 0010 its `fillers`).
async fn undo_and_redo_reach_commands_recorded_before_migration_0003(backend: Backend) {
    undo_and_redo_across_a_migration(backend, &[("study", 3)]).await;
}

/// Undo and redo of commands whose row images were recorded before migration 0010 added the
/// study's `fillers`.
async fn undo_and_redo_reach_commands_recorded_before_migration_0010(backend: Backend) {
    undo_and_redo_across_a_migration(backend, &[("study", 1)]).await;
}

/// Records commands on every table a migration widened, rewrites their audit images to the
/// shape an older binary recorded — without the trailing columns `lacking` names per table —
/// and checks that undo and redo still restore the exact states. (`ALTER TABLE … ADD COLUMN`
/// appends, and the rows already there take the column's default, as these rows hold.)
async fn undo_and_redo_across_a_migration(backend: Backend, lacking: &[(&str, usize)]) {
    use sqlx::{Connection, Row};
    let f = Fresh::new(backend).await;
    let store = &f.store;
    let before = store.dump().await.unwrap();

    let olivia = participant("a", 1, "Olivia");
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.insert(&olivia).await.unwrap();
    tx.commit(Action::AddParticipant, "add P1").await.unwrap();
    let theme = idiograph_model::Theme {
        id: ObjectId::new("t"),
        short: 1,
        scope: idiograph_model::ThemeScope::Group,
        parent: None,
        title: "Social benefits".into(),
        description: None,
        position: 0,
        created_at: NOW.into(),
        note: None,
    };
    let mut tx = store.begin("ana", NOW).await.unwrap();
    tx.insert(&theme).await.unwrap();
    tx.commit(Action::AddTheme, "add TH1").await.unwrap();
    let mut tx = store.begin("ana", NOW).await.unwrap();
    let settings = tx.settings().await.unwrap();
    let retitled = StudySettings { title: "Balint groups".into(), ..settings.clone() };
    tx.update(&settings, &retitled).await.unwrap();
    let renamed = Participant { pseudonym: "Liv".into(), ..olivia.clone() };
    tx.update(&olivia, &renamed).await.unwrap();
    tx.commit(Action::EditStudy, "retitle; rename P1").await.unwrap();
    let after = store.dump().await.unwrap();

    // The audit images as the older binary wrote them.
    let mut conn = f.connect().await;
    let rows = sqlx::query("SELECT seq, ordinal, tbl, before_row, after_row FROM audit_change")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut rewritten = 0;
    for row in rows {
        let (seq, ordinal, table): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
        let Some(&(_, strip)) = lacking.iter().find(|(t, _)| *t == table) else { continue };
        let older = |image: Option<String>| {
            image.map(|text| {
                let mut values: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
                values.truncate(values.len() - strip);
                serde_json::Value::from(values).to_string()
            })
        };
        let (old_before, old_after) = (older(row.get(3)), older(row.get(4)));
        sqlx::query("UPDATE audit_change SET before_row = $1, after_row = $2 WHERE seq = $3 AND ordinal = $4")
            .bind(old_before)
            .bind(old_after)
            .bind(seq)
            .bind(ordinal)
            .execute(&mut conn)
            .await
            .unwrap();
        rewritten += 1;
    }
    conn.close().await.unwrap();
    assert!(rewritten >= lacking.len(), "every widened table has an image to rewrite ({rewritten})");

    for _ in 0..3 {
        store.undo("ana", NOW).await.unwrap().expect("a command to undo");
    }
    assert_eq!(store.dump().await.unwrap(), before, "undo restores the state before the older commands");
    for _ in 0..3 {
        store.redo("ana", NOW).await.unwrap().expect("a command to redo");
    }
    assert_eq!(store.dump().await.unwrap(), after, "redo restores the state after them");
    f.close().await;
}
