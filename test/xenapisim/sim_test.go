package xenapisim

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// fenceXenapi runs fence-agents' own fence_xenapi (Python, its own XenAPI.py
// over xmlrpc.client): an independent client that shows the simulator
// speaks the protocol as a real XenServer does.
func fenceXenapi(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("/usr/sbin/fence_xenapi", args...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("fence_xenapi: %v", err)
	}
	return string(out), 0
}

func newPool(t *testing.T) *Pool {
	t.Helper()
	p := NewPool("root", "xen-secret", 500)
	p.AddVM(VM{UUID: "6e0a3b1c-1111-4c8e-9c61-0a0a0a0a0001", NameLabel: "qvddb1-vm", PowerState: "Running"})
	p.AddVM(VM{UUID: "6e0a3b1c-2222-4c8e-9c61-0a0a0a0a0002", NameLabel: "qvddb2-vm", PowerState: "Halted"})
	return p
}

func TestFenceXenapiAgainstSimulator(t *testing.T) {
	pool := newPool(t)
	srv := httptest.NewServer(&Host{Pool: pool})
	t.Cleanup(srv.Close)
	login := []string{"-s", srv.URL, "-l", "root", "-p", "xen-secret"}

	steps := []struct {
		args  []string
		rc    int
		out   string
		state string // qvddb1-vm's power state afterwards
	}{
		{[]string{"-n", "qvddb1-vm", "-o", "status"}, 0, "Status: ON", "Running"},
		{[]string{"-n", "qvddb2-vm", "-o", "status"}, 2, "Status: OFF", "Running"},
		{[]string{"-n", "qvddb1-vm", "-o", "off"}, 0, "Success: Powered OFF", "Halted"},
		{[]string{"-n", "qvddb1-vm", "-o", "status"}, 2, "Status: OFF", "Halted"},
		{[]string{"-n", "qvddb1-vm", "-o", "on"}, 0, "Success: Powered ON", "Running"},
		{[]string{"-n", "qvddb1-vm", "-o", "reboot"}, 0, "Success: Rebooted", "Running"},
		{[]string{"-o", "list"}, 0, "6e0a3b1c-2222-4c8e-9c61-0a0a0a0a0002,qvddb2-vm", "Running"},
		{[]string{"-n", "no-such-vm", "-o", "status"}, 1, "", "Running"},
	}
	for i, s := range steps {
		out, rc := fenceXenapi(t, nil, append(login, s.args...)...)
		if rc != s.rc || !strings.Contains(out, s.out) {
			t.Fatalf("step %d %v: rc %d, output:\n%s\nwant rc %d and %q", i, s.args, rc, out, s.rc, s.out)
		}
		if got := pool.PowerState("qvddb1-vm"); got != s.state {
			t.Fatalf("step %d %v: qvddb1-vm is %s, want %s", i, s.args, got, s.state)
		}
	}
	out, _ := fenceXenapi(t, nil, append(login, "-o", "list")...)
	for _, hidden := range []string{"Control domain", "Debian Bookworm 12"} {
		if strings.Contains(out, hidden) {
			t.Fatalf("fence_xenapi listed %q: the simulator's record flags are wrong\n%s", hidden, out)
		}
	}
	// fence_xenapi never logs out: the simulator counts what it leaks.
	if open, logins := pool.OpenSessions(), pool.Logins(); open != logins || open == 0 {
		t.Fatalf("%d sessions open after %d logins by fence_xenapi, which never logs out", open, logins)
	}

	if out, rc := fenceXenapi(t, nil, "-s", srv.URL, "-l", "root", "-p", "wrong", "-n", "qvddb1-vm", "-o", "status"); rc != 1 || !strings.Contains(out, "SESSION_AUTHENTICATION_FAILED") {
		t.Fatalf("wrong password: rc %d\n%s", rc, out)
	}
}

func TestFenceXenapiOverTLS(t *testing.T) {
	pool := newPool(t)
	srv := httptest.NewUnstartedServer(&Host{Pool: pool})
	certs := NewTLS(t)
	srv.TLS = certs.Config
	srv.StartTLS()
	t.Cleanup(srv.Close)
	args := []string{"-s", srv.URL, "-l", "root", "-p", "xen-secret", "-n", "qvddb1-vm", "-o", "status"}

	if out, rc := fenceXenapi(t, []string{"SSL_CERT_FILE=" + certs.CAFile}, args...); rc != 0 || !strings.Contains(out, "Status: ON") {
		t.Fatalf("trusted CA: rc %d\n%s", rc, out)
	}
	if out, rc := fenceXenapi(t, nil, args...); rc != 1 || !strings.Contains(out, "CERTIFICATE_VERIFY_FAILED") {
		t.Fatalf("unknown CA: rc %d, want 1 with a verification error\n%s", rc, out)
	}
}

func TestHostIsSlave(t *testing.T) {
	pool := newPool(t)
	slave := httptest.NewServer(&Host{Pool: pool, MasterAddress: "127.0.0.1"})
	t.Cleanup(slave.Close)
	// fence_xenapi has no HOST_IS_SLAVE redirect (a known fault): it fails.
	out, rc := fenceXenapi(t, nil, "-s", slave.URL, "-l", "root", "-p", "xen-secret", "-n", "qvddb1-vm", "-o", "status")
	if rc != 1 || !strings.Contains(out, "HOST_IS_SLAVE") {
		t.Fatalf("slave: rc %d\n%s", rc, out)
	}
}
