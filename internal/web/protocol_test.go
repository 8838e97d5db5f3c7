package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/protocol"
	"piazza/internal/tenants"
)

func init() {
	foreignParams["{year}"], foreignParams["{number}"], foreignParams["{day}"], foreignParams["{kind}"] = "2026", "1", "2026-03-13", "pdf"
}

// protocolFixture turns the protocol module on for both test comuni and registers
// a few records in each, the register's clock set to 13 March 2026.
type protocolFixture struct {
	svc          *protocol.Service
	now          atomic.Pointer[time.Time]
	borgoRecords []protocol.Record
	marinaRecord protocol.Record
}

func (fx *protocolFixture) set(t time.Time) { fx.now.Store(&t) }

func newProtocolFixture(t *testing.T, h *harness) *protocolFixture {
	t.Helper()
	ctx := context.Background()
	fx := &protocolFixture{}
	fx.set(time.Date(2026, 3, 13, 9, 0, 0, 0, protocol.Rome))
	files, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	fx.svc = protocol.New(h.db, files, protocol.Clock(func() time.Time { return *fx.now.Load() }))
	h.srv.Protocol = fx.svc
	for _, tn := range []*tenants.Tenant{&h.borgo, &h.marina} {
		tn.Modules = append(tn.Modules, tenants.ModuleProtocol)
		if err := h.db.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	digest := strings.Repeat("c0ffee00", 8)
	for i, e := range []protocol.Entry{
		{Direction: protocol.In, Correspondent: "Mario Rossi", Subject: "Iscrizione alla mensa scolastica",
			Documents: []protocol.Document{{Name: "domanda.pdf", SHA256: digest, Size: 2048}}, ApplicationID: 77},
		{Direction: protocol.Out, Correspondent: "Giulia Bianchi", Subject: "Richiesta di integrazione ZTL"},
		{Direction: protocol.In, Correspondent: "Luca Verdi", Subject: "Contributo affitto"},
	} {
		fx.set(time.Date(2026, 3, 13, 9+i, 0, 0, 0, protocol.Rome))
		r, err := fx.svc.Register(ctx, h.borgo.ID, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		fx.borgoRecords = append(fx.borgoRecords, r)
	}
	fx.marinaRecord, err = fx.svc.Register(ctx, h.marina.ID, protocol.Entry{Direction: protocol.In,
		Correspondent: "Segreto Marinaro", Subject: "Esposto riservato di Marina"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx.set(time.Date(2026, 3, 14, 0, 30, 0, 0, protocol.Rome))
	if _, err := fx.svc.RunDaily(ctx); err != nil {
		t.Fatal(err)
	}
	return fx
}

func TestProtocolSearchPage(t *testing.T) {
	h := newHarness(t)
	newProtocolFixture(t, h)
	for _, key := range []string{"operator@borgo", "viewer@borgo", "admin@borgo"} {
		r := h.staff(borgo, key).get("/backoffice/protocollo")
		expectStatus(t, r, http.StatusOK)
		expectContains(t, r.Body, "0000001/2026", "0000003/2026", "Iscrizione alla mensa scolastica", "Giulia Bianchi", "13/03/2026 09:00")
		expectLacks(t, r.Body, "Marina", "Segreto")
	}
	c := h.staff(borgo, "operator@borgo")
	tests := []struct {
		name      string
		query     url.Values
		status    int
		want, not []string
	}{
		{"text", url.Values{"testo": {"ztl"}}, http.StatusOK, []string{"Richiesta di integrazione ZTL"}, []string{"Contributo affitto"}},
		{"number", url.Values{"anno": {"2026"}, "numero": {"0000003"}}, http.StatusOK, []string{"Contributo affitto"}, []string{"mensa scolastica"}},
		{"direction", url.Values{"verso": {"out"}}, http.StatusOK, []string{"Giulia Bianchi"}, []string{"Luca Verdi"}},
		{"dates", url.Values{"dal": {"2026-03-14"}}, http.StatusOK, []string{"Nessuna registrazione"}, []string{"Luca Verdi"}},
		{"italian dates", url.Values{"dal": {"13/03/2026"}, "al": {"13/03/2026"}}, http.StatusOK, []string{"Luca Verdi"}, nil},
		{"bad year", url.Values{"anno": {"duemila"}}, http.StatusUnprocessableEntity, []string{`href="#anno"`, "anno di quattro cifre"}, []string{"Luca Verdi"}},
		{"bad dates", url.Values{"dal": {"2026-03-14"}, "al": {"2026-03-13"}}, http.StatusUnprocessableEntity, []string{`href="#al"`}, nil},
		{"bad direction", url.Values{"verso": {"sideways"}}, http.StatusUnprocessableEntity, []string{`href="#verso"`}, nil},
		{"markup is escaped", url.Values{"testo": {"<script>"}}, http.StatusOK, []string{"&lt;script&gt;"}, []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get("/backoffice/protocollo?" + tt.query.Encode())
			expectStatus(t, r, tt.status)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
		})
	}
	// Searches are audited with the searcher.
	log := h.auditLog(h.borgo.ID, audit.Filter{Action: "protocol.search"})
	if len(log) == 0 || log[0].Actor.ID != h.acc["operator@borgo"].ID {
		t.Fatalf("search not audited: %+v", log)
	}
	// Editors have no access; the protocol module must be on.
	expectStatus(t, h.staff(borgo, "editor@borgo").get("/backoffice/protocollo"), http.StatusForbidden)
}

func TestProtocolPaging(t *testing.T) {
	h := newHarness(t)
	fx := newProtocolFixture(t, h)
	for range protocolPageSize {
		if _, err := fx.svc.Register(context.Background(), h.borgo.ID, protocol.Entry{Direction: protocol.In, Correspondent: "Tizio", Subject: "Pratica in serie"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := h.staff(borgo, "viewer@borgo")
	r := c.get("/backoffice/protocollo")
	expectContains(t, r.Body, `href="/backoffice/protocollo?pagina=2"`, "0000053/2026")
	expectLacks(t, r.Body, "0000003/2026")
	r = c.get("/backoffice/protocollo?pagina=2")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "0000003/2026", "0000001/2026", `href="/backoffice/protocollo"`)
	expectLacks(t, r.Body, "pagina=3")
	expectStatus(t, c.get("/backoffice/protocollo?pagina=0"), http.StatusUnprocessableEntity)
}

func TestProtocolRecordPage(t *testing.T) {
	h := newHarness(t)
	fx := newProtocolFixture(t, h)
	first := fx.borgoRecords[0]
	r := h.staff(borgo, "viewer@borgo").get("/backoffice/protocollo/2026/1")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "Registrazione di protocollo 0000001/2026", "Mario Rossi", "domanda.pdf",
		strings.Repeat("c0ffee00", 8), `href="/backoffice/pratiche/77"`, "Nessuna annotazione")
	expectLacks(t, r.Body, "/rettifica") // viewers get no correction form
	if _, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{Action: "protocol.view"}), "protocol.view", first.Signature()); !ok {
		t.Fatal("record view not audited")
	}
	for _, path := range []string{"/backoffice/protocollo/2026/99", "/backoffice/protocollo/2025/1", "/backoffice/protocollo/x/1", "/backoffice/protocollo/2026/-1"} {
		expectStatus(t, h.staff(borgo, "viewer@borgo").get(path), http.StatusNotFound)
	}

	// An admin corrects it: a new record annotates the old one, which is unchanged.
	admin := h.staff(borgo, "admin@borgo")
	r = admin.get("/backoffice/protocollo/2026/1")
	expectContains(t, r.Body, `action="/backoffice/protocollo/2026/1/rettifica"`)
	r = admin.post("/backoffice/protocollo/2026/1/rettifica", url.Values{"correspondent": {"Mario Rossi"}, "subject": {"x"}, "note": {""}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r.Body, `href="#note"`, "motivo della rettifica")
	r = admin.post("/backoffice/protocollo/2026/1/rettifica", url.Values{"correspondent": {"Mario Rossi"},
		"subject": {"Iscrizione alla mensa scolastica 2026/27"}, "note": {"Anno scolastico mancante"}})
	expectStatus(t, r, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/backoffice/protocollo/2026/4" {
		t.Fatalf("redirect to %q", loc)
	}
	r = admin.get("/backoffice/protocollo/2026/4")
	expectContains(t, r.Body, "Rettifica registrata", "Rettifica della registrazione", `href="/backoffice/protocollo/2026/1"`, "Anno scolastico mancante")
	r = admin.get("/backoffice/protocollo/2026/1")
	expectContains(t, r.Body, "Iscrizione alla mensa scolastica", `href="/backoffice/protocollo/2026/4"`, "Anno scolastico mancante")
	old, _ := h.db.ProtocolRecord(context.Background(), h.borgo.ID, 2026, 1)
	if old.Subject != first.Subject || old.Correspondent != first.Correspondent || old.At != first.At {
		t.Fatalf("the original record changed: %+v", old)
	}
	// Operators and viewers cannot correct.
	for _, key := range []string{"operator@borgo", "viewer@borgo"} {
		expectStatus(t, h.staff(borgo, key).post("/backoffice/protocollo/2026/1/rettifica",
			url.Values{"correspondent": {"X"}, "subject": {"Y"}, "note": {"Z"}}), http.StatusForbidden)
	}
}

func TestProtocolDailyPages(t *testing.T) {
	h := newHarness(t)
	fx := newProtocolFixture(t, h)
	c := h.staff(borgo, "operator@borgo")
	r := c.get("/backoffice/protocollo/giornaliero")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r.Body, "2026-03-13", "0000001/2026 – 0000003/2026", `href="/backoffice/protocollo/giornaliero/2026-03-13/pdf"`)
	expectLacks(t, r.Body, "/giornaliero/oggi/") // "genera ora" is for admins
	d, err := h.db.ProtocolDaily(context.Background(), h.borgo.ID, "2026-03-13")
	if err != nil {
		t.Fatal(err)
	}
	expectContains(t, r.Body, d.PDF.SHA256, d.CSV.SHA256)

	pdf := c.get("/backoffice/protocollo/giornaliero/2026-03-13/pdf")
	expectStatus(t, pdf, http.StatusOK)
	if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") || blob.SHA256([]byte(pdf.Body)) != d.PDF.SHA256 {
		t.Fatalf("PDF download: %s, %d bytes", pdf.Header.Get("Content-Type"), len(pdf.Body))
	}
	csvr := c.get("/backoffice/protocollo/giornaliero/2026-03-13/csv")
	expectStatus(t, csvr, http.StatusOK)
	if !strings.HasPrefix(csvr.Body, "\ufeffNumero;") || !strings.Contains(csvr.Header.Get("Content-Disposition"), "registro-protocollo-borgo-2026-03-13.csv") {
		t.Fatalf("CSV download: %q %q", csvr.Header.Get("Content-Disposition"), csvr.Body[:min(40, len(csvr.Body))])
	}
	if n := len(h.auditLog(h.borgo.ID, audit.Filter{Action: "protocol.daily.download"})); n != 2 {
		t.Fatalf("%d download entries, want 2", n)
	}
	for _, path := range []string{"/backoffice/protocollo/giornaliero/2026-03-12/pdf", "/backoffice/protocollo/giornaliero/2026-03-13/xls",
		"/backoffice/protocollo/giornaliero/13-03-2026/pdf"} {
		expectStatus(t, c.get(path), http.StatusNotFound)
	}

	// "Genera ora": today's provisional register, for admins only.
	fx.set(time.Date(2026, 3, 14, 10, 0, 0, 0, protocol.Rome))
	fx.svc.Register(context.Background(), h.borgo.ID, protocol.Entry{Direction: protocol.In, Correspondent: "Anna Neri", Subject: "Oggi"}, nil)
	expectStatus(t, c.get("/backoffice/protocollo/giornaliero/oggi/pdf"), http.StatusForbidden)
	admin := h.staff(borgo, "admin@borgo")
	expectContains(t, admin.get("/backoffice/protocollo/giornaliero").Body, `href="/backoffice/protocollo/giornaliero/oggi/pdf"`)
	today := admin.get("/backoffice/protocollo/giornaliero/oggi/csv")
	expectStatus(t, today, http.StatusOK)
	expectContains(t, today.Body, "Anna Neri", "14/03/2026 10:00")
	expectLacks(t, today.Body, "Luca Verdi")
	if p := admin.get("/backoffice/protocollo/giornaliero/oggi/pdf"); !strings.HasPrefix(p.Body, "%PDF-") {
		t.Fatal("provisional PDF is not a PDF")
	}
	if _, err := h.db.ProtocolDaily(context.Background(), h.borgo.ID, "2026-03-14"); err == nil {
		t.Fatal("the provisional register was stored")
	}
}

// TestProtocolCrossTenant: staff of one comune never see another's register, not
// even by guessing numbers, days or URLs.
func TestProtocolCrossTenant(t *testing.T) {
	h := newHarness(t)
	fx := newProtocolFixture(t, h)
	// Borgo's staff on Borgo's host see only Borgo's records, even at Marina's number.
	r := h.staff(borgo, "admin@borgo").get("/backoffice/protocollo?testo=Marina")
	expectContains(t, r.Body, "Nessuna registrazione")
	r = h.staff(borgo, "admin@borgo").get("/backoffice/protocollo/2026/" + id(fx.marinaRecord.Number))
	expectLacks(t, r.Body, "Segreto Marinaro", "Esposto riservato")
	r = h.staff(borgo, "admin@borgo").get("/backoffice/protocollo/giornaliero/2026-03-13/csv")
	expectLacks(t, r.Body, "Segreto Marinaro")
	// Marina's staff on Marina's host see only Marina's.
	r = h.staff(marina, "operator@marina").get("/backoffice/protocollo")
	expectContains(t, r.Body, "Esposto riservato di Marina")
	expectLacks(t, r.Body, "Mario Rossi", "Giulia Bianchi", "mensa")
	r = h.staff(marina, "operator@marina").get("/backoffice/protocollo/2026/2")
	expectStatus(t, r, http.StatusNotFound)
	expectLacks(t, r.Body, "Giulia Bianchi")
	// Borgo's staff presenting their session on Marina's host get 404 everywhere.
	own := h.staff(borgo, "admin@borgo")
	foreign := h.client(marina)
	foreign.jar.SetCookies(&url.URL{Scheme: "http", Host: marina, Path: "/"}, own.jar.Cookies(&url.URL{Scheme: "http", Host: borgo, Path: "/"}))
	for _, path := range []string{"/backoffice/protocollo", "/backoffice/protocollo/2026/1", "/backoffice/protocollo/giornaliero",
		"/backoffice/protocollo/giornaliero/2026-03-13/pdf", "/backoffice/protocollo/giornaliero/oggi/csv"} {
		r := foreign.get(path)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%s on the other comune's host: %d", path, r.StatusCode)
		}
		expectLacks(t, r.Body, "Segreto Marinaro", "Esposto riservato")
	}
	// Marina's admin cannot correct Borgo's record through Marina's host: it is
	// Marina's record 2026/1 that would be corrected, never Borgo's.
	before, _ := h.db.ProtocolRecord(context.Background(), h.borgo.ID, 2026, 1)
	h.staff(marina, "admin@marina").post("/backoffice/protocollo/2026/1/rettifica", url.Values{"correspondent": {"X"}, "subject": {"Y"}, "note": {"Z"}})
	if list, _ := h.db.ProtocolCorrections(context.Background(), h.borgo.ID, before.ID); len(list) != 0 {
		t.Fatal("Borgo's record annotated from Marina")
	}
	// Without the module the pages do not exist.
	tn := h.marina
	tn.Modules = []tenants.Module{tenants.ModuleSite, tenants.ModuleServices}
	if err := h.db.UpdateTenant(context.Background(), &tn); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, h.staff(marina, "admin@marina").get("/backoffice/protocollo"), http.StatusNotFound)
}

