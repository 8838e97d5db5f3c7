package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/store/storetest"
)

// Test helpers shared by the back-office tests.

func expectStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d (Location %q)\n%s", r.StatusCode, want, r.Header.Get("Location"), text(r.Body))
	}
}

func expectRedirect(t *testing.T, r *response, to string) {
	t.Helper()
	expectStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != to {
		t.Fatalf("redirect to %q, want %q", got, to)
	}
}

func expectContains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q\n%s", w, text(body))
		}
	}
}

func expectLacks(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page must not contain %q", b)
		}
	}
}

// auditLog returns a tenant's audit entries, newest first.
func (h *harness) auditLog(tenantID int64, f audit.Filter) []audit.Entry {
	h.t.Helper()
	es, err := h.db.AuditEntries(context.Background(), tenantID, f)
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

// findAudit returns the newest entry with the action (and object id, if given).
func findAudit(es []audit.Entry, action, objectID string) (audit.Entry, bool) {
	for _, e := range es {
		if e.Action == action && (objectID == "" || e.ObjectID == objectID) {
			return e, true
		}
	}
	return audit.Entry{}, false
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// boFixture is a little data in each tenant for the back-office tests.
type boFixture struct {
	borgoOffice, marinaOffice     accounts.Office
	borgoCitizen, marinaCitizen   accounts.Citizen
	borgoCitizenB, marinaCitizenB accounts.Citizen
}

func newBOFixture(h *harness) boFixture {
	t := h.t
	return boFixture{
		borgoOffice:    storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Ufficio anagrafe Borgo"),
		marinaOffice:   storetest.MustCreateOffice(t, h.db, h.marina.ID, "Ufficio tributi Marina"),
		borgoCitizen:   storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi"),
		marinaCitizen:  storetest.MustCreateCitizen(t, h.db, h.marina.ID, "BNCGLI85M52F205H", "Giulia", "Rossi"),
		borgoCitizenB:  storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "SPSNNA72E54F839G", "Anna", "Esposito"),
		marinaCitizenB: storetest.MustCreateCitizen(t, h.db, h.marina.ID, "SPSNNA72E54F839G", "Anna", "Esposito-Marina"),
	}
}

const borgo, marina = "borgo.example.it", "marina.example.it"

// TestBackofficeAccess checks every back-office page for every role: allowed roles
// get the page (never cached), others 403, anonymous visitors the sign-in page.
func TestBackofficeAccess(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	everyone := []string{"admin@borgo", "editor@borgo", "operator@borgo", "viewer@borgo", "both"}
	admins := []string{"admin@borgo", "both"}
	readers := []string{"admin@borgo", "operator@borgo", "viewer@borgo", "both"}
	pages := []struct {
		pattern, path string
		allowed       []string
		want          string
	}{
		{"GET /backoffice", "/backoffice", everyone, "Scrivania"},
		{"GET /backoffice/uffici", "/backoffice/uffici", admins, "Ufficio anagrafe Borgo"},
		{"GET /backoffice/uffici/nuovo", "/backoffice/uffici/nuovo", admins, "Nuovo ufficio"},
		{"GET /backoffice/uffici/{id}", "/backoffice/uffici/" + id(fx.borgoOffice.ID), admins, "Persone dell&#39;ufficio"},
		{"GET /backoffice/personale", "/backoffice/personale", admins, "operator@borgo.example.it"},
		{"GET /backoffice/personale/nuovo", "/backoffice/personale/nuovo", admins, "Aggiungi una persona"},
		{"GET /backoffice/personale/{id}", "/backoffice/personale/" + id(h.acc["operator@borgo"].ID), admins, "operator@borgo.example.it"},
		{"GET /backoffice/impostazioni", "/backoffice/impostazioni", admins, "pec@borgo.example.it"},
		{"GET /backoffice/impostazioni/accesso-cittadini", "/backoffice/impostazioni/accesso-cittadini", admins, "Accesso dei cittadini"},
		{"GET /backoffice/registro-attivita", "/backoffice/registro-attivita", admins, "Registro attività"},
		{"GET /backoffice/registro-attivita.csv", "/backoffice/registro-attivita.csv", admins, "Data e ora;"},
		{"GET /backoffice/cittadini", "/backoffice/cittadini", readers, "Codice fiscale, nome o cognome"},
		{"GET /backoffice/cittadini/{id}", "/backoffice/cittadini/" + id(fx.borgoCitizen.ID), readers, "RSSMRA80A01H501U"},
	}
	// Every GET page of the back office is in the table.
	for _, rt := range h.srv.backofficeRoutes() {
		if strings.HasPrefix(rt.pattern, "GET ") && !slices.ContainsFunc(pages, func(p struct {
			pattern, path string
			allowed       []string
			want          string
		}) bool {
			return p.pattern == rt.pattern
		}) {
			t.Errorf("route %s is not in the access table", rt.pattern)
		}
	}
	clients := map[string]*client{}
	for _, k := range everyone {
		clients[k] = h.staff(borgo, k)
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			for _, k := range everyone {
				r := clients[k].get(p.path)
				if slices.Contains(p.allowed, k) {
					if r.StatusCode != http.StatusOK {
						t.Fatalf("%s: status %d, want 200\n%s", k, r.StatusCode, text(r.Body))
					}
					expectContains(t, r.Body, p.want)
				} else if r.StatusCode != http.StatusForbidden {
					t.Fatalf("%s: status %d, want 403", k, r.StatusCode)
				}
				if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
					t.Errorf("%s: Cache-Control %q", k, cc)
				}
			}
			r := h.client(borgo).get(p.path)
			expectRedirect(t, r, "/backoffice/accedi?next="+url.QueryEscape(p.path))
		})
	}
}

