package booking_test

import (
	"strings"
	"testing"
	"time"

	"piazza/internal/booking"
)

func TestReminderDue(t *testing.T) {
	for _, tc := range []struct {
		now      time.Time
		day, run string
	}{
		{time.Date(2026, 11, 23, 0, 5, 0, 0, booking.Rome), "2026-11-24", "2026-11-23T09:00"},
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), "2026-11-24", "2026-11-23T09:00"}, // already Monday in Rome
		{time.Date(2026, 3, 28, 12, 0, 0, 0, booking.Rome), "2026-03-29", "2026-03-28T09:00"},
		{time.Date(2026, 12, 31, 18, 0, 0, 0, booking.Rome), "2027-01-01", "2026-12-31T09:00"},
	} {
		d, run := booking.ReminderDue(tc.now)
		if d.String() != tc.day || booking.SlotID(run) != tc.run {
			t.Errorf("ReminderDue(%v) = %s, %s; want %s, %s", tc.now, d, booking.SlotID(run), tc.day, tc.run)
		}
	}
}

func TestRemindTheDayBefore(t *testing.T) {
	f := newFixture(t, 2)
	book := func(slot, email string) booking.Booking {
		t.Helper()
		r := f.request(slot)
		r.Email = email
		b, err := f.svc.Book(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := book("2026-11-24T09:00", "a@example.it")
	b := book("2026-11-24T15:40", "b@example.it")
	c := book("2026-11-24T10:00", "c@example.it")
	d := book("2026-11-25T09:00", "d@example.it") // the day after: not yet
	if _, err := f.svc.Cancel(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The other tenant's booking on the same day is not its business.
	other, err := f.svc.Book(ctx, booking.Request{TenantID: f.other, OfficeID: f.officeB, Slot: "2026-11-24T09:00", Topic: "Altro", Name: "Anna Bianchi", Email: "x@example.it"})
	if err != nil {
		t.Fatal(err)
	}
	f.events.events = nil
	tue, _ := booking.ParseDay("2026-11-24")
	n, err := f.svc.Remind(ctx, f.tenant, tue)
	if err != nil || n != 2 {
		t.Fatalf("Remind = %d, %v", n, err)
	}
	got := strings.Join(f.events.events, ",")
	for _, want := range []string{a.Code + " reminder", b.Code + " reminder"} {
		if !strings.Contains(got, want) {
			t.Errorf("events %s lack %q", got, want)
		}
	}
	for _, not := range []string{c.Code, d.Code, other.Code} {
		if strings.Contains(got, not) {
			t.Errorf("events %s name %s", got, not)
		}
	}
}
