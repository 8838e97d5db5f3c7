package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/blob"
	"piazza/internal/config"
	"piazza/internal/content"
	"piazza/internal/feedback"
	"piazza/internal/forms"
	"piazza/internal/jobs"
	"piazza/internal/search"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

// harness is a whole web server on a fresh database (SQLite, or PostgreSQL with
// PIAZZA_TEST_POSTGRES_URL), with two tenants ("borgo" and "marina") whose hosts are
// borgo.example.it / servizi.borgo.example.it and marina.example.it, staff in
// each, and a platform operator. Requests go through the real handler.
type harness struct {
	t        testing.TB
	cfg      config.Config
	db       *store.DB
	srv      *Server
	handler  http.Handler
	keys     *secret.Keyring
	jobs     *jobs.Runner
	tenants  *tenants.Service
	accounts *accounts.Service
	services *services.Service
	content  *content.Service
	cnow     time.Time // the content module's clock reading (zero: real time)
	search   *search.Service
	borgo    tenants.Tenant
	marina   tenants.Tenant
	// accounts by role: "admin@borgo", "operator@borgo", "viewer@borgo",
	// "admin@marina", "both" (admin in both), "platform".
	acc map[string]accounts.Account
	now time.Time
}

const testPassword = "una-password-di-prova"

func newHarness(t testing.TB, opts ...func(*Deps)) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, acc: map[string]accounts.Account{}}
	h.db = storetest.Open(t)
	h.cfg = config.Defaults()
	h.cfg.DataDir = t.TempDir()
	h.cfg.PageCacheTTL = 0 // tests change data behind the server's back; pagecache_test.go turns it on
	var err error
	h.keys, err = secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PIAZZA_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	h.jobs = jobs.NewRunner(h.db, log, 0)
	h.jobs.Register("mail.send", func(context.Context, jobs.Job) error { return nil })
	resolver := tenants.NewResolver(h.db, h.cfg.PlatformHost, 0)
	h.tenants = tenants.NewService(h.db, h.db, h.keys, resolver)
	mailer := NewMailer()
	h.accounts = accounts.NewService(h.db, h.keys, mailer, accounts.DefaultPolicy, nil)
	h.services = services.New(h.db, h.db, nil, h.db, nil)
	h.search = search.New(h.db)
	h.services.SetIndexer(h.search)
	h.accounts.SetIndexer(h.search)
	blobs, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h.content = content.New(h.db, h.db, blobs, h.contentNow, nil)
	h.content.SetIndexer(h.search)
	h.search.SetClock(h.contentNow)
	d := Deps{Config: h.cfg, Content: h.content, Logger: log, Keys: h.keys, Resolver: resolver, Tenants: h.tenants, Accounts: h.accounts,
		Services: h.services, Feedback: feedback.New(h.db, nil), Search: h.search, Audit: h.db, Sessions: h.db, Jobs: h.jobs, Blobs: blobs, DB: h.db}
	d.Forms = forms.NewService(h.db, h.db, nil)
	for _, o := range opts {
		o(&d)
	}
	h.srv, err = New(d)
	if err != nil {
		t.Fatal(err)
	}
	mailer.Bind(h.srv)
	h.handler = h.srv.Handler()
	h.borgo = h.mustTenant(ctx, "borgo", "Comune di Borgo", []tenants.Host{{Name: "borgo.example.it", Kind: tenants.HostSite}, {Name: "servizi.borgo.example.it", Kind: tenants.HostServices}})
	h.marina = h.mustTenant(ctx, "marina", "Comune di Marina", []tenants.Host{{Name: "marina.example.it", Kind: tenants.HostSite}})
	for _, x := range []struct {
		key    string
		tenant int64
		role   accounts.Role
	}{
		{"admin@borgo", h.borgo.ID, accounts.RoleAdmin},
		{"editor@borgo", h.borgo.ID, accounts.RoleEditor},
		{"operator@borgo", h.borgo.ID, accounts.RoleOperator},
		{"viewer@borgo", h.borgo.ID, accounts.RoleViewer},
		{"admin@marina", h.marina.ID, accounts.RoleAdmin},
		{"operator@marina", h.marina.ID, accounts.RoleOperator},
	} {
		email := strings.Replace(x.key, "@", "@", 1) + ".example.it"
		a := storetest.MustCreateAccount(t, h.db, email, testPassword)
		a.Name = strings.Title(strings.Split(x.key, "@")[0]) + " " + strings.Split(x.key, "@")[1]
		h.db.UpdateAccountName(ctx, a.ID, a.Name)
		storetest.MustAddStaff(t, h.db, x.tenant, a.ID, x.role)
		h.acc[x.key] = a
	}
	both := storetest.MustCreateAccount(t, h.db, "segretaria@both.example.it", testPassword)
	storetest.MustAddStaff(t, h.db, h.borgo.ID, both.ID, accounts.RoleAdmin)
	storetest.MustAddStaff(t, h.db, h.marina.ID, both.ID, accounts.RoleAdmin)
	h.acc["both"] = both
	op := storetest.MustCreateAccount(t, h.db, "operatore@piazza.example.it", testPassword)
	if err := h.db.SetPlatformOperator(ctx, op.ID, true); err != nil {
		t.Fatal(err)
	}
	h.acc["platform"] = op
	return h
}

