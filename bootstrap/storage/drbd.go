package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// drbdsetupNoResource is drbdsetup's exit status for a resource that is
// not up.
const drbdsetupNoResource = 10

func (s *session) status(ctx context.Context) (drbdStatus, error) {
	res, err := s.command(ctx, "drbdsetup", "status", s.Resource, "--verbose", "--statistics")
	var exit *runner.ExitError
	if errors.As(err, &exit) && exit.Code == drbdsetupNoResource {
		return drbdStatus{}, nil
	}
	if err != nil {
		return drbdStatus{}, fmt.Errorf("state of DRBD resource %s: %w", s.Resource, err)
	}
	return parseStatus(string(res.Stdout))
}

func (s *session) drbd(ctx context.Context, data dataDir) (err error) {
	st, err := s.status(ctx)
	if err != nil {
		return err
	}
	if st.Up {
		// Only reached with Force: otherwise the disk showed its metadata.
		if err := s.commandStep(ctx, "drbdadm", "down", s.Resource); err != nil {
			return fmt.Errorf("take DRBD resource %s down to initialise it again: %w", s.Resource, err)
		}
	}
	createMD := []string{"create-md", s.Resource}
	if s.Force {
		createMD = []string{"create-md", "--force", s.Resource}
	}
	if err := s.commandStep(ctx, "drbdadm", createMD...); err != nil {
		return fmt.Errorf("create the DRBD metadata: %w", err)
	}
	if err := s.commandStep(ctx, "drbdadm", "up", s.Resource); err != nil {
		return fmt.Errorf("bring DRBD resource %s up: %w", s.Resource, err)
	}
	if !s.Source {
		if err := s.moveAside(data); err != nil {
			return err
		}
		if s.Act {
			s.say("DRBD resource %s is up here, Secondary; %s is an empty mount point and this node's old data "+
				"stays in %s (the database's data comes from %s). Next: storage-init --yes on %s "+
				"(preferred_node), which forces the initial sync from there and shows its progress.",
				s.Resource, s.Dir, data.orig, s.Peer, s.Peer)
		}
		return nil
	}

	if err := s.waitForBlankPeer(ctx); err != nil {
		return err
	}
	if err := s.commandStep(ctx, "drbdadm", "primary", "--force", s.Resource); err != nil {
		return fmt.Errorf("force the initial sync from %s: %w", s.Node, err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Pacemaker expects a Secondary; what failed is in err already.
		if _, secErr := s.command(context.WithoutCancel(ctx), "drbdadm", "secondary", s.Resource); secErr != nil {
			err = errors.Join(err, fmt.Errorf("drbdadm secondary %s: %w", s.Resource, secErr))
		}
		err = fmt.Errorf("%w; %s keeps the old data: fix the cause and run storage-init --yes --force again",
			err, data.orig)
	}()
	if err := s.populate(ctx, data); err != nil {
		return err
	}
	// The sync goes on without a Primary: the source is UpToDate.
	if err := s.commandStep(ctx, "drbdadm", "secondary", s.Resource); err != nil {
		return err
	}
	if err := s.waitForSync(ctx); err != nil {
		return err
	}
	if s.Act {
		s.say("DRBD resource %s is up and Secondary on both nodes, UpToDate on both, with the data of %s on %s: "+
			"ready for Pacemaker, whose promotable clone promotes it and whose Filesystem resource mounts it on "+
			"%s. To use PostgreSQL before the cluster runs (runbook 8): drbdadm primary %s; mount %s %s. "+
			"%s is kept: remove it once the cluster runs.",
			s.Resource, data.orig, s.Device, s.Dir, s.Resource, s.Device, s.Dir, data.orig)
	}
	return nil
}

// waitForBlankPeer waits until the peer is connected and holds no data
// either. Forcing the sync only then means that two nodes that both
// believe themselves the source cannot both force it: the second finds a
// peer that is Primary or UpToDate and refuses.
func (s *session) waitForBlankPeer(ctx context.Context) error {
	what := fmt.Sprintf("wait for %s to connect with no data of its own (run storage-init --yes there if "+
		"not done yet)", s.Peer)
	return s.step(what, func() error {
		var last time.Time
		err := s.watch(ctx, "waiting for "+s.Peer, func(st drbdStatus) (bool, error) {
			switch {
			case !st.Up:
				return false, fmt.Errorf("DRBD resource %s went down", s.Resource)
			case st.PeerRole == "Primary" || slices.Contains([]string{"UpToDate", "Consistent", "Outdated"}, st.PeerDisk):
				return false, fmt.Errorf("refused: %s holds data of its own (%s): the initial sync was forced "+
					"there, or its disk was in use; nothing was forced here. To initialise both disks again, "+
					"run drbdadm down %s on both nodes first, then storage-init --yes --force on each",
					s.Peer, st, s.Resource)
			case st.Disk != "Inconsistent":
				return false, fmt.Errorf("refused: this node's disk is %s, not the Inconsistent of new "+
					"metadata; nothing was forced", st.Disk)
			case st.connected() && st.Replication == "Established" && st.PeerDisk == "Inconsistent":
				return true, nil
			}
			if time.Since(last) >= s.Progress {
				s.say("waiting for %s: %s", s.Peer, st)
				last = time.Now()
			}
			return false, nil
		})
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("%w; only the DRBD metadata was written: run storage-init --yes --force again "+
				"once %s is ready", err, s.Peer)
		}
		return err
	})
}

