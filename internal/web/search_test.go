package web

import (
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
