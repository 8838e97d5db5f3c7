package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/booking"
	"piazza/internal/mail"
	"piazza/internal/tenants"
)

// Booking without signing in: the review's "confirm" sends an email with a signed
// link instead of booking; the citizen opens it, sees the request again and
// confirms with a button (a POST, so that mail scanners that follow links book
// nothing). Nothing is stored and no place is held until then.
const bkVerify = bkMine + "/conferma"

func (s *Server) bookingPendingRoutes() []route {
	if s.Booking == nil {
		return nil
	}
	m := tenants.ModuleBooking
	return []route{
		{pattern: "GET " + bkBase + "/{office}/email", handler: s.bkEmailSent, module: m, personal: true},
		{pattern: "GET " + bkVerify, handler: s.bkVerifyForm, module: m, personal: true},
		{pattern: "POST " + bkVerify, handler: s.bkVerify, module: m, personal: true, maxBody: booking.MaxPendingToken + 1<<10},
	}
}

// bkAsk is the confirm step of a citizen who is not signed in.
func (s *Server) bkAsk(w http.ResponseWriter, r *http.Request, o accounts.Office, req booking.Request) error {
	p, tok, err := s.Booking.Ask(r.Context(), req)
	if err != nil {
		return err
	}
	if err := s.bkPendingMail(r.Context(), info(r), o, p, tok); err != nil {
		return err
	}
	seeOther(w, r, bkBase+"/"+o.Slug+"/email")
	return nil
}

// bkPendingMail sends the confirmation link to the address of the request.
func (s *Server) bkPendingMail(ctx context.Context, ri *reqInfo, o accounts.Office, p booking.Pending, tok string) error {
	loc := s.localizer(p.Lang)
	data := map[string]any{"Name": p.Name, "Place": ri.Tenant.Name, "Office": o.Name, "Address": o.Address,
		"Date": p.Start.In(rome).Format("02/01/2006"), "Time": p.Start.In(rome).Format("15:04"), "Topic": p.Topic,
		"Expires": p.Expires.In(rome).Format("02/01/2006 15:04"),
		"Link":    s.siteURL(ri) + bkVerify + "?" + url.Values{"c": {tok}}.Encode()}
	msg := mail.Message{To: []string{p.Email},
		Subject: translate(loc, "booking.mail.pending.subject", data, nil),
		Text:    translate(loc, "booking.mail.pending.body", data, nil)}
	if o.Email != "" {
		msg.ReplyTo = o.Email
	}
	return s.Jobs.Enqueue(ctx, ri.Tenant.ID, mail.JobKind, msg)
}

func (s *Server) bkEmailSent(w http.ResponseWriter, r *http.Request) {
	o, err := s.Accounts.OfficeBySlug(r.Context(), info(r).Tenant.ID, r.PathValue("office"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/prenota-email.html", Title: "booking.pending.title", Crumbs: bkCrumbs(o, "booking.pending.title"), Data: o})
}

// bkVerifyPage shows a pending request before the citizen confirms it.
type bkVerifyPage struct {
	P      booking.Pending
	Office accounts.Office
	Cal    booking.Calendar
	Token  string
}

func (s *Server) bkPending(w http.ResponseWriter, r *http.Request) (bkVerifyPage, bool) {
	tok := r.FormValue("c")
	p, err := s.Booking.DecodePending(info(r).Tenant.ID, tok)
	if err != nil {
		s.fail(w, r, err)
		return bkVerifyPage{}, false
	}
	o, err := s.Accounts.Office(r.Context(), p.TenantID, p.OfficeID)
	if err != nil {
		s.fail(w, r, err)
		return bkVerifyPage{}, false
	}
	cal, err := s.Booking.Calendar(r.Context(), p.TenantID, p.OfficeID)
	if err != nil {
		s.fail(w, r, err)
		return bkVerifyPage{}, false
	}
	p.End = p.Start.Add(time.Duration(cal.SlotMinutes) * time.Minute)
	return bkVerifyPage{P: p, Office: o, Cal: cal, Token: tok}, true
}

func (s *Server) bkVerifyForm(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bkPending(w, r)
	if !ok {
		return
	}
	// Already confirmed (the link opened again): straight to the booking.
	if b, err := s.Booking.Get(r.Context(), p.P.TenantID, p.P.Code); err == nil && b.Email == p.P.Email {
		seeOther(w, r, bkLink(b, s.Booking.Token(b)))
		return
	}
	s.render(w, r, page{Template: "site/prenota-verifica.html", Title: "booking.verify.title",
		Crumbs: []Crumb{{Label: "booking.title", URL: bkBase}, {Label: "booking.verify.title"}}, Data: p})
}

func (s *Server) bkVerify(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bkPending(w, r)
	if !ok {
		return
	}
	b, err := s.Booking.Confirm(r.Context(), info(r).Tenant.ID, p.Token)
	if alts, taken := booking.SlotTaken(err); taken {
		// Taken since the email was sent: the review with the nearest free times
		// (choosing one asks for a new confirmation email).
		cal := p.Cal
		fp := bkFormPage{Cal: cal, Office: p.Office, Req: p.P.Request, Start: p.P.Start, End: p.P.End, Topics: cal.Topics, Alternatives: alts, SignedIn: info(r).Citizen != nil}
		s.render(w, r, page{Template: "site/prenota-riepilogo.html", Title: "booking.review.title", Crumbs: bkCrumbs(p.Office, "booking.review.title"), Data: fp, Err: err})
		return
	}
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			// The slot left the window or the office closed that day meanwhile.
			s.bkSlotsWithError(w, r, p.Cal, p.Office, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "booking.confirmed")
	seeOther(w, r, bkLink(b, s.Booking.Token(b)))
}
