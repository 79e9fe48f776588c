package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/units"
)

// connectSystemd opens systemd's D-Bus API; tests replace it.
var connectSystemd = func(ctx context.Context) (units.Manager, func(), error) {
	conn, err := units.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	return conn, conn.Close, nil
}

func disableUnitsCommand() *cli.Command {
	return &cli.Command{
		Name:  "disable-units",
		Usage: "disable the postgresql and drbd systemd units so that only Pacemaker starts them",
		Flags: []cli.Flag{dryRunFlag,
			&cli.BoolFlag{Name: "stop", Usage: "also stop them now (never on a node where Pacemaker runs the database)"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "give systemd at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
			defer cancel()
			m, closeConn, err := connectSystemd(ctx)
			if err != nil {
				return fmt.Errorf("disable-units: systemd: %w", err)
			}
			defer closeConn()
			dry := cCtx.Bool("dry-run")
			done, err := units.Disable(ctx, m, units.Patterns(c.Storage == config.StorageDRBD), cCtx.Bool("stop"), dry)
			report(cCtx, done, dry, "no postgresql or drbd unit is enabled; Pacemaker alone starts them")
			if err != nil {
				return fmt.Errorf("disable-units: %w", err)
			}
			return nil
		}),
	}
}
