package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/tenants"
)

// recoverer turns a panic into a logged 500 page.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status and decides Cache-Control just before the header
// goes out: anything that depends on who is signed in is private and never stored.
type statusWriter struct {
	http.ResponseWriter
	r      *http.Request
	ri     *reqInfo
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	h := w.Header()
	if w.ri.personal || w.ri.signedIn() || w.ri.Session != nil || len(h.Values("Set-Cookie")) > 0 {
		h.Set("Cache-Control", "private, no-store")
		h.Set("Pragma", "no-cache")
	} else if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		h.Add("Vary", "Cookie")
		h.Add("Vary", "Accept-Language")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe assigns the request id, works out the client address and scheme, and
// logs and measures every request.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		ri := &reqInfo{ID: newRequestID(), Lang: "it"}
		ri.ClientIP, ri.Secure = s.clientAddr(r)
		if id := r.Header.Get("X-Request-Id"); id != "" && s.trusted(r) && len(id) <= 64 && isToken(id) {
			ri.ID = id
		}
		ri.localizer = s.localizer(ri.Lang)
		sw := &statusWriter{ResponseWriter: w, r: r, ri: ri}
		sw.Header().Set("X-Request-Id", ri.ID)
		r = r.WithContext(withInfo(r.Context(), ri))
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.WriteHeader(http.StatusOK)
		}
		d := s.now().Sub(start)
		route := ri.Pattern
		if route == "" {
			route = "other"
		}
		s.metrics.observe(route, r.Method, sw.status, d)
		level := s.log.Info
		if sw.status >= 500 {
			level = s.log.Error
		}
		attrs := []any{"request_id", ri.ID, "method", r.Method, "host", r.Host, "path", r.URL.Path, "route", route,
			"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds()) / 1000, "ip", ri.ClientIP.String()}
		if ri.Tenant != nil {
			attrs = append(attrs, "tenant", ri.Tenant.Slug)
		}
		switch {
		case ri.Staff != nil:
			attrs = append(attrs, "account", ri.Staff.Account.ID)
		case ri.Operator != nil:
			attrs = append(attrs, "account", ri.Operator.ID)
		case ri.Citizen != nil:
			attrs = append(attrs, "citizen", ri.Citizen.ID)
		}
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" {
			level("request", attrs...)
		}
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// trusted reports whether the direct peer is a configured reverse proxy.
func (s *Server) trusted(r *http.Request) bool {
	peer := peerAddr(r)
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

func peerAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// clientAddr returns the client's address and whether the request came over TLS,
// believing X-Forwarded-For and X-Forwarded-Proto only from trusted proxies.
func (s *Server) clientAddr(r *http.Request) (netip.Addr, bool) {
	peer := peerAddr(r)
	secure := r.TLS != nil
	if !s.trusted(r) {
		return peer, secure
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		secure = strings.EqualFold(strings.TrimSpace(strings.Split(p, ",")[0]), "https")
	}
	// Walk X-Forwarded-For from the right, skipping our own proxies.
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		peer = a
		if !slices.ContainsFunc(s.cfg.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(a) }) {
			break
		}
	}
	return peer, secure
}

// secure sets the security headers every response carries.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Content-Security-Policy", s.csp(""))
		if ri.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// csp returns the Content-Security-Policy: no inline scripts or styles, no framing,
// forms only to this site (and formTarget, the origin of an identity provider the
// page's forms lead to).
func (s *Server) csp(formTarget string) string {
	form := "'self'"
	if formTarget != "" {
		form += " " + formTarget
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action " + form
}

// cspAnalytics is the policy of a page that loads the comune's Matomo from origin
// (only once the visitor has accepted it).
func (s *Server) cspAnalytics(origin string) string {
	return "default-src 'self'; script-src 'self' " + origin + "; style-src 'self'; img-src 'self' data: " + origin +
		"; font-src 'self' data:; connect-src 'self' " + origin + "; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
}

// allowFormTarget widens form-action for a response whose form or redirect leads
// to another origin (an identity provider).
func (s *Server) allowFormTarget(w http.ResponseWriter, target string) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return
	}
	w.Header().Set("Content-Security-Policy", s.csp(u.Scheme+"://"+u.Host))
}

// dispatch serves the host-independent endpoints, then resolves the tenant from the
// Host header and hands the request to the tenant or platform route table.
func (s *Server) dispatch() http.Handler {
	ops := http.NewServeMux()
	s.opsRoutes(ops)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		if _, pattern := ops.Handler(r); pattern != "" {
			ri.Pattern = pattern
			ops.ServeHTTP(w, r) // (ServeHTTP, not the handler: it sets the path values)
			return
		}
		if r.ContentLength > s.cfg.MaxBodyBytes && r.ContentLength > maxUploadBytes {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large")
			return
		}
		if !utf8.ValidString(r.URL.Path) || !utf8.ValidString(r.URL.RawQuery) {
			s.errorPage(w, r, http.StatusBadRequest, "error.bad_request")
			return
		}
		ri.Lang = pickLanguage(r)
		ri.localizer = s.localizer(ri.Lang)
		readConsent(r, ri)
		res, err := s.Resolver.Resolve(r.Context(), r.Host)
		switch {
		case apperr.Is(err, apperr.Invalid):
			s.errorPage(w, r, http.StatusBadRequest, "error.bad_host")
			return
		case apperr.Is(err, apperr.NotFound):
			s.errorPage(w, r, http.StatusNotFound, "error.unknown_host")
			return
		case err != nil:
			s.serverError(w, r, err)
			return
		}
		ri.Host, _ = tenants.NormalizeHost(r.Host)
		ri.Platform, ri.Tenant, ri.HostKind = res.Platform, res.Tenant, res.HostKind
		if ri.Tenant != nil && !ri.Tenant.Active() {
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.suspended")
			return
		}
		if lang := r.URL.Query().Get("lang"); (lang == "it" || lang == "en") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: ri.Secure, SameSite: http.SameSiteLaxMode})
			q := r.URL.Query()
			q.Del("lang")
			target := r.URL.Path
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if err := s.loadSession(w, r); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.readCSRF(r)
		ctx := audit.WithActor(r.Context(), ri.actor(r.UserAgent()))
		r = r.WithContext(ctx)
		if ri.Platform {
			s.platMx.ServeHTTP(w, r)
			return
		}
		s.tenantMx.ServeHTTP(w, r)
	})
}

// maxUploadBytes is the largest body any route accepts (uploads); most routes accept
// far less (PIAZZA_MAX_BODY_BYTES).
const maxUploadBytes = 20 << 20

// now is a convenience for handlers.
func (s *Server) clock() time.Time { return s.now().UTC() }
