//! Pseudonymisation through the application, on a corpus generated here: synthetic interviews
//! with planted identifiers of every kind (participants' real names in speaker labels and in
//! talk, possessives, names broken across lines, trainers, patients, practices, towns, emails,
//! phones, NHS numbers, postcodes, dates, URLs, addresses, titled names, organisations).
//! Measures recall and precision, and checks that anchors move exactly, that undo restores the
//! previous versions exactly, that the project keeps no real name (the file's raw bytes; on a
//! server, its rows), that the key store needs its passphrase, and that every export passes
//! the leak check. Each test runs on a project file and on a PostgreSQL server project.

mod support;

use std::path::Path;

use idiograph_app::{ApplyScope, ExportFormat, Figure, ItemStatus, ReportTable, Target, Workbench};
use idiograph_formats::ImportOptions;
use idiograph_model::{InterviewMeta, NoteKind, Verdict};
use idiograph_testkit::{on_both_backends, Backend};
use support::Study;

const PASSPHRASE: &str = "correct horse battery staple";

/// A small deterministic generator (no seed files, same corpus every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A valid NHS number (modulus 11), spaced 3-3-4.
fn nhs_number(rng: &mut Lcg) -> String {
    loop {
        let digits: Vec<u64> = (0..9).map(|_| rng.below(10)).collect();
        let sum: u64 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u64)).sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => continue,
            c => c,
        };
        let s: String = digits.iter().chain(std::iter::once(&check)).map(|d| d.to_string()).collect();
        return format!("{} {} {}", &s[..3], &s[3..6], &s[6..]);
    }
}

/// Real names of the generated participants, with their pseudonyms.
const PARTICIPANTS: &[(&str, &str)] = &[
    ("Anneliese Trevithick", "Olivia"),
    ("Caspian Wetherall", "Rachel"),
    ("Ottoline Brackenbury", "Tom"),
    ("Peregrine Hollingworth", "Sam"),
];
/// Surnames that must not survive anywhere in the project file.
const SURNAMES: &[&str] =
    &["Trevithick", "Wetherall", "Brackenbury", "Hollingworth", "Pengelly", "Quarrington", "Tregothnan", "Penhallow"];

