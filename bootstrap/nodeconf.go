package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/nodeconf"
)

func nodeConfCommand() *cli.Command {
	return &cli.Command{
		Name:  "node-conf",
		Usage: "write the database keys of /etc/qvd/node.conf (runbook 8.3), mode 0600; other keys are kept",
		Flags: []cli.Flag{dryRunFlag,
			&cli.StringFlag{Name: "file", Value: nodeconf.Path, Usage: "node configuration `FILE`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			pw, err := password(cCtx, c)
			if err != nil {
				return fmt.Errorf("node-conf: %w", err)
			}
			if err := nodeconf.Write(cCtx.App.Writer, cCtx.String("file"), c, pw, cCtx.Bool("dry-run")); err != nil {
				return fmt.Errorf("node-conf: %w", err)
			}
			return nil
		}),
	}
}
