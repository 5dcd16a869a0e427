//! Memory held to the limits it checks (issue #19): crafted archives — a `.qdpx` whose source
//! texts unpack to 400 MiB each, with honest and with lying size headers, and `.docx`/`.odt`
//! files whose XML does the same — are refused by `from-qdpx` and `import` with a peak resident
//! memory (VmHWM of the child process) of at most 256 MB.
//!
//! The server refuses the same files uploaded to it (a transcript upload, and a new study from
//! a `.qdpx` on the home page) within the same bound.
//!
//! And a transcript near the importer's size limit (45 of 50 MB) goes through the command
//! line's import, an upload to the server, `GET /api/v1/transcripts/{id}`, and the transcript
//! page with a chunk of its last lines within the same bound.
//!
//! File-only: what is measured is the program's own memory; a server's would be its own.

mod support;

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use support::{command, served_host, synthetic_transcript, Project, AUTHOR};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The bound of the acceptance test, in kB as /proc reports it.
const LIMIT_KB: u64 = 256 * 1000;

/// The peak resident memory (VmHWM) of a running process, in kB.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Waits for `child`, sampling its peak resident memory until it exits; returns the exit
/// status's success, its standard error and the highest peak seen (kB).
fn run_measured(mut child: Child) -> (bool, String, u64) {
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = vm_hwm(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut stderr).unwrap();
    }
    (status.success(), stderr, peak)
}

/// One entry of `size` bytes of interview-like text, deflated as it is written (so the test
/// never holds it whole).
fn write_big_entry<W: Write + std::io::Seek>(zip: &mut ZipWriter<W>, name: &str, size: usize, prefix: &[u8]) {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(size > u32::MAX as usize);
    zip.start_file(name, options).unwrap();
    zip.write_all(prefix).unwrap();
    let line = b"P: it was hard at first, and then it got easier, I think, with the group.\n";
    let block: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        zip.write_all(&block[..n]).unwrap();
        left -= n;
    }
}

/// Rewrites every size field of a zip's headers that holds the unpacked size of `entry` to
/// 1000, as a forger would: the entry then claims to be small, and only counting what is read
/// can stop it.
fn lie_about_size(zip: &mut [u8], entry: &str) {
    let real = zip::ZipArchive::new(Cursor::new(&*zip)).unwrap().by_name(entry).unwrap().size() as u32;
    let (real, claimed) = (real.to_le_bytes(), 1000u32.to_le_bytes());
    for i in 0..zip.len().saturating_sub(4) {
        if zip[i..i + 4] == real {
            zip[i..i + 4].copy_from_slice(&claimed);
        }
    }
}

const SIZE: usize = 400 << 20;

/// A `.qdpx` with four source texts of 400 MiB each, as in the issue.
fn qdpx_bomb() -> Vec<u8> {
    let mut qde = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Bomb" origin="crafted"><Sources>"#,
    );
    for i in 0..4 {
        qde.push_str(&format!(
            r#"<TextSource guid="00000000-0000-0000-0000-00000000000{i}" name="t{i}" plainTextPath="internal://t{i}.txt"/>"#
        ));
    }
    qde.push_str("</Sources></Project>");
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("project.qde", SimpleFileOptions::default()).unwrap();
    zip.write_all(qde.as_bytes()).unwrap();
    for i in 0..4 {
        write_big_entry(&mut zip, &format!("sources/t{i}.txt"), SIZE, b"");
    }
    zip.finish().unwrap().into_inner()
}

/// A Word or OpenDocument file whose text part unpacks to 400 MiB.
fn document_bomb(kind: &str) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let (part, head) = match kind {
        "docx" => ("word/document.xml", &b"<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>"[..]),
        _ => ("content.xml", &b"<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text><text:p>"[..]),
    };
    if kind == "odt" {
        zip.start_file("mimetype", SimpleFileOptions::default().compression_method(CompressionMethod::Stored)).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.text").unwrap();
    }
    write_big_entry(&mut zip, part, SIZE, head);
    zip.finish().unwrap().into_inner()
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    command().current_dir(dir).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

/// The crafted files by name: a `.qdpx`, a `.docx` and an `.odt`, each with honest and with
/// lying size headers.
fn crafted_files() -> Vec<(String, Vec<u8>)> {
    let honest = qdpx_bomb();
    let mut lying = honest.clone();
    for i in 0..4 {
        lie_about_size(&mut lying, &format!("sources/t{i}.txt"));
    }
    let mut cases: Vec<(String, Vec<u8>)> = vec![("bomb.qdpx".into(), honest), ("lying.qdpx".into(), lying)];
    for kind in ["docx", "odt"] {
        let honest = document_bomb(kind);
        let mut lying = honest.clone();
        lie_about_size(&mut lying, if kind == "docx" { "word/document.xml" } else { "content.xml" });
        cases.push((format!("bomb.{kind}"), honest));
        cases.push((format!("lying.{kind}"), lying));
    }
    cases
}

#[test]
fn crafted_archives_are_refused_within_256_mb() {
    let p = Project::new();
    p.ok(&["participant", "add", "Olivia"]);
    for (name, bytes) in crafted_files() {
        assert!(bytes.len() < 15_000_000, "{name} is a small file: {}", bytes.len());
        let file = p.write(&name, &bytes);
        let child = if name.ends_with(".qdpx") {
            let out = p.file(&format!("{name}.idg"));
            spawn(p.dir.path(), &["--author", AUTHOR, "from-qdpx", file.to_str().unwrap(), "-o", out.to_str().unwrap()])
        } else {
            p.spawn(&["import", file.to_str().unwrap(), "--participant", "Olivia"])
        };
        let (ok, stderr, peak) = run_measured(child);
        assert!(!ok, "{name} is refused");
        assert!(stderr.contains(&name) && stderr.lines().count() == 1, "{name}: one line naming the file: {stderr}");
        assert!(peak <= LIMIT_KB, "{name}: peak resident memory {peak} kB, over {LIMIT_KB} kB ({stderr})");
        eprintln!("{name}: refused with a peak of {} MB: {}", peak / 1000, stderr.trim());
    }
}

