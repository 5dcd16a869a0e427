//! Importer tests on the real transcripts of the shared corpus.
//!
//! The corpus lives in `$IDIOGRAPH_SHARED` or else `../../../shared` from this crate. When it is
//! absent the tests print a note and pass, except under `CI=true`, where they fail so that a
//! broken checkout cannot pass silently.
//!
//! Expected counts were taken with grep on the files, independently of the importer; each
//! assertion says which command.

use idiograph_formats::{import_transcript, ImportOptions, ImportedTranscript};
use std::path::PathBuf;

/// Reads and imports a corpus file, or `None` when the corpus is absent outside CI.
fn import_corpus_file(relative: &str) -> Option<ImportedTranscript> {
    let shared = std::env::var_os("IDIOGRAPH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join(relative);
    let Ok(bytes) = std::fs::read(&path) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared corpus file {} is missing under CI",
            path.display()
        );
        eprintln!("skipping: shared corpus file {} is not available", path.display());
        return None;
    };
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
    // Turns = grep -c '^\*\*' per file; every such line is a '**Name:**' label ("**Break:**" included).
    for (file, expected) in [
        ("away-from-keyboard-2", 31),
        ("away-from-keyboard-3", 37),
        ("away-from-keyboard-7", 30),
        ("away-from-keyboard-8", 77),
        ("brain-science-25", 401),
        ("founders-talk-55", 104),
        ("founders-talk-65", 196),
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
