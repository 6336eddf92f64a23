// Package postgres holds what is PostgreSQL's own in Hearth's store: its migrations and the
// database/sql connector the store uses on it. The store's SQL is written once, in the SQL
// both engines accept, with `?` placeholders; Connector rewrites each query text once for
// PostgreSQL (see Rewrite) and caches the result.
package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Connector returns a database/sql connector for the PostgreSQL server at url
// (postgres://user:pass@host:port/db?sslmode=...). Every query passes through Rewrite.
func Connector(url string) (driver.Connector, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", redact(err))
	}
	return connector{c: stdlib.GetConnector(*cfg)}, nil
}

// redact keeps a parse error's kind without the URL, which may hold a password.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("invalid PostgreSQL URL")
	}
	return err
}

type connector struct{ c driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: dc.(*stdlib.Conn)}, nil
}

func (c connector) Driver() driver.Driver { return c.c.Driver() }

// conn is pgx's database/sql connection with Hearth's query rewriting in front of it. The
// embedded *stdlib.Conn provides every other driver interface (transactions, ping, reset).
type conn struct{ *stdlib.Conn }

func (c *conn) Prepare(q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), Rewrite(q))
}

func (c *conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, Rewrite(q))
}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, Rewrite(q), args)
}

func (c *conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, Rewrite(q), args)
}

// CheckNamedValue sends Go booleans as 0 and 1: Hearth's flag columns are integers on
// both engines, so their queries are the same.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		if b {
			nv.Value = int64(1)
		} else {
			nv.Value = int64(0)
		}
	}
	return nil
}

// maxRewrites bounds the cache of rewritten queries; Hearth's queries are constant strings
// or built from a handful of shapes, so the bound only guards against a query built from data.
const maxRewrites = 4096

var rewrites struct {
	sync.RWMutex
	m map[string]string
}

// Rewrite turns a query written for both engines into PostgreSQL's dialect:
//   - `?` and `?N` placeholders become `$n` (a bare `?` numbers one past the largest so
//     far, as SQLite does);
//   - `CAST(x AS INTEGER)` becomes `CAST(x AS BIGINT)` (SQLite's INTEGER is 64 bits) and
//     `AS BLOB` becomes `AS BYTEA`;
//   - `NULLIF(?, 0)`, Hearth's "0 means none" for an optional id, casts its placeholder to
//     BIGINT (PostgreSQL would otherwise type it from the 0, a 32-bit integer);
//   - `SELECT value FROM json_each(CAST(? AS TEXT))`, SQLite's way to pass a list of ids
//     as one JSON array, becomes the same over json_array_elements_text.
//
// Text inside quotes is left alone. Anything else that differs between the engines is
// written per engine where it is used.
func Rewrite(q string) string {
	rewrites.RLock()
	out, ok := rewrites.m[q]
	rewrites.RUnlock()
	if ok {
		return out
	}
	out = rewrite(q)
	rewrites.Lock()
	if rewrites.m == nil {
		rewrites.m = make(map[string]string)
	}
	if len(rewrites.m) < maxRewrites {
		rewrites.m[q] = out
	}
	rewrites.Unlock()
	return out
}

var (
	castInteger = regexp.MustCompile(`(?i)\bAS\s+INTEGER\s*\)`)
	castBlob    = regexp.MustCompile(`(?i)\bAS\s+BLOB\s*\)`)
	nullIfZero  = regexp.MustCompile(`(?i)NULLIF\(\s*(\$\d+)\s*,\s*0\s*\)`)
	jsonEach    = regexp.MustCompile(`(?i)SELECT\s+value\s+FROM\s+json_each\(\s*(?:CAST\(\s*(\$\d+)\s+AS\s+TEXT\s*\)|(\$\d+))\s*\)`)
)

func rewrite(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	highest := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '\'':
			inQuote = !inQuote // '' inside a literal toggles twice
			b.WriteByte(ch)
		case ch == '-' && !inQuote && i+1 < len(q) && q[i+1] == '-':
			// A comment runs to the end of its line; an apostrophe in it is no quote.
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				end = len(q) - i
			}
			b.WriteString(q[i : i+end])
			i += end - 1
		case ch == '?' && !inQuote:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			highest = max(highest, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(ch)
		}
	}
	out := b.String()
	if strings.Contains(out, "json_each") {
		out = jsonEach.ReplaceAllStringFunc(out, func(m string) string {
			sub := jsonEach.FindStringSubmatch(m)
			p := sub[1] + sub[2]
			return "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(" + p + " AS JSON))"
		})
	}
	out = nullIfZero.ReplaceAllString(out, "NULLIF(CAST($1 AS BIGINT), 0)")
	out = castInteger.ReplaceAllString(out, "AS BIGINT)")
	out = castBlob.ReplaceAllString(out, "AS BYTEA)")
	return out
}

// UniqueViolation reports whether err is PostgreSQL's unique_violation, and on which table
// and columns: "users.username" matches a violation of a unique key over users(username).
func UniqueViolation(err error, column string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return false
	}
	if column == "" {
		return true
	}
	table, col, _ := strings.Cut(column, ".")
	return pe.TableName == table && strings.Contains(pe.Detail, "("+col)
}

// SerializationFailure reports whether err is a serialization failure or deadlock, which
// a retry of the whole transaction resolves.
func SerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// StorageFailure reports whether err means PostgreSQL could not take a write: the server is
// out of disk or memory, shutting down or read-only, or cannot be reached.
func StorageFailure(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", "53", "57", "58": // connection, resources, operator intervention, system
			return true
		}
		return pe.Code == "25006" // read-only transaction
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn)
}
