//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"piazza/internal/demo"
)

// set gives a field a value the way typing would, whatever its kind of input (dates
// included).
func (tb *tab) set(name, value string) {
	tb.t.Helper()
	sel, _ := json.Marshal(`[name="` + name + `"]`)
	v, _ := json.Marshal(value)
	if !runEval[bool](tb, `(el => { if (!el) return false; el.value = `+string(v)+`; el.dispatchEvent(new Event('input', {bubbles: true})); return true; })(document.querySelector(`+string(sel)+`))`) {
		tb.t.Fatalf("%s: no field %s", tb.url, name)
	}
}

// fetchStart fetches a URL from the page (with its cookies) and returns the first
// bytes of the body, to check a download without downloading it.
func (tb *tab) fetchStart(path string) string {
	tb.t.Helper()
	p, _ := json.Marshal(path)
	return run(tb, chromedp.Evaluate[string](`fetch(`+string(p)+`).then(r => r.ok ? r.text() : "HTTP " + r.status).then(t => t.slice(0, 8))`, chromedp.EvalAwaitPromise))
}

// submitForm submits the form as its submit button would, without a mouse click
// (on a long page a click can land on whatever covers the button at that scroll
// position), and checks the page it leads to.
func (tb *tab) submitForm(css string) int {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	return tb.navigateWith("submit "+css, func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](`(f => { f.requestSubmit(); })(document.querySelector(`+string(sel)+`))`))
	})
}

