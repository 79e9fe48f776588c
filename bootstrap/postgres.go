package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/pgsetup"
)

func postgresCommand() *cli.Command {
	return &cli.Command{
		Name: "postgres",
		Usage: "set serializable transactions, listen_addresses and scram-sha-256 in postgresql.conf, and the QVD " +
			"user's pg_hba.conf lines and the pacemaker peer map (runbook 8.2); other lines are kept",
		Flags: []cli.Flag{dryRunFlag,
			&cli.StringFlag{Name: "pgdata", Usage: "data `DIR` (default: pgsql.pgdata)"},
			&cli.StringFlag{Name: "listen", Usage: "listen_addresses `VALUE` instead of localhost and db.ip ('*' for all)"},
			&cli.StringSliceFlag{Name: "allow", Usage: "also let the QVD user in from `CIDR` (the QVD nodes; repeatable)"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			listen := pgsetup.ListenAddresses(c)
			if l := cCtx.String("listen"); l != "" {
				listen = strings.Split(l, ",")
			}
			var extra []netip.Prefix
			for _, a := range cCtx.StringSlice("allow") {
				p, err := netip.ParsePrefix(a)
				if err != nil {
					return fmt.Errorf("postgres: --allow %s: not an address/prefix", a)
				}
				extra = append(extra, p)
			}
			dir := cCtx.String("pgdata")
			if dir == "" {
				dir = c.PGData
			}
			dry := cCtx.Bool("dry-run")
			changed, err := pgsetup.Configure(cCtx.App.Writer, dir, c, listen, extra, dry)
			if err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			if changed && !dry {
				note(cCtx, "restart PostgreSQL for listen_addresses to take effect (a reload is enough for the rest)")
			}
			return nil
		}),
	}
}
