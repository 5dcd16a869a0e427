//! Full-text search over the texts of a study: transcript passages (one per speaker turn),
//! exploratory notes, statements, themes and journal entries.
//!
//! The index is a [tantivy] index of [`Passage`]s. Each passage is indexed twice — once through
//! an English stemmer (`body`) and once without (`plain`) — both lowercased and folded to ASCII,
//! so search is case- and diacritic-insensitive and stemming can be switched off per query.
//! The passage text itself is stored, so hits are located exactly: the matched passage is
//! tokenized again with the same analyzer and each query term or phrase is found among its
//! tokens, whose offsets are UTF-8 byte spans of the passage ([`Hit::ranges`]); adding the
//! passage's `base` gives offsets into the canonical transcript text. Offsets are the text
//! crate's [`TextSize`] and [`Span`]; the index stores them as its own `u64` fields.
//!
//! A [`Hit`] is one occurrence of the query, not of each of its words: the words and phrases of
//! one query found together in a passage make one hit with every one of them highlighted, so a
//! two-word query does not count each word apart. Read in text order, a passage's occurrences
//! join the current hit until a word of the query comes again, which begins the next hit:
//! `weight lifted` over "the weight was lifted, the weight came back" makes two hits,
//! "weight … lifted" and "weight". A query of one word, phrase or prefix (or a regular
//! expression) makes one hit per occurrence.
//!
//! Why tantivy: an inverted index with positions answers words, phrases and prefixes in
//! milliseconds at a gigabyte of text; it is pure Rust, builds from crates.io without native
//! code, and commits atomically with a payload ([`IndexUpdate::commit`]) in which the caller
//! records which state of the project the index reflects. Regex mode scans the stored passages
//! with the `regex` crate (a regex cannot use a word index), as `grep` would.
//!
//! Deviation from the design guide (§5.1, "search takes `&str`, never paths"): a persistent
//! index needs a directory, so [`SearchIndex::open`] takes one; the caller (the application)
//! decides where it lives. Everything else here is pure.

pub mod guide;
mod query;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use idiograph_text::{Span, TextSize};
use tantivy::collector::DocSetCollector;
use tantivy::query::{AllQuery, BooleanQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use crate::query::{parse, Node};

/// The version of the index layout; an index of another version is rebuilt.
pub const FORMAT: u32 = 1;

const STEMMED: &str = "idg_stem";
const PLAIN: &str = "idg_plain";

/// Why a search or an index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be understood; the message says why.
    #[error("{0}")]
    Query(String),
    /// The index cannot be read or written (missing, corrupt, locked).
    #[error("search index: {0}")]
    Index(String),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError::Index(e.to_string())
    }
}

/// What kind of object a passage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// A passage (speaker turn or paragraph) of a transcript's current version.
    Transcript,
    /// An exploratory note.
    Note,
    /// An experiential statement.
    Statement,
    /// A theme's title, description and note.
    Theme,
    /// A reflexive journal entry.
    Journal,
}

impl DocKind {
    /// Every kind, in result order.
    pub const ALL: [DocKind; 5] =
        [DocKind::Transcript, DocKind::Note, DocKind::Statement, DocKind::Theme, DocKind::Journal];

    /// The word used in the index and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Transcript => "transcript",
            DocKind::Note => "note",
            DocKind::Statement => "statement",
            DocKind::Theme => "theme",
            DocKind::Journal => "journal",
        }
    }

    /// The kind named `word` (singular or plural).
    pub fn parse(word: &str) -> Option<DocKind> {
        let w = word.trim().to_ascii_lowercase();
        DocKind::ALL.into_iter().find(|k| w == k.as_str() || w.strip_suffix('s') == Some(k.as_str()))
    }
}

