package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/apply"
	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func applyCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name: "apply",
		Usage: "load the CIB configuration into the running cluster after a preview (crm_simulate on a " +
			"copy of the live CIB); refuses without --yes when the database would stop or move",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "yes", Usage: "apply even when the database would stop, restart or move"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "give the Pacemaker tools at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			return apply.Run(cCtx.Context, r, cCtx.App.Writer, cib.Build(c), cCtx.Bool("yes"), cCtx.Duration("timeout"))
		}),
	}
}
