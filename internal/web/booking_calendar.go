package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/booking"
	"piazza/internal/tenants"
)

// The offices' booking calendars in the back office: opening hours by weekday
// (several ranges a day), appointment length, desks, booking window and topics of
// each office; the comune's patron saint (admins); the closed days ahead, which can
// be reopened. Admins manage every office, operators the offices they belong to.

const boBkCal = boBkBase + "/calendari"

func init() {
	funcs["bkDayMonth"] = func(st booking.Settings) string {
		if st.PatronMonth == 0 {
			return ""
		}
		return fmt.Sprintf("%02d/%02d", st.PatronDay, st.PatronMonth)
	}
}

func (s *Server) bookingCalendarRoutes() []route {
	if s.Booking == nil {
		return nil
	}
	managers := []accounts.Role{accounts.RoleOperator}
	admins := []accounts.Role{accounts.RoleAdmin}
	m := tenants.ModuleBooking
	return []route{
		{pattern: "GET " + boBkCal, handler: s.boBkCalendars, access: staff, roles: managers, module: m},
		{pattern: "GET " + boBkCal + "/{id}/modifica", handler: s.boBkCalendar, access: staff, roles: managers, module: m},
		{pattern: "POST " + boBkCal + "/{id}/modifica", handler: s.boBkCalendarSave, access: staff, roles: managers, module: m, maxBody: 16 << 10},
		{pattern: "POST " + boBkCal + "/patrono", handler: s.boBkPatron, access: staff, roles: admins, module: m, maxBody: 4 << 10},
		{pattern: "POST " + boBkBase + "/chiusure/{id}/riapri", handler: s.boBkReopen, access: staff, roles: managers, module: m, maxBody: 4 << 10},
	}
}

