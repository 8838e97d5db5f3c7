package web

import (
	"fmt"
	"net/http"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/tenants"
	"piazza/internal/vocab"
)

// ServiceCategories are the model's service categories (see package vocab).
var ServiceCategories = vocab.ServiceCategories

func (s *Server) siteRoutes() []route {
	m := tenants.ModuleSite
	return []route{
		{pattern: "GET /{$}", handler: s.home},
		{pattern: "GET /amministrazione/uffici", handler: s.offices, module: m},
		{pattern: "GET /amministrazione/uffici/{slug}", handler: s.office, module: m},
		{pattern: "GET /novita", handler: s.sectionPage("site/novita.html", "site.first.news"), module: m},
		{pattern: "GET /vivere-il-comune", handler: s.sectionPage("site/vivere.html", "site.first.live"), module: m},
		{pattern: "GET /domande-frequenti", handler: s.faqPage},
		{pattern: "GET /privacy", handler: s.staticPage("site/privacy.html", "site.privacy.title")},
		{pattern: "GET /note-legali", handler: s.staticPage("site/note-legali.html", "site.legal.title")},
		{pattern: "GET /tema.css", handler: s.themeCSS},
		{pattern: "GET /stemma", handler: s.coatOfArms},
	}
}

type homeData struct {
	Offices    []accounts.Office
	Categories []vocab.ServiceCategory
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	offices, err := s.Accounts.Offices(r.Context(), ri.Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/home.html", Title: "site.home.title", Data: homeData{Offices: offices, Categories: ServiceCategories}})
}

func (s *Server) sectionPage(tmpl, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, page{Template: tmpl, Title: title, Crumbs: []Crumb{{Label: title}}})
	}
}

func (s *Server) staticPage(tmpl, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, page{Template: tmpl, Title: title, Crumbs: []Crumb{{Label: title}}})
	}
}

func (s *Server) offices(w http.ResponseWriter, r *http.Request) {
	offices, err := s.Accounts.Offices(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/uffici.html", Title: "site.second.uffici",
		Crumbs: []Crumb{{Label: "site.first.management", URL: "/amministrazione"}, {Label: "site.second.uffici"}}, Data: offices})
}

func (s *Server) office(w http.ResponseWriter, r *http.Request) {
	o, err := s.Accounts.OfficeBySlug(r.Context(), info(r).Tenant.ID, r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.officeView(r, o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/ufficio.html", Title: o.Name,
		Crumbs: []Crumb{{Label: "site.first.management", URL: "/amministrazione"}, {Label: "site.second.uffici", URL: "/amministrazione/uffici"}, {Label: o.Name}}, Data: d})
}

// themeCSS serves the tenant's colours. The URL carries the tenant version, so it is
// cached until the tenant changes.
func (s *Server) themeCSS(w http.ResponseWriter, r *http.Request) {
	t := info(r).Tenant
	c := t.PrimaryColor
	if !strings.HasPrefix(c, "#") || len(c) != 7 {
		c = "#0066CC"
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	fmt.Fprintf(w, `:root{--piazza-primary:%[1]s}
.it-header-center-wrapper,.it-header-navbar-wrapper,.it-footer-main{background-color:%[1]s}
.it-header-slim-wrapper{background-color:#1a1a1a}
.btn-primary{--bs-btn-bg:%[1]s;--bs-btn-border-color:%[1]s;background-color:%[1]s;border-color:%[1]s}
@media (min-width:992px){.it-header-navbar-wrapper{background-color:%[1]s}}
`, c)
}

// coatOfArms serves the tenant's coat of arms from blob storage.
func (s *Server) coatOfArms(w http.ResponseWriter, r *http.Request) {
	s.serveCoatOfArms(w, r, info(r).Tenant)
}

// serveCoatOfArms writes a tenant's coat of arms; with ?v=<sha256> it may be cached
// for a year (the URL changes with the image).
func (s *Server) serveCoatOfArms(w http.ResponseWriter, r *http.Request, t *tenants.Tenant) {
	if t.CoatOfArms.Key == "" {
		s.notFound(w, r)
		return
	}
	data, err := s.Blobs.Get(r.Context(), t.CoatOfArms.Key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", t.CoatOfArms.ContentType)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("ETag", `"`+t.CoatOfArms.SHA256+`"`)
	if r.URL.Query().Get("v") == t.CoatOfArms.SHA256 {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	w.Write(data)
}
