-- +goose Up
-- Each group's member count, kept by triggers in the same transaction as the membership
-- change (cascades from a deleted account included), so the group page reads it with the
-- group instead of counting its members on every view.
ALTER TABLE groups ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE groups SET member_count = (SELECT count(*) FROM memberships m WHERE m.group_id = groups.id);

-- +goose StatementBegin
CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships BEGIN
    UPDATE groups SET member_count = member_count + 1 WHERE id = NEW.group_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships BEGIN
    UPDATE groups SET member_count = member_count - 1 WHERE id = OLD.group_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER memberships_count_delete;
DROP TRIGGER memberships_count_insert;
ALTER TABLE groups DROP COLUMN member_count;
