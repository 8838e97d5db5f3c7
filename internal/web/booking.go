package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/booking"
	"piazza/internal/services"
	"piazza/internal/tenants"
)

// The citizen's booking flow, without JavaScript: office → day and time → subject,
// reason and contacts → review → confirm. Each step is a GET carrying the choices
// so far in its query (back and forward work), the review a POST that validates, the
// confirmation a POST that books and redirects to the booking's page.
const (
	bkBase   = "/prenota-appuntamento"
	bkMine   = "/prenotazioni" // a booking's page: /prenotazioni/{code}?t=<manage token>
	bkArea   = "/area-personale/appuntamenti"
	bkDays   = 7 // days shown per page of the slot picker
	bkMaxBod = 16 << 10
)

func init() {
	funcs["bkDay"] = func(d booking.Day) string { return d.At(12 * 60).Format("02/01/2006") }
	funcs["bkDate"] = func(t time.Time) string { return t.In(rome).Format("02/01/2006") }
	funcs["bkWd"] = func(t time.Time) int { return int(t.In(rome).Weekday()) }
	funcs["hm"] = func(t time.Time) string { return t.In(rome).Format("15:04") }
	funcs["bkCanMove"] = func(from booking.Status, to string) bool { return booking.CanMove(from, booking.Status(to)) }
}

func (s *Server) bookingRoutes() []route {
	if s.Booking == nil {
		return nil
	}
	m := tenants.ModuleBooking
	return []route{
		{pattern: "GET " + bkBase, handler: s.bkOffices, module: m, personal: true},
		{pattern: "GET " + bkBase + "/{office}", handler: s.bkSlots, module: m, personal: true},
		{pattern: "GET " + bkBase + "/{office}/dati", handler: s.bkDetails, module: m, personal: true},
		{pattern: "POST " + bkBase + "/{office}/dati", handler: s.bkDetails, module: m, personal: true, maxBody: bkMaxBod},
		{pattern: "POST " + bkBase + "/{office}/riepilogo", handler: s.bkReview, module: m, personal: true, maxBody: bkMaxBod},
		{pattern: "POST " + bkBase + "/{office}/conferma", handler: s.bkConfirm, module: m, personal: true, maxBody: bkMaxBod},
		{pattern: "GET " + bkMine + "/{code}", handler: s.bkShow, module: m, personal: true},
		{pattern: "GET " + bkMine + "/{code}/appuntamento.ics", handler: s.bkICS, module: m, personal: true},
		{pattern: "POST " + bkMine + "/{code}/annulla", handler: s.bkCancel, module: m, personal: true, maxBody: 4 << 10},
		{pattern: "GET " + bkMine + "/{code}/sposta", handler: s.bkMoveForm, module: m, personal: true},
		{pattern: "POST " + bkMine + "/{code}/sposta", handler: s.bkMove, module: m, personal: true, maxBody: 4 << 10},
		{pattern: "GET " + bkArea, handler: s.bkList, module: m, access: citizen},
	}
}

// bkOfficesPage is the first step: the offices that take bookings.
type bkOfficesPage struct {
	Calendars []booking.Calendar
	Service   *services.Card // when started from a service card
}

// bkService returns the published card named by ?servizio=, or nil.
func (s *Server) bkService(r *http.Request) *services.Card {
	slug := r.FormValue("servizio")
	if slug == "" || s.Services == nil {
		return nil
	}
	c, err := s.Services.CardBySlug(r.Context(), info(r).Tenant.ID, slug)
	if err != nil || !c.Published {
		return nil
	}
	return &c
}

