package main

import (
	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func sampleConfigCommand() *cli.Command {
	return &cli.Command{
		Name:  "sample-config",
		Usage: "print the documented configuration file with every default",
		Flags: []cli.Flag{outputFlag()},
		Action: func(cCtx *cli.Context) error {
			return output(cCtx, []byte(config.Sample()))
		},
	}
}
