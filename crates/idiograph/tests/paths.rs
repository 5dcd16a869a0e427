//! Project paths are file paths: the names researchers give their files (spaces, `%`, `#`, `?`,
//! accents and dashes, `..`, relative and absolute) are opened, created and reported as the
//! operating system reads them, by every command that turns a path into a project or a file beside
//! it. These tests are about project files, so they run on SQLite only (a server project has an
//! id, not a path), except `migrate --from`, which writes a file from a server.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::*;

/// File names as researchers write them, each a trap for a path read as a URL.
const NAMES: [&str; 7] = [
    "my project.idg",
    "p%41.idg",
    "study #2.idg",
    "why?.idg",
    "Balint study – final v2.idg",
    "Élodie’s café.idg",
    "100% & more;=x.idg",
];

/// The names of the entries of `dir`. SQLite's `-wal` and `-shm` companions are left out, as
/// SQLite may or may not have removed them when the last connection closed; one beside a file
/// that is not there would be a file written under another name, and fails the listing.
fn listing(dir: &Path) -> BTreeSet<String> {
    let all: BTreeSet<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let companion = |n: &str| n.strip_suffix("-wal").or_else(|| n.strip_suffix("-shm")).map(str::to_owned);
    for name in &all {
        if let Some(base) = companion(name) {
            assert!(all.contains(&base), "{name} lies beside no file {base} in {}: {all:?}", dir.display());
        }
    }
    all.into_iter().filter(|n| companion(n).is_none()).collect()
}

/// Runs `args` in `dir` and returns the run, which must succeed.
fn ok_in(dir: &Path, args: &[&str]) -> Run {
    let r = run_in(dir, args);
    r.assert_ok();
    r
}

#[test]
fn everyday_file_names_are_the_files_written() {
    for name in NAMES {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A relative name, created where the command runs and printed as given.
        let init = ok_in(d, &["--author", AUTHOR, "init", name, "--title", "Names"]);
        assert!(init.stdout.starts_with(&format!("Created {name} ")), "{name}: {}", init.stdout);
        // The suggested next command quotes the name for the shell.
        assert!(init.stdout.contains(&format!("idiograph -p '{name}' participant add")), "{}", init.stdout);
        assert_eq!(listing(d), BTreeSet::from([name.to_owned()]), "{name}: init writes exactly that file");
        let json = ok_in(d, &["-p", name, "--json", "study", "show"]).json();
        assert_eq!(json["title"], "Names", "{name}");
        ok_in(d, &["-p", name, "--author", AUTHOR, "participant", "add", "Ada"]);
        let transcript = d.join("ada.txt");
        std::fs::write(&transcript, "Interviewer: How was it?\n\nAda: The group felt warm to me.\n").unwrap();
        ok_in(d, &["-p", name, "--author", AUTHOR, "import", "ada.txt", "--participant", "Ada"]);

        // The search index folder beside the file, named after it.
        ok_in(d, &["-p", name, "search", "warm"]);
        assert!(d.join(format!("{name}.search")).is_dir(), "{name}: {:?}", listing(d));

        // A backup (VACUUM INTO) and an export, both to names of the same kind.
        let copy = format!("copy of {name}");
        let backup = ok_in(d, &["-p", name, "backup", &copy]);
        assert_eq!(backup.stdout.trim(), format!("Wrote a consistent copy to {copy}"), "{name}");
        let copied = ok_in(d, &["-p", &copy, "--json", "participant", "list"]).json();
        assert_eq!(copied[0]["pseudonym"], "Ada", "{name}: the backup is the project");
        let qdpx = format!("{name}.qdpx");
        ok_in(d, &["-p", name, "report", "--format", "qdpx", "-o", &qdpx]);

        // from-qdpx makes a new project file by that name.
        let back = format!("back {name}");
        let made = ok_in(d, &["--author", AUTHOR, "from-qdpx", &qdpx, "-o", &back]);
        assert!(made.stdout.starts_with(&format!("Created {back} from {qdpx}:")), "{name}: {}", made.stdout);
        let restored = ok_in(d, &["-p", &back, "--json", "participant", "list"]).json();
        assert_eq!(restored[0]["pseudonym"], "Ada", "{name}");

        let expected: BTreeSet<String> =
            [name, &format!("{name}.search"), "ada.txt", &copy, &qdpx, &back].iter().map(|s| s.to_string()).collect();
        let mut found = listing(d);
        // A search of the restored project may leave its own index; nothing else is expected.
        found.remove(&format!("{back}.search"));
        assert_eq!(found, expected, "{name}: every file has exactly the name given");
    }
}

