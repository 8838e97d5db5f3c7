package applications

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"piazza/internal/apperr"
	"piazza/internal/fiscalcode"
	"piazza/internal/forms"
	"piazza/internal/protocol"
	"piazza/internal/upload"
)

// Card is what applications need of a service card.
type Card struct {
	TenantID, ID     int64
	Slug, Title      string
	Category         string
	OfficeID         int64
	MaxResponseDays  int
	AllowsWithdrawal bool
	Business         bool
	AuthLevel        string
	FormKey          string
	MaxTotalBytes    int64 // every attachment of one application; 0: upload.DefaultMaxTotal
}

// Cards finds the service cards citizens apply to.
type Cards interface {
	// Card returns the tenant's card with that slug when it is published, active and
	// an online service with a form; NotFound otherwise.
	Card(ctx context.Context, tenantID int64, slug string) (Card, error)
}

// Forms gives the form versions applications are filled against.
type Forms interface {
	// Live returns the live version of a form; NotFound if it has none.
	Live(ctx context.Context, tenantID int64, key string) (forms.Version, error)
	// Version returns one version by id.
	Version(ctx context.Context, tenantID, versionID int64) (forms.Version, error)
}

// Notifier tells the applicant about their application: the receipt after the
// submission and every later change of status. It is called inside the
// transaction of the change and must only enqueue (a job), never send.
type Notifier interface {
	ApplicationEvent(ctx context.Context, a Application, e Event) error
}

// Store is what the service needs from the database (*store.DB implements it).
// Every method joins the transaction carried by ctx.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	CreateApplication(ctx context.Context, a *Application, answers []byte) error
	Application(ctx context.Context, tenantID, id int64) (Application, error)
	ApplicationByCode(ctx context.Context, tenantID int64, code string) (Application, error)
	CitizenApplications(ctx context.Context, tenantID, citizenID int64) ([]Application, error)
	CitizenDraft(ctx context.Context, tenantID, citizenID, cardID int64) (Application, error)
	ApplicationDraft(ctx context.Context, tenantID, applicationID int64) (DraftAnswers, error)
	SaveApplicationDraft(ctx context.Context, tenantID, applicationID int64, answers []byte, step string) error
	DropApplicationDraft(ctx context.Context, tenantID, applicationID int64) error
	DeleteDraftApplication(ctx context.Context, tenantID, id int64) ([]string, error)
	PruneApplicationDrafts(ctx context.Context, before time.Time) (int, []string, error)
	AddApplicationFile(ctx context.Context, f *File) error
	ApplicationFiles(ctx context.Context, tenantID, applicationID int64) ([]File, error)
	ApplicationFile(ctx context.Context, tenantID, applicationID int64, publicID string) (File, error)
	DeleteDraftFile(ctx context.Context, tenantID, applicationID int64, publicID string) error
	InsertApplicationSubmission(ctx context.Context, s *Submission, fileIDs []string) error
	// RecordSubmission stores, all or nothing, a submitted leg with its files, the
	// application's new state (provided its status is still from), the end of its
	// draft and its history entries (setting their ids).
	RecordSubmission(ctx context.Context, s *Submission, fileIDs []string, a *Application, from Status, events []Event) error
	ApplicationSubmissions(ctx context.Context, tenantID, applicationID int64) ([]Submission, error)
	UpdateApplication(ctx context.Context, a *Application, from Status) error
	AppendApplicationEvent(ctx context.Context, e *Event) error
	ApplicationEvents(ctx context.Context, tenantID, applicationID int64) ([]Event, error)
	AddApplicationMessage(ctx context.Context, m *Message) error
	ApplicationMessages(ctx context.Context, tenantID, applicationID int64, withInternal bool) ([]Message, error)
	ApplicationQueue(ctx context.Context, tenantID int64, q Query) ([]Application, error)
}

