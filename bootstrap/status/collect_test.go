package status

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// read reads a file of a package's testdata, relative to this one.
func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const (
	pcmkData = "../../internal/pcmk/testdata/"
	drbdData = "../../internal/drbdstate/testdata/drbd84/"
)

// fakePacemaker answers from captured outputs; a nil output is a tool
// that fails as it does with the stack down.
type fakePacemaker struct {
	status, configuration, history []byte
}

var errStackDown = errors.New("crm_mon exited with status 102: Could not connect to the CIB")

func (f fakePacemaker) Status(context.Context) (*pcmk.Status, error) {
	if f.status == nil {
		return nil, errStackDown
	}
	return pcmk.ParseStatus(f.status)
}

func (f fakePacemaker) Configuration(context.Context) (*pcmk.Configuration, error) {
	if f.configuration == nil {
		return nil, errors.New("cibadmin exited with status 102")
	}
	return pcmk.ParseConfiguration(f.configuration)
}

func (f fakePacemaker) FenceHistory(context.Context, string) ([]pcmk.FenceEvent, error) {
	if f.history == nil {
		return nil, errors.New("stonith_admin exited with status 102")
	}
	return pcmk.ParseFenceHistory(f.history)
}

type fakeDB time.Duration

func (d fakeDB) MonitorAge(context.Context) (time.Duration, error) { return time.Duration(d), nil }

// configurationOf cuts the configuration section out of a captured CIB,
// with extra constraints added.
func configurationOf(t *testing.T, cib string, extra string) []byte {
	t.Helper()
	s := string(read(t, pcmkData+cib))
	start, end := strings.Index(s, "<configuration>"), strings.Index(s, "</configuration>")
	conf := s[start : end+len("</configuration>")]
	return []byte(strings.Replace(conf, "</constraints>", extra+"</constraints>", 1))
}

// tools fakes corosync-cfgtool, drbdsetup and chronyc with outputs from
// files; a missing entry fails as a missing program.
func tools(t *testing.T, outputs map[string]string) runner.Runner {
	t.Helper()
	return runner.Func(func(_ context.Context, cmd runner.Cmd) (runner.Result, error) {
		name := filepath.Base(cmd.Path)
		file, ok := outputs[name]
		if !ok {
			return runner.Result{}, &runner.ExitError{Cmd: cmd.String(), Code: 127, Stderr: name + ": not found"}
		}
		if name == "drbdsetup" && !slices.Equal(cmd.Args, []string{"events2", "--now", "--statistics", "r0"}) {
			t.Errorf("drbdsetup %v", cmd.Args)
		}
		return runner.Result{Stdout: read(t, file)}, nil
	})
}

