//! The results section scaffold: each group theme with its sub-themes, who it is present for
//! under the recurrence rule, the researcher's description and convergence/divergence note, and
//! the chosen extracts as block quotes with their citations, laid out in APA 7 style as Word,
//! Markdown or LaTeX.
//!
//! Nothing here writes prose about the findings: every sentence of the body is the researcher's
//! own (titles, descriptions, notes, extracts); the scaffold adds only headings, the prevalence
//! line, the overview table and its note. [`write_results`] decides what the section says and
//! in which order; each format supplies only its markup through [`Scaffold`], so the three
//! documents cannot drift apart.

use std::fmt::Write as _;

use super::docx::{cell, columns, para, row, run, table, text_para, Page, WordDoc};
use super::escape::{latex, md_heading, md_inline, md_paragraph, paragraphs};
use super::{extract_citation, flatten, ReportError, ReportExtract, ReportLabels};

/// The document formats of the results scaffold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultsFormat {
    /// A Word document in APA 7 style.
    Docx,
    /// Markdown (CommonMark with a pipe table), for Pandoc or a Markdown manuscript.
    Markdown,
    /// A LaTeX document whose sectioning maps onto APA's heading levels.
    Latex,
}

impl ResultsFormat {
    /// Every format, in the order offered.
    pub const ALL: [ResultsFormat; 3] = [ResultsFormat::Docx, ResultsFormat::Markdown, ResultsFormat::Latex];

    /// The format's file extension and name on the command line and in addresses: `docx`, `md`, `tex`.
    pub fn extension(self) -> &'static str {
        match self {
            ResultsFormat::Docx => "docx",
            ResultsFormat::Markdown => "md",
            ResultsFormat::Latex => "tex",
        }
    }

    /// The format named by its extension (`md` also as `markdown`, `tex` also as `latex`).
    pub fn parse(name: &str) -> Option<ResultsFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "docx" => Some(ResultsFormat::Docx),
            "md" | "markdown" => Some(ResultsFormat::Markdown),
            "tex" | "latex" => Some(ResultsFormat::Latex),
            _ => None,
        }
    }
}

/// What the results section of a study reports, already ordered by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReportResults {
    /// Study title, for the document properties and the LaTeX title.
    pub title: String,
    /// Names of the IPA units, in the study's terminology.
    pub labels: ReportLabels,
    /// Pseudonyms of the participants, the denominator of every prevalence.
    pub participants: Vec<String>,
    /// The recurrence rule in words, e.g. "at least half of the participants (2 of 3)".
    pub rule: String,
    /// Top-level group themes with their sub-themes, in board order.
    pub themes: Vec<ResultsTheme>,
}

/// A group theme (or a sub-theme) as the results section sets it out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResultsTheme {
    /// Theme title.
    pub title: String,
    /// The researcher's description of the theme.
    pub description: Option<String>,
    /// How the cases converge and diverge on the theme, in the researcher's words.
    pub note: Option<String>,
    /// Pseudonyms of the participants the theme is present for, in participant order.
    pub present: Vec<String>,
    /// Whether the theme satisfies the recurrence rule.
    pub meets_rule: bool,
    /// The extracts chosen for the theme, printed (`print_quote`) and cited.
    pub extracts: Vec<ReportExtract>,
    /// Sub-themes, in board order.
    pub sub_themes: Vec<ResultsTheme>,
}

/// Child accessor for [`flatten`] over the themes of the results section.
fn results_children(theme: &ResultsTheme) -> &[ResultsTheme] {
    &theme.sub_themes
}

/// Renders the results scaffold in `format`.
///
/// # Errors
///
/// [`ReportError`] if the Word package cannot be written; the text formats never fail.
pub fn render_results(results: &ReportResults, format: ResultsFormat) -> Result<Vec<u8>, ReportError> {
    Ok(match format {
        ResultsFormat::Docx => {
            let mut w = WordScaffold { doc: WordDoc::with_styles(Page::A4, APA_STYLES) };
            write_results(&mut w, results);
            w.doc.finish(&results.title, "")?
        }
        ResultsFormat::Markdown => {
            let mut w = MarkdownScaffold(String::new());
            write_results(&mut w, results);
            w.0.into_bytes()
        }
        ResultsFormat::Latex => {
            let mut w = LatexScaffold(String::new());
            w.0.push_str(&latex_preamble(&results.title));
            write_results(&mut w, results);
            w.0.push_str("\\end{document}\n");
            w.0.into_bytes()
        }
    })
}

