-- A withdrawal in progress. It is recorded (in a transaction of its own) before anything is
-- erased and removed only when every copy is gone: the participant's rows and audit images,
-- the file's free pages and WAL (SQLite), the search indexes, and the key store's originals.
-- A process killed half-way leaves the row, and the next open of the project finishes the
-- erasure from it. Content-free: ids and content hashes only.
--   stage 0: recorded; 1: rows erased; 2: file rewritten and search index purged, the key
--   store's part still to do (it waits for the key store to be unlocked).
--   key_store: JSON of what the key store may hold of the participant (content hashes of their
--   texts, their transcript versions, the positions of their audit row images).
CREATE TABLE pending_erasure (
    participant_id TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    stage INTEGER NOT NULL,
    key_store TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
