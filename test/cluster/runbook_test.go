//go:build root

package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

// Timers of the tests' configuration: the harness's corosync token of 3 s,
// a fence-race delay that exceeds one libvirt fencing action (about 2 s)
// with margin, and failures forgotten after a minute instead of three.
func testTimers(c *config.Config) {
	c.Timers.PriorityFencingDelay = 5 * time.Second
	c.Timers.FailureTimeout = time.Minute
}

// rig is one running stack shared by the cases, which run in order: each
// starts from the state the previous one left (both nodes online, the
// database running somewhere).
type rig struct {
	t   testing.TB
	s   *Stack
	ctx context.Context
	dsn string
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	t.Cleanup(cancel)
	name := "qvdrb" + fmt.Sprint(os.Getpid()%10000)
	s, err := Up(ctx, name, filepath.Join(os.TempDir(), name), testTimers, t.Logf)
	if s != nil && s.Cluster != nil {
		t.Cleanup(s.Destroy)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Runs before Destroy (cleanups run last-registered first).
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the nodes' logs are kept in %s", s.keepLogs())
		}
	})
	return &rig{t: t, s: s, ctx: ctx,
		dsn: fmt.Sprintf("host=%s port=%d user=qvd password=%s dbname=qvddb sslmode=disable", DatabaseIP, s.Config.PGPort, DBPassword)}
}

// state is the cluster as the first node that answers sees it.
func (r *rig) state() *State {
	r.t.Helper()
	for _, n := range r.s.Nodes {
		if st, err := r.s.Status(r.ctx, n); err == nil {
			return st
		}
	}
	r.t.Fatal("no node answers crm_mon")
	return nil
}

// active is the node running the database, once the cluster agrees on
// one (a node that has just rejoined shows the resources as unknown until
// its probes have run).
func (r *rig) active() *Node {
	r.t.Helper()
	var active *Node
	r.wait("the database running on one node", 2*time.Minute, r.s.Nodes[0], func(st *State) string {
		where := st.Where("p_postgres")
		if len(where) != 1 || !strings.HasPrefix(where[0], "Started ") {
			return fmt.Sprintf("the database is %v", where)
		}
		active = r.s.Node(strings.TrimPrefix(where[0], "Started "))
		return ""
	})
	return active
}

// settled waits until the cluster can take any fault a case injects: both
// nodes online, the database running on one, and each node's pingd
// written. A node that has just rejoined has no pingd in the CIB until
// its ping's first check and the dampening delay have passed, and until
// then the ping rule bans the database from it: a fault of the other
// node in that window stops the database instead of moving it, as it
// would in production.
func (r *rig) settled() {
	r.t.Helper()
	r.wait("a settled cluster", 3*time.Minute, r.s.Nodes[0], func(st *State) string {
		for _, n := range r.s.Nodes {
			if online, _ := st.Online(n.Name); !online {
				return n.Name + " is not online"
			}
			if v := st.Attribute(n.Name, "pingd"); v == "" || v == "0" {
				return fmt.Sprintf("pingd of %s is %q", n.Name, v)
			}
		}
		if where := st.Where("p_postgres"); len(where) != 1 || !strings.HasPrefix(where[0], "Started ") {
			return fmt.Sprintf("the database is %v", where)
		}
		return ""
	})
}

// waitDB waits until the database group runs on n.
func (r *rig) waitDB(n *Node, limit time.Duration) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, limit)
	defer cancel()
	if err := r.s.WaitDatabase(ctx, n); err != nil {
		r.t.Fatal(err)
	}
}

// wait polls the state until cond returns "".
func (r *rig) wait(what string, limit time.Duration, viewer *Node, cond func(*State) string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, limit)
	defer cancel()
	if err := r.s.Poll(ctx, viewer, cond); err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
}

