//go:build root

package guestcluster

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// maintenanceSection is the maintenance section of README.md and
// qvd-ha(8); test/cluster runs its other blocks.
const maintenanceSection = "../../bootstrap/ops/maintenance.md"

// The section's DRBD blocks: the verification, and the way out of one
// that found differences.
const (
	verifyBlock = "# on both nodes (it does nothing on the Secondary) (DRBD)"
	resyncBlock = "# on the Secondary (qvddb2): resynchronise the blocks verify found (DRBD)"
)

// corruptOffset is a 4k block of the data disk in free space of the
// filesystem (away from the allocation groups' headers of a 340 MiB XFS),
// so that no write of the Primary's replaces it before the verification.
const corruptOffset = 300 << 20

// verifyDifferences is case 7: the maintenance section's DRBD verify
// procedure on a real difference, its blocks run as written. A block of
// the Secondary's backing disk is changed below DRBD (as a faulty disk
// would); the verification, run on both nodes, finds it; the resync block
// on the Secondary resynchronises it while the Primary keeps serving; a
// second verification finds nothing, and no acknowledged row is lost.
func verifyDifferences(ctx context.Context, t *testing.T, c *Cluster) {
	blocks, err := cluster.ShellBlocks(maintenanceSection)
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]string{}
	for _, b := range blocks {
		body[b.Name] = b.Body
	}
	for _, name := range []string{verifyBlock, resyncBlock} {
		if body[name] == "" {
			t.Fatalf("%s has no block %q", maintenanceSection, name)
		}
	}
	promoted, err := c.promoted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secondary := c.Peer(promoted)
	w := startWriter(ctx, t, c)

	if out, err := secondary.Output(ctx, fmt.Sprintf(
		"dd if=/dev/urandom of=/dev/vdb bs=4096 count=1 seek=%d oflag=direct conv=notrunc 2>&1", corruptOffset/4096)); err != nil {
		t.Fatalf("changing a block below DRBD on %s: %v: %s", secondary.Name, err, out)
	}
	found := outOfSync(ctx, t, c)
	verifyOnce(ctx, t, c, promoted, body[verifyBlock])
	if n := outOfSync(ctx, t, c); n == found {
		t.Fatalf("the verification did not report the changed block (%d out-of-sync lines before and after)", n)
	}

	runBlock(ctx, t, secondary, body[resyncBlock])
	if err := poll(ctx, 2*time.Second, func() string {
		line, err := c.DRBD(ctx, secondary)
		if err != nil || !strings.Contains(line, "cs:Connected") || !strings.Contains(line, "ds:UpToDate/UpToDate") {
			return fmt.Sprintf("DRBD on %s is %q (%v)", secondary.Name, line, err)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	// A Secondary that disconnects makes the Primary's fence-peer handler
	// place its constraint; the resync's unfence handler removes it.
	waitNoFenceConstraint(ctx, t, c, promoted)

	found = outOfSync(ctx, t, c)
	verifyOnce(ctx, t, c, promoted, body[verifyBlock])
	if n := outOfSync(ctx, t, c); n != found {
		t.Errorf("the verification after the resync still found blocks out of sync (%d new lines)", n-found)
	}
	verify(ctx, t, w)
}

// verifyOnce runs the section's verify block on both nodes, the
// Secondary first, and waits until the Primary's kernel reports the
// verification done.
func verifyOnce(ctx context.Context, t *testing.T, c *Cluster, promoted *Node, block string) {
	t.Helper()
	const done = "Online verify done"
	before, err := kernelCount(ctx, promoted, done)
	if err != nil {
		t.Fatal(err)
	}
	runBlock(ctx, t, c.Peer(promoted), block)
	runBlock(ctx, t, promoted, block)
	if err := poll(ctx, 2*time.Second, func() string {
		if n, err := kernelCount(ctx, promoted, done); err != nil || n == before {
			return fmt.Sprintf("no new %q in %s's kernel log (%v)", done, promoted.Name, err)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
}

// runBlock runs one of the section's blocks in n as written, stopping at
// the first failing command.
func runBlock(ctx context.Context, t *testing.T, n *Node, block string) {
	t.Helper()
	out, err := n.Output(ctx, "set -e\n"+block)
	t.Logf("on %s:\n%s%s", n.Name, block, out)
	if err != nil {
		t.Fatal(err)
	}
}

// outOfSync counts the kernel log lines of both nodes that report blocks
// out of sync.
func outOfSync(ctx context.Context, t *testing.T, c *Cluster) int {
	t.Helper()
	total := 0
	for _, n := range c.Nodes {
		k, err := kernelCount(ctx, n, "out of sync")
		if err != nil {
			t.Fatal(err)
		}
		total += k
	}
	return total
}
