// Package web is Piazza's HTTP layer: one route table per surface (the comuni's
// sites and back offices, and the platform console), middleware, thin handlers,
// embedded templates and assets, and message catalogues. It never runs SQL: it calls
// the domain services.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/prometheus/client_golang/prometheus"

	"piazza/internal/accounts"
	"piazza/internal/applications"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/booking"
	"piazza/internal/config"
	"piazza/internal/content"
	"piazza/internal/feedback"
	"piazza/internal/forms"
	"piazza/internal/jobs"
	"piazza/internal/protocol"
	"piazza/internal/reports"
	"piazza/internal/search"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

// CitizenAuth signs citizens in through their tenant's OpenID provider
// (authorisation code flow with PKCE, state and nonce).
type CitizenAuth interface {
	// Start returns the provider URL to send the browser to, and what must be kept
	// in the session to finish: state (the map key), nonce and PKCE verifier.
	Start(ctx context.Context, t *tenants.Tenant, redirectURL string) (authURL, state string, pending session.PendingLogin, err error)
	// Finish exchanges the code, verifies the ID token (signature, issuer, audience,
	// expiry, nonce) and maps the claims to an identity. It returns the raw ID token
	// for the logout hint.
	Finish(ctx context.Context, t *tenants.Tenant, redirectURL string, pending session.PendingLogin, code string) (accounts.Identity, string, error)
	// LogoutURL returns the provider's end-session URL, or "" if it has none.
	LogoutURL(ctx context.Context, t *tenants.Tenant, idToken, postLogoutURL string) (string, error)
}

// Database is what the web layer uses of the database directly: a readiness probe,
// and transactions that make several service calls of one request atomic (the
// services join the transaction carried by the context).
type Database interface {
	Ping(ctx context.Context) error
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are the services the web layer calls.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Keys     *secret.Keyring
	Resolver *tenants.Resolver
	Tenants  *tenants.Service
	Accounts *accounts.Service
	Services *services.Service
	Feedback *feedback.Service
	Search   *search.Service
	Content  *content.Service
	Protocol *protocol.Service
	Forms    *forms.Service
	// Outbox, when set, shows the mail written to the outbox directory.
	Outbox   Outbox
	Audit    audit.Store
	Sessions session.Store
	Jobs     *jobs.Runner
	Blobs    blob.Store
	DB       Database
	// DBStats reports connection pools for metrics (name → stats function).
	DBStats     map[string]func() DBStats
	CitizenAuth CitizenAuth
	// DemoIdP, when set, is mounted at /demo-idp/ on the platform host. Only in demo mode.
	DemoIdP http.Handler
	// Demo marks a demo installation (the pages say so and show demo credentials).
	Demo bool
	Now  func() time.Time

	// Applications, when set, serves the online services' applications.
	Applications *applications.Service
	// Booking, when set, serves appointment booking at the offices.
	Booking *booking.Service
	// Reports, when set, serves citizens' reports (segnalazioni).
	Reports *reports.Service
}

// DBStats are the connection pool numbers exported as metrics.
type DBStats struct {
	Open, InUse, Idle int
	WaitCount         int64
	WaitDuration      time.Duration
}

// Server serves every host of the installation.
type Server struct {
	Deps
	cfg      config.Config
	log      *slog.Logger
	demo     bool
	now      func() time.Time
	tmpl     *renderer
	assets   *assets
	bundle   *i18n.Bundle
	locs     map[string]*i18n.Localizer
	tenantMx *http.ServeMux
	platMx   *http.ServeMux
	routes   []route // every route, for tests that walk them
	metrics  *metrics
	registry *prometheus.Registry
	cop      *http.CrossOriginProtection
	touchMu  sync.Mutex
	pages    *pageCache // nil when PIAZZA_PAGE_CACHE_TTL is 0
}

// New builds the server: it parses templates, loads catalogues and assets, and builds
// the route tables. It fails if any template or catalogue is broken.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Deps: d, cfg: d.Config, log: d.Logger, demo: d.Demo, now: d.Now}
	var err error
	if s.tmpl, err = loadTemplates(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.bundle, err = loadBundle(); err != nil {
		return nil, err
	}
	s.locs = map[string]*i18n.Localizer{
		"it": i18n.NewLocalizer(s.bundle, "it"),
		"en": i18n.NewLocalizer(s.bundle, "en", "it"),
	}
	s.cop = http.NewCrossOriginProtection()
	s.pages = newPageCache(s.cfg.PageCacheTTL)
	s.registry = prometheus.NewRegistry()
	s.metrics = newMetrics(s)
	s.buildRoutes()
	return s, nil
}

func (s *Server) localizer(lang string) *i18n.Localizer {
	if l, ok := s.locs[lang]; ok {
		return l
	}
	return s.locs["it"]
}

// Handler returns the root handler with every middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.observe(s.compress(s.secure(s.dispatch()))))
}

// Metrics exposes the registry (for tests).
func (s *Server) Metrics() *prometheus.Registry { return s.registry }
