package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/demo"
	"piazza/internal/secret"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

const badCredentials = "Email o password non corretti."

func TestSignInEachRole(t *testing.T) {
	h, clk := newAuthHarness(t)
	tests := []struct {
		name, host, key string
		email           string // as typed, when not the account's
	}{
		{name: "admin of borgo", host: borgoHost, key: "admin@borgo"},
		{name: "editor of borgo", host: borgoHost, key: "editor@borgo"},
		{name: "operator of borgo", host: "servizi.borgo.example.it", key: "operator@borgo"},
		{name: "viewer of borgo", host: borgoHost, key: "viewer@borgo"},
		{name: "admin of marina", host: marinaHost, key: "admin@marina"},
		{name: "operator of marina, email in capitals with spaces", host: marinaHost, key: "operator@marina", email: "  OPERATOR@MARINA.example.it "},
		{name: "staff of both on borgo", host: borgoHost, key: "both"},
		{name: "staff of both on marina", host: marinaHost, key: "both"},
		{name: "platform operator on the console", host: consoleHost, key: "platform"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.client(tt.host)
			c.remote = "192.0.2." + strconv.Itoa(100+i) + ":1000" // an address per case
			p := pathsOf(tt.host)
			expect(t, c.get(p.Login), 200, `action="`+p.Login+`"`, `name="email"`, `name="password"`, `autocomplete="current-password"`, `name="csrf"`)

			// A token planted in the browser before sign-in (session fixation) must
			// not survive it.
			planted, plantedHash := secret.Token()
			now := clk.now().UTC()
			tenantID := audit.PlatformTenant
			if tt.host != consoleHost {
				res, err := h.srv.Resolver.Resolve(context.Background(), tt.host)
				if err != nil {
					t.Fatal(err)
				}
				tenantID = res.Tenant.ID
			}
			if err := h.db.CreateSession(context.Background(), &session.Session{TokenHash: plantedHash, TenantID: tenantID, Kind: session.Anonymous,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			c.setSessionToken(planted)

			email := tt.email
			if email == "" {
				email = h.email(tt.key)
			}
			expectRedirect(t, c.login(email, testPassword), p.Home)
			got := c.sessionToken()
			if got == "" || got == planted {
				t.Fatalf("session token not rotated at sign-in: %q", got)
			}
			if h.sessionExists(t, planted, clk.now()) {
				t.Fatal("the planted session still exists")
			}
			r := c.get(p.Security)
			expect(t, r, 200, "Sicurezza dell'account", "Cambia la password")
			if r.Header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
			}
			// Signed in, the sign-in page goes straight on.
			expectRedirect(t, c.get(p.Login), p.Home)
		})
	}
	// Every sign-in is audited on the tenant (or the platform) it happened on.
	entries, err := h.db.AuditEntries(context.Background(), h.marina.ID, audit.Filter{Action: "auth.sign_in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("marina has %d sign-in entries, want 3", len(entries))
	}
}

// TestSignInRefused: a wrong password, an unknown email and a person who may not
// enter here all get the same answer, and no session.
func TestSignInRefused(t *testing.T) {
	h, _ := newAuthHarness(t)
	tests := []struct {
		name, host, email, password string
	}{
		{"wrong password", borgoHost, h.email("admin@borgo"), "una-password-sbagliata"},
		{"unknown email", borgoHost, "nessuno@borgo.example.it", testPassword},
		{"empty password", borgoHost, h.email("admin@borgo"), ""},
		{"staff of borgo on marina", marinaHost, h.email("admin@borgo"), testPassword},
		{"staff of marina on borgo", borgoHost, h.email("operator@marina"), testPassword},
		{"platform operator on a tenant", borgoHost, h.email("platform"), testPassword},
		{"tenant admin on the console", consoleHost, h.email("admin@borgo"), testPassword},
		{"admin of both on the console", consoleHost, h.email("both"), testPassword},
		{"unknown email on the console", consoleHost, "nessuno@piazza.example.it", testPassword},
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.client(tt.host)
			r := c.login(tt.email, tt.password)
			expect(t, r, http.StatusUnauthorized, badCredentials, `value="`+strings.TrimSpace(tt.email)+`"`)
			for _, ck := range r.Cookies() {
				if ck.Name == "piazza_session" {
					t.Fatalf("a refused sign-in set a session cookie")
				}
			}
			if c.signedIn(t) {
				t.Fatal("signed in after a refused sign-in")
			}
			messages = append(messages, errorSummary(t, r.Body))
		})
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("refusals differ: %q vs %q", m, messages[0])
		}
	}
}

var summaryRE = regexp.MustCompile(`(?s)<div class="alert alert-danger" role="alert" id="error-summary" tabindex="-1">(.*?)</div>`)

