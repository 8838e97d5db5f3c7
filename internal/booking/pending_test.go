package booking_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/booking"
	"piazza/internal/secret"
)

func keyring(t *testing.T) *secret.Keyring {
	kr, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestAskAndConfirmByEmail(t *testing.T) {
	f := newFixture(t, 1)
	r := f.request("2026-11-24T09:40")
	r.CitizenID = 99 // ignored: not signed in
	p, tok, err := f.svc.Ask(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	// The link works until the slot starts, 24 hours at most.
	if p.Code == "" || !p.Expires.Equal(p.Start) || booking.SlotID(p.Start) != "2026-11-24T09:40" {
		t.Fatalf("pending %+v", p)
	}
	if p2, _, err := f.svc.Ask(ctx, f.request("2026-12-01T09:40")); err != nil || !p2.Expires.Equal(now.Add(booking.PendingTTL)) {
		t.Fatalf("pending %+v, %v", p2, err)
	}
	if len(f.events.events) != 0 {
		t.Fatalf("events before confirming: %v", f.events.events)
	}
	// Nothing is held until the citizen confirms.
	tue, _ := booking.ParseDay("2026-11-24")
	if days, _ := f.svc.Slots(ctx, f.tenant, f.office, tue, 1); days[0].FreeCount() != 9+6 {
		t.Fatalf("a pending request holds a place")
	}
	if _, err := f.svc.Get(ctx, f.tenant, p.Code); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("pending stored: %v", err)
	}

	// Confirming twice, even at the same moment, books once.
	var wg sync.WaitGroup
	got := make([]booking.Booking, 4)
	errs := make([]error, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = f.svc.Confirm(ctx, f.tenant, tok)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i].Code != p.Code || got[i].CitizenID != 0 || got[i].Email != "mario@example.it" {
			t.Fatalf("confirm %d = %+v, %v", i, got[i], errs[i])
		}
	}
	if len(f.events.events) != 1 || f.events.events[0] != p.Code+" booked" {
		t.Fatalf("events %v", f.events.events)
	}
	// The same link after a cancellation still shows the booking, it does not book again.
	if _, err := f.svc.Cancel(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Confirm(ctx, f.tenant, tok)
	if err != nil || again.Status != booking.Cancelled {
		t.Fatalf("confirm after cancel = %+v, %v", again, err)
	}
}

func TestConfirmLinkRefused(t *testing.T) {
	f := newFixture(t, 1)
	_, tok, err := f.svc.Ask(ctx, f.request("2026-11-24T09:40"))
	if err != nil {
		t.Fatal(err)
	}
	body, mac, _ := strings.Cut(tok, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		return string(b)
	}
	later := booking.New(f.db, keyring(t), func() time.Time { return now.Add(booking.PendingTTL) })
	otherKey, _ := secret.New([]byte(strings.Repeat("z", 32)))
	forger := booking.New(f.db, otherKey, func() time.Time { return now })
	for _, tc := range []struct {
		name   string
		svc    *booking.Service
		tenant int64
		tok    string
		code   string
	}{
		{"altered body", f.svc, f.tenant, flip(body) + "." + mac, "booking.pending.invalid"},
		{"altered mac", f.svc, f.tenant, body + "." + flip(mac), "booking.pending.invalid"},
		{"no mac", f.svc, f.tenant, body, "booking.pending.invalid"},
		{"other comune", f.svc, f.other, tok, "booking.pending.invalid"},
		{"other key", forger, f.tenant, tok, "booking.pending.invalid"},
		{"expired", later, f.tenant, tok, "booking.pending.expired"},
		{"huge", f.svc, f.tenant, strings.Repeat("A", booking.MaxPendingToken+1), "booking.pending.invalid"},
	} {
		_, err := tc.svc.Confirm(ctx, tc.tenant, tc.tok)
		if e := apperr.As(err); e == nil || e.Kind != apperr.NotFound || e.Code != tc.code {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if len(f.events.events) != 0 {
		t.Fatalf("refused links booked: %v", f.events.events)
	}
}

func TestConfirmAfterTheSlotWasTaken(t *testing.T) {
	f := newFixture(t, 1)
	_, tok, err := f.svc.Ask(ctx, f.request("2026-11-24T09:40"))
	if err != nil {
		t.Fatal(err)
	}
	r := f.request("2026-11-24T09:40")
	r.Email = "lucia@example.it"
	if _, err := f.svc.Book(ctx, r); err != nil {
		t.Fatal(err)
	}
	// Asking for a full slot is "taken" at once.
	if _, _, err := f.svc.Ask(ctx, f.request("2026-11-24T09:40")); err == nil {
		t.Fatal("asked for a full slot")
	}
	_, err = f.svc.Confirm(ctx, f.tenant, tok)
	alts, taken := booking.SlotTaken(err)
	if !taken || len(alts) == 0 {
		t.Fatalf("confirm of a taken slot: %v (%d alternatives)", err, len(alts))
	}
	for _, a := range alts {
		if a.Free == 0 || booking.SlotID(a.Start) == "2026-11-24T09:40" {
			t.Errorf("alternative %s free %d", booking.SlotID(a.Start), a.Free)
		}
	}
}
