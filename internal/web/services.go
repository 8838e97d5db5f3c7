package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/services"
	"piazza/internal/tenants"
	"piazza/internal/vocab"
)

// servicesRoutes are the public "Servizi" pages and the editors' cards.
func (s *Server) servicesRoutes() []route {
	editors := []accounts.Role{accounts.RoleEditor}
	return []route{
		{pattern: "GET /servizi", handler: s.servicesPage},
		{pattern: "GET /servizi/{category}", handler: s.serviceCategory},
		{pattern: "GET /servizi/{category}/{slug}", handler: s.serviceCard},

		{pattern: "GET /backoffice/servizi", handler: s.boServices, access: staff, roles: editors},
		{pattern: "GET /backoffice/servizi/nuovo", handler: s.boServiceNew, access: staff, roles: editors},
		{pattern: "POST /backoffice/servizi/nuovo", handler: s.boServiceCreate, access: staff, roles: editors},
		{pattern: "GET /backoffice/servizi/{id}", handler: s.boService, access: staff, roles: editors},
		{pattern: "POST /backoffice/servizi/{id}", handler: s.boServiceSave, access: staff, roles: editors},
		{pattern: "GET /backoffice/servizi/{id}/anteprima", handler: s.boServicePreview, access: staff, roles: editors},
		{pattern: "POST /backoffice/servizi/{id}/pubblica", handler: s.boServicePublish(true), access: staff, roles: editors},
		{pattern: "POST /backoffice/servizi/{id}/ritira", handler: s.boServicePublish(false), access: staff, roles: editors},
		{pattern: "POST /backoffice/servizi/{id}/elimina", handler: s.boServiceDelete, access: staff, roles: editors},

		{pattern: "GET /backoffice/catalogo", handler: s.boCatalogue, access: staff, roles: []accounts.Role{accounts.RoleAdmin}},
		{pattern: "POST /backoffice/catalogo/{id}/adotta", handler: s.boCatalogueAdopt, access: staff, roles: []accounts.Role{accounts.RoleAdmin}},
	}
}

// catalogueRoutes are the consortium operator's shared catalogue.
func (s *Server) catalogueRoutes() []route {
	return []route{
		{pattern: "GET /catalogo", handler: s.platCatalogue, access: operator},
		{pattern: "POST /catalogo/pubblica", handler: s.platCataloguePublish, access: operator},
		{pattern: "POST /catalogo/{id}/ritira", handler: s.platCatalogueWithdraw, access: operator},
	}
}

// categoryGroup is a category with its cards, for the Servizi page.
type categoryGroup struct {
	vocab.ServiceCategory
	Cards []services.Card
}

// servicesData is the Servizi page.
type servicesData struct {
	Query   string
	Results []services.Card // the search results, when there is a query
	Groups  []categoryGroup // every category with its cards (empty categories included)
	Total   int
}

// publicCards lists the published cards of the request's tenant.
func (s *Server) publicCards(r *http.Request, q services.Query) ([]services.Card, error) {
	q.Published = true
	return s.Services.Cards(r.Context(), info(r).Tenant.ID, q)
}

func (s *Server) servicesPage(w http.ResponseWriter, r *http.Request) {
	all, err := s.publicCards(r, services.Query{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := servicesData{Query: strings.TrimSpace(r.URL.Query().Get("q")), Total: len(all)}
	byCat := map[string][]services.Card{}
	for _, c := range all {
		byCat[c.Category] = append(byCat[c.Category], c)
	}
	for _, cat := range vocab.ServiceCategories {
		d.Groups = append(d.Groups, categoryGroup{ServiceCategory: cat, Cards: byCat[cat.Slug]})
	}
	if d.Query != "" {
		d.Results, err = s.publicCards(r, services.Query{Text: d.Query})
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, page{Template: "site/servizi.html", Title: "site.first.services",
		Crumbs: []Crumb{{Label: "site.first.services"}}, Data: d})
}

func (s *Server) serviceCategory(w http.ResponseWriter, r *http.Request) {
	cat, ok := vocab.CategoryBySlug(r.PathValue("category"))
	if !ok {
		s.notFound(w, r)
		return
	}
	cards, err := s.publicCards(r, services.Query{Category: cat.Slug})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/servizi-categoria.html", Title: cat.Label,
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: cat.Label}},
		Data:   categoryGroup{ServiceCategory: cat, Cards: cards}})
}