// foreignIDs gives TestBackofficeForeignSessionIs404 an id of Marina's for the {id}
// of each back-office section ("servizi" for /backoffice/servizi/{id}); each
// module's tests add their sections in an init function.
var foreignIDs = map[string]func(h *harness, fx boFixture) string{}

// foreignParams gives values for the other path parameters ("{year}" → "2026"),
// which modules also add in their init functions.
var foreignParams = map[string]string{}

// TestBackofficeForeignSessionIs404 is the cross-tenant test: a session of Borgo
// presented on Marina's host gets 404 on every back-office route (whatever the
// person's roles, even for someone who is also Marina's admin), and changes nothing.
func TestBackofficeForeignSessionIs404(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	ctx := context.Background()
	ids := map[string]string{
		"uffici":    id(fx.marinaOffice.ID),
		"personale": id(h.acc["operator@marina"].ID),
		"cittadini": id(fx.marinaCitizen.ID),
	}
	for section, make := range foreignIDs {
		ids[section] = make(h, fx)
	}
	before := marinaState(h)
	auditBefore := len(h.auditLog(h.marina.ID, audit.Filter{}))
	form := url.Values{"name": {"Preso"}, "confirm": {"yes"}, "roles": {"viewer"}, "email": {"intruso@example.it"},
		"version": {id(h.marina.Version)}, "pec": {"intruso@example.it"}, "primary_color": {"#000000"},
		"issuer_url": {"https://intruso.example.it"}, "client_id": {"x"}, "members": {id(h.acc["admin@borgo"].ID)}}
	var n int
	for _, key := range []string{"admin@borgo", "editor@borgo", "operator@borgo", "viewer@borgo", "both"} {
		c := h.staff(borgo, key)
		m := h.client(marina)
		m.jar.SetCookies(&url.URL{Scheme: "http", Host: marina, Path: "/"}, c.jar.Cookies(&url.URL{Scheme: "http", Host: borgo, Path: "/"}))
		for _, rt := range h.srv.routes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			if !strings.HasPrefix(path, "/backoffice") || rt.access != staff {
				continue
			}
			section := strings.Split(strings.TrimPrefix(path, "/backoffice/"), "/")[0]
			if v, ok := ids[section]; ok {
				path = strings.NewReplacer("{id}", v, "{key}", v).Replace(path)
			}
			for k, v := range foreignParams {
				path = strings.ReplaceAll(path, k, v)
			}
			if strings.Contains(path, "{") {
				t.Fatalf("no Marina id for %s", rt.pattern)
			}
			var r *response
			switch method {
			case http.MethodGet:
				r = m.get(path)
			case http.MethodPost:
				r = m.post(path, form)
			default:
				t.Fatalf("unexpected method in %s", rt.pattern)
			}
			if r.StatusCode != http.StatusNotFound {
				t.Errorf("%s with %s's Borgo session on Marina: status %d, want 404", rt.pattern, key, r.StatusCode)
			}
			n++
		}
	}
	if n < 5*20 {
		t.Fatalf("walked only %d requests", n)
	}
	if after := marinaState(h); after != before {
		t.Fatalf("Marina changed:\n%s\n%s", before, after)
	}
	if got := len(h.auditLog(h.marina.ID, audit.Filter{})); got != auditBefore {
		t.Fatalf("Marina's audit log grew from %d to %d", auditBefore, got)
	}
	if _, err := h.tenants.OIDC(ctx, h.marina.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Marina's OIDC settings were written: %v", err)
	}
}

