//! Recordings in the study (issue #16): attached to a transcript and stored in the project in
//! pieces, read back in ranges, replaced, removed and undone; sync points checked on the text and
//! carried to new versions; copied byte for byte by `migrate` and `backup`; a REFI-QDA export
//! and import keep them; and a withdrawal leaves no byte of them in the project file.

mod support;

use idiograph_app::{MediaFile, Workbench};
use idiograph_formats::ImportOptions;
use idiograph_model::SyncPoint;
use idiograph_testkit::{on_both_backends, Backend};
use idiograph_text::TextSize;
use support::Study;

on_both_backends!(
    async fn a_recording_is_stored_in_pieces_and_read_back_in_any_range,
    async fn attaching_another_replaces_it_and_undo_brings_each_back,
    async fn sync_points_are_checked_and_carried_to_new_versions,
    async fn migrate_and_backup_carry_recordings_and_sync_points_byte_for_byte,
    async fn a_qdpx_export_carries_the_recording_and_its_sync_points_back,
);

const INTERVIEW: &str =
    "Interviewer: How did it start?\n\nOlivia: With a long walk by the Tamar.\n\nInterviewer: And then?\n\nOlivia: Then the group, every Tuesday.\n";

/// Bytes no text holds, 2.5 pieces long so that ranges cross piece boundaries.
fn media(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

async fn study_with_transcript(backend: &Backend, dir: &std::path::Path) -> Study {
    let study = Study::create(backend, dir, "Recordings", "ana").await;
    study.wb.add_participant("Olivia", &[], Default::default()).await.unwrap();
    let files = vec![("olivia.txt".to_owned(), INTERVIEW.as_bytes().to_vec())];
    study.wb.import_files("Olivia", files, &ImportOptions::default()).await.unwrap();
    study
}

async fn attach(wb: &Workbench, name: &str, bytes: &[u8]) -> idiograph_model::Recording {
    let mut source = bytes;
    wb.attach_recording("T1", MediaFile::by_name(name, &mut source).unwrap()).await.unwrap()
}

/// The bytes `range` of the transcript's recording, read piece by piece as a server does.
async fn read(wb: &Workbench, range: std::ops::Range<u64>) -> Vec<u8> {
    let recording = wb.recording("T1").await.unwrap().expect("T1 has a recording");
    let mut pieces = wb.recording_bytes(&recording, range);
    let mut out = Vec::new();
    while let Some(piece) = pieces.next_piece().await.unwrap() {
        assert!(piece.len() <= idiograph_app::MEDIA_CHUNK_BYTES, "one piece at a time");
        out.extend(piece);
    }
    out
}

async fn a_recording_is_stored_in_pieces_and_read_back_in_any_range(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study_with_transcript(&backend, dir.path()).await;
    let wb = &study.wb;
    let bytes = media(2 * idiograph_app::MEDIA_CHUNK_BYTES + 12_345);
    let r = attach(wb, "C:\\Interviews\\olivia.MP3", &bytes).await;
    assert_eq!(r.short_id().to_string(), "R1");
    assert_eq!(r.file_name, "olivia.MP3", "folders are not kept");
    assert_eq!((r.media.as_str(), r.mime.as_str()), ("audio", "audio/mpeg"));
    assert_eq!(r.byte_length, bytes.len() as u64);
    let len = bytes.len() as u64;
    let piece = idiograph_app::MEDIA_CHUNK_BYTES as u64;
    for range in [0..len, 0..500, piece - 10..piece + 10, 1000..2 * piece + 5, len - 500..len, len - 1..len] {
        let (a, b) = (range.start as usize, range.end as usize);
        assert!(read(wb, range).await == bytes[a..b], "bytes {a}..{b}");
    }
    assert!(read(wb, len..len + 10).await.is_empty(), "nothing past the end");
    assert_eq!(r.sha256.len(), 64);
    // The SHA-256 of the bytes, as `sha256sum` gives it.
    let abc = attach(wb, "abc.wav", b"abc").await;
    assert_eq!(abc.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    wb.undo().await.unwrap().unwrap();
    // Another process sees it too.
    let again = study.open_again("ana").await;
    assert_eq!(again.recording_views().await.unwrap()[0].id.to_string(), "R1");
    again.close().await;

    // Refused, with the reason, and nothing stored.
    let before = wb.dump().await.unwrap();
    let mut empty: &[u8] = b"";
    let refused = wb.attach_recording("T1", MediaFile::by_name("empty.wav", &mut empty).unwrap()).await;
    assert!(refused.unwrap_err().to_string().contains("empty.wav is empty"));
    let mut some: &[u8] = b"abc";
    let refused = MediaFile::by_name("notes.docx", &mut some).err().unwrap().to_string();
    assert!(refused.contains("notes.docx is not a recording") && refused.contains(".mp3"), "{refused}");
    let mut some: &[u8] = b"abc";
    let refused = wb.attach_recording("T9", MediaFile::by_name("a.mp3", &mut some).unwrap()).await;
    assert!(refused.unwrap_err().to_string().contains("no transcript T9"));
    assert_eq!(wb.dump().await.unwrap(), before, "a refused attach stores nothing");
}

async fn attaching_another_replaces_it_and_undo_brings_each_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study_with_transcript(&backend, dir.path()).await;
    let wb = &study.wb;
    let first = media(3000);
    let second: Vec<u8> = media(5000).into_iter().rev().collect();
    attach(wb, "first.wav", &first).await;
    let replacing = attach(wb, "second.mp4", &second).await;
    assert_eq!((replacing.short_id().to_string(), replacing.media.as_str()), ("R2".to_owned(), "video"));
    assert_eq!(wb.recordings().await.unwrap().len(), 1, "one recording per transcript");
    assert_eq!(read(wb, 0..5000).await, second);
    let history = wb.history(1).await.unwrap();
    assert_eq!(history[0].summary, "attach recording R2 to T1 (replacing R1)");

    wb.undo().await.unwrap().unwrap();
    assert_eq!(wb.recording("T1").await.unwrap().unwrap().file_name, "first.wav");
    assert_eq!(read(wb, 0..3000).await, first, "undo brings the first recording's bytes back");
    wb.redo().await.unwrap().unwrap();
    assert_eq!(read(wb, 0..5000).await, second);

    let removed = wb.remove_recording("T1").await.unwrap();
    assert_eq!(removed.short_id().to_string(), "R2");
    assert!(wb.recording("T1").await.unwrap().is_none());
    let again = wb.remove_recording("T1").await.unwrap_err().to_string();
    assert_eq!(again, "T1 has no recording");
    wb.undo().await.unwrap().unwrap();
    assert_eq!(read(wb, 0..5000).await, second, "undoing the removal brings it back");
    // The audit log holds the row, never the media.
    let trail = wb.dump().await.unwrap();
    assert!(trail.lines().filter(|l| l.starts_with("media ")).count() >= 2, "both recordings' pieces are kept");

    // Deleting the transcript takes its recording; undo brings both back.
    wb.delete_transcript("T1").await.unwrap();
    assert!(wb.recordings().await.unwrap().is_empty());
    wb.undo().await.unwrap().unwrap();
    assert_eq!(read(wb, 0..5000).await, second);
}

fn at(position: u32, time_ms: u64) -> SyncPoint {
    SyncPoint { position: TextSize::new(position), time_ms }
}

/// Where `needle` starts in the transcript's current text.
async fn offset(wb: &Workbench, needle: &str) -> u32 {
    let (_, v) = wb.transcript("T1").await.unwrap();
    v.text.find(needle).unwrap_or_else(|| panic!("{needle:?} in {:?}", v.text)) as u32
}

async fn sync_points_are_checked_and_carried_to_new_versions(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study_with_transcript(&backend, dir.path()).await;
    let wb = &study.wb;
    // Without sync points or turn timestamps a version has no times.
    assert_eq!(wb.line_times("T1").await.unwrap().from, "none");
    let mut bytes: &[u8] = &media(100);
    let mut file = MediaFile::by_name("olivia.m4a", &mut bytes).unwrap();
    file.duration_ms = Some(60_000);
    wb.attach_recording("T1", file).await.unwrap();

    let olivia = offset(wb, "Olivia: With").await;
    let second = offset(wb, "Interviewer: And").await;
    let last = offset(wb, "Olivia: Then").await;
    let before = wb.dump().await.unwrap();
    for (points, why) in [
        (vec![at(0, 0), at(olivia, 500), at(olivia - 1, 900)], "does not come after"),
        (vec![at(0, 1000), at(olivia, 500)], "earlier than the time before it"),
        (vec![at(0, 0), at(olivia, 61_000)], "after the end of the recording (60000 ms)"),
        (vec![at(0, 0), at(10_000, 1000)], "beyond the end of the text"),
    ] {
        let e = wb.set_sync_points("T1", points).await.unwrap_err().to_string();
        assert!(e.starts_with("sync points of T1: ") && e.contains(why), "{e}");
    }
    assert_eq!(wb.dump().await.unwrap(), before, "refused sync points change nothing");

    let points = vec![at(0, 0), at(olivia, 2_500), at(second, 9_000), at(last, 12_000)];
    wb.set_sync_points("T1", points.clone()).await.unwrap();
    let times = wb.line_times("T1").await.unwrap();
    assert_eq!(times.from, "sync points");
    let lines: Vec<(u32, u64)> = times.lines.iter().map(|l| (l.line, l.time_ms)).collect();
    assert_eq!(lines, [(1, 0), (3, 2_500), (5, 9_000), (7, 12_000)]);

    // A speaker renamed: the text shifts, the times stay on their places.
    wb.rename_speaker("T1", "Olivia", "Participant O").await.unwrap();
    let (_, v) = wb.transcript("T1").await.unwrap();
    assert_eq!(v.number, 2);
    let moved: Vec<(u32, u64)> = wb.line_times("T1").await.unwrap().lines.iter().map(|l| (l.line, l.time_ms)).collect();
    assert_eq!(moved, lines, "every line keeps its time in the new version");
    let (second2, last2) = (offset(wb, "Interviewer: And").await, offset(wb, "Participant O: Then").await);
    assert_eq!(second2, second + "Participant O".len() as u32 - "Olivia".len() as u32);
    assert!(last2 > second2);
    wb.undo().await.unwrap().unwrap();
    assert_eq!(wb.transcript("T1").await.unwrap().1.number, 1, "undo goes back to version 1 with its times");
    assert_eq!(wb.line_times("T1").await.unwrap().lines.len(), 4);

    // Pseudonymisation makes a new version too: the place named goes, the times stay.
    wb.unlock_key_store(&dir.path().join("study.key"), "a long enough passphrase").await.unwrap();
    wb.add_known("Tamar", "", "town", &[]).await.unwrap();
    wb.pseudonymise(&idiograph_app::ApplyScope::All).await.unwrap();
    let (_, v) = wb.transcript("T1").await.unwrap();
    assert!(v.number == 2 && !v.text.contains("Tamar"), "{}", v.text);
    let kept: Vec<(u32, u64)> = wb.line_times("T1").await.unwrap().lines.iter().map(|l| (l.line, l.time_ms)).collect();
    assert_eq!(kept, lines, "pseudonymisation keeps every line's time");

    // Clearing them leaves the times of the turns (none here).
    wb.set_sync_points("T1", Vec::new()).await.unwrap();
    assert_eq!(wb.line_times("T1").await.unwrap().from, "none");
}

/// The recording's bytes and the view of its sync points, to compare two copies of a study.
async fn recording_state(wb: &Workbench) -> (Vec<u8>, String, Vec<(u32, u64)>) {
    let r = wb.recording("T1").await.unwrap().unwrap();
    let times = wb.line_times("T1").await.unwrap();
    (read(wb, 0..r.byte_length).await, r.sha256, times.lines.iter().map(|l| (l.line, l.time_ms)).collect())
}

async fn migrate_and_backup_carry_recordings_and_sync_points_byte_for_byte(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study_with_transcript(&backend, dir.path()).await;
    let wb = &study.wb;
    attach(wb, "olivia.flac", &media(idiograph_app::MEDIA_CHUNK_BYTES + 77)).await;
    let olivia = offset(wb, "Olivia: With").await;
    wb.set_sync_points("T1", vec![at(0, 0), at(olivia, 4_200)]).await.unwrap();
    let state = recording_state(wb).await;
    let dump = wb.dump().await.unwrap();
    assert!(dump.contains("\nmedia ") && dump.contains("sync_points "), "the dump covers media and sync points");

    // To a file (migrate from a server, or a copy), and on a file a backup.
    let copy = dir.path().join("copy.idg");
    wb.copy_to_file(&copy).await.unwrap();
    let file = Workbench::open(&copy, "ana").await.unwrap();
    assert_eq!(file.dump().await.unwrap(), dump);
    assert_eq!(recording_state(&file).await, state);
    let backup = dir.path().join("backup.idg");
    file.backup(&backup).await.unwrap();
    let restored = Workbench::open(&backup, "ana").await.unwrap();
    assert_eq!(restored.dump().await.unwrap(), dump);
    assert_eq!(recording_state(&restored).await, state);
    restored.close().await;

    // To a server and back.
    if let Some(url) = idiograph_testkit::postgres_url() {
        let id = file.copy_to_server(&url).await.unwrap();
        let _schema = idiograph_testkit::DropSchema::new(&url, &id);
        let server = Workbench::open_on_server(&url, &id, "ana").await.unwrap();
        assert_eq!(server.dump().await.unwrap(), dump);
        assert_eq!(recording_state(&server).await, state);
        let back = dir.path().join("back.idg");
        server.copy_to_file(&back).await.unwrap();
        server.close().await;
        let back = Workbench::open(&back, "ana").await.unwrap();
        assert_eq!(back.dump().await.unwrap(), dump);
        assert_eq!(recording_state(&back).await, state);
        // The undo history came along: undoing the sync points works on the copy.
        back.undo().await.unwrap().unwrap();
        assert_eq!(back.line_times("T1").await.unwrap().from, "none");
        back.close().await;
    }
    file.close().await;
}

async fn a_qdpx_export_carries_the_recording_and_its_sync_points_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = study_with_transcript(&backend, dir.path()).await;
    let wb = &study.wb;
    let bytes = media(40_000);
    attach(wb, "olivia.ogg", &bytes).await;
    let olivia = offset(wb, "Olivia: With").await;
    wb.set_sync_points("T1", vec![at(0, 0), at(olivia, 3_000)]).await.unwrap();
    let qdpx = wb.export_qdpx(false).await.unwrap();

    // The archive holds the recording stored as it is, and the project names it.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(qdpx.clone())).unwrap();
    let r = wb.recording("T1").await.unwrap().unwrap();
    {
        use std::io::Read;
        let mut entry = zip.by_name(&format!("sources/{}.ogg", r.id)).unwrap();
        assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
        let mut stored = Vec::new();
        entry.read_to_end(&mut stored).unwrap();
        assert!(stored == bytes);
    }
    let mut xml = String::new();
    {
        use std::io::Read;
        zip.by_name("project.qde").unwrap().read_to_string(&mut xml).unwrap();
    }
    assert!(
        xml.contains("<AudioSource ") && xml.contains("<Transcript ") && xml.contains("timeStamp=\"3000\""),
        "{xml}"
    );

    for (name, expected) in [("back.idg", "an Idiograph study"), ("other.idg", "another tool's project")] {
        // Another tool's project is read as a code tree (`fill`), ours with its structure.
        let bytes = if expected == "an Idiograph study" { qdpx.clone() } else { as_other_tool(&qdpx) };
        let (back, report) = Workbench::import_qdpx(&dir.path().join(name), &bytes, "study.qdpx", "ana").await.unwrap();
        assert_eq!(report.imported.get("recordings"), Some(&1), "{expected}: {:?}", report.diagnostics);
        assert_eq!(recording_state(&back).await, recording_state(wb).await, "{expected}");
        back.close().await;
    }
    // A merge into an existing study adds no recordings, and says so.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Study::create(&backend, other_dir.path(), "Other", "ana").await;
    let merged = other.wb.merge_qdpx(&qdpx, "study.qdpx").await.unwrap();
    assert_eq!(merged.not_imported.get("recordings"), Some(&1), "{:?}", merged.diagnostics);
    assert!(
        merged.diagnostics.iter().any(|d| d.contains("1 recordings (a merge adds no recordings")),
        "{:?}",
        merged.diagnostics
    );
    assert!(other.wb.recordings().await.unwrap().is_empty());
}

/// The same archive as if another tool had written it (its origin changed).
fn as_other_tool(qdpx: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(qdpx.to_vec())).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        if name == "project.qde" {
            let xml = String::from_utf8(body).unwrap();
            let start = xml.find("origin=\"").unwrap() + "origin=\"".len();
            let end = start + xml[start..].find('"').unwrap();
            body = format!("{}OtherTool 1.0{}", &xml[..start], &xml[end..]).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&body).unwrap();
    }
    out.finish().unwrap().into_inner()
}
