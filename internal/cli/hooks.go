package cli

import (
	"context"

	"piazza/internal/app"
	"piazza/internal/demo"
	"piazza/internal/demoidp"
	"piazza/internal/oidc"
)

// DefaultHooks returns the hooks that plug the optional parts (the citizen sign-in
// client, the demo identity provider) into the app before the web server is built.
// The piazza binary and the browser tests both use this list, so the tests run
// exactly what the binary runs.
func DefaultHooks() []func(ctx context.Context, a *app.App) error {
	return []func(ctx context.Context, a *app.App) error{citizenSignIn, demoIdentityProvider}
}

// citizenSignIn lets citizens sign in through their comune's OpenID provider.
func citizenSignIn(_ context.Context, a *app.App) error {
	a.CitizenAuth = oidc.New(oidc.Options{Settings: a.Tenants})
	return nil
}

// demoIdentityProvider mounts the demo identity provider, only in demo mode (--demo)
// and only on a store the demo loader marked: never next to real data.
func demoIdentityProvider(ctx context.Context, a *app.App) error {
	if !a.Config.Demo {
		return nil
	}
	isDemo, err := demo.IsDemoStore(ctx, a.DB)
	if err != nil {
		return err
	}
	if !isDemo {
		a.Log.Warn("demo identity provider not started: the store holds no demo data")
		return nil
	}
	issuer := demo.Issuer(a.Config.PlatformHost, a.Config.Port())
	idp, err := demoidp.New(ctx, demoidp.Options{Issuer: issuer, Store: a.DB, Seed: demo.TokenSeed(a.Keys), Tenants: a.Tenants, Logger: a.Log})
	if err != nil {
		return err
	}
	a.DemoIdP = idp
	a.Log.Info("demo identity provider mounted", "issuer", issuer)
	return nil
}

// demoDeps are the services the demo loader fills.
func demoDeps(a *app.App) demo.Deps {
	return demo.Deps{Store: a.DB, Tenants: a.Tenants, Accounts: a.Accounts, Blobs: a.Blobs, Services: a.Services, Forms: a.Forms,
		Applications: a.Applications, Content: a.Content, Booking: a.Booking, Reports: a.Reports}
}
