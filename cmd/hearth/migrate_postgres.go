package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, to read the source file

	"github.com/hearth-community/hearth/store"
)

// migrateToPostgres copies the SQLite community in the data directory into the empty
// PostgreSQL database at cfg.DatabaseURL: both are migrated to this Hearth's newest schema,
// then every row of every table is copied, ids included, in one PostgreSQL transaction that
// commits only once the row counts of every table agree. Hearth should be stopped meanwhile:
// what members write during the copy is not in it.
//
// "Empty" means nothing but what Hearth's own migrations put there (starter groups, crisis
// lines, the starter library): a database with a member, a message or any other row is
// refused before anything is written to it.
func migrateToPostgres(ctx context.Context, cfg Config, out io.Writer) error {
	if cfg.DatabaseURL == "" {
		return errors.New("migrate-to-postgres: set -database-url (or HEARTH_DATABASE_URL) to the empty PostgreSQL database to copy into")
	}
	src, target := cfg.DBPath(), describeDatabaseURL(cfg.DatabaseURL)
	if fi, err := os.Stat(src); err != nil || fi.IsDir() {
		return fmt.Errorf("migrate-to-postgres: no SQLite database at %s (point -data at the directory holding hearth.db)", src)
	}
	pg, err := pgx.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrate-to-postgres: connect to %s: %w", target, err)
	}
	defer pg.Close(context.WithoutCancel(ctx))
	// Refused before anything is written, migrations included.
	if err := checkEmptyTarget(ctx, pg, target); err != nil {
		return err
	}

	fmt.Fprintf(out, "Bringing %s up to date...\n", src)
	if err := migrateStore(ctx, store.Options{Path: src, Synchronous: cfg.Synchronous}); err != nil {
		return fmt.Errorf("migrate-to-postgres: migrate %s: %w", src, err)
	}
	fmt.Fprintf(out, "Creating Hearth's tables in %s...\n", target)
	if err := migrateStore(ctx, store.Options{DatabaseURL: cfg.DatabaseURL}); err != nil {
		return fmt.Errorf("migrate-to-postgres: migrate %s: %w", target, err)
	}

	counts, err := copyCommunity(ctx, src, pg, target)
	if err != nil {
		return err
	}
	slices.SortFunc(counts, func(a, b tableCount) int { return strings.Compare(a.table, b.table) })
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tSQLite rows\tPostgreSQL rows\t")
	for _, c := range counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", c.table, c.sqlite, c.postgres)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "Copied %s into %s: every table's rows counted on both sides, message sequences checked.\n"+
		"Start Hearth with HEARTH_DATABASE_URL set to this database. Keep %s as a backup until you are sure.\n", src, target, src)
	return nil
}

// migrateStore opens a store and applies its migrations.
func migrateStore(ctx context.Context, opts store.Options) error {
	st, err := store.Open(ctx, opts)
	if err != nil {
		return err
	}
	return errors.Join(st.Migrate(ctx), st.Close())
}

// tableCount is one line of the copy's report.
type tableCount struct {
	table            string
	sqlite, postgres int64
}

// pgQuerier is what the emptiness check needs: a connection or a transaction.
type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// starterRows selects, per table, the rows Hearth's migrations write into a new database;
// every other row of every table makes a database not empty.
var starterRows = map[string]string{
	"groups":             `created_by IS NULL AND slug IN ('welcome', 'one-day-at-a-time', 'anxiety-peer-support', 'grief-and-loss')`,
	"crisis_lines":       `true`,
	"crisis_phrases":     `true`,
	"library_seeded":     `true`,
	"resources":          `author_id IS NULL AND slug IN (SELECT slug FROM library_seeded)`,
	"resource_tags":      `resource_id IN (SELECT id FROM resources WHERE author_id IS NULL)`,
	"resource_revisions": `editor_id IS NULL AND resource_id IN (SELECT id FROM resources WHERE author_id IS NULL)`,
	"goose_db_version":   `true`,
}

