//! The storage contract on a real PostgreSQL server: the same behaviour as the SQLite file.
//! Runs when a server answers (`IDIOGRAPH_TEST_POSTGRES_URL`, else 127.0.0.1:5432 database
//! `test`); without one it says so and passes, except under `CI=true`, where it fails.

use std::collections::BTreeMap;

use idiograph_model::{InterviewMeta, ObjectId, ObjectKind, Participant, StudySettings};
use idiograph_store::{Store, StoreError};
use sqlx::{Connection, Executor};

const NOW: &str = "2026-01-01T00:00:00Z";

fn url() -> Option<String> {
    if let Ok(url) = std::env::var("IDIOGRAPH_TEST_POSTGRES_URL") {
        return Some(url);
    }
    if std::net::TcpStream::connect("127.0.0.1:5432").is_ok() {
        return Some("postgres://postgres@127.0.0.1:5432/test".to_owned());
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "PostgreSQL must answer on 127.0.0.1:5432 under CI");
    eprintln!("note: no PostgreSQL server answers; the PostgreSQL leg is skipped");
    None
}

async fn drop_project(url: &str, id: &str) {
    sqlx::any::install_default_drivers();
    if let Ok(mut c) = sqlx::AnyConnection::connect(url).await {
        let _ = c.execute(format!("DROP SCHEMA IF EXISTS {id} CASCADE").as_str()).await;
    }
}

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

#[tokio::test]
async fn the_contract_holds_on_postgres_too() {
    let Some(url) = url() else { return };
    let (store, id) = Store::create_postgres(&url, &StudySettings::new("On the server"), NOW).await.unwrap();
    let result = async {
        let empty = store.dump().await.unwrap();
        let olivia = participant("a", 1, "Olivia");
        let mut tx = store.begin("ana", NOW).await.unwrap();
        assert_eq!(tx.next_short(ObjectKind::Participant).await.unwrap(), 1);
        tx.insert(&olivia).await.unwrap();
        tx.commit("add participant", "add P1").await.unwrap();
        let one = store.dump().await.unwrap();

        // A stale update is refused and changes nothing.
        let mut renamed = olivia.clone();
        renamed.pseudonym = "Liv".into();
        let mut tx = store.begin("ana", NOW).await.unwrap();
        tx.update(&olivia, &renamed).await.unwrap();
        tx.commit("edit participant", "edit P1").await.unwrap();
        let mut tx = store.begin("ben", NOW).await.unwrap();
        let err = tx.update(&olivia, &renamed).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        drop(tx);
        let mut tx = store.begin("ben", NOW).await.unwrap();
        let dup = tx.insert(&participant("b", 2, "Liv")).await.unwrap_err();
        assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");
        drop(tx);

        // Undo and redo restore exact states.
        store.undo("ana", NOW).await.unwrap().unwrap();
        assert_eq!(store.dump().await.unwrap(), one);
        store.undo("ana", NOW).await.unwrap().unwrap();
        assert_eq!(store.dump().await.unwrap(), empty);
        store.redo("ana", NOW).await.unwrap().unwrap();
        assert_eq!(store.dump().await.unwrap(), one);
        let history = store.history(10).await.unwrap();
        assert_eq!(history.len(), 5);

        // Withdrawal erases the participant and the row images of their commands.
        store.withdraw_participant(&ObjectId::new("a"), "ana", NOW).await.unwrap();
        assert_eq!(store.dump().await.unwrap(), empty);
        let reopened = Store::open_postgres(&url, &id, NOW).await.unwrap();
        assert_eq!(reopened.dump().await.unwrap(), empty);
        reopened.close().await;
    }
    .await;
    store.close().await;
    drop_project(&url, &id).await;
    result
}

#[tokio::test]
async fn a_project_copies_between_a_file_and_the_server_losslessly() {
    let Some(url) = url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = Store::create_sqlite(&dir.path().join("a.idg"), &StudySettings::new("Copied"), NOW).await.unwrap();
    for (i, name) in ["Olivia", "Rachel", "Tom"].iter().enumerate() {
        let mut tx = file.begin("ana", NOW).await.unwrap();
        let short = tx.next_short(ObjectKind::Participant).await.unwrap();
        tx.insert(&participant(&format!("p{i}"), short, name)).await.unwrap();
        tx.commit("add participant", &format!("add P{short}")).await.unwrap();
    }
    file.undo("ana", NOW).await.unwrap().unwrap();
    let (server, id) = Store::create_postgres(&url, &StudySettings::new("x"), NOW).await.unwrap();
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
    drop_project(&url, &id).await;
    result
}

#[tokio::test]
async fn accounts_are_shared_by_the_projects_of_a_server_with_a_role_in_each() {
    use idiograph_model::Role;
    let Some(url) = url() else { return };
    let (a, id_a) = Store::create_postgres(&url, &StudySettings::new("A"), NOW).await.unwrap();
    let (b, id_b) = Store::create_postgres(&url, &StudySettings::new("B"), NOW).await.unwrap();
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
        tx.commit("create user", "create user").await.unwrap();
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
    drop_project(&url, &id_a).await;
    drop_project(&url, &id_b).await;
    result
}
