//go:build e2e

package e2e

import (
	"regexp"
	"strings"
	"testing"

	"piazza/internal/demo"
)

var reportCodeRE = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// TestReportJourney is the reports issue's acceptance flow in the browser: a visitor
// without JavaScript follows the footer's "Segnala disservizio", files a report with
// an address, sees its public page; the front desk's operator finds it in the
// office's queue, takes it in charge and marks it fixed; the public page shows it
// fixed. Every page is checked with axe-core by the tab helpers.
func TestReportJourney(t *testing.T) {
	slug := demoComuni[0]
	cit := newTab(t)
	cit.disableJS()
	cit.visit(cit.h.siteURL(slug, "/"))
	cit.follow(`footer a[data-element="report-inefficiency"]`)
	if cit.path() != "/segnalazioni" {
		t.Fatalf("Segnala disservizio leads to %s", cit.url)
	}
	cit.follow(`main a[href="/segnalazioni/nuova"]`)
	if !runEval[bool](cit, `(s => { const o = [...s.options].find(o => o.text.includes("Rifiuti abbandonati")); if (!o) return false; s.value = o.value; return true; })(document.querySelector('select[name="category"]'))`) {
		t.Fatal("no Rifiuti abbandonati category")
	}
	cit.set("address", "Via Garibaldi 14")
	cit.set("subject", "Sacchi abbandonati vicino alla scuola")
	cit.fill(`textarea[name="description"]`, "Tre sacchi neri lasciati accanto ai cassonetti da due giorni.")
	cit.set("name", "Elena Verdi")
	cit.set("email", "elena.verdi@example.it")
	cit.submitForm(`main form[action="/segnalazioni/nuova"]`)
	page := cit.text()
	code := reportCodeRE.FindString(page)
	if code == "" || !strings.Contains(page, "Segnalazione inviata") || strings.Contains(page, "Elena Verdi") {
		t.Fatalf("the report's page at %s:\n%s", cit.url, page)
	}

	var operator demo.StaffAccount
	for _, s := range demo.Staff {
		if s.Tenant == slug && strings.HasPrefix(s.Email, "operatore@") {
			operator = s
		}
	}
	op := newTab(t)
	op.visit(op.h.siteURL(slug, "/backoffice/accedi"))
	op.signIn(operator.Email)
	op.visit(op.h.siteURL(slug, "/backoffice/segnalazioni"))
	if !runEval[bool](op, `(s => { const o = [...s.options].find(o => o.text.includes("Relazioni con il Pubblico")); if (!o) return false; s.value = o.value; return true; })(document.querySelector('select[name="ufficio"]'))`) {
		t.Fatalf("the operator cannot choose the front desk:\n%s", op.text())
	}
	op.submitForm(`main form[action="/backoffice/segnalazioni"]`)
	op.followText("Sacchi abbandonati vicino alla scuola")
	if txt := op.text(); !strings.Contains(txt, "elena.verdi@example.it") || !strings.Contains(txt, code) {
		t.Fatalf("the operator's page lacks the contacts or the code:\n%s", txt)
	}
	for _, step := range []struct{ status, body string }{{"acknowledged", "Presa in carico."}, {"fixed", "Rifiuti rimossi stamattina."}} {
		op.set("status", step.status)
		op.fill(`textarea[name="body"]`, step.body)
		op.submitForm(`main form[method="post"]`)
		if !strings.Contains(op.text(), "Segnalazione aggiornata") {
			t.Fatalf("after %s:\n%s", step.status, op.text())
		}
	}
	cit.visit(cit.h.siteURL(slug, "/segnalazioni/"+code))
	if txt := cit.text(); !strings.Contains(txt, "Risolta") || !strings.Contains(txt, "Rifiuti rimossi stamattina.") {
		t.Fatalf("the public page is not updated:\n%s", txt)
	}
}
