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
	"github.com/qvd-ha/qvd-ha/internal/pcmk"
	"github.com/qvd-ha/qvd-ha/internal/runner"
)

// maintenanceSection is the one source of the maintenance section of
// README.md and qvd-ha(8); its ```sh blocks are what these cases run.
const maintenanceSection = "../../bootstrap/ops/maintenance.md"

// drbdMark on a block's first line: the block needs replicated storage,
// which the namespace cluster (a shared disk) does not have.
const drbdMark = "(DRBD)"

func readSection(t testing.TB) []ShellBlock {
	t.Helper()
	blocks, err := ShellBlocks(maintenanceSection)
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// The section's commands, run as an administrator runs them inside the
// nodes, by case; the DRBD blocks belong to the guest tier.
const (
	bStatus        = "# on either node"
	bSwitchover    = "# on either node: the database moves to qvddb2"
	bMoveByHand    = "# on either node: the database moves back to qvddb1, by hand"
	bStop          = "# on either node: stops PostgreSQL, the floating IP, then unmounts the filesystem"
	bStart         = "# on either node: mounts, brings the floating IP up, starts PostgreSQL"
	bStandby       = "# on qvddb2 itself: it runs nothing until it is online again"
	bOnline        = "# on qvddb2 itself: it takes part again (its DRBD resynchronises; the database stays where it is)"
	bPGRestart     = "# on the node running the database (qvddb1): PostgreSQL restarted by hand"
	bHandBack      = "# on the node running the database (qvddb1): check, then hand back to Pacemaker"
	bBackup        = "# on the node running the database (qvddb1)"
	bRestoreInto   = "# on the node running the database (qvddb1): the newest dump into qvddb_restore"
	bRowCounts     = "# on the node running the database (qvddb1): rows per table, live and restored"
	bSwap          = "# on the node running the database (qvddb1): the restored database becomes qvddb, the old one qvddb_old"
	bDropOld       = "# on the node running the database (qvddb1): deletes the contents qvddb held before the restore, for good"
	qvddb1, qvddb2 = "qvddb1", "qvddb2"
)

// maintenanceCase runs the named blocks of the section, and nothing else
// of it.
type maintenanceCase struct {
	name   string
	blocks []string
	run    func(t *testing.T, r *rig, sec *section)
}

func maintenanceCases() []maintenanceCase {
	return []maintenanceCase{
		{"30 maintenance: status first", []string{bStatus}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			out, code := sec.run(qvddb2, bStatus)
			if code != 0 && code != 1 {
				t.Errorf("qvd-ha status on the settled cluster exited %d, want OK or WARNING:\n%s", code, out)
			}
		}},
		{"31 maintenance: switch-over with qvd-ha, and back by hand", []string{bSwitchover, bMoveByHand}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			w := r.writer()
			sec.mustRun(qvddb1, bSwitchover)
			r.waitDB(r.s.Node(qvddb2), time.Minute)
			sec.noMoveConstraint()
			sec.mustRun(qvddb2, bMoveByHand)
			r.steady("moved back by hand", 10*time.Second, r.s.Node(qvddb1), dbOn(r.s.Node(qvddb1)))
			sec.noMoveConstraint()
			r.finish(w)
		}},
		{"32 maintenance: the database stopped and started through the cluster", []string{bStop, bStart}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			w := r.writer()
			sec.mustRun(qvddb2, bStop)
			r.wait("the database stopped", time.Minute, r.s.Nodes[0], func(st *State) string {
				if bad := dbNowhere(st); bad != "" {
					return bad
				}
				if w := st.Where("p_mailto"); len(w) > 0 {
					return fmt.Sprintf("p_mailto is %v", w)
				}
				return ""
			})
			// What the section says stays running.
			st := r.state()
			if w := st.Where("p_ping"); len(w) != 2 {
				t.Errorf("c_ping is %v with the database stopped, want on both nodes", w)
			}
			for _, n := range r.s.Nodes {
				if w := st.Where("p_fence_" + n.Name); len(w) != 1 {
					t.Errorf("p_fence_%s is %v with the database stopped, want running", n.Name, w)
				}
			}
			sec.mustRun(qvddb2, bStart)
			r.waitDB(r.s.Node(qvddb1), time.Minute)
			r.finish(w)
		}},
		{"33 maintenance: standby of the node without the database for OS work", []string{bStandby, bOnline}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			a, p := r.s.Node(qvddb1), r.s.Node(qvddb2)
			w := r.writer()
			sec.mustRun(p, bStandby)
			r.wait(p.Name+" in standby", time.Minute, a, func(st *State) string {
				if !slices.ContainsFunc(st.Nodes, func(n pcmk.Node) bool { return n.Name == p.Name && n.Standby }) {
					return p.Name + " is not in standby"
				}
				if w := st.Where("p_ping"); slices.Contains(w, "Started "+p.Name) {
					return "c_ping still runs on " + p.Name
				}
				return ""
			})
			r.steady("standby of the passive node", 5*time.Second, a, dbOn(a))
			sec.mustRun(p, bOnline)
			r.wait(p.Name+" online", time.Minute, a, func(st *State) string {
				if slices.ContainsFunc(st.Nodes, func(n pcmk.Node) bool { return n.Name == p.Name && n.Standby }) {
					return p.Name + " is still in standby"
				}
				return ""
			})
			r.steady("the node back", 5*time.Second, a, dbOn(a))
			r.finish(w)
		}},
		{"34 maintenance: PostgreSQL restarted by hand under maintenance-mode", []string{bPGRestart, bHandBack}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			a := r.s.Node(qvddb1)
			w := r.writer()
			before := postmasterPID(t, r, a)
			sec.mustRun(a, bPGRestart)
			if !r.state().MaintenanceMode {
				t.Error("crm_mon does not report maintenance-mode")
			}
			if after := postmasterPID(t, r, a); after == before {
				t.Errorf("the postmaster is still %s: PostgreSQL did not restart", before)
			}
			sec.mustRun(a, bHandBack)
			handedBack(r, a)
			// Longer than a monitor interval: Pacemaker accepts the
			// server started by hand.
			r.steady("back under Pacemaker", 25*time.Second, a, func(st *State) string {
				if len(st.Failures) > 0 {
					return fmt.Sprintf("failures: %+v", st.Failures)
				}
				return dbOn(a)(st)
			})
			r.finish(w)
		}},
		{"35 maintenance: backup, and a restore swapped in under maintenance-mode", []string{bBackup, bRestoreInto, bRowCounts, bSwap, bHandBack, bDropOld}, func(t *testing.T, r *rig, sec *section) {
			sec.placeOn(qvddb1)
			a := r.s.Node(qvddb1)
			for _, n := range r.s.Nodes {
				ownBackupDir(t, r, n)
			}
			w := r.writer()
			if _, err := w.WaitAckAfter(r.ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			// Every acknowledged row is in the dump: the writer stops first.
			report := r.finish(w)
			out := sec.mustRun(a, bBackup)
			if !strings.Contains(out, "qvddb-") {
				t.Errorf("the backup's directory lists no dump:\n%s", out)
			}
			// A row the dump does not have: the restore must drop it,
			// qvddb_old must keep it.
			psql(t, r, a, "qvddb", "insert into writes (n) values (-1)")
			sec.mustRun(a, bRestoreInto)
			counts := sec.mustRun(a, bRowCounts)
			if !strings.Contains(counts, "pacemaker_monitor|1") || !strings.Contains(counts, "writes|") {
				t.Errorf("row counts lack the tables:\n%s", counts)
			}
			sec.mustRun(a, bSwap)
			sec.mustRun(a, bHandBack)
			handedBack(r, a)
			if got := psql(t, r, a, "qvddb", "select count(*) from writes where n = -1"); got != "0" {
				t.Errorf("the row written after the dump is in the restored database (%s): nothing was restored", got)
			}
			if got := psql(t, r, a, "postgres", "select count(*) from pg_database where datname = 'qvddb_old'"); got != "1" {
				t.Errorf("qvddb_old: %s databases, want the old one kept", got)
			}
			conn, err := w.Connect(r.ctx)
			if err != nil {
				t.Fatalf("the restored database through the floating IP: %v", err)
			}
			if err := report.Verify(r.ctx, conn); err != nil {
				t.Errorf("the restored database lacks acknowledged rows: %v", err)
			}
			conn.Close(r.ctx)
			r.steady("the restored database under Pacemaker", 25*time.Second, a, func(st *State) string {
				if st.MaintenanceMode {
					return "maintenance-mode is still on"
				}
				if len(st.Failures) > 0 {
					return fmt.Sprintf("failures: %+v", st.Failures)
				}
				return dbOn(a)(st)
			})
			w = r.writer()
			if _, err := w.WaitAckAfter(r.ctx, time.Now()); err != nil {
				t.Fatalf("no write accepted by the restored database: %v", err)
			}
			r.finish(w)
			sec.mustRun(a, bDropOld)
			if got := psql(t, r, a, "postgres", "select count(*) from pg_database where datname = 'qvddb_old'"); got != "0" {
				t.Errorf("qvddb_old is still there after dropdb")
			}
		}},
	}
}

