-- A case can be marked finished (IPA analyses each case to completion before the next), and a
-- group theme carries a note on convergence and divergence across cases.
ALTER TABLE participant ADD COLUMN finished_at TEXT;
ALTER TABLE theme ADD COLUMN note TEXT;
