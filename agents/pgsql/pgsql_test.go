//go:build root

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/agents/ocf/ocftest"
	"github.com/qvd-ha/qvd-ha/test/pgtest"
)

type result struct {
	rc      int
	stdout  string
	stderr  string
	elapsed time.Duration
}

func (r result) reason() string { return ocftest.ExitReason(r.stderr) }

// config is an agent configuration for a test server.
type config map[string]string

func configFor(s *pgtest.Server) config {
	return config{
		"pgctl":        filepath.Join(pgtest.BinDir, "pg_ctl"),
		"pgdata":       s.Data,
		"pgport":       fmt.Sprint(s.Port),
		"socketdir":    s.SocketDir,
		"pgdb":         pgtest.DB,
		"monitor_user": "postgres",
		"logfile":      s.Log,
	}
}

func (p config) with(kv ...string) config {
	q := config{}
	for k, v := range p {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q[kv[i]] = kv[i+1]
	}
	return q
}

// run runs the agent the way pacemaker-execd does: action in argv,
// everything else in the environment. meta holds CRM_meta_* values.
func run(t *testing.T, action string, p config, meta ...string) result {
	t.Helper()
	return runIn(t, invocation{}, action, p, meta...)
}

// invocation changes how run starts the agent.
type invocation struct {
	wrap []string // a command that runs the agent: wrap... agent action
	env  []string // extra environment
}

func runIn(t *testing.T, how invocation, action string, p config, meta ...string) result {
	t.Helper()
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=pg",
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1", "OCF_RESKEY_CRM_meta_timeout=20000"}
	env = append(env, how.env...)
	for k, v := range p {
		env = append(env, "OCF_RESKEY_"+k+"="+v)
	}
	for i := 0; i+1 < len(meta); i += 2 {
		env = append(env, "OCF_RESKEY_CRM_meta_"+meta[i]+"="+meta[i+1])
	}
	if action == "monitor" && !hasMeta(meta, "interval") {
		env = append(env, "OCF_RESKEY_CRM_meta_interval=10000")
	}
	argv := append(append([]string{}, how.wrap...), agentBin, action)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if exit, ok := err.(*exec.ExitError); ok {
		r.rc = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", action, err)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("%s printed a stack trace:\n%s", action, r.stderr)
	}
	return r
}

func hasMeta(meta []string, key string) bool {
	for i := 0; i < len(meta); i += 2 {
		if meta[i] == key {
			return true
		}
	}
	return false
}

// expect checks rc and that the exit reason contains want (when not empty).
func expect(t *testing.T, r result, rc int, want string) {
	t.Helper()
	if r.rc != rc {
		t.Fatalf("rc = %d, want %d\nstderr:\n%s", r.rc, rc, r.stderr)
	}
	if want != "" && !strings.Contains(r.reason(), want) {
		t.Fatalf("exit reason %q does not contain %q\nstderr:\n%s", r.reason(), want, r.stderr)
	}
}

func started(t *testing.T, s *pgtest.Server, p config) {
	t.Helper()
	expect(t, run(t, "start", p), 0, "")
	t.Cleanup(func() { run(t, "stop", p) })
}

func TestLifecycle(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	steps := []struct {
		action string
		meta   []string
		rc     int
	}{
		{"validate-all", nil, 0},
		{"monitor", []string{"interval", "0"}, 7},
		{"monitor", nil, 7},
		{"start", nil, 0},
		{"monitor", nil, 0},
		{"monitor", []string{"interval", "0"}, 0},
		{"start", nil, 0},
		{"stop", nil, 0},
		{"monitor", nil, 7},
		{"stop", nil, 0},
		{"monitor", []string{"interval", "0"}, 7},
	}
	t.Cleanup(func() { run(t, "stop", p) })
	for i, st := range steps {
		r := run(t, st.action, p, st.meta...)
		if r.rc != st.rc {
			t.Fatalf("step %d: %s %v: rc = %d, want %d\n%s", i, st.action, st.meta, r.rc, st.rc, r.stderr)
		}
	}
	if left := s.Processes(); len(left) > 0 {
		t.Fatalf("processes left after stop: %v", left)
	}
}

