package guestcluster

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
)

// drbdClone is the promotable clone's primitive in the bootstrap's CIB.
const drbdClone = "p_drbd_postgres"

// SetProperty sets a cluster property (maintenance-mode,
// stop-all-resources) from n.
func (c *Cluster) SetProperty(ctx context.Context, n *Node, name, value string) error {
	err := pcmk.Tools{Run: n.Runner()}.SetProperty(ctx, name, value)
	if err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	return nil
}

// PromotionScore is the promotion score of the DRBD clone on node on, as
// the CIB holds it (crm_attribute -p): "" when the node has none.
func (c *Cluster) PromotionScore(ctx context.Context, n, on *Node) (string, error) {
	score, _, err := pcmk.Tools{Run: n.Runner()}.PromotionScore(ctx, drbdClone, on.Name)
	if err != nil {
		return "", fmt.Errorf("on %s: %w", n.Name, err)
	}
	return score, nil
}

// documentedScore is the promotion score ocf:qvd:drbd's meta-data
// documents (adjust_master_score's default "0 10 1000 10000") for the
// state in a /proc/drbd line of DRBD 8.4; "" is no score. It is the
// test's own reading of the table, not the agent's code.
func documentedScore(line string) string {
	devs := drbdstate.ProcDevices(line)
	if len(devs) == 0 {
		return "" // unconfigured
	}
	d := devs[0]
	switch {
	case d.Disk == "UpToDate" && (d.Role == "Primary" || d.PeerDisk != "DUnknown"):
		return "10000"
	case d.Disk == "UpToDate":
		return "1000"
	case d.CState != "StandAlone" && d.CState != "WFConnection" && d.PeerDisk == "UpToDate":
		return "10"
	}
	return "" // Consistent scores 0, which removes the score; anything else has none
}

// CheckScores waits until each node's promotion score, as n's CIB holds
// it, is the documented one for the node's DRBD state, and returns them,
// one line per node; the agent updates scores at its monitor (every 10 s
// Promoted, 20 s Unpromoted), so a state change takes up to one interval
// to show.
func (c *Cluster) CheckScores(ctx context.Context, n *Node) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var table string
	err := poll(ctx, 2*time.Second, func() string {
		var rows []string
		ok := true
		for _, on := range c.Nodes {
			line, err := c.DRBD(ctx, on)
			if err != nil {
				return err.Error()
			}
			got, err := c.PromotionScore(ctx, n, on)
			if err != nil {
				return err.Error()
			}
			want := documentedScore(line)
			ok = ok && got == want
			rows = append(rows, fmt.Sprintf("%s: score %q (documented %q) for %s", on.Name, got, want, line))
		}
		if table = strings.Join(rows, "\n"); !ok {
			return "promotion scores not the documented ones:\n" + table
		}
		return ""
	})
	return table, err
}

// OpResult is the last result of one operation of a resource on a node,
// as the CIB's status section records it.
type OpResult = pcmk.OpResult

// OpResults are the recorded operation results of rsc (every node), as n
// reads them.
func (c *Cluster) OpResults(ctx context.Context, n *Node, rsc string) ([]OpResult, error) {
	ops, err := pcmk.Tools{Run: n.Runner()}.OpResults(ctx, rsc)
	if err != nil {
		return nil, fmt.Errorf("on %s: %w", n.Name, err)
	}
	return ops, nil
}
