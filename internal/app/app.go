// Package app is Piazza's composition root: it opens the store, builds the domain
// services and the web server, and runs them until the context ends.
package app

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/applications"
	"piazza/internal/blob"
	"piazza/internal/booking"
	"piazza/internal/config"
	"piazza/internal/content"
	"piazza/internal/feedback"
	"piazza/internal/forms"
	"piazza/internal/jobs"
	"piazza/internal/mail"
	"piazza/internal/protocol"
	"piazza/internal/reports"
	"piazza/internal/search"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/store"
	"piazza/internal/tenants"
	"piazza/internal/upload"
	"piazza/internal/web"
)

// App holds the running parts.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	Keys     *secret.Keyring
	Blobs    *blob.Dir
	Jobs     *jobs.Runner
	Resolver *tenants.Resolver
	Tenants  *tenants.Service
	Accounts *accounts.Service
	Services *services.Service
	Feedback *feedback.Service
	Search   *search.Service
	Content  *content.Service
	Protocol *protocol.Service
	Forms    *forms.Service
	Mailer   *web.Mailer
	Outbox   *mail.Outbox // set when mail goes to the outbox directory
	Web      *web.Server

	// Applications runs the online services' applications.
	Applications *applications.Service
	// Booking books appointments at the offices.
	Booking *booking.Service
	// Reports handles citizens' reports (segnalazioni).
	Reports *reports.Service

	// Hooks set by optional parts before Build (the demo identity provider, the
	// citizen sign-in client).
	CitizenAuth web.CitizenAuth
	DemoIdP     http.Handler
	Demo        bool
	// Wrap, if set, wraps the web handler in Serve (a test holds a request in
	// flight with it to prove that shutdown waits for it).
	Wrap func(http.Handler) http.Handler

	ln net.Listener // set by Listen, used by Serve
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// Open opens and migrates the store and builds the domain services. Call Build to
// create the web server once the optional parts are set.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log}
	var err error
	a.DB, err = store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: cfg.DBMaxConns, Logger: log,
		SQLiteFull: cfg.SQLiteSynchronous == "full"})
	if err != nil {
		return nil, err
	}
	if _, err := a.DB.Migrate(ctx); err != nil {
		a.DB.Close()
		return nil, err
	}
	if a.Keys, err = secret.Load(cfg.SecretKey, cfg.DataDir); err != nil {
		a.DB.Close()
		return nil, err
	}
	if a.Blobs, err = blob.OpenDir(filepath.Join(cfg.DataDir, "files")); err != nil {
		a.DB.Close()
		return nil, err
	}
	a.Jobs = jobs.NewRunner(a.DB, log, cfg.JobWorkers)
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			a.Close()
			return nil, fmt.Errorf("PIAZZA_SMTP_URL: %w", err)
		}
	} else {
		if a.Outbox, err = mail.NewOutbox(filepath.Join(cfg.DataDir, "outbox"), cfg.MailFrom); err != nil {
			a.Close()
			return nil, err
		}
		sender = a.Outbox
	}
	a.Jobs.Register(mail.JobKind, mail.Handler(sender))
	a.Jobs.Register(pruneJob, a.prune)
	a.Resolver = tenants.NewResolver(a.DB, cfg.PlatformHost, time.Second)
	a.Tenants = tenants.NewService(a.DB, a.DB, a.Keys, a.Resolver)
	a.Mailer = web.NewMailer()
	a.Accounts = accounts.NewService(a.DB, a.Keys, a.Mailer, accounts.DefaultPolicy, nil)
	a.Forms = forms.NewService(a.DB, a.DB, nil)
	a.Services = services.New(a.DB, a.DB, a.Forms, a.DB, nil)
	a.Feedback = feedback.New(a.DB, nil)
	a.Search = search.New(a.DB)
	a.Services.SetIndexer(a.Search)
	a.Accounts.SetIndexer(a.Search)
	a.Content = content.New(a.DB, a.DB, a.Blobs, nil, nil)
	a.Content.SetIndexer(a.Search)
	a.Protocol = protocol.New(a.DB, a.Blobs)
	a.Jobs.Register(protocol.DailyJob, a.protocolDaily)
	a.Applications = applications.New(a.DB, ServiceCards{Services: a.Services}, a.Forms, a.Protocol, upload.New(a.Blobs), a.Mailer, nil)
	a.Booking = booking.New(a.DB, a.Keys, nil)
	a.Booking.SetNotifier(a.Mailer)
	a.Jobs.Register(booking.ReminderJob, a.bookingReminders)
	a.Reports = reports.New(a.DB, upload.New(a.Blobs), nil)
	a.Reports.SetNotifier(a.Mailer)
	return a, nil
}

