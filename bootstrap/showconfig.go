package main

import (
	"io"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func showConfigCommand() *cli.Command {
	return &cli.Command{
		Name:  "show-config",
		Usage: "print the effective configuration (--config and --set over the defaults), documented",
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			_, err := io.WriteString(cCtx.App.Writer, c.Render())
			return err
		}),
	}
}
