package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// drbdVerifyCommand is the job the qvd-ha-drbd-verify timer runs; safe to
// run by hand on either node.
func drbdVerifyCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name: "drbd-verify",
		Usage: "on the DRBD Primary: start DRBD's online verification (runbook maintenance 2; the " +
			"qvd-ha-drbd-verify timer runs it on Saturdays at 3:30 a.m. on both nodes)",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give drbdadm at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			if c.Storage != config.StorageDRBD {
				fmt.Fprintf(cCtx.App.Writer, "storage is %s: there is no DRBD resource to verify.\n", c.Storage)
				return nil
			}
			ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
			defer cancel()
			return maintenance.VerifyDRBD(ctx, r, c.DRBDResource, cCtx.App.Writer)
		}),
	}
}
