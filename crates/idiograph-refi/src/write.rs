//! Strict writing: schema order, UTF-8, `project.qde` + `sources/<GUID>.txt`, code points.

use std::collections::HashSet;
use std::fmt::Write as _;

use idiograph_text::UnitIndex;

use crate::error::{RefiError, RefiErrorKind};
use crate::model::*;
use crate::xml::{push_attr_value, push_text};
use crate::zipio::write_zip;
use crate::{CODEBOOK_NAMESPACE, PROJECT_NAMESPACE};

pub(crate) fn is_guid(s: &str) -> bool {
    let inner = s.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(s);
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(crate) fn is_color(s: &str) -> bool {
    s.strip_prefix('#').is_some_and(|h| (h.len() == 6 || h.len() == 3) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks identifiers and references before anything is written.
struct Checker {
    seen: HashSet<String>,
}

impl Checker {
    fn guid(&mut self, what: impl FnOnce() -> String, guid: &str) -> Result<(), RefiError> {
        if !is_guid(guid) {
            return Err(RefiErrorKind::InvalidGuid { what: what(), guid: guid.to_owned() }.into());
        }
        if !self.seen.insert(guid.to_ascii_lowercase()) {
            return Err(RefiErrorKind::DuplicateGuid(guid.to_owned()).into());
        }
        Ok(())
    }
}

fn check_ref(set: &HashSet<&str>, what: impl FnOnce() -> String, guid: &str) -> Result<(), RefiError> {
    if set.contains(guid) {
        Ok(())
    } else {
        Err(RefiErrorKind::UnknownReference { what: what(), guid: guid.to_owned() }.into())
    }
}

fn collect_codes<'a>(codes: &'a [RefiCode], out: &mut Vec<&'a RefiCode>) {
    for c in codes {
        out.push(c);
        collect_codes(&c.children, out);
    }
}

fn check_project(p: &RefiProject) -> Result<(), RefiError> {
    let mut ck = Checker { seen: HashSet::new() };
    let mut codes = Vec::new();
    collect_codes(&p.codes, &mut codes);
    for u in &p.users {
        ck.guid(|| format!("user {:?}", u.name), &u.guid)?;
    }
    for c in &codes {
        ck.guid(|| format!("code {:?}", c.name), &c.guid)?;
        if let Some(color) = &c.color {
            if !is_color(color) {
                return Err(RefiErrorKind::InvalidColor { code: c.name.clone(), color: color.clone() }.into());
            }
        }
    }
    for v in &p.variables {
        ck.guid(|| format!("variable {:?}", v.name), &v.guid)?;
    }
    for c in &p.cases {
        ck.guid(|| format!("case {:?}", c.name), &c.guid)?;
    }
    for s in &p.sources {
        ck.guid(|| format!("source {:?}", s.name), &s.guid)?;
        for sel in &s.selections {
            ck.guid(|| format!("selection in source {:?}", s.name), &sel.guid)?;
            if let Some(text) = &s.text {
                let (a, b) = (sel.span.start().to_usize(), sel.span.end().to_usize());
                if idiograph_text::Span::new(text, a, b).is_err() {
                    return Err(RefiErrorKind::InvalidSpan {
                        selection: sel.guid.clone(),
                        source_name: s.name.clone(),
                        span: sel.span.to_string(),
                        len: text.len(),
                    }
                    .into());
                }
            }
            for c in &sel.codings {
                ck.guid(|| format!("coding in source {:?}", s.name), &c.guid)?;
            }
        }
        for c in &s.codings {
            ck.guid(|| format!("coding of source {:?}", s.name), &c.guid)?;
        }
    }
    for n in &p.notes {
        ck.guid(|| format!("note {:?}", n.name.as_deref().unwrap_or("")), &n.guid)?;
    }
    for m in &p.media {
        ck.guid(|| format!("recording {:?}", m.name), &m.guid)?;
        ck.guid(|| format!("transcript of recording {:?}", m.name), &m.transcript.guid)?;
        for sp in &m.transcript.sync_points {
            ck.guid(|| format!("sync point of recording {:?}", m.name), &sp.guid)?;
        }
        if m.extension.is_empty() || m.extension.len() > 8 || !m.extension.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(RefiErrorKind::InvalidValue(format!(
                "recording {:?}: {:?} cannot be a file extension",
                m.name, m.extension
            ))
            .into());
        }
    }
    for s in &p.sets {
        ck.guid(|| format!("set {:?}", s.name), &s.guid)?;
    }

    let code_set: HashSet<&str> = codes.iter().map(|c| c.guid.as_str()).collect();
    let note_set: HashSet<&str> = p.notes.iter().map(|n| n.guid.as_str()).collect();
    let source_set: HashSet<&str> = p.sources.iter().map(|s| s.guid.as_str()).collect();
    let selection_set: HashSet<&str> =
        p.sources.iter().flat_map(|s| s.selections.iter().map(|sel| sel.guid.as_str())).collect();
    let variable_set: HashSet<&str> = p.variables.iter().map(|v| v.guid.as_str()).collect();
    let user_set: HashSet<&str> = p.users.iter().map(|u| u.guid.as_str()).collect();
    let user = |what: &dyn Fn() -> String, u: &Option<String>| -> Result<(), RefiError> {
        match u {
            Some(u) => check_ref(&user_set, what, u),
            None => Ok(()),
        }
    };
    let notes = |what: &dyn Fn() -> String, refs: &[String]| -> Result<(), RefiError> {
        refs.iter().try_for_each(|r| check_ref(&note_set, what, r))
    };
    let values = |what: &dyn Fn() -> String, vals: &[RefiVariableValue]| -> Result<(), RefiError> {
        for v in vals {
            check_ref(&variable_set, what, &v.variable_guid)?;
            if let RefiValue::Float(f) = v.value {
                if !f.is_finite() {
                    return Err(
                        RefiErrorKind::InvalidValue(format!("{}: float value {f} cannot be written", what())).into()
                    );
                }
            }
        }
        Ok(())
    };
    let coding = |what: &dyn Fn() -> String, c: &RefiCoding| -> Result<(), RefiError> {
        check_ref(&code_set, what, &c.code_guid)?;
        notes(what, &c.note_refs)?;
        user(what, &c.creating_user)
    };
    user(&|| "the project".into(), &p.creating_user)?;
    notes(&|| "the project".into(), &p.note_refs)?;
    for c in &codes {
        notes(&|| format!("code {:?}", c.name), &c.note_refs)?;
    }
    for c in &p.cases {
        let what = || format!("case {:?}", c.name);
        c.code_refs.iter().try_for_each(|r| check_ref(&code_set, what, r))?;
        values(&what, &c.variables)?;
        c.source_refs.iter().try_for_each(|r| check_ref(&source_set, what, r))?;
        c.selection_refs.iter().try_for_each(|r| check_ref(&selection_set, what, r))?;
    }
    for s in &p.sources {
        let what = || format!("source {:?}", s.name);
        user(&what, &s.creating_user)?;
        notes(&what, &s.note_refs)?;
        values(&what, &s.variables)?;
        s.codings.iter().try_for_each(|c| coding(&what, c))?;
        for sel in &s.selections {
            let what = || format!("selection {} in source {:?}", sel.guid, s.name);
            user(&what, &sel.creating_user)?;
            notes(&what, &sel.note_refs)?;
            sel.codings.iter().try_for_each(|c| coding(&what, c))?;
        }
    }
    for n in &p.notes {
        user(&|| format!("note {}", n.guid), &n.creating_user)?;
    }
    for m in &p.media {
        let what = || format!("recording {:?}", m.name);
        user(&what, &m.creating_user)?;
        check_ref(&source_set, what, &m.transcript.source_guid)?;
        let text = p.source(&m.transcript.source_guid).and_then(|s| s.text.as_deref());
        let misplaced = m.transcript.sync_points.iter().find(|sp| {
            text.is_some_and(|t| sp.position.to_usize() > t.len() || !t.is_char_boundary(sp.position.to_usize()))
        });
        if let Some(sp) = misplaced {
            return Err(RefiErrorKind::InvalidValue(format!(
                "{}: sync point {} at byte {} is not on a character of its transcript",
                what(),
                sp.guid,
                sp.position
            ))
            .into());
        }
    }
    for s in &p.sets {
        let what = || format!("set {:?}", s.name);
        s.member_codes.iter().try_for_each(|r| check_ref(&code_set, what, r))?;
        s.member_sources.iter().try_for_each(|r| check_ref(&source_set, what, r))?;
        s.member_notes.iter().try_for_each(|r| check_ref(&note_set, what, r))?;
    }
    Ok(())
}

/// A tiny XML writer that keeps indentation and escaping in one place.
struct W {
    out: String,
    depth: usize,
}

impl W {
    fn indent(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Writes `<name attrs` and leaves the tag open.
    fn open(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            if let Some(v) = v {
                let _ = write!(self.out, " {k}=\"");
                push_attr_value(&mut self.out, v);
                self.out.push('"');
            }
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.open(name, attrs);
        self.out.push('>');
        self.depth += 1;
    }

    fn end(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = write!(self.out, "</{name}>");
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, Option<&str>)]) {
        self.open(name, attrs);
        self.out.push_str("/>");
    }

    /// An element with attributes and children written by `body`; self-closing when empty.
    fn element(&mut self, name: &str, attrs: &[(&str, Option<&str>)], has_body: bool, body: impl FnOnce(&mut W)) {
        if has_body {
            self.start(name, attrs);
            body(self);
            self.end(name);
        } else {
            self.empty(name, attrs);
        }
    }

    fn text_element(&mut self, name: &str, text: &str) {
        self.indent();
        let _ = write!(self.out, "<{name}>");
        push_text(&mut self.out, text);
        let _ = write!(self.out, "</{name}>");
    }

    fn opt_text(&mut self, name: &str, text: &Option<String>) {
        if let Some(t) = text {
            self.text_element(name, t);
        }
    }

    fn refs(&mut self, name: &str, guids: &[String]) {
        for g in guids {
            self.empty(name, &[("targetGUID", Some(g))]);
        }
    }
}

