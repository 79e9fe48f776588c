package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/hosts"
)

func hostsCommand() *cli.Command {
	return &cli.Command{
		Name:  "hosts",
		Usage: "put the nodes, crossover names and database name in /etc/hosts (runbook 2.2)",
		Flags: []cli.Flag{dryRunFlag, &cli.StringFlag{Name: "file", Value: "/etc/hosts", Usage: "hosts `FILE`"}},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			name := cCtx.String("file")
			old, err := os.ReadFile(name)
			if err != nil {
				return fmt.Errorf("hosts: %w", err)
			}
			merged, warnings := hosts.Merge(string(old), hosts.Entries(c))
			for _, w := range warnings {
				fmt.Fprintf(cCtx.App.ErrWriter, "qvd-ha-bootstrap: warning: %s: %s\n", name, w)
			}
			return install(cCtx, name, []byte(merged), 0o644)
		}),
	}
}
