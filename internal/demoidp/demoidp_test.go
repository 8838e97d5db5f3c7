package demoidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"piazza/internal/accounts"
	"piazza/internal/blob"
	"piazza/internal/demo"
	"piazza/internal/secret"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

func TestDeriveKeyIsDeterministic(t *testing.T) {
	seed := sha256.Sum256([]byte("seed one"))
	start := time.Now()
	k1, err := deriveKey(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("derived a %d-bit key in %v", k1.N.BitLen(), time.Since(start))
	if k1.N.BitLen() != 2048 {
		t.Fatalf("key has %d bits", k1.N.BitLen())
	}
	k2, err := deriveKey(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equal(k2) {
		t.Fatal("the same seed must give the same key (tokens survive restarts)")
	}
	other := sha256.Sum256([]byte("seed two"))
	k3, err := deriveKey(other[:])
	if err != nil {
		t.Fatal(err)
	}
	if k1.N.Cmp(k3.N) == 0 {
		t.Fatal("another seed must give another key")
	}
	digest := sha256.Sum256([]byte("message"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k1, 5 /* crypto.SHA256 */, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&k2.PublicKey, 5, digest[:], sig); err != nil {
		t.Fatal(err)
	}
	if _, err := deriveKey([]byte("short")); err == nil {
		t.Fatal("a short seed must be refused")
	}
}

// env is a demo store with the demo comuni pointing at a provider served by an
// httptest server.
type env struct {
	t      *testing.T
	db     *store.DB
	ts     *httptest.Server
	idp    *Provider
	issuer string
	tens   *tenants.Service
	keys   *secret.Keyring
	port   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, db: storetest.Open(t)}
	var err error
	e.keys, err = secret.New([]byte(strings.Repeat("d", 32)))
	if err != nil {
		t.Fatal(err)
	}
	e.tens = tenants.NewService(e.db, e.db, e.keys, nil)
	acc := accounts.NewService(e.db, e.keys, nil, accounts.DefaultPolicy, nil)
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	e.ts = httptest.NewUnstartedServer(nil)
	t.Cleanup(e.ts.Close)
	u, _ := url.Parse("http://" + e.ts.Listener.Addr().String())
	e.port = u.Port()
	e.issuer = "http://" + u.Host + "/demo-idp"
	if err := demo.Load(ctx, demo.Deps{Store: e.db, Tenants: e.tens, Accounts: acc, Blobs: blobs}, e.issuer); err != nil {
		t.Fatal(err)
	}
	e.idp, err = New(ctx, Options{Issuer: e.issuer, Store: e.db, Seed: demo.TokenSeed(e.keys), Tenants: e.tens})
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = e.idp
	e.ts.Start()
	return e
}

// browser does not follow redirects and keeps cookies.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) redirectURI(slug string) string {
	return "http://" + slug + ".localhost:" + e.port + "/auth/callback"
}

func (e *env) oauthConfig(slug string) *oauth2.Config {
	return &oauth2.Config{ClientID: slug, ClientSecret: demo.ClientSecret(slug), RedirectURL: e.redirectURI(slug),
		Scopes:   []string{"openid", "profile", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, headers ...string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{res.StatusCode, res.Header, string(b)}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// hidden returns the hidden fields of the page's form.
func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// authorize runs the front channel: the authorisation page, then the choice of
// the citizen (or cancel). It returns the redirect to the client.
func (e *env) authorize(c *http.Client, authURL, choice string) *url.URL {
	e.t.Helper()
	p := do(e.t, c, "GET", authURL, nil)
	if p.status != 200 {
		e.t.Fatalf("authorize page: %d\n%s", p.status, p.body)
	}
	form := hidden(p.body)
	if choice == "cancel" {
		form.Set("cancel", "1")
	} else {
		form.Set("citizen", choice)
	}
	res := do(e.t, c, "POST", e.issuer+"/authorize", form, "Origin", strings.TrimSuffix(e.issuer, "/demo-idp"))
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("choice: %d\n%s", res.status, res.body)
	}
	u, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestRefusesAStoreWithoutTheDemo(t *testing.T) {
	db := storetest.Open(t)
	keys, _ := secret.New([]byte(strings.Repeat("d", 32)))
	_, err := New(context.Background(), Options{Issuer: "http://piazza.localhost:8080/demo-idp", Store: db, Seed: demo.TokenSeed(keys),
		Tenants: tenants.NewService(db, db, keys, nil)})
	if !errors.Is(err, demo.ErrNotDemoStore) {
		t.Fatalf("New on a store without demo data: %v", err)
	}
}

func TestDiscoveryAndKeys(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	p := do(t, c, "GET", e.issuer+"/.well-known/openid-configuration", nil)
	var meta map[string]any
	if err := json.Unmarshal([]byte(p.body), &meta); err != nil || p.status != 200 {
		t.Fatalf("discovery: %d %v", p.status, err)
	}
	for k, want := range map[string]string{"issuer": e.issuer, "authorization_endpoint": e.issuer + "/authorize", "token_endpoint": e.issuer + "/token",
		"jwks_uri": e.issuer + "/jwks", "userinfo_endpoint": e.issuer + "/userinfo", "end_session_endpoint": e.issuer + "/end_session"} {
		if meta[k] != want {
			t.Errorf("%s = %v, want %s", k, meta[k], want)
		}
	}
	if _, err := oidc.NewProvider(context.Background(), e.issuer); err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	p = do(t, c, "GET", e.issuer+"/jwks", nil)
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(p.body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks: %v %s", err, p.body)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] != e.idp.kid || k["d"] != nil {
		t.Fatalf("jwks key: %v", k)
	}
	// The same seed gives the same key on the next start.
	again, err := New(context.Background(), Options{Issuer: e.issuer, Store: e.db, Seed: demo.TokenSeed(e.keys), Tenants: e.tens})
	if err != nil {
		t.Fatal(err)
	}
	if string(again.jwks) != string(e.idp.jwks) {
		t.Fatal("the key changed across restarts")
	}
	if r := do(t, c, "GET", e.issuer+"/nothing", nil); r.status != 404 {
		t.Fatalf("unknown path: %d", r.status)
	}
}

func TestCodeFlowWithPKCE(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.browser()
	conf := e.oauthConfig("borgofiorito")
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-0123456789", oidc.Nonce("nonce-0123456789"), oauth2.S256ChallengeOption(verifier))

	page := do(t, c, "GET", authURL, nil)
	for _, want := range []string{"Provider di identità DEMO — solo per prova", `lang="en">DEMO identity provider — for testing only`,
		"Comune di Borgo Fiorito", "Mario Rossi", "Giulia Bianchi", "Anna Esposito", "RSSMRA80A01H501U", `<html lang="it">`, "<legend>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("authorize page lacks %q", want)
		}
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' http://borgofiorito.localhost:"+e.port) || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP: %s", csp)
	}
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "style=") {
		t.Error("the page must work without scripts and inline styles")
	}

	back := e.authorize(c, authURL, "0")
	if got := back.Scheme + "://" + back.Host + back.Path; got != e.redirectURI("borgofiorito") {
		t.Fatalf("redirected to %s", got)
	}
	if back.Query().Get("state") != "state-0123456789" || back.Query().Get("code") == "" {
		t.Fatalf("callback query: %v", back.Query())
	}
	code := back.Query().Get("code")

	// A wrong verifier cannot redeem the code.
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Fatal("the code was redeemed with a wrong PKCE verifier")
	}
	// Nor can a wrong client secret (a fresh code: a failed attempt may burn one).
	back = e.authorize(c, authURL, "0")
	bad := *conf
	bad.ClientSecret = "not-the-secret"
	if _, err := bad.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("the code was redeemed with a wrong client secret")
	}

	back = e.authorize(c, authURL, "0")
	code = back.Query().Get("code")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	prov, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Fatal("a code must work once")
	}
	// Replaying a code revokes what it gave (RFC 6749, 4.1.2).
	if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Fatal("the access token of a replayed code must be revoked")
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: "borgofiorito"}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var claims map[string]any
	idt.Claims(&claims)
	for k, want := range map[string]any{FiscalCodeClaim: "TINIT-RSSMRA80A01H501U", "given_name": "Mario", "family_name": "Rossi",
		"email": "mario.rossi@cittadini.example", "phone_number": "+39 333 1234567", "acr": LevelSpidL2, "nonce": "nonce-0123456789"} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	if idt.Subject == "" || strings.Contains(idt.Subject, "RSSMRA") {
		t.Errorf("subject must be an opaque pairwise id, got %q", idt.Subject)
	}
	// The same person has another subject at another comune.
	other := e.oauthConfig("marinadiponente")
	v2 := oauth2.GenerateVerifier()
	back = e.authorize(c, other.AuthCodeURL("state-abcdefghij", oauth2.S256ChallengeOption(v2)), "0")
	tok2, err := other.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v2))
	if err != nil {
		t.Fatal(err)
	}
	idt2, err := prov.Verifier(&oidc.Config{ClientID: "marinadiponente"}).Verify(ctx, tok2.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	if idt2.Subject == idt.Subject {
		t.Error("subjects must be pairwise")
	}

	var uc map[string]any
	ui.Claims(&uc)
	if ui.Subject != idt.Subject || uc[FiscalCodeClaim] != "TINIT-RSSMRA80A01H501U" {
		t.Fatalf("userinfo: %v", uc)
	}
	if r := do(t, c, "GET", e.issuer+"/userinfo", nil, "Authorization", "Bearer nope.nope"); r.status != 401 || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("userinfo with a bad token: %d", r.status)
	}
	if r := do(t, c, "GET", e.issuer+"/userinfo", nil); r.status != 401 {
		t.Fatalf("userinfo without a token: %d", r.status)
	}
}

