//! Withdrawals in progress. A withdrawal erases a participant in several places that no one
//! transaction covers — the project's rows, the file's free pages and WAL, every search index,
//! the key store — so it is first recorded in `pending_erasure` (a transaction of its own) and
//! the record is removed only when every copy is gone. A process killed half-way leaves the
//! record, and the next open of the project finishes the erasure from it.

use idiograph_model::ObjectId;
use serde_json::{json, Value as Json};
use sqlx::{Executor, Row as _};

use crate::store::Store;
use crate::StoreError;

/// How far a recorded withdrawal got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErasureStage {
    /// Recorded; nothing erased yet.
    Recorded,
    /// The participant's rows, texts and audit images are deleted (one transaction).
    RowsErased,
    /// The file is rewritten and this process's search index purged; what the key store holds
    /// of the participant waits for the key store to be unlocked.
    ProjectClean,
}

impl ErasureStage {
    fn from_number(n: i64) -> ErasureStage {
        match n {
            0 => ErasureStage::Recorded,
            1 => ErasureStage::RowsErased,
            _ => ErasureStage::ProjectClean,
        }
    }

    fn number(self) -> i64 {
        match self {
            ErasureStage::Recorded => 0,
            ErasureStage::RowsErased => 1,
            ErasureStage::ProjectClean => 2,
        }
    }
}

/// What the key store may hold of a participant: the originals sealed by pseudonymisation, by
/// content hash, transcript version and audit image position. Content-free (ids and hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyStoreResidue {
    /// SHA-256 hashes of the participant's texts.
    pub texts: Vec<String>,
    /// Ids of the participant's transcript versions.
    pub versions: Vec<String>,
    /// `(seq, ordinal)` of the participant's audit row images.
    pub images: Vec<(i64, i64)>,
}

impl KeyStoreResidue {
    fn to_json(&self) -> String {
        json!({"texts": self.texts, "versions": self.versions, "images": self.images}).to_string()
    }

    fn from_json(s: &str) -> Result<KeyStoreResidue, StoreError> {
        let bad = || StoreError::Corrupt("a pending erasure's key store list is damaged".into());
        let v: Json = serde_json::from_str(s).map_err(|_| bad())?;
        let strings = |key: &str| -> Result<Vec<String>, StoreError> {
            v[key].as_array().ok_or_else(bad)?.iter().map(|x| x.as_str().map(str::to_owned).ok_or_else(bad)).collect()
        };
        let images = v["images"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|p| (|| Some((p.get(0)?.as_i64()?, p.get(1)?.as_i64()?)))().ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        Ok(KeyStoreResidue { texts: strings("texts")?, versions: strings("versions")?, images })
    }
}

/// A withdrawal recorded and not yet finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingErasure {
    /// The participant withdrawn.
    pub participant: ObjectId,
    /// Who withdrew them (the author of the withdrawal's audit event).
    pub author: String,
    /// How far it got.
    pub stage: ErasureStage,
    /// What the key store may hold of them.
    pub key_store: KeyStoreResidue,
}

impl Store {
    /// Records that `participant` is being withdrawn, before anything is erased, with what the
    /// key store may hold of them. A withdrawal already recorded is returned as it is.
    pub async fn record_withdrawal(
        &self,
        participant: &ObjectId,
        author: &str,
        at: &str,
    ) -> Result<PendingErasure, StoreError> {
        let mut tx = self.begin(author, at).await?;
        let pid = participant.as_str().to_owned();
        if let Some(found) = pending(&mut tx.tx, Some(&pid)).await?.pop() {
            return Ok(found);
        }
        let texts = sqlx::query_scalar("SELECT hash FROM content WHERE participant_id = $1 ORDER BY hash")
            .bind(pid.clone())
            .fetch_all(&mut *tx.tx)
            .await?;
        let versions = sqlx::query_scalar(
            "SELECT v.id FROM transcript_version v JOIN transcript t ON t.id = v.transcript_id
             WHERE t.participant_id = $1 ORDER BY v.id",
        )
        .bind(pid.clone())
        .fetch_all(&mut *tx.tx)
        .await?;
        let images =
            sqlx::query("SELECT seq, ordinal FROM audit_change WHERE participant_id = $1 ORDER BY seq, ordinal")
                .bind(pid.clone())
                .fetch_all(&mut *tx.tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, StoreError>>()?;
        let residue = KeyStoreResidue { texts, versions, images };
        sqlx::query(
            "INSERT INTO pending_erasure (participant_id, author, stage, key_store, recorded_at) VALUES ($1, $2, 0, $3, $4)",
        )
        .bind(pid)
        .bind(author.to_owned())
        .bind(residue.to_json())
        .bind(at.to_owned())
        .execute(&mut *tx.tx)
        .await?;
        tx.tx.commit().await?;
        Ok(PendingErasure {
            participant: participant.clone(),
            author: author.to_owned(),
            stage: ErasureStage::Recorded,
            key_store: residue,
        })
    }

    /// The withdrawals recorded and not finished, oldest first.
    pub async fn pending_erasures(&self) -> Result<Vec<PendingErasure>, StoreError> {
        let mut tx = self.read().await?;
        pending(&mut tx.tx, None).await
    }

    /// Notes that a recorded withdrawal got to `stage`.
    pub async fn set_erasure_stage(&self, participant: &ObjectId, stage: ErasureStage) -> Result<(), StoreError> {
        sqlx::query("UPDATE pending_erasure SET stage = $1 WHERE participant_id = $2 AND stage < $3")
            .bind(stage.number())
            .bind(participant.as_str().to_owned())
            .bind(stage.number())
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Removes the record of a withdrawal whose every copy is erased.
    pub async fn finish_erasure(&self, participant: &ObjectId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM pending_erasure WHERE participant_id = $1")
            .bind(participant.as_str().to_owned())
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// The number of the newest withdrawal event (0 for none): a search index that reflects an
    /// older state may hold a withdrawn participant's words.
    pub async fn last_withdrawal(&self) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_event WHERE action = $1")
            .bind(crate::Action::WithdrawParticipant.as_str())
            .fetch_one(&self.db.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    /// Rewrites a project file so no freed page and no WAL frame keeps deleted rows (`VACUUM`,
    /// then a truncating checkpoint). A server project has no file of its own: nothing to do.
    pub async fn rewrite_file(&self) -> Result<(), StoreError> {
        if self.db.is_sqlite() {
            let mut conn = self.db.pool.acquire().await?;
            conn.execute("VACUUM").await?;
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
        Ok(())
    }
}

/// The pending erasures, of one participant or of all.
async fn pending(
    conn: &mut sqlx::Transaction<'static, sqlx::Any>,
    participant: Option<&str>,
) -> Result<Vec<PendingErasure>, StoreError> {
    let rows = sqlx::query(
        "SELECT participant_id, author, stage, key_store FROM pending_erasure
         WHERE $1 = '' OR participant_id = $2 ORDER BY recorded_at, participant_id",
    )
    .bind(participant.unwrap_or("").to_owned())
    .bind(participant.unwrap_or("").to_owned())
    .fetch_all(&mut **conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PendingErasure {
                participant: ObjectId::new(r.try_get::<String, _>(0)?),
                author: r.try_get(1)?,
                stage: ErasureStage::from_number(r.try_get(2)?),
                key_store: KeyStoreResidue::from_json(&r.try_get::<String, _>(3)?)?,
            })
        })
        .collect()
}
