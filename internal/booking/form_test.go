package booking

import (
	"strings"
	"testing"

	"piazza/internal/apperr"
)

func TestCalendarForm(t *testing.T) {
	ok := CalendarForm{Enabled: true, SlotMinutes: " 15 ", Desks: "3", MinDaysAhead: "0", MaxDaysAhead: "30",
		Hours:  [7]string{1: "8:30-12:30, 14:30-17", 3: "9-13", 6: ""},
		Topics: "Carta d'identità\n\n  Certificati  anagrafici \nCarta d'identità\n"}
	c, err := ok.Calendar(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != 1 || c.OfficeID != 2 || !c.Enabled || c.SlotMinutes != 15 || c.Desks != 3 || c.MaxDaysAhead != 30 ||
		FormatRanges(c.Hours[1]) != "08:30-12:30, 14:30-17:00" || len(c.Hours[2]) != 0 ||
		strings.Join(c.Topics, "|") != "Carta d'identità|Certificati anagrafici" {
		t.Fatalf("calendar %+v", c)
	}
	if again, err := FormOf(c).Calendar(1, 2); err != nil || FormatRanges(again.Hours[1]) != FormatRanges(c.Hours[1]) || len(again.Topics) != 2 {
		t.Fatalf("FormOf does not round-trip: %+v %v", again, err)
	}
	for _, tc := range []struct {
		name   string
		change func(*CalendarForm)
		want   string
	}{
		{"slot not a number", func(f *CalendarForm) { f.SlotMinutes = "venti" }, "slot_minutes:booking.calendar.slot_minutes"},
		{"slot too short", func(f *CalendarForm) { f.SlotMinutes = "2" }, "slot_minutes:booking.calendar.slot_minutes"},
		{"no desk", func(f *CalendarForm) { f.Desks = "0" }, "desks:booking.calendar.desks"},
		{"negative window", func(f *CalendarForm) { f.MinDaysAhead = "-1" }, "min_days_ahead:booking.calendar.window"},
		{"window upside down", func(f *CalendarForm) { f.MinDaysAhead = "40" }, "max_days_ahead:booking.calendar.window"},
		{"window too long", func(f *CalendarForm) { f.MaxDaysAhead = "400" }, "max_days_ahead:booking.calendar.window"},
		{"hours garbage", func(f *CalendarForm) { f.Hours[2] = "tutto il giorno" }, "hours_2:booking.calendar.hours"},
		{"hours overlap", func(f *CalendarForm) { f.Hours[4] = "9-12, 11-13" }, "hours_4:booking.calendar.hours_overlap"},
		{"too many topics", func(f *CalendarForm) { f.Topics = strings.Repeat("a\nb\nc\nd\ne\nf\n", 6) + strings.Repeat("x", 10) }, ""},
		{"topic too long", func(f *CalendarForm) { f.Topics = strings.Repeat("x", MaxTopic+1) }, "topics:booking.calendar.topics"},
	} {
		f := ok
		tc.change(&f)
		_, err := f.Calendar(1, 2)
		if tc.want == "" {
			// Repeated topics collapse: 6 distinct plus one is valid.
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		e := apperr.As(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Field+":"+e.Fields[0].Code != tc.want {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzCalendarForm(f *testing.F) {
	f.Add("20", "2", "0", "60", "8:30-12:30, 14:30-17", "9-13;15-18", "Carta d'identità\nCertificati")
	f.Add("x", "-1", "99999", "", "24-0", "--", "\x00\n\n")
	f.Fuzz(func(t *testing.T, slot, desks, min, max, h1, h2, topics string) {
		form := CalendarForm{Enabled: true, SlotMinutes: slot, Desks: desks, MinDaysAhead: min, MaxDaysAhead: max, Hours: [7]string{1: h1, 2: h2}, Topics: topics}
		c, err := form.Calendar(1, 1)
		if err != nil {
			if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("error without fields: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid calendar %+v: %v", c, err)
		}
	})
}
