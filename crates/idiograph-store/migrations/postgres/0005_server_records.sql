-- Failed logins, for the login rate limit (see ../sqlite/0005_server_records.sql): server-wide,
-- like the accounts, so every process and every project of a server counts the same failures.
SELECT pg_advisory_xact_lock(7368428471);
CREATE TABLE IF NOT EXISTS idiograph_accounts.login_failure (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failure_key ON idiograph_accounts.login_failure (key, at);
-- The record of projects deleted from the server (`admin delete-project`): the project's own
-- audit log goes with its schema, so this is what remains to show who deleted which study when
-- (e.g. as evidence that data were destroyed under a retention policy). A file has no such
-- record: it is deleted as a file.
CREATE TABLE IF NOT EXISTS idiograph_accounts.deleted_project (
    project TEXT NOT NULL,
    title TEXT NOT NULL,
    deleted_by TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    members BIGINT NOT NULL
);
