//go:build root

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
