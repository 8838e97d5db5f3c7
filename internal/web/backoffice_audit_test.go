package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"piazza/internal/audit"
)

// appendAudit writes an entry with a given time and actor.
func (h *harness) appendAudit(tenantID int64, at time.Time, label, action, objType, objID, detail string) {
	h.t.Helper()
	e := audit.Entry{TenantID: tenantID, At: at, Actor: audit.Actor{Kind: audit.ActorStaff, ID: h.acc["operator@borgo"].ID, Label: label,
		IP: "192.0.2.7", UserAgent: "Test/1.0", RequestID: "req-" + objID}, Action: action, ObjectType: objType, ObjectID: objID, Detail: detail}
	if err := h.db.AppendAudit(context.Background(), e); err != nil {
		h.t.Fatal(err)
	}
}

func TestBackofficeAuditFilters(t *testing.T) {
	h := newHarness(t)
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	// 23:30 UTC on 10 March is 00:30 on 11 March in Rome (CET, UTC+1); 22:30 UTC on
	// 1 July is 00:30 on 2 July (CEST, UTC+2).
	h.appendAudit(h.borgo.ID, utc("2025-03-10T22:30:00Z"), "mario.rossi@borgo.example.it", "test.office.update", "office", "11", "voce-A")
	h.appendAudit(h.borgo.ID, utc("2025-03-10T23:30:00Z"), "mario.rossi@borgo.example.it", "test.citizen.view", "citizen", "12", "voce-B")
	h.appendAudit(h.borgo.ID, utc("2025-07-01T22:30:00Z"), "anna.verdi@borgo.example.it", "test.citizen.search", "citizen", "", "voce-C")
	h.appendAudit(h.marina.ID, utc("2025-03-10T23:30:00Z"), "mario.rossi@borgo.example.it", "test.citizen.view", "citizen", "12", "voce-MARINA")
	c := h.staff(borgo, "admin@borgo")
	tests := []struct {
		query     string
		want, not []string
	}{
		{"action=test.", []string{"voce-A", "voce-B", "voce-C", "2025-03-11 00:30:00", "2025-03-10 23:30:00", "2025-07-02 00:30:00"}, []string{"voce-MARINA"}},
		{"action=test.&from=2025-03-11&to=2025-03-11", []string{"voce-B"}, []string{"voce-A", "voce-C"}},
		{"action=test.&to=2025-03-10", []string{"voce-A"}, []string{"voce-B", "voce-C"}},
		{"action=test.&from=2025-07-02", []string{"voce-C"}, []string{"voce-A", "voce-B"}},
		{"action=test.&actor=ROSSI", []string{"voce-A", "voce-B"}, []string{"voce-C"}},
		{"action=test.citizen.", []string{"voce-B", "voce-C"}, []string{"voce-A"}},
		{"action=test.&object_type=citizen&object_id=12", []string{"voce-B"}, []string{"voce-A", "voce-C"}},
		{"action=nessuna", []string{"Nessuna voce corrisponde"}, []string{"voce-A"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := c.get("/backoffice/registro-attivita?" + tt.query)
			expectStatus(t, r, http.StatusOK)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
			q, _ := url.ParseQuery(tt.query)
			expectContains(t, r.Body, `href="/backoffice/registro-attivita.csv?`+strings.ReplaceAll(q.Encode(), "&", "&amp;")+`"`)
		})
	}
	// The newest entry comes first.
	body := c.get("/backoffice/registro-attivita?action=test.").Body
	if a, b := strings.Index(body, "voce-C"), strings.Index(body, "voce-A"); a < 0 || b < a {
		t.Fatal("entries must be newest first")
	}
	// Reading the log is recorded, with the filter and the reader.
	e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "audit.view", "")
	if !ok || e.Actor.ID != h.acc["admin@borgo"].ID || e.Detail != "action=test." {
		t.Fatalf("audit.view: %+v", e)
	}
	// Bad filters get field errors, not a 500.
	for q, field := range map[string]string{"from=11/03/2025": "from", "to=2025-02-30": "to", "from=2025-03-12&to=2025-03-11": "to", "before=abc": "before"} {
		r := c.get("/backoffice/registro-attivita?" + q)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r.Body, `href="#`+field+`"`)
	}
}

