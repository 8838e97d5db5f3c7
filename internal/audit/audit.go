// Package audit records who did what: every staff action and every staff read of a
// citizen's personal data. Entries are append-only; nothing updates or deletes them
// (the database refuses it with triggers).
package audit

import (
	"context"
	"time"
)

// PlatformTenant is the tenant id under which platform actions are recorded.
const PlatformTenant int64 = 0

// ActorKind says what kind of principal acted.
type ActorKind string

const (
	ActorStaff    ActorKind = "staff"    // a tenant's staff member in the back office
	ActorPlatform ActorKind = "platform" // the consortium operator in the platform console
	ActorCitizen  ActorKind = "citizen"  // a citizen in the personal area
	ActorCLI      ActorKind = "cli"      // the piazza command line
	ActorSystem   ActorKind = "system"   // the platform itself (jobs, demo loader)
	ActorAnon     ActorKind = "anonymous"
)

// Actor is who is acting, and from where. The web layer puts it in the request
// context; CLI commands and jobs build their own.
type Actor struct {
	Kind      ActorKind
	ID        int64  // account or citizen id; 0 for system
	Label     string // email or name at the time, so entries stay readable
	IP        string
	UserAgent string
	RequestID string
}

// Entry is one audit record.
type Entry struct {
	ID         int64
	TenantID   int64
	At         time.Time
	Actor      Actor
	Action     string // dotted verb, e.g. "tenant.suspend", "citizen.view"
	ObjectType string
	ObjectID   string
	Detail     string // short, human-readable; never passwords, tokens or secrets
}

// Filter selects entries of one tenant for browsing and export.
type Filter struct {
	From, To   time.Time // inclusive, exclusive; zero = unbounded
	Actor      string    // substring of the actor label
	Action     string    // prefix of the action
	ObjectType string
	ObjectID   string
	BeforeID   int64 // for paging: only entries older than this id
	Limit      int   // 0 = no limit (exports)
}

type actorKey struct{}

// WithActor returns a context that carries the acting principal.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the acting principal, or the system actor when none is set.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem, Label: "system"}
}

// New builds an entry for the actor in ctx.
func New(ctx context.Context, tenantID int64, action, objectType, objectID, detail string) Entry {
	return Entry{TenantID: tenantID, Actor: ActorFrom(ctx), Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail}
}

// Store persists entries. AppendAudit joins the transaction in ctx, so an action and
// its entry commit together. AuditEntries returns only the given tenant's entries,
// newest first.
type Store interface {
	AppendAudit(ctx context.Context, e Entry) error
	AuditEntries(ctx context.Context, tenantID int64, f Filter) ([]Entry, error)
}
