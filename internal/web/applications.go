package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/forms"
	"piazza/internal/upload"
)

// Citizens fill a service's form step by step, save and resume drafts, review the
// summary and submit; the submission is registered in the protocol at once and the
// receipt shows its number. Every URL names the application by its receipt code
// and shows only the signed-in citizen's own applications: anyone else's code is
// "not found".

const (
	appsBase = "/area-personale/pratiche"
	// maxStepBody bounds one step's post, files included.
	maxStepBody = 60 << 20
)

// applicationRoutes: the fill flow and the personal area's applications.
func (s *Server) applicationRoutes() []route {
	if s.Applications == nil {
		return nil
	}
	if s.Jobs != nil {
		// The module's notices are written with this server's catalogues.
		s.Jobs.Register(ApplicationNoticeJob, s.Mailer().ApplicationNotice)
	}
	return []route{
		{pattern: "GET /servizi/{category}/{slug}/richiesta", handler: s.appStart, access: citizen},
		{pattern: "GET " + appsBase, handler: s.appList, access: citizen},
		{pattern: "GET " + appsBase + "/{code}", handler: s.appDetail, access: citizen},
		{pattern: "POST " + appsBase + "/{code}/elimina", handler: s.appDeleteDraft, access: citizen, maxBody: 4 << 10},
		{pattern: "GET " + appsBase + "/{code}/compila/{step}", handler: s.appStep, access: citizen},
		{pattern: "POST " + appsBase + "/{code}/compila/{step}", handler: s.appStepSave, access: citizen, maxBody: maxStepBody},
		{pattern: "GET " + appsBase + "/{code}/riepilogo", handler: s.appSummary, access: citizen},
		{pattern: "POST " + appsBase + "/{code}/invia", handler: s.appSubmit, access: citizen, maxBody: 16 << 10},
		{pattern: "GET " + appsBase + "/{code}/inviata", handler: s.appSent, access: citizen},
		{pattern: "GET " + appsBase + "/{code}/ricevuta.pdf", handler: s.appReceipt, access: citizen},
		{pattern: "GET " + appsBase + "/{code}/documenti/{id}", handler: s.appFile, access: citizen},
		{pattern: "POST " + appsBase + "/{code}/messaggi", handler: s.appMessage, access: citizen, maxBody: 32 << 10},
		{pattern: "POST " + appsBase + "/{code}/integrazione", handler: s.appIntegration, access: citizen, maxBody: 4 << 10},
		{pattern: "POST " + appsBase + "/{code}/ritira", handler: s.appWithdraw, access: citizen, maxBody: 16 << 10},
	}
}

// person is the signed-in citizen as the applications module sees them.
func person(c *accounts.Citizen) applications.Person {
	return applications.Person{CitizenID: c.ID, GivenName: c.GivenName, FamilyName: c.FamilyName, FiscalCode: c.FiscalCode,
		Email: c.Email, Phone: c.Phone}
}

// myApplication loads the application of the URL's code if it is the signed-in
// citizen's; otherwise it answers 404 and returns false.
func (s *Server) myApplication(w http.ResponseWriter, r *http.Request) (applications.Application, bool) {
	ri := info(r)
	a, err := s.Applications.Mine(r.Context(), ri.Tenant.ID, person(ri.Citizen), r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return a, false
	}
	return a, true
}

func appURL(a applications.Application, tail string) string {
	u := appsBase + "/" + a.Code
	if tail != "" {
		u += "/" + tail
	}
	return u
}

func stepURL(a applications.Application, step string) string {
	return appURL(a, "compila/"+url.PathEscape(step))
}

// appStart starts or resumes the citizen's draft for a service and goes to its
// step.
func (s *Server) appStart(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	card, err := s.Applications.Card(r.Context(), ri.Tenant.ID, r.PathValue("slug"))
	if err == nil && card.Category != r.PathValue("category") {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if card.AuthLevel == "spid3" && !highAssurance(ri.Citizen.AuthLevel) {
		// The service needs SPID level 3 or CIE: the citizen signs in again with it.
		s.errorPage(w, r, http.StatusForbidden, "apps.err.level")
		return
	}
	a, err := s.Applications.Start(r.Context(), card, person(ri.Citizen))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, s.resumeURL(r, a))
}