// Files stores uploaded files.
type Files interface {
	Accept(ctx context.Context, tenantID int64, field, name string, data []byte, r upload.Rules) (upload.File, error)
	Store(ctx context.Context, tenantID int64, name, typ string, data []byte) (upload.File, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// Person is the signed-in citizen acting on their applications.
type Person struct {
	CitizenID  int64
	GivenName  string
	FamilyName string
	FiscalCode string
	Email      string
	Phone      string
	Address    string
}

// Name is the person's full name.
func (p Person) Name() string { return strings.TrimSpace(p.GivenName + " " + p.FamilyName) }

// Service runs the use cases of applications.
type Service struct {
	store  Store
	cards  Cards
	forms  Forms
	reg    protocol.Register
	files  Files
	notify Notifier
	now    func() time.Time

	// versions caches the parsed form versions applications are filled against:
	// a published version never changes, and parsing a definition on every step
	// and submission would cost more than the rest of the request.
	mu       sync.Mutex
	versions map[versionKey]forms.Version
}

type versionKey struct{ tenantID, id int64 }

// maxCachedVersions bounds the cache; when full it starts again.
const maxCachedVersions = 512

// New returns the applications module.
func New(st Store, cards Cards, fm Forms, reg protocol.Register, files Files, notify Notifier, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, cards: cards, forms: fm, reg: reg, files: files, notify: notify, now: now,
		versions: map[versionKey]forms.Version{}}
}

// Card returns a card citizens can apply to (see Cards).
func (s *Service) Card(ctx context.Context, tenantID int64, slug string) (Card, error) {
	return s.cards.Card(ctx, tenantID, slug)
}

// Start returns the citizen's draft for the card, creating it (against the form's
// live version, prefilled once from the citizen's profile) if there is none.
func (s *Service) Start(ctx context.Context, card Card, p Person) (Application, error) {
	a, err := s.store.CitizenDraft(ctx, card.TenantID, p.CitizenID, card.ID)
	if err == nil || !apperr.Is(err, apperr.NotFound) {
		return a, err
	}
	v, err := s.forms.Live(ctx, card.TenantID, card.FormKey)
	if err != nil {
		return Application{}, err
	}
	answers, err := json.Marshal(v.Def.Prefill(forms.Profile{FiscalCode: p.FiscalCode, GivenName: p.GivenName,
		FamilyName: p.FamilyName, Email: p.Email, Phone: p.Phone, Address: p.Address}))
	if err != nil {
		return Application{}, err
	}
	a = Application{TenantID: card.TenantID, CardID: card.ID, CardSlug: card.Slug, CardTitle: card.Title, Category: card.Category,
		FormKey: card.FormKey, FormVersionID: v.ID, Status: Draft, OfficeID: card.OfficeID, MaxResponseDays: card.MaxResponseDays,
		AllowsWithdrawal: card.AllowsWithdrawal,
		Applicant:        Applicant{CitizenID: p.CitizenID, Name: p.Name(), FiscalCode: p.FiscalCode, Email: p.Email}}
	for range 5 {
		if a.Code, err = NewCode(); err != nil {
			return Application{}, err
		}
		if err = s.store.CreateApplication(ctx, &a, answers); !apperr.Is(err, apperr.Conflict) {
			break
		}
	}
	return a, err
}

// Mine returns the citizen's application with that code; NotFound when it is not
// theirs (the same answer as for a code that does not exist).
func (s *Service) Mine(ctx context.Context, tenantID int64, p Person, code string) (Application, error) {
	code = NormalizeCode(code)
	if code == "" {
		return Application{}, apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	a, err := s.store.ApplicationByCode(ctx, tenantID, code)
	if err != nil {
		return Application{}, err
	}
	if a.Applicant.CitizenID != p.CitizenID {
		return Application{}, apperr.E(apperr.NotFound, "apps.err.not_found")
	}
	return a, nil
}

// List returns the citizen's applications, drafts included.
func (s *Service) List(ctx context.Context, tenantID int64, p Person) ([]Application, error) {
	return s.store.CitizenApplications(ctx, tenantID, p.CitizenID)
}

// Form returns the form version an application is filled against.
func (s *Service) Form(ctx context.Context, a Application) (forms.Version, error) {
	k := versionKey{a.TenantID, a.FormVersionID}
	s.mu.Lock()
	v, ok := s.versions[k]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := s.forms.Version(ctx, a.TenantID, a.FormVersionID)
	if err != nil || v.Status == forms.StatusDraft {
		return v, err
	}
	s.mu.Lock()
	if len(s.versions) >= maxCachedVersions {
		clear(s.versions)
	}
	s.versions[k] = v
	s.mu.Unlock()
	return v, nil
}

// Answers returns the answers being edited (the draft, or an integration being
// prepared) and whether they are a draft; otherwise the last submitted answers.
func (s *Service) Answers(ctx context.Context, a Application) (forms.Values, bool, error) {
	d, err := s.store.ApplicationDraft(ctx, a.TenantID, a.ID)
	if err == nil {
		v, err := decodeValues(d.Answers)
		return v, true, err
	}
	if !apperr.Is(err, apperr.NotFound) {
		return nil, false, err
	}
	subs, err := s.store.ApplicationSubmissions(ctx, a.TenantID, a.ID)
	if err != nil || len(subs) == 0 {
		return forms.Values{}, false, err
	}
	v, err := decodeValues(subs[len(subs)-1].Answers)
	return v, false, err
}

func decodeValues(b []byte) (forms.Values, error) {
	v := forms.Values{}
	if len(b) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("applications: stored answers: %w", err)
	}
	return v, nil
}

// Editable reports whether the citizen can change the answers now: a draft, or an
// application whose office asked for an integration.
func Editable(a Application) bool {
	return a.Status == Draft || a.Status == IntegrationRequested
}

// Upload is one file part a citizen sent for a field.
type Upload struct {
	Field string // the field path
	Name  string
	Data  []byte
}

// SaveStep decodes one step of the form from a post (with its new uploads) on top
// of the answers so far and saves the result as the draft, with nextStep as the
// step to resume from. Field errors are returned as forms.Errors; the draft is
// saved anyway, so nothing typed is lost. Uploads that fail their checks are
// reported on their field and not stored.
func (s *Service) SaveStep(ctx context.Context, a Application, step *forms.Step, post map[string][]string, uploads []Upload, nextStep string) (forms.Values, forms.Errors, error) {
	if !Editable(a) {
		return nil, nil, apperr.E(apperr.Conflict, "apps.err.not_editable")
	}
	v, err := s.Form(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	prev, _, err := s.Answers(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	errs := forms.Errors{}
	files, err := s.accept(ctx, a, v.Def, uploads, errs)
	if err != nil {
		return nil, nil, err
	}
	values, derrs := v.Def.Decode(step, post, files, prev)
	for k, m := range derrs {
		if _, ok := errs[k]; !ok {
			errs[k] = m
		}
	}
	if err := s.saveDraft(ctx, a, values, nextStep); err != nil {
		return nil, nil, err
	}
	return values, errs, nil
}

// SaveAnswers saves answers as the draft without decoding (e.g. the step reached).
func (s *Service) saveDraft(ctx context.Context, a Application, values forms.Values, step string) error {
	b, err := json.Marshal(values)
	if err != nil {
		return err
	}
	return s.store.SaveApplicationDraft(ctx, a.TenantID, a.ID, b, step)
}

// fieldFor finds the definition of a file field by its path ("children.1.cert").
func fieldFor(def *forms.Definition, path string) *forms.Field {
	parts := strings.Split(path, ".")
	var fields []*forms.Field
	for _, st := range def.Steps {
		fields = append(fields, st.Fields...)
	}
	var f *forms.Field
	for i := 0; i < len(parts); i++ {
		f = nil
		for _, x := range fields {
			if x.Name == parts[i] {
				f = x
				break
			}
		}
		if f == nil {
			return nil
		}
		if f.Type == forms.TypeGroup {
			i++ // skip the item index
			fields = f.Fields
		}
	}
	if f == nil || f.Type != forms.TypeFile {
		return nil
	}
	return f
}

// accept checks and stores new uploads, records them as draft files and returns
// their references by field path. Refused uploads become errors on their field.
func (s *Service) accept(ctx context.Context, a Application, def *forms.Definition, uploads []Upload, errs forms.Errors) (map[string][]forms.FileRef, error) {
	if len(uploads) == 0 {
		return nil, nil
	}
	card, err := s.cards.Card(ctx, a.TenantID, a.CardSlug)
	if err != nil {
		return nil, err
	}
	remaining := card.MaxTotalBytes
	if remaining <= 0 {
		remaining = upload.DefaultMaxTotal
	}
	existing, err := s.store.ApplicationFiles(ctx, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range existing {
		if f.Kind == FileAttachment {
			remaining -= f.Size
		}
	}
	out := map[string][]forms.FileRef{}
	for _, u := range uploads {
		f := fieldFor(def, u.Field)
		if f == nil {
			continue
		}
		if _, bad := errs[u.Field]; bad {
			continue
		}
		up, err := s.files.Accept(ctx, a.TenantID, u.Field, u.Name, u.Data, upload.Rules{Accept: f.Accept, MaxBytes: f.MaxBytes, Remaining: remaining})
		if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid && len(e.Fields) > 0 {
			errs[u.Field] = StepCode(e.Fields[0].Code)
			continue
		}
		if err != nil {
			return nil, err
		}
		rec := File{TenantID: a.TenantID, ApplicationID: a.ID, PublicID: up.ID, Kind: FileAttachment, Field: u.Field,
			Name: up.Name, Type: up.Type, Size: up.Size, SHA256: up.SHA256, BlobKey: up.Key}
		if err := s.store.AddApplicationFile(ctx, &rec); err != nil {
			s.files.Delete(ctx, up.Key)
			return nil, err
		}
		remaining -= up.Size
		out[u.Field] = append(out[u.Field], forms.FileRef{ID: up.ID, Name: up.Name, Type: up.Type, SHA256: up.SHA256, Size: up.Size})
	}
	return out, nil
}

// SetStep records the step a draft is at, without changing its answers.
func (s *Service) SetStep(ctx context.Context, a Application, step string) error {
	values, _, err := s.Answers(ctx, a)
	if err != nil {
		return err
	}
	return s.saveDraft(ctx, a, values, step)
}

// DeleteDraft deletes one of the citizen's drafts and its files.
func (s *Service) DeleteDraft(ctx context.Context, a Application) error {
	if a.Status != Draft {
		return apperr.E(apperr.Conflict, "apps.err.not_draft")
	}
	keys, err := s.store.DeleteDraftApplication(ctx, a.TenantID, a.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.files.Delete(ctx, k)
	}
	return nil
}

// PruneDrafts deletes drafts untouched for DraftRetention, in every tenant, with
// their files; it returns how many.
func (s *Service) PruneDrafts(ctx context.Context) (int, error) {
	n, keys, err := s.store.PruneApplicationDrafts(ctx, s.now().Add(-DraftRetention))
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		s.files.Delete(ctx, k)
	}
	return n, nil
}

// ValidationError is returned by Submit when the answers are incomplete: the
// errors by field path and the first step that has one.
type ValidationError struct {
	Errors forms.Errors
	StepID string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("applications: %d answers to correct", len(e.Errors))
}

// Limits of the company data and of messages.
const (
	MaxCompanyName = 300
	MaxMessage     = 5000
	MaxReason      = 2000
)

// CheckCompany validates the company of a business application.
func CheckCompany(c Company) error {
	var v apperr.Validation
	name := strings.TrimSpace(c.Name)
	switch {
	case name == "":
		v.Add("company_name", "apps.err.company_name")
	case utf8.RuneCountInString(name) > MaxCompanyName:
		v.Add("company_name", "apps.err.too_long")
	}
	if !fiscalcode.ValidNumeric(strings.TrimSpace(c.VAT)) {
		v.Add("company_vat", "apps.err.company_vat")
	}
	if !c.LegalRep {
		v.Add("company_legal_rep", "apps.err.legal_rep")
	}
	return v.Err()
}

// Submit validates the whole answers against the application's form version and,
// in one protocol registration, stores the submission: the application is
// registered with the record's number and date, its files frozen, its history
// written and the receipt notice enqueued — or nothing is. A *ValidationError
// means answers to correct; Conflict that it is not a draft any more.
func (s *Service) Submit(ctx context.Context, a Application, p Person, company Company) (Application, error) {
	if a.Status != Draft {
		return a, apperr.E(apperr.Conflict, "apps.err.not_draft")
	}
	card, err := s.cards.Card(ctx, a.TenantID, a.CardSlug)
	if err != nil {
		return a, err
	}
	if card.Business {
		company.Name, company.VAT = strings.TrimSpace(company.Name), strings.ToUpper(strings.TrimSpace(company.VAT))
		if err := CheckCompany(company); err != nil {
			return a, err
		}
		a.Company = company
	}
	a.OfficeID, a.MaxResponseDays, a.AllowsWithdrawal = card.OfficeID, card.MaxResponseDays, card.AllowsWithdrawal
	return s.register(ctx, a, p, SubmissionFirst)
}

// register validates the draft answers and registers them as a submission leg
// (the application or an integration).
func (s *Service) register(ctx context.Context, a Application, p Person, kind string) (Application, error) {
	v, err := s.Form(ctx, a)
	if err != nil {
		return a, err
	}
	values, draft, err := s.Answers(ctx, a)
	if err != nil {
		return a, err
	}
	if !draft {
		return a, apperr.E(apperr.Conflict, "apps.err.not_editable")
	}
	if errs := v.Def.Validate(values); len(errs) > 0 {
		return a, &ValidationError{Errors: errs, StepID: firstStepWithError(v.Def, values, errs)}
	}
	answers, err := json.Marshal(values)
	if err != nil {
		return a, err
	}
	// Every file the answers point to must be one of this application's.
	files, err := s.store.ApplicationFiles(ctx, a.TenantID, a.ID)
	if err != nil {
		return a, err
	}
	byID := map[string]File{}
	for _, f := range files {
		byID[f.PublicID] = f
	}
	var docs []protocol.Document
	var ids []string
	for _, ref := range AllFiles(values) {
		f, ok := byID[ref.ID]
		if !ok {
			return a, apperr.E(apperr.Invalid, "apps.err.file_not_found")
		}
		docs = append(docs, protocol.Document{Name: f.Name, SHA256: f.SHA256, Size: f.Size})
		if f.SubmissionID == 0 {
			ids = append(ids, f.PublicID)
		}
	}
	subject := "Istanza: " + a.CardTitle + " (pratica " + a.Code + ")"
	from, to := Draft, Submitted
	if kind == SubmissionIntegration {
		subject = "Integrazione alla pratica " + a.Code + " (" + a.CardTitle + ")"
		from, to = IntegrationRequested, IntegrationSubmitted
	}
	correspondent := a.Applicant.Name + " (" + a.Applicant.FiscalCode + ")"
	if a.Company.Name != "" {
		correspondent = a.Company.Name + ", P.IVA " + a.Company.VAT + ", legale rappresentante " + correspondent
	}
	entry := protocol.Entry{Direction: protocol.In, Correspondent: correspondent, Subject: subject, Documents: docs, ApplicationID: a.ID}
	out := a
	_, err = s.reg.Register(ctx, a.TenantID, entry, func(ctx context.Context, r protocol.Record) error {
		next := a
		sub := Submission{TenantID: a.TenantID, ApplicationID: a.ID, Kind: kind, Answers: answers, FormVersionID: a.FormVersionID,
			ProtocolID: r.ID, ProtocolNumber: r.Signature(), At: r.At}
		who := Event{TenantID: a.TenantID, ApplicationID: a.ID, At: r.At, ActorKind: ActorCitizen, ActorID: p.CitizenID, ActorName: p.Name()}
		events := []Event{}
		if kind == SubmissionFirst {
			next.Status, next.ProtocolNumber, next.ProtocolAt, next.SubmittedAt = Registered, r.Signature(), r.At, r.At
			next.DueAt = DueAt(r.At, a.MaxResponseDays)
			e1, e2 := who, who
			e1.From, e1.To = from, to
			e2.ActorKind, e2.ActorID, e2.ActorName = ActorSystem, 0, ""
			e2.From, e2.To, e2.Note = Submitted, Registered, "Protocollo n. "+r.Signature()
			events = append(events, e1, e2)
		} else {
			next.Status = IntegrationSubmitted
			next.DueAt = Resume(a.DueAt, a.SuspendedAt, r.At)
			next.SuspendedAt = time.Time{}
			e := who
			e.From, e.To, e.Note = from, to, "Protocollo n. "+r.Signature()
			events = append(events, e)
		}
		if err := s.store.RecordSubmission(ctx, &sub, ids, &next, from, events); err != nil {
			return err
		}
		if s.notify != nil {
			if err := s.notify.ApplicationEvent(ctx, next, events[len(events)-1]); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return a, err
	}
	return out, nil
}

// firstStepWithError returns the id of the first visible step with an error.
func firstStepWithError(def *forms.Definition, v forms.Values, errs forms.Errors) string {
	if ex := def.Exit(v); ex != nil {
		return ex.ID // the answers lead out of the service
	}
	for _, st := range def.VisibleSteps(v) {
		for path := range errs {
			for _, f := range st.Fields {
				if path == f.Name || strings.HasPrefix(path, f.Name+".") {
					return st.ID
				}
			}
		}
	}
	if steps := def.VisibleSteps(v); len(steps) > 0 {
		return steps[0].ID
	}
	return ""
}

// AllFiles lists every file reference in the answers, groups included.
func AllFiles(v forms.Values) []forms.FileRef {
	var out []forms.FileRef
	var walk func(x any)
	walk = func(x any) {
		switch y := x.(type) {
		case forms.Values:
			for _, z := range y {
				walk(z)
			}
		case map[string]any:
			for _, z := range y {
				walk(z)
			}
		case []forms.FileRef:
			out = append(out, y...)
		case []forms.Values:
			for _, z := range y {
				walk(z)
			}
		case []any:
			// A list of file references, as stored JSON gives them back; a repeatable
			// group's items (maps too) are walked instead.
			if refs := forms.Files(y); len(refs) == len(y) && len(refs) > 0 && !slices.ContainsFunc(refs, func(r forms.FileRef) bool { return r.ID == "" || r.SHA256 == "" }) {
				out = append(out, refs...)
				return
			}
			for _, z := range y {
				walk(z)
			}
		}
	}
	walk(map[string]any(v))
	return out
}

// StartIntegration opens the citizen's answer to a request for integration: a draft
// copy of the last submitted answers to edit.
func (s *Service) StartIntegration(ctx context.Context, a Application) error {
	if a.Status != IntegrationRequested {
		return apperr.E(apperr.Conflict, "apps.err.not_editable")
	}
	if _, err := s.store.ApplicationDraft(ctx, a.TenantID, a.ID); err == nil {
		return nil
	}
	values, _, err := s.Answers(ctx, a)
	if err != nil {
		return err
	}
	return s.saveDraft(ctx, a, values, "")
}

// SubmitIntegration registers the citizen's answer to a request for integration,
// as incoming in the protocol; the decision term starts again where it stopped.
func (s *Service) SubmitIntegration(ctx context.Context, a Application, p Person) (Application, error) {
	if a.Status != IntegrationRequested {
		return a, apperr.E(apperr.Conflict, "apps.err.not_editable")
	}
	return s.register(ctx, a, p, SubmissionIntegration)
}

// Withdraw lets the citizen withdraw an open application when the service allows.
func (s *Service) Withdraw(ctx context.Context, a Application, p Person, reason string) (Application, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReason {
		return a, fieldError("reason", "apps.err.too_long")
	}
	if !CanMove(a.Status, Withdrawn, a.AllowsWithdrawal) {
		return a, apperr.E(apperr.Conflict, "apps.err.cannot_withdraw")
	}
	e := Event{TenantID: a.TenantID, ApplicationID: a.ID, ActorKind: ActorCitizen, ActorID: p.CitizenID, ActorName: p.Name(), Note: reason}
	return s.move(ctx, a, Withdrawn, e, func(n *Application) { n.DecidedAt = s.now() })
}

// move changes the status of an application, records the event and notifies the
// applicant, in one transaction.
func (s *Service) move(ctx context.Context, a Application, to Status, e Event, change func(*Application)) (Application, error) {
	next := a
	next.Status = to
	if change != nil {
		change(&next)
	}
	e.From, e.To = a.Status, to
	if e.At.IsZero() {
		e.At = s.now()
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateApplication(ctx, &next, a.Status); err != nil {
			return err
		}
		if err := s.store.AppendApplicationEvent(ctx, &e); err != nil {
			return err
		}
		if s.notify != nil && e.From != e.To {
			return s.notify.ApplicationEvent(ctx, next, e)
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	return next, nil
}

// Write adds a message of the citizen to the office.
func (s *Service) Write(ctx context.Context, a Application, p Person, body string) error {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return fieldError("body", "apps.err.message_empty")
	case utf8.RuneCountInString(body) > MaxMessage:
		return fieldError("body", "apps.err.too_long")
	case a.Status == Draft:
		return apperr.E(apperr.Conflict, "apps.err.not_submitted")
	}
	return s.store.AddApplicationMessage(ctx, &Message{TenantID: a.TenantID, ApplicationID: a.ID, AuthorKind: ActorCitizen,
		AuthorID: p.CitizenID, AuthorName: p.Name(), Body: body})
}

// Detail is everything a page shows about one application.
type Detail struct {
	Application Application
	Events      []Event
	Messages    []Message
	Files       []File
	Submissions []Submission
}

// Detail loads an application's history, messages (internal notes only when
// withInternal), files and submissions.
func (s *Service) Detail(ctx context.Context, a Application, withInternal bool) (Detail, error) {
	d := Detail{Application: a}
	var err error
	if d.Events, err = s.store.ApplicationEvents(ctx, a.TenantID, a.ID); err != nil {
		return d, err
	}
	if d.Messages, err = s.store.ApplicationMessages(ctx, a.TenantID, a.ID, withInternal); err != nil {
		return d, err
	}
	if d.Files, err = s.store.ApplicationFiles(ctx, a.TenantID, a.ID); err != nil {
		return d, err
	}
	d.Submissions, err = s.store.ApplicationSubmissions(ctx, a.TenantID, a.ID)
	return d, err
}

// FileData returns a file of the application and its bytes.
func (s *Service) FileData(ctx context.Context, a Application, publicID string) (File, []byte, error) {
	f, err := s.store.ApplicationFile(ctx, a.TenantID, a.ID, publicID)
	if err != nil {
		return f, nil, err
	}
	data, err := s.files.Get(ctx, f.BlobKey)
	return f, data, err
}

func fieldError(field, code string) error {
	var v apperr.Validation
	v.Add(field, code)
	return v.Err()
}

// ByID returns an application of the tenant (for jobs and the back office).
func (s *Service) ByID(ctx context.Context, tenantID, id int64) (Application, error) {
	return s.store.Application(ctx, tenantID, id)
}

// stepCodes are the upload errors as a form step shows them: its errors carry
// a message id without arguments.
var stepCodes = map[string]string{
	"apps.err.file_type":    "apps.err.upload_type",
	"apps.err.file_too_big": "apps.err.upload_size",
	"apps.err.file_total":   "apps.err.upload_total",
}

// StepCode turns an upload error code into the one a form step shows.
func StepCode(code string) string {
	if c, ok := stepCodes[code]; ok {
		return c
	}
	return code
}
