//! The theme hierarchy figure: GETs as header boxes in a row, their themes stacked beneath.
//!
//! The layout follows the results panel of the Balint poster: one column per group theme, a
//! filled header box, and lighter boxes for the themes joined to it by connector lines. Sizes
//! come from the text, estimated from its character count, because there is no font engine here;
//! the estimate is deliberately generous so wrapped text stays inside its box.

use std::fmt::Write as _;

use super::escape::{markup, wrap};
use super::{flatten, get_children, ReportGet, StudyReport};

/// Font size of theme boxes, in px.
const FONT: f64 = 13.0;
/// Font size of GET header boxes, in px.
const HEADER_FONT: f64 = 14.0;
/// Estimated average glyph width as a fraction of the font size; 0.6 em over-estimates common
/// sans-serif faces, which is the safe direction.
const CHAR_EM: f64 = 0.6;
/// Extra width for the bold header text.
const BOLD_EM: f64 = 0.66;
/// Line height as a multiple of the font size.
const LINE: f64 = 1.3;
/// Offset from a line's middle to its baseline, as a fraction of the font size.
const BASELINE: f64 = 0.35;
/// Padding between a box edge and its text.
const PAD: f64 = 8.0;
/// Width of a column (a GET box) before nesting forces it wider.
const COL_W: f64 = 210.0;
/// Narrowest a nested theme box may become.
const MIN_BOX_W: f64 = 110.0;
/// Horizontal step per nesting level, leaving room for the connector trunk.
const INDENT: f64 = 18.0;
/// Gap between columns.
const COL_GAP: f64 = 28.0;
/// Gap between a GET header and its first theme, and between stacked themes.
const V_GAP: f64 = 12.0;
/// Gap between rows of columns.
const BAND_GAP: f64 = 32.0;
/// Outer margin of the figure.
const MARGIN: f64 = 16.0;
/// Columns per row; more GETs wrap into further rows so a large study stays legible when the
/// figure is scaled to the page width.
const MAX_COLS: usize = 4;

/// Renders the theme hierarchy as a standalone SVG document (suitable for saving as `.svg`).
///
/// The figure carries a `<title>`, a `<desc>` listing every theme, `role="img"` and an
/// `aria-label`, so it is usable with a screen reader. With no GETs it shows a small
/// placeholder figure saying so.
#[must_use]
pub fn render_theme_tree_svg(report: &StudyReport) -> String {
    figure(report, true)
}

/// A laid-out box: position, size and wrapped lines.
struct Placed {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    lines: Vec<String>,
    header: bool,
}

/// Formats a coordinate compactly and deterministically.
fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Wraps text to fit a box of width `w` and returns the lines and the box height.
fn fit(text: &str, w: f64, font: f64, em: f64) -> (Vec<String>, f64) {
    // Truncation is intended: a partial character does not fit.
    let chars = ((w - 2.0 * PAD) / (font * em)).floor().max(1.0) as usize;
    let lines = wrap(text, chars);
    let h = lines.len() as f64 * font * LINE + 2.0 * PAD;
    (lines, h)
}

