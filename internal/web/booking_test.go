package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/booking"
	"piazza/internal/mail"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

// bookingEnv is a harness with the booking module on in both comuni, an office
// with a calendar open every day from 8 to 20 in each, and a published card of
// the booking channel in Borgo.
type bookingEnv struct {
	*harness
	svc     *booking.Service
	office  accounts.Office // Borgo's
	officeM accounts.Office // Marina's
	card    services.Card
}

func newBookingEnv(t *testing.T, desks int) *bookingEnv {
	t.Helper()
	ctx := context.Background()
	mailer := NewMailer()
	var svc *booking.Service
	h := newHarness(t, func(d *Deps) {
		svc = booking.New(d.DB.(*store.DB), d.Keys, nil)
		svc.SetNotifier(mailer)
		d.Booking = svc
	})
	mailer.Bind(h.srv)
	e := &bookingEnv{harness: h, svc: svc}
	for _, tn := range []*tenants.Tenant{&h.borgo, &h.marina} {
		tn.Modules = append(tn.Modules, tenants.ModuleBooking)
		if err := h.db.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		o := accounts.Office{TenantID: tn.ID, Name: "Anagrafe", Address: "Piazza Roma 1, 00100 Borgo", Email: "anagrafe@" + tn.Slug + ".example.it"}
		o.Normalize()
		if err := h.db.CreateOffice(ctx, &o); err != nil {
			t.Fatal(err)
		}
		c := booking.Calendar{TenantID: tn.ID, OfficeID: o.ID, Enabled: true, SlotMinutes: 30, Desks: desks, MaxDaysAhead: 40,
			Topics: []string{"Carta d'identità", "Certificati"}}
		for d := range c.Hours {
			c.Hours[d] = []booking.Range{{From: 8 * 60, To: 20 * 60}}
		}
		if err := svc.SaveCalendar(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if tn.ID == h.borgo.ID {
			e.office = o
		} else {
			e.officeM = o
		}
	}
	e.card = h.mustCard(h.borgo.ID, e.office.ID, "carta-identita", true)
	e.card.Channel = services.ChannelBooking
	e.card.FormKey = ""
	if err := h.services.Save(ctx, &e.card); err != nil {
		t.Fatal(err)
	}
	return e
}

var slotRE = regexp.MustCompile(`name="slot" id="slot-([0-9T:-]+)"`)

// freeSlots lists the slot ids the picker offers.
func freeSlots(t *testing.T, res *response) []string {
	t.Helper()
	var out []string
	for _, m := range slotRE.FindAllStringSubmatch(res.Body, -1) {
		out = append(out, m[1])
	}
	if len(out) < 3 {
		t.Fatalf("picker offers %d slots: %s", len(out), clip(res.Body))
	}
	return out
}

// sameDay returns the slots of the first day that offers at least three.
func sameDay(t *testing.T, slots []string) []string {
	t.Helper()
	for i := range slots {
		j := i
		for j < len(slots) && slots[j][:10] == slots[i][:10] {
			j++
		}
		if j-i >= 3 {
			return slots[i:j]
		}
	}
	t.Fatalf("no day with three free slots in %v", slots)
	return nil
}

func bookingForm(slot string) url.Values {
	return url.Values{"slot": {slot}, "servizio": {"carta-identita"}, "topic": {"Servizio carta-identita"}, "reason": {"Rinnovo"},
		"name": {"Anna Verdi"}, "email": {"anna@example.it"}, "phone": {"+39 333 1234567"}}
}

var linkRE = regexp.MustCompile(`/prenotazioni/([0-9A-Z-]{14})\?t=([A-Za-z0-9_-]+)`)

func TestBookingFromACard(t *testing.T) {
	e := newBookingEnv(t, 2)
	anon := e.client(borgo)

	// The card, the Servizi page and the footer lead to the booking.
	for _, path := range []string{cardURL(e.card), "/servizi", "/"} {
		res := anon.get(path)
		wantStatus(t, res, http.StatusOK, path)
		if !strings.Contains(res.Body, `data-element="appointment-booking"`) {
			t.Errorf("%s has no appointment-booking link", path)
		}
	}
	res := anon.get(cardURL(e.card))
	if !strings.Contains(res.Body, `href="/prenota-appuntamento?servizio=carta-identita" data-element="service-booking-access"`) {
		t.Errorf("the card's access button does not start the booking")
	}

	res = anon.get("/prenota-appuntamento?servizio=carta-identita")
	wantStatus(t, res, http.StatusOK, "offices")
	if !strings.Contains(res.Body, `href="/prenota-appuntamento/anagrafe?servizio=carta-identita"`) {
		t.Fatalf("office not offered: %s", clip(res.Body))
	}
	res = anon.get("/prenota-appuntamento/anagrafe?servizio=carta-identita")
	wantStatus(t, res, http.StatusOK, "slots")
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("slot page Cache-Control %q", cc)
	}
	slots := freeSlots(t, res)
	res = anon.get("/prenota-appuntamento/anagrafe/dati?" + url.Values{"slot": {slots[0]}, "servizio": {"carta-identita"}}.Encode())
	wantStatus(t, res, http.StatusOK, "details")
	if !strings.Contains(res.Body, `<option value="Servizio carta-identita" selected>`) {
		t.Errorf("the service title is not the preset topic")
	}

	// Bad input: field errors, nothing stored.
	bad := bookingForm(slots[0])
	bad.Set("email", "anna@")
	bad.Set("reason", strings.Repeat("x", booking.MaxReason+1))
	res = anon.post("/prenota-appuntamento/anagrafe/riepilogo", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity, "bad review")
	for _, want := range []string{`href="#email"`, `href="#reason"`, "nome@esempio.it"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("bad review lacks %q", want)
		}
	}
	tampered := bookingForm("2026-13-01T09:00")
	res = anon.post("/prenota-appuntamento/anagrafe/conferma", tampered)
	wantStatus(t, res, http.StatusUnprocessableEntity, "tampered slot")
	res = anon.post("/prenota-appuntamento/anagrafe/riepilogo", bookingForm(slots[0]))
	wantStatus(t, res, http.StatusOK, "review")
	if !strings.Contains(res.Body, "Invia l&#39;email di conferma") {
		t.Fatal("no confirm button")
	}
	if n := len(e.mailJobs(t)); n != 0 {
		t.Fatalf("%d mails before confirming", n)
	}

	// Not signed in: the confirmation goes by email first.
	res = anon.post("/prenota-appuntamento/anagrafe/conferma", bookingForm(slots[0]))
	wantStatus(t, res, http.StatusSeeOther, "ask")
	verify := bkConfirmByEmail(t, e, anon, res, "anna@example.it")
	res = anon.post("/prenotazioni/conferma", url.Values{"c": {verify}})
	wantStatus(t, res, http.StatusSeeOther, "confirm")
	m := linkRE.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("confirm went to %q", res.Header.Get("Location"))
	}
	code, tok := m[1], m[2]
	mails := e.mailJobs(t)
	if len(mails) != 1 || mails[0].To[0] != "anna@example.it" || !strings.Contains(mails[0].Subject, code) {
		t.Fatalf("mails %+v", mails)
	}
	checkBookingICS(t, mails[0], code, slots[0], "CONFIRMED")
	if !strings.Contains(mails[0].Text, "/prenotazioni/"+code+"?t="+tok) {
		t.Errorf("mail lacks the manage link: %s", mails[0].Text)
	}

	res = anon.get(res.Header.Get("Location"))
	wantStatus(t, res, http.StatusOK, "booking page")
	for _, want := range []string{code, "Prenotazione confermata", "appuntamento.ics", "Annulla la prenotazione"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("booking page lacks %q", want)
		}
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("booking page Cache-Control %q", cc)
	}
	res = anon.get("/prenotazioni/" + code + "/appuntamento.ics?t=" + tok)
	wantStatus(t, res, http.StatusOK, "ics")
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(res.Body, "BEGIN:VEVENT") {
		t.Errorf("ics download %q", res.Header.Get("Content-Type"))
	}

	// Without the token, with a forged one, or on another comune: not found.
	other := e.client(borgo)
	for _, path := range []string{"/prenotazioni/" + code, "/prenotazioni/" + code + "?t=AAAAAAAAAAAAAAAAAAAAAAAA",
		"/prenotazioni/" + code + "/appuntamento.ics", "/prenotazioni/" + code + "/sposta?t=" + tok[:len(tok)-1] + "A"} {
		wantStatus(t, other.get(path), http.StatusNotFound, path)
	}
	wantStatus(t, e.client(marina).get("/prenotazioni/"+code+"?t="+tok), http.StatusNotFound, "other comune")
	wantStatus(t, other.post("/prenotazioni/"+code+"/annulla", url.Values{"t": {"x"}}), http.StatusNotFound, "forged cancel")

	// Reschedule from the link: the old link stops working.
	res = anon.get("/prenotazioni/" + code + "/sposta?t=" + tok)
	wantStatus(t, res, http.StatusOK, "move form")
	res = anon.post("/prenotazioni/"+code+"/sposta", url.Values{"t": {tok}, "slot": {slots[2]}})
	wantStatus(t, res, http.StatusSeeOther, "move")
	m2 := linkRE.FindStringSubmatch(res.Header.Get("Location"))
	if m2 == nil || m2[2] == tok {
		t.Fatalf("move went to %q", res.Header.Get("Location"))
	}
	mails = e.mailJobs(t)
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "spostato") {
		t.Fatalf("move mails %+v", mails)
	}
	checkBookingICS(t, mails[0], code, slots[2], "CONFIRMED")
	wantStatus(t, anon.get("/prenotazioni/"+code+"?t="+tok), http.StatusNotFound, "stale link")
	wantStatus(t, anon.post("/prenotazioni/"+code+"/annulla", url.Values{"t": {tok}}), http.StatusNotFound, "stale cancel link")

	// Cancel with the new link; a second cancel is refused with a message.
	res = anon.post("/prenotazioni/"+code+"/annulla", url.Values{"t": {m2[2]}})
	wantStatus(t, res, http.StatusSeeOther, "cancel")
	b, _ := e.svc.Get(context.Background(), e.borgo.ID, code)
	if b.Status != booking.Cancelled {
		t.Fatalf("status after cancel %s", b.Status)
	}
	mails = e.mailJobs(t)
	if len(mails) != 1 {
		t.Fatalf("cancel mails %+v", mails)
	}
	checkBookingICS(t, mails[0], code, slots[2], "CANCELLED")
}

