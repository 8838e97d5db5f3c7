// Package config holds Piazza's process configuration.
//
// Every setting comes from a PIAZZA_* environment variable or the flag of the same
// name; a flag wins over the environment. Config is loaded once in main and passed
// down: there is no package-level state, so tests build a Config literal.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole process configuration.
type Config struct {
	Addr            string // listen address
	DataDir         string // SQLite database, files, outbox, generated secret
	DatabaseURL     string // postgres://… to use PostgreSQL instead of SQLite
	Demo            bool   // load the demo comuni on an empty store and enable the demo identity provider
	PlatformHost    string // host of the consortium operator's console
	SecretKey       string // base64 or hex, ≥ 32 bytes; generated in DataDir when empty
	TrustedProxies  []netip.Prefix
	TLSCert         string
	TLSKey          string
	SMTPURL         string // smtp://user:pass@host:port?tls=starttls|tls|none; empty = write mail to DataDir/outbox
	MailFrom        string
	LogFormat       string // json or text
	LogLevel        string // debug, info, warn, error
	MetricsToken    string // bearer token for /metrics; empty = loopback clients only
	MaxBodyBytes    int64
	SessionIdle     time.Duration
	SessionMax      time.Duration
	ShutdownTimeout time.Duration
	DBMaxConns      int
	JobWorkers      int
	// PageCacheTTL is how long a rendered public page is served from memory to
	// visitors who are not signed in (0 turns the cache off). A change made through
	// this node empties its tenant's pages at once; the TTL bounds how late other
	// nodes, scheduled publications and command-line changes show.
	PageCacheTTL time.Duration
	// SQLiteSynchronous is "normal" (WAL: a killed process loses nothing, a power
	// cut may lose the last commits) or "full" (a power cut loses nothing either).
	SQLiteSynchronous string
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./data",
		PlatformHost:    "piazza.localhost",
		MailFrom:        "Piazza <noreply@piazza.localhost>",
		LogFormat:       "json",
		LogLevel:        "info",
		MaxBodyBytes:    1 << 20,
		SessionIdle:     30 * time.Minute,
		SessionMax:      12 * time.Hour,
		ShutdownTimeout: 20 * time.Second,
		DBMaxConns:      20,
		JobWorkers:      2,
		PageCacheTTL:    10 * time.Second,

		SQLiteSynchronous: "normal",
	}
}

// option describes one setting: its flag, its environment variable and how to set it.
type option struct {
	flag, env, usage string
	serveOnly        bool
	get              func(*Config) string
	set              func(*Config, string) error
}

func str(p func(*Config) *string) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return *p(c) }, func(c *Config, v string) error { *p(c) = v; return nil }
}