// TestCanteenEnrolment is the acceptance flow, as a new user would go
// through it: Mario Rossi of Borgo Fiorito signs in, enrols two children in the
// school canteen with the ISEE attestation, saves the draft, resumes it, submits,
// sees the protocol number and downloads the receipt; the operator takes it in
// charge and asks for an integration; Mario answers; the operator accepts it with
// an outcome document; Mario sees the outcome in the personal area and in the email
// the comune sent him. Every page is checked with axe-core by the tab helpers.
func TestCanteenEnrolment(t *testing.T) {
	slug := demoComuni[0]
	mario := demo.Citizens[0]
	cit := newTab(t)
	cit.visit(cit.h.siteURL(slug, "/"))
	cit.follow(`header a[data-element="all-services"]`)
	cit.followText("Iscrizione alla mensa scolastica")
	cit.follow(`a[data-element="service-online-access"]`)
	// Not signed in yet: the service asks for SPID first and comes back.
	if !strings.HasPrefix(cit.path(), "/accedi") {
		t.Fatalf("starting the service without signing in: at %s", cit.url)
	}
	cit.followText("Entra con SPID")
	cit.followText(mario.GivenName + " " + mario.FamilyName)
	if !strings.Contains(cit.path(), "/compila/") {
		t.Fatalf("after signing in the citizen must land in the service's form, at %s", cit.url)
	}
	code := receiptCodeRE.FindString(cit.path())

	// Step 1: the parent, prefilled from SPID.
	if got := runEval[string](cit, `(document.querySelector('[name="fiscal_code"]') || {}).value || ""`); got != mario.FiscalCode {
		t.Errorf("the parent's fiscal code is not prefilled: %q", got)
	}
	cit.next()
	// Step 2: residence.
	cit.choose("resident", "yes")
	cit.set("address.street", "Via dei Mulini")
	cit.set("address.number", "12")
	cit.set("address.postcode", "27099")
	cit.set("address.municipality", "Borgo Fiorito")
	cit.set("address.province", "PV")
	cit.next()
	// Step 3: two children, the second added with "Aggiungi".
	child := func(i, given, fc, birth, school, class string) {
		p := "children." + i + "."
		cit.set(p+"given_name", given)
		cit.set(p+"family_name", "Rossi")
		cit.set(p+"fiscal_code", fc)
		cit.set(p+"birth_date", birth)
		cit.set(p+"school", school)
		cit.set(p+"class", class)
		cit.choose(p+"special_diet", "no")
	}
	child("0", "Luca", "RSSLCU15T10G388F", "2015-12-10", "primaria-collodi", "4A")
	cit.follow(`button[name="_add"][value="children"]`)
	child("1", "Giulia", "RSSGLI17H52G388A", "2017-06-12", "primaria-collodi", "2B")
	cit.next()
	if !strings.Contains(cit.path(), "/compila/tariffa") {
		t.Fatalf("after the children: at %s\n%s", cit.url, cit.text())
	}
	// Step 4: ISEE with its attestation; then save the draft and leave.
	cit.choose("has_isee", "yes")
	cit.set("isee", "12.500,00")
	pdf := filepath.Join(t.TempDir(), "attestazione-isee.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n% attestazione ISEE di prova\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cit.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name="isee_attestation"]`), []string{pdf}))
	cit.follow(`button[name="_nav"][value="save"]`)
	if cit.path() != "/area-personale/pratiche" {
		t.Fatalf("saving the draft must lead to the list, at %s", cit.url)
	}
	// Resume this draft (the demo gives Mario others) from the list: it continues
	// where it was left, with the attachment kept.
	cit.follow(`main a[href^="/area-personale/pratiche/` + code + `/compila/"]`)
	if !strings.Contains(cit.text(), "attestazione-isee.pdf") {
		t.Fatalf("the resumed draft lost its attachment, at %s", cit.url)
	}
	cit.next()
	cit.choose("truthful", "yes")
	cit.choose("rules", "yes")
	cit.next()
	sum := cit.text()
	if !strings.HasSuffix(cit.path(), "/riepilogo") || !strings.Contains(sum, "Luca") || !strings.Contains(sum, "Giulia") || !strings.Contains(sum, "attestazione-isee.pdf") {
		t.Fatalf("the summary must show both children and the attachment, at %s:\n%s", cit.url, sum)
	}
	cit.followText("Invia")
	sent := cit.text()
	protocolRE := regexp.MustCompile(`\d{7}/\d{4}`)
	if !strings.HasSuffix(cit.path(), "/inviata") || !protocolRE.MatchString(sent) {
		t.Fatalf("the receipt page must show the protocol number, at %s (status %d):\n%s\n%s", cit.url, cit.status, sent, runEval[string](cit, `document.body.innerText.slice(0, 3000)`))
	}
	if got := cit.fetchStart("/area-personale/pratiche/" + code + "/ricevuta.pdf"); got != "%PDF-1.4" && !strings.HasPrefix(got, "%PDF") {
		t.Fatalf("the receipt does not download as a PDF: %q", got)
	}

	// The operator of the schools office.
	var operator demo.StaffAccount
	for _, s := range demo.Staff {
		if s.Tenant == slug && strings.HasPrefix(s.Email, "operatore@") {
			operator = s
		}
	}
	op := newTab(t)
	op.visit(op.h.siteURL(slug, "/backoffice/accedi"))
	op.signIn(operator.Email)
	op.visit(op.h.siteURL(slug, "/backoffice/pratiche"))
	op.follow(`a[href="/backoffice/pratiche/` + code + `"]`)
	if txt := op.text(); !strings.Contains(txt, "Luca") || !strings.Contains(txt, "attestazione-isee.pdf") {
		t.Fatalf("the operator does not see the answers and the attachment:\n%s", txt)
	}
	op.submitForm(`form[action$="/presa-in-carico"]`)
	op.fill(`textarea[name="message"]`, "L'attestazione ISEE allegata è scaduta: allega quella del 2026.")
	op.submitForm(`form[action$="/integrazione"]`)

	// Mario answers with a new attestation.
	cit.visit(cit.h.siteURL(slug, "/area-personale/pratiche/"+code))
	if !strings.Contains(cit.text(), "è scaduta") {
		t.Fatal("the citizen does not see the office's request")
	}
	cit.submit(`form[action$="/integrazione"] [type="submit"]`)
	for i := 0; i < 8 && !strings.HasSuffix(cit.path(), "/riepilogo"); i++ {
		if strings.Contains(cit.path(), "/compila/tariffa") && !strings.Contains(cit.text(), "isee-2026.pdf") {
			// Replace the expired attestation: remove it, attach the new one.
			runEval[bool](cit, `(() => { document.querySelectorAll('input[name="isee_attestation._remove"]').forEach(c => c.checked = true); return true })()`)
			pdf2 := filepath.Join(t.TempDir(), "isee-2026.pdf")
			os.WriteFile(pdf2, []byte("%PDF-1.4\n% attestazione ISEE 2026\n"), 0o600)
			cit.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name="isee_attestation"]`), []string{pdf2}))
		}
		cit.next()
	}
	cit.followText("Invia")
	if !strings.Contains(cit.text(), "Integrazione inviata") {
		t.Fatalf("after answering the integration: at %s:\n%s", cit.url, cit.text())
	}

	// The operator accepts it with the outcome.
	op.visit(op.h.siteURL(slug, "/backoffice/pratiche/"+code))
	op.choose("outcome", "accept")
	op.fill(`form[action$="/esito"] textarea[name="motivation"]`, "Iscrizione accolta per l'anno scolastico 2026/27, tariffa ridotta.")
	op.submitForm(`form[action$="/esito"]`)
	if !strings.Contains(op.text(), "Accolta") {
		t.Fatalf("after the outcome: at %s", op.url)
	}

	// Mario sees the outcome in the personal area...
	cit.visit(cit.h.siteURL(slug, "/area-personale/pratiche/"+code))
	if txt := cit.text(); !strings.Contains(txt, "Accolta") || !strings.Contains(txt, "esito-"+code+".pdf") {
		t.Fatalf("the citizen must see the outcome and its document:\n%s", txt)
	}
	// ...and in the email the comune sent (the demo's outbox), once the job ran.
	var mail string
	for range 40 {
		cit.visit(cit.h.siteURL(slug, "/area-personale/posta"))
		if mail = cit.text(); strings.Contains(mail, code) && strings.Contains(strings.ToLower(mail), "accolt") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(mail, code) || !strings.Contains(strings.ToLower(mail), "accolt") {
		t.Fatalf("no email about the outcome in Mario's mailbox:\n%s", mail)
	}
	cit.follow(`main a[href^="/area-personale/posta/"]`)
}
