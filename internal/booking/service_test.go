package booking_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/booking"
	"piazza/internal/secret"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

var ctx = context.Background()

// now is Monday 23 November 2026, 10:00 in Rome.
var now = time.Date(2026, 11, 23, 10, 0, 0, 0, booking.Rome)

type fixture struct {
	db      *store.DB
	svc     *booking.Service
	tenant  int64
	office  int64
	other   int64 // a second tenant
	officeB int64 // its office
	events  *recorder
}

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) BookingEvent(ctx context.Context, b booking.Booking, event string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, b.Code+" "+event)
	return nil
}

func newFixture(t *testing.T, desks int) *fixture {
	t.Helper()
	db := storetest.OpenWith(t, func() time.Time { return now })
	kr, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: booking.New(db, kr, func() time.Time { return now }), events: &recorder{}}
	f.svc.SetNotifier(f.events)
	f.tenant = storetest.MustCreateTenant(t, db, "alfa").ID
	f.other = storetest.MustCreateTenant(t, db, "beta").ID
	f.office = storetest.MustCreateOffice(t, db, f.tenant, "Anagrafe").ID
	f.officeB = storetest.MustCreateOffice(t, db, f.other, "Anagrafe").ID
	for _, c := range []booking.Calendar{
		{TenantID: f.tenant, OfficeID: f.office, Enabled: true, SlotMinutes: 20, Desks: desks, MaxDaysAhead: 30, Topics: []string{"Carta d'identità"}},
		{TenantID: f.other, OfficeID: f.officeB, Enabled: true, SlotMinutes: 30, Desks: 1, MaxDaysAhead: 30},
	} {
		for wd := time.Monday; wd <= time.Friday; wd++ {
			c.Hours[wd] = []booking.Range{{From: 9 * 60, To: 12 * 60}}
		}
		c.Hours[time.Tuesday] = append(c.Hours[time.Tuesday], booking.Range{From: 15 * 60, To: 17 * 60})
		if err := f.svc.SaveCalendar(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) request(slot string) booking.Request {
	return booking.Request{TenantID: f.tenant, OfficeID: f.office, Slot: slot, Topic: "Carta d'identità",
		Name: "Mario Rossi", Email: "mario@example.it", Reason: "Rinnovo"}
}

func fieldOf(err error) string {
	if e := apperr.As(err); e != nil && len(e.Fields) > 0 {
		return e.Fields[0].Field + ":" + e.Fields[0].Code
	}
	return ""
}

func TestBookAndSlots(t *testing.T) {
	f := newFixture(t, 2)
	b, err := f.svc.Book(ctx, f.request("2026-11-24T15:20"))
	if err != nil {
		t.Fatal(err)
	}
	if booking.NormalizeCode(b.Code) != b.Code || b.Place != 1 || b.Status != booking.Booked || b.End.Sub(b.Start) != 20*time.Minute {
		t.Fatalf("booking %+v", b)
	}
	tue, _ := booking.ParseDay("2026-11-24")
	days, err := f.svc.Slots(ctx, f.tenant, f.office, tue, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(days[0].Slots) != 9+6 {
		t.Fatalf("Tuesday has %d slots", len(days[0].Slots))
	}
	for _, s := range days[0].Slots {
		want := 2
		if s.ID() == "2026-11-24T15:20" {
			want = 1
		}
		if s.Free != want {
			t.Errorf("slot %s free %d, want %d", s.ID(), s.Free, want)
		}
	}
	// Today's slots that have begun are not free.
	days, _ = f.svc.Slots(ctx, f.tenant, f.office, booking.DayOf(now), 1)
	for _, s := range days[0].Slots {
		if (s.Free > 0) != s.Start.After(now) {
			t.Errorf("today %s free %d", s.ID(), s.Free)
		}
	}
	got, err := f.svc.ByToken(ctx, f.tenant, b.Code, f.svc.Token(b))
	if err != nil || got.ID != b.ID || got.OfficeName != "Anagrafe" {
		t.Fatalf("ByToken = %+v, %v", got, err)
	}
	if len(f.events.events) != 1 || !strings.HasSuffix(f.events.events[0], " booked") {
		t.Fatalf("events %v", f.events.events)
	}
}

func TestClosedDays(t *testing.T) {
	f := newFixture(t, 1)
	if err := f.svc.SaveSettings(ctx, &booking.Settings{TenantID: f.tenant, PatronMonth: 11, PatronDay: 26, PatronName: "San Corrado"}); err != nil {
		t.Fatal(err)
	}
	fri, _ := booking.ParseDay("2026-11-27")
	if err := f.svc.CloseDay(ctx, &booking.Closure{TenantID: f.tenant, OfficeID: f.office, Day: fri, Reason: "Inventario"}); err != nil {
		t.Fatal(err)
	}
	mon, _ := booking.ParseDay("2026-11-23")
	days, err := f.svc.Slots(ctx, f.tenant, f.office, mon, 14)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"2026-11-26": "patron", "2026-11-27": "closure", "2026-11-28": "hours", "2026-11-29": "hours",
		"2026-12-08": "holiday.immacolata", "2026-11-24": ""}
	for _, d := range days {
		if w, ok := want[d.Day.String()]; ok && d.Closed != w {
			t.Errorf("%s closed %q, want %q", d.Day, d.Closed, w)
		}
	}
	// The other tenant's patron and closures do not apply to it.
	days, _ = f.svc.Slots(ctx, f.other, f.officeB, fri, 1)
	if days[0].Closed != "" || len(days[0].Slots) == 0 {
		t.Fatalf("closure leaked to the other tenant: %+v", days[0])
	}
}

func TestBadSlotsStoreNothing(t *testing.T) {
	f := newFixture(t, 1)
	for slot, want := range map[string]string{
		"2026-11-23T09:00": "slot:booking.slot.outside_window", // already past
		"2026-11-24T12:00": "slot:booking.slot.outside_hours",
		"2026-11-24T09:10": "slot:booking.slot.outside_hours", // not a slot start
		"2026-11-28T09:00": "slot:booking.slot.closed",        // Saturday
		"2026-12-08T09:00": "slot:booking.slot.closed",        // Immacolata
		"2027-01-20T09:00": "slot:booking.slot.outside_window",
		"2026-11-24T9:00":  "slot:booking.slot.invalid",
	} {
		_, err := f.svc.Book(ctx, f.request(slot))
		if got := fieldOf(err); got != want {
			t.Errorf("Book(%s) = %q (%v), want %q", slot, got, err, want)
		}
	}
	r := f.request("2026-11-24T09:00")
	r.Email = "not-an-email"
	if _, err := f.svc.Book(ctx, r); fieldOf(err) != "email:booking.email.invalid" {
		t.Errorf("bad email: %v", err)
	}
	r = f.request("2026-11-24T09:00")
	r.OfficeID = f.officeB // another tenant's office
	if _, err := f.svc.Book(ctx, r); fieldOf(err) != "office:booking.office.not_bookable" {
		t.Errorf("foreign office: %v", err)
	}
	list, _ := f.svc.Day(ctx, f.tenant, f.office, booking.DayOf(now.AddDate(0, 0, 1)))
	if len(list) != 0 || len(f.events.events) != 0 {
		t.Fatalf("stored %v, events %v", list, f.events.events)
	}
}

// TestNoDoubleBooking fires many simultaneous bookings at the last free place of a
// slot: exactly one wins, the others are told the slot was just taken and get
// nearby alternatives. It runs on PostgreSQL too with PIAZZA_TEST_POSTGRES_URL.
func TestNoDoubleBooking(t *testing.T) {
	f := newFixture(t, 3)
	const slot = "2026-11-24T10:00"
	for range 2 { // two of the three places go first
		if _, err := f.svc.Book(ctx, f.request(slot)); err != nil {
			t.Fatal(err)
		}
	}
	const n = 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := f.request(slot)
			r.Name = "Concorrente " + string(rune('A'+i%26))
			_, results[i] = f.svc.Book(ctx, r)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range results {
		if err == nil {
			won++
			continue
		}
		alts, ok := booking.SlotTaken(err)
		if !ok {
			t.Fatalf("loser got %v", err)
		}
		if len(alts) == 0 {
			t.Fatal("no alternatives offered")
		}
		for _, a := range alts {
			if a.ID() == slot || a.Free == 0 {
				t.Fatalf("alternative %+v is not free", a)
			}
		}
		if alts[0].Start.Format("2006-01-02") != "2026-11-24" {
			t.Errorf("nearest alternative %s is not on the same day", alts[0].ID())
		}
	}
	if won != 1 {
		t.Fatalf("%d bookings won the last place", won)
	}
	at, _ := booking.ParseSlot(slot)
	places, err := f.db.HeldPlaces(ctx, f.tenant, f.office, at)
	if err != nil || len(places) != 3 || places[0] != 1 || places[2] != 3 {
		t.Fatalf("held places %v, %v", places, err)
	}
}

func TestRescheduleCancelAndLinks(t *testing.T) {
	f := newFixture(t, 1)
	b, err := f.svc.Book(ctx, f.request("2026-11-24T09:00"))
	if err != nil {
		t.Fatal(err)
	}
	oldTok := f.svc.Token(b)
	other, err := f.svc.Book(ctx, f.request("2026-11-25T09:00"))
	if err != nil {
		t.Fatal(err)
	}
	// Moving onto a full slot: slot taken, nothing changes.
	if _, err := f.svc.Reschedule(ctx, b, "2026-11-25T09:00"); err == nil {
		t.Fatal("rescheduled onto a full slot")
	} else if _, ok := booking.SlotTaken(err); !ok {
		t.Fatalf("full slot: %v", err)
	}
	nb, err := f.svc.Reschedule(ctx, b, "2026-11-25T09:20")
	if err != nil {
		t.Fatal(err)
	}
	if booking.SlotID(nb.Start) != "2026-11-25T09:20" || nb.Code != b.Code {
		t.Fatalf("rescheduled %+v", nb)
	}
	if _, err := f.svc.ByToken(ctx, f.tenant, b.Code, oldTok); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("old link still works: %v", err)
	}
	got, err := f.svc.ByToken(ctx, f.tenant, b.Code, f.svc.Token(nb))
	if err != nil {
		t.Fatal(err)
	}
	// The old slot is free again.
	if _, err := f.svc.Book(ctx, f.request("2026-11-24T09:00")); err != nil {
		t.Fatalf("old slot not freed: %v", err)
	}
	c, err := f.svc.Cancel(ctx, got)
	if err != nil || c.Status != booking.Cancelled {
		t.Fatalf("cancel %+v %v", c, err)
	}
	if _, err := f.svc.Cancel(ctx, c); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("second cancel: %v", err)
	}
	// Operators: check-in, done; a cancelled booking cannot be checked in.
	o, err := f.svc.SetStatus(ctx, other, booking.CheckedIn, "")
	if err != nil {
		t.Fatal(err)
	}
	if o, err = f.svc.SetStatus(ctx, o, booking.Done, ""); err != nil || o.Status != booking.Done {
		t.Fatalf("done: %+v %v", o, err)
	}
	if _, err := f.svc.SetStatus(ctx, c, booking.CheckedIn, ""); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("checked in a cancelled booking: %v", err)
	}
}