// cardView is a service card page.
type cardView struct {
	Card    services.Card
	Office  accounts.Office
	Usable  bool
	Preview bool
	JSONLD  map[string]any
	// StartURL is where the "Accedi al servizio" button leads.
	StartURL string
}

func cardURL(c services.Card) string { return "/servizi/" + c.Category + "/" + c.Slug }

func (s *Server) cardView(r *http.Request, c services.Card, preview bool) (cardView, error) {
	t := info(r).Tenant
	o, err := s.Accounts.Office(r.Context(), t.ID, c.OfficeID)
	if err != nil {
		return cardView{}, err
	}
	v := cardView{Card: c, Office: o, Preview: preview, Usable: c.Usable(s.clock())}
	switch c.Channel {
	case services.ChannelOnline:
		v.StartURL = cardURL(c) + "/richiesta"
	case services.ChannelExternal:
		v.StartURL = c.ExternalURL
	case services.ChannelBooking:
		v.StartURL = "/prenota-appuntamento?servizio=" + c.Slug
	}
	v.JSONLD = s.governmentService(r, t, c, o, v.StartURL)
	return v, nil
}

var postalCodeRE = regexp.MustCompile(`\b\d{5}\b`)

// governmentService is the card's JSON-LD (R.SI.1.1): every field the checker requires.
func (s *Server) governmentService(r *http.Request, t *tenants.Tenant, c services.Card, o accounts.Office, start string) map[string]any {
	address := o.Address
	if address == "" {
		address = t.Contacts.Address
	}
	cap := postalCodeRE.FindString(address)
	if cap == "" {
		cap = postalCodeRE.FindString(t.Contacts.Address)
	}
	locality := strings.TrimPrefix(t.Name, "Comune di ")
	street := strings.TrimSpace(strings.Split(address, ",")[0])
	channel := map[string]any{
		"@type": "ServiceChannel",
		"name":  "Dove rivolgersi",
		"availableLanguage": map[string]any{
			"@type": "Language", "name": "Italian", "alternateName": "it",
		},
		"serviceLocation": map[string]any{
			"@type": "Place",
			"name":  o.Name,
			"address": map[string]any{
				"@type":           "PostalAddress",
				"streetAddress":   street,
				"postalCode":      cap,
				"addressLocality": locality,
			},
		},
	}
	// The digital channel: the card itself when the service is not online.
	serviceURL := "https://" + r.Host + cardURL(c)
	if strings.HasPrefix(start, "https://") {
		serviceURL = start
	} else if start != "" {
		serviceURL = "https://" + r.Host + start
	}
	channel["serviceUrl"] = serviceURL
	audience := strings.Join(strings.Fields(c.WhoFor), " ")
	if len([]rune(audience)) > 300 {
		audience = string([]rune(audience)[:300])
	}
	return map[string]any{
		"@context":         "https://schema.org",
		"@type":            "GovernmentService",
		"name":             c.Title,
		"description":      c.Summary,
		"serviceType":      c.CategoryLabel(),
		"serviceOperator":  map[string]any{"@type": "GovernmentOrganization", "name": t.Name},
		"areaServed":       map[string]any{"@type": "AdministrativeArea", "name": locality},
		"audience":         map[string]any{"@type": "Audience", "audienceType": audience},
		"availableChannel": channel,
	}
}

func (s *Server) serviceCard(w http.ResponseWriter, r *http.Request) {
	c, err := s.Services.CardBySlug(r.Context(), info(r).Tenant.ID, r.PathValue("slug"))
	if apperr.Is(err, apperr.NotFound) || (err == nil && !c.Published) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.Category != r.PathValue("category") {
		// The category changed since the link was made: send to the card's address.
		http.Redirect(w, r, cardURL(c), http.StatusMovedPermanently)
		return
	}
	s.renderCard(w, r, c, false)
}

func (s *Server) renderCard(w http.ResponseWriter, r *http.Request, c services.Card, preview bool) {
	v, err := s.cardView(r, c, preview)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/servizio.html", Title: c.Title,
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: c.CategoryLabel(), URL: "/servizi/" + c.Category}, {Label: c.Title}},
		Data:   v})
}

// ---- Back office: service cards ----

// boServicesData is the editors' list of cards.
type boServicesData struct {
	Cards   []services.Card
	Offices map[int64]string
}

