package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/blob"
	"piazza/internal/demo"
	"piazza/internal/forms"
	"piazza/internal/mail"
	"piazza/internal/protocol"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/upload"
)

// appsFormJSON is a small form with every kind of step the flow handles.
const appsFormJSON = `{"key": "prova", "title": "Prova", "steps": [
  {"id": "dati", "title": "Dati", "fields": [
    {"name": "given_name", "type": "text", "label": "Nome", "required": true, "prefill": "given_name"},
    {"name": "resident", "type": "yesno", "label": "Residente", "required": true}]},
  {"id": "fuori", "kind": "exit", "title": "Non fa per te", "intro": "Il servizio è per i residenti.", "when": {"field": "resident", "equals": "no"}},
  {"id": "allegati", "title": "Allegati", "fields": [
    {"name": "isee", "type": "file", "label": "ISEE", "required": true, "accept": ["application/pdf"], "maxBytes": 1048576}]},
  {"id": "dich", "kind": "declaration", "title": "Dichiarazioni", "intro": "Dichiaro il vero.", "fields": [
    {"name": "truthful", "type": "accept", "label": "Vero"}]}
]}`

// appsForms serves one definition as version 1 of every form.
type appsForms struct{ def *forms.Definition }

func (f appsForms) Live(ctx context.Context, tenantID int64, key string) (forms.Version, error) {
	return forms.Version{ID: 1, TenantID: tenantID, Key: key, Number: 1, Status: "live", Def: f.def}, nil
}

func (f appsForms) Version(ctx context.Context, tenantID, id int64) (forms.Version, error) {
	if id != 1 {
		return forms.Version{}, apperr.ErrNotFound
	}
	return f.Live(ctx, tenantID, "prova")
}

// cardsOf reads applications' cards from the services store.
type cardsOf struct{ db *store.DB }

func (c cardsOf) Card(ctx context.Context, tenantID int64, slug string) (applications.Card, error) {
	sc, err := c.db.CardBySlug(ctx, tenantID, slug)
	if err != nil {
		return applications.Card{}, err
	}
	if sc.Channel != services.ChannelOnline || sc.FormKey == "" {
		return applications.Card{}, apperr.ErrNotFound
	}
	return applications.Card{TenantID: sc.TenantID, ID: sc.ID, Slug: sc.Slug, Title: sc.Title, Category: sc.Category,
		OfficeID: sc.OfficeID, MaxResponseDays: sc.MaxResponseDays, AllowsWithdrawal: sc.AllowsWithdrawal, Business: sc.Business,
		AuthLevel: string(sc.AuthLevel), FormKey: sc.FormKey, MaxTotalBytes: int64(sc.MaxUploadMB) << 20}, nil
}

// appsEnv is a harness with the applications module, a card in each comune and
// three citizens: Mario and Lucia of Borgo, and Mario again in Marina.
type appsEnv struct {
	*harness
	card                  services.Card
	office                int64 // the card's office in Borgo
	mario, lucia, marinaM accounts.Citizen
}

