package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/services"
	"piazza/internal/vocab"
)

func init() {
	foreignIDs["servizi"] = func(h *harness, fx boFixture) string {
		return id(h.mustCard(h.marina.ID, fx.marinaOffice.ID, "tari", true).ID)
	}
	foreignIDs["catalogo"] = func(h *harness, fx boFixture) string { return "1" }
}

// mustCard saves a complete card of a tenant.
func (h *harness) mustCard(tenantID, officeID int64, slug string, published bool) services.Card {
	h.t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	c := services.Card{
		TenantID: tenantID, Slug: slug, Title: "Servizio " + slug, Summary: "Descrizione breve di " + slug,
		Status: services.StatusActive, Category: "educazione-e-formazione", Topics: []string{"istruzione"},
		Audiences: []services.Audience{services.AudienceCitizens}, WhoFor: "Genitori residenti", HowTo: "Compila il modulo",
		Needed: "ISEE", Outcome: "Iscrizione", Timing: "Entro 30 giorni", Access: "Con SPID o CIE",
		Conditions: "Regolamento comunale", OfficeID: officeID, MaxResponseDays: 30, Costs: "Gratuito",
		Channel: services.ChannelOnline, FormKey: slug,
	}
	if err := h.services.Save(ctx, &c); err != nil {
		h.t.Fatalf("card %s: %v", slug, err)
	}
	if published {
		if err := h.services.SetPublished(ctx, tenantID, c.ID, true); err != nil {
			h.t.Fatal(err)
		}
		c.Published = true
	}
	return c
}

func TestServicesPages(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	mensa := h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "mensa-scolastica", true)
	h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "bozza-segreta", false)
	h.mustCard(h.marina.ID, fx.marinaOffice.ID, "solo-marina", true)
	c := h.client(borgo)
	for _, tc := range []struct {
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{"/servizi", 200, []string{`data-element="service-category-link"`, `href="/servizi/educazione-e-formazione/mensa-scolastica" data-element="service-link"`, "Tutti i servizi (1)"}, []string{"bozza-segreta", "solo-marina"}},
		{"/servizi?q=MENSA", 200, []string{"1 servizi trovati", `data-element="service-link">Servizio mensa-scolastica`}, []string{"bozza"}},
		{"/servizi?q=%27%22%3Cscript%3E", 200, []string{"Nessun servizio corrisponde"}, []string{"<script>"}},
		{"/servizi/educazione-e-formazione", 200, []string{`data-element="service-link"`, "Servizio mensa-scolastica"}, []string{"bozza-segreta"}},
		{"/servizi/turismo", 200, []string{"Non ci sono ancora servizi"}, nil},
		{"/servizi/sport", 404, nil, nil},
		{"/servizi/educazione-e-formazione/bozza-segreta", 404, nil, nil},
		{"/servizi/educazione-e-formazione/solo-marina", 404, nil, nil},
		{"/servizi/educazione-e-formazione/..%2f..%2fetc", 404, nil, nil},
		{"/servizi/educazione-e-formazione/mensa-scolastica", 200, []string{
			`data-element="service-title">Servizio mensa-scolastica`, `data-element="service-status"`, `data-element="service-description">Descrizione breve`,
			`data-element="page-index"`, `data-element="service-addressed"`, `data-element="service-how-to"`, `data-element="service-needed"`,
			`data-element="service-achieved"`, `data-element="service-calendar-text"`, `data-element="service-online-access"`,
			`href="/servizi/educazione-e-formazione/mensa-scolastica/richiesta"`, `data-element="service-file"`, `data-element="service-area">Ufficio anagrafe Borgo`,
			`data-element="service-topic"`, "Istruzione", `data-element="metatag"`, "Termine massimo per la risposta: 30 giorni"}, nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := c.get(tc.path)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(r.Body, w) {
					t.Errorf("unexpected %q", w)
				}
			}
		})
	}
	// A card reached under another category moves to its own address.
	r := c.get("/servizi/turismo/mensa-scolastica")
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/servizi/educazione-e-formazione/mensa-scolastica" {
		t.Fatalf("wrong category: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	_ = mensa
}

