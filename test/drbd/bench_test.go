//go:build root

package drbd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// linbitAgent is ocf:linbit:drbd, shipped by drbd-utils in the guests.
const linbitAgent = "/usr/lib/ocf/resource.d/linbit/drbd"

// fakeCrmMaster stands in for Pacemaker's crm_master, which ocf:linbit:drbd
// calls (-G to read its score, -v to set, -D to delete), so that both agents
// pay for one small script per score update.
const fakeCrmMaster = `#!/bin/sh
# Fake crm_master (test/drbd): the promotion score in /run/qvd-test/linbit-score.
f=/run/qvd-test/linbit-score
for a; do
	case $a in
	-G) cat $f 2>/dev/null; exit 0 ;;
	-D) rm -f $f; exit 0 ;;
	esac
done
while [ $# -gt 0 ]; do
	if [ "$1" = -v ]; then printf '%s\n' "$2" >$f; exit 0; fi
	shift
done
echo "crm_master (fake): unsupported arguments" >&2
exit 64
`

// monitorEnv is what Pacemaker passes a recurring monitor of the Unpromoted
// role of a promotable clone; both agents get the same.
var monitorEnv = []string{
	"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=p_drbd:0", "OCF_RESKEY_drbd_resource=" + res,
	"OCF_RESKEY_CRM_meta_timeout=20000", "OCF_RESKEY_CRM_meta_interval=20000",
	"OCF_RESKEY_CRM_meta_clone_max=2", "OCF_RESKEY_CRM_meta_clone_node_max=1",
	"OCF_RESKEY_CRM_meta_promoted_max=1", "OCF_RESKEY_CRM_meta_master_max=1",
	"OCF_RESKEY_CRM_meta_promoted_node_max=1", "OCF_RESKEY_CRM_meta_master_node_max=1",
	"OCF_RESKEY_CRM_meta_notify=true",
}

// guestCost is a loop of calls timed inside the guest by bash's time,
// which counts the children's CPU.
type guestCost struct{ wall, cpu time.Duration }

// timeMonitor runs agent's monitor calls times on n and returns the cost
// per call; every call must return 0 (a connected, UpToDate Secondary).
func timeMonitor(b *testing.B, n *node, agent string, calls int) guestCost {
	b.Helper()
	script := fmt.Sprintf(`TIMEFORMAT='%%3R %%3U %%3S'
bad=0
{ time (for i in $(seq %d); do env %s %s monitor >/dev/null 2>&1 || exit 1; done) ; } 2>/run/qvd-test/time || bad=1
[ $bad = 0 ] || { echo "a monitor call did not return 0" >&2; exit 1; }
cat /run/qvd-test/time`, calls, strings.Join(monitorEnv, " "), agent)
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Minute)
	defer cancel()
	out, err := n.Output(ctx, script)
	if err != nil {
		b.Fatalf("%s: %v", agent, err)
	}
	f := strings.Fields(out)
	if len(f) != 3 {
		b.Fatalf("%s: bash time printed %q", agent, out)
	}
	var secs [3]float64
	for i, s := range f {
		if secs[i], err = strconv.ParseFloat(s, 64); err != nil {
			b.Fatalf("%s: bash time printed %q", agent, out)
		}
	}
	per := func(s float64) time.Duration { return time.Duration(s * float64(time.Second) / float64(calls)) }
	return guestCost{wall: per(secs[0]), cpu: per(secs[1] + secs[2])}
}

// BenchmarkMonitorInGuest compares the monitor of ocf:qvd:drbd with
// ocf:linbit:drbd's on the same resource (node1, Secondary, connected,
// UpToDate), wall and CPU (user+sys, the agent and all it runs) per call,
// measured inside the guest. Booting the pair takes minutes: run it once,
// `go test -run '^$' -bench . ./test/drbd` (b.N above 20 sets the calls).
func BenchmarkMonitorInGuest(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin := buildAgent(b)
	n1, n2 := startPair(b, ctx, "40M")
	for _, n := range []*node{n1, n2} {
		n.installAgent(bin)
		n.must("drbdadm create-md --force " + res + " && drbdadm up " + res)
	}
	// ocf:linbit:drbd needs resource-agents' shell library, which the
	// image lacks; the host is Debian 12 like the guests.
	lib := "/usr/lib/ocf/lib/heartbeat"
	entries, err := os.ReadDir(lib)
	if err != nil {
		b.Fatalf("ocf:linbit:drbd needs resource-agents' %s on the host: %v", lib, err)
	}
	n1.must("mkdir -p " + lib)
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := n1.CopyIn(ctx, filepath.Join(lib, e.Name()), filepath.Join(lib, e.Name()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := n1.WriteFile(ctx, "/usr/sbin/crm_master", []byte(fakeCrmMaster), 0o755); err != nil {
		b.Fatal(err)
	}
	n1.waitState("connected", time.Minute, is("Secondary/Secondary", "Connected", "Inconsistent/Inconsistent"))
	n1.must("drbdadm -- --overwrite-data-of-peer primary " + res)
	n2.waitState("synced", syncTimeout, is("Secondary/Primary", "Connected", "UpToDate/UpToDate"))
	n1.must("drbdadm secondary " + res)
	n1.waitState("Secondary", 30*time.Second, is("Secondary/Secondary", "Connected", "UpToDate/UpToDate"))

	// Both agents answer 0 and set the same score before being timed.
	env := strings.Join(monitorEnv, " ")
	for _, a := range []struct{ path, score string }{{agentPath, scoreFile}, {linbitAgent, "/run/qvd-test/linbit-score"}} {
		r, err := n1.Run(ctx, "env "+env+" "+a.path+" monitor")
		if err != nil {
			b.Fatal(err)
		}
		if ocf.RC(r.ExitCode) != ocf.Success {
			b.Fatalf("%s monitor: rc %d, want 0\n%s", a.path, r.ExitCode, r.Stderr)
		}
		if got := strings.TrimSpace(n1.must("cat " + a.score)); got != "10000" {
			b.Fatalf("%s monitor: score %q, want 10000", a.path, got)
		}
	}

	calls := max(b.N, 20)
	b.ResetTimer()
	qvd := timeMonitor(b, n1, agentPath, calls)
	linbit := timeMonitor(b, n1, linbitAgent, calls)
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(qvd.wall), "qvd-wall-ms/call")
	b.ReportMetric(ms(qvd.cpu), "qvd-cpu-ms/call")
	b.ReportMetric(ms(linbit.wall), "linbit-wall-ms/call")
	b.ReportMetric(ms(linbit.cpu), "linbit-cpu-ms/call")
	b.ReportMetric(ms(linbit.wall)/ms(qvd.wall), "wall-ratio(linbit/qvd)")
	b.ReportMetric(ms(linbit.cpu)/ms(qvd.cpu), "cpu-ratio(linbit/qvd)")
	b.Logf("monitor per call in the guest over %d calls: ocf:qvd:drbd wall %s cpu %s; ocf:linbit:drbd wall %s cpu %s; linbit/qvd wall x%.1f, cpu x%.1f",
		calls, qvd.wall.Round(time.Millisecond), qvd.cpu.Round(time.Millisecond), linbit.wall.Round(time.Millisecond),
		linbit.cpu.Round(time.Millisecond), ms(linbit.wall)/ms(qvd.wall), ms(linbit.cpu)/ms(qvd.cpu))
}
