package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

// logOrigin is the origin of the synthetic logs below; atMs(ms) is logOrigin + ms.
var logOrigin = time.Unix(1_700_000_000, 0)

func atMs(ms int) time.Time { return logOrigin.Add(time.Duration(ms) * time.Millisecond) }

// synthLog writes a log from "<ms> <rest>" lines.
func synthLog(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		ms, rest, _ := strings.Cut(l, " ")
		n, err := strconv.Atoi(ms)
		if err != nil {
			panic(l)
		}
		fmt.Fprintf(&b, "%d %s\n", atMs(n).UnixNano(), rest)
	}
	return b.String()
}

// span is an expected interval: kind, key, start and end in ms (-1: open).
type span struct {
	kind, key  string
	start, end int
}

func spans(ivs []Interval) []span {
	var got []span
	for _, iv := range ivs {
		end := -1
		if !iv.End.IsZero() {
			end = int(iv.End.Sub(logOrigin) / time.Millisecond)
		}
		got = append(got, span{iv.Kind, iv.Key, int(iv.Start.Sub(logOrigin) / time.Millisecond), end})
	}
	return got
}

func TestIntervals(t *testing.T) {
	cases := []struct {
		name  string
		log   string
		kills []int
		want  []span
		err   string
	}{{
		name: "up and down, open at the end",
		log: synthLog("0 start pid 7 mountpoint /pg",
			"0 up ip:127.0.0.1 lo 127.0.0.1/8",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"20 up mount 41 /dev/loop0 xfs",
			"25 up postmaster 9",
			"30 down postmaster 9",
			"40 down ip:192.0.2.10 eth0 192.0.2.10/24",
			"50 up ip:192.0.2.10 eth0 192.0.2.10/24"),
		want: []span{{"ip:127.0.0.1", "lo", 0, -1}, {"ip:192.0.2.10", "eth0", 10, 40}, {"mount", "41", 20, -1},
			{"postmaster", "9", 25, 30}, {"ip:192.0.2.10", "eth0", 50, -1}},
	}, {
		name: "a kill ends everything open",
		log: synthLog("0 start",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"20 up mount 41 /dev/loop0 xfs",
			"30 up postmaster 9",
			"35 down mount 41 /dev/loop0 xfs"),
		kills: []int{100},
		want:  []span{{"ip:192.0.2.10", "eth0", 10, 100}, {"mount", "41", 20, 35}, {"postmaster", "9", 30, 100}},
	}, {
		name: "reboot: the kill before the new start ends the old run",
		log: synthLog("0 start",
			"10 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"30 up postmaster 9",
			"500 start",
			"500 up ip:192.0.2.10 eth0 192.0.2.10/24",
			"600 up postmaster 9"),
		kills: []int{100},
		want: []span{{"ip:192.0.2.10", "eth0", 10, 100}, {"postmaster", "9", 30, 100},
			{"ip:192.0.2.10", "eth0", 500, -1}, {"postmaster", "9", 600, -1}},
	}, {
		name: "two reboots, each run ended by its own kill",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start",
			"600 up postmaster 12",
			"900 start"),
		kills: []int{700, 100, 1000},
		want:  []span{{"postmaster", "9", 30, 100}, {"postmaster", "12", 600, 700}},
	}, {
		name: "restart without a known kill ends the old run at the new start",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start"),
		kills: []int{800},
		want:  []span{{"postmaster", "9", 30, 500}},
	}, {
		name: "a kill while the node is down ends nothing of the next run",
		log: synthLog("0 start",
			"30 up postmaster 9",
			"500 start",
			"600 up postmaster 12"),
		kills: []int{100, 200},
		want:  []span{{"postmaster", "9", 30, 100}, {"postmaster", "12", 600, -1}},
	}, {
		name: "the recorder failed",
		log:  synthLog("0 start", "10 up mount 41 /dev/loop0 xfs", "20 error poll mountinfo: EBADF"),
		err:  "recorder failed",
	}, {
		name: "up twice",
		log:  synthLog("0 start", "10 up postmaster 9", "20 up postmaster 9"),
		err:  "already up",
	}, {
		name: "down without up",
		log:  synthLog("0 start", "10 down postmaster 9"),
		err:  "without being up",
	}, {
		name: "event before the start line",
		log:  synthLog("10 up postmaster 9", "20 start"),
		err:  "before the recorder's start",
	}, {
		name:  "event after the kill",
		log:   synthLog("0 start", "10 up postmaster 9", "150 down postmaster 9"),
		kills: []int{100},
		err:   "after the node was killed",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, err := ParseEvents(strings.NewReader(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			var kills []time.Time
			for _, k := range tc.kills {
				kills = append(kills, atMs(k))
			}
			ivs, err := Intervals("qvddb1", events, kills)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := spans(ivs); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("intervals\n got %v\nwant %v", got, tc.want)
			}
			for _, iv := range ivs {
				if iv.Node != "qvddb1" {
					t.Errorf("%v: node %q", iv, iv.Node)
				}
			}
		})
	}
}