// maintenanceSteps are the maintenance section's cases (issue 16), run
// after section 11 on its cluster.
func maintenanceSteps(s *Stack) []step {
	var steps []step
	for _, c := range maintenanceCases() {
		steps = append(steps, step{c.name, func(t *testing.T, r *rig) {
			sec := &section{t: t, r: r, blocks: readSection(t), allowed: c.blocks, ran: map[string]bool{}}
			c.run(t, r, sec)
			for _, name := range c.blocks {
				if !sec.ran[name] {
					t.Errorf("the case did not run the block %q it claims", name)
				}
			}
		}})
	}
	return steps
}

// TestMaintenanceSectionRun checks, without a cluster, that every block
// of the section is run by one of the cases, or marked for replicated
// storage (the guest tier runs those: it fails on a block it does not
// find); a block changed or added without a case fails here.
func TestMaintenanceSectionRun(t *testing.T) {
	blocks := readSection(t)
	byName := map[string]bool{}
	for _, b := range blocks {
		if byName[b.Name] {
			t.Errorf("two blocks start with %q: the first line names a block", b.Name)
		}
		byName[b.Name] = true
	}
	run := map[string]string{}
	for _, c := range maintenanceCases() {
		for _, name := range c.blocks {
			switch {
			case !byName[name]:
				t.Errorf("case %q runs %q, which the section does not have", c.name, name)
			case strings.Contains(name, drbdMark):
				t.Errorf("case %q runs %q, a DRBD block, on the shared-disk cluster", c.name, name)
			}
			run[name] = c.name
		}
	}
	var drbd []string
	for _, b := range blocks {
		switch {
		case strings.Contains(b.Name, drbdMark):
			drbd = append(drbd, b.Name)
		case run[b.Name] == "":
			t.Errorf("no case runs the block %q of %s", b.Name, maintenanceSection)
		}
	}
	if len(drbd) == 0 {
		t.Errorf("no block of %s is marked %s: the DRBD verify procedure is missing", maintenanceSection, drbdMark)
	}
	t.Logf("blocks run by test/guestcluster (case 7, verifyDifferences): %q", drbd)
}

