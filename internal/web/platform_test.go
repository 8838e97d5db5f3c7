package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/mail"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

const platformTestHost = "piazza.localhost"

// operator returns a console client signed in as the platform operator.
func (h *harness) platformOperator() *client { return h.staff(platformTestHost, "platform") }

// platformPostFile sends a multipart form with one file, with a valid CSRF token.
func (c *client) platformPostFile(path string, fields url.Values, field, filename string, data []byte) *response {
	c.h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if fields == nil {
		fields = url.Values{}
	}
	if _, ok := fields["csrf"]; !ok {
		fields.Set("csrf", c.csrf())
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		c.h.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "http://"+c.host+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// mails returns the messages enqueued since the last call.
func (h *harness) platformMails() []mail.Message {
	h.t.Helper()
	js, err := h.db.ClaimJobs(context.Background(), "test", 1000, time.Hour, time.Now().Add(time.Hour))
	if err != nil {
		h.t.Fatal(err)
	}
	var out []mail.Message
	for _, j := range js {
		if j.Kind != mail.JobKind {
			continue
		}
		var m mail.Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// platformAuditActions returns the actions logged for a tenant (0: platform), newest first.
func (h *harness) platformAuditActions(tenantID int64, prefix string) []string {
	h.t.Helper()
	es, err := h.db.AuditEntries(context.Background(), tenantID, audit.Filter{Action: prefix})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func (h *harness) platformTenantBySlug(slug string) (tenants.Tenant, bool) {
	h.t.Helper()
	t, err := h.tenants.BySlug(context.Background(), slug)
	if err != nil {
		return t, false
	}
	return t, true
}

func (h *harness) platformTenantCount() int {
	h.t.Helper()
	all, err := h.tenants.List(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return len(all)
}

// platformNewTenantForm is a complete, valid create form.
func platformNewTenantForm(slug string) url.Values {
	return url.Values{
		"slug": {slug}, "name": {"Comune di Nuovo Borgo"}, "kind": {"comune"}, "ipa_code": {"c_x123"},
		"istat_code": {"018001"}, "fiscal_code": {"00123450181"}, "province": {"pv"}, "region": {"Lombardia"},
		"site_host": {slug + ".example.it"}, "services_host": {"servizi." + slug + ".example.it"},
		"aliases": {"www." + slug + ".example.it\n\nalt." + slug + ".example.it"},
		"modules": {"site", "services", "reports"}, "address": {"Piazza Municipio 1"}, "pec": {"protocollo@pec." + slug + ".it"},
		"email": {"urp@" + slug + ".it"}, "phone": {"+39 0382 123456"}, "opening_hours": {"Lun-Ven 9-12"},
		"social_network_0": {"facebook"}, "social_url_0": {"https://facebook.com/" + slug},
		"social_network_1": {""}, "social_url_1": {""},
		"social_network_2": {"mastodon"}, "social_url_2": {"https://mastodon.social/@" + slug},
		"primary_color": {"#1a4d80"}, "accessibility_url": {"https://form.agid.gov.it/view/abc"}, "require_totp": {"on"},
	}
}

// platformIDFromLocation returns the tenant id of a /comuni/{id} redirect.
func platformIDFromLocation(t *testing.T, r *response) int64 {
	t.Helper()
	loc := r.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/comuni/"), 10, 64)
	if r.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("status %d, Location %q; body: %s", r.StatusCode, loc, text(r.Body))
	}
	return id
}

func TestPlatformAccessIsForOperatorsOnly(t *testing.T) {
	h := newHarness(t)
	id := strconv.FormatInt(h.borgo.ID, 10)
	pages := []string{"/", "/comuni/nuovo", "/comuni/" + id, "/comuni/" + id + "/amministratori", "/comuni/" + id + "/sospendi",
		"/registro-attivita", "/registro-attivita.csv", "/comuni/" + id + "/stemma"}

	// A tenant admin's session cookie presented to the console.
	admin := h.staff("borgo.example.it", "admin@borgo")
	foreign := h.client(platformTestHost)
	for _, ck := range admin.jar.Cookies(&url.URL{Scheme: "http", Host: "borgo.example.it", Path: "/"}) {
		foreign.jar.SetCookies(&url.URL{Scheme: "http", Host: platformTestHost, Path: "/"}, []*http.Cookie{ck})
	}
	// A console session for an account that is not a platform operator.
	notOperator := h.client(platformTestHost)
	notOperator.signIn(session.Platform, h.acc["admin@borgo"].ID, 0)

	clients := map[string]*client{"anonymous": h.client(platformTestHost), "tenant admin cookie": foreign, "not an operator": notOperator}
	for name, c := range clients {
		for _, p := range pages {
			r := c.get(p)
			if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: status %d, want a redirect or 404", name, p, r.StatusCode)
			}
			if r.StatusCode == http.StatusSeeOther {
				want := "/accedi?next=" + url.QueryEscape(p)
				if p == "/" {
					want = "/accedi"
				}
				if loc := r.Header.Get("Location"); loc != want {
					t.Errorf("%s GET %s: Location %q, want %q", name, p, loc, want)
				}
			}
			for _, leak := range []string{"Comune di Borgo", "Comune di Marina", "Nuovo ente"} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("%s GET %s: body contains %q", name, p, leak)
				}
			}
		}
		// Unsafe requests change nothing.
		before := h.platformTenantCount()
		c.post("/comuni/nuovo", platformNewTenantForm("intruso"))
		c.post("/comuni/"+id+"/sospendi", url.Values{"status_note": {"x"}})
		if h.platformTenantCount() != before {
			t.Errorf("%s created a tenant", name)
		}
		if tt, _ := h.tenants.Get(context.Background(), h.borgo.ID); !tt.Active() {
			t.Fatalf("%s suspended a tenant", name)
		}
	}
	// The operator sees the pages, never cached.
	op := h.platformOperator()
	for _, p := range pages[:6] {
		r := op.get(p)
		if r.StatusCode != http.StatusOK {
			t.Errorf("operator GET %s: status %d", p, r.StatusCode)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("operator GET %s: Cache-Control %q", p, cc)
		}
	}
	// The console is not served on a tenant's host.
	if r := h.staff("borgo.example.it", "admin@borgo").get("/registro-attivita"); r.StatusCode != http.StatusNotFound {
		t.Errorf("console page on a tenant host: status %d", r.StatusCode)
	}
}

func TestPlatformTenantsList(t *testing.T) {
	h := newHarness(t)
	if err := h.tenants.SetStatus(context.Background(), h.marina.ID, tenants.StatusSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	op := h.platformOperator()
	tests := []struct {
		query   string
		want    []string
		notWant []string
	}{
		{"", []string{"Comune di Borgo", "Comune di Marina", "borgo.example.it", "servizi.borgo.example.it", "Sito istituzionale, Servizi online", "Sospeso", "2 enti mostrati su 2"}, nil},
		{"?q=MARINA", []string{"Comune di Marina", "marina.example.it"}, []string{"Comune di Borgo"}},
		{"?q=servizi.borgo", []string{"Comune di Borgo"}, []string{"Comune di Marina"}},
		{"?stato=suspended", []string{"Comune di Marina"}, []string{"Comune di Borgo"}},
		{"?stato=active", []string{"Comune di Borgo"}, []string{"Comune di Marina"}},
		{"?q=nessuno", []string{"Nessun ente corrisponde"}, []string{"Comune di Borgo", "Comune di Marina"}},
	}
	for _, tt := range tests {
		r := op.get("/" + tt.query)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", tt.query, r.StatusCode)
		}
		body := text(r.Body)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: missing %q", tt.query, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: must not contain %q", tt.query, w)
			}
		}
	}
	// Staff count: borgo has admin, editor, operator, viewer and "both".
	r := op.get("/?q=borgo")
	if !strings.Contains(r.Body, "<td>5</td>") {
		t.Errorf("staff count of borgo not shown: %s", text(r.Body))
	}
}

