package cli

import (
	"context"
	"fmt"
	"strings"

	"piazza/internal/app"
	"piazza/internal/demo"
)

func serve(ctx context.Context, env Env, args []string) error {
	fs := newFlags("serve", "[flags]", `Runs the web server and the background job workers until SIGINT or SIGTERM,
then shuts down gracefully: running requests and jobs may finish for up to
PIAZZA_SHUTDOWN_TIMEOUT. Pending database migrations are applied at start-up.

Every flag can also be set with the environment variable named in its
description; a flag wins over the environment. docs/operations.md explains each
setting and how to run one node or several.`)
	cfg, pos, err := loadConfig(env, fs, args, true, nil)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	// Bind first: with --addr host:0 the port is only known now, and the demo
	// identity provider's issuer URL (stored in the demo tenants) and the hooks
	// need the real one. Listen rewrites a.Config.Addr with the bound port.
	if _, err := a.Listen(); err != nil {
		return err
	}
	cfg = a.Config
	d := demoDeps(a)
	if cfg.Demo {
		loaded, err := demo.Ensure(ctx, d, demo.Issuer(cfg.PlatformHost, cfg.Port()))
		if err != nil {
			return err
		}
		if loaded {
			a.Log.Info("demo data loaded")
		}
		a.Demo = true
	} else if isDemo, err := demo.IsDemoStore(ctx, a.DB); err != nil {
		return err
	} else if isDemo {
		a.Demo = true // a demo store stays labelled as such, but without --demo no demo provider runs
	}
	for _, h := range env.Hooks {
		if err := h(ctx, a); err != nil {
			return err
		}
	}
	if err := a.Build(); err != nil {
		return err
	}
	if cfg.Demo {
		fmt.Fprint(env.Stdout, demoBanner(cfg.PlatformHost, hostPort(cfg.Addr), a.Outbox != nil, cfg.DataDir))
	}
	return a.Serve(ctx, env.Ready)
}

func demoBanner(platformHost, port string, outbox bool, dataDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nPiazza demo is running. Open:\n\n")
	fmt.Fprintf(&b, "  Comune di Borgo Fiorito       http://borgofiorito.localhost%s\n", port)
	fmt.Fprintf(&b, "    services host               http://servizi.borgofiorito.localhost%s\n", port)
	fmt.Fprintf(&b, "    back office                 http://borgofiorito.localhost%s/backoffice\n", port)
	fmt.Fprintf(&b, "  Comune di Marina di Ponente   http://marinadiponente.localhost%s\n", port)
	fmt.Fprintf(&b, "    back office                 http://marinadiponente.localhost%s/backoffice\n", port)
	fmt.Fprintf(&b, "  Platform console              http://%s%s\n\n", platformHost, port)
	fmt.Fprintf(&b, "Staff accounts (password for all: %s):\n", demo.Password)
	for _, s := range demo.Staff {
		where := s.Tenant
		if where == "" {
			where = "platform console"
		}
		roles := ""
		for i, r := range s.Roles {
			if i > 0 {
				roles += ","
			}
			roles += string(r)
		}
		fmt.Fprintf(&b, "  %-40s %-30s %s\n", s.Email, strings.ReplaceAll(where, "+", " + "), roles)
	}
	fmt.Fprintf(&b, "\nCitizens sign in from \"Accedi all'area personale\" → \"Entra con SPID\" (the demo identity\nprovider stands in for SPID and CIE), choosing one of:")
	for _, c := range demo.Citizens {
		fmt.Fprintf(&b, " %s %s (%s);", c.GivenName, c.FamilyName, c.FiscalCode)
	}
	b.WriteString("\n")
	if outbox {
		fmt.Fprintf(&b, "Outgoing email is written to %s/outbox.\n", dataDir)
	}
	b.WriteString("\n")
	return b.String()
}
