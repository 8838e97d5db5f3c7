// Package jobs runs durable background work (emails now; webhooks, protocol batches
// and exports later) from a table in the database.
//
// A job is enqueued in the same transaction as the change that needs it, so it
// exists exactly when the change committed. Workers on any node claim jobs with a
// lease (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite serialises writers anyway);
// a job whose worker died is claimed again when its lease runs out. Failures are
// retried with exponential backoff up to MaxAttempts.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Job is one unit of background work.
type Job struct {
	ID          int64
	TenantID    int64
	Kind        string
	Payload     json.RawMessage
	Priority    int
	Attempts    int
	MaxAttempts int
	RunAt       time.Time
	UniqueKey   string // when set, a second job with the same key is not enqueued
}

// Store persists jobs. EnqueueJob joins the transaction in ctx.
type Store interface {
	EnqueueJob(ctx context.Context, j *Job) error
	ClaimJobs(ctx context.Context, worker string, limit int, lease time.Duration, now time.Time) ([]Job, error)
	CompleteJob(ctx context.Context, id int64, now time.Time) error
	RetryJob(ctx context.Context, id int64, runAt time.Time, errText string) error
	FailJob(ctx context.Context, id int64, errText string, now time.Time) error
	JobCounts(ctx context.Context) (map[string]int, error)
}

// Handler does the work of one kind of job. Returning an error retries the job
// later, unless the error is Permanent.
type Handler func(ctx context.Context, j Job) error

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks an error that retrying cannot fix.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err (or an error it wraps) was marked Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

// Runner enqueues jobs and runs workers.
type Runner struct {
	store    Store
	log      *slog.Logger
	handlers map[string]Handler
	workers  int
	poll     time.Duration
	lease    time.Duration
	now      func() time.Time
	wake     chan struct{}
	id       string
}

// NewRunner returns a runner with the given number of workers (0: this node only
// enqueues).
func NewRunner(store Store, log *slog.Logger, workers int) *Runner {
	b := make([]byte, 4)
	rand.Read(b)
	return &Runner{store: store, log: log, handlers: map[string]Handler{}, workers: workers,
		poll: time.Second, lease: 5 * time.Minute, now: time.Now, wake: make(chan struct{}, 1), id: hex.EncodeToString(b)}
}

// Register sets the handler for a kind. Call before Run.
func (r *Runner) Register(kind string, h Handler) { r.handlers[kind] = h }

// Option changes how a job is enqueued.
type Option func(*Job)

// At delays the job.
func At(t time.Time) Option { return func(j *Job) { j.RunAt = t } }

// Unique sets the job's unique key.
func Unique(key string) Option { return func(j *Job) { j.UniqueKey = key } }

// MaxAttempts sets how often the job is tried.
func MaxAttempts(n int) Option { return func(j *Job) { j.MaxAttempts = n } }

// Enqueue adds a job, in the transaction carried by ctx if there is one.
func (r *Runner) Enqueue(ctx context.Context, tenantID int64, kind string, payload any, opts ...Option) error {
	if _, ok := r.handlers[kind]; !ok {
		return fmt.Errorf("jobs: no handler for %q", kind)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	j := &Job{TenantID: tenantID, Kind: kind, Payload: b, MaxAttempts: 10, RunAt: r.now().UTC()}
	for _, o := range opts {
		o(j)
	}
	if err := r.store.EnqueueJob(ctx, j); err != nil {
		return err
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run works jobs until ctx is cancelled, then waits for running jobs to finish.
func (r *Runner) Run(ctx context.Context) {
	if r.workers == 0 {
		<-ctx.Done()
		return
	}
	sem := make(chan struct{}, r.workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-r.wake:
		}
		free := r.workers - len(sem)
		if free > 0 {
			claimed, err := r.store.ClaimJobs(ctx, r.id, free, r.lease, r.now().UTC())
			if err != nil && ctx.Err() == nil {
				r.log.Error("claim jobs", "err", err)
			}
			for _, j := range claimed {
				sem <- struct{}{}
				wg.Add(1)
				go func(j Job) {
					defer wg.Done()
					defer func() { <-sem }()
					r.work(context.WithoutCancel(ctx), j)
				}(j)
			}
			if len(claimed) == free { // there may be more: look again at once
				timer.Reset(0)
				continue
			}
		}
		timer.Reset(r.poll)
	}
}

func (r *Runner) work(ctx context.Context, j Job) {
	h := r.handlers[j.Kind]
	var err error
	if h == nil {
		err = Permanent(fmt.Errorf("no handler for job kind %q", j.Kind))
	} else {
		ctx, cancel := context.WithTimeout(ctx, r.lease-time.Second)
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			err = h(ctx, j)
		}()
		cancel()
	}
	now := r.now().UTC()
	log := r.log.With("job", j.ID, "kind", j.Kind, "tenant", j.TenantID, "attempt", j.Attempts)
	switch {
	case err == nil:
		if err := r.store.CompleteJob(ctx, j.ID, now); err != nil {
			log.Error("complete job", "err", err)
		}
	case IsPermanent(err) || j.Attempts >= j.MaxAttempts:
		log.Error("job failed for good", "err", err)
		if err := r.store.FailJob(ctx, j.ID, err.Error(), now); err != nil {
			log.Error("fail job", "err", err)
		}
	default:
		next := now.Add(Backoff(j.Attempts))
		log.Warn("job failed, will retry", "err", err, "retry_at", next)
		if err := r.store.RetryJob(ctx, j.ID, next, err.Error()); err != nil {
			log.Error("retry job", "err", err)
		}
	}
}

// Backoff is the wait before retry number attempt+1: 2^attempt seconds plus up to
// 25% jitter, capped at an hour.
func Backoff(attempt int) time.Duration {
	d := time.Duration(math.Min(math.Pow(2, float64(attempt)), 3600)) * time.Second
	b := make([]byte, 1)
	rand.Read(b)
	return d + d*time.Duration(b[0])/1024
}

// Counts reports jobs by state (for metrics).
func (r *Runner) Counts(ctx context.Context) (map[string]int, error) { return r.store.JobCounts(ctx) }
