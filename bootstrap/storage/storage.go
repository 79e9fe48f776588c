// Package storage prepares the database's block storage, the runbook's
// sections 6 and 7: DRBD metadata and the initial sync, or a shared SAN
// device, then a filesystem holding what the PostgreSQL data directory held.
//
// All of it destroys what is on the device, so it is built to refuse rather
// than guess: a device that carries any signature (a filesystem, DRBD
// metadata, a partition table) is left alone without Force; the old data
// directory is renamed aside, never deleted; the node that makes the
// filesystem is named by the configuration that both nodes share, and on
// DRBD it forces the initial sync only once it sees the peer connected
// with no data of its own, so two nodes cannot both become the source.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// Spec is this node's storage, from the configuration.
type Spec struct {
	Kind string // config.StorageDRBD or config.StorageShared
	Node string // this node
	Peer string // the other node
	// Source: this node makes the filesystem, fills it and, with DRBD,
	// forces the initial sync.
	Source   bool
	Resource string // the DRBD resource
	// Device gets the filesystem: the DRBD device, or the shared device.
	Device string
	// Disk must carry nothing before it is initialised: DRBD's backing
	// disk, or the shared device.
	Disk   string
	FSType string // xfs, ext4 or ext3
	Dir    string // the mount point, fs.directory, holding the data now
	PGData string
}

// FromConfig is the Spec of node in c.
func FromConfig(c *config.Config, node string) Spec {
	s := Spec{
		Kind: c.Storage, Node: node, Peer: c.Peer(node).Name, Source: node == c.Preferred,
		Resource: c.DRBDResource, Device: c.DRBDDevice, Disk: c.DRBDDisk,
		FSType: c.FSType, Dir: c.FSDirectory, PGData: c.PGData,
	}
	if c.Storage == config.StorageShared {
		s.Resource, s.Device, s.Disk = "", c.SharedDevice, c.SharedDevice
	}
	return s
}

// Options say how far to go.
type Options struct {
	// Act: do it. Otherwise every check runs but only what would be done
	// is printed.
	Act bool
	// Force initialises even when the disk carries a signature, taking
	// the data from Dir.orig when an earlier run moved it there.
	Force bool
	// Progress is the time between two sync progress lines; Poll the
	// time between two looks at DRBD's state.
	Progress, Poll time.Duration
}

// commandTimeout bounds each command that must answer at once (drbdadm,
// probes, mount); mkfs, the copy and the waits are bounded by the caller's
// deadline only, since they grow with the device and the data.
const commandTimeout = 2 * time.Minute

// session is one run of storage-init on one node.
type session struct {
	Spec
	Options
	r        runner.Runner
	out      io.Writer
	diskSize int64 // bytes
	pending  bool  // a step was only shown
}

// Run initialises this node's part of the storage. The error says why
// nothing, or what part, was done. Without Act, pending reports whether
// there was anything to do.
func Run(ctx context.Context, r runner.Runner, out io.Writer, spec Spec, opts Options) (pending bool, err error) {
	s := &session{Spec: spec, Options: opts, r: r, out: out}
	err = s.run(ctx)
	return s.pending, err
}

func (s *session) run(ctx context.Context) error {
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	s.say("%s", s.roleText())
	if err := s.checkDevices(ctx); err != nil {
		return err
	}
	data, err := inspectDir(s.Dir)
	if err != nil {
		return err
	}
	if data.mountedFrom, _, err = s.findmnt(ctx, "--mountpoint", s.Dir, "SOURCE"); err != nil {
		return err
	}
	touchesDisk := s.Kind == config.StorageDRBD || s.Source
	var sigs []signature
	if touchesDisk {
		if sigs, err = s.probe(ctx); err != nil {
			return err
		}
	}
	switch {
	case len(sigs) > 0 && !s.Force && s.initialised(sigs) && data.movedAside():
		return s.alreadyDone(ctx, sigs, data)
	case len(sigs) > 0 && !s.Force:
		return fmt.Errorf("refused: %s already carries %s; it may hold data, so nothing was changed "+
			"(--force initialises it anyway, destroying what is on it)", s.Disk, describe(sigs))
	case !touchesDisk && data.movedAside():
		s.say("%s was moved aside to %s before and %s is the mount point: nothing to do on this node", s.Dir, data.orig, s.Dir)
		return nil
	case len(sigs) > 0:
		s.say("--force: %s carries %s, which will be destroyed", s.Disk, describe(sigs))
	}
	if err := s.checkIdle(ctx, data); err != nil {
		return err
	}
	if err := data.checkMovable(); err != nil {
		return err
	}
	if s.Act && os.Geteuid() != 0 {
		return errors.New("must run as root (it writes to block devices, mounts and changes owners)")
	}
	if s.Kind == config.StorageDRBD {
		return s.drbd(ctx, data)
	}
	return s.shared(ctx, data)
}

// initialised: the signatures are what storage-init leaves behind, DRBD
// metadata on a backing disk or the filesystem on a shared device.
func (s *session) initialised(sigs []signature) bool {
	if s.Kind == config.StorageDRBD {
		return hasDRBD(sigs)
	}
	return slices.ContainsFunc(sigs, func(sig signature) bool { return sig.Type == s.FSType })
}

