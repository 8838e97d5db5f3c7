package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/forms"
)

// formsRoutes are the editors' form definitions in the back office.
func (s *Server) formsRoutes() []route {
	editors := []accounts.Role{accounts.RoleEditor}
	return []route{
		{pattern: "GET /backoffice/moduli", handler: s.boForms, access: staff, roles: editors},
		{pattern: "POST /backoffice/moduli", handler: s.boFormCreate, access: staff, roles: editors},
		{pattern: "GET /backoffice/moduli/{key}", handler: s.boForm, access: staff, roles: editors},
		{pattern: "POST /backoffice/moduli/{key}", handler: s.boFormSave, access: staff, roles: editors, maxBody: 2 * forms.MaxDefinitionBytes},
		{pattern: "POST /backoffice/moduli/{key}/pubblica", handler: s.boFormPublish, access: staff, roles: editors},
		{pattern: "GET /backoffice/moduli/{key}/esporta", handler: s.boFormExport, access: staff, roles: editors},
		{pattern: "POST /backoffice/moduli/{key}/importa", handler: s.boFormImport, access: staff, roles: editors, maxBody: 2 * forms.MaxDefinitionBytes},
	}
}

// formSkeleton is the definition a new form starts from.
const formSkeleton = `{
  "title": {"it": "Nuovo modulo", "en": "New form"},
  "steps": [
    {
      "id": "richiedente",
      "title": {"it": "Chi presenta la domanda", "en": "Who is applying"},
      "fields": [
        {"name": "given_name", "type": "text", "label": {"it": "Nome", "en": "Given name"}, "required": true, "prefill": "given_name"},
        {"name": "family_name", "type": "text", "label": {"it": "Cognome", "en": "Family name"}, "required": true, "prefill": "family_name"},
        {"name": "fiscal_code", "type": "fiscalcode", "label": {"it": "Codice fiscale", "en": "Fiscal code"}, "required": true, "prefill": "fiscal_code"}
      ]
    },
    {
      "id": "dichiarazione",
      "kind": "declaration",
      "title": {"it": "Dichiarazione", "en": "Declaration"},
      "intro": {"it": "Dichiaro che i dati indicati sono veri (DPR 445/2000).", "en": "I declare that the data given are true (DPR 445/2000)."},
      "fields": [{"name": "truthful", "type": "accept", "label": {"it": "Lo dichiaro", "en": "I declare it"}}]
    }
  ]
}
`

func formURL(key string) string { return "/backoffice/moduli/" + key }

func (s *Server) boForms(w http.ResponseWriter, r *http.Request) {
	list, err := s.Forms.List(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/moduli.html", Title: "forms.bo.title", Data: formsListData{Forms: list}})
}

// formsListData is the forms list, with the new-form field after a failed attempt.
type formsListData struct {
	Forms []forms.FormInfo
	Key   string
}

func (s *Server) boFormCreate(w http.ResponseWriter, r *http.Request) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	key := strings.TrimSpace(r.PostFormValue("key"))
	err := forms.CheckKey(key)
	if err == nil {
		var exists bool
		if exists, err = s.Forms.Exists(ctx, tid, key); err == nil && exists {
			err = fieldError("key", "forms.exists")
		}
	}
	if err == nil {
		_, err = s.Forms.SaveDraft(ctx, tid, key, []byte(formSkeleton))
	}
	if err != nil {
		list, lerr := s.Forms.List(ctx, tid)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.render(w, r, page{Template: "backoffice/moduli.html", Title: "forms.bo.title", Data: formsListData{Forms: list, Key: key}, Err: err})
		return
	}
	s.flash(w, r, "forms.bo.flash.created")
	seeOther(w, r, formURL(key))
}

// formEditor is the data of the form editor page.
type formEditor struct {
	Key      string
	JSON     string          // the editor's text
	Draft    *forms.Version  // the draft, if any
	Live     *forms.Version  // the live version, if any
	Viewing  *forms.Version  // an older version asked for with ?versione=N
	History  []forms.Version // newest first
	Problems []defProblem    // of the text that failed to save
	Preview  []formPreviewStep
	Stale    bool // the preview is of the saved version, not of the text with problems
}

// defProblem is one problem of a definition, for the editor.
type defProblem struct {
	Line    int
	Where   string
	Message string
}

// formPreviewStep is one step of the editor's preview.
type formPreviewStep struct {
	Step *forms.Step
	N    int
	Form formStepView
}

