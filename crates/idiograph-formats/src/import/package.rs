//! Zip containers (`.docx`, `.odt`) read defensively, and the checks that tell a renamed or
//! protected Word file from a damaged one.
//!
//! Limits (see [`ZipLimits`]): the number of entries, the total bytes unpacked, and the
//! compression ratio of any entry big enough to matter. Declared sizes are not trusted: every
//! read is cut off at the remaining budget, so a lying header cannot get past the limits.
//!
//! Office files that are not zips but OLE compound files (`D0 CF 11 E0 A1 B1 1A E1`) are either
//! Word 97–2003 `.doc` files or, when they hold an `EncryptedPackage` stream, password-protected
//! `.docx` files (Office wraps encrypted OOXML in OLE); both get a message saying what to do.

use super::ImportError;
use std::io::{Cursor, Read};
use zip::result::ZipError;
use zip::ZipArchive;

/// The OLE compound file signature.
const OLE_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Bounds on what a container may unpack to.
#[derive(Clone, Copy, Debug)]
pub(super) struct ZipLimits {
    /// Most entries in the archive.
    pub(super) max_entries: usize,
    /// Most bytes unpacked in total, over every entry read.
    pub(super) max_total: u64,
    /// Highest compression ratio (unpacked / packed) of an entry larger than `ratio_floor`.
    pub(super) max_ratio: u64,
    /// Entries up to this size are not ratio-checked: small XML parts compress very well.
    pub(super) ratio_floor: u64,
}

impl ZipLimits {
    /// 10,000 entries, 40 MB unpacked, ratio 200 above 10 MB: real documents of any size pass
    /// (only the text parts are read: a three-hour interview's `document.xml` is about 2 MB),
    /// a zip bomb does not, and the parts, the text taken from them and its canonical copy
    /// stay within the import's memory bound (256 MB).
    pub(super) const DEFAULT: ZipLimits =
        ZipLimits { max_entries: 10_000, max_total: 40_000_000, max_ratio: 200, ratio_floor: 10_000_000 };
}

/// An opened container with its unpacking budget.
pub(super) struct Package<'a> {
    file: &'a str,
    archive: ZipArchive<Cursor<&'a [u8]>>,
    limits: ZipLimits,
    used: u64,
}

fn malformed(file: &str, reason: impl Into<String>) -> ImportError {
    ImportError::Malformed { file: file.to_owned(), reason: reason.into() }
}

/// Names a zip error in a short lowercase phrase.
fn zip_reason(err: &ZipError) -> String {
    match err {
        ZipError::Io(e) => format!("corrupt zip archive ({e})"),
        ZipError::InvalidArchive(why) => format!("corrupt zip archive ({why})"),
        ZipError::UnsupportedArchive(why) => format!("unsupported zip archive ({why})"),
        other => format!("corrupt zip archive ({other})"),
    }
    .replace(['\n', '\r'], " ")
}

/// What a `.docx`/`.odt` that is not a zip really is, as an error.
fn not_a_zip(file: &str, bytes: &[u8], kind: &str) -> ImportError {
    if bytes.starts_with(OLE_MAGIC) {
        if contains_utf16(bytes, "EncryptedPackage") {
            return ImportError::Encrypted { file: file.to_owned() };
        }
        if kind == "docx" {
            return ImportError::LegacyFormat {
                file: file.to_owned(),
                advice: "this is a Word 97–2003 .doc file; save it as .docx".to_owned(),
            };
        }
        return ImportError::LegacyFormat {
            file: file.to_owned(),
            advice: format!("this is an older Office (OLE) file, not .{kind}; save it as .{kind}"),
        };
    }
    if bytes.starts_with(b"{\\rtf") {
        return ImportError::LegacyFormat {
            file: file.to_owned(),
            advice: format!("this is an RTF file named .{kind}; rename it to .rtf"),
        };
    }
    malformed(file, format!("not a .{kind} file (no zip signature)"))
}

/// Whether `bytes` contain `needle` written in UTF-16LE (OLE directory entry names).
fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(pattern.len()).any(|w| w == pattern.as_slice())
}

impl<'a> Package<'a> {
    /// Opens `bytes` as a zip container of the given kind (`docx`, `odt`; used in messages).
    pub(super) fn open(file: &'a str, bytes: &'a [u8], kind: &str, limits: ZipLimits) -> Result<Self, ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::Empty { file: file.to_owned() });
        }
        if !bytes.starts_with(b"PK") {
            return Err(not_a_zip(file, bytes, kind));
        }
        let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| malformed(file, zip_reason(&e)))?;
        if archive.len() > limits.max_entries {
            return Err(ImportError::ZipBomb {
                file: file.to_owned(),
                reason: format!("{} entries, the limit is {}", archive.len(), limits.max_entries),
            });
        }
        Ok(Package { file, archive, limits, used: 0 })
    }

    /// Whether an entry with this exact name exists.
    pub(super) fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// Reads one entry within the limits; `Ok(None)` when it does not exist.
    pub(super) fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ImportError> {
        let Some(index) = self.archive.index_for_name(name) else { return Ok(None) };
        let file = self.file;
        let limits = self.limits;
        let remaining = limits.max_total.saturating_sub(self.used);
        let bomb = |reason: String| ImportError::ZipBomb { file: file.to_owned(), reason };
        let mut entry = match self.archive.by_index(index) {
            Ok(entry) => entry,
            Err(ZipError::UnsupportedArchive(why)) if why.to_ascii_lowercase().contains("password") => {
                return Err(ImportError::Encrypted { file: file.to_owned() })
            }
            Err(e) => return Err(malformed(file, zip_reason(&e))),
        };
        if entry.encrypted() {
            return Err(ImportError::Encrypted { file: file.to_owned() });
        }
        let declared = entry.size();
        let packed = entry.compressed_size().max(1);
        if declared > remaining {
            return Err(bomb(format!(
                "'{name}' unpacks to {declared} bytes, over the {} byte limit",
                limits.max_total
            )));
        }
        let mut out = Vec::with_capacity(declared.min(remaining).min(64 << 20) as usize);
        // One byte over the budget tells "exactly at the limit" from "over it".
        let read = (&mut entry).take(remaining.saturating_add(1)).read_to_end(&mut out);
        if let Err(e) = read {
            return Err(malformed(file, format!("corrupt zip entry '{name}' ({e})").replace(['\n', '\r'], " ")));
        }
        let size = out.len() as u64;
        if size > remaining {
            return Err(bomb(format!("unpacks to more than {} bytes", limits.max_total)));
        }
        if size > limits.ratio_floor && size / packed > limits.max_ratio {
            return Err(bomb(format!(
                "'{name}' is compressed {}:1, the limit is {}:1",
                size / packed,
                limits.max_ratio
            )));
        }
        self.used += size;
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ole_files_are_told_apart() {
        let mut doc = OLE_MAGIC.to_vec();
        doc.extend_from_slice(&[0; 64]);
        let err = Package::open("a.docx", &doc, "docx", ZipLimits::DEFAULT).err().unwrap();
        assert_eq!(err.to_string(), "a.docx: this is a Word 97–2003 .doc file; save it as .docx");
        doc.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        let err = Package::open("a.docx", &doc, "docx", ZipLimits::DEFAULT).err().unwrap();
        assert!(matches!(err, ImportError::Encrypted { .. }));
        let err = Package::open("a.docx", b"hello", "docx", ZipLimits::DEFAULT).err().unwrap();
        assert_eq!(err.to_string(), "a.docx: not a .docx file (no zip signature)");
    }
}
