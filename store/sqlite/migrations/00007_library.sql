-- +goose Up
-- The resource library: curated resources with their revisions, "this helped me", each
-- member's private toolkit, moderators' review notes, and the full-text index.
-- Timestamps are unix milliseconds (UTC).

-- status: draft (written or sent back, only its author and moderators see it), pending
-- (waiting for review), published (everyone), unpublished (taken down or rejected).
-- tags is the tags joined by single spaces, lowercase; resource_tags holds them one a row
-- for filtering. helped_count is kept by the writer of resource_helped.
CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL COLLATE NOCASE UNIQUE,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL CHECK (category IN ('self-care', 'coping-skills', 'building-resilience',
                     'realistic-goals', 'connection-support', 'care-team', 'addiction-recovery', 'crisis-help')),
    tags         TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    warning      TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    author_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'published', 'unpublished')),
    review_note  TEXT NOT NULL DEFAULT '',  -- the latest note to the author (sent back, rejected)
    helped_count INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX resources_status_created ON resources(status, created_at DESC, id DESC);
CREATE INDEX resources_status_helped ON resources(status, helped_count DESC, created_at DESC, id DESC);
CREATE INDEX resources_category ON resources(category, status);
CREATE INDEX resources_author ON resources(author_id);

CREATE TABLE resource_tags (
    tag         TEXT NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    PRIMARY KEY (tag, resource_id)
) WITHOUT ROWID;
CREATE INDEX resource_tags_resource ON resource_tags(resource_id);

-- Every save keeps the whole resource as it became; restoring one is a new revision.
CREATE TABLE resource_revisions (
    id          INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    editor_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',   -- what the save was: "submitted", "restored revision 3", …
    slug        TEXT NOT NULL,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    body        TEXT NOT NULL,
    category    TEXT NOT NULL,
    tags        TEXT NOT NULL,
    link        TEXT NOT NULL,
    warning     TEXT NOT NULL,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL
);
CREATE INDEX resource_revisions_resource ON resource_revisions(resource_id, id);

-- One "this helped me" per member and resource.
CREATE TABLE resource_helped (
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (resource_id, user_id)
) WITHOUT ROWID;
CREATE INDEX resource_helped_user ON resource_helped(user_id);

-- A member's private toolkit: saved resources, their own note, their own order.
CREATE TABLE toolkit_items (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    note        TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (user_id, resource_id)
);
CREATE INDEX toolkit_items_user ON toolkit_items(user_id, position);

-- Moderators' decisions on a resource with the note they left for its author.
CREATE TABLE resource_reviews (
    id           INTEGER PRIMARY KEY,
    resource_id  INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    moderator_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decision     TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX resource_reviews_resource ON resource_reviews(resource_id, id);

-- The starter resources already loaded, by slug: one an admin deleted is never loaded again.
CREATE TABLE library_seeded (
    slug      TEXT PRIMARY KEY COLLATE NOCASE,
    seeded_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Full-text index (FTS4: go-sqlite3 builds it without tags) over the resources table as
-- external content. It holds published resources only, so a search needs no second look at
-- the status of each match; triggers keep it in step with every write, in the same
-- transaction. (An external-content row may be deleted from the index only if it is in it,
-- hence the WHEN clauses.) Marking a resource as helpful does not touch it.
CREATE VIRTUAL TABLE resources_fts USING fts4(content="resources", title, summary, body, tags,
    tokenize=unicode61);

-- +goose StatementBegin
CREATE TRIGGER resources_fts_before_update BEFORE UPDATE OF title, summary, body, tags, status ON resources
WHEN OLD.status = 'published' BEGIN
    DELETE FROM resources_fts WHERE docid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_fts_before_delete BEFORE DELETE ON resources WHEN OLD.status = 'published' BEGIN
    DELETE FROM resources_fts WHERE docid = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_fts_after_update AFTER UPDATE OF title, summary, body, tags, status ON resources
WHEN NEW.status = 'published' BEGIN
    INSERT INTO resources_fts (docid, title, summary, body, tags) VALUES (NEW.id, NEW.title, NEW.summary, NEW.body, NEW.tags);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER resources_fts_after_insert AFTER INSERT ON resources WHEN NEW.status = 'published' BEGIN
    INSERT INTO resources_fts (docid, title, summary, body, tags) VALUES (NEW.id, NEW.title, NEW.summary, NEW.body, NEW.tags);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER resources_fts_after_insert;
DROP TRIGGER resources_fts_after_update;
DROP TRIGGER resources_fts_before_delete;
DROP TRIGGER resources_fts_before_update;
DROP TABLE resources_fts;
DROP TABLE library_seeded;
DROP TABLE resource_reviews;
DROP TABLE toolkit_items;
DROP TABLE resource_helped;
DROP TABLE resource_revisions;
DROP TABLE resource_tags;
DROP TABLE resources;