// formEditorFor loads the form of the request's {key} in the request's tenant;
// NotFound if the tenant has no such form.
func (s *Server) formEditorFor(r *http.Request) (formEditor, error) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	key := r.PathValue("key")
	if forms.CheckKey(key) != nil {
		return formEditor{}, errNotFound
	}
	history, err := s.Forms.Versions(ctx, tid, key)
	if err != nil {
		return formEditor{}, err
	}
	if len(history) == 0 {
		return formEditor{}, errNotFound
	}
	e := formEditor{Key: key, History: history}
	for i := range history {
		switch history[i].Status {
		case forms.StatusDraft:
			e.Draft = &history[i]
		case forms.StatusLive:
			e.Live = &history[i]
		}
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("versione")); err == nil {
		for i := range history {
			if history[i].Number == n {
				e.Viewing = &history[i]
			}
		}
	}
	switch {
	case e.Viewing != nil:
		e.JSON = string(e.Viewing.JSON)
	case e.Draft != nil:
		e.JSON = string(e.Draft.JSON)
	default:
		e.JSON = string(history[0].JSON)
	}
	return e, nil
}

// preview renders every step of a definition with no answers.
func (e *formEditor) preview(def *forms.Definition, lang string) {
	e.Preview = nil
	for i, st := range def.Steps {
		e.Preview = append(e.Preview, formPreviewStep{Step: st, N: i + 1,
			Form: formStepView{Def: def, Step: st, Values: forms.Values{}, Lang: lang, Preview: true, IDPrefix: "p" + strconv.Itoa(i+1) + "-"}})
	}
}

func (s *Server) boForm(w http.ResponseWriter, r *http.Request) {
	e, err := s.formEditorFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if def, err := forms.Parse([]byte(e.JSON)); err == nil {
		e.preview(def, info(r).Lang)
	}
	s.render(w, r, page{Template: "backoffice/modulo.html", Title: e.Key, Data: e})
}

// renderEditorError shows the editor again with the text that failed and its
// problems; the preview is of the last saved version.
func (s *Server) renderEditorError(w http.ResponseWriter, r *http.Request, e formEditor, text string, err error) {
	ae := apperr.As(err)
	if ae == nil || ae.Kind != apperr.Invalid {
		s.fail(w, r, err)
		return
	}
	if def, perr := forms.Parse([]byte(e.JSON)); perr == nil {
		e.preview(def, info(r).Lang)
		e.Stale = true
	}
	e.JSON, e.Viewing = text, nil
	loc := info(r).localizer
	for _, f := range ae.Fields {
		line, _ := f.Args["Line"].(int)
		e.Problems = append(e.Problems, defProblem{Line: line, Where: f.Field, Message: translate(loc, f.Code, f.Args, nil)})
	}
	// The page's error summary names the problem; each one is listed with its line.
	s.render(w, r, page{Template: "backoffice/modulo.html", Title: e.Key, Data: e, Err: &apperr.Error{Kind: apperr.Invalid, Code: ae.Code}})
}

func (s *Server) boFormSave(w http.ResponseWriter, r *http.Request) {
	e, err := s.formEditorFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text := r.PostFormValue("json")
	if _, err := s.Forms.SaveDraft(r.Context(), info(r).Tenant.ID, e.Key, []byte(text)); err != nil {
		s.renderEditorError(w, r, e, text, err)
		return
	}
	s.flash(w, r, "forms.bo.flash.saved")
	seeOther(w, r, formURL(e.Key))
}

func (s *Server) boFormPublish(w http.ResponseWriter, r *http.Request) {
	e, err := s.formEditorFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.Forms.Publish(r.Context(), info(r).Tenant.ID, e.Key); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "forms.bo.flash.published")
	seeOther(w, r, formURL(e.Key))
}

func (s *Server) boFormExport(w http.ResponseWriter, r *http.Request) {
	e, err := s.formEditorFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := []byte(e.JSON)
	name := e.Key
	if e.Viewing != nil {
		name += "-v" + strconv.Itoa(e.Viewing.Number)
	} else if data, err = s.Forms.Export(r.Context(), info(r).Tenant.ID, e.Key); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".json"))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

func (s *Server) boFormImport(w http.ResponseWriter, r *http.Request) {
	e, err := s.formEditorFor(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := uploadedJSON(r, "file")
	if err != nil {
		s.renderEditorError(w, r, e, e.JSON, err)
		return
	}
	if _, err := s.Forms.ImportDraft(r.Context(), info(r).Tenant.ID, e.Key, data); err != nil {
		s.renderEditorError(w, r, e, string(data), err)
		return
	}
	s.flash(w, r, "forms.bo.flash.imported")
	seeOther(w, r, formURL(e.Key))
}

// uploadedJSON reads the uploaded file of a form field (a definition, at most
// forms.MaxDefinitionBytes).
func uploadedJSON(r *http.Request, field string) ([]byte, error) {
	missing := fieldError(field, "forms.import.file")
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, missing
	}
	f, err := r.MultipartForm.File[field][0].Open()
	if err != nil {
		return nil, missing
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, forms.MaxDefinitionBytes+1))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return nil, missing
	}
	return data, nil
}