// marinaState summarises what a Borgo user must never change in Marina.
func marinaState(h *harness) string {
	ctx := context.Background()
	var b strings.Builder
	t, err := h.tenants.Get(ctx, h.marina.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	b.WriteString("version " + id(t.Version) + " pec " + t.Contacts.PEC + "\n")
	offices, _ := h.accounts.Offices(ctx, h.marina.ID)
	for _, o := range offices {
		members, _ := h.accounts.OfficeMemberIDs(ctx, h.marina.ID, o.ID)
		fmt.Fprintf(&b, "office %d %s %s members %v\n", o.ID, o.Name, o.Slug, members)
	}
	staffList, _ := h.accounts.StaffList(ctx, h.marina.ID)
	for _, st := range staffList {
		b.WriteString("staff " + st.Account.Email)
		for _, r := range st.Roles {
			b.WriteString(" " + string(r))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestBackofficeOtherTenantIDs: a Borgo admin on Borgo's host using Marina's ids
// finds nothing and changes nothing.
func TestBackofficeOtherTenantIDs(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	ctx := context.Background()
	c := h.staff(borgo, "admin@borgo")
	before := marinaState(h)
	marinaStaff := id(h.acc["operator@marina"].ID)
	tests := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/backoffice/uffici/" + id(fx.marinaOffice.ID), nil},
		{"POST", "/backoffice/uffici/" + id(fx.marinaOffice.ID), url.Values{"name": {"Preso"}}},
		{"POST", "/backoffice/uffici/" + id(fx.marinaOffice.ID) + "/elimina", nil},
		{"POST", "/backoffice/uffici/" + id(fx.marinaOffice.ID) + "/elimina", url.Values{"confirm": {"yes"}}},
		{"GET", "/backoffice/personale/" + marinaStaff, nil},
		{"POST", "/backoffice/personale/" + marinaStaff, url.Values{"roles": {"viewer"}}},
		{"POST", "/backoffice/personale/" + marinaStaff + "/rimuovi", nil},
		{"POST", "/backoffice/personale/" + marinaStaff + "/rimuovi", url.Values{"confirm": {"yes"}}},
		{"GET", "/backoffice/cittadini/" + id(fx.marinaCitizen.ID), nil},
		{"GET", "/backoffice/uffici/0", nil},
		{"GET", "/backoffice/uffici/abc", nil},
		{"GET", "/backoffice/personale/-1", nil},
		{"GET", "/backoffice/cittadini/99999999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var r *response
			if tt.method == "GET" {
				r = c.get(tt.path)
			} else {
				r = c.post(tt.path, tt.form)
			}
			expectStatus(t, r, http.StatusNotFound)
			expectLacks(t, r.Body, "Ufficio tributi Marina", "BNCGLI85M52F205H", "operator@marina", "Giulia")
		})
	}
	// Members must be Borgo staff: Marina's people cannot be put in a Borgo office.
	r := c.post("/backoffice/uffici/"+id(fx.borgoOffice.ID), url.Values{"name": {"Ufficio rinominato"}, "members": {marinaStaff}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r.Body, `href="#members"`, "solo persone del personale")
	if o, _ := h.accounts.Office(ctx, h.borgo.ID, fx.borgoOffice.ID); o.Name != fx.borgoOffice.Name {
		t.Fatalf("office renamed despite the error: %q", o.Name)
	}
	if after := marinaState(h); after != before {
		t.Fatalf("Marina changed:\n%s\n%s", before, after)
	}
	for _, tid := range []int64{h.borgo.ID, h.marina.ID} {
		if _, ok := findAudit(h.auditLog(tid, audit.Filter{}), "citizen.view", id(fx.marinaCitizen.ID)); ok {
			t.Fatal("a failed view must not be audited as a view")
		}
	}
}

// TestBackofficeAdminOfBothSeesEachTenantsOwnData: the person who is admin in both
// comuni sees, on each host, only that comune's data.
func TestBackofficeAdminOfBothSeesEachTenantsOwnData(t *testing.T) {
	h := newHarness(t)
	newBOFixture(h)
	ctx := context.Background()
	h.db.AppendAudit(ctx, audit.New(ctx, h.borgo.ID, "test.borgo_only", "thing", "1", "evento di Borgo"))
	h.db.AppendAudit(ctx, audit.New(ctx, h.marina.ID, "test.marina_only", "thing", "1", "evento di Marina"))
	tests := []struct {
		host, path string
		want, not  []string
	}{
		{borgo, "/backoffice", []string{"Comune di Borgo"}, []string{"Comune di Marina"}},
		{marina, "/backoffice", []string{"Comune di Marina"}, []string{"Comune di Borgo"}},
		{borgo, "/backoffice/uffici", []string{"Ufficio anagrafe Borgo"}, []string{"Ufficio tributi Marina"}},
		{marina, "/backoffice/uffici", []string{"Ufficio tributi Marina"}, []string{"Ufficio anagrafe Borgo"}},
		{borgo, "/backoffice/personale", []string{"admin@borgo.example.it", "segretaria@both.example.it"}, []string{"admin@marina.example.it", "operator@marina"}},
		{marina, "/backoffice/personale", []string{"admin@marina.example.it", "segretaria@both.example.it"}, []string{"admin@borgo.example.it", "operator@borgo"}},
		{borgo, "/backoffice/impostazioni", []string{"pec@borgo.example.it"}, []string{"pec@marina.example.it"}},
		{marina, "/backoffice/impostazioni", []string{"pec@marina.example.it"}, []string{"pec@borgo.example.it"}},
		{borgo, "/backoffice/registro-attivita", []string{"evento di Borgo"}, []string{"evento di Marina"}},
		{marina, "/backoffice/registro-attivita", []string{"evento di Marina"}, []string{"evento di Borgo"}},
		{borgo, "/backoffice/registro-attivita.csv", []string{"evento di Borgo"}, []string{"evento di Marina"}},
		{borgo, "/backoffice/cittadini?q=Rossi", []string{"RSSMRA80A01H501U"}, []string{"BNCGLI85M52F205H"}},
		{marina, "/backoffice/cittadini?q=Rossi", []string{"BNCGLI85M52F205H"}, []string{"RSSMRA80A01H501U"}},
		{borgo, "/backoffice/cittadini?q=SPSNNA72", []string{"Esposito"}, []string{"Esposito-Marina"}},
		{marina, "/backoffice/cittadini?q=SPSNNA72", []string{"Esposito-Marina"}, nil},
	}
	clients := map[string]*client{borgo: h.staff(borgo, "both"), marina: h.staff(marina, "both")}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			r := clients[tt.host].get(tt.path)
			expectStatus(t, r, http.StatusOK)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
		})
	}
	// Each search was audited in its own tenant only.
	for _, tid := range []int64{h.borgo.ID, h.marina.ID} {
		e, ok := findAudit(h.auditLog(tid, audit.Filter{Action: "citizen.search"}), "citizen.search", "")
		if !ok || e.Actor.ID != h.acc["both"].ID {
			t.Fatalf("tenant %d: search not audited: %+v", tid, e)
		}
	}
}

