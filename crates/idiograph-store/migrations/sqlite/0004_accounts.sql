-- Accounts for `idiograph serve --team`: people, their role in a project, and their login
-- sessions. In a project file they belong to that file alone. They are not study data: commands
-- that change them leave an audit event but no row images (so undo never touches them), and
-- dumps and project copies leave them out. Sessions keep only a hash of their token.
CREATE TABLE account (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- `project` is '' in a file (the file is the project); on a server it names the project's schema.
CREATE TABLE membership (
    account_id TEXT NOT NULL REFERENCES account(id),
    project TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (account_id, project)
);
-- Times in seconds since 1970 so that expiry compares numbers.
CREATE TABLE account_session (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account(id),
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    revoked INTEGER NOT NULL
);
CREATE INDEX account_session_account ON account_session (account_id);
