package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/corosync"
	"github.com/qvd-ha/qvd-ha/bootstrap/drbdconf"
	"github.com/qvd-ha/qvd-ha/bootstrap/files"
	"github.com/qvd-ha/qvd-ha/bootstrap/hosts"
	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/bootstrap/timesync"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

var dryRunFlag = &cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print what would be written; change nothing"}

// nodeCommands are the node set-up steps; each is idempotent: a second run
// reports that nothing changed.
func nodeCommands(r runner.Runner) []*cli.Command {
	return []*cli.Command{
		{
			Name:  "check-time",
			Usage: "warn when this node's clock is not synchronised by chrony (runbook 4)",
			Action: func(cCtx *cli.Context) error {
				ctx, cancel := context.WithTimeout(cCtx.Context, 10*time.Second)
				defer cancel()
				warnings := timesync.Check(ctx, r)
				for _, w := range warnings {
					fmt.Fprintln(cCtx.App.ErrWriter, "qvd-ha-bootstrap: WARNING: "+w)
				}
				if len(warnings) == 0 {
					fmt.Fprintln(cCtx.App.Writer, "The clock is synchronised.")
				}
				return nil
			},
		},
		{
			Name:  "hosts",
			Usage: "put the nodes, crossover names and database name in /etc/hosts (runbook 2.2)",
			Flags: []cli.Flag{dryRunFlag, &cli.StringFlag{Name: "file", Value: "/etc/hosts", Usage: "hosts `FILE`"}},
			Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
				name := cCtx.String("file")
				old, err := os.ReadFile(name)
				if err != nil {
					return fmt.Errorf("hosts: %w", err)
				}
				merged, warnings := hosts.Merge(string(old), hosts.Entries(c))
				for _, w := range warnings {
					fmt.Fprintf(cCtx.App.ErrWriter, "qvd-ha-bootstrap: warning: %s: %s\n", name, w)
				}
				return install(cCtx, name, []byte(merged), 0o644)
			}),
		},
		{
			Name: "corosync",
			Usage: "write corosync.conf (two knet links, two_node) and create the authkey if there is none; " +
				"--copy-to-peer installs both on the other node over ssh",
			Flags: []cli.Flag{dryRunFlag,
				&cli.StringFlag{Name: "dir", Value: filepath.Dir(corosync.ConfPath), Usage: "corosync configuration `DIR` (the same on the peer)"},
				&cli.StringFlag{Name: "log-dir", Value: "/var/log/cluster", Usage: "`DIR` of corosync.log (SLES: /var/log/cluster)"},
				&cli.BoolFlag{Name: "copy-to-peer", Usage: "also install both files on the other node over ssh (root, key authentication, known host key)"},
				&cli.StringFlag{Name: "peer", Usage: "ssh destination `[USER@]HOST` of the other node (default: root@ its node name)"},
				&cli.StringFlag{Name: "ssh-config", Usage: "ssh client configuration `FILE` (default: ssh's own)"},
				&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "give ssh at most `DURATION`"},
			},
			Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
				dir := cCtx.String("dir")
				conf := filepath.Join(dir, filepath.Base(corosync.ConfPath))
				confData := []byte(corosync.Conf(c, cCtx.String("log-dir")))
				if err := install(cCtx, conf, confData, 0o644); err != nil {
					return err
				}
				key := filepath.Join(dir, filepath.Base(corosync.AuthkeyPath))
				if err := authkey(cCtx, key); err != nil {
					return err
				}
				peer := cCtx.String("peer")
				if peer == "" {
					peer = "root@" + peerOf(c)
				}
				if !cCtx.Bool("copy-to-peer") {
					fmt.Fprintf(cCtx.App.Writer, "Both nodes need the same two files: run again with --copy-to-peer, or\n"+
						"  scp -p %s %s %s:%s/\n", conf, key, peer, dir)
					return nil
				}
				if cCtx.Bool("dry-run") {
					fmt.Fprintf(cCtx.App.Writer, "%s and %s would be installed on %s\n", conf, key, peer)
					return nil
				}
				keyData, err := os.ReadFile(key)
				if err != nil {
					return fmt.Errorf("corosync: %w", err)
				}
				ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
				defer cancel()
				ssh := remote.SSH{Host: peer, Config: cCtx.String("ssh-config")}
				for _, f := range []struct {
					name string
					data []byte
					perm os.FileMode
				}{{conf, confData, 0o644}, {key, keyData, 0o400}} {
					changed, err := ssh.Install(ctx, r, f.name, f.data, f.perm)
					if err != nil {
						return fmt.Errorf("corosync: %w", err)
					}
					state := "is up to date"
					if changed {
						state = "written"
					}
					fmt.Fprintf(cCtx.App.Writer, "%s:%s %s\n", peer, f.name, state)
				}
				return nil
			}),
		},
		{
			Name: "drbd",
			Usage: "write the DRBD resource file (8.4 syntax) with Pacemaker fencing handlers, and the runbook's " +
				"usage-count no in the global section of global_common.conf (runbook 6)",
			Flags: []cli.Flag{dryRunFlag, &cli.StringFlag{Name: "dir", Value: drbdconf.Dir, Usage: "DRBD resource `DIR`"}},
			Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
				if c.Storage != config.StorageDRBD {
					return fmt.Errorf("drbd: storage is %s: there is no DRBD resource", c.Storage)
				}
				name := filepath.Join(cCtx.String("dir"), filepath.Base(drbdconf.Path(c)))
				if err := install(cCtx, name, []byte(drbdconf.Resource(c)), 0o644); err != nil {
					return err
				}
				return usageCountOff(cCtx, filepath.Join(cCtx.String("dir"), filepath.Base(drbdconf.GlobalCommonPath)))
			}),
		},
	}
}