struct Planted {
    /// (kind, text) of every planted automatic identifier.
    detected: Vec<(&'static str, String)>,
}

/// One generated interview of participant `p` (index into PARTICIPANTS), number `n`.
fn interview(rng: &mut Lcg, p: usize, n: usize, planted: &mut Planted) -> String {
    let real = PARTICIPANTS[p].0;
    let first = real.split(' ').next().unwrap();
    let email = format!(
        "{}.{}{n}@{}",
        first.to_lowercase(),
        rng.pick(&["gp", "doc", "trainee"]),
        rng.pick(&["nhs.net", "example.org", "mail.co.uk"])
    );
    let phone = match rng.below(3) {
        0 => format!("07700 900{:03}", rng.below(1000)),
        1 => format!("+44 20 7946 0{:03}", rng.below(1000)),
        _ => format!("(01632) 960{:03}", rng.below(1000)),
    };
    let nhs = nhs_number(rng);
    let postcode = rng.pick(&["TR18 4AA", "PL14 3RB", "EX4 6PX", "SW1A 1AA", "M1 1AE", "B33 8TH"]).to_owned();
    let date = format!("{} March 19{}", 1 + rng.below(28), 60 + rng.below(30));
    let url = format!("https://www.example.org/groups/{n}");
    let address = format!("{} Chapel Street", 2 + rng.below(90));
    let titled = rng.pick(&["Dr Kessington", "Mrs Polglase", "Mr Trewartha", "Prof Angwin"]).to_owned();
    let organisation = rng.pick(&["Marazion Health Centre", "Lanyon Surgery", "Carn Brea Hospital"]).to_owned();
    for (kind, text) in [
        ("email", &email),
        ("phone", &phone),
        ("nhs-number", &nhs),
        ("postcode", &postcode),
        ("date", &date),
        ("url", &url),
        ("address", &address),
        ("titled-name", &titled),
        ("organisation", &organisation),
    ] {
        planted.detected.push((kind, text.clone()));
    }
    format!(
        "Interviewer: Thank you for joining me today, {first}. Could you start with your role?\n\
{real}: I'm a GP trainee at Tregothnan Medical Practice in Penhallow. My email is {email} and my mobile is {phone}.\n\
Interviewer: What do you remember of the Balint group?\n\
{real}: I presented a patient, Bartholomew Quarrington, whose NHS number I still remember, {nhs}. He lives near {postcode}, \
born {date}. Dr Pengelly, our group leader, said that Bartholomew's story had stayed with me. I told Bartholomew\n\
Quarrington about the group later, which felt strange.\n\
Interviewer: And afterwards?\n\
{real}: It was as if a weight had been lifted. {first}'s worries, I mean mine, were heard. The group met at {address}, \
near {organisation}; {titled} sometimes joined. The notes are at {url} if you want them.\n\
Interviewer: Thank you. Anything else?\n\
{real}: We read Balint and Winnicott over Christmas, and on Wednesday we discussed the NHS Long Term Plan in London.\n"
    )
}

async fn study(dir: &Path, planted: &mut Planted, backend: &Backend) -> Study {
    let study = Study::create(backend, dir, "Balint groups", "researcher").await;
    let mut rng = Lcg(2026);
    for (p, (_, pseudonym)) in PARTICIPANTS.iter().enumerate() {
        study.wb.add_participant(pseudonym, &[], InterviewMeta::default()).await.unwrap();
        let files: Vec<(String, Vec<u8>)> = (0..3)
            .map(|n| (format!("interview-{p}-{n}.txt"), interview(&mut rng, p, n, planted).into_bytes()))
            .collect();
        study.wb.import_files(pseudonym, files, &ImportOptions::default()).await.unwrap();
    }
    study
}

on_both_backends!(
    async fn generated_corpus_is_pseudonymised_with_measured_recall_and_precision,
    async fn decisions_are_kept_and_applied_by_kind,
    async fn every_export_passes_the_leak_check,
    async fn every_field_is_pseudonymised_and_no_real_value_remains,
);

async fn register_known(wb: &Workbench, key: &Path) {
    wb.unlock_key_store(key, PASSPHRASE).await.unwrap();
    for (real, pseudonym) in PARTICIPANTS {
        wb.add_known(real, pseudonym, "participant", &[]).await.unwrap();
    }
    wb.add_known("Dr Morwenna Pengelly", "", "group-leader", &[]).await.unwrap();
    wb.add_known("Bartholomew Quarrington", "", "patient", &[]).await.unwrap();
    wb.add_known("Tregothnan Medical Practice", "", "practice", &["Tregothnan".to_owned()]).await.unwrap();
    wb.add_known("Penhallow", "", "town", &[]).await.unwrap();
}

async fn current_texts(wb: &Workbench) -> Vec<String> {
    let s = wb.snapshot().await.unwrap();
    s.transcripts.iter().map(|t| s.versions[&t.current_version].text.clone()).collect()
}

fn domain_dump(dump: &str) -> String {
    // Texts are content-addressed outside undo; the rows name the ones in use.
    dump.lines().filter(|l| !l.starts_with("content ")).collect::<Vec<_>>().join("\n")
}

async fn note_on(wb: &Workbench, transcript: &str, words: &str, text: &str) -> String {
    let (_, v) = wb.transcript(transcript).await.unwrap();
    let start = v.text.find(words).unwrap_or_else(|| panic!("{words} not in {transcript}"));
    let target = Target::from_bytes(&v, start, start + words.len()).unwrap();
    wb.add_note(&target, NoteKind::Descriptive, text).await.unwrap().short_id().to_string()
}

async fn hits(wb: &Workbench, query: &str) -> usize {
    let mut r = idiograph_app::SearchRequest::new(query);
    r.limit = 10_000;
    wb.search(&r).await.unwrap().total
}

/// Where `needle` first stands in `haystack`, with some bytes either side, for a failure message.
fn around(haystack: &[u8], needle: &str) -> String {
    let at = haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes())).unwrap_or(0);
    String::from_utf8_lossy(&haystack[at.saturating_sub(80)..(at + needle.len() + 80).min(haystack.len())]).into_owned()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