func (s *Server) bkOffices(w http.ResponseWriter, r *http.Request) {
	cals, err := s.Booking.Calendars(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := bkOfficesPage{Service: s.bkService(r)}
	for _, c := range cals {
		if c.Enabled {
			p.Calendars = append(p.Calendars, c)
		}
	}
	// From a card: the offices competent for the service (its responsible office).
	if p.Service != nil {
		var competent []booking.Calendar
		for _, c := range p.Calendars {
			if c.OfficeID == p.Service.OfficeID {
				competent = append(competent, c)
			}
		}
		if len(competent) > 0 {
			p.Calendars = competent
		}
	}
	s.render(w, r, page{Template: "site/prenota.html", Title: "booking.title",
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "booking.title"}}, Data: p})
}

// bkCalendar loads the calendar of the office named in the path; 404 when it takes
// no bookings.
func (s *Server) bkCalendar(w http.ResponseWriter, r *http.Request) (booking.Calendar, accounts.Office, bool) {
	t := info(r).Tenant
	o, err := s.Accounts.OfficeBySlug(r.Context(), t.ID, r.PathValue("office"))
	if err != nil {
		s.fail(w, r, err)
		return booking.Calendar{}, o, false
	}
	c, err := s.Booking.Calendar(r.Context(), t.ID, o.ID)
	if err == nil && !c.Enabled {
		err = apperr.E(apperr.NotFound, "booking.office.not_bookable")
	}
	if err != nil {
		s.fail(w, r, err)
		return c, o, false
	}
	return c, o, true
}

// bkSlotsPage is the slot picker, for a new booking or a move.
type bkSlotsPage struct {
	Cal      booking.Calendar
	Office   accounts.Office
	Days     []booking.DaySlots
	Prev     string // link to the previous days, "" at the start of the window
	Next     string
	Action   string            // where the chosen slot goes
	Method   string            // "get" for a new booking, "post" for a move
	Hidden   map[string]string // carried along
	Selected string
	Booking  *booking.Booking // when moving
	Any      bool             // some slot is free on these days
}

// pickerDays returns the days of the picker starting at ?da= (clamped to the
// window), and the links to the pages before and after.
func (s *Server) pickerDays(r *http.Request, cal booking.Calendar, link func(from booking.Day) string) (*bkSlotsPage, error) {
	first, last := s.Booking.Window(cal)
	from := first
	if d, err := booking.ParseDay(r.URL.Query().Get("da")); err == nil && !d.Before(first) && !last.Before(d) {
		from = d
	}
	days, err := s.Booking.Slots(r.Context(), cal.TenantID, cal.OfficeID, from, bkDays)
	if err != nil {
		return nil, err
	}
	p := &bkSlotsPage{Cal: cal, Days: days}
	if first.Before(from) {
		prev := from.AddDays(-bkDays)
		if prev.Before(first) {
			prev = first
		}
		p.Prev = link(prev)
	}
	if next := from.AddDays(bkDays); !last.Before(next) {
		p.Next = link(next)
	}
	for _, d := range days {
		if d.FreeCount() > 0 {
			p.Any = true
		}
	}
	return p, nil
}

func (s *Server) bkSlots(w http.ResponseWriter, r *http.Request) {
	cal, o, ok := s.bkCalendar(w, r)
	if !ok {
		return
	}
	svc := r.URL.Query().Get("servizio")
	base := bkBase + "/" + o.Slug
	p, err := s.pickerDays(r, cal, func(d booking.Day) string {
		q := url.Values{"da": {d.String()}}
		if svc != "" {
			q.Set("servizio", svc)
		}
		return base + "?" + q.Encode()
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Office, p.Action, p.Method = o, base+"/dati", "get"
	p.Selected = r.URL.Query().Get("slot")
	if svc != "" {
		p.Hidden = map[string]string{"servizio": svc}
	}
	s.render(w, r, page{Template: "site/prenota-orario.html", Title: "booking.slots.title",
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "booking.title", URL: bkBase}, {Label: "booking.slots.title"}}, Data: p})
}

// bkFormPage is the details form and the review.
type bkFormPage struct {
	Cal          booking.Calendar
	Office       accounts.Office
	Req          booking.Request
	Start        time.Time
	End          time.Time
	Service      string // slug of the card the flow started from
	Topics       []string
	Alternatives []booking.Slot // after "slot just taken"
	SignedIn     bool
}

