//go:build root

package drbd

import (
	"context"
	"strings"
	"testing"
	"time"
)

// syncTimeout bounds a full initial sync of the 64 MiB disk at 1 MiB/s.
const syncTimeout = 3 * time.Minute

// TestDRBD84 walks a DRBD 8.4 pair through the states an agent meets, with
// plain drbdadm: unconfigured, connected and Inconsistent, initial sync,
// UpToDate, Primary/Secondary with data replicated both ways, peer lost,
// Outdated, and split brain.
func TestDRBD84(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	c := newCapture()
	// Recording a state takes seconds per node: long enough, at 4M, for
	// the sync to end while it is recorded.
	rate := "4M"
	if c.on() {
		rate = "1M"
	}
	n1, n2 := startPair(t, ctx, rate)
	c.recordVersions(n1)
	both := []*node{n1, n2}

	c.recordState(n1, "unconfigured", "module loaded, resource down")
	for _, n := range both {
		n.must("drbdadm create-md --force " + res)
		n.must("drbdadm up " + res)
	}
	for _, n := range both {
		n.waitState("connected", time.Minute, is("Secondary/Secondary", "Connected", "Inconsistent/Inconsistent"))
	}
	c.recordState(n1, "secondary-connected-inconsistent", "both Secondary, connected, before the initial sync")
	refused(t, c, n1, "primary-refused-inconsistent", "drbdadm primary "+res,
		"both Inconsistent: no UpToDate data")
	c.record(n1, "up-again.stdout.txt", "resource already up", "drbdadm up "+res)

	n1.must("drbdadm -- --overwrite-data-of-peer primary " + res)
	n1.waitState("SyncSource", time.Minute, is("Primary/Secondary", "SyncSource", "UpToDate/Inconsistent"))
	c.recordState(n1, "sync-source", "initial sync running, this node the source (Primary)")
	c.recordState(n2, "sync-target", "initial sync running, this node the target (Secondary)")
	n2.waitState("synced", syncTimeout, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))
	n1.expect("Primary/Secondary", "Connected", "UpToDate/UpToDate")

	n1.must("drbdadm secondary " + res)
	n1.expect("Secondary/Secondary", "Connected", "UpToDate/UpToDate")
	c.recordState(n1, "secondary-connected-uptodate", "both Secondary, connected, UpToDate")

	// Data written on one side is read back on the other.
	n1.must("drbdadm primary " + res)
	n2.waitState("peer Primary", 30*time.Second, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))
	c.recordState(n1, "primary-connected-uptodate", "this node Primary, peer Secondary, connected, UpToDate")
	c.recordState(n2, "secondary-peer-primary", "this node Secondary, peer Primary, connected, UpToDate")
	refused(t, c, n2, "primary-refused-peer-primary", "drbdadm primary "+res,
		"peer already Primary, allow-two-primaries not set")
	sum := n1.must("head -c 1M /dev/urandom >/tmp/data && dd if=/tmp/data of=/dev/drbd0 bs=1M oflag=direct status=none && sha256sum </tmp/data")
	n1.must("drbdadm secondary " + res)
	n2.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	n2.must("drbdadm primary " + res)
	if got := n2.must("head -c 1M /dev/drbd0 | sha256sum"); got != sum {
		t.Fatalf("data read on node2 %q, written on node1 %q", got, sum)
	}
	n2.must("drbdadm secondary " + res)
	n1.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	n1.must("drbdadm primary " + res)

	// The peer goes away: waiting for it, then not even that.
	n2.must("drbdadm down " + res)
	n1.waitState("peer gone", 30*time.Second, is("Primary/Unknown", "WFConnection", "UpToDate/DUnknown"))
	c.recordState(n1, "primary-wfconnection", "this node Primary, peer down: waiting for it")
	n1.must("drbdadm disconnect " + res)
	n1.expect("Primary/Unknown", "StandAlone", "UpToDate/DUnknown")
	c.recordState(n1, "primary-standalone", "this node Primary, disconnected by drbdadm disconnect")
	n1.must("drbdadm connect " + res)
	n2.must("drbdadm up " + res)
	n2.waitState("reconnected", time.Minute, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))

	// An Outdated Secondary: what resource-level fencing makes of a peer.
	n2.must("drbdadm disconnect " + res)
	n2.must("drbdadm outdate " + res)
	n2.expect("Secondary/Unknown", "StandAlone", "Outdated/DUnknown")
	c.recordState(n2, "secondary-outdated-standalone", "this node Secondary, disconnected, disk outdated with drbdadm outdate")
	refused(t, c, n2, "primary-refused-outdated", "drbdadm primary "+res, "disk Outdated")
	n2.must("drbdadm connect " + res)
	n2.waitState("resynced", syncTimeout, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))

	splitBrain(t, c, n1, n2)

	for _, n := range both {
		n.must("drbdadm down " + res)
		if r, err := n.Run(ctx, "drbdadm role "+res); err != nil || r.ExitCode == 0 {
			t.Fatalf("%s: drbdadm role after down: %+v, %v; want a failure", n.Name, r, err)
		}
	}
	c.writeSources(t)
	t.Logf("DRBD 8.4 tier took %s (image check, boot, sync, states)", time.Since(start).Round(time.Second))
}

// refused runs a command that DRBD must refuse and records how.
func refused(t *testing.T, c *capture, n *node, name, cmd, desc string) {
	t.Helper()
	before := n.snapshot()
	r, err := n.Run(n.ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode == 0 {
		t.Fatalf("%s: %q succeeded (%s), want a refusal", n.Name, cmd, desc)
	}
	if after := n.snapshot(); after != before {
		t.Fatalf("%s: refused %q changed the state: %s, then %s", n.Name, cmd, before, after)
	}
	t.Logf("%s: %q refused with exit %d: %s", n.Name, cmd, r.ExitCode, strings.TrimSpace(r.Stderr))
	c.record(n, name+".stdout.txt", desc+" (exit code and stderr of the refusal)", cmd)
}

// splitBrain does what resource-level fencing exists to prevent: both
// sides Primary and written while disconnected, then reconnected.
func splitBrain(t *testing.T, c *capture, n1, n2 *node) {
	t.Helper()
	for _, n := range []*node{n1, n2} {
		n.must("drbdadm disconnect " + res)
		n.must("dmesg --clear")
	}
	n2.must("drbdadm primary " + res)
	for _, n := range []*node{n1, n2} {
		n.must("head -c 256K /dev/urandom | dd of=/dev/drbd0 bs=64K oflag=direct status=none")
		n.expect("Primary/Unknown", "StandAlone", "UpToDate/DUnknown")
	}
	for _, n := range []*node{n1, n2} {
		n.must("drbdadm connect " + res)
	}
	for _, n := range []*node{n1, n2} {
		n.waitState("split brain", time.Minute, func(s state) bool {
			return s.cstate == "StandAlone" && strings.Contains(n.must("dmesg"), "Split-Brain detected")
		})
	}
	for _, n := range []*node{n1, n2} {
		c.recordState(n, "splitbrain-"+n.Name, "split brain: both were Primary and written while disconnected, then reconnected")
		c.record(n, "splitbrain-"+n.Name+".dmesg.txt", "kernel log from the disconnect before the split brain to its detection", "dmesg")
	}
}
