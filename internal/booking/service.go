package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
)

// Store is what the module needs from the database. Every method is scoped to the
// tenant it is given. InsertBooking and UpdateBooking return a Conflict with the code
// ErrSlotTaken's when the place they would hold is held already.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	Savepoint(ctx context.Context, fn func(ctx context.Context) error) error
	AppendAudit(ctx context.Context, e audit.Entry) error

	BookingCalendar(ctx context.Context, tenantID, officeID int64) (Calendar, error)
	BookingCalendars(ctx context.Context, tenantID int64) ([]Calendar, error)
	SaveBookingCalendar(ctx context.Context, c *Calendar) error
	BookingSettings(ctx context.Context, tenantID int64) (Settings, error)
	SaveBookingSettings(ctx context.Context, s *Settings) error
	BookingClosures(ctx context.Context, tenantID, officeID int64, from, to Day) ([]Closure, error)
	AddBookingClosure(ctx context.Context, c *Closure) error
	DeleteBookingClosure(ctx context.Context, tenantID, id int64) error

	// SlotLoad counts the bookings holding a place per slot start (Unix seconds)
	// in [from, to).
	SlotLoad(ctx context.Context, tenantID, officeID int64, from, to time.Time) (map[int64]int, error)
	// HeldPlaces lists the places held at one slot start.
	HeldPlaces(ctx context.Context, tenantID, officeID int64, start time.Time) ([]int, error)
	InsertBooking(ctx context.Context, b *Booking) error
	UpdateBooking(ctx context.Context, b *Booking) error
	BookingByCode(ctx context.Context, tenantID int64, code string) (Booking, error)
	CitizenBookings(ctx context.Context, tenantID, citizenID int64) ([]Booking, error)
	OfficeBookings(ctx context.Context, tenantID, officeID int64, from, to time.Time) ([]Booking, error)
}

// Notifier hears of every change a citizen should be told about; it is called inside
// the change's transaction (it enqueues the email). Event is "booked",
// "rescheduled", "cancelled" (by the citizen), "cancelled_by_office",
// "to_reschedule" or "reminder" (the day before; see Remind).
type Notifier interface {
	BookingEvent(ctx context.Context, b Booking, event string) error
}

// ErrSlotTaken is the answer to a booking that lost the race for the last place.
var ErrSlotTaken = apperr.E(apperr.Conflict, "booking.slot.taken")

// Service is the booking module.
type Service struct {
	store  Store
	signer Signer
	now    func() time.Time
	notify Notifier
}

// New returns the booking module.
func New(st Store, signer Signer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, signer: signer, now: now}
}

// SetNotifier sets who hears of changes (the mailer).
func (s *Service) SetNotifier(n Notifier) { s.notify = n }

// Token returns the manage token of a booking.
func (s *Service) Token(b Booking) string { return ManageToken(s.signer, b) }

// Calendar returns an office's calendar (NotFound when it has none).
func (s *Service) Calendar(ctx context.Context, tenantID, officeID int64) (Calendar, error) {
	return s.store.BookingCalendar(ctx, tenantID, officeID)
}

// Calendars lists the tenant's calendars (enabled or not).
func (s *Service) Calendars(ctx context.Context, tenantID int64) ([]Calendar, error) {
	return s.store.BookingCalendars(ctx, tenantID)
}

// SaveCalendar validates and stores a calendar, with its audit entry.
func (s *Service) SaveCalendar(ctx context.Context, c *Calendar) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = s.now().UTC()
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveBookingCalendar(ctx, c); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, c.TenantID, "booking.calendar.save", "office", fmt.Sprint(c.OfficeID), ""))
	})
}

// Settings returns the tenant's settings.
func (s *Service) Settings(ctx context.Context, tenantID int64) (Settings, error) {
	return s.store.BookingSettings(ctx, tenantID)
}

// SaveSettings validates and stores the tenant's settings.
func (s *Service) SaveSettings(ctx context.Context, st *Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveBookingSettings(ctx, st); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, st.TenantID, "booking.settings.save", "tenant", fmt.Sprint(st.TenantID), ""))
	})
}

// Closures lists the closures of an office (and of every office) in [from, to].
func (s *Service) Closures(ctx context.Context, tenantID, officeID int64, from, to Day) ([]Closure, error) {
	return s.store.BookingClosures(ctx, tenantID, officeID, from, to)
}