// TestNoRouteMutatesARecord checks the route table (the only unsafe protocol route
// is the correction, which adds a record) and then sends every unsafe method to every
// protocol URL: the existing records stay exactly as they were.
func TestNoRouteMutatesARecord(t *testing.T) {
	h := newHarness(t)
	newProtocolFixture(t, h)
	for _, rt := range h.srv.routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if strings.HasPrefix(path, "/backoffice/protocollo") && method != http.MethodGet &&
			rt.pattern != "POST /backoffice/protocollo/{year}/{number}/rettifica" {
			t.Errorf("unexpected unsafe protocol route %s", rt.pattern)
		}
	}
	snapshot := func() []byte {
		recs, err := h.db.SearchProtocol(context.Background(), h.borgo.ID, protocol.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, r := range recs {
			if r.Corrects != 0 {
				continue // corrections are new records, allowed
			}
			b.WriteString(r.Signature() + r.Subject + r.Correspondent + r.At.String() + string(r.Direction))
			for _, d := range r.Documents {
				b.WriteString(d.Name + d.SHA256)
			}
		}
		return b.Bytes()
	}
	before := snapshot()
	admin := h.staff(borgo, "admin@borgo")
	form := url.Values{"correspondent": {"Altro"}, "subject": {"Altro oggetto"}, "note": {"tentativo"}, "direction": {"out"},
		"number": {"9"}, "year": {"2020"}, "at": {"2020-01-01"}}
	for _, path := range []string{"/backoffice/protocollo", "/backoffice/protocollo/2026/1", "/backoffice/protocollo/2026/1/rettifica",
		"/backoffice/protocollo/2026/1/elimina", "/backoffice/protocollo/2026/1/modifica", "/backoffice/protocollo/giornaliero",
		"/backoffice/protocollo/giornaliero/2026-03-13/pdf"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf", admin.csrf())
			req := httptest.NewRequest(method, "http://"+borgo+path, strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://"+borgo)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			admin.do(req)
		}
	}
	if !bytes.Equal(before, snapshot()) {
		t.Fatal("a request changed an existing protocol record")
	}
}

// FuzzProtocolQuery: the search form never panics, and an accepted query has a sane
// page and limit.
func FuzzProtocolQuery(f *testing.F) {
	f.Add("2026", "0000042", "2026-03-01", "13/03/2026", "in", "mensa", "2")
	f.Add("-1", "x", "2026-13-45", "", "sideways", "%_\x00", "0")
	f.Fuzz(func(t *testing.T, year, number, from, to, dir, text, page string) {
		v := url.Values{"anno": {year}, "numero": {number}, "dal": {from}, "al": {to}, "verso": {dir}, "testo": {text}, "pagina": {page}}
		pq, q, err := parseProtocolQuery(v)
		if err != nil {
			return
		}
		if pq.Page < 1 || q.Offset != (pq.Page-1)*protocolPageSize || q.Limit != protocolPageSize+1 || q.Year < 0 || q.Number < 0 ||
			(!q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To)) {
			t.Fatalf("accepted a bad query: %+v %+v", pq, q)
		}
	})
}
