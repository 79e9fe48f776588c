package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func budgetCommand() *cli.Command {
	return &cli.Command{
		Name:  "budget",
		Usage: "print the worst-case failover time of the configured timers",
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			fmt.Fprint(cCtx.App.Writer, c.FailoverBudget())
			return nil
		}),
	}
}
