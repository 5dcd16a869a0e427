//! The key store: the one place real identifiers live. A file beside (never inside) the project,
//! encrypted with a passphrase by `age` (scrypt recipient), holding the known identifiers with
//! their replacements and, for every pseudonymisation, the original texts and row images its
//! undo needs. The project records only the store's id, so a wrong file is recognised.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use idiograph_pseudonym::{IdentifierKind, KnownIdentifier};
use idiograph_store::{KeyStoreResidue, SealedPayload, SealedText};
use serde::{Deserialize, Serialize};

use crate::error::invalid;
use crate::AppError;

/// The format word inside a decrypted key store.
const FORMAT: &str = "idiograph-key-store/1";

/// scrypt work factor (N = 2^16: 64 MiB and a fraction of a second per unlock on the 2-core
/// reference machine). Decryption accepts up to this plus two, for stores written by later
/// versions with a stronger setting.
const WORK_FACTOR: u8 = 16;

/// An unlocked key store: its file, passphrase and contents.
pub(crate) struct KeyStore {
    path: PathBuf,
    passphrase: SecretString,
    pub(crate) data: KeyData,
}

/// What the file holds once decrypted.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct KeyData {
    format: String,
    /// The id the project records in its settings.
    pub(crate) key_id: String,
    /// The known identifiers, in the order they were added.
    pub(crate) known: Vec<KnownEntry>,
    /// One entry per pseudonymisation whose originals were kept.
    pub(crate) sealed: Vec<SealedEntry>,
}

/// A known identifier as stored.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq)]
pub(crate) struct KnownEntry {
    pub(crate) real: String,
    pub(crate) replacement: String,
    pub(crate) kind: String,
    pub(crate) variants: Vec<String>,
}

impl KnownEntry {
    pub(crate) fn identifier(&self) -> KnownIdentifier {
        let kind = IdentifierKind::from_name(&self.kind).unwrap_or(IdentifierKind::Other);
        KnownIdentifier::new(&self.real, &self.replacement, kind).with_variants(self.variants.iter().cloned())
    }
}

/// What one pseudonymisation took out of the project.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct SealedEntry {
    pub(crate) seq: i64,
    /// The superseded versions whose texts were sealed.
    pub(crate) versions: Vec<String>,
    pub(crate) texts: Vec<(String, String)>,
    pub(crate) images: Vec<(i64, String)>,
    /// (original, replacement) pairs, to scrub audit images again after a redo.
    pub(crate) replaced: Vec<(String, String)>,
    /// The sealed versions' turns and source names (id, turns, source name).
    #[serde(default)]
    pub(crate) version_rows: Vec<(String, String, String)>,
}

impl SealedEntry {
    pub(crate) fn payload(&self) -> SealedPayload {
        SealedPayload {
            seq: self.seq,
            texts: self
                .texts
                .iter()
                .map(|(hash, body)| SealedText { hash: hash.clone(), body: body.clone() })
                .collect(),
            images: self.images.clone(),
            versions: self.version_rows.clone(),
        }
    }
}

impl KeyData {
    /// Takes out everything a withdrawn participant left here: their original texts, their
    /// versions' speaker turns and source names, and their audit row images. Other
    /// participants' originals stay (the commands they belong to can no longer be undone, since
    /// the withdrawal erased part of them). Returns whether anything was removed.
    pub(crate) fn erase(&mut self, residue: &KeyStoreResidue) -> bool {
        let mut removed = false;
        for entry in &mut self.sealed {
            let before = (entry.texts.len(), entry.version_rows.len(), entry.images.len(), entry.versions.len());
            entry.texts.retain(|(hash, _)| !residue.texts.contains(hash));
            entry.version_rows.retain(|(id, _, _)| !residue.versions.contains(id));
            entry.versions.retain(|id| !residue.versions.contains(id));
            let seq = entry.seq;
            entry.images.retain(|(ordinal, _)| !residue.images.contains(&(seq, *ordinal)));
            removed |=
                before != (entry.texts.len(), entry.version_rows.len(), entry.images.len(), entry.versions.len());
        }
        removed
    }
}

impl KeyStore {
    /// Makes a new key store at `path` (which must not exist) for the project id `key_id`.
    pub(crate) fn create(path: &Path, passphrase: &str, key_id: &str) -> Result<KeyStore, AppError> {
        if path.exists() {
            return Err(AppError::Conflict(format!(
                "{} already exists; a key store is never overwritten",
                path.display()
            )));
        }
        if passphrase.chars().count() < 8 {
            return Err(invalid!("a key store passphrase needs at least 8 characters"));
        }
        let store = KeyStore {
            path: path.to_owned(),
            passphrase: SecretString::from(passphrase.to_owned()),
            data: KeyData { format: FORMAT.to_owned(), key_id: key_id.to_owned(), ..KeyData::default() },
        };
        store.save()?;
        Ok(store)
    }

    /// Opens the key store at `path` with `passphrase`.
    pub(crate) fn open(path: &Path, passphrase: &str) -> Result<KeyStore, AppError> {
        let name = path.display();
        let bytes = std::fs::read(path).map_err(|e| invalid!("cannot read the key store {name}: {e}"))?;
        let decryptor = age::Decryptor::new(&bytes[..])
            .map_err(|e| invalid!("{name} is not an Idiograph key store (an age file): {e}"))?;
        let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        identity.set_max_work_factor(WORK_FACTOR + 2);
        let mut reader = decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)).map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                invalid!("cannot open the key store {name}: wrong passphrase")
            }
            other => invalid!("cannot open the key store {name}: {other}"),
        })?;
        let mut json = Vec::new();
        reader.read_to_end(&mut json).map_err(|e| invalid!("cannot open the key store {name}: {e}"))?;
        let data: KeyData =
            serde_json::from_slice(&json).map_err(|e| invalid!("the key store {name} is damaged: {e}"))?;
        if data.format != FORMAT {
            return Err(invalid!("the key store {name} has format '{}', not {FORMAT}", data.format));
        }
        Ok(KeyStore { path: path.to_owned(), passphrase: SecretString::from(passphrase.to_owned()), data })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The known identifiers, for matching.
    pub(crate) fn identifiers(&self) -> Vec<KnownIdentifier> {
        self.data.known.iter().map(KnownEntry::identifier).collect()
    }

    /// Writes the store: encrypted to a temporary file beside it, flushed to disk, then renamed
    /// over the old one, so a crash leaves either the old or the new store, never half of one.
    pub(crate) fn save(&self) -> Result<(), AppError> {
        let name = self.path.display();
        let json = serde_json::to_vec(&self.data).map_err(|e| invalid!("cannot encode the key store: {e}"))?;
        let mut recipient = age::scrypt::Recipient::new(self.passphrase.clone());
        recipient.set_work_factor(WORK_FACTOR);
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| invalid!("cannot encrypt the key store: {e}"))?;
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(|e| invalid!("cannot write the key store {name}: {e}"))?;
        let io = |e: std::io::Error| invalid!("cannot write the key store {name}: {e}");
        let mut writer = encryptor.wrap_output(tmp.as_file_mut()).map_err(io)?;
        writer.write_all(&json).map_err(io)?;
        writer.finish().map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }
}
