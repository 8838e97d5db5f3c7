package web

import (
	"net/http"
	"strings"

	"piazza/internal/accounts"
)

// citizenSearch is the citizens search page.
type citizenSearch struct {
	Q        string
	Searched bool
	Results  []accounts.Citizen
}

// boCitizens searches the tenant's citizens by fiscal code or name. Each search is
// audited by the service (the query itself is personal data); an empty query only
// shows the form.
func (s *Server) boCitizens(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := citizenSearch{Q: q}
	var err error
	if q != "" {
		d.Searched = true
		d.Results, err = s.Accounts.SearchCitizens(r.Context(), info(r).Tenant.ID, q)
	}
	s.render(w, r, page{Template: "backoffice/cittadini.html", Title: "bo.citizens.title", Data: d, Err: err})
}

// boCitizen shows a citizen's record; the service audits who looked at whom.
func (s *Server) boCitizen(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, errNotFound)
		return
	}
	c, err := s.Accounts.ViewCitizen(r.Context(), info(r).Tenant.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/cittadino.html", Title: c.FullName(), Data: c})
}