async fn generated_corpus_is_pseudonymised_with_measured_recall_and_precision(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut planted = Planted { detected: vec![] };
    let study = study(dir.path(), &mut planted, &backend).await;
    let wb = &study.wb;
    let key = dir.path().join("study.key");
    register_known(wb, &key).await;

    // Anchors made before pseudonymisation.
    let n1 = note_on(wb, "T1", "Dr Pengelly, our group leader, said", "the leader's voice").await;
    let n2 = note_on(wb, "T1", "a weight had been lifted", "relief").await;
    let before_texts = current_texts(wb).await;
    let (_, t1_before) = wb.transcript("T1").await.unwrap();
    let n2_old_line = {
        let n = wb.notes(Some("T1")).await.unwrap().into_iter().find(|n| n.short_id().to_string() == n2).unwrap();
        t1_before.layout.position(n.anchor.span().start()).global
    };
    let before_dump = domain_dump(&wb.dump().await.unwrap());

    // Precision of the detectors, measured on the review queue before anything is decided.
    let queue = wb.review_queue().await.unwrap();
    let known_kinds = ["participant", "group-leader", "patient", "practice", "town"];
    let detected: Vec<_> = queue.iter().filter(|i| !known_kinds.contains(&i.kind.as_str())).collect();
    let true_positive = detected
        .iter()
        .filter(|i| {
            planted.detected.iter().any(|(_, text)| text.contains(i.text.as_str()) || i.text.contains(text.as_str()))
        })
        .count();
    let precision = true_positive as f64 / detected.len().max(1) as f64;
    eprintln!(
        "detected candidates: {}, of them planted identifiers: {true_positive}, precision {precision:.2}",
        detected.len()
    );
    assert!(precision >= 0.6, "precision {precision:.2} fell below 0.6");

    assert!(hits(wb, "Quarrington").await > 0, "indexed before pseudonymisation");
    let done = wb.pseudonymise(&ApplyScope::All).await.unwrap().transcripts;
    // Search answers from the pseudonymised text only (the index was dropped and is rebuilt).
    assert_eq!(hits(wb, "Quarrington").await, 0);
    assert_eq!(hits(wb, "Trevithick").await, 0);
    assert!(hits(wb, "\"[Patient]\"").await > 0 || hits(wb, "Patient").await > 0);
    assert_eq!(done.len(), before_texts.len(), "every transcript had something to replace");
    let after = current_texts(wb).await;

    // 100 % of known names replaced: none of their parts survives in any current text.
    for text in &after {
        for surname in SURNAMES {
            assert!(!text.contains(surname), "{surname} survived pseudonymisation");
        }
        for (real, _) in PARTICIPANTS {
            let first = real.split(' ').next().unwrap();
            assert!(!text.contains(first), "{first} survived pseudonymisation");
        }
    }
    // Recall per kind of automatic identifier.
    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (kind, value) in &planted.detected {
        let e = by_kind.entry(kind).or_default();
        e.0 += 1;
        if !after.iter().any(|t| t.contains(value.as_str())) {
            e.1 += 1;
        }
    }
    for (kind, (total, gone)) in &by_kind {
        let recall = *gone as f64 / *total as f64;
        eprintln!("recall {kind}: {gone}/{total} = {recall:.2}");
        if ["email", "phone", "nhs-number", "postcode"].contains(kind) {
            assert!(recall >= 0.95, "recall of {kind} is {recall:.2}, below 0.95");
        }
    }

    // Anchors point at the same, now pseudonymised, words.
    let s = wb.snapshot().await.unwrap();
    let notes = wb.notes(Some("T1")).await.unwrap();
    for (note, keeps) in [(&n1, "our group leader, said"), (&n2, "a weight had been lifted")] {
        let n = notes.iter().find(|n| n.short_id().to_string() == *note).unwrap();
        let t = s.transcripts.iter().find(|t| t.id == n.transcript_id).unwrap();
        assert_eq!(n.anchor.version_id(), &t.current_version, "{note} moved to the new version");
        let v = &s.versions[&t.current_version];
        let words = n.anchor.span().slice(&v.text);
        assert_eq!(words, n.anchor.quote().exact());
        assert!(words.ends_with(keeps), "{note} covers '{words}'");
        assert!(!words.contains("Pengelly"));
    }

    // The line mapping finds a line cited before in the new version.
    let mappings = wb.line_mappings("T1").await.unwrap();
    assert_eq!(mappings.len(), 1);
    let idiograph_app::Renumbering { from, to, lines, .. } = &mappings[0];
    assert_eq!((*from, *to, lines.len() as u32), (1, 2, t1_before.layout.line_count()));
    let (_, t1_after) = wb.transcript("T1").await.unwrap();
    let n = notes.iter().find(|n| n.short_id().to_string() == n2).unwrap();
    let n2_new_line = t1_after.layout.position(n.anchor.span().start()).global;
    let mapped = lines[n2_old_line as usize - 1];
    assert!(
        mapped <= n2_new_line && n2_new_line <= mapped + 1,
        "line {n2_old_line} → {mapped}, note now on {n2_new_line}"
    );
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "lines keep their order");

    // The project (its file and WAL, or its rows on the server) keeps no real name; the key
    // store is encrypted.
    let project = study.stored_bytes();
    if let (Ok(keep), Some(file)) = (std::env::var("IDIOGRAPH_KEEP_DEID_TEST"), study.file()) {
        std::fs::copy(file, keep).unwrap();
    }
    for surname in SURNAMES {
        assert!(!contains(&project, surname), "{surname} is still stored in the project");
        assert!(!contains(&std::fs::read(&key).unwrap(), surname), "{surname} is readable in the key store");
    }

    // The log has counts by category and no real value.
    let log = wb.deid_log().await.unwrap();
    assert!(log.iter().any(|l| l.category == "[Email]" && l.count >= 1), "{log:?}");
    assert!(log.iter().any(|l| l.category == "[Patient]" && l.count >= 2));
    let log_text = format!("{log:?}");
    for surname in SURNAMES {
        assert!(!log_text.contains(surname));
    }

    // Undo needs the key store; locked, it is refused and nothing changes.
    wb.lock_key_store().await;
    let sealed_dump = wb.dump().await.unwrap();
    let refused = wb.undo().await.unwrap_err().to_string();
    assert!(refused.contains("key store"), "{refused}");
    assert_eq!(wb.dump().await.unwrap(), sealed_dump);
    // A wrong passphrase does not open it.
    let wrong = wb.unlock_key_store(&key, "not the passphrase").await.unwrap_err().to_string();
    assert!(wrong.contains("wrong passphrase"), "{wrong}");
    wb.unlock_key_store(&key, PASSPHRASE).await.unwrap();
    wb.undo().await.unwrap().expect("the pseudonymisation is undone");
    assert_eq!(current_texts(wb).await, before_texts, "undo restores the original versions exactly");
    assert_eq!(domain_dump(&wb.dump().await.unwrap()), before_dump, "and every row as it was");
    assert!(hits(wb, "Quarrington").await > 0, "search sees the restored text");

    // Redo seals the originals again.
    wb.redo().await.unwrap().expect("redone");
    assert_eq!(current_texts(wb).await, after);
    assert!(!contains(&study.stored_bytes(), "Quarrington"), "redo sealed the originals again");
    study.close().await;
}