// formStepView is the data of the "form-step" partial: the fields of one step of
// a form, with their answers and errors, in Bootstrap Italia markup. The page
// around it provides the <form> (method post, enctype multipart/form-data), the
// CSRF token, the step title and the navigation buttons (_nav=back|next|save).
//
// Inputs are named by field path (see forms.Decode) and have the id
// "field-<path>"; an error shows under its field with the id "field-<path>-error",
// so the error summary can link to "#field-<path>". Optional fields say so in their
// label; required ones carry aria-required (never the required attribute: the
// browser must not block "save" or the group buttons). Groups post "_add" and
// "_remove" buttons; when a step has them, the partial starts with a hidden
// "next" button so that Enter in a text box still means "next".
type formStepView struct {
	Def    *forms.Definition
	Step   *forms.Step
	Values forms.Values
	Errors forms.Errors
	Lang   string
	Action string
	Steps  []*forms.Step // the visible steps (for a step indicator)
	Index  int           // the step's position in Steps
	// Posted, when set, is the post that failed: its inputs are shown as typed
	// (Values only holds what decoded).
	Posted url.Values
	// Preview shows every field, whatever the conditions (back-office preview).
	Preview bool
	// IDPrefix is put before the ids (several steps previewed on one page).
	IDPrefix string
}

// formLocalizers translate the partial's texts in formStepView.Lang: the partial
// gets only the view, not the request.
var formLocalizers = sync.OnceValue(func() map[string]*i18n.Localizer {
	b, err := loadBundle()
	if err != nil {
		panic(err) // the catalogues are embedded and checked by the tests
	}
	return map[string]*i18n.Localizer{"it": i18n.NewLocalizer(b, "it"), "en": i18n.NewLocalizer(b, "en", "it")}
})

// T translates a key with optional "Name", value pairs.
func (v formStepView) T(key string, args ...any) string {
	loc, ok := formLocalizers()[v.Lang]
	if !ok {
		loc = formLocalizers()["it"]
	}
	return translate(loc, key, pairs(args), nil)
}

// fieldView is one field as the partial renders it.
type fieldView struct {
	Field       *forms.Field
	Type        string
	Path, ID    string
	Label, Help string
	CondHint    string // when a condition depends on an answer of the same step
	Optional    bool
	Value       string          // text inputs
	Options     []optionView    // select, radio, checkboxes, yesno
	Parts       []fieldView     // address
	Items       []groupItemView // group
	Count       int             // group: items posted as <path>._n
	CanAdd      bool
	Files       []fileView // files already attached
	FileHint    string
	Multiple    bool
	Accept      string
	Error       string // translated
	ErrorID     string
	HelpID      string
	DescribedBy string
	InputType   string
	InputMode   string
	Complete    string // autocomplete
	MaxLength   int
}

type optionView struct {
	Value, Label, ID string
	Checked          bool
}

type groupItemView struct {
	ID          string // "field-<group>.<index>"
	Title       string
	Fields      []fieldView
	RemoveValue string
}

type fileView struct {
	forms.FileRef
	RemoveID string
	Size     string
}

// HasButtons reports whether the step has group buttons (see formStepView).
func (v formStepView) HasButtons() bool {
	for _, f := range v.Step.Fields {
		if f.Type == forms.TypeGroup {
			return true
		}
	}
	return false
}

// Fields lists the step's fields to render, conditions applied: a field whose
// condition depends on an answer of the same step is always shown (there is no
// script to reveal it), with a hint saying when to answer.
func (v formStepView) Fields() []fieldView {
	posted := v.Posted
	if posted == nil {
		posted = v.Def.FormValues(v.Step, v.Values)
	}
	local := map[string]*forms.Field{}
	for _, f := range v.Step.Fields {
		local[f.Name] = f
	}
	var out []fieldView
	for _, f := range v.Step.Fields {
		if fv, ok := v.field(f, f.Name, posted, local, v.Values, nil); ok {
			out = append(out, fv)
		}
	}
	return out
}

