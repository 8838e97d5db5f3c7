package applications

import (
	"regexp"
	"testing"
	"time"
)

func TestNewCode(t *testing.T) {
	re := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewCode()
		if err != nil || !re.MatchString(c) || seen[c] {
			t.Fatalf("code %q, %v", c, err)
		}
		seen[c] = true
		if NormalizeCode(c) != c {
			t.Fatalf("NormalizeCode(%q) = %q", c, NormalizeCode(c))
		}
	}
	for in, want := range map[string]string{
		"k7qh 3m9x 2pta": "K7QH-3M9X-2PTA",
		"K7QH3M9X2PTO":   "K7QH-3M9X-2PT0",
		"LIQH-3M9X-2PTA": "11QH-3M9X-2PTA",
		"K7QH-3M9X-2PT":  "",
		"K7QH-3M9X-2PTU": "",
		"../../etc":      "",
	} {
		if got := NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanMove(t *testing.T) {
	for _, c := range []struct {
		from, to Status
		withdraw bool
		want     bool
	}{
		{Draft, Submitted, false, true},
		{Draft, Accepted, false, false},
		{Submitted, Registered, false, true},
		{Registered, TakenInCharge, false, true},
		{TakenInCharge, IntegrationRequested, false, true},
		{IntegrationRequested, IntegrationSubmitted, false, true},
		{IntegrationRequested, Accepted, false, false},
		{IntegrationSubmitted, Accepted, false, true},
		{IntegrationSubmitted, IntegrationRequested, false, true},
		{Accepted, Rejected, false, false},
		{Registered, Withdrawn, false, false},
		{Registered, Withdrawn, true, true},
		{Draft, Withdrawn, true, false},
		{Rejected, Withdrawn, true, false},
	} {
		if got := CanMove(c.from, c.to, c.withdraw); got != c.want {
			t.Errorf("CanMove(%s, %s, %v) = %v", c.from, c.to, c.withdraw, got)
		}
	}
}

func TestDueDates(t *testing.T) {
	// Submitted at 23:30 in Rome on 30 March 2026 (21:30 UTC, after the clocks
	// went forward): 30 days later is 29 April, to its last second in Rome.
	sub := time.Date(2026, 3, 30, 21, 30, 0, 0, time.UTC)
	due := DueAt(sub, 30)
	if want := time.Date(2026, 4, 29, 23, 59, 59, 0, Rome); !due.Equal(want) {
		t.Fatalf("DueAt = %v, want %v", due.In(Rome), want)
	}
	if !DueAt(sub, 0).IsZero() {
		t.Fatal("a term of 0 days has a due date")
	}
	// Suspended on 10 April (23:00 in Rome), answered on 20 April: ten days more.
	susp := time.Date(2026, 4, 10, 21, 0, 0, 0, time.UTC) // 23:00 in Rome, 10 April
	res := time.Date(2026, 4, 20, 6, 0, 0, 0, time.UTC)
	if got, want := Resume(due, susp, res), time.Date(2026, 5, 9, 23, 59, 59, 0, Rome); !got.Equal(want) {
		t.Fatalf("Resume = %v, want %v", got.In(Rome), want)
	}
	a := Application{Status: TakenInCharge, DueAt: due}
	if a.Overdue(due) || !a.Overdue(due.Add(time.Second)) {
		t.Fatal("overdue boundary")
	}
	a.SuspendedAt = susp
	if a.Overdue(due.Add(time.Hour)) {
		t.Fatal("suspended application overdue")
	}
}