/// One indexed unit of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// What it comes from.
    pub kind: DocKind,
    /// The id of the object it belongs to (for a transcript passage: the transcript's id).
    /// Re-indexing an object first deletes every passage with this id.
    pub object: String,
    /// The participant (case) it belongs to, if any.
    pub participant: Option<String>,
    /// For a transcript passage: the speaker's role (`participant`, `interviewer`, `other`).
    pub role: Option<String>,
    /// For a note: its kind (`descriptive`, …).
    pub note_kind: Option<String>,
    /// For a transcript passage: the version the text is from.
    pub version: Option<String>,
    /// Where `text` starts in the object's text (a transcript version's text).
    pub base: TextSize,
    /// Result order: matches are sorted by `(order, base)`.
    pub order: u64,
    /// The text.
    pub text: String,
}

/// Restrictions on which passages a query looks at; `None` means no restriction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these kinds of object.
    pub kinds: Option<Vec<DocKind>>,
    /// Only passages of these participants (ids).
    pub participants: Option<Vec<String>>,
    /// Only transcript passages spoken in this role.
    pub role: Option<String>,
    /// Only notes of these kinds.
    pub note_kinds: Option<Vec<String>>,
    /// Only passages of these objects (ids).
    pub objects: Option<Vec<String>>,
}

impl Filter {
    fn accepts(&self, p: &StoredPassage) -> bool {
        let any = |list: &Option<Vec<String>>, v: Option<&str>| {
            list.as_ref().is_none_or(|l| v.is_some_and(|v| l.iter().any(|x| x == v)))
        };
        self.kinds.as_ref().is_none_or(|k| k.contains(&p.kind))
            && any(&self.participants, p.participant.as_deref())
            && self.role.as_ref().is_none_or(|r| p.role.as_deref() == Some(r.as_str()))
            && any(&self.note_kinds, p.note_kind.as_deref())
            && any(&self.objects, Some(p.object.as_str()))
    }
}

/// How to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Match words by their English stem ("felt" does not match "feel", but "feeling" does).
    pub stem: bool,
    /// Treat the query as a regular expression over the raw text (case-insensitive).
    pub regex: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { stem: true, regex: false }
    }
}

/// One occurrence of the query in a passage: the words and phrases of the query found
/// together, each highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The highlighted words and phrases, as byte spans of the passage text, sorted and
    /// disjoint; never empty.
    pub ranges: Vec<Span>,
}

impl Hit {
    /// From the start of the first highlighted span to the end of the last.
    pub fn extent(&self) -> Span {
        Span::from_bounds(self.ranges[0].start(), self.ranges[self.ranges.len() - 1].end())
    }
}

/// Hits and the passages they are in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Occurrences of the query.
    pub hits: usize,
    /// Passages with at least one hit.
    pub passages: usize,
}

impl Counts {
    fn add(&mut self, hits: usize) {
        self.hits += hits;
        self.passages += 1;
    }
}

/// A passage with hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// What it comes from.
    pub kind: DocKind,
    /// The object's id.
    pub object: String,
    /// The participant, if any.
    pub participant: Option<String>,
    /// The speaker role of a transcript passage.
    pub role: Option<String>,
    /// The version of a transcript passage.
    pub version: Option<String>,
    /// Where the passage starts in the object's text.
    pub base: TextSize,
    /// Result order key.
    pub order: u64,
    /// The passage text.
    pub text: String,
    /// The hits, in text order; never empty.
    pub hits: Vec<Hit>,
    /// The number of hits in matches before this one.
    pub first_hit: usize,
    /// The number of matching passages before this one.
    pub passage: usize,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Hits and passages in all.
    pub total: Counts,
    /// Hits and passages per participant id (passages without a participant are not counted
    /// here).
    pub per_participant: BTreeMap<String, Counts>,
    /// The matches with at least one hit inside the requested window, in result order.
    pub matches: Vec<Match>,
}

impl Found {
    /// Appends a match, numbering it after those before and counting its hits.
    pub fn push(&mut self, mut m: Match) {
        m.first_hit = self.total.hits;
        m.passage = self.total.passages;
        self.count(&m);
        self.matches.push(m);
    }

