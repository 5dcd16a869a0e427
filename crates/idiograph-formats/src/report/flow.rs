//! The PET → GET flow: every participant's PETs on the left, under the participant's name, the
//! group themes on the right (sub-themes indented under their GET), and a link from each PET to
//! each group theme it feeds.
//!
//! It shows convergence (several participants' links meeting at one theme) and divergence (a
//! PET that feeds no group theme, drawn with a dashed border). A participant's links share one
//! dash pattern and shade, named in the legend, so they can be followed in greyscale.

use std::fmt::Write as _;

use super::svg::{
    draw_box, fit, num, open, text_lines, Look, Placed, TextStyle, BOLD_EM, CHAR_EM, FONT, HEADER_FONT, LINE, MARGIN,
    PAD,
};
use super::{flatten, get_children, pet_children, ReportGet, StudyReport};

/// Width of each column of boxes.
const COL_W: f64 = 240.0;
/// Room between the columns for the links.
const LINK_W: f64 = 220.0;
/// Indent per nesting level.
const INDENT: f64 = 16.0;
/// Gap between stacked boxes.
const V_GAP: f64 = 8.0;
/// Gap before a participant's name.
const CASE_GAP: f64 = 14.0;
/// Length of a legend's line sample.
const SAMPLE: f64 = 40.0;

/// Dash patterns of the participants' links, in participant order (repeating after five).
const DASHES: [&str; 5] = ["", "8 4", "2 3", "10 3 2 3", "14 4 4 4"];
/// Shades of the participants' links, dark enough on white in any print.
const INKS: [&str; 5] = ["#1b2631", "#3d4f5f", "#1b2631", "#56687a", "#3d4f5f"];

/// How a box is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BoxStyle {
    /// A participant's name over their PETs (text only).
    Case,
    /// A PET that feeds a group theme.
    Pet,
    /// A PET that feeds none (divergence).
    LonePet,
    /// A top-level group theme.
    Get,
    /// A group theme nested under another.
    SubTheme,
}

/// Stacks boxes down a column from `top`; returns the bottom.
fn stack(items: &[(usize, String, BoxStyle)], x: f64, top: f64, out: &mut Vec<Placed<BoxStyle>>) -> f64 {
    let mut y = top;
    for (depth, title, style) in items {
        if *style == BoxStyle::Case && y > top {
            y += CASE_GAP;
        }
        let indent = INDENT * (*depth).min(6) as f64;
        let (font, em) = match style {
            BoxStyle::Case => (HEADER_FONT, BOLD_EM),
            BoxStyle::Get => (FONT, BOLD_EM),
            _ => (FONT, CHAR_EM),
        };
        let (lines, h) = fit(title, COL_W - indent, font, em);
        out.push(Placed { x: x + indent, y, w: COL_W - indent, h, lines, style: *style });
        y += h + V_GAP;
    }
    y - V_GAP
}

