//! Core performance benchmark of the application layer (no HTTP): import, exploratory notes,
//! theme structure, recurrence and reports on the shared QDA workload.
//!
//! ```text
//! python3 /work/shared/bench/qda_workload.py --docs 1000 --doc-kb 60 --out /tmp/qda1000
//! cargo run --release -p idiograph-app --example bench_core -- --workload /tmp/qda1000 \
//!     [--notes 100000] [--participants 10] [--json-out results.json] [--dir DIR]
//! ```
//!
//! See `docs/PERFORMANCE.md` for what is measured and the latest numbers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use idiograph_app::{ExportFormat, MemberRef, Target, Workbench};
use idiograph_formats::{import_transcript, ImportOptions};
use idiograph_model::{GroupingStrategy, InterviewMeta, NoteKind, ObjectKind, ShortId, Terminology};
use idiograph_text::{Layout, LayoutParams};
use serde_json::{json, Value as Json};

struct Args {
    workload: PathBuf,
    notes: usize,
    participants: usize,
    statements: usize,
    pets: usize,
    gets: usize,
    subthemes_per_get: usize,
    extracts: usize,
    journal: usize,
    report_runs: usize,
    json_out: Option<PathBuf>,
    dir: Option<PathBuf>,
    keep: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: bench_core --workload DIR [--notes N=100000] [--participants N=10 (1000 = one per document)]\n\
         \x20      [--statements N=2000] [--pets N=200] [--gets N=10] [--subthemes-per-get N=3] [--extracts N=1000]\n\
         \x20      [--journal N=50] [--report-runs N=3] [--json-out FILE] [--dir DIR (project location)] [--keep]"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        workload: PathBuf::new(),
        notes: 100_000,
        participants: 10,
        statements: 2_000,
        pets: 200,
        gets: 10,
        subthemes_per_get: 3,
        extracts: 1_000,
        journal: 50,
        report_runs: 3,
        json_out: None,
        dir: None,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        let num = |s: String| s.parse::<usize>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--workload" => a.workload = PathBuf::from(value()),
            "--notes" => a.notes = num(value()),
            "--participants" => a.participants = num(value()),
            "--statements" => a.statements = num(value()),
            "--pets" => a.pets = num(value()),
            "--gets" => a.gets = num(value()),
            "--subthemes-per-get" => a.subthemes_per_get = num(value()),
            "--extracts" => a.extracts = num(value()),
            "--journal" => a.journal = num(value()),
            "--report-runs" => a.report_runs = num(value()).max(1),
            "--json-out" => a.json_out = Some(PathBuf::from(value())),
            "--dir" => a.dir = Some(PathBuf::from(value())),
            "--keep" => a.keep = true,
            _ => usage(),
        }
    }
    if a.workload.as_os_str().is_empty() || a.participants == 0 {
        usage();
    }
    a
}

/// A value from /proc/self/status in kB (VmHWM: peak resident set; VmRSS: current).
fn proc_status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the next reading is the peak of one phase.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Small deterministic PRNG (xorshift64*), so runs place notes identically.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Timing of a phase of many single commands: count, wall time, p50/p95 latency.
struct Many {
    key: &'static str,
    what: String,
    lat: Vec<Duration>,
    wall: Duration,
}

impl Many {
    fn new(key: &'static str, what: String) -> Many {
        Many { key, what, lat: Vec::new(), wall: Duration::ZERO }
    }
    fn add(&mut self, d: Duration) {
        self.lat.push(d);
        self.wall += d;
    }
    fn json(&mut self) -> Json {
        self.lat.sort();
        json!({
            "key": self.key, "phase": self.what, "count": self.lat.len(), "wall_s": secs(self.wall),
            "lat_p50_ms": pct(&self.lat, 0.5), "lat_p95_ms": pct(&self.lat, 0.95),
            "lat_max_ms": pct(&self.lat, 1.0),
        })
    }
}

/// Participant turns of a text: (start, end) of the body after "Pnnn: ", from "\n\n"-separated paragraphs.
fn participant_turns(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for para in text.split("\n\n") {
        let start = pos;
        pos += para.len() + 2;
        let para_trim = para.trim_end();
        if para_trim.starts_with("Interviewer:") || para_trim.is_empty() {
            continue;
        }
        let body = para_trim.find(": ").map_or(0, |i| i + 2);
        if body < para_trim.len() {
            out.push((start + body, start + para_trim.len()));
        }
    }
    out
}

