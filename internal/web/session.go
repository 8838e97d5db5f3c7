package web

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/secret"
	"piazza/internal/session"
)

// Session cookies are host-only, HttpOnly, SameSite=Lax, and Secure with the
// __Host- prefix when served over TLS. The cookie holds a random token; the database
// holds its hash.
func (s *Server) sessionCookieName(ri *reqInfo) string {
	if ri.Secure {
		return "__Host-piazza_session"
	}
	return "piazza_session"
}

func (s *Server) csrfCookieName(ri *reqInfo) string {
	if ri.Secure {
		return "__Host-piazza_csrf"
	}
	return "piazza_csrf"
}

func (s *Server) setCookie(w http.ResponseWriter, ri *reqInfo, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: ri.Secure, SameSite: http.SameSiteLaxMode})
}

// loadSession reads the session cookie and the signed-in principal. A session of
// another tenant is ignored (and remembered, so back-office routes answer 404); an
// expired or idle one is deleted.
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	c, err := r.Cookie(s.sessionCookieName(ri))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	now := s.clock()
	hash := secret.HashToken(c.Value)
	sess, err := s.Sessions.SessionByHash(r.Context(), hash, now)
	if apperr.Is(err, apperr.NotFound) {
		s.setCookie(w, ri, s.sessionCookieName(ri), "", -1)
		return nil
	}
	if err != nil {
		return err
	}
	if sess.TenantID != ri.tenantID() {
		ri.foreignSession = true
		return nil
	}
	if now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		s.Sessions.DeleteSession(r.Context(), hash)
		s.setCookie(w, ri, s.sessionCookieName(ri), "", -1)
		return nil
	}
	ri.Session = &sess
	switch sess.Kind {
	case session.Staff:
		st, err := s.Accounts.StaffMember(r.Context(), sess.TenantID, sess.AccountID)
		if err == nil && len(st.Roles) > 0 && !st.Account.Disabled {
			ri.Staff = &st
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	case session.Platform:
		acc, err := s.Accounts.Account(r.Context(), sess.AccountID)
		if err == nil && acc.PlatformOperator && !acc.Disabled {
			ri.Operator = &acc
		} else if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	case session.Citizen:
		c, err := s.Accounts.Citizen(r.Context(), sess.TenantID, sess.CitizenID)
		if err == nil {
			ri.Citizen = &c
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	// Record activity at most once a minute, not on every request.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.Sessions.TouchSession(r.Context(), hash, now); err != nil {
			return err
		}
	}
	return nil
}

// startSession replaces the browser's session (if any) with a new one: the token
// always changes when someone signs in, so a token planted before sign-in is useless.
// The CSRF cookie is rotated too.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, kind session.Kind, accountID, citizenID int64, data session.Data) error {
	ri := info(r)
	if ri.Session != nil {
		if err := s.Sessions.DeleteSession(r.Context(), ri.Session.TokenHash); err != nil {
			return err
		}
	}
	now := s.clock()
	token, hash := secret.Token()
	// A session of no one (sign-in in progress, a one-time message) lives an hour at
	// most: anyone can create one, so they must not pile up.
	life := s.cfg.SessionMax
	if kind == session.Anonymous {
		life = min(life, time.Hour)
	}
	sess := &session.Session{TokenHash: hash, TenantID: ri.tenantID(), Kind: kind, AccountID: accountID, CitizenID: citizenID,
		Data: data, IP: ri.ClientIP.String(), UserAgent: clipString(r.UserAgent(), 300), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life)}
	if err := s.Sessions.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	ri.Session = sess
	s.setCookie(w, ri, s.sessionCookieName(ri), token, 0)
	if kind != session.Anonymous {
		s.newCSRF(w, ri)
	}
	return nil
}

// anonymousSession returns the browser's session, creating an anonymous one when
// there is none (for sign-in state).
func (s *Server) anonymousSession(w http.ResponseWriter, r *http.Request) (*session.Session, error) {
	ri := info(r)
	if ri.Session != nil {
		return ri.Session, nil
	}
	if err := s.startSession(w, r, session.Anonymous, 0, 0, session.Data{}); err != nil {
		return nil, err
	}
	return ri.Session, nil
}

// saveSession stores new session data.
func (s *Server) saveSession(r *http.Request, d session.Data) error {
	ri := info(r)
	if ri.Session == nil {
		return nil
	}
	ri.Session.Data = d
	return s.Sessions.SaveSessionData(r.Context(), ri.Session.TokenHash, d)
}

// flash stores a one-time message for the next page.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, key string) {
	sess, err := s.anonymousSession(w, r)
	if err != nil {
		return
	}
	d := sess.Data
	d.Flash = key
	s.saveSession(r, d)
}

// endSession deletes the session and its cookie.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if ri.Session != nil {
		if err := s.Sessions.DeleteSession(r.Context(), ri.Session.TokenHash); err != nil {
			return err
		}
	}
	ri.Session, ri.Staff, ri.Citizen, ri.Operator = nil, nil, nil, nil
	s.setCookie(w, ri, s.sessionCookieName(ri), "", -1)
	s.newCSRF(w, ri)
	return nil
}

// signInStaff completes a staff or platform sign-in.
func (s *Server) signInStaff(w http.ResponseWriter, r *http.Request, acc accounts.Account) error {
	ri := info(r)
	kind := session.Staff
	if ri.Platform {
		kind = session.Platform
	}
	return s.startSession(w, r, kind, acc.ID, 0, session.Data{})
}

// CSRF: the browser holds a random value in an HttpOnly cookie; forms carry an HMAC
// of it. A cross-site page can neither read the cookie nor compute the HMAC, and
// http.CrossOriginProtection also rejects cross-origin requests that browsers mark.

// readCSRF derives the form token from the browser's CSRF cookie, if it has one.
// A browser without the cookie gets one only when a page with a form is rendered
// (view.CSRF), so plain visitors of the public site receive no cookie at all.
func (s *Server) readCSRF(r *http.Request) {
	ri := info(r)
	c, err := r.Cookie(s.csrfCookieName(ri))
	if err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		ri.CSRF = s.csrfToken(c.Value)
	}
}

func (s *Server) newCSRF(w http.ResponseWriter, ri *reqInfo) {
	b := make([]byte, 24)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, ri, s.csrfCookieName(ri), v, 0)
	ri.CSRF = s.csrfToken(v)
}

func (s *Server) csrfToken(cookie string) string {
	return base64.RawURLEncoding.EncodeToString(s.Keys.MAC("csrf", []byte(cookie)))
}

// checkOrigin verifies an unsafe request by its origin headers only.
func (s *Server) checkOrigin(r *http.Request) error {
	if err := s.cop.Check(r); err != nil {
		return apperr.E(apperr.Forbidden, "error.csrf")
	}
	return nil
}

// checkCSRF verifies an unsafe request: origin headers first, then the token.
func (s *Server) checkCSRF(r *http.Request) error {
	if err := s.cop.Check(r); err != nil {
		return apperr.E(apperr.Forbidden, "error.csrf")
	}
	ri := info(r)
	c, err := r.Cookie(s.csrfCookieName(ri))
	if err != nil {
		return apperr.E(apperr.Forbidden, "error.csrf")
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	if !hmac.Equal([]byte(got), []byte(s.csrfToken(c.Value))) {
		return apperr.E(apperr.Forbidden, "error.csrf")
	}
	return nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
