-- +goose Up
-- The library's full-text index keeps each word's resources newest first (FTS4 order=DESC),
-- so a search that matches much of the library reads only its newest matches, one at a time,
-- and stops (SearchResources ranks at most searchCandidates of them). Built again from the
-- published resources only, as the triggers of 00007 keep it; those triggers name the table
-- and carry on as they were.
DROP TABLE resources_fts;
CREATE VIRTUAL TABLE resources_fts USING fts4(content="resources", title, summary, body, tags,
    tokenize=unicode61, order=DESC);
INSERT INTO resources_fts (docid, title, summary, body, tags)
    SELECT id, title, summary, body, tags FROM resources WHERE status = 'published';

-- +goose Down
DROP TABLE resources_fts;
CREATE VIRTUAL TABLE resources_fts USING fts4(content="resources", title, summary, body, tags,
    tokenize=unicode61);
INSERT INTO resources_fts (docid, title, summary, body, tags)
    SELECT id, title, summary, body, tags FROM resources WHERE status = 'published';
