//! The OpenDocument text importer (`.odt`).
//!
//! Reads `content.xml`: paragraphs and headings (`text:p`, `text:h`, also inside lists and
//! frames), line breaks (`text:line-break`), tabs (`text:tab`), runs of spaces (`text:s`
//! with `text:c`), and tables (`table:table`, see `flow` for speaker tables). Footnotes,
//! annotations and tracked deletions are left out. `meta.xml` (author) is never read into
//! the text; a diagnostic says it was present. A package whose manifest declares encryption
//! is refused as password-protected.

use super::builder::TextBuilder;
use super::docx::{has_value, xml_error, xml_text};
use super::flow::Flow;
use super::package::{Package, ZipLimits};
use super::{ImportError, ImportedTranscript, Importer, TranscriptFormat};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Imports `.odt` files; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OdtImporter;

impl Importer for OdtImporter {
    fn format(&self) -> TranscriptFormat {
        TranscriptFormat::Odt
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        let mut package = Package::open(file_name, bytes, "odt", ZipLimits::DEFAULT)?;
        if let Some(manifest) = package.read("META-INF/manifest.xml")? {
            if String::from_utf8_lossy(&manifest).contains("encryption-data") {
                return Err(ImportError::Encrypted { file: file_name.to_owned() });
            }
        }
        let xml = package.read("content.xml")?.ok_or_else(|| ImportError::Malformed {
            file: file_name.to_owned(),
            reason: "not an OpenDocument text (no content.xml)".to_owned(),
        })?;
        let xml = xml_text(file_name, "content.xml", &xml)?;
        let mut builder = TextBuilder::new();
        read_content(file_name, &xml, &mut builder)?;
        if let Some(meta) = package.read("meta.xml")? {
            let meta = String::from_utf8_lossy(&meta);
            if ["creator", "initial-creator"].iter().any(|tag| has_value(&meta, tag)) {
                builder.note("document metadata (author, company) was not imported");
            }
        }
        builder.finish(file_name, bytes, TranscriptFormat::Odt, "utf-8")
    }
}

fn read_content(file: &str, xml: &str, builder: &mut TextBuilder) -> Result<(), ImportError> {
    let mut reader = Reader::from_str(xml);
    let mut flow = Flow::new();
    let mut skip = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(file, "content.xml", e))?;
        match event {
            Event::Start(e) => {
                if skip > 0 {
                    skip += 1;
                    continue;
                }
                match e.name().as_ref() {
                    "text:note"
                    | "office:annotation"
                    | "text:tracked-changes"
                    | "text:sequence-decls"
                    | "office:forms" => skip = 1,
                    "text:p" | "text:h" => flow.start_paragraph(),
                    "table:table" => flow.start_table(),
                    "table:table-row" => flow.start_row(),
                    "table:table-cell" | "table:covered-table-cell" => flow.start_cell(),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skip > 0 {
                    continue;
                }
                match e.name().as_ref() {
                    "text:line-break" => flow.text("\n"),
                    "text:tab" => flow.text("\t"),
                    "text:s" => {
                        let n = e
                            .try_get_attribute("text:c")
                            .ok()
                            .flatten()
                            .and_then(|a| a.value.trim().parse::<usize>().ok())
                            .unwrap_or(1)
                            .min(1000);
                        flow.text(&" ".repeat(n));
                    }
                    "text:p" | "text:h" => {
                        flow.start_paragraph();
                        flow.end_paragraph();
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        flow.start_cell();
                        flow.end_cell();
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match e.name().as_ref() {
                    "text:p" | "text:h" => flow.end_paragraph(),
                    "table:table" => flow.end_table(),
                    "table:table-cell" | "table:covered-table-cell" => flow.end_cell(),
                    _ => {}
                }
            }
            // ODF collapses whitespace in text content like HTML; runs of spaces are `text:s`.
            Event::Text(t) if skip == 0 => flow.text(&collapse_whitespace(&t.xml10_content())),
            Event::GeneralRef(r) if skip == 0 => flow.reference(&r),
            Event::Eof => break,
            _ => {}
        }
    }
    flow.finish(builder);
    Ok(())
}

/// Turns each run of XML whitespace into one space (ODF 1.2, 6.1.2).
fn collapse_whitespace(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\r', '\t']) && !text.contains("  ") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for c in text.chars() {
        if matches!(c, ' ' | '\n' | '\r' | '\t') {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push(c);
            blank = false;
        }
    }
    out.into()
}
