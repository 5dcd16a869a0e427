-- A withdrawal in progress (see ../sqlite/0007_pending_erasure.sql): recorded before anything
-- is erased, removed when every copy is gone, finished by the next open after a crash.
CREATE TABLE pending_erasure (
    participant_id TEXT PRIMARY KEY,
    author TEXT NOT NULL,
    stage BIGINT NOT NULL,
    key_store TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
