// Package booking books appointments at a comune's offices (prenotazione
// appuntamenti): per-office calendars of opening hours, slots with a number of desks,
// closures (Italian national holidays, the patron saint's day, ad-hoc days), the
// booking window, and bookings that never exceed a slot's capacity.
//
// Times of day are Rome's wall clock; stored instants are UTC.
package booking

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
)

// Rome is the time zone of every calendar.
var Rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(fmt.Sprintf("booking: time zone Europe/Rome: %v (embed time/tzdata)", err))
	}
	return l
}()

// Range is an opening range of one day, in minutes after midnight: [From, To).
type Range struct {
	From int `json:"from"`
	To   int `json:"to"`
}

func (r Range) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.From/60, r.From%60, r.To/60, r.To%60)
}

// Week holds the opening ranges of each weekday, indexed by time.Weekday (Sunday 0).
type Week [7][]Range

// Limits of a calendar.
const (
	MaxRangesPerDay = 6
	MaxDaysAhead    = 366
	MaxTopics       = 30
	MaxTopic        = 150
	MaxReason       = 1000
	MaxName         = 120
)

// Calendar is the booking calendar of one office.
type Calendar struct {
	TenantID     int64
	OfficeID     int64
	Enabled      bool
	SlotMinutes  int // length of one appointment
	Desks        int // people served at the same time: the capacity of each slot
	MinDaysAhead int // earliest bookable day, in days from today (0: today)
	MaxDaysAhead int // latest bookable day, in days from today
	Hours        Week
	Topics       []string // what the office handles; the citizen picks one
	UpdatedAt    time.Time

	// OfficeName and OfficeSlug come with the calendar from the offices table.
	OfficeName string
	OfficeSlug string
}

// HoursJSON and TopicsJSON are the stored forms.
func (c *Calendar) HoursJSON() string {
	b, _ := json.Marshal(c.Hours)
	return string(b)
}

func (c *Calendar) TopicsJSON() string {
	t := c.Topics
	if t == nil {
		t = []string{}
	}
	b, _ := json.Marshal(t)
	return string(b)
}

// DecodeStored fills Hours and Topics from their stored JSON.
func (c *Calendar) DecodeStored(hours, topics string) error {
	if err := json.Unmarshal([]byte(hours), &c.Hours); err != nil {
		return fmt.Errorf("booking: stored hours: %w", err)
	}
	if err := json.Unmarshal([]byte(topics), &c.Topics); err != nil {
		return fmt.Errorf("booking: stored topics: %w", err)
	}
	return nil
}

// Validate checks a calendar; field names are those of the back-office form.
func (c *Calendar) Validate() error {
	var v apperr.Validation
	if c.SlotMinutes < 5 || c.SlotMinutes > 240 {
		v.Add("slot_minutes", "booking.calendar.slot_minutes")
	}
	if c.Desks < 1 || c.Desks > 50 {
		v.Add("desks", "booking.calendar.desks")
	}
	if c.MinDaysAhead < 0 || c.MaxDaysAhead > MaxDaysAhead || c.MinDaysAhead > c.MaxDaysAhead {
		v.Add("max_days_ahead", "booking.calendar.window")
	}
	for d, rs := range c.Hours {
		if err := checkRanges(rs); err != "" {
			v.Add(fmt.Sprintf("hours_%d", d), err)
		}
	}
	if len(c.Topics) > MaxTopics {
		v.Add("topics", "booking.calendar.topics")
	}
	for _, t := range c.Topics {
		if t == "" || !check.Line(t, MaxTopic) {
			v.Add("topics", "booking.calendar.topics")
			break
		}
	}
	return v.Err()
}

func checkRanges(rs []Range) string {
	if len(rs) > MaxRangesPerDay {
		return "booking.calendar.hours"
	}
	for i, r := range rs {
		if r.From < 0 || r.To > 24*60 || r.From >= r.To {
			return "booking.calendar.hours"
		}
		if i > 0 && rs[i-1].To > r.From {
			return "booking.calendar.hours_overlap"
		}
	}
	return ""
}

// ParseRanges reads the opening ranges of one day as people write them:
// "8:30-12:30, 14:30-17" (commas or semicolons between ranges; "" is closed).
func ParseRanges(s string) ([]Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > 200 {
		return nil, apperr.E(apperr.Invalid, "booking.calendar.hours")
	}
	var out []Range
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, apperr.E(apperr.Invalid, "booking.calendar.hours")
		}
		f, ok1 := parseClock(from)
		t, ok2 := parseClock(to)
		if !ok1 || !ok2 {
			return nil, apperr.E(apperr.Invalid, "booking.calendar.hours")
		}
		out = append(out, Range{f, t})
	}
	slices.SortFunc(out, func(a, b Range) int { return a.From - b.From })
	if code := checkRanges(out); code != "" {
		return nil, apperr.E(apperr.Invalid, code)
	}
	return out, nil
}

