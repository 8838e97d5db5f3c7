package oidc

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/blob"
	"piazza/internal/demo"
	"piazza/internal/demoidp"
	"piazza/internal/secret"
	"piazza/internal/session"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

func TestMapClaims(t *testing.T) {
	def := tenants.DefaultClaims
	alt := def
	alt.FiscalCode = "fiscalNumber"
	alt.Level = "spid_level"
	full := map[string]any{
		"https://attributes.eid.gov.it/fiscal_number": "TINIT-RSSMRA80A01H501U",
		"given_name": " Mario ", "family_name": "Rossi", "email": "mario@example.it", "phone_number": "+39 333 1234567",
		"acr": "https://www.spid.gov.it/SpidL2",
	}
	tests := []struct {
		name        string
		claims      map[string]any
		names       tenants.Claims
		want        accounts.Identity
		wantMissing []string
	}{
		{"default names", full, def,
			accounts.Identity{FiscalCode: "TINIT-RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "mario@example.it", Phone: "+39 333 1234567", Level: "https://www.spid.gov.it/SpidL2"}, nil},
		{"fiscalNumber is not read unless configured", map[string]any{"fiscalNumber": "TINIT-RSSMRA80A01H501U", "given_name": "Mario", "family_name": "Rossi"}, def,
			accounts.Identity{GivenName: "Mario", FamilyName: "Rossi"}, []string{def.FiscalCode, "email", "phone_number", "acr"}},
		{"configured names", map[string]any{"fiscalNumber": "TINIT-RSSMRA80A01H501U", "spid_level": "L2", "given_name": "Mario", "family_name": "Rossi", "email": "m@example.it", "phone_number": "1"}, alt,
			accounts.Identity{FiscalCode: "TINIT-RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "m@example.it", Phone: "1", Level: "L2"}, nil},
		{"configured name wins over the default one", map[string]any{"fiscalNumber": "TINIT-BNCGLI85M52F205H", def.FiscalCode: "TINIT-RSSMRA80A01H501U"}, alt,
			accounts.Identity{FiscalCode: "TINIT-BNCGLI85M52F205H"}, []string{"given_name", "family_name", "email", "phone_number", "spid_level"}},
		{"non-string values are missing", map[string]any{def.FiscalCode: 12345, "given_name": []any{"Mario"}, "family_name": nil, "email": true, "phone_number": map[string]any{}, "acr": 2.0}, def,
			accounts.Identity{}, []string{def.FiscalCode, "given_name", "family_name", "email", "phone_number", "acr"}},
		{"blank and oversized values are missing", map[string]any{def.FiscalCode: "   ", "given_name": strings.Repeat("a", 600), "family_name": "Rossi"}, def,
			accounts.Identity{FamilyName: "Rossi"}, []string{def.FiscalCode, "given_name", "email", "phone_number", "acr"}},
		{"no claims", nil, def, accounts.Identity{}, []string{def.FiscalCode, "given_name", "family_name", "email", "phone_number", "acr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, missing := MapClaims(tt.claims, tt.names)
			if got != tt.want {
				t.Errorf("identity %+v, want %+v", got, tt.want)
			}
			if !slices.Equal(missing, tt.wantMissing) {
				t.Errorf("missing %v, want %v", missing, tt.wantMissing)
			}
		})
	}
}

func TestFillOnlyMissingClaims(t *testing.T) {
	names := tenants.DefaultClaims
	id, missing := MapClaims(map[string]any{names.FiscalCode: "TINIT-RSSMRA80A01H501U", "given_name": "Mario", "family_name": "Rossi"}, names)
	// Userinfo must not override what the signed ID token said.
	userinfo := map[string]any{names.FiscalCode: "TINIT-BNCGLI85M52F205H", "given_name": "Giulia", "email": "m@example.it", "phone_number": "+39 02 1234"}
	id, still := Fill(id, userinfo, names, missing)
	want := accounts.Identity{FiscalCode: "TINIT-RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "m@example.it", Phone: "+39 02 1234"}
	if id != want {
		t.Fatalf("got %+v, want %+v", id, want)
	}
	if !slices.Equal(still, []string{"acr"}) {
		t.Fatalf("still missing %v", still)
	}
}

func FuzzMapClaims(f *testing.F) {
	for _, s := range []string{`{}`, `{"https://attributes.eid.gov.it/fiscal_number":"TINIT-RSSMRA80A01H501U","given_name":"Mario"}`,
		`{"given_name":1,"family_name":["x"],"email":null}`, `{"acr":"` + strings.Repeat("x", 600) + `"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var claims map[string]any
		if json.Unmarshal([]byte(doc), &claims) != nil {
			return
		}
		id, missing := MapClaims(claims, tenants.DefaultClaims)
		for _, v := range []string{id.FiscalCode, id.GivenName, id.FamilyName, id.Email, id.Phone, id.Level} {
			if len(v) > maxClaimLen || v != strings.TrimSpace(v) {
				t.Fatalf("bad value %q", v)
			}
		}
		if len(missing) > 6 {
			t.Fatalf("missing %v", missing)
		}
	})
}

func TestIsLocalhost(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "piazza.localhost": true, "A.B.LOCALHOST": true, "x.localhost.": true,
		"localhost.example.it": false, "notlocalhost": false, "example.it": false, "127.0.0.1": false, "": false} {
		if IsLocalhost(host) != want {
			t.Errorf("IsLocalhost(%q) != %v", host, want)
		}
	}
}

func TestTransportDialsLocalhostNamesOnLoopback(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write([]byte(strings.Repeat("x", maxResponseBytes+10)))
			return
		}
		io.WriteString(w, "host="+r.Host)
	}))
	defer ts.Close()
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	c := &http.Client{Transport: NewTransport(), Timeout: 5 * time.Second}
	res, err := c.Get("http://piazza.localhost:" + port + "/x")
	if err != nil {
		t.Fatalf("a .localhost name must reach the loopback interface: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "host=piazza.localhost:"+port {
		t.Fatalf("got %q", b)
	}
	res, err = c.Get("http://piazza.localhost:" + port + "/big")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Fatal("a response over 1 MiB must fail")
	}
	// Other names are resolved normally: an unknown one does not land on loopback.
	if _, err := c.Get("http://piazza.invalid:" + port + "/x"); err == nil {
		t.Fatal("piazza.invalid must not resolve")
	}
}

func TestEndSessionURL(t *testing.T) {
	got, err := endSessionURL("https://gw.example/logout?x=1", "borgo", "tok.en.sig", "https://borgo.example.it/")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	q := u.Query()
	if u.Host != "gw.example" || q.Get("x") != "1" || q.Get("id_token_hint") != "tok.en.sig" || q.Get("client_id") != "borgo" || q.Get("post_logout_redirect_uri") != "https://borgo.example.it/" {
		t.Fatalf("end session URL %s", got)
	}
	if got, err := endSessionURL("", "borgo", "t", "u"); got != "" || err != nil {
		t.Fatalf("no endpoint: %q %v", got, err)
	}
	if _, err := endSessionURL("javascript:alert(1)", "borgo", "t", "u"); err == nil {
		t.Fatal("a non-web endpoint must be refused")
	}
}

// rpEnv is the demo store with the demo provider on an httptest server and a
// relying party whose requests are counted per path.
type rpEnv struct {
	t      *testing.T
	rp     *RP
	tens   *tenants.Service
	issuer string
	port   string
	calls  *counter
	clock  *clock
	ts     *httptest.Server
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) get(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[path]
}

type counting struct {
	next http.RoundTripper
	c    *counter
}

func (ct counting) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.c.mu.Lock()
	ct.c.n[r.URL.Path]++
	ct.c.mu.Unlock()
	return ct.next.RoundTrip(r)
}

type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time { return time.Unix(0, c.now.Load()) }

func newRPEnv(t *testing.T) *rpEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	keys, _ := secret.New([]byte(strings.Repeat("r", 32)))
	e := &rpEnv{t: t, tens: tenants.NewService(db, db, keys, nil), calls: &counter{n: map[string]int{}}, clock: &clock{}}
	e.clock.now.Store(time.Now().UnixNano())
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	e.ts = httptest.NewUnstartedServer(nil)
	t.Cleanup(e.ts.Close)
	_, e.port, _ = net.SplitHostPort(e.ts.Listener.Addr().String())
	e.issuer = demo.Issuer("piazza.localhost", e.port)
	acc := accounts.NewService(db, keys, nil, accounts.DefaultPolicy, nil)
	if err := demo.Load(ctx, demo.Deps{Store: db, Tenants: e.tens, Accounts: acc, Blobs: blobs}, e.issuer); err != nil {
		t.Fatal(err)
	}
	idp, err := demoidp.New(ctx, demoidp.Options{Issuer: e.issuer, Store: db, Seed: demo.TokenSeed(keys), Tenants: e.tens})
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = idp
	e.ts.Start()
	e.rp = New(Options{Settings: e.tens, Transport: counting{NewTransport(), e.calls}, Now: e.clock.Now})
	return e
}

func (e *rpEnv) tenant(slug string) *tenants.Tenant {
	t, err := e.tens.BySlug(context.Background(), slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return &t
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// signInAt plays the browser at the provider: it opens authURL and picks the
// citizen, and returns the code the provider sends back.
func (e *rpEnv) signInAt(authURL string, citizen string) url.Values {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: NewTransport(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(b), -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("citizen", citizen)
	req, _ := http.NewRequest("POST", e.issuer+"/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://piazza.localhost:"+e.port)
	res, err = c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("authorize: %d %v", res.StatusCode, err)
	}
	return u.Query()
}

func TestSignInAgainstTheDemoProvider(t *testing.T) {
	e := newRPEnv(t)
	ctx := context.Background()
	bf := e.tenant("borgofiorito")
	redirect := "http://borgofiorito.localhost:" + e.port + "/auth/callback"

	authURL, state, pending, err := e.rp.Start(ctx, bf, redirect)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("state") != state || q.Get("nonce") != pending.Nonce || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("client_id") != "borgofiorito" || q.Get("redirect_uri") != redirect || q.Get("scope") != "openid profile email" || len(state) < 32 || len(pending.Nonce) < 32 {
		t.Fatalf("authorisation URL %s", authURL)
	}
	if strings.Contains(authURL, pending.Verifier) {
		t.Fatal("the PKCE verifier must stay in the session")
	}
	back := e.signInAt(authURL, "0")
	if back.Get("state") != state {
		t.Fatalf("state %q", back.Get("state"))
	}
	id, raw, err := e.rp.Finish(ctx, bf, redirect, pending, back.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	want := accounts.Identity{FiscalCode: "TINIT-RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@cittadini.example", Phone: "+39 333 1234567", Level: demoidp.LevelSpidL2}
	if id != want || strings.Count(raw, ".") != 2 {
		t.Fatalf("identity %+v", id)
	}
	if n := e.calls.get("/demo-idp/userinfo"); n != 0 {
		t.Fatalf("userinfo asked %d times although the ID token had every claim", n)
	}
	// Giulia has no phone: the claim is looked for at the userinfo endpoint.
	authURL, _, pending, _ = e.rp.Start(ctx, bf, redirect)
	back = e.signInAt(authURL, "1")
	id, _, err = e.rp.Finish(ctx, bf, redirect, pending, back.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if id.FiscalCode != "TINIT-BNCGLI85M52F205H" || id.Phone != "" || e.calls.get("/demo-idp/userinfo") != 1 {
		t.Fatalf("identity %+v, userinfo calls %d", id, e.calls.get("/demo-idp/userinfo"))
	}
	// Discovery happened once: the provider is cached.
	if n := e.calls.get("/demo-idp/.well-known/openid-configuration"); n != 1 {
		t.Fatalf("discovery ran %d times", n)
	}
	e.clock.now.Add(int64(16 * time.Minute))
	if _, _, _, err := e.rp.Start(ctx, bf, redirect); err != nil {
		t.Fatal(err)
	}
	if n := e.calls.get("/demo-idp/.well-known/openid-configuration"); n != 2 {
		t.Fatalf("after the TTL discovery must run again (ran %d times)", n)
	}

	logout, err := e.rp.LogoutURL(ctx, bf, raw, "http://borgofiorito.localhost:"+e.port+"/")
	if err != nil {
		t.Fatal(err)
	}
	lu, _ := url.Parse(logout)
	if lu.Scheme+"://"+lu.Host+lu.Path != e.issuer+"/end_session" || lu.Query().Get("id_token_hint") != raw {
		t.Fatalf("logout URL %s", logout)
	}
}

func TestFinishRejects(t *testing.T) {
	e := newRPEnv(t)
	ctx := context.Background()
	bf := e.tenant("borgofiorito")
	redirect := "http://borgofiorito.localhost:" + e.port + "/auth/callback"
	tests := []struct {
		name   string
		change func(p *session.PendingLogin, code *string, redirect *string)
	}{
		{"another nonce", func(p *session.PendingLogin, _ *string, _ *string) { p.Nonce = "a-different-nonce-of-some-length" }},
		{"no nonce", func(p *session.PendingLogin, _ *string, _ *string) { p.Nonce = "" }},
		{"another PKCE verifier", func(p *session.PendingLogin, _ *string, _ *string) { p.Verifier = "x" + p.Verifier[1:] }},
		{"a made-up code", func(_ *session.PendingLogin, code *string, _ *string) { *code = "not-a-code" }},
		{"an empty code", func(_ *session.PendingLogin, code *string, _ *string) { *code = "" }},
		{"another redirect URI", func(_ *session.PendingLogin, _ *string, r *string) {
			*r = "http://servizi.borgofiorito.localhost:" + e.port + "/auth/callback"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			authURL, _, pending, err := e.rp.Start(ctx, bf, redirect)
			if err != nil {
				t.Fatal(err)
			}
			code := e.signInAt(authURL, "0").Get("code")
			r := redirect
			tt.change(&pending, &code, &r)
			_, _, err = e.rp.Finish(ctx, bf, r, pending, code)
			if !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("got %v, want Unauthenticated", err)
			}
		})
	}
	// A code issued to one comune cannot be redeemed by the other.
	authURL, _, pending, _ := e.rp.Start(ctx, bf, redirect)
	code := e.signInAt(authURL, "0").Get("code")
	if _, _, err := e.rp.Finish(ctx, e.tenant("marinadiponente"), "http://marinadiponente.localhost:"+e.port+"/auth/callback", pending, code); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("cross-tenant code: %v", err)
	}
}

func TestNotConfiguredAndUnavailable(t *testing.T) {
	e := newRPEnv(t)
	ctx := context.Background()
	bf := e.tenant("borgofiorito")
	o, _ := e.tens.OIDC(ctx, bf.ID)
	o.Enabled = false
	if err := e.tens.SetOIDC(ctx, bf.ID, o); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := e.rp.Start(ctx, bf, "http://x/auth/callback"); err != ErrNotConfigured {
		t.Fatalf("disabled: %v", err)
	}
	if _, _, _, err := e.rp.Start(ctx, &tenants.Tenant{ID: 999999}, "http://x/auth/callback"); err != ErrNotConfigured {
		t.Fatalf("no settings: %v", err)
	}
	o.Enabled = true
	o.IssuerURL = "http://nobody.localhost:1/demo-idp" // nothing listens on port 1
	if err := e.tens.SetOIDC(ctx, bf.ID, o); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, _, err := e.rp.Start(ctx, bf, "http://x/auth/callback"); !apperr.Is(err, apperr.Unavailable) {
			t.Fatalf("unreachable provider: %v", err)
		}
	}
	if n := len(e.rp.providers); n != 0 {
		t.Fatalf("a failed discovery must not be cached (%d cached)", n)
	}
}