    /// Counts a match's hits without keeping it (a match outside the requested window).
    fn count(&mut self, m: &Match) {
        self.total.add(m.hits.len());
        if let Some(pid) = &m.participant {
            self.per_participant.entry(pid.clone()).or_default().add(m.hits.len());
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    object: Field,
    participant: Field,
    role: Field,
    note_kind: Field,
    version: Field,
    base: Field,
    order: Field,
    body: Field,
    plain: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(name).set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        kind: b.add_text_field("kind", STRING | STORED),
        object: b.add_text_field("object", STRING | STORED),
        participant: b.add_text_field("participant", STRING | STORED),
        role: b.add_text_field("role", STRING | STORED),
        note_kind: b.add_text_field("note_kind", STRING | STORED),
        version: b.add_text_field("version", STORED),
        base: b.add_u64_field("base", STORED),
        order: b.add_u64_field("order", STORED),
        body: b.add_text_field("body", analysed(STEMMED)),
        plain: b.add_text_field("plain", analysed(PLAIN)),
        text: b.add_text_field("text", STORED),
    };
    (b.build(), fields)
}

/// The analyzer for stemmed (`stem = true`) or plain matching: words (letters and digits),
/// lowercased, folded to ASCII, at most 40 bytes.
pub fn analyzer(stem: bool) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    if stem {
        base.filter(Stemmer::new(Language::English)).build()
    } else {
        base.build()
    }
}

/// A word of a text: normalized form and byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lowercased, folded (and, with stemming, stemmed) form.
    pub term: String,
    /// Where it is in the text.
    pub span: Span,
    /// Its position among the words.
    pub position: usize,
}

/// The words of `text` as the index sees them.
pub fn words(text: &str, stem: bool) -> Vec<Word> {
    let mut a = analyzer(stem);
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        let span = Span::from_bounds(offset(t.offset_from), offset(t.offset_to));
        out.push(Word { term: t.text.clone(), span, position: t.position });
    }
    out
}

/// A byte offset of tantivy's or the regex crate's (a `usize`) as a [`TextSize`]; texts are far
/// below the 4 GiB it holds, and a larger one saturates rather than wraps.
fn offset(at: usize) -> TextSize {
    TextSize::new(u32::try_from(at).unwrap_or(u32::MAX))
}

fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// A query analysed for matching: sequences of terms (a word is a sequence of one).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// Consecutive terms; with `prefix`, the last one matches any term starting with it.
    Seq {
        stem: bool,
        terms: Vec<String>,
        prefix: bool,
    },
    And(Vec<Plan>),
    Or(Vec<Plan>),
    Not(Box<Plan>),
}

fn plan(node: &Node, stem: bool) -> Result<Option<Plan>, SearchError> {
    let seq = |text: &str, stem: bool, prefix: bool| -> Option<Plan> {
        let terms: Vec<String> = words(&nfc(text), stem).into_iter().map(|w| w.term).collect();
        (!terms.is_empty()).then_some(Plan::Seq { stem, terms, prefix })
    };
    Ok(match node {
        Node::Word(w) | Node::Phrase(w) => seq(w, stem, false),
        // A prefix is matched against unstemmed words: "burn*" finds "burnout" and "burning".
        Node::Prefix(p) => seq(p, false, true),
        Node::And(parts) | Node::Or(parts) => {
            let mut out = Vec::new();
            for p in parts {
                out.extend(plan(p, stem)?);
            }
            match out.len() {
                0 => None,
                1 => out.pop(),
                _ if matches!(node, Node::And(_)) => Some(Plan::And(out)),
                _ => Some(Plan::Or(out)),
            }
        }
        Node::Not(inner) => plan(inner, stem)?.map(|p| Plan::Not(Box::new(p))),
    })
}