// TestServiceCardModel checks the card against the official checker's rules: the
// eight index labels, exactly and in order; the breadcrumb with Servizi and the
// category; and the JSON-LD GovernmentService with every required value.
func TestServiceCardModel(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	o := fx.borgoOffice
	o.Address = "Piazza del Municipio 1, 10095 Borgo Fiorito"
	if err := h.accounts.SaveOffice(audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"}), &o); err != nil {
		t.Fatal(err)
	}
	h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "mensa-scolastica", true)
	body := h.client(borgo).get("/servizi/educazione-e-formazione/mensa-scolastica").Body

	index := regexp.MustCompile(`(?s)data-element="page-index">(.*?)</ul>`).FindStringSubmatch(body)
	if index == nil {
		t.Fatal("no page-index")
	}
	var labels []string
	for _, m := range regexp.MustCompile(`<span class="title-medium">([^<]+)</span>`).FindAllStringSubmatch(index[1], -1) {
		labels = append(labels, strings.TrimSpace(m[1]))
	}
	want := []string{"A chi è rivolto", "Come fare", "Cosa serve", "Cosa si ottiene", "Tempi e scadenze", "Accedi al servizio", "Condizioni di servizio", "Contatti"}
	i := 0
	for _, l := range labels {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Fatalf("index labels %q do not contain %q in order", labels, want)
	}

	crumbs := regexp.MustCompile(`(?s)data-element="breadcrumb">(.*?)</ol>`).FindStringSubmatch(body)
	var items []string
	for _, m := range regexp.MustCompile(`(?s)<li[^>]*>(.*?)</li>`).FindAllStringSubmatch(crumbs[1], -1) {
		text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")
		text = regexp.MustCompile(`[^a-zA-Z0-9 ]`).ReplaceAllString(strings.ToLower(text), "")
		items = append(items, strings.TrimSpace(text))
	}
	ok := false
	for k := 0; k+1 < len(items); k++ {
		ok = ok || (items[k] == "servizi" && len(items[k+1]) >= 3)
	}
	if !ok {
		t.Fatalf("breadcrumb %q lacks servizi followed by the category", items)
	}

	script := regexp.MustCompile(`(?s)<script type="application/ld\+json" data-element="metatag">(.*?)</script>`).FindStringSubmatch(body)
	if script == nil {
		t.Fatal("no JSON-LD")
	}
	var ld map[string]any
	if err := json.Unmarshal([]byte(script[1]), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v\n%s", err, script[1])
	}
	get := func(path string) string {
		var cur any = ld
		for _, k := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = m[k]
		}
		s, _ := cur.(string)
		return s
	}
	for _, path := range []string{"name", "serviceType", "serviceOperator.name", "areaServed.name", "audience.audienceType",
		"availableChannel.serviceUrl", "availableChannel.serviceLocation.name", "availableChannel.serviceLocation.address.streetAddress",
		"availableChannel.serviceLocation.address.postalCode", "availableChannel.serviceLocation.address.addressLocality"} {
		if get(path) == "" {
			t.Errorf("JSON-LD %s is empty", path)
		}
	}
	if get("availableChannel.serviceLocation.address.postalCode") != "10095" || get("availableChannel.serviceLocation.address.streetAddress") != "Piazza del Municipio 1" {
		t.Errorf("JSON-LD address: %s", script[1])
	}
	if get("@type") != "GovernmentService" || get("serviceType") != "Educazione e formazione" || get("serviceOperator.name") != "Comune di Borgo" {
		t.Errorf("JSON-LD values: %s", script[1])
	}
}

