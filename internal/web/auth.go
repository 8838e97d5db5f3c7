package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/demo"
	"piazza/internal/session"
)

// Staff and operator sign-in. The same flows serve two surfaces: a tenant's back
// office (under /backoffice, in the back-office layout, for the tenant's staff) and
// the platform console (at the root of the platform host, for platform operators).
//
// A sign-in is email and password first (accounts.Service.Login throttles by email
// and by client address, and answers the same for an unknown email, a wrong password
// and a person who may not enter here). Then, when the account has a second factor,
// the code from the authenticator app; or, when the tenant requires a second factor
// the person has not set up yet, its enrollment. Between the password and the code
// the account waits in the browser's anonymous session (session.Data.PendingAccount)
// for at most pendingTTL. The session token changes when the password is accepted
// and again when the sign-in completes, so a token planted beforehand is useless.

// pendingTTL bounds the second-factor step after a correct password.
const pendingTTL = 5 * time.Minute

// authPaths are the URLs of the sign-in flows of one surface.
type authPaths struct {
	Home, Login, Code, Enroll, Forgot, Reset, Logout, Security string
	Console                                                    bool   // the platform console
	tmpl                                                       string // folder of the page templates (one per layout)
}

var backofficePaths = authPaths{
	Home: "/backoffice", Login: "/backoffice/accedi", Code: "/backoffice/accedi/codice", Enroll: "/backoffice/accedi/attiva-codice",
	Forgot: "/backoffice/password-dimenticata", Reset: "/backoffice/reimposta-password", Logout: "/backoffice/esci",
	Security: "/backoffice/sicurezza", tmpl: "auth/backoffice/",
}

// The console has no enrollment step: only a tenant can make the second factor
// mandatory.
var consolePaths = authPaths{
	Home: "/", Login: "/accedi", Code: "/accedi/codice", Forgot: "/password-dimenticata", Reset: "/reimposta-password",
	Logout: "/esci", Security: "/sicurezza", Console: true, tmpl: "auth/platform/",
}

func pathsFor(ri *reqInfo) *authPaths {
	if ri.Platform {
		return &consolePaths
	}
	return &backofficePaths
}

// staffAuthRoutes: staff sign-in to a tenant's back office.
func (s *Server) staffAuthRoutes() []route { return s.authRoutes(backofficePaths, staff) }

// platformAuthRoutes: operator sign-in to the platform console.
func (s *Server) platformAuthRoutes() []route { return s.authRoutes(consolePaths, operator) }

func (s *Server) authRoutes(p authPaths, who access) []route {
	rs := []route{
		{pattern: "GET " + p.Login, handler: s.loginForm, personal: true},
		{pattern: "POST " + p.Login, handler: s.login, personal: true},
		{pattern: "GET " + p.Code, handler: s.codeForm, personal: true},
		{pattern: "POST " + p.Code, handler: s.code, personal: true},
		{pattern: "GET " + p.Forgot, handler: s.forgotForm, personal: true},
		{pattern: "POST " + p.Forgot, handler: s.forgot, personal: true},
		{pattern: "GET " + p.Reset, handler: s.resetForm, personal: true},
		{pattern: "POST " + p.Reset, handler: s.reset, personal: true},
		{pattern: "POST " + p.Logout, handler: s.logout, personal: true},
		{pattern: "GET " + p.Security, handler: s.securityPage, access: who, totpSetup: true},
		{pattern: "POST " + p.Security, handler: s.security, access: who, totpSetup: true},
	}
	if p.Enroll != "" {
		rs = append(rs,
			route{pattern: "GET " + p.Enroll, handler: s.enrollForm, personal: true},
			route{pattern: "POST " + p.Enroll, handler: s.enroll, personal: true})
	}
	return rs
}

// authData is the data of every sign-in and security page.
type authData struct {
	P           *authPaths
	Email       string
	Next        string // where to go after signing in (a local path)
	Token       string // password reset token
	MinPassword int
	// Second factor, on the security page.
	TOTPEnabled  bool
	TOTPRequired bool      // by the tenant
	Enrollment   *totpView // a new factor waiting for its first code
	// Demo installations list their logins on the sign-in page.
	Demo         []demo.StaffAccount
	DemoPassword string
}

// totpView is a second factor being set up, as the page shows it.
type totpView struct {
	QR     template.URL // data: URI of the QR code (CSP allows img-src data:)
	Secret string       // the seed in groups of four, for typing it by hand
}

