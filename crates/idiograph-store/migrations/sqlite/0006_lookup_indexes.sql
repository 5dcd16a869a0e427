-- Indexes for the lookups the application makes by column (`Tx::where_eq`) that had none, so
-- that opening one transcript or one case reads its own rows, not the whole table: extracts
-- by version (the transcript view), assignments by case and by statement, a case's
-- transcripts, themes and journal entries, and a transcript's line mappings.
CREATE INDEX extract_version ON extract (version_id);
CREATE INDEX assignment_participant ON assignment (participant_id);
CREATE INDEX assignment_statement ON assignment (statement_id);
CREATE INDEX transcript_participant ON transcript (participant_id);
CREATE INDEX theme_participant ON theme (participant_id);
CREATE INDEX journal_participant ON journal (participant_id);
CREATE INDEX line_mapping_transcript ON line_mapping (transcript_id);