func TestBackofficeAuditPaging(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	for i := range 120 {
		h.appendAudit(h.borgo.ID, start.Add(time.Duration(i)*time.Minute), "op@borgo.example.it", "test.paging", "thing", id(int64(i)), "n-"+id(int64(i))+"-")
	}
	c := h.staff(borgo, "admin@borgo")
	seen := map[string]bool{}
	next := "/backoffice/registro-attivita?action=test.paging"
	var pages int
	for next != "" {
		pages++
		r := c.get(next)
		expectStatus(t, r, http.StatusOK)
		n := strings.Count(r.Body, `<td><code>test.paging</code></td>`)
		if want := []int{50, 50, 20}[pages-1]; n != want {
			t.Fatalf("page %d has %d rows, want %d", pages, n, want)
		}
		for i := range 120 {
			if strings.Contains(r.Body, ">n-"+id(int64(i))+"-<") {
				if seen[id(int64(i))] {
					t.Fatalf("entry %d on two pages", i)
				}
				seen[id(int64(i))] = true
			}
		}
		if pages == 1 && strings.Contains(r.Body, "Voci più recenti") {
			t.Fatal("the first page has no link to newer entries")
		}
		next = ""
		if i := strings.Index(r.Body, `">Voci meno recenti</a>`); i >= 0 {
			href := r.Body[strings.LastIndex(r.Body[:i], `href="`)+6 : i]
			next = strings.ReplaceAll(href, "&amp;", "&")
			if !strings.Contains(next, "action=test.paging") || !strings.Contains(next, "before=") {
				t.Fatalf("older link loses the filter: %s", next)
			}
		}
	}
	if pages != 3 || len(seen) != 120 {
		t.Fatalf("%d pages, %d entries", pages, len(seen))
	}
}

func TestBackofficeAuditCSV(t *testing.T) {
	h := newHarness(t)
	at := time.Date(2025, 8, 14, 22, 15, 30, 0, time.UTC) // 15 August 00:15:30 in Rome
	tricky := "punto;e virgola, \"virgolette\"\nseconda riga"
	h.appendAudit(h.borgo.ID, at, "Rossi; \"Mario\"", "test.csv", "office", "7", tricky)
	h.appendAudit(h.borgo.ID, at.Add(time.Second), "=HYPERLINK(\"http://x\")", "test.csv", "office", "8", "@SUM(1+1)")
	h.appendAudit(h.borgo.ID, at.Add(2*time.Second), "àèìòù@borgo.example.it", "test.other", "office", "9", "già così")
	h.appendAudit(h.marina.ID, at, "marina@marina.example.it", "test.csv", "office", "7", "di Marina")
	c := h.staff(borgo, "admin@borgo")

	r := c.get("/backoffice/registro-attivita.csv?action=test.csv&before=999999")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="registro-attivita-borgo-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	if !strings.HasPrefix(r.Body, "\ufeff") {
		t.Fatal("no byte order mark")
	}
	if !strings.Contains(r.Body, "\r\n") {
		t.Fatal("records must end with CRLF")
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.Body)
	}
	wantHeader := []string{"Data e ora", "Tipo di autore", "Autore", "Azione", "Tipo di oggetto", "Identificativo dell'oggetto", "Dettagli", "Indirizzo IP", "Browser", "Codice della richiesta"}
	if strings.Join(rows[0], "|") != strings.Join(wantHeader, "|") {
		t.Fatalf("header %q", rows[0])
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2 (filter by action, whole tenant, no paging):\n%q", len(rows), rows)
	}
	want := [][]string{
		{"2025-08-15 00:15:31", "staff", "'=HYPERLINK(\"http://x\")", "test.csv", "office", "8", "'@SUM(1+1)", "192.0.2.7", "Test/1.0", "req-8"},
		{"2025-08-15 00:15:30", "staff", "Rossi; \"Mario\"", "test.csv", "office", "7", tricky, "192.0.2.7", "Test/1.0", "req-7"},
	}
	for i, w := range want {
		if strings.Join(rows[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i+1], w)
		}
	}
	// UTF-8 survives, in English the header is English.
	en := h.staff(borgo, "admin@borgo")
	req := reqLang("/backoffice/registro-attivita.csv?action=test.other", "en")
	r = en.do(req)
	expectContains(t, r.Body, "Date and time;Actor kind;Actor;", "àèìòù@borgo.example.it", "già così")
	expectLacks(t, r.Body, "di Marina")

	// Exports are audited with the filter and the number of rows.
	e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{Action: "audit.export"}), "audit.export", "")
	if !ok || e.Actor.ID != h.acc["admin@borgo"].ID || e.Detail != "action=test.other (1)" {
		t.Fatalf("audit.export: %+v", e)
	}
	if len(h.auditLog(h.borgo.ID, audit.Filter{Action: "audit.export"})) != 2 {
		t.Fatal("each export is audited")
	}
	// A bad filter is a translated 422, not a file.
	r = c.get("/backoffice/registro-attivita.csv?from=ieri")
	expectStatus(t, r, http.StatusUnprocessableEntity)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatal("error must not be a CSV")
	}
}
