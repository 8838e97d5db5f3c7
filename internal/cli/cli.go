// Package cli implements the piazza command: serve, migrate, tenant, user and demo.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"

	"piazza/internal/app"
	"piazza/internal/config"
)

// Env is what a command sees of the process.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// Ready, if set, receives the address the server listens on (for tests).
	Ready chan<- string
	// Hooks run on the app before the web server is built (the demo identity
	// provider and the citizen sign-in client register themselves here).
	Hooks []func(ctx context.Context, a *app.App) error
}

const usage = `piazza – the digital town hall of many comuni

Usage:
  piazza serve [flags]      run the web server (piazza serve --help lists every setting)
  piazza migrate [flags]    apply database migrations and exit
  piazza demo [flags]       load the demo comuni into an empty store
  piazza tenant <command>   add, list, show, update, suspend, activate tenants
  piazza user <command>     add, list, set-password, grant, revoke staff accounts

Every flag has a PIAZZA_* environment variable; the flag wins.
`

// Main runs the command and returns the exit code.
func Main(ctx context.Context, env Env) int {
	if len(env.Args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch env.Args[0] {
	case "serve":
		err = serve(ctx, env, env.Args[1:])
	case "migrate":
		err = migrate(ctx, env, env.Args[1:])
	case "demo":
		err = demoCmd(ctx, env, env.Args[1:])
	case "tenant":
		err = tenantCmd(ctx, env, env.Args[1:])
	case "user":
		err = userCmd(ctx, env, env.Args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "unknown command %q\n\n%s", env.Args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(env.Stderr, "piazza:", err)
		return 2
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, "piazza:", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usageErr(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// loadConfig parses the common flags of a command plus its own (set up by extra).
func loadConfig(env Env, name string, args []string, serve bool, extra func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("piazza "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	validate, err := config.Register(fs, &cfg, env.Getenv, serve)
	if err != nil {
		return cfg, nil, err
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	return cfg, fs, validate()
}

// open opens the app for a non-serving command (quiet logs).
func open(ctx context.Context, env Env, cfg config.Config) (*app.App, error) {
	cfg.LogLevel = "warn"
	return app.Open(ctx, cfg, app.NewLogger(cfg, env.Stderr))
}

func migrate(ctx context.Context, env Env, args []string) error {
	cfg, _, err := loadConfig(env, "migrate", args, false, nil)
	if err != nil {
		return err
	}
	a, err := open(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	// Open has applied the migrations; say where the schema stands.
	fmt.Fprintf(env.Stdout, "database (%s) is up to date\n", a.DB.Dialect())
	return nil
}

// hostPort returns the port to print in URLs.
func hostPort(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil || p == "80" {
		return ""
	}
	return ":" + p
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
