//! Withdrawal reaches every copy of a participant's words (issue #19): after
//! `participant withdraw`, a word found only in their transcript is in none of the project file,
//! its WAL, the server's rows, any search index folder (beside the file, or a server process's
//! in its private temporary folder), the key store's originals, or any export; and a withdrawal
//! killed at any point (kill -9) is finished by the next open of the project. The recording of
//! their interview goes too (issue #16): no run of its bytes stays in the file, its WAL or free
//! pages, or the server's rows. On a project file and on a PostgreSQL server project.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use idiograph_testkit::{on_both_backends, Backend};
use support::{contains_bytes, files_under, Project};

const PASSPHRASE: &str = "a long enough passphrase";
/// Found nowhere but in the withdrawn participant's transcript (and what quotes it).
const MARKER: &str = "Quorvalenthic";
const PSEUDONYM: &str = "Zephyrine";
/// The steps a withdrawal announces (see `idiograph_app::ErasureHook`), in order.
const STEPS: [&str; 5] =
    ["withdrawal recorded", "rows erased", "file rewritten", "search index purged", "key store purged"];

/// A run of bytes found only in the withdrawn participant's recording: no text, binary.
fn audio_run() -> Vec<u8> {
    MARKER.bytes().map(|b| b ^ 0xA5).chain([0x00, 0xFF, 0x7F, 0x80]).collect()
}

/// The recording of their interview: 1.5 pieces of noise with the run every 4 KiB, so that some
/// copy of it lies whole within a page of the file whatever the page boundaries.
fn recording() -> Vec<u8> {
    let run = audio_run();
    let mut bytes: Vec<u8> = (0..(3 << 19)).map(|i: usize| (i.wrapping_mul(2_654_435_761) >> 9) as u8).collect();
    for at in (0..bytes.len() - run.len()).step_by(4096) {
        bytes[at..at + run.len()].copy_from_slice(&run);
    }
    bytes
}

