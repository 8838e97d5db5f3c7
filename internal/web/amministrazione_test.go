package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/content"
)

// managementLinks are the texts of the management-category-link elements of a
// page, in order.
var managementLinkRE = regexp.MustCompile(`<a[^>]*data-element="management-category-link"[^>]*>([^<]*)</a>`)

func TestManagementPages(t *testing.T) {
	h := newHarness(t)
	h.cnow = time.Now().UTC().Truncate(time.Second)
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	office := accounts.Office{TenantID: h.borgo.ID, Name: "Ufficio tributi", OpeningHours: "Lunedì 9-12", Competences: "IMU\nTARI"}
	if err := h.accounts.SaveOffice(ctx, &office); err != nil {
		t.Fatal(err)
	}
	card := h.mustCard(h.borgo.ID, office.ID, "pagare-la-tari", true)
	giunta := h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindOrganisation, Title: "Giunta comunale",
		Summary: "L'organo esecutivo", Topics: []string{"comunicazione-politica"}, Org: content.Organisation{Type: "organi-di-governo"}}, true)
	h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindPerson, Title: "Anna Bianchi", Summary: "Assessora al bilancio",
		Topics: []string{"bilancio"}, Person: content.Person{Section: "politici", Role: "Assessora al bilancio", OrganisationID: giunta.ID}}, true)
	h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindPerson, Title: "Carlo Verdi", Summary: "Responsabile dei tributi",
		Topics: []string{"imposte"}, Person: content.Person{Section: "personale-amministrativo", Role: "Responsabile", OfficeID: office.ID}}, true)
	h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindPerson, Title: "Bozza Nascosta", Summary: "Non ancora pubblicata",
		Topics: []string{"imposte"}, Person: content.Person{Section: "politici", Role: "Consigliere"}}, false)
	h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindDocument, Title: "Regolamento TARI", Summary: "Il regolamento della tassa rifiuti",
		Topics: []string{"tassa-sui-servizi"}, Document: content.Document{Type: "atti-normativi", Date: time.Date(2026, 1, 15, 0, 0, 0, 0, rome),
			Protocol: "n. 55 del 15/01/2026", OfficeID: office.ID}}, true)
	h.mustItem(content.Item{TenantID: h.marina.ID, Kind: content.KindPerson, Title: "Solo Marina", Summary: "Sindaca di Marina",
		Topics: []string{"comunicazione-politica"}, Person: content.Person{Section: "politici", Role: "Sindaca"}}, true)
	h.mustItem(content.Item{TenantID: h.borgo.ID, Kind: content.KindFAQ, Title: "Come pago la TARI?", Summary: "Con l'avviso pagoPA.",
		Body: "Oppure allo **sportello**.", Topics: []string{"tassa-sui-servizi"}}, true)

	c := h.client(borgo)
	r := c.get("/amministrazione")
	var labels []string
	for _, m := range managementLinkRE.FindAllStringSubmatch(r.Body, -1) {
		labels = append(labels, strings.ToLower(strings.TrimSpace(m[1])))
	}
	want := []string{"organi di governo", "aree amministrative", "uffici", "enti e fondazioni", "politici", "personale amministrativo", "documenti e dati"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Fatalf("management links: %q", labels)
	}
	for _, tc := range []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/amministrazione/organi-di-governo", 200, []string{"<h1>Organi di governo</h1>", `href="/amministrazione/organi-di-governo/giunta-comunale"`, `data-element="feedback"`}, nil},
		{"/amministrazione/organi-di-governo/giunta-comunale", 200, []string{"Anna Bianchi", "Assessora al bilancio"}, []string{"Carlo Verdi"}},
		{"/amministrazione/politici", 200, []string{"<h1>Politici</h1>", "Anna Bianchi"}, []string{"Carlo Verdi", "Bozza Nascosta", "Solo Marina"}},
		{"/amministrazione/politici/anna-bianchi", 200, []string{"Assessora al bilancio", `href="/amministrazione/organi-di-governo/giunta-comunale"`}, nil},
		{"/amministrazione/personale-amministrativo/carlo-verdi", 200, []string{`href="/amministrazione/uffici/ufficio-tributi"`}, nil},
		{"/amministrazione/politici/carlo-verdi", 301, nil, nil},
		{"/amministrazione/politici/bozza-nascosta", 404, nil, nil},
		{"/amministrazione/politici/solo-marina", 404, nil, nil},
		{"/amministrazione/aree-amministrative", 200, []string{"<h1>Aree amministrative</h1>"}, nil},
		{"/amministrazione/enti-e-fondazioni", 200, []string{"<h1>Enti e fondazioni</h1>"}, nil},
		{"/amministrazione/documenti-e-dati", 200, []string{"<h1>Documenti e dati</h1>", "Regolamento TARI", "Atti normativi"}, nil},
		{"/amministrazione/documenti-e-dati?tipo=modulistica", 200, nil, []string{"Regolamento TARI"}},
		{"/amministrazione/documenti-e-dati?tipo=%3Cscript%3E&pagina=x", 200, []string{"Regolamento TARI"}, []string{"<script>"}},
		{"/amministrazione/documenti-e-dati/regolamento-tari", 200, []string{"n. 55 del 15/01/2026", "15/01/2026", "Ufficio tributi"}, nil},
		{"/amministrazione/uffici/ufficio-tributi", 200, []string{"<li>IMU</li>", "Carlo Verdi", card.Title, "Regolamento TARI", "Lunedì 9-12"}, []string{"Anna Bianchi"}},
		{"/amministrazione/sconosciuta", 404, nil, nil},
		{"/amministrazione/sconosciuta/x", 404, nil, nil},
		{"/domande-frequenti", 200, []string{"Come pago la TARI?", "<strong>sportello</strong>"}, nil},
		// People and documents are found by the site search, drafts and other
		// tenants' people are not.
		{"/cerca?q=bianchi", 200, []string{`href="/amministrazione/politici/anna-bianchi"`}, []string{"Solo Marina"}},
		{"/cerca?q=regolamento+tari&tipo=document", 200, []string{`href="/amministrazione/documenti-e-dati/regolamento-tari"`}, nil},
		{"/cerca?q=nascosta", 200, nil, []string{"bozza-nascosta"}},
	} {
		r := c.get(tc.path)
		if r.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, r.StatusCode, tc.status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: missing %q", tc.path, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(r.Body, w) {
				t.Errorf("%s: unexpected %q", tc.path, w)
			}
		}
	}
}

