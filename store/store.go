// Package store is Hearth's persistence layer: a concrete *Store over SQLite (the embedded
// default) or PostgreSQL (Options.DatabaseURL, for several nodes) through database/sql. Its
// exported method set is the contract the rest of Hearth relies on.
//
// One method set, written once. The SQL is written in the dialect both engines accept, with
// `?` placeholders; on PostgreSQL the connector of package store/postgres rewrites each query
// text once (placeholders, cast type names, SQLite's JSON list of ids). The few queries that
// cannot be written alike (full-text search, SQLite's index hints, string aggregation) branch
// on s.pg where they are. Each engine has its own migrations (store/sqlite, store/postgres).
// This is a deliberate change from two copies of every method: two copies drift, while one
// copy under one test suite, run on both engines (package storetest), cannot. Correctness
// does not rest on SQLite's single writer: message sequences come from groups.last_seq taken
// with an UPDATE inside the commit, counts that guard a decision (the first or last admin, a
// member's last way to log in) are read under a lock (serialize), and invite uses are a
// conditional update.
//
// SQLite is used with one writer connection and a separate read pool (WAL lets readers run
// beside the writer). Every connection-level setting lives in the DSN so every pooled
// connection gets it. Writes go through the single writer with _txlock=immediate and a busy
// timeout, so concurrent writers queue in Go instead of surfacing SQLITE_BUSY to members.
//
// Bound parameters and re-preparation: the driver clears a statement's bindings after every
// run, and SQLite expires (and re-prepares on the next run) any statement whose plan looked
// at a bound value when it was prepared. Two shapes do that: `LIMIT ?`, and an equality
// `col = ?` in a query over more than one table (a join, a subquery, a json_each(?)
// argument), which the planner probes for 0 or 1 to guess its selectivity. A re-prepared
// read costs two to five times a cached one, so such parameters are written as
// `CAST(? AS INTEGER|TEXT|BLOB)`: the planner does not look into a cast, the index is used
// as before, and the statement stays prepared. (likely() would also stop the probing, but it
// tells the planner the equality is unselective: it turned the session lookup into a scan
// of the expiry index.) BenchmarkReads times the hot reads and TestHotQueryPlans checks
// their plans.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/hearth-community/hearth/store/postgres"
	"github.com/hearth-community/hearth/store/sqlite"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Options configure Open.
type Options struct {
	// Path of the SQLite database file; its directory is created if missing.
	Path string
	// DatabaseURL, when set (postgres://...), stores everything in that PostgreSQL database
	// instead of the SQLite file at Path, so several Hearth nodes can share it. Path,
	// Synchronous, JournalSizeLimit and CheckpointEvery are SQLite's and then unused.
	DatabaseURL string
	// Synchronous is SQLite's synchronous pragma: NORMAL (default) or FULL. In WAL mode NORMAL
	// survives a process crash (kill -9) but may lose the last commits on power loss; FULL
	// also survives power loss at the cost of one fsync per commit.
	Synchronous string
	// Now is the clock; tests pass a fixed one. Defaults to time.Now.
	Now func() time.Time
	// ReadConns bounds the read pool; defaults to max(4, 2*GOMAXPROCS).
	ReadConns int
	// JournalSizeLimit is the size in bytes the WAL file is cut back to after a checkpoint
	// (PRAGMA journal_size_limit); defaults to DefaultJournalSizeLimit. Without it the WAL
	// keeps the size of the largest transaction it ever held, a backup's for instance.
	JournalSizeLimit int64
	// CheckpointEvery is how often a background connection checkpoints the WAL (see
	// checkpoint.go); defaults to DefaultCheckpointEvery. Negative leaves checkpoints to
	// SQLite's default, inside the commit that fills the WAL past 1,000 pages.
	CheckpointEvery time.Duration
}

// DefaultJournalSizeLimit bounds the WAL file left on disk between checkpoints.
const DefaultJournalSizeLimit = 64 << 20

// Store is Hearth's data access object. It is safe for concurrent use.
type Store struct {
	w    *sql.DB   // exactly one connection: SQLite allows one writer at a time
	r    *readPool // read pool with cached prepared statements
	path string
	// pg is set on PostgreSQL; the few queries that differ between the engines branch on it.
	pg   bool
	url  string // the PostgreSQL URL; empty on SQLite
	now  func() time.Time
	auth *sessionCache // sessions with their members, for the per-request lookup
	// unread is every member's unread notification count (notifications.go).
	unread *unreadCache
	// changes is the one after-commit invalidation path (changes.go).
	changes changeFeed
	// health remembers how the latest write ended, for WriteHealth.
	health writeHealth
	// ckpt checkpoints the WAL in the background; nil when Options.CheckpointEvery < 0.
	ckpt *checkpointer
}