/// Which copies hold a run of the recording: as bytes (a file) or as `pg_dump` writes a bytea
/// (hexadecimal).
fn holding_recording(copies: &[(String, Vec<u8>)]) -> Vec<String> {
    let run = audio_run();
    let hex: String = run.iter().map(|b| format!("{b:02x}")).collect();
    copies
        .iter()
        .filter(|(_, bytes)| contains_bytes(bytes, &run) || contains_bytes(bytes, hex.as_bytes()))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The marker as written and as the search index keeps its terms (lower case).
fn needles() -> [String; 2] {
    [MARKER.to_owned(), MARKER.to_lowercase()]
}

/// A study with two participants; the one to withdraw said the marker, which reaches a note's
/// and an extract's quote, the search index (a search found it) and, through pseudonymisation
/// of their real name, the key store's originals.
fn study(backend: &Backend) -> Project {
    std::env::set_var("IDIOGRAPH_KEY_PASSPHRASE", PASSPHRASE);
    let p = Project::on(backend);
    let key = key_file(&p);
    let key = key.to_str().unwrap();
    p.ok(&["participant", "add", PSEUDONYM]);
    p.ok(&["participant", "add", "Bruno"]);
    let z = p.write(
        "z.txt",
        format!(
            "Interviewer: Thank you for coming, Anneliese.\n\nAnneliese Trevithick: The {MARKER} lantern stayed with me; \
             {MARKER} evenings were the calmest.\n\nInterviewer: And the group?\n\nAnneliese Trevithick: I felt less alone there.\n"
        ),
    );
    let b = p.write("b.txt", "Interviewer: How was it?\n\nBruno: It was a grey morning by the harbour.\n");
    p.ok(&["import", z.to_str().unwrap(), "--participant", PSEUDONYM]); // T1
    p.ok(&["import", b.to_str().unwrap(), "--participant", "Bruno"]); // T2
    std::fs::remove_file(&z).unwrap();
    let audio = p.write("z.wav", idiograph_testkit::wav(&recording()));
    p.ok(&["recording", "attach", "T1", audio.to_str().unwrap()]);
    std::fs::remove_file(&audio).unwrap();
    p.ok(&["note", "add", "--transcript", "T1", "--lines", "1-4", "the lantern as refuge"]);
    p.ok(&["statement", "add", "--transcript", "T1", "--lines", "1-4", "Finding calm"]);
    p.ok(&["theme", "add", "--group", "Mood"]); // TH1
    p.ok(&["extract", "add", "--theme", "TH1", "--transcript", "T1", "--lines", "1-4"]);
    p.ok(&["extract", "add", "--theme", "TH1", "--transcript", "T2", "--lines", "1-3"]);
    p.ok(&[
        "--key-file",
        key,
        "deid",
        "known",
        "add",
        "Anneliese Trevithick",
        "--as",
        PSEUDONYM,
        "--kind",
        "participant",
    ]);
    p.ok(&["--key-file", key, "deid", "apply"]);
    assert!(p.ok(&["search", MARKER]).contains("T1"), "the search finds the marker before the withdrawal");
    p
}

fn key_file(p: &Project) -> PathBuf {
    p.file("study.key")
}

/// The key store's plain text (the test knows the passphrase).
fn key_store_plaintext(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("the key store exists");
    let decryptor = age::Decryptor::new(&bytes[..]).expect("an age file");
    let identity = age::scrypt::Identity::new(age::secrecy::SecretString::from(PASSPHRASE.to_owned()));
    let mut reader =
        decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).expect("the passphrase opens it");
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

/// Every place the project keeps words on this machine: the file and its companions (or the
/// server's rows), the search index folder of this user's processes, the key store's plain text.
fn copies(p: &Project, index_dirs: &[PathBuf]) -> Vec<(String, Vec<u8>)> {
    let mut out = p.stored_bytes();
    for dir in index_dirs {
        out.extend(files_under(dir));
    }
    out.push(("the key store (decrypted)".into(), key_store_plaintext(&key_file(p))));
    out
}

fn holding_marker(copies: &[(String, Vec<u8>)]) -> Vec<String> {
    copies
        .iter()
        .filter(|(_, bytes)| needles().iter().any(|n| contains_bytes(bytes, n.as_bytes())))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The parts of an export: a zip's entries one by one (docx, xlsx, qdpx), else the file.
fn export_parts(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    match zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())) {
        Ok(mut z) => (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                (format!("{}:{}", path.display(), f.name().unwrap_or_default()), b)
            })
            .collect(),
        Err(_) => vec![(path.display().to_string(), bytes)],
    }
}

fn withdraw_events(p: &Project) -> usize {
    let history = p.json(&["history", "--limit", "100000"]);
    history.as_array().unwrap().iter().filter(|e| e["action"] == "withdraw participant").count()
}

