package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/booking"
	"piazza/internal/jobs"
	"piazza/internal/secret"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

type reminded struct {
	mu     sync.Mutex
	events []string
}

func (r *reminded) BookingEvent(_ context.Context, b booking.Booking, event string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, b.Name+" "+event)
	return nil
}

// The daily job reminds the appointments of its day in every active tenant with the
// booking module, and in no other.
func TestBookingRemindersJob(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	kr, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	rec := &reminded{}
	a := &App{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Tenants: tenants.NewService(db, db, kr, nil), Booking: booking.New(db, kr, nil)}
	a.Booking.SetNotifier(rec)
	day := booking.DayOf(time.Now()).AddDays(1)
	for booking.NationalHoliday(day) != "" {
		day = day.AddDays(1)
	}
	for _, tc := range []struct {
		slug    string
		modules bool
		status  tenants.Status
	}{{"alfa", true, tenants.StatusActive}, {"beta", false, tenants.StatusActive}, {"gamma", true, tenants.StatusSuspended}} {
		tn := storetest.MustCreateTenant(t, db, tc.slug)
		office := storetest.MustCreateOffice(t, db, tn.ID, "Anagrafe")
		cal := booking.Calendar{TenantID: tn.ID, OfficeID: office.ID, Enabled: true, SlotMinutes: 30, Desks: 1, MaxDaysAhead: 30}
		for d := range cal.Hours {
			cal.Hours[d] = []booking.Range{{From: 9 * 60, To: 12 * 60}}
		}
		if err := a.Booking.SaveCalendar(ctx, &cal); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Booking.Book(ctx, booking.Request{TenantID: tn.ID, OfficeID: office.ID, Slot: booking.SlotID(day.At(10 * 60)),
			Topic: "Certificati", Name: "Cittadino " + tc.slug, Email: tc.slug + "@example.it"}); err != nil {
			t.Fatal(err)
		}
		if tc.modules {
			tn.Modules = append(tn.Modules, tenants.ModuleBooking)
		}
		tn.Status = tc.status
		if err := db.UpdateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
	}
	rec.events = nil
	payload, _ := json.Marshal(reminderPayload{Day: day.String()})
	if err := a.bookingReminders(ctx, jobs.Job{Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.events, ","); got != "Cittadino alfa reminder" {
		t.Fatalf("reminded %q", got)
	}
	if err := a.bookingReminders(ctx, jobs.Job{Payload: []byte(`{"day":"domani"}`)}); !jobs.IsPermanent(err) {
		t.Fatalf("bad payload: %v", err)
	}
}
