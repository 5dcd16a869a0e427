//! Exports and REFI-QDA exchange through the real binary: every report format, schema-valid
//! `.qdpx`/`.qdc`, re-import, and the real exports of other tools.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::Command;

use idiograph_testkit::{on_both_backends, shared_dir, Backend};
use support::Project;

/// Validates `xml` against an XSD of the REFI-QDA standard with xmllint; without xmllint the
/// check is skipped with a note, except under CI, where it must run.
fn assert_valid(xml: &[u8], xsd: &Path, dir: &Path) {
    if Command::new("xmllint").arg("--version").output().is_err() {
        idiograph_testkit::skip("xmllint is not installed (libxml2-utils); schema validation");
        return;
    }
    let file = dir.join("check.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(xsd).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn unzip(path: &Path, name: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    bytes
}

/// The demo study on `backend` (`demo` writes a file; a server gets it through `migrate`).
fn demo(backend: &Backend) -> Project {
    let p = Project::uninitialised();
    p.ok(&["demo", "--no-serve", "--out", p.path.to_str().unwrap()]);
    match backend {
        Backend::File => p,
        Backend::Server(url) => p.copy_on_server(url),
    }
}

on_both_backends!(
    fn every_report_format_is_written,
    fn qdpx_and_qdc_validate_and_the_study_comes_back,
    fn a_codebook_imports_as_themes_one_undo_takes_back_and_a_bad_one_is_refused,
    fn a_project_merges_into_a_study_one_undo_takes_it_back_and_a_bad_one_is_refused,
);

/// Runs a command on another project file in the same folder and returns its output.
/// A view's JSON as the exchange keeps it: REFI-QDA carries no transcript version ids (a
/// re-imported transcript is a new version of the same text), so each version id is replaced
/// by its order of appearance and the revisions made from the rows that hold them are left out;
/// nor does it carry the audit log, so who moved a theme member and when (`members[].author`,
/// `members[].at`, read from the log) are left out too.
fn comparable(json: &str) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value, seen: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("revision");
                if let Some(serde_json::Value::Array(members)) = m.get_mut("members") {
                    for member in members.iter_mut().filter_map(serde_json::Value::as_object_mut) {
                        member.remove("author");
                        member.remove("at");
                    }
                }
                if let Some(serde_json::Value::String(id)) = m.get_mut("version") {
                    let n = seen.iter().position(|s| s == id).unwrap_or_else(|| {
                        seen.push(id.clone());
                        seen.len() - 1
                    });
                    *id = format!("version {n}");
                }
                m.values_mut().for_each(|x| walk(x, seen));
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, seen)),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    walk(&mut v, &mut Vec::new());
    v
}

fn ok_on(p: &Project, project: &Path, args: &[&str]) -> String {
    let mut all = vec!["-p", project.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = support::run_in(p.dir.path(), &all);
    assert!(run.success, "{:?}: {}", run.args, run.stderr);
    run.stdout
}

fn every_report_format_is_written(backend: Backend) {
    let p = demo(&backend);
    for (format, magic) in [
        ("docx", &b"PK"[..]),
        ("xlsx", b"PK"),
        ("png", b"\x89PNG"),
        ("svg", b"<svg"),
        ("html", b"<!DOCTYPE html>"),
        ("md", b"# "),
        ("audit", b"<!DOCTYPE html>"),
        ("audit-csv", b"Seq,Time"),
        ("coreq", b"# COREQ"),
        ("srqr", b"# SRQR"),
        ("qdpx", b"PK"),
        ("qdc", b"<?xml"),
    ] {
        let out = p.file(&format!("out.{format}"));
        p.ok(&["report", "--format", format, "-o", out.to_str().unwrap()]);
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            bytes.starts_with(magic),
            "{format} starts with {:?}",
            String::from_utf8_lossy(&bytes[..8.min(bytes.len())])
        );
    }
    let csv = p.ok(&["report", "--format", "csv", "--table", "recurrence"]);
    assert!(csv.contains("Reducing Burnout") && csv.contains("Olivia"), "{csv}");
    // A binary export never goes to the terminal, and an existing file is never overwritten.
    let refused = p.run(&["report", "--format", "docx"]);
    assert!(!refused.success && refused.stderr.contains("give -o FILE"), "{}", refused.stderr);
    let again = p.run(&["report", "--format", "md", "-o", p.file("out.md").to_str().unwrap()]);
    assert!(!again.success, "an existing report is not overwritten");
    let annotated = p.ok(&["transcript", "export", "T1", "--format", "html"]);
    assert!(annotated.contains("Not the only one") || annotated.contains("S1"), "statements appear in the margin");
    let blank = p.ok(&["transcript", "export", "T1", "--format", "html", "--blank"]);
    assert!(!blank.contains("N1 ·") && blank.contains("ILLUSTRATIVE TRANSCRIPT"));
    let docx = p.file("t1.docx");
    p.ok(&["transcript", "export", "T1", "--format", "docx", "-o", docx.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&unzip(&docx, "word/document.xml")).contains("ILLUSTRATIVE TRANSCRIPT"));
}

