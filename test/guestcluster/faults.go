package guestcluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// PowerOff pulls the node's plug: virsh destroy, as a power cut. Its
// control channel goes with it.
func (c *Cluster) PowerOff(ctx context.Context, n *Node) (time.Time, error) {
	n.close()
	at := time.Now()
	_, err := virsh(ctx, "destroy", n.Domain)
	return at, err
}

// Cut unplugs (or, with restore, plugs back) the node's end of a link:
// "lan" or "cross". The other end's carrier stays up, as with a cable
// pulled at one switch port; nothing passes either way.
func (c *Cluster) Cut(ctx context.Context, n *Node, link string, restore bool) error {
	mac := n.LanMAC
	if link == "cross" {
		mac = n.CrossMAC
	}
	state := "down"
	if restore {
		state = "up"
	}
	_, err := virsh(ctx, "domif-setlink", n.Domain, mac, state)
	return err
}

// Rejoin brings a fenced node back into the cluster: the fence agent has
// restarted its domain (a reboot), so it waits for the new boot's control
// channel and starts corosync and Pacemaker, as an operator would after
// checking the node. The disk kept the installation.
func (c *Cluster) Rejoin(ctx context.Context, n *Node) error {
	if err := c.waitDomain(ctx, n, "running"); err != nil {
		return err
	}
	if err := c.connect(n, 3*time.Minute); err != nil {
		return err
	}
	return c.StartStack(ctx, n)
}

// waitDomain polls libvirt until the domain is in state.
func (c *Cluster) waitDomain(ctx context.Context, n *Node, state string) error {
	return poll(ctx, 500*time.Millisecond, func() string {
		if got, err := domainState(ctx, n.Domain); err != nil || got != state {
			return fmt.Sprintf("domain %s is %q (%v), want %q", n.Domain, got, err, state)
		}
		return ""
	})
}

// WaitFenced waits until n's Pacemaker log shows that n fenced target
// after since. The log, not stonith_admin --history: the history keeps
// one entry per target, so a second fencing of a node does not show.
func (c *Cluster) WaitFenced(ctx context.Context, n, target *Node, since time.Time) error {
	re := fencedBy(target, n)
	return poll(ctx, time.Second, func() string {
		if at, err := c.logTimes(ctx, n, since, re); err != nil || at[0].IsZero() {
			return fmt.Sprintf("%s's log: no %q after %s (%v)", n.Name, re, since.Format(time.TimeOnly), err)
		}
		return ""
	})
}

// FenceConstraints lists the ids of the constraints DRBD's fence-peer
// handler placed (crm-fence-peer.sh: drbd-fence-by-handler-*).
func (c *Cluster) FenceConstraints(ctx context.Context, n *Node) ([]string, error) {
	locs, err := pcmk.Tools{Run: n.Runner()}.LocationConstraints(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.Name, err)
	}
	var ids []string
	for _, l := range locs {
		if strings.HasPrefix(l.ID, "drbd-fence-by-handler-") {
			ids = append(ids, l.ID)
		}
	}
	return ids, nil
}

// WaitDRBD polls n's /proc/drbd until every one of want is in its line
// ("ro:Primary/Secondary", "ds:UpToDate/UpToDate", ...).
func (c *Cluster) WaitDRBD(ctx context.Context, n *Node, want ...string) (string, error) {
	var line string
	err := poll(ctx, time.Second, func() string {
		var err error
		if line, err = c.DRBD(ctx, n); err != nil {
			return err.Error()
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				return fmt.Sprintf("%s: DRBD is %q, want %s", n.Name, line, strings.Join(want, " "))
			}
		}
		return ""
	})
	return line, err
}