func testSources(t *testing.T, pm Pacemaker, run runner.Runner, kernelLog string) Sources {
	t.Helper()
	cfg := config.Default()
	cfg.DRBDResource = "r0" // the captured resource's name
	backups := t.TempDir()
	dump := filepath.Join(backups, "qvddb-2026-12-07T030012.dump")
	if err := os.WriteFile(dump, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dump, now, now.Add(-9*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return Sources{
		Node: "qvddb1", Config: cfg, Pgsql: "p_postgres", Ping: "p_ping", Pacemaker: pm, Run: run,
		KernelLog: func() ([]string, error) {
			if kernelLog == "" {
				return nil, nil
			}
			return strings.Split(string(read(t, kernelLog)), "\n"), nil
		},
		Database: fakeDB(3 * time.Second), BackupDir: backups,
		Now: func() time.Time { return now }, Timeout: time.Second,
	}
}

func writeChrony(t *testing.T, leap string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "tracking")
	text := "Reference ID    : C0000201 (192.0.2.1)\nSystem time     : 0.000006523 seconds slow of NTP time\nLeap status     : " + leap + "\n"
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCollect(t *testing.T) {
	cli := `<rsc_location id="cli-prefer-g_postgres" rsc="g_postgres" role="Started" node="qvddb1" score="INFINITY"/>`
	tests := []struct {
		name      string
		pm        fakePacemaker
		outputs   map[string]string
		kernelLog string
		check     func(t *testing.T, r *Report)
		level     Level
		problems  []string // a substring of each problem, in order
	}{
		{"running", fakePacemaker{read(t, pcmkData+"crm_mon-running.xml"), configurationOf(t, "cib-running.xml", ""), []byte(`<pacemaker-result><list/><status code="0"/></pacemaker-result>`)},
			map[string]string{"corosync-cfgtool": "testdata/corosync-cfgtool-s-healthy.txt", "drbdsetup": drbdData + "primary-connected-uptodate.drbdsetup-events2.txt", "chronyc": writeChrony(t, "Normal")},
			"",
			func(t *testing.T, r *Report) {
				if r.Cluster == nil || !slices.Equal(r.Cluster.DatabaseOn, []string{"qvddb1"}) || r.Cluster.Since == nil {
					t.Errorf("cluster %+v, want the database on qvddb1 with its start time", r.Cluster)
				}
				if r.FailureTimeout != 180 {
					t.Errorf("failure-timeout %v s, want 180", r.FailureTimeout)
				}
				if r.Database == nil || r.Database.MonitorAge != 3 {
					t.Errorf("database %+v, want monitor age 3 s", r.Database)
				}
				if len(r.Links) != 2 || r.Links[1].Peers[0].Name != "qvddb2" {
					t.Errorf("links %+v, want 2 to qvddb2", r.Links)
				}
				if r.DRBD == nil || r.DRBD.Role != "Primary" || r.DRBD.Volumes[0].PeerDisk != "UpToDate" {
					t.Errorf("DRBD %+v", r.DRBD)
				}
			}, OK, nil},
		{"failed monitor, crossover down, left-over move, fenced peer", fakePacemaker{read(t, pcmkData+"crm_mon-failed.xml"), configurationOf(t, "cib-failed.xml", cli), read(t, pcmkData+"stonith_admin-history.xml")},
			map[string]string{"corosync-cfgtool": "testdata/corosync-cfgtool-s-link1-down.txt", "drbdsetup": drbdData + "primary-connected-uptodate.drbdsetup-events2.txt", "chronyc": writeChrony(t, "Normal")},
			"",
			func(t *testing.T, r *Report) {
				f := r.Cluster.Failures
				if len(f) != 1 || f[0].Expires == nil || !f[0].Expires.Equal(f[0].LastFailure.Add(3*time.Minute)) || f[0].Reason != "Simulated action result" {
					t.Errorf("failures %+v, want p_postgres's, expiring 3 min after it", f)
				}
			}, Warning, []string{"p_postgres failed 1 time(s) on qvddb1", "move constraint cli-prefer-g_postgres", "qvddb2 was fenced (reboot by qvddb1", "corosync link 1 (198.51.100.1) from qvddb1 to qvddb2 is down"}},
		{"stack down, split brain", fakePacemaker{},
			map[string]string{"drbdsetup": drbdData + "splitbrain-node1.drbdsetup-events2.txt", "chronyc": writeChrony(t, "Not synchronised")},
			drbdData + "splitbrain-node1.dmesg.txt",
			func(t *testing.T, r *Report) {
				if r.Cluster != nil || r.DRBD == nil || r.Backup == nil || r.Clock == nil {
					t.Errorf("report %+v: want no cluster, but DRBD, backup and clock", r)
				}
			}, Critical, []string{"cannot read cib", "cannot read corosync", "cannot read fencing", "cannot read pacemaker", "DRBD split brain on r0", "clock of qvddb1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Collect(context.Background(), testSources(t, tt.pm, tools(t, tt.outputs), tt.kernelLog))
			tt.check(t, r)
			ps := Evaluate(r, DefaultThresholds)
			if got := Worst(ps); got != tt.level {
				t.Errorf("level %v, want %v", got, tt.level)
			}
			if len(ps) != len(tt.problems) {
				t.Fatalf("problems %+v, want %d", ps, len(tt.problems))
			}
			for i, w := range tt.problems {
				if !strings.Contains(ps[i].Text, w) {
					t.Errorf("problem %d %q does not say %q", i, ps[i].Text, w)
				}
			}
		})
	}
}

// A resource's own failure-timeout wins over rsc_defaults' (0: never
// forgotten).
func TestExpireResourceFailureTimeout(t *testing.T) {
	last := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		resource string
		want     time.Duration // after the failure; 0 for no expiry
	}{
		{"p_postgres", 30 * time.Second},
		{"p_ping:1", time.Hour},
		{"p_fs_postgres", 3 * time.Minute},
		{"p_mailto", 0},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			r := &Report{FailureTimeout: 180, Cluster: &Cluster{Failures: []Failure{{Resource: tc.resource, LastFailure: &last}}},
				failureTimeouts: map[string]time.Duration{"p_postgres": 30 * time.Second, "p_ping": time.Hour, "p_mailto": 0}}
			r.expire()
			got := r.Cluster.Failures[0].Expires
			switch {
			case tc.want == 0 && got != nil:
				t.Errorf("expires %v, want never", got)
			case tc.want != 0 && (got == nil || !got.Equal(last.Add(tc.want))):
				t.Errorf("expires %v, want %v", got, last.Add(tc.want))
			}
		})
	}
}