func (s *Server) boServices(w http.ResponseWriter, r *http.Request) {
	ctx, tid := r.Context(), info(r).Tenant.ID
	cards, err := s.Services.Cards(ctx, tid, services.Query{Text: r.URL.Query().Get("q")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offices, err := s.officeNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/servizi.html", Title: "svc.bo.title", Data: boServicesData{Cards: cards, Offices: offices}})
}

func (s *Server) officeNames(r *http.Request) (map[int64]string, error) {
	offices, err := s.Accounts.Offices(r.Context(), info(r).Tenant.ID)
	if err != nil {
		return nil, err
	}
	m := map[int64]string{}
	for _, o := range offices {
		m[o.ID] = o.Name
	}
	return m, nil
}

// serviceForm is the card editor.
type serviceForm struct {
	Card       services.Card
	New        bool
	Offices    []accounts.Office
	Categories []vocab.ServiceCategory
	Topics     []vocab.Topic
	Statuses   []services.Status
	Channels   []services.Channel
	AuthLevels []services.AuthLevel
	Audiences  []services.Audience
	// The options of the select boxes (labels are catalogue keys or plain text).
	CategoryOptions, StatusOptions, ChannelOptions, AuthOptions, OfficeOptions []option
	// AvailableOn is the date field's value (yyyy-mm-dd).
	AvailableOn string
}

// option is one choice of a select box.
type option struct{ Value, Label string }

func (s *Server) serviceForm(r *http.Request, c services.Card, isNew bool) (serviceForm, error) {
	offices, err := s.Accounts.Offices(r.Context(), info(r).Tenant.ID)
	f := serviceForm{Card: c, New: isNew, Offices: offices, Categories: vocab.ServiceCategories, Topics: vocab.Topics,
		Statuses: services.Statuses, Channels: services.Channels, AuthLevels: services.AuthLevels, Audiences: services.Audiences}
	for _, cat := range vocab.ServiceCategories {
		f.CategoryOptions = append(f.CategoryOptions, option{cat.Slug, cat.Label})
	}
	for _, st := range services.Statuses {
		f.StatusOptions = append(f.StatusOptions, option{string(st), "svc.status." + string(st)})
	}
	for _, ch := range services.Channels {
		f.ChannelOptions = append(f.ChannelOptions, option{string(ch), "svc.channel." + string(ch)})
	}
	for _, a := range services.AuthLevels {
		f.AuthOptions = append(f.AuthOptions, option{string(a), "svc.auth." + string(a)})
	}
	for _, o := range offices {
		f.OfficeOptions = append(f.OfficeOptions, option{strconv.FormatInt(o.ID, 10), o.Name})
	}
	if !c.AvailableOn.IsZero() {
		f.AvailableOn = c.AvailableOn.In(rome).Format("2006-01-02")
	}
	return f, err
}

// cardFromForm reads the editor's fields; a malformed number or date is reported
// on its field.
func cardFromForm(r *http.Request, tenantID, id int64) (services.Card, error) {
	f := r.PostFormValue
	c := services.Card{ID: id, TenantID: tenantID, Title: f("title"), Slug: f("slug"), Summary: f("summary"),
		Description: f("description"), Status: services.Status(f("status")), StatusReason: f("status_reason"),
		Category: f("category"), Topics: r.PostForm["topics"], WhoFor: f("who_for"), HowTo: f("how_to"),
		Needed: f("needed"), Outcome: f("outcome"), Timing: f("timing"), Access: f("access"), Conditions: f("conditions"),
		Costs: f("costs"), Channel: services.Channel(f("channel")), ExternalURL: f("external_url"),
		AuthLevel: services.AuthLevel(f("auth_level")), FormKey: f("form_key"),
		Business: f("business") == "on", AllowsWithdrawal: f("allows_withdrawal") == "on"}
	for _, a := range r.PostForm["audiences"] {
		c.Audiences = append(c.Audiences, services.Audience(a))
	}
	var v apperr.Validation
	if x := strings.TrimSpace(f("office_id")); x != "" {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			v.Add("office_id", "service.office.required")
		}
		c.OfficeID = n
	}
	for _, num := range []struct {
		field string
		dst   *int
		code  string
	}{
		{"max_response_days", &c.MaxResponseDays, "service.max_response_days.invalid"},
		{"max_upload_mb", &c.MaxUploadMB, "service.max_upload_mb.invalid"},
	} {
		if x := strings.TrimSpace(f(num.field)); x != "" {
			n, err := strconv.Atoi(x)
			if err != nil {
				v.Add(num.field, num.code)
			}
			*num.dst = n
		}
	}
	if x := strings.TrimSpace(f("available_on")); x != "" {
		d, err := time.ParseInLocation("2006-01-02", x, rome)
		if err != nil {
			v.Add("available_on", "service.available_on.required")
		}
		c.AvailableOn = d.UTC()
	}
	return c, v.Err()
}

// saveCard saves c unless the form had unreadable fields (parseErr); then it reports
// those together with every other problem of the card, so that one round trip shows
// them all.
func (s *Server) saveCard(r *http.Request, c *services.Card, parseErr error) error {
	if parseErr == nil {
		return s.Services.Save(r.Context(), c)
	}
	c.Normalize()
	all := apperr.As(parseErr)
	if e := apperr.As(c.Validate()); e != nil {
		seen := map[string]bool{}
		for _, f := range all.Fields {
			seen[f.Field] = true
		}
		for _, f := range e.Fields {
			if !seen[f.Field] {
				all.Fields = append(all.Fields, f)
			}
		}
	}
	return all
}

func serviceURL(id int64) string { return "/backoffice/servizi/" + strconv.FormatInt(id, 10) }

func (s *Server) boServiceNew(w http.ResponseWriter, r *http.Request) {
	f, err := s.serviceForm(r, services.Card{Status: services.StatusActive, Channel: services.ChannelOnline, AuthLevel: services.AuthSPID,
		Audiences: []services.Audience{services.AudienceCitizens}, MaxResponseDays: 30}, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/servizio.html", Title: "svc.bo.new.title", Data: f})
}

func (s *Server) boServiceCreate(w http.ResponseWriter, r *http.Request) {
	c, err := cardFromForm(r, info(r).Tenant.ID, 0)
	err = s.saveCard(r, &c, err)
	if err != nil {
		c.ID = 0
		f, ferr := s.serviceForm(r, c, true)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.render(w, r, page{Template: "backoffice/servizio.html", Title: "svc.bo.new.title", Data: f, Err: err})
		return
	}
	s.flash(w, r, "svc.bo.flash.created")
	seeOther(w, r, serviceURL(c.ID))
}

// cardForEdit loads a card of the request's tenant from the path.
func (s *Server) cardForEdit(r *http.Request) (services.Card, error) {
	id, ok := pathID(r)
	if !ok {
		return services.Card{}, errNotFound
	}
	return s.Services.Card(r.Context(), info(r).Tenant.ID, id)
}

func (s *Server) boService(w http.ResponseWriter, r *http.Request) {
	c, err := s.cardForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.serviceForm(r, c, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/servizio.html", Title: c.Title, Data: f})
}

func (s *Server) boServiceSave(w http.ResponseWriter, r *http.Request) {
	old, err := s.cardForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := cardFromForm(r, old.TenantID, old.ID)
	c.Published, c.TemplateID = old.Published, old.TemplateID
	err = s.saveCard(r, &c, err)
	if err != nil {
		f, ferr := s.serviceForm(r, c, false)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.render(w, r, page{Template: "backoffice/servizio.html", Title: old.Title, Data: f, Err: err})
		return
	}
	s.flash(w, r, "svc.bo.flash.saved")
	seeOther(w, r, serviceURL(c.ID))
}

func (s *Server) boServicePreview(w http.ResponseWriter, r *http.Request) {
	c, err := s.cardForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCard(w, r, c, true)
}

func (s *Server) boServicePublish(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.cardForEdit(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.Services.SetPublished(r.Context(), c.TenantID, c.ID, on); err != nil {
			if apperr.Is(err, apperr.Invalid) {
				f, ferr := s.serviceForm(r, c, false)
				if ferr != nil {
					s.fail(w, r, ferr)
					return
				}
				s.render(w, r, page{Template: "backoffice/servizio.html", Title: c.Title, Data: f, Err: err})
				return
			}
			s.fail(w, r, err)
			return
		}
		if on {
			s.flash(w, r, "svc.bo.flash.published")
		} else {
			s.flash(w, r, "svc.bo.flash.unpublished")
		}
		seeOther(w, r, serviceURL(c.ID))
	}
}

func (s *Server) boServiceDelete(w http.ResponseWriter, r *http.Request) {
	c, err := s.cardForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Template: "backoffice/servizio-elimina.html", Title: "svc.bo.delete.title", Data: c}
	if !confirmed(r) {
		s.render(w, r, p)
		return
	}
	if err := s.Services.Delete(r.Context(), c.TenantID, c.ID); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			p.Err = err
			s.render(w, r, p)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "svc.bo.flash.deleted")
	seeOther(w, r, "/backoffice/servizi")
}

// ---- Back office: adopting from the shared catalogue ----

// catalogueData is the catalogue as a tenant admin sees it.
type catalogueData struct {
	Templates []services.Template
	Offices   []accounts.Office
}

func (s *Server) boCatalogue(w http.ResponseWriter, r *http.Request) {
	s.renderCatalogue(w, r, nil)
}

func (s *Server) renderCatalogue(w http.ResponseWriter, r *http.Request, formErr error) {
	list, err := s.Services.Templates(r.Context(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	offices, err := s.Accounts.Offices(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/catalogo.html", Title: "svc.catalogue.title", Data: catalogueData{Templates: list, Offices: offices}, Err: formErr})
}

func (s *Server) boCatalogueAdopt(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	office, err := strconv.ParseInt(r.PostFormValue("office_id"), 10, 64)
	if err != nil || office <= 0 {
		s.renderCatalogue(w, r, fieldError("office_id", "service.office.required"))
		return
	}
	c, err := s.Services.Adopt(r.Context(), info(r).Tenant.ID, id, office)
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			s.renderCatalogue(w, r, onFieldIfNone(err, "office_id"))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "svc.catalogue.flash.adopted")
	seeOther(w, r, serviceURL(c.ID))
}

// ---- Platform console: publishing templates ----

// platCatalogueData is the operator's catalogue page.
type platCatalogueData struct {
	Templates []services.Template
	Sources   []cardSource // the cards that can be published
	Tenants   map[int64]string
}

// cardSource is a tenant's card offered for publication.
type cardSource struct {
	Value string // "<tenant id>:<card id>"
	Label string
}

func (s *Server) platCatalogue(w http.ResponseWriter, r *http.Request) {
	s.renderPlatCatalogue(w, r, nil)
}

func (s *Server) renderPlatCatalogue(w http.ResponseWriter, r *http.Request, formErr error) {
	ctx := r.Context()
	list, err := s.Services.Templates(ctx, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ts, err := s.Tenants.List(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := platCatalogueData{Templates: list, Tenants: map[int64]string{}}
	for _, t := range ts {
		d.Tenants[t.ID] = t.Name
		cards, err := s.Services.Cards(ctx, t.ID, services.Query{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range cards {
			d.Sources = append(d.Sources, cardSource{Value: strconv.FormatInt(t.ID, 10) + ":" + strconv.FormatInt(c.ID, 10), Label: t.Name + " — " + c.Title})
		}
	}
	s.render(w, r, page{Template: "platform/catalogo.html", Title: "svc.catalogue.title", Data: d, Err: formErr})
}

func (s *Server) platCataloguePublish(w http.ResponseWriter, r *http.Request) {
	tid, cid, ok := strings.Cut(r.PostFormValue("source"), ":")
	tenantID, err1 := strconv.ParseInt(tid, 10, 64)
	cardID, err2 := strconv.ParseInt(cid, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		s.renderPlatCatalogue(w, r, fieldError("source", "service.template.source.invalid"))
		return
	}
	var operatorID int64
	if op := info(r).Operator; op != nil {
		operatorID = op.ID
	}
	if _, err := s.Services.PublishTemplate(r.Context(), tenantID, cardID, operatorID, r.PostFormValue("note")); err != nil {
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.NotFound {
			code := "service.template.source.invalid"
			if e := apperr.As(err); e != nil && e.Kind == apperr.Invalid {
				code = e.Code
			}
			s.renderPlatCatalogue(w, r, fieldError("source", code))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "svc.catalogue.flash.published")
	seeOther(w, r, "/catalogo")
}

func (s *Server) platCatalogueWithdraw(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Services.WithdrawTemplate(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "svc.catalogue.flash.withdrawn")
	seeOther(w, r, "/catalogo")
}

// Query returns a query-string parameter of the request (for search boxes).
func (v *view) Query(name string) string { return v.r.URL.Query().Get(name) }