// highAssurance reports whether a sign-in meets the cards' highest level: SPID
// level 3 or the CIE (services.AuthHigh).
func highAssurance(level string) bool {
	return level == "https://www.spid.gov.it/SpidL3" || strings.HasPrefix(level, "CIE_")
}

// resumeURL is where a draft continues: its saved step, else the first one.
func (s *Server) resumeURL(r *http.Request, a applications.Application) string {
	if a.Step == "_summary" {
		return appURL(a, "riepilogo")
	}
	if a.Step != "" {
		return stepURL(a, a.Step)
	}
	v, err := s.Applications.Form(r.Context(), a)
	if err != nil {
		return appURL(a, "")
	}
	values, _, _ := s.Applications.Answers(r.Context(), a)
	if steps := v.Def.VisibleSteps(values); len(steps) > 0 {
		return stepURL(a, steps[0].ID)
	}
	return appURL(a, "riepilogo")
}

// appFillPage is the data of one step of the form.
type appFillPage struct {
	App       applications.Application
	Form      formStepView
	Number    int // 1-based position among the visible steps
	Count     int
	Back      string // the previous step's URL, "" on the first
	Exit      *forms.Step
	Integrate bool // answering a request for integration
}

// loadForm loads an editable application's form and answers.
func (s *Server) loadForm(w http.ResponseWriter, r *http.Request) (applications.Application, forms.Version, forms.Values, bool) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return a, forms.Version{}, nil, false
	}
	if !applications.Editable(a) {
		seeOther(w, r, appURL(a, ""))
		return a, forms.Version{}, nil, false
	}
	v, err := s.Applications.Form(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return a, v, nil, false
	}
	values, draft, err := s.Applications.Answers(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return a, v, nil, false
	}
	if !draft {
		// An integration not yet opened: the citizen starts it from the detail page.
		seeOther(w, r, appURL(a, ""))
		return a, v, nil, false
	}
	return a, v, values, true
}

// stepOf finds a step among the visible ones (or the exit step that applies).
func stepOf(def *forms.Definition, values forms.Values, id string) (step *forms.Step, index int, steps []*forms.Step) {
	steps = def.VisibleSteps(values)
	for i, st := range steps {
		if st.ID == id {
			return st, i, steps
		}
	}
	if ex := def.Exit(values); ex != nil && ex.ID == id {
		return ex, -1, steps
	}
	return nil, -1, steps
}

func (s *Server) appStep(w http.ResponseWriter, r *http.Request) {
	a, v, values, ok := s.loadForm(w, r)
	if !ok {
		return
	}
	var errs forms.Errors
	step, _, _ := stepOf(v.Def, values, r.PathValue("step"))
	if step != nil && r.URL.Query().Get("verifica") == "1" && step.Kind != forms.StepExit {
		_, errs = v.Def.Decode(step, v.Def.FormValues(step, values), nil, values)
	}
	s.renderStep(w, r, a, v.Def, values, r.PathValue("step"), errs, nil)
}

// renderStep shows one step with its errors (422 when there are any) and, after
// a failed post, the inputs as typed.
func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, a applications.Application, def *forms.Definition, values forms.Values, stepID string, errs forms.Errors, posted url.Values) {
	ri := info(r)
	step, index, steps := stepOf(def, values, stepID)
	if step == nil {
		// A step hidden by an answer, or an old link: resume where it makes sense.
		seeOther(w, r, s.resumeURL(r, a))
		return
	}
	p := appFillPage{App: a, Number: index + 1, Count: len(steps), Integrate: a.Status == applications.IntegrationRequested}
	if step.Kind == forms.StepExit {
		p.Exit = step
		if len(steps) > 0 {
			p.Back = stepURL(a, steps[len(steps)-1].ID)
		}
	} else if index > 0 {
		p.Back = stepURL(a, steps[index-1].ID)
	}
	p.Form = formStepView{Def: def, Step: step, Values: values, Errors: errs, Lang: ri.Lang, Action: stepURL(a, step.ID), Steps: steps, Index: index, Posted: posted}
	var err error
	if len(errs) > 0 {
		err = stepErrors(step, errs)
	}
	s.render(w, r, page{Template: "citizen/pratica-compila.html", Title: a.CardTitle, Crumbs: appCrumbs(a, "apps.fill.crumb"), Data: p, Err: err})
}

