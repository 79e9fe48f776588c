//go:build root

package drbd

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/test/guest"
)

const res = "r0"

// minor is the device of res, /dev/drbd0.
const minor = 0

// drbdConf is written to /etc/drbd.conf in both guests, with a fixed
// resync rate (the 8.4 default is a dynamic controller) slow enough for the
// initial sync of the 64 MiB disk to be observed mid-way.
const drbdConf = `global { usage-count no; }
resource r0 {
	protocol C;
	device /dev/drbd0;
	disk /dev/vdb;
	meta-disk internal;
	disk { c-plan-ahead 0; resync-rate %s; }
	on node1 { address 192.0.2.1:7788; }
	on node2 { address 192.0.2.2:7788; }
}
`

// node is a guest of the pair, bound to the test that uses it.
type node struct {
	*guest.Guest
	t   testing.TB
	ctx context.Context
}

// startPair boots node1 and node2 on one replication link with DRBD's
// configuration in place.
func startPair(t testing.TB, ctx context.Context, resyncRate string) (*node, *node) {
	t.Helper()
	img := guest.EnsureImage(t)
	opts, err := guest.Pair(guest.Link{ID: "repl", Net: "192.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	gs := guest.StartAll(t, img, opts...)
	n1, n2 := &node{gs[0], t, ctx}, &node{gs[1], t, ctx}
	for _, n := range []*node{n1, n2} {
		if err := n.WriteFile(ctx, "/etc/drbd.conf", []byte(fmt.Sprintf(drbdConf, resyncRate)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return n1, n2
}

// must runs cmd and returns its stdout; any failure ends the test.
func (n *node) must(cmd string) string {
	n.t.Helper()
	out, err := n.Output(n.ctx, cmd)
	if err != nil {
		n.t.Fatal(err)
	}
	return out
}

// state is the resource's device line of /proc/drbd in drbdadm's words
// (drbdadm role, cstate and dstate print the same), e.g.
// {"Primary/Secondary", "Connected", "UpToDate/UpToDate"}.
type state struct{ role, cstate, dstate string }

func (s state) String() string { return fmt.Sprintf("%s %s %s", s.role, s.cstate, s.dstate) }

// state reads /proc/drbd once, so that the three parts are of one moment.
func (n *node) state() (state, error) {
	out, err := n.Output(n.ctx, "cat /proc/drbd")
	if err != nil {
		return state{}, err
	}
	for _, d := range drbdstate.ProcDevices(out) {
		if d.Minor == minor && d.CState != "Unconfigured" {
			return state{d.Role + "/" + d.PeerRole, d.CState, d.Disk + "/" + d.PeerDisk}, nil
		}
	}
	return state{}, fmt.Errorf("%s: resource %s is down: no drbd%d in /proc/drbd", n.Name, res, minor)
}

// snapshot is the state, or why there is none (the resource is down).
func (n *node) snapshot() string {
	s, err := n.state()
	if err != nil {
		return err.Error()
	}
	return s.String()
}

// waitState polls until the node's state satisfies ok, and fails the test
// with the last state seen when it does not within the timeout.
func (n *node) waitState(what string, timeout time.Duration, ok func(state) bool) state {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := n.state()
		if err == nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: not %s after %s: last state %v, error %v", n.Name, what, timeout, s, err)
		}
		select {
		case <-n.ctx.Done():
			n.t.Fatalf("%s: waiting for %s: %v", n.Name, what, n.ctx.Err())
		case <-tick.C:
		}
	}
}

// is returns a condition on the exact state.
func is(role, cstate, dstate string) func(state) bool {
	return func(s state) bool { return s == state{role, cstate, dstate} }
}

// expect fails the test unless the node is in the given state now.
func (n *node) expect(role, cstate, dstate string) {
	n.t.Helper()
	s, err := n.state()
	if err != nil {
		n.t.Fatal(err)
	}
	if want := (state{role, cstate, dstate}); s != want {
		n.t.Fatalf("%s: state %v, want %v", n.Name, s, want)
	}
}
