-- Accounts for `idiograph serve --team` (see ../sqlite/0004_accounts.sql). On a server they are
-- server-wide, in the shared schema idiograph_accounts, so one person has one account and one
-- login across projects, and a membership row per project (named by its schema) gives the role.
-- Every project's migration runs this; the lock keeps two projects migrating at once from racing
-- to create the shared tables.
SELECT pg_advisory_xact_lock(7368428471);
CREATE SCHEMA IF NOT EXISTS idiograph_accounts;
CREATE TABLE IF NOT EXISTS idiograph_accounts.account (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idiograph_accounts.membership (
    account_id TEXT NOT NULL REFERENCES idiograph_accounts.account(id),
    project TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, project)
);
CREATE TABLE IF NOT EXISTS idiograph_accounts.account_session (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES idiograph_accounts.account(id),
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    revoked BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS account_session_account ON idiograph_accounts.account_session (account_id);
