//! Lenient reading: `.qdpx` archives, bare `.qde` files and `.qdc` codebooks.

use std::collections::{BTreeMap, HashMap, HashSet};

use idiograph_text::{normalize, Span};

use crate::error::{DiagnosticKind, RefiDiagnostic, RefiError, RefiErrorKind};
use crate::model::*;
use crate::units::{mid_word, PositionProblem, PositionUnit, TextMap};
use crate::write::{is_color, is_guid, mirror_of_notes};
use crate::xml::{decode_xml, parse, Element};
use crate::zipio::Archive;

/// Bounds on what an archive may unpack to (zip bombs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most entries an archive may list.
    pub max_entries: usize,
    /// Most bytes one entry may unpack to.
    pub max_entry_bytes: u64,
    /// Most bytes all entries read may unpack to together.
    pub max_total_bytes: u64,
    /// Most bytes one recording (an audio or video source's file) may unpack to; recordings
    /// are counted apart from texts.
    pub max_media_bytes: u64,
}

impl Default for ReadLimits {
    /// 100,000 entries; 50 MB per entry, the size limit of an imported transcript (a larger
    /// source text would be refused anyway, so reading stops there); 100 MB in all. Every text
    /// read stays in memory until the project is built, so these bound `from-qdpx`'s memory.
    /// A recording may be 1 GiB, the most a recording attached to a transcript may be.
    fn default() -> Self {
        ReadLimits {
            max_entries: 100_000,
            max_entry_bytes: 50_000_000,
            max_total_bytes: 100_000_000,
            max_media_bytes: 1 << 30,
        }
    }
}

/// How to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Archive limits.
    pub limits: ReadLimits,
    /// Force a position unit instead of choosing one from `origin` and verifying it.
    pub unit: Option<PositionUnit>,
}

type Diags = Vec<RefiDiagnostic>;
/// Gives the bytes of a file the project names (by its path as written), `None` when it is not
/// there; the flag says whether it is a recording (read under the media limit).
type Resolver<'r> = dyn FnMut(&str, bool) -> Result<Option<Vec<u8>>, RefiError> + 'r;

/// Reads a `.qdpx` archive. `file_name` only names the file in errors.
pub fn read_qdpx(bytes: &[u8], file_name: &str) -> Result<(RefiProject, Vec<RefiDiagnostic>), RefiError> {
    read_qdpx_with(bytes, file_name, ReadOptions::default())
}

/// Reads a `.qdpx` archive with explicit options.
pub fn read_qdpx_with(
    bytes: &[u8],
    file_name: &str,
    options: ReadOptions,
) -> Result<(RefiProject, Vec<RefiDiagnostic>), RefiError> {
    read_archive(bytes, options).map_err(|e| e.in_file(file_name))
}

fn read_archive(bytes: &[u8], options: ReadOptions) -> Result<(RefiProject, Diags), RefiError> {
    let mut archive = Archive::open(bytes, options.limits)?;
    let mut diags = Vec::new();
    // The project file: `project.qde`, else any `.qde` at the root (ATLAS.ti names it after
    // the project).
    let root_qdes: Vec<(usize, String)> = archive
        .names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_ref().map(|n| (i, n.clone())))
        .filter(|(_, n)| !n.contains('/') && n.to_lowercase().ends_with(".qde"))
        .collect();
    let (qde_index, qde_name) = root_qdes
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case("project.qde"))
        .or_else(|| root_qdes.first())
        .cloned()
        .ok_or(RefiErrorKind::MissingProjectQde)?;
    if qde_name != "project.qde" {
        diags.push(RefiDiagnostic::new(
            DiagnosticKind::Lenient,
            format!("the project file is named \"{qde_name}\", not \"project.qde\"; read it all the same"),
        ));
    }
    for (_, other) in root_qdes.iter().filter(|(i, _)| *i != qde_index) {
        diags.push(RefiDiagnostic::new(
            DiagnosticKind::NotImported,
            format!("a second project file {other:?} is in the archive; only \"{qde_name}\" was read"),
        ));
    }
    let xml = archive.read(qde_index)?;
    let mut used: HashSet<usize> = HashSet::from([qde_index]);
    let mut capitalised = false;
    let (project, mut more) = {
        let mut resolve = |path: &str, media: bool| -> Result<Option<Vec<u8>>, RefiError> {
            let name = path_file_name(path);
            let stripped = strip_scheme(path);
            let candidates = [format!("sources/{name}"), name.to_owned(), stripped.to_owned()];
            for candidate in candidates.iter() {
                if let Some(i) = archive.find(candidate) {
                    if archive.names[i].as_deref().is_some_and(|n| n.starts_with("Sources/")) {
                        capitalised = true;
                    }
                    used.insert(i);
                    return if media { archive.read_media(i) } else { archive.read(i) }.map(Some);
                }
            }
            Ok(None)
        };
        read_project(&xml, options, &mut resolve)?
    };
    diags.append(&mut more);
    if capitalised {
        diags.push(RefiDiagnostic::new(
            DiagnosticKind::Lenient,
            "source files are in \"Sources/\" (capital S) rather than \"sources/\"",
        ));
    }
    for (i, name) in archive.names.iter().enumerate() {
        let Some(name) = name else { continue };
        if used.contains(&i) {
            continue;
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".docx") || lower.ends_with(".rtf") || lower.ends_with(".odt") {
            continue; // rich-text versions: reported once by read_project
        }
        if project_mentions(&project.1, name) {
            continue;
        }
        diags.push(RefiDiagnostic::new(
            DiagnosticKind::Lenient,
            format!("archive entry \"{name}\" is not a source text of the project; ignored"),
        ));
    }
    Ok((project.0, diags))
}

/// Whether a diagnostic already names this entry's file (a source that was not imported).
fn project_mentions(mentioned: &HashSet<String>, entry: &str) -> bool {
    mentioned.contains(&path_file_name(entry).to_lowercase())
}

