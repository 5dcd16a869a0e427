//! Transcript versions: the row holds layout and turns; the text lives in the content table,
//! outside undo, so that undoing an import and redoing it never copies the text around.

use idiograph_model::{ObjectId, Provenance, TranscriptVersion, Turn};
use idiograph_text::{Layout, LayoutParams, Span};
use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::row::{Row, Value};
use crate::tables::VERSION;
use crate::StoreError;

/// The content key of a text: its SHA-256, hex.
pub fn content_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Line starts as decimal deltas: compact, readable, and identical on both backends.
fn encode_layout(layout: &Layout) -> String {
    let mut out = String::with_capacity(layout.line_starts().len() * 3);
    let mut prev = 0u32;
    for (i, s) in layout.line_starts().iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&(s - prev).to_string());
        prev = *s;
    }
    out
}

fn decode_layout(text: &str, params: LayoutParams, encoded: &str) -> Option<Layout> {
    let mut starts = Vec::new();
    let mut acc = 0u32;
    for part in encoded.split(' ').filter(|p| !p.is_empty()) {
        acc = acc.checked_add(part.parse().ok()?)?;
        starts.push(acc);
    }
    Layout::from_line_starts(params, starts, text).ok()
}

/// A speaker turn as the `turns` column stores it. Typed, not a `serde_json::Value` per turn:
/// a 45 MB transcript has 150,000 turns, and as value trees they took more memory than its
/// text. Fields are in the order the column has always had (alphabetical).
#[derive(Serialize, Deserialize)]
struct TurnColumn<'a> {
    e: u32,
    #[serde(borrow)]
    label: Option<Cow<'a, str>>,
    le: Option<u32>,
    ls: Option<u32>,
    s: u32,
    #[serde(borrow)]
    ts: Option<Cow<'a, str>>,
}

pub fn to_row(v: &TranscriptVersion, participant_id: &ObjectId) -> Row {
    let turns: Vec<TurnColumn<'_>> = v
        .turns
        .iter()
        .map(|t| TurnColumn {
            e: t.span.end().to_u32(),
            label: t.label.as_deref().map(Cow::Borrowed),
            le: t.label_span.map(|s| s.end().to_u32()),
            ls: t.label_span.map(|s| s.start().to_u32()),
            s: t.span.start().to_u32(),
            ts: t.timestamp.as_deref().map(Cow::Borrowed),
        })
        .collect();
    Row {
        table: &VERSION,
        values: vec![
            Value::text(v.id.as_str()),
            Value::text(v.transcript_id.as_str()),
            Value::text(participant_id.as_str()),
            Value::Int(v.number as i64),
            Value::text(content_hash(&v.text)),
            Value::Int(v.layout.params().chars_per_line() as i64),
            Value::Int(v.layout.params().lines_per_page() as i64),
            Value::text(encode_layout(&v.layout)),
            // Serialising plain numbers and strings cannot fail.
            Value::text(serde_json::to_string(&turns).unwrap_or_default()),
            Value::text(&v.provenance.file_name),
            Value::text(&v.provenance.sha256),
            Value::text(&v.provenance.format),
            Value::text(&v.provenance.encoding),
            Value::text(&v.created_at),
        ],
    }
}

pub fn from_row(r: &Row, text: String) -> Result<TranscriptVersion, StoreError> {
    let bad = |c: &str| StoreError::Corrupt(format!("transcript_version.{c} of {} cannot be read", r.id()));
    if content_hash(&text) != r.text("text_hash") {
        return Err(bad("text_hash"));
    }
    let params = LayoutParams::new(r.int("chars_per_line") as u32, r.int("lines_per_page") as u32)
        .map_err(|_| bad("chars_per_line"))?;
    let layout = decode_layout(&text, params, &r.text("layout")).ok_or_else(|| bad("layout"))?;
    let column = r.text("turns");
    let stored: Vec<TurnColumn<'_>> = serde_json::from_str(&column).map_err(|_| bad("turns"))?;
    let mut turns = Vec::with_capacity(stored.len());
    for t in stored {
        let span = Span::new(&text, t.s as usize, t.e as usize).map_err(|_| bad("turns"))?;
        let label_span = match (t.ls, t.le) {
            (Some(s), Some(e)) => Some(Span::new(&text, s as usize, e as usize).map_err(|_| bad("turns"))?),
            _ => None,
        };
        turns.push(Turn {
            span,
            label: t.label.map(Cow::into_owned),
            label_span,
            timestamp: t.ts.map(Cow::into_owned),
        });
    }
    Ok(TranscriptVersion {
        id: ObjectId::new(r.text("id")),
        transcript_id: ObjectId::new(r.text("transcript_id")),
        number: r.int("number") as u32,
        text,
        layout,
        turns,
        provenance: Provenance {
            file_name: r.text("source_name"),
            sha256: r.text("source_sha256"),
            format: r.text("source_format"),
            encoding: r.text("source_encoding"),
        },
        created_at: r.text("created_at"),
        units: Default::default(),
    })
}
