//! Importer tests on the real transcripts of the shared corpus.
//!
//! The corpus lives in `$IDIOGRAPH_SHARED` or else `../../../shared` from this crate. When it is
//! absent the tests print a note and pass, except under `CI=true`, where they fail so that a
//! broken checkout cannot pass silently.
//!
//! Expected counts were taken with grep on the files, independently of the importer; each
//! assertion says which command.

use idiograph_formats::{import_transcript, ImportOptions, ImportedTranscript};
use idiograph_testkit::shared_dir;
use std::path::PathBuf;

/// Reads and imports a corpus file, or `None` when the corpus is absent outside CI.
fn import_corpus_file(relative: &str) -> Option<ImportedTranscript> {
    let path = shared_dir()?.join(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(relative);
    Some(import_transcript(name, &bytes, &ImportOptions::default()).unwrap())
}

fn labels(t: &ImportedTranscript) -> Vec<&str> {
    t.turns.iter().map(|turn| turn.label.as_deref().unwrap()).collect()
}

fn count_label(t: &ImportedTranscript, label: &str) -> usize {
    labels(t).iter().filter(|&&l| l == label).count()
}

/// Checks what every import must satisfy: valid spans, in order, label inside its turn.
fn assert_well_formed(t: &ImportedTranscript) {
    let mut previous_end = 0;
    for turn in &t.turns {
        let span = turn.span;
        assert!(span.start().to_usize() >= previous_end);
        assert!(t.text.get(span.start().to_usize()..span.end().to_usize()).is_some());
        assert!(span.contains_span(turn.label_span.unwrap()));
        assert_eq!(turn.label_span.unwrap().slice(&t.text), turn.label.as_deref().unwrap());
        assert_eq!(span.slice(&t.text).trim_end(), span.slice(&t.text));
        previous_end = span.end().to_usize();
    }
}

#[test]
fn pdpilot_p1_colon_labels() {
    let Some(t) = import_corpus_file("corpus/pdpilot-user-study-interviews/txt/P1.txt") else { return };
    assert_well_formed(&t);
    // grep -c '^Dan: ' P1.txt → 47; grep -c '^Participant: ' P1.txt → 47
    assert_eq!(t.turns.len(), 94);
    assert_eq!(count_label(&t, "Dan"), 47);
    assert_eq!(count_label(&t, "Participant"), 47);
    assert_eq!(labels(&t)[..2], ["Dan", "Participant"]);
    assert!(t.turns[0].span.slice(&t.text).starts_with("Dan: Okay. So now you can stop sharing"));
    assert!(t.turns.iter().all(|turn| turn.timestamp.is_none()));
    assert_eq!(t.provenance.encoding, "utf-8");
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn pdpilot_all_participants() {
    // grep -c '^Dan: ' and grep -c '^Participant: ' per file.
    for (file, dan, participant) in [("P2", 81, 84), ("P3", 61, 61), ("P4", 55, 56), ("P5", 68, 67)] {
        let Some(t) = import_corpus_file(&format!("corpus/pdpilot-user-study-interviews/txt/{file}.txt")) else {
            return;
        };
        assert_well_formed(&t);
        assert_eq!((count_label(&t, "Dan"), count_label(&t, "Participant")), (dan, participant), "{file}");
        assert_eq!(t.turns.len(), dan + participant, "{file}");
    }
}

#[test]
fn changelog_bold_labels() {
    let Some(t) = import_corpus_file("corpus/changelog-podcast-interviews/brain-science-1.md") else { return };
    assert_well_formed(&t);
    // grep -c '^\*\*' brain-science-1.md → 125, of which `grep -o '^\*\*[^*]*\*\*' | sort | uniq -c`
    // gives 62 "**Adam Stacoviak:**" and 63 "**Mireille B. Reece, Psy.D:**".
    assert_eq!(t.turns.len(), 125);
    assert_eq!(count_label(&t, "Adam Stacoviak"), 62);
    assert_eq!(count_label(&t, "Mireille B. Reece, Psy.D"), 63);
    assert_eq!(labels(&t)[0], "Mireille B. Reece, Psy.D");
    // grep -cP '^\*\*[^*]*\*\* \\\[\d\d:\d\d\\\]' brain-science-1.md → 8 turns open with \[MM:SS\].
    let stamped: Vec<&str> = t.turns.iter().filter_map(|turn| turn.timestamp.as_deref()).collect();
    assert_eq!(stamped.len(), 8);
    assert!(stamped.contains(&"04:06"));
    // Continuation paragraphs (grep -v '^\*\*' | grep -v '^$') stay inside turns.
    assert!(t.turns[0].span.slice(&t.text).contains("\n\nOne of those, I would say"));
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn changelog_all_episodes() {
    // Turns = grep -c '^\*\*' per file, less the "**Break:** \[MM:SS\]" section markers
    // (grep -cE '^\*\*[^*]*\*\* *\\\[[0-9:.]*\\\] *$'), which are not speakers.
    for (file, expected) in [
        ("away-from-keyboard-2", 30),
        ("away-from-keyboard-3", 36),
        ("away-from-keyboard-7", 28),
        ("away-from-keyboard-8", 75),
        ("brain-science-25", 401),
        ("founders-talk-55", 102),
        ("founders-talk-65", 194),
        ("founders-talk-7", 97),
    ] {
        let Some(t) = import_corpus_file(&format!("corpus/changelog-podcast-interviews/{file}.md")) else { return };
        assert_well_formed(&t);
        assert_eq!(t.turns.len(), expected, "{file}");
        assert!(t.diagnostics.is_empty(), "{file}: {:?}", t.diagnostics);
    }
}

#[test]
fn qualcoder_bracket_ids() {
    let Some(t) = import_corpus_file("corpus/qualcoder-examples/transcript.txt") else { return };
    assert_well_formed(&t);
    // grep -o '^\[id[0-9]*\]' transcript.txt → [id1] [id2] [id3] [id1] [id3] [id1] [id2]
    assert_eq!(labels(&t), ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]);
    assert!(t.turns[0].span.slice(&t.text).starts_with("[id1] hello, I like the course."));
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn zoom_saved_transcript() {
    let Some(t) = import_corpus_file("corpus/zoom-transcript-sample/zoom-saved-transcript_input_example.txt") else {
        return;
    };
    assert_well_formed(&t);
    // grep -c '^\[' → 12 "[Name] HH:MM:SS" header lines: 6 "[Johnny Doe]" and 6 "[Janet Dough]",
    // alternating except for two runs (grep -o '^\[[^]]*\]').
    assert_eq!(t.turns.len(), 12);
    assert_eq!(count_label(&t, "Johnny Doe"), 6);
    assert_eq!(count_label(&t, "Janet Dough"), 6);
    assert_eq!(t.turns[0].timestamp.as_deref(), Some("11:02:09"));
    assert_eq!(t.turns[11].timestamp.as_deref(), Some("11:02:44"));
    assert_eq!(t.turns[0].span.slice(&t.text), "[Johnny Doe] 11:02:09\nHow you doing?");
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_imports_with_its_turns() {
    let Some(shared) = shared_dir() else { return };
    // (path under corpus/, turn count, the distinct labels in order of first appearance).
    // Distinct labels: `grep -o '^\*\*[^*]*\*\*' f.md | awk '!s[$0]++'` for the podcasts.
    // Transcripts: counts by grep as in the tests above (`grep -c '^Dan: '`, `grep -c '^\*\*'`,
    // `grep -c '^\['`). The .pdf counts come from the importer and are tied to the .txt by
    // `pdf_and_text_versions_agree` (same turns once the pypdf artefacts of the .txt are removed).
    // ID1.docx and ID2.odt are prose without speaker labels (three paragraphs each).
    // The LICENSE/SOURCES/README files are not transcripts: they must import; their counts of
    // 'Heading:' lines taken as labels are the importer's, recorded so a change is noticed.
    let expected: &[(&str, usize, &[&str])] = &[
        ("changelog-podcast-interviews/LICENSE-CC-BY-SA-4.0.txt", 6, &[]),
        ("changelog-podcast-interviews/SOURCES.md", 5, &[]),
        ("changelog-podcast-interviews/away-from-keyboard-2.md", 30, &["Tim Smith", "Justin Jackson"]),
        ("changelog-podcast-interviews/away-from-keyboard-3.md", 36, &["Tim Smith", "Ashley Baxter"]),
        ("changelog-podcast-interviews/away-from-keyboard-7.md", 28, &["Tim Smith", "Suz Hinton"]),
        ("changelog-podcast-interviews/away-from-keyboard-8.md", 75, &["Tim Smith", "Eryn O'Neil"]),
        ("changelog-podcast-interviews/brain-science-1.md", 125, &["Mireille B. Reece, Psy.D", "Adam Stacoviak"]),
        (
            "changelog-podcast-interviews/brain-science-25.md",
            401,
            &["Mireille Reece, PsyD", "Danielle Rath", "Adam Stacoviak"],
        ),
        ("changelog-podcast-interviews/founders-talk-55.md", 102, &["Adam Stacoviak", "Bryan Helmig"]),
        ("changelog-podcast-interviews/founders-talk-65.md", 194, &["Adam Stacoviak", "Saron Yitbarek"]),
        ("changelog-podcast-interviews/founders-talk-7.md", 97, &["Adam Stacoviak", "Henk Rogers"]),
        ("pdpilot-user-study-interviews/LICENSE-BSD-3-Clause.txt", 0, &[]),
        ("pdpilot-user-study-interviews/ORIGINAL-README.md", 0, &[]),
        ("pdpilot-user-study-interviews/SOURCES.md", 6, &[]),
        ("pdpilot-user-study-interviews/pdf/P1.pdf", 94, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/pdf/P2.pdf", 165, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/pdf/P3.pdf", 121, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/pdf/P4.pdf", 109, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/pdf/P5.pdf", 134, &["Dan", "Participant", "Particpant"]),
        ("pdpilot-user-study-interviews/txt/P1.txt", 94, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/txt/P2.txt", 165, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/txt/P3.txt", 122, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/txt/P4.txt", 111, &["Dan", "Participant"]),
        ("pdpilot-user-study-interviews/txt/P5.txt", 135, &["Dan", "Participant"]),
        ("qualcoder-examples/ID1.docx", 0, &[]),
        ("qualcoder-examples/ID2.odt", 0, &[]),
        ("qualcoder-examples/SOURCES.md", 2, &[]),
        ("qualcoder-examples/transcript.txt", 7, &["id1", "id2", "id3"]),
        ("synthetic-interview-audio/SOURCES.md", 0, &[]),
        ("zoom-transcript-sample/LICENSE-MIT.txt", 0, &[]),
        ("zoom-transcript-sample/SOURCES.md", 3, &[]),
        ("zoom-transcript-sample/zoom-saved-transcript_input_example.txt", 12, &["Johnny Doe", "Janet Dough"]),
    ];
    let corpus = shared.join("corpus");
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    let importable: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "md" | "pdf" | "docx" | "odt")))
        .collect();
    let listed: Vec<String> = expected.iter().map(|(p, _, _)| (*p).to_owned()).collect();
    let found: Vec<String> =
        importable.iter().map(|p| p.strip_prefix(&corpus).unwrap().to_string_lossy().replace('\\', "/")).collect();
    assert_eq!(found, listed, "every corpus file has an expectation");
    for ((relative, turns, distinct), path) in expected.iter().zip(&importable) {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let t = import_transcript(name, &bytes, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{relative} does not import: {e}"));
        assert_well_formed(&t);
        assert_eq!(t.turns.len(), *turns, "{relative}");
        if !distinct.is_empty() {
            let mut seen: Vec<&str> = Vec::new();
            for label in labels(&t) {
                if !seen.contains(&label) {
                    seen.push(label);
                }
            }
            assert_eq!(seen, *distinct, "{relative}");
        }
    }
}

#[test]
fn word_and_opendocument_samples_keep_their_paragraphs_but_not_their_metadata() {
    let Some(docx) = import_corpus_file("corpus/qualcoder-examples/ID1.docx") else { return };
    let Some(odt) = import_corpus_file("corpus/qualcoder-examples/ID2.odt") else { return };
    // unzip -p ID1.docx word/document.xml: three non-empty w:p, the third ending "€200.".
    assert_eq!(docx.text.split("\n\n").count(), 3);
    assert!(docx.text.starts_with("I really like learning new things."));
    assert!(docx.text.ends_with("I'm happy to pay €200."));
    assert!(docx.text.contains("like a duck to water for me - no problem at all."));
    // unzip -p ID2.odt content.xml: three text:p, the last "The course cost €200.00 …".
    assert_eq!(odt.text.split("\n\n").count(), 3);
    assert!(odt.text.ends_with("The course cost €200.00 and I do not want to waste my money."));
    for t in [&docx, &odt] {
        let messages: Vec<&str> = t.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"document metadata (author, company) was not imported"), "{messages:?}");
    }
    // `unzip -p ID1.docx docProps/core.xml`: creator "colin-2", lastModifiedBy "Colin Curtain";
    // `unzip -p ID2.odt meta.xml`: initial-creator "colin-2". None of it reaches the text.
    for t in [&docx, &odt] {
        assert!(!t.text.contains("colin") && !t.text.contains("Colin"));
    }
}

/// Normalised-whitespace text of each turn.
fn turn_texts(t: &ImportedTranscript) -> Vec<String> {
    t.turns.iter().map(|turn| turn.span.slice(&t.text).split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Dice coefficient of the two texts' word multisets: 2·|A ∩ B| / (|A| + |B|), 1.0 when equal.
fn word_similarity(a: &str, b: &str) -> f64 {
    let mut counts: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let (mut na, mut nb) = (0i64, 0i64);
    for w in a.split_whitespace() {
        *counts.entry(w).or_default() += 1;
        na += 1;
    }
    let mut common = 0;
    for w in b.split_whitespace() {
        nb += 1;
        if let Some(n) = counts.get_mut(w) {
            if *n > 0 {
                *n -= 1;
                common += 1;
            }
        }
    }
    if na + nb == 0 {
        1.0
    } else {
        2.0 * common as f64 / (na + nb) as f64
    }
}

/// The PDF (MAXQDA export) and the text derived from it import to the same turns.
///
/// The .txt files were extracted from these PDFs with pypdf (see SOURCES.md), which reads text
/// the PDF clips away: where a turn crosses a page break the PDF draws its first line at the
/// foot of one page and the whole turn again, clipped, on the next, so the .txt holds a
/// truncated copy of the turn just before the full one (P3: 1, P4: 2, P5: 2; found with a
/// script listing .txt paragraphs that are a prefix of the next one). And in P5, pypdf joined
/// MAXQDA paragraph "Particpant: Right." (a typo in the source) to the end of the turn before.
/// The importer shows what the PDF shows; the test removes those pypdf artefacts from the .txt
/// side and then requires: the same number of turns with the same labels in the same order,
/// every turn's text identical after whitespace normalisation in at least 98% of turns, and a
/// whole-text word similarity (Dice on word multisets, see `word_similarity`) of at least 0.98.
#[test]
fn pdf_and_text_versions_agree() {
    for n in 1..=5 {
        let Some(pdf) = import_corpus_file(&format!("corpus/pdpilot-user-study-interviews/pdf/P{n}.pdf")) else {
            return;
        };
        let Some(txt) = import_corpus_file(&format!("corpus/pdpilot-user-study-interviews/txt/P{n}.txt")) else {
            return;
        };
        let mut txt_turns: Vec<(String, String)> =
            labels(&txt).into_iter().map(str::to_owned).zip(turn_texts(&txt)).collect();
        // Drop truncated copies: a turn whose text is a proper prefix of the next turn's.
        let mut dropped = 0;
        let mut i = 0;
        while i + 1 < txt_turns.len() {
            if txt_turns[i + 1].1.starts_with(&txt_turns[i].1) && txt_turns[i + 1].1 != txt_turns[i].1 {
                txt_turns.remove(i);
                dropped += 1;
            } else {
                i += 1;
            }
        }
        assert_eq!(dropped, [0, 0, 1, 2, 2][n - 1], "P{n}: pypdf duplicates");
        // Split the joined "… Particpant: Right." back out of the turn before it (P5 only).
        let mut split = 0;
        let mut k = 0;
        while k < txt_turns.len() {
            if let Some(at) = txt_turns[k].1.find(" Particpant: ") {
                let tail = txt_turns[k].1.split_off(at + 1);
                txt_turns[k].1.pop();
                txt_turns.insert(k + 1, ("Particpant".to_owned(), tail));
                split += 1;
            }
            k += 1;
        }
        assert_eq!(split, usize::from(n == 5), "P{n}: joined paragraphs");

        let pdf_turns: Vec<(String, String)> =
            labels(&pdf).into_iter().map(str::to_owned).zip(turn_texts(&pdf)).collect();
        assert_eq!(pdf_turns.len(), txt_turns.len(), "P{n}: turn count");
        let pdf_labels: Vec<&str> = pdf_turns.iter().map(|(l, _)| l.as_str()).collect();
        let txt_labels: Vec<&str> = txt_turns.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(pdf_labels, txt_labels, "P{n}: labels");
        let same = pdf_turns.iter().zip(&txt_turns).filter(|(a, b)| a.1 == b.1).count();
        assert!(same * 100 >= pdf_turns.len() * 98, "P{n}: {same} of {} turns identical", pdf_turns.len());
        let similarity = word_similarity(&pdf.text, &txt.text);
        assert!(similarity >= 0.98, "P{n}: similarity {similarity}");
        // Headers, page numbers ("1/5") and margin numbers are gone.
        assert!(!pdf
            .text
            .lines()
            .any(|l| !l.trim().is_empty() && l.trim().chars().all(|c| c.is_ascii_digit() || c == '/')));
    }
}
