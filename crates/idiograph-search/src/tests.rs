use super::*;

fn passage(object: &str, participant: &str, role: &str, base: u32, text: &str) -> Passage {
    Passage {
        kind: DocKind::Transcript,
        object: object.into(),
        participant: Some(participant.into()),
        role: Some(role.into()),
        note_kind: None,
        version: Some("v1".into()),
        base: TextSize::new(base),
        order: u64::from(base),
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

/// Every hit as (object, passage base, its highlighted words joined by " | ").
fn hits(ix: &SearchIndex, q: &str, o: Options, f: &Filter) -> Vec<(String, u32, String)> {
    ix.search(q, o, f, None)
        .unwrap()
        .matches
        .into_iter()
        .flat_map(|m| {
            m.hits
                .iter()
                .map(|h| {
                    let words: Vec<&str> = h.ranges.iter().map(|r| r.slice(&m.text)).collect();
                    (m.object.clone(), m.base.to_u32(), words.join(" | "))
                })
                .collect::<Vec<_>>()
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
    // Booleans: the words of one query found together in a passage are one hit.
    assert_eq!(hits(&ix, "weight AND burnout", o, &none), vec![("t1".into(), 100, "weight | Burnout".into())]);
    assert_eq!(hits(&ix, "weight NOT burnout", o, &none).len(), 2);
    assert_eq!(hits(&ix, "weight -burnout -cafe", o, &none).len(), 1);
    assert_eq!(hits(&ix, "cafe OR burnout", o, &none).len(), 3);
    let h = hits(&ix, "(cafe OR burnout) weight", o, &none);
    assert_eq!(h.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(), vec!["Café", "CAFE | weights", "weight | Burnout"]);
    // Regex over raw text.
    let h = hits(&ix, r"weights?\s+\w+", Options { stem: true, regex: true }, &none);
    assert_eq!(h.iter().map(|x| x.2.as_str()).collect::<Vec<_>>(), vec!["weight had", "weights lifted", "weight come"]);
    assert!(ix.search("(", o, &none, None).is_err());
    assert!(ix.search("[", Options { stem: true, regex: true }, &none, None).is_err());
}

#[test]
fn words_of_one_query_in_one_passage_make_one_hit() {
    let ix = index();
    let o = Options::default();
    let found = ix.search("weight lifted", o, &Filter::default(), None).unwrap();
    // Both words in the first passage: one hit, both highlighted, at their exact bytes.
    let first = &found.matches[0];
    assert_eq!((first.object.as_str(), first.base), ("t1", TextSize::new(0)));
    assert_eq!(first.hits.len(), 1);
    let text = "Rachel: It felt as if a weight had been lifted. I was burning out.";
    let at = |w: &str| Span::new(text, text.find(w).unwrap(), text.find(w).unwrap() + w.len()).unwrap();
    assert_eq!(first.hits[0].ranges, vec![at("weight"), at("lifted")]);
    assert_eq!(first.hits[0].extent(), at("weight had been lifted"));
    // "weights … lifted" in t2 is one more; the interviewer's passage has no "lifted".
    assert_eq!(
        hits(&ix, "weight lifted", o, &Filter::default()),
        vec![("t1".into(), 0, "weight | lifted".into()), ("t2".into(), 0, "weights | lifted".into())]
    );
    assert_eq!(found.total, Counts { hits: 2, passages: 2 });
    assert_eq!(found.per_participant.get("p1"), Some(&Counts { hits: 1, passages: 1 }));
    assert_eq!(found.matches.iter().map(|m| (m.first_hit, m.passage)).collect::<Vec<_>>(), vec![(0, 0), (1, 1)]);
}

#[test]
fn words_in_different_passages_and_repeated_words_are_separate_hits() {
    let ix = SearchIndex::in_memory().unwrap();
    let mut u = ix.update(1).unwrap();
    u.add(&passage("t1", "p1", "participant", 0, "The weight was lifted, then the weight came back, then weight."))
        .unwrap();
    u.add(&passage("t1", "p1", "participant", 100, "Nothing lifted.")).unwrap();
    u.add(&passage("t2", "p2", "participant", 0, "A weight.")).unwrap();
    u.commit("s").unwrap();
    let o = Options::default();
    let none = Filter::default();
    // A word of the query coming again begins the next hit; words in different passages are
    // different hits.
    assert_eq!(
        hits(&ix, "weight OR lifted", o, &none),
        vec![
            ("t1".into(), 0, "weight | lifted".into()),
            ("t1".into(), 0, "weight".into()),
            ("t1".into(), 0, "weight".into()),
            ("t2".into(), 0, "weight".into()),
            ("t1".into(), 100, "lifted".into()),
        ]
    );
    let found = ix.search("weight OR lifted", o, &none, None).unwrap();
    assert_eq!(found.total, Counts { hits: 5, passages: 3 });
    assert_eq!(found.per_participant.get("p1"), Some(&Counts { hits: 4, passages: 2 }));
    assert_eq!(found.per_participant.get("p2"), Some(&Counts { hits: 1, passages: 1 }));
    // Without OR both words are needed in a passage.
    assert_eq!(ix.search("weight lifted", o, &none, None).unwrap().total, Counts { hits: 3, passages: 1 });
    // A word given twice is one word of the query; a phrase and a word inside it overlap and
    // are highlighted once.
    assert_eq!(hits(&ix, "weight weight", o, &none).len(), 4);
    assert_eq!(hits(&ix, "\"the weight\" weight", o, &none)[0].2, "The weight");
    // A window over hits returns the passages that hold them, counts still over everything.
    let found = ix.search("weight OR lifted", o, &none, Some(3..5)).unwrap();
    assert_eq!(found.total, Counts { hits: 5, passages: 3 });
    let window: Vec<_> =
        found.matches.iter().map(|m| (m.object.as_str(), m.base.to_u32(), m.first_hit, m.passage)).collect();
    assert_eq!(window, vec![("t2", 0, 3, 1), ("t1", 100, 4, 2)]);
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
    assert_eq!(found.total, Counts { hits: 3, passages: 3 });
    assert_eq!(found.per_participant.get("p1"), Some(&Counts { hits: 2, passages: 2 }));
    assert_eq!(found.matches.len(), 1);
    assert_eq!((found.matches[0].first_hit, found.matches[0].passage), (1, 1));
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
