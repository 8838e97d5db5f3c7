package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/audit"
	"piazza/internal/booking"
	"piazza/internal/store/storetest"
)

func TestBookingPhoneWeekAndPrint(t *testing.T) {
	e := newBookingEnv(t, 2)
	ctx := context.Background()
	tributi := storetest.MustCreateOffice(t, e.db, e.borgo.ID, "Tributi")
	tc := booking.Calendar{TenantID: e.borgo.ID, OfficeID: tributi.ID, Enabled: true, SlotMinutes: 30, Desks: 1, MaxDaysAhead: 10}
	tc.Hours[1] = []booking.Range{{From: 9 * 60, To: 12 * 60}}
	if err := e.svc.SaveCalendar(ctx, &tc); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetOfficeMembers(ctx, e.borgo.ID, e.office.ID, []int64{e.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	op := e.staff(borgo, "operator@borgo")
	slots := sameDay(t, freeSlots(t, e.client(borgo).get("/prenota-appuntamento/anagrafe")))
	start, _ := booking.ParseSlot(slots[0])
	day := booking.DayOf(start)
	office := strconv.FormatInt(e.office.ID, 10)
	q := "?ufficio=" + office + "&giorno=" + day.String()

	// The phone booking form offers the day's free times.
	res := op.get("/backoffice/appuntamenti/nuova" + q)
	wantStatus(t, res, http.StatusOK, "phone form")
	if !strings.Contains(res.Body, `<option value="`+slots[0]+`"`) {
		t.Fatalf("phone form lacks slot %s: %s", slots[0], clip(res.Body))
	}
	// No way to reach the person: refused on the phone field, nothing stored.
	res = op.post("/backoffice/appuntamenti/nuova"+q, url.Values{"slot": {slots[0]}, "topic": {"Certificati"}, "name": {"Giuseppe Verdi"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, "no contact")
	if !strings.Contains(res.Body, `href="#phone"`) || !strings.Contains(res.Body, `value="Giuseppe Verdi"`) {
		t.Errorf("no contact: %s", clip(res.Body))
	}
	if list, _ := e.svc.Day(ctx, e.borgo.ID, e.office.ID, day); len(list) != 0 {
		t.Fatalf("stored: %+v", list)
	}
	// A phone number is enough; no email is sent.
	res = op.post("/backoffice/appuntamenti/nuova"+q, url.Values{"slot": {slots[0]}, "topic": {"Certificati"}, "name": {"Giuseppe Verdi"}, "phone": {"06 7654321"}})
	wantStatus(t, res, http.StatusSeeOther, "phone booking")
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/backoffice/appuntamenti?") || !strings.Contains(loc, "ufficio="+office) {
		t.Errorf("phone booking went to %q", loc)
	}
	if n := len(e.mailJobs(t)); n != 0 {
		t.Errorf("%d mails for a booking without email", n)
	}
	// With an email, the person gets the confirmation with the .ics.
	res = op.post("/backoffice/appuntamenti/nuova"+q, url.Values{"slot": {slots[0]}, "topic": {"Certificati"}, "name": {"Rosa Bruni"}, "email": {"rosa@example.it"}, "lang": {"en"}})
	wantStatus(t, res, http.StatusSeeOther, "phone booking with email")
	mails := e.mailJobs(t)
	if len(mails) != 1 || mails[0].To[0] != "rosa@example.it" || !strings.Contains(mails[0].Subject, "Appointment") {
		t.Fatalf("mails %+v", mails)
	}
	// Both desks taken: "just taken", with the nearest free times offered.
	res = op.post("/backoffice/appuntamenti/nuova"+q, url.Values{"slot": {slots[0]}, "topic": {"Certificati"}, "name": {"Terzo"}, "phone": {"333 1111111"}})
	wantStatus(t, res, http.StatusConflict, "full slot")
	if !strings.Contains(res.Body, "appena stato prenotato") || strings.Contains(res.Body, `<option value="`+slots[0]+`"`) || !strings.Contains(res.Body, `<option value="`+slots[1]+`"`) {
		t.Errorf("full slot page: %s", clip(res.Body))
	}
	list, _ := e.svc.Day(ctx, e.borgo.ID, e.office.ID, day)
	if len(list) != 2 || list[0].Place == list[1].Place {
		t.Fatalf("day %+v", list)
	}

	// Access: the viewer reads but does not book; another office, another comune: not found.
	wantStatus(t, e.staff(borgo, "viewer@borgo").get("/backoffice/appuntamenti/nuova"+q), http.StatusForbidden, "viewer books")
	tq := "?ufficio=" + strconv.FormatInt(tributi.ID, 10) + "&giorno=" + day.String()
	for _, path := range []string{"/backoffice/appuntamenti/nuova" + tq, "/backoffice/appuntamenti/settimana" + tq, "/backoffice/appuntamenti/stampa" + tq} {
		wantStatus(t, op.get(path), http.StatusNotFound, "other office "+path)
		wantStatus(t, e.staff(marina, "admin@marina").get(strings.Replace(path, tq, q, 1)), http.StatusNotFound, "other comune "+path)
	}

	// The week: every slot, the places taken and who; one desk at a time.
	res = op.get("/backoffice/appuntamenti/settimana" + q)
	wantStatus(t, res, http.StatusOK, "week")
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("week Cache-Control %q", cc)
	}
	for _, want := range []string{"Giuseppe Verdi", "Rosa Bruni", "2/2", "Sportello 2"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("week lacks %q", want)
		}
	}
	desk := list[0].Place
	res = op.get("/backoffice/appuntamenti/settimana" + q + "&sportello=" + strconv.Itoa(desk))
	if !strings.Contains(res.Body, list[0].Name) || strings.Contains(res.Body, list[1].Name) {
		t.Errorf("desk %d shows the wrong bookings", desk)
	}
	if _, ok := findAudit(e.auditLog(e.borgo.ID, audit.Filter{}), "booking.week.view", office); !ok {
		t.Error("week view not audited")
	}

	// The day's list to print, audited.
	res = op.get("/backoffice/appuntamenti/stampa" + q)
	wantStatus(t, res, http.StatusOK, "print")
	for _, want := range []string{"Giuseppe Verdi", "06 7654321", "Rosa Bruni", list[0].Code, "Anagrafe"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("print lacks %q", want)
		}
	}
	if _, ok := findAudit(e.auditLog(e.borgo.ID, audit.Filter{}), "booking.print", office); !ok {
		t.Error("print not audited")
	}
	// The day view links to all three.
	res = op.get("/backoffice/appuntamenti" + q)
	for _, want := range []string{"/backoffice/appuntamenti/nuova?", "/backoffice/appuntamenti/settimana?", "/backoffice/appuntamenti/stampa?"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("day view lacks a link to %s", want)
		}
	}
}