/// Marks a theme below the recurrence rule in the overview table.
const BELOW_RULE: &str = " †";

/// One row of the overview table: nesting depth and the cells (unescaped).
struct OverviewRow {
    depth: usize,
    cells: [String; 3],
}

/// The markup of one results format; every method takes user text unescaped.
trait Scaffold {
    /// A heading at APA level `level` (1 to 5).
    fn heading(&mut self, level: usize, text: &str);
    /// The researcher's own text, its paragraphs kept; with a `label`, the first paragraph is
    /// led by it in italics ("Prevalence:").
    fn paragraphs(&mut self, label: Option<&str>, text: &str);
    /// An extract as a block quote, the citation after it.
    fn block_quote(&mut self, quote: &str, citation: &str);
    /// A numbered table (`number`, italic `title`), its header row, rows and note.
    fn table(&mut self, number: &str, title: &str, headers: &[&str; 3], rows: &[OverviewRow], note: &str);
}

/// The walk of the results section shared by every format: "Results", the overview table of
/// themes with their prevalence, then each theme in board order (a GET at APA level 2, its
/// sub-themes at level 3 and below) with its description, prevalence, convergence/divergence
/// note and extracts.
fn write_results(w: &mut impl Scaffold, r: &ReportResults) {
    let labels = &r.labels;
    let total = r.participants.len();
    w.heading(1, "Results");
    let themes = flatten(&r.themes, 0, results_children);
    if themes.is_empty() {
        w.paragraphs(None, &format!("No {} yet.", labels.gets));
        return;
    }
    let rows: Vec<OverviewRow> = themes
        .iter()
        .map(|(depth, t)| OverviewRow {
            depth: *depth,
            cells: [
                format!("{}{}", t.title, if t.meets_rule { "" } else { BELOW_RULE }),
                format!("{}/{total}", t.present.len()),
                t.present.join(", "),
            ],
        })
        .collect();
    w.table(
        "Table 1",
        "Themes and Their Prevalence Across Participants",
        &["Theme", "n", "Participants"],
        &rows,
        &format!(
            "n = participants (of {total}) for whom the theme is present. A theme recurs when present for {}; \
             †\u{a0}below the rule.",
            r.rule
        ),
    );
    for (depth, t) in themes {
        w.heading(depth + 2, &t.title);
        if let Some(d) = t.description.as_deref().filter(|d| !d.trim().is_empty()) {
            w.paragraphs(None, d);
        }
        let mut prevalence = format!("{} of {total} participants", t.present.len());
        if !t.present.is_empty() {
            let _ = write!(prevalence, " ({})", t.present.join(", "));
        }
        if !t.meets_rule {
            prevalence.push_str("; below the recurrence rule");
        }
        w.paragraphs(Some("Prevalence"), &format!("{prevalence}."));
        if let Some(n) = t.note.as_deref().filter(|n| !n.trim().is_empty()) {
            w.paragraphs(Some("Convergence and divergence"), n);
        }
        for e in &t.extracts {
            w.block_quote(&e.quote, &extract_citation(e));
        }
    }
}

