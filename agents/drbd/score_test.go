package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

const (
	recurring = "CRM_meta_interval=20000"
	probe     = "CRM_meta_interval=0"
)

// TestScoreCache runs actions in turn on one node and counts the
// crm_attribute calls each makes: a recurring monitor skips the call only
// when the score is unchanged and the same pacemaker-attrd, for at most
// scoreCacheMaxAge, holds it.
func TestScoreCache(t *testing.T) {
	f := newFake(t)
	steps := []struct {
		name   string
		before func()
		action string
		env    []string
		calls  int
		score  string
	}{
		{"start", nil, "start", nil, 1, "10000"},
		{"monitor, same score", nil, "monitor", []string{recurring}, 0, "10000"},
		{"monitor again", nil, "monitor", []string{recurring}, 0, "10000"},
		{"probe writes anyway", nil, "monitor", []string{probe}, 1, "10000"},
		{"peer gone: score changes", func() { f.conn, f.peerDisk = "Connecting", "DUnknown" }, "monitor", []string{recurring}, 1, "1000"},
		{"monitor, same score again", nil, "monitor", []string{recurring}, 0, "1000"},
		{"notify writes anyway", nil, "notify", []string{"OCF_RESKEY_CRM_meta_notify_type=post", "OCF_RESKEY_CRM_meta_notify_operation=stop"}, 1, "1000"},
		{"attrd restarted", func() { f.attrd(5151, 2000) }, "monitor", []string{recurring}, 1, "1000"},
		{"after the restart", nil, "monitor", []string{recurring}, 0, "1000"},
		{"attrd pid reused", func() { f.attrd(5151, 3000) }, "monitor", []string{recurring}, 1, "1000"},
		{"score deleted by hand", func() { f.score = "" }, "monitor", []string{recurring}, 0, ""},
		{"cache too old", func() { ageCache(t, f, scoreCacheMaxAge+time.Minute) }, "monitor", []string{recurring}, 1, "1000"},
		{"crm_attribute fails", func() { f.conn, f.peerDisk, f.attrFails = "Connected", "UpToDate", true }, "monitor", []string{recurring}, 1, "1000"},
		{"after a failure", func() { f.attrFails = false }, "monitor", []string{recurring}, 1, "10000"},
		{"no attrd: no cache", func() { f.attrd(0, 0) }, "monitor", []string{recurring}, 1, "10000"},
		{"no attrd, again", nil, "monitor", []string{recurring}, 1, "10000"},
		{"attrd back", func() { f.attrd(6000, 4000) }, "monitor", []string{recurring}, 1, "10000"},
		{"stop", nil, "stop", nil, 1, ""},
		{"start again", nil, "start", nil, 1, "10000"},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		f.render()
		before := f.ran("crm_attribute")
		o := f.call(s.action, s.env...)
		if o.rc != ocf.Success && !(s.action == "monitor" && o.rc == ocf.ErrGeneric && f.attrFails) {
			t.Fatalf("%s: rc %v\n%s", s.name, o.rc, o.stderr)
		}
		if got := f.ran("crm_attribute") - before; got != s.calls || f.score != s.score {
			t.Fatalf("%s: %d crm_attribute calls, score %q; want %d, %q", s.name, got, f.score, s.calls, s.score)
		}
	}
}

