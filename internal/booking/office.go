package booking

import (
	"context"
	"math"
)

// forOffice is the calendar as the office itself books on it: open even when
// online booking is paused, from today to the longest window.
func (c Calendar) forOffice() Calendar {
	c.Enabled = true
	c.MinDaysAhead, c.MaxDaysAhead = 0, MaxDaysAhead
	return c
}

// BookByOffice books on the citizen's behalf (a phone call, the counter): the
// calendar's hours, closures and desks hold as for everyone, but online booking may
// be paused and the day may be today or beyond the citizen's window. An email
// address is optional when there is a phone number; the citizen is emailed when
// there is one.
func (s *Service) BookByOffice(ctx context.Context, r Request) (Booking, error) {
	r.ByOffice = true
	r.CitizenID = 0
	return s.book(ctx, r, "")
}

// OfficeSlots returns the slots of days days from a day as the office sees them:
// whatever the booking window (past days too), with the places taken; closed days
// have none. It serves the operators' week and the phone booking form.
func (s *Service) OfficeSlots(ctx context.Context, tenantID, officeID int64, from Day, days int) ([]DaySlots, error) {
	cal, err := s.store.BookingCalendar(ctx, tenantID, officeID)
	if err != nil {
		return nil, err
	}
	today := DayOf(s.now())
	cal.Enabled = true
	cal.MinDaysAhead = daysBetween(today, from)
	cal.MaxDaysAhead = cal.MinDaysAhead + days
	return s.slots(ctx, cal, from, days)
}

// daysBetween counts the days from a to b (negative when b is earlier).
func daysBetween(a, b Day) int {
	return int(math.Round(b.At(12*60).Sub(a.At(12*60)).Hours() / 24))
}
