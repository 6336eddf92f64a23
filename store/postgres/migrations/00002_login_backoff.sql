-- +goose Up
-- Failed logins per username as typed (case-folded), for the login back-off shared by every
-- Hearth node. key is a SHA-256 of the folded username: the table never holds what someone
-- typed. (SQLite's 00019.)
CREATE TABLE login_backoff (
    key      BYTEA PRIMARY KEY,
    failures BIGINT NOT NULL,
    until_at BIGINT NOT NULL, -- refused before this (unix ms)
    last_at  BIGINT NOT NULL  -- the last failure (unix ms)
);
CREATE INDEX login_backoff_last ON login_backoff(last_at);

-- +goose Down
DROP TABLE login_backoff;
