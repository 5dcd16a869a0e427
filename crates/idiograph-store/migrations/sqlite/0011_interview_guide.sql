-- The interview guide (issue #21): its questions and follow-up prompts, and the interviewer
-- turns the researcher confirmed as asking them. Answers are derived from the transcripts.
CREATE TABLE guide_question (
    id TEXT PRIMARY KEY,
    short INTEGER NOT NULL UNIQUE,
    parent_id TEXT REFERENCES guide_question(id),
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE asked_question (
    id TEXT PRIMARY KEY,
    question_id TEXT NOT NULL REFERENCES guide_question(id),
    participant_id TEXT NOT NULL REFERENCES participant(id),
    transcript_id TEXT NOT NULL REFERENCES transcript(id),
    version_id TEXT NOT NULL REFERENCES transcript_version(id),
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    quote_prefix TEXT NOT NULL,
    quote_exact TEXT NOT NULL,
    quote_suffix TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX asked_question_transcript ON asked_question (transcript_id);