func errorSummary(t *testing.T, body string) string {
	t.Helper()
	m := summaryRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no error summary in\n%s", text(body))
	}
	return text(m[1])
}

// TestSessionsPerTenant: the person who is staff of both comuni has a separate
// session on each; a session never works on another tenant's host.
func TestSessionsPerTenant(t *testing.T) {
	h, _ := newAuthHarness(t)
	onBorgo, onMarina := h.client(borgoHost), h.client(marinaHost)
	expectRedirect(t, onBorgo.login(h.email("both"), testPassword), "/backoffice")
	expectRedirect(t, onMarina.login(h.email("both"), testPassword), "/backoffice")
	if onBorgo.sessionToken() == onMarina.sessionToken() {
		t.Fatal("one session for two tenants")
	}
	// Borgo's session presented on marina's host is not a marina session: the back
	// office does not exist for it.
	stolen := h.client(marinaHost)
	stolen.setSessionToken(onBorgo.sessionToken())
	expect(t, stolen.get("/backoffice/sicurezza"), http.StatusNotFound)
	console := h.client(consoleHost)
	console.setSessionToken(onBorgo.sessionToken())
	if console.signedIn(t) {
		t.Fatal("a tenant session works on the console")
	}
	// Signing out of borgo leaves marina signed in.
	expectRedirect(t, onBorgo.post("/backoffice/esci", nil), "/backoffice/accedi")
	if onBorgo.signedIn(t) || !onMarina.signedIn(t) {
		t.Fatal("sign-out must end only the session it belongs to")
	}
}

func TestLogout(t *testing.T) {
	for _, host := range []string{borgoHost, consoleHost} {
		t.Run(host, func(t *testing.T) {
			h, clk := newAuthHarness(t)
			key := "admin@borgo"
			tenantID := h.borgo.ID
			if host == consoleHost {
				key, tenantID = "platform", audit.PlatformTenant
			}
			p := pathsOf(host)
			c := h.client(host)
			expectRedirect(t, c.login(h.email(key), testPassword), p.Home)
			token := c.sessionToken()
			csrf := c.cookie("piazza_csrf")
			if !h.sessionExists(t, token, clk.now()) {
				t.Fatal("no session row after sign-in")
			}
			expectRedirect(t, c.post(p.Logout, nil), p.Login)
			if h.sessionExists(t, token, clk.now()) {
				t.Fatal("the session row survived sign-out")
			}
			if c.cookie("piazza_csrf") == csrf {
				t.Error("the CSRF cookie must change at sign-out")
			}
			expect(t, c.get(p.Login), 200, "Sei uscito.")
			if c.signedIn(t) {
				t.Fatal("still signed in")
			}
			// The old token, replayed, is worthless.
			c.setSessionToken(token)
			if c.signedIn(t) {
				t.Fatal("the old token still works")
			}
			entries, err := h.db.AuditEntries(context.Background(), tenantID, audit.Filter{Action: "auth.sign_out"})
			if err != nil || len(entries) != 1 || entries[0].Actor.ID != h.acc[key].ID {
				t.Fatalf("sign-out audit entries %+v, %v", entries, err)
			}
		})
	}
}