// A source that refuses an unprivileged user is marked as needing root;
// other failures, or any failure as root, are not.
func TestRefusedNeedsRoot(t *testing.T) {
	for _, tc := range []struct {
		name         string
		err          error
		unprivileged bool
		want         bool
	}{
		{"EACCES", fmt.Errorf("backups: %w", fs.ErrPermission), true, true},
		{"peer authentication", errors.New(`database qvddb: FATAL: Peer authentication failed for user "qvd" (SQLSTATE 28000)`), true, true},
		{"crm_mon", &runner.ExitError{Cmd: "crm_mon", Code: 4, Stderr: "crm_mon: Error: Insufficient privileges"}, true, true},
		{"stack down", &runner.ExitError{Cmd: "crm_mon", Code: 102, Stderr: "Connection refused"}, true, false},
		{"root refused", fmt.Errorf("backups: %w", fs.ErrPermission), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := testSources(t, fakePacemaker{}, tools(t, nil), "")
			src.Unprivileged = tc.unprivileged
			// cibadmin and stonith_admin fail as they do for a user
			// outside haclient: as if Pacemaker were down.
			src.Pacemaker = failingPacemaker{tc.err, &runner.ExitError{Cmd: "cibadmin", Code: 102, Stderr: "Init failed, could not perform requested operations"}}
			r := Collect(context.Background(), src)
			for _, e := range r.Errors {
				if (e.Source == "pacemaker" || e.Source == "cib" || e.Source == "fencing") && e.NeedsRoot != tc.want {
					t.Errorf("needs_root %v, want %v: %+v", e.NeedsRoot, tc.want, e)
				}
			}
		})
	}
}

// failingPacemaker fails crm_mon with status, the CIB and the fencer with
// others.
type failingPacemaker struct{ status, others error }

func (f failingPacemaker) Status(context.Context) (*pcmk.Status, error) { return nil, f.status }
func (f failingPacemaker) Configuration(context.Context) (*pcmk.Configuration, error) {
	return nil, f.others
}
func (f failingPacemaker) FenceHistory(context.Context, string) ([]pcmk.FenceEvent, error) {
	return nil, f.others
}

func TestLastVerify(t *testing.T) {
	log := []string{
		"block drbd0: Online verify found 3 4k block out of sync!",
		"block drbd0: Online verify done (total 2 sec; paused 0 sec; 32768 K/sec)",
		"block drbd10: Online verify found 7 4k block out of sync!",
	}
	if v := lastVerify(log, []int{0}); !v.Found || v.OutOfSyncBlocks != 3 {
		t.Errorf("lastVerify = %+v, want found, 3 blocks", v)
	}
	if v := lastVerify(append(log, "block drbd0: Online verify done (total 1 sec; paused 0 sec; 1 K/sec)"), []int{0}); v.OutOfSyncBlocks != 0 {
		t.Errorf("a clean later verify: %+v, want 0 blocks", v)
	}
	if v := lastVerify(log[2:], []int{0}); v.Found {
		t.Errorf("another device's verify: %+v, want none", v)
	}
}

func TestParseLinks(t *testing.T) {
	tests := []struct {
		name, out string
		want      []Link
	}{
		{"3.1 healthy", string(read(t, "testdata/corosync-cfgtool-s-healthy.txt")), []Link{
			{ID: 0, Addr: "192.0.2.1", Peers: []LinkPeer{{NodeID: 2, Status: "connected", Connected: true}}},
			{ID: 1, Addr: "198.51.100.1", Peers: []LinkPeer{{NodeID: 2, Status: "connected", Connected: true}}}}},
		{"3.1 link 1 down", string(read(t, "testdata/corosync-cfgtool-s-link1-down.txt")), []Link{
			{ID: 0, Addr: "192.0.2.1", Peers: []LinkPeer{{NodeID: 2, Status: "connected", Connected: true}}},
			{ID: 1, Addr: "198.51.100.1", Peers: []LinkPeer{{NodeID: 2, Status: "disconnected"}}}}},
		{"3.1 link 1 down, seen from node 2", string(read(t, "testdata/corosync-cfgtool-s-link1-down-node2.txt")), []Link{
			{ID: 0, Addr: "192.0.2.2", Peers: []LinkPeer{{NodeID: 1, Status: "connected", Connected: true}}},
			{ID: 1, Addr: "198.51.100.2", Peers: []LinkPeer{{NodeID: 1, Status: "disconnected"}}}}},
		{"3.0 flags", "Printing link status.\nLocal node ID 1\nLINK ID 0\n\taddr\t= 192.0.2.11\n\tstatus:\n\t\tnodeid  1:\tlink enabled:1\tlink connected:1\n\t\tnodeid  2:\tlink enabled:1\tlink connected:0\n",
			[]Link{{ID: 0, Addr: "192.0.2.11", Peers: []LinkPeer{{NodeID: 1, Status: "link enabled:1 link connected:1", Connected: true}, {NodeID: 2, Status: "link enabled:1 link connected:0"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLinks(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b Link) bool {
				return a.ID == b.ID && a.Addr == b.Addr && slices.Equal(a.Peers, b.Peers)
			}) {
				t.Errorf("ParseLinks:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "Could not initialize corosync configuration API error 2\n", "\taddr = 1.2.3.4\n", "LINK ID x\n"} {
		if links, err := ParseLinks(bad); err == nil {
			t.Errorf("ParseLinks(%q) = %+v, want an error", bad, links)
		}
	}
}