// TestManagementEditorFlow: an editor creates a body, a person in it and a
// document through the content back office; bad input is reported per field.
func TestManagementEditorFlow(t *testing.T) {
	h := newHarness(t)
	h.cnow = time.Now().UTC().Truncate(time.Second)
	fx := newBOFixture(h)
	ed := h.staff(borgo, "editor@borgo")
	pub := h.client(borgo)

	r := ed.get("/backoffice/contenuti/nuovo/persona")
	if r.StatusCode != 200 || !strings.Contains(r.Body, `name="role"`) || !strings.Contains(r.Body, fx.borgoOffice.Name) || strings.Contains(r.Body, fx.marinaOffice.Name) {
		t.Fatalf("person form: %d", r.StatusCode)
	}
	r = ed.post("/backoffice/contenuti/nuovo/persona", url.Values{"title": {"Luigi Neri"}, "section": {"giunta"}, "office_id": {id(fx.marinaOffice.ID)}})
	if r.StatusCode != 422 {
		t.Fatalf("invalid person: %d", r.StatusCode)
	}
	for _, w := range []string{`href="#section"`, `href="#role"`, `href="#summary"`, `href="#topics"`} {
		if !strings.Contains(r.Body, w) {
			t.Errorf("invalid person: missing %q", w)
		}
	}
	r = ed.post("/backoffice/contenuti/nuovo/organo", url.Values{"organisation_type": {"organi-di-governo"}, "title": {"Consiglio comunale"},
		"summary": {"L'organo di indirizzo"}, "topics": {"comunicazione-politica"}})
	if r.StatusCode != 303 {
		t.Fatalf("create body: %d %s", r.StatusCode, r.Body)
	}
	bodyURL := r.Header.Get("Location")
	ed.post(bodyURL+"/pubblica", url.Values{})
	r = ed.post("/backoffice/contenuti/nuovo/persona", url.Values{"section": {"politici"}, "title": {"Luigi Neri"}, "role": {"Consigliere comunale"},
		"summary": {"Consigliere di maggioranza"}, "topics": {"comunicazione-politica"}, "organisation_id": {strings.TrimPrefix(bodyURL, "/backoffice/contenuti/")},
		"office_id": {id(fx.borgoOffice.ID)}, "email": {"luigi.neri@example.it"}})
	if r.StatusCode != 303 {
		t.Fatalf("create person: %d %s", r.StatusCode, r.Body)
	}
	personURL := r.Header.Get("Location")
	if r := pub.get("/amministrazione/politici/luigi-neri"); r.StatusCode != 404 {
		t.Fatalf("draft person public: %d", r.StatusCode)
	}
	if r := ed.get(personURL + "/anteprima"); r.StatusCode != 200 || !strings.Contains(r.Body, "Consigliere comunale") {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	ed.post(personURL+"/pubblica", url.Values{})
	r = pub.get("/amministrazione/organi-di-governo/consiglio-comunale")
	if !strings.Contains(r.Body, "Luigi Neri") {
		t.Fatalf("member missing on the body's page: %d", r.StatusCode)
	}
	r = ed.post("/backoffice/contenuti/nuovo/documento", url.Values{"document_type": {"atti-normativi"}, "title": {"Statuto comunale"},
		"summary": {"Lo statuto del Comune"}, "topics": {"trasparenza-amministrativa"}, "document_date": {"31/12/2025"}})
	if r.StatusCode != 422 || !strings.Contains(r.Body, `href="#document_date"`) {
		t.Fatalf("bad date: %d", r.StatusCode)
	}
	r = ed.post("/backoffice/contenuti/nuovo/documento", url.Values{"document_type": {"atti-normativi"}, "title": {"Statuto comunale"},
		"summary": {"Lo statuto del Comune"}, "topics": {"trasparenza-amministrativa"}, "document_date": {"2025-12-31"}, "protocol": {"n. 1 del 02/01/2026"}})
	if r.StatusCode != 303 {
		t.Fatalf("create document: %d %s", r.StatusCode, r.Body)
	}
	docURL := r.Header.Get("Location")
	if r := ed.get(docURL); !strings.Contains(r.Body, `value="2025-12-31"`) {
		t.Fatal("document date not shown back")
	}
	ed.post(docURL+"/pubblica", url.Values{})
	if r := pub.get("/amministrazione/documenti-e-dati/statuto-comunale"); r.StatusCode != 200 || !strings.Contains(r.Body, "31/12/2025") {
		t.Fatalf("document page: %d", r.StatusCode)
	}
	if r := ed.get("/backoffice/contenuti?tipo=document"); !strings.Contains(r.Body, "Statuto comunale") || strings.Contains(r.Body, "Luigi Neri") {
		t.Fatal("back office filter by kind")
	}
}
