//go:build root

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
	"github.com/qvd-ha/qvd-ha/test/sshtest"
)

// TestPowerSequence is fence-agents' power-on-off check on a real qemu
// domain, cross-checked with virsh, plus reboot, UUID plug and list.
func TestPowerSequence(t *testing.T) {
	dom, uuid := offDomain(t)
	plug := "plug=" + dom + "\n"
	steps := []struct {
		stdin string
		code  int
		want  string
		state string // virsh domstate afterwards, "" to skip
	}{
		{"action=off\n" + plug, 0, "Success: Already OFF", "shut off"},
		{"action=on\n" + plug, 0, "Success: Powered ON", "running"},
		{"action=status\n" + plug, 0, "Status: ON", ""},
		{"action=on\n" + plug, 0, "Success: Already ON", "running"},
		{"action=off\n" + plug, 0, "Success: Powered OFF", "shut off"},
		{"action=status\n" + plug, 2, "Status: OFF", ""},
		{"action=reboot\n" + plug, 0, "Success: Rebooted", "running"},
		{"action=status\nport=" + uuid + "\n", 0, "Status: ON", ""},
		{"action=list\n", 0, dom + "," + uuid + "\n", ""},
		{"action=list-status\n", 0, dom + "," + uuid + ",ON\n", ""},
		{"action=reboot\nport=" + uuid + "\n", 0, "Success: Rebooted", "running"},
		{"action=monitor\n", 0, "", ""},
	}
	for i, s := range steps {
		res := agentRun(t, nil, s.stdin)
		if res.code != s.code || !strings.Contains(res.stdout, s.want) {
			t.Fatalf("step %d (%q): want exit %d and %q, got %v", i, s.stdin, s.code, s.want, res)
		}
		if s.state != "" {
			if got := domstate(t, dom); got != s.state {
				t.Fatalf("step %d (%q): virsh domstate %q, want %q", i, s.stdin, got, s.state)
			}
		}
	}
}

func TestMissingDomain(t *testing.T) {
	for _, tt := range []struct {
		stdin string
		code  int
		want  string
	}{
		{"action=status\nplug=qvdtest-no-such-domain\n", 1, `Failed: status of qvdtest-no-such-domain: domain "qvdtest-no-such-domain": no such plug`},
		{"action=off\nplug=qvdtest-no-such-domain\n", 1, "no such plug"},
		{"action=status\nplug=qvdtest-no-such-domain\nmissing_as_off=1\n", 2, "Status: OFF"},
		{"action=off\nplug=00000000-0000-0000-0000-000000000001\nmissing_as_off=1\n", 0, "Success: Already OFF"},
	} {
		expect(t, agentRun(t, nil, tt.stdin), tt.code, tt.want)
	}
}

// TestTestDriver runs the sequence through libvirtd's test driver, where a
// transient domain also shows that vanishing on destroy is a verified OFF.
func TestTestDriver(t *testing.T) {
	l := holdTestDriver(t)
	uri := "hypervisor_uri=test+unix:///default\n"
	expect(t, agentRun(t, nil, uri+"action=status\nplug=test\n"), 0, "Status: ON")
	expect(t, agentRun(t, nil, uri+"action=off\nplug=test\n"), 0, "Success: Powered OFF")
	expect(t, agentRun(t, nil, uri+"action=status\nplug=test\n"), 2, "Status: OFF")
	expect(t, agentRun(t, nil, uri+"action=on\nplug=test\n"), 0, "Success: Powered ON")
	expect(t, agentRun(t, nil, uri+"action=status\nplug=test\n"), 0, "Status: ON")

	if _, err := l.DomainCreateXML(`<domain type='test'><name>transient1</name><memory>65536</memory>`+
		`<os><type>hvm</type></os></domain>`, 0); err != nil {
		t.Fatalf("create transient domain: %v", err)
	}
	expect(t, agentRun(t, nil, uri+"action=off\nplug=transient1\n"), 0, "Success: Powered OFF")
	expect(t, agentRun(t, nil, uri+"action=status\nplug=transient1\n"), 1, "no such plug")

	// cluster-glue external/libvirt spelling: node names mapped to domains.
	glue := uri + "hostlist=node1:test, node2:absent\n"
	expect(t, agentRun(t, nil, glue+"action=status\nplug=node1\n"), 0, "Status: ON")
	expect(t, agentRun(t, nil, glue+"action=list\n"), 0, "node1,test\nnode2,absent\n")
	expect(t, agentRun(t, nil, "hostlist=node1:a node1:b\naction=validate-all\n"), 1, `node "node1" appears twice`)
}

