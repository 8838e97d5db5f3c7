package web

import (
	"net/http"
	"time"
)

// Consent to the comune's web analytics. Piazza itself sets technical cookies only
// (session, form token, language, this choice), which need no consent. A comune that
// measures its visits with Web Analytics Italia (Matomo) asks first: until a visitor
// accepts, its pages make no request to the analytics server and load no script of
// it; the banner (a plain form, so it works without JavaScript) asks on every page
// until the visitor chooses, and "Preferenze cookie" in the footer changes the choice.

// consentCookie keeps the visitor's choice: "si" or "no".
const consentCookie = "piazza_consent"

// consentMaxAge is how long a choice stands before the banner asks again (the
// Garante's guidelines on cookies: not before six months).
const consentMaxAge = 180 * 24 * time.Hour

func (s *Server) consentRoutes() []route {
	return []route{
		{pattern: "GET /preferenze-cookie", handler: s.consentPage},
		{pattern: "POST /preferenze-cookie", handler: s.consentSave, anonymousPost: true, maxBody: 4 << 10},
	}
}

// readConsent sets ri.Consent from the request's cookie ("" when not chosen).
func readConsent(r *http.Request, ri *reqInfo) {
	if c, err := r.Cookie(consentCookie); err == nil && (c.Value == "si" || c.Value == "no") {
		ri.Consent = c.Value
	}
}

// analyticsOn reports whether the page loads the comune's analytics.
func (ri *reqInfo) analyticsOn() bool {
	return ri.Tenant != nil && ri.Tenant.Analytics.Enabled() && ri.Consent == "si" && !ri.Platform
}

func (s *Server) consentPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, page{Template: "site/cookie.html", Title: "consent.title",
		Crumbs: []Crumb{{Label: "site.home", URL: "/"}, {Label: "consent.title"}},
		Data:   map[string]any{"Analytics": info(r).Tenant.Analytics.Enabled()}})
}

func (s *Server) consentSave(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	choice := r.PostFormValue("scelta")
	if choice != "si" && choice != "no" {
		s.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: consentCookie, Value: choice, Path: "/", MaxAge: int(consentMaxAge / time.Second),
		HttpOnly: true, Secure: ri.Secure, SameSite: http.SameSiteLaxMode})
	seeOther(w, r, safeNext(r.PostFormValue("next"), "/"))
}
