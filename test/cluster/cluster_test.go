//go:build root

package cluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestTwoNodesOnline(t *testing.T) {
	start := time.Now()
	c := New(t)
	t.Logf("two nodes online after %s", time.Since(start).Round(time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Both corosync links (LAN and crossover) connect the nodes.
	for _, n := range c.Nodes {
		out, err := n.Exec(ctx, "corosync-cfgtool", "-s")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(out), ":\tconnected"); got != 2 {
			t.Fatalf("%s: %d connected links to the peer, want 2:\n%s", n.Name, got, out)
		}
	}

	// Killing a node ends all its processes; the survivor sees it go.
	survivor, victim := c.Nodes[0], c.Nodes[1]
	if err := victim.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if pid := victim.InitPID(); pid != 0 {
		t.Fatalf("node-init of %s still runs as %d", victim.Name, pid)
	}
	err := c.Poll(ctx, survivor, func(s *State) string {
		if online, known := s.Online(victim.Name); !known || online {
			return victim.Name + " still online"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
}
