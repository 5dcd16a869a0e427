//! The figures as SVG: which ones there are ([`Figure`]), what they share (the document frame,
//! text fitted to boxes), and the theme map.
//!
//! The theme map follows the results panel of the Balint poster: one column per group theme, a
//! filled header box, and lighter boxes for the themes joined to it by connector lines; the
//! exported map adds, under each theme, the participants' PETs behind it (white boxes that name
//! the participant). Sizes come from the text, estimated from its character count, because
//! there is no font engine here; the estimate is deliberately generous so wrapped text stays
//! inside its box.
//!
//! Every figure is drawn to be read in print and in greyscale: shades differ in lightness, not
//! only in hue, patterns and dashes carry what a colour would, and every value is written as text.

use std::fmt::Write as _;

use super::escape::{markup, wrap};
use super::{flatten, flow, get_children, heatmap, ReportContribution, ReportGet, StudyReport};

/// The figures a study can be drawn as, for a write-up or a poster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Figure {
    /// Group themes, their sub-themes and the participants' PETs behind each (the poster's tree).
    ThemeMap,
    /// Group themes × participants, each cell shaded by how much evidence the participant gives.
    Heatmap,
    /// The participants' PETs on the left linked to the group themes they feed on the right.
    Flow,
}

impl Figure {
    /// Every figure, in the order they are offered.
    pub const ALL: [Figure; 3] = [Figure::ThemeMap, Figure::Heatmap, Figure::Flow];