// stepErrors turns the form's errors into a form error for the error summary, in
// the order of the step's fields; each links to its input ("field-<path>").
func stepErrors(step *forms.Step, errs forms.Errors) error {
	order := map[string]int{}
	for i, f := range step.Fields {
		order[f.Name] = i
	}
	paths := make([]string, 0, len(errs))
	for p := range errs {
		paths = append(paths, p)
	}
	rank := func(p string) int {
		top, _, _ := strings.Cut(p, ".")
		if i, ok := order[top]; ok {
			return i
		}
		return len(order)
	}
	sort.Slice(paths, func(i, j int) bool {
		if ri, rj := rank(paths[i]), rank(paths[j]); ri != rj {
			return ri < rj
		}
		return paths[i] < paths[j]
	})
	e := &apperr.Error{Kind: apperr.Invalid, Code: "apps.err.step"}
	for _, p := range paths {
		e.Fields = append(e.Fields, apperr.FieldError{Field: "field-" + p, Code: errs[p]})
	}
	return e
}

func appCrumbs(a applications.Application, last string) []Crumb {
	return []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "apps.list.title", URL: appsBase},
		{Label: a.CardTitle, URL: appURL(a, "")}, {Label: last}}
}

// stepUploads reads the file parts of a step post: one per file input, named by
// the field's path. A part over the field's limit becomes an error on its field.
func stepUploads(r *http.Request, def *forms.Definition, errs forms.Errors) ([]applications.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	limits := map[string]int64{}
	for _, f := range def.FileFields() {
		limits[f.Name] = f.MaxBytes
	}
	var out []applications.Upload
	paths := make([]string, 0, len(r.MultipartForm.File))
	for p := range r.MultipartForm.File {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for _, fh := range r.MultipartForm.File[path] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // an input left empty
			}
			max := limits[lastSegment(path)]
			data, err := upload.Read(path, fh, max)
			if e := apperr.As(err); e != nil && len(e.Fields) > 0 {
				errs[path] = applications.StepCode(e.Fields[0].Code)
				continue
			}
			if err != nil {
				return nil, err
			}
			if !validFormText(fh.Filename) {
				fh.Filename = ""
			}
			out = append(out, applications.Upload{Field: path, Name: fh.Filename, Data: data})
		}
	}
	return out, nil
}