// field builds the view of f at path. local are the fields whose answers are on
// this page (the step's, or the item's); item is the group item's answers.
func (v formStepView) field(f *forms.Field, path string, posted url.Values, local map[string]*forms.Field, top, item forms.Values) (fieldView, bool) {
	fv := fieldView{Field: f, Type: f.Type, Path: path, ID: v.IDPrefix + "field-" + path, Label: f.Label.In(v.Lang), Help: f.Help.In(v.Lang),
		Optional: !f.Required && f.HasValue() && f.Type != forms.TypeGroup}
	if f.When != nil && !v.Preview {
		if q := condLocal(f.When, local); q != nil {
			fv.CondHint = v.condHint(f.When, q)
		} else if !f.When.Eval(top, item) {
			return fv, false
		}
	} else if f.When != nil {
		fv.CondHint = v.condHint(f.When, condLocal(f.When, local))
	}
	fv.ErrorID, fv.HelpID = fv.ID+"-error", fv.ID+"-help"
	if code := v.Errors[path]; code != "" {
		fv.Error = v.T(code)
	}
	fv.Value = posted.Get(path)
	switch f.Type {
	case forms.TypeText, forms.TypeTextarea:
		fv.InputType, fv.MaxLength = "text", f.MaxLength
	case forms.TypeNumber:
		fv.InputType, fv.InputMode = "text", "decimal"
		if f.Decimals == 0 {
			fv.InputMode = "numeric"
		}
	case forms.TypeAmount:
		fv.InputType, fv.InputMode = "text", "decimal"
		if fv.Help == "" {
			fv.Help = v.T("forms.amount.hint")
		}
	case forms.TypeDate:
		fv.InputType, fv.InputMode = "text", "numeric"
		fv.Help = strings.TrimSpace(fv.Help + " " + v.T("forms.date.hint"))
	case forms.TypeEmail:
		fv.InputType, fv.Complete = "email", "email"
	case forms.TypePhone:
		fv.InputType, fv.Complete = "tel", "tel"
	case forms.TypeFiscalCode:
		fv.InputType, fv.MaxLength = "text", 22
	case forms.TypeVAT:
		fv.InputType, fv.InputMode, fv.MaxLength = "text", "numeric", 16
	case forms.TypeIBAN:
		fv.InputType, fv.MaxLength = "text", 45
	case forms.TypeSelect, forms.TypeRadio, forms.TypeCheckboxes:
		chosen := map[string]bool{}
		for _, s := range posted[path] {
			chosen[s] = true
		}
		for i, o := range f.Options {
			fv.Options = append(fv.Options, optionView{Value: o.Value, Label: o.Label.In(v.Lang), ID: optionID(fv.ID, i), Checked: chosen[o.Value]})
		}
	case forms.TypeYesNo:
		fv.Options = []optionView{{Value: "yes", Label: v.T("forms.yes"), ID: fv.ID, Checked: fv.Value == "yes"},
			{Value: "no", Label: v.T("forms.no"), ID: fv.ID + "-no", Checked: fv.Value == "no"}}
	case forms.TypeAddress:
		v.addressParts(&fv, f, posted)
	case forms.TypeFile:
		v.fileField(&fv, f, top, item)
	case forms.TypeGroup:
		v.group(&fv, f, posted, top)
	}
	switch f.Prefill {
	case "given_name":
		fv.Complete = "given-name"
	case "family_name":
		fv.Complete = "family-name"
	}
	var desc []string
	if fv.Help != "" || fv.CondHint != "" || fv.FileHint != "" {
		desc = append(desc, fv.HelpID)
	}
	if fv.Error != "" {
		desc = append(desc, fv.ErrorID)
	}
	fv.DescribedBy = strings.Join(desc, " ")
	return fv, true
}

func optionID(base string, i int) string {
	if i == 0 {
		return base // the first choice takes the field's id: the error summary links to it
	}
	return base + "-" + strconv.Itoa(i)
}

func (v formStepView) addressParts(fv *fieldView, f *forms.Field, posted url.Values) {
	complete := map[string]string{"street": "address-line1", "postcode": "postal-code", "municipality": "address-level2", "province": "address-level1"}
	if f.Prefill == "" {
		complete = map[string]string{}
	}
	maxLen := map[string]int{"street": 200, "number": 15, "postcode": 5, "municipality": 100, "province": 2}
	for _, part := range forms.AddressParts {
		p := fieldView{Type: "part", Path: fv.Path + "." + part, Label: v.T("forms.address." + part), Value: posted.Get(fv.Path + "." + part),
			InputType: "text", Complete: complete[part], MaxLength: maxLen[part]}
		p.ID = v.IDPrefix + "field-" + p.Path
		p.ErrorID = p.ID + "-error"
		if part == "postcode" {
			p.InputMode = "numeric"
		}
		if code := v.Errors[p.Path]; code != "" {
			p.Error = v.T(code)
			p.DescribedBy = p.ErrorID
		}
		fv.Parts = append(fv.Parts, p)
	}
}