fn strip_scheme(path: &str) -> &str {
    for scheme in ["internal://", "relative:///", "relative://", "absolute:///", "absolute://", "file:///", "file://"] {
        if let Some(rest) = path.strip_prefix(scheme) {
            return rest;
        }
        if path.len() >= scheme.len() && path[..scheme.len()].eq_ignore_ascii_case(scheme) {
            return &path[scheme.len()..];
        }
    }
    path
}

fn path_file_name(path: &str) -> &str {
    let p = strip_scheme(path);
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

/// Reads a bare `.qde` project file. Source texts can only come from `PlainTextContent`;
/// sources whose text lives in files keep their selections' file positions (see
/// [`RefiSource::text`]).
pub fn read_qde(xml: &[u8]) -> Result<(RefiProject, Vec<RefiDiagnostic>), RefiError> {
    read_qde_with(xml, ReadOptions::default(), &mut |_| None)
}

/// Reads a bare `.qde`, asking `resolve` for the bytes of each source text the project refers
/// to (it gets the path as written, e.g. `internal://<GUID>.txt` or `relative:///a.txt`).
pub fn read_qde_with(
    xml: &[u8],
    options: ReadOptions,
    resolve: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<(RefiProject, Vec<RefiDiagnostic>), RefiError> {
    let mut r = |path: &str, _media: bool| Ok(resolve(path));
    read_project(xml, options, &mut r).map(|((p, _), d)| (p, d))
}

/// What [`read_qdc`] gives: the code tree, the sets of codes, and remarks.
pub type QdcRead = (Vec<RefiCode>, Vec<RefiSet>, Vec<RefiDiagnostic>);

/// Reads a `.qdc` codebook: its code tree and sets of codes.
pub fn read_qdc(bytes: &[u8]) -> Result<QdcRead, RefiError> {
    let text = decode_xml(bytes)?;
    let root = parse(&text)?;
    if root.name != "CodeBook" {
        return Err(RefiErrorKind::WrongRoot { found: root.name.clone(), expected: "CodeBook" }.into());
    }
    let mut cx = Context::default();
    check_namespace(&mut cx, &root, "urn:QDA-XML:codebook");
    let codes = root.child("Codes").map(|c| cx.codes(c)).unwrap_or_default();
    let code_map = cx.code_map(&codes);
    let mut sets = Vec::new();
    for s in root.child("Sets").into_iter().flat_map(|s| s.children_named("Set")) {
        let Some(guid) = cx.register(s, "set") else { continue };
        let mut set = RefiSet {
            guid,
            name: s.attr("name").unwrap_or("").to_owned(),
            description: s.child_text("Description"),
            ..RefiSet::default()
        };
        for m in s.children_named("MemberCode") {
            let target = m.attr("guid").or_else(|| m.attr("targetGUID")).unwrap_or("");
            match code_map.get(&key(target)) {
                Some(g) => set.member_codes.push(g.clone()),
                None => cx.skip(format!("set \"{}\" names unknown code \"{target}\"; member dropped", set.name)),
            }
        }
        sets.push(set);
    }
    Ok((codes, sets, cx.diags))
}

fn key(guid: &str) -> String {
    guid.trim().trim_start_matches('{').trim_end_matches('}').to_ascii_lowercase()
}

fn check_namespace(cx: &mut Context, root: &Element, expected: &str) {
    match root.ns.as_deref() {
        Some(ns) if ns == format!("{expected}:1.0") => {}
        Some(ns) if ns.starts_with(expected) => {
            cx.lenient(format!("namespace written {ns:?} instead of \"{expected}:1.0\"; read as version 1.0"))
        }
        Some(ns) => cx.lenient(format!("unexpected namespace {ns:?}; read as REFI-QDA 1.0")),
        None => cx.lenient("no REFI-QDA namespace declared; read as REFI-QDA 1.0"),
    }
}

/// A selection as found in the file, before positions are converted.
struct RawSelection {
    selection: RefiSelection,
    start: Option<i128>,
    end: Option<i128>,
}

struct RawSource {
    source: RefiSource,
    raw_text: Option<String>,
    selections: Vec<RawSelection>,
    /// Its `plainTextPath`'s file name, lower-cased: how a recording's transcript names it.
    text_file: Option<String>,
    /// Sync points of a recording's transcript of this text: (recording, GUID, time, position
    /// as written).
    sync: Vec<(usize, String, u64, Option<i128>)>,
}

/// An audio or video source whose transcript names a text source, before it is matched.
struct RawMedia<'e> {
    element: &'e Element,
    media: RefiMedia,
    /// The transcript's `plainTextPath`.
    text_path: String,
}

#[derive(Default)]
struct Context {
    diags: Diags,
    /// Lower-cased GUID → the kind of object that has it.
    guids: HashMap<String, &'static str>,
    non_guid_ids: usize,
    unknown_users: usize,
    users: HashMap<String, String>,
    mentioned_files: HashSet<String>,
}

impl Context {
    fn lenient(&mut self, m: impl Into<String>) {
        self.diags.push(RefiDiagnostic::new(DiagnosticKind::Lenient, m));
    }
    fn skip(&mut self, m: impl Into<String>) {
        self.diags.push(RefiDiagnostic::new(DiagnosticKind::Skipped, m));
    }
    fn not_imported(&mut self, m: impl Into<String>) {
        self.diags.push(RefiDiagnostic::new(DiagnosticKind::NotImported, m));
    }

    /// Registers an object's GUID; `None` (with a diagnostic) when missing or a duplicate.
    fn register(&mut self, e: &Element, kind: &'static str) -> Option<String> {
        let label = e.attr("name").map(|n| format!(" \"{n}\"")).unwrap_or_default();
        let Some(guid) = e.attr("guid").map(|g| g.trim().to_owned()).filter(|g| !g.is_empty()) else {
            self.skip(format!("{kind}{label} has no guid; skipped"));
            return None;
        };
        if !is_guid(&guid) {
            self.non_guid_ids += 1;
        }
        if let Some(first) = self.guids.get(&key(&guid)) {
            self.skip(format!("duplicate GUID {guid}: {kind}{label} has the GUID of an earlier {first}; skipped"));
            return None;
        }
        self.guids.insert(key(&guid), kind);
        Some(guid)
    }

    fn user(&mut self, e: &Element, attr: &str) -> Option<String> {
        let u = e.attr(attr)?;
        match self.users.get(&key(u)) {
            Some(g) => Some(g.clone()),
            None => {
                self.unknown_users += 1;
                None
            }
        }
    }

    fn codes(&mut self, parent: &Element) -> Vec<RefiCode> {
        let mut out = Vec::new();
        for c in parent.children_named("Code") {
            let Some(guid) = self.register(c, "code") else { continue };
            let name = c.attr("name").unwrap_or("").to_owned();
            let is_codable = match c.attr("isCodable").map(str::trim) {
                Some("true") | Some("1") => true,
                Some("false") | Some("0") => false,
                other => {
                    self.lenient(format!("code \"{name}\" has isCodable={other:?}; taken as codable"));
                    true
                }
            };
            let color = match c.attr("color") {
                Some(col) if is_color(col.trim()) => Some(col.trim().to_owned()),
                Some(col) => {
                    self.lenient(format!("code \"{name}\" has colour \"{col}\", not #RRGGBB; colour dropped"));
                    None
                }
                None => None,
            };
            let children = self.codes(c);
            out.push(RefiCode {
                guid,
                name,
                description: c.child_text("Description"),
                color,
                is_codable,
                note_refs: c
                    .children_named("NoteRef")
                    .filter_map(|n| n.attr("targetGUID").map(str::to_owned))
                    .collect(),
                children,
            });
        }
        out
    }

    fn code_map(&self, codes: &[RefiCode]) -> HashMap<String, String> {
        let mut map = HashMap::new();
        fn walk(codes: &[RefiCode], map: &mut HashMap<String, String>) {
            for c in codes {
                map.insert(key(&c.guid), c.guid.clone());
                walk(&c.children, map);
            }
        }
        walk(codes, &mut map);
        map
    }
}

/// Lower-cased GUID → GUID as spelled, for each kind of target.
#[derive(Default)]
struct Targets {
    codes: HashMap<String, String>,
    notes: HashMap<String, String>,
    sources: HashMap<String, String>,
    selections: HashMap<String, String>,
    variables: HashMap<String, String>,
}

fn resolve_refs(
    cx: &mut Context,
    map: &HashMap<String, String>,
    refs: &[String],
    what: &str,
    target: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for r in refs {
        match map.get(&key(r)) {
            Some(g) => out.push(g.clone()),
            None => cx.skip(format!("{what} refers to unknown {target} {r}; reference dropped")),
        }
    }
    out
}

fn refs_of(e: &Element, name: &str) -> Vec<String> {
    e.children_named(name).filter_map(|n| n.attr("targetGUID").map(str::to_owned)).collect()
}

fn count_descendants(e: &Element, pred: &dyn Fn(&str) -> bool) -> usize {
    e.children.iter().map(|c| usize::from(pred(&c.name)) + count_descendants(c, pred)).sum()
}

fn parse_position(s: Option<&str>) -> Option<i128> {
    s.and_then(|v| v.trim().parse::<i128>().ok())
}

fn decode_text(bytes: &[u8], what: &str, cx: &mut Context, bom_seen: &mut usize) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        *bom_seen += 1;
        return match std::str::from_utf8(rest) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                cx.lenient(format!("{what}: text is not valid UTF-8; undecodable bytes replaced by U+FFFD"));
                String::from_utf8_lossy(rest).into_owned()
            }
        };
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let le = bytes[0] == 0xFF;
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        cx.lenient(format!("{what}: text is UTF-16, not UTF-8 as the standard asks; decoded"));
        return String::from_utf16_lossy(&units);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            cx.lenient(format!("{what}: text is not valid UTF-8; undecodable bytes replaced by U+FFFD"));
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

