package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/timesync"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func checkTimeCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name:  "check-time",
		Usage: "warn when this node's clock is not synchronised by chrony (runbook 4)",
		Action: func(cCtx *cli.Context) error {
			ctx, cancel := context.WithTimeout(cCtx.Context, 10*time.Second)
			defer cancel()
			warnings := timesync.Check(ctx, r)
			for _, w := range warnings {
				fmt.Fprintln(cCtx.App.ErrWriter, "qvd-ha-bootstrap: WARNING: "+w)
			}
			if len(warnings) == 0 {
				fmt.Fprintln(cCtx.App.Writer, "The clock is synchronised.")
			}
			return nil
		},
	}
}
