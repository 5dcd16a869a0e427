//! Caption importers: WebVTT (`.vtt`) and SubRip (`.srt`).
//!
//! The file is decoded like a text file (see `decode`), then read as blocks separated by blank
//! lines. A block whose first or second line holds `-->` is a cue (the first line then being
//! its id, e.g. Teams' `GUID/12-0` or SubRip's counter); `WEBVTT`, `NOTE`, `STYLE` and
//! `REGION` blocks are skipped, and so are cue settings after the times.
//!
//! Speakers: a WebVTT voice tag (`<v Speaker Name>…</v>`, Microsoft Teams; several voices
//! in one cue are kept apart, as Teams writes overlapping speech), else a `Name: ` prefix on
//! the cue text (Zoom, and SubRip files that carry names). Other tags (`<c>`, `<i>`, `<b>`,
//! `<u>`, `<lang>`, `<font>`, inline timestamps) are removed and character references decoded.
//! Consecutive cues of the same speaker become one turn whose timestamp is the first cue's
//! start; a cue without a speaker continues the current turn. Each turn is written as
//! `[start] Name: text` (the form the plain-text importer reads back), with caption line
//! breaks joined by spaces. A file without any speaker becomes one paragraph per cue.

use super::builder::TextBuilder;
use super::decode::decode_text;
use super::flow::looks_like_label;
use super::{count, ImportError, ImportedTranscript, Importer, TranscriptFormat};

/// Imports caption files; use [`SubtitleImporter::VTT`] or [`SubtitleImporter::SRT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubtitleImporter {
    format: TranscriptFormat,
}

impl SubtitleImporter {
    /// The importer for WebVTT (`.vtt`) files.
    pub const VTT: SubtitleImporter = SubtitleImporter { format: TranscriptFormat::WebVtt };
    /// The importer for SubRip (`.srt`) files.
    pub const SRT: SubtitleImporter = SubtitleImporter { format: TranscriptFormat::Srt };
}

impl Importer for SubtitleImporter {
    fn format(&self) -> TranscriptFormat {
        self.format
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        let decoded = decode_text(file_name, bytes)?;
        let text = idiograph_text::normalize_owned(decoded.text.into_owned());
        let kind = if self.format == TranscriptFormat::WebVtt { "WebVTT" } else { "SubRip" };
        if self.format == TranscriptFormat::WebVtt && !text.trim_start().starts_with("WEBVTT") {
            return Err(ImportError::Malformed {
                file: file_name.to_owned(),
                reason: "not a WebVTT file (it does not start with WEBVTT)".to_owned(),
            });
        }
        let cues = cues(&text);
        if cues.is_empty() {
            return Err(ImportError::Malformed {
                file: file_name.to_owned(),
                reason: format!("no {kind} cues found (no 'start --> end' lines)"),
            });
        }
        let mut builder = TextBuilder::new();
        builder.diagnostics = decoded.diagnostics;
        write_turns(&cues, &mut builder);
        builder.finish(file_name, bytes, self.format, decoded.encoding)
    }
}

/// One speaker's words in a cue.
struct Segment {
    speaker: Option<String>,
    start: String,
    text: String,
}

/// The cues of a caption file as segments, in file order.
fn cues(text: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut lines = text.lines().peekable();
    while lines.peek().is_some() {
        let mut block = Vec::new();
        for line in lines.by_ref() {
            if line.trim().is_empty() {
                break;
            }
            block.push(line);
        }
        let Some(first) = block.first() else { continue };
        let first = first.trim_start_matches('\u{feff}');
        if first.starts_with("WEBVTT")
            || first.starts_with("NOTE")
            || first.starts_with("STYLE")
            || first.starts_with("REGION")
        {
            continue;
        }
        let Some(timing) = block.iter().take(2).position(|line| line.contains("-->")) else { continue };
        let start = block[timing].split("-->").next().unwrap_or("").trim();
        if !start.bytes().next().is_some_and(|b| b.is_ascii_digit()) || start.len() > 16 {
            continue;
        }
        let payload: Vec<&str> = block[timing + 1..].iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect();
        split_voices(&payload.join("\n"), start, &mut segments);
    }
    segments
}

/// Splits a cue's text at voice tags (`<v Name>`) or reads a `Name: ` prefix.
fn split_voices(payload: &str, start: &str, out: &mut Vec<Segment>) {
    let mut found_voice = false;
    let mut rest = payload;
    let mut before = String::new();
    while let Some(at) = find_voice(rest) {
        found_voice = true;
        before.push_str(&rest[..at]);
        let tag_end = rest[at..].find('>').map_or(rest.len(), |n| at + n);
        let inner = &rest[at + 2..tag_end];
        // `<v.loud Name>`: classes come first, separated from the name by a space.
        let name =
            if inner.starts_with('.') { inner.split_once([' ', '\t']).map_or("", |(_, name)| name) } else { inner };
        let body_start = (tag_end + 1).min(rest.len());
        let body_end = rest[body_start..]
            .find("</v>")
            .map(|n| body_start + n)
            .or_else(|| find_voice(&rest[body_start..]).map(|n| body_start + n))
            .unwrap_or(rest.len());
        let speaker = clean_text(name);
        push_segment(out, (!speaker.is_empty()).then_some(speaker), start, &rest[body_start..body_end]);
        rest = &rest[body_end..];
        rest = rest.strip_prefix("</v>").unwrap_or(rest);
    }
    if found_voice {
        before.push_str(rest);
        if !clean_text(&before).is_empty() {
            push_segment(out, None, start, &before);
        }
        return;
    }
    // Zoom: `Name: text` on the first line of the cue.
    let plain = clean_text(payload);
    if let Some((name, text)) = plain.split_once(": ") {
        if looks_like_label(name.trim()) && !name.contains("://") {
            out.push(Segment {
                speaker: Some(name.trim().to_owned()),
                start: start.to_owned(),
                text: text.trim().to_owned(),
            });
            return;
        }
    }
    push_segment(out, None, start, payload);
}