fn write_code(w: &mut W, c: &RefiCode, with_notes: bool) {
    let has_body = c.description.is_some() || !c.children.is_empty() || (with_notes && !c.note_refs.is_empty());
    let codable = if c.is_codable { "true" } else { "false" };
    w.element(
        "Code",
        &[
            ("guid", Some(&c.guid)),
            ("name", Some(&c.name)),
            ("isCodable", Some(codable)),
            ("color", c.color.as_deref()),
        ],
        has_body,
        |w| {
            w.opt_text("Description", &c.description);
            if with_notes {
                w.refs("NoteRef", &c.note_refs);
            }
            for child in &c.children {
                write_code(w, child, with_notes);
            }
        },
    );
}

fn write_value(w: &mut W, v: &RefiVariableValue) {
    w.start("VariableValue", &[]);
    w.empty("VariableRef", &[("targetGUID", Some(&v.variable_guid))]);
    match &v.value {
        RefiValue::Text(t) => w.text_element("TextValue", t),
        RefiValue::Boolean(b) => w.text_element("BooleanValue", if *b { "true" } else { "false" }),
        RefiValue::Integer(i) => w.text_element("IntegerValue", &i.to_string()),
        RefiValue::Float(f) => {
            let mut s = format!("{f}");
            if s == "-0" {
                s = "0".into();
            }
            w.text_element("FloatValue", &s)
        }
        RefiValue::Date(d) => w.text_element("DateValue", d),
        RefiValue::DateTime(d) => w.text_element("DateTimeValue", d),
    }
    w.end("VariableValue");
}

