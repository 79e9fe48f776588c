package main

import (
	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func crmCommand() *cli.Command {
	return &cli.Command{
		Name:  "crm",
		Usage: "print the CIB configuration in crm shell syntax (for crm configure load update)",
		Flags: []cli.Flag{outputFlag()},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			note(cCtx, c.FailoverBudget().String())
			return output(cCtx, []byte(cib.Build(c).CRM()))
		}),
	}
}
