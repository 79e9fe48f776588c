package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/test/gobuild"
	"github.com/qvd-ha/qvd-ha/test/xenapisim"
)

const (
	user     = "root"
	password = "xen-test-secret"
	vm1UUID  = "6e0a3b1c-1111-4c8e-9c61-0a0a0a0a0001"
)

var agentBin string

func TestMain(m *testing.M) {
	gobuild.Main(m, &agentBin, "fence_qvd_xenapi")
}

func newPool(t *testing.T) *xenapisim.Pool {
	t.Helper()
	p := xenapisim.NewPool(user, password, 3)
	p.AddVM(xenapisim.VM{UUID: vm1UUID, NameLabel: "qvddb1-vm", PowerState: "Running"})
	p.AddVM(xenapisim.VM{UUID: "6e0a3b1c-2222-4c8e-9c61-0a0a0a0a0002", NameLabel: "qvddb2-vm", PowerState: "Halted"})
	return p
}

func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type outcome struct {
	rc      int
	out     string
	elapsed time.Duration
}

// runAgent runs fence_qvd_xenapi the way Pacemaker's fencer does: options as
// name=value lines on stdin.
func runAgent(t *testing.T, stdin string, env ...string) outcome {
	t.Helper()
	cmd := exec.Command(agentBin)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	o := outcome{out: string(out), elapsed: time.Since(start)}
	if exit, ok := err.(*exec.ExitError); ok {
		o.rc = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(o.out, password) {
		t.Fatalf("the password appears in the output:\n%s", o.out)
	}
	if strings.Contains(o.out, "goroutine ") {
		t.Fatalf("stack trace:\n%s", o.out)
	}
	return o
}

func input(url string, lines ...string) string {
	return strings.Join(append([]string{"session_url=" + url, "login=" + user, "passwd=" + password}, lines...), "\n") + "\n"
}

func expect(t *testing.T, o outcome, rc int, want string) {
	t.Helper()
	if o.rc != rc || !strings.Contains(o.out, want) {
		t.Fatalf("rc %d, output:\n%s\nwant rc %d and %q", o.rc, o.out, rc, want)
	}
}

func TestPowerSequence(t *testing.T) {
	pool := newPool(t)
	url := serve(t, &xenapisim.Host{Pool: pool})
	steps := []struct {
		lines []string
		rc    int
		out   string
		state string
	}{
		{[]string{"action=on", "plug=qvddb1-vm"}, 0, "Success: Already ON", "Running"},
		{[]string{"action=status", "plug=qvddb1-vm"}, 0, "Status: ON", "Running"},
		{[]string{"action=off", "plug=qvddb1-vm"}, 0, "Success: Powered OFF", "Halted"},
		{[]string{"action=status", "plug=qvddb1-vm"}, 2, "Status: OFF", "Halted"},
		{[]string{"action=off", "port=" + vm1UUID}, 0, "Success: Already OFF", "Halted"},
		{[]string{"action=on", "plug=" + strings.ToUpper(vm1UUID)}, 0, "Success: Powered ON", "Running"},
		{[]string{"action=reboot", "plug=qvddb1", "hostlist=qvddb1:qvddb1-vm qvddb2:qvddb2-vm"}, 0, "Success: Rebooted", "Running"},
		{[]string{"action=monitor"}, 0, "", "Running"},
	}
	for i, s := range steps {
		o := runAgent(t, input(url, s.lines...))
		if o.rc != s.rc || !strings.Contains(o.out, s.out) {
			t.Fatalf("step %d %v: rc %d\n%s\nwant rc %d and %q", i, s.lines, o.rc, o.out, s.rc, s.out)
		}
		if got := pool.PowerState("qvddb1-vm"); got != s.state {
			t.Fatalf("step %d: qvddb1-vm is %s, want %s", i, got, s.state)
		}
		// Unlike fence_xenapi, every run logs out.
		if open := pool.OpenSessions(); open != 0 {
			t.Fatalf("step %d left %d sessions open", i, open)
		}
	}
}

func TestList(t *testing.T) {
	url := serve(t, &xenapisim.Host{Pool: newPool(t)})
	o := runAgent(t, input(url, "action=list-status"))
	expect(t, o, 0, vm1UUID+",qvddb1-vm,ON\n6e0a3b1c-2222-4c8e-9c61-0a0a0a0a0002,qvddb2-vm,OFF")
	for _, hidden := range []string{"Control domain", "Debian Bookworm 12"} {
		if strings.Contains(o.out, hidden) {
			t.Fatalf("list shows %q:\n%s", hidden, o.out)
		}
	}
	o = runAgent(t, input(url, "action=list", "hostlist=qvddb1:qvddb1-vm,qvddb2:qvddb2-vm"))
	expect(t, o, 0, "qvddb1,qvddb1-vm\nqvddb2,qvddb2-vm\n")
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name   string
		faults xenapisim.Faults
		lines  []string
		rc     int
		out    string
		state  string
	}{
		{"wrong password", xenapisim.Faults{}, []string{"action=status", "plug=qvddb1-vm", "passwd=wrong-" + password}, 1, "SESSION_AUTHENTICATION_FAILED", "Running"},
		{"unknown VM", xenapisim.Faults{}, []string{"action=status", "plug=no-such-vm"}, 1, `no VM has the name label or UUID "no-such-vm"`, "Running"},
		{"unknown VM is off when told", xenapisim.Faults{}, []string{"action=status", "plug=no-such-vm", "missing_as_off=1"}, 2, "Status: OFF", "Running"},
		{"template", xenapisim.Faults{}, []string{"action=off", "plug=Debian Bookworm 12"}, 1, "never a fencing target", "Running"},
		{"bad power state", xenapisim.Faults{BadPowerStateOn: "qvddb1-vm"}, []string{"action=off", "plug=qvddb1-vm"}, 1, "VM_BAD_POWER_STATE", "Running"},
		{"session expires", xenapisim.Faults{InvalidateOnce: true}, []string{"action=off", "plug=qvddb1-vm"}, 0, "Success: Powered OFF", "Halted"},
		{"slow server", xenapisim.Faults{Delay: 300 * time.Millisecond}, []string{"action=status", "plug=qvddb1-vm"}, 0, "Status: ON", "Running"},
		{"hung server", xenapisim.Faults{Hang: make(chan struct{})}, []string{"action=off", "plug=qvddb1-vm", "login_timeout=2"}, 1, "did not answer in time", "Running"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool := newPool(t)
			pool.Inject(c.faults)
			url := serve(t, &xenapisim.Host{Pool: pool})
			if c.faults.Hang != nil {
				t.Cleanup(func() { close(c.faults.Hang) })
			}
			// Later lines win, so the case's lines override input's.
			o := runAgent(t, input(url, c.lines...))
			expect(t, o, c.rc, c.out)
			if got := pool.PowerState("qvddb1-vm"); got != c.state {
				t.Fatalf("qvddb1-vm is %s, want %s", got, c.state)
			}
			if c.faults.Hang != nil && o.elapsed > 4*time.Second {
				t.Fatalf("a hung server held the agent %s with login_timeout=2", o.elapsed)
			}
			if c.faults.Hang == nil && pool.OpenSessions() != 0 {
				t.Fatalf("%d sessions left open", pool.OpenSessions())
			}
		})
	}
}

