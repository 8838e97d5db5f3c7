package web

import (
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

// More of the operators' side: the week of an office (every slot with its places
// taken, optionally one desk only), the day's list to print, and bookings taken on
// the phone or at the counter.

func (s *Server) bookingDeskRoutes() []route {
	if s.Booking == nil {
		return nil
	}
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}
	workers := []accounts.Role{accounts.RoleOperator}
	m := tenants.ModuleBooking
	return []route{
		{pattern: "GET " + boBkBase + "/settimana", handler: s.boBkWeek, access: staff, roles: readers, module: m},
		{pattern: "GET " + boBkBase + "/stampa", handler: s.boBkPrint, access: staff, roles: readers, module: m},
		{pattern: "GET " + boBkBase + "/nuova", handler: s.boBkNew, access: staff, roles: workers, module: m},
		{pattern: "POST " + boBkBase + "/nuova", handler: s.boBkNewSave, access: staff, roles: workers, module: m, maxBody: 16 << 10},
	}
}

// boBkDesk reads ?sportello= (0: every desk) within the calendar's desks.
func boBkDesk(r *http.Request, cal booking.Calendar) int {
	d, err := strconv.Atoi(r.FormValue("sportello"))
	if err != nil || d < 1 || d > cal.Desks {
		return 0
	}
	return d
}

func boBkWeekURL(officeID int64, d booking.Day, desk int) string {
	q := url.Values{"ufficio": {strconv.FormatInt(officeID, 10)}, "giorno": {d.String()}}
	if desk > 0 {
		q.Set("sportello", strconv.Itoa(desk))
	}
	return boBkBase + "/settimana?" + q.Encode()
}

type boBkWeekRow struct {
	Slot     booking.Slot
	Held     int
	Bookings []booking.Booking
}

type boBkWeekDay struct {
	Day    booking.Day
	Closed string
	Reason string
	Rows   []boBkWeekRow
	Link   string // the day view
	Count  int
}

type boBkWeekPage struct {
	Offices []booking.Calendar
	Cal     booking.Calendar
	Monday  booking.Day
	Sunday  booking.Day
	Desk    int
	Desks   []int
	Days    []boBkWeekDay
	Prev    string
	Next    string
}

// boBkAudit records a staff read of the citizens of an office's list.
func (s *Server) boBkAudit(r *http.Request, action string, officeID int64, detail string) error {
	return s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), info(r).Tenant.ID, action, "office", strconv.FormatInt(officeID, 10), detail))
}