// ageCache moves the cached score's time back by age.
func ageCache(t *testing.T, f *fakeDRBD, age time.Duration) {
	t.Helper()
	path := filepath.Join(system.cacheDir, "p_drbd.score")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(raw))
	fields[3] = fmt.Sprint(time.Now().Add(-age).Unix())
	if err := os.WriteFile(path, []byte(strings.Join(fields, " ")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkMonitor counts the child processes of a recurring monitor whose
// score does not change: with no pacemaker-attrd found there is no cache,
// which is how every monitor ran before the cache; with it, crm_attribute
// is saved. Reported as children/op and crm_attribute/op.
func BenchmarkMonitor(b *testing.B) {
	for _, c := range []struct {
		name  string
		attrd bool
	}{{"uncached", false}, {"cached", true}} {
		b.Run(c.name, func(b *testing.B) {
			f := newFake(b)
			if !c.attrd {
				f.attrd(0, 0)
			}
			if o := f.call("start"); o.rc != ocf.Success {
				b.Fatalf("start: %v\n%s", o.rc, o.stderr)
			}
			calls, attrs := len(f.calls), f.ran("crm_attribute")
			b.ResetTimer()
			for range b.N {
				if o := f.call("monitor", recurring); o.rc != ocf.Success {
					b.Fatalf("monitor: %v\n%s", o.rc, o.stderr)
				}
			}
			b.ReportMetric(float64(len(f.calls)-calls)/float64(b.N), "children/op")
			b.ReportMetric(float64(f.ran("crm_attribute")-attrs)/float64(b.N), "crm_attribute/op")
		})
	}
}

func TestFindAttrd(t *testing.T) {
	f := newFake(t)
	cases := []struct {
		name  string
		pid   int
		start int
		hint  int
		want  attrdID
		found bool
	}{
		{"by hint", 4242, 1000, 4242, attrdID{4242, "1000"}, true},
		{"by scan", 4242, 1000, 0, attrdID{4242, "1000"}, true},
		{"hint is another process", 4242, 1000, 1, attrdID{4242, "1000"}, true},
		{"stale hint", 4343, 1000, 4242, attrdID{4343, "1000"}, true},
		{"not running", 0, 0, 4242, attrdID{}, false},
	}
	for _, c := range cases {
		f.attrd(c.pid, c.start)
		if got, found := findAttrd(system.proc, c.hint); got != c.want || found != c.found {
			t.Errorf("%s: %v %v, want %v %v", c.name, got, found, c.want, c.found)
		}
	}
	// This machine's own /proc parses, whether attrd runs or not.
	if id, found := findAttrd("/proc", 0); found && (id.PID == 0 || id.Start == "") {
		t.Errorf("/proc: attrd %v", id)
	}
}

// TestPeerPrimary: remove_master_score_if_peer_primary on a Secondary
// connected to a Primary peer with UpToDate data. crm_resource --locate is
// the real one, reading a simulated CIB where n1 is promoted, or where
// nothing runs.
func TestPeerPrimary(t *testing.T) {
	known := filepath.Join(t.TempDir(), "known.xml")
	if err := os.WriteFile(known, []byte(settledCluster(t, []string{"drbd_resource"})), 0o600); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(t.TempDir(), "unknown.xml")
	if err := os.WriteFile(unknown, []byte(simConfigCIB(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		mode     string
		peer     string // the peer's role
		peerDisk string
		cib      string
		env      []string
		score    string
		locate   bool // crm_resource --locate ran
	}{
		{"ignored", "false", "Primary", "UpToDate", known, nil, "10000", false},
		{"always", "true", "Primary", "UpToDate", known, nil, "", false},
		{"always, peer Secondary", "true", "Secondary", "UpToDate", known, nil, "10000", false},
		{"always, peer not UpToDate", "true", "Primary", "Inconsistent", known, nil, "10000", false},
		{"unexpected, Pacemaker knows", "unexpected", "Primary", "UpToDate", known, nil, "10000", true},
		{"unexpected, Pacemaker does not know", "unexpected", "Primary", "UpToDate", unknown, nil, "", true},
		{"unexpected, two Primaries allowed", "unexpected", "Primary", "UpToDate", unknown, []string{"OCF_RESKEY_CRM_meta_promoted_max=2"}, "10000", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.up, f.peerRole, f.peerDisk, f.locateCIB, f.score = true, c.peer, c.peerDisk, c.cib, "10000"
			f.render()
			env := append([]string{recurring, "OCF_RESKEY_CRM_meta_on_node=n2", "remove_master_score_if_peer_primary=" + c.mode}, c.env...)
			// The cache is empty: the monitor writes whatever it decides.
			expectRC(t, f.call("monitor", env...), ocf.Success, "")
			if f.score != c.score || (f.ran("crm_resource") > 0) != c.locate {
				t.Fatalf("score %q, crm_resource ran %v; want %q, %v: %v", f.score, f.ran("crm_resource") > 0, c.score, c.locate, f.calls)
			}
		})
	}
}

// simConfigCIB is the simulated cluster's CIB with nothing running.
func simConfigCIB(t *testing.T) string {
	t.Helper()
	settled := settledCluster(t, nil)
	return settled[:strings.Index(settled, "<status")] + "<status/></cib>\n"
}

func TestFailPromoteEarly(t *testing.T) {
	cases := []struct {
		name     string
		env      []string
		peer     string
		rc       ocf.RC
		attempts int
		reason   string
	}{
		{"peer Primary", []string{"fail_promote_early_if_peer_primary=true"}, "Primary", ocf.ErrGeneric, 1, "still Primary"},
		{"peer Secondary", []string{"fail_promote_early_if_peer_primary=true"}, "Secondary", ocf.Success, 2, ""},
		{"not asked", nil, "Primary", ocf.Success, 2, ""},
		{"two Primaries allowed", []string{"fail_promote_early_if_peer_primary=true", "OCF_RESKEY_CRM_meta_promoted_max=2"}, "Primary", ocf.Success, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.up, f.peerRole, f.score = true, c.peer, "10000"
			f.render()
			f.primaryErr = &runner.ExitError{Cmd: "drbdadm", Code: 11, Stderr: "State change failed: (-1) Multiple primaries not allowed by config"}
			f.failures = 1
			expectRC(t, f.call("promote", c.env...), c.rc, c.reason)
			if got := f.ran("drbdadm -c " + filepath.Join(f.dir, "drbd.conf") + " primary"); got != c.attempts {
				t.Fatalf("drbdadm primary ran %d times, want %d", got, c.attempts)
			}
			if c.rc != ocf.Success && f.score != "" {
				t.Fatalf("a promotion given up keeps score %q", f.score)
			}
		})
	}
}

func TestUnfence(t *testing.T) {
	cases := []struct {
		name     string
		role     string
		peerDisk string
		enabled  bool
		runs     bool
	}{
		{"Primary, all UpToDate", "Primary", "UpToDate", true, true},
		{"not enabled", "Primary", "UpToDate", false, false},
		{"Secondary", "Secondary", "UpToDate", true, false},
		{"peer Inconsistent", "Primary", "Inconsistent", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.up, f.role, f.peerDisk = true, c.role, c.peerDisk
			f.render()
			o := f.call("monitor", recurring, fmt.Sprintf("unfence_if_all_uptodate=%v", c.enabled), "unfence_extra_args=--quiet")
			if o.rc != ocf.Success && o.rc != ocf.RunningPromoted {
				t.Fatalf("monitor: rc %v\n%s", o.rc, o.stderr)
			}
			call := "drbdadm -c " + filepath.Join(f.dir, "drbd.conf") + " unfence-peer r0"
			if (f.ran(call) == 1) != c.runs {
				t.Fatalf("unfence-peer ran %d times: %v", f.ran(call), f.calls)
			}
			if c.runs && strings.Join(f.env[call], " ") != "OCF_RESKEY_unfence_extra_args=--quiet" {
				t.Fatalf("unfence-peer's environment: %v", f.env[call])
			}
		})
	}
}

// TestModuleVersionOnStart: start checks the module it has just loaded.
func TestModuleVersionOnStart(t *testing.T) {
	cases := []struct {
		name   string
		proc   string
		env    []string
		rc     ocf.RC
		reason string
	}{
		{"8.4 accepted", "version: 8.4.11 (api:1/proto:86-101)\n", nil, ocf.Success, ""},
		{"9 refused by lt", "version: 9.2.4 (api:2/proto:86-122)\n", []string{"require_drbd_module_version_lt=9.0.0"}, ocf.ErrInstalled, "version 9.2.4"},
		{"8.4 refused by ge", "version: 8.4.11 (api:1/proto:86-101)\n", []string{"require_drbd_module_version_ge=9.0.16"}, ocf.ErrInstalled, "version 8.4.11"},
		{"unreadable", "garbage\n", nil, ocf.ErrGeneric, "no version line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.module, f.available = "", c.proc
			f.render()
			expectRC(t, f.call("start", c.env...), c.rc, c.reason)
			if f.ran("modprobe drbd") != 1 || f.up != (c.rc == ocf.Success) {
				t.Fatalf("modprobe ran %d times, up %v: %v", f.ran("modprobe drbd"), f.up, f.calls)
			}
		})
	}
}
