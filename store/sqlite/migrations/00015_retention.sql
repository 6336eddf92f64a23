-- +goose Up
-- Retention (issue 13): an admin may have a group's chat messages erased once they are
-- older than retention_days (0, the default: kept). The background job deletes the rows
-- (store/retention.go); a group's newest message is only cleared, never deleted, so the
-- next message's sequence (MAX(seq) + 1) never goes back and resume stays exact.
ALTER TABLE groups ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0 CHECK (retention_days >= 0);

-- The job looks for old messages group by group, by time.
CREATE INDEX messages_group_created ON messages(group_id, created_at);

-- +goose Down
DROP INDEX messages_group_created;
ALTER TABLE groups DROP COLUMN retention_days;