type ProjectRead = ((RefiProject, HashSet<String>), Diags);

fn read_project(xml: &[u8], options: ReadOptions, resolve: &mut Resolver<'_>) -> Result<ProjectRead, RefiError> {
    let text = decode_xml(xml)?;
    let root = parse(&text)?;
    if root.name != "Project" {
        return Err(RefiErrorKind::WrongRoot { found: root.name.clone(), expected: "Project" }.into());
    }
    let mut cx = Context::default();
    if xml.starts_with(b"\xEF\xBB\xBF") {
        cx.lenient("the project file starts with a byte-order mark; ignored");
    }
    if !text.trim_start().starts_with("<?xml") {
        cx.lenient("the project file has no XML declaration; read as UTF-8");
    }
    check_namespace(&mut cx, &root, "urn:QDA-XML:project");
    let name = match root.attr("name") {
        Some(n) => n.to_owned(),
        None => {
            cx.lenient("the project has no name");
            String::new()
        }
    };
    let origin = root.attr("origin").map(str::to_owned);

    // Users first: everything else refers to them.
    let mut users = Vec::new();
    for u in root.child("Users").into_iter().flat_map(|u| u.children_named("User")) {
        if let Some(guid) = cx.register(u, "user") {
            cx.users.insert(key(&guid), guid.clone());
            users.push(RefiUser { guid, name: u.attr("name").unwrap_or("").to_owned() });
        }
    }
    let mut codes = root.child("CodeBook").and_then(|cb| cb.child("Codes")).map(|c| cx.codes(c)).unwrap_or_default();
    let mut targets = Targets { codes: cx.code_map(&codes), ..Targets::default() };

    let mut variables = Vec::new();
    for v in root.child("Variables").into_iter().flat_map(|v| v.children_named("Variable")) {
        let Some(guid) = cx.register(v, "variable") else { continue };
        let vname = v.attr("name").unwrap_or("").to_owned();
        let kind = match v.attr("typeOfVariable").and_then(RefiVariableType::parse) {
            Some(k) => k,
            None => {
                cx.lenient(format!(
                    "variable \"{vname}\" has typeOfVariable={:?}; taken as Text",
                    v.attr("typeOfVariable")
                ));
                RefiVariableType::Text
            }
        };
        targets.variables.insert(key(&guid), guid.clone());
        variables.push(RefiVariable { guid, name: vname, kind, description: v.child_text("Description") });
    }

    // Notes.
    let mut notes = Vec::new();
    let mut bom_texts = 0usize;
    let mut crlf_texts = 0usize;
    for n in root.child("Notes").into_iter().flat_map(|n| n.children_named("Note")) {
        let Some(guid) = cx.register(n, "note") else { continue };
        let nname = n.attr("name").map(str::to_owned);
        let what = format!("note \"{}\"", nname.as_deref().unwrap_or(&guid));
        let raw = if let Some(t) = n.child_text("PlainTextContent") {
            Some(t)
        } else if let Some(path) = n.attr("plainTextPath") {
            cx.mentioned_files.insert(path_file_name(path).to_lowercase());
            resolve(path, false)?.map(|b| decode_text(&b, &what, &mut cx, &mut bom_texts))
        } else {
            None
        };
        let text = match raw {
            Some(t) => normalize(&t),
            None => {
                cx.not_imported(format!("{what} ({guid}): its text was not found; imported with an empty text"));
                String::new()
            }
        };
        let selections = count_descendants(n, &|s: &str| s == "PlainTextSelection");
        if selections > 0 {
            cx.not_imported(format!(
                "{what}: {selections} selections inside the note (codings of memo text) not imported"
            ));
        }
        targets.notes.insert(key(&guid), guid.clone());
        notes.push(RefiNote {
            guid,
            name: nname,
            text,
            description: n.child_text("Description"),
            creating_user: cx.user(n, "creatingUser"),
            creation_date: n.attr("creationDateTime").map(str::to_owned),
        });
    }

    // Sources.
    let mut raw_sources: Vec<RawSource> = Vec::new();
    let mut nameless = 0usize;
    let mut rich_text = 0usize;
    let mut dropped: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut raw_media: Vec<RawMedia<'_>> = Vec::new();
    for s in root.child("Sources").into_iter().flat_map(|s| s.children.iter()) {
        let label = s.attr("name").filter(|n| !n.is_empty()).unwrap_or("(unnamed)").to_owned();
        let guid_label = s.attr("guid").unwrap_or("?");
        // A recording whose transcript is a text source's file waits until every text source
        // is read.
        if let Some(media) =
            ["AudioSource", "VideoSource"].contains(&s.name.as_str()).then(|| media_with_transcript(s)).flatten()
        {
            raw_media.push(media);
            continue;
        }
        match s.name.as_str() {
            "TextSource" => {}
            "PictureSource" | "PDFSource" | "AudioSource" | "VideoSource" => {
                for attr in ["path", "currentPath", "plainTextPath", "richTextPath"] {
                    if let Some(p) = s.attr(attr) {
                        cx.mentioned_files.insert(path_file_name(p).to_lowercase());
                    }
                }
                let mut rep_paths = Vec::new();
                collect_paths(s, &mut rep_paths);
                for p in rep_paths {
                    cx.mentioned_files.insert(path_file_name(&p).to_lowercase());
                }
                let kind = match s.name.as_str() {
                    "PictureSource" => "picture",
                    "PDFSource" => "PDF",
                    "AudioSource" => "audio",
                    _ => "video",
                };
                *dropped.entry(kind).or_default() += 1;
                let sels = count_descendants(s, &|n: &str| n.ends_with("Selection"));
                let codings = count_descendants(s, &|n: &str| n == "Coding");
                let transcripts = count_descendants(s, &|n: &str| {
                    n == "Transcript" || n == "Representation" || n == "TextDescription"
                });
                let mut detail = format!("{sels} selections and {codings} codings on it");
                if transcripts > 0 {
                    detail.push_str(&format!(", and {transcripts} transcripts or text representations"));
                }
                cx.not_imported(format!(
                    "{kind} source \"{label}\" ({guid_label}) not imported: Idiograph imports text sources only; dropped with it: {detail}"
                ));
                continue;
            }
            other => {
                cx.not_imported(format!("unknown source element <{other}> \"{label}\" not imported"));
                continue;
            }
        }
        let Some(guid) = cx.register(s, "source") else { continue };
        let plain_path = s.attr("plainTextPath").map(str::to_owned);
        if let Some(p) = &plain_path {
            cx.mentioned_files.insert(path_file_name(p).to_lowercase());
        }
        if let Some(p) = s.attr("richTextPath") {
            cx.mentioned_files.insert(path_file_name(p).to_lowercase());
            rich_text += 1;
        }
        let sname = match s.attr("name").filter(|n| !n.is_empty()) {
            Some(n) => n.to_owned(),
            None => {
                nameless += 1;
                plain_path.as_deref().map(|p| path_file_name(p).to_owned()).unwrap_or_else(|| guid.clone())
            }
        };
        let what = format!("source \"{sname}\"");
        let raw_text = if let Some(t) = s.child_text("PlainTextContent") {
            Some(t)
        } else if let Some(path) = &plain_path {
            resolve(path, false)?.map(|b| decode_text(&b, &what, &mut cx, &mut bom_texts))
        } else {
            None
        };
        if let Some(t) = &raw_text {
            if t.contains('\r') {
                crlf_texts += 1;
            }
        }
        let mut selections = Vec::new();
        for sel in s.children_named("PlainTextSelection") {
            let Some(sguid) = cx.register(sel, "selection") else { continue };
            let codings = codings_of(&mut cx, sel, &targets, &format!("selection {sguid} in {what}"));
            targets.selections.insert(key(&sguid), sguid.clone());
            selections.push(RawSelection {
                start: parse_position(sel.attr("startPosition")),
                end: parse_position(sel.attr("endPosition")),
                selection: RefiSelection {
                    guid: sguid,
                    name: sel.attr("name").map(str::to_owned),
                    span: Span::from_bounds(0.into(), 0.into()),
                    description: sel.child_text("Description"),
                    codings,
                    note_refs: refs_of(sel, "NoteRef"),
                    creating_user: cx.user(sel, "creatingUser"),
                    creation_date: sel.attr("creationDateTime").map(str::to_owned),
                },
            });
        }
        let codings = codings_of(&mut cx, s, &targets, &what);
        let variables = values_of(&mut cx, s, &targets, &what);
        if raw_text.is_none() {
            let where_ = plain_path.as_deref().unwrap_or("no plainTextPath nor PlainTextContent");
            cx.not_imported(format!(
                "text of {what} ({guid}) not found ({where_}); the source is kept without text and its {} selections keep their positions unconverted",
                selections.len()
            ));
        }
        targets.sources.insert(key(&guid), guid.clone());
        raw_sources.push(RawSource {
            source: RefiSource {
                guid,
                name: sname,
                description: s.child_text("Description"),
                text: None,
                selections: Vec::new(),
                codings,
                note_refs: refs_of(s, "NoteRef"),
                variables,
                creating_user: cx.user(s, "creatingUser"),
                creation_date: s.attr("creationDateTime").map(str::to_owned),
            },
            raw_text,
            selections,
            text_file: plain_path.as_deref().map(|p| path_file_name(p).to_lowercase()),
            sync: Vec::new(),
        });
    }
    let media = match_media(&mut cx, raw_media, &mut raw_sources, resolve, &mut dropped)?;
    if nameless > 0 {
        cx.lenient(format!("{nameless} text sources had no name; named after their text file"));
    }
    if rich_text > 0 {
        cx.not_imported(format!(
            "the rich-text versions (richTextPath, e.g. .docx) of {rich_text} sources were not imported; their plain text was used"
        ));
    }
    if bom_texts > 0 {
        cx.lenient(format!("{bom_texts} texts start with a byte-order mark; removed (not counted in positions)"));
    }
    if crlf_texts > 0 {
        cx.lenient(format!("{crlf_texts} source texts have CRLF line ends; converted to LF"));
    }

    // Links: a note linked to a selection, source or code becomes a note reference.
    let mut extra_note_refs: Vec<(String, String)> = Vec::new();
    for l in root.child("Links").into_iter().flat_map(|l| l.children_named("Link")) {
        let lname = l.attr("name").unwrap_or("").to_owned();
        let (o, t) = (l.attr("originGUID").map(key), l.attr("targetGUID").map(key));
        let pair = match (o, t) {
            (Some(o), Some(t)) if targets.notes.contains_key(&o) => Some((t, o)),
            (Some(o), Some(t)) if targets.notes.contains_key(&t) => Some((o, t)),
            _ => None,
        };
        let attached = pair.and_then(|(object, note)| {
            let attachable = targets.selections.contains_key(&object)
                || targets.sources.contains_key(&object)
                || targets.codes.contains_key(&object);
            attachable.then(|| (object, targets.notes[&note].clone()))
        });
        match attached {
            Some((object, note)) => {
                cx.lenient(format!("link \"{lname}\" between a note and another object read as a note reference"));
                extra_note_refs.push((object, note));
            }
            None => cx.not_imported(format!(
                "link \"{lname}\" ({}) from {} to {} not imported: links are only kept between a note and a text selection, text source or code",
                l.attr("guid").unwrap_or("?"),
                l.attr("originGUID").unwrap_or("?"),
                l.attr("targetGUID").unwrap_or("?")
            )),
        }
    }
    for (object, note) in extra_note_refs {
        if let Some(sel) =
            raw_sources.iter_mut().flat_map(|s| s.selections.iter_mut()).find(|s| key(&s.selection.guid) == object)
        {
            sel.selection.note_refs.push(note);
        } else if let Some(src) = raw_sources.iter_mut().find(|s| key(&s.source.guid) == object) {
            src.source.note_refs.push(note);
        } else {
            add_code_note(&mut codes, &object, note);
        }
    }

    // Cases.
    let mut cases = Vec::new();
    for c in root.child("Cases").into_iter().flat_map(|c| c.children_named("Case")) {
        let Some(guid) = cx.register(c, "case") else { continue };
        let cname = c.attr("name").unwrap_or("").to_owned();
        let what = format!("case \"{cname}\"");
        let code_refs = resolve_refs(&mut cx, &targets.codes, &refs_of(c, "CodeRef"), &what, "code");
        let source_refs =
            resolve_refs(&mut cx, &targets.sources, &refs_of(c, "SourceRef"), &what, "or not imported source");
        let selection_refs =
            resolve_refs(&mut cx, &targets.selections, &refs_of(c, "SelectionRef"), &what, "or not imported selection");
        let variables = values_of(&mut cx, c, &targets, &what);
        cases.push(RefiCase {
            guid,
            name: cname,
            description: c.child_text("Description"),
            code_refs,
            variables,
            source_refs,
            selection_refs,
        });
    }

    // Sets.
    let mut sets = Vec::new();
    for s in root.child("Sets").into_iter().flat_map(|s| s.children_named("Set")) {
        let Some(guid) = cx.register(s, "set") else { continue };
        let sname = s.attr("name").unwrap_or("").to_owned();
        let members = |name: &str| -> Vec<String> {
            s.children_named(name)
                .filter_map(|m| m.attr("targetGUID").or_else(|| m.attr("guid")).map(str::to_owned))
                .collect()
        };
        let (mc, ms, mn) = (members("MemberCode"), members("MemberSource"), members("MemberNote"));
        let total = mc.len() + ms.len() + mn.len();
        let pick = |map: &HashMap<String, String>, v: &[String]| -> Vec<String> {
            v.iter().filter_map(|r| map.get(&key(r)).cloned()).collect()
        };
        let set = RefiSet {
            guid,
            description: s.child_text("Description"),
            member_codes: pick(&targets.codes, &mc),
            member_sources: pick(&targets.sources, &ms),
            member_notes: pick(&targets.notes, &mn),
            name: sname.clone(),
        };
        let kept = set.member_codes.len() + set.member_sources.len() + set.member_notes.len();
        if kept < total {
            cx.not_imported(format!(
                "set \"{sname}\": {} of its {total} members are not imported objects (e.g. pictures, PDFs, media) or unknown; those members dropped",
                total - kept
            ));
        }
        sets.push(set);
    }

    if let Some(g) = root.child("Graphs") {
        let graphs = g.children_named("Graph").count();
        cx.not_imported(format!("{graphs} graphs (network views) not imported"));
    }
    let known = [
        "Users",
        "CodeBook",
        "Variables",
        "Cases",
        "Sources",
        "Notes",
        "Links",
        "Sets",
        "Graphs",
        "Description",
        "NoteRef",
    ];
    for c in &root.children {
        if !known.contains(&c.name.as_str()) {
            cx.lenient(format!("unknown element <{}> in the project ignored", c.name));
        }
    }
    if let Some(n) = dropped.values().copied().reduce(|a, b| a + b) {
        let list: Vec<String> = dropped.iter().map(|(k, v)| format!("{v} {k}")).collect();
        cx.not_imported(format!("in all, {n} non-text sources were not imported ({})", list.join(", ")));
    }

    // Note references everywhere.
    let project_note_refs = resolve_refs(&mut cx, &targets.notes, &refs_of(&root, "NoteRef"), "the project", "note");
    fix_code_notes(&mut cx, &mut codes, &targets);
    for rs in &mut raw_sources {
        let what = format!("source \"{}\"", rs.source.name);
        rs.source.note_refs = resolve_refs(&mut cx, &targets.notes, &rs.source.note_refs, &what, "note");
        for sel in &mut rs.selections {
            let w = format!("selection {} in {what}", sel.selection.guid);
            sel.selection.note_refs = resolve_refs(&mut cx, &targets.notes, &sel.selection.note_refs, &w, "note");
            for c in &mut sel.selection.codings {
                c.note_refs = resolve_refs(&mut cx, &targets.notes, &c.note_refs, &w, "note");
            }
        }
        for c in &mut rs.source.codings {
            c.note_refs = resolve_refs(&mut cx, &targets.notes, &c.note_refs, &what, "note");
        }
    }

    // Positions.
    let (sources, sync_points) = convert_positions(&mut cx, raw_sources, origin.as_deref(), options.unit);
    let mut media = media;
    for (m, point) in sync_points {
        media[m].transcript.sync_points.push(point);
    }

    if cx.non_guid_ids > 0 {
        cx.lenient(format!(
            "{} identifiers are not GUIDs; kept as they are (a project exported again needs new ones)",
            cx.non_guid_ids
        ));
    }
    if cx.unknown_users > 0 {
        cx.skip(format!("{} references to users not listed in <Users> dropped", cx.unknown_users));
    }

    let creating_user = root.attr("creatingUserGUID").and_then(|u| cx.users.get(&key(u)).cloned());
    let mut project = RefiProject {
        name,
        origin,
        creating_user,
        creation_date: root.attr("creationDateTime").map(str::to_owned),
        description: root.child_text("Description"),
        note_refs: project_note_refs,
        users,
        codes,
        variables,
        cases,
        sources,
        notes,
        sets,
        media,
    };
    // A Description that only mirrors the selection's notes (as this crate writes it) is not a
    // separate comment.
    let mirrors: Vec<(usize, usize)> = project
        .sources
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.selections.iter().enumerate().map(move |(j, sel)| (i, j, sel)))
        .filter(|(_, _, sel)| sel.description.is_some() && sel.description == mirror_of_notes(&project, &sel.note_refs))
        .map(|(i, j, _)| (i, j))
        .collect();
    for (i, j) in mirrors {
        project.sources[i].selections[j].description = None;
    }
    let mentioned = std::mem::take(&mut cx.mentioned_files);
    Ok(((project, mentioned), cx.diags))
}

