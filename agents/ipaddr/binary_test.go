//go:build root

package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/agents/ocf"
)

// TestEmptyPath: the built agent needs no external program, so it works
// with no PATH at all and with an empty one.
func TestEmptyPath(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
	for _, ip := range []string{"192.0.2.100", "2001:db8::100"} {
		for _, path := range [][]string{nil, {"PATH="}} {
			params := map[string]string{"ip": ip, "arp_count": "1"}
			for _, s := range []step{{"start", ocf.Success, ""}, {"monitor", ocf.Success, ""}, {"stop", ocf.Success, ""}, {"monitor", ocf.NotRunning, ""}} {
				if rc, reason := n.runBin(t, s.action, params, path...); rc != s.rc {
					t.Fatalf("ip=%s, environment %v: %s returned %v (%s), want %v", ip, path, s.action, rc, reason, s.rc)
				}
			}
		}
	}
}

// TestOCFTester runs resource-agents' ocf-tester inside a namespace.
func TestOCFTester(t *testing.T) {
	n := newLAN(t).addNode(t, "192.0.2.1/24", "2001:db8::1/64")
	for _, opts := range [][]string{
		{"-o", "ip=192.0.2.100", "-o", "cidr_netmask=24"},
		{"-o", "ip=2001:db8::100", "-o", "cidr_netmask=64"},
	} {
		args := append([]string{"netns", "exec", n.name, "ocf-tester", "-n", "ip"}, opts...)
		out, err := exec.Command("ip", append(args, agentBin)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "passed all tests") {
			t.Errorf("ocf-tester %v: %v\n%s", opts, err, out)
		}
	}
}
