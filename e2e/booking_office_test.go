//go:build e2e

package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"piazza/internal/demo"
)

var confirmLinkRE = regexp.MustCompile(`/prenotazioni/conferma\?c=[A-Za-z0-9_.%-]+`)

// TestBookingByEmailAndOffice books without signing in at the second office of the
// second comune (the confirmation comes by email, opened from Mario Rossi's
// mailbox since the booking gives his address), then walks the operators' pages:
// the week, the list to print, a booking taken on the phone and the calendars.
// Every page is checked with axe-core by the tab helpers.
func TestBookingByEmailAndOffice(t *testing.T) {
	slug := demoComuni[1]
	mario := demo.Citizens[0]
	anon := newTab(t)
	anon.disableJS()
	anon.visit(anon.h.siteURL(slug, "/prenota-appuntamento"))
	offices := anon.links(`main a.btn[href*="/prenota-appuntamento/"]`)
	if len(offices) < 2 {
		t.Fatalf("%d offices take bookings", len(offices))
	}
	officeName := strings.TrimSpace(runEval[string](anon, `document.querySelectorAll('main .card-title')[1].textContent`))
	anon.visit(offices[1])
	slot := anon.chooseNth("slot", 5)
	anon.submitForm(`main form[action$="/dati"]`)
	topic := runEval[string](anon, `document.querySelector('#topic').options[1].value`)
	anon.set("topic", topic)
	anon.fill(`input[name="name"]`, "Mario Rossi")
	anon.fill(`input[name="email"]`, mario.Email)
	anon.submitForm(`main form[action$="/riepilogo"]`)
	anon.submitForm(`main form[action$="/conferma"]`)
	if txt := anon.text(); !strings.Contains(txt, "Controlla la tua email") {
		t.Fatalf("after asking, at %s:\n%s", anon.url, txt)
	}

	// The confirmation email reaches Mario's mailbox.
	cit := newTab(t)
	cit.visit(cit.h.siteURL(slug, "/accedi"))
	cit.followText("Entra con SPID")
	cit.followText(mario.GivenName + " " + mario.FamilyName)
	var link string
	for range 40 {
		cit.visit(cit.h.siteURL(slug, "/area-personale/posta"))
		if strings.Contains(cit.text(), "Conferma la prenotazione") {
			cit.followText("Conferma la prenotazione")
			if link = confirmLinkRE.FindString(cit.text()); link != "" {
				break
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("no confirmation link in Mario's mailbox:\n%s", cit.text())
	}
	anon.visit(anon.h.siteURL(slug, link))
	anon.submitForm(`main form[action="/prenotazioni/conferma"]`)
	page := anon.text()
	code := receiptCodeRE.FindString(page)
	if code == "" || !strings.Contains(page, "Prenotazione confermata") || !strings.Contains(page, slot[11:]) {
		t.Fatalf("after confirming, at %s:\n%s", anon.url, page)
	}

	// The operators' side, as the comune's admin.
	admin := staffAccount(t, slug)
	op := newTab(t)
	op.visit(op.h.siteURL(slug, "/backoffice/accedi"))
	op.signIn(admin.Email)
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti/calendari"))
	op.follow(`main a[href$="/modifica"]`)
	op.submitForm(`main form[action$="/modifica"]`)
	if !strings.Contains(op.text(), "Calendario salvato") {
		t.Errorf("calendar not saved: %s", op.text())
	}
	// The week of the booking, at the office of the booking.
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti"))
	officeID := runEval[string](op, `(Array.from(document.querySelectorAll('#ufficio option')).find(o => o.textContent.trim() === `+jsString(officeName)+`) || {}).value || ""`)
	if officeID == "" {
		t.Fatalf("office %q not in the operator's list", officeName)
	}
	q := "?ufficio=" + officeID + "&giorno=" + slot[:10]
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti/settimana"+q))
	if !strings.Contains(op.text(), "Mario Rossi") {
		t.Errorf("the week does not show the booking:\n%s", op.text())
	}
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti/stampa"+q))
	if !strings.Contains(op.text(), code) {
		t.Errorf("the list to print lacks %s:\n%s", code, op.text())
	}
	// A phone booking on the same day.
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti/nuova"+q))
	op.set("topic", topic)
	op.fill(`input[name="name"]`, "Giuseppe Verdi")
	op.fill(`input[name="phone"]`, "0564 123456")
	op.submitForm(`main form[method="post"]`)
	if txt := op.text(); !strings.Contains(txt, "Prenotazione registrata") || !strings.Contains(txt, "Giuseppe Verdi") {
		t.Fatalf("after the phone booking, at %s:\n%s", op.url, txt)
	}
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
