package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/units"
)

func timersCommand() *cli.Command {
	return &cli.Command{
		Name:  "timers",
		Usage: "enable and start the backup and DRBD verification timers (the runbook's cron lines), on both nodes",
		Description: "Each job acts only where the database runs or DRBD is Primary, so the timers belong on both " +
			"nodes and follow a failover. With shared storage only qvd-ha-backup.timer: there is no DRBD " +
			"resource to verify.",
		Flags: []cli.Flag{dryRunFlag,
			&cli.BoolFlag{Name: "disable", Usage: "stop and disable both timers instead"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give systemd at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
			defer cancel()
			m, closeConn, err := connectSystemd(ctx)
			if err != nil {
				return fmt.Errorf("timers: systemd: %w", err)
			}
			defer closeConn()
			dry := cCtx.Bool("dry-run")
			var done []string
			if cCtx.Bool("disable") {
				done, err = units.Disable(ctx, m, units.AllTimers(), true, dry)
				report(cCtx, done, dry, "up to date: no qvd-ha timer is enabled or running")
			} else {
				done, err = units.Enable(ctx, m, units.Timers(c.Storage == config.StorageDRBD), dry)
				report(cCtx, done, dry, "up to date: the qvd-ha timers are enabled and running")
			}
			if err != nil {
				return fmt.Errorf("timers: %w", err)
			}
			return nil
		}),
	}
}