func TestAuthorizationRequestsRefused(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig("borgofiorito")
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		name     string
		url      string
		status   int    // for a page here
		redirect string // error code sent back to the client
	}{
		{"no PKCE", conf.AuthCodeURL("state-0123456789"), 303, "invalid_request"},
		{"plain PKCE", conf.AuthCodeURL("state-0123456789", oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain")), 303, "invalid_request"},
		{"scope not allowed", (&oauth2.Config{ClientID: conf.ClientID, RedirectURL: conf.RedirectURL, Endpoint: conf.Endpoint, Scopes: []string{"openid", "admin"}}).AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)), 303, "invalid_scope"},
		{"unknown client", (&oauth2.Config{ClientID: "nessuno", RedirectURL: conf.RedirectURL, Endpoint: conf.Endpoint, Scopes: conf.Scopes}).AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)), 401, ""},
		{"unregistered redirect", (&oauth2.Config{ClientID: conf.ClientID, RedirectURL: "https://evil.example/cb", Endpoint: conf.Endpoint, Scopes: conf.Scopes}).AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)), 400, ""},
		{"other tenant's redirect", (&oauth2.Config{ClientID: conf.ClientID, RedirectURL: e.redirectURI("marinadiponente"), Endpoint: conf.Endpoint, Scopes: conf.Scopes}).AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)), 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := do(t, e.browser(), "GET", tt.url, nil)
			if p.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", p.status, tt.status, p.body)
			}
			if tt.redirect == "" {
				if loc := p.header.Get("Location"); loc != "" {
					t.Fatalf("must not redirect to %s", loc)
				}
				if !strings.Contains(p.body, "Richiesta di accesso non valida") {
					t.Fatalf("error page: %s", p.body)
				}
				return
			}
			u, _ := url.Parse(p.header.Get("Location"))
			if !strings.HasPrefix(u.String(), e.redirectURI("borgofiorito")) || u.Query().Get("error") != tt.redirect || u.Query().Get("code") != "" {
				t.Fatalf("redirect %s", u)
			}
		})
	}
}