async fn decisions_are_kept_and_applied_by_kind(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut planted = Planted { detected: vec![] };
    let study = study(dir.path(), &mut planted, &backend).await;
    let wb = &study.wb;
    // Originals discarded: no key store needed for candidates only.
    wb.set_originals_policy(idiograph_model::OriginalsPolicy::Discard).await.unwrap();
    let queue = wb.review_queue().await.unwrap();
    let email = queue.iter().find(|i| i.kind == "email" && i.transcript.number() == 1).unwrap().clone();
    let phone = queue.iter().find(|i| i.kind == "phone" && i.transcript.number() == 1).unwrap().clone();
    wb.decide("T1", email.span, "email", idiograph_model::Verdict::Accept, Some("[Work email]")).await.unwrap();
    wb.decide("T1", phone.span, "phone", idiograph_model::Verdict::Reject, None).await.unwrap();
    let queue = wb.review_queue().await.unwrap();
    let status = |span| queue.iter().find(|i| i.transcript.number() == 1 && i.span == span).unwrap().status;
    assert_eq!(status(email.span), ItemStatus::Accepted);
    assert_eq!(status(phone.span), ItemStatus::Rejected);
    // A bad kind or a span outside the text is refused and changes nothing.
    let dump = wb.dump().await.unwrap();
    assert!(wb.decide("T1", email.span, "shoe-size", idiograph_model::Verdict::Accept, None).await.is_err());
    let outside = idiograph_text::Span::from_bounds(
        idiograph_text::TextSize::new(1_000_000),
        idiograph_text::TextSize::new(1_000_001),
    );
    assert!(wb.decide("T1", outside, "email", idiograph_model::Verdict::Accept, None).await.is_err());
    assert_eq!(wb.dump().await.unwrap(), dump);

    let nhs = wb.decide_kind("nhs-number", idiograph_model::Verdict::Accept).await.unwrap();
    assert_eq!(nhs, PARTICIPANTS.len() * 3);
    wb.pseudonymise(&ApplyScope::Kinds(vec!["postcode".into()])).await.unwrap();
    let t1 = &current_texts(wb).await[0];
    assert!(t1.contains("[Work email]"), "accepted with the researcher's replacement");
    assert!(t1.contains(&phone.text), "a rejected phone number stays");
    assert!(t1.contains("[NHS number]") && t1.contains("[Postcode]"));
    assert!(!t1.contains("[Date]"), "dates were neither accepted nor chosen");
    // Discarded originals: the command cannot be undone, and says why.
    let refused = wb.undo().await.unwrap_err().to_string();
    assert!(refused.contains("erased") || refused.contains("discarded"), "{refused}");
    study.close().await;
}