fn collect_paths(e: &Element, out: &mut Vec<String>) {
    for c in &e.children {
        for attr in ["path", "plainTextPath", "richTextPath"] {
            if let Some(p) = c.attr(attr) {
                out.push(p.to_owned());
            }
        }
        collect_paths(c, out);
    }
}

fn add_code_note(codes: &mut [RefiCode], object: &str, note: String) -> bool {
    for c in codes {
        if key(&c.guid) == object {
            c.note_refs.push(note);
            return true;
        }
        if add_code_note(&mut c.children, object, note.clone()) {
            return true;
        }
    }
    false
}

fn fix_code_notes(cx: &mut Context, codes: &mut [RefiCode], targets: &Targets) {
    for c in codes {
        let what = format!("code \"{}\"", c.name);
        c.note_refs = resolve_refs(cx, &targets.notes, &c.note_refs, &what, "note");
        fix_code_notes(cx, &mut c.children, targets);
    }
}

fn codings_of(cx: &mut Context, e: &Element, targets: &Targets, what: &str) -> Vec<RefiCoding> {
    let mut out = Vec::new();
    for c in e.children_named("Coding") {
        let code = c.child("CodeRef").and_then(|r| r.attr("targetGUID")).unwrap_or("");
        let Some(code_guid) = targets.codes.get(&key(code)).cloned() else {
            cx.skip(format!(
                "coding {} on {what} refers to unknown code {code:?}; coding skipped",
                c.attr("guid").unwrap_or("?")
            ));
            continue;
        };
        let Some(guid) = cx.register(c, "coding") else { continue };
        out.push(RefiCoding {
            guid,
            code_guid,
            note_refs: refs_of(c, "NoteRef"),
            creating_user: cx.user(c, "creatingUser"),
            creation_date: c.attr("creationDateTime").map(str::to_owned),
        });
    }
    out
}

