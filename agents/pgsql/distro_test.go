//go:build root

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

// distroConfig manages a pg_createcluster cluster as a switched heartbeat
// primitive would: no monitor_user (pgdba's peer credentials), no
// socketdir, postgresql.conf under /etc.
func distroConfig(s *pgtest.Server) config {
	return config{
		"pgctl":  filepath.Join(pgtest.BinDir, "pg_ctl"),
		"pgdata": s.Data,
		"pgport": fmt.Sprint(s.Port),
		"config": s.Config,
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDistributionCluster: a cluster made by pg_createcluster, with its
// stock pg_hba.conf ("local all postgres peer"), through start, monitor,
// stop and a crash, the QVD database missing and then created.
func TestDistributionCluster(t *testing.T) {
	s := pgtest.NewCluster(t)
	hba := filepath.Join(filepath.Dir(s.Config), "pg_hba.conf")
	stock := readFile(t, hba)
	p := distroConfig(s)
	t.Cleanup(func() { run(t, "stop", p) })
	const noDB = "database qvddb does not exist: set pgdb="

	// Stopped, validate-all cannot ask the server whether qvddb exists.
	expect(t, run(t, "validate-all", p), 0, "")
	expect(t, run(t, "start", p), 6, noDB)
	expect(t, run(t, "validate-all", p), 6, noDB)
	expect(t, run(t, "monitor", p), 6, noDB)
	if r := run(t, "start", p.with("pgdb", "qvd")); r.rc != 6 || strings.Contains(r.reason(), "template1") {
		t.Fatalf("start with pgdb set: rc %d, reason %q: want 6, without the hint about the default", r.rc, r.reason())
	}
	s.Exec("postgres", "create database qvddb")

	steps := []struct {
		name   string
		do     func()
		action string
		meta   []string
		rc     int
		reason string
	}{
		{name: "start while running", action: "start"},
		{name: "monitor", action: "monitor"},
		{name: "probe", action: "monitor", meta: []string{"interval", "0"}},
		{name: "validate-all while running", action: "validate-all"},
		{name: "stop", action: "stop"},
		{name: "monitor stopped", action: "monitor", rc: 7},
		{name: "start", action: "start"},
		{name: "crash", do: func() {
			if err := syscall.Kill(s.PostmasterPID(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "postmaster to die", func() bool { return readProc(s.PostmasterPID()) == nil })
		}, action: "monitor", rc: 7, reason: "crashed"},
		{name: "validate-all after the crash", action: "validate-all"},
		{name: "start recovers", action: "start"},
		{name: "monitor recovered", action: "monitor"},
		{name: "stop again", action: "stop"},
		{name: "started by the distribution's tools", do: s.Start, action: "start"},
		{name: "monitor after that", action: "monitor"},
		{name: "final stop", action: "stop"},
	}
	for _, st := range steps {
		if st.do != nil {
			st.do()
		}
		r := run(t, st.action, p, st.meta...)
		if r.rc != st.rc || !strings.Contains(r.reason(), st.reason) {
			t.Fatalf("%s: %s: rc %d, reason %q; want %d, %q\n%s", st.name, st.action, r.rc, r.reason(), st.rc, st.reason, r.stderr)
		}
	}
	if left := s.Processes(); len(left) > 0 {
		t.Fatalf("processes left after stop: %v", left)
	}
	if now := readFile(t, hba); !bytes.Equal(now, stock) {
		t.Fatalf("pg_hba.conf changed:\n%s", now)
	}
}

// TestPeerMonitorRunsNoChild: the monitor as pgdba connects from the agent
// itself; with debug logging the runtime traces every command it runs.
func TestPeerMonitorRunsNoChild(t *testing.T) {
	s := pgtest.NewCluster(t)
	s.Start()
	s.Exec("postgres", "create database qvddb")
	r := runIn(t, invocation{env: []string{"HA_debug=1"}}, "monitor", distroConfig(s))
	expect(t, r, 0, "")
	if strings.Contains(r.stderr, "running ") {
		t.Fatalf("the monitor ran a command:\n%s", r.stderr)
	}
}

// TestRunbookMonitorUser: the runbook's monitor user, a role with a
// password (section 8), reached over TCP on a stock pg_hba.conf with the
// password in a .pgpass file rather than the CIB.
func TestRunbookMonitorUser(t *testing.T) {
	s := pgtest.NewCluster(t)
	s.Start()
	t.Cleanup(s.Stop)
	s.Exec("postgres", fmt.Sprintf("create role %s login password '%s'", pgtest.User, pgtest.Password))
	s.Exec("postgres", fmt.Sprintf("create database %s owner %s", pgtest.DB, pgtest.User))
	s.Exec(pgtest.DB, "set role "+pgtest.User+"; create table pacemaker_monitor (last_update timestamp); insert into pacemaker_monitor values (current_timestamp)")
	p := distroConfig(s).with("monitor_user", pgtest.User, "pghost", "127.0.0.1",
		"monitor_sql", "update pacemaker_monitor set last_update=current_timestamp;")

	pgpass := func(t *testing.T, dir string) string {
		t.Helper()
		path := filepath.Join(dir, ".pgpass")
		line := fmt.Sprintf("127.0.0.1:%d:%s:%s:%s\n", s.Port, pgtest.DB, pgtest.User, pgtest.Password)
		if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// Pacemaker's executor may run agents with any HOME: the file is read
	// from root's home as /etc/passwd names it, here a private mount over
	// /root so that the machine's own /root is not touched.
	withRootHome := func(dir string) invocation {
		return invocation{
			wrap: []string{"unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$0" /root && exec "$@"`, dir},
			env:  []string{"HOME=/nonexistent"},
		}
	}
	rootHome := t.TempDir()
	pgpass(t, rootHome)

	cases := []struct {
		name   string
		how    invocation
		action string
		rc     int
		reason string
	}{
		{"root's .pgpass", withRootHome(rootHome), "monitor", 0, ""},
		{"root's .pgpass, start while running", withRootHome(rootHome), "start", 0, ""},
		{"PGPASSFILE", invocation{env: []string{"PGPASSFILE=" + pgpass(t, t.TempDir())}}, "monitor", 0, ""},
		{"no password anywhere", withRootHome(t.TempDir()), "monitor", 4, `authentication failed for user "qvd"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runIn(t, c.how, c.action, p)
			expect(t, r, c.rc, c.reason)
			if strings.Contains(r.stderr, pgtest.Password) {
				t.Fatalf("the password appears in the output:\n%s", r.stderr)
			}
		})
	}
}
