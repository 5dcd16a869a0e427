//! Runs the browser tests (`tests/browser/` at the repository root) against a real server on an
//! ephemeral port, serving a fresh demo study, a second one in team mode for the login form, the
//! members page and two analysts on one board, a third for pseudonymisation, the home page of
//! an empty folder of studies, a demo of its own for the reading tests, a study with a long
//! interview for landing on a search hit, a demo to merge a project into, a captioned interview
//! with its recording (from the shared data) to listen while reading, and a team server of
//! the projects of a PostgreSQL database (when one answers; see `idiograph_testkit::postgres_url`). Needs Node, `npm
//! ci` in `tests/browser/` and Chromium at `/usr/bin/chromium` (or `$CHROMIUM`); without them the test says what is missing
//! and passes, except under `CI=true`, where it fails.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use idiograph_app::Workbench;
use idiograph_model::{Role, Terminology};

/// The password of every member of the team server.
const TEAM_PASSWORD: &str = "correct horse battery";
/// The titles of the team server's study whose member the browser logs in as, and of another.
const THEIRS: &str = "Trainees and uncertainty";
const OTHERS: &str = "Another team's study";

/// Serves `wb` locally on an ephemeral port: its address, and the task to stop.
async fn serve_local(wb: Workbench) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        idiograph_web::serve(wb, SocketAddr::from(([127, 0, 0, 1], 0)), move |bound| {
            let _ = tx.send(bound);
        })
        .await
    });
    (format!("http://{}", rx.await.expect("the server started")), server)
}

/// An interview of 1,000 lines in which "kingfisher" is said twice, far down: alone in turn 300
/// and with "lantern" in turn 450.
fn long_interview() -> String {
    let mut text = String::new();
    for turn in 1..=500 {
        let said = match turn {
            300 => "I once saw a kingfisher on the way to the group.".to_owned(),
            450 => "It was like the kingfisher again, a small lantern in the week.".to_owned(),
            _ if turn % 2 == 1 => format!("How did session {turn} feel for you?"),
            _ => format!("Session {turn} was ordinary; we talked about the cases and went home."),
        };
        let speaker = if turn % 2 == 1 { "Interviewer" } else { "Rachel" };
        text.push_str(&format!("{speaker}: {said}\n\n"));
    }
    text
}

