package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"piazza/internal/applications"
	"piazza/internal/forms"
	"piazza/internal/protocol"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/upload"
)

// TestAttachmentKeptAcrossDraftSave: with a repeatable group whose items have a
// (hidden) file question, a conditional attachment uploaded with "Salva bozza" is
// still there after resuming, moving on and submitting — the group's items are not
// taken for file references.
func TestAttachmentKeptAcrossDraftSave(t *testing.T) {
	def, err := forms.Parse([]byte(`{"key": "prova", "title": "Prova", "steps": [
	  {"id": "figli", "title": "Figli", "fields": [
	    {"name": "children", "type": "group", "label": "Figli", "minItems": 1, "maxItems": 4, "fields": [
	      {"name": "given_name", "type": "text", "label": "Nome", "required": true},
	      {"name": "special_diet", "type": "yesno", "label": "Dieta", "required": true},
	      {"name": "medical_certificate", "type": "file", "label": "Certificato", "required": true, "accept": ["application/pdf"], "when": {"field": "special_diet", "equals": "yes"}}
	    ]}
	  ]},
	  {"id": "tariffa", "title": "Tariffa", "fields": [
	    {"name": "has_isee", "type": "yesno", "label": "ISEE?", "required": true},
	    {"name": "isee", "type": "amount", "label": "ISEE", "required": true, "when": {"field": "has_isee", "equals": "yes"}},
	    {"name": "isee_attestation", "type": "file", "label": "Attestazione", "required": true, "accept": ["application/pdf"], "maxBytes": 1048576, "when": {"field": "has_isee", "equals": "yes"}}
	  ]},
	  {"id": "dich", "kind": "declaration", "title": "Dichiarazione", "intro": "Dichiaro.", "fields": [{"name": "truthful", "type": "accept", "label": "Sì"}]}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	mailer := NewMailer()
	h := newHarness(t, func(d *Deps) {
		db := d.DB.(*store.DB)
		d.Applications = applications.New(db, cardsOf{db}, appsForms{def}, protocol.NewRegister(db), upload.New(mustBlobs(t)), mailer, nil)
	})
	mailer.Bind(h.srv)
	office := storetest.MustCreateOffice(t, h.db, h.borgo.ID, "Scuola")
	c := services.Card{TenantID: h.borgo.ID, Slug: "mensa", Title: "Mensa", Summary: "Iscrizione.", Status: services.StatusActive,
		Category: "educazione-e-formazione", Topics: []string{"istruzione"}, Audiences: []services.Audience{services.AudienceCitizens},
		WhoFor: "Genitori", HowTo: "Online", Needed: "ISEE", Outcome: "Iscrizione", Timing: "30 giorni", Access: "SPID",
		Conditions: "Regolamento", OfficeID: office.ID, MaxResponseDays: 30, Channel: services.ChannelOnline, FormKey: "prova"}
	c.Normalize()
	if err := h.db.CreateCard(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	mario := storetest.MustCreateCitizen(t, h.db, h.borgo.ID, "RSSMRA80A01H501U", "Mario", "Rossi")
	cl := h.client(borgo)
	cl.signIn(session.Citizen, 0, mario.ID)
	res := cl.get("/servizi/educazione-e-formazione/mensa/richiesta")
	base := strings.TrimSuffix(res.Header.Get("Location"), "/compila/figli")
	fp := cl.get(base + "/compila/figli")
	ff := url.Values{"_add": {"children"}, "children.0.given_name": {"Luca"}, "children.0.special_diet": {"no"}}
	for _, m := range hiddenInputs(fp.Body) {
		ff.Add(m[0], m[1])
	}
	cl.postFiles(base+"/compila/figli", ff, map[string][2]string{"children.0.medical_certificate": {"", ""}})
	fp = cl.get(base + "/compila/figli")
	ff = url.Values{"_nav": {"next"}, "children.0.given_name": {"Luca"}, "children.0.special_diet": {"no"}, "children.1.given_name": {"Giulia"}, "children.1.special_diet": {"no"}}
	for _, m := range hiddenInputs(fp.Body) {
		ff.Add(m[0], m[1])
	}
	if r := cl.postFiles(base+"/compila/figli", ff, map[string][2]string{"children.0.medical_certificate": {"", ""}, "children.1.medical_certificate": {"", ""}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("children: %d %s", r.StatusCode, clip(r.Body))
	}
	res = cl.postFiles(base+"/compila/tariffa", url.Values{"has_isee": {"yes"}, "isee": {"12.500,00"}, "_nav": {"save"}}, map[string][2]string{"isee_attestation": {"isee.pdf", "%PDF-1.4 isee"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	page := cl.get(base + "/compila/tariffa")
	// Post the page back as a browser does: every input as rendered, the file input empty.
	form := url.Values{"_nav": {"next"}, "has_isee": {"yes"}, "isee": {"12.500,00"}}
	for _, m := range hiddenInputs(page.Body) {
		form.Add(m[0], m[1])
	}
	res = cl.postFiles(base+"/compila/tariffa", form, map[string][2]string{"isee_attestation": {"", ""}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("next: %d\n%s", res.StatusCode, clip(res.Body))
	}
	cl.postFiles(base+"/compila/dich", url.Values{"truthful": {"yes"}, "_nav": {"next"}}, nil)
	res = cl.post(base+"/invia", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", res.StatusCode, clip(res.Body))
	}
}

func hiddenInputs(body string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(body, `<input type="hidden" name="`)[1:] {
		name, rest, _ := strings.Cut(part, `"`)
		_, rest, _ = strings.Cut(rest, `value="`)
		value, _, _ := strings.Cut(rest, `"`)
		if name != "csrf" {
			out = append(out, [2]string{name, value})
		}
	}
	return out
}