fn find_voice(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find("<v") {
        let at = from + at;
        if matches!(text.as_bytes().get(at + 2), Some(b' ' | b'.' | b'>' | b'\t')) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

fn push_segment(out: &mut Vec<Segment>, speaker: Option<String>, start: &str, raw: &str) {
    let text = clean_text(raw);
    if text.is_empty() && speaker.is_none() {
        return;
    }
    out.push(Segment { speaker, start: start.to_owned(), text });
}

/// Removes tags, decodes character references and joins caption lines with spaces.
fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => match rest.find('>') {
                Some(end) => rest = &rest[end + 1..],
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            },
            '&' => {
                let entity_end = rest[1..].find(';').filter(|&n| n <= 8).map(|n| n + 1);
                let decoded = entity_end.and_then(|end| entity(&rest[1..end]));
                match (decoded, entity_end) {
                    (Some(text), Some(end)) => {
                        out.push_str(text);
                        rest = &rest[end + 1..];
                    }
                    _ => {
                        out.push('&');
                        rest = &rest[1..];
                    }
                }
            }
            '\n' => {
                out.push(' ');
                rest = &rest[1..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "nbsp" => "\u{a0}",
        "quot" => "\"",
        "apos" => "'",
        "lrm" | "rlm" => "",
        _ => return None,
    })
}

/// Merges consecutive segments of one speaker into turns and writes them.
fn write_turns(segments: &[Segment], builder: &mut TextBuilder) {
    let any_speaker = segments.iter().any(|s| s.speaker.is_some());
    let mut current: Option<(String, String, String)> = None; // (speaker, start, text)
    let mut merged = 0usize;
    for segment in segments {
        match (&segment.speaker, current.as_mut()) {
            (Some(speaker), Some((who, _, text))) if speaker == who => {
                append(text, &segment.text);
                merged += 1;
            }
            (None, Some((_, _, text))) => {
                append(text, &segment.text);
                merged += 1;
            }
            (Some(speaker), _) => {
                if let Some((who, start, text)) = current.take() {
                    builder.turn(&who, Some(&start), &text);
                }
                current = Some((speaker.clone(), segment.start.clone(), segment.text.clone()));
            }
            (None, None) => {
                if any_speaker {
                    builder.paragraph(&segment.text);
                } else {
                    builder.paragraph(&format!("[{}] {}", segment.start, segment.text));
                }
            }
        }
    }
    if let Some((who, start, text)) = current.take() {
        builder.turn(&who, Some(&start), &text);
    }
    if merged > 0 {
        builder.note(format!("{} merged into the turn before (same speaker)", count(merged, "cue", "cues")));
    }
}

fn append(text: &mut String, more: &str) {
    if !more.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(more);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportOptions;

    #[test]
    fn teams_voices_and_merging() {
        let vtt = "WEBVTT\n\nNOTE a comment\n\n0a1b/12-0\n00:00:01.000 --> 00:00:02.000 align:start\n<v Zoë Ødegård>Hello <i>there</i></v>\n\n\
                   0a1b/12-1\n00:00:02.000 --> 00:00:03.000\n<v Zoë Ødegård>and more &amp; more.</v>\n\n\
                   00:00:03.000 --> 00:00:04.000\n<v Dan>Yes</v> <v Siobhán>No</v>\n";
        let t = SubtitleImporter::VTT.import("t.vtt", vtt.as_bytes(), &ImportOptions::default()).unwrap();
        let labels: Vec<_> = t.turns.iter().map(|t| t.label.clone().unwrap()).collect();
        assert_eq!(labels, ["Zoë Ødegård", "Dan", "Siobhán"]);
        assert_eq!(t.turns[0].span.slice(&t.text), "[00:00:01.000] Zoë Ødegård: Hello there and more & more.");
        assert_eq!(t.turns[2].timestamp.as_deref(), Some("00:00:03.000"));
    }

    #[test]
    fn zoom_and_srt() {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nJohnny Doe: How you doing?\n\n2\n00:00:03.000 --> 00:00:04.000\nJanet: Fine.\n";
        let t = SubtitleImporter::VTT.import("z.vtt", vtt.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(t.text, "[00:00:01.000] Johnny Doe: How you doing?\n\n[00:00:03.000] Janet: Fine.");
        let srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nDan: a\r\nb\r\n\r\n2\r\n00:00:02,500 --> 00:00:03,000\r\n<i>Sam:</i> c\r\n";
        let t = SubtitleImporter::SRT.import("s.srt", srt.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(t.text, "[00:00:01,000] Dan: a b\n\n[00:00:02,500] Sam: c");
    }
}
