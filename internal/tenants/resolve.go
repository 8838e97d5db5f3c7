package tenants

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"piazza/internal/apperr"
)

// ErrBadHost is returned for a Host header that is not a valid host name.
var ErrBadHost = apperr.E(apperr.Invalid, "error.bad_host")

// ErrUnknownHost is returned for a host that no tenant uses. The message must not
// reveal anything about the tenants that do exist.
var ErrUnknownHost = apperr.E(apperr.NotFound, "error.unknown_host")

// NormalizeHost validates a Host header value and returns the bare, lower-case host
// name without port or trailing dot. IP literals are returned as they are (they never
// match a tenant). Anything else that is not a valid DNS name is ErrBadHost.
func NormalizeHost(raw string) (string, error) {
	h := raw
	if h == "" || len(h) > 300 {
		return "", ErrBadHost
	}
	if strings.HasPrefix(h, "[") { // IPv6 literal, maybe with a port
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", ErrBadHost
		}
		if rest := h[end+1:]; rest != "" && !validPort(strings.TrimPrefix(rest, ":")) || rest != "" && rest[0] != ':' {
			return "", ErrBadHost
		}
		a, err := netip.ParseAddr(h[1:end])
		if err != nil || !a.Is6() {
			return "", ErrBadHost
		}
		return a.String(), nil
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i+1:]) {
			return "", ErrBadHost
		}
		h = h[:i]
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || len(h) > 253 {
		return "", ErrBadHost
	}
	for _, label := range strings.Split(h, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", ErrBadHost
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", ErrBadHost
			}
		}
	}
	return h, nil
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n > 0 && n <= 65535
}

func isIP(h string) bool {
	_, err := netip.ParseAddr(h)
	return err == nil
}

// Resolution is what a host name leads to.
type Resolution struct {
	Platform bool     // the platform console
	Tenant   *Tenant  // nil for the platform console
	HostKind HostKind // how the tenant uses this host
}

// Resolver maps host names to tenants. It keeps every tenant in memory (a consortium
// has hundreds, not millions) and reloads them when the version stamp in the
// database changes, checking it at most once per TTL: so every node sees a change
// made on any node within about a second.
type Resolver struct {
	store        Store
	platformHost string
	ttl          time.Duration
	now          func() time.Time

	mu      sync.RWMutex
	byHost  map[string]*Tenant
	bySlug  map[string]*Tenant
	version int64
	checked time.Time
	loaded  bool
}

// NewResolver returns a resolver. platformHost is the console's host name.
func NewResolver(store Store, platformHost string, ttl time.Duration) *Resolver {
	return &Resolver{store: store, platformHost: platformHost, ttl: ttl, now: time.Now}
}

// Resolve finds what a Host header value refers to. It returns ErrBadHost for a
// malformed host and ErrUnknownHost for a host nobody uses. Host names under
// .localhost also resolve by slug, for local use: <slug>.localhost is the site and
// servizi.<slug>.localhost the services host of the tenant with that slug.
func (r *Resolver) Resolve(ctx context.Context, rawHost string) (Resolution, error) {
	host, err := NormalizeHost(rawHost)
	if err != nil {
		return Resolution{}, err
	}
	if host == r.platformHost {
		return Resolution{Platform: true}, nil
	}
	if err := r.refresh(ctx); err != nil {
		return Resolution{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if t, ok := r.byHost[host]; ok {
		kind := HostAlias
		for _, h := range t.Hosts {
			if h.Name == host {
				kind = h.Kind
			}
		}
		return Resolution{Tenant: t, HostKind: kind}, nil
	}
	if rest, ok := strings.CutSuffix(host, ".localhost"); ok {
		kind := HostSite
		if s, ok := strings.CutPrefix(rest, "servizi."); ok {
			rest, kind = s, HostServices
		}
		if t, ok := r.bySlug[rest]; ok {
			return Resolution{Tenant: t, HostKind: kind}, nil
		}
	}
	return Resolution{}, ErrUnknownHost
}

// Tenant returns the cached tenant with the id, refreshing the cache if needed.
func (r *Resolver) Tenant(ctx context.Context, id int64) (*Tenant, error) {
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, t := range r.bySlug {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, apperr.E(apperr.NotFound, "error.not_found")
}

// Invalidate makes the next Resolve check the version stamp at once.
func (r *Resolver) Invalidate() {
	r.mu.Lock()
	r.checked = time.Time{}
	r.mu.Unlock()
}

func (r *Resolver) refresh(ctx context.Context) error {
	now := r.now()
	r.mu.RLock()
	fresh := r.loaded && now.Sub(r.checked) < r.ttl
	r.mu.RUnlock()
	if fresh {
		return nil
	}
	v, err := r.store.TenantsVersion(ctx)
	if err != nil {
		return err
	}
	r.mu.RLock()
	same := r.loaded && v == r.version
	r.mu.RUnlock()
	if same {
		r.mu.Lock()
		r.checked = now
		r.mu.Unlock()
		return nil
	}
	all, err := r.store.Tenants(ctx)
	if err != nil {
		return err
	}
	byHost := make(map[string]*Tenant, 3*len(all))
	bySlug := make(map[string]*Tenant, len(all))
	for i := range all {
		t := &all[i]
		bySlug[t.Slug] = t
		for _, h := range t.Hosts {
			byHost[h.Name] = t
		}
	}
	r.mu.Lock()
	r.byHost, r.bySlug, r.version, r.checked, r.loaded = byHost, bySlug, v, now, true
	r.mu.Unlock()
	return nil
}
