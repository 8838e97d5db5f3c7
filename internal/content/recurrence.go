package content

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rule is the subset of an RFC 5545 recurrence rule that events use: FREQ
// (DAILY, WEEKLY or MONTHLY), INTERVAL, COUNT or UNTIL, and BYDAY (plain weekdays,
// or with an ordinal such as 2SA or -1FR for MONTHLY).
type Rule struct {
	Freq     string // DAILY, WEEKLY, MONTHLY
	Interval int    // >= 1
	Count    int    // 0: not bounded by a count
	Until    time.Time
	ByDay    []WeekdayNum
}

// WeekdayNum is a BYDAY entry: a weekday with an optional ordinal within the
// month (0: every such weekday).
type WeekdayNum struct {
	N   int
	Day time.Weekday
}

var dayCodes = map[string]time.Weekday{"MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday, "SU": time.Sunday}

func dayCode(d time.Weekday) string {
	for k, v := range dayCodes {
		if v == d {
			return k
		}
	}
	return ""
}

// maxOccurrences bounds every expansion (an endless daily rule over a wide range).
const maxOccurrences = 1000

// ParseRule parses an RRULE value.
func ParseRule(s string) (Rule, error) {
	r := Rule{Interval: 1}
	if s == "" {
		return r, errors.New("empty rule")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || v == "" || seen[k] {
			return r, fmt.Errorf("bad part %q", part)
		}
		seen[k] = true
		switch k {
		case "FREQ":
			if v != "DAILY" && v != "WEEKLY" && v != "MONTHLY" {
				return r, fmt.Errorf("unsupported FREQ %q", v)
			}
			r.Freq = v
		case "INTERVAL":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 366 {
				return r, fmt.Errorf("bad INTERVAL %q", v)
			}
			r.Interval = n
		case "COUNT":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxOccurrences {
				return r, fmt.Errorf("bad COUNT %q", v)
			}
			r.Count = n
		case "UNTIL":
			t, err := parseUntil(v)
			if err != nil {
				return r, err
			}
			r.Until = t
		case "BYDAY":
			for _, d := range strings.Split(v, ",") {
				wd, err := parseWeekdayNum(d)
				if err != nil {
					return r, err
				}
				r.ByDay = append(r.ByDay, wd)
			}
		default:
			return r, fmt.Errorf("unsupported part %q", k)
		}
	}
	if r.Freq == "" {
		return r, errors.New("FREQ is required")
	}
	if r.Count > 0 && !r.Until.IsZero() {
		return r, errors.New("COUNT and UNTIL together")
	}
	for _, d := range r.ByDay {
		if d.N != 0 && r.Freq != "MONTHLY" {
			return r, errors.New("ordinal BYDAY needs FREQ=MONTHLY")
		}
	}
	return r, nil
}

func parseUntil(v string) (time.Time, error) {
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("20060102", v, Rome); err == nil {
		// A date bound includes the whole day.
		return t.AddDate(0, 0, 1).Add(-time.Second).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("bad UNTIL %q", v)
}

func parseWeekdayNum(s string) (WeekdayNum, error) {
	if len(s) < 2 {
		return WeekdayNum{}, fmt.Errorf("bad BYDAY %q", s)
	}
	d, ok := dayCodes[s[len(s)-2:]]
	if !ok {
		return WeekdayNum{}, fmt.Errorf("bad BYDAY %q", s)
	}
	w := WeekdayNum{Day: d}
	if num := s[:len(s)-2]; num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n == 0 || n < -5 || n > 5 {
			return WeekdayNum{}, fmt.Errorf("bad BYDAY %q", s)
		}
		w.N = n
	}
	return w, nil
}

// String is the rule in its canonical RRULE form.
func (r Rule) String() string {
	parts := []string{"FREQ=" + r.Freq}
	if r.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.Interval))
	}
	if r.Count > 0 {
		parts = append(parts, "COUNT="+strconv.Itoa(r.Count))
	}
	if !r.Until.IsZero() {
		parts = append(parts, "UNTIL="+r.Until.UTC().Format("20060102T150405Z"))
	}
	if len(r.ByDay) > 0 {
		days := make([]string, len(r.ByDay))
		for i, d := range r.ByDay {
			days[i] = dayCode(d.Day)
			if d.N != 0 {
				days[i] = strconv.Itoa(d.N) + days[i]
			}
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	return strings.Join(parts, ";")
}

// Occurrence is one instance of an event.
type Occurrence struct {
	Item  *Item
	Start time.Time
	End   time.Time
}

// Starts returns the start times of the rule's occurrences for an event whose
// first occurrence starts at first, in order, stopping at the first start after
// before (and after maxOccurrences). Recurrence follows the wall clock in Rome: a
// weekly event at 21:00 stays at 21:00 across the change to summer time.
func (r Rule) Starts(first, before time.Time) []time.Time {
	local := first.In(Rome)
	var out []time.Time
	n := 0
	emit := func(t time.Time) bool {
		if t.Before(local) {
			return true // before DTSTART: not an occurrence, not counted
		}
		if (r.Count > 0 && n >= r.Count) || (!r.Until.IsZero() && t.After(r.Until)) || t.After(before) || len(out) >= maxOccurrences {
			return false
		}
		n++
		out = append(out, t.UTC())
		return true
	}
	at := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, local.Hour(), local.Minute(), local.Second(), 0, Rome)
	}
	for period := 0; period < 100000; period++ {
		var cands []time.Time
		switch r.Freq {
		case "DAILY":
			d := local.AddDate(0, 0, period*r.Interval)
			if len(r.ByDay) == 0 || r.hasDay(d.Weekday()) {
				cands = append(cands, at(d.Year(), d.Month(), d.Day()))
			}
		case "WEEKLY":
			monday := local.AddDate(0, 0, -((int(local.Weekday())+6)%7)+period*7*r.Interval)
			days := r.ByDay
			if len(days) == 0 {
				days = []WeekdayNum{{Day: local.Weekday()}}
			}
			for i := 0; i < 7; i++ {
				d := monday.AddDate(0, 0, i)
				if slices.ContainsFunc(days, func(w WeekdayNum) bool { return w.Day == d.Weekday() }) {
					cands = append(cands, at(d.Year(), d.Month(), d.Day()))
				}
			}
		case "MONTHLY":
			y, m := local.Year(), local.Month()+time.Month(period*r.Interval)
			firstOfMonth := time.Date(y, m, 1, 0, 0, 0, 0, Rome)
			y, m = firstOfMonth.Year(), firstOfMonth.Month()
			if len(r.ByDay) == 0 {
				if local.Day() <= daysIn(y, m) {
					cands = append(cands, at(y, m, local.Day()))
				}
			} else {
				for d := 1; d <= daysIn(y, m); d++ {
					t := at(y, m, d)
					if r.monthDayMatches(t) {
						cands = append(cands, t)
					}
				}
			}
		}
		for _, c := range cands {
			if !emit(c) {
				return out
			}
		}
	}
	return out
}

