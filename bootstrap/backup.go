package main

import (
	"context"
	"fmt"
	"os/user"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/cib"
	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/maintenance"
	"github.com/qvd-ha/qvd-ha/bootstrap/remote"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// DefaultBackupDir is on the node's own disk, not on the replicated or
// shared device: a backup must survive the loss of that device.
const DefaultBackupDir = "/var/backup/qvd-ha"

// backupCommand is the job the qvd-ha-backup timer runs; safe to run by
// hand on either node.
func backupCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name: "backup",
		Usage: "on the node running the database: pg_dump of the QVD database and the CIB, dated, mode 0600 " +
			"(runbook maintenance 3-4; the qvd-ha-backup timer runs it nightly at 3 a.m. on both nodes)",
		UsageText: "Does nothing on the node that does not run " + cib.IDGroup + ". Writes DIR/DB-TIME.dump " +
			"(pg_dump --format=custom: compressed; restore with pg_restore) and DIR/cib-TIME.xml.gz (restore with " +
			"cibadmin --replace --xml-file), streams both to the same DIR on the other node over ssh (root by key, " +
			"BatchMode, as corosync --copy-to-peer; atomic there too) and removes all but the newest --keep of each " +
			"kind there, then here; other files are never touched. DIR/" + maintenance.PeerCopyFile + " records the " +
			"last copy and the last failed one, which qvd-ha status reads. " +
			"Exit status: 0 done (or nothing to do on this node); 1 failed: no backup, or (after a warning) a backup " +
			"kept on this node only, its copy or the pruning on the other node failed; 2 bad configuration.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: DefaultBackupDir, Usage: "backup `DIR` (on this node's own disk)"},
			&cli.IntFlag{Name: "keep", Value: 14, Usage: "keep the newest `N` backups of each kind"},
			&cli.StringFlag{Name: "node", Usage: "this node's `NAME` (default: the host name)"},
			&cli.StringFlag{Name: "pg-dump", Value: "pg_dump", Usage: "pg_dump `PROGRAM` (matching the server's version)"},
			&cli.StringFlag{Name: "dba", Value: "postgres", Usage: "run pg_dump as `USER` (peer authentication on the local socket)"},
			&cli.StringFlag{Name: "socket-dir", Value: "/run/postgresql", Usage: "PostgreSQL's socket `DIR`"},
			&cli.StringFlag{Name: "peer", Usage: "ssh destination `[USER@]HOST` of the other node (default: root@ its node name)"},
			&cli.StringFlag{Name: "ssh-config", Usage: "ssh client configuration `FILE` (default: ssh's own)"},
			&cli.BoolFlag{Name: "no-copy", Usage: "keep the backup on this node only, no ssh (the other node is gone for good)"},
			&cli.DurationFlag{Name: "timeout", Value: time.Hour, Usage: "give the whole backup at most `DURATION`"},
		},
		Action: withConfig(func(cCtx *cli.Context, c *config.Config) error {
			node, err := thisNode(cCtx, c)
			if err != nil {
				return err
			}
			dba, err := user.Lookup(cCtx.String("dba"))
			if err != nil {
				return fmt.Errorf("backup: --dba: %w", err)
			}
			// The same path on the other node: relative, it would be
			// relative to root's home there.
			dir, err := filepath.Abs(cCtx.String("dir"))
			if err != nil {
				return fmt.Errorf("backup: --dir: %w", err)
			}
			var peer *remote.SSH
			if !cCtx.Bool("no-copy") {
				host := cCtx.String("peer")
				if host == "" {
					host = "root@" + c.Peer(node.Name).Name
				}
				peer = &remote.SSH{Host: host, Config: cCtx.String("ssh-config")}
			}
			ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
			defer cancel()
			return maintenance.Backup{
				Dir: dir, Keep: max(cCtx.Int("keep"), 1), Group: cib.IDGroup, Node: node.Name,
				PGDump: cCtx.String("pg-dump"), DBA: runner.As(dba), Host: cCtx.String("socket-dir"), Port: c.PGPort,
				DB: c.DBName, Now: time.Now(), Peer: peer,
			}.Run(ctx, r, cCtx.App.Writer)
		}),
	}
}
