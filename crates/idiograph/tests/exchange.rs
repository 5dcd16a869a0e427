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

on_both_backends!(fn every_report_format_is_written, fn qdpx_and_qdc_validate_and_the_study_comes_back);

/// Runs a command on another project file in the same folder and returns its output.
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
        assert_eq!(ok_on(&p, &back, &args), p.ok(&args), "{view:?} differs after export and re-import");
    }
    assert_eq!(ok_on(&p, &back, &["report", "--format", "md"]), p.ok(&["report", "--format", "md"]));
    assert_eq!(ok_on(&p, &back, &["transcript", "show", "T2"]), p.ok(&["transcript", "show", "T2"]));
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