// CloseDay closes a day (of one office, or of every office with OfficeID 0): the
// bookings of that day move to "to reschedule" and their citizens are told, all
// in one transaction.
func (s *Service) CloseDay(ctx context.Context, c *Closure) error {
	c.Reason = check.Clean(c.Reason)
	var v apperr.Validation
	if c.Day.IsZero() {
		v.Add("day", "booking.day.invalid")
	}
	if !check.Line(c.Reason, 200) {
		v.Add("reason", "booking.closure.reason")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.AddBookingClosure(ctx, c); err != nil {
			return err
		}
		offices := []int64{c.OfficeID}
		if c.OfficeID == 0 {
			cals, err := s.store.BookingCalendars(ctx, c.TenantID)
			if err != nil {
				return err
			}
			offices = offices[:0]
			for _, cal := range cals {
				offices = append(offices, cal.OfficeID)
			}
		}
		for _, o := range offices {
			list, err := s.store.OfficeBookings(ctx, c.TenantID, o, c.Day.At(0), c.Day.AddDays(1).At(0))
			if err != nil {
				return err
			}
			for _, b := range list {
				if b.Status != Booked {
					continue
				}
				b.Status = ToReschedule
				b.Message = c.Reason
				b.UpdatedAt = s.now().UTC()
				if err := s.store.UpdateBooking(ctx, &b); err != nil {
					return err
				}
				if err := s.tell(ctx, b, "to_reschedule"); err != nil {
					return err
				}
			}
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, c.TenantID, "booking.closure.add", "office", fmt.Sprint(c.OfficeID), c.Day.String()))
	})
}

// ReopenDay removes an ad-hoc closure. Bookings moved to "to reschedule" stay so.
func (s *Service) ReopenDay(ctx context.Context, tenantID, id int64) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteBookingClosure(ctx, tenantID, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "booking.closure.delete", "closure", fmt.Sprint(id), ""))
	})
}

// Slot is one appointment time of an office.
type Slot struct {
	Start    time.Time // in Rome
	End      time.Time
	Capacity int
	Free     int
}

// ID is the slot's form value.
func (sl Slot) ID() string { return SlotID(sl.Start) }

// DaySlots are the slots of one day; Closed names why there are none.
type DaySlots struct {
	Day    Day
	Closed string // "", "holiday.<key>", "patron", "closure" or "hours"
	Reason string // of an ad-hoc closure
	Slots  []Slot
}

// FreeCount is the number of free places of the day.
func (d DaySlots) FreeCount() int {
	n := 0
	for _, s := range d.Slots {
		n += s.Free
	}
	return n
}

// slotsOf returns the slot starts of a day by the opening hours alone.
func (c *Calendar) slotsOf(d Day) []Slot {
	var out []Slot
	for _, r := range c.Hours[d.Weekday()] {
		for m := r.From; m+c.SlotMinutes <= r.To; m += c.SlotMinutes {
			start := d.At(m)
			out = append(out, Slot{Start: start, End: start.Add(time.Duration(c.SlotMinutes) * time.Minute), Capacity: c.Desks, Free: c.Desks})
		}
	}
	return out
}

// closedWhy says why an office is closed on a day, or "".
func closedWhy(d Day, st Settings, closures []Closure) (string, string) {
	if h := NationalHoliday(d); h != "" {
		return "holiday." + h, ""
	}
	if st.PatronMonth != 0 && time.Month(st.PatronMonth) == d.Month && st.PatronDay == d.D {
		return "patron", st.PatronName
	}
	for _, c := range closures {
		if c.Day == d {
			return "closure", c.Reason
		}
	}
	return "", ""
}

// Window returns the first and last bookable days of a calendar, as of now.
func (s *Service) Window(c Calendar) (Day, Day) {
	today := DayOf(s.now())
	return today.AddDays(c.MinDaysAhead), today.AddDays(c.MaxDaysAhead)
}

// Slots returns the slots of an office for days days from a day, with their free
// places; days outside the booking window come back without slots. Slots already
// begun are not free.
func (s *Service) Slots(ctx context.Context, tenantID, officeID int64, from Day, days int) ([]DaySlots, error) {
	cal, err := s.store.BookingCalendar(ctx, tenantID, officeID)
	if err != nil {
		return nil, err
	}
	if !cal.Enabled {
		return nil, apperr.E(apperr.NotFound, "booking.office.not_bookable")
	}
	return s.slots(ctx, cal, from, days)
}

