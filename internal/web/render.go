package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/tenants"
)

// Templates: templates/layout/<name>.html define the page frames ("public" for the
// comune's website and personal area, "backoffice", "platform", and "bare" for
// pages that have no tenant); templates/partials/*.html are shared pieces; every
// other file is a page whose first line names its layout:
//
//	{{/* layout: public */}}
//
// and which defines "content"; the page title comes from the handler. All are parsed once at start-up; a
// missing layout or a template error stops the server from starting.
//
//go:embed templates
var templateFS embed.FS

var layoutRE = regexp.MustCompile(`^\{\{/\*\s*layout:\s*([a-z]+)\s*\*/\}\}`)

// rome is the time zone for everything shown to people.
var rome = mustLoadRome()

func mustLoadRome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

var funcs = template.FuncMap{
	"dict": func(kv ...any) map[string]any { return pairs(kv) },
	"list": func(xs ...any) []any { return xs },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(rome).Format("02/01/2006")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(rome).Format("02/01/2006 15:04")
	},
	"isodate": func(t time.Time) string { return t.In(rome).Format(time.RFC3339) },
	"join":    strings.Join,
	"lines":   func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
	"hasModule": func(t *tenants.Tenant, m string) bool {
		return t != nil && t.Has(tenants.Module(m))
	},
	"add": func(a, b int) int { return a + b },
	"contains": func(list any, x any) bool {
		switch l := list.(type) {
		case []string:
			for _, s := range l {
				if s == fmt.Sprint(x) {
					return true
				}
			}
		case []int64:
			for _, v := range l {
				if v == x {
					return true
				}
			}
		}
		return false
	},
	"str":       func(x any) string { return fmt.Sprint(x) },
	"hasPrefix": strings.HasPrefix,
	"lower":     strings.ToLower,
	"reportLink": func(t *tenants.Tenant) string {
		if t.Has(tenants.ModuleReports) {
			return "/segnalazioni"
		}
		to := t.Contacts.Email
		if to == "" {
			to = t.Contacts.PEC
		}
		return "mailto:" + to + "?subject=" + url.PathEscape("Segnalazione disservizio")
	},
}

type renderer struct {
	pages map[string]*template.Template
}