// FormatRanges is the inverse of ParseRanges.
func FormatRanges(rs []Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// parseClock reads "8", "08:30" or "8.30" as minutes after midnight (24:00 allowed).
func parseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	h, m, hasMin := strings.Cut(strings.ReplaceAll(s, ".", ":"), ":")
	hh, ok := atoi(h, 2)
	if !ok {
		return 0, false
	}
	mm := 0
	if hasMin {
		if len(m) != 2 {
			return 0, false
		}
		if mm, ok = atoi(m, 2); !ok {
			return 0, false
		}
	}
	if hh > 24 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// atoi reads 1 to max ASCII digits.
func atoi(s string, max int) (int, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// Settings are a tenant's booking settings.
type Settings struct {
	TenantID    int64
	PatronMonth int // 1–12, 0 when the comune has no patron's holiday
	PatronDay   int
	PatronName  string // e.g. "San Giovanni Battista"
}

// Validate checks the patron saint's day.
func (s *Settings) Validate() error {
	var v apperr.Validation
	if s.PatronMonth != 0 || s.PatronDay != 0 {
		if s.PatronMonth < 1 || s.PatronMonth > 12 || s.PatronDay < 1 ||
			s.PatronDay > time.Date(2024, time.Month(s.PatronMonth)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			v.Add("patron_day", "booking.settings.patron_day")
		}
	}
	if !check.Line(s.PatronName, 120) {
		v.Add("patron_name", "booking.settings.patron_name")
	}
	return v.Err()
}

// Closure is a day on which an office (or, with OfficeID 0, every office) is closed.
type Closure struct {
	ID       int64
	TenantID int64
	OfficeID int64 // 0: every office
	Day      Day
	Reason   string
}

// Day is a calendar date of Rome.
type Day struct {
	Year  int
	Month time.Month
	D     int
}

// DayOf returns the Rome date of an instant.
func DayOf(t time.Time) Day {
	y, m, d := t.In(Rome).Date()
	return Day{y, m, d}
}

// ParseDay reads "2006-01-02".
func ParseDay(s string) (Day, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Day{}, apperr.E(apperr.Invalid, "booking.day.invalid")
	}
	y, ok1 := atoi(s[:4], 4)
	m, ok2 := atoi(s[5:7], 2)
	d, ok3 := atoi(s[8:], 2)
	if !ok1 || !ok2 || !ok3 || y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1 ||
		d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return Day{}, apperr.E(apperr.Invalid, "booking.day.invalid")
	}
	return Day{y, time.Month(m), d}, nil
}

func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.D) }

// IsZero reports the zero day.
func (d Day) IsZero() bool { return d.Year == 0 }

// At returns the instant of a time of day (minutes after midnight) on d in Rome.
func (d Day) At(minutes int) time.Time {
	return time.Date(d.Year, d.Month, d.D, minutes/60, minutes%60, 0, 0, Rome)
}

// AddDays moves by whole calendar days.
func (d Day) AddDays(n int) Day {
	return DayOf(time.Date(d.Year, d.Month, d.D+n, 12, 0, 0, 0, Rome))
}

// Weekday of the day.
func (d Day) Weekday() time.Weekday { return d.At(12 * 60).Weekday() }

// Before compares days.
func (d Day) Before(e Day) bool { return d.String() < e.String() }

// Easter returns Easter Sunday of a year (Gregorian calendar; the anonymous
// algorithm of Meeus, Jones and Butcher).
func Easter(year int) Day {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Day{year, time.Month(month), day}
}

// NationalHoliday returns the name key of the Italian national holiday on d, or "".
// Easter Monday (Lunedì dell'Angelo) is not a civil holiday by law but every public
// office is closed; 4 October (San Francesco) is a national holiday again from 2026
// (L. 151/2025).
func NationalHoliday(d Day) string {
	switch {
	case d.Month == 1 && d.D == 1:
		return "capodanno"
	case d.Month == 1 && d.D == 6:
		return "epifania"
	case d.Month == 4 && d.D == 25:
		return "liberazione"
	case d.Month == 5 && d.D == 1:
		return "lavoro"
	case d.Month == 6 && d.D == 2:
		return "repubblica"
	case d.Month == 8 && d.D == 15:
		return "ferragosto"
	case d.Month == 10 && d.D == 4 && d.Year >= 2026:
		return "san_francesco"
	case d.Month == 11 && d.D == 1:
		return "ognissanti"
	case d.Month == 12 && d.D == 8:
		return "immacolata"
	case d.Month == 12 && d.D == 25:
		return "natale"
	case d.Month == 12 && d.D == 26:
		return "santo_stefano"
	}
	e := Easter(d.Year)
	if d == e {
		return "pasqua"
	}
	if d == e.AddDays(1) {
		return "pasquetta"
	}
	return ""
}
