-- +goose Up
-- Member safety: the crisis card's lines, the crisis phrases of the author-only nudge, the
-- community's word filter, content warnings on messages and each member's preference.

-- The lines of the crisis card ("Get help now"), in the order shown. An admin edits them on
-- /admin/crisis; the defaults suit most communities.
CREATE TABLE crisis_lines (
    id       INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL,           -- where or who: "United States", "Everywhere else"
    reach    TEXT NOT NULL,           -- how to reach it: "Call or text 988"
    note     TEXT NOT NULL DEFAULT '' -- a short note: "988 Suicide & Crisis Lifeline"
);
INSERT INTO crisis_lines (position, label, reach, note) VALUES
    (1, 'Anywhere, in immediate danger', 'Call your local emergency number (112, 911, 999, 000…)', 'If you or someone else is in danger right now'),
    (2, 'United States', 'Call or text 988', '988 Suicide & Crisis Lifeline'),
    (3, 'United Kingdom & Ireland', 'Call 116 123', 'Samaritans, free, day and night'),
    (4, 'Everywhere else', 'findahelpline.com', 'Find A Helpline: free services in your country');

-- Words and phrases that make the compose box offer the author the crisis lines before a
-- message is sent. The page gets the list and checks in the browser: nothing about a match
-- reaches the server.
CREATE TABLE crisis_phrases (
    phrase TEXT PRIMARY KEY COLLATE NOCASE
);
INSERT INTO crisis_phrases (phrase) VALUES
    ('kill myself'), ('end my life'), ('want to die'), ('suicide'), ('suicidal'), ('overdose'),
    ('hurt myself'), ('self-harm'), ('no reason to live'), ('better off dead');

-- The community's word filter. Nothing is filtered by default: recovery groups must be able
-- to name substances.
CREATE TABLE filter_entries (
    id         INTEGER PRIMARY KEY,
    phrase     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    action     TEXT NOT NULL CHECK (action IN ('block', 'hold', 'flag')),
    created_at INTEGER NOT NULL
);

-- A short content warning the author put on a message ('' for none), and whether the word
-- filter held the message for review.
ALTER TABLE messages ADD COLUMN content_warning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN held INTEGER NOT NULL DEFAULT 0;

-- Each member's display preferences; a member without a row has the defaults.
CREATE TABLE member_prefs (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    cw_open INTEGER NOT NULL DEFAULT 0 -- content-warned messages start open
);

-- +goose Down
DROP TABLE member_prefs;
ALTER TABLE messages DROP COLUMN held;
ALTER TABLE messages DROP COLUMN content_warning;
DROP TABLE filter_entries;
DROP TABLE crisis_phrases;
DROP TABLE crisis_lines;