/// Builds the figure; `standalone` adds the XML namespace, which inline SVG in HTML5 does not
/// need and which would otherwise put the only URL into the self-contained HTML report.
pub(super) fn figure(report: &StudyReport, standalone: bool) -> String {
    let labels = &report.labels;
    let title = format!("{} and {}", labels.gets, labels.sub_themes);
    let trees: Vec<Vec<(usize, &ReportGet)>> =
        report.gets.iter().map(|g| flatten(std::slice::from_ref(g), 0, get_children)).collect();
    let sub_count: usize = trees.iter().map(|t| t.len().saturating_sub(1)).sum();
    let aria = format!("{title}: {} {}, {sub_count} {}", report.gets.len(), labels.gets, labels.sub_themes);

    let (boxes, lines, width, height) =
        if report.gets.is_empty() { empty_layout(&format!("{}: none yet", labels.gets)) } else { layout(&trees) };

    let mut out = String::new();
    let ns = if standalone { r#" xmlns="http://www.w3.org/2000/svg""# } else { "" };
    let _ = writeln!(
        out,
        r#"<svg{ns} class="theme-tree" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">"#,
        markup(&aria),
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(out, "<title>{}</title>", markup(&title));
    let _ = writeln!(out, "<desc>{}</desc>", markup(&describe(&trees)));
    let _ = writeln!(out, r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##, num(width), num(height));
    for (x1, y1, x2, y2) in lines {
        let _ = writeln!(
            out,
            r##"<path d="M{} {}V{}H{}" fill="none" stroke="#5b6b7a" stroke-width="1.5"/>"##,
            num(x1),
            num(y1),
            num(y2),
            num(x2)
        );
    }
    for b in &boxes {
        draw_box(&mut out, b, report.gets.is_empty());
    }
    out.push_str("</svg>\n");
    out
}

/// Plain-text listing of the hierarchy for the `<desc>` element, read by assistive technology.
fn describe(trees: &[Vec<(usize, &ReportGet)>]) -> String {
    trees
        .iter()
        .map(|tree| {
            let mut parts = tree.iter().map(|(_, g)| g.title.trim());
            let head = parts.next().unwrap_or_default();
            let rest: Vec<&str> = parts.collect();
            if rest.is_empty() {
                format!("{head}.")
            } else {
                format!("{head}: {}.", rest.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Connector polyline: down from (x1, y1) to y2, then across to x2.
type Connector = (f64, f64, f64, f64);

/// Placeholder layout for a study without group themes.
fn empty_layout(message: &str) -> (Vec<Placed>, Vec<Connector>, f64, f64) {
    let w = 2.0 * COL_W;
    let (lines, h) = fit(message, w, FONT, CHAR_EM);
    let b = Placed { x: MARGIN, y: MARGIN, w, h, lines, header: false };
    (vec![b], Vec::new(), w + 2.0 * MARGIN, h + 2.0 * MARGIN)
}

/// Lays out all GET columns in rows of at most [`MAX_COLS`].
fn layout(trees: &[Vec<(usize, &ReportGet)>]) -> (Vec<Placed>, Vec<Connector>, f64, f64) {
    let max_depth = trees.iter().flat_map(|t| t.iter().map(|(d, _)| *d)).max().unwrap_or(0);
    // One width for every column keeps the row tidy; deep nesting widens all columns so the
    // innermost boxes keep a readable width.
    let col_w = COL_W.max(MIN_BOX_W + INDENT * max_depth as f64);
    let mut boxes = Vec::new();
    let mut connectors = Vec::new();
    let mut band_y = MARGIN;
    let mut width: f64 = 0.0;
    for band in trees.chunks(MAX_COLS) {
        let headers: Vec<(Vec<String>, f64)> = band
            .iter()
            .map(|t| {
                let title = t.first().map(|(_, g)| g.title.as_str()).unwrap_or_default();
                fit(title, col_w, HEADER_FONT, BOLD_EM)
            })
            .collect();
        // Headers share the tallest height so they read as one row, as on the poster.
        let header_h = headers.iter().map(|(_, h)| *h).fold(0.0, f64::max);
        let mut band_bottom = band_y + header_h;
        for (i, (tree, (header_lines, _))) in band.iter().zip(headers).enumerate() {
            let col_x = MARGIN + i as f64 * (col_w + COL_GAP);
            width = width.max(col_x + col_w + MARGIN);
            // Index into `boxes` of the latest box at each depth, to find a theme's parent.
            let mut parents: Vec<usize> = vec![boxes.len()];
            boxes.push(Placed { x: col_x, y: band_y, w: col_w, h: header_h, lines: header_lines, header: true });
            let mut y = band_y + header_h + V_GAP;
            for (depth, get) in tree.iter().skip(1) {
                let x = col_x + INDENT * *depth as f64;
                let w = col_w - INDENT * *depth as f64;
                let (lines, h) = fit(&get.title, w, FONT, CHAR_EM);
                parents.truncate(*depth);
                if let Some(parent) = parents.last().and_then(|&p| boxes.get(p)) {
                    connectors.push((parent.x + INDENT / 2.0, parent.y + parent.h, x, y + h / 2.0));
                }
                parents.push(boxes.len());
                boxes.push(Placed { x, y, w, h, lines, header: false });
                y += h + V_GAP;
            }
            band_bottom = band_bottom.max(y - V_GAP);
        }
        band_y = band_bottom + BAND_GAP;
    }
    let height = band_y - BAND_GAP + MARGIN;
    (boxes, connectors, width, height)
}

/// Draws one box with its centred, pre-wrapped lines.
fn draw_box(out: &mut String, b: &Placed, placeholder: bool) {
    let (fill, stroke, text, weight, font) = if b.header {
        ("#2f4858", "#2f4858", "#ffffff", "700", HEADER_FONT)
    } else {
        ("#e8eef3", "#5b6b7a", "#1b2631", "400", FONT)
    };
    let dash = if placeholder { r#" stroke-dasharray="4 3""# } else { "" };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="{stroke}"{dash}/>"#,
        num(b.x),
        num(b.y),
        num(b.w),
        num(b.h)
    );
    // Centre the text block vertically: header boxes can be taller than their own text.
    let block = b.lines.len() as f64 * font * LINE;
    let top = b.y + (b.h - block) / 2.0;
    let cx = b.x + b.w / 2.0;
    let _ = write!(
        out,
        r#"<text x="{}" font-size="{}" font-weight="{weight}" fill="{text}" text-anchor="middle">"#,
        num(cx),
        num(font)
    );
    for (i, line) in b.lines.iter().enumerate() {
        // Baseline a third of the font size below the line's middle centres mixed-case text;
        // `dominant-baseline` would be neater but is ignored by some SVG renderers.
        let y = top + (i as f64 + 0.5) * font * LINE + font * BASELINE;
        let _ = write!(out, r#"<tspan x="{}" y="{}">{}</tspan>"#, num(cx), num(y), markup(line));
    }
    out.push_str("</text>\n");
}