// section runs a case's blocks inside the nodes.
type section struct {
	t       *testing.T
	r       *rig
	blocks  []ShellBlock
	allowed []string
	ran     map[string]bool
}

// shipped maps the shipped paths in the text to the stack's (its
// configuration file; its data directory is the shared disk's mount
// point, pg_ctl is Debian's, as in the stack's CIB), and keeps backups on
// their node: the namespace nodes have no ssh between them.
func (sec *section) shipped(body string) string {
	def, s := config.Default(), sec.r.s
	return strings.NewReplacer(
		installedConfig+" backup\n", s.ConfigFile+" backup --no-copy\n",
		installedConfig, s.ConfigFile,
		def.PGData, s.Config.PGData,
		"pg_ctl ", s.Config.PGCtl+" ",
	).Replace(body)
}

// installedConfig is where the installed programs' configuration lives.
const installedConfig = "/etc/qvd-ha/bootstrap.conf"

// run runs the named block in node (a name or *Node) with bash -e, the
// installed programs replaced by the harness's builds with the stack's
// configuration, and returns its output and exit status.
func (sec *section) run(node any, name string) (string, int) {
	sec.t.Helper()
	if !slices.Contains(sec.allowed, name) {
		sec.t.Fatalf("the case runs %q without claiming it", name)
	}
	i := slices.IndexFunc(sec.blocks, func(b ShellBlock) bool { return b.Name == name })
	if i < 0 {
		sec.t.Fatalf("%s has no block %q", maintenanceSection, name)
	}
	n, ok := node.(*Node)
	if !ok {
		n = sec.r.s.Node(node.(string))
	}
	sec.ran[name] = true
	ctx, cancel := context.WithTimeout(sec.r.ctx, 3*time.Minute)
	defer cancel()
	script := "export PATH=" + sec.wrappers() + ":$PATH\n" + sec.shipped(sec.blocks[i].Body)
	res, err := n.runInside(ctx, runner.Cmd{Path: "bash", Args: []string{"-e", "-o", "pipefail", "-c", script}})
	out := string(res.Stdout) + string(res.Stderr)
	sec.t.Logf("on %s:\n%s--- exit %d\n%s", n.Name, sec.blocks[i].Body, res.ExitCode, out)
	if err != nil && res.ExitCode <= 0 {
		sec.t.Fatalf("%s on %s: %v", name, n.Name, err)
	}
	return out, res.ExitCode
}

