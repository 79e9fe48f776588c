package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

func manpageCommand() *cli.Command {
	return &cli.Command{
		Name:   "manpage",
		Usage:  "print the man page (roff)",
		Hidden: true,
		Action: func(cCtx *cli.Context) error {
			man, err := cCtx.App.ToMan()
			if err != nil {
				return fmt.Errorf("render man page: %w", err)
			}
			_, err = io.WriteString(cCtx.App.Writer, man)
			return err
		},
	}
}
