//! The PDF importer: the text layer, laid out into lines and paragraphs (cargo feature `pdf`).
//!
//! Crate: `lopdf` parses the file (cross-reference repair, object streams, filters, bounded
//! decompression so a small file cannot inflate without limit, ToUnicode CMaps and the
//! standard encodings). `pdf-extract` was considered: it builds on `lopdf` too but writes
//! its own layout without positions we can reuse and aborts with panics on many damaged
//! files, so the text-showing operators are interpreted here, on `lopdf`'s decoded content.
//!
//! Per page, each text-showing operator gives a run of text at a position (text matrix times
//! CTM, advanced by the font's glyph widths, so separate glyphs of one word join up and a
//! gap wider than a fifth of the font size becomes a space). Runs are grouped into lines by
//! baseline and ordered left to right. Then:
//!
//! - margin paragraph numbers (as in MAXQDA exports: a short number standing left of the text
//!   column with a wide gap) are dropped; when a document has them they also mark paragraph
//!   starts, and the lines between two numbers are joined into one paragraph;
//! - running headers and footers (the first or last two lines of a page whose text, with digits
//!   ignored, recurs on at least half of the pages, at least two) are dropped, and so are lines
//!   that are only a page number (`3`, `3/5`, `- 3 -`, `Page 3 of 5`);
//! - otherwise lines are grouped into paragraphs (kept as lines, since any line may start a
//!   turn), a new paragraph starting where the vertical gap is clearly larger than the usual
//!   line spacing or the line is indented.
//!
//! The speaker scan then runs on the text as for `.txt` files. A PDF without any text (a scan)
//! is refused with a message to run OCR first; an encrypted PDF that cannot be opened without
//! a password is refused as password-protected. Form XObjects are followed (depth 4).

use super::builder::TextBuilder;
use super::{ImportError, ImportedTranscript, Importer, TranscriptFormat};
use lopdf::content::Content;
use lopdf::Encoding;
use lopdf::{Dictionary, Document, LoadOptions, Object};
use std::collections::{BTreeMap, HashMap};

/// Imports `.pdf` files; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PdfImporter;

/// Bound on any one decompressed stream.
const MAX_STREAM: usize = 64 << 20;
/// Bound on the number of content operations interpreted in the whole document.
const MAX_OPERATIONS: usize = 20_000_000;
/// Most pages read.
const MAX_PAGES: usize = 10_000;

impl Importer for PdfImporter {
    fn format(&self) -> TranscriptFormat {
        TranscriptFormat::Pdf
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::Empty { file: file_name.to_owned() });
        }
        let head = &bytes[..bytes.len().min(1024)];
        if !head.windows(5).any(|w| w == b"%PDF-") {
            return Err(ImportError::Malformed {
                file: file_name.to_owned(),
                reason: "not a PDF file (no %PDF header)".to_owned(),
            });
        }
        let load = LoadOptions { max_decompressed_size: Some(MAX_STREAM), ..LoadOptions::default() };
        let doc = Document::load_mem_with_options(bytes, load).map_err(|e| {
            let message = e.to_string();
            if message.to_ascii_lowercase().contains("password") || message.to_ascii_lowercase().contains("decrypt") {
                ImportError::Encrypted { file: file_name.to_owned() }
            } else {
                ImportError::Malformed {
                    file: file_name.to_owned(),
                    reason: format!("damaged PDF ({})", one_line(&message)),
                }
            }
        })?;
        let pages = read_pages(&doc);
        let glyphs: usize = pages.iter().map(|p| p.iter().map(|r| r.text.len()).sum::<usize>()).sum();
        if glyphs == 0 || pages.iter().flatten().all(|r| r.text.trim().is_empty()) {
            if doc.is_encrypted() {
                return Err(ImportError::Encrypted { file: file_name.to_owned() });
            }
            return Err(ImportError::NoTextLayer { file: file_name.to_owned() });
        }
        let mut builder = TextBuilder::new();
        let layout = lay_out(pages);
        for paragraph in &layout.paragraphs {
            builder.paragraph(paragraph);
        }
        if layout.dropped_headers > 0 {
            builder.note(format!("dropped {} running header/footer or page number lines", layout.dropped_headers));
        }
        if layout.dropped_numbers > 0 {
            builder.note(format!("dropped {} margin paragraph numbers", layout.dropped_numbers));
        }
        builder.finish(file_name, bytes, TranscriptFormat::Pdf, "pdf text layer")
    }
}

