package store

import (
	"context"
	"database/sql"
	"time"

	"piazza/internal/jobs"
)

// EnqueueJob inserts a job; with a unique key already present it does nothing.
func (db *DB) EnqueueJob(ctx context.Context, j *jobs.Job) error {
	var key any
	if j.UniqueKey != "" {
		key = j.UniqueKey
	}
	_, err := db.exec(ctx, `INSERT INTO jobs (tenant_id, kind, payload, priority, max_attempts, run_at, unique_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`,
		j.TenantID, j.Kind, string(j.Payload), j.Priority, j.MaxAttempts, db.t(j.RunAt), key, db.t(db.Now()))
	return err
}

// ClaimJobs leases up to limit due jobs (and jobs whose lease ran out) to a worker.
func (db *DB) ClaimJobs(ctx context.Context, worker string, limit int, lease time.Duration, now time.Time) ([]jobs.Job, error) {
	var out []jobs.Job
	err := db.Atomic(ctx, func(ctx context.Context) error {
		rows, err := db.writer(ctx).QueryContext(ctx, db.dialect.rebind(`UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = ?, locked_by = ?
			WHERE id IN (SELECT id FROM jobs WHERE (state = 'available' AND run_at <= ?) OR (state = 'running' AND locked_until < ?)
				ORDER BY priority DESC, run_at, id LIMIT ?`+db.dialect.skipLocked()+`)
			RETURNING id, tenant_id, kind, payload, priority, attempts, max_attempts, run_at, unique_key`),
			db.t(now.Add(lease)), worker, db.t(now), db.t(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var j jobs.Job
			var payload string
			var key sql.NullString
			if err := rows.Scan(&j.ID, &j.TenantID, &j.Kind, &payload, &j.Priority, &j.Attempts, &j.MaxAttempts, ts(&j.RunAt), &key); err != nil {
				return err
			}
			j.Payload, j.UniqueKey = []byte(payload), key.String
			out = append(out, j)
		}
		return rows.Err()
	})
	return out, err
}

// CompleteJob marks a job done and drops its payload (which may hold personal data
// or single-use links).
func (db *DB) CompleteJob(ctx context.Context, id int64, now time.Time) error {
	_, err := db.exec(ctx, "UPDATE jobs SET state = 'done', payload = '{}', locked_until = NULL, finished_at = ?, last_error = '' WHERE id = ?", db.t(now), id)
	return err
}

// RetryJob makes a job available again at runAt.
func (db *DB) RetryJob(ctx context.Context, id int64, runAt time.Time, errText string) error {
	_, err := db.exec(ctx, "UPDATE jobs SET state = 'available', run_at = ?, locked_until = NULL, last_error = ? WHERE id = ?", db.t(runAt), clip(errText, 1000), id)
	return err
}

// FailJob marks a job failed for good.
func (db *DB) FailJob(ctx context.Context, id int64, errText string, now time.Time) error {
	_, err := db.exec(ctx, "UPDATE jobs SET state = 'failed', locked_until = NULL, last_error = ?, finished_at = ? WHERE id = ?", clip(errText, 1000), db.t(now), id)
	return err
}

// JobCounts returns the number of jobs per state.
func (db *DB) JobCounts(ctx context.Context) (map[string]int, error) {
	type row struct {
		state string
		n     int
	}
	rows, err := queryAll(ctx, db, func(r *sql.Rows) (row, error) { var x row; return x, r.Scan(&x.state, &x.n) },
		"SELECT state, COUNT(*) FROM jobs GROUP BY state")
	out := map[string]int{"available": 0, "running": 0, "done": 0, "failed": 0}
	for _, x := range rows {
		out[x.state] = x.n
	}
	return out, err
}

// PruneJobs deletes finished jobs older than before.
func (db *DB) PruneJobs(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.exec(ctx, "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?", db.t(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
