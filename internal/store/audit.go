package store

import (
	"context"
	"database/sql"
	"strings"

	"piazza/internal/audit"
)

// AppendAudit adds an entry to the append-only audit log (the only statement that
// touches audit_log besides SELECT: triggers refuse UPDATE and DELETE).
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) error {
	if e.At.IsZero() {
		e.At = db.Now()
	}
	_, err := db.exec(ctx, `INSERT INTO audit_log (tenant_id, at, actor_kind, actor_id, actor_label, action, object_type, object_id, detail, ip, user_agent, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.TenantID, db.t(e.At), e.Actor.Kind, nullID(e.Actor.ID), clip(e.Actor.Label, 200),
		e.Action, e.ObjectType, e.ObjectID, clip(e.Detail, 1000), e.Actor.IP, clip(e.Actor.UserAgent, 300), e.Actor.RequestID)
	return err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}

// AuditEntries returns one tenant's entries, newest first.
func (db *DB) AuditEntries(ctx context.Context, tenantID int64, f audit.Filter) ([]audit.Entry, error) {
	var where strings.Builder
	args := []any{tenantID}
	where.WriteString("tenant_id = ?")
	if !f.From.IsZero() {
		where.WriteString(" AND at >= ?")
		args = append(args, db.t(f.From))
	}
	if !f.To.IsZero() {
		where.WriteString(" AND at < ?")
		args = append(args, db.t(f.To))
	}
	if f.Actor != "" {
		where.WriteString(" AND " + db.dialect.ilike("actor_label") + " ESCAPE '\\'")
		args = append(args, "%"+escapeLike(f.Actor)+"%")
	}
	if f.Action != "" {
		where.WriteString(" AND action LIKE ? ESCAPE '\\'")
		args = append(args, escapeLike(f.Action)+"%")
	}
	if f.ObjectType != "" {
		where.WriteString(" AND object_type = ?")
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		where.WriteString(" AND object_id = ?")
		args = append(args, f.ObjectID)
	}
	if f.BeforeID > 0 {
		where.WriteString(" AND id < ?")
		args = append(args, f.BeforeID)
	}
	q := `SELECT id, tenant_id, at, actor_kind, actor_id, actor_label, action, object_type, object_id, detail, ip, user_agent, request_id
		FROM audit_log WHERE ` + where.String() + " ORDER BY id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return queryAll(ctx, db, func(r *sql.Rows) (audit.Entry, error) {
		var e audit.Entry
		var actorID *int64
		err := r.Scan(&e.ID, &e.TenantID, ts(&e.At), &e.Actor.Kind, &actorID, &e.Actor.Label, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Detail, &e.Actor.IP, &e.Actor.UserAgent, &e.Actor.RequestID)
		if actorID != nil {
			e.Actor.ID = *actorID
		}
		return e, err
	}, q, args...)
}