fn write_coding(w: &mut W, c: &RefiCoding) {
    w.start(
        "Coding",
        &[
            ("guid", Some(&c.guid)),
            ("creatingUser", c.creating_user.as_deref()),
            ("creationDateTime", c.creation_date.as_deref()),
        ],
    );
    w.empty("CodeRef", &[("targetGUID", Some(&c.code_guid))]);
    w.refs("NoteRef", &c.note_refs);
    w.end("Coding");
}

/// The text mirrored into a selection's `Description` when it has notes but no description.
pub(crate) fn mirror_of_notes(p: &RefiProject, refs: &[String]) -> Option<String> {
    let texts: Vec<&str> = refs.iter().filter_map(|r| p.note(r)).map(|n| n.text.as_str()).collect();
    if texts.is_empty() {
        None
    } else {
        Some(texts.join("\n\n"))
    }
}

/// The `project.qde` document of `project` (what [`write_qdpx`] puts in the archive), UTF-8.
///
/// Sources with text refer to `internal://<GUID>.txt`; the text files themselves are only in
/// the `.qdpx`.
pub fn write_project_qde(project: &RefiProject) -> Result<Vec<u8>, RefiError> {
    check_project(project)?;
    Ok(project_xml(project).into_bytes())
}

fn project_xml(p: &RefiProject) -> String {
    let mut w = W { out: String::with_capacity(4096), depth: 0 };
    w.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    w.start(
        "Project",
        &[
            ("xmlns", Some(PROJECT_NAMESPACE)),
            ("name", Some(&p.name)),
            ("origin", p.origin.as_deref()),
            ("creatingUserGUID", p.creating_user.as_deref()),
            ("creationDateTime", p.creation_date.as_deref()),
        ],
    );
    if !p.users.is_empty() {
        w.start("Users", &[]);
        for u in &p.users {
            let name = (!u.name.is_empty()).then_some(u.name.as_str());
            w.empty("User", &[("guid", Some(&u.guid)), ("name", name)]);
        }
        w.end("Users");
    }
    if !p.codes.is_empty() {
        w.start("CodeBook", &[]);
        w.start("Codes", &[]);
        for c in &p.codes {
            write_code(&mut w, c, true);
        }
        w.end("Codes");
        w.end("CodeBook");
    }
    if !p.variables.is_empty() {
        w.start("Variables", &[]);
        for v in &p.variables {
            w.element(
                "Variable",
                &[("guid", Some(&v.guid)), ("name", Some(&v.name)), ("typeOfVariable", Some(v.kind.as_str()))],
                v.description.is_some(),
                |w| w.opt_text("Description", &v.description),
            );
        }
        w.end("Variables");
    }
    if !p.cases.is_empty() {
        w.start("Cases", &[]);
        for c in &p.cases {
            let body = c.description.is_some()
                || !c.code_refs.is_empty()
                || !c.variables.is_empty()
                || !c.source_refs.is_empty()
                || !c.selection_refs.is_empty();
            w.element("Case", &[("guid", Some(&c.guid)), ("name", Some(&c.name))], body, |w| {
                w.opt_text("Description", &c.description);
                w.refs("CodeRef", &c.code_refs);
                for v in &c.variables {
                    write_value(w, v);
                }
                w.refs("SourceRef", &c.source_refs);
                w.refs("SelectionRef", &c.selection_refs);
            });
        }
        w.end("Cases");
    }
    if !p.sources.is_empty() || !p.media.is_empty() {
        w.start("Sources", &[]);
        for s in &p.sources {
            let path = s.text.as_ref().map(|_| format!("internal://{}.txt", s.guid));
            let body = s.description.is_some()
                || !s.selections.is_empty()
                || !s.codings.is_empty()
                || !s.note_refs.is_empty()
                || !s.variables.is_empty();
            let attrs = [
                ("guid", Some(s.guid.as_str())),
                ("name", Some(s.name.as_str())),
                ("plainTextPath", path.as_deref()),
                ("creatingUser", s.creating_user.as_deref()),
                ("creationDateTime", s.creation_date.as_deref()),
            ];
            let index = s.text.as_deref().map(UnitIndex::new);
            w.element("TextSource", &attrs, body, |w| {
                w.opt_text("Description", &s.description);
                for sel in &s.selections {
                    let (start, end) = match &index {
                        Some(index) => index.span_to_chars(sel.span),
                        None => (sel.span.start().to_usize(), sel.span.end().to_usize()),
                    };
                    let (start, end) = (start.to_string(), end.to_string());
                    let description = sel.description.clone().or_else(|| mirror_of_notes(p, &sel.note_refs));
                    let body = description.is_some() || !sel.codings.is_empty() || !sel.note_refs.is_empty();
                    let attrs = [
                        ("guid", Some(sel.guid.as_str())),
                        ("name", sel.name.as_deref()),
                        ("startPosition", Some(start.as_str())),
                        ("endPosition", Some(end.as_str())),
                        ("creatingUser", sel.creating_user.as_deref()),
                        ("creationDateTime", sel.creation_date.as_deref()),
                    ];
                    w.element("PlainTextSelection", &attrs, body, |w| {
                        w.opt_text("Description", &description);
                        for c in &sel.codings {
                            write_coding(w, c);
                        }
                        w.refs("NoteRef", &sel.note_refs);
                    });
                }
                for c in &s.codings {
                    write_coding(w, c);
                }
                w.refs("NoteRef", &s.note_refs);
                for v in &s.variables {
                    write_value(w, v);
                }
            });
        }
        for m in &p.media {
            write_media(&mut w, p, m);
        }
        w.end("Sources");
    }
    if !p.notes.is_empty() {
        w.start("Notes", &[]);
        for n in &p.notes {
            let attrs = [
                ("guid", Some(n.guid.as_str())),
                ("name", n.name.as_deref()),
                ("creatingUser", n.creating_user.as_deref()),
                ("creationDateTime", n.creation_date.as_deref()),
            ];
            w.start("Note", &attrs);
            w.opt_text("Description", &n.description);
            w.text_element("PlainTextContent", &n.text);
            w.end("Note");
        }
        w.end("Notes");
    }
    if !p.sets.is_empty() {
        w.start("Sets", &[]);
        for s in &p.sets {
            let body = s.description.is_some()
                || !s.member_codes.is_empty()
                || !s.member_sources.is_empty()
                || !s.member_notes.is_empty();
            w.element("Set", &[("guid", Some(&s.guid)), ("name", Some(&s.name))], body, |w| {
                w.opt_text("Description", &s.description);
                w.refs("MemberCode", &s.member_codes);
                w.refs("MemberSource", &s.member_sources);
                w.refs("MemberNote", &s.member_notes);
            });
        }
        w.end("Sets");
    }
    w.opt_text("Description", &p.description);
    w.refs("NoteRef", &p.note_refs);
    w.end("Project");
    w.out.push('\n');
    w.out
}