func TestProbeWithoutDataDirectory(t *testing.T) {
	// The filesystem holding pgdata is mounted on the other node.
	p := config{"pgctl": filepath.Join(pgtest.BinDir, "pg_ctl"), "pgdata": filepath.Join(t.TempDir(), "not-mounted")}
	for _, action := range []string{"monitor", "stop", "validate-all"} {
		r := run(t, action, p, "interval", "0")
		want := 0
		if action == "monitor" {
			want = 7
		}
		expect(t, r, want, "")
	}
	r := run(t, "start", p)
	expect(t, r, 1, "does not exist on this node")
}

func TestCrash(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)

	if err := syscall.Kill(s.PostmasterPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "postmaster to die", func() bool { return readProc(s.PostmasterPID()) == nil })
	expect(t, run(t, "monitor", p), 7, "crashed")
	// Orphaned backends would make the new postmaster refuse to start.
	expect(t, run(t, "start", p), 0, "")
	expect(t, run(t, "monitor", p), 0, "")
}

func TestStalePidFileNamingAnotherProcess(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)
	expect(t, run(t, "stop", p), 0, "")

	// After a failover or a reboot the PID can belong to anything.
	other := exec.Command("sleep", "300")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	pidFile := filepath.Join(s.Data, "postmaster.pid")
	if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n%s\n", other.Process.Pid, s.Data)), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("PID %d", other.Process.Pid)
	expect(t, run(t, "monitor", p), 7, stale)
	// A probe's 7 is no failure: the reason is logged, not an exit reason.
	if r := run(t, "monitor", p, "interval", "0"); r.rc != 7 || !strings.Contains(r.stderr, "INFO: PostgreSQL crashed: postmaster.pid names "+stale) {
		t.Fatalf("probe: rc %d, want 7 and the reason logged\n%s", r.rc, r.stderr)
	}
	expect(t, run(t, "start", p), 0, "")
	expect(t, run(t, "monitor", p), 0, "")
	if other.ProcessState != nil {
		t.Fatal("the unrelated process was touched")
	}
}

func TestHungPostmaster(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)
	pid := s.PostmasterPID()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	r := run(t, "monitor", p, "timeout", "10000")
	expect(t, r, 1, "did not answer within 9s")
	if r.elapsed >= 10*time.Second {
		t.Fatalf("monitor took %s, Pacemaker's timeout was 10s", r.elapsed)
	}

	r = run(t, "stop", p, "timeout", "20000")
	expect(t, r, 0, "")
	if r.elapsed >= 20*time.Second {
		t.Fatalf("stop took %s, Pacemaker's timeout was 20s", r.elapsed)
	}
	if left := s.Processes(); len(left) > 0 {
		t.Fatalf("server processes left after stop: %v", left)
	}
	expect(t, run(t, "start", p), 0, "")
}

func TestLockWait(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)
	ctx := context.Background()
	conn := s.Connect(ctx, pgtest.DB)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "lock table pacemaker_monitor in access exclusive mode"); err != nil {
		t.Fatal(err)
	}
	r := run(t, "monitor", p, "timeout", "5000")
	expect(t, r, 1, "")
	if !strings.Contains(r.reason(), "lock") && !strings.Contains(r.reason(), "did not answer") {
		t.Fatalf("reason %q says nothing of the lock", r.reason())
	}
	if r.elapsed >= 5*time.Second {
		t.Fatalf("monitor took %s, Pacemaker's timeout was 5s", r.elapsed)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	expect(t, run(t, "monitor", p), 0, "")
}

func TestMonitorTable(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)
	rows := func() int {
		var n int
		ctx := context.Background()
		if err := s.Connect(ctx, pgtest.DB).QueryRow(ctx, "select count(*) from pacemaker_monitor").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	s.Exec(pgtest.DB, "delete from pacemaker_monitor")
	expect(t, run(t, "monitor", p), 0, "")
	if n := rows(); n != 1 {
		t.Fatalf("an empty monitor table should get its row back, has %d rows", n)
	}

	custom := p.with("monitor_sql", "update pacemaker_monitor set last_update=current_timestamp where false")
	expect(t, run(t, "monitor", custom), 1, "changed no row")

	s.Exec(pgtest.DB, "drop table pacemaker_monitor")
	expect(t, run(t, "monitor", p.with("create_monitor_table", "false")), 6, "monitor table pacemaker_monitor does not exist")
	expect(t, run(t, "monitor", p), 0, "")
	if n := rows(); n != 1 {
		t.Fatalf("created monitor table has %d rows, want 1", n)
	}

	other := p.with("monitor_table", "public.qvd_ha_monitor")
	expect(t, run(t, "monitor", other), 0, "")
}