func TestNextAfterSignIn(t *testing.T) {
	h, _ := newAuthHarness(t)
	// A staff page asked while signed out remembers where to come back.
	c := h.client(borgoHost)
	expectRedirect(t, c.get("/backoffice/sicurezza"), "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
	expect(t, c.get("/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza"), 200, `name="next" value="/backoffice/sicurezza"`)
	tests := []struct{ next, want string }{
		{"/backoffice/sicurezza", "/backoffice/sicurezza"},
		{"//evil.example/x", "/backoffice"},
		{"https://evil.example/", "/backoffice"},
		{"/\\evil.example", "/backoffice"},
		{"", "/backoffice"},
	}
	for _, tt := range tests {
		c := h.client(borgoHost)
		r := c.post("/backoffice/accedi", url.Values{"email": {h.email("editor@borgo")}, "password": {testPassword}, "next": {tt.next}})
		expectRedirect(t, r, tt.want)
	}
}

// TestLockAfterFailures: five failures for one email lock it, even against the
// right password, until the lock ends.
func TestLockAfterFailures(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(borgoHost)
	for i := 0; i < 5; i++ {
		expect(t, c.login(h.email("editor@borgo"), "sbagliata-"+string(rune('a'+i))), http.StatusUnauthorized, badCredentials)
	}
	if a := h.account(t, h.acc["editor@borgo"].ID); !a.Locked(clk.now()) {
		t.Fatal("the account is not locked after five failures")
	}
	// From another address too: the lock is on the account.
	other := h.client(borgoHost)
	other.remote = "198.51.100.20:5555"
	r := other.login(h.email("editor@borgo"), testPassword)
	expect(t, r, http.StatusTooManyRequests, "Troppi tentativi")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if other.signedIn(t) {
		t.Fatal("signed in while locked")
	}
	clk.advance(10 * time.Minute)
	expect(t, other.login(h.email("editor@borgo"), testPassword), http.StatusTooManyRequests)
	// Others are not affected.
	expectRedirect(t, h.client(borgoHost).login(h.email("viewer@borgo"), testPassword), "/backoffice")
	clk.advance(6 * time.Minute)
	expectRedirect(t, other.login(h.email("editor@borgo"), testPassword), "/backoffice")
}

// TestThrottlePerAddress: 20 failures from one address, across emails, stop that
// address for the window; other addresses go on.
func TestThrottlePerAddress(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(borgoHost)
	c.remote = "203.0.113.9:4000"
	for i := 0; i < 20; i++ {
		email := "sconosciuto" + strings.Repeat("x", i) + "@borgo.example.it"
		expect(t, c.login(email, testPassword), http.StatusUnauthorized, badCredentials)
	}
	expect(t, c.login(h.email("admin@borgo"), testPassword), http.StatusTooManyRequests, "Troppi tentativi")
	// The reset form is throttled from that address too.
	expect(t, c.post("/backoffice/password-dimenticata", url.Values{"email": {h.email("admin@borgo")}}), http.StatusTooManyRequests)
	if len(h.newMails(t)) != 0 {
		t.Fatal("a throttled address got a reset mail sent")
	}
	// The same address on another tenant's host is the same client.
	m := h.client(marinaHost)
	m.remote = c.remote
	expect(t, m.login(h.email("admin@marina"), testPassword), http.StatusTooManyRequests)
	other := h.client(borgoHost)
	other.remote = "203.0.113.10:4000"
	expectRedirect(t, other.login(h.email("admin@borgo"), testPassword), "/backoffice")
	clk.advance(16 * time.Minute)
	expectRedirect(t, c.login(h.email("admin@borgo"), testPassword), "/backoffice")
}

func TestSecondFactorSignIn(t *testing.T) {
	for _, host := range []string{borgoHost, consoleHost} {
		t.Run(host, func(t *testing.T) {
			h, clk := newAuthHarness(t)
			key := "operator@borgo"
			if host == consoleHost {
				key = "platform"
			}
			p := pathsOf(host)
			sec := enableTOTP(t, h.staff(host, key), clk)
			clk.advance(30 * time.Second) // the code used to confirm is spent

			c := h.client(host)
			r := c.login(h.email(key), testPassword)
			expectRedirect(t, r, p.Code)
			pending := c.sessionToken()
			if pending == "" {
				t.Fatal("no session for the pending sign-in")
			}
			if c.signedIn(t) {
				t.Fatal("signed in with the password alone")
			}
			expect(t, c.get(p.Code), 200, "Verifica in due passaggi", `autocomplete="one-time-code"`)
			r = c.post(p.Code, url.Values{"code": {"000000"}})
			expect(t, r, http.StatusUnauthorized, "Il codice non è corretto", `aria-invalid="true"`, `<a href="#code">`)
			code := totpCodeAt(t, sec, clk.now())
			expectRedirect(t, c.post(p.Code, url.Values{"code": {code[:3] + " " + code[3:]}}), p.Home)
			if c.sessionToken() == pending {
				t.Fatal("the session token did not change when the sign-in completed")
			}
			if !c.signedIn(t) {
				t.Fatal("not signed in after the code")
			}

			// The same code cannot be used twice.
			again := h.client(host)
			expectRedirect(t, again.login(h.email(key), testPassword), p.Code)
			expect(t, again.post(p.Code, url.Values{"code": {code}}), http.StatusUnauthorized, "Il codice non è corretto")
			clk.advance(30 * time.Second)
			expectRedirect(t, again.post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), p.Home)

			// The step after the password expires.
			late := h.client(host)
			clk.advance(30 * time.Second)
			expectRedirect(t, late.login(h.email(key), testPassword), p.Code)
			clk.advance(6 * time.Minute)
			r = late.post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}})
			expect(t, r, http.StatusUnauthorized, "Il tempo per inserire il codice di verifica è scaduto", `action="`+p.Login+`"`)
			if late.signedIn(t) {
				t.Fatal("signed in after the pending step expired")
			}
			expectRedirect(t, late.get(p.Code), p.Login)

			// Without a password first, the code page is not reachable.
			expectRedirect(t, h.client(host).get(p.Code), p.Login)
			expectRedirect(t, h.client(host).post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), p.Login)
		})
	}
}