func (s *Server) bkRequest(r *http.Request, cal booking.Calendar) booking.Request {
	ri := info(r)
	req := booking.Request{TenantID: ri.Tenant.ID, OfficeID: cal.OfficeID, Slot: r.FormValue("slot"), Topic: r.FormValue("topic"),
		Reason: r.FormValue("reason"), Name: r.FormValue("name"), Email: r.FormValue("email"), Phone: r.FormValue("phone"), Lang: ri.Lang}
	if ri.Citizen != nil {
		req.CitizenID = ri.Citizen.ID
	}
	return req
}

func (s *Server) bkFormData(r *http.Request, cal booking.Calendar, o accounts.Office, req booking.Request) bkFormPage {
	p := bkFormPage{Cal: cal, Office: o, Req: req, Service: r.FormValue("servizio"), Topics: slices.Clone(cal.Topics), SignedIn: info(r).Citizen != nil}
	if c := s.bkService(r); c != nil {
		if !slices.Contains(p.Topics, c.Title) {
			p.Topics = append([]string{c.Title}, p.Topics...)
		}
		if p.Req.Topic == "" {
			p.Req.Topic = c.Title
		}
	}
	if p.Req.Topic != "" && !slices.Contains(p.Topics, p.Req.Topic) {
		p.Topics = append(p.Topics, p.Req.Topic)
	}
	if t, err := booking.ParseSlot(req.Slot); err == nil {
		p.Start, p.End = t, t.Add(time.Duration(cal.SlotMinutes)*time.Minute)
	}
	return p
}

func bkCrumbs(o accounts.Office, last string) []Crumb {
	return []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "booking.title", URL: bkBase},
		{Label: o.Name, URL: bkBase + "/" + o.Slug}, {Label: last}}
}

func (s *Server) bkDetailsPage(w http.ResponseWriter, r *http.Request, p bkFormPage, err error) {
	s.render(w, r, page{Template: "site/prenota-dati.html", Title: "booking.details.title", Crumbs: bkCrumbs(p.Office, "booking.details.title"), Data: p, Err: err})
}

func (s *Server) bkDetails(w http.ResponseWriter, r *http.Request) {
	cal, o, ok := s.bkCalendar(w, r)
	if !ok {
		return
	}
	req := s.bkRequest(r, cal)
	if _, err := booking.ParseSlot(req.Slot); err != nil {
		// No time chosen yet (or a tampered one): back to the picker with a message.
		s.bkSlotsWithError(w, r, cal, o, &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "slot", Code: "booking.slot.invalid"}}})
		return
	}
	if c := info(r).Citizen; c != nil && req.Name == "" && req.Email == "" {
		req.Name, req.Email, req.Phone = c.FullName(), c.Email, c.Phone
	}
	s.bkDetailsPage(w, r, s.bkFormData(r, cal, o, req), nil)
}

func (s *Server) bkSlotsWithError(w http.ResponseWriter, r *http.Request, cal booking.Calendar, o accounts.Office, err error) {
	p, perr := s.pickerDays(r, cal, func(d booking.Day) string { return bkBase + "/" + o.Slug + "?da=" + d.String() })
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	p.Office, p.Action, p.Method = o, bkBase+"/"+o.Slug+"/dati", "get"
	if svc := r.FormValue("servizio"); svc != "" {
		p.Hidden = map[string]string{"servizio": svc}
	}
	s.render(w, r, page{Template: "site/prenota-orario.html", Title: "booking.slots.title", Crumbs: bkCrumbs(o, "booking.slots.title"), Data: p, Err: err})
}