fn participants(p: &Project) -> Vec<String> {
    let list = p.json(&["participant", "list"]);
    list.as_array().unwrap().iter().map(|x| x["pseudonym"].as_str().unwrap().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------

on_both_backends!(fn withdrawal_leaves_no_copy_of_the_words_anywhere);

fn withdrawal_leaves_no_copy_of_the_words_anywhere(backend: Backend) {
    let p = study(&backend);
    let key = key_file(&p);
    let key = key.to_str().unwrap();
    let index = p.search_index_dir();
    let before = copies(&p, std::slice::from_ref(&index));
    let held = holding_marker(&before);
    for place in ["the key store", ".search", "search/project_"] {
        // Each check below could fail: before the withdrawal every kind of copy holds the words.
        if place == ".search" && p.database().is_some() || place == "search/project_" && p.database().is_none() {
            continue;
        }
        assert!(held.iter().any(|h| h.contains(place)), "before the withdrawal {place} holds the marker: {held:?}");
    }
    assert!(held.iter().any(|h| !h.contains("key store") && !h.contains("search")), "the project holds it: {held:?}");
    assert!(!holding_recording(&p.stored_bytes()).is_empty(), "before the withdrawal the project holds the recording");
    // The index folder and its files are the user's alone.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&index).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the search index folder {} is private", index.display());
        for (name, _) in files_under(&index) {
            let mode = std::fs::metadata(&name).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name} is readable by its owner only");
        }
        if p.database().is_some() {
            let root = index.parent().unwrap().parent().unwrap();
            let mode = std::fs::metadata(root).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "the cache folder {} in the temporary folder is private", root.display());
        }
    }

    let out = p.json(&["--key-file", key, "participant", "withdraw", PSEUDONYM, "--confirm"]);
    assert_eq!(out["key_store_pending"], false, "{out}");
    let after = copies(&p, &[index]);
    assert_eq!(holding_marker(&after), Vec::<String>::new(), "after the withdrawal the marker is in no copy");
    assert_eq!(
        holding_recording(&after),
        Vec::<String>::new(),
        "after the withdrawal no byte run of the recording is left"
    );
    assert_eq!(participants(&p), ["Bruno"]);

    // Every export of what remains.
    let mut parts = Vec::new();
    for format in ["md", "html", "docx", "xlsx", "csv", "qdpx"] {
        let out = p.file(&format!("report.{format}"));
        p.ok(&["--key-file", key, "report", "--format", format, "-o", out.to_str().unwrap()]);
        parts.extend(export_parts(&out));
    }
    for format in ["docx", "html"] {
        let out = p.file(&format!("annotated.{format}"));
        p.ok(&["--key-file", key, "transcript", "export", "T2", "--format", format, "-o", out.to_str().unwrap()]);
        parts.extend(export_parts(&out));
    }
    assert!(parts.iter().any(|(_, b)| contains_bytes(b, b"grey morning")), "the exports hold what remains");
    assert_eq!(holding_marker(&parts), Vec::<String>::new(), "no export holds the marker");
    assert_eq!(holding_recording(&parts), Vec::<String>::new(), "no export holds the recording");
    assert_eq!(withdraw_events(&p), 1);
}

// ---------------------------------------------------------------------------------------------

/// How a run of `participant withdraw` is stopped.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// At a named step, by the process itself (SIGKILL); with or without the key store unlocked.
    At(&'static str, bool),
    /// After a delay from the start, by the test (SIGKILL).
    After(Duration),
}

/// A fresh copy of the template study: a file copied with its key store and index, or (on a
/// server) a new server project migrated from the template file, whose search builds the index.
fn copy_of(template: &Project, backend: &Backend) -> Project {
    match backend {
        Backend::File => {
            let dir = tempfile::tempdir().unwrap();
            for (from, _) in files_under(template.dir.path()) {
                let rel = Path::new(&from).strip_prefix(template.dir.path()).unwrap().to_owned();
                let to = dir.path().join(rel);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&from, &to).unwrap();
            }
            let path = dir.path().join("study.idg");
            Project::file_at(dir, path)
        }
        Backend::Server(url) => {
            let p = template.copy_on_server(url);
            std::fs::copy(key_file(template), key_file(&p)).unwrap();
            assert!(p.ok(&["search", MARKER]).contains("T1"));
            p
        }
    }
}