func totpViewOf(e accounts.TOTPEnrollment) *totpView {
	var groups []string
	for sec := e.Secret; sec != ""; {
		n := min(4, len(sec))
		groups = append(groups, sec[:n])
		sec = sec[n:]
	}
	return &totpView{
		QR:     template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG)),
		Secret: strings.Join(groups, " "),
	}
}

// renderAuth renders one of the pages in the surface's layout.
func (s *Server) renderAuth(w http.ResponseWriter, r *http.Request, name, title string, d authData, err error, status int) {
	d.P = pathsFor(info(r))
	d.MinPassword = accounts.MinPasswordLength
	s.render(w, r, page{Template: d.P.tmpl + name + ".html", Title: title, Data: d, Err: err, Status: status})
}

// signedInAccount is the staff member or operator signed in on this surface, or nil.
func signedInAccount(ri *reqInfo) *accounts.Account {
	switch {
	case ri.Platform && ri.Operator != nil:
		return ri.Operator
	case !ri.Platform && ri.Staff != nil:
		return &ri.Staff.Account
	}
	return nil
}

// tenantRequiresTOTP reports whether the request's tenant makes the second factor
// mandatory for its staff.
func tenantRequiresTOTP(ri *reqInfo) bool { return ri.Tenant != nil && ri.Tenant.RequireTOTP }

// totpIssuer names the account in authenticator apps.
func totpIssuer(ri *reqInfo) string {
	if ri.Tenant != nil {
		return "Piazza " + ri.Tenant.Name
	}
	return "Piazza"
}

// renameField moves field errors from one field name to another (two forms on one
// page may both have a "password" field).
func renameField(err error, from, to string) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// --- Sign-in --------------------------------------------------------------

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	next := safeNext(r.URL.Query().Get("next"), "")
	if signedInAccount(ri) != nil {
		seeOther(w, r, safeNext(next, pathsFor(ri).Home))
		return
	}
	s.renderLogin(w, r, authData{Next: next}, nil)
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, d authData, err error) {
	ri := info(r)
	if s.demo {
		d.Demo, d.DemoPassword = demoLogins(ri), demo.Password
	}
	if apperr.Is(err, apperr.TooManyRequests) {
		w.Header().Set("Retry-After", strconv.Itoa(int(accounts.DefaultPolicy.LockFor.Seconds())))
	}
	title := "auth.login.title"
	if ri.Platform {
		title = "auth.login.title_console"
	}
	s.renderAuth(w, r, "login", title, d, err, 0)
}

// demoLogins lists the demo accounts that can sign in where the request is.
func demoLogins(ri *reqInfo) []demo.StaffAccount {
	var out []demo.StaffAccount
	for _, a := range demo.Staff {
		switch {
		case ri.Platform && a.Tenant == "":
			out = append(out, a)
		case ri.Tenant != nil && a.Tenant != "" && slices.Contains(strings.Split(a.Tenant, "+"), ri.Tenant.Slug):
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	p := pathsFor(ri)
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"), "")
	acc, step, err := s.Accounts.Login(r.Context(), accounts.LoginRequest{
		TenantID: ri.tenantID(), RequireTOTP: tenantRequiresTOTP(ri),
		Email: email, Password: r.PostFormValue("password"), IP: ri.ClientIP.String(),
	})
	if err != nil {
		s.renderLogin(w, r, authData{Email: email, Next: next}, err)
		return
	}
	if step == accounts.StepDone {
		s.completeSignIn(w, r, acc, next)
		return
	}
	// The password was right; the second factor is still to come. A new anonymous
	// session holds the account for a few minutes.
	d := session.Data{PendingAccount: acc.ID, PendingEnroll: step == accounts.StepEnrollTOTP, PendingUntil: s.clock().Add(pendingTTL), Return: next}
	if err := s.startSession(w, r, session.Anonymous, 0, 0, d); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.PendingEnroll {
		seeOther(w, r, p.Enroll)
		return
	}
	seeOther(w, r, p.Code)
}

// completeSignIn starts the signed-in session (a new token) and goes on.
func (s *Server) completeSignIn(w http.ResponseWriter, r *http.Request, acc accounts.Account, next string) {
	if err := s.signInStaff(w, r, acc); err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, safeNext(next, pathsFor(info(r)).Home))
}

var errPendingExpired = apperr.E(apperr.Unauthenticated, "auth.pending_expired")

// pendingSignIn returns the sign-in waiting for its second factor (enroll: waiting
// to set one up). When there is none it answers itself and returns false: no
// sign-in in progress goes back to the sign-in page; an expired one is cleared and
// the sign-in page says so; the other second-factor step goes there.
func (s *Server) pendingSignIn(w http.ResponseWriter, r *http.Request, enroll bool) (session.Data, bool) {
	ri := info(r)
	p := pathsFor(ri)
	if ri.Session == nil || ri.Session.Kind != session.Anonymous || ri.Session.Data.PendingAccount == 0 {
		seeOther(w, r, p.Login)
		return session.Data{}, false
	}
	d := ri.Session.Data
	if !s.clock().Before(d.PendingUntil) {
		if err := s.clearPending(r); err != nil {
			s.fail(w, r, err)
			return d, false
		}
		s.renderLogin(w, r, authData{Next: d.Return}, errPendingExpired)
		return d, false
	}
	if d.PendingEnroll != enroll {
		if d.PendingEnroll {
			seeOther(w, r, p.Enroll)
		} else {
			seeOther(w, r, p.Code)
		}
		return d, false
	}
	return d, true
}

func (s *Server) clearPending(r *http.Request) error {
	d := info(r).Session.Data
	d.PendingAccount, d.PendingEnroll, d.PendingUntil, d.Return = 0, false, time.Time{}, ""
	return s.saveSession(r, d)
}

// totpCode reads the code field; people often type it with a space in the middle,
// as apps show it.
func totpCode(r *http.Request) string {
	return strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("code")), " ", "")
}

