package cli

import "context"

func tenantCmd(ctx context.Context, env Env, args []string) error {
	return usageErr("piazza tenant: not yet available")
}