/// An `AudioSource` or `VideoSource` with its `Transcript`: the text of its text source (the same
/// `plainTextPath`) and the sync points, positions in code points over that text.
fn write_media(w: &mut W, p: &RefiProject, m: &RefiMedia) {
    let element = match m.kind {
        RefiMediaKind::Audio => "AudioSource",
        RefiMediaKind::Video => "VideoSource",
    };
    let path = format!("internal://{}.{}", m.guid, m.extension);
    let attrs = [
        ("guid", Some(m.guid.as_str())),
        ("name", Some(m.name.as_str())),
        ("path", Some(path.as_str())),
        ("creatingUser", m.creating_user.as_deref()),
        ("creationDateTime", m.creation_date.as_deref()),
    ];
    let t = &m.transcript;
    let text = p.source(&t.source_guid).and_then(|s| s.text.as_deref());
    let text_path = text.map(|_| format!("internal://{}.txt", t.source_guid));
    let index = text.map(UnitIndex::new);
    w.start(element, &attrs);
    let transcript_attrs =
        [("guid", Some(t.guid.as_str())), ("name", Some(t.name.as_str())), ("plainTextPath", text_path.as_deref())];
    w.element("Transcript", &transcript_attrs, !t.sync_points.is_empty(), |w| {
        for sp in &t.sync_points {
            let position = index.as_ref().map_or(sp.position.to_usize(), |i| i.byte_to_char(sp.position)).to_string();
            let time = sp.time_ms.to_string();
            w.empty(
                "SyncPoint",
                &[("guid", Some(sp.guid.as_str())), ("timeStamp", Some(time.as_str())), ("position", Some(&position))],
            );
        }
    });
    w.end(element);
}