func TestCloseDayMovesBookings(t *testing.T) {
	f := newFixture(t, 2)
	b, err := f.svc.Book(ctx, f.request("2026-11-26T11:00"))
	if err != nil {
		t.Fatal(err)
	}
	thu, _ := booking.ParseDay("2026-11-26")
	if err := f.svc.CloseDay(ctx, &booking.Closure{TenantID: f.tenant, Day: thu, Reason: "Sciopero"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(ctx, f.tenant, b.Code)
	if got.Status != booking.ToReschedule || got.Message != "Sciopero" {
		t.Fatalf("after closing the day: %+v", got)
	}
	if f.events.events[len(f.events.events)-1] != b.Code+" to_reschedule" {
		t.Fatalf("events %v", f.events.events)
	}
	nb, err := f.svc.Reschedule(ctx, got, "2026-11-27T11:00")
	if err != nil || nb.Status != booking.Booked {
		t.Fatalf("reschedule after closure: %+v %v", nb, err)
	}
}

func TestTenantIsolation(t *testing.T) {
	f := newFixture(t, 1)
	b, err := f.svc.Book(ctx, f.request("2026-11-24T09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, f.other, b.Code); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("A's booking seen from B: %v", err)
	}
	// B's office, same slot: its own capacity, A's booking does not count.
	r := f.request("2026-11-24T09:00")
	r.TenantID, r.OfficeID = f.other, f.officeB
	if _, err := f.svc.Book(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Slots(ctx, f.other, f.office, booking.DayOf(now), 1); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("A's calendar through B: %v", err)
	}
	if err := f.svc.SaveCalendar(ctx, &booking.Calendar{TenantID: f.other, OfficeID: f.office, SlotMinutes: 10, Desks: 1, MaxDaysAhead: 5}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("B wrote a calendar on A's office: %v", err)
	}
}
