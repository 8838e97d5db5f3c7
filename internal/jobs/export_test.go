package jobs

import "time"

// The tests live in package jobs_test (they need the real store, which imports
// this package); these setters let them run the runner fast and on a test clock.

// SetPoll sets how often an idle runner looks for due jobs.
func SetPoll(r *Runner, d time.Duration) { r.poll = d }

// SetLease sets how long a claimed job stays leased to its worker.
func SetLease(r *Runner, d time.Duration) { r.lease = d }

// SetClock sets the runner's clock.
func SetClock(r *Runner, now func() time.Time) { r.now = now }
