package main

import (
	"context"

	"piazza/internal/app"
)

// hooks plug optional parts into the app before the web server is built.
var hooks = []func(ctx context.Context, a *app.App) error{}
