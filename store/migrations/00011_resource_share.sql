-- +goose Up
-- A message may carry a library resource shared into the group: the chat shows it as a
-- card (title, summary, link), or "no longer available" once it is not published.
ALTER TABLE messages ADD COLUMN resource_id INTEGER REFERENCES resources(id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE messages DROP COLUMN resource_id;
