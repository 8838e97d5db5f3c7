//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"piazza/internal/demo"
)

// TestFormsBackOffice opens the forms of the demo's online services as the editor:
// the list, each JSON editor with the preview of every step (so every field type of
// the demo passes axe-core as the partial renders it), and a definition with
// problems, which comes back with them listed by line.
func TestFormsBackOffice(t *testing.T) {
	tb := newTab(t)
	slug := demoComuni[0]
	tb.visit(tb.h.siteURL(slug, "/backoffice/accedi"))
	tb.signIn("redattore@" + slug + ".example")
	tb.visit(tb.h.siteURL(slug, "/backoffice/moduli"))
	tb.followText("Iscrizione alla mensa scolastica")
	if txt := tb.text(); !strings.Contains(txt, "Anteprima") || !strings.Contains(txt, "Figlio 1") {
		t.Fatalf("the canteen form's editor has no preview")
	}
	for _, key := range demo.OnlineServices {
		tb.visit(tb.h.siteURL(slug, "/backoffice/moduli/"+key))
		tb.requireElements(`#json`, `.form-preview`)
	}
	tb.visit(tb.h.siteURL(slug, "/backoffice/moduli/permesso-ztl"))
	tb.fill(`#json`, `{"title": "Permesso", "steps": [{"id": "s", "title": "Passo", "fields": [{"name": "targa", "type": "targa", "label": "Targa"}]}]}`)
	tb.submitStatus(`main form [type="submit"]`, 422)
	if txt := tb.text(); !strings.Contains(txt, "Problemi nella definizione") || !strings.Contains(txt, "Riga 1") {
		t.Fatalf("the problems are not listed")
	}
}
