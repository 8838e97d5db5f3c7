package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"piazza/internal/booking"
)

// The reminder the day before: one email per booking in the citizen's language,
// with the appointment and the manage link, however often the daily job runs.
func TestBookingReminderMail(t *testing.T) {
	e := newBookingEnv(t, 1)
	ctx := context.Background()
	// A day (and the one after) the office is open: no national holiday.
	tomorrow := booking.DayOf(time.Now()).AddDays(1)
	for booking.NationalHoliday(tomorrow) != "" || booking.NationalHoliday(tomorrow.AddDays(1)) != "" {
		tomorrow = tomorrow.AddDays(1)
	}
	slot := booking.SlotID(tomorrow.At(10 * 60))
	b, err := e.svc.Book(ctx, booking.Request{TenantID: e.borgo.ID, OfficeID: e.office.ID, Slot: slot, Topic: "Certificati",
		Name: "Anna Verdi", Email: "anna@example.it", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	e.mailJobs(t) // the confirmation
	for range 2 {
		if n, err := e.svc.Remind(ctx, e.borgo.ID, tomorrow); err != nil || n != 1 {
			t.Fatalf("Remind = %d, %v", n, err)
		}
	}
	mails := e.mailJobs(t)
	if len(mails) != 1 {
		t.Fatalf("%d reminder mails", len(mails))
	}
	m := mails[0]
	if m.To[0] != "anna@example.it" || !strings.HasPrefix(m.Subject, "Reminder: appointment tomorrow") || !strings.Contains(m.Subject, b.Code) {
		t.Errorf("reminder %q to %v", m.Subject, m.To)
	}
	if !strings.Contains(m.Text, bkLink(b, e.svc.Token(b))) || !strings.Contains(m.Text, "10:00") {
		t.Errorf("reminder text lacks the link or the time: %s", m.Text)
	}
	checkBookingICS(t, m, b.Code, slot, "CONFIRMED")
	// Moved to the day after: reminded again when that day comes, not for tomorrow.
	nb, err := e.svc.Reschedule(ctx, b, booking.SlotID(tomorrow.AddDays(1).At(11*60)))
	if err != nil {
		t.Fatal(err)
	}
	e.mailJobs(t)
	if n, _ := e.svc.Remind(ctx, e.borgo.ID, tomorrow); n != 0 {
		t.Errorf("reminded %d of tomorrow after the move", n)
	}
	if n, _ := e.svc.Remind(ctx, e.borgo.ID, tomorrow.AddDays(1)); n != 1 || len(e.mailJobs(t)) != 1 {
		t.Errorf("moved booking %s not reminded on its new day", nb.Code)
	}
}
