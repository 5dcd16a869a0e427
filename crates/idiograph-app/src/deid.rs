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
    cite, LineMapping, ObjectId, OriginalsPolicy, Participant, ReplacementCount, ReviewDecision, SpeakerRole,
    Transcript, TranscriptVersion, Verdict,
};
use idiograph_pseudonym::{
    leak_check, scan, Candidate, CandidateKind, IdentifierKind, KnownMatcher, MatchOptions, PlanBuilder,
    ReplacementKind, ScanOptions,
};
use idiograph_store::Tx;
use idiograph_text::Span;

use crate::error::invalid;
use crate::keystore::{KeyStore, KnownEntry, SealedEntry};
use crate::{new_id, now, transcripts, versions, AppError, UndoOutcome, Workbench};

/// The unlocked key store of an open project, shared by every author's view of it.
pub(crate) type KeySlot = Arc<tokio::sync::Mutex<Option<KeyStore>>>;

/// Characters of context either side of a candidate in the review queue.
const CONTEXT_CHARS: usize = 40;

/// The action word of a pseudonymisation in the audit log.
const PSEUDONYMISE: &str = "pseudonymise";

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
    /// The transcript's short number (`T3` → 3).
    pub transcript: u32,
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
        write!(f, "ReviewItem(T{} {:?} {} {:?} [redacted])", self.transcript, self.span, self.kind, self.status)
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
    /// The transcript's short number.
    pub transcript: u32,
    /// The new version's number.
    pub version: u32,
    /// Replacements by category label.
    pub counts: BTreeMap<String, u32>,
    /// Anchors (notes, statements, extracts) carried to the new version.
    pub anchors_moved: usize,
}

/// A line of the de-identification log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The transcript's short number.
    pub transcript: u32,
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
            "T{},{},{},{},{},{}\n",
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

fn detected_kind(name: &str) -> Option<Vec<CandidateKind>> {
    let known = [
        CandidateKind::Email,
        CandidateKind::Url,
        CandidateKind::NhsNumber,
        CandidateKind::Phone,
        CandidateKind::Postcode,
        CandidateKind::Date,
        CandidateKind::Address,
        CandidateKind::SpeakerLabel,
        CandidateKind::TitledName,
        CandidateKind::ProperName,
    ];
    if name == "organisation" {
        return Some(vec![]);
    }
    known.iter().find(|k| k.name() == name).map(|k| vec![*k])
}

