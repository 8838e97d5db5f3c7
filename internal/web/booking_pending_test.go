package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"piazza/internal/booking"
	"piazza/internal/session"
	"piazza/internal/store/storetest"
)

var verifyRE = regexp.MustCompile(`https?://\S+/prenotazioni/conferma\?c=([A-Za-z0-9_.%-]+)`)

// bkConfirmByEmail follows an anonymous booking from the "check your email" page
// to the confirmation page the emailed link opens; it returns the link's token.
func bkConfirmByEmail(t *testing.T, e *bookingEnv, c *client, res *response, email string) string {
	t.Helper()
	if loc := res.Header.Get("Location"); loc != "/prenota-appuntamento/anagrafe/email" {
		t.Fatalf("ask went to %q", loc)
	}
	page := c.get("/prenota-appuntamento/anagrafe/email")
	wantStatus(t, page, http.StatusOK, "email sent")
	if !strings.Contains(page.Body, "Controlla la tua email") {
		t.Errorf("email page: %s", clip(page.Body))
	}
	mails := e.mailJobs(t)
	if len(mails) != 1 || mails[0].To[0] != email || !strings.HasPrefix(mails[0].Subject, "Conferma la prenotazione") || len(mails[0].Attachments) != 0 {
		t.Fatalf("mails %+v", mails)
	}
	m := verifyRE.FindStringSubmatch(mails[0].Text)
	if m == nil {
		t.Fatalf("no confirmation link in %s", mails[0].Text)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	page = c.get("/prenotazioni/conferma?c=" + url.QueryEscape(tok))
	wantStatus(t, page, http.StatusOK, "verify page")
	for _, want := range []string{"Conferma la prenotazione", `name="c"`, email} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("verify page lacks %q", want)
		}
	}
	if cc := page.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("verify page Cache-Control %q", cc)
	}
	return tok
}

func TestBookingConfirmByEmail(t *testing.T) {
	e := newBookingEnv(t, 1)
	anon := e.client(borgo)
	slots := freeSlots(t, anon.get("/prenota-appuntamento/anagrafe"))
	res := anon.post("/prenota-appuntamento/anagrafe/conferma", bookingForm(slots[1]))
	wantStatus(t, res, http.StatusSeeOther, "ask")
	tok := bkConfirmByEmail(t, e, anon, res, "anna@example.it")

	// Nothing is stored before the confirmation, and a forged or foreign link is refused.
	mon, _ := booking.ParseSlot(slots[1])
	if list, _ := e.svc.Day(context.Background(), e.borgo.ID, e.office.ID, booking.DayOf(mon)); len(list) != 0 {
		t.Fatalf("stored before confirming: %+v", list)
	}
	body, mac, _ := strings.Cut(tok, ".")
	for name, c := range map[string]struct {
		cl  *client
		tok string
	}{
		"forged":       {anon, body + "x." + mac},
		"no signature": {anon, body},
		"other comune": {e.client(marina), tok},
	} {
		res := c.cl.post("/prenotazioni/conferma", url.Values{"c": {c.tok}})
		wantStatus(t, res, http.StatusNotFound, name)
		if !strings.Contains(res.Body, "collegamento di conferma non è valido") {
			t.Errorf("%s: %s", name, clip(res.Body))
		}
	}

	// Someone signed in takes the slot meanwhile: the link offers the nearest times.
	other := booking.Request{TenantID: e.borgo.ID, OfficeID: e.office.ID, Slot: slots[1], Topic: "Certificati", Name: "Luca Neri", Email: "luca@example.it"}
	if _, err := e.svc.Book(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	e.mailJobs(t)
	res = anon.post("/prenotazioni/conferma", url.Values{"c": {tok}})
	wantStatus(t, res, http.StatusConflict, "taken meanwhile")
	for _, want := range []string{"appena stato prenotato", "Orari liberi più vicini", `name="slot"`, "Invia l&#39;email di conferma"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("taken page lacks %q", want)
		}
	}

	// A fresh request, confirmed twice: one booking, then the link leads to it.
	res = anon.post("/prenota-appuntamento/anagrafe/conferma", bookingForm(slots[2]))
	tok = bkConfirmByEmail(t, e, anon, res, "anna@example.it")
	res = anon.post("/prenotazioni/conferma", url.Values{"c": {tok}})
	wantStatus(t, res, http.StatusSeeOther, "confirm")
	first := res.Header.Get("Location")
	if linkRE.FindStringSubmatch(first) == nil {
		t.Fatalf("confirm went to %q", first)
	}
	res = anon.post("/prenotazioni/conferma", url.Values{"c": {tok}})
	wantStatus(t, res, http.StatusSeeOther, "confirm again")
	if res.Header.Get("Location") != first {
		t.Errorf("second confirm went to %q, not %q", res.Header.Get("Location"), first)
	}
	res = anon.get("/prenotazioni/conferma?c=" + url.QueryEscape(tok))
	wantStatus(t, res, http.StatusSeeOther, "open the link again")
	if mails := e.mailJobs(t); len(mails) != 1 || !strings.HasPrefix(mails[0].Subject, "Appuntamento confermato") {
		t.Fatalf("mails after confirming twice: %+v", mails)
	}

	// Signed in, the booking is made at once.
	mario := storetest.MustCreateCitizen(t, e.db, e.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	cit := e.client(borgo)
	cit.signIn(session.Citizen, 0, mario.ID)
	res = cit.post("/prenota-appuntamento/anagrafe/conferma", bookingForm(slots[3]))
	wantStatus(t, res, http.StatusSeeOther, "signed-in confirm")
	if linkRE.FindStringSubmatch(res.Header.Get("Location")) == nil {
		t.Fatalf("signed-in confirm went to %q", res.Header.Get("Location"))
	}
}
