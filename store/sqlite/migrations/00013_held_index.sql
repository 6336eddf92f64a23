-- +goose Up
-- A member's held messages are looked up on every group page they open: a partial index
-- over the few held rows, instead of a walk of all their messages.
CREATE INDEX messages_held ON messages(group_id, author_id) WHERE held;

-- +goose Down
DROP INDEX messages_held;
