package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/audit"
	"piazza/internal/forms"
	"piazza/internal/upload"
)

// The back office of applications: operators see the applications of the
// services whose office they belong to (admins see every one), take them in
// charge, assign them, ask for integrations, decide them with an outcome document,
// and keep internal notes. Another office's application is "not found".

const boAppsBase = "/backoffice/pratiche"

func (s *Server) applicationOfficeRoutes() []route {
	if s.Applications == nil {
		return nil
	}
	readers := []accounts.Role{accounts.RoleOperator, accounts.RoleViewer}
	workers := []accounts.Role{accounts.RoleOperator}
	return []route{
		{pattern: "GET " + boAppsBase, handler: s.boApps, access: staff, roles: readers},
		{pattern: "GET " + boAppsBase + "/export.csv", handler: s.boAppsCSV, access: staff, roles: readers},
		{pattern: "POST " + boAppsBase + "/esito", handler: s.boAppsBulk, access: staff, roles: workers, maxBody: 64 << 10},
		{pattern: "GET " + boAppsBase + "/{code}", handler: s.boApp, access: staff, roles: readers},
		{pattern: "GET " + boAppsBase + "/{code}/ricevuta.pdf", handler: s.boAppReceipt, access: staff, roles: readers},
		{pattern: "GET " + boAppsBase + "/{code}/documenti/{id}", handler: s.boAppFile, access: staff, roles: readers},
		{pattern: "POST " + boAppsBase + "/{code}/presa-in-carico", handler: s.boAppTake, access: staff, roles: workers, maxBody: 4 << 10},
		{pattern: "POST " + boAppsBase + "/{code}/assegna", handler: s.boAppAssign, access: staff, roles: workers, maxBody: 4 << 10},
		{pattern: "POST " + boAppsBase + "/{code}/integrazione", handler: s.boAppIntegration, access: staff, roles: workers, maxBody: 32 << 10},
		{pattern: "POST " + boAppsBase + "/{code}/esito", handler: s.boAppDecide, access: staff, roles: workers, maxBody: 32 << 10},
		{pattern: "POST " + boAppsBase + "/{code}/nota", handler: s.boAppNote, access: staff, roles: workers, maxBody: 32 << 10},
		{pattern: "POST " + boAppsBase + "/{code}/messaggio", handler: s.boAppReply, access: staff, roles: workers, maxBody: 32 << 10},
	}
}

// officer is the signed-in staff member as the applications module sees them.
func officer(st *accounts.Staff) applications.Officer {
	return applications.Officer{AccountID: st.Account.ID, Name: st.Account.Name, Admin: st.Can(accounts.RoleAdmin), OfficeIDs: st.OfficeIDs}
}

func boAppURL(a applications.Application) string { return boAppsBase + "/" + a.Code }

// boQueuePage is the data of the queue.
type boQueuePage struct {
	Apps     []applications.Application
	Filter   boQueueFilter
	Overdue  map[int64]bool
	Statuses []applications.Status
	Cards    []boOption
	Staff    []boOption
	Names    map[int64]string // assignee names
	Query    string           // the filter as a query string, for the export link
}

type boOption struct {
	ID   int64
	Name string
}

type boQueueFilter struct {
	Status   string
	Card     int64
	Assignee int64
	Overdue  bool
	Search   string
}

// queueQuery reads the queue's filters from the URL.
func (s *Server) queueQuery(r *http.Request) (boQueueFilter, applications.Query) {
	q := r.URL.Query()
	f := boQueueFilter{Status: q.Get("stato"), Overdue: q.Get("ritardo") == "1", Search: clipString(strings.TrimSpace(q.Get("q")), 100)}
	f.Card, _ = strconv.ParseInt(q.Get("servizio"), 10, 64)
	f.Assignee, _ = strconv.ParseInt(q.Get("assegnatario"), 10, 64)
	aq := applications.Query{CardID: f.Card, AssigneeID: f.Assignee, Search: f.Search}
	if st := applications.Status(f.Status); st.Valid() && st != applications.Draft {
		aq.Status = st
	} else {
		f.Status = ""
	}
	if f.Overdue {
		aq.OverdueAt = s.clock()
	}
	return f, aq
}

func (s *Server) boApps(w http.ResponseWriter, r *http.Request) { s.renderQueue(w, r, nil) }

