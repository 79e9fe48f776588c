//go:build root

package guestcluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// guestFailoverRuns is how many times the Promoted node is powered off.
const guestFailoverRuns = 3

// BenchmarkGuestFailover measures, in the qemu guests with the bootstrap's
// default timers, the time from powering off the Promoted node to the
// first write the client has acknowledged on the survivor, and how it
// splits into detection, fencing, promotion, mount and PostgreSQL's start
// (from the survivor's Pacemaker log). Under TCG every step is slower
// than on real machines; the split shows which ones.
func BenchmarkGuestFailover(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	c := Up(ctx, b)
	cancel()
	fmt.Printf("timers: the bootstrap's defaults (%s)\n", c.timers())
	for i := 0; i < b.N; i++ {
		var totals []time.Duration
		var shares [][]Share
		for range guestFailoverRuns {
			total, split := guestFailover(b, c)
			totals = append(totals, total)
			shares = append(shares, split)
		}
		slices.Sort(totals)
		median := totals[len(totals)/2]
		fmt.Printf("power-off of the Promoted node -> first acknowledged write on the survivor: median %s, min %s, max %s over %d runs\n",
			median.Round(100*time.Millisecond), totals[0].Round(100*time.Millisecond), totals[len(totals)-1].Round(100*time.Millisecond), len(totals))
		for j, s := range shares[0] {
			var runs []string
			for _, sh := range shares {
				runs = append(runs, sh[j].Took.Round(100*time.Millisecond).String())
			}
			fmt.Printf("  %-44s %s\n", s.Step, strings.Join(runs, "  "))
		}
		b.ReportMetric(median.Seconds(), "s/failover")
	}
}

// guestFailover powers off the Promoted node once, measures the takeover,
// checks every acknowledged row, and brings the node back.
func guestFailover(b *testing.B, c *Cluster) (time.Duration, []Share) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	promoted, err := c.promoted(ctx)
	if err != nil {
		b.Fatal(err)
	}
	w := startWriter(ctx, b, c)
	if _, err := w.WaitAckAfter(ctx, time.Now()); err != nil {
		b.Fatal(err)
	}
	took, shares := loseNode(ctx, b, c, w, promoted)
	verify(ctx, b, w)
	rejoin(ctx, b, c, promoted, c.Peer(promoted))
	return took, shares
}

// promoted is the node where DRBD is Promoted, as node1 sees it.
func (c *Cluster) promoted(ctx context.Context) (*Node, error) {
	var found *Node
	err := c.Poll(ctx, c.Nodes[0], func(s *cluster.State) string {
		for _, n := range c.Nodes {
			if slices.Contains(s.Where(drbdClone), "Promoted "+n.Name) {
				found = n
				return ""
			}
		}
		return "DRBD is promoted nowhere"
	})
	return found, err
}

// timers are the timers that bound a node's loss, from node1's
// corosync.conf and CIB.
func (c *Cluster) timers() string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	token, err := c.Nodes[0].Output(ctx, "sed -n 's/^[[:space:]]*token:[[:space:]]*//p' /etc/corosync/corosync.conf")
	if err != nil {
		return err.Error()
	}
	delay, err := c.Nodes[0].Output(ctx, "crm_attribute --type crm_config --name priority-fencing-delay --query --quiet")
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("corosync token %s ms, priority-fencing-delay %s", strings.TrimSpace(token), strings.TrimSpace(delay))
}