#[test]
fn dot_dot_and_absolute_paths_mean_what_the_system_means() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();

    // `sub/../out.idg` is `out.idg` in this folder, and the message repeats the path given.
    let init = ok_in(d, &["--author", AUTHOR, "--json", "init", "sub/../out.idg"]).json();
    assert_eq!(init["project"], "sub/../out.idg");
    assert!(d.join("out.idg").is_file(), "{:?}", listing(d));
    assert!(!d.join("sub/out.idg").exists(), "not sub/out.idg");

    // `-p sub/../out.idg` opens that same file, not sub/out.idg.
    ok_in(d, &["-p", "sub/../out.idg", "--author", AUTHOR, "participant", "add", "Ada"]);
    let listed = ok_in(d, &["-p", "out.idg", "--json", "participant", "list"]).json();
    assert_eq!(listed[0]["pseudonym"], "Ada");
    assert_eq!(listing(&d.join("sub")), BTreeSet::new(), "nothing is written in sub/");

    // An absolute path with spaces, accents and a percent sign, from another working folder.
    let abs: PathBuf = d.join("sub").join("Balint study – 100% final.idg");
    let abs_s = abs.to_str().unwrap();
    let init = ok_in(d, &["--author", AUTHOR, "init", abs_s]);
    assert!(init.stdout.starts_with(&format!("Created {abs_s} ")), "{}", init.stdout);
    assert!(abs.is_file(), "{:?}", listing(&d.join("sub")));
    ok_in(&d.join("sub"), &["-p", abs_s, "--author", AUTHOR, "participant", "add", "Ben"]);
    // The same file through a relative path with `..`.
    let listed =
        ok_in(&d.join("sub"), &["-p", "../sub/Balint study – 100% final.idg", "--json", "participant", "list"]);
    assert_eq!(listed.json()[0]["pseudonym"], "Ben");

    // The folder must exist: a clear refusal naming the path, nothing made.
    let missing = run_in(d, ["--author", AUTHOR, "init", "nowhere/x y.idg"]);
    assert!(!missing.success);
    assert!(missing.stderr.starts_with("error:") && missing.stderr.contains("nowhere/x y.idg"), "{}", missing.stderr);
    assert!(!d.join("nowhere").exists());
}

#[test]
fn demo_writes_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    let name = "sub/../démo #1 100%.idg";
    let made = ok_in(d, &["--author", AUTHOR, "--json", "demo", "--out", name, "--no-serve"]).json();
    assert_eq!(made["project"], name);
    assert!(d.join("démo #1 100%.idg").is_file(), "{:?}", listing(d));
    assert_eq!(listing(&d.join("sub")), BTreeSet::new());
}

#[test]
fn serve_opens_a_file_with_an_everyday_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "Balint study – final v2 #3?.idg";
    ok_in(d, &["--author", AUTHOR, "init", name, "--title", "Served by name"]);
    let mut child = command()
        .current_dir(d)
        .args(["serve", name, "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let host = served_host(&mut child);
    let page = raw_request(&host, &format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
    child.kill().ok();
    child.wait().ok();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Served by name"), "{page}");
    assert_eq!(listing(d).iter().filter(|n| n.ends_with(".idg")).count(), 1, "{:?}", listing(d));
}

/// `migrate --from URL -o FILE` writes the file named. Runs when a PostgreSQL server answers on
/// 127.0.0.1:5432 (required under CI).
#[test]
fn migrate_from_a_server_writes_the_file_it_names() {
    let Some(url) = idiograph_testkit::postgres_url() else { return };
    let p = Project::on(&idiograph_testkit::Backend::Server(url.clone()));
    p.ok(&["participant", "add", "Ada"]);
    let id = p.path.display().to_string();
    let d = p.dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    let name = "sub/../copy #1 – 50%?.idg";
    let out = ok_in(d, &["migrate", "--from", &url, "--project-id", &id, "-o", name]);
    assert_eq!(out.stdout.trim(), format!("Copied project {id} from the server to {name}"));
    assert!(d.join("copy #1 – 50%?.idg").is_file(), "{:?}", listing(d));
    let listed = ok_in(d, &["-p", "copy #1 – 50%?.idg", "--json", "participant", "list"]).json();
    assert_eq!(listed[0]["pseudonym"], "Ada");
}
