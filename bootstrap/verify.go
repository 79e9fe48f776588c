package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/verify"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func verifyCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name: "verify",
		Usage: "check the generated CIB with crm_verify; with --fence-timing, also time each node's fence device " +
			"and warn when priority-fencing-delay is less than twice the slowest",
		Description: "--fence-timing runs each fence device's status action " + strconv.Itoa(verify.FenceTimingRuns) +
			" times, as the fencer runs the installed agent (the device's parameters on stdin), and takes the slowest: " +
			"start, connection, login and one call at the hypervisor, the path an off takes to the kill that decides " +
			"a fence race. Status is timed because it is harmless: a real off would power a node off. Run it on a " +
			"cluster node (the hypervisor must be reachable from there; with cibsecret, the password is read where " +
			"cibsecret stored it). The cluster itself need not run.",
		Flags: []cli.Flag{
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give crm_verify, and each fence agent run, at most `DURATION`"},
			&cli.BoolFlag{Name: "fence-timing", Usage: "time the fence devices against the configured hypervisor"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			b := cib.Build(c)
			report, err := verify.CIB(cCtx.Context, r, b, cCtx.Duration("timeout"))
			fmt.Fprint(cCtx.App.Writer, report)
			if cCtx.Bool("fence-timing") {
				ft := verify.FenceTimer{Run: r, Now: time.Now, Agents: verify.FenceAgentDir, Secrets: verify.CIBSecretsDir, Timeout: cCtx.Duration("timeout")}
				timing, terr := ft.Check(cCtx.Context, c, b)
				fmt.Fprint(cCtx.App.Writer, timing)
				err = errors.Join(err, terr)
			}
			return err
		}),
	}
}