/// Sends `body` as a POST to the workbench at `host` (with the Origin the workbench asks of a
/// write) and returns the status line and the answer's body.
fn post(host: &str, path: &str, content_type: &str, body: &[u8]) -> (String, String) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(host).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // The server may refuse before it has read the whole body; that is its right.
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

/// A `multipart/form-data` body holding one file field; returns its content type and bytes.
fn form_with_file(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "idiograph-memory-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn crafted_uploads_are_refused_by_the_server_within_256_mb() {
    let p = Project::new();
    p.ok(&["participant", "add", "Olivia"]);
    let mut study = p.spawn(&["serve", "--port", "0"]);
    let study_host = served_host(&mut study);
    let home_dir = p.file("studies");
    let mut home = p.spawn(&["serve", "--dir", home_dir.to_str().unwrap(), "--port", "0"]);
    let home_host = served_host(&mut home);
    for (name, bytes) in crafted_files() {
        let (status, body) = if name.ends_with(".qdpx") {
            let (content_type, form) = form_with_file(&name, &bytes);
            post(&home_host, "/import-study", &content_type, &form)
        } else {
            let path = format!("/api/v1/transcripts?participant=Olivia&name={name}");
            post(&study_host, &path, "application/octet-stream", &bytes)
        };
        let code: u16 = status.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        assert!((400..500).contains(&code), "{name} is refused with a 4xx: {status}");
        assert!(body.contains(&name), "{name}: the refusal names the file: {body}");
        eprintln!("{name}: {status}");
    }
    for (what, server) in [("a transcript upload", &mut study), ("a new study from a .qdpx", &mut home)] {
        let peak = vm_hwm(server.id()).unwrap_or(u64::MAX);
        server.kill().ok();
        server.wait().ok();
        assert!(peak <= LIMIT_KB, "{what}: the server's peak resident memory {peak} kB, over {LIMIT_KB} kB");
        eprintln!("{what}: refused with the server's peak at {} MB", peak / 1000);
    }
    assert!(p.json(&["transcript", "list"]).as_array().unwrap().is_empty(), "nothing was imported");
}

/// Sends a GET to the workbench at `host` and reads the whole answer as it comes (never holding
/// it: a 45 MB transcript's JSON is 190 MB); returns the status line and the body's length.
fn fetch(host: &str, path: &str) -> (String, usize) {
    use std::io::{BufRead, BufReader, Read};
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut reader = BufReader::new(s);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut buf = vec![0; 1 << 16];
    let mut length = 0;
    loop {
        match reader.read(&mut buf).unwrap() {
            0 => break,
            n => length += n,
        }
    }
    (status.trim().to_owned(), length)
}

#[test]
fn a_transcript_near_the_size_limit_is_imported_and_served_within_256_mb() {
    let p = Project::new();
    p.ok(&["participant", "add", "Olivia"]);
    let file = p.write("long interview.txt", synthetic_transcript(45_000_000, 7));
    let (ok, stderr, peak) = run_measured(p.spawn(&["import", file.to_str().unwrap(), "--participant", "Olivia"]));
    assert!(ok, "the import succeeds: {stderr}");
    assert!(peak <= LIMIT_KB, "import: peak resident memory {peak} kB, over {LIMIT_KB} kB");
    eprintln!("import of 45 MB: peak {} MB", peak / 1000);

    // The same file uploaded to the server as the browser sends it.
    let mut server = p.spawn(&["serve", "--port", "0"]);
    let host = served_host(&mut server);
    let (content_type, form) = form_with_file("again.txt", &std::fs::read(&file).unwrap());
    let (status, body) = post(&host, "/api/v1/transcripts?participant=Olivia", &content_type, &form);
    drop(form);
    assert!(status.contains(" 201 "), "the upload is imported: {status} {body}");
    let peak = vm_hwm(server.id()).unwrap_or(u64::MAX);
    server.kill().ok();
    server.wait().ok();
    assert!(peak <= LIMIT_KB, "upload: the server's peak resident memory {peak} kB, over {LIMIT_KB} kB");
    eprintln!("upload of 45 MB: the server's peak {} MB", peak / 1000);

    // Each path on a fresh server: the peak is what that request alone costs.
    // The page, then a chunk of its last lines (what the browser asks for as the reader scrolls).
    let lines = p.json(&["transcript", "list"])[0]["line_count"].as_u64().unwrap();
    let late_chunk = format!("/transcripts/T1/parts?from={}&to={lines}", lines - 299);
    for (paths, least) in [(vec!["/api/v1/transcripts/T1"], 90_000_000), (vec!["/transcripts/T1", &late_chunk], 10_000)]
    {
        let mut server = p.spawn(&["serve", "--port", "0"]);
        let host = served_host(&mut server);
        for path in &paths {
            let (status, length) = fetch(&host, path);
            assert_eq!(status, "HTTP/1.1 200 OK", "{path}");
            assert!(length > least, "{path}: {length} bytes");
            eprintln!("{path}: {length} bytes");
        }
        let peak = vm_hwm(server.id()).unwrap_or(u64::MAX);
        server.kill().ok();
        server.wait().ok();
        assert!(peak <= LIMIT_KB, "{paths:?}: the server's peak resident memory {peak} kB, over {LIMIT_KB} kB");
        eprintln!("{paths:?}: the server's peak {} MB", peak / 1000);
    }
}
