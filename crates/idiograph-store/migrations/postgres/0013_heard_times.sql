-- Listening while reading (issue #16): where the recording was when a note or statement was
-- written. Notes written before have no time.
ALTER TABLE note ADD COLUMN heard_ms BIGINT;
ALTER TABLE statement ADD COLUMN heard_ms BIGINT;
