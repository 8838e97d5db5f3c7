package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/audit"
	"piazza/internal/booking"
	"piazza/internal/store/storetest"
)

func calForm(hours map[int]string, topics string) url.Values {
	f := url.Values{"enabled": {"1"}, "slot_minutes": {"15"}, "desks": {"2"}, "min_days_ahead": {"0"}, "max_days_ahead": {"20"}, "topics": {topics}}
	for d, h := range hours {
		f.Set("hours_"+strconv.Itoa(d), h)
	}
	return f
}

func TestBookingCalendarsBackOffice(t *testing.T) {
	e := newBookingEnv(t, 1)
	ctx := context.Background()
	tributi := storetest.MustCreateOffice(t, e.db, e.borgo.ID, "Tributi")
	// The operator belongs to Tributi only.
	if err := e.db.SetOfficeMembers(ctx, e.borgo.ID, tributi.ID, []int64{e.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	admin := e.staff(borgo, "admin@borgo")
	op := e.staff(borgo, "operator@borgo")
	anagrafeURL := "/backoffice/appuntamenti/calendari/" + strconv.FormatInt(e.office.ID, 10) + "/modifica"
	tributiURL := "/backoffice/appuntamenti/calendari/" + strconv.FormatInt(tributi.ID, 10) + "/modifica"

	res := admin.get("/backoffice/appuntamenti/calendari")
	wantStatus(t, res, http.StatusOK, "list")
	for _, want := range []string{"Anagrafe", "Tributi", "Attiva le prenotazioni", `href="` + anagrafeURL + `"`, "Santo patrono", `name="patron_day"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	// The operator sees and sets up only their office, and not the patron saint.
	res = op.get("/backoffice/appuntamenti/calendari")
	wantStatus(t, res, http.StatusOK, "operator list")
	if strings.Contains(res.Body, anagrafeURL) || !strings.Contains(res.Body, tributiURL) || strings.Contains(res.Body, `name="patron_day"`) {
		t.Error("the operator's list shows the wrong offices or the patron form")
	}
	wantStatus(t, op.get(anagrafeURL), http.StatusNotFound, "operator, other office")
	wantStatus(t, op.post(anagrafeURL, calForm(map[int]string{1: "9-12"}, "")), http.StatusNotFound, "operator saves other office")
	wantStatus(t, op.post("/backoffice/appuntamenti/calendari/patrono", url.Values{"patron_day": {"24/06"}}), http.StatusForbidden, "operator patron")
	wantStatus(t, e.staff(borgo, "viewer@borgo").get(tributiURL), http.StatusForbidden, "viewer")
	wantStatus(t, e.staff(marina, "admin@marina").get(anagrafeURL), http.StatusNotFound, "other comune")

	// A new calendar starts from a proposal; bad input is refused on its fields, nothing saved.
	res = op.get(tributiURL)
	wantStatus(t, res, http.StatusOK, "new calendar")
	if !strings.Contains(res.Body, `value="09:00-12:30"`) || !strings.Contains(res.Body, "non accetta ancora prenotazioni") {
		t.Errorf("no proposal: %s", clip(res.Body))
	}
	bad := calForm(map[int]string{1: "9-12, 11-13", 2: "mattina"}, strings.Repeat("x", booking.MaxTopic+1))
	bad.Set("desks", "0")
	res = op.post(tributiURL, bad)
	wantStatus(t, res, http.StatusUnprocessableEntity, "bad calendar")
	for _, want := range []string{`href="#hours_1"`, `href="#hours_2"`, `href="#desks"`, `href="#topics"`, "si sovrappongono", `value="mattina"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("bad calendar page lacks %q", want)
		}
	}
	if _, err := e.svc.Calendar(ctx, e.borgo.ID, tributi.ID); err == nil {
		t.Fatal("a refused calendar was saved")
	}
	res = op.post(tributiURL, calForm(map[int]string{1: "8:30-12:30, 14:30-16", 3: "9-13"}, "IMU\nTARI\n\nIMU"))
	wantStatus(t, res, http.StatusSeeOther, "save")
	cal, err := e.svc.Calendar(ctx, e.borgo.ID, tributi.ID)
	if err != nil || cal.SlotMinutes != 15 || cal.Desks != 2 || cal.MaxDaysAhead != 20 || booking.FormatRanges(cal.Hours[1]) != "08:30-12:30, 14:30-16:00" ||
		len(cal.Hours[2]) != 0 || strings.Join(cal.Topics, ",") != "IMU,TARI" || !cal.Enabled {
		t.Fatalf("saved %+v, %v", cal, err)
	}
	if _, ok := findAudit(e.auditLog(e.borgo.ID, audit.Filter{}), "booking.calendar.save", strconv.FormatInt(tributi.ID, 10)); !ok {
		t.Error("calendar change not audited")
	}
	// The citizens' side follows: Tributi is offered, on Mondays and Wednesdays only.
	res = e.client(borgo).get("/prenota-appuntamento/tributi")
	wantStatus(t, res, http.StatusOK, "public picker")
	for _, id := range freeSlots(t, res) {
		at, _ := booking.ParseSlot(id)
		if wd := at.Weekday(); wd != 1 && wd != 3 {
			t.Errorf("slot %s on weekday %d", id, wd)
		}
	}
	// Paused: no longer bookable.
	paused := calForm(map[int]string{1: "9-12"}, "")
	paused.Del("enabled")
	wantStatus(t, op.post(tributiURL, paused), http.StatusSeeOther, "pause")
	wantStatus(t, e.client(borgo).get("/prenota-appuntamento/tributi"), http.StatusNotFound, "paused picker")

	// The patron saint: a bad date on its field; a good one closes that day.
	res = admin.post("/backoffice/appuntamenti/calendari/patrono", url.Values{"patron_day": {"31/02"}, "patron_name": {"San Nessuno"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, "bad patron")
	if !strings.Contains(res.Body, `href="#patron_day"`) {
		t.Error("bad patron day not on its field")
	}
	wantStatus(t, admin.post("/backoffice/appuntamenti/calendari/patrono", url.Values{"patron_day": {"24/06"}, "patron_name": {"San Giovanni Battista"}}), http.StatusSeeOther, "patron")
	if st, _ := e.svc.Settings(ctx, e.borgo.ID); st.PatronDay != 24 || st.PatronMonth != 6 || st.PatronName != "San Giovanni Battista" {
		t.Fatalf("settings %+v", st)
	}
	if res := admin.get("/backoffice/appuntamenti/calendari"); !strings.Contains(res.Body, `value="24/06"`) {
		t.Error("patron day not shown")
	}

	// Closed days: listed, reopened by who may; another office's closure is not the operator's.
	today := booking.DayOf(time.Now())
	closeA := booking.Closure{TenantID: e.borgo.ID, OfficeID: e.office.ID, Day: today.AddDays(3), Reason: "Inventario"}
	closeT := booking.Closure{TenantID: e.borgo.ID, OfficeID: tributi.ID, Day: today.AddDays(4), Reason: "Formazione"}
	for _, c := range []*booking.Closure{&closeA, &closeT} {
		if err := e.svc.CloseDay(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	res = op.get("/backoffice/appuntamenti/calendari")
	if strings.Contains(res.Body, "Inventario") || !strings.Contains(res.Body, "Formazione") {
		t.Error("the operator's closures are wrong")
	}
	reopen := func(id int64) string {
		return "/backoffice/appuntamenti/chiusure/" + strconv.FormatInt(id, 10) + "/riapri"
	}
	wantStatus(t, op.post(reopen(closeA.ID), url.Values{}), http.StatusNotFound, "operator reopens other office")
	wantStatus(t, e.staff(marina, "admin@marina").post(reopen(closeT.ID), url.Values{}), http.StatusNotFound, "other comune reopens")
	wantStatus(t, op.post(reopen(closeT.ID), url.Values{}), http.StatusSeeOther, "reopen")
	if list, _ := e.svc.Closures(ctx, e.borgo.ID, tributi.ID, today, today.AddDays(10)); len(list) != 0 {
		t.Errorf("closures after reopening %+v", list)
	}
	if list, _ := e.svc.Closures(ctx, e.borgo.ID, e.office.ID, today, today.AddDays(10)); len(list) != 1 {
		t.Errorf("the other office's closure went too: %+v", list)
	}
}
