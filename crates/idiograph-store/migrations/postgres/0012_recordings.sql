-- Recordings of interviews (issue #16): one per transcript, described by a row of study data
-- (audited, undoable), its bytes in chunks of 1 MiB outside the audit row images (as transcript
-- texts live in `content`), so undoing an attach copies nothing and a range read fetches only
-- the chunks it needs; and the sync points of transcript versions.
CREATE TABLE recording (
    id TEXT PRIMARY KEY,
    short BIGINT NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL UNIQUE REFERENCES transcript(id),
    file_name TEXT NOT NULL,
    media_kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    byte_length BIGINT NOT NULL,
    duration_ms BIGINT,
    sha256 TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Keyed by the recording's id, not its hash: a withdrawal erases a participant's chunks by
-- participant, which a chunk shared with another participant's identical file would defeat.
-- No foreign key: the chunks stay when an attach is undone, so that a redo finds them.
CREATE TABLE media_chunk (
    recording_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    participant_id TEXT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (recording_id, number)
);
CREATE INDEX media_chunk_participant ON media_chunk (participant_id);
CREATE TABLE sync_points (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL UNIQUE REFERENCES transcript_version(id),
    points TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sync_points_transcript ON sync_points (transcript_id);
