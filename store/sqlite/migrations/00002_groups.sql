-- +goose Up
-- Peer support groups, memberships, invites, join requests and the group chat.
-- Timestamps are unix milliseconds (UTC).
CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    guidelines  TEXT NOT NULL DEFAULT '',
    visibility  TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- A membership is also the member's read marker: last_read_seq is the highest message
-- sequence they have seen in the group, so unread counts need no extra table.
CREATE TABLE memberships (
    group_id               INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id                INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    is_moderator           INTEGER NOT NULL DEFAULT 0,
    joined_at              INTEGER NOT NULL,
    guidelines_accepted_at INTEGER NOT NULL,
    last_read_seq          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE group_invites (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,   -- SHA-256 of the link token; the token itself is never stored
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses   INTEGER NOT NULL,
    uses       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX group_invites_group ON group_invites(group_id);

CREATE TABLE join_requests (
    group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

-- seq is monotonic per group and assigned inside the committing transaction; client_id is
-- the sender's idempotency key, so a resend finds the original row instead of a new one.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    group_id   INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    author_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted_at INTEGER,
    UNIQUE (group_id, seq),
    UNIQUE (author_id, client_id)
);

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('heart', 'pray', 'strong', 'grow')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id, kind)
) WITHOUT ROWID;

-- Starter groups, so a new Hearth has somewhere warm to begin.
INSERT INTO groups (slug, name, description, guidelines, visibility, created_at, updated_at) VALUES
('welcome', 'Welcome Circle',
 'New here? Say hello. This is a gentle place to introduce yourself, ask how Hearth works and meet people who understand.',
 'Be kind and patient: everyone arrives carrying something.
Share your own experience; avoid telling others what they must do.
What is shared here stays here.
If you are in immediate danger, contact your local emergency number or a crisis line now.',
 'public', CAST(strftime('%s','now') AS INTEGER) * 1000, CAST(strftime('%s','now') AS INTEGER) * 1000),
('one-day-at-a-time', 'One Day at a Time',
 'Peer support for recovery from alcohol and other substances. Check in, share a win, or lean on others on a hard day.',
 'Speak from "I": share your own experience, strength and hope.
No judgement of anyone''s path or pace, including relapse.
No selling, no medical advice, no graphic descriptions of use.
What is shared here stays here.',
 'public', CAST(strftime('%s','now') AS INTEGER) * 1000, CAST(strftime('%s','now') AS INTEGER) * 1000),
('anxiety-peer-support', 'Anxiety Peer Support',
 'For anyone living with anxiety or panic. Swap coping ideas, talk through a rough moment, celebrate small steps.',
 'Listen first; offer ideas only when invited.
Be careful with content that could be triggering and give a heads-up.
Peers are not professionals: encourage, never diagnose.
What is shared here stays here.',
 'public', CAST(strftime('%s','now') AS INTEGER) * 1000, CAST(strftime('%s','now') AS INTEGER) * 1000),
('grief-and-loss', 'Grief and Loss',
 'A quiet room for those grieving a person, a relationship or a former life. Come as you are; silence is welcome too.',
 'There is no right way or timeline to grieve.
Offer presence rather than fixes.
What is shared here stays here.',
 'public', CAST(strftime('%s','now') AS INTEGER) * 1000, CAST(strftime('%s','now') AS INTEGER) * 1000);

-- +goose Down
DROP TABLE reactions;
DROP TABLE messages;
DROP TABLE join_requests;
DROP TABLE group_invites;
DROP TABLE memberships;
DROP TABLE groups;
