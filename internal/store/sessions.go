package store

import (
	"context"
	"encoding/json"
	"time"

	"piazza/internal/session"
)

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *session.Session) error {
	data, err := json.Marshal(s.Data)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO sessions (token_hash, tenant_id, kind, account_id, citizen_id, data, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.TokenHash, s.TenantID, s.Kind, nullID(s.AccountID), nullID(s.CitizenID), string(data),
		s.IP, s.UserAgent, db.t(s.CreatedAt), db.t(s.LastSeenAt), db.t(s.ExpiresAt))
	return err
}

// SessionByHash returns an unexpired session. The caller checks that its tenant is
// the request's tenant.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (session.Session, error) {
	var s session.Session
	var data string
	var acc, cit *int64
	err := db.queryRow(ctx, `SELECT token_hash, tenant_id, kind, account_id, citizen_id, data, ip, user_agent, created_at, last_seen_at, expires_at
		FROM sessions WHERE token_hash = ? AND expires_at > ?`, hash, db.t(now)).
		Scan(&s.TokenHash, &s.TenantID, &s.Kind, &acc, &cit, &data, &s.IP, &s.UserAgent, ts(&s.CreatedAt), ts(&s.LastSeenAt), ts(&s.ExpiresAt))
	if err != nil {
		return s, notFound(err, "session.not_found")
	}
	if acc != nil {
		s.AccountID = *acc
	}
	if cit != nil {
		s.CitizenID = *cit
	}
	return s, json.Unmarshal([]byte(data), &s.Data)
}

// SaveSessionData replaces a session's data.
func (db *DB) SaveSessionData(ctx context.Context, hash string, d session.Data) error {
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, "UPDATE sessions SET data = ? WHERE token_hash = ?", string(data), hash)
	return err
}

// TouchSession records activity (for the idle timeout).
func (db *DB) TouchSession(ctx context.Context, hash string, at time.Time) error {
	_, err := db.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", db.t(at), hash)
	return err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash)
	return err
}

// DeleteAccountSessions ends every session of a staff or platform account.
func (db *DB) DeleteAccountSessions(ctx context.Context, accountID int64) error {
	_, err := db.exec(ctx, "DELETE FROM sessions WHERE account_id = ?", accountID)
	return err
}

// PruneSessions deletes sessions that expired before a time.
func (db *DB) PruneSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", db.t(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
