//! Word (`.docx`) writers: the write-up pack, and the WordprocessingML builder the annotated
//! transcript shares.
//!
//! The package is written directly (a few XML parts in a zip) rather than through a document
//! library: that keeps every id and timestamp fixed, so the same model always gives the same
//! bytes, and allows what Word users expect of a real document — built-in heading styles they can
//! restyle, a Quote style for extracts, tables with repeating header rows, a page-number footer.

use std::fmt::Write as _;

use super::escape::{markup, paragraphs};
use super::png::{rasterise, Png};
use super::trail::{trail_cells, TRAIL_COLUMNS, TRAIL_HEADING, TRAIL_INTRO};
use super::{
    attribute_names, attribute_value, cell_summary, extract_citation, flatten, get_case_count, get_children, ooxml,
    pet_children, quoted, svg, ReportError, StudyReport,
};

/// Namespace of WordprocessingML.
const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// Namespace of package relationships inside parts.
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Paragraph, character and table styles. Ids follow Word's built-in styles (`Heading1` named
/// "heading 1", `Quote`, `Caption`, `Title`, `TableGrid`) so Word maps them onto its own and a
/// user restyles the whole document from the Styles pane.
const STYLES: &str = r#"<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="200"/></w:pPr><w:rPr><w:b/><w:color w:val="2F4858"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="2F4858"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:color w:val="2F4858"/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:color w:val="3C5A6E"/><w:sz w:val="23"/><w:szCs w:val="23"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="80" w:after="120"/><w:ind w:left="567" w:right="567"/></w:pPr><w:rPr><w:i/><w:color w:val="1B2631"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Citation"><w:name w:val="Citation"/><w:basedOn w:val="DefaultParagraphFont"/><w:qFormat/><w:rPr><w:i w:val="0"/><w:color w:val="3C4A57"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="60" w:after="240"/><w:jc w:val="center"/></w:pPr><w:rPr><w:i/><w:color w:val="3C4A57"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Figure"><w:name w:val="Figure"/><w:basedOn w:val="Normal"/><w:next w:val="Caption"/><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="0"/><w:jc w:val="center"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Meta"><w:name w:val="Report Meta"/><w:basedOn w:val="Normal"/><w:rPr><w:color w:val="5B6B7A"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableNote"><w:name w:val="Table Note"/><w:basedOn w:val="Meta"/><w:pPr><w:spacing w:before="60" w:after="200"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableHeading"><w:name w:val="Table Heading"/><w:basedOn w:val="TableText"/><w:qFormat/><w:pPr><w:keepNext/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TranscriptText"><w:name w:val="Transcript Text"/><w:basedOn w:val="TableText"/><w:qFormat/><w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="MarginText"><w:name w:val="Margin Text"/><w:basedOn w:val="TableText"/><w:qFormat/><w:pPr><w:spacing w:after="60"/></w:pPr><w:rPr><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="LineNumber"><w:name w:val="line number"/><w:basedOn w:val="DefaultParagraphFont"/><w:rPr><w:color w:val="7F8C8D"/><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="MarginLabel"><w:name w:val="Margin Label"/><w:basedOn w:val="DefaultParagraphFont"/><w:rPr><w:b/><w:color w:val="5B6B7A"/><w:sz w:val="15"/><w:szCs w:val="15"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Speaker"><w:name w:val="Speaker"/><w:basedOn w:val="DefaultParagraphFont"/><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0"/><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="5B6B7A"/><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/><w:left w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/><w:right w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="A6B4C0"/></w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#;

/// Shading of header rows and of group rows (a GET or a top-level PET).
pub(super) const HEADER_FILL: &str = "E3EAF0";
/// Shading of group rows in the body of a table.
pub(super) const GROUP_FILL: &str = "F3F6F8";
/// Shading of a recurrence row whose theme falls below the rule.
const FAIL_FILL: &str = "FFF4E5";