// checkEmptyTarget refuses a PostgreSQL database holding anything but starter rows.
func checkEmptyTarget(ctx context.Context, q pgQuerier, target string) error {
	tables, err := pgTables(ctx, q)
	if err != nil {
		return fmt.Errorf("migrate-to-postgres: read the tables of %s: %w", target, err)
	}
	var found []string
	for _, t := range tables {
		query := `SELECT count(*) FROM ` + pgx.Identifier{t}.Sanitize()
		if starter, ok := starterRows[t]; ok {
			query += ` WHERE NOT (` + starter + `)`
		}
		var n int64
		if err := q.QueryRow(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("migrate-to-postgres: count the rows of %s in %s: %w", t, target, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s: %d rows", t, n))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("migrate-to-postgres: %s is not empty (%s). It copies into an empty database only, "+
			"and nothing was written: create a new database (for example: createdb --owner=hearth hearth) and point -database-url at it",
			target, strings.Join(found, ", "))
	}
	return nil
}

// pgTables lists the tables of the current schema, by name.
func pgTables(ctx context.Context, q pgQuerier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// copyTable is a table both engines have, with the columns copied and their PostgreSQL types.
type copyTable struct {
	name    string
	cols    []string
	pgTypes []string // information_schema data_type of each column
	refs    []string // tables its foreign keys point at
}

// copyCommunity copies every row from the SQLite file at src into pg (already migrated and
// checked empty) in one transaction, and checks the copy before committing it.
func copyCommunity(ctx context.Context, src string, pg *pgx.Conn, target string) ([]tableCount, error) {
	fail := func(what string, err error) ([]tableCount, error) {
		return nil, fmt.Errorf("migrate-to-postgres: %s: %w", what, err)
	}
	db, err := sql.Open("sqlite3", "file:"+src+"?_query_only=true&_busy_timeout=10000")
	if err != nil {
		return fail("open "+src, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// One read transaction: the copy is one snapshot of the file.
	lite, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fail("read "+src, err)
	}
	defer lite.Rollback() //nolint:errcheck // read-only

	tables, err := sqliteTables(ctx, lite)
	if err != nil {
		return fail("read the tables of "+src, err)
	}
	if err := matchColumns(ctx, pg, tables); err != nil {
		return fail("compare the tables of "+src+" and "+target, err)
	}
	order, err := copyOrder(tables)
	if err != nil {
		return fail("order the tables", err)
	}
	// CITEXT is an extension's type, unknown to pgx until named: its values travel as text.
	var citext uint32
	if err := pg.QueryRow(ctx, `SELECT 'citext'::regtype::oid`).Scan(&citext); err != nil {
		return fail("look up the citext type", err)
	}
	pg.TypeMap().RegisterType(&pgtype.Type{Name: "citext", OID: citext, Codec: pgtype.TextCodec{}})

	tx, err := pg.Begin(ctx)
	if err != nil {
		return fail("begin", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing

	names := make([]string, len(order))
	for i, t := range order {
		names[i] = pgx.Identifier{t.name}.Sanitize()
	}
	list := strings.Join(names, ", ")
	// Nobody writes meanwhile, and the database is still empty under the lock.
	if _, err := tx.Exec(ctx, `LOCK TABLE `+list+` IN ACCESS EXCLUSIVE MODE`); err != nil {
		return fail("lock the tables of "+target, err)
	}
	if err := checkEmptyTarget(ctx, tx, target); err != nil {
		return nil, err
	}
	// The starter rows the migrations wrote give way to the community's own.
	if _, err := tx.Exec(ctx, `TRUNCATE `+list); err != nil {
		return fail("clear the starter rows of "+target, err)
	}
	// Triggers keep counters (member counts, history versions) and refuse changes to the
	// audit log; the copied rows carry their counters already. Foreign keys stay checked.
	for _, n := range names {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+n+` DISABLE TRIGGER USER`); err != nil {
			return fail("switch off the triggers of "+n+" for the copy (the tables must belong to the user of -database-url)", err)
		}
	}
	for _, t := range order {
		if err := copyRows(ctx, lite, tx, t); err != nil {
			return fail("copy "+t.name, err)
		}
	}
	for _, n := range names {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+n+` ENABLE TRIGGER USER`); err != nil {
			return fail("switch the triggers of "+n+" back on", err)
		}
	}
	if err := moveIdentities(ctx, tx, order); err != nil {
		return fail("move the id sequences past the copied ids", err)
	}
	counts, err := verifyCopy(ctx, lite, tx, order)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return fail("commit the copy", err)
	}
	return counts, nil
}

// sqliteTables reads the tables to copy from SQLite's schema: every table but SQLite's own,
// goose's version table (each engine counts its own migrations) and the full-text index
// (a virtual table and its shadow tables; PostgreSQL computes its own).
func sqliteTables(ctx context.Context, tx *sql.Tx) ([]copyTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	type entry struct{ name, sql string }
	var all []entry
	for rows.Next() {
		var e entry
		var s sql.NullString
		if err := rows.Scan(&e.name, &s); err != nil {
			rows.Close()
			return nil, err
		}
		e.sql = s.String
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var virtual []string
	for _, e := range all {
		if strings.HasPrefix(strings.ToUpper(e.sql), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, e.name)
		}
	}
	var out []copyTable
	for _, e := range all {
		if strings.HasPrefix(e.name, "sqlite_") || e.name == "goose_db_version" || slices.Contains(virtual, e.name) ||
			slices.ContainsFunc(virtual, func(v string) bool { return strings.HasPrefix(e.name, v+"_") }) {
			continue
		}
		t := copyTable{name: e.name}
		// Hidden columns (generated ones) are computed by each engine, not copied.
		if t.cols, err = queryStrings(ctx, tx, `SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`, e.name); err != nil {
			return nil, err
		}
		if t.refs, err = queryStrings(ctx, tx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, e.name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// matchColumns checks that PostgreSQL has the same tables with the same (non-generated)
// columns, and notes each column's PostgreSQL type. A difference means the two engines'
// migrations disagree: nothing is copied.
func matchColumns(ctx context.Context, pg *pgx.Conn, tables []copyTable) error {
	rows, err := pg.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER' AND table_name <> 'goose_db_version'`)
	if err != nil {
		return err
	}
	types := map[string]map[string]string{}
	for rows.Next() {
		var t, c, typ string
		if err := rows.Scan(&t, &c, &typ); err != nil {
			rows.Close()
			return err
		}
		if types[t] == nil {
			types[t] = map[string]string{}
		}
		types[t][c] = typ
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var problems []string
	for i, t := range tables {
		cols, ok := types[t.name]
		if !ok {
			problems = append(problems, "PostgreSQL has no table "+t.name)
			continue
		}
		tables[i].pgTypes = make([]string, len(t.cols))
		for j, c := range t.cols {
			typ, ok := cols[c]
			if !ok {
				problems = append(problems, fmt.Sprintf("PostgreSQL's %s has no column %s", t.name, c))
			}
			tables[i].pgTypes[j] = typ
		}
		for c := range cols {
			if !slices.Contains(t.cols, c) {
				problems = append(problems, fmt.Sprintf("SQLite's %s has no column %s", t.name, c))
			}
		}
		delete(types, t.name)
	}
	for t := range types {
		problems = append(problems, "SQLite has no table "+t)
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// copyOrder puts every table after the tables its foreign keys point at, so each copied row
// finds the rows it refers to (PostgreSQL checks foreign keys at each statement's end).
// Ties go by name, so the order is the same every run.
func copyOrder(tables []copyTable) ([]copyTable, error) {
	byName := map[string]copyTable{}
	for _, t := range tables {
		byName[t.name] = t
	}
	done := map[string]bool{}
	var out []copyTable
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables { // tables are sorted by name
			if done[t.name] {
				continue
			}
			ready := true
			for _, r := range t.refs {
				if _, known := byName[r]; known && r != t.name && !done[r] {
					ready = false
					break
				}
			}
			if ready {
				done[t.name], progress = true, true
				out = append(out, t)
			}
		}
		if !progress {
			var left []string
			for _, t := range tables {
				if !done[t.name] {
					left = append(left, t.name)
				}
			}
			return nil, fmt.Errorf("the foreign keys of %s refer to each other in a circle", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// copyRows streams one table's rows from SQLite into PostgreSQL with COPY.
func copyRows(ctx context.Context, lite *sql.Tx, tx pgx.Tx, t copyTable) error {
	quoted := make([]string, len(t.cols))
	for i, c := range t.cols {
		quoted[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
	}
	rows, err := lite.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+strings.ReplaceAll(t.name, `"`, `""`)+`"`)
	if err != nil {
		return err
	}
	defer rows.Close()
	src := &sqliteSource{rows: rows, t: t, vals: make([]any, len(t.cols)), ptrs: make([]any, len(t.cols))}
	for i := range src.vals {
		src.ptrs[i] = &src.vals[i]
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src); err != nil {
		return err
	}
	return rows.Close()
}

// sqliteSource feeds SQLite rows to pgx's CopyFrom, each value in its PostgreSQL column's type.
type sqliteSource struct {
	rows *sql.Rows
	t    copyTable
	vals []any
	ptrs []any
	err  error
}

func (s *sqliteSource) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return false
	}
	return true
}

func (s *sqliteSource) Values() ([]any, error) {
	out := make([]any, len(s.vals))
	for i, v := range s.vals {
		c, err := convertValue(v, s.t.pgTypes[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", s.t.cols[i], err)
		}
		out[i] = c
	}
	return out, nil
}

func (s *sqliteSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// convertValue turns a value as SQLite stored it into the PostgreSQL column's type. SQLite
// lets a column hold any type; Hearth's hold their declared one, so this mostly passes
// values through. NULL stays NULL.
func convertValue(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		case []byte:
			return strconv.ParseInt(string(x), 10, 64)
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case "text", "USER-DEFINED", "character varying":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %T value does not fit PostgreSQL's %s", v, pgType)
}

// moveIdentities moves each identity column's sequence past the highest id copied, so the
// next row PostgreSQL numbers does not collide with a copied one.
func moveIdentities(ctx context.Context, tx pgx.Tx, tables []copyTable) error {
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	type ident struct{ Table, Col string }
	idents, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ident])
	if err != nil {
		return err
	}
	for _, id := range idents {
		if !slices.ContainsFunc(tables, func(t copyTable) bool { return t.name == id.Table }) {
			continue
		}
		table, col := pgx.Identifier{id.Table}.Sanitize(), pgx.Identifier{id.Col}.Sanitize()
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(`+col+`), 0) + 1, false) FROM `+table,
			table, id.Col); err != nil {
			return fmt.Errorf("%s.%s: %w", id.Table, id.Col, err)
		}
	}
	return nil
}

// verifyCopy counts every table's rows on both sides, and checks that each group's message
// sequence came along: the same last_seq as on SQLite, never behind its newest message, so
// no sequence number is handed out twice.
func verifyCopy(ctx context.Context, lite *sql.Tx, tx pgx.Tx, tables []copyTable) ([]tableCount, error) {
	var counts []tableCount
	var wrong []string
	for _, t := range tables {
		c := tableCount{table: t.name}
		if err := lite.QueryRowContext(ctx, `SELECT count(*) FROM "`+strings.ReplaceAll(t.name, `"`, `""`)+`"`).Scan(&c.sqlite); err != nil {
			return nil, fmt.Errorf("migrate-to-postgres: count %s in SQLite: %w", t.name, err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.name}.Sanitize()).Scan(&c.postgres); err != nil {
			return nil, fmt.Errorf("migrate-to-postgres: count %s in PostgreSQL: %w", t.name, err)
		}
		if c.sqlite != c.postgres {
			wrong = append(wrong, fmt.Sprintf("%s: %d rows in SQLite, %d in PostgreSQL", t.name, c.sqlite, c.postgres))
		}
		counts = append(counts, c)
	}
	if len(wrong) > 0 {
		return nil, fmt.Errorf("migrate-to-postgres: the copy does not match, so it was not committed: %s", strings.Join(wrong, "; "))
	}
	seqs := map[int64]int64{}
	rows, err := lite.QueryContext(ctx, `SELECT id, last_seq FROM groups`)
	if err != nil {
		return nil, fmt.Errorf("migrate-to-postgres: read message sequences in SQLite: %w", err)
	}
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("migrate-to-postgres: read message sequences in SQLite: %w", err)
		}
		seqs[id] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate-to-postgres: read message sequences in SQLite: %w", err)
	}
	pgRows, err := tx.Query(ctx, `SELECT g.id, g.last_seq, COALESCE(MAX(m.seq), 0) FROM groups g
		LEFT JOIN messages m ON m.group_id = g.id GROUP BY g.id, g.last_seq ORDER BY g.id`)
	if err != nil {
		return nil, fmt.Errorf("migrate-to-postgres: read message sequences in PostgreSQL: %w", err)
	}
	var id, last, newest int64
	_, err = pgx.ForEachRow(pgRows, []any{&id, &last, &newest}, func() error {
		if want, ok := seqs[id]; !ok || last != want || last < newest {
			wrong = append(wrong, fmt.Sprintf("group %d: last_seq %d in PostgreSQL, %d in SQLite, newest message %d", id, last, seqs[id], newest))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate-to-postgres: read message sequences in PostgreSQL: %w", err)
	}
	if len(wrong) > 0 {
		return nil, fmt.Errorf("migrate-to-postgres: message sequences differ, so the copy was not committed: %s", strings.Join(wrong, "; "))
	}
	return counts, nil
}
