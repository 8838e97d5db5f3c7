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
		{name: "admin of borgo", host: authBorgo, key: "admin@borgo"},
		{name: "editor of borgo", host: authBorgo, key: "editor@borgo"},
		{name: "operator of borgo", host: "servizi.borgo.example.it", key: "operator@borgo"},
		{name: "viewer of borgo", host: authBorgo, key: "viewer@borgo"},
		{name: "admin of marina", host: authMarina, key: "admin@marina"},
		{name: "operator of marina, email in capitals with spaces", host: authMarina, key: "operator@marina", email: "  OPERATOR@MARINA.example.it "},
		{name: "staff of both on borgo", host: authBorgo, key: "both"},
		{name: "staff of both on marina", host: authMarina, key: "both"},
		{name: "platform operator on the console", host: authConsole, key: "platform"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.client(tt.host)
			c.remote = "192.0.2." + strconv.Itoa(100+i) + ":1000" // an address per case
			p := surfacePaths(tt.host)
			authExpect(t, c.get(p.Login), 200, `action="`+p.Login+`"`, `name="email"`, `name="password"`, `autocomplete="current-password"`, `name="csrf"`)

			// A token planted in the browser before sign-in (session fixation) must
			// not survive it.
			planted, plantedHash := secret.Token()
			now := clk.now().UTC()
			tenantID := audit.PlatformTenant
			if tt.host != authConsole {
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
			c.setSessionCookie(planted)

			email := tt.email
			if email == "" {
				email = h.staffEmail(tt.key)
			}
			authRedirect(t, c.staffLogin(email, testPassword), p.Home)
			got := c.sessionCookie()
			if got == "" || got == planted {
				t.Fatalf("session token not rotated at sign-in: %q", got)
			}
			if h.sessionRowExists(t, planted, clk.now()) {
				t.Fatal("the planted session still exists")
			}
			r := c.get(p.Security)
			authExpect(t, r, 200, "Sicurezza dell'account", "Cambia la password")
			if r.Header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
			}
			// Signed in, the sign-in page goes straight on.
			authRedirect(t, c.get(p.Login), p.Home)
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
		{"wrong password", authBorgo, h.staffEmail("admin@borgo"), "una-password-sbagliata"},
		{"unknown email", authBorgo, "nessuno@borgo.example.it", testPassword},
		{"empty password", authBorgo, h.staffEmail("admin@borgo"), ""},
		{"staff of borgo on marina", authMarina, h.staffEmail("admin@borgo"), testPassword},
		{"staff of marina on borgo", authBorgo, h.staffEmail("operator@marina"), testPassword},
		{"platform operator on a tenant", authBorgo, h.staffEmail("platform"), testPassword},
		{"tenant admin on the console", authConsole, h.staffEmail("admin@borgo"), testPassword},
		{"admin of both on the console", authConsole, h.staffEmail("both"), testPassword},
		{"unknown email on the console", authConsole, "nessuno@piazza.example.it", testPassword},
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.client(tt.host)
			r := c.staffLogin(tt.email, tt.password)
			authExpect(t, r, http.StatusUnauthorized, badCredentials, `value="`+strings.TrimSpace(tt.email)+`"`)
			for _, ck := range r.Cookies() {
				if ck.Name == "piazza_session" {
					t.Fatalf("a refused sign-in set a session cookie")
				}
			}
			if c.isSignedIn(t) {
				t.Fatal("signed in after a refused sign-in")
			}
			messages = append(messages, errorSummaryText(t, r.Body))
		})
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("refusals differ: %q vs %q", m, messages[0])
		}
	}
}

var summaryRE = regexp.MustCompile(`(?s)<div class="alert alert-danger" role="alert" id="error-summary" tabindex="-1">(.*?)</div>`)

func errorSummaryText(t *testing.T, body string) string {
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
	onBorgo, onMarina := h.client(authBorgo), h.client(authMarina)
	authRedirect(t, onBorgo.staffLogin(h.staffEmail("both"), testPassword), "/backoffice")
	authRedirect(t, onMarina.staffLogin(h.staffEmail("both"), testPassword), "/backoffice")
	if onBorgo.sessionCookie() == onMarina.sessionCookie() {
		t.Fatal("one session for two tenants")
	}
	// Borgo's session presented on marina's host is not a marina session: the back
	// office does not exist for it.
	stolen := h.client(authMarina)
	stolen.setSessionCookie(onBorgo.sessionCookie())
	authExpect(t, stolen.get("/backoffice/sicurezza"), http.StatusNotFound)
	console := h.client(authConsole)
	console.setSessionCookie(onBorgo.sessionCookie())
	if console.isSignedIn(t) {
		t.Fatal("a tenant session works on the console")
	}
	// Signing out of borgo leaves marina signed in.
	authRedirect(t, onBorgo.post("/backoffice/esci", nil), "/backoffice/accedi")
	if onBorgo.isSignedIn(t) || !onMarina.isSignedIn(t) {
		t.Fatal("sign-out must end only the session it belongs to")
	}
}

