package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"maps"
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
	"piazza/internal/audit"
	"piazza/internal/demo"
	"piazza/internal/demoidp"
	"piazza/internal/fiscalcode"
	"piazza/internal/oidc"
	"piazza/internal/secret"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

// oidcEnv is the whole server with the demo comuni (borgofiorito.localhost,
// marinadiponente.localhost) signing citizens in through the real demo identity
// provider, served by an httptest server on loopback as
// http://piazza.localhost:<port>/demo-idp. The relying party reaches it over
// real HTTP (dialling *.localhost on loopback); its transport can tamper with the
// token endpoint's answers.
type oidcEnv struct {
	h      *harness
	ts     *httptest.Server
	issuer string
	idp    *demoidp.Provider
	tamper atomic.Bool

	mu       sync.Mutex
	idTokens []string // ID tokens the provider issued, as the RP received them
}

func newOIDCEnv(t *testing.T, citizens ...demo.Citizen) *oidcEnv {
	t.Helper()
	ctx := context.Background()
	e := &oidcEnv{ts: httptest.NewUnstartedServer(nil)}
	t.Cleanup(e.ts.Close)
	_, port, _ := net.SplitHostPort(e.ts.Listener.Addr().String())
	e.issuer = demo.Issuer("piazza.localhost", port)
	var deps *Deps
	e.h = newHarness(t, func(d *Deps) {
		d.CitizenAuth = oidc.New(oidc.Options{Settings: d.Tenants, Transport: e.transport(oidc.NewTransport())})
		d.DemoIdP = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.idp.ServeHTTP(w, r) })
		d.Demo = true
		deps = d
	})
	if err := demo.Load(ctx, demo.Deps{Store: e.h.db, Tenants: e.h.tenants, Accounts: e.h.accounts, Blobs: deps.Blobs}, e.issuer); err != nil {
		t.Fatal(err)
	}
	if len(citizens) == 0 {
		citizens = demo.Citizens
	}
	var err error
	e.idp, err = demoidp.New(ctx, demoidp.Options{Issuer: e.issuer, Store: e.h.db, Seed: demo.TokenSeed(e.h.keys), Tenants: e.h.tenants, Citizens: citizens})
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = e.h.handler
	e.ts.Start()
	return e
}

// transport records the ID tokens of token responses and, when tamper is set,
// breaks their signature.
func (e *oidcEnv) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		res, err := next.RoundTrip(r)
		if err != nil || !strings.HasSuffix(r.URL.Path, "/token") || res.StatusCode != 200 {
			return res, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		var tok map[string]any
		if err := json.Unmarshal(body, &tok); err == nil {
			if raw, ok := tok["id_token"].(string); ok {
				e.mu.Lock()
				e.idTokens = append(e.idTokens, raw)
				e.mu.Unlock()
				if e.tamper.Load() {
					parts := strings.Split(raw, ".")
					sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
					sig[10] ^= 0xff
					parts[2] = base64.RawURLEncoding.EncodeToString(sig)
					tok["id_token"] = strings.Join(parts, ".")
					body, _ = json.Marshal(tok)
				}
			}
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Del("Content-Length")
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (e *oidcEnv) lastIDToken() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.idTokens) == 0 {
		return ""
	}
	return e.idTokens[len(e.idTokens)-1]
}

func (e *oidcEnv) tenant(slug string) tenants.Tenant {
	t, err := e.h.tenants.BySlug(context.Background(), slug)
	if err != nil {
		e.h.t.Fatal(err)
	}
	return t
}

// citizens returns the citizens of a tenant whose fiscal code starts with q.
func (e *oidcEnv) citizens(slug, q string) []accounts.Citizen {
	cs, err := e.h.db.SearchCitizens(context.Background(), e.tenant(slug).ID, q, 10)
	if err != nil {
		e.h.t.Fatal(err)
	}
	return cs
}

// browser follows no redirect by itself and keeps cookies for every host, like a
// browser; requests go through the server's handler with the URL's host.
type browser struct {
	e   *oidcEnv
	jar *cookiejar.Jar
}

func (e *oidcEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, jar: jar}
}

