//! The `deid` commands end to end through the binary: scriptable known identifiers, the review
//! queue as JSON with character offsets, decisions, apply, the log, the leak check on exports
//! and undo through the key store; bad input changes nothing. On a project file and on a
//! PostgreSQL server project.

mod support;

use idiograph_testkit::{on_both_backends, Backend};
use support::Project;

const PASSPHRASE: &str = "a long enough passphrase";

const INTERVIEW: &str = "Interviewer: Thank you, Anneliese. Shall we start?\n\
Anneliese Trevithick: Yes. The café at Tregothnan Medical Practice is where we met. Write to me at anneliese.t@example.org or call 07700 900123.\n\
Interviewer: And the Balint group?\n\
Anneliese Trevithick: Dr Pengelly led it. It felt as if a weight had been lifted.\n";

/// Whether the project stores `needle` anywhere (its file's bytes, or its rows on a server).
fn stored(p: &Project, needle: &str) -> bool {
    p.stored_bytes().iter().any(|(_, bytes)| support::contains_bytes(bytes, needle.as_bytes()))
}

on_both_backends!(fn deid_is_scriptable_from_known_names_to_the_log_and_undo);

fn deid_is_scriptable_from_known_names_to_the_log_and_undo(backend: Backend) {
    // Every test of this binary sets the same passphrase for the processes it starts.
    std::env::set_var("IDIOGRAPH_KEY_PASSPHRASE", PASSPHRASE);
    let p = Project::on(&backend);
    let key = p.file("study.key");
    let key = key.to_str().unwrap();
    p.ok(&["participant", "add", "Olivia"]);
    let file = p.write("interview.txt", INTERVIEW);
    p.ok(&["import", file.to_str().unwrap(), "--participant", "Olivia"]);

    // Known identifiers live in the key store, made on first use; bad kinds are refused.
    p.ok(&[
        "--key-file",
        key,
        "deid",
        "known",
        "add",
        "Anneliese Trevithick",
        "--as",
        "Olivia",
        "--kind",
        "participant",
    ]);
    p.ok(&["--key-file", key, "deid", "known", "add", "Dr Morwenna Pengelly", "--kind", "group-leader"]);
    p.ok(&[
        "--key-file",
        key,
        "deid",
        "known",
        "add",
        "Tregothnan Medical Practice",
        "--kind",
        "practice",
        "--variant",
        "Tregothnan",
    ]);
    let before = p.readout();
    let bad = p.run(&["--key-file", key, "deid", "known", "add", "Somebody", "--kind", "celebrity"]);
    assert!(!bad.success && bad.stderr.contains("unknown identifier kind 'celebrity'"), "{}", bad.stderr);
    let wrong = support::command()
        .env("IDIOGRAPH_KEY_PASSPHRASE", "not it at all")
        .args(p.args())
        .args(["--key-file", key, "deid", "known", "list"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    assert_eq!(p.readout(), before, "refusals change nothing");
    assert!(!stored(&p, "Morwenna"), "known identifiers are not kept in the project");
    let known = p.json(&["--key-file", key, "deid", "known", "list"]);
    assert_eq!(known.as_array().unwrap().len(), 3);

    // The queue as JSON, offsets in characters ("café" makes bytes and characters differ).
    let scan = p.json(&["--key-file", key, "deid", "scan"]);
    let items = scan["items"].as_array().unwrap();
    assert_eq!(scan["total"].as_u64().unwrap() as usize, items.len());
    let email = items.iter().find(|i| i["kind"] == "email").expect("the email is a candidate");
    assert_eq!(email["text"], "anneliese.t@example.org");
    assert_eq!(email["status"], "known", "an email holding a known name is replaced whole");
    let phone = items.iter().find(|i| i["kind"] == "phone").expect("the phone is a candidate");
    let chars: Vec<char> = INTERVIEW.chars().collect();
    let (s, e) = (phone["start"].as_u64().unwrap() as usize, phone["end"].as_u64().unwrap() as usize);
    assert_eq!(chars[s..e].iter().collect::<String>(), "07700 900123");
    assert!(items.iter().any(|i| i["status"] == "known" && i["text"] == "Anneliese Trevithick"));

    // Decide on the phone, then apply what is known or accepted.
    let at = format!("{s}-{e}");
    p.ok(&["deid", "accept", "T1", "--chars", &at, "--kind", "phone", "--as", "[Mobile]"]);
    let refused = p.run(&["deid", "apply"]);
    assert!(!refused.success && refused.stderr.contains("unlock it first"), "{}", refused.stderr);
    let applied = p.json(&["--key-file", key, "deid", "apply"]);
    assert_eq!(applied["pseudonymised"][0]["transcript"], "T1");
    let show = p.ok(&["transcript", "show", "T1"]);
    for gone in ["Trevithick", "Anneliese", "Pengelly", "Tregothnan", "07700"] {
        assert!(!show.contains(gone), "{gone} is still shown:\n{show}");
        assert!(!stored(&p, gone), "{gone} is still stored in the project");
    }
    assert!(show.contains("Olivia:") && show.contains("[Mobile]") && show.contains("[Practice]"), "{show}");

    // Lines cited before can be found after.
    let lines = p.json(&["deid", "lines", "T1", "--line", "1"]);
    assert_eq!(lines["mappings"][0]["from_version"], 1);
    assert_eq!(lines["mappings"][0]["new_line"], 1);
    let bad = p.run(&["deid", "lines", "T1", "--line", "999"]);
    assert!(!bad.success && bad.stderr.contains("--line 999"), "{}", bad.stderr);

    // The log: counts by category, no real value.
    let log = p.json(&["deid", "log"]);
    let log_text = log.to_string();
    assert!(log_text.contains("[Practice]") && !log_text.contains("Tregothnan"), "{log_text}");
    p.ok(&["deid", "log", "-o", p.file("deid-log.csv").to_str().unwrap()]);
    let csv = std::fs::read_to_string(p.file("deid-log.csv")).unwrap();
    assert!(csv.starts_with("transcript,participant,version,category,count,at\nT1,Olivia,2,"), "{csv}");

    // Exports: locked key store → refused unless overridden; unlocked and clean → allowed.
    let locked = p.run(&["report", "--format", "md"]);
    assert!(!locked.success && locked.stderr.contains("--allow-leaks"), "{}", locked.stderr);
    p.ok(&["report", "--format", "md", "--allow-leaks", "-o", p.file("unchecked.md").to_str().unwrap()]);
    p.ok(&["--key-file", key, "report", "--format", "html", "-o", p.file("report.html").to_str().unwrap()]);
    p.ok(&["journal", "add", "Remember to thank Dr Pengelly"]);
    let leak = p.run(&["--key-file", key, "report", "--format", "audit-csv"]);
    assert!(leak.success, "the audit trail holds no journal text: {}", leak.stderr);
    let leak = p.run(&["--key-file", key, "report", "--format", "md", "-o", p.file("leaky.md").to_str().unwrap()]);
    assert!(
        !leak.success && leak.stderr.contains("known real names") && leak.stderr.contains("Pengelly"),
        "{}",
        leak.stderr
    );
    assert!(!p.file("leaky.md").exists(), "nothing is written when the check refuses");
    let history = p.json(&["history", "--limit", "20"]).to_string();
    assert!(history.contains("export unchecked"), "the override is in the audit log: {history}");
    p.ok(&["undo"]);

    // Undo of the pseudonymisation needs the key store, and then restores the original.
    let locked = p.run(&["undo"]);
    assert!(!locked.success && locked.stderr.contains("key store"), "{}", locked.stderr);
    p.ok(&["--key-file", key, "undo"]);
    assert!(p.ok(&["transcript", "show", "T1"]).contains("Anneliese Trevithick:"));
}

on_both_backends!(fn deid_covers_titles_file_names_and_every_field);

/// Reproductions of issue 19 through the binary: a transcript imported from `fiona.txt` kept
/// that title after `deid apply --all`, so every export was refused with no way in the tool to
/// fix it; `Siobhan_Hargreaves_interview.txt` and `siobhan_hargreaves@teams` were neither
/// replaced nor caught by the leak check; there was no "reject every 'Kafka'".
fn deid_covers_titles_file_names_and_every_field(backend: Backend) {
    std::env::set_var("IDIOGRAPH_KEY_PASSPHRASE", PASSPHRASE);
    let p = Project::on(&backend);
    let key = p.file("study.key");
    let key = key.to_str().unwrap();
    p.ok(&["study", "set", "--title", "Balint groups with Fiona", "--question", "What did Siobhan Hargreaves find?"]);
    p.ok(&["participant", "add", "Olivia", "--attr", "teams=siobhan_hargreaves@teams"]);
    let fiona = p.write(
        "fiona.txt",
        "Interviewer: Thank you, Fiona.\nFiona Quarrington: We read Kafka, and Kafka again.\nInterviewer: And then?\nFiona Quarrington: A weight had been lifted.\n",
    );
    let siobhan = p.write(
        "Siobhan_Hargreaves_interview.txt",
        "Interviewer: You joined as siobhan_hargreaves@teams.\nSiobhan Hargreaves: Yes, Kafka too.\n",
    );
    p.ok(&["import", fiona.to_str().unwrap(), siobhan.to_str().unwrap(), "--participant", "Olivia"]);
    p.ok(&["note", "add", "--transcript", "T1", "--lines", "4", "--kind", "descriptive", "Fiona relieved"]);
    p.ok(&["theme", "add", "--case", "Olivia", "Siobhan's relief"]);
    p.ok(&["journal", "add", "Thank Siobhan Hargreaves"]);
    p.ok(&["--key-file", key, "deid", "known", "add", "Fiona Quarrington", "--as", "Olivia", "--kind", "participant"]);
    p.ok(&["--key-file", key, "deid", "known", "add", "Siobhan Hargreaves", "--as", "Rachel", "--kind", "participant"]);

    // Titles, file names and the other fields are in the queue, with their places.
    let scan = p.json(&["--key-file", key, "deid", "scan"]);
    let places: Vec<&str> = scan["fields"].as_array().unwrap().iter().filter_map(|f| f["place"].as_str()).collect();
    for place in ["study title", "research question", "T1 title", "T1 source file", "T2 title", "N1", "TH1 title", "J1"]
    {
        assert!(places.contains(&place), "{place} missing from {places:?}");
    }
    assert!(places.contains(&"P1 attribute 'teams'"), "{places:?}");
    // Reject every "Kafka"; a bad kind is refused.
    let before = p.readout();
    let bad = p.run(&["deid", "every", "reject", "Kafka", "--kind", "celebrity"]);
    assert!(!bad.success && bad.stderr.contains("unknown candidate kind 'celebrity'"), "{}", bad.stderr);
    assert_eq!(p.readout(), before);
    let every = p.json(&["deid", "every", "reject", "kafka"]);
    assert_eq!(every["places"], 3, "{every}");
    let scan = p.json(&["--key-file", key, "deid", "scan"]);
    assert!(!scan.to_string().contains("\"Kafka\""), "{scan}");

    let applied = p.json(&["--key-file", key, "deid", "apply", "--all"]);
    assert_eq!(applied["pseudonymised"].as_array().unwrap().len(), 2, "{applied}");
    let list = p.ok(&["transcript", "list"]);
    assert!(list.contains("Olivia.txt") && list.contains("Rachel_interview.txt"), "{list}");
    for gone in ["Fiona", "Quarrington", "Siobhan", "Hargreaves"] {
        assert!(!stored(&p, gone), "{gone} is still stored in the project");
    }
    // Every export now passes the leak check without an override and names nobody.
    for (format, name) in
        [("md", "r.md"), ("html", "r.html"), ("docx", "r.docx"), ("qdpx", "r.qdpx"), ("audit", "a.html")]
    {
        let out = p.file(name);
        p.ok(&["--key-file", key, "report", "--format", format, "-o", out.to_str().unwrap()]);
        if !name.ends_with(".docx") && !name.ends_with(".qdpx") {
            let text = std::fs::read_to_string(&out).unwrap().to_lowercase();
            assert!(!text.contains("siobhan") && !text.contains("fiona"), "{format} names someone");
        }
    }
    for format in ["docx", "html"] {
        let out = p.file(&format!("T1-annotated.{format}"));
        p.ok(&["--key-file", key, "transcript", "export", "T1", "--format", format, "-o", out.to_str().unwrap()]);
    }
}