func (s *Server) bkReview(w http.ResponseWriter, r *http.Request) {
	cal, o, ok := s.bkCalendar(w, r)
	if !ok {
		return
	}
	req := s.bkRequest(r, cal)
	_, _, err := s.Booking.Check(r.Context(), &req)
	p := s.bkFormData(r, cal, o, req)
	if alts, taken := booking.SlotTaken(err); taken {
		p.Alternatives = alts
		s.render(w, r, page{Template: "site/prenota-riepilogo.html", Title: "booking.review.title", Crumbs: bkCrumbs(o, "booking.review.title"), Data: p, Err: err})
		return
	}
	if err != nil {
		s.bkDetailsPage(w, r, p, err)
		return
	}
	s.render(w, r, page{Template: "site/prenota-riepilogo.html", Title: "booking.review.title", Crumbs: bkCrumbs(o, "booking.review.title"), Data: p})
}

func (s *Server) bkConfirm(w http.ResponseWriter, r *http.Request) {
	cal, o, ok := s.bkCalendar(w, r)
	if !ok {
		return
	}
	req := s.bkRequest(r, cal)
	var b booking.Booking
	var err error
	if info(r).Citizen == nil {
		// Not signed in: the booking waits for the confirmation by email.
		if err = s.bkAsk(w, r, o, req); err == nil {
			return
		}
	} else {
		b, err = s.Booking.Book(r.Context(), req)
	}
	if alts, taken := booking.SlotTaken(err); taken {
		p := s.bkFormData(r, cal, o, req)
		p.Alternatives = alts
		s.render(w, r, page{Template: "site/prenota-riepilogo.html", Title: "booking.review.title", Crumbs: bkCrumbs(o, "booking.review.title"), Data: p, Err: err})
		return
	}
	if apperr.Is(err, apperr.Invalid) {
		s.bkDetailsPage(w, r, s.bkFormData(r, cal, o, req), err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.confirmed")
	seeOther(w, r, bkLink(b, s.Booking.Token(b)))
}

// bkLink is a booking's page with its manage token.
func bkLink(b booking.Booking, token string) string {
	return bkMine + "/" + b.Code + "?t=" + url.QueryEscape(token)
}

// bkFind loads the booking of the URL's code for whoever may see it: the bearer of
// its current manage token, or the signed-in citizen who booked it. Anyone else gets
// 404, whether or not the code exists.
func (s *Server) bkFind(w http.ResponseWriter, r *http.Request) (booking.Booking, string, bool) {
	ri := info(r)
	tok := r.FormValue("t")
	b, err := s.Booking.Get(r.Context(), ri.Tenant.ID, r.PathValue("code"))
	if err == nil && !booking.CheckToken(s.Keys, b, tok) {
		if ri.Citizen == nil || b.CitizenID != ri.Citizen.ID {
			err = apperr.E(apperr.NotFound, "booking.link.invalid")
		}
		tok = s.Booking.Token(b)
	}
	if err != nil {
		s.fail(w, r, err)
		return b, "", false
	}
	return b, tok, true
}

// bkShowPage is a booking's page.
type bkShowPage struct {
	B        booking.Booking
	Token    string
	Office   accounts.Office
	CanAct   bool // still to happen: cancel and move are offered
	ICS      string
	Move     string
	SignedIn bool
}

func (s *Server) bkShowData(r *http.Request, b booking.Booking, tok string) bkShowPage {
	o, _ := s.Accounts.Office(r.Context(), b.TenantID, b.OfficeID)
	q := "?t=" + url.QueryEscape(tok)
	return bkShowPage{B: b, Token: tok, Office: o, CanAct: b.Active() && b.Start.After(s.clock()),
		ICS: bkMine + "/" + b.Code + "/appuntamento.ics" + q, Move: bkMine + "/" + b.Code + "/sposta" + q, SignedIn: info(r).Citizen != nil}
}

func (s *Server) bkShow(w http.ResponseWriter, r *http.Request) {
	b, tok, ok := s.bkFind(w, r)
	if !ok {
		return
	}
	s.render(w, r, page{Template: "site/prenotazione.html", Title: "booking.show.title",
		Crumbs: []Crumb{{Label: "booking.title", URL: bkBase}, {Label: "booking.show.title"}}, Data: s.bkShowData(r, b, tok)})
}

func (s *Server) bkICS(w http.ResponseWriter, r *http.Request) {
	b, _, ok := s.bkFind(w, r)
	if !ok {
		return
	}
	o, _ := s.Accounts.Office(r.Context(), b.TenantID, b.OfficeID)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="appuntamento-`+b.Code+`.ics"`)
	w.Write(bookingICS(b, o, info(r).Tenant, strings.ToLower(r.Host), ""))
}

func (s *Server) bkCancel(w http.ResponseWriter, r *http.Request) {
	b, _, ok := s.bkFind(w, r)
	if !ok {
		return
	}
	nb, err := s.Booking.Cancel(r.Context(), b)
	if err != nil {
		s.render(w, r, page{Template: "site/prenotazione.html", Title: "booking.show.title",
			Crumbs: []Crumb{{Label: "booking.title", URL: bkBase}, {Label: "booking.show.title"}}, Data: s.bkShowData(r, b, s.Booking.Token(b)), Err: err})
		return
	}
	s.flash(w, r, "booking.cancelled")
	seeOther(w, r, bkLink(nb, s.Booking.Token(nb)))
}

func (s *Server) bkMovePage(w http.ResponseWriter, r *http.Request, b booking.Booking, tok string, err error) {
	cal, cerr := s.Booking.Calendar(r.Context(), b.TenantID, b.OfficeID)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	base := bkMine + "/" + b.Code + "/sposta"
	p, perr := s.pickerDays(r, cal, func(d booking.Day) string {
		return base + "?" + url.Values{"t": {tok}, "da": {d.String()}}.Encode()
	})
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	p.Office, _ = s.Accounts.Office(r.Context(), b.TenantID, b.OfficeID)
	p.Action, p.Method, p.Booking = base, "post", &b
	p.Hidden = map[string]string{"t": tok}
	s.render(w, r, page{Template: "site/prenota-orario.html", Title: "booking.move.title",
		Crumbs: []Crumb{{Label: "booking.title", URL: bkBase}, {Label: "booking.show.title", URL: bkLink(b, tok)}, {Label: "booking.move.title"}}, Data: p, Err: err})
}

func (s *Server) bkMoveForm(w http.ResponseWriter, r *http.Request) {
	b, tok, ok := s.bkFind(w, r)
	if !ok {
		return
	}
	s.bkMovePage(w, r, b, tok, nil)
}

func (s *Server) bkMove(w http.ResponseWriter, r *http.Request) {
	b, tok, ok := s.bkFind(w, r)
	if !ok {
		return
	}
	nb, err := s.Booking.Reschedule(r.Context(), b, r.PostFormValue("slot"))
	if err != nil {
		if !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.Conflict) {
			s.fail(w, r, err)
			return
		}
		s.bkMovePage(w, r, b, tok, err)
		return
	}
	s.flash(w, r, "booking.moved")
	seeOther(w, r, bkLink(nb, s.Booking.Token(nb)))
}

// bkListPage is the citizen's appointments.
type bkListPage struct {
	Upcoming []bkListItem
	Past     []bkListItem
}

type bkListItem struct {
	B    booking.Booking
	Link string
}

func (s *Server) bkList(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	list, err := s.Booking.OfCitizen(r.Context(), ri.Tenant.ID, ri.Citizen.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p bkListPage
	now := s.clock()
	for i := len(list) - 1; i >= 0; i-- { // soonest first
		b := list[i]
		it := bkListItem{B: b, Link: bkLink(b, s.Booking.Token(b))}
		if b.Active() && b.Start.After(now) {
			p.Upcoming = append(p.Upcoming, it)
		} else {
			p.Past = append([]bkListItem{it}, p.Past...)
		}
	}
	s.render(w, r, page{Template: "citizen/appuntamenti.html", Title: "booking.area.title",
		Crumbs: []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "booking.area.title"}}, Data: p})
}