impl Plan {
    fn query(&self, f: &Fields) -> Result<Box<dyn Query>, SearchError> {
        Ok(match self {
            Plan::Seq { stem, terms, prefix } => {
                let field = if *stem { f.body } else { f.plain };
                let term = |t: &str| Term::from_field_text(field, t);
                if *prefix {
                    let last = terms.last().expect("non-empty");
                    let pat = format!("{}.*", regex::escape(last));
                    let pq: Box<dyn Query> = Box::new(RegexQuery::from_pattern(&pat, field)?);
                    if terms.len() == 1 {
                        pq
                    } else {
                        // "weight had been lif*": the words before must form a phrase; the
                        // exact adjacency is checked when the hit is located.
                        let head: Box<dyn Query> = if terms.len() == 2 {
                            Box::new(TermQuery::new(term(&terms[0]), IndexRecordOption::Basic))
                        } else {
                            Box::new(PhraseQuery::new(terms[..terms.len() - 1].iter().map(|t| term(t)).collect()))
                        };
                        Box::new(BooleanQuery::new(vec![(Occur::Must, head), (Occur::Must, pq)]))
                    }
                } else if terms.len() == 1 {
                    Box::new(TermQuery::new(term(&terms[0]), IndexRecordOption::Basic))
                } else {
                    Box::new(PhraseQuery::new(terms.iter().map(|t| term(t)).collect()))
                }
            }
            Plan::And(parts) => {
                let mut clauses = Vec::new();
                for p in parts {
                    match p {
                        Plan::Not(inner) => clauses.push((Occur::MustNot, inner.query(f)?)),
                        _ => clauses.push((Occur::Must, p.query(f)?)),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Plan::Or(parts) => {
                let mut clauses = Vec::new();
                for p in parts {
                    clauses.push((Occur::Should, p.query(f)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Plan::Not(inner) => {
                Box::new(BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery)), (Occur::MustNot, inner.query(f)?)]))
            }
        })
    }

    /// The sequences whose occurrences are hits (not those under NOT).
    fn positives<'a>(&'a self, out: &mut Vec<(&'a [String], bool, bool)>) {
        match self {
            Plan::Seq { stem, terms, prefix } => out.push((terms, *stem, *prefix)),
            Plan::And(ps) | Plan::Or(ps) => ps.iter().for_each(|p| p.positives(out)),
            Plan::Not(_) => {}
        }
    }
}

/// The hits of the positive terms and phrases of `plan` in `text` (see [`Hit`] for how
/// occurrences group into hits).
fn locate(plan: &Plan, text: &str) -> Vec<Hit> {
    let mut seqs = Vec::new();
    plan.positives(&mut seqs);
    // A word given twice is one part of the query, not two.
    seqs.sort();
    seqs.dedup();
    let mut cache: HashMap<bool, Vec<Word>> = HashMap::new();
    // Each occurrence with the parts of the query it is an occurrence of (a bit per part).
    let mut found: Vec<(Span, u64)> = Vec::new();
    for (part, (terms, stem, prefix)) in seqs.into_iter().enumerate() {
        let ws = cache.entry(stem).or_insert_with(|| words(text, stem));
        let n = terms.len();
        for i in 0..ws.len() {
            if i + n > ws.len() {
                break;
            }
            let ok = (0..n).all(|k| {
                let w = &ws[i + k];
                let same = if prefix && k == n - 1 { w.term.starts_with(&terms[k]) } else { w.term == terms[k] };
                same && w.position == ws[i].position + k
            });
            if ok {
                // Parts beyond 64 share the last bit: such a query still finds every word, and
                // only the grouping into hits is coarser.
                found.push((Span::from_bounds(ws[i].span.start(), ws[i + n - 1].span.end()), 1 << part.min(63)));
            }
        }
    }
    group(merge(found))
}

/// Occurrences sorted, overlapping ones made one (with the parts of both).
fn merge(mut found: Vec<(Span, u64)>) -> Vec<(Span, u64)> {
    found.sort_by_key(|(r, _)| *r);
    let mut out: Vec<(Span, u64)> = Vec::with_capacity(found.len());
    for (r, parts) in found {
        match out.last_mut() {
            Some((last, p)) if r.start() < last.end() => {
                *last = Span::from_bounds(last.start(), last.end().max(r.end()));
                *p |= parts;
            }
            _ => out.push((r, parts)),
        }
    }
    out
}

/// Sorted occurrences into hits: an occurrence joins the current hit unless a part of the
/// query it is of is already there.
fn group(found: Vec<(Span, u64)>) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut seen = 0u64;
    for (r, parts) in found {
        match hits.last_mut() {
            Some(hit) if seen & parts == 0 => {
                hit.ranges.push(r);
                seen |= parts;
            }
            _ => {
                hits.push(Hit { ranges: vec![r] });
                seen = parts;
            }
        }
    }
    hits
}

/// A matching passage in pass 1: order, base, where, what, hits.
type Candidate = (u64, TextSize, DocAddress, StoredPassage, Vec<Hit>);

struct StoredPassage {
    kind: DocKind,
    object: String,
    participant: Option<String>,
    role: Option<String>,
    note_kind: Option<String>,
    version: Option<String>,
    base: TextSize,
    order: u64,
    text: String,
}

fn read_doc(f: &Fields, d: &TantivyDocument) -> StoredPassage {
    let s = |field: Field| d.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
    let n = |field: Field| d.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
    StoredPassage {
        kind: s(f.kind).and_then(|k| DocKind::parse(&k)).unwrap_or(DocKind::Transcript),
        object: s(f.object).unwrap_or_default(),
        participant: s(f.participant),
        role: s(f.role),
        note_kind: s(f.note_kind),
        version: s(f.version),
        // The index stores offsets as u64; only what `add` wrote (a u32) is ever read back.
        base: TextSize::new(u32::try_from(n(f.base)).unwrap_or(u32::MAX)),
        order: n(f.order),
        text: s(f.text).unwrap_or_default(),
    }
}

/// An open index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

fn register(index: &Index) {
    index.tokenizers().register(STEMMED, analyzer(true));
    index.tokenizers().register(PLAIN, analyzer(false));
}

impl SearchIndex {
    /// Opens the index in `dir`, or makes an empty one there (creating the folder). An index
    /// that cannot be opened, or has another schema, is deleted and made anew: it only ever
    /// holds derived data. The returned flag says whether the index is new.
    pub fn open(dir: &Path) -> Result<(SearchIndex, bool), SearchError> {
        let io = |e: std::io::Error| SearchError::Index(format!("{}: {e}", dir.display()));
        let (schema, fields) = schema();
        if dir.join("meta.json").exists() {
            if let Ok(index) = Index::open_in_dir(dir) {
                if index.schema() == schema {
                    register(&index);
                    if let Ok(reader) = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into() {
                        let ix = SearchIndex { index, reader, fields };
                        if ix.stamp().is_some() {
                            return Ok((ix, false));
                        }
                    }
                }
            }
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let index = Index::create_in_dir(dir, schema)?;
        register(&index);
        let ix = SearchIndex::from_index(index, fields)?;
        // An empty index that says so: a stamp of "nothing applied yet".
        ix.update(1)?.commit("")?;
        Ok((ix, true))
    }

    /// An index in memory (tests, one-off searches).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        register(&index);
        let ix = SearchIndex::from_index(index, fields)?;
        ix.update(1)?.commit("")?;
        Ok(ix)
    }

    fn from_index(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, fields })
    }

