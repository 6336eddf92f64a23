package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// NewMessage is a message a member sends to a group.
type NewMessage struct {
	GroupID int64
	// SessionID is the session the author sends through (the socket's); with
	// CommitterOptions.MayPost set, a message whose session has ended is refused.
	SessionID int64
	AuthorID  int64
	// AuthorName is copied into the result when the committer reads no Standing (MayPost
	// nil); otherwise the account's current display name is used.
	AuthorName string
	ClientID   string
	Body       string
	// ContentWarning is the author's short warning, "" for none.
	ContentWarning string
	// Held marks a message the word filter held for review.
	Held bool
	// Flagged files, in the message's own transaction, a report without a reporter (the
	// word filter) so the message reaches the moderators' queue. A held message is
	// flagged too: the report is how it reaches the queue for approval.
	Flagged bool
	// ResourceID shares a library resource: the message shows as its card (0 for none).
	ResourceID int64
}

// FilterNote is the note of the report the word filter files on a message it flags;
// HeldNote on one it holds.
const (
	FilterNote = "matched the word filter"
	HeldNote   = "held by the word filter: approve or reject it"
)

// Posted is the outcome of posting a NewMessage. Duplicate is true when the author had
// already sent this client id: Message is then the original row and nothing was written.
type Posted struct {
	Message
	Duplicate bool
}

// ErrCommitterClosed is returned by Post after the committer stopped.
var ErrCommitterClosed = errors.New("message committer stopped")

// ErrRefused is wrapped, with MayPost's own error, by Post for a message its sender may no
// longer post.
var ErrRefused = errors.New("message refused")

// CommitterOptions configure a Committer.
type CommitterOptions struct {
	// MaxBatch bounds how many messages share one transaction (default 512).
	MaxBatch int
	// MinInterval is the shortest time between the starts of two commits
	// (DefaultCommitInterval when 0; negative: none). A message that arrives sooner after
	// the last commit than that waits out the rest of the interval with whatever else
	// arrives, so under load each commit carries more messages and the WAL takes fewer
	// page writes; an idle room's message is committed at once. See DefaultCommitInterval.
	MinInterval time.Duration
	// OnCommit, if set, is called from the committer goroutine after each commit with the
	// messages that batch inserted, in sequence order, before any sender is acknowledged.
	// The chat publishes there, which makes "persist before broadcast" and per-group
	// ordering hold by construction. It must not block for long.
	OnCommit func([]Message)
	// Logger receives failures; defaults to slog.Default().
	Logger *slog.Logger
	// MayPost, if set, decides for each message, inside the transaction that writes it,
	// whether its sender may still post to the group, from their Standing read in that same
	// transaction (so a member removed, banned or logged out a moment ago cannot post). The
	// store does not hold the policy: the chat passes authz's decision in. A refusal fails
	// that message alone, with an error wrapping ErrRefused and MayPost's error. nil admits
	// every message (tools and store tests).
	MayPost func(Standing) error
}

// DefaultCommitInterval is the committer's default MinInterval. Every commit appends each
// page it changed to the WAL (the message's table and index pages, the group's row): about
// 20 KB whether it carries one message or twenty. At 2,000 msg/s, one commit per message
// wrote 20–55 MB/s, and on a virtual disk the kernel now and then held a write for
// hundreds of milliseconds, which every chat delivery then waited for (the fan-out p99
// went from 38 ms with the database on tmpfs to 100–560 ms on disk). Committing at most
// every 2 ms caps the commits at 500 a second and costs a message at most 2 ms, only when
// another commit of fewer than gatheredEnough messages has just started.
const DefaultCommitInterval = 2 * time.Millisecond

// gatheredEnough: after a commit of this many messages the next one does not wait out
// MinInterval. Batches form on their own then, and waiting would only cap the throughput
// of senders that each wait for their acknowledgement (BenchmarkGroupCommitChecked).
const gatheredEnough = 16

// Committer is the single writer of chat messages. Posts arriving while a transaction is
// being committed queue up and go into the next transaction together (group commit), so
// durable ingest costs one WAL sync per batch rather than per message, and each sequence
// number is assigned inside the transaction that makes it durable.
type Committer struct {
	s        *Store
	reqs     chan *postReq
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	maxBatch int
	interval time.Duration
	onCommit func([]Message)
	mayPost  func(Standing) error
	log      *slog.Logger
	logs     *LogLimiter // failures that repeat for every batch

	insert, lockSeq, setSeq, existing, standing *sql.Stmt
}

