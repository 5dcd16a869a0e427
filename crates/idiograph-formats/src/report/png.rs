//! The theme hierarchy figure as a PNG, rasterised in Rust with resvg.
//!
//! The figure is the SVG of [`render_theme_tree_svg`](super::render_theme_tree_svg) drawn with an
//! embedded copy of Noto Sans (regular and bold, from the `ttf-noto-sans` crate, Apache-2.0), so
//! the labels render the same on a machine without any installed fonts and the output never
//! depends on what the machine has. Characters outside Noto Sans (e.g. CJK) are not drawn.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::{svg, ReportError, StudyReport};

/// Pixels per SVG unit: 2 gives a 192-dpi image when the figure is shown at its natural size,
/// sharp enough for print at the widths a page allows.
const SCALE: f32 = 2.0;

/// A PNG with its pixel size, for embedding in documents.
pub(super) struct Png {
    /// The encoded image.
    pub(super) bytes: Vec<u8>,
    /// Width in pixels.
    pub(super) width: u32,
    /// Height in pixels.
    pub(super) height: u32,
}

/// Renders the theme hierarchy figure as a PNG (white background, 2 px per SVG unit).
///
/// # Errors
///
/// [`ReportError::Figure`] if the figure cannot be parsed or is too large to rasterise.
pub fn render_theme_tree_png(report: &StudyReport) -> Result<Vec<u8>, ReportError> {
    figure_png(report).map(|p| p.bytes)
}

/// The embedded fonts, parsed once per process.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(ttf_noto_sans::REGULAR.to_vec());
            db.load_font_data(ttf_noto_sans::BOLD.to_vec());
            // Every family the SVG asks for falls through to the generic sans-serif family.
            db.set_sans_serif_family("Noto Sans");
            Arc::new(db)
        })
        .clone()
}

/// Renders the figure and keeps its pixel size.
pub(super) fn figure_png(report: &StudyReport) -> Result<Png, ReportError> {
    let svg = svg::figure(report, true);
    let mut options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    options.font_family = "Noto Sans".to_owned();
    let tree = usvg::Tree::from_str(&svg, &options).map_err(|e| ReportError::Figure(e.to_string()))?;
    let size = tree.size();
    // Rounding up keeps the last row and column of the figure inside the image.
    let width = (size.width() * SCALE).ceil() as u32;
    let height = (size.height() * SCALE).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| ReportError::Figure(format!("a {width}×{height} px image is too large")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(SCALE, SCALE), &mut pixmap.as_mut());
    let bytes = pixmap.encode_png().map_err(|e| ReportError::Figure(e.to_string()))?;
    Ok(Png { bytes, width, height })
}
