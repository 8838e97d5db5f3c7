package web

import (
	"maps"
	"net/http"
	"sort"
	"strconv"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

// Citizens sign in with SPID or CIE through their comune's OpenID Connect gateway
// (s.CitizenAuth). A sign-in in progress lives in the browser's session, keyed by
// its state, for at most loginTTL; a browser may have a few going at once (several
// tabs), never more than maxPendingLogins.
const (
	loginTTL         = 10 * time.Minute
	maxPendingLogins = 5
)

// citizenRoutes: citizen sign-in through OpenID Connect and the personal area.
func (s *Server) citizenRoutes() []route {
	return []route{
		{pattern: "GET /accedi", handler: s.citizenLogin, personal: true},
		{pattern: "GET /accedi/{method}", handler: s.citizenLoginStart, personal: true},
		{pattern: "GET /auth/callback", handler: s.citizenCallback, personal: true},
		{pattern: "POST /esci", handler: s.citizenLogout, personal: true, maxBody: 4 << 10},
		{pattern: "GET /area-personale", handler: s.personalArea, access: citizen},
		{pattern: "GET /area-personale/profilo", handler: s.profileForm, access: citizen},
		{pattern: "POST /area-personale/profilo", handler: s.profileSave, access: citizen, maxBody: 16 << 10},
	}
}

// loginPage is the data of the sign-in page.
type loginPage struct {
	Available bool   // the comune has citizen sign-in configured and enabled
	Demo      bool   // the demo identity provider stands in for SPID and CIE
	Next      string // where to go afterwards (a safe local path), or ""
}

// citizenSignIn returns the tenant's sign-in settings when citizen sign-in is on.
func (s *Server) citizenSignIn(r *http.Request) (tenants.OIDC, bool, error) {
	if s.CitizenAuth == nil {
		return tenants.OIDC{}, false, nil
	}
	o, err := s.Tenants.OIDC(r.Context(), info(r).Tenant.ID)
	if apperr.Is(err, apperr.NotFound) {
		return o, false, nil
	}
	if err != nil {
		return o, false, err
	}
	return o, o.Enabled && o.IssuerURL != "" && o.ClientID != "", nil
}

func (s *Server) citizenLogin(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	next := safeNext(r.URL.Query().Get("next"), "")
	if ri.Citizen != nil {
		seeOther(w, r, safeNext(next, "/area-personale"))
		return
	}
	_, on, err := s.citizenSignIn(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "citizen/accedi.html", Title: "citizen.login.title", Crumbs: []Crumb{{Label: "citizen.login.title"}},
		Data: loginPage{Available: on, Demo: s.demo, Next: next}})
}

// callbackURL is where the provider sends the browser back: this host, so the
// session cookie comes along.
func (s *Server) callbackURL(r *http.Request) string {
	return s.baseURL(r, "") + "/auth/callback"
}

// citizenLoginStart sends the browser to the identity provider. SPID and CIE both
// go through the comune's gateway, which offers the choice of identity provider.
func (s *Server) citizenLoginStart(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if m := r.PathValue("method"); m != "spid" && m != "cie" {
		s.notFound(w, r)
		return
	}
	next := safeNext(r.URL.Query().Get("next"), "")
	if ri.Citizen != nil {
		seeOther(w, r, safeNext(next, "/area-personale"))
		return
	}
	if s.CitizenAuth == nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "oidc.not_configured")
		return
	}
	authURL, state, pending, err := s.CitizenAuth.Start(r.Context(), ri.Tenant, s.callbackURL(r))
	if err != nil {
		s.loginFailed(w, r, err)
		return
	}
	pending.Return = next
	sess, err := s.anonymousSession(w, r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := sess.Data
	d.Logins = prunePending(d.Logins, s.clock())
	d.Logins[state] = pending
	if err := s.saveSession(r, d); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.allowFormTarget(w, authURL)
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// prunePending returns a copy of the pending sign-ins without the expired ones and
// with room for one more.
func prunePending(in map[string]session.PendingLogin, now time.Time) map[string]session.PendingLogin {
	out := make(map[string]session.PendingLogin, len(in)+1)
	for k, p := range in {
		if pendingValid(p, now) {
			out[k] = p
		}
	}
	for len(out) >= maxPendingLogins {
		keys := make([]string, 0, len(out))
		for k := range out {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return out[keys[i]].Started.Before(out[keys[j]].Started) })
		delete(out, keys[0])
	}
	return out
}

