-- Login attempts counted before the password is checked (see ../sqlite/0009_login_attempts.sql):
-- server-wide, like the accounts, so every process and every project of a server counts the same.
SELECT pg_advisory_xact_lock(7368428471);
CREATE TABLE IF NOT EXISTS idiograph_accounts.login_attempt (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
DROP TABLE IF EXISTS idiograph_accounts.login_failure;