    /// The caller's note of what the index reflects, as given to the last [`IndexUpdate::commit`]
    /// (`Some("")` for a new index, `None` if the index was never committed by us).
    pub fn stamp(&self) -> Option<String> {
        self.index.load_metas().ok().and_then(|m| m.payload)
    }

    /// Starts a change to the index, with `threads` indexing threads (1 for small updates).
    /// Fails if another process is changing the same index.
    pub fn update(&self, threads: usize) -> Result<IndexUpdate<'_>, SearchError> {
        let threads = threads.clamp(1, 8);
        let writer = self.index.writer_with_num_threads(threads, 48_000_000 * threads)?;
        Ok(IndexUpdate { ix: self, writer })
    }

    /// How many passages the index holds.
    pub fn passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn filter_query(&self, filter: &Filter) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let any_of = |field: Field, values: &[String]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                values
                    .iter()
                    .map(|v| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic));
                        (Occur::Should, q)
                    })
                    .collect(),
            ))
        };
        let mut out = Vec::new();
        if let Some(k) = &filter.kinds {
            let words: Vec<String> = k.iter().map(|k| k.as_str().to_owned()).collect();
            out.push((Occur::Must, any_of(f.kind, &words)));
        }
        if let Some(p) = &filter.participants {
            out.push((Occur::Must, any_of(f.participant, p)));
        }
        if let Some(r) = &filter.role {
            out.push((Occur::Must, any_of(f.role, std::slice::from_ref(r))));
        }
        if let Some(n) = &filter.note_kinds {
            out.push((Occur::Must, any_of(f.note_kind, n)));
        }
        if let Some(o) = &filter.objects {
            out.push((Occur::Must, any_of(f.object, o)));
        }
        out
    }

    /// Searches; `window` selects which hits (by number, in result order) come back with their
    /// passages (`None`: all). Counts are always over every hit and passage.
    pub fn search(
        &self,
        query: &str,
        options: Options,
        filter: &Filter,
        window: Option<Range<usize>>,
    ) -> Result<Found, SearchError> {
        let searcher = self.reader.searcher();
        let f = &self.fields;
        // Pass 1: every matching passage with its hit count, in result order.
        let mut found: Vec<Candidate> = Vec::new();
        if options.regex {
            let rx = regex::RegexBuilder::new(query)
                .case_insensitive(true)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| SearchError::Query(format!("not a valid regular expression: {e}")))?;
            for (ord, seg) in searcher.segment_readers().iter().enumerate() {
                let store = seg.get_store_reader(4).map_err(|e| SearchError::Index(e.to_string()))?;
                for (doc_id, d) in (0..seg.max_doc()).zip(store.iter::<TantivyDocument>(seg.alive_bitset())) {
                    if seg.alive_bitset().is_some_and(|a| !a.is_alive(doc_id)) {
                        continue;
                    }
                    let d = d?;
                    let p = read_doc(f, &d);
                    if !filter.accepts(&p) {
                        continue;
                    }
                    let hits: Vec<Hit> = rx
                        .find_iter(&p.text)
                        .filter(|m| !m.is_empty())
                        .map(|m| Hit { ranges: vec![Span::from_bounds(offset(m.start()), offset(m.end()))] })
                        .collect();
                    if !hits.is_empty() {
                        let p = StoredPassage { text: String::new(), ..p };
                        found.push((p.order, p.base, DocAddress::new(ord as u32, doc_id), p, hits));
                    }
                }
            }
        } else {
            let node = parse(query)?;
            let Some(plan) = plan(&node, options.stem)? else {
                return Err(SearchError::Query(format!("'{query}' has no words to search for")));
            };
            let mut clauses = vec![(Occur::Must, plan.query(f)?)];
            clauses.extend(self.filter_query(filter));
            let q = BooleanQuery::new(clauses);
            let docs = searcher.search(&q, &DocSetCollector)?;
            let mut docs: Vec<DocAddress> = docs.into_iter().collect();
            docs.sort();
            for addr in docs {
                let d: TantivyDocument = searcher.doc(addr)?;
                let p = read_doc(f, &d);
                let hits = locate(&plan, &p.text);
                if !hits.is_empty() {
                    // The text is read again for the matches that are returned: holding every
                    // matching passage would cost as much memory as the corpus.
                    let p = StoredPassage { text: String::new(), ..p };
                    found.push((p.order, p.base, addr, p, hits));
                }
            }
        }
        found.sort_by(|a, b| (a.0, a.1, &a.3.object).cmp(&(b.0, b.1, &b.3.object)));
        let mut out = Found::default();
        for (order, base, addr, p, hits) in found {
            let n = hits.len();
            let first_hit = out.total.hits;
            let wanted = window.as_ref().is_none_or(|w| first_hit < w.end && first_hit + n > w.start);
            let text = if wanted { read_doc(f, &searcher.doc::<TantivyDocument>(addr)?).text } else { String::new() };
            let m = Match {
                kind: p.kind,
                object: p.object,
                participant: p.participant,
                role: p.role,
                version: p.version,
                base,
                order,
                text,
                hits,
                first_hit,
                passage: out.total.passages,
            };
            if wanted {
                out.push(m);
            } else {
                out.count(&m);
            }
        }
        Ok(out)
    }
}

