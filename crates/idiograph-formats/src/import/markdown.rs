//! The Markdown importer (`.md`): the text as a reader of the rendered document sees it.
//!
//! The file is decoded like a text file (see `decode`) and parsed by `pulldown-cmark`
//! (CommonMark), so emphasis marks, backslash escapes (`\[unintelligible 00:01:21\]` reads
//! `[unintelligible 00:01:21]`), link targets and inline HTML leave the text; every block becomes
//! a paragraph, line breaks inside it kept, list items keeping a `- ` or `1. ` marker.
//!
//! Speakers: a paragraph opening with a bold label (`**Alex Gallego:**`, `**Dan**:`), optionally
//! with a time in brackets before or after it (`\[01:46\] **Dan:**`, `**Dan:** \[01:46\]`), starts
//! a turn written `[time] Name: words`; the unlabelled paragraphs after it continue that turn. A
//! bold label followed by nothing but a time (`**Break:** \[09:54\]`) and every heading are
//! section markers: kept as paragraphs, never speakers, and they end the turn before them. A
//! transcript without bold labels (Zoom or Otter text saved as `.md`) is scanned for
//! `Name:`-style labels like a `.txt` file (see `speakers`).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::builder::TextBuilder;
use super::decode::decode_text;
use super::flow::{is_time, looks_like_label};
use super::{ImportError, ImportedTranscript, Importer, TranscriptFormat};

/// Imports Markdown transcripts (`.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkdownImporter;

impl Importer for MarkdownImporter {
    fn format(&self) -> TranscriptFormat {
        TranscriptFormat::Markdown
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        let decoded = decode_text(file_name, bytes)?;
        let mut builder = TextBuilder::new();
        builder.diagnostics = decoded.diagnostics;
        let mut turn: Option<Turn> = None;
        for block in blocks(&decoded.text) {
            let opening = if block.heading { Some(Opening::Marker) } else { read_label(&block) };
            match opening {
                Some(Opening::Turn(next)) => {
                    if let Some(done) = turn.replace(next) {
                        done.write(&mut builder);
                    }
                }
                Some(Opening::Marker) => {
                    if let Some(done) = turn.take() {
                        done.write(&mut builder);
                    }
                    builder.paragraph(&block.text);
                }
                None => match turn.as_mut() {
                    Some(t) => t.paragraphs.push(block.text),
                    None => builder.paragraph(&block.text),
                },
            }
        }
        if let Some(done) = turn {
            done.write(&mut builder);
        }
        builder.finish(file_name, bytes, TranscriptFormat::Markdown, decoded.encoding)
    }
}

/// A block of the document as plain text, with the stretches that were bold.
#[derive(Debug, Default)]
struct Block {
    text: String,
    /// Byte ranges of `text` set in bold (`**…**` or `__…__`).
    bold: Vec<(usize, usize)>,
    heading: bool,
}

/// A speaker's turn being collected: its label line and the paragraphs that continue it.
struct Turn {
    label: String,
    time: Option<String>,
    paragraphs: Vec<String>,
}

impl Turn {
    fn write(self, builder: &mut TextBuilder) {
        builder.turn(&self.label, self.time.as_deref(), &self.paragraphs.join("\n\n"));
    }
}

/// What a block opening with a bold label is.
enum Opening {
    /// A speaker's turn.
    Turn(Turn),
    /// A heading, or a bold label with only a time after it (`**Break:** [09:54]`): a section
    /// marker.
    Marker,
}

/// The blocks of a Markdown document in order, as plain text.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current = Block::default();
    let mut bold_from: Vec<usize> = Vec::new();
    // Numbers of the open ordered lists (None for bullet lists), innermost last.
    let mut lists: Vec<Option<u64>> = Vec::new();
    // Whether `current` holds only a list item's marker, which its first paragraph follows.
    let mut marker_only = false;
    let finish = |current: &mut Block, out: &mut Vec<Block>| {
        let block = std::mem::take(current);
        if !block.text.trim().is_empty() {
            out.push(block);
        }
    };
    for event in Parser::new_ext(markdown, Options::empty()) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                finish(&mut current, &mut out);
                current.heading = true;
            }
            // The first paragraph of a list item continues the item's marker.
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::BlockQuote(_) | Tag::HtmlBlock)
                if std::mem::take(&mut marker_only) => {}
            Event::Start(Tag::Paragraph | Tag::CodeBlock(_) | Tag::BlockQuote(_) | Tag::HtmlBlock) => {
                finish(&mut current, &mut out);
            }
            Event::Start(Tag::List(first)) => {
                finish(&mut current, &mut out);
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                finish(&mut current, &mut out);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                finish(&mut current, &mut out);
                match lists.last_mut() {
                    Some(Some(n)) => {
                        current.text.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => current.text.push_str("- "),
                }
                marker_only = true;
            }
            Event::End(TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::CodeBlock | TagEnd::Item) => {
                finish(&mut current, &mut out);
            }
            Event::Start(Tag::Strong) => bold_from.push(current.text.len()),
            Event::End(TagEnd::Strong) => {
                if let Some(start) = bold_from.pop() {
                    current.bold.push((start, current.text.len()));
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                marker_only = false;
                current.text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => current.text.push('\n'),
            Event::FootnoteReference(name) => current.text.push_str(&format!("[^{name}]")),
            Event::TaskListMarker(done) => current.text.push_str(if done { "[x] " } else { "[ ] " }),
            // Tags, rules and raw HTML are markup, not words.
            _ => {}
        }
    }
    finish(&mut current, &mut out);
    out
}