/// On a server the study comes back as a file, so the views compare across backends too.
/// A Markdown report with the Who and When cells of its analytic trail blanked.
fn without_who_and_when(md: &str) -> String {
    let trail = md.find("## Appendix: analytic trail").expect("the trail appendix");
    let end = trail + md[trail..].find("\n## ").map_or(md.len() - trail, |e| e + 1);
    let rows: Vec<String> = md[trail..end]
        .lines()
        .map(|line| {
            let mut cells: Vec<&str> = line.split(" | ").collect();
            // Member | Strategy | Rationale | Who | When | Source notes
            if cells.len() == 6 && !line.starts_with("| Member") {
                cells[3] = "…";
                cells[4] = "…";
            }
            cells.join(" | ")
        })
        .collect();
    format!("{}{}\n{}", &md[..trail], rows.join("\n"), &md[end..])
}

fn qdpx_and_qdc_validate_and_the_study_comes_back(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let p = demo(&backend);
    let qdpx = p.file("study.qdpx");
    let qdc = p.file("study.qdc");
    p.ok(&["report", "--format", "qdpx", "-o", qdpx.to_str().unwrap()]);
    p.ok(&["report", "--format", "qdc", "-o", qdc.to_str().unwrap()]);
    assert_valid(&unzip(&qdpx, "project.qde"), &shared.join("refi-qda/Project.xsd"), p.dir.path());
    assert_valid(&std::fs::read(&qdc).unwrap(), &shared.join("refi-qda/Codebook.xsd"), p.dir.path());

    let back = p.file("back.idg");
    // `from-qdpx` makes a file, so it is run without the server project's `--database`.
    let made =
        support::run_in(p.dir.path(), ["--json", "from-qdpx", qdpx.to_str().unwrap(), "-o", back.to_str().unwrap()]);
    let report = made.assert_ok().json();
    assert_eq!(report["imported"]["participants"], 3);
    assert_eq!(report["imported"]["transcripts"], 3);
    // Model equality: every view of the study, and the whole report, is the same after the round trip.
    for view in support::READOUT_VIEWS {
        let mut args = vec!["--json"];
        args.extend_from_slice(view);
        assert_eq!(
            comparable(&ok_on(&p, &back, &args)),
            comparable(&p.ok(&args)),
            "{view:?} differs after export and re-import"
        );
    }
    // The report too, but for who made each move and when: REFI-QDA carries no audit log, so the
    // re-imported study's trail names the import. What was moved where, how and why comes back.
    assert_eq!(
        without_who_and_when(&ok_on(&p, &back, &["report", "--format", "md"])),
        without_who_and_when(&p.ok(&["report", "--format", "md"]))
    );
    assert_eq!(ok_on(&p, &back, &["transcript", "show", "T2"]), p.ok(&["transcript", "show", "T2"]));
}