func TestWrongCodesLockTheAccount(t *testing.T) {
	h, clk := newAuthHarness(t)
	sec := enableTOTP(t, h.staff(borgoHost, "viewer@borgo"), clk)
	clk.advance(30 * time.Second)
	c := h.client(borgoHost)
	expectRedirect(t, c.login(h.email("viewer@borgo"), testPassword), "/backoffice/accedi/codice")
	for i := 0; i < 5; i++ {
		expect(t, c.post("/backoffice/accedi/codice", url.Values{"code": {"12345" + string(rune('0'+i))}}), http.StatusUnauthorized)
	}
	r := c.post("/backoffice/accedi/codice", url.Values{"code": {totpCodeAt(t, sec, clk.now())}})
	expect(t, r, http.StatusTooManyRequests, "Troppi tentativi", `action="/backoffice/accedi"`)
	if c.signedIn(t) {
		t.Fatal("signed in with a locked account")
	}
}

func TestMandatorySecondFactor(t *testing.T) {
	h, clk := newAuthHarness(t)
	// A staff member already signed in before the rule: every back-office page
	// sends them to the security page until they set it up.
	early := h.staff(borgoHost, "viewer@borgo")
	h.requireTOTP(t, &h.borgo)
	h.srv.tenantMx.Handle("GET /backoffice/prova", h.srv.wrap(route{pattern: "GET /backoffice/prova", access: staff,
		handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("pagina del back office")) }}))
	expectRedirect(t, early.get("/backoffice/prova"), "/backoffice/sicurezza")
	expect(t, early.get("/backoffice/sicurezza"), 200, "L'ente richiede la verifica in due passaggi")
	enableTOTP(t, early, clk)
	expect(t, early.get("/backoffice/prova"), 200, "pagina del back office")

	// Signing in without a factor: enrollment comes before any back-office page.
	c := h.client(borgoHost)
	expectRedirect(t, c.login(h.email("editor@borgo"), testPassword), "/backoffice/accedi/attiva-codice")
	if c.signedIn(t) {
		t.Fatal("signed in before enrolling")
	}
	expectRedirect(t, c.get("/backoffice/prova"), "/backoffice/accedi?next=%2Fbackoffice%2Fprova")
	expectRedirect(t, c.get("/backoffice/accedi/codice"), "/backoffice/accedi/attiva-codice")
	page := c.get("/backoffice/accedi/attiva-codice")
	expect(t, page, 200, "Attiva la verifica in due passaggi", "inquadrando questo codice QR")
	sec := totpSecret(t, page.Body)
	// Reloading shows the same key (the pending one is kept).
	if again := totpSecret(t, c.get("/backoffice/accedi/attiva-codice").Body); again != sec {
		t.Fatal("the pending key changed on reload")
	}
	expect(t, c.post("/backoffice/accedi/attiva-codice", url.Values{"code": {"000000"}}), http.StatusUnprocessableEntity, "Il codice non è corretto")
	if h.account(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("a wrong code enabled the factor")
	}
	pending := c.sessionToken()
	expectRedirect(t, c.post("/backoffice/accedi/attiva-codice", url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), "/backoffice")
	if c.sessionToken() == pending {
		t.Fatal("the session token did not change when the sign-in completed")
	}
	expect(t, c.get("/backoffice/prova"), 200, "pagina del back office")
	if !h.account(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("the factor is not enabled")
	}
	// It cannot be turned off while the tenant requires it.
	page = c.get("/backoffice/sicurezza")
	expect(t, page, 200, "L'ente la rende obbligatoria")
	if strings.Contains(page.Body, `value="totp_disable"`) {
		t.Error("the disable form is offered although the tenant requires the factor")
	}
	expect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {testPassword}}), http.StatusForbidden)
	if !h.account(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("the factor was turned off")
	}
	// Next time the code is asked, as for anyone with a factor.
	clk.advance(30 * time.Second)
	c2 := h.client(borgoHost)
	expectRedirect(t, c2.login(h.email("editor@borgo"), testPassword), "/backoffice/accedi/codice")
	// Marina does not require it.
	expectRedirect(t, h.client(marinaHost).login(h.email("admin@marina"), testPassword), "/backoffice")
}

