-- Quotes fit to print (issue #21): what printed quotes do with fillers and pauses, a study
-- setting. Existing studies print quotes as transcribed.
ALTER TABLE study ADD COLUMN fillers TEXT NOT NULL DEFAULT 'keep';