/// APA 7 styles for Word: Times New Roman 12 pt, double spacing, first lines indented 0.5 in;
/// headings at the five APA levels on Word's built-in heading styles (so a user restyles them
/// from the Styles pane); block quotes indented 0.5 in, without quotation marks; tables with
/// horizontal rules only.
const APA_STYLES: &str = r#"<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="480" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:firstLine="720"/></w:pPr></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:ind w:firstLine="0"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:ind w:firstLine="0"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:ind w:firstLine="0"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading4"><w:name w:val="heading 4"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="3"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading5"><w:name w:val="heading 5"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="4"/></w:pPr><w:rPr><w:b/><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:left="720" w:firstLine="0"/></w:pPr></w:style>
<w:style w:type="character" w:styleId="Citation"><w:name w:val="Citation"/><w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="TableNumber"><w:name w:val="Table Number"/><w:basedOn w:val="Normal"/><w:next w:val="TableTitle"/><w:pPr><w:keepNext/><w:ind w:firstLine="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableTitle"><w:name w:val="Table Title"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLine="0"/></w:pPr><w:rPr><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TableHeading"><w:name w:val="Table Heading"/><w:basedOn w:val="TableText"/><w:qFormat/><w:pPr><w:keepNext/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TableNote"><w:name w:val="Table Note"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="120"/><w:ind w:firstLine="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/><w:jc w:val="right"/></w:pPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="APA Table"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#;

/// The Word document of the results section.
struct WordScaffold {
    doc: WordDoc,
}

impl Scaffold for WordScaffold {
    fn heading(&mut self, level: usize, text: &str) {
        self.doc.push(&text_para(&format!("Heading{}", level.clamp(1, 5)), text));
    }

    fn paragraphs(&mut self, label: Option<&str>, text: &str) {
        let mut lead = label.map(|l| run(&format!("{l}: "), None, false, true)).unwrap_or_default();
        for p in paragraphs(text) {
            self.doc.push(&para("Normal", &format!("{}{}", std::mem::take(&mut lead), run(p, None, false, false)), ""));
        }
    }

    fn block_quote(&mut self, quote: &str, citation: &str) {
        let runs = format!(
            "{}{}",
            run(&format!("{} ", quote.trim()), None, false, false),
            run(citation, Some("Citation"), false, false)
        );
        self.doc.push(&para("Quote", &runs, ""));
    }

    fn table(&mut self, number: &str, title: &str, headers: &[&str; 3], rows: &[OverviewRow], note: &str) {
        self.doc.push(&text_para("TableNumber", number));
        self.doc.push(&text_para("TableTitle", title));
        let widths = columns(Page::A4.text_width(), &[6, 1, 5]);
        // The rule under the header row; the table style draws the top and bottom rules.
        let rule = r#"<w:tcBorders><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tcBorders>"#;
        let head: String =
            widths.iter().zip(headers).map(|(w, h)| cell(*w, &text_para("TableHeading", h), rule)).collect();
        let mut xml = row(&head, true, true);
        for r in rows {
            let indent = format!(r#"<w:ind w:left="{}"/>"#, 284 * r.depth.min(4));
            let cells: String = widths
                .iter()
                .zip(&r.cells)
                .enumerate()
                .map(|(i, (w, text))| {
                    let ppr = if i == 0 { indent.as_str() } else { "" };
                    cell(*w, &para("TableText", &run(text, None, i == 0 && r.depth == 0, false), ppr), "")
                })
                .collect();
            xml.push_str(&row(&cells, false, true));
        }
        self.doc.push(&table(&widths, &xml));
        self.doc.push(&para(
            "TableNote",
            &format!("{}{}", run("Note. ", None, false, true), run(note, None, false, false)),
            "",
        ));
    }
}

/// The Markdown document of the results section: `#` headings by level, `>` block quotes.
struct MarkdownScaffold(String);

impl Scaffold for MarkdownScaffold {
    fn heading(&mut self, level: usize, text: &str) {
        let _ = writeln!(self.0, "{} {}\n", "#".repeat(level.clamp(1, 6)), md_heading(text));
    }

    fn paragraphs(&mut self, label: Option<&str>, text: &str) {
        let mut label = label;
        for p in paragraphs(text) {
            // After a label the paragraph no longer starts the line, so it needs no block escape.
            let p = match label.take() {
                Some(l) => format!("*{}:* {}", md_inline(l), md_inline(p)),
                None => md_paragraph(p),
            };
            let _ = writeln!(self.0, "{p}\n");
        }
    }

    fn block_quote(&mut self, quote: &str, citation: &str) {
        let _ = writeln!(self.0, "> {} {}\n", md_inline(quote), md_inline(citation));
    }

