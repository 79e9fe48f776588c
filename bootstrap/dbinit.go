package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/pgsetup"
)

func dbInitCommand() *cli.Command {
	return &cli.Command{
		Name: "db-init",
		Usage: "create the QVD role (login, password from db.password_source), its database and the " +
			"pacemaker_monitor table with one row (runbook 8.1, 8.4); PostgreSQL must be running",
		Flags: []cli.Flag{dryRunFlag,
			&cli.StringFlag{Name: "admin", Value: pgsetup.DefaultAdminConn, Usage: "superuser connection `STRING` (libpq keywords; port defaults to pgsql.port)"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give PostgreSQL at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			pw, err := password(cCtx, c)
			if err != nil {
				return fmt.Errorf("db-init: %w", err)
			}
			cfg, err := pgsetup.AdminConfig(cCtx.String("admin"), c.PGPort)
			if err != nil {
				return fmt.Errorf("db-init: %w", err)
			}
			ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
			defer cancel()
			admin, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				return fmt.Errorf("db-init: %w", err)
			}
			defer admin.Close(context.Background())
			dry := cCtx.Bool("dry-run")
			done, err := pgsetup.Init(ctx, admin, pgsetup.ConnectDB(cfg), pgsetup.Spec{DB: c.DBName, User: c.DBUser, Password: pw}, dry)
			report(cCtx, done, dry, fmt.Sprintf("role %s, database %s and table %s are up to date", c.DBUser, c.DBName, pgsetup.MonitorTable))
			if err != nil {
				return fmt.Errorf("db-init: %w", err)
			}
			return nil
		}),
	}
}
