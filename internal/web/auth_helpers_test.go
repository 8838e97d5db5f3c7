package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/mail"
	"piazza/internal/secret"
	"piazza/internal/tenants"
)

const (
	authBorgo   = "borgo.example.it"
	authMarina  = "marina.example.it"
	authConsole = "piazza.localhost"
)

// authClock is the wall clock plus an offset that a test moves forward.
type authClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *authClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *authClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// newAuthHarness is newHarness with a clock the test controls, shared by the web
// server (sessions, pending sign-ins) and the accounts service (throttling, locks,
// codes, reset links).
func newAuthHarness(t *testing.T) (*harness, *authClock) {
	t.Helper()
	clk := &authClock{}
	h := newHarness(t, func(d *Deps) { d.Now = clk.now })
	h.accounts = accounts.NewService(h.db, h.keys, h.srv.Mailer(), accounts.DefaultPolicy, clk.now)
	h.srv.Accounts = h.accounts
	return h, clk
}

// pathsOf returns the sign-in URLs of the surface a host serves.
func surfacePaths(host string) *authPaths {
	if host == authConsole {
		return &consolePaths
	}
	return &backofficePaths
}

func (c *client) authCookie(name string) string {
	for _, ck := range c.jar.Cookies(&url.URL{Scheme: "http", Host: c.host, Path: "/"}) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) sessionCookie() string { return c.authCookie("piazza_session") }

func (c *client) setSessionCookie(v string) {
	c.jar.SetCookies(&url.URL{Scheme: "http", Host: c.host, Path: "/"}, []*http.Cookie{{Name: "piazza_session", Value: v, Path: "/"}})
}

// login posts the sign-in form of the client's surface.
func (c *client) staffLogin(email, password string) *response {
	c.h.t.Helper()
	return c.post(surfacePaths(c.host).Login, url.Values{"email": {email}, "password": {password}})
}

// signedIn reports whether the client is signed in on its surface: the security
// page answers 200 when it is and sends it to the sign-in page when it is not.
func (c *client) isSignedIn(t *testing.T) bool {
	t.Helper()
	r := c.get(surfacePaths(c.host).Security)
	switch {
	case r.StatusCode == http.StatusOK:
		return true
	case r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), surfacePaths(c.host).Login):
		return false
	}
	t.Fatalf("security page: status %d, location %q", r.StatusCode, r.Header.Get("Location"))
	return false
}

// visible is the page with entities decoded, for assertions on text and markup.
func authVisible(body string) string { return html.UnescapeString(body) }

func authExpect(t *testing.T, r *response, status int, want ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; location %q\n%s", r.StatusCode, status, r.Header.Get("Location"), text(r.Body))
	}
	body := authVisible(r.Body)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("missing %q in\n%s", w, text(r.Body))
		}
	}
}

func authRedirect(t *testing.T, r *response, to string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != to {
		t.Fatalf("status %d location %q, want 303 to %q\n%s", r.StatusCode, r.Header.Get("Location"), to, text(r.Body))
	}
}

// sessionExists reports whether the session of a token is in the database.
func (h *harness) sessionRowExists(t *testing.T, token string, now time.Time) bool {
	t.Helper()
	_, err := h.db.SessionByHash(context.Background(), secret.HashToken(token), now)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func (h *harness) authAccount(t *testing.T, id int64) accounts.Account {
	t.Helper()
	a, err := h.db.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (h *harness) staffEmail(key string) string { return h.acc[key].Email }

// newMails returns the "mail.send" jobs enqueued since the last call, by leasing
// them from the jobs table as a worker would (without sending them).
func (h *harness) mailJobs(t *testing.T) []mail.Message {
	t.Helper()
	js, err := h.db.ClaimJobs(context.Background(), "test", 100, 24*time.Hour, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Message
	for _, j := range js {
		if j.Kind != mail.JobKind {
			t.Fatalf("unexpected job kind %q", j.Kind)
		}
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var resetLinkRE = regexp.MustCompile(`https?://\S+reimposta-password\?token=[A-Za-z0-9_-]+`)

// resetLink returns the one reset link mailed to email since the last check.
func (h *harness) mailedResetLink(t *testing.T, email string) string {
	t.Helper()
	ms := h.mailJobs(t)
	if len(ms) != 1 || len(ms[0].To) != 1 || ms[0].To[0] != email {
		t.Fatalf("want one mail to %s, got %+v", email, ms)
	}
	link := resetLinkRE.FindString(ms[0].Text)
	if link == "" {
		t.Fatalf("no reset link in %q", ms[0].Text)
	}
	return link
}

// pathOf returns the path and query of a link, to request it through a client.
func linkPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

var totpKeyRE = regexp.MustCompile(`<code class="fs-5" translate="no">([A-Z2-7 ]+)</code>`)

// totpSecret reads the key for manual entry from a set-up page.
func pageTOTPSecret(t *testing.T, body string) string {
	t.Helper()
	m := totpKeyRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no TOTP key on the page\n%s", text(body))
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatal("no QR code image on the page")
	}
	return strings.ReplaceAll(m[1], " ", "")
}

func totpCodeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := accounts.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enableTOTP turns the second factor on for a signed-in client through the
// security page and returns its secret.
func enableTOTPViaPage(t *testing.T, c *client, clk *authClock) string {
	t.Helper()
	p := surfacePaths(c.host)
	authExpect(t, c.get(p.Security), 200, "La verifica in due passaggi non è attiva")
	authRedirect(t, c.post(p.Security, url.Values{"action": {"totp_begin"}}), p.Security)
	page := c.get(p.Security)
	authExpect(t, page, 200, "Configura l'app di autenticazione")
	sec := pageTOTPSecret(t, page.Body)
	authRedirect(t, c.post(p.Security, url.Values{"action": {"totp_confirm"}, "code": {totpCodeAt(t, sec, clk.now())}}), p.Security)
	authExpect(t, c.get(p.Security), 200, "Verifica in due passaggi attivata", "La verifica in due passaggi è attiva")
	return sec
}

func (h *harness) setRequireTOTP(t *testing.T, tn *tenants.Tenant) {
	t.Helper()
	cur, err := h.tenants.Get(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.RequireTOTP = true
	if err := h.tenants.Update(context.Background(), &cur); err != nil {
		t.Fatal(err)
	}
	*tn = cur
}
