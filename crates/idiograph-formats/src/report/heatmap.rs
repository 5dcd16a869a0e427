//! The recurrence heatmap: one row per group theme (sub-themes indented under their GET), one
//! column per participant, each cell shaded by how much of the participant's evidence stands
//! behind the theme.
//!
//! The shades are one slate ramp whose lightness falls with every level ([`LEVELS`]), so the
//! figure reads the same printed in greyscale; an absent theme is hatched rather than only
//! left white, and every cell says its count in words, so nothing rests on the shade alone.

use std::fmt::Write as _;

use super::svg::{fit, num, open, text_lines, TextStyle, BOLD_EM, CHAR_EM, FONT, LINE, MARGIN, PAD};
use super::{ReportCell, StudyReport};

/// Width of the theme column.
const LABEL_W: f64 = 260.0;
/// Width of a participant's column.
const CELL_W: f64 = 86.0;
/// Height of a row whose title fits one line.
const CELL_H: f64 = 30.0;
/// Width of the column counting participants.
const CASES_W: f64 = 70.0;
/// Indent per nesting level of a theme's title.
const INDENT: f64 = 14.0;
/// Size of a legend swatch.
const SWATCH: f64 = 16.0;

/// One shade of the ramp: who it is for, its fill and the colour of the text on it.
pub(super) struct Level {
    /// What the shade means, for the legend.
    pub(super) meaning: &'static str,
    /// Fill colour.
    pub(super) fill: &'static str,
    /// Text colour with at least 4.5:1 contrast on `fill`.
    pub(super) ink: &'static str,
}

/// The shades from absent to the most evidence, each darker than the one before.
pub(super) const LEVELS: [Level; 5] = [
    Level { meaning: "absent (hatched)", fill: "#ffffff", ink: "#1b2631" },
    Level { meaning: "present, no statement or extract counted", fill: "#d3dce3", ink: "#1b2631" },
    Level { meaning: "1–2 statements and extracts", fill: "#a9b9c7", ink: "#1b2631" },
    Level { meaning: "3–5", fill: "#6f8799", ink: "#000000" },
    Level { meaning: "6 or more", fill: "#2f4858", ink: "#ffffff" },
];

/// The shade of a cell: 0 absent, 1 present with no counted evidence, then by count.
pub(super) fn level(cell: Option<&ReportCell>) -> usize {
    match cell.filter(|c| c.present).map(|c| c.statements + c.extracts) {
        None => 0,
        Some(0) => 1,
        Some(1..=2) => 2,
        Some(3..=5) => 3,
        Some(_) => 4,
    }
}

/// What a cell says: its count, `PET` when present with nothing counted (a linked PET without
/// statements), `–` when absent.
fn cell_text(cell: Option<&ReportCell>) -> String {
    match cell.filter(|c| c.present).map(|c| c.statements + c.extracts) {
        None => "–".to_owned(),
        Some(0) => "PET".to_owned(),
        Some(n) => n.to_string(),
    }
}