func (v formStepView) fileField(fv *fieldView, f *forms.Field, top, item forms.Values) {
	var current []forms.FileRef
	if item != nil {
		current = forms.Files(item[f.Name])
	} else {
		current = forms.Files(top[f.Name])
	}
	for i, fr := range current {
		fv.Files = append(fv.Files, fileView{FileRef: fr, RemoveID: fv.ID + "-remove-" + strconv.Itoa(i), Size: humanSize(fr.Size)})
	}
	fv.Multiple = f.MaxFiles > 1
	fv.Accept = strings.Join(f.Accept, ",")
	var types []string
	for _, t := range f.Accept {
		types = append(types, mimeLabel(t))
	}
	fv.FileHint = v.T("forms.file.limits", "Types", strings.Join(types, ", "), "Size", humanSize(f.MaxBytes), "Count", f.MaxFiles)
}

// mimeLabel names a MIME type as people know it.
func mimeLabel(t string) string {
	switch t {
	case "application/pdf":
		return "PDF"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return "DOCX"
	case "application/vnd.oasis.opendocument.text":
		return "ODT"
	}
	return t
}

// humanSize writes a byte count as "10 MB", "512 KB".
func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

func (v formStepView) group(fv *fieldView, f *forms.Field, posted url.Values, top forms.Values) {
	items := forms.Items(top[f.Name])
	n := len(items)
	if s := posted.Get(fv.Path + "._n"); s != "" {
		if k, err := strconv.Atoi(s); err == nil {
			n = max(0, min(k, f.MaxItems))
		}
	}
	if n == 0 && f.MinItems > 0 {
		n = f.MinItems
	}
	if v.Preview {
		n = max(n, 1)
	}
	fv.Count, fv.CanAdd = n, n < f.MaxItems
	sub := map[string]*forms.Field{}
	for _, s := range f.Fields {
		sub[s.Name] = s
	}
	for i := range n {
		var it forms.Values
		if i < len(items) {
			it = items[i]
		}
		gi := groupItemView{ID: fv.ID + "." + strconv.Itoa(i), Title: fv.Label + " " + strconv.Itoa(i+1), RemoveValue: fv.Path + "." + strconv.Itoa(i)}
		for _, s := range f.Fields {
			if sv, ok := v.field(s, fv.Path+"."+strconv.Itoa(i)+"."+s.Name, posted, sub, top, it); ok {
				gi.Fields = append(gi.Fields, sv)
			}
		}
		fv.Items = append(fv.Items, gi)
	}
	fv.Help = strings.TrimSpace(fv.Help + " " + v.T("forms.group.limits", "Max", f.MaxItems))
}

// condLocal returns the first field on the page that the condition refers to, or
// nil when it refers only to answers of earlier pages.
func condLocal(c *forms.Cond, local map[string]*forms.Field) *forms.Field {
	if c == nil {
		return nil
	}
	if f, ok := local[c.Field]; ok && c.Field != "" {
		return f
	}
	for _, list := range [][]*forms.Cond{c.All, c.Any, {c.Not}} {
		for _, s := range list {
			if f := condLocal(s, local); f != nil {
				return f
			}
		}
	}
	return nil
}

// condHint says when a field applies: "answer only if you answered X to Q".
func (v formStepView) condHint(c *forms.Cond, q *forms.Field) string {
	if q == nil {
		return v.T("forms.cond.generic")
	}
	if c.Field != q.Name {
		return v.T("forms.cond.generic")
	}
	question := q.Label.In(v.Lang)
	switch {
	case c.Filled != nil:
		return v.T("forms.cond.filled", "Question", question)
	case c.Equals != nil || len(c.In) > 0:
		answers := c.In
		if c.Equals != nil {
			answers = []string{*c.Equals}
		}
		labels := make([]string, len(answers))
		for i, a := range answers {
			labels[i] = forms.DisplayValue(q, a, v.Lang)
			if q.Type == forms.TypeCheckboxes {
				labels[i] = forms.DisplayValue(q, []string{a}, v.Lang)
			}
		}
		or := " o "
		if v.Lang == "en" {
			or = " or "
		}
		return v.T("forms.cond.equals", "Question", question, "Answer", strings.Join(labels, or))
	}
	return v.T("forms.cond.generic")
}
