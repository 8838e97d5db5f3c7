// Package cli implements the piazza command: serve, migrate, tenant, user and demo.
//
// Results go to standard output, messages and errors to standard error. The exit
// code is 0 on success, 1 when the command failed (nothing found, a conflict, the
// database unreachable) and 2 when it was used wrongly (unknown command or flag, a
// missing or invalid value).
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"piazza/internal/app"
	"piazza/internal/audit"
	"piazza/internal/config"
	"piazza/internal/store"
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
  piazza tenant <command>   add, list, show, update, suspend, activate tenants; set their sign-in
  piazza user <command>     add, list, set-password, grant, revoke, disable, enable staff accounts

Every flag has a PIAZZA_* environment variable; the flag wins. Run the tenant and
user commands with the same PIAZZA_DATA_DIR, PIAZZA_DATABASE_URL and
PIAZZA_SECRET_KEY as the server.

Exit status: 0 done, 1 failed, 2 wrong usage.
`

// Main runs the command and returns the exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
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
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "piazza: unknown command %q\n\n%s", env.Args[0], usage)
		return 2
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	msg, code := describe(err)
	fmt.Fprintln(env.Stderr, "piazza:", msg)
	return code
}

// usageError is a command used wrongly: exit status 2.
type usageError struct {
	msg  string
	hint string // e.g. "run piazza tenant add --help"
}

func (u usageError) Error() string { return u.msg }

func usageErr(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// command is one subcommand of a group (tenant, user).
type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

// dispatch runs the subcommand of a group named in args[0].
func dispatch(ctx context.Context, env Env, group string, cmds []command, args []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: piazza %s <command> [flags]\n\nCommands:\n", group)
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(&b, "\nRun piazza %s <command> --help for the flags of a command.\nExit status: 0 done, 1 failed, 2 wrong usage.\n", group)
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, b.String())
		return usageError{msg: "a command is needed"}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, b.String())
		return nil
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprint(env.Stderr, b.String())
	return usageErr("unknown command %q", group+" "+args[0])
}

// newFlags returns a flag set whose help text starts with synopsis and text.
func newFlags(name, synopsis, text string) *flag.FlagSet {
	fs := flag.NewFlagSet("piazza "+name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: piazza %s %s\n\n", name, synopsis)
		if text != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(text))
		}
		fmt.Fprintln(w, "Flags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and positional arguments in any order. Help goes to standard
// output (and the result is flag.ErrHelp); a bad flag is a usage error.
func parse(env Env, fs *flag.FlagSet, args []string) ([]string, error) {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			env.Stdout.Write(buf.Bytes())
			return nil, err
		}
		if err != nil {
			return nil, usageError{msg: err.Error(), hint: "run " + fs.Name() + " --help"}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// loadConfig parses the common flags of a command (config.Register) plus its own
// (set up by extra), and returns the positional arguments.
func loadConfig(env Env, fs *flag.FlagSet, args []string, serve bool, extra func(fs *flag.FlagSet)) (config.Config, []string, error) {
	cfg := config.Defaults()
	validate, err := config.Register(fs, &cfg, env.Getenv, serve)
	if err != nil {
		return cfg, nil, usageError{msg: err.Error()}
	}
	if extra != nil {
		extra(fs)
	}
	pos, err := parse(env, fs, args)
	if err != nil {
		return cfg, nil, err
	}
	if err := validate(); err != nil {
		return cfg, nil, usageError{msg: err.Error()}
	}
	return cfg, pos, nil
}

// noArgs refuses positional arguments.
func noArgs(fs *flag.FlagSet, pos []string) error {
	if len(pos) > 0 {
		return usageError{msg: fmt.Sprintf("unexpected argument %q", pos[0]), hint: "run " + fs.Name() + " --help"}
	}
	return nil
}

// open opens the app for a non-serving command (quiet logs). With PostgreSQL the
// data directory is usually not the servers' one, so a secret key generated here
// would differ from theirs and seal secrets they cannot open: the key must be
// given (or already be in the data directory).
func open(ctx context.Context, env Env, cfg config.Config) (*app.App, error) {
	if cfg.DatabaseURL != "" && cfg.SecretKey == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "secret.key")); errors.Is(err, os.ErrNotExist) {
			return nil, usageErr("with PostgreSQL, set PIAZZA_SECRET_KEY (or --secret-key) to the key the servers use")
		}
	}
	cfg.LogLevel = "warn"
	return app.Open(ctx, cfg, app.NewLogger(cfg, env.Stderr))
}

// asCLI returns a context whose actor is the command line, labelled with the
// operating-system user when known, for the audit log.
func asCLI(ctx context.Context, env Env) context.Context {
	label := "cli"
	name := env.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name != "" {
		label += ":" + name
	}
	return audit.WithActor(ctx, audit.Actor{Kind: audit.ActorCLI, Label: label})
}

func migrate(ctx context.Context, env Env, args []string) error {
	fs := newFlags("migrate", "[flags]", `Applies the database migrations that have not been applied yet, and exits.
piazza serve does the same at start-up; several nodes starting together are safe
(PostgreSQL serialises them with an advisory lock).`)
	cfg, pos, err := loadConfig(env, fs, args, false, nil)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	done, err := db.Migrate(ctx)
	for _, v := range done {
		fmt.Fprintf(env.Stdout, "applied %s\n", v)
	}
	if err != nil {
		return err
	}
	if len(done) == 0 {
		fmt.Fprintf(env.Stdout, "database (%s) is up to date\n", db.Dialect())
	} else {
		fmt.Fprintf(env.Stdout, "database (%s): %d migration(s) applied\n", db.Dialect(), len(done))
	}
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
