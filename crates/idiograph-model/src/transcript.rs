//! Transcripts, their immutable versions, speaker turns and citations.

use std::collections::BTreeMap;

use idiograph_text::{Layout, LayoutError, Span, TextSize, UnitIndex};

use crate::ObjectId;

crate::word_enum!(
    /// Who a speaker is in the interview.
    SpeakerRole, "speaker role", {
        /// The researcher asking questions.
        Interviewer => "interviewer",
        /// The participant whose experience is analysed.
        Participant => "participant",
        /// Anyone else (a second interviewer, an interpreter).
        Other => "other",
    }
);

impl SpeakerRole {
    /// A first guess of the role from a speaker label, for the researcher to confirm.
    ///
    /// `pseudonym` is the participant the transcript belongs to.
    pub fn guess(label: &str, pseudonym: &str) -> SpeakerRole {
        let l = label.trim().trim_end_matches('.').to_lowercase();
        if l == pseudonym.trim().to_lowercase() {
            return SpeakerRole::Participant;
        }
        match l.as_str() {
            "i" | "int" | "interviewer" | "q" | "researcher" | "r1" => SpeakerRole::Interviewer,
            "p" | "participant" | "respondent" | "a" | "interviewee" => SpeakerRole::Participant,
            _ if l.starts_with("interviewer") => SpeakerRole::Interviewer,
            _ if l.starts_with("participant") || l.starts_with("respondent") => SpeakerRole::Participant,
            _ => SpeakerRole::Other,
        }
    }
}

/// A transcript of one interview with one participant; its text lives in immutable versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// Stable id.
    pub id: ObjectId,
    /// Short number shown as `T1`.
    pub short: u32,
    /// The participant interviewed.
    pub participant_id: ObjectId,
    /// A title, by default the imported file's name.
    pub title: String,
    /// The version analysed now; annotations on older versions stay valid on those versions.
    pub current_version: ObjectId,
    /// The role of each speaker label found in the text.
    pub speakers: BTreeMap<String, SpeakerRole>,
    /// When it was imported (RFC 3339).
    pub created_at: String,
}

/// A speaker turn within a version's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The whole turn, label included.
    pub span: Span,
    /// The speaker label as written.
    pub label: Option<String>,
    /// Where the label sits in the text.
    pub label_span: Option<Span>,
    /// A timestamp at the start of the turn, e.g. `00:12:34`.
    pub timestamp: Option<String>,
}

/// Where a version's text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The original file name (no folders).
    pub file_name: String,
    /// SHA-256 of the original bytes, hex.
    pub sha256: String,
    /// The format it was read as, e.g. `text`.
    pub format: String,
    /// The encoding it was decoded from.
    pub encoding: String,
}

/// One immutable version of a transcript: canonical text, frozen layout and turns.
///
/// Invariant: `text` is canonical (NFC, LF, no BOM), `layout` was computed from `text` when the
/// version was made, and every turn span lies within `text`.
#[derive(Clone, PartialEq)]
pub struct TranscriptVersion {
    /// Stable id.
    pub id: ObjectId,
    /// The transcript it belongs to.
    pub transcript_id: ObjectId,
    /// 1 for the imported text, then 2, 3, … for each edit.
    pub number: u32,
    /// The canonical text.
    pub text: String,
    /// The layout frozen with this version: line and page numbers for citations.
    pub layout: Layout,
    /// Speaker turns in text order.
    pub turns: Vec<Turn>,
    /// Where the text came from.
    pub provenance: Provenance,
    /// When the version was made (RFC 3339).
    pub created_at: String,
    /// The text's UTF-16 and character index, made on first use ([`TranscriptVersion::units`]);
    /// a new version is given `Default::default()`.
    pub units: Derived<UnitIndex>,
}

/// A value computed from an immutable version on first use and kept with it. Versions are
/// shared by every reader of a process, so the work is done once per version, not once per
/// request or per anchor. A clone starts empty (a version built from another's fields never
/// sees a value computed from different text), and it takes no part in equality.
pub struct Derived<T>(std::sync::OnceLock<T>);

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived(std::sync::OnceLock::new())
    }
}

impl<T> Clone for Derived<T> {
    fn clone(&self) -> Self {
        Derived::default()
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

// Transcript text is personal data: keep it out of logs and panics.
impl std::fmt::Debug for TranscriptVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TranscriptVersion")
            .field("id", &self.id)
            .field("number", &self.number)
            .field("text", &format_args!("[{} bytes redacted]", self.text.len()))
            .finish_non_exhaustive()
    }
}

impl Turn {
    /// Where the speaker's words begin in `text` (the version's text): past the turn's time and
    /// speaker label and the `:`, brackets, bold marks, blanks and a time written after the label.
    /// A turn without a label begins with its words.
    pub fn words_start(&self, text: &str) -> usize {
        let Some(label) = self.label_span else { return self.span.start().to_usize() };
        let end = self.span.end().to_usize().min(text.len());
        let mut at = label.end().to_usize().min(end);
        let separator = |c: char| c.is_whitespace() || matches!(c, ':' | ']' | '*' | '\\');
        let skip = |at: usize| end - text[at..end].trim_start_matches(separator).len();
        at = skip(at);
        if let Some(time) = self.timestamp.as_deref().filter(|t| !t.is_empty()) {
            let rest = &text[at..end];
            let opened = rest.strip_prefix("\\[").or_else(|| rest.strip_prefix('[')).unwrap_or(rest);
            if let Some(after) = opened.strip_prefix(time) {
                at = skip(end - after.len());
            }
        }
        at
    }
}