/// A time in brackets at the start of `text` (`[01:46]`) and the text after it.
fn leading_time(text: &str) -> Option<(&str, &str)> {
    let rest = text.trim_start().strip_prefix('[')?;
    let (time, after) = rest.split_once(']')?;
    is_time(time).then_some((time.trim(), after))
}

/// Reads a bold speaker label at the start of a block, if it opens with one.
fn read_label(block: &Block) -> Option<Opening> {
    let text = block.text.as_str();
    let (mut time, from) = match leading_time(text) {
        Some((time, after)) => (Some(time.to_owned()), text.len() - after.trim_start().len()),
        None => (None, text.len() - text.trim_start().len()),
    };
    let &(start, end) = block.bold.iter().find(|(start, _)| *start == from)?;
    let bold = text[start..end].trim();
    let after = &text[end..];
    let (label, rest) = match bold.strip_suffix(':') {
        Some(label) => (label.trim_end(), after),
        None => (bold, after.strip_prefix(':')?),
    };
    if block.heading || !looks_like_label(label) {
        return None;
    }
    let mut words = rest.trim_start();
    if time.is_none() {
        if let Some((t, after)) = leading_time(words) {
            time = Some(t.to_owned());
            words = after.trim_start();
        }
    }
    if words.trim().is_empty() && time.is_some() {
        return Some(Opening::Marker);
    }
    Some(Opening::Turn(Turn { label: label.to_owned(), time, paragraphs: vec![words.to_owned()] }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportOptions;

    fn import(md: &str) -> ImportedTranscript {
        MarkdownImporter.import("t.md", md.as_bytes(), &ImportOptions::default()).unwrap()
    }

    fn labels(t: &ImportedTranscript) -> Vec<&str> {
        t.turns.iter().filter_map(|turn| turn.label.as_deref()).collect()
    }

    #[test]
    fn markup_leaves_the_text_and_bold_labels_become_turns() {
        let t = import(
            "# Episode 12\n\n**Alex Gallego:** I *really* think \\[unintelligible 00:01:21\\] it __helped__.\n\n\
             And then we [talked](https://example.org) more.\n\n**Break:** \\[09:54\\]\n\n\
             **Sam Lee:** \\[10:02\\] Right - `code` and \\*stars\\*.\n\n## Break\n\nPlain closing words.\n",
        );
        assert_eq!(
            t.text,
            "Episode 12\n\nAlex Gallego: I really think [unintelligible 00:01:21] it helped.\n\n\
             And then we talked more.\n\nBreak: [09:54]\n\n[10:02] Sam Lee: Right - code and *stars*.\n\n\
             Break\n\nPlain closing words."
        );
        assert_eq!(labels(&t), ["Alex Gallego", "Sam Lee"], "Break is a section marker, not a speaker");
        assert_eq!(
            t.turns[0].span.slice(&t.text),
            "Alex Gallego: I really think [unintelligible 00:01:21] it helped.\n\nAnd then we talked more.",
            "the unlabelled paragraph continues the turn; the bracketed time is not a speaker"
        );
        assert_eq!(t.turns[0].timestamp, None);
        assert_eq!(t.turns[1].timestamp.as_deref(), Some("10:02"));
        assert_eq!(t.turns[1].span.slice(&t.text), "[10:02] Sam Lee: Right - code and *stars*.");
    }

    #[test]
    fn labels_written_other_ways() {
        let t = import("\\[01:46\\] **Dan**: Okay.\n\n**Tim Smith:**\nOn the next line.\n\n- a list\n- of two\n");
        assert_eq!(labels(&t), ["Dan", "Tim Smith"]);
        assert_eq!(t.text, "[01:46] Dan: Okay.\n\nTim Smith: On the next line.\n\n- a list\n\n- of two");
        assert_eq!(t.turns[0].timestamp.as_deref(), Some("01:46"));
    }

    #[test]
    fn without_bold_labels_the_text_is_scanned_as_plain_text() {
        let t = import("Dan: Okay then.\n\nSam: Yes, *fine*.\n");
        assert_eq!(labels(&t), ["Dan", "Sam"]);
        assert_eq!(t.text, "Dan: Okay then.\n\nSam: Yes, fine.");
    }

    #[test]
    fn bold_prose_is_not_a_label() {
        let t =
            import("**Anna:** Hello.\n\n**This is a whole bold sentence that is not a label.**\n\n**So**: what now?\n");
        assert_eq!(labels(&t), ["Anna", "So"]);
    }
}
