-- Failed logins, for the login rate limit (see ../sqlite/0005_login_failures.sql): server-wide,
-- like the accounts, so every process and every project of a server counts the same failures.
SELECT pg_advisory_xact_lock(7368428471);
CREATE TABLE IF NOT EXISTS idiograph_accounts.login_failure (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_key ON idiograph_accounts.login_failure (key, at);
