package cli

import (
	"context"

	"piazza/internal/app"
)

// DefaultHooks returns the hooks that plug the optional parts (the demo identity
// provider, the citizen sign-in client) into the app before the web server is
// built. The piazza binary and the browser tests both use this list, so the tests
// run exactly what the binary runs.
func DefaultHooks() []func(ctx context.Context, a *app.App) error {
	return []func(ctx context.Context, a *app.App) error{}
}