func (b *browser) do(method, rawURL string, form url.Values) *response {
	t := b.e.h.t
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, rawURL, body)
	req.Host = u.Host
	req.RemoteAddr = "192.0.2.20:4444"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	}
	for _, c := range b.jar.Cookies(u) {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.e.h.handler.ServeHTTP(rec, req)
	res := rec.Result()
	b.jar.SetCookies(u, res.Cookies())
	data, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(data)}
}

func (b *browser) get(u string) *response { b.e.h.t.Helper(); return b.do("GET", u, nil) }

// post sends a form to a comune's page with the CSRF token of this browser.
func (b *browser) post(u string, form url.Values) *response {
	b.e.h.t.Helper()
	pu, _ := url.Parse(u)
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == "piazza_csrf" {
			form.Set("csrf", b.e.h.srv.csrfToken(c.Value))
		}
	}
	return b.do("POST", u, form)
}

func (b *browser) cookie(host, name string) string {
	for _, c := range b.jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var hiddenInputRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInputRE.FindAllStringSubmatch(body, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// atProvider plays the provider's page: it opens the authorisation URL, picks
// the citizen (or "cancel") and returns where the provider sends the browser.
func (b *browser) atProvider(authURL, choice string) string {
	t := b.e.h.t
	t.Helper()
	p := b.get(authURL)
	if p.StatusCode != 200 || !strings.Contains(p.Body, "Provider di identità DEMO — solo per prova") {
		t.Fatalf("provider page: %d\n%s", p.StatusCode, text(p.Body))
	}
	form := hiddenFields(p.Body)
	if choice == "cancel" {
		form.Set("cancel", "1")
	} else {
		form.Set("citizen", choice)
	}
	r := b.do("POST", b.e.issuer+"/authorize", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("provider choice: %d\n%s", r.StatusCode, text(r.Body))
	}
	return r.Header.Get("Location")
}

// start opens a sign-in start URL (e.g. /accedi/spid?next=…) on host and returns
// the provider's authorisation URL.
func (b *browser) start(host, path string) string {
	t := b.e.h.t
	t.Helper()
	r := b.get("http://" + host + path)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, b.e.issuer+"/authorize?") {
		t.Fatalf("start: %d %s\n%s", r.StatusCode, loc, text(r.Body))
	}
	return loc
}

// signIn runs the whole sign-in and returns the answer of the comune's callback.
func (b *browser) signIn(host, path, choice string) *response {
	b.e.h.t.Helper()
	cb := b.atProvider(b.start(host, path), choice)
	if !strings.HasPrefix(cb, "http://"+host+"/auth/callback?") {
		b.e.h.t.Fatalf("provider sent the browser to %s", cb)
	}
	return b.get(cb)
}

func (b *browser) sessionOf(host string) (session.Session, error) {
	return b.e.h.db.SessionByHash(context.Background(), secret.HashToken(b.cookie(host, "piazza_session")), time.Now())
}

func mustContain(t *testing.T, r *response, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !has(r, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// has reports whether the page contains s, in its markup or in its text.
func has(r *response, s string) bool {
	return strings.Contains(r.Body, s) || strings.Contains(html.UnescapeString(r.Body), s)
}

func mustNotContain(t *testing.T, r *response, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if has(r, w) {
			t.Errorf("page must not contain %q", w)
		}
	}
}

const bf = "borgofiorito.localhost"

func TestCitizenSignInFullFlow(t *testing.T) {
	e := newOIDCEnv(t)
	ctx := context.Background()
	b := e.browser()

	r := b.get("http://" + bf + "/area-personale")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/accedi?next=%2Farea-personale" {
		t.Fatalf("personal area when signed out: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	r = b.get("http://" + bf + "/accedi")
	if r.StatusCode != 200 {
		t.Fatalf("login page: %d", r.StatusCode)
	}
	mustContain(t, r, "<h1>Accedi</h1>", ">Entra con SPID<", ">Entra con CIE<", `href="/accedi/spid"`, `href="/accedi/cie"`,
		"provider di identità DEMO", `data-element="breadcrumb"`, `aria-current="page">Accedi</li>`)
	if !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Error("the login page must not be cached")
	}

	authURL := b.start(bf, "/accedi/spid")
	q := mustParse(t, authURL).Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("client_id") != "borgofiorito" || q.Get("redirect_uri") != "http://"+bf+"/auth/callback" {
		t.Fatalf("authorisation request %s", authURL)
	}
	before := b.cookie(bf, "piazza_session")
	sess, err := b.sessionOf(bf)
	if err != nil || sess.Kind != session.Anonymous || len(sess.Data.Logins) != 1 {
		t.Fatalf("pending sign-in: %v %+v", err, sess)
	}
	if p, ok := sess.Data.Logins[q.Get("state")]; !ok || p.Nonce != q.Get("nonce") || p.Verifier == "" {
		t.Fatalf("pending sign-in not kept by state: %+v", sess.Data.Logins)
	}

	cb := b.get(b.atProvider(authURL, "0"))
	if cb.StatusCode != http.StatusSeeOther || cb.Header.Get("Location") != "/area-personale" {
		t.Fatalf("callback: %d %s\n%s", cb.StatusCode, cb.Header.Get("Location"), text(cb.Body))
	}
	after := b.cookie(bf, "piazza_session")
	if after == "" || after == before {
		t.Fatal("the session token must change at sign-in")
	}
	if _, err := e.h.db.SessionByHash(ctx, secret.HashToken(before), time.Now()); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the pre-sign-in session must be gone: %v", err)
	}
	sess, err = b.sessionOf(bf)
	if err != nil || sess.Kind != session.Citizen || sess.Data.IDToken == "" || sess.Data.IDToken != e.lastIDToken() || len(sess.Data.Logins) != 0 {
		t.Fatalf("citizen session: %v %+v", err, sess)
	}
	// The provider sent the fiscal code with the TINIT- prefix; the citizen has it without.
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(e.lastIDToken(), ".")[1])
	if !strings.Contains(string(payload), `"https://attributes.eid.gov.it/fiscal_number":"TINIT-RSSMRA80A01H501U"`) {
		t.Fatalf("ID token payload: %s", payload)
	}
	cs := e.citizens("borgofiorito", "RSSMRA")
	if len(cs) != 1 || cs[0].FiscalCode != "RSSMRA80A01H501U" || cs[0].AuthLevel != demoidp.LevelSpidL2 || cs[0].ID != sess.CitizenID {
		t.Fatalf("citizens: %+v", cs)
	}

	r = b.get("http://" + bf + "/area-personale")
	if r.StatusCode != 200 {
		t.Fatalf("personal area: %d", r.StatusCode)
	}
	mustContain(t, r, "<h1>Area personale</h1>", "Mario Rossi", "RSSMRA80A01H501U", "SPID livello 2", "mario.rossi@cittadini.example",
		"+39 333 1234567", `href="/area-personale/profilo"`, `action="/esci"`, `aria-current="page">Area personale</li>`)
	mustNotContain(t, r, "TINIT-", "<script>", `style="`)
	if !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
		t.Error("the personal area must not be cached")
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://piazza.localhost:") {
		t.Errorf("the sign-out form leads to the provider: CSP %s", csp)
	}

	// Sign out: the session ends here, then at the provider, which sends the browser home.
	idToken := sess.Data.IDToken
	r = b.post("http://"+bf+"/esci", url.Values{})
	loc := mustParse(t, r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || loc.Scheme+"://"+loc.Host+loc.Path != e.issuer+"/end_session" ||
		loc.Query().Get("id_token_hint") != idToken || loc.Query().Get("post_logout_redirect_uri") != "http://"+bf+"/" {
		t.Fatalf("sign out: %d %s", r.StatusCode, loc)
	}
	if _, err := e.h.db.SessionByHash(ctx, secret.HashToken(after), time.Now()); !apperr.Is(err, apperr.NotFound) {
		t.Fatal("the citizen session must be deleted")
	}
	r = b.get(loc.String())
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "http://"+bf+"/" {
		t.Fatalf("end session at the provider: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if b.get("http://"+bf+"/").StatusCode != 200 {
		t.Fatal("home after sign out")
	}
	if r := b.get("http://" + bf + "/area-personale"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("personal area after sign out: %d", r.StatusCode)
	}

	// Signing in again finds the same citizen.
	if r := b.signIn(bf, "/accedi/cie", "0"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", r.StatusCode)
	}
	sess2, err := b.sessionOf(bf)
	if err != nil || sess2.CitizenID != sess.CitizenID {
		t.Fatalf("second sign-in gave citizen %d, want %d (%v)", sess2.CitizenID, sess.CitizenID, err)
	}
	if n := len(e.citizens("borgofiorito", "RSSMRA")); n != 1 {
		t.Fatalf("%d citizen rows after two sign-ins", n)
	}
	// A signed-in citizen who opens the login page goes to the personal area.
	if r := b.get("http://" + bf + "/accedi"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/area-personale" {
		t.Fatalf("login page when signed in: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCitizenCallbackNeedsItsState(t *testing.T) {
	e := newOIDCEnv(t)
	ctx := context.Background()

	// A browser that started nothing.
	b := e.browser()
	for _, q := range []string{"?code=abc&state=xyz", "?code=abc", "?state=", "", "?error=access_denied&state=xyz"} {
		r := b.get("http://" + bf + "/auth/callback" + q)
		if r.StatusCode != http.StatusBadRequest || !has(r, "non è valida o è scaduta") || !strings.Contains(r.Body, `href="/accedi"`) {
			t.Fatalf("%s: %d %s", q, r.StatusCode, text(r.Body))
		}
		if b.cookie(bf, "piazza_session") != "" {
			t.Fatalf("%s: a bad callback must not create a session", q)
		}
	}

	// A browser with a sign-in in progress: a wrong or missing state changes nothing.
	b = e.browser()
	cb := mustParse(t, b.atProvider(b.start(bf, "/accedi/spid"), "1"))
	state, code := cb.Query().Get("state"), cb.Query().Get("code")
	before, _ := b.sessionOf(bf)
	for _, q := range []url.Values{{"code": {code}, "state": {state + "x"}}, {"code": {code}}, {"code": {code}, "state": {strings.Repeat("s", 500)}}} {
		r := b.get("http://" + bf + "/auth/callback?" + q.Encode())
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%v: %d", q, r.StatusCode)
		}
		now, err := b.sessionOf(bf)
		if err != nil || now.Kind != session.Anonymous || !maps.Equal(now.Data.Logins, before.Data.Logins) {
			t.Fatalf("%v: the session changed: %+v", q, now)
		}
	}
	if n := len(e.citizens("borgofiorito", "BNCGLI")); n != 0 {
		t.Fatal("no citizen may be created by a bad callback")
	}
	// The right state still works, once.
	if r := b.get(cb.String()); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/area-personale" {
		t.Fatalf("good callback: %d %s", r.StatusCode, text(r.Body))
	}
	if r := b.get(cb.String()); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", r.StatusCode)
	}

	// An expired sign-in is refused.
	b = e.browser()
	cb = mustParse(t, b.atProvider(b.start(bf, "/accedi/spid"), "2"))
	sess, _ := b.sessionOf(bf)
	p := sess.Data.Logins[cb.Query().Get("state")]
	p.Started = time.Now().Add(-11 * time.Minute)
	sess.Data.Logins[cb.Query().Get("state")] = p
	if err := e.h.db.SaveSessionData(ctx, sess.TokenHash, sess.Data); err != nil {
		t.Fatal(err)
	}
	if r := b.get(cb.String()); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired sign-in: %d", r.StatusCode)
	}
	if n := len(e.citizens("borgofiorito", "SPSNNA")); n != 0 {
		t.Fatal("an expired sign-in must not create the citizen")
	}
}

