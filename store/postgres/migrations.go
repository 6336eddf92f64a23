// Package postgres holds what is PostgreSQL's own in Hearth's store: its migrations (one
// goose migration per schema change, beside SQLite's in store/migrations), applied by the
// store when Options.DatabaseURL names a PostgreSQL database.
package postgres

import "embed"

// Migrations are the goose migrations of the PostgreSQL schema, under migrations/.
//
//go:embed migrations/*.sql
var Migrations embed.FS