// alreadyDone reports a node that storage-init (or the runbook, by hand)
// initialised before, changing nothing; an initial sync still running is
// followed as the first run would have.
func (s *session) alreadyDone(ctx context.Context, sigs []signature, data dataDir) error {
	s.say("%s already carries %s and the old data is in %s: this node was initialised before, nothing was "+
		"changed (--force initialises it again, destroying what is on %s)", s.Disk, describe(sigs), data.orig, s.Disk)
	if s.Kind != config.StorageDRBD {
		return nil
	}
	st, err := s.status(ctx)
	if err != nil {
		return err
	}
	s.say("DRBD resource %s: %s", s.Resource, st)
	switch {
	case st.syncing() && s.Act:
		return s.waitForSync(ctx)
	case st.syncing():
		s.say("the initial sync is running (%.1f%% done): with --yes, storage-init follows it to its end", st.Done)
	}
	return nil
}

func (s *session) roleText() string {
	var role string
	switch {
	case s.Kind == config.StorageDRBD && s.Source:
		role = fmt.Sprintf("DRBD resource %s on %s; this node (preferred_node) forces the initial sync towards %s, "+
			"makes the %s filesystem on %s and moves %s onto it", s.Resource, s.Disk, s.Peer, s.FSType, s.Device, s.Dir)
	case s.Kind == config.StorageDRBD:
		role = fmt.Sprintf("DRBD resource %s on %s; %s (preferred_node) makes the filesystem and forces the "+
			"initial sync; this node creates its metadata, brings the resource up and moves %s aside",
			s.Resource, s.Disk, s.Peer, s.Dir)
	case s.Source:
		role = fmt.Sprintf("shared device %s; this node (preferred_node) makes the %s filesystem and moves %s onto it",
			s.Device, s.FSType, s.Dir)
	default:
		role = fmt.Sprintf("shared device %s; %s (preferred_node) makes the filesystem; this node only moves %s aside",
			s.Device, s.Peer, s.Dir)
	}
	return "storage-init on " + s.Node + ": " + role
}

func (s *session) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

// step runs fn, or says that it would.
func (s *session) step(what string, fn func() error) error {
	if !s.Act {
		s.say("would: %s", what)
		s.pending = true
		return nil
	}
	s.say("%s", what)
	return fn()
}

// command runs path under commandTimeout, never with a terminal on its
// standard input: a prompt (drbdmeta asks before overwriting) reads end of
// file and the command gives up instead of hanging.
func (s *session) command(ctx context.Context, path string, args ...string) (runner.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	return s.r.Run(ctx, runner.Cmd{Path: path, Args: args, Stdin: strings.NewReader("")})
}

// commandStep is a step that is one command.
func (s *session) commandStep(ctx context.Context, path string, args ...string) error {
	return s.step(path+" "+strings.Join(args, " "), func() error {
		_, err := s.command(ctx, path, args...)
		return err
	})
}

func (s *session) shared(ctx context.Context, data dataDir) error {
	if !s.Source {
		if err := s.moveAside(data); err != nil {
			return err
		}
		s.say("%s is ready: %s is an empty mount point; this node's old data stays in %s. "+
			"%s (preferred_node) makes the filesystem: run storage-init there if not done yet.",
			s.Node, s.Dir, data.orig, s.Peer)
		return nil
	}
	if err := s.populate(ctx, data); err != nil {
		return err
	}
	if s.Act {
		s.say("%s holds the data of %s; Pacemaker's Filesystem resource mounts it on %s. %s (the old data) is "+
			"kept: remove it once the cluster runs. Do not mount %s on both nodes at once.",
			s.Device, data.orig, s.Dir, data.orig, s.Device)
	}
	return nil
}

// mkfs makes the filesystem on Device. Without Force the disk was found
// blank and mkfs is not told to overwrite: a signature that appeared since
// makes it fail.
// populate makes the filesystem and moves the data directory onto it.
func (s *session) populate(ctx context.Context, data dataDir) error {
	if err := s.mkfs(ctx); err != nil {
		return err
	}
	if err := s.moveAside(data); err != nil {
		return err
	}
	return s.fill(ctx, data)
}

func (s *session) mkfs(ctx context.Context) error {
	xfs := s.FSType == "xfs"
	var args []string
	if s.Force && xfs {
		args = append(args, "-f")
	} else if s.Force {
		args = append(args, "-F")
	}
	// On DRBD the initial sync copies every block anyway. Without
	// discards both disks end up identical byte for byte, so the weekly
	// drbdadm verify finds nothing in the free space, whatever the
	// backing disks return for a discarded block.
	if s.Kind == config.StorageDRBD && xfs {
		args = append(args, "-K")
	} else if s.Kind == config.StorageDRBD {
		args = append(args, "-E", "nodiscard")
	}
	args = append(args, s.Device)
	return s.step("mkfs."+s.FSType+" "+strings.Join(args, " "), func() error {
		if _, err := s.r.Run(ctx, runner.Cmd{Path: "mkfs." + s.FSType, Args: args, Stdin: strings.NewReader("")}); err != nil {
			return fmt.Errorf("make the filesystem: %w", err)
		}
		return nil
	})
}
