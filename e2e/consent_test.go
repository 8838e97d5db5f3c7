//go:build e2e

package e2e

import (
	"strings"
	"testing"
)

// TestConsentBanner: Marina di Ponente measures its visits with Web Analytics
// Italia. Its pages ask first, with a banner that is a plain form (checked by
// axe-core with the page); until the visitor accepts, the browser loads nothing
// from another site; refusing takes the banner away and loads nothing either.
func TestConsentBanner(t *testing.T) {
	tb := newTab(t)
	h := tb.h
	foreign := func() []string {
		var out []string
		for _, u := range runEval[[]string](tb, `performance.getEntriesByType("resource").map(e => e.name)`) {
			if !sameHost(u, h.siteURL("marinadiponente", "/")) {
				out = append(out, u)
			}
		}
		return out
	}
	tb.visit(h.siteURL("marinadiponente", "/novita"))
	tb.requireElements(`[data-element="cookie-banner"]`, `[data-element="cookie-banner"] button[value="si"]`, `[data-element="cookie-banner"] button[value="no"]`)
	if f := foreign(); len(f) > 0 {
		t.Errorf("requests to other sites before consent: %v", f)
	}
	if status := tb.submit(`[data-element="cookie-banner"] button[value="no"]`); status != 200 {
		t.Fatalf("refusing: status %d", status)
	}
	if p := tb.path(); p != "/novita" {
		t.Errorf("after the choice the visitor is on %s, want back on /novita", p)
	}
	if missing := tb.missing(`[data-element="cookie-banner"]`); len(missing) == 0 {
		t.Error("the banner is still there after refusing")
	}
	if f := foreign(); len(f) > 0 {
		t.Errorf("requests to other sites after refusing: %v", f)
	}
	tb.visit(h.siteURL("marinadiponente", "/preferenze-cookie"))
	if !strings.Contains(tb.text(), "Hai rifiutato") {
		t.Error("the preferences page does not show the choice")
	}
	// Borgo Fiorito measures nothing: no banner at all.
	tb.visit(h.siteURL("borgofiorito", "/"))
	if missing := tb.missing(`[data-element="cookie-banner"]`); len(missing) == 0 {
		t.Error("a comune without analytics shows a consent banner")
	}
}
