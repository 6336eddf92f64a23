-- +goose Up
-- Failed logins per username as typed (case-folded), for the login back-off when several
-- Hearth nodes share one database (a single node keeps it in memory). key is a SHA-256 of
-- the folded username: the table never holds what someone typed.
CREATE TABLE login_backoff (
    key      BLOB PRIMARY KEY,
    failures INTEGER NOT NULL,
    until_at INTEGER NOT NULL, -- refused before this (unix ms)
    last_at  INTEGER NOT NULL  -- the last failure (unix ms)
) WITHOUT ROWID;
CREATE INDEX login_backoff_last ON login_backoff(last_at);

-- +goose Down
DROP TABLE login_backoff;