func pendingValid(p session.PendingLogin, now time.Time) bool {
	return now.Sub(p.Started) <= loginTTL && !p.Started.After(now.Add(time.Minute))
}

// loginError is the data of the page shown when a sign-in does not complete.
type loginError struct {
	Message string // catalogue key
}

func (s *Server) loginErrorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	s.render(w, r, page{Template: "citizen/errore.html", Title: "citizen.login.failed_title",
		Crumbs: []Crumb{{Label: "citizen.login.title", URL: "/accedi"}, {Label: "citizen.login.failed_title"}},
		Data:   loginError{Message: key}, Status: status})
}

// loginFailed shows why a sign-in failed: the provider's answer was refused
// (Unauthenticated: the cause is logged and audited) or the provider is not there
// (Unavailable). Anything else is an internal error.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e == nil || (e.Kind != apperr.Unauthenticated && e.Kind != apperr.Unavailable) {
		s.fail(w, r, err)
		return
	}
	ri := info(r)
	s.log.WarnContext(r.Context(), "citizen sign-in failed", "err", err, "request_id", ri.ID, "tenant", ri.Tenant.Slug)
	if e.Kind == apperr.Unauthenticated {
		if aerr := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "citizen.sign_in_failed", "citizen", "", e.Code)); aerr != nil {
			s.log.ErrorContext(r.Context(), "audit", "err", aerr, "request_id", ri.ID)
		}
	}
	s.loginErrorPage(w, r, statusOf(e.Kind), e.Code)
}

// citizenCallback completes a sign-in: the state must name a sign-in this browser
// started less than loginTTL ago; it is used once.
func (s *Server) citizenCallback(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	q := r.URL.Query()
	state := q.Get("state")
	var pending session.PendingLogin
	found := false
	if ri.Session != nil && state != "" && len(state) <= 200 {
		pending, found = ri.Session.Data.Logins[state]
	}
	if !found || !pendingValid(pending, s.clock()) {
		s.loginErrorPage(w, r, http.StatusBadRequest, "citizen.login.bad_state")
		return
	}
	d := ri.Session.Data
	d.Logins = maps.Clone(d.Logins)
	delete(d.Logins, state)
	if err := s.saveSession(r, d); err != nil {
		s.serverError(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		key := "citizen.login.provider_error"
		if e == "access_denied" {
			key = "citizen.login.cancelled"
		}
		s.log.InfoContext(r.Context(), "citizen sign-in: provider answered with an error", "error", clipString(e, 100), "request_id", ri.ID)
		s.loginErrorPage(w, r, http.StatusBadRequest, key)
		return
	}
	code := q.Get("code")
	if code == "" || s.CitizenAuth == nil {
		s.loginErrorPage(w, r, http.StatusBadRequest, "citizen.login.bad_state")
		return
	}
	id, idToken, err := s.CitizenAuth.Finish(r.Context(), ri.Tenant, s.callbackURL(r), pending, code)
	if err != nil {
		s.loginFailed(w, r, err)
		return
	}
	c, err := s.Accounts.CitizenSignIn(r.Context(), ri.Tenant.ID, id)
	if err != nil {
		s.loginFailed(w, r, err)
		return
	}
	if err := s.startSession(w, r, session.Citizen, 0, c.ID, session.Data{IDToken: idToken}); err != nil {
		s.serverError(w, r, err)
		return
	}
	ri.Citizen = &c
	s.setLanguage(w, ri, c.Language)
	seeOther(w, r, safeNext(pending.Return, "/area-personale"))
}

// setLanguage remembers the citizen's language for the pages.
func (s *Server) setLanguage(w http.ResponseWriter, ri *reqInfo, lang string) {
	if lang != "it" && lang != "en" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: ri.Secure, SameSite: http.SameSiteLaxMode})
}

