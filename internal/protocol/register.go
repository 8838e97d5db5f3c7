package protocol

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// RegisterStore is what the built-in register needs from the database; *store.DB
// implements it. Every method but Atomic joins the transaction carried by ctx.
type RegisterStore interface {
	// Atomic runs fn in a transaction (or joins the one in ctx).
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	// Savepoint runs fn inside the transaction in ctx so that, if fn fails, what it
	// did is undone while the transaction goes on.
	Savepoint(ctx context.Context, fn func(ctx context.Context) error) error
	// LockProtocolCounter locks the tenant's counter of year until the transaction
	// ends (creating it at 0) and returns the last number used.
	LockProtocolCounter(ctx context.Context, tenantID int64, year int) (int64, error)
	// SetProtocolCounter sets the last number used of the tenant's year.
	SetProtocolCounter(ctx context.Context, tenantID int64, year int, last int64) error
	// InsertProtocolRecord stores r with its documents and sets r.ID.
	InsertProtocolRecord(ctx context.Context, r *Record) error
	// InsertProtocolRecords stores several records with their documents, all or
	// none, and sets their ids.
	InsertProtocolRecords(ctx context.Context, recs []*Record) error
}

// DefaultBatch is the most registrations one transaction takes.
const DefaultBatch = 512

// GroupRegister is the built-in register. Concurrent registrations of one tenant
// queue up; one goroutine per busy tenant takes the whole queue (up to the batch
// size) and registers it in one transaction:
//
//  1. lock the tenant's counter row of the year (SELECT … FOR UPDATE on
//     PostgreSQL; SQLite has one writer);
//  2. in one savepoint, insert the batch's records with the next numbers (a few
//     multi-row statements) and run the callers' callbacks one after the other. If
//     a callback fails, roll back to the savepoint, give that caller its error and
//     try again without it, so its number goes to the next request; after a few
//     failures, or if the records cannot be inserted, go one by one, each request
//     in its own savepoint;
//  3. store the last number used and commit;
//  4. answer every caller. If the commit fails, every caller of the batch gets the
//     error and nothing of the batch exists.
//
// Numbers are therefore unique (the counter row is locked and (tenant, year,
// number) is unique) and gapless (a number is used only by a record that commits
// with the counter). One commit — the expensive part, a disk flush — serves a
// whole batch, so a busy tenant registers far faster than one commit per record.
type GroupRegister struct {
	store RegisterStore
	now   func() time.Time
	batch int

	mu     sync.Mutex
	queues map[int64]*queue
}

// queue is one tenant's waiting requests; running says a goroutine drains it.
type queue struct {
	pending []*request
	running bool
}

// Request states: a request is cancelled by its caller or taken by a batch, never both.
const (
	queued int32 = iota
	taken
	cancelled
)

type request struct {
	ctx   context.Context
	entry Entry
	with  func(ctx context.Context, r Record) error
	state atomic.Int32
	done  chan result // buffered: the batch never waits for the caller
}

type result struct {
	rec Record
	err error
}

// RegisterOption configures a GroupRegister.
type RegisterOption func(*GroupRegister)

// WithClock sets the clock that dates registrations (tests).
func WithClock(now func() time.Time) RegisterOption { return func(g *GroupRegister) { g.now = now } }

// WithBatch sets the largest batch (at least 1).
func WithBatch(n int) RegisterOption {
	return func(g *GroupRegister) { g.batch = max(1, n) }
}

// NewRegister returns the built-in register over s.
func NewRegister(s RegisterStore, opts ...RegisterOption) *GroupRegister {
	g := &GroupRegister{store: s, now: time.Now, batch: DefaultBatch, queues: map[int64]*queue{}}
	for _, o := range opts {
		o(g)
	}
	return g
}

var _ Register = (*GroupRegister)(nil)

// Register implements Register. A caller whose ctx ends while it waits in the
// queue gets ctx's error and uses no number; once its request is in a batch it
// gets the batch's outcome, whatever its context says. Do not call it inside a
// transaction of your own: the batch runs in its own transaction (with SQLite's
// single writer the two would wait for each other); do the work in with instead.
func (g *GroupRegister) Register(ctx context.Context, tenantID int64, e Entry, with func(ctx context.Context, r Record) error) (Record, error) {
	if err := e.Normalize(); err != nil {
		return Record{}, err
	}
	if tenantID <= 0 {
		return Record{}, fmt.Errorf("protocol: bad tenant id %d", tenantID)
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	r := &request{ctx: ctx, entry: e, with: with, done: make(chan result, 1)}
	g.mu.Lock()
	q := g.queues[tenantID]
	if q == nil {
		q = &queue{}
		g.queues[tenantID] = q
	}
	q.pending = append(q.pending, r)
	if !q.running {
		q.running = true
		go g.drain(tenantID, q)
	}
	g.mu.Unlock()
	select {
	case res := <-r.done:
		return res.rec, res.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, cancelled) {
			return Record{}, ctx.Err()
		}
		res := <-r.done // already in a batch: its outcome stands
		return res.rec, res.err
	}
}