// renderQueue shows the queue, with the errors of a bulk decision if any.
func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, formErr error) {
	ri := info(r)
	ctx := r.Context()
	f, q := s.queueQuery(r)
	o := officer(ri.Staff)
	list, err := s.Applications.Queue(ctx, ri.Tenant.ID, o, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := boQueuePage{Apps: list, Filter: f, Overdue: map[int64]bool{}, Names: map[int64]string{}, Query: r.URL.RawQuery}
	for _, st := range applications.Statuses {
		if st != applications.Draft {
			p.Statuses = append(p.Statuses, st)
		}
	}
	// The services and the colleagues to filter by: those of every application the
	// officer can see (unfiltered), so the filters never reveal other offices.
	all, err := s.Applications.Queue(ctx, ri.Tenant.ID, o, applications.Query{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seen := map[int64]bool{}
	for _, a := range all {
		if !seen[a.CardID] {
			seen[a.CardID] = true
			p.Cards = append(p.Cards, boOption{ID: a.CardID, Name: a.CardTitle})
		}
	}
	staff, err := s.Accounts.StaffList(ctx, ri.Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, st := range staff {
		p.Names[st.Account.ID] = st.Account.Name
		if o.Admin || sharesOffice(st.OfficeIDs, o.OfficeIDs) {
			p.Staff = append(p.Staff, boOption{ID: st.Account.ID, Name: st.Account.Name})
		}
	}
	now := s.clock()
	for _, a := range list {
		p.Overdue[a.ID] = a.Overdue(now)
	}
	s.render(w, r, page{Template: "backoffice/pratiche.html", Title: "apps.bo.title", Data: p, Err: formErr})
}

func sharesOffice(a, b []int64) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// boAppsCSV exports the filtered queue the way Italian offices open it in Excel:
// semicolons, a UTF-8 byte order mark, dates as dd/mm/yyyy.
func (s *Server) boAppsCSV(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	_, q := s.queueQuery(r)
	list, err := s.Applications.Queue(r.Context(), ri.Tenant.ID, officer(ri.Staff), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := ri.localizer
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write([]string{"Codice", "Servizio", "Richiedente", "Codice fiscale", "Impresa", "Stato", "Protocollo", "Data protocollo", "Scadenza", "In ritardo"})
	now := s.clock()
	for _, a := range list {
		due := ""
		if !a.DueAt.IsZero() {
			due = a.DueAt.In(rome).Format("02/01/2006")
		}
		late := ""
		if a.Overdue(now) {
			late = "sì"
		}
		cw.Write([]string{a.Code, csvSafe(a.CardTitle), csvSafe(a.Applicant.Name), a.Applicant.FiscalCode, csvSafe(a.Company.Name),
			translate(loc, "apps.status."+string(a.Status), nil, nil), a.ProtocolNumber, a.ProtocolAt.In(rome).Format("02/01/2006"), due, late})
	}
	cw.Flush()
	if err := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "applications.export", "applications", "", strconv.Itoa(len(list)))); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="pratiche.csv"`)
	w.Write(b.Bytes())
}

// csvSafe keeps a spreadsheet from reading text as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// boAppPage is the data of an application's back-office page.
type boAppPage struct {
	applications.Detail
	Summary  []forms.SummaryStep
	Overdue  bool
	Staff    []boOption // colleagues of the application's office
	Assignee string
	CanWork  bool
	Form     url.Values // text typed in a form that failed
}

// officeApp loads the application of the URL if the officer may see it.
func (s *Server) officeApp(w http.ResponseWriter, r *http.Request) (applications.Application, bool) {
	ri := info(r)
	a, err := s.Applications.ForOfficer(r.Context(), ri.Tenant.ID, officer(ri.Staff), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return a, false
	}
	return a, true
}

func (s *Server) boApp(w http.ResponseWriter, r *http.Request) {
	a, ok := s.officeApp(w, r)
	if !ok {
		return
	}
	s.renderOfficeApp(w, r, a, nil, nil)
}

func (s *Server) renderOfficeApp(w http.ResponseWriter, r *http.Request, a applications.Application, form url.Values, err error) {
	ri := info(r)
	ctx := r.Context()
	d, derr := s.Applications.Detail(ctx, a, true)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	p := boAppPage{Detail: d, Overdue: a.Overdue(s.clock()), CanWork: ri.Staff.Can(accounts.RoleOperator), Form: form}
	if v, ferr := s.Applications.Form(ctx, a); ferr == nil {
		values, _, aerr := s.Applications.Answers(ctx, a)
		if aerr != nil {
			s.fail(w, r, aerr)
			return
		}
		if len(d.Submissions) > 0 {
			// The office reads what was submitted, not an integration in progress.
			values, _ = decodeAnswers(d.Submissions[len(d.Submissions)-1].Answers)
		}
		p.Summary = v.Def.Summary(values, ri.Lang)
	}
	staff, serr := s.Accounts.StaffList(ctx, ri.Tenant.ID)
	if serr != nil {
		s.fail(w, r, serr)
		return
	}
	for _, st := range staff {
		if st.Account.ID == a.AssigneeID {
			p.Assignee = st.Account.Name
		}
		if slices.Contains(st.OfficeIDs, a.OfficeID) {
			p.Staff = append(p.Staff, boOption{ID: st.Account.ID, Name: st.Account.Name})
		}
	}
	s.render(w, r, page{Template: "backoffice/pratica.html", Title: a.CardTitle,
		Crumbs: []Crumb{{Label: "apps.bo.title", URL: boAppsBase}, {Label: a.Code}}, Data: p, Err: err})
}

func decodeAnswers(b []byte) (forms.Values, error) {
	v := forms.Values{}
	err := json.Unmarshal(b, &v)
	return v, err
}

func (s *Server) boAppReceipt(w http.ResponseWriter, r *http.Request) {
	a, ok := s.officeApp(w, r)
	if !ok {
		return
	}
	pdf, err := s.Applications.ReceiptPDF(r.Context(), a, info(r).Tenant.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	servePDF(w, "ricevuta-"+a.Code+".pdf", pdf)
}

// boAppFile serves a document of the application; every download is audited.
func (s *Server) boAppFile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.officeApp(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !upload.ValidID(id) {
		s.notFound(w, r)
		return
	}
	f, data, err := s.Applications.FileData(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ri := info(r)
	if err := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "applications.download", "application", a.Code, f.Name)); err != nil {
		s.fail(w, r, err)
		return
	}
	serveFile(w, f, data)
}

// officeAction runs one action on the application and goes back to its page, or
// shows the page again with the form's errors.
func (s *Server) officeAction(w http.ResponseWriter, r *http.Request, flash string, act func(a applications.Application, o applications.Officer) error) {
	a, ok := s.officeApp(w, r)
	if !ok {
		return
	}
	if err := act(a, officer(info(r).Staff)); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			s.renderOfficeApp(w, r, a, r.PostForm, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, flash)
	seeOther(w, r, boAppURL(a))
}

func (s *Server) boAppTake(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.taken", func(a applications.Application, o applications.Officer) error {
		_, err := s.Applications.TakeInCharge(r.Context(), a, o)
		return err
	})
}

func (s *Server) boAppAssign(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.assigned", func(a applications.Application, o applications.Officer) error {
		id, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
		st, err := s.Accounts.StaffMember(r.Context(), a.TenantID, id)
		if err != nil || !slices.Contains(st.OfficeIDs, a.OfficeID) {
			return fieldError("assignee", "apps.err.assignee")
		}
		_, err = s.Applications.Assign(r.Context(), a, o, st.Account.ID, st.Account.Name)
		return err
	})
}

func (s *Server) boAppIntegration(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.integration_sent", func(a applications.Application, o applications.Officer) error {
		_, err := s.Applications.RequestIntegration(r.Context(), a, o, r.PostFormValue("message"))
		return err
	})
}

func (s *Server) boAppDecide(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.decided", func(a applications.Application, o applications.Officer) error {
		outcome := r.PostFormValue("outcome")
		if outcome != "accept" && outcome != "reject" {
			return fieldError("outcome", "apps.err.outcome")
		}
		_, err := s.Applications.Decide(r.Context(), a, o, outcome == "accept", r.PostFormValue("motivation"), info(r).Tenant.Name)
		return err
	})
}

func (s *Server) boAppNote(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.noted", func(a applications.Application, o applications.Officer) error {
		return s.Applications.Note(r.Context(), a, o, r.PostFormValue("note"))
	})
}

func (s *Server) boAppReply(w http.ResponseWriter, r *http.Request) {
	s.officeAction(w, r, "apps.bo.replied", func(a applications.Application, o applications.Officer) error {
		return s.Applications.Reply(r.Context(), a, o, r.PostFormValue("reply"))
	})
}

// boAppsBulk decides the selected applications with one motivation.
func (s *Server) boAppsBulk(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	outcome := r.PostFormValue("outcome")
	var res applications.BulkResult
	err := fieldError("outcome", "apps.err.outcome")
	if outcome == "accept" || outcome == "reject" {
		res, err = s.Applications.DecideMany(r.Context(), ri.Tenant.ID, officer(ri.Staff), r.PostForm["code"], outcome == "accept",
			r.PostFormValue("motivation"), ri.Tenant.Name)
	}
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderQueue(w, r, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	key := "apps.bo.bulk_done"
	if len(res.Failed) > 0 {
		key = "apps.bo.bulk_partial"
	}
	s.flash(w, r, key)
	seeOther(w, r, boAppsBase)
}