    /// The figure's name in addresses and file names: `theme-map`, `heatmap`, `flow`.
    pub fn name(self) -> &'static str {
        match self {
            Figure::ThemeMap => "theme-map",
            Figure::Heatmap => "heatmap",
            Figure::Flow => "flow",
        }
    }

    /// The figure named `name` (as [`Figure::name`] writes it), if there is one.
    pub fn parse(name: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Renders a figure as a standalone SVG document (suitable for saving as `.svg`).
///
/// The figure carries a `<title>`, a `<desc>` saying in words what it shows, `role="img"` and an
/// `aria-label`, so it is usable with a screen reader. A study without themes gets a small
/// placeholder figure saying so.
#[must_use]
pub fn render_figure_svg(report: &StudyReport, kind: Figure) -> String {
    match kind {
        Figure::ThemeMap => figure(report, true, true),
        Figure::Heatmap => heatmap::figure(report),
        Figure::Flow => flow::figure(report),
    }
}

/// The font every figure asks for; the PNG draws it with the bundled Noto Sans.
pub(super) const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/// Opens a figure: the `<svg>` element with its accessible name, `<title>`, `<desc>` and a white
/// background. A `standalone` figure (a file of its own) declares the SVG namespace, which inline
/// SVG in HTML5 does not need and which would otherwise put the only URL into the
/// self-contained HTML report.
pub(super) fn open(
    out: &mut String,
    (class, standalone): (&str, bool),
    (title, aria, desc): (&str, &str, &str),
    width: f64,
    height: f64,
) {
    let ns = if standalone { r#" xmlns="http://www.w3.org/2000/svg""# } else { "" };
    let _ = writeln!(
        out,
        r#"<svg{ns} class="{class}" role="img" aria-label="{}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{FONT_FAMILY}">"#,
        markup(aria),
        w = num(width),
        h = num(height),
    );
    let _ = writeln!(out, "<title>{}</title>", markup(title));
    let _ = writeln!(out, "<desc>{}</desc>", markup(desc));
    let _ = writeln!(out, r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##, num(width), num(height));
}

/// Writes pre-wrapped `lines` as one `<text>`, each line a `<tspan>` whose middle is at
/// `top + (i + 0.5) × line height`; `anchor` is the SVG `text-anchor` at `x`.
pub(super) fn text_lines(out: &mut String, lines: &[String], (x, top): (f64, f64), style: TextStyle<'_>) {
    let _ = write!(
        out,
        r#"<text x="{}" font-size="{}" font-weight="{}" fill="{}" text-anchor="{}">"#,
        num(x),
        num(style.size),
        style.weight,
        style.fill,
        style.anchor
    );
    for (i, line) in lines.iter().enumerate() {
        // Baseline a third of the font size below the line's middle centres mixed-case text;
        // `dominant-baseline` would be neater but is ignored by some SVG renderers.
        let y = top + (i as f64 + 0.5) * style.size * LINE + style.size * BASELINE;
        let _ = write!(out, r#"<tspan x="{}" y="{}">{}</tspan>"#, num(x), num(y), markup(line));
    }
    out.push_str("</text>\n");
}

/// How [`text_lines`] sets its text.
#[derive(Clone, Copy)]
pub(super) struct TextStyle<'a> {
    /// Font size in px.
    pub(super) size: f64,
    /// `400` or `700`.
    pub(super) weight: &'a str,
    /// Text colour.
    pub(super) fill: &'a str,
    /// `start`, `middle` or `end`.
    pub(super) anchor: &'a str,
}

/// Font size of theme boxes, in px.
pub(super) const FONT: f64 = 13.0;
/// Font size of PET boxes, in px.
const PET_FONT: f64 = 12.0;
/// Font size of GET header boxes, in px.
pub(super) const HEADER_FONT: f64 = 14.0;
/// Estimated average glyph width as a fraction of the font size; 0.6 em over-estimates common
/// sans-serif faces, which is the safe direction.
pub(super) const CHAR_EM: f64 = 0.6;
/// Extra width for the bold header text.
pub(super) const BOLD_EM: f64 = 0.66;
/// Line height as a multiple of the font size.
pub(super) const LINE: f64 = 1.3;
/// Offset from a line's middle to its baseline, as a fraction of the font size.
pub(super) const BASELINE: f64 = 0.35;
/// Padding between a box edge and its text.
pub(super) const PAD: f64 = 8.0;
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
pub(super) const MARGIN: f64 = 16.0;
/// Columns per row; more GETs wrap into further rows so a large study stays legible when the
/// figure is scaled to the page width.
const MAX_COLS: usize = 4;

/// A box of the theme map: a group theme, or a participant's PET behind it.
#[derive(Clone, Copy)]
enum Node<'a> {
    Theme(&'a ReportGet),
    Pet(&'a ReportContribution),
}

impl Node<'_> {
    /// The words in the box; a PET names its participant first.
    fn title(self) -> String {
        match self {
            Node::Theme(g) => g.title.trim().to_owned(),
            Node::Pet(c) => format!("{}: {}", c.pseudonym.trim(), c.pet_title.trim()),
        }
    }
}

/// How a box is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A GET heading its column.
    Header,
    /// A theme nested under it.
    Theme,
    /// A participant's PET behind the theme above it.
    Pet,
}

/// A laid-out box: position, size, wrapped lines and what it is in its figure (`S`).
pub(super) struct Placed<S> {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) w: f64,
    pub(super) h: f64,
    pub(super) lines: Vec<String>,
    pub(super) style: S,
}

/// How a box is drawn.
#[derive(Clone, Copy)]
pub(super) struct Look {
    /// Fill colour.
    pub(super) fill: &'static str,
    /// Border colour.
    pub(super) stroke: &'static str,
    /// Text colour.
    pub(super) ink: &'static str,
    /// `400` or `700`.
    pub(super) weight: &'static str,
    /// Font size in px.
    pub(super) font: f64,
    /// A dashed border (a placeholder, a PET that feeds no group theme).
    pub(super) dashed: bool,
}

/// Draws a box with its pre-wrapped lines centred in it.
pub(super) fn draw_box<S>(out: &mut String, b: &Placed<S>, look: Look) {
    let dash = if look.dashed { r#" stroke-dasharray="4 3""# } else { "" };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}" stroke="{}"{dash}/>"#,
        num(b.x),
        num(b.y),
        num(b.w),
        num(b.h),
        look.fill,
        look.stroke
    );
    // Centre the text block vertically: header boxes can be taller than their own text.
    let block = b.lines.len() as f64 * look.font * LINE;
    let top = b.y + (b.h - block) / 2.0;
    let style = TextStyle { size: look.font, weight: look.weight, fill: look.ink, anchor: "middle" };
    text_lines(out, &b.lines, (b.x + b.w / 2.0, top), style);
}

/// Formats a coordinate compactly and deterministically.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// Wraps text to fit a box of width `w` and returns the lines and the box height.
pub(super) fn fit(text: &str, w: f64, font: f64, em: f64) -> (Vec<String>, f64) {
    // Truncation is intended: a partial character does not fit.
    let chars = ((w - 2.0 * PAD) / (font * em)).floor().max(1.0) as usize;
    let lines = wrap(text, chars);
    let h = lines.len() as f64 * font * LINE + 2.0 * PAD;
    (lines, h)
}

/// One GET's column of boxes in drawing order with their depths: each theme followed by the PETs
/// behind it (when `pets`), then by its nested themes.
fn column(get: &ReportGet, pets: bool) -> Vec<(usize, Node<'_>)> {
    let mut out = Vec::new();
    for (depth, theme) in flatten(std::slice::from_ref(get), 0, get_children) {
        out.push((depth, Node::Theme(theme)));
        if pets {
            out.extend(theme.contributing.iter().map(|c| (depth + 1, Node::Pet(c))));
        }
    }
    out
}

/// Builds the theme map, `standalone` as a file of its own (see [`open`]); `pets` adds the PETs behind each theme (the exported map; the report's figure is the poster's tree).
pub(super) fn figure(report: &StudyReport, standalone: bool, pets: bool) -> String {
    let labels = &report.labels;
    let title = if pets {
        format!("{}, {} and the {} behind them", labels.gets, labels.sub_themes, labels.pets)
    } else {
        format!("{} and {}", labels.gets, labels.sub_themes)
    };
    let trees: Vec<Vec<(usize, Node<'_>)>> = report.gets.iter().map(|g| column(g, pets)).collect();
    let count = |kind: fn(&Node<'_>) -> bool| trees.iter().flatten().filter(|(_, n)| kind(n)).count();
    let sub_count = count(|n| matches!(n, Node::Theme(_))) - report.gets.len();
    let mut aria = format!("{title}: {} {}, {sub_count} {}", report.gets.len(), labels.gets, labels.sub_themes);
    if pets {
        let _ = write!(aria, ", {} {}", count(|n| matches!(n, Node::Pet(_))), labels.pets);
    }

    let (boxes, lines, width, height) =
        if report.gets.is_empty() { empty_layout(&format!("{}: none yet", labels.gets)) } else { layout(&trees) };

    let mut out = String::new();
    open(&mut out, ("theme-tree", standalone), (&title, &aria, &describe(&trees)), width, height);
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
        draw_box(&mut out, b, look(b.style, report.gets.is_empty()));
    }
    out.push_str("</svg>\n");
    out
}

/// Plain-text listing of the hierarchy for the `<desc>` element, read by assistive technology.
fn describe(trees: &[Vec<(usize, Node<'_>)>]) -> String {
    trees
        .iter()
        .map(|tree| {
            let mut parts = tree.iter().map(|(_, n)| match n {
                Node::Theme(_) => n.title(),
                Node::Pet(c) => format!("{} ({})", c.pet_title.trim(), c.pseudonym.trim()),
            });
            let head = parts.next().unwrap_or_default();
            let rest: Vec<String> = parts.collect();
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
fn empty_layout(message: &str) -> (Vec<Placed<Kind>>, Vec<Connector>, f64, f64) {
    let w = 2.0 * COL_W;
    let (lines, h) = fit(message, w, FONT, CHAR_EM);
    let b = Placed { x: MARGIN, y: MARGIN, w, h, lines, style: Kind::Theme };
    (vec![b], Vec::new(), w + 2.0 * MARGIN, h + 2.0 * MARGIN)
}

/// Lays out all GET columns in rows of at most [`MAX_COLS`].
fn layout(trees: &[Vec<(usize, Node<'_>)>]) -> (Vec<Placed<Kind>>, Vec<Connector>, f64, f64) {
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
                let title = t.first().map(|(_, n)| n.title()).unwrap_or_default();
                fit(&title, col_w, HEADER_FONT, BOLD_EM)
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
            boxes.push(Placed { x: col_x, y: band_y, w: col_w, h: header_h, lines: header_lines, style: Kind::Header });
            let mut y = band_y + header_h + V_GAP;
            for (depth, node) in tree.iter().skip(1) {
                let x = col_x + INDENT * *depth as f64;
                let w = col_w - INDENT * *depth as f64;
                let (kind, font) = match node {
                    Node::Theme(_) => (Kind::Theme, FONT),
                    Node::Pet(_) => (Kind::Pet, PET_FONT),
                };
                let (lines, h) = fit(&node.title(), w, font, CHAR_EM);
                parents.truncate(*depth);
                if let Some(parent) = parents.last().and_then(|&p| boxes.get(p)) {
                    connectors.push((parent.x + INDENT / 2.0, parent.y + parent.h, x, y + h / 2.0));
                }
                parents.push(boxes.len());
                boxes.push(Placed { x, y, w, h, lines, style: kind });
                y += h + V_GAP;
            }
            band_bottom = band_bottom.max(y - V_GAP);
        }
        band_y = band_bottom + BAND_GAP;
    }
    let height = band_y - BAND_GAP + MARGIN;
    (boxes, connectors, width, height)
}

/// How the theme map draws a box of each kind.
fn look(kind: Kind, placeholder: bool) -> Look {
    let (fill, stroke, ink, weight, font) = match kind {
        Kind::Header => ("#2f4858", "#2f4858", "#ffffff", "700", HEADER_FONT),
        Kind::Theme => ("#e8eef3", "#5b6b7a", "#1b2631", "400", FONT),
        Kind::Pet => ("#ffffff", "#5b6b7a", "#1b2631", "400", PET_FONT),
    };
    Look { fill, stroke, ink, weight, font, dashed: placeholder }
}