func TestPasswordReset(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(borgoHost)
	expect(t, c.get("/backoffice/password-dimenticata"), 200, `action="/backoffice/password-dimenticata"`)

	// Known and unknown addresses get the same answer; only the known one a mail.
	known := c.post("/backoffice/password-dimenticata", url.Values{"email": {h.email("admin@borgo")}})
	expect(t, known, 200, "Controlla la posta")
	link := h.resetLink(t, h.email("admin@borgo"))
	if !strings.HasPrefix(link, "http://borgo.example.it/backoffice/reimposta-password?token=") {
		t.Fatalf("link %q", link)
	}
	for _, email := range []string{"nessuno@borgo.example.it", h.email("admin@marina"), h.email("platform")} {
		r := c.post("/backoffice/password-dimenticata", url.Values{"email": {email}})
		if r.StatusCode != known.StatusCode || text(r.Body) != text(known.Body) {
			t.Errorf("%s: the answer differs from a known address's", email)
		}
	}
	if ms := h.newMails(t); len(ms) != 0 {
		t.Fatalf("mails for addresses that may not sign in here: %+v", ms)
	}
	expect(t, c.post("/backoffice/password-dimenticata", url.Values{"email": {"non-una-email"}}), http.StatusUnprocessableEntity, "Inserisci un indirizzo email valido")

	// The account is locked and signed in elsewhere before the reset.
	elsewhere := h.staff(borgoHost, "admin@borgo")
	for i := 0; i < 5; i++ {
		h.client(borgoHost).login(h.email("admin@borgo"), "sbagliata-"+string(rune('a'+i)))
	}
	expect(t, h.client(borgoHost).login(h.email("admin@borgo"), testPassword), http.StatusTooManyRequests)

	// The link opens the form, without leaking itself as a Referer.
	r := c.get(pathOf(t, link))
	expect(t, r, 200, "Scegli una nuova password", `name="token"`, `autocomplete="new-password"`)
	if r.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", r.Header.Get("Referrer-Policy"))
	}
	token := strings.TrimPrefix(link, "http://borgo.example.it/backoffice/reimposta-password?token=")
	const newPassword = "un-cielo-color-pervinca"
	bad := []struct {
		name, password, confirm, want string
	}{
		{"too short", "corta", "corta", "almeno 10 caratteri"},
		{"mismatch", newPassword, newPassword + "x", "Le due password non coincidono"},
		{"common", "password123", "password123", "tra le più usate"},
		{"contains the email", "admin@borgo.example.it!", "admin@borgo.example.it!", "non deve contenere il tuo indirizzo email"},
	}
	for _, b := range bad {
		r := c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {b.password}, "confirm": {b.confirm}})
		expect(t, r, http.StatusUnprocessableEntity, b.want)
	}
	if !h.accounts.ResetTokenValid(context.Background(), token) {
		t.Fatal("a refused form used up the token")
	}
	expectRedirect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {newPassword}, "confirm": {newPassword}}), "/backoffice/accedi")
	expect(t, c.get("/backoffice/accedi"), 200, "Password salvata.")
	if elsewhere.signedIn(t) {
		t.Fatal("the reset did not end the other sessions")
	}
	// Unlocked, with the new password only.
	expect(t, h.client(borgoHost).login(h.email("admin@borgo"), testPassword), http.StatusUnauthorized)
	expectRedirect(t, h.client(borgoHost).login(h.email("admin@borgo"), newPassword), "/backoffice")

	// The link works once.
	expect(t, c.get(pathOf(t, link)), http.StatusNotFound, "Collegamento non valido", "non è valido, è scaduto o è già stato usato")
	expect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {"altra-password-lunga"}, "confirm": {"altra-password-lunga"}}), http.StatusNotFound)
	expect(t, c.get("/backoffice/reimposta-password?token=inventato"), http.StatusNotFound, "Chiedi un nuovo collegamento")
	expect(t, c.get("/backoffice/reimposta-password"), http.StatusNotFound)

	// An expired link is refused.
	c.post("/backoffice/password-dimenticata", url.Values{"email": {h.email("editor@borgo")}})
	expired := h.resetLink(t, h.email("editor@borgo"))
	clk.advance(61 * time.Minute)
	expect(t, c.get(pathOf(t, expired)), http.StatusNotFound)
	tok := expired[strings.Index(expired, "token=")+len("token="):]
	expect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {tok}, "password": {newPassword}, "confirm": {newPassword}}), http.StatusNotFound)
	expectRedirect(t, h.client(borgoHost).login(h.email("editor@borgo"), testPassword), "/backoffice")
}

func TestPasswordResetOnConsole(t *testing.T) {
	h, _ := newAuthHarness(t)
	c := h.client(consoleHost)
	expect(t, c.post("/password-dimenticata", url.Values{"email": {h.email("admin@borgo")}}), 200, "Controlla la posta")
	if ms := h.newMails(t); len(ms) != 0 {
		t.Fatal("a tenant admin got a console reset link")
	}
	expect(t, c.post("/password-dimenticata", url.Values{"email": {h.email("platform")}}), 200, "Controlla la posta")
	link := h.resetLink(t, h.email("platform"))
	if !strings.HasPrefix(link, "http://piazza.localhost/reimposta-password?token=") {
		t.Fatalf("link %q", link)
	}
	expect(t, c.get(pathOf(t, link)), 200, "Scegli una nuova password")
	token := link[strings.Index(link, "token=")+len("token="):]
	expectRedirect(t, c.post("/reimposta-password", url.Values{"token": {token}, "password": {"console-nuova-chiave"}, "confirm": {"console-nuova-chiave"}}), "/accedi")
	expectRedirect(t, h.client(consoleHost).login(h.email("platform"), "console-nuova-chiave"), "/")
}