func TestParseEventsRejects(t *testing.T) {
	for _, line := range []string{
		"x start",
		"1700000000000000000 moved ip:192.0.2.10 eth0",
		"1700000000000000000 up ip:192.0.2.10",
		"1700000000000000000 down",
	} {
		if _, err := ParseEvents(strings.NewReader(line + "\n")); err == nil {
			t.Errorf("%q parsed", line)
		}
	}
}

func TestOverlaps(t *testing.T) {
	iv := func(node, kind string, start, end int) Interval {
		i := Interval{Node: node, Kind: kind, Key: "k", Start: atMs(start)}
		if end >= 0 {
			i.End = atMs(end)
		}
		return i
	}
	cases := []struct {
		name string
		ivs  []Interval
		want []string // patterns, one per overlap, in order
	}{{
		name: "hand-over: one ends as the other starts",
		ivs:  []Interval{iv("qvddb1", "ip:192.0.2.10", 0, 100), iv("qvddb2", "ip:192.0.2.10", 100, -1)},
	}, {
		name: "hand-over with a gap",
		ivs: []Interval{iv("qvddb1", "mount", 0, 100), iv("qvddb2", "mount", 300, 400),
			iv("qvddb1", "mount", 500, -1)},
	}, {
		name: "the address on both nodes",
		ivs:  []Interval{iv("qvddb2", "ip:192.0.2.10", 50, 300), iv("qvddb1", "ip:192.0.2.10", 0, 100)},
		want: []string{`^ip:192\.0\.2\.10 k on qvddb1 from [0-9:.]+ to [0-9:.]+ overlaps ip:192\.0\.2\.10 k on qvddb2 from [0-9:.]+ to [0-9:.]+ by 50ms$`},
	}, {
		name: "one inside the other",
		ivs:  []Interval{iv("qvddb1", "postmaster", 0, -1), iv("qvddb2", "postmaster", 200, 250)},
		want: []string{"by 50ms"},
	}, {
		name: "both still active",
		ivs:  []Interval{iv("qvddb1", "mount", 0, -1), iv("qvddb2", "mount", 200, -1)},
		want: []string{"both still active"},
	}, {
		name: "several, sorted by kind",
		ivs: []Interval{iv("qvddb1", "postmaster", 0, 100), iv("qvddb2", "postmaster", 90, 200),
			iv("qvddb1", "mount", 0, 100), iv("qvddb2", "mount", 90, 200)},
		want: []string{"mount", "postmaster"},
	}, {
		name: "on the same node",
		ivs:  []Interval{iv("qvddb1", "postmaster", 0, 100), iv("qvddb1", "postmaster", 50, 200)},
	}, {
		name: "different kinds",
		ivs:  []Interval{iv("qvddb1", "mount", 0, 100), iv("qvddb2", "postmaster", 50, 200)},
	}, {
		name: "node-local addresses",
		ivs: []Interval{iv("qvddb1", "ip:127.0.0.1", 0, -1), iv("qvddb2", "ip:127.0.0.1", 0, -1),
			iv("qvddb1", "ip:::1", 0, -1), iv("qvddb2", "ip:::1", 0, -1),
			iv("qvddb1", "ip:fe80::1", 0, -1), iv("qvddb2", "ip:fe80::1", 0, -1)},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Overlaps(tc.ivs)
			if len(got) != len(tc.want) {
				t.Fatalf("overlaps %q, want %d", got, len(tc.want))
			}
			for i := range got {
				if !regexp.MustCompile(tc.want[i]).MatchString(got[i]) {
					t.Errorf("overlap %q does not match %q", got[i], tc.want[i])
				}
			}
		})
	}
}

// watchedNode stands in for a cluster node the way node-init makes one: a
// shell as PID 1 of fresh mount and PID namespaces inside a named network
// namespace, reaping orphans, with the recorder started first.
type watchedNode struct {
	t          *testing.T
	netns      string
	bin        string
	log        string
	mountpoint string
	init       int // host pid of the node's PID 1
	exited     chan struct{}
}

