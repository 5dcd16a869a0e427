//! The Word importer (`.docx`, Office Open XML).
//!
//! Reads the main document part only (`word/document.xml`, or the part `_rels/.rels` names):
//! paragraphs (`w:p`), runs' text (`w:t`), line breaks (`w:br`, `w:cr`), tabs (`w:tab`),
//! non-breaking hyphens, and tables (`w:tbl`, see `flow` for speaker tables). Deleted text
//! (`w:delText`), field codes (`w:instrText`), the fallback copy of alternate content
//! (`mc:Fallback`), headers, footers, comments and footnotes are not part of the transcript.
//!
//! Teams' Word transcripts (`Name   0:04` paragraph, then the turn) and `Name:` paragraphs
//! are found by the `speakers` scan on the resulting text.
//!
//! Document metadata (author and last editor in `docProps/core.xml`, company in
//! `docProps/app.xml`) is personal data of the transcriber, not part of the transcript: it is
//! never read into the text; a diagnostic says it was present.

use super::builder::TextBuilder;
use super::flow::Flow;
use super::package::{Package, ZipLimits};
use super::{ImportError, ImportedTranscript, Importer, TranscriptFormat};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::borrow::Cow;

/// Imports `.docx` files; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocxImporter;

impl Importer for DocxImporter {
    fn format(&self) -> TranscriptFormat {
        TranscriptFormat::Docx
    }

    fn parse(&self, file_name: &str, bytes: &[u8]) -> Result<ImportedTranscript, ImportError> {
        import_docx(file_name, bytes, ZipLimits::DEFAULT)
    }
}

pub(super) fn import_docx(file: &str, bytes: &[u8], limits: ZipLimits) -> Result<ImportedTranscript, ImportError> {
    let mut package = Package::open(file, bytes, "docx", limits)?;
    let (part, xml) = main_document(file, &mut package)?;
    let xml = xml_text(file, &part, &xml)?;
    let mut builder = TextBuilder::new();
    read_body(file, &part, &xml, &mut builder)?;
    if metadata_present(&mut package)? {
        builder.note("document metadata (author, company) was not imported");
    }
    builder.finish(file, bytes, TranscriptFormat::Docx, "utf-8")
}

/// The main document part's name and bytes; a package without one is not a Word document.
fn main_document(file: &str, package: &mut Package<'_>) -> Result<(String, Vec<u8>), ImportError> {
    let part = main_part(package)?;
    let xml = package.read(&part)?.ok_or_else(|| ImportError::Malformed {
        file: file.to_owned(),
        reason: "not a Word document (no word/document.xml)".to_owned(),
    })?;
    Ok((part, xml))
}

/// The main document part: `word/document.xml`, else the target of the officeDocument
/// relationship in `_rels/.rels`.
fn main_part(package: &mut Package<'_>) -> Result<String, ImportError> {
    if package.has("word/document.xml") {
        return Ok("word/document.xml".to_owned());
    }
    if let Some(rels) = package.read("_rels/.rels")? {
        let rels = String::from_utf8_lossy(&rels);
        for relationship in rels.split("<Relationship").skip(1) {
            if relationship.contains("/officeDocument\"") {
                if let Some(target) = attribute(relationship, "Target") {
                    let target = target.trim_start_matches('/').to_owned();
                    if package.has(&target) {
                        return Ok(target);
                    }
                }
            }
        }
    }
    Ok("word/document.xml".to_owned())
}

/// The value of `name="…"` in an XML fragment.
fn attribute<'a>(fragment: &'a str, name: &str) -> Option<&'a str> {
    let start = fragment.find(&format!("{name}=\""))? + name.len() + 2;
    let len = fragment[start..].find('"')?;
    Some(&fragment[start..start + len])
}

/// Decodes an XML part: UTF-8 (BOM allowed) or UTF-16 with a BOM.
pub(super) fn xml_text<'a>(file: &str, part: &str, xml: &'a [u8]) -> Result<Cow<'a, str>, ImportError> {
    let bad =
        || ImportError::Malformed { file: file.to_owned(), reason: format!("{part} is not valid UTF-8 or UTF-16") };
    if let Some(rest) = xml.strip_prefix(b"\xef\xbb\xbf") {
        return std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|_| bad());
    }
    if xml.starts_with(b"\xff\xfe") || xml.starts_with(b"\xfe\xff") {
        let encoding = if xml[0] == 0xff { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (text, _) = encoding.decode_without_bom_handling(&xml[2..]);
        return Ok(Cow::Owned(text.into_owned()));
    }
    std::str::from_utf8(xml).map(Cow::Borrowed).map_err(|_| bad())
}

pub(super) fn xml_error(file: &str, part: &str, err: impl std::fmt::Display) -> ImportError {
    ImportError::Malformed {
        file: file.to_owned(),
        reason: format!("damaged {part} ({err})").replace(['\n', '\r'], " "),
    }
}

