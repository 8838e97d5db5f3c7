package cli

import "context"

func userCmd(ctx context.Context, env Env, args []string) error {
	return usageErr("piazza user: not yet available")
}
