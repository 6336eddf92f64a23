-- +goose Up
-- A message may carry a library resource shared into the group: the chat shows it as a
-- card (title, summary, link), or "no longer available" once it is not published. No
-- foreign key: a card whose resource was deleted keeps its id and says it is gone.
ALTER TABLE messages ADD COLUMN resource_id INTEGER;

-- +goose Down
ALTER TABLE messages DROP COLUMN resource_id;