// TestSessionLimit: the pool allows 3 sessions per user; ten runs of ours
// never push a session out, because each logs out.
func TestSessionLimit(t *testing.T) {
	pool := newPool(t)
	url := serve(t, &xenapisim.Host{Pool: pool})
	for i := 0; i < 10; i++ {
		expect(t, runAgent(t, input(url, "action=status", "plug=qvddb1-vm")), 0, "Status: ON")
	}
	if pool.Logins() != 10 || pool.OpenSessions() != 0 {
		t.Fatalf("%d logins, %d sessions open; want 10 and 0", pool.Logins(), pool.OpenSessions())
	}
}

// TestPoolSlave: the slave (127.0.0.2) names the master (127.0.0.1) on the
// same port, over TLS, and the master's certificate is checked against the
// same CA for the address the slave named.
func TestPoolSlave(t *testing.T) {
	pool := newPool(t)
	certs := xenapisim.NewTLS(t)
	master := httptest.NewUnstartedServer(&xenapisim.Host{Pool: pool})
	master.TLS = certs.Config
	master.StartTLS()
	t.Cleanup(master.Close)
	_, port, _ := net.SplitHostPort(master.Listener.Addr().String())
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", port))
	if err != nil {
		t.Fatalf("listen on 127.0.0.2:%s: %v", port, err)
	}
	slave := httptest.NewUnstartedServer(&xenapisim.Host{Pool: pool, MasterAddress: "127.0.0.1"})
	slave.Listener.Close()
	slave.Listener = l
	slave.TLS = certs.Config
	slave.StartTLS()
	t.Cleanup(slave.Close)

	o := runAgent(t, input(slave.URL, "action=off", "plug=qvddb1-vm", "ssl_ca_file="+certs.CAFile))
	expect(t, o, 0, "Success: Powered OFF")
	if pool.PowerState("qvddb1-vm") != "Halted" || pool.OpenSessions() != 0 {
		t.Fatalf("after off through the slave: %s, %d sessions open", pool.PowerState("qvddb1-vm"), pool.OpenSessions())
	}
}

func TestTLSVerification(t *testing.T) {
	certs := xenapisim.NewTLS(t)
	srv := httptest.NewUnstartedServer(&xenapisim.Host{Pool: newPool(t)})
	srv.TLS = certs.Config
	srv.StartTLS()
	t.Cleanup(srv.Close)
	status := []string{"action=status", "plug=qvddb1-vm"}
	expect(t, runAgent(t, input(srv.URL, status...)), 1, "certificate signed by unknown authority")
	expect(t, runAgent(t, input(srv.URL, append(status, "ssl_ca_file="+certs.CAFile)...)), 0, "Status: ON")
	expect(t, runAgent(t, input(srv.URL, append(status, "ssl_insecure=1")...)), 0, "Status: ON")
}

func TestPasswordScriptAndArgv(t *testing.T) {
	url := serve(t, &xenapisim.Host{Pool: newPool(t)})
	script := filepath.Join(t.TempDir(), "xen-password")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho "+password+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	o := runAgent(t, strings.Join([]string{"session_url=" + url, "username=" + user, "password_script=" + script, "action=status", "plug=qvddb1-vm"}, "\n"))
	expect(t, o, 0, "Status: ON")

	// argv wins over stdin, which is then not read at all.
	cmd := exec.Command(agentBin, "-s", url, "-l", user, "-S", script, "-n", "qvddb2-vm", "-o", "status")
	cmd.Stdin = strings.NewReader("plug=qvddb1-vm\n")
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "Status: OFF") {
		t.Fatalf("argv: rc %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
}

func TestMetadata(t *testing.T) {
	out, err := exec.Command(agentBin, "-o", "metadata").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--noout", "--relaxng", "/usr/share/cluster/relaxng/metadata.rng", "-")
	cmd.Stdin = strings.NewReader(string(out))
	if res, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("meta-data does not validate: %v\n%s", err, res)
	}
	for _, want := range []string{`name="session_url"`, `name="login" unique="0" required="0" deprecated="1"`, `obsoletes="login"`, `name="ssl_ca_file"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("meta-data lacks %s", want)
		}
	}
}
