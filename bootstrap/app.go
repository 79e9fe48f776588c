package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitBadConfig = 2 // the configuration is wrong; nothing was written
)

// DefaultConfig is where the configuration lives on a node.
const DefaultConfig = "/etc/qvd-ha/bootstrap.conf"

// badConfig carries config.Problems out of the app with exit code 2.
type badConfig struct{ config.Problems }

// run is main without the process: tests call it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, r runner.Runner) int {
	app := newApp(stdout, stderr, r)
	err := app.RunContext(ctx, args)
	var bad badConfig
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &bad):
		for _, p := range bad.Problems {
			fmt.Fprintln(stderr, "qvd-ha-bootstrap: config: "+p)
		}
		return exitBadConfig
	default:
		fmt.Fprintln(stderr, "qvd-ha-bootstrap: "+err.Error())
		return exitFailed
	}
}

func newApp(stdout, stderr io.Writer, r runner.Runner) *cli.App {
	outFlag := &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of standard output (replaced atomically; a new file gets mode 0600)"}
	app := &cli.App{
		Name:      "qvd-ha-bootstrap",
		Usage:     "generate the QVD HA PostgreSQL cluster's configuration from one file",
		Version:   version,
		Writer:    stdout,
		ErrWriter: stderr,
		Description: "qvd-ha-bootstrap reads one configuration file (see sample-config; " + DefaultConfig +
			" by convention) and writes what the QVD runbook types by hand: the Pacemaker CIB for a two-node " +
			"PostgreSQL cluster on DRBD or shared storage with libvirt or XenAPI fencing.\n\n" +
			"Without --config the built-in defaults are used: the runbook's example cluster.\n\n" +
			"Choices the runbook does not make: priority-fencing-delay with a priority on the database group, " +
			"so that after a split the node running the database wins the fence race (a pcmk_delay_base on one " +
			"device would protect a fixed node, not the one holding the database); resource-stickiness 100 per " +
			"resource against a preferred-node score of 50 on the DRBD Promoted role, so a rejoining preferred " +
			"node never takes the database back; a pgsql start timeout sized for crash recovery, because " +
			"start-failure-is-fatal bans a node at its first failed start; no password in the CIB.\n\n" +
			"Exit status: 0 success, 1 failure, 2 bad configuration (one message per problem; nothing written).",
		HideHelpCommand: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "configuration `FILE` (key = value)"},
			&cli.StringSliceFlag{Name: "set", Usage: "override one configuration key: --set `KEY=VALUE` (repeatable)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no notes on standard error"},
		},
		Commands: []*cli.Command{
			{
				Name:  "cib",
				Usage: "print the whole CIB as XML, empty status (for crm_verify, crm_simulate, a shadow CIB)",
				Flags: []cli.Flag{outFlag},
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					note(cCtx, c.FailoverBudget().String())
					out, err := cib.Build(c).XML()
					if err != nil {
						return fmt.Errorf("render CIB: %w", err)
					}
					return output(cCtx, out)
				}),
			},
			{
				Name:  "crm",
				Usage: "print the CIB configuration in crm shell syntax (for crm configure load update)",
				Flags: []cli.Flag{outFlag},
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					note(cCtx, c.FailoverBudget().String())
					return output(cCtx, []byte(cib.Build(c).CRM()))
				}),
			},
			{
				Name: "verify",
				Usage: "check the generated CIB with crm_verify; with --fence-timing, also time each node's fence device " +
					"and warn when priority-fencing-delay is less than twice the slowest",
				Description: "--fence-timing runs each fence device's status action " + strconv.Itoa(fenceTimingRuns) +
					" times, as the fencer runs the installed agent (the device's parameters on stdin), and takes the slowest: " +
					"start, connection, login and one call at the hypervisor, the path an off takes to the kill that decides " +
					"a fence race. Status is timed because it is harmless: a real off would power a node off. Run it on a " +
					"cluster node (the hypervisor must be reachable from there; with cibsecret, the password is read where " +
					"cibsecret stored it). The cluster itself need not run.",
				Flags: []cli.Flag{
					&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give crm_verify, and each fence agent run, at most `DURATION`"},
					&cli.BoolFlag{Name: "fence-timing", Usage: "time the fence devices against the configured hypervisor"},
				},
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					b := cib.Build(c)
					report, err := verify(cCtx.Context, r, b, cCtx.Duration("timeout"))
					fmt.Fprint(stdout, report)
					if cCtx.Bool("fence-timing") {
						ft := fenceTimer{r: r, now: time.Now, agents: fenceAgentDir, secrets: cibSecretsDir, timeout: cCtx.Duration("timeout")}
						timing, terr := ft.check(cCtx.Context, c, b)
						fmt.Fprint(stdout, timing)
						err = errors.Join(err, terr)
					}
					return err
				}),
			},
			{
				Name: "apply",
				Usage: "load the CIB configuration into the running cluster after a preview (crm_simulate on a " +
					"copy of the live CIB); refuses without --yes when the database would stop or move",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "yes", Usage: "apply even when the database would stop, restart or move"},
					&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "give the Pacemaker tools at most `DURATION`"},
				},
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					return apply(cCtx.Context, r, stdout, cib.Build(c), cCtx.Bool("yes"), cCtx.Duration("timeout"))
				}),
			},
			{
				Name:  "budget",
				Usage: "print the worst-case failover time of the configured timers",
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					fmt.Fprint(stdout, c.FailoverBudget())
					return nil
				}),
			},
			{
				Name:  "sample-config",
				Usage: "print the documented configuration file with every default",
				Flags: []cli.Flag{outFlag},
				Action: func(cCtx *cli.Context) error {
					return output(cCtx, []byte(config.Sample()))
				},
			},
			{
				Name:  "show-config",
				Usage: "print the effective configuration (--config and --set over the defaults), documented",
				Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
					_, err := io.WriteString(stdout, c.Render())
					return err
				}),
			},
			{
				Name:   "manpage",
				Usage:  "print the man page (roff)",
				Hidden: true,
				Action: func(cCtx *cli.Context) error {
					man, err := cCtx.App.ToMan()
					if err != nil {
						return fmt.Errorf("render man page: %w", err)
					}
					_, err = io.WriteString(stdout, man)
					return err
				},
			},
		},
	}
	app.Commands = append(app.Commands, nodeCommands(r)...)
	app.Commands = append(app.Commands, dbCommands()...)
	app.Commands = append(app.Commands, maintenanceCommands(r)...)
	app.Commands = append(app.Commands, storageCommands(r)...)
	return app
}

