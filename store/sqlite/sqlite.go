// Package sqlite holds what is SQLite's own in Hearth's store: its migrations. The store's
// connection settings and the SQLite-only planner hints are documented where they are used,
// in package store.
package sqlite

import "embed"

// Migrations are SQLite's goose migrations, applied in number order. A migration that has
// shipped is never edited.
//
//go:embed migrations/*.sql
var Migrations embed.FS