func newAppsEnv(t *testing.T) *appsEnv {
	t.Helper()
	def, err := forms.Parse([]byte(appsFormJSON))
	if err != nil {
		t.Fatal(err)
	}
	mailer := NewMailer()
	h := newHarness(t, func(d *Deps) {
		db := d.DB.(*store.DB)
		d.Applications = applications.New(db, cardsOf{db}, appsForms{def}, protocol.NewRegister(db),
			upload.New(mustBlobs(t)), mailer, nil)
	})
	mailer.Bind(h.srv)
	e := &appsEnv{harness: h}
	for _, tn := range []int64{h.borgo.ID, h.marina.ID} {
		office := storetest.MustCreateOffice(t, h.db, tn, "Scuola")
		c := services.Card{TenantID: tn, Slug: "mensa", Title: "Mensa scolastica", Summary: "Iscrizione alla mensa.",
			Status: services.StatusActive, Category: "educazione-e-formazione", Topics: []string{"istruzione"},
			Audiences: []services.Audience{services.AudienceCitizens}, WhoFor: "Genitori", HowTo: "Online", Needed: "ISEE",
			Outcome: "Iscrizione", Timing: "30 giorni", Access: "SPID", Conditions: "Regolamento", OfficeID: office.ID,
			MaxResponseDays: 30, Channel: services.ChannelOnline, FormKey: "prova", AuthLevel: services.AuthSPID, AllowsWithdrawal: true}
		c.Normalize()
		if err := h.db.CreateCard(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
		if tn == h.borgo.ID {
			e.card, e.office = c, office.ID
		}
	}
	e.mario = storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	e.lucia = storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "BNCLCU85M41H501X", "Lucia", "Bianchi")
	e.marinaM = storetest.MustCreateCitizen(t, h.db, h.marina.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	h.db.UpdateCitizenProfile(context.Background(), h.borgo.ID, e.mario.ID, accounts.Profile{Email: "mario@example.it", Language: "it", NotifyEmail: true})
	return e
}

func mustBlobs(t *testing.T) blob.Store {
	b, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *appsEnv) citizen(host string, c accounts.Citizen) *client {
	cl := e.client(host)
	cl.signIn(session.Citizen, 0, c.ID)
	return cl
}

// postFiles sends a multipart form with files (field → name, content).
func (c *client) postFiles(path string, form url.Values, files map[string][2]string) *response {
	c.h.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf())
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		w, _ := mw.CreateFormFile(field, f[0])
		w.Write([]byte(f[1]))
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "http://"+c.host+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func wantStatus(t *testing.T, res *response, status int, what string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, status, clip(res.Body))
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000]
	}
	return s
}

var codeInURL = regexp.MustCompile(`/area-personale/pratiche/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/`)