/// A batch of changes to the index; nothing is visible until [`IndexUpdate::commit`].
pub struct IndexUpdate<'a> {
    ix: &'a SearchIndex,
    writer: IndexWriter,
}

impl IndexUpdate<'_> {
    /// Removes every passage.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Removes every passage of object `id`.
    pub fn remove_object(&mut self, id: &str) {
        self.writer.delete_term(Term::from_field_text(self.ix.fields.object, id));
    }

    /// Adds a passage.
    pub fn add(&mut self, p: &Passage) -> Result<(), SearchError> {
        let f = &self.ix.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.kind, p.kind.as_str());
        d.add_text(f.object, &p.object);
        for (field, v) in
            [(f.participant, &p.participant), (f.role, &p.role), (f.note_kind, &p.note_kind), (f.version, &p.version)]
        {
            if let Some(v) = v {
                d.add_text(field, v);
            }
        }
        d.add_u64(f.base, u64::from(p.base.to_u32()));
        d.add_u64(f.order, p.order);
        d.add_text(f.body, &p.text);
        d.add_text(f.plain, &p.text);
        d.add_text(f.text, &p.text);
        self.writer.add_document(d)?;
        Ok(())
    }

    /// Makes the changes visible and durable, together with `stamp` (see [`SearchIndex::stamp`]).
    pub fn commit(mut self, stamp: &str) -> Result<(), SearchError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(stamp);
        prepared.commit()?;
        self.writer.wait_merging_threads()?;
        self.ix.reader.reload()?;
        Ok(())
    }
}