func TestBackofficeDashboard(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	ctx := context.Background()
	if err := h.accounts.SetOfficeMembers(ctx, h.borgo.ID, fx.borgoOffice.ID, []int64{h.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key       string
		want, not []string
	}{
		{"operator@borgo", []string{"Operatore", "Ufficio anagrafe Borgo", `href="/backoffice/cittadini"`}, []string{`href="/backoffice/personale"`, "Persone del personale"}},
		{"editor@borgo", []string{"Redattore", "Non fai parte di nessun ufficio"}, []string{`href="/backoffice/cittadini"`, `href="/backoffice/uffici"`}},
		{"admin@borgo", []string{"Amministratore", `href="/backoffice/personale"`, `href="/backoffice/registro-attivita"`, "Persone del personale"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r := h.staff(borgo, tt.key).get("/backoffice")
			expectStatus(t, r, http.StatusOK)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
			expectLacks(t, r.Body, "<script>", `style="`)
		})
	}
}

// TestBackofficeCSRF: a state-changing request without the token is refused and
// changes nothing.
func TestBackofficeCSRF(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	c := h.staff(borgo, "admin@borgo")
	r := c.post("/backoffice/uffici/"+id(fx.borgoOffice.ID)+"/elimina", url.Values{"confirm": {"yes"}, "csrf": {"forged"}})
	expectStatus(t, r, http.StatusForbidden)
	if _, err := h.accounts.Office(context.Background(), h.borgo.ID, fx.borgoOffice.ID); err != nil {
		t.Fatalf("office deleted without a CSRF token: %v", err)
	}
}
