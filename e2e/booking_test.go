//go:build e2e

package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/demo"
)

// chooseNth checks the n-th radio button named name on the page and returns its value.
func (tb *tab) chooseNth(name string, n int) string {
	tb.t.Helper()
	v := runEval[string](tb, `(() => { const l = document.querySelectorAll('input[type="radio"][name="`+name+`"]'); if (l.length <= `+strconv.Itoa(n)+`) return ""; l[`+strconv.Itoa(n)+`].checked = true; return l[`+strconv.Itoa(n)+`].value; })()`)
	if v == "" {
		tb.t.Fatalf("%s: fewer than %d choices of %s", tb.url, n+1, name)
	}
	return v
}

// TestBookingJourney is the booking issue's acceptance flow, as a new user would go
// through it: Mario Rossi books an appointment at the registry office from the
// identity card's service card (no JavaScript needed), receives the email with the
// .ics, moves the appointment from its page, and the operator sees it at the new
// time in the office's day. Every page is checked with axe-core by the tab helpers.
func TestBookingJourney(t *testing.T) {
	slug := demoComuni[0]
	mario := demo.Citizens[0]
	cit := newTab(t)
	cit.disableJS()
	cit.visit(cit.h.siteURL(slug, "/accedi"))
	cit.followText("Entra con SPID")
	cit.followText(mario.GivenName + " " + mario.FamilyName)

	cit.visit(cit.h.siteURL(slug, "/"))
	cit.requireElements(`footer a[data-element="appointment-booking"]`)
	cit.follow(`header a[data-element="all-services"]`)
	cit.requireElements(`main a[data-element="appointment-booking"]`)
	cit.followText("Carta d'identità elettronica")
	cit.requireElements(`main a[data-element="appointment-booking"]`)
	cit.follow(`a[data-element="service-booking-access"]`)
	if !strings.HasPrefix(cit.path(), "/prenota-appuntamento") {
		t.Fatalf("the card's booking button leads to %s", cit.url)
	}
	cit.follow(`main a.btn[href^="/prenota-appuntamento/"]`)
	first := cit.chooseNth("slot", 0)
	cit.submitForm(`main form[action$="/dati"]`)
	if got := runEval[string](cit, `document.querySelector('[name="email"]').value`); got != mario.Email {
		t.Errorf("the email is not prefilled: %q", got)
	}
	if got := runEval[string](cit, `document.querySelector('[name="topic"]').value`); got != "Carta d'identità elettronica" {
		t.Errorf("the topic is not the service: %q", got)
	}
	cit.fill(`textarea[name="reason"]`, "Rinnovo della carta scaduta.")
	cit.submitForm(`main form[action$="/riepilogo"]`)
	if !strings.Contains(cit.text(), "Riepilogo") {
		t.Fatalf("no review at %s:\n%s", cit.url, cit.text())
	}
	cit.submitForm(`main form[action$="/conferma"]`)
	page := cit.text()
	code := receiptCodeRE.FindString(page)
	if code == "" || !strings.Contains(page, "Prenotazione confermata") || !strings.Contains(page, first[11:]) {
		t.Fatalf("the booking's page at %s:\n%s", cit.url, page)
	}

	// The email, with the .ics, in Mario's mailbox once the job ran.
	var mail string
	for range 40 {
		cit.visit(cit.h.siteURL(slug, "/area-personale/posta"))
		if mail = cit.text(); strings.Contains(mail, code) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !strings.Contains(mail, code) {
		t.Fatalf("no booking email in Mario's mailbox:\n%s", mail)
	}
	cit.follow(`main a[href^="/area-personale/posta/"]`)
	if txt := cit.text(); !strings.Contains(txt, "appuntamento-"+code+".ics") || !strings.Contains(txt, "/prenotazioni/"+code+"?t=") {
		t.Fatalf("the email lacks the .ics or the link:\n%s", txt)
	}

	// Move it from the personal area.
	cit.visit(cit.h.siteURL(slug, "/area-personale/appuntamenti"))
	cit.follow(`main a[href^="/prenotazioni/` + code + `"]`)
	cit.follow(`main a[href*="/sposta"]`)
	moved := cit.chooseNth("slot", 3)
	cit.submitForm(`main form[action$="/sposta"]`)
	if txt := cit.text(); !strings.Contains(txt, "Appuntamento spostato") || !strings.Contains(txt, moved[11:]) {
		t.Fatalf("after moving, at %s:\n%s", cit.url, txt)
	}

	// The operator of the registry office sees it at the new time.
	var operator demo.StaffAccount
	for _, s := range demo.Staff {
		if s.Tenant == slug && strings.HasPrefix(s.Email, "operatore@") {
			operator = s
		}
	}
	op := newTab(t)
	op.visit(op.h.siteURL(slug, "/backoffice/accedi"))
	op.signIn(operator.Email)
	op.visit(op.h.siteURL(slug, "/backoffice/appuntamenti"))
	op.set("giorno", moved[:10])
	op.submitForm(`main form[action="/backoffice/appuntamenti"]`)
	row := runEval[string](op, `(document.getElementById('b-`+code+`') || {}).innerText || ""`)
	if !strings.Contains(row, "Mario Rossi") || !strings.Contains(row, moved[11:]) || !strings.Contains(row, "Prenotato") {
		t.Fatalf("the operator's day at %s does not show the moved booking: %q\n%s", op.url, row, op.text())
	}
	op.submitForm(`#b-` + code + ` form`)
	if row := runEval[string](op, `(document.getElementById('b-`+code+`') || {}).innerText || ""`); !strings.Contains(row, "Arrivato") {
		t.Fatalf("check-in not shown: %q", row)
	}
}
