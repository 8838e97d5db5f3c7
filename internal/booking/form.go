package booking

import (
	"slices"
	"strconv"
	"strings"

	"piazza/internal/apperr"
)

// CalendarForm is a calendar as the back-office form writes it: numbers and
// opening ranges as typed ("8:30-12:30, 14:30-17"), topics one per line.
type CalendarForm struct {
	Enabled      bool
	SlotMinutes  string
	Desks        string
	MinDaysAhead string
	MaxDaysAhead string
	Hours        [7]string // by time.Weekday, Sunday first
	Topics       string
}

// FormOf is the form of a stored calendar.
func FormOf(c Calendar) CalendarForm {
	f := CalendarForm{Enabled: c.Enabled, SlotMinutes: strconv.Itoa(c.SlotMinutes), Desks: strconv.Itoa(c.Desks),
		MinDaysAhead: strconv.Itoa(c.MinDaysAhead), MaxDaysAhead: strconv.Itoa(c.MaxDaysAhead), Topics: strings.Join(c.Topics, "\n")}
	for d, rs := range c.Hours {
		f.Hours[d] = FormatRanges(rs)
	}
	return f
}

// DefaultCalendar is what the form proposes for an office without a calendar:
// 20-minute appointments at one desk, mornings from Monday to Friday, bookable
// from tomorrow to 60 days ahead.
func DefaultCalendar(tenantID, officeID int64) Calendar {
	c := Calendar{TenantID: tenantID, OfficeID: officeID, Enabled: true, SlotMinutes: 20, Desks: 1, MinDaysAhead: 1, MaxDaysAhead: 60}
	for d := 1; d <= 5; d++ {
		c.Hours[d] = []Range{{From: 9 * 60, To: 12*60 + 30}}
	}
	return c
}

// formInt reads a small non-negative whole number.
func formInt(s string) (int, bool) {
	n, ok := atoi(strings.TrimSpace(s), 4)
	return n, ok
}

// Calendar reads the form into a valid calendar of the office, or returns the
// errors of every field (named as the form's inputs).
func (f CalendarForm) Calendar(tenantID, officeID int64) (Calendar, error) {
	c := Calendar{TenantID: tenantID, OfficeID: officeID, Enabled: f.Enabled}
	var v apperr.Validation
	bad := map[string]bool{}
	num := func(field, s, code string, dst *int) {
		n, ok := formInt(s)
		if !ok {
			v.Add(field, code)
			bad[field] = true
			return
		}
		*dst = n
	}
	num("slot_minutes", f.SlotMinutes, "booking.calendar.slot_minutes", &c.SlotMinutes)
	num("desks", f.Desks, "booking.calendar.desks", &c.Desks)
	num("min_days_ahead", f.MinDaysAhead, "booking.calendar.window", &c.MinDaysAhead)
	num("max_days_ahead", f.MaxDaysAhead, "booking.calendar.window", &c.MaxDaysAhead)
	if bad["min_days_ahead"] {
		bad["max_days_ahead"] = true // one message for the window
	}
	for d, s := range f.Hours {
		rs, err := ParseRanges(s)
		if err != nil {
			field := "hours_" + strconv.Itoa(d)
			code := "booking.calendar.hours"
			if e := apperr.As(err); e != nil {
				code = e.Code
			}
			v.Add(field, code)
			bad[field] = true
			continue
		}
		c.Hours[d] = rs
	}
	if len(f.Topics) > (MaxTopic+2)*MaxTopics {
		v.Add("topics", "booking.calendar.topics")
		bad["topics"] = true
	} else {
		for _, line := range strings.Split(f.Topics, "\n") {
			t := strings.Join(strings.Fields(line), " ")
			if t != "" && !slices.Contains(c.Topics, t) {
				c.Topics = append(c.Topics, t)
			}
		}
	}
	if err := c.Validate(); err != nil {
		if e := apperr.As(err); e != nil {
			for _, fe := range e.Fields {
				if !bad[fe.Field] {
					v.Add(fe.Field, fe.Code)
					bad[fe.Field] = true
				}
			}
		}
	}
	if err := v.Err(); err != nil {
		return Calendar{}, err
	}
	return c, nil
}