func TestLogout(t *testing.T) {
	for _, host := range []string{authBorgo, authConsole} {
		t.Run(host, func(t *testing.T) {
			h, clk := newAuthHarness(t)
			key := "admin@borgo"
			tenantID := h.borgo.ID
			if host == authConsole {
				key, tenantID = "platform", audit.PlatformTenant
			}
			p := surfacePaths(host)
			c := h.client(host)
			authRedirect(t, c.staffLogin(h.staffEmail(key), testPassword), p.Home)
			token := c.sessionCookie()
			csrf := c.authCookie("piazza_csrf")
			if !h.sessionRowExists(t, token, clk.now()) {
				t.Fatal("no session row after sign-in")
			}
			authRedirect(t, c.post(p.Logout, nil), p.Login)
			if h.sessionRowExists(t, token, clk.now()) {
				t.Fatal("the session row survived sign-out")
			}
			if c.authCookie("piazza_csrf") == csrf {
				t.Error("the CSRF cookie must change at sign-out")
			}
			authExpect(t, c.get(p.Login), 200, "Sei uscito.")
			if c.isSignedIn(t) {
				t.Fatal("still signed in")
			}
			// The old token, replayed, is worthless.
			c.setSessionCookie(token)
			if c.isSignedIn(t) {
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
	c := h.client(authBorgo)
	authRedirect(t, c.get("/backoffice/sicurezza"), "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
	authExpect(t, c.get("/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza"), 200, `name="next" value="/backoffice/sicurezza"`)
	tests := []struct{ next, want string }{
		{"/backoffice/sicurezza", "/backoffice/sicurezza"},
		{"//evil.example/x", "/backoffice"},
		{"https://evil.example/", "/backoffice"},
		{"/\\evil.example", "/backoffice"},
		{"", "/backoffice"},
	}
	for _, tt := range tests {
		c := h.client(authBorgo)
		r := c.post("/backoffice/accedi", url.Values{"email": {h.staffEmail("editor@borgo")}, "password": {testPassword}, "next": {tt.next}})
		authRedirect(t, r, tt.want)
	}
}

// TestLockAfterFailures: five failures for one email lock it, even against the
// right password, until the lock ends.
func TestLockAfterFailures(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(authBorgo)
	for i := 0; i < 5; i++ {
		authExpect(t, c.staffLogin(h.staffEmail("editor@borgo"), "sbagliata-"+string(rune('a'+i))), http.StatusUnauthorized, badCredentials)
	}
	if a := h.authAccount(t, h.acc["editor@borgo"].ID); !a.Locked(clk.now()) {
		t.Fatal("the account is not locked after five failures")
	}
	// From another address too: the lock is on the account.
	other := h.client(authBorgo)
	other.remote = "198.51.100.20:5555"
	r := other.staffLogin(h.staffEmail("editor@borgo"), testPassword)
	authExpect(t, r, http.StatusTooManyRequests, "Troppi tentativi")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if other.isSignedIn(t) {
		t.Fatal("signed in while locked")
	}
	clk.advance(10 * time.Minute)
	authExpect(t, other.staffLogin(h.staffEmail("editor@borgo"), testPassword), http.StatusTooManyRequests)
	// Others are not affected.
	authRedirect(t, h.client(authBorgo).staffLogin(h.staffEmail("viewer@borgo"), testPassword), "/backoffice")
	clk.advance(6 * time.Minute)
	authRedirect(t, other.staffLogin(h.staffEmail("editor@borgo"), testPassword), "/backoffice")
}

// TestThrottlePerAddress: 20 failures from one address, across emails, stop that
// address for the window; other addresses go on.
func TestThrottlePerAddress(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(authBorgo)
	c.remote = "203.0.113.9:4000"
	for i := 0; i < 20; i++ {
		email := "sconosciuto" + strings.Repeat("x", i) + "@borgo.example.it"
		authExpect(t, c.staffLogin(email, testPassword), http.StatusUnauthorized, badCredentials)
	}
	authExpect(t, c.staffLogin(h.staffEmail("admin@borgo"), testPassword), http.StatusTooManyRequests, "Troppi tentativi")
	// The reset form is throttled from that address too.
	authExpect(t, c.post("/backoffice/password-dimenticata", url.Values{"email": {h.staffEmail("admin@borgo")}}), http.StatusTooManyRequests)
	if len(h.mailJobs(t)) != 0 {
		t.Fatal("a throttled address got a reset mail sent")
	}
	// The same address on another tenant's host is the same client.
	m := h.client(authMarina)
	m.remote = c.remote
	authExpect(t, m.staffLogin(h.staffEmail("admin@marina"), testPassword), http.StatusTooManyRequests)
	other := h.client(authBorgo)
	other.remote = "203.0.113.10:4000"
	authRedirect(t, other.staffLogin(h.staffEmail("admin@borgo"), testPassword), "/backoffice")
	clk.advance(16 * time.Minute)
	authRedirect(t, c.staffLogin(h.staffEmail("admin@borgo"), testPassword), "/backoffice")
}

func TestSecondFactorSignIn(t *testing.T) {
	for _, host := range []string{authBorgo, authConsole} {
		t.Run(host, func(t *testing.T) {
			h, clk := newAuthHarness(t)
			key := "operator@borgo"
			if host == authConsole {
				key = "platform"
			}
			p := surfacePaths(host)
			sec := enableTOTPViaPage(t, h.staff(host, key), clk)
			clk.advance(30 * time.Second) // the code used to confirm is spent

			c := h.client(host)
			r := c.staffLogin(h.staffEmail(key), testPassword)
			authRedirect(t, r, p.Code)
			pending := c.sessionCookie()
			if pending == "" {
				t.Fatal("no session for the pending sign-in")
			}
			if c.isSignedIn(t) {
				t.Fatal("signed in with the password alone")
			}
			authExpect(t, c.get(p.Code), 200, "Verifica in due passaggi", `autocomplete="one-time-code"`)
			r = c.post(p.Code, url.Values{"code": {"000000"}})
			authExpect(t, r, http.StatusUnauthorized, "Il codice non è corretto", `aria-invalid="true"`, `<a href="#code">`)
			code := totpCodeAt(t, sec, clk.now())
			authRedirect(t, c.post(p.Code, url.Values{"code": {code[:3] + " " + code[3:]}}), p.Home)
			if c.sessionCookie() == pending {
				t.Fatal("the session token did not change when the sign-in completed")
			}
			if !c.isSignedIn(t) {
				t.Fatal("not signed in after the code")
			}

			// The same code cannot be used twice.
			again := h.client(host)
			authRedirect(t, again.staffLogin(h.staffEmail(key), testPassword), p.Code)
			authExpect(t, again.post(p.Code, url.Values{"code": {code}}), http.StatusUnauthorized, "Il codice non è corretto")
			clk.advance(30 * time.Second)
			authRedirect(t, again.post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), p.Home)

			// The step after the password expires.
			late := h.client(host)
			clk.advance(30 * time.Second)
			authRedirect(t, late.staffLogin(h.staffEmail(key), testPassword), p.Code)
			clk.advance(6 * time.Minute)
			r = late.post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}})
			authExpect(t, r, http.StatusUnauthorized, "Il tempo per inserire il codice di verifica è scaduto", `action="`+p.Login+`"`)
			if late.isSignedIn(t) {
				t.Fatal("signed in after the pending step expired")
			}
			authRedirect(t, late.get(p.Code), p.Login)

			// Without a password first, the code page is not reachable.
			authRedirect(t, h.client(host).get(p.Code), p.Login)
			authRedirect(t, h.client(host).post(p.Code, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), p.Login)
		})
	}
}

func TestWrongCodesLockTheAccount(t *testing.T) {
	h, clk := newAuthHarness(t)
	sec := enableTOTPViaPage(t, h.staff(authBorgo, "viewer@borgo"), clk)
	clk.advance(30 * time.Second)
	c := h.client(authBorgo)
	authRedirect(t, c.staffLogin(h.staffEmail("viewer@borgo"), testPassword), "/backoffice/accedi/codice")
	for i := 0; i < 5; i++ {
		authExpect(t, c.post("/backoffice/accedi/codice", url.Values{"code": {"12345" + string(rune('0'+i))}}), http.StatusUnauthorized)
	}
	r := c.post("/backoffice/accedi/codice", url.Values{"code": {totpCodeAt(t, sec, clk.now())}})
	authExpect(t, r, http.StatusTooManyRequests, "Troppi tentativi", `action="/backoffice/accedi"`)
	if c.isSignedIn(t) {
		t.Fatal("signed in with a locked account")
	}
}

func TestMandatorySecondFactor(t *testing.T) {
	h, clk := newAuthHarness(t)
	// A staff member already signed in before the rule: every back-office page
	// sends them to the security page until they set it up.
	early := h.staff(authBorgo, "viewer@borgo")
	h.setRequireTOTP(t, &h.borgo)
	h.srv.tenantMx.Handle("GET /backoffice/prova", h.srv.wrap(route{pattern: "GET /backoffice/prova", access: staff,
		handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("pagina del back office")) }}))
	authRedirect(t, early.get("/backoffice/prova"), "/backoffice/sicurezza")
	authExpect(t, early.get("/backoffice/sicurezza"), 200, "L'ente richiede la verifica in due passaggi")
	enableTOTPViaPage(t, early, clk)
	authExpect(t, early.get("/backoffice/prova"), 200, "pagina del back office")

	// Signing in without a factor: enrollment comes before any back-office page.
	c := h.client(authBorgo)
	authRedirect(t, c.staffLogin(h.staffEmail("editor@borgo"), testPassword), "/backoffice/accedi/attiva-codice")
	if c.isSignedIn(t) {
		t.Fatal("signed in before enrolling")
	}
	authRedirect(t, c.get("/backoffice/prova"), "/backoffice/accedi?next=%2Fbackoffice%2Fprova")
	authRedirect(t, c.get("/backoffice/accedi/codice"), "/backoffice/accedi/attiva-codice")
	page := c.get("/backoffice/accedi/attiva-codice")
	authExpect(t, page, 200, "Attiva la verifica in due passaggi", "inquadrando questo codice QR")
	sec := pageTOTPSecret(t, page.Body)
	// Reloading shows the same key (the pending one is kept).
	if again := pageTOTPSecret(t, c.get("/backoffice/accedi/attiva-codice").Body); again != sec {
		t.Fatal("the pending key changed on reload")
	}
	authExpect(t, c.post("/backoffice/accedi/attiva-codice", url.Values{"code": {"000000"}}), http.StatusUnprocessableEntity, "Il codice non è corretto")
	if h.authAccount(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("a wrong code enabled the factor")
	}
	pending := c.sessionCookie()
	authRedirect(t, c.post("/backoffice/accedi/attiva-codice", url.Values{"code": {totpCodeAt(t, sec, clk.now())}}), "/backoffice")
	if c.sessionCookie() == pending {
		t.Fatal("the session token did not change when the sign-in completed")
	}
	authExpect(t, c.get("/backoffice/prova"), 200, "pagina del back office")
	if !h.authAccount(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("the factor is not enabled")
	}
	// It cannot be turned off while the tenant requires it.
	page = c.get("/backoffice/sicurezza")
	authExpect(t, page, 200, "L'ente la rende obbligatoria")
	if strings.Contains(page.Body, `value="totp_disable"`) {
		t.Error("the disable form is offered although the tenant requires the factor")
	}
	authExpect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {testPassword}}), http.StatusForbidden)
	if !h.authAccount(t, h.acc["editor@borgo"].ID).TOTPEnabled {
		t.Fatal("the factor was turned off")
	}
	// Next time the code is asked, as for anyone with a factor.
	clk.advance(30 * time.Second)
	c2 := h.client(authBorgo)
	authRedirect(t, c2.staffLogin(h.staffEmail("editor@borgo"), testPassword), "/backoffice/accedi/codice")
	// Marina does not require it.
	authRedirect(t, h.client(authMarina).staffLogin(h.staffEmail("admin@marina"), testPassword), "/backoffice")
}