func TestNonceMismatchIsRejected(t *testing.T) {
	e := newOIDCEnv(t)
	b := e.browser()
	authURL := mustParse(t, b.start(bf, "/accedi/spid"))
	// An authorisation request for the same pending state, made with another nonce
	// (as an attacker who injects a code obtained elsewhere would).
	q := authURL.Query()
	q.Set("nonce", "another-nonce-chosen-by-someone-else")
	authURL.RawQuery = q.Encode()
	r := b.get(b.atProvider(authURL.String(), "0"))
	if r.StatusCode != http.StatusUnauthorized || !has(r, "Non è stato possibile verificare") {
		t.Fatalf("nonce mismatch: %d %s", r.StatusCode, text(r.Body))
	}
	assertNotSignedIn(t, e, b, "RSSMRA")
	entries, err := e.h.db.AuditEntries(context.Background(), e.tenant("borgofiorito").ID, audit.Filter{Action: "citizen.sign_in_failed"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(a audit.Entry) bool { return a.Detail == "oidc.failed" }) {
		t.Fatal("a refused sign-in must be audited")
	}
}

func assertNotSignedIn(t *testing.T, e *oidcEnv, b *browser, cfPrefix string) {
	t.Helper()
	if n := len(e.citizens("borgofiorito", cfPrefix)); n != 0 {
		t.Fatalf("%d citizens created", n)
	}
	if s, err := b.sessionOf(bf); err == nil && s.Kind != session.Anonymous {
		t.Fatalf("session of kind %s", s.Kind)
	}
	if r := b.get("http://" + bf + "/area-personale"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("personal area: %d", r.StatusCode)
	}
}

func TestBrokenIDTokenSignatureIsRejected(t *testing.T) {
	e := newOIDCEnv(t)
	e.tamper.Store(true)
	b := e.browser()
	r := b.signIn(bf, "/accedi/spid", "0")
	if r.StatusCode != http.StatusUnauthorized || !has(r, "Non è stato possibile verificare") {
		t.Fatalf("tampered ID token: %d %s", r.StatusCode, text(r.Body))
	}
	assertNotSignedIn(t, e, b, "RSSMRA")
	// The same flow without tampering works: the failure was the signature.
	e.tamper.Store(false)
	if r := b.signIn(bf, "/accedi/spid", "0"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("untampered: %d %s", r.StatusCode, text(r.Body))
	}
}

func TestFiscalCodeFromTheProviderIsChecked(t *testing.T) {
	omocodia := "RSSMRA80A01H50M"
	omocodia += string(fiscalcode.CheckChar(omocodia))
	e := newOIDCEnv(t, append(slices.Clone(demo.Citizens),
		demo.Citizen{FiscalCode: "RSSMRA80A01H501X", GivenName: "Codice", FamilyName: "Sbagliato"},
		demo.Citizen{FiscalCode: omocodia, GivenName: "Mario", FamilyName: "Omocodico"},
	)...)
	b := e.browser()
	r := b.signIn(bf, "/accedi/spid", "3")
	if r.StatusCode != http.StatusUnauthorized || !has(r, "Il codice fiscale ricevuto dal servizio di identità digitale non è valido") {
		t.Fatalf("bad fiscal code: %d %s", r.StatusCode, text(r.Body))
	}
	assertNotSignedIn(t, e, b, "RSSMRA")
	// A code with omocodia letters is valid.
	if r := b.signIn(bf, "/accedi/spid", "4"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("omocodia: %d %s", r.StatusCode, text(r.Body))
	}
	if cs := e.citizens("borgofiorito", "RSSMRA"); len(cs) != 1 || cs[0].FiscalCode != omocodia {
		t.Fatalf("citizens: %+v", cs)
	}
}

func TestProviderErrorIsExplained(t *testing.T) {
	e := newOIDCEnv(t)
	b := e.browser()
	cb := b.atProvider(b.start(bf, "/accedi/spid"), "cancel")
	if q := mustParse(t, cb).Query(); q.Get("error") != "access_denied" {
		t.Fatalf("provider answer %s", cb)
	}
	r := b.get(cb)
	if r.StatusCode != http.StatusBadRequest || !has(r, "Hai annullato l'accesso") || !strings.Contains(r.Body, `href="/accedi"`) {
		t.Fatalf("access_denied: %d %s", r.StatusCode, text(r.Body))
	}
	assertNotSignedIn(t, e, b, "RSSMRA")
	if r := b.get(cb); !has(r, "non è valida o è scaduta") {
		t.Fatal("the pending sign-in must be used up by the error answer")
	}
	// Any other error the provider sends.
	b = e.browser()
	cbu := mustParse(t, b.atProvider(b.start(bf, "/accedi/spid"), "cancel"))
	q := cbu.Query()
	q.Set("error", "server_error")
	cbu.RawQuery = q.Encode()
	if r := b.get(cbu.String()); r.StatusCode != http.StatusBadRequest || !has(r, "non ha completato l'accesso") {
		t.Fatalf("server_error: %d %s", r.StatusCode, text(r.Body))
	}
}

func TestSignInNextIsLocalOnly(t *testing.T) {
	e := newOIDCEnv(t)
	tests := []struct{ next, want string }{
		{"/servizi", "/servizi"},
		{"/area-personale/profilo?x=1", "/area-personale/profilo?x=1"},
		{"//evil.example/x", "/area-personale"},
		{"https://evil.example/", "/area-personale"},
		{"/\\evil.example", "/area-personale"},
		{"javascript:alert(1)", "/area-personale"},
		{"http:/evil.example", "/area-personale"},
		{"", "/area-personale"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			b := e.browser()
			r := b.signIn(bf, "/accedi/spid?next="+url.QueryEscape(tt.next), "1")
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != tt.want {
				t.Fatalf("next %q: %d %s", tt.next, r.StatusCode, r.Header.Get("Location"))
			}
		})
	}
	// The login page passes only a safe next on to the buttons.
	r := e.browser().get("http://" + bf + "/accedi?next=" + url.QueryEscape("//evil.example"))
	mustContain(t, r, `href="/accedi/spid"`, `href="/accedi/cie"`)
	mustNotContain(t, r, "/accedi/spid?next", "/accedi/cie?next")
	r = e.browser().get("http://" + bf + "/accedi?next=" + url.QueryEscape("/servizi?a=1&b=2"))
	mustContain(t, r, `href="/accedi/spid?next=%2fservizi%3fa%3d1%26b%3d2"`)
}

