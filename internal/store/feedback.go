package store

import (
	"context"
	"database/sql"
	"time"

	"piazza/internal/feedback"
)

// AddFeedback records a rating of a page.
func (db *DB) AddFeedback(ctx context.Context, e *feedback.Entry) error {
	id, err := db.insertID(ctx, `INSERT INTO page_feedback (tenant_id, path, stars, answer, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.TenantID, e.Path, e.Stars, e.Answer, e.Comment, db.t(e.At))
	if err == nil {
		e.ID = id
	}
	return err
}

// FeedbackSince returns the tenant's ratings from a time on, oldest first.
func (db *DB) FeedbackSince(ctx context.Context, tenantID int64, since time.Time) ([]feedback.Entry, error) {
	return queryAll(ctx, db, func(r *sql.Rows) (feedback.Entry, error) {
		var e feedback.Entry
		err := r.Scan(&e.ID, &e.TenantID, &e.Path, &e.Stars, &e.Answer, &e.Comment, ts(&e.At))
		return e, err
	}, `SELECT id, tenant_id, path, stars, answer, comment, created_at FROM page_feedback
		WHERE tenant_id = ? AND created_at >= ? ORDER BY created_at, id LIMIT 100000`, tenantID, db.t(since))
}
