//! Import throughput per format on generated interview-shaped files.
//!
//! ```text
//! cargo run --release -p idiograph-formats --example bench_import -- [--files 100] [--kb 60]
//! ```
//!
//! Generates `--files` files per format in memory (about `--kb` kB of interview text each,
//! alternating `Interviewer:`/`Participant:` turns of 8–67 words): `.txt`, Teams-style `.vtt`
//! (one cue per sentence-sized chunk, voice tags, cue ids), `.docx` (one paragraph per turn,
//! deflated, with metadata parts) and `.pdf` (hand-written PDF syntax, Helvetica, 40 lines a
//! page, running header and page numbers). Each file is imported once after one warm-up pass;
//! MB/s is the total input bytes over the total import time.

#[path = "../tests/import_support/mod.rs"]
mod import_support;

use idiograph_formats::{import_transcript, ImportOptions};
use import_support::*;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let files = value("--files", 100);
    let kb = value("--kb", 60);
    // Roughly 230 bytes per generated turn.
    let turns = (kb * 1000 / 230).max(2);

    type Files = Vec<(String, Vec<u8>)>;
    let mut formats: Vec<(&str, Files)> = Vec::new();
    let lines_per_file: Vec<Vec<String>> = (0..files).map(|i| interview_lines(turns, i as u64)).collect();
    formats.push((
        "txt",
        lines_per_file
            .iter()
            .enumerate()
            .map(|(i, lines)| (format!("f{i}.txt"), lines.join("\n\n").into_bytes()))
            .collect(),
    ));
    formats.push((
        "vtt",
        lines_per_file
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                let mut vtt = String::from("WEBVTT\n\n");
                let mut cue = 0;
                for line in lines {
                    let (speaker, text) = line.split_once(": ").unwrap_or(("Speaker", line));
                    let words: Vec<&str> = text.split(' ').collect();
                    for chunk in words.chunks(12) {
                        let (s, e) = (cue * 3, cue * 3 + 3);
                        vtt.push_str(&format!(
                            "6f1c2d3e-aaaa-bbbb-cccc-1234567890ab/{cue}-0\n{:02}:{:02}:{:02}.000 --> {:02}:{:02}:{:02}.000\n<v {speaker}>{}</v>\n\n",
                            s / 3600, s / 60 % 60, s % 60, e / 3600, e / 60 % 60, e % 60, chunk.join(" ")
                        ));
                        cue += 1;
                    }
                }
                (format!("f{i}.vtt"), vtt.into_bytes())
            })
            .collect(),
    ));
    formats.push((
        "docx",
        lines_per_file
            .iter()
            .enumerate()
            .map(|(i, lines)| (format!("f{i}.docx"), docx_with_body(&lines.iter().map(|l| w_p(l)).collect::<String>())))
            .collect(),
    ));
    formats.push((
        "pdf",
        lines_per_file
            .iter()
            .enumerate()
            .map(|(i, lines)| {
                // Wrap turns at ~90 characters, 40 lines a page, as a word processor would.
                let mut wrapped = Vec::new();
                for line in lines {
                    let mut current = String::new();
                    for word in line.split(' ') {
                        if current.len() + word.len() > 90 {
                            wrapped.push(std::mem::take(&mut current));
                        }
                        if !current.is_empty() {
                            current.push(' ');
                        }
                        current.push_str(word);
                    }
                    wrapped.push(current);
                }
                let pages: Vec<Vec<String>> = wrapped.chunks(40).map(<[String]>::to_vec).collect();
                (format!("f{i}.pdf"), text_pdf(&pages))
            })
            .collect(),
    ));

    let options = ImportOptions::default();
    println!("{files} files per format, about {kb} kB of text each (release build: {})", !cfg!(debug_assertions));
    println!("{:<6} {:>10} {:>10} {:>10} {:>12}", "format", "MB", "seconds", "MB/s", "ms per file");
    for (format, inputs) in &formats {
        // Warm-up pass (allocator, caches), then the measured pass.
        for (name, bytes) in inputs.iter().take(5) {
            import_transcript(name, bytes, &options).expect("generated files import");
        }
        let total: usize = inputs.iter().map(|(_, b)| b.len()).sum();
        let started = Instant::now();
        let mut turns = 0;
        for (name, bytes) in inputs {
            turns += import_transcript(name, bytes, &options).expect("generated files import").turns.len();
        }
        let seconds = started.elapsed().as_secs_f64();
        let mb = total as f64 / 1e6;
        println!(
            "{format:<6} {mb:>10.2} {seconds:>10.3} {:>10.1} {:>12.2}   ({turns} turns)",
            mb / seconds,
            seconds * 1000.0 / inputs.len() as f64
        );
    }
}
