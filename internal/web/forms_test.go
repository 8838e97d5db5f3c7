package web

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"piazza/internal/audit"
	"piazza/internal/fiscalcode"
	"piazza/internal/forms"
)

func init() {
	foreignIDs["moduli"] = func(h *harness, fx boFixture) string {
		h.mustForm(h.marina.ID, "solo-marina", true)
		return "solo-marina"
	}
}

// testFormJSON is a small valid definition.
func testFormJSON(title string) []byte {
	return []byte(`{"title": "` + title + `", "steps": [{"id": "dati", "title": "Dati", "fields": [{"name": "nome", "type": "text", "label": "Nome del richiedente", "required": true}]}]}`)
}

// mustForm gives a tenant a form (published, or only a draft).
func (h *harness) mustForm(tenantID int64, key string, live bool) {
	h.t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	if _, err := h.srv.Forms.SaveDraft(ctx, tenantID, key, testFormJSON("Modulo "+key)); err != nil {
		h.t.Fatal(err)
	}
	if live {
		if _, err := h.srv.Forms.Publish(ctx, tenantID, key); err != nil {
			h.t.Fatal(err)
		}
	}
}

// postFile sends a multipart form with one file and a valid CSRF token.
func (c *client) postFile(path string, fields url.Values, field, filename string, data []byte) *response {
	c.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf", c.csrf())
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "http://"+c.host+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://"+c.host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestFormsBackoffice(t *testing.T) {
	h := newHarness(t)
	c := h.staff(borgo, "editor@borgo")

	r := c.get("/backoffice/moduli")
	if r.StatusCode != 200 || !strings.Contains(r.Body, "Non ci sono ancora moduli") || !strings.Contains(r.Body, `href="/backoffice/moduli"`) {
		t.Fatalf("empty list: %d", r.StatusCode)
	}
	// A bad key, then a good one.
	if r := c.post("/backoffice/moduli", url.Values{"key": {"Mensa Scolastica!"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "lettere minuscole") {
		t.Fatalf("bad key: %d", r.StatusCode)
	}
	r = c.post("/backoffice/moduli", url.Values{"key": {"mensa"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/backoffice/moduli/mensa" {
		t.Fatalf("create: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// The editor shows the skeleton, its preview and the history.
	r = c.get("/backoffice/moduli/mensa")
	for _, want := range []string{"Modulo creato", `id="json"`, "Chi presenta la domanda", `id="p1-field-given_name"`, "Passo 2: Dichiarazione",
		`id="p2-field-truthful"`, "Stai modificando la bozza (versione 1)", "Editor borgo"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("editor lacks %q", want)
		}
	}
	if r := c.post("/backoffice/moduli", url.Values{"key": {"mensa"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "Esiste già") {
		t.Fatalf("duplicate key: %d", r.StatusCode)
	}
	// Problems are listed with their line; the text stays as typed; nothing is saved.
	bad := "{\n  \"title\": \"Mensa\",\n  \"steps\": [\n    {\"id\": \"s\", \"title\": \"Passo\", \"fields\": [\n      {\"name\": \"x\", \"type\": \"colore\", \"label\": \"X\"}\n    ]}\n  ]\n}"
	r = c.post("/backoffice/moduli/mensa", url.Values{"json": {bad}})
	if r.StatusCode != 422 || !strings.Contains(r.Body, "Riga 5") || !strings.Contains(r.Body, "Tipo di campo «colore» sconosciuto") ||
		!strings.Contains(r.Body, html.EscapeString(`"colore"`)) || !strings.Contains(r.Body, "steps[0].fields[0].type") {
		t.Fatalf("invalid definition: %d\n%s", r.StatusCode, text(r.Body))
	}
	if r := c.post("/backoffice/moduli/mensa", url.Values{"json": {"{\"title\": "}}); r.StatusCode != 422 || !strings.Contains(r.Body, "Riga 1") {
		t.Fatalf("broken JSON: %d", r.StatusCode)
	}
	// A valid save replaces the draft; publishing makes it live.
	r = c.post("/backoffice/moduli/mensa", url.Values{"json": {string(testFormJSON("Mensa scolastica"))}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, text(r.Body))
	}
	if r := c.get("/backoffice/moduli/mensa"); !strings.Contains(r.Body, "Bozza salvata") || !strings.Contains(r.Body, "Nome del richiedente") {
		t.Fatal("saved draft not shown")
	}
	if r := c.post("/backoffice/moduli/mensa/pubblica", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	if r := c.post("/backoffice/moduli/mensa/pubblica", nil); r.StatusCode != 404 {
		t.Fatalf("publish without draft: %d", r.StatusCode)
	}
	r = c.get("/backoffice/moduli")
	if !strings.Contains(r.Body, "Mensa scolastica") || !strings.Contains(r.Body, "versione 1") {
		t.Fatalf("list after publish:\n%s", text(r.Body))
	}
	// Export downloads the live JSON.
	r = c.get("/backoffice/moduli/mensa/esporta")
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="mensa.json"`) || r.Body != string(testFormJSON("Mensa scolastica")) {
		t.Fatalf("export: %d %q %s", r.StatusCode, r.Header.Get("Content-Disposition"), r.Body)
	}
	// Import: another comune's file (with its own key) becomes the draft (version 2).
	imported := `{"key": "mensa-altrove", "title": "Mensa importata", "steps": [{"id": "s", "title": "S", "fields": [{"name": "a", "type": "email", "label": "Email"}]}]}`
	if r := c.postFile("/backoffice/moduli/mensa/importa", nil, "file", "mensa.json", []byte(imported)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d %s", r.StatusCode, text(r.Body))
	}
	r = c.get("/backoffice/moduli/mensa")
	if !strings.Contains(r.Body, "Definizione importata") || !strings.Contains(r.Body, "versione 2") || !strings.Contains(r.Body, "Mensa importata") {
		t.Fatalf("after import:\n%s", text(r.Body))
	}
	if r := c.postFile("/backoffice/moduli/mensa/importa", nil, "file", "vuoto.json", nil); r.StatusCode != 422 || !strings.Contains(r.Body, "Scegli un file JSON") {
		t.Fatalf("empty import: %d", r.StatusCode)
	}
	if r := c.postFile("/backoffice/moduli/mensa/importa", nil, "file", "rotto.json", []byte(`{"steps": 3}`)); r.StatusCode != 422 {
		t.Fatalf("bad import: %d", r.StatusCode)
	}
	// Older versions can be looked at and downloaded as they were.
	r = c.get("/backoffice/moduli/mensa?versione=1")
	if !strings.Contains(r.Body, "Stai guardando la versione 1") || !strings.Contains(r.Body, "Nome del richiedente") {
		t.Fatalf("version 1:\n%s", text(r.Body))
	}
	if r := c.get("/backoffice/moduli/mensa/esporta?versione=2"); !strings.Contains(r.Body, "Mensa importata") || !strings.Contains(r.Header.Get("Content-Disposition"), "mensa-v2.json") {
		t.Fatalf("export v2: %s", r.Body)
	}
	// The live version did not change.
	live, err := h.srv.Forms.Live(context.Background(), h.borgo.ID, "mensa")
	if err != nil || live.Number != 1 || live.Def.Title.IT != "Mensa scolastica" {
		t.Fatalf("live %+v %v", live, err)
	}
	if acts := auditActions(h, h.borgo.ID); !strings.Contains(acts, "form.publish") || !strings.Contains(acts, "form.import") {
		t.Fatalf("audit %s", acts)
	}

	// Editors and admins only; unknown keys are 404.
	for key, want := range map[string]int{"operator@borgo": 403, "viewer@borgo": 403, "admin@borgo": 200} {
		if r := h.staff(borgo, key).get("/backoffice/moduli/mensa"); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", key, r.StatusCode, want)
		}
	}
	for _, p := range []string{"/backoffice/moduli/nessuno", "/backoffice/moduli/..%2f..%2fetc", "/backoffice/moduli/NESSUNO/esporta"} {
		if r := c.get(p); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
}

func auditActions(h *harness, tenantID int64) string {
	var out []string
	for _, e := range h.auditLog(tenantID, audit.Filter{Action: "form."}) {
		out = append(out, e.Action)
	}
	return strings.Join(out, " ")
}

// TestFormsCrossTenant: an editor of one comune never sees or changes another's
// forms, not even by key, and not when they work for both comuni.
func TestFormsCrossTenant(t *testing.T) {
	h := newHarness(t)
	h.mustForm(h.marina.ID, "solo-marina", true)
	h.mustForm(h.marina.ID, "mensa", false)
	h.mustForm(h.borgo.ID, "mensa", true)
	before, _ := h.srv.Forms.Versions(context.Background(), h.marina.ID, "mensa")
	for _, key := range []string{"editor@borgo", "admin@borgo", "both"} {
		c := h.staff(borgo, key)
		if r := c.get("/backoffice/moduli"); strings.Contains(r.Body, "solo-marina") {
			t.Errorf("%s: Marina's form listed in Borgo", key)
		}
		for _, p := range []string{"/backoffice/moduli/solo-marina", "/backoffice/moduli/solo-marina/esporta"} {
			if r := c.get(p); r.StatusCode != 404 || strings.Contains(r.Body, "Modulo solo-marina") {
				t.Errorf("%s GET %s: %d", key, p, r.StatusCode)
			}
		}
		for _, p := range []string{"/backoffice/moduli/solo-marina", "/backoffice/moduli/solo-marina/pubblica"} {
			if r := c.post(p, url.Values{"json": {string(testFormJSON("Preso"))}}); r.StatusCode != 404 {
				t.Errorf("%s POST %s: %d", key, p, r.StatusCode)
			}
		}
		if r := c.postFile("/backoffice/moduli/solo-marina/importa", nil, "file", "x.json", testFormJSON("Preso")); r.StatusCode != 404 {
			t.Errorf("%s import: %d", key, r.StatusCode)
		}
		// The same key in Borgo is Borgo's own form: publishing it leaves Marina's draft alone.
		c.post("/backoffice/moduli/mensa", url.Values{"json": {string(testFormJSON("Borgo"))}})
		c.post("/backoffice/moduli/mensa/pubblica", nil)
		if r := c.get("/backoffice/moduli/mensa/esporta"); strings.Contains(r.Body, "Modulo mensa") && !strings.Contains(r.Body, "Borgo") {
			t.Errorf("%s: Borgo's export shows Marina's form", key)
		}
	}
	after, _ := h.srv.Forms.Versions(context.Background(), h.marina.ID, "mensa")
	if len(after) != len(before) || after[0].Status != forms.StatusDraft || string(after[0].JSON) != string(before[0].JSON) {
		t.Fatalf("Marina's form changed: %+v", after)
	}
	if list, _ := h.srv.Forms.List(context.Background(), h.marina.ID); len(list) != 2 {
		t.Fatalf("Marina's forms: %+v", list)
	}
}

// everyTypeDef has every field type, conditions on the same page, a repeatable
// group with a file, and a declaration.
const everyTypeDef = `{"key": "tutto", "title": "Tutti i tipi", "steps": [
	{"id": "campi", "title": "Campi", "intro": "Ogni tipo di campo.", "fields": [
		{"name": "info", "type": "help", "label": "Leggi con attenzione.", "help": "Servono pochi minuti."},
		{"name": "nome", "type": "text", "label": "Nome", "required": true, "maxLength": 50, "prefill": "given_name"},
		{"name": "note", "type": "textarea", "label": "Note"},
		{"name": "figli_n", "type": "number", "label": "Numero di figli", "min": 0, "max": 20},
		{"name": "superficie", "type": "number", "label": "Superficie", "decimals": 2},
		{"name": "nascita", "type": "date", "label": "Data di nascita", "maxDate": "today"},
		{"name": "email", "type": "email", "label": "Email", "required": true},
		{"name": "tel", "type": "phone", "label": "Telefono"},
		{"name": "scuola", "type": "select", "label": "Scuola", "options": [{"value": "rodari", "label": "Rodari"}, {"value": "collodi", "label": "Collodi"}]},
		{"name": "turno", "type": "radio", "label": "Turno", "options": [{"value": "mattina", "label": "Mattina"}, {"value": "pomeriggio", "label": "Pomeriggio"}]},
		{"name": "giorni", "type": "checkboxes", "label": "Giorni", "options": [{"value": "lun", "label": "Lunedì"}, {"value": "mar", "label": "Martedì"}, {"value": "mer", "label": "Mercoledì"}]},
		{"name": "residente", "type": "yesno", "label": "Residente", "required": true},
		{"name": "dove", "type": "text", "label": "Comune di residenza", "when": {"field": "residente", "equals": "no"}},
		{"name": "cf", "type": "fiscalcode", "label": "Codice fiscale"},
		{"name": "piva", "type": "vat", "label": "Partita IVA"},
		{"name": "iban", "type": "iban", "label": "IBAN"},
		{"name": "isee", "type": "amount", "label": "ISEE"},
		{"name": "casa", "type": "address", "label": "Indirizzo"},
		{"name": "documento", "type": "file", "label": "Documento", "accept": ["application/pdf"], "maxFiles": 2},
		{"name": "figli", "type": "group", "label": "Figlio", "maxItems": 4, "fields": [
			{"name": "nome", "type": "text", "label": "Nome del figlio", "required": true},
			{"name": "dieta", "type": "yesno", "label": "Dieta speciale"},
			{"name": "certificato", "type": "file", "label": "Certificato", "accept": ["application/pdf"], "when": {"field": "dieta", "equals": "yes"}}
		]}
	]},
	{"id": "dichiarazione", "kind": "declaration", "title": "Dichiarazione", "intro": "Dichiaro il vero.", "fields": [
		{"name": "vero", "type": "accept", "label": "Lo dichiaro"}
	]}
]}`

// renderStep runs the form-step partial as a page would.
func renderStep(t *testing.T, h *harness, v formStepView) string {
	t.Helper()
	var buf bytes.Buffer
	if err := h.srv.tmpl.pages["backoffice/modulo.html"].ExecuteTemplate(&buf, "form-step", v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var (
	inputRE    = regexp.MustCompile(`<input\s[^>]*>`)
	selectRE   = regexp.MustCompile(`(?s)<select\s[^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	optionRE   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea\s[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`)
	attrRE     = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	idRE       = regexp.MustCompile(`\sid="([^"]+)"`)
	labelForRE = regexp.MustCompile(`<label[^>]* for="([^"]+)"`)
	describeRE = regexp.MustCompile(`aria-describedby="([^"]+)"`)
)

// browserForm is what a browser would post from the rendered HTML, with typed
// values: fill maps an input name to what the person types or, for radios and
// checkboxes, the values they tick. Files are never in the HTML post.
func browserForm(t *testing.T, page string, fill map[string][]string) url.Values {
	t.Helper()
	form := url.Values{}
	seen := map[string]bool{}
	for _, tag := range inputRE.FindAllString(page, -1) {
		a := map[string]string{}
		for _, m := range attrRE.FindAllStringSubmatch(tag[len("<input"):], -1) {
			a[m[1]] = html.UnescapeString(m[2])
		}
		name, typ := a["name"], a["type"]
		if name == "" || typ == "file" || typ == "submit" {
			continue
		}
		seen[name] = true
		want, filled := fill[name]
		switch typ {
		case "radio", "checkbox":
			on := !filled && strings.Contains(tag, " checked")
			for _, w := range want {
				on = on || w == a["value"]
			}
			if on {
				form.Add(name, a["value"])
			}
		default:
			if filled {
				form.Set(name, want[0])
			} else {
				form.Set(name, a["value"])
			}
		}
	}
	for _, m := range selectRE.FindAllStringSubmatch(page, -1) {
		seen[m[1]] = true
		if want, ok := fill[m[1]]; ok {
			form.Set(m[1], want[0])
			continue
		}
		for _, o := range optionRE.FindAllStringSubmatch(m[2], -1) {
			if o[2] != "" {
				form.Set(m[1], html.UnescapeString(o[1]))
			}
		}
	}
	for _, m := range textareaRE.FindAllStringSubmatch(page, -1) {
		seen[m[1]] = true
		if want, ok := fill[m[1]]; ok {
			form.Set(m[1], want[0])
		} else {
			form.Set(m[1], html.UnescapeString(strings.TrimPrefix(m[2], "\n")))
		}
	}
	for name := range fill {
		if !seen[name] {
			t.Fatalf("no input named %q in the page", name)
		}
	}
	return form
}

// checkAccessible checks that every control has a label and that every id named
// by aria-describedby exists, and that ids are unique.
func checkAccessible(t *testing.T, page string) {
	t.Helper()
	ids := map[string]int{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		ids[html.UnescapeString(m[1])]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	labelled := map[string]bool{}
	for _, m := range labelForRE.FindAllStringSubmatch(page, -1) {
		labelled[html.UnescapeString(m[1])] = true
	}
	for _, tag := range append(inputRE.FindAllString(page, -1), regexp.MustCompile(`<(?:select|textarea)\s[^>]*>`).FindAllString(page, -1)...) {
		if strings.Contains(tag, `type="hidden"`) || strings.Contains(tag, `type="submit"`) {
			continue
		}
		m := idRE.FindStringSubmatch(tag)
		if m == nil || !labelled[html.UnescapeString(m[1])] {
			t.Errorf("control without a label: %s", tag)
		}
	}
	for _, m := range describeRE.FindAllStringSubmatch(page, -1) {
		for _, id := range strings.Fields(html.UnescapeString(m[1])) {
			if ids[id] == 0 {
				t.Errorf("aria-describedby names a missing id %q", id)
			}
		}
	}
}

// TestEveryFieldTypeRoundTrip runs every field type through the partial (render),
// a browser's post of the rendered inputs, Decode and the stored JSON value; then
// renders the stored answers again and checks the same post comes out.
func TestEveryFieldTypeRoundTrip(t *testing.T) {
	h := newHarness(t)
	def, err := forms.Parse([]byte(everyTypeDef))
	if err != nil {
		t.Fatal(err)
	}
	def.SetClock(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	step := def.Steps[0]
	childCF := "BNCLCU18A15H501"
	childCF += string(fiscalcode.CheckChar(childCF))

	// The empty step, as first shown: prefilled name, the group's add button.
	view := formStepView{Def: def, Step: step, Values: def.Prefill(forms.Profile{GivenName: "Mario"}), Lang: "it", Action: "/x"}
	page := renderStep(t, h, view)
	checkAccessible(t, page)
	for _, want := range []string{`id="field-nome"`, `value="Mario"`, `autocomplete="given-name"`, `name="_add" value="figli"`,
		`name="figli._n" value="0"`, `name="_nav" value="next"`, "Ogni tipo di campo.", "Leggi con attenzione.", "(facoltativo)",
		`<legend class="form-legend h6">Turno`, `type="email"`, `type="tel"`, `accept="application/pdf"`, " multiple",
		"Rispondi solo se alla domanda «Residente» hai risposto «No».", `name="casa.postcode"`, "Nel formato gg/mm/aaaa."} {
		if !strings.Contains(page, want) {
			t.Errorf("first render lacks %s", want)
		}
	}
	// "Add another" twice: the post keeps what was typed and adds items.
	values := view.Values
	for range 2 {
		form := browserForm(t, page, nil)
		form.Set("_add", "figli")
		var errs forms.Errors
		values, errs = def.Decode(step, form, nil, values)
		if errs != nil {
			t.Fatalf("add: %v", errs)
		}
		page = renderStep(t, h, formStepView{Def: def, Step: step, Values: values, Lang: "it"})
	}
	if !strings.Contains(page, `name="figli._n" value="2"`) || !strings.Contains(page, `name="_remove" value="figli.1"`) || !strings.Contains(page, "Figlio 2") || !strings.Contains(page, `id="field-figli.1"`) {
		t.Fatal("two items not rendered")
	}

	// Fill every input as a person would, and attach files.
	fill := map[string][]string{
		"nome": {"  Mario "}, "note": {"Riga uno\r\nRiga due"}, "figli_n": {"2"}, "superficie": {"1.234,5"}, "nascita": {"01/02/1980"},
		"email": {"mario.rossi@example.it"}, "tel": {"+39 011 123 4567"}, "scuola": {"collodi"}, "turno": {"pomeriggio"},
		"giorni": {"mer", "lun"}, "residente": {"no"}, "dove": {"Torino"}, "cf": {"rssmra80a01h501u"}, "piva": {"IT01234567897"},
		"iban": {"it60 x054 2811 1010 0000 0123 456"}, "isee": {"12.345,67"}, "casa.street": {"Via Roma"}, "casa.number": {"1"},
		"casa.postcode": {"10095"}, "casa.municipality": {"Grugliasco"}, "casa.province": {"to"},
		"figli.0.nome": {"Luca"}, "figli.0.dieta": {"yes"}, "figli.1.nome": {"Sara"}, "figli.1.dieta": {"no"},
	}
	pdf := func(id string) forms.FileRef {
		return forms.FileRef{ID: id, Name: id + ".pdf", Type: "application/pdf", SHA256: strings.Repeat("a", 64), Size: 2048}
	}
	files := map[string][]forms.FileRef{"documento": {pdf("doc1"), pdf("doc2")}, "figli.0.certificato": {pdf("cert")}}
	form := browserForm(t, page, fill)
	values, errs := def.Decode(step, form, files, values)
	if len(errs) != 0 {
		t.Fatalf("decode: %v", errs)
	}
	stored, _ := json.Marshal(values)
	want := `{"casa":{"municipality":"Grugliasco","number":"1","postcode":"10095","province":"TO","street":"Via Roma"},` +
		`"cf":"RSSMRA80A01H501U",` +
		`"documento":[{"id":"doc1","name":"doc1.pdf","type":"application/pdf","sha256":"` + strings.Repeat("a", 64) + `","size":2048},{"id":"doc2","name":"doc2.pdf","type":"application/pdf","sha256":"` + strings.Repeat("a", 64) + `","size":2048}],` +
		`"dove":"Torino","email":"mario.rossi@example.it",` +
		`"figli":[{"certificato":[{"id":"cert","name":"cert.pdf","type":"application/pdf","sha256":"` + strings.Repeat("a", 64) + `","size":2048}],"dieta":"yes","nome":"Luca"},{"dieta":"no","nome":"Sara"}],` +
		`"figli_n":"2","giorni":["lun","mer"],"iban":"IT60X0542811101000000123456","isee":"1234567","nascita":"1980-02-01",` +
		`"nome":"Mario","note":"Riga uno\nRiga due","piva":"01234567897","residente":"no","scuola":"collodi","superficie":"1234.5",` +
		`"tel":"+390111234567","turno":"pomeriggio"}`
	if string(stored) != want {
		t.Fatalf("stored JSON\n got %s\nwant %s", stored, want)
	}

	// The stored answers, loaded back, render into the same post and validate.
	var loaded forms.Values
	json.Unmarshal(stored, &loaded)
	page2 := renderStep(t, h, formStepView{Def: def, Step: step, Values: loaded, Lang: "it"})
	checkAccessible(t, page2)
	for _, w := range []string{"doc1.pdf", `name="documento._remove" value="doc1"`, "cert.pdf", `value="01/02/1980"`, `value="12345,67"`, `value="1234,5"`} {
		if !strings.Contains(page2, w) {
			t.Errorf("second render lacks %s", w)
		}
	}
	again, errs := def.Decode(step, browserForm(t, page2, nil), nil, loaded)
	if len(errs) != 0 {
		t.Fatalf("second post: %v", errs)
	}
	if b, _ := json.Marshal(again); string(b) != want {
		t.Fatalf("second post changed the answers:\n%s", b)
	}
	// The declaration step, then the whole set validates as at submit.
	decl := def.Steps[1]
	page3 := renderStep(t, h, formStepView{Def: def, Step: decl, Values: again, Lang: "it"})
	checkAccessible(t, page3)
	if !strings.Contains(page3, "Dichiaro il vero.") {
		t.Fatal("declaration text missing")
	}
	final, errs := def.Decode(decl, browserForm(t, page3, map[string][]string{"vero": {"yes"}}), nil, again)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if errs := def.Validate(final); len(errs) != 0 {
		t.Fatalf("validate: %v", errs)
	}
	if s := def.Summary(final, "it"); len(s) != 2 {
		t.Fatalf("summary %+v", s)
	}

	// Errors: every field shows its message under it, marked invalid and described.
	bad := browserForm(t, page2, map[string][]string{"nome": {""}, "figli_n": {"tre"}, "nascita": {"31/02/2020"}, "email": {"no"},
		"tel": {"x"}, "cf": {"RSSMRA80A01H501A"}, "piva": {"01234567890"}, "iban": {"IT00X0542811101000000123456"}, "isee": {"-1"},
		"casa.postcode": {"1"}, "figli.1.nome": {""}})
	_, errs = def.Decode(step, bad, map[string][]forms.FileRef{"figli.0.certificato": {{ID: "x", Name: "x.exe", Type: "application/x-msdownload", Size: 10}}}, loaded)
	for _, path := range []string{"nome", "figli_n", "nascita", "email", "tel", "cf", "piva", "iban", "isee", "casa.postcode", "figli.1.nome", "figli.0.certificato"} {
		if errs[path] == "" {
			t.Errorf("no error for %s", path)
		}
	}
	page4 := renderStep(t, h, formStepView{Def: def, Step: step, Values: loaded, Errors: errs, Lang: "it", Posted: bad})
	checkAccessible(t, page4)
	for path := range errs {
		id := "field-" + path
		if !regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*aria-describedby="[^"]*` + regexp.QuoteMeta(id) + `-error"[^>]*aria-invalid="true"`).MatchString(page4) {
			t.Errorf("%s: input not marked invalid and described by its error", path)
		}
		if !strings.Contains(page4, `id="`+id+`-error">`) {
			t.Errorf("%s: no error message", path)
		}
	}
	if !strings.Contains(page4, `value="tre"`) || !strings.Contains(page4, "Il codice fiscale non è valido") {
		t.Error("typed values or messages not shown after errors")
	}
	if en := renderStep(t, h, formStepView{Def: def, Step: step, Values: loaded, Errors: errs, Lang: "en", Posted: bad}); !strings.Contains(en, "This field is required.") || !strings.Contains(en, "(optional)") {
		t.Error("English partial not translated")
	}
}

// TestFormsCataloguedMessages checks that every message id the forms package
// produces (field errors, definition problems) is in both catalogues.
func TestFormsCataloguedMessages(t *testing.T) {
	c := catalogue(t)
	files, _ := filepath.Glob("../forms/*.go")
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(node ast.Node) bool {
			lit, ok := node.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			if !regexp.MustCompile(`^forms\.(err|def|key)\.[a-z_.]+$|^forms\.(conflict|no_draft|not_found)$`).MatchString(s) {
				return true
			}
			n++
			for _, lang := range []string{"it", "en"} {
				if _, ok := c[lang][s]; !ok {
					t.Errorf("%s: %s not in the %s catalogue", fset.Position(lit.Pos()), s, lang)
				}
			}
			return true
		})
	}
	if n < 60 {
		t.Fatalf("only %d message ids found", n)
	}
}
