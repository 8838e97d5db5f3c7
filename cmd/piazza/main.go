// Command piazza runs the digital town hall of many comuni from one installation.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"piazza/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Hooks: cli.DefaultHooks()})
	stop()
	os.Exit(code)
}