func (s *Server) boBkWeek(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	cals, cal, day, err := s.boBkChoice(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boBkWeekPage{Offices: cals, Cal: cal}
	p.Monday = day.AddDays(-((int(day.Weekday()) + 6) % 7))
	p.Sunday = p.Monday.AddDays(6)
	if cal.OfficeID != 0 {
		p.Desk = boBkDesk(r, cal)
		for d := 1; d <= cal.Desks; d++ {
			p.Desks = append(p.Desks, d)
		}
		days, err := s.Booking.OfficeSlots(r.Context(), ri.Tenant.ID, cal.OfficeID, p.Monday, 7)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		total := 0
		for _, ds := range days {
			list, err := s.Booking.Day(r.Context(), ri.Tenant.ID, cal.OfficeID, ds.Day)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			wd := boBkWeekDay{Day: ds.Day, Closed: ds.Closed, Reason: ds.Reason, Link: boBkURL(cal.OfficeID, ds.Day)}
			for _, sl := range ds.Slots {
				row := boBkWeekRow{Slot: sl}
				for _, b := range list {
					if b.Start.Equal(sl.Start) && (p.Desk == 0 || b.Place == p.Desk) && b.Status != booking.Cancelled {
						row.Bookings = append(row.Bookings, b)
						if b.Status.Holds() {
							row.Held++
						}
					}
				}
				wd.Count += len(row.Bookings)
				wd.Rows = append(wd.Rows, row)
			}
			// Bookings outside today's hours (the hours changed after they were made).
			for _, b := range list {
				if b.Status != booking.Cancelled && (p.Desk == 0 || b.Place == p.Desk) &&
					!slices.ContainsFunc(ds.Slots, func(sl booking.Slot) bool { return sl.Start.Equal(b.Start) }) {
					wd.Rows = append(wd.Rows, boBkWeekRow{Slot: booking.Slot{Start: b.Start, End: b.End}, Held: 1, Bookings: []booking.Booking{b}})
					wd.Count++
				}
			}
			slices.SortStableFunc(wd.Rows, func(a, b boBkWeekRow) int { return a.Slot.Start.Compare(b.Slot.Start) })
			total += wd.Count
			p.Days = append(p.Days, wd)
		}
		p.Prev, p.Next = boBkWeekURL(cal.OfficeID, p.Monday.AddDays(-7), p.Desk), boBkWeekURL(cal.OfficeID, p.Monday.AddDays(7), p.Desk)
		if total > 0 {
			if err := s.boBkAudit(r, "booking.week.view", cal.OfficeID, p.Monday.String()); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	s.render(w, r, page{Template: "backoffice/appuntamenti-settimana.html", Title: "booking.week.title", Data: p})
}

// boBkPrintPage is the day's list on paper.
type boBkPrintPage struct {
	Tenant   string
	Cal      booking.Calendar
	Day      booking.Day
	Desk     int
	Bookings []booking.Booking
	Back     string
}

func (s *Server) boBkPrint(w http.ResponseWriter, r *http.Request) {
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
	p := boBkPrintPage{Tenant: ri.Tenant.Name, Cal: cal, Day: day, Desk: boBkDesk(r, cal), Back: boBkURL(cal.OfficeID, day)}
	for _, b := range list {
		if b.Status != booking.Cancelled && (p.Desk == 0 || b.Place == p.Desk) {
			p.Bookings = append(p.Bookings, b)
		}
	}
	if err := s.boBkAudit(r, "booking.print", cal.OfficeID, day.String()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/appuntamenti-stampa.html", Title: "booking.print.title", Data: p})
}

// boBkNewPage is the form of a booking taken on the phone.
type boBkNewPage struct {
	Offices []booking.Calendar
	Cal     booking.Calendar
	Day     booking.Day
	Slots   []booking.Slot // the day's free slots
	Closed  string
	Req     booking.Request
	Topics  []string
	Prev    string
	Next    string
}

func boBkNewURL(officeID int64, d booking.Day) string {
	return boBkBase + "/nuova?" + url.Values{"ufficio": {strconv.FormatInt(officeID, 10)}, "giorno": {d.String()}}.Encode()
}

func (s *Server) boBkNewRender(w http.ResponseWriter, r *http.Request, req booking.Request, formErr error) {
	ri := info(r)
	cals, cal, day, err := s.boBkChoice(r)
	if err == nil && cal.OfficeID == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sl, perr := booking.ParseSlot(req.Slot); perr == nil {
		day = booking.DayOf(sl)
	}
	p := boBkNewPage{Offices: cals, Cal: cal, Day: day, Req: req, Topics: cal.Topics,
		Prev: boBkNewURL(cal.OfficeID, day.AddDays(-1)), Next: boBkNewURL(cal.OfficeID, day.AddDays(1))}
	if req.Topic != "" && !slices.Contains(p.Topics, req.Topic) {
		p.Topics = append(slices.Clone(p.Topics), req.Topic)
	}
	days, err := s.Booking.OfficeSlots(r.Context(), ri.Tenant.ID, cal.OfficeID, day, 1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Closed = days[0].Closed
	for _, sl := range days[0].Slots {
		if sl.Free > 0 {
			p.Slots = append(p.Slots, sl)
		}
	}
	if alts, taken := booking.SlotTaken(formErr); taken {
		// The chosen time went meanwhile: offer the nearest ones first.
		p.Slots = append(slices.Clone(alts), p.Slots...)
		p.Slots = slices.CompactFunc(p.Slots, func(a, b booking.Slot) bool { return a.Start.Equal(b.Start) })
	}
	s.render(w, r, page{Template: "backoffice/appuntamenti-nuova.html", Title: "booking.phone.title", Data: p, Err: formErr})
}

func (s *Server) boBkNew(w http.ResponseWriter, r *http.Request) {
	s.boBkNewRender(w, r, booking.Request{}, nil)
}

func (s *Server) boBkNewSave(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	_, cal, _, err := s.boBkChoice(r)
	if err == nil && cal.OfficeID == 0 {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostFormValue
	req := booking.Request{TenantID: ri.Tenant.ID, OfficeID: cal.OfficeID, Slot: f("slot"), Topic: f("topic"), Reason: f("reason"),
		Name: f("name"), Email: f("email"), Phone: f("phone"), Lang: "it"}
	if f("lang") == "en" {
		req.Lang = "en"
	}
	b, err := s.Booking.BookByOffice(r.Context(), req)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			s.boBkNewRender(w, r, req, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.phone.saved")
	seeOther(w, r, boBkURL(b.OfficeID, booking.DayOf(b.Start))+"#b-"+b.Code)
}