/// Walks `w:body`, feeding paragraphs and tables to a [`Flow`].
fn read_body(file: &str, part: &str, xml: &str, builder: &mut TextBuilder) -> Result<(), ImportError> {
    let mut reader = Reader::from_str(xml);
    let mut flow = Flow::new();
    let mut in_text = false;
    // Depth inside elements whose content is skipped (mc:Fallback, w:del…); 0 = reading.
    let mut skip = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(file, part, e))?;
        match event {
            Event::Start(e) => {
                let name = e.name();
                let local = e.local_name();
                if skip > 0 {
                    skip += 1;
                    continue;
                }
                match (name.as_ref(), local.as_ref()) {
                    (_, "Fallback" | "delText" | "instrText" | "footnoteReference" | "commentReference")
                    | ("w:del" | "w:moveFrom", _) => skip = 1,
                    (_, "p") => flow.start_paragraph(),
                    (_, "t") => in_text = true,
                    (_, "tbl") => flow.start_table(),
                    (_, "tr") => flow.start_row(),
                    (_, "tc") => flow.start_cell(),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skip > 0 {
                    continue;
                }
                let local = e.local_name();
                match local.as_ref() {
                    "br" | "cr" => flow.text("\n"),
                    "tab" => flow.text("\t"),
                    "noBreakHyphen" => flow.text("-"),
                    "p" => {
                        flow.start_paragraph();
                        flow.end_paragraph();
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    "p" => flow.end_paragraph(),
                    "t" => in_text = false,
                    "tbl" => flow.end_table(),
                    "tc" => flow.end_cell(),
                    _ => {}
                }
            }
            Event::Text(t) if in_text && skip == 0 => flow.text(&t.xml10_content()),
            Event::CData(t) if in_text && skip == 0 => flow.text(&t.xml10_content()),
            Event::GeneralRef(r) if in_text && skip == 0 => flow.reference(&r),
            Event::Eof => break,
            _ => {}
        }
    }
    flow.finish(builder);
    Ok(())
}

/// The paragraphs of a Word document's body as plain text, each with its list level when Word
/// numbers or bullets it (`w:numPr`/`w:ilvl`, 0 for the outermost level): an interview guide's
/// questions and prompts are told apart by it, since Word's automatic numbers are not text.
pub(super) fn list_paragraphs(file: &str, bytes: &[u8]) -> Result<Vec<(Option<u8>, String)>, ImportError> {
    let mut package = Package::open(file, bytes, "docx", ZipLimits::DEFAULT)?;
    let (part, xml) = main_document(file, &mut package)?;
    let xml = xml_text(file, &part, &xml)?;
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    let (mut text, mut level, mut in_text, mut numbered) = (String::new(), None, false, false);
    let mut skip = 0usize;
    loop {
        match reader.read_event().map_err(|e| xml_error(file, &part, e))? {
            Event::Start(e) if skip > 0 || matches!(e.local_name().as_ref(), "delText" | "instrText") => skip += 1,
            Event::Start(e) => match e.local_name().as_ref() {
                "p" => (text, level, numbered) = (String::new(), None, false),
                "numPr" => numbered = true,
                "t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) if skip == 0 => match e.local_name().as_ref() {
                "ilvl" if numbered => {
                    let value = e.attributes().flatten().find(|a| a.key.local_name().as_ref() == "val");
                    level = value.and_then(|a| a.value.parse().ok()).or(Some(0));
                }
                "numId" if numbered => level = level.or(Some(0)),
                "tab" | "br" => text.push(' '),
                _ => {}
            },
            Event::End(_) if skip > 0 => skip -= 1,
            Event::End(e) => match e.local_name().as_ref() {
                "p" => out.push((level, std::mem::take(&mut text))),
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text && skip == 0 => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text && skip == 0 => text.extend(super::flow::resolve_reference(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Whether `docProps` names an author, editor or company (the values are not kept).
fn metadata_present(package: &mut Package<'_>) -> Result<bool, ImportError> {
    let mut present = false;
    for (part, tags) in
        [("docProps/core.xml", &["creator", "lastModifiedBy"][..]), ("docProps/app.xml", &["Company", "Manager"][..])]
    {
        if let Some(xml) = package.read(part)? {
            let xml = String::from_utf8_lossy(&xml);
            present |= tags.iter().any(|tag| has_value(&xml, tag));
        }
    }
    Ok(present)
}

/// Whether an element whose name ends in `tag` has non-blank content.
pub(super) fn has_value(xml: &str, tag: &str) -> bool {
    let needle = format!("{tag}>");
    let mut rest = xml;
    while let Some(at) = rest.find(&needle) {
        let before = &rest[..at];
        let after = &rest[at + needle.len()..];
        // An opening tag: `<dc:creator>` or `<creator>` (not `</…>`).
        let opening = before.rfind('<').is_some_and(|lt| {
            let name = &before[lt + 1..];
            !name.starts_with('/') && !name.contains(['>', ' '])
        });
        if opening {
            let content = after.split('<').next().unwrap_or("");
            if !content.trim().is_empty() {
                return true;
            }
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_values() {
        assert!(has_value("<cp:coreProperties><dc:creator>Jo</dc:creator></cp:coreProperties>", "creator"));
        assert!(!has_value("<dc:creator></dc:creator><dc:creator/>", "creator"));
        assert!(has_value("<Properties><Company>ACME</Company></Properties>", "Company"));
    }
}