    fn table(&mut self, number: &str, title: &str, headers: &[&str; 3], rows: &[OverviewRow], note: &str) {
        let _ = writeln!(self.0, "**{}**\n\n*{}*\n", md_inline(number), md_inline(title));
        let _ = writeln!(self.0, "| {} |\n|---|---|---|", headers.map(md_inline).join(" | "));
        for r in rows {
            let first = if r.depth == 0 {
                format!("**{}**", md_inline(&r.cells[0]))
            } else {
                // Non-breaking spaces survive Markdown's whitespace collapsing.
                format!("{}{}", "\u{a0}".repeat(4 * r.depth.min(4)), md_inline(&r.cells[0]))
            };
            let _ = writeln!(self.0, "| {first} | {} | {} |", md_inline(&r.cells[1]), md_inline(&r.cells[2]));
        }
        let _ = writeln!(self.0, "\n*Note.* {}\n", md_inline(note));
    }
}

/// The LaTeX document of the results section: `\section*` to `\subparagraph*` for APA levels 1
/// to 5 (the `apa7` class styles them so), `quote` environments for block quotes.
struct LatexScaffold(String);

/// A LaTeX document that compiles with pdfLaTeX, XeLaTeX or LuaLaTeX: A4, 1 in margins, 12 pt,
/// double spacing.
fn latex_preamble(title: &str) -> String {
    format!(
        "% Results scaffold of \u{201c}{}\u{201d}, written by {}.\n\
         \\documentclass[12pt]{{article}}\n\
         \\usepackage[T1]{{fontenc}}\n\
         \\usepackage[utf8]{{inputenc}}\n\
         \\usepackage[a4paper,margin=1in]{{geometry}}\n\
         \\usepackage{{setspace}}\n\
         \\doublespacing\n\
         \\begin{{document}}\n\n",
        latex(title).replace('\n', " "),
        crate::SOFTWARE
    )
}

impl Scaffold for LatexScaffold {
    fn heading(&mut self, level: usize, text: &str) {
        let command = ["section", "subsection", "subsubsection", "paragraph", "subparagraph"][level.clamp(1, 5) - 1];
        let _ = writeln!(self.0, "\\{command}*{{{}}}\n", latex(text));
    }

    fn paragraphs(&mut self, label: Option<&str>, text: &str) {
        let mut lead = label.map(|l| format!("\\textit{{{}:}} ", latex(l))).unwrap_or_default();
        for p in paragraphs(text) {
            let _ = writeln!(self.0, "{}{}\n", std::mem::take(&mut lead), latex(p));
        }
    }

    fn block_quote(&mut self, quote: &str, citation: &str) {
        let _ = writeln!(self.0, "\\begin{{quote}}\n{} {}\n\\end{{quote}}\n", latex(quote), latex(citation));
    }

    fn table(&mut self, number: &str, title: &str, headers: &[&str; 3], rows: &[OverviewRow], note: &str) {
        let _ = writeln!(
            self.0,
            "\\begin{{table}}[ht]\n\\noindent\\textbf{{{}}}\\par\n\\noindent\\textit{{{}}}\\par\n\\begin{{singlespace}}\n\
             \\noindent\\begin{{tabular}}{{p{{0.45\\textwidth}} l p{{0.4\\textwidth}}}}\n\\hline\n{} \\\\\n\\hline",
            latex(number),
            latex(title),
            headers.map(latex).join(" & ")
        );
        for r in rows {
            let first = if r.depth == 0 {
                format!("\\textbf{{{}}}", latex(&r.cells[0]))
            } else {
                format!("\\hspace*{{{}em}}{}", r.depth.min(4), latex(&r.cells[0]))
            };
            let _ = writeln!(self.0, "{first} & {} & {} \\\\", latex(&r.cells[1]), latex(&r.cells[2]));
        }
        let _ = writeln!(
            self.0,
            "\\hline\n\\end{{tabular}}\n\\par\\noindent\\textit{{Note.}} {}\n\\end{{singlespace}}\n\\end{{table}}\n",
            latex(note)
        );
    }
}