func options() []option {
	opt := func(flag, env, usage string, serveOnly bool, get func(*Config) string, set func(*Config, string) error) option {
		return option{flag, env, usage, serveOnly, get, set}
	}
	var out []option
	add := func(o option) { out = append(out, o) }
	g, s := str(func(c *Config) *string { return &c.Addr })
	add(opt("addr", "PIAZZA_ADDR", "address to listen on", true, g, s))
	g, s = str(func(c *Config) *string { return &c.DataDir })
	add(opt("data", "PIAZZA_DATA_DIR", "directory for the SQLite database, files, the mail outbox and the generated secret key", false, g, s))
	g, s = str(func(c *Config) *string { return &c.DatabaseURL })
	add(opt("database-url", "PIAZZA_DATABASE_URL", "postgres://… to use PostgreSQL; empty uses SQLite in the data directory", false, g, s))
	add(opt("demo", "PIAZZA_DEMO", "load the two demo comuni into an empty store and enable the demo identity provider (refused on a non-demo store)", true,
		func(c *Config) string { return strconv.FormatBool(c.Demo) },
		func(c *Config, v string) error { b, err := strconv.ParseBool(v); c.Demo = b; return err }))
	g, s = str(func(c *Config) *string { return &c.PlatformHost })
	add(opt("platform-host", "PIAZZA_PLATFORM_HOST", "host name of the platform console for the consortium operator", false, g, s))
	g, s = str(func(c *Config) *string { return &c.SecretKey })
	add(opt("secret-key", "PIAZZA_SECRET_KEY", "key (≥ 32 bytes, base64 or hex) that signs tokens and encrypts stored secrets; must be the same on every node; generated in the data directory when empty", false, g, s))
	add(opt("trusted-proxies", "PIAZZA_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted", true,
		func(c *Config) string {
			var p []string
			for _, x := range c.TrustedProxies {
				p = append(p, x.String())
			}
			return strings.Join(p, ",")
		},
		func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, part := range strings.Split(v, ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if !strings.Contains(part, "/") {
					a, err := netip.ParseAddr(part)
					if err != nil {
						return err
					}
					part = netip.PrefixFrom(a, a.BitLen()).String()
				}
				p, err := netip.ParsePrefix(part)
				if err != nil {
					return err
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
			return nil
		}))
	g, s = str(func(c *Config) *string { return &c.TLSCert })
	add(opt("tls-cert", "PIAZZA_TLS_CERT", "PEM certificate file to serve HTTPS directly (usually TLS ends at the reverse proxy)", true, g, s))
	g, s = str(func(c *Config) *string { return &c.TLSKey })
	add(opt("tls-key", "PIAZZA_TLS_KEY", "PEM private key file for --tls-cert", true, g, s))
	g, s = str(func(c *Config) *string { return &c.SMTPURL })
	add(opt("smtp-url", "PIAZZA_SMTP_URL", "mail server, smtp://user:password@host:port?tls=starttls|tls|none; empty writes messages to the outbox in the data directory", false, g, s))
	g, s = str(func(c *Config) *string { return &c.MailFrom })
	add(opt("mail-from", "PIAZZA_MAIL_FROM", "sender address of outgoing mail", false, g, s))
	g, s = str(func(c *Config) *string { return &c.LogFormat })
	add(opt("log-format", "PIAZZA_LOG_FORMAT", "log format: json or text", false, g, s))
	g, s = str(func(c *Config) *string { return &c.LogLevel })
	add(opt("log-level", "PIAZZA_LOG_LEVEL", "log level: debug, info, warn or error", false, g, s))
	g, s = str(func(c *Config) *string { return &c.MetricsToken })
	add(opt("metrics-token", "PIAZZA_METRICS_TOKEN", "bearer token required for /metrics; empty allows loopback clients only", true, g, s))
	add(opt("max-body-bytes", "PIAZZA_MAX_BODY_BYTES", "largest accepted request body in bytes (uploads have their own limits)", true,
		func(c *Config) string { return strconv.FormatInt(c.MaxBodyBytes, 10) },
		func(c *Config, v string) error { n, err := strconv.ParseInt(v, 10, 64); c.MaxBodyBytes = n; return err }))
	dur := func(p func(*Config) *time.Duration) (func(*Config) string, func(*Config, string) error) {
		return func(c *Config) string { return p(c).String() },
			func(c *Config, v string) error { d, err := time.ParseDuration(v); *p(c) = d; return err }
	}
	gd, sd := dur(func(c *Config) *time.Duration { return &c.SessionIdle })
	add(opt("session-idle", "PIAZZA_SESSION_IDLE", "sign out after this long without activity", true, gd, sd))
	gd, sd = dur(func(c *Config) *time.Duration { return &c.SessionMax })
	add(opt("session-max", "PIAZZA_SESSION_MAX", "sign out after this long in any case", true, gd, sd))
	gd, sd = dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })
	add(opt("shutdown-timeout", "PIAZZA_SHUTDOWN_TIMEOUT", "how long to let requests and jobs finish on SIGTERM", true, gd, sd))
	num := func(p func(*Config) *int) (func(*Config) string, func(*Config, string) error) {
		return func(c *Config) string { return strconv.Itoa(*p(c)) },
			func(c *Config, v string) error { n, err := strconv.Atoi(v); *p(c) = n; return err }
	}
	gn, sn := num(func(c *Config) *int { return &c.DBMaxConns })
	add(opt("db-max-conns", "PIAZZA_DB_MAX_CONNS", "PostgreSQL connection pool size per node", false, gn, sn))
	g, s = str(func(c *Config) *string { return &c.SQLiteSynchronous })
	add(opt("sqlite-synchronous", "PIAZZA_SQLITE_SYNCHRONOUS", "SQLite durability: normal (survives a killed process) or full (also survives a power cut, slower)", false, g, s))
	gn, sn = num(func(c *Config) *int { return &c.JobWorkers })
	add(opt("job-workers", "PIAZZA_JOB_WORKERS", "background job workers on this node (0 = none)", true, gn, sn))
	gd, sd = dur(func(c *Config) *time.Duration { return &c.PageCacheTTL })
	add(opt("page-cache-ttl", "PIAZZA_PAGE_CACHE_TTL", "how long public pages are served from memory to visitors not signed in (0 = never)", true, gd, sd))
	return out
}

