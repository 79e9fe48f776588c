//go:build root

package guestcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDomainDefines has the host's libvirtd validate and define the domain
// XML (without starting it), and checks that what it kept is what the
// cluster relies on: udp NICs by MAC, the control channel, the fencing NIC.
func TestDomainDefines(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	spec := domainSpec{
		Name: fmt.Sprintf("qvdgcxml%d", os.Getpid()), MemoryMiB: 256,
		Kernel: filepath.Join(dir, "vmlinuz"), Initrd: filepath.Join(dir, "initrd.gz"),
		Cmdline: "console=ttyS0 qvd.hostname=node1 qvd.net=eth0=192.0.2.1/24",
		Root:    filepath.Join(dir, "root.qcow2"), Data: filepath.Join(dir, "data & more.img"),
		Console: filepath.Join(dir, "console.log"), ControlSock: filepath.Join(dir, "control.sock"),
		NICs:     []udpNIC{{MAC: "52:54:00:0a:00:01", LocalPort: 40001, RemotePort: 40002}},
		FenceMAC: "52:54:00:0c:00:01", Share: dir, ShareTag: installTag,
	}
	x, err := spec.xml()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "domain.xml")
	if err := os.WriteFile(file, x, 0o644); err != nil {
		t.Fatal(err)
	}
	// The cleanup comes first: a define that times out may still have
	// defined the domain.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := virsh(ctx, "undefine", spec.Name); err != nil {
			if _, exists := virsh(ctx, "dominfo", spec.Name); exists == nil {
				t.Errorf("undefine: %v", err)
			}
		}
	})
	if _, err := virsh(ctx, "define", "--validate", file); err != nil {
		t.Fatalf("%v\n%s", err, x)
	}
	got, err := virsh(ctx, "dumpxml", spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<interface type='udp'>", "<mac address='52:54:00:0a:00:01'/>", "<local address='127.0.0.1' port='40001'/>",
		"name='qvd.control'", "<interface type='user'>", "<mac address='52:54:00:0c:00:01'/>",
		"data &amp; more.img", "<target dir='" + installTag + "'/>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the defined domain lacks %q:\n%s", want, got)
		}
	}
	if state, err := domainState(ctx, spec.Name); err != nil || state != "shut off" {
		t.Errorf("domstate: %q, %v; want shut off", state, err)
	}
}
