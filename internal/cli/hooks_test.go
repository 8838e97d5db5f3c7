package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"piazza/internal/app"
	"piazza/internal/config"
	"piazza/internal/demo"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

// openApp opens an app on a fresh store (PostgreSQL when PIAZZA_TEST_POSTGRES_URL
// is set), prepares the store, runs the hooks and builds the web server.
func openApp(t *testing.T, demoFlag bool, prepare func(ctx context.Context, a *app.App)) *app.App {
	t.Helper()
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:8080"
	cfg.Demo = demoFlag
	if pg := storetest.PostgresURL(); pg != "" {
		cfg.DatabaseURL = storetest.NewSchema(t, pg)
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	prepare(ctx, a)
	for _, h := range DefaultHooks() {
		if err := h(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Build(); err != nil {
		t.Fatal(err)
	}
	return a
}

func get(a *app.App, u string) *http.Response {
	rec := httptest.NewRecorder()
	a.Web.Handler().ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
	return rec.Result()
}

const discovery = "http://piazza.localhost:8080/demo-idp/.well-known/openid-configuration"

func TestDemoIdentityProviderNeverRunsOnRealData(t *testing.T) {
	realData := func(ctx context.Context, a *app.App) {
		tt := tenants.Tenant{Slug: "vero", Name: "Comune Vero", PrimaryColor: "#0066CC", Hosts: []tenants.Host{{Name: "comune.vero.it", Kind: tenants.HostSite}}}
		if err := a.Tenants.Create(ctx, &tt); err != nil {
			t.Fatal(err)
		}
		// Even pointing a real tenant at the demo issuer does not bring it up.
		o := tenants.OIDC{Enabled: true, IssuerURL: demo.Issuer("piazza.localhost", "8080"), ClientID: "vero", ClientSecret: "s"}
		if err := a.Tenants.SetOIDC(ctx, tt.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	loadDemo := func(ctx context.Context, a *app.App) {
		d := demoDeps(a)
		if _, err := demo.Ensure(ctx, d, demo.Issuer(a.Config.PlatformHost, a.Config.Port())); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		demo    bool
		prepare func(ctx context.Context, a *app.App)
		mounted bool
	}{
		{"--demo on a store with real data", true, realData, false},
		{"--demo on an empty store that was not loaded", true, func(context.Context, *app.App) {}, false},
		{"a demo store without --demo", false, loadDemo, false},
		{"real data without --demo", false, realData, false},
		{"--demo on the demo store", true, loadDemo, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := openApp(t, tt.demo, tt.prepare)
			if a.CitizenAuth == nil {
				t.Fatal("citizen sign-in must always be wired")
			}
			if (a.DemoIdP != nil) != tt.mounted {
				t.Fatalf("demo provider created: %v, want %v", a.DemoIdP != nil, tt.mounted)
			}
			res := get(a, discovery)
			if !tt.mounted {
				if res.StatusCode != http.StatusNotFound {
					t.Fatalf("/demo-idp/ answered %d on a non-demo setup", res.StatusCode)
				}
				for _, p := range []string{"/demo-idp/jwks", "/demo-idp/authorize?client_id=vero", "/demo-idp/end_session"} {
					if res := get(a, "http://piazza.localhost:8080"+p); res.StatusCode != http.StatusNotFound {
						t.Fatalf("%s answered %d", p, res.StatusCode)
					}
				}
				return
			}
			var meta struct {
				Issuer string `json:"issuer"`
			}
			if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&meta) != nil || meta.Issuer != "http://piazza.localhost:8080/demo-idp" {
				t.Fatalf("discovery: %d %q", res.StatusCode, meta.Issuer)
			}
			// Only on the platform host.
			if res := get(a, "http://borgofiorito.localhost:8080/demo-idp/.well-known/openid-configuration"); res.StatusCode != http.StatusNotFound {
				t.Fatalf("the provider must not be reachable on a comune's host: %d", res.StatusCode)
			}
		})
	}
}
