package web

import (
	"html/template"
	"net/http"
	"slices"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/content"
	"piazza/internal/services"
	"piazza/internal/tenants"
)

// managementSection is a second-level page of Amministrazione. Its label is the
// model's title (C.SI.1.7 compares it with the vocabulary), so it is not
// translated, like the first-level menu.
type managementSection struct {
	Slug, Label string
	Kind        content.Kind // "" for the offices, which live in the accounts module
}

// managementSections are the model's second-level pages of Amministrazione, in
// the order of the model's template.
var managementSections = []managementSection{
	{"organi-di-governo", "Organi di governo", content.KindOrganisation},
	{"aree-amministrative", "Aree amministrative", content.KindOrganisation},
	{"uffici", "Uffici", ""},
	{"enti-e-fondazioni", "Enti e fondazioni", content.KindOrganisation},
	{"politici", "Politici", content.KindPerson},
	{"personale-amministrativo", "Personale amministrativo", content.KindPerson},
	{"documenti-e-dati", "Documenti e dati", content.KindDocument},
}

func sectionBySlug(slug string) (managementSection, bool) {
	i := slices.IndexFunc(managementSections, func(m managementSection) bool { return m.Slug == slug })
	if i < 0 {
		return managementSection{}, false
	}
	return managementSections[i], true
}

func (s *Server) managementRoutes() []route {
	m := tenants.ModuleSite
	return []route{
		{pattern: "GET /amministrazione", handler: s.management, module: m},
		{pattern: "GET /amministrazione/{section}", handler: s.managementList, module: m},
		{pattern: "GET /amministrazione/{section}/{slug}", handler: s.managementItem, module: m},
	}
}

func (s *Server) management(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, page{Template: "site/amministrazione.html", Title: "site.first.management",
		Crumbs: []Crumb{{Label: "site.first.management"}}, Data: managementSections})
}

// managementListData is a second-level page of Amministrazione.
type managementListData struct {
	Section managementSection
	Items   []content.Item
	// Documents: the types with documents, and the one chosen (?tipo=).
	Types []string
	Type  string
	Pager pager
}

// managementPerPage is the length of a page of documents.
const managementPerPage = 24

func (s *Server) managementList(w http.ResponseWriter, r *http.Request) {
	sec, ok := sectionBySlug(r.PathValue("section"))
	if !ok || sec.Kind == "" {
		s.notFound(w, r)
		return
	}
	tid := info(r).Tenant.ID
	d := managementListData{Section: sec}
	q := content.Query{Kind: sec.Kind, Type: sec.Slug, Public: true}
	n := pageNumber(r)
	if sec.Kind == content.KindDocument {
		q.Type = ""
		if t := r.URL.Query().Get("tipo"); slices.Contains(content.DocumentTypes, t) {
			q.Type, d.Type = t, t
		}
		q.Offset, q.Limit = (n-1)*managementPerPage, managementPerPage
		d.Types = content.DocumentTypes
	}
	p, err := s.Content.List(r.Context(), tid, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items = p.Items
	if sec.Kind == content.KindDocument {
		pages := max((p.Total+managementPerPage-1)/managementPerPage, 1)
		if n > pages {
			s.notFound(w, r)
			return
		}
		query := ""
		if d.Type != "" {
			query = "tipo=" + d.Type
		}
		d.Pager = pager{Page: n, Pages: pages, Base: "/amministrazione/documenti-e-dati", Query: query}
	}
	title := "site.second." + sec.Slug
	s.render(w, r, page{Template: "site/amministrazione-lista.html", Title: title,
		Crumbs: []Crumb{{Label: "site.first.management", URL: "/amministrazione"}, {Label: title}}, Data: d})
}

func (s *Server) managementItem(w http.ResponseWriter, r *http.Request) {
	sec, ok := sectionBySlug(r.PathValue("section"))
	if !ok || sec.Kind == "" {
		s.notFound(w, r)
		return
	}
	it, ok := s.publicItem(w, r, sec.Kind)
	if !ok {
		return
	}
	if it.Type() != sec.Slug && sec.Kind != content.KindDocument {
		http.Redirect(w, r, it.URL(), http.StatusMovedPermanently)
		return
	}
	s.renderItem(w, r, it, false)
}

// adminView adds to an item's page what the Amministrazione pages show: the
// person's or document's office, the person's body, a body's members.
func (s *Server) adminView(r *http.Request, v *itemView) error {
	ctx, it := r.Context(), v.Item
	now := s.Content.Now()
	office := it.Person.OfficeID
	if it.Kind == content.KindDocument {
		office = it.Document.OfficeID
	}
	if office != 0 {
		o, err := s.Accounts.Office(ctx, it.TenantID, office)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if err == nil {
			v.Office = &o
		}
	}
	if it.Kind == content.KindPerson && it.Person.OrganisationID != 0 {
		o, err := s.Content.Item(ctx, it.TenantID, it.Person.OrganisationID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if err == nil && o.Public(now) {
			v.Organisation = &o
		}
	}
	if it.Kind == content.KindOrganisation {
		people, err := s.Content.List(ctx, it.TenantID, content.Query{Kind: content.KindPerson, Public: true})
		if err != nil {
			return err
		}
		for _, p := range people.Items {
			if p.Person.OrganisationID == it.ID {
				v.Members = append(v.Members, p)
			}
		}
	}
	return nil
}

// officeData is an office's page: its people, services and documents.
type officeData struct {
	accounts.Office
	People    []content.Item
	Services  []services.Card
	Documents []content.Item
}

func (s *Server) officeView(r *http.Request, o accounts.Office) (officeData, error) {
	ctx, tid := r.Context(), o.TenantID
	d := officeData{Office: o}
	people, err := s.Content.List(ctx, tid, content.Query{Kind: content.KindPerson, Public: true})
	if err != nil {
		return d, err
	}
	for _, p := range people.Items {
		if p.Person.OfficeID == o.ID {
			d.People = append(d.People, p)
		}
	}
	docs, err := s.Content.List(ctx, tid, content.Query{Kind: content.KindDocument, Public: true})
	if err != nil {
		return d, err
	}
	for _, doc := range docs.Items {
		if doc.Document.OfficeID == o.ID && len(d.Documents) < 10 {
			d.Documents = append(d.Documents, doc)
		}
	}
	if s.Services != nil {
		cards, err := s.Services.Cards(ctx, tid, services.Query{Published: true})
		if err != nil {
			return d, err
		}
		for _, c := range cards {
			if c.OfficeID == o.ID {
				d.Services = append(d.Services, c)
			}
		}
	}
	return d, nil
}

// faqData is the FAQ page: the comune's questions, then the platform's own.
type faqData struct {
	Items []faqEntry
}

// faqEntry is a question with its answer rendered (sanitized by content.Render).
type faqEntry struct {
	content.Item
	Answer template.HTML
}

func (s *Server) faqPage(w http.ResponseWriter, r *http.Request) {
	var d faqData
	if info(r).Tenant.Has(tenants.ModuleSite) {
		p, err := s.Content.List(r.Context(), info(r).Tenant.ID, content.Query{Kind: content.KindFAQ, Public: true})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, it := range p.Items {
			h, err := content.Render(it.Body)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Items = append(d.Items, faqEntry{Item: it, Answer: template.HTML(h)})
		}
	}
	s.render(w, r, page{Template: "site/faq.html", Title: "site.faq.title", Crumbs: []Crumb{{Label: "site.faq.title"}}, Data: d})
}
