-- +goose Up
-- Goals in small steps, shared with a group or kept private, cheered by peers; and the
-- in-app notifications. Every table holding member data is keyed by the member's user id
-- (directly or through goals.user_id) with ON DELETE CASCADE, so erasing an account erases
-- its goals, milestones, updates, reactions, comments and notifications.

CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    why          TEXT NOT NULL DEFAULT '',
    target_date  TEXT NOT NULL DEFAULT '',          -- YYYY-MM-DD or ''
    -- private: the owner (and the buddy) only; group: members of group_id; members: every member.
    visibility   TEXT NOT NULL CHECK (visibility IN ('private', 'group', 'members')),
    -- A goal shared with a group whose group is deleted falls back to private (trigger below).
    group_id     INTEGER REFERENCES groups(id) ON DELETE SET NULL,
    buddy_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'completed', 'archived')),
    comments_off INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- Days of progress are kept across pauses and restarts: active_ms is the time of every
    -- finished run, active_since the start of the current one (NULL when not active).
    active_ms    INTEGER NOT NULL DEFAULT 0,
    active_since INTEGER,
    restarts     INTEGER NOT NULL DEFAULT 0,
    -- How many milestones the goal has and how many are done, kept by triggers so a board
    -- of many goals reads them with the goal.
    milestone_count INTEGER NOT NULL DEFAULT 0,
    done_count      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX goals_user ON goals(user_id, state);
CREATE INDEX goals_group ON goals(group_id) WHERE visibility = 'group';
CREATE INDEX goals_buddy ON goals(buddy_id) WHERE buddy_id IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER goals_group_gone AFTER UPDATE OF group_id ON goals
WHEN NEW.group_id IS NULL AND NEW.visibility = 'group'
BEGIN
    UPDATE goals SET visibility = 'private' WHERE id = NEW.id;
END;
-- +goose StatementEnd

CREATE TABLE goal_milestones (
    id       INTEGER PRIMARY KEY,
    goal_id  INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title    TEXT NOT NULL,
    done_at  INTEGER                                -- NULL until checked off
);
CREATE INDEX goal_milestones_goal ON goal_milestones(goal_id, position);

-- +goose StatementBegin
CREATE TRIGGER goal_milestones_added AFTER INSERT ON goal_milestones
BEGIN
    UPDATE goals SET milestone_count = milestone_count + 1, done_count = done_count + (NEW.done_at IS NOT NULL)
    WHERE id = NEW.goal_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER goal_milestones_removed AFTER DELETE ON goal_milestones
BEGIN
    UPDATE goals SET milestone_count = milestone_count - 1, done_count = done_count - (OLD.done_at IS NOT NULL)
    WHERE id = OLD.goal_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER goal_milestones_checked AFTER UPDATE OF done_at ON goal_milestones
WHEN (OLD.done_at IS NULL) <> (NEW.done_at IS NULL)
BEGIN
    UPDATE goals SET done_count = done_count + (NEW.done_at IS NOT NULL) - (OLD.done_at IS NOT NULL)
    WHERE id = NEW.goal_id;
END;
-- +goose StatementEnd

-- The goal's history: what the chart and the feeds are drawn from.
CREATE TABLE goal_events (
    id              INTEGER PRIMARY KEY,
    goal_id         INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('created', 'update', 'milestone', 'paused', 'restarted', 'completed', 'archived')),
    note            TEXT NOT NULL DEFAULT '',
    milestone_id    INTEGER REFERENCES goal_milestones(id) ON DELETE SET NULL,
    milestone_title TEXT NOT NULL DEFAULT '',
    feeling         INTEGER CHECK (feeling IS NULL OR feeling BETWEEN 1 AND 5),
    done            INTEGER NOT NULL DEFAULT 0,      -- milestones done after this event
    created_at      INTEGER NOT NULL
);
CREATE INDEX goal_events_goal ON goal_events(goal_id, id);

CREATE TABLE goal_reactions (
    goal_id    INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('clap', 'strong', 'grow', 'heart')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (goal_id, user_id, kind)
) WITHOUT ROWID;
CREATE INDEX goal_reactions_user ON goal_reactions(user_id);

CREATE TABLE goal_comments (
    id         INTEGER PRIMARY KEY,
    goal_id    INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX goal_comments_goal ON goal_comments(goal_id, id);
CREATE INDEX goal_comments_user ON goal_comments(user_id);

-- In-app notifications. One row per recipient, kind and subject while unread, so news
-- about the same thing is coalesced ("3 people cheered …"); who did it is in
-- notification_actors, which cascades from the actor's account and from the comment, so a
-- deleted subject takes its notification with it.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    goal_id    INTEGER REFERENCES goals(id) ON DELETE CASCADE,
    group_id   INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    detail     TEXT NOT NULL DEFAULT '',            -- e.g. the milestone reached, "approved"
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, updated_at DESC);
CREATE INDEX notifications_unread ON notifications(user_id, kind, goal_id, group_id) WHERE read_at IS NULL;
CREATE INDEX notifications_goal ON notifications(goal_id) WHERE goal_id IS NOT NULL;

CREATE TABLE notification_actors (
    notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    actor_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    comment_id      INTEGER REFERENCES goal_comments(id) ON DELETE CASCADE,
    -- The chat message that mentioned the recipient; a removed message is forgotten by
    -- Store.ForgetMessageNotices (messages are removed by clearing them, not deleting rows).
    message_id      INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notification_actors_n ON notification_actors(notification_id);
CREATE INDEX notification_actors_actor ON notification_actors(actor_id);
CREATE INDEX notification_actors_comment ON notification_actors(comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX notification_actors_message ON notification_actors(message_id) WHERE message_id IS NOT NULL;

-- A kind a member switched off. Absent means on.
CREATE TABLE notification_settings (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE notification_settings;
DROP TABLE notification_actors;
DROP TABLE notifications;
DROP TABLE goal_comments;
DROP TABLE goal_reactions;
DROP TABLE goal_events;
DROP TRIGGER goal_milestones_checked;
DROP TRIGGER goal_milestones_removed;
DROP TRIGGER goal_milestones_added;
DROP TABLE goal_milestones;
DROP TRIGGER goals_group_gone;
DROP TABLE goals;