func TestPasswordReset(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.client(authBorgo)
	authExpect(t, c.get("/backoffice/password-dimenticata"), 200, `action="/backoffice/password-dimenticata"`)

	// Known and unknown addresses get the same answer; only the known one a mail.
	known := c.post("/backoffice/password-dimenticata", url.Values{"email": {h.staffEmail("admin@borgo")}})
	authExpect(t, known, 200, "Controlla la posta")
	link := h.mailedResetLink(t, h.staffEmail("admin@borgo"))
	if !strings.HasPrefix(link, "http://borgo.example.it/backoffice/reimposta-password?token=") {
		t.Fatalf("link %q", link)
	}
	for _, email := range []string{"nessuno@borgo.example.it", h.staffEmail("admin@marina"), h.staffEmail("platform")} {
		r := c.post("/backoffice/password-dimenticata", url.Values{"email": {email}})
		if r.StatusCode != known.StatusCode || text(r.Body) != text(known.Body) {
			t.Errorf("%s: the answer differs from a known address's", email)
		}
	}
	if ms := h.mailJobs(t); len(ms) != 0 {
		t.Fatalf("mails for addresses that may not sign in here: %+v", ms)
	}
	authExpect(t, c.post("/backoffice/password-dimenticata", url.Values{"email": {"non-una-email"}}), http.StatusUnprocessableEntity, "Inserisci un indirizzo email valido")

	// The account is locked and signed in elsewhere before the reset.
	elsewhere := h.staff(authBorgo, "admin@borgo")
	for i := 0; i < 5; i++ {
		h.client(authBorgo).staffLogin(h.staffEmail("admin@borgo"), "sbagliata-"+string(rune('a'+i)))
	}
	authExpect(t, h.client(authBorgo).staffLogin(h.staffEmail("admin@borgo"), testPassword), http.StatusTooManyRequests)

	// The link opens the form, without leaking itself as a Referer.
	r := c.get(linkPath(t, link))
	authExpect(t, r, 200, "Scegli una nuova password", `name="token"`, `autocomplete="new-password"`)
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
		authExpect(t, r, http.StatusUnprocessableEntity, b.want)
	}
	if !h.accounts.ResetTokenValid(context.Background(), token) {
		t.Fatal("a refused form used up the token")
	}
	authRedirect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {newPassword}, "confirm": {newPassword}}), "/backoffice/accedi")
	authExpect(t, c.get("/backoffice/accedi"), 200, "Password salvata.")
	if elsewhere.isSignedIn(t) {
		t.Fatal("the reset did not end the other sessions")
	}
	// Unlocked, with the new password only.
	authExpect(t, h.client(authBorgo).staffLogin(h.staffEmail("admin@borgo"), testPassword), http.StatusUnauthorized)
	authRedirect(t, h.client(authBorgo).staffLogin(h.staffEmail("admin@borgo"), newPassword), "/backoffice")

	// The link works once.
	authExpect(t, c.get(linkPath(t, link)), http.StatusNotFound, "Collegamento non valido", "non è valido, è scaduto o è già stato usato")
	authExpect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {"altra-password-lunga"}, "confirm": {"altra-password-lunga"}}), http.StatusNotFound)
	authExpect(t, c.get("/backoffice/reimposta-password?token=inventato"), http.StatusNotFound, "Chiedi un nuovo collegamento")
	authExpect(t, c.get("/backoffice/reimposta-password"), http.StatusNotFound)

	// An expired link is refused.
	c.post("/backoffice/password-dimenticata", url.Values{"email": {h.staffEmail("editor@borgo")}})
	expired := h.mailedResetLink(t, h.staffEmail("editor@borgo"))
	clk.advance(61 * time.Minute)
	authExpect(t, c.get(linkPath(t, expired)), http.StatusNotFound)
	tok := expired[strings.Index(expired, "token=")+len("token="):]
	authExpect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {tok}, "password": {newPassword}, "confirm": {newPassword}}), http.StatusNotFound)
	authRedirect(t, h.client(authBorgo).staffLogin(h.staffEmail("editor@borgo"), testPassword), "/backoffice")
}

