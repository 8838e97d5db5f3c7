package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/tenants"
)

// access says who may use a route.
type access int

const (
	public   access = iota // anyone
	citizen                // a signed-in citizen of the tenant
	staff                  // a signed-in staff member of the tenant (with one of roles, if any)
	operator               // a signed-in platform operator
)

// route is one entry of a route table.
type route struct {
	pattern string // ServeMux pattern, "GET /servizi/{slug}"
	handler http.HandlerFunc
	access  access
	roles   []accounts.Role // for staff routes: any of these (none: any role)
	module  tenants.Module  // the tenant must have it enabled ("" for none)
	maxBody int64           // body limit; 0 means PIAZZA_MAX_BODY_BYTES
	// personal marks a public route whose content depends on who is signed in
	// (e.g. sign-in pages), so it is never cached.
	personal bool
	// totpSetup marks a staff route open to a staff member who has yet to set up the
	// second factor their tenant requires (the security page); every other staff
	// route sends them there first.
	totpSetup bool
	// platform is set by buildRoutes for the platform console's routes.
	platform bool
	// anonymousPost marks a public form that anonymous visitors send from any page
	// (the page rating): it is checked by the browser's origin headers alone, since a
	// token would need a cookie on every public page.
	anonymousPost bool
}

// buildRoutes assembles the two route tables. Each area of the product contributes
// its routes from its own file.
func (s *Server) buildRoutes() {
	s.tenantMx = http.NewServeMux()
	s.platMx = http.NewServeMux()
	tenantRoutes := concat(
		s.siteRoutes(),
		s.citizenRoutes(),
		s.staffAuthRoutes(),
		s.backofficeRoutes(),
		s.servicesRoutes(),
		s.formsRoutes(),
		s.protocolRoutes(),
		s.outboxRoutes(),
		s.feedbackRoutes(),
		s.contentRoutes(),
		s.managementRoutes(),
		s.applicationRoutes(),
		s.applicationOfficeRoutes(),
		s.searchRoutes(),
		s.consentRoutes(),
		s.bookingRoutes(),
		s.bookingPendingRoutes(),
		s.bookingOfficeRoutes(),
		s.bookingCalendarRoutes(),
		s.bookingDeskRoutes(),
		s.reportRoutes(),
		s.reportOfficeRoutes(),
		s.open311Routes(),
	)
	platformRoutes := concat(
		s.platformAuthRoutes(),
		s.platformRoutes(),
		s.catalogueRoutes(),
		s.platformOutboxRoutes(),
	)
	for _, rt := range tenantRoutes {
		s.tenantMx.Handle(rt.pattern, s.wrap(rt))
	}
	for i := range platformRoutes {
		platformRoutes[i].platform = true
		s.platMx.Handle(platformRoutes[i].pattern, s.wrap(platformRoutes[i]))
	}
	if s.DemoIdP != nil {
		s.platMx.Handle("/demo-idp/", s.DemoIdP)
	}
	// Anything else is a translated 404 page (never the mux's plain-text one).
	s.tenantMx.HandleFunc("/", s.notFound)
	s.platMx.HandleFunc("/", s.notFound)
	s.routes = append(tenantRoutes, platformRoutes...)
}

func concat(lists ...[]route) []route {
	var out []route
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// wrap applies a route's rules: body limit, CSRF check on unsafe methods, access
// control and module check, and records the pattern for metrics.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		ri.Pattern = rt.pattern
		if rt.personal || rt.access != public {
			ri.personal = true
		}
		if rt.module != "" && (ri.Tenant == nil || !ri.Tenant.Has(rt.module)) {
			s.notFound(w, r)
			return
		}
		switch rt.access {
		case staff:
			if ri.Staff == nil {
				if ri.foreignSession || ri.Citizen != nil {
					// Signed in, but not as staff of this tenant: the back office does not
					// exist for them.
					s.notFound(w, r)
					return
				}
				s.redirectToLogin(w, r, "/backoffice/accedi")
				return
			}
			if ri.Tenant.RequireTOTP && !ri.Staff.Account.TOTPEnabled && !rt.totpSetup {
				seeOther(w, r, backofficePaths.Security)
				return
			}
			if len(rt.roles) > 0 && !ri.Staff.CanAny(rt.roles...) {
				s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
				return
			}
		case citizen:
			if ri.Citizen == nil {
				s.redirectToLogin(w, r, "/accedi")
				return
			}
		case operator:
			if ri.Operator == nil {
				s.redirectToLogin(w, r, "/accedi")
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			limit := rt.maxBody
			if limit == 0 {
				limit = s.cfg.MaxBodyBytes
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if err := s.parseForm(r, limit); err != nil {
				s.fail(w, r, err)
				return
			}
			csrf := s.checkCSRF
			if rt.anonymousPost {
				csrf = s.checkOrigin
			}
			if err := csrf(r); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if s.cacheable(rt, r, ri) {
			if s.serveCached(w, r, ri) {
				return
			}
			gen := s.pages.generation(ri.Tenant.ID) // before rendering: a change meanwhile wins
			rec := &pageRecorder{ResponseWriter: w}
			rt.handler(rec, r)
			s.storePage(r, ri, rec, gen)
			return
		}
		rt.handler(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !rt.anonymousPost {
			// Whatever a signed-in user changed, the tenant's stored pages may show it.
			if rt.platform {
				s.pages.changed(0)
			} else if ri.Tenant != nil {
				s.pages.changed(ri.Tenant.ID)
			}
		}
	})
}

// parseForm parses an urlencoded or multipart body and rejects invalid UTF-8 and
// control characters, so handlers only ever see clean text.
func (s *Server) parseForm(r *http.Request, limit int64) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(min(limit, 8<<20))
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return apperr.Wrap(apperr.Invalid, "error.bad_request", err)
	}
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if !validFormText(v) {
				return apperr.E(apperr.Invalid, "error.bad_encoding")
			}
		}
	}
	return nil
}

// redirectToLogin sends the browser to a sign-in page that returns here afterwards.
func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request, login string) {
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	if r.Method != http.MethodGet {
		next = ""
	}
	target := login
	if next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next if it is a local path (no scheme, host or "//"), else def.
func safeNext(next, def string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return def
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return def
	}
	return next
}

// seeOther redirects after a successful POST (POST/redirect/GET).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