/// Starts `participant withdraw` and kills it as `kill` says; returns whether it was killed.
fn withdraw_killed(p: &Project, kill: Kill) -> bool {
    let key = key_file(p);
    let with_key = matches!(kill, Kill::At(_, true));
    let mut args = vec!["--author".to_owned(), "tester".to_owned()];
    args.extend(p.args());
    if with_key {
        args.extend(["--key-file".to_owned(), key.display().to_string()]);
    }
    args.extend(["participant", "withdraw", PSEUDONYM, "--confirm"].map(str::to_owned));
    let mut cmd = Command::new(support::bin());
    cmd.current_dir(p.dir.path()).args(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    if let Kill::At(step, _) = kill {
        cmd.env("IDIOGRAPH_TEST_KILL_AT", step);
    }
    let mut child = cmd.spawn().unwrap();
    if let Kill::After(d) = kill {
        std::thread::sleep(d);
        let _ = child.kill();
    }
    let status = child.wait().unwrap();
    support::killed_by_signal(&status)
}

on_both_backends!(fn a_withdrawal_killed_anywhere_is_finished_when_the_project_is_next_opened);

/// A withdrawal killed (SIGKILL) at each of its steps — by a test-only hook in the binary, with
/// the key store unlocked and locked — and after pseudo-random delays covering the time a whole
/// withdrawal takes (without the key store, whose unlocking would take most of that time): the next open of the project finishes the project's part (file, WAL, rows,
/// search index), the next unlock of the key store its part, and the words are in no copy.
/// (20 kills on a file; the server leg kills at each step, each on a project of its own.)
fn a_withdrawal_killed_anywhere_is_finished_when_the_project_is_next_opened(backend: Backend) {
    let started = Instant::now();
    let template = study(&Backend::File);
    let mut plan: Vec<Kill> = STEPS.iter().map(|s| Kill::At(s, true)).collect();
    if matches!(backend, Backend::File) {
        plan.extend(STEPS[..4].iter().map(|s| Kill::At(s, false)));
        // How long a whole withdrawal takes here, to spread the timed kills over it.
        let whole = {
            let p = copy_of(&template, &backend);
            let t = Instant::now();
            p.ok(&["participant", "withdraw", PSEUDONYM, "--confirm"]);
            t.elapsed()
        };
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..11 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            plan.push(Kill::After(whole.mul_f64((seed % 1000) as f64 / 1000.0)));
        }
    }
    // Two at a time: most of a run is waiting for processes to start.
    let recorded: usize = std::thread::scope(|scope| {
        let runs: Vec<_> = plan
            .chunks(plan.len().div_ceil(2))
            .map(|kills| scope.spawn(|| kills.iter().filter(|k| killed_and_reopened(&template, &backend, **k)).count()))
            .collect();
        runs.into_iter().map(|r| r.join().expect("a run of kills failed")).sum()
    });
    assert!(
        recorded >= plan.len() / 2,
        "most kills came after the withdrawal was recorded ({recorded} of {})",
        plan.len()
    );
    eprintln!("{} kills in {:?}, {recorded} after the withdrawal was recorded", plan.len(), started.elapsed());
}

/// One kill of a withdrawal on a fresh copy of `template`, then the opens that finish it and
/// the checks that nothing is left; returns whether the kill came after the withdrawal was
/// recorded (before, nothing was erased and the researcher withdraws again).
fn killed_and_reopened(template: &Project, backend: &Backend, kill: Kill) -> bool {
    let p = copy_of(template, backend);
    let index = p.search_index_dir();
    let killed = withdraw_killed(&p, kill);
    if let Kill::At(step, _) = kill {
        assert!(killed, "the withdrawal was killed at {step}");
    }
    // The next open (no key store) finishes the project's part.
    let people = participants(&p);
    let recorded = !people.contains(&PSEUDONYM.to_owned());
    if recorded {
        assert_eq!(people, ["Bruno"], "{kill:?}");
    } else {
        assert!(matches!(kill, Kill::After(_)), "{kill:?} left the participant in the study");
        p.ok(&["participant", "withdraw", PSEUDONYM, "--confirm"]);
    }
    let project: Vec<_> = p.stored_bytes().into_iter().chain(files_under(&index)).collect();
    assert_eq!(holding_marker(&project), Vec::<String>::new(), "{kill:?}, then an open: no copy in the project");
    // The next unlock of the key store finishes its part.
    let history = p.json(&["--key-file", key_file(&p).to_str().unwrap(), "history", "--limit", "100000"]);
    assert_eq!(holding_marker(&copies(&p, &[index])), Vec::<String>::new(), "{kill:?}, then an unlock");
    let withdrawals = history.as_array().unwrap().iter().filter(|e| e["action"] == "withdraw participant").count();
    assert_eq!(withdrawals, 1, "{kill:?}: one withdrawal event");
    recorded
}