func TestChoiceNeedsCSRFAndCancelReturnsAccessDenied(t *testing.T) {
	e := newEnv(t)
	conf := e.oauthConfig("borgofiorito")
	authURL := conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	c := e.browser()
	form := hidden(do(t, c, "GET", authURL, nil).body)
	form.Set("citizen", "0")
	origin := strings.TrimSuffix(e.issuer, "/demo-idp")

	noToken := url.Values{}
	for k, v := range form {
		if k != "csrf" {
			noToken[k] = v
		}
	}
	if p := do(t, c, "POST", e.issuer+"/authorize", noToken, "Origin", origin); p.status != 403 || p.header.Get("Location") != "" {
		t.Fatalf("without the CSRF token: %d", p.status)
	}
	// Another browser (without the cookie) cannot use this page's token.
	if p := do(t, e.browser(), "POST", e.issuer+"/authorize", form, "Origin", origin); p.status != 403 {
		t.Fatalf("token of another browser: %d", p.status)
	}
	if p := do(t, c, "POST", e.issuer+"/authorize", form, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"); p.status != 403 {
		t.Fatalf("cross-site post: %d", p.status)
	}
	for _, bad := range []string{"3", "-1", "01", "x", ""} {
		f := hidden(do(t, c, "GET", authURL, nil).body)
		f.Set("citizen", bad)
		if p := do(t, c, "POST", e.issuer+"/authorize", f, "Origin", origin); p.status != 400 {
			t.Fatalf("citizen %q: %d", bad, p.status)
		}
	}
	back := e.authorize(c, authURL, "cancel")
	if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "state-0123456789" || back.Query().Get("code") != "" {
		t.Fatalf("cancel: %s", back)
	}
}

func TestEndSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.browser()
	conf := e.oauthConfig("borgofiorito")
	v := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(v))
	back := e.authorize(c, authURL, "1")
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	hint := tok.Extra("id_token").(string)
	// The provider's session is remembered on the next authorisation page.
	if p := do(t, c, "GET", authURL, nil); !strings.Contains(p.body, "Sessione attiva presso questo provider: Giulia Bianchi") {
		t.Fatal("the provider's session is not shown")
	}
	home := "http://borgofiorito.localhost:" + e.port + "/"
	q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {home}, "state": {"s1"}}
	p := do(t, c, "GET", e.issuer+"/end_session?"+q.Encode(), nil)
	if p.status != 303 || p.header.Get("Location") != home+"?state=s1" {
		t.Fatalf("end session: %d %s", p.status, p.header.Get("Location"))
	}
	if !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), "demo_idp_session=;") {
		t.Fatal("the provider's session cookie must be cleared")
	}
	if p := do(t, c, "GET", authURL, nil); strings.Contains(p.body, "Sessione attiva") {
		t.Fatal("the provider's session survived logout")
	}

	tampered := hint[:len(hint)-4] + "AAAA"
	if hint[len(hint)-4:] == "AAAA" {
		tampered = hint[:len(hint)-4] + "BBBB"
	}
	for name, q := range map[string]url.Values{
		"unregistered target":   {"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/"}},
		"other tenant's target": {"id_token_hint": {hint}, "post_logout_redirect_uri": {"http://marinadiponente.localhost:" + e.port + "/"}},
		"no client":             {"post_logout_redirect_uri": {home}},
	} {
		p := do(t, c, "GET", e.issuer+"/end_session?"+q.Encode(), nil)
		if p.status != 200 || p.header.Get("Location") != "" || !strings.Contains(p.body, "Sei uscito") {
			t.Errorf("%s: %d %s", name, p.status, p.header.Get("Location"))
		}
	}
	for name, q := range map[string]url.Values{
		"tampered hint":   {"id_token_hint": {tampered}, "post_logout_redirect_uri": {home}},
		"hint for other":  {"id_token_hint": {hint}, "client_id": {"marinadiponente"}, "post_logout_redirect_uri": {home}},
		"not a JWT":       {"id_token_hint": {"abc"}, "post_logout_redirect_uri": {home}},
		"many dots (DoS)": {"id_token_hint": {strings.Repeat(".", 5000)}, "post_logout_redirect_uri": {home}},
	} {
		p := do(t, c, "GET", e.issuer+"/end_session?"+q.Encode(), nil)
		if p.status != 400 || p.header.Get("Location") != "" {
			t.Errorf("%s: %d %s", name, p.status, p.header.Get("Location"))
		}
	}
	// With client_id instead of a hint, a registered target is fine.
	q = url.Values{"client_id": {"borgofiorito"}, "post_logout_redirect_uri": {home}}
	if p := do(t, c, "GET", e.issuer+"/end_session?"+q.Encode(), nil); p.status != 303 || p.header.Get("Location") != home {
		t.Fatalf("client_id logout: %d %s", p.status, p.header.Get("Location"))
	}
}

func TestTenantWithoutTheProviderIsNoClient(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bf, err := e.tens.BySlug(ctx, "borgofiorito")
	if err != nil {
		t.Fatal(err)
	}
	o, _ := e.tens.OIDC(ctx, bf.ID)
	o.IssuerURL = "https://gateway.regione.example"
	if err := e.tens.SetOIDC(ctx, bf.ID, o); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idp.client(ctx, "borgofiorito"); err == nil {
		t.Fatal("a tenant using another provider must not be a client")
	}
	if _, err := e.idp.client(ctx, "marinadiponente"); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseSession(f *testing.F) {
	keys, _ := secret.New([]byte(strings.Repeat("d", 32)))
	p := &Provider{secrets: mac(demo.TokenSeed(keys), "demo-idp/secrets"), citizens: demo.Citizens}
	good := p.sessionValue(1)
	for _, s := range []string{good, "", ".", "1.", "0.x", "99." + good[2:], "-1." + good[2:], "01." + good[2:], good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		i, ok := p.parseSession(v)
		if ok && (i < 0 || i >= len(p.citizens) || v != p.sessionValue(i)) {
			t.Fatalf("accepted %q as %d", v, i)
		}
		if v == good && (!ok || i != 1) {
			t.Fatal("rejected a good value")
		}
	})
}

func FuzzHintAudience(f *testing.F) {
	keys, _ := secret.New([]byte(strings.Repeat("d", 32)))
	seed := demo.TokenSeed(keys)
	key, err := deriveKey(seed)
	if err != nil {
		f.Fatal(err)
	}
	p := &Provider{issuer: "http://piazza.localhost:8080/demo-idp", key: key}
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.", strings.Repeat("a.", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Nothing that is not signed with the provider's key is accepted.
		if aud, err := p.hintAudience(raw); err == nil {
			t.Fatalf("accepted %q (aud %v)", raw, aud)
		}
	})
}