func (s *Service) slots(ctx context.Context, cal Calendar, from Day, days int) ([]DaySlots, error) {
	if days < 1 || days > 62 {
		days = 7
	}
	st, err := s.store.BookingSettings(ctx, cal.TenantID)
	if err != nil {
		return nil, err
	}
	to := from.AddDays(days)
	closures, err := s.store.BookingClosures(ctx, cal.TenantID, cal.OfficeID, from, to)
	if err != nil {
		return nil, err
	}
	load, err := s.store.SlotLoad(ctx, cal.TenantID, cal.OfficeID, from.At(0), to.At(0))
	if err != nil {
		return nil, err
	}
	first, last := s.Window(cal)
	now := s.now()
	out := make([]DaySlots, 0, days)
	for d := from; d.Before(to); d = d.AddDays(1) {
		ds := DaySlots{Day: d}
		ds.Closed, ds.Reason = closedWhy(d, st, closures)
		if ds.Closed == "" && !d.Before(first) && !last.Before(d) {
			ds.Slots = cal.slotsOf(d)
			for i := range ds.Slots {
				sl := &ds.Slots[i]
				sl.Free = max(0, sl.Capacity-load[sl.Start.Unix()])
				if !sl.Start.After(now) {
					sl.Free = 0
				}
			}
			if len(ds.Slots) == 0 {
				ds.Closed = "hours"
			}
		}
		out = append(out, ds)
	}
	return out, nil
}

// checkSlot finds the slot starting at start in the calendar, with its free
// places, or says why there is none. It reads only that slot's places, not the
// whole day's, since it runs before every booking.
func (s *Service) checkSlot(ctx context.Context, cal Calendar, start time.Time) (Slot, error) {
	d := DayOf(start)
	first, last := s.Window(cal)
	if d.Before(first) || last.Before(d) || !start.After(s.now()) {
		return Slot{}, apperr.E(apperr.Invalid, "booking.slot.outside_window")
	}
	st, err := s.store.BookingSettings(ctx, cal.TenantID)
	if err != nil {
		return Slot{}, err
	}
	closures, err := s.store.BookingClosures(ctx, cal.TenantID, cal.OfficeID, d, d)
	if err != nil {
		return Slot{}, err
	}
	slots := cal.slotsOf(d)
	if why, _ := closedWhy(d, st, closures); why != "" || len(slots) == 0 {
		return Slot{}, apperr.E(apperr.Invalid, "booking.slot.closed")
	}
	for _, sl := range slots {
		if sl.Start.Equal(start) {
			held, err := s.store.HeldPlaces(ctx, cal.TenantID, cal.OfficeID, sl.Start)
			if err != nil {
				return Slot{}, err
			}
			sl.Free = max(0, sl.Capacity-len(held))
			return sl, nil
		}
	}
	return Slot{}, apperr.E(apperr.Invalid, "booking.slot.outside_hours")
}

// fieldErr turns a domain error about the slot into a field error on "slot".
func fieldErr(err error) error {
	if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid && len(e.Fields) == 0 {
		return &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "slot", Code: e.Code}}}
	}
	return err
}

func newNonce() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Check normalises and validates a request without booking: the fields, the office
// and the slot (in the calendar, in the window, not closed). It is the review step.
func (s *Service) Check(ctx context.Context, r *Request) (Calendar, Slot, error) {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return Calendar{}, Slot{}, err
	}
	cal, err := s.store.BookingCalendar(ctx, r.TenantID, r.OfficeID)
	if err == nil && r.ByOffice {
		cal = cal.forOffice()
	}
	if err != nil || !cal.Enabled {
		if err == nil || apperr.Is(err, apperr.NotFound) {
			return cal, Slot{}, &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "office", Code: "booking.office.not_bookable"}}}
		}
		return cal, Slot{}, err
	}
	start, _ := ParseSlot(r.Slot)
	sl, err := s.checkSlot(ctx, cal, start)
	if err != nil {
		return cal, Slot{}, fieldErr(err)
	}
	if sl.Free == 0 {
		return cal, sl, s.taken(ctx, cal, start)
	}
	return cal, sl, nil
}

