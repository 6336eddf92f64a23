-- +goose Up
-- The highest message sequence assigned in each group. The committer takes the next one with
-- UPDATE ... RETURNING inside its transaction, the same on SQLite and PostgreSQL, so nodes
-- that share one database never hand out a sequence twice.
ALTER TABLE groups ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET last_seq = COALESCE((SELECT MAX(seq) FROM messages WHERE group_id = groups.id), 0);

-- Flags are compared with 0 in queries both engines run (PostgreSQL has no integer truth),
-- and SQLite uses a partial index only for a query that names its predicate exactly.
DROP INDEX messages_held;
CREATE INDEX messages_held ON messages(group_id, author_id) WHERE held <> 0;

-- +goose Down
DROP INDEX messages_held;
CREATE INDEX messages_held ON messages(group_id, author_id) WHERE held;
ALTER TABLE groups DROP COLUMN last_seq;
