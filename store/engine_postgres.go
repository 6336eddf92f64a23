package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for migrations
	"github.com/pressly/goose/v3"

	"github.com/hearth-community/hearth/store/postgres"
)

// ErrBackupElsewhere is Backup's answer on PostgreSQL, where the database server's own tools
// make the copy.
var ErrBackupElsewhere = errors.New("this Hearth stores its data in PostgreSQL: back it up with pg_dump " +
	"(for example: pg_dump --format=custom --file=hearth.dump \"$HEARTH_DATABASE_URL\")")

// openPostgres opens the store on the PostgreSQL database at opts.DatabaseURL. Writers and
// readers are two pools of one server: PostgreSQL runs writers side by side, so the writer
// pool has several connections, and each write is correct on its own (sequences from
// UPDATE ... RETURNING, conditional updates checked by rows affected, unique keys), not
// because one connection writes at a time.
func openPostgres(ctx context.Context, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	c, err := postgres.Connector(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	w := sql.OpenDB(c)
	w.SetMaxOpenConns(max(8, runtime.GOMAXPROCS(0)*2))
	w.SetMaxIdleConns(max(8, runtime.GOMAXPROCS(0)*2))
	w.SetConnMaxIdleTime(5 * time.Minute)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store: connect to PostgreSQL: %w", err)
	}
	r := sql.OpenDB(c)
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	r.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{w: w, r: newReadPool(r), path: "PostgreSQL", pg: true, url: opts.DatabaseURL, now: opts.Now, auth: newSessionCache(), unread: newUnreadCache()}
	s.OnChange(s.auth.follow)
	s.OnChange(s.unread.follow)
	return s, nil
}

// migrateLockKey is the advisory lock nodes take while migrating, so nodes that start
// together migrate once: the others wait, then find nothing left to do.
const migrateLockKey = 0x4865617274 // "Heart"

// migratePostgres applies PostgreSQL's migrations under a session advisory lock.
func (s *Store) migratePostgres(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, migrateLockKey); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, migrateLockKey) //nolint:errcheck
	// goose gets a connection of its own, without the store's rewriting: its version table
	// has a boolean column, where the store sends Go booleans as 0 and 1.
	db, err := sql.Open("pgx", s.url)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer db.Close()
	return s.migrate(ctx, db, goose.DialectPostgres, postgres.Migrations)
}

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.pg }

// Keys of serialize: decisions that read more than the rows they write.
const (
	lockAdmins  = 1 // who is an admin: the first account, the last admin
	lockLogins  = 2 // one member's ways to log in (with their id)
	lockMember  = 3 // joining and being banned (with the member's id)
	lockReports = 4 // claiming and resolving reports
)

// serialize makes transactions that take the same key and id wait for each other until
// they end, so a decision read from rows no one else may then change (no admins yet; this
// is the member's last way to log in) holds at commit. On SQLite it does nothing: its
// transactions already run one at a time.
func (s *Store) serialize(ctx context.Context, tx *sql.Tx, key, id int64) error {
	if !s.pg {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(CAST(? AS INT), CAST(? AS INT))`, key, id&0x7fffffff); err != nil {
		return fmt.Errorf("take lock %d: %w", key, err)
	}
	return nil
}

// MigratePostgres opens the PostgreSQL database at url, applies every migration, and closes
// it: a database made ready before any node starts (tests copy one for each test).
func MigratePostgres(ctx context.Context, url string) error {
	st, err := Open(ctx, Options{DatabaseURL: url})
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Migrate(ctx)
}