type postReq struct {
	nm  NewMessage
	out chan postResult
}

type postResult struct {
	p   Posted
	err error
}

var postReqPool = sync.Pool{New: func() any { return &postReq{out: make(chan postResult, 1)} }}

// NewCommitter prepares the ingest statements and starts the committer goroutine. Close
// stops it.
func (s *Store) NewCommitter(ctx context.Context, opts CommitterOptions) (*Committer, error) {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.MinInterval == 0 {
		opts.MinInterval = DefaultCommitInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Committer{s: s, reqs: make(chan *postReq, opts.MaxBatch), quit: make(chan struct{}), done: make(chan struct{}),
		maxBatch: opts.MaxBatch, interval: opts.MinInterval, onCommit: opts.OnCommit, mayPost: opts.MayPost, log: opts.Logger,
		logs: NewLogLimiter(opts.Logger, 10*time.Second, nil)}
	var err error
	if c.insert, err = s.w.PrepareContext(ctx, `
		INSERT INTO messages (group_id, seq, author_id, client_id, body, created_at, content_warning, held, resource_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(CAST(? AS INTEGER), 0)) ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id`); err != nil {
		return nil, fmt.Errorf("prepare message insert: %w", err)
	}
	// Locking the group's row by updating it makes every other writer of the group wait
	// until this transaction ends, on either engine, so last_seq is this transaction's to
	// advance.
	if c.lockSeq, err = s.w.PrepareContext(ctx, `UPDATE groups SET last_seq = last_seq WHERE id = ? RETURNING last_seq`); err != nil {
		return nil, fmt.Errorf("prepare sequence lookup: %w", err)
	}
	if c.setSeq, err = s.w.PrepareContext(ctx, `UPDATE groups SET last_seq = ? WHERE id = ?`); err != nil {
		return nil, fmt.Errorf("prepare sequence update: %w", err)
	}
	if c.existing, err = s.w.PrepareContext(ctx, `SELECT `+messageColumns+`
		FROM messages m JOIN users u ON u.id = m.author_id WHERE m.author_id = CAST(? AS INTEGER) AND m.client_id = CAST(? AS TEXT)`); err != nil {
		return nil, fmt.Errorf("prepare duplicate lookup: %w", err)
	}
	if c.standing, err = s.w.PrepareContext(ctx, standingOneSQL); err != nil {
		return nil, fmt.Errorf("prepare standing lookup: %w", err)
	}
	go c.run()
	return c, nil
}

// Post writes one message durably and returns it once its transaction has committed. A
// resend (same author and client id) returns the original message with Duplicate set.
func (c *Committer) Post(ctx context.Context, nm NewMessage) (Posted, error) {
	r := postReqPool.Get().(*postReq)
	r.nm = nm
	select {
	case c.reqs <- r:
	case <-c.quit:
		return Posted{}, ErrCommitterClosed
	case <-ctx.Done():
		return Posted{}, ctx.Err()
	}
	// Once queued the request is answered unless the committer has already exited; waiting
	// without ctx keeps the pooled request safe to reuse.
	select {
	case res := <-r.out:
		r.nm = NewMessage{}
		postReqPool.Put(r)
		return res.p, res.err
	case <-c.done:
		select {
		case res := <-r.out:
			return res.p, res.err
		default:
			return Posted{}, ErrCommitterClosed
		}
	}
}

// Close stops accepting posts, finishes the queued ones and waits for the goroutine.
func (c *Committer) Close() error {
	c.stopOnce.Do(func() { close(c.quit) })
	<-c.done
	return errors.Join(c.insert.Close(), c.lockSeq.Close(), c.setSeq.Close(), c.existing.Close(), c.standing.Close())
}

func (c *Committer) run() {
	defer close(c.done)
	batch := make([]*postReq, 0, c.maxBatch)
	var last time.Time // when the latest commit started
	lastSize := 0      // how many messages it carried
	window := time.NewTimer(time.Hour)
	window.Stop()
	for {
		batch = batch[:0]
		select {
		case r := <-c.reqs:
			batch = append(batch, r)
		case <-c.quit:
			// Answer whatever raced into the queue before quit.
			for {
				select {
				case r := <-c.reqs:
					r.out <- postResult{err: ErrCommitterClosed}
				default:
					return
				}
			}
		}
		// Within MinInterval of the last commit: gather until it has passed (or the batch
		// is full). Quit is not watched here: the wait is a few milliseconds at most, and
		// the batch is committed and answered before run looks at quit again.
		if wait := c.interval - time.Since(last); c.interval > 0 && wait > 0 && lastSize < gatheredEnough {
			window.Reset(wait)
		gather:
			for len(batch) < c.maxBatch {
				select {
				case r := <-c.reqs:
					batch = append(batch, r)
				case <-window.C:
					break gather
				}
			}
			if !window.Stop() {
				select { // drained above, or fired after the batch filled
				case <-window.C:
				default:
				}
			}
		}
	fill:
		for len(batch) < c.maxBatch {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		last, lastSize = time.Now(), len(batch)
		c.commit(batch)
	}
}

// commit writes one batch in one transaction. A row that fails on its own (say its author
// was deleted a moment ago, or MayPost refuses it) fails only its sender. SQLite rolls back
// just that statement; PostgreSQL aborts the whole transaction, so there the batch is
// written again without the failed row (a rare path: resends are not failures).
func (c *Committer) commit(batch []*postReq) {
	ctx := context.Background()
	results := make([]postResult, len(batch))
	skip := make([]bool, len(batch))
	var inserted []Message
	var flagged []Change
	var err error
	bulk := c.s.pg // one INSERT for the whole batch; see insertBulk
	for {
		var failed *rowFailure
		err = c.s.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			inserted, flagged, err = c.write(ctx, tx, batch, skip, results, bulk)
			return err
		})
		if errors.Is(err, errBulkFallback) {
			bulk = false // a resend or a failing row: write the batch again row by row
			continue
		}
		if !errors.As(err, &failed) {
			break
		}
		results[failed.i] = postResult{err: failed.err}
		skip[failed.i] = true
	}
	if err != nil {
		// A failing disk fails every batch: one line per interval, with a count.
		c.logs.Error(ctx, "commit", "commit message batch", "messages", len(batch), "err", err)
		for i := range results {
			if !skip[i] {
				results[i] = postResult{err: fmt.Errorf("commit messages: %w: %w", ErrBatchNotCommitted, err)}
			}
		}
	} else if len(inserted) > 0 {
		c.announceGroups(inserted)
		if len(flagged) > 0 {
			c.s.announce(flagged...)
		}
		if c.onCommit != nil {
			c.onCommit(inserted)
		}
	}
	for i, r := range batch {
		r.out <- results[i]
	}
}

