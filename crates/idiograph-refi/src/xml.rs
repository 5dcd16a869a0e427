//! A small, hardened XML reader into a tree, and escaping for the writer.
//!
//! Refuses any DTD (so no external entities, no entity expansion), accepts only the five
//! predefined entities and character references, and limits nesting depth.

use quick_xml::events::Event;
use quick_xml::Reader;
use quick_xml::XmlVersion;

use crate::error::{RefiError, RefiErrorKind};

const MAX_DEPTH: usize = 256;

/// Elements a document may have: a tree node costs about 150 bytes however short the element,
/// so this bounds the tree at about 150 MB. Real projects have a few elements per coded
/// passage (NVivo's largest exports in the corpus: tens of thousands).
const MAX_ELEMENTS: usize = 1_000_000;

/// An element: local name, attributes by local name, children and concatenated text.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    /// The default namespace declared on this element (`xmlns="…"`), if any.
    pub ns: Option<String>,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of a child element such as `Description`.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.clone())
    }
}

/// Decodes XML bytes: UTF-8 (BOM tolerated) or UTF-16 with a BOM.
pub(crate) fn decode_xml(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, RefiError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(std::borrow::Cow::Borrowed)
            .map_err(|e| RefiErrorKind::Encoding(e.to_string()).into());
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        return String::from_utf16(&units)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| RefiErrorKind::Encoding(format!("UTF-16: {e}")).into());
    }
    std::str::from_utf8(bytes)
        .map(std::borrow::Cow::Borrowed)
        .map_err(|e| RefiErrorKind::Encoding(e.to_string()).into())
}

fn xml_error(reader: &Reader<&[u8]>, message: impl ToString) -> RefiError {
    RefiErrorKind::Xml { position: reader.buffer_position(), message: message.to_string() }.into()
}

fn resolve_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

fn start_element(reader: &Reader<&[u8]>, e: &quick_xml::events::BytesStart<'_>) -> Result<Element, RefiError> {
    let name = e.local_name();
    let mut el = Element { name: name.as_ref().to_owned(), ..Element::default() };
    for attr in e.attributes() {
        let attr = attr.map_err(|err| xml_error(reader, err))?;
        let key = attr.key.as_ref().to_owned();
        let value = attr.normalized_value(XmlVersion::Implicit1_0).map_err(|err| {
            let text = err.to_string();
            if text.contains("entity") || text.contains("Entity") {
                RefiError::from(RefiErrorKind::UndefinedEntity(text))
            } else {
                xml_error(reader, text)
            }
        })?;
        if key == "xmlns" {
            el.ns = Some(value.into_owned());
        } else if key.starts_with("xmlns:") {
            continue;
        } else {
            let local = attr.key.local_name().as_ref().to_owned();
            el.attrs.push((local, value.into_owned()));
        }
    }
    Ok(el)
}

/// Parses a document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, RefiError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| xml_error(&reader, e))?;
        if matches!(event, Event::Start(_) | Event::Empty(_)) {
            elements += 1;
            if elements > MAX_ELEMENTS {
                return Err(RefiErrorKind::TooManyElements(MAX_ELEMENTS).into());
            }
        }
        match event {
            Event::DocType(_) => return Err(RefiErrorKind::Dtd.into()),
            Event::Start(e) => {
                if root.is_some() {
                    return Err(xml_error(&reader, "content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(RefiErrorKind::TooDeep(MAX_DEPTH).into());
                }
                let el = start_element(&reader, &e)?;
                stack.push(el);
            }
            Event::Empty(e) => {
                let el = start_element(&reader, &e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None if root.is_none() => root = Some(el),
                    None => return Err(xml_error(&reader, "content after the root element")),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| xml_error(&reader, "unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(xml_error(&reader, "text outside the root element")),
                }
            }
            Event::CData(t) => {
                let content = t.xml10_content();
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&content);
                }
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(|e| xml_error(&reader, e))?
                } else {
                    let name = r.xml10_content();
                    Some(resolve_entity(&name).ok_or_else(|| RefiErrorKind::UndefinedEntity(name.into_owned()))?)
                };
                if let (Some(c), Some(el)) = (c, stack.last_mut()) {
                    el.text.push(c);
                }
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(xml_error(
            &reader,
            format!("unclosed element <{}>", stack.last().map(|e| e.name.as_str()).unwrap_or("")),
        ));
    }
    root.ok_or_else(|| xml_error(&reader, "no root element"))
}

/// Whether a character may appear in an XML 1.0 document at all.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends text content, escaped; characters XML cannot carry become U+FFFD.
pub(crate) fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// Appends an attribute value, escaped so that attribute-value normalisation keeps it intact.
pub(crate) fn push_attr_value(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let e = parse("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>").unwrap_err();
        assert_eq!(e.kind, RefiErrorKind::Dtd);
        let e = parse("<x>&a;</x>").unwrap_err();
        assert!(matches!(e.kind, RefiErrorKind::UndefinedEntity(_)), "{e}");
        let e = parse("<x y=\"&a;\"/>").unwrap_err();
        assert!(matches!(e.kind, RefiErrorKind::UndefinedEntity(_) | RefiErrorKind::Xml { .. }), "{e}");
    }

    #[test]
    fn reads_text_entities_and_attributes() {
        let root =
            parse("<p:x xmlns:p=\"u\" a=\"1&#10;&amp;\"><y>a &lt;b&gt; &#x1F642;<![CDATA[<z>]]></y></p:x>").unwrap();
        assert_eq!(root.name, "x");
        assert_eq!(root.attr("a"), Some("1\n&"));
        assert_eq!(root.child_text("y").as_deref(), Some("a <b> 🙂<z>"));
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a\"b<c>&d\ne\tf\r";
        let mut out = String::from("<x v=\"");
        push_attr_value(&mut out, s);
        out.push_str("\">");
        push_text(&mut out, s);
        out.push_str("</x>");
        let root = parse(&out).unwrap();
        assert_eq!(root.attr("v"), Some(s));
        assert_eq!(root.text, s);
    }
}
