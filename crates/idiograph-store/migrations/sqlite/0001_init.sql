-- The first schema of an Idiograph project. Ids and times are TEXT, flags 0/1, so the same
-- statements run on PostgreSQL (see ../postgres/0001_init.sql, kept in step).
CREATE TABLE study (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    research_question TEXT,
    terminology TEXT NOT NULL,
    recurrence_rule TEXT NOT NULL,
    chars_per_line INTEGER NOT NULL,
    lines_per_page INTEGER NOT NULL
);
CREATE TABLE counter (kind TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE content (hash TEXT PRIMARY KEY, participant_id TEXT, body TEXT NOT NULL);
CREATE TABLE participant (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    pseudonym TEXT NOT NULL UNIQUE,
    attributes TEXT NOT NULL,
    interview TEXT NOT NULL
);
CREATE TABLE transcript (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    title TEXT NOT NULL,
    current_version TEXT NOT NULL,
    speakers TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE transcript_version (
    id TEXT PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    participant_id TEXT NOT NULL REFERENCES participant(id),
    number INTEGER NOT NULL,
    text_hash TEXT NOT NULL REFERENCES content(hash),
    chars_per_line INTEGER NOT NULL,
    lines_per_page INTEGER NOT NULL,
    layout TEXT NOT NULL,
    turns TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_encoding TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (transcript_id, number)
);
CREATE TABLE note (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL REFERENCES transcript_version(id),
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    quote_prefix TEXT NOT NULL,
    quote_exact TEXT NOT NULL,
    quote_suffix TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX note_transcript ON note (transcript_id);
CREATE TABLE statement (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    participant_id TEXT NOT NULL REFERENCES participant(id),
    body TEXT NOT NULL,
    anchors TEXT NOT NULL,
    from_notes TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX statement_participant ON statement (participant_id);
CREATE TABLE theme (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    participant_id TEXT REFERENCES participant(id),
    parent_id TEXT REFERENCES theme(id),
    title TEXT NOT NULL,
    description TEXT,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE assignment (
    id TEXT PRIMARY KEY,
    theme_id TEXT NOT NULL REFERENCES theme(id),
    statement_id TEXT REFERENCES statement(id),
    member_theme_id TEXT REFERENCES theme(id),
    participant_id TEXT NOT NULL REFERENCES participant(id),
    strategy TEXT,
    rationale TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (theme_id, statement_id, member_theme_id)
);
CREATE INDEX assignment_theme ON assignment (theme_id);
CREATE TABLE extract (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    theme_id TEXT NOT NULL REFERENCES theme(id),
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL REFERENCES transcript_version(id),
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    quote_prefix TEXT NOT NULL,
    quote_exact TEXT NOT NULL,
    quote_suffix TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE journal (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    about_id TEXT,
    participant_id TEXT REFERENCES participant(id)
);
-- The audit log: one event per command, undo, redo or withdrawal. Events are never deleted;
-- a withdrawal only blanks the summaries of events that touched the withdrawn participant.
CREATE TABLE audit_event (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    author TEXT NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    target_seq INTEGER
);
-- Row images that make an event undoable. Tagged by participant so a withdrawal can erase them.
CREATE TABLE audit_change (
    seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    participant_id TEXT,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    before_row TEXT,
    after_row TEXT,
    PRIMARY KEY (seq, ordinal)
);
CREATE INDEX audit_change_participant ON audit_change (participant_id);
CREATE TABLE undo_entry (
    seq INTEGER PRIMARY KEY,
    author TEXT NOT NULL,
    undone INTEGER NOT NULL,
    undone_by INTEGER,
    undoable INTEGER NOT NULL
);
CREATE INDEX undo_entry_author ON undo_entry (author, seq);
