//! The ZIP container: safe, bounded reading and deterministic writing.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::error::{RefiError, RefiErrorKind};
use crate::read::ReadLimits;

/// An archive opened for reading, with every entry name checked.
pub(crate) struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names (with '\' read as '/'), in archive order; `None` for directories.
    pub names: Vec<Option<String>>,
    /// Lower-cased name → index.
    by_lower: HashMap<String, usize>,
    limits: ReadLimits,
    unpacked: u64,
}

fn unsafe_name(name: &str) -> bool {
    name.starts_with('/')
        || name.as_bytes().get(1) == Some(&b':')
        || name.contains('\0')
        || name.split('/').any(|part| part == "..")
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8], limits: ReadLimits) -> Result<Archive<'a>, RefiError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| RefiErrorKind::NotZip(e.to_string()))?;
        if zip.len() > limits.max_entries {
            return Err(RefiErrorKind::TooManyEntries { count: zip.len(), limit: limits.max_entries }.into());
        }
        let mut archive = Archive { zip, names: Vec::new(), by_lower: HashMap::new(), limits, unpacked: 0 };
        for i in 0..archive.zip.len() {
            let file = archive.zip.by_index_raw(i).map_err(|e| RefiErrorKind::NotZip(e.to_string()))?;
            let raw = String::from_utf8_lossy(file.name_raw()).replace('\\', "/");
            if unsafe_name(&raw) {
                return Err(RefiErrorKind::UnsafeEntryName(raw).into());
            }
            if file.is_dir() || raw.ends_with('/') {
                archive.names.push(None);
                continue;
            }
            let clean = raw.trim_start_matches("./").to_owned();
            archive.by_lower.entry(clean.to_lowercase()).or_insert(i);
            archive.names.push(Some(clean));
        }
        Ok(archive)
    }

    /// The index of an entry by name, ignoring case.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.by_lower.get(&name.to_lowercase()).copied()
    }

    /// Unpacks an entry, counting against the limits whatever the headers claim.
    pub fn read(&mut self, index: usize) -> Result<Vec<u8>, RefiError> {
        let per_entry = self.limits.max_entry_bytes;
        let total = self.limits.max_total_bytes;
        let remaining = total.saturating_sub(self.unpacked);
        let out = self.unpack(index, |name, size| {
            let too_large = |what: String, limit| RefiError::from(RefiErrorKind::TooLarge { what, limit });
            if size > per_entry {
                return Err(too_large(name, per_entry));
            }
            if size > remaining {
                return Err(too_large("the archive".into(), total));
            }
            let cap = per_entry.min(remaining);
            Ok((
                cap,
                if cap == per_entry { too_large(name, per_entry) } else { too_large("the archive".into(), total) },
            ))
        })?;
        self.unpacked += out.len() as u64;
        Ok(out)
    }

    /// Unpacks a recording: counted against the media limit, not the limits on texts.
    pub fn read_media(&mut self, index: usize) -> Result<Vec<u8>, RefiError> {
        let limit = self.limits.max_media_bytes;
        self.unpack(index, |name, size| {
            let too_large = RefiError::from(RefiErrorKind::TooLarge { what: name, limit });
            if size > limit {
                Err(too_large)
            } else {
                Ok((limit, too_large))
            }
        })
    }

    /// Unpacks entry `index`. `cap_for` is given the entry's name and the size its header
    /// claims, and refuses it, or gives the most bytes to read and the error for an entry that
    /// unpacks to more (the header may lie).
    fn unpack(
        &mut self,
        index: usize,
        cap_for: impl FnOnce(String, u64) -> Result<(u64, RefiError), RefiError>,
    ) -> Result<Vec<u8>, RefiError> {
        let name = self.names.get(index).cloned().flatten().unwrap_or_default();
        let corrupt = |e: String| RefiError::from(RefiErrorKind::CorruptEntry { entry: name.clone(), message: e });
        let mut file = self.zip.by_index(index).map_err(|e| corrupt(e.to_string()))?;
        let (cap, over) = cap_for(name.clone(), file.size())?;
        let mut out = Vec::with_capacity(file.size().min(cap) as usize);
        (&mut file).take(cap + 1).read_to_end(&mut out).map_err(|e| corrupt(e.to_string()))?;
        if out.len() as u64 > cap {
            return Err(over);
        }
        Ok(out)
    }
}

/// Writes entries in order, deflated (or stored, those marked `false`), with a fixed timestamp so
/// equal projects give equal bytes.
pub(crate) fn write_zip(entries: &[(String, &[u8], bool)]) -> Result<Vec<u8>, RefiError> {
    let zip_err = |e: zip::result::ZipError| RefiError::from(RefiErrorKind::Zip(e.to_string()));
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(DateTime::default())
        .large_file(false);
    for (name, data, deflate) in entries {
        let large = data.len() as u64 >= u32::MAX as u64;
        let method = if *deflate { CompressionMethod::Deflated } else { CompressionMethod::Stored };
        let options = options.compression_method(method).compression_level(deflate.then_some(1));
        writer.start_file(name.as_str(), options.large_file(large)).map_err(zip_err)?;
        writer.write_all(data).map_err(|e| RefiErrorKind::Zip(e.to_string()))?;
    }
    Ok(writer.finish().map_err(zip_err)?.into_inner())
}
