package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piazza/internal/jobs"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// clock is a test clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newRunner returns a runner on db that polls every few milliseconds, on clk if set.
func newRunner(db *store.DB, workers int, clk *clock) *jobs.Runner {
	r := jobs.NewRunner(db, quiet, workers)
	jobs.SetPoll(r, 5*time.Millisecond)
	if clk != nil {
		jobs.SetClock(r, clk.Now)
	}
	return r
}

// start runs r until the test ends or stop is called; stop waits for Run to return.
func start(t *testing.T, r *jobs.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Run(ctx)
		close(done)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(func() { cancel(); <-done })
	return stop
}

func counts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	c, err := db.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stays checks that cond keeps holding for a while (many poll intervals).
func stays(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 25 {
		if !cond() {
			t.Fatalf("%s stopped holding", what)
		}
		time.Sleep(4 * time.Millisecond)
	}
}

func TestEnqueueFollowsTheTransaction(t *testing.T) {
	db := storetest.Open(t)
	r := newRunner(db, 2, nil)
	var mu sync.Mutex
	var seen []string
	r.Register("test.echo", func(ctx context.Context, j jobs.Job) error {
		var p struct{ Msg string }
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		mu.Lock()
		seen = append(seen, p.Msg)
		mu.Unlock()
		return nil
	})
	ctx := context.Background()
	if err := r.Enqueue(ctx, 0, "test.unknown", nil); err == nil {
		t.Fatal("a job of a kind without handler was enqueued")
	}
	rollback := errors.New("rollback")
	err := db.Atomic(ctx, func(ctx context.Context) error {
		if err := r.Enqueue(ctx, 1, "test.echo", map[string]string{"msg": "rolled back"}); err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if c := counts(t, db); c["available"] != 0 {
		t.Fatalf("a job enqueued in a rolled-back transaction exists: %v", c)
	}
	err = db.Atomic(ctx, func(ctx context.Context) error {
		return r.Enqueue(ctx, 1, "test.echo", map[string]string{"msg": "committed"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A unique key makes a second job with the same key a no-op.
	for range 2 {
		if err := r.Enqueue(ctx, 1, "test.echo", map[string]string{"msg": "unique"}, jobs.Unique("once")); err != nil {
			t.Fatal(err)
		}
	}
	if c := counts(t, db); c["available"] != 2 {
		t.Fatalf("want 2 jobs waiting, got %v", c)
	}
	start(t, r)
	waitFor(t, "both jobs done", func() bool { return counts(t, db)["done"] == 2 })
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(seen) // two workers: any order
	if len(seen) != 2 || seen[0] != "committed" || seen[1] != "unique" {
		t.Fatalf("handled payloads %q", seen)
	}
}

func TestRetryWithBackoffThenSuccess(t *testing.T) {
	db := storetest.Open(t)
	clk := newClock()
	r := newRunner(db, 1, clk)
	var calls atomic.Int32
	r.Register("test.flaky", func(ctx context.Context, j jobs.Job) error {
		if calls.Add(1) == 1 {
			return errors.New("mail server busy")
		}
		return nil
	})
	if err := r.Enqueue(context.Background(), 0, "test.flaky", nil); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	waitFor(t, "the first attempt to fail", func() bool { return calls.Load() == 1 && counts(t, db)["available"] == 1 })
	// The retry waits Backoff(1): between 2 and 2.5 seconds of the runner's clock.
	stays(t, "no retry before the backoff", func() bool { return calls.Load() == 1 })
	clk.Advance(1900 * time.Millisecond)
	stays(t, "no retry before the backoff", func() bool { return calls.Load() == 1 })
	clk.Advance(700 * time.Millisecond)
	waitFor(t, "the retry to succeed", func() bool { return counts(t, db)["done"] == 1 })
	if n := calls.Load(); n != 2 {
		t.Fatalf("handler ran %d times, want 2", n)
	}
}

func TestPermanentFailsWithoutRetry(t *testing.T) {
	db := storetest.Open(t)
	clk := newClock()
	r := newRunner(db, 1, clk)
	var calls atomic.Int32
	r.Register("test.bad", func(ctx context.Context, j jobs.Job) error {
		calls.Add(1)
		return fmt.Errorf("payload: %w", jobs.Permanent(errors.New("no recipients")))
	})
	if err := r.Enqueue(context.Background(), 0, "test.bad", nil, jobs.MaxAttempts(5)); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	waitFor(t, "the job to fail", func() bool { return counts(t, db)["failed"] == 1 })
	clk.Advance(2 * time.Hour)
	stays(t, "no retry of a permanent failure", func() bool { return calls.Load() == 1 && counts(t, db)["available"] == 0 })
}

func TestMaxAttempts(t *testing.T) {
	db := storetest.Open(t)
	clk := newClock()
	r := newRunner(db, 1, clk)
	var calls atomic.Int32
	r.Register("test.down", func(ctx context.Context, j jobs.Job) error {
		calls.Add(1)
		return errors.New("still down")
	})
	if err := r.Enqueue(context.Background(), 0, "test.down", nil, jobs.MaxAttempts(3)); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	for attempt := int32(1); attempt < 3; attempt++ {
		waitFor(t, fmt.Sprintf("attempt %d to fail", attempt), func() bool { return calls.Load() == attempt && counts(t, db)["available"] == 1 })
		clk.Advance(time.Hour) // past any backoff; only while the job is not running
	}
	waitFor(t, "the job to fail for good", func() bool { return counts(t, db)["failed"] == 1 })
	clk.Advance(time.Hour)
	stays(t, "no fourth attempt", func() bool { return calls.Load() == 3 })
}

func TestPanicIsRetriedNotACrash(t *testing.T) {
	db := storetest.Open(t)
	clk := newClock()
	r := newRunner(db, 1, clk)
	var calls atomic.Int32
	r.Register("test.panic", func(ctx context.Context, j jobs.Job) error {
		if calls.Add(1) == 1 {
			var m map[string]int
			m["boom"]++ // nil map: panics
		}
		return nil
	})
	if err := r.Enqueue(context.Background(), 0, "test.panic", nil); err != nil {
		t.Fatal(err)
	}
	start(t, r)
	waitFor(t, "the panic to be recorded as a failed attempt", func() bool { return calls.Load() == 1 && counts(t, db)["available"] == 1 })
	clk.Advance(time.Hour)
	waitFor(t, "the retry to succeed", func() bool { return counts(t, db)["done"] == 1 })
}

func TestRunWaitsForRunningJobs(t *testing.T) {
	db := storetest.Open(t)
	r := newRunner(db, 2, nil)
	entered, release := make(chan struct{}), make(chan struct{})
	r.Register("test.slow", func(ctx context.Context, j jobs.Job) error {
		close(entered)
		<-release
		return ctx.Err() // the job's context outlives the runner's
	})
	if err := r.Enqueue(context.Background(), 0, "test.slow", nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() {
		r.Run(ctx)
		close(returned)
	}()
	<-entered
	cancel()
	select {
	case <-returned:
		t.Fatal("Run returned while a job was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the job finished")
	}
	if c := counts(t, db); c["done"] != 1 {
		t.Fatalf("the job that was running at shutdown did not complete: %v", c)
	}
}

func TestNoWorkersOnlyEnqueues(t *testing.T) {
	db := storetest.Open(t)
	r := newRunner(db, 0, nil)
	r.Register("test.noop", func(context.Context, jobs.Job) error { t.Error("a node without workers ran a job"); return nil })
	if err := r.Enqueue(context.Background(), 0, "test.noop", nil); err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	stays(t, "the job waiting", func() bool { return counts(t, db)["available"] == 1 })
	stop()
}

func TestExpiredLeaseIsClaimedAgain(t *testing.T) {
	db := storetest.Open(t)
	clk := newClock()
	ctx := context.Background()
	r := newRunner(db, 1, clk)
	var calls atomic.Int32
	r.Register("test.orphan", func(context.Context, jobs.Job) error { calls.Add(1); return nil })
	if err := r.Enqueue(ctx, 0, "test.orphan", nil); err != nil {
		t.Fatal(err)
	}
	// A node claims the job and dies before finishing it.
	claimed, err := db.ClaimJobs(ctx, "dead-node", 1, time.Minute, clk.Now())
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	start(t, r)
	stays(t, "the leased job left alone", func() bool { return calls.Load() == 0 })
	clk.Advance(2 * time.Minute)
	waitFor(t, "the orphaned job to be done", func() bool { return counts(t, db)["done"] == 1 })
}

// openTwo opens the same database twice, as two nodes would.
func openTwo(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	ctx := context.Background()
	opts := store.Options{DataDir: t.TempDir(), MaxConns: 4}
	if base := storetest.PostgresURL(); base != "" {
		opts.URL = storetest.NewSchema(t, base)
	}
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	if _, err := dbs[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return dbs[0], dbs[1]
}

func TestTwoNodesNeverRunAJobTwice(t *testing.T) {
	db1, db2 := openTwo(t)
	const n = 120
	var mu sync.Mutex
	runs := map[int]int{}
	byNode := map[string]int{}
	handler := func(node string) jobs.Handler {
		return func(ctx context.Context, j jobs.Job) error {
			var p struct{ N int }
			if err := json.Unmarshal(j.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			mu.Lock()
			runs[p.N]++
			byNode[node]++
			mu.Unlock()
			time.Sleep(time.Millisecond)
			return nil
		}
	}
	r1, r2 := newRunner(db1, 4, nil), newRunner(db2, 4, nil)
	r1.Register("test.count", handler("one"))
	r2.Register("test.count", handler("two"))
	err := db1.Atomic(context.Background(), func(ctx context.Context) error {
		for i := range n {
			if err := r1.Enqueue(ctx, 0, "test.count", map[string]int{"n": i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, r1)
	start(t, r2)
	waitFor(t, "every job done", func() bool { return counts(t, db2)["done"] == n })
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != n {
		t.Fatalf("%d distinct jobs ran, want %d", len(runs), n)
	}
	for i, c := range runs {
		if c != 1 {
			t.Errorf("job %d ran %d times", i, c)
		}
	}
	if byNode["one"] == 0 || byNode["two"] == 0 {
		t.Errorf("one node did all the work: %v", byNode)
	}
	t.Logf("jobs per node: %v", byNode)
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, time.Second, 1250 * time.Millisecond},
		{1, 2 * time.Second, 2500 * time.Millisecond},
		{5, 32 * time.Second, 40 * time.Second},
		{12, time.Hour, time.Hour + 15*time.Minute}, // 2^12 s is capped at an hour
		{40, time.Hour, time.Hour + 15*time.Minute},
	}
	for _, tt := range tests {
		for range 50 {
			if d := jobs.Backoff(tt.attempt); d < tt.min || d >= tt.max {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v)", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestIsPermanent(t *testing.T) {
	base := errors.New("x")
	tests := []struct {
		err  error
		want bool
	}{
		{base, false},
		{jobs.Permanent(base), true},
		{fmt.Errorf("wrapped: %w", jobs.Permanent(base)), true},
		{nil, false},
	}
	for _, tt := range tests {
		if got := jobs.IsPermanent(tt.err); got != tt.want {
			t.Errorf("IsPermanent(%v) = %v", tt.err, got)
		}
	}
	if !errors.Is(jobs.Permanent(base), base) {
		t.Error("Permanent hides the cause")
	}
}
