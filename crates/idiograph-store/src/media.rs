//! The bytes of recordings, in the project itself.
//!
//! A recording's bytes are stored in pieces of [`MEDIA_CHUNK_BYTES`] (`media_chunk`), keyed by
//! the recording's id, beside its row and outside the audit row images, as transcript texts are
//! kept in `content`: undoing or redoing an attach moves only the row, never the media, and the
//! pieces stay until the participant withdraws. Writing streams from a reader one piece at a
//! time, and a range read fetches only the pieces it covers, so neither holds a whole recording.
//! Keeping media in the project rather than beside it gives it the project's guarantees for
//! free: one file to back up, copy and migrate, one transaction for an attach, and one erasure
//! (with the file's rewrite) when a participant withdraws.

use std::io::Read;

use idiograph_model::ObjectId;
use sha2::{Digest, Sha256};
use sqlx::Row as _;

use crate::store::{Store, Tx};
use crate::StoreError;

/// The size of each stored piece of a recording (the last may be shorter): large enough that a
/// gigabyte is a thousand rows, small enough that a range read or a copy holds little at once.
pub const MEDIA_CHUNK_BYTES: usize = 1 << 20;

/// What was stored of a recording's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    /// How many bytes.
    pub byte_length: u64,
    /// Their SHA-256, hex.
    pub sha256: String,
}

impl Tx {
    /// Stores the bytes of recording `recording` of `participant`, read from `source` until its
    /// end, one piece at a time (this holds one piece, [`MEDIA_CHUNK_BYTES`], in memory). `name`
    /// names the source in a read error. The pieces are written in this transaction, outside its
    /// row changes; they are not part of the command's audit images.
    pub async fn write_media(
        &mut self,
        recording: &ObjectId,
        participant: &ObjectId,
        name: &str,
        source: &mut (dyn Read + Send),
    ) -> Result<StoredMedia, StoreError> {
        let mut piece = vec![0u8; MEDIA_CHUNK_BYTES];
        let mut hash = Sha256::new();
        let mut length = 0u64;
        for number in 0i64.. {
            let filled = fill(source, &mut piece).map_err(|e| StoreError::Io { path: name.to_owned(), source: e })?;
            if filled == 0 {
                break;
            }
            let bytes = &piece[..filled];
            hash.update(bytes);
            length += filled as u64;
            insert_piece(self, recording.as_str(), number, participant.as_str(), bytes.to_vec()).await?;
            if filled < piece.len() {
                break;
            }
        }
        Ok(StoredMedia { byte_length: length, sha256: hash.finalize().iter().map(|b| format!("{b:02x}")).collect() })
    }
}

/// Stores piece `number` of a recording's bytes in `tx`.
async fn insert_piece(
    tx: &mut Tx,
    recording: &str,
    number: i64,
    participant: &str,
    body: Vec<u8>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO media_chunk (recording_id, number, participant_id, body) VALUES ($1, $2, $3, $4)")
        .bind(recording.to_owned())
        .bind(number)
        .bind(participant.to_owned())
        .bind(body)
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// Reads from `source` until `buf` is full or the source ends; returns how many bytes it read.
fn fill(source: &mut (dyn Read + Send), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl Store {
    /// Piece `number` (from 0) of the stored bytes of recording `recording`; `None` when there
    /// is no such piece. Each call is its own read: the pieces of a recording never change once
    /// written, so a reader streaming a range piece by piece sees one recording throughout (or,
    /// after a withdrawal erased it, nothing more).
    pub async fn media_chunk(&self, recording: &ObjectId, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(number) = i64::try_from(number) else { return Ok(None) };
        let row = sqlx::query("SELECT body FROM media_chunk WHERE recording_id = $1 AND number = $2")
            .bind(recording.as_str().to_owned())
            .bind(number)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose().map_err(StoreError::from)
    }

    /// Copies every stored piece of media into `to`, one piece at a time (a project's media may
    /// be far larger than memory), for [`Store::copy_into`].
    pub(crate) async fn copy_media(&self, to: &mut Tx) -> Result<(), StoreError> {
        for (recording, number, participant) in self.media_keys().await? {
            let Some(body) = self.media_chunk(&ObjectId::new(recording.clone()), number as u64).await? else {
                continue;
            };
            insert_piece(to, &recording, number, &participant, body).await?;
        }
        Ok(())
    }

    /// The key of every stored piece of media (recording id, number, participant), sorted here
    /// rather than by the database, which on PostgreSQL sorts text by locale.
    async fn media_keys(&self) -> Result<Vec<(String, i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT recording_id, number, participant_id FROM media_chunk")
            .fetch_all(&self.db.pool)
            .await?;
        let mut keys = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<Vec<(String, i64, String)>, StoreError>>()?;
        keys.sort();
        Ok(keys)
    }

    /// One line per stored piece of media (recording id, number, SHA-256 of the piece), for
    /// [`Store::dump`]: two projects with the same lines hold the same media, byte for byte.
    pub(crate) async fn dump_media(&self, out: &mut String) -> Result<(), StoreError> {
        for (recording, number, _) in self.media_keys().await? {
            let Some(body) = self.media_chunk(&ObjectId::new(recording.clone()), number as u64).await? else {
                continue;
            };
            let digest: String = Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect();
            out.push_str(&format!("media {recording} {number} {digest}\n"));
        }
        Ok(())
    }
}