func TestPasswordResetOnConsole(t *testing.T) {
	h, _ := newAuthHarness(t)
	c := h.client(authConsole)
	authExpect(t, c.post("/password-dimenticata", url.Values{"email": {h.staffEmail("admin@borgo")}}), 200, "Controlla la posta")
	if ms := h.mailJobs(t); len(ms) != 0 {
		t.Fatal("a tenant admin got a console reset link")
	}
	authExpect(t, c.post("/password-dimenticata", url.Values{"email": {h.staffEmail("platform")}}), 200, "Controlla la posta")
	link := h.mailedResetLink(t, h.staffEmail("platform"))
	if !strings.HasPrefix(link, "http://piazza.localhost/reimposta-password?token=") {
		t.Fatalf("link %q", link)
	}
	authExpect(t, c.get(linkPath(t, link)), 200, "Scegli una nuova password")
	token := link[strings.Index(link, "token=")+len("token="):]
	authRedirect(t, c.post("/reimposta-password", url.Values{"token": {token}, "password": {"console-nuova-chiave"}, "confirm": {"console-nuova-chiave"}}), "/accedi")
	authRedirect(t, h.client(authConsole).staffLogin(h.staffEmail("platform"), "console-nuova-chiave"), "/")
}

func TestChangePassword(t *testing.T) {
	for _, host := range []string{authBorgo, authConsole} {
		t.Run(host, func(t *testing.T) {
			h, _ := newAuthHarness(t)
			key := "editor@borgo"
			if host == authConsole {
				key = "platform"
			}
			p := surfacePaths(host)
			c := h.client(host)
			authRedirect(t, c.staffLogin(h.staffEmail(key), testPassword), p.Home)
			elsewhere := h.client(host)
			authRedirect(t, elsewhere.staffLogin(h.staffEmail(key), testPassword), p.Home)
			const next = "nuova-password-sicura"
			bad := []struct{ current, password, confirm, want, field string }{
				{"sbagliata-davvero", next, next, "La password non è corretta", "current"},
				{testPassword, "corta", "corta", "almeno 10 caratteri", "password"},
				{testPassword, next, next + "!", "Le due password non coincidono", "confirm"},
			}
			for _, b := range bad {
				r := c.post(p.Security, url.Values{"action": {"password"}, "current": {b.current}, "password": {b.password}, "confirm": {b.confirm}})
				authExpect(t, r, http.StatusUnprocessableEntity, b.want, `<a href="#`+b.field+`">`)
			}
			authRedirect(t, h.client(host).staffLogin(h.staffEmail(key), testPassword), p.Home) // unchanged
			before := c.sessionCookie()
			authRedirect(t, c.post(p.Security, url.Values{"action": {"password"}, "current": {testPassword}, "password": {next}, "confirm": {next}}), p.Security)
			if c.sessionCookie() == before {
				t.Error("the session token must change with the password")
			}
			authExpect(t, c.get(p.Security), 200, "Password cambiata.")
			if elsewhere.isSignedIn(t) {
				t.Fatal("other sessions survived the password change")
			}
			authExpect(t, h.client(host).staffLogin(h.staffEmail(key), testPassword), http.StatusUnauthorized)
			authRedirect(t, h.client(host).staffLogin(h.staffEmail(key), next), p.Home)
		})
	}
}