func TestReadOnly(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	started(t, s, p)
	s.Exec("postgres", "alter database qvddb set default_transaction_read_only = on")
	expect(t, run(t, "monitor", p), 1, "read-only transaction")
}

func TestAuthentication(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s).with("monitor_user", pgtest.User)
	started(t, s, p.with("monitor_password", pgtest.Password))

	for _, host := range []string{"", "127.0.0.1"} {
		good := p.with("monitor_password", pgtest.Password, "pghost", host)
		expect(t, run(t, "monitor", good), 0, "")
		bad := p.with("monitor_password", "wrong-"+pgtest.Password, "pghost", host)
		r := run(t, "monitor", bad)
		expect(t, r, 6, `authentication failed for user "qvd"`)
		if strings.Contains(r.stderr, pgtest.Password) {
			t.Fatalf("the password appears in the output:\n%s", r.stderr)
		}
	}
	// Without a password in the CIB, credentials are this node's files.
	expect(t, run(t, "monitor", p.with("pghost", "")), 4, "on this node")
}

func TestAnotherServerAnswersOnPghost(t *testing.T) {
	local := pgtest.New(t)
	other := pgtest.New(t)
	other.Start()
	t.Cleanup(other.Stop)
	// pghost's port answers, but not with this node's instance.
	elsewhere := configFor(local).with("pghost", "127.0.0.1", "pgport", fmt.Sprint(other.Port),
		"monitor_user", pgtest.User, "monitor_password", pgtest.Password)
	expect(t, run(t, "monitor", elsewhere), 7, "")
	expect(t, run(t, "monitor", elsewhere, "interval", "0"), 7, "")

	// The local instance runs, and the address still leads elsewhere.
	started(t, local, configFor(local))
	expect(t, run(t, "monitor", elsewhere), 7, "is not the one of "+local.Data)
}

func TestBadInput(t *testing.T) {
	s := pgtest.New(t)
	p := configFor(s)
	cases := []struct {
		name   string
		action string
		p      config
		rc     int
		reason string
	}{
		{"missing pg_ctl", "start", p.with("pgctl", "/nonexistent/pg_ctl"), 5, "pgctl /nonexistent/pg_ctl"},
		{"missing pg_ctl validate", "validate-all", p.with("pgctl", "/nonexistent/pg_ctl"), 5, "pgctl"},
		{"missing user", "validate-all", p.with("pgdba", "no-such-user"), 5, "pgdba no-such-user"},
		{"port not a number", "monitor", p.with("pgport", "54x"), 6, "pgport"},
		{"port out of range", "validate-all", p.with("pgport", "70000"), 6, "pgport"},
		{"bad boolean", "validate-all", p.with("create_monitor_table", "maybe"), 6, "create_monitor_table"},
		{"bad table", "validate-all", p.with("monitor_table", "x; drop table y"), 6, "monitor_table"},
		{"negative escalation", "validate-all", p.with("stop_escalate", "-1"), 6, "stop_escalate"},
		{"monitor table in a template", "start", p.with("pgdb", "template1"), 6, "pgdb=template1 is a template"},
		{"template without a table of ours", "validate-all", p.with("pgdb", "template1", "monitor_sql", "select now()"), 0, ""},
		{"wrong owner", "start", p.with("pgdba", "nobody"), 4, "owned by"},
		{"unknown action", "frobnicate", p, 3, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, run(t, c.action, c.p), c.rc, c.reason)
		})
	}
}

func TestDataDirectoryMode(t *testing.T) {
	s := pgtest.New(t)
	if err := os.Chmod(s.Data, 0o777); err != nil {
		t.Fatal(err)
	}
	expect(t, run(t, "start", configFor(s)), 4, "mode 0777")
}

func TestMetadataValidates(t *testing.T) {
	r := run(t, "meta-data", nil)
	expect(t, r, 0, "")
	ocftest.ValidateMetadata(t, []byte(r.stdout))
}

func TestOCFTester(t *testing.T) {
	s := pgtest.New(t)
	args := []string{"-n", "pg"}
	for k, v := range configFor(s) {
		args = append(args, "-o", k+"="+v)
	}
	t.Cleanup(func() { run(t, "stop", configFor(s)) })
	out, err := exec.Command("ocf-tester", append(args, agentBin)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ocf-tester: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "0 failures") && !strings.Contains(string(out), "passed all tests") {
		t.Fatalf("ocf-tester did not pass:\n%s", out)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
