package web

import (
	"net/http"
	"net/url"
	"testing"

	"piazza/internal/audit"
)

func TestBackofficeCitizenSearch(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	c := h.staff(borgo, "operator@borgo")
	tests := []struct {
		q         string
		status    int
		want, not []string
		audited   bool
	}{
		{"", http.StatusOK, []string{`id="q"`}, []string{"Risultati"}, false},
		{"ro", http.StatusUnprocessableEntity, []string{`href="#q"`, `id="q-error"`, "Scrivi almeno 3 caratteri", `value="ro"`}, []string{"Risultati"}, false},
		{"rossi", http.StatusOK, []string{"RSSMRA80A01H501U", `href="/backoffice/cittadini/` + id(fx.borgoCitizen.ID) + `"`}, []string{"BNCGLI85M52F205H", "Esposito"}, true},
		{"rssmra80", http.StatusOK, []string{"RSSMRA80A01H501U"}, []string{"Esposito"}, true},
		{"Anna Esp", http.StatusOK, []string{"SPSNNA72E54F839G"}, []string{"Rossi", "Esposito-Marina"}, true},
		{"100%", http.StatusOK, []string{"Nessun cittadino corrisponde"}, []string{"RSSMRA80A01H501U"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			before := len(h.auditLog(h.borgo.ID, audit.Filter{Action: "citizen.search"}))
			r := c.get("/backoffice/cittadini?q=" + url.QueryEscape(tt.q))
			expectStatus(t, r, tt.status)
			expectContains(t, r.Body, tt.want...)
			expectLacks(t, r.Body, tt.not...)
			log := h.auditLog(h.borgo.ID, audit.Filter{Action: "citizen.search"})
			if got := len(log) - before; (got == 1) != tt.audited || got > 1 {
				t.Fatalf("%d search entries written, audited=%v", got, tt.audited)
			}
			if tt.audited && (log[0].Actor.ID != h.acc["operator@borgo"].ID || log[0].Actor.Label != "operator@borgo.example.it") {
				t.Fatalf("search entry does not name the searcher: %+v", log[0])
			}
		})
	}
}

func TestBackofficeCitizenView(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	for _, key := range []string{"operator@borgo", "viewer@borgo", "admin@borgo"} {
		t.Run(key, func(t *testing.T) {
			r := h.staff(borgo, key).get("/backoffice/cittadini/" + id(fx.borgoCitizen.ID))
			expectStatus(t, r, http.StatusOK)
			expectContains(t, r.Body, "<h1>Mario Rossi</h1>", "RSSMRA80A01H501U", "registrata nel registro attività")
			// The entry names who looked at whom.
			e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{Action: "citizen.view"}), "citizen.view", id(fx.borgoCitizen.ID))
			if !ok || e.Actor.Kind != audit.ActorStaff || e.Actor.ID != h.acc[key].ID || e.Actor.Label != h.acc[key].Email ||
				e.ObjectType != "citizen" || e.Detail != "RSSMRA80A01H501U" || e.Actor.IP != "192.0.2.10" || e.Actor.RequestID == "" {
				t.Fatalf("citizen.view entry: %+v", e)
			}
		})
	}
	if n := len(h.auditLog(h.borgo.ID, audit.Filter{Action: "citizen.view"})); n != 3 {
		t.Fatalf("%d view entries, want one per view", n)
	}
	// An editor may not look, and the attempt leaves no view entry.
	expectStatus(t, h.staff(borgo, "editor@borgo").get("/backoffice/cittadini/"+id(fx.borgoCitizen.ID)), http.StatusForbidden)
	if n := len(h.auditLog(h.borgo.ID, audit.Filter{Action: "citizen.view"})); n != 3 {
		t.Fatal("a refused view was recorded as a view")
	}
}
