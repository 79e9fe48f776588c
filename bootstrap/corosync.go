package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/corosync"
	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

func corosyncCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
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
			if err := corosync.InstallAuthkey(cCtx.App.Writer, key, cCtx.Bool("dry-run")); err != nil {
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
			if err := ssh.Copy(ctx, r, cCtx.App.Writer, []remote.File{{Path: conf, Data: confData, Perm: 0o644}, {Path: key, Data: keyData, Perm: 0o400}}); err != nil {
				return fmt.Errorf("corosync: %w", err)
			}
			return nil
		}),
	}
}

// peerOf names the other node when this host is one of the two.
func peerOf(c *config.Config) string {
	host, _ := os.Hostname()
	if slices.ContainsFunc(c.Nodes[:], func(n config.Node) bool { return n.Name == host }) {
		return c.Peer(host).Name
	}
	return "OTHER-NODE"
}