func (s *Server) codeForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pendingSignIn(w, r, false); !ok {
		return
	}
	s.renderAuth(w, r, "code", "auth.code.title", authData{}, nil, 0)
}

func (s *Server) code(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	d, ok := s.pendingSignIn(w, r, false)
	if !ok {
		return
	}
	acc, err := s.Accounts.LoginTOTP(r.Context(), ri.tenantID(), d.PendingAccount, totpCode(r), ri.ClientIP.String())
	switch {
	case err == nil:
		s.completeSignIn(w, r, acc, d.Return)
	case apperr.Is(err, apperr.TooManyRequests):
		// Locked meanwhile: the sign-in starts over once the lock ends.
		if err := s.clearPending(r); err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderLogin(w, r, authData{Next: d.Return}, err)
	case apperr.Is(err, apperr.Unauthenticated):
		s.renderAuth(w, r, "code", "auth.code.title", authData{}, onField(err, "code"), 0)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) enrollForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.pendingSignIn(w, r, true)
	if !ok {
		return
	}
	s.renderEnroll(w, r, d.PendingAccount, nil)
}

func (s *Server) renderEnroll(w http.ResponseWriter, r *http.Request, accountID int64, err error) {
	enr, perr := s.Accounts.PendingTOTP(r.Context(), accountID, totpIssuer(info(r)))
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	s.renderAuth(w, r, "enroll", "auth.enroll.title", authData{Enrollment: totpViewOf(enr)}, err, 0)
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	d, ok := s.pendingSignIn(w, r, true)
	if !ok {
		return
	}
	acc, err := s.Accounts.CompleteEnrollment(r.Context(), ri.tenantID(), d.PendingAccount, totpCode(r), ri.ClientIP.String())
	switch {
	case err == nil:
		s.completeSignIn(w, r, acc, d.Return)
	case apperr.Is(err, apperr.TooManyRequests):
		if err := s.clearPending(r); err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderLogin(w, r, authData{Next: d.Return}, err)
	case apperr.Is(err, apperr.Invalid):
		s.renderEnroll(w, r, d.PendingAccount, err)
	default:
		s.fail(w, r, err)
	}
}

// logout ends the session. The browser gets a fresh anonymous session that only
// carries the goodbye message.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if acc := signedInAccount(ri); acc != nil {
		e := audit.New(r.Context(), ri.tenantID(), "auth.sign_out", "account", strconv.FormatInt(acc.ID, 10), "")
		if err := s.Audit.AppendAudit(r.Context(), e); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	// startSession deletes the signed-in session first.
	if err := s.startSession(w, r, session.Anonymous, 0, 0, session.Data{Flash: "auth.signed_out"}); err != nil {
		s.fail(w, r, err)
		return
	}
	ri.Staff, ri.Operator, ri.Citizen = nil, nil, nil
	s.newCSRF(w, ri)
	seeOther(w, r, pathsFor(ri).Login)
}

// --- Password reset --------------------------------------------------------

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.renderAuth(w, r, "forgot", "auth.forgot.title", authData{}, nil, 0)
}

