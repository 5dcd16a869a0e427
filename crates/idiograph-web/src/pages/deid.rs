//! The pseudonymisation page: the key store, the known identifiers, the review queue grouped by
//! transcript with each candidate in context (and "every occurrence" of its word), the other
//! fields that name someone, applying, and the de-identification log. Every
//! change goes through `/api/v1/deid/…`; the page offers only what the viewer's role allows.

use std::collections::BTreeMap;

use askama::Template;
use idiograph_app::{FieldItem, ItemStatus, KeyStatus, KnownView, LogLine, ReviewItem};
use idiograph_model::{OriginalsPolicy, ShortId};
use idiograph_pseudonym::IdentifierKind;

use super::{render, Chrome};
use crate::api::deid::utf16_spans;
use crate::auth::Bench;
use crate::error::PageResult;
use crate::routes::allows;

/// One candidate of the queue as the page shows it, with UTF-16 offsets for the API.
pub(crate) struct QueueRow {
    transcript: String,
    version: String,
    start: usize,
    end: usize,
    text: String,
    before: String,
    after: String,
    kind: String,
    confidence: String,
    replacement: String,
    status: &'static str,
    citation: String,
    /// Known identifiers are always replaced: there is nothing to decide.
    decidable: bool,
}

/// The queue items of one transcript.
pub(crate) struct QueueGroup {
    transcript: String,
    participant: String,
    items: Vec<QueueRow>,
}

/// The pseudonymisation page.
#[derive(Template)]
#[template(path = "deid.html")]
pub(crate) struct DeidPage {
    chrome: Chrome,
    status: KeyStatus,
    /// The viewer may manage the key store, known identifiers and apply (the owner).
    may_own: bool,
    /// The viewer may see the queue and decide (an analyst).
    may_review: bool,
    known: Vec<KnownView>,
    identifier_kinds: Vec<&'static str>,
    groups: Vec<QueueGroup>,
    /// Identifiers in the other fields (titles, file names, notes, themes…).
    fields: Vec<FieldItem>,
    /// Kinds with pending candidates, and how many.
    pending: Vec<(String, usize)>,
    log: Vec<LogLine>,
    /// What applying does with the originals, said before it is confirmed.
    apply_effect: &'static str,
}

fn groups(items: &[ReviewItem], spans: &[(usize, usize)]) -> Vec<QueueGroup> {
    let mut by_transcript: BTreeMap<ShortId, QueueGroup> = BTreeMap::new();
    for (i, (start, end)) in items.iter().zip(spans) {
        let group = by_transcript.entry(i.transcript).or_insert_with(|| QueueGroup {
            transcript: i.transcript.to_string(),
            participant: i.participant.clone(),
            items: vec![],
        });
        group.items.push(QueueRow {
            transcript: i.transcript.to_string(),
            version: i.version_id.as_str().to_owned(),
            start: *start,
            end: *end,
            text: i.text.clone(),
            before: i.before.clone(),
            after: i.after.clone(),
            kind: i.kind.clone(),
            confidence: format!("{:.0}%", i.confidence * 100.0),
            replacement: i.replacement.clone(),
            status: i.status.as_str(),
            citation: i.citation.clone(),
            decidable: i.status != ItemStatus::Known,
        });
    }
    by_transcript.into_values().collect()
}

pub(crate) async fn deid(Bench(wb): Bench) -> PageResult {
    let s = wb.snapshot().await?;
    let status = wb.key_status().await?;
    let may_own = allows(wb.role(), "GET", "/api/v1/deid/known");
    let may_review = allows(wb.role(), "GET", "/api/v1/deid/queue");
    let known = if may_own && status.unlocked.is_some() { wb.known_identifiers().await? } else { vec![] };
    let items = if may_review { wb.review_queue().await? } else { vec![] };
    let fields = if may_review { wb.review_fields().await? } else { vec![] };
    let mut pending: BTreeMap<String, usize> = BTreeMap::new();
    for i in items.iter().filter(|i| i.status == ItemStatus::Pending) {
        *pending.entry(i.kind.clone()).or_default() += 1;
    }
    let apply_effect = match status.originals {
        OriginalsPolicy::KeyStore => {
            "The original text leaves the project file and is kept only in the encrypted key store, so undo can bring it back with the passphrase."
        }
        OriginalsPolicy::Discard => {
            "The original text is discarded: nobody can recover it, and this cannot be undone."
        }
    };
    let page = DeidPage {
        chrome: Chrome::new(&wb, &s.settings, "deid", "Pseudonymisation"),
        may_own,
        may_review,
        known,
        identifier_kinds: IdentifierKind::names().collect(),
        groups: groups(&items, &utf16_spans(&s, &items)),
        fields,
        pending: pending.into_iter().collect(),
        log: wb.deid_log().await?,
        apply_effect,
        status,
    };
    render(&page)
}