// rowFailure is one row's own failure on PostgreSQL, where it aborts the transaction.
type rowFailure struct {
	i   int
	err error
}

func (f *rowFailure) Error() string { return f.err.Error() }

// errBulkFallback makes commit write the batch again row by row: the one INSERT of the
// whole batch met a resend (a row ON CONFLICT skipped, which would leave its sequence
// number unused) or failed, and only the row-by-row path tells which row and why.
var errBulkFallback = errors.New("write the batch row by row")

// write inserts the batch's rows (but those marked skip) inside tx, filling results. With
// bulk (PostgreSQL only) every row goes into one INSERT statement; see insertBulk.
func (c *Committer) write(ctx context.Context, tx *sql.Tx, batch []*postReq, skip []bool, results []postResult, bulk bool) (inserted []Message, flagged []Change, err error) {
	insert, existing := tx.StmtContext(ctx, c.insert), tx.StmtContext(ctx, c.existing)
	var standing *sql.Stmt
	if c.mayPost != nil {
		standing = tx.StmtContext(ctx, c.standing)
	}
	// Take every group's row in id order, so two committers (two nodes on one database)
	// writing to the same groups never wait on each other in a cycle.
	groups := make([]int64, 0, 4)
	for i, r := range batch {
		if !skip[i] && !slices.Contains(groups, r.nm.GroupID) {
			groups = append(groups, r.nm.GroupID)
		}
	}
	slices.Sort(groups)
	seqs := make(map[int64]int64, len(groups))
	if c.s.pg {
		if err := lockSeqsPG(ctx, tx, groups, seqs); err != nil {
			return nil, nil, err
		}
	} else if err := c.lockSeqs(ctx, tx, groups, seqs); err != nil {
		return nil, nil, err
	}
	now := c.s.Now()
	inserted = make([]Message, 0, len(batch))
	var rows []int // bulk: the indexes in batch of the rows to insert, in sequence order
	// Standing by actor: a member's several messages in one batch are decided once.
	var decided map[Actor]decision
	if standing != nil && c.s.pg {
		// One query for every sender of the batch, not one round trip per sender. It stays
		// after the group rows are locked: a membership change also writes the group's row
		// (member_count), so it cannot commit between this read and the insert.
		if decided, err = c.decideAllPG(ctx, tx, batch, skip); err != nil {
			return nil, nil, err
		}
	}
	for i, r := range batch {
		if skip[i] {
			continue
		}
		results[i] = postResult{}
		nm := r.nm
		if standing != nil {
			a := Actor{SessionID: nm.SessionID, UserID: nm.AuthorID, GroupID: nm.GroupID}
			d, ok := decided[a]
			if !ok {
				st, err := c.s.standingTx(ctx, standing, a)
				if err != nil {
					return nil, nil, err
				}
				d.name = nm.AuthorName
				if d.err = c.mayPost(st); d.err == nil && st.User != nil {
					d.name = st.User.DisplayName
				}
				if decided == nil {
					decided = make(map[Actor]decision, len(batch))
				}
				decided[a] = d
			}
			if d.err != nil {
				results[i].err = fmt.Errorf("%w: %w", ErrRefused, d.err)
				continue
			}
			nm.AuthorName = d.name
		}
		seq := seqs[nm.GroupID]
		if bulk {
			if seq < 0 {
				return nil, nil, errBulkFallback // the group is gone: its rows fail one by one
			}
			batch[i].nm.AuthorName = nm.AuthorName // the name to show, for insertBulk
			seqs[nm.GroupID] = seq + 1
			rows = append(rows, i)
			results[i].p = Posted{Message: Message{GroupID: nm.GroupID, Seq: seq + 1}}
			continue
		}
		var id int64
		err := insert.QueryRowContext(ctx, nm.GroupID, seq+1, nm.AuthorID, nm.ClientID, nm.Body, ms(now), nm.ContentWarning, nm.Held, nm.ResourceID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			m, err := scanMessage(existing.QueryRowContext(ctx, nm.AuthorID, nm.ClientID))
			if err != nil {
				results[i].err = fmt.Errorf("load original of resent message: %w", err)
				continue
			}
			results[i].p = Posted{Message: m, Duplicate: true}
			continue
		}
		if err != nil {
			err = fmt.Errorf("insert message: %w", err)
			if c.s.pg {
				return nil, nil, &rowFailure{i: i, err: err}
			}
			results[i].err = err
			continue
		}
		if nm.Flagged {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reports (reporter_id, subject_id, group_id, message_id, reason, note, created_at)
				VALUES (NULL, ?, ?, ?, 'other', ?, ?)`, nm.AuthorID, nm.GroupID, id, filterNote(nm.Held), ms(now)); err != nil {
				return nil, nil, fmt.Errorf("file the word filter's report: %w", err)
			}
			flagged = append(flagged, Change{Kind: ChangeReport, GroupID: nm.GroupID})
		}
		seqs[nm.GroupID] = seq + 1
		m := Message{ID: id, GroupID: nm.GroupID, Seq: seq + 1, AuthorID: nm.AuthorID, AuthorName: nm.AuthorName,
			ClientID: nm.ClientID, Body: nm.Body, CreatedAt: fromMS(ms(now)), ContentWarning: nm.ContentWarning, Held: nm.Held, ResourceID: nm.ResourceID}
		results[i].p = Posted{Message: m}
		inserted = append(inserted, m)
	}
	if bulk && len(rows) > 0 {
		if inserted, flagged, err = c.insertBulk(ctx, tx, batch, rows, results, now); err != nil {
			return nil, nil, err
		}
	}
	if c.s.pg {
		if bulk { // insertBulk advanced last_seq
			return inserted, flagged, nil
		}
		return inserted, flagged, setSeqsPG(ctx, tx, groups, seqs)
	}
	setSeq := tx.StmtContext(ctx, c.setSeq)
	for _, g := range groups {
		if seqs[g] < 0 {
			continue
		}
		if _, err := setSeq.ExecContext(ctx, seqs[g], g); err != nil {
			return nil, nil, fmt.Errorf("advance sequence: %w", err)
		}
	}
	return inserted, flagged, nil
}

// lockSeqs locks each group's row (in id order) by updating it and reads its last_seq.
func (c *Committer) lockSeqs(ctx context.Context, tx *sql.Tx, groups []int64, seqs map[int64]int64) error {
	lockSeq := tx.StmtContext(ctx, c.lockSeq)
	for _, g := range groups {
		var seq int64
		if err := lockSeq.QueryRowContext(ctx, g).Scan(&seq); errors.Is(err, sql.ErrNoRows) {
			seq = -1 // the group is gone: its rows fail below on their own
		} else if err != nil {
			return fmt.Errorf("load sequence: %w", err)
		}
		seqs[g] = seq
	}
	return nil
}

// lockSeqsPG locks the rows of groups (sorted by id) and reads their last_seq into seqs,
// with one statement on PostgreSQL: FOR UPDATE after ORDER BY takes the locks in id order,
// so two nodes' committers never wait on each other in a cycle. A group that is gone gets
// -1, and its rows fail on their own.
func lockSeqsPG(ctx context.Context, tx *sql.Tx, groups []int64, seqs map[int64]int64) error {
	for _, g := range groups {
		seqs[g] = -1
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, last_seq FROM groups WHERE id = ANY(CAST(? AS BIGINT[])) ORDER BY id FOR UPDATE`, groups)
	if err != nil {
		return fmt.Errorf("load sequences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g, seq int64
		if err := rows.Scan(&g, &seq); err != nil {
			return fmt.Errorf("load sequences: %w", err)
		}
		seqs[g] = seq
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load sequences: %w", err)
	}
	return nil
}

// setSeqsPG writes the groups' new last_seq with one statement on PostgreSQL.
func setSeqsPG(ctx context.Context, tx *sql.Tx, groups []int64, seqs map[int64]int64) error {
	ids, vals := make([]int64, 0, len(groups)), make([]int64, 0, len(groups))
	for _, g := range groups {
		if seqs[g] >= 0 {
			ids, vals = append(ids, g), append(vals, seqs[g])
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE groups SET last_seq = t.seq
		FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS t(id, seq) WHERE groups.id = t.id`, ids, vals); err != nil {
		return fmt.Errorf("advance sequences: %w", err)
	}
	return nil
}

// decision is MayPost's answer for one sender, with the display name to show.
type decision struct {
	name string
	err  error
}

// decideAllPG reads the Standing of every sender of the batch (but rows marked skip) with
// one query inside tx (PostgreSQL) and asks MayPost for each.
func (c *Committer) decideAllPG(ctx context.Context, tx *sql.Tx, batch []*postReq, skip []bool) (map[Actor]decision, error) {
	var actors []Actor
	names := map[Actor]string{}
	for i, r := range batch {
		a := Actor{SessionID: r.nm.SessionID, UserID: r.nm.AuthorID, GroupID: r.nm.GroupID}
		if _, ok := names[a]; !ok && !skip[i] {
			names[a] = r.nm.AuthorName
			actors = append(actors, a)
		}
	}
	sts, err := c.s.standings(ctx, tx, actors)
	if err != nil {
		return nil, fmt.Errorf("load standing of senders: %w", err)
	}
	out := make(map[Actor]decision, len(actors))
	for i, st := range sts {
		a := actors[i]
		d := decision{name: names[a]}
		if d.err = c.mayPost(st); d.err == nil && st.User != nil {
			d.name = st.User.DisplayName
		}
		out[a] = d
	}
	return out, nil
}

// insertBulkSQL writes a whole batch in one statement (PostgreSQL): one round trip, and one
// firing of the statement-level trigger that moves groups.history_version, instead of one of
// each per message.
//
// The same statement advances the groups' last_seq: the group rows stay locked from the
// first statement of the batch to its commit, and the other node's committer waits for them
// meanwhile, so every round trip saved there is saved twice (BenchmarkGroupCommitNodes). A
// resend among the rows rolls the whole transaction back, last_seq with it.
const insertBulkSQL = `
	WITH ins AS (
	INSERT INTO messages (group_id, seq, author_id, client_id, body, created_at, content_warning, held, resource_id)
	SELECT g, s, a, c, b, ?1, w, h, NULLIF(r, 0)
	FROM unnest(CAST(?2 AS BIGINT[]), CAST(?3 AS BIGINT[]), CAST(?4 AS BIGINT[]), CAST(?5 AS TEXT[]),
	            CAST(?6 AS TEXT[]), CAST(?7 AS TEXT[]), CAST(?8 AS BIGINT[]), CAST(?9 AS BIGINT[])) AS t(g, s, a, c, b, w, h, r)
	ON CONFLICT (author_id, client_id) DO NOTHING
	RETURNING id, group_id, seq),
	upd AS (UPDATE groups SET last_seq = q.seq
	FROM unnest(CAST(?10 AS BIGINT[]), CAST(?11 AS BIGINT[])) AS q(id, seq) WHERE groups.id = q.id)
	SELECT id, group_id, seq FROM ins`

// insertBulk inserts batch[rows] (their sequence numbers already in results) with one
// statement. Any row it did not insert (a resend) or any failure returns errBulkFallback:
// the row-by-row path then answers each row on its own.
func (c *Committer) insertBulk(ctx context.Context, tx *sql.Tx, batch []*postReq, rows []int, results []postResult, now time.Time) (inserted []Message, flagged []Change, err error) {
	n := len(rows)
	gs, ss, as, hs, rs := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	cs, bs, ws := make([]string, n), make([]string, n), make([]string, n)
	type key struct{ group, seq int64 }
	at := make(map[key]int, n)
	for j, i := range rows {
		nm := batch[i].nm
		gs[j], ss[j], as[j], cs[j], bs[j], ws[j], rs[j] = nm.GroupID, results[i].p.Seq, nm.AuthorID, nm.ClientID, nm.Body, nm.ContentWarning, nm.ResourceID
		if nm.Held {
			hs[j] = 1
		}
		at[key{nm.GroupID, ss[j]}] = i
	}
	last := make(map[int64]int64, 4) // each group's new last_seq
	for j := range gs {
		last[gs[j]] = max(last[gs[j]], ss[j])
	}
	seqGroups, seqs := make([]int64, 0, len(last)), make([]int64, 0, len(last))
	for g, seq := range last {
		seqGroups, seqs = append(seqGroups, g), append(seqs, seq)
	}
	q, err := tx.QueryContext(ctx, insertBulkSQL, ms(now), gs, ss, as, cs, bs, ws, hs, rs, seqGroups, seqs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: insert messages: %w", errBulkFallback, err)
	}
	defer q.Close()
	got := 0
	for q.Next() {
		var id int64
		var k key
		if err := q.Scan(&id, &k.group, &k.seq); err != nil {
			return nil, nil, fmt.Errorf("%w: read inserted ids: %w", errBulkFallback, err)
		}
		i, ok := at[k]
		if !ok {
			return nil, nil, fmt.Errorf("%w: unexpected row %v", errBulkFallback, k)
		}
		results[i].p.ID = id
		got++
	}
	if err := q.Err(); err != nil {
		return nil, nil, fmt.Errorf("%w: insert messages: %w", errBulkFallback, err)
	}
	if got != n {
		return nil, nil, errBulkFallback // a resend among them
	}
	inserted = make([]Message, 0, n)
	for _, i := range rows {
		nm := batch[i].nm
		m := Message{ID: results[i].p.ID, GroupID: nm.GroupID, Seq: results[i].p.Seq, AuthorID: nm.AuthorID, AuthorName: nm.AuthorName,
			ClientID: nm.ClientID, Body: nm.Body, CreatedAt: fromMS(ms(now)), ContentWarning: nm.ContentWarning, Held: nm.Held, ResourceID: nm.ResourceID}
		if nm.Flagged {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reports (reporter_id, subject_id, group_id, message_id, reason, note, created_at)
				VALUES (NULL, ?, ?, ?, 'other', ?, ?)`, nm.AuthorID, nm.GroupID, m.ID, filterNote(nm.Held), ms(now)); err != nil {
				return nil, nil, fmt.Errorf("file the word filter's report: %w", err)
			}
			flagged = append(flagged, Change{Kind: ChangeReport, GroupID: nm.GroupID})
		}
		results[i].p = Posted{Message: m}
		inserted = append(inserted, m)
	}
	return inserted, flagged, nil
}

// announceGroups tells the Store's change feed which groups got new messages.
func (c *Committer) announceGroups(inserted []Message) {
	changes := make([]Change, 0, 2)
	for _, m := range inserted {
		if !slices.ContainsFunc(changes, func(ch Change) bool { return ch.GroupID == m.GroupID }) {
			changes = append(changes, Change{Kind: ChangeNewMessages, GroupID: m.GroupID})
		}
	}
	c.s.announce(changes...)
}

func filterNote(held bool) string {
	if held {
		return HeldNote
	}
	return FilterNote
}
