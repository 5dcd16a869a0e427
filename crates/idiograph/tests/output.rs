//! What the command line prints: an error names its file once, and control characters in what
//! researchers typed or imported never reach the terminal raw.

mod support;

use idiograph_testkit::{on_both_backends, Backend};
use support::*;

on_both_backends!(fn control_characters_are_refused_in_titles_and_escaped_in_output);

/// How often `needle` occurs in `hay`.
fn occurrences(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// A truncated `.qdpx` and a directory given as the project: each message names the file once
/// and gives the reason once. About files, so on SQLite only.
#[test]
fn an_error_names_the_file_once() {
    let p = Project::new();
    p.ok(&["participant", "add", "Ada"]);
    let whole = p.file("whole.qdpx");
    p.ok(&["report", "--format", "qdpx", "-o", whole.to_str().unwrap()]);
    let bytes = std::fs::read(&whole).unwrap();
    let truncated = p.write("truncated.qdpx", &bytes[..bytes.len() / 2]);
    let out = p.run(&["from-qdpx", truncated.to_str().unwrap(), "-o", p.file("t.idg").to_str().unwrap()]);
    assert!(!out.success);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert_eq!(occurrences(&out.stderr, "truncated.qdpx"), 1, "the file is named once: {}", out.stderr);
    assert!(!p.file("t.idg").exists());

    // An error whose message already holds its cause (the file and the system's reason).
    std::fs::create_dir(p.file("folder.idg")).unwrap();
    let out = run_in(p.dir.path(), ["-p", "folder.idg", "study", "show"]);
    assert!(!out.success);
    assert_eq!(occurrences(&out.stderr, "folder.idg"), 1, "{}", out.stderr);
    assert_eq!(occurrences(&out.stderr, "Is a directory"), 1, "the reason is given once: {}", out.stderr);
}

fn control_characters_are_refused_in_titles_and_escaped_in_output(backend: Backend) {
    const ESC: &str = "\u{1b}";
    let p = Project::on(&backend);

    // Titles are one line: a control character is refused where it is typed, and nothing changes.
    let before = p.readout();
    for (args, what) in [
        (vec!["study", "set", "--title", "Balint\u{1b}[2J groups"], "a study title"),
        (vec!["theme", "add", "--group", "Shared\u{1b}]0;pwned\u{7}"], "a theme title"),
    ] {
        let out = p.run(&args);
        assert!(!out.success, "{args:?} must be refused");
        assert!(out.stderr.starts_with(&format!("error: {what} cannot hold control characters")), "{}", out.stderr);
        assert!(out.stderr.contains("U+001B"), "{}", out.stderr);
        assert!(!out.stderr.contains(ESC), "the refusal itself does not echo ESC raw: {:?}", out.stderr);
    }
    assert_eq!(p.readout(), before, "refused titles change nothing");

    // A journal entry is free text: kept exactly, and printed with the control characters escaped.
    let entry = "Felt uneasy\u{1b}[31m after\u{1b}[0m the interview\u{8}\u{8}.\nSecond line\tindented.";
    p.ok(&["journal", "add", entry]);
    let listed = p.ok(&["journal", "list"]);
    assert!(!listed.contains(ESC) && !listed.contains('\u{8}'), "no raw control character: {listed:?}");
    assert!(listed.contains("Felt uneasy\\u{1b}[31m after\\u{1b}[0m the interview\\u{8}\\u{8}."), "{listed}");
    assert!(listed.contains("Second line\tindented."), "tab and line break are layout, kept: {listed:?}");
    let json = p.json(&["journal", "list"]);
    assert_eq!(json[0]["text"], entry, "the entry is stored exactly as written");

    // Searching prints the entry through the same printer.
    let found = p.ok(&["search", "uneasy"]);
    assert!(found.contains("[uneasy]") && !found.contains(ESC), "the hit is bracketed: {found:?}");
    assert!(found.contains("1 hit in 1 passage"), "{found:?}");

    // Errors go through it too: a participant name is echoed escaped when it is not found.
    let out = p.run(&["participant", "edit", "No\u{1b}[2Jbody", "--mode", "phone"]);
    assert!(!out.success);
    assert!(!out.stderr.contains(ESC), "{:?}", out.stderr);
}
