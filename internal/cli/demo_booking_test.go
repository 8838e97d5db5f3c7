package cli

import (
	"context"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/app"
	"piazza/internal/booking"
	"piazza/internal/demo"
	"piazza/internal/tenants"
)

// TestDemoBooking checks what the demo promises: each comune takes bookings at
// three offices with bookings over the coming weeks, none over its slot's
// capacity, and Mario Rossi has appointments in his personal area.
func TestDemoBooking(t *testing.T) {
	ctx := context.Background()
	a := openApp(t, true, func(ctx context.Context, a *app.App) {
		if _, err := demo.Ensure(ctx, demoDeps(a), demo.Issuer(a.Config.PlatformHost, a.Config.Port())); err != nil {
			t.Fatal(err)
		}
	})
	list, err := a.Tenants.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range list {
		if !tn.Has(tenants.ModuleBooking) {
			t.Errorf("%s: booking module off", tn.Slug)
		}
		cals, err := a.Booking.Calendars(ctx, tn.ID)
		if err != nil || len(cals) != 3 {
			t.Fatalf("%s: %d calendars, %v", tn.Slug, len(cals), err)
		}
		total := 0
		for _, c := range cals {
			first, _ := a.Booking.Window(c)
			for d := first; d.Before(first.AddDays(28)); d = d.AddDays(1) {
				day, err := a.Booking.Day(ctx, tn.ID, c.OfficeID, d)
				if err != nil {
					t.Fatal(err)
				}
				perSlot := map[time.Time]int{}
				for _, b := range day {
					if b.Status.Holds() {
						perSlot[b.Start]++
						if perSlot[b.Start] > c.Desks {
							t.Fatalf("%s %s: slot %v over capacity", tn.Slug, c.OfficeName, b.Start)
						}
					}
				}
				total += len(day)
			}
		}
		if total < 30 {
			t.Errorf("%s: only %d demo bookings", tn.Slug, total)
		}
		mario, err := a.Accounts.CitizenSignIn(ctx, tn.ID, accounts.Identity{FiscalCode: demo.Citizens[0].FiscalCode,
			GivenName: demo.Citizens[0].GivenName, FamilyName: demo.Citizens[0].FamilyName})
		if err != nil {
			t.Fatal(err)
		}
		mine, err := a.Booking.OfCitizen(ctx, tn.ID, mario.ID)
		if err != nil || len(mine) != 2 {
			t.Errorf("%s: Mario has %d bookings, %v", tn.Slug, len(mine), err)
		}
		st, _ := a.Booking.Settings(ctx, tn.ID)
		if st.PatronDay == 0 {
			t.Errorf("%s: no patron saint", tn.Slug)
		}
	}
	_ = booking.Booked
}