// boot starts the node and returns the recorder's start line.
func (n *watchedNode) boot(ctx context.Context) Event {
	n.t.Helper()
	booted := time.Now()
	script := fmt.Sprintf(`%s --log %s --mountpoint %s 2>>%s.stderr &
while true; do wait || true; sleep 1; done`, n.bin, n.log, n.mountpoint, n.log)
	cmd := exec.Command("ip", "netns", "exec", n.netns,
		"unshare", "--mount", "--pid", "--fork", "--mount-proc", "bash", "-c", script)
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.exited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	// ip execs unshare, whose only child is the node's PID 1.
	children := fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid)
	for {
		raw, _ := os.ReadFile(children)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil {
			n.init = pid
			break
		}
		select {
		case <-ctx.Done():
			n.t.Fatal("the node's PID 1 never appeared")
		case <-n.exited:
			n.t.Fatal("the node's namespaces could not be created")
		case <-time.After(5 * time.Millisecond):
		}
	}
	e, err := WaitForEvent(ctx, n.log, func(e Event) bool { return e.Op == OpStart && e.Time.After(booted) })
	if err != nil {
		stderr, _ := os.ReadFile(n.log + ".stderr")
		n.t.Fatalf("recorder: %v\n%s", err, stderr)
	}
	return e
}

// kill ends the node and returns when all its processes are gone: PID 1's
// exit waits for the rest of its PID namespace, and unshare for PID 1.
func (n *watchedNode) kill(ctx context.Context) time.Time {
	n.t.Helper()
	if err := syscall.Kill(n.init, syscall.SIGKILL); err != nil {
		n.t.Fatal(err)
	}
	select {
	case <-n.exited:
	case <-ctx.Done():
		n.t.Fatal("the node survived SIGKILL of its PID 1")
	}
	n.init = 0
	return time.Now()
}

// run runs a command inside the node.
func (n *watchedNode) run(ctx context.Context, args ...string) {
	n.t.Helper()
	full := append([]string{"-t", strconv.Itoa(n.init), "-m", "-n", "-p", "--"}, args...)
	if out, err := exec.CommandContext(ctx, "nsenter", full...).CombinedOutput(); err != nil {
		n.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// expect acts, then waits for the event it must cause and checks that the
// event is stamped between the action's start, less slack, and its
// sighting.
func (n *watchedNode) expect(ctx context.Context, op, kind, key string, slack time.Duration, act func()) Event {
	n.t.Helper()
	before := time.Now()
	act()
	e, err := WaitForEvent(ctx, n.log, func(e Event) bool {
		return e.Op == op && e.Kind == kind && (key == "" || e.Key == key) && !e.Time.Before(before.Add(-slack))
	})
	if err != nil {
		n.t.Fatalf("%s %s %s: %v", op, kind, key, err)
	}
	if seen := time.Now(); e.Time.After(seen) {
		n.t.Fatalf("%s %s %s stamped %s, after it was read at %s", op, kind, key, e.Time, seen)
	}
	return e
}

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it creates namespaces and runs PostgreSQL as postgres")
	}
}

// newNetns creates a named network namespace with loopback up, deleted in
// t.Cleanup.
func newNetns(t testing.TB, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s%d", prefix, os.Getpid())
	if err := ip("netns", "add", name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ip("netns", "del", name); err != nil {
			t.Error(err)
		}
	})
	if err := ip("-n", name, "link", "set", "lo", "up"); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestNodeWatch runs the recorder in a node-shaped set of namespaces,
