package cib

import (
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

// Scheduler tests: crm_simulate on the generated CIB, with node attributes
// set as ocf:qvd:drbd (promotion score) and ocf:pacemaker:ping (pingd) set
// them, and injected operation results and node events.

// scene is a cluster with the database started on its preferred node p; o
// is the other node.
type scene struct {
	*cluster
	p, o string
	drbd bool
}

func storages(t *testing.T, preferred string, f func(t *testing.T, s scene)) {
	for _, storage := range []string{"drbd", "shared"} {
		t.Run(storage+"-prefer-"+preferred, func(t *testing.T) {
			set := []string{"preferred_node=" + preferred}
			if storage == "shared" {
				set = append(set, "storage=shared", "shared.device=/dev/disk/by-id/wwn-0x600a0b80001234")
			}
			c, err := config.Load(nil, t.Name(), set)
			if err != nil {
				t.Fatal(err)
			}
			s := scene{cluster: newCluster(t, c), p: preferred, o: c.Peer(preferred).Name, drbd: c.Storage == config.StorageDRBD}
			s.simulate()
			s.expectDatabaseOn(s.p, "initial start")
			f(t, s)
		})
	}
}

// expectDatabaseOn checks that the whole stack runs on node (and DRBD is
// Promoted there and Unpromoted on the peer when that is up).
func (s scene) expectDatabaseOn(node, what string) {
	s.t.Helper()
	want := map[string]string{
		IDFS: "Started " + node, IDIP: "Started " + node, IDPgSQL: "Started " + node, IDMailTo: "Started " + node,
	}
	if s.drbd {
		peer := s.c.Peer(node).Name
		places := s.where()
		if strings.Contains(places[IDDRBD], "Unpromoted") {
			want[IDDRBD] = joinSorted("Promoted "+node, "Unpromoted "+peer)
		} else {
			want[IDDRBD] = "Promoted " + node
		}
	}
	s.expect(what, want)
}

func joinSorted(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + ", " + b
}

// moves reports summary lines that move the database or its promotion
// (a recovery in place is not a move).
func moves(lines []string) []string {
	var out []string
	for _, l := range lines {
		f := strings.Fields(l)
		if DisruptsDatabase(l) && (strings.Contains(l, "->") || f[0] == "Demote") {
			out = append(out, l)
		}
	}
	return out
}

func TestSchedulerStartsOnPreferredNode(t *testing.T) {
	for _, preferred := range []string{"qvddb1", "qvddb2"} {
		storages(t, preferred, func(t *testing.T, s scene) {
			// Both ping instances run; each fence device runs on the node
			// it does not fence.
			s.expect("initial start", map[string]string{
				IDPing:              "Started qvddb1, Started qvddb2",
				IDFencePrefix + s.p: "Started " + s.o,
				IDFencePrefix + s.o: "Started " + s.p,
			})
			// Start order: promote, then the group's members in order.
			chain := []string{IDFS + "_start_0@" + s.p, IDIP + "_start_0@" + s.p, IDPgSQL + "_start_0@" + s.p, IDMailTo + "_start_0@" + s.p}
			if s.drbd {
				chain = append([]string{IDDRBD + "_promote_0@" + s.p}, chain...)
			}
			s.wantOrder(chain...)
		})
	}
}

// TestSchedulerMonitorFailures: migration-threshold on the `cib` output
// itself (newCluster starts from it): a first pgsql monitor failure is
// recovered in place, the second moves the database, and with DRBD its
// promotion, to the other node.
func TestSchedulerMonitorFailures(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		// First failure: recovery in place (migration-threshold=2).
		lines := s.simulate("-i", IDPgSQL+"_monitor_10000@"+s.p+"=1")
		contains(t, "first failure", lines, "Recover "+IDPgSQL+" ( "+s.p+" )")
		if m := moves(lines); len(m) > 0 {
			t.Errorf("first failure moves: %q", m)
		}
		s.expectDatabaseOn(s.p, "after one failure")
		if n := s.failCount(IDPgSQL, s.p); n != "1" {
			t.Errorf("fail count after one failure: %q, want 1", n)
		}

		// Second failure: the group and the promotion move.
		lines = s.simulate("-i", IDPgSQL+"_monitor_10000@"+s.p+"=1")
		contains(t, "second failure", lines,
			"Recover "+IDPgSQL+" ( "+s.p+" -> "+s.o+" )",
			"Move "+IDFS+" ( "+s.p+" -> "+s.o+" )",
			"Move "+IDIP+" ( "+s.p+" -> "+s.o+" )")
		s.expectDatabaseOn(s.o, "after two failures")
		// What banned the node: the fail count reached migration-threshold.
		if n := s.failCount(IDPgSQL, s.p); n != "2" {
			t.Errorf("fail count after two failures: %q, want 2", n)
		}
		// Stop order is the reverse of start, and the peer is promoted
		// only once the old Promoted is demoted.
		chain := []string{IDPgSQL + "_stop_0@" + s.p, IDIP + "_stop_0@" + s.p, IDFS + "_stop_0@" + s.p}
		if s.drbd {
			chain = append(chain, IDDRBD+"_demote_0@"+s.p, IDDRBD+"_promote_0@"+s.o)
		}
		chain = append(chain, IDFS+"_start_0@"+s.o, IDIP+"_start_0@"+s.o, IDPgSQL+"_start_0@"+s.o)
		s.wantOrder(chain...)
	})
}