func TestCitizenSessionStaysOnItsComune(t *testing.T) {
	e := newOIDCEnv(t)
	b := e.browser()
	if r := b.signIn(bf, "/accedi/spid", "0"); r.StatusCode != http.StatusSeeOther {
		t.Fatal("sign in")
	}
	token := b.cookie(bf, "piazza_session")
	for _, host := range []string{"marinadiponente.localhost", "borgo.example.it"} {
		other := e.browser()
		other.jar.SetCookies(&url.URL{Scheme: "http", Host: host, Path: "/"}, []*http.Cookie{{Name: "piazza_session", Value: token, Path: "/"}})
		r := other.get("http://" + host + "/area-personale")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/accedi") {
			t.Fatalf("%s: %d %s", host, r.StatusCode, r.Header.Get("Location"))
		}
		r = other.get("http://" + host + "/")
		mustNotContain(t, r, "Mario Rossi")
		// Nor can the foreign session sign the citizen out or in elsewhere.
		if r := other.get("http://" + host + "/accedi"); r.StatusCode != 200 {
			t.Fatalf("%s login page: %d", host, r.StatusCode)
		}
	}
	// The session is still good at home.
	if r := b.get("http://" + bf + "/area-personale"); r.StatusCode != 200 || !has(r, "Mario Rossi") {
		t.Fatalf("home comune: %d", r.StatusCode)
	}
	// The services host of the same comune has its own cookie (host-only).
	if r := b.get("http://servizi." + bf + "/area-personale"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("services host: %d", r.StatusCode)
	}
}