func TestPlatformCreateTenantValidation(t *testing.T) {
	h := newHarness(t)
	op := h.platformOperator()
	tests := []struct {
		name   string
		change map[string]string
		status int
		fields map[string]string // field id → part of the message
	}{
		{"everything wrong", map[string]string{"slug": "Not a slug!", "name": "X", "istat_code": "12", "province": "Pavia",
			"site_host": "https://x.example.it/path", "services_host": "servizi..x.it", "pec": "nope", "primary_color": "#FFFF00",
			"accessibility_url": "http://insecure.example.it", "social_url_0": "", "social_network_2": "myspace"},
			http.StatusUnprocessableEntity, map[string]string{"slug": "identificativo deve", "name": "almeno 3", "istat_code": "6 cifre",
				"province": "sigla", "site_host": "non è un nome a dominio", "services_host": "non è un nome a dominio", "pec": "PEC",
				"primary_color": "contrasto", "accessibility_url": "https://", "social_url_0": "sia la rete", "social_url_2": "indirizzo completo"}},
		{"site host missing", map[string]string{"site_host": ""}, http.StatusUnprocessableEntity, map[string]string{"site_host": "Indica l'indirizzo del sito"}},
		{"platform host", map[string]string{"services_host": platformTestHost}, http.StatusUnprocessableEntity, map[string]string{"services_host": "console"}},
		{"repeated host", map[string]string{"aliases": "nuovo.example.it"}, http.StatusUnprocessableEntity, map[string]string{"aliases": "più di una volta"}},
		{"bad alias", map[string]string{"aliases": "ok.example.it\nnot valid"}, http.StatusUnprocessableEntity, map[string]string{"aliases": "not valid"}},
		{"unknown module", map[string]string{"modules": "teleport"}, http.StatusUnprocessableEntity, map[string]string{"modules": "non esiste"}},
		{"bad admin email", map[string]string{"admin_email": "not-an-email", "admin_name": "Anna Rossi"}, http.StatusUnprocessableEntity, map[string]string{"admin_email": "email valido"}},
		{"admin name without email", map[string]string{"admin_name": "Anna Rossi"}, http.StatusUnprocessableEntity, map[string]string{"admin_email": "lascia vuoto anche il nome"}},
		{"taken slug", map[string]string{"slug": "borgo"}, http.StatusConflict, map[string]string{"slug": "già usato"}},
		{"taken site host", map[string]string{"site_host": "marina.example.it"}, http.StatusConflict, map[string]string{"site_host": "marina.example.it è già usato"}},
		{"taken services host", map[string]string{"services_host": "servizi.borgo.example.it"}, http.StatusConflict, map[string]string{"services_host": "servizi.borgo.example.it è già usato"}},
		{"taken alias", map[string]string{"aliases": "ok.example.it\nborgo.example.it"}, http.StatusConflict, map[string]string{"aliases": "borgo.example.it è già usato"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.platformTenantCount()
			beforeLog := len(h.platformAuditActions(audit.PlatformTenant, ""))
			form := platformNewTenantForm("nuovo")
			for k, v := range tt.change {
				form.Set(k, v)
			}
			r := op.post("/comuni/nuovo", form)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, text(r.Body))
			}
			if !strings.Contains(r.Body, `id="error-summary"`) {
				t.Error("no error summary")
			}
			for field, msg := range tt.fields {
				if !strings.Contains(r.Body, `href="#`+field+`"`) {
					t.Errorf("error summary does not link to #%s", field)
				}
				if !strings.Contains(r.Body, `id="`+field+`"`) {
					t.Errorf("no element with id %q", field)
				}
				start, end := `id="`+field+`-error"`, "</div>"
				if field == "modules" {
					start, end = `id="modules"`, "</fieldset>"
				}
				i := strings.Index(r.Body, start)
				if i < 0 {
					t.Errorf("no error shown at %s", field)
					continue
				}
				shown := html.UnescapeString(text(r.Body[i : i+strings.Index(r.Body[i:], end)]))
				if !strings.Contains(shown, msg) {
					t.Errorf("error at %s is %q, want it to contain %q", field, shown, msg)
				}
			}
			// What was typed is shown back.
			if v := form.Get("name"); !strings.Contains(r.Body, `value="`+v+`"`) {
				t.Errorf("typed name %q not kept", v)
			}
			if h.platformTenantCount() != before || len(h.platformAuditActions(audit.PlatformTenant, "")) != beforeLog {
				t.Fatal("a rejected form saved something")
			}
			if _, ok := h.platformTenantBySlug("nuovo"); ok {
				t.Fatal("tenant created")
			}
		})
	}
}

