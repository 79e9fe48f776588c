package main

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/bootstrap/storage"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// storageInitUsage is the synopsis and what an administrator must know
// before destroying a disk with storage-init. It is the UsageText, not the
// Description: the man page shows only a command's Usage and UsageText.
const storageInitUsage = `qvd-ha-bootstrap [-c FILE] storage-init [--node NAME] [--yes [--force]] [--dry-run]
    [--timeout DURATION] [--progress DURATION]

Runbook sections 6 and 7, run on both nodes, in either order. It destroys
what is on the device, so without --yes (or with --dry-run) it runs every
check and only prints what it would do.

Which node does what: the node named by preferred_node makes the filesystem
and fills it and, with DRBD, forces the initial sync
(drbdadm primary --force); the other node only prepares (DRBD metadata and
the resource up; its data directory moved aside). Both nodes read the same
configuration file, so only one of them can take that part; to give it to
the other node, change preferred_node in the file on both nodes. A second
guard on DRBD: the preferred node forces the sync only once it sees the peer
connected with new, Inconsistent metadata, and refuses when the peer is
Primary or holds data.

Refusals (exit status 1, nothing changed): the disk (drbd.disk;
shared.device on the preferred node) carries any signature wipefs finds, a
filesystem, DRBD metadata (at the END of the disk, where a look at its first
blocks misses it) or a partition table, unless --force; PostgreSQL runs on
the data directory (a postmaster.pid whose process is alive); fs.directory
is a mount point, or the device is mounted; the DRBD resource file does not
name the configured disk and device for this node; fs.directory does not
exist, or both it and fs.directory.orig hold data.

The data directory: fs.directory is renamed to fs.directory.orig (never
deleted: it is the way back) and recreated empty, with its owner and mode,
as the mount point. On the preferred node the new filesystem is mounted on a
temporary directory, the content of fs.directory.orig is copied onto it with
cp --archive (owners, modes, times, hard links, ACLs and extended
attributes), its root gets the data's owner and mode 0700, as PostgreSQL
requires, and it is unmounted. The other node's old data stays in its
fs.directory.orig; the database's data is the preferred node's.

DRBD: on each node drbdadm create-md, which never waits for an answer (its
standard input is empty, so drbdmeta gives up rather than overwrite
anything; --force passes --force), and drbdadm up. Then, on the preferred
node: wait for the peer, drbdadm primary --force, mkfs without discards (the
sync copies every block, so both disks end up identical and the weekly
drbdadm verify finds nothing in the free space), the copy, drbdadm
secondary, and the initial sync followed with its progress (drbdsetup
status, DRBD 8.4 and 9) until both disks are UpToDate, within --timeout;
after a timeout the sync goes on by itself. The resource is left up and
Secondary on both nodes, unmounted, for Pacemaker's promotable clone. To use
PostgreSQL before the cluster runs (runbook 8): drbdadm primary RESOURCE;
mount DEVICE fs.directory.

Shared storage: the preferred node makes the filesystem on shared.device and
fills it; the other node only moves its data directory aside and never
touches the device. Before --force, make sure that the other node has not
mounted the device: this node cannot see it.

Running it again: a node that was initialised (the disk carries the DRBD
metadata, or the shared filesystem, and fs.directory.orig exists beside an
empty or mounted fs.directory; also a node set up by hand after the runbook)
is reported, nothing is changed, the exit status is 0, and an initial sync
still running is followed. --force initialises again, destroying what is on
the device and taking the data from fs.directory.orig; after a failure, fix
its cause and run with --force: fs.directory.orig still holds the data. To
initialise a DRBD pair again, run drbdadm down RESOURCE on both nodes first:
a peer that is up with UpToDate data makes the preferred node refuse, and
syncs its data back to the node that was initialised.

Exit status: 0 done, already done, or only shown; 1 refused or failed; 2 bad
configuration.
`

// storageInitCommand is the destructive storage step.
func storageInitCommand(r runner.Runner) *cli.Command {
	return &cli.Command{
		Name: "storage-init",
		Usage: "DESTRUCTIVE, on both nodes: DRBD metadata and the initial sync forced from preferred_node (or " +
			"the shared device), the filesystem, the data directory moved onto it (runbook 6-7); without --yes " +
			"it only says what it would do",
		UsageText: storageInitUsage,
		Flags: []cli.Flag{dryRunFlag,
			&cli.BoolFlag{Name: "yes", Usage: "do it; without it only what would be done is printed"},
			&cli.BoolFlag{Name: "force", Usage: "initialise even a disk that carries a filesystem, DRBD metadata " +
				"or a partition table, DESTROYING it; the data comes from fs.directory.orig when an earlier run put it there"},
			&cli.StringFlag{Name: "node", Usage: "this node's `NAME` (default: the host name)"},
			&cli.DurationFlag{Name: "timeout", Value: time.Hour, Usage: "give the whole run, the waits for the " +
				"peer and for the initial sync included, at most `DURATION`"},
			&cli.DurationFlag{Name: "progress", Value: 10 * time.Second, Usage: "print the initial sync's progress every `DURATION`"},
		},
		Action: withConfig(storageInitStep(r)),
	}
}

func storageInitStep(r runner.Runner) func(*cli.Context, *config.Config) error {
	return func(cCtx *cli.Context, c *config.Config) error {
		node, err := thisNode(cCtx, c)
		if err != nil {
			return err
		}
		act := cCtx.Bool("yes") && !cCtx.Bool("dry-run")
		ctx, cancel := context.WithTimeout(cCtx.Context, cCtx.Duration("timeout"))
		defer cancel()
		opts := storage.Options{Act: act, Force: cCtx.Bool("force"), Progress: cCtx.Duration("progress")}
		pending, err := storage.Run(ctx, r, cCtx.App.Writer, storage.FromConfig(c, node.Name), opts)
		if err != nil {
			return fmt.Errorf("storage-init: %w", err)
		}
		switch {
		case pending && cCtx.Bool("dry-run"):
			fmt.Fprintln(cCtx.App.Writer, "Nothing was changed (--dry-run).")
		case pending:
			fmt.Fprintln(cCtx.App.Writer, "Nothing was changed: storage-init destroys what is on the device; "+
				"run it again with --yes to do the above.")
		}
		return nil
	}
}