func TestPendingSignInsAreBounded(t *testing.T) {
	e := newOIDCEnv(t)
	b := e.browser()
	var states []string
	for range 8 {
		states = append(states, mustParse(t, b.start(bf, "/accedi/spid")).Query().Get("state"))
	}
	sess, err := b.sessionOf(bf)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Data.Logins) != maxPendingLogins {
		t.Fatalf("%d pending sign-ins kept", len(sess.Data.Logins))
	}
	for _, s := range states[len(states)-maxPendingLogins:] {
		if _, ok := sess.Data.Logins[s]; !ok {
			t.Fatal("the newest sign-ins must be kept")
		}
	}
	if _, ok := sess.Data.Logins[states[0]]; ok {
		t.Fatal("the oldest sign-in must be dropped")
	}
}

func TestPrunePending(t *testing.T) {
	now := time.Now()
	in := map[string]session.PendingLogin{
		"old":    {Started: now.Add(-11 * time.Minute)},
		"future": {Started: now.Add(5 * time.Minute)},
		"a":      {Started: now.Add(-5 * time.Minute)},
		"b":      {Started: now.Add(-4 * time.Minute)},
		"c":      {Started: now.Add(-3 * time.Minute)},
		"d":      {Started: now.Add(-2 * time.Minute)},
		"e":      {Started: now.Add(-1 * time.Minute)},
	}
	out := prunePending(in, now)
	keys := slices.Sorted(maps.Keys(out))
	if !slices.Equal(keys, []string{"b", "c", "d", "e"}) {
		t.Fatalf("kept %v", keys)
	}
	if len(in) != 7 {
		t.Fatal("the input must not change")
	}
}

