package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/booking"
	"piazza/internal/tenants"
)

// The operators' side of booking: the day of an office (who comes when, at which
// desk), check-in, no-show, done, cancellation with a message to the citizen, the
// day's list as CSV, and closing a day. Operators see the offices they belong to
// (admins every office); another office is "not found". Every view of the day's
// list and every export is audited: they show citizens' names and contacts.

const boBkBase = "/backoffice/appuntamenti"

func (s *Server) bookingOfficeRoutes() []route {
	if s.Booking == nil {
		return nil
	}
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}
	workers := []accounts.Role{accounts.RoleOperator}
	m := tenants.ModuleBooking
	return []route{
		{pattern: "GET " + boBkBase, handler: s.boBkDay, access: staff, roles: readers, module: m},
		{pattern: "GET " + boBkBase + "/export.csv", handler: s.boBkCSV, access: staff, roles: readers, module: m},
		{pattern: "POST " + boBkBase + "/chiusure", handler: s.boBkClose, access: staff, roles: workers, module: m, maxBody: 8 << 10},
		{pattern: "POST " + boBkBase + "/{code}/stato", handler: s.boBkStatus, access: staff, roles: workers, module: m, maxBody: 8 << 10},
	}
}

// boBkOffices lists the calendars the staff member may see.
func (s *Server) boBkOffices(r *http.Request) ([]booking.Calendar, error) {
	ri := info(r)
	cals, err := s.Booking.Calendars(r.Context(), ri.Tenant.ID)
	if err != nil {
		return nil, err
	}
	if ri.Staff.Can(accounts.RoleAdmin) {
		return cals, nil
	}
	var out []booking.Calendar
	for _, c := range cals {
		if slices.Contains(ri.Staff.OfficeIDs, c.OfficeID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// boBkChoice reads ?ufficio= and ?giorno= (default: the first office, today).
func (s *Server) boBkChoice(r *http.Request) (cals []booking.Calendar, cal booking.Calendar, day booking.Day, err error) {
	cals, err = s.boBkOffices(r)
	if err != nil {
		return
	}
	day = booking.DayOf(s.clock())
	if d, derr := booking.ParseDay(r.FormValue("giorno")); derr == nil {
		day = d
	}
	id, _ := strconv.ParseInt(r.FormValue("ufficio"), 10, 64)
	switch {
	case id == 0 && len(cals) > 0:
		cal = cals[0]
	case id != 0:
		i := slices.IndexFunc(cals, func(c booking.Calendar) bool { return c.OfficeID == id })
		if i < 0 {
			err = apperr.ErrNotFound
			return
		}
		cal = cals[i]
	}
	return
}

// boBkDayPage is an office's day.
type boBkDayPage struct {
	Offices  []booking.Calendar
	Cal      booking.Calendar
	Day      booking.Day
	Prev     string
	Next     string
	Bookings []booking.Booking
	Counts   map[booking.Status]int
	Export   string
	CanWork  bool
	Closed   string
	Statuses []booking.Status
}

func boBkURL(officeID int64, d booking.Day) string {
	return boBkBase + "?" + url.Values{"ufficio": {strconv.FormatInt(officeID, 10)}, "giorno": {d.String()}}.Encode()
}

func (s *Server) boBkDay(w http.ResponseWriter, r *http.Request) { s.boBkRender(w, r, nil) }

func (s *Server) boBkRender(w http.ResponseWriter, r *http.Request, formErr error) {
	ri := info(r)
	cals, cal, day, err := s.boBkChoice(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boBkDayPage{Offices: cals, Cal: cal, Day: day, Counts: map[booking.Status]int{}, CanWork: ri.Staff.Can(accounts.RoleOperator),
		Statuses: booking.Statuses}
	if cal.OfficeID != 0 {
		if p.Bookings, err = s.Booking.Day(r.Context(), ri.Tenant.ID, cal.OfficeID, day); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, b := range p.Bookings {
			p.Counts[b.Status]++
		}
		if ds, err := s.Booking.Slots(r.Context(), ri.Tenant.ID, cal.OfficeID, day, 1); err == nil {
			p.Closed = ds[0].Closed
		}
		p.Prev, p.Next = boBkURL(cal.OfficeID, day.AddDays(-1)), boBkURL(cal.OfficeID, day.AddDays(1))
		p.Export = boBkBase + "/export.csv?" + url.Values{"ufficio": {strconv.FormatInt(cal.OfficeID, 10)}, "giorno": {day.String()}}.Encode()
		if len(p.Bookings) > 0 {
			if err := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "booking.day.view", "office", strconv.FormatInt(cal.OfficeID, 10), day.String())); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	s.render(w, r, page{Template: "backoffice/appuntamenti.html", Title: "booking.bo.title", Data: p, Err: formErr})
}

func (s *Server) boBkCSV(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	_, cal, day, err := s.boBkChoice(r)
	if err == nil && cal.OfficeID == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.Booking.Day(r.Context(), ri.Tenant.ID, cal.OfficeID, day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write([]string{"Ora", "Fine", "Sportello", "Codice", "Nome", "Email", "Telefono", "Motivo", "Descrizione", "Stato"})
	for _, bk := range list {
		cw.Write([]string{bk.Start.In(rome).Format("15:04"), bk.End.In(rome).Format("15:04"), strconv.Itoa(bk.Place), bk.Code,
			csvSafe(bk.Name), csvSafe(bk.Email), csvSafe(bk.Phone), csvSafe(bk.Topic), csvSafe(bk.Reason),
			translate(ri.localizer, "booking.status."+string(bk.Status), nil, nil)})
	}
	cw.Flush()
	if err := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "booking.export", "office", strconv.FormatInt(cal.OfficeID, 10), day.String())); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="appuntamenti-`+cal.OfficeSlug+`-`+day.String()+`.csv"`)
	w.Write(b.Bytes())
}

// boBkStatus moves a booking (check-in, no-show, done, cancel with a message).
func (s *Server) boBkStatus(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	b, err := s.Booking.Get(r.Context(), ri.Tenant.ID, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cals, err := s.boBkOffices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !slices.ContainsFunc(cals, func(c booking.Calendar) bool { return c.OfficeID == b.OfficeID }) {
		s.notFound(w, r)
		return
	}
	to := booking.Status(r.PostFormValue("to"))
	if !slices.Contains(booking.Statuses, to) {
		s.fail(w, r, apperr.E(apperr.Invalid, "booking.status.not_allowed"))
		return
	}
	if _, err := s.Booking.SetStatus(r.Context(), b, to, r.PostFormValue("message")); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			r.Form.Set("ufficio", strconv.FormatInt(b.OfficeID, 10))
			r.Form.Set("giorno", booking.DayOf(b.Start).String())
			s.boBkRender(w, r, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.bo.status_saved")
	seeOther(w, r, boBkURL(b.OfficeID, booking.DayOf(b.Start))+"#b-"+b.Code)
}

// boBkClose closes a day of the chosen office: its bookings go to "to reschedule"
// and their citizens are told.
func (s *Server) boBkClose(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	_, cal, _, err := s.boBkChoice(r)
	if err == nil && cal.OfficeID == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := booking.Closure{TenantID: ri.Tenant.ID, OfficeID: cal.OfficeID, Reason: r.PostFormValue("reason")}
	if c.Day, err = booking.ParseDay(r.PostFormValue("day")); err != nil {
		s.boBkRender(w, r, &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "day", Code: "booking.day.invalid"}}})
		return
	}
	if err := s.Booking.CloseDay(r.Context(), &c); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.boBkRender(w, r, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.bo.closed")
	seeOther(w, r, boBkURL(cal.OfficeID, c.Day))
}