func checkBookingICS(t *testing.T, m mail.Message, code, slot, status string) {
	t.Helper()
	if len(m.Attachments) != 1 || !strings.HasSuffix(m.Attachments[0].Name, ".ics") {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	ics := string(m.Attachments[0].Data)
	start, _ := booking.ParseSlot(slot)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome",
		"UID:prenotazione-" + strings.ToLower(code) + "@", "DTSTART;TZID=Europe/Rome:" + start.Format("20060102T150405") + "\r\n",
		"STATUS:" + status + "\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("ics lacks %q:\n%s", want, ics)
		}
	}
	for _, line := range strings.Split(ics, "\r\n") {
		if len(line) > 75 {
			t.Errorf("ics line longer than 75 octets: %q", line)
		}
	}
}

func TestBookingSlotJustTaken(t *testing.T) {
	e := newBookingEnv(t, 1)
	anon := e.client(borgo)
	slots := freeSlots(t, anon.get("/prenota-appuntamento/anagrafe"))
	// Someone else takes the slot between the review and the confirmation.
	r := booking.Request{TenantID: e.borgo.ID, OfficeID: e.office.ID, Slot: slots[1], Topic: "Certificati", Name: "Altro", Email: "altro@example.it"}
	if _, err := e.svc.Book(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.mailJobs(t)
	res := anon.post("/prenota-appuntamento/anagrafe/conferma", bookingForm(slots[1]))
	wantStatus(t, res, http.StatusConflict, "taken")
	if !strings.Contains(res.Body, "appena stato prenotato") || !strings.Contains(res.Body, `value="`+slots[0]+`"`) {
		t.Fatalf("no alternatives: %s", clip(res.Body))
	}
	if strings.Contains(res.Body, `name="slot" id="alt-0" value="`+slots[1]+`"`) {
		t.Fatal("the taken slot is offered again")
	}
	if n := len(e.mailJobs(t)); n != 0 {
		t.Fatalf("%d mails for a failed booking", n)
	}
}

func TestBookingPersonalArea(t *testing.T) {
	e := newBookingEnv(t, 2)
	ctx := context.Background()
	mario := storetest.MustCreateCitizen(t, e.db, e.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	e.db.UpdateCitizenProfile(ctx, e.borgo.ID, mario.ID, accounts.Profile{Email: "mario@example.it", Phone: "06 1234567", Language: "it"})
	lucia := storetest.MustCreateCitizen(t, e.db, e.borgo.ID, "BNCLCU85M41H501X", "Lucia", "Bianchi")
	c := e.client(borgo)
	c.signIn(session.Citizen, 0, mario.ID)
	slots := freeSlots(t, c.get("/prenota-appuntamento/anagrafe"))
	res := c.get("/prenota-appuntamento/anagrafe/dati?slot=" + url.QueryEscape(slots[0]))
	for _, want := range []string{`value="Mario Rossi"`, `value="mario@example.it"`, `value="06 1234567"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("details not prefilled with %s", want)
		}
	}
	f := bookingForm(slots[0])
	f.Set("name", "Mario Rossi")
	res = c.post("/prenota-appuntamento/anagrafe/conferma", f)
	wantStatus(t, res, http.StatusSeeOther, "book")
	code := linkRE.FindStringSubmatch(res.Header.Get("Location"))[1]
	res = c.get("/area-personale/appuntamenti")
	wantStatus(t, res, http.StatusOK, "list")
	if !strings.Contains(res.Body, code) {
		t.Fatal("booking not in the personal area")
	}
	// The owner sees it without the token; another citizen does not, and sees an empty list.
	wantStatus(t, c.get("/prenotazioni/"+code), http.StatusOK, "owner")
	l := e.client(borgo)
	l.signIn(session.Citizen, 0, lucia.ID)
	wantStatus(t, l.get("/prenotazioni/"+code), http.StatusNotFound, "other citizen")
	if res := l.get("/area-personale/appuntamenti"); strings.Contains(res.Body, code) {
		t.Fatal("another citizen's booking listed")
	}
	// Cancel from the personal area (the owner needs no token).
	res = c.post("/prenotazioni/"+code+"/annulla", url.Values{})
	wantStatus(t, res, http.StatusSeeOther, "owner cancel")
	_ = time.Now
}

func TestBookingOperatorDay(t *testing.T) {
	e := newBookingEnv(t, 2)
	ctx := context.Background()
	other := storetest.MustCreateOffice(t, e.db, e.borgo.ID, "Tributi")
	oc := booking.Calendar{TenantID: e.borgo.ID, OfficeID: other.ID, Enabled: true, SlotMinutes: 30, Desks: 1, MaxDaysAhead: 10}
	oc.Hours[1] = []booking.Range{{From: 9 * 60, To: 12 * 60}}
	if err := e.svc.SaveCalendar(ctx, &oc); err != nil {
		t.Fatal(err)
	}
	// The operator belongs to the Anagrafe only.
	if err := e.db.SetOfficeMembers(ctx, e.borgo.ID, e.office.ID, []int64{e.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	slots := sameDay(t, freeSlots(t, e.client(borgo).get("/prenota-appuntamento/anagrafe")))
	var codes []string
	for i, name := range []string{"Anna Verdi", "Bruno Neri"} {
		b, err := e.svc.Book(ctx, booking.Request{TenantID: e.borgo.ID, OfficeID: e.office.ID, Slot: slots[i], Topic: "Certificati",
			Name: name, Email: "c" + strconv.Itoa(i) + "@example.it", Phone: "06 555 000" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, b.Code)
	}
	e.mailJobs(t)
	start, _ := booking.ParseSlot(slots[0])
	day := booking.DayOf(start).String()
	op := e.staff(borgo, "operator@borgo")
	dayURL := "/backoffice/appuntamenti?ufficio=" + strconv.FormatInt(e.office.ID, 10) + "&giorno=" + day
	res := op.get(dayURL)
	wantStatus(t, res, http.StatusOK, "day view")
	for _, want := range []string{"Anna Verdi", "Bruno Neri", "c0@example.it", codes[0], "Tributi"} {
		if want == "Tributi" {
			if strings.Contains(res.Body, want) {
				t.Error("the operator sees an office they do not belong to")
			}
			continue
		}
		if !strings.Contains(res.Body, want) {
			t.Errorf("day view lacks %q", want)
		}
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("day view Cache-Control %q", cc)
	}
	if _, ok := findAudit(e.auditLog(e.borgo.ID, audit.Filter{}), "booking.day.view", strconv.FormatInt(e.office.ID, 10)); !ok {
		t.Error("day view not audited")
	}
	wantStatus(t, op.get("/backoffice/appuntamenti?ufficio="+strconv.FormatInt(other.ID, 10)), http.StatusNotFound, "other office")
	wantStatus(t, e.staff(marina, "admin@marina").get(dayURL), http.StatusNotFound, "other comune's office")
	wantStatus(t, e.staff(marina, "admin@marina").post("/backoffice/appuntamenti/"+codes[0]+"/stato", url.Values{"to": {"checked_in"}}), http.StatusNotFound, "other comune's booking")

	// Check-in, done; a no-show of a finished booking is refused with a message.
	for _, to := range []string{"checked_in", "done"} {
		wantStatus(t, op.post("/backoffice/appuntamenti/"+codes[0]+"/stato", url.Values{"to": {to}}), http.StatusSeeOther, to)
	}
	res = op.post("/backoffice/appuntamenti/"+codes[0]+"/stato", url.Values{"to": {"booked"}})
	wantStatus(t, res, http.StatusConflict, "back to booked")
	// Cancel with a message: the citizen is told, with the message.
	res = op.post("/backoffice/appuntamenti/"+codes[1]+"/stato", url.Values{"to": {"cancelled"}, "message": {"Lo sportello è chiuso per un guasto."}})
	wantStatus(t, res, http.StatusSeeOther, "cancel")
	mails := e.mailJobs(t)
	if len(mails) != 1 || mails[0].To[0] != "c1@example.it" || !strings.Contains(mails[0].Text, "guasto") {
		t.Fatalf("cancel mails %+v", mails)
	}
	res = op.get(dayURL)
	if !strings.Contains(res.Body, "Concluso") || !strings.Contains(res.Body, "Annullato") {
		t.Error("day view does not show the new statuses")
	}

	// The day as CSV, audited.
	res = op.get("/backoffice/appuntamenti/export.csv?ufficio=" + strconv.FormatInt(e.office.ID, 10) + "&giorno=" + day)
	wantStatus(t, res, http.StatusOK, "csv")
	if !strings.Contains(res.Body, "Anna Verdi;c0@example.it;06 555 0000;Certificati") {
		t.Errorf("csv: %s", res.Body)
	}
	if _, ok := findAudit(e.auditLog(e.borgo.ID, audit.Filter{}), "booking.export", ""); !ok {
		t.Error("export not audited")
	}
	// A viewer reads but cannot act.
	wantStatus(t, e.staff(borgo, "viewer@borgo").post("/backoffice/appuntamenti/"+codes[0]+"/stato", url.Values{"to": {"no_show"}}), http.StatusForbidden, "viewer")

	// Closing a day moves its bookings and tells the citizens.
	b3, err := e.svc.Book(ctx, booking.Request{TenantID: e.borgo.ID, OfficeID: e.office.ID, Slot: slots[2], Topic: "Certificati", Name: "Carla", Email: "carla@example.it"})
	if err != nil {
		t.Fatal(err)
	}
	e.mailJobs(t)
	res = op.post("/backoffice/appuntamenti/chiusure?ufficio="+strconv.FormatInt(e.office.ID, 10), url.Values{"day": {booking.DayOf(b3.Start).String()}, "reason": {"Inventario"}})
	wantStatus(t, res, http.StatusSeeOther, "close day")
	if got, _ := e.svc.Get(ctx, e.borgo.ID, b3.Code); got.Status != booking.ToReschedule {
		t.Fatalf("after closing: %s", got.Status)
	}
	if mails := e.mailJobs(t); len(mails) != 1 || !strings.Contains(mails[0].Text, "Inventario") {
		t.Fatalf("closure mails %+v", mails)
	}
	res = op.post("/backoffice/appuntamenti/chiusure?ufficio="+strconv.FormatInt(e.office.ID, 10), url.Values{"day": {"31/02/2026"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, "bad day")
}
