package booking

import (
	"context"
	"time"
)

// ReminderJob is the kind of the daily job that sends the reminders of the next
// day's appointments; ReminderHour is when (Rome's wall clock) it runs.
const (
	ReminderJob  = "booking.reminders"
	ReminderHour = 9
)

// ReminderDue returns the day whose reminders are due on the day of now, and the
// instant the job should run: ReminderHour of today in Rome.
func ReminderDue(now time.Time) (Day, time.Time) {
	today := DayOf(now)
	return today.AddDays(1), today.At(ReminderHour * 60)
}

// Remind tells every citizen with an appointment of the tenant on day d that is
// still booked of it (the "reminder" event: the email the day before). It runs in
// one transaction, so the reminders of a tenant are enqueued all or none; the
// notifier makes each reminder unique per booking and time, so running it again
// sends nothing twice. It returns how many bookings were reminded.
func (s *Service) Remind(ctx context.Context, tenantID int64, d Day) (int, error) {
	if s.notify == nil {
		return 0, nil
	}
	cals, err := s.store.BookingCalendars(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		n = 0
		for _, c := range cals {
			list, err := s.store.OfficeBookings(ctx, tenantID, c.OfficeID, d.At(0), d.AddDays(1).At(0))
			if err != nil {
				return err
			}
			for _, b := range list {
				if b.Status != Booked {
					continue
				}
				if err := s.tell(ctx, b, "reminder"); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}
