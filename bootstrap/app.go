package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/bootstrap/internal/completion"
	"github.com/qvd-ha/qvd-ha/bootstrap/secret"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// DefaultConfig is where the configuration lives on a node.
const DefaultConfig = "/etc/qvd-ha/bootstrap.conf"

func newApp(stdout, stderr io.Writer, r runner.Runner) *cli.App {
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
		// bash completion: the script of the hidden completion command asks
		// the program for its commands and options.
		EnableBashCompletion: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "configuration `FILE` (key = value)"},
			&cli.StringSliceFlag{Name: "set", Usage: "override one configuration key: --set `KEY=VALUE` (repeatable)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no notes on standard error"},
		},
		// The order of the help and the man page: the CIB, then the node
		// steps in the runbook's order, then the timers' jobs and the
		// destructive storage step.
		Commands: []*cli.Command{
			cibCommand(),
			crmCommand(),
			verifyCommand(r),
			applyCommand(r),
			budgetCommand(),
			sampleConfigCommand(),
			showConfigCommand(),
			manpageCommand(),
			completion.Command(),
			checkTimeCommand(r),
			hostsCommand(),
			corosyncCommand(r),
			drbdCommand(),
			postgresCommand(),
			dbInitCommand(),
			nodeConfCommand(),
			disableUnitsCommand(),
			backupCommand(r),
			drbdVerifyCommand(r),
			timersCommand(),
			storageInitCommand(r),
		},
	}
	// No command has subcommands: a "help" one under each would only
	// repeat --help, and completion would offer it after every command.
	for _, c := range app.Commands {
		c.HideHelpCommand = true
	}
	return app
}

// outputFlag is --output of the commands that print a file.
func outputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of standard output (replaced atomically; a new file gets mode 0600)"}
}

// dryRunFlag is the node steps' --dry-run; each step is idempotent, so a
// second run reports that nothing changed.
var dryRunFlag = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print what would be written; change nothing"}

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

// withConfig loads the configuration before running action.
func withConfig(action func(*cli.Context, *config.Config) error) cli.ActionFunc {
	return func(cCtx *cli.Context) error {
		c, err := load(cCtx)
		if err != nil {
			return err
		}
		return action(cCtx, c)
	}
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

// install writes data to name when it differs, or with --dry-run shows it.
func install(cCtx *cli.Context, name string, data []byte, perm os.FileMode) error {
	return files.Install(cCtx.App.Writer, name, data, perm, cCtx.Bool("dry-run"))
}

// report prints what a step did or would do, or that nothing was to do.
func report(cCtx *cli.Context, done []string, dry bool, upToDate string) {
	out := cCtx.App.Writer
	if len(done) == 0 {
		fmt.Fprintln(out, upToDate)
		return
	}
	for _, d := range done {
		if dry {
			fmt.Fprintln(out, "would "+d)
		} else {
			fmt.Fprintln(out, "done: "+d)
		}
	}
}

// thisNode is --node, or the node whose name is the host name.
func thisNode(cCtx *cli.Context, c *config.Config) (config.Node, error) {
	name := cCtx.String("node")
	if name == "" {
		name, _ = os.Hostname()
	}
	i := slices.IndexFunc(c.Nodes[:], func(n config.Node) bool { return n.Name == name })
	if i < 0 {
		return config.Node{}, fmt.Errorf("%s: %q is neither %s nor %s; name the node with --node", cCtx.Command.Name, name, c.Nodes[0].Name, c.Nodes[1].Name)
	}
	return c.Nodes[i], nil
}

// password is the QVD database user's, from db.password_source.
func password(cCtx *cli.Context, c *config.Config) (string, error) {
	return secret.Read(c.DBPasswordSource, cCtx.App.Reader, cCtx.App.ErrWriter)
}
