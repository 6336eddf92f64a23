package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// WAL checkpoints. SQLite's default copies the WAL back into the database file from inside
// the commit that pushes the WAL past 1,000 pages, so that commit also writes and syncs the
// database file. At the chat's load that was several times a second, and the committing
// connection is the one every chat message waits on: those commits made the 99th percentile
// of a message's wait for its commit (BenchmarkCommitterPacedTail: p99 13 ms with the
// default, 4–6 ms without checkpoints in the commit).
//
// So the store checkpoints on its own connection in the background, in PASSIVE mode, which
// never blocks the writer: the writer keeps appending to the WAL while the checkpoint
// copies what was committed before it began. The writer's own automatic checkpoint stays on
// as a backstop, at a threshold the background keeps the WAL far below (writerCheckpointPages);
// it only runs if the background stalls.

// DefaultCheckpointEvery is how often the background checkpoint runs.
const DefaultCheckpointEvery = 500 * time.Millisecond

// writerCheckpointPages is the writer's own automatic checkpoint threshold (4 KiB pages):
// 64 MiB of WAL, reached only when background checkpoints stop keeping up.
const writerCheckpointPages = 16384

// checkpointer runs PASSIVE checkpoints on a connection of its own.
type checkpointer struct {
	db     *sql.DB
	every  time.Duration
	cancel context.CancelFunc
	done   sync.WaitGroup
	log    *slog.Logger
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, every: every, cancel: cancel, log: slog.Default()}
	c.done.Add(1)
	go c.run(ctx)
	return c
}

func (c *checkpointer) run(ctx context.Context) {
	defer c.done.Done()
	t := time.NewTicker(c.every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := c.checkpoint(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			// Once per run of failures: the writer's own checkpoint is the backstop.
			c.log.Warn("store: background WAL checkpoint", "err", err)
			failing = true
		case err == nil && failing:
			c.log.Info("store: background WAL checkpoint works again")
			failing = false
		}
	}
}

// checkpoint copies what the WAL holds into the database file, as far as readers allow.
func (c *checkpointer) checkpoint(ctx context.Context) error {
	var busy, frames, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("checkpoint WAL: %w", err)
	}
	return nil
}

func (c *checkpointer) stop() error {
	c.cancel()
	c.done.Wait()
	return c.db.Close()
}
