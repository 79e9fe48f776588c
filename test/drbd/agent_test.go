//go:build root

package drbd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// agentPath is where Pacemaker looks for ocf:qvd:drbd.
const agentPath = "/usr/lib/ocf/resource.d/qvd/drbd"

// scoreFile is where the fake crm_attribute keeps this node's promotion
// score; absent means no score.
const scoreFile = "/run/qvd-test/promotion-score"

// fakeCrmAttribute stands in for Pacemaker's crm_attribute, which is not in
// the guests (Pacemaker is the next tier): it keeps the promotion score in
// a file and accepts only the two forms the agent uses.
const fakeCrmAttribute = `#!/bin/sh
# Fake crm_attribute (test/drbd): the promotion score in ` + scoreFile + `.
echo "$OCF_RESOURCE_INSTANCE $*" >>/run/qvd-test/crm_attribute.calls
case "$#:$1:$2" in
3:-p:-v) printf '%s\n' "$3" >` + scoreFile + ` ;;
2:-p:-D) rm -f ` + scoreFile + ` ;;
*) echo "crm_attribute (fake): unsupported arguments: $*" >&2; exit 64 ;;
esac
`

// countingDrbdadm wraps the real drbdadm to count the agent's calls.
const countingDrbdadm = `#!/bin/sh
echo "$*" >>/run/qvd-test/drbdadm.calls
exec /usr/sbin/drbdadm.real "$@"
`

// buildAgent builds ocf:qvd:drbd for the guests, once per test.
func buildAgent(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "drbd")
	if err := gobuild.Static(context.Background(), gobuild.Module+"/agents/drbd", out); err != nil {
		t.Fatal(err)
	}
	return out
}

// installAgent puts the agent and the fake crm_attribute in the guest.
func (n *node) installAgent(bin string) {
	n.t.Helper()
	n.must("mkdir -p /usr/lib/ocf/resource.d/qvd /run/qvd-test")
	if err := n.CopyIn(n.ctx, bin, agentPath, 0o755); err != nil {
		n.t.Fatal(err)
	}
	if err := n.WriteFile(n.ctx, "/usr/sbin/crm_attribute", []byte(fakeCrmAttribute), 0o755); err != nil {
		n.t.Fatal(err)
	}
}

// agentResult is what one run of the agent returned.
type agentResult struct {
	action  string
	rc      ocf.RC
	stderr  string
	elapsed time.Duration
}

func (r agentResult) reason() string { return ocftest.ExitReason(r.stderr) }

// agent runs the agent's action as Pacemaker would, with the op timeout in
// milliseconds; extra are further NAME=value variables.
func (n *node) agent(action string, timeoutMs int, extra ...string) agentResult {
	n.t.Helper()
	env := []string{
		"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=p_drbd:0", "OCF_RESKEY_drbd_resource=" + res,
		"OCF_RESKEY_CRM_meta_timeout=" + strconv.Itoa(timeoutMs),
		"OCF_RESKEY_CRM_meta_clone_max=2", "OCF_RESKEY_CRM_meta_clone_node_max=1",
		"OCF_RESKEY_CRM_meta_promoted_max=1", "OCF_RESKEY_CRM_meta_notify=true",
	}
	env = append(env, extra...)
	ctx, cancel := context.WithTimeout(n.ctx, time.Duration(timeoutMs)*time.Millisecond+15*time.Second)
	defer cancel()
	begin := time.Now()
	r, err := n.Run(ctx, "env "+strings.Join(env, " ")+" "+agentPath+" "+action)
	if err != nil {
		n.t.Fatalf("%s: agent %s: %v", n.Name, action, err)
	}
	out := agentResult{action: action, rc: ocf.RC(r.ExitCode), stderr: r.Stderr, elapsed: time.Since(begin)}
	n.t.Logf("%s: %s %s -> rc %d in %s", n.Name, action, strings.Join(extra, " "), r.ExitCode, out.elapsed.Round(10*time.Millisecond))
	return out
}

// Op timeouts (ms) as the agent's meta-data advertises them.
const (
	startMs   = 240000
	stopMs    = 100000
	promoteMs = 60000
	demoteMs  = 30000
	monitorMs = 20000
)

// probe, monitorPromoted and monitorUnpromoted are the interval variables
// Pacemaker passes.
const (
	probe             = "OCF_RESKEY_CRM_meta_interval=0"
	monitorPromoted   = "OCF_RESKEY_CRM_meta_interval=10000"
	monitorUnpromoted = "OCF_RESKEY_CRM_meta_interval=20000"
)