// citizenLogout ends the session here, then at the identity provider (which sends
// the browser back to the home page).
func (s *Server) citizenLogout(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	c := ri.Citizen
	idToken := ""
	if c != nil {
		idToken = ri.Session.Data.IDToken
	}
	if err := s.endSession(w, r); err != nil {
		s.serverError(w, r, err)
		return
	}
	target := "/"
	if c == nil {
		seeOther(w, r, target)
		return
	}
	if err := s.Audit.AppendAudit(r.Context(), audit.New(r.Context(), ri.Tenant.ID, "citizen.sign_out", "citizen", strconv.FormatInt(c.ID, 10), "")); err != nil {
		s.log.ErrorContext(r.Context(), "audit", "err", err, "request_id", ri.ID)
	}
	if s.CitizenAuth != nil {
		u, err := s.CitizenAuth.LogoutURL(r.Context(), ri.Tenant, idToken, s.baseURL(r, "")+"/")
		if err != nil {
			// Signed out here in any case; the provider's session ends on its own.
			s.log.WarnContext(r.Context(), "citizen sign-out at the provider", "err", err, "request_id", ri.ID)
		} else if u != "" {
			target = u
		}
	}
	seeOther(w, r, target)
}

// allowLogout lets the page's sign-out form lead on to the identity provider.
func (s *Server) allowLogout(w http.ResponseWriter, r *http.Request) {
	if o, on, err := s.citizenSignIn(r); err == nil && on {
		s.allowFormTarget(w, o.IssuerURL)
	}
}

// areaPage is the data of the personal area.
type areaPage struct {
	Citizen  *accounts.Citizen
	LevelKey string // catalogue key of the authentication level, or ""
}

// levels names the SPID and CIE authentication levels.
var levels = map[string]string{
	"https://www.spid.gov.it/SpidL1": "citizen.level.spid1",
	"https://www.spid.gov.it/SpidL2": "citizen.level.spid2",
	"https://www.spid.gov.it/SpidL3": "citizen.level.spid3",
	"CIE_L1":                         "citizen.level.cie1",
	"CIE_L2":                         "citizen.level.cie2",
	"CIE_L3":                         "citizen.level.cie3",
}

func (s *Server) personalArea(w http.ResponseWriter, r *http.Request) {
	c := info(r).Citizen
	s.allowLogout(w, r)
	s.render(w, r, page{Template: "citizen/area-personale.html", Title: "citizen.area.title", Crumbs: []Crumb{{Label: "citizen.area.title"}},
		Data: areaPage{Citizen: c, LevelKey: levels[c.AuthLevel]}})
}

// profileForm is the data of the contacts and preferences form.
type profileForm struct {
	Email       string
	Phone       string
	Language    string
	NotifyEmail bool
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, f profileForm, err error) {
	s.render(w, r, page{Template: "citizen/profilo.html", Title: "citizen.profile.title",
		Crumbs: []Crumb{{Label: "citizen.area.title", URL: "/area-personale"}, {Label: "citizen.profile.title"}}, Data: f, Err: err})
}

func (s *Server) profileForm(w http.ResponseWriter, r *http.Request) {
	c := info(r).Citizen
	s.profilePage(w, r, profileForm{Email: c.Email, Phone: c.Phone, Language: c.Language, NotifyEmail: c.NotifyEmail}, nil)
}

func (s *Server) profileSave(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	f := profileForm{Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"), Language: r.PostFormValue("language"),
		NotifyEmail: r.PostFormValue("notify_email") == "1"}
	p := accounts.Profile{Email: f.Email, Phone: f.Phone, Language: f.Language, NotifyEmail: f.NotifyEmail}
	if err := s.Accounts.UpdateProfile(r.Context(), ri.Tenant.ID, ri.Citizen.ID, p); err != nil {
		s.profilePage(w, r, f, err)
		return
	}
	p.Normalize()
	s.setLanguage(w, ri, p.Language)
	s.flash(w, r, "citizen.profile.saved")
	seeOther(w, r, "/area-personale")
}