async fn every_export_passes_the_leak_check(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut planted = Planted { detected: vec![] };
    let study = study(dir.path(), &mut planted, &backend).await;
    let wb = &study.wb;
    let key = dir.path().join("study.key");
    register_known(wb, &key).await;
    wb.pseudonymise(&ApplyScope::Accepted).await.unwrap();
    // The researcher's own words can still name people: a theme title, a note and a journal entry.
    let get = wb.add_theme(None, None, "Quarrington's case and the group", None).await.unwrap();
    note_on(wb, "T1", "a weight had been lifted", "Reminds me of Dr Pengelly's remark").await;
    wb.add_journal("Spoke with Anneliese Trevithick after the interview", None).await.unwrap();
    let _ = get;

    let mut formats: Vec<(String, ExportFormat)> = vec![
        ("md".into(), ExportFormat::Markdown),
        ("html".into(), ExportFormat::Html),
        ("docx".into(), ExportFormat::Docx),
        ("xlsx".into(), ExportFormat::Xlsx),
        ("svg".into(), ExportFormat::Svg(Figure::ThemeMap)),
        ("png".into(), ExportFormat::Png(Figure::ThemeMap)),
        ("audit".into(), ExportFormat::AuditHtml),
        ("audit-csv".into(), ExportFormat::AuditCsv),
        ("coreq".into(), ExportFormat::Coreq),
    ];
    for figure in [Figure::Heatmap, Figure::Flow] {
        formats.push((format!("{} svg", figure.name()), ExportFormat::Svg(figure)));
        formats.push((format!("{} png", figure.name()), ExportFormat::Png(figure)));
    }
    formats.extend(ReportTable::ALL.iter().map(|t| (format!("csv {}", t.name()), ExportFormat::Csv(*t))));
    let mut refused = 0;
    let mut outputs: Vec<Checked> = Vec::new();
    for (name, f) in &formats {
        let checked = wb.export(*f, false).await.map_err(|e| e.to_string());
        let unchecked = wb.export(*f, true).await.unwrap();
        outputs.push((name.clone(), checked, unchecked));
    }
    for (name, docx) in [("annotated docx", true), ("annotated html", false)] {
        let checked = wb.annotated_transcript("T1", docx, false, false).await.map_err(|e| e.to_string());
        outputs.push((name.into(), checked, wb.annotated_transcript("T1", docx, false, true).await.unwrap()));
    }
    outputs.push((
        "qdpx".into(),
        wb.export_qdpx(false).await.map_err(|e| e.to_string()),
        wb.export_qdpx(true).await.unwrap(),
    ));
    outputs.push((
        "qdc".into(),
        wb.export_qdc(false).await.map_err(|e| e.to_string()),
        wb.export_qdc(true).await.unwrap(),
    ));
    for (name, checked, unchecked) in &outputs {
        match checked {
            Err(message) => {
                refused += 1;
                assert!(message.contains("known real names"), "{name}: {message}");
            }
            // Allowed through: then it must not hold a real name (PNG is checked through its SVG).
            Ok(bytes) => {
                assert_eq!(bytes.len(), unchecked.len(), "{name}");
                let text = export_text(unchecked);
                for surname in SURNAMES {
                    assert!(!text.contains(surname), "{name} passed the check but names {surname}");
                }
            }
        }
    }
    eprintln!("{refused} of {} exports refused", outputs.len());
    let figures = ["heatmap svg", "heatmap png", "flow svg", "flow png"];
    let named = ["md", "html", "docx", "xlsx", "svg", "png", "qdpx", "qdc", "annotated docx", "annotated html"];
    for must in named.into_iter().chain(figures) {
        let (_, checked, _) = outputs.iter().find(|(n, ..)| n == must).unwrap();
        assert!(checked.is_err(), "{must} names a known identifier and must be refused");
    }
    // Every override is in the audit log.
    let history = wb.history(500).await.unwrap();
    let overrides = history.iter().filter(|e| e.action.as_str() == "export despite leaks").count();
    assert_eq!(overrides, refused, "each refused export that was then allowed is recorded");

    // With the key store locked, exports are refused unless allowed.
    wb.lock_key_store().await;
    let locked = wb.export(ExportFormat::AuditCsv, false).await.unwrap_err().to_string();
    assert!(locked.contains("unlock"), "{locked}");
    wb.export(ExportFormat::AuditCsv, true).await.unwrap();
    assert_eq!(wb.history(1).await.unwrap()[0].action.as_str(), "export unchecked");
    study.close().await;
}

