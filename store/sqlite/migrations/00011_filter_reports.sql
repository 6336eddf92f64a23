-- +goose Up
-- The word filter's "flag" files a report with no reporter: reports.reporter_id becomes
-- nullable, NULL meaning the community's word filter. SQLite cannot drop NOT NULL in
-- place, so the table is rebuilt (nothing references reports, so the drop cascades
-- nowhere). Its indexes come back unchanged; the partial unique indexes treat NULL as
-- distinct, and the filter files at most one report per message (it runs once, at insert).
CREATE TABLE reports_new (
    id              INTEGER PRIMARY KEY,
    reporter_id     INTEGER REFERENCES users(id) ON DELETE CASCADE, -- NULL: the word filter
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
    raised_at       INTEGER
);
INSERT INTO reports_new SELECT id, reporter_id, subject_id, group_id, message_id, reason, note, created_at, claimed_by,
    claimed_at, resolved_by, resolved_at, outcome, resolution_note, raised_at FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE UNIQUE INDEX reports_open_message ON reports(reporter_id, message_id)
    WHERE resolved_at IS NULL AND message_id IS NOT NULL;
CREATE UNIQUE INDEX reports_open_member ON reports(reporter_id, subject_id, COALESCE(group_id, 0))
    WHERE resolved_at IS NULL AND message_id IS NULL;
CREATE INDEX reports_open ON reports(resolved_at, created_at);
CREATE INDEX reports_message ON reports(message_id);
CREATE INDEX reports_subject ON reports(subject_id);
CREATE INDEX reports_resolver ON reports(resolved_by, resolved_at);

-- +goose Down
DELETE FROM reports WHERE reporter_id IS NULL;