// Build creates the web server.
func (a *App) Build() error {
	stats := map[string]func() web.DBStats{"write": func() web.DBStats { return dbStats(a.DB.Stats()) }}
	if a.DB.Dialect() == store.SQLite {
		stats["read"] = func() web.DBStats { return dbStats(a.DB.ReadStats()) }
	}
	var outbox web.Outbox
	if a.Outbox != nil {
		outbox = a.Outbox
	}
	srv, err := web.New(web.Deps{
		Config: a.Config, Logger: a.Log, Keys: a.Keys, Resolver: a.Resolver, Tenants: a.Tenants, Accounts: a.Accounts,
		Services: a.Services, Feedback: a.Feedback, Search: a.Search, Outbox: outbox, Content: a.Content,
		Forms: a.Forms, Applications: a.Applications, Booking: a.Booking, Reports: a.Reports,
		Audit: a.DB, Sessions: a.DB, Jobs: a.Jobs, Blobs: a.Blobs, DB: a.DB, DBStats: stats,
		Protocol:    a.Protocol,
		CitizenAuth: a.CitizenAuth, DemoIdP: a.DemoIdP, Demo: a.Demo,
	})
	if err != nil {
		return err
	}
	a.Mailer.Bind(srv)
	a.Web = srv
	return nil
}

// Close releases the store (and a listener that Serve never took over).
func (a *App) Close() {
	if a.ln != nil {
		a.ln.Close()
	}
	if a.Blobs != nil {
		a.Blobs.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

// Listen binds the configured address before the server is built, so that parts
// whose URLs contain the port (the demo identity provider's issuer) see the real
// one when Addr asks for port 0. It rewrites Config.Addr with the bound port and
// returns the bound address. Serve listens by itself if Listen was not called.
func (a *App) Listen() (string, error) {
	if a.ln != nil {
		return a.ln.Addr().String(), nil
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return "", err
	}
	a.ln = ln
	bound := ln.Addr().String()
	if host, _, err := net.SplitHostPort(a.Config.Addr); err == nil {
		if _, port, err := net.SplitHostPort(bound); err == nil {
			a.Config.Addr = net.JoinHostPort(host, port)
		}
	}
	return bound, nil
}

// Serve runs the HTTP server and the job workers until ctx ends, then shuts down
// gracefully: it stops accepting requests, lets running ones and running jobs finish
// (up to ShutdownTimeout) and returns. ready, if not nil, receives the bound address.
func (a *App) Serve(ctx context.Context, ready chan<- string) error {
	if _, err := a.Listen(); err != nil {
		return err
	}
	ln := a.ln
	a.ln = nil // the server owns it now: Shutdown closes it
	handler := a.Web.Handler()
	if a.Wrap != nil {
		handler = a.Wrap(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if a.Config.TLS() {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan struct{})
	go func() {
		a.Jobs.Run(jobsCtx)
		close(jobsDone)
	}()
	go a.schedule(jobsCtx)
	errc := make(chan error, 1)
	go func() {
		if a.Config.TLS() {
			errc <- srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	a.Log.Info("listening", "addr", ln.Addr().String(), "platform_host", a.Config.PlatformHost, "database", a.DB.Dialect().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	stopJobs()
	select {
	case <-jobsDone:
	case <-sctx.Done():
		a.Log.Warn("jobs still running at shutdown; their leases will expire and another node will retry them")
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func dbStats(s sql.DBStats) web.DBStats {
	return web.DBStats{Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle, WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
}
