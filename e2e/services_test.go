//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// cardElements are the data-elements the checker reads on a service card
// (reference/modello-comuni.md §3.4).
var cardElements = []string{
	`[data-element="service-title"]`, `[data-element="service-status"]`, `[data-element="service-description"]`,
	`[data-element="page-index"]`, `[data-element="service-addressed"]`, `[data-element="service-how-to"]`,
	`[data-element="service-needed"]`, `[data-element="service-achieved"]`, `[data-element="service-calendar-text"]`,
	`[data-element="service-file"]`, `[data-element="service-area"]`, `[data-element="service-topic"]`,
	`script[data-element="metatag"]`,
}

// TestServiceCards walks the Servizi page of each comune, its search, and every
// kind of card: online, booking, in person, external and suspended.
func TestServiceCards(t *testing.T) {
	env(t)
	for _, slug := range demoComuni {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t)
			tb.visit(tb.h.siteURL(slug, "/"))
			tb.follow(`header a[data-element="all-services"]`)
			links := tb.links(`a[data-element="service-link"]`)
			if len(links) < 12 {
				t.Fatalf("the Servizi page links %d service cards, want at least 12", len(links))
			}
			for _, u := range links {
				tb.visit(u)
				tb.requireElements(publicChrome...)
				tb.requireElements(cardElements...)
			}
			tb.visit(tb.h.siteURL(slug, "/servizi?q=mensa"))
			if !strings.Contains(tb.text(), "Iscrizione alla mensa scolastica") {
				t.Errorf("searching «mensa» does not find the canteen card")
			}
		})
	}
}

// TestServiceCardsBackOffice edits a card as the editor, adopts a template of the
// shared catalogue as the admin, and publishes one as the consortium operator.
func TestServiceCardsBackOffice(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	tb.visit(tb.h.siteURL(slug, "/backoffice/accedi"))
	tb.signIn("redattore@" + slug + ".example")
	tb.visit(tb.h.siteURL(slug, "/backoffice/servizi"))
	tb.followText("Iscrizione alla mensa scolastica")
	tb.visit(tb.h.siteURL(slug, "/backoffice/servizi/nuovo"))
	tb.submitStatus(`main form [type="submit"]`, 422)

	op := newTab(t)
	op.visit(op.h.platformURL("/accedi"))
	op.signIn("operatore@piazza.example")
	op.visit(op.h.platformURL("/catalogo"))
	op.selectByText(`#source`, "Comune di Borgo Fiorito — Occupazione di suolo pubblico")
	op.fill(`#note`, "Regolamento tipo per il canone unico patrimoniale")
	op.submit(`form[action="/catalogo/pubblica"] [type="submit"]`)
	if !strings.Contains(op.text(), "Modello pubblicato nel catalogo condiviso") {
		t.Fatalf("the template was not published: %s", op.text())
	}
	op.visit(op.h.platformURL("/posta-inviata"))

	adm := newTab(t)
	other := demoComuni[1]
	adm.visit(adm.h.siteURL(other, "/backoffice/accedi"))
	adm.signIn("amministratore@" + other + ".example")
	adm.visit(adm.h.siteURL(other, "/backoffice/catalogo"))
	if !strings.Contains(adm.text(), "Occupazione di suolo pubblico") {
		t.Fatalf("the template is not in %s's catalogue", other)
	}
}

// selectByText chooses the option of a select box whose label is text.
func (tb *tab) selectByText(css, text string) {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	label, _ := json.Marshal(text)
	ok := runEval[bool](tb, `(() => { const s = document.querySelector(`+string(sel)+`); if (!s) return false;
		const o = [...s.options].find(o => o.text.trim() === `+string(label)+`); if (!o) return false;
		s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if !ok {
		tb.t.Fatalf("%s: no option %q in %s", tb.url, text, css)
	}
}