// Book books a slot. When the slot has no free place left the error is ErrSlotTaken
// with the nearby free slots in its "Alternatives" argument ([]Slot).
func (s *Service) Book(ctx context.Context, r Request) (Booking, error) {
	r.ByOffice = false
	return s.book(ctx, r, "")
}

// book books with the given code ("": a new one).
func (s *Service) book(ctx context.Context, r Request, code string) (Booking, error) {
	cal, sl, err := s.Check(ctx, &r)
	if err != nil {
		return Booking{}, err
	}
	start := sl.Start
	if code == "" {
		if code, err = NewCode(); err != nil {
			return Booking{}, err
		}
	}
	now := s.now().UTC()
	b := Booking{
		TenantID: r.TenantID, OfficeID: r.OfficeID, Code: code, Start: sl.Start.UTC(), End: sl.End.UTC(),
		Status: Booked, Topic: r.Topic, Reason: r.Reason, Name: r.Name, Email: r.Email, Phone: r.Phone,
		CitizenID: r.CitizenID, Lang: r.Lang, Nonce: newNonce(), CreatedAt: now, UpdatedAt: now,
		OfficeName: cal.OfficeName,
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.takePlace(ctx, cal, &b, s.store.InsertBooking); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, b.TenantID, "booking.create", "booking", b.Code, SlotID(b.Start))); err != nil {
			return err
		}
		return s.tell(ctx, b, "booked")
	})
	if errors.Is(err, ErrSlotTaken) {
		return Booking{}, s.taken(ctx, cal, start)
	}
	return b, err
}

// takePlace gives b the lowest free place of its slot and writes it with write. Each
// attempt runs in a savepoint: a place taken meanwhile by another transaction
// (PostgreSQL's unique index waits for it, then refuses) is looked up again.
func (s *Service) takePlace(ctx context.Context, cal Calendar, b *Booking, write func(context.Context, *Booking) error) error {
	for attempt := 0; attempt < cal.Desks+1; attempt++ {
		held, err := s.store.HeldPlaces(ctx, b.TenantID, b.OfficeID, b.Start)
		if err != nil {
			return err
		}
		b.Place = 0
		for p := 1; p <= cal.Desks; p++ {
			if !slices.Contains(held, p) {
				b.Place = p
				break
			}
		}
		if b.Place == 0 {
			return ErrSlotTaken
		}
		err = s.store.Savepoint(ctx, func(ctx context.Context) error { return write(ctx, b) })
		if !errors.Is(err, ErrSlotTaken) {
			return err
		}
	}
	return ErrSlotTaken
}

// taken builds the "slot just taken" error with nearby alternatives.
func (s *Service) taken(ctx context.Context, cal Calendar, around time.Time) error {
	alts, err := s.Alternatives(ctx, cal, around, 4)
	if err != nil {
		return err
	}
	return ErrSlotTaken.With("Alternatives", alts)
}

// Alternatives returns up to n free slots nearest in time to around, looking at its
// day and the following week.
func (s *Service) Alternatives(ctx context.Context, cal Calendar, around time.Time, n int) ([]Slot, error) {
	days, err := s.slots(ctx, cal, DayOf(around).AddDays(-1), 9)
	if err != nil {
		return nil, err
	}
	var free []Slot
	for _, d := range days {
		for _, sl := range d.Slots {
			if sl.Free > 0 {
				free = append(free, sl)
			}
		}
	}
	dist := func(sl Slot) time.Duration { return (sl.Start.Sub(around)).Abs() }
	slices.SortStableFunc(free, func(a, b Slot) int { return int((dist(a) - dist(b)) / time.Minute) })
	if len(free) > n {
		free = free[:n]
	}
	slices.SortFunc(free, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return free, nil
}

func (s *Service) tell(ctx context.Context, b Booking, event string) error {
	if s.notify == nil {
		return nil
	}
	return s.notify.BookingEvent(ctx, b, event)
}

// Get returns a booking by code. The caller proves the right to see it: the
// citizen who booked it, a valid manage token, or staff of the office.
func (s *Service) Get(ctx context.Context, tenantID int64, code string) (Booking, error) {
	code = NormalizeCode(code)
	if code == "" {
		return Booking{}, apperr.E(apperr.NotFound, "booking.not_found")
	}
	return s.store.BookingByCode(ctx, tenantID, code)
}

// ByToken returns the booking a manage link names; a forged, stale or foreign token
// is "not found".
func (s *Service) ByToken(ctx context.Context, tenantID int64, code, token string) (Booking, error) {
	b, err := s.Get(ctx, tenantID, code)
	if err != nil {
		return Booking{}, err
	}
	if !CheckToken(s.signer, b, token) {
		return Booking{}, apperr.E(apperr.NotFound, "booking.link.invalid")
	}
	return b, nil
}

// OfCitizen lists a citizen's bookings, latest first.
func (s *Service) OfCitizen(ctx context.Context, tenantID, citizenID int64) ([]Booking, error) {
	return s.store.CitizenBookings(ctx, tenantID, citizenID)
}

// Day lists an office's bookings of one day.
func (s *Service) Day(ctx context.Context, tenantID, officeID int64, d Day) ([]Booking, error) {
	return s.store.OfficeBookings(ctx, tenantID, officeID, d.At(0), d.AddDays(1).At(0))
}

// Cancel cancels a booking on the citizen's behalf (from the personal area or the
// manage link). Only bookings still to happen can be cancelled.
func (s *Service) Cancel(ctx context.Context, b Booking) (Booking, error) {
	if !b.Active() || !b.Start.After(s.now()) {
		return b, apperr.E(apperr.Conflict, "booking.cancel.too_late")
	}
	b.Status = Cancelled
	b.Nonce = newNonce()
	b.UpdatedAt = s.now().UTC()
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateBooking(ctx, &b); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, b.TenantID, "booking.cancel", "booking", b.Code, "")); err != nil {
			return err
		}
		return s.tell(ctx, b, "cancelled")
	})
	return b, err
}