fn missing_prerequisite(root: &std::path::Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if !std::path::Path::new(&chromium).exists() {
        return Some(format!("no Chromium at {chromium} (apt-get install -y chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node on PATH (apt-get install -y nodejs npm)".to_owned());
    }
    let modules = root.join("tests/browser/node_modules");
    for package in ["playwright-core", "axe-core"] {
        if !modules.join(package).exists() {
            return Some(format!("{package} is not installed (cd tests/browser && npm ci)"));
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workbench_in_headless_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    if let Some(why) = missing_prerequisite(&root) {
        idiograph_testkit::skip(&format!("the browser tests cannot run: {why}"));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wb = idiograph_app::build_demo(&dir.path().join("demo.idg"), "researcher").await.unwrap();
    let (url, server) = serve_local(wb).await;

    // A second server, in team mode, for the login form, the members page and two analysts on
    // one board: olga owns the project, arthur analyses, ines audits and bea is there to be removed.
    let team_wb = idiograph_app::build_demo(&dir.path().join("team.idg"), "researcher").await.unwrap();
    team_wb.create_user("olga", TEAM_PASSWORD, None).await.unwrap();
    for (name, role) in [("arthur", Role::Analyst), ("ines", Role::Auditor), ("bea", Role::Analyst)] {
        team_wb.create_user(name, TEAM_PASSWORD, Some(role)).await.unwrap();
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let team_server = tokio::spawn(async move {
        let settings = Some(idiograph_web::TeamSettings::default());
        idiograph_web::serve_with(team_wb, SocketAddr::from(([127, 0, 0, 1], 0)), settings, move |bound| {
            let _ = tx.send(bound);
        })
        .await
    });
    let team_url = format!("http://{}", rx.await.expect("the team server started"));

    // A third, for pseudonymisation, which rewrites every transcript; the server keeps its key
    // store beside it, at `key`.
    let deid_wb = idiograph_app::build_demo(&dir.path().join("deid.idg"), "researcher").await.unwrap();
    let key = dir.path().join("deid.key");
    let (deid_url, deid_server) = serve_local(deid_wb).await;

    // A fourth: the home page of an empty folder, where a whole study is made in the browser.
    let studies = dir.path().join("studies");
    std::fs::create_dir(&studies).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let home_server = tokio::spawn(async move {
        idiograph_web::serve_folder(studies, "researcher", SocketAddr::from(([127, 0, 0, 1], 0)), move |bound| {
            let _ = tx.send(bound);
        })
        .await
    });
    let home_url = format!("http://{}", rx.await.expect("the home server started"));
    // The reading tests (reading.test.mjs) change the demo's T1 and add a long transcript: a
    // study of their own keeps the other files' expectations.
    let reading_wb = idiograph_app::build_demo(&dir.path().join("reading.idg"), "researcher").await.unwrap();
    let (reading_url, reading_server) = serve_local(reading_wb).await;

    // The interview guide page (guide.test.mjs) confirms and adds questions: a demo of its own.
    let guide_wb = idiograph_app::build_demo(&dir.path().join("guide.idg"), "researcher").await.unwrap();
    let (guide_url, guide_server) = serve_local(guide_wb).await;

    // One participant with a long interview, where a search hit lies far down (landing.test.mjs).
    let long_wb =
        Workbench::create(&dir.path().join("long.idg"), "Long interview", Terminology::Smith2022, "researcher")
            .await
            .unwrap();
    long_wb.add_participant("Rachel", &[], Default::default()).await.unwrap();
    let out = long_wb
        .import_files("P1", vec![("long.txt".into(), long_interview().into_bytes())], &Default::default())
        .await
        .unwrap();
    assert_eq!(out.imported.len(), 1, "{:?}", out.refused);
    let (long_url, long_server) = serve_local(long_wb).await;
    // A demo of its own for merging a project into it (merge.test.mjs).
    let merge_wb = idiograph_app::build_demo(&dir.path().join("merge.idg"), "researcher").await.unwrap();
    let (merge_url, merge_server) = serve_local(merge_wb).await;
    let shared = idiograph_testkit::shared_dir();
    // A captioned interview with its recording, to listen while reading (listening.test.mjs):
    // the shared synthetic interview, whose VTT gives every turn's time.
    let mut listening = None;
    if let Some(shared) = &shared {
        let audio = shared.join("corpus/synthetic-interview-audio");
        let wb = Workbench::create(&dir.path().join("listen.idg"), "Listening", Terminology::Smith2022, "researcher")
            .await
            .unwrap();
        wb.add_participant("Dan", &[], Default::default()).await.unwrap();
        let vtt = std::fs::read(audio.join("interview.vtt")).unwrap();
        let out = wb.import_files("P1", vec![("interview.vtt".into(), vtt)], &Default::default()).await.unwrap();
        assert_eq!(out.imported.len(), 1, "{:?}", out.refused);
        let mut wav = std::fs::File::open(audio.join("interview.wav")).unwrap();
        wb.attach_recording("T1", idiograph_app::MediaFile::by_name("interview.wav", &mut wav).unwrap()).await.unwrap();
        listening = Some(serve_local(wb).await);
    }

    // A fifth: a team server of two projects on PostgreSQL, whose member owns one of them.
    let mut team_home = None;
    if let Some(db) = idiograph_testkit::postgres_url() {
        let terms = idiograph_model::Terminology::Smith2022;
        let (theirs, id) = idiograph_app::Workbench::create_on_server(&db, THEIRS, terms, "admin").await.unwrap();
        let (others, other_id) = idiograph_app::Workbench::create_on_server(&db, OTHERS, terms, "admin").await.unwrap();
        // Accounts are server-wide and outlive test projects: the name is unique per run.
        let member = format!("dora-{id}");
        theirs.create_user(&member, TEAM_PASSWORD, Some(Role::Owner)).await.unwrap();
        others.create_user(&format!("eli-{id}"), TEAM_PASSWORD, Some(Role::Owner)).await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let settings = idiograph_web::TeamSettings::default();
        let served = db.clone();
        let server = tokio::spawn(async move {
            idiograph_web::serve_team(served, "admin", SocketAddr::from(([127, 0, 0, 1], 0)), settings, move |bound| {
                let _ = tx.send(bound);
            })
            .await
        });
        let url = format!("http://{}", rx.await.expect("the team home server started"));
        team_home = Some((url, member, server, db, [theirs, others], [id, other_id]));
    }

    let team_home_env: Vec<(&str, String)> = match &team_home {
        Some((url, member, ..)) => vec![
            ("IDIOGRAPH_TEAM_HOME_URL", url.clone()),
            ("IDIOGRAPH_TEAM_HOME_USER", member.clone()),
            ("IDIOGRAPH_TEAM_HOME_THEIRS", THEIRS.to_owned()),
            ("IDIOGRAPH_TEAM_HOME_OTHERS", OTHERS.to_owned()),
        ],
        None => vec![],
    };
    let listen_url = listening.as_ref().map(|(url, _)| url.clone());
    let status = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args([
                "--test",
                "--test-reporter=spec",
                "tests/browser/workbench.test.mjs",
                "tests/browser/team.test.mjs",
                "tests/browser/members.test.mjs",
                "tests/browser/boards.test.mjs",
                "tests/browser/deid.test.mjs",
                "tests/browser/home.test.mjs",
                "tests/browser/reading.test.mjs",
                "tests/browser/landing.test.mjs",
                "tests/browser/guide.test.mjs",
                "tests/browser/merge.test.mjs",
                "tests/browser/listening.test.mjs",
            ])
            .current_dir(&root)
            .env("IDIOGRAPH_URL", &url)
            .env("IDIOGRAPH_TEAM_URL", &team_url)
            .env("IDIOGRAPH_TEAM_USER", "olga")
            .env("IDIOGRAPH_TEAM_ANALYST", "arthur")
            .env("IDIOGRAPH_TEAM_PASSWORD", TEAM_PASSWORD)
            .env("IDIOGRAPH_DEID_URL", &deid_url)
            .env("IDIOGRAPH_DEID_KEY", &key)
            .env("IDIOGRAPH_HOME_URL", &home_url)
            .env("IDIOGRAPH_READING_URL", &reading_url)
            .env("IDIOGRAPH_LONG_URL", &long_url)
            .env("IDIOGRAPH_GUIDE_URL", &guide_url)
            .env("IDIOGRAPH_MERGE_URL", &merge_url)
            .envs(listen_url.map(|url| ("IDIOGRAPH_LISTEN_URL", url)))
            .envs(team_home_env)
            .envs(shared.map(|s| ("IDIOGRAPH_SHARED", s)))
            .status()
    })
    .await
    .unwrap()
    .expect("node runs");
    server.abort();
    team_server.abort();
    deid_server.abort();
    home_server.abort();
    guide_server.abort();
    reading_server.abort();
    long_server.abort();
    merge_server.abort();
    if let Some((_, server)) = listening {
        server.abort();
    }
    if let Some((_, member, server, db, projects, ids)) = team_home {
        server.abort();
        for p in projects {
            p.close().await;
        }
        // The study the browser made is the member's other project.
        let mine = idiograph_app::Workbench::projects_of_account(&db, &member).await.unwrap();
        let made = mine.into_iter().map(|(p, _)| p.id).filter(|id| !ids.contains(id));
        for id in ids.iter().cloned().chain(made) {
            drop(idiograph_testkit::DropSchema::new(&db, &id));
        }
    }
    assert!(status.success(), "the browser tests failed (screenshots in test-artifacts/)");
}