// Open opens (creating if needed) the database at opts.Path. It does not migrate; call
// Migrate for that.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.DatabaseURL != "" {
		return openPostgres(ctx, opts)
	}
	if opts.Path == "" {
		return nil, errors.New("open store: empty database path")
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "NORMAL"
	}
	if sync != "NORMAL" && sync != "FULL" {
		return nil, fmt.Errorf("open store: synchronous must be NORMAL or FULL, got %q", opts.Synchronous)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.JournalSizeLimit <= 0 {
		opts.JournalSizeLimit = DefaultJournalSizeLimit
	}
	if err := checkDataPath(opts.Path); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}

	if opts.CheckpointEvery == 0 {
		opts.CheckpointEvery = DefaultCheckpointEvery
	}
	writerPages := 0 // SQLite's default
	if opts.CheckpointEvery > 0 {
		writerPages = writerCheckpointPages
	}

	w := openDB(dsn(opts.Path, sync, false), opts.JournalSizeLimit, writerPages)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", opts.Path, err)
	}

	r := openDB(dsn(opts.Path, sync, true), opts.JournalSizeLimit, 0)
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	r.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{w: w, r: newReadPool(r), path: opts.Path, now: opts.Now, auth: newSessionCache(), unread: newUnreadCache()}
	s.OnChange(s.auth.follow)
	s.OnChange(s.unread.follow)
	if opts.CheckpointEvery > 0 {
		c := openDB(dsn(opts.Path, sync, false), opts.JournalSizeLimit, 0)
		c.SetMaxOpenConns(1)
		c.SetMaxIdleConns(1)
		c.SetConnMaxLifetime(0)
		c.SetConnMaxIdleTime(0)
		s.ckpt = startCheckpointer(c, opts.CheckpointEvery)
	}
	return s, nil
}

// ErrEmptyDatabase is returned by Open for a database file that exists but holds nothing,
// which is what a failed restore or copy leaves behind. Starting on it would found a new
// community in its place, and the next person to register would become its admin.
var ErrEmptyDatabase = errors.New("the database file is empty")

// checkDataPath fails early, and clearly, on the data problems SQLite reports badly: an empty
// database file, and a directory or file Hearth may not write (SQLite says "no such file or
// directory" for a read-only directory, because it cannot create the -wal and -shm files
// beside the database). A missing file is a fresh install.
func checkDataPath(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("data directory %s is not writable: cannot create it: %w", dir, err)
		}
		return fmt.Errorf("create data directory %s: %w", dir, err)
	}
	// Try it rather than reading mode bits: that also answers for read-only mounts, ACLs
	// and root.
	probe, err := os.CreateTemp(dir, ".hearth-write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable (Hearth keeps its database and the -wal and -shm files beside it there): %w", dir, err)
	}
	probe.Close()
	_ = os.Remove(probe.Name())

	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("database file %s: %w", path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("database file %s is a directory", path)
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%w: %s has 0 bytes (a failed restore or copy?). Restore a backup into it, "+
			"or delete it to start a new, empty community", ErrEmptyDatabase, path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("database file %s is not writable: %w", path, err)
	}
	return f.Close()
}

// openDB opens a pool whose every connection runs PRAGMA journal_size_limit, which the
// driver's DSN cannot carry, and, when autoCheckpointPages > 0, PRAGMA wal_autocheckpoint.
func openDB(dsn string, journalSizeLimit int64, autoCheckpointPages int) *sql.DB {
	pragma := fmt.Sprintf("PRAGMA journal_size_limit = %d", journalSizeLimit)
	if autoCheckpointPages > 0 {
		pragma += fmt.Sprintf("; PRAGMA wal_autocheckpoint = %d", autoCheckpointPages)
	}
	return sql.OpenDB(connector{dsn: dsn, d: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		if _, err := c.Exec(pragma, nil); err != nil {
			return fmt.Errorf("set journal size limit: %w", err)
		}
		return nil
	}}})
}