func (h *harness) mustTenant(ctx context.Context, slug, name string, hosts []tenants.Host) tenants.Tenant {
	h.t.Helper()
	t := tenants.Tenant{Slug: slug, Name: name, Kind: tenants.KindComune, PrimaryColor: "#0066CC", Hosts: hosts,
		Modules:          []tenants.Module{tenants.ModuleSite, tenants.ModuleServices},
		Contacts:         tenants.Contacts{Email: "urp@" + slug + ".example.it", PEC: "pec@" + slug + ".example.it", Address: "Piazza Roma 1"},
		AccessibilityURL: "https://form.agid.gov.it/view/x"}
	if err := h.tenants.Create(ctx, &t); err != nil {
		h.t.Fatal(err)
	}
	return t
}

// client is a browser: it keeps cookies per host and sends requests through the
// server's handler.
type client struct {
	h    *harness
	host string
	jar  *cookiejar.Jar
	// userAgent and remote address the requests come from.
	remote string
}

func (h *harness) client(host string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, host: host, jar: jar, remote: "192.0.2.10:1234"}
}

type response struct {
	*http.Response
	Body string
}

func (c *client) do(req *http.Request) *response {
	c.h.t.Helper()
	req.Host = c.host
	req.RemoteAddr = c.remote
	u := &url.URL{Scheme: "http", Host: c.host, Path: "/"}
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.h.handler.ServeHTTP(rec, req)
	res := rec.Result()
	c.jar.SetCookies(u, res.Cookies())
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(b)}
}

func (c *client) get(path string) *response {
	c.h.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, "http://"+c.host+path, nil))
}

// csrf returns the form token for the client's CSRF cookie, giving the client a
// cookie first if it has none (as the first page with a form would).
func (c *client) csrf() string {
	u := &url.URL{Scheme: "http", Host: c.host, Path: "/"}
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == "piazza_csrf" {
			return c.h.srv.csrfToken(ck.Value)
		}
	}
	value := strings.Repeat("c", 32)
	c.jar.SetCookies(u, []*http.Cookie{{Name: "piazza_csrf", Value: value, Path: "/"}})
	return c.h.srv.csrfToken(value)
}

// post sends a form with a valid CSRF token (unless the form sets "csrf" itself).
func (c *client) post(path string, form url.Values) *response {
	c.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf())
	}
	req := httptest.NewRequest(http.MethodPost, "http://"+c.host+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// signIn gives the client a session for an account (or citizen) directly, for tests
// of pages behind sign-in; the sign-in flows themselves have their own tests.
func (c *client) signIn(kind session.Kind, accountID, citizenID int64) {
	c.h.t.Helper()
	ri := &reqInfo{}
	res, err := c.h.srv.Resolver.Resolve(context.Background(), c.host)
	if err != nil {
		c.h.t.Fatal(err)
	}
	ri.Platform, ri.Tenant = res.Platform, res.Tenant
	token, hash := secret.Token()
	now := time.Now().UTC()
	s := &session.Session{TokenHash: hash, TenantID: ri.tenantID(), Kind: kind, AccountID: accountID, CitizenID: citizenID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := c.h.db.CreateSession(context.Background(), s); err != nil {
		c.h.t.Fatal(err)
	}
	u := &url.URL{Scheme: "http", Host: c.host, Path: "/"}
	c.jar.SetCookies(u, []*http.Cookie{{Name: "piazza_session", Value: token, Path: "/"}})
}

// staff returns a client on host signed in as the harness account key.
func (h *harness) staff(host, key string) *client {
	c := h.client(host)
	kind := session.Staff
	if host == h.cfg.PlatformHost {
		kind = session.Platform
	}
	c.signIn(kind, h.acc[key].ID, 0)
	return c
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// text strips tags, for assertions on visible text.
func text(html string) string {
	return strings.Join(strings.Fields(tagRE.ReplaceAllString(html, " ")), " ")
}
