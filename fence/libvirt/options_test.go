package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/fence/fencing/fencetest"
)

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		stdin, want string
	}{
		{"hypervisor_uri=::bad\naction=validate-all\n", "hypervisor_uri is not a libvirt URI"},
		{"hypervisor_uri=qemu+carrier-pigeon://h/system\naction=validate-all\n", `transport "carrier-pigeon" is not supported`},
		{"hostlist=:dom\naction=validate-all\n", `hostlist: ":dom" is not node[:target]`},
		{"action=status\n", "option plug (-n, --plug=[id]) is required"},
		{"action=status\nplug=x\nhypervisor_uri=qemu+tcp://127.0.0.1:1/system\n", "Failed: connect: "},
	} {
		res := agentRun(t, nil, tt.stdin)
		expect(t, res, 1, tt.want)
		if strings.Contains(res.stderr, "goroutine") || strings.Contains(res.stderr, "panic") {
			t.Errorf("stack trace for %q: %v", tt.stdin, res)
		}
	}
	expect(t, agentRun(t, nil, "action=validate-all\nplug=x\n"), 0, "")
}

func TestMetadataAndManPage(t *testing.T) {
	res := agentRun(t, nil, "", "-o", "metadata")
	expect(t, res, 0, `<resource-agent name="fence_qvd_libvirt"`)
	lint := exec.Command("xmllint", "--noout", "--relaxng", "/usr/share/cluster/relaxng/metadata.rng", "-")
	lint.Stdin = strings.NewReader(res.stdout)
	if out, err := lint.CombinedOutput(); err != nil {
		t.Fatalf("meta-data does not validate: %v\n%s", err, out)
	}
	for _, want := range []string{`name="hypervisor_uri"`, `name="hostlist"`, `name="port" unique="0" required="1" deprecated="1"`} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("meta-data lacks %s", want)
		}
	}

	res = agentRun(t, nil, "", "-o", "manpage")
	expect(t, res, 0, ".SH LEAST PRIVILEGE ON THE HYPERVISOR")
	page := filepath.Join(t.TempDir(), "fence_qvd_libvirt.8")
	if err := os.WriteFile(page, []byte(res.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("man", "-l", "-Tutf8", page).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "known_hosts") {
		t.Fatalf("man -l: %v\n%s", err, out)
	}
}

// TestFenceVirshParams: a fence_virsh device switched to fence_qvd_libvirt
// keeps every parameter it sets; none is rejected as unknown, and the ones
// that mean nothing here say so.
func TestFenceVirshParams(t *testing.T) {
	md := agentRun(t, nil, "", "-o", "metadata")
	expect(t, md, 0, "<parameters>")
	baseline := map[string]string{"ip": "aries", "username": "root", "plug": "node1"}
	fencetest.CheckTwin(t, "/usr/sbin/fence_virsh", []byte(md.stdout), baseline, nil,
		func(t *testing.T, stdin string) (int, string) {
			res := agentRun(t, nil, stdin)
			return res.code, res.stderr
		})
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"-V"}, {"--version"}} {
		expect(t, agentRun(t, nil, "", args...), 0, version+"\n")
	}
}
