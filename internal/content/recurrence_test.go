package content

import (
	"strings"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	for _, bad := range []string{"", "FREQ=YEARLY", "FREQ=DAILY;COUNT=3;UNTIL=20260101", "FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;BYDAY=1MO",
		"INTERVAL=2", "FREQ=DAILY;INTERVAL=0", "FREQ=DAILY;FREQ=DAILY", "FREQ=DAILY;BYMONTH=1", "FREQ=MONTHLY;BYDAY=6SA"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) accepted", bad)
		}
	}
	for _, good := range []string{"FREQ=DAILY", "FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=MO,WE", "FREQ=MONTHLY;UNTIL=20261231T230000Z;BYDAY=-1FR"} {
		r, err := ParseRule(good)
		if err != nil || r.String() != good {
			t.Errorf("ParseRule(%q) = %v, %v", good, r, err)
		}
	}
}

func starts(t *testing.T, rule string, first time.Time, n int) []string {
	t.Helper()
	r, err := ParseRule(rule)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range r.Starts(first, first.AddDate(5, 0, 0)) {
		out = append(out, s.In(Rome).Format("2006-01-02 15:04"))
		if len(out) == n {
			break
		}
	}
	return out
}

func TestStarts(t *testing.T) {
	sat := time.Date(2026, 3, 21, 21, 0, 0, 0, Rome) // Saturday before the switch to summer time
	for _, tc := range []struct {
		rule  string
		first time.Time
		n     int
		want  string
	}{
		{"FREQ=WEEKLY;COUNT=3", sat, 10, "2026-03-21 21:00 2026-03-28 21:00 2026-04-04 21:00"},
		{"FREQ=DAILY;INTERVAL=2;COUNT=3", sat, 10, "2026-03-21 21:00 2026-03-23 21:00 2026-03-25 21:00"},
		{"FREQ=WEEKLY;BYDAY=TU,SA", sat, 4, "2026-03-21 21:00 2026-03-24 21:00 2026-03-28 21:00 2026-03-31 21:00"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;UNTIL=20260430", sat, 10, "2026-03-21 21:00 2026-04-04 21:00 2026-04-18 21:00"},
		{"FREQ=MONTHLY;COUNT=3", time.Date(2026, 1, 31, 10, 0, 0, 0, Rome), 10, "2026-01-31 10:00 2026-03-31 10:00 2026-05-31 10:00"},
		{"FREQ=MONTHLY;BYDAY=-1FR;COUNT=2", time.Date(2026, 1, 1, 18, 0, 0, 0, Rome), 10, "2026-01-30 18:00 2026-02-27 18:00"},
		{"FREQ=MONTHLY;BYDAY=2SA", time.Date(2026, 1, 1, 9, 0, 0, 0, Rome), 2, "2026-01-10 09:00 2026-02-14 09:00"},
		{"FREQ=DAILY;BYDAY=MO", sat, 2, "2026-03-23 21:00 2026-03-30 21:00"},
	} {
		if got := strings.Join(starts(t, tc.rule, tc.first, tc.n), " "); got != tc.want {
			t.Errorf("%s from %v:\n got %s\nwant %s", tc.rule, tc.first, got, tc.want)
		}
	}
}

func TestOccurrencesAndLastEnd(t *testing.T) {
	start := time.Date(2026, 5, 4, 9, 0, 0, 0, Rome)
	it := &Item{Kind: KindEvent, Event: Event{Start: start, End: start.Add(3 * time.Hour), Recurrence: "FREQ=WEEKLY;COUNT=4"}}
	if le := it.LastEnd(); !le.Equal(time.Date(2026, 5, 25, 12, 0, 0, 0, Rome)) {
		t.Fatalf("LastEnd = %v", le)
	}
	// An occurrence in progress at the range start overlaps it.
	occ := it.Occurrences(time.Date(2026, 5, 11, 10, 0, 0, 0, Rome), time.Date(2026, 5, 19, 0, 0, 0, 0, Rome))
	if len(occ) != 2 || !occ[0].Start.Equal(time.Date(2026, 5, 11, 9, 0, 0, 0, Rome)) {
		t.Fatalf("occurrences = %+v", occ)
	}
	it.Event.Recurrence = "FREQ=DAILY"
	if !it.LastEnd().IsZero() {
		t.Fatal("endless rule has a last end")
	}
	if got := RuleText("FREQ=WEEKLY;BYDAY=SA;COUNT=4", "it"); got != "Ogni settimana (sabato), per 4 volte" {
		t.Fatalf("RuleText = %q", got)
	}
}

func TestDiff(t *testing.T) {
	d := Diff([]string{"a", "b", "c"}, []string{"a", "x", "c", "d"})
	var b strings.Builder
	for _, l := range d {
		b.WriteString(string(l.Op) + l.Text + ";")
	}
	if got := b.String(); got != " a;-b;+x; c;+d;" {
		t.Fatalf("diff = %q", got)
	}
}

func TestPublicWindow(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	it := &Item{Status: StatusPublished, PublishAt: now.Add(time.Hour), ExpireAt: now.Add(48 * time.Hour)}
	if it.Public(now) || !it.Scheduled(now) || !it.Public(now.Add(time.Hour)) || it.Public(now.Add(48*time.Hour)) || !it.Expired(now.Add(48*time.Hour)) {
		t.Fatal("publication window")
	}
	it.Status = StatusDraft
	if it.Public(now.Add(2 * time.Hour)) {
		t.Fatal("draft is public")
	}
}
