-- Failed logins, for the login rate limit. Kept in the database rather than in a server process,
-- so that several processes behind a load balancer count the same failures. `key` is a hash of
-- what is limited (a user name or a client address), never the name or address itself; rows
-- older than the limit's window are deleted as new failures arrive.
CREATE TABLE login_failure (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (key, at);
-- A server also records deleted projects here (see ../postgres/0005_server_records.sql); a file
-- needs no such record, as it is deleted as a file.
