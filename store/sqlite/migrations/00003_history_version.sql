-- +goose Up
-- A counter per group that moves whenever anything its chat history shows changes: a new
-- message, an edit or removal, a reaction added or taken back. Triggers keep it, so every
-- writer (and every Hearth node sharing the database) moves it in the same transaction as
-- the change. The group page caches its rendered history under this version.
-- Display names are not covered: a future rename feature must bump the counter of every
-- group the member wrote in.
ALTER TABLE groups ADD COLUMN history_version INTEGER NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE TRIGGER messages_history_insert AFTER INSERT ON messages BEGIN
    UPDATE groups SET history_version = history_version + 1 WHERE id = NEW.group_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER messages_history_update AFTER UPDATE ON messages BEGIN
    UPDATE groups SET history_version = history_version + 1 WHERE id = NEW.group_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reactions_history_insert AFTER INSERT ON reactions BEGIN
    UPDATE groups SET history_version = history_version + 1
    WHERE id = (SELECT group_id FROM messages WHERE id = NEW.message_id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER reactions_history_delete AFTER DELETE ON reactions BEGIN
    UPDATE groups SET history_version = history_version + 1
    WHERE id = (SELECT group_id FROM messages WHERE id = OLD.message_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER reactions_history_delete;
DROP TRIGGER reactions_history_insert;
DROP TRIGGER messages_history_update;
DROP TRIGGER messages_history_insert;
ALTER TABLE groups DROP COLUMN history_version;