func TestApplicationFillAndSubmit(t *testing.T) {
	e := newAppsEnv(t)
	host := "borgo.example.it"
	mario := e.citizen(host, e.mario)

	res := mario.get("/servizi/educazione-e-formazione/mensa/richiesta")
	wantStatus(t, res, http.StatusSeeOther, "start")
	loc := res.Header.Get("Location")
	m := codeInURL.FindStringSubmatch(loc)
	if m == nil || !strings.HasSuffix(loc, "/compila/dati") {
		t.Fatalf("start went to %q", loc)
	}
	code := m[1]
	base := "/area-personale/pratiche/" + code
	// Starting again resumes the same draft.
	if again := mario.get("/servizi/educazione-e-formazione/mensa/richiesta"); !strings.Contains(again.Header.Get("Location"), code) {
		t.Fatalf("second start went to %q", again.Header.Get("Location"))
	}
	if res := mario.get("/servizi/altra-categoria/mensa/richiesta"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong category: %d", res.StatusCode)
	}

	res = mario.get(base + "/compila/dati")
	wantStatus(t, res, http.StatusOK, "step 1")
	if !strings.Contains(res.Body, "Passo 1 di 3") || !strings.Contains(res.Body, `value="Mario"`) {
		t.Fatalf("step 1 without indicator or prefill:\n%s", clip(res.Body))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("Cache-Control %q", cc)
	}
	// Missing answer: the error is on its field and in the summary.
	res = mario.postFiles(base+"/compila/dati", url.Values{"given_name": {"Mario"}, "_nav": {"next"}}, nil)
	wantStatus(t, res, http.StatusUnprocessableEntity, "step 1 incomplete")
	if !strings.Contains(res.Body, `href="#field-resident"`) {
		t.Fatalf("no error summary link:\n%s", clip(res.Body))
	}
	// An answer that leads to the exit page.
	res = mario.postFiles(base+"/compila/dati", url.Values{"given_name": {"Mario"}, "resident": {"no"}, "_nav": {"next"}}, nil)
	wantStatus(t, res, http.StatusSeeOther, "exit")
	if res := mario.get(res.Header.Get("Location")); !strings.Contains(res.Body, "Il servizio è per i residenti.") {
		t.Fatalf("exit page:\n%s", clip(res.Body))
	}
	res = mario.postFiles(base+"/compila/dati", url.Values{"given_name": {"Mario"}, "resident": {"yes"}, "_nav": {"next"}}, nil)
	wantStatus(t, res, http.StatusSeeOther, "step 1")
	if loc := res.Header.Get("Location"); loc != base+"/compila/allegati" {
		t.Fatalf("step 1 went to %q", loc)
	}
	// A web page named like a PDF is refused on its field.
	res = mario.postFiles(base+"/compila/allegati", url.Values{"_nav": {"next"}}, map[string][2]string{"isee": {"isee.pdf", "<html><body>no</body></html>"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, "fake pdf")
	if !strings.Contains(res.Body, "conta il contenuto del file") {
		t.Fatalf("no type error:\n%s", clip(res.Body))
	}
	res = mario.postFiles(base+"/compila/allegati", url.Values{"_nav": {"save"}}, map[string][2]string{"isee": {"isee.pdf", "%PDF-1.4 isee"}})
	wantStatus(t, res, http.StatusSeeOther, "save draft")
	if res.Header.Get("Location") != appsBase {
		t.Fatalf("save went to %q", res.Header.Get("Location"))
	}
	list := mario.get(appsBase)
	if !strings.Contains(list.Body, "Mensa scolastica") || !strings.Contains(list.Body, "Riprendi") {
		t.Fatalf("list without the draft:\n%s", clip(list.Body))
	}
	res = mario.postFiles(base+"/compila/allegati", url.Values{"_nav": {"next"}}, nil)
	wantStatus(t, res, http.StatusSeeOther, "step 2 with the kept file")
	res = mario.postFiles(base+"/compila/dich", url.Values{"truthful": {"yes"}, "_nav": {"next"}}, nil)
	wantStatus(t, res, http.StatusSeeOther, "declaration")
	if loc := res.Header.Get("Location"); loc != base+"/riepilogo" {
		t.Fatalf("declaration went to %q", loc)
	}
	res = mario.get(base + "/riepilogo")
	wantStatus(t, res, http.StatusOK, "summary")
	for _, want := range []string{"Modifica", "isee.pdf", base + "/compila/allegati"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("summary without %q:\n%s", want, clip(res.Body))
		}
	}

	// Nobody else can see or touch it: another citizen of Borgo, the same person
	// in Marina.
	lucia := e.citizen(host, e.lucia)
	other := e.citizen("marina.example.it", e.marinaM)
	for _, c := range []*client{lucia, other} {
		for _, p := range []string{base, base + "/compila/dati", base + "/riepilogo", base + "/inviata", base + "/ricevuta.pdf"} {
			if res := c.get(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s GET %s: %d", c.host, p, res.StatusCode)
			}
		}
		for _, p := range []string{base + "/compila/dati", base + "/invia", base + "/elimina", base + "/messaggi", base + "/ritira", base + "/integrazione"} {
			if res := c.post(p, url.Values{"body": {"x"}, "_nav": {"next"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s POST %s: %d", c.host, p, res.StatusCode)
			}
		}
	}
	if res := lucia.get(appsBase); strings.Contains(res.Body, code) {
		t.Fatal("Lucia's list shows Mario's application")
	}

	res = mario.post(base+"/invia", nil)
	wantStatus(t, res, http.StatusSeeOther, "submit")
	if loc := res.Header.Get("Location"); loc != base+"/inviata" {
		t.Fatalf("submit went to %q", loc)
	}
	res = mario.get(base + "/inviata")
	wantStatus(t, res, http.StatusOK, "receipt page")
	if !regexp.MustCompile(`0000001/\d{4}`).MatchString(res.Body) || !strings.Contains(res.Body, code) || !strings.Contains(res.Body, "ricevuta.pdf") {
		t.Fatalf("receipt page:\n%s", clip(res.Body))
	}
	pdf := mario.get(base + "/ricevuta.pdf")
	if pdf.StatusCode != http.StatusOK || !strings.HasPrefix(pdf.Body, "%PDF") || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("receipt PDF: %d %q", pdf.StatusCode, pdf.Header.Get("Content-Type"))
	}
	// Submitted: the steps are closed, the detail shows the history.
	if res := mario.get(base + "/compila/dati"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base {
		t.Fatalf("step after submission: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := mario.post(base+"/invia", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base {
		t.Fatalf("second submission: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res = mario.get(base)
	wantStatus(t, res, http.StatusOK, "detail")
	for _, want := range []string{"Protocollata", "Inviata", "isee.pdf", "Ritira"} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("detail without %q:\n%s", want, clip(res.Body))
		}
	}
	// The attachment downloads with its sniffed type; another citizen gets 404.
	a, _ := e.srv.Applications.Mine(context.Background(), e.borgo.ID, person(&e.mario), code)
	d, _ := e.srv.Applications.Detail(context.Background(), a, false)
	if len(d.Files) != 1 {
		t.Fatalf("files = %+v", d.Files)
	}
	if res := mario.get(base + "/documenti/" + d.Files[0].PublicID); res.StatusCode != http.StatusOK || res.Body != "%PDF-1.4 isee" ||
		res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res := lucia.get(base + "/documenti/" + d.Files[0].PublicID); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Lucia downloads Mario's file: %d", res.StatusCode)
	}
	// Messages: an empty one is refused on its field.
	if res := mario.post(base+"/messaggi", url.Values{"body": {"  "}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `href="#body"`) {
		t.Fatalf("empty message: %d", res.StatusCode)
	}
	if res := mario.post(base+"/messaggi", url.Values{"body": {"Quando inizia la mensa?"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("message: %d", res.StatusCode)
	}
	if res := mario.get(base); !strings.Contains(res.Body, "Quando inizia la mensa?") {
		t.Fatal("message not shown")
	}
	// The receipt email: the notice job writes it with the PDF attached.
	notices, mails := e.drainJobs(t)
	if notices != 1 {
		t.Fatalf("%d notice jobs", notices)
	}
	if len(mails) != 1 || !strings.Contains(mails[0], "ricevuta") || !strings.Contains(mails[0], `"attachments"`) {
		t.Fatalf("mails = %v", mails)
	}
	// Withdrawal closes it and tells the citizen.
	if res := mario.post(base+"/ritira", url.Values{"reason": {"Ho cambiato idea"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", res.StatusCode)
	}
	if res := mario.get(base); !strings.Contains(res.Body, "Ritirata") || strings.Contains(res.Body, `action="`+base+`/ritira"`) {
		t.Fatalf("after withdrawal:\n%s", clip(res.Body))
	}
	if n, mails := e.drainJobs(t); n != 1 || len(mails) != 1 || !strings.Contains(mails[0], "Ritirata") {
		t.Fatalf("%d notices after withdrawal: %v", n, mails)
	}
}

func TestApplicationDraftDelete(t *testing.T) {
	e := newAppsEnv(t)
	mario := e.citizen("borgo.example.it", e.mario)
	loc := mario.get("/servizi/educazione-e-formazione/mensa/richiesta").Header.Get("Location")
	code := codeInURL.FindStringSubmatch(loc)[1]
	lucia := e.citizen("borgo.example.it", e.lucia)
	if res := lucia.post(appsBase+"/"+code+"/elimina", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Lucia deletes Mario's draft: %d", res.StatusCode)
	}
	if res := mario.post(appsBase+"/"+code+"/elimina", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if res := mario.get(appsBase + "/" + code); res.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted draft: %d", res.StatusCode)
	}
	// Not signed in: the sign-in page, never the application.
	anon := e.client("borgo.example.it")
	if res := anon.get(appsBase); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/accedi") {
		t.Fatalf("anonymous list: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// drainJobs runs the pending jobs: application notices through the mailer, and
// returns how many there were and the payloads of the mail they wrote.
func (e *appsEnv) drainJobs(t *testing.T) (notices int, mails []string) {
	t.Helper()
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		list, err := e.db.ClaimJobs(ctx, "test", 100, time.Minute, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range list {
			switch j.Kind {
			case ApplicationNoticeJob:
				notices++
				if err := e.srv.Mailer().ApplicationNotice(ctx, j); err != nil {
					t.Fatalf("notice: %v", err)
				}
			case mail.JobKind:
				mails = append(mails, string(j.Payload))
			}
			e.db.CompleteJob(ctx, j.ID, time.Now())
		}
	}
	return notices, mails
}

// keyedForms serves each demo form as its live version (ids 1, 2, …).
type keyedForms struct {
	keys []string
	defs map[string]*forms.Definition
}

func (f keyedForms) Live(ctx context.Context, tenantID int64, key string) (forms.Version, error) {
	for i, k := range f.keys {
		if k == key {
			return forms.Version{ID: int64(i + 1), TenantID: tenantID, Key: key, Number: 1, Status: "live", Def: f.defs[key]}, nil
		}
	}
	return forms.Version{}, apperr.ErrNotFound
}

func (f keyedForms) Version(ctx context.Context, tenantID, id int64) (forms.Version, error) {
	if id < 1 || int(id) > len(f.keys) {
		return forms.Version{}, apperr.ErrNotFound
	}
	return f.Live(ctx, tenantID, f.keys[id-1])
}

// TestApplicationDemoFormsRender opens every step of every demo form, and its
// summary, through the fill pages.
func TestApplicationDemoFormsRender(t *testing.T) {
	e := newAppsEnv(t)
	ctx := context.Background()
	kf := keyedForms{defs: map[string]*forms.Definition{}}
	for key, data := range demo.Forms() {
		def, err := forms.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		kf.keys = append(kf.keys, key)
		kf.defs[key] = def
		c := e.card
		c.ID, c.Slug, c.FormKey = 0, key, key
		if err := e.db.CreateCard(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.Applications = applications.New(e.db, cardsOf{e.db}, kf, protocol.NewRegister(e.db), upload.New(mustBlobs(t)), e.srv.Mailer(), nil)
	mario := e.citizen("borgo.example.it", e.mario)
	for _, key := range kf.keys {
		loc := mario.get("/servizi/educazione-e-formazione/" + key + "/richiesta").Header.Get("Location")
		m := codeInURL.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("%s: start went to %q", key, loc)
		}
		for _, st := range kf.defs[key].Steps {
			res := mario.get("/area-personale/pratiche/" + m[1] + "/compila/" + st.ID)
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s step %s: %d\n%s", key, st.ID, res.StatusCode, clip(res.Body))
			}
		}
		if res := mario.get("/area-personale/pratiche/" + m[1] + "/riepilogo"); res.StatusCode != http.StatusOK {
			t.Errorf("%s summary: %d", key, res.StatusCode)
		}
		// An empty post of the first step shows the errors, never a 500.
		first := kf.defs[key].Steps[0].ID
		if res := mario.postFiles("/area-personale/pratiche/"+m[1]+"/compila/"+first, url.Values{"_nav": {"next"}}, nil); res.StatusCode >= 500 {
			t.Errorf("%s empty post: %d", key, res.StatusCode)
		}
	}
}

// TestApplicationDoubleSubmit sends the same draft twice at once: one submission
// is registered, the other is refused, and no protocol number is lost.
func TestApplicationDoubleSubmit(t *testing.T) {
	e := newAppsEnv(t)
	ctx := context.Background()
	mario := e.citizen("borgo.example.it", e.mario)
	code := e.submittedDraft(t, mario)
	svc := e.srv.Applications
	p := person(&e.mario)
	a, err := svc.Mine(ctx, e.borgo.ID, p, code)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := svc.Submit(ctx, a, p, applications.Company{})
			errs <- err
		}()
	}
	var failed int
	for range 2 {
		if err := <-errs; err != nil {
			if !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("second submission: %v", err)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d submissions refused, want 1", failed)
	}
	d, _ := svc.Detail(ctx, a, false)
	if len(d.Submissions) != 1 || !strings.HasPrefix(d.Submissions[0].ProtocolNumber, "0000001/") {
		t.Fatalf("submissions = %+v", d.Submissions)
	}
	// The next registration takes the next number: none was used by the refused one.
	next := e.submitted(t, mario)
	b, _ := svc.Mine(ctx, e.borgo.ID, p, next)
	if !strings.HasPrefix(b.ProtocolNumber, "0000002/") {
		t.Fatalf("next protocol number %s, want 0000002", b.ProtocolNumber)
	}
}

func TestApplicationNeedsItsIdentityLevel(t *testing.T) {
	e := newAppsEnv(t)
	c := e.card
	c.AuthLevel = services.AuthHigh
	if err := e.db.UpdateCard(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	mario := e.citizen("borgo.example.it", e.mario) // signed in without a level
	if res := mario.get("/servizi/educazione-e-formazione/mensa/richiesta"); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "livello 3") {
		t.Fatalf("level-3 service with a lower sign-in: %d", res.StatusCode)
	}
}