// lastSegment is the field name at the end of a path ("children.1.cert" → "cert").
func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// appStepSave saves a step: "Salva e continua" goes on when the step is valid,
// "Indietro" and "Salva bozza" save whatever was typed; adding or removing a
// group item shows the step again.
func (s *Server) appStepSave(w http.ResponseWriter, r *http.Request) {
	a, v, values, ok := s.loadForm(w, r)
	if !ok {
		return
	}
	step, index, steps := stepOf(v.Def, values, r.PathValue("step"))
	if step == nil || step.Kind == forms.StepExit {
		seeOther(w, r, s.resumeURL(r, a))
		return
	}
	pre := forms.Errors{}
	uploads, err := stepUploads(r, v.Def, pre)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	nav := r.PostFormValue("_nav")
	values, errs, err := s.Applications.SaveStep(r.Context(), a, step, r.PostForm, uploads, step.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for k, m := range pre {
		errs[k] = m
	}
	switch {
	case forms.Editing(r.PostForm):
		seeOther(w, r, stepURL(a, step.ID)+"#field-"+url.PathEscape(r.PostFormValue(forms.AddKey)+r.PostFormValue(forms.RemoveKey)))
		return
	case nav == "back":
		if index > 0 {
			s.Applications.SetStep(r.Context(), a, steps[index-1].ID)
			seeOther(w, r, stepURL(a, steps[index-1].ID))
			return
		}
		seeOther(w, r, stepURL(a, step.ID))
		return
	case nav == "save":
		s.flash(w, r, "apps.fill.saved")
		seeOther(w, r, appsBase)
		return
	}
	if len(errs) > 0 {
		s.renderStep(w, r, a, v.Def, values, step.ID, errs, r.PostForm)
		return
	}
	if ex := v.Def.Exit(values); ex != nil {
		seeOther(w, r, stepURL(a, ex.ID))
		return
	}
	// The next visible step after this one, with the new answers' conditions.
	steps = v.Def.VisibleSteps(values)
	next := "_summary"
	for i, st := range steps {
		if st.ID == step.ID && i+1 < len(steps) {
			next = steps[i+1].ID
		}
	}
	if err := s.Applications.SetStep(r.Context(), a, next); err != nil {
		s.fail(w, r, err)
		return
	}
	if next == "_summary" {
		seeOther(w, r, appURL(a, "riepilogo"))
		return
	}
	seeOther(w, r, stepURL(a, next))
}

// appSummaryPage is the data of the summary (riepilogo).
type appSummaryPage struct {
	App       applications.Application
	Steps     []forms.SummaryStep
	Business  bool
	Company   applications.Company
	Integrate bool
}

func (s *Server) appSummary(w http.ResponseWriter, r *http.Request) {
	a, v, values, ok := s.loadForm(w, r)
	if !ok {
		return
	}
	s.renderSummary(w, r, a, v.Def, values, a.Company, nil)
}

func (s *Server) renderSummary(w http.ResponseWriter, r *http.Request, a applications.Application, def *forms.Definition, values forms.Values, c applications.Company, err error) {
	ri := info(r)
	card, cerr := s.Applications.Card(r.Context(), ri.Tenant.ID, a.CardSlug)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	p := appSummaryPage{App: a, Steps: def.Summary(values, ri.Lang), Business: card.Business && a.Status == applications.Draft,
		Company: c, Integrate: a.Status == applications.IntegrationRequested}
	s.render(w, r, page{Template: "citizen/pratica-riepilogo.html", Title: a.CardTitle, Crumbs: appCrumbs(a, "apps.summary.title"), Data: p, Err: err})
}

// appSubmit submits the draft (or the answer to an integration request).
func (s *Server) appSubmit(w http.ResponseWriter, r *http.Request) {
	a, v, values, ok := s.loadForm(w, r)
	if !ok {
		return
	}
	ri := info(r)
	p := person(ri.Citizen)
	company := applications.Company{Name: r.PostFormValue("company_name"), VAT: r.PostFormValue("company_vat"),
		LegalRep: r.PostFormValue("company_legal_rep") == "1"}
	var err error
	var done applications.Application
	if a.Status == applications.IntegrationRequested {
		done, err = s.Applications.SubmitIntegration(r.Context(), a, p)
	} else {
		done, err = s.Applications.Submit(r.Context(), a, p, company)
	}
	var verr *applications.ValidationError
	switch {
	case errors.As(err, &verr):
		seeOther(w, r, stepURL(a, verr.StepID)+"?verifica=1")
		return
	case apperr.Is(err, apperr.Invalid):
		s.renderSummary(w, r, a, v.Def, values, company, err)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, appURL(done, "inviata"))
}

// appSent is the receipt page right after a submission.
func (s *Server) appSent(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	if a.ProtocolNumber == "" {
		seeOther(w, r, appURL(a, ""))
		return
	}
	s.render(w, r, page{Template: "citizen/pratica-inviata.html", Title: "apps.sent.title", Crumbs: appCrumbs(a, "apps.sent.title"), Data: a})
}

// appReceipt serves the PDF receipt.
func (s *Server) appReceipt(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	if a.ProtocolNumber == "" {
		s.notFound(w, r)
		return
	}
	pdf, err := s.Applications.ReceiptPDF(r.Context(), a, info(r).Tenant.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	servePDF(w, "ricevuta-"+a.Code+".pdf", pdf)
}

// servePDF sends a PDF as a download.
func servePDF(w http.ResponseWriter, name string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// appFile serves one of the application's documents to its applicant.
func (s *Server) appFile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
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
	serveFile(w, f, data)
}

// serveFile sends a stored document as a download with its sniffed type; the
// browser is told not to guess another.
func serveFile(w http.ResponseWriter, f applications.File, data []byte) {
	w.Header().Set("Content-Type", f.Type)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Write(data)
}

// appListPage is the data of the citizen's applications list.
type appListPage struct {
	Drafts []applications.Application
	Sent   []applications.Application
}

func (s *Server) appList(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	list, err := s.Applications.List(r.Context(), ri.Tenant.ID, person(ri.Citizen))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p appListPage
	for _, a := range list {
		if a.Status == applications.Draft {
			p.Drafts = append(p.Drafts, a)
		} else {
			p.Sent = append(p.Sent, a)
		}
	}
	s.render(w, r, page{Template: "citizen/pratiche.html", Title: "apps.list.title",
		Crumbs: []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "apps.list.title"}}, Data: p})
}