// steady checks that cond holds at every look for the whole window: the
// proof that something does NOT happen (a move back, a start without
// fencing) needs a span of time, not a sleep before one look.
func (r *rig) steady(what string, window time.Duration, viewer *Node, cond func(*State) string) {
	r.t.Helper()
	end := time.Now().Add(window)
	for time.Now().Before(end) {
		st, err := r.s.Status(r.ctx, viewer)
		if err != nil {
			r.t.Fatalf("%s: %v", what, err)
		}
		if bad := cond(st); bad != "" {
			r.t.Fatalf("%s: %s", what, bad)
		}
		select {
		case <-r.ctx.Done():
			r.t.Fatal(r.ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// dbOn is a condition: the database group runs on n.
func dbOn(n *Node) func(*State) string {
	return func(st *State) string {
		for _, rsc := range DatabaseResources {
			if w := strings.Join(st.Where(rsc), ","); w != "Started "+n.Name {
				return fmt.Sprintf("%s is %q, want on %s", rsc, w, n.Name)
			}
		}
		return ""
	}
}

// dbNotOn is a condition: no part of the database group runs on n.
func dbNotOn(n *Node) func(*State) string {
	return func(st *State) string {
		for _, rsc := range DatabaseResources {
			if slices.Contains(st.Where(rsc), "Started "+n.Name) {
				return fmt.Sprintf("%s started on %s", rsc, n.Name)
			}
		}
		return ""
	}
}

// dbNowhere is a condition: no part of the database group runs anywhere.
func dbNowhere(st *State) string {
	for _, rsc := range DatabaseResources {
		if w := st.Where(rsc); len(w) > 0 {
			return fmt.Sprintf("%s is %v", rsc, w)
		}
	}
	return ""
}

// fencings are the fencing operations requested or confirmed since t.
func (r *rig) fencings(since time.Time) []Fencing {
	r.t.Helper()
	f, err := r.s.Fencings(since)
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// writer starts the client writing rows through the floating IP.
func (r *rig) writer() *Writer {
	r.t.Helper()
	w, err := StartWriter(r.ctx, r.s.net.clientNS(), r.dsn, 100*time.Millisecond)
	if err != nil {
		r.t.Fatal(err)
	}
	return w
}

// finish stops the writer and proves the case lost nothing: every
// acknowledged row is in the database, and the floating IP, the
// filesystem and the postmaster were never active on both nodes at once
// (from the nodes' event logs, since the stack started).
func (r *rig) finish(w *Writer) WriteReport {
	r.t.Helper()
	report := w.Stop()
	conn, err := w.Connect(r.ctx)
	if err != nil {
		r.t.Fatalf("read back through the floating IP: %v", err)
	}
	defer conn.Close(r.ctx)
	if err := report.Verify(r.ctx, conn); err != nil {
		r.t.Errorf("data loss: %v", err)
	}
	var all []Interval
	for _, n := range r.s.Nodes {
		kills, err := n.KillTimes()
		if err != nil {
			r.t.Fatal(err)
		}
		ivs, err := NodeIntervals(n.Name, filepath.Join(n.Dir, "events.log"), kills)
		if err != nil {
			r.t.Fatal(err)
		}
		all = append(all, ivs...)
	}
	for _, o := range Overlaps(all) {
		r.t.Errorf("active on both nodes: %s", o)
	}
	if gap, ok := report.LongestGap(); ok {
		r.t.Logf("%d rows acknowledged, %d attempts failed, longest gap between acknowledgements %s",
			len(report.Acks), len(report.Failures), gap.Len().Round(10*time.Millisecond))
	}
	return report
}

// recovery is how long after the fault at t writes are accepted again:
// until the first acknowledgement after the first failed write. (Writes
// can still succeed for a moment after a fault: a backend outlives its
// killed postmaster until it notices.)
func (r *rig) recovery(w *Writer, t time.Time, limit time.Duration) time.Duration {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, limit)
	defer cancel()
	var failed time.Time
	for failed.IsZero() {
		for _, f := range w.Report().Failures {
			if f.At.After(t) {
				failed = f.At
				break
			}
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("no write failed within %s of the fault", limit)
		case <-time.After(50 * time.Millisecond):
		}
	}
	ack, err := w.WaitAckAfter(ctx, failed)
	if err != nil {
		r.t.Fatalf("no write accepted within %s: %v", limit, err)
	}
	return ack.At.Sub(t)
}

// failedOn waits until crm_mon reports a failure of the database on n.
func (r *rig) failedOn(n *Node) {
	r.t.Helper()
	r.wait("the failure seen on "+n.Name, time.Minute, n, func(st *State) string {
		if !slices.ContainsFunc(st.Failures, func(f OpFailure) bool { return f.Node == n.Name }) {
			return "no failure reported on " + n.Name
		}
		return ""
	})
}

// cleanup clears the failure counts, as an administrator does after a
// test, and waits until none is left.
func (r *rig) cleanup() {
	r.t.Helper()
	if _, err := r.s.Nodes[0].Exec(r.ctx, "crm_resource", "--cleanup"); err != nil {
		r.t.Fatal(err)
	}
	r.wait("failures cleared", time.Minute, r.s.Nodes[0], func(st *State) string {
		if len(st.Failures) > 0 {
			return fmt.Sprintf("%d failures left", len(st.Failures))
		}
		return ""
	})
}

// links waits until corosync on n has want links connected to its peer.
func (r *rig) links(n *Node, want int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, time.Minute)
	defer cancel()
	for {
		out, _ := n.Exec(ctx, "corosync-cfgtool", "-s")
		if strings.Count(string(out), ":\tconnected") == want {
			return
		}
		select {
		case <-ctx.Done():
			r.t.Fatalf("corosync on %s never had %d links connected:\n%s", n.Name, want, out)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// The runbook's section 11, and what two-node clusters get wrong, on the
// suite as deployed: the bootstrap's CIB on the installed agents, fenced
// through libvirt. A client writes numbered rows through the floating IP
// in every case; each case ends by proving every acknowledged row is
// there and nothing was ever active on both nodes.
//
// Limit: a node's power-off kills its processes and takes its links down;
// it is not a power loss of a machine. The page cache of the shared loop
// device is the host's and survives, so unsynced writes of the killed
// node still reach the disk, which a real power loss would lose.
// step is one case of the shared cluster's sequence.
type step struct {
	name string
	run  func(t *testing.T, r *rig)
}

func TestRunbookSection11(t *testing.T) {
	start := time.Now()
	r := newRig(t)
	t.Cleanup(func() { t.Logf("section 11 tier: %s", time.Since(start).Round(time.Second)) })
	s := r.s
	steps := []step{
		{"01 reboot of the passive node: nothing moves", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			start := time.Now()
			w := r.writer()
			if err := s.Reboot(r.ctx, p); err != nil {
				t.Fatal(err)
			}
			r.steady("after the reboot", 5*time.Second, a, dbOn(a))
			if f := r.fencings(start); len(f) > 0 {
				t.Errorf("a clean reboot fenced: %+v", f)
			}
			report := r.finish(w)
			if gap, _ := report.LongestGap(); gap.Len() > 3*time.Second {
				t.Errorf("writes stopped for %s while the passive node rebooted", gap.Len())
			}
		}},
		{"02 graceful reboot of the active node: moves without fencing, and stays", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			start := time.Now()
			w := r.writer()
			if err := s.Reboot(r.ctx, a); err != nil {
				t.Fatal(err)
			}
			r.waitDB(p, time.Minute)
			r.steady("the rebooted node is back", 15*time.Second, p, dbOn(p))
			if f := r.fencings(start); len(f) > 0 {
				t.Errorf("a clean reboot fenced: %+v", f)
			}
			r.finish(w)
		}},
		{"03 power-off of the active node: fenced by fence_qvd_libvirt, everything moves", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			start := time.Now()
			w := r.writer()
			if err := s.PowerOff(r.ctx, a); err != nil {
				t.Fatal(err)
			}
			dead := time.Now() // the hook returns once every process of the node is gone
			t.Logf("writes accepted on %s %s after the power-off of %s", p.Name, r.recovery(w, dead, 2*time.Minute), a.Name)
			r.waitDB(p, time.Minute)
			r.waitStatus("the fencing in qvd-ha status", time.Minute, p, levelWith("WARNING", a.Name+" was fenced", "by "+p.Name))
			if !slices.ContainsFunc(r.fencings(start), func(f Fencing) bool { return f.Target == a.Name && f.Delegate == p.Name }) {
				t.Errorf("no fencing of %s by %s: %+v", a.Name, p.Name, r.fencings(start))
			}
			r.finish(w)
		}},
		{"04 the fenced node comes back: nothing moves back", func(t *testing.T, r *rig) {
			a := r.active()
			// Fencing's reboot switched the domain on again: it boots.
			ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
			defer cancel()
			if err := s.WaitOnline(ctx, s.Nodes...); err != nil {
				t.Fatal(err)
			}
			w := r.writer()
			r.steady("the fenced node has rejoined", 15*time.Second, a, dbOn(a))
			r.finish(w)
		}},
		{"05 kill -9 of postgres: restarts on the same node", func(t *testing.T, r *rig) {
			r.cleanup()
			a := r.active()
			w := r.writer()
			killed := time.Now()
			if err := s.KillPostmaster(r.ctx, a); err != nil {
				t.Fatal(err)
			}
			t.Logf("writes accepted again %s after the kill (monitor interval %s)", r.recovery(w, killed, time.Minute),
				s.Config.Timers.PgSQL.Monitor)
			r.failedOn(a)
			r.waitDB(a, time.Minute)
			r.finish(w)
		}},
		{"06 kill -9 again: moves (migration-threshold 2)", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			w := r.writer()
			killed := time.Now()
			if err := s.KillPostmaster(r.ctx, a); err != nil {
				t.Fatal(err)
			}
			t.Logf("writes accepted on %s %s after the second kill", p.Name, r.recovery(w, killed, time.Minute))
			r.waitDB(p, time.Minute)
			r.finish(w)
		}},
		{"07 failing on both nodes: stopped everywhere until failure-timeout, then recovers", func(t *testing.T, r *rig) {
			r.cleanup()
			a := r.active()
			p := s.Peer(a)
			w := r.writer()
			// A setting the server refuses: every start fails, on both nodes.
			conf := filepath.Join(s.Config.PGData, "postgresql.conf")
			if _, err := a.Exec(r.ctx, "sh", "-c", fmt.Sprintf("cp -p %[1]s %[1]s.good && echo \"shared_buffers = 'broken'\" >> %[1]s", conf)); err != nil {
				t.Fatal(err)
			}
			if err := s.KillPostmaster(r.ctx, a); err != nil {
				t.Fatal(err)
			}
			r.wait("stopped everywhere", 2*time.Minute, p, func(st *State) string {
				if w := st.Where("p_postgres"); len(w) > 0 {
					return fmt.Sprintf("p_postgres is %v", w)
				}
				for _, n := range s.Nodes {
					if !slices.ContainsFunc(st.Failures, func(f OpFailure) bool { return f.Node == n.Name }) {
						return "no failure on " + n.Name + " yet"
					}
				}
				return ""
			})
			stopped := time.Now()
			r.waitStatus("the stop in qvd-ha status", time.Minute, p, levelWith("CRITICAL", "the database runs nowhere"))
			// The administrator repairs the configuration where the
			// filesystem is mounted; the failures still ban both nodes.
			fs := r.state().Where("p_fs_postgres")
			if len(fs) != 1 {
				t.Fatalf("the filesystem is %v, want mounted on one node to repair the configuration", fs)
			}
			if _, err := s.Node(strings.TrimPrefix(fs[0], "Started ")).Exec(r.ctx, "mv", conf+".good", conf); err != nil {
				t.Fatal(err)
			}
			r.wait("recovered after failure-timeout", 3*time.Minute, p, func(st *State) string {
				if len(st.Where("p_postgres")) == 0 {
					return "the database is stopped"
				}
				return ""
			})
			t.Logf("stopped everywhere for %s (failure-timeout %s)", time.Since(stopped).Round(time.Second), s.Config.Timers.FailureTimeout)
			r.waitDB(r.active(), time.Minute)
			r.finish(w)
			r.cleanup()
		}},
		{"08 one corosync link cut: nothing moves", func(t *testing.T, r *rig) {
			a := r.active()
			for _, n := range s.Nodes {
				out, _ := n.Exec(r.ctx, "corosync-cfgtool", "-s")
				t.Logf("corosync-cfgtool -s on %s, both links up:\n%s", n.Name, out)
			}
			w := r.writer()
			if err := s.Cut(a, Crossover, false); err != nil {
				t.Fatal(err)
			}
			defer s.Cut(a, Crossover, true)
			r.links(a, 1)
			for _, n := range s.Nodes {
				r.waitStatus("the cut link in qvd-ha status", time.Minute, n, levelWith("WARNING", "corosync link 1 ", "to "+s.Peer(n).Name+" is down"))
				// The fixtures of bootstrap/status/testdata.
				out, _ := n.Exec(r.ctx, "corosync-cfgtool", "-s")
				t.Logf("corosync-cfgtool -s on %s, crossover of %s cut:\n%s", n.Name, a.Name, out)
			}
			r.steady("one link down", 15*time.Second, a, dbOn(a))
			if err := s.Cut(a, Crossover, true); err != nil {
				t.Fatal(err)
			}
			r.links(a, 2)
			r.finish(w)
		}},
		{"09 both links of the passive node cut: the database's node fences it, and it fences no one", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			start := time.Now()
			w := r.writer()
			for _, l := range []string{LAN, Crossover} {
				if err := s.Cut(p, l, false); err != nil {
					t.Fatal(err)
				}
			}
			restored := false
			restore := func() {
				if !restored {
					restored = true
					s.Cut(p, LAN, true)
					s.Cut(p, Crossover, true)
				}
			}
			defer restore()
			var fenced Fencing
			r.wait("the passive node fenced", 2*time.Minute, a, func(*State) string {
				for _, f := range r.fencings(start) {
					if f.Delegate != "" {
						fenced = f
						return ""
					}
				}
				return "no fencing yet"
			})
			if fenced.Target != p.Name || fenced.Delegate != a.Name {
				t.Fatalf("fencing: %+v, want %s fenced by %s", fenced, p.Name, a.Name)
			}
			kills, err := p.KillTimes()
			if err != nil || len(kills) == 0 {
				t.Fatalf("no kill of %s in its power log: %v", p.Name, err)
			}
			if kill := kills[len(kills)-1]; !kill.Before(fenced.At) {
				t.Errorf("the fencer confirmed at %s, before %s was dead at %s", fenced.At.Format(stampFormat), p.Name, kill.Format(stampFormat))
			} else {
				t.Logf("%s dead at %s, fencing confirmed at %s", p.Name, kill.Format(stampFormat), fenced.At.Format(stampFormat))
			}
			// Fencing's reboot boots it again, its links still cut. Its
			// cluster is up once its CIB answers and it counts itself
			// online: crm_mon -1 exits 0 earlier, while pacemakerd is
			// still starting the CIB manager.
			r.wait(p.Name+" back, alone", 2*time.Minute, p, func(st *State) string {
				if online, _ := st.Online(p.Name); !online {
					return p.Name + " is not online in its own view yet"
				}
				return ""
			})
			r.steady("the fenced node alone", 20*time.Second, p, dbNotOn(p))
			for _, f := range r.fencings(fenced.At) {
				if f.Node == p.Name {
					t.Errorf("the isolated node fenced or asked to fence: %+v", f)
				}
			}
			restore()
			ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
			defer cancel()
			if err := s.WaitOnline(ctx, s.Nodes...); err != nil {
				t.Fatal(err)
			}
			r.steady("rejoined", 5*time.Second, a, dbOn(a))
			r.finish(w)
		}},
		{"10 fencing fails while the active node is lost: the survivor starts nothing until it succeeds", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			start := time.Now()
			w := r.writer()
			if err := FreezeLibvirtd(false); err != nil {
				t.Fatal(err)
			}
			thawed := false
			thaw := func() {
				if !thawed {
					thawed = true
					if err := FreezeLibvirtd(true); err != nil {
						t.Error(err)
					}
				}
			}
			defer thaw()
			if err := a.Kill(r.ctx); err != nil {
				t.Fatal(err)
			}
			r.wait(p.Name+" sees "+a.Name+" lost", time.Minute, p, func(st *State) string {
				if online, _ := st.Online(a.Name); online {
					return a.Name + " still online"
				}
				return ""
			})
			// What ran on the lost node stays "Started (UNCLEAN)" there
			// until fencing confirms it is off.
			r.steady("fencing cannot succeed", 40*time.Second, p, dbNotOn(p))
			for _, f := range r.fencings(start) {
				if f.Delegate != "" {
					t.Errorf("fencing confirmed while libvirtd was frozen: %+v", f)
				}
			}
			thaw()
			r.waitDB(p, 3*time.Minute)
			ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
			defer cancel()
			if err := s.WaitOnline(ctx, s.Nodes...); err != nil {
				t.Fatal(err)
			}
			r.finish(w)
		}},
		{"11 the router stops answering: moves; on both nodes the database stops", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			w := r.writer()
			if err := s.BlockRouter(a, false); err != nil {
				t.Fatal(err)
			}
			defer s.BlockRouter(a, true)
			r.waitDB(p, 2*time.Minute)
			r.waitStatus("the lost ping in qvd-ha status", time.Minute, p, levelWith("WARNING", "node "+a.Name+" reaches none of its ping hosts"))
			if err := s.BlockRouter(p, false); err != nil {
				t.Fatal(err)
			}
			defer s.BlockRouter(p, true)
			// The runbook's rule: the database runs only where pingd > 0.
			r.wait("no node reaches the router", 2*time.Minute, p, dbNowhere)
			s.BlockRouter(a, true)
			s.BlockRouter(p, true)
			r.wait("the router answers again", 2*time.Minute, p, func(st *State) string {
				if len(st.Where("p_postgres")) != 1 {
					return "the database is not running"
				}
				return ""
			})
			r.waitDB(r.active(), time.Minute)
			r.finish(w)
		}},
		{"12 crm resource migrate and unmigrate: moves, and unmigrate does not move it back; 13 MailTo mails the takeover", func(t *testing.T, r *rig) {
			a := r.active()
			p := s.Peer(a)
			w := r.writer()
			asked := time.Now()
			if _, err := a.Exec(r.ctx, "crm", "resource", "migrate", "g_postgres", p.Name); err != nil {
				t.Fatal(err)
			}
			r.waitDB(p, 2*time.Minute)
			t.Logf("writes accepted on %s %s after the migrate", p.Name, r.recovery(w, asked, time.Minute))
			r.waitStatus("the move constraint in qvd-ha status", time.Minute, p, levelWith("WARNING", "cli-prefer-g_postgres"))
			if _, err := a.Exec(r.ctx, "crm", "resource", "unmigrate", "g_postgres"); err != nil {
				t.Fatal(err)
			}
			r.steady("after unmigrate", 15*time.Second, p, dbOn(p))
			r.finish(w)

			// 13: MailTo mailed the takeover from the new node (exim's
			// local delivery into the node's own /var/mail).
			mbox := filepath.Join(p.Dir, "var/mail/mail")
			want := "Takeover in progress"
			r.wait("MailTo's takeover mail", time.Minute, p, func(*State) string {
				data, _ := os.ReadFile(mbox)
				for _, msg := range strings.Split(string(data), "\nFrom ") {
					if strings.Contains(msg, want) && strings.Contains(msg, " on "+p.Name) {
						return ""
					}
				}
				return "no takeover mail in " + mbox
			})
		}},
	}
	// Later issues' cases share this cluster; each file holds its own.
	steps = append(steps, statusSteps(s)...)
	steps = append(steps, switchoverSteps(s)...)
	steps = append(steps, maintenanceSteps(s)...)
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			sub := *r
			sub.t = t // failures belong to the case, not to the whole tier
			sub.settled()
			st.run(t, &sub)
		})
		if !ok {
			return
		}
	}
}
