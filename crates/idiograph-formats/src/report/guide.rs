//! The answers to an interview guide side by side: a row per question, a column per
//! participant, each answer printed as a quote with its citation.

use std::fmt::Write as _;

use rust_xlsxwriter::{DocProperties, Workbook};

use super::escape::{md_heading, md_inline, md_paragraph};
use super::ReportError;

/// The formats the answers are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GuideFormat {
    /// Markdown: a section per question, each participant's answers as block quotes.
    Markdown,
    /// An Excel workbook: a row per question, a column per participant.
    Xlsx,
}

impl GuideFormat {
    /// Every format, in the order offered.
    pub const ALL: [GuideFormat; 2] = [GuideFormat::Xlsx, GuideFormat::Markdown];

    /// The file extension, also the format's name on the command line and in addresses.
    pub fn extension(self) -> &'static str {
        match self {
            GuideFormat::Markdown => "md",
            GuideFormat::Xlsx => "xlsx",
        }
    }

    /// The format named by its extension (`md` also as `markdown`).
    pub fn parse(name: &str) -> Option<GuideFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(GuideFormat::Markdown),
            "xlsx" => Some(GuideFormat::Xlsx),
            _ => None,
        }
    }
}

/// What the answers document shows, ordered by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportGuide {
    /// The study's title.
    pub title: String,
    /// The pseudonyms heading the columns.
    pub participants: Vec<String>,
    /// The questions in guide order.
    pub questions: Vec<ReportGuideQuestion>,
}

/// One question with each participant's answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportGuideQuestion {
    /// Its short id, e.g. `Q3`.
    pub label: String,
    /// Its wording.
    pub text: String,
    /// Per participant (in the order of [`ReportGuide::participants`]) the answers as
    /// (printed quote, citation); empty where the question was not asked.
    pub answers: Vec<Vec<(String, String)>>,
}

/// What a cell says where a question was not asked.
const NOT_ASKED: &str = "(not asked)";
/// Excel holds at most 32,767 characters in a cell; a longer answer is cut with this mark.
const CUT: &str = " […] (cut here: the whole answer is in the transcript at the citation)";

/// The answers as Markdown: a heading per question, a sub-heading per participant, each answer a
/// block quote followed by its citation.
pub fn render_guide_markdown(guide: &ReportGuide) -> String {
    let mut out =
        format!("# {}\n\nAnswers to the interview guide, by question and participant.\n", md_heading(&guide.title));
    for q in &guide.questions {
        let _ = write!(out, "\n## {} {}\n", q.label, md_heading(&q.text));
        for (name, answers) in guide.participants.iter().zip(&q.answers) {
            let _ = write!(out, "\n### {}\n\n", md_heading(name));
            if answers.is_empty() {
                let _ = writeln!(out, "{NOT_ASKED}");
            }
            for (text, citation) in answers {
                for line in md_paragraph(text).lines() {
                    let _ = writeln!(out, "> {line}");
                }
                let _ = writeln!(out, "\n{}\n", md_inline(citation));
            }
        }
    }
    out
}

/// The answers as an Excel workbook: one sheet, a row per question and a column per
/// participant, header row and question column frozen, text wrapped.
///
/// # Errors
///
/// [`ReportError::Package`] if the workbook cannot be written.
pub fn render_guide_xlsx(guide: &ReportGuide) -> Result<Vec<u8>, ReportError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ReportError::Package { format: "Excel (.xlsx)", reason: e.to_string() };
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(&guide.title)
            .set_author("Idiograph")
            .set_comment(format!("Generated with {}", crate::SOFTWARE)),
    );
    let (header, text) = (super::xlsx::header_format(), super::xlsx::text_format());
    let sheet = book.add_worksheet();
    sheet.set_name("Answers").map_err(fail)?;
    sheet.write_string_with_format(0, 0, "Question", &header).map_err(fail)?;
    sheet.set_column_width(0, 40).map_err(fail)?;
    for (c, name) in guide.participants.iter().enumerate() {
        let c = u16::try_from(c + 1).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, c, name, &header).map_err(fail)?;
        sheet.set_column_width(c, 60).map_err(fail)?;
    }
    for (r, q) in guide.questions.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        sheet.write_string_with_format(r, 0, format!("{} {}", q.label, q.text), &text).map_err(fail)?;
        for (c, answers) in q.answers.iter().enumerate() {
            let c = u16::try_from(c + 1).unwrap_or(u16::MAX);
            let cell = if answers.is_empty() {
                NOT_ASKED.to_owned()
            } else {
                answers.iter().map(|(t, cite)| format!("{t} {cite}")).collect::<Vec<_>>().join("\n\n")
            };
            sheet.write_string_with_format(r, c, fit_cell(&cell), &text).map_err(fail)?;
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(fail)?;
    sheet.set_landscape();
    sheet.set_repeat_rows(0, 0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// `cell`, cut to what Excel holds with a mark saying so.
fn fit_cell(cell: &str) -> String {
    const LIMIT: usize = 32_767;
    if cell.chars().count() <= LIMIT {
        return cell.to_owned();
    }
    let keep: String = cell.chars().take(LIMIT - CUT.chars().count()).collect();
    keep + CUT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guide() -> ReportGuide {
        ReportGuide {
            title: "Balint groups".into(),
            participants: vec!["Rachel".into(), "Tom".into()],
            questions: vec![ReportGuideQuestion {
                label: "Q1".into(),
                text: "How did you join?".into(),
                answers: vec![vec![("I signed up [online](x).".into(), "(Rachel, p. 1, ll. 5–9)".into())], vec![]],
            }],
        }
    }

    #[test]
    fn markdown_quotes_each_answer_with_its_citation_and_says_what_was_not_asked() {
        let md = render_guide_markdown(&guide());
        assert!(md.starts_with("# Balint groups\n"), "{md}");
        // User text never becomes a link.
        assert!(
            md.contains(
                "## Q1 How did you join?\n\n### Rachel\n\n> I signed up [online]\\(x).\n\n(Rachel, p. 1, ll. 5–9)"
            ),
            "{md}"
        );
        assert!(md.contains("### Tom\n\n(not asked)"), "{md}");
    }

    #[test]
    fn a_cell_over_excels_limit_is_cut_with_a_mark() {
        let long = "a".repeat(40_000);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), 32_767);
        assert!(cut.ends_with(CUT));
        assert_eq!(fit_cell("short"), "short");
    }
}