func (r Rule) hasDay(d time.Weekday) bool {
	return slices.ContainsFunc(r.ByDay, func(w WeekdayNum) bool { return w.Day == d })
}

// monthDayMatches reports whether t matches a BYDAY entry of a monthly rule.
func (r Rule) monthDayMatches(t time.Time) bool {
	nth := (t.Day()-1)/7 + 1
	last := -((daysIn(t.Year(), t.Month())-t.Day())/7 + 1)
	for _, w := range r.ByDay {
		if w.Day == t.Weekday() && (w.N == 0 || w.N == nth || w.N == last) {
			return true
		}
	}
	return false
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// Occurrences returns the item's occurrences that overlap [from, to), in order.
// An event without recurrence has one occurrence.
func (it Item) Occurrences(from, to time.Time) []Occurrence {
	e := it.Event
	dur := e.End.Sub(e.Start)
	starts := []time.Time{e.Start}
	if e.Recurrence != "" {
		if r, err := ParseRule(e.Recurrence); err == nil {
			starts = r.Starts(e.Start, to)
		}
	}
	var out []Occurrence
	for _, s := range starts {
		end := s.Add(dur)
		if s.Before(to) && end.After(from) {
			out = append(out, Occurrence{Item: &it, Start: s, End: end})
		}
	}
	return out
}

// LastEnd is when the event's last occurrence ends, or the zero time when the
// recurrence never ends. The store keeps it to select the events of a date range.
func (it Item) LastEnd() time.Time {
	e := it.Event
	if e.Recurrence == "" {
		return e.End
	}
	r, err := ParseRule(e.Recurrence)
	if err != nil {
		return e.End
	}
	if r.Count == 0 && r.Until.IsZero() {
		return time.Time{}
	}
	starts := r.Starts(e.Start, e.Start.AddDate(100, 0, 0))
	if len(starts) == 0 {
		return e.End
	}
	return starts[len(starts)-1].Add(e.End.Sub(e.Start))
}

// RuleText describes a recurrence rule for people, in Italian or English.
func RuleText(s, lang string) string {
	r, err := ParseRule(s)
	if err != nil {
		return ""
	}
	it := lang != "en"
	var b strings.Builder
	unit := map[string][2]string{"DAILY": {"giorno", "day"}, "WEEKLY": {"settimana", "week"}, "MONTHLY": {"mese", "month"}}[r.Freq]
	units := map[string][2]string{"DAILY": {"giorni", "days"}, "WEEKLY": {"settimane", "weeks"}, "MONTHLY": {"mesi", "months"}}[r.Freq]
	if it {
		if r.Interval == 1 {
			b.WriteString("Ogni " + unit[0])
		} else {
			fmt.Fprintf(&b, "Ogni %d %s", r.Interval, units[0])
		}
	} else {
		if r.Interval == 1 {
			b.WriteString("Every " + unit[1])
		} else {
			fmt.Fprintf(&b, "Every %d %s", r.Interval, units[1])
		}
	}
	if len(r.ByDay) > 0 {
		names := make([]string, len(r.ByDay))
		for i, d := range r.ByDay {
			names[i] = weekdayName(d.Day, it)
			if d.N != 0 {
				names[i] = ordinal(d.N, it) + " " + names[i]
			}
		}
		if it {
			b.WriteString(" (" + strings.Join(names, ", ") + ")")
		} else {
			b.WriteString(" (" + strings.Join(names, ", ") + ")")
		}
	}
	switch {
	case r.Count > 0 && it:
		fmt.Fprintf(&b, ", per %d volte", r.Count)
	case r.Count > 0:
		fmt.Fprintf(&b, ", %d times", r.Count)
	case !r.Until.IsZero() && it:
		b.WriteString(", fino al " + r.Until.In(Rome).Format("02/01/2006"))
	case !r.Until.IsZero():
		b.WriteString(", until " + r.Until.In(Rome).Format("02/01/2006"))
	}
	return b.String()
}

func weekdayName(d time.Weekday, it bool) string {
	if it {
		return [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}[d]
	}
	return d.String()
}

func ordinal(n int, it bool) string {
	if n == -1 {
		if it {
			return "ultimo"
		}
		return "last"
	}
	if it {
		return strconv.Itoa(n) + "º"
	}
	return [...]string{"", "1st", "2nd", "3rd", "4th", "5th"}[min(max(n, 0), 5)]
}
