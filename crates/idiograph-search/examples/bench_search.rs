//! Search benchmark on the shared workload (not a test).
//!
//! ```text
//! python3 ../shared/bench/qda_workload.py --docs 17000 --doc-kb 60 --out /tmp/wl-1g   # ≈ 1 GB
//! cargo run --release -p idiograph-search --example bench_search -- /tmp/wl-1g [RUNS]
//! ```
//!
//! Indexes every `interview_*.txt` of the folder (one passage per speaker turn, as the
//! application does), then times word, phrase, prefix and regex queries (total count plus the
//! first 20 hits with their passages) and `grep -c` on the same files as the reference for the
//! regex mode. Prints peak RSS.

use std::path::PathBuf;
use std::time::Instant;

use idiograph_search::{DocKind, Filter, Options, Passage, SearchIndex};
use idiograph_text::TextSize;

fn rss_mb(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: bench_search CORPUS_DIR [RUNS]"));
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(50);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let index_dir = dir.join("bench.search");
    let _ = std::fs::remove_dir_all(&index_dir);
    let (ix, _) = SearchIndex::open(&index_dir).unwrap();
    let t0 = Instant::now();
    let mut bytes = 0u64;
    let mut passages = 0u64;
    {
        let mut u = ix.update(2).unwrap();
        for (i, f) in files.iter().enumerate() {
            let text = std::fs::read_to_string(f).unwrap();
            bytes += text.len() as u64;
            let mut at = 0;
            for para in text.split_inclusive("\n\n") {
                let label_end = para.find(": ").unwrap_or(0);
                let role = if para.starts_with("Interviewer:") { "interviewer" } else { "participant" };
                let _ = label_end;
                u.add(&Passage {
                    kind: DocKind::Transcript,
                    object: format!("t{i}"),
                    participant: Some(format!("p{i}")),
                    role: Some(role.to_owned()),
                    note_kind: None,
                    version: Some("v1".into()),
                    base: TextSize::new(u32::try_from(at).expect("the bench corpus is under 4 GiB")),
                    order: i as u64,
                    text: para.to_owned(),
                })
                .unwrap();
                passages += 1;
                at += para.len();
            }
        }
        u.commit("bench").unwrap();
    }
    let build = t0.elapsed();
    let index_size: u64 = std::fs::read_dir(&index_dir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    println!(
        "corpus: {} files, {:.1} MB, {} passages; index build {:.1} s ({:.1} MB/s), index size {:.0} MB, peak RSS after build {:.0} MB",
        files.len(),
        bytes as f64 / 1e6,
        passages,
        build.as_secs_f64(),
        bytes as f64 / 1e6 / build.as_secs_f64(),
        index_size as f64 / 1e6,
        rss_mb("VmHWM:")
    );
    let queries: &[(&str, &str, bool, usize)] = &[
        ("word (rare)", "pension", false, runs),
        ("word (planted)", "broadband", false, runs),
        ("word AND word", "childcare AND pension", false, runs),
        ("phrase", "\"waiting appointment\"", false, runs),
        ("prefix", "volunt*", false, runs),
        ("word, participants only", "pension", false, runs),
        ("regex", r"pension\w*", true, 5.min(runs)),
    ];
    for (name, q, regex, n) in queries {
        let filter = if name.contains("participants only") {
            Filter { role: Some("participant".into()), ..Filter::default() }
        } else {
            Filter::default()
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..*n {
            let t = Instant::now();
            let found = ix.search(q, Options { stem: true, regex: *regex }, &filter, Some(0..20)).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = found.total.hits;
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!("{name:<26} {q:<24} hits {total:>9}  p50 {:>9.1} ms  p99 {:>9.1} ms  ({n} runs)", pct(0.5), pct(0.99));
    }
    let t = Instant::now();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("cat {}/interview_*.txt | grep -c -i -E 'pension[[:alnum:]_]*'", dir.display()))
        .output()
        .unwrap();
    println!(
        "reference: grep -c -i on the same files: {:.0} ms (matching lines: {})",
        t.elapsed().as_secs_f64() * 1000.0,
        String::from_utf8_lossy(&out.stdout).trim()
    );
    println!("peak RSS {:.0} MB", rss_mb("VmHWM:"));
}
