//! Interview guides: the questions and follow-up prompts of a semi-structured interview, read
//! from the document the researcher wrote them in (any format transcripts are imported from).
//!
//! Guides are written in many shapes, so a line is read by its form:
//! - a Word list paragraph at the outermost level, or a line numbered by hand (`3.`, `3)`,
//!   `Q3`, `Question 3:`), is a question;
//! - a nested list paragraph, an indented line, a bulleted or lettered line (`-`, `•`, `a)`), or
//!   one headed `Prompt:`, `Probe:` or `Follow-up:` is a prompt of the question before it;
//! - any other line ending in `?` is a question;
//! - everything else (headings, instructions to the interviewer) is left out and listed.

use super::{import_transcript, ImportError, ImportOptions};

/// A question of an interview guide and its follow-up prompts, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideEntry {
    /// The question, its number or marker removed.
    pub text: String,
    /// Its prompts, in order.
    pub prompts: Vec<String>,
}

/// An interview guide read from a document.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportedGuide {
    /// The questions in document order.
    pub questions: Vec<GuideEntry>,
    /// The lines taken for neither a question nor a prompt (headings, instructions), as written.
    pub skipped: Vec<String>,
}

/// What a line of a guide is.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Question(String),
    Prompt(String),
    Other(String),
}

/// Reads an interview guide from `bytes` (`.docx`, `.txt`, or any transcript format). A file
/// that cannot be read, or holds no question, is refused naming the file and the reason.
///
/// ```
/// use idiograph_formats::{import_guide, ImportOptions};
/// let guide = "Introduction\n1. How did you join the group?\n  - Who told you about it?\n2. What was it like?\n";
/// let read = import_guide("guide.txt", guide.as_bytes(), &ImportOptions::default()).unwrap();
/// assert_eq!(read.questions.len(), 2);
/// assert_eq!(read.questions[0].prompts, ["Who told you about it?"]);
/// assert_eq!(read.skipped, ["Introduction"]);
/// ```
pub fn import_guide(file_name: &str, bytes: &[u8], options: &ImportOptions) -> Result<ImportedGuide, ImportError> {
    let lines: Vec<Line> = if file_name.to_lowercase().ends_with(".docx") {
        super::docx::list_paragraphs(file_name, bytes)?
            .into_iter()
            .map(|(level, text)| {
                let text = idiograph_text::normalize(&text);
                match level {
                    Some(0) => Line::Question(strip_marker(text.trim()).1.to_owned()),
                    Some(_) => Line::Prompt(strip_marker(text.trim()).1.to_owned()),
                    None => read_line(&text),
                }
            })
            .collect()
    } else {
        import_transcript(file_name, bytes, options)?.text.lines().map(read_line).collect()
    };
    let mut guide = ImportedGuide::default();
    for line in lines {
        match line {
            Line::Question(q) if !q.is_empty() => guide.questions.push(GuideEntry { text: q, prompts: Vec::new() }),
            Line::Prompt(p) if !p.is_empty() => match guide.questions.last_mut() {
                Some(q) => q.prompts.push(p),
                // A prompt before any question can only be a question itself.
                None => guide.questions.push(GuideEntry { text: p, prompts: Vec::new() }),
            },
            Line::Other(o) if !o.is_empty() => guide.skipped.push(o),
            _ => {}
        }
    }
    if guide.questions.is_empty() {
        return Err(ImportError::Malformed {
            file: file_name.to_owned(),
            reason: "no interview question found (a guide lists numbered questions, or lines ending in '?')".into(),
        });
    }
    Ok(guide)
}

/// Reads one line of a text guide.
fn read_line(line: &str) -> Line {
    let indented = line.starts_with('\t') || line.starts_with("  ");
    let (marker, text) = strip_marker(line.trim());
    let text = text.to_owned();
    match marker {
        Marker::Number => Line::Question(text),
        Marker::Bullet | Marker::Prompt => Line::Prompt(text),
        Marker::None if indented && !text.is_empty() => Line::Prompt(text),
        Marker::None if text.ends_with('?') => Line::Question(text),
        Marker::None => Line::Other(text),
    }
}

