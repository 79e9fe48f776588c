//go:build root

package guestcluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/cluster"
)

// verifyUnit is the shipped unit the weekly timer starts.
const verifyUnit = "../../bootstrap/systemd/qvd-ha-drbd-verify.service"

// execStart is the command line of a shipped unit's ExecStart.
func execStart(t *testing.T, unit string) string {
	t.Helper()
	f, err := os.Open(unit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if cmd, ok := strings.CutPrefix(sc.Text(), "ExecStart="); ok {
			return cmd
		}
	}
	t.Fatalf("%s: no ExecStart (%v)", unit, sc.Err())
	return ""
}

// kernelCount counts the kernel log lines of n that contain s.
func kernelCount(ctx context.Context, n *Node, s string) (int, error) {
	out, err := n.Output(ctx, "dmesg | grep -c -F '"+s+"' || true")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// weeklyVerify is test 6: the command of the shipped verify unit, which
// the weekly timer runs on both nodes, does nothing on the Unpromoted
// node and starts drbdadm verify on the Promoted one, which finds the
// replicas identical.
func weeklyVerify(ctx context.Context, t *testing.T, c *Cluster, promoted *Node) {
	cmd := execStart(t, verifyUnit)
	secondary := c.Peer(promoted)
	out, err := secondary.Output(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s on %s: %s", cmd, secondary.Name, strings.TrimSpace(out))
	if !strings.Contains(out, "not Primary") {
		t.Errorf("on the Unpromoted node: %q, want it to say the Primary verifies", out)
	}
	if line, err := c.DRBD(ctx, secondary); err != nil || !strings.Contains(line, "cs:Connected") {
		t.Fatalf("after the command on the Unpromoted node, DRBD is %q (%v), want Connected: no verification", line, err)
	}

	const done = "Online verify done"
	before, err := kernelCount(ctx, promoted, done)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if out, err = promoted.Output(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s on %s: %s", cmd, promoted.Name, strings.TrimSpace(out))
	if !strings.Contains(out, "online verification started") {
		t.Errorf("on the Promoted node: %q, want a verification started", out)
	}
	if err := poll(ctx, 2*time.Second, func() string {
		if n, err := kernelCount(ctx, promoted, done); err != nil || n == before {
			return fmt.Sprintf("no new %q in %s's kernel log (%v)", done, promoted.Name, err)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("verification done after %s", time.Since(started).Round(time.Second))
	if n, err := kernelCount(ctx, promoted, "out of sync"); err != nil || n > 0 {
		t.Errorf("the verification found blocks out of sync (%d lines, %v)", n, err)
	}
}

// splitBrain is test 4, the runbook's "DRBD split" (section 11): with the
// cluster in maintenance mode, an administrator works on the Unpromoted
// node by hand as the runbook's fencing-less setup allows: resource
// fencing off there, disconnected, promoted by force, the filesystem
// written. Reconnected while both are Primary, DRBD detects the split
// brain and, as the bootstrap's after-sb-2pri says, resolves nothing. Out
// of maintenance, ocf:qvd:drbd reports it in its monitors (191 on the
// Primary, which keeps serving; 190 on the other, whose promotion score
// it removes) with the way out as exit reason. Resolved that way, by
// discarding the split-off node's changes, every acknowledged row is
// there.
func splitBrain(ctx context.Context, t *testing.T, c *Cluster, promoted *Node) {
	other := c.Peer(promoted)
	w := startWriter(ctx, t, c)
	if _, err := w.WaitAckAfter(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := c.SetProperty(ctx, promoted, "maintenance-mode", "true"); err != nil {
		t.Fatal(err)
	}
	maintenance := true
	t.Cleanup(func() {
		if maintenance {
			_ = c.SetProperty(context.Background(), promoted, "maintenance-mode", "false")
		}
	})
	if _, err := other.Output(ctx, `set -e
drbdadm disk-options --fencing=dont-care postgres
drbdadm disconnect postgres
drbdadm primary --force postgres
mkdir -p /mnt/split
mount /dev/drbd0 /mnt/split
echo "written on the split-off node" >/mnt/split/split-brain-marker
umount /mnt/split`); err != nil {
		t.Fatal(err)
	}
	// Rows acknowledged from now on exist on the cluster's Primary only.
	if _, err := w.WaitAckAfter(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Output(ctx, "drbdadm connect postgres"); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		line, err := c.WaitDRBD(ctx, n, "cs:StandAlone")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s after reconnecting: %s", n.Name, line)
	}
	if n, err := kernelCount(ctx, other, "Split-Brain detected"); err != nil || n == 0 {
		t.Fatalf("no split brain in %s's kernel log (%v)", other.Name, err)
	}
	if _, err := other.Output(ctx, "drbdadm secondary postgres && drbdadm disk-options --fencing=resource-and-stonith postgres"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetProperty(ctx, promoted, "maintenance-mode", "false"); err != nil {
		t.Fatal(err)
	}
	maintenance = false

	// The monitors report it; Pacemaker counts degraded as running.
	want := map[string]int{promoted.Name: 191, other.Name: 190}
	var reports []OpResult
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := poll(pctx, time.Second, func() string {
		ops, err := c.OpResults(ctx, promoted, drbdClone)
		if err != nil {
			return err.Error()
		}
		reports = nil
		for _, op := range ops {
			if op.Operation == "monitor" && op.RC == want[op.Node] && strings.Contains(op.ExitReason, "split brain") {
				reports = append(reports, op)
			}
		}
		if len(reports) < len(want) {
			return fmt.Sprintf("monitor results %+v", ops)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		t.Logf("%s on %s: rc %d, exit reason %q", r.ID, r.Node, r.RC, r.ExitReason)
	}
	if score, err := c.PromotionScore(ctx, promoted, other); err != nil || score != "" {
		t.Errorf("%s's promotion score is %q (%v), want none: its data diverged", other.Name, score, err)
	}
	if err := c.WaitDatabase(ctx, promoted, promoted); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WaitAckAfter(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	status, _ := promoted.Output(ctx, "crm_mon -1 -rf")
	t.Logf("the cluster during the split brain:\n%s", status)

	// Resolved as the exit reason says, discarding the split-off changes.
	if _, err := other.Output(ctx, "drbdadm secondary postgres && drbdadm connect --discard-my-data postgres"); err != nil {
		t.Fatal(err)
	}
	if _, err := promoted.Output(ctx, "drbdadm connect postgres"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitDRBD(ctx, other, "ro:Secondary/Primary", "cs:Connected", "ds:UpToDate/UpToDate"); err != nil {
		t.Fatal(err)
	}
	waitNoFenceConstraint(ctx, t, c, promoted)
	// The cleanup clears the degraded results, and with them the clone's
	// history: Pacemaker re-probes it and restarts the group that depends
	// on it (seen here: "Restart p_fs_postgres due to required
	// ms_drbd_postgres notified"), a short outage an administrator should
	// expect. The rows are read back once the cluster is idle again.
	if _, err := promoted.Output(ctx, "crm_resource --cleanup --resource "+drbdClone+" && crm_resource --wait --timeout=300s"); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitDatabase(ctx, promoted, promoted); err != nil {
		t.Fatal(err)
	}
	checkScores(ctx, t, c, promoted, "split brain resolved")
	verify(ctx, t, w)
}

// ocfTester is test 5's first half: resource-agents' ocf-tester on the
// installed ocf:qvd:drbd in node n, with the clone meta of a promotable
// clone, the peer up as a connected Secondary. The cluster lets go of
// the resource for it (stop-all-resources) and takes it back afterwards.
func ocfTester(ctx context.Context, t *testing.T, c *Cluster, n, peer *Node) {
	if err := c.SetProperty(ctx, n, "stop-all-resources", "true"); err != nil {
		t.Fatal(err)
	}
	restarted := false
	restart := func() {
		if !restarted {
			restarted = true
			if err := c.SetProperty(ctx, n, "stop-all-resources", "false"); err != nil {
				t.Error(err)
			}
		}
	}
	defer restart()
	for _, x := range c.Nodes {
		if _, err := c.WaitDRBD(ctx, x, "unconfigured"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := peer.Output(ctx, "drbdadm up postgres"); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	begin := time.Now()
	g, err := n.guest()
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.OCFTester(tctx, "ocftester_drbd", "/usr/lib/ocf/resource.d/qvd/drbd", "drbd_resource=postgres",
		"CRM_meta_clone_max=2", "CRM_meta_clone_node_max=1", "CRM_meta_promoted_max=1", "CRM_meta_notify=true")
	t.Logf("ocf-tester took %s:\n%s", time.Since(begin).Round(time.Second), out)
	if err != nil {
		t.Error(err)
	}
	if _, err := peer.Output(ctx, "drbdadm down postgres"); err != nil {
		t.Fatal(err)
	}
	if line, err := c.DRBD(ctx, n); err != nil || line != "unconfigured" {
		t.Errorf("ocf-tester left DRBD on %s as %q (%v), want it stopped", n.Name, line, err)
	}
	restart()
	if err := c.Poll(ctx, n, func(s *cluster.State) string {
		if where := s.Where("p_postgres"); len(where) != 1 {
			return fmt.Sprintf("p_postgres is %v", where)
		}
		return ""
	}); err != nil {
		t.Fatal(err)
	}
}

// checkScores is test 5's second half, in the state the calling case has
// made: the promotion scores in the CIB are the documented ones.
func checkScores(ctx context.Context, t testing.TB, c *Cluster, n *Node, state string) {
	t.Helper()
	scores, err := c.CheckScores(ctx, n)
	if err != nil {
		t.Fatalf("%s: %v", state, err)
	}
	t.Logf("promotion scores, %s:\n%s", state, scores)
}