fn values_of(cx: &mut Context, e: &Element, targets: &Targets, what: &str) -> Vec<RefiVariableValue> {
    let mut out = Vec::new();
    for v in e.children_named("VariableValue") {
        let vref = v.child("VariableRef").and_then(|r| r.attr("targetGUID")).unwrap_or("");
        let Some(variable_guid) = targets.variables.get(&key(vref)).cloned() else {
            cx.skip(format!("a value on {what} refers to unknown variable {vref:?}; value skipped"));
            continue;
        };
        let value = v.children.iter().find_map(|c| {
            let t = c.text.trim();
            match c.name.as_str() {
                "TextValue" => Some(Some(RefiValue::Text(c.text.clone()))),
                "BooleanValue" => Some(match t {
                    "true" | "1" => Some(RefiValue::Boolean(true)),
                    "false" | "0" => Some(RefiValue::Boolean(false)),
                    _ => None,
                }),
                "IntegerValue" => Some(t.parse().ok().map(RefiValue::Integer)),
                "FloatValue" => Some(t.parse::<f64>().ok().filter(|f| f.is_finite()).map(RefiValue::Float)),
                "DateValue" => Some(Some(RefiValue::Date(t.to_owned()))),
                "DateTimeValue" => Some(Some(RefiValue::DateTime(t.to_owned()))),
                _ => None,
            }
        });
        match value.flatten() {
            Some(value) => out.push(RefiVariableValue { variable_guid, value }),
            None => cx.skip(format!("a value of variable {vref} on {what} is missing or malformed; skipped")),
        }
    }
    out
}

