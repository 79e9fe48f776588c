package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func cibCommand() *cli.Command {
	return &cli.Command{
		Name:  "cib",
		Usage: "print the whole CIB as XML, empty status (for crm_verify, crm_simulate, a shadow CIB)",
		Flags: []cli.Flag{outputFlag()},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			note(cCtx, c.FailoverBudget().String())
			out, err := cib.Build(c).XML()
			if err != nil {
				return fmt.Errorf("render CIB: %w", err)
			}
			return output(cCtx, out)
		}),
	}
}