fn a_codebook_imports_as_themes_one_undo_takes_back_and_a_bad_one_is_refused(backend: Backend) {
    let demo = demo(&Backend::File);
    let qdc = demo.file("study.qdc");
    demo.ok(&["report", "--format", "qdc", "-o", qdc.to_str().unwrap()]);
    let qdc = qdc.to_str().unwrap();
    let p = Project::on(&backend);
    p.ok(&["participant", "add", "Olivia"]);

    let report = p.json(&["theme", "import-codebook", qdc, "--case", "Olivia"]);
    let themes = report["themes"].as_array().unwrap();
    assert_eq!((themes[0]["title"].as_str(), themes[0]["depth"].as_u64()), (Some("Psychological Benefits"), Some(0)));
    assert_eq!((themes[1]["title"].as_str(), themes[1]["depth"].as_u64()), (Some("Reducing Burnout"), Some(1)));
    assert!(report["clashes"].as_array().unwrap().is_empty(), "{report}");
    let tree = p.json(&["theme", "list"]);
    let pets = tree["cases"][0]["pets"].as_array().unwrap();
    assert_eq!(pets[0]["title"], "Psychological Benefits", "{tree}");
    assert_eq!(p.json(&["history", "--limit", "1"])[0]["action"], "import codebook");
    // Again: every top-level code is a PET of Olivia's now, so the text says which.
    let again = p.run(&["theme", "import-codebook", qdc, "--case", "Olivia"]);
    assert!(!again.success && again.stderr.contains("study.qdc"), "{}", again.stderr);

    p.ok(&["undo"]);
    assert!(p.json(&["theme", "list"])["cases"][0]["pets"].as_array().unwrap().is_empty(), "undone whole");

    let before = (p.readout(), p.history_len());
    let bad = p.write("notes.qdc", "Psychological Benefits\n  Catharsis\n");
    let r = p.run(&["theme", "import-codebook", bad.to_str().unwrap()]);
    assert!(!r.success && r.stderr.contains("notes.qdc"), "{}", r.stderr);
    assert_eq!((p.readout(), p.history_len()), before, "a refused codebook changes nothing");
}

fn a_project_merges_into_a_study_one_undo_takes_it_back_and_a_bad_one_is_refused(backend: Backend) {
    let Some(shared) = shared_dir() else { return };
    let p = demo(&backend);
    let before = p.readout();
    let qc = shared.join("refi-qda/samples/qc-1.3.2_demo.qdpx");
    let report = p.json(&["merge", qc.to_str().unwrap()]);
    assert_eq!(report["file"], "qc-1.3.2_demo.qdpx");
    // As `from-qdpx` makes it a study of its own: every coding of the 158 selections an extract.
    assert_eq!(report["added"]["transcripts"], 2, "{report:#}");
    assert_eq!(report["added"]["extracts"], 205);
    assert_eq!(report["added"]["themes"], 262);
    assert_eq!(p.json(&["history", "--limit", "1"])[0]["action"], "merge project");
    let transcripts = p.json(&["transcript", "list"]);
    assert_eq!(transcripts.as_array().unwrap().len(), 5, "the demo's three and the file's two");
    p.ok(&["undo"]);
    assert_eq!(p.readout(), before, "one undo takes the whole merge back");

    // The demo exported and merged into a study with an Olivia of its own, in words.
    let qdpx = p.file("demo.qdpx");
    p.ok(&["report", "--format", "qdpx", "-o", qdpx.to_str().unwrap()]);
    let other = Project::on(&backend);
    other.ok(&["participant", "add", "Olivia"]);
    let text = other.ok(&["merge", qdpx.to_str().unwrap()]);
    assert!(text.starts_with("Merged demo.qdpx into the study: "), "{text}");
    assert!(text.contains("P2 Olivia (2) (case “Olivia”)"), "{text}");
    assert!(
        text.contains("note: case 'Olivia' became participant P2 'Olivia (2)': the name was taken by P1"),
        "{text}"
    );

    let before = (other.readout(), other.history_len());
    let junk = other.write("junk.qdpx", "not a zip");
    let r = other.run(&["merge", junk.to_str().unwrap()]);
    assert!(!r.success && r.stderr.starts_with("error: junk.qdpx"), "{}", r.stderr);
    assert_eq!((other.readout(), other.history_len()), before, "a refused file changes nothing");
}

/// File-only: `from-qdpx` makes a project file.
#[test]
fn exports_of_other_tools_import_and_say_what_was_left_out() {
    let Some(shared) = shared_dir() else { return };
    let p = Project::uninitialised();
    let samples = shared.join("refi-qda/samples");
    let qc = p.json(&[
        "from-qdpx",
        samples.join("qc-1.3.2_demo.qdpx").to_str().unwrap(),
        "-o",
        p.file("qc.idg").to_str().unwrap(),
    ]);
    assert_eq!(qc["imported"]["transcripts"], 2);
    assert_eq!(qc["imported"]["extracts"], 205, "every coding of the 158 selections");
    assert_eq!(qc["imported"]["themes"], 262);
    let atlas = p.json(&[
        "from-qdpx",
        samples.join("atlasti-8.4-mac_refi-standard-project.qde").to_str().unwrap(),
        "-o",
        p.file("atlas.idg").to_str().unwrap(),
    ]);
    let notes: Vec<&str> = atlas["not_imported"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.contains("picture source")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("audio source")), "{notes:?}");
    // A file that is no REFI-QDA project is refused by name and makes no project.
    let junk = p.write("junk.qdpx", "not a zip");
    let out = p.run(&["from-qdpx", junk.to_str().unwrap(), "-o", p.file("junk.idg").to_str().unwrap()]);
    assert!(!out.success && out.stderr.starts_with("error: junk.qdpx"), "{}", out.stderr);
    assert!(!p.file("junk.idg").exists());
}