/// Chooses the position unit (expected from `origin`, verified on word boundaries) and turns
/// every selection into a canonical byte span.
fn convert_positions(
    cx: &mut Context,
    raw: Vec<RawSource>,
    origin: Option<&str>,
    forced: Option<PositionUnit>,
) -> (Vec<RefiSource>, Vec<(usize, RefiSyncPoint)>) {
    let mut maps: Vec<Option<TextMap>> = raw.iter().map(|s| s.raw_text.as_deref().map(TextMap::new)).collect();
    let total_sel: usize = raw.iter().zip(&maps).filter(|(_, m)| m.is_some()).map(|(s, _)| s.selections.len()).sum();
    let expected = PositionUnit::expected_for_origin(origin);
    let unit = match forced {
        Some(u) => {
            if total_sel > 0 {
                cx.diags.push(RefiDiagnostic::new(
                    DiagnosticKind::Positions,
                    format!("positions read as {} as requested, without verification", u.describe()),
                ));
            }
            u
        }
        None if total_sel == 0 => expected,
        None => {
            let mut misfits: Vec<(PositionUnit, usize)> = Vec::new();
            for unit in PositionUnit::ALL {
                let mut misfit = 0;
                for (s, map) in raw.iter().zip(maps.iter_mut()) {
                    let Some(map) = map else { continue };
                    for sel in &s.selections {
                        let (Some(a), Some(b)) = (sel.start, sel.end) else { continue };
                        let (Ok(a), Ok(b)) = (u64::try_from(a), u64::try_from(b)) else {
                            misfit += 2;
                            continue;
                        };
                        match map.span(unit, a, b) {
                            Ok(span) => {
                                misfit += usize::from(mid_word(map.canonical(), span.start()))
                                    + usize::from(mid_word(map.canonical(), span.end()));
                            }
                            Err(_) => misfit += 2,
                        }
                    }
                }
                misfits.push((unit, misfit));
            }
            let expected_misfit = misfits.iter().find(|(u, _)| *u == expected).map(|m| m.1).unwrap_or(0);
            let (best, best_misfit) =
                misfits.iter().copied().min_by_key(|&(u, m)| (m, u != expected)).unwrap_or((expected, 0));
            let ends = total_sel * 2;
            let clearly = best_misfit < expected_misfit
                && expected_misfit - best_misfit >= (ends / 20).max(2)
                && best_misfit * 3 <= expected_misfit * 2;
            let origin_label = origin.unwrap_or("unknown");
            if clearly {
                cx.diags.push(RefiDiagnostic::new(
                    DiagnosticKind::Positions,
                    format!(
                        "positions read as {} although the producing tool (\"{origin_label}\") is expected to count {}: \
                         that puts {} of {ends} selection ends inside words, {} does {}",
                        best.describe(),
                        expected.describe(),
                        expected_misfit,
                        best.describe(),
                        best_misfit
                    ),
                ));
                best
            } else {
                cx.diags.push(RefiDiagnostic::new(
                    DiagnosticKind::Positions,
                    format!(
                        "positions read as {} (expected for \"{origin_label}\"); {} of {ends} selection ends fall on word boundaries",
                        expected.describe(),
                        ends - expected_misfit.min(ends)
                    ),
                ));
                expected
            }
        }
    };

    let mut out = Vec::with_capacity(raw.len());
    let mut sync_points = Vec::new();
    for (rs, map) in raw.into_iter().zip(maps.iter_mut()) {
        let mut source = rs.source;
        for (m, guid, time_ms, position) in rs.sync {
            let at = position.and_then(|p| u64::try_from(p).ok());
            match (map.as_mut(), at) {
                (Some(map), Some(p)) => match map.span(unit, p, p) {
                    Ok(span) => sync_points.push((m, RefiSyncPoint { guid, time_ms, position: span.start() })),
                    Err(_) => cx.skip(format!(
                        "sync point {guid} of the transcript of \"{}\" at {p} is outside its text; skipped",
                        source.name
                    )),
                },
                _ => cx.skip(format!(
                    "sync point {guid} of the transcript of \"{}\" has no position; skipped",
                    source.name
                )),
            }
        }
        for sel in rs.selections {
            let label = format!("selection {} in source \"{}\"", sel.selection.guid, source.name);
            let (Some(a), Some(b)) = (sel.start, sel.end) else {
                cx.skip(format!("{label} has no valid startPosition/endPosition; skipped"));
                continue;
            };
            if a < 0 || b < 0 {
                cx.skip(format!("{label} has a negative position ({a}–{b}); skipped"));
                continue;
            }
            let (a, b) = (a as u64, b as u64);
            let mut selection = sel.selection;
            match map {
                Some(map) => match map.span(unit, a, b) {
                    Ok(span) => selection.span = span,
                    Err(PositionProblem::Reversed) => {
                        cx.skip(format!("{label} ends before it starts ({a}–{b}); skipped"));
                        continue;
                    }
                    Err(PositionProblem::OutOfText) => {
                        let len = map.len_in(unit);
                        let why = if b as usize > len || a as usize > len {
                            format!("reaches past the end of the text ({len} {})", unit_word(unit))
                        } else {
                            "falls inside a character".to_owned()
                        };
                        cx.skip(format!("{label} at {a}–{b} {why}; skipped"));
                        continue;
                    }
                },
                None => {
                    if a > b || b > u64::from(u32::MAX) {
                        cx.skip(format!("{label} has unusable positions {a}–{b}; skipped"));
                        continue;
                    }
                    selection.span = Span::from_bounds((a as u32).into(), (b as u32).into());
                }
            }
            source.selections.push(selection);
        }
        source.text = map.take().map(TextMap::into_canonical);
        out.push(source);
    }
    (out, sync_points)
}

