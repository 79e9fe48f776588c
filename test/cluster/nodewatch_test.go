//go:build root

package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

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
