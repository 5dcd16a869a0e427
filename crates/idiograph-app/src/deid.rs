//! Pseudonymisation: the key store, the review queue, applying replacements as new transcript
//! versions (anchors carried exactly), sealing the originals out of the project, the
//! de-identification log and the leak check every export passes.
//!
//! Real identifiers live only in the key store ([`crate::keystore`]); the project holds the
//! review decisions (spans, never text), the counts of the log and the key store's id.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use idiograph_model::{
    cite, Assignment, ExperientialStatement, ExploratoryNote, GuideQuestion, JournalEntry, LineMapping, ObjectId,
    ObjectKind, OriginalsPolicy, Participant, ReplacementCount, ReviewDecision, ShortId, SpeakerRole, Theme,
    Transcript, TranscriptVersion, Verdict, WordDecision,
};
use idiograph_pseudonym::{
    is_english_word, leak_check, scan, CandidateKind, IdentifierKind, KnownIdentifier, KnownMatcher, MatchOptions,
    PlanBuilder, ReplacementKind, ScanOptions, CANDIDATE_KINDS,
};
use idiograph_store::{Action, Tx};
use idiograph_text::Span;

use crate::error::invalid;
use crate::keystore::{KeyStore, KnownEntry, SealedEntry};
use crate::{new_id, now, transcripts, versions, AppError, UndoOutcome, Workbench};

/// The unlocked key store of an open project, shared by every author's view of it.
pub(crate) type KeySlot = Arc<tokio::sync::Mutex<Option<KeyStore>>>;

/// Characters of context either side of a candidate in the review queue.
const CONTEXT_CHARS: usize = 40;

/// Whether the study has a key store and whether it is unlocked here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// The study has a key store (its id is recorded in the settings).
    pub exists: bool,
    /// It is unlocked in this process (and where its file is).
    pub unlocked: Option<String>,
    /// Where the server keeps it ([`Workbench::key_store_location`]), whether or not it
    /// exists yet.
    pub location: String,
    /// What pseudonymisation does with original text.
    pub originals: OriginalsPolicy,
    /// How many known identifiers it holds (when unlocked).
    pub known: usize,
}

/// A known identifier as the researcher listed it.
#[derive(Clone, PartialEq, Eq)]
pub struct KnownView {
    /// The real name, place or organisation.
    pub real: String,
    /// What replaces it (a pseudonym or a bracketed category).
    pub replacement: String,
    /// Its kind's word, e.g. `patient`, `practice`.
    pub kind: String,
    /// Other spellings.
    pub variants: Vec<String>,
}

impl std::fmt::Debug for KnownView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownView([redacted] → {}, {})", self.replacement, self.kind)
    }
}

/// Where a queue item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    /// An occurrence of a known identifier: always replaced.
    Known,
    /// A detected candidate nobody decided on yet.
    Pending,
    /// Accepted: replaced when pseudonymisation is applied.
    Accepted,
    /// Rejected: left as it is.
    Rejected,
}

impl ItemStatus {
    /// The stable word: `known`, `pending`, `accepted`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Known => "known",
            ItemStatus::Pending => "pending",
            ItemStatus::Accepted => "accepted",
            ItemStatus::Rejected => "rejected",
        }
    }
}

/// One identifier in the review queue, with its context.
#[derive(Clone)]
pub struct ReviewItem {
    /// The transcript's short id (`T3`).
    pub transcript: ShortId,
    /// The participant's pseudonym.
    pub participant: String,
    /// The version the span refers to.
    pub version_id: ObjectId,
    /// Where it is (UTF-8 bytes of that version).
    pub span: Span,
    /// The identifying text.
    pub text: String,
    /// Text before it on the page.
    pub before: String,
    /// Text after it.
    pub after: String,
    /// Its kind's word (`email`, `phone`, …, or a known identifier's kind such as `patient`).
    pub kind: String,
    /// How sure the detector is (1 for known identifiers).
    pub confidence: f32,
    /// What would replace it.
    pub replacement: String,
    /// Known, pending, accepted or rejected.
    pub status: ItemStatus,
    /// Page and line, as a citation gives them.
    pub citation: String,
    category: ReplacementKind,
}

impl std::fmt::Debug for ReviewItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReviewItem({} {:?} {} {:?} [redacted])", self.transcript, self.span, self.kind, self.status)
    }
}

/// Which detected candidates a pseudonymisation replaces besides known identifiers and accepted
/// candidates (which it always replaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyScope {
    /// Only what is known or accepted.
    Accepted,
    /// Every pending candidate too.
    All,
    /// Pending candidates of these kinds (`email`, `phone`, …) too.
    Kinds(Vec<String>),
}

/// What one transcript's pseudonymisation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudonymisedTranscript {
    /// The transcript's short id.
    pub transcript: ShortId,
    /// The new version's number.
    pub version: u32,
    /// Replacements by category label.
    pub counts: BTreeMap<String, u32>,
    /// Anchors (notes, statements, extracts) carried to the new version.
    pub anchors_moved: usize,
}

/// What one pseudonymisation did: the transcripts given a new version, and the other fields
/// rewritten.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pseudonymisation {
    /// Each transcript given a new version.
    pub transcripts: Vec<PseudonymisedTranscript>,
    /// Each other field rewritten (`N3`, `study title`…) with how many replacements it got.
    pub fields: Vec<(String, u32)>,
}

/// An identifier found in a field outside transcript text (see [`Workbench::review_fields`]).
#[derive(Clone)]
pub struct FieldItem {
    /// Where: `T1 title`, `T1 source file`, `N3`, `TH2 description`, `study title`…
    pub place: String,
    /// The identifying text.
    pub text: String,
    /// Text before it in the field.
    pub before: String,
    /// Text after it.
    pub after: String,
    /// Its kind's word (a candidate kind such as `person`, or a known identifier's kind).
    pub kind: String,
    /// What would replace it.
    pub replacement: String,
    /// Known or accepted (replaced), pending (replaced when applying all, or its kind), or
    /// rejected.
    pub status: ItemStatus,
}

impl std::fmt::Debug for FieldItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FieldItem({} {} {:?} [redacted])", self.place, self.kind, self.status)
    }
}

/// How one pseudonymisation renumbered a transcript's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbering {
    /// The old version's number.
    pub from: u32,
    /// The new version's number.
    pub to: u32,
    /// When (RFC 3339).
    pub at: String,
    /// For each old line (from 1), the new line holding its start.
    pub lines: Vec<u32>,
}

/// A line of the de-identification log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The transcript's short id.
    pub transcript: ShortId,
    /// The participant's pseudonym.
    pub participant: String,
    /// The pseudonymised version's number.
    pub version: u32,
    /// The category label.
    pub category: String,
    /// How many replacements.
    pub count: u32,
    /// When.
    pub at: String,
}

/// The de-identification log as CSV (one row per transcript version and category; no real
/// values), for the command line's `deid log -o` and the workbench's download.
pub fn deid_log_csv(log: &[LogLine]) -> String {
    let mut csv = String::from("transcript,participant,version,category,count,at\n");
    for l in log {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            l.transcript,
            csv_field(&l.participant),
            l.version,
            csv_field(&l.category),
            l.count,
            l.at
        ));
    }
    csv
}