/// Every export names the product with the version `idiograph --version` prints, a real one
/// (the internal crates are 0.0.0). About the binary and its files, so on SQLite only.
#[test]
fn every_export_says_the_version_the_binary_reports() {
    let p = Project::new();
    let version = support::run_in(p.dir.path(), ["--version"]);
    version.assert_ok();
    let v = version.stdout.trim().strip_prefix("idiograph ").expect("idiograph VERSION").to_owned();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    assert_ne!(v, "0.0.0", "the product has a real version");
    let named = format!("Idiograph {v}");
    p.ok(&["participant", "add", "Ada"]);
    let export = |format: &str, ext: &str| {
        let out = p.file(&format!("out-{format}.{ext}"));
        p.ok(&["report", "--format", format, "-o", out.to_str().unwrap()]);
        out
    };
    let qde = String::from_utf8(unzip(&export("qdpx", "qdpx"), "project.qde")).unwrap();
    assert!(qde.contains(&format!("origin=\"{named}\"")), "REFI-QDA origin: {}", &qde[..qde.len().min(400)]);
    let app = String::from_utf8(unzip(&export("docx", "docx"), "docProps/app.xml")).unwrap();
    assert!(app.contains(&format!("<Application>{named}</Application>")), "{app}");
    for (format, ext) in [("md", "md"), ("html", "html"), ("audit", "html"), ("coreq", "md")] {
        let text = std::fs::read_to_string(export(format, ext)).unwrap();
        assert!(text.contains(&named), "the {format} export names {named}");
        assert!(!text.contains("Idiograph 0.0.0"), "{format}");
    }
}