func TestPlatformCreateTenant(t *testing.T) {
	// A resolver that trusts its cache for an hour: the new tenant must resolve at
	// once all the same, because creating it invalidates the cache.
	h := newHarness(t, func(d *Deps) {
		db := d.DB.(*store.DB)
		r := tenants.NewResolver(db, d.Config.PlatformHost, time.Hour)
		d.Resolver = r
		d.Tenants = tenants.NewService(db, db, d.Keys, r)
	})
	ctx := context.Background()
	if r := h.client("nuovo.example.it").get("/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("before creation: status %d", r.StatusCode) // also loads the resolver's cache
	}
	op := h.client(platformTestHost + ":8080")
	op.signIn(session.Platform, h.acc["platform"].ID, 0)
	form := platformNewTenantForm("nuovo")
	form.Set("admin_email", " Anna.Rossi@Nuovo.example.it ")
	form.Set("admin_name", "Anna Rossi")
	r := op.post("/comuni/nuovo", form)
	id := platformIDFromLocation(t, r)

	got, err := h.tenants.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := tenants.Tenant{Slug: "nuovo", Name: "Comune di Nuovo Borgo", Kind: tenants.KindComune, IPACode: "c_x123", ISTATCode: "018001",
		FiscalCode: "00123450181", Province: "PV", Region: "Lombardia", PrimaryColor: "#1A4D80", RequireTOTP: true,
		AccessibilityURL: "https://form.agid.gov.it/view/abc", Status: tenants.StatusActive,
		Contacts: tenants.Contacts{Address: "Piazza Municipio 1", PEC: "protocollo@pec.nuovo.it", Email: "urp@nuovo.it", Phone: "+39 0382 123456", OpeningHours: "Lun-Ven 9-12"}}
	if got.Slug != want.Slug || got.Name != want.Name || got.Kind != want.Kind || got.IPACode != want.IPACode || got.ISTATCode != want.ISTATCode ||
		got.FiscalCode != want.FiscalCode || got.Province != want.Province || got.Region != want.Region || got.PrimaryColor != want.PrimaryColor ||
		got.RequireTOTP != want.RequireTOTP || got.AccessibilityURL != want.AccessibilityURL || got.Status != want.Status || got.Contacts != want.Contacts {
		t.Errorf("saved tenant %+v", got)
	}
	if m := got.Modules; len(m) != 3 || !got.Has(tenants.ModuleSite) || !got.Has(tenants.ModuleServices) || !got.Has(tenants.ModuleReports) {
		t.Errorf("modules %v", m)
	}
	if s := got.Social; len(s) != 2 || s[0] != (tenants.SocialLink{Network: "facebook", URL: "https://facebook.com/nuovo"}) || s[1].Network != "mastodon" {
		t.Errorf("social %v", s)
	}
	hosts := map[string]tenants.HostKind{}
	for _, x := range got.Hosts {
		hosts[x.Name] = x.Kind
	}
	if len(hosts) != 4 || hosts["nuovo.example.it"] != tenants.HostSite || hosts["servizi.nuovo.example.it"] != tenants.HostServices ||
		hosts["www.nuovo.example.it"] != tenants.HostAlias || hosts["alt.nuovo.example.it"] != tenants.HostAlias {
		t.Errorf("hosts %v", got.Hosts)
	}

	// The new tenant answers on its hosts at once, with the Modello Comuni header.
	for _, host := range []string{"nuovo.example.it", "www.nuovo.example.it"} {
		r := h.client(host).get("/")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", host, r.StatusCode)
		}
		for _, w := range []string{"it-header-center-wrapper", `<div class="it-brand-title">Comune di Nuovo Borgo</div>`, `data-element="management"`, "Provincia: PV"} {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: missing %q", host, w)
			}
		}
	}

	// The first administrator exists, with an invitation pointing at the tenant's host.
	staff, err := h.accounts.StaffList(ctx, id)
	if err != nil || len(staff) != 1 || staff[0].Account.Email != "anna.rossi@nuovo.example.it" || len(staff[0].Roles) != 1 || staff[0].Roles[0] != accounts.RoleAdmin {
		t.Fatalf("staff %+v, %v", staff, err)
	}
	ms := h.platformMails()
	if len(ms) != 1 || ms[0].To[0] != "anna.rossi@nuovo.example.it" {
		t.Fatalf("mails %+v", ms)
	}
	if !strings.Contains(ms[0].Text, "http://nuovo.example.it:8080/backoffice/reimposta-password?token=") || strings.Contains(ms[0].Text, platformTestHost) {
		t.Errorf("invitation link does not point at the tenant's host:\n%s", ms[0].Text)
	}
	if !strings.Contains(ms[0].Subject, "Comune di Nuovo Borgo") {
		t.Errorf("subject %q", ms[0].Subject)
	}

	// Audited on the platform log and on the tenant's own log.
	es, err := h.db.AuditEntries(ctx, audit.PlatformTenant, audit.Filter{ObjectType: "tenant", ObjectID: strconv.FormatInt(id, 10)})
	if err != nil || len(es) != 1 || es[0].Action != "tenant.create" || es[0].Actor.Kind != audit.ActorPlatform || es[0].Actor.ID != h.acc["platform"].ID {
		t.Errorf("platform log: %+v %v", es, err)
	}
	if a := h.platformAuditActions(id, ""); !platformContainsAll(a, "tenant.create", "staff.add", "account.invited") {
		t.Errorf("tenant log: %v", a)
	}

	// The edit page follows the redirect, with the flash message.
	r = op.get("/comuni/" + strconv.FormatInt(id, 10))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "L&#39;ente è stato creato.") || !strings.Contains(r.Body, `value="nuovo.example.it"`) {
		t.Errorf("edit page after creation: %d %s", r.StatusCode, text(r.Body))
	}
}

func platformContainsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

// A first administrator that cannot be created leaves no tenant behind.
func TestPlatformCreateTenantRollsBackWithAdmin(t *testing.T) {
	h := newHarness(t)
	form := platformNewTenantForm("nuovo")
	form.Set("admin_email", "nuova.persona@example.it") // a new account needs a name
	op := h.platformOperator()
	r := op.post("/comuni/nuovo", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="admin_name-error"`) {
		t.Fatalf("status %d: %s", r.StatusCode, text(r.Body))
	}
	if _, ok := h.platformTenantBySlug("nuovo"); ok {
		t.Fatal("tenant saved without its administrator")
	}
	if r := h.client("nuovo.example.it").get("/"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("host answers: %d", r.StatusCode)
	}
	if a := h.platformAuditActions(audit.PlatformTenant, "tenant."); len(a) != 2 { // the harness's two tenants
		t.Fatalf("platform log %v", a)
	}
	if ms := h.platformMails(); len(ms) != 0 {
		t.Fatalf("mail sent: %v", ms)
	}
	// An existing account needs no name: the same form with staff of another tenant works.
	form.Set("admin_email", h.acc["admin@marina"].Email)
	id := platformIDFromLocation(t, op.post("/comuni/nuovo", form))
	if st, err := h.accounts.StaffMember(context.Background(), id, h.acc["admin@marina"].ID); err != nil || !st.Can(accounts.RoleAdmin) {
		t.Fatalf("existing account not made admin: %v", err)
	}
	if ms := h.platformMails(); len(ms) != 0 {
		t.Fatalf("an existing account got an invitation: %v", ms)
	}
}

func TestPlatformEditTenant(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.platformOperator()
	path := "/comuni/" + strconv.FormatInt(h.borgo.ID, 10)
	r := op.get(path)
	for _, w := range []string{"<h1>Comune di Borgo</h1>", `value="borgo.example.it"`, `value="servizi.borgo.example.it"`,
		`name="version" value="1"`, `id="module-site" type="checkbox" name="modules" value="site" checked`, "Nessuno stemma caricato"} {
		if !strings.Contains(r.Body, w) {
			t.Errorf("edit page: missing %q", w)
		}
	}
	form := platformNewTenantForm("borgo")
	form.Set("name", "Comune di Borgo Nuovo")
	form.Set("aliases", "www.borgo.example.it")
	form.Set("version", "1")
	if r := op.post(path, form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, text(r.Body))
	}
	got, _ := h.tenants.Get(ctx, h.borgo.ID)
	if got.Name != "Comune di Borgo Nuovo" || got.Version != 2 || got.SiteHost() != "borgo.example.it" || len(got.Hosts) != 3 {
		t.Fatalf("after save: %+v", got)
	}
	if r := h.client("www.borgo.example.it").get("/"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Comune di Borgo Nuovo") {
		t.Fatalf("new alias: %d", r.StatusCode)
	}
	if a := h.platformAuditActions(h.borgo.ID, "tenant.update"); len(a) != 1 {
		t.Errorf("tenant log %v", a)
	}
	if a := h.platformAuditActions(audit.PlatformTenant, "tenant.update"); len(a) != 1 {
		t.Errorf("platform log %v", a)
	}

	// A second form still at version 1 is refused and changes nothing.
	form.Set("name", "Comune di Borgo Vecchio")
	r = op.post(path, form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "Qualcun altro ha modificato") {
		t.Fatalf("stale form: %d %s", r.StatusCode, text(r.Body))
	}
	if !strings.Contains(r.Body, `value="Comune di Borgo Vecchio"`) {
		t.Error("the typed values are lost")
	}
	if got, _ := h.tenants.Get(ctx, h.borgo.ID); got.Name != "Comune di Borgo Nuovo" || got.Version != 2 {
		t.Fatalf("stale form saved: %+v", got)
	}

	// A host of another tenant is a field error.
	form.Set("version", "2")
	form.Set("aliases", "marina.example.it")
	r = op.post(path, form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, `id="aliases-error"`) || !strings.Contains(r.Body, "marina.example.it è già usato") {
		t.Fatalf("taken host: %d %s", r.StatusCode, text(r.Body))
	}
	if got, _ := h.tenants.Get(ctx, h.borgo.ID); got.Version != 2 || len(got.Hosts) != 3 {
		t.Fatalf("taken host saved: %+v", got)
	}
	// Validation errors too.
	form.Set("aliases", "")
	form.Set("email", "nope")
	if r := op.post(path, form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="email-error"`) {
		t.Fatalf("invalid: %d", r.StatusCode)
	}
	for _, p := range []string{"/comuni/999999", "/comuni/abc", "/comuni/0"} {
		if r := op.get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r := op.post("/comuni/999999", form); r.StatusCode != http.StatusNotFound {
		t.Errorf("post to a missing tenant: %d", r.StatusCode)
	}
}

func TestPlatformSuspendAndActivate(t *testing.T) {
	h := newHarness(t)
	op := h.platformOperator()
	path := "/comuni/" + strconv.FormatInt(h.marina.ID, 10)
	site := h.client("marina.example.it")
	if r := site.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("before: %d", r.StatusCode)
	}
	r := op.get(path + "/sospendi")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Sospendere Comune di Marina?") || !strings.Contains(r.Body, `action="`+path+`/sospendi"`) {
		t.Fatalf("confirmation page: %d %s", r.StatusCode, text(r.Body))
	}
	if r := op.post(path+"/sospendi", url.Values{"status_note": {strings.Repeat("x", 600)}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("too long note: %d", r.StatusCode)
	}
	if r := site.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("suspended by an invalid form: %d", r.StatusCode)
	}
	if r := op.post(path+"/sospendi", url.Values{"status_note": {"Contratto scaduto"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", r.StatusCode)
	}
	if r := site.get("/"); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("suspended tenant: %d", r.StatusCode)
	}
	r = op.get(path)
	if !strings.Contains(r.Body, "L&#39;ente è sospeso") || !strings.Contains(r.Body, "Contratto scaduto") || !strings.Contains(r.Body, path+"/riattiva") {
		t.Errorf("edit page of a suspended tenant: %s", text(r.Body))
	}
	if r := op.post(path+"/riattiva", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("activate: %d", r.StatusCode)
	}
	if r := site.get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("reactivated tenant: %d", r.StatusCode)
	}
	for _, id := range []int64{audit.PlatformTenant, h.marina.ID} {
		if a := h.platformAuditActions(id, "tenant."); len(a) < 2 || a[0] != "tenant.activate" || a[1] != "tenant.suspend" {
			t.Errorf("log of %d: %v", id, a)
		}
	}
}

