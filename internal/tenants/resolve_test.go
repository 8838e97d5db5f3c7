package tenants

import (
	"context"
	"strings"
	"testing"
	"time"

	"piazza/internal/apperr"
)

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"borgofiorito.localhost:8080", "borgofiorito.localhost", true},
		{"Comune.BorgoFiorito.PV.it.", "comune.borgofiorito.pv.it", true},
		{"servizi.comune.x.it", "servizi.comune.x.it", true},
		{"xn--citt-4na.it", "xn--citt-4na.it", true},
		{"127.0.0.1:80", "127.0.0.1", true},
		{"[::1]:8080", "::1", true},
		{"", "", false},
		{"città.it", "", false},
		{"bad_host.it", "", false},
		{"-lead.it", "", false},
		{"a..b", "", false},
		{"host:0", "", false},
		{"host:99999", "", false},
		{"host:", "", false},
		{"[::1", "", false},
		{"[1.2.3.4]", "", false},
		{"[::1]x", "", false},
		{"a b", "", false},
		{strings.Repeat("a", 64) + ".it", "", false},
		{"evil.it/path", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeHost(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"borgofiorito.localhost:8080", "[::1]:80", "A.B.", "x:1", "città.it", "[::1]x", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := NormalizeHost(s)
		if err != nil {
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("error of kind %v", apperr.KindOf(err))
			}
			return
		}
		// A normalised host is idempotent, lower-case and has no port, path or space.
		if isIP(h) {
			return // IP literals never name a tenant
		}
		if h2, err := NormalizeHost(h); err != nil || h2 != h {
			t.Fatalf("not idempotent: %q -> %q (%v)", h, h2, err)
		}
		if strings.ToLower(h) != h || strings.ContainsAny(h, "/ ?#@[]") || (!isIP(h) && strings.Contains(h, ":")) {
			t.Fatalf("bad normalised host %q from %q", h, s)
		}
	})
}

type fakeStore struct {
	Store
	tenants []Tenant
	version int64
	loads   int
}

func (f *fakeStore) TenantsVersion(context.Context) (int64, error) { return f.version, nil }
func (f *fakeStore) Tenants(context.Context) ([]Tenant, error) {
	f.loads++
	return append([]Tenant(nil), f.tenants...), nil
}

func TestResolver(t *testing.T) {
	st := &fakeStore{version: 1, tenants: []Tenant{
		{ID: 1, Slug: "borgofiorito", Hosts: []Host{{"comune.borgofiorito.pv.it", HostSite}, {"servizi.comune.borgofiorito.pv.it", HostServices}}},
		{ID: 2, Slug: "marinadiponente", Hosts: []Host{{"marinadiponente.localhost", HostSite}}},
	}}
	r := NewResolver(st, "piazza.localhost", time.Second)
	now := time.Unix(1000, 0)
	r.now = func() time.Time { return now }
	ctx := context.Background()
	tests := []struct {
		host     string
		tenant   int64
		kind     HostKind
		platform bool
		err      *apperr.Error
	}{
		{host: "piazza.localhost:8080", platform: true},
		{host: "comune.borgofiorito.pv.it", tenant: 1, kind: HostSite},
		{host: "SERVIZI.comune.borgofiorito.pv.it:443", tenant: 1, kind: HostServices},
		{host: "borgofiorito.localhost:8080", tenant: 1, kind: HostSite},
		{host: "servizi.borgofiorito.localhost", tenant: 1, kind: HostServices},
		{host: "marinadiponente.localhost", tenant: 2, kind: HostSite},
		{host: "altro.localhost", err: ErrUnknownHost},
		{host: "comune.altro.it", err: ErrUnknownHost},
		{host: "bad host", err: ErrBadHost},
	}
	for _, tt := range tests {
		res, err := r.Resolve(ctx, tt.host)
		if tt.err != nil {
			if err != tt.err {
				t.Errorf("%s: err = %v, want %v", tt.host, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.host, err)
		}
		if res.Platform != tt.platform || (res.Tenant != nil) == tt.platform || !tt.platform && (res.Tenant.ID != tt.tenant || res.HostKind != tt.kind) {
			t.Errorf("%s: got %+v", tt.host, res)
		}
	}
	if st.loads != 1 {
		t.Fatalf("tenants loaded %d times, want 1", st.loads)
	}
	// A change on another node bumps the version: seen after the TTL, not before.
	st.tenants = append(st.tenants, Tenant{ID: 3, Slug: "nuovo", Hosts: []Host{{"nuovo.example.it", HostSite}}})
	st.version = 2
	if _, err := r.Resolve(ctx, "nuovo.example.it"); err != ErrUnknownHost {
		t.Fatalf("within TTL the cache is used: %v", err)
	}
	now = now.Add(2 * time.Second)
	if res, err := r.Resolve(ctx, "nuovo.example.it"); err != nil || res.Tenant.ID != 3 {
		t.Fatalf("after TTL the new tenant must resolve: %v", err)
	}
}