/// Writes a `.qdpx`: exactly `project.qde`, `sources/<GUID>.txt` (UTF-8, the canonical text,
/// no BOM) for each source with text and `sources/<GUID>.<extension>` for each recording. Positions are written as Unicode code points over that
/// text, end exclusive. Refuses projects with non-GUID ids, duplicate GUIDs, dangling
/// references, bad colours or spans that do not fit their text.
pub fn write_qdpx(project: &RefiProject) -> Result<Vec<u8>, RefiError> {
    check_project(project)?;
    let xml = project_xml(project);
    let mut entries: Vec<(String, &[u8], bool)> = vec![("project.qde".to_owned(), xml.as_bytes(), true)];
    for s in &project.sources {
        if let Some(text) = &s.text {
            entries.push((format!("sources/{}.txt", s.guid), text.as_bytes(), true));
        }
    }
    for m in &project.media {
        // Recordings are compressed already: stored as they are.
        entries.push((format!("sources/{}.{}", m.guid, m.extension), &m.bytes, false));
    }
    write_zip(&entries)
}

/// Writes a `.qdc` codebook (`Codebook.xsd`): the code tree and, optionally, sets of codes
/// (only their `member_codes` are written; a set without members is still valid).
pub fn write_qdc(origin: Option<&str>, codes: &[RefiCode], sets: &[RefiSet]) -> Result<Vec<u8>, RefiError> {
    let mut ck = Checker { seen: HashSet::new() };
    let mut all = Vec::new();
    collect_codes(codes, &mut all);
    if all.is_empty() {
        return Err(RefiErrorKind::InvalidValue("a codebook needs at least one code".into()).into());
    }
    for c in &all {
        ck.guid(|| format!("code {:?}", c.name), &c.guid)?;
        if let Some(color) = &c.color {
            if !is_color(color) {
                return Err(RefiErrorKind::InvalidColor { code: c.name.clone(), color: color.clone() }.into());
            }
        }
    }
    let code_set: HashSet<&str> = all.iter().map(|c| c.guid.as_str()).collect();
    for s in sets {
        ck.guid(|| format!("set {:?}", s.name), &s.guid)?;
        s.member_codes.iter().try_for_each(|r| check_ref(&code_set, || format!("set {:?}", s.name), r))?;
    }
    let mut w = W { out: String::new(), depth: 0 };
    w.out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    w.start("CodeBook", &[("xmlns", Some(CODEBOOK_NAMESPACE)), ("origin", origin)]);
    w.start("Codes", &[]);
    for c in codes {
        write_code(&mut w, c, false);
    }
    w.end("Codes");
    if !sets.is_empty() {
        w.start("Sets", &[]);
        for s in sets {
            w.element(
                "Set",
                &[("guid", Some(&s.guid)), ("name", Some(&s.name))],
                s.description.is_some() || !s.member_codes.is_empty(),
                |w| {
                    w.opt_text("Description", &s.description);
                    for m in &s.member_codes {
                        w.empty("MemberCode", &[("guid", Some(m))]);
                    }
                },
            );
        }
        w.end("Sets");
    }
    w.end("CodeBook");
    w.out.push('\n');
    Ok(w.out.into_bytes())
}