func loadTemplates() (*renderer, error) {
	layouts := map[string]string{}
	var partials []string
	pages := map[string]string{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "templates/")
		switch {
		case strings.HasPrefix(name, "layout/"):
			layouts[strings.TrimSuffix(strings.TrimPrefix(name, "layout/"), ".html")] = string(b)
		case strings.HasPrefix(name, "partials/"):
			partials = append(partials, string(b))
		default:
			pages[name] = string(b)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for name, src := range pages {
		m := layoutRE.FindStringSubmatch(src)
		if m == nil {
			return nil, fmt.Errorf("template %s: first line must be {{/* layout: <name> */}}", name)
		}
		layout, ok := layouts[m[1]]
		if !ok {
			return nil, fmt.Errorf("template %s: unknown layout %q", name, m[1])
		}
		t := template.New(name).Funcs(funcs)
		for _, s := range append([]string{layout, src}, partials...) {
			if _, err := t.Parse(s); err != nil {
				return nil, fmt.Errorf("template %s: %w", name, err)
			}
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("template %s: must define content", name)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Crumb is one step of the breadcrumb.
type Crumb struct {
	Label string
	URL   string // empty for the current page
}

// view is what every template gets: the request facts (tenant, principal, language,
// CSRF token), the page's own data and, after a failed form, its errors.
type view struct {
	s      *Server
	ri     *reqInfo
	r      *http.Request
	w      http.ResponseWriter // for the CSRF cookie, set while rendering (before the header is written)
	Title  string
	Crumbs []Crumb
	Data   any
	Err    *apperr.Error // form errors to show
	Flash  string        // message key of a one-time notice
	Status int
}

// T translates a key with optional "Name", value pairs.
func (v *view) T(key string, args ...any) string {
	return translate(v.ri.localizer, key, pairs(args), nil)
}

// TN translates a key with a plural count.
func (v *view) TN(key string, count int, args ...any) string {
	m := pairs(args)
	if m == nil {
		m = map[string]any{}
	}
	m["Count"] = count
	return translate(v.ri.localizer, key, m, count)
}

// Asset returns the versioned URL of a static file.
func (v *view) Asset(p string) string { return v.s.assets.URL(p) }

// Icon returns the sprite URL of a Bootstrap Italia icon.
func (v *view) Icon(name string) string {
	return v.s.assets.URL("vendor/bootstrap-italia/svg/sprites.svg") + "#" + name
}

func (v *view) Tenant() *tenants.Tenant { return v.ri.Tenant }

// AskConsent reports whether the page shows the analytics consent banner.
func (v *view) AskConsent() bool {
	return v.ri.Tenant != nil && v.ri.Tenant.Analytics.Enabled() && v.ri.Consent == "" && v.r.URL.Path != "/preferenze-cookie"
}

// Analytics reports whether the page loads the comune's analytics.
func (v *view) Analytics() bool { return v.ri.analyticsOn() }

// Consent is the visitor's choice on analytics ("si", "no" or "").
func (v *view) Consent() string { return v.ri.Consent }

// Here is the page's address (path and query), to come back to after a form.
func (v *view) Here() string { return v.r.URL.RequestURI() }
func (v *view) Lang() string { return v.ri.Lang }

// CSRF returns the form token, giving the browser its CSRF cookie first if it has
// none (pages are rendered into a buffer, so the header is not written yet).
func (v *view) CSRF() string {
	if v.ri.CSRF == "" && v.w != nil {
		v.s.newCSRF(v.w, v.ri)
	}
	return v.ri.CSRF
}
func (v *view) Path() string      { return v.r.URL.Path }
func (v *view) RequestID() string { return v.ri.ID }
func (v *view) Info() *reqInfo    { return v.ri }
func (v *view) Demo() bool        { return v.s.demo }

// FieldError returns the translated error of a form field, or "".
func (v *view) FieldError(field string) string {
	if v.Err == nil {
		return ""
	}
	for _, f := range v.Err.Fields {
		if f.Field == field {
			return translate(v.ri.localizer, f.Code, f.Args, nil)
		}
	}
	return ""
}

// FieldErrors lists every field error for the error summary, in form order.
func (v *view) FieldErrors() []struct{ Field, Message string } {
	if v.Err == nil {
		return nil
	}
	var out []struct{ Field, Message string }
	for _, f := range v.Err.Fields {
		out = append(out, struct{ Field, Message string }{f.Field, translate(v.ri.localizer, f.Code, f.Args, nil)})
	}
	return out
}

// ErrorMessage is the translated main message of a failed action.
func (v *view) ErrorMessage() string {
	if v.Err == nil {
		return ""
	}
	return translate(v.ri.localizer, v.Err.Code, v.Err.Args, nil)
}

// LangURL is the current URL switching to another language.
func (v *view) LangURL(lang string) string {
	q := v.r.URL.Query()
	q.Set("lang", lang)
	return v.r.URL.Path + "?" + q.Encode()
}

// page describes what a handler renders.
type page struct {
	Template string
	Title    string // catalogue key or text for <title> and <h1>
	Crumbs   []Crumb
	Data     any
	Err      error
	Status   int
}

// render writes a page. Form errors (apperr.Invalid or Conflict with fields) are
// shown on the page with status 422 or 409; anything else in p.Err is logged and
// rendered as an error page instead.
func (s *Server) render(w http.ResponseWriter, r *http.Request, p page) {
	ri := info(r)
	t, ok := s.tmpl.pages[p.Template]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no template %q", p.Template))
		return
	}
	v := &view{s: s, ri: ri, r: r, w: w, Title: p.Title, Crumbs: p.Crumbs, Data: p.Data, Status: p.Status}
	if v.Status == 0 {
		v.Status = http.StatusOK
	}
	if p.Err != nil {
		e := apperr.As(p.Err)
		switch {
		case e != nil && (e.Kind == apperr.Invalid || e.Kind == apperr.Conflict || e.Kind == apperr.Unauthenticated || e.Kind == apperr.TooManyRequests):
			v.Err = e
			v.Status = statusOf(e.Kind)
		default:
			s.fail(w, r, p.Err)
			return
		}
	}
	if ri.Session != nil && ri.Session.Data.Flash != "" {
		v.Flash = ri.Session.Data.Flash
		d := ri.Session.Data
		d.Flash = ""
		s.saveSession(r, d)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.serverError(w, r, fmt.Errorf("render %s: %w", p.Template, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if ri.analyticsOn() {
		w.Header().Set("Content-Security-Policy", s.cspAnalytics(ri.Tenant.Analytics.Origin()))
	}
	w.WriteHeader(v.Status)
	w.Write(buf.Bytes())
}
