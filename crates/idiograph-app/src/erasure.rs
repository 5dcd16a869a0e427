//! Withdrawal that reaches every copy of a participant's words: the project (rows, texts,
//! audit images, and on a file its free pages and WAL), the search index of every process, and
//! the key store's originals. The withdrawal is recorded in the project before anything is
//! erased ([`idiograph_store::Store::record_withdrawal`]) and the record goes only when all of
//! it is done, so a process stopped half-way (kill -9, power loss) leaves work that the next
//! open of the project finishes ([`Workbench::finish_interrupted_withdrawals`]).

use std::sync::Arc;

use idiograph_store::{ErasureStage, PendingErasure};

use crate::{now, AppError, Workbench};

/// Called with the name of each step of a withdrawal as it is reached (`withdrawal recorded`,
/// `rows erased`, `file rewritten`, `search index purged`, `key store purged`), so that tests
/// can stop the process exactly there.
pub type ErasureHook = Arc<dyn Fn(&str) + Send + Sync>;

impl Workbench {
    /// The same workbench, calling `hook` at each step of a withdrawal (for crash tests).
    pub fn with_erasure_hook(mut self, hook: ErasureHook) -> Workbench {
        self.erasure_hook = Some(hook);
        self
    }

    pub(crate) fn erasure_step(&self, step: &str) {
        if let Some(hook) = &self.erasure_hook {
            hook(step);
        }
    }

    /// Finishes a recorded withdrawal from the step it got to. Returns whether the key store's
    /// part is still to do: the study has a key store and it is locked in this process (it is
    /// done when the key store is next unlocked).
    pub(crate) async fn finish_erasure(&self, pending: &PendingErasure) -> Result<bool, AppError> {
        let who = &pending.participant;
        if pending.stage < ErasureStage::RowsErased {
            self.store.erase_participant(who, &pending.author, &now()).await?;
            self.erasure_step("rows erased");
        }
        if pending.stage < ErasureStage::ProjectClean {
            self.store.rewrite_file().await?;
            self.erasure_step("file rewritten");
            // The index is rebuilt from what remains at the next search; a segment rewritten
            // in place could keep the words in a deleted document until a merge.
            self.forget_search_index();
            self.erasure_step("search index purged");
            self.store.set_erasure_stage(who, ErasureStage::ProjectClean).await?;
        }
        let has_key_store = self.store.read().await?.settings().await?.key_id.is_some();
        if has_key_store {
            let mut slot = self.key.lock().await;
            let Some(key) = slot.as_mut() else { return Ok(true) };
            if key.data.erase(&pending.key_store) {
                key.save()?;
            }
            drop(slot);
            self.erasure_step("key store purged");
        }
        self.store.finish_erasure(who).await?;
        Ok(false)
    }

    /// Finishes every withdrawal recorded in the project and not finished (a process stopped
    /// half-way, or a key store that was locked then). Runs when a project is opened and when
    /// the key store is unlocked. Returns how many still wait for the key store.
    pub async fn finish_interrupted_withdrawals(&self) -> Result<usize, AppError> {
        let mut waiting = 0;
        for pending in self.store.pending_erasures().await? {
            if self.finish_erasure(&pending).await? {
                waiting += 1;
            }
        }
        Ok(waiting)
    }
}