func TestPlatformAdmins(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.platformOperator()
	path := "/comuni/" + strconv.FormatInt(h.borgo.ID, 10) + "/amministratori"
	r := op.get(path)
	body := text(r.Body)
	if r.StatusCode != http.StatusOK || !strings.Contains(body, h.acc["admin@borgo"].Email) || !strings.Contains(body, h.acc["both"].Email) {
		t.Fatalf("list: %d %s", r.StatusCode, body)
	}
	if strings.Contains(body, h.acc["editor@borgo"].Email) || strings.Contains(body, h.acc["admin@marina"].Email) {
		t.Fatalf("the list shows non-admins or other tenants' admins: %s", body)
	}

	// A new person: an account and an invitation to the tenant's host.
	if r := op.post(path, url.Values{"email": {"Nuovo.Admin@Example.it"}, "name": {"Nuovo Admin"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.StatusCode, text(r.Body))
	}
	ms := h.platformMails()
	if len(ms) != 1 || ms[0].To[0] != "nuovo.admin@example.it" || !strings.Contains(ms[0].Text, "http://borgo.example.it/backoffice/reimposta-password?token=") {
		t.Fatalf("invitation: %+v", ms)
	}
	if r := op.get(path); !strings.Contains(r.Body, "nuovo.admin@example.it") || !strings.Contains(r.Body, "Invitato") {
		t.Errorf("new admin not listed as invited: %s", text(r.Body))
	}
	// Someone already on the staff gets the role, no invitation.
	if r := op.post(path, url.Values{"email": {h.acc["editor@borgo"].Email}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", r.StatusCode, text(r.Body))
	}
	if st, _ := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc["editor@borgo"].ID); len(st.Roles) != 2 || !st.Can(accounts.RoleAdmin) {
		t.Errorf("editor roles %v", st.Roles)
	}
	if ms := h.platformMails(); len(ms) != 0 {
		t.Errorf("existing staff invited: %v", ms)
	}
	// Errors.
	for _, tt := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"email": {"not an email"}}, http.StatusUnprocessableEntity, `id="email-error"`},
		{url.Values{"email": {"senza.nome@example.it"}}, http.StatusUnprocessableEntity, `id="name-error"`},
		{url.Values{"email": {h.acc["admin@borgo"].Email}}, http.StatusConflict, "già amministratore"},
	} {
		if r := op.post(path, tt.form); r.StatusCode != tt.status || !strings.Contains(r.Body, tt.want) {
			t.Errorf("%v: %d, want %d with %q: %s", tt.form, r.StatusCode, tt.status, tt.want, text(r.Body))
		}
	}
	for _, a := range []string{"staff.add", "staff.roles", "account.invited"} {
		if !platformContainsAll(h.platformAuditActions(h.borgo.ID, ""), a) {
			t.Errorf("tenant log misses %s", a)
		}
	}
	if a := h.platformAuditActions(audit.PlatformTenant, "tenant.admin_add"); len(a) != 2 {
		t.Errorf("platform log: %v", a)
	}

	// Removing: the editor keeps their other role; "both" (only admin) leaves the staff.
	remove := func(key string) *response {
		return op.post(path+"/"+strconv.FormatInt(h.acc[key].ID, 10)+"/rimuovi", nil)
	}
	if r := remove("editor@borgo"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if st, _ := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc["editor@borgo"].ID); len(st.Roles) != 1 || st.Roles[0] != accounts.RoleEditor {
		t.Errorf("editor roles after revoke %v", st.Roles)
	}
	if r := remove("both"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if _, err := h.accounts.StaffMember(ctx, h.borgo.ID, h.acc["both"].ID); err == nil {
		t.Error("an admin-only member is still staff")
	}
	if _, err := h.accounts.StaffMember(ctx, h.marina.ID, h.acc["both"].ID); err != nil {
		t.Error("removal reached another tenant")
	}
	if r := remove("viewer@borgo"); r.StatusCode != http.StatusConflict {
		t.Errorf("revoke from a non-admin: %d", r.StatusCode)
	}
	if r := remove("admin@marina"); r.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's admin: %d", r.StatusCode)
	}
	if r := op.post(path+"/abc/rimuovi", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("bad account id: %d", r.StatusCode)
	}

	// The last admin stays.
	mpath := "/comuni/" + strconv.FormatInt(h.marina.ID, 10) + "/amministratori/"
	if r := op.post(mpath+strconv.FormatInt(h.acc["both"].ID, 10)+"/rimuovi", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove both from marina: %d", r.StatusCode)
	}
	r = op.post(mpath+strconv.FormatInt(h.acc["admin@marina"].ID, 10)+"/rimuovi", nil)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "almeno un amministratore") {
		t.Fatalf("last admin: %d %s", r.StatusCode, text(r.Body))
	}
	if st, err := h.accounts.StaffMember(ctx, h.marina.ID, h.acc["admin@marina"].ID); err != nil || !st.Can(accounts.RoleAdmin) {
		t.Fatal("the last admin was removed")
	}
}