impl TranscriptVersion {
    /// The text of lines `first..=last` (global line numbers) as a selection by lines takes it:
    /// the layout's span, except that a start before a turn's words (on its time and speaker
    /// label, as every line opening a VTT or SRT cue has) moves to where the words begin, so a
    /// quote holds what was said. A selection holding nothing but a label stays as it is.
    pub fn lines_to_span(&self, first: u32, last: u32) -> Result<Span, LayoutError> {
        let span = self.layout.lines_to_span(first, last)?;
        let start = span.start().to_usize();
        let words = self.turn_at(start).map_or(start, |t| t.words_start(&self.text));
        if words <= start || words >= span.end().to_usize() {
            return Ok(span);
        }
        Ok(Span::from_bounds(TextSize::new(words as u32), span.end()))
    }

    /// The index that converts the text's byte offsets to UTF-16 and characters, made once.
    pub fn units(&self) -> &UnitIndex {
        self.units.0.get_or_init(|| UnitIndex::new(&self.text))
    }

    /// The turn that contains `offset`, if any.
    pub fn turn_at(&self, offset: usize) -> Option<&Turn> {
        turn_at(&self.turns, offset)
    }
}

/// The turn of `turns` (in text order) that contains `offset`, if any.
pub(crate) fn turn_at(turns: &[Turn], offset: usize) -> Option<&Turn> {
    let i = turns.partition_point(|t| t.span.end().to_usize() <= offset);
    turns.get(i).filter(|t| t.span.start().to_usize() <= offset)
}

/// The citation of a span in a version, e.g. "(Olivia, p. 6, ll. 14–16)".
pub fn cite(pseudonym: &str, layout: &Layout, span: Span) -> String {
    format!("({pseudonym}, {})", layout.span_lines(span))
}

#[cfg(test)]
mod tests {
    use super::{Provenance, TranscriptVersion, Turn};
    use crate::ObjectId;
    use idiograph_text::{Layout, LayoutParams, Span, TextSize, UnitIndex};

    fn version(text: &str) -> TranscriptVersion {
        TranscriptVersion {
            id: ObjectId::new("v"),
            transcript_id: ObjectId::new("t"),
            number: 1,
            text: text.to_owned(),
            layout: Layout::compute(text, LayoutParams::default()),
            turns: vec![],
            provenance: Provenance {
                file_name: "a.txt".into(),
                sha256: String::new(),
                format: "text".into(),
                encoding: "utf-8".into(),
            },
            created_at: String::new(),
            units: Default::default(),
        }
    }

    #[test]
    fn a_versions_units_are_made_once_and_a_clone_makes_its_own() {
        let v = version("Zoë said 🙂 twice");
        assert_eq!(v.units(), &UnitIndex::new(&v.text));
        assert!(std::ptr::eq(v.units(), v.units()), "made once, then kept");
        // A version built from a clone with other text gets that text's index, not a stale one.
        let mut other = v.clone();
        other.text = "plain".to_owned();
        assert_eq!(other.units(), &UnitIndex::new("plain"));
        assert_eq!(v.units().byte_to_utf16(TextSize::new(14)), 11, "Zoë said 🙂 is 11 UTF-16 units");
        // The index takes no part in equality: a version equals its clone before either is used.
        assert!(version("a") == version("a").clone());
        assert!(version("a") != version("b"));
    }

    /// The words of a one-turn `text` whose label is `label` and time `time`.
    fn words<'a>(text: &'a str, label: &str, time: Option<&str>) -> &'a str {
        let at = text.find(label).unwrap();
        let turn = Turn {
            span: Span::new(text, 0, text.len()).unwrap(),
            label: Some(label.to_owned()),
            label_span: Some(Span::new(text, at, at + label.len()).unwrap()),
            timestamp: time.map(str::to_owned),
        };
        &text[turn.words_start(text)..]
    }

    #[test]
    fn words_start_past_the_time_and_label_of_every_style() {
        assert_eq!(words("[00:00:03.500] Bob: It felt light.", "Bob", Some("00:00:03.500")), "It felt light.");
        assert_eq!(words("Dan: [01:46] Okay then.", "Dan", Some("01:46")), "Okay then.");
        assert_eq!(words("**Tim Smith:** \\[01:46\\] So.", "Tim Smith", Some("01:46")), "So.");
        assert_eq!(words("[Johnny Doe] 11:02:09\nHow you doing?", "Johnny Doe", Some("11:02:09")), "How you doing?");
        assert_eq!(words("Olivia Smith  0:03\nWell, yes.", "Olivia Smith", Some("0:03")), "Well, yes.");
        // A time that is not the turn's is words.
        assert_eq!(words("Dan: 10:30 was the time.", "Dan", None), "10:30 was the time.");
        let unlabelled =
            Turn { span: Span::new("Hello.", 0, 6).unwrap(), label: None, label_span: None, timestamp: None };
        assert_eq!(unlabelled.words_start("Hello."), 0);
    }
}
