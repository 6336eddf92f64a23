-- +goose Up
-- Social login (GitHub, Google, GitLab, Discord, OpenID Connect). Hearth keeps the least it
-- can: which provider and the provider's stable subject id, never a name, avatar or e-mail.

-- A member's linked logins. One per provider per member; a provider account belongs to one
-- member only. Deleting the member deletes their links.
CREATE TABLE user_identities (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider   TEXT NOT NULL,   -- github, google, gitlab, discord, oidc
    subject    TEXT NOT NULL,   -- the provider's stable id of the account (OIDC "sub")
    created_at INTEGER NOT NULL,
    UNIQUE (provider, subject),
    UNIQUE (user_id, provider)
);

-- A login with a provider under way: created when the member is sent to the provider,
-- taken (deleted) when they come back, gone after 10 minutes. Only hashes of the OAuth
-- state and of the browser's flow cookie are stored; the PKCE verifier and the OIDC nonce
-- are derived from the cookie, so this table alone cannot finish anyone's login.
CREATE TABLE oauth_flows (
    state_hash   BLOB PRIMARY KEY,
    browser_hash BLOB NOT NULL,
    provider     TEXT NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('login', 'link')),
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE, -- logged in at the start (0/NULL: nobody)
    next         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX oauth_flows_expiry ON oauth_flows(expires_at);

-- Someone who came back from a provider with an identity Hearth does not know yet, while
-- they choose a display name and accept the guidelines. No account exists until they do;
-- the row is bound to their browser and gone after 30 minutes.
CREATE TABLE pending_identities (
    browser_hash BLOB PRIMARY KEY,
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    next         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX pending_identities_expiry ON pending_identities(expires_at);

-- Site-wide settings an admin changes in the browser, by key. A missing key is its default.
CREATE TABLE site_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE site_settings;
DROP TABLE pending_identities;
DROP TABLE oauth_flows;
DROP TABLE user_identities;
