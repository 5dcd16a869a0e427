-- Login attempts, for the login rate limit, counted BEFORE the password is checked: one row per
-- limited key (a hash of a user name or a client address) with the start of its window and how
-- many attempts in it are being or were checked and not succeeded. One `INSERT … ON CONFLICT DO
-- UPDATE … RETURNING` both counts and reads, atomically, so a burst of parallel guesses cannot
-- all see a count below the limit (as `login_failure`, counted after each check, let them).
DROP TABLE login_failure;
CREATE TABLE login_attempt (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);