// Register defines the flags on fs, with defaults taken from cfg after the
// environment has been applied, and returns a function that validates the result
// once fs has been parsed. serve selects the serve-only flags too.
func Register(fs *flag.FlagSet, cfg *Config, getenv func(string) string, serve bool) (func() error, error) {
	for _, o := range options() {
		if o.serveOnly && !serve {
			continue
		}
		if v, ok := lookup(getenv, o.env); ok {
			if err := o.set(cfg, v); err != nil {
				return nil, fmt.Errorf("%s: %v", o.env, err)
			}
		}
		fs.Var(&flagValue{cfg: cfg, o: o}, o.flag, fmt.Sprintf("%s (env %s)", o.usage, o.env))
		if f := fs.Lookup(o.flag); f != nil {
			f.DefValue = o.get(cfg)
		}
	}
	return func() error { return cfg.Validate() }, nil
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

type flagValue struct {
	cfg *Config
	o   option
}

func (f *flagValue) String() string {
	if f == nil || f.cfg == nil {
		return ""
	}
	return f.o.get(f.cfg)
}
func (f *flagValue) Set(v string) error { return f.o.set(f.cfg, v) }
func (f *flagValue) IsBoolFlag() bool   { return f.o.flag == "demo" }

// Validate checks the configuration and normalises it.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("PIAZZA_ADDR %q: %v", c.Addr, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("PIAZZA_DATA_DIR must not be empty"))
	} else {
		c.DataDir = filepath.Clean(c.DataDir)
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("PIAZZA_DATABASE_URL must be a postgres:// URL"))
		}
	}
	c.PlatformHost = strings.ToLower(strings.TrimSpace(c.PlatformHost))
	if c.PlatformHost == "" || strings.ContainsAny(c.PlatformHost, ":/ ") {
		errs = append(errs, fmt.Errorf("PIAZZA_PLATFORM_HOST %q must be a bare host name", c.PlatformHost))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("PIAZZA_TLS_CERT and PIAZZA_TLS_KEY go together"))
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, errors.New("PIAZZA_SMTP_URL must look like smtp://user:password@host:587"))
		}
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("PIAZZA_LOG_FORMAT %q: use json or text", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("PIAZZA_LOG_LEVEL %q: use debug, info, warn or error", c.LogLevel))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("PIAZZA_MAX_BODY_BYTES must be at least 1024"))
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		errs = append(errs, errors.New("PIAZZA_SESSION_IDLE must be positive and not longer than PIAZZA_SESSION_MAX"))
	}
	if c.SQLiteSynchronous != "normal" && c.SQLiteSynchronous != "full" {
		errs = append(errs, errors.New("PIAZZA_SQLITE_SYNCHRONOUS must be normal or full"))
	}
	if c.DBMaxConns < 1 {
		errs = append(errs, errors.New("PIAZZA_DB_MAX_CONNS must be at least 1"))
	}
	if c.JobWorkers < 0 {
		errs = append(errs, errors.New("PIAZZA_JOB_WORKERS must not be negative"))
	}
	if c.PageCacheTTL < 0 || c.PageCacheTTL > time.Hour {
		errs = append(errs, errors.New("PIAZZA_PAGE_CACHE_TTL must be between 0 and 1h"))
	}
	return errors.Join(errs...)
}

// TLS reports whether the process serves HTTPS itself.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// Port returns the port part of Addr.
func (c *Config) Port() string {
	_, p, _ := net.SplitHostPort(c.Addr)
	return p
}