// boBkManaged lists the offices the staff member may set up: all of the tenant's
// for admins, their own for operators.
func (s *Server) boBkManaged(r *http.Request) ([]accounts.Office, error) {
	ri := info(r)
	all, err := s.Accounts.Offices(r.Context(), ri.Tenant.ID)
	if err != nil || ri.Staff.Can(accounts.RoleAdmin) {
		return all, err
	}
	var out []accounts.Office
	for _, o := range all {
		if slices.Contains(ri.Staff.OfficeIDs, o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

type boBkCalRow struct {
	Office accounts.Office
	Cal    *booking.Calendar // nil: the office takes no bookings yet
}

type boBkClosureRow struct {
	booking.Closure
	OfficeName string // "" for every office
	CanReopen  bool
}

type boBkCalendarsPage struct {
	Rows     []boBkCalRow
	Settings booking.Settings
	Admin    bool
	Closures []boBkClosureRow
}

// boBkClosures lists the closed days from today on of the given offices (and those
// of every office), each once.
func (s *Server) boBkClosures(r *http.Request, offices []accounts.Office) ([]boBkClosureRow, error) {
	ri := info(r)
	from := booking.DayOf(s.clock())
	to := from.AddDays(booking.MaxDaysAhead)
	admin := ri.Staff.Can(accounts.RoleAdmin)
	seen := map[int64]bool{}
	var out []boBkClosureRow
	ids := []int64{0}
	for _, o := range offices {
		ids = append(ids, o.ID)
	}
	for _, id := range ids {
		list, err := s.Booking.Closures(r.Context(), ri.Tenant.ID, id, from, to)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			row := boBkClosureRow{Closure: c, CanReopen: admin || c.OfficeID != 0}
			if i := slices.IndexFunc(offices, func(o accounts.Office) bool { return o.ID == c.OfficeID }); i >= 0 {
				row.OfficeName = offices[i].Name
			}
			out = append(out, row)
		}
	}
	slices.SortFunc(out, func(a, b boBkClosureRow) int {
		if a.Day == b.Day {
			return int(a.ID - b.ID)
		}
		if a.Day.Before(b.Day) {
			return -1
		}
		return 1
	})
	return out, nil
}

func (s *Server) boBkCalendars(w http.ResponseWriter, r *http.Request) {
	s.boBkCalendarsRender(w, r, nil)
}

func (s *Server) boBkCalendarsRender(w http.ResponseWriter, r *http.Request, formErr error) {
	ri := info(r)
	offices, err := s.boBkManaged(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cals, err := s.Booking.Calendars(r.Context(), ri.Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boBkCalendarsPage{Admin: ri.Staff.Can(accounts.RoleAdmin)}
	for _, o := range offices {
		row := boBkCalRow{Office: o}
		if i := slices.IndexFunc(cals, func(c booking.Calendar) bool { return c.OfficeID == o.ID }); i >= 0 {
			row.Cal = &cals[i]
		}
		p.Rows = append(p.Rows, row)
	}
	if p.Settings, err = s.Booking.Settings(r.Context(), ri.Tenant.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Closures, err = s.boBkClosures(r, offices); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/appuntamenti-calendari.html", Title: "booking.cal.title", Data: p, Err: formErr})
}

// boBkCalendarPage is one office's calendar form.
type boBkCalendarPage struct {
	Office accounts.Office
	Form   booking.CalendarForm
	New    bool
	Days   []int // weekdays in the form's order, Monday first
}

var bkFormDays = []int{1, 2, 3, 4, 5, 6, 0}

// boBkManagedOffice loads the {id} office if the staff member may set it up.
func (s *Server) boBkManagedOffice(r *http.Request) (accounts.Office, error) {
	id, ok := pathID(r)
	if !ok {
		return accounts.Office{}, errNotFound
	}
	offices, err := s.boBkManaged(r)
	if err != nil {
		return accounts.Office{}, err
	}
	i := slices.IndexFunc(offices, func(o accounts.Office) bool { return o.ID == id })
	if i < 0 {
		return accounts.Office{}, errNotFound
	}
	return offices[i], nil
}

func (s *Server) boBkCalendar(w http.ResponseWriter, r *http.Request) {
	o, err := s.boBkManagedOffice(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boBkCalendarPage{Office: o, Days: bkFormDays}
	cal, err := s.Booking.Calendar(r.Context(), o.TenantID, o.ID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		p.New = true
		cal = booking.DefaultCalendar(o.TenantID, o.ID)
	case err != nil:
		s.fail(w, r, err)
		return
	}
	p.Form = booking.FormOf(cal)
	s.render(w, r, page{Template: "backoffice/appuntamenti-calendario.html", Title: "booking.cal.edit_title", Data: p})
}

func (s *Server) boBkCalendarSave(w http.ResponseWriter, r *http.Request) {
	o, err := s.boBkManagedOffice(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := booking.CalendarForm{Enabled: r.PostFormValue("enabled") == "1", SlotMinutes: r.PostFormValue("slot_minutes"),
		Desks: r.PostFormValue("desks"), MinDaysAhead: r.PostFormValue("min_days_ahead"), MaxDaysAhead: r.PostFormValue("max_days_ahead"),
		Topics: r.PostFormValue("topics")}
	for d := range f.Hours {
		f.Hours[d] = r.PostFormValue("hours_" + strconv.Itoa(d))
	}
	cal, err := f.Calendar(o.TenantID, o.ID)
	if err == nil {
		err = s.Booking.SaveCalendar(r.Context(), &cal)
	}
	if err != nil {
		_, cerr := s.Booking.Calendar(r.Context(), o.TenantID, o.ID)
		s.render(w, r, page{Template: "backoffice/appuntamenti-calendario.html", Title: "booking.cal.edit_title",
			Data: boBkCalendarPage{Office: o, Form: f, New: cerr != nil, Days: bkFormDays}, Err: err})
		return
	}
	s.flash(w, r, "booking.cal.saved")
	seeOther(w, r, boBkCal)
}

func (s *Server) boBkPatron(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	st := booking.Settings{TenantID: ri.Tenant.ID, PatronName: r.PostFormValue("patron_name")}
	var err error
	if d := r.PostFormValue("patron_day"); d != "" {
		// "dd/mm" as people write it.
		day, month, ok := parseDayMonth(d)
		if !ok {
			err = fieldError("patron_day", "booking.settings.patron_day")
		}
		st.PatronDay, st.PatronMonth = day, month
	}
	if err == nil {
		err = s.Booking.SaveSettings(r.Context(), &st)
	}
	if err != nil {
		s.boBkCalendarsRender(w, r, err)
		return
	}
	s.flash(w, r, "booking.cal.patron_saved")
	seeOther(w, r, boBkCal)
}

// parseDayMonth reads "24/06" (or "24-06", "24.6") as day and month.
func parseDayMonth(s string) (int, int, bool) {
	var sep int
	for i, r := range s {
		if r == '/' || r == '-' || r == '.' {
			sep = i
			break
		}
	}
	if sep == 0 || len(s) > 5 {
		return 0, 0, false
	}
	d, err1 := strconv.Atoi(s[:sep])
	m, err2 := strconv.Atoi(s[sep+1:])
	if err1 != nil || err2 != nil || d < 1 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return d, m, true
}

func (s *Server) boBkReopen(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	offices, err := s.boBkManaged(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.boBkClosures(r, offices)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(rows, func(c boBkClosureRow) bool { return c.ID == id && c.CanReopen })
	if i < 0 {
		s.notFound(w, r)
		return
	}
	if err := s.Booking.ReopenDay(r.Context(), info(r).Tenant.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.cal.reopened")
	seeOther(w, r, boBkCal)
}