/// How a line of a guide is marked.
#[derive(Debug, PartialEq, Eq)]
enum Marker {
    /// `3.`, `3)`, `Q3`, `Question 3:`.
    Number,
    /// `-`, `*`, `•`, `–`, `a)`, `a.`.
    Bullet,
    /// `Prompt:`, `Probe:`, `Follow-up:` and their plurals.
    Prompt,
    /// Nothing.
    None,
}

/// The line's marker and the text after it.
fn strip_marker(line: &str) -> (Marker, &str) {
    for word in ["prompt", "prompts", "probe", "probes", "follow-up", "follow up", "followup"] {
        if let Some(rest) = strip_prefix_ignore_case(line, word).and_then(|r| r.trim_start().strip_prefix(':')) {
            return (Marker::Prompt, rest.trim());
        }
    }
    let numbered = |rest: &str| -> Option<usize> {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0).then_some(digits)
    };
    for prefix in ["question", "q", ""] {
        let Some(rest) = strip_prefix_ignore_case(line, prefix) else { continue };
        let rest = if prefix == "question" { rest.trim_start() } else { rest };
        if let Some(digits) = numbered(rest) {
            let after = &rest[digits..];
            let closed = match after.strip_prefix(['.', ')', ':']) {
                Some(rest) => Some(rest),
                // `Q3 How…` needs no stop; a bare number does (`2019 was…` is a sentence).
                None if !prefix.is_empty() => Some(after),
                None => None,
            };
            if let Some(closed) = closed.filter(|c| c.is_empty() || c.starts_with(char::is_whitespace)) {
                return (Marker::Number, closed.trim());
            }
        }
    }
    if let Some(rest) = line.strip_prefix(['-', '*', '•', '–', '◦', '·']) {
        return (Marker::Bullet, rest.trim());
    }
    let mut chars = line.chars();
    if let (Some(c), Some(close)) = (chars.next(), chars.next()) {
        if c.is_ascii_lowercase() && (close == ')' || close == '.') && chars.as_str().starts_with(' ') {
            return (Marker::Bullet, chars.as_str().trim());
        }
    }
    (Marker::None, line)
}

fn strip_prefix_ignore_case<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    (line.len() >= prefix.len()
        && line.is_char_boundary(prefix.len())
        && line[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &line[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> ImportedGuide {
        import_guide("guide.txt", text.as_bytes(), &ImportOptions::default()).unwrap()
    }

    #[test]
    fn numbered_questions_with_bulleted_indented_and_headed_prompts() {
        let g = read(
            "Interview guide (v2)\n\nQ1: How did you come to join?\n- Who suggested it?\nQuestion 2. What was the group like?\n\tThe leaders?\nProbe: the first session\n3) Anything else?\na) What would you tell a trainee?\n",
        );
        let texts: Vec<(&str, Vec<&str>)> =
            g.questions.iter().map(|q| (q.text.as_str(), q.prompts.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            texts,
            [
                ("How did you come to join?", vec!["Who suggested it?"]),
                ("What was the group like?", vec!["The leaders?", "the first session"]),
                ("Anything else?", vec!["What would you tell a trainee?"]),
            ]
        );
        assert_eq!(g.skipped, ["Interview guide (v2)"]);
    }

    #[test]
    fn unnumbered_lines_ending_in_a_question_mark_are_questions() {
        let g = read("Opening\nHow did you join?\nWhat was it like?\nThank the participant.\n");
        assert_eq!(
            g.questions.iter().map(|q| q.text.as_str()).collect::<Vec<_>>(),
            ["How did you join?", "What was it like?"]
        );
        assert_eq!(g.skipped, ["Opening", "Thank the participant."]);
    }

    #[test]
    fn a_year_or_a_number_in_a_sentence_is_not_a_question_number() {
        let g = read("2019 was the year.\n10 minutes for this part\nWhy?\n");
        assert_eq!(g.questions.len(), 1);
        assert_eq!(g.skipped, ["2019 was the year.", "10 minutes for this part"]);
    }

    #[test]
    fn a_document_without_questions_is_refused_naming_the_file() {
        let e = import_guide("notes.txt", b"Introduction\nConsent form\n", &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("notes.txt: no interview question found"), "{e}");
    }
}
