package booking_test

import (
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/booking"
)

func TestBookByOffice(t *testing.T) {
	f := newFixture(t, 1)
	// Online booking paused, and the office books anyway (today, 11:00, after now).
	cal, _ := f.svc.Calendar(ctx, f.tenant, f.office)
	cal.Enabled, cal.MinDaysAhead = false, 2
	if err := f.svc.SaveCalendar(ctx, &cal); err != nil {
		t.Fatal(err)
	}
	phone := booking.Request{TenantID: f.tenant, OfficeID: f.office, Slot: "2026-11-23T11:00", Topic: "Certificati", Name: "Giuseppe Verdi", Phone: "06 1234567", CitizenID: 7}
	b, err := f.svc.BookByOffice(ctx, phone)
	if err != nil {
		t.Fatal(err)
	}
	if b.Email != "" || b.CitizenID != 0 || b.Status != booking.Booked {
		t.Fatalf("booking %+v", b)
	}
	// The same request online: refused (paused, and no email).
	if _, err := f.svc.Book(ctx, phone); fieldOf(err) != "email:booking.email.required" {
		t.Fatalf("online without email: %v", err)
	}
	for _, tc := range []struct {
		name string
		r    booking.Request
		want string
	}{
		{"no contact", booking.Request{Slot: "2026-11-23T11:20", Topic: "X", Name: "A B"}, "phone:booking.contact.required"},
		{"bad email", booking.Request{Slot: "2026-11-23T11:20", Topic: "X", Name: "A B", Email: "a@"}, "email:booking.email.invalid"},
		{"taken", booking.Request{Slot: "2026-11-23T11:00", Topic: "X", Name: "A B", Phone: "333 1234567"}, ""},
		{"past", booking.Request{Slot: "2026-11-23T09:00", Topic: "X", Name: "A B", Phone: "333 1234567"}, "slot:booking.slot.outside_window"},
		{"closed hours", booking.Request{Slot: "2026-11-23T13:00", Topic: "X", Name: "A B", Phone: "333 1234567"}, "slot:booking.slot.outside_hours"},
		{"holiday", booking.Request{Slot: "2026-12-08T09:00", Topic: "X", Name: "A B", Phone: "333 1234567"}, "slot:booking.slot.closed"},
	} {
		tc.r.TenantID, tc.r.OfficeID = f.tenant, f.office
		_, err := f.svc.BookByOffice(ctx, tc.r)
		if tc.want == "" {
			if _, taken := booking.SlotTaken(err); !taken {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if got := fieldOf(err); got != tc.want {
			t.Errorf("%s: %s (%v)", tc.name, got, err)
		}
	}
	// Another comune's office is not bookable from this tenant.
	other := phone
	other.OfficeID = f.officeB
	other.Slot = "2026-11-24T09:00"
	if _, err := f.svc.BookByOffice(ctx, other); err == nil || apperr.KindOf(err) == apperr.Internal {
		t.Fatalf("booked another comune's office: %v", err)
	}
}

func TestOfficeSlots(t *testing.T) {
	f := newFixture(t, 2)
	if _, err := f.svc.Book(ctx, f.request("2026-11-24T09:00")); err != nil {
		t.Fatal(err)
	}
	// The week before, this week and far beyond the window: all computed.
	for _, from := range []string{"2026-11-16", "2026-11-23", "2027-06-07"} {
		d, _ := booking.ParseDay(from)
		days, err := f.svc.OfficeSlots(ctx, f.tenant, f.office, d, 7)
		if err != nil || len(days) != 7 {
			t.Fatalf("%s: %d days, %v", from, len(days), err)
		}
		if len(days[0].Slots) != 9 || len(days[1].Slots) != 9+6 || days[5].Closed != "hours" {
			t.Errorf("%s: Monday %d slots, Tuesday %d, Saturday %q", from, len(days[0].Slots), len(days[1].Slots), days[5].Closed)
		}
	}
	tue, _ := booking.ParseDay("2026-11-24")
	days, _ := f.svc.OfficeSlots(ctx, f.tenant, f.office, tue, 1)
	if days[0].Slots[0].Free != 1 || days[0].Slots[1].Free != 2 {
		t.Errorf("load not counted: %+v", days[0].Slots[:2])
	}
}
