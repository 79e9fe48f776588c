//go:build root

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qvd-ha/qvd-ha/bootstrap/verify"
	"github.com/qvd-ha/qvd-ha/internal/runner"
	"github.com/qvd-ha/qvd-ha/test/gobuild"
)

// TestFenceTimingLibvirt: verify --fence-timing with the real
// fence_qvd_libvirt against the host's libvirtd (bash test/libvirtd.sh), on
// a domain that is defined and off, named by name for one node and by UUID
// for the other, as pcmk_host_map allows.
func TestFenceTimingLibvirt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	virsh := func(args ...string) string {
		t.Helper()
		res, err := runner.Exec{}.Run(ctx, runner.Cmd{Path: "/usr/bin/virsh", Args: append([]string{"-c", "qemu:///system"}, args...)})
		if err != nil {
			t.Fatalf("virsh %s: %v (is libvirtd running? bash test/libvirtd.sh)", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(res.Stdout))
	}
	dir := t.TempDir()
	agent := filepath.Join(dir, "fence_qvd_libvirt")
	if err := gobuild.Static(ctx, gobuild.Module+"/fence/libvirt", agent); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("qvdtiming-%d", os.Getpid())
	domain := filepath.Join(dir, "domain.xml")
	if err := os.WriteFile(domain, []byte(`<domain type='qemu'><name>`+name+`</name><memory unit='MiB'>64</memory>`+
		`<os><type arch='x86_64'>hvm</type></os><devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>`), 0o600); err != nil {
		t.Fatal(err)
	}
	virsh("define", domain)
	t.Cleanup(func() { virsh("undefine", name) })
	uuid := virsh("domuuid", name)

	// The installed agent's path leads to the one just built.
	r := runner.Func(func(ctx context.Context, cmd runner.Cmd) (runner.Result, error) {
		if cmd.Path == filepath.Join(verify.FenceAgentDir, "fence_qvd_libvirt") {
			cmd.Path = agent
		}
		return runner.Exec{}.Run(ctx, cmd)
	})
	set := []string{"--set", "fencing.libvirt_uri=qemu:///system", "--set", "node1.fence_target=" + name}
	code, stdout, stderr := runTool(t, r, append(set, "--set", "node2.fence_target="+uuid, "-q", "verify", "--fence-timing")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"p_fence_qvddb1 (fence_qvd_libvirt, plug " + name + "): ",
		"p_fence_qvddb2 (fence_qvd_libvirt, plug " + uuid + "): ",
		"priority-fencing-delay 5s is at least twice every device's time",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}

	// A device that cannot reach its domain fails verify, with the agent's reason.
	code, stdout, stderr = runTool(t, r, append(set, "--set", "node2.fence_target="+name+"-gone", "-q", "verify", "--fence-timing")...)
	if code != 1 || !strings.Contains(stdout, "p_fence_qvddb2 (fence_qvd_libvirt, plug "+name+"-gone): failed: ") ||
		!strings.Contains(stderr, "fence device p_fence_qvddb2 could not be timed") || !strings.Contains(stderr, "no such plug") {
		t.Errorf("missing domain: exit %d\n%s%s", code, stdout, stderr)
	}
}
