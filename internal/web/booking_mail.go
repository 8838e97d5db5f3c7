package web

import (
	"context"
	"strconv"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/booking"
	"piazza/internal/jobs"
	"piazza/internal/mail"
	"piazza/internal/tenants"
)

// BookingEvent writes the email about a booking's change in the citizen's language
// and enqueues it in the change's transaction (it implements booking.Notifier). The
// confirmation and the move carry the appointment as an .ics file and the link to
// cancel or move it; a cancellation carries the cancelled event.
func (m *Mailer) BookingEvent(ctx context.Context, b booking.Booking, event string) error {
	if m.s == nil || m.s.Booking == nil || b.Email == "" {
		// A booking taken on the phone without an email address: nobody to write to.
		return nil
	}
	s := m.s
	t, err := s.Resolver.Tenant(ctx, b.TenantID)
	if err != nil {
		return err
	}
	o, err := s.Accounts.Office(ctx, b.TenantID, b.OfficeID)
	if err != nil {
		return err
	}
	base := "https://" + t.SiteHost()
	if ri, ok := ctx.Value(infoKey{}).(*reqInfo); ok && ri.Tenant != nil && ri.Tenant.ID == b.TenantID {
		base = s.siteURL(ri)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	loc := s.localizer(b.Lang)
	data := map[string]any{"Name": b.Name, "Place": t.Name, "Office": o.Name, "Address": o.Address, "Code": b.Code,
		"Date": b.Start.In(rome).Format("02/01/2006"), "Time": b.Start.In(rome).Format("15:04"), "Topic": b.Topic,
		"Message": b.Message, "Link": base + bkLink(b, s.Booking.Token(b))}
	msg := mail.Message{To: []string{b.Email},
		Subject: translate(loc, "booking.mail."+event+".subject", data, nil),
		Text:    translate(loc, "booking.mail."+event+".body", data, nil)}
	if o.Email != "" {
		msg.ReplyTo = o.Email
	}
	status := ""
	if b.Status == booking.Cancelled {
		status = "CANCELLED"
	}
	if event != "to_reschedule" {
		msg.Attachments = []mail.Attachment{{Name: "appuntamento-" + b.Code + ".ics", Type: "text/calendar; charset=utf-8; method=PUBLISH",
			Data: bookingICS(b, o, t, host, status)}}
	}
	var opts []jobs.Option
	if event == "reminder" {
		// One reminder per booking and appointment time, however often the daily
		// job runs; a booking moved to another day is reminded again.
		opts = append(opts, jobs.Unique("booking.reminder:"+strconv.FormatInt(b.TenantID, 10)+":"+b.Code+":"+strconv.FormatInt(b.Start.Unix(), 10)))
	}
	return s.Jobs.Enqueue(ctx, b.TenantID, mail.JobKind, msg, opts...)
}

// bookingICS is the appointment as an iCalendar object (RFC 5545): one VEVENT whose
// UID is the booking's, with a SEQUENCE that grows with every change (the update
// time), so calendars replace the event when it moves and drop it when cancelled.
func bookingICS(b booking.Booking, o accounts.Office, t *tenants.Tenant, host, status string) []byte {
	var c icsWriter
	c.line("BEGIN", "VCALENDAR")
	c.line("VERSION", "2.0")
	c.text("PRODID", "-//Piazza//Prenotazioni "+t.Name+"//IT")
	c.line("CALSCALE", "GREGORIAN")
	c.line("METHOD", "PUBLISH")
	c.b.WriteString(romeTZ)
	c.line("BEGIN", "VEVENT")
	c.line("UID", "prenotazione-"+strings.ToLower(b.Code)+"@"+host)
	c.line("DTSTAMP", b.UpdatedAt.UTC().Format("20060102T150405Z"))
	c.line("SEQUENCE", strconv.FormatInt(b.UpdatedAt.Unix()-b.CreatedAt.Unix(), 10))
	c.line("DTSTART;TZID=Europe/Rome", b.Start.In(rome).Format("20060102T150405"))
	c.line("DTEND;TZID=Europe/Rome", b.End.In(rome).Format("20060102T150405"))
	c.text("SUMMARY", o.Name+" – "+b.Topic)
	c.text("DESCRIPTION", t.Name+"\n"+o.Name+"\n"+b.Topic+"\nCodice prenotazione / booking code: "+b.Code)
	if o.Address != "" {
		c.text("LOCATION", o.Address)
	}
	if status != "" {
		c.line("STATUS", status)
	} else {
		c.line("STATUS", "CONFIRMED")
	}
	c.line("END", "VEVENT")
	c.line("END", "VCALENDAR")
	return []byte(c.b.String())
}