func TestSignInNotConfigured(t *testing.T) {
	e := newOIDCEnv(t)
	b := e.browser()
	r := b.get("http://borgo.example.it/accedi")
	if r.StatusCode != 200 {
		t.Fatalf("login page: %d", r.StatusCode)
	}
	mustContain(t, r, "non è ancora attivo per il Comune di Borgo")
	mustNotContain(t, r, "Entra con SPID", `href="/accedi/spid`)
	r = b.get("http://borgo.example.it/accedi/spid")
	if r.StatusCode != http.StatusServiceUnavailable || !has(r, "non è ancora attivo") {
		t.Fatalf("start without settings: %d %s", r.StatusCode, text(r.Body))
	}
	if b.cookie("borgo.example.it", "piazza_session") != "" {
		t.Fatal("no session for a sign-in that cannot start")
	}
	// Disabled settings count as none.
	ctx := context.Background()
	mp := e.tenant("marinadiponente")
	o, _ := e.h.tenants.OIDC(ctx, mp.ID)
	o.Enabled = false
	if err := e.h.tenants.SetOIDC(ctx, mp.ID, o); err != nil {
		t.Fatal(err)
	}
	r = b.get("http://marinadiponente.localhost/accedi")
	mustNotContain(t, r, "Entra con SPID")
	if r := b.get("http://marinadiponente.localhost/accedi/cie"); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("disabled: %d", r.StatusCode)
	}
	if r := b.get("http://" + bf + "/accedi/altro"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown method: %d", r.StatusCode)
	}
	// English.
	req := httptest.NewRequest("GET", "http://"+bf+"/accedi", nil)
	req.Host = bf
	req.Header.Set("Accept-Language", "en")
	rec := httptest.NewRecorder()
	e.h.handler.ServeHTTP(rec, req)
	if body := rec.Body.String(); !strings.Contains(body, ">Sign in with SPID<") || !strings.Contains(body, ">Sign in with CIE<") {
		t.Fatal("the login page must be in English too")
	}
}

