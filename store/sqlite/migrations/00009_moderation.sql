-- +goose Up
-- Moderation: reports, sanctions, appeals, the room states (locked, slow mode,
-- facilitated) and the append-only audit log.
--
-- Member data and erasure (issue 13): every table here that holds a member's data is keyed
-- by their user id with ON DELETE CASCADE (reports they filed or that are about them,
-- their sanctions and appeals), or SET NULL where the row is someone else's record (the
-- moderator who claimed or decided). The audit log holds no names and no message text,
-- only ids: once a member is deleted their id there is an anonymous number, which is the
-- erase path for it (the table refuses UPDATE and DELETE, see the triggers below).
ALTER TABLE groups ADD COLUMN locked_at INTEGER;
ALTER TABLE groups ADD COLUMN slow_mode_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN facilitated INTEGER NOT NULL DEFAULT 0;
-- A hidden message keeps its text for the moderators (and a restore); every shared
-- rendering shows "hidden by a moderator" instead.
ALTER TABLE messages ADD COLUMN hidden_at INTEGER;

-- A report: about a message (message_id set), about a member in a group (message_id
-- NULL), or a member's own request for a check-in (reason 'care', reporter = subject).
CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    reporter_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subject_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id        INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    message_id      INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    reason          TEXT NOT NULL CHECK (reason IN ('care', 'harassment', 'spam', 'unsafe', 'other')),
    note            TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at      INTEGER NOT NULL,
    claimed_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    claimed_at      INTEGER,
    resolved_by     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    resolved_at     INTEGER,
    outcome         TEXT CHECK (outcome IN ('no_action', 'action_taken')),
    resolution_note TEXT NOT NULL DEFAULT '',
    raised_at       INTEGER -- when an unclaimed care concern was raised to the admins
);
CREATE UNIQUE INDEX reports_open_message ON reports(reporter_id, message_id)
    WHERE resolved_at IS NULL AND message_id IS NOT NULL;
CREATE UNIQUE INDEX reports_open_member ON reports(reporter_id, subject_id, COALESCE(group_id, 0))
    WHERE resolved_at IS NULL AND message_id IS NULL;
CREATE INDEX reports_open ON reports(resolved_at, created_at);
CREATE INDEX reports_message ON reports(message_id);
CREATE INDEX reports_subject ON reports(subject_id);
CREATE INDEX reports_resolver ON reports(resolved_by, resolved_at);

-- A sanction on a member: a hidden message of theirs, a warning, a mute or ban in a group,
-- or a site-wide suspension. expires_at NULL means until lifted.
CREATE TABLE sanctions (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('hide', 'warn', 'mute', 'ban', 'suspend')),
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id     INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    message_id   INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    moderator_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    lifted_at    INTEGER,
    lifted_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    seen_at      INTEGER -- when the member saw it on their notices page
);
CREATE INDEX sanctions_user ON sanctions(user_id, kind, group_id);
CREATE INDEX sanctions_message ON sanctions(message_id);
CREATE INDEX sanctions_unseen ON sanctions(user_id) WHERE seen_at IS NULL;

-- One appeal per sanction, decided by a moderator other than the one who acted.
CREATE TABLE appeals (
    id            INTEGER PRIMARY KEY,
    sanction_id   INTEGER NOT NULL UNIQUE REFERENCES sanctions(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    note          TEXT NOT NULL CHECK (length(note) BETWEEN 1 AND 500),
    created_at    INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decided_at    INTEGER,
    outcome       TEXT CHECK (outcome IN ('upheld', 'lifted')),
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX appeals_open ON appeals(decided_at);
CREATE INDEX appeals_user ON appeals(user_id);

-- The audit log: who did what, to whom, where, when and why. Ids only (no names, no
-- message text), no foreign keys (a cascade would be an UPDATE or DELETE), append-only.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    moderator_id INTEGER NOT NULL,
    action       TEXT NOT NULL,
    target_id    INTEGER,
    group_id     INTEGER,
    message_id   INTEGER,
    report_id    INTEGER,
    reason       TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_group ON audit_log(group_id, id);
CREATE INDEX audit_log_moderator ON audit_log(moderator_id, id);
CREATE INDEX audit_log_target ON audit_log(target_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE appeals;
DROP TABLE sanctions;
DROP TABLE reports;
ALTER TABLE messages DROP COLUMN hidden_at;
ALTER TABLE groups DROP COLUMN facilitated;
ALTER TABLE groups DROP COLUMN slow_mode_seconds;
ALTER TABLE groups DROP COLUMN locked_at;