// expectRC fails the test unless r returned rc and its exit reason
// contains every one of reasons.
func expectRC(t *testing.T, n *node, r agentResult, rc ocf.RC, reasons ...string) {
	t.Helper()
	if r.rc != rc {
		t.Fatalf("%s: %s: rc %d, want %d\nstderr:\n%s", n.Name, r.action, r.rc, rc, r.stderr)
	}
	for _, s := range reasons {
		if !strings.Contains(r.reason(), s) {
			t.Fatalf("%s: %s: exit reason %q does not contain %q\nstderr:\n%s", n.Name, r.action, r.reason(), s, r.stderr)
		}
	}
	if len(reasons) == 0 && rc == ocf.Success && r.reason() != "" {
		t.Fatalf("%s: %s succeeded with an exit reason %q", n.Name, r.action, r.reason())
	}
}

// score is this node's promotion score as the fake crm_attribute holds it;
// "" when there is none.
func (n *node) score() string {
	n.t.Helper()
	return strings.TrimSpace(n.must("cat " + scoreFile + " 2>/dev/null || true"))
}

func (n *node) expectScore(want string) {
	n.t.Helper()
	if got := n.score(); got != want {
		n.t.Fatalf("%s: promotion score %q, want %q (calls: %s)", n.Name, got, want,
			n.must("tail -5 /run/qvd-test/crm_attribute.calls 2>/dev/null || true"))
	}
}

// expectDown fails the test unless the resource is down on n.
func (n *node) expectDown() {
	n.t.Helper()
	if r, err := n.Run(n.ctx, "drbdadm role "+res); err != nil || r.ExitCode == 0 {
		n.t.Fatalf("%s: drbdadm role after stop: %+v, %v; want a failure (resource down)", n.Name, r, err)
	}
}

// TestAgent drives ocf:qvd:drbd through a DRBD 8.4 pair as Pacemaker would:
// probe, start, promote refused on Inconsistent data, initial sync,
// promote/demote with data replicated both ways, stop; then a deliberate
// split brain, its report and its resolution by the agent's instructions;
// then ocf-tester with clone meta.
func TestAgent(t *testing.T) {
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	bin := buildAgent(t)
	n1, n2 := startPair(t, ctx, "20M")
	both := []*node{n1, n2}
	t.Cleanup(func() { dumpOnFailure(t, both) })
	for _, n := range both {
		n.installAgent(bin)
		n.must("drbdadm create-md --force " + res)
	}

	// Metadata created, resource down: not running, for a probe and a
	// recurring monitor alike.
	for _, n := range both {
		expectRC(t, n, n.agent("monitor", monitorMs, probe), ocf.NotRunning)
		expectRC(t, n, n.agent("monitor", monitorMs, monitorUnpromoted), ocf.NotRunning)
		expectRC(t, n, n.agent("validate-all", monitorMs), ocf.Success)
	}

	for _, n := range both {
		expectRC(t, n, n.agent("start", startMs), ocf.Success)
	}
	for _, n := range both {
		n.waitState("connected", time.Minute, is("Secondary/Secondary", "Connected", "Inconsistent/Inconsistent"))
		// Both Inconsistent: neither may be promoted.
		expectRC(t, n, n.agent("monitor", monitorMs, monitorUnpromoted), ocf.Success)
		n.expectScore("")
	}
	promoteInconsistent(t, n1)

	// The initial sync, forced from node1 by hand as an administrator does.
	n1.must("drbdadm -- --overwrite-data-of-peer primary " + res)
	n2.waitState("synced", syncTimeout, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))
	expectRC(t, n1, n1.agent("demote", demoteMs), ocf.Success)
	for _, n := range both {
		n.waitState("Secondary, synced", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
		expectRC(t, n, n.agent("monitor", monitorMs, monitorUnpromoted), ocf.Success)
		n.expectScore("10000")
	}

	// Promote one, write; demote it, promote the other, read back.
	expectRC(t, n1, n1.agent("promote", promoteMs), ocf.Success)
	n1.expect("Primary/Secondary", "Connected", "UpToDate/UpToDate")
	expectRC(t, n1, n1.agent("monitor", monitorMs, monitorPromoted), ocf.RunningPromoted)
	n1.expectScore("10000")
	expectRC(t, n2, n2.agent("monitor", monitorMs, monitorUnpromoted), ocf.Success)
	n2.expectScore("10000")
	expectRC(t, n1, n1.agent("promote", promoteMs), ocf.Success) // already Primary
	sum := n1.must("{ echo qvd-ha-agent-test-marker; head -c 1M /dev/urandom; } | head -c 1M >/tmp/data && " +
		"dd if=/tmp/data of=/dev/drbd0 bs=1M oflag=direct status=none && sha256sum </tmp/data")
	expectRC(t, n1, n1.agent("demote", demoteMs), ocf.Success)
	expectRC(t, n1, n1.agent("demote", demoteMs), ocf.Success) // already Secondary
	n2.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	expectRC(t, n2, n2.agent("promote", promoteMs), ocf.Success)
	expectRC(t, n2, n2.agent("monitor", monitorMs, monitorPromoted), ocf.RunningPromoted)
	expectRC(t, n1, n1.agent("monitor", monitorMs, monitorUnpromoted), ocf.Success)
	if got := n2.must("head -c 1M /dev/drbd0 | sha256sum"); got != sum {
		t.Fatalf("data read on node2 %q, written on node1 %q", got, sum)
	}
	if got := n2.must("head -c 24 /dev/drbd0"); got != "qvd-ha-agent-test-marker" {
		t.Fatalf("node2 reads %q at the start of /dev/drbd0, want the marker", got)
	}
	expectRC(t, n2, n2.agent("demote", demoteMs), ocf.Success)

	// Stop both: down, no score; stop again; not running.
	for _, n := range both {
		expectRC(t, n, n.agent("stop", stopMs), ocf.Success)
		n.expectDown()
		n.expectScore("")
		expectRC(t, n, n.agent("stop", stopMs), ocf.Success)
		expectRC(t, n, n.agent("monitor", monitorMs, monitorUnpromoted), ocf.NotRunning)
		expectRC(t, n, n.agent("monitor", monitorMs, probe), ocf.NotRunning)
	}

	agentSplitBrain(t, n1, n2)
	ocfTester(t, n1, n2)
	t.Logf("agent tier took %s (build, boot, sync, lifecycle, split brain, ocf-tester)", time.Since(begin).Round(time.Second))
}