fn one_line(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(120).collect()
}

/// A run of text at a position in default user space (y grows upwards).
#[derive(Clone, Debug)]
struct Run {
    x: f32,
    x_end: f32,
    y: f32,
    size: f32,
    text: String,
}

type Matrix = [f32; 6];
/// What `q` saves and `Q` restores: CTM, font, font size, clip.
type Saved = (Matrix, Option<Vec<u8>>, f32, Option<[f32; 4]>);
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` for PDF's row-vector matrices.
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn translate(tx: f32, ty: f32, m: &Matrix) -> Matrix {
    mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], m)
}

/// What the interpreter needs to know about a font.
struct Font<'a> {
    encoding: Option<Encoding<'a>>,
    two_byte: bool,
    widths: HashMap<u32, f32>,
    default_width: f32,
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    doc.dereference(object).map(|(_, o)| o).unwrap_or(object)
}

fn number(doc: &Document, object: &Object) -> Option<f32> {
    deref(doc, object).as_float().ok().filter(|v| v.is_finite())
}

fn load_font<'a>(doc: &'a Document, dict: &'a Dictionary) -> Font<'a> {
    let encoding = dict.get_font_encoding_with_limit(doc, MAX_STREAM).ok();
    let subtype = dict.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
    let mut widths = HashMap::new();
    if subtype == b"Type0" {
        let mut default_width = 1000.0;
        let descendant = dict
            .get(b"DescendantFonts")
            .map(|o| deref(doc, o))
            .and_then(Object::as_array)
            .ok()
            .and_then(|a| a.first())
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        if let Some(cid) = descendant {
            if let Some(dw) = cid.get(b"DW").ok().and_then(|o| number(doc, o)) {
                default_width = dw;
            }
            if let Ok(w) = cid.get(b"W").map(|o| deref(doc, o)).and_then(Object::as_array) {
                let mut i = 0;
                while i + 1 < w.len() && widths.len() < 100_000 {
                    let Some(first) = number(doc, &w[i]) else { break };
                    match deref(doc, &w[i + 1]) {
                        Object::Array(list) => {
                            for (k, width) in list.iter().enumerate().take(65_536) {
                                if let Some(width) = number(doc, width) {
                                    widths.insert(first as u32 + k as u32, width);
                                }
                            }
                            i += 2;
                        }
                        last => {
                            let (Some(last), Some(width)) =
                                (number(doc, last), w.get(i + 2).and_then(|o| number(doc, o)))
                            else {
                                break;
                            };
                            let (first, last) = (first as u32, (last as u32).min(first as u32 + 65_536));
                            for code in first..=last {
                                widths.insert(code, width);
                            }
                            i += 3;
                        }
                    }
                }
            }
        }
        return Font { encoding, two_byte: true, widths, default_width };
    }
    let first = dict.get(b"FirstChar").ok().and_then(|o| number(doc, o)).unwrap_or(0.0) as u32;
    if let Ok(list) = dict.get(b"Widths").map(|o| deref(doc, o)).and_then(Object::as_array) {
        for (k, width) in list.iter().enumerate().take(256) {
            if let Some(width) = number(doc, width) {
                widths.insert(first + k as u32, width);
            }
        }
    }
    let missing = dict
        .get(b"FontDescriptor")
        .map(|o| deref(doc, o))
        .and_then(Object::as_dict)
        .ok()
        .and_then(|d| d.get(b"MissingWidth").ok())
        .and_then(|o| number(doc, o))
        .filter(|w| *w > 0.0);
    // Standard 14 fonts come without widths: 0.5 em is a fair average.
    let default_width = missing.unwrap_or(if widths.is_empty() { 500.0 } else { 0.0 });
    Font { encoding, two_byte: false, widths, default_width }
}

/// Text state and graphics state of the interpreter.
struct State {
    ctm: Matrix,
    tm: Matrix,
    tlm: Matrix,
    font: Option<Vec<u8>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    scale: f32,
    leading: f32,
    rise: f32,
    /// The clipping rectangle (bounding box of the clip paths), device space.
    clip: Option<[f32; 4]>,
    /// Bounding box of the path under construction.
    path: Option<[f32; 4]>,
    /// `W`/`W*` seen: the path ends as a clip.
    clip_pending: bool,
}

impl State {
    fn add_point(&mut self, x: f32, y: f32) {
        let c = &self.ctm;
        let (dx, dy) = (x * c[0] + y * c[2] + c[4], x * c[1] + y * c[3] + c[5]);
        if !dx.is_finite() || !dy.is_finite() {
            return;
        }
        self.path = Some(match self.path {
            None => [dx, dy, dx, dy],
            Some([x0, y0, x1, y1]) => [x0.min(dx), y0.min(dy), x1.max(dx), y1.max(dy)],
        });
    }

    fn end_path(&mut self) {
        if self.clip_pending {
            if let Some([x0, y0, x1, y1]) = self.path {
                self.clip = Some(match self.clip {
                    None => [x0, y0, x1, y1],
                    Some([a0, b0, a1, b1]) => [a0.max(x0), b0.max(y0), a1.min(x1), b1.min(y1)],
                });
            }
        }
        self.clip_pending = false;
        self.path = None;
    }

    fn visible(&self, x: f32, y: f32) -> bool {
        self.clip.is_none_or(|[x0, y0, x1, y1]| x >= x0 - 1.0 && x <= x1 + 1.0 && y >= y0 - 1.0 && y <= y1 + 1.0)
    }
}

impl State {
    fn new(ctm: Matrix) -> State {
        State {
            ctm,
            tm: IDENTITY,
            tlm: IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            clip: None,
            path: None,
            clip_pending: false,
        }
    }
}

/// Reads every page into runs; a page that cannot be read contributes nothing.
fn read_pages(doc: &Document) -> Vec<Vec<Run>> {
    let mut budget = MAX_OPERATIONS;
    doc.get_pages()
        .values()
        .take(MAX_PAGES)
        .map(|&page_id| {
            let mut runs = Vec::new();
            let Ok(fonts) = doc.get_page_fonts(page_id) else { return runs };
            let Ok(content) = doc.get_page_content_with_limit(page_id, MAX_STREAM) else { return runs };
            let resources = page_resources(doc, page_id);
            interpret(doc, &content, &fonts, resources, IDENTITY, 0, &mut budget, &mut runs);
            // Text outside the page (clipped away, as Qt's exports do with the margin numbers
            // of other pages) is not on the page.
            if let Some([x0, y0, x1, y1]) = media_box(doc, page_id) {
                let (x0, x1, y0, y1) = (x0.min(x1) - 1.0, x0.max(x1) + 1.0, y0.min(y1) - 1.0, y0.max(y1) + 1.0);
                runs.retain(|r| r.x >= x0 && r.x <= x1 && r.y >= y0 && r.y <= y1);
            }
            for run in &mut runs {
                if run.text.contains(['\t', '\u{a0}']) {
                    run.text = run.text.replace(['\t', '\u{a0}'], " ");
                }
            }
            runs
        })
        .collect()
}

/// The page's MediaBox, inherited from the page tree when the page has none.
fn media_box(doc: &Document, page_id: lopdf::ObjectId) -> Option<[f32; 4]> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(array) = node.get(b"MediaBox").map(|o| deref(doc, o)).and_then(Object::as_array) {
            let values: Vec<f32> = array.iter().filter_map(|o| number(doc, o)).collect();
            return (values.len() == 4).then(|| [values[0], values[1], values[2], values[3]]);
        }
        node =
            node.get(b"Parent").ok().and_then(|o| o.as_reference().ok()).and_then(|id| doc.get_dictionary(id).ok())?;
    }
    None
}

fn page_resources(doc: &Document, page_id: lopdf::ObjectId) -> Option<&Dictionary> {
    let (direct, ids) = doc.get_page_resources(page_id).ok()?;
    direct.or_else(|| ids.first().and_then(|id| doc.get_dictionary(*id).ok()))
}

#[allow(clippy::too_many_arguments)]
fn interpret<'a>(
    doc: &'a Document,
    content: &[u8],
    font_dicts: &BTreeMap<Vec<u8>, &'a Dictionary>,
    resources: Option<&'a Dictionary>,
    ctm: Matrix,
    depth: usize,
    budget: &mut usize,
    runs: &mut Vec<Run>,
) {
    let Ok(content) = Content::decode(content) else { return };
    let mut fonts: HashMap<Vec<u8>, Font<'a>> = HashMap::new();
    let mut state = State::new(ctm);
    let mut stack: Vec<Saved> = Vec::new();
    for op in &content.operations {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let nums: Vec<f32> = op.operands.iter().filter_map(|o| o.as_float().ok()).filter(|v| v.is_finite()).collect();
        match op.operator.as_str() {
            "q" if stack.len() < 256 => stack.push((state.ctm, state.font.clone(), state.size, state.clip)),
            "Q" => {
                if let Some((ctm, font, size, clip)) = stack.pop() {
                    state.ctm = ctm;
                    state.font = font;
                    state.size = size;
                    state.clip = clip;
                }
            }
            "m" | "l" if nums.len() == 2 => state.add_point(nums[0], nums[1]),
            "c" | "v" | "y" => {
                for pair in nums.chunks_exact(2) {
                    state.add_point(pair[0], pair[1]);
                }
            }
            "re" if nums.len() == 4 => {
                state.add_point(nums[0], nums[1]);
                state.add_point(nums[0] + nums[2], nums[1] + nums[3]);
            }
            "W" | "W*" => state.clip_pending = true,
            "n" | "f" | "F" | "f*" | "S" | "s" | "B" | "B*" | "b" | "b*" => state.end_path(),
            "cm" if nums.len() == 6 => {
                let m = [nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]];
                state.ctm = mul(&m, &state.ctm);
            }
            "BT" => {
                state.tm = IDENTITY;
                state.tlm = IDENTITY;
            }
            "Tf" => {
                if let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) {
                    state.font = Some(name.to_vec());
                    if !fonts.contains_key(name) {
                        if let Some(dict) = font_dicts.get(name) {
                            fonts.insert(name.to_vec(), load_font(doc, dict));
                        }
                    }
                }
                if let Some(size) = nums.last() {
                    state.size = *size;
                }
            }
            "Tc" if !nums.is_empty() => state.char_spacing = nums[0],
            "Tw" if !nums.is_empty() => state.word_spacing = nums[0],
            "Tz" if !nums.is_empty() => state.scale = nums[0] / 100.0,
            "TL" if !nums.is_empty() => state.leading = nums[0],
            "Ts" if !nums.is_empty() => state.rise = nums[0],
            "Td" if nums.len() == 2 => {
                state.tlm = translate(nums[0], nums[1], &state.tlm);
                state.tm = state.tlm;
            }
            "TD" if nums.len() == 2 => {
                state.leading = -nums[1];
                state.tlm = translate(nums[0], nums[1], &state.tlm);
                state.tm = state.tlm;
            }
            "Tm" if nums.len() == 6 => {
                state.tlm = [nums[0], nums[1], nums[2], nums[3], nums[4], nums[5]];
                state.tm = state.tlm;
            }
            "T*" => {
                state.tlm = translate(0.0, -state.leading, &state.tlm);
                state.tm = state.tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator == "'" || op.operator == "\"" {
                    if op.operator == "\"" && nums.len() >= 2 {
                        state.word_spacing = nums[0];
                        state.char_spacing = nums[1];
                    }
                    state.tlm = translate(0.0, -state.leading, &state.tlm);
                    state.tm = state.tlm;
                }
                let font = state.font.as_ref().and_then(|name| fonts.get(name));
                for operand in &op.operands {
                    match operand {
                        Object::String(bytes, _) => show(&mut state, font, bytes, runs),
                        Object::Array(items) if op.operator == "TJ" => {
                            for item in items {
                                match item {
                                    Object::String(bytes, _) => show(&mut state, font, bytes, runs),
                                    other => {
                                        if let Ok(n) = other.as_float() {
                                            if n.is_finite() {
                                                let tx = -n / 1000.0 * state.size * state.scale;
                                                state.tm = translate(tx, 0.0, &state.tm);
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            "Do" if depth < 4 => {
                let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else { continue };
                let Some(xobject) = resources
                    .and_then(|r| r.get(b"XObject").ok())
                    .map(|o| deref(doc, o))
                    .and_then(|o| o.as_dict().ok())
                    .and_then(|d| d.get(name).ok())
                    .map(|o| deref(doc, o))
                    .and_then(|o| o.as_stream().ok())
                else {
                    continue;
                };
                if xobject.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form") {
                    continue;
                }
                let Ok(data) = xobject.decompressed_content_with_limit(MAX_STREAM) else { continue };
                let matrix = xobject
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .and_then(|o| o.as_array().ok())
                    .map(|a| a.iter().filter_map(|o| o.as_float().ok()).collect::<Vec<f32>>())
                    .filter(|a| a.len() == 6)
                    .map_or(IDENTITY, |a| [a[0], a[1], a[2], a[3], a[4], a[5]]);
                let inner_resources =
                    xobject.dict.get(b"Resources").ok().map(|o| deref(doc, o)).and_then(|o| o.as_dict().ok());
                let mut inner_fonts = font_dicts.clone();
                if let Some(f) = inner_resources
                    .and_then(|r| r.get(b"Font").ok())
                    .map(|o| deref(doc, o))
                    .and_then(|o| o.as_dict().ok())
                {
                    for (key, value) in f.iter() {
                        if let Ok(dict) = deref(doc, value).as_dict() {
                            inner_fonts.insert(key.clone(), dict);
                        }
                    }
                }
                let ctm = mul(&matrix, &state.ctm);
                interpret(doc, &data, &inner_fonts, inner_resources.or(resources), ctm, depth + 1, budget, runs);
            }
            _ => {}
        }
    }
}

/// Shows a string: records a run at the current position and advances the text matrix.
fn show(state: &mut State, font: Option<&Font<'_>>, bytes: &[u8], runs: &mut Vec<Run>) {
    let text = match font.and_then(|f| f.encoding.as_ref()) {
        Some(encoding) => Document::decode_text(encoding, bytes).unwrap_or_default(),
        None => bytes.iter().filter(|b| b.is_ascii_graphic() || **b == b' ').map(|&b| b as char).collect(),
    };
    // Advance in text space units.
    let mut advance = 0.0;
    let two_byte = font.is_some_and(|f| f.two_byte);
    let codes: Vec<u32> = if two_byte {
        bytes.chunks(2).map(|c| c.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b))).collect()
    } else {
        bytes.iter().map(|&b| u32::from(b)).collect()
    };
    for code in codes {
        let width = font.map_or(500.0, |f| f.widths.get(&code).copied().unwrap_or(f.default_width));
        advance += width / 1000.0 * state.size + state.char_spacing;
        if !two_byte && code == 32 {
            advance += state.word_spacing;
        }
    }
    advance *= state.scale;
    let render = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, state.rise], &mul(&state.tm, &state.ctm));
    let end = mul(&[1.0, 0.0, 0.0, 1.0, advance, state.rise], &mul(&state.tm, &state.ctm));
    let size = (state.size * (render[2] * render[2] + render[3] * render[3]).sqrt()).abs();
    state.tm = translate(advance, 0.0, &state.tm);
    if text.is_empty() || !render[4].is_finite() || !render[5].is_finite() || !state.visible(render[4], render[5]) {
        return;
    }
    runs.push(Run { x: render[4], x_end: end[4], y: render[5], size: if size > 0.1 { size } else { 1.0 }, text });
}

/// A line of a page.
struct Line {
    y: f32,
    size: f32,
    /// Left edge of the text after any margin number.
    x: f32,
    text: String,
    /// A margin paragraph number stood before the text.
    numbered: bool,
}

/// The finished layout.
struct Layout {
    paragraphs: Vec<String>,
    dropped_headers: usize,
    dropped_numbers: usize,
}

/// Groups runs into lines: same baseline within a third of the font size, left to right.
fn lines_of(mut runs: Vec<Run>) -> Vec<(f32, f32, Vec<Run>)> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut lines: Vec<(f32, f32, Vec<Run>)> = Vec::new();
    for run in runs {
        match lines.last_mut() {
            Some((y, size, members)) if (*y - run.y).abs() <= size.max(run.size) * 0.35 => {
                *size = size.max(run.size);
                members.push(run);
            }
            _ => lines.push((run.y, run.size, vec![run])),
        }
    }
    for (_, _, members) in &mut lines {
        members.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    lines
}

/// Where the text of a line starts once leading digits are set aside: the index of the first
/// run after them (the run count when the line is only digits), when it has leading digits.
fn after_leading_digits(runs: &[Run]) -> Option<usize> {
    let mut digits = 0;
    for (i, run) in runs.iter().enumerate() {
        let t = run.text.trim();
        if t.is_empty() && digits > 0 {
            continue;
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            digits += t.len();
            if digits > 5 {
                return None;
            }
            continue;
        }
        return (digits > 0).then_some(i);
    }
    (digits > 0).then_some(runs.len())
}

/// Builds a line's text from its runs; `margin` is the x where body text starts in this
/// document, to tell a margin number from a number opening a sentence.
fn make_line(y: f32, size: f32, runs: &[Run], margin: Option<f32>) -> Line {
    let mut start = 0;
    let mut numbered = false;
    if let (Some(margin), Some(i)) = (margin, after_leading_digits(runs)) {
        // The rest starts at the text margin, or further right (a page number sharing the
        // baseline), or there is no rest (the number stands a little above its paragraph).
        if runs[0].x < margin - 1.5 * size && runs.get(i).is_none_or(|r| r.x > margin - size) {
            start = i;
            numbered = true;
        }
    }
    let runs = &runs[start..];
    let mut text = String::new();
    let mut end = f32::NEG_INFINITY;
    for run in runs {
        let gap = run.x - end;
        if !text.is_empty() && gap > size * 0.2 && !text.ends_with(' ') && !run.text.starts_with(' ') {
            text.push(' ');
        }
        text.push_str(&run.text);
        end = if run.x_end > run.x { run.x_end } else { run.x };
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Line { y, size, x: runs.first().map_or(0.0, |r| r.x), text, numbered }
}

/// The most common x (to the point) where line text starts, digits set aside.
fn text_margin(pages: &[Vec<(f32, f32, Vec<Run>)>]) -> Option<f32> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for (_, _, runs) in pages.iter().flatten() {
        let i = after_leading_digits(runs).filter(|&i| i < runs.len()).unwrap_or(0);
        if let Some(run) = runs.get(i) {
            *counts.entry(run.x.round() as i64).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|&(x, n)| (n, -x)).map(|(x, _)| x as f32)
}

/// Whether a line is only a page number: `3`, `3/5`, `3 / 5`, `- 3 -`, `Page 3`, `Page 3 of 5`.
fn is_page_number(text: &str) -> bool {
    let t = text.trim().trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace()).to_lowercase();
    let t = t.strip_prefix("page").map_or(t.as_str(), str::trim);
    let t = t.strip_prefix("p.").map_or(t, str::trim);
    let parts: Vec<&str> =
        t.split(|c: char| c == '/' || c.is_whitespace()).filter(|p| !p.is_empty() && *p != "of").collect();
    !parts.is_empty() && parts.len() <= 2 && parts.iter().all(|p| p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Header/footer key: the text with digits blanked, so `Page 2` matches `Page 3`.
fn furniture_key(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect::<String>().split_whitespace().collect()
}

fn lay_out(pages: Vec<Vec<Run>>) -> Layout {
    let grouped: Vec<Vec<(f32, f32, Vec<Run>)>> = pages.into_iter().map(lines_of).collect();
    let margin = text_margin(&grouped);
    let mut page_lines: Vec<Vec<Line>> = grouped
        .iter()
        .map(|lines| lines.iter().map(|(y, size, runs)| make_line(*y, *size, runs, margin)).collect())
        .collect();
    let mut dropped_headers = 0;
    // Lines that are only a page number, or only a margin number, go; a margin number's
    // paragraph start passes to the next line.
    let mut carry = false;
    for lines in &mut page_lines {
        let mut kept = Vec::with_capacity(lines.len());
        for mut line in lines.drain(..) {
            if line.text.is_empty() || is_page_number(&line.text) {
                carry |= line.numbered;
                if !line.text.is_empty() {
                    dropped_headers += 1;
                }
            } else {
                line.numbered |= carry;
                carry = false;
                kept.push(line);
            }
        }
        *lines = kept;
    }
    // Running headers and footers: the outer two lines of a page recurring on half the pages.
    let page_count = page_lines.iter().filter(|p| !p.is_empty()).count();
    if page_count >= 2 {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for lines in &page_lines {
            let mut keys: Vec<String> = edge_indices(lines.len()).map(|i| furniture_key(&lines[i].text)).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                *seen.entry(key).or_default() += 1;
            }
        }
        let threshold = page_count.div_ceil(2).max(2);
        for lines in &mut page_lines {
            let drop: Vec<usize> = edge_indices(lines.len())
                .filter(|&i| seen.get(&furniture_key(&lines[i].text)).is_some_and(|&n| n >= threshold))
                .collect();
            for i in drop.into_iter().rev() {
                lines.remove(i);
                dropped_headers += 1;
            }
        }
    }
    let dropped_numbers = page_lines.iter().flatten().filter(|l| l.numbered).count();
    let numbered_paragraphs = dropped_numbers >= 3;

    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for lines in &page_lines {
        // The usual line spacing on this page: the median gap between neighbouring lines.
        let mut gaps: Vec<f32> = lines.windows(2).map(|w| w[0].y - w[1].y).filter(|g| *g > 0.0).collect();
        gaps.sort_by(f32::total_cmp);
        let usual = gaps.get(gaps.len() / 2).copied().unwrap_or(0.0);
        let left = lines.iter().map(|l| l.x).fold(f32::INFINITY, f32::min);
        for (i, line) in lines.iter().enumerate() {
            let new_paragraph = if numbered_paragraphs {
                line.numbered
            } else if i == 0 {
                true
            } else {
                let gap = lines[i - 1].y - line.y;
                gap > usual * 1.3 + 0.5 || gap > line.size * 2.5 || line.x > left + line.size * 3.0
            };
            if new_paragraph && !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                // Without paragraph numbers a line may start a turn, so lines stay lines.
                current.push(if numbered_paragraphs { ' ' } else { '\n' });
            }
            current.push_str(&line.text);
        }
        if !numbered_paragraphs && !current.is_empty() {
            paragraphs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    Layout { paragraphs, dropped_headers, dropped_numbers }
}

/// Indices of the first two and last two lines of a page of `n` lines.
fn edge_indices(n: usize) -> impl Iterator<Item = usize> {
    let mut indices: Vec<usize> = (0..n.min(2)).chain(n.saturating_sub(2)..n).collect();
    indices.sort_unstable();
    indices.dedup();
    indices.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers() {
        for t in ["3", "3/5", "3 / 5", "- 3 -", "Page 3", "Page 3 of 5", "p. 4"] {
            assert!(is_page_number(t), "{t}");
        }
        for t in ["Dan: 3", "Interview", "3 apples"] {
            assert!(!is_page_number(t), "{t}");
        }
    }
}
