package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds the statement cache. Hearth's queries are constant strings, so the
// bound is only a guard against a future query built from data.
const maxCachedStmts = 256

// readPool is the read connection pool with prepared statements cached by query text.
// Preparing a statement is a large part of a small SQLite read (the group page runs six),
// and database/sql re-prepares a cached *sql.Stmt on each pooled connection only once.
type readPool struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReadPool(db *sql.DB) *readPool {
	return &readPool{db: db, stmts: make(map[string]*sql.Stmt)}
}

// stmt returns the cached statement for q, preparing it on first use. It returns nil when
// the cache is full, and the caller runs the query unprepared.
func (p *readPool) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	p.mu.RLock()
	st, ok := p.stmts[q]
	p.mu.RUnlock()
	if ok {
		return st, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok = p.stmts[q]; ok {
		return st, nil
	}
	if len(p.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := p.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	p.stmts[q] = st
	return st, nil
}

// QueryContext runs a query through the cached statement.
func (p *readPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.db.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a single-row query through the cached statement. A statement that
// fails to prepare is run unprepared, so its error surfaces from Scan as usual.
func (p *readPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, q)
	if err != nil || st == nil {
		return p.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes every cached statement and the pool.
func (p *readPool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for q, st := range p.stmts {
		errs = append(errs, st.Close())
		delete(p.stmts, q)
	}
	return errors.Join(append(errs, p.db.Close())...)
}