/// Common English words left out of word frequencies.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "both", "but", "by", "can", "could", "couldn", "d", "did", "didn", "do", "does",
    "doesn", "doing", "don", "down", "during", "each", "even", "few", "for", "from", "get", "got", "had", "has",
    "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "isn", "it",
    "its", "just", "ll", "m", "me", "more", "most", "much", "my", "no", "nor", "not", "now", "of", "off", "oh", "on",
    "once", "one", "only", "or", "other", "our", "out", "over", "own", "re", "really", "s", "same", "she", "so",
    "some", "such", "t", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "uh", "um", "under", "until", "up", "us", "ve", "very", "was", "wasn", "we", "well",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won", "would", "wouldn",
    "yeah", "yes", "you", "your", "yours",
];

/// Word counts of `texts` (lowercased, folded, not stemmed), stop words and numbers left out,
/// most frequent first (ties alphabetically).
pub fn word_frequencies<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut a = analyzer(false);
    for t in texts {
        let mut s = a.token_stream(t);
        while let Some(tok) = s.next() {
            if tok.text.chars().all(|c| c.is_ascii_digit()) || STOP_WORDS.binary_search(&tok.text.as_str()).is_ok() {
                continue;
            }
            *counts.entry(tok.text.clone()).or_default() += 1;
        }
    }
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests;