/// A GUID made from a small number, for crafted REFI-QDA files.
fn guid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A REFI-QDA file from another tool: what has no place in a study is listed by kind with counts,
/// and the file's users are recorded as the authors of what they coded. About a new file, so on
/// SQLite only.
#[test]
fn a_refi_import_lists_what_it_leaves_out_and_credits_the_coders() {
    let p = Project::uninitialised();
    let text = "Ana: It felt like a weight had been lifted. Then we talked.";
    let qde = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"Crafted\" origin=\"OtherTool 1.0\">\
         <Users><User guid=\"{u1}\" name=\"Ana Coder\"/><User guid=\"{u2}\" name=\"Ben Coder\"/><User guid=\"{u3}\" name=\"Cy Idle\"/></Users>\
         <CodeBook><Codes><Code guid=\"{c1}\" name=\"Relief\" isCodable=\"true\" color=\"#FF0000\"><NoteRef targetGUID=\"{n2}\"/></Code></Codes></CodeBook>\
         <Sources><TextSource guid=\"{s1}\" name=\"ana.txt\"><Description>Interviewed in the park</Description>\
           <PlainTextContent>{text}</PlainTextContent>\
           <PlainTextSelection guid=\"{x1}\" startPosition=\"5\" endPosition=\"43\" creatingUser=\"{u1}\">\
             <Description>the weight image</Description>\
             <Coding guid=\"{k1}\" creatingUser=\"{u1}\"><CodeRef targetGUID=\"{c1}\"/><NoteRef targetGUID=\"{n1}\"/></Coding>\
           </PlainTextSelection>\
           <PlainTextSelection guid=\"{x2}\" startPosition=\"44\" endPosition=\"59\" creatingUser=\"{u2}\">\
             <Coding guid=\"{k2}\" creatingUser=\"{u2}\"><CodeRef targetGUID=\"{c1}\"/></Coding>\
           </PlainTextSelection>\
           <PlainTextSelection guid=\"{x3}\" startPosition=\"0\" endPosition=\"3\"/>\
         </TextSource></Sources>\
         <Notes><Note guid=\"{n1}\" name=\"memo\" creatingUser=\"{u1}\"><PlainTextContent>Memo on the coding</PlainTextContent></Note>\
           <Note guid=\"{n2}\" name=\"code memo\"><PlainTextContent>Memo on the code</PlainTextContent></Note></Notes>\
         <Sets><Set guid=\"{t1}\" name=\"A set\"><MemberCode targetGUID=\"{c1}\"/></Set></Sets>\
         </Project>",
        u1 = guid(1), u2 = guid(2), u3 = guid(3), c1 = guid(10), s1 = guid(20), x1 = guid(30), x2 = guid(31),
        x3 = guid(32), k1 = guid(40), k2 = guid(41), n1 = guid(50), n2 = guid(51), t1 = guid(60)
    );
    let file = p.write("crafted.qde", qde);
    let out = p.json(&["from-qdpx", file.to_str().unwrap(), "-o", p.path.to_str().unwrap()]);
    let counts = &out["not_imported_counts"];
    let expected = serde_json::json!({
        "users who coded nothing imported": 1,
        "source descriptions": 1,
        "passage descriptions": 1,
        "code colours": 1,
        "memos on codes": 1,
        "passages without a code or memo": 1,
        "sets": 1,
    });
    assert_eq!(counts, &expected, "{out:#}");
    let lines: Vec<&str> = out["not_imported"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    for (kind, n) in expected.as_object().unwrap() {
        assert!(lines.iter().any(|l| l.starts_with(&format!("not imported: {n} {kind} ("))), "{kind}: {lines:?}");
    }
    assert_eq!(out["imported"]["extracts"], 2, "{out:#}");
    assert_eq!(out["imported"]["notes"], 1, "the memo on the coding is a note on the passage");
    assert_eq!(out["imported"]["journal"], 1, "the memo on the code is a journal entry");
    assert_eq!(out["imported"]["authors"], 2);

    // Who coded what: each extract and the memo are recorded under their user's name.
    let history = p.json(&["history", "--limit", "100"]);
    let by = |action: &str| -> Vec<String> {
        let mut who: Vec<String> = history
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["author"].as_str().unwrap().to_owned())
            .collect();
        who.sort();
        who
    };
    assert_eq!(by("add extract"), ["Ana Coder", "Ben Coder"], "{history:#}");
    assert_eq!(by("add note"), ["Ana Coder"], "{history:#}");
    let notes = p.json(&["note", "list"]);
    assert_eq!(notes[0]["text"], "Memo on the coding");
    assert_eq!(notes[0]["quote"], "It felt like a weight had been lifted.");
}

/// The real exports of NVivo, QualCoder and ATLAS.ti: every kind their files hold that a study
/// has no place for is counted in the loss report, one line per kind.
#[test]
fn the_loss_report_of_real_exports_counts_what_is_left_out() {
    let Some(shared) = shared_dir() else { return };
    let samples = shared.join("refi-qda/samples");
    // (file, kinds it must report, users credited as authors): the NVivo sample's two texts are
    // blank, so its two users coded nothing imported; QualCoder's one user "cp" coded every passage;
    // in ATLAS.ti's, whose texts are not in the file, one user wrote the two memos kept as journal.
    for (file, kinds, authors) in [
        ("nvivo-15.0-mac_qc-project.qdpx", &["users who coded nothing imported"][..], None),
        ("qc-1.3.2_demo.qdpx", &[][..], Some(1)),
        ("atlasti-8.4-mac_refi-standard-project.qde", &["sets", "users who coded nothing imported"][..], Some(1)),
    ] {
        let p = Project::uninitialised();
        let out = p.json(&["from-qdpx", samples.join(file).to_str().unwrap(), "-o", p.path.to_str().unwrap()]);
        let counts = out["not_imported_counts"].as_object().unwrap();
        let lines: Vec<&str> = out["not_imported"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
        assert_eq!(out["imported"]["authors"].as_u64(), authors, "{file}: {:#}", out["imported"]);
        for kind in kinds {
            assert!(counts.get(*kind).and_then(|n| n.as_u64()).is_some_and(|n| n > 0), "{file}: {kind} in {counts:?}");
        }
        for (kind, n) in counts {
            assert!(lines.iter().any(|l| l.starts_with(&format!("not imported: {n} {kind} ("))), "{file}: {kind}");
        }
    }
}
