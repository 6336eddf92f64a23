-- +goose Up
-- Look-alike display names and password reset links.

-- The confusable skeleton (Unicode TR39) of the display name, case-folded: two names with
-- the same skeleton look alike ("Maple" and "Mаple" with a Cyrillic а). SQL cannot compute
-- it, so Store.Migrate fills it in Go after the migrations (and recomputes it whenever the
-- skeleton tables change). Not UNIQUE: a community may already hold two look-alike names,
-- and refusing to start over them would help nobody; new ones are refused by CreateUser and
-- SetDisplayName inside their write transaction.
ALTER TABLE users ADD COLUMN display_name_skeleton TEXT NOT NULL DEFAULT '';
CREATE INDEX users_display_name_skeleton ON users(display_name_skeleton);

-- One-time links to set a new password, made by an admin or `hearth user password NAME`.
-- Only the SHA-256 of the link's token is stored, like sessions and invites.
CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER            -- NULL until the link is used or replaced by a newer one
);
CREATE INDEX password_resets_user ON password_resets(user_id);

-- +goose Down
DROP TABLE password_resets;
DROP INDEX users_display_name_skeleton;
ALTER TABLE users DROP COLUMN display_name_skeleton;