// dumpOnFailure logs what DRBD says on each node when the test failed.
func dumpOnFailure(t *testing.T, nodes []*node) {
	t.Helper()
	if !t.Failed() {
		return
	}
	for _, n := range nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		r, err := n.Run(ctx, "cat /proc/drbd; drbdsetup events2 --now r0; dmesg | grep -i drbd | tail -40")
		cancel()
		t.Logf("%s on failure: %v\n%s%s", n.Name, err, r.Stdout, r.Stderr)
	}
}

// promoteInconsistent promotes n while both disks are Inconsistent: DRBD
// refuses with exit 17, which no retry changes, so the agent must try once
// and fail at once with a reason.
func promoteInconsistent(t *testing.T, n *node) {
	n.must("mv /usr/sbin/drbdadm /usr/sbin/drbdadm.real && rm -f /run/qvd-test/drbdadm.calls")
	if err := n.WriteFile(n.ctx, "/usr/sbin/drbdadm", []byte(countingDrbdadm), 0o755); err != nil {
		t.Fatal(err)
	}
	r := n.agent("promote", promoteMs)
	n.must("mv -f /usr/sbin/drbdadm.real /usr/sbin/drbdadm")
	expectRC(t, n, r, ocf.ErrGeneric, "exit 17")
	calls := n.must("cat /run/qvd-test/drbdadm.calls")
	if got := strings.Count(calls, " primary "+res+"\n"); got != 1 {
		t.Fatalf("%s: the agent ran drbdadm primary %d times, want once; calls:\n%s", n.Name, got, calls)
	}
	if r.elapsed > 15*time.Second {
		t.Fatalf("%s: the refused promote took %s: it must not retry until the %d ms timeout", n.Name, r.elapsed, promoteMs)
	}
	n.expect("Secondary/Secondary", "Connected", "Inconsistent/Inconsistent")
}