/// Builds the heatmap as a standalone SVG document.
pub(super) fn figure(report: &StudyReport) -> String {
    let labels = &report.labels;
    let matrix = &report.recurrence;
    let title = format!("Recurrence of {} across participants", labels.gets);
    let people = &matrix.participants;
    let mut desc = format!(
        "Rows: {} and their {}; columns: {}. Each cell counts the participant's statements and extracts behind the theme.",
        labels.gets,
        labels.sub_themes,
        people.join(", ")
    );
    for row in &matrix.rows {
        let cells: Vec<String> =
            people.iter().enumerate().map(|(i, p)| format!("{p} {}", cell_text(row.cells.get(i)))).collect();
        let _ = write!(desc, " {}: {}; {} of {}.", row.title.trim(), cells.join(", "), row.contributors, people.len());
    }
    let aria = format!("{title}: {} themes, {} participants", matrix.rows.len(), people.len());

    // Column headings: participants' names wrapped to their column.
    let heads: Vec<(Vec<String>, f64)> = people.iter().map(|p| fit(p, CELL_W, FONT, BOLD_EM)).collect();
    let head_h = heads.iter().map(|(_, h)| *h).fold(CELL_H, f64::max);
    let rows: Vec<(Vec<String>, f64)> = matrix
        .rows
        .iter()
        .map(|r| {
            let em = if r.depth == 0 { BOLD_EM } else { CHAR_EM };
            let (lines, h) = fit(&r.title, LABEL_W - INDENT * r.depth.min(6) as f64, FONT, em);
            (lines, h.max(CELL_H))
        })
        .collect();
    let table_w = LABEL_W + CELL_W * people.len() as f64 + CASES_W;
    let legend = legend_lines(report);
    let legend_h = (LEVELS.len() + legend.len()) as f64 * (SWATCH + 6.0) + 10.0;
    let body_h: f64 = rows.iter().map(|(_, h)| h).sum();
    // Wide enough for the legend's sentences too.
    let width = 2.0 * MARGIN + table_w.max(600.0);
    let height = MARGIN + head_h + body_h.max(CELL_H) + 16.0 + legend_h + MARGIN;

    let mut out = String::new();
    open(&mut out, ("heatmap", true), (&title, &aria, &desc), width, height);
    // The hatch of an absent cell: thin diagonal lines, visible in any print.
    out.push_str(concat!(
        r##"<defs><pattern id="absent" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"##,
        r##"<line x1="0" y1="0" x2="0" y2="6" stroke="#9aa7b3" stroke-width="1.2"/></pattern></defs>"##,
        "\n"
    ));
    let dark = TextStyle { size: FONT, weight: "700", fill: "#1b2631", anchor: "middle" };
    let mut x = MARGIN + LABEL_W;
    for (lines, _) in &heads {
        text_lines(&mut out, lines, (x + CELL_W / 2.0, MARGIN + head_h - lines.len() as f64 * FONT * LINE - PAD), dark);
        x += CELL_W;
    }
    let cases = [format!("of {}", people.len())];
    text_lines(&mut out, &cases, (x + CASES_W / 2.0, MARGIN + head_h - FONT * LINE - PAD), dark);

    let mut y = MARGIN + head_h;
    for (row, (lines, h)) in matrix.rows.iter().zip(&rows) {
        let weight = if row.depth == 0 { "700" } else { "400" };
        let style = TextStyle { size: FONT, weight, fill: "#1b2631", anchor: "start" };
        let indent = INDENT * row.depth.min(6) as f64;
        text_lines(&mut out, lines, (MARGIN + indent, y + (h - lines.len() as f64 * FONT * LINE) / 2.0), style);
        let mut x = MARGIN + LABEL_W;
        for i in 0..people.len() {
            let cell = row.cells.get(i);
            let shade = &LEVELS[level(cell)];
            let fill = if level(cell) == 0 { "url(#absent)" } else { shade.fill };
            let _ = writeln!(
                out,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>"##,
                num(x),
                num(y),
                num(CELL_W),
                num(*h)
            );
            let words = [cell_text(cell)];
            let style = TextStyle { size: FONT, weight: "400", fill: shade.ink, anchor: "middle" };
            text_lines(&mut out, &words, (x + CELL_W / 2.0, y + (h - FONT * LINE) / 2.0), style);
            x += CELL_W;
        }
        let count = [format!("{}{}", row.contributors, if row.meets_rule { "" } else { " *" })];
        let style = TextStyle { size: FONT, weight: "400", fill: "#1b2631", anchor: "middle" };
        text_lines(&mut out, &count, (x + CASES_W / 2.0, y + (h - FONT * LINE) / 2.0), style);
        y += h;
    }
    if matrix.rows.is_empty() {
        let none = [format!("{}: none yet", labels.gets)];
        let style = TextStyle { size: FONT, weight: "400", fill: "#1b2631", anchor: "start" };
        text_lines(&mut out, &none, (MARGIN, y + PAD), style);
        y += CELL_H;
    }

    let mut y = y + 16.0;
    let plain = TextStyle { size: FONT, weight: "400", fill: "#1b2631", anchor: "start" };
    for (i, shade) in LEVELS.iter().enumerate() {
        let fill = if i == 0 { "url(#absent)" } else { shade.fill };
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="{}" width="{SWATCH}" height="{SWATCH}" fill="{fill}" stroke="#5b6b7a"/>"##,
            num(MARGIN),
            num(y)
        );
        let words = [shade.meaning.to_owned()];
        text_lines(&mut out, &words, (MARGIN + SWATCH + 8.0, y + (SWATCH - FONT * LINE) / 2.0), plain);
        y += SWATCH + 6.0;
    }
    for line in legend {
        text_lines(&mut out, &[line], (MARGIN, y + (SWATCH - FONT * LINE) / 2.0), plain);
        y += SWATCH + 6.0;
    }
    out.push_str("</svg>\n");
    out
}

/// The legend's lines of text under the swatches.
fn legend_lines(report: &StudyReport) -> Vec<String> {
    let mut lines = vec!["Numbers count the participant's statements and extracts behind the theme.".to_owned()];
    if report.recurrence.rows.iter().any(|r| !r.meets_rule) {
        lines.push(format!("* below the recurrence rule: {}", report.recurrence.rule.trim()));
    }
    lines
}
