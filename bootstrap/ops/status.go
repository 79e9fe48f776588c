package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/status"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// Defaults shared with qvd-ha-bootstrap's backup command.
const (
	defaultBackupDir = "/var/backup/qvd-ha"
	defaultSocketDir = "/run/postgresql"
)

// clearScreen moves the cursor home and clears the terminal, so that
// --watch redraws in place.
const clearScreen = "\033[H\033[2J"

func statusCommand(d deps) *cli.Command {
	return &cli.Command{
		Name:            "status",
		HideHelpCommand: true,
		Usage:           "is the database safe, and if not, why: one screen, one line per problem saying what to do",
		UsageText: "qvd-ha status [--json] [--watch[=INTERVAL]]\n\n" +
			"Reads crm_mon, the CIB's constraints, the fencing history, corosync-cfgtool -s, DRBD, " +
			"pacemaker_monitor (on the node running the database), the backup directory, the kernel log " +
			"(DRBD verify, split brain) and chronyc. The first line is a monitoring plugin's; the exit status is " +
			"the worst problem's: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a source could not be read: the rest " +
			"is still shown). Run it as root: Pacemaker, corosync, DRBD, the database and the kernel log need it; " +
			"as another user it names the sources that refused it (UNKNOWN) and shows the rest.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (schema qvd-ha-status/1)"},
			&cli.GenericFlag{Name: "watch", Value: &watchInterval{}, Usage: "redraw every `INTERVAL` (default 2s) until interrupted"},
			&cli.StringFlag{Name: "node", Usage: "this node's `NAME` (default: the host name)"},
			&cli.StringFlag{Name: "backup-dir", Value: defaultBackupDir, Usage: "the backups' `DIR`"},
			&cli.StringFlag{Name: "socket-dir", Value: defaultSocketDir, Usage: "PostgreSQL's socket `DIR`"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "give each source at most `DURATION`"},
		},
		Action: func(cCtx *cli.Context) error {
			c, err := load(cCtx)
			if err != nil {
				return err
			}
			src, err := sources(cCtx, c, d)
			if err != nil {
				return err
			}
			watch := cCtx.Generic("watch").(*watchInterval)
			if watch.every == 0 {
				return once(cCtx, src)
			}
			return watchLoop(cCtx, src, watch.every)
		},
	}
}

// sources points status at this node's live sources.
func sources(cCtx *cli.Context, c *config.Config, d deps) (status.Sources, error) {
	node := cCtx.String("node")
	if node == "" {
		node, _ = os.Hostname()
	}
	if !slices.ContainsFunc(c.Nodes[:], func(n config.Node) bool { return n.Name == node }) {
		return status.Sources{}, fmt.Errorf("status: %q is neither %s nor %s; name the node with --node", node, c.Nodes[0].Name, c.Nodes[1].Name)
	}
	db, err := d.database(cCtx.String("socket-dir"), c.PGPort, c.DBName, c.DBUser)
	if err != nil {
		return status.Sources{}, err
	}
	return status.Sources{
		Node: node, Config: c, Pgsql: cib.IDPgSQL, Ping: cib.IDPing,
		Pacemaker: pcmk.Tools{Run: d.run}, Run: d.run, KernelLog: d.kernelLog, Database: db,
		BackupDir: cCtx.String("backup-dir"), Now: time.Now, Timeout: cCtx.Duration("timeout"),
		Unprivileged: os.Geteuid() != 0,
	}, nil
}

// once prints one report and exits with its level.
func once(cCtx *cli.Context, src status.Sources) error {
	r := status.Collect(cCtx.Context, src)
	problems := status.Evaluate(r, status.DefaultThresholds)
	var err error
	if cCtx.Bool("json") {
		err = status.JSON(cCtx.App.Writer, r, problems)
	} else {
		err = status.Text(cCtx.App.Writer, r, problems)
	}
	if err != nil {
		return err
	}
	if level := status.Worst(problems); level != status.OK {
		return exitCode(level)
	}
	return nil
}

// watchLoop redraws the report until interrupted; it ends with the last
// report's level.
func watchLoop(cCtx *cli.Context, src status.Sources, every time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		var b strings.Builder
		r := status.Collect(cCtx.Context, src)
		problems := status.Evaluate(r, status.DefaultThresholds)
		if err := status.Text(&b, r, problems); err != nil {
			return err
		}
		// One write a frame, so that the screen never shows half of one.
		if _, err := fmt.Fprint(cCtx.App.Writer, clearScreen+b.String()+fmt.Sprintf("\n(every %s; Ctrl-C ends)\n", every)); err != nil {
			return err
		}
		select {
		case <-cCtx.Context.Done():
			if level := status.Worst(problems); level != status.OK {
				return exitCode(level)
			}
			return nil
		case <-tick.C:
		}
	}
}

// watchInterval is --watch's value: a bare --watch is the default
// interval, --watch=5s another one. It is a flag.Value that the flag
// package treats as boolean (IsBoolFlag), which is what lets the value
// be left out.
type watchInterval struct{ every time.Duration }

const defaultWatch = 2 * time.Second

func (w *watchInterval) IsBoolFlag() bool { return true }

func (w *watchInterval) String() string {
	if w == nil || w.every == 0 {
		return ""
	}
	return w.every.String()
}

func (w *watchInterval) Set(v string) error {
	switch v {
	case "true":
		w.every = defaultWatch
		return nil
	case "false":
		w.every = 0
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond {
		return fmt.Errorf("--watch=%s: want an interval of at least 100ms, such as 2s", v)
	}
	w.every = d
	return nil
}