// appDetailPage is the data of one application's page.
type appDetailPage struct {
	applications.Detail
	Overdue     bool
	CanWithdraw bool
	Body        string // a message being written, after an error
	Reason      string
}

func (s *Server) appDetail(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	if a.Status == applications.Draft {
		seeOther(w, r, s.resumeURL(r, a))
		return
	}
	s.renderDetail(w, r, a, appDetailPage{}, nil)
}

func (s *Server) renderDetail(w http.ResponseWriter, r *http.Request, a applications.Application, p appDetailPage, err error) {
	d, derr := s.Applications.Detail(r.Context(), a, false)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	p.Detail = d
	p.Overdue = a.Overdue(s.clock())
	p.CanWithdraw = applications.CanMove(a.Status, applications.Withdrawn, a.AllowsWithdrawal)
	s.render(w, r, page{Template: "citizen/pratica.html", Title: a.CardTitle,
		Crumbs: []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "apps.list.title", URL: appsBase}, {Label: a.CardTitle}},
		Data:   p, Err: err})
}

func (s *Server) appDeleteDraft(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	if err := s.Applications.DeleteDraft(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "apps.list.deleted")
	seeOther(w, r, appsBase)
}

func (s *Server) appMessage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	body := r.PostFormValue("body")
	if err := s.Applications.Write(r.Context(), a, person(info(r).Citizen), body); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderDetail(w, r, a, appDetailPage{Body: body}, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "apps.detail.message_sent")
	seeOther(w, r, appURL(a, "")+"#messaggi")
}

// appIntegration opens the answer to a request for integration.
func (s *Server) appIntegration(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	if err := s.Applications.StartIntegration(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	a.Step = ""
	seeOther(w, r, s.resumeURL(r, a))
}

func (s *Server) appWithdraw(w http.ResponseWriter, r *http.Request) {
	a, ok := s.myApplication(w, r)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	if _, err := s.Applications.Withdraw(r.Context(), a, person(info(r).Citizen), reason); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderDetail(w, r, a, appDetailPage{Reason: reason}, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "apps.detail.withdrawn")
	seeOther(w, r, appURL(a, ""))
}

func init() { funcs["statusClass"] = applicationStatusClass }

// applicationStatusClass is the badge colour of a status.
func applicationStatusClass(st applications.Status) string {
	switch st {
	case applications.Accepted:
		return "bg-success"
	case applications.Rejected, applications.Withdrawn:
		return "bg-secondary"
	case applications.IntegrationRequested:
		return "bg-warning text-dark"
	case applications.Draft:
		return "bg-light text-dark"
	}
	return "bg-primary"
}
