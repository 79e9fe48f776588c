//go:build root

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"

	"github.com/qvd-ha/qvd-ha/test/pgtest"
	"github.com/qvd-ha/qvd-ha/test/sshtest"
)

func virsh(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "virsh", append([]string{"-c", "qemu:///system"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func init() {
	setUps = append(setUps, libvirtdAnswers)
	tearDowns = append(tearDowns, removeDomain)
}

// libvirtdAnswers fails the package at once, with what to do, when the
// host's libvirtd is not there.
func libvirtdAnswers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "virsh", "-c", "qemu:///system", "version").CombinedOutput(); err != nil {
		return fmt.Errorf("libvirtd does not answer (%v: %s).\n"+
			"These tests need a running libvirtd with the qemu driver: run `bash test/libvirtd.sh` as root "+
			"(Debian packages libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86)", err, out)
	}
	return nil
}

// domain is one persistent qemu domain with no disk (it starts in a few
// seconds under TCG and runs nothing) shared by the tests: defining one costs
// libvirtd half a minute of capability probing on these machines.
var domain struct {
	once       sync.Once
	err        error
	name, uuid string
}

func defineDomain() error {
	dir, err := os.MkdirTemp("", "qvdtest-domain-")
	if err != nil {
		return err
	}
	// virsh define reads the file once.
	defer os.RemoveAll(dir)
	domain.name = fmt.Sprintf("qvdtest-%d", os.Getpid())
	xml := fmt.Sprintf(`<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory>`+
		`<os><type arch='x86_64'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`, domain.name)
	file := filepath.Join(dir, "domain.xml")
	if err := os.WriteFile(file, []byte(xml), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "virsh", "-c", "qemu:///system", "define", file).CombinedOutput(); err != nil {
		return fmt.Errorf("virsh define: %v: %s", err, out)
	}
	out, err := exec.Command("virsh", "-c", "qemu:///system", "domuuid", domain.name).Output()
	domain.uuid = strings.TrimSpace(string(out))
	return err
}

func removeDomain() {
	if domain.name == "" {
		return
	}
	exec.Command("virsh", "-c", "qemu:///system", "destroy", domain.name).Run()
	exec.Command("virsh", "-c", "qemu:///system", "undefine", domain.name).Run()
}

// offDomain returns the shared domain, switched off.
func offDomain(t testing.TB) (name, uuid string) {
	t.Helper()
	domain.once.Do(func() { domain.err = defineDomain() })
	if domain.err != nil {
		t.Fatal(domain.err)
	}
	if domstate(t, domain.name) != "shut off" {
		virsh(t, "destroy", domain.name)
	}
	return domain.name, domain.uuid
}

func domstate(t testing.TB, name string) string {
	t.Helper()
	return virsh(t, "domstate", name)
}

// holdTestDriver keeps a connection to libvirtd's test driver open for the
// test: the driver's state (one running domain "test") resets when its last
// connection closes.
func holdTestDriver(t testing.TB) *libvirt.Libvirt {
	t.Helper()
	l := libvirt.NewWithDialer(dialers.NewLocal())
	if err := l.ConnectToURI("test:///default"); err != nil {
		t.Fatalf("connect to the test driver: %v", err)
	}
	t.Cleanup(func() { l.Disconnect() })
	return l
}

// startSSHD runs an sshd on a loopback port that lets root in with a
// generated key, for qemu+ssh tests.
func startSSHD(t testing.TB, restricted bool) *sshtest.Server {
	t.Helper()
	s := sshtest.Files(t, pgtest.FreePort(t), "[127.0.0.1]:%d ", restricted)
	s.Start(t)
	return s
}

// privateLibvirtd starts a libvirtd of the test's own and returns the URI
// that reaches it and its pid, once it has answered the agent. It is a
// session daemon of the user nobody with its sockets, configuration and
// cache in a temporary directory: it shares nothing with the host's
// libvirtd (no domains, networks or autostart), and it dies with the test
// process, stopped or not.
func privateLibvirtd(t *testing.T) (uri string, pid int) {
	t.Helper()
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	// Not t.TempDir: its parent is closed to other users.
	dir, err := os.MkdirTemp("", "qvdtest-libvirtd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "libvirtd.log")
	logFile, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command("libvirtd")
	cmd.Env = []string{"HOME=" + dir, "XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)},
		Pdeathsig:  syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting a private libvirtd: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// SIGKILL ends a stopped process too.
		cmd.Process.Kill()
		<-exited
	})

	uri = "qemu:///session?socket=" + filepath.Join(dir, "run", "libvirt", "libvirt-sock")
	deadline := time.After(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		res := agentRun(t, nil, "hypervisor_uri="+uri+"\naction=monitor\n")
		if res.code == 0 {
			return uri, cmd.Process.Pid
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(log)
			t.Fatalf("the private libvirtd exited: %v\n%s", cmd.ProcessState, out)
		case <-deadline:
			out, _ := os.ReadFile(log)
			t.Fatalf("the private libvirtd did not answer within a minute: %v\n%s", res, out)
		case <-tick.C:
		}
	}
}