func TestTCP(t *testing.T) {
	dom, uuid := offDomain(t)
	stdin := "hypervisor_uri=qemu+tcp://127.0.0.1/system\n"
	expect(t, agentRun(t, nil, stdin+"action=status\nplug="+dom+"\n"), 2, "Status: OFF")
	expect(t, agentRun(t, nil, stdin+"action=list\n"), 0, dom+","+uuid)
}

func TestSSH(t *testing.T) {
	s := startSSHD(t, true)
	dom, _ := offDomain(t)
	uri := fmt.Sprintf("hypervisor_uri=qemu+ssh://root@127.0.0.1:%d/system\nidentity_file=%s\n", s.Port, s.ClientKey)
	expect(t, agentRun(t, nil, uri+"known_hosts_file="+s.KnownHosts+"\naction=status\nplug="+dom+"\n"), 2, "Status: OFF")
	expect(t, agentRun(t, nil, uri+"known_hosts_file="+s.KnownHosts+"\naction=monitor\n"), 0, "")

	res := agentRun(t, nil, uri+"known_hosts_file="+s.WrongKnownHosts+"\naction=status\nplug="+dom+"\n")
	expect(t, res, 1, "key mismatch")

	// The explicit opt-out accepts any host key.
	expect(t, agentRun(t, nil, uri+"known_hosts_file="+s.WrongKnownHosts+"\nssh_insecure=1\naction=status\nplug="+dom+"\n"), 2, "Status: OFF")

	// The runbook's form: host key in known_hosts, port and user in the URI,
	// key given with ?keyfile=.
	runbook := fmt.Sprintf("hypervisor_uri=qemu+ssh://root@127.0.0.1:%d/system?keyfile=%s&known_hosts=%s\n", s.Port, s.ClientKey, s.KnownHosts)
	expect(t, agentRun(t, nil, runbook+"action=status\nplug="+dom+"\n"), 2, "Status: OFF")
}

// TestPasswordNotShown gives a password that the server refuses (it only
// takes keys) and checks it appears nowhere, even in verbose output.
func TestPasswordNotShown(t *testing.T) {
	s := startSSHD(t, true)
	const secret = "Pa55-never-shown"
	stdin := fmt.Sprintf("hypervisor_uri=qemu+ssh://root@127.0.0.1:%d/system\nknown_hosts_file=%s\nidentity_file=/nonexistent\n"+
		"password=%s\nverbose=1\naction=status\nplug=x\n", s.Port, s.KnownHosts, secret)
	res := agentRun(t, nil, stdin)
	expect(t, res, 1, "unable to authenticate")
	if strings.Contains(res.stdout+res.stderr, secret) {
		t.Fatalf("password shown: %v", res)
	}
	expect(t, res, 1, "password=<hidden>")

	withScript := strings.Replace(stdin, "password="+secret, "password_script=echo "+secret, 1)
	res = agentRun(t, nil, withScript)
	if res.code != 1 || strings.Count(res.stdout+res.stderr, secret) != 1 {
		// The script text itself is configuration, printed by verbose;
		// its output, the password, must not appear a second time.
		t.Fatalf("password_script output shown: %v", res)
	}
}

