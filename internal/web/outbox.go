package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"piazza/internal/mail"
)

// Outbox reads back the email written to the outbox directory, which stands in for
// SMTP when none is configured (and always in the demo).
type Outbox interface {
	List(limit int) ([]mail.Stored, error)
	Read(name string) (mail.Stored, error)
}

// outboxRoutes show the outbox: all of it to the platform operator, and in the
// demo, to each test citizen the messages sent to them ("La mia posta").
func (s *Server) outboxRoutes() []route {
	return []route{
		{pattern: "GET /area-personale/posta", handler: s.citizenMailbox, access: citizen},
		{pattern: "GET /area-personale/posta/{name}", handler: s.citizenMailbox, access: citizen},
	}
}

func (s *Server) platformOutboxRoutes() []route {
	return []route{
		{pattern: "GET /posta-inviata", handler: s.platOutbox, access: operator},
		{pattern: "GET /posta-inviata/{name}", handler: s.platOutbox, access: operator},
	}
}

// outboxPage lists messages, or shows one.
type outboxPage struct {
	Messages []mail.Stored
	Message  *mail.Stored
	Base     string // the list's path
}

const outboxLimit = 200

func (s *Server) platOutbox(w http.ResponseWriter, r *http.Request) {
	s.renderOutbox(w, r, "platform/posta.html", "/posta-inviata", func(mail.Stored) bool { return true })
}

func (s *Server) citizenMailbox(w http.ResponseWriter, r *http.Request) {
	c := info(r).Citizen
	if !s.Demo || c.Email == "" {
		// Real citizens read their own mailbox; the demo's have none.
		s.notFound(w, r)
		return
	}
	email := strings.ToLower(c.Email)
	s.renderOutbox(w, r, "citizen/posta.html", "/area-personale/posta", func(m mail.Stored) bool {
		return slices.ContainsFunc(m.To, func(to string) bool { return strings.ToLower(to) == email })
	})
}

func (s *Server) renderOutbox(w http.ResponseWriter, r *http.Request, tmpl, base string, mine func(mail.Stored) bool) {
	if s.Outbox == nil {
		s.notFound(w, r)
		return
	}
	p := page{Template: tmpl, Title: "outbox.title", Crumbs: []Crumb{{Label: "outbox.title"}}}
	if base == "/area-personale/posta" {
		p.Crumbs = []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "outbox.title"}}
	}
	d := outboxPage{Base: base}
	if name := r.PathValue("name"); name != "" {
		m, err := s.Outbox.Read(name)
		if errors.Is(err, mail.ErrNoMessage) || (err == nil && !mine(m)) {
			s.notFound(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Message = &m
		p.Title = m.Subject
		p.Crumbs = append(p.Crumbs[:len(p.Crumbs)-1], Crumb{Label: "outbox.title", URL: base}, Crumb{Label: m.Subject})
	} else {
		all, err := s.Outbox.List(outboxLimit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, m := range all {
			if mine(m) {
				d.Messages = append(d.Messages, m)
			}
		}
	}
	p.Data = d
	s.render(w, r, p)
}

// HasOutbox reports whether mail goes to the outbox (for the navigation links).
func (v *view) HasOutbox() bool { return v.s.Outbox != nil }