/// A span of 60–400 bytes starting at a word start inside one participant turn, ending at a word end.
fn random_span(text: &str, turns: &[(usize, usize)], rng: &mut Rng) -> (usize, usize) {
    let b = text.as_bytes();
    let (ts, te) = turns[rng.below(turns.len())];
    let mut s = ts + rng.below((te - ts) * 2 / 3);
    while s > ts && b[s - 1] != b' ' {
        s -= 1;
    }
    let mut e = (s + 60 + rng.below(341)).min(te);
    while e < te && b[e] != b' ' {
        e += 1;
    }
    (s, e)
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let mut phases: Vec<Json> = Vec::new();
    let mut table: Vec<(String, String, String, String)> = Vec::new(); // phase, count, result, target
    let t_all = Instant::now();

    // ---- 0. Read the workload into memory (not timed) ----
    // Only the plan's document order and highlights are needed; parse just those parts so the
    // benchmark's own memory stays small (the whole plan as a JSON tree is ~100 MB).
    let plan_text =
        std::fs::read_to_string(args.workload.join("plan.json")).expect("plan.json in the workload directory");
    let plan_order: Vec<String> = plan_text
        .split("\"filename\":")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next().map(str::to_owned))
        .collect();
    let highlights: Vec<(usize, usize, usize)> =
        match (plan_text.find("\"highlights\":"), plan_text.find("\"search_terms\":")) {
            (Some(a), Some(b)) if a < b => {
                let slice = plan_text[a + "\"highlights\":".len()..b].trim().trim_end_matches(',');
                let list: Json = serde_json::from_str(slice).unwrap_or(Json::Null);
                list.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| {
                        Some((
                            h["doc"].as_u64()? as usize,
                            h["raw_start"].as_u64()? as usize,
                            h["raw_end"].as_u64()? as usize,
                        ))
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
    drop(plan_text);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&args.workload)
        .expect("workload directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("interview_p") && n.ends_with(".txt"))
        .map(|n| {
            let bytes = std::fs::read(args.workload.join(&n)).expect("read transcript");
            (n, bytes)
        })
        .collect();
    // Plan order (p001 … p1000), so that plan.json's document indices match; else by name.
    let rank = |n: &String| plan_order.iter().position(|p| p == n).unwrap_or(usize::MAX);
    files.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let ndocs = files.len();
    assert!(ndocs > 0, "no interview_p*.txt files in {}", args.workload.display());
    let total_bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mb = total_bytes as f64 / 1e6;
    let nparts = args.participants.min(ndocs);
    let per_doc = nparts == ndocs;
    // Documents are dealt to participants in contiguous blocks (participant k gets docs k*n/P..).
    let owner_of = |d: usize| d * nparts / ndocs;
    let pseudonym = |k: usize| {
        if per_doc {
            // The speaker label inside the file, e.g. "P007".
            names[k].trim_start_matches("interview_").trim_end_matches(".txt").to_ascii_uppercase()
        } else {
            format!("Participant {:02}", k + 1)
        }
    };

    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new().prefix("idiograph-bench-").tempdir_in(&base).expect("tempdir");
    let project = tmp.path().join("bench.idiograph");
    eprintln!("workload: {ndocs} files, {mb:.1} MB; {nparts} participants; project file {}", project.display());

    // ---- 1. Create the project and participants ----
    let t = Instant::now();
    let wb = Workbench::create(&project, "Benchmark study", Terminology::Smith2022, "bench").await.expect("create");
    let create_s = secs(t.elapsed());
    let mut add_p = Many::new("participants", format!("add {nparts} participants (one command each)"));
    for k in 0..nparts {
        let interview = InterviewMeta {
            date: Some("2024-11-05".into()),
            mode: Some("video call".into()),
            duration_minutes: Some(60),
            interviewer: Some("AB".into()),
        };
        let attrs = vec![("age band".to_owned(), format!("{}-{}", 20 + 10 * (k % 5), 29 + 10 * (k % 5)))];
        let t = Instant::now();
        wb.add_participant(&pseudonym(k), &attrs, interview).await.expect("add participant");
        add_p.add(t.elapsed());
    }
    phases.push(json!({"key": "create", "phase": "create project", "count": 1, "wall_s": create_s}));
    phases.push(add_p.json());
    table.push((
        format!("create project + {nparts} participants"),
        nparts.to_string(),
        format!("{:.3} s (p50 {:.2} ms/participant)", create_s + secs(add_p.wall), pct(&add_p.lat, 0.5)),
        "—".into(),
    ));

    let options = ImportOptions::default();
    // Where import time goes: the pure CPU steps, run in isolation before the
    // app import (not part of its timing); the parsed texts are kept to place notes.
    let t = Instant::now();
    let parsed: Vec<_> = files.iter().map(|(n, b)| import_transcript(n, b, &options).expect("parse")).collect();
    let parse_s = secs(t.elapsed());
    let t = Instant::now();
    let layouts: Vec<Layout> = parsed.iter().map(|p| Layout::compute(&p.text, LayoutParams::default())).collect();
    let layout_s = secs(t.elapsed());
    let t = Instant::now();
    let hashes: Vec<String> = parsed.iter().map(|p| idiograph_store::content_hash(&p.text)).collect();
    let hash_s = secs(t.elapsed());
    let turns: usize = parsed.iter().map(|p| p.turns.len()).sum();
    let lines: usize = layouts.iter().map(|l| l.line_count() as usize).sum();
    drop((layouts, hashes));
    let same_text = parsed.iter().zip(&files).all(|(p, (_, b))| p.text.as_bytes() == &b[..]);
    let texts: Vec<String> = parsed.into_iter().map(|p| p.text).collect();

    // ---- 2. Import: one import_files call per participant ----
    let mut batches: Vec<Vec<(String, Vec<u8>)>> = vec![Vec::new(); nparts];
    for (d, f) in std::mem::take(&mut files).into_iter().enumerate() {
        batches[owner_of(d)].push(f);
    }
    let rss_before_import = proc_status_kb("VmRSS:");
    reset_peak();
    let mut imp = Many::new("import", format!("import {ndocs} files, one import_files call per participant"));
    let mut transcripts: Vec<(String, usize)> = Vec::with_capacity(ndocs); // (T-ref, owner)
    for (k, batch) in batches.into_iter().enumerate() {
        let t = Instant::now();
        let out = wb.import_files(&pseudonym(k), batch, &options).await.expect("import");
        imp.add(t.elapsed());
        assert!(out.refused.is_empty(), "refused: {:?}", out.refused);
        for f in out.imported {
            transcripts.push((f.transcript.short_id().to_string(), k));
        }
    }
    let rss_after_import = proc_status_kb("VmHWM:");
    let import_s = secs(imp.wall);
    let mut ij = imp.json();
    ij["mb"] = json!(mb);
    ij["mb_per_s"] = json!(mb / import_s);
    phases.push(ij);
    table.push((
        format!("import {ndocs} .txt files ({mb:.1} MB), {nparts} calls"),
        ndocs.to_string(),
        format!("{import_s:.2} s = {:.1} MB/s (p50 {:.1} ms/call)", mb / import_s, pct(&imp.lat, 0.5)),
        "≥ 50 MB/s".into(),
    ));

    phases.push(json!({
        "key": "import_breakdown", "phase": "CPU steps of import run in isolation (not in import wall_s)",
        "decode_normalise_speakers_s": parse_s, "layout_s": layout_s, "content_sha256_s": hash_s,
        "storage_and_rest_s": import_s - parse_s - layout_s - hash_s, "turns": turns, "lines": lines,
        "stored_text_equals_file": same_text,
    }));
    table.push((
        "  ↳ of which decode+normalise+speakers / layout / content hash".into(),
        String::new(),
        format!(
            "{parse_s:.2} s / {layout_s:.2} s / {hash_s:.2} s (rest, storage+audit: {:.2} s)",
            import_s - parse_s - layout_s - hash_s
        ),
        String::new(),
    ));

    // ---- 3. Exploratory notes: one add_notes batch ----
    // Spans: the plan's highlights (raw offsets, valid when the stored text equals the file),
    // then random word-aligned spans inside participant turns, spread evenly over transcripts.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // The stored versions, whose texts targets are checked against (the parsed texts, stored).
    let mut versions = Vec::with_capacity(ndocs);
    for (tref, _) in &transcripts {
        versions.push(wb.transcript(tref).await.expect("transcript").1);
    }
    drop(texts);
    let texts: Vec<&str> = versions.iter().map(|v| v.text.as_str()).collect();
    let turn_spans: Vec<Vec<(usize, usize)>> = texts.iter().map(|t| participant_turns(t)).collect();
    let mut per_doc_spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); ndocs];
    let mut from_plan = 0;
    if same_text {
        for &(d, s, e) in &highlights {
            if d < ndocs && e <= texts[d].len() && s < e && texts[d].is_char_boundary(s) && texts[d].is_char_boundary(e)
            {
                per_doc_spans[d].push((s, e));
                from_plan += 1;
            }
        }
    }
    let kinds = [NoteKind::Descriptive, NoteKind::Linguistic, NoteKind::Conceptual, NoteKind::Free];
    let kind_words = ["Descriptive", "Linguistic", "Conceptual", "Free"];
    let mut notes: Vec<(Target, NoteKind, String)> = Vec::with_capacity(args.notes);
    let mut note_doc: Vec<usize> = Vec::with_capacity(args.notes);
    let mut used = vec![0usize; ndocs];
    for i in 0..args.notes {
        let d = i % ndocs;
        let (s, e) = match per_doc_spans[d].get(used[d]) {
            Some(span) => *span,
            None => random_span(texts[d], &turn_spans[d], &mut rng),
        };
        used[d] += 1;
        let k = i % 4;
        let text = format!(
            "{} comment {i}: the participant returns to this again; note the repetition and what it may mean for them.",
            kind_words[k]
        );
        notes.push((Target::from_bytes(&versions[d], s, e).expect("a span on char boundaries"), kinds[k], text));
        note_doc.push(d);
    }
    reset_peak();
    let t = Instant::now();
    let n = wb.add_notes(&notes).await.expect("add notes");
    let notes_s = secs(t.elapsed());
    assert_eq!(n, args.notes);
    let rss_after_notes = proc_status_kb("VmHWM:");
    phases.push(json!({
        "key": "notes", "phase": "add_notes: one batch command", "count": n, "wall_s": notes_s,
        "per_note_us": notes_s * 1e6 / n.max(1) as f64, "spans_from_plan": from_plan.min(n),
    }));
    table.push((
        format!("add {n} notes in one add_notes batch"),
        n.to_string(),
        format!("{notes_s:.2} s ({:.0} µs/note, {:.0} notes/s)", notes_s * 1e6 / n.max(1) as f64, n as f64 / notes_s),
        "—".into(),
    ));

    // ---- 4. Theme structure through single commands ----
    // Statements: spread evenly over transcripts, each on a note's passage and developed from that note.
    let mut st = Many::new("statements", format!("add {} statements (one command each)", args.statements));
    let mut statements: Vec<(String, usize, usize)> = Vec::new(); // (S-ref, owner, note index)
    for j in 0..args.statements {
        // Note j lies on document j % ndocs (notes are dealt round robin), a different note per round.
        if j >= notes.len() {
            break;
        }
        let idx = j;
        let (target, _, _) = &notes[idx];
        let owner = transcripts[note_doc[idx]].1;
        let text = format!("Statement {j}: feeling left to cope alone with services that do not listen");
        // Notes were made in one batch, numbered from 1 in order.
        let from = vec![ShortId::new(ObjectKind::Note, idx as u32 + 1).to_string()];
        let t = Instant::now();
        let s = wb.add_statement(target, &text, &from).await.expect("add statement");
        st.add(t.elapsed());
        statements.push((s.short_id().to_string(), owner, idx));
    }
    // PETs: per participant, evenly; with more participants than PETs the first ones get one each.
    let mut th = Many::new("themes", String::new());
    let mut pets: Vec<(String, usize)> = Vec::new(); // (TH-ref, owner)
    for j in 0..args.pets {
        let owner = j % nparts;
        let t = Instant::now();
        let p = wb
            .add_theme(
                Some(&pseudonym(owner)),
                None,
                &format!("PET {j}: being on one's own"),
                Some("A personal theme."),
            )
            .await
            .expect("add PET");
        th.add(t.elapsed());
        pets.push((p.short_id().to_string(), owner));
    }
    // GETs with sub-themes.
    let mut get_leaves: Vec<String> = Vec::new();
    let mut gets: Vec<String> = Vec::new();
    for g in 0..args.gets {
        let t = Instant::now();
        let get = wb
            .add_theme(None, None, &format!("GET {g}: navigating help"), Some("A group theme."))
            .await
            .expect("add GET");
        th.add(t.elapsed());
        let gref = get.short_id().to_string();
        for s in 0..args.subthemes_per_get {
            let t = Instant::now();
            let sub =
                wb.add_theme(None, Some(&gref), &format!("Sub-theme {g}.{s}"), None).await.expect("add sub-theme");
            th.add(t.elapsed());
            get_leaves.push(sub.short_id().to_string());
        }
        if args.subthemes_per_get == 0 {
            get_leaves.push(gref.clone());
        }
        gets.push(gref);
    }
    let nthemes = th.lat.len();
    th.what = format!("add {nthemes} themes ({} PETs, {} GETs + sub-themes)", pets.len(), gets.len());
    // Assign each statement to a PET of its participant (round robin), each PET to a GET leaf.
    let mut pets_of: HashMap<usize, Vec<&String>> = HashMap::new();
    for (p, owner) in &pets {
        pets_of.entry(*owner).or_default().push(p);
    }
    let mut asg = Many::new("assign", String::new());
    let mut count_of: HashMap<usize, usize> = HashMap::new();
    for (sref, owner, _) in &statements {
        let Some(list) = pets_of.get(owner) else { continue };
        let c = count_of.entry(*owner).or_default();
        let pet = list[*c % list.len()];
        *c += 1;
        let t = Instant::now();
        wb.assign(pet, &MemberRef::Statement(sref.clone()), Some(GroupingStrategy::Abstraction), None, None)
            .await
            .expect("assign statement");
        asg.add(t.elapsed());
    }
    let assigned_statements = asg.lat.len();
    if !get_leaves.is_empty() {
        for (i, (pet, _)) in pets.iter().enumerate() {
            let leaf = &get_leaves[i % get_leaves.len()];
            let t = Instant::now();
            wb.assign(
                leaf,
                &MemberRef::Theme(pet.clone()),
                Some(GroupingStrategy::Subsumption),
                Some("shared pattern"),
                None,
            )
            .await
            .expect("assign PET");
            asg.add(t.elapsed());
        }
    }
    asg.what = format!(
        "{} assignments ({assigned_statements} statements→PET, {} PET→GET)",
        asg.lat.len(),
        asg.lat.len() - assigned_statements
    );
    // Extracts: half on PETs (a passage of the PET's own participant), half on GET sub-themes.
    let mut ex = Many::new("extracts", format!("add {} extracts (one command each)", args.extracts));
    let docs_of: Vec<Vec<usize>> = {
        let mut v = vec![Vec::new(); nparts];
        for d in 0..ndocs {
            v[owner_of(d)].push(d);
        }
        v
    };
    for j in 0..args.extracts {
        let (theme, owner) = if j % 2 == 0 && !pets.is_empty() {
            let (p, o) = &pets[(j / 2) % pets.len()];
            (p.clone(), *o)
        } else if !get_leaves.is_empty() {
            (get_leaves[(j / 2) % get_leaves.len()].clone(), (j * 7) % nparts)
        } else {
            break;
        };
        let d = docs_of[owner][j % docs_of[owner].len()];
        let (s, e) = random_span(texts[d], &turn_spans[d], &mut rng);
        let target = Target::from_bytes(&versions[d], s, e).expect("a span on char boundaries");
        let t = Instant::now();
        wb.add_extract(&theme, &target).await.expect("add extract");
        ex.add(t.elapsed());
    }
    let mut jr = Many::new("journal", format!("add {} journal entries", args.journal));
    for j in 0..args.journal {
        let about = if j % 2 == 0 && !gets.is_empty() { Some(gets[j % gets.len()].as_str()) } else { None };
        let t = Instant::now();
        wb.add_journal(&format!("Journal {j}: I notice my own assumptions about services here."), about)
            .await
            .expect("journal");
        jr.add(t.elapsed());
    }
    for m in [&mut st, &mut th, &mut asg, &mut ex, &mut jr] {
        if m.lat.is_empty() {
            continue;
        }
        let j = m.json();
        table.push((
            m.what.clone(),
            m.lat.len().to_string(),
            format!(
                "{:.2} s (p50 {:.2} ms, p95 {:.2} ms per command)",
                secs(m.wall),
                pct(&m.lat, 0.5),
                pct(&m.lat, 0.95)
            ),
            "≤ 1.5 ms/durable write".into(),
        ));
        phases.push(j);
    }

    // ---- 5. Queries: snapshot, recurrence, reports ----
    let mut snap_times = Vec::new();
    let mut rec_times = Vec::new();
    let mut snapshot = None;
    for _ in 0..args.report_runs {
        let t = Instant::now();
        let s = wb.snapshot().await.expect("snapshot");
        snap_times.push(t.elapsed());
        let t = Instant::now();
        let r = s.recurrence();
        rec_times.push(t.elapsed());
        std::hint::black_box(&r);
        snapshot = Some((s, r));
    }
    let (snap, rec) = snapshot.expect("at least one run");
    let rows = rec.rows.len();
    let contributors: usize = rec.rows.iter().map(|r| r.contributors).sum();
    let med = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let first = |v: &Vec<Duration>| v[0].as_secs_f64();
    let snap_first = first(&snap_times);
    let rec_first = first(&rec_times);
    let (snap_med, rec_med) = (med(&mut snap_times), med(&mut rec_times));
    phases.push(json!({
        "key": "snapshot", "phase": "Workbench::snapshot (whole study but notes, incl. all transcript texts)",
        "runs": args.report_runs, "first_s": snap_first, "median_s": snap_med,
        "versions": snap.versions.len(), "statements": snap.statements.len(), "themes": snap.themes.len(),
        "assignments": snap.assignments.len(), "extracts": snap.extracts.len(),
    }));
    phases.push(json!({
        "key": "recurrence", "phase": "Snapshot::recurrence (compute only)", "runs": args.report_runs,
        "first_s": rec_first, "median_s": rec_med, "rows": rows, "columns": rec.participants.len(),
        "contributions": contributors,
    }));
    table.push((
        format!("snapshot() load ({} versions, {} themes)", snap.versions.len(), snap.themes.len()),
        "1".into(),
        format!("{snap_med:.3} s (first {snap_first:.3} s)"),
        "< 1 s with compute".into(),
    ));
    table.push((
        format!("recurrence() compute ({rows} rows × {} participants)", rec.participants.len()),
        "1".into(),
        format!("{:.2} ms (first {:.2} ms)", rec_med * 1e3, rec_first * 1e3),
        "< 1 s with load".into(),
    ));
    table.push((
        "recurrence total = snapshot + compute".into(),
        "1".into(),
        format!("{:.3} s", snap_med + rec_med),
        "< 1 s".into(),
    ));
    drop((snap, rec));

    for (format, key, name) in
        [(ExportFormat::Markdown, "report_md", "Markdown"), (ExportFormat::Html, "report_html", "HTML")]
    {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..args.report_runs {
            let t = Instant::now();
            let out = wb.export(format, false).await.expect("report");
            times.push(t.elapsed());
            size = out.len();
        }
        let f = first(&times);
        let m = med(&mut times);
        phases.push(json!({
            "key": key, "phase": format!("Workbench::export({name}) incl. its snapshot"), "runs": args.report_runs,
            "first_s": f, "median_s": m, "bytes": size,
            "excluding_snapshot_s": (m - snap_med).max(0.0),
        }));
        table.push((
            format!("full {name} report ({:.1} MB)", size as f64 / 1e6),
            "1".into(),
            format!("{m:.3} s (first {f:.3} s; ≈ {:.3} s beyond snapshot)", (m - snap_med).max(0.0)),
            "< 1 s".into(),
        ));
    }

    // Reading notes back, as the transcript view does.
    let t = Instant::now();
    let one = wb.notes(Some(&transcripts[0].0)).await.expect("notes of one transcript");
    let notes_one_s = secs(t.elapsed());
    let t = Instant::now();
    let all = wb.notes(None).await.expect("all notes");
    let notes_all_s = secs(t.elapsed());
    phases.push(json!({"key": "notes_one", "phase": "notes(T1)", "count": one.len(), "wall_s": notes_one_s}));
    phases.push(
        json!({"key": "notes_all", "phase": "notes(None): every note", "count": all.len(), "wall_s": notes_all_s}),
    );
    table.push((
        format!("read the notes of one transcript ({})", one.len()),
        "1".into(),
        format!("{:.1} ms", notes_one_s * 1e3),
        "—".into(),
    ));
    table.push((format!("read all notes ({})", all.len()), "1".into(), format!("{notes_all_s:.2} s"), "—".into()));
    drop((one, all));

    // The floor under every command: one trivial query through the pool (history of 1 event).
    let probes = 2_000;
    let t = Instant::now();
    for _ in 0..probes {
        std::hint::black_box(wb.history(1).await.expect("history"));
    }
    let probe_us = secs(t.elapsed()) * 1e6 / probes as f64;
    phases.push(json!({"key": "query_floor", "phase": "history(1): one small query round trip", "count": probes, "per_call_us": probe_us}));
    table.push((
        "one trivial query round trip (history(1)), mean".into(),
        probes.to_string(),
        format!("{probe_us:.0} µs"),
        "—".into(),
    ));

    // ---- 6. Size and memory ----
    let size_of = |suffix: &str| std::fs::metadata(format!("{}{suffix}", project.display())).map_or(0, |m| m.len());
    let (db_bytes, wal_bytes) = (size_of(""), size_of("-wal"));
    let file_bytes = db_bytes + wal_bytes + size_of("-shm");
    let peak_kb = proc_status_kb("VmHWM:");
    let total_s = secs(t_all.elapsed());
    table.push((
        "project file on disk: db + wal".into(),
        String::new(),
        format!("{:.0} MB + {:.0} MB", db_bytes as f64 / 1e6, wal_bytes as f64 / 1e6),
        "—".into(),
    ));
    table.push((
        "RSS before import (workload held by the benchmark) / peak during import / during notes / process peak since notes".into(),
        String::new(),
        format!(
            "{:.0} / {:.0} / {:.0} / {:.0} MB",
            rss_before_import as f64 / 1024.0,
            rss_after_import as f64 / 1024.0,
            rss_after_notes as f64 / 1024.0,
            peak_kb as f64 / 1024.0
        ),
        "—".into(),
    ));
    table.push((
        "whole benchmark (incl. untimed preparation)".into(),
        String::new(),
        format!("{total_s:.1} s"),
        "< 5 min".into(),
    ));

    println!("| phase | count | result | target |\n|---|---:|---|---|");
    for (p, c, r, t) in &table {
        println!("| {p} | {c} | {r} | {t} |");
    }
    let result = json!({
        "label": "idiograph-core",
        "params": {
            "workload": args.workload.display().to_string(), "docs": ndocs, "bytes": total_bytes,
            "participants": nparts, "notes": args.notes, "statements": args.statements, "pets": args.pets,
            "gets": args.gets, "subthemes_per_get": args.subthemes_per_get, "extracts": args.extracts,
            "journal": args.journal, "project_dir": base.display().to_string(),
        },
        "phases": phases,
        "project_file_bytes": file_bytes,
        "project_db_bytes": db_bytes,
        "project_wal_bytes": wal_bytes,
        "rss_kb_before_import": rss_before_import,
        "peak_rss_kb_after_import": rss_after_import,
        "peak_rss_kb_after_notes": rss_after_notes,
        "peak_rss_kb_since_notes": peak_kb,
        "peak_rss_kb": peak_kb.max(rss_after_import).max(rss_after_notes),
        "total_s": total_s,
    });
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&result).expect("json")).expect("write --json-out");
        eprintln!("wrote {}", path.display());
    }
    wb.close().await;
    if args.keep {
        let kept = tmp.keep();
        eprintln!("kept project in {}", kept.display());
    }
}
