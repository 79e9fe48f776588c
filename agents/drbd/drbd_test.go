package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	"github.com/qvd-ha/qvd-ha/internal/drbdstate"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// fakeDRBD stands in for the kernel module and drbd-utils of one node:
// commands change its state and drbdsetup events2 renders it in the format
// captured from DRBD 8.4 in internal/drbdstate/testdata/drbd84. It is a
// test double; the captured outputs themselves are scored in
// TestCapturedStates.
type fakeDRBD struct {
	t          testing.TB
	dir        string
	up         bool
	role       string
	peerRole   string
	conn       string
	disk       string
	peerDisk   string
	primaryErr *runner.ExitError // what drbdadm primary fails with, once per entry
	failures   int
	calls      []string
	env        map[string][]string // the extra environment of each call, by call
	score      string              // the promotion score crm_attribute holds; "" = none
	// locateCIB, when set, is the CIB file the real crm_resource
	// --locate reads.
	locateCIB string
	attrFails bool // crm_attribute fails
	// module is /proc/drbd while the module is loaded, "" when it is
	// not; modprobe loads available.
	module, available string
}

func newFake(t testing.TB) *fakeDRBD {
	t.Helper()
	const drbd84 = "version: 8.4.11 (api:1/proto:86-101)\n"
	f := &fakeDRBD{t: t, dir: t.TempDir(), role: "Secondary", peerRole: "Secondary", conn: "Connected", disk: "UpToDate", peerDisk: "UpToDate",
		module: drbd84, available: drbd84}
	for _, name := range []string{"drbdadm", "drbd.conf"} {
		if err := os.WriteFile(filepath.Join(f.dir, name), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := system
	system = host{drbdadm: filepath.Join(f.dir, "drbdadm"), drbdsetup: "drbdsetup", modprobe: "modprobe",
		procDRBD: filepath.Join(f.dir, "proc-drbd"), kmsg: filepath.Join(f.dir, "kmsg"),
		proc: filepath.Join(f.dir, "proc"), cacheDir: filepath.Join(f.dir, "run")}
	t.Cleanup(func() { system = old })
	f.env = map[string][]string{}
	f.attrd(4242, 1000)
	f.kernelLog()
	f.render()
	return f
}

// attrd makes pacemaker-attrd run as pid, started at start (clock ticks);
// pid 0 stops it.
func (f *fakeDRBD) attrd(pid, start int) {
	f.t.Helper()
	if err := os.RemoveAll(system.proc); err != nil {
		f.t.Fatal(err)
	}
	stats := map[int]string{1: "1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0"}
	if pid > 0 {
		stats[pid] = fmt.Sprintf("%d (pacemaker-attrd) S 900 900 900 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0", pid, start)
	}
	for p, stat := range stats {
		dir := filepath.Join(system.proc, fmt.Sprint(p))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat+"\n"), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
}

// render writes /proc/drbd, whose existence says the module is loaded.
func (f *fakeDRBD) render() {
	if f.module == "" {
		if err := os.Remove(system.procDRBD); err != nil && !os.IsNotExist(err) {
			f.t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(system.procDRBD, []byte(f.module), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeDRBD) events2() string {
	if !f.up {
		return "exists -\n"
	}
	repl := "Off"
	if f.conn == "Connected" {
		repl = "Established"
	}
	return fmt.Sprintf("exists resource name:r0 role:%s suspended:no\n"+
		"exists connection name:r0 peer-node-id:0 conn-name:peer connection:%s role:%s\n"+
		"exists device name:r0 volume:0 minor:0 disk:%s\n"+
		"exists peer-device name:r0 peer-node-id:0 conn-name:peer volume:0 replication:%s peer-disk:%s resync-suspended:no\n"+
		"exists -\n", f.role, f.conn, f.peerRole, f.disk, repl, f.peerDisk)
}

// kernelLog writes kmsg records ("prio,seq,usec,flags;message").
func (f *fakeDRBD) kernelLog(msgs ...string) {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "6,%d,%d,-;%s\n", i, i*1000, m)
	}
	if err := os.WriteFile(system.kmsg, []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeDRBD) Run(_ context.Context, c runner.Cmd) (runner.Result, error) {
	call := filepath.Base(c.Path) + " " + strings.Join(c.Args, " ")
	f.calls = append(f.calls, call)
	f.env[call] = c.Env
	defer f.render()
	switch {
	case strings.HasSuffix(c.Path, "crm_attribute"):
		if f.attrFails {
			return runner.Result{ExitCode: 1}, &runner.ExitError{Cmd: "crm_attribute", Code: 1, Stderr: "Could not connect to attrd"}
		}
		if c.Args[1] == "-D" {
			f.score = ""
		} else {
			f.score = c.Args[2]
		}
		return runner.Result{}, nil
	case c.Path == system.modprobe:
		f.module = f.available
		return runner.Result{}, nil
	case c.Path == pcmk.CrmResource:
		cmd := exec.Command("crm_resource", c.Args...)
		cmd.Env = append(os.Environ(), "CIB_file="+f.locateCIB)
		out, err := cmd.Output()
		if err != nil {
			return runner.Result{}, fmt.Errorf("crm_resource %v: %w", c.Args, err)
		}
		return runner.Result{Stdout: out}, nil
	case c.Path == system.drbdadm:
		verb := c.Args[2]
		switch verb {
		case "sh-minor":
			return runner.Result{Stdout: []byte("0\n")}, nil
		case "up":
			f.up = true
		case "down":
			f.up, f.role = false, "Secondary"
		case "primary":
			if f.failures > 0 {
				f.failures--
				return runner.Result{ExitCode: f.primaryErr.Code}, f.primaryErr
			}
			f.role = "Primary"
		case "secondary":
			f.role = "Secondary"
		case "adjust", "disconnect", "outdate", "unfence-peer":
		default:
			f.t.Fatalf("unexpected drbdadm %s", verb)
		}
		return runner.Result{}, nil
	}
	if c.Path == system.drbdsetup && len(c.Args) == 3 && c.Args[0] == "events2" {
		return runner.Result{Stdout: []byte(f.events2())}, nil
	}
	f.t.Fatalf("unexpected command %s", call)
	return runner.Result{}, nil
}

func (f *fakeDRBD) ran(prefix string) int {
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

type outcome struct {
	rc     ocf.RC
	stderr string
}

func (o outcome) reason() string { return ocftest.ExitReason(o.stderr) }

func TestMetadata(t *testing.T) {
	var md bytes.Buffer
	d := ocf.Dispatcher{Stdout: &md, Stderr: &bytes.Buffer{}}
	if rc := d.Run(&agent, []string{"drbd", "meta-data"}); rc != ocf.Success {
		t.Fatalf("meta-data: rc %v", rc)
	}
	ocftest.ValidateMetadata(t, md.Bytes())
}

var cloneMeta = []string{"clone_max=2", "clone_node_max=1", "promoted_max=1", "notify=true"}

// call runs an action in-process, as Pacemaker would run the binary.
func (f *fakeDRBD) call(action string, env ...string) outcome {
	f.t.Helper()
	full := []string{"OCF_RESOURCE_INSTANCE=p_drbd:0", "OCF_RESKEY_drbd_resource=r0",
		"OCF_RESKEY_drbdconf=" + filepath.Join(f.dir, "drbd.conf"), "OCF_RESKEY_CRM_meta_timeout=10000"}
	for _, m := range cloneMeta {
		full = append(full, "OCF_RESKEY_CRM_meta_"+m)
	}
	for _, e := range env {
		if strings.HasPrefix(e, "OCF_") || strings.HasPrefix(e, "HA_") {
			full = append(full, e)
		} else {
			full = append(full, "OCF_RESKEY_"+e)
		}
	}
	var stdout, stderr bytes.Buffer
	d := ocf.Dispatcher{Env: full, Stdout: &stdout, Stderr: &stderr, Runner: f, Pid: 1}
	rc := d.Run(&agent, []string{"drbd", action})
	return outcome{rc: rc, stderr: stderr.String()}
}

func expectRC(t *testing.T, o outcome, rc ocf.RC, reason string) {
	t.Helper()
	if o.rc != rc {
		t.Fatalf("rc = %v, want %v\n%s", o.rc, rc, o.stderr)
	}
	if !strings.Contains(o.reason(), reason) {
		t.Fatalf("reason %q does not contain %q", o.reason(), reason)
	}
}

func TestLifecycle(t *testing.T) {
	f := newFake(t)
	probe := "CRM_meta_interval=0"
	expectRC(t, f.call("monitor", probe), ocf.NotRunning, "")
	expectRC(t, f.call("start"), ocf.Success, "")
	if f.role != "Secondary" || f.score != "10000" {
		t.Fatalf("after start: role %s, score %q; want Secondary, 10000", f.role, f.score)
	}
	expectRC(t, f.call("start"), ocf.Success, "")
	if n := f.ran("drbdadm -c"); n == 0 || f.ran("drbdadm -c "+filepath.Join(f.dir, "drbd.conf")+" up") != 1 {
		t.Fatalf("a second start must not run drbdadm up again: %v", f.calls)
	}
	expectRC(t, f.call("monitor", "CRM_meta_interval=20000"), ocf.Success, "")
	expectRC(t, f.call("promote"), ocf.Success, "")
	expectRC(t, f.call("monitor", "CRM_meta_interval=10000"), ocf.RunningPromoted, "")
	expectRC(t, f.call("promote"), ocf.Success, "")
	expectRC(t, f.call("demote"), ocf.Success, "")
	expectRC(t, f.call("monitor", probe), ocf.Success, "")
	f.role = "Primary"
	expectRC(t, f.call("stop"), ocf.Success, "")
	if f.up || f.score != "" {
		t.Fatalf("after stop: up %v, score %q; want down and no score", f.up, f.score)
	}
	expectRC(t, f.call("stop"), ocf.Success, "")
	expectRC(t, f.call("monitor", "CRM_meta_interval=20000"), ocf.NotRunning, "")
}

func TestPromoteRetries(t *testing.T) {
	cases := []struct {
		name     string
		code     int
		failures int
		rc       ocf.RC
		attempts int
		reason   string
	}{
		{"transient failure", 11, 1, ocf.Success, 2, ""},
		{"no UpToDate data", 17, 5, ocf.ErrGeneric, 1, "exit 17"},
		{"never succeeds", 11, 100, ocf.ErrGeneric, 0, "did not become Primary in time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.up = true
			f.render()
			f.primaryErr = &runner.ExitError{Cmd: "drbdadm", Code: c.code, Stderr: "0: State change failed: (-2) Need access to UpToDate data"}
			f.failures = c.failures
			// A short timeout keeps the never-succeeding case brief.
			o := f.call("promote", "OCF_RESKEY_CRM_meta_timeout=3000")
			expectRC(t, o, c.rc, c.reason)
			if got := f.ran("drbdadm -c " + filepath.Join(f.dir, "drbd.conf") + " primary"); c.attempts > 0 && got != c.attempts {
				t.Fatalf("drbdadm primary ran %d times, want %d", got, c.attempts)
			}
		})
	}
}

func TestPromotionScores(t *testing.T) {
	sc := Scores{0, 10, 1000, 10000}
	vol := func(disk, peer string) []drbdstate.Volume {
		return []drbdstate.Volume{{Minor: 0, Disk: disk, PeerDisk: peer}}
	}
	type State = drbdstate.Resource
	cases := []struct {
		name string
		s    State
		want int
	}{
		{"down", State{}, 0},
		{"Primary, all UpToDate", State{Up: true, Role: "Primary", Conn: "Connected", Volumes: vol("UpToDate", "UpToDate")}, 10000},
		{"Primary, peer unknown", State{Up: true, Role: "Primary", Conn: "WFConnection", Volumes: vol("UpToDate", "DUnknown")}, 10000},
		{"Secondary UpToDate, peer known", State{Up: true, Role: "Secondary", Conn: "Connected", Volumes: vol("UpToDate", "UpToDate")}, 10000},
		{"Secondary UpToDate, peer Outdated and gone", State{Up: true, Role: "Secondary", Conn: "StandAlone", Volumes: vol("UpToDate", "Outdated")}, 10000},
		{"Secondary UpToDate, peer unknown", State{Up: true, Role: "Secondary", Conn: "WFConnection", Volumes: vol("UpToDate", "DUnknown")}, 1000},
		{"only the peer UpToDate", State{Up: true, Role: "Secondary", Conn: "Connected", Volumes: vol("Inconsistent", "UpToDate")}, 10},
		{"Outdated here, peer unknown", State{Up: true, Role: "Secondary", Conn: "WFConnection", Volumes: vol("Outdated", "DUnknown")}, 0},
		{"Consistent only", State{Up: true, Role: "Secondary", Conn: "StandAlone", Volumes: vol("Consistent", "DUnknown")}, 0},
		{"both Inconsistent", State{Up: true, Role: "Secondary", Conn: "Connected", Volumes: vol("Inconsistent", "Inconsistent")}, 0},
		{"Diskless", State{Up: true, Role: "Secondary", Conn: "Connected", Volumes: vol("Diskless", "UpToDate")}, 10},
		{"one of two volumes Inconsistent", State{Up: true, Role: "Secondary", Conn: "WFConnection",
			Volumes: []drbdstate.Volume{{Disk: "UpToDate", PeerDisk: "DUnknown"}, {Minor: 1, Disk: "Inconsistent", PeerDisk: "DUnknown"}}}, 0},
	}
	for _, c := range cases {
		if got := promotionScore(c.s, sc); got != c.want {
			t.Errorf("%s: score %d, want %d", c.name, got, c.want)
		}
	}
}

func TestSplitBrain(t *testing.T) {
	// WFConnection: the instance restarted after the split brain (down, up)
	// waits for a peer that stays StandAlone; its data diverged all the same.
	for _, c := range []struct{ role, conn string }{{"Primary", "StandAlone"}, {"Secondary", "StandAlone"}, {"Secondary", "WFConnection"}} {
		role := c.role
		t.Run(role+" "+c.conn, func(t *testing.T) {
			f := newFake(t)
			f.up, f.role, f.conn, f.peerRole, f.peerDisk = true, role, c.conn, "Unknown", "DUnknown"
			f.score = "1000"
			f.render()
			f.kernelLog("block drbd0: conn( WFReportParams -> Connected ) pdsk( DUnknown -> UpToDate )",
				"block drbd0: Split-Brain detected but unresolved, dropping connection!",
				"d-con r0: conn( Disconnecting -> StandAlone )")
			o := f.call("monitor", "CRM_meta_interval=10000")
			want := map[string]ocf.RC{"Primary": ocf.DegradedPromoted, "Secondary": ocf.Degraded}[role]
			expectRC(t, o, want, "DRBD split brain on r0")
			if !strings.Contains(o.reason(), "--discard-my-data r0") {
				t.Fatalf("the reason does not say how to resolve it: %q", o.reason())
			}
			// Pacemaker cuts reasons at 128 characters; with the runbook's
			// resource name, "postgres", 12 more.
			if n := len(o.reason()) + 2*len("stgres"); n > 128 {
				t.Errorf("the reason takes %d characters with the resource postgres, over Pacemaker's 128: %q", n, o.reason())
			}
			if role == "Secondary" && f.score != "" {
				t.Fatalf("a split-brain Secondary keeps promotion score %q", f.score)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		env    []string
		rc     ocf.RC
		reason string
	}{
		{"ok", nil, ocf.Success, ""},
		{"three primaries", []string{"OCF_RESKEY_CRM_meta_promoted_max=3"}, ocf.ErrConfigured, "promoted-max=3"},
		{"two per node", []string{"OCF_RESKEY_CRM_meta_clone_node_max=2"}, ocf.ErrConfigured, "clone-node-max=2"},
		{"no notifications", []string{"OCF_RESKEY_CRM_meta_notify=false"}, ocf.ErrConfigured, "notify=true"},
		{"notifications waived", []string{"OCF_RESKEY_CRM_meta_notify=false", "ignore_missing_notifications=true"}, ocf.Success, ""},
		{"bad scores", []string{"adjust_master_score=0 10 5 10000"}, ocf.ErrConfigured, "adjust_master_score"},
		{"missing resource name", []string{"drbd_resource="}, ocf.ErrConfigured, "drbd_resource is required"},
		{"missing config", []string{"drbdconf=/nonexistent/drbd.conf"}, ocf.ErrInstalled, "drbdconf /nonexistent/drbd.conf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			expectRC(t, f.call("validate-all", c.env...), c.rc, c.reason)
		})
	}
}

func TestProbeWithoutDRBD(t *testing.T) {
	f := newFake(t)
	system.drbdadm = "/nonexistent/drbdadm"
	expectRC(t, f.call("monitor", "CRM_meta_interval=0"), ocf.NotRunning, "")
	expectRC(t, f.call("start"), ocf.ErrInstalled, "drbdadm is not installed")
	f.module = ""
	f.render()
	system.drbdadm = filepath.Join(f.dir, "drbdadm")
	expectRC(t, f.call("monitor", "CRM_meta_interval=20000"), ocf.NotRunning, "")
}

func TestNotifyPostStartReconnects(t *testing.T) {
	f := newFake(t)
	f.up, f.conn, f.peerRole, f.peerDisk = true, "Connecting", "Unknown", "DUnknown"
	f.render()
	expectRC(t, f.call("notify", "OCF_RESKEY_CRM_meta_notify_type=post", "OCF_RESKEY_CRM_meta_notify_operation=start"), ocf.Success, "")
	if f.ran("drbdadm -c "+filepath.Join(f.dir, "drbd.conf")+" adjust") != 1 {
		t.Fatalf("post-start notify did not run drbdadm adjust: %v", f.calls)
	}
	if f.score != "1000" {
		t.Fatalf("score %q after notify, want 1000", f.score)
	}
	expectRC(t, f.call("notify", "OCF_RESKEY_CRM_meta_notify_type=pre", "OCF_RESKEY_CRM_meta_notify_operation=promote"), ocf.Success, "")
}

// TestCapturedStates scores drbdsetup events2 --now as captured from real
// DRBD 8.4 and as written by hand for DRBD 9 (internal/drbdstate/testdata,
// SOURCES.md in each directory).
func TestCapturedStates(t *testing.T) {
	cases := []struct {
		file                 string
		role, peerRole, conn string
		disk, peerDisk       string
		score                int
	}{
		{"drbd84/primary-connected-uptodate.drbdsetup-events2.txt", "Primary", "Secondary", "Connected", "UpToDate", "UpToDate", 10000},
		{"drbd84/primary-standalone.drbdsetup-events2.txt", "Primary", "Unknown", "StandAlone", "UpToDate", "DUnknown", 10000},
		{"drbd84/primary-wfconnection.drbdsetup-events2.txt", "Primary", "Unknown", "Connecting", "UpToDate", "DUnknown", 10000},
		{"drbd84/secondary-connected-inconsistent.drbdsetup-events2.txt", "Secondary", "Secondary", "Connected", "Inconsistent", "Inconsistent", 0},
		{"drbd84/secondary-connected-uptodate.drbdsetup-events2.txt", "Secondary", "Secondary", "Connected", "UpToDate", "UpToDate", 10000},
		{"drbd84/secondary-peer-primary.drbdsetup-events2.txt", "Secondary", "Primary", "Connected", "UpToDate", "UpToDate", 10000},
		{"drbd84/secondary-outdated-standalone.drbdsetup-events2.txt", "Secondary", "Unknown", "StandAlone", "Outdated", "DUnknown", 0},
		{"drbd84/sync-source.drbdsetup-events2.txt", "Primary", "Secondary", "Connected", "UpToDate", "Inconsistent", 10000},
		{"drbd84/sync-target.drbdsetup-events2.txt", "Secondary", "Primary", "Connected", "Inconsistent", "UpToDate", 10},
		{"drbd84/splitbrain-node1.drbdsetup-events2.txt", "Primary", "Unknown", "StandAlone", "UpToDate", "DUnknown", 10000},
		{"drbd9/primary-connected.txt", "Primary", "Secondary", "Connected", "UpToDate", "UpToDate", 10000},
	}
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "drbdstate", "testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := drbdstate.ParseEvents2(string(raw))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		got := []string{s.Role, s.PeerRole, s.Conn, s.Volumes[0].Disk, s.Volumes[0].PeerDisk}
		want := []string{c.role, c.peerRole, c.conn, c.disk, c.peerDisk}
		if fmt.Sprint(got) != fmt.Sprint(want) || !s.Up || len(s.Volumes) != 1 {
			t.Errorf("%s: parsed %v (%d volumes), want %v", c.file, got, len(s.Volumes), want)
		}
		if score := promotionScore(s, Scores{0, 10, 1000, 10000}); score != c.score {
			t.Errorf("%s: score %d, want %d", c.file, score, c.score)
		}
	}
}
