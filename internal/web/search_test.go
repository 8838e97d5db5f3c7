package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSearchPage(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "mensa-scolastica", true)
	h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "bozza", false)
	h.mustCard(h.marina.ID, fx.marinaOffice.ID, "mensa-marina", true)
	c := h.client(borgo)
	for _, tc := range []struct {
		path    string
		want    []string
		notWant []string
	}{
		{"/cerca", []string{`id="search-q"`}, []string{"risultati per"}},
		{"/cerca?q=servizio+mensa", []string{"1 risultati per «servizio mensa»", `href="/servizi/educazione-e-formazione/mensa-scolastica"`, "Servizi (1)", "Istruzione (1)"}, []string{"mensa-marina", "bozza"}},
		{"/cerca?q=SERVIZI&tipo=service&argomento=istruzione", []string{"1 risultati", `aria-current="true"`}, nil},
		{"/cerca?q=servizio&tipo=news", []string{"0 risultati", "Nessun risultato"}, nil},
		{"/cerca?q=%22%29%3B+DROP+TABLE&tipo=%3Cx%3E&argomento=..&pagina=-9", []string{"Nessun risultato"}, []string{"<x>"}},
		{"/cerca?q=" + strings.Repeat("mensa+", 300), []string{"risultati per"}, nil},
	} {
		r := c.get(tc.path)
		if r.StatusCode != 200 {
			t.Errorf("%s: %d", tc.path, r.StatusCode)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: missing %q", tc.path, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(r.Body, w) {
				t.Errorf("%s: unexpected %q", tc.path, w)
			}
		}
	}
	if !strings.Contains(c.get("/cerca?q=mensa").Body, "<mark>") {
		t.Error("no highlighted snippet")
	}
}

// TestSearchFindsOffices: an office saved in the back office is found by the site
// search (under "Uffici") and disappears when deleted.
func TestSearchFindsOffices(t *testing.T) {
	h := newHarness(t)
	adm := h.staff(borgo, "admin@borgo")
	r := adm.post("/backoffice/uffici/nuovo", url.Values{"name": {"Ufficio Cimiteri"}, "description": {"Concessioni di loculi e lampade votive."}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create office: %d", r.StatusCode)
	}
	c := h.client(borgo)
	if body := c.get("/cerca?q=loculi").Body; !strings.Contains(body, `href="/amministrazione/uffici/ufficio-cimiteri"`) || !strings.Contains(body, "Uffici (1)") {
		t.Fatal("the office is not found")
	}
	if body := h.client(marina).get("/cerca?q=loculi").Body; strings.Contains(body, "ufficio-cimiteri") {
		t.Fatal("Borgo's office found on Marina's site")
	}
	if r := adm.post(r.Header.Get("Location")+"/elimina", url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete office: %d", r.StatusCode)
	}
	if body := c.get("/cerca?q=loculi").Body; strings.Contains(body, "ufficio-cimiteri") {
		t.Fatal("a deleted office is still found")
	}
}