func TestServiceCardsBackoffice(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	ed := h.staff(borgo, "editor@borgo")
	// Operators and viewers do not edit cards.
	for _, k := range []string{"operator@borgo", "viewer@borgo"} {
		if r := h.staff(borgo, k).get("/backoffice/servizi"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d", k, r.StatusCode)
		}
	}
	form := url.Values{"title": {"Permesso ZTL residenti"}, "summary": {"Il permesso per entrare nella ZTL."},
		"status": {"active"}, "category": {"mobilita-e-trasporti"}, "topics": {"mobilita-sostenibile", "trasporto-pubblico"},
		"audiences": {"citizens"}, "who_for": {"Residenti nella ZTL"}, "how_to": {"Compila la domanda online"},
		"needed": {"Libretto del veicolo"}, "outcome": {"Il permesso"}, "timing": {"Entro 30 giorni"},
		"max_response_days": {"30"}, "access": {"Con SPID o CIE"}, "conditions": {"Regolamento ZTL"},
		"office_id": {id(fx.borgoOffice.ID)}, "channel": {"online"}, "form_key": {"permesso-ztl"}, "auth_level": {"spid2"}}
	// Every invalid field is reported on itself, with nothing saved.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("title", "")
	bad.Set("max_response_days", "trenta")
	bad.Set("office_id", id(fx.marinaOffice.ID))
	bad.Del("topics")
	r := ed.post("/backoffice/servizi/nuovo", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid card: %d", r.StatusCode)
	}
	for _, f := range []string{`href="#title"`, `href="#max_response_days"`, `href="#topics"`} {
		if !strings.Contains(r.Body, f) {
			t.Errorf("error summary lacks %s", f)
		}
	}
	if list, _ := h.services.Cards(context.Background(), h.borgo.ID, services.Query{}); len(list) != 0 {
		t.Fatalf("invalid card saved: %d", len(list))
	}
	r = ed.post("/backoffice/servizi/nuovo", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	cardPath := r.Header.Get("Location")
	list, _ := h.services.Cards(context.Background(), h.borgo.ID, services.Query{})
	if len(list) != 1 || list[0].Slug != "permesso-ztl-residenti" || list[0].Published || len(list[0].Topics) != 2 {
		t.Fatalf("created: %+v", list)
	}
	card := list[0]
	if _, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "service.create", id(card.ID)); !ok {
		t.Fatal("service.create not audited")
	}
	// Unpublished: not on the site, but the preview shows it to staff.
	if r := h.client(borgo).get("/servizi/mobilita-e-trasporti/permesso-ztl-residenti"); r.StatusCode != 404 {
		t.Fatalf("draft public: %d", r.StatusCode)
	}
	if r := ed.get(cardPath + "/anteprima"); r.StatusCode != 200 || !strings.Contains(r.Body, "Anteprima") {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	if r := ed.post(cardPath+"/pubblica", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	if r := h.client(borgo).get("/servizi/mobilita-e-trasporti/permesso-ztl-residenti"); r.StatusCode != 200 {
		t.Fatalf("published card: %d", r.StatusCode)
	}
	// Suspending needs a reason; with one, the card says so and the online access goes.
	upd := url.Values{}
	for k, v := range form {
		upd[k] = v
	}
	upd.Set("status", "suspended")
	if r := ed.post(cardPath, upd); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#status_reason"`) {
		t.Fatalf("suspend without reason: %d", r.StatusCode)
	}
	upd.Set("status_reason", "Sospeso per il rinnovo dei varchi")
	if r := ed.post(cardPath, upd); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d %s", r.StatusCode, r.Body)
	}
	pub := h.client(borgo).get("/servizi/mobilita-e-trasporti/permesso-ztl-residenti").Body
	if !strings.Contains(pub, "Servizio non attivo") || !strings.Contains(pub, "Sospeso per il rinnovo dei varchi") || strings.Contains(pub, `data-element="service-online-access"`) {
		t.Fatal("suspended card still offers the online service")
	}
	// Deleting asks for confirmation first.
	if r := ed.post(cardPath+"/elimina", url.Values{}); r.StatusCode != 200 {
		t.Fatalf("delete confirmation page: %d", r.StatusCode)
	}
	if r := ed.post(cardPath+"/elimina", url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if _, err := h.services.Card(context.Background(), h.borgo.ID, card.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted card still there: %v", err)
	}
}

func TestSharedCatalogue(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	src := h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "accesso-atti", true)
	src.Channel, src.FormKey = services.ChannelInPerson, ""
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorSystem, Label: "test"})
	if err := h.services.Save(ctx, &src); err != nil {
		t.Fatal(err)
	}
	op := h.platformOperator()
	if r := op.get("/catalogo"); r.StatusCode != 200 || !strings.Contains(r.Body, "Comune di Borgo — Servizio accesso-atti") {
		t.Fatalf("catalogue page: %d", r.StatusCode)
	}
	if r := op.post("/catalogo/pubblica", url.Values{"source": {"x:y"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad source: %d", r.StatusCode)
	}
	if r := op.post("/catalogo/pubblica", url.Values{"source": {id(h.borgo.ID) + ":" + id(src.ID)}, "note": {"Accesso agli atti, L. 241/1990"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.StatusCode, r.Body)
	}
	tpls, _ := h.services.Templates(ctx, false)
	if len(tpls) != 1 {
		t.Fatalf("templates: %d", len(tpls))
	}
	// Marina's admin sees it and adopts it under one of Marina's offices.
	adm := h.staff(marina, "admin@marina")
	if r := adm.get("/backoffice/catalogo"); r.StatusCode != 200 || !strings.Contains(r.Body, "Servizio accesso-atti") {
		t.Fatalf("tenant catalogue: %d", r.StatusCode)
	}
	// Not under Borgo's office.
	if r := adm.post("/backoffice/catalogo/"+id(tpls[0].ID)+"/adotta", url.Values{"office_id": {id(fx.borgoOffice.ID)}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("adopt under a foreign office: %d", r.StatusCode)
	}
	r := adm.post("/backoffice/catalogo/"+id(tpls[0].ID)+"/adotta", url.Values{"office_id": {id(fx.marinaOffice.ID)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopt: %d %s", r.StatusCode, r.Body)
	}
	cards, _ := h.services.Cards(ctx, h.marina.ID, services.Query{})
	if len(cards) != 1 || cards[0].Title != src.Title || cards[0].OfficeID != fx.marinaOffice.ID || cards[0].Published || cards[0].TemplateID != tpls[0].ID {
		t.Fatalf("adopted: %+v", cards)
	}
	// Editors cannot adopt (admins only), and the operator withdraws the template.
	if r := h.staff(borgo, "editor@borgo").get("/backoffice/catalogo"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("editor catalogue: %d", r.StatusCode)
	}
	if r := op.post("/catalogo/"+id(tpls[0].ID)+"/ritira", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.StatusCode)
	}
	if r := adm.get("/backoffice/catalogo"); strings.Contains(r.Body, "Servizio accesso-atti") {
		t.Fatal("withdrawn template still offered")
	}
	_ = accounts.RoleAdmin
	_ = vocab.Topics
}
