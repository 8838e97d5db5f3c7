package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/booking"
)

// bookingWorld gives both tenants a calendar, a closure and a booking at the same
// time, with the same settings.
func bookingWorld(t *testing.T, w *world) (a, b booking.Booking, day booking.Day) {
	t.Helper()
	day, _ = booking.ParseDay("2030-03-05")
	at := day.At(9 * 60)
	for i, tn := range []struct{ tenant, office, citizen int64 }{{w.a, w.officeA.ID, w.citizenA.ID}, {w.b, w.officeB.ID, w.citizenB.ID}} {
		c := booking.Calendar{TenantID: tn.tenant, OfficeID: tn.office, Enabled: true, SlotMinutes: 30, Desks: 2, MaxDaysAhead: 10}
		if err := w.db.SaveBookingCalendar(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if err := w.db.SaveBookingSettings(ctx, &booking.Settings{TenantID: tn.tenant, PatronMonth: 6, PatronDay: 24 + i}); err != nil {
			t.Fatal(err)
		}
		if err := w.db.AddBookingClosure(ctx, &booking.Closure{TenantID: tn.tenant, OfficeID: tn.office, Day: day, Reason: "x"}); err != nil {
			t.Fatal(err)
		}
		bk := booking.Booking{TenantID: tn.tenant, OfficeID: tn.office, Code: []string{"AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB"}[i],
			Start: at, End: at.Add(30 * time.Minute), Place: 1, Status: booking.Booked, Topic: "t", Name: "n", Email: "e@x.it",
			CitizenID: tn.citizen, Lang: "it", Nonce: "n", CreatedAt: at, UpdatedAt: at}
		if err := w.db.InsertBooking(ctx, &bk); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			a = bk
		} else {
			b = bk
		}
	}
	return a, b, day
}

func init() {
	isolationChecks["BookingCalendar"] = func(t *testing.T, w *world) {
		bookingWorld(t, w)
		if _, err := w.db.BookingCalendar(ctx, w.a, w.officeB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's calendar seen from A: %v", err)
		}
	}
	isolationChecks["BookingCalendars"] = func(t *testing.T, w *world) {
		bookingWorld(t, w)
		list, err := w.db.BookingCalendars(ctx, w.a)
		if err != nil || len(list) != 1 || list[0].OfficeID != w.officeA.ID {
			t.Fatalf("BookingCalendars(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["BookingSettings"] = func(t *testing.T, w *world) {
		bookingWorld(t, w)
		s, err := w.db.BookingSettings(ctx, w.a)
		if err != nil || s.PatronDay != 24 {
			t.Fatalf("BookingSettings(A) = %+v, %v", s, err)
		}
	}
	isolationChecks["BookingClosures"] = func(t *testing.T, w *world) {
		_, _, day := bookingWorld(t, w)
		list, err := w.db.BookingClosures(ctx, w.a, w.officeB.ID, day, day)
		if err != nil || len(list) != 0 {
			t.Fatalf("B's closures seen from A: %+v, %v", list, err)
		}
	}
	isolationChecks["DeleteBookingClosure"] = func(t *testing.T, w *world) {
		_, _, day := bookingWorld(t, w)
		list, _ := w.db.BookingClosures(ctx, w.b, w.officeB.ID, day, day)
		if err := w.db.DeleteBookingClosure(ctx, w.a, list[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A deleted B's closure: %v", err)
		}
	}
	isolationChecks["SlotLoad"] = func(t *testing.T, w *world) {
		_, _, day := bookingWorld(t, w)
		load, err := w.db.SlotLoad(ctx, w.a, w.officeB.ID, day.At(0), day.AddDays(1).At(0))
		if err != nil || len(load) != 0 {
			t.Fatalf("B's load seen from A: %v, %v", load, err)
		}
	}
	isolationChecks["HeldPlaces"] = func(t *testing.T, w *world) {
		_, b, _ := bookingWorld(t, w)
		places, err := w.db.HeldPlaces(ctx, w.a, w.officeB.ID, b.Start)
		if err != nil || len(places) != 0 {
			t.Fatalf("B's places seen from A: %v, %v", places, err)
		}
	}
	isolationChecks["BookingByCode"] = func(t *testing.T, w *world) {
		_, b, _ := bookingWorld(t, w)
		if _, err := w.db.BookingByCode(ctx, w.a, b.Code); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's booking seen from A: %v", err)
		}
	}
	isolationChecks["CitizenBookings"] = func(t *testing.T, w *world) {
		a, _, _ := bookingWorld(t, w)
		list, err := w.db.CitizenBookings(ctx, w.a, w.citizenB.ID)
		if err != nil || len(list) != 0 {
			t.Fatalf("B's citizen bookings from A: %+v, %v", list, err)
		}
		list, _ = w.db.CitizenBookings(ctx, w.a, w.citizenA.ID)
		if len(list) != 1 || list[0].Code != a.Code {
			t.Fatalf("CitizenBookings(A) = %+v", list)
		}
	}
	isolationChecks["OfficeBookings"] = func(t *testing.T, w *world) {
		_, _, day := bookingWorld(t, w)
		list, err := w.db.OfficeBookings(ctx, w.a, w.officeB.ID, day.At(0), day.AddDays(1).At(0))
		if err != nil || len(list) != 0 {
			t.Fatalf("B's office bookings from A: %+v, %v", list, err)
		}
	}
	// Writers take the tenant inside the struct; an update of B's booking through A's
	// tenant touches nothing.
	isolationChecks["UpdateBooking"] = func(t *testing.T, w *world) {
		_, b, _ := bookingWorld(t, w)
		b.TenantID = w.a
		b.Status = booking.Cancelled
		if err := w.db.UpdateBooking(ctx, &b); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A updated B's booking: %v", err)
		}
	}
}
