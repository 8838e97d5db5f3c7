package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

// reqInfo holds the request-scoped facts the middleware works out once: who the
// tenant is, who is signed in, the language and the ids for logs. Handlers read it
// with info(r).
type reqInfo struct {
	ID        string // request id, in logs and on error pages
	ClientIP  netip.Addr
	Secure    bool // served over TLS (directly or at the proxy)
	Host      string
	Platform  bool // the platform console host
	Tenant    *tenants.Tenant
	HostKind  tenants.HostKind
	Lang      string // "it" or "en"
	Consent   string // the visitor's choice on analytics: "si", "no" or "" (not asked yet)
	localizer *i18n.Localizer

	Session *session.Session // nil when the browser has none
	// foreignSession is set when the browser presented a session of another tenant.
	foreignSession bool
	Staff          *accounts.Staff   // signed-in staff member of this tenant
	Citizen        *accounts.Citizen // signed-in citizen of this tenant
	Operator       *accounts.Account // signed-in platform operator

	CSRF    string // token for forms
	Pattern string // matched route pattern, for metrics
	// personal is set once the response depends on who is signed in.
	personal bool
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{Lang: "it"}
}

func withInfo(ctx context.Context, ri *reqInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, ri)
}

// tenantID returns the request's tenant id, or audit.PlatformTenant on the console.
func (ri *reqInfo) tenantID() int64 {
	if ri.Tenant == nil {
		return audit.PlatformTenant
	}
	return ri.Tenant.ID
}

// actor builds the audit actor of the request.
func (ri *reqInfo) actor(userAgent string) audit.Actor {
	a := audit.Actor{Kind: audit.ActorAnon, IP: ri.ClientIP.String(), UserAgent: userAgent, RequestID: ri.ID}
	switch {
	case ri.Staff != nil:
		a.Kind, a.ID, a.Label = audit.ActorStaff, ri.Staff.Account.ID, ri.Staff.Account.Email
	case ri.Operator != nil:
		a.Kind, a.ID, a.Label = audit.ActorPlatform, ri.Operator.ID, ri.Operator.Email
	case ri.Citizen != nil:
		a.Kind, a.ID, a.Label = audit.ActorCitizen, ri.Citizen.ID, ri.Citizen.FullName()
	}
	return a
}

// signedIn reports whether anyone is signed in on this request.
func (ri *reqInfo) signedIn() bool { return ri.Staff != nil || ri.Citizen != nil || ri.Operator != nil }

// baseURL is scheme://host[:port] for links that leave the page (emails, the OIDC
// redirect): the request's own host when host is "", or another host of the
// installation (a tenant's site, seen from the console). The scheme is the
// request's (behind a trusted proxy, X-Forwarded-Proto), and so is the port, when
// it is not the scheme's default — local set-ups run on :8080.
func (s *Server) baseURL(r *http.Request, host string) string {
	ri := info(r)
	scheme := "http"
	if ri.Secure {
		scheme = "https"
	}
	if host == "" {
		host = ri.Host
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "" && port != "80" && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return scheme + "://" + host
}
