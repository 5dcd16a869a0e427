//! The figures as PNG at print resolution, rasterised in Rust with resvg.
//!
//! A figure is its SVG ([`render_figure_svg`](super::render_figure_svg)) drawn with an embedded
//! copy of Noto Sans (regular and bold, from the `ttf-noto-sans` crate, Apache-2.0): no system
//! font is read and nothing is fetched, so the labels render the same on a machine without any
//! installed fonts. Characters outside Noto Sans (e.g. CJK) are not drawn.
//!
//! The image is at 300 dpi for the figure's natural size (an SVG unit is a CSS pixel, 1/96 in),
//! the resolution journals ask of line art with text, and says so in its `pHYs` chunk
//! (11,811 pixels per metre), so a word processor places it at the right size.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::{svg, Figure, ReportError, StudyReport};

/// The resolution of every figure PNG, in dots per inch.
pub const FIGURE_DPI: u32 = 300;

/// CSS pixels per inch: the size of an SVG unit.
const CSS_DPI: f32 = 96.0;

/// The most pixels a figure may have at 300 dpi (a 120 MB image in memory); a larger figure is
/// drawn at the highest resolution that fits, which its `pHYs` chunk states.
const MAX_PIXELS: f32 = 30_000_000.0;

/// A PNG with its pixel size and resolution, for embedding in documents.
pub(super) struct Png {
    /// The encoded image.
    pub(super) bytes: Vec<u8>,
    /// Width in pixels.
    pub(super) width: u32,
    /// Height in pixels.
    pub(super) height: u32,
    /// Pixels per inch, as the image's `pHYs` chunk says.
    pub(super) dpi: u32,
}

/// Renders a figure as a PNG at 300 dpi on a white background.
///
/// # Errors
///
/// [`ReportError::Figure`] if the figure cannot be parsed or encoded.
pub fn render_figure_png(report: &StudyReport, figure: Figure) -> Result<Vec<u8>, ReportError> {
    rasterise(&svg::render_figure_svg(report, figure)).map(|p| p.bytes)
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

/// Draws an SVG figure at 300 dpi (less only for a figure over [`MAX_PIXELS`]).
pub(super) fn rasterise(svg: &str) -> Result<Png, ReportError> {
    let mut options = usvg::Options { fontdb: fonts(), ..usvg::Options::default() };
    options.font_family = "Noto Sans".to_owned();
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| ReportError::Figure(e.to_string()))?;
    let size = tree.size();
    let full = FIGURE_DPI as f32 / CSS_DPI;
    let area = size.width() * size.height() * full * full;
    let scale = if area > MAX_PIXELS { full * (MAX_PIXELS / area).sqrt() } else { full };
    let dpi = (scale * CSS_DPI).floor().max(1.0) as u32;
    let scale = dpi as f32 / CSS_DPI;
    // Rounding up keeps the last row and column of the figure inside the image.
    let width = (size.width() * scale).ceil() as u32;
    let height = (size.height() * scale).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| ReportError::Figure(format!("a {width}×{height} px image is too large")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let bytes = encode(&pixmap, dpi).map_err(|e| ReportError::Figure(e.to_string()))?;
    Ok(Png { bytes, width, height, dpi })
}

/// Encodes an opaque pixmap as an RGB PNG whose `pHYs` chunk says `dpi`.
///
/// tiny-skia's own encoder writes no `pHYs`, so the image would open at 72 or 96 dpi, three or
/// four times too large.
fn encode(pixmap: &tiny_skia::Pixmap, dpi: u32) -> Result<Vec<u8>, png::EncodingError> {
    // The background is opaque white, so the premultiplied RGBA is plain RGB with a constant alpha.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions { xppu: per_metre, yppu: per_metre, unit: png::Unit::Meter }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(bytes)
}