/// Checks a kind word of the command line (`email,phone,…`).
fn check_kind(name: &str) -> Result<(), AppError> {
    if detected_kind(name).is_some() {
        return Ok(());
    }
    Err(invalid!(
        "unknown candidate kind '{name}' (kinds: email, url, nhs-number, phone, postcode, date, address, organisation, speaker-label, titled-name, proper-name)"
    ))
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
                    Ok(()) => {
                        tx.commit("create key store", "create the key store of the study").await.map_err(AppError::from)
                    }
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
        tx.commit("edit study", &format!("originals after pseudonymisation: {policy}")).await?;
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
        let identifier_kind = IdentifierKind::from_name(kind).ok_or_else(|| {
            invalid!(
                "unknown identifier kind '{kind}' (kinds: {})",
                IdentifierKind::names().collect::<Vec<_>>().join(", ")
            )
        })?;
        let entry = KnownEntry {
            real: real.to_owned(),
            replacement: replacement.trim().to_owned(),
            kind: identifier_kind.name().to_owned(),
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
        tx.commit(
            "add known identifier",
            &format!("add a known identifier ({}) to the key store", identifier_kind.name()),
        )
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
        tx.commit("remove known identifier", &format!("remove a known identifier ({kind}) from the key store")).await?;
        Ok(())
    }

    // ----- the review queue -----

    /// Every identifier found in the current transcripts: occurrences of known identifiers (when
    /// the key store is unlocked) and detected candidates with the decisions taken on them.
    pub async fn review_queue(&self) -> Result<Vec<ReviewItem>, AppError> {
        let known = { self.key.lock().await.as_ref().map(|k| k.identifiers()).unwrap_or_default() };
        let matcher = KnownMatcher::new(&known, &MatchOptions::default()).map_err(|e| invalid!("{e}"))?;
        let mut tx = self.store.read().await?;
        let participants: HashMap<ObjectId, Participant> =
            tx.all::<Participant>().await?.into_iter().map(|p| (p.id.clone(), p)).collect();
        let mut items = Vec::new();
        for t in tx.all::<Transcript>().await? {
            let v = tx.version(&t.current_version).await?;
            let pseudonym = participants.get(&t.participant_id).map(|p| p.pseudonym.clone()).unwrap_or_default();
            let decisions: Vec<ReviewDecision> = tx.where_eq("version_id", v.id.as_str()).await?;
            items.extend(queue_of(&t, &v, &pseudonym, &known, &matcher, &decisions));
        }
        Ok(items)
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
        check_kind(kind)?;
        let replacement = replacement.map(str::trim).filter(|r| !r.is_empty());
        if replacement.is_some_and(|r| r.contains('\n') || r.chars().count() > 80) {
            return Err(invalid!("a replacement is at most 80 characters on one line"));
        }
        let mut tx = self.begin().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let v = tx.version(&t.current_version).await?;
        Span::new(&v.text, span.start().to_usize(), span.end().to_usize())
            .map_err(|e| invalid!("T{}: {e}", t.short))?;
        let line = v.layout.span_lines(span);
        upsert_decision(&mut tx, &self.author, &t, &v, span, kind, verdict, replacement).await?;
        tx.commit("review identifier", &format!("{verdict} a candidate ({kind}) in T{}, {line}", t.short)).await?;
        Ok(())
    }

    /// Accepts or rejects every pending candidate of `kind` at once; returns how many.
    pub async fn decide_kind(&self, kind: &str, verdict: Verdict) -> Result<usize, AppError> {
        check_kind(kind)?;
        let pending: Vec<ReviewItem> = self
            .review_queue()
            .await?
            .into_iter()
            .filter(|i| i.status == ItemStatus::Pending && i.kind == kind)
            .collect();
        let mut tx = self.begin().await?;
        for item in &pending {
            let t = transcripts::resolve(&mut tx, &format!("T{}", item.transcript)).await?;
            let v = tx.version(&t.current_version).await?;
            if v.id != item.version_id {
                return Err(AppError::Conflict(format!("T{} changed meanwhile; look at the queue again", t.short)));
            }
            upsert_decision(&mut tx, &self.author, &t, &v, item.span, kind, verdict, None).await?;
        }
        tx.commit("review identifier", &format!("{verdict} {} pending candidates ({kind})", pending.len())).await?;
        Ok(pending.len())
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
                .map_err(|e| invalid!("T{}: {e}", t.short))?
                .slice(&v.text)
                .to_owned()
        };
        self.add_known(&text, replacement, kind, &[]).await
    }

    // ----- applying -----

    /// Replaces known identifiers, accepted candidates and the pending candidates `scope` names,
    /// making a new version of each affected transcript with every anchor carried exactly; then
    /// moves the superseded texts (and the row images quoting them) into the key store, or
    /// discards them, as the study's originals policy says.
    pub async fn pseudonymise(&self, scope: &ApplyScope) -> Result<Vec<PseudonymisedTranscript>, AppError> {
        if let ApplyScope::Kinds(kinds) = scope {
            kinds.iter().try_for_each(|k| check_kind(k))?;
        }
        let policy = self.store.read().await?.settings().await?.originals;
        if policy == OriginalsPolicy::KeyStore && self.key.lock().await.is_none() {
            return Err(AppError::Conflict(
                "pseudonymisation keeps the original text in the key store: unlock it first (--key-file)".into(),
            ));
        }
        let queue = self.review_queue().await?;
        let chosen = |i: &&ReviewItem| match i.status {
            ItemStatus::Known | ItemStatus::Accepted => true,
            ItemStatus::Rejected => false,
            ItemStatus::Pending => match scope {
                ApplyScope::Accepted => false,
                ApplyScope::All => true,
                ApplyScope::Kinds(kinds) => kinds.contains(&i.kind),
            },
        };
        let mut by_transcript: BTreeMap<u32, Vec<&ReviewItem>> = BTreeMap::new();
        for item in queue.iter().filter(chosen) {
            by_transcript.entry(item.transcript).or_default().push(item);
        }
        if by_transcript.is_empty() {
            return Ok(vec![]);
        }
        let mut tx = self.begin().await?;
        let mut done = Vec::new();
        let mut superseded = Vec::new();
        let mut replaced: Vec<(String, String)> = Vec::new();
        for (short, items) in &by_transcript {
            let t = transcripts::resolve(&mut tx, &format!("T{short}")).await?;
            let old = tx.version(&t.current_version).await?;
            if items.iter().any(|i| i.version_id != old.id) {
                return Err(AppError::Conflict(format!("T{short} changed meanwhile; look at the queue again")));
            }
            let mut plan = PlanBuilder::new(&old.text);
            for i in items {
                plan.replacement(i.span, i.replacement.clone(), i.category);
            }
            let plan = plan.build().map_err(|e| invalid!("T{short}: {e}"))?;
            replaced.extend(plan.replacements().iter().map(|r| (r.original().to_owned(), r.replacement.clone())));
            let speakers = t.speakers.clone();
            let (version, moved, lines) =
                versions::new_version(&mut tx, &t, &plan.to_edits(), |old_turns, new_turns| {
                    relabel(&speakers, old_turns, new_turns)
                })
                .await?;
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
            for (category, n) in plan.counts() {
                counts.insert(category.to_owned(), n as u32);
                tx.insert(&ReplacementCount {
                    id: new_id(),
                    participant_id: t.participant_id.clone(),
                    transcript_id: t.id.clone(),
                    version_id: version.id.clone(),
                    category: category.to_owned(),
                    count: n as u32,
                    created_at: now(),
                })
                .await?;
            }
            done.push(PseudonymisedTranscript {
                transcript: *short,
                version: version.number,
                counts,
                anchors_moved: moved,
            });
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
            replaced.extend(forms.into_iter().map(|f| (f.to_owned(), with.clone())));
        }
        let summary: Vec<String> = done
            .iter()
            .map(|d| {
                format!("T{} (version {}: {} replacements)", d.transcript, d.version, d.counts.values().sum::<u32>())
            })
            .collect();
        let seq = tx.commit(PSEUDONYMISE, &format!("pseudonymise {}", summary.join(", "))).await?;
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
        let entry = if next.action == PSEUDONYMISE {
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

    /// For each pseudonymisation of `transcript`: the old and new version numbers and, for each
    /// old line (from 1), the new line holding its start — to find a citation made before.
    pub async fn line_mappings(&self, transcript: &str) -> Result<Vec<(u32, u32, Vec<u32>)>, AppError> {
        let mut tx = self.store.read().await?;
        let t = transcripts::resolve(&mut tx, transcript).await?;
        let mut out = Vec::new();
        for m in tx.where_eq::<LineMapping>("transcript_id", t.id.as_str()).await? {
            let from = version_number(&mut tx, &m.from_version).await?;
            let to = version_number(&mut tx, &m.id).await?;
            out.push((from, to, m.lines));
        }
        out.sort_by_key(|(from, to, _)| (*from, *to));
        Ok(out)
    }

    /// The de-identification log: replacements by category per transcript, no real values.
    pub async fn deid_log(&self) -> Result<Vec<LogLine>, AppError> {
        let mut tx = self.store.read().await?;
        let participants: HashMap<ObjectId, String> =
            tx.all::<Participant>().await?.into_iter().map(|p| (p.id, p.pseudonym)).collect();
        let transcripts: HashMap<ObjectId, u32> =
            tx.all::<Transcript>().await?.into_iter().map(|t| (t.id, t.short)).collect();
        let mut lines = Vec::new();
        for c in tx.all::<ReplacementCount>().await? {
            let number = version_number(&mut tx, &c.version_id).await?;
            lines.push(LogLine {
                transcript: transcripts.get(&c.transcript_id).copied().unwrap_or(0),
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
                tx.commit("export unchecked", &format!("export {what} without the leak check (key store locked), on the researcher's explicit override")).await?;
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
                "export despite leaks",
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

/// The queue items of one transcript version.
fn queue_of(
    t: &Transcript,
    v: &TranscriptVersion,
    pseudonym: &str,
    known: &[idiograph_pseudonym::KnownIdentifier],
    matcher: &KnownMatcher,
    decisions: &[ReviewDecision],
) -> Vec<ReviewItem> {
    let item = |span: Span, kind: String, confidence: f32, replacement: String, status, category| {
        let (before, after) = context(&v.text, span);
        ReviewItem {
            transcript: t.short,
            participant: pseudonym.to_owned(),
            version_id: v.id.clone(),
            span,
            text: span.slice(&v.text).to_owned(),
            before,
            after,
            kind,
            confidence,
            replacement,
            status,
            citation: cite(pseudonym, &v.layout, span),
            category,
        }
    };
    let mut items = Vec::new();
    let known_matches = matcher.find(&v.text);
    for m in &known_matches {
        let kind = known.get(m.identifier).map_or(IdentifierKind::Other, |k| k.kind);
        items.push(item(
            m.span,
            kind.name().to_owned(),
            1.0,
            m.replacement.clone(),
            ItemStatus::Known,
            ReplacementKind::Known(kind),
        ));
    }
    let options = ScanOptions {
        speaker_labels: v.turns.iter().filter_map(|turn| turn.label_span).collect(),
        ..ScanOptions::default()
    };
    let inside_known =
        |c: &Candidate| known_matches.iter().any(|m| m.span.start() <= c.span.start() && c.span.end() <= m.span.end());
    let overlaps_known =
        |c: &Candidate| known_matches.iter().any(|m| m.span.start() < c.span.end() && c.span.start() < m.span.end());
    for c in scan(&v.text, &options).into_iter().filter(|c| !inside_known(c)) {
        let decision = decisions.iter().find(|d| d.span == c.span && d.kind == c.kind.name());
        let (status, replacement) = match decision {
            // Holding part of a known identifier (an email made of a real name): replaced
            // whole, or the rest of it would still point at the person.
            _ if overlaps_known(&c) => (ItemStatus::Known, c.default_replacement().to_owned()),
            Some(d) if d.verdict == Verdict::Accept => {
                (ItemStatus::Accepted, d.replacement.clone().unwrap_or_else(|| c.default_replacement().to_owned()))
            }
            Some(_) => (ItemStatus::Rejected, c.default_replacement().to_owned()),
            None => (ItemStatus::Pending, c.default_replacement().to_owned()),
        };
        items.push(item(
            c.span,
            c.kind.name().to_owned(),
            c.confidence,
            replacement,
            status,
            ReplacementKind::Detected(c.kind),
        ));
    }
    items.sort_by_key(|i| (i.span.start(), i.span.end()));
    items
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
    let existing: Vec<ReviewDecision> = tx.where_eq("version_id", v.id.as_str()).await?;
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