// waitForSync follows the initial sync until both disks are UpToDate.
func (s *session) waitForSync(ctx context.Context) error {
	what := fmt.Sprintf("wait for the initial sync to %s to finish, showing its progress", s.Peer)
	return s.step(what, func() error {
		p := progress{s: s}
		err := s.watch(ctx, "the initial sync", func(st drbdStatus) (bool, error) {
			if !st.Up {
				return false, fmt.Errorf("DRBD resource %s went down", s.Resource)
			}
			if st.synced() {
				s.say("initial sync done: %s", st)
				return true, nil
			}
			p.show(st)
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("%w; the sync goes on by itself: follow it with drbdadm status %s (or cat "+
				"/proc/drbd), and run storage-init again to wait for it", err, s.Resource)
		}
		return nil
	})
}

// watch looks at DRBD's state every Poll until done says so or fails, or
// ctx ends.
func (s *session) watch(ctx context.Context, what string, done func(drbdStatus) (bool, error)) error {
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	for {
		st, err := s.status(ctx)
		if err != nil {
			return err
		}
		ok, err := done(st)
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: gave up at the timeout, DRBD %s: %w", what, st, ctx.Err())
		case <-tick.C:
		}
	}
}

// progress prints the sync's state when it changes, and how far it got
// every Progress.
type progress struct {
	s        *session
	state    string
	shown    time.Time // last progress line
	leftThen int64     // bytes left at the last progress line
}

func (p *progress) show(st drbdStatus) {
	s := p.s
	if state := st.String(); state != p.state {
		s.say("DRBD %s: %s", s.Resource, state)
		p.state = state
	}
	if !st.syncing() || time.Since(p.shown) < s.Progress {
		return
	}
	left := int64((100 - st.Done) / 100 * float64(s.diskSize))
	if st.OutOfSync >= 0 {
		left = st.OutOfSync * 1024
	}
	from, to := s.Node, s.Peer
	if st.Replication == "SyncTarget" {
		from, to = to, from
	}
	line := fmt.Sprintf("sync %s -> %s: %.1f%% done, %s to go", from, to, st.Done, size(left))
	if !p.shown.IsZero() {
		if rate := float64(p.leftThen-left) / time.Since(p.shown).Seconds(); rate > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second)
			line += fmt.Sprintf(", %s/s, about %s left", size(int64(rate)), eta)
		}
	}
	s.say("%s", line)
	p.shown, p.leftThen = time.Now(), left
}