// Reschedule moves a booking still to happen to another slot of the same office.
// The old manage link stops working (the nonce changes).
func (s *Service) Reschedule(ctx context.Context, b Booking, slot string) (Booking, error) {
	if !b.Active() || !b.Start.After(s.now()) {
		return b, apperr.E(apperr.Conflict, "booking.reschedule.too_late")
	}
	start, err := ParseSlot(slot)
	if err != nil {
		return b, fieldErr(err)
	}
	cal, err := s.store.BookingCalendar(ctx, b.TenantID, b.OfficeID)
	if err != nil {
		return b, err
	}
	sl, err := s.checkSlot(ctx, cal, start)
	if err != nil {
		return b, fieldErr(err)
	}
	old := b.Start
	nb := b
	nb.Start, nb.End = sl.Start.UTC(), sl.End.UTC()
	nb.Status = Booked
	nb.Message = ""
	nb.Nonce = newNonce()
	nb.UpdatedAt = s.now().UTC()
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.takePlace(ctx, cal, &nb, s.store.UpdateBooking); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, b.TenantID, "booking.reschedule", "booking", b.Code, SlotID(old)+" → "+SlotID(nb.Start))); err != nil {
			return err
		}
		return s.tell(ctx, nb, "rescheduled")
	})
	if errors.Is(err, ErrSlotTaken) {
		return b, s.taken(ctx, cal, start)
	}
	if err != nil {
		return b, err
	}
	return nb, nil
}

// SetStatus is the operators' move of a booking (check-in, no-show, done, cancel);
// a cancellation carries a message to the citizen.
func (s *Service) SetStatus(ctx context.Context, b Booking, to Status, message string) (Booking, error) {
	message = check.Clean(message)
	if !CanMove(b.Status, to) {
		return b, apperr.E(apperr.Conflict, "booking.status.not_allowed")
	}
	if !check.Text(message, MaxReason) {
		return b, &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "message", Code: "booking.reason.too_long", Args: map[string]any{"Max": MaxReason}}}}
	}
	b.Status = to
	if to == Cancelled {
		b.Message = message
		b.Nonce = newNonce()
	}
	b.UpdatedAt = s.now().UTC()
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateBooking(ctx, &b); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, b.TenantID, "booking.status", "booking", b.Code, string(to))); err != nil {
			return err
		}
		if to == Cancelled {
			return s.tell(ctx, b, "cancelled_by_office")
		}
		return nil
	})
	return b, err
}

// SlotTaken reports whether err is the "slot just taken" answer, with the nearby
// free slots it carries.
func SlotTaken(err error) ([]Slot, bool) {
	e := apperr.As(err)
	if e == nil || e.Code != ErrSlotTaken.Code {
		return nil, false
	}
	alts, _ := e.Args["Alternatives"].([]Slot)
	return alts, true
}