// TestHungLibvirtd: a socket that accepts and never answers, and a real
// libvirtd stopped with SIGSTOP, both give exit 1 with a reason in time.
// The stopped libvirtd is the test's own: a test killed while the host's
// was stopped would leave it frozen for everyone.
func TestHungLibvirtd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	hung := "hypervisor_uri=qemu:///system?socket=" + sock + "\n"
	res := agentRun(t, nil, hung+"action=status\nplug=x\nlogin_timeout=1\n")
	expect(t, res, 1, "did not answer within")
	if res.took > 3*time.Second {
		t.Errorf("took %s with login_timeout=1", res.took)
	}
	// Under the fencer the agent keeps a tenth of fencer_timeout back
	// (internal/deadline): 10 s leaves 1 s for starting and ending the
	// process, which took at most 138 ms here (exec to exit of -o
	// metadata, 100 runs at load average 11 on 2 cores; the overrun past
	// the agent's own limit was at most 87 ms in 8 runs). fencer_timeout=3
	// left 300 ms, too close to that to never flake.
	res = agentRun(t, []string{"PCMK_service=pacemaker-fenced"}, hung+"action=off\nplug=x\nfencer_timeout=10\n")
	expect(t, res, 1, "did not answer within 9 s")
	if res.took > 10*time.Second {
		t.Errorf("took %s with fencer_timeout=10", res.took)
	}

	uri, pid := privateLibvirtd(t)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	res = agentRun(t, nil, "hypervisor_uri="+uri+"\naction=status\nplug=x\nlogin_timeout=2\n")
	expect(t, res, 1, "Failed: connect: libvirt "+uri+" did not answer within 2 s")
	if res.took > 4*time.Second {
		t.Errorf("took %s with login_timeout=2", res.took)
	}
}

func TestDelay(t *testing.T) {
	dom, _ := offDomain(t)
	res := agentRun(t, nil, "action=off\nplug="+dom+"\ndelay=2\n")
	expect(t, res, 0, "Success: Already OFF")
	if res.took < 2*time.Second {
		t.Errorf("delay=2 took only %s", res.took)
	}
	res = agentRun(t, nil, "action=status\nplug="+dom+"\ndelay=2\n")
	expect(t, res, 2, "Status: OFF")
	if res.took >= 2*time.Second {
		t.Errorf("status was delayed: %s", res.took)
	}
}

// TestArgvOverStdin: with options on the command line, stdin is not read,
// so the stdin's off is never performed.
func TestArgvOverStdin(t *testing.T) {
	holdTestDriver(t)
	res := agentRun(t, nil, "action=off\nplug=test\n", "-o", "status", "-n", "test", "--hypervisor-uri=test+unix:///default")
	expect(t, res, 0, "Status: ON")
	expect(t, agentRun(t, nil, "action=status\nplug=test\nhypervisor_uri=test+unix:///default\n"), 0, "Status: ON")
}

// TestStonithAdmin installs the agent where Pacemaker looks for it and asks
// Pacemaker's own tool for the meta-data.
func TestStonithAdmin(t *testing.T) {
	fencetest.Install(t, agentBin, installed)
	out, err := exec.Command("stonith_admin", "--metadata", "-a", "fence_qvd_libvirt").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `<resource-agent name="fence_qvd_libvirt"`) ||
		!strings.Contains(string(out), `name="hypervisor_uri"`) {
		t.Fatalf("stonith_admin --metadata: %v\n%s", err, out)
	}
}

// TestRunbookURI: the runbook's literal hypervisor_uri, qemu+ssh://aries/system,
// which names no port, user, key or known_hosts file: port 22, the current
// user, ~/.ssh/id_ed25519 and ~/.ssh/known_hosts. It runs in network and
// mount namespaces of its own, where a private /etc/hosts makes "aries"
// 127.0.0.1, sshd listens on port 22 and /root is a private tmpfs.
func TestRunbookURI(t *testing.T) {
	s := sshtest.Files(t, 22, "aries ", true)
	dom, _ := offDomain(t)
	dir := t.TempDir()
	dotssh := filepath.Join(dir, "dotssh")
	if err := os.Mkdir(dotssh, 0o700); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{s.ClientKey: "id_ed25519", s.KnownHosts: "known_hosts"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dotssh, dst), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost aries\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const script = `set -e
mount --make-rprivate /
ip link set lo up
mount --bind "$1" /etc/hosts
mount -t tmpfs tmpfs /root
cp -a "$2" /root/.ssh
/usr/sbin/sshd -D -e -f "$3" &
for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && break; sleep 0.1; done
rc=0
printf 'hypervisor_uri=qemu+ssh://aries/system\naction=status\nplug=%s\n' "$5" | HOME=/root "$4" || rc=$?
kill %1
exit $rc`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--fork", "bash", "-c", script,
		"runbook", hosts, dotssh, s.Config, agentBin, dom).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "Status: OFF") {
		t.Fatalf("qemu+ssh://aries/system: %v, want exit 2 and Status: OFF\n%s", err, out)
	}
}
