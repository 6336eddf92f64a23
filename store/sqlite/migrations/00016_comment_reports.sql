-- +goose Up
-- Goal comments become reportable (issue 12: "Comments are reportable once moderation
-- exists"). A report may now name a goal comment (comment_id; message_id NULL) beside a
-- chat message or a member. A comment's reports belong to no group (group_id NULL): they
-- are reviewed by site moderators and admins, like the rest of a goal. One open report per
-- reporter per comment; the open "about a member" index leaves comment reports out, so a
-- member may report two comments by the same author. A moderator hides a comment
-- (hidden_at): its author and its goal's readers see "hidden by a moderator".
ALTER TABLE reports ADD COLUMN comment_id INTEGER REFERENCES goal_comments(id) ON DELETE CASCADE;
ALTER TABLE goal_comments ADD COLUMN hidden_at INTEGER;
CREATE UNIQUE INDEX reports_open_comment ON reports(reporter_id, comment_id)
    WHERE resolved_at IS NULL AND comment_id IS NOT NULL;
DROP INDEX reports_open_member;
CREATE UNIQUE INDEX reports_open_member ON reports(reporter_id, subject_id, COALESCE(group_id, 0))
    WHERE resolved_at IS NULL AND message_id IS NULL AND comment_id IS NULL;
CREATE INDEX reports_comment ON reports(comment_id) WHERE comment_id IS NOT NULL;

-- +goose Down
DROP INDEX reports_comment;
DROP INDEX reports_open_member;
DELETE FROM reports WHERE comment_id IS NOT NULL;
CREATE UNIQUE INDEX reports_open_member ON reports(reporter_id, subject_id, COALESCE(group_id, 0))
    WHERE resolved_at IS NULL AND message_id IS NULL;
DROP INDEX reports_open_comment;
ALTER TABLE goal_comments DROP COLUMN hidden_at;
ALTER TABLE reports DROP COLUMN comment_id;
