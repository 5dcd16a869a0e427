-- Pseudonymisation: what becomes of original text and which key store holds it, the review
-- queue's decisions, and texts sealed into the key store (their body is emptied here).
ALTER TABLE study ADD COLUMN originals TEXT NOT NULL DEFAULT 'key-store';
ALTER TABLE study ADD COLUMN key_id TEXT;
ALTER TABLE content ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
CREATE TABLE review_decision (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL,
    start_byte BIGINT NOT NULL,
    end_byte BIGINT NOT NULL,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL,
    replacement TEXT,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX review_decision_version ON review_decision (version_id);
-- The de-identification log: counts of replacements by category, never a real value.
CREATE TABLE replacement_count (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL,
    category TEXT NOT NULL,
    count BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
-- Where each line of a version went in the pseudonymised version made of it.
CREATE TABLE line_mapping (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    from_version TEXT NOT NULL,
    lines TEXT NOT NULL,
    created_at TEXT NOT NULL
);