// connector hands database/sql a driver with a connect hook, without registering a
// driver name globally.
type connector struct {
	dsn string
	d   *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// dsn builds the go-sqlite3 connection string. Settings live here so that every pooled
// connection gets them, not only the first one.
func dsn(path, synchronous string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", synchronous)
	q.Set("_secure_delete", "on")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", "-16000") // 16 MB page cache per connection
	if readOnly {
		q.Set("_query_only", "true")
	}
	return "file:" + path + "?" + q.Encode()
}

// Close closes both pools.
func (s *Store) Close() error {
	var ckpt error
	if s.ckpt != nil {
		ckpt = s.ckpt.stop()
	}
	return errors.Join(ckpt, s.r.Close(), s.w.Close())
}

// Now returns the store's clock reading, in UTC.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Migrate applies every embedded migration that has not run yet, each in its own
// transaction. Migrations are append-only: a migration that has shipped is never edited.
//
// A database that has run a migration this binary does not know was written by a newer
// Hearth: Migrate refuses it with a *NewerDatabaseError rather than serve it with old code.
func (s *Store) Migrate(ctx context.Context) error {
	if s.pg {
		return s.migratePostgres(ctx)
	}
	return s.migrate(ctx, s.w, goose.DialectSQLite3, sqlite.Migrations)
}

// migrate applies migrations, then what SQL cannot compute. On PostgreSQL it runs under
// migratePostgres's advisory lock.
func (s *Store) migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, migrations fs.FS) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		return fmt.Errorf("migrate: load migrations: %w", err)
	}
	// GetDBVersion is the highest version recorded (it creates goose's table on a fresh
	// database and answers 0); ListSources is sorted by version.
	at, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("migrate: read the database's migration version: %w", err)
	}
	var knows int64
	if src := p.ListSources(); len(src) > 0 {
		knows = src[len(src)-1].Version
	}
	if at > knows {
		return &NewerDatabaseError{Path: s.path, At: at, Knows: knows}
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// What SQL cannot compute is filled in Go once the schema is in place.
	if err := s.fillDisplayNameSkeletons(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// The starter library: resources not loaded before (library.go).
	files, err := StarterLibrary()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.seedLibrary(ctx, files); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// NewerDatabaseError is Migrate's refusal of a database a newer Hearth has migrated.
type NewerDatabaseError struct {
	Path      string
	At, Knows int64
}

func (e *NewerDatabaseError) Error() string {
	return fmt.Sprintf("database %s is at migration %d but this Hearth knows up to %d: run a newer Hearth or restore a backup",
		e.Path, e.At, e.Knows)
}

// Ping checks that the database answers a read and a write-capable connection is alive.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping readers: %w", err)
	}
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	return nil
}

// InTx runs fn in a write transaction on the single writer connection. The transaction
// is rolled back if fn returns an error or panics, and committed otherwise. Its outcome
// feeds WriteHealth.
//
// On PostgreSQL, where writers run side by side, a transaction the server ends as a
// deadlock or serialization failure is run again, up to three times in all: fn must
// therefore set, not append to, what it hands out.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func() { s.health.record(s.now(), err) }()
	for attempt := 1; ; attempt++ {
		err = s.inTx(ctx, fn)
		if !s.pg || attempt == 3 || !postgres.SerializationFailure(err) || ctx.Err() != nil {
			return err
		}
	}
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// Backup writes an online, consistent copy of the database to dest with VACUUM INTO and
// then runs PRAGMA integrity_check on the copy. dest must not exist yet.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.pg {
		return ErrBackupElsewhere
	}
	// VACUUM INTO accepts an empty file and keeps its mode.
	if err := CreateBackupFile(dest); err != nil {
		return err
	}
	// VACUUM INTO reads inside one transaction, so the copy is a consistent snapshot even
	// while the server keeps writing.
	if _, err := s.w.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("backup: vacuum into %s: %w", dest, err)
	}
	return CheckIntegrity(ctx, dest)
}

// CreateBackupFile creates dest, and its directory, as an empty file readable by its owner
// only, for a backup to be written into: a copy holds every member's private words. It
// refuses to overwrite an existing file.
func CreateBackupFile(dest string) error {
	if dir := filepath.Dir(dest); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("backup: create directory: %w", err)
		}
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("backup: %s already exists", dest)
	} else if err != nil {
		return fmt.Errorf("backup: create %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: create %s: %w", dest, err)
	}
	return nil
}

// CheckIntegrity opens the database file at path read-only and runs PRAGMA integrity_check.
func CheckIntegrity(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("integrity check: open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check of %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check of %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check of %s failed: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// isUniqueViolation reports whether err is a UNIQUE constraint failure, optionally on a
// given column ("users.username").
func isUniqueViolation(err error, column string) bool {
	if postgres.UniqueViolation(err, column) {
		return true
	}
	var se sqlite3.Error
	if !errors.As(err, &se) || se.ExtendedCode != sqlite3.ErrConstraintUnique {
		return false
	}
	return column == "" || strings.Contains(se.Error(), column)
}

// notFound maps sql.ErrNoRows to ErrNotFound and wraps everything else with what was done.
func notFound(err error, doing string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// ms converts a time to the unix milliseconds every timestamp column holds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts unix milliseconds from a column back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// rowQuerier is a *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inserted is insertRow's sql.Result.
type inserted struct{ id, n int64 }

func (r inserted) LastInsertId() (int64, error) { return r.id, nil }
func (r inserted) RowsAffected() (int64, error) { return r.n, nil }

// insertRow runs an INSERT with RETURNING id, which is how both engines hand back the new
// row's id (PostgreSQL has no LastInsertId). An INSERT that ON CONFLICT DO NOTHING skipped
// affects no rows.
func insertRow(ctx context.Context, q rowQuerier, query string, args ...any) (sql.Result, error) {
	var id int64
	err := q.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return inserted{}, nil
	}
	if err != nil {
		return nil, err
	}
	return inserted{id: id, n: 1}, nil
}

// insertRowHealth is insertRow on the writer, recorded for WriteHealth like exec.
func (s *Store) insertRowHealth(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := insertRow(ctx, s.w, query, args...)
	s.health.record(s.now(), err)
	return res, err
}
