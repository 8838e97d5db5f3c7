package cli

import (
	"context"
	"fmt"

	"piazza/internal/demo"
)

func demoCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlags("demo", "[flags]", `Loads the two demo comuni, their staff and the demo citizens into an empty
store, then run piazza serve --demo. Running it again changes nothing; on a store
that holds real data it refuses.`)
	cfg, pos, err := loadConfig(env, fs, args, false, nil)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	a, err := open(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	d := demoDeps(a)
	isDemo, err := demo.IsDemoStore(ctx, a.DB)
	if err != nil {
		return err
	}
	if isDemo {
		fmt.Fprintln(env.Stdout, "the demo data is already loaded")
		return nil
	}
	empty, err := demo.Empty(ctx, a.DB)
	if err != nil {
		return err
	}
	if !empty {
		return demo.ErrNotDemoStore
	}
	if err := demo.Load(asCLI(ctx, env), d, demo.Issuer(cfg.PlatformHost, "8080")); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "demo data loaded: run piazza serve --demo")
	return nil
}