// drain registers the tenant's queue batch after batch until it is empty.
func (g *GroupRegister) drain(tenantID int64, q *queue) {
	for {
		g.mu.Lock()
		n := min(len(q.pending), g.batch)
		if n == 0 {
			q.running = false
			delete(g.queues, tenantID)
			g.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		if len(q.pending) == 0 {
			q.pending = nil // let the backing array go
		}
		g.mu.Unlock()
		live := batch[:0]
		for _, r := range batch {
			if r.state.CompareAndSwap(queued, taken) {
				live = append(live, r)
			}
		}
		if len(live) > 0 {
			g.run(tenantID, live)
		}
	}
}

// optimisticRetries is how often a batch is tried whole before its remaining
// requests go one by one (each callback failure costs a retry).
const optimisticRetries = 3

// batchTimeout bounds one batch's transaction.
const batchTimeout = time.Minute

// run registers one batch in one transaction and answers its callers.
func (g *GroupRegister) run(tenantID int64, batch []*request) {
	results := make([]result, len(batch))
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	err := g.store.Atomic(ctx, func(tx context.Context) error {
		at := g.now().UTC()
		year := YearOf(at)
		last, err := g.store.LockProtocolCounter(tx, tenantID, year)
		if err != nil {
			return err
		}
		// The time is read again under the lock, so that numbers and times grow
		// together even when several nodes register for the tenant. Should the year
		// have turned meanwhile, the new year's counter is locked instead.
		if at = g.now().UTC(); YearOf(at) != year {
			year = YearOf(at)
			if last, err = g.store.LockProtocolCounter(tx, tenantID, year); err != nil {
				return err
			}
		}
		next := last + 1
		pending := make([]int, len(batch))
		for i := range pending {
			pending[i] = i
		}
		// Fast path: the whole batch in one savepoint, the records in a few multi-row
		// statements, then the callbacks one after the other. A callback that fails
		// undoes the savepoint; the batch is tried again without it, and after a few
		// such failures (or if the records themselves cannot be inserted, e.g. a bad
		// reference) the rest goes one by one.
		for failures := 0; len(pending) > 0 && failures < optimisticRetries; failures++ {
			recs := make([]*Record, len(pending))
			for j, i := range pending {
				recs[j] = &Record{TenantID: tenantID, Year: year, Number: next + int64(j), At: at, Entry: batch[i].entry}
			}
			failed, failure := -1, error(nil)
			err := g.store.Savepoint(tx, func(ctx context.Context) error {
				if err := g.store.InsertProtocolRecords(ctx, recs); err != nil {
					return err
				}
				for j, i := range pending {
					// The callback sees the caller's context values (actor, request id)
					// with the batch's transaction, deadline and cancellation.
					if err := call(joined{Context: ctx, values: batch[i].ctx}, batch[i].with, *recs[j]); err != nil {
						failed, failure = j, err
						return err
					}
				}
				return nil
			})
			if err == nil {
				for j, i := range pending {
					results[i].rec = *recs[j]
				}
				next += int64(len(pending))
				pending = nil
				break
			}
			if failed < 0 {
				break // the records themselves failed: one by one below
			}
			results[pending[failed]].err = failure
			pending = append(pending[:failed:failed], pending[failed+1:]...)
		}
		for _, i := range pending {
			r := batch[i]
			rec := Record{TenantID: tenantID, Year: year, Number: next, At: at, Entry: r.entry}
			err := g.store.Savepoint(tx, func(ctx context.Context) error {
				if err := g.store.InsertProtocolRecord(ctx, &rec); err != nil {
					return err
				}
				return call(joined{Context: ctx, values: r.ctx}, r.with, rec)
			})
			if err != nil {
				results[i].err = err
				continue
			}
			results[i].rec = rec
			next++
		}
		if next-1 == last {
			return nil // nothing registered: the counter stays as it was
		}
		return g.store.SetProtocolCounter(tx, tenantID, year, next-1)
	})
	for i, r := range batch {
		res := results[i]
		if err != nil && res.err == nil {
			res = result{err: fmt.Errorf("protocol: register: %w", err)}
		}
		r.done <- res
	}
}

// call runs a caller's callback and turns a panic into an error for that caller.
func call(ctx context.Context, with func(ctx context.Context, r Record) error, r Record) (err error) {
	if with == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("protocol: callback panicked: %v", p)
		}
	}()
	return with(ctx, r)
}

// joined is a context with the deadline, cancellation and values of Context (the
// batch's transaction) and, for values Context lacks, those of values (the caller's).
type joined struct {
	context.Context
	values context.Context
}

func (j joined) Value(key any) any {
	if v := j.Context.Value(key); v != nil {
		return v
	}
	return j.values.Value(key)
}
