//! Export and import of 1,000 transcripts × 60 KB with 20 coded selections each.
//!
//! `cargo run --release -p idiograph-refi --example bench_refi [SOURCES]`

use std::time::Instant;

use idiograph_refi::*;

fn guid(kind: u32, n: u32) -> String {
    format!("{kind:08X}-0000-4000-8000-{n:012X}")
}

fn main() {
    let sources: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut p = RefiProject::new("bench");
    p.origin = Some("Idiograph bench".into());
    for c in 0..50 {
        p.codes.push(RefiCode::new(guid(1, c), format!("code {c}")));
    }
    let words = [
        "I", "felt", "home", "the", "ward", "café", "naïve", "honestly", "and", "then", "we", "were", "kind", "🙂",
        "mother", "school", "years", "later", "because", "never", "always", "strange", "quiet", "loud", "work",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut n = 0u32;
    for s in 0..sources {
        let mut text = String::with_capacity(61_000);
        while text.len() < 60_000 {
            text.push_str(if next() % 2 == 0 { "Interviewer: " } else { "Participant: Honestly, it felt like home. " });
            for _ in 0..(20 + next() % 40) {
                text.push_str(words[(next() % words.len() as u64) as usize]);
                text.push(' ');
            }
            text.push_str(".\n");
        }
        let mut source = RefiSource::new(guid(2, s), format!("Transcript {s}"), &text);
        let text = source.text.clone().unwrap_or_default();
        let starts: Vec<usize> = text.match_indices("Honestly").map(|(i, _)| i).collect();
        for k in 0..20usize {
            let at = starts[k * starts.len() / 20];
            let span = Span::new(&text, at, at + "Honestly, it felt like home".len()).expect("span");
            let mut sel = RefiSelection::new(guid(3, n), span);
            sel.codings.push(RefiCoding::new(guid(4, n), guid(1, n % 50)));
            n += 1;
            source.selections.push(sel);
        }
        p.sources.push(source);
    }
    let bytes_in: usize = p.sources.iter().map(|s| s.text.as_ref().map_or(0, String::len)).sum();

    let t = Instant::now();
    let qdpx = write_qdpx(&p).expect("export");
    let export = t.elapsed();
    let t = Instant::now();
    let (back, diags) = read_qdpx(&qdpx, "bench.qdpx").expect("import");
    let import = t.elapsed();
    assert_eq!(back.counts(), p.counts());
    assert_eq!(
        back.sources[sources as usize - 1].selections[19].span,
        p.sources[sources as usize - 1].selections[19].span
    );
    println!(
        "{sources} sources, {:.1} MB of text, {} selections: export {:.3} s ({:.1} MB .qdpx), import {:.3} s ({} diagnostics)",
        bytes_in as f64 / 1e6,
        n,
        export.as_secs_f64(),
        qdpx.len() as f64 / 1e6,
        import.as_secs_f64(),
        diags.len()
    );
}