func TestProviderDownIsExplained(t *testing.T) {
	e := newOIDCEnv(t)
	e.ts.Close()
	b := e.browser()
	r := b.get("http://" + bf + "/accedi/spid")
	if r.StatusCode != http.StatusServiceUnavailable || !has(r, "non risponde") {
		t.Fatalf("provider down: %d %s", r.StatusCode, text(r.Body))
	}
}

func TestProfileEdit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c, err := h.accounts.CitizenSignIn(ctx, h.borgo.ID, accounts.Identity{FiscalCode: "TINIT-BNCGLI85M52F205H", GivenName: "Giulia", FamilyName: "Bianchi", Level: demoidp.LevelSpidL2})
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.accounts.CitizenSignIn(ctx, h.marina.ID, accounts.Identity{FiscalCode: "BNCGLI85M52F205H", GivenName: "Giulia", FamilyName: "Bianchi"})
	if err != nil {
		t.Fatal(err)
	}
	cl := h.client("borgo.example.it")
	cl.signIn(session.Citizen, 0, c.ID)

	r := cl.get("/area-personale")
	if r.StatusCode != 200 || !has(r, "BNCGLI85M52F205H") || !has(r, "Non indicato") {
		t.Fatalf("area: %d", r.StatusCode)
	}
	r = cl.get("/area-personale/profilo")
	if r.StatusCode != 200 {
		t.Fatalf("form: %d", r.StatusCode)
	}
	for _, id := range []string{"email", "phone", "language", "notify_email"} {
		if !strings.Contains(r.Body, `for="`+id+`"`) || !strings.Contains(r.Body, `id="`+id+`"`) {
			t.Errorf("field %s needs a label", id)
		}
	}
	mustContainResp(t, r, `<a href="/area-personale">Area personale</a>`, `aria-current="page">Contatti e preferenze</li>`)

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"bad email and phone", url.Values{"email": {"non-una-email"}, "phone": {"abc"}, "language": {"it"}}, 422,
			[]string{`href="#email"`, `href="#phone"`, `value="non-una-email"`, `aria-invalid="true"`, "Scrivi un indirizzo email valido"}},
		{"notifications without email", url.Values{"email": {""}, "language": {"it"}, "notify_email": {"1"}}, 422,
			[]string{`href="#notify_email"`, "indica un indirizzo email"}},
		{"unknown language", url.Values{"email": {"g@example.it"}, "language": {"de"}}, 422, []string{`href="#language"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cl.post("/area-personale/profilo", tt.form)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			mustContainResp(t, r, tt.want...)
			now, _ := h.accounts.Citizen(ctx, h.borgo.ID, c.ID)
			if now.Email != "" || now.Phone != "" || now.Language != "it" {
				t.Fatalf("a refused form changed the citizen: %+v", now)
			}
		})
	}
	if r := cl.post("/area-personale/profilo", url.Values{"csrf": {"wrong"}, "email": {"g@example.it"}, "language": {"it"}}); r.StatusCode != 403 {
		t.Fatalf("without CSRF: %d", r.StatusCode)
	}

	r = cl.post("/area-personale/profilo", url.Values{"email": {" Giulia@Example.it "}, "phone": {"+39 02 1234567"}, "language": {"en"}, "notify_email": {"1"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/area-personale" {
		t.Fatalf("save: %d %s", r.StatusCode, text(r.Body))
	}
	now, _ := h.accounts.Citizen(ctx, h.borgo.ID, c.ID)
	if now.Email != "giulia@example.it" || now.Phone != "+39 02 1234567" || now.Language != "en" || !now.NotifyEmail {
		t.Fatalf("saved %+v", now)
	}
	if o, _ := h.accounts.Citizen(ctx, h.marina.ID, other.ID); o.Email != "" {
		t.Fatal("the same person at another comune is another record")
	}
	r = cl.get("/area-personale")
	mustContainResp(t, r, "Contacts and preferences saved.", "giulia@example.it", "Personal area", `lang="en"`)

	// Nobody signed in: the profile is behind sign-in.
	if r := h.client("borgo.example.it").get("/area-personale/profilo"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/accedi?next=") {
		t.Fatalf("anonymous: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := h.client("borgo.example.it").post("/area-personale/profilo", url.Values{"email": {"x@example.it"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("anonymous post: %d", r.StatusCode)
	}
	// Staff of the comune are not citizens.
	if r := h.staff("borgo.example.it", "admin@borgo").get("/area-personale"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff: %d", r.StatusCode)
	}
}

func mustContainResp(t *testing.T, r *response, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !has(r, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestSignOutWithoutSession(t *testing.T) {
	h := newHarness(t)
	c := h.client("borgo.example.it")
	r := c.post("/esci", url.Values{})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("sign out when signed out: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.post("/esci", url.Values{"csrf": {"x"}}); r.StatusCode != 403 {
		t.Fatalf("sign out needs the CSRF token: %d", r.StatusCode)
	}
}

func TestCitizenCataloguesMatch(t *testing.T) {
	keys := func(name string) []string {
		b, err := localeFS.ReadFile("locales/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", name, k)
			}
		}
		return slices.Sorted(maps.Keys(m))
	}
	it, en := keys("citizen.it.json"), keys("citizen.en.json")
	if !slices.Equal(it, en) {
		t.Fatalf("citizen catalogues differ:\nit %v\nen %v", it, en)
	}
	// Every code the sign-in and profile can show has a message.
	for _, k := range []string{"oidc.failed", "oidc.bad_fiscal_code", "oidc.bad_claims", "oidc.not_configured", "oidc.provider_unavailable",
		"citizen.email.invalid", "citizen.phone.invalid", "citizen.language.invalid", "citizen.notify_email.needs_email"} {
		if !slices.Contains(it, k) {
			t.Errorf("no message for %s", k)
		}
	}
}