func TestSchedulerNodeFailure(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		lines := s.simulate("-f", s.p)
		fenced := false
		for _, l := range lines {
			fenced = fenced || strings.HasPrefix(l, "Fence (reboot) "+s.p+" ")
		}
		if !fenced {
			t.Errorf("losing %s schedules no fencing of it:\n%s", s.p, strings.Join(lines, "\n"))
		}
		// The fence race: fencing the node that ran the database waits
		// priority-fencing-delay, so that node would have shot first.
		if d := s.fencingDelay(s.p); d != "5" {
			t.Errorf("fencing the database's node: priority_fencing_delay %q, want libvirt's 5", d)
		}
		s.expectDatabaseOn(s.o, "after node failure")
		s.expect("after node failure", map[string]string{
			IDFencePrefix + s.p: "Started " + s.o,
			IDFencePrefix + s.o: "", // nowhere to run: never on the node it fences
		})
		// Nothing starts on the survivor before the fencing is done.
		s.wantOrder("stonith-"+s.p+"-reboot@"+s.p, IDFS+"_start_0@"+s.o)
	})
}

func TestSchedulerStandbyNodeFailure(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		lines := s.simulate("-f", s.o)
		if d := s.fencingDelay(s.o); d != "" && d != "0" {
			t.Errorf("fencing the node without the database is delayed by %s s", d)
		}
		if m := moves(lines); len(m) > 0 {
			t.Errorf("losing the standby node moves the database: %q", m)
		}
		s.expectDatabaseOn(s.p, "after standby failure")
	})
}

func TestSchedulerPingLost(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		s.attr(s.p, "pingd", "0")
		s.simulate()
		s.expectDatabaseOn(s.o, "pingd 0 on the active node")
	})
}

// TestSchedulerNoFailback: the preferred node fails, the database moves,
// the preferred node comes back with its data resynchronised: nothing moves.
func TestSchedulerNoFailback(t *testing.T) {
	storages(t, "qvddb1", func(t *testing.T, s scene) {
		s.simulate("-f", s.p)
		s.expectDatabaseOn(s.o, "after failover")
		s.simulate("-u", s.p)
		// The agents on the rejoined node: ping answers, DRBD UpToDate.
		s.attr(s.p, "pingd", "100")
		if s.drbd {
			s.attr(s.p, "master-"+IDDRBD, promotionScore)
		}
		lines := s.simulate()
		if m := moves(lines); len(m) > 0 {
			t.Errorf("the preferred node's return moves the database: %q", m)
		}
		s.expectDatabaseOn(s.o, "after the preferred node rejoined")
	})
}