/// Builds the flow figure as a standalone SVG document.
pub(super) fn figure(report: &StudyReport) -> String {
    let labels = &report.labels;
    let title = format!("{} feeding {} across participants", labels.pets, labels.gets);
    let gets: Vec<(usize, &ReportGet)> = flatten(&report.gets, 0, get_children);
    // Which (participant, PET) pairs feed a group theme, and which group theme each link joins.
    let feeds = |who: &str, pet: &str| {
        gets.iter().any(|(_, g)| g.contributing.iter().any(|c| c.pseudonym == who && c.pet_title == pet))
    };

    // The participants: those with a case, then any other a group theme names.
    let mut people: Vec<&str> = report.cases.iter().map(|c| c.pseudonym.as_str()).collect();
    for (_, g) in &gets {
        for c in &g.contributing {
            if !people.contains(&c.pseudonym.as_str()) {
                people.push(&c.pseudonym);
            }
        }
    }
    let mut left = Vec::new();
    // Index into `left` of each (participant, PET title), for the links.
    let mut pet_rows: Vec<(usize, &str, &str)> = Vec::new();
    for who in &people {
        left.push((0, who.trim().to_owned(), BoxStyle::Case));
        // The case's PETs, then any PET a group theme names that the case does not list.
        let own = report
            .cases
            .iter()
            .filter(|c| c.pseudonym == *who)
            .flat_map(|c| flatten(&c.pets, 0, pet_children))
            .map(|(depth, pet)| (depth, pet.title.as_str()));
        let named = gets.iter().flat_map(|(_, g)| &g.contributing).filter(|c| c.pseudonym == *who);
        for (depth, title) in own.chain(named.map(|c| (0, c.pet_title.as_str()))) {
            if pet_rows.iter().any(|(_, w, t)| w == who && *t == title) {
                continue;
            }
            let style = if feeds(who, title) { BoxStyle::Pet } else { BoxStyle::LonePet };
            pet_rows.push((left.len(), who, title));
            left.push((depth, title.trim().to_owned(), style));
        }
    }
    let right: Vec<(usize, String, BoxStyle)> = gets
        .iter()
        .map(|(d, g)| (*d, g.title.trim().to_owned(), if *d == 0 { BoxStyle::Get } else { BoxStyle::SubTheme }))
        .collect();

    let heading = |text: &str| fit(text, COL_W, HEADER_FONT, BOLD_EM);
    let (left_head, lh) = heading(&labels.pets);
    let (right_head, rh) = heading(&labels.gets);
    let top = MARGIN + lh.max(rh) + 6.0;
    let (left_x, right_x) = (MARGIN, MARGIN + COL_W + LINK_W);
    let mut boxes = Vec::new();
    let left_bottom = stack(&left, left_x, top, &mut boxes);
    let right_from = boxes.len();
    let right_bottom = stack(&right, right_x, top, &mut boxes);

    // One link per (PET, group theme) pair, styled by the participant's place in the report.
    let mut links = Vec::new();
    for (i, (_, g)) in gets.iter().enumerate() {
        for c in &g.contributing {
            let from = pet_rows.iter().find(|(_, who, pet)| *who == c.pseudonym && *pet == c.pet_title);
            let person = people.iter().position(|p| *p == c.pseudonym).unwrap_or(0);
            if let (Some((row, _, _)), Some(to)) = (from, boxes.get(right_from + i)) {
                if let Some(pet) = boxes.get(*row) {
                    links.push(((pet.x + pet.w, pet.y + pet.h / 2.0), (to.x, to.y + to.h / 2.0), person));
                }
            }
        }
    }

    let width = right_x + COL_W + MARGIN;
    let lone = format!("Dashed box: a {} that feeds no {}", labels.pet, labels.get);
    let (lone, _) = fit(&lone, width - 2.0 * MARGIN + 2.0 * PAD, FONT, CHAR_EM);
    let legend_top = left_bottom.max(right_bottom) + 20.0;
    let height = legend_top + people.len() as f64 * (FONT * LINE + 6.0) + lone.len() as f64 * FONT * LINE + MARGIN;
    let desc = describe(report, &gets);
    let aria = format!("{title}: {} links", links.len());

    let mut out = String::new();
    open(&mut out, ("flow", true), (&title, &aria, &desc), width, height);
    let head = TextStyle { size: HEADER_FONT, weight: "700", fill: "#1b2631", anchor: "start" };
    text_lines(&mut out, &left_head, (left_x, MARGIN), head);
    text_lines(&mut out, &right_head, (right_x, MARGIN), head);
    for ((x1, y1), (x2, y2), person) in &links {
        let mid = (x1 + x2) / 2.0;
        let dash = DASHES[person % DASHES.len()];
        let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
        let _ = writeln!(
            out,
            r#"<path d="M{} {}C{} {} {} {} {} {}" fill="none" stroke="{}" stroke-width="1.6"{dash}/>"#,
            num(*x1),
            num(*y1),
            num(mid),
            num(*y1),
            num(mid),
            num(*y2),
            num(*x2),
            num(*y2),
            INKS[person % INKS.len()]
        );
    }
    for b in &boxes {
        draw(&mut out, b);
    }

    let plain = TextStyle { size: FONT, weight: "400", fill: "#1b2631", anchor: "start" };
    let mut y = legend_top;
    for (i, person) in people.iter().enumerate() {
        let dash = DASHES[i % DASHES.len()];
        let dash = if dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{dash}""#) };
        let mid = y + FONT * LINE / 2.0;
        let _ = writeln!(
            out,
            r#"<path d="M{} {}H{}" stroke="{}" stroke-width="1.6"{dash}/>"#,
            num(MARGIN),
            num(mid),
            num(MARGIN + SAMPLE),
            INKS[i % INKS.len()]
        );
        text_lines(&mut out, &[format!("{} of {person}", labels.pets)], (MARGIN + SAMPLE + 8.0, y), plain);
        y += FONT * LINE + 6.0;
    }
    text_lines(&mut out, &lone, (MARGIN, y), plain);
    out.push_str("</svg>\n");
    out
}

/// Draws one box and its text; a participant's name is text alone, over their PETs.
fn draw(out: &mut String, b: &Placed<BoxStyle>) {
    let box_look = |fill, stroke, ink, weight, dashed| Look { fill, stroke, ink, weight, font: FONT, dashed };
    let look = match b.style {
        BoxStyle::Case => {
            let block = b.lines.len() as f64 * HEADER_FONT * LINE;
            let style = TextStyle { size: HEADER_FONT, weight: "700", fill: "#1b2631", anchor: "start" };
            text_lines(out, &b.lines, (b.x, b.y + (b.h - block) / 2.0), style);
            return;
        }
        BoxStyle::Pet => box_look("#ffffff", "#5b6b7a", "#1b2631", "400", false),
        BoxStyle::LonePet => box_look("#ffffff", "#5b6b7a", "#1b2631", "400", true),
        BoxStyle::Get => box_look("#2f4858", "#2f4858", "#ffffff", "700", false),
        BoxStyle::SubTheme => box_look("#e8eef3", "#5b6b7a", "#1b2631", "400", false),
    };
    draw_box(out, b, look);
}

/// The links in words, for the `<desc>` element.
fn describe(report: &StudyReport, gets: &[(usize, &ReportGet)]) -> String {
    let mut out = String::new();
    for (_, g) in gets {
        let from: Vec<String> =
            g.contributing.iter().map(|c| format!("{} ({})", c.pet_title.trim(), c.pseudonym.trim())).collect();
        if !from.is_empty() {
            let _ = write!(out, "{} is fed by {}. ", g.title.trim(), from.join(", "));
        }
    }
    if out.is_empty() {
        out = format!("No {} feeds a {} yet.", report.labels.pet, report.labels.get);
    }
    out.trim_end().to_owned()
}