func TestChangePassword(t *testing.T) {
	for _, host := range []string{borgoHost, consoleHost} {
		t.Run(host, func(t *testing.T) {
			h, _ := newAuthHarness(t)
			key := "editor@borgo"
			if host == consoleHost {
				key = "platform"
			}
			p := pathsOf(host)
			c := h.client(host)
			expectRedirect(t, c.login(h.email(key), testPassword), p.Home)
			elsewhere := h.client(host)
			expectRedirect(t, elsewhere.login(h.email(key), testPassword), p.Home)
			const next = "nuova-password-sicura"
			bad := []struct{ current, password, confirm, want, field string }{
				{"sbagliata-davvero", next, next, "La password non è corretta", "current"},
				{testPassword, "corta", "corta", "almeno 10 caratteri", "password"},
				{testPassword, next, next + "!", "Le due password non coincidono", "confirm"},
			}
			for _, b := range bad {
				r := c.post(p.Security, url.Values{"action": {"password"}, "current": {b.current}, "password": {b.password}, "confirm": {b.confirm}})
				expect(t, r, http.StatusUnprocessableEntity, b.want, `<a href="#`+b.field+`">`)
			}
			expectRedirect(t, h.client(host).login(h.email(key), testPassword), p.Home) // unchanged
			before := c.sessionToken()
			expectRedirect(t, c.post(p.Security, url.Values{"action": {"password"}, "current": {testPassword}, "password": {next}, "confirm": {next}}), p.Security)
			if c.sessionToken() == before {
				t.Error("the session token must change with the password")
			}
			expect(t, c.get(p.Security), 200, "Password cambiata.")
			if elsewhere.signedIn(t) {
				t.Fatal("other sessions survived the password change")
			}
			expect(t, h.client(host).login(h.email(key), testPassword), http.StatusUnauthorized)
			expectRedirect(t, h.client(host).login(h.email(key), next), p.Home)
		})
	}
}

func TestTurnSecondFactorOff(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.staff(borgoHost, "admin@borgo")
	enableTOTP(t, c, clk)
	expect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_begin"}}), http.StatusConflict, "già attiva")
	r := c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {"non-e-lei"}})
	expect(t, r, http.StatusUnprocessableEntity, "La password non è corretta", `<a href="#totp_password">`, `id="totp_password-error"`)
	if strings.Contains(r.Body, `id="password-error"`) {
		t.Error("the disable form's error shows on the change-password form")
	}
	if !h.account(t, h.acc["admin@borgo"].ID).TOTPEnabled {
		t.Fatal("turned off with a wrong password")
	}
	expectRedirect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {testPassword}}), "/backoffice/sicurezza")
	expect(t, c.get("/backoffice/sicurezza"), 200, "Verifica in due passaggi disattivata.", "non è attiva")
	if h.account(t, h.acc["admin@borgo"].ID).TOTPEnabled {
		t.Fatal("still on")
	}
	expectRedirect(t, h.client(borgoHost).login(h.email("admin@borgo"), testPassword), "/backoffice")
	expect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"boh"}}), http.StatusUnprocessableEntity)
}

