//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"piazza/internal/demo"
)

// choose ticks the radio button or checkbox with that name and value (Bootstrap
// Italia hides the native input behind its label).
func (tb *tab) choose(name, value string) {
	tb.t.Helper()
	sel, _ := json.Marshal(`input[name="` + name + `"][value="` + value + `"]`)
	if !runEval[bool](tb, `(el => { if (!el) return false; el.checked = true; return true; })(document.querySelector(`+string(sel)+`))`) {
		tb.t.Fatalf("%s: no %s=%s to choose", tb.url, name, value)
	}
}

// next presses "Salva e continua". The fill pages' forms are novalidate (the server
// checks every answer), and a question hidden by a condition may be required when
// shown, so the click goes through without the browser's own validation.
func (tb *tab) next() int {
	tb.t.Helper()
	return tb.follow(`button.btn[name="_nav"][value="next"]`)
}

var receiptCodeRE = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// TestApplicationJourney is the whole life of an application in the browser: a
// citizen fills the access-to-records form (an error, a draft saved and resumed,
// an attachment), submits it and gets the protocol number; the operator takes it
// in charge and asks for an integration; the citizen answers; the operator
// accepts it with an outcome; the citizen sees the outcome and the receipt email.
func TestApplicationJourney(t *testing.T) {
	slug := demoComuni[0]
	cit := newTab(t)
	cit.visit(cit.h.siteURL(slug, "/accedi"))
	cit.followText("Entra con SPID")
	person := demo.Citizens[1]
	cit.followText(person.GivenName + " " + person.FamilyName)
	cit.followText("Le mie pratiche")
	if cit.path() != "/area-personale/pratiche" {
		t.Fatalf("the personal area does not lead to the applications, at %s", cit.url)
	}
	cit.visit(cit.h.siteURL(slug, "/servizi/autorizzazioni/accesso-atti/richiesta"))
	if !strings.Contains(cit.text(), "Passo 1 di") {
		t.Fatalf("no step indicator at %s", cit.url)
	}
	code := receiptCodeRE.FindString(cit.path())
	// The first step without its answer: the error summary and the field's error.
	cit.submitStatus(`button[name="_nav"][value="next"]`, 422)
	cit.choose("capacity", "self")
	cit.next()
	cit.fill(`[name="documents"]`, "Concessione edilizia n. 45/2019, via Garibaldi 12.")
	cit.choose("access_type", "copy")
	cit.fill(`[name="reason"]`, "Verifica delle distanze tra i fabbricati confinanti.")
	cit.next()
	cit.choose("delivery", "email")
	cit.fill(`[name="delivery_email"]`, "giulia.bianchi@cittadini.example")
	// Save the draft, then resume it from the list.
	cit.follow(`button[name="_nav"][value="save"]`)
	if cit.path() != "/area-personale/pratiche" {
		t.Fatalf("saving a draft must lead to the list, at %s", cit.url)
	}
	cit.followText("Riprendi")
	pdf := filepath.Join(t.TempDir(), "documento.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n% documento di prova\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cit.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name="identity_document"]`), []string{pdf}))
	cit.next()
	cit.choose("truthful", "yes")
	cit.next()
	if !strings.HasSuffix(cit.path(), "/riepilogo") || !strings.Contains(cit.text(), "documento.pdf") {
		t.Fatalf("the summary must list the answers and the attachment, at %s", cit.url)
	}
	cit.followText("Invia")
	txt := cit.text()
	if !strings.HasSuffix(cit.path(), "/inviata") || !regexp.MustCompile(`\d{7}/\d{4}`).MatchString(txt) || !strings.Contains(txt, code) {
		t.Fatalf("the receipt page must show the code and the protocol number, at %s:\n%s", cit.url, txt)
	}
	cit.followText("Segui la pratica")

	// The operator of the service's office.
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
	op.submit(`form[action$="/presa-in-carico"] [type="submit"]`)
	op.fill(`textarea[name="message"]`, "Il documento d'identità non è leggibile: allegane una copia nitida.")
	op.submit(`form[action$="/integrazione"] [type="submit"]`)
	if !strings.Contains(op.text(), "Integrazione richiesta") {
		t.Fatalf("the application must wait for the integration, at %s", op.url)
	}

	// The citizen answers.
	cit.visit(cit.h.siteURL(slug, "/area-personale/pratiche/"+code))
	if !strings.Contains(cit.text(), "non è leggibile") {
		t.Fatal("the citizen does not see the office's request")
	}
	cit.submit(`form[action$="/integrazione"] [type="submit"]`)
	for i := 0; i < 6 && !strings.HasSuffix(cit.path(), "/riepilogo"); i++ {
		cit.next()
	}
	cit.followText("Invia")
	if !strings.Contains(cit.text(), "Integrazione inviata") {
		t.Fatalf("after answering: at %s", cit.url)
	}

	// The operator accepts it.
	op.visit(op.h.siteURL(slug, "/backoffice/pratiche/"+code))
	op.choose("outcome", "accept")
	op.fill(`form[action$="/esito"] textarea[name="motivation"]`, "Accesso consentito: la copia è inviata per email.")
	op.submit(`form[action$="/esito"] [type="submit"]`)
	if !strings.Contains(op.text(), "Accolta") {
		t.Fatalf("after the outcome: at %s", op.url)
	}
	op.visit(op.h.siteURL(slug, "/backoffice/pratiche?stato=accepted"))

	cit.visit(cit.h.siteURL(slug, "/area-personale/pratiche/"+code))
	if txt := cit.text(); !strings.Contains(txt, "Accolta") || !strings.Contains(txt, "esito-"+code+".pdf") {
		t.Fatalf("the citizen must see the outcome and its document:\n%s", txt)
	}
	// The emails (written by background jobs): the receipt and the outcome.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cit.visit(cit.h.siteURL(slug, "/area-personale/posta"))
		txt := cit.text()
		if strings.Contains(txt, "ricevuta della domanda "+code) && strings.Contains(txt, "è ora «Accolta»") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mailbox lacks the receipt or the outcome of %s:\n%s", code, txt)
		}
		time.Sleep(time.Second)
	}
}
