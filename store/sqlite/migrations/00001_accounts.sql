-- +goose Up
-- Accounts, roles and server-side sessions. Timestamps are unix milliseconds (UTC).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL COLLATE NOCASE UNIQUE,   -- private login name
    display_name  TEXT NOT NULL COLLATE NOCASE UNIQUE,   -- the pseudonym others see
    email         TEXT NOT NULL DEFAULT '',              -- optional, never shown to others
    password_hash TEXT NOT NULL DEFAULT '',              -- empty for accounts without a password
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'admin')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,  -- SHA-256 of the cookie token; the token itself is never stored
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