/// A CSV field, quoted when needed and guarded against spreadsheet formulas.
fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if guarded.contains([',', '"', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Context of `span` in `text`: up to `CONTEXT_CHARS` characters either side, on one line.
fn context(text: &str, span: Span) -> (String, String) {
    let before: String = text[..span.start().to_usize()].chars().rev().take(CONTEXT_CHARS).collect();
    let before: String = before.chars().rev().collect::<String>().replace('\n', " ");
    let after: String =
        text[span.end().to_usize()..].chars().take(CONTEXT_CHARS).collect::<String>().replace('\n', " ");
    (before, after)
}

/// The candidate kind a word of the command line or the API names (`email`, `person`, …; the
/// words of earlier versions, `titled-name` and `proper-name`, too).
pub fn candidate_kind(name: &str) -> Result<CandidateKind, AppError> {
    CandidateKind::from_name(name.trim()).ok_or_else(|| {
        let kinds: Vec<&str> = CANDIDATE_KINDS.iter().map(|k| k.name()).collect();
        invalid!("unknown candidate kind '{name}' (kinds: {})", kinds.join(", "))
    })
}

/// The kind of known identifier a word of the command line or the API names (`patient`,
/// `practice`, …, in any letter case).
pub fn identifier_kind(name: &str) -> Result<IdentifierKind, AppError> {
    IdentifierKind::from_name(name).ok_or_else(|| {
        invalid!("unknown identifier kind '{name}' (kinds: {})", IdentifierKind::names().collect::<Vec<_>>().join(", "))
    })
}

/// Checks a replacement typed by a researcher: at most 80 characters on one line.
fn check_replacement(replacement: Option<&str>) -> Result<Option<&str>, AppError> {
    let replacement = replacement.map(str::trim).filter(|r| !r.is_empty());
    if replacement.is_some_and(|r| r.contains('\n') || r.chars().count() > 80) {
        return Err(invalid!("a replacement is at most 80 characters on one line"));
    }
    Ok(replacement)
}

/// The folder of the key stores of PostgreSQL projects on this machine:
/// `$IDIOGRAPH_KEY_DIR` if set, else `$XDG_DATA_HOME/idiograph/key-stores`, else
/// `~/.local/share/idiograph/key-stores` — a folder of the server's user, never one a request
/// names.
pub fn key_store_folder() -> PathBuf {
    if let Some(dir) = std::env::var_os("IDIOGRAPH_KEY_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("idiograph").join("key-stores")
}

/// Makes `dir` (and its parents) if needed, readable and writable by this user only.
fn private_folder(dir: &Path) -> Result<(), AppError> {
    let fail = |e: std::io::Error| invalid!("cannot make the key store folder {}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    Ok(())
}

impl Workbench {
    // ----- the key store -----

    /// Whether the study has a key store, and whether it is unlocked in this process.
    pub async fn key_status(&self) -> Result<KeyStatus, AppError> {
        let settings = self.store.read().await?.settings().await?;
        let slot = self.key.lock().await;
        Ok(KeyStatus {
            exists: settings.key_id.is_some(),
            unlocked: slot.as_ref().map(|k| k.path().display().to_string()),
            location: self.key_store_location().display().to_string(),
            originals: settings.originals,
            known: slot.as_ref().map_or(0, |k| k.data.known.len()),
        })
    }

    /// Where this project's key store lives when the place is the server's to choose (the
    /// workbench's pages never take a path): beside a project file, with its name and the
    /// extension `.key` (`study.idg` → `study.key`); for a project on a PostgreSQL server, in
    /// the server's private folder of key stores ([`key_store_folder`]), named after the
    /// project's id.
    pub fn key_store_location(&self) -> PathBuf {
        match self.project_file() {
            Some(file) => file.with_extension("key"),
            None => {
                let name: String =
                    self.store.name().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
                key_store_folder().join(format!("{name}.key"))
            }
        }
    }

    /// Opens the study's key store at [`Workbench::key_store_location`], making it there if
    /// the study has none (for a server project, the private folder first, readable by the
    /// server's user only).
    pub async fn unlock_key_store_here(&self, passphrase: &str) -> Result<KeyStatus, AppError> {
        let path = self.key_store_location();
        let settings = self.store.read().await?.settings().await?;
        if settings.key_id.is_some() && !path.exists() {
            return Err(invalid!(
                "this study's key store is not at {}, where the workbench keeps it; move the key file \
                 there (or unlock it from the command line with --key-file)",
                path.display()
            ));
        }
        if self.project_file().is_none() {
            private_folder(&key_store_folder())?;
        }
        self.unlock_key_store(&path, passphrase).await
    }

    /// Opens the study's key store at `path` with `passphrase`, making it first if the study has
    /// none and no file is there. Refuses a wrong passphrase or another study's key store.
    pub async fn unlock_key_store(&self, path: &Path, passphrase: &str) -> Result<KeyStatus, AppError> {
        let settings = self.store.read().await?.settings().await?;
        let key = match &settings.key_id {
            None if path.exists() => {
                return Err(invalid!(
                    "this study has no key store yet, and {} exists: give a new file name to make one",
                    path.display()
                ))
            }
            None => {
                let id = new_id().as_str().to_owned();
                let key = KeyStore::create(path, passphrase, &id)?;
                let mut tx = self.begin().await?;
                let before = tx.settings().await?;
                let mut after = before.clone();
                after.key_id = Some(id);
                let committed = match tx.update(&before, &after).await {
                    Ok(()) => tx
                        .commit(Action::CreateKeyStore, "create the key store of the study")
                        .await
                        .map_err(AppError::from),
                    Err(e) => Err(e.into()),
                };
                if let Err(e) = committed {
                    let _ = std::fs::remove_file(path);
                    return Err(e);
                }
                key
            }
            Some(id) => {
                let key = KeyStore::open(path, passphrase)?;
                if &key.data.key_id != id {
                    return Err(invalid!("{} is the key store of another study", path.display()));
                }
                key
            }
        };
        *self.key.lock().await = Some(key);
        // A withdrawal made while the key store was locked erases the participant's originals now.
        self.finish_interrupted_withdrawals().await?;
        self.key_status().await
    }

    /// Forgets the unlocked key store in this process.
    pub async fn lock_key_store(&self) {
        *self.key.lock().await = None;
    }

    /// Chooses what pseudonymisation does with original text from now on.
    pub async fn set_originals_policy(&self, policy: OriginalsPolicy) -> Result<(), AppError> {
        let mut tx = self.begin().await?;
        let before = tx.settings().await?;
        let mut after = before.clone();
        after.originals = policy;
        tx.update(&before, &after).await?;
        tx.commit(Action::EditStudy, &format!("originals after pseudonymisation: {policy}")).await?;
        Ok(())
    }

    async fn with_key<T>(&self, f: impl FnOnce(&mut KeyStore) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut slot = self.key.lock().await;
        let key = slot.as_mut().ok_or_else(|| {
            AppError::Conflict("the key store is locked: unlock it with its file and passphrase (--key-file)".into())
        })?;
        f(key)
    }

    // ----- known identifiers -----

    /// The known identifiers (needs the unlocked key store).
    pub async fn known_identifiers(&self) -> Result<Vec<KnownView>, AppError> {
        self.with_key(|k| {
            Ok(k.data
                .known
                .iter()
                .map(|e| KnownView {
                    real: e.real.clone(),
                    replacement: e.identifier().effective_replacement().to_owned(),
                    kind: e.kind.clone(),
                    variants: e.variants.clone(),
                })
                .collect())
        })
        .await
    }

    /// Adds a known identifier with its replacement (empty: the kind's bracketed category) to
    /// the key store. The audit log records that one was added, never what.
    pub async fn add_known(
        &self,
        real: &str,
        replacement: &str,
        kind: &str,
        variants: &[String],
    ) -> Result<(), AppError> {
        let real = real.trim();
        if real.chars().count() < 2 || real.contains('\n') {
            return Err(invalid!("a known identifier needs at least 2 characters on one line"));
        }
        let which = identifier_kind(kind)?;
        let entry = KnownEntry {
            real: real.to_owned(),
            replacement: replacement.trim().to_owned(),
            kind: which.name().to_owned(),
            variants: variants.iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect(),
        };
        // The matcher refuses lists it cannot match reliably; check before storing.
        let mut all: Vec<_> = self.with_key(|k| Ok(k.identifiers())).await?;
        if all.iter().any(|k| k.real.eq_ignore_ascii_case(real)) {
            return Err(AppError::Conflict("that identifier is already in the key store".into()));
        }
        all.push(entry.identifier());
        KnownMatcher::new(&all, &MatchOptions::default()).map_err(|e| invalid!("{e}"))?;
        self.with_key(|k| {
            k.data.known.push(entry);
            k.save()
        })
        .await?;
        let tx = self.begin().await?;
        tx.commit(Action::AddKnownIdentifier, &format!("add a known identifier ({}) to the key store", which.name()))
            .await?;
        Ok(())
    }

    /// Removes a known identifier from the key store.
    pub async fn remove_known(&self, real: &str) -> Result<(), AppError> {
        let kind = self
            .with_key(|k| {
                let at = k
                    .data
                    .known
                    .iter()
                    .position(|e| e.real.eq_ignore_ascii_case(real.trim()))
                    .ok_or_else(|| AppError::NotFound("no such known identifier in the key store".into()))?;
                let removed = k.data.known.remove(at);
                k.save()?;
                Ok(removed.kind)
            })
            .await?;
        let tx = self.begin().await?;
        tx.commit(Action::RemoveKnownIdentifier, &format!("remove a known identifier ({kind}) from the key store"))
            .await?;
        Ok(())
    }

    // ----- the review queue -----

    /// Every identifier found in the current transcripts: occurrences of known identifiers (when
    /// the key store is unlocked) and detected candidates with the decisions taken on them.
    pub async fn review_queue(&self) -> Result<Vec<ReviewItem>, AppError> {
        let mut tx = self.store.read().await?;
        let review = self.review_context(&mut tx).await?;
        let participants: HashMap<ObjectId, Participant> =
            tx.all::<Participant>().await?.into_iter().map(|p| (p.id.clone(), p)).collect();
        let mut items = Vec::new();
        for t in tx.all::<Transcript>().await? {
            let v = tx.version(&t.current_version).await?;
            let pseudonym = participants.get(&t.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default();
            let decisions: Vec<ReviewDecision> = tx.of_version(&v.id).await?;
            items.extend(queue_of(&t, &v, &pseudonym, &review, &decisions));
        }
        Ok(items)
    }

    /// Identifiers in every other place a person's identity can sit — transcript titles and
    /// source file names, participants' pseudonyms, attributes and interview details, notes,
    /// statements, themes, clustering rationales, journal entries, the interview guide, the
    /// study's title and research question — found like those in transcript text. They are decided by word ("every
    /// occurrence"), by kind when applying, or by adding known identifiers.
    pub async fn review_fields(&self) -> Result<Vec<FieldItem>, AppError> {
        let mut tx = self.store.read().await?;
        let review = self.review_context(&mut tx).await?;
        let mut items = Vec::new();
        for field in fields(&mut tx).await? {
            for found in review.find(&field.text, &[], &[]) {
                let (before, after) = context(&field.text, found.span);
                items.push(FieldItem {
                    place: field.place.clone(),
                    text: found.span.slice(&field.text).to_owned(),
                    before,
                    after,
                    kind: found.kind,
                    replacement: found.replacement,
                    status: found.status,
                });
            }
        }
        Ok(items)
    }

    /// What a review needs besides the texts: the known identifiers, the words decided for every
    /// occurrence, and the replacements pseudonymisation has put into texts.
    async fn review_context(&self, tx: &mut Tx) -> Result<Review, AppError> {
        let known = { self.key.lock().await.as_ref().map(|k| k.identifiers()).unwrap_or_default() };
        let words: Vec<WordDecision> = tx.all().await?;
        let decisions: Vec<ReviewDecision> = tx.all().await?;
        let participants: Vec<Participant> = tx.all().await?;
        // Participants' pseudonyms and what was chosen as replacements are not candidates (a
        // real name given as a pseudonym is still found if it is a known identifier).
        let inserted =
            decisions.into_iter().filter_map(|d| d.replacement).chain(participants.into_iter().map(|p| p.pseudonym));
        Review::new(known, words, inserted)
    }

    /// Accepts (with an optional replacement of the researcher's own) or rejects the candidate of
    /// kind `kind` at `span` of transcript `transcript`'s current version.
    pub async fn decide(
        &self,
        transcript: &str,
        span: Span,
        kind: &str,
        verdict: Verdict,
        replacement: Option<&str>,
    ) -> Result<(), AppError> {
        let kind = candidate_kind(kind)?.name();
        let replacement = check_replacement(replacement)?;
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        Span::new(&v.text, span.start().to_usize(), span.end().to_usize())
            .map_err(|e| invalid!("{}: {e}", t.short_id()))?;
        let line = v.layout.span_lines(span);
        upsert_decision(&mut tx, &self.author, &t, &v, span, kind, verdict, replacement).await?;
        tx.commit(Action::ReviewIdentifier, &format!("{verdict} a candidate ({kind}) in {}, {line}", t.short_id()))
            .await?;
        Ok(())
    }

    /// Accepts or rejects every pending candidate of `kind` at once; returns how many.
    pub async fn decide_kind(&self, kind: &str, verdict: Verdict) -> Result<usize, AppError> {
        let kind = candidate_kind(kind)?.name();
        let pending: Vec<ReviewItem> = self
            .review_queue()
            .await?
            .into_iter()
            .filter(|i| i.status == ItemStatus::Pending && i.kind == kind)
            .collect();
        let mut tx = self.begin().await?;
        for item in &pending {
            let t = transcripts::resolve(&mut tx, item.transcript).await?;
            let v = tx.version(&t.current_version).await?;
            if v.id != item.version_id {
                return Err(AppError::Conflict(format!("{} changed meanwhile; look at the queue again", t.short_id())));
            }
            upsert_decision(&mut tx, &self.author, &t, &v, item.span, kind, verdict, None).await?;
        }
        tx.commit(Action::ReviewIdentifier, &format!("{verdict} {} pending candidates ({kind})", pending.len()))
            .await?;
        Ok(pending.len())
    }

    /// "Every occurrence of this word": accepts (replaced by the next pseudonymisation, with the
    /// researcher's replacement or the kind's category) or rejects (never a candidate again)
    /// `word` wherever it stands — every transcript and every other field, in any letter case.
    /// Returns how many places of the review queue and the fields held the word before.
    pub async fn decide_word(
        &self,
        word: &str,
        kind: &str,
        verdict: Verdict,
        replacement: Option<&str>,
    ) -> Result<usize, AppError> {
        let kind = candidate_kind(kind)?;
        let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
        if word.chars().count() < 2 || word.chars().count() > 80 {
            return Err(invalid!("a word to decide everywhere has 2 to 80 characters"));
        }
        let replacement = check_replacement(replacement)?;
        let folded = word.to_lowercase();
        let same = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase() == folded;
        let places = self.review_queue().await?.into_iter().filter(|i| same(&i.text)).count()
            + self.review_fields().await?.into_iter().filter(|i| same(&i.text)).count();
        let mut tx = self.begin().await?;
        let existing: Vec<WordDecision> = tx.all().await?;
        let decision = WordDecision {
            id: new_id(),
            word: word.clone(),
            kind: kind.name().to_owned(),
            verdict,
            replacement: if verdict == Verdict::Accept { replacement.map(str::to_owned) } else { None },
            author: self.author.clone(),
            created_at: now(),
        };
        match existing.into_iter().find(|d| d.word.to_lowercase() == folded) {
            Some(before) => tx.update(&before, &WordDecision { id: before.id.clone(), ..decision }).await?,
            None => tx.insert(&decision).await?,
        }
        // The summary names the kind, never the word: an accepted one identifies someone.
        tx.commit(Action::ReviewIdentifier, &format!("{verdict} every occurrence of a word ({})", kind.name())).await?;
        Ok(places)
    }

    /// The words decided for every occurrence: (word, kind, verdict, replacement).
    pub async fn word_decisions(&self) -> Result<Vec<(String, String, Verdict, Option<String>)>, AppError> {
        let mut tx = self.store.read().await?;
        let mut words: Vec<WordDecision> = tx.all().await?;
        words.sort_by_key(|w| w.word.to_lowercase());
        Ok(words.into_iter().map(|w| (w.word, w.kind, w.verdict, w.replacement)).collect())
    }

    /// "Always replace": adds the text of the candidate at `span` to the known identifiers.
    pub async fn always_replace(
        &self,
        transcript: &str,
        span: Span,
        kind: &str,
        replacement: &str,
    ) -> Result<(), AppError> {
        let text = {
            let mut tx = self.store.read().await?;
            let t = transcripts::resolve(&mut tx, transcript).await?;
            let v = tx.version(&t.current_version).await?;
            Span::new(&v.text, span.start().to_usize(), span.end().to_usize())
                .map_err(|e| invalid!("{}: {e}", t.short_id()))?
                .slice(&v.text)
                .to_owned()
        };
        self.add_known(&text, replacement, kind, &[]).await
    }

    // ----- applying -----

    /// Replaces known identifiers, accepted candidates and words, and the pending candidates
    /// `scope` names: in transcript text (a new version of each affected transcript, every anchor
    /// carried exactly) and in every other field that can name someone (see
    /// [`Workbench::review_fields`]: a transcript's title or source file name changes with a new
    /// version too, other objects get a new revision). Then moves the superseded texts and the
    /// row images quoting the originals into the key store, or discards them, as the study's
    /// originals policy says, and scrubs the originals from every other audit row.
    pub async fn pseudonymise(&self, scope: &ApplyScope) -> Result<Pseudonymisation, AppError> {
        let named;
        let scope = match scope {
            ApplyScope::Kinds(kinds) => {
                let words: Result<Vec<String>, AppError> =
                    kinds.iter().map(|k| Ok(candidate_kind(k)?.name().to_owned())).collect();
                named = ApplyScope::Kinds(words?);
                &named
            }
            other => other,
        };
        let policy = self.store.read().await?.settings().await?.originals;
        if policy == OriginalsPolicy::KeyStore && self.key.lock().await.is_none() {
            return Err(AppError::Conflict(
                "pseudonymisation keeps the original text in the key store: unlock it first (--key-file)".into(),
            ));
        }
        let queue = self.review_queue().await?;
        let mut by_transcript: BTreeMap<ShortId, Vec<&ReviewItem>> = BTreeMap::new();
        for item in queue.iter().filter(|i| chosen(i.status, &i.kind, scope)) {
            by_transcript.entry(item.transcript).or_default().push(item);
        }
        let mut tx = self.begin().await?;
        let review = self.review_context(&mut tx).await?;
        let mut done = Pseudonymisation::default();
        let mut superseded = Vec::new();
        let mut replaced: Vec<(String, String)> = Vec::new();
        let mut transcripts: Vec<Transcript> = tx.all().await?;
        transcripts.sort_by_key(|t| t.short);
        for t in transcripts {
            let short = t.short_id();
            let items = by_transcript.remove(&short).unwrap_or_default();
            let old = tx.version(&t.current_version).await?;
            if items.iter().any(|i| i.version_id != old.id) {
                return Err(AppError::Conflict(format!("{short} changed meanwhile; look at the queue again")));
            }
            let mut field_counts = BTreeMap::new();
            let title = review.redact(&t.title, scope, &mut replaced, &mut field_counts)?;
            let source = review.redact(&old.provenance.file_name, scope, &mut replaced, &mut field_counts)?;
            if items.is_empty() && title.is_none() && source.is_none() {
                continue;
            }
            let mut plan = PlanBuilder::new(&old.text);
            for i in &items {
                plan.replacement(i.span, i.replacement.clone(), i.category);
            }
            let plan = plan.build().map_err(|e| invalid!("{short}: {e}"))?;
            let originals = plan.replacements().iter().map(|r| (r.original().to_owned(), r.replacement.clone()));
            replaced.extend(originals);
            let speakers = t.speakers.clone();
            let mut rewritten: Vec<(String, u32)> = Vec::new();
            let mut texts = |place: String, text: &str| {
                let mut counts = BTreeMap::new();
                let new = review.redact(text, scope, &mut replaced, &mut counts)?;
                if new.is_some() {
                    rewritten.push((place, counts.values().sum()));
                }
                Ok(new)
            };
            let rewrite = versions::Rewrite { title, file_name: source, texts: &mut texts };
            let (version, moved, lines) = versions::new_version(
                &mut tx,
                &t,
                &plan.to_edits(),
                |old_turns, new_turns| relabel(&speakers, old_turns, new_turns),
                rewrite,
            )
            .await?;
            done.fields.extend(rewritten);
            tx.insert(&LineMapping {
                id: version.id.clone(),
                participant_id: t.participant_id.clone(),
                transcript_id: t.id.clone(),
                from_version: old.id.clone(),
                lines,
                created_at: now(),
            })
            .await?;
            superseded.extend(tx.version_ids(&t.id).await?.into_iter().filter(|id| id != &version.id));
            let mut counts = BTreeMap::new();
            for (category, n) in plan.counts().into_iter().map(|(c, n)| (c.to_owned(), n as u32)).chain(field_counts) {
                *counts.entry(category).or_insert(0) += n;
            }
            for (category, n) in &counts {
                tx.insert(&ReplacementCount {
                    id: new_id(),
                    participant_id: t.participant_id.clone(),
                    transcript_id: t.id.clone(),
                    version_id: version.id.clone(),
                    category: category.clone(),
                    count: *n,
                    created_at: now(),
                })
                .await?;
            }
            done.transcripts.push(PseudonymisedTranscript {
                transcript: short,
                version: version.number,
                counts,
                anchors_moved: moved,
            });
        }
        let fields = pseudonymise_fields(&mut tx, &review, scope, &mut replaced).await?;
        done.fields.extend(fields);
        // Accepted words are replaced now: their decisions, which quote them, go.
        for w in tx.all::<WordDecision>().await? {
            if w.verdict == Verdict::Accept {
                let with = w.replacement.clone().unwrap_or_else(|| {
                    CandidateKind::from_name(&w.kind).unwrap_or(CandidateKind::Other).label().to_owned()
                });
                replaced.push((w.word.clone(), with));
                tx.delete(&w).await?;
            }
        }
        if done.transcripts.is_empty() && done.fields.is_empty() {
            return Ok(done);
        }
        // Known identifiers are scrubbed from old row images even where this run found none,
        // with each part of a person's name, since a quote's context may cut a name in two.
        let known = self.key.lock().await.as_ref().map(|k| k.identifiers()).unwrap_or_default();
        for k in &known {
            let with = k.effective_replacement().to_owned();
            let mut forms: Vec<&str> = vec![&k.real];
            forms.extend(k.variants.iter().map(String::as_str));
            if k.kind.is_person() {
                let parts: Vec<&str> = forms.iter().flat_map(|f| f.split_whitespace()).collect();
                forms.extend(parts.into_iter().filter(|p| p.chars().count() >= 3 && !is_title(p)));
            }
            // In file and user names a name is often lower case (`siobhan_hargreaves`); a name
            // that is also an ordinary word ("Will") only as written, or "will" would go too.
            for f in forms {
                replaced.push((f.to_owned(), with.clone()));
                if !f.split_whitespace().all(is_english_word) {
                    replaced.push((f.to_lowercase(), with.clone()));
                    replaced.push((f.to_uppercase(), with.clone()));
                }
            }
        }
        let mut summary: Vec<String> = done
            .transcripts
            .iter()
            .map(|d| {
                format!("{} (version {}: {} replacements)", d.transcript, d.version, d.counts.values().sum::<u32>())
            })
            .collect();
        if !done.fields.is_empty() {
            summary.push(format!("{} other fields", done.fields.len()));
        }
        let seq = tx.commit(Action::Pseudonymise, &format!("pseudonymise {}", summary.join(", "))).await?;
        let versions: Vec<String> = superseded.iter().map(|id| id.as_str().to_owned()).collect();
        self.seal(seq, versions, replaced, policy).await?;
        Ok(done)
    }

    /// Takes the originals of command `seq` out of the project (into the key store, or away).
    async fn seal(
        &self,
        seq: i64,
        versions: Vec<String>,
        replaced: Vec<(String, String)>,
        policy: OriginalsPolicy,
    ) -> Result<(), AppError> {
        let payload = self.store.sealed_payload(seq, &versions).await?;
        if policy == OriginalsPolicy::KeyStore {
            // The key store is written (and flushed) before anything leaves the project.
            let entry = SealedEntry {
                seq,
                versions,
                texts: payload.texts.iter().map(|t| (t.hash.clone(), t.body.clone())).collect(),
                images: payload.images.clone(),
                replaced: replaced.clone(),
                version_rows: payload.versions.clone(),
            };
            self.with_key(|k| {
                k.data.sealed.retain(|e| e.seq != seq);
                k.data.sealed.push(entry);
                k.save()
            })
            .await?;
        }
        self.store.seal(&payload, &replaced, policy == OriginalsPolicy::KeyStore).await?;
        self.forget_search_index();
        Ok(())
    }

    /// Undo that brings sealed originals back from the key store when the command needs them.
    pub(crate) async fn undo_restoring(&self) -> Result<Option<UndoOutcome>, AppError> {
        let Some((event, needs_key)) = self.store.next_undo(&self.author).await? else { return Ok(None) };
        if !needs_key {
            return Ok(self.store.undo(&self.author, &now()).await?);
        }
        let payload = self
            .with_key(|k| {
                k.data.sealed.iter().find(|e| e.seq == event.seq).map(SealedEntry::payload).ok_or_else(|| {
                    AppError::Conflict(format!(
                        "the key store holds no originals of '{}' (#{}); it cannot be undone",
                        event.action, event.seq
                    ))
                })
            })
            .await
            .map_err(|e| match e {
                AppError::Conflict(m) if m.starts_with("the key store is locked") => AppError::Conflict(format!(
                    "undoing '{}' (#{}) brings back original text from the key store: unlock it first (--key-file)",
                    event.action, event.seq
                )),
                other => other,
            })?;
        let outcome = self.store.undo_restoring(&self.author, &now(), Some(&payload)).await?;
        self.forget_search_index();
        Ok(outcome)
    }

    /// Redo that seals the originals again after re-applying a pseudonymisation.
    pub(crate) async fn redo_resealing(&self) -> Result<Option<UndoOutcome>, AppError> {
        let Some(next) = self.store.next_redo(&self.author).await? else { return Ok(None) };
        let entry = if next.action == Action::Pseudonymise {
            let found = self.with_key(|k| Ok(k.data.sealed.iter().find(|e| e.seq == next.seq).cloned())).await;
            match found {
                Ok(Some(entry)) => Some(entry),
                _ => {
                    return Err(AppError::Conflict(format!(
                        "redoing '{}' (#{}) must seal the originals again: unlock the key store first (--key-file)",
                        next.action, next.seq
                    )))
                }
            }
        } else {
            None
        };
        let outcome = self.store.redo(&self.author, &now()).await?;
        if let (Some(entry), Some(_)) = (entry, &outcome) {
            self.seal(entry.seq, entry.versions, entry.replaced, OriginalsPolicy::KeyStore).await?;
        }
        Ok(outcome)
    }

    // ----- the log, line mappings and the leak check -----

    /// Each pseudonymisation of `transcript`: when, the old and new version numbers and, for each
    /// old line (from 1), the new line holding its start — to find a citation made before.
    pub async fn line_mappings(&self, transcript: impl crate::Reference) -> Result<Vec<Renumbering>, AppError> {
        let mut tx = self.store.read().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let mut out = Vec::new();
        for m in tx.of_transcript::<LineMapping>(&t.id).await? {
            let from = version_number(&mut tx, &m.from_version).await?;
            let to = version_number(&mut tx, &m.id).await?;
            out.push(Renumbering { from, to, at: m.created_at, lines: m.lines });
        }
        out.sort_by_key(|r| (r.from, r.to));
        Ok(out)
    }

    /// The de-identification log: replacements by category per transcript, no real values.
    pub async fn deid_log(&self) -> Result<Vec<LogLine>, AppError> {
        let mut tx = self.store.read().await?;
        let participants: HashMap<ObjectId, String> =
            tx.all::<Participant>().await?.into_iter().map(|p| (p.id, p.pseudonym)).collect();
        let transcripts: HashMap<ObjectId, ShortId> =
            tx.all::<Transcript>().await?.into_iter().map(|t| (t.id.clone(), t.short_id())).collect();
        let mut lines = Vec::new();
        for c in tx.all::<ReplacementCount>().await? {
            let number = version_number(&mut tx, &c.version_id).await?;
            lines.push(LogLine {
                transcript: transcripts
                    .get(&c.transcript_id)
                    .copied()
                    .unwrap_or(ShortId::new(ObjectKind::Transcript, 0)),
                participant: participants.get(&c.participant_id).cloned().unwrap_or_default(),
                version: number,
                category: c.category,
                count: c.count,
                at: c.created_at,
            });
        }
        lines.sort_by(|a, b| (a.transcript, a.version, &a.category).cmp(&(b.transcript, b.version, &b.category)));
        Ok(lines)
    }

    /// The leak check every export passes: `bytes` (text, or a zip of XML parts) must not contain
    /// a known real name. When the study has a key store, a locked store or a leak refuses the
    /// export unless `allow` is set, and an allowed one is recorded in the audit log.
    pub(crate) async fn leak_gate(&self, what: &str, bytes: &[u8], allow: bool) -> Result<(), AppError> {
        let has_key = self.store.read().await?.settings().await?.key_id.is_some();
        if !has_key {
            return Ok(());
        }
        let known = self.key.lock().await.as_ref().map(|k| k.identifiers());
        let Some(known) = known else {
            if allow {
                let tx = self.begin().await?;
                tx.commit(Action::ExportUnchecked, &format!("export {what} without the leak check (key store locked), on the researcher's explicit override")).await?;
                return Ok(());
            }
            return Err(AppError::Leak(format!(
                "this study has a key store: unlock it (--key-file) so the {what} export can be checked for real names, or allow the export unchecked (--allow-leaks; recorded in the audit log)"
            )));
        };
        let mut places: Vec<String> = Vec::new();
        for (part, text) in export_texts(bytes) {
            let leaks = leak_check(&text, &known).map_err(|e| invalid!("{e}"))?;
            for l in leaks {
                let line = text[..l.span.start().to_usize()].matches('\n').count() + 1;
                let place = if part.is_empty() { format!("line {line}") } else { format!("{part}, line {line}") };
                places.push(format!("'{}' ({place})", l.found()));
            }
        }
        if places.is_empty() {
            return Ok(());
        }
        if allow {
            let tx = self.begin().await?;
            tx.commit(
                Action::ExportDespiteLeaks,
                &format!(
                    "export {what} with {} places naming known identifiers, on the researcher's explicit override",
                    places.len()
                ),
            )
            .await?;
            return Ok(());
        }
        let shown: Vec<&str> = places.iter().take(20).map(String::as_str).collect();
        let more = if places.len() > 20 { format!(" and {} more", places.len() - 20) } else { String::new() };
        Err(AppError::Leak(format!(
            "the {what} export contains known real names at {} places: {}{more}; pseudonymise them (or edit the notes that name them), or allow it (--allow-leaks; recorded in the audit log)",
            places.len(),
            shown.join(", ")
        )))
    }
}

/// Whether a word of a name is a title (`Dr`, `Prof.`), which alone identifies nobody.
fn is_title(word: &str) -> bool {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    ["dr", "mr", "mrs", "ms", "miss", "prof", "professor", "sir", "dame", "rev"].contains(&w.as_str())
}

/// What a review needs besides the texts: the known identifiers, the words decided for every
/// occurrence, and the replacements already put into texts (never candidates themselves).
struct Review {
    known: Vec<KnownIdentifier>,
    matcher: KnownMatcher,
    /// Accepted words, as identifiers of their own, with the kinds they were accepted as.
    accepted: Vec<(KnownIdentifier, CandidateKind)>,
    accepted_matcher: KnownMatcher,
    options: ScanOptions,
}

/// One identifier found in a text, before it is placed in a transcript or a field.
struct Found {
    span: Span,
    kind: String,
    confidence: f32,
    replacement: String,
    status: ItemStatus,
    category: ReplacementKind,
}

impl Review {
    fn new(
        known: Vec<KnownIdentifier>,
        words: Vec<WordDecision>,
        inserted: impl Iterator<Item = String>,
    ) -> Result<Review, AppError> {
        let matcher = KnownMatcher::new(&known, &MatchOptions::default()).map_err(|e| invalid!("{e}"))?;
        let mut accepted = Vec::new();
        let mut ignore = Vec::new();
        for w in &words {
            match w.verdict {
                Verdict::Reject => ignore.push(w.word.clone()),
                Verdict::Accept => {
                    let kind = CandidateKind::from_name(&w.kind).unwrap_or(CandidateKind::Other);
                    let with = w.replacement.clone().unwrap_or_else(|| kind.label().to_owned());
                    accepted.push((KnownIdentifier::new(w.word.clone(), with, IdentifierKind::Other), kind));
                }
            }
        }
        let as_known: Vec<KnownIdentifier> = accepted.iter().map(|(k, _)| k.clone()).collect();
        let exact =
            MatchOptions { given_name: false, surname: false, titled_surname: false, ..MatchOptions::default() };
        let accepted_matcher = KnownMatcher::new(&as_known, &exact).map_err(|e| invalid!("{e}"))?;
        let mut inserted: Vec<String> = inserted.collect();
        inserted.extend(known.iter().map(|k| k.effective_replacement().to_owned()));
        inserted.extend(as_known.iter().map(|k| k.effective_replacement().to_owned()));
        inserted.extend(CANDIDATE_KINDS.iter().map(|k| k.label().to_owned()));
        let options = ScanOptions { ignore, inserted, ..ScanOptions::default() };
        Ok(Review { known, matcher, accepted, accepted_matcher, options })
    }

    /// Every identifier in `text`: known identifiers and accepted words first (they win over
    /// any candidate they overlap), then the detected candidates with the `decisions` on them.
    /// A name candidate overlapping a known identifier gives way to it ("Mrs Agnes Whyte" is
    /// "Mrs [Patient]"); any other (an email made of a real name) is replaced whole.
    fn find(&self, text: &str, labels: &[Span], decisions: &[ReviewDecision]) -> Vec<Found> {
        let mut items = Vec::new();
        let known_matches = self.matcher.find(text);
        for m in &known_matches {
            let kind = self.known.get(m.identifier).map_or(IdentifierKind::Other, |k| k.kind);
            items.push(Found {
                span: m.span,
                kind: kind.name().to_owned(),
                confidence: 1.0,
                replacement: m.replacement.clone(),
                status: ItemStatus::Known,
                category: ReplacementKind::Known(kind),
            });
        }
        let overlaps = |a: Span, b: Span| a.start() < b.end() && b.start() < a.end();
        let mut taken: Vec<Span> = known_matches.iter().map(|m| m.span).collect();
        for m in self.accepted_matcher.find(text) {
            if taken.iter().any(|t| overlaps(*t, m.span)) {
                continue;
            }
            let kind = self.accepted.get(m.identifier).map_or(CandidateKind::Other, |(_, k)| *k);
            taken.push(m.span);
            items.push(Found {
                span: m.span,
                kind: kind.name().to_owned(),
                confidence: 1.0,
                replacement: m.replacement.clone(),
                status: ItemStatus::Accepted,
                category: ReplacementKind::Detected(kind),
            });
        }
        let options = ScanOptions { speaker_labels: labels.to_vec(), ..self.options.clone() };
        for c in scan(text, &options) {
            let inside = taken.iter().any(|t| t.start() <= c.span.start() && c.span.end() <= t.end());
            let overlapping = taken.iter().any(|t| overlaps(*t, c.span));
            if inside || (overlapping && c.kind.is_name()) {
                continue;
            }
            let decision = decisions.iter().find(|d| d.span == c.span && d.kind == c.kind.name());
            let (status, replacement) = match decision {
                // Holding part of a known identifier (an email made of a real name): replaced
                // whole, or the rest of it would still point at the person.
                _ if overlapping => (ItemStatus::Known, c.default_replacement().to_owned()),
                Some(d) if d.verdict == Verdict::Accept => {
                    (ItemStatus::Accepted, d.replacement.clone().unwrap_or_else(|| c.default_replacement().to_owned()))
                }
                Some(_) => (ItemStatus::Rejected, c.default_replacement().to_owned()),
                None => (ItemStatus::Pending, c.default_replacement().to_owned()),
            };
            items.push(Found {
                span: c.span,
                kind: c.kind.name().to_owned(),
                confidence: c.confidence,
                replacement,
                status,
                category: ReplacementKind::Detected(c.kind),
            });
        }
        items.sort_by_key(|i| (i.span.start(), i.span.end()));
        items
    }

    /// `text` with what `scope` chooses replaced, or `None` when nothing is; the replaced words
    /// with their replacements go to `replaced` (for scrubbing the audit images) and the count
    /// by category to `counts`.
    fn redact(
        &self,
        text: &str,
        scope: &ApplyScope,
        replaced: &mut Vec<(String, String)>,
        counts: &mut BTreeMap<String, u32>,
    ) -> Result<Option<String>, AppError> {
        let mut plan = PlanBuilder::new(text);
        for f in self.find(text, &[], &[]).into_iter().filter(|f| chosen(f.status, &f.kind, scope)) {
            plan.replacement(f.span, f.replacement, f.category);
        }
        let plan = plan.build().map_err(|e| invalid!("{e}"))?;
        if plan.is_empty() {
            return Ok(None);
        }
        replaced.extend(plan.replacements().iter().map(|r| (r.original().to_owned(), r.replacement.clone())));
        for (category, n) in plan.counts() {
            *counts.entry(category.to_owned()).or_default() += n as u32;
        }
        Ok(Some(plan.apply(text).map_err(|e| invalid!("{e}"))?.0))
    }
}

/// Whether a pseudonymisation with `scope` replaces an item of status `status` and kind `kind`.
fn chosen(status: ItemStatus, kind: &str, scope: &ApplyScope) -> bool {
    match status {
        ItemStatus::Known | ItemStatus::Accepted => true,
        ItemStatus::Rejected => false,
        ItemStatus::Pending => match scope {
            ApplyScope::Accepted => false,
            ApplyScope::All => true,
            ApplyScope::Kinds(kinds) => kinds.iter().any(|k| k == kind),
        },
    }
}

/// The queue items of one transcript version.
fn queue_of(
    t: &Transcript,
    v: &TranscriptVersion,
    pseudonym: &str,
    review: &Review,
    decisions: &[ReviewDecision],
) -> Vec<ReviewItem> {
    let labels: Vec<Span> = v.turns.iter().filter_map(|turn| turn.label_span).collect();
    review
        .find(&v.text, &labels, decisions)
        .into_iter()
        .map(|f| {
            let (before, after) = context(&v.text, f.span);
            ReviewItem {
                transcript: t.short_id(),
                participant: pseudonym.to_owned(),
                version_id: v.id.clone(),
                span: f.span,
                text: f.span.slice(&v.text).to_owned(),
                before,
                after,
                kind: f.kind,
                confidence: f.confidence,
                replacement: f.replacement,
                status: f.status,
                citation: cite(pseudonym, &v.layout, f.span),
                category: f.category,
            }
        })
        .collect()
}

/// A text outside transcript text that can name someone, and where it is.
struct Field {
    /// Where, for the researcher: `T1 title`, `N3`, `P2 attribute 'school'`, `study title`.
    place: String,
    text: String,
}

/// Every field outside transcript text that can name someone (see
/// [`Workbench::review_fields`]), in a stable order.
async fn fields(tx: &mut Tx) -> Result<Vec<Field>, AppError> {
    let mut out = Vec::new();
    let mut push = |place: String, text: &str| {
        if !text.trim().is_empty() {
            out.push(Field { place, text: text.to_owned() });
        }
    };
    let study = tx.settings().await?;
    push("study title".into(), &study.title);
    push("research question".into(), study.research_question.as_deref().unwrap_or(""));
    let mut participants: Vec<Participant> = tx.all().await?;
    participants.sort_by_key(|p| p.short);
    for p in &participants {
        push(format!("{} pseudonym", p.short_id()), &p.pseudonym);
        for (k, v) in &p.attributes {
            push(format!("{} attribute '{k}'", p.short_id()), v);
        }
        push(format!("{} interview mode", p.short_id()), p.interview.mode.as_deref().unwrap_or(""));
        push(format!("{} interviewer", p.short_id()), p.interview.interviewer.as_deref().unwrap_or(""));
        push(format!("{} interview date", p.short_id()), p.interview.date.as_deref().unwrap_or(""));
    }
    let mut transcripts: Vec<Transcript> = tx.all().await?;
    transcripts.sort_by_key(|t| t.short);
    for t in &transcripts {
        push(format!("{} title", t.short_id()), &t.title);
        let v = tx.version(&t.current_version).await?;
        push(format!("{} source file", t.short_id()), &v.provenance.file_name);
    }
    let mut notes: Vec<ExploratoryNote> = tx.all().await?;
    notes.sort_by_key(|n| n.short);
    for n in &notes {
        push(n.short_id().to_string(), &n.text);
    }
    let mut statements: Vec<ExperientialStatement> = tx.all().await?;
    statements.sort_by_key(|s| s.short);
    for s in &statements {
        push(s.short_id().to_string(), &s.text);
    }
    let mut themes: Vec<Theme> = tx.all().await?;
    themes.sort_by_key(|t| t.short);
    for t in &themes {
        push(format!("{} title", t.short_id()), &t.title);
        push(format!("{} description", t.short_id()), t.description.as_deref().unwrap_or(""));
        push(format!("{} note", t.short_id()), t.note.as_deref().unwrap_or(""));
    }
    let mut assignments: Vec<Assignment> = tx.all().await?;
    assignments.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.as_str().cmp(b.id.as_str())));
    for a in &assignments {
        push("a clustering rationale".into(), a.rationale.as_deref().unwrap_or(""));
    }
    let mut journal: Vec<JournalEntry> = tx.all().await?;
    journal.sort_by_key(|j| j.short);
    for j in &journal {
        push(j.short_id().to_string(), &j.text);
    }
    let mut guide: Vec<GuideQuestion> = tx.all().await?;
    guide.sort_by_key(|q| q.short);
    for q in &guide {
        push(q.short_id().to_string(), &q.text);
    }
    Ok(out)
}

/// Redacts one field in place (its place, its value, the replacements made so far); whether it changed.
type Redact<'a> = dyn FnMut(String, &mut String, &mut Vec<(String, String)>) -> Result<bool, AppError> + 'a;

/// Rewrites every field outside transcripts that holds something `scope` replaces (each object
/// once, as a new revision in the command's transaction); returns each field's place and count.
async fn pseudonymise_fields(
    tx: &mut Tx,
    review: &Review,
    scope: &ApplyScope,
    replaced: &mut Vec<(String, String)>,
) -> Result<Vec<(String, u32)>, AppError> {
    let mut done: Vec<(String, u32)> = Vec::new();
    // Redacts one field in place, noting its place and count; whether it changed.
    let mut redact = |place: String, value: &mut String, replaced: &mut Vec<(String, String)>| {
        let mut counts = BTreeMap::new();
        let changed = review.redact(value, scope, replaced, &mut counts)?;
        Ok::<bool, AppError>(match changed {
            Some(new) => {
                *value = new;
                done.push((place, counts.values().sum()));
                true
            }
            None => false,
        })
    };
    let redact_opt =
        |place: String, value: &mut Option<String>, replaced: &mut Vec<(String, String)>, redact: &mut Redact| {
            match value {
                Some(v) => redact(place, v, replaced),
                None => Ok(false),
            }
        };

    let before = tx.settings().await?;
    let mut after = before.clone();
    let a = redact("study title".into(), &mut after.title, replaced)?;
    let b = redact_opt("research question".into(), &mut after.research_question, replaced, &mut redact)?;
    if a || b {
        tx.update(&before, &after).await?;
    }

    let mut participants: Vec<Participant> = tx.all().await?;
    participants.sort_by_key(|p| p.short);
    let mut taken: std::collections::HashSet<String> =
        participants.iter().map(|p| p.pseudonym.to_lowercase()).collect();
    for p in &participants {
        let mut m = p.clone();
        let mut changed = false;
        if redact(format!("{} pseudonym", p.short_id()), &mut m.pseudonym, replaced)? {
            // Pseudonyms are unique: "[Participant]" twice becomes "[Participant] P2".
            if taken.contains(&m.pseudonym.to_lowercase()) {
                m.pseudonym = format!("{} {}", m.pseudonym, p.short_id());
            }
            taken.remove(&p.pseudonym.to_lowercase());
            taken.insert(m.pseudonym.to_lowercase());
            changed = true;
        }
        for (k, v) in m.attributes.iter_mut() {
            changed |= redact(format!("{} attribute '{k}'", p.short_id()), v, replaced)?;
        }
        changed |=
            redact_opt(format!("{} interview mode", p.short_id()), &mut m.interview.mode, replaced, &mut redact)?;
        changed |=
            redact_opt(format!("{} interviewer", p.short_id()), &mut m.interview.interviewer, replaced, &mut redact)?;
        changed |=
            redact_opt(format!("{} interview date", p.short_id()), &mut m.interview.date, replaced, &mut redact)?;
        if changed {
            tx.update(p, &m).await?;
        }
    }
    for n in tx.all::<ExploratoryNote>().await? {
        let mut m = n.clone();
        if redact(n.short_id().to_string(), &mut m.text, replaced)? {
            tx.update(&n, &m).await?;
        }
    }
    for s in tx.all::<ExperientialStatement>().await? {
        let mut m = s.clone();
        if redact(s.short_id().to_string(), &mut m.text, replaced)? {
            tx.update(&s, &m).await?;
        }
    }
    for t in tx.all::<Theme>().await? {
        let mut m = t.clone();
        let a = redact(format!("{} title", t.short_id()), &mut m.title, replaced)?;
        let b = redact_opt(format!("{} description", t.short_id()), &mut m.description, replaced, &mut redact)?;
        let c = redact_opt(format!("{} note", t.short_id()), &mut m.note, replaced, &mut redact)?;
        if a || b || c {
            tx.update(&t, &m).await?;
        }
    }
    for a in tx.all::<Assignment>().await? {
        let mut m = a.clone();
        if redact_opt("a clustering rationale".into(), &mut m.rationale, replaced, &mut redact)? {
            tx.update(&a, &m).await?;
        }
    }
    for j in tx.all::<JournalEntry>().await? {
        let mut m = j.clone();
        if redact(j.short_id().to_string(), &mut m.text, replaced)? {
            tx.update(&j, &m).await?;
        }
    }
    for q in tx.all::<GuideQuestion>().await? {
        let mut m = q.clone();
        if redact(q.short_id().to_string(), &mut m.text, replaced)? {
            tx.update(&q, &m).await?;
        }
    }
    Ok(done)
}

/// Inserts or replaces the decision on one candidate.
#[allow(clippy::too_many_arguments)]
async fn upsert_decision(
    tx: &mut Tx,
    author: &str,
    t: &Transcript,
    v: &TranscriptVersion,
    span: Span,
    kind: &str,
    verdict: Verdict,
    replacement: Option<&str>,
) -> Result<(), AppError> {
    let existing: Vec<ReviewDecision> = tx.of_version(&v.id).await?;
    let decision = ReviewDecision {
        id: new_id(),
        participant_id: t.participant_id.clone(),
        transcript_id: t.id.clone(),
        version_id: v.id.clone(),
        span,
        kind: kind.to_owned(),
        verdict,
        replacement: replacement.map(str::to_owned),
        author: author.to_owned(),
        created_at: now(),
    };
    match existing.into_iter().find(|d| d.span == span && d.kind == kind) {
        Some(before) => {
            let after = ReviewDecision { id: before.id.clone(), ..decision };
            tx.update(&before, &after).await?;
        }
        None => tx.insert(&decision).await?,
    }
    Ok(())
}

/// The speaker roles under the labels of the new version's turns.
fn relabel(
    speakers: &BTreeMap<String, SpeakerRole>,
    old_turns: &[idiograph_model::Turn],
    new_turns: &[idiograph_model::Turn],
) -> BTreeMap<String, SpeakerRole> {
    let mut out = BTreeMap::new();
    let mut renamed = std::collections::BTreeSet::new();
    for (old, new) in old_turns.iter().zip(new_turns) {
        if let (Some(o), Some(n)) = (&old.label, &new.label) {
            if let Some(role) = speakers.get(o) {
                out.insert(n.clone(), *role);
                if o != n {
                    renamed.insert(o.clone());
                }
            }
        }
    }
    for (label, role) in speakers {
        if !renamed.contains(label) {
            out.entry(label.clone()).or_insert(*role);
        }
    }
    out
}

async fn version_number(tx: &mut Tx, id: &ObjectId) -> Result<u32, AppError> {
    // Read without the text: a superseded version may be sealed.
    Ok(tx.version_number(id).await?.unwrap_or(0))
}

/// The texts an export holds: the bytes themselves, or each XML/text part of a zip (docx, xlsx,
/// qdpx), named by part.
fn export_texts(bytes: &[u8]) -> Vec<(String, String)> {
    if bytes.starts_with(b"PK\x03\x04") {
        if let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            let mut parts = Vec::new();
            for i in 0..zip.len() {
                let Ok(mut file) = zip.by_index(i) else { continue };
                let name = String::from_utf8_lossy(file.name_raw()).into_owned();
                // A recording in a .qdpx is no text, and may be a gigabyte: not read.
                if crate::media_type(&name).is_some() {
                    continue;
                }
                let mut text = String::new();
                use std::io::Read;
                // Binary parts (images) are not text and cannot hold a name the check can read.
                if (&mut file).take(256 << 20).read_to_string(&mut text).is_ok() {
                    parts.push((name, text));
                }
            }
            return parts;
        }
    }
    vec![(String::new(), String::from_utf8_lossy(bytes).into_owned())]
}