/// An export's name, its checked result and its overridden bytes.
type Checked = (String, Result<Vec<u8>, String>, Vec<u8>);

/// The text of an export: its bytes, or every part of a zip (docx, xlsx, qdpx).
fn export_text(bytes: &[u8]) -> String {
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut all = String::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut f, &mut s);
            all.push_str(&s);
        }
        return all;
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Real values planted in every field a person's identity can sit in (issue 19), none of which
/// may remain anywhere in the project's bytes or in any export after `pseudonymise`.
const FIELD_REAL: &[&str] =
    &["Fiona", "Quarrington", "Siobhan", "Hargreaves", "Agnes", "Whyte", "Penhallow", "Tregony"];

/// Reproductions of issue 19: a transcript imported from `fiona.txt` kept that title (and the
/// source name and audit rows) after `apply --all`; names joined by `_`
/// (`Siobhan_Hargreaves_interview.txt`, `siobhan_hargreaves@teams`) were neither replaced nor
/// caught; a speaker label starting a line survived in audit records; "Mrs Agnes Whyte" became
/// `[Person]` although `Agnes Whyte` was known as `[Patient]`; the inserted pseudonyms were
/// flagged again; there was no "reject every 'Kafka'". Here identifiers sit in every field —
/// transcript titles and source names, speaker labels, participants' pseudonyms, attributes and
/// interview details, notes, statements, theme titles, descriptions and notes, clustering
/// rationales, journal entries, the interview guide, the study's title and research question.
async fn every_field_is_pseudonymised_and_no_real_value_remains(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::create(&backend, dir.path(), "Balint groups: Fiona and Siobhan Hargreaves", "researcher").await;
    let wb = &study.wb;
    let key = dir.path().join("study.key");
    wb.unlock_key_store(&key, PASSPHRASE).await.unwrap();
    wb.add_known("Fiona Quarrington", "Olivia", "participant", &[]).await.unwrap();
    wb.add_known("Siobhan Hargreaves", "Rachel", "participant", &[]).await.unwrap();
    wb.add_known("Agnes Whyte", "[Patient]", "patient", &[]).await.unwrap();
    wb.add_known("Penhallow", "", "town", &[]).await.unwrap();
    wb.update_study(None, Some("How did Siobhan Hargreaves's group in Penhallow help?"), None, None, None, None)
        .await
        .unwrap();

    let attrs = [("practice_town".to_owned(), "Penhallow".to_owned())];
    let meta = InterviewMeta {
        mode: Some("Teams call as siobhan_hargreaves@teams".into()),
        interviewer: Some("AM, with Fiona".into()),
        ..InterviewMeta::default()
    };
    wb.add_participant("fiona", &attrs, meta).await.unwrap();
    wb.add_participant("Siobhan", &[], InterviewMeta::default()).await.unwrap();
    let fiona = "Interviewer: Thank you for coming, Fiona.\n\
Fiona Quarrington: Mrs Agnes Whyte came in with her daughter. We read Kafka that week, and Kafka again later.\n\
Interviewer: And the group in Tregony?\n\
Fiona Quarrington: It was as if a weight had been lifted.\n";
    let siobhan = "Interviewer: Hello. I see you joined as siobhan_hargreaves@teams.\n\
Siobhan Hargreaves: Yes. Kafka would have liked it. Tregony was lovely.\n\
Interviewer: Anything else?\n\
Siobhan Hargreaves: The weight had been lifted.\n";
    wb.import_files("fiona", vec![("fiona.txt".into(), fiona.as_bytes().to_vec())], &ImportOptions::default())
        .await
        .unwrap();
    wb.import_files(
        "Siobhan",
        vec![("Siobhan_Hargreaves_interview.txt".into(), siobhan.as_bytes().to_vec())],
        &ImportOptions::default(),
    )
    .await
    .unwrap();
    let note = note_on(wb, "T1", "a weight had been lifted", "Fiona relieved; Siobhan_Hargreaves said the same").await;
    let (_, v2) = wb.transcript("T2").await.unwrap();
    let start = v2.text.find("The weight had been lifted").unwrap();
    let target = Target::from_bytes(&v2, start, start + 26).unwrap();
    wb.add_statement(&target, "Relief in Hargreaves's words", &[]).await.unwrap();
    let pet =
        wb.add_theme(Some("Siobhan"), None, "Siobhan's relief", Some("As Agnes Whyte's story shows")).await.unwrap();
    let get = wb.add_theme(None, None, "Shared relief (Fiona, Siobhan)", None).await.unwrap();
    wb.update_theme(
        &get.short_id().to_string(),
        idiograph_app::ThemeChanges { note: Some("Fiona and Siobhan converge".into()), ..Default::default() },
        None,
    )
    .await
    .unwrap();
    wb.assign(
        &get.short_id().to_string(),
        &idiograph_app::MemberRef::Theme(pet.short_id().to_string()),
        None,
        Some("Hargreaves echoes Quarrington"),
        None,
    )
    .await
    .unwrap();
    wb.add_journal("Spoke with Siobhan Hargreaves after the interview in Penhallow", None).await.unwrap();
    wb.add_guide_question("What was the group in Penhallow like?", None).await.unwrap();

    // Every field shows up for review, titles and file names included.
    let fields = wb.review_fields().await.unwrap();
    for place in [
        "study title",
        "research question",
        "P1 pseudonym",
        "P1 attribute 'practice_town'",
        "P1 interview mode",
        "P1 interviewer",
        "T1 title",
        "T1 source file",
        "T2 title",
        "T2 source file",
        "S1",
        "J1",
        "Q1",
    ] {
        assert!(fields.iter().any(|f| f.place == place), "no identifier found in {place}: {fields:?}");
    }
    assert!(fields.iter().any(|f| f.place == note), "{fields:?}");
    // Known identifiers win over the titled name around them.
    let queue = wb.review_queue().await.unwrap();
    let agnes = queue.iter().find(|i| i.text.contains("Agnes")).unwrap();
    assert_eq!(
        (agnes.text.as_str(), agnes.replacement.as_str(), agnes.status),
        ("Agnes Whyte", "[Patient]", ItemStatus::Known)
    );
    // "Reject every 'Kafka'" and "accept every 'Tregony'", in every transcript and field.
    let kafka = queue.iter().filter(|i| i.text == "Kafka").count();
    assert_eq!(kafka, 3, "{queue:?}");
    assert_eq!(wb.decide_word("kafka", "other", Verdict::Reject, None).await.unwrap(), 3);
    assert_eq!(wb.decide_word("Tregony", "place", Verdict::Accept, Some("[Village]")).await.unwrap(), 2);
    let queue = wb.review_queue().await.unwrap();
    assert!(!queue.iter().any(|i| i.text == "Kafka"), "rejected everywhere");
    assert_eq!(queue.iter().filter(|i| i.text == "Tregony" && i.status == ItemStatus::Accepted).count(), 2);
    assert!(wb.decide_word("x", "other", Verdict::Reject, None).await.is_err());
    assert!(wb.decide_word("Kafka", "shoe-size", Verdict::Reject, None).await.is_err());

    let done = wb.pseudonymise(&ApplyScope::Accepted).await.unwrap();
    assert_eq!(done.transcripts.len(), 2);
    assert!(done.fields.len() >= 12, "{:?}", done.fields);

    let s = wb.snapshot().await.unwrap();
    let titles: Vec<&str> = s.transcripts.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["Olivia.txt", "Rachel_interview.txt"]);
    let (t1, v1) = wb.transcript("T1").await.unwrap();
    assert!(v1.text.contains("Mrs [Patient] came in"), "{}", v1.text);
    assert!(v1.text.contains("Kafka") && v1.text.contains("group in [Village]"), "{}", v1.text);
    assert_eq!(v1.provenance.file_name, "Olivia.txt");
    assert!(t1.speakers.contains_key("Olivia"), "{:?}", t1.speakers.keys());
    let settings = wb.snapshot().await.unwrap().settings;
    assert_eq!(settings.title, "Balint groups: Olivia and Rachel");
    let question = &wb.guide().await.unwrap().questions[0].text;
    assert!(question.starts_with("What was the group in [") && !question.contains("Penhallow"), "{question}");
    // The inserted pseudonyms are not candidates again.
    let after = wb.review_queue().await.unwrap();
    assert!(
        after.iter().all(|i| !["Olivia", "Rachel", "Village"].iter().any(|p| i.text.contains(p))),
        "inserted replacements flagged: {after:?}"
    );
    assert!(wb.review_fields().await.unwrap().iter().all(|f| f.status != ItemStatus::Known));

    // No real value anywhere in the project's bytes (free pages and WAL included), nor in the
    // key store's.
    let project = study.stored_bytes();
    for real in FIELD_REAL {
        assert!(!contains(&project, real), "{real} is still stored in the project: {}", around(&project, real));
        assert!(!contains(&std::fs::read(&key).unwrap(), real), "{real} is readable in the key store");
    }
    // Nor in any export, each of which passes the leak check.
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, f) in [
        ("md", ExportFormat::Markdown),
        ("html", ExportFormat::Html),
        ("docx", ExportFormat::Docx),
        ("xlsx", ExportFormat::Xlsx),
        ("theme map", ExportFormat::Svg(Figure::ThemeMap)),
        ("heatmap", ExportFormat::Svg(Figure::Heatmap)),
        ("flow", ExportFormat::Svg(Figure::Flow)),
        ("audit", ExportFormat::AuditHtml),
        ("audit-csv", ExportFormat::AuditCsv),
        ("coreq", ExportFormat::Coreq),
    ] {
        outputs.push((name.into(), wb.export(f, false).await.unwrap_or_else(|e| panic!("{name}: {e}"))));
    }
    for t in ["T1", "T2"] {
        outputs.push((format!("{t} annotated docx"), wb.annotated_transcript(t, true, false, false).await.unwrap()));
        outputs.push((format!("{t} annotated html"), wb.annotated_transcript(t, false, false, false).await.unwrap()));
    }
    outputs.push(("qdpx".into(), wb.export_qdpx(false).await.unwrap()));
    outputs.push(("qdc".into(), wb.export_qdc(false).await.unwrap()));
    for (name, bytes) in &outputs {
        let text = export_text(bytes);
        for real in FIELD_REAL {
            assert!(!contains(text.as_bytes(), real), "{name} names {real}");
        }
    }
    // Undo brings every field back exactly (from the key store), redo seals them again.
    wb.undo().await.unwrap().expect("undone");
    assert_eq!(wb.transcript("T1").await.unwrap().0.title, "fiona.txt");
    assert_eq!(wb.snapshot().await.unwrap().settings.title, "Balint groups: Fiona and Siobhan Hargreaves");
    wb.redo().await.unwrap().expect("redone");
    assert_eq!(wb.transcript("T1").await.unwrap().0.title, "Olivia.txt");
    let project = study.stored_bytes();
    for real in FIELD_REAL {
        assert!(!contains(&project, real), "{real} is stored again after redo");
    }
    study.close().await;
}