// changes each kind of resource in it, kills and reboots the node, and
// checks the intervals read back.
func TestNodeWatch(t *testing.T) {
	requireRoot(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nodewatch")
	if err := gobuild.Static(ctx, gobuild.Module+"/test/cluster/nodewatch", bin); err != nil {
		t.Fatal(err)
	}
	pg := pgtest.New(t)
	n := &watchedNode{t: t, netns: newNetns(t, "qvdwatch"), bin: bin,
		log: filepath.Join(dir, "events.log"), mountpoint: filepath.Join(dir, "pgsql")}
	if err := os.Mkdir(n.mountpoint, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := ip("-n", n.netns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.init != 0 {
			n.kill(context.Background())
		}
	})
	n.boot(ctx)

	addr := func(op string) func() {
		return func() {
			if err := ip("-n", n.netns, "addr", op, "192.0.2.10/24", "dev", "eth0"); err != nil {
				t.Fatal(err)
			}
		}
	}
	const ipKind = "ip:192.0.2.10"
	ipUp1 := n.expect(ctx, OpUp, ipKind, "eth0", 0, addr("add"))
	ipDown1 := n.expect(ctx, OpDown, ipKind, "eth0", 0, addr("del"))
	ipUp2 := n.expect(ctx, OpUp, ipKind, "eth0", 0, addr("add"))

	// Mounts elsewhere are not recorded: this one would show as an extra
	// interval below.
	elsewhere := filepath.Join(dir, "elsewhere")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	n.run(ctx, "mount", "-t", "tmpfs", "tmpfs", elsewhere)
	mount := func() { n.run(ctx, "mount", "-t", "tmpfs", "tmpfs", n.mountpoint) }
	umount := func() { n.run(ctx, "umount", n.mountpoint) }
	mUp1 := n.expect(ctx, OpUp, "mount", "", 0, mount)
	mDown1 := n.expect(ctx, OpDown, "mount", mUp1.Key, 0, umount)
	mUp2 := n.expect(ctx, OpUp, "mount", "", 0, mount)

	// PostgreSQL runs inside the node, so pg_ctl and kill see its pid as
	// the recorder does. The recorder stamps a postmaster's start with the
	// kernel's start time of the process, rounded down to 10 ms; two ticks
	// leave room for converting it to wall-clock time.
	pgCtl := func(args ...string) func() {
		return func() {
			n.run(ctx, append([]string{"runuser", "-u", "postgres", "--",
				filepath.Join(pgtest.BinDir, "pg_ctl"), "-D", pg.Data, "-l", pg.Log, "-w"}, args...)...)
		}
	}
	const tick = 20 * time.Millisecond
	pmUp1 := n.expect(ctx, OpUp, "postmaster", "", tick, pgCtl("start"))
	if pid := strconv.Itoa(pg.PostmasterPID()); pmUp1.Key != pid {
		t.Fatalf("postmaster %s recorded, postmaster.pid says %s", pmUp1.Key, pid)
	}
	pmDown1 := n.expect(ctx, OpDown, "postmaster", pmUp1.Key, 0, pgCtl("stop", "-m", "fast"))
	pmUp2 := n.expect(ctx, OpUp, "postmaster", "", tick, pgCtl("start"))
	// SIGKILL orphans the postmaster's children for a moment: they must
	// not pass for postmasters.
	pmDown2 := n.expect(ctx, OpDown, "postmaster", pmUp2.Key, 0, func() { n.run(ctx, "kill", "-KILL", pmUp2.Key) })
	for len(pg.Processes()) > 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("PostgreSQL processes %v survive the postmaster", pg.Processes())
		case <-time.After(20 * time.Millisecond):
		}
	}
	pmUp3 := n.expect(ctx, OpUp, "postmaster", "", tick, pgCtl("start"))

	killed1 := n.kill(ctx)
	if procs := pg.Processes(); len(procs) > 0 {
		t.Fatalf("PostgreSQL processes %v survive the node", procs)
	}
	// The network namespace outlives the node, and so does its address:
	// the next run records it as active from its start.
	reboot := n.boot(ctx).Time
	killed2 := n.kill(ctx)

	ivs, err := NodeIntervals("qvddb1", n.log, []time.Time{killed2, killed1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Interval{
		{Kind: ipKind, Key: "eth0", Start: ipUp1.Time, End: ipDown1.Time},
		{Kind: ipKind, Key: "eth0", Start: ipUp2.Time, End: killed1},
		{Kind: "mount", Key: mUp1.Key, Start: mUp1.Time, End: mDown1.Time},
		{Kind: "mount", Key: mUp2.Key, Start: mUp2.Time, End: killed1},
		{Kind: "postmaster", Key: pmUp1.Key, Start: pmUp1.Time, End: pmDown1.Time},
		{Kind: "postmaster", Key: pmUp2.Key, Start: pmUp2.Time, End: pmDown2.Time},
		{Kind: "postmaster", Key: pmUp3.Key, Start: pmUp3.Time, End: killed1},
		{Kind: ipKind, Key: "eth0", Start: reboot, End: killed2},
	}
	var got []Interval
	for _, iv := range ivs {
		if !nodeLocal(iv.Kind) {
			got = append(got, iv)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("intervals:\n%s\nwant %d", intervalList(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.Kind || g.Key != w.Key || !g.Start.Equal(w.Start) || !g.End.Equal(w.End) {
			t.Errorf("interval %d: %v, want %v", i, g, w)
		}
	}
	// Loopback was up before the recorder started, in both runs.
	var loopback int
	for _, iv := range ivs {
		if iv.Kind == "ip:127.0.0.1" {
			loopback++
		}
	}
	if loopback != 2 {
		t.Errorf("127.0.0.1 in %d intervals, want one per run:\n%s", loopback, intervalList(ivs))
	}
	if o := Overlaps(ivs); len(o) != 0 {
		t.Errorf("one node overlapping itself: %q", o)
	}
	t.Logf("recorder checked in %s", time.Since(start).Round(time.Millisecond))
}

func intervalList(ivs []Interval) string {
	var b strings.Builder
	for _, iv := range ivs {
		fmt.Fprintln(&b, iv)
	}
	return b.String()
}
