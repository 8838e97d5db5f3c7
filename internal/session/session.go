// Package session defines server-side sessions. The browser holds a random token in
// a cookie; the database holds only the token's hash, the principal and a little
// state, so any node can serve any request and a copy of the database does not
// contain usable sessions.
package session

import (
	"context"
	"time"
)

// Kind is who the session belongs to.
type Kind string

const (
	Anonymous Kind = "anonymous" // no one signed in yet (holds sign-in state)
	Staff     Kind = "staff"     // a tenant's staff member
	Citizen   Kind = "citizen"   // a citizen, signed in through OpenID Connect
	Platform  Kind = "platform"  // a platform operator in the console
)

// Session is one browser's session on one tenant (or on the platform console).
type Session struct {
	TokenHash  string
	TenantID   int64 // 0 for the platform console
	Kind       Kind
	AccountID  int64 // staff and platform
	CitizenID  int64 // citizen
	Data       Data
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute limit
}

// Data is the small state kept with a session.
type Data struct {
	// Logins holds OpenID Connect sign-ins in progress, by state.
	Logins map[string]PendingLogin `json:"logins,omitempty"`
	// PendingAccount is an account whose password was right but which still has to
	// pass (or set up) the second factor; PendingUntil bounds that step.
	PendingAccount int64     `json:"pending_account,omitempty"`
	PendingEnroll  bool      `json:"pending_enroll,omitempty"`
	PendingUntil   time.Time `json:"pending_until,omitzero"`
	// Return is where to go after signing in.
	Return string `json:"return,omitempty"`
	// IDToken is the citizen's ID token, sent back as id_token_hint on logout.
	IDToken string `json:"id_token,omitempty"`
	// Flash is a one-time message key shown on the next page.
	Flash string `json:"flash,omitempty"`
}

// PendingLogin is an OpenID Connect authorisation request in progress.
type PendingLogin struct {
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"` // PKCE code verifier
	Return   string    `json:"return,omitempty"`
	Started  time.Time `json:"started"`
}

// Store persists sessions. SessionByHash returns NotFound for a missing or expired
// session.
type Store interface {
	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error)
	SaveSessionData(ctx context.Context, hash string, d Data) error
	TouchSession(ctx context.Context, hash string, at time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteAccountSessions(ctx context.Context, accountID int64) error
	PruneSessions(ctx context.Context, before time.Time) (int64, error)
}
