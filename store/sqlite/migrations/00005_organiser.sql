-- +goose Up
-- Organiser tools: archived groups stay readable by their members but take no new
-- messages and leave the group list; a group's earlier addresses keep leading to it.
ALTER TABLE groups ADD COLUMN archived_at INTEGER;

-- A slug a group used before. The current slugs in groups win over these, so an address
-- given up and later taken by another group leads to the new owner.
CREATE TABLE group_slugs (
    slug     TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_slugs_group ON group_slugs(group_id);

-- An approved join request waits for the member to accept the group's guidelines, as every
-- other way in does; joining then removes it.
ALTER TABLE join_requests ADD COLUMN approved_at INTEGER;

-- +goose Down
ALTER TABLE join_requests DROP COLUMN approved_at;
DROP TABLE group_slugs;
ALTER TABLE groups DROP COLUMN archived_at;