// forgot sends a reset link. The answer is the same whether or not the email
// belongs to someone who may sign in here.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	email := strings.TrimSpace(r.PostFormValue("email"))
	link := s.baseURL(r, "") + pathsFor(ri).Reset + "?token="
	if err := s.Accounts.RequestPasswordReset(r.Context(), ri.tenantID(), email, ri.ClientIP.String(), link); err != nil {
		if apperr.Is(err, apperr.TooManyRequests) {
			w.Header().Set("Retry-After", strconv.Itoa(int(accounts.DefaultPolicy.Window.Seconds())))
		}
		s.renderAuth(w, r, "forgot", "auth.forgot.title", authData{Email: email}, err, 0)
		return
	}
	s.renderAuth(w, r, "forgot-sent", "auth.forgot.sent_title", authData{}, nil, 0)
}

// The reset pages carry the token in their URL and form: they never send it on as
// a Referer.
func noReferrer(w http.ResponseWriter) { w.Header().Set("Referrer-Policy", "no-referrer") }

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	token := r.URL.Query().Get("token")
	if !s.Accounts.ResetTokenValid(r.Context(), token) {
		s.resetInvalid(w, r)
		return
	}
	s.renderAuth(w, r, "reset", "auth.reset.title", authData{Token: token}, nil, 0)
}

func (s *Server) resetInvalid(w http.ResponseWriter, r *http.Request) {
	s.renderAuth(w, r, "reset-invalid", "auth.reset_invalid.title", authData{}, nil, http.StatusNotFound)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	ri := info(r)
	token := r.PostFormValue("token")
	_, err := s.Accounts.ResetPassword(r.Context(), ri.tenantID(), token, r.PostFormValue("password"), r.PostFormValue("confirm"))
	switch {
	case apperr.Is(err, apperr.NotFound):
		s.resetInvalid(w, r)
		return
	case err != nil:
		s.renderAuth(w, r, "reset", "auth.reset.title", authData{Token: token}, err, 0)
		return
	}
	// The reset ended every session of the account; this browser starts afresh too.
	if err := s.startSession(w, r, session.Anonymous, 0, 0, session.Data{Flash: "auth.reset.done"}); err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, pathsFor(ri).Login)
}

// --- Account security -------------------------------------------------------

func (s *Server) securityPage(w http.ResponseWriter, r *http.Request) { s.renderSecurity(w, r, nil) }

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, formErr error) {
	ri := info(r)
	acc, err := s.Accounts.Account(r.Context(), signedInAccount(ri).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := authData{TOTPEnabled: acc.TOTPEnabled, TOTPRequired: tenantRequiresTOTP(ri)}
	if !acc.TOTPEnabled && acc.TOTPSecretEnc != "" {
		enr, err := s.Accounts.PendingTOTP(r.Context(), acc.ID, totpIssuer(ri))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Enrollment = totpViewOf(enr)
	}
	s.renderAuth(w, r, "security", "auth.security.title", d, formErr, 0)
}

// security handles the forms of the security page, told apart by "action".
func (s *Server) security(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	ctx := r.Context()
	acc := *signedInAccount(ri)
	ip := ri.ClientIP.String()
	var err error
	var done string
	switch r.PostFormValue("action") {
	case "password":
		err = s.Accounts.ChangePassword(ctx, ri.tenantID(), acc.ID, r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm"))
		if err == nil {
			// Every session of the account has ended; this browser gets a new one.
			err = s.signInStaff(w, r, acc)
		}
		done = "auth.password.changed"
	case "totp_begin":
		_, err = s.Accounts.BeginTOTP(ctx, acc.ID, totpIssuer(ri))
	case "totp_confirm":
		err = onFieldIfNone(s.Accounts.ConfirmTOTP(ctx, ri.tenantID(), acc.ID, totpCode(r), ip), "code")
		done = "auth.totp.enabled"
	case "totp_disable":
		err = renameField(s.Accounts.DisableTOTP(ctx, ri.tenantID(), acc.ID, r.PostFormValue("totp_password"), tenantRequiresTOTP(ri)), "password", "totp_password")
		done = "auth.totp.disabled"
	default:
		err = apperr.E(apperr.Invalid, "error.bad_request")
	}
	if err != nil {
		if apperr.Is(err, apperr.TooManyRequests) {
			w.Header().Set("Retry-After", strconv.Itoa(int(accounts.DefaultPolicy.LockFor.Seconds())))
		}
		s.renderSecurity(w, r, err)
		return
	}
	if done != "" {
		s.flash(w, r, done)
	}
	seeOther(w, r, pathsFor(ri).Security)
}

// onFieldIfNone is onField for errors that name no field of their own.
func onFieldIfNone(err error, field string) error {
	if e := apperr.As(err); e != nil && len(e.Fields) == 0 && e.Kind != apperr.Internal && e.Kind != apperr.TooManyRequests {
		return onField(err, field)
	}
	return err
}