// agentSplitBrain makes a split brain on purpose (what resource-level
// fencing exists to prevent), checks that the agent reports it, and
// resolves it by the instructions of the agent's log line.
func agentSplitBrain(t *testing.T, n1, n2 *node) {
	both := []*node{n1, n2}
	for _, n := range both {
		expectRC(t, n, n.agent("start", startMs), ocf.Success)
	}
	for _, n := range both {
		n.waitState("connected", time.Minute, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	}
	for _, n := range both {
		n.must("drbdadm disconnect " + res)
	}
	for _, n := range both {
		n.expect("Secondary/Unknown", "StandAlone", "UpToDate/DUnknown")
		expectRC(t, n, n.agent("promote", promoteMs), ocf.Success)
		n.must(fmt.Sprintf("{ echo written-on-%s; head -c 256K /dev/urandom; } | dd of=/dev/drbd0 bs=64K iflag=fullblock oflag=direct status=none", n.Name))
		// Disconnected by hand, no split brain yet: Primary, not degraded.
		expectRC(t, n, n.agent("monitor", monitorMs, monitorPromoted), ocf.RunningPromoted)
	}
	for _, n := range both {
		n.must("drbdadm connect " + res)
	}
	for _, n := range both {
		n.waitState("split brain", time.Minute, func(s state) bool {
			return s.cstate == "StandAlone" && strings.Contains(n.must("dmesg"), "Split-Brain detected")
		})
	}
	var howto string
	for _, n := range both {
		r := n.agent("monitor", monitorMs, monitorPromoted)
		expectRC(t, n, r, ocf.DegradedPromoted, "split brain", "--discard-my-data")
		howto = logLine(t, n, r, "ERROR: DRBD split brain on "+res)
		for _, step := range []string{"drbdadm secondary " + res, "drbdadm connect --discard-my-data " + res, "drbdadm connect " + res + "'"} {
			if !strings.Contains(howto, step) {
				t.Fatalf("%s: the split brain log line does not say %q: %s", n.Name, step, howto)
			}
		}
		n.expectScore("10000") // a Primary keeps serving
	}
	// node2 is the one whose changes are thrown away: as a Secondary it
	// must lose its score.
	expectRC(t, n2, n2.agent("demote", demoteMs), ocf.Success)
	r := n2.agent("monitor", monitorMs, monitorUnpromoted)
	expectRC(t, n2, r, ocf.Degraded, "split brain", "--discard-my-data", "not promoted")
	n2.expectScore("")
	t.Logf("split brain log line: %s", howto)

	// Resolve it as the log line says.
	n2.must("drbdadm secondary " + res + " && drbdadm connect --discard-my-data " + res)
	n1.must("drbdadm connect " + res)
	n2.waitState("resolved", syncTimeout, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))
	expectRC(t, n1, n1.agent("monitor", monitorMs, monitorPromoted), ocf.RunningPromoted)
	expectRC(t, n2, n2.agent("monitor", monitorMs, monitorUnpromoted), ocf.Success)
	n2.expectScore("10000")
	// node2 now holds node1's data, not its own.
	expectRC(t, n1, n1.agent("demote", demoteMs), ocf.Success)
	n2.waitState("peer Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	expectRC(t, n2, n2.agent("promote", promoteMs), ocf.Success)
	if got := n2.must("head -c 16 /dev/drbd0"); got != "written-on-node1" {
		t.Fatalf("node2 reads %q after resolving the split brain, want node1's %q", got, "written-on-node1")
	}
	expectRC(t, n2, n2.agent("demote", demoteMs), ocf.Success)
}

// logLine returns the stderr line of r that contains want.
func logLine(t *testing.T, n *node, r agentResult, want string) string {
	t.Helper()
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.Contains(l, want) {
			return l
		}
	}
	t.Fatalf("%s: %s: no log line with %q in stderr:\n%s", n.Name, r.action, want, r.stderr)
	return ""
}

// ocfTesterFiles are what ocf-tester needs from resource-agents and
// libxml2-utils, which the guest image lacks; the host is Debian 12 like
// the guests, so its files run there.
var ocfTesterFiles = []struct {
	path string
	mode os.FileMode
}{
	{"/usr/sbin/ocf-tester", 0o755},
	{"/usr/share/resource-agents/ra-api-1.dtd", 0o644},
	{"/usr/bin/xmllint", 0o755},
	{"/usr/lib/x86_64-linux-gnu/libxml2.so.2", 0o644},
}

// ocfTester runs resource-agents' ocf-tester against the agent on n1,
// whose peer n2 is up, with the clone meta of a promotable clone.
func ocfTester(t *testing.T, n1, n2 *node) {
	n1.must("mkdir -p /usr/share/resource-agents")
	for _, f := range ocfTesterFiles {
		file, err := filepath.EvalSymlinks(f.path)
		if err != nil {
			t.Fatalf("ocf-tester needs %s on the host (resource-agents, libxml2-utils): %v", f.path, err)
		}
		if err := n1.CopyIn(n1.ctx, file, f.path, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	n1.must("xmllint --version")
	// The peer must be a connected Secondary for ocf-tester's promotions.
	n2.waitState("Secondary/Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))
	ctx, cancel := context.WithTimeout(n1.ctx, 5*time.Minute)
	defer cancel()
	begin := time.Now()
	out, err := n1.OCFTester(ctx, "p_drbd", agentPath, "drbd_resource="+res,
		"CRM_meta_clone_max=2", "CRM_meta_clone_node_max=1", "CRM_meta_promoted_max=1", "CRM_meta_notify=true")
	t.Logf("ocf-tester took %s:\n%s", time.Since(begin).Round(time.Second), out)
	if err != nil {
		t.Fatal(err)
	}
	// ocf-tester leaves the resource stopped; the peer keeps running.
	n1.expectDown()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal(ctx.Err())
	}
}