// load reads --config over the defaults and applies --set.
func load(cCtx *cli.Context) (*config.Config, error) {
	name := cCtx.String("config")
	var c *config.Config
	var err error
	if name == "" {
		note(cCtx, "no --config, using the built-in defaults (the runbook's example cluster)\n")
		c, err = config.Load(nil, "defaults", cCtx.StringSlice("set"))
	} else {
		f, openErr := os.Open(name)
		if openErr != nil {
			return nil, badConfig{config.Problems{openErr.Error()}}
		}
		defer f.Close()
		c, err = config.Load(f, name, cCtx.StringSlice("set"))
	}
	if p, ok := config.AsProblems(err); ok {
		return nil, badConfig{p}
	}
	return c, err
}

// note tells the administrator something on standard error, unless --quiet.
func note(cCtx *cli.Context, text string) {
	if cCtx.Bool("quiet") {
		return
	}
	for _, l := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprint(cCtx.App.ErrWriter, "qvd-ha-bootstrap: "+l)
	}
	fmt.Fprintln(cCtx.App.ErrWriter)
}

// output writes to --output, or to standard output. A new file gets mode
// 0600: the right default for anything that may one day hold a secret.
func output(cCtx *cli.Context, data []byte) error {
	name := cCtx.String("output")
	if name == "" {
		_, err := cCtx.App.Writer.Write(data)
		return err
	}
	return files.Write(name, data, 0o600)
}