func TestPlatformAuditLog(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.platformOperator()
	op.post("/comuni/"+strconv.FormatInt(h.marina.ID, 10)+"/sospendi", url.Values{"status_note": {"=HYPERLINK(\"http://evil\")"}})
	// Enough entries for two pages.
	actx := audit.WithActor(ctx, audit.Actor{Kind: audit.ActorCLI, Label: "script; «àèì»"})
	for i := range 60 {
		if err := h.db.AppendAudit(actx, audit.New(actx, audit.PlatformTenant, "test.entry", "thing", strconv.Itoa(i), "n. "+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	r := op.get("/registro-attivita")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	if !strings.Contains(r.Body, "n. 59") || strings.Contains(r.Body, "n. 9<") || strings.Contains(r.Body, "tenant.suspend") {
		t.Errorf("first page: %s", text(r.Body))
	}
	older := strings.Index(r.Body, `href="/registro-attivita?before=`)
	if older < 0 {
		t.Fatal("no link to older entries")
	}
	link := r.Body[older+6 : older+strings.Index(r.Body[older:], `">`)]
	r = op.get(strings.ReplaceAll(link, "&amp;", "&"))
	if !strings.Contains(r.Body, "n. 9<") || !strings.Contains(r.Body, "tenant.suspend") || strings.Contains(r.Body, "n. 59") {
		t.Errorf("second page: %s", text(r.Body))
	}
	// Filters.
	r = op.get("/registro-attivita?action=tenant.&tenant=" + strconv.FormatInt(h.marina.ID, 10))
	if !strings.Contains(r.Body, "tenant.suspend") || !strings.Contains(r.Body, `<a href="/comuni/`+strconv.FormatInt(h.marina.ID, 10)+`">Comune di Marina</a>`) ||
		strings.Contains(r.Body, "test.entry") || strings.Contains(r.Body, "Comune di Borgo</a>") {
		t.Errorf("filtered: %s", text(r.Body))
	}
	if !strings.Contains(r.Body, `href="/registro-attivita.csv?action=tenant.&amp;tenant=`) {
		t.Error("the export link does not keep the filter")
	}
	today := time.Now().In(rome).Format("2006-01-02")
	if r := op.get("/registro-attivita?from=" + today + "&to=" + today + "&actor=OPERATORE@"); !strings.Contains(r.Body, "tenant.suspend") || strings.Contains(r.Body, "test.entry") {
		t.Errorf("actor and date filter: %s", text(r.Body))
	}
	if r := op.get("/registro-attivita?to=2000-01-01"); strings.Contains(r.Body, "tenant.suspend") || !strings.Contains(r.Body, "Nessuna attività") {
		t.Errorf("date filter: %s", text(r.Body))
	}
	if r := op.get("/registro-attivita?from=ieri&tenant=x"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="from-error"`) || !strings.Contains(r.Body, `id="tenant-error"`) {
		t.Errorf("bad filter: %d", r.StatusCode)
	}

	// CSV export.
	r = op.get("/registro-attivita.csv?action=tenant.")
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="registro-attivita-piattaforma-`) {
		t.Fatalf("csv: %d %v", r.StatusCode, r.Header)
	}
	if r.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("csv Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	if !strings.HasPrefix(r.Body, "\uFEFFData e ora;Tipo di autore;Autore;Azione;") {
		t.Errorf("csv header: %q", r.Body[:min(len(r.Body), 100)])
	}
	// The header, then the suspension and the harness's two tenant.create, newest first.
	lines := strings.Split(strings.TrimSuffix(r.Body, "\r\n"), "\r\n")
	if len(lines) != 1+3 {
		t.Fatalf("csv has %d lines:\n%s", len(lines), r.Body)
	}
	suspend := lines[1]
	es, _ := h.db.AuditEntries(ctx, audit.PlatformTenant, audit.Filter{Action: "tenant.suspend"})
	wantTime := es[0].At.In(rome).Format("2006-01-02 15:04:05")
	for _, w := range []string{wantTime + ";platform;operatore@piazza.example.it;tenant.suspend;tenant;" + strconv.FormatInt(h.marina.ID, 10) + ";",
		`"'=HYPERLINK(""http://evil"")"`} {
		if !strings.Contains(suspend, w) {
			t.Errorf("csv line %q lacks %q", suspend, w)
		}
	}
	// Semicolons and accents in a cell.
	r = op.get("/registro-attivita.csv?action=test.")
	if !strings.Contains(r.Body, `;"script; «àèì»";test.entry;`) {
		t.Errorf("csv quoting: %q", strings.Split(r.Body, "\r\n")[1])
	}
	if a := h.platformAuditActions(audit.PlatformTenant, "audit.export"); len(a) != 2 {
		t.Errorf("exports not logged: %v", a)
	}
	if r := op.get("/registro-attivita.csv?from=nope"); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("csv with a bad filter: %d", r.StatusCode)
	}
}

// platformRawKeyRE finds an untranslated catalogue key of the console (the audit log shows
// action codes such as tenant.create on purpose, so domain codes are not matched).
var platformRawKeyRE = regexp.MustCompile(`\bplatform\.[a-z_]+\.?[a-z_.]*`)

// TestPlatformCatalogues checks that the console's catalogues have the same keys in
// both languages and that no page shows a raw key.
func TestPlatformCatalogues(t *testing.T) {
	keys := func(lang string) map[string]bool {
		b, err := localeFS.ReadFile("locales/platform." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: empty %s", lang, k)
			}
			out[k] = true
		}
		return out
	}
	it, en := keys("it"), keys("en")
	for k := range it {
		if !en[k] {
			t.Errorf("en lacks %s", k)
		}
	}
	for k := range en {
		if !it[k] {
			t.Errorf("it lacks %s", k)
		}
	}
	h := newHarness(t)
	h.accounts.AddStaff(context.Background(), h.borgo.ID, accounts.AddStaffInput{Email: "x@example.it", Name: "X Y", Roles: []accounts.Role{accounts.RoleAdmin}})
	id := strconv.FormatInt(h.borgo.ID, 10)
	for _, lang := range []string{"it", "en"} {
		op := h.platformOperator()
		op.get("/?lang=" + lang)
		for _, p := range []string{"/", "/comuni/nuovo", "/comuni/" + id, "/comuni/" + id + "/amministratori", "/comuni/" + id + "/sospendi", "/registro-attivita"} {
			r := op.get(p)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d", lang, p, r.StatusCode)
			}
			if k := platformRawKeyRE.FindString(r.Body); k != "" {
				t.Errorf("%s %s: raw key %q", lang, p, k)
			}
		}
	}
}

// A multi-line address must survive the edit form: an <input> would join the lines
// when the browser posts it back.
func TestPlatformEditFormKeepsMultilineAddress(t *testing.T) {
	h := newHarness(t)
	tn, _ := h.tenants.Get(context.Background(), h.borgo.ID)
	tn.Contacts.Address = "Piazza Roma 1\n27099 Borgo (PV)"
	if err := h.tenants.Update(context.Background(), &tn); err != nil {
		t.Fatal(err)
	}
	r := h.platformOperator().get("/comuni/" + strconv.FormatInt(h.borgo.ID, 10))
	if !strings.Contains(r.Body, ">Piazza Roma 1\n27099 Borgo (PV)</textarea>") {
		t.Fatalf("address not in a textarea:\n%s", r.Body)
	}
}