/// One run of text: escaped, line breaks kept as `<w:br/>`, optional character style and
/// direct bold/italic.
pub(super) fn run(text: &str, style: Option<&str>, bold: bool, italic: bool) -> String {
    let mut rpr = String::new();
    if let Some(s) = style {
        let _ = write!(rpr, r#"<w:rStyle w:val="{s}"/>"#);
    }
    if bold {
        rpr.push_str("<w:b/>");
    }
    if italic {
        rpr.push_str("<w:i/>");
    }
    let rpr = if rpr.is_empty() { String::new() } else { format!("<w:rPr>{rpr}</w:rPr>") };
    let body: Vec<String> =
        text.split('\n').map(|l| format!(r#"<w:t xml:space="preserve">{}</w:t>"#, markup(l))).collect();
    format!("<w:r>{rpr}{}</w:r>", body.join("<w:br/>"))
}

/// A paragraph in `style` holding already-built runs; `ppr` adds direct paragraph properties.
pub(super) fn para(style: &str, runs: &str, ppr: &str) -> String {
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{runs}</w:p>"#)
}

/// A paragraph of plain text in `style`.
pub(super) fn text_para(style: &str, text: &str) -> String {
    para(style, &run(text, None, false, false), "")
}

/// A table cell of `width` twips; `tcpr` adds properties (shading, vertical merge), `inner` must
/// hold at least one paragraph (an empty one is added otherwise, as Word requires).
pub(super) fn cell(width: u32, inner: &str, tcpr: &str) -> String {
    let inner = if inner.is_empty() { r#"<w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr></w:p>"# } else { inner };
    format!(r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{tcpr}</w:tcPr>{inner}</w:tc>"#)
}

/// Cell shading.
pub(super) fn fill(color: &str) -> String {
    format!(r#"<w:shd w:val="clear" w:color="auto" w:fill="{color}"/>"#)
}

/// A row of cells; `header` marks it as a header row Word repeats on every page.
pub(super) fn row(cells: &str, header: bool, cant_split: bool) -> String {
    let mut trpr = String::new();
    if cant_split {
        trpr.push_str("<w:cantSplit/>");
    }
    if header {
        trpr.push_str("<w:tblHeader/>");
    }
    format!("<w:tr><w:trPr>{trpr}</w:trPr>{cells}</w:tr>")
}

/// A table in the "Table Grid" style with fixed column widths (twips) and prebuilt rows.
pub(super) fn table(widths: &[u32], rows: &str) -> String {
    let total: u32 = widths.iter().sum();
    let grid: String = widths.iter().map(|w| format!(r#"<w:gridCol w:w="{w}"/>"#)).collect();
    format!(
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>"#
    )
}

/// A header row of plain-text column titles.
pub(super) fn header_row(widths: &[u32], titles: &[String]) -> String {
    let cells: String =
        widths.iter().zip(titles).map(|(w, t)| cell(*w, &text_para("TableHeading", t), &fill(HEADER_FILL))).collect();
    row(&cells, true, true)
}

/// A body row of plain-text cells.
fn text_row(widths: &[u32], texts: &[String], tcpr: &str) -> String {
    let cells: String = widths.iter().zip(texts).map(|(w, t)| cell(*w, &text_para("TableText", t), tcpr)).collect();
    row(&cells, false, true)
}

/// Page geometry of a document.
#[derive(Clone, Copy)]
pub(super) struct Page {
    /// Page width in twips.
    pub(super) width: u32,
    /// Page height in twips.
    pub(super) height: u32,
    /// Margin on every side, in twips.
    pub(super) margin: u32,
}

impl Page {
    /// The page turned sideways.
    pub(super) fn landscape(self) -> Page {
        Page { width: self.width.max(self.height), height: self.width.min(self.height), ..self }
    }
}

impl Page {
    /// A4 portrait with 2.54 cm margins.
    pub(super) const A4: Page = Page { width: 11906, height: 16838, margin: 1440 };

    /// Width between the margins, in twips.
    pub(super) fn text_width(self) -> u32 {
        self.width - 2 * self.margin
    }
}

/// A document being built: body XML plus embedded images.
pub(super) struct WordDoc {
    /// Body content, in order.
    pub(super) body: String,
    /// Embedded PNG images, `media/image{n}.png` for the n-th (1-based).
    images: Vec<Vec<u8>>,
    /// Page geometry.
    page: Page,
    /// The paragraph, character and table styles (the body of `styles.xml`).
    styles: &'static str,
}

/// English Metric Units per twip (914 400 per inch, 1 440 twips per inch).
const EMU_PER_TWIP: u64 = 635;
/// English Metric Units per inch.
const EMU_PER_INCH: u64 = 914_400;

impl WordDoc {
    /// An empty document with the given page geometry and the write-up's styles.
    pub(super) fn new(page: Page) -> Self {
        WordDoc::with_styles(page, STYLES)
    }

    /// An empty document with the given page geometry and styles (the body of `styles.xml`,
    /// which must define every style the document uses).
    pub(super) fn with_styles(page: Page, styles: &'static str) -> Self {
        WordDoc { body: String::new(), images: Vec::new(), page, styles }
    }

    /// Appends raw body XML.
    pub(super) fn push(&mut self, xml: &str) {
        self.body.push_str(xml);
    }

    /// Appends a heading of level 1–3.
    pub(super) fn heading(&mut self, level: u8, text: &str) {
        self.push(&text_para(&format!("Heading{}", level.clamp(1, 3)), text));
    }

    /// Appends a heading that starts a new page.
    pub(super) fn heading_on_new_page(&mut self, level: u8, text: &str) {
        let style = format!("Heading{}", level.clamp(1, 3));
        self.push(&para(&style, &run(text, None, false, false), "<w:pageBreakBefore/>"));
    }

    /// Appends text as paragraphs (blank lines separate them) in `style`.
    pub(super) fn paragraphs(&mut self, style: &str, text: &str) {
        for p in paragraphs(text) {
            self.push(&text_para(style, p.trim()));
        }
    }

    /// Appends a centred inline picture, scaled down to the text width, with alt text.
    pub(super) fn image(&mut self, png: &Png, alt: &str) {
        self.images.push(png.bytes.clone());
        let n = self.images.len();
        let max_w = u64::from(self.page.text_width()) * EMU_PER_TWIP;
        let dpi = u64::from(png.dpi.max(1));
        let natural_w = u64::from(png.width) * EMU_PER_INCH / dpi;
        let natural_h = u64::from(png.height) * EMU_PER_INCH / dpi;
        let (cx, cy) =
            if natural_w > max_w { (max_w, natural_h * max_w / natural_w.max(1)) } else { (natural_w, natural_h) };
        let alt = markup(alt);
        let drawing = format!(
            r#"<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{n}" name="Figure {n}" descr="{alt}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}.png" descr="{alt}"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImage{n}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"#
        );
        self.push(&para("Figure", &drawing, ""));
    }

    /// Packages the document; `title` goes into the document properties, `footer` (if any)
    /// before the page number in the footer.
    pub(super) fn finish(self, title: &str, footer: &str) -> Result<Vec<u8>, ReportError> {
        let page = self.page;
        let m = page.margin;
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>{}<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/><w:pgSz w:w="{}" w:h="{}"{}/><w:pgMar w:top="{m}" w:right="{m}" w:bottom="{m}" w:left="{m}" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr></w:body></w:document>"#,
            self.body,
            page.width,
            page.height,
            if page.width > page.height { r#" w:orient="landscape""# } else { "" }
        );
        let styles = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">{}</w:styles>"#,
            self.styles
        );
        let footer =
            if footer.is_empty() { String::new() } else { run(&format!("{footer} · page "), None, false, false) };
        let footer_xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr>{}<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>"#,
            footer
        );
        let settings = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W_NS}"><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#
        );
        let image_rels: String = (1..=self.images.len())
            .map(|n| format!(r#"<Relationship Id="rIdImage{n}" Type="{R_NS}/image" Target="media/image{n}.png"/>"#))
            .collect();
        let document_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="{R_NS}/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="{R_NS}/settings" Target="settings.xml"/><Relationship Id="rIdFooter1" Type="{R_NS}/footer" Target="footer1.xml"/>{image_rels}</Relationships>"#
        );
        let core = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>Idiograph</dc:creator></cp:coreProperties>"#,
            markup(title)
        );
        let names: Vec<String> = (1..=self.images.len()).map(|n| format!("word/media/image{n}.png")).collect();
        let mut parts: Vec<(&str, &[u8])> = vec![
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", ROOT_RELS.as_bytes()),
            ("docProps/core.xml", core.as_bytes()),
            ("docProps/app.xml", APP.as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", document_rels.as_bytes()),
            ("word/styles.xml", styles.as_bytes()),
            ("word/settings.xml", settings.as_bytes()),
            ("word/footer1.xml", footer_xml.as_bytes()),
        ];
        for (name, bytes) in names.iter().zip(&self.images) {
            parts.push((name, bytes));
        }
        ooxml::package("Word (.docx)", &parts)
    }
}

/// Content types of the package parts.
const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

/// Package-level relationships.
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

/// Extended properties naming the producing application and its version.
const APP: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>"#,
    "Idiograph ",
    env!("CARGO_PKG_VERSION"),
    "</Application></Properties>"
);

/// Renders the write-up pack as a Word document: title and research question, study summary,
/// participant table, group-theme table with recurrence ("3/3") and the theme figure (PNG),
/// the recurrence matrix, each theme's extracts in the Quote style with their citations
/// ("(Olivia, p. 1, ll. 12–14)"), the per-case PET tables with page:line references as an
/// appendix, the analytic trail of each case as a second appendix, and the reflexive journal.
///
/// # Errors
///
/// [`ReportError`] if the figure cannot be rasterised or the package cannot be written.
pub fn render_docx(report: &StudyReport) -> Result<Vec<u8>, ReportError> {
    let mut doc = WordDoc::new(Page::A4);
    let tw = Page::A4.text_width();
    let labels = &report.labels;

    doc.push(&text_para("Title", &report.title));
    if let Some(q) = report.research_question.as_deref().filter(|q| !q.trim().is_empty()) {
        doc.push(&para(
            "Normal",
            &format!("{}{}", run("Research question: ", None, true, false), run(q.trim(), None, false, false)),
            "",
        ));
    }
    doc.push(&text_para("Meta", &format!("Generated {} with {}.", report.generated_at, crate::SOFTWARE)));

    // Study summary, computed from the model.
    doc.heading(1, "Study summary");
    let n = report.recurrence.participants.len().max(report.participants.len());
    let subs: usize = flatten(&report.gets, 0, get_children).iter().filter(|(d, _)| *d > 0).count();
    let pets: usize = report.cases.iter().map(|c| flatten(&c.pets, 0, pet_children).len()).sum();
    let statements: usize =
        report.cases.iter().flat_map(|c| flatten(&c.pets, 0, pet_children)).map(|(_, p)| p.statements.len()).sum();
    let meeting = report.recurrence.rows.iter().filter(|r| r.meets_rule).count();
    let mut summary = format!(
        "{n} participant{} ({}). {statements} {} clustered into {pets} {} across the cases; {} {} with {subs} {} across the group.",
        if n == 1 { "" } else { "s" },
        report.participants.iter().map(|p| p.pseudonym.as_str()).collect::<Vec<_>>().join(", "),
        labels.statements,
        labels.pets,
        report.gets.len(),
        labels.gets,
        labels.sub_themes,
    );
    if !report.recurrence.rule.trim().is_empty() {
        let _ = write!(
            summary,
            " A theme is recurrent when present for {}; {meeting} of {} themes meet this rule.",
            report.recurrence.rule.trim(),
            report.recurrence.rows.len()
        );
    }
    doc.push(&text_para("Normal", &summary));

    participants(&mut doc, report, tw);
    get_table(&mut doc, report, tw)?;
    recurrence(&mut doc, report, tw);
    extracts(&mut doc, report);
    cases(&mut doc, report, tw);
    trail(&mut doc, report, tw);
    journal(&mut doc, report);
    doc.finish(&report.title, &report.title)
}

/// Splits the text width into columns by relative weights.
pub(super) fn columns(total: u32, weights: &[u32]) -> Vec<u32> {
    let sum: u32 = weights.iter().sum::<u32>().max(1);
    let mut out: Vec<u32> = weights.iter().map(|w| total * w / sum).collect();
    let used: u32 = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - used;
    }
    out
}

fn participants(doc: &mut WordDoc, report: &StudyReport, tw: u32) {
    doc.heading(1, "Participants");
    if report.participants.is_empty() {
        doc.push(&text_para("Meta", "No participants."));
        return;
    }
    let names = attribute_names(&report.participants);
    let mut titles = vec!["Pseudonym".to_owned()];
    titles.extend(names.iter().map(|n| (*n).to_owned()));
    titles.extend(["Interview".to_owned(), "Transcripts".to_owned()]);
    let mut weights = vec![3];
    weights.extend(names.iter().map(|_| 2));
    weights.extend([4, 4]);
    let widths = columns(tw, &weights);
    let mut rows = header_row(&widths, &titles);
    for p in &report.participants {
        let mut cells = vec![p.pseudonym.clone()];
        cells.extend(names.iter().map(|n| attribute_value(p, n).unwrap_or("—").to_owned()));
        cells.push(p.interview.clone().unwrap_or_else(|| "—".to_owned()));
        cells.push(if p.transcripts.is_empty() { "—".to_owned() } else { p.transcripts.join("\n") });
        rows.push_str(&text_row(&widths, &cells, ""));
    }
    doc.push(&table(&widths, &rows));
}

fn get_table(doc: &mut WordDoc, report: &StudyReport, tw: u32) -> Result<(), ReportError> {
    let labels = &report.labels;
    doc.heading(1, &labels.gets);
    if report.gets.is_empty() {
        doc.push(&text_para("Meta", &format!("No {} yet.", labels.gets)));
    } else {
        let total = report.recurrence.participants.len();
        let widths = columns(tw, &[5, 5, 8, 3]);
        let mut rows = header_row(
            &widths,
            &[labels.get.clone(), labels.sub_theme.clone(), labels.pets.clone(), "Recurrence".to_owned()],
        );
        for (depth, get) in flatten(&report.gets, 0, get_children) {
            let contributing: Vec<String> =
                get.contributing.iter().map(|c| format!("{}: {}", c.pseudonym, c.pet_title)).collect();
            let count = format!("{}/{total}", get_case_count(get));
            let indent = "    ".repeat(depth.saturating_sub(1));
            let (a, b, shade) = if depth == 0 {
                (get.title.clone(), String::new(), fill(GROUP_FILL))
            } else {
                (String::new(), format!("{indent}{}", get.title), String::new())
            };
            let first = if depth == 0 {
                para("TableText", &run(&a, None, true, false), "")
            } else {
                text_para("TableText", &a)
            };
            let cells = [
                cell(widths[0], &first, &shade),
                cell(widths[1], &text_para("TableText", &b), &shade),
                cell(widths[2], &text_para("TableText", &contributing.join("\n")), &shade),
                cell(
                    widths[3],
                    &para("TableText", &run(&count, None, false, false), r#"<w:jc w:val="center"/>"#),
                    &shade,
                ),
            ];
            rows.push_str(&row(&cells.concat(), false, true));
        }
        doc.push(&table(&widths, &rows));
    }
    let png = rasterise(&svg::figure(report, true, false))?;
    let alt = format!("{} and their {}", labels.gets, labels.sub_themes);
    doc.image(&png, &alt);
    doc.push(&text_para("Caption", &format!("Figure 1. {} and their {}.", labels.gets, labels.sub_themes)));
    Ok(())
}

fn recurrence(doc: &mut WordDoc, report: &StudyReport, tw: u32) {
    let labels = &report.labels;
    let matrix = &report.recurrence;
    doc.heading(1, "Recurrence across participants");
    if matrix.rows.is_empty() {
        doc.push(&text_para("Meta", "No themes to count yet."));
        return;
    }
    let total = matrix.participants.len();
    let mut titles = vec![format!("{} / {}", labels.get, labels.sub_theme)];
    titles.extend(matrix.participants.iter().cloned());
    titles.extend(["Total".to_owned(), "Meets rule".to_owned()]);
    let mut weights = vec![6];
    weights.extend(matrix.participants.iter().map(|_| 3));
    weights.extend([2, 2]);
    let widths = columns(tw, &weights);
    let mut rows = header_row(&widths, &titles);
    for r in &matrix.rows {
        let shade = if !r.meets_rule {
            fill(FAIL_FILL)
        } else if r.depth == 0 {
            fill(GROUP_FILL)
        } else {
            String::new()
        };
        let title = format!("{}{}{}", "    ".repeat(r.depth), r.title, if r.meets_rule { "" } else { " ⚠" });
        let mut cells = cell(widths[0], &para("TableText", &run(&title, None, r.depth == 0, false), ""), &shade);
        let centre = r#"<w:jc w:val="center"/>"#;
        for (i, w) in widths[1..=total].iter().enumerate() {
            cells.push_str(&cell(
                *w,
                &para("TableText", &run(&cell_summary(r.cells.get(i)), None, false, false), centre),
                &shade,
            ));
        }
        for (w, t) in widths[total + 1..]
            .iter()
            .zip([format!("{}/{total}", r.contributors), if r.meets_rule { "yes" } else { "no" }.to_owned()])
        {
            cells.push_str(&cell(*w, &para("TableText", &run(&t, None, false, false), centre), &shade));
        }
        rows.push_str(&row(&cells, false, true));
    }
    doc.push(&table(&widths, &rows));
    doc.push(&text_para(
        "TableNote",
        &format!(
            "st. = {}; ex. = extracts. Rule: a theme is recurrent when present for {}. ⚠ marks a theme below the rule.",
            labels.statements, matrix.rule
        ),
    ));
}

/// An extract as a Quote paragraph: the quoted words, then the citation in the Citation style.
fn quote_para(quote: &str, citation: &str) -> String {
    para(
        "Quote",
        &format!(
            "{}{}",
            run(&format!("{} ", quoted(quote)), None, false, false),
            run(citation, Some("Citation"), false, false)
        ),
        "",
    )
}

fn extracts(doc: &mut WordDoc, report: &StudyReport) {
    doc.heading(1, "Themes with extracts");
    if report.gets.is_empty() {
        doc.push(&text_para("Meta", &format!("No {} yet.", report.labels.gets)));
    }
    for (depth, get) in flatten(&report.gets, 0, get_children) {
        // Heading 2 for a GET, Heading 3 for everything nested under it.
        doc.heading(if depth == 0 { 2 } else { 3 }, &get.title);
        if let Some(d) = &get.description {
            doc.paragraphs("Normal", d);
        }
        if get.extracts.is_empty() && get.sub_themes.is_empty() {
            doc.push(&text_para("Meta", "No extracts selected."));
        }
        for e in &get.extracts {
            doc.push(&quote_para(&e.quote, &extract_citation(e)));
        }
    }
}

fn cases(doc: &mut WordDoc, report: &StudyReport, tw: u32) {
    let labels = &report.labels;
    doc.heading_on_new_page(1, &format!("Appendix: {} by participant", labels.pets));
    if report.cases.is_empty() {
        doc.push(&text_para("Meta", "No cases analysed yet."));
    }
    let widths = columns(tw, &[5, 9, 3]);
    for case in &report.cases {
        doc.heading(2, &case.pseudonym);
        if case.pets.is_empty() {
            doc.push(&text_para("Meta", &format!("No {} yet.", labels.pets)));
            continue;
        }
        let mut rows = header_row(&widths, &[labels.pet.clone(), labels.statements.clone(), "Page:line".to_owned()]);
        for (depth, pet) in flatten(&case.pets, 0, pet_children) {
            let mut title = run(&format!("{}{}", "    ".repeat(depth), pet.title), None, true, false);
            if let Some(d) = pet.description.as_deref().filter(|d| !d.trim().is_empty()) {
                title.push_str(&run(&format!(" — {}", d.trim()), None, false, false));
            }
            let shade = fill(GROUP_FILL);
            let merged = format!(r#"<w:gridSpan w:val="3"/>{shade}"#);
            rows.push_str(&row(&cell(tw, &para("TableText", &title, ""), &merged), false, true));
            for s in &pet.statements {
                rows.push_str(&text_row(&widths, &[String::new(), s.text.clone(), page_line(&s.citation)], ""));
            }
            for e in &pet.extracts {
                let cells = [
                    cell(widths[0], "", ""),
                    cell(widths[1], &para("TableText", &run(&quoted(&e.quote), None, false, true), ""), ""),
                    cell(widths[2], &text_para("TableText", &page_line(&extract_citation(e))), ""),
                ];
                rows.push_str(&row(&cells.concat(), false, true));
            }
        }
        doc.push(&table(&widths, &rows));
        if flatten(&case.pets, 0, pet_children).iter().any(|(_, p)| !p.extracts.is_empty()) {
            doc.push(&text_para("TableNote", "Rows in italics are extracts."));
        }
    }
}

/// The analytic trail appendix: per case, one table with a group row per PET followed by its
/// members' moves and source notes.
fn trail(doc: &mut WordDoc, report: &StudyReport, tw: u32) {
    doc.heading_on_new_page(1, TRAIL_HEADING);
    doc.push(&text_para("Normal", TRAIL_INTRO));
    let widths = columns(tw, &[6, 3, 6, 2, 3, 7]);
    let titles = TRAIL_COLUMNS.map(str::to_owned);
    for case in &report.trail {
        doc.heading(2, &case.pseudonym);
        if case.themes.iter().all(|t| t.members.is_empty()) {
            doc.push(&text_para("Meta", &format!("No {} clustered yet.", report.labels.statements)));
            continue;
        }
        let mut rows = header_row(&widths, &titles);
        let merged = format!(r#"<w:gridSpan w:val="{}"/>{}"#, widths.len(), fill(GROUP_FILL));
        for theme in &case.themes {
            let title = run(&format!("{}{}", "    ".repeat(theme.depth), theme.title), None, true, false);
            rows.push_str(&row(&cell(tw, &para("TableText", &title, ""), &merged), false, true));
            for m in &theme.members {
                rows.push_str(&text_row(&widths, &trail_cells(m), ""));
            }
        }
        doc.push(&table(&widths, &rows));
    }
    if report.trail.is_empty() {
        doc.push(&text_para("Meta", "No cases analysed yet."));
    }
}

/// A citation as a compact page:line reference: "p. 1, ll. 12–14" → "1:12–14",
/// "(Olivia, p. 6, l. 3)" → "6:3". Anything not in that shape is returned unchanged, and
/// several references separated by ";" are converted one by one.
pub(super) fn page_line(citation: &str) -> String {
    citation
        .split(';')
        .map(|part| {
            let part = part.trim().trim_start_matches('(').trim_end_matches(')');
            let Some(at) = part.find("p. ") else { return part.to_owned() };
            let rest = &part[at + 3..];
            let Some((page, lines)) = rest.split_once(',') else { return part.to_owned() };
            let lines = lines.trim();
            let lines = lines.strip_prefix("ll. ").or_else(|| lines.strip_prefix("l. "));
            match lines {
                Some(l) if page.trim().chars().all(|c| c.is_ascii_digit()) => format!("{}:{}", page.trim(), l.trim()),
                _ => part.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn journal(doc: &mut WordDoc, report: &StudyReport) {
    doc.heading(1, "Reflexive journal");
    if report.journal.is_empty() {
        doc.push(&text_para("Meta", "No journal entries."));
    }
    for entry in &report.journal {
        doc.heading(3, &format!("{} — {}", entry.at, entry.author));
        doc.paragraphs("Normal", &entry.text);
        if let Some(link) = entry.link.as_deref().filter(|l| !l.trim().is_empty()) {
            doc.push(&text_para("Meta", &format!("Linked to: {link}")));
        }
    }
}