// usageCountOff sets the runbook's "usage-count no" in drbd-utils' file
// with the global section, when there is one.
func usageCountOff(cCtx *cli.Context, name string) error {
	old, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(cCtx.App.Writer, "%s not found: usage-count left as drbd-utils has it\n", name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("drbd: %w", err)
	}
	data, err := drbdconf.UsageCountOff(string(old))
	if err != nil {
		return fmt.Errorf("drbd: %s: %w", name, err)
	}
	return install(cCtx, name, []byte(data), 0o644)
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

// install writes data to name when it differs, or with --dry-run shows it.
func install(cCtx *cli.Context, name string, data []byte, perm os.FileMode) error {
	out := cCtx.App.Writer
	if cCtx.Bool("dry-run") {
		old, err := os.ReadFile(name)
		state := "would be changed"
		switch {
		case err == nil && string(old) == string(data):
			state = "is up to date"
		case errors.Is(err, fs.ErrNotExist):
			state = "would be created"
		}
		fmt.Fprintf(out, "%s %s; its content:\n%s", name, state, data)
		return nil
	}
	changed, err := files.Update(name, data, perm)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(out, "%s written\n", name)
	} else {
		fmt.Fprintf(out, "%s is up to date\n", name)
	}
	return nil
}

// authkey creates corosync's key once: replacing it on one node would split
// the cluster, so an existing key is never touched.
func authkey(cCtx *cli.Context, name string) error {
	out := cCtx.App.Writer
	if _, err := os.Stat(name); err == nil {
		fmt.Fprintf(out, "%s exists; kept\n", name)
		return nil
	}
	if cCtx.Bool("dry-run") {
		fmt.Fprintf(out, "%s would be created (%d random bytes, mode 0400)\n", name, corosync.AuthkeySize)
		return nil
	}
	key, err := corosync.NewAuthkey()
	if err != nil {
		return err
	}
	if err := files.Write(name, key, 0o400); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s created\n", name)
	return nil
}

// peerOf names the other node when this host is one of the two.
func peerOf(c *config.Config) string {
	host, _ := os.Hostname()
	if slices.ContainsFunc(c.Nodes[:], func(n config.Node) bool { return n.Name == host }) {
		return c.Peer(host).Name
	}
	return "OTHER-NODE"
}
