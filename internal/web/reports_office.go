package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/reports"
	"piazza/internal/tenants"
)

// The offices' side of reports: the queue of the offices the staff member belongs
// to (admins: every office), with status and category filters; a report's page
// with the reporter's contact details (each view audited by reports.ForStaff), its
// whole history (internal notes included), and one form to take it in charge,
// answer in public, add an internal note, mark it fixed or close it with a reason.
// Every public change is emailed to the reporter. Another office's report is "not
// found".

const boRpBase = "/backoffice/segnalazioni"

func (s *Server) reportOfficeRoutes() []route {
	if s.Reports == nil {
		return nil
	}
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}
	workers := []accounts.Role{accounts.RoleOperator}
	m := tenants.ModuleReports
	return []route{
		{pattern: "GET " + boRpBase, handler: s.boRpQueue, access: staff, roles: readers, module: m},
		{pattern: "GET " + boRpBase + "/{id}", handler: s.boRpShow, access: staff, roles: readers, module: m},
		{pattern: "POST " + boRpBase + "/{id}", handler: s.boRpChange, access: staff, roles: workers, module: m, maxBody: 16 << 10},
	}
}

// boRpOffices lists the offices whose reports the staff member may see.
func (s *Server) boRpOffices(r *http.Request) ([]accounts.Office, error) {
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

// boRpQueuePage is an office's queue.
type boRpQueuePage struct {
	Offices  []accounts.Office
	Office   accounts.Office
	Reports  []reports.Report
	Total    int
	Status   string
	Page     int
	Prev     string
	Next     string
	Statuses []reports.Status
}

func (s *Server) boRpQueue(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	offices, err := s.boRpOffices(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boRpQueuePage{Offices: offices, Statuses: reports.Statuses}
	id, _ := strconv.ParseInt(r.FormValue("ufficio"), 10, 64)
	switch i := slices.IndexFunc(offices, func(o accounts.Office) bool { return o.ID == id }); {
	case id == 0 && len(offices) > 0:
		p.Office = offices[0]
	case id != 0 && i < 0:
		s.notFound(w, r)
		return
	case i >= 0:
		p.Office = offices[i]
	}
	f, _, st, pg := rpFilter(r.URL.Query())
	if r.URL.Query().Get("stato") == "" {
		// By default the queue shows what is still open.
		f.Statuses = []reports.Status{reports.Submitted, reports.Acknowledged, reports.InProgress}
	}
	p.Status, p.Page = st, pg
	if p.Office.ID != 0 {
		f.OfficeID, f.Limit, f.Offset = p.Office.ID, 50, (pg-1)*50
		if p.Reports, p.Total, err = s.Reports.Queue(r.Context(), ri.Tenant.ID, f); err != nil {
			s.fail(w, r, err)
			return
		}
		link := func(n int) string {
			q := url.Values{"ufficio": {strconv.FormatInt(p.Office.ID, 10)}, "pagina": {strconv.Itoa(n)}}
			if st != "" {
				q.Set("stato", st)
			}
			return boRpBase + "?" + q.Encode()
		}
		if pg > 1 {
			p.Prev = link(pg - 1)
		}
		if pg*50 < p.Total {
			p.Next = link(pg + 1)
		}
	}
	s.render(w, r, page{Template: "backoffice/segnalazioni.html", Title: "reports.bo.title", Data: p})
}

// boRpFind loads the report of the path for a staff member of its office.
func (s *Server) boRpFind(w http.ResponseWriter, r *http.Request) (reports.Report, bool) {
	ri := info(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return reports.Report{}, false
	}
	offices, err := s.boRpOffices(r)
	if err != nil {
		s.fail(w, r, err)
		return reports.Report{}, false
	}
	// The office is checked before the contact details are read (and audited).
	rep, err := s.Reports.Get(r.Context(), ri.Tenant.ID, id)
	if err == nil && !slices.ContainsFunc(offices, func(o accounts.Office) bool { return o.ID == rep.OfficeID }) {
		err = apperr.ErrNotFound
	}
	if err == nil {
		rep, err = s.Reports.ForStaff(r.Context(), ri.Tenant.ID, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return reports.Report{}, false
	}
	return rep, true
}

// boRpPage is one report in the back office.
type boRpPage struct {
	R       reports.Report
	CanWork bool
	Moves   []reports.Status
	Form    url.Values
}

func (s *Server) boRpRender(w http.ResponseWriter, r *http.Request, rep reports.Report, form url.Values, formErr error) {
	p := boRpPage{R: rep, CanWork: info(r).Staff.Can(accounts.RoleOperator), Form: form}
	for _, st := range reports.Statuses {
		if reports.CanMove(rep.Status, st) {
			p.Moves = append(p.Moves, st)
		}
	}
	s.render(w, r, page{Template: "backoffice/segnalazione.html", Title: rep.Subject, Data: p, Err: formErr})
}

func (s *Server) boRpShow(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.boRpFind(w, r)
	if !ok {
		return
	}
	s.boRpRender(w, r, rep, url.Values{}, nil)
}

func (s *Server) boRpChange(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.boRpFind(w, r)
	if !ok {
		return
	}
	ri := info(r)
	c := reports.Change{TenantID: ri.Tenant.ID, ReportID: rep.ID, Status: reports.Status(r.PostFormValue("status")),
		CloseReason: reports.CloseReason(r.PostFormValue("reason")), Body: r.PostFormValue("body"),
		Public: r.PostFormValue("visibility") != "internal", AuthorID: ri.Staff.Account.ID}
	if _, err := s.Reports.Apply(r.Context(), c); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			s.boRpRender(w, r, rep, r.PostForm, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "reports.bo.saved")
	seeOther(w, r, boRpBase+"/"+strconv.FormatInt(rep.ID, 10))
}