// mustRun runs the named block and fails the case unless it exits 0.
func (sec *section) mustRun(node any, name string) string {
	sec.t.Helper()
	out, code := sec.run(node, name)
	if code != 0 {
		sec.t.Fatalf("%q exited %d", name, code)
	}
	return out
}

// wrappers is a directory of qvd-ha and qvd-ha-bootstrap scripts that run
// the harness's builds; qvd-ha with the stack's configuration, as the
// installed one reads /etc/qvd-ha/bootstrap.conf by default
// (qvd-ha-bootstrap's --config is in the text).
func (sec *section) wrappers() string {
	sec.t.Helper()
	s := sec.r.s
	dir := filepath.Join(s.Dir, "maintenance-bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		sec.t.Fatal(err)
	}
	for prog, args := range map[string]string{"qvd-ha": "--config " + s.ConfigFile + " ", "qvd-ha-bootstrap": ""} {
		script := fmt.Sprintf("#!/bin/sh\nexec %s %s\"$@\"\n", filepath.Join(s.Bin, prog), args)
		if err := os.WriteFile(filepath.Join(dir, prog), []byte(script), 0o755); err != nil {
			sec.t.Fatal(err)
		}
	}
	return dir
}

// placeOn puts the database on the named node, as the section's examples
// assume, with the crm_resource move the section's by-hand block uses.
func (sec *section) placeOn(name string) {
	sec.t.Helper()
	r, n := sec.r, sec.r.s.Node(name)
	if r.active() == n {
		return
	}
	if _, err := n.Exec(r.ctx, "crm_resource", "--move", "-r", "g_postgres", "--node", name); err != nil {
		sec.t.Fatal(err)
	}
	r.waitDB(n, 2*time.Minute)
	if _, err := n.Exec(r.ctx, "crm_resource", "--clear", "-r", "g_postgres"); err != nil {
		sec.t.Fatal(err)
	}
	r.settled()
}

// noMoveConstraint fails the case when a move or ban is left in the CIB.
func (sec *section) noMoveConstraint() {
	sec.t.Helper()
	out, err := sec.r.s.Nodes[0].Exec(sec.r.ctx, "cibadmin", "--query", "--scope", "constraints")
	if err != nil {
		sec.t.Fatal(err)
	}
	if strings.Contains(string(out), `id="cli-`) {
		sec.t.Errorf("a move or ban constraint is left behind:\n%s", out)
	}
}

// ownBackupDir gives node n a /var/backup of its own, as each real node
// has its own disk; the nodes otherwise share the host's.
func ownBackupDir(t *testing.T, r *rig, n *Node) {
	t.Helper()
	dir := filepath.Join(n.Dir, "var/backup")
	for _, d := range []string{dir, "/var/backup"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Exec(r.ctx, "sh", "-c", "mountpoint -q /var/backup || mount --bind "+dir+" /var/backup"); err != nil {
		t.Fatal(err)
	}
}

// handedBack waits until maintenance-mode is off and the refresh's probes
// have found the group running on a again.
func handedBack(r *rig, a *Node) {
	r.t.Helper()
	r.wait("maintenance-mode off and the group probed", time.Minute, a, func(st *State) string {
		if st.MaintenanceMode {
			return "maintenance-mode is still on"
		}
		return dbOn(a)(st)
	})
}

// psql runs one statement as postgres in node n and returns its output.
func psql(t *testing.T, r *rig, n *Node, db, sql string) string {
	t.Helper()
	out, err := n.Exec(r.ctx, "runuser", "-u", "postgres", "--", "psql", "-d", db, "-Atc", sql)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// postmasterPID is the first line of the running server's postmaster.pid.
func postmasterPID(t *testing.T, r *rig, n *Node) string {
	t.Helper()
	out, err := n.Exec(r.ctx, "head", "-n", "1", filepath.Join(r.s.Config.PGData, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
