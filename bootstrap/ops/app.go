package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/completion"
)

// DefaultConfig is the configuration qvd-ha-bootstrap set the cluster up
// from.
const DefaultConfig = "/etc/qvd-ha/bootstrap.conf"

func newApp(stdout, stderr io.Writer, d deps) *cli.App {
	return &cli.App{
		Name:      "qvd-ha",
		Usage:     "operate the QVD HA PostgreSQL cluster",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		Description: "qvd-ha answers the questions of a running two-node cluster from either node. It reads the " +
			"configuration qvd-ha-bootstrap set the cluster up from (" + DefaultConfig + ").\n\n" +
			"Exit status of status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, as monitoring plugins; " +
			"3 as well when the command cannot run (a bad option or configuration). Of switchover: 0 done, " +
			"1 failed, 2 refused by a safety check (nothing changed), 3 cannot run (a bad option, an unknown " +
			"node, no configuration, no cluster).\n\n" +
			"The maintenance procedures of this cluster (switch-over, standby, maintenance-mode, DRBD verify, " +
			"backup and restore) are in the man page, qvd-ha(8), section MAINTENANCE.",
		HideHelpCommand: true,
		// bash completion: the script of the hidden completion command asks
		// the program for its commands and options.
		EnableBashCompletion: true,
		// urfave/cli's own exit on a usage error would be 1, a WARNING to
		// a monitoring system.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return err },
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: DefaultConfig, Usage: "configuration `FILE`"},
		},
		Commands: []*cli.Command{
			statusCommand(d),
			switchoverCommand(d),
			manpageCommand(),
			completion.Command(),
		},
	}
}

// load reads --config; a missing default file means the built-in defaults
// (the runbook's example cluster), a missing named file is an error.
func load(cCtx *cli.Context) (*config.Config, error) {
	name := cCtx.String("config")
	f, err := os.Open(name)
	if os.IsNotExist(err) && !cCtx.IsSet("config") {
		return config.Load(nil, "defaults", nil)
	}
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	defer f.Close()
	c, err := config.Load(f, name, nil)
	if p, ok := config.AsProblems(err); ok {
		return nil, fmt.Errorf("configuration %s: %s", name, strings.Join(p, "; "))
	}
	return c, err
}

func manpageCommand() *cli.Command {
	return &cli.Command{
		Name:   "manpage",
		Usage:  "print the man page (roff)",
		Hidden: true,
		Action: func(cCtx *cli.Context) error {
			man, err := manPage(cCtx.App)
			if err != nil {
				return fmt.Errorf("render man page: %w", err)
			}
			_, err = io.WriteString(cCtx.App.Writer, man)
			return err
		},
	}
}
