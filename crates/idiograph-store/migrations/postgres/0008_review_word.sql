-- "Every occurrence of this word": a reviewer's decision on a word wherever it stands (in any
-- transcript or field). A rejected word is not identifying by the reviewer's judgement; an
-- accepted one is replaced by the next pseudonymisation, which deletes its row (the row images
-- that quote it are sealed or scrubbed like transcript originals).
CREATE TABLE review_word (
    id TEXT PRIMARY KEY,
    word TEXT NOT NULL,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL,
    replacement TEXT,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