// TestCSRFOnEveryPost: each form refuses a missing or forged token with 403 and
// changes nothing.
func TestCSRFOnEveryPost(t *testing.T) {
	h, clk := newAuthHarness(t)
	ctx := context.Background()
	// A pending second-factor sign-in and a valid reset token to aim at.
	sec := enableTOTP(t, h.staff(borgoHost, "operator@borgo"), clk)
	clk.advance(30 * time.Second)
	h.client(borgoHost).post("/backoffice/password-dimenticata", url.Values{"email": {h.email("viewer@borgo")}})
	token := strings.SplitN(h.resetLink(t, h.email("viewer@borgo")), "token=", 2)[1]

	type tc struct {
		name, host, path string
		client           func() *client
		form             url.Values
		unchanged        func(t *testing.T, c *client)
	}
	staffClient := func(host, key string) func() *client {
		return func() *client {
			c := h.client(host)
			if r := c.login(h.email(key), testPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in for the test: %d", r.StatusCode)
			}
			return c
		}
	}
	anon := func(host string) func() *client { return func() *client { return h.client(host) } }
	notSignedIn := func(t *testing.T, c *client) {
		if c.signedIn(t) {
			t.Fatal("signed in")
		}
	}
	stillSignedIn := func(t *testing.T, c *client) {
		if !c.signedIn(t) {
			t.Fatal("signed out")
		}
	}
	passwordKept := func(key string) func(t *testing.T, c *client) {
		return func(t *testing.T, c *client) {
			if ok, _ := verify(h, t, key, testPassword); !ok {
				t.Fatal("the password changed")
			}
		}
	}
	noMail := func(t *testing.T, c *client) {
		if ms := h.newMails(t); len(ms) != 0 {
			t.Fatalf("mail sent: %+v", ms)
		}
	}
	tokenKept := func(t *testing.T, c *client) {
		if !h.accounts.ResetTokenValid(ctx, token) {
			t.Fatal("the reset token was used")
		}
		passwordKept("viewer@borgo")(t, c)
	}
	cases := []tc{
		{"sign-in", borgoHost, "/backoffice/accedi", anon(borgoHost), url.Values{"email": {h.email("admin@borgo")}, "password": {testPassword}}, notSignedIn},
		{"console sign-in", consoleHost, "/accedi", anon(consoleHost), url.Values{"email": {h.email("platform")}, "password": {testPassword}}, notSignedIn},
		{"code", borgoHost, "/backoffice/accedi/codice", func() *client {
			c := h.client(borgoHost)
			c.login(h.email("operator@borgo"), testPassword)
			return c
		}, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}, notSignedIn},
		{"console code", consoleHost, "/accedi/codice", anon(consoleHost), url.Values{"code": {"123456"}}, notSignedIn},
		{"enroll", borgoHost, "/backoffice/accedi/attiva-codice", anon(borgoHost), url.Values{"code": {"123456"}}, notSignedIn},
		{"forgot", borgoHost, "/backoffice/password-dimenticata", anon(borgoHost), url.Values{"email": {h.email("admin@borgo")}}, noMail},
		{"console forgot", consoleHost, "/password-dimenticata", anon(consoleHost), url.Values{"email": {h.email("platform")}}, noMail},
		{"reset", borgoHost, "/backoffice/reimposta-password", anon(borgoHost), url.Values{"token": {token}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, tokenKept},
		{"console reset", consoleHost, "/reimposta-password", anon(consoleHost), url.Values{"token": {token}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, tokenKept},
		{"sign-out", borgoHost, "/backoffice/esci", staffClient(borgoHost, "admin@borgo"), url.Values{}, stillSignedIn},
		{"console sign-out", consoleHost, "/esci", staffClient(consoleHost, "platform"), url.Values{}, stillSignedIn},
		{"change password", borgoHost, "/backoffice/sicurezza", staffClient(borgoHost, "editor@borgo"),
			url.Values{"action": {"password"}, "current": {testPassword}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, passwordKept("editor@borgo")},
		{"console change password", consoleHost, "/sicurezza", staffClient(consoleHost, "platform"),
			url.Values{"action": {"password"}, "current": {testPassword}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, passwordKept("platform")},
		{"begin factor", borgoHost, "/backoffice/sicurezza", staffClient(borgoHost, "both"), url.Values{"action": {"totp_begin"}}, func(t *testing.T, c *client) {
			if a := h.account(t, h.acc["both"].ID); a.TOTPSecretEnc != "" || a.TOTPEnabled {
				t.Fatal("a factor was begun")
			}
		}},
	}
	for _, tt := range cases {
		for _, forged := range []string{"", "forged-token", "missing"} {
			t.Run(tt.name+"/"+forged, func(t *testing.T) {
				c := tt.client()
				form := url.Values{}
				for k, v := range tt.form {
					form[k] = v
				}
				if forged == "missing" {
					// No token and no CSRF cookie either.
					c.jar.SetCookies(&url.URL{Scheme: "http", Host: c.host, Path: "/"}, []*http.Cookie{{Name: "piazza_csrf", Value: "", MaxAge: -1, Path: "/"}})
					form.Set("csrf", "")
				} else {
					form.Set("csrf", forged)
				}
				r := c.post(tt.path, form)
				expect(t, r, http.StatusForbidden, "La pagina è scaduta per motivi di sicurezza")
				tt.unchanged(t, c)
			})
		}
	}
	// A token made for another browser's cookie is forged too.
	a, b := h.client(borgoHost), h.client(borgoHost)
	r := a.post("/backoffice/accedi", url.Values{"email": {h.email("admin@borgo")}, "password": {testPassword}, "csrf": {b.csrf()}})
	expect(t, r, http.StatusForbidden)
}

func verify(h *harness, t *testing.T, key, password string) (bool, bool) {
	t.Helper()
	return accounts.VerifyPassword(h.account(t, h.acc[key].ID).PasswordHash, password)
}

func citizenIdentity() accounts.Identity {
	return accounts.Identity{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Level: "https://www.spid.gov.it/SpidL2"}
}

func TestTamperedSessionCookie(t *testing.T) {
	h, _ := newAuthHarness(t)
	c := h.client(borgoHost)
	expectRedirect(t, c.login(h.email("admin@borgo"), testPassword), "/backoffice")
	good := c.sessionToken()
	flip := []byte(good)
	if flip[len(flip)-1] == 'A' {
		flip[len(flip)-1] = 'B'
	} else {
		flip[len(flip)-1] = 'A'
	}
	for _, v := range []string{string(flip), good + "x", "", strings.Repeat("a", 300), "../../etc"} {
		c.setSessionToken(v)
		r := c.get("/backoffice/sicurezza")
		expectRedirect(t, r, "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
		expect(t, c.get("/backoffice/accedi"), 200, `action="/backoffice/accedi"`)
	}
	c.setSessionToken(good)
	if !c.signedIn(t) {
		t.Fatal("the untouched token stopped working")
	}
}

func TestAuthPagesAreNotCached(t *testing.T) {
	h, _ := newAuthHarness(t)
	pages := []struct{ host, path string }{
		{borgoHost, "/backoffice/accedi"},
		{borgoHost, "/backoffice/password-dimenticata"},
		{borgoHost, "/backoffice/reimposta-password?token=x"},
		{borgoHost, "/backoffice/accedi/codice"},
		{borgoHost, "/backoffice/accedi/attiva-codice"},
		{consoleHost, "/accedi"},
		{consoleHost, "/password-dimenticata"},
		{consoleHost, "/reimposta-password?token=x"},
	}
	for _, p := range pages {
		r := h.client(p.host).get(p.path)
		if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("%s%s: Cache-Control %q", p.host, p.path, got)
		}
	}
	for _, host := range []string{borgoHost, consoleHost} {
		key := "admin@borgo"
		if host == consoleHost {
			key = "platform"
		}
		c := h.staff(host, key)
		for _, r := range []*response{c.get(pathsOf(host).Security), c.login(h.email(key), "sbagliata-123")} {
			if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("%s: Cache-Control %q", host, got)
			}
		}
	}
}

func TestAuthPagesInEnglish(t *testing.T) {
	h, _ := newAuthHarness(t)
	for _, host := range []string{borgoHost, consoleHost} {
		p := pathsOf(host)
		for _, path := range []string{p.Login, p.Forgot, p.Reset + "?token=x"} {
			req := reqLang(path, "en")
			r := h.client(host).do(req)
			body := visible(r.Body)
			if !strings.Contains(body, `lang="en"`) || strings.Contains(body, "auth.") {
				t.Errorf("%s%s: not fully English\n%s", host, path, text(r.Body))
			}
		}
	}
	c := h.client(borgoHost)
	req := reqLang("/backoffice/accedi", "en")
	r := c.do(req)
	if !strings.Contains(r.Body, "Sign in to the back office") {
		t.Errorf("English title missing")
	}
}

func TestSecurityPageNeedsSignIn(t *testing.T) {
	h, _ := newAuthHarness(t)
	expectRedirect(t, h.client(borgoHost).get("/backoffice/sicurezza"), "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
	expectRedirect(t, h.client(consoleHost).get("/sicurezza"), "/accedi?next=%2Fsicurezza")
	expectRedirect(t, h.client(borgoHost).post("/backoffice/sicurezza", url.Values{"action": {"password"}}), "/backoffice/accedi")
	// A citizen of borgo is not staff: the back office does not exist for them.
	cit := h.client(borgoHost)
	citizen, err := h.accounts.CitizenSignIn(context.Background(), h.borgo.ID, citizenIdentity())
	if err != nil {
		t.Fatal(err)
	}
	cit.signIn(session.Citizen, 0, citizen.ID)
	expect(t, cit.get("/backoffice/sicurezza"), http.StatusNotFound)
}

// TestDemoLoginsOnSignInPage: a demo installation lists the demo logins that work
// where the page is; a real one never does.
func TestDemoLoginsOnSignInPage(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Demo = true })
	console := h.client(consoleHost).get("/accedi")
	expect(t, console, 200, "Installazione dimostrativa", demo.Password, "operatore@piazza.example")
	if strings.Contains(console.Body, "borgofiorito") {
		t.Error("the console lists tenant logins")
	}
	// The harness tenants are not demo comuni: no logins to list.
	if strings.Contains(h.client(borgoHost).get("/backoffice/accedi").Body, demo.Password) {
		t.Error("a tenant page lists logins that do not work there")
	}
	real := newHarness(t)
	if strings.Contains(real.client(consoleHost).get("/accedi").Body, demo.Password) {
		t.Error("a real installation shows the demo password")
	}
	if got := demoLogins(&reqInfo{Tenant: &tenants.Tenant{Slug: "marinadiponente"}}); len(got) != 5 {
		t.Errorf("marinadiponente has %d demo logins, want 5 (4 staff and the shared secretary)", len(got))
	}
}