func TestTurnSecondFactorOff(t *testing.T) {
	h, clk := newAuthHarness(t)
	c := h.staff(authBorgo, "admin@borgo")
	enableTOTPViaPage(t, c, clk)
	authExpect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_begin"}}), http.StatusConflict, "già attiva")
	r := c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {"non-e-lei"}})
	authExpect(t, r, http.StatusUnprocessableEntity, "La password non è corretta", `<a href="#totp_password">`, `id="totp_password-error"`)
	if strings.Contains(r.Body, `id="password-error"`) {
		t.Error("the disable form's error shows on the change-password form")
	}
	if !h.authAccount(t, h.acc["admin@borgo"].ID).TOTPEnabled {
		t.Fatal("turned off with a wrong password")
	}
	authRedirect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"totp_disable"}, "totp_password": {testPassword}}), "/backoffice/sicurezza")
	authExpect(t, c.get("/backoffice/sicurezza"), 200, "Verifica in due passaggi disattivata.", "non è attiva")
	if h.authAccount(t, h.acc["admin@borgo"].ID).TOTPEnabled {
		t.Fatal("still on")
	}
	authRedirect(t, h.client(authBorgo).staffLogin(h.staffEmail("admin@borgo"), testPassword), "/backoffice")
	authExpect(t, c.post("/backoffice/sicurezza", url.Values{"action": {"boh"}}), http.StatusUnprocessableEntity)
}

