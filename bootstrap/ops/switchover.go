package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/secret"
	"github.com/qvd-ha/qvd-ha/bootstrap/switchover"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// switchover's exit codes besides 0 (moved, or nothing to do); 3, cannot
// run, is run's default for any other error.
const (
	exitFailed  exitCode = 1
	exitRefused exitCode = 2
)

func switchoverCommand(d deps) *cli.Command {
	return &cli.Command{
		Name:            "switchover",
		HideHelpCommand: true,
		Usage:           "move the database to the other node, safely, and say how long it could not write",
		UsageText: "qvd-ha switchover [--to NODE] [--dry-run] [--timeout DURATION]\n\n" +
			"The runbook's crm resource migrate and unmigrate in one command, on either node. It moves the " +
			"database group to NODE (default: the node that does not run it) with crm_resource --move, waits " +
			"until the database writes on NODE (a write through the floating IP as the QVD user, password from " +
			"db.password_source), then removes the move constraint, also on timeout or Ctrl-C; the constraint " +
			"expires by itself a minute after --timeout should the command be killed. It prints how long writes " +
			"were refused and the total time.\n\n" +
			"It refuses, changing nothing, when NODE cannot take the database: offline, unclean, standby, in " +
			"maintenance, a ping score of 0, DRBD not UpToDate there, a fencing in progress, a failed database " +
			"resource on NODE, a ban, maintenance-mode, or the database running nowhere. Each reason is one line " +
			"saying what to do. --dry-run prints the scheduler's plan (crm_simulate on a copy of the live CIB) " +
			"after the same checks.\n\n" +
			"Exit status: 0 moved (or already there, or a dry run); 1 failed: the database did not write on NODE " +
			"within --timeout or the move failed (the constraint is removed; the message says where the database " +
			"is now); 2 refused by a safety check, nothing changed; 3 cannot run (a bad option, an unknown node, " +
			"no configuration, no cluster).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "the target `NODE` (default: the node that does not run the database)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "show the scheduler's plan; change nothing"},
			&cli.DurationFlag{Name: "timeout", DefaultText: "the configured timers' stop and start timeouts", Usage: "wait at most `DURATION` for writes on the target"},
			&cli.StringFlag{Name: "node", Usage: "this node's `NAME` (default: the host name)"},
		},
		Action: func(cCtx *cli.Context) error {
			if cCtx.NArg() > 0 {
				return fmt.Errorf("switchover: unexpected argument %q; name the target with --to", cCtx.Args().First())
			}
			// The built-in defaults describe the runbook's example
			// cluster, not this one: moving a database needs its own.
			if name := cCtx.String("config"); !cCtx.IsSet("config") {
				if _, err := os.Stat(name); err != nil {
					return fmt.Errorf("switchover: no configuration: %w; name qvd-ha-bootstrap's with --config", err)
				}
			}
			c, err := load(cCtx)
			if err != nil {
				return err
			}
			here := cCtx.String("node")
			if here == "" {
				here, _ = os.Hostname()
			}
			timeout := cCtx.Duration("timeout")
			if !cCtx.IsSet("timeout") {
				timeout = switchover.DefaultTimeout(c)
			}
			if timeout <= 0 {
				return fmt.Errorf("switchover: --timeout %s is not positive", timeout)
			}
			sw := switchover.New(c, pcmk.Tools{Run: d.run}, d.run, func() (switchover.Probe, error) { return d.writeProbe(c) }, cCtx.App.Writer)
			err = sw.Run(cCtx.Context, switchover.Request{Here: here, To: cCtx.String("to"), DryRun: cCtx.Bool("dry-run"), Timeout: timeout})
			var refused *switchover.Refused
			var failed *switchover.Failed
			switch {
			case errors.As(err, &refused):
				for _, r := range refused.Reasons {
					fmt.Fprintln(cCtx.App.ErrWriter, "qvd-ha switchover: refused: "+r)
				}
				return exitRefused
			case errors.As(err, &failed):
				fmt.Fprintln(cCtx.App.ErrWriter, "qvd-ha switchover: failed: "+failed.Error())
				return exitFailed
			}
			return err
		},
	}
}

// writeProbe opens the probe switchover writes through the floating IP
// with, as the QVD user; the password is read from db.password_source.
func writeProbe(c *config.Config) (switchover.Probe, error) {
	pw, err := secret.Read(c.DBPasswordSource, os.Stdin, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("switchover: the QVD user's password: %w", err)
	}
	return switchover.NewPG(c.DBIP, c.PGPort, c.DBName, c.DBUser, pw)
}