/// An audio or video source with a file and a transcript in a text file: what can become the
/// recording of a transcript.
fn media_with_transcript(s: &Element) -> Option<RawMedia<'_>> {
    let path = s.attr("path")?;
    let transcript = s.child("Transcript")?;
    let text_path = transcript.attr("plainTextPath")?.to_owned();
    let file = path_file_name(path);
    let extension = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let kind = if s.name == "VideoSource" { RefiMediaKind::Video } else { RefiMediaKind::Audio };
    Some(RawMedia {
        element: s,
        text_path,
        media: RefiMedia {
            guid: s.attr("guid").unwrap_or("").to_owned(),
            name: s.attr("name").filter(|n| !n.is_empty()).unwrap_or(file).to_owned(),
            kind,
            extension,
            bytes: Vec::new(),
            transcript: RefiTranscript {
                guid: transcript.attr("guid").unwrap_or("").to_owned(),
                name: transcript.attr("name").unwrap_or("").to_owned(),
                source_guid: String::new(),
                sync_points: Vec::new(),
            },
            creating_user: None,
            creation_date: s.attr("creationDateTime").map(str::to_owned),
        },
    })
}

/// Each recording whose transcript is the text of a text source read, with its bytes; the others
/// are reported as not imported. Sync points are handed to their text source for conversion.
fn match_media(
    cx: &mut Context,
    raw: Vec<RawMedia<'_>>,
    sources: &mut [RawSource],
    resolve: &mut Resolver<'_>,
    dropped: &mut BTreeMap<&'static str, usize>,
) -> Result<Vec<RefiMedia>, RefiError> {
    let mut out = Vec::new();
    for RawMedia { element, mut media, text_path } in raw {
        let kind = if media.kind == RefiMediaKind::Video { "video" } else { "audio" };
        let path = element.attr("path").unwrap_or("");
        cx.mentioned_files.insert(path_file_name(path).to_lowercase());
        let text_file = path_file_name(&text_path).to_lowercase();
        let source = sources.iter_mut().find(|s| s.raw_text.is_some() && s.text_file.as_deref() == Some(&text_file));
        let why = match (source, cx.register(element, "source")) {
            (None, _) => format!("its transcript ({text_path}) is not a text source of the project"),
            (Some(_), None) => "its id cannot be used".to_owned(),
            (Some(source), Some(guid)) => match resolve(path, true)? {
                None => format!("its file ({path}) is not in the archive"),
                Some(bytes) => {
                    media.guid = guid;
                    media.bytes = bytes;
                    media.creating_user = cx.user(element, "creatingUser");
                    media.transcript.source_guid = source.source.guid.clone();
                    let transcript = element.child("Transcript");
                    for sp in transcript.into_iter().flat_map(|t| t.children_named("SyncPoint")) {
                        let time = sp.attr("timeStamp").and_then(|t| t.trim().parse::<u64>().ok());
                        let (Some(time), Some(guid)) = (time, cx.register(sp, "sync point")) else {
                            cx.skip(format!(
                                "a sync point of \"{}\" has no usable timeStamp or id; skipped",
                                media.name
                            ));
                            continue;
                        };
                        source.sync.push((out.len(), guid, time, parse_position(sp.attr("position"))));
                    }
                    let selections = count_descendants(element, &|n: &str| n.ends_with("Selection"));
                    if selections > 0 {
                        cx.not_imported(format!(
                            "{kind} source \"{}\": {selections} selections of the recording (times) not imported",
                            media.name
                        ));
                    }
                    out.push(media);
                    continue;
                }
            },
        };
        *dropped.entry(kind).or_default() += 1;
        cx.not_imported(format!("{kind} source \"{}\" not imported: {why}", media.name));
    }
    Ok(out)
}

fn unit_word(unit: PositionUnit) -> &'static str {
    match unit {
        PositionUnit::CodePoints | PositionUnit::CodePointsLf => "code points",
        PositionUnit::Utf16 | PositionUnit::Utf16Lf => "UTF-16 units",
        PositionUnit::Utf8Bytes => "bytes",
    }
}
