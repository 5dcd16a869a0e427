use super::*;

fn passage(object: &str, participant: &str, role: &str, base: u64, text: &str) -> Passage {
    Passage {
        kind: DocKind::Transcript,
        object: object.into(),
        participant: Some(participant.into()),
        role: Some(role.into()),
        note_kind: None,
        version: Some("v1".into()),
        base,
        order: base,
        text: text.into(),
    }
}

fn index() -> SearchIndex {
    let ix = SearchIndex::in_memory().unwrap();
    let mut u = ix.update(1).unwrap();
    u.add(&passage("t1", "p1", "participant", 0, "Rachel: It felt as if a weight had been lifted. I was burning out."))
        .unwrap();
    u.add(&passage("t1", "p1", "interviewer", 100, "Interviewer: Did the weight come back? Burnout is common."))
        .unwrap();
    u.add(&passage(
        "t2",
        "p2",
        "participant",
        0,
        "Ömer: Café au lait; the CAFE was closed. Feeling lighter, weights lifted.",
    ))
    .unwrap();
    u.commit("s1").unwrap();
    ix
}

fn hits(ix: &SearchIndex, q: &str, o: Options, f: &Filter) -> Vec<(String, u64, String)> {
    ix.search(q, o, f, None)
        .unwrap()
        .matches
        .into_iter()
        .flat_map(|m| {
            m.spans.iter().map(|s| (m.object.clone(), m.base, m.text[s.clone()].to_owned())).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn words_phrases_prefixes_booleans() {
    let ix = index();
    let o = Options::default();
    let none = Filter::default();
    assert_eq!(ix.stamp().as_deref(), Some("s1"));
    let h = hits(&ix, "\"weight had been lifted\"", o, &none);
    assert_eq!(h, vec![("t1".into(), 0, "weight had been lifted".into())]);
    // Stemming: "weight" also finds "weights"; without stemming it does not.
    assert_eq!(hits(&ix, "weight", o, &none).len(), 3);
    assert_eq!(hits(&ix, "weight", Options { stem: false, regex: false }, &none).len(), 2);
    // Prefix on unstemmed words.
    let h = hits(&ix, "burn*", o, &none);
    assert_eq!(h.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(), vec!["burning", "Burnout"]);
    // Case and diacritics.
    let h = hits(&ix, "cafe", o, &none);
    assert_eq!(h.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(), vec!["Café", "CAFE"]);
    assert_eq!(hits(&ix, "omer", o, &none).len(), 1);
    // Booleans.
    assert_eq!(hits(&ix, "weight AND burnout", o, &none).len(), 2);
    assert_eq!(hits(&ix, "weight NOT burnout", o, &none).len(), 2);
    assert_eq!(hits(&ix, "weight -burnout -cafe", o, &none).len(), 1);
    assert_eq!(hits(&ix, "cafe OR burnout", o, &none).len(), 3);
    assert_eq!(hits(&ix, "(cafe OR burnout) weight", o, &none).len(), 5);
    // Regex over raw text.
    let h = hits(&ix, r"weights?\s+\w+", Options { stem: true, regex: true }, &none);
    assert_eq!(h.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(), vec!["weight had", "weights lifted", "weight come"]);
    assert!(ix.search("(", o, &none, None).is_err());
    assert!(ix.search("[", Options { stem: true, regex: true }, &none, None).is_err());
}

#[test]
fn filters_windows_and_updates() {
    let ix = index();
    let o = Options::default();
    let role = Filter { role: Some("participant".into()), ..Filter::default() };
    assert_eq!(hits(&ix, "weight", o, &role).len(), 2);
    let p2 = Filter { participants: Some(vec!["p2".into()]), ..Filter::default() };
    assert_eq!(hits(&ix, "weight", o, &p2).len(), 1);
    let found = ix.search("weight", o, &Filter::default(), Some(1..2)).unwrap();
    assert_eq!(found.total, 3);
    assert_eq!(found.per_participant.get("p1"), Some(&2));
    assert_eq!(found.matches.len(), 1);
    assert_eq!(found.matches[0].first_hit, 1);
    let mut u = ix.update(1).unwrap();
    u.remove_object("t1");
    u.commit("s2").unwrap();
    assert_eq!(hits(&ix, "weight", o, &Filter::default()).len(), 1);
    assert_eq!(ix.stamp().as_deref(), Some("s2"));
}

#[test]
fn on_disk_and_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.search");
    let (ix, fresh) = SearchIndex::open(&path).unwrap();
    assert!(fresh);
    let mut u = ix.update(1).unwrap();
    u.add(&passage("t1", "p1", "participant", 0, "hello world")).unwrap();
    u.commit("7").unwrap();
    drop(ix);
    let (ix, fresh) = SearchIndex::open(&path).unwrap();
    assert!(!fresh);
    assert_eq!(ix.stamp().as_deref(), Some("7"));
    drop(ix);
    std::fs::write(path.join("meta.json"), b"garbage").unwrap();
    let (ix, fresh) = SearchIndex::open(&path).unwrap();
    assert!(fresh);
    assert_eq!(ix.passages(), 0);
}

#[test]
fn frequencies_and_stop_words() {
    let mut sorted = STOP_WORDS.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, STOP_WORDS);
    let f = word_frequencies(["The group, the GROUP and I.", "Groups of 12 people"]);
    assert_eq!(f[0], ("group".to_owned(), 2));
    assert!(f.iter().all(|(w, _)| w != "the" && w != "12"));
}