// TestCSRFOnEveryPost: each form refuses a missing or forged token with 403 and
// changes nothing.
func TestCSRFOnEveryPost(t *testing.T) {
	h, clk := newAuthHarness(t)
	ctx := context.Background()
	// A pending second-factor sign-in and a valid reset token to aim at.
	sec := enableTOTPViaPage(t, h.staff(authBorgo, "operator@borgo"), clk)
	clk.advance(30 * time.Second)
	h.client(authBorgo).post("/backoffice/password-dimenticata", url.Values{"email": {h.staffEmail("viewer@borgo")}})
	token := strings.SplitN(h.mailedResetLink(t, h.staffEmail("viewer@borgo")), "token=", 2)[1]

	type tc struct {
		name, host, path string
		client           func() *client
		form             url.Values
		unchanged        func(t *testing.T, c *client)
	}
	staffClient := func(host, key string) func() *client {
		return func() *client {
			c := h.client(host)
			if r := c.staffLogin(h.staffEmail(key), testPassword); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in for the test: %d", r.StatusCode)
			}
			return c
		}
	}
	anon := func(host string) func() *client { return func() *client { return h.client(host) } }
	notSignedIn := func(t *testing.T, c *client) {
		if c.isSignedIn(t) {
			t.Fatal("signed in")
		}
	}
	stillSignedIn := func(t *testing.T, c *client) {
		if !c.isSignedIn(t) {
			t.Fatal("signed out")
		}
	}
	passwordKept := func(key string) func(t *testing.T, c *client) {
		return func(t *testing.T, c *client) {
			if ok, _ := passwordIs(h, t, key, testPassword); !ok {
				t.Fatal("the password changed")
			}
		}
	}
	noMail := func(t *testing.T, c *client) {
		if ms := h.mailJobs(t); len(ms) != 0 {
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
		{"sign-in", authBorgo, "/backoffice/accedi", anon(authBorgo), url.Values{"email": {h.staffEmail("admin@borgo")}, "password": {testPassword}}, notSignedIn},
		{"console sign-in", authConsole, "/accedi", anon(authConsole), url.Values{"email": {h.staffEmail("platform")}, "password": {testPassword}}, notSignedIn},
		{"code", authBorgo, "/backoffice/accedi/codice", func() *client {
			c := h.client(authBorgo)
			c.staffLogin(h.staffEmail("operator@borgo"), testPassword)
			return c
		}, url.Values{"code": {totpCodeAt(t, sec, clk.now())}}, notSignedIn},
		{"console code", authConsole, "/accedi/codice", anon(authConsole), url.Values{"code": {"123456"}}, notSignedIn},
		{"enroll", authBorgo, "/backoffice/accedi/attiva-codice", anon(authBorgo), url.Values{"code": {"123456"}}, notSignedIn},
		{"forgot", authBorgo, "/backoffice/password-dimenticata", anon(authBorgo), url.Values{"email": {h.staffEmail("admin@borgo")}}, noMail},
		{"console forgot", authConsole, "/password-dimenticata", anon(authConsole), url.Values{"email": {h.staffEmail("platform")}}, noMail},
		{"reset", authBorgo, "/backoffice/reimposta-password", anon(authBorgo), url.Values{"token": {token}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, tokenKept},
		{"console reset", authConsole, "/reimposta-password", anon(authConsole), url.Values{"token": {token}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, tokenKept},
		{"sign-out", authBorgo, "/backoffice/esci", staffClient(authBorgo, "admin@borgo"), url.Values{}, stillSignedIn},
		{"console sign-out", authConsole, "/esci", staffClient(authConsole, "platform"), url.Values{}, stillSignedIn},
		{"change password", authBorgo, "/backoffice/sicurezza", staffClient(authBorgo, "editor@borgo"),
			url.Values{"action": {"password"}, "current": {testPassword}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, passwordKept("editor@borgo")},
		{"console change password", authConsole, "/sicurezza", staffClient(authConsole, "platform"),
			url.Values{"action": {"password"}, "current": {testPassword}, "password": {"nuova-password-x"}, "confirm": {"nuova-password-x"}}, passwordKept("platform")},
		{"begin factor", authBorgo, "/backoffice/sicurezza", staffClient(authBorgo, "both"), url.Values{"action": {"totp_begin"}}, func(t *testing.T, c *client) {
			if a := h.authAccount(t, h.acc["both"].ID); a.TOTPSecretEnc != "" || a.TOTPEnabled {
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
				authExpect(t, r, http.StatusForbidden, "La pagina è scaduta per motivi di sicurezza")
				tt.unchanged(t, c)
			})
		}
	}
	// A token made for another browser's cookie is forged too.
	a, b := h.client(authBorgo), h.client(authBorgo)
	r := a.post("/backoffice/accedi", url.Values{"email": {h.staffEmail("admin@borgo")}, "password": {testPassword}, "csrf": {b.csrf()}})
	authExpect(t, r, http.StatusForbidden)
}

func passwordIs(h *harness, t *testing.T, key, password string) (bool, bool) {
	t.Helper()
	return accounts.VerifyPassword(h.authAccount(t, h.acc[key].ID).PasswordHash, password)
}

func authTestCitizen() accounts.Identity {
	return accounts.Identity{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Level: "https://www.spid.gov.it/SpidL2"}
}

func TestTamperedSessionCookie(t *testing.T) {
	h, _ := newAuthHarness(t)
	c := h.client(authBorgo)
	authRedirect(t, c.staffLogin(h.staffEmail("admin@borgo"), testPassword), "/backoffice")
	good := c.sessionCookie()
	flip := []byte(good)
	if flip[len(flip)-1] == 'A' {
		flip[len(flip)-1] = 'B'
	} else {
		flip[len(flip)-1] = 'A'
	}
	for _, v := range []string{string(flip), good + "x", "", strings.Repeat("a", 300), "../../etc"} {
		c.setSessionCookie(v)
		r := c.get("/backoffice/sicurezza")
		authRedirect(t, r, "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
		authExpect(t, c.get("/backoffice/accedi"), 200, `action="/backoffice/accedi"`)
	}
	c.setSessionCookie(good)
	if !c.isSignedIn(t) {
		t.Fatal("the untouched token stopped working")
	}
}

func TestAuthPagesAreNotCached(t *testing.T) {
	h, _ := newAuthHarness(t)
	pages := []struct{ host, path string }{
		{authBorgo, "/backoffice/accedi"},
		{authBorgo, "/backoffice/password-dimenticata"},
		{authBorgo, "/backoffice/reimposta-password?token=x"},
		{authBorgo, "/backoffice/accedi/codice"},
		{authBorgo, "/backoffice/accedi/attiva-codice"},
		{authConsole, "/accedi"},
		{authConsole, "/password-dimenticata"},
		{authConsole, "/reimposta-password?token=x"},
	}
	for _, p := range pages {
		r := h.client(p.host).get(p.path)
		if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("%s%s: Cache-Control %q", p.host, p.path, got)
		}
	}
	for _, host := range []string{authBorgo, authConsole} {
		key := "admin@borgo"
		if host == authConsole {
			key = "platform"
		}
		c := h.staff(host, key)
		for _, r := range []*response{c.get(surfacePaths(host).Security), c.staffLogin(h.staffEmail(key), "sbagliata-123")} {
			if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("%s: Cache-Control %q", host, got)
			}
		}
	}
}

func TestAuthPagesInEnglish(t *testing.T) {
	h, _ := newAuthHarness(t)
	for _, host := range []string{authBorgo, authConsole} {
		p := surfacePaths(host)
		for _, path := range []string{p.Login, p.Forgot, p.Reset + "?token=x"} {
			req := reqLang(path, "en")
			r := h.client(host).do(req)
			body := authVisible(r.Body)
			if !strings.Contains(body, `lang="en"`) || strings.Contains(body, "auth.") {
				t.Errorf("%s%s: not fully English\n%s", host, path, text(r.Body))
			}
		}
	}
	c := h.client(authBorgo)
	req := reqLang("/backoffice/accedi", "en")
	r := c.do(req)
	if !strings.Contains(r.Body, "Sign in to the back office") {
		t.Errorf("English title missing")
	}
}

func TestSecurityPageNeedsSignIn(t *testing.T) {
	h, _ := newAuthHarness(t)
	authRedirect(t, h.client(authBorgo).get("/backoffice/sicurezza"), "/backoffice/accedi?next=%2Fbackoffice%2Fsicurezza")
	authRedirect(t, h.client(authConsole).get("/sicurezza"), "/accedi?next=%2Fsicurezza")
	authRedirect(t, h.client(authBorgo).post("/backoffice/sicurezza", url.Values{"action": {"password"}}), "/backoffice/accedi")
	// A citizen of borgo is not staff: the back office does not exist for them.
	cit := h.client(authBorgo)
	citizen, err := h.accounts.CitizenSignIn(context.Background(), h.borgo.ID, authTestCitizen())
	if err != nil {
		t.Fatal(err)
	}
	cit.signIn(session.Citizen, 0, citizen.ID)
	authExpect(t, cit.get("/backoffice/sicurezza"), http.StatusNotFound)
}

// TestDemoLoginsOnSignInPage: a demo installation lists the demo logins that work
// where the page is; a real one never does.
func TestDemoLoginsOnSignInPage(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Demo = true })
	console := h.client(authConsole).get("/accedi")
	authExpect(t, console, 200, "Installazione dimostrativa", demo.Password, "operatore@piazza.example")
	if strings.Contains(console.Body, "borgofiorito") {
		t.Error("the console lists tenant logins")
	}
	// The harness tenants are not demo comuni: no logins to list.
	if strings.Contains(h.client(authBorgo).get("/backoffice/accedi").Body, demo.Password) {
		t.Error("a tenant page lists logins that do not work there")
	}
	real := newHarness(t)
	if strings.Contains(real.client(authConsole).get("/accedi").Body, demo.Password) {
		t.Error("a real installation shows the demo password")
	}
	if got := demoLogins(&reqInfo{Tenant: &tenants.Tenant{Slug: "marinadiponente"}}); len(got) != 5 {
		t.Errorf("marinadiponente has %d demo logins, want 5 (4 staff and the shared secretary)", len(got))
	}
}
